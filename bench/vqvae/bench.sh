#!/bin/sh
# bench.sh - train the same VQ-VAE with archllm (OpenCL) and PyTorch on the same data,
# batch size and thread count, and print graphs/s side by side with their ratio.
#
#   bench/vqvae/bench.sh [--space nb201|nb101] [--steps N] [--batch B] [--threads T]
#                        [--reps R] [--device SEL]
#
# Both train from scratch for N steps on the whole space (default nb201, 200 steps,
# batch 256, 2 threads, 2 repetitions, alternating archllm and PyTorch); the first 10
# steps of each run are not timed (kernel builds, allocator warm-up).  archllm's
# rate is the median of its 10-step progress windows after the first; PyTorch's is its
# timed steps.  The best repetition of each is reported (these VMs are noisy).  The
# PoCL device is limited to T cores with POCL_CPU_MAX_CU_COUNT, PyTorch with
# torch.set_num_threads(T).  Needs python3 with torch (pip install torch).
set -eu
space=nb201 steps=200 batch=256 threads=2 reps=2 device=""
while [ $# -gt 0 ]; do
    case $1 in
    --space) space=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --device) device=$2; shift 2 ;;
    *) echo "usage: $0 [--space nb201|nb101] [--steps N] [--batch B] [--threads T] [--reps R] [--device SEL]" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${ARCHLLM:-$top/archllm}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-$top/.cache/pocl}
mkdir -p "$POCL_CACHE_DIR"
export POCL_CPU_MAX_CU_COUNT=$threads
"$bin" dataset "$space" --out "$tmp/cells.jsonl"
cat > "$tmp/bench.cfg" <<CFG
experiment = { name = "bench"; seed = 1234; output_dir = "$tmp/out"; };
data = { space = "$space"; train_fraction = 0.9; };
vqvae = { batch_size = $batch; steps = $steps; warmup_steps = 10; log_every = 10; eval_every = 0;
          eval_limit = 0; checkpoint_every = 0; };
CFG
dev=""
[ -n "$device" ] && dev="--device $device"
best_c=0 best_t=0
r=1
while [ $r -le "$reps" ]; do
    # archllm: median of the 10-step windows after the first (the first holds kernel builds)
    "$bin" train-vqvae "$tmp/bench.cfg" $dev --stop-after "$steps" > "$tmp/c.log" 2>&1 || { cat "$tmp/c.log"; exit 1; }
    c=$(grep '^step ' "$tmp/c.log" | sed 1d | sed 's/.* \([0-9]*\) graphs\/s.*/\1/' | sort -n |
        awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
    python3 "$here/vqvae_torch.py" train --space "$space" --cells "$tmp/cells.jsonl" --steps "$steps" \
        --batch "$batch" --threads "$threads" --warmup 10 --log-every 100000 > "$tmp/t.log" 2>&1 || { cat "$tmp/t.log"; exit 1; }
    t=$(sed -n 's/.*: \([0-9]*\) graphs\/s.*/\1/p' "$tmp/t.log")
    echo "rep $r: archllm $c graphs/s, pytorch $t graphs/s"
    best_c=$(awk -v a="$best_c" -v b="$c" 'BEGIN {print (b > a) ? b : a}')
    best_t=$(awk -v a="$best_t" -v b="$t" 'BEGIN {print (b > a) ? b : a}')
    r=$((r + 1))
done
devname=$(grep '^train-vqvae:' "$tmp/c.log" | sed 's/.*device //')
echo "space $space, batch $batch, $threads threads, $steps steps, best of $reps:"
printf '  %-44s %8s graphs/s\n' "archllm (OpenCL: $devname)" "$best_c"
printf '  %-44s %8s graphs/s\n' "PyTorch $(python3 -c 'import torch; print(torch.__version__)') (CPU)" "$best_t"
awk -v a="$best_c" -v b="$best_t" 'BEGIN {printf "  ratio archllm / PyTorch: %.2f\n", a / b}'
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
