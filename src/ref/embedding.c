/* embedding.c - references for cl/embedding.cl. */
#include "ref/t5_ref.h"

void ref_embedding_fwd(float *out, const float *table, const int32_t *ids, size_t n, size_t d, size_t vocab)
{
    for (size_t r = 0; r < n; r++)
        for (size_t j = 0; j < d; j++)
            out[r * d + j] = (ids[r] >= 0 && (size_t)ids[r] < vocab) ? table[(size_t)ids[r] * d + j] : 0.0f;
}

void ref_embedding_bwd(float *dtable, const float *dout, const int32_t *ids, size_t n, size_t d, size_t vocab)
{
    for (size_t r = 0; r < n; r++)
        if (ids[r] >= 0 && (size_t)ids[r] < vocab)
            for (size_t j = 0; j < d; j++) dtable[(size_t)ids[r] * d + j] += dout[r * d + j];
}
