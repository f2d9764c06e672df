#!/bin/sh
# build.sh [DIR [configure args...]] - configures (once) and builds LotuSX
# out of tree in DIR (default: build/). Used by run.sh and test.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
[ $# -gt 0 ] && shift
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
    ./autogen.sh >/dev/null 2>&1 || ./autogen.sh
fi
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ]; then
    "$top/configure" -q "$@"
fi
make -s -j"$(nproc 2>/dev/null || echo 2)"
