#!/bin/sh
# `archllm run` end to end on conf/pipeline-tiny.cfg (tiny models, few steps, small N):
# every stage's artefact exists, the logs and the report are written, generate's
# metrics.json is well-formed and equals genmetrics of the written samples
# (test_pipeline_check), a rerun skips every stage, a removed artefact reruns only its stage,
# a changed config stops the run unless --redo, and a bad stage name is a usage error.
set -u
export LC_ALL=C
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
check="${ARCHLLM_BUILDDIR:-.}/tests/pipeline/test_pipeline_check"
cfg="${ARCHLLM_SRCDIR:-.}/conf/pipeline-tiny.cfg"
export ARCHLLM_DATA_DIR="${ARCHLLM_DATA_DIR:-${ARCHLLM_SRCDIR:-.}/data}"
name=run
. "${ARCHLLM_SRCDIR:-.}/tests/clilib.sh"
out="$tmp/exp"
set -- --set "experiment.output_dir=$out"

"$bin" devices >/dev/null 2>&1 || { echo "SKIP: no OpenCL device"; exit 77; }

umask 022 # outputs must be 0644 under it, not mkstemp's 0600
t0=$(date +%s)
"$bin" run "$cfg" "$@" --plain >"$tmp/run1" 2>"$tmp/err1" &
pid=$!
# a second run on the folder while the first trains: exit 2 naming the holder, no waiting
i=0
while ! grep -q '^command ' "$out/.archllm.lock" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
"$bin" run "$cfg" "$@" --plain >"$tmp/run0" 2>"$tmp/err0"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err0")" -eq 1 ] && grep -q "is in use by pid $pid (archllm run " "$tmp/err0" \
    && ok "a second run on the folder: exit 2 naming the first" || { fail "second run: exit $rc"; cat "$tmp/err0"; }
"$bin" train-vqvae "$cfg" "$@" >/dev/null 2>"$tmp/err0"; rc=$?
[ "$rc" -eq 2 ] && grep -q "train-vqvae: .* is in use by pid $pid " "$tmp/err0" \
    && ok "a stage command on the folder: exit 2" || { fail "train-vqvae during run: exit $rc"; cat "$tmp/err0"; }
wait $pid; rc=$?
t1=$(date +%s)
[ "$rc" -eq 0 ] && ok "run completes ($((t1 - t0)) s)" || { fail "run exit $rc"; cat "$tmp/err1"; tail -20 "$tmp/run1"; }
bad=$(find "$out" -type f ! -perm 0644)
[ -z "$bad" ] && ok "every output is 0644 under umask 022" || fail "not 0644: $(ls -l $bad)"
for f in dataset.jsonl vqvae.safetensors vqvae-metrics.json codes.jsonl t5/model.safetensors t5/config.json \
         generate/samples.jsonl generate/metrics.json generate/metrics.csv generate/timing.json \
         generate/sweep.csv generate/sweep.svg search-nb201-cifar10.csv search-nb201-cifar10-runs.csv \
         search-nb201-cifar10.svg search-nb201-cifar10-summary.json index.html logs/vqvae.log logs/lm.log logs/generate.log logs/search.log; do
    [ -s "$out/$f" ] && ok "artefact $f" || fail "artefact $f missing or empty"
done
for s in dataset vqvae encode lm generate search; do
    grep -Eq "^$s +done " "$tmp/run1" && ok "summary: $s done" || fail "summary row of $s"
done
grep -q '^archllm  *1\.00  *1000 ' "$tmp/run1" && grep -q '^continuous-latent ' "$tmp/run1" \
    && grep -q '^uniform-space ' "$tmp/run1" && ok "summary: generation table with both baselines" \
    || fail "summary: generation table"
grep -Eq '^cifar10 +archllm +20 ' "$tmp/run1" && grep -Eq '^cifar10 +random ' "$tmp/run1" \
    && grep -Eq '^cifar10 +archllm-guided +20 +[0-9.]+ \+- [0-9.]+ +[0-9]+% +[-+][0-9.]+ \[' "$tmp/run1" \
    && grep -Eq '^cifar10 +bananas +20 ' "$tmp/run1" && grep -Eq '^cifar10 +evolution ' "$tmp/run1" \
    && ok "summary: search table, every method against evolution" || fail "summary: search table"
grep -q 'archllm-guided' "$out/index.html" && grep -q 'Welch p' "$out/index.html" \
    && ok "index.html: the search comparison" || fail "index.html: search comparison"
# every method's budget accounting on the trained tiny models
"${ARCHLLM_BUILDDIR:-.}/tests/search/test_search_methods" nb201 "$ARCHLLM_DATA_DIR/nb201_accuracy.csv" "$cfg" \
    archllm-guided,archllm "experiment.output_dir=$out" >"$tmp/acc" 2>&1 \
    && ok "budget accounting: archllm-guided, archllm" || { fail "budget accounting"; cat "$tmp/acc"; }
grep -q '<svg' "$out/index.html" && grep -q 'continuous-latent' "$out/index.html" \
    && ! grep -Eq '(src|href)="http' "$out/index.html" && ok "index.html: self-contained, plots inline" \
    || fail "index.html content"
[ "$(wc -l <"$out/generate/sweep.csv")" -eq 3 ] && ok "sweep.csv: header and two temperatures" \
    || fail "sweep.csv lines: $(wc -l <"$out/generate/sweep.csv")"
grep -Eq '^run: \[2/6\] vqvae: running' "$tmp/run1" && ok "plain progress lines" || fail "plain progress lines"

"$check" "$cfg" "$out" "experiment.output_dir=$out" >"$tmp/check" 2>&1 && ok "test_pipeline_check" \
    || { fail "test_pipeline_check"; cat "$tmp/check"; }
grep -E '^(ok|FAIL)' "$tmp/check" | sed 's/^/    /'

# a rerun skips every stage and changes nothing
stamp=$(ls -l --time-style=+%s.%N "$out/vqvae.safetensors" "$out/t5/model.safetensors" "$out/generate/metrics.json")
"$bin" run "$cfg" "$@" --plain >"$tmp/run2" 2>"$tmp/err2"; rc=$?
[ "$rc" -eq 0 ] && ok "rerun completes" || { fail "rerun exit $rc"; cat "$tmp/err2"; }
[ "$(grep -c ': complete (.*), skipped$' "$tmp/run2")" -eq 6 ] && ok "rerun skips all six stages" \
    || { fail "rerun skipped $(grep -c 'skipped$' "$tmp/run2") stages"; cat "$tmp/run2"; }
[ "$stamp" = "$(ls -l --time-style=+%s.%N "$out/vqvae.safetensors" "$out/t5/model.safetensors" "$out/generate/metrics.json")" ] \
    && ok "rerun leaves the artefacts alone" || fail "rerun rewrote artefacts"

# --progress=jsonl: every line is one JSON event (all stages complete here: run's lines and the report)
"$bin" run "$cfg" "$@" --progress=jsonl >"$tmp/jsonl" 2>&1; rc=$?
[ "$rc" -eq 0 ] && [ -s "$tmp/jsonl" ] && ! grep -qv '^{"event":"[a-z]*","stage":"[a-z]*",.*}$' "$tmp/jsonl" \
    && grep -q '"stage":"report","level":"info","text":"== archllm run' "$tmp/jsonl" \
    && ok "--progress=jsonl: every line an event" || { fail "jsonl progress: exit $rc"; head -3 "$tmp/jsonl"; }

# the device opens only for a stage that runs
"$bin" run "$cfg" "$@" --stages lm --device no-such-device-xyz >/dev/null 2>"$tmp/errd"; rc=$?
[ "$rc" -eq 0 ] && ok "a complete stage needs no device" || fail "complete stage with a bad device: exit $rc"

# a missing artefact reruns its stage only; with a selector that matches nothing, exit 2 naming it
rm "$out/generate/metrics.json"
"$bin" run "$cfg" "$@" --device no-such-device-xyz >/dev/null 2>"$tmp/errd"; rc=$?
[ "$rc" -eq 2 ] && grep -q 'no-such-device-xyz' "$tmp/errd" && ok "a bad device selector: exit 2 naming it" \
    || { fail "bad device selector: exit $rc"; cat "$tmp/errd"; }
"$bin" run "$cfg" "$@" --plain >"$tmp/run3" 2>"$tmp/err3"; rc=$?
[ "$rc" -eq 0 ] && grep -q 'generate: done' "$tmp/run3" && [ "$(grep -c 'skipped$' "$tmp/run3")" -eq 5 ] \
    && [ -s "$out/generate/metrics.json" ] && ok "removed metrics.json: only generate reruns" \
    || { fail "partial rerun"; cat "$tmp/run3" "$tmp/err3"; }

# a generation that fails before sampling (its output folder cannot be made): one error,
# exit 1.  With --unique no N is known then; generate used to read Ns[-1], which a build
# with ./configure --enable-sanitizers reports here
: >"$tmp/file"
"$bin" generate "$cfg" "$@" --unique --samples 10 --out "$tmp/file/g" >/dev/null 2>"$tmp/err0"; rc=$?
[ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err0")" -eq 1 ] && grep -q 'cannot create folder' "$tmp/err0" \
    && ok "failed generation with --unique: one error line" || { fail "failed generation: exit $rc"; cat "$tmp/err0"; }

# generate alone: the same metrics for the same seed (sampling is deterministic)
"$bin" generate "$cfg" "$@" --no-baselines --samples 1500 --out "$tmp/g" >"$tmp/gen" 2>&1 \
    && cmp -s "$tmp/g/samples.jsonl" "$out/generate/samples.jsonl" && ok "generate is reproducible" \
    || { fail "generate rerun differs"; cat "$tmp/gen"; }

# a changed key that made existing results stops the run, naming it; --redo sets the
# results of the stages it feeds aside (nothing deleted) and redoes those only
"$bin" run "$cfg" "$@" --set generate.samples=1200 --plain >"$tmp/run5" 2>"$tmp/err6"; rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err6")" -eq 1 ] && grep -q 'generate.samples 1500 -> 1200' "$tmp/err6" \
    && grep -q 'changes the results of generate;' "$tmp/err6" && ok "changed config: exit 2 naming the key and stage" \
    || { fail "changed config: exit $rc"; cat "$tmp/err6"; }
"$bin" run "$cfg" "$@" --set generate.samples=1200 --redo --plain >"$tmp/run6" 2>"$tmp/err7"; rc=$?
[ "$rc" -eq 0 ] && grep -q 'generate: done' "$tmp/run6" && [ "$(grep -c 'skipped$' "$tmp/run6")" -eq 5 ] \
    && ok "--redo reruns generate only (search does not use its results)" \
    || { fail "--redo: exit $rc"; cat "$tmp/run6" "$tmp/err7"; }
ls "$out"/superseded-*/generate/metrics.json >/dev/null 2>&1 && [ -s "$out/search-nb201-cifar10.csv" ] \
    && ok "--redo keeps the old results in superseded-TIME/" || fail "superseded results missing"
grep -q '"generated": 1200,' "$out/generate/metrics.json" && ok "redone generate used the new config" \
    || fail "generate/metrics.json not from the new config"
set -- "$@" --set generate.samples=1200
"$bin" run "$cfg" "$@" --set lm.log_every=7 --set lm.samples=3 --plain >"$tmp/run7" 2>&1 \
    && [ "$(grep -c 'skipped$' "$tmp/run7")" -eq 6 ] && ok "logging and sample-command keys are not a change" \
    || { fail "log_every counted as a change"; cat "$tmp/run7"; }
echo 'vqvae = { layers = "many"; };' >"$out/run.cfg"
"$bin" run "$cfg" "$@" --plain >/dev/null 2>"$tmp/err8"; rc=$?
[ "$rc" -eq 2 ] && grep -q 'run.cfg is unreadable' "$tmp/err8" && ok "unreadable run.cfg: exit 2, nothing assumed" \
    || { fail "unreadable run.cfg: exit $rc"; cat "$tmp/err8"; }
"$bin" run "$cfg" "$@" --set search.queries=15 --redo --plain >"$tmp/run9" 2>&1; rc=$?
[ "$rc" -eq 0 ] && [ "$(grep -c ': done in' "$tmp/run9")" -eq 6 ] && [ "$(ls -d "$out"/superseded-* | wc -l)" -eq 2 ] \
    && ok "--redo after an unreadable run.cfg redoes every stage into a second folder" \
    || { fail "--redo all: exit $rc"; cat "$tmp/run9"; }

cp "$out/codes.jsonl" "$tmp/ext-codes.jsonl"
"$bin" run "$cfg" "$@" --set search.queries=15 --set "lm.data=$tmp/ext-codes.jsonl" --set vqvae.lr=0.002 --redo \
    --plain >/dev/null 2>"$tmp/err10"; rc=$?
[ "$rc" -eq 2 ] && grep -q "lm.data $tmp/ext-codes.jsonl holds codes of the old VQ-VAE" "$tmp/err10" \
    && [ -s "$tmp/ext-codes.jsonl" ] && [ -s "$out/vqvae.safetensors" ] \
    && ok "codes in a user's lm.data file: stop, even with --redo, and move nothing" \
    || { fail "stale lm.data: exit $rc"; cat "$tmp/err10"; }

# usage errors
"$bin" run "$cfg" "$@" --stages vqvae,frobnicate >/dev/null 2>"$tmp/err4"; rc=$?
[ "$rc" -eq 2 ] && grep -q "unknown stage 'frobnicate'" "$tmp/err4" && ok "unknown stage: exit 2" || fail "unknown stage: exit $rc"
"$bin" generate "$cfg" --set "experiment.output_dir=$tmp/none" >/dev/null 2>"$tmp/err5"; rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err5")" -eq 1 ] && ok "generate without trained models: one error line" \
    || { fail "generate without models: exit $rc"; cat "$tmp/err5"; }

[ "$fails" -eq 0 ] && echo "all checks passed" || echo "$fails checks failed"
[ "$fails" -eq 0 ]
