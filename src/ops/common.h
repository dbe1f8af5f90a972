/* common.h - what the op launchers share: size checks for the uint indexes the kernels use. */
#ifndef ARCHLLM_OPS_COMMON_H
#define ARCHLLM_OPS_COMMON_H

#include "ops/ops.h"

#include <stdint.h>

/* a size or offset as a kernel's uint argument (checked with OPS_CHECK_SIZE) */
#define U(x) ((cl_uint)(x))

/* elements per work-item of the GELU kernels: cl/common.cl's GELU_VEC */
#define OPS_GELU_VEC 16

/* Kernels index with 32-bit uints: offsets plus sizes must stay below 2^32 elements. */
#define OPS_CHECK_SIZE(what, end)                                                          \
    do {                                                                                  \
        if ((uint64_t)(end) > UINT32_MAX)                                                 \
            return archllm_fail(ARCHLLM_EINVAL, "%s: %zu elements exceed the 2^32 limit", \
                                (what), (size_t)(end));                                   \
    } while (0)

#endif
