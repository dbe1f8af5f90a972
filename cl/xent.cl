/* xent.cl - fused softmax cross-entropy over the vocabulary, forward and backward in one
 * pass per row, in place: the logits row becomes its gradient (softmax - onehot) * scale, so
 * no probability matrix is ever kept.  Labels < 0 (Hugging Face's -100) or >= V are ignored:
 * loss 0 and a zero gradient row.  scale is 1/(number of valid labels), for a token mean. */
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
