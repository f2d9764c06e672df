#!/bin/sh
# backtest_cli.sh - `lotusx backtest`: the same seed gives a byte-identical
# report, another seed another one; both built-in strategies trade and the
# venue's balances match the fills (the tool checks it and fails otherwise);
# a strategy from a shared object runs; over loopback TCP (--tcp) the
# report is the same bytes as in memory; bad usage exits 2. On a capture
# imported from the real Binance recording in ../shared/samples: the
# replayed market drives the venue (every recorded trade and diff used,
# none off the grid), the report is byte-identical across runs, latency
# changes the fills, a time range cuts the run, and a missing or corrupt
# capture fails with a message naming it. On the USD-M recording
# (--venue binanceusdm): the perpetual's report has the position, PnL,
# fees, funding and liquidations, adds up (the tool also checks the
# wallet and position against the venue), is byte-identical across runs
# and over TCP, a sell opens a short, and the venue's funding at 00:00
# UTC is paid or received. On the synthetic USD-M market (--venue
# binanceusdm without --capture: lotusx-mock's seeded USD-M maker) the
# same report adds up, is byte-identical across runs, over TCP and with
# latency over TCP, and a run past 08:00 UTC has the funding settled.
# Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
LX="$B/lotusx"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
trap 'rm -rf "$tmp"' EXIT
echo "1..44"

"$LX" backtest --duration 600 --quiet --report "$tmp/a.json"
check "mm runs" "$?" "0"
"$LX" backtest --duration 600 --quiet >"$tmp/b.json"
check "mm runs again" "$?" "0"
if cmp -s "$tmp/a.json" "$tmp/b.json"; then ok "same seed, same bytes"; else notok "same seed, same bytes"; fi
"$LX" backtest --duration 600 --quiet --seed 11 >"$tmp/c.json"
if cmp -s "$tmp/a.json" "$tmp/c.json"; then notok "another seed differs"; else ok "another seed differs"; fi
"$LX" backtest --duration 600 --quiet --tcp >"$tmp/t.json"
cmp -s "$tmp/a.json" "$tmp/t.json" && ok "over loopback TCP: the same bytes" ||
    notok "over loopback TCP: the same bytes"
fills=$(sed -n 's/.*"fill_count":\([0-9]*\).*/\1/p' "$tmp/a.json")
[ "${fills:-0}" -gt 10 ] && ok "mm fills ($fills)" || notok "mm fills: got '${fills:-}'"
grep -q '"maker_fills":'"$fills"',' "$tmp/a.json" && ok "mm only makes" || notok "mm only makes"

"$LX" backtest --strategy momentum --duration 1200 --quiet >"$tmp/m.json"
check "momentum runs" "$?" "0"
grep -q '"taker_fills":[1-9]' "$tmp/m.json" && ok "momentum takes" || notok "momentum takes"

so=$(ls "$B"/tests/integration/.libs/strategy_sample.so 2>/dev/null | head -1)
if [ -n "$so" ]; then
    "$LX" backtest --strategy "$so" --duration 30 >"$tmp/s.json" 2>"$tmp/s.err"
    check "a .so strategy runs" "$?" "0"
    grep -q 'sample: update 1 sample-1 new' "$tmp/s.err" && grep -q 'sample: update 2 sample-1 canceled' "$tmp/s.err" &&
        grep -q '"strategy":"sample"' "$tmp/s.json" && ok "its order lives and is cancelled" ||
        notok "its order lives and is cancelled: $(cat "$tmp/s.err")"
else
    ok "# SKIP no shared object built"; ok "# SKIP no shared object built"
fi

"$LX" backtest --strategy nope >/dev/null 2>"$tmp/e1"
check "unknown strategy exits 2" "$?" "2"
"$LX" backtest --duration 0 >/dev/null 2>"$tmp/e2"
check "bad duration exits 2" "$?" "2"

# ---- a recorded market -------------------------------------------------
S=${LX_TOP_SRCDIR:-.}
rec="$S/../shared/samples/binance-spot/hftbacktest/btcusdt_20240808.first150s.txt"
field() { sed -n 's/.*"'"$1"'":\([0-9-]*\).*/\1/p' "$2"; }
if [ -f "$rec" ] &&
    "$LX" capture import "$rec" -o "$tmp/rec.lxcap" --venue binance-spot \
        --url wss://stream.binance.com:9443/stream >/dev/null 2>&1; then
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet >"$tmp/r1.json"
    check "capture: mm runs on the recording" "$?" "0"
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet >"$tmp/r2.json"
    cmp -s "$tmp/r1.json" "$tmp/r2.json" && ok "capture: same bytes twice" ||
        notok "capture: same bytes twice"
    [ "$(field trades "$tmp/r1.json")" = 2906 ] && [ "$(field diffs "$tmp/r1.json")" = 1494 ] &&
        [ "$(field snapshots "$tmp/r1.json")" = 1 ] && [ "$(field gaps "$tmp/r1.json")" = 0 ] &&
        [ "$(field bad "$tmp/r1.json")" = 0 ] && [ "$(field rejected "$tmp/r1.json")" = 0 ] &&
        [ "$(field duration_s "$tmp/r1.json")" = 150 ] &&
        ok "capture: every recorded trade and diff replayed" ||
        notok "capture: tape counts: $(sed -n 's/.*"market":\({[^}]*}\).*/\1/p' "$tmp/r1.json")"
    f1=$(field fill_count "$tmp/r1.json")
    [ "${f1:-0}" -gt 10 ] && grep -q '"source":"capture"' "$tmp/r1.json" &&
        ok "capture: mm fills against the recorded flow ($f1)" || notok "capture: mm fills: '${f1:-}'"
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet --order-latency 50 --feed-latency 50 >"$tmp/r3.json"
    f3=$(field fill_count "$tmp/r3.json")
    [ "${f3:-0}" -gt 0 ] && [ "$f3" != "$f1" ] && grep -q '"latency_ms":{"order":50,"feed":50}' "$tmp/r3.json" &&
        ok "capture: latency changes the fills ($f1 -> $f3)" || notok "capture: latency: '${f3:-}' vs '$f1'"
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet --order-latency 50 --feed-latency 50 --tcp >"$tmp/r3t.json"
    cmp -s "$tmp/r3.json" "$tmp/r3t.json" && ok "capture: over TCP, the same fills" ||
        notok "capture: over TCP, the same fills"
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet --html "$tmp/r.html" >/dev/null
    nc=$(grep -o '<circle class="fill' "$tmp/r.html" | wc -l)
    [ "$(grep -c 'id="chart-price"\|id="chart-equity"\|id="chart-position"' "$tmp/r.html")" -ge 1 ] &&
        grep -q 'id="chart-position"' "$tmp/r.html" && [ "$nc" -eq "$f1" ] &&
        ok "capture: --html writes the charts with every fill ($nc)" ||
        notok "capture: --html: $nc circles for $f1 fills"
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet --strategy momentum >"$tmp/r4.json"
    check "capture: momentum runs" "$?" "0"
    "$LX" backtest --capture "$tmp/rec.lxcap" --quiet --from 1723161263937085768 --to 1723161303937085768 >"$tmp/r5.json"
    [ "$(field duration_s "$tmp/r5.json")" = 40 ] && [ "$(field first_ns "$tmp/r5.json")" -ge 1723161263937085768 ] &&
        ok "capture: --from/--to cut the run" || notok "capture: --from/--to: $(head -c 300 "$tmp/r5.json")"
else
    for i in 1 2 3 4 5 6 7 8 9; do ok "capture # SKIP $rec not present"; done
fi
"$LX" backtest --capture "$tmp/none.lxcap" --quiet >/dev/null 2>"$tmp/e3"
[ $? -eq 1 ] && grep -q 'none.lxcap' "$tmp/e3" && ok "missing capture: exit 1 naming it" ||
    notok "missing capture: $(cat "$tmp/e3")"
printf 'not a capture' >"$tmp/junk.lxcap"
"$LX" backtest --capture "$tmp/junk.lxcap" --quiet >/dev/null 2>"$tmp/e4"
[ $? -eq 1 ] && grep -q 'junk.lxcap' "$tmp/e4" && ok "junk capture: exit 1 naming it" ||
    notok "junk capture: $(cat "$tmp/e4")"
"$LX" backtest --from 0 >/dev/null 2>"$tmp/e5"
check "--from without --capture exits 2" "$?" "2"

# ---- a recorded USD-M market: the perpetual ---------------------------
urec="$S/../shared/samples/binance-usdm/hftbacktest/btcusdt_20240718.txt"
# the last "key":"value" on the line (keys below are not in the fills)
str() { sed -n 's/.*"'"$1"'":"\([^"]*\)".*/\1/p' "$2"; }
# wallet end = start + realized - fees + funding (+ liquidations), and
# pnl_quote = wallet end - start + unrealized, as the report says.
perp_sum() {
    awk -v s="$(sed -n 's/.*"wallet":{"start":"\([^"]*\)".*/\1/p' "$1")" \
        -v e="$(sed -n 's/.*"wallet":{[^}]*"end":"\([^"]*\)".*/\1/p' "$1")" \
        -v r="$(sed -n 's/.*"end_mark":"[^"]*","realized_pnl":"\([^"]*\)".*/\1/p' "$1")" -v u="$(str unrealized_pnl "$1")" \
        -v f="$(sed -n 's/.*"fees":{"USDT":"\([^"]*\)".*/\1/p' "$1")" \
        -v g="$(str funding "$1")" -v l="$(str liquidation_wallet "$1")" \
        -v p="$(str pnl_quote "$1")" \
        'BEGIN { d1 = s + r - f + g + l - e; d2 = e - s + u - p;
                 if (d1 < 0) d1 = -d1; if (d2 < 0) d2 = -d2;
                 print (d1 < 1e-6 && d2 < 1e-6 && f > 0) ? "ok" : "off " d1 " " d2 }'
}
perp_keys="margin_asset wallet position entry_price end_mark realized_pnl unrealized_pnl
    funding funding_paid funding_received funding_events liquidations liquidation_wallet pnl_quote mark_source marks"

# ---- the synthetic USD-M market ----------------------------------------
"$LX" backtest --venue binanceusdm --duration 600 --quiet >"$tmp/y1.json" 2>"$tmp/e6"
check "usdm synthetic: mm runs" "$?" "0"
"$LX" backtest --venue binanceusdm --duration 600 --quiet >"$tmp/y2.json"
cmp -s "$tmp/y1.json" "$tmp/y2.json" && ok "usdm synthetic: same bytes twice" ||
    notok "usdm synthetic: same bytes twice"
"$LX" backtest --venue binanceusdm --duration 600 --quiet --seed 11 >"$tmp/y3.json"
cmp -s "$tmp/y1.json" "$tmp/y3.json" && notok "usdm synthetic: another seed differs" ||
    ok "usdm synthetic: another seed differs"
missing=""
for k in $perp_keys steps; do grep -q "\"$k\":" "$tmp/y1.json" || missing="$missing $k"; done
grep -q '"venue":"binance-usdm (lotusx-mock, synthetic market)","market":{"source":"synthetic","steps":600,"mark_source":"maker reference","marks":600}' "$tmp/y1.json" &&
    [ -z "$missing" ] && ok "usdm synthetic: the perpetual's report fields, a mark each second" ||
    notok "usdm synthetic: report: missing '$missing' $(head -c 600 "$tmp/y1.json")"
yf=$(field fill_count "$tmp/y1.json")
[ "$(perp_sum "$tmp/y1.json")" = ok ] && [ "${yf:-0}" -gt 10 ] &&
    grep -q '"maker_fills":'"$yf"',' "$tmp/y1.json" &&
    ok "usdm synthetic: mm makes ($yf fills); wallet and pnl add up" ||
    notok "usdm synthetic: fills '$yf', sum $(perp_sum "$tmp/y1.json")"
"$LX" backtest --venue binanceusdm --duration 600 --quiet --tcp >"$tmp/y4.json"
cmp -s "$tmp/y1.json" "$tmp/y4.json" && ok "usdm synthetic: over TCP, the same bytes" ||
    notok "usdm synthetic: over TCP, the same bytes"
"$LX" backtest --venue binanceusdm --duration 600 --quiet --order-latency 40 --feed-latency 25 >"$tmp/y5.json"
"$LX" backtest --venue binanceusdm --duration 600 --quiet --order-latency 40 --feed-latency 25 --tcp >"$tmp/y6.json"
cmp -s "$tmp/y5.json" "$tmp/y6.json" && ! cmp -s "$tmp/y1.json" "$tmp/y5.json" &&
    grep -q '"latency_ms":{"order":40,"feed":25}' "$tmp/y5.json" &&
    ok "usdm synthetic: latency changes the run, over TCP the same bytes" ||
    notok "usdm synthetic: latency over TCP"
"$LX" backtest --venue binanceusdm --duration 1200 --quiet --strategy momentum >"$tmp/y7.json"
[ $? -eq 0 ] && grep -q '"taker_fills":[1-9]' "$tmp/y7.json" && [ "$(perp_sum "$tmp/y7.json")" = ok ] &&
    ok "usdm synthetic: momentum takes at market" || notok "usdm synthetic: momentum: $(head -c 400 "$tmp/y7.json")"
# 8 h 10 s from 00:00 UTC: the venue settles funding at 08:00 on the
# position then (the tool checks it against the venue's funding history).
"$LX" backtest --venue binanceusdm --duration 28810 --quiet >"$tmp/y8.json"
yrc=$?
fe=$(field funding_events "$tmp/y8.json")
fu=$(str funding "$tmp/y8.json")
fp=$(str funding_paid "$tmp/y8.json")
fr=$(str funding_received "$tmp/y8.json")
[ $yrc -eq 0 ] && [ "$fe" = 1 ] && [ -n "$fu" ] && [ "$fu" != "0.00000000" ] &&
    { { [ "$fr" = "$fu" ] && [ "$fp" = "0.00000000" ]; } ||
        { [ "$fp" = "${fu#-}" ] && [ "$fr" = "0.00000000" ]; }; } &&
    [ "$(perp_sum "$tmp/y8.json")" = ok ] &&
    ok "usdm synthetic: funding at 08:00 UTC ($fu)" || notok "usdm synthetic: funding: rc $yrc '$fe' '$fu' '$fp' '$fr'"

if [ -f "$urec" ] &&
    "$LX" capture import "$urec" -o "$tmp/um.lxcap" --venue binance-usdm \
        --url wss://fstream.binance.com/stream >/dev/null 2>&1; then
    "$LX" backtest --venue binanceusdm --capture "$tmp/um.lxcap" --quiet >"$tmp/u1.json"
    check "usdm: mm runs on the recording" "$?" "0"
    "$LX" backtest --venue binanceusdm --capture "$tmp/um.lxcap" --quiet >"$tmp/u2.json"
    cmp -s "$tmp/u1.json" "$tmp/u2.json" && ok "usdm: same bytes twice" || notok "usdm: same bytes twice"
    missing=""
    for k in $perp_keys; do
        grep -q "\"$k\":" "$tmp/u1.json" || missing="$missing $k"
    done
    grep -q '"venue":"binance-usdm (lotusx-mock, replayed capture)"' "$tmp/u1.json" &&
        [ "$(field trades "$tmp/u1.json")" = 974 ] && [ "$(field gaps "$tmp/u1.json")" = 0 ] &&
        [ "$(field bad "$tmp/u1.json")" = 0 ] && [ "$(field rejected "$tmp/u1.json")" = 0 ] &&
        [ "$(str mark_source "$tmp/u1.json")" = "book mid" ] && [ "$(field marks "$tmp/u1.json")" -gt 0 ] &&
        [ -z "$missing" ] && ok "usdm: the perpetual's report fields, every recorded trade replayed" ||
        notok "usdm: report: missing '$missing' $(head -c 600 "$tmp/u1.json")"
    sum=$(perp_sum "$tmp/u1.json")
    [ "$sum" = ok ] && ok "usdm: wallet = start + realized - fees + funding; pnl adds up" ||
        notok "usdm: the report does not add up: $sum"
    uf=$(field fill_count "$tmp/u1.json")
    size=$(sed -n 's/.*"position":{"size":"\([^"]*\)".*/\1/p' "$tmp/u1.json")
    [ "${uf:-0}" -gt 3 ] && grep -q '"side":"sell","maker":true,[^}]*"realized_pnl":"0.00000000"' "$tmp/u1.json" &&
        case "$size" in -*) true ;; *) false ;; esac &&
        ok "usdm: mm fills ($uf), sells open a short ($size)" || notok "usdm: fills '$uf', size '$size'"
    # The run ends a second before 00:00 UTC: the venue funds the short.
    fe=$(field funding_events "$tmp/u1.json")
    fu=$(str funding "$tmp/u1.json")
    [ "$fe" = 1 ] && [ "$fu" != "0.00000000" ] && case "$fu" in -*) false ;; *) true ;; esac &&
        [ "$(str funding_received "$tmp/u1.json")" = "$fu" ] &&
        [ "$(str funding_paid "$tmp/u1.json")" = "0.00000000" ] &&
        ok "usdm: funding at 00:00 UTC received by the short ($fu)" || notok "usdm: funding: '$fe' '$fu'"
    "$LX" backtest --venue binanceusdm --capture "$tmp/um.lxcap" --quiet --tcp >"$tmp/u3.json"
    cmp -s "$tmp/u1.json" "$tmp/u3.json" && ok "usdm: over TCP, the same bytes" ||
        notok "usdm: over TCP, the same bytes"
    "$LX" backtest --venue binanceusdm --capture "$tmp/um.lxcap" --quiet --strategy momentum \
        --param window=3 >"$tmp/u4.json"
    check "usdm: momentum runs" "$?" "0"
    grep -q '"taker_fills":[1-9]' "$tmp/u4.json" && ok "usdm: momentum takes at market" ||
        notok "usdm: momentum takes: $(head -c 400 "$tmp/u4.json")"
    "$LX" backtest --venue binanceusdm --capture "$tmp/um.lxcap" --quiet --strategy hold >"$tmp/u5.json"
    # Every trade hold sees is a recorded one, published by the venue.
    ht=$(sed -n 's/.*"events":{"book":[0-9]*,"trade":\([0-9]*\).*/\1/p' "$tmp/u5.json")
    grep -q '"wallet":{"start":"100000.00000000","end":"100000.00000000"}' "$tmp/u5.json" &&
        grep -q '"fill_count":0,' "$tmp/u5.json" && [ "${ht:-0}" -ge 959 ] &&
        ok "usdm: hold leaves the wallet as it was, sees the recorded trades ($ht)" ||
        notok "usdm: hold: trades '$ht' $(head -c 400 "$tmp/u5.json")"
else
    for i in 1 2 3 4 5 6 7 8 9 10; do ok "usdm capture # SKIP $urec not present"; done
fi
[ $failed -eq 0 ]
