#!/bin/sh
# examples.sh - the example programs (examples/) against the real
# lotusx-mock on 127.0.0.1 (a free port, parsed from its banner), with the
# test key and secret the mock prints: exit codes and the lines each one
# promises (book synced, order placed / listed / cancelled / gone, fills
# seen and nothing left open by the market maker), the credential paths
# (environment, --key with --secret-file, none, a wrong secret) and bad
# usage. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
MOCK="$B/lotusx-mock"
EX="$B/examples"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
cleanup() {
    [ -n "${mm:-}" ] && kill "$mm" 2>/dev/null
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..34"

"$MOCK" --port 0 --seed 7 >"$tmp/mock" 2>"$tmp/mock.err" &
pid=$!
if ! wait_line "$tmp/mock" '^secret '; then
    echo "Bail out! lotusx-mock did not start: $(cat "$tmp/mock.err")"
    exit 1
fi
url=$(sed -n 's/^binance //p' "$tmp/mock")
key=$(sed -n 's/^api key //p' "$tmp/mock")
secret=$(sed -n 's/^secret *//p' "$tmp/mock")
unset LOTUSX_BINANCE_SPOT_API_KEY LOTUSX_BINANCE_SPOT_API_SECRET

# has FILE PATTERN: the file has a line matching the extended regex.
has() { grep -Eq -- "$2" "$1"; }
# expect NAME FILE PATTERN
expect() {
    if has "$2" "$3"; then ok "$1"; else
        notok "$1: no line /$3/ in: $(head -c 600 "$2" | tr '\n' '|')"; fi
}

# ---- book_stream ------------------------------------------------------------
"$EX/book_stream" --help >"$tmp/help" 2>&1
check "book_stream --help exits 0" "$?" "0"
"$EX/book_stream" --seconds zero >/dev/null 2>"$tmp/err"
check "book_stream bad --seconds exits 2" "$?" "2"
expect "book_stream bad --seconds says why" "$tmp/err" "--seconds wants"

"$EX/book_stream" --url "$url" --seconds 4 >"$tmp/book" 2>"$tmp/book.err"
check "book_stream exits 0" "$?" "0"
expect "book_stream: book synced" "$tmp/book" '^book synced: BTCUSDT at update [0-9]+$'
expect "book_stream: top of book" "$tmp/book" \
    '^top BTCUSDT bid [0-9.]+ x [0-9.]+ \| ask [0-9.]+ x [0-9.]+ \| spread [0-9.]+'
expect "book_stream: summary" "$tmp/book" '^summary: synced yes, top changes [1-9]'

# Nothing listens on port 1: never synced, exit 1 after --seconds.
"$EX/book_stream" --url http://127.0.0.1:1 --seconds 2 >"$tmp/nobook" 2>"$tmp/nobook.err"
check "book_stream without a venue exits 1" "$?" "1"
expect "book_stream without a venue says so" "$tmp/nobook.err" 'never synced'

# ---- place_cancel -----------------------------------------------------------
"$EX/place_cancel" --url "$url" >"$tmp/pc0" 2>"$tmp/pc0.err"
check "place_cancel without keys exits 1" "$?" "1"
expect "place_cancel without keys names the variables" "$tmp/pc0.err" \
    'LOTUSX_BINANCE_SPOT_API_KEY'

LOTUSX_BINANCE_SPOT_API_KEY=$key LOTUSX_BINANCE_SPOT_API_SECRET=$secret \
    "$EX/place_cancel" --url "$url" >"$tmp/pc" 2>"$tmp/pc.err"
check "place_cancel (keys from the environment) exits 0" "$?" "0"
expect "place_cancel: placed" "$tmp/pc" '^placed: order [0-9]+ client lx[0-9a-z]+ status new$'
expect "place_cancel: listed" "$tmp/pc" '^open orders: [0-9]+, ours listed$'
expect "place_cancel: cancelled" "$tmp/pc" '^cancelled: order [0-9]+ status canceled$'
expect "place_cancel: gone" "$tmp/pc" '^open orders: [0-9]+, ours gone$'

printf '%s\n' "$secret" >"$tmp/secret"
"$EX/place_cancel" --url "$url" --key "$key" --secret-file "$tmp/secret" \
    --side sell --away-pct 20 >"$tmp/pc2" 2>"$tmp/pc2.err"
check "place_cancel (--key, --secret-file, sell) exits 0" "$?" "0"

printf 'not-the-secret\n' >"$tmp/bad"
"$EX/place_cancel" --url "$url" --key "$key" --secret-file "$tmp/bad" \
    >"$tmp/pc3" 2>"$tmp/pc3.err"
check "place_cancel with a wrong secret exits 1" "$?" "1"
expect "place_cancel with a wrong secret shows the venue's code" "$tmp/pc3.err" \
    'venue code -1022'
LOTUSX_BINANCE_SPOT_API_KEY=$key LOTUSX_BINANCE_SPOT_API_SECRET=$secret \
    "$EX/place_cancel" --url "$url" --symbol NOPEUSDT >"$tmp/pc4" 2>"$tmp/pc4.err"
check "place_cancel with an unknown symbol exits 1" "$?" "1"
"$EX/place_cancel" --venue binance-coinm >/dev/null 2>"$tmp/pc5.err"
check "place_cancel with an unknown venue exits 2" "$?" "2"
if grep -q "$secret" "$tmp/pc" "$tmp/pc.err" "$tmp/pc3" "$tmp/pc3.err"; then
    notok "no output shows the secret"
else ok "no output shows the secret"; fi

# ---- market_maker -----------------------------------------------------------
LOTUSX_BINANCE_SPOT_API_KEY=$key LOTUSX_BINANCE_SPOT_API_SECRET=$secret \
    "$EX/market_maker" --url "$url" --seconds 6 --ticks 3 --cross \
    >"$tmp/mm" 2>"$tmp/mm.err"
check "market_maker exits 0" "$?" "0"
expect "market_maker: quoted a bid" "$tmp/mm" '^quoted bid [0-9.]+ @ [0-9.]+ \(order [0-9]+\)$'
expect "market_maker: quoted an ask" "$tmp/mm" '^quoted ask [0-9.]+ @ [0-9.]+ \(order [0-9]+\)$'
expect "market_maker: crossed once" "$tmp/mm" '^crossed: order [0-9]+ status filled'
expect "market_maker: saw fills on the user stream" "$tmp/mm" \
    '^fill (buy|sell) [0-9.]+ @ [0-9.]+ \((maker|taker), order [0-9]+'
expect "market_maker: nothing open at exit" "$tmp/mm" '^open orders at exit: 0$'
# The venue agrees: none of the test account's orders is open.
curl -s "$url/_lotusx/state?levels=0" >"$tmp/state"
expect "mock state: the dump lists open orders" "$tmp/state" '"open_orders":\[\{"apiKey":"lotusx-internal-maker"'
open=$(grep -o "\"apiKey\":\"$key\"" "$tmp/state" | wc -l)
check "mock state: no open order of the test account" "$open" "0"

"$EX/market_maker" --url "$url" --key "$key" --secret-file "$tmp/bad" \
    --seconds 5 >"$tmp/mm3" 2>"$tmp/mm3.err"
check "market_maker with a wrong secret exits 1" "$?" "1"
expect "market_maker with a wrong secret gives up" "$tmp/mm3.err" \
    'venue code -1022'

# SIGINT: stops quoting, cancels, exits 0.
LOTUSX_BINANCE_SPOT_API_KEY=$key LOTUSX_BINANCE_SPOT_API_SECRET=$secret \
    "$EX/market_maker" --url "$url" --seconds 60 >"$tmp/mm2" 2>"$tmp/mm2.err" &
mm=$!
if wait_line "$tmp/mm2" '^quoted ask'; then
    kill -INT "$mm"
    wait "$mm"
    check "market_maker after SIGINT exits 0" "$?" "0"
else
    kill "$mm"; wait "$mm"
    notok "market_maker after SIGINT exits 0: never quoted: $(cat "$tmp/mm2.err")"
fi
mm=
expect "market_maker after SIGINT: nothing open" "$tmp/mm2" '^open orders at exit: 0$'

kill -TERM "$pid"
wait "$pid"
pid=
exit 0
