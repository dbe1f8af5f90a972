#!/bin/sh
# test_config_cli.sh - `archllm config` on each bad fixture: exit status 2 and exactly one
# line on stderr naming file:line and key; the shipped default and --set work.
srcdir=${ARCHLLM_SRCDIR:-.}
bin=${ARCHLLM_BUILDDIR:-.}/archllm
fail=0
err=test_config_cli.err
out=test_config_cli.out

# expect CODE STDERR-LINE ARGS...: run archllm config ARGS, compare status and stderr
expect() {
    want_code=$1 want_err=$2
    shift 2
    "$bin" config "$@" >"$out" 2>"$err"
    code=$?
    got_err=$(cat "$err")
    lines=$(wc -l <"$err")
    if [ "$code" != "$want_code" ] || [ "$got_err" != "$want_err" ] || \
       { [ -n "$want_err" ] && [ "$lines" -ne 1 ]; }; then
        echo "FAIL: archllm config $*"
        echo "  status $code (want $want_code), stderr ($lines lines):"
        sed 's/^/    /' "$err"
        echo "  want: $want_err"
        fail=1
    else
        echo "ok: archllm config $* -> $code"
    fi
}

d=$srcdir/tests/io
expect 2 "archllm: $d/bad_syntax.cfg:4: syntax error" "$d/bad_syntax.cfg"
expect 2 "archllm: $d/unknown_key.cfg:5: bench.repaet: unknown key (did you mean 'bench.repeat'?)" \
    "$d/unknown_key.cfg"
expect 2 "archllm: $d/unknown_group.cfg:3: search_party: unknown group" "$d/unknown_group.cfg"
expect 2 "archllm: $d/wrong_type.cfg:4: bench.repeat: expected an int" "$d/wrong_type.cfg"
expect 2 "archllm: $d/out_of_range.cfg:3: bench.repeat: 0 is out of range [1, 1000]" \
    "$d/out_of_range.cfg"
expect 2 "archllm: $d/bad_list.cfg:5: bench.gemm_sizes[2]: 0 is out of range [1, 16384]" \
    "$d/bad_list.cfg"
expect 2 "archllm: $d/wrapped_int.cfg:3: experiment.seed: 5000000000 does not fit in 32 bits; write 5000000000L" \
    "$d/wrapped_int.cfg"
expect 2 "archllm: $d/missing.cfg: cannot open: No such file or directory" "$d/missing.cfg"
expect 2 "archllm: --set train.lr=abc: train.lr: unknown key (did you mean 'vqvae.lr'?)" \
    "$srcdir/conf/default.cfg" --set train.lr=abc
expect 2 "archllm: --set bench.repeat=abc: bench.repeat: expected an int" \
    "$srcdir/conf/default.cfg" --set bench.repeat=abc

# the shipped default loads; --set applies; the printed config reads back the same
# every shipped config is valid
for f in "$srcdir"/conf/*.cfg; do expect 0 "" "$f"; done
expect 0 "" "$srcdir/conf/default.cfg" --set bench.repeat=9 --set=experiment.name=cli
if ! grep -q '^  repeat = 9;$' "$out" || ! grep -q '^  name = "cli";$' "$out"; then
    echo "FAIL: printed config lacks the overrides:"; cat "$out"; fail=1
fi
cp "$out" test_config_cli.cfg
expect 0 "" test_config_cli.cfg
if ! cmp -s "$out" test_config_cli.cfg; then
    echo "FAIL: print -> load -> print differs:"; diff test_config_cli.cfg "$out"; fail=1
fi
expect 0 "" --keys
rm -f "$err" "$out" test_config_cli.cfg
exit $fail
