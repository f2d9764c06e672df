/*
 * test_mock_spot.c - the simulated Binance spot venue end to end, in one
 * process on a virtual clock: the real HTTP client and WebSocket client
 * talk to the mock's front door over an in-memory pair, signing requests
 * as a Binance client does. Checks the order lifecycle, the answers and
 * errors, that depth diffs continue exactly from REST snapshots, and that
 * the synthetic market is deterministic for a seed.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_ws.h"
#include "mock/feed/synth.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/spot_int.h"
#include "mock/venues/binance/streams.h"
#include "lx_test.h"

#define SEC    ((int64_t)1000000000)
#define KEY    "test-key-0123456789"
#define SECRET "test-secret-0123456789"
#define T0     ((int64_t)1767225600 * SEC) /* 2026-01-01 00:00:00 UTC */

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_http_client *cli;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_synth *synth;
    struct lx_secret *secret, *mm_secret;
    uint32_t user, maker, taker;
    /* last REST answer */
    int nresp, status;
    char *body;
    int64_t used; /* X-MBX-USED-WEIGHT-1M, -1 when absent */
    /* stream */
    struct lx_ws *ws;
    int ws_open;
    cJSON *msgs[4096];
    int nmsgs;
};

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};

static int setup_seed(void **state, uint64_t seed, int market)
{
    static const char *const bal[] = {"USDT", "10000", "BTC", "1", NULL};
    static const char *const big[] = {"USDT", "100000000", "BTC", "10000",
                                      NULL};
    static const struct lx_mock_synth_symbol sy = {"BTCUSDT", "60000.00",
                                                   "0.05000", 5, 50};
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_account_cfg a;
    const char *why = "";

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binance",
                                      &lx_mock_bn_dialect,
                                      &lx_mock_bn_spot_limits),
                     LX_OK);
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, NULL),
                     LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    assert_int_equal(
        lx_mock_bn_spot_new(&f->spot, f->clock, f->door, f->hub, &why), LX_OK);
    assert_int_equal(lx_mock_bn_spot_add_symbol(f->spot, &btc, &why), LX_OK);
    assert_int_equal(
        lx_secret_new(&f->secret, NULL, SECRET, sizeof(SECRET) - 1), LX_OK);
    assert_int_equal(lx_secret_new(&f->mm_secret, NULL, "x", 1), LX_OK);
    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = f->secret;
    a.maker_fee = "0.001";
    a.taker_fee = "0.001";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->user, &why),
                     LX_OK);
    a.api_key = "maker";
    a.secret = f->mm_secret;
    a.balances = big;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->maker, &why),
                     LX_OK);
    a.api_key = "taker";
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->taker, &why),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    if (market) {
        assert_int_equal(lx_mock_synth_new(&f->synth, f->clock, f->spot,
                                           f->maker, f->taker, seed, SEC),
                         LX_OK);
        assert_int_equal(lx_mock_synth_add(f->synth, &sy), LX_OK);
        assert_int_equal(lx_mock_synth_start(f->synth), LX_OK);
    }
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_seed(state, 7, 1);
}

static int setup_quiet(void **state)
{
    return setup_seed(state, 7, 0);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int i;

    lx_ws_free(f->ws);
    lx_http_client_free(f->cli);
    lx_http_server_free(f->srv);
    lx_mock_synth_free(f->synth);
    lx_mock_bn_spot_free(f->spot);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    lx_secret_free(f->secret);
    lx_secret_free(f->mm_secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    for (i = 0; i < f->nmsgs; i++) {
        cJSON_Delete(f->msgs[i]);
    }
    lx__free(NULL, f->body);
    test_free(f);
    return 0;
}

static void settle(struct fx *f)
{
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
}

static void resp_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct fx *f = ud;
    size_t n = 0;
    const char *b;

    assert_int_equal(err, LX_OK);
    (void)errmsg;
    f->nresp++;
    f->status = lx_http_msg_status(resp);
    b = lx_http_msg_header(resp, "X-MBX-USED-WEIGHT-1M", &n);
    f->used = -1;
    if (b != NULL) {
        assert_int_equal(lx__parse_i64(b, n, &f->used), LX_OK);
    }
    b = lx_http_msg_body(resp, &n);
    lx__free(NULL, f->body);
    f->body = lx__strndup(NULL, b != NULL ? b : "", n);
}

/* Sends method target; with sign, appends timestamp and signature. */
static void call(struct fx *f, const char *method, const char *path,
                 const char *params, int sign)
{
    char q[2048], target[2300], hex[65];
    unsigned char md[32];
    unsigned int mdlen = 0, i;
    struct lx_http_msg *m;
    int want = f->nresp + 1;

    if (sign) {
        lx__snprintf(q, sizeof(q), "%s%stimestamp=%lld", params,
                     params[0] != '\0' ? "&" : "",
                     (long long)lx_clock_wall_ms(f->clock));
        HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
             (const unsigned char *)q, strlen(q), md, &mdlen);
        for (i = 0; i < mdlen; i++) {
            lx__snprintf(hex + 2 * i, 3, "%02x", md[i]);
        }
        lx__snprintf(target, sizeof(target), "%s?%s&signature=%s", path, q,
                     hex);
    } else {
        lx__snprintf(target, sizeof(target), "%s%s%s", path,
                     params[0] != '\0' ? "?" : "", params);
    }
    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    if (sign) {
        assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", KEY), LX_OK);
    }
    assert_int_equal(lx_http_client_send(f->cli, "https://api.binance.com", m,
                                         0, resp_cb, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->nresp, want);
}

static cJSON *body_json(struct fx *f)
{
    cJSON *o = cJSON_Parse(f->body);

    assert_non_null(o);
    return o;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

static int64_t jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_true(cJSON_IsNumber(v));
    return (int64_t)v->valuedouble;
}

/* ---- REST ------------------------------------------------------------------
 */

static void test_order_lifecycle(void **state)
{
    struct fx *f = *state;
    cJSON *o;
    int64_t id;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000&newClientOrderId=c1",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_string_equal(jstr(o, "clientOrderId"), "c1");
    assert_string_equal(jstr(o, "status"), "NEW");
    assert_string_equal(jstr(o, "price"), "50000.00000000");
    assert_string_equal(jstr(o, "origQty"), "0.00100000");
    id = jnum(o, "orderId");
    cJSON_Delete(o);

    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderId"), id);
    cJSON_Delete(o);

    /* 50 USDT are locked for the order. */
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"9950.00000000\",\"locked\":"
                                    "\"50.00000000\"}"));

    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=c1",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_string_equal(jstr(o, "status"), "CANCELED");
    assert_string_equal(jstr(o, "origClientOrderId"), "c1");
    cJSON_Delete(o);
    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=c1",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body,
                        "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&orderId=1", 1);
    assert_string_equal(f->body,
                        "{\"code\":-2013,\"msg\":\"Order does not exist.\"}");
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"10000.00000000\",\"locked\":"
                                    "\"0.00000000\"}"));
}

/*
 * GET /api/v3/allOrders: open and closed orders of the symbol by orderId,
 * each as GET /api/v3/order renders it; the most recent `limit`, or from
 * orderId / startTime on; weight 20; -1127 past 24 h between the times.
 */
static void test_all_orders(void **state)
{
    struct fx *f = *state;
    cJSON *o, *one;
    char q[200], *txt;
    int64_t id[3], used, t0 = T0 / 1000000, h = 3600000;
    int i;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000&newClientOrderId=c1",
         1);
    o = body_json(f);
    id[0] = jnum(o, "orderId");
    cJSON_Delete(o);
    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=c1",
         1);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=51000&newClientOrderId=c2",
         1);
    o = body_json(f);
    id[1] = jnum(o, "orderId");
    cJSON_Delete(o);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 25 * 3600 * SEC),
        LX_OK);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.002&"
         "price=52000&newClientOrderId=c3",
         1);
    o = body_json(f);
    id[2] = jnum(o, "orderId");
    cJSON_Delete(o);
    assert_true(id[0] < id[1] && id[1] < id[2]);

    call(f, "GET", "/api/v3/allOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, 1 + 20); /* a new minute: the POST and this */
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(jnum(cJSON_GetArrayItem(o, i), "orderId"), id[i]);
    }
    one = cJSON_GetArrayItem(o, 0);
    assert_string_equal(jstr(one, "symbol"), "BTCUSDT");
    assert_int_equal(jnum(one, "orderListId"), -1);
    assert_string_equal(jstr(one, "clientOrderId"), "c1");
    assert_string_equal(jstr(one, "price"), "50000.00000000");
    assert_string_equal(jstr(one, "origQty"), "0.00100000");
    assert_string_equal(jstr(one, "executedQty"), "0.00000000");
    assert_string_equal(jstr(one, "cummulativeQuoteQty"), "0.00000000");
    assert_string_equal(jstr(one, "status"), "CANCELED");
    assert_string_equal(jstr(one, "timeInForce"), "GTC");
    assert_string_equal(jstr(one, "type"), "LIMIT");
    assert_string_equal(jstr(one, "side"), "BUY");
    assert_int_equal(jnum(one, "time"), t0);
    assert_true(cJSON_IsBool(cJSON_GetObjectItem(one, "isWorking")));
    assert_string_equal(jstr(one, "selfTradePreventionMode"), "EXPIRE_MAKER");
    one = cJSON_GetArrayItem(o, 2);
    assert_string_equal(jstr(one, "status"), "NEW");
    assert_string_equal(jstr(one, "side"), "SELL");
    assert_int_equal(jnum(one, "time"), t0 + 25 * h);
    /* each element is GET /api/v3/order's answer, byte for byte */
    txt = cJSON_PrintUnformatted(one);
    cJSON_Delete(o);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld", (long long)id[2]);
    call(f, "GET", "/api/v3/order", q, 1);
    assert_string_equal(f->body, txt);
    cJSON_free(txt);

    /* the most recent `limit` */
    used = f->used;
    call(f, "GET", "/api/v3/allOrders", "symbol=BTCUSDT&limit=2", 1);
    assert_int_equal(f->used, used + 20);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderId"), id[1]);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 1), "orderId"), id[2]);
    cJSON_Delete(o);
    /* orderId: that order and later ones, the first `limit` */
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld&limit=1",
                 (long long)id[1]);
    call(f, "GET", "/api/v3/allOrders", q, 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderId"), id[1]);
    cJSON_Delete(o);
    /* times */
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&startTime=%lld",
                 (long long)(t0 + h));
    call(f, "GET", "/api/v3/allOrders", q, 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderId"), id[2]);
    cJSON_Delete(o);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&startTime=%lld&endTime=%lld",
                 (long long)t0, (long long)(t0 + 24 * h));
    call(f, "GET", "/api/v3/allOrders", q, 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    cJSON_Delete(o);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&startTime=%lld&endTime=%lld",
                 (long long)t0, (long long)(t0 + 24 * h + 1));
    call(f, "GET", "/api/v3/allOrders", q, 1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-1127,\"msg\":\"More than 24 "
                                 "hours between startTime and endTime.\"}");
    /* errors */
    call(f, "GET", "/api/v3/allOrders", "", 1);
    assert_string_equal(f->body,
                        "{\"code\":-1102,\"msg\":\"Mandatory parameter "
                        "'symbol' was not sent, was empty/null, or "
                        "malformed.\"}");
    call(f, "GET", "/api/v3/allOrders", "symbol=BTCUSDT&limit=1001", 1);
    assert_int_equal(f->status, 400);
    assert_non_null(strstr(f->body, "\"code\":-1100"));
    call(f, "GET", "/api/v3/allOrders", "symbol=ETHUSDT", 1);
    assert_string_equal(f->body,
                        "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    call(f, "GET", "/api/v3/allOrders", "symbol=BTCUSDT", 0);
    assert_int_equal(f->status, 401);
}

static void test_market_full_fills_and_trades(void **state)
{
    struct fx *f = *state;
    cJSON *o, *fills, *fill;
    const char *tid;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01", 1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "executedQty"), "0.01000000");
    fills = cJSON_GetObjectItemCaseSensitive(o, "fills");
    assert_true(cJSON_GetArraySize(fills) >= 1);
    fill = cJSON_GetArrayItem(fills, 0);
    assert_string_equal(jstr(fill, "commissionAsset"), "BTC");
    /* 0.1 % of what the buyer received (the first fill's qty). */
    assert_non_null(jstr(fill, "commission"));
    tid = NULL;
    (void)tid;
    cJSON_Delete(o);
    /* The trade is public now. */
    call(f, "GET", "/api/v3/trades", "symbol=BTCUSDT&limit=1", 0);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(o, 0), "isBuyerMaker")));
    cJSON_Delete(o);
}

static void test_errors(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000.001",
         1);
    assert_string_equal(
        f->body, "{\"code\":-1013,\"msg\":\"Filter failure: PRICE_FILTER\"}");
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&"
         "price=50000",
         1);
    assert_string_equal(f->body,
                        "{\"code\":-2010,\"msg\":\"Account has insufficient "
                        "balance for requested action.\"}");
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=50000", 1);
    assert_string_equal(f->body,
                        "{\"code\":-1102,\"msg\":\"Mandatory parameter "
                        "'timeInForce' was not sent, was empty/null, or "
                        "malformed.\"}");
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=UP&type=LIMIT&quantity=1&price=50000", 1);
    assert_string_equal(f->body, "{\"code\":-1117,\"msg\":\"Invalid side.\"}");
    call(f, "POST", "/api/v3/order", "symbol=XYZ&side=BUY&type=MARKET", 1);
    assert_string_equal(f->body,
                        "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=abc", 0);
    assert_int_equal(f->status, 400);
    assert_non_null(strstr(f->body, "\"code\":-1100"));
    /* Unsigned call to a signed route. */
    call(f, "GET", "/api/v3/account", "", 0);
    assert_int_equal(f->status, 401);
}

/* ---- streams ----------------------------------------------------------------
 */

static void ws_open_cb(struct lx_ws *ws, void *ud)
{
    (void)ws;
    ((struct fx *)ud)->ws_open = 1;
}

static void ws_msg_cb(struct lx_ws *ws, int opcode, const uint8_t *data,
                      size_t len, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)opcode;
    assert_true(f->nmsgs < 4096);
    f->msgs[f->nmsgs] = cJSON_ParseWithLength((const char *)data, len);
    assert_non_null(f->msgs[f->nmsgs]);
    f->nmsgs++;
}

/*
 * Binance's documented recipe: subscribe, then take a REST snapshot, drop
 * diffs with u <= lastUpdateId, and every later diff must start at the
 * previous u + 1 (the first one straddles: U <= lastUpdateId + 1 <= u).
 * Applying them must give the REST book at the end. The
 * diffs are batched: one per 100 ms (@depth@100ms) or 1 s (@depth) window
 * with changes, spanning every update id of the window (U < u).
 */
static void check_diffs(struct fx *f, const char *want, int64_t last,
                        int64_t end_id, int min, int max)
{
    int64_t prev_u = last;
    int i, applied = 0;

    for (i = 0; i < f->nmsgs; i++) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(f->msgs[i], "data");

        if (strcmp(jstr(f->msgs[i], "stream"), want) != 0 ||
            jnum(d, "u") <= last) {
            continue; /* another stream, or before the snapshot */
        }
        if (applied == 0) {
            /* A window may straddle the snapshot: U <= last + 1 <= u. */
            assert_true(jnum(d, "U") <= last + 1);
        } else {
            assert_int_equal(jnum(d, "U"), prev_u + 1);
        }
        /* A step of the synthetic market changes dozens of levels. */
        assert_true(jnum(d, "u") > jnum(d, "U"));
        prev_u = jnum(d, "u");
        applied++;
    }
    assert_in_range(applied, min, max);
    /* The last diff brings the book to the second snapshot's id. */
    assert_int_equal(prev_u, end_id);
}

static void test_depth_stream_continues_snapshot(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    struct fx *f = *state;
    cJSON *snap, *end, *snap2;
    int64_t last;
    int i, ntrades = 0;

    assert_int_equal(lx_ws_connect(&f->ws, f->net,
                                   "wss://stream.binance.com:9443/stream?"
                                   "streams=btcusdt@depth@100ms/btcusdt@trade/"
                                   "btcusdt@depth",
                                   NULL, &cbs, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 2 * SEC + SEC / 2),
        LX_OK);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", 0);
    snap = body_json(f);
    last = jnum(snap, "lastUpdateId");
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 5 * SEC + SEC / 2),
        LX_OK);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", 0);
    end = body_json(f);
    /* Freeze the market; the windows holding the last step then close. */
    lx_mock_synth_clock(1, 0, f->synth);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 2 * SEC), LX_OK);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", 0);
    snap2 = body_json(f);
    /* Frozen: no step ran after the second snapshot. */
    assert_int_equal(jnum(snap2, "lastUpdateId"), jnum(end, "lastUpdateId"));
    cJSON_Delete(snap2);
    for (i = 0; i < f->nmsgs; i++) {
        ntrades += strcmp(jstr(f->msgs[i], "stream"), "btcusdt@trade") == 0;
    }
    assert_true(ntrades > 0);
    /* Six market steps (3 s .. 8 s): one diff each on both streams. */
    check_diffs(f, "btcusdt@depth@100ms", last, jnum(end, "lastUpdateId"), 6,
                6);
    check_diffs(f, "btcusdt@depth", last, jnum(end, "lastUpdateId"), 5, 7);
    cJSON_Delete(snap);
    cJSON_Delete(end);
}

/*
 * GET /api/v3/depth costs by limit as rest-api.md says (1-100: 5,
 * 101-500: 25, 501-1000: 50, 1001-5000: 250) and X-MBX-USED-WEIGHT-1M
 * adds it up.
 */
static void test_depth_weight(void **state)
{
    static const struct {
        const char *limit;
        int64_t weight;
    } t[] = {{"", 5},       {"1", 5},    {"100", 5},   {"101", 25},
             {"500", 25},   {"501", 50}, {"1000", 50}, {"1001", 250},
             {"5000", 250}, {"abc", 5}};
    struct fx *f = *state;
    char params[64];
    int64_t total = 0;
    size_t i;

    lx_mock_door_reset_limits(f->door);
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        lx__snprintf(params, sizeof(params), "symbol=BTCUSDT%s%s",
                     t[i].limit[0] != '\0' ? "&limit=" : "", t[i].limit);
        call(f, "GET", "/api/v3/depth", params, 0);
        total += t[i].weight;
        assert_int_equal(f->used, total);
        assert_int_equal(f->status, strcmp(t[i].limit, "abc") == 0 ? 400 : 200);
    }
    assert_int_equal(lx__mbn_depth_weight(100), 5);
    assert_int_equal(lx__mbn_depth_weight(101), 25);
    assert_int_equal(lx__mbn_depth_weight(1001), 250);
}

/* listenKey, then /ws/<listenKey>: the account's order and balance events. */
/*
 * The depth answer is rendered again whenever the published book changes
 * (new orders, a cancel) or the limit asks for other level counts, and
 * repeats byte for byte while neither happens (the mock keeps the last
 * body).
 */
static void test_depth_follows_book(void **state)
{
    struct fx *f = *state;
    char *d1, *d2;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000&newClientOrderId=d1",
         1);
    assert_int_equal(f->status, 200);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 0);
    assert_int_equal(f->status, 200);
    assert_non_null(strstr(f->body, "\"bids\":[[\"50000.00000000\","
                                    "\"0.00100000\"]]"));
    d1 = lx__strdup(NULL, f->body);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 0);
    assert_string_equal(f->body, d1);

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.002&"
         "price=50001&newClientOrderId=d2",
         1);
    assert_int_equal(f->status, 200);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 0);
    assert_string_not_equal(f->body, d1);
    assert_non_null(strstr(f->body, "\"bids\":[[\"50001.00000000\","
                                    "\"0.00200000\"],[\"50000.00000000\","
                                    "\"0.00100000\"]]"));
    d2 = lx__strdup(NULL, f->body);
    /* Same book, fewer levels: a new body, then the old one again. */
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1", 0);
    assert_non_null(strstr(f->body, "\"bids\":[[\"50001.00000000\","
                                    "\"0.00200000\"]]"));
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 0);
    assert_string_equal(f->body, d2);

    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=d2",
         1);
    assert_int_equal(f->status, 200);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 0);
    assert_string_not_equal(f->body, d2);
    assert_non_null(strstr(f->body, "\"bids\":[[\"50000.00000000\","
                                    "\"0.00100000\"]]"));
    lx__free(NULL, d1);
    lx__free(NULL, d2);
}

static void test_user_data_stream(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    struct fx *f = *state;
    struct lx_http_msg *m;
    char url[160];
    cJSON *o;
    int i, news = 0, cancels = 0, positions = 0;

    assert_int_equal(
        lx_http_msg_new_request(&m, NULL, "POST", "/api/v3/userDataStream"),
        LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", KEY), LX_OK);
    assert_int_equal(lx_http_client_send(f->cli, "https://api.binance.com", m,
                                         0, resp_cb, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_int_equal(strlen(jstr(o, "listenKey")), 60);
    lx__snprintf(url, sizeof(url), "wss://stream.binance.com:9443/ws/%s",
                 jstr(o, "listenKey"));
    cJSON_Delete(o);
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000&newClientOrderId=u1",
         1);
    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=u1",
         1);
    settle(f);
    for (i = 0; i < f->nmsgs; i++) {
        const char *e = jstr(f->msgs[i], "e");

        if (strcmp(e, "executionReport") == 0) {
            assert_string_equal(jstr(f->msgs[i], "c"), "u1");
            if (strcmp(jstr(f->msgs[i], "x"), "NEW") == 0) {
                assert_string_equal(jstr(f->msgs[i], "X"), "NEW");
                assert_string_equal(jstr(f->msgs[i], "p"), "50000.00000000");
                news++;
            } else {
                assert_string_equal(jstr(f->msgs[i], "x"), "CANCELED");
                cancels++;
            }
        } else {
            assert_string_equal(e, "outboundAccountPosition");
            positions++;
        }
    }
    assert_int_equal(news, 1);
    assert_int_equal(cancels, 1);
    assert_int_equal(positions, 2); /* lock, then unlock */
    /* The other accounts' events (the synthetic market) never show. */
}

/*
 * The synthetic market follows the mock's clock: frozen, it stands still;
 * an advance runs the skipped periods, each at its own instant (trade
 * times one period apart); resumed, the timer steps it again.
 */
static void test_synth_follows_clock(void **state)
{
    struct fx *f = *state;
    uint64_t steps;
    int64_t t, times[32];
    cJSON *arr;
    int i, n, ntimes = 0, k;

    lx_mock_door_on_clock(f->door, lx_mock_synth_clock, f->synth,
                          lx_mock_synth_period(f->synth));
    lx_mock_door_freeze(f->door);
    t = lx_mock_door_now_ms(f->door);
    steps = lx_mock_synth_steps(f->synth);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 3 * SEC), LX_OK);
    assert_int_equal(lx_mock_synth_steps(f->synth), steps);
    assert_int_equal(lx_mock_door_now_ms(f->door), t);
    assert_int_equal(lx_mock_door_advance(f->door, 19500), LX_OK);
    assert_int_equal(lx_mock_synth_steps(f->synth), steps + 19);
    assert_int_equal(lx_mock_door_advance(f->door, 500), LX_OK); /* carry */
    assert_int_equal(lx_mock_synth_steps(f->synth), steps + 20);
    assert_int_equal(lx_mock_door_now_ms(f->door), t + 20000);
    call(f, "GET", "/api/v3/trades", "symbol=BTCUSDT&limit=1000", 0);
    arr = body_json(f);
    n = cJSON_GetArraySize(arr);
    for (i = 0; i < n; i++) {
        int64_t tt = jnum(cJSON_GetArrayItem(arr, i), "time");

        if (tt <= t) {
            continue;
        }
        /* Every step at a whole period after the freeze. */
        assert_int_equal((tt - t) % 1000, 0);
        assert_in_range(tt, t + 1000, t + 20000);
        for (k = 0; k < ntimes && times[k] != tt; k++) {
        }
        if (k == ntimes && ntimes < 32) {
            times[ntimes++] = tt;
        }
    }
    assert_true(ntimes >= 5); /* spread over the advance, not bunched */
    cJSON_Delete(arr);
    lx_mock_door_resume(f->door);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 2 * SEC), LX_OK);
    assert_int_equal(lx_mock_synth_steps(f->synth), steps + 22);
}

/* Same seed, same virtual time: the same market, event for event. */
static void test_synthetic_market_deterministic(void **state)
{
    struct fx *f = *state;
    void *other;
    uint64_t h1, h2;
    char *depth1;

    (void)state;
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 30 * SEC), LX_OK);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=20", 0);
    depth1 = lx__strdup(NULL, f->body);
    h1 = lx_mock_bn_spot_log_hash(f->spot);
    assert_int_equal(setup_seed(&other, 7, 1), 0);
    {
        struct fx *g = other;

        assert_int_equal(
            lx_clock_run(g->clock, lx_clock_mono_ns(g->clock) + 30 * SEC),
            LX_OK);
        call(g, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=20", 0);
        h2 = lx_mock_bn_spot_log_hash(g->spot);
        assert_string_equal(g->body, depth1);
    }
    assert_true(h1 == h2);
    assert_int_equal(lx_mock_synth_steps(f->synth), 31);
    teardown(&other);
    lx__free(NULL, depth1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_order_lifecycle, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_market_full_fills_and_trades,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_orders, setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_weight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_follows_book, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_synth_follows_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_depth_stream_continues_snapshot,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_data_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_synthetic_market_deterministic,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
