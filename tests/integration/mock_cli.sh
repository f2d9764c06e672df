#!/bin/sh
# mock_cli.sh - the real lotusx-mock binary over loopback, driven by curl:
# start-up, routes, usage headers, admin API, errors and clean shutdown.
# Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
MOCK="$B/lotusx-mock"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..12"

"$MOCK" --quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" '^binance '
url=$(sed -n 's/^binance //p' "$tmp/out")
if [ -z "$url" ]; then
    echo "Bail out! lotusx-mock did not start: $(cat "$tmp/err")"
    exit 1
fi

check "ping" "$(curl -s "$url/api/v3/ping")" "{}"
case "$(curl -s "$url/api/v3/time")" in
    '{"serverTime":'[0-9]*'}') ok "time" ;; *) notok "time" ;; esac
check "used-weight header" \
    "$(curl -s -D - -o /dev/null "$url/api/v3/ping" | tr -d '\r' |
       sed -n 's/^X-MBX-USED-WEIGHT-1M: //p')" "3"
check "admin health" "$(curl -s "$url/_lotusx/health" | sed 's/"time":[0-9]*/"time":T/')" \
    '{"status":"ok","venue":"binance","time":T}'
check "admin reset" "$(curl -s -X POST "$url/_lotusx/reset")" '{"reset":true}'
check "unknown path is 404" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v3/nothing")" "404"
check "wrong method is 405" \
    "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url/api/v3/ping")" "405"

# A whole client session: market data, a signed order placed, queried and
# cancelled, a market order, the account, a wrong secret refused.
KEY=lotusxTestKey0000000000000000000000000000000000000000000000000
SEC=lotusxTestSecret00000000000000000000000000000000000000000000000
if sh "${LX_TOP_SRCDIR:-.}/scripts/session.sh" "$url" "$KEY" "$SEC" >"$tmp/session" 2>&1; then
    ok "client session (scripts/session.sh)"
else
    notok "client session: $(tr '\n' ' ' <"$tmp/session")"
fi

# A second mock on the same port fails with a clear message and exit 1.
port=${url##*:}
"$MOCK" --port "$port" >/dev/null 2>"$tmp/busy"
check "busy port exits 1" "$?" "1"
case "$(cat "$tmp/busy")" in *"cannot listen on 127.0.0.1 port $port"*)
    ok "busy port message" ;; *) notok "busy port message: $(cat "$tmp/busy")" ;; esac
"$MOCK" --port 70000 >/dev/null 2>&1
check "bad flag exits 2" "$?" "2"

kill -TERM "$pid"
wait "$pid"
check "SIGTERM exits 0" "$?" "0"
pid=
exit 0
