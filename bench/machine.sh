# bench/machine.sh - sourced by the bench scripts (POSIX sh): says where and when a run
# happened and whether its figures may be quoted, and holds the small arithmetic they share
# (median, rounding, ratio).  It runs no benchmark and sets no shell options.
#
#   . "$top/bench/machine.sh"
#   bench_machine [ARCHLLM [SELECTOR]]   print the machine line, remember the load average
#   ...the benchmark...
#   bench_verdict                        print the closing verdict line
#
# The machine line (tests/test_bench_scripts.sh checks its shape):
#   machine: CPU MODEL, N cores; device NAME [TYPE] (driver V); load average L at the start, YYYY-MM-DD HH:MM UTC
# CPU MODEL comes from lscpu (else /proc/cpuinfo), N from nproc, the device from
# `ARCHLLM devices` with SELECTOR (what archllm will pick; left out without ARCHLLM), L is
# the 1-minute load average of /proc/loadavg.  A run that starts above 1 shared the cores
# with other work and is marked NOT QUOTABLE; the run's own threads raise the average
# later, so only the start counts (the end is printed beside it for the record).

bench_cpu_model() {
    _bench_m=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
    [ -n "$_bench_m" ] || _bench_m=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo 2>/dev/null | head -n 1)
    echo "${_bench_m:-unknown CPU}"
}

bench_cores() {
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?"
}

# the 1-minute load average, or nothing when it cannot be read
bench_load() {
    cut -d' ' -f1 /proc/loadavg 2>/dev/null
}

# bench_device ARCHLLM [SELECTOR]: "NAME [TYPE] (driver V)" of the device archllm picks
bench_device() {
    if [ -n "${2:-}" ]; then
        _bench_d=$("$1" devices --device "$2" 2>&1) || { echo "none matches '$2'"; return 1; }
    else
        _bench_d=$("$1" devices 2>&1) || { echo "none (archllm devices failed)"; return 1; }
    fi
    echo "$_bench_d" | awk '/^  \* [0-9]+:[0-9]+ / { sub(/^  \* [0-9]+:[0-9]+ +/, ""); name = $0; getline
                          if (match($0, /driver [^,]*/)) drv = substr($0, RSTART + 7, RLENGTH - 7) }
                      END { if (name == "") { print "unknown"; exit 1 }
                            print name " (driver " (drv == "" ? "?" : drv) ")" }'
}

bench_machine() {
    bench_load0=$(bench_load)
    _bench_dev=""
    if [ -n "${1:-}" ]; then _bench_dev="device $(bench_device "$1" "${2:-}"); "; fi
    echo "machine: $(bench_cpu_model), $(bench_cores) cores; ${_bench_dev}load average ${bench_load0:-unknown} at the start, $(date -u '+%Y-%m-%d %H:%M UTC')"
}

bench_verdict() {
    _bench_l1=$(bench_load)
    if [ -z "${bench_load0:-}" ]; then
        echo "verdict: NOT QUOTABLE (the load average could not be read at the start)"
    elif awk -v a="$bench_load0" 'BEGIN { exit !(a > 1) }'; then
        echo "verdict: NOT QUOTABLE: load average $bench_load0 at the start, above 1 (${_bench_l1:-?} at the end, the run's own threads included)"
    else
        echo "verdict: quotable: load average $bench_load0 at the start (${_bench_l1:-?} at the end, the run's own threads included)"
    fi
}

# bench_torch PY TDEV [MODULE...]: whether PyTorch's side can run on TDEV (cpu, cuda or none)
# with PY importing torch and the MODULEs; sets torch_ver to their versions, and when the
# side is left out says why in one line and returns 1.
bench_torch() {
    _bench_py=$1 _bench_tdev=$2
    shift 2
    _bench_mods="torch"
    for _bench_m in "$@"; do _bench_mods="$_bench_mods, $_bench_m"; done
    torch_ver=""
    if [ "$_bench_tdev" = none ]; then
        echo "PyTorch: left out (--torch-device none); archllm's side alone"
        return 1
    fi
    _bench_vers="torch.__version__"
    for _bench_m in "$@"; do _bench_vers="$_bench_vers, $_bench_m.__version__"; done
    if ! torch_ver=$("$_bench_py" -c "import $_bench_mods; print($_bench_vers)" 2>/dev/null); then
        echo "PyTorch: not available ($_bench_py -c 'import $_bench_mods' failed); archllm's side alone"
        return 1
    fi
    if [ "$_bench_tdev" = cuda ] && ! "$_bench_py" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
        echo "PyTorch: $torch_ver has no CUDA device here; archllm's side alone"
        return 1
    fi
    return 0
}

# bench_median: the median of the numbers on stdin, one a line ("-" when there are none)
bench_median() {
    sort -n | awk 'NF { v[++n] = $1 } END { if (!n) print "-"; else if (n % 2) print v[(n + 1) / 2];
                                            else printf "%.6g\n", (v[n / 2] + v[n / 2 + 1]) / 2 }'
}

# bench_round D: the number on stdin to D decimals ("-" stays "-")
bench_round() {
    awk -v d="$1" '{ if ($1 == "-" || $1 == "") print "-"; else printf("%." d "f\n", $1) }'
}

# bench_ratio A B: A / B to two decimals, "-" when either is missing or B is 0
bench_ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "" || b == "" || b + 0 == 0) print "-";
                                      else printf "%.2f\n", a / b }'
}
