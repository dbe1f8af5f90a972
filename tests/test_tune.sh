#!/bin/sh
# Tuning files (src/backend/tuning.c) and `archllm tune` (src/ops/autotune.c and
# autotune_clblast.c, src/backend/clblast_tune.cc): a missing, corrupt or stale file, or one
# with an unknown or malformed clblast line, is ignored with one notice and rebuilt by the
# next tune (on a tiny budget: the defaults only, CLBlast's part skipped); a tune of
# CLBlast alone with its tuners sampling two configurations each (ARCHLLM_CLBLAST_TUNE_CONFIGS=2)
# runs every tuner and writes a file a context reads, keeping our kernels' values, and a
# tune of our kernels alone keeps CLBlast's; stored CLBlast parameters reach CLBlast
# (`archllm tune --show` reads them back with RetrieveParameters); a file picking
# non-default candidates and CLBlast parameters gives the same results within the op
# harness's tolerances for every family they touch, and the T5 matches its transformers
# fixtures with every GEMM on CLBlast or on cl/linear.cl.  Programs come from the suite's
# cache; the tuning file is this test's own (ARCHLLM_TUNING_FILE).
set -u
name=tune
. "${ARCHLLM_SRCDIR:?}/tests/clilib.sh"
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
ops="${ARCHLLM_BUILDDIR:-.}/tests/test_ops"
"$bin" devices >/dev/null 2>&1 || { echo "SKIP no OpenCL device"; exit 77; }
unset ARCHLLM_TUNE
f="$tmp/tuning.txt"
export ARCHLLM_TUNING_FILE="$f"
probe() { "$ops" --filter "linear_fwd M=1 " >"$tmp/out" 2>"$tmp/err"; } # opens one context

# notice_is WHAT PATTERN: the probe passes and says PATTERN once on stderr
notice_is() {
    probe; rc=$?
    n=$(grep -c "$2" "$tmp/err")
    if [ "$rc" -eq 0 ] && [ "$n" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then ok "$1"
    else fail "$1: exit $rc, $n notices"; cat "$tmp/err"; fi
}

notice_is "untuned: one notice naming archllm tune" "archllm tune"
"$bin" devices | grep -q "not tuned: safe defaults" && ok "devices: not tuned" || fail "devices: not tuned"
ARCHLLM_TUNE=off probe && [ ! -s "$tmp/err" ] && ok "ARCHLLM_TUNE=off: silent" || fail "ARCHLLM_TUNE=off: silent"

printf 'garbage\n\001\002\n' >"$f"
notice_is "corrupt file ignored" "ignoring the tuning file"
"$bin" devices | grep -q "is ignored" && ok "devices: corrupt file ignored" || fail "devices: corrupt file ignored"

"$bin" tune --only cblast >"$tmp/tune.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "^archllm: --only: 'kernels' or 'clblast', not 'cblast'" "$tmp/tune.out" &&
    ok "--only: a usage error names the choices" || { fail "--only: a usage error names the choices (exit $rc)"; cat "$tmp/tune.out"; }
"$bin" tune --budget 0.001 >"$tmp/tune.out" 2>&1 && ok "tune on a tiny budget" ||
    { fail "tune on a tiny budget"; cat "$tmp/tune.out"; }
[ "$(grep -c '^tune ' "$tmp/tune.out")" -eq 7 ] && ok "a progress line per tunable" || fail "a progress line per tunable"
grep -q "skipped (budget)" "$tmp/tune.out" && ok "budget skips candidates" || fail "budget skips candidates"
grep -q "^clblast .*skipped (budget)" "$tmp/tune.out" && ! grep -q "^clblast" "$f" &&
    ok "budget skips CLBlast's tuning" || fail "budget skips CLBlast's tuning"
head -1 "$f" | grep -q "^archllm-tuning 3$" && ok "file rebuilt, format 3" || fail "file rebuilt, format 3"
probe && [ ! -s "$tmp/err" ] && ok "tuned: no notice" || { fail "tuned: no notice"; cat "$tmp/err"; }
"$bin" devices | grep -q "tuned: $f" && ok "devices: tuned, with the file" || fail "devices: tuned, with the file"
cp "$f" "$tmp/good.txt"

sed 's/^archllm-tuning 3$/archllm-tuning 99/' "$tmp/good.txt" >"$f"
notice_is "other format version ignored" "format 99"
sed 's/^driver .*/driver 0.0-another-driver/' "$tmp/good.txt" >"$f"
notice_is "other driver ignored (stale)" "stale"
sed 's/^linear_wg .*/linear_wg 48/' "$tmp/good.txt" >"$f"
notice_is "a value outside the candidates ignored" "not a candidate"
: >"$f"
notice_is "empty file ignored" "ignoring the tuning file"
sed 's/^archllm-tuning 3$/archllm-tuning 1/' "$tmp/good.txt" >"$f"
notice_is "a format 1 file (the Zen 5 constants' days) ignored" "format 1"
# a format 2 file (before linear_tile, with matmul_max's old 2^30 candidate)
sed -e 's/^archllm-tuning 3$/archllm-tuning 2/' -e '/^linear_tile /d' -e 's/^matmul_max .*/matmul_max 1073741824/' \
    "$tmp/good.txt" >"$f"
notice_is "a format 2 file (before linear_tile) ignored" "format 2"
sed 's/^matmul_max .*/matmul_max 1073741824/' "$tmp/good.txt" >"$f"
notice_is "matmul_max 2^30, no longer a candidate, ignored" "not a candidate"

# clblast lines: CLBlast 1.5.3's Xgemm parameter names; values other than its defaults on
# PoCL (the Zen 5 tuning's), and an XgemmDirect and crossover of ours, so that the op
# harness's sgemm cases run both paths on them: (33,65)x(65,17) direct, (128,64)x(64,96)
# indirect
xgemm='clblast Xgemm GEMMK=0 KREG=1 KWG=32 KWI=2 MDIMA=8 MDIMC=8 MWG=64 NDIMB=8 NDIMC=8 NWG=64 SA=1 SB=1 STRM=0 STRN=0 VWM=4 VWN=4'
direct='clblast XgemmDirect KWID=2 MDIMAD=16 MDIMCD=16 NDIMBD=16 NDIMCD=16 PADA=1 PADB=1 VWMD=2 VWND=2 WGD=32'
routine='clblast GemmRoutine XGEMM_MIN_INDIRECT_SIZE=64'
bad_clblast() { # WHAT PATTERN LINE: the good file plus LINE is ignored with PATTERN
    { cat "$tmp/good.txt"; printf '%s\n' "$3"; } >"$f"
    notice_is "$1" "$2"
}
bad_clblast "an unknown CLBlast kernel ignored" "unknown CLBlast kernel Xgemv" "clblast Xgemv WGS1=64"
bad_clblast "a clblast line without parameters ignored" "no parameters" "clblast Xgemm"
bad_clblast "a malformed clblast parameter ignored" "not NAME=number" "$(echo "$xgemm" | sed 's/KWG=32/KWG=thirty/')"
bad_clblast "a clblast parameter twice ignored" "KWI twice" "$xgemm KWI=2"
bad_clblast "missing CLBlast parameters ignored (stale)" "missing: GEMMK" "clblast Xgemm MWG=64 NWG=64"
bad_clblast "an unknown CLBlast parameter ignored (stale)" "unknown: WPT" "$direct WPT=1"
bad_clblast "Xgemm's USE_VECTOR_MAD other than 0 or 1 ignored" "USE_VECTOR_MAD=2 is not 0 or 1" "$xgemm USE_VECTOR_MAD=2"
bad_clblast "USE_VECTOR_MAD on another kernel ignored (stale)" "unknown: USE_VECTOR_MAD" "$direct USE_VECTOR_MAD=1"
{ cat "$tmp/good.txt"; echo "$routine"; echo "$routine"; } >"$f"
notice_is "a second clblast line for a kernel ignored" "second clblast GemmRoutine"

# linear_tile's candidates are by device type (backend/tuning.c)
tile1=6x4 tile2=8x2
if "$bin" devices | grep -q '^  \* .*\[GPU\]'; then tile1=2x4 tile2=2x2; fi

# CLBlast's tuners alone (--only clblast), two configurations each (one that fails to build
# or run is skipped by CLBlast, so the other still gives a winner), and the GEMM timings:
# every tuner finds one, and the file is rewritten with whatever the timings kept and our
# kernels' values as it had them (on PoCL: 40-60 s on a cold cache, mostly three builds of
# CLBlast's GEMM program; 10 s warm)
sed -e "s/^linear_tile .*/linear_tile $tile1/" -e 's/^linear_wg .*/linear_wg 32/' "$tmp/good.txt" >"$f"
if ARCHLLM_CLBLAST_TUNE_CONFIGS=2 "$bin" tune --only clblast --budget 200 >"$tmp/tune.out" 2>&1; then ok "tune with CLBlast's tuners"
else fail "tune with CLBlast's tuners"; cat "$tmp/tune.out"; fi
grep -q "^our kernels' values: the tuning file's" "$tmp/tune.out" && ! grep -q '^tune ' "$tmp/tune.out" &&
    grep -q "^linear_tile $tile1\$" "$f" && grep -q '^linear_wg 32$' "$f" &&
    ok "--only clblast keeps our kernels' values" || { fail "--only clblast keeps our kernels' values"; cat "$f"; }
n=$(grep -c '^clblast \(Xgemm\|XgemmDirect\|Copy\|Pad\|Transpose\|Padtranspose\) .* 2 of [0-9]* configurations: [A-Z]' "$tmp/tune.out")
[ "$n" -eq 6 ] && ok "every CLBlast tuner found a configuration" ||
    { fail "every CLBlast tuner found a configuration ($n of 6)"; grep '^clblast' "$tmp/tune.out"; }
# on a CPU, Xgemm's vector tiles too (capped at two by the same variable), each timed
# against the tuner's winner on the products Xgemm runs, or skipped for the budget
if "$bin" devices | grep -q '^  \* .*\[CPU\]'; then
    grep -q "^clblast Xgemm tiles  the tuner's .*: [0-9.]* ms" "$tmp/tune.out" &&
        grep -q '^clblast Xgemm tiles  tile 1/2 .*USE_VECTOR_MAD=1 VWM=[0-9]* VWN=8: [0-9.]* ms' "$tmp/tune.out" &&
        grep -q '^Xgemm vector tiles: 2 of 2 timed' "$tmp/tune.out" &&
        ok "Xgemm's vector tiles timed" || { fail "Xgemm's vector tiles timed"; grep -i 'tile' "$tmp/tune.out"; }
fi
[ "$(grep -c '^clblast timing .* GEMM shapes timed' "$tmp/tune.out")" -eq 2 ] && grep -q '^clblast result .* kept' "$tmp/tune.out" &&
    ok "the tuned parameters timed and judged" || fail "the tuned parameters timed and judged"
# what the result line says it kept is what the file holds: a line for each kept kernel, none other
kept=$(sed -n 's/^clblast result *kept: \([^;]*\);.*/\1/p' "$tmp/tune.out" | sed 's/none of the tuned kernels//; s/,//g')
stored=$(grep '^clblast ' "$f" | grep -v '^clblast GemmRoutine ' | awk '{print $2}' | tr '\n' ' ')
[ "$(echo $kept)" = "$(echo $stored)" ] && ok "the kept kernels are the stored ones ($(echo ${kept:-none}))" ||
    fail "the kept kernels are the stored ones: result '$kept', file '$stored'"
grep -q '^crossover XGEMM_MIN_INDIRECT_SIZE' "$tmp/tune.out" && ok "CLBlast's summary table" || fail "CLBlast's summary table"
head -1 "$f" | grep -q "^archllm-tuning 3$" && probe && [ ! -s "$tmp/err" ] &&
    ok "the file rewritten, and read" || { fail "the file rewritten, and read"; cat "$tmp/err"; }

# stored CLBlast parameters reach CLBlast, and the GEMMs on them match the references
{ cat "$tmp/good.txt"; echo "$xgemm"; echo "$direct"; echo "$routine"; } >"$f"
"$bin" tune --show >"$tmp/show.out" 2>&1
grep -q "^clblast Xgemm *GEMMK=0 KREG=1 KWG=32 KWI=2 MDIMA=8 MDIMC=8 MWG=64 NDIMB=8 NDIMC=8 NWG=64 SA=1 SB=1 STRM=0 STRN=0 VWM=4 VWN=4 (the tuning file's)" "$tmp/show.out" &&
    grep -q "^clblast XgemmDirect *KWID=2 MDIMAD=16 MDIMCD=16 NDIMBD=16 NDIMCD=16 PADA=1 PADB=1 VWMD=2 VWND=2 WGD=32 (the tuning file's)" "$tmp/show.out" &&
    grep -q "^clblast GemmRoutine *XGEMM_MIN_INDIRECT_SIZE=64 (the tuning file's)" "$tmp/show.out" &&
    grep -q "^clblast Copy .*(CLBlast's own)" "$tmp/show.out" &&
    ok "stored CLBlast parameters applied (RetrieveParameters)" ||
    { fail "stored CLBlast parameters applied (RetrieveParameters)"; cat "$tmp/show.out"; }
ARCHLLM_CLBLAST_TUNING=0 "$bin" tune --show >"$tmp/show.out" 2>&1
grep -q "^clblast GemmRoutine *XGEMM_MIN_INDIRECT_SIZE=[0-9]* (CLBlast's own: ARCHLLM_CLBLAST_TUNING=0)" "$tmp/show.out" &&
    ! grep -q "XGEMM_MIN_INDIRECT_SIZE=64 " "$tmp/show.out" &&
    ok "ARCHLLM_CLBLAST_TUNING=0: CLBlast's own" || { fail "ARCHLLM_CLBLAST_TUNING=0: CLBlast's own"; cat "$tmp/show.out"; }
"$bin" devices | grep -q "CLBlast: Xgemm, XgemmDirect tuned, the others CLBlast's own; GEMM crossover 64" &&
    ok "devices: CLBlast's tuned kernels" || fail "devices: CLBlast's tuned kernels"
if "$ops" --filter sgemm >"$tmp/ops.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ] && [ "$(grep -c '^ok' "$tmp/ops.out")" -ge 6 ]
then ok "tuned CLBlast: sgemm cases match the references"
else fail "tuned CLBlast: sgemm cases match the references"; grep -v '^ok' "$tmp/ops.out"; cat "$tmp/err"; fi

# our kernels alone (--only kernels) keep the file's CLBlast parameters
{ cat "$tmp/good.txt"; echo "$xgemm"; echo "$direct"; echo "$routine"; } >"$f"
"$bin" tune --only kernels --budget 0.001 >"$tmp/tune.out" 2>&1 &&
    grep -q "^CLBlast's parameters: the tuning file's" "$tmp/tune.out" && ! grep -q '^clblast ' "$tmp/tune.out" &&
    [ "$(grep -c '^tune ' "$tmp/tune.out")" -eq 7 ] && grep -qx "$xgemm" "$f" && grep -qx "$direct" "$f" && grep -qx "$routine" "$f" &&
    ok "--only kernels keeps CLBlast's parameters" || { fail "--only kernels keeps CLBlast's parameters"; cat "$tmp/tune.out" "$f"; }

# non-default candidates: every tuned family still matches the references
sed -e 's/^linear_wg .*/linear_wg 32/' -e 's/^linear_cols .*/linear_cols 8/' -e "s/^linear_tile .*/linear_tile $tile1/" \
    -e 's/^reduce_wg .*/reduce_wg 16/' -e 's/^attn_shape .*/attn_shape 2x8/' -e 's/^linear_dw .*/linear_dw transposed/' \
    "$tmp/good.txt" >"$f"
"$bin" devices | grep -q "linear_wg 32, linear_cols 8, linear_tile $tile1, reduce_wg 16, attn_shape 2x8, .*linear_dw transposed" &&
    ok "non-default candidates read" || fail "non-default candidates read"
for filt in linear sum xent gin_agg attn_fused; do
    if "$ops" --filter "$filt" >"$tmp/ops.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then ok "tuned op harness: $filt"
    else fail "tuned op harness: $filt"; grep -v '^ok' "$tmp/ops.out"; cat "$tmp/err"; fi
done
# archllm_op_matmul's crossover at both ends: the T5 against its transformers fixtures, its
# training and its decoding (at 0 decoding takes the path of a norm, then a CLBlast product)
for mm in 0 all; do
    sed "s/^matmul_max .*/matmul_max $mm/" "$tmp/good.txt" >"$f"
    "$bin" devices | grep -q "matmul_max $mm" && ok "matmul_max $mm read" || fail "matmul_max $mm read"
    for t in test_t5_parity test_t5_sample; do
        t5="${ARCHLLM_BUILDDIR:-.}/tests/model/t5/$t"
        if "$t5" >"$tmp/t5.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then ok "$t, matmul_max $mm"
        else fail "$t, matmul_max $mm"; grep -v '^ok' "$tmp/t5.out"; cat "$tmp/err"; fi
    done
done
sed -e 's/^linear_cols .*/linear_cols 4/' -e "s/^linear_tile .*/linear_tile $tile2/" -e 's/^reduce_wg .*/reduce_wg 128/' \
    -e 's/^attn_shape .*/attn_shape 4x1/' "$tmp/good.txt" >"$f"
"$bin" devices | grep -q "linear_cols 4, linear_tile $tile2, reduce_wg 128, attn_shape 4x1" &&
    ok "second non-default set read" || fail "second non-default set read"
for filt in linear_bwd sum attn_fused_bwd; do
    if "$ops" --filter "$filt" >"$tmp/ops.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then ok "tuned op harness (others): $filt"
    else fail "tuned op harness (others): $filt"; grep -v '^ok' "$tmp/ops.out"; cat "$tmp/err"; fi
done
[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
