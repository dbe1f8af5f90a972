# clilib.sh - what the shell tests of the CLI share: a temp folder removed on exit, the
# ok/fail lines and their count, and expect_bad.  Set `name` before sourcing it.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/archllm-$name-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails+1)); }
# expect_bad CODE DESCRIPTION -- command...: exit CODE, nothing on stdout, one line on stderr
expect_bad() {
    code=$1; what=$2; shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    n=$(wc -l <"$tmp/err")
    if [ "$rc" -eq "$code" ] && [ "$n" -eq 1 ] && [ ! -s "$tmp/out" ]; then ok "$what"
    else fail "$what: exit $rc (want $code), $n stderr lines"; cat "$tmp/err"; fi
}
