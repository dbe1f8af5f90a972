/* xent.cl - fused softmax cross-entropy over the vocabulary, forward and backward in one
 * pass per row, in place: the logits row becomes its gradient (softmax - onehot) * scale, so
 * no probability matrix is ever kept.  Labels < 0 (Hugging Face's -100) or >= V are ignored:
 * loss 0 and a zero gradient row.  scale is 1/(number of valid labels), for a token mean.
 * Two kernels, the same numbers: xent_fwd_bwd, one work-item per row (CPU devices: PoCL
 * vectorizes across rows; 224 ms at 1024 x 32128 where the group version takes 419), and
 * xent_fwd_bwd_wg, one work-group of REDUCE_WG per row with tree reductions in local memory
 * (GPUs, where a row per work-item leaves the device idle and reads uncoalesced). */

/* tree reduction of red[0..REDUCE_WG) into red[0]; op 0 = max, 1 = sum */
#define XENT_REDUCE(red, lid, op)                                                     \
    for (uint s_ = REDUCE_WG / 2; s_ > 0; s_ >>= 1) {                                 \
        barrier(CLK_LOCAL_MEM_FENCE);                                                 \
        if ((lid) < s_)                                                               \
            red[lid] = (op) ? red[lid] + red[(lid) + s_] : fmax(red[lid], red[(lid) + s_]); \
    }                                                                                 \
    barrier(CLK_LOCAL_MEM_FENCE)

__kernel void xent_fwd_bwd_wg(__global float *x, uint x_off, __global float *losses, uint l_off,
                              __global const int *labels, uint lab_off, uint n, uint V, float scale)
{
    __local float red[REDUCE_WG];
    uint row = get_group_id(0), lid = get_local_id(0);
    if (row >= n) return; /* whole groups only: every work-item of a group takes the same branch */
    __global float *z = x + x_off + row * V;
    int lab = labels[lab_off + row];
    if (lab < 0 || (uint)lab >= V) {
        for (uint k = lid; k < V; k += REDUCE_WG) z[k] = 0.0f;
        if (lid == 0) losses[l_off + row] = 0.0f;
        return;
    }
    float m = -FLT_MAX;
    for (uint k = lid; k < V; k += REDUCE_WG) m = fmax(m, z[k]);
    red[lid] = m;
    XENT_REDUCE(red, lid, 0);
    float mx = red[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    float sum = 0.0f;
    for (uint k = lid; k < V; k += REDUCE_WG) sum += exp(z[k] - mx);
    red[lid] = sum;
    XENT_REDUCE(red, lid, 1);
    sum = red[0];
    float zl = z[lab];
    barrier(CLK_GLOBAL_MEM_FENCE); /* everyone has read z[lab] before it is overwritten */
    if (lid == 0) losses[l_off + row] = mx + log(sum) - zl;
    float inv = scale / sum;
    for (uint k = lid; k < V; k += REDUCE_WG) z[k] = exp(z[k] - mx) * inv - ((int)k == lab ? scale : 0.0f);
}

/* one work-item per row */
__kernel void xent_fwd_bwd(__global float *x, uint x_off, __global float *losses, uint l_off,
                           __global const int *labels, uint lab_off, uint n, uint V, float scale)
{
    uint row = get_global_id(0);
    GUARD(row, n);
    __global float *z = x + x_off + row * V;
    int lab = labels[lab_off + row];
    if (lab < 0 || (uint)lab >= V) {
        for (uint k = 0; k < V; k++) z[k] = 0.0f;
        losses[l_off + row] = 0.0f;
        return;
    }
    float mx = -FLT_MAX;
    for (uint k = 0; k < V; k++) mx = fmax(mx, z[k]);
    float sum = 0.0f;
    for (uint k = 0; k < V; k++) sum += exp(z[k] - mx);
    float lse = mx + log(sum);
    losses[l_off + row] = lse - z[lab];
    float inv = 1.0f / sum;
    for (uint k = 0; k < V; k++) z[k] = exp(z[k] - mx) * inv * scale;
    z[lab] -= scale;
}
