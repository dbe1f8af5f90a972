/* rmsnorm.cl - T5LayerNorm: y = w * x * rsqrt(mean(x^2) + eps), no mean subtraction and
 * no bias; forward keeps rstd per row for the backward.  With r = rstd, g = w * dy:
 *   dx = r*g - x * r^3 * sum(g*x) / d        dw += sum over rows of dy * x * r */

__kernel void rmsnorm_fwd(__global float *out, uint out_off, __global float *rstd, uint r_off,
                          __global const float *x, uint x_off, __global const float *w, uint w_off,
                          uint n, uint d, float eps)
{
    uint row = get_global_id(0);
    GUARD(row, n);
    __global const float *xr = x + x_off + row * d;
    float ss = 0.0f;
    for (uint j = 0; j < d; j++) ss += xr[j] * xr[j];
    float r = rsqrt(ss / (float)d + eps);
    rstd[r_off + row] = r;
    __global float *o = out + out_off + row * d;
    for (uint j = 0; j < d; j++) o[j] = w[w_off + j] * (xr[j] * r);
}

/* dx(n, d) += d/dx of rmsnorm given dout */
__kernel void rmsnorm_bwd_dx(__global float *dx, uint dx_off, __global const float *x, uint x_off,
                             __global const float *w, uint w_off, __global const float *rstd, uint r_off,
                             __global const float *dout, uint dout_off, uint n, uint d)
{
    uint row = get_global_id(0);
    GUARD(row, n);
    __global const float *xr = x + x_off + row * d;
    __global const float *dy = dout + dout_off + row * d;
    float r = rstd[r_off + row];
    float dot = 0.0f;
    for (uint j = 0; j < d; j++) dot += w[w_off + j] * dy[j] * xr[j];
    float c = r * r * r * dot / (float)d;
    __global float *g = dx + dx_off + row * d;
    for (uint j = 0; j < d; j++) g[j] += r * w[w_off + j] * dy[j] - xr[j] * c;
}

/* dw(d) += sum over rows of dout * x * rstd; one work-item per column */
__kernel void rmsnorm_bwd_dw(__global float *dw, uint dw_off, __global const float *x, uint x_off,
                             __global const float *rstd, uint r_off, __global const float *dout, uint dout_off,
                             uint n, uint d)
{
    uint j = get_global_id(0);
    GUARD(j, d);
    float s = 0.0f;
    for (uint r = 0; r < n; r++) s += dout[dout_off + r * d + j] * x[x_off + r * d + j] * rstd[r_off + r];
    dw[dw_off + j] += s;
}
