/* attention.c - launchers for cl/attention.cl (the GEMM path's GEMMs are the caller's, through
 * CLBlast), and the fused kernels' local-memory need, launch shape and applicability. */
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

archllm_status archllm_op_attn_decode(archllm_ctx_t *ctx, archllm_view out, archllm_view q, size_t ldq,
                                      archllm_view kc, archllm_view vc, size_t cb, size_t ch, size_t cs,
                                      archllm_view kn, archllm_view vn, size_t ldn, archllm_view table,
                                      archllm_view buckets, archllm_view keymask, size_t B, size_t H, size_t Lk,
                                      size_t dk, unsigned flags)
{
    if (Lk < 1 || dk < 1) return archllm_fail(ARCHLLM_EINVAL, "attn_decode: %zu keys of d_kv %zu", Lk, dk);
    size_t last = (B - 1) * cb + (H - 1) * ch + (Lk - 1) * cs + dk; /* past the last key read */
    OPS_CHECK_SIZE("attn_decode", kc.off + last);
    OPS_CHECK_SIZE("attn_decode", vc.off + last);
    OPS_CHECK_SIZE("attn_decode", q.off + (B - 1) * ldq + H * dk);
    int append = kn.buf != NULL;
    if (append) {
        OPS_CHECK_SIZE("attn_decode", kn.off + (B - 1) * ldn + H * dk);
        OPS_CHECK_SIZE("attn_decode", vn.off + (B - 1) * ldn + H * dk);
    }
    cl_kernel k;
    cl_mem knb = append ? kn.buf : kc.buf, vnb = append ? vn.buf : vc.buf; /* any valid buffer when unused */
    cl_uint oo = out.off, qo = q.off, lq = ldq, ko = kc.off, vo = vc.off, sb = cb, sh = ch, ss = cs,
            kno = append ? kn.off : 0, vno = append ? vn.off : 0, ln = ldn, ap = append, to = table.off,
            bo = buckets.off, mo = keymask.off, b = B, h = H, lk = Lk, d = dk, fl = flags;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_decode", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(q.buf), ARG_UINT(qo), ARG_UINT(lq),
                                    ARG_MEM(kc.buf), ARG_UINT(ko), ARG_MEM(vc.buf), ARG_UINT(vo), ARG_UINT(sb),
                                    ARG_UINT(sh), ARG_UINT(ss), ARG_MEM(knb), ARG_UINT(kno), ARG_MEM(vnb),
                                    ARG_UINT(vno), ARG_UINT(ln), ARG_UINT(ap), ARG_MEM(table.buf), ARG_UINT(to),
                                    ARG_MEM(buckets.buf), ARG_UINT(bo), ARG_MEM(keymask.buf), ARG_UINT(mo),
                                    ARG_UINT(b), ARG_UINT(h), ARG_UINT(lk), ARG_UINT(d), ARG_UINT(fl), ARG_END));
    return archllm_launch_1d(ctx, k, B * H, 0);
}

/* ---- fused attention for short sequences (cl/attention.cl attn_fused_fwd / _bwd) ---- */

/* local floats of a kernel (bwd adds D), with KV rows ldl floats apart */
static size_t fused_floats(size_t Lq, size_t Lk, size_t dk, size_t ldl, int bwd)
{
    return Lq * dk + Lk * ldl + Lq * Lk + (bwd ? Lq : 0);
}

size_t archllm_op_attn_fused_local(size_t Lq, size_t Lk, size_t dk)
{
    return fused_floats(Lq, Lk, dk, dk, 1) * sizeof(float);
}

int archllm_op_attn_fused_fits(const archllm_ctx_t *ctx, size_t Lq, size_t Lk, size_t dk)
{
    if (Lq < 1 || Lk < 1 || dk < 1 || Lq > ARCHLLM_ATT_FUSED_MAX || Lk > ARCHLLM_ATT_FUSED_MAX ||
        dk > ARCHLLM_ATT_FUSED_MAX)
        return 0;
    return archllm_op_attn_fused_local(Lq, Lk, dk) <= ctx->info.local_mem_bytes;
}

/* the KV row stride: odd when dk is even and that still fits (cl/attention.cl says why) */
static size_t fused_ldl(const archllm_ctx_t *ctx, size_t Lq, size_t Lk, size_t dk, int bwd)
{
    if (dk % 2 == 0 && fused_floats(Lq, Lk, dk, dk + 1, bwd) * sizeof(float) <= ctx->info.local_mem_bytes)
        return dk + 1;
    return dk;
}

/* The launch shape: work-group edge (nx = ny) and columns per work-item (cl/attention.cl
 * says why).  AUTO is the context's tuning (attn_tile x attn_vw: by default 1 x 1 groups
 * taking 8 columns on CPUs, 16 x 16 taking one on GPUs, backend/tuning.c says why; `archllm
 * tune` measures the others); CPU and GPU are those two defaults whatever the device (the
 * op harness runs both).  8 columns only where dk is a multiple of 8; the edge shrinks to
 * the kernel's work-group limit. */
typedef struct {
    size_t  tile;
    cl_uint vw;
} fused_shape;
static fused_shape shape_for(const archllm_ctx_t *ctx, cl_kernel k, size_t dk, int kind)
{
    size_t t = (size_t)ctx->tuning.attn_tile, kmax = 0;
    cl_uint vw = (cl_uint)ctx->tuning.attn_vw;
    if (kind == ARCHLLM_ATT_SHAPE_CPU) t = 1, vw = 8;
    if (kind == ARCHLLM_ATT_SHAPE_GPU) t = ctx->info.type == ARCHLLM_DEVICE_CPU ? 16 : (size_t)ctx->tuning.tile, vw = 1;
    if (vw == 8 && dk % 8 != 0) vw = 1;
    if (t > 1 &&
        clGetKernelWorkGroupInfo(k, ctx->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof kmax, &kmax, NULL) ==
            CL_SUCCESS &&
        kmax > 0)
        while (t * t > kmax && t > 1) t /= 2;
    return (fused_shape){t, vw};
}

static archllm_status fused_check(const archllm_ctx_t *ctx, const char *what, size_t Lq, size_t Lk, size_t dk)
{
    if (!archllm_op_attn_fused_fits(ctx, Lq, Lk, dk))
        return archllm_fail(ARCHLLM_EINVAL, "%s: Lq %zu, Lk %zu, dk %zu outside 1..%d or %zu bytes of local memory "
                            "(the device has %llu)", what, Lq, Lk, dk, ARCHLLM_ATT_FUSED_MAX,
                            archllm_op_attn_fused_local(Lq, Lk, dk), (unsigned long long)ctx->info.local_mem_bytes);
    return ARCHLLM_OK;
}

archllm_status archllm_op_attn_fused_fwd_kind(archllm_ctx_t *ctx, archllm_view out, size_t ldo, archllm_view p,
                                              archllm_view q, size_t ldq, archllm_view k, archllm_view v,
                                              size_t ldkv, archllm_view table, archllm_view buckets,
                                              archllm_view keymask, size_t B, size_t H, size_t Lq, size_t Lk,
                                              size_t dk, unsigned flags, int kind)
{
    ARCHLLM_TRY(fused_check(ctx, "attn_fused_fwd", Lq, Lk, dk));
    OPS_CHECK_SIZE("attn_fused_fwd", out.off + B * Lq * ldo);
    OPS_CHECK_SIZE("attn_fused_fwd", p.off + B * H * Lq * Lk);
    OPS_CHECK_SIZE("attn_fused_fwd", q.off + B * Lq * ldq);
    OPS_CHECK_SIZE("attn_fused_fwd", k.off + B * Lk * ldkv);
    OPS_CHECK_SIZE("attn_fused_fwd", v.off + B * Lk * ldkv);
    size_t ldl = fused_ldl(ctx, Lq, Lk, dk, 0);
    cl_kernel kn;
    cl_uint oo = out.off, lo = ldo, po = p.off, qo = q.off, lq_ = ldq, ko = k.off, vo = v.off, lkv = ldkv,
            to = table.off, bo = buckets.off, mo = keymask.off, h = H, lq = Lq, lk = Lk, d = dk, ll = ldl,
            fl = flags;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_fused_fwd", &kn));
    fused_shape sh = shape_for(ctx, kn, dk, kind);
    ARCHLLM_TRY(archllm_kernel_args(kn, ARG_MEM(out.buf), ARG_UINT(oo), ARG_UINT(lo), ARG_MEM(p.buf), ARG_UINT(po),
                                    ARG_MEM(q.buf), ARG_UINT(qo), ARG_UINT(lq_), ARG_MEM(k.buf), ARG_UINT(ko),
                                    ARG_MEM(v.buf), ARG_UINT(vo), ARG_UINT(lkv), ARG_MEM(table.buf), ARG_UINT(to),
                                    ARG_MEM(buckets.buf), ARG_UINT(bo), ARG_MEM(keymask.buf), ARG_UINT(mo),
                                    ARG_UINT(h), ARG_UINT(lq), ARG_UINT(lk), ARG_UINT(d), ARG_UINT(ll),
                                    ARG_UINT(sh.vw), ARG_UINT(fl),
                                    ARG_LOCAL(fused_floats(Lq, Lk, dk, ldl, 0) * sizeof(float)), ARG_END));
    return archllm_launch_2d(ctx, kn, B * H * sh.tile, sh.tile, sh.tile, sh.tile);
}

archllm_status archllm_op_attn_fused_fwd(archllm_ctx_t *ctx, archllm_view out, size_t ldo, archllm_view p,
                                         archllm_view q, size_t ldq, archllm_view k, archllm_view v, size_t ldkv,
                                         archllm_view table, archllm_view buckets, archllm_view keymask, size_t B,
                                         size_t H, size_t Lq, size_t Lk, size_t dk, unsigned flags)
{
    return archllm_op_attn_fused_fwd_kind(ctx, out, ldo, p, q, ldq, k, v, ldkv, table, buckets, keymask, B, H, Lq,
                                          Lk, dk, flags, ARCHLLM_ATT_SHAPE_AUTO);
}

archllm_status archllm_op_attn_fused_bwd_kind(archllm_ctx_t *ctx, archllm_view dq, archllm_view dkey,
                                              archllm_view dv, archllm_view ds, archllm_view dout, archllm_view out,
                                              size_t ldo, archllm_view p, archllm_view q, size_t ldq, archllm_view k,
                                              archllm_view v, size_t ldkv, size_t B, size_t H, size_t Lq, size_t Lk,
                                              size_t dk, int kind)
{
    ARCHLLM_TRY(fused_check(ctx, "attn_fused_bwd", Lq, Lk, dk));
    OPS_CHECK_SIZE("attn_fused_bwd", dq.off + B * Lq * ldq);
    OPS_CHECK_SIZE("attn_fused_bwd", dkey.off + B * Lk * ldkv);
    OPS_CHECK_SIZE("attn_fused_bwd", dv.off + B * Lk * ldkv);
    OPS_CHECK_SIZE("attn_fused_bwd", dout.off + B * Lq * ldo);
    OPS_CHECK_SIZE("attn_fused_bwd", out.off + B * Lq * ldo);
    OPS_CHECK_SIZE("attn_fused_bwd", p.off + B * H * Lq * Lk);
    OPS_CHECK_SIZE("attn_fused_bwd", q.off + B * Lq * ldq);
    OPS_CHECK_SIZE("attn_fused_bwd", k.off + B * Lk * ldkv);
    OPS_CHECK_SIZE("attn_fused_bwd", v.off + B * Lk * ldkv);
    cl_uint want = ds.buf != NULL;
    if (want) OPS_CHECK_SIZE("attn_fused_bwd", ds.off + B * H * Lq * Lk);
    else ds = dq; /* not written */
    size_t ldl = fused_ldl(ctx, Lq, Lk, dk, 1);
    cl_kernel kn;
    cl_uint qo_ = dq.off, ko_ = dkey.off, vo_ = dv.off, so = ds.off, doo = dout.off, oo = out.off, lo = ldo,
            po = p.off, qo = q.off, lq_ = ldq, ko = k.off, vo = v.off, lkv = ldkv, h = H, lq = Lq, lk = Lk, d = dk,
            ll = ldl;
    ARCHLLM_TRY(archllm_kernel(ctx, "attention", "attn_fused_bwd", &kn));
    fused_shape sh = shape_for(ctx, kn, dk, kind);
    ARCHLLM_TRY(archllm_kernel_args(kn, ARG_MEM(dq.buf), ARG_UINT(qo_), ARG_MEM(dkey.buf), ARG_UINT(ko_),
                                    ARG_MEM(dv.buf), ARG_UINT(vo_), ARG_MEM(ds.buf), ARG_UINT(so), ARG_UINT(want),
                                    ARG_MEM(dout.buf), ARG_UINT(doo), ARG_MEM(out.buf), ARG_UINT(oo), ARG_UINT(lo),
                                    ARG_MEM(p.buf), ARG_UINT(po), ARG_MEM(q.buf), ARG_UINT(qo), ARG_UINT(lq_),
                                    ARG_MEM(k.buf), ARG_UINT(ko), ARG_MEM(v.buf), ARG_UINT(vo), ARG_UINT(lkv),
                                    ARG_UINT(h), ARG_UINT(lq), ARG_UINT(lk), ARG_UINT(d), ARG_UINT(ll),
                                    ARG_UINT(sh.vw), ARG_LOCAL(fused_floats(Lq, Lk, dk, ldl, 1) * sizeof(float)),
                                    ARG_END));
    return archllm_launch_2d(ctx, kn, B * H * sh.tile, sh.tile, sh.tile, sh.tile);
}

archllm_status archllm_op_attn_fused_bwd(archllm_ctx_t *ctx, archllm_view dq, archllm_view dkey, archllm_view dv,
                                         archllm_view ds, archllm_view dout, archllm_view out, size_t ldo,
                                         archllm_view p, archllm_view q, size_t ldq, archllm_view k, archllm_view v,
                                         size_t ldkv, size_t B, size_t H, size_t Lq, size_t Lk, size_t dk)
{
    return archllm_op_attn_fused_bwd_kind(ctx, dq, dkey, dv, ds, dout, out, ldo, p, q, ldq, k, v, ldkv, B, H, Lq, Lk,
                                          dk, ARCHLLM_ATT_SHAPE_AUTO);
}
