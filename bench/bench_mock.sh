#!/bin/sh
# bench_mock.sh [BUILDDIR] - benchmarks lotusx-mock as a whole (run by
# `make bench` through the bench-mock rule of mock/server/bench.am, or by
# hand from a build directory where lotusx-mock and bench/bench_mock_ws are
# built). Prints one table:
#
#   - GET /api/v3/depth (limit 100 on a 100-level book, and limit 5):
#     requests/s and p50/p99 latency under wrk (1 thread, 50 keep-alive
#     connections), against nginx (1 worker, private config, loopback)
#     serving a file holding the very bytes the mock answered; ratio =
#     mock / nginx (of the medians, and of each round's pair, the rounds
#     alternating mock and nginx), goal >= 0.9 for both limits. Also each
#     server's CPU (user + system from /proc) per request, which varies
#     less than requests/s on a shared machine.
#   - signed POST /api/v3/order (LIMIT IOC far below the book: parsed,
#     authenticated, matched against the engine, expires without a fill, so
#     nothing accumulates) and POST /api/v3/order/test, same wrk settings.
#     wrk cannot sign, so each run gets a body signed just before it
#     (HMAC-SHA256 with the openssl CLI, recvWindow 60000) and repeats it:
#     Binance, and the mock, accept a signed request more than once.
#   - WebSocket fan-out: 1 and 100 clients of /stream?streams=
#     btcusdt@depth@100ms/btcusdt@trade, frames/s received in total, on
#     the synthetic market as it runs by default (1 s period), on a fast
#     one (generator period_ms 10, a second mock), and while the admin API
#     advances the clock (POST /_lotusx/clock/advance?ms=600000 in a loop:
#     each call runs 600 skipped market periods at once, a burst of trades).
#   - memory: VmRSS of the idle mock right after start-up, and with 1000
#     idle keep-alive connections (per connection = difference / 1000),
#     and after the load.
#
# Rate limits are turned off in the mock's config (the bench is not a rate
# limit test); everything else is the embedded default market except that
# BTCUSDT's generator keeps 100 levels a side so depth limit=100 is full.
# wrk, nginx and the mock share the machine's cores: the ratio is the figure
# to watch. Without wrk it prints "skipped" and exits 0; without nginx the
# ratio column says "-". Env: BENCH_MOCK_SECONDS (wrk run length, default
# 3), BENCH_MOCK_ROUNDS (interleaved runs per server, median; default 3),
# BENCH_MOCK_WS_SECONDS (default 5).
set -eu
B=$(cd "${1:-.}" && pwd)
MOCK="$B/lotusx-mock"
WSB="$B/bench/bench_mock_ws"
SECS=${BENCH_MOCK_SECONDS:-3}
ROUNDS=${BENCH_MOCK_ROUNDS:-3}
WSSECS=${BENCH_MOCK_WS_SECONDS:-5}
KEY=lotusxTestKey0000000000000000000000000000000000000000000000000
SEC=lotusxTestSecret00000000000000000000000000000000000000000000000

for f in "$MOCK" "$WSB"; do
    [ -x "$f" ] || { echo "bench_mock.sh: $f not built" >&2; exit 2; }
done
WRK=$(command -v wrk || true)
if [ -z "$WRK" ]; then
    echo "lotusx-mock: skipped: wrk not installed"
    exit 0
fi
NGINX=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
[ -f "$B/Makefile" ] && grep -q '^LX_CFLAGS.*-O0' "$B/Makefile" &&
    echo "bench_mock.sh: warning: debug build (-O0), figures are not representative"
# 1000 idle connections plus wrk's and the clients' need more descriptors
# shellcheck disable=SC3045 # dash and bash both have ulimit -n
ulimit -n 8192 2>/dev/null || ulimit -n 4096 2>/dev/null || true

tmp=$(mktemp -d /tmp/lx-bench-mock.XXXXXX)
chmod 755 "$tmp"
mpid='' mpid2='' npid='' ipid=''
cleanup() {
    for p in $ipid $mpid $mpid2 $npid; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the mock(s) ----------------------------------------------------------
# $1 = generator period in ms
write_config() {
    cat <<EOF
{"rate_limits": {"enabled": false},
 "generator": {"period_ms": $1},
 "symbols": [
  {"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "tick_size": "0.01",
   "lot_size": "0.00001", "min_qty": "0.00001", "max_qty": "9000",
   "min_price": "0.01", "max_price": "1000000", "min_notional": "5",
   "generator": {"start_mid": "60000.00", "level_qty": "0.05000",
                 "levels": 100, "spread_ticks": 50}},
  {"symbol": "ETHUSDT", "base": "ETH", "quote": "USDT", "tick_size": "0.01",
   "lot_size": "0.0001", "min_qty": "0.0001", "max_qty": "100000",
   "min_price": "0.01", "max_price": "1000000", "min_notional": "5",
   "generator": {"start_mid": "3000.00", "level_qty": "0.5000",
                 "levels": 10, "spread_ticks": 20}}]}
EOF
}
# start_mock CONFIG OUT: starts it in the background, sets $url and $pid_
start_mock() {
    "$MOCK" --config "$1" >"$2" 2>"$2.err" &
    pid_=$!
    i=0
    while ! grep -q '^binance ' "$2" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$pid_" 2>/dev/null; then
            echo "bench_mock.sh: lotusx-mock did not start: $(cat "$2.err")" >&2
            exit 1
        fi
        sleep 0.1
    done
    url=$(sed -n 's/^binance //p' "$2")
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

write_config 1000 >"$tmp/mock.json"
start_mock "$tmp/mock.json" "$tmp/mock.out"
mpid=$pid_ URL=$url PORT=${url##*:}
sleep 1
rss_idle=$(rss_kb "$mpid")

# ---- memory: 1000 idle keep-alive connections ----------------------------
NIDLE=1000
mkfifo "$tmp/hold"
"$WSB" idle 127.0.0.1 "$PORT" $NIDLE <"$tmp/hold" >"$tmp/idle.out" 2>"$tmp/idle.err" &
ipid=$!
exec 3>"$tmp/hold"
i=0
while ! grep -q '^ready\|^failed' "$tmp/idle.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1
done
if grep -q '^ready' "$tmp/idle.out"; then
    sleep 0.5
    rss_conn=$(rss_kb "$mpid")
else
    rss_conn=
    echo "bench_mock.sh: idle connections failed: $(cat "$tmp/idle.err")" >&2
fi
exec 3>&-
wait "$ipid" || true
ipid=

# ---- wrk ------------------------------------------------------------------
# cpu_ticks PID...: user + system clock ticks of those processes
cpu_ticks() {
    for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done |
        awk '{ t += $14 + $15 } END { print t + 0 }'
}
TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
# run_wrk "PIDS" URL [LUA] -> prints
#   "rps p50_us p99_us non2xx errors cpu_us_per_request"
# (CPU: user + system of the server processes PIDS over the run)
run_wrk() {
    # shellcheck disable=SC2086 # PIDS is a list
    c0=$(cpu_ticks $1)
    if [ -n "${3:-}" ]; then
        "$WRK" -t1 -c50 -d"${SECS}s" --latency -s "$3" "$2" >"$tmp/wrk.out" 2>&1 || true
    else
        "$WRK" -t1 -c50 -d"${SECS}s" --latency "$2" >"$tmp/wrk.out" 2>&1 || true
    fi
    # shellcheck disable=SC2086
    c1=$(cpu_ticks $1)
    awk -v cpu=$((c1 - c0)) -v tck="$TCK" '
    function us(v) {
        if (v ~ /us$/) return v + 0;
        if (v ~ /ms$/) return v * 1000;
        if (v ~ /s$/) return v * 1000000;
        return v + 0;
    }
    /^Requests\/sec:/ { rps = $2 }
    $2 == "requests" && $3 == "in" { n = $1 }
    $1 == "50%" { p50 = us($2) }
    $1 == "99%" { p99 = us($2) }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(",", ""); err = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.0f %.0f %d %d %.1f\n", rps, p50, p99, bad, err,
                 (n > 0 ? cpu * 1000000 / tck / n : 0) }
    ' "$tmp/wrk.out"
}
# median ROWS-FILE: the line with the median rps of the rounds
median() { sort -n -k1,1 "$1" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }

# ---- nginx serving the mock's bytes ---------------------------------------
mkdir -p "$tmp/html" "$tmp/ngx-tmp"
DEPTH100="/api/v3/depth?symbol=BTCUSDT&limit=100"
DEPTH5="/api/v3/depth?symbol=BTCUSDT&limit=5"
curl -sf "$URL$DEPTH100" >"$tmp/html/depth100.json"
curl -sf "$URL$DEPTH5" >"$tmp/html/depth5.json"
len100=$(wc -c <"$tmp/html/depth100.json")
len5=$(wc -c <"$tmp/html/depth5.json")
NPORT='' npids=''
if [ -n "$NGINX" ]; then
    NPORT=$(( (PORT % 20000) + 30000 ))
    while curl -s -o /dev/null "http://127.0.0.1:$NPORT/" 2>/dev/null; do
        NPORT=$((NPORT + 1))
    done
    cat >"$tmp/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/ngx-tmp; proxy_temp_path $tmp/ngx-tmp;
  fastcgi_temp_path $tmp/ngx-tmp; uwsgi_temp_path $tmp/ngx-tmp;
  scgi_temp_path $tmp/ngx-tmp;
  default_type application/json;
  sendfile off; tcp_nodelay on;
  keepalive_requests 100000000; keepalive_timeout 60s;
  open_file_cache max=16;
  server { listen 127.0.0.1:$NPORT; root $tmp/html; }
}
EOF
    "$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" \
        >>"$tmp/nginx.out" 2>&1 &
    npid=$!
    i=0
    until [ "$(curl -s "http://127.0.0.1:$NPORT/depth5.json" 2>/dev/null | wc -c)" = "$len5" ]; do
        i=$((i + 1))
        if [ $i -gt 50 ]; then
            echo "bench_mock.sh: nginx did not start: $(cat "$tmp/nginx-error.log")" >&2
            kill "$npid" 2>/dev/null || true
            npid='' NPORT=''
            break
        fi
        sleep 0.1
    done
    # the master and its worker (CPU is counted over both)
    npids="$npid $(cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$npid" '$4 == p { print $1 }')"
fi

# bench_get NAME MOCK-PATH NGINX-PATH: interleaved rounds, medians
bench_get() {
    : >"$tmp/m.rows"; : >"$tmp/n.rows"
    r=0 rr=''
    while [ $r -lt "$ROUNDS" ]; do
        run_wrk "$mpid" "$URL$2" >>"$tmp/m.rows"
        if [ -n "$NPORT" ]; then
            run_wrk "$npids" "http://127.0.0.1:$NPORT$3" >>"$tmp/n.rows"
            # this round's ratio: its mock r/s over its nginx r/s
            a=$(tail -n 1 "$tmp/m.rows" | cut -d' ' -f1)
            b=$(tail -n 1 "$tmp/n.rows" | cut -d' ' -f1)
            rr="$rr $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
        fi
        r=$((r + 1))
    done
    m=$(median "$tmp/m.rows")
    n=$( [ -n "$NPORT" ] && median "$tmp/n.rows" || echo "-")
    row "$1" "$m" "$n" "${rr# }"
}
# row NAME "MOCK FIGURES" "NGINX FIGURES" ["PER-ROUND RATIOS"]
row() {
    echo "$1|$2|$3|${4:-}" >>"$tmp/table"
}

: >"$tmp/table"
bench_get "GET depth limit=100 ($len100 B)" "$DEPTH100" /depth100.json
bench_get "GET depth limit=5 ($len5 B)" "$DEPTH5" /depth5.json

# ---- signed orders ---------------------------------------------------------
sign() { printf %s "$1" | openssl dgst -sha256 -hmac "$SEC" | sed 's/^.*= //'; }
# order_lua PATH PARAMS -> writes $tmp/order.lua with a freshly signed body
order_lua() {
    ts=$(curl -sf "$URL/api/v3/time" | sed 's/[^0-9]//g')
    p="$2&recvWindow=60000&timestamp=$ts"
    body="$p&signature=$(sign "$p")"
    cat >"$tmp/order.lua" <<EOF
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-MBX-APIKEY"] = "$KEY"
EOF
    printf %s "$body" >"$tmp/order.body"
}
# bench_order NAME PATH PARAMS EXPECT
bench_order() {
    order_lua "$2" "$3"
    ans=$(curl -s -X POST -H "X-MBX-APIKEY: $KEY" \
        -H "Content-Type: application/x-www-form-urlencoded" \
        --data-binary "@$tmp/order.body" "$URL$2")
    case "$ans" in *"$4"*) ;; *)
        echo "bench_mock.sh: $2 answered: $ans" >&2; row "$1 (FAILED)" "0 0 0 0 0 0" "-"
        return 0 ;; esac
    : >"$tmp/m.rows"
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        order_lua "$2" "$3"
        run_wrk "$mpid" "$URL$2" "$tmp/order.lua" >>"$tmp/m.rows"
        r=$((r + 1))
    done
    row "$1" "$(median "$tmp/m.rows")" "-"
}
bench_order "POST order LIMIT IOC (signed)" /api/v3/order \
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.00100&price=30000.00&newOrderRespType=RESULT" \
    '"status":"EXPIRED"'
bench_order "POST order/test LIMIT (signed)" /api/v3/order/test \
    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.00100&price=30000.00" \
    '{}'
open_after=$(curl -s "$URL/_lotusx/state?levels=0" | grep -o '"apiKey":"lotusxTestKey' | wc -l)
rss_load=$(rss_kb "$mpid")

# ---- WebSocket fan-out ------------------------------------------------------
STREAMS="/stream?streams=btcusdt@depth@100ms/btcusdt@trade"
# ws NAME URL CLIENTS
ws() {
    if "$WSB" ws "$2$STREAMS" "$3" "$WSSECS" >"$tmp/ws.out" 2>"$tmp/ws.err"; then
        echo "$1|$3|$(cat "$tmp/ws.out")" >>"$tmp/wstable"
    else
        echo "$1|$3|FAILED $(tr '\n' ' ' <"$tmp/ws.err")" >>"$tmp/wstable"
    fi
}
: >"$tmp/wstable"
WSURL="ws://${URL#http://}"
ws "default market (period 1 s)" "$WSURL" 1
ws "default market (period 1 s)" "$WSURL" 100

write_config 10 >"$tmp/fast.json"
start_mock "$tmp/fast.json" "$tmp/fast.out"
mpid2=$pid_ FASTURL=$url
sleep 0.5
ws "fast market (period_ms 10)" "ws://${FASTURL#http://}" 1
ws "fast market (period_ms 10)" "ws://${FASTURL#http://}" 100
rss_fast=$(rss_kb "$mpid2")
kill "$mpid2" 2>/dev/null || true
wait "$mpid2" 2>/dev/null || true
mpid2=

# admin clock advance in a loop while the clients count (last: it moves
# the mock's clock, so signed requests would need a re-sync afterwards)
advance() {
    while :; do
        curl -s -o /dev/null -X POST "$URL/_lotusx/clock/advance?ms=600000" || break
    done
}
for n in 1 100; do
    advance &
    apid=$!
    ws "advance loop (600 periods a call)" "$WSURL" $n
    kill "$apid" 2>/dev/null || true
    wait "$apid" 2>/dev/null || true
done

# ---- the table ---------------------------------------------------------------
echo
echo "lotusx-mock vs nginx (1 worker), wrk -t1 -c50 keep-alive, ${SECS} s x $ROUNDS rounds (median), 127.0.0.1"
echo "wrk, nginx and the mock share the host's cores; latency p50/p99 in us;"
echo "cpu = server user+system CPU us per request; ratios = mock/nginx r/s"
echo "and nginx/mock CPU per request (both: higher is better for the mock)"
printf '%-30s %8s %6s %6s %6s | %8s %6s %6s %6s | %5s %5s\n' \
    "REST" "mock r/s" "p50" "p99" "cpu" "nginx" "p50" "p99" "cpu" "r/s" "cpu"
while IFS='|' read -r name m n rr; do
    # shellcheck disable=SC2086 # split the figures on purpose
    set -- $m
    mr=$1 mp50=$2 mp99=$3 mbad=$4 merr=$5 mcpu=$6
    if [ "$n" = "-" ]; then
        printf '%-30s %8s %6s %6s %6s | %8s %6s %6s %6s | %5s %5s\n' "$name" "$mr" "$mp50" \
            "$mp99" "$mcpu" - - - - - -
    else
        # shellcheck disable=SC2086
        set -- $n
        printf '%-30s %8s %6s %6s %6s | %8s %6s %6s %6s | %5s %5s\n' "$name" "$mr" "$mp50" \
            "$mp99" "$mcpu" "$1" "$2" "$3" "$6" \
            "$(awk -v a="$mr" -v b="$1" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
            "$(awk -v a="$6" -v b="$mcpu" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    fi
    if [ -n "$rr" ]; then
        echo "  ^ r/s ratio of each round: $rr"
    fi
    if [ "$mbad" != 0 ] || [ "$merr" != 0 ]; then
        echo "  ^ mock: $mbad non-2xx answers, $merr socket errors"
    fi
done <"$tmp/table"
echo
echo "WebSocket fan-out, btcusdt@depth@100ms + btcusdt@trade, ${WSSECS} s each"
printf '%-34s %7s %11s %11s %8s %8s\n' "market" "clients" "frames/s" "per client" "depth" "trade"
while IFS='|' read -r name n out; do
    case "$out" in
        FAILED*) printf '%-34s %7s %s\n' "$name" "$n" "$out" ;;
        *) echo "$out" | awk -v name="$name" '{
               for (i = 1; i < NF; i += 2) v[$i] = $(i + 1)
               printf "%-34s %7s %11s %11s %8s %8s\n", name, v["clients"],
                   v["frames_per_s"], v["per_client"], v["depth"], v["trade"] }' ;;
    esac
done <"$tmp/wstable"
echo "(the source limits these: @depth@100ms sends at most 10 events/s per client and"
echo " only when the book changed; the default market changes once a second; the"
echo " advance loop is bound by the mock running the skipped periods, not by fan-out)"
echo
echo "memory (VmRSS of lotusx-mock)"
echo "idle after start-up:            $rss_idle kB"
if [ -n "$rss_conn" ]; then
    echo "with $NIDLE idle keep-alive conns: $rss_conn kB, per connection $(awk -v a="$rss_conn" -v b="$rss_idle" -v n=$NIDLE 'BEGIN { printf "%.2f", (a - b) / n }') kB"
fi
echo "after the REST load:            $rss_load kB (test account's open orders: $open_after)"
echo "fast market after its WS runs:  $rss_fast kB"
