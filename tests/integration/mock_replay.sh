#!/bin/sh
# mock_replay.sh - lotusx-mock --replay end to end over loopback: a
# recording is imported (`lotusx capture import`), served by the replay
# mock, received again by lotusx-record, and compared byte for byte with
# `lotusx capture export` of the original: combined and raw stream URLs,
# SUBSCRIBE, two runs identical, pacing by --speed, --from; --paused and
# the admin clock (curl /_lotusx/clock, clock/advance steps a real
# lotusx-record client through the capture). REST: a live
# mock recorded by lotusx-record is replayed and queried with curl; the
# cryptofeed sample's REST bodies when ../shared/samples is present. Bad
# usage exits non-zero. Prints TAP.
set -u
B=${LX_TOP_BUILDDIR:-.}
S=${LX_TOP_SRCDIR:-.}
MOCK="$B/lotusx-mock"
LX="$B/lotusx"
REC="$B/lotusx-record"
SAMPLES="$S/../shared/samples"
tmp=$(mktemp -d)
. "$S/tests/tap-lib.sh"
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "1..30"

# start_mock ARGS...: runs lotusx-mock ARGS, sets pid, url and port.
start_mock() {
    # Emptied here, not by the child's redirection: a slow start must not
    # let wait_line read the last mock's URL.
    : >"$tmp/out"
    "$MOCK" "$@" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    wait_line "$tmp/out" '^binance ' || {
        echo "Bail out! lotusx-mock $* did not start: $(cat "$tmp/err")"
        exit 1
    }
    url=$(sed -n 's/^binance //p' "$tmp/out")
    port=${url##*:}
}
stop_mock() {
    kill -TERM "$pid"
    wait "$pid"
    st=$?
    pid=
    return $st
}
# payloads FILE.lxcap: the inbound text frames, without their times.
payloads() { "$LX" capture export "$1" | cut -d' ' -f2-; }
# walls FILE.lxcap: wall_ns of the first and last inbound frame.
walls() {
    "$LX" capture cat "$1" --kind ws |
        sed -n 's/^{"gseq":[0-9]*,"wall_ns":\([0-9]*\),.*"dir":"in".*/\1/p' |
        sed -n '1p;$p'
}

# ---- a recording: 3 streams, one REST snapshot line, 2 s ------------------
awk 'BEGIN {
    # integer ns as two parts: awk numbers are doubles
    print "1723161253000000000 {\"lastUpdateId\":7,\"bids\":[[\"1.0\",\"2.0\"]],\"asks\":[]}"
    for (i = 1; i <= 200; i++) {
        t = sprintf("%d%09d", 1723161253 + int(i / 100), (i % 100) * 10000000)
        if (i % 3 == 0)
            print t " {\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"u\":" i "}}"
        else if (i % 3 == 1)
            print t " {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"t\":" i "}}"
        else
            print t " {\"stream\":\"ethusdt@bookTicker\",\"data\":{\"u\":" i ",\"s\":\"ETHUSDT\"}}"
    }
}' >"$tmp/rec.txt"
STREAMS="btcusdt@depth@100ms/btcusdt@trade/ethusdt@bookTicker"
"$LX" capture import "$tmp/rec.txt" -o "$tmp/rec.lxcap" --venue binance \
    --url "wss://stream.binance.com:9443/stream?streams=$STREAMS" 2>"$tmp/imp"
check "import the recording" "$?" "0"
payloads "$tmp/rec.lxcap" >"$tmp/want"
check "export has every line" "$(wc -l <"$tmp/want" | tr -d ' ')" "201"

start_mock --replay "$tmp/rec.lxcap" --speed 0 --quiet
ws="ws://127.0.0.1:$port"
"$REC" -o "$tmp/a.lxcap" --quiet --frames 201 --duration 20 \
    --ws "$ws/stream?streams=$STREAMS" 2>"$tmp/rec.err"
payloads "$tmp/a.lxcap" >"$tmp/got"
check "combined: frame count" "$(wc -l <"$tmp/got" | tr -d ' ')" "201"
if cmp -s "$tmp/want" "$tmp/got"; then ok "combined: bytes as exported"
else notok "combined: bytes differ from the export"; fi

"$REC" -o "$tmp/b.lxcap" --quiet --frames 201 --duration 20 \
    --ws "$ws/stream?streams=$STREAMS" 2>>"$tmp/rec.err"
payloads "$tmp/b.lxcap" >"$tmp/got2"
if cmp -s "$tmp/got" "$tmp/got2"; then ok "two replays byte-identical"
else notok "two replays differ"; fi

# raw: the trade frames unwrapped (the snapshot line is a depth frame)
grep '^{"stream":"btcusdt@trade"' "$tmp/want" |
    sed 's/^{"stream":"btcusdt@trade","data":\(.*\)}$/\1/' >"$tmp/want_raw"
"$REC" -o "$tmp/c.lxcap" --quiet --frames 67 --duration 20 \
    --ws "$ws/ws/btcusdt@trade" 2>>"$tmp/rec.err"
payloads "$tmp/c.lxcap" >"$tmp/got_raw"
check "raw: frame count" "$(wc -l <"$tmp/got_raw" | tr -d ' ')" \
    "$(wc -l <"$tmp/want_raw" | tr -d ' ')"
if cmp -s "$tmp/want_raw" "$tmp/got_raw"; then ok "raw: unwrapped bytes"
else notok "raw: bytes differ"; fi

# SUBSCRIBE on /ws: the reply, then the depth frames (snapshot included)
"$REC" -o "$tmp/d.lxcap" --quiet --frames 68 --duration 20 --ws "$ws/ws" \
    --send '{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1}' \
    2>>"$tmp/rec.err"
payloads "$tmp/d.lxcap" >"$tmp/got_sub"
check "SUBSCRIBE: reply first" "$(sed -n 1p "$tmp/got_sub")" \
    '{"result":null,"id":1}'
check "SUBSCRIBE: snapshot + 66 depth frames" \
    "$(sed 1d "$tmp/got_sub" | wc -l | tr -d ' ')" "67"
stop_mock
check "SIGTERM exits 0" "$?" "0"

# pacing: 2 s of recording at --speed 4 takes about 0.5 s
start_mock --replay "$tmp/rec.lxcap" --speed 4 --quiet
"$REC" -o "$tmp/e.lxcap" --quiet --frames 201 --duration 20 \
    --ws "ws://127.0.0.1:$port/stream?streams=$STREAMS" 2>>"$tmp/rec.err"
set -- $(walls "$tmp/e.lxcap")
span_ms=$(( (${2:-0} - ${1:-0}) / 1000000 ))
if [ "$span_ms" -ge 450 ] && [ "$span_ms" -le 1500 ]; then
    ok "speed 4: 2 s in ${span_ms} ms"
else notok "speed 4: 2 s in ${span_ms} ms, want about 500"; fi
stop_mock

# --from: the last 100 frames only
start_mock --replay "$tmp/rec.lxcap" --speed 0 --quiet \
    --from 1723161254010000000
"$REC" -o "$tmp/f.lxcap" --quiet --frames 100 --duration 20 \
    --ws "ws://127.0.0.1:$port/stream?streams=$STREAMS" 2>>"$tmp/rec.err"
payloads "$tmp/f.lxcap" >"$tmp/got_from"
if tail -n 100 "$tmp/want" | cmp -s - "$tmp/got_from"; then
    ok "--from: the frames from T on"
else notok "--from: got $(wc -l <"$tmp/got_from") frames, not the last 100"; fi
stop_mock

# ---- the admin clock: --paused, stepped by POST clock/advance ---------------
# clients_sent: the "sent" count of the first client in GET clock.
clients_sent() {
    curl -s "$admin/clock" | sed -n 's/.*"clients":\[{[^}]*"sent":\([0-9]*\)}.*/\1/p'
}
start_mock --replay "$tmp/rec.lxcap" --paused --quiet
admin="$url/_lotusx"
check "admin: health" \
    "$(curl -s "$admin/health" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')" "ok"
clk=$(curl -s "$admin/clock")
case "$clk" in
    *'"time":1723161253000,'*'"frozen":true,"speed":"1.000"'*)
        ok "admin: --paused holds the clock at the capture's start" ;;
    *) notok "admin: clock: $clk" ;;
esac
"$REC" -o "$tmp/g.lxcap" --quiet --frames 67 --duration 20 \
    --ws "ws://127.0.0.1:$port/ws/btcusdt@trade" 2>>"$tmp/rec.err" &
recpid=$!
i=0
while [ -z "$(clients_sent)" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
check "admin: a paused client gets nothing (first trade at +10 ms)" \
    "$(clients_sent)" "0"
clk=$(curl -s -X POST "$admin/clock/advance?ms=500")
case "$clk" in
    *'"time":1723161253500,'*) ok "admin: advance moves the clock 500 ms" ;;
    *) notok "admin: advance: $clk" ;;
esac
sleep 0.3
# trades i = 1, 4, ..., 49 are recorded at i * 10 ms <= 500 ms
check "admin: advance?ms=500 sends exactly the 17 trades due" \
    "$(clients_sent)" "17"
curl -s -o /dev/null -X POST "$admin/clock/advance?ms=3000"
wait "$recpid"
payloads "$tmp/g.lxcap" >"$tmp/got_step"
if cmp -s "$tmp/want_raw" "$tmp/got_step"; then
    ok "admin: stepped replay has the recorded bytes"
else notok "admin: stepped replay differs"; fi
check "admin: bad advance is 400" \
    "$(curl -s -o /dev/null -w '%{http_code}' -X POST \
        "$admin/clock/advance?ms=soon")" "400"
stop_mock

# ---- REST: record a live mock, replay it -----------------------------------
start_mock --no-market --quiet
live=$url
"$REC" -o "$tmp/rest.lxcap" --quiet --duration 1 \
    --rest "$live/api/v3/depth?symbol=BTCUSDT&limit=5" \
    --rest "$live/api/v3/exchangeInfo" 2>>"$tmp/rec.err"
want_depth=$(curl -s "$live/api/v3/depth?symbol=BTCUSDT&limit=5")
stop_mock
start_mock --replay "$tmp/rest.lxcap" --quiet
check "REST: recorded answer, parameters reordered" \
    "$(curl -s "$url/api/v3/depth?limit=5&symbol=BTCUSDT&timestamp=1")" \
    "$want_depth"
check "REST: a second identical request is 404 (recorded once)" \
    "$(curl -s -o /dev/null -w '%{http_code}' \
        "$url/api/v3/depth?symbol=BTCUSDT&limit=5")" "404"
body=$(curl -s "$url/api/v3/depth?symbol=ETHUSDT&limit=5")
case "$body" in
    *'no recorded request matches'*'parameter symbol: recorded BTCUSDT, got ETHUSDT'*)
        ok "REST: unmatched request names the closest" ;;
    *) notok "REST: unmatched answer: $body" ;;
esac
stop_mock

# ---- the cryptofeed sample's REST bodies ------------------------------------
CF="$SAMPLES/binance-spot/cryptofeed/BINANCE.2021-10-12.jsonl"
if [ -f "$CF" ] && "$LX" capture import "$CF" -o "$tmp/cf.lxcap" \
    --venue binance --format cryptofeed 2>/dev/null; then
    start_mock --replay "$tmp/cf.lxcap" --speed 0 --quiet
    "$LX" capture cat "$tmp/cf.lxcap" --kind response --base64 |
        sed -n '2s/.*"payload_b64":"\([^"]*\)".*/\1/p' | base64 -d \
        >"$tmp/cf_want"
    curl -s "$url/api/v3/depth?limit=1000&symbol=NKNUSDT" >"$tmp/cf_got"
    if [ -s "$tmp/cf_want" ] && cmp -s "$tmp/cf_want" "$tmp/cf_got"; then
        ok "sample: REST depth body as recorded"
    else notok "sample: REST depth body differs"; fi
    stop_mock
else
    ok "sample: REST depth body # SKIP $CF not present"
fi

# ---- the hftbacktest sample: 150 s, 16191 frames, flat out ----------------
HFT="$SAMPLES/binance-spot/hftbacktest/btcusdt_20240808.first150s.txt"
HS="btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker"
if [ -f "$HFT" ] && "$LX" capture import "$HFT" -o "$tmp/hft.lxcap" \
    --venue binance --url "wss://stream.binance.com:9443/stream?streams=$HS" \
    2>/dev/null; then
    start_mock --replay "$tmp/hft.lxcap" --speed 0 --quiet
    nl=$(wc -l <"$HFT" | tr -d ' ')
    "$REC" -o "$tmp/hft_got.lxcap" --quiet --frames "$nl" --duration 60 \
        --ws "ws://127.0.0.1:$port/stream?streams=$HS" 2>>"$tmp/rec.err"
    if [ "$(payloads "$tmp/hft.lxcap" | cksum)" = \
          "$(payloads "$tmp/hft_got.lxcap" | cksum)" ]; then
        ok "sample: $nl frames as exported"
    else notok "sample: frames differ from the export"; fi
    stop_mock
else
    ok "sample: hftbacktest replay # SKIP $HFT not present"
fi

# ---- bad usage --------------------------------------------------------------
"$MOCK" --replay "$tmp/nonexistent.lxcap" >/dev/null 2>"$tmp/bad"
check "missing capture exits 1" "$?" "1"
"$MOCK" --replay "$tmp/rec.lxcap" --speed fast >/dev/null 2>&1
check "bad --speed exits 2" "$?" "2"
"$MOCK" --replay "$tmp/rec.lxcap" --from yesterday >/dev/null 2>&1
check "bad --from exits 2" "$?" "2"
"$MOCK" --replay "$tmp/rec.lxcap" --from 2000 --to 1000 >/dev/null 2>&1
check "--from after --to exits 2" "$?" "2"
"$MOCK" --speed 2 >/dev/null 2>&1
check "--speed without --replay exits 2" "$?" "2"
"$MOCK" --paused >/dev/null 2>&1
check "--paused without --replay exits 2" "$?" "2"
exit 0
