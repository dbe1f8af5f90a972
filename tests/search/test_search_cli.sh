#!/bin/sh
# `archllm search` and `archllm baseline` as a user meets them: the summary table, the
# CSV / SVG files and their shapes, and one clear stderr line with exit status 2 for
# every kind of bad input.
set -u
export LC_ALL=C
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
name=searchcli
. "${ARCHLLM_SRCDIR:-.}/tests/clilib.sh"

# ---- search: both baselines, small budget ----
"$bin" search --space nb201 --dataset cifar100 --queries 30 --seeds 4 --seed 7 --out "$tmp/s" >"$tmp/out" 2>"$tmp/err" \
    && ok "search nb201 cifar100" || { fail "search nb201 cifar100"; cat "$tmp/err"; }
grep -q '^NAS-Bench-201 cifar100: select by c100_xvalid_12, report c100_xtest_200_nats$' "$tmp/out" \
    && ok "states the selection and report columns" || fail "column line: $(head -1 "$tmp/out")"
grep -q 'seeds (7\.\.10)' "$tmp/out" && ok "states the seeds" || fail "seed line"
grep -Eq '^random +30 +[0-9.]+ \+- [0-9.]+ ' "$tmp/out" && ok "random row" || fail "random row"
grep -Eq '^evolution +30 +[0-9.]+ \+- [0-9.]+ ' "$tmp/out" && ok "evolution row" || fail "evolution row"
f="$tmp/s/search-nb201-cifar100"
[ "$(wc -l <"$f.csv")" -eq 61 ] && head -1 "$f.csv" | grep -qx 'method,query,valid_mean,valid_std,test_mean,test_std' \
    && ok "curves CSV: header + 2 x 30 rows" || fail "curves CSV"
[ "$(wc -l <"$f-runs.csv")" -eq 9 ] && grep -q '^evolution,10,30,' "$f-runs.csv" \
    && ok "runs CSV: header + 2 x 4 rows" || fail "runs CSV"
head -c 40 "$f.svg" | grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' && tail -1 "$f.svg" | grep -qx '</svg>' \
    && [ "$(grep -c '<polyline' "$f.svg")" -eq 2 ] && ok "SVG with two curves" || fail "SVG"
if command -v xmllint >/dev/null 2>&1; then
    xmllint --noout "$f.svg" && ok "SVG is well-formed (xmllint)" || fail "xmllint"
fi
ls "$tmp/s" | grep -q tmp && fail "temp files left" || ok "no temp files left"
# the same seeds give the same numbers
"$bin" search --space nb201 --dataset cifar100 --queries 30 --seeds 4 --seed 7 --method evolution --out "$tmp/s2" >/dev/null 2>&1
grep '^evolution' "$f-runs.csv" >"$tmp/runs1"; grep '^evolution' "$tmp/s2/search-nb201-cifar100-runs.csv" >"$tmp/runs2"
cmp -s "$tmp/runs1" "$tmp/runs2" && ok "seeded runs repeat" || fail "seeded runs differ"
# several datasets in one call: each its own files, the same numbers as alone (a dataset
# alone shares its seeds out over three lanes, two datasets take a lane each)
"$bin" search --space nb201 --dataset imagenet16,cifar100 --queries 30 --seeds 4 --seed 7 --method evolution \
    --out "$tmp/s3" >"$tmp/out" 2>"$tmp/err" && ok "search two datasets" || { fail "search two datasets"; cat "$tmp/err"; }
[ "$(grep -c '^NAS-Bench-201 ' "$tmp/out")" -eq 2 ] && [ -s "$tmp/s3/search-nb201-imagenet16.csv" ] \
    && ok "two dataset tables and files" || fail "two datasets: $(cat "$tmp/out")"
cmp -s "$tmp/s2/search-nb201-cifar100-runs.csv" "$tmp/s3/search-nb201-cifar100-runs.csv" \
    && ok "a dataset in a list gives the same runs" || fail "list runs differ"

# bananas trains its ensemble on the device: without one, the model-free methods only
if "$bin" devices >/dev/null 2>&1; then device_methods=",bananas"; else device_methods=""
    echo "skip: no OpenCL device, so no bananas checks"; fi

# ---- the comparison: bananas beside evolution, by budget, with Welch's test ----
[ -n "$device_methods" ] && {
"$bin" search --space nb201 --dataset cifar10 --method bananas,evolution --queries 120 --seeds 3 --seed 2 \
    --out "$tmp/c" >"$tmp/out" 2>"$tmp/err" && ok "search bananas,evolution" || { fail "search bananas"; cat "$tmp/err"; }
grep -Eq '^bananas +50 +[0-9.]+ \+- [0-9.]+ +[0-3]/3 +[-+][0-9.]+ \[[-+][0-9.]+, [-+][0-9.]+\] +[0-9.e-]+$' "$tmp/out" \
    && grep -Eq '^bananas +120 ' "$tmp/out" && grep -Eq '^evolution +100 .*\(reference\)' "$tmp/out" \
    && ok "by-budget rows with the difference, its interval and p" || fail "budget rows: $(cat "$tmp/out")"
j="$tmp/c/search-nb201-cifar10-summary.json"
grep -q '"reference": "evolution"' "$j" && grep -q '"seeds": 3,' "$j" && grep -q '"ci95": \[' "$j" \
    && [ "$(grep -c '"queries": 50,' "$j")" -eq 2 ] && [ "$(grep -c '"queries": 120,' "$j")" -eq 3 ] \
    && [ "$(grep -c '"vs_reference": null' "$j")" -eq 3 ] && [ "$(grep -c '"welch_t": ' "$j")" -eq 3 ] \
    && ok "summary JSON: budgets 50, 100, 120 per method; evolution the reference" || fail "summary JSON: $(cat "$j")"
}
# every model-free method's budget accounting, NB201 and the NB101 fixture below
"${ARCHLLM_BUILDDIR:-.}/tests/search/test_search_methods" nb201 "${ARCHLLM_SRCDIR:-.}/data/nb201_accuracy.csv" - \
    "random,evolution$device_methods" >"$tmp/acc" 2>&1 && ok "budget accounting: random, evolution$device_methods on NB201" \
    || { fail "budget accounting on NB201"; cat "$tmp/acc"; }

# ---- search nb101 through a synthetic official-format tfrecord (2,532 cells) ----
if "${ARCHLLM_BUILDDIR:-.}/tests/search/test_search" --write-nb101-fixture "$tmp/nb101.tfrecord"; then
    "$bin" search --space nb101 --nb101-data "$tmp/nb101.tfrecord" --queries 40 --seeds 3 --seed 1 --out "$tmp/n" \
        >"$tmp/out" 2>"$tmp/err" && ok "search nb101" || { fail "search nb101"; cat "$tmp/err"; }
    grep -q '^NAS-Bench-101 cifar10: select by mean_validation (108 epochs), report mean_test (108 epochs)$' "$tmp/out" \
        && grep -q '2532 cells in the table' "$tmp/out" && ok "nb101 summary" || fail "nb101 summary: $(cat "$tmp/out")"
    [ "$(wc -l <"$tmp/n/search-nb101-cifar10.csv")" -eq 81 ] && ok "nb101 curves" || fail "nb101 curves"
    "${ARCHLLM_BUILDDIR:-.}/tests/search/test_search_methods" nb101 "$tmp/nb101.tfrecord" - "random,evolution$device_methods" \
        >"$tmp/acc" 2>&1 && ok "budget accounting: random, evolution$device_methods on NB101 (isomorphs are repeats)" \
        || { fail "budget accounting on NB101"; cat "$tmp/acc"; }
else
    fail "writing the NB101 fixture"
fi

expect_bad 2 "no --space" -- "$bin" search
expect_bad 2 "bad space" -- "$bin" search --space nb301
expect_bad 2 "bad method" -- "$bin" search --space nb201 --method annealing
# in a folder of its own: search locks (and so makes) the experiment folder it writes into
expect_bad 2 "archllm method needs models" -- "$bin" search --space nb201 --method archllm \
    --set "experiment.output_dir=$tmp/none"
expect_bad 2 "bad dataset" -- "$bin" search --space nb201 --dataset mnist
expect_bad 2 "dataset twice" -- "$bin" search --space nb201 --dataset cifar10,cifar10
expect_bad 2 "empty dataset list" -- "$bin" search --space nb201 --dataset ,
expect_bad 2 "bad queries" -- "$bin" search --space nb201 --queries 0
expect_bad 2 "nb101 without data" -- "$bin" search --space nb101
expect_bad 2 "nb101 is cifar10 only" -- "$bin" search --space nb101 --dataset cifar100 --nb101-data /nonexistent
expect_bad 2 "sample size above population" -- "$bin" search --space nb201 --population 4 --sample-size 5
expect_bad 1 "missing nb101 file" -- "$bin" search --space nb101 --nb101-data "$tmp/none.tfrecord" --out "$tmp/x"
expect_bad 1 "missing table" -- "$bin" search --space nb201 --nb201-table "$tmp/none.csv" --out "$tmp/x"

# ---- baseline ----
"$bin" baseline --space nb201 --samples 1000,10000 --seed 3 --out "$tmp/b" >"$tmp/out" 2>"$tmp/err" \
    && ok "baseline nb201" || { fail "baseline nb201"; cat "$tmp/err"; }
grep -Eq '^uniform-space +10000 +100\.00% ' "$tmp/out" && ok "uniform NB201 is always valid" || fail "validity row"
grep -q '73\.86%' "$tmp/out" && grep -q '96\.87%' "$tmp/out" && ok "iid limits printed" || fail "iid limits"
[ "$(wc -l <"$tmp/b/baseline-nb201.csv")" -eq 3 ] && ok "baseline CSV rows" || fail "baseline CSV"
grep -q '"method": "uniform-space"' "$tmp/b/baseline-nb201.json" && grep -q '"temperature": null' "$tmp/b/baseline-nb201.json" \
    && ok "baseline JSON" || fail "baseline JSON"
"$bin" baseline --space nb101 --samples 2000 --seed 3 --out "$tmp/b" >"$tmp/out" 2>"$tmp/err" \
    && ok "baseline nb101" || { fail "baseline nb101"; cat "$tmp/err"; }
grep -Eq '^uniform-space +2000 +100\.00% ' "$tmp/out" && grep -Eq '^random-graph +2000 ' "$tmp/out" \
    && ok "both NB101 baselines" || fail "NB101 rows: $(cat "$tmp/out")"
expect_bad 2 "baseline without space" -- "$bin" baseline
expect_bad 2 "baseline bad samples" -- "$bin" baseline --space nb201 --samples 10,x
expect_bad 2 "baseline bad fraction" -- "$bin" baseline --space nb201 --train-fraction 1.5
expect_bad 1 "baseline missing split" -- "$bin" baseline --space nb201 --split "$tmp/none.split"

"$bin" help search | grep -q -- '--queries' && "$bin" help baseline | grep -q -- '--samples' \
    && ok "help texts" || fail "help texts"

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
