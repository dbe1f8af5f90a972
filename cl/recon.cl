/* recon.cl - reconstruction losses of the graph decoder, forward and backward fused:
 * softmax cross-entropy of node ops and BCE-with-logits of upper-triangular edges, over
 * real nodes only.  Per-element losses and correctness go out for the host to sum.
 * References: src/ref/recon.c. */

/* One item per node row m (F op classes).  dlogits: added onto, or written with acc = 0
 * (then 0 on masked rows). */
__kernel void op_ce(__global float *loss, uint loss_off, __global float *correct, uint corr_off,
                    __global float *dlogits, uint dl_off, __global const float *logits, uint lg_off,
                    __global const float *target, uint tg_off, __global const float *mask, uint mask_off,
                    float scale, uint M, uint F, uint acc)
{
    uint m = get_global_id(0);
    GUARD(m, M);
    __global const float *x = logits + lg_off + m * F;
    __global const float *y = target + tg_off + m * F;
    uint t = 0, am = 0;
    float mx = x[0];
    for (uint f = 0; f < F; f++) {
        if (y[f] > y[t]) t = f;
        if (x[f] > x[am]) am = f;
        mx = fmax(mx, x[f]);
    }
    float z = 0.0f;
    for (uint f = 0; f < F; f++) z += exp(x[f] - mx);
    float lse = mx + log(z);
    float mk = mask[mask_off + m];
    loss[loss_off + m] = mk * (lse - x[t]);
    correct[corr_off + m] = mk * (am == t ? 1.0f : 0.0f);
    __global float *dl = dlogits + dl_off + m * F;
    if (mk == 0.0f) {
        if (!acc)
            for (uint f = 0; f < F; f++) dl[f] = 0.0f;
        return;
    }
    for (uint f = 0; f < F; f++) {
        float g = scale * (exp(x[f] - lse) - y[f]);
        dl[f] = acc ? dl[f] + g : g;
    }
}

/* One item per pair (b, v, w); dlogits as op_ce's. */
__kernel void adj_bce(__global float *loss, uint loss_off, __global float *correct, uint corr_off,
                      __global float *dlogits, uint dl_off, __global const float *logits, uint lg_off,
                      __global const float *adj, uint adj_off, __global const float *mask, uint mask_off,
                      float scale, uint B, uint N, uint acc)
{
    uint i = get_global_id(0);
    GUARD(i, B * N * N);
    uint w = i % N, bv = i / N, v = bv % N, b = bv / N;
    if (v >= w || mask[mask_off + b * N + v] == 0.0f || mask[mask_off + b * N + w] == 0.0f) {
        loss[loss_off + i] = 0.0f;
        correct[corr_off + i] = 0.0f;
        if (!acc) dlogits[dl_off + i] = 0.0f;
        return;
    }
    float x = logits[lg_off + i], y = adj[adj_off + i];
    loss[loss_off + i] = fmax(x, 0.0f) - x * y + log1p(exp(-fabs(x)));
    correct[corr_off + i] = ((x > 0.0f) == (y > 0.5f)) ? 1.0f : 0.0f;
    float g = scale * (1.0f / (1.0f + exp(-x)) - y);
    dlogits[dl_off + i] = acc ? dlogits[dl_off + i] + g : g;
}
