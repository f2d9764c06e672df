#!/bin/sh
# deps.sh - installs every Debian package LotuSX needs to build, test and
# benchmark. Idempotent: when everything is present it changes nothing;
# otherwise it runs apt-get update first, then apt-get install.
set -eu

PKGS="build-essential autoconf automake libtool pkg-config
 libevent-dev libssl-dev libcjson-dev libsqlite3-dev libzstd-dev
 libcmocka-dev libwebsockets-dev libhttp-parser-dev libwslay-dev
 libsecp256k1-dev libmsgpack-dev
 clang libclang-rt-14-dev clang-format valgrind curl zstd nginx-light wrk
 ca-certificates openssl
 chromium"
# chromium renders the backtest HTML report in tests/integration/report_html.sh
# (headless; the test skips without it).

# Node.js and npm run the CCXT interop test; any node >= 18 will do.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PKGS="$PKGS nodejs npm"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    echo "deps: all $(echo $PKGS | wc -w) packages present"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "deps: missing:$missing; run as root or install sudo" >&2
        exit 1
    fi
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
