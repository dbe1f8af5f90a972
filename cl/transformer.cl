/* transformer.cl - the pointwise parts of T5's feed-forward that elementwise.cl lacks: the
 * gated-GELU product gelu_new(a) * b over the fused (wi_0 | wi_1) GEMM output, and its
 * backward.  ReLU FF uses relu_fwd/relu_bwd from elementwise.cl. */
#define GELU_K 0.7978845608028654f /* sqrt(2/pi) */

/* out(n, f) = gelu(in[:, 0:f]) * in[:, f:2f]; in is (n, 2f) */
__kernel void gated_gelu_fwd(__global float *out, uint out_off, __global const float *in, uint in_off, uint n,
                             uint f)
{
    uint i = get_global_id(0);
    GUARD(i, n * f);
    uint r = i / f, j = i % f;
    float a = in[in_off + r * 2 * f + j], b = in[in_off + r * 2 * f + f + j];
    float t = tanh(GELU_K * (a + 0.044715f * a * a * a));
    out[out_off + i] = 0.5f * a * (1.0f + t) * b;
}

/* din(n, 2f) = (dout * b * gelu'(a) | dout * gelu(a)): written, not added (it is the fresh
 * gradient of the fused GEMM output) */
__kernel void gated_gelu_bwd(__global float *din, uint din_off, __global const float *in, uint in_off,
                             __global const float *dout, uint dout_off, uint n, uint f)
{
    uint i = get_global_id(0);
    GUARD(i, n * f);
    uint r = i / f, j = i % f;
    float a = in[in_off + r * 2 * f + j], b = in[in_off + r * 2 * f + f + j];
    float t = tanh(GELU_K * (a + 0.044715f * a * a * a));
    float dt = (1.0f - t * t) * GELU_K * (1.0f + 3.0f * 0.044715f * a * a);
    float g = dout[dout_off + i];
    din[din_off + r * 2 * f + j] = g * b * (0.5f * (1.0f + t) + 0.5f * a * dt);
    din[din_off + r * 2 * f + f + j] = g * 0.5f * a * (1.0f + t);
}
