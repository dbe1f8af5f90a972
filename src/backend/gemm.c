/* gemm.c - every GEMM of archllm goes through here, to CLBlast.  archllm's matrices are
 * row-major; a row-major C = op(A) op(B) is, on the same memory, the column-major
 * C^T = op(B)^T op(A)^T, and that is what CLBlast is asked: its indirect kernel (Xgemm, GEMMK
 * 0) wants C column-major and the first operand unrotated, so a row-major call copies C
 * transposed in and out and transposes A around every product, where the column-major one
 * transposes one operand (PoCL, Zen 5, tuned Xgemm: n = 512 2.1-2.4 -> 1.1-1.7 ms, 1024 12.7 ->
 * 10.5, 2048 119 -> 101).  XgemmDirect reads any layout in place. */
#include "backend/backend.h"
#include "backend/clblast_tune.h"

#include <clblast_c.h>

const char *archllm_clblast_status_name(int status)
{
    switch ((CLBlastStatusCode)status) {
    case CLBlastNotImplemented:            return "not implemented";
    case CLBlastInvalidMatrixA:            return "matrix A is not a valid buffer";
    case CLBlastInvalidMatrixB:            return "matrix B is not a valid buffer";
    case CLBlastInvalidMatrixC:            return "matrix C is not a valid buffer";
    case CLBlastInvalidDimension:          return "M, N and K must be > 0";
    case CLBlastInvalidLeadDimA:           return "leading dimension of A too small";
    case CLBlastInvalidLeadDimB:           return "leading dimension of B too small";
    case CLBlastInvalidLeadDimC:           return "leading dimension of C too small";
    case CLBlastInsufficientMemoryA:       return "buffer of A too small";
    case CLBlastInsufficientMemoryB:       return "buffer of B too small";
    case CLBlastInsufficientMemoryC:       return "buffer of C too small";
    case CLBlastInsufficientMemoryTemp:    return "temporary buffer too small";
    case CLBlastInvalidBatchCount:         return "batch count must be > 0";
    case CLBlastInvalidLocalMemUsage:      return "not enough local memory";
    case CLBlastDatabaseError:             return "no tuning database entry";
    case CLBlastInvalidOverrideKernel:     return "no such kernel to override";
    case CLBlastMissingOverrideParameter:  return "a parameter is missing from the override";
    case CLBlastUnknownError:              return "unknown error";
    case CLBlastUnexpectedError:           return "unexpected error";
    default:                               return archllm_cl_error_name((cl_int)status);
    }
}

static archllm_status clblast_check(CLBlastStatusCode s, const char *call, size_t m, size_t n, size_t k)
{
    if (s == CLBlastSuccess) return ARCHLLM_OK;
    return archllm_fail(ARCHLLM_ECLBLAST, "%s (%zu x %zu x %zu): %s (%d)", call, m, n, k,
                        archllm_clblast_status_name((int)s), (int)s);
}

archllm_status archllm_sgemm(archllm_ctx_t *ctx, int trans_a, int trans_b,
                             size_t m, size_t n, size_t k, float alpha,
                             archllm_view a, size_t lda, archllm_view b, size_t ldb,
                             float beta, archllm_view c, size_t ldc)
{
    if (m == 0 || n == 0) return ARCHLLM_OK;
    CLBlastStatusCode s = CLBlastSgemm(CLBlastLayoutColMajor,
                                       trans_b ? CLBlastTransposeYes : CLBlastTransposeNo,
                                       trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
                                       n, m, k, alpha, b.buf, b.off, ldb, a.buf, a.off, lda,
                                       beta, c.buf, c.off, ldc, &ctx->queue, NULL);
    return clblast_check(s, "CLBlastSgemm", m, n, k);
}

archllm_status archllm_sgemm_batched(archllm_ctx_t *ctx, int trans_a, int trans_b,
                                     size_t m, size_t n, size_t k, float alpha,
                                     archllm_view a, size_t lda, size_t stride_a,
                                     archllm_view b, size_t ldb, size_t stride_b,
                                     float beta, archllm_view c, size_t ldc, size_t stride_c,
                                     size_t batch)
{
    if (m == 0 || n == 0 || batch == 0) return ARCHLLM_OK;
    CLBlastStatusCode s = CLBlastSgemmStridedBatched(CLBlastLayoutColMajor,
                                                     trans_b ? CLBlastTransposeYes : CLBlastTransposeNo,
                                                     trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
                                                     n, m, k, alpha, b.buf, b.off, ldb, stride_b,
                                                     a.buf, a.off, lda, stride_a, beta,
                                                     c.buf, c.off, ldc, stride_c, batch, &ctx->queue, NULL);
    return clblast_check(s, "CLBlastSgemmStridedBatched", m, n, k);
}
