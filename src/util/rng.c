/* rng.c - PCG32 (O'Neill's PCG-XSH-RR 64/32) and the draws built on it. */
#include "util/rng.h"

#include <math.h>

void archllm_rng_seed(archllm_rng *r, uint64_t seed, uint64_t stream)
{
    r->state = 0;
    r->inc = (stream << 1) | 1u;
    archllm_rng_u32(r);
    r->state += seed;
    archllm_rng_u32(r);
}

uint32_t archllm_rng_u32(archllm_rng *r)
{
    uint64_t old = r->state;
    r->state = old * 6364136223846793005ull + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

uint64_t archllm_rng_u64(archllm_rng *r)
{
    uint64_t hi = archllm_rng_u32(r);
    return (hi << 32) | archllm_rng_u32(r);
}

uint32_t archllm_rng_below(archllm_rng *r, uint32_t n)
{
    /* Lemire's rejection: drop the low values that would bias the modulo */
    uint32_t threshold = (uint32_t)(-n) % n;
    for (;;) {
        uint32_t x = archllm_rng_u32(r);
        if (x >= threshold) return x % n;
    }
}

float archllm_rng_uniform(archllm_rng *r) { return (float)(archllm_rng_u32(r) >> 8) * (1.0f / 16777216.0f); }

float archllm_rng_normal(archllm_rng *r)
{
    double u1 = ((double)(archllm_rng_u32(r) >> 8) + 1.0) / 16777217.0; /* (0, 1]: log is finite */
    double u2 = (double)(archllm_rng_u32(r) >> 8) / 16777216.0;
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void archllm_rng_shuffle(archllm_rng *r, uint32_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = archllm_rng_below(r, (uint32_t)i);
        uint32_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}
