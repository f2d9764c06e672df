#!/bin/sh
# session.sh URL KEY SECRET - a short Binance spot client session with the
# curl and openssl CLIs: public market data, then a signed limit order that
# is placed, queried and cancelled, and a small market order; prints each
# answer. Exits non-zero on the first unexpected answer.
set -eu
U=$1 K=$2 S=$3
sign() { printf %s "$1" | openssl dgst -sha256 -hmac "$S" | sed 's/^.*= //'; }
now() { curl -sf "$U/api/v3/time" | sed 's/[^0-9]//g'; }
get() { curl -sf "$U$1"; }
signed() { # METHOD PATH PARAMS
    p="$3&timestamp=$(now)"
    curl -s -X "$1" -H "X-MBX-APIKEY: $K" "$U$2?$p&signature=$(sign "$p")"
}
expect() { # WHAT ANSWER PATTERN
    case "$2" in *$3*) printf '%-28s %s\n' "$1" "$(printf %s "$2" | cut -c1-150)" ;;
        *) echo "session: $1: unexpected answer: $2" >&2; exit 1 ;; esac
}
expect "GET /api/v3/ping" "$(get /api/v3/ping)" "{}"
expect "GET /api/v3/depth" "$(get '/api/v3/depth?symbol=BTCUSDT&limit=5')" '"bids":[["'
expect "POST /api/v3/order (LIMIT)" \
    "$(signed POST /api/v3/order 'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000&newClientOrderId=run-1')" \
    '"status":"NEW"'
expect "GET /api/v3/openOrders" "$(signed GET /api/v3/openOrders 'symbol=BTCUSDT')" '"clientOrderId":"run-1"'
expect "DELETE /api/v3/order" \
    "$(signed DELETE /api/v3/order 'symbol=BTCUSDT&origClientOrderId=run-1')" '"status":"CANCELED"'
expect "POST /api/v3/order (MARKET)" \
    "$(signed POST /api/v3/order 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001')" '"status":"FILLED"'
expect "GET /api/v3/trades" "$(get '/api/v3/trades?symbol=BTCUSDT&limit=3')" '"price"'
expect "GET /api/v3/account" "$(signed GET /api/v3/account '')" '"asset":"BTC"'
expect "wrong secret is refused" \
    "$(S=not-the-secret signed GET /api/v3/account '')" '"code":-1022'
