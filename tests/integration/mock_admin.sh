#!/bin/sh
# mock_admin.sh - the real lotusx-mock binary over loopback, driven by curl:
# --config (symbols, accounts, rate limits, generator; errors naming the
# field; the secret never printed), depth weights by limit, admin fault
# rules, clock freeze / advance / resume moving the synthetic market, and
# the state dump. Prints TAP.
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
echo "1..29"

SECRET=cfgSecretNeverShown4242
cat >"$tmp/cfg.json" <<EOF
{
  "seed": 42,
  "rate_limits": {"enabled": true, "weight_per_min": 100},
  "generator": {"period_ms": 500},
  "symbols": [
    {"symbol": "SOLUSDT", "base": "SOL", "quote": "USDT",
     "tick_size": "0.01", "lot_size": "0.001", "min_qty": "0.001",
     "max_qty": "100000", "min_price": "0.01", "max_price": "100000",
     "min_notional": "1",
     "generator": {"start_mid": "150.00", "level_qty": "2.000",
                   "levels": 5, "spread_ticks": 3}}
  ],
  "accounts": [
    {"api_key": "cfgKey1", "secret": "$SECRET", "maker_fee": "0.0002",
     "taker_fee": "0.0004", "balances": {"USDT": "5000", "SOL": "10"}}
  ]
}
EOF

"$MOCK" --config "$tmp/cfg.json" >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_line "$tmp/out" '^symbols '
url=$(sed -n 's/^binance //p' "$tmp/out")
if [ -z "$url" ]; then
    echo "Bail out! lotusx-mock did not start: $(cat "$tmp/err")"
    exit 1
fi
A="$url/_lotusx"
num() { sed -n "s/.*\"$1\":\\([0-9-]*\\).*/\\1/p"; }

check "config symbols" "$(sed -n 's/^symbols //p' "$tmp/out")" "SOLUSDT"
check "config accounts line" "$(sed -n 's/^accounts //p' "$tmp/out")" \
    "1 from $tmp/cfg.json (secrets not shown)"
case "$(curl -s "$url/api/v3/exchangeInfo")" in
    *'"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":100}'*)
        ok "config rate limit in exchangeInfo" ;;
    *) notok "config rate limit in exchangeInfo" ;; esac

# A signed call with the config's key pair.
q="timestamp=$(curl -s "$url/api/v3/time" | num serverTime)"
sig=$(printf '%s' "$q" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
case "$(curl -s -H "X-MBX-APIKEY: cfgKey1" "$url/api/v3/account?$q&signature=$sig")" in
    *'"makerCommission":2,'*'{"asset":"SOL","free":"10.00000000"'*)
        ok "signed account call with the config's secret" ;;
    *) notok "signed account call with the config's secret" ;; esac

# Depth weight by limit, against the configured 100 per minute.
curl -s -X POST "$A/reset" >/dev/null
w() { curl -s -D - -o /dev/null "$url/api/v3/depth?symbol=SOLUSDT$1" | tr -d '\r' |
      sed -n 's/^X-MBX-USED-WEIGHT-1M: //p'; }
check "depth default limit weighs 5" "$(w '')" "5"
check "depth limit=500 weighs 25" "$(w '&limit=500')" "30"
check "depth limit=1000 weighs 50" "$(w '&limit=1000')" "80"
check "depth limit=5000 goes past 100: 429" \
    "$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v3/depth?symbol=SOLUSDT&limit=5000")" "429"
curl -s -X POST "$A/reset" >/dev/null

# Fault rules.
check "fault added" "$(curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"path":"/api/v3/ping","status":503,"count":-1}' "$A/faults")" \
    '{"fault":{"id":1,"path":"/api/v3/ping","remaining":-1,"delay_ms":0,"status":503,"retry_after_s":-1}}'
check "faulted ping" "$(curl -s -w ' %{http_code}' "$url/api/v3/ping")" \
    '{"code":-1008,"msg":"Server is currently overloaded with other requests. Please try again in a few minutes."} 503'
check "fault listed" "$(curl -s "$A/faults" | num remaining)" "-1"
check "bad fault names the field" "$(curl -s -w ' %{http_code}' -X POST \
    -d '{"status":404}' "$A/faults")" \
    '{"error":"status: must be 418, 429, 500, 502 or 503"} 400'
check "faults cleared" "$(curl -s -X DELETE "$A/faults")" '{"cleared":1}'
check "ping after clearing" "$(curl -s "$url/api/v3/ping")" "{}"

# Clock: frozen, the synthetic market stands still; an advance steps it.
t0=$(curl -s -X POST "$A/clock/freeze" | num time)
id0=$(curl -s "$url/api/v3/depth?symbol=SOLUSDT&limit=1" | num lastUpdateId)
sleep 1.2
check "frozen server time" "$(curl -s "$url/api/v3/time" | num serverTime)" "$t0"
check "frozen market" \
    "$(curl -s "$url/api/v3/depth?symbol=SOLUSDT&limit=1" | num lastUpdateId)" "$id0"
check "advance 2000 ms" "$(curl -s -X POST "$A/clock/advance?ms=2000" | num time)" \
    "$((t0 + 2000))"
id1=$(curl -s "$url/api/v3/depth?symbol=SOLUSDT&limit=1" | num lastUpdateId)
if [ "$id1" -gt "$id0" ]; then ok "advance stepped the market ($id0 -> $id1)"
else notok "advance stepped the market ($id0 -> $id1)"; fi
case "$(curl -s -X POST "$A/clock/resume")" in
    *'"frozen":false'*) ok "resume" ;; *) notok "resume" ;; esac
t1=$(curl -s "$url/api/v3/time" | num serverTime)
if [ "$t1" -ge "$((t0 + 2000))" ]; then ok "time runs on from the advance"
else notok "time runs on from the advance ($t1 < $t0 + 2000)"; fi

# State dump.
st=$(curl -s "$A/state?levels=2")
case "$st" in *'"books":{"SOLUSDT":{"lastUpdateId":'*'"cfgKey1":{"SOL":{"free":"10.00000000","locked":"0.00000000"}'*)
    ok "state dump" ;; *) notok "state dump: $st" ;; esac

kill -TERM "$pid"
wait "$pid"
check "SIGTERM exits 0" "$?" "0"
pid=
if grep -q "$SECRET" "$tmp/out" "$tmp/err"; then notok "secret never printed"
else ok "secret never printed"; fi

# Bad configurations: exit 2, the field named, the secret never echoed.
bad() {
    printf '%s' "$1" >"$tmp/bad.json"
    "$MOCK" --config "$tmp/bad.json" >/dev/null 2>"$tmp/berr"
    rc=$?
    cat "$tmp/berr" >>"$tmp/allerr"
    case "$(cat "$tmp/berr")" in
        *"$2"*) check "bad config: $2" "$rc" "2" ;;
        *) notok "bad config: want '$2', got '$(cat "$tmp/berr")'" ;; esac
}
bad '{"symbols":[{"symbol":"X","base":"A","quote":"B","tick_size":"abc","lot_size":"1"}]}' \
    "symbols[0].tick_size: not a decimal"
bad '{"accounts":[{"api_key":"k","secret":"'"$SECRET"'","balances":{"USDT":"lots"}}]}' \
    "accounts[0].balances: want"
bad '{"seed":1,' "not valid JSON"
bad '{"rate_limits":{"weight_per_minute":5}}' "rate_limits.weight_per_minute: unknown field"
if grep -q "$SECRET" "$tmp/allerr"; then notok "secret not in errors"; else ok "secret not in errors"; fi
"$MOCK" --config "$tmp/nonexistent.json" >/dev/null 2>"$tmp/berr"
rc=$?
case "$(cat "$tmp/berr")" in *"config $tmp/nonexistent.json: cannot open"*)
    check "unreadable config exits 2" "$rc" "2" ;;
    *) notok "unreadable config: $(cat "$tmp/berr")" ;; esac
exit 0
