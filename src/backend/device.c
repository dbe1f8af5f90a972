/* device.c - OpenCL platform/device enumeration and the device selector.
 * Selector grammar: empty -> first GPU, else first CPU, else first device;
 * "P:D" -> platform P, device D; anything else -> the first device whose
 * "platform-name device-name vendor" contains it, case-insensitively. */
#include "backend/backend.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES   64

static void query_str(cl_device_id d, cl_device_info what, char *out, size_t cap)
{
    out[0] = '\0';
    if (clGetDeviceInfo(d, what, cap, out, NULL) != CL_SUCCESS) out[0] = '\0';
    out[cap - 1] = '\0';
}

void archllm_device_query(cl_platform_id platform, cl_device_id device, int pi, int di,
                          archllm_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->platform_index = pi;
    info->device_index = di;
    clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof info->platform_name, info->platform_name, NULL);
    clGetPlatformInfo(platform, CL_PLATFORM_VERSION, sizeof info->platform_version,
                      info->platform_version, NULL);
    info->platform_name[sizeof info->platform_name - 1] = '\0';
    info->platform_version[sizeof info->platform_version - 1] = '\0';
    query_str(device, CL_DEVICE_NAME, info->name, sizeof info->name);
    query_str(device, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
    query_str(device, CL_DRIVER_VERSION, info->driver_version, sizeof info->driver_version);
    query_str(device, CL_DEVICE_OPENCL_C_VERSION, info->opencl_c_version, sizeof info->opencl_c_version);

    cl_device_type type = 0;
    clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    info->type = (type & CL_DEVICE_TYPE_GPU) ? ARCHLLM_DEVICE_GPU
               : (type & CL_DEVICE_TYPE_CPU) ? ARCHLLM_DEVICE_CPU : ARCHLLM_DEVICE_OTHER;
    cl_uint cu = 0;
    cl_ulong gmem = 0, lmem = 0, maxalloc = 0;
    size_t wg = 0;
    clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
    clGetDeviceInfo(device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof maxalloc, &maxalloc, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
    info->compute_units = cu;
    info->global_mem_bytes = gmem;
    info->local_mem_bytes = lmem;
    info->max_alloc_bytes = maxalloc;
    info->max_work_group = wg;
    cl_uint vw = 0;
    clGetDeviceInfo(device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof vw, &vw, NULL);
    info->float_vector_width = vw;

    size_t ext_len = 0;
    if (clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, 0, NULL, &ext_len) == CL_SUCCESS && ext_len) {
        char *ext = malloc(ext_len + 1);
        if (ext && clGetDeviceInfo(device, CL_DEVICE_EXTENSIONS, ext_len, ext, NULL) == CL_SUCCESS) {
            ext[ext_len] = '\0';
            info->has_fp64 = strstr(ext, "cl_khr_fp64") != NULL;
            info->has_fp16 = strstr(ext, "cl_khr_fp16") != NULL;
        }
        free(ext);
    }
}

/* Visit every device; stops early when fn returns non-zero. */
typedef int (*device_visit_fn)(cl_platform_id p, cl_device_id d, int pi, int di, void *user);

static archllm_status visit_devices(device_visit_fn fn, void *user, int *total)
{
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, platforms, &np);
    *total = 0;
    if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && np == 0))
        return ARCHLLM_OK; /* no ICD registered: zero devices, not an error */
    if (err != CL_SUCCESS) return archllm_cl_check(err, "clGetPlatformIDs");
    if (np > MAX_PLATFORMS) np = MAX_PLATFORMS;
    for (cl_uint pi = 0; pi < np; pi++) {
        cl_device_id devices[MAX_DEVICES];
        cl_uint nd = 0;
        err = clGetDeviceIDs(platforms[pi], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devices, &nd);
        if (err == CL_DEVICE_NOT_FOUND) continue;
        if (err != CL_SUCCESS) continue; /* a broken platform must not hide the others */
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        for (cl_uint di = 0; di < nd; di++) {
            (*total)++;
            if (fn(platforms[pi], devices[di], (int)pi, (int)di, user)) return ARCHLLM_OK;
        }
    }
    return ARCHLLM_OK;
}

typedef struct {
    archllm_device_info *out;
    int cap, n;
} list_state;

static int list_visit(cl_platform_id p, cl_device_id d, int pi, int di, void *user)
{
    list_state *st = user;
    if (st->n < st->cap) archllm_device_query(p, d, pi, di, &st->out[st->n]);
    st->n++;
    return 0;
}

archllm_status archllm_devices_list(archllm_device_info *out, int cap, int *count)
{
    list_state st = {out, cap, 0};
    int total = 0;
    archllm_status s = visit_devices(list_visit, &st, &total);
    *count = st.n;
    return s;
}

typedef struct {
    const char *selector;
    int want_p, want_d;    /* >= 0 for a "P:D" selector */
    int want_type;         /* for the default: GPU first, then CPU, then any */
    cl_platform_id platform;
    cl_device_id device;
    int pi, di, found;
} select_state;

static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == n) return 1;
    }
    return n == 0;
}

static int select_visit(cl_platform_id p, cl_device_id d, int pi, int di, void *user)
{
    select_state *st = user;
    int match;
    if (st->want_p >= 0) {
        match = pi == st->want_p && di == st->want_d;
    } else if (st->selector) {
        archllm_device_info info;
        char hay[640];
        archllm_device_query(p, d, pi, di, &info);
        snprintf(hay, sizeof hay, "%s %s %s", info.platform_name, info.name, info.vendor);
        match = contains_nocase(hay, st->selector);
    } else {
        cl_device_type type = 0;
        clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
        match = st->want_type == 0 || (type & (cl_device_type)st->want_type) != 0;
    }
    if (match) {
        st->platform = p;
        st->device = d;
        st->pi = pi;
        st->di = di;
        st->found = 1;
    }
    return match;
}

archllm_status archllm_device_select(const char *selector, cl_platform_id *platform,
                                     cl_device_id *device, archllm_device_info *info)
{
    select_state st = {0};
    st.want_p = st.want_d = -1;
    if (selector && !selector[0]) selector = NULL;
    if (selector) {
        int p, d, used = 0;
        if (sscanf(selector, "%d:%d%n", &p, &d, &used) == 2 && selector[used] == '\0') {
            if (p < 0 || d < 0)
                return archllm_fail(ARCHLLM_ENOTFOUND, "device '%s': indexes must be >= 0", selector);
            st.want_p = p;
            st.want_d = d;
        } else {
            st.selector = selector;
        }
    }
    int total = 0;
    static const int default_order[] = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_CPU, 0};
    for (int pass = 0; pass < (selector ? 1 : 3) && !st.found; pass++) {
        st.want_type = default_order[pass];
        ARCHLLM_TRY(visit_devices(select_visit, &st, &total));
        if (total == 0) break;
    }
    if (total == 0)
        return archllm_fail(ARCHLLM_ENODEVICE,
                            "no OpenCL device found (is an ICD installed? on Debian: apt-get install "
                            "pocl-opencl-icd; check that POCL_CACHE_DIR is writable)");
    if (!st.found)
        return archllm_fail(ARCHLLM_ENOTFOUND,
                            "no OpenCL device matches '%s' (%d device%s present; see 'archllm devices')",
                            selector, total, total == 1 ? "" : "s");
    *platform = st.platform;
    *device = st.device;
    archllm_device_query(st.platform, st.device, st.pi, st.di, info);
    return ARCHLLM_OK;
}
