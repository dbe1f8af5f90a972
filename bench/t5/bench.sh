#!/bin/sh
# bench.sh - the T5 benchmarks of BENCHMARKS.md side by side: the default from-scratch model
# (lm group of conf/default.cfg) on the selected OpenCL device (bench/t5/bench_t5) and the
# same model in PyTorch / transformers on the same cores (bench/t5/bench_torch.py), ROUNDS
# interleaved rounds each (the machines are noisy: compare medians of the same run).
# Usage: bench/t5/bench.sh [ROUNDS] [extra bench args, e.g. --B 64 --S 9 --T 10]
set -u
rounds=${1:-3}
[ $# -gt 0 ] && shift
here=$(dirname "$0")
top="$here/../.."
make -s -C "$top" bench/t5/bench_t5 >/dev/null || exit 1
export POCL_CACHE_DIR=${POCL_CACHE_DIR:-/tmp/pocl}
"$top/bench/t5/bench_t5" "$top/conf/default.cfg" --steps 3 "$@" >/dev/null 2>&1 # warm the kernel caches
i=0
while [ $i -lt "$rounds" ]; do
    "$top/bench/t5/bench_t5" "$top/conf/default.cfg" "$@" | grep -E 'train step|sample'
    OMP_NUM_THREADS=2 python3 "$here/bench_torch.py" --threads 2 "$@" 2>/dev/null | grep -E 'train step|generate'
    i=$((i + 1))
done
