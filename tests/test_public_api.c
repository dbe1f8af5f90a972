/* test_public_api.c - a program that sees only include/archllm.h and links the installed
 * shared library: every public symbol must be exported despite -fvisibility=hidden. */
#include <archllm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    int fail = 0;
    /* the library's string, the header's macros and configure.ac's AC_INIT must agree */
    char parts[64];
    snprintf(parts, sizeof parts, "%d.%d.%d", ARCHLLM_VERSION_MAJOR, ARCHLLM_VERSION_MINOR, ARCHLLM_VERSION_PATCH);
    if (strcmp(archllm_version(), TEST_PACKAGE_VERSION) != 0 || strcmp(ARCHLLM_VERSION_STRING, parts) != 0) {
        printf("FAIL version: library %s, header %s (%s), configure.ac %s\n", archllm_version(),
               ARCHLLM_VERSION_STRING, parts, TEST_PACKAGE_VERSION);
        fail = 1;
    }
    for (int s = 0; s < ARCHLLM_STATUS_COUNT_; s++)
        if (!archllm_status_string((archllm_status)s)[0]) {
            printf("FAIL status %d has no message\n", s);
            fail = 1;
        }
    archllm_device_info info[8];
    int n = 0;
    archllm_status s = archllm_devices_list(info, 8, &n);
    if (s != ARCHLLM_OK) {
        printf("FAIL devices_list: %s\n", archllm_last_error());
        return 1;
    }
    if (n == 0) {
        printf("SKIP: no OpenCL device\n");
        return getenv("ARCHLLM_REQUIRE_DEVICE") ? 1 : 77;
    }
    printf("%d device(s); first: %s\n", n, info[0].name);
    archllm_ctx_t *ctx;
    s = archllm_ctx_init(&ctx, "no-such-device-xyz");
    if (s != ARCHLLM_ENOTFOUND || !strstr(archllm_last_error(), "no-such-device-xyz")) {
        printf("FAIL bad selector: %s\n", archllm_status_string(s));
        fail = 1;
    }
    s = archllm_ctx_init(&ctx, NULL);
    if (s != ARCHLLM_OK) {
        printf("FAIL ctx_init: %s\n", archllm_last_error());
        return 1;
    }
    printf("context on %s\n", archllm_ctx_device(ctx)->name);
    if (archllm_ctx_finish(ctx) != ARCHLLM_OK) fail = 1;
    (void)archllm_ctx_last_error(ctx);
    archllm_ctx_free(ctx);
    printf("%s\n", fail ? "FAIL" : "ok");
    return fail;
}
