#!/bin/sh
# Every search method on NAS-Bench-101 as a user with the official tfrecord runs them: tiny
# NB101 models (conf/pipeline-tiny.cfg on the first 2,532 cells of the space), then
# `archllm search --space nb101 --nb101-data` on a synthetic official-format tfrecord of
# the same cells, and the budget accounting of the model-based methods there (isomorphic
# repeats cost nothing).
set -u
export LC_ALL=C
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
name=searchnb101
. "${ARCHLLM_SRCDIR:-.}/tests/clilib.sh"
"$bin" devices >/dev/null 2>&1 || { echo "SKIP: no OpenCL device"; exit 77; }
cfg="${ARCHLLM_SRCDIR:-.}/conf/pipeline-tiny.cfg"
sets="data.space=nb101 data.limit=2532 experiment.output_dir=$tmp/exp"
setargs=""
for s in $sets; do setargs="$setargs --set $s"; done

"${ARCHLLM_BUILDDIR:-.}/tests/search/test_search" --write-nb101-fixture "$tmp/nb101.tfrecord" \
    && ok "the NB101 fixture" || fail "writing the NB101 fixture"
# shellcheck disable=SC2086
"$bin" run "$cfg" $setargs --stages dataset,vqvae,encode,lm --plain >"$tmp/run" 2>&1 \
    && ok "tiny NB101 models" || { fail "tiny NB101 models"; tail -20 "$tmp/run"; }
# shellcheck disable=SC2086
"$bin" search --space nb101 --nb101-data "$tmp/nb101.tfrecord" --config "$cfg" $setargs \
    --method archllm-guided,archllm,bananas,evolution,random --queries 40 --seeds 3 --out "$tmp/s" >"$tmp/out" 2>"$tmp/err" \
    && ok "search nb101, every method" || { fail "search nb101"; cat "$tmp/err"; }
missing=""
for m in archllm-guided archllm bananas evolution random; do
    grep -Eq "^$m +40 +[0-9.]+ \\+- [0-9.]+ " "$tmp/out" || missing="$missing $m"
done
[ -z "$missing" ] && ok "a row per method" || fail "no row for$missing"
[ -s "$tmp/s/search-nb101-cifar10-summary.json" ] && [ "$(grep -c '"queries": 40,' "$tmp/s/search-nb101-cifar10-summary.json")" -eq 6 ] \
    && ok "summary JSON" || fail "summary JSON"
grep -q '^archllm-guided,9,40,' "$tmp/s/search-nb101-cifar10-runs.csv" && ok "runs CSV: seeds 7..9, budget spent" \
    || fail "runs CSV: $(cat "$tmp/s/search-nb101-cifar10-runs.csv")"
# the three seeds ran on three lanes, each on a fork of one oracle: every seed alone (one
# lane) gives its rows again
same=1
for k in 7 8 9; do
    # shellcheck disable=SC2086
    "$bin" search --space nb101 --nb101-data "$tmp/nb101.tfrecord" --config "$cfg" $setargs \
        --method archllm-guided,archllm,bananas,evolution,random --queries 40 --seeds 1 --seed $k --out "$tmp/s$k" \
        >/dev/null 2>"$tmp/err" || { same=0; cat "$tmp/err"; }
    grep ",$k,40," "$tmp/s/search-nb101-cifar10-runs.csv" >"$tmp/lanes"
    grep ",$k,40," "$tmp/s$k/search-nb101-cifar10-runs.csv" >"$tmp/alone"
    [ "$(wc -l <"$tmp/alone")" -eq 5 ] && cmp -s "$tmp/lanes" "$tmp/alone" || same=0
done
[ $same -eq 1 ] && ok "seeds shared out over lanes: the runs of each seed alone" ||
    fail "seeds shared out over lanes differ from each seed alone"
# shellcheck disable=SC2086
"${ARCHLLM_BUILDDIR:-.}/tests/search/test_search_methods" nb101 "$tmp/nb101.tfrecord" "$cfg" archllm-guided,archllm \
    $sets >"$tmp/acc" 2>&1 && ok "budget accounting on NB101: archllm-guided, archllm" \
    || { fail "budget accounting on NB101"; cat "$tmp/acc"; }

echo "$fails failure(s)"
[ "$fails" -eq 0 ]
