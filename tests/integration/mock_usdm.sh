#!/bin/sh
# mock_usdm.sh - the USD-M futures venue of the real lotusx-mock binary on
# its own port, driven by curl and openssl: --usdm-port, public /fapi
# routes with the synthetic market's book and mark, a signed order placed,
# queried and cancelled, positions, and a bad --usdm-port. Prints TAP.
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
echo "1..9"

"$MOCK" --quiet >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" '^binanceusdm '
url=$(sed -n 's/^binanceusdm //p' "$tmp/out")
if [ -z "$url" ]; then
    echo "Bail out! lotusx-mock did not start USD-M: $(cat "$tmp/err")"
    exit 1
fi
S=lotusxTestSecret00000000000000000000000000000000000000000000000
K=lotusxTestKey0000000000000000000000000000000000000000000000000
sign() { printf %s "$1" | openssl dgst -sha256 -hmac "$S" | sed 's/^.*= //'; }
signed() { # METHOD PATH PARAMS
    q="$3&timestamp=$(($(date +%s) * 1000))"
    curl -s -X "$1" -H "X-MBX-APIKEY: $K" "$url$2?$q&signature=$(sign "$q")"
}

check "ping" "$(curl -s "$url/fapi/v1/ping")" "{}"
case "$(curl -s "$url/fapi/v1/exchangeInfo")" in
    *'"contractType":"PERPETUAL"'*'"marginAsset":"USDT"'*'"tickSize":"0.1"'*)
        ok "exchangeInfo" ;; *) notok "exchangeInfo" ;; esac
case "$(curl -s "$url/fapi/v1/depth?symbol=BTCUSDT&limit=5")" in
    '{"lastUpdateId":'*'"bids":[["'*'"asks":[["'*) ok "depth from the market" ;;
    *) notok "depth from the market" ;; esac
case "$(curl -s "$url/fapi/v1/premiumIndex?symbol=BTCUSDT")" in
    *'"markPrice":"'[1-9]*'"lastFundingRate":"0.00010000"'*) ok "premiumIndex" ;;
    *) notok "premiumIndex" ;; esac
r=$(signed POST /fapi/v1/order \
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=50000&newClientOrderId=it1")
case "$r" in *'"status":"NEW"'*'"clientOrderId":"it1"'*) ok "order placed" ;;
    *) notok "order placed: $r" ;; esac
r=$(signed DELETE /fapi/v1/order "symbol=BTCUSDT&origClientOrderId=it1")
case "$r" in *'"status":"CANCELED"'*) ok "order cancelled" ;;
    *) notok "order cancelled: $r" ;; esac
r=$(signed GET /fapi/v3/balance "")
case "$r" in *'"asset":"USDT","balance":"100000.00000000"'*) ok "balance" ;;
    *) notok "balance: $r" ;; esac
kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=
"$MOCK" --usdm-port 70000 >/dev/null 2>"$tmp/bad"
check "bad --usdm-port exits 2" "$?" "2"
case "$(cat "$tmp/bad")" in *"--usdm-port wants 0..65535"*) ok "bad port message" ;;
    *) notok "bad port message" ;; esac
exit 0
