/* graph.c - launchers for cl/graph.cl (GIN aggregation, position embeddings, adjacency
 * decoder, MLP bias/activation helpers). */
#include "ops/common.h"
#include "ops/vqvae_ops.h"


archllm_status archllm_op_gin_agg_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view h, archllm_view adj,
                                      archllm_view eps, size_t B, size_t N, size_t C)
{
    OPS_CHECK_SIZE("gin_agg", h.off + B * N * C);
    cl_kernel k;
    cl_uint oo = U(out.off), ho = U(h.off), ao = U(adj.off), eo = U(eps.off), b = U(B), n = U(N), c = U(C);
    int v16 = C % 16 == 0; /* 16 channels per item as float16 */
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", v16 ? "gin_agg_fwd16" : "gin_agg_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(h.buf), ARG_UINT(ho),
                                    ARG_MEM(adj.buf), ARG_UINT(ao), ARG_MEM(eps.buf), ARG_UINT(eo), ARG_UINT(b),
                                    ARG_UINT(n), ARG_UINT(c), ARG_END));
    return archllm_launch_1d(ctx, k, v16 ? B * N * C / 16 : B * N * C, 0);
}

archllm_status archllm_op_gin_agg_bwd(archllm_ctx_t *ctx, archllm_view dh, archllm_view deps, archllm_view h,
                                      archllm_view adj, archllm_view eps, archllm_view dout, size_t B, size_t N,
                                      size_t C, int accumulate)
{
    OPS_CHECK_SIZE("gin_agg_bwd", dh.off + B * N * C);
    cl_kernel k, k2;
    cl_uint dho = U(dh.off), ao = U(adj.off), eo = U(eps.off), doo = U(dout.off), b = U(B), n = U(N), c = U(C);
    cl_uint deo = U(deps.off), ho = U(h.off), tot = U(B * N * C), acc = U(accumulate != 0);
    int v16 = C % 16 == 0;
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", v16 ? "gin_agg_bwd16" : "gin_agg_bwd", &k));
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", "gin_eps_bwd", &k2));
    /* deps first: it reads dout and h, never dh (dh may alias nothing it reads) */
    ARCHLLM_TRY(archllm_kernel_args(k2, ARG_MEM(deps.buf), ARG_UINT(deo), ARG_MEM(h.buf), ARG_UINT(ho),
                                    ARG_MEM(dout.buf), ARG_UINT(doo), ARG_UINT(tot), ARG_END));
    size_t wg = (size_t)ctx->tuning.reduce_wg;
    ARCHLLM_TRY(archllm_launch_1d(ctx, k2, wg, wg));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dh.buf), ARG_UINT(dho), ARG_MEM(adj.buf), ARG_UINT(ao),
                                    ARG_MEM(eps.buf), ARG_UINT(eo), ARG_MEM(dout.buf), ARG_UINT(doo), ARG_UINT(b),
                                    ARG_UINT(n), ARG_UINT(c), ARG_UINT(acc), ARG_END));
    return archllm_launch_1d(ctx, k, v16 ? B * N * C / 16 : B * N * C, 0);
}

archllm_status archllm_op_pos_add_bwd(archllm_ctx_t *ctx, archllm_view dpos, archllm_view dout, size_t B,
                                      size_t N, size_t C)
{
    OPS_CHECK_SIZE("pos_add_bwd", dout.off + B * N * C);
    cl_kernel k;
    cl_uint po = U(dpos.off), oo = U(dout.off), b = U(B), n = U(N), c = U(C);
    size_t w = C % 16 == 0 ? 16 : 1; /* channels per item: a float16 where they fit */
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", w == 16 ? "pos_add_bwd16" : "pos_add_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dpos.buf), ARG_UINT(po), ARG_MEM(dout.buf), ARG_UINT(oo),
                                    ARG_UINT(b), ARG_UINT(n), ARG_UINT(c), ARG_END));
    return archllm_launch_1d_spread(ctx, k, N * C / w, 0);
}

archllm_status archllm_op_adj_dec_fwd(archllm_ctx_t *ctx, archllm_view logits, archllm_view st, archllm_view par,
                                      int mode, size_t B, size_t N, size_t A)
{
    OPS_CHECK_SIZE("adj_dec", st.off + B * N * 2 * A);
    cl_kernel k;
    cl_uint lo = U(logits.off), so = U(st.off), po = U(par.off), md = U(mode), b = U(B), n = U(N), a = U(A);
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", "adj_dec_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(logits.buf), ARG_UINT(lo), ARG_MEM(st.buf), ARG_UINT(so),
                                    ARG_MEM(par.buf), ARG_UINT(po), ARG_UINT(md), ARG_UINT(b), ARG_UINT(n),
                                    ARG_UINT(a), ARG_END));
    return archllm_launch_1d(ctx, k, B * N * N, 0);
}

archllm_status archllm_op_adj_dec_bwd(archllm_ctx_t *ctx, archllm_view dst, archllm_view dpar, archllm_view st,
                                      archllm_view par, archllm_view dlogits, int mode, size_t B, size_t N,
                                      size_t A, int accumulate)
{
    OPS_CHECK_SIZE("adj_dec_bwd", st.off + B * N * 2 * A);
    cl_kernel k1, k2;
    cl_uint dso = U(dst.off), dpo = U(dpar.off), so = U(st.off), po = U(par.off), dlo = U(dlogits.off);
    cl_uint md = U(mode), b = U(B), n = U(N), a = U(A), acc = U(accumulate != 0);
    size_t w = A % 16 == 0 ? 16 : 1; /* columns of a per item: a float16 where they fit */
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", w == 16 ? "adj_dec_bwd_st16" : "adj_dec_bwd_st", &k1));
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", w == 16 ? "adj_dec_bwd_par16" : "adj_dec_bwd_par", &k2));
    ARCHLLM_TRY(archllm_kernel_args(k1, ARG_MEM(dst.buf), ARG_UINT(dso), ARG_MEM(st.buf), ARG_UINT(so),
                                    ARG_MEM(par.buf), ARG_UINT(po), ARG_MEM(dlogits.buf), ARG_UINT(dlo),
                                    ARG_UINT(md), ARG_UINT(b), ARG_UINT(n), ARG_UINT(a), ARG_UINT(acc), ARG_END));
    ARCHLLM_TRY(archllm_launch_1d(ctx, k1, B * N * A / w, 0));
    ARCHLLM_TRY(archllm_kernel_args(k2, ARG_MEM(dpar.buf), ARG_UINT(dpo), ARG_MEM(st.buf), ARG_UINT(so),
                                    ARG_MEM(par.buf), ARG_UINT(po), ARG_MEM(dlogits.buf), ARG_UINT(dlo),
                                    ARG_UINT(md), ARG_UINT(b), ARG_UINT(n), ARG_UINT(a), ARG_END));
    return archllm_launch_1d_spread(ctx, k2, A / w + 1, 0);
}

archllm_status archllm_op_relu_mask_bwd(archllm_ctx_t *ctx, archllm_view dy, archllm_view y, size_t n)
{
    OPS_CHECK_SIZE("relu_mask", dy.off + n);
    cl_kernel k;
    cl_uint dyo = U(dy.off), yo = U(y.off), nn = U(n);
    ARCHLLM_TRY(archllm_kernel(ctx, "graph", "relu_mask_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dy.buf), ARG_UINT(dyo), ARG_MEM(y.buf), ARG_UINT(yo),
                                    ARG_UINT(nn), ARG_END));
    return archllm_launch_1d(ctx, k, n, 0);
}
