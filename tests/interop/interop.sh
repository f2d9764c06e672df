#!/bin/sh
# interop.sh - LotuSX's HTTP and WebSocket code against independent peers:
# the curl CLI (HTTP and HTTPS) and libwebsockets (both directions).
# Loopback only. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
PEER="$B/tests/interop/lx_peer"
LWS="$B/tests/interop/lws_peer"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
cleanup() {
    [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
    [ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..9"

"$PEER" server "$tmp/cert.pem" >"$tmp/server.out" 2>&1 &
spid=$!
wait_line "$tmp/server.out" '^ports '
set -- $(sed -n 's/^ports //p' "$tmp/server.out")
plain=${1:-0}; tls=${2:-0}
if [ "$plain" = 0 ]; then
    echo "Bail out! lx_peer server did not start: $(cat "$tmp/server.out")"
    exit 1
fi

check "curl GET" "$(curl -s "http://127.0.0.1:$plain/api/v3/time?x=1")" \
    "GET /api/v3/time?x=1 "
check "curl POST form body" \
    "$(curl -s -d 'symbol=BTCUSDT&side=BUY' "http://127.0.0.1:$plain/api/v3/order")" \
    "POST /api/v3/order symbol=BTCUSDT&side=BUY"
check "curl chunked request body" \
    "$(printf 'abc%.0s' $(seq 1 100) | curl -s -H 'Transfer-Encoding: chunked' --data-binary @- "http://127.0.0.1:$plain/c" | wc -c | tr -d ' ')" \
    "308"
# Two URLs in one curl run reuse one keep-alive connection.
out=$(curl -sv "http://127.0.0.1:$plain/a" "http://127.0.0.1:$plain/b" 2>&1)
case "$out" in *"Re-using existing connection"*|*"Reusing existing connection"*)
    ok "curl keep-alive reuse" ;; *) notok "curl keep-alive reuse" ;; esac
check "curl HTTPS with our CA" \
    "$(curl -s --cacert "$tmp/cert.pem" "https://localhost:$tls/api/v3/ping")" \
    "GET /api/v3/ping "
curl -s "https://localhost:$tls/" >/dev/null 2>&1
check "curl HTTPS without our CA is refused" "$?" "60"
# A request line with a space in the method is malformed: 400 and close.
check "malformed request gets 400" \
    "$(curl -s -o /dev/null -w '%{http_code}' -X 'BA D' "http://127.0.0.1:$plain/")" \
    "400"

# libwebsockets client -> our server.
if "$LWS" client "ws://127.0.0.1:$plain/ws" >"$tmp/lwsc.out" 2>&1; then
    ok "libwebsockets client against our server (fragments, ping, close)"
else
    notok "libwebsockets client against our server: $(tr '\n' ' ' <"$tmp/lwsc.out")"
fi

# Our client -> libwebsockets server, on a port picked from our pid.
port=$((20000 + $$ % 20000))
"$LWS" server "$port" >"$tmp/lwss.out" 2>&1 &
lpid=$!
wait_line "$tmp/lwss.out" listening
if "$PEER" wsclient "ws://127.0.0.1:$port/" >"$tmp/lxc.out" 2>&1; then
    ok "our client against libwebsockets server (fragments, ping, close)"
else
    notok "our client against libwebsockets server: $(tr '\n' ' ' <"$tmp/lxc.out")"
fi
[ $failed -eq 0 ]
