/* rng.h - the one small random number generator of archllm (PCG32: 64-bit state, 32-bit
 * output), seeded per purpose and saved in checkpoints so a resumed run draws the same
 * numbers.  Device-side randomness (dropout masks) hashes (seed, step, index) instead. */
#ifndef ARCHLLM_UTIL_RNG_H
#define ARCHLLM_UTIL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t state;
    uint64_t inc; /* stream selector, always odd */
} archllm_rng;

/* seed and stream: different streams give independent sequences for the same seed */
void     archllm_rng_seed(archllm_rng *r, uint64_t seed, uint64_t stream);
uint32_t archllm_rng_u32(archllm_rng *r);
uint64_t archllm_rng_u64(archllm_rng *r);
/* uniform in [0, n), unbiased; n > 0 */
uint32_t archllm_rng_below(archllm_rng *r, uint32_t n);
/* uniform float in [0, 1) with 24 random bits */
float    archllm_rng_uniform(archllm_rng *r);
/* standard normal (Box-Muller, one value per call) */
float    archllm_rng_normal(archllm_rng *r);
/* Fisher-Yates shuffle of v[0..n), from the last element down */
void     archllm_rng_shuffle(archllm_rng *r, uint32_t *v, size_t n);

#endif
