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
echo "1..24"

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

# Error paths as the venue answers them, signed with the openssl CLI.
sign() { printf %s "$1" | openssl dgst -sha256 -hmac "$SEC" | sed 's/^.*= //'; }
now=$(curl -s "$url/api/v3/time" | sed 's/[^0-9]//g')
order() { # PARAMS [SIGNED-TEXT]: POST /api/v3/order; prints body and status
    curl -s -w ' %{http_code}' -X POST -H "X-MBX-APIKEY: $KEY" \
        "$url/api/v3/order?$1&signature=$(sign "${2:-$1}")"
}
O="symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
check "bad signature: -1022, 400" "$(order "$O&quantity=0.001&price=50000&timestamp=$now" x)" \
    '{"code":-1022,"msg":"Signature for this request is not valid."} 400'
check "stale timestamp: -1021, 400" \
    "$(order "$O&quantity=0.001&price=50000&timestamp=$((now - 70000))")" \
    '{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."} 400'
check "timestamp ahead: -1021, 400" \
    "$(order "$O&quantity=0.001&price=50000&timestamp=$((now + 60000))")" \
    '{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server'"'"'s time."} 400'
check "price off the tick: PRICE_FILTER" \
    "$(order "$O&quantity=0.001&price=50000.001&timestamp=$now")" \
    '{"code":-1013,"msg":"Filter failure: PRICE_FILTER"} 400'
check "quantity off the lot: LOT_SIZE" \
    "$(order "$O&quantity=0.0000001&price=50000&timestamp=$now")" \
    '{"code":-1013,"msg":"Filter failure: LOT_SIZE"} 400'
check "notional too small: NOTIONAL" \
    "$(order "$O&quantity=0.00001&price=50000&timestamp=$now")" \
    '{"code":-1013,"msg":"Filter failure: NOTIONAL"} 400'
check "missing side: -1102" \
    "$(order "symbol=BTCUSDT&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&timestamp=$now")" \
    '{"code":-1102,"msg":"Mandatory parameter '"'"'side'"'"' was not sent, was empty/null, or malformed."} 400'
check "unknown API key: -2015, 401" \
    "$(curl -s -w ' %{http_code}' -X POST -H 'X-MBX-APIKEY: nobody' \
        "$url/api/v3/order?symbol=BTCUSDT&timestamp=$now&signature=00")" \
    '{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."} 401'
# 6000 weight a minute: depth limit=5000 costs 250; the request that would
# go past the limit is refused with 429 (whatever this minute used before).
i=0 st=200 last=0
while [ $i -lt 30 ] && [ "$st" = 200 ]; do
    i=$((i + 1))
    st=$(curl -s -o /dev/null -D "$tmp/h429" -w '%{http_code}' \
        "$url/api/v3/depth?symbol=BTCUSDT&limit=5000")
    used=$(tr -d '\r' <"$tmp/h429" | sed -n 's/^X-MBX-USED-WEIGHT-1M: //p')
    [ "$st" = 200 ] && last=$used
done
[ "$st" = 429 ] && [ $((last + 250)) -gt 6000 ] && [ "$last" -le 6000 ] &&
    ok "rate limit: 429 once the next 250 would pass 6000 (used $last)" ||
    notok "rate limit: status $st after $i requests, used $last"
check "429 carries Retry-After and the used weight" \
    "$(tr -d '\r' <"$tmp/h429" | grep -c '^Retry-After: [0-9][0-9]*$\|^X-MBX-USED-WEIGHT-1M: [0-9]*$')" "2"
[ "${used:-0}" -gt 6000 ] && ok "429 counts the refused weight ($used)" ||
    notok "429 used weight: ${used:-none}"

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

# "streams": {"max_age_s": 1}: the hub ends a connection after 1 s.
printf '{"streams":{"max_age_s":1,"ping_interval_s":0}}' >"$tmp/st.json"
"$MOCK" --quiet --config "$tmp/st.json" >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
wait_line "$tmp/out2" '^binance '
url2=$(sed -n 's/^binance //p' "$tmp/out2")
"$B/lotusx-record" -o "$tmp/age.lxcap" --quiet --no-reconnect --duration 20 \
    --ws "ws${url2#http}/ws/btcusdt@trade" 2>/dev/null
case "$("$B/lotusx" capture cat "$tmp/age.lxcap" --kind close 2>/dev/null)" in
    *"connection lifetime exceeded"*) ok "streams.max_age_s: the hub closed the connection (lifetime exceeded)" ;;
    *) notok "streams.max_age_s: $("$B/lotusx" capture cat "$tmp/age.lxcap" --kind close 2>&1)" ;;
esac
kill -TERM "$pid"
wait "$pid"
pid=
exit 0
