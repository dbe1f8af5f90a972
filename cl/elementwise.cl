/* elementwise.cl - pointwise kernels: add, mul, scale, axpy, ReLU and GELU (forward and
 * backward), bias add.  Backward kernels add into gradients (+=).  Every pointer comes
 * with an element offset (views into one buffer, as CLBlast takes them). */

__kernel void add_fwd(__global float *out, uint out_off, __global const float *a, uint a_off,
                      __global const float *b, uint b_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    out[out_off + i] = a[a_off + i] + b[b_off + i];
}

__kernel void mul_fwd(__global float *out, uint out_off, __global const float *a, uint a_off,
                      __global const float *b, uint b_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    out[out_off + i] = a[a_off + i] * b[b_off + i];
}

/* out = alpha * x */
__kernel void scale_fwd(__global float *out, uint out_off, __global const float *x, uint x_off,
                        float alpha, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    out[out_off + i] = alpha * x[x_off + i];
}

/* y += alpha * x */
__kernel void axpy_fwd(__global float *y, uint y_off, __global const float *x, uint x_off, float alpha,
                       uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    y[y_off + i] += alpha * x[x_off + i];
}

__kernel void relu_fwd(__global float *out, uint out_off, __global const float *inp, uint inp_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    out[out_off + i] = fmax(inp[inp_off + i], 0.0f);
}

/* dinp += dout * [inp > 0] */
__kernel void relu_bwd(__global float *dinp, uint dinp_off, __global const float *inp, uint inp_off,
                       __global const float *dout, uint dout_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    if (inp[inp_off + i] > 0.0f) dinp[dinp_off + i] += dout[dout_off + i];
}

/* GELU, tanh approximation (T5 v1.1 "gelu_new"; GELU_S in common.cl), GELU_VEC elements an item. */
__kernel void gelu_fwd(__global float *out, uint out_off, __global const float *inp, uint inp_off, uint n)
{
    uint i0 = get_global_id(0) * GELU_VEC;
    GUARD(i0, n);
    if (i0 + GELU_VEC <= n) {
        float16 x = vload16(0, inp + inp_off + i0);
        vstore16(x * GELU_S(x), 0, out + out_off + i0);
        return;
    }
    for (uint i = i0; i < n; i++) {
        float x = inp[inp_off + i];
        out[out_off + i] = x * GELU_S(x);
    }
}

__kernel void gelu_bwd(__global float *dinp, uint dinp_off, __global const float *inp, uint inp_off,
                       __global const float *dout, uint dout_off, uint n)
{
    uint i0 = get_global_id(0) * GELU_VEC;
    GUARD(i0, n);
    if (i0 + GELU_VEC <= n) {
        float16 x = vload16(0, inp + inp_off + i0), s = GELU_S(x);
        __global float *d = dinp + dinp_off + i0;
        vstore16(vload16(0, d) + vload16(0, dout + dout_off + i0) * (s + x * GELU_DS(x, s)), 0, d);
        return;
    }
    for (uint i = i0; i < n; i++) {
        float x = inp[inp_off + i], s = GELU_S(x);
        dinp[dinp_off + i] += dout[dout_off + i] * (s + x * GELU_DS(x, s));
    }
}

/* out(rows, cols) += bias(cols), broadcast over rows */
__kernel void bias_add_fwd(__global float *out, uint out_off, __global const float *bias, uint bias_off,
                           uint rows, uint cols)
{
    uint i = get_global_id(0);
    GUARD(i, rows * cols);
    out[out_off + i] += bias[bias_off + i % cols];
}

/* x[0..n) = v, 16 floats an item: archllm_buf_fill_f32 (PoCL's clEnqueueFillBuffer copies
 * the pattern element by element on one thread, 10-20x slower) */
__kernel void fill_f32(__global float *x, uint x_off, uint n, float v)
{
    uint i0 = get_global_id(0) * 16;
    GUARD(i0, n);
    if (i0 + 16 <= n) {
        vstore16((float16)(v), 0, x + x_off + i0);
        return;
    }
    for (uint i = i0; i < n; i++) x[x_off + i] = v;
}
