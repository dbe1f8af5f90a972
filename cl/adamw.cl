/* adamw.cl - AdamW over one flat parameter buffer (PyTorch's torch.optim.AdamW semantics:
 * decoupled weight decay, bias-corrected moments), with global-norm gradient clipping read
 * from a device buffer so no host round trip is needed between the norm and the update. */

/* norm_sq[norm_off]: squared global gradient norm (from reduce); max_norm <= 0 disables
 * clipping.  bc1 = 1 - beta1^t, bc2 = 1 - beta2^t. */
__kernel void adamw_update(__global float *param, uint p_off, __global const float *grad, uint g_off,
                           __global float *m, uint m_off, __global float *v, uint v_off,
                           __global const float *norm_sq, uint norm_off, uint n,
                           float lr, float beta1, float beta2, float eps, float weight_decay,
                           float max_norm, float bc1, float bc2)
{
    uint i = get_global_id(0);
    GUARD(i, n);
    float clip = 1.0f;
    if (max_norm > 0.0f) {
        float norm = sqrt(norm_sq[norm_off]);
        clip = fmin(1.0f, max_norm / (norm + 1e-6f));
    }
    float g = grad[g_off + i] * clip, p = param[p_off + i], mi = m[m_off + i], vi = v[v_off + i];
    ADAMW_STEP(p, g, mi, vi, lr, beta1, beta2, eps, weight_decay, bc1, bc2);
    m[m_off + i] = mi;
    v[v_off + i] = vi;
    param[p_off + i] = p;
}
