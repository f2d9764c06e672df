#!/bin/sh
# backtest_cli.sh - `lotusx backtest`: the same seed gives a byte-identical
# report, another seed another one; both built-in strategies trade and the
# venue's balances match the fills (the tool checks it and fails otherwise);
# a strategy from a shared object runs; bad usage exits 2. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
LX="$B/lotusx"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
trap 'rm -rf "$tmp"' EXIT
echo "1..12"

"$LX" backtest --duration 600 --quiet --report "$tmp/a.json"
check "mm runs" "$?" "0"
"$LX" backtest --duration 600 --quiet >"$tmp/b.json"
check "mm runs again" "$?" "0"
if cmp -s "$tmp/a.json" "$tmp/b.json"; then ok "same seed, same bytes"; else notok "same seed, same bytes"; fi
"$LX" backtest --duration 600 --quiet --seed 11 >"$tmp/c.json"
if cmp -s "$tmp/a.json" "$tmp/c.json"; then notok "another seed differs"; else ok "another seed differs"; fi
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
[ $failed -eq 0 ]
