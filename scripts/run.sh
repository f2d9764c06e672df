#!/bin/sh
# run.sh - the README's run command: installs what is missing, builds (once;
# later runs rebuild only what changed) in build/, then runs the main job
# on the embedded default: lotusx-mock with its built-in synthetic market
# (BTCUSDT, ETHUSDT on loopback), and a short client session against it
# (scripts/session.sh: market data, a signed order placed, queried and
# cancelled, a market order, the account). The mock stops at the end.
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
echo "run: ok"
