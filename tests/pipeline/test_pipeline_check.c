/* test_pipeline_check.c - what test_run.sh asks of an `archllm run` output folder beyond files
 * existing: generate/metrics.json is well-formed (records with every field, rates in
 * [0, 1], novelty null or in [0, 1], counts consistent), and the "archllm" record at the
 * full N equals genmetrics recomputed from generate/samples.jsonl with the training split
 * of the config.  usage: test_pipeline_check CONFIG OUTDIR [SETS...] */
#include "config.h"
#include "io/experiment.h"
#include "model/vqvae_run.h"
#include "search/genmetrics.h"
#include "nas/jsonl.h"
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

static double num(json_t *r, const char *k, int *ok)
{
    json_t *v = json_object_get(r, k);
    if (json_is_null(v)) return NAN;
    if (!json_is_number(v)) {
        *ok = 0;
        return NAN;
    }
    return json_number_value(v);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) {
        fprintf(stderr, "usage: test_pipeline_check CONFIG OUTDIR [key=value...]\n");
        return 2;
    }
    archllm_config cfg;
    CHECK(archllm_config_setup(&cfg, argv[1], (const char *const *)argv + 3, argc - 3) == ARCHLLM_OK, "config %s",
          argv[1]);
    char path[4096];
    snprintf(path, sizeof path, "%s/generate/metrics.json", argv[2]);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    CHECK(root != NULL, "%s parses (%s)", path, root ? "" : je.text);
    json_t *recs = root ? json_object_get(root, "records") : NULL;
    CHECK(json_is_array(recs) && json_array_size(recs) > 0, "records array");
    const char *fields[] = {"generated", "valid", "unique", "novel", "validity", "uniqueness", "novelty",
                            "valid_unique", "valid_unique_novel", "iid_unique_limit"};
    json_t *last_model = NULL;
    int n_methods[3] = {0};
    for (size_t i = 0; json_is_array(recs) && i < json_array_size(recs); i++) {
        json_t *r = json_array_get(recs, i);
        int ok = json_is_object(r);
        for (size_t k = 0; ok && k < sizeof fields / sizeof fields[0]; k++)
            if (!json_object_get(r, fields[k])) ok = 0;
        const char *m = json_string_value(json_object_get(r, "method"));
        ok = ok && m;
        double g = num(r, "generated", &ok), v = num(r, "valid", &ok), u = num(r, "unique", &ok);
        double nv = num(r, "novel", &ok);
        const char *rates[] = {"validity", "uniqueness", "valid_unique", "valid_unique_novel", "iid_unique_limit"};
        for (size_t k = 0; k < 5; k++) {
            double x = num(r, rates[k], &ok);
            /* uniqueness of zero valid cells is 0/0 */
            if (!(x >= 0 && x <= 1) && !(isnan(x) && v == 0)) ok = 0;
        }
        double nov = num(r, "novelty", &ok);
        if (!isnan(nov) && !(nov >= 0 && nov <= 1)) ok = 0;
        if (!(g >= v && v >= u && u >= nv && g > 0)) ok = 0;
        CHECK(ok, "record %zu (%s, N %.0f): fields present, rates in [0, 1], counts ordered", i, m ? m : "?", g);
        if (m && strcmp(m, "archllm") == 0) last_model = r, n_methods[0]++;
        if (m && strcmp(m, "uniform-space") == 0) n_methods[1]++;
        if (m && strcmp(m, "continuous-latent") == 0) n_methods[2]++;
    }
    CHECK(n_methods[0] > 0 && n_methods[1] == n_methods[0] && n_methods[2] == n_methods[0],
          "archllm, uniform-space and continuous-latent records at the same N (%d, %d, %d)", n_methods[0],
          n_methods[1], n_methods[2]);

    /* recompute the model's metrics from the written cells */
    archllm_dataset d;
    archllm_split split;
    archllm_cell *cells = NULL;
    archllm_hashset *train = NULL;
    archllm_status s = archllm_vqvae_data(&cfg, &d, &split, &cells);
    CHECK(s == ARCHLLM_OK, "experiment data");
    if (s == ARCHLLM_OK) {
        s = archllm_train_set_from_cells(&train, archllm_vqvae_space(&cfg), cells, split.train, split.n_train);
        archllm_dataset_free(&d);
    }
    snprintf(path, sizeof path, "%s/generate/samples.jsonl", argv[2]);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "%s opens", path);
    size_t n = 0, cap = 1024, bad = 0;
    archllm_cell *gen = malloc(cap * sizeof *gen);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while (f && gen && (len = getline(&line, &lcap, f)) > 0) {
        if (n == cap) gen = realloc(gen, (cap *= 2) * sizeof *gen);
        if (!gen) break;
        memset(&gen[n], 0, sizeof gen[n]); /* nv 0: not a cell of any space */
        if (strstr(line, "\"valid\": true")) {
            archllm_cell_record rec;
            if (archllm_jsonl_parse_cell(&rec, line, (size_t)len) == ARCHLLM_OK) gen[n] = rec.cell;
            else bad++;
        } else if (!strstr(line, "\"valid\": false")) bad++;
        n++;
    }
    free(line);
    if (f) fclose(f);
    CHECK(bad == 0, "every line of samples.jsonl parses (%zu bad)", bad);
    archllm_genmetrics m;
    memset(&m, 0, sizeof m);
    s = gen && train ? archllm_genmetrics_compute(&m, archllm_vqvae_space(&cfg), gen, n, train, NULL) : ARCHLLM_EINVAL;
    CHECK(s == ARCHLLM_OK, "genmetrics over %zu written cells", n);
    if (last_model && s == ARCHLLM_OK) {
        int ok = 1;
        double g = num(last_model, "generated", &ok), v = num(last_model, "valid", &ok);
        double u = num(last_model, "unique", &ok), nv = num(last_model, "novel", &ok);
        CHECK(ok && g == (double)m.generated && v == (double)m.valid && u == (double)m.unique && nv == (double)m.novel,
              "metrics.json (N %.0f: valid %.0f, unique %.0f, novel %.0f) = genmetrics of samples.jsonl (N %zu: %zu, "
              "%zu, %zu)",
              g, v, u, nv, m.generated, m.valid, m.unique, m.novel);
        double vu = num(last_model, "valid_unique", &ok);
        CHECK(fabs(vu - m.valid_unique) < 1e-6, "valid_unique %.6f = %.6f", vu, m.valid_unique);
    }
    free(gen);
    free(cells);
    archllm_split_free(&split);
    archllm_hashset_free(train);
    if (root) json_decref(root);
    return test_finish();
}
