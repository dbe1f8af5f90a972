/* transformer.cl - the pointwise parts of T5's feed-forward that elementwise.cl lacks: the
 * gated-GELU product gelu_new(a) * b over the fused (wi_0 | wi_1) GEMM output, and its
 * backward.  ReLU FF uses relu_fwd/relu_bwd from elementwise.cl. */

/* out(n, f) = gelu(in[:, 0:f]) * in[:, f:2f]; in is (n, 2f).  GELU_VEC outputs an item: one
 * vector when they lie in one row (f a multiple of GELU_VEC), else element by element. */
__kernel void gated_gelu_fwd(__global float *out, uint out_off, __global const float *in, uint in_off, uint n,
                             uint f)
{
    uint e0 = get_global_id(0) * GELU_VEC;
    GUARD(e0, n * f);
    if (f % GELU_VEC == 0) {
        __global const float *p = in + in_off + (e0 / f) * 2 * f + e0 % f;
        float16 a = vload16(0, p), b = vload16(0, p + f);
        vstore16(a * GELU_S(a) * b, 0, out + out_off + e0);
        return;
    }
    for (uint e = e0; e < e0 + GELU_VEC && e < n * f; e++) {
        uint r = e / f, j = e % f;
        float a = in[in_off + r * 2 * f + j], b = in[in_off + r * 2 * f + f + j];
        out[out_off + e] = a * GELU_S(a) * b;
    }
}

/* din(n, 2f) = (dout * b * gelu'(a) | dout * gelu(a)): written, not added (it is the fresh
 * gradient of the fused GEMM output); items as gated_gelu_fwd's */
__kernel void gated_gelu_bwd(__global float *din, uint din_off, __global const float *in, uint in_off,
                             __global const float *dout, uint dout_off, uint n, uint f)
{
    uint e0 = get_global_id(0) * GELU_VEC;
    GUARD(e0, n * f);
    if (f % GELU_VEC == 0) {
        uint o = (e0 / f) * 2 * f + e0 % f;
        float16 a = vload16(0, in + in_off + o), b = vload16(0, in + in_off + o + f), s = GELU_S(a);
        float16 g = vload16(0, dout + dout_off + e0);
        vstore16(g * b * (s + a * GELU_DS(a, s)), 0, din + din_off + o);
        vstore16(g * a * s, 0, din + din_off + o + f);
        return;
    }
    for (uint e = e0; e < e0 + GELU_VEC && e < n * f; e++) {
        uint r = e / f, j = e % f;
        float a = in[in_off + r * 2 * f + j], b = in[in_off + r * 2 * f + f + j];
        float s = GELU_S(a), g = dout[dout_off + e];
        din[din_off + r * 2 * f + j] = g * b * (s + a * GELU_DS(a, s));
        din[din_off + r * 2 * f + f + j] = g * a * s;
    }
}
