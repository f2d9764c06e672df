#!/bin/sh
# Regenerates the build system (configure, Makefile.in) from configure.ac.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf -fi
# The TAP driver ships with automake; it is copied, never committed.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
