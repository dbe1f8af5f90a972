#!/bin/sh
# `archllm run` on the two spaces beyond the benchmarks, with conf/pipeline-tiny.cfg's
# tiny models: DARTS (a 2,000-cell seeded set) and a user's space (the made-up
# tests/fixtures/cells/space.jsonl).  Both train, encode, generate and report with the
# search stage skipped; generated cells are checked against the space's own rules (the
# samples' "valid" flags agree with genmetrics); `archllm show` takes a genotype; a bad
# cells file stops every config-reading command with FILE:LINE.  The numbers mean nothing.
set -u
export LC_ALL=C
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
cfg="${ARCHLLM_SRCDIR:-.}/conf/pipeline-tiny.cfg"
space="${ARCHLLM_SRCDIR:-.}/tests/fixtures/cells/space.jsonl"
name=spaces
. "${ARCHLLM_SRCDIR:-.}/tests/clilib.sh"

"$bin" devices >/dev/null 2>&1 || { echo "SKIP: no OpenCL device"; exit 77; }
tiny="--set vqvae.steps=150 --set lm.steps=60 --set generate.samples=500 --set generate.sweep= --set data.limit=0"

for sp in darts cells; do
    out="$tmp/$sp"
    if [ "$sp" = darts ]; then extra="--set data.samples=2000"; else extra="--set data.cells=$space"; fi
    # shellcheck disable=SC2086
    "$bin" run "$cfg" --set "experiment.output_dir=$out" --set data.space=$sp $extra $tiny --plain \
        >"$tmp/run-$sp" 2>"$tmp/err-$sp"; rc=$?
    [ "$rc" -eq 0 ] && ok "$sp: run completes" || { fail "$sp: run exit $rc"; cat "$tmp/err-$sp"; tail -20 "$tmp/run-$sp"; continue; }
    for f in dataset.jsonl vqvae-metrics.json codes.jsonl t5/model.safetensors generate/metrics.json \
             generate/samples.jsonl index.html; do
        [ -s "$out/$f" ] && ok "$sp: artefact $f" || fail "$sp: artefact $f missing or empty"
    done
    grep -Eq '^search +skipped \(no accuracy table\)' "$tmp/run-$sp" && ok "$sp: search skipped with a reason" \
        || fail "$sp: search row"
    grep -q "\"space\": \"$sp\"" "$out/generate/metrics.json" && grep -q '^continuous-latent ' "$tmp/run-$sp" \
        && grep -q '^uniform-space ' "$tmp/run-$sp" && ok "$sp: generation table with both baselines" \
        || fail "$sp: generation table"
    # uniform cells of the space pass its rules: validity is checked, not assumed
    grep -Eq "^uniform-space,$sp,,[0-9]+,500,500," "$out/generate/metrics.csv" \
        && ok "$sp: uniform-space cells are all valid" || fail "$sp: uniform-space validity"
    # the valid flags of the samples are what the metrics counted
    nvalid=$(grep -c '"valid": true' "$out/generate/samples.jsonl")
    grep -q "\"valid\": $nvalid," "$out/generate/metrics.json" && ok "$sp: $nvalid valid samples, as in metrics.json" \
        || fail "$sp: valid count differs from metrics.json ($nvalid)"
done

# DARTS cells carry their genotype, which `archllm show` reads back
g=$(sed -n '1s/.*"genotype": "\([^"]*\)".*/\1/p' "$tmp/darts/dataset.jsonl")
h=$(sed -n '1s/.*"hash": "\([0-9a-f]*\)".*/\1/p' "$tmp/darts/dataset.jsonl")
"$bin" show "$g" >"$tmp/show" 2>&1 && grep -q "^hash *$h " "$tmp/show" && ok "show GENOTYPE: the dataset's hash" \
    || { fail "show GENOTYPE"; cat "$tmp/show"; }
[ "$(wc -l <"$tmp/darts/dataset.jsonl")" -eq 2000 ] && ok "dataset darts: 2000 lines" || fail "dataset darts lines"
"$bin" dataset darts --samples 50 --seed 3 >"$tmp/d1" && "$bin" dataset darts --samples 50 --seed 3 >"$tmp/d2" \
    && cmp -s "$tmp/d1" "$tmp/d2" && [ "$(cut -d'"' -f4 "$tmp/d1" | sort -u | wc -l)" -eq 50 ] \
    && ok "dataset darts: seeded, distinct hashes" || fail "dataset darts: not reproducible or repeats"

# a bad cells file: FILE:LINE: message from the commands that read a config
printf '%s\n' "$(head -1 "$space")" '{"module_adjacency": [[0, 1], [0, 0]], "module_operations": ["input", "conv"]}' \
    >"$tmp/bad.jsonl"
for cmd in train-vqvae config; do
    expect_bad 2 "$cmd: bad cells file" -- "$bin" $cmd "$cfg" --set data.space=cells --set "data.cells=$tmp/bad.jsonl"
    grep -q "^archllm: $tmp/bad.jsonl:2: module_operations\[1\] is 'conv'; the last vertex must be 'output'" "$tmp/err" \
        && ok "$cmd: the error names file and line" || { fail "$cmd: message"; cat "$tmp/err"; }
done
expect_bad 2 "cells without data.cells" -- "$bin" train-vqvae "$cfg" --set data.space=cells

[ "$fails" -eq 0 ] && echo "all checks passed" || echo "$fails checks failed"
[ "$fails" -eq 0 ]
