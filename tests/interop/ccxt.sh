#!/bin/sh
# ccxt.sh - an unmodified CCXT (pinned, from the npm registry) runs a Binance
# spot session against lotusx-mock: markets, book, trades, ticker, OHLCV,
# balance, orders placed/fetched/cancelled, a market order, my trades, a
# wrong secret, and ccxt.pro watchOrderBook/watchTrades. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
S=${LX_TOP_SRCDIR:-.}
CCXT_VERSION=4.5.84
dir="$B/ccxt-$CCXT_VERSION"
skip() { echo "1..0 # SKIP $1"; exit 0; }
command -v node >/dev/null 2>&1 || skip "node is not installed"
if [ ! -f "$dir/node_modules/ccxt/package.json" ]; then
    command -v npm >/dev/null 2>&1 || skip "npm is not installed"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
        "ccxt@$CCXT_VERSION" >"$dir/npm.log" 2>&1 ||
        skip "npm install ccxt@$CCXT_VERSION failed: $(tail -n 1 "$dir/npm.log")"
fi
# ES modules resolve packages from the script's own directory.
cp "$S/tests/interop/ccxt_binance.mjs" "$dir/"
tmp=$(mktemp -d)
"$B/lotusx-mock" --seed 3 >"$tmp/mock.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
until grep -q '^secret ' "$tmp/mock.out"; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "Bail out! no mock"; exit 1; }
    sleep 0.1
done
url=$(sed -n 's/^binance //p' "$tmp/mock.out")
key=$(sed -n 's/^api key //p' "$tmp/mock.out")
secret=$(sed -n 's/^secret  //p' "$tmp/mock.out")
sleep 1 # a few synthetic trades first
timeout 120 node "$dir/ccxt_binance.mjs" "$url" "$key" "$secret"
