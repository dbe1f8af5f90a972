/* test_nb101.c - NAS-Bench-101: exact space size and breakdowns, the hash test vectors,
 * hash invariance under vertex permutations, pruning/validity, and lookups. */
#include "nas/nb101.h"
#include "util/clock.h"
#include "testutil.h"


static void test_vectors(void)
{
    char path[4096];
    test_data_path(path, sizeof path, "nb101_hash_test_vectors.tsv");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        test_failures++;
        return;
    }
    char line[4096];
    int cases = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char *fields[6], *save = NULL, *p = line;
        int n = 0;
        for (char *tok; n < 6 && (tok = strtok_r(p, "\t\n", &save)); p = NULL) fields[n++] = tok;
        CHECK(n == 6);
        if (n != 6) continue;
        archllm_cell c;
        CHECK_OK(archllm_cell_parse_nb101(&c, fields[2], fields[3]));
        CHECK(c.nv == atoi(fields[1]));
        char h[33];
        archllm_status s = archllm_nb101_hash(h, &c);
        if (strcmp(fields[4], "INVALID") == 0) {
            CHECK(s == ARCHLLM_EFORMAT);
            CHECK(archllm_nb101_check(NULL, &c) != ARCHLLM_OK);
        } else {
            CHECK(s == ARCHLLM_OK);
            if (strcmp(h, fields[4]) != 0) {
                fprintf(stderr, "vector %s: got %s want %s\n", fields[0], h, fields[4]);
                test_failures++;
            }
            CHECK_OK(archllm_nb101_check(NULL, &c));
        }
        cases++;
    }
    fclose(f);
    CHECK(cases == 11);
}

static void test_validity(void)
{
    archllm_cell c;
    /* 8 vertices: too many for NB101 even though the cell type holds 8 */
    CHECK_OK(archllm_cell_parse_nb101(&c, "0100000000100000000100000000100000000100000000100000000100000000",
                                      "input,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,"
                                      "conv3x3-bn-relu,conv3x3-bn-relu,output"));
    CHECK_FAILS(archllm_nb101_check(NULL, &c));
    /* 10 edges on 6 vertices */
    CHECK_OK(archllm_cell_parse_nb101(&c, "011111001111000111000011000001000000",
                                      "input,conv3x3-bn-relu,conv3x3-bn-relu,maxpool3x3,conv1x1-bn-relu,output"));
    CHECK_FAILS(archllm_nb101_check(NULL, &c));
    /* wrong ends */
    CHECK_OK(archllm_cell_parse_nb101(&c, "0100", "output,input"));
    CHECK_FAILS(archllm_nb101_check(NULL, &c));
    /* parse errors */
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "010", "input,output"));
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "0120", "input,output"));
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "0110", "input,output"));
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "0100", "input,conv5x5,output"));
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "0100", "input"));
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "0100", "input,output,output"));
    CHECK_FAILS(archllm_cell_parse_nb101(&c, "", ""));
}

/* Any relabelling of the vertices gives the same hash (the hash never looks at
 * positions), and one that keeps input first/output last and stays upper triangular
 * is another valid spec of the same cell. */
static void test_permutations(const archllm_nb101_space *s)
{
    uint64_t rng = 20250331;
    int cases = 0;
    for (int t = 0; t < 3000; t++) {
        size_t i = (size_t)(test_rand(&rng) % s->n);
        const archllm_cell *c = &s->cells[i];
        char want[33], got[33];
        archllm_digest_hex(want, s->digests[i]);
        int perm[ARCHLLM_CELL_MAX_V];
        for (int v = 0; v < c->nv; v++) perm[v] = v;
        for (int v = c->nv - 1; v > 0; v--) {
            int j = (int)(test_rand(&rng) % (uint64_t)(v + 1));
            int x = perm[v];
            perm[v] = perm[j];
            perm[j] = x;
        }
        archllm_cell p;
        archllm_cell_permute(&p, c, perm);
        archllm_cell_hash(got, NULL, &p);
        CHECK(strcmp(got, want) == 0);
        /* a topological relabelling: still valid, same pruned hash through the API path */
        int order[ARCHLLM_CELL_MAX_V], placed = 1, k = 1;
        order[0] = 0;
        while (k < c->nv - 1) {
            int cand[ARCHLLM_CELL_MAX_V], nc = 0;
            for (int v = 1; v < c->nv - 1; v++) {
                if ((placed >> v) & 1) continue;
                int ready = 1;
                for (int u = 0; u < c->nv; u++)
                    if (((c->adj[u] >> v) & 1) && !((placed >> u) & 1)) ready = 0;
                if (ready) cand[nc++] = v;
            }
            int v = cand[test_rand(&rng) % (uint64_t)nc];
            order[k++] = v;
            placed |= 1 << v;
        }
        order[c->nv - 1] = c->nv - 1;
        for (int v = 0; v < c->nv; v++) perm[order[v]] = v;
        archllm_cell_permute(&p, c, perm);
        archllm_cell q;
        CHECK_OK(archllm_nb101_check(&q, &p));
        CHECK(archllm_nb101_hash(got, &p) == ARCHLLM_OK && strcmp(got, want) == 0);
        size_t found = 0;
        CHECK(archllm_nb101_find(&found, s, got) == ARCHLLM_OK && found == i);
        cases++;
    }
    CHECK(cases == 3000);
}

int main(void)
{
    test_vectors();
    test_validity();

    archllm_nb101_space s;
    double t0 = archllm_now_s();
    archllm_status st = archllm_nb101_enumerate(&s);
    double t1 = archllm_now_s();
    CHECK_OK(st);
    if (st != ARCHLLM_OK) return test_done("test_nb101");
    printf("NB101 enumeration: %zu cells in %.2f s\n", s.n,
           t1 - t0);
    CHECK(s.n == 423624);

    /* breakdowns from SPACES.md 1.2 (the generate_graphs.py log) */
    size_t by_v[8] = {0}, by_e[10] = {0};
    for (size_t i = 0; i < s.n; i++) {
        by_v[s.cells[i].nv]++;
        int e = archllm_cell_edges(&s.cells[i]);
        CHECK(e >= 1 && e <= 9);
        if (e >= 0 && e <= 9) by_e[e]++;
    }
    CHECK(by_v[2] == 1 && by_v[3] == 6 && by_v[4] == 84 && by_v[5] == 2441 && by_v[6] == 62010 && by_v[7] == 359082);
    CHECK(by_e[1] == 1 && by_e[2] == 3 && by_e[3] == 12 && by_e[4] == 60 && by_e[5] == 339 && by_e[6] == 2134 &&
          by_e[7] == 13984 && by_e[8] == 78822 && by_e[9] == 328269);

    /* every enumerated cell is valid and already pruned */
    for (size_t i = 0; i < s.n; i += 97) {
        archllm_cell p;
        CHECK_OK(archllm_nb101_check(&p, &s.cells[i]));
        CHECK(memcmp(&p, &s.cells[i], sizeof p) == 0);
    }

    /* the canonical Inception cell is the dataset's module_adjacency / module_operations */
    size_t idx = 0;
    CHECK_OK(archllm_nb101_find(&idx, &s, "28cfc7874f6d200472e1a9dcd8650aa0"));
    archllm_cell want;
    CHECK_OK(archllm_cell_parse_nb101(&want, "0111100000000100000010000001000001000000010000000",
                                      "input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,conv3x3-bn-relu,"
                                      "conv3x3-bn-relu,output"));
    CHECK(memcmp(&want, &s.cells[idx], sizeof want) == 0);
    /* hashes seen in public code */
    CHECK_OK(archllm_nb101_find(&idx, &s, "b148c5e43b9b1be81b8245c2bc0c1cf3"));
    CHECK_OK(archllm_nb101_find(&idx, &s, "fe4395df38d94c4fafb973a8b04bbd65"));
    CHECK_OK(archllm_nb101_find(&idx, &s, "00005c142e6f48ac74fdcf73e3439874"));
    CHECK(archllm_nb101_find(&idx, &s, "00000000000000000000000000000000") == ARCHLLM_ENOTFOUND);
    CHECK_FAILS(archllm_nb101_find(&idx, &s, "xyz"));
    CHECK_FAILS(archllm_nb101_find(&idx, &s, "28CFC7874F6D200472E1A9DCD8650AA0"));
    /* first cell of the enumeration is input->output */
    char h[33];
    archllm_digest_hex(h, s.digests[0]);
    CHECK(strcmp(h, "043721b9c7fe8c5fad811d47d83132ec") == 0);

    test_permutations(&s);
    archllm_nb101_space_free(&s);
    return test_done("test_nb101");
}
