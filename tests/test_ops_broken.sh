#!/bin/sh
# The harness must catch a broken kernel: copy cl/ aside, break add_fwd (a + b -> a - b),
# load kernels from the copy through ARCHLLM_CL_DIR, and expect test_ops to fail.
set -u
src=${ARCHLLM_SRCDIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$src"/cl/*.cl "$tmp"/
sed -i 's/a\[a_off + i\] + b\[b_off + i\]/a[a_off + i] - b[b_off + i]/' "$tmp/elementwise.cl"
if cmp -s "$src/cl/elementwise.cl" "$tmp/elementwise.cl"; then
    echo "FAIL: could not break add_fwd (did cl/elementwise.cl change?)"
    exit 1
fi
out=$(ARCHLLM_CL_DIR=$tmp "${ARCHLLM_BUILDDIR:-.}/tests/test_ops" --filter add 2>&1)
rc=$?
echo "$out"
[ $rc -eq 77 ] && exit 77
if [ $rc -ne 1 ] || ! echo "$out" | grep -q '^FAIL add n=1000'; then
    echo "FAIL: the broken add kernel was not detected (exit $rc)"
    exit 1
fi
echo "ok: the broken kernel was detected"
