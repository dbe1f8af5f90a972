/* dropout.cl - inverted dropout with a mask that is never stored: element i is kept when
 * hash(seed, i) >= p * 2^32, so the backward recomputes the same mask from the same seed
 * (one seed per dropout site and step, drawn on the host from the run's PCG32 stream). */

static uint dropout_hash(uint seed, uint i)
{
    uint x = i * 0x9E3779B9u ^ seed;
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

/* out = keep ? in / (1 - p) : 0 (may run in place); threshold = p * 2^32 */
__kernel void dropout_fwd(__global float *out, uint out_off, __global const float *in, uint in_off, uint n,
                          uint threshold, float scale, uint seed)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    out[out_off + i] = dropout_hash(seed, i) >= threshold ? in[in_off + i] * scale : 0.0f;
}

/* din += keep ? dout / (1 - p) : 0 */
__kernel void dropout_bwd(__global float *din, uint din_off, __global const float *dout, uint dout_off, uint n,
                          uint threshold, float scale, uint seed)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    if (dropout_hash(seed, i) >= threshold) din[din_off + i] += dout[dout_off + i] * scale;
}
