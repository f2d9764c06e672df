/*
 * test_mock_replay.c - lotusx-mock --replay in process: a capture written
 * here with the writer API (two recorded WebSocket connections, one raw and
 * one combined, a recorded close, HTTP exchanges) is served over the
 * in-memory transport on a virtual clock to the real WebSocket and HTTP
 * clients. Checks stream selection, wrapping, pacing by speed, the time
 * range, recorded closes, determinism, REST matching and its 404s.
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

static int group_teardown(void **state)
{
    (void)state;
    unlink(cap_path);
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
    struct client c[2];
    int status;
    char body[2048];
    char weight[16];
};

static void start(struct fx *f, const char *speed, const char *from)
{
    struct lx_mock_replay_opts o;
    char err[256];

    lx_mock_replay_opts_init(&o);
    o.mem = lx_test_mem(); /* a leak fails the test */
    assert_int_equal(lx_mock_replay_parse_speed(speed, &o.speed_milli), LX_OK);
    if (from != NULL) {
        assert_int_equal(lx_mock_replay_parse_time(from, &o.from_wall_ns),
                         LX_OK);
    }
    assert_int_equal(lx_mock_replay_new(&f->rp, f->net, f->clock, cap_path, &o,
                                        err, sizeof(err)),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_replay_handle, f->rp),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
}

/*
 * Frees the clients, the server and the replay inside the test: CMocka
 * checks a test's own allocations (the replay's, via lx_test_mem) when the
 * test function returns, before teardown.
 */
static void finish(struct fx *f)
{
    lx_ws_free(f->c[0].ws);
    lx_ws_free(f->c[1].ws);
    f->c[0].ws = NULL;
    f->c[1].ws = NULL;
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
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_ws_free(f->c[0].ws);
    lx_ws_free(f->c[1].ws);
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
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
