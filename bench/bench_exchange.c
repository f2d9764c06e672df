/*
 * bench_exchange.c - what one order costs through lx_exchange, each figure
 * next to a reference measured in the same run:
 *
 * 1. Codec, per call: building and signing a new-order request
 *    (lx__bn_req_new_order: query builder, HMAC-SHA256 hex) against
 *    HMAC-SHA256 alone over the same bytes; parsing the order answer the
 *    mock really sends (lx__bn_parse_order) against cJSON alone on the
 *    same bytes.
 * 2. Round trip over loopback TCP: lx_exchange_place against an
 *    in-process lotusx-mock (door, Binance spot, matching engine) listening
 *    on 127.0.0.1, ORDERS sequential placements of a resting LIMIT order
 *    (each cancelled afterwards, untimed, so the book does not grow),
 *    p50/p99/mean; next to a raw TCP echo over loopback on the same
 *    event_base (libevent bufferevents, TCP_NODELAY both ends, a payload
 *    the size of the order request), also ORDERS sequential round trips.
 *
 * 3. The market-stream path on the recorded streams: every frame of the
 *    shared Binance spot and USD-M recordings (../shared/samples, or
 *    LX_SAMPLES_DIR, as bench_book.c finds them) through what the
 *    connector runs for a market frame: lx__bn_parse_ws (JSON parse and
 *    mapping to the unified type), and for a depth diff of a watched book
 *    lx__bnx_depth_diff + lx_book_sync_diff; the recording's REST snapshot
 *    goes through lx__bn_parse_depth + lx__bnx_depth_snapshot +
 *    lx_book_sync_snapshot where it sits in the stream. Messages/s and
 *    MB/s of frame JSON, next to cJSON_ParseWithLength + cJSON_Delete
 *    alone on the same frames; median of interleaved passes. A middle
 *    row, lx__bn_parse_ws alone, shows what the book sync adds.
 *
 * Client and server share one thread and one event_base in both cases, so
 * each round trip pays both ends' work and two loop wake-ups; the ratio
 * place / echo is what the connector, HTTP and the mock add to the bare
 * socket round trip. The real clock (lx_clock_new_real) drives the
 * exchange; the mock's rate limits are off so 2 x ORDERS orders pass.
 */
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "bench_util.h"
#include "core/lx_internal.h"
#include "crypto/crypto.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "venues/binance/binance.h"
#include "venues/binance/bn_ex.h"

#define ORDERS   2000
#define SLICE_NS ((int64_t)1000000000) /* per stream case and variant */
#define PASSES   512
#define WARMUP   50
#define CODEC    20000
#define KEY      "bench-exchange-key"
#define SECRET   "bench-exchange-secret"

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};

struct bench {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    /* the mock */
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_http_server *srv;
    struct lx_secret *secret;
    struct lx_mock_limits limits;
    /* the client */
    struct lx_creds *creds;
    struct lx_exchange *ex;
    int done, err;
    char order_id[LX_ORDER_ID_LEN];
    char answer[4096]; /* the first placement's answer body */
    size_t answer_len;
    size_t request_len; /* bytes of one order request's query+body */
    /* the echo */
    struct evconnlistener *lst;
    struct bufferevent *echo_srv, *echo_cli;
    size_t want, got;
};

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_exchange: %s: %s\n", what, lx_strerror(rc));
    exit(1);
}

/* ---- the in-process mock --------------------------------------------------
 */

static void start_mock(struct bench *b)
{
    static const char *const bal[] = {"USDT", "1000000000", "BTC", "100000",
                                      NULL};
    struct lx_mock_bn_account_cfg a;
    const char *why = "";
    int rc;

    memset(&b->limits, 0, sizeof(b->limits)); /* 0: no limit */
    rc = lx_mock_door_new(&b->door, b->net, b->clock, "binance",
                          &lx_mock_bn_dialect, &b->limits);
    if (rc == LX_OK) {
        rc = lx_mock_bn_hub_new(&b->hub, b->net, b->clock, NULL);
    }
    if (rc == LX_OK) {
        lx_mock_door_set_upgrade(b->door, lx_mock_bn_hub_upgrade, b->hub);
        rc = lx_mock_bn_spot_new(&b->spot, b->clock, b->door, b->hub, &why);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_symbol(b->spot, &btc, &why);
    }
    if (rc == LX_OK) {
        rc = lx_secret_new(&b->secret, NULL, SECRET, sizeof(SECRET) - 1);
    }
    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = b->secret;
    a.maker_fee = a.taker_fee = "0.001";
    a.balances = bal;
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_account(b->spot, &a, NULL, &why);
    }
    if (rc == LX_OK) {
        rc = lx_http_server_new(&b->srv, b->net, lx_mock_door_handle, b->door);
    }
    if (rc == LX_OK) {
        rc = lx_http_server_listen(b->srv, "127.0.0.1", 0, NULL);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "bench_exchange: mock: %s\n", why);
        die("mock", rc);
    }
}

static void start_client(struct bench *b)
{
    struct lx_exchange_opts *o = NULL;
    char url[64];
    int rc;

    (void)lx__snprintf(url, sizeof(url), "http://127.0.0.1:%u",
                       (unsigned)lx_http_server_port(b->srv));
    rc = lx_creds_new(&b->creds, NULL, "binance-spot");
    if (rc == LX_OK) {
        rc = lx_creds_set(b->creds, LX_CRED_API_KEY, KEY, sizeof(KEY) - 1);
    }
    if (rc == LX_OK) {
        rc = lx_creds_set(b->creds, LX_CRED_API_SECRET, SECRET,
                          sizeof(SECRET) - 1);
    }
    if (rc == LX_OK) {
        rc = lx_exchange_opts_new(&o);
    }
    if (rc == LX_OK) {
        rc = lx_exchange_opts_set_urls(o, url, NULL);
    }
    if (rc == LX_OK) {
        lx_exchange_opts_set_creds(o, b->creds);
        lx_exchange_opts_set_rate_limit(o, -1);
        rc = lx_exchange_new(&b->ex, b->net, "binance-spot", o);
    }
    lx_exchange_opts_free(o);
    if (rc != LX_OK) {
        die("client", rc);
    }
}

/* ---- placing --------------------------------------------------------------
 */

static void on_result(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct bench *b = ud;

    (void)ex;
    b->done = 1;
    b->err = r->err;
    if (r->err != LX_OK) {
        fprintf(stderr, "bench_exchange: call failed: %s\n", r->errmsg);
        return;
    }
    if (r->norders > 0) {
        memcpy(b->order_id, r->orders[0].order_id, sizeof(b->order_id));
    }
    if (b->answer_len == 0 && r->body_len < sizeof(b->answer)) {
        memcpy(b->answer, r->body, r->body_len);
        b->answer_len = r->body_len;
    }
}

static struct lx_order_req order(void)
{
    struct lx_order_req o;

    memset(&o, 0, sizeof(o));
    (void)lx__snprintf(o.symbol, sizeof(o.symbol), "BTCUSDT");
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_price = o.has_qty = true;
    o.price = lx_decimal_from_i64(5000000, 2); /* 50000.00, far below */
    o.qty = lx_decimal_from_i64(100, 5);       /* 0.00100 */
    return o;
}

static void wait_done(struct bench *b, int rc, const char *what)
{
    if (rc != LX_OK) {
        die(what, rc);
    }
    b->done = 0;
    rc = lx_exchange_run(b->ex, &b->done, 10 * LX_SEC);
    if (rc != LX_OK || b->err != LX_OK) {
        die(what, rc != LX_OK ? rc : b->err);
    }
}

/* One timed placement and its untimed cancel; returns the ns it took. */
static int64_t place_once(struct bench *b)
{
    struct lx_order_req o = order();
    int64_t t0, t1;

    t0 = bench_now_ns();
    wait_done(b, lx_exchange_place(b->ex, &o, on_result, b), "place");
    t1 = bench_now_ns();
    wait_done(
        b,
        lx_exchange_cancel(b->ex, "BTCUSDT", b->order_id, NULL, on_result, b),
        "cancel");
    return t1 - t0;
}

/* ---- the raw TCP echo -----------------------------------------------------
 */

static void nodelay(struct bufferevent *bev)
{
    int one = 1;

    (void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
                     sizeof(one));
}

static void echo_read(struct bufferevent *bev, void *ud)
{
    (void)ud;
    (void)bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int len, void *ud)
{
    struct bench *b = ud;

    (void)l;
    (void)sa;
    (void)len;
    b->echo_srv = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (b->echo_srv == NULL) {
        die("echo accept", LX_ERR_NOMEM);
    }
    nodelay(b->echo_srv);
    bufferevent_setcb(b->echo_srv, echo_read, NULL, NULL, b);
    (void)bufferevent_enable(b->echo_srv, EV_READ | EV_WRITE);
    (void)event_base_loopbreak(b->base);
}

static void client_read(struct bufferevent *bev, void *ud)
{
    struct bench *b = ud;
    struct evbuffer *in = bufferevent_get_input(bev);

    b->got += evbuffer_get_length(in);
    (void)evbuffer_drain(in, evbuffer_get_length(in));
    if (b->got >= b->want) {
        (void)event_base_loopbreak(b->base);
    }
}

static void start_echo(struct bench *b)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b->lst = evconnlistener_new_bind(b->base, on_accept, b,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                     16, (struct sockaddr *)&sin, sizeof(sin));
    if (b->lst == NULL || getsockname(evconnlistener_get_fd(b->lst),
                                      (struct sockaddr *)&sin, &sl) != 0) {
        die("echo listen", LX_ERR_IO);
    }
    b->echo_cli = bufferevent_socket_new(b->base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (b->echo_cli == NULL ||
        bufferevent_socket_connect(b->echo_cli, (struct sockaddr *)&sin,
                                   sizeof(sin)) != 0) {
        die("echo connect", LX_ERR_IO);
    }
    nodelay(b->echo_cli);
    bufferevent_setcb(b->echo_cli, client_read, NULL, NULL, b);
    (void)bufferevent_enable(b->echo_cli, EV_READ | EV_WRITE);
    (void)event_base_dispatch(b->base); /* until accepted */
}

static int64_t echo_once(struct bench *b, const char *payload, size_t n)
{
    int64_t t0 = bench_now_ns();

    b->got = 0;
    b->want = n;
    (void)bufferevent_write(b->echo_cli, payload, n);
    while (b->got < b->want) {
        (void)event_base_loop(b->base, EVLOOP_ONCE);
    }
    return bench_now_ns() - t0;
}

/* ---- the codec ------------------------------------------------------------
 */

static double per_op(int64_t ns, long n)
{
    return (double)ns / (double)n;
}

static void row(const char *what, double ns, const char *ref, double ref_ns)
{
    printf("%-30s %10.0f ns   %-26s %10.0f ns  %6.2fx\n", what, ns, ref, ref_ns,
           ns / ref_ns);
}

/* Build + sign (ns per call); *len gets the signed request's size. */
static double codec_build(struct lx_bn_signer *s, size_t *len)
{
    struct lx_order_req o = order();
    struct lx_bn_request r;
    struct lx_buf_part part;
    char hex[LX_HMAC_SHA256_HEX_LEN];
    int64_t t0, t1, t2;
    long i;

    t0 = bench_now_ns();
    for (i = 0; i < CODEC; i++) {
        int rc = lx__bn_req_new_order(s, &o, 1767225600000LL + i, &r);
        if (rc != LX_OK) {
            die("build", rc);
        }
    }
    t1 = bench_now_ns();
    part.p = r.body;
    part.len = strlen(r.body);
    *len = strlen(r.query) + part.len;
    for (i = 0; i < CODEC; i++) {
        if (lx__hmac_sha256_hex(s->secret, &part, 1, hex) != LX_OK) {
            die("hmac", LX_ERR_INTERNAL);
        }
    }
    t2 = bench_now_ns();
    row("sign+build new order", per_op(t1 - t0, CODEC), "HMAC-SHA256 hex alone",
        per_op(t2 - t1, CODEC));
    return per_op(t1 - t0, CODEC);
}

/* Parse the mock's own answer (ns per call). */
static double codec_parse(const struct bench *b, struct lx_arena *a)
{
    struct lx_order o;
    int64_t t0, t1, t2;
    long i;

    t0 = bench_now_ns();
    for (i = 0; i < CODEC; i++) {
        int rc = lx__bn_parse_order(LX_BN_SPOT, b->answer, b->answer_len, a, &o,
                                    NULL);
        if (rc != LX_OK) {
            die("parse", rc);
        }
        lx_arena_reset(a);
    }
    t1 = bench_now_ns();
    for (i = 0; i < CODEC; i++) {
        cJSON_Delete(cJSON_ParseWithLength(b->answer, b->answer_len));
    }
    t2 = bench_now_ns();
    row("parse order answer", per_op(t1 - t0, CODEC), "cJSON parse alone",
        per_op(t2 - t1, CODEC));
    return per_op(t1 - t0, CODEC);
}

/* The codec rows; returns build + parse in ns. */
static double bench_codec(struct bench *b)
{
    struct lx_bn_signer s;
    struct lx_arena *a = NULL;
    double build, parse;

    memset(&s, 0, sizeof(s));
    s.market = LX_BN_SPOT;
    s.api_key = lx_creds_get(b->creds, LX_CRED_API_KEY);
    s.secret = lx_creds_get(b->creds, LX_CRED_API_SECRET);
    if (lx_arena_new(&a, NULL, 0) != LX_OK) {
        die("arena", LX_ERR_NOMEM);
    }
    bench_header("Codec per order call (lower is better; ratio = ours / "
                 "reference)",
                 "operation                        ours          reference     "
                 "                  ref       ratio");
    build = codec_build(&s, &b->request_len);
    parse = codec_parse(b, a);
    printf("(order answer parsed: %zu bytes, as the mock sent it)\n",
           b->answer_len);
    lx_arena_free(a);
    return build + parse;
}

/* ---- round trips ----------------------------------------------------------
 */

static void stats(int64_t *v, size_t n, double out[3])
{
    double sum = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        sum += (double)v[i];
    }
    out[0] = (double)bench_percentile(v, n, 50, 0) / 1000.0;
    out[1] = (double)bench_percentile(v, n, 99, 1) / 1000.0;
    out[2] = sum / (double)n / 1000.0;
}

static void bench_round_trips(struct bench *b, double echo[3], double place[3])
{
    static int64_t te[ORDERS], tp[ORDERS];
    char payload[2048];
    size_t i, n;

    for (i = 0; i < WARMUP; i++) {
        (void)place_once(b); /* connection up, caches warm */
    }
    /* The echo payload: as long as one order request's parameters plus a
     * typical header block (~200 bytes), at most the buffer. */
    n = b->request_len + 200 < sizeof(payload) ? b->request_len + 200
                                               : sizeof(payload);
    memset(payload, 'x', sizeof(payload));
    for (i = 0; i < WARMUP; i++) {
        (void)echo_once(b, payload, n);
    }
    /* Interleaved, so both see the same machine load. */
    for (i = 0; i < ORDERS; i++) {
        te[i] = echo_once(b, payload, n);
        tp[i] = place_once(b);
    }
    stats(te, ORDERS, echo);
    stats(tp, ORDERS, place);
    printf("(echo payload %zu bytes each way)\n", n);
}

/* ---- the market-stream path ----------------------------------------------
 */

/* A recording: one "<local ns> <json>" line per frame, JSON kept. */
struct frames {
    char *buf;
    const char **json;
    size_t *len;
    bool *snapshot; /* the REST depth answer, not a stream frame */
    size_t n, bytes;
};

static bool load_frames(struct frames *fr, const char *rel)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024];
    FILE *fp;
    long size;
    size_t cap = 0, got = 0;
    char *line, *end;

    memset(fr, 0, sizeof(*fr));
    (void)lx__snprintf(path, sizeof(path), "%s/%s",
                       dir != NULL ? dir : LX_SAMPLES_DEFAULT, rel);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        return false;
    }
    if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) > 0 &&
        fseek(fp, 0, SEEK_SET) == 0 &&
        (fr->buf = lx__malloc(NULL, (size_t)size + 1)) != NULL) {
        got = fread(fr->buf, 1, (size_t)size, fp);
        fr->buf[got] = '\0';
    }
    fclose(fp);
    for (line = fr->buf; line != NULL && line < fr->buf + got; line = end + 1) {
        end = strchr(line, '\n');
        end = end != NULL ? end : fr->buf + got;
        *end = '\0';
        line = strchr(line, ' ');
        if (line == NULL || line + 1 >= end) {
            continue;
        }
        if (fr->n == cap) {
            cap = cap != 0 ? cap * 2 : 4096;
            fr->json = lx__realloc(NULL, fr->json, cap * sizeof(*fr->json));
            fr->len = lx__realloc(NULL, fr->len, cap * sizeof(*fr->len));
            fr->snapshot =
                lx__realloc(NULL, fr->snapshot, cap * sizeof(*fr->snapshot));
            if (fr->json == NULL || fr->len == NULL || fr->snapshot == NULL) {
                die("frames", LX_ERR_NOMEM);
            }
        }
        fr->json[fr->n] = line + 1;
        fr->len[fr->n] = (size_t)(end - line - 1);
        fr->snapshot[fr->n] = strncmp(line + 1, "{\"lastUpdateId\"", 15) == 0;
        fr->bytes += fr->len[fr->n++];
    }
    return fr->n > 0;
}

static void free_frames(struct frames *fr)
{
    lx__free(NULL, fr->buf);
    lx__free(NULL, fr->json);
    lx__free(NULL, fr->len);
    lx__free(NULL, fr->snapshot);
}

struct path_state {
    enum lx_bn_market market;
    struct lx_arena *arena;
    struct lx_book_sync *sync;
    struct lx_bn_msg msg;
    bool book; /* false: parse only, to show what the book sync adds */
    size_t diffs, other, refused; /* of the last pass */
};

/* The REST snapshot, as snapshot_cb in bn_ex_stream.c takes it. */
static void path_snapshot(struct path_state *ps, const char *json, size_t n)
{
    struct lx_depth d;
    struct lx_book_snapshot snap;
    int rc = lx__bn_parse_depth(json, n, ps->arena, &d, NULL);

    if (rc == LX_OK) {
        rc = lx__bnx_depth_snapshot(&d, ps->arena, &snap);
    }
    if (rc == LX_OK) {
        rc = lx_book_sync_snapshot(ps->sync, &snap);
    }
    if (rc != LX_OK && rc != LX_ERR_AGAIN) {
        die("snapshot", rc);
    }
}

/* One timed pass of every frame through the connector's path. */
static int64_t path_pass(struct path_state *ps, const struct frames *fr)
{
    struct lx_book_diff diff;
    int64_t t0;
    size_t i;
    int rc;

    lx_book_sync_reset(ps->sync);
    ps->diffs = ps->other = ps->refused = 0;
    t0 = bench_now_ns();
    for (i = 0; i < fr->n; i++) {
        if (fr->snapshot[i]) {
            if (ps->book) {
                path_snapshot(ps, fr->json[i], fr->len[i]);
            }
        } else if ((rc = lx__bn_parse_ws(ps->market, fr->json[i], fr->len[i],
                                         ps->arena, &ps->msg, NULL)) != LX_OK) {
            die("parse frame", rc);
        } else if (ps->msg.kind == LX_BN_MSG_DEPTH && ps->book) {
            rc = lx__bnx_depth_diff(&ps->msg.u.depth, ps->arena, &diff);
            if (rc == LX_OK) {
                rc = lx_book_sync_diff(ps->sync, &diff, NULL);
            }
            ps->diffs++;
            ps->refused += rc != LX_OK;
        } else {
            ps->other++;
        }
        lx_arena_reset(ps->arena);
    }
    return bench_now_ns() - t0;
}

static volatile size_t sink;

/* The reference: cJSON parse + delete of the same frames. */
static int64_t cjson_pass(const struct frames *fr)
{
    int64_t t0 = bench_now_ns();
    size_t i;

    for (i = 0; i < fr->n; i++) {
        cJSON *root = cJSON_ParseWithLength(fr->json[i], fr->len[i]);

        sink += root != NULL;
        cJSON_Delete(root);
    }
    return bench_now_ns() - t0;
}

static void path_row(const char *what, const struct frames *fr, int64_t ns,
                     int64_t ref_ns)
{
    double s = (double)ns / 1e9;

    printf("%-30s %8.0f %10.0f %8.1f %9.2f\n", what, (double)ns / (double)fr->n,
           (double)fr->n / s, (double)fr->bytes / 1e6 / s,
           (double)ns / (double)ref_ns);
}

static void bench_path_file(const char *title, const char *rel,
                            enum lx_bn_market m)
{
    static int64_t t[3][PASSES];
    struct path_state *ps = lx__calloc(NULL, 1, sizeof(*ps));
    struct lx_book_sync_stats st;
    struct frames fr;
    int64_t spent = 0;
    size_t n = 0;

    if (!load_frames(&fr, rel)) {
        printf("\n%s: %s not found, skipped\n", title, rel);
        lx__free(NULL, ps);
        free_frames(&fr);
        return;
    }
    if (ps == NULL || lx_arena_new(&ps->arena, NULL, 0) != LX_OK ||
        lx_book_sync_new(&ps->sync, NULL,
                         m == LX_BN_SPOT ? LX_BOOK_RULES_BINANCE_SPOT
                                         : LX_BOOK_RULES_BINANCE_USDM,
                         NULL) != LX_OK) {
        die("path setup", LX_ERR_NOMEM);
    }
    ps->market = m;
    /* Interleaved passes, so load on the shared machine hits both. */
    while ((spent < 3 * SLICE_NS || n < 3) && n < PASSES) {
        ps->book = false;
        t[2][n] = path_pass(ps, &fr);
        t[1][n] = cjson_pass(&fr);
        ps->book = true;
        t[0][n] = path_pass(ps, &fr); /* last: its book is printed */
        spent += t[0][n] + t[1][n] + t[2][n];
        n++;
    }
    lx_book_sync_get_stats(ps->sync, &st);
    printf("\n%s: %zu frames (%zu depth diffs, %zu others, 1 REST "
           "snapshot), %.2f MB of JSON, %zu passes\n",
           title, fr.n, ps->diffs, ps->other, (double)fr.bytes / 1e6, n);
    printf("book at the end: %s, %zu bids, %zu asks; diffs refused %zu\n",
           lx_book_sync_state_name(lx_book_sync_state(ps->sync)),
           lx_book_depth(lx_book_sync_book(ps->sync), LX_BOOK_BID),
           lx_book_depth(lx_book_sync_book(ps->sync), LX_BOOK_ASK),
           ps->refused);
    {
        int64_t ours = bench_percentile(t[0], n, 50, 0);
        int64_t ref = bench_percentile(t[1], n, 50, 0);
        printf("path                             ns/msg      msgs/s     MB/s "
               "    ratio\n");
        path_row("parse_ws + book sync (ours)", &fr, ours, ref);
        path_row("  parse_ws alone", &fr, bench_percentile(t[2], n, 50, 0),
                 ref);
        path_row("cJSON parse+delete (ref)", &fr, ref, ref);
    }
    lx_book_sync_free(ps->sync);
    lx_arena_free(ps->arena);
    lx__free(NULL, ps);
    free_frames(&fr);
}

static void bench_market_path(void)
{
    printf("\nMarket-stream path on the recorded streams (median of "
           "interleaved passes; ratio = time over cJSON alone's)\n");
    bench_path_file("Binance spot BTCUSDT (depth@100ms, trade, bookTicker)",
                    "binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
                    LX_BN_SPOT);
    bench_path_file("Binance USD-M BTCUSDT (depth@0ms, trade, bookTicker)",
                    "binance-usdm/hftbacktest/btcusdt_20240718.txt",
                    LX_BN_USDM);
}

static void free_all(struct bench *b)
{
    lx_exchange_free(b->ex);
    lx_creds_free(b->creds);
    lx_http_server_free(b->srv);
    lx_mock_bn_spot_free(b->spot);
    lx_mock_bn_hub_free(b->hub);
    lx_mock_door_free(b->door);
    lx_secret_free(b->secret);
    if (b->echo_cli != NULL) {
        bufferevent_free(b->echo_cli);
    }
    if (b->echo_srv != NULL) {
        bufferevent_free(b->echo_srv);
    }
    if (b->lst != NULL) {
        evconnlistener_free(b->lst);
    }
    lx_net_free(b->net);
    lx_clock_free(b->clock);
    event_base_free(b->base);
}

static void print_trips(const double echo[3], const double place[3],
                        double codec_ns)
{
    printf("\nOrder round trip over loopback TCP, one thread (N=%d "
           "sequential; ratio = place / echo)\n",
           ORDERS);
    printf("measure                          p50 us      p99 us     mean us\n");
    printf("%-30s %10.1f  %10.1f  %10.1f\n", "raw TCP echo", echo[0], echo[1],
           echo[2]);
    printf("%-30s %10.1f  %10.1f  %10.1f\n", "lx_exchange_place + mock",
           place[0], place[1], place[2]);
    printf("%-30s %9.2fx  %9.2fx  %9.2fx\n", "ratio", place[0] / echo[0],
           place[1] / echo[1], place[2] / echo[2]);
    printf("%-30s %10.1f us = %.1f%% of the place p50\n", "codec build+parse",
           codec_ns / 1000.0, codec_ns / 10.0 / place[0]);
}

int main(void)
{
    static struct bench b;
    double echo[3], place[3], codec;
    int rc;

    b.base = event_base_new();
    if (b.base == NULL) {
        die("event_base", LX_ERR_NOMEM);
    }
    rc = lx_clock_new_real(&b.clock, NULL, b.base);
    if (rc == LX_OK) {
        rc = lx_net_new(&b.net, NULL, b.base, b.clock);
    }
    if (rc != LX_OK) {
        die("setup", rc);
    }
    bench_market_path();
    start_mock(&b);
    start_client(&b);
    start_echo(&b);
    (void)place_once(&b); /* keeps the mock's answer for the codec rows */
    codec = bench_codec(&b);
    bench_round_trips(&b, echo, place);
    print_trips(echo, place, codec);
    free_all(&b);
    return 0;
}
