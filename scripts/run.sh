#!/bin/sh
# run.sh [lotusx demo options] - the README's run command: installs what is
# missing, builds (once; later runs only rebuild what changed) in build/,
# then runs the main job on the embedded default.
#
# Until lotusx-mock exists, the main job is `lotusx demo`: an HTTP and
# WebSocket server and a client in one event loop on 127.0.0.1, checked end
# to end (see `lotusx demo --help`).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh >&2
sh scripts/build.sh build >&2
exec ./build/lotusx demo "$@"
