#!/bin/sh
# Tuning files (src/backend/tuning.c) and `archllm tune` (src/ops/autotune.c): a missing,
# corrupt or stale file is ignored with one notice and rebuilt by the next tune (on a tiny
# budget: the defaults only); a file picking non-default candidates gives the same results
# within the op harness's tolerances for every family they touch, and the T5 matches its
# transformers fixtures with every GEMM on CLBlast or on cl/linear.cl.  Programs come from the
# suite's cache; the tuning file is this test's own (ARCHLLM_TUNING_FILE).
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

"$bin" tune --budget 0.001 >"$tmp/tune.out" 2>&1 && ok "tune on a tiny budget" ||
    { fail "tune on a tiny budget"; cat "$tmp/tune.out"; }
[ "$(grep -c '^tune ' "$tmp/tune.out")" -eq 5 ] && ok "a progress line per tunable" || fail "a progress line per tunable"
grep -q "skipped (budget)" "$tmp/tune.out" && ok "budget skips candidates" || fail "budget skips candidates"
head -1 "$f" | grep -q "^archllm-tuning 1$" && ok "file rebuilt, format 1" || fail "file rebuilt, format 1"
probe && [ ! -s "$tmp/err" ] && ok "tuned: no notice" || { fail "tuned: no notice"; cat "$tmp/err"; }
"$bin" devices | grep -q "tuned: $f" && ok "devices: tuned, with the file" || fail "devices: tuned, with the file"
cp "$f" "$tmp/good.txt"

sed 's/^archllm-tuning 1$/archllm-tuning 99/' "$tmp/good.txt" >"$f"
notice_is "other format version ignored" "format 99"
sed 's/^driver .*/driver 0.0-another-driver/' "$tmp/good.txt" >"$f"
notice_is "other driver ignored (stale)" "stale"
sed 's/^linear_wg .*/linear_wg 48/' "$tmp/good.txt" >"$f"
notice_is "a value outside the candidates ignored" "not a candidate"
: >"$f"
notice_is "empty file ignored" "ignoring the tuning file"

# non-default candidates: every tuned family still matches the references
sed -e 's/^linear_wg .*/linear_wg 32/' -e 's/^linear_cols .*/linear_cols 8/' -e 's/^reduce_wg .*/reduce_wg 16/' \
    -e 's/^attn_shape .*/attn_shape 2x8/' "$tmp/good.txt" >"$f"
"$bin" devices | grep -q "linear_wg 32, linear_cols 8, reduce_wg 16, attn_shape 2x8" &&
    ok "non-default candidates read" || fail "non-default candidates read"
for filt in linear sum xent gin_agg attn_fused; do
    if "$ops" --filter "$filt" >"$tmp/ops.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then ok "tuned op harness: $filt"
    else fail "tuned op harness: $filt"; grep -v '^ok' "$tmp/ops.out"; cat "$tmp/err"; fi
done
# archllm_op_matmul's crossover at both ends: the T5 against its transformers fixtures
t5="${ARCHLLM_BUILDDIR:-.}/tests/model/t5/test_t5_parity"
for mm in 0 1073741824; do
    sed "s/^matmul_max .*/matmul_max $mm/" "$tmp/good.txt" >"$f"
    "$bin" devices | grep -q "matmul_max $mm" && ok "matmul_max $mm read" || fail "matmul_max $mm read"
    if "$t5" >"$tmp/t5.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then ok "T5 parity, matmul_max $mm"
    else fail "T5 parity, matmul_max $mm"; grep -v '^ok' "$tmp/t5.out"; cat "$tmp/err"; fi
done
sed -e 's/^linear_cols .*/linear_cols 4/' -e 's/^reduce_wg .*/reduce_wg 128/' -e 's/^attn_shape .*/attn_shape 4x1/' \
    "$tmp/good.txt" >"$f"
"$bin" devices | grep -q "linear_cols 4, reduce_wg 128, attn_shape 4x1" &&
    ok "second non-default set read" || fail "second non-default set read"
for filt in linear_bwd sum attn_fused_bwd; do
    if "$ops" --filter "$filt" >"$tmp/ops.out" 2>"$tmp/err" && [ ! -s "$tmp/err" ]; then ok "tuned op harness (others): $filt"
    else fail "tuned op harness (others): $filt"; grep -v '^ok' "$tmp/ops.out"; cat "$tmp/err"; fi
done
[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
