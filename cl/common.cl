/* common.cl - put in front of every op family's source.  Tuning values arrive as -D
 * options (backend/tuning.c), each only for the families whose source names it
 * (backend/program.c), so this file names none of them. */
/* float16 values passed to vload16 and the like are 512 bits: clang warns that they change
 * the call ABI where the target lacks AVX-512 (PoCL on AVX2 CPUs).  Every call here is
 * compiled for one target with PoCL's own builtins, so the ABIs agree. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpsabi"
#endif

/* Global sizes are rounded up to the work-group size (PoCL has no non-uniform
 * work-groups), so every kernel guards its index against the real size. */
#define GUARD(i, n) if ((i) >= (n)) return

/* the sum of a float16's elements, in a fixed order */
inline float hsum16(float16 v)
{
    float8 a = v.lo + v.hi;
    float4 b = a.lo + a.hi;
    return (b.x + b.y) + (b.z + b.w);
}

/* One torch.optim.AdamW update of p from gradient g with moments m and v (lvalues of one
 * type, float or floatN): decoupled decay wd, bias corrections bc1 = 1 - beta1^t and
 * bc2 = 1 - beta2^t. */
#define ADAMW_STEP(p, g, m, v, lr, beta1, beta2, eps, wd, bc1, bc2)                  \
    do {                                                                              \
        (m) = (beta1) * (m) + (1.0f - (beta1)) * (g);                                 \
        (v) = (beta2) * (v) + (1.0f - (beta2)) * (g) * (g);                           \
        (p) = (p) * (1.0f - (lr) * (wd)) - (lr) * ((m) / (bc1)) / (sqrt((v) / (bc2)) + (eps)); \
    } while (0)

/* GELU, tanh approximation (T5 v1.1 "gelu_new"): gelu(x) = 0.5 x (1 + tanh(u)) with
 * u = sqrt(2/pi) (x + 0.044715 x^3), and 0.5 (1 + tanh(u)) is the logistic of 2u: one exp.
 * GELU_S is that logistic, GELU_DS its derivative in x, 2 s (1 - s) du/dx; both for float
 * and floatN.  The GELU kernels take GELU_VEC elements a work-item as one vector: PoCL
 * runs exp on vectors (SLEEF) but calls it per element on scalars, about 4x slower
 * (ops/common.h's OPS_GELU_VEC must match). */
#define GELU_K   0.7978845608028654f /* sqrt(2/pi) */
#define GELU_VEC 16
#define GELU_S(x)     (1.0f / (1.0f + exp(-2.0f * GELU_K * ((x) + 0.044715f * (x) * (x) * (x)))))
#define GELU_DS(x, s) (2.0f * (s) * (1.0f - (s)) * GELU_K * (1.0f + 3.0f * 0.044715f * (x) * (x)))
