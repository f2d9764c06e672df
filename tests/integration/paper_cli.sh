#!/bin/sh
# paper_cli.sh - `lotusx paper`: a strategy in real time against lotusx-mock
# over loopback TCP, the keys from the environment or ./.env; the report
# says where the market came from and the venue's end balances match the
# fills (the tool checks it and fails otherwise); the secret never shows
# in the output; missing keys, a wrong key, an unreachable venue and
# backtest-only options fail with a clear message. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
LX="$(cd "$B" && pwd)/lotusx"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
"$B/lotusx-mock" --port 0 --seed 7 >"$tmp/mock" 2>"$tmp/mock.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
echo "1..9"
if ! wait_line "$tmp/mock" '^secret '; then
    echo "Bail out! lotusx-mock did not start: $(cat "$tmp/mock.err")"
    exit 1
fi
url=$(sed -n 's/^binance //p' "$tmp/mock")
ws=$(echo "$url" | sed 's/^http/ws/')
key=$(sed -n 's/^api key //p' "$tmp/mock")
secret=$(sed -n 's/^secret *//p' "$tmp/mock")

LOTUSX_BINANCE_SPOT_API_KEY=$key LOTUSX_BINANCE_SPOT_API_SECRET=$secret \
    timeout 60 "$LX" paper --rest "$url" --ws "$ws" --duration 4 \
    --param ticks=2 --report "$tmp/p.json" 2>"$tmp/p.err"
check "mm trades the mock for 4 s over TCP" "$?" "0"
grep -q '"source":"venue"' "$tmp/p.json" && grep -q '"duration_s":4,' "$tmp/p.json" &&
    grep -q "\"rest\":\"$url\"" "$tmp/p.json" && ok "the report names the venue" ||
    notok "the report names the venue: $(head -c 300 "$tmp/p.json")"
grep -q '"start":{"BTC":"1.00000000","USDT":"100000.00000000"}' "$tmp/p.json" &&
    ok "start balances come from the venue" || notok "start balances: $(head -c 400 "$tmp/p.json")"
if grep -q "$secret" "$tmp/p.json" "$tmp/p.err"; then notok "the secret stays out of the output"; else ok "the secret stays out of the output"; fi

# ./.env works as well (run from a directory that has one).
mkdir "$tmp/d"
printf 'LOTUSX_BINANCE_SPOT_API_KEY=%s\nLOTUSX_BINANCE_SPOT_API_SECRET=%s\n' "$key" "$secret" >"$tmp/d/.env"
(cd "$tmp/d" && timeout 60 env -u LOTUSX_BINANCE_SPOT_API_KEY -u LOTUSX_BINANCE_SPOT_API_SECRET \
    "$LX" paper --rest "$url" --ws "$ws" --duration 1 --strategy hold --quiet >"$tmp/h.json" 2>"$tmp/h.err")
check "keys from ./.env" "$?" "0"

(cd "$tmp" && env -u LOTUSX_BINANCE_SPOT_API_KEY -u LOTUSX_BINANCE_SPOT_API_SECRET \
    "$LX" paper --rest "$url" --ws "$ws" --duration 1 >/dev/null 2>"$tmp/e1")
[ $? -eq 1 ] && grep -q 'no API key' "$tmp/e1" && ok "no keys: exit 1, says so" || notok "no keys: $(cat "$tmp/e1")"
LOTUSX_BINANCE_SPOT_API_KEY=wrong LOTUSX_BINANCE_SPOT_API_SECRET=nope \
    timeout 60 "$LX" paper --rest "$url" --ws "$ws" --duration 2 --quiet >/dev/null 2>"$tmp/e2"
[ $? -eq 1 ] && grep -q 'failed' "$tmp/e2" && ! grep -q nope "$tmp/e2" && ok "a wrong key: exit 1" ||
    notok "a wrong key: $(cat "$tmp/e2")"
LOTUSX_BINANCE_SPOT_API_KEY=$key LOTUSX_BINANCE_SPOT_API_SECRET=$secret \
    timeout 60 "$LX" paper --rest http://127.0.0.1:9 --ws ws://127.0.0.1:9 --duration 2 --quiet >/dev/null 2>"$tmp/e3"
[ $? -eq 1 ] && grep -q 'failed' "$tmp/e3" && ok "an unreachable venue: exit 1" ||
    notok "an unreachable venue: $(cat "$tmp/e3")"
"$LX" paper --rest "$url" --ws "$ws" --capture x.lxcap >/dev/null 2>"$tmp/e4"
check "a backtest option exits 2" "$?" "2"
[ $failed -eq 0 ]
