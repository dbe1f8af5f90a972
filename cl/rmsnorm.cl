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

/* The weight's gradient, dw(d) += sum over rows of dout * x * rstd, in two passes: part[p]
 * gets the sum over rows [p rows, (p + 1) rows) of 16 columns an item (float16 rows, two
 * chains), then archllm_op_sum_rows adds the parts in order (cl/reduce.cl).  One item a
 * column, down all the rows, had put a T5 norm's 64 columns in one work-group (one CPU
 * thread) with a dependent add a row: 9% of a batch-500 training step. */
__kernel void rmsnorm_bwd_dw_part(__global float *part, __global const float *x, uint x_off,
                                  __global const float *rstd, uint r_off, __global const float *dout,
                                  uint dout_off, uint n, uint d, uint rows)
{
    uint i = get_global_id(0), cb = (d + 15) / 16;
    GUARD(i, cb * ((n + rows - 1) / rows));
    uint j0 = (i % cb) * 16, p = i / cb, r0 = p * rows, r1 = min(n, r0 + rows);
    __global const float *xs = x + x_off, *gs = dout + dout_off, *rs = rstd + r_off;
    __global float *out = part + p * d + j0;
    if (j0 + 16 <= d) {
        float16 s0 = 0.0f, s1 = 0.0f;
        uint    r = r0;
        for (; r + 2 <= r1; r += 2) {
            s0 = fma(vload16(0, gs + r * d + j0) * rs[r], vload16(0, xs + r * d + j0), s0);
            s1 = fma(vload16(0, gs + (r + 1) * d + j0) * rs[r + 1], vload16(0, xs + (r + 1) * d + j0), s1);
        }
        if (r < r1) s0 = fma(vload16(0, gs + r * d + j0) * rs[r], vload16(0, xs + r * d + j0), s0);
        vstore16(s0 + s1, 0, out);
        return;
    }
    for (uint j = j0; j < d; j++) { /* the last d % 16 columns */
        float s = 0.0f;
        for (uint r = r0; r < r1; r++) s = fma(gs[r * d + j] * rs[r], xs[r * d + j], s);
        out[j - j0] = s;
    }
}
