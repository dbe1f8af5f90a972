/* attention.c - launchers for cl/attention.cl (the GEMMs are the caller's, through CLBlast). */
#include "ops/common.h"
#include "ops/t5_ops.h"

archllm_status archllm_op_split_heads(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t B, size_t L,
                                      size_t H, size_t dk, size_t ld_in, size_t Lcap, size_t l0)
{
    size_t n = B * L * H * dk;
    OPS_CHECK_SIZE("split_heads", out.off + B * H * Lcap * dk);
    OPS_CHECK_SIZE("split_heads", in.off + B * L * ld_in);
    cl_kernel k;
    cl_uint oo = out.off, io = in.off, b = B, l = L, h = H, d = dk, ld = ld_in, lc = Lcap, z = l0;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "split_heads", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(in.buf), ARG_UINT(io), ARG_UINT(b),
                                    ARG_UINT(l), ARG_UINT(h), ARG_UINT(d), ARG_UINT(ld), ARG_UINT(lc), ARG_UINT(z),
                                    ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}

archllm_status archllm_op_merge_heads(archllm_ctx_t *ctx, archllm_view out, archllm_view in, size_t B, size_t L,
                                      size_t H, size_t dk, size_t ld_out)
{
    size_t n = B * L * H * dk;
    OPS_CHECK_SIZE("merge_heads", out.off + B * L * ld_out);
    OPS_CHECK_SIZE("merge_heads", in.off + n);
    cl_kernel k;
    cl_uint oo = out.off, io = in.off, b = B, l = L, h = H, d = dk, ld = ld_out;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "merge_heads", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(in.buf), ARG_UINT(io), ARG_UINT(b),
                                    ARG_UINT(l), ARG_UINT(h), ARG_UINT(d), ARG_UINT(ld), ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}

archllm_status archllm_op_attn_softmax_fwd(archllm_ctx_t *ctx, archllm_view s, archllm_view table,
                                           archllm_view buckets, archllm_view keymask, size_t B, size_t H,
                                           size_t Lq, size_t Lk, unsigned flags, size_t q0)
{
    OPS_CHECK_SIZE("attn_softmax_fwd", s.off + B * H * Lq * Lk);
    cl_kernel k;
    cl_uint so = s.off, to = table.off, bo = buckets.off, mo = keymask.off, b = B, h = H, lq = Lq, lk = Lk,
            fl = flags, z = q0;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_softmax_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(s.buf), ARG_UINT(so), ARG_MEM(table.buf), ARG_UINT(to),
                                    ARG_MEM(buckets.buf), ARG_UINT(bo), ARG_MEM(keymask.buf), ARG_UINT(mo),
                                    ARG_UINT(b), ARG_UINT(h), ARG_UINT(lq), ARG_UINT(lk), ARG_UINT(fl), ARG_UINT(z),
                                    ARG_END));
    return archllm_launch_1d(ctx, k, B * H * Lq, 0);
}

archllm_status archllm_op_attn_softmax_bwd(archllm_ctx_t *ctx, archllm_view dp, archllm_view p, size_t rows,
                                           size_t Lk)
{
    OPS_CHECK_SIZE("attn_softmax_bwd", dp.off + rows * Lk);
    cl_kernel k;
    cl_uint go = dp.off, po = p.off, r = rows, lk = Lk;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_softmax_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dp.buf), ARG_UINT(go), ARG_MEM(p.buf), ARG_UINT(po), ARG_UINT(r),
                                    ARG_UINT(lk), ARG_END));
    return archllm_launch_1d(ctx, k, rows, 0);
}

archllm_status archllm_op_attn_bias_reduce(archllm_ctx_t *ctx, archllm_view acc, archllm_view ds, size_t B,
                                           size_t H, size_t Lq, size_t Lk)
{
    OPS_CHECK_SIZE("attn_bias_reduce", ds.off + B * H * Lq * Lk);
    cl_kernel k;
    cl_uint ao = acc.off, so = ds.off, b = B, h = H, lq = Lq, lk = Lk;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_bias_reduce", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(acc.buf), ARG_UINT(ao), ARG_MEM(ds.buf), ARG_UINT(so), ARG_UINT(b),
                                    ARG_UINT(h), ARG_UINT(lq), ARG_UINT(lk), ARG_END));
    return archllm_launch_1d(ctx, k, H * Lq * Lk, 0);
}

archllm_status archllm_op_attn_bias_bwd(archllm_ctx_t *ctx, archllm_view dtable, archllm_view acc,
                                        archllm_view buckets, size_t NB, size_t H, size_t Lq, size_t Lk)
{
    OPS_CHECK_SIZE("attn_bias_bwd", acc.off + H * Lq * Lk);
    cl_kernel k;
    cl_uint to = dtable.off, ao = acc.off, bo = buckets.off, nb = NB, h = H, lq = Lq, lk = Lk;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_bias_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dtable.buf), ARG_UINT(to), ARG_MEM(acc.buf), ARG_UINT(ao),
                                    ARG_MEM(buckets.buf), ARG_UINT(bo), ARG_UINT(nb), ARG_UINT(h), ARG_UINT(lq),
                                    ARG_UINT(lk), ARG_END));
    return archllm_launch_1d(ctx, k, NB * H, 0);
}

archllm_status archllm_op_attn_decode(archllm_ctx_t *ctx, archllm_view out, archllm_view q, archllm_view kc,
                                      archllm_view vc, archllm_view table, archllm_view buckets, archllm_view keymask,
                                      size_t B, size_t H, size_t Lk, size_t dk, size_t Lcap, unsigned flags)
{
    OPS_CHECK_SIZE("attn_decode", kc.off + B * H * Lcap * dk);
    OPS_CHECK_SIZE("attn_decode", vc.off + B * H * Lcap * dk);
    if (Lk < 1 || Lk > Lcap) return archllm_fail(ARCHLLM_EINVAL, "attn_decode: %zu keys in a cache of %zu", Lk, Lcap);
    cl_kernel k;
    cl_uint oo = out.off, qo = q.off, ko = kc.off, vo = vc.off, to = table.off, bo = buckets.off, mo = keymask.off,
            b = B, h = H, lk = Lk, d = dk, lc = Lcap, fl = flags;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_decode", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(q.buf), ARG_UINT(qo), ARG_MEM(kc.buf),
                                    ARG_UINT(ko), ARG_MEM(vc.buf), ARG_UINT(vo), ARG_MEM(table.buf), ARG_UINT(to),
                                    ARG_MEM(buckets.buf), ARG_UINT(bo), ARG_MEM(keymask.buf), ARG_UINT(mo), ARG_UINT(b),
                                    ARG_UINT(h), ARG_UINT(lk), ARG_UINT(d), ARG_UINT(lc), ARG_UINT(fl), ARG_END));
    return archllm_launch_1d(ctx, k, B * H, 0);
}
