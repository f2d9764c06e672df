#!/bin/sh
# report_html.sh - the backtest HTML report (src/cli/report_html.c) as a
# browser draws it. tests/integration/report_html_demo writes pages from
# known data; headless Chromium (Debian's chromium) loads each one from a
# file and dumps the DOM after the page's probe script has recorded, on
# <body>, the getBBox() size of each chart and each polyline, how many fill
# circles were drawn and whether the embedded JSON report parses. Checked:
# a normal run (600 samples, 20 fills), a long one (100000 samples cut to
# 2000 points a polyline, 2000 fills), an empty one ("no data" charts), and
# a screenshot. Skips when chromium is not installed. Chromium gets its own
# profile in a temporary directory and a host resolver that resolves
# nothing, so it opens no connection. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
DEMO="$B/tests/integration/report_html_demo"
CHROMIUM=${CHROMIUM:-chromium}
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    echo "1..0 # SKIP $CHROMIUM not installed (Debian package chromium)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..25"

# browse MODE PAGE OUT: --dump-dom to OUT, or --screenshot=OUT.
browse() {
    _m=--dump-dom
    [ "$1" = shot ] && _m="--screenshot=$3"
    timeout 180 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
        --user-data-dir="$tmp/profile" --no-first-run \
        --no-default-browser-check --disable-extensions \
        --disable-background-networking --disable-component-update \
        --disable-sync --disable-default-apps \
        --host-resolver-rules='MAP * ~NOTFOUND' --window-size=1000,1400 \
        $_m "file://$2" >"$3.out" 2>"$3.err"
    _rc=$?
    [ "$1" = dom ] && mv "$3.out" "$3"
    return $_rc
}
# attr FILE NAME: the value of data-NAME on <body>, empty when absent.
attr() {
    grep -o "<body[^>]*>" "$1" | sed -n 's/.* data-'"$2"'="\([^"]*\)".*/\1/p'
}
# drawn FILE NAME...: each data-NAME-w and data-NAME-h is above zero.
drawn() {
    _f=$1
    shift
    for _n in "$@"; do
        _w=$(attr "$_f" "$_n-w")
        _h=$(attr "$_f" "$_n-h")
        [ "${_w:-0}" -gt 0 ] 2>/dev/null && [ "${_h:-0}" -gt 0 ] 2>/dev/null ||
            { echo "$_n: ${_w:-none} x ${_h:-none}"; return 1; }
    done
    return 0
}

# ---- a normal run --------------------------------------------------------
"$DEMO" "$tmp/a.html" 600 20
check "demo writes the page" "$?" "0"
"$DEMO" "$tmp/a2.html" 600 20
cmp -s "$tmp/a.html" "$tmp/a2.html" && ok "same data, same bytes" ||
    notok "same data, same bytes"
grep -qE '<(link|img|iframe)|src=|href=|url\(' "$tmp/a.html" &&
    notok "page has no external resources" || ok "page has no external resources"
browse dom "$tmp/a.html" "$tmp/a.dom"
check "chromium renders the page" "$?" "0"
for id in chart-price chart-equity chart-position; do
    grep -q "<svg id=\"$id\"" "$tmp/a.dom" && ok "$id in the DOM" ||
        notok "$id in the DOM"
done
why=$(drawn "$tmp/a.dom" price equity position) && ok "charts have boxes" ||
    notok "charts have boxes: $why"
why=$(drawn "$tmp/a.dom" mid equity-line drawdown position-line) &&
    ok "every polyline is drawn" || notok "every polyline is drawn: $why"
check "every fill circle is drawn" "$(attr "$tmp/a.dom" fills-drawn)" "20"
check "fill circles in the DOM" "$(grep -o '<circle class="fill ' "$tmp/a.dom" | wc -l)" "20"
check "embedded report parses" "$(attr "$tmp/a.dom" report)" "parsed"
grep -q '"note":"<\\/script><b>not markup<\\/b>"' "$tmp/a.dom" &&
    ok "report text stays text" || notok "report text stays text"
check "time labels" "$(grep -o 'class="xlabel"' "$tmp/a.dom" | wc -l)" "15"

# ---- a long run --------------------------------------------------------
"$DEMO" "$tmp/b.html" 100000 2000
check "long run: demo writes the page" "$?" "0"
most=$(tr '\n' ' ' <"$tmp/b.html" | grep -o 'points="[^"]*"' |
    awk '{ n = gsub(/,/, ","); if (n > m) m = n } END { print m + 0 }')
[ "$most" -le 2000 ] && [ "$most" -ge 1000 ] &&
    ok "long run: polylines cut to $most points" ||
    notok "long run: polylines cut to $most points"
browse dom "$tmp/b.html" "$tmp/b.dom"
check "long run: chromium renders it" "$?" "0"
why=$(drawn "$tmp/b.dom" price equity position mid equity-line drawdown \
    position-line) && ok "long run: everything drawn" ||
    notok "long run: everything drawn: $why"
check "long run: every fill circle is drawn" "$(attr "$tmp/b.dom" fills-drawn)" "2000"

# ---- an empty run --------------------------------------------------------
"$DEMO" "$tmp/c.html" 0 0
check "empty run: demo writes the page" "$?" "0"
browse dom "$tmp/c.html" "$tmp/c.dom"
check "empty run: chromium renders it" "$?" "0"
why=$(drawn "$tmp/c.dom" price equity position) &&
    ok "empty run: charts have boxes" || notok "empty run: charts have boxes: $why"
check "empty run: no data in four panels" "$(grep -o '>no data<' "$tmp/c.dom" | wc -l)" "4"
check "empty run: no polyline" "$(attr "$tmp/c.dom" mid-w)" ""

# ---- a screenshot --------------------------------------------------------
browse shot "$tmp/a.html" "$tmp/a.png"
size=$(wc -c <"$tmp/a.png" 2>/dev/null || echo 0)
[ "$size" -gt 10000 ] && ok "screenshot ($size bytes)" ||
    notok "screenshot: $size bytes: $(tail -2 "$tmp/a.png.err")"
[ $failed -eq 0 ]
