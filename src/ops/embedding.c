/* embedding.c - launchers for cl/embedding.cl. */
#include "ops/common.h"
#include "ops/t5_ops.h"

archllm_status archllm_op_embedding_fwd(archllm_ctx_t *ctx, archllm_view out, archllm_view table, archllm_view ids,
                                        size_t n, size_t d, size_t vocab)
{
    OPS_CHECK_SIZE("embedding_fwd", out.off + n * d);
    OPS_CHECK_SIZE("embedding_fwd", table.off + vocab * d);
    cl_kernel k;
    cl_uint oo = out.off, to = table.off, io = ids.off, nn = n, dd = d, vv = vocab;
    ARCHLLM_TRY(archllm_kernel(ctx, "embedding", "embedding_fwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(out.buf), ARG_UINT(oo), ARG_MEM(table.buf), ARG_UINT(to),
                                    ARG_MEM(ids.buf), ARG_UINT(io), ARG_UINT(nn), ARG_UINT(dd), ARG_UINT(vv), ARG_END));
    return archllm_launch_1d(ctx, k, n * ((d + 15) / 16), 0); /* 16 columns an item */
}

archllm_status archllm_op_embedding_bwd(archllm_ctx_t *ctx, archllm_view dtable, archllm_view dout, archllm_view ids,
                                        size_t n, size_t d, size_t vocab)
{
    OPS_CHECK_SIZE("embedding_bwd", dtable.off + vocab * d);
    OPS_CHECK_SIZE("embedding_bwd", dout.off + n * d);
    cl_kernel k;
    cl_uint to = dtable.off, go = dout.off, io = ids.off, nn = n, dd = d, vv = vocab;
    ARCHLLM_TRY(archllm_kernel(ctx, "embedding", "embedding_bwd", &k));
    ARCHLLM_TRY(archllm_kernel_args(k, ARG_MEM(dtable.buf), ARG_UINT(to), ARG_MEM(dout.buf), ARG_UINT(go),
                                    ARG_MEM(ids.buf), ARG_UINT(io), ARG_UINT(nn), ARG_UINT(dd), ARG_UINT(vv), ARG_END));
    return archllm_launch_1d(ctx, k, d, 0);
}
