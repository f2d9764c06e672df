#!/bin/sh
# test.sh - the README's test command: installs dependencies, then builds
# and runs every test in three configurations:
#   build/       gcc, -Werror: make check, make lint, make check-valgrind,
#                make distcheck
#   build-asan/  clang, -Werror, ASan + UBSan: make check
#   build-fuzz/  clang libFuzzer targets, a short smoke run of each
#                (skipped with LX_SKIP_FUZZ=1)
# It ends with one line "N passed, N failed" counting every test case of
# every configuration, and exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
fails=0

step() { printf '\n=== %s\n' "$*"; }
count() { # sums PASS/FAIL from the automake test-suite.log of $1
    for d in "$@"; do
        [ -f "$d/test-suite.log" ] || continue
        sed -n 's/^# \(PASS\|FAIL\|ERROR\|XPASS\): *\([0-9]*\)$/\1 \2/p' \
            "$d/test-suite.log"
    done
}

step "dependencies"
sh scripts/deps.sh || exit 1
./autogen.sh >/dev/null 2>&1 || { ./autogen.sh; exit 1; }

step "gcc build (-Werror), unit + integration tests"
rm -rf build && mkdir build && cd build &&
    CC=gcc "$top/configure" -q --enable-werror &&
    make -s -j"$jobs" && make -s -j"$jobs" check || fails=$((fails + 1))
cd "$top"

step "lint"
(cd build && make -s lint) || fails=$((fails + 1))

step "valgrind"
(cd build && make -s check-valgrind) || fails=$((fails + 1))

step "clang build with ASan + UBSan"
rm -rf build-asan && mkdir build-asan && cd build-asan &&
    CC=clang "$top/configure" -q --enable-werror --enable-sanitizers &&
    make -s -j"$jobs" && make -s -j"$jobs" check || fails=$((fails + 1))
cd "$top"

if [ "${LX_SKIP_FUZZ:-0}" != 1 ]; then
    step "libFuzzer smoke (${LX_FUZZ_SECONDS:-5} s per target)"
    rm -rf build-fuzz && mkdir build-fuzz && cd build-fuzz &&
        CC=clang "$top/configure" -q --enable-fuzzing &&
        make -s -j"$jobs" &&
        make -s fuzz-smoke FUZZ_SECONDS="${LX_FUZZ_SECONDS:-5}" ||
        fails=$((fails + 1))
    cd "$top"
fi

step "make distcheck"
(cd build && make -s distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
    >distcheck.log 2>&1 && tail -n 4 distcheck.log) ||
    { tail -n 40 build/distcheck.log; fails=$((fails + 1)); }

step "summary"
summary=$(count build build-asan | awk '
    $1 == "PASS" { p += $2 } $1 != "PASS" { f += $2 }
    END { printf "%d passed, %d failed\n", p, f }')
echo "failed steps: $fails"
echo "$summary"
[ $fails -eq 0 ] && case "$summary" in *" 0 failed") exit 0 ;; esac
exit 1
