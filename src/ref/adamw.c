/* adamw.c - reference for cl/adamw.cl: torch.optim.AdamW after
 * torch.nn.utils.clip_grad_norm_(max_norm). */
#include "ref/ref.h"

#include <math.h>

void ref_adamw(float *param, float *m, float *v, const float *grad, float norm_sq, size_t n,
               const ref_adamw_params *p)
{
    double clip = 1.0;
    if (p->max_norm > 0.0f) {
        clip = p->max_norm / (sqrt((double)norm_sq) + 1e-6);
        if (clip > 1.0) clip = 1.0;
    }
    double bc1 = 1.0 - pow(p->beta1, p->step), bc2 = 1.0 - pow(p->beta2, p->step);
    for (size_t i = 0; i < n; i++) {
        double g = grad[i] * clip;
        double w = param[i] * (1.0 - (double)p->lr * p->weight_decay);
        double mi = p->beta1 * (double)m[i] + (1.0 - p->beta1) * g;
        double vi = p->beta2 * (double)v[i] + (1.0 - p->beta2) * g * g;
        m[i] = (float)mi;
        v[i] = (float)vi;
        param[i] = (float)(w - p->lr * (mi / bc1) / (sqrt(vi / bc2) + p->eps));
    }
}
