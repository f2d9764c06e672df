#!/bin/sh
# mock_ed25519.sh - Ed25519 API keys against the real lotusx-mock binary
# over loopback: a --config account registered by its Ed25519 public key
# (the key pair made by `openssl genpkey -algorithm ed25519`), requests
# signed by the openssl CLI (`pkeyutl -sign -rawin`) over totalParams,
# base64 and percent-encoded: accepted on spot (GET in the query, POST in
# the body) and on the USD-M port; another private key, an unencoded
# signature and a hex HMAC signature get -1022; an HMAC account beside it
# still works; config errors name the field; accounts made at run time by
# POST /_lotusx/accounts with "ed25519PublicKey" sign the same way on both
# ports (a private key or a secret beside it refused); the private keys'
# bytes never reach the mock's output. Prints TAP.
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
echo "1..21"

if ! openssl genpkey -algorithm ed25519 -out "$tmp/key.pem" 2>/dev/null ||
    ! openssl genpkey -algorithm ed25519 -out "$tmp/other.pem" 2>/dev/null; then
    echo "Bail out! openssl cannot make Ed25519 keys"
    exit 1
fi
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/pub.pem"
# The PEM as one JSON string ("\n" between its lines).
pub_json=$(awk '{printf "%s\\n", $0}' "$tmp/pub.pem")
# The private key's base64 body: what must never be printed.
priv_b64=$(sed -n '2p' "$tmp/key.pem")
other_b64=$(sed -n '2p' "$tmp/other.pem")
SECRET=hmacSecretBesideTheEd25519Key

cat >"$tmp/cfg.json" <<EOF
{
  "symbols": [
    {"symbol": "SOLUSDT", "base": "SOL", "quote": "USDT",
     "tick_size": "0.01", "lot_size": "0.001", "min_qty": "0.001",
     "max_qty": "100000", "min_price": "0.01", "max_price": "100000",
     "min_notional": "1"}
  ],
  "accounts": [
    {"api_key": "edKey1", "ed25519_public_key": "$pub_json",
     "balances": {"USDT": "5000", "SOL": "10"}},
    {"api_key": "hmacKey1", "secret": "$SECRET",
     "balances": {"USDT": "100"}}
  ]
}
EOF

"$MOCK" --config "$tmp/cfg.json" --no-market --usdm-port 0 \
    >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" '^symbols '
url=$(sed -n 's/^binance //p' "$tmp/out")
uurl=$(sed -n 's/^binanceusdm //p' "$tmp/out")
if [ -z "$url" ]; then
    echo "Bail out! lotusx-mock did not start: $(cat "$tmp/err")"
    exit 1
fi
num() { sed -n "s/.*\"$1\":\\([0-9-]*\\).*/\\1/p"; }

# base64 of the Ed25519 signature of stdin under key $1 (pkeyutl -rawin
# signs a file in one go, not a pipe).
sign_b64() {
    cat >"$tmp/msg"
    openssl pkeyutl -sign -rawin -inkey "$1" -in "$tmp/msg" | base64 -w0
}
# The same, percent-encoded as a parameter value.
sign() { sign_b64 "$1" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g'; }
ts() { curl -s "$url/api/v3/time" | num serverTime; }

q="timestamp=$(ts)"
sig=$(printf '%s' "$q" | sign "$tmp/key.pem")
case "$(curl -s -H "X-MBX-APIKEY: edKey1" "$url/api/v3/account?$q&signature=$sig")" in
    *'{"asset":"SOL","free":"10.00000000"'*)
        ok "GET signed with the Ed25519 key: the account" ;;
    *) notok "GET signed with the Ed25519 key: the account" ;; esac
check "status 200" "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "X-MBX-APIKEY: edKey1" "$url/api/v3/account?$q&signature=$sig")" "200"

# POST: query and body signed as their concatenation, signature in the body.
qq="symbol=SOLUSDT&side=BUY&type=LIMIT"
body="timeInForce=GTC&quantity=1.000&price=100.00&newClientOrderId=ed1&timestamp=$(ts)"
sig=$(printf '%s%s' "$qq" "$body" | sign "$tmp/key.pem")
case "$(curl -s -H "X-MBX-APIKEY: edKey1" -d "$body&signature=$sig" "$url/api/v3/order?$qq")" in
    *'"clientOrderId":"ed1"'*'"status":"NEW"'*) ok "POST order signed with Ed25519" ;;
    *) notok "POST order signed with Ed25519" ;; esac
q="symbol=SOLUSDT&origClientOrderId=ed1&timestamp=$(ts)"
sig=$(printf '%s' "$q" | sign "$tmp/key.pem")
case "$(curl -s -X DELETE -H "X-MBX-APIKEY: edKey1" "$url/api/v3/order?$q&signature=$sig")" in
    *'"status":"CANCELED"'*) ok "DELETE order signed with Ed25519" ;;
    *) notok "DELETE order signed with Ed25519" ;; esac

bad='{"code":-1022,"msg":"Signature for this request is not valid."}'
q="timestamp=$(ts)"
sig=$(printf '%s' "$q" | sign "$tmp/other.pem")
check "another private key: -1022" \
    "$(curl -s -H "X-MBX-APIKEY: edKey1" "$url/api/v3/account?$q&signature=$sig")" "$bad"
check "another private key: HTTP 400" "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "X-MBX-APIKEY: edKey1" "$url/api/v3/account?$q&signature=$sig")" "400"
# Unencoded base64: '+' reads as a space. Sign until the base64 has one
# (Ed25519 is deterministic, so vary the timestamp).
raw=""
t=$(ts)
i=0
while [ $i -lt 40 ]; do
    q="recvWindow=60000&timestamp=$((t - i))"
    raw=$(printf '%s' "$q" | sign_b64 "$tmp/key.pem")
    case "$raw" in *+*) break ;; esac
    i=$((i + 1))
done
case "$raw" in
    *+*) check "a bare '+' in the signature: -1022" \
        "$(curl -s -H "X-MBX-APIKEY: edKey1" "$url/api/v3/account?$q&signature=$raw")" "$bad" ;;
    *) ok "a bare '+' in the signature: # SKIP no '+' in 40 signatures" ;;
esac
q="timestamp=$(ts)"
hex=$(printf '%s' "$q" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
check "a hex HMAC signature for the Ed25519 key: -1022" \
    "$(curl -s -H "X-MBX-APIKEY: edKey1" "$url/api/v3/account?$q&signature=$hex")" "$bad"
sig=$(printf '%s' "$q" | sign "$tmp/key.pem")
check "the HMAC key given an Ed25519 signature: -1022" \
    "$(curl -s -H "X-MBX-APIKEY: hmacKey1" "$url/api/v3/account?$q&signature=$sig")" "$bad"
check "the HMAC key beside it still signs with its secret" \
    "$(curl -s -o /dev/null -w '%{http_code}' -H "X-MBX-APIKEY: hmacKey1" \
        "$url/api/v3/account?$q&signature=$hex")" "200"

# USD-M takes the same accounts.
if [ -n "$uurl" ]; then
    q="timestamp=$(ts)"
    sig=$(printf '%s' "$q" | sign "$tmp/key.pem")
    check "USD-M: GET /fapi/v2/balance signed with Ed25519" \
        "$(curl -s -o /dev/null -w '%{http_code}' -H "X-MBX-APIKEY: edKey1" \
            "$uurl/fapi/v2/balance?$q&signature=$sig")" "200"
else
    notok "USD-M: no binanceusdm line in the output"
fi

# Accounts made at run time by the admin API sign with Ed25519 too.
openssl pkey -in "$tmp/other.pem" -pubout -out "$tmp/other.pub"
other_json=$(awk '{printf "%s\\n", $0}' "$tmp/other.pub")
priv_json=$(awk '{printf "%s\\n", $0}' "$tmp/other.pem")
apost() { curl -s -w ' %{http_code}' -X POST -d "$3" "$1/_lotusx/$2"; }
check "admin: an account by its Ed25519 public key" \
    "$(apost "$url" accounts '{"apiKey":"edAdm1","ed25519PublicKey":"'"$other_json"'","balances":{"USDT":"50"}}')" \
    '{"apiKey":"edAdm1"} 200'
q="timestamp=$(ts)"
sig=$(printf '%s' "$q" | sign "$tmp/other.pem")
case "$(curl -s -H "X-MBX-APIKEY: edAdm1" "$url/api/v3/account?$q&signature=$sig")" in
    *'{"asset":"USDT","free":"50.00000000"'*)
        ok "admin Ed25519 account: GET signed with its key" ;;
    *) notok "admin Ed25519 account: GET signed with its key" ;; esac
sig=$(printf '%s' "$q" | sign "$tmp/key.pem")
check "admin Ed25519 account: another key's signature -1022" \
    "$(curl -s -H "X-MBX-APIKEY: edAdm1" "$url/api/v3/account?$q&signature=$sig")" "$bad"
check "admin: a private key as ed25519PublicKey is refused" \
    "$(apost "$url" accounts '{"apiKey":"edAdm2","ed25519PublicKey":"'"$priv_json"'"}')" \
    '{"error":"ed25519PublicKey: want the PEM of an Ed25519 public key"} 400'
check "admin: secret and ed25519PublicKey together are refused" \
    "$(apost "$url" accounts '{"apiKey":"edAdm2","secret":"s","ed25519PublicKey":"'"$other_json"'"}')" \
    '{"error":"secret: give either secret or ed25519PublicKey, not both"} 400'
if [ -n "$uurl" ]; then
    check "USD-M admin: an account by its Ed25519 public key" \
        "$(apost "$uurl" accounts '{"apiKey":"edAdmU","ed25519PublicKey":"'"$other_json"'","balances":{"USDT":"70"}}')" \
        '{"apiKey":"edAdmU"} 200'
    q="timestamp=$(ts)"
    sig=$(printf '%s' "$q" | sign "$tmp/other.pem")
    case "$(curl -s -H "X-MBX-APIKEY: edAdmU" "$uurl/fapi/v2/balance?$q&signature=$sig")" in
        *'"asset":"USDT"'*'"balance":"70.00000000"'*)
            ok "USD-M admin Ed25519 account: balance signed with its key" ;;
        *) notok "USD-M admin Ed25519 account: balance signed with its key" ;; esac
    check "USD-M admin: a private key as ed25519PublicKey is refused" \
        "$(apost "$uurl" accounts '{"apiKey":"edAdmV","ed25519PublicKey":"'"$priv_json"'"}')" \
        '{"error":"ed25519PublicKey: want the PEM of an Ed25519 public key"} 400'
else
    notok "USD-M admin: no binanceusdm line in the output"
    notok "USD-M admin: no binanceusdm line in the output"
    notok "USD-M admin: no binanceusdm line in the output"
fi

# A bad PEM: the mock refuses to start, naming the field.
sed 's/"ed25519_public_key": "[^"]*"/"ed25519_public_key": "-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n"/' \
    "$tmp/cfg.json" >"$tmp/bad.json"
"$MOCK" --config "$tmp/bad.json" --no-market >"$tmp/out2" 2>"$tmp/err2"
case "$(cat "$tmp/err2")" in
    *'accounts[0].ed25519_public_key: want the PEM of an Ed25519 public key'*)
        ok "a bad ed25519_public_key is named" ;;
    *) notok "a bad ed25519_public_key is named: $(cat "$tmp/err2")" ;; esac

kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
if grep -q -F -e "$priv_b64" -e "$other_b64" "$tmp/out" "$tmp/err" "$tmp/out2" "$tmp/err2"; then
    notok "the private key never appears in the mock's output"
else
    ok "the private key never appears in the mock's output"
fi
[ "$failed" -eq 0 ]
