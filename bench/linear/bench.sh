#!/bin/sh
# bench.sh - the linear layer kernels of cl/linear.cl side by side with PyTorch's at one
# shape (default the VQ-VAE's: 256 cells x 7 nodes, 128 -> 128): forward y = x W^T, dx = dy W
# and dW = dy^T x, in GFLOP/s.  archllm's side is tests/test_ops --perf (its linear cases,
# built by make check), PyTorch's bench/linear/linear_torch.py with T threads; ROUNDS
# interleaved rounds (default 3), the median of each side and the ratio archllm / PyTorch
# (above 1: archllm is faster), then bench/machine.sh's verdict.
#
#   bench/linear/bench.sh [ROUNDS] [--threads T]
set -u
rounds=${ROUNDS:-3} threads=2
case ${1:-} in [0-9]*) rounds=$1; shift ;; esac
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "usage: $0 [ROUNDS] [--threads T]" >&2; exit 2; }
    case $1 in
    --threads) threads=$2 ;;
    *) echo "usage: $0 [ROUNDS] [--threads T]" >&2; exit 2 ;;
    esac
    shift 2
done
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
py=${PYTHON:-python3}
. "$top/bench/machine.sh"
ops=$top/tests/test_ops
[ -x "$ops" ] || make -s -C "$top" tests/test_ops >/dev/null || exit 1
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$top/.cache/pocl}" POCL_CPU_MAX_CU_COUNT="$threads"
mkdir -p "$POCL_CACHE_DIR"
bench_machine "$top/archllm"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-linear-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
torch=1
bench_torch "$py" cpu || torch=0
r=1
while [ "$r" -le "$rounds" ]; do
    "$ops" --perf --filter "M=1792 " > "$tmp/a.out" 2>&1 || { cat "$tmp/a.out"; exit 1; }
    for k in fwd dx dw; do
        case $k in fwd) pat=linear_fwd ;; dx) pat=linear_bwd_dx ;; dw) pat=linear_bwd_dw ;; esac
        # the 128 x 128 layer's case only (the harness has the narrow layers at M = 1792 too)
        awk -v p="$pat" '$1 == p && ($3 == "N=128" || $3 == "O=128") && ($4 == "K=128" || $4 == "I=128") {
            print $(NF - 1) }' "$tmp/a.out" >> "$tmp/a.$k"
    done
    line="round $r: archllm $(awk 'END{print}' "$tmp/a.fwd") / $(awk 'END{print}' "$tmp/a.dx") / $(awk 'END{print}' "$tmp/a.dw") GFLOP/s"
    if [ $torch -eq 1 ]; then
        "$py" "$here/linear_torch.py" --M 1792 --N 128 --K 128 --threads "$threads" > "$tmp/t.out" 2>&1 ||
            { cat "$tmp/t.out"; exit 1; }
        for k in fwd dx dw; do awk -v k="$k" '$1 == k { print $3 }' "$tmp/t.out" >> "$tmp/t.$k"; done
        line="$line; PyTorch $(awk 'END{print}' "$tmp/t.fwd") / $(awk 'END{print}' "$tmp/t.dx") / $(awk 'END{print}' "$tmp/t.dw") GFLOP/s"
    fi
    echo "$line"
    r=$((r + 1))
done
echo "summary: (1792, 128) x (128, 128) products, GFLOP/s, median of $rounds round(s):"
printf '  %-8s %10s %10s %10s\n' "" forward dx dW
printf '  %-8s %10s %10s %10s\n' archllm "$(bench_median < "$tmp/a.fwd")" "$(bench_median < "$tmp/a.dx")" \
    "$(bench_median < "$tmp/a.dw")"
if [ $torch -eq 1 ]; then
    printf '  %-8s %10s %10s %10s\n' PyTorch "$(bench_median < "$tmp/t.fwd")" "$(bench_median < "$tmp/t.dx")" \
        "$(bench_median < "$tmp/t.dw")"
    printf '  %-8s %10s %10s %10s\n' ratio "$(bench_ratio "$(bench_median < "$tmp/a.fwd")" "$(bench_median < "$tmp/t.fwd")")" \
        "$(bench_ratio "$(bench_median < "$tmp/a.dx")" "$(bench_median < "$tmp/t.dx")")" \
        "$(bench_ratio "$(bench_median < "$tmp/a.dw")" "$(bench_median < "$tmp/t.dw")")"
fi
bench_verdict
