/* testutil.h - what the C tests share: a CHECK that prints ok/FAIL lines and counts
 * failures, and opening the OpenCL device with automake's SKIP (77) when none exists
 * (unless ARCHLLM_REQUIRE_DEVICE is set, as in CI). */
#ifndef ARCHLLM_TESTUTIL_H
#define ARCHLLM_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "archllm.h"

static int test_failures;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        int check_ok_ = (cond);                            \
        printf(check_ok_ ? "ok   " : "FAIL ");             \
        if (!check_ok_) test_failures++;                   \
        printf(__VA_ARGS__);                               \
        printf("\n");                                      \
    } while (0)

/* Print the verdict and return the exit status. */
static inline int test_finish(void)
{
    printf("%s\n", test_failures ? "some checks failed" : "all checks passed");
    return test_failures ? 1 : 0;
}

/* Open the default (or ARCHLLM_DEVICE) device; on failure print why and exit with 77
 * (no device, SKIP) or 1. */
static inline archllm_ctx_t *test_open_ctx(void)
{
    archllm_ctx_t *ctx;
    setvbuf(stdout, NULL, _IOLBF, 0);
    archllm_status s = archllm_ctx_init(&ctx, getenv("ARCHLLM_DEVICE"));
    if (s == ARCHLLM_ENODEVICE && !getenv("ARCHLLM_REQUIRE_DEVICE")) {
        printf("SKIP: %s\n", archllm_last_error());
        exit(77);
    }
    if (s != ARCHLLM_OK) {
        printf("FAIL: opening the device: %s\n", archllm_last_error());
        exit(1);
    }
    return ctx;
}

#endif
