/* test_nas_readers.c - the file readers of src/nas on small inputs this test writes:
 * TFRecord framing (CRC32C check value, corrupted CRCs, every truncation), NB101 JSON
 * rows with base64 ModelMetrics protobufs (means at 108 epochs), JSONL cells (round
 * trips, malformed lines), padded dataset tensors and the saved split. */
#include "nas/dataset.h"
#include "nas/jsonl.h"
#include "nas/nb101.h"
#include "nas/nb101_data.h"
#include "nas/nb201.h"
#include "nas/tfrecord.h"
#include "testutil.h"
#include "nb101_record.h"

#include <math.h>
#include <unistd.h>

/* ---- building official-format records ---- */

static const char *inception_adj = "0111100000000100000010000001000001000000010000000";
static const char *inception_ops =
    "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,conv3x3-bn-relu,output";

static size_t row_json(char *out, size_t cap, const char *hash, int epochs, const char *adj, const char *ops,
                       int32_t params, double valid, double test)
{
    bytes m;
    char b64[2048];
    metrics(&m, params, valid, test);
    base64(b64, m.b, m.n);
    return (size_t)snprintf(out, cap, "[\"%s\", %d, \"%s\", \"%s\", \"%s\"]", hash, epochs, adj, ops, b64);
}

/* Writes the Inception cell's three real 108-epoch repeats (README spot values) plus a
 * 36-epoch record and a second cell; returns the file size. */
static long write_fixture(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    static const double v[3] = {0.9376001358, 0.9378004670, 0.9336938858};
    static const double t[3] = {0.9311898947, 0.9326922894, 0.9286859036};
    char row[4096];
    for (int r = 0; r < 3; r++) {
        size_t n = row_json(row, sizeof row, "28cfc7874f6d200472e1a9dcd8650aa0", 108, inception_adj, inception_ops,
                            2694282, v[r], t[r]);
        CHECK_OK(archllm_tfrecord_write(f, row, n));
        if (r == 0) {
            n = row_json(row, sizeof row, "28cfc7874f6d200472e1a9dcd8650aa0", 36, inception_adj, inception_ops, 2694282,
                         0.5, 0.5);
            CHECK_OK(archllm_tfrecord_write(f, row, n));
        }
    }
    size_t n = row_json(row, sizeof row, "043721b9c7fe8c5fad811d47d83132ec", 108, "0100", "input,output", 1000, 0.25,
                        0.125);
    CHECK_OK(archllm_tfrecord_write(f, row, n));
    long size = ftell(f);
    fclose(f);
    return size;
}

static archllm_status read_mem(archllm_nb101_data **d, const uint8_t *buf, size_t n)
{
    FILE *f = fmemopen((void *)buf, n ? n : 1, "rb");
    if (!f) return ARCHLLM_EIO;
    if (n == 0) fgetc(f); /* fmemopen needs a size > 0: read it away to make it empty */
    archllm_status s = archllm_nb101_data_read(d, f, "mem");
    fclose(f);
    return s;
}

static void test_tfrecord(const char *dir)
{
    CHECK(archllm_crc32c(0, "123456789", 9) == 0xE3069283u); /* the CRC-32C check value */
    char path[4096];
    snprintf(path, sizeof path, "%s/nb101_small.tfrecord", dir);
    long size = write_fixture(path);
    CHECK(size > 0);
    archllm_nb101_data *d = NULL;
    CHECK_OK(archllm_nb101_data_load(&d, path));
    if (d) {
        CHECK(archllm_nb101_data_count(d) == 2);
        const archllm_nb101_stats *s = archllm_nb101_data_find(d, "28cfc7874f6d200472e1a9dcd8650aa0");
        CHECK(s != NULL);
        if (s) {
            CHECK(s->repeats == 3 && s->trainable_parameters == 2694282);
            CHECK(fabs(s->mean_validation - 0.936365) < 1e-6);
            CHECK(fabs(s->mean_test - 0.930856) < 1e-6);
            char h[33];
            CHECK_OK(archllm_nb101_hash(h, &s->cell));
            CHECK(strcmp(h, "28cfc7874f6d200472e1a9dcd8650aa0") == 0);
        }
        s = archllm_nb101_data_find(d, "043721b9c7fe8c5fad811d47d83132ec");
        CHECK(s && s->repeats == 1 && s->mean_validation == 0.25 && s->mean_test == 0.125);
        CHECK(archllm_nb101_data_find(d, "00000000000000000000000000000000") == NULL);
        CHECK(archllm_nb101_data_find(d, "nothex") == NULL);
        archllm_nb101_data_free(d);
    }

    /* whole file in memory, then every truncation and every single-byte corruption */
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 16], bad[1 << 16];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f) fclose(f);
    CHECK(n == (size_t)size);
    CHECK_OK(read_mem(&d, buf, 0)); /* empty file: no records, not an error */
    if (d) {
        CHECK(archllm_nb101_data_count(d) == 0);
        archllm_nb101_data_free(d);
    }
    /* record boundaries: only there is a cut a clean end of file */
    size_t bounds[8], nb = 0, off = 0;
    while (off < n && nb < 8) {
        uint64_t len;
        memcpy(&len, buf + off, 8);
        off += 16 + len;
        bounds[nb++] = off;
    }
    CHECK(nb == 5 && off == n);
    for (size_t cut = 1; cut < n; cut++) {
        int boundary = 0;
        for (size_t k = 0; k < nb; k++) boundary |= bounds[k] == cut;
        archllm_error_clear();
        archllm_status s = read_mem(&d, buf, cut);
        if (boundary) {
            CHECK(s == ARCHLLM_OK);
        } else {
            CHECK(s == ARCHLLM_EFORMAT && strstr(archllm_last_error(), "truncated"));
            CHECK(d == NULL);
        }
        archllm_nb101_data_free(d);
        d = NULL;
    }
    for (size_t i = 0; i < n; i += 3) {
        memcpy(bad, buf, n);
        bad[i] ^= 0x20;
        CHECK_FAILS(read_mem(&d, bad, n)); /* a CRC catches every single-byte change */
        CHECK(d == NULL);
    }
    /* a length field with a valid CRC but absurd size */
    uint8_t head[16] = {0};
    uint64_t big = (uint64_t)1 << 40;
    memcpy(head, &big, 8);
    uint32_t c = archllm_tfrecord_mask(archllm_crc32c(0, head, 8));
    memcpy(head + 8, &c, 4);
    CHECK_FAILS(read_mem(&d, head, 16));
    CHECK_FAILS(archllm_nb101_data_load(&d, "/nonexistent/x.tfrecord"));
}

static void test_rows(void)
{
    archllm_nb101_row r;
    char row[4096];
    size_t n = row_json(row, sizeof row, "28cfc7874f6d200472e1a9dcd8650aa0", 108, inception_adj, inception_ops, 7, 0.5,
                        0.25);
    CHECK_OK(archllm_nb101_row_parse(&r, (const uint8_t *)row, n));
    CHECK(r.epochs == 108 && r.trainable_parameters == 7 && r.n_evals == 3 && r.final_validation == 0.5);
    static const char *bad[] = {
        "",
        "{}",
        "[]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", \"108\", \"0100\", \"input,output\", \"\"]",
        "[\"28cfc7874f6d\", 108, \"0100\", \"input,output\", \"\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"010\", \"input,output\", \"\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,relu\", \"\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\", \"\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\", \"abc\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\", \"a!==\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\", \"CgQJ\"]",   /* cut submessage */
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\", \"EAc=\"]",   /* no evaluations */
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", 108, \"0100\", \"input,output\", \"//////8=\"]",
        "[\"28cfc7874f6d200472e1a9dcd8650aa0\", -4, \"0100\", \"input,output\", \"EAc=\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_FAILS(archllm_nb101_row_parse(&r, (const uint8_t *)bad[i], strlen(bad[i])));
}

static void test_jsonl(const char *dir, const archllm_nb101_space *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/cells.jsonl", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    enum { N101 = 500, N201 = 300 };
    archllm_cell_record rec;
    for (int i = 0; i < N101; i++) {
        CHECK_OK(archllm_cell_record_make(&rec, &s->cells[(size_t)i * 811], ARCHLLM_SPACE_NB101));
        CHECK_OK(archllm_jsonl_write_cell(f, &rec));
    }
    fputs("\n", f); /* blank lines are skipped */
    for (int i = 0; i < N201; i++) {
        uint8_t ops[6];
        archllm_cell c;
        archllm_nb201_ops_of_index(ops, i * 52);
        archllm_nb201_to_cell(&c, ops);
        CHECK_OK(archllm_cell_record_make(&rec, &c, ARCHLLM_SPACE_NB201));
        CHECK_OK(archllm_jsonl_write_cell(f, &rec));
    }
    fclose(f);
    archllm_cell_record *recs = NULL;
    size_t n = 0;
    CHECK_OK(archllm_jsonl_load_cells(&recs, &n, path));
    CHECK(n == N101 + N201);
    for (size_t i = 0; i < n && i < N101 + N201; i++) {
        char h[33];
        if (i < N101) {
            CHECK(recs[i].space == ARCHLLM_SPACE_NB101);
            CHECK(memcmp(&recs[i].cell, &s->cells[i * 811], sizeof(archllm_cell)) == 0);
            archllm_digest_hex(h, s->digests[i * 811]);
            CHECK(strcmp(recs[i].hash, h) == 0 && recs[i].index == -1);
        } else {
            int idx = (int)(i - N101) * 52;
            uint8_t ops[6];
            char a[ARCHLLM_NB201_STR_MAX];
            archllm_nb201_ops_of_index(ops, idx);
            archllm_nb201_format(a, ops);
            archllm_nb201_hash(h, ops);
            CHECK(recs[i].space == ARCHLLM_SPACE_NB201 && recs[i].index == idx);
            CHECK(strcmp(recs[i].arch_str, a) == 0 && strcmp(recs[i].hash, h) == 0);
        }
    }
    free(recs);

    static const char *bad[] = {
        "",
        "[]",
        "{\"module_adjacency\": [[0, 1], [0, 0]]}",
        "{\"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\"]}",
        "{\"module_adjacency\": [[0, 1], [0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0, 2], [0, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0, 1], [1, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"relu\"]}",
        "{\"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", 3]}",
        "{\"module_adjacency\": [[0, 1.0], [0, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [], \"module_operations\": []}",
        "{\"hash\": \"zz\", \"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"hash\": 5, \"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0,1,0],[0,0,1],[0,0,0]], \"module_operations\": [\"input\", \"none\", \"maxpool3x3\"]}",
        "{\"index\": 1, \"module_adjacency\": [[0,1,0],[0,0,1],[0,0,0]], \"module_operations\": [\"input\", \"none\", \"output\"]}",
        "{\"index\": 99999, \"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0, 1], [0, 0]], \"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"output\"]}",
        "{\"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"output\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK_FAILS(archllm_jsonl_parse_cell(&rec, bad[i], strlen(bad[i])));
    /* an NB201 line whose arch_str disagrees with its graph, and whose index does */
    uint8_t ops[6];
    archllm_cell c;
    archllm_nb201_ops_of_index(ops, 6111);
    archllm_nb201_to_cell(&c, ops);
    CHECK_OK(archllm_cell_record_make(&rec, &c, ARCHLLM_SPACE_NB201));
    char line[2048];
    FILE *m = fmemopen(line, sizeof line, "w");
    rec.index = 0;
    archllm_jsonl_write_cell(m, &rec);
    fclose(m);
    CHECK_FAILS(archllm_jsonl_parse_cell(&rec, line, strlen(line)));
    /* the error of a bad file names its line */
    snprintf(path, sizeof path, "%s/bad.jsonl", dir);
    f = fopen(path, "w");
    if (f) {
        fputs("{\"module_adjacency\": [[0, 1], [0, 0]], \"module_operations\": [\"input\", \"output\"]}\n{oops}\n", f);
        fclose(f);
        CHECK_FAILS(archllm_jsonl_load_cells(&recs, &n, path));
        CHECK(strstr(archllm_last_error(), "bad.jsonl:2") != NULL);
    }
    CHECK_FAILS(archllm_jsonl_load_cells(&recs, &n, "/nonexistent/cells.jsonl"));
}

static void test_dataset(const char *dir, const archllm_nb101_space *s)
{
    archllm_dataset d;
    CHECK_OK(archllm_dataset_build(&d, ARCHLLM_SPACE_NB101, s->cells, s->n));
    if (d.n == s->n) {
        CHECK(d.max_v == 7 && d.n_ops == 5);
        for (size_t i = 0; i < d.n; i += 131) {
            archllm_cell c;
            CHECK_OK(archllm_dataset_cell(&c, &d, i));
            CHECK(memcmp(&c, &s->cells[i], sizeof c) == 0);
            int m = 0;
            for (int v = 0; v < 7; v++) m += d.mask[i * 7 + (size_t)v];
            CHECK(m == s->cells[i].nv);
        }
        /* the first cell (input->output) pads five rows */
        CHECK(d.nv[0] == 2 && d.adj[1] == 1 && d.ops[0] == 1 && d.ops[5 + 4] == 1 && d.mask[2] == 0);
    }
    archllm_dataset_free(&d);

    static archllm_cell cells201[ARCHLLM_NB201_SIZE];
    for (int i = 0; i < ARCHLLM_NB201_SIZE; i++) {
        uint8_t ops[6];
        archllm_nb201_ops_of_index(ops, i);
        archllm_nb201_to_cell(&cells201[i], ops);
    }
    CHECK_OK(archllm_dataset_build(&d, ARCHLLM_SPACE_NB201, cells201, ARCHLLM_NB201_SIZE));
    CHECK(d.max_v == 8 && d.n_ops == 7);
    for (size_t i = 0; i < d.n; i += 7) {
        archllm_cell c;
        CHECK_OK(archllm_dataset_cell(&c, &d, i));
        CHECK(memcmp(&c, &cells201[i], sizeof c) == 0);
    }
    archllm_dataset_free(&d);
    archllm_cell big = cells201[0];
    CHECK_FAILS(archllm_dataset_build(&d, ARCHLLM_SPACE_NB101, &big, 1));

    archllm_split a, b, c2;
    CHECK_OK(archllm_split_make(&a, s->n, 0.9, 42));
    CHECK(a.n_test == 42362 && a.n_train + a.n_test == s->n);
    CHECK_OK(archllm_split_make(&c2, s->n, 0.9, 43));
    CHECK(a.n_test == c2.n_test && memcmp(a.test, c2.test, a.n_test * sizeof *a.test) != 0);
    archllm_split_free(&c2);
    char path[4096];
    snprintf(path, sizeof path, "%s/split.txt", dir);
    CHECK_OK(archllm_split_save(&a, path));
    CHECK_OK(archllm_split_load(&b, path));
    CHECK(b.n == a.n && b.seed == 42 && b.n_train == a.n_train && b.n_test == a.n_test);
    if (b.n_test == a.n_test && b.n_train == a.n_train) {
        CHECK(memcmp(a.test, b.test, a.n_test * sizeof *a.test) == 0);
        CHECK(memcmp(a.train, b.train, a.n_train * sizeof *a.train) == 0);
    }
    archllm_split_free(&b);
    CHECK_OK(archllm_split_make(&b, s->n, 0.9, 42)); /* same seed, same split */
    CHECK(memcmp(a.test, b.test, a.n_test * sizeof *a.test) == 0);
    archllm_split_free(&b);
    archllm_split_free(&a);
    CHECK_FAILS(archllm_split_make(&a, 10, 1.5, 1));
    static const char *bad[] = {
        "", "archllm-split 2\nn 3\nseed 1\ntrain 2\ntest 1\n0\n", "archllm-split 1\nn 3\nseed 1\ntrain 2\ntest 2\n0\n",
        "archllm-split 1\nn 3\nseed 1\ntrain 1\ntest 2\n0\n", "archllm-split 1\nn 3\nseed 1\ntrain 1\ntest 2\n1\n0\n",
        "archllm-split 1\nn 3\nseed 1\ntrain 2\ntest 1\n3\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = fopen(path, "w");
        if (!f) continue;
        fputs(bad[i], f);
        fclose(f);
        CHECK_FAILS(archllm_split_load(&a, path));
    }
    CHECK_FAILS(archllm_split_load(&a, "/nonexistent/split.txt"));
}

int main(void)
{
    char dir[] = "/tmp/archllm-nas-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_tfrecord(dir);
    test_rows();
    archllm_nb101_space s;
    CHECK_OK(archllm_nb101_enumerate(&s));
    if (s.n == ARCHLLM_NB101_SIZE) {
        test_jsonl(dir, &s);
        test_dataset(dir, &s);
    }
    archllm_nb101_space_free(&s);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_done("test_nas_readers");
}
