/*
 * test_mock_fault.c - fault injection and clock control of lotusx-mock's
 * admin API, over real loopback sockets on the real clock: the Binance
 * spot mock listens on 127.0.0.1 (a free port), the test talks to it with
 * the library's HTTP and WebSocket clients. Covers injected statuses with
 * the venue's bodies (500/502/503, 429 + Retry-After, 418), delays timed
 * on the clock, rule counts / listing / clearing, admin validation, the
 * WebSocket drop / malformed-frame rules, listenKey expiry, clock freeze /
 * advance / resume and the state dump.
 */
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_ws.h"
#include "mock/server/admin.h"
#include "mock/server/fault.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "lx_test.h"

#define MS     INT64_C(1000000)
#define KEY    "faultTestKey"
#define SECRET "faultTestSecret"
#define MAXMSG 32

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_http_client *cli;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_admin *admin;
    struct lx_secret *secret;
    uint32_t user;
    char base_url[64], ws_url[64];
    /* last HTTP answer */
    int nresp, status;
    char body[4096], retry_after[16];
    /* WebSocket client */
    struct lx_ws *ws;
    int opened, closed, close_code;
    int nmsg;
    char msg[MAXMSG][512];
};

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};

static int admin_state(void *ud, size_t levels, struct lx_mock_sb *sb)
{
    return lx_mock_bn_spot_state(ud, levels, sb);
}

static int admin_expire(void *ud, const char *key, size_t *n)
{
    return lx_mock_bn_spot_expire_listen(ud, key[0] != '\0' ? key : NULL, n);
}

static void setup_venue(struct fx *f)
{
    static const char *const bal[] = {"USDT", "10000", "BTC", "1", NULL};
    struct lx_mock_admin_venue av = {"binance", admin_state, admin_expire,
                                     NULL};
    struct lx_mock_bn_account_cfg a;
    const char *why = "";

    assert_int_equal(
        lx_mock_bn_spot_new(&f->spot, f->clock, f->door, f->hub, &why), LX_OK);
    assert_int_equal(lx_mock_bn_spot_add_symbol(f->spot, &btc, &why), LX_OK);
    assert_int_equal(
        lx_secret_new(&f->secret, NULL, SECRET, sizeof(SECRET) - 1), LX_OK);
    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = f->secret;
    a.maker_fee = "0.001";
    a.taker_fee = "0.001";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->user, &why),
                     LX_OK);
    av.ud = f->spot;
    assert_int_equal(lx_mock_admin_new(&f->admin, f->door, &av), LX_OK);
    lx_mock_bn_hub_set_faults(f->hub, lx_mock_door_faults(f->door));
}

static int setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    uint16_t port;

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_real(&f->clock, NULL, f->base), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binance",
                                      &lx_mock_bn_dialect,
                                      &lx_mock_bn_spot_limits),
                     LX_OK);
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, NULL),
                     LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    setup_venue(f);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    assert_int_equal(lx_http_server_listen(f->srv, "127.0.0.1", 0, NULL),
                     LX_OK);
    port = lx_http_server_port(f->srv);
    assert_true(port > 0);
    lx__snprintf(f->base_url, sizeof(f->base_url), "http://127.0.0.1:%u",
                 (unsigned)port);
    lx__snprintf(f->ws_url, sizeof(f->ws_url), "ws://127.0.0.1:%u",
                 (unsigned)port);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_ws_free(f->ws);
    lx_http_client_free(f->cli);
    lx_http_server_free(f->srv);
    lx_mock_bn_spot_free(f->spot);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    lx_mock_admin_free(f->admin);
    lx_secret_free(f->secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

/* Runs the loop until *counter reaches want or timeout_ms passes. */
static void wait_for(struct fx *f, const int *counter, int want,
                     int64_t timeout_ms)
{
    int64_t end = lx_clock_mono_ns(f->clock) + timeout_ms * MS;

    while (*counter < want && lx_clock_mono_ns(f->clock) < end) {
        assert_int_equal(
            lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 10 * MS),
            LX_OK);
    }
}

/* Runs the loop for ms milliseconds. */
static void spin(struct fx *f, int64_t ms)
{
    int never = 0;

    wait_for(f, &never, 1, ms);
}

static void resp_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct fx *f = ud;
    size_t n = 0;
    const char *b;

    assert_int_equal(err, LX_OK);
    (void)errmsg;
    f->status = lx_http_msg_status(resp);
    b = lx_http_msg_header(resp, "Retry-After", &n);
    lx__snprintf(f->retry_after, sizeof(f->retry_after), "%.*s",
                 b != NULL ? (int)n : 0, b != NULL ? b : "");
    b = lx_http_msg_body(resp, &n);
    lx__snprintf(f->body, sizeof(f->body), "%.*s", b != NULL ? (int)n : 0,
                 b != NULL ? b : "");
    f->nresp++;
}

/* method target [body]; waits for the answer; returns the status. */
static int req(struct fx *f, const char *method, const char *target,
               const char *body)
{
    struct lx_http_msg *m;
    int want = f->nresp + 1;

    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", KEY), LX_OK);
    if (body != NULL) {
        assert_int_equal(
            lx_http_msg_add_header(m, "Content-Type", "application/json"),
            LX_OK);
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    assert_int_equal(
        lx_http_client_send(f->cli, f->base_url, m, 5000 * MS, resp_cb, f),
        LX_OK);
    wait_for(f, &f->nresp, want, 5000);
    assert_int_equal(f->nresp, want);
    return f->status;
}

static int64_t atoi_ok(const char *s)
{
    int64_t n = -1;

    assert_int_equal(lx__parse_i64(s, strlen(s), &n), LX_OK);
    return n;
}

static void add_fault(struct fx *f, const char *json)
{
    assert_int_equal(req(f, "POST", LX_MOCK_ADMIN_PREFIX "faults", json), 200);
    assert_non_null(strstr(f->body, "{\"fault\":{\"id\":"));
}

static int64_t body_num(struct fx *f, const char *key)
{
    cJSON *o = cJSON_Parse(f->body);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    int64_t n;

    assert_true(cJSON_IsNumber(v));
    n = (int64_t)v->valuedouble;
    cJSON_Delete(o);
    return n;
}

/* ---- HTTP ---------------------------------------------------------------- */

static void test_status_faults(void **state)
{
    struct fx *f = *state;

    add_fault(f, "{\"path\":\"/api/v3/ping\",\"status\":503,\"count\":2}");
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 503);
    assert_string_equal(f->body,
                        "{\"code\":-1008,\"msg\":\"Server is currently "
                        "overloaded with other requests. Please try again in "
                        "a few minutes.\"}");
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200); /* no match */
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 503);
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 200); /* used up */
    assert_string_equal(f->body, "{}");

    add_fault(f, "{\"path\":\"*\",\"status\":500}");
    assert_int_equal(req(f, "GET", "/api/v3/exchangeInfo", NULL), 500);
    assert_int_equal(body_num(f, "code"), -1000);
    add_fault(f, "{\"path\":\"/api/v3/\",\"status\":502}");
    assert_int_equal(req(f, "GET", "/api/v3/depth?symbol=BTCUSDT", NULL), 502);
    assert_int_equal(body_num(f, "code"), -1001);
    /* Admin paths are never faulted. */
    add_fault(f, "{\"path\":\"*\",\"status\":500}");
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "health", NULL), 200);
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 500);
}

static void test_rate_limit_faults(void **state)
{
    struct fx *f = *state;

    add_fault(f, "{\"path\":\"/api/v3/time\",\"status\":429,"
                 "\"retry_after_s\":7}");
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 429);
    assert_string_equal(f->retry_after, "7");
    assert_int_equal(body_num(f, "code"), -1003);
    assert_non_null(strstr(f->body, "Too many requests"));
    add_fault(f, "{\"path\":\"/api/v3/time\",\"status\":429}");
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 429);
    /* Default: the seconds left in the current minute window. */
    assert_true(atoi_ok(f->retry_after) >= 1 && atoi_ok(f->retry_after) <= 60);
    add_fault(f, "{\"path\":\"/api/v3/time\",\"status\":418}");
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 418);
    assert_string_equal(f->retry_after, "120");
    assert_int_equal(body_num(f, "code"), -1003);
    assert_non_null(strstr(f->body, "IP banned until"));
    /* Injected answers are not a real ban: the next request passes. */
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200);
}

static void test_delay(void **state)
{
    struct fx *f = *state;
    int64_t t0, took;

    add_fault(f, "{\"path\":\"/api/v3/time\",\"delay_ms\":300}");
    t0 = lx_clock_mono_ns(f->clock);
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200);
    took = (lx_clock_mono_ns(f->clock) - t0) / MS;
    assert_in_range(took, 300, 2000);
    t0 = lx_clock_mono_ns(f->clock);
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200);
    assert_true((lx_clock_mono_ns(f->clock) - t0) / MS < 250);
    /* Delay then fail. */
    add_fault(f, "{\"path\":\"/api/v3/ping\",\"delay_ms\":200,"
                 "\"status\":503}");
    t0 = lx_clock_mono_ns(f->clock);
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 503);
    assert_true((lx_clock_mono_ns(f->clock) - t0) / MS >= 200);
}

static void test_list_and_clear(void **state)
{
    struct fx *f = *state;

    add_fault(f, "{\"path\":\"/api/v3/ping\",\"status\":503,\"count\":-1}");
    add_fault(f, "{\"path\":\"/ws\",\"ws\":\"drop\",\"after_frames\":3}");
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "faults", NULL), 200);
    assert_string_equal(
        f->body, "{\"faults\":[{\"id\":1,\"path\":\"/api/v3/ping\","
                 "\"remaining\":-1,\"delay_ms\":0,\"status\":503,"
                 "\"retry_after_s\":-1},{\"id\":2,\"path\":\"/ws\","
                 "\"remaining\":1,\"ws\":\"drop\",\"after_frames\":3}]}");
    /* Until cleared. */
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 503);
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 503);
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 503);
    assert_int_equal(req(f, "DELETE", LX_MOCK_ADMIN_PREFIX "faults?id=1", NULL),
                     200);
    assert_string_equal(f->body, "{\"cleared\":1}");
    assert_int_equal(req(f, "GET", "/api/v3/ping", NULL), 200);
    assert_int_equal(req(f, "DELETE", LX_MOCK_ADMIN_PREFIX "faults", NULL),
                     200);
    assert_string_equal(f->body, "{\"cleared\":1}");
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "faults", NULL), 200);
    assert_string_equal(f->body, "{\"faults\":[]}");
}

static void test_admin_validation(void **state)
{
    static const struct {
        const char *body, *field;
    } t[] = {
        {"{\"status\":404}", "status"},
        {"{\"status\":503,\"count\":0}", "count"},
        {"{\"ws\":\"explode\"}", "ws"},
        {"{\"delay_ms\":\"soon\"}", "delay_ms"},
        {"{\"path\":\"api\",\"status\":500}", "path"},
        {"{}", "a rule needs"},
        {"[1,2]", "body"},
        {"{\"ws\":\"drop\",\"after_frames\":-1}", "after_frames"},
    };
    struct fx *f = *state;
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        assert_int_equal(
            req(f, "POST", LX_MOCK_ADMIN_PREFIX "faults", t[i].body), 400);
        assert_non_null(strstr(f->body, "{\"error\":\""));
        assert_non_null(strstr(f->body, t[i].field));
    }
    assert_int_equal(req(f, "DELETE", LX_MOCK_ADMIN_PREFIX "faults?id=x", NULL),
                     400);
    assert_int_equal(
        req(f, "POST", LX_MOCK_ADMIN_PREFIX "clock/advance?ms=-5", NULL), 400);
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "state?levels=x", NULL),
                     400);
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "faults", NULL), 200);
    assert_string_equal(f->body, "{\"faults\":[]}");
}

/* ---- WebSocket ------------------------------------------------------------
 */

static void on_open(struct lx_ws *ws, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    f->opened++;
}

static void on_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)opcode;
    assert_true(f->nmsg < MAXMSG);
    lx__snprintf(f->msg[f->nmsg++], sizeof(f->msg[0]), "%.*s", (int)len,
                 (const char *)data);
}

static void on_close(struct lx_ws *ws, int err, int code, const char *reason,
                     void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)err;
    (void)reason;
    f->closed++;
    f->close_code = code;
}

static void ws_open(struct fx *f, const char *path)
{
    static const struct lx_ws_cbs cbs = {on_open, on_message, NULL, NULL,
                                         on_close};
    char url[256];

    lx_ws_free(f->ws);
    f->ws = NULL;
    f->opened = f->closed = f->nmsg = 0;
    lx__snprintf(url, sizeof(url), "%s%s", f->ws_url, path);
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    wait_for(f, &f->opened, 1, 3000);
    assert_int_equal(f->opened, 1);
}

static void publish(struct fx *f, int n)
{
    char json[64];
    int i;

    for (i = 0; i < n; i++) {
        lx__snprintf(json, sizeof(json), "{\"e\":\"trade\",\"t\":%d}", i);
        assert_int_equal(
            lx_mock_bn_hub_publish(f->hub, "btcusdt@trade", json, strlen(json)),
            1);
    }
}

static void test_ws_drop(void **state)
{
    struct fx *f = *state;

    add_fault(f, "{\"path\":\"/ws/\",\"ws\":\"drop\",\"after_frames\":2}");
    ws_open(f, "/ws/btcusdt@trade");
    publish(f, 1);
    spin(f, 50);
    publish(f, 4); /* the 2nd goes out, then the connection drops */
    wait_for(f, &f->closed, 1, 3000);
    assert_int_equal(f->closed, 1);
    assert_int_equal(f->close_code, 1006); /* no close frame */
    assert_int_equal(f->nmsg, 2);
    assert_string_equal(f->msg[0], "{\"e\":\"trade\",\"t\":0}");
    assert_string_equal(f->msg[1], "{\"e\":\"trade\",\"t\":0}");
    /* count 1: the next connection is left alone. */
    ws_open(f, "/ws/btcusdt@trade");
    publish(f, 5);
    wait_for(f, &f->nmsg, 5, 3000);
    spin(f, 100);
    assert_int_equal(f->nmsg, 5);
    assert_int_equal(f->closed, 0);
}

static void test_ws_drop_open_connection(void **state)
{
    struct fx *f = *state;

    /* A rule added while the connection is open applies to it too. */
    ws_open(f, "/stream?streams=btcusdt@trade");
    publish(f, 1);
    wait_for(f, &f->nmsg, 1, 3000);
    add_fault(f, "{\"path\":\"/stream\",\"ws\":\"drop\",\"after_frames\":0}");
    publish(f, 1);
    wait_for(f, &f->closed, 1, 3000);
    assert_int_equal(f->closed, 1);
    assert_int_equal(f->nmsg, 1);
}

static void test_ws_malformed(void **state)
{
    struct fx *f = *state;
    cJSON *o;
    int i;

    add_fault(f, "{\"path\":\"*\",\"ws\":\"malformed\"}");
    ws_open(f, "/stream?streams=btcusdt@trade");
    publish(f, 2);
    wait_for(f, &f->nmsg, 3, 3000);
    spin(f, 100);
    assert_int_equal(f->nmsg, 3);
    o = cJSON_Parse(f->msg[0]);
    assert_null(o); /* invalid JSON text */
    for (i = 1; i < 3; i++) {
        o = cJSON_Parse(f->msg[i]);
        assert_non_null(o);
        cJSON_Delete(o);
    }
    assert_int_equal(f->closed, 0);
}

static void test_listen_key_expired(void **state)
{
    struct fx *f = *state;
    char key[80], path[128], want[160];
    cJSON *o;
    int rejected = 0;

    assert_int_equal(req(f, "POST", "/api/v3/userDataStream", NULL), 200);
    o = cJSON_Parse(f->body);
    assert_non_null(o);
    lx__snprintf(key, sizeof(key), "%s",
                 cJSON_GetObjectItemCaseSensitive(o, "listenKey")->valuestring);
    cJSON_Delete(o);
    lx__snprintf(path, sizeof(path), "/ws/%s", key);
    ws_open(f, path);
    assert_int_equal(req(f, "POST", LX_MOCK_ADMIN_PREFIX "faults",
                         "{\"ws\":\"listen_key_expired\"}"),
                     200);
    assert_string_equal(f->body, "{\"expired\":1}");
    wait_for(f, &f->nmsg, 1, 3000);
    assert_int_equal(f->nmsg, 1);
    o = cJSON_Parse(f->msg[0]);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "e")->valuestring,
                        "listenKeyExpired");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "E")));
    cJSON_Delete(o);
    lx__snprintf(want, sizeof(want), "\"listenKey\":\"%s\"}", key);
    assert_non_null(strstr(f->msg[0], want));
    /* The key is gone and the stream carries nothing more. */
    lx__snprintf(path, sizeof(path), "/api/v3/userDataStream?listenKey=%s",
                 key);
    assert_int_equal(req(f, "PUT", path, NULL), 400);
    assert_int_equal(body_num(f, "code"), -1125);
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->user, "BTCUSDT", "BUY",
                                           "LIMIT", "50000", "0.001",
                                           &rejected),
                     LX_OK);
    assert_int_equal(rejected, 0);
    spin(f, 150);
    assert_int_equal(f->nmsg, 1);
    assert_int_equal(f->closed, 0);
}

/* An HTTP rule on a stream path refuses the WebSocket handshake. */
static void test_upgrade_fault(void **state)
{
    static const struct lx_ws_cbs cbs = {on_open, on_message, NULL, NULL,
                                         on_close};
    struct fx *f = *state;
    char url[128];

    add_fault(f, "{\"path\":\"/ws\",\"status\":503}");
    lx__snprintf(url, sizeof(url), "%s/ws/btcusdt@trade", f->ws_url);
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    wait_for(f, &f->closed, 1, 3000);
    assert_int_equal(f->opened, 0);
    assert_int_equal(f->closed, 1);
    ws_open(f, "/ws/btcusdt@trade"); /* count 1: used up */
}

/* The rule table on its own: matching, counts, per-connection takes. */
static void test_rule_table(void **state)
{
    struct lx_mock_faults *t;
    struct lx_mock_fault r, got;
    const char *why = "";
    uint64_t id = 0, seen = 0, seen2 = 0;
    int i;

    (void)state;
    assert_int_equal(lx_mock_faults_new(&t), LX_OK);
    memset(&r, 0, sizeof(r));
    lx__snprintf(r.path, sizeof(r.path), "/stream");
    r.remaining = 2;
    r.ws = LX_MOCK_FAULT_WS_MALFORMED;
    assert_int_equal(lx_mock_faults_add(t, &r, &id, &why), LX_OK);
    assert_int_equal(id, 1);
    /* WebSocket rules never match HTTP requests. */
    assert_int_equal(lx_mock_faults_take_http(t, "/stream", &got), 0);
    assert_int_equal(lx_mock_faults_take_ws(t, "/ws/x", &seen, &got), 0);
    assert_int_equal(seen, 1); /* looked at, will not be offered again */
    assert_int_equal(
        lx_mock_faults_take_ws(t, "/stream?streams=a@b", &seen2, &got), 1);
    assert_int_equal(got.ws, LX_MOCK_FAULT_WS_MALFORMED);
    /* One take per connection. */
    assert_int_equal(
        lx_mock_faults_take_ws(t, "/stream?streams=a@b", &seen2, &got), 0);
    assert_int_equal(lx_mock_faults_count(t), 1); /* one use left */
    seen2 = 0;
    assert_int_equal(lx_mock_faults_take_ws(t, "/stream", &seen2, &got), 1);
    assert_int_equal(lx_mock_faults_count(t), 0);
    /* HTTP: the oldest matching rule first; "*" matches all. */
    memset(&r, 0, sizeof(r));
    lx__snprintf(r.path, sizeof(r.path), "*");
    r.remaining = 1;
    r.status = 500;
    assert_int_equal(lx_mock_faults_add(t, &r, &id, &why), LX_OK);
    lx__snprintf(r.path, sizeof(r.path), "/api/v3/order");
    r.status = 502;
    assert_int_equal(lx_mock_faults_add(t, &r, &id, &why), LX_OK);
    assert_int_equal(lx_mock_faults_take_http(t, "/api/v3/order", &got), 1);
    assert_int_equal(got.status, 500);
    assert_int_equal(lx_mock_faults_take_http(t, "/api/v3/order", &got), 1);
    assert_int_equal(got.status, 502);
    assert_int_equal(lx_mock_faults_take_http(t, "/api/v3/order", &got), 0);
    /* Bad rules and the cap. */
    r.status = 404;
    assert_int_equal(lx_mock_faults_add(t, &r, &id, &why), LX_ERR_INVAL);
    assert_non_null(strstr(why, "status"));
    r.status = 503;
    for (i = 0; i < LX_MOCK_FAULT_MAX; i++) {
        assert_int_equal(lx_mock_faults_add(t, &r, &id, &why), LX_OK);
    }
    assert_int_equal(lx_mock_faults_add(t, &r, &id, &why), LX_ERR_TOOBIG);
    assert_int_equal(lx_mock_faults_clear(t, id), 1);
    assert_int_equal(lx_mock_faults_clear(t, id), 0);
    assert_int_equal(lx_mock_faults_clear(t, 0), LX_MOCK_FAULT_MAX - 1);
    lx_mock_faults_free(t);
}

/* ---- clock and state ------------------------------------------------------
 */

static void test_clock_control(void **state)
{
    struct fx *f = *state;
    int64_t t1, t2;

    assert_int_equal(req(f, "POST", LX_MOCK_ADMIN_PREFIX "clock/freeze", NULL),
                     200);
    assert_non_null(strstr(f->body, "\"frozen\":true"));
    t1 = body_num(f, "time");
    spin(f, 60);
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200);
    assert_int_equal(body_num(f, "serverTime"), t1); /* frozen */
    assert_int_equal(
        req(f, "POST", LX_MOCK_ADMIN_PREFIX "clock/advance?ms=1500", NULL),
        200);
    assert_int_equal(body_num(f, "time"), t1 + 1500);
    assert_int_equal(
        req(f, "POST", LX_MOCK_ADMIN_PREFIX "clock/advance", "{\"ms\":500}"),
        200);
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200);
    assert_int_equal(body_num(f, "serverTime"), t1 + 2000);
    assert_int_equal(req(f, "POST", LX_MOCK_ADMIN_PREFIX "clock/resume", NULL),
                     200);
    assert_non_null(strstr(f->body, "\"frozen\":false"));
    spin(f, 60);
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "clock", NULL), 200);
    t2 = body_num(f, "time");
    /* Runs again from where it stood, never backwards. */
    assert_in_range(t2, t1 + 2050, t1 + 2000 + 3000);
    /* Offset: the 2000 ms advanced less the time spent frozen. */
    assert_in_range(body_num(f, "offset_ms"), 1000, 2000);
    /* Order times follow the mock's clock. */
    assert_int_equal(lx_mock_door_advance(f->door, 3600000), LX_OK);
    assert_int_equal(req(f, "GET", "/api/v3/time", NULL), 200);
    assert_true(body_num(f, "serverTime") >= t2 + 3600000);
}

static void test_state_dump(void **state)
{
    struct fx *f = *state;
    int rejected = 0;
    cJSON *o, *books, *bids, *orders, *bal;

    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->user, "BTCUSDT", "BUY",
                                           "LIMIT", "50000", "0.01", &rejected),
                     LX_OK);
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->user, "BTCUSDT", "BUY",
                                           "LIMIT", "49000", "0.01", &rejected),
                     LX_OK);
    assert_int_equal(req(f, "GET", LX_MOCK_ADMIN_PREFIX "state?levels=1", NULL),
                     200);
    o = cJSON_Parse(f->body);
    assert_non_null(o);
    books = cJSON_GetObjectItemCaseSensitive(o, "books");
    bids = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(books, "BTCUSDT"), "bids");
    assert_int_equal(cJSON_GetArraySize(bids), 1); /* levels=1 */
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetArrayItem(bids, 0), 0)->valuestring,
        "50000.00000000");
    orders = cJSON_GetObjectItemCaseSensitive(o, "open_orders");
    assert_int_equal(cJSON_GetArraySize(orders), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetArrayItem(orders, 0), "apiKey")
                            ->valuestring,
                        KEY);
    bal = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(o, "balances"), KEY),
        "USDT");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(bal, "locked")->valuestring,
        "990.00000000");
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(bal, "free")->valuestring,
        "9010.00000000");
    assert_null(strstr(f->body, SECRET));
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_status_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_faults, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_drop_open_connection, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ws_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_key_expired, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_fault, setup, teardown),
        cmocka_unit_test(test_rule_table),
        cmocka_unit_test_setup_teardown(test_clock_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_dump, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
