#!/bin/sh
# `archllm dataset` and `archllm show` as a user meets them: the full exports (counts,
# distinct hashes, known lines), show in every CELL form, and one clear stderr line with
# a non-zero exit for every kind of bad input.
set -u
export LC_ALL=C
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
src="${ARCHLLM_SRCDIR:-.}"
name=nascli
. "${ARCHLLM_SRCDIR:-.}/tests/clilib.sh"

# ---- dataset nb101: 423,624 lines, distinct hashes, canonical forms ----
"$bin" dataset nb101 --out "$tmp/nb101.jsonl" && ok "dataset nb101" || fail "dataset nb101"
[ -z "$(ls "$tmp" | grep "^nb101\.jsonl\.tmp")" ] || fail "dataset left its temp file"
n=$(wc -l <"$tmp/nb101.jsonl")
[ "$n" -eq 423624 ] && ok "423624 NB101 lines" || fail "NB101 export has $n lines"
u=$(cut -d'"' -f4 "$tmp/nb101.jsonl" | LC_ALL=C sort -u | wc -l)
[ "$u" -eq 423624 ] && ok "423624 distinct NB101 hashes" || fail "NB101 export has $u distinct hashes"
head -1 "$tmp/nb101.jsonl" | grep -qx '{"hash": "043721b9c7fe8c5fad811d47d83132ec", "module_adjacency": \[\[0, 1\], \[0, 0\]\], "module_operations": \["input", "output"\]}' \
    && ok "first NB101 line" || fail "first NB101 line: $(head -1 "$tmp/nb101.jsonl")"
grep -qF '{"hash": "28cfc7874f6d200472e1a9dcd8650aa0", "module_adjacency": [[0, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]], "module_operations": ["input", "conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3", "conv3x3-bn-relu", "conv3x3-bn-relu", "output"]}' "$tmp/nb101.jsonl" \
    && ok "Inception line is the dataset's canonical form" || fail "Inception line"

# ---- dataset nb201 (stdout): 15,625 lines in index order, matching the CSV ----
"$bin" dataset nb201 >"$tmp/nb201.jsonl" && ok "dataset nb201" || fail "dataset nb201"
n=$(wc -l <"$tmp/nb201.jsonl")
[ "$n" -eq 15625 ] && ok "15625 NB201 lines" || fail "NB201 export has $n lines"
u=$(cut -d'"' -f10 "$tmp/nb201.jsonl" | LC_ALL=C sort -u | wc -l)
[ "$u" -eq 15625 ] && ok "15625 distinct NB201 hashes" || fail "NB201 export has $u distinct hashes"
sed 's/^{"index": \([0-9]*\), "arch_str": "\([^"]*\)".*/\1,\2/' "$tmp/nb201.jsonl" >"$tmp/a"
tail -n +2 "$src/data/nb201_accuracy.csv" | cut -d, -f1,2 >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" && ok "NB201 export index/arch_str = CSV rows" || fail "NB201 export differs from the CSV"

# ---- show ----
best='|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
"$bin" show 6111 --nb201-table "$src/data/nb201_accuracy.csv" >"$tmp/s1" && ok "show 6111" || fail "show 6111"
grep -qF "$best" "$tmp/s1" && grep -q 'c10_oritest_200  *94.3733' "$tmp/s1" && ok "show 6111 text" || { fail "show 6111 text"; cat "$tmp/s1"; }
ARCHLLM_DATA_DIR="$src/data" "$bin" show "$best" >"$tmp/s2" && cmp -s "$tmp/s1" "$tmp/s2" \
    && ok "show by arch string, table through ARCHLLM_DATA_DIR" || fail "show by arch string"
"$bin" show 6111 --dot --nb201-table "$src/data/nb201_accuracy.csv" >"$tmp/d1" && head -1 "$tmp/d1" | grep -q '^digraph' \
    && [ "$(grep -c -- '->' "$tmp/d1")" -eq 6 ] && grep -q 'c10_oritest_200 94.3733' "$tmp/d1" \
    && ok "show --dot NB201" || fail "show --dot NB201"
h=$(sed -n 6112p "$tmp/nb201.jsonl" | cut -d'"' -f10)
"$bin" show "$h" --nb201-table "$src/data/nb201_accuracy.csv" >"$tmp/s3" && cmp -s "$tmp/s1" "$tmp/s3" \
    && ok "show by NB201 DAG hash" || fail "show by NB201 DAG hash"
"$bin" show 28cfc7874f6d200472e1a9dcd8650aa0 >"$tmp/s4" && grep -q '^vertices    7' "$tmp/s4" \
    && grep -q 'accuracy    unknown' "$tmp/s4" && ok "show NB101 hash" || { fail "show NB101 hash"; cat "$tmp/s4"; }
"$bin" show 28cfc7874f6d200472e1a9dcd8650aa0 --dot >"$tmp/d2" && [ "$(grep -c -- '->' "$tmp/d2")" -eq 9 ] \
    && ok "show --dot NB101" || fail "show --dot NB101"

# NB101 accuracies from a small official-format tfrecord (the fuzz seed minus its mode byte)
tail -c +2 "$src/fuzz/corpus/tfrecord/file_two_cells" >"$tmp/two.tfrecord"
"$bin" show 28cfc7874f6d200472e1a9dcd8650aa0 --nb101-data "$tmp/two.tfrecord" >"$tmp/s5" \
    && grep -q 'validation  *93.6365' "$tmp/s5" && grep -q 'test  *93.0856' "$tmp/s5" \
    && grep -q 'trainable_parameters  *2694282$' "$tmp/s5" && ok "show NB101 accuracies from a tfrecord" \
    || { fail "show NB101 accuracies"; cat "$tmp/s5"; }

# ---- bad input: one line on stderr, non-zero exit ----
expect_bad 2 "dataset without a space" -- "$bin" dataset
expect_bad 2 "dataset unknown space" -- "$bin" dataset nb301
expect_bad 2 "dataset unknown option" -- "$bin" dataset nb201 --frob
expect_bad 2 "dataset --out without a file" -- "$bin" dataset nb201 --out
expect_bad 1 "dataset into a missing folder" -- "$bin" dataset nb201 --out /nonexistent/dir/x.jsonl
expect_bad 2 "dataset --samples on a space without sampling" -- "$bin" dataset nb201 --samples 5
expect_bad 2 "dataset darts --samples 0" -- "$bin" dataset darts --samples 0
expect_bad 2 "dataset darts --seed not a number" -- "$bin" dataset darts --seed x
expect_bad 2 "dataset cells without --cells" -- "$bin" dataset cells
expect_bad 1 "dataset cells with a missing file" -- "$bin" dataset cells --cells /nonexistent.jsonl
expect_bad 2 "show a Genotype with 'none'" -- "$bin" show "Genotype(normal=[('none', 0)])"
expect_bad 2 "show without a cell" -- "$bin" show
expect_bad 2 "show garbage" -- "$bin" show not-a-cell
expect_bad 2 "show index out of range" -- "$bin" show 15625
expect_bad 2 "show huge index" -- "$bin" show 99999999999999999999
expect_bad 2 "show bad arch string" -- "$bin" show '|nor_conv_3x3~0|+|bogus~0|nor_conv_3x3~1|'
expect_bad 1 "show unknown hash" -- "$bin" show 0123456789abcdef0123456789abcdef
expect_bad 1 "show with a missing table" -- "$bin" show 1 --nb201-table /nonexistent.csv
printf 'index,arch_str\n0,|x|\n' >"$tmp/bad.csv"
expect_bad 1 "show with a malformed table" -- "$bin" show 1 --nb201-table "$tmp/bad.csv"
grep -q 'bad.csv:2' "$tmp/err" && ok "table error names file:line" || fail "table error without file:line"
printf 'garbage' >"$tmp/bad.tfrecord"
expect_bad 1 "show with a malformed tfrecord" -- "$bin" show 043721b9c7fe8c5fad811d47d83132ec --nb101-data "$tmp/bad.tfrecord"
expect_bad 2 "show unknown option" -- "$bin" show 1 --frob

[ $fails -eq 0 ] && echo "all NAS CLI checks passed"
exit $((fails > 0))
