#!/bin/sh
# bench_net.sh [BUILDDIR] - builds and runs only the network benchmarks
# (bench_http_codec, bench_http_server, bench_ws) from an out-of-tree
# build directory (default: the current directory), the subset of
# `make bench` that exercises src/net. Each prints its own table.
#
# bench_http_server needs wrk and, for its reference, nginx; without wrk
# it prints "skipped" and succeeds. Measure on an optimised build
# (configure without --enable-debug): -O0 figures say little.
set -eu
builddir=${1:-.}
cd "$builddir"
[ -f Makefile ] || { echo "bench_net.sh: $builddir is not a build directory" >&2; exit 2; }
grep -q '^LX_CFLAGS.*-O0' Makefile &&
    echo "bench_net.sh: warning: debug build (-O0), figures are not representative"
benches="bench/bench_http_codec bench/bench_http_server bench/bench_ws"
# shellcheck disable=SC2086
make -s $benches
for b in $benches; do
    echo "== $b"
    ./"$b"
done
