#!/bin/sh
# mock_usdm.sh - the USD-M futures venue of the real lotusx-mock binary on
# its own port, driven by curl and openssl: --usdm-port, public /fapi
# routes with the synthetic market's book and mark, a signed order placed,
# queried and cancelled, positions, and a bad --usdm-port; then a --config
# "usdm" object (a custom symbol with its filters, funding rate and
# leverage, accounts of its own) and the admin API on the USD-M port
# (health, set mark, state with positions, faults, listen-key expiry,
# balance, account creation, reset, one clock: freeze and advance on either port move both,
# and an advance past a funding instant settles funding there); "enabled":
# false, and a bad "usdm" field. Prints TAP.
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
echo "1..46"

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
# A batch counts each order it holds: X-MBX-ORDER-COUNT-10S grows by 2 for
# a batch of 2 (or is 2 when a new 10 s window began in between).
ocount() { tr -d '\r' | sed -n 's/^X-MBX-ORDER-COUNT-10S: //p'; }
signed_h() { # METHOD PATH PARAMS: the answer's headers
    q="$3&timestamp=$(($(date +%s) * 1000))"
    curl -s -D - -o /dev/null -X "$1" -H "X-MBX-APIKEY: $K" \
        "$url$2?$q&signature=$(sign "$q")"
}
# percent-encodes the JSON characters a batch uses
penc() { printf %s "$1" | sed 's/\[/%5B/g; s/\]/%5D/g; s/{/%7B/g; s/}/%7D/g; s/"/%22/g; s/:/%3A/g; s/,/%2C/g'; }
a=$(signed_h POST /fapi/v1/order \
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=50000" | ocount)
b=$(signed_h POST /fapi/v1/batchOrders "batchOrders=$(penc '[{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.010","price":"50000"},{"symbol":"BTCUSDT","side":"BUY","type":"LIMIT","timeInForce":"GTC","quantity":"0.010","price":"50001"}]')" | ocount)
if [ -n "$a" ] && [ -n "$b" ] && { [ $((b - a)) = 2 ] || [ "$b" = 2 ]; }; then
    ok "a batch of 2 counts 2 orders ($a then $b)"
else notok "a batch of 2 counts 2 orders: $a then $b"; fi
signed DELETE /fapi/v1/allOpenOrders "symbol=BTCUSDT" >/dev/null
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

# ---- a "usdm" config object and the admin API of the USD-M port ----------
SA=usdmCfgSecretA1never
SB=usdmCfgSecretB2never
cat >"$tmp/cfg.json" <<EOF
{
  "market": false,
  "usdm": {
    "market": false,
    "symbols": [
      {"symbol": "SOLUSDT", "base": "SOL", "quote": "USDT",
       "tick_size": "0.01", "lot_size": "0.1", "min_qty": "0.1",
       "max_qty": "5000", "min_price": "1", "max_price": "10000",
       "min_notional": "5", "funding_rate": "0.001", "leverage": 10}
    ],
    "accounts": [
      {"api_key": "fa", "secret": "$SA", "maker_fee": "0", "taker_fee": "0",
       "balances": {"USDT": "10000"}},
      {"api_key": "fb", "secret": "$SB", "maker_fee": "0", "taker_fee": "0",
       "balances": {"USDT": "10000"}}
    ]
  }
}
EOF
"$MOCK" --config "$tmp/cfg.json" >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
wait_line "$tmp/out2" '^symbols '
url=$(sed -n 's/^binanceusdm //p' "$tmp/out2")
surl=$(sed -n 's/^binance //p' "$tmp/out2")
if [ -z "$url" ]; then
    echo "Bail out! lotusx-mock did not start USD-M with the config: $(cat "$tmp/err2")"
    exit 1
fi
A="$url/_lotusx"
num() { sed -n "s/.*\"$1\":\\([0-9-]*\\).*/\\1/p"; }
# signed as KEY SECRET; the timestamp is the mock's own (its clock moves)
usigned() { # KEY SECRET METHOD PATH PARAMS
    q="$5${5:+&}timestamp=$(curl -s "$url/fapi/v1/time" | num serverTime)"
    curl -s -X "$3" -H "X-MBX-APIKEY: $1" \
        "$url$4?$q&signature=$(printf %s "$q" | openssl dgst -sha256 -hmac "$2" | sed 's/^.*= //')"
}

info=$(curl -s "$url/fapi/v1/exchangeInfo")
case "$info" in
    *'"symbol":"SOLUSDT"'*'"filterType":"PRICE_FILTER","minPrice":"1","maxPrice":"10000","tickSize":"0.01"'*'"filterType":"LOT_SIZE","minQty":"0.1","maxQty":"5000","stepSize":"0.1"'*'"filterType":"MIN_NOTIONAL","notional":"5"'*)
        ok "config symbol in exchangeInfo with its filters" ;;
    *) notok "config symbol in exchangeInfo: $info" ;; esac
case "$info" in *'"symbol":"BTCUSDT"'*) notok "default symbol replaced" ;;
    *) ok "default symbol replaced" ;; esac
r=$(usigned fa "$SA" GET /fapi/v3/balance "")
case "$r" in *'"asset":"USDT","balance":"10000.00000000"'*) ok "config account signs, sees its balance" ;;
    *) notok "config account balance: $r" ;; esac
r=$(usigned fa "$SB" GET /fapi/v3/balance "")
case "$r" in *'"code":-1022'*) ok "wrong secret refused" ;; *) notok "wrong secret: $r" ;; esac
r=$(usigned fa "$SA" GET /fapi/v2/positionRisk "symbol=SOLUSDT")
case "$r" in *'"leverage":"10"'*) ok "config leverage" ;; *) notok "config leverage: $r" ;; esac
case "$(curl -s "$url/fapi/v1/premiumIndex?symbol=SOLUSDT")" in
    *'"lastFundingRate":"0.00100000"'*) ok "config funding rate" ;;
    *) notok "config funding rate" ;; esac
usigned fb "$SB" POST /fapi/v1/order \
    "symbol=SOLUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=150" >/dev/null
r=$(usigned fa "$SA" POST /fapi/v1/order "symbol=SOLUSDT&side=BUY&type=MARKET&quantity=1")
case "$r" in *'"orderId":'*) ok "positions opened" ;; *) notok "positions opened: $r" ;; esac

check "admin health on the USD-M port" "$(curl -s "$A/health" | sed 's/"time":[0-9]*/"time":T/')" \
    '{"status":"ok","venue":"binanceusdm","time":T}'
check "admin set mark" "$(curl -s -X POST -d '{"symbol":"SOLUSDT","price":"160.00"}' "$A/mark")" \
    '{"symbol":"SOLUSDT","markPrice":"160.00"}'
check "admin set mark: bad price" \
    "$(curl -s -w ' %{http_code}' -X POST -d '{"symbol":"SOLUSDT","price":"160.001"}' "$A/mark")" \
    '{"error":"price: want a positive multiple of the symbol'"'"'s tick size"} 400'
check "admin set mark: unknown symbol" \
    "$(curl -s -X POST "$A/mark?symbol=DOGEUSDT&price=1")" '{"error":"symbol: unknown"}'
case "$(curl -s "$url/fapi/v1/premiumIndex?symbol=SOLUSDT")" in
    *'"markPrice":"160.00"'*) ok "mark seen by premiumIndex" ;; *) notok "mark seen by premiumIndex" ;; esac
st=$(curl -s "$A/state?levels=5")
case "$st" in
    *'"books":{"SOLUSDT":{"lastUpdateId":'*'"markPrice":"160.00"'*'"positions":[{"apiKey":"fa","position":{"symbol":"SOLUSDT","positionSide":"BOTH","positionAmt":"1.0","entryPrice":"150.00"'*'"unRealizedProfit":"10.00000000"'*'"leverage":"10"'*'"marginType":"cross"'*'{"apiKey":"fb","position":{'*'"positionAmt":"-1.0"'*)
        ok "state: books, positions with entry, size, uPnL, leverage, margin type" ;;
    *) notok "state: $st" ;; esac
case "$st" in *'"balances":{"fa":{"USDT":{"free":"'*'"open_orders":[]'*'"algo_orders":[]'*)
    ok "state: balances, open and algo orders" ;; *) notok "state balances: $st" ;; esac
case "$st$(cat "$tmp/out2" "$tmp/err2")" in *"$SA"*|*"$SB"*) notok "no secret in state or output" ;;
    *) ok "no secret in state or output" ;; esac

# Faults on the USD-M port's own door.
curl -s -X POST -d '{"path":"/fapi/v1/ping","status":503}' "$A/faults" >/dev/null
check "USD-M fault applied" "$(curl -s -w ' %{http_code}' "$url/fapi/v1/ping")" \
    '{"code":-1008,"msg":"Server is currently overloaded with other requests. Please try again in a few minutes."} 503'
check "USD-M fault used up" "$(curl -s "$url/fapi/v1/ping")" "{}"
check "USD-M listen-key expiry" \
    "$(curl -s -X POST -d '{"ws":"listen_key_expired"}' "$A/faults")" '{"expired":0}'
check "USD-M reset" "$(curl -s -X POST "$A/reset")" '{"reset":true}'

# One clock: frozen from the USD-M port, advanced from the spot port.
t0=$(curl -s -X POST "$A/clock/freeze" | num time)
case "$(curl -s "$surl/_lotusx/clock")" in *'"frozen":true'*) ok "USD-M freeze froze spot" ;;
    *) notok "USD-M freeze froze spot" ;; esac
ts=$(curl -s "$surl/api/v3/time" | num serverTime)
if [ $((ts - t0)) -le 1 ] && [ $((t0 - ts)) -le 1 ]; then ok "one time on both ports"
else notok "one time on both ports ($ts vs $t0)"; fi
nf=$(curl -s "$url/fapi/v1/premiumIndex?symbol=SOLUSDT" | num nextFundingTime)
adv=$((nf - t0 + 5000))
curl -s -X POST "$surl/_lotusx/clock/advance?ms=$adv" >/dev/null
check "spot advance moved USD-M time" "$(curl -s "$url/fapi/v1/time" | num serverTime)" "$((t0 + adv))"
fr=$(curl -s "$url/fapi/v1/fundingRate?symbol=SOLUSDT")
case "$fr" in
    *'"fundingTime":'"$nf"',"fundingRate":"0.00100000","markPrice":"160.00"'*)
        ok "funding settled at the funding instant" ;;
    *) notok "funding settled at $nf: $fr" ;; esac
r=$(usigned fa "$SA" GET /fapi/v3/balance "")
case "$r" in *'"balance":"9999.84000000"'*) ok "long paid 1 x 160 x 0.001" ;;
    *) notok "long paid funding: $r" ;; esac
r=$(usigned fb "$SB" GET /fapi/v3/balance "")
case "$r" in *'"balance":"10000.16000000"'*) ok "short received it" ;;
    *) notok "short received funding: $r" ;; esac
check "admin set balance" \
    "$(curl -s -X POST -d '{"apiKey":"fb","asset":"USDT","amount":"20000"}' "$A/balance")" \
    '{"apiKey":"fb","asset":"USDT","free":"20000"}'
case "$(curl -s "$A/state?levels=0")" in *'"fb":{"USDT":{"free":"20000.00000000"'*)
    ok "balance in state" ;; *) notok "balance in state" ;; esac
check "admin set balance: unknown key" \
    "$(curl -s -X POST -d '{"apiKey":"nobody","asset":"USDT","amount":"1"}' "$A/balance")" \
    '{"error":"apiKey: no such account"}'
SC=usdmAdminSecretC3never
check "admin create account" \
    "$(curl -s -X POST -d '{"apiKey":"fc","secret":"'"$SC"'","balances":{"USDT":"321"}}' "$A/accounts")" \
    '{"apiKey":"fc"}'
r=$(usigned fc "$SC" GET /fapi/v3/balance "")
case "$r" in *'"balance":"321.00000000"'*) ok "created account signs, sees its balance" ;;
    *) notok "created account balance: $r" ;; esac
check "admin create account: key taken" \
    "$(curl -s -X POST -d '{"apiKey":"fc","secret":"x"}' "$A/accounts")" \
    '{"error":"apiKey: already taken"}'
case "$(curl -s "$A/state")" in *"$SC"*) notok "created secret not in state" ;;
    *) ok "created secret not in state" ;; esac
curl -s -X POST "$surl/_lotusx/clock/resume" >/dev/null
case "$(curl -s "$A/clock")" in *'"frozen":false'*) ok "spot resume resumed USD-M" ;;
    *) notok "spot resume resumed USD-M" ;; esac
kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=

# "enabled": false: no USD-M port; a bad field is named, exit 2.
printf '{"usdm":{"enabled":false}}' >"$tmp/off.json"
"$MOCK" --config "$tmp/off.json" >"$tmp/out3" 2>&1 &
pid=$!
wait_line "$tmp/out3" '^symbols '
check "usdm disabled" "$(grep -c '^binanceusdm' "$tmp/out3")" "0"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=
printf '{"usdm":{"accounts":[{"api_key":"k","secret":"%s","taker_fee":"x"}]}}' "$SA" >"$tmp/bad.json"
"$MOCK" --config "$tmp/bad.json" >/dev/null 2>"$tmp/berr"
check "bad usdm field exits 2" "$?" "2"
case "$(cat "$tmp/berr")" in
    *"usdm.accounts[0].taker_fee: not a decimal"*)
        case "$(cat "$tmp/berr")" in *"$SA"*) notok "bad usdm field named, no secret" ;;
            *) ok "bad usdm field named, no secret" ;; esac ;;
    *) notok "bad usdm field named: $(cat "$tmp/berr")" ;; esac
exit 0
