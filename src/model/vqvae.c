/* vqvae.c - the VQ-VAE's forward, backward and update, by hand, op by op (see vqvae.h for
 * the shapes).  The linear layers run on cl/linear.cl (PyTorch's (out, in) weight layout,
 * y = x W^T, bias, position embedding and ReLU fused); everything per node or per pair is
 * one of the fused kernels of cl/graph.cl, cl/quantize.cl and cl/recon.cl. */
#include "model/vqvae.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

archllm_vqvae_params archllm_vqvae_default_params(void)
{
    archllm_vqvae_params p = {0};
    p.max_v = 7;
    p.n_ops = 5;
    p.layers = 4;
    p.hidden = 128;
    p.latent_dim = 16;
    p.codes_per_node = 1;
    p.codebook_size = 512;
    p.adj_mode = ARCHLLM_ADJ_INNER;
    p.adj_dim = 64;
    p.quantizer = ARCHLLM_VQ_EMA;
    p.beta = 0.25f;
    p.ema_decay = 0.99f;
    p.restart_threshold = 1.0f;
    p.max_batch = 256;
    return p;
}

#define V(buf, off) ((archllm_view){(buf), (off)})

/* ---- optional per-op profile (ARCHLLM_VQVAE_PROFILE=1: finish after every op, print
 * the totals at exit); off by default, where it costs one branch per op ---------------- */
#include <time.h>
static int prof_on = -1;
static struct { const char *name; double t; long n; } prof[64];
static double prof_t0;
static double prof_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static void prof_dump(void)
{
    for (int i = 0; i < 64 && prof[i].name; i++)
        fprintf(stderr, "profile %-16s %9.3f ms total %6ld calls %8.3f ms/call\n", prof[i].name, prof[i].t * 1e3,
                prof[i].n, prof[i].t * 1e3 / prof[i].n);
}
void archllm_vqvae_profile_reset(void) { memset(prof, 0, sizeof prof); }

static void prof_begin(archllm_ctx_t *ctx)
{
    if (prof_on < 0) {
        prof_on = getenv("ARCHLLM_VQVAE_PROFILE") != NULL;
        if (prof_on) atexit(prof_dump);
    }
    if (!prof_on) return;
    archllm_ctx_finish(ctx);
    prof_t0 = prof_now();
}
static void prof_end(archllm_ctx_t *ctx, const char *name)
{
    if (!prof_on) return;
    archllm_ctx_finish(ctx);
    double t = prof_now() - prof_t0;
    for (int i = 0; i < 64; i++)
        if (!prof[i].name || strcmp(prof[i].name, name) == 0) {
            prof[i].name = name;
            prof[i].t += t;
            prof[i].n++;
            break;
        }
}
#define PROF(ctx, name, call)                   \
    do {                                        \
        prof_begin(ctx);                        \
        archllm_status ps_ = (call);            \
        prof_end(ctx, name);                    \
        if (ps_ != ARCHLLM_OK) return ps_;      \
    } while (0)

/* ---- parameters -------------------------------------------------------------------- */

static archllm_status add_linear(archllm_params *p, const char *name, int out, int in, int *w, int *b)
{
    char n[ARCHLLM_PARAM_NAME];
    int64_t ws[2] = {out, in}, bs[1] = {out};
    /* LeCun uniform weights (variance 1/in) and zero biases.  With nn.Linear's default
     * (U(+-1/sqrt(in)) for both) the signal shrinks ~3x per layer under the biases, every
     * node's z_e ends up alike and the codebook collapses to one code; with He init the
     * GIN sums (1 + degree terms) blow up over 4 layers */
    float bound = sqrtf(3.0f / (float)in);
    snprintf(n, sizeof n, "%s.weight", name);
    ARCHLLM_TRY(archllm_params_add(p, n, 2, ws, 1, ARCHLLM_INIT_UNIFORM, bound, w));
    snprintf(n, sizeof n, "%s.bias", name);
    return archllm_params_add(p, n, 1, bs, 0, ARCHLLM_INIT_ZERO, 0.0f, b);
}

static archllm_status declare(archllm_vqvae *m)
{
    const archllm_vqvae_params *hp = &m->hp;
    archllm_params *p = &m->params;
    int N = hp->max_v, F = hp->n_ops, H = hp->hidden, CD = hp->codes_per_node * hp->latent_dim;
    int K = hp->codebook_size, D = hp->latent_dim, A = hp->adj_dim;
    char n[ARCHLLM_PARAM_NAME];
    int64_t one[1] = {1};
    for (int l = 0; l < hp->layers; l++) {
        /* the input row (op one-hot, position one-hot) is zero-padded to a multiple of 16:
         * the linear kernels' float16 dot products have no tail then (3-6x faster) */
        m->in_dim[l] = l == 0 ? (F + N + 15) & ~15 : H;
        snprintf(n, sizeof n, "enc.%d.eps", l);
        ARCHLLM_TRY(archllm_params_add(p, n, 1, one, 0, ARCHLLM_INIT_ZERO, 0.0f, &m->p_eps[l]));
        snprintf(n, sizeof n, "enc.%d.fc1", l);
        ARCHLLM_TRY(add_linear(p, n, H, m->in_dim[l], &m->p_w1[l], &m->p_b1[l]));
        snprintf(n, sizeof n, "enc.%d.fc2", l);
        ARCHLLM_TRY(add_linear(p, n, H, H, &m->p_w2[l], &m->p_b2[l]));
    }
    ARCHLLM_TRY(add_linear(p, "enc.proj", CD, H, &m->p_proj_w, &m->p_proj_b));
    int64_t cbs[2] = {K, D}, ks[1] = {K}, ps[2] = {N, H}, par[1] = {2 * A + 1};
    ARCHLLM_TRY(archllm_params_add(p, "vq.codebook", 2, cbs, 0, ARCHLLM_INIT_NORMAL, 1.0f / sqrtf((float)D),
                                   &m->p_cb));
    /* EMA state rides in the table so checkpoints carry it; it has no gradient, so AdamW
     * leaves it as it is (zero moments give a zero update) */
    ARCHLLM_TRY(archllm_params_add(p, "vq.ema_count", 1, ks, 0, ARCHLLM_INIT_ONE, 0.0f, &m->p_ema_n));
    ARCHLLM_TRY(archllm_params_add(p, "vq.ema_sum", 2, cbs, 0, ARCHLLM_INIT_ZERO, 0.0f, &m->p_ema_s));
    ARCHLLM_TRY(archllm_params_add(p, "dec.pos", 2, ps, 0, ARCHLLM_INIT_UNIFORM, 1.0f / sqrtf((float)CD),
                                   &m->p_pos));
    ARCHLLM_TRY(add_linear(p, "dec.fc1", H, CD, &m->p_d1_w, &m->p_d1_b));
    ARCHLLM_TRY(add_linear(p, "dec.fc2", H, H, &m->p_d2_w, &m->p_d2_b));
    ARCHLLM_TRY(add_linear(p, "dec.op", F, H, &m->p_op_w, &m->p_op_b));
    ARCHLLM_TRY(add_linear(p, "dec.adj", 2 * A, H, &m->p_adj_w, &m->p_adj_b));
    return archllm_params_add(p, "dec.adj.par", 1, par, 0, ARCHLLM_INIT_UNIFORM, 1.0f / sqrtf((float)A),
                              &m->p_adj_par);
}

/* ---- activation layout ----------------------------------------------------------------- */

static size_t take(size_t *at, size_t n)
{
    size_t o = *at;
    *at += (n + 15) & ~(size_t)15; /* 64-byte aligned starts */
    return o;
}

static void layout(archllm_vqvae *m)
{
    const archllm_vqvae_params *hp = &m->hp;
    size_t B = (size_t)hp->max_batch, N = (size_t)hp->max_v, M = B * N, H = (size_t)hp->hidden;
    size_t C = (size_t)hp->codes_per_node, D = (size_t)hp->latent_dim, K = (size_t)hp->codebook_size;
    size_t F = (size_t)hp->n_ops, A = (size_t)hp->adj_dim, at = 0;
    m->o_x0 = take(&at, M * (size_t)m->in_dim[0]);
    for (int l = 0; l < hp->layers; l++) {
        m->o_a[l] = take(&at, M * (size_t)m->in_dim[l]);
        m->o_u[l] = take(&at, M * H);
        m->o_h[l] = take(&at, M * H); /* output of layer l */
    }
    m->o_ze = take(&at, M * C * D);
    m->o_zq = take(&at, M * C * D);
    m->o_g1 = take(&at, M * H);
    m->o_g2 = take(&at, M * H);
    m->o_op = take(&at, M * F);
    m->o_st = take(&at, M * 2 * A);
    m->o_adjl = take(&at, M * N);
    size_t grad_end = at; /* everything above has a gradient; below is data and outputs */
    m->o_adj = take(&at, M * N);
    m->o_tgt = take(&at, M * F);
    m->o_mask = take(&at, M);
    m->o_maskq = take(&at, M * C);
    m->o_lop = take(&at, M);
    m->o_cop = take(&at, M);
    m->o_ladj = take(&at, M * N);
    m->o_cadj = take(&at, M * N);
    m->o_lvq = take(&at, M * C);
    m->o_counts = take(&at, K);
    /* the argmin's scratch lives in dact's tail, after the gradients (dact is one scratch
     * larger than the gradient part) */
    m->act_total = at;
    m->o_scratch = grad_end;
    m->o_idx = 0;
    m->o_restart = M * C;
}

archllm_status archllm_vqvae_init(archllm_vqvae *m, archllm_ctx_t *ctx, const archllm_vqvae_params *hp,
                                  archllm_rng *init_rng)
{
    memset(m, 0, sizeof *m);
    m->ctx = ctx;
    m->hp = *hp;
    if (hp->layers < 1 || hp->layers > 16 || hp->max_v < 2 || hp->max_batch < 1)
        return archllm_fail(ARCHLLM_EINVAL, "vqvae: bad sizes (layers %d, nodes %d, batch %d)", hp->layers,
                            hp->max_v, hp->max_batch);
    archllm_params_init(&m->params);
    archllm_status s = declare(m);
    if (s == ARCHLLM_OK) s = archllm_params_finalize(ctx, &m->params);
    if (s == ARCHLLM_OK) s = archllm_params_randomize(ctx, &m->params, init_rng);
    /* EMA sums start as the codebook (counts 1), so cb = sum / count holds from step 0 */
    archllm_view cb = archllm_params_value(&m->params, m->p_cb), es = archllm_params_value(&m->params, m->p_ema_s);
    size_t KD = (size_t)hp->codebook_size * hp->latent_dim;
    if (s == ARCHLLM_OK)
        s = archllm_buf_copy(ctx, es.buf, es.off * sizeof(float), cb.buf, cb.off * sizeof(float), KD * sizeof(float));
    archllm_rng_seed(&m->rng, archllm_rng_u64(init_rng), 0x7171);
    layout(m);
    size_t B = (size_t)hp->max_batch, N = (size_t)hp->max_v, M = B * N, C = (size_t)hp->codes_per_node;
    size_t K = (size_t)hp->codebook_size, F = (size_t)hp->n_ops;
    size_t scratch = archllm_op_vq_scratch(M * C, K);
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &m->act, m->act_total * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &m->dact, (m->o_scratch + scratch) * sizeof(float));
    if (s == ARCHLLM_OK) s = archllm_buf_alloc(ctx, &m->ibuf, (M * C + K) * sizeof(int32_t));
    if (s == ARCHLLM_OK) s = archllm_buf_fill_f32(ctx, m->act, 0, m->act_total, 0.0f);
    m->h_x0 = calloc(M * (size_t)m->in_dim[0], sizeof(float));
    m->h_adj = calloc(M * N, sizeof(float));
    m->h_tgt = calloc(M * F, sizeof(float));
    m->h_mask = calloc(M, sizeof(float));
    m->h_maskq = calloc(M * C, sizeof(float));
    m->h_read = calloc((m->o_counts + K - m->o_lop) + M * (F + N), sizeof(float));
    m->h_idx = calloc(M * C + K, sizeof(int32_t));
    m->h_counts = calloc(K, sizeof(float));
    if (s == ARCHLLM_OK && !(m->h_x0 && m->h_adj && m->h_tgt && m->h_mask && m->h_maskq && m->h_read && m->h_idx &&
                             m->h_counts))
        s = archllm_fail(ARCHLLM_ENOMEM, "vqvae: host staging");
    if (s != ARCHLLM_OK) archllm_vqvae_free(m);
    return s;
}

void archllm_vqvae_free(archllm_vqvae *m)
{
    archllm_params_free(&m->params);
    archllm_buf_free(&m->act);
    archllm_buf_free(&m->dact);
    archllm_buf_free(&m->ibuf);
    free(m->h_x0);
    free(m->h_adj);
    free(m->h_tgt);
    free(m->h_mask);
    free(m->h_maskq);
    free(m->h_read);
    free(m->h_idx);
    free(m->h_counts);
    memset(m, 0, sizeof *m);
}

/* ---- data ------------------------------------------------------------------------------- */

static archllm_status upload(archllm_vqvae *m, size_t off, const float *src, size_t n)
{
    return archllm_buf_write(m->ctx, m->act, off * sizeof(float), src, n * sizeof(float));
}

/* Stage host arrays already filled for n graphs. */
static archllm_status upload_batch(archllm_vqvae *m, int n)
{
    size_t N = (size_t)m->hp.max_v, F = (size_t)m->hp.n_ops, C = (size_t)m->hp.codes_per_node, M = (size_t)n * N;
    m->batch = n;
    for (size_t r = 0; r < M; r++)
        for (size_t c = 0; c < C; c++) m->h_maskq[r * C + c] = m->h_mask[r];
    ARCHLLM_TRY(upload(m, m->o_x0, m->h_x0, M * (size_t)m->in_dim[0]));
    ARCHLLM_TRY(upload(m, m->o_adj, m->h_adj, M * N));
    ARCHLLM_TRY(upload(m, m->o_tgt, m->h_tgt, M * F));
    ARCHLLM_TRY(upload(m, m->o_mask, m->h_mask, M));
    return upload(m, m->o_maskq, m->h_maskq, M * C);
}

archllm_status archllm_vqvae_load(archllm_vqvae *m, const archllm_dataset *d, const uint32_t *idx, int n)
{
    size_t N = (size_t)m->hp.max_v, F = (size_t)m->hp.n_ops;
    if (n < 1 || n > m->hp.max_batch || d->max_v != (int)N || d->n_ops != (int)F)
        return archllm_fail(ARCHLLM_EINVAL, "vqvae: batch of %d graphs of %d nodes, %d ops does not fit the model",
                            n, d->max_v, d->n_ops);
    for (int b = 0; b < n; b++) {
        size_t i = idx[b];
        for (size_t v = 0; v < N; v++) {
            size_t r = (size_t)b * N + v;
            float mk = d->mask[i * N + v] ? 1.0f : 0.0f;
            m->h_mask[r] = mk;
            float *x = m->h_x0 + r * (size_t)m->in_dim[0];
            for (size_t f = 0; f < F; f++) x[f] = m->h_tgt[r * F + f] = d->ops[(i * N + v) * F + f] ? 1.0f : 0.0f;
            for (size_t w = 0; w < N; w++) {
                x[F + w] = (w == v) ? mk : 0.0f;
                m->h_adj[r * N + w] = d->adj[(i * N + v) * N + w] ? 1.0f : 0.0f;
            }
        }
    }
    return upload_batch(m, n);
}

/* ---- forward ------------------------------------------------------------------------------ */

/* y(M, out) = act(x(M, in) W^T + pos + b), W is (out, in); one fused kernel */
static archllm_status linear_fwd(archllm_vqvae *m, size_t y, size_t x, int wi, int bi, size_t M, size_t in,
                                 size_t out, int relu, int pos)
{
    archllm_view pv = archllm_params_value(&m->params, m->p_pos);
    PROF(m->ctx, "linear_fwd",
         archllm_op_linear_fwd(m->ctx, V(m->act, y), V(m->act, x), archllm_params_value(&m->params, wi),
                               archllm_params_value(&m->params, bi), pv, pos ? (size_t)m->hp.max_v : 0, M, out, in,
                               relu));
    return ARCHLLM_OK;
}

/* Decoder from z_q through the losses (with gradients of the logits when grad). */
static archllm_status decoder_fwd(archllm_vqvae *m, size_t B)
{
    const archllm_vqvae_params *hp = &m->hp;
    size_t N = (size_t)hp->max_v, M = B * N, H = (size_t)hp->hidden, F = (size_t)hp->n_ops, A = (size_t)hp->adj_dim;
    size_t CD = (size_t)hp->codes_per_node * hp->latent_dim;
    ARCHLLM_TRY(linear_fwd(m, m->o_g1, m->o_zq, m->p_d1_w, m->p_d1_b, M, CD, H, 1, 1));
    ARCHLLM_TRY(linear_fwd(m, m->o_g2, m->o_g1, m->p_d2_w, m->p_d2_b, M, H, H, 1, 0));
    ARCHLLM_TRY(linear_fwd(m, m->o_op, m->o_g2, m->p_op_w, m->p_op_b, M, H, F, 0, 0));
    ARCHLLM_TRY(linear_fwd(m, m->o_st, m->o_g2, m->p_adj_w, m->p_adj_b, M, H, 2 * A, 0, 0));
    return archllm_op_adj_dec_fwd(m->ctx, V(m->act, m->o_adjl), V(m->act, m->o_st),
                                  archllm_params_value(&m->params, m->p_adj_par), hp->adj_mode, B, N, A);
}

static archllm_status encoder_fwd(archllm_vqvae *m, size_t B)
{
    const archllm_vqvae_params *hp = &m->hp;
    archllm_ctx_t *ctx = m->ctx;
    size_t N = (size_t)hp->max_v, M = B * N, H = (size_t)hp->hidden;
    size_t CD = (size_t)hp->codes_per_node * hp->latent_dim;
    size_t h = m->o_x0;
    for (int l = 0; l < hp->layers; l++) {
        size_t in = (size_t)m->in_dim[l];
        PROF(ctx, "gin_agg_fwd", archllm_op_gin_agg_fwd(ctx, V(m->act, m->o_a[l]), V(m->act, h), V(m->act, m->o_adj),
                                           archllm_params_value(&m->params, m->p_eps[l]), B, N, in));
        ARCHLLM_TRY(linear_fwd(m, m->o_u[l], m->o_a[l], m->p_w1[l], m->p_b1[l], M, in, H, 1, 0));
        ARCHLLM_TRY(linear_fwd(m, m->o_h[l], m->o_u[l], m->p_w2[l], m->p_b2[l], M, H, H, l < hp->layers - 1, 0));
        h = m->o_h[l];
    }
    return linear_fwd(m, m->o_ze, h, m->p_proj_w, m->p_proj_b, M, H, CD, 0, 0);
}

static double sum_d(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s;
}

archllm_status archllm_vqvae_forward(archllm_vqvae *m, int grad, archllm_vqvae_stats *st)
{
    const archllm_vqvae_params *hp = &m->hp;
    archllm_ctx_t *ctx = m->ctx;
    size_t B = (size_t)m->batch, N = (size_t)hp->max_v, M = B * N, F = (size_t)hp->n_ops;
    size_t C = (size_t)hp->codes_per_node, D = (size_t)hp->latent_dim, K = (size_t)hp->codebook_size;
    size_t Mq = M * C;
    archllm_view cb = archllm_params_value(&m->params, m->p_cb);

    ARCHLLM_TRY(encoder_fwd(m, B));
    PROF(ctx, "vq_argmin", archllm_op_vq_argmin(ctx, V(m->ibuf, m->o_idx), V(m->act, m->o_ze), cb, V(m->dact, m->o_scratch),
                                     Mq, K, D));
    ARCHLLM_TRY(archllm_op_vq_gather(ctx, V(m->act, m->o_zq), V(m->ibuf, m->o_idx), cb, Mq, D));
    ARCHLLM_TRY(archllm_op_vq_dist(ctx, V(m->act, m->o_lvq), V(m->act, m->o_ze), cb, V(m->ibuf, m->o_idx),
                                   V(m->act, m->o_maskq), Mq, D));
    PROF(ctx, "vq_counts", archllm_op_vq_counts(ctx, V(m->act, m->o_counts), V(m->ibuf, m->o_idx), V(m->act, m->o_maskq), Mq, K));
    ARCHLLM_TRY(decoder_fwd(m, B));

    /* losses: means over real nodes and real upper-triangular pairs (counted on the host) */
    double nodes = sum_d(m->h_mask, M), pairs = 0.0;
    for (size_t b = 0; b < B; b++) {
        double nv = sum_d(m->h_mask + b * N, N);
        pairs += nv * (nv - 1) / 2;
    }
    float s_op = nodes > 0 ? (float)(1.0 / nodes) : 0.0f, s_adj = pairs > 0 ? (float)(1.0 / pairs) : 0.0f;
    /* without grad the gradient outputs still need somewhere to go: the arena, unread.  Each
     * activation gradient's first writer writes it (accumulate 0), so the arena is never
     * zeroed (a fill of it had been 4.5% of a step) */
    ARCHLLM_TRY(archllm_op_op_ce(ctx, V(m->act, m->o_lop), V(m->act, m->o_cop), V(m->dact, m->o_op),
                                 V(m->act, m->o_op), V(m->act, m->o_tgt), V(m->act, m->o_mask), s_op, M, F, 0));
    ARCHLLM_TRY(archllm_op_adj_bce(ctx, V(m->act, m->o_ladj), V(m->act, m->o_cadj), V(m->dact, m->o_adjl),
                                   V(m->act, m->o_adjl), V(m->act, m->o_adj), V(m->act, m->o_mask), s_adj, B, N, 0));

    /* read back the per-element losses, correctness and usage counts (one contiguous range:
     * lop, cop, ladj, cadj, lvq, counts sit back to back in the layout) */
    size_t r0 = m->o_lop, r1 = m->o_counts + K;
    float *rb = m->h_read;
    PROF(ctx, "read_stats", archllm_buf_read(ctx, rb, m->act, r0 * sizeof(float), (r1 - r0) * sizeof(float)));
    const float *lop = rb + (m->o_lop - r0), *cop = rb + (m->o_cop - r0), *ladj = rb + (m->o_ladj - r0),
                *cadj = rb + (m->o_cadj - r0), *lvq = rb + (m->o_lvq - r0), *cnt = rb + (m->o_counts - r0);
    memcpy(m->h_counts, cnt, K * sizeof(float));
    if (st) {
        memset(st, 0, sizeof *st);
        st->graphs = (int)B;
        st->nodes = nodes;
        st->pairs = pairs;
        st->loss_op = nodes > 0 ? sum_d(lop, M) / nodes : 0.0;
        st->loss_adj = pairs > 0 ? sum_d(ladj, M * N) / pairs : 0.0;
        double qn = nodes * (double)C * (double)D;
        double commit = qn > 0 ? sum_d(lvq, Mq) / qn : 0.0;
        st->loss_vq = (hp->quantizer == ARCHLLM_VQ_EMA ? hp->beta : 1.0 + hp->beta) * commit;
        st->loss = st->loss_op + st->loss_adj + st->loss_vq;
        st->nodes_ok = sum_d(cop, M);
        st->pairs_ok = sum_d(cadj, M * N);
        for (size_t b = 0; b < B; b++) {
            double nv = sum_d(m->h_mask + b * N, N);
            double ok = sum_d(cop + b * N, N) + sum_d(cadj + b * N * N, N * N);
            if (ok == nv + nv * (nv - 1) / 2) st->graphs_ok++;
        }
    }
    return ARCHLLM_OK;
}

/* ---- backward ------------------------------------------------------------------------------- */

/* Gradients of y = act(x W^T + b) given dy (already through the activation), x and its
 * gradient dx at the same offset of act and dact: dW += dy^T x and db += colsum(dy) in one
 * kernel, dx = dy W, or dx += dy W when acc; relu: x is a ReLU's output and dx goes on
 * through it, in the same pass (dx's last writer only). */
static archllm_status linear_bwd(archllm_vqvae *m, size_t x, size_t dy, int wi, int bi, size_t M, size_t in,
                                 size_t out, int acc, int relu)
{
    archllm_view none = {NULL, 0};
    archllm_ctx_t *ctx = m->ctx;
    PROF(ctx, "linear_dw", archllm_op_linear_bwd_dw(ctx, archllm_params_gradient(&m->params, wi),
                                                    archllm_params_gradient(&m->params, bi), V(m->dact, dy),
                                                    V(m->act, x), M, out, in));
    PROF(ctx, "linear_dx", archllm_op_linear_bwd_dx(ctx, V(m->dact, x), V(m->dact, dy),
                                                    archllm_params_value(&m->params, wi), M, out, in, acc,
                                                    relu ? V(m->act, x) : none));
    return ARCHLLM_OK;
}

archllm_status archllm_vqvae_backward(archllm_vqvae *m)
{
    const archllm_vqvae_params *hp = &m->hp;
    archllm_ctx_t *ctx = m->ctx;
    archllm_params *p = &m->params;
    size_t B = (size_t)m->batch, N = (size_t)hp->max_v, M = B * N, H = (size_t)hp->hidden, F = (size_t)hp->n_ops;
    size_t A = (size_t)hp->adj_dim, C = (size_t)hp->codes_per_node, D = (size_t)hp->latent_dim;
    size_t K = (size_t)hp->codebook_size, CD = C * D, Mq = M * C;
    double nodes = sum_d(m->h_mask, M);
    float s_vq = nodes > 0 ? (float)(1.0 / (nodes * (double)CD)) : 0.0f;

    /* decoder heads: dlogits are in the arena from the fused losses */
    PROF(ctx, "adj_dec_bwd", archllm_op_adj_dec_bwd(ctx, V(m->dact, m->o_st), archllm_params_gradient(p, m->p_adj_par),
                                       V(m->act, m->o_st), archllm_params_value(p, m->p_adj_par),
                                       V(m->dact, m->o_adjl), hp->adj_mode, B, N, A, 0));
    /* both heads read g2: the second adds its gradient */
    ARCHLLM_TRY(linear_bwd(m, m->o_g2, m->o_st, m->p_adj_w, m->p_adj_b, M, H, 2 * A, 0, 0));
    ARCHLLM_TRY(linear_bwd(m, m->o_g2, m->o_op, m->p_op_w, m->p_op_b, M, H, F, 1, 1));
    ARCHLLM_TRY(linear_bwd(m, m->o_g1, m->o_g2, m->p_d2_w, m->p_d2_b, M, H, H, 0, 1));
    PROF(ctx, "pos_add_bwd", archllm_op_pos_add_bwd(ctx, archllm_params_gradient(p, m->p_pos), V(m->dact, m->o_g1),
                                                    B, N, H));
    ARCHLLM_TRY(linear_bwd(m, m->o_zq, m->o_g1, m->p_d1_w, m->p_d1_b, M, CD, H, 0, 0));

    /* quantizer: straight-through plus commitment into dz_e; codebook loss into dcb */
    archllm_view cb = archllm_params_value(p, m->p_cb);
    ARCHLLM_TRY(archllm_op_vq_st_bwd(ctx, V(m->dact, m->o_ze), V(m->act, m->o_ze), cb, V(m->ibuf, m->o_idx),
                                     V(m->act, m->o_maskq), V(m->dact, m->o_zq), s_vq, hp->beta, Mq, D, 0));
    if (hp->quantizer == ARCHLLM_VQ_LOSS)
        ARCHLLM_TRY(archllm_op_vq_cb_bwd(ctx, archllm_params_gradient(p, m->p_cb), V(m->act, m->o_ze), cb,
                                         V(m->ibuf, m->o_idx), V(m->act, m->o_maskq), s_vq, Mq, K, D));

    /* encoder, last layer first */
    int L = hp->layers;
    ARCHLLM_TRY(linear_bwd(m, m->o_h[L - 1], m->o_ze, m->p_proj_w, m->p_proj_b, M, H, CD, 0, 0));
    for (int l = L - 1; l >= 0; l--) {
        size_t in = (size_t)m->in_dim[l];
        size_t h_in = l == 0 ? m->o_x0 : m->o_h[l - 1];
        if (l < L - 1) ARCHLLM_TRY(archllm_op_relu_mask_bwd(ctx, V(m->dact, m->o_h[l]), V(m->act, m->o_h[l]), M * H));
        ARCHLLM_TRY(linear_bwd(m, m->o_u[l], m->o_h[l], m->p_w2[l], m->p_b2[l], M, H, H, 0, 1));
        ARCHLLM_TRY(linear_bwd(m, m->o_a[l], m->o_u[l], m->p_w1[l], m->p_b1[l], M, in, H, 0, 0));
        /* the input's gradient is not needed below layer 0, but the kernel also gives deps */
        PROF(ctx, "gin_agg_bwd", archllm_op_gin_agg_bwd(ctx, V(m->dact, h_in), archllm_params_gradient(p, m->p_eps[l]),
                                           V(m->act, h_in), V(m->act, m->o_adj), archllm_params_value(p, m->p_eps[l]),
                                           V(m->dact, m->o_a[l]), B, N, in, 0));
    }
    return ARCHLLM_OK;
}

archllm_status archllm_vqvae_update(archllm_vqvae *m, const archllm_adamw_params *hp, float *grad_norm)
{
    ARCHLLM_TRY(archllm_params_adamw(m->ctx, &m->params, hp, grad_norm));
    if (m->hp.quantizer != ARCHLLM_VQ_EMA) return ARCHLLM_OK;
    /* restart candidates: a random real node code of the batch for every code */
    size_t N = (size_t)m->hp.max_v, C = (size_t)m->hp.codes_per_node, K = (size_t)m->hp.codebook_size;
    size_t Mq = (size_t)m->batch * N * C, nreal = 0;
    int32_t *rows = m->h_idx; /* staging: real rows first, then the K picks after them */
    for (size_t r = 0; r < Mq; r++)
        if (m->h_maskq[r] > 0.0f) rows[nreal++] = (int32_t)r;
    int32_t *pick = m->h_idx + Mq;
    for (size_t k = 0; k < K; k++) pick[k] = nreal ? rows[archllm_rng_below(&m->rng, (uint32_t)nreal)] : -1;
    ARCHLLM_TRY(archllm_buf_write(m->ctx, m->ibuf, m->o_restart * sizeof(int32_t), pick, K * sizeof(int32_t)));
    archllm_params *p = &m->params;
    /* the first update restarts every code at an encoder output of the batch: a
     * data-dependent codebook init (random vectors far from the encoder's outputs would
     * leave most codes unused until their EMA counts decay to the threshold) */
    float threshold = m->params.step == 1 && m->hp.restart_threshold > 0.0f ? INFINITY : m->hp.restart_threshold;
    return archllm_op_vq_ema(m->ctx, archllm_params_value(p, m->p_cb), archllm_params_value(p, m->p_ema_n),
                             archllm_params_value(p, m->p_ema_s), V(m->act, m->o_counts), V(m->act, m->o_ze),
                             V(m->ibuf, m->o_idx), V(m->act, m->o_maskq), V(m->ibuf, m->o_restart),
                             m->hp.ema_decay, threshold, Mq, K, (size_t)m->hp.latent_dim);
}

/* ---- codes ---------------------------------------------------------------------------------- */

archllm_status archllm_vqvae_codes(archllm_vqvae *m, int32_t *codes)
{
    size_t N = (size_t)m->hp.max_v, C = (size_t)m->hp.codes_per_node, Mq = (size_t)m->batch * N * C;
    ARCHLLM_TRY(archllm_buf_read(m->ctx, codes, m->ibuf, m->o_idx * sizeof(int32_t), Mq * sizeof(int32_t)));
    for (size_t r = 0; r < Mq; r++)
        if (m->h_maskq[r] == 0.0f) codes[r] = -1;
    return ARCHLLM_OK;
}

/* Check decode's sequence sizes and set the batch's node mask. */
static archllm_status decode_batch(archllm_vqvae *m, const char *what, const int *nv, int n)
{
    size_t N = (size_t)m->hp.max_v;
    if (n < 1 || n > m->hp.max_batch)
        return archllm_fail(ARCHLLM_EINVAL, "vqvae %s: %d sequences (1..%d)", what, n, m->hp.max_batch);
    for (int b = 0; b < n; b++) {
        if (nv[b] < 2 || nv[b] > (int)N)
            return archllm_fail(ARCHLLM_EINVAL, "vqvae %s: sequence %d has %d nodes (2..%zu)", what, b, nv[b], N);
        for (size_t v = 0; v < N; v++) m->h_mask[(size_t)b * N + v] = (int)v < nv[b] ? 1.0f : 0.0f;
    }
    m->batch = n;
    return ARCHLLM_OK;
}

/* Decoder forward from z_q (already in place) and the readout into cells. */
static archllm_status decode_cells(archllm_vqvae *m, const int *nv, int n, archllm_space space, archllm_cell *cells)
{
    size_t N = (size_t)m->hp.max_v, F = (size_t)m->hp.n_ops;
    ARCHLLM_TRY(decoder_fwd(m, (size_t)n));
    size_t M = (size_t)n * N;
    float *op = m->h_read, *adj = m->h_read + M * F;
    ARCHLLM_TRY(archllm_buf_read(m->ctx, op, m->act, m->o_op * sizeof(float), M * F * sizeof(float)));
    ARCHLLM_TRY(archllm_buf_read(m->ctx, adj, m->act, m->o_adjl * sizeof(float), M * N * sizeof(float)));
    for (int b = 0; b < n; b++) {
        archllm_cell *c = &cells[b];
        memset(c, 0, sizeof *c);
        c->nv = (uint8_t)nv[b];
        for (int v = 0; v < nv[b]; v++) {
            const float *x = op + ((size_t)b * N + v) * F;
            size_t am = 0;
            for (size_t f = 1; f < F; f++)
                if (x[f] > x[am]) am = f;
            c->ops[v] = (int8_t)archllm_space_column_label(space, (int)am);
            for (int w = v + 1; w < nv[b]; w++)
                if (adj[((size_t)b * N + v) * N + w] > 0.0f) c->adj[v] |= (uint16_t)(1u << w);
        }
    }
    return ARCHLLM_OK;
}

archllm_status archllm_vqvae_decode(archllm_vqvae *m, const int32_t *codes, const int *nv, int n,
                                    archllm_space space, archllm_cell *cells)
{
    const archllm_vqvae_params *hp = &m->hp;
    size_t N = (size_t)hp->max_v, C = (size_t)hp->codes_per_node, D = (size_t)hp->latent_dim;
    size_t K = (size_t)hp->codebook_size;
    ARCHLLM_TRY(decode_batch(m, "decode", nv, n));
    size_t Mq = (size_t)n * N * C;
    for (int b = 0; b < n; b++)
        for (size_t v = 0; v < N; v++)
            for (size_t c = 0; c < C; c++) {
                size_t r = ((size_t)b * N + v) * C + c;
                int32_t k = (int)v < nv[b] ? codes[r] : 0;
                if (k < 0 || (size_t)k >= K)
                    return archllm_fail(ARCHLLM_EINVAL, "vqvae decode: sequence %d: code %d out of range 0..%zu", b,
                                        (int)k, K - 1);
                m->h_idx[r] = k;
            }
    ARCHLLM_TRY(archllm_buf_write(m->ctx, m->ibuf, m->o_idx * sizeof(int32_t), m->h_idx, Mq * sizeof(int32_t)));
    ARCHLLM_TRY(archllm_op_vq_gather(m->ctx, V(m->act, m->o_zq), V(m->ibuf, m->o_idx),
                                     archllm_params_value(&m->params, m->p_cb), Mq, D));
    return decode_cells(m, nv, n, space, cells);
}

/* ---- continuous latents --------------------------------------------------------------------- */

archllm_status archllm_vqvae_latents(archllm_vqvae *m, float *z, int n)
{
    size_t N = (size_t)m->hp.max_v, CD = (size_t)m->hp.codes_per_node * m->hp.latent_dim;
    if (!z || m->batch < 1 || n != m->batch)
        return archllm_fail(ARCHLLM_EINVAL, "vqvae latents: asked for %d graphs, %d loaded%s", n, m->batch,
                            z ? "" : " (no output)");
    size_t M = (size_t)n * N;
    ARCHLLM_TRY(archllm_buf_read(m->ctx, z, m->act, m->o_ze * sizeof(float), M * CD * sizeof(float)));
    for (size_t r = 0; r < M; r++) /* padded nodes carry the encoder's bias terms: not latents */
        if (m->h_mask[r] == 0.0f) memset(z + r * CD, 0, CD * sizeof(float));
    return ARCHLLM_OK;
}

archllm_status archllm_vqvae_decode_latents(archllm_vqvae *m, const float *z, const int *nv, int n,
                                            archllm_space space, archllm_cell *cells)
{
    size_t N = (size_t)m->hp.max_v, CD = (size_t)m->hp.codes_per_node * m->hp.latent_dim;
    if (!z || !nv || !cells) return archllm_fail(ARCHLLM_EINVAL, "vqvae decode_latents: NULL argument");
    ARCHLLM_TRY(decode_batch(m, "decode_latents", nv, n));
    size_t M = (size_t)n * N;
    float *zq = malloc(M * CD * sizeof(float));
    if (!zq) return archllm_fail(ARCHLLM_ENOMEM, "vqvae decode_latents: %zu latents", M * CD);
    archllm_status s = ARCHLLM_OK;
    for (size_t r = 0; r < M; r++) {
        int real = m->h_mask[r] != 0.0f;
        for (size_t j = 0; j < CD; j++) {
            float x = real ? z[r * CD + j] : 0.0f;
            if (!isfinite(x) && s == ARCHLLM_OK)
                s = archllm_fail(ARCHLLM_EINVAL, "vqvae decode_latents: graph %zu node %zu: latent %zu is not finite",
                                 r / N, r % N, j);
            zq[r * CD + j] = x;
        }
    }
    /* the decoder reads z_q: put the latents there in place of the gathered code vectors */
    if (s == ARCHLLM_OK) s = upload(m, m->o_zq, zq, M * CD);
    free(zq);
    if (s == ARCHLLM_OK) s = decode_cells(m, nv, n, space, cells);
    return s;
}

void archllm_vqvae_usage(const float *counts, int K, double *perplexity, int *used)
{
    double total = 0.0, h = 0.0;
    int u = 0;
    for (int k = 0; k < K; k++) {
        total += counts[k];
        u += counts[k] > 0.0f;
    }
    for (int k = 0; k < K && total > 0; k++)
        if (counts[k] > 0.0f) {
            double q = counts[k] / total;
            h -= q * log(q);
        }
    if (perplexity) *perplexity = exp(h);
    if (used) *used = u;
}
