/* cmd_train_vqvae.c - `archllm train-vqvae CONFIG`: train the VQ-VAE on the configured
 * search space.  One progress line every vqvae.log_every steps, held-out evaluation
 * every vqvae.eval_every steps, atomic checkpoints (with optimizer and RNG state) every
 * vqvae.checkpoint_every steps, at the end and on Ctrl-C; --resume continues from the
 * checkpoint and draws the same batches, so the next losses are those of an
 * uninterrupted run.  At the end the held-out metrics go to vqvae-metrics.json. */
#include "config.h"
#include "cli/cli.h"
#include "model/vqvae_run.h"
#include "search/genmetrics.h"
#include "util/fileio.h"
#include "util/clock.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;
static void on_sigint(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* linear warm-up, then cosine from lr to min_lr at the last step */
static float lr_at(const archllm_config_vqvae *v, int step)
{
    if (step < v->warmup_steps) return (float)(v->lr * (step + 1) / v->warmup_steps);
    double span = v->steps - v->warmup_steps;
    double t = span > 0 ? (step - v->warmup_steps) / span : 1.0;
    return (float)(v->min_lr + 0.5 * (v->lr - v->min_lr) * (1.0 + cos(M_PI * t)));
}

/* The training order: epoch e is the train split shuffled by an RNG seeded with
 * (experiment.seed, e), so the step number alone says which batch comes next. */
static void epoch_order(uint32_t *order, const archllm_split *sp, uint64_t seed, int epoch)
{
    archllm_rng r;
    archllm_rng_seed(&r, seed, 0x2002 + (uint64_t)epoch);
    memcpy(order, sp->train, sp->n_train * sizeof *order);
    archllm_rng_shuffle(&r, order, sp->n_train);
}

/* n indexes spread evenly over list[0..len) (the split lists are sorted, and the
 * space's order groups small cells first: a prefix would be a biased sample) */
static uint32_t *spread(const uint32_t *list, size_t len, size_t n)
{
    uint32_t *out = malloc((n ? n : 1) * sizeof *out);
    for (size_t i = 0; out && i < n; i++) out[i] = list[(size_t)((double)i * (double)len / (double)n)];
    return out;
}

static void fmt_eta(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || s > 1e7) snprintf(buf, cap, "?");
    else if (s >= 3600) snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
}

static void print_eval(const char *what, int step, const archllm_vqvae_eval *ev, int K)
{
    const archllm_vqvae_stats *s = &ev->sum;
    printf("eval %s step %d | %d cells | exact %.2f%% | op acc %.4f | edge acc %.4f | loss %.4f | codes %d/%d "
           "ppl %.1f\n",
           what, step, s->graphs, s->graphs ? 100.0 * s->graphs_ok / s->graphs : 0.0,
           s->nodes ? s->nodes_ok / s->nodes : 0.0, s->pairs ? s->pairs_ok / s->pairs : 0.0, s->loss, ev->used, K,
           ev->perplexity);
    fflush(stdout);
}

static archllm_status write_metrics(const char *path, const archllm_config *cfg, int step,
                                    const archllm_vqvae_eval *test, const archllm_vqvae_eval *train,
                                    double graphs_per_s, int K)
{
    archllm_atomic_file af;
    ARCHLLM_TRY(archllm_atomic_open(&af, path));
    FILE *f = af.f;
    fprintf(f, "{\n  \"space\": \"%s\",\n  \"step\": %d,\n  \"codebook_size\": %d,\n",
            archllm_space_name(archllm_vqvae_space(cfg)), step, K);
    const archllm_vqvae_eval *evs[2] = {test, train};
    const char *names[2] = {"held_out", "train_sample"};
    for (int i = 0; i < 2; i++) {
        const archllm_vqvae_stats *s = &evs[i]->sum;
        fprintf(f,
                "  \"%s\": {\"cells\": %d, \"exact_reconstruction\": %.6f, \"op_accuracy\": %.6f, "
                "\"edge_accuracy\": %.6f, \"loss\": %.6f, \"loss_op\": %.6f, \"loss_adj\": %.6f, "
                "\"loss_vq\": %.6f, \"codes_used\": %d, \"perplexity\": %.3f},\n",
                names[i], s->graphs, s->graphs ? (double)s->graphs_ok / s->graphs : 0.0,
                s->nodes ? s->nodes_ok / s->nodes : 0.0, s->pairs ? s->pairs_ok / s->pairs : 0.0, s->loss,
                s->loss_op, s->loss_adj, s->loss_vq, evs[i]->used, evs[i]->perplexity);
    }
    fprintf(f, "  \"train_graphs_per_s\": %.1f\n}\n", graphs_per_s);
    return archllm_atomic_commit(&af);
}

int cmd_train_vqvae(int argc, char **argv)
{
    cli_config_opts co = {0};
    const char *device = NULL;
    int resume = 0, stop_after = -1, interrupted = 0;
    static const struct option longopts[] = {CLI_CONFIG_LONG_OPTIONS,
                                             {"device", required_argument, NULL, 'd'},
                                             {"resume", no_argument, NULL, 'r'},
                                             {"stop-after", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "d:rs:h", longopts, NULL)) != -1) {
        int r = cli_config_option(&co, c, optarg);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        switch (c) {
        case 'd': device = optarg; break;
        case 'r': resume = 1; break;
        case 's': stop_after = atoi(optarg); break;
        case 'h': return cli_usage("train-vqvae", CLI_EXIT_OK);
        default: return cli_usage("train-vqvae", CLI_EXIT_USAGE);
        }
    }
    int pos = cli_config_positional(&co, argc, argv, "train-vqvae");
    if (pos != CLI_EXIT_OK) return pos;

    archllm_config cfg;
    int rc = cli_config_load(&cfg, &co);
    if (rc != CLI_EXIT_OK) return rc;
    const archllm_config_vqvae *v = &cfg.vqvae;
    char dir[ARCHLLM_CONFIG_PATH_MAX + 64], ckpt[ARCHLLM_CONFIG_PATH_MAX + 128], metrics[ARCHLLM_CONFIG_PATH_MAX + 128];
    archllm_config_output_dir(&cfg, dir, sizeof dir);
    if ((rc = cli_lock_output(dir, "train-vqvae")) != CLI_EXIT_OK) return rc;
    setvbuf(stdout, NULL, _IOLBF, 0);

    archllm_dataset data;
    archllm_split split;
    archllm_status s = archllm_vqvae_data(&cfg, &data, &split, NULL);
    if (s != ARCHLLM_OK) return cli_status(s, "train-vqvae: data");
    archllm_ctx_t *ctx = NULL;
    rc = cli_open_ctx(&ctx, device, &cfg);
    if (rc != CLI_EXIT_OK) {
        archllm_dataset_free(&data);
        archllm_split_free(&split);
        return rc;
    }
    archllm_vqvae_params hp = archllm_vqvae_params_from_config(&cfg);
    int B = v->batch_size;
    if ((size_t)B > split.n_train) B = hp.max_batch = (int)split.n_train;
    int K = hp.codebook_size;
    archllm_rng init_rng;
    archllm_rng_seed(&init_rng, (uint64_t)cfg.experiment.seed, 0x1001);
    archllm_vqvae model;
    s = archllm_vqvae_init(&model, ctx, &hp, &init_rng);
    archllm_vqvae_ckpt_path(&cfg, ckpt, sizeof ckpt);
    snprintf(metrics, sizeof metrics, "%s/vqvae-metrics.json", dir);
    if (s == ARCHLLM_OK) s = archllm_mkdirs(dir);
    if (s == ARCHLLM_OK && resume) {
        struct stat sb;
        if (stat(ckpt, &sb) == 0) {
            s = archllm_vqvae_restore(&model, ckpt, NULL);
            if (s == ARCHLLM_OK) printf("resumed from %s at step %d\n", ckpt, model.params.step);
        } else {
            printf("no checkpoint at %s: starting afresh\n", ckpt);
        }
    }
    size_t spe = split.n_train / (size_t)B; /* steps per epoch; the last partial batch is dropped */
    uint32_t *order = malloc(split.n_train * sizeof *order);
    float *win_counts = calloc((size_t)K, sizeof(float)), *ev_counts = calloc((size_t)K, sizeof(float));
    if (s == ARCHLLM_OK && !(order && win_counts && ev_counts)) s = archllm_fail(ARCHLLM_ENOMEM, "train-vqvae");
    if (s != ARCHLLM_OK) goto done;

    printf("train-vqvae: %s, %zu cells (%zu train, %zu held out), %d params, batch %d, %zu steps/epoch, "
           "%d steps, device %s\n",
           archllm_space_name(archllm_vqvae_space(&cfg)), data.n, split.n_train, split.n_test, (int)model.params.total, B,
           spe, v->steps, ctx->info.name);
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    int step = model.params.step, cur_epoch = -1;
    double t_win = archllm_now_s(), t_start = t_win, graphs_total = 0.0;
    int win_steps = 0, win_graphs = 0;
    archllm_vqvae_stats acc = {0};
    archllm_adamw_params ap = {0};
    ap.beta1 = 0.9f;
    ap.beta2 = 0.999f;
    ap.eps = 1e-8f;
    ap.weight_decay = (float)v->weight_decay;
    ap.max_norm = (float)v->max_grad_norm;
    while (step < v->steps) {
        size_t j = (size_t)step % spe;
        int epoch = (int)((size_t)step / spe);
        if (epoch != cur_epoch) {
            epoch_order(order, &split, (uint64_t)cfg.experiment.seed, epoch);
            cur_epoch = epoch;
        }
        archllm_vqvae_stats st;
        float gnorm = 0.0f;
        s = archllm_vqvae_load(&model, &data, order + j * (size_t)B, B);
        if (s == ARCHLLM_OK) s = archllm_vqvae_forward(&model, 1, &st);
        if (s == ARCHLLM_OK) s = archllm_params_zero_grad(ctx, &model.params);
        if (s == ARCHLLM_OK) s = archllm_vqvae_backward(&model);
        ap.lr = lr_at(v, step);
        if (s == ARCHLLM_OK) s = archllm_vqvae_update(&model, &ap, &gnorm);
        if (s != ARCHLLM_OK) break;
        step++;
        if (!isfinite(st.loss)) {
            s = archllm_fail(ARCHLLM_EINVAL, "loss is %g at step %d", st.loss, step);
            break;
        }
        for (int k = 0; k < K; k++) win_counts[k] += model.h_counts[k];
        acc.loss += st.loss, acc.loss_op += st.loss_op, acc.loss_adj += st.loss_adj, acc.loss_vq += st.loss_vq;
        acc.graphs_ok += st.graphs_ok;
        win_steps++;
        win_graphs += B;
        graphs_total += B;
        if (step % v->log_every == 0 || step == v->steps) {
            double t = archllm_now_s(), gps = win_graphs / (t - t_win);
            double ppl;
            int used;
            archllm_vqvae_usage(win_counts, K, &ppl, &used);
            char eta[32];
            fmt_eta(eta, sizeof eta, (v->steps - step) * (double)B / gps);
            /* the loss line carries full precision: the resume test compares it */
            printf("step %d/%d | loss %.6f (op %.6f adj %.6f vq %.6f) | recon %.2f%% | codes %d/%d ppl %.1f | "
                   "lr %.2e | gnorm %.3f | %.0f graphs/s | ETA %s\n",
                   step, v->steps, acc.loss / win_steps, acc.loss_op / win_steps, acc.loss_adj / win_steps,
                   acc.loss_vq / win_steps, 100.0 * acc.graphs_ok / win_graphs, used, K, ppl, ap.lr, gnorm, gps,
                   eta);
            memset(&acc, 0, sizeof acc);
            memset(win_counts, 0, (size_t)K * sizeof(float));
            win_steps = win_graphs = 0;
            t_win = archllm_now_s();
        }
        if (v->eval_every > 0 && step % v->eval_every == 0 && step < v->steps) {
            size_t n = split.n_test;
            if (v->eval_limit > 0 && (size_t)v->eval_limit < n) n = (size_t)v->eval_limit;
            archllm_vqvae_eval ev;
            memset(ev_counts, 0, (size_t)K * sizeof(float));
            uint32_t *sample = spread(split.test, split.n_test, n);
            s = sample ? archllm_vqvae_evaluate(&model, &data, sample, n, &ev, ev_counts)
                       : archllm_fail(ARCHLLM_ENOMEM, "eval sample");
            free(sample);
            if (s != ARCHLLM_OK) break;
            print_eval("held-out", step, &ev, K);
            t_win = archllm_now_s();
        }
        int stop = stop_requested || (stop_after >= 0 && step >= stop_after);
        if ((v->checkpoint_every > 0 && step % v->checkpoint_every == 0) || stop) {
            s = archllm_vqvae_save(&model, ckpt, NULL);
            if (s != ARCHLLM_OK) break;
        }
        if (stop) {
            interrupted = 1;
            break;
        }
    }
    if (s == ARCHLLM_OK && interrupted) {
        printf("stopped at step %d; checkpoint %s; continue with --resume\n", step, ckpt);
        goto done;
    }
    if (s == ARCHLLM_OK) s = archllm_vqvae_save(&model, ckpt, NULL);
    if (s == ARCHLLM_OK) {
        double gps = graphs_total / (archllm_now_s() - t_start);
        archllm_vqvae_eval test, train;
        memset(ev_counts, 0, (size_t)K * sizeof(float));
        s = archllm_vqvae_evaluate(&model, &data, split.test, split.n_test, &test, ev_counts);
        if (s == ARCHLLM_OK) print_eval("held-out", step, &test, K);
        size_t ntr = split.n_train < split.n_test ? split.n_train : (split.n_test > 0 ? split.n_test : split.n_train);
        memset(ev_counts, 0, (size_t)K * sizeof(float));
        uint32_t *sample = spread(split.train, split.n_train, ntr);
        if (s == ARCHLLM_OK && !sample) s = archllm_fail(ARCHLLM_ENOMEM, "train sample");
        if (s == ARCHLLM_OK) s = archllm_vqvae_evaluate(&model, &data, sample, ntr, &train, ev_counts);
        free(sample);
        if (s == ARCHLLM_OK) print_eval("train", step, &train, K);
        if (s == ARCHLLM_OK) s = write_metrics(metrics, &cfg, step, &test, &train, gps, K);
        if (s == ARCHLLM_OK) printf("checkpoint %s\nmetrics %s\n", ckpt, metrics);
    }
done:
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    free(order);
    free(win_counts);
    free(ev_counts);
    if (model.ctx) archllm_vqvae_free(&model);
    archllm_ctx_free(ctx);
    archllm_dataset_free(&data);
    archllm_split_free(&split);
    if (s != ARCHLLM_OK) return cli_status(s, "train-vqvae");
    return interrupted && stop_after < 0 ? 130 : CLI_EXIT_OK;
}
