#!/bin/sh
# ccxt.sh - an unmodified CCXT (pinned, from the npm registry) runs a Binance
# spot session (ccxt_binance.mjs), then a Binance USD-M perpetuals session
# (ccxt_binanceusdm.mjs) against one lotusx-mock: markets, book, trades,
# ticker, OHLCV, balance, orders placed/fetched/cancelled, a market order,
# my trades, a wrong secret, ccxt.pro watchOrderBook/watchTrades/watchOrders;
# USD-M also leverage, margin mode, positions opened and closed reduce-only,
# algo (trigger) orders, watchMyTrades/watchPositions/watchBalance. Prints
# TAP (both sessions in one stream).
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
cp "$S/tests/interop/ccxt_binance.mjs" "$S/tests/interop/ccxt_binanceusdm.mjs" \
    "$dir/"
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
usdm=$(sed -n 's/^binanceusdm //p' "$tmp/mock.out")
key=$(sed -n 's/^api key //p' "$tmp/mock.out")
secret=$(sed -n 's/^secret  //p' "$tmp/mock.out")
[ -n "$usdm" ] || { echo "Bail out! the mock printed no binanceusdm URL"; exit 1; }
sleep 1 # a few synthetic trades first
# Each session prints its own TAP; they run one after the other (spot, then
# USD-M on the same mock) and are merged into one stream: one plan (the sum
# of theirs), points renumbered and prefixed with the venue. A session that
# stops early leaves points missing, and any non-zero exit fails the test.
rc=0
timeout 120 node "$dir/ccxt_binance.mjs" "$url" "$key" "$secret" \
    >"$tmp/binance.tap" 2>"$tmp/binance.err" || rc=1
timeout 150 node "$dir/ccxt_binanceusdm.mjs" "$usdm" "$key" "$secret" \
    >"$tmp/binanceusdm.tap" 2>"$tmp/binanceusdm.err" || rc=1
plans=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$tmp/binance.tap" \
    "$tmp/binanceusdm.tap")
total=0
for p in $plans; do total=$((total + p)); done
echo "1..$total"
n=0
for v in binance binanceusdm; do
    awk -v off=$n -v v=$v '
        /^1\.\.[0-9]+/ { next }
        /^(not )?ok [0-9]+/ {
            k = ($1 == "not") ? 3 : 2
            $k = $k + off
            sub(/ - /, " - " v ": ")
        }
        { print }' "$tmp/$v.tap"
    n=$((n + $(grep -c -E '^(not )?ok [0-9]+' "$tmp/$v.tap")))
    [ -s "$tmp/$v.err" ] && sed 's/^/# /' "$tmp/$v.err" | tail -n 20
done
exit $rc
