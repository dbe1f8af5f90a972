#!/bin/sh
# bench.sh - the linear layer kernels of cl/linear.cl side by side with PyTorch's at one
# shape (default the VQ-VAE's: 256 cells x 7 nodes, 128 -> 128): forward y = x W^T, dx = dy W
# and dW = dy^T x, in GFLOP/s.  archllm's side is tests/test_ops --perf (its linear cases,
# built by make check), PyTorch's bench/linear/linear_torch.py with T threads; ROUNDS
# interleaved rounds (default 3), the median of each side and the ratio archllm / PyTorch
# (above 1: archllm is faster), then bench/machine.sh's verdict.  Both sides are timed as
# single synchronous calls and as S calls queued back to back (default 20), a call's share.
#
#   bench/linear/bench.sh [ROUNDS] [--threads T] [--stream S]
set -u
rounds=${ROUNDS:-3} threads=2 stream=20
case ${1:-} in [0-9]*) rounds=$1; shift ;; esac
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "usage: $0 [ROUNDS] [--threads T] [--stream S]" >&2; exit 2; }
    case $1 in
    --threads) threads=$2 ;;
    --stream)
        case $2 in '' | *[!0-9]* | 0*) echo "$0: --stream: '$2' (a positive count)" >&2; exit 2 ;; esac
        stream=$2 ;;
    *) echo "usage: $0 [ROUNDS] [--threads T] [--stream S]" >&2; exit 2 ;;
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
# each round times single synchronous calls (what a lone call costs, PoCL's wake-up
# included) and calls in a stream of $stream queued back to back (as a training step's
# queue runs them), each side the same way
modes="1 $stream"
[ "$stream" = 1 ] && modes=1
r=1
while [ "$r" -le "$rounds" ]; do
    for m in $modes; do
        "$ops" --perf --stream "$m" --filter "M=1792 " > "$tmp/a.out" 2>&1 || { cat "$tmp/a.out"; exit 1; }
        for k in fwd dx dw; do
            case $k in fwd) pat=linear_fwd ;; dx) pat=linear_bwd_dx ;; dw) pat=linear_bwd_dw ;; esac
            # the 128 x 128 layer's case only (the harness has the narrow layers at M = 1792 too)
            awk -v p="$pat" '$1 == p && ($3 == "N=128" || $3 == "O=128") && ($4 == "K=128" || $4 == "I=128") {
                print $(NF - 1) }' "$tmp/a.out" >> "$tmp/a$m.$k"
        done
        line="round $r, calls of $m: archllm $(awk 'END{print}' "$tmp/a$m.fwd") / $(awk 'END{print}' "$tmp/a$m.dx") / $(awk 'END{print}' "$tmp/a$m.dw") GFLOP/s"
        if [ $torch -eq 1 ]; then
            "$py" "$here/linear_torch.py" --M 1792 --N 128 --K 128 --threads "$threads" --stream "$m" > "$tmp/t.out" 2>&1 ||
                { cat "$tmp/t.out"; exit 1; }
            for k in fwd dx dw; do awk -v k="$k" '$1 == k { print $3 }' "$tmp/t.out" >> "$tmp/t$m.$k"; done
            line="$line; PyTorch $(awk 'END{print}' "$tmp/t$m.fwd") / $(awk 'END{print}' "$tmp/t$m.dx") / $(awk 'END{print}' "$tmp/t$m.dw") GFLOP/s"
        fi
        echo "$line"
    done
    r=$((r + 1))
done
for m in $modes; do
    if [ "$m" = 1 ]; then what="single calls"; else what="a stream of $m calls"; fi
    echo "summary: (1792, 128) x (128, 128) products, $what, GFLOP/s, median of $rounds round(s):"
    printf '  %-8s %10s %10s %10s\n' "" forward dx dW
    printf '  %-8s %10s %10s %10s\n' archllm "$(bench_median < "$tmp/a$m.fwd")" "$(bench_median < "$tmp/a$m.dx")" \
        "$(bench_median < "$tmp/a$m.dw")"
    if [ $torch -eq 1 ]; then
        printf '  %-8s %10s %10s %10s\n' PyTorch "$(bench_median < "$tmp/t$m.fwd")" "$(bench_median < "$tmp/t$m.dx")" \
            "$(bench_median < "$tmp/t$m.dw")"
        printf '  %-8s %10s %10s %10s\n' ratio \
            "$(bench_ratio "$(bench_median < "$tmp/a$m.fwd")" "$(bench_median < "$tmp/t$m.fwd")")" \
            "$(bench_ratio "$(bench_median < "$tmp/a$m.dx")" "$(bench_median < "$tmp/t$m.dx")")" \
            "$(bench_ratio "$(bench_median < "$tmp/a$m.dw")" "$(bench_median < "$tmp/t$m.dw")")"
    fi
done
bench_verdict
