/* test_config.c - the experiment config (src/io/experiment.c, read by the
 * engine in src/io/cfg_engine.c): exact error messages with
 * line numbers for each fixture in tests/io/, --set overrides, print -> load round trips,
 * ints accepted as floats, the stage each key is read by, the shipped conf/default.cfg,
 * and conf/README.md in step with the schema.  Needs no OpenCL device. */
#include "io/experiment.h"
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static char srcdir[1024];

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                    \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
        }                                                                  \
    } while (0)

static const char *fixture(const char *name)
{
    static char buf[4][1200];
    static int next;
    char *b = buf[next++ % 4];
    snprintf(b, sizeof buf[0], "%s/%s", srcdir, name);
    return b;
}

/* Load a fixture over the defaults; expect ECONFIG and "<path>:<rest>". */
static void expect_load_error(const char *name, const char *rest)
{
    archllm_config cfg;
    archllm_config_defaults(&cfg);
    const char *path = fixture(name);
    archllm_status s = archllm_config_load(&cfg, path);
    char want[2048];
    snprintf(want, sizeof want, "%s:%s", path, rest);
    CHECK(s == ARCHLLM_ECONFIG, "%s: status %s", name, archllm_status_string(s));
    CHECK(strcmp(archllm_last_error(), want) == 0, "%s:\n  got  '%s'\n  want '%s'", name,
          archllm_last_error(), want);
}

static int first_difference(const archllm_cfg_schema *sc, const void *a, const void *b)
{
    for (int i = 0; i < sc->count; i++)
        if (!archllm_cfg_equal(&sc->keys[i], a, b)) return i;
    return -1;
}

static void expect_set_error(archllm_config *cfg, const char *assignment, const char *want)
{
    archllm_config before = *cfg;
    archllm_status s = archllm_config_set(cfg, assignment);
    CHECK(s == ARCHLLM_ECONFIG, "--set %s: status %s", assignment, archllm_status_string(s));
    CHECK(strcmp(archllm_last_error(), want) == 0, "--set %s:\n  got  '%s'\n  want '%s'",
          assignment, archllm_last_error(), want);
    CHECK(first_difference(&archllm_config_schema, &before, cfg) < 0, "--set %s changed the config",
          assignment);
}

static void test_errors(void)
{
    expect_load_error("tests/io/bad_syntax.cfg", "4: syntax error");
    expect_load_error("tests/io/unknown_key.cfg",
                      "5: bench.repaet: unknown key (did you mean 'bench.repeat'?)");
    expect_load_error("tests/io/unknown_group.cfg", "3: search_party: unknown group");
    expect_load_error("tests/io/wrong_type.cfg", "4: bench.repeat: expected an int");
    expect_load_error("tests/io/out_of_range.cfg", "3: bench.repeat: 0 is out of range [1, 1000]");
    expect_load_error("tests/io/bad_list.cfg",
                      "5: bench.gemm_sizes[2]: 0 is out of range [1, 16384]");
    expect_load_error("tests/io/wrapped_int.cfg",
                      "3: experiment.seed: 5000000000 does not fit in 32 bits; write 5000000000L");

    archllm_config cfg;
    archllm_config_defaults(&cfg);
    const char *missing = fixture("tests/io/no-such-file.cfg");
    char want[1400];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
    CHECK(archllm_config_load(&cfg, missing) == ARCHLLM_ECONFIG, "missing file");
    CHECK(strcmp(archllm_last_error(), want) == 0, "missing file: '%s'", archllm_last_error());
}

static void test_defaults_and_files(void)
{
    const archllm_cfg_schema *sc = &archllm_config_schema;
    archllm_config def, good, cfg;
    CHECK(archllm_config_defaults(&def) == ARCHLLM_OK, "defaults: %s", archllm_last_error());
    CHECK(def.bench.gemm_sizes.n == 5 && def.bench.gemm_sizes.v[4] == 2048, "default sizes");
    CHECK(def.bench.repeat == 5 && !def.bench.batched, "default bench");
    CHECK(strcmp(def.experiment.name, "default") == 0 && def.device.selector[0] == '\0',
          "default name/selector");
    char dir[ARCHLLM_CONFIG_PATH_MAX];
    CHECK(strcmp(archllm_config_output_dir(&def, dir, sizeof dir), "out/default") == 0,
          "output dir %s", dir);

    /* good.cfg sets every key to something other than its default */
    archllm_config_defaults(&good);
    CHECK(archllm_config_load(&good, fixture("tests/io/good.cfg")) == ARCHLLM_OK, "good.cfg: %s",
          archllm_last_error());
    for (int i = 0; i < sc->count; i++)
        CHECK(!archllm_cfg_equal(&sc->keys[i], &def, &good),
              "tests/io/good.cfg leaves %s at its default", sc->keys[i].path);
    CHECK(good.experiment.seed == 5000000000LL, "int64 seed %lld", (long long)good.experiment.seed);
    CHECK(good.bench.gemm_sizes.n == 3 && good.bench.gemm_sizes.v[2] == 4096, "list ( )");
    CHECK(strcmp(archllm_config_output_dir(&good, dir, sizeof dir), "/tmp/archllm out") == 0,
          "output dir %s", dir);

    /* conf/default.cfg sets every key (loading it over good.cfg gives the defaults) */
    cfg = good;
    CHECK(archllm_config_load(&cfg, fixture("conf/default.cfg")) == ARCHLLM_OK,
          "default.cfg: %s", archllm_last_error());
    int d = first_difference(sc, &cfg, &def);
    CHECK(d < 0, "conf/default.cfg: %s is missing or not the default", d < 0 ? "" : sc->keys[d].path);

    /* print -> load round trip, also for strings that need escapes */
    const char *out = "test_config_roundtrip.cfg";
    CHECK(archllm_config_set(&good, "experiment.output_dir=\"a \\\"q\\\" \\\\ \\t\\x01 é\"") ==
              ARCHLLM_OK, "set escaped: %s", archllm_last_error());
    CHECK(strcmp(good.experiment.output_dir, "a \"q\" \\ \t\x01 é") == 0, "unescaped '%s'",
          good.experiment.output_dir);
    archllm_config *objs[2] = {&def, &good};
    for (int j = 0; j < 2; j++) {
        FILE *f = fopen(out, "w");
        CHECK(f != NULL, "cannot write %s", out);
        if (!f) return;
        CHECK(archllm_config_print(f, objs[j]) == ARCHLLM_OK, "print");
        fclose(f);
        archllm_config back;
        archllm_config_defaults(&back);
        if (j == 0) back = good; /* every key must be printed */
        CHECK(archllm_config_load(&back, out) == ARCHLLM_OK, "round trip %d: %s", j,
              archllm_last_error());
        d = first_difference(sc, &back, objs[j]);
        CHECK(d < 0, "round trip %d: %s differs", j, d < 0 ? "" : sc->keys[d].path);
    }
    remove(out);
}

static void test_set(void)
{
    archllm_config cfg;
    archllm_config_defaults(&cfg);
    CHECK(archllm_config_set(&cfg, "bench.repeat=7") == ARCHLLM_OK && cfg.bench.repeat == 7, "repeat");
    CHECK(archllm_config_set(&cfg, "bench.gemm_sizes=64,128") == ARCHLLM_OK &&
              cfg.bench.gemm_sizes.n == 2 && cfg.bench.gemm_sizes.v[1] == 128, "sizes a,b");
    CHECK(archllm_config_set(&cfg, "bench.gemm_sizes=[ 32 , 48 , 0x40 ]") == ARCHLLM_OK &&
              cfg.bench.gemm_sizes.n == 3 && cfg.bench.gemm_sizes.v[2] == 64, "sizes [a, b]");
    CHECK(archllm_config_set(&cfg, "bench.batched=TRUE") == ARCHLLM_OK && cfg.bench.batched, "bool");
    CHECK(archllm_config_set(&cfg, "experiment.seed=5000000000") == ARCHLLM_OK &&
              cfg.experiment.seed == 5000000000LL, "seed");
    CHECK(archllm_config_set(&cfg, "experiment.name=run-2") == ARCHLLM_OK &&
              strcmp(cfg.experiment.name, "run-2") == 0, "name");
    CHECK(archllm_config_set(&cfg, "device.selector=NVIDIA") == ARCHLLM_OK &&
              strcmp(cfg.device.selector, "NVIDIA") == 0, "selector");
    CHECK(archllm_config_set(&cfg, "device.selector=") == ARCHLLM_OK && !cfg.device.selector[0],
          "empty selector");

    expect_set_error(&cfg, "bench.repeat=abc", "--set bench.repeat=abc: bench.repeat: expected an int");
    expect_set_error(&cfg, "bench.repeat=1001",
                     "--set bench.repeat=1001: bench.repeat: 1001 is out of range [1, 1000]");
    expect_set_error(&cfg, "bench.repeat=", "--set bench.repeat=: bench.repeat: expected an int");
    expect_set_error(&cfg, "bench.batched=yes",
                     "--set bench.batched=yes: bench.batched: expected a bool (true or false)");
    expect_set_error(&cfg, "bench.gemm_sizes=64,x",
                     "--set bench.gemm_sizes=64,x: bench.gemm_sizes[1]: expected an int");
    expect_set_error(&cfg, "bench.gemm_sizes=[]",
                     "--set bench.gemm_sizes=[]: bench.gemm_sizes: must not be empty");
    expect_set_error(&cfg, "experiment.seed=-1",
                     "--set experiment.seed=-1: experiment.seed: -1 is out of range (must be >= 0)");
    expect_set_error(&cfg, "experiment.name=a/b",
                     "--set experiment.name=a/b: experiment.name: must contain only letters, "
                     "digits, '.', '_' and '-'");
    expect_set_error(&cfg, "experiment.name=", "--set experiment.name=: experiment.name: must not be empty");
    expect_set_error(&cfg, "bench.nope=1", "--set bench.nope=1: bench.nope: unknown key");
    expect_set_error(&cfg, "repeat=1",
                     "--set repeat=1: repeat: unknown key (did you mean 'bench.repeat'?)");
    expect_set_error(&cfg, "bench=1", "--set bench=1: bench: is a group; set one of its keys");
    expect_set_error(&cfg, "bench.repeat", "--set bench.repeat: expected key=value");

    const char *sets[] = {"bench.repeat=2", "bench.batched=true"};
    CHECK(archllm_config_setup(&cfg, fixture("tests/io/good.cfg"), sets, 2) == ARCHLLM_OK &&
              cfg.bench.repeat == 2 && cfg.bench.gemm_sizes.n == 3, "setup");

    /* device precedence: --device > ARCHLLM_DEVICE > config > automatic (NULL) */
    CHECK(strcmp(archllm_config_device_selector(&cfg, "1:0", "pthread"), "1:0") == 0, "option wins");
    CHECK(strcmp(archllm_config_device_selector(&cfg, "", "pthread"), "pthread") == 0, "env next");
    CHECK(strcmp(archllm_config_device_selector(&cfg, NULL, NULL), "0:1") == 0, "config next");
    archllm_config_defaults(&cfg);
    CHECK(archllm_config_device_selector(&cfg, NULL, "") == NULL, "automatic");
    CHECK(archllm_config_device_selector(NULL, NULL, NULL) == NULL, "no config");
}

/* A schema only for this test: floats, enums, int64 and nested groups, which the
 * experiment config has no key of yet. */
typedef struct {
    double  lr;
    int     mode;
    int64_t steps;
    int     layers;
} test_obj;

static const char *const modes[] = {"constant", "cosine", NULL};
static const archllm_cfg_key test_keys[] = {
    {"train.lr", ARCHLLM_CFG_FLOAT, offsetof(test_obj, lr), sizeof(double), "3e-4", 0, 0, 0.0, 1.0,
     ARCHLLM_CFG_MIN_OPEN, NULL, NULL, "learning rate", NULL},
    {"train.mode", ARCHLLM_CFG_ENUM, offsetof(test_obj, mode), sizeof(int), "constant", 0, 0, 0, 0,
     0, modes, NULL, "schedule", NULL},
    {"train.steps", ARCHLLM_CFG_INT64, offsetof(test_obj, steps), sizeof(int64_t), "10", 1,
     INT64_MAX, 0, 0, 0, NULL, NULL, "steps", NULL},
    {"net.enc.layers", ARCHLLM_CFG_INT, offsetof(test_obj, layers), sizeof(int), "2", 1, 64, 0, 0,
     0, NULL, NULL, "encoder layers", NULL},
};
static const archllm_cfg_schema test_schema = {test_keys, 4};

static void test_other_types(void)
{
    test_obj o, back;
    CHECK(archllm_cfg_defaults(&test_schema, &o) == ARCHLLM_OK, "test defaults");
    CHECK(o.lr == 3e-4 && o.mode == 0 && o.steps == 10 && o.layers == 2, "test defaults values");
    CHECK(archllm_cfg_load(&test_schema, &o, fixture("tests/io/float_schema.cfg")) == ARCHLLM_OK,
          "float_schema.cfg: %s", archllm_last_error());
    CHECK(o.lr == 1.0, "int accepted as float: %g", o.lr);
    CHECK(o.mode == 1 && o.steps == 4000000000LL && o.layers == 6, "enum/int64/nested");

    CHECK(archllm_cfg_set(&test_schema, &o, "train.lr=2") == ARCHLLM_ECONFIG &&
              strcmp(archllm_last_error(), "--set train.lr=2: train.lr: 2 is out of range (0, 1]") == 0,
          "'%s'", archllm_last_error());
    CHECK(archllm_cfg_set(&test_schema, &o, "train.lr=0") == ARCHLLM_ECONFIG, "open min");
    CHECK(archllm_cfg_set(&test_schema, &o, "train.lr=abc") == ARCHLLM_ECONFIG &&
              strcmp(archllm_last_error(), "--set train.lr=abc: train.lr: expected a float") == 0,
          "'%s'", archllm_last_error());
    CHECK(archllm_cfg_set(&test_schema, &o, "train.lr=nan") == ARCHLLM_ECONFIG, "nan");
    CHECK(archllm_cfg_set(&test_schema, &o, "train.mode=linear") == ARCHLLM_ECONFIG &&
              strcmp(archllm_last_error(),
                     "--set train.mode=linear: train.mode: expected one of \"constant\", \"cosine\"") == 0,
          "'%s'", archllm_last_error());
    CHECK(archllm_cfg_set(&test_schema, &o, "train.lr=0.1") == ARCHLLM_OK && o.lr == 0.1, "0.1");
    CHECK(archllm_cfg_set(&test_schema, &o, "net.enc.layers=9") == ARCHLLM_OK && o.layers == 9,
          "nested set");

    const char *out = "test_config_schema_roundtrip.cfg";
    double lrs[] = {0.1, 1.0, 3e-4, 1e-300, 0.30000000000000004};
    for (int i = 0; i < 5; i++) {
        o.lr = lrs[i];
        FILE *f = fopen(out, "w");
        if (!f) { CHECK(0, "cannot write %s", out); return; }
        archllm_cfg_print(&test_schema, f, &o);
        fclose(f);
        archllm_cfg_defaults(&test_schema, &back);
        CHECK(archllm_cfg_load(&test_schema, &back, out) == ARCHLLM_OK, "schema round trip: %s",
              archllm_last_error());
        int d = first_difference(&test_schema, &o, &back);
        CHECK(d < 0, "schema round trip lr=%.17g: %s differs (lr %.17g)", o.lr,
              d < 0 ? "" : test_keys[d].path, back.lr);
    }
    remove(out);
}

static void test_schema_table(void)
{
    const archllm_cfg_schema *sc = &archllm_config_schema;
    /* rows of a group stay together (the printer relies on it) and paths are unique */
    for (int i = 0; i < sc->count; i++) {
        const char *pi = sc->keys[i].path, *di = strrchr(pi, '.');
        CHECK(di != NULL, "%s: keys live in groups", pi);
        CHECK(sc->keys[i].doc && sc->keys[i].doc[0], "%s: no doc", pi);
        for (int j = i + 1; j < sc->count; j++) {
            CHECK(strcmp(pi, sc->keys[j].path) != 0, "%s: twice", pi);
            const char *pj = sc->keys[j].path, *dj = strrchr(pj, '.');
            bool same = di && dj && di - pi == dj - pj && strncmp(pi, pj, (size_t)(di - pi)) == 0;
            if (same && j > i + 1) {
                const char *pm = sc->keys[j - 1].path, *dm = strrchr(pm, '.');
                bool mid_same = dm && dm - pm == di - pi && strncmp(pi, pm, (size_t)(di - pi)) == 0;
                CHECK(mid_same, "%s and %s: rows of a group must be adjacent", pi, pj);
            }
        }
    }
}

/* Every key names the stage of `archllm run` whose results depend on it, or none; spot
 * checks of the mapping that `archllm run` uses to tell stale results. */
static void test_stages(void)
{
    static const char *const stages[] = {"dataset", "vqvae", "encode", "lm", "generate", "search"};
    const archllm_cfg_schema *sc = &archllm_config_schema;
    for (int i = 0; i < sc->count; i++) {
        const char *st = sc->keys[i].stage;
        bool known = st == NULL;
        for (size_t j = 0; j < sizeof stages / sizeof stages[0] && !known; j++) known = strcmp(st, stages[j]) == 0;
        CHECK(known, "%s: stage '%s' is not a stage of archllm run", sc->keys[i].path, st ? st : "");
    }
    static const struct {
        const char *path, *stage;
    } want[] = {
        {"vqvae.codebook_size", "vqvae"}, {"lm.data", "encode"},            {"lm.temperature", "generate"},
        {"experiment.name", NULL},        {"vqvae.log_every", NULL},        {"data.space", "dataset"},
        {"data.train_fraction", "vqvae"}, {"experiment.seed", "dataset"},   {"lm.d_model", "lm"},
        {"lm.constrained", NULL},         {"search.datasets", NULL},        {"search.queries", "search"},
        {"lm.checkpoint_every", NULL},    {"data.cells_ops", "dataset"},    {"device.selector", NULL},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const archllm_cfg_key *k = archllm_cfg_find(sc, want[i].path);
        CHECK(k != NULL, "%s: no such key", want[i].path);
        if (!k) continue;
        bool same = want[i].stage ? k->stage && strcmp(k->stage, want[i].stage) == 0 : k->stage == NULL;
        CHECK(same, "%s: read by '%s', want '%s'", want[i].path, k->stage ? k->stage : "(none)",
              want[i].stage ? want[i].stage : "(none)");
    }
}

/* conf/README.md holds `archllm config --keys` between two markers, exactly. */
static void test_readme(void)
{
    const char *path = fixture("conf/README.md");
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    if (!f) return;
    static char text[1 << 16];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    const char *begin_mark = "<!-- keys: begin -->\n", *end_mark = "<!-- keys: end -->";
    char *b = strstr(text, begin_mark), *e = strstr(text, end_mark);
    CHECK(b && e && b < e, "conf/README.md lacks the markers %s / %s", begin_mark, end_mark);
    if (!b || !e || b > e) return;
    b += strlen(begin_mark);
    *e = '\0';

    char *doc = NULL;
    size_t doclen = 0;
    FILE *m = open_memstream(&doc, &doclen);
    archllm_cfg_print_doc(&archllm_config_schema, m);
    fclose(m);
    for (int i = 0; i < archllm_config_schema.count; i++) {
        char want[300];
        snprintf(want, sizeof want, "`%s`", archllm_config_schema.keys[i].path);
        CHECK(strstr(b, want) != NULL, "conf/README.md does not document %s", want);
    }
    CHECK(strcmp(b, doc) == 0,
          "conf/README.md's key table is out of date; replace the lines between the markers "
          "with the output of `./archllm config --keys`:\n%s", doc);
    free(doc);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *s = getenv("ARCHLLM_SRCDIR");
    snprintf(srcdir, sizeof srcdir, "%s", s && s[0] ? s : ".");
    test_errors();
    test_defaults_and_files();
    test_set();
    test_other_types();
    test_schema_table();
    test_stages();
    test_readme();
    printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
