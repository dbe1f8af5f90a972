#!/bin/sh
# compare.sh - the NAS-Bench-201 search comparison as BENCHMARKS.md records it: every
# method of an experiment's config on CIFAR-10, CIFAR-100 and ImageNet16-120 in one
# `archllm search` (models loaded once), with the machine line of bench/machine.sh, the
# wall time, and its verdict (a run started at load average above 1 is NOT QUOTABLE).
#
#   bench/search/compare.sh [CONFIG] [--methods M,M,...] [--seeds N] [--queries Q]
#
# CONFIG (default conf/nb201-default.cfg) must have its models trained (`archllm run`).
# Defaults: the four-method comparison (archllm-guided, bananas, evolution, random), the
# config's seeds and queries.  Output: the command's tables, then one line per figure.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${ARCHLLM:-$top/archllm}
cfg=$top/conf/nb201-default.cfg
methods=archllm-guided,bananas,evolution,random
extra=""
while [ $# -gt 0 ]; do
    case $1 in
    --methods) methods=$2; shift 2 ;;
    --seeds) extra="$extra --seeds $2"; shift 2 ;;
    --queries) extra="$extra --queries $2"; shift 2 ;;
    -*) echo "usage: $0 [CONFIG] [--methods M,M,...] [--seeds N] [--queries Q]" >&2; exit 2 ;;
    *) cfg=$1; shift ;;
    esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-search-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$top/.cache/pocl}"
mkdir -p "$POCL_CACHE_DIR"
. "$top/bench/machine.sh"

bench_machine "$bin"
echo "command: $bin search --space nb201 --config $cfg --method $methods --dataset cifar10,cifar100,imagenet16$extra"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
"$bin" search --space nb201 --config "$cfg" --method "$methods" --dataset cifar10,cifar100,imagenet16 $extra \
    --out "$tmp" 2>"$tmp/err" | tee "$tmp/out" || { cat "$tmp/err" >&2; exit 1; }
t1=$(date +%s.%N)
wall=$(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}')
echo "wall time: $wall s (models loaded once, three datasets)"
bench_verdict
