#!/bin/sh
# gpu-prepare.sh - run here, on the Debian 12 build machine, before lending the checkout to
# an NVIDIA GPU machine (which gets only the checkout plus the ignored folders named in the
# device tool's `carry`, and has no package registry).  It fills .gpu/ with what bench/gpu.sh
# needs there; it runs no benchmark.
#
#   bench/gpu-prepare.sh [--shared DIR] [--with-openblas] [--jobs N]
#
#   1. copies the checkout's files (tracked and untracked, not ignored) into gpu-build/ and
#      builds there with ./configure --disable-shared --without-openblas, so the programs
#      carry libarchllm inside them and no libtool wrapper with absolute paths is involved
#      (the normal build is untouched; automake refuses a second build folder beside an
#      in-tree one, hence the copy; unchanged files keep their times, so a rerun is
#      incremental);
#   2. copies archllm, tests/test_ops and bench/t5/bench_t5 into .gpu/bin;
#   3. runs DIR/fetch-libs.sh (DIR: --shared, default ../shared/gpu beside the checkout)
#      for the OpenCL ICD loader, CLBlast, libconfig and the Debian packages of every other
#      library ldd lists for those programs (libjansson4, libmd0, ...), leaving out what every
#      glibc system has (libc, libm, libstdc++, libgcc_s, the loader), into .gpu/lib, each
#      library as one plain file named by its soname (no symlinks to lose on the way);
#   4. copies DIR/nvidia-env.sh into .gpu/, checks that every library resolves from .gpu/lib,
#      and prints the `carry` list and the command to give the device tool.
# OpenBLAS (the `bench gemm --openblas` baseline) is left out by default: its library is
# 36 MB of the 64 MiB a carry may hold; --with-openblas builds it in and brings it along.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
shared=$top/../shared/gpu
openblas=--without-openblas
jobs=2
usage="usage: $0 [--shared DIR] [--with-openblas] [--jobs N]"
while [ $# -gt 0 ]; do
    case $1 in
    --shared) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; shared=$2; shift 2 ;;
    --with-openblas) openblas=--with-openblas; shift ;;
    --jobs) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; jobs=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
    esac
done
for f in fetch-libs.sh nvidia-env.sh; do
    [ -f "$shared/$f" ] || { echo "$0: $shared/$f not found (name the folder with --shared DIR)" >&2; exit 1; }
done
shared=$(cd "$shared" && pwd)
cd "$top"

# 1. the static build, in a copy of the checkout
echo "== build: gpu-build/ (./configure --disable-shared $openblas)"
mkdir -p gpu-build
git ls-files -z --cached --others --exclude-standard | xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\n" "$f"; done' sh |
    tar -cf - -T - | tar -C gpu-build -xf -
(
    cd gpu-build
    if [ ! -f Makefile ] || ! grep -q -- "$openblas" config.log 2>/dev/null; then
        ./autogen.sh > autogen.log 2>&1 || { cat autogen.log; exit 1; }
        ./configure -q --disable-shared "$openblas"
    fi
    make -j"$jobs" -s > make.log 2>&1 || { tail -n 30 make.log; exit 1; }
    make -j"$jobs" -s tests/test_ops bench/t5/bench_t5 >> make.log 2>&1 || { tail -n 30 make.log; exit 1; }
)

# 2. the programs
rm -rf .gpu/bin .gpu/lib
mkdir -p .gpu/bin
cp gpu-build/archllm gpu-build/tests/test_ops gpu-build/bench/t5/bench_t5 .gpu/bin/
for p in .gpu/bin/*; do
    if ! head -c 4 "$p" | grep -q ELF; then echo "$0: $p is not a program (a libtool wrapper?)" >&2; exit 1; fi
    if ldd "$p" | grep -q libarchllm; then echo "$0: $p links libarchllm.so: not a static build" >&2; exit 1; fi
done

# 3. the runtime libraries: fetch-libs.sh's three, plus the packages of whatever else ldd lists
base='^(linux-vdso|libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt|ld-linux[^ ]*)\.so'
pkgs=$(ldd .gpu/bin/* | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u | grep -Ev "$base" |
    while read -r name path; do
        pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | sed -n '1s/:.*//p')
        echo "${pkg:-unknown($name)}"
    done | sort -u | grep -Ev '^(ocl-icd-libopencl1|libclblast1|libconfig9)$' | tr '\n' ' ')
case $pkgs in *unknown*) echo "$0: no Debian package owns: $pkgs" >&2; exit 1 ;; esac
echo "== libraries: fetch-libs.sh .gpu $pkgs"
# shellcheck disable=SC2086
sh "$shared/fetch-libs.sh" .gpu $pkgs > .gpu/fetch-libs.log 2>&1 || { cat .gpu/fetch-libs.log; exit 1; }
# each symlink (the soname) becomes the file it names
for l in .gpu/lib/*; do
    [ -L "$l" ] || continue
    t=.gpu/lib/$(readlink "$l")
    rm "$l"
    if [ -f "$t" ]; then mv "$t" "$l"; fi
done
find .gpu/lib -type l -exec rm {} +

# 4. the environment script, and a check that every library resolves from .gpu/lib
rm -f .gpu/nvidia-env.sh
cp "$shared/nvidia-env.sh" .gpu/
chmod u+w .gpu/nvidia-env.sh
missing=$(LD_LIBRARY_PATH=$top/.gpu/lib ldd .gpu/bin/* | grep 'not found' | sort -u || true)
[ -z "$missing" ] || { echo "$0: libraries not found with .gpu/lib:"; echo "$missing"; exit 1; } >&2
notours=$(LD_LIBRARY_PATH=$top/.gpu/lib ldd .gpu/bin/archllm | awk '$2 == "=>" { print $1, $3 }' |
    grep -Ev "$base" | grep -v "$top/.gpu/lib/" || true)
[ -z "$notours" ] || { echo "$0: libraries that would come from this machine, not .gpu/lib:"; echo "$notours"; exit 1; } >&2
ls .gpu/lib
size=$(du -sk .gpu | cut -f1)
echo "== .gpu/: $((size / 1024)) MiB (bin: $(ls .gpu/bin | tr '\n' ' '))"
[ "$size" -lt 60000 ] || echo "warning: .gpu/ is over 60 MiB; the device tool carries 64 MiB at most"
cat <<EOF

Ready.  On the lent GPU machine (device tool, from the repository root):
  carry:   [".gpu"]
  command: bench/gpu.sh
  timeout_s: 540   (gpu.sh keeps to 480 s; its logs and summary.txt come back under \$OUT/gpu-bench)
Try it here first on PoCL:  bench/gpu.sh --device cpu --quick --out gpu-out
EOF
