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

/* GELU, tanh approximation (T5 v1.1 "gelu_new"). */
#define GELU_C 0.7978845608028654f /* sqrt(2/pi) */
__kernel void gelu_fwd(__global float *out, uint out_off, __global const float *inp, uint inp_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    float x = inp[inp_off + i];
    float t = tanh(GELU_C * (x + 0.044715f * x * x * x));
    out[out_off + i] = 0.5f * x * (1.0f + t);
}

__kernel void gelu_bwd(__global float *dinp, uint dinp_off, __global const float *inp, uint inp_off,
                       __global const float *dout, uint dout_off, uint n)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    float x = inp[inp_off + i];
    float t = tanh(GELU_C * (x + 0.044715f * x * x * x));
    float dt = (1.0f - t * t) * GELU_C * (1.0f + 3.0f * 0.044715f * x * x);
    dinp[dinp_off + i] += dout[dout_off + i] * (0.5f * (1.0f + t) + 0.5f * x * dt);
}

/* out(rows, cols) += bias(cols), broadcast over rows */
__kernel void bias_add_fwd(__global float *out, uint out_off, __global const float *bias, uint bias_off,
                           uint rows, uint cols)
{
    uint i = get_global_id(0);
    GUARD(i, rows * cols);
    out[out_off + i] += bias[bias_off + i % cols];
}
