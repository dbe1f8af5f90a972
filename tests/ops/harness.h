/* harness.h - the op test harness's case types.  Each op family contributes its cases
 * in tests/ops/cases_<family>.c and one line in tests/ops/families.h:
 *   int cases_<family>(op_case *cases, int cap, int perf);  correctness or perf cases
 *   int grads_<family>(grad_case *cases, int cap);          reference-backward checks
 * Both return how many entries they filled (never more than cap). */
#ifndef ARCHLLM_TESTS_HARNESS_H
#define ARCHLLM_TESTS_HARNESS_H

#include "ops/ops.h"
#include "ref/ref.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define MAX_T 8

/* A tensor is float32 unless marked TENSOR_I32 (indices, labels, masks as int32):
 * then its float array holds int32 words and outputs must match exactly. */
enum { TENSOR_F32 = 0, TENSOR_I32 = 1 };

typedef struct op_case op_case;
struct op_case {
    char   name[96];
    int    n_in, n_out;
    size_t in_n[MAX_T], out_n[MAX_T];
    int    in_kind[MAX_T], out_kind[MAX_T];
    int    out_init;   /* outputs start random (accumulating ops, in-place updates) */
    size_t s[8];       /* sizes */
    float  f[8];       /* scalars */
    double flops, bytes;
    double atol, rtol, nerr;
    /* optional: overwrite the random [-1,1) inputs (and initial outputs) with valid
     * ones (indices in range, masks, probabilities) */
    void (*init)(const op_case *c, float **in, float **out);
    void (*ref)(const op_case *c, float **in, float **out);
    archllm_status (*dev)(archllm_ctx_t *ctx, const op_case *c, const archllm_view *in, const archllm_view *out);
};

/* Reference backward vs central differences of the reference forward:
 * d/d in[i] of sum(dout * fwd(in)) must equal bwd's din[i] for every input in wrt. */
typedef struct grad_case grad_case;
struct grad_case {
    char   name[64];
    int    n_in;
    size_t in_n[MAX_T], out_n;
    unsigned wrt;      /* bit i: check the gradient of input i */
    size_t s[8];
    float  f[8];
    double h, tol;     /* step and max relative error; 0 for the defaults 1e-3, 2e-3 */
    void (*init)(const grad_case *g, float **in); /* optional, as for op_case */
    void (*fwd)(const grad_case *g, float **in, float *out);
    void (*bwd)(const grad_case *g, float **in, const float *dout, float **din); /* din += */
};

/* [-1, 1), deterministic across runs */
float harness_randu(void);

/* Helpers for building cases. */
static inline op_case *harness_case(op_case *c, const char *name, int n_in, int n_out)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->n_in = n_in;
    c->n_out = n_out;
    c->atol = 1e-6;
    c->rtol = 1e-5;
    c->nerr = 1e-6;
    return c;
}

#define FAMILY(name) int cases_##name(op_case *cases, int cap, int perf); \
                     int grads_##name(grad_case *cases, int cap);
#include "families.h"
#undef FAMILY

#define HARNESS_ADD(n, cap, call) do { if ((n) < (cap)) { call; (n)++; } } while (0)

#endif
