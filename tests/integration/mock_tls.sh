#!/bin/sh
# mock_tls.sh - lotusx-mock --tls over loopback: the self-signed mode
# (--tls-ca-out, curl --cacert on REST and the admin API, a signed order,
# the curl + openssl client session, curl without the CA refused, a
# WebSocket over TLS with openssl s_client, USD-M over TLS, lx_exchange
# over https:// and wss:// with the CA file, and refused without it), a
# certificate and key given as files (made here with openssl req), the
# "tls" object of --config, --no-tls, and the errors for missing or bad
# files, a key that does not match, and bad TLS flags or config fields.
# Keys never appear in any output. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
S=${LX_TOP_SRCDIR:-.}
MOCK="$B/lotusx-mock"
CLIENT="$B/tests/integration/mock_tls_client"
tmp=$(mktemp -d)
. "$S/tests/tap-lib.sh"
cleanup() {
    [ -n "${sc:-}" ] && kill "$sc" 2>/dev/null
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
    exec 3>&- 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE
echo "1..45"

KEY=lotusxTestKey0000000000000000000000000000000000000000000000000
SEC=lotusxTestSecret00000000000000000000000000000000000000000000000
sign() { printf %s "$1" | openssl dgst -sha256 -hmac "$SEC" | sed 's/^.*= //'; }
signed() { # URL METHOD PATH PARAMS (trusting $tmp/ca.pem)
    q="$4&timestamp=$(($(date +%s) * 1000))"
    curl -s --cacert "$tmp/ca.pem" -X "$2" -H "X-MBX-APIKEY: $KEY" \
        "$1$3?$q&signature=$(sign "$q")"
}
# start OUT ARGS...: starts the mock in the background, waits for LINE.
start() {
    out=$1 line=$2
    shift 2
    : >"$tmp/$out" # emptied before the child runs (no stale URL line)
    "$MOCK" "$@" >"$tmp/$out" 2>"$tmp/$out.err" &
    pid=$!
    if ! wait_line "$tmp/$out" "$line"; then
        echo "Bail out! lotusx-mock $* did not start: $(cat "$tmp/$out.err")"
        exit 1
    fi
}
stop() {
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    pid=
    return $rc
}
# fails NAME WANT-IN-STDERR ARGS...: the mock exits 2 with that message.
fails() {
    name=$1 want=$2
    shift 2
    "$MOCK" --quiet "$@" >/dev/null 2>"$tmp/fail.err"
    rc=$?
    case "$rc:$(cat "$tmp/fail.err")" in
        2:*"$want"*) ok "$name" ;;
        *) notok "$name: exit $rc: $(cat "$tmp/fail.err")" ;; esac
    cat "$tmp/fail.err" >>"$tmp/all.err"
}

# ---- self-signed, made at start-up ------------------------------------------
start out '^tls ' --tls --tls-ca-out "$tmp/ca.pem"
url=$(sed -n 's/^binance //p' "$tmp/out")
furl=$(sed -n 's/^binanceusdm //p' "$tmp/out")
port=${url##*:}
case "$url" in https://127.0.0.1:[0-9]*) ok "binance URL is https://" ;;
    *) notok "binance URL is https://: $url" ;; esac
case "$furl" in https://127.0.0.1:[0-9]*) ok "binanceusdm URL is https://" ;;
    *) notok "binanceusdm URL is https://: $furl" ;; esac
check "streams line" "$(sed -n 's/^streams //p' "$tmp/out")" \
    "wss://127.0.0.1:$port/ws (and /stream?streams=...)"
check "admin line" "$(sed -n 's/^admin *//p' "$tmp/out")" \
    "https://127.0.0.1:$port/_lotusx/health"
check "tls line" "$(sed -n 's/^tls *//p' "$tmp/out")" \
    "self-signed certificate for localhost 127.0.0.1 ::1, trust $tmp/ca.pem"
if openssl x509 -in "$tmp/ca.pem" -noout 2>/dev/null &&
    ! grep -q PRIVATE "$tmp/ca.pem"; then
    ok "--tls-ca-out is a PEM certificate, no key"
else notok "--tls-ca-out is a PEM certificate, no key"; fi
case "$(openssl x509 -in "$tmp/ca.pem" -noout -ext subjectAltName 2>&1)" in
    *DNS:localhost*"IP Address:127.0.0.1"*) ok "certificate names localhost and 127.0.0.1" ;;
    *) notok "certificate names localhost and 127.0.0.1" ;; esac

check "ping with --cacert" "$(curl -s --cacert "$tmp/ca.pem" "$url/api/v3/ping")" "{}"
case "$(curl -s --cacert "$tmp/ca.pem" "$url/api/v3/exchangeInfo")" in
    *'"symbol":"BTCUSDT"'*'"symbol":"ETHUSDT"'*) ok "exchangeInfo with --cacert" ;;
    *) notok "exchangeInfo with --cacert" ;; esac
check "https://localhost verifies too" \
    "$(curl -s --cacert "$tmp/ca.pem" "https://localhost:$port/api/v3/ping")" "{}"
curl -s -o /dev/null "$url/api/v3/ping"
check "curl without --cacert: verification fails (60)" "$?" "60"
check "plain http:// to the TLS port gets no answer" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v3/ping")" "000"
case "$(curl -s --cacert "$tmp/ca.pem" "$url/_lotusx/health")" in
    '{"status":"ok","venue":"binance","time":'*) ok "admin API over TLS" ;;
    *) notok "admin API over TLS" ;; esac
r=$(signed "$url" POST /api/v3/order \
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=tls-1")
case "$r" in *'"clientOrderId":"tls-1"'*'"status":"NEW"'*) ok "signed order placed over TLS" ;;
    *) notok "signed order placed over TLS: $r" ;; esac
r=$(signed "$url" DELETE /api/v3/order "symbol=BTCUSDT&origClientOrderId=tls-1")
case "$r" in *'"status":"CANCELED"'*) ok "signed order cancelled over TLS" ;;
    *) notok "signed order cancelled over TLS: $r" ;; esac
if CURL_CA_BUNDLE="$tmp/ca.pem" sh "$S/scripts/session.sh" "$url" "$KEY" "$SEC" \
    >"$tmp/session" 2>&1; then
    ok "client session over TLS (scripts/session.sh)"
else
    notok "client session over TLS: $(tr '\n' ' ' <"$tmp/session")"
fi
check "USD-M ping over TLS" "$(curl -s --cacert "$tmp/ca.pem" "$furl/fapi/v1/ping")" "{}"
r=$(signed "$furl" GET /fapi/v3/balance "")
case "$r" in *'"asset":"USDT"'*) ok "USD-M signed balance over TLS" ;;
    *) notok "USD-M signed balance over TLS: $r" ;; esac

# A WebSocket over TLS: openssl s_client verifies the certificate, sends
# the upgrade request and shows the 101 and the first depth frames.
mkfifo "$tmp/ws.in"
openssl s_client -connect "127.0.0.1:$port" -servername localhost \
    -CAfile "$tmp/ca.pem" -verify_return_error -quiet \
    <"$tmp/ws.in" >"$tmp/ws.out" 2>"$tmp/ws.err" &
sc=$!
exec 3>"$tmp/ws.in"
printf 'GET /ws/btcusdt@depth@100ms HTTP/1.1\r\nHost: localhost:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' \
    "$port" >&3
wait_line "$tmp/ws.out" '"e":"depthUpdate"'
if grep -aq '^HTTP/1.1 101' "$tmp/ws.out" &&
    grep -aq 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' "$tmp/ws.out"; then
    ok "wss: upgrade answered 101 with the right accept key"
else notok "wss: upgrade: $(head -c 300 "$tmp/ws.out") $(cat "$tmp/ws.err")"; fi
if grep -aq '"e":"depthUpdate","E":[0-9]*,"s":"BTCUSDT"' "$tmp/ws.out"; then
    ok "wss: depth frames arrive"
else notok "wss: depth frames arrive: $(head -c 300 "$tmp/ws.out")"; fi
kill "$sc" 2>/dev/null
wait "$sc" 2>/dev/null
sc=
exec 3>&-

# lx_exchange over https:// and wss://, trusting the CA file.
if "$CLIENT" binance-spot "$url" "$tmp/ca.pem" "$KEY" "$SEC" >"$tmp/cl" 2>&1 &&
    [ "$(tr '\n' '|' <"$tmp/cl")" = "time ok|markets BTCUSDT|user stream up|placed $(sed -n 's/^placed \([0-9]*\) .*/\1/p' "$tmp/cl") new|cancelled $(sed -n 's/^placed \([0-9]*\) .*/\1/p' "$tmp/cl") canceled|user stream order events 2|book synced|" ]; then
    ok "lx_exchange binance-spot over TLS: REST, user stream, book"
else notok "lx_exchange binance-spot over TLS: $(tr '\n' '|' <"$tmp/cl")"; fi
if "$CLIENT" binance-usdm "$furl" "$tmp/ca.pem" "$KEY" "$SEC" >"$tmp/cl" 2>&1 &&
    grep -q '^cancelled [0-9]* canceled$' "$tmp/cl" && grep -q '^book synced$' "$tmp/cl"; then
    ok "lx_exchange binance-usdm over TLS: REST, book"
else notok "lx_exchange binance-usdm over TLS: $(tr '\n' '|' <"$tmp/cl")"; fi
"$CLIENT" binance-spot "$url" - "$KEY" "$SEC" >"$tmp/cl" 2>"$tmp/cl.err"
rc=$?
case "$rc:$(head -n 1 "$tmp/cl")" in
    "1:time: error LX_ERR_TLS: "*"certificate verify failed"*)
        ok "lx_exchange without the CA file: certificate refused" ;;
    *) notok "lx_exchange without the CA file: exit $rc: $(tr '\n' '|' <"$tmp/cl")" ;; esac
stop
check "SIGTERM exits 0" "$?" "0"
cat "$tmp/out.err" >>"$tmp/all.err"

# ---- a certificate and key given as files -----------------------------------
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1 ||
    ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$tmp/other.pem" >/dev/null 2>&1; then
    echo "Bail out! openssl req cannot make a test certificate"
    exit 1
fi
keyline=$(sed -n 2p "$tmp/key.pem")
start out2 '^binanceusdm ' --quiet --tls --tls-cert "$tmp/cert.pem" \
    --tls-key "$tmp/key.pem" --tls-ca-out "$tmp/ca2.pem"
url=$(sed -n 's/^binance //p' "$tmp/out2")
furl=$(sed -n 's/^binanceusdm //p' "$tmp/out2")
check "given cert: ping trusting it" \
    "$(curl -s --cacert "$tmp/cert.pem" "$url/api/v3/ping")" "{}"
check "given cert: USD-M ping trusting it" \
    "$(curl -s --cacert "$tmp/cert.pem" "$furl/fapi/v1/ping")" "{}"
if cmp -s "$tmp/cert.pem" "$tmp/ca2.pem"; then
    ok "given cert: --tls-ca-out writes the served certificate"
else notok "given cert: --tls-ca-out writes the served certificate"; fi
curl -s -o /dev/null --cacert "$tmp/ca.pem" "$url/api/v3/ping"
check "given cert: the earlier self-signed CA is not trusted (60)" "$?" "60"
stop
check "given cert: SIGTERM exits 0" "$?" "0"
cat "$tmp/out2" "$tmp/out2.err" >>"$tmp/all.err"

# ---- --config "tls" ----------------------------------------------------------
cat >"$tmp/cfg.json" <<EOF
{"tls": {"enabled": true, "cert": "$tmp/cert.pem", "key": "$tmp/key.pem",
         "ca_out": "$tmp/ca3.pem"}}
EOF
start out3 '^tls ' --config "$tmp/cfg.json"
url=$(sed -n 's/^binance //p' "$tmp/out3")
check "config tls: ping" "$(curl -s --cacert "$tmp/cert.pem" "$url/api/v3/ping")" "{}"
check "config tls: tls line" "$(sed -n 's/^tls *//p' "$tmp/out3")" \
    "certificate $tmp/cert.pem, trust $tmp/ca3.pem"
stop
cat "$tmp/out3" "$tmp/out3.err" >>"$tmp/all.err"
start out4 '^binance ' --quiet --config "$tmp/cfg.json" --no-tls
case "$(sed -n 's/^binance //p' "$tmp/out4")" in http://*) ok "--no-tls wins over the config" ;;
    *) notok "--no-tls wins over the config: $(cat "$tmp/out4")" ;; esac
stop

# ---- errors -----------------------------------------------------------------
fails "missing cert file named" "cannot open certificate file '$tmp/nope.pem': No such file" \
    --tls-cert "$tmp/nope.pem" --tls-key "$tmp/key.pem"
fails "missing key file named" "cannot open key file '$tmp/nokey.pem': No such file" \
    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/nokey.pem"
fails "a cert that is not PEM named" "cannot load certificate from '$tmp/cfg.json'" \
    --tls-cert "$tmp/cfg.json" --tls-key "$tmp/key.pem"
fails "a key that is not PEM named" "cannot load private key from '$tmp/cert.pem'" \
    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/cert.pem"
fails "a key that does not match: named" \
    "the key in '$tmp/other.pem' does not match the certificate in '$tmp/cert.pem'" \
    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/other.pem"
fails "unwritable --tls-ca-out named" "cannot write '$tmp/no/dir/ca.pem'" \
    --tls --tls-ca-out "$tmp/no/dir/ca.pem"
fails "--tls-cert without --tls-key" "--tls-cert and --tls-key go together" \
    --tls-cert "$tmp/cert.pem"
fails "--no-tls with --tls" "--no-tls with another TLS flag" --tls --no-tls
fails "--tls-ca-out onto the key file" "is the certificate or key file" \
    --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" --tls-ca-out "$tmp/key.pem"
printf '{"tls": {"cert": "%s"}}' "$tmp/cert.pem" >"$tmp/bad1.json"
fails "config tls.key missing" "tls.key: missing" --config "$tmp/bad1.json"
printf '{"tls": {"enabled": "yes"}}' >"$tmp/bad2.json"
fails "config tls.enabled type" "tls.enabled: want true or false" --config "$tmp/bad2.json"
printf '{"tls": {"enabled": true, "cert": "%s", "key": "%s"}}' "$tmp/cert.pem" \
    "$tmp/nokey.pem" >"$tmp/bad3.json"
fails "config: missing key file named" "cannot open key file '$tmp/nokey.pem'" \
    --config "$tmp/bad3.json"
if grep -qF -- "$keyline" "$tmp/all.err" || grep -q 'PRIVATE KEY' "$tmp/all.err"; then
    notok "no key material in any output"
else ok "no key material in any output"; fi
exit 0
