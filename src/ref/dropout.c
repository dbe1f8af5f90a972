/* dropout.c - reference for cl/dropout.cl: the same hash, so masks match bit for bit. */
#include "ref/t5_ref.h"

uint32_t ref_dropout_hash(uint32_t seed, uint32_t i)
{
    uint32_t x = i * 0x9E3779B9u ^ seed;
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

uint32_t ref_dropout_threshold(float p)
{
    double t = (double)p * 4294967296.0;
    return t >= 4294967295.0 ? 4294967295u : (uint32_t)t;
}

void ref_dropout_fwd(float *out, const float *in, size_t n, float p, uint32_t seed)
{
    uint32_t th = ref_dropout_threshold(p);
    float scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) out[i] = ref_dropout_hash(seed, (uint32_t)i) >= th ? in[i] * scale : 0.0f;
}

void ref_dropout_bwd(float *din, const float *dout, size_t n, float p, uint32_t seed)
{
    uint32_t th = ref_dropout_threshold(p);
    float scale = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++)
        if (ref_dropout_hash(seed, (uint32_t)i) >= th) din[i] += dout[i] * scale;
}
