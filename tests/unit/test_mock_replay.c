/*
 * test_mock_replay.c - lotusx-mock --replay in process: a capture written
 * here with the writer API (two recorded WebSocket connections, one raw and
 * one combined, a recorded close, HTTP exchanges) is served over the
 * in-memory transport on a virtual clock to the real WebSocket and HTTP
 * clients. Checks stream selection, wrapping, pacing by speed, the time
 * range, recorded closes, determinism, REST matching and its 404s. A
 * second capture records a disconnect and the recorder's reconnect: the
 * client is closed at the recorded close and, reconnecting, gets the later
 * connection's frames. The admin API (clock freeze / advance / resume /
 * speed, reset) is driven over the in-memory HTTP client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "mock/replay/replay.h"
#include "lx_test.h"

#define SEC    ((int64_t)1000000000)
#define MS     ((int64_t)1000000)
#define T0     ((int64_t)1700000000 * SEC)
#define MAXMSG 32

static char cap_path[300];
static char cap2_path[300]; /* the reconnect capture */

/* ---- the capture --------------------------------------------------------- */

static void emit(struct lx_capture_writer *w, struct lx_tap_event *ev,
                 int64_t at_ms)
{
    static uint64_t seq;

    ev->seq = seq++;
    ev->wall_ns = T0 + at_ms * MS;
    ev->mono_ns = at_ms * MS;
    assert_int_equal(lx_capture_writer_write(w, ev), LX_OK);
}

static void rec_open(struct lx_capture_writer *w, uint64_t conn,
                     const char *url, int64_t at)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_OPEN;
    ev.dir = LX_TAP_OUT;
    ev.conn_id = conn;
    ev.url = url;
    ev.transport = "tls";
    emit(w, &ev, at);
}

static void rec_frame(struct lx_capture_writer *w, uint64_t conn, int dir,
                      const char *text, int64_t at)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_WS_FRAME;
    ev.dir = dir;
    ev.conn_id = conn;
    ev.ws_opcode = LX_WS_TEXT;
    ev.payload = (const uint8_t *)text;
    ev.len = strlen(text);
    emit(w, &ev, at);
}

static void rec_close(struct lx_capture_writer *w, uint64_t conn, int64_t at)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_CLOSE;
    ev.conn_id = conn;
    ev.reason = "server closed";
    emit(w, &ev, at);
}

static void rec_http(struct lx_capture_writer *w, uint64_t conn,
                     const char *method, const char *target, int status,
                     const char *body, int64_t at)
{
    struct lx_http_msg *q = NULL, *a = NULL;
    struct lx_tap_event ev;

    assert_int_equal(lx_http_msg_new_request(&q, NULL, method, target), LX_OK);
    assert_int_equal(lx_http_msg_new_response(&a, NULL, status, NULL), LX_OK);
    assert_int_equal(
        lx_http_msg_add_header(a, "Content-Type", "application/json"), LX_OK);
    assert_int_equal(lx_http_msg_add_header(a, "X-MBX-USED-WEIGHT-1M", "7"),
                     LX_OK);
    assert_int_equal(lx_http_msg_set_body(a, body, strlen(body)), LX_OK);
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_HTTP;
    ev.conn_id = conn;
    ev.dir = LX_TAP_OUT;
    ev.http = q;
    emit(w, &ev, at);
    ev.dir = LX_TAP_IN;
    ev.http = a;
    emit(w, &ev, at + 1);
    lx_http_msg_free(q);
    lx_http_msg_free(a);
}

/*
 * conn 1: raw btcusdt@trade, 3 trades at 0, 100, 300 ms, closed at 400.
 * conn 2: combined, subscribes ethusdt@depth and btcusdt@trade (already
 * owned by conn 1), frames at 50, 100 (a copy), 150 ms, an untagged depth
 * snapshot at 160 ms.
 */
static int group_setup(void **state)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_writer *w = NULL;
    const char *base = getenv("TMPDIR");

    (void)state;
    lx__snprintf(cap_path, sizeof(cap_path), "%s/test_mock_replay.%ld.lxcap",
                 base != NULL ? base : "/tmp", (long)getpid());
    unlink(cap_path);
    assert_int_equal(lx_capture_wopts_new(&o, NULL), LX_OK);
    assert_int_equal(lx_capture_writer_open(&w, NULL, cap_path, o, NULL),
                     LX_OK);
    lx_capture_wopts_free(o);
    rec_open(w, 1, "wss://stream.binance.com:9443/ws/btcusdt@trade", 0);
    rec_frame(w, 1, LX_TAP_IN, "{\"e\":\"trade\",\"t\":1}", 0);
    rec_open(w, 2, "wss://stream.binance.com:9443/stream", 10);
    rec_frame(w, 2, LX_TAP_OUT,
              "{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@depth\","
              "\"btcusdt@trade\"],\"id\":1}",
              20);
    rec_frame(w, 2, LX_TAP_IN, "{\"result\":null,\"id\":1}", 30);
    rec_frame(w, 2, LX_TAP_IN,
              "{\"stream\":\"ethusdt@depth\",\"data\":{\"u\":5}}", 50);
    rec_frame(w, 1, LX_TAP_IN, "{\"e\":\"trade\",\"t\":2}", 100);
    rec_frame(w, 2, LX_TAP_IN,
              "{\"stream\":\"btcusdt@trade\",\"data\":{\"t\":2}}", 100);
    rec_frame(w, 2, LX_TAP_IN,
              "{\"stream\":\"ethusdt@depth\",\"data\":{\"u\":6}}", 150);
    /* untagged on a two-stream connection: a depth snapshot by its kind */
    rec_frame(w, 2, LX_TAP_IN, "{\"lastUpdateId\":9}", 160);
    rec_http(w, 3, "GET", "/api/v3/depth?symbol=BTCUSDT&limit=5", 200,
             "{\"lastUpdateId\":1}", 200);
    rec_http(w, 3, "GET", "/api/v3/depth?limit=5&symbol=BTCUSDT", 200,
             "{\"lastUpdateId\":2}", 210);
    rec_http(w, 3, "POST",
             "/api/v3/order?symbol=BTCUSDT&side=BUY&timestamp=1&signature=ab",
             400, "{\"code\":-2010}", 220);
    rec_frame(w, 1, LX_TAP_IN, "{\"e\":\"trade\",\"t\":3}", 300);
    rec_close(w, 1, 400);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
    return 0;
}

#define RC_URL                                                                 \
    "wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/"        \
    "btcusdt@trade"
#define D(u)  "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"u\":" #u "}}"
#define TR(t) "{\"stream\":\"btcusdt@trade\",\"data\":{\"t\":" #t "}}"

/*
 * The reconnect capture. conn 11 (combined depth + trade): depth u=1 at 0,
 * trade 1 at 50, u=2 at 100, u=3 at 200 ms, closed at 250. conn 12, the
 * recorder's reconnect with the same URL, opened at 400: u=10 at 500 (the
 * gap: u 4..9 were never recorded), trade 9 at 550, u=11 at 600, u=12 at
 * 700. conn 13, raw ethusdt@bookTicker, frames at 0 and 300 ms, never
 * closed. conn 14 carries btcusdt@trade too while conn 12 does (a
 * duplicate, frame at 550 not sent) and is closed at 650 without effect.
 * conn 15, raw xrpusdt@trade, frames at 0 and 100 ms, closed at 150 and
 * never recorded again.
 */
static void write_reconnect_capture(void)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_writer *w = NULL;
    const char *base = getenv("TMPDIR");

    lx__snprintf(cap2_path, sizeof(cap2_path),
                 "%s/test_mock_replay_rc.%ld.lxcap",
                 base != NULL ? base : "/tmp", (long)getpid());
    unlink(cap2_path);
    assert_int_equal(lx_capture_wopts_new(&o, NULL), LX_OK);
    assert_int_equal(lx_capture_writer_open(&w, NULL, cap2_path, o, NULL),
                     LX_OK);
    lx_capture_wopts_free(o);
    rec_open(w, 11, RC_URL, 0);
    rec_open(w, 13, "wss://stream.binance.com:9443/ws/ethusdt@bookTicker", 0);
    rec_open(w, 15, "wss://stream.binance.com:9443/ws/xrpusdt@trade", 0);
    rec_frame(w, 15, LX_TAP_IN, "{\"t\":71}", 0);
    rec_frame(w, 11, LX_TAP_IN, D(1), 0);
    rec_frame(w, 13, LX_TAP_IN, "{\"u\":100,\"s\":\"ETHUSDT\"}", 0);
    rec_frame(w, 11, LX_TAP_IN, TR(1), 50);
    rec_frame(w, 11, LX_TAP_IN, D(2), 100);
    rec_frame(w, 15, LX_TAP_IN, "{\"t\":72}", 100);
    rec_close(w, 15, 150);
    rec_frame(w, 11, LX_TAP_IN, D(3), 200);
    rec_close(w, 11, 250);
    rec_frame(w, 13, LX_TAP_IN, "{\"u\":101,\"s\":\"ETHUSDT\"}", 300);
    rec_open(w, 12, RC_URL, 400);
    rec_open(w, 14, "wss://stream.binance.com:9443/ws/btcusdt@trade", 450);
    rec_frame(w, 12, LX_TAP_IN, D(10), 500);
    rec_frame(w, 12, LX_TAP_IN, TR(9), 550);
    rec_frame(w, 14, LX_TAP_IN, "{\"t\":9,\"dup\":1}", 550);
    rec_frame(w, 12, LX_TAP_IN, D(11), 600);
    rec_close(w, 14, 650);
    rec_frame(w, 12, LX_TAP_IN, D(12), 700);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
}

static int group_setup_all(void **state)
{
    group_setup(state);
    write_reconnect_capture();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(cap_path);
    unlink(cap2_path);
    return 0;
}

/* ---- the fixture --------------------------------------------------------- */

struct client {
    struct lx_ws *ws;
    int closed, close_code, nmsg;
    char msg[MAXMSG][256];
    int64_t at[MAXMSG]; /* mono ms of arrival */
    struct fx *f;
};

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_http_client *cli;
    struct lx_mock_replay *rp;
    struct client c[3];
    int status;
    char body[2048];
    char weight[16];
};

static void start_cap(struct fx *f, const char *path, const char *speed,
                      const char *from, int paused)
{
    struct lx_mock_replay_opts o;
    char err[256];

    lx_mock_replay_opts_init(&o);
    o.mem = lx_test_mem(); /* a leak fails the test */
    o.paused = paused;
    assert_int_equal(lx_mock_replay_parse_speed(speed, &o.speed_milli), LX_OK);
    if (from != NULL) {
        assert_int_equal(lx_mock_replay_parse_time(from, &o.from_wall_ns),
                         LX_OK);
    }
    assert_int_equal(lx_mock_replay_new(&f->rp, f->net, f->clock, path, &o, err,
                                        sizeof(err)),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_replay_handle, f->rp),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
}

static void start(struct fx *f, const char *speed, const char *from)
{
    start_cap(f, cap_path, speed, from, 0);
}

/*
 * Frees the clients, the server and the replay inside the test: CMocka
 * checks a test's own allocations (the replay's, via lx_test_mem) when the
 * test function returns, before teardown.
 */
static void finish(struct fx *f)
{
    int i;

    for (i = 0; i < 3; i++) {
        lx_ws_free(f->c[i].ws);
        f->c[i].ws = NULL;
    }
    lx_http_server_free(f->srv);
    lx_mock_replay_free(f->rp);
    f->srv = NULL;
    f->rp = NULL;
}

static int setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0 + SEC),
                     LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    f->c[0].f = f;
    f->c[1].f = f;
    f->c[2].f = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_ws_free(f->c[0].ws);
    lx_ws_free(f->c[1].ws);
    lx_ws_free(f->c[2].ws);
    lx_http_client_free(f->cli);
    lx_http_server_free(f->srv);
    lx_mock_replay_free(f->rp);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

static void on_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct client *c = ud;

    (void)ws;
    (void)opcode;
    assert_true(c->nmsg < MAXMSG);
    c->at[c->nmsg] = lx_clock_mono_ns(c->f->clock) / MS;
    lx__snprintf(c->msg[c->nmsg++], sizeof(c->msg[0]), "%.*s", (int)len,
                 (const char *)data);
}

static void on_close(struct lx_ws *ws, int err, int code, const char *reason,
                     void *ud)
{
    struct client *c = ud;

    (void)ws;
    (void)err;
    (void)reason;
    c->closed++;
    c->close_code = code;
}

static void settle(struct fx *f)
{
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
}

static void run_ms(struct fx *f, int64_t ms)
{
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + ms * MS), LX_OK);
}

static void connect_to(struct fx *f, int i, const char *path)
{
    static const struct lx_ws_cbs cbs = {NULL, on_message, NULL, NULL,
                                         on_close};
    char url[256];

    lx__snprintf(url, sizeof(url), "ws://stream.binance.com:9443%s", path);
    assert_int_equal(
        lx_ws_connect(&f->c[i].ws, f->net, url, NULL, &cbs, &f->c[i]), LX_OK);
    settle(f);
}

static void say(struct fx *f, int i, const char *text)
{
    assert_int_equal(lx_ws_send_text(f->c[i].ws, text, strlen(text)), LX_OK);
    settle(f);
}

/* ---- WebSocket ------------------------------------------------------------
 */

static void test_raw_stream_paced(void **state)
{
    struct fx *f = *state;
    int64_t t;

    start(f, "1", NULL);
    t = lx_clock_mono_ns(f->clock) / MS;
    connect_to(f, 0, "/ws/btcusdt@trade");
    run_ms(f, 1000);
    /* conn 1 owns btcusdt@trade: its three trades, at their offsets */
    assert_int_equal(f->c[0].nmsg, 3);
    assert_string_equal(f->c[0].msg[0], "{\"e\":\"trade\",\"t\":1}");
    assert_string_equal(f->c[0].msg[2], "{\"e\":\"trade\",\"t\":3}");
    assert_int_equal(f->c[0].at[1] - f->c[0].at[0], 100);
    assert_int_equal(f->c[0].at[2] - f->c[0].at[0], 300);
    assert_true(f->c[0].at[0] - t <= 1);
    /* the recorded close at 400 ms */
    assert_int_equal(f->c[0].closed, 1);
    assert_int_equal(f->c[0].close_code, 1001);
    /* the stream goes on, after the close, on conn 2 (which subscribed it
     * too and recorded no trade after 400 ms): a client that comes back
     * resumes there, so gets nothing and is not closed */
    connect_to(f, 1, "/ws/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[1].nmsg, 0);
    assert_int_equal(f->c[1].closed, 0);
    finish(f);
}

static void test_speed(void **state)
{
    struct fx *f = *state;

    start(f, "2", NULL);
    connect_to(f, 0, "/ws/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 3);
    assert_int_equal(f->c[0].at[2] - f->c[0].at[0], 150);
    finish(f);
}

static void test_combined_and_subscribe(void **state)
{
    struct fx *f = *state;

    start(f, "0", NULL);
    /* combined: the recorded wrapped frames as they are, the raw trade
     * frames wrapped */
    connect_to(f, 0, "/stream?streams=ethusdt@depth/btcusdt@trade");
    /* raw /ws then SUBSCRIBE: unwrapped depth, reply to the SUBSCRIBE */
    connect_to(f, 1, "/ws");
    say(f, 1,
        "{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@depth\"],"
        "\"id\":7}");
    run_ms(f, 10);
    assert_int_equal(f->c[0].nmsg, 6);
    assert_string_equal(f->c[0].msg[4], "{\"lastUpdateId\":9}");
    assert_string_equal(f->c[0].msg[0],
                        "{\"stream\":\"btcusdt@trade\",\"data\":"
                        "{\"e\":\"trade\",\"t\":1}}");
    assert_string_equal(f->c[0].msg[1],
                        "{\"stream\":\"ethusdt@depth\",\"data\":{\"u\":5}}");
    /* conn 2's copy of btcusdt@trade is not sent: conn 1 owns it */
    assert_string_equal(f->c[0].msg[2],
                        "{\"stream\":\"btcusdt@trade\",\"data\":"
                        "{\"e\":\"trade\",\"t\":2}}");
    assert_int_equal(f->c[1].nmsg, 4);
    assert_string_equal(f->c[1].msg[0], "{\"result\":null,\"id\":7}");
    assert_string_equal(f->c[1].msg[1], "{\"u\":5}");
    assert_string_equal(f->c[1].msg[2], "{\"u\":6}");
    assert_string_equal(f->c[1].msg[3], "{\"lastUpdateId\":9}");
    /* only the btcusdt@trade client is closed by conn 1's close */
    assert_int_equal(f->c[0].closed, 1);
    assert_int_equal(f->c[1].closed, 0);
    say(f, 1, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":8}");
    assert_string_equal(f->c[1].msg[4],
                        "{\"result\":[\"ethusdt@depth\"],\"id\":8}");
    finish(f);
}

static void test_from(void **state)
{
    struct fx *f = *state;
    char from[32];

    lx__snprintf(from, sizeof(from), "%lld", (long long)((T0 + 100 * MS) / MS));
    start(f, "1", from);
    connect_to(f, 0, "/ws/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_string_equal(f->c[0].msg[0], "{\"e\":\"trade\",\"t\":2}");
    assert_int_equal(f->c[0].at[1] - f->c[0].at[0], 200);
    finish(f);
}

/* --to: records before T only; the close at 400 ms is cut off too. */
static void test_to(void **state)
{
    struct fx *f = *state;
    struct lx_mock_replay_opts o;
    char err[256];

    lx_mock_replay_opts_init(&o);
    o.mem = lx_test_mem();
    assert_int_equal(
        lx_mock_replay_parse_time("2023-11-14T22:13:20.150Z", &o.to_wall_ns),
        LX_OK);
    assert_int_equal(lx_mock_replay_new(&f->rp, f->net, f->clock, cap_path, &o,
                                        err, sizeof(err)),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_replay_handle, f->rp),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    connect_to(f, 0, "/ws/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_string_equal(f->c[0].msg[1], "{\"e\":\"trade\",\"t\":2}");
    assert_int_equal(f->c[0].closed, 0);
    finish(f);
}

/* Everything a client got, concatenated with lengths. */
static size_t transcript(const struct client *c, char *buf, size_t cap)
{
    size_t n = 0;
    int i;

    for (i = 0; i < c->nmsg; i++) {
        n += (size_t)lx__snprintf(buf + n, cap - n, "%zu:%s\n",
                                  strlen(c->msg[i]), c->msg[i]);
    }
    return n;
}

/* Two replays (two replay instances, paced) give the same bytes. */
static void test_deterministic(void **state)
{
    struct fx *f = *state;
    char a[4096], b[4096];
    size_t na, nb;
    int k;

    for (k = 0; k < 2; k++) {
        start(f, "1", NULL);
        connect_to(f, k, "/stream?streams=ethusdt@depth/btcusdt@trade");
        run_ms(f, 1000);
        finish(f);
    }
    na = transcript(&f->c[0], a, sizeof(a));
    nb = transcript(&f->c[1], b, sizeof(b));
    assert_int_equal(f->c[0].nmsg, 6);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
}

static void test_bad_options(void **state)
{
    struct fx *f = *state;
    struct lx_mock_replay_opts o;
    int64_t v;
    char err[256];

    assert_int_equal(lx_mock_replay_parse_speed("x", &v), LX_ERR_PARSE);
    assert_int_equal(lx_mock_replay_parse_speed("-1", &v), LX_ERR_PARSE);
    assert_int_equal(lx_mock_replay_parse_speed("0.5", &v), LX_OK);
    assert_int_equal(v, 500);
    assert_int_equal(lx_mock_replay_parse_time("2023-11-14T22:13:20Z", &v),
                     LX_OK);
    assert_true(v == T0);
    assert_int_equal(lx_mock_replay_parse_time("2023-13-14T22:13:20", &v),
                     LX_ERR_PARSE);
    lx_mock_replay_opts_init(&o);
    o.mem = lx_test_mem();
    assert_int_equal(lx_mock_replay_new(&f->rp, f->net, f->clock,
                                        "/nonexistent.lxcap", &o, err,
                                        sizeof(err)),
                     LX_ERR_FILE);
    assert_non_null(strstr(err, "/nonexistent.lxcap"));
    o.from_wall_ns = T0 + 10 * SEC; /* after everything */
    assert_int_equal(lx_mock_replay_new(&f->rp, f->net, f->clock, cap_path, &o,
                                        err, sizeof(err)),
                     LX_ERR_NOTFOUND);
    assert_null(f->rp);
}

/* ---- REST ------------------------------------------------------------------
 */

static void on_resp(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct fx *f = ud;
    const char *b, *w;
    size_t len = 0;

    (void)errmsg;
    assert_int_equal(err, LX_OK);
    f->status = lx_http_msg_status(resp);
    b = lx_http_msg_body(resp, &len);
    lx__snprintf(f->body, sizeof(f->body), "%.*s", (int)len, b);
    w = lx_http_msg_header(resp, "X-MBX-USED-WEIGHT-1M", NULL);
    lx__snprintf(f->weight, sizeof(f->weight), "%s", w != NULL ? w : "");
}

static void get(struct fx *f, const char *method, const char *target)
{
    struct lx_http_msg *m = NULL;

    f->status = 0;
    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    assert_int_equal(
        lx_http_client_send(f->cli, "http://api.binance.com", m, 0, on_resp, f),
        LX_OK);
    run_ms(f, 10);
    assert_int_not_equal(f->status, 0);
}

static void test_rest(void **state)
{
    struct fx *f = *state;

    start(f, "1", NULL);
    /* parameter order ignored; the n-th identical request, n-th answer */
    get(f, "GET", "/api/v3/depth?limit=5&symbol=BTCUSDT");
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "{\"lastUpdateId\":1}");
    assert_string_equal(f->weight, "7");
    get(f, "GET", "/api/v3/depth?symbol=BTCUSDT&limit=5");
    assert_string_equal(f->body, "{\"lastUpdateId\":2}");
    get(f, "GET", "/api/v3/depth?symbol=BTCUSDT&limit=5");
    assert_int_equal(f->status, 404);
    assert_non_null(strstr(f->body, "all 2 recorded answers"));
    /* volatile parameters ignored */
    get(f, "POST",
        "/api/v3/order?side=BUY&symbol=BTCUSDT&timestamp=99"
        "&recvWindow=5000&signature=cd");
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-2010}");
    finish(f);
}

static void test_rest_unmatched(void **state)
{
    struct fx *f = *state;

    start(f, "1", NULL);
    get(f, "GET", "/api/v3/depth?symbol=ETHUSDT&limit=5");
    assert_int_equal(f->status, 404);
    assert_non_null(strstr(f->body, "no recorded request matches GET "
                                    "/api/v3/depth?limit=5&symbol=ETHUSDT"));
    assert_non_null(strstr(f->body, "\"recorded\":\"GET "
                                    "/api/v3/depth?symbol=BTCUSDT&limit=5\""));
    assert_non_null(strstr(f->body, "parameter symbol: recorded BTCUSDT, "
                                    "got ETHUSDT"));
    get(f, "GET", "/api/v3/order?symbol=BTCUSDT&side=BUY");
    assert_int_equal(f->status, 404);
    assert_non_null(strstr(f->body, "method: recorded POST, got GET"));
    finish(f);
}

/* ---- recorded reconnects, the admin clock ---------------------------------
 */

/* The admin API over the in-memory HTTP client, without moving the clock:
 * method, path under /_lotusx/, optional body; the status is returned, the
 * body is in f->body. */
static int admin(struct fx *f, const char *method, const char *path,
                 const char *body)
{
    struct lx_http_msg *m = NULL;
    char target[256];

    lx__snprintf(target, sizeof(target), "/_lotusx/%s", path);
    f->status = 0;
    f->body[0] = '\0';
    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    if (body != NULL) {
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    assert_int_equal(
        lx_http_client_send(f->cli, "http://api.binance.com", m, 0, on_resp, f),
        LX_OK);
    settle(f);
    assert_int_not_equal(f->status, 0);
    return f->status;
}

static void client_reset(struct client *c)
{
    lx_ws_free(c->ws);
    c->ws = NULL;
    c->nmsg = 0;
    c->closed = 0;
    c->close_code = 0;
}

static int64_t now_ms(struct fx *f)
{
    return lx_clock_mono_ns(f->clock) / MS;
}

/*
 * The recorder lost conn 11 at 250 ms and reconnected (conn 12): the client
 * is closed at the recorded close; reconnecting, it gets conn 12's frames
 * from the recorded point after the close (the gap in u as recorded), paced
 * from the close; a client of another stream starts at the capture's start.
 */
static void test_reconnect_resumes(void **state)
{
    struct fx *f = *state;
    int64_t t;

    start_cap(f, cap2_path, "1", NULL, 0);
    connect_to(f, 0, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 4);
    assert_string_equal(f->c[0].msg[0], D(1));
    assert_string_equal(f->c[0].msg[1], TR(1));
    assert_string_equal(f->c[0].msg[3], D(3));
    assert_int_equal(f->c[0].at[3] - f->c[0].at[0], 200);
    assert_int_equal(f->c[0].closed, 1);
    assert_int_equal(f->c[0].close_code, 1001);
    /* another stream: from the start, conn 11's close is not its */
    connect_to(f, 1, "/ws/ethusdt@bookTicker");
    /* the reconnect */
    t = now_ms(f);
    connect_to(f, 2, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[2].nmsg, 4);
    assert_string_equal(f->c[2].msg[0], D(10));
    assert_string_equal(f->c[2].msg[1], TR(9)); /* conn 14's copy not sent */
    assert_string_equal(f->c[2].msg[2], D(11));
    assert_string_equal(f->c[2].msg[3], D(12));
    assert_int_equal(f->c[2].at[0] - t, 250); /* 500 - 250 ms */
    assert_int_equal(f->c[2].at[3] - f->c[2].at[0], 200);
    assert_int_equal(f->c[2].closed, 0); /* conn 14's close is not its */
    assert_int_equal(f->c[1].nmsg, 2);
    assert_string_equal(f->c[1].msg[0], "{\"u\":100,\"s\":\"ETHUSDT\"}");
    assert_int_equal(f->c[1].at[1] - f->c[1].at[0], 300);
    assert_int_equal(f->c[1].closed, 0);
    /* conn 15's stream is recorded on no later connection: its close ends
     * it, and a client that comes back gets it from the start again */
    client_reset(&f->c[0]);
    connect_to(f, 0, "/ws/xrpusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_int_equal(f->c[0].closed, 1);
    client_reset(&f->c[0]);
    connect_to(f, 0, "/ws/xrpusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_string_equal(f->c[0].msg[0], "{\"t\":71}");
    finish(f);
}

/* A /ws client that SUBSCRIBEs: closed, reconnects, SUBSCRIBEs again. */
static void close_and_resubscribe(struct fx *f, int i)
{
    static const char sub[] = "{\"method\":\"SUBSCRIBE\",\"params\":["
                              "\"btcusdt@trade\",\"btcusdt@depth@100ms\"],"
                              "\"id\":1}";

    connect_to(f, i, "/ws");
    say(f, i, sub);
    run_ms(f, 1000);
    assert_int_equal(f->c[i].closed, 1);
    connect_to(f, i + 1, "/ws");
    say(f, i + 1, sub);
    run_ms(f, 1000);
}

/*
 * Deterministic: two replays of the reconnect capture to the same client
 * (close, reconnect, SUBSCRIBE) give byte-identical streams; after POST
 * reset a client starts at the capture's start again.
 */
static void test_reconnect_deterministic(void **state)
{
    struct fx *f = *state;
    char a[2][4096], b[4096];
    size_t na[2], nb;
    int k;

    for (k = 0; k < 2; k++) {
        start_cap(f, cap2_path, "1", NULL, 0);
        close_and_resubscribe(f, 0);
        if (k == 0) {
            na[0] = transcript(&f->c[0], a[0], sizeof(a[0]));
            na[1] = transcript(&f->c[1], a[1], sizeof(a[1]));
            assert_int_equal(f->c[0].nmsg, 5);
            assert_string_equal(f->c[0].msg[1], "{\"u\":1}");
            assert_int_equal(f->c[1].nmsg, 5);
            assert_string_equal(f->c[1].msg[0], "{\"result\":null,\"id\":1}");
            assert_string_equal(f->c[1].msg[1], "{\"u\":10}");
            assert_string_equal(f->c[1].msg[2], "{\"t\":9}");
            assert_string_equal(f->c[1].msg[4], "{\"u\":12}");
        } else {
            nb = transcript(&f->c[0], b, sizeof(b));
            assert_int_equal(na[0], nb);
            assert_memory_equal(a[0], b, nb);
            nb = transcript(&f->c[1], b, sizeof(b));
            assert_int_equal(na[1], nb);
            assert_memory_equal(a[1], b, nb);
            /* the same replay after reset: from the start again */
            assert_int_equal(admin(f, "POST", "reset", NULL), 200);
            assert_string_equal(f->body, "{\"reset\":true}");
            client_reset(&f->c[0]);
            client_reset(&f->c[1]);
            close_and_resubscribe(f, 0);
            nb = transcript(&f->c[0], b, sizeof(b));
            assert_int_equal(na[0], nb);
            assert_memory_equal(a[0], b, nb);
            nb = transcript(&f->c[1], b, sizeof(b));
            assert_int_equal(na[1], nb);
            assert_memory_equal(a[1], b, nb);
        }
        finish(f);
        client_reset(&f->c[0]);
        client_reset(&f->c[1]);
    }
}

/*
 * Paused: the client gets the frames recorded at its start, then exactly
 * the frames each advance makes due (trades at 0, 100, 300, close at 400),
 * whatever time passes in between.
 */
static void test_admin_step(void **state)
{
    struct fx *f = *state;

    start_cap(f, cap_path, "1", NULL, 1);
    connect_to(f, 0, "/ws/btcusdt@trade");
    connect_to(f, 1, "/ws/ethusdt@depth"); /* frames at 50, 150, 160 */
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 1);
    assert_int_equal(f->c[1].nmsg, 0);
    assert_int_equal(admin(f, "GET", "clock", NULL), 200);
    assert_non_null(strstr(f->body, "\"time\":1700000000000,"));
    assert_non_null(strstr(f->body, "\"frozen\":true"));
    assert_non_null(strstr(f->body, "\"speed\":\"1.000\""));
    assert_non_null(strstr(f->body, "\"streams\":[\"btcusdt@trade\"],"
                                    "\"time\":1700000000000,"));
    assert_int_equal(admin(f, "POST", "clock/advance?ms=99", NULL), 200);
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 1);
    assert_int_equal(f->c[1].nmsg, 1);
    assert_string_equal(f->c[1].msg[0], "{\"u\":5}");
    assert_non_null(strstr(f->body, "\"time\":1700000000099,"));
    assert_int_equal(admin(f, "POST", "clock/advance?ms=1", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_string_equal(f->c[0].msg[1], "{\"e\":\"trade\",\"t\":2}");
    assert_int_equal(admin(f, "POST", "clock/advance", "{\"ms\":199}"), 200);
    settle(f);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_int_equal(f->c[1].nmsg, 3); /* u=6 at 150, the snapshot at 160 */
    assert_int_equal(admin(f, "POST", "clock/advance?ms=1", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].nmsg, 3);
    assert_string_equal(f->c[0].msg[2], "{\"e\":\"trade\",\"t\":3}");
    assert_int_equal(admin(f, "POST", "clock/advance?ms=99", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].closed, 0);
    assert_int_equal(admin(f, "POST", "clock/advance?ms=1", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].closed, 1);
    assert_int_equal(f->c[0].close_code, 1001);
    finish(f);
}

/*
 * Paused, the reconnect capture: the client is closed when the clock
 * reaches the recorded close; reconnecting, it starts at the close's time
 * and is held there until the clock reaches conn 12's frames.
 */
static void test_admin_step_reconnect(void **state)
{
    struct fx *f = *state;

    start_cap(f, cap2_path, "1", NULL, 1);
    connect_to(f, 0, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
    assert_int_equal(f->c[0].nmsg, 1);
    assert_int_equal(admin(f, "POST", "clock/advance?ms=249", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].nmsg, 4);
    assert_int_equal(f->c[0].closed, 0);
    assert_int_equal(admin(f, "POST", "clock/advance?ms=1", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].closed, 1);
    connect_to(f, 1, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
    run_ms(f, 1000);
    assert_int_equal(f->c[1].nmsg, 0);
    assert_int_equal(admin(f, "GET", "clock", NULL), 200);
    /* its own timeline: at the close (250 ms), the clock at 250 ms too */
    assert_non_null(strstr(f->body, "\"time\":1700000000250,"));
    assert_int_equal(admin(f, "POST", "clock/advance?ms=250", NULL), 200);
    settle(f);
    assert_int_equal(f->c[1].nmsg, 1);
    assert_string_equal(f->c[1].msg[0], D(10));
    assert_int_equal(admin(f, "POST", "clock/advance?ms=200", NULL), 200);
    settle(f);
    assert_int_equal(f->c[1].nmsg, 4);
    assert_string_equal(f->c[1].msg[3], D(12));
    finish(f);
}

/* Paused at speed 0: an advance sends its window; resume, the rest. */
static void test_admin_step_fast(void **state)
{
    struct fx *f = *state;

    start_cap(f, cap_path, "0", NULL, 1);
    connect_to(f, 0, "/ws/btcusdt@trade");
    assert_int_equal(admin(f, "POST", "clock/advance?ms=150", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_int_equal(admin(f, "POST", "clock/resume", NULL), 200);
    assert_non_null(strstr(f->body, "\"frozen\":false"));
    settle(f);
    assert_int_equal(f->c[0].nmsg, 3);
    assert_int_equal(f->c[0].closed, 1);
    finish(f);
}

/* Running: freeze holds the client where it is; resume goes on from there
 * at the recorded pace. */
static void test_admin_freeze_resume(void **state)
{
    struct fx *f = *state;
    int64_t t;

    start(f, "1", NULL);
    connect_to(f, 0, "/ws/btcusdt@trade");
    run_ms(f, 150);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_int_equal(admin(f, "POST", "clock/freeze", NULL), 200);
    assert_non_null(strstr(f->body, "\"frozen\":true"));
    assert_non_null(strstr(f->body, "\"streams\":[\"btcusdt@trade\"],"
                                    "\"time\":1700000000150,"));
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 2);
    t = now_ms(f);
    assert_int_equal(admin(f, "POST", "clock/resume", NULL), 200);
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 3);
    assert_int_equal(f->c[0].at[2] - t, 150); /* 300 - 150 ms */
    assert_int_equal(f->c[0].closed, 1);
    finish(f);
}

/* clock/speed re-paces from the client's position; advance while running
 * skips ahead. */
static void test_admin_speed(void **state)
{
    struct fx *f = *state;

    start(f, "1", NULL);
    connect_to(f, 0, "/ws/btcusdt@trade");
    run_ms(f, 100);
    assert_int_equal(f->c[0].nmsg, 2);
    assert_int_equal(admin(f, "POST", "clock/speed?x=2", NULL), 200);
    assert_non_null(strstr(f->body, "\"speed\":\"2.000\""));
    run_ms(f, 1000);
    assert_int_equal(f->c[0].nmsg, 3);
    assert_int_equal(f->c[0].at[2] - f->c[0].at[1], 100); /* 200 ms / 2 */
    finish(f);
    client_reset(&f->c[0]);
    start(f, "1", NULL);
    connect_to(f, 0, "/ws/btcusdt@trade");
    assert_int_equal(admin(f, "POST", "clock/advance?ms=300", NULL), 200);
    settle(f);
    assert_int_equal(f->c[0].nmsg, 3);
    finish(f);
}

static void test_admin_errors(void **state)
{
    struct fx *f = *state;

    start(f, "1", NULL);
    assert_int_equal(admin(f, "GET", "health", NULL), 200);
    assert_non_null(strstr(f->body, "\"mode\":\"replay\""));
    assert_int_equal(admin(f, "POST", "clock", NULL), 405);
    assert_int_equal(admin(f, "GET", "clock/advance?ms=1", NULL), 405);
    assert_int_equal(admin(f, "POST", "clock/advance?ms=x", NULL), 400);
    assert_non_null(strstr(f->body, "ms: want milliseconds"));
    assert_int_equal(admin(f, "POST", "clock/advance?ms=-5", NULL), 400);
    assert_int_equal(admin(f, "POST", "clock/advance", NULL), 400);
    assert_int_equal(admin(f, "POST", "clock/speed?x=fast", NULL), 400);
    assert_int_equal(admin(f, "GET", "state", NULL), 404);
    assert_non_null(strstr(f->body, "no admin route state"));
    /* the REST answers are still the capture's */
    get(f, "GET", "/api/v3/depth?limit=5&symbol=BTCUSDT");
    assert_string_equal(f->body, "{\"lastUpdateId\":1}");
    finish(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raw_stream_paced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_speed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_combined_and_subscribe, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_from, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rest_unmatched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_resumes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_deterministic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_step_reconnect, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_step_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_freeze_resume, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_speed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_errors, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup_all, group_teardown);
}
