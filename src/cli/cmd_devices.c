/* cmd_devices.c - `archllm devices`: every platform and device, which one is selected, and
 * whether each is tuned (its tuning file, src/backend/tuning.c): our kernels' tunables and
 * which CLBlast kernels have stored parameters. */
#include "cli/cli.h"
#include "backend/backend.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define MAX_LISTED 64

static const char *type_name(archllm_device_type t)
{
    return t == ARCHLLM_DEVICE_GPU ? "GPU" : t == ARCHLLM_DEVICE_CPU ? "CPU" : "other";
}

int cmd_devices(int argc, char **argv)
{
    static const struct option opts[] = {{"device", required_argument, NULL, 'd'}, CLI_CONFIG_LONG_OPTIONS,
                                         {NULL, 0, NULL, 0}};
    const char *device_opt = NULL;
    cli_config_opts copts = {0};
    int c, handled;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
        if (c == 'd') device_opt = optarg;
        else if ((handled = cli_config_option(&copts, c, optarg)) < 0) return CLI_EXIT_USAGE;
        else if (!handled) return cli_usage("devices", CLI_EXIT_USAGE);
    }
    if (optind < argc) return cli_usage("devices", CLI_EXIT_USAGE);
    archllm_config cfg;
    int rc = cli_config_load(&cfg, &copts);
    if (rc) return rc;

    archllm_device_info list[MAX_LISTED];
    int n = 0;
    archllm_status s = archllm_devices_list(list, MAX_LISTED, &n);
    if (s != ARCHLLM_OK) return cli_status(s, "listing OpenCL devices");
    if (n == 0)
        return cli_error(CLI_EXIT_FAILURE, "no OpenCL device found (is an ICD installed? on Debian: "
                                           "apt-get install pocl-opencl-icd; is POCL_CACHE_DIR writable?)");
    if (n > MAX_LISTED) n = MAX_LISTED;

    const char *selector = cli_device_selector(device_opt, &cfg);
    cl_platform_id sp;
    cl_device_id sd;
    archllm_device_info sel;
    s = archllm_device_select(selector, &sp, &sd, &sel);
    if (s == ARCHLLM_ENOTFOUND) return cli_error(CLI_EXIT_USAGE, "%s", archllm_last_error());
    if (s != ARCHLLM_OK) return cli_status(s, "selecting a device");

    int last_platform = -1;
    for (int i = 0; i < n; i++) {
        const archllm_device_info *d = &list[i];
        if (d->platform_index != last_platform) {
            printf("platform %d: %s (%s)\n", d->platform_index, d->platform_name, d->platform_version);
            last_platform = d->platform_index;
        }
        int chosen = d->platform_index == sel.platform_index && d->device_index == sel.device_index;
        printf("  %c %d:%d  %s [%s]\n", chosen ? '*' : ' ', d->platform_index, d->device_index, d->name,
               type_name(d->type));
        printf("        vendor %s, driver %s, %s\n", d->vendor, d->driver_version, d->opencl_c_version);
        printf("        %u compute units, %.1f GiB global, %.0f KiB local, max alloc %.1f GiB, "
               "max work-group %zu, fp64 %s, fp16 %s, float vectors %u\n",
               d->compute_units, d->global_mem_bytes / 1073741824.0, d->local_mem_bytes / 1024.0,
               d->max_alloc_bytes / 1073741824.0, d->max_work_group, d->has_fp64 ? "yes" : "no",
               d->has_fp16 ? "yes" : "no", d->float_vector_width);
        char path[4096];
        archllm_tuning t;
        archllm_tuning_for_device(d, &t);
        if (!archllm_tuning_path(d, path, sizeof path)) {
            printf("        not tuned (no cache folder for a tuning file)\n");
            continue;
        }
        archllm_status ts = archllm_tuning_load(path, d, &t);
        if (ts == ARCHLLM_OK) { /* as a context would check it: CLBlast's parameter names on the device */
            char idx[32];
            cl_platform_id pid;
            cl_device_id did;
            archllm_device_info di;
            snprintf(idx, sizeof idx, "%d:%d", d->platform_index, d->device_index);
            ts = archllm_device_select(idx, &pid, &did, &di);
            for (int k = 0; k < ARCHLLM_CLB_COUNT && ts == ARCHLLM_OK; k++)
                if (t.clblast[k].n && (ts = archllm_clblast_check(did, k, &t.clblast[k])) != ARCHLLM_OK)
                    archllm_fail_prefix(ts, "stale");
        }
        if (ts == ARCHLLM_OK) {
            printf("        tuned: %s (", path);
            for (int k = 0; k < ARCHLLM_TUNE_COUNT; k++) {
                char v[32];
                archllm_tunable_format(k, archllm_tunable_get(&t, k), v, sizeof v);
                printf("%s%s %s", k ? ", " : "", archllm_tunable_name(k), v);
            }
            printf(")\n");
            char kernels[256] = "";
            for (int k = 0; k < ARCHLLM_CLB_TUNERS; k++)
                if (t.clblast[k].n) {
                    size_t l = strlen(kernels);
                    snprintf(kernels + l, sizeof kernels - l, "%s%s", l ? ", " : "", archllm_clblast_kernel_name(k));
                }
            size_t min_indirect = archllm_clblast_value(&t.clblast[ARCHLLM_CLB_ROUTINE], "XGEMM_MIN_INDIRECT_SIZE", 0);
            char routing[64] = "CLBlast's own GEMM routing";
            if (min_indirect) snprintf(routing, sizeof routing, "GEMM crossover %zu", min_indirect);
            if (kernels[0]) printf("        CLBlast: %s tuned, the others CLBlast's own; %s\n", kernels, routing);
            else printf("        CLBlast: its own parameters (the tuning kept none); %s\n", routing);
        } else if (ts == ARCHLLM_ENOTFOUND) {
            printf("        not tuned: safe defaults (run 'archllm tune --device %d:%d')\n", d->platform_index,
                   d->device_index);
        } else {
            printf("        not tuned: %s is ignored (%s); 'archllm tune --device %d:%d' rebuilds it\n", path,
                   archllm_last_error(), d->platform_index, d->device_index);
        }
        archllm_error_clear();
    }
    printf("selected: %d:%d %s (%s)\n", sel.platform_index, sel.device_index, sel.name,
           selector ? "by selector" : "default: first GPU, else first CPU");
    return CLI_EXIT_OK;
}
