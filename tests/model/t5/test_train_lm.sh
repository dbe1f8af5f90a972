#!/bin/sh
# train-lm, resume and lm-logits end to end on synthetic code sequences with conf/t5-tiny.cfg:
# the loss falls, a run stopped at step 20 and resumed reaches the same numbers at step 40
# as an uninterrupted run (same batches, same AdamW state, same RNG), the exported
# Hugging Face folder loads in lm-logits, and bad inputs fail with a clear message.
set -u
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
src="${ARCHLLM_SRCDIR:-.}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t5train.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails+1)); }

# 400 arithmetic sequences of 7 codes in [0, 32); every tenth line is the VQ-VAE's test split
awk 'BEGIN { s = 12345; for (i = 0; i < 400; i++) {
    s = (s * 1103515245 + 12345) % 2147483648; a = s % 32; b = 1 + 2 * (s % 3);
    line = "{\"codes\": [";
    for (j = 0; j < 7; j++) line = line (j ? ", " : "") (a + j * b) % 32;
    printf "%s], \"split\": \"%s\"}\n", line, (i % 10 == 9) ? "test" : "train" } }' > "$tmp/codes.jsonl"

cfg="$src/conf/t5-tiny.cfg"
run() { "$bin" train-lm "$cfg" --set lm.data="$tmp/codes.jsonl" "$@"; }
run --set experiment.output_dir="$tmp/a" > "$tmp/a.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "train-lm runs" || { bad "train-lm exit $rc"; cat "$tmp/a.log"; }
grep -q "40 test-split lines skipped" "$tmp/a.log" && ok "test-split lines are skipped" || bad "test split not skipped"
first=$(grep '^step 5/40' "$tmp/a.log" | sed 's/.*| loss \([0-9.]*\).*/\1/')
last=$(grep '^step 40/40' "$tmp/a.log" | sed 's/.*| loss \([0-9.]*\).*/\1/')
awk -v f="$first" -v l="$last" 'BEGIN { exit !(l + 0 < f - 1.0) }' && ok "loss falls ($first -> $last)" ||
    bad "loss did not fall ($first -> $last)"
grep -q 'held-out loss' "$tmp/a.log" && ok "held-out loss reported" || bad "no held-out loss"
[ -f "$tmp/a/t5/config.json" ] && [ -f "$tmp/a/t5/model.safetensors" ] && ok "Hugging Face folder written" ||
    bad "no Hugging Face folder"

# exact resume
run --set experiment.output_dir="$tmp/b" --stop-after 20 > "$tmp/b1.log" 2>&1
run --set experiment.output_dir="$tmp/b" --resume > "$tmp/b2.log" 2>&1
grep -q 'resumed from .* at step 20' "$tmp/b2.log" && ok "resumed at step 20" || { bad "no resume"; cat "$tmp/b2.log"; }
la=$(grep '^step 40/40' "$tmp/a.log" | cut -d'|' -f2,4)
lb=$(grep '^step 40/40' "$tmp/b2.log" | cut -d'|' -f2,4)
[ -n "$la" ] && [ "$la" = "$lb" ] && ok "resumed run matches the uninterrupted one ($la)" ||
    bad "resume differs: '$la' vs '$lb'"
ha=$(grep 'step 40 | held-out' "$tmp/a.log")
hb=$(grep 'step 40 | held-out' "$tmp/b2.log")
[ -n "$ha" ] && [ "$ha" = "$hb" ] && ok "same held-out loss after resume" || bad "held-out differs: '$ha' vs '$hb'"

# lm-logits on the exported folder: generate prompt (3 = generate:, 1 = </s>)
"$bin" lm-logits "$tmp/a/t5" --enc 3,1 --labels 21,22,23,24,25,26,27,1 --out "$tmp/l.npy" > "$tmp/l.log" 2>&1
grep -q '^loss [0-9]' "$tmp/l.log" && ok "lm-logits prints a loss" || { bad "lm-logits"; cat "$tmp/l.log"; }
sz=$(wc -c < "$tmp/l.npy")
[ "$sz" -eq $((128 + 8 * 53 * 4)) ] && ok "logits.npy holds 1x8x53 floats" || bad "logits.npy has $sz bytes"

# sampling from the trained model: constrained, so every line has exactly 7 codes in [0, 32)
"$bin" sample "$cfg" --set lm.data="$tmp/codes.jsonl" --set experiment.output_dir="$tmp/a" --out "$tmp/s.jsonl" \
    > "$tmp/s.log" 2>&1 || { bad "sample"; cat "$tmp/s.log"; }
n=$(wc -l < "$tmp/s.jsonl")
wf=$(awk -F'[][]' '{ n = split($2, a, ", "); ok = (n == 7); for (i = 1; i <= n; i++) ok = ok && a[i] >= 0 && a[i] < 32; s += ok }
    END { print s + 0 }' "$tmp/s.jsonl")
[ "$n" -eq 64 ] && [ "$wf" -eq 64 ] && ok "sample: 64 well-formed sequences of 7 codes" || bad "sample: $n lines, $wf well-formed"
"$bin" sample "$cfg" --set lm.data="$tmp/codes.jsonl" --set experiment.output_dir="$tmp/a" --set lm.samples=4 \
    --fill "5,_,_,8,_,_,_" > "$tmp/f.jsonl" 2>/dev/null
kept=$(grep -c '^{"codes": \[5, [0-9]*, [0-9]*, 8, [0-9]*, [0-9]*, [0-9]*\]}$' "$tmp/f.jsonl")
[ "$kept" -eq 4 ] && ok "sample --fill keeps the given codes and fills the rest" || bad "fill: $kept of 4 lines right"
# more masked runs than sentinels: runs past the 16th stay visible (as in training), so a '_' there has no code
runs17=$(awk 'BEGIN { for (i = 0; i < 17; i++) printf "%s%d,_", i ? "," : "", i }')
"$bin" sample "$cfg" --set lm.data="$tmp/codes.jsonl" --set experiment.output_dir="$tmp/a" --set lm.samples=2 \
    --fill "$runs17" > "$tmp/f17.jsonl" 2> "$tmp/f17.log"
[ $? -eq 2 ] && [ "$(wc -l < "$tmp/f17.log")" -eq 1 ] && grep -q 'more than 16 masked runs' "$tmp/f17.log" &&
    [ ! -s "$tmp/f17.jsonl" ] && ok "sample --fill with 17 masked runs: exit 2, one line naming the limit" ||
    { bad "sample --fill with 17 runs"; cat "$tmp/f17.log"; }
"$bin" sample "$cfg" --set lm.data="$tmp/codes.jsonl" --set experiment.output_dir="$tmp/a" --set lm.samples=8 \
    --set lm.temperature=0 > "$tmp/g1.jsonl" 2>/dev/null
[ "$(sort -u "$tmp/g1.jsonl" | wc -l)" -eq 1 ] && ok "greedy samples are identical" || bad "greedy samples differ"

# --init from a folder with a SentencePiece tokenizer.json: text prompts, codes as numbers
run --set experiment.output_dir="$tmp/big" --set vqvae.codebook_size=400 --set lm.steps=1 > /dev/null 2>&1
cp "$src/tests/fixtures/t5/tokenizer/tokenizer.json" "$tmp/big/t5/"
run --set experiment.output_dir="$tmp/ft" --init "$tmp/big/t5" --set lm.steps=10 > "$tmp/ft.log" 2>&1
grep -q 'text prompts through' "$tmp/ft.log" && [ -f "$tmp/ft/t5/tokenizer.json" ] &&
    ok "train-lm --init with tokenizer.json trains on text prompts" || { bad "text prompts"; cat "$tmp/ft.log"; }
"$bin" sample "$cfg" --set lm.data="$tmp/codes.jsonl" --set experiment.output_dir="$tmp/ft" --set lm.samples=8 \
    > "$tmp/ts.jsonl" 2> "$tmp/ts.log"
grep -q 'sample: 8 sequences' "$tmp/ts.log" && ok "sample with a SentencePiece model ($(tail -1 "$tmp/ts.log" | sed 's/.*, //'))" ||
    { bad "sample text mode"; cat "$tmp/ts.log"; }

# lm-logits on the Hugging Face fixtures: the loss transformers computed (padded encoder
# input, -100 labels); float32 on both sides, so 1e-5 relative
for v in v1_0 v1_1; do
    case_file="$src/tests/fixtures/t5/$v/lm_logits_case.txt"
    enc=$(sed -n 's/^enc=//p' "$case_file"); mask=$(sed -n 's/^mask=//p' "$case_file")
    labels=$(sed -n 's/^labels=//p' "$case_file"); want=$(sed -n 's/^loss=//p' "$case_file")
    got=$("$bin" lm-logits "$src/tests/fixtures/t5/$v" --enc "$enc" --mask "$mask" --labels "$labels" \
        --out "$tmp/$v.npy" 2>&1 | sed -n 's/^loss \([0-9.]*\).*/\1/p')
    awk -v g="$got" -v w="$want" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(g != "" && d <= 1e-5 * w) }' &&
        ok "lm-logits $v: loss $got = transformers' $want" || bad "lm-logits $v: loss '$got', transformers $want"
done

# bad inputs
printf '{"codes": [1, 2, 99]}\n' > "$tmp/big.jsonl"
"$bin" train-lm "$cfg" --set lm.data="$tmp/big.jsonl" --set experiment.output_dir="$tmp/c" > "$tmp/c.log" 2>&1
[ $? -eq 2 ] && grep -q 'code 99' "$tmp/c.log" && ok "code beyond the codebook rejected" || bad "code 99 accepted"
printf '{"codes": [1, 2, 3]}\n{"codes": [1, "x"]}\n' > "$tmp/bad.jsonl"
"$bin" train-lm "$cfg" --set lm.data="$tmp/bad.jsonl" --set experiment.output_dir="$tmp/c" > "$tmp/c.log" 2>&1
[ $? -ne 0 ] && grep -q 'bad.jsonl:2' "$tmp/c.log" && ok "malformed line named" || { bad "malformed line"; cat "$tmp/c.log"; }
"$bin" lm-logits "$tmp/nowhere" --enc 1 --dec 0 > "$tmp/d.log" 2>&1
[ $? -ne 0 ] && grep -q 'config.json' "$tmp/d.log" && ok "lm-logits on a missing folder" || bad "lm-logits missing folder"
"$bin" lm-logits "$tmp/a/t5" --enc 1,x --dec 0 > /dev/null 2>&1
[ $? -eq 2 ] && ok "lm-logits bad id list" || bad "lm-logits bad ids accepted"

[ $fails -eq 0 ] && echo "all train-lm checks passed"
exit $((fails > 0))
