/* ensemble.cl - the search surrogate (src/model/ensemble.c): M one-hidden-layer ReLU MLPs
 * of H units, a whole full-batch AdamW fit in one launch, and their predictions.
 *
 * One work-item (a work-group of one) owns one member, its H units as HV = H/16 float16
 * vectors, so a step is register-blocked FMAs with no barrier and a fit of S steps is one
 * launch.  The members
 * are few (5 or 10) and fit a few hundred rows: launches, not FLOPs, were what a fit
 * made of a dozen ops a step paid.
 *
 * Layout (offsets into the parameter table's param, grad, m and v buffers):
 *   w1 (F, M*H), member m's unit u in column m*H + u;  b1 (M*H);  w2 (M*H);  b2 (M).
 *   out_m(x) = b2[m] + sum_u w2[mH+u] relu(b1[mH+u] + sum_f x[f] w1[f][mH+u]).
 * The loss is the mean over rows and members of (out - t)^2.
 * References: src/ref/ensemble.c. */

/* over a member's HV vectors of units, unrolled: a loop kept the vectors on the stack */
#define ENS_EACH_J(HV) _Pragma("unroll") for (uint j = 0; j < HV; j++)

/* AdamW (common.cl's ADAMW_STEP) on 16 parameters in global memory */
inline void ens_adamw16(__global float *p, __global const float *g, __global float *m, __global float *v, float lr,
                        float beta1, float beta2, float eps, float wd, float bc1, float bc2)
{
    float16 pv = vload16(0, p), gv = vload16(0, g), mv = vload16(0, m), vv = vload16(0, v);
    ADAMW_STEP(pv, gv, mv, vv, lr, beta1, beta2, eps, wd, bc1, bc2);
    vstore16(mv, 0, m);
    vstore16(vv, 0, v);
    vstore16(pv, 0, p);
}

/* a[r][j] = b1 + x_r . w1 for the 4 rows x0..x3 (pointers to F floats) */
#define ENS_LAYER1(HV, a, x0, x1, x2, x3, w1, MH, F, b1v)          \
    ENS_EACH_J(HV) a[0][j] = a[1][j] = a[2][j] = a[3][j] = b1v[j]; \
    for (uint f = 0; f < F; f++) {                                 \
        float16 s0 = (float16)(x0[f]), s1 = (float16)(x1[f]);      \
        float16 s2 = (float16)(x2[f]), s3 = (float16)(x3[f]);      \
        ENS_EACH_J(HV) {                                           \
            float16 w = vload16(j, w1 + f * MH);                   \
            a[0][j] = fma(s0, w, a[0][j]);                         \
            a[1][j] = fma(s1, w, a[1][j]);                         \
            a[2][j] = fma(s2, w, a[2][j]);                         \
            a[3][j] = fma(s3, w, a[3][j]);                         \
        }                                                          \
    }

/* the 4 rows from r0 (the last row repeated past n; its outputs are then unused) */
#define ENS_ROWS(x, r0, n, F)                                                            \
    __global const float *x0 = x + min(r0, n - 1) * F, *x1 = x + min(r0 + 1, n - 1) * F; \
    __global const float *x2 = x + min(r0 + 2, n - 1) * F, *x3 = x + min(r0 + 3, n - 1) * F

/* out = b2 + w2 . relu(a), with a[] left holding relu(a) */
#define ENS_OUT(HV, out, a, w2v, b2)  \
    out = b2;                         \
    ENS_EACH_J(HV) {                  \
        a[j] = fmax(a[j], 0.0f);      \
        out += hsum16(a[j] * w2v[j]); \
    }

/* A step of member m (c0 = m*H, MH = M*H): ENS_STEP_BEGIN reads b1, w2 and b2 and clears
 * the gradient sums; ENS_BACKPROP turns a row's relu(a) and output error d into dL/da in
 * place (relu' is sign(h)) and sums the gradients of b1, w2 and b2; ENS_STEP_END stores
 * them and, when update, takes AdamW step s over w1's F rows, b1, w2 and b2. */
#define ENS_STEP_BEGIN(HV)                      \
    float16 b1v[HV], w2v[HV], gb1[HV], gw2[HV]; \
    float   b2 = param[o_b2 + m], gb2 = 0.0f;   \
    ENS_EACH_J(HV) {                            \
        b1v[j] = vload16(j, param + o_b1 + c0); \
        w2v[j] = vload16(j, param + o_w2 + c0); \
        gb1[j] = gw2[j] = (float16)(0.0f);      \
    }

#define ENS_BACKPROP(HV, a, d)                    \
    gb2 += d;                                     \
    ENS_EACH_J(HV) {                              \
        gw2[j] = fma((float16)(d), a[j], gw2[j]); \
        a[j] = d * w2v[j] * sign(a[j]);           \
        gb1[j] += a[j];                           \
    }

#define ENS_STEP_END(HV, F)                                                                                  \
    ENS_EACH_J(HV) {                                                                                         \
        vstore16(gb1[j], j, grad + o_b1 + c0);                                                               \
        vstore16(gw2[j], j, grad + o_w2 + c0);                                                               \
    }                                                                                                        \
    grad[o_b2 + m] = gb2;                                                                                    \
    if (update) {                                                                                            \
        float bc1 = bc[2 * s], bc2 = bc[2 * s + 1];                                                          \
        for (uint f = 0; f < F; f++)                                                                         \
            ENS_EACH_J(HV) {                                                                                 \
                uint at = o_w1 + c0 + f * MH + 16 * j;                                                       \
                ens_adamw16(param + at, grad + at, mom + at, vel + at, lr, beta1, beta2, eps, wd, bc1, bc2); \
            }                                                                                                \
        ENS_EACH_J(HV) {                                                                                     \
            uint ab = o_b1 + c0 + 16 * j, aw = o_w2 + c0 + 16 * j;                                           \
            ens_adamw16(param + ab, grad + ab, mom + ab, vel + ab, lr, beta1, beta2, eps, 0.0f, bc1, bc2);   \
            ens_adamw16(param + aw, grad + aw, mom + aw, vel + aw, lr, beta1, beta2, eps, wd, bc1, bc2);     \
        }                                                                                                    \
        uint  ab2 = o_b2 + m;                                                                                \
        float mi = mom[ab2], vi = vel[ab2];                                                                  \
        ADAMW_STEP(b2, gb2, mi, vi, lr, beta1, beta2, eps, 0.0f, bc1, bc2);                                  \
        mom[ab2] = mi;                                                                                       \
        vel[ab2] = vi;                                                                                       \
        param[ab2] = b2;                                                                                     \
    }

/* The arguments both fits share: the table's buffers and offsets, the targets, the steps
 * and their bias corrections (bc[2s] = 1 - beta1^k, bc[2s + 1] = 1 - beta2^k for step s's
 * global step k) and AdamW's hyperparameters. */
#define ENS_FIT_ARGS                                                                                             \
    __global float *param, __global float *grad, __global float *mom, __global float *vel, uint o_w1, uint o_b1, \
        uint o_w2, uint o_b2, __global const float *ts, uint t_off, uint n, uint M, uint steps,                  \
        __global const float *bcs, uint bc_off, float lr, float beta1, float beta2, float eps, float wd, uint update

/* steps full-batch AdamW steps of member get_global_id(0) on rows x (n, F) with targets t
 * (n), 4 rows at a time.  The gradient of the last step stays in grad.  update = 0: one
 * gradient, no step (steps must be 1). */
#define ENS_FIT(HV)                                                                             \
    __kernel void ensemble_fit_##HV(ENS_FIT_ARGS, __global const float *xs, uint x_off, uint F) \
    {                                                                                           \
        uint m = get_global_id(0);                                                              \
        GUARD(m, M);                                                                            \
        __global const float *x = xs + x_off, *t = ts + t_off, *bc = bcs + bc_off;              \
        uint  MH = M * 16 * HV, c0 = m * 16 * HV;                                               \
        float scale = 2.0f / ((float)n * (float)M);                                             \
        __global float *w1 = param + o_w1 + c0, *gw1 = grad + o_w1 + c0;                        \
        for (uint s = 0; s < steps; s++) {                                                      \
            ENS_STEP_BEGIN(HV);                                                                 \
            float16 a[4][HV];                                                                   \
            for (uint f = 0; f < F; f++)                                                        \
                ENS_EACH_J(HV) vstore16((float16)(0.0f), j, gw1 + f * MH);                      \
            for (uint r0 = 0; r0 < n; r0 += 4) {                                                \
                ENS_ROWS(x, r0, n, F);                                                          \
                ENS_LAYER1(HV, a, x0, x1, x2, x3, w1, MH, F, b1v);                              \
                for (uint r = 0; r < 4; r++) {                                                  \
                    float out;                                                                  \
                    ENS_OUT(HV, out, a[r], w2v, b2);                                            \
                    float d = r0 + r < n ? scale * (out - t[r0 + r]) : 0.0f;                    \
                    ENS_BACKPROP(HV, a[r], d);                                                  \
                }                                                                               \
                for (uint f = 0; f < F; f++) {                                                  \
                    float16 s0 = (float16)(x0[f]), s1 = (float16)(x1[f]);                       \
                    float16 s2 = (float16)(x2[f]), s3 = (float16)(x3[f]);                       \
                    ENS_EACH_J(HV) {                                                            \
                        float16 g = vload16(j, gw1 + f * MH);                                   \
                        g = fma(s0, a[0][j], g);                                                \
                        g = fma(s1, a[1][j], g);                                                \
                        g = fma(s2, a[2][j], g);                                                \
                        vstore16(fma(s3, a[3][j], g), j, gw1 + f * MH);                         \
                    }                                                                           \
                }                                                                               \
            }                                                                                   \
            ENS_STEP_END(HV, F);                                                                \
        }                                                                                       \
    }

/* Code inputs: a row is L codes, each standing for a row of D features of tab (K, D), so
 * F = L*D.  Layer 1 of code k at position l is then Q[l][k] = sum_d tab[k][d] w1[l*D+d],
 * computed once a step, and a row's pre-activation is a sum of L of them: L*H adds a row
 * instead of F*H FMAs.  Its gradient flows back the same way (dQ, then dw1 = tab^T dQ).
 * scratch: 2*L*K*H floats a member (Q and dQ), read as float16: a buffer starts aligned
 * to its largest type, and whole vector stores let the next row's load of the same code
 * take them from the store buffer (vstore16's four pieces could not).
 * Q and dw1 run 4 sums side by side (4 codes, 4 features), each in its own order: one
 * dependent FMA chain at a time had left the fit waiting on FMA latency. */

/* s[i][] = sum over u < n of TAB(i, u) VEC(u, j), four sums (i = 0..3) side by side, each
 * in u's order */
#define ENS_SUM4(HV, s, n, TAB, VEC)                                        \
    float16 s[4][HV];                                                       \
    ENS_EACH_J(HV) s[0][j] = s[1][j] = s[2][j] = s[3][j] = (float16)(0.0f); \
    for (uint u_ = 0; u_ < (n); u_++) {                                     \
        float16 t0_ = (float16)(TAB(0, u_)), t1_ = (float16)(TAB(1, u_));   \
        float16 t2_ = (float16)(TAB(2, u_)), t3_ = (float16)(TAB(3, u_));   \
        ENS_EACH_J(HV) {                                                    \
            float16 v_ = VEC(u_, j);                                        \
            s[0][j] = fma(t0_, v_, s[0][j]);                                \
            s[1][j] = fma(t1_, v_, s[1][j]);                                \
            s[2][j] = fma(t2_, v_, s[2][j]);                                \
            s[3][j] = fma(t3_, v_, s[3][j]);                                \
        }                                                                   \
    }

/* Q[l][k] = sum_e tab[k][e] w1[l*D + e], 4 codes at a time (the last ones repeated past K,
 * their sums unstored) */
#define ENS_Q_TAB(i, e) tq_[kq_[i] * Dq_ + (e)]
#define ENS_Q_VEC(e, j) vload16(j, wq_ + (e) * MHq_)
#define ENS_Q(HV, Q, tab, w1, L, K, D, MH)                                                            \
    do {                                                                                              \
        __global const float *tq_ = (tab);                                                            \
        const uint Dq_ = (D), Kq_ = (K), MHq_ = (MH);                                                 \
        for (uint l = 0; l < (L); l++) {                                                              \
            __global const float *wq_ = (w1) + l * Dq_ * MHq_;                                        \
            for (uint k0 = 0; k0 < Kq_; k0 += 4) {                                                    \
                uint kq_[4] = {k0, min(k0 + 1, Kq_ - 1), min(k0 + 2, Kq_ - 1), min(k0 + 3, Kq_ - 1)}; \
                ENS_SUM4(HV, q, Dq_, ENS_Q_TAB, ENS_Q_VEC)                                            \
                _Pragma("unroll") for (uint i = 0; i < 4; i++) if (k0 + i < Kq_)                      \
                    ENS_EACH_J(HV) (Q)[(l * Kq_ + k0 + i) * HV + j] = q[i][j];                        \
            }                                                                                         \
        }                                                                                             \
    } while (0)

/* dw1[l*D + e] = sum_k tab[k][e] dQ[l][k], 4 features at a time */
#define ENS_DW1_TAB(i, k) td_[(k) * Dd_ + ed_[i]]
#define ENS_DW1_VEC(k, j) dd_[(k) * HVd_ + j]
#define ENS_DW1(HV, gw1, tab, dQ, L, K, D, MH)                                                        \
    do {                                                                                              \
        __global const float *td_ = (tab);                                                            \
        const uint Dd_ = (D), Kd_ = (K), HVd_ = (HV);                                                 \
        for (uint l = 0; l < (L); l++) {                                                              \
            __global const float16 *dd_ = (dQ) + l * Kd_ * HVd_;                                      \
            for (uint e0 = 0; e0 < Dd_; e0 += 4) {                                                    \
                uint ed_[4] = {e0, min(e0 + 1, Dd_ - 1), min(e0 + 2, Dd_ - 1), min(e0 + 3, Dd_ - 1)}; \
                ENS_SUM4(HV, g, Kd_, ENS_DW1_TAB, ENS_DW1_VEC)                                        \
                _Pragma("unroll") for (uint i = 0; i < 4; i++) if (e0 + i < Dd_)                      \
                    ENS_EACH_J(HV) vstore16(g[i][j], j, (gw1) + (l * Dd_ + e0 + i) * (MH));           \
            }                                                                                         \
        }                                                                                             \
    } while (0)

/* a[] = b1 + the row's L entries of Q */
#define ENS_CODES_LAYER1(HV, a, Q, row, L, K) \
    ENS_EACH_J(HV) a[j] = b1v[j];             \
    for (uint l = 0; l < L; l++)              \
        ENS_EACH_J(HV) a[j] += Q[(l * K + row[l]) * HV + j];

#define ENS_FIT_CODES(HV)                                                                                   \
    __kernel void ensemble_fit_codes_##HV(ENS_FIT_ARGS, __global const int *cs, uint c_off, uint L, uint K, \
                                          uint D, __global const float *tabs, uint tab_off,                 \
                                          __global float *scratch, uint s_off)                              \
    {                                                                                                       \
        uint m = get_global_id(0);                                                                          \
        GUARD(m, M);                                                                                        \
        __global const float *t = ts + t_off, *bc = bcs + bc_off, *tab = tabs + tab_off;                    \
        __global const int   *codes = cs + c_off;                                                           \
        uint  MH = M * 16 * HV, c0 = m * 16 * HV, F = L * D, LKH = L * K * 16 * HV;                         \
        float scale = 2.0f / ((float)n * (float)M);                                                         \
        __global float *w1 = param + o_w1 + c0, *gw1 = grad + o_w1 + c0;                                    \
        __global float16 *Q = (__global float16 *)(scratch + s_off + m * 2 * LKH), *dQ = Q + LKH / 16;      \
        for (uint s = 0; s < steps; s++) {                                                                  \
            ENS_STEP_BEGIN(HV);                                                                             \
            ENS_Q(HV, Q, tab, w1, L, K, D, MH);                                                             \
            for (uint i = 0; i < LKH / 16; i++) dQ[i] = (float16)(0.0f);                                    \
            for (uint r = 0; r < n; r++) {                                                                  \
                __global const int *row = codes + r * L;                                                    \
                float16 a[HV];                                                                              \
                float   out;                                                                                \
                ENS_CODES_LAYER1(HV, a, Q, row, L, K);                                                      \
                ENS_OUT(HV, out, a, w2v, b2);                                                               \
                float d = scale * (out - t[r]);                                                             \
                ENS_BACKPROP(HV, a, d);                                                                     \
                for (uint l = 0; l < L; l++)                                                                \
                    ENS_EACH_J(HV) dQ[(l * K + row[l]) * HV + j] += a[j];                                   \
            }                                                                                               \
            ENS_DW1(HV, gw1, tab, dQ, L, K, D, MH);                                                         \
            ENS_STEP_END(HV, F);                                                                            \
        }                                                                                                   \
    }

/* out (n, M): every member's output for rows x (n, F); one item per member and 4 rows */
#define ENS_PREDICT(HV)                                                                                  \
    __kernel void ensemble_predict_##HV(__global float *outs, uint out_off, __global const float *param, \
                                        uint o_w1, uint o_b1, uint o_w2, uint o_b2, uint n, uint M,      \
                                        __global const float *xs, uint x_off, uint F)                    \
    {                                                                                                    \
        uint i = get_global_id(0);                                                                       \
        __global float       *out = outs + out_off;                                                      \
        __global const float *x = xs + x_off;                                                            \
        GUARD(i, M * ((n + 3) / 4));                                                                     \
        uint  m = i % M, r0 = (i / M) * 4, MH = M * 16 * HV, c0 = m * 16 * HV;                           \
        float b2 = param[o_b2 + m];                                                                      \
        float16 b1v[HV], w2v[HV], a[4][HV];                                                              \
        ENS_EACH_J(HV) {                                                                                 \
            b1v[j] = vload16(j, param + o_b1 + c0);                                                      \
            w2v[j] = vload16(j, param + o_w2 + c0);                                                      \
        }                                                                                                \
        ENS_ROWS(x, r0, n, F);                                                                           \
        ENS_LAYER1(HV, a, x0, x1, x2, x3, param + o_w1 + c0, MH, F, b1v);                                \
        for (uint r = 0; r < 4 && r0 + r < n; r++) {                                                     \
            float o;                                                                                     \
            ENS_OUT(HV, o, a[r], w2v, b2);                                                               \
            out[(r0 + r) * M + m] = o;                                                                   \
        }                                                                                                \
    }

/* out (n, M) for rows of L codes (as ensemble_fit_codes); one item per member, Q in
 * scratch */
#define ENS_PREDICT_CODES(HV)                                                                                    \
    __kernel void ensemble_predict_codes_##HV(__global float *outs, uint out_off, __global const float *param,   \
                                              uint o_w1, uint o_b1, uint o_w2, uint o_b2, uint n, uint M,        \
                                              __global const int *cs, uint c_off, uint L, uint K, uint D,        \
                                              __global const float *tabs, uint tab_off, __global float *scratch, \
                                              uint s_off)                                                        \
    {                                                                                                            \
        uint m = get_global_id(0);                                                                               \
        GUARD(m, M);                                                                                             \
        __global float       *out = outs + out_off;                                                              \
        __global float16     *Q = (__global float16 *)(scratch + s_off) + m * 2 * L * K * HV;                    \
        __global const float *tab = tabs + tab_off;                                                              \
        __global const int   *codes = cs + c_off;                                                                \
        uint  MH = M * 16 * HV, c0 = m * 16 * HV;                                                                \
        float b2 = param[o_b2 + m];                                                                              \
        float16 b1v[HV], w2v[HV];                                                                                \
        ENS_EACH_J(HV) {                                                                                         \
            b1v[j] = vload16(j, param + o_b1 + c0);                                                              \
            w2v[j] = vload16(j, param + o_w2 + c0);                                                              \
        }                                                                                                        \
        ENS_Q(HV, Q, tab, (param + o_w1 + c0), L, K, D, MH);                                                     \
        for (uint r = 0; r < n; r++) {                                                                           \
            float16 a[HV];                                                                                       \
            float   o;                                                                                           \
            ENS_CODES_LAYER1(HV, a, Q, (codes + r * L), L, K);                                                   \
            ENS_OUT(HV, o, a, w2v, b2);                                                                          \
            out[r * M + m] = o;                                                                                  \
        }                                                                                                        \
    }

/* H = 16, 32 or 64 units a member */
ENS_FIT(1)
ENS_FIT(2)
ENS_FIT(4)
ENS_PREDICT(1)
ENS_PREDICT(2)
ENS_PREDICT(4)
ENS_FIT_CODES(1)
ENS_FIT_CODES(2)
ENS_FIT_CODES(4)
ENS_PREDICT_CODES(1)
ENS_PREDICT_CODES(2)
ENS_PREDICT_CODES(4)
