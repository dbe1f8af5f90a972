/* clblast_tune.cc - the C face of CLBlast's C++ tuning API (clblast.h, CLBlast 1.5.3), for
 * single precision: its tuners (TuneXgemm, TuneXgemmDirect, TuneCopy, TunePad, TuneTranspose,
 * TunePadtranspose) at the shapes archllm's GEMMs care about, and its parameter database per
 * device (RetrieveParameters, OverrideParameters), with CLBlast's own values remembered so
 * they can be put back, and Xgemm's USE_VECTOR_MAD carried as a build option.  Deciding
 * what to keep is not done here (src/ops/autotune_clblast.c times real GEMMs); nor is storing
 * it (src/backend/tuning.c).  Every C++ exception is
 * caught at this boundary and becomes an archllm_status (src/util/error.h). */
#include "config.h"

#include "backend/clblast_tune.h"

extern "C" {
#include "util/error.h"
}

#include <clblast.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>
#include <utility>

namespace {

typedef std::unordered_map<std::string, size_t> param_map;

/* The tuners' shapes.  CLBlast's tuners need every configuration of their space to launch
 * with a global size that is a multiple of its local size (m and n multiples of the largest
 * tile); on PoCL 3.1 a configuration that does not (TuneTranspose at 640 x 384) crashed the
 * process inside PoCL instead of being skipped, so each shape here is one where all launch:
 *   Xgemm        512 x 512 x 512: bench gemm's and t5-small's scale (512 x 2048 x 512), the
 *                products CLBlast sends to the indirect kernel by default; m and n multiples
 *                of 128, as its tuner requires;
 *   XgemmDirect  640 x 384 x 128: the shipped T5's fused q, k, v projection (64 sequences of
 *                10 tokens, d_model 128), the size class XgemmDirect runs; multiples of 64;
 *   Copy, Pad, Transpose, Padtranspose  1024 x 1024: CLBlast's own tuner default, a multiple
 *                of every tile x work-per-thread they try (up to 64 x 16).
 * The VQ-VAE calls no CLBlast GEMM (its linear layers are cl/linear.cl).
 * space: valid configurations of CLBlast 1.5.3's search space for the variation its tuning
 * API runs, under PoCL's limits (build-aux/clblast-spaces.py; a GPU's limits give the same
 * counts or fewer), so that `fraction` = configs / space samples about `configs` of them.
 * Xgemm's max_configs: TuneXgemm runs variation 2 (GEMMK=0, 120800 configurations) and then
 * variation 12 (GEMMK=1, 16566), and the second's winner overwrites the first's in the map it
 * returns; below 7 configurations of variation 2 the fraction samples none of variation 12,
 * which then fails ("no result") after the first pass has filled the map, and that pass's
 * winner is what is kept (see tune_one). */
struct tuner_row {
    const char *name;
    size_t      m, n, k;
    double      space;
    int         max_configs;
};
const tuner_row tuners[ARCHLLM_CLB_COUNT] = {
    {"Xgemm",        512,  512,  512, 120800.0, 6},
    {"XgemmDirect",  640,  384,  128,   8420.0, 8420},
    {"Copy",         1024, 1024, 0,      144.0, 144},
    {"Pad",          1024, 1024, 0,       81.0, 81},
    {"Transpose",    1024, 1024, 0,       96.0, 96},
    {"Padtranspose", 1024, 1024, 0,       38.0, 38},
    {"GemmRoutine",  0,    0,    0,        0.0, 0},
};

/* CLBlast's own values of each (device, kernel) this process has overridden */
std::mutex                                                     defaults_mutex;
std::map<std::pair<cl_device_id, std::string>, param_map>      defaults;

/* Xgemm's build option (ARCHLLM_CLB_VECTOR_MAD): whether it is on, and the user's own
 * CLBLAST_BUILD_OPTIONS, read before the first change (under defaults_mutex) */
bool        vector_mad_on;
bool        user_options_read, user_options_set;
std::string user_options;

archllm_status fail_status(clblast::StatusCode s, const char *what, const char *kernel)
{
    return archllm_fail(ARCHLLM_ECLBLAST, "%s %s: %s (%d)", what, kernel,
                        archllm_clblast_status_name(static_cast<int>(s)), static_cast<int>(s));
}

/* Turn whatever was thrown into a status (called inside a catch block). */
archllm_status fail_exception(const char *what, const char *kernel)
{
    try {
        throw;
    } catch (const std::bad_alloc &) {
        return archllm_fail(ARCHLLM_ENOMEM, "%s %s: out of memory", what, kernel);
    } catch (const std::exception &e) {
        return archllm_fail(ARCHLLM_ECLBLAST, "%s %s: %s", what, kernel, e.what());
    } catch (...) {
        return archllm_fail(ARCHLLM_ECLBLAST, "%s %s: an unknown C++ exception", what, kernel);
    }
}

archllm_status to_set(const param_map &m, const char *kernel, archllm_clblast_set *out)
{
    out->n = 0;
    if (m.size() > ARCHLLM_CLB_MAX_PARAMS)
        return archllm_fail(ARCHLLM_ECLBLAST, "CLBlast's %s has %zu parameters, archllm holds %d", kernel, m.size(),
                            ARCHLLM_CLB_MAX_PARAMS);
    for (const auto &kv : m) {
        if (kv.first.size() + 1 > sizeof out->p[0].name)
            return archllm_fail(ARCHLLM_ECLBLAST, "CLBlast's %s parameter name %s is too long", kernel,
                                kv.first.c_str());
        std::snprintf(out->p[out->n].name, sizeof out->p[0].name, "%s", kv.first.c_str());
        out->p[out->n].value = kv.second;
        out->n++;
    }
    std::sort(out->p, out->p + out->n, [](const archllm_clblast_param &a, const archllm_clblast_param &b) {
        return std::strcmp(a.name, b.name) < 0;
    });
    return ARCHLLM_OK;
}

param_map to_map(const archllm_clblast_set *set)
{
    param_map m;
    for (int i = 0; i < set->n; i++) m[set->p[i].name] = set->p[i].value;
    return m;
}

bool valid_kernel(int k) { return k >= 0 && k < ARCHLLM_CLB_COUNT; }

archllm_status retrieve(cl_device_id device, int k, param_map &out)
{
    clblast::StatusCode s = clblast::RetrieveParameters(device, tuners[k].name, clblast::Precision::kSingle, out);
    if (s != clblast::StatusCode::kSuccess) return fail_status(s, "CLBlast RetrieveParameters", tuners[k].name);
    return ARCHLLM_OK;
}

archllm_status override_map(cl_device_id device, int k, const param_map &m)
{
    clblast::StatusCode s = clblast::OverrideParameters(device, tuners[k].name, clblast::Precision::kSingle, m);
    if (s != clblast::StatusCode::kSuccess) return fail_status(s, "CLBlast OverrideParameters", tuners[k].name);
    return ARCHLLM_OK;
}

archllm_status set_vector_mad(bool on)
{
    if (!user_options_read) {
        const char *e = std::getenv("CLBLAST_BUILD_OPTIONS");
        user_options_set = e != NULL;
        if (e) user_options = e;
        user_options_read = true;
    }
    if (on == vector_mad_on) return ARCHLLM_OK;
    int rc;
    if (on) {
        /* CLBlast joins its build options with no separator: ours ends in a space */
        std::string v = user_options_set ? user_options + " " : std::string();
        v += "-D" ARCHLLM_CLB_VECTOR_MAD "=1 ";
        rc = setenv("CLBLAST_BUILD_OPTIONS", v.c_str(), 1);
    } else {
        rc = user_options_set ? setenv("CLBLAST_BUILD_OPTIONS", user_options.c_str(), 1)
                              : unsetenv("CLBLAST_BUILD_OPTIONS");
    }
    if (rc != 0) return archllm_fail(ARCHLLM_ECLBLAST, "setting CLBLAST_BUILD_OPTIONS: %s", std::strerror(errno));
    vector_mad_on = on;
    /* its compiled programs are keyed by database parameters only: build them again */
    clblast::StatusCode s = clblast::ClearCache();
    if (s != clblast::StatusCode::kSuccess) return fail_status(s, "CLBlast ClearCache after", "Xgemm's build option");
    return ARCHLLM_OK;
}

archllm_status tune_one(cl_command_queue queue, int k, int configs, archllm_clblast_set *out)
{
    const tuner_row &t = tuners[k];
    if (configs > t.max_configs) configs = t.max_configs;
    if (configs < 1) configs = 1;
    /* half a configuration up, so that rounding down still samples `configs`; CLBlast reads
     * exactly 1.0 (and 0.0) as "every configuration" */
    double fraction = (configs + 0.5) / t.space;
    if (fraction >= 1.0) fraction = 1.0;
    param_map found;
    clblast::StatusCode s = clblast::StatusCode::kSuccess;
    switch (k) {
    case ARCHLLM_CLB_XGEMM: s = clblast::TuneXgemm<float>(&queue, t.m, t.n, t.k, fraction, found); break;
    case ARCHLLM_CLB_XGEMM_DIRECT:
        s = clblast::TuneXgemmDirect<float>(&queue, t.m, t.n, t.k, fraction, found);
        break;
    case ARCHLLM_CLB_COPY: s = clblast::TuneCopy<float>(&queue, t.m, t.n, fraction, found); break;
    case ARCHLLM_CLB_PAD: s = clblast::TunePad<float>(&queue, t.m, t.n, fraction, found); break;
    case ARCHLLM_CLB_TRANSPOSE: s = clblast::TuneTranspose<float>(&queue, t.m, t.n, fraction, found); break;
    case ARCHLLM_CLB_PADTRANSPOSE: s = clblast::TunePadtranspose<float>(&queue, t.m, t.n, fraction, found); break;
    default: return archllm_fail(ARCHLLM_EINVAL, "CLBlast's %s has no tuner", t.name);
    }
    /* TuneXgemm: its GEMMK=1 pass sampled nothing (see the table above) and failed after the
     * GEMMK=0 pass had stored its winner; archllm_clblast_check below vets that set */
    bool xgemm_first_pass = k == ARCHLLM_CLB_XGEMM && s == clblast::StatusCode::kUnexpectedError && !found.empty();
    if (s != clblast::StatusCode::kSuccess && !xgemm_first_pass) {
        if (s == clblast::StatusCode::kUnexpectedError)
            return archllm_fail(ARCHLLM_ECLBLAST, "CLBlast's %s tuner: none of the %d sampled configurations ran "
                                                  "correctly", t.name, configs);
        return fail_status(s, "CLBlast's tuner of", t.name);
    }
    return to_set(found, t.name, out);
}

} // namespace

extern "C" {

const char *archllm_clblast_kernel_name(int k) { return valid_kernel(k) ? tuners[k].name : NULL; }

int archllm_clblast_kernel_index(const char *name)
{
    for (int k = 0; k < ARCHLLM_CLB_COUNT; k++)
        if (std::strcmp(name, tuners[k].name) == 0) return k;
    return -1;
}

void archllm_clblast_tuner(int k, archllm_clblast_tuner_info *info)
{
    std::memset(info, 0, sizeof *info);
    if (!valid_kernel(k)) return;
    info->m = tuners[k].m;
    info->n = tuners[k].n;
    info->k = tuners[k].k;
    info->space = tuners[k].space;
    info->max_configs = tuners[k].max_configs;
}

archllm_status archllm_clblast_tune(cl_command_queue queue, int k, int configs, archllm_clblast_set *out)
{
    out->n = 0;
    if (!valid_kernel(k) || k >= ARCHLLM_CLB_TUNERS) return archllm_fail(ARCHLLM_EINVAL, "no CLBlast tuner %d", k);
    try {
        archllm_status s = tune_one(queue, k, configs, out);
        if (s != ARCHLLM_OK) return s;
        cl_device_id device;
        cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof device, &device, NULL);
        if (err != CL_SUCCESS) return archllm_fail(ARCHLLM_EOPENCL, "clGetCommandQueueInfo: %d", err);
        s = archllm_clblast_check(device, k, out);
        if (s != ARCHLLM_OK) out->n = 0;
        return s;
    } catch (...) {
        out->n = 0;
        return fail_exception("CLBlast's tuner of", tuners[k].name);
    }
}

archllm_status archllm_clblast_get(cl_device_id device, int k, archllm_clblast_set *out)
{
    out->n = 0;
    if (!valid_kernel(k)) return archllm_fail(ARCHLLM_EINVAL, "no CLBlast kernel %d", k);
    try {
        param_map m;
        archllm_status s = retrieve(device, k, m);
        if (s != ARCHLLM_OK) return s;
        {
            std::lock_guard<std::mutex> lock(defaults_mutex);
            if (k == ARCHLLM_CLB_XGEMM && vector_mad_on) m[ARCHLLM_CLB_VECTOR_MAD] = 1;
        }
        return to_set(m, tuners[k].name, out);
    } catch (...) {
        return fail_exception("CLBlast RetrieveParameters", tuners[k].name);
    }
}

archllm_status archllm_clblast_check(cl_device_id device, int k, const archllm_clblast_set *set)
{
    archllm_clblast_set want;
    ARCHLLM_TRY(archllm_clblast_get(device, k, &want));
    char missing[256] = "", extra[256] = "";
    for (int i = 0; i < want.n; i++)
        if (std::strcmp(want.p[i].name, ARCHLLM_CLB_VECTOR_MAD) != 0 &&
            archllm_clblast_value(set, want.p[i].name, (size_t)-1) == (size_t)-1) {
            size_t l = std::strlen(missing);
            std::snprintf(missing + l, sizeof missing - l, " %s", want.p[i].name);
        }
    for (int i = 0; i < set->n; i++) {
        if (k == ARCHLLM_CLB_XGEMM && std::strcmp(set->p[i].name, ARCHLLM_CLB_VECTOR_MAD) == 0) {
            if (set->p[i].value > 1)
                return archllm_fail(ARCHLLM_EFORMAT, "CLBlast's Xgemm: " ARCHLLM_CLB_VECTOR_MAD "=%zu is not 0 or 1",
                                    set->p[i].value);
            continue;
        }
        if (archllm_clblast_value(&want, set->p[i].name, (size_t)-1) == (size_t)-1) {
            size_t l = std::strlen(extra);
            std::snprintf(extra + l, sizeof extra - l, " %s", set->p[i].name);
        }
    }
    if (missing[0] || extra[0])
        return archllm_fail(ARCHLLM_EFORMAT, "CLBlast's %s takes other parameters (%s%s%s%s%s)", tuners[k].name,
                            missing[0] ? "missing:" : "", missing, missing[0] && extra[0] ? "; " : "",
                            extra[0] ? "unknown:" : "", extra);
    return ARCHLLM_OK;
}

archllm_status archllm_clblast_override(cl_device_id device, int k, const archllm_clblast_set *set)
{
    if (!valid_kernel(k)) return archllm_fail(ARCHLLM_EINVAL, "no CLBlast kernel %d", k);
    ARCHLLM_TRY(archllm_clblast_check(device, k, set));
    try {
        std::lock_guard<std::mutex> lock(defaults_mutex);
        auto key = std::make_pair(device, std::string(tuners[k].name));
        if (defaults.find(key) == defaults.end()) {
            param_map own;
            ARCHLLM_TRY(retrieve(device, k, own));
            defaults[key] = own;
        }
        param_map m = to_map(set);
        m.erase(ARCHLLM_CLB_VECTOR_MAD);
        ARCHLLM_TRY(override_map(device, k, m));
        return k == ARCHLLM_CLB_XGEMM ? set_vector_mad(archllm_clblast_value(set, ARCHLLM_CLB_VECTOR_MAD, 0) == 1)
                                      : ARCHLLM_OK;
    } catch (...) {
        return fail_exception("CLBlast OverrideParameters", tuners[k].name);
    }
}

archllm_status archllm_clblast_restore(cl_device_id device, int k)
{
    if (!valid_kernel(k)) return archllm_fail(ARCHLLM_EINVAL, "no CLBlast kernel %d", k);
    try {
        std::lock_guard<std::mutex> lock(defaults_mutex);
        if (k == ARCHLLM_CLB_XGEMM) ARCHLLM_TRY(set_vector_mad(false));
        auto it = defaults.find(std::make_pair(device, std::string(tuners[k].name)));
        return it == defaults.end() ? ARCHLLM_OK : override_map(device, k, it->second);
    } catch (...) {
        return fail_exception("CLBlast OverrideParameters", tuners[k].name);
    }
}

size_t archllm_clblast_value(const archllm_clblast_set *set, const char *name, size_t def)
{
    for (int i = 0; i < set->n; i++)
        if (std::strcmp(set->p[i].name, name) == 0) return set->p[i].value;
    return def;
}

void archllm_clblast_format(const archllm_clblast_set *set, char *out, size_t cap)
{
    size_t n = 0;
    if (cap) out[0] = '\0';
    for (int i = 0; i < set->n && n < cap; i++)
        n += (size_t)std::snprintf(out + n, cap - n, "%s%s=%zu", i ? " " : "", set->p[i].name, set->p[i].value);
}

} // extern "C"
