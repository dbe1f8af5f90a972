#!/bin/sh
# bench.sh - train the same VQ-VAE with archllm (OpenCL) and PyTorch on the same data,
# batch size and thread count, and print graphs/s side by side with their ratio.
#
#   bench/vqvae/bench.sh [--space nb201|nb101] [--steps N] [--batch B] [--threads T]
#                        [--reps R] [--device SEL] [--torch-device cpu|cuda|none]
#
# Both train from scratch for N steps on the whole space (default nb201, 200 steps,
# batch 256, 2 threads); R rounds (default 3, or $ROUNDS; --rounds is the same option),
# each one archllm run then one PyTorch run, so both sides see the same changes in load.
# The first 10 steps of each run are not timed (kernel builds, allocator warm-up).
# archllm's rate is the median of its 10-step progress windows after the first (so N must
# be at least 20); PyTorch's is its timed steps.  The summary gives the median of the
# rounds for each side and the ratio of the medians, then the verdict of bench/machine.sh
# (a run started at load average above 1 is NOT QUOTABLE).  The PoCL device is limited to
# T cores with POCL_CPU_MAX_CU_COUNT, PyTorch with torch.set_num_threads(T).
# PyTorch's side needs python3 with torch (pip install torch; $PYTHON names another
# interpreter); without it, or with --torch-device none, archllm's side is reported alone.
# --torch-device cuda runs PyTorch on the GPU (bench/gpu.sh does).  $ARCHLLM names the
# archllm program (default: the one built in the checkout).
set -eu
space=nb201 steps=200 batch=256 threads=2 reps=${ROUNDS:-3} device="" tdev=cpu
usage="usage: $0 [--space nb201|nb101] [--steps N] [--batch B] [--threads T] [--reps R] [--device SEL] [--torch-device cpu|cuda|none]"
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
    case $1 in
    --space) space=$2 ;;
    --steps) steps=$2 ;;
    --batch) batch=$2 ;;
    --threads) threads=$2 ;;
    --reps | --rounds) reps=$2 ;;
    --device) device=$2 ;;
    --torch-device) tdev=$2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
    shift 2
done
case $tdev in cpu | cuda | none) ;; *) echo "$usage" >&2; exit 2 ;; esac
[ "$steps" -ge 20 ] || { echo "$0: --steps must be at least 20 (two 10-step windows)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${ARCHLLM:-$top/archllm}
py=${PYTHON:-python3}
. "$top/bench/machine.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$top/.cache/pocl}"
mkdir -p "$POCL_CACHE_DIR"
export POCL_CPU_MAX_CU_COUNT="$threads"
bench_machine "$bin" "$device"

# PyTorch's side: say in one line why it is left out
bench_torch "$py" "$tdev" || tdev=none

"$bin" dataset "$space" --out "$tmp/cells.jsonl"
cat > "$tmp/bench.cfg" <<CFG
experiment = { name = "bench"; seed = 1234; output_dir = "$tmp/out"; };
data = { space = "$space"; train_fraction = 0.9; };
vqvae = { batch_size = $batch; steps = $steps; warmup_steps = 10; log_every = 10; eval_every = 0;
          eval_limit = 0; checkpoint_every = 0; };
CFG
dev=""
[ -n "$device" ] && dev="--device $device"
: > "$tmp/c.rounds"
: > "$tmp/t.rounds"
r=1
while [ "$r" -le "$reps" ]; do
    # archllm: median of the 10-step windows after the first (the first holds kernel builds)
    # shellcheck disable=SC2086
    "$bin" train-vqvae "$tmp/bench.cfg" $dev --stop-after "$steps" --progress plain > "$tmp/c.log" 2>&1 ||
        { cat "$tmp/c.log"; exit 1; }
    c=$(grep '^step ' "$tmp/c.log" | sed 1d | sed 's/.* \([0-9]*\) graphs\/s.*/\1/' | bench_median)
    echo "$c" >> "$tmp/c.rounds"
    t="-"
    if [ "$tdev" != none ]; then
        if "$py" "$here/vqvae_torch.py" train --space "$space" --cells "$tmp/cells.jsonl" --steps "$steps" \
            --batch "$batch" --threads "$threads" --device "$tdev" --warmup 10 --log-every 100000 > "$tmp/t.log" 2>&1; then
            t=$(sed -n 's/.*: \([0-9]*\) graphs\/s.*/\1/p' "$tmp/t.log")
            echo "$t" >> "$tmp/t.rounds"
        else  # a failed PyTorch run costs its round, not archllm's figures
            echo "round $r: PyTorch failed:"
            tail -n 5 "$tmp/t.log"
        fi
    fi
    if [ "$tdev" != none ]; then echo "round $r: archllm $c graphs/s, pytorch $t graphs/s"
    else echo "round $r: archllm $c graphs/s"; fi
    r=$((r + 1))
done
devname=$(grep '^train-vqvae:' "$tmp/c.log" | sed 's/.*device //')
mc=$(bench_median < "$tmp/c.rounds" | bench_round 0)
mt=$(bench_median < "$tmp/t.rounds" | bench_round 0)
echo "summary: space $space, batch $batch, $threads threads, $steps steps, median of $reps round(s):"
printf '  archllm  %8s graphs/s  (OpenCL: %s)\n' "$mc" "$devname"
if [ "$tdev" != none ]; then
    printf '  PyTorch  %8s graphs/s  (%s, %s)\n' "$mt" "$torch_ver" "$tdev"
    echo "  ratio of medians archllm / PyTorch: $(bench_ratio "$mc" "$mt")"
else
    echo "  PyTorch: not run"
fi
bench_verdict
