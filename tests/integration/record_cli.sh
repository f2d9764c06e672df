#!/bin/sh
# record_cli.sh - lotusx-record against real loopback servers (the test
# peer's WebSocket echo and lotusx-mock's REST), then the capture file is
# read back and searched for a secret that must not be there. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
REC="$B/lotusx-record"
tmp=$(mktemp -d)
. "${LX_TOP_SRCDIR:-.}/tests/tap-lib.sh"
cleanup() {
    [ -n "${mpid:-}" ] && kill "$mpid" 2>/dev/null
    [ -n "${ppid_:-}" ] && kill "$ppid_" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..14"

"$B/lotusx-mock" --quiet >"$tmp/mock.out" 2>&1 &
mpid=$!
wait_line "$tmp/mock.out" '^binance ' || { echo "Bail out! no mock"; exit 1; }
url=$(sed -n 's/^binance //p' "$tmp/mock.out")

ws=""
if [ -x "$B/tests/interop/lx_peer" ]; then
    "$B/tests/interop/lx_peer" server "$tmp/cert.pem" >"$tmp/peer.out" 2>&1 &
    ppid_=$!
    wait_line "$tmp/peer.out" '^ports ' && ws=$(sed -n 's/^ports \([0-9]*\) .*/\1/p' "$tmp/peer.out")
fi

SECRET=canary-9f1b7c0e5d3a42a8b6e4
export LOTUSX_BINANCE_SPOT_API_KEY="$SECRET"
if [ -n "$ws" ]; then
    "$REC" -o "$tmp/a.lxcap" --venue binance-spot --quiet \
        --ws "ws://127.0.0.1:$ws/ws" --send "{\"key\":\"$SECRET\"}" --frames 1 \
        --rest "$url/api/v3/time" --rest "$url/api/v3/ping?k=$SECRET" \
        --duration 20
    check "records and exits 0" "$?" "0"
else
    "$REC" -o "$tmp/a.lxcap" --venue binance-spot --quiet \
        --rest "$url/api/v3/time" --rest "$url/api/v3/ping?k=$SECRET" \
        --duration 20
    check "records and exits 0 (REST only: no test peer)" "$?" "0"
fi
[ -s "$tmp/a.lxcap" ] && ok "capture file written" || notok "capture file written"
check "no WAL left after finalize" "$(ls "$tmp" | grep -c 'lxcap-wal')" "0"
# The raw file must not hold the secret (SQLite pages, zstd or not).
if grep -q "$SECRET" "$tmp/a.lxcap"; then notok "secret absent from the file"; else ok "secret absent from the file"; fi
out=$("$B/lotusx" capture dump "$tmp/a.lxcap" 2>&1)
case "$out" in *"GET /api/v3/time"*) ok "dump shows the REST request" ;;
    *) notok "dump shows the REST request: $out" ;; esac
case "$out" in *"$SECRET"*) notok "secret absent from decoded records" ;;
    *) ok "secret absent from decoded records" ;; esac
# A dropped WebSocket is opened again: the close, the new open and a
# "reconnect" note are in the file, the stream goes on after the gap and
# the depth snapshot is fetched again at once so a book can be rebuilt.
L="$B/lotusx"
curl -s -X POST "$url/_lotusx/faults" \
    -d '{"path":"/stream","ws":"drop","after_frames":2}' >/dev/null
"$REC" -o "$tmp/rc.lxcap" --quiet --base "$url" \
    --stream binance-spot:btcusdt@depth@100ms --stream binance-spot:btcusdt@trade \
    --snapshot-every 600 --duration 5 2>"$tmp/rc.err"
check "a dropped WebSocket is reconnected, exit 0" "$?" "0"
opens=$("$L" capture cat "$tmp/rc.lxcap" --kind open | grep -c '/stream?streams=btcusdt@depth@100ms/btcusdt@trade"')
check "two opens of the stream connection" "$opens" "2"
notes=$("$L" capture cat "$tmp/rc.lxcap" | grep '"tag":"reconnect"' | grep -c 'code 1006')
check "one reconnect note naming the 1006 close" "$notes" "1"
snaps=$("$L" capture cat "$tmp/rc.lxcap" --kind request | grep -c '"target":"/api/v3/depth?symbol=BTCUSDT&limit=1000"')
check "the snapshot is fetched again after the reconnect" "$snaps" "2"
after=$("$L" capture cat "$tmp/rc.lxcap" | awk '/"tag":"reconnect"/ {n = 1} n && /"kind":"ws"/ && /"dir":"in"/ {c++} END {print c + 0}')
[ "$after" -gt 0 ] && ok "frames recorded after the gap ($after)" || notok "frames recorded after the gap"
curl -s -X POST "$url/_lotusx/faults" \
    -d '{"path":"/stream","ws":"drop","after_frames":2}' >/dev/null
"$REC" -o "$tmp/nr.lxcap" --quiet --no-reconnect --base "$url" \
    --stream binance-spot:btcusdt@trade --duration 20 2>"$tmp/nr.err"
check "--no-reconnect: the drop ends the recording with exit 1" "$?" "1"
"$REC" -o "$tmp/a.lxcap" --rest "$url/api/v3/time" --quiet 2>"$tmp/exists"
check "existing file refused with exit 1" "$?" "1"
"$REC" --rest "$url/api/v3/time" >/dev/null 2>&1
check "missing -o exits 2" "$?" "2"
exit 0
