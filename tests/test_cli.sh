#!/bin/sh
# The CLI as a user meets it: help, version, devices, exit codes for bad usage.
set -u
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
fails=0
expect() { # expect CODE DESCRIPTION -- command...
    code=$1; what=$2; shift 3
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" -eq "$code" ]; then echo "ok   $what"; else echo "FAIL $what: exit $rc, expected $code"; echo "$out"; fails=$((fails+1)); fi
}
expect 0 "--version" -- "$bin" --version
"$bin" --version | grep -q '^archllm [0-9]' || { echo "FAIL version text"; fails=$((fails+1)); }
expect 0 "help" -- "$bin" help
expect 0 "help devices" -- "$bin" help devices
expect 0 "devices --help" -- "$bin" devices --help
expect 2 "no command" -- "$bin"
expect 2 "unknown command" -- "$bin" frobnicate
expect 2 "help of an unknown command" -- "$bin" help frobnicate
expect 2 "devices with a stray argument" -- "$bin" devices extra
expect 2 "bench without a benchmark" -- "$bin" bench
expect 2 "bench gemm bad sizes" -- "$bin" bench gemm --sizes 0,x
expect 0 "devices" -- "$bin" devices
"$bin" devices | grep -q '^  \* ' || { echo "FAIL devices marks no selected device"; fails=$((fails+1)); }
expect 2 "devices --device matching nothing" -- "$bin" devices --device no-such-device-xyz
n=$("$bin" devices --device no-such-device-xyz 2>&1 | wc -l)
[ "$n" -eq 1 ] && echo "ok   one line for a bad selector" || { echo "FAIL bad selector printed $n lines"; fails=$((fails+1)); }
ARCHLLM_DEVICE=no-such-device-xyz "$bin" devices >/dev/null 2>&1
[ $? -eq 2 ] && echo "ok   ARCHLLM_DEVICE is honoured" || { echo "FAIL ARCHLLM_DEVICE ignored"; fails=$((fails+1)); }
expect 0 "bench gemm small" -- "$bin" bench gemm --sizes 64,100 --repeat 1
# it says where it ran and whether the figures may be quoted (bench/machine.sh's verdict)
out=$("$bin" bench gemm --sizes 64 --repeat 1 2>&1)
echo "$out" | head -n 1 | grep -Eq '^host: .+, ([0-9]+|\?) cores; load average ([0-9.]+|unknown) at the start$' &&
    echo "$out" | tail -n 1 | grep -Eq '^verdict: (quotable|NOT QUOTABLE)' && echo "ok   bench gemm host line and verdict" ||
    { echo "FAIL bench gemm host line or verdict:"; echo "$out"; fails=$((fails+1)); }
# every command in `archllm help` is documented in the man page
for c in $("$bin" help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}'); do
    grep -q "^\.B $c\b\|^\.SS $c\b\|^\.TP\n\.B $c" "${ARCHLLM_SRCDIR:?}/doc/archllm.1" ||
    grep -q "archllm $c" "${ARCHLLM_SRCDIR:?}/doc/archllm.1" ||
        { echo "FAIL command '$c' missing from doc/archllm.1"; fails=$((fails+1)); }
done
[ $fails -eq 0 ] && echo "all CLI checks passed"
exit $((fails > 0))
