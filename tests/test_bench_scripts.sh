#!/bin/sh
# The benchmark scripts stay runnable: every bench/ shell script parses (sh -n), every
# side-by-side script under bench/*/ sources bench/machine.sh, and the helper's machine line,
# verdict, median and ratio have the shapes the scripts and BENCHMARKS.md readers rely on.
# Runs no benchmark (well under a second).
set -u
src=${ARCHLLM_SRCDIR:-.}
bin="${ARCHLLM_BUILDDIR:-.}/archllm"
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

n=0
for f in "$src"/bench/*.sh "$src"/bench/*/*.sh; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    if err=$(sh -n "$f" 2>&1); then ok "sh -n ${f#"$src"/}"; else fail "sh -n ${f#"$src"/}: $err"; fi
done
[ "$n" -ge 5 ] && ok "$n bench scripts found" || fail "only $n bench scripts found under $src/bench"
for f in "$src"/bench/*/*.sh "$src"/bench/gpu.sh; do
    [ -f "$f" ] || continue
    grep -q '/bench/machine\.sh"' "$f" && ok "${f#"$src"/} sources bench/machine.sh" ||
        fail "${f#"$src"/} does not source bench/machine.sh (machine line and verdict)"
done

# the helper itself, with the built archllm naming the device (as the scripts call it)
out=$(. "$src/bench/machine.sh"
      bench_machine "$bin"
      bench_verdict
      printf '5\n1\n3\n' | bench_median
      printf '4\n1\n3\n2\n' | bench_median
      printf '' | bench_median
      bench_ratio 3 2
      bench_ratio - 2)
line=$(echo "$out" | sed -n 1p)
echo "$line" | grep -Eq '^machine: .+, ([0-9]+|\?) cores; device (.+ \(driver .+\)|none \(archllm devices failed\)); load average ([0-9.]+|unknown) at the start, [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC$' &&
    ok "machine line: $line" || fail "machine line has the wrong shape: '$line'"
echo "$out" | sed -n 2p | grep -Eq '^verdict: (quotable: load average [0-9.]+ at the start|NOT QUOTABLE)' &&
    ok "verdict line" || fail "verdict line: '$(echo "$out" | sed -n 2p)'"
[ "$(echo "$out" | sed -n '3,7p' | tr '\n' ' ')" = "3 2.5 - 1.50 - " ] && ok "median and ratio" ||
    fail "median and ratio: '$(echo "$out" | sed -n '3,7p' | tr '\n' ' ')', want '3 2.5 - 1.50 - '"
# without a program the line still comes, without the device
line=$(. "$src/bench/machine.sh"; bench_machine)
echo "$line" | grep -Eq '^machine: .+, ([0-9]+|\?) cores; load average ([0-9.]+|unknown) at the start, .* UTC$' &&
    ok "machine line without a device" || fail "machine line without a device: '$line'"

[ $fails -eq 0 ] && echo "all bench script checks passed"
exit $((fails > 0))
