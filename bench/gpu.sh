#!/bin/sh
# gpu.sh - every check and benchmark worth running on a lent NVIDIA GPU machine, in one go
# and within a time budget (default 480 s), run from the repository root there:
#
#   bench/gpu.sh [--device SEL] [--quick] [--out DIR] [--bin DIR] [--env DIR] [--budget S]
#
# Prepare on the Debian build machine first with bench/gpu-prepare.sh (static programs in
# .gpu/bin, runtime libraries in .gpu/lib, .gpu/nvidia-env.sh), carry .gpu along, then run
# `bench/gpu.sh`.  Try it here on PoCL with tiny sizes: `bench/gpu.sh --device cpu --quick`.
#
# Steps, each under `timeout` with its own limit (cut to what is left of the budget), each
# writing DIR/STEP.log; DIR/summary.txt gathers the key figures as the steps finish, and
# DIR/steps.txt their status and time:
#   machine       the machine line (bench/machine.sh), nvidia-smi, the ICD files, ldd, PyTorch
#   devices       `archllm devices`; stops the run if SEL matches nothing (or, for the default
#                 selector, if what it matches is not a GPU)
#   ops           tests/test_ops on the device (every kernel against its C reference)
#   ops-grad      tests/test_ops --grad (the C references' backward, on the host; quick)
#   gemm          archllm bench gemm (sizes 1024..4096, strided-batched: CLBlast and archllm's
#                 own kernels, OpenBLAS beside them when built in: bench/gpu-prepare.sh
#                 --with-openblas)
#   vqvae-nb201   bench/vqvae/bench.sh at batch 256 on NAS-Bench-201, 3 rounds
#   vqvae-nb101   the same on NAS-Bench-101 (2 rounds: each run enumerates 423,624 cells)
#   t5-nb201      bench/t5/bench.sh on conf/nb201-default.cfg's T5, 3 rounds
#   t5-small      bench/t5/bench.sh on a t5-small-shaped T5 (v1.0, d_model 512, 8 heads x 64,
#                 d_ff 2048, 6+6 layers; the vocabulary is the 512 codes, not 32128), batch
#                 64, S = T = 32, 3 rounds
#   ops-perf      tests/test_ops --perf (ms, GB/s, GFLOP/s of every kernel), if time is left
# The PyTorch side of the two side-by-side benchmarks runs on CUDA when
# `python3 -c 'import torch'` works and torch.cuda.is_available(); otherwise summary.txt says
# why and archllm's side is reported alone.
#
# --device SEL  the OpenCL device (an `archllm devices` selector; default "nvidia"), set
#               as ARCHLLM_DEVICE and passed as --device to every step.  "cpu" means PoCL's
#               CPU device (selector "pthread"), with the system's ICD files instead of the
#               NVIDIA one and PyTorch on the CPU: for trying the script on a build machine.
# --quick       tiny sizes and fewer rounds: proves every step runs (a minute on PoCL)
# --out DIR     logs and summary (default $OUT/gpu-bench when $OUT is set, else gpu-out/)
# --bin DIR     archllm, test_ops, bench_t5 (default .gpu/bin when it exists, else the
#               checkout's own build)
# --env DIR     the folder with nvidia-env.sh and lib/ (default .gpu); sourced when present
# Exit status: 0 when every step passed, 1 when one failed, timed out or was skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
sel=nvidia quick=0 out="" bindir="" envdir=$top/.gpu budget=480
usage="usage: $0 [--device SEL] [--quick] [--out DIR] [--bin DIR] [--env DIR] [--budget S]"
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1; shift; continue ;;
    --device | --out | --bin | --env | --budget) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; } ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
    case $1 in
    --device) sel=$2 ;;
    --out) out=$2 ;;
    --bin) bindir=$2 ;;
    --env) envdir=$2 ;;
    --budget) budget=$2 ;;
    esac
    shift 2
done
start=$(date +%s)
deadline=$((start + budget))
cpu=0
if [ "$sel" = cpu ]; then sel=pthread cpu=1; fi
[ -n "$out" ] || out=${OUT:+$OUT/gpu-bench}
[ -n "$out" ] || out=$top/gpu-out
mkdir -p "$out" || exit 1
out=$(cd "$out" && pwd)
for f in machine env devices ops ops-grad gemm vqvae-nb201 vqvae-nb101 t5-nb201 t5-small ops-perf; do
    rm -f "$out/$f.log"
done
rm -f "$out/summary.txt" "$out/steps.txt" "$out/t5-small.cfg"
sum=$out/summary.txt
say() { echo "$*" | tee -a "$sum"; }

# the programs: the static ones of gpu-prepare.sh, else the checkout's build
if [ -z "$bindir" ] && [ -x "$top/.gpu/bin/archllm" ]; then bindir=$top/.gpu/bin; fi
if [ -n "$bindir" ]; then
    archllm=$bindir/archllm test_ops=$bindir/test_ops bench_t5=$bindir/bench_t5
else
    archllm=$top/archllm test_ops=$top/tests/test_ops bench_t5=$top/bench/t5/bench_t5
fi
for p in "$archllm" "$test_ops" "$bench_t5"; do
    [ -x "$p" ] || { echo "$0: $p is missing: run bench/gpu-prepare.sh on the build machine (or make check)" >&2; exit 1; }
done

# the environment: NVIDIA's ICD file and the carried libraries (nvidia-env.sh takes the
# folder as $1; `set --` hands it over in any POSIX shell)
envnote="no $envdir/nvidia-env.sh: the system's ICD files and libraries as they are"
if [ -f "$envdir/nvidia-env.sh" ]; then
    envdir=$(cd "$envdir" && pwd)
    set -- "$envdir"
    # shellcheck disable=SC1091
    . "$envdir/nvidia-env.sh" > "$out/env.log" 2>&1
    set --
    envnote=$(cat "$out/env.log")
fi
if [ "$cpu" = 1 ]; then  # PoCL: the system's ICD folder, the carried libraries kept
    unset OCL_ICD_VENDORS
    envnote="$envnote; --device cpu: the system's ICD files (OCL_ICD_VENDORS unset)"
fi
export POCL_CACHE_DIR="${POCL_CACHE_DIR:-$top/.cache/pocl}"
export ARCHLLM_CACHE_DIR="${ARCHLLM_CACHE_DIR:-$top/.cache/archllm}"
export ARCHLLM_DATA_DIR="${ARCHLLM_DATA_DIR:-$top/data}"
mkdir -p "$POCL_CACHE_DIR" "$ARCHLLM_CACHE_DIR"
. "$top/bench/machine.sh"
py=${PYTHON:-python3}
has_timeout=1
command -v timeout > /dev/null 2>&1 || has_timeout=0

mode=full
[ "$quick" = 1 ] && mode=quick
say "archllm GPU run: bench/gpu.sh ($mode), selector '$sel', logs in $out"
bench_machine "$archllm" "$sel" > "$out/machine.line"  # not in $(...): it sets bench_load0 for the verdict
machine=$(cat "$out/machine.line")
rm -f "$out/machine.line"
say "$machine"
say "environment: $envnote"
[ "$has_timeout" = 1 ] || say "note: no timeout(1) here: the steps run without their time limits"

# ---- machine: what this is, and whether PyTorch can run beside archllm
{
    echo "$machine"
    uname -srm
    echo "environment: $envnote"
    echo "OCL_ICD_VENDORS=${OCL_ICD_VENDORS:-(unset: /etc/OpenCL/vendors)}"
    for f in "${OCL_ICD_VENDORS:-/etc/OpenCL/vendors}"/*.icd; do [ -f "$f" ] && echo "  $f: $(cat "$f")"; done
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
    echo "programs: $archllm $test_ops $bench_t5"
    ldd "$archllm"
    if command -v nvidia-smi > /dev/null 2>&1; then nvidia-smi; else echo "nvidia-smi: not found"; fi
} > "$out/machine.log" 2>&1
if command -v nvidia-smi > /dev/null 2>&1; then
    say "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';')"
fi
want=cuda
[ "$cpu" = 1 ] && want=cpu
if ! tver=$("$py" -c 'import torch; print(torch.__version__)' 2>/dev/null); then
    tdev=none
    say "PyTorch: not available ($py -c 'import torch' failed): archllm's side alone"
elif [ "$want" = cuda ] && ! "$py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    tdev=none
    say "PyTorch: $tver, but torch.cuda.is_available() is false: archllm's side alone"
else
    tdev=$want
    say "PyTorch: $tver on $want"
fi

# ---- step NAME LIMIT CMD...: run CMD into NAME.log under a time limit cut to the budget
failed=0
step() {
    name=$1 lim=$2
    shift 2
    now=$(date +%s)
    left=$((deadline - now))
    if [ "$left" -lt 10 ]; then
        printf '%-12s %-24s\n' "$name" "SKIPPED (budget spent)" >> "$out/steps.txt"
        echo "[$name] skipped: the $budget s budget is spent"
        failed=1
        return 1
    fi
    [ "$lim" -le "$left" ] || lim=$left
    echo "[$name] $* (limit $lim s)"
    echo "\$ $*" > "$out/$name.log"
    if [ "$has_timeout" = 1 ]; then
        timeout -k 5 "$lim" "$@" >> "$out/$name.log" 2>&1
    else
        "$@" >> "$out/$name.log" 2>&1
    fi
    rc=$?
    dt=$(($(date +%s) - now))
    case $rc in
    0) st=ok ;;
    124 | 137) st="TIMED OUT ($lim s)"; failed=1 ;;
    *) st="FAILED (exit $rc)"; failed=1 ;;
    esac
    printf '%-12s %-24s %4d s  %s\n' "$name" "$st" "$dt" "$name.log" >> "$out/steps.txt"
    echo "[$name] $st in $dt s"
    [ "$rc" = 0 ] || say "$name: $st, see $name.log"
    return "$rc"
}
# figures NAME SED-SCRIPT: the step's key lines into the summary
figures() {
    [ -f "$out/$1.log" ] || return 0
    { echo ""; echo "== $1"; sed -n "$2" "$out/$1.log"; } >> "$sum"
}

# ---- devices: the selected device must exist (and be a GPU for the default selector)
(unset ARCHLLM_DEVICE; "$archllm" devices) > "$out/devices.log" 2>&1
if ! "$archllm" devices --device "$sel" >> "$out/devices.log" 2>&1; then
    say "devices: FAILED: no OpenCL device matches '$sel'; what the ICD loader sees:"
    awk '!seen[$0]++ { print "  " $0 }' "$out/devices.log" | tee -a "$sum"
    say "(is the driver there, was .gpu/nvidia-env.sh sourced? see $out/machine.log)"
    exit 1
fi
dev=$(bench_device "$archllm" "$sel")
say "device: $dev"
if [ "$sel" = nvidia ] && ! echo "$dev" | grep -q '\[GPU\]'; then
    say "devices: FAILED: '$sel' matches a device that is not a GPU"
    exit 1
fi
printf '%-12s %-24s %4d s  %s\n' devices ok 0 devices.log >> "$out/steps.txt"
export ARCHLLM_DEVICE="$sel" ARCHLLM_REQUIRE_DEVICE=1

# ---- sizes
threads=$(bench_cores)
if [ "$quick" = 1 ]; then
    gemm="--sizes 64,128 --repeat 1 --batched"
    vq="--batch 32 --steps 20" vq_reps=2 vq101_reps=1
    t5="--rounds 2 --steps 3" t5s="--rounds 2 --B 4 --S 8 --T 8 --steps 2"
    small="d_model = 64; d_kv = 16; heads = 4; d_ff = 256; layers = 2; decoder_layers = 2;"
    perf="--filter scale"
else
    gemm="--sizes 1024,2048,4096 --repeat 5 --batched" # our kernels too, untuned there: 8192 could take the step's time
    vq="--batch 256 --steps 200" vq_reps=3 vq101_reps=2
    t5="--rounds 3" t5s="--rounds 3 --B 64 --S 32 --T 32 --steps 10"
    small="d_model = 512; d_kv = 64; heads = 8; d_ff = 2048; layers = 6; decoder_layers = 6;"
    perf=""
fi
# the OpenBLAS baseline on the host's cores, when the programs were built with it
# (bench/gpu-prepare.sh --with-openblas)
if ldd "$archllm" 2>/dev/null | grep -q libopenblas; then gemm="$gemm --openblas --threads $threads"; fi
cat > "$out/t5-small.cfg" <<CFG
# t5-small's shape (bench/gpu.sh, $mode sizes); the vocabulary is the 512 VQ-VAE codes
vqvae = { codebook_size = 512; };
lm = { variant = "v1_0"; $small };
CFG

# ---- the steps
step ops 60 "$test_ops" --device "$sel"
figures ops '/cases passed/p; /^FAIL/p'
step ops-grad 30 "$test_ops" --grad
figures ops-grad '/gradient checks passed/p; /^FAIL/p'
# shellcheck disable=SC2086
step gemm 60 "$archllm" bench gemm --device "$sel" $gemm
figures gemm '/^SGEMM/,$p'
# shellcheck disable=SC2086
step vqvae-nb201 75 env ARCHLLM="$archllm" sh "$top/bench/vqvae/bench.sh" --space nb201 $vq --reps "$vq_reps" \
    --threads "$threads" --device "$sel" --torch-device "$tdev"
figures vqvae-nb201 '/^PyTorch:/p; /^round /p; /^summary/,$p'
# shellcheck disable=SC2086
step vqvae-nb101 120 env ARCHLLM="$archllm" sh "$top/bench/vqvae/bench.sh" --space nb101 $vq --reps "$vq101_reps" \
    --threads "$threads" --device "$sel" --torch-device "$tdev"
figures vqvae-nb101 '/^PyTorch:/p; /^round /p; /^summary/,$p'
# shellcheck disable=SC2086
step t5-nb201 45 env ARCHLLM="$archllm" BENCH_T5="$bench_t5" sh "$top/bench/t5/bench.sh" $t5 \
    --config "$top/conf/nb201-default.cfg" --threads "$threads" --device "$sel" --torch-device "$tdev"
figures t5-nb201 '/^PyTorch:/p; /^round /p; /^summary/,$p'
# shellcheck disable=SC2086
step t5-small 75 env ARCHLLM="$archllm" BENCH_T5="$bench_t5" sh "$top/bench/t5/bench.sh" $t5s \
    --config "$out/t5-small.cfg" --threads "$threads" --device "$sel" --torch-device "$tdev"
figures t5-small '/^PyTorch:/p; /^round /p; /^summary/,$p'
# shellcheck disable=SC2086
step ops-perf 40 "$test_ops" --perf --device "$sel" $perf
figures ops-perf '/ ms /p; /cases passed/p'

{
    echo ""
    echo "== steps (status, seconds, log)"
    cat "$out/steps.txt"
    echo ""
    echo "wall time: $(($(date +%s) - start)) s of the $budget s budget"
    bench_verdict
} >> "$sum"
echo ""
cat "$sum"
exit "$failed"
