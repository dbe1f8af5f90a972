#!/bin/sh
# Every tile cl/linear.cl compiles (LIN_ROWS 1, 2, 4, 6, 8 by LIN_BLOCKS 2, 4: the CPU and
# GPU candidates of backend/tuning.c among them), each column width at the default tile and
# the transposed weight-gradient path, through the harness's linear, decoding-product and
# GEMM cases: a tile this device would never time must still be right on the device where
# it is a candidate.  On
# work-groups of one item (linear_wg=1): each work-group size is another PoCL compile of
# every kernel, 5x this script's time, and the items do not share anything.
set -u
ops="${ARCHLLM_BUILDDIR:-.}/tests/test_ops"
runs=0
check() { # tunables...
    args="--tune linear_wg=1"
    for t in "$@"; do args="$args --tune $t"; done
    for f in linear matmul; do
        # shellcheck disable=SC2086
        out=$("$ops" --filter "$f" $args 2>&1)
        rc=$?
        [ $rc -eq 77 ] && { echo "$out"; exit 77; }
        if [ $rc -ne 0 ]; then
            echo "$out" | grep -v '^ok'
            echo "FAIL: $* ($f cases)"
            exit 1
        fi
    done
    echo "ok   $*"
    runs=$((runs + 1))
}
for rows in 1 2 4 6 8; do
    for blocks in 2 4; do check "linear_tile=${rows}x$blocks"; done
done
for cols in 16 8 4; do check "linear_cols=$cols"; done # the default is the SIMD width
check linear_cols=4 linear_tile=1x2
# the weight gradients through dy transposed and linear_nn
check linear_dw=transposed
check linear_dw=transposed linear_tile=6x4
echo "$runs tunings passed"
