#!/bin/sh
# bench.sh - the T5 benchmarks of BENCHMARKS.md side by side: a config's lm-group model
# (default conf/default.cfg, the default from-scratch model) on the selected OpenCL device
# (bench/t5/bench_t5) and the same model in PyTorch / transformers (bench/t5/bench_torch.py,
# given the sizes bench_t5 prints), ROUNDS interleaved rounds (one run of each side per
# round, so both see the same changes in load; default 3, or $ROUNDS).
#
#   bench/t5/bench.sh [ROUNDS] [--rounds N] [--config CFG] [--device SEL] [--threads T]
#                     [--torch-device cpu|cuda|none] [--B 64] [--S 9] [--T 10] [--steps 20]
#
# Each round prints its figures; the summary is one table of the medians of the rounds
# (train step ms: the median of --steps steps after 3 warm-up steps; sampling: sequences/s,
# best of 5) for each side and the ratio of the medians as archllm's speed over PyTorch's
# (above 1: archllm is faster), then the verdict of bench/machine.sh (a run started at load
# average above 1 is NOT QUOTABLE).  PyTorch runs with T threads (default 2) and the PoCL
# device with T cores.  Without python3 + torch + transformers ($PYTHON names another
# interpreter), or with --torch-device none, archllm's side is reported alone.
# $BENCH_T5 names the bench_t5 program (default: bench/t5/bench_t5, built with make first).
set -u
rounds=${ROUNDS:-3} cfg="" device="" threads=2 tdev=cpu args=""
usage="usage: $0 [ROUNDS] [--rounds N] [--config CFG] [--device SEL] [--threads T] [--torch-device cpu|cuda|none] [--B N] [--S N] [--T N] [--steps N]"
case ${1:-} in [0-9]*) rounds=$1; shift ;; esac
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
    case $1 in
    --rounds | --reps) rounds=$2 ;;
    --config) cfg=$2 ;;
    --device) device=$2 ;;
    --threads) threads=$2 ;;
    --torch-device) tdev=$2 ;;
    --B | --S | --T | --steps) args="$args $1 $2" ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
    shift 2
done
case $tdev in cpu | cuda | none) ;; *) echo "$usage" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cfg=${cfg:-$top/conf/default.cfg}
py=${PYTHON:-python3}
. "$top/bench/machine.sh"
if [ -n "${BENCH_T5:-}" ]; then
    b5=$BENCH_T5
else
    b5=$top/bench/t5/bench_t5
    make -s -C "$top" bench/t5/bench_t5 >/dev/null || exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-t5-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$top/.cache/pocl}"
mkdir -p "$POCL_CACHE_DIR"
export POCL_CPU_MAX_CU_COUNT="$threads"
dev=""
[ -n "$device" ] && dev="--device $device"
bench_machine "${ARCHLLM:-$top/archllm}" "$device"

# the warm-up run fills the kernel caches and tells the sizes PyTorch is given
# shellcheck disable=SC2086
"$b5" "$cfg" $dev --steps 3 $args > "$tmp/warm.log" 2>&1 || { cat "$tmp/warm.log"; exit 1; }
model=$(sed -n 's/^T5 //p' "$tmp/warm.log")
targs=$(echo "$model" | sed -n 's/^v\(1\.[01]\) d_model \([0-9]*\) heads \([0-9]*\) x \([0-9]*\) d_ff \([0-9]*\) layers \([0-9]*\)+\([0-9]*\) vocab \([0-9]*\),.*/--variant v\1 --d_model \2 --heads \3 --d_kv \4 --d_ff \5 --layers \6 --decoder_layers \7 --vocab \8/p' | tr . _)
if ! bench_torch "$py" "$tdev" transformers; then
    tdev=none
elif [ -z "$targs" ]; then
    echo "PyTorch: left out (could not read the model's sizes from bench_t5: '$model')"
    tdev=none
fi
: > "$tmp/c.train"
: > "$tmp/c.sample"
: > "$tmp/t.train"
: > "$tmp/t.sample"
i=1
while [ "$i" -le "$rounds" ]; do
    # shellcheck disable=SC2086
    "$b5" "$cfg" $dev $args > "$tmp/c.log" 2>&1 || { cat "$tmp/c.log"; exit 1; }
    ct=$(sed -n 's/^train step: median \([0-9.]*\) ms.*/\1/p' "$tmp/c.log")
    cs=$(sed -n 's/^sample: .*: \([0-9.]*\) sequences\/s.*/\1/p' "$tmp/c.log")
    echo "$ct" >> "$tmp/c.train"
    echo "$cs" >> "$tmp/c.sample"
    line="round $i: archllm train step $ct ms, sampling $cs seq/s"
    if [ "$tdev" != none ]; then
        # shellcheck disable=SC2086
        if OMP_NUM_THREADS=$threads "$py" "$here/bench_torch.py" --threads "$threads" --device "$tdev" $targs $args \
            > "$tmp/t.log" 2>&1; then
            tt=$(sed -n 's/^train step: median \([0-9.]*\) ms.*/\1/p' "$tmp/t.log")
            ts=$(sed -n 's/^generate: .*: \([0-9.]*\) sequences\/s.*/\1/p' "$tmp/t.log")
            echo "$tt" >> "$tmp/t.train"
            echo "$ts" >> "$tmp/t.sample"
            line="$line; PyTorch train step $tt ms, generate $ts seq/s"
        else  # a failed PyTorch run costs its round, not archllm's figures
            line="$line; PyTorch failed: $(tail -n 1 "$tmp/t.log")"
        fi
    fi
    echo "$line"
    i=$((i + 1))
done
ct=$(bench_median < "$tmp/c.train" | bench_round 2)
cs=$(bench_median < "$tmp/c.sample" | bench_round 0)
tt=$(bench_median < "$tmp/t.train" | bench_round 2)
ts=$(bench_median < "$tmp/t.sample" | bench_round 0)
if [ "$tdev" = none ]; then torch_ver="not run"; else torch_ver="torch + transformers $torch_ver ($tdev)"; fi
echo "summary: T5 $model; median of $rounds round(s)"
echo "  archllm: OpenCL $(sed -n 's/^device //p' "$tmp/c.log"); PyTorch: $torch_ver"
printf '  %-18s %10s %10s %22s\n' "" "archllm" "PyTorch" "archllm/PyTorch speed"
printf '  %-18s %10s %10s %22s\n' "train step (ms)" "$ct" "$tt" "$(bench_ratio "$tt" "$ct")"
printf '  %-18s %10s %10s %22s\n' "sampling (seq/s)" "$cs" "$ts" "$(bench_ratio "$cs" "$ts")"
bench_verdict
