#!/bin/sh
# test_train_vqvae.sh - the VQ-VAE commands end to end on conf/vqvae-tiny.cfg (2,000
# NB201 cells, a 2-layer 32-wide model): training lowers the loss; a run stopped after
# step 12 and resumed prints exactly the step lines (losses to 6 decimals, usage,
# gradient norm) of an uninterrupted run; Ctrl-C saves a checkpoint and exits 130;
# encode writes every cell's codes and decode turns them back into cells (JSONL with
# validity; after 30 tiny steps few are right, which is not what this checks).  Exit 77 (SKIP) without an OpenCL device.
set -u
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
cfg="${ARCHLLM_SRCDIR:-.}/conf/vqvae-tiny.cfg"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-vqvae.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails+1)); }

# 1. a full run of 30 steps
if ! "$bin" train-vqvae "$cfg" --set experiment.output_dir="$tmp/a" > "$tmp/a.log" 2>&1; then
    if grep -qi 'no OpenCL device' "$tmp/a.log" && [ -z "${ARCHLLM_REQUIRE_DEVICE:-}" ]; then
        echo "SKIP: $(tail -1 "$tmp/a.log")"
        exit 77
    fi
    cat "$tmp/a.log"
    fail "training run"
fi
grep -q '^eval held-out step 30' "$tmp/a.log" || fail "no final held-out evaluation"
[ -s "$tmp/a/vqvae.safetensors" ] || fail "no checkpoint"
grep -q '"exact_reconstruction"' "$tmp/a/vqvae-metrics.json" 2>/dev/null || fail "no metrics report"
# loss: mean of steps 1-3 vs steps 28-30
first=$(awk '/^step [123]\//  {s += $5; n++} END {print s / n}' "$tmp/a.log")
last=$(awk '/^step (28|29|30)\// {s += $5; n++} END {print s / n}' "$tmp/a.log")
awk -v f="$first" -v l="$last" 'BEGIN {exit !(l < 0.9 * f)}' && echo "ok   loss goes down ($first -> $last)" ||
    fail "loss did not go down by 10% ($first -> $last)"

# 2. stop after step 12, resume: the step lines 13..30 must match the full run's
"$bin" train-vqvae "$cfg" --set experiment.output_dir="$tmp/b" --stop-after 12 > "$tmp/b1.log" 2>&1 || { cat "$tmp/b1.log"; fail "stopped run"; }
grep -q '^stopped at step 12' "$tmp/b1.log" || fail "no stop message"
"$bin" train-vqvae "$cfg" --set experiment.output_dir="$tmp/b" --resume > "$tmp/b2.log" 2>&1 || { cat "$tmp/b2.log"; fail "resumed run"; }
grep -q '^resumed from .* at step 12' "$tmp/b2.log" || fail "did not resume at step 12"
# compare everything but the timing fields (graphs/s, ETA)
strip() { grep '^step ' "$1" | sed 's/ | [0-9]* graphs\/s | ETA .*//' | awk -F/ '{split($1, a, " "); if (a[2] > 12) print}'; }
strip "$tmp/a.log" > "$tmp/a.steps"
strip "$tmp/b2.log" > "$tmp/b.steps"
if [ -s "$tmp/a.steps" ] && cmp -s "$tmp/a.steps" "$tmp/b.steps"; then
    echo "ok   resume reproduces steps 13-30 exactly"
else
    fail "resumed losses differ"; diff "$tmp/a.steps" "$tmp/b.steps" | head -6
fi

# 3. Ctrl-C: a checkpoint and exit 130
"$bin" train-vqvae "$cfg" --set experiment.output_dir="$tmp/c" --set vqvae.steps=100000 > "$tmp/c.log" 2>&1 &
pid=$!
i=0
while [ $i -lt 600 ] && ! grep -q '^step 3/' "$tmp/c.log" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && grep -q '^stopped at step' "$tmp/c.log" && [ -s "$tmp/c/vqvae.safetensors" ] &&
    echo "ok   SIGINT saves a checkpoint and exits 130" || { fail "SIGINT: exit $rc"; tail -3 "$tmp/c.log"; }

# 4. encode every cell, decode the codes back
"$bin" encode "$cfg" --set experiment.output_dir="$tmp/a" --out "$tmp/codes.jsonl" 2>"$tmp/enc.err" || { cat "$tmp/enc.err"; fail "encode"; }
n=$(wc -l < "$tmp/codes.jsonl")
[ "$n" -eq 2000 ] && echo "ok   encode wrote 2000 cells" || fail "encode wrote $n lines"
head -1 "$tmp/codes.jsonl" | grep -q '"hash": "[0-9a-f]\{32\}", "index": [0-9]*, "split": "\(train\|test\)", "codes": \[[0-9]' ||
    fail "encode line format: $(head -1 "$tmp/codes.jsonl")"
"$bin" decode "$cfg" --set experiment.output_dir="$tmp/a" "$tmp/codes.jsonl" --out "$tmp/cells.jsonl" 2>"$tmp/dec.err" ||
    { cat "$tmp/dec.err"; fail "decode"; }
m=$(wc -l < "$tmp/cells.jsonl")
[ "$m" -eq 2000 ] && echo "ok   decode wrote 2000 cells ($(cat "$tmp/dec.err"))" || fail "decode wrote $m lines"
grep -q '"valid": \(true\|false\)' "$tmp/cells.jsonl" || fail "decode lines lack validity"
echo '{"codes": [1, 99999]}' | "$bin" decode "$cfg" --set experiment.output_dir="$tmp/a" >/dev/null 2>&1 &&
    fail "decode accepted a code out of range" || echo "ok   decode rejects a code out of range"

[ $fails -eq 0 ] && echo "all VQ-VAE command checks passed"
exit $((fails > 0))
