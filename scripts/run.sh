#!/bin/sh
# run.sh - the README's run command: installs what is missing, builds (once;
# later runs rebuild only what changed) in build/, then runs the main job
# on the embedded default: lotusx-mock with its built-in synthetic market
# (BTCUSDT, ETHUSDT on loopback), and a short client session against it
# (scripts/session.sh: market data, a signed order placed, queried and
# cancelled, a market order, the account), then the library's own client
# against it (examples/place_cancel, examples/book_stream), and a
# one-hour deterministic backtest of the market-making example strategy
# on the virtual clock (lotusx backtest). The mock stops at the end.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh >&2
sh scripts/build.sh build >&2
out=$(mktemp)
./build/lotusx-mock --seed "${LX_SEED:-1}" >"$out" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$out"' EXIT
i=0
until grep -q '^secret ' "$out"; do
    i=$((i + 1)); [ $i -gt 100 ] && { cat "$out" >&2; exit 1; }; sleep 0.1
done
cat "$out"
url=$(sed -n 's/^binance //p' "$out")
key=$(sed -n 's/^api key //p' "$out")
secret=$(sed -n 's/^secret  //p' "$out")
sleep 2 # let the synthetic market trade a little
echo
echo "client session against $url:"
sh scripts/session.sh "$url" "$key" "$secret"
export LOTUSX_BINANCE_SPOT_API_KEY="$key" LOTUSX_BINANCE_SPOT_API_SECRET="$secret"
if [ -x build/examples/place_cancel ]; then
    echo
    echo "liblotusx client (examples/place_cancel, examples/book_stream):"
    ./build/examples/place_cancel --url "$url"
    ./build/examples/book_stream --url "$url" --seconds 3
fi
echo
echo "backtest (lotusx backtest: market maker, seed 7, one virtual hour):"
./build/lotusx backtest --quiet --duration 3600 |
    sed -n 's/.*"pnl_quote":"\([^"]*\)".*"fill_count":\([0-9]*\),"maker_fills":\([0-9]*\).*/  fills \2 (maker \3), pnl \1 USDT/p'
echo "run: ok"
