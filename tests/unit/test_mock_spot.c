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
    int64_t used;      /* X-MBX-USED-WEIGHT-1M, -1 when absent */
    int64_t ocount[2]; /* X-MBX-ORDER-COUNT-10S and -1D, -1 when absent */
    /* stream */
    struct lx_ws *ws;
    int ws_open;
    void *ed_key; /* an EVP_PKEY the venue borrows, freed after it */
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
    EVP_PKEY_free(f->ed_key);
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
    f->ocount[0] = f->ocount[1] = -1;
    b = lx_http_msg_header(resp, "X-MBX-ORDER-COUNT-10S", &n);
    if (b != NULL) {
        assert_int_equal(lx__parse_i64(b, n, &f->ocount[0]), LX_OK);
    }
    b = lx_http_msg_header(resp, "X-MBX-ORDER-COUNT-1D", &n);
    if (b != NULL) {
        assert_int_equal(lx__parse_i64(b, n, &f->ocount[1]), LX_OK);
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

/* Places a 0.001 BTCUSDT limit order of account acct directly; accepted. */
static void place_ok(struct fx *f, uint32_t acct, const char *side,
                     const char *price)
{
    int rej = 1;

    assert_int_equal(lx_mock_bn_spot_place(f->spot, acct, "BTCUSDT", side,
                                           "LIMIT", price, "0.001", &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
}

/*
 * Closed orders stay queryable up to the history size, oldest forgotten
 * first (GET order then says -2013, as for an order that never was); a
 * client id reused after its order went finds the new order; a market
 * account (the venue's own, tape.h) keeps no closed orders at all.
 */
static void test_order_history(void **state)
{
    struct fx *f = *state;
    struct lx_mock_bn_account_cfg a;
    static const char *const big[] = {"USDT", "100000000", "BTC", "10000",
                                      NULL};
    uint32_t mkt;
    const char *why = "";
    char p[200];
    size_t before;
    cJSON *o;
    int i;

    lx_mock_bn_spot_set_history(f->spot, 3);
    for (i = 0; i < 6; i++) {
        lx__snprintf(p, sizeof(p),
                     "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
                     "quantity=0.001&price=50000&newClientOrderId=h%d",
                     i);
        call(f, "POST", "/api/v3/order", p, 1);
        assert_int_equal(f->status, 200);
        lx__snprintf(p, sizeof(p), "symbol=BTCUSDT&origClientOrderId=h%d", i);
        call(f, "DELETE", "/api/v3/order", p, 1);
        assert_int_equal(f->status, 200);
    }
    /* one more order: the drain moves h5 into the history, h2 goes */
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=49000&newClientOrderId=h0",
         1);
    assert_int_equal(f->status, 200);
    for (i = 1; i < 6; i++) {
        lx__snprintf(p, sizeof(p), "symbol=BTCUSDT&origClientOrderId=h%d", i);
        call(f, "GET", "/api/v3/order", p, 1);
        if (i < 3) {
            assert_string_equal(
                f->body, "{\"code\":-2013,\"msg\":\"Order does not exist.\"}");
        } else {
            o = body_json(f);
            assert_string_equal(jstr(o, "status"), "CANCELED");
            assert_string_equal(jstr(o, "clientOrderId"), strstr(p, "Id=") + 3);
            cJSON_Delete(o);
        }
    }
    /* h0 is the new open order, not the forgotten one */
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=h0", 1);
    o = body_json(f);
    assert_string_equal(jstr(o, "status"), "NEW");
    assert_string_equal(jstr(o, "price"), "49000.00000000");
    cJSON_Delete(o);
    call(f, "GET", "/api/v3/allOrders", "symbol=BTCUSDT", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 4);
    cJSON_Delete(o);
    assert_int_equal(f->spot->norders, 4);

    /* the venue's market account keeps nothing once its orders close */
    memset(&a, 0, sizeof(a));
    a.api_key = "tape";
    a.secret = f->mm_secret;
    a.balances = big;
    a.market = true;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &mkt, &why),
                     LX_OK);
    before = f->spot->norders;
    for (i = 0; i < 50; i++) {
        place_ok(f, mkt, i % 2 ? "SELL" : "BUY", "50000");
    }
    /* 25 buys and 25 sells at one price: all traded, all closed */
    assert_int_equal(lx__mbn_drain(f->spot), LX_OK);
    assert_int_equal(f->spot->norders, before);
    assert_int_equal(lx__engine_check(f->spot->eng), LX_OK);

    /*
     * Thousands of orders come and go around 20 resting ones: the
     * tombstones they leave make the table rebuild itself in place many
     * times (same size); every open order must still be found after.
     */
    for (i = 0; i < 20; i++) {
        lx__snprintf(p, sizeof(p), "%d", 40000 + i);
        place_ok(f, mkt, "BUY", p);
    }
    assert_int_equal(lx__mbn_drain(f->spot), LX_OK);
    for (i = 0; i < 6000; i++) {
        place_ok(f, mkt, i % 2 ? "SELL" : "BUY", "50000");
        assert_int_equal(lx__mbn_drain(f->spot), LX_OK);
    }
    assert_int_equal(f->spot->orders_cap, 1024);
    assert_int_equal(f->spot->norders, before + 20);
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=h0", 1);
    o = body_json(f);
    assert_string_equal(jstr(o, "status"), "NEW");
    cJSON_Delete(o);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=100", 1);
    for (i = 0; i < 20; i++) {
        lx__snprintf(p, sizeof(p), "[\"%d.00000000\",\"0.00100000\"]",
                     40000 + i);
        assert_non_null(strstr(f->body, p));
    }
    assert_int_equal(lx__engine_check(f->spot->eng), LX_OK);
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
 * Order-count limits (100 per 10 s on spot): every placement answers with
 * the account's counts in X-MBX-ORDER-COUNT-10S / -1D; the 101st order in
 * a window is refused with 429 -1015; the next window starts again. A test
 * order is not counted and other routes carry no count.
 */
static void test_order_count_limit(void **state)
{
    struct fx *f = *state;
    char q[160];
    int i;

    call(f, "POST", "/api/v3/order/test",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&"
         "price=100",
         1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->ocount[0], -1);
    for (i = 1; i <= 100; i++) {
        lx__snprintf(q, sizeof(q),
                     "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
                     "quantity=0.1&price=%d",
                     100 + i);
        call(f, "POST", "/api/v3/order", q, 1);
        assert_int_equal(f->status, 200);
        assert_int_equal(f->ocount[0], i);
        assert_int_equal(f->ocount[1], i);
    }
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&"
         "price=99",
         1);
    assert_int_equal(f->status, 429);
    assert_string_equal(f->body,
                        "{\"code\":-1015,\"msg\":\"Too many new orders; "
                        "current limit is 100 orders per TEN_SECONDS.\"}");
    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(f->ocount[0], -1);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) +
                                                (int64_t)10000000000),
                     LX_OK);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.1&"
         "price=99",
         1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->ocount[0], 1);
    assert_true(f->ocount[1] >= 102);
}

/* Sends one WebSocket API request and returns the answer (owned by f). */
static const cJSON *api_call(struct fx *f, const char *text)
{
    int before = f->nmsgs;

    assert_int_equal(lx_ws_send_text(f->ws, text, strlen(text)), LX_OK);
    settle(f);
    assert_int_equal(f->nmsgs, before + 1);
    return f->msgs[before];
}

static int64_t api_error(const cJSON *o)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");

    return e != NULL ? jnum(e, "code") : 0;
}

/*
 * /ws-api/v3 userDataStream.subscribe.signature: the signature over the
 * sorted params is checked as the key was registered: HMAC hex for an
 * HMAC key, base64 Ed25519 for an Ed25519 one. An Ed25519 account has no
 * HMAC secret, so an HMAC made with an empty key must not pass.
 */
static void test_ws_api_subscribe(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    struct fx *f = *state;
    struct lx_mock_bn_account_cfg ac;
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    EVP_PKEY *pk = NULL;
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    unsigned char md[64], sig[64], b64[100];
    unsigned int mdlen = 0, i;
    size_t siglen = sizeof(sig);
    char payload[256], hex[129], req[512];
    int64_t now = lx_clock_wall_ms(f->clock);

    /* An Ed25519 account next to the fixture's HMAC one. */
    assert_non_null(kc);
    assert_int_equal(EVP_PKEY_keygen_init(kc), 1);
    assert_int_equal(EVP_PKEY_keygen(kc, &pk), 1);
    memset(&ac, 0, sizeof(ac));
    ac.api_key = "ed-key-0123456789";
    ac.ed25519 = pk;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &ac, NULL, NULL),
                     LX_OK);
    assert_int_equal(lx_ws_connect(&f->ws, f->net,
                                   "wss://ws-api.binance.com:443/ws-api/v3",
                                   NULL, &cbs, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);

    /* HMAC key: the right signature subscribes, a wrong one is -1022. */
    lx__snprintf(payload, sizeof(payload), "apiKey=%s&timestamp=%lld", KEY,
                 (long long)now);
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
         (const unsigned char *)payload, strlen(payload), md, &mdlen);
    for (i = 0; i < mdlen; i++) {
        lx__snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    lx__snprintf(req, sizeof(req),
                 "{\"id\":1,\"method\":\"userDataStream.subscribe.signature\","
                 "\"params\":{\"apiKey\":\"%s\",\"timestamp\":%lld,"
                 "\"signature\":\"%s\"}}",
                 KEY, (long long)now, hex);
    assert_int_equal(api_error(api_call(f, req)), 0);
    hex[0] = hex[0] == '0' ? '1' : '0';
    lx__snprintf(req, sizeof(req),
                 "{\"id\":2,\"method\":\"userDataStream.subscribe.signature\","
                 "\"params\":{\"apiKey\":\"%s\",\"timestamp\":%lld,"
                 "\"signature\":\"%s\"}}",
                 KEY, (long long)now, hex);
    assert_int_equal(api_error(api_call(f, req)), -1022);

    /* Ed25519 key: an HMAC with an empty key is refused. */
    lx__snprintf(payload, sizeof(payload), "apiKey=%s&timestamp=%lld",
                 ac.api_key, (long long)now);
    HMAC(EVP_sha256(), "", 0, (const unsigned char *)payload, strlen(payload),
         md, &mdlen);
    for (i = 0; i < mdlen; i++) {
        lx__snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    lx__snprintf(req, sizeof(req),
                 "{\"id\":3,\"method\":\"userDataStream.subscribe.signature\","
                 "\"params\":{\"apiKey\":\"%s\",\"timestamp\":%lld,"
                 "\"signature\":\"%s\"}}",
                 ac.api_key, (long long)now, hex);
    assert_int_equal(api_error(api_call(f, req)), -1022);

    /* ... and its Ed25519 signature (base64) subscribes. */
    assert_int_equal(EVP_DigestSignInit(mc, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestSign(mc, sig, &siglen,
                                    (const unsigned char *)payload,
                                    strlen(payload)),
                     1);
    assert_int_equal(EVP_EncodeBlock(b64, sig, (int)siglen), 88);
    lx__snprintf(req, sizeof(req),
                 "{\"id\":4,\"method\":\"userDataStream.subscribe.signature\","
                 "\"params\":{\"apiKey\":\"%s\",\"timestamp\":%lld,"
                 "\"signature\":\"%s\"}}",
                 ac.api_key, (long long)now, (const char *)b64);
    assert_int_equal(api_error(api_call(f, req)), 0);

    lx_ws_free(f->ws);
    f->ws = NULL;
    settle(f);
    EVP_MD_CTX_free(mc);
    EVP_PKEY_CTX_free(kc);
    /* pk is borrowed by the venue until teardown frees it */
    f->ed_key = pk;
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

/* One side of a book as text levels, for replaying diffs in tests. */
struct tbook {
    char px[2048][24], qty[2048][24];
    int n;
};

static void tbook_set(struct tbook *b, const char *px, const char *qty)
{
    int i;

    for (i = 0; i < b->n && strcmp(b->px[i], px) != 0; i++) {
    }
    if (i == b->n) {
        assert_true(b->n < 2048);
        b->n++;
    }
    lx__snprintf(b->px[i], sizeof(b->px[i]), "%s", px);
    lx__snprintf(b->qty[i], sizeof(b->qty[i]), "%s", qty);
}

static void tbook_load(struct tbook *b, const cJSON *levels)
{
    const cJSON *l;

    cJSON_ArrayForEach (l, levels) {
        tbook_set(b, cJSON_GetArrayItem(l, 0)->valuestring,
                  cJSON_GetArrayItem(l, 1)->valuestring);
    }
}

/* Every level of want is in b with its quantity and b has no other
 * non-zero level. */
static void tbook_same(const struct tbook *b, const cJSON *want)
{
    const cJSON *l;
    int i, live = 0, n = 0;

    for (i = 0; i < b->n; i++) {
        live += strspn(b->qty[i], "0.") != strlen(b->qty[i]); /* not 0 */
    }
    cJSON_ArrayForEach (l, want) {
        const char *px = cJSON_GetArrayItem(l, 0)->valuestring;

        for (i = 0; i < b->n && strcmp(b->px[i], px) != 0; i++) {
        }
        assert_true(i < b->n);
        assert_string_equal(b->qty[i], cJSON_GetArrayItem(l, 1)->valuestring);
        n++;
    }
    assert_int_equal(live, n);
}

/* The snapshot with stream want's diffs after it applied equals end. */
static void check_applied(struct fx *f, const char *want, const cJSON *snap,
                          const cJSON *end)
{
    struct tbook *b = test_calloc(2, sizeof(*b));
    int64_t last = jnum(snap, "lastUpdateId");
    int i, k;

    tbook_load(&b[0], cJSON_GetObjectItemCaseSensitive(snap, "bids"));
    tbook_load(&b[1], cJSON_GetObjectItemCaseSensitive(snap, "asks"));
    for (i = 0; i < f->nmsgs; i++) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(f->msgs[i], "data");
        const cJSON *l;

        if (strcmp(jstr(f->msgs[i], "stream"), want) != 0 ||
            jnum(d, "u") <= last) {
            continue;
        }
        for (k = 0; k < 2; k++) {
            cJSON_ArrayForEach (
                l, cJSON_GetObjectItemCaseSensitive(d, k == 0 ? "b" : "a")) {
                tbook_set(&b[k], cJSON_GetArrayItem(l, 0)->valuestring,
                          cJSON_GetArrayItem(l, 1)->valuestring);
            }
        }
    }
    tbook_same(&b[0], cJSON_GetObjectItemCaseSensitive(end, "bids"));
    tbook_same(&b[1], cJSON_GetObjectItemCaseSensitive(end, "asks"));
    test_free(b);
}

/*
 * Windows nobody follows drop what they gathered without rendering; a
 * client that subscribes after seconds of market activity still gets
 * diffs that continue its snapshot, on both windows.
 */
static void test_depth_late_subscriber(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    struct fx *f = *state;
    cJSON *snap, *end;
    int64_t last;

    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 3 * SEC + SEC / 3),
        LX_OK);
    assert_int_equal(lx_ws_connect(&f->ws, f->net,
                                   "wss://stream.binance.com:9443/stream?"
                                   "streams=btcusdt@depth@100ms/btcusdt@depth",
                                   NULL, &cbs, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", 0);
    snap = body_json(f);
    last = jnum(snap, "lastUpdateId");
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 4 * SEC), LX_OK);
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=1000", 0);
    end = body_json(f);
    lx_mock_synth_clock(1, 0, f->synth);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 2 * SEC), LX_OK);
    check_diffs(f, "btcusdt@depth@100ms", last, jnum(end, "lastUpdateId"), 3,
                6);
    check_diffs(f, "btcusdt@depth", last, jnum(end, "lastUpdateId"), 3, 6);
    check_applied(f, "btcusdt@depth@100ms", snap, end);
    check_applied(f, "btcusdt@depth", snap, end);
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

/* ---- the admin API's accounts, balances and market moves ------------------
 */

/* call() with another key pair (an account the admin API created). */
static void call_as(struct fx *f, const char *key, const char *secret,
                    const char *path, const char *params)
{
    char q[1024], target[1200], hex[65];
    unsigned char md[32];
    unsigned int mdlen = 0, i;
    struct lx_http_msg *m;
    int want = f->nresp + 1;

    lx__snprintf(q, sizeof(q), "%s%stimestamp=%lld", params,
                 params[0] != '\0' ? "&" : "",
                 (long long)lx_clock_wall_ms(f->clock));
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)q,
         strlen(q), md, &mdlen);
    for (i = 0; i < mdlen; i++) {
        lx__snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    lx__snprintf(target, sizeof(target), "%s?%s&signature=%s", path, q, hex);
    assert_int_equal(lx_http_msg_new_request(&m, NULL, "GET", target), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", key), LX_OK);
    assert_int_equal(lx_http_client_send(f->cli, "https://api.binance.com", m,
                                         0, resp_cb, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->nresp, want);
}

/*
 * POST accounts: the venue keeps its own copy of the secret (the caller's
 * is wiped at once and signing still works), the account sees its
 * balances and default fees; a taken key, an unknown asset or a bad fee
 * is refused naming the field, and no answer holds the secret.
 */
static void test_admin_new_account(void **state)
{
    static const char *const bal[] = {"USDT", "250.5", "BTC", "0.5", NULL};
    static const char *const doge[] = {"DOGE", "1", NULL};
    static const char *const neg[] = {"USDT", "-1", NULL};
    struct fx *f = *state;
    char secret[] = "admin-secret-NEVER-shown-77";
    const char *why = "";
    uint32_t id = 0;

    assert_int_equal(lx_mock_bn_spot_has_account(f->spot, "adm1"), 0);
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm1", secret, NULL,
                                                 NULL, bal, &id, &why),
                     LX_OK);
    assert_int_equal(id, f->taker + 1);
    assert_int_equal(lx_mock_bn_spot_has_account(f->spot, "adm1"), 1);
    memset(secret, 'x', sizeof(secret) - 1); /* the admin's wipe */
    call_as(f, "adm1", "admin-secret-NEVER-shown-77", "/api/v3/account", "");
    assert_int_equal(f->status, 200);
    assert_non_null(strstr(f->body, "\"makerCommission\":10,"));
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"250.50000000\",\"locked\":"
                                    "\"0.00000000\"}"));
    assert_non_null(strstr(f->body, "{\"asset\":\"BTC\",\"free\":"
                                    "\"0.50000000\""));
    call_as(f, "adm1", secret, "/api/v3/account", ""); /* the wiped one */
    assert_int_equal(f->status, 400);
    assert_null(strstr(f->body, "NEVER"));

    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm1", "other", NULL,
                                                 NULL, NULL, NULL, &why),
                     LX_ERR_EXISTS);
    assert_string_equal(why, "apiKey: already taken");
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, KEY, "other", NULL,
                                                 NULL, NULL, NULL, &why),
                     LX_ERR_EXISTS);
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm2", "s2", NULL,
                                                 NULL, doge, NULL, &why),
                     LX_ERR_INVAL);
    assert_string_equal(why,
                        "balances: an asset no symbol of this venue trades");
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm2", "s2", NULL,
                                                 NULL, neg, NULL, &why),
                     LX_ERR_INVAL);
    assert_non_null(strstr(why, "balances: "));
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm2", "s2", "2",
                                                 NULL, NULL, NULL, &why),
                     LX_ERR_INVAL);
    assert_non_null(strstr(why, "makerFee: "));
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm2", "s2",
                                                 "0.0001", "0.000000001", NULL,
                                                 NULL, &why),
                     LX_ERR_INVAL);
    assert_non_null(strstr(why, "takerFee: "));
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm2", "", NULL,
                                                 NULL, NULL, NULL, &why),
                     LX_ERR_INVAL);
    assert_string_equal(why, "secret: want a non-empty string");
    assert_int_equal(lx_mock_bn_spot_has_account(f->spot, "adm2"), 0);
    /* Fees given: 2 bps maker, 4 bps taker. */
    assert_int_equal(lx_mock_bn_spot_new_account(f->spot, "adm2", "s2",
                                                 "0.0002", "0.0004", NULL, NULL,
                                                 &why),
                     LX_OK);
    call_as(f, "adm2", "s2", "/api/v3/account", "");
    assert_int_equal(f->status, 200);
    assert_non_null(
        strstr(f->body, "\"makerCommission\":2,\"takerCommission\":4,"));
}

/* Opens the user-data stream of KEY; f->msgs gets its events. */
static void open_user_stream(struct fx *f)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    struct lx_http_msg *m;
    char url[160];
    cJSON *o;

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
    lx__snprintf(url, sizeof(url), "wss://stream.binance.com:9443/ws/%s",
                 jstr(o, "listenKey"));
    cJSON_Delete(o);
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
}

/* Checks msgs[i] is balanceUpdate of asset by d, msgs[i+1] the position. */
static void check_bal_events(struct fx *f, int i, const char *asset,
                             const char *d, const char *free_bal)
{
    const cJSON *b;

    assert_true(f->nmsgs >= i + 2);
    assert_string_equal(jstr(f->msgs[i], "e"), "balanceUpdate");
    assert_string_equal(jstr(f->msgs[i], "a"), asset);
    assert_string_equal(jstr(f->msgs[i], "d"), d);
    assert_int_equal(jnum(f->msgs[i], "E"), lx_clock_wall_ms(f->clock));
    assert_int_equal(jnum(f->msgs[i], "T"), lx_clock_wall_ms(f->clock));
    assert_int_equal(cJSON_GetArraySize(f->msgs[i]), 5);
    assert_string_equal(jstr(f->msgs[i + 1], "e"), "outboundAccountPosition");
    b = cJSON_GetObjectItemCaseSensitive(f->msgs[i + 1], "B");
    assert_int_equal(cJSON_GetArraySize(b), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(b, 0), "a"), asset);
    assert_string_equal(jstr(cJSON_GetArrayItem(b, 0), "f"), free_bal);
}

/*
 * POST balance: the free balance is set by a deposit or withdrawal of the
 * difference; the user stream gets balanceUpdate then
 * outboundAccountPosition; the same amount again moves nothing; a bad
 * key, asset or amount is refused naming the field.
 */
static void test_admin_set_balance(void **state)
{
    struct fx *f = *state;
    const char *why = "";

    open_user_stream(f);
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "USDT", "12345.5", &why),
        LX_OK);
    settle(f);
    assert_int_equal(f->nmsgs, 2);
    check_bal_events(f, 0, "USDT", "2345.50000000", "12345.50000000");
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "BTC", "0.25", &why), LX_OK);
    settle(f);
    assert_int_equal(f->nmsgs, 4);
    check_bal_events(f, 2, "BTC", "-0.75000000", "0.25000000");
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "BTC", "0.25000", &why),
        LX_OK);
    settle(f);
    assert_int_equal(f->nmsgs, 4); /* no change, no event */
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"12345.50000000\",\"locked\":"
                                    "\"0.00000000\"}"));
    assert_non_null(strstr(f->body, "{\"asset\":\"BTC\",\"free\":"
                                    "\"0.25000000\""));
    /* The free balance is set; what an order locks stays locked. */
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000&newClientOrderId=b1",
         1);
    assert_int_equal(f->status, 200);
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "USDT", "0", &why), LX_OK);
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"0.00000000\",\"locked\":"
                                    "\"50.00000000\"}"));

    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, "nobody", "USDT", "1", &why),
        LX_ERR_NOTFOUND);
    assert_string_equal(why, "apiKey: no such account");
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "DOGE", "1", &why),
        LX_ERR_NOTFOUND);
    assert_non_null(strstr(why, "asset: "));
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "USDT", "-1", &why),
        LX_ERR_INVAL);
    assert_non_null(strstr(why, "amount: "));
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "USDT", "0.000000001", &why),
        LX_ERR_INVAL);
    assert_int_equal(
        lx_mock_bn_spot_set_balance(f->spot, KEY, "USDT", "lots", &why),
        LX_ERR_INVAL);
}

/*
 * POST mark on spot moves the synthetic market: the mid jumps to the
 * price rounded to the tick, the ladder is re-posted around it at once,
 * and the walk goes on from there. Out of the price filter, too low for
 * the ladder, not a price or no generator: refused naming the field.
 */
static void test_synth_set_mid(void **state)
{
    struct fx *f = *state;
    char applied[64] = "";
    const char *why = "";
    cJSON *o, *bids, *asks;
    int64_t bid;

    assert_int_equal(lx_mock_synth_set_mid(f->synth, "BTCUSDT", "50000.005",
                                           applied, sizeof(applied), &why),
                     LX_OK);
    assert_string_equal(applied, "50000.00"); /* half even */
    call(f, "GET", "/api/v3/depth", "symbol=BTCUSDT&limit=5", 0);
    o = body_json(f);
    bids = cJSON_GetObjectItemCaseSensitive(o, "bids");
    asks = cJSON_GetObjectItemCaseSensitive(o, "asks");
    assert_int_equal(cJSON_GetArraySize(bids), 5);
    assert_int_equal(cJSON_GetArraySize(asks), 5);
    /* 5 levels 50 ticks apart on each side of the new mid */
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetArrayItem(bids, 0), 0)->valuestring,
        "49999.50000000");
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetArrayItem(bids, 4), 0)->valuestring,
        "49997.50000000");
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetArrayItem(asks, 0), 0)->valuestring,
        "50000.50000000");
    assert_string_equal(
        cJSON_GetArrayItem(cJSON_GetArrayItem(asks, 4), 0)->valuestring,
        "50002.50000000");
    cJSON_Delete(o);
    assert_int_equal(lx_mock_bn_spot_mid_ticks(f->spot, "BTCUSDT", &bid),
                     LX_OK);
    assert_int_equal(bid, 5000000);
    /* One period on: the walk went on from the new mid (+-3 ticks). */
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(lx_mock_bn_spot_mid_ticks(f->spot, "BTCUSDT", &bid),
                     LX_OK);
    assert_in_range(bid, 5000000 - 3, 5000000 + 3);
    assert_int_equal(
        lx_mock_synth_set_mid(f->synth, "BTCUSDT", "61000", NULL, 0, &why),
        LX_OK);
    assert_int_equal(lx_mock_bn_spot_mid_ticks(f->spot, "BTCUSDT", &bid),
                     LX_OK);
    assert_int_equal(bid, 6100000);

    assert_int_equal(lx_mock_synth_set_mid(f->synth, "ETHUSDT", "1", applied,
                                           sizeof(applied), &why),
                     LX_ERR_NOTFOUND);
    assert_string_equal(why, "symbol: no synthetic market");
    assert_int_equal(lx_mock_synth_set_mid(f->synth, "BTCUSDT", "abc", applied,
                                           sizeof(applied), &why),
                     LX_ERR_INVAL);
    assert_non_null(strstr(why, "price: "));
    assert_int_equal(lx_mock_synth_set_mid(f->synth, "BTCUSDT", "-5", applied,
                                           sizeof(applied), &why),
                     LX_ERR_INVAL);
    assert_int_equal(lx_mock_synth_set_mid(f->synth, "BTCUSDT", "1000000.01",
                                           applied, sizeof(applied), &why),
                     LX_ERR_RANGE);
    assert_string_equal(why, "price: outside the symbol's price filter");
    /* (5 + 4) x 50 ticks = 4.50 is the lowest mid the ladder fits */
    assert_int_equal(lx_mock_synth_set_mid(f->synth, "BTCUSDT", "4.49", applied,
                                           sizeof(applied), &why),
                     LX_ERR_RANGE);
    assert_non_null(strstr(why, "price: too low"));
    assert_int_equal(lx_mock_synth_set_mid(NULL, "BTCUSDT", "100", applied,
                                           sizeof(applied), &why),
                     LX_ERR_NOTFOUND);
    assert_int_equal(lx_mock_bn_spot_mid_ticks(f->spot, "BTCUSDT", &bid),
                     LX_OK);
    assert_int_equal(bid, 6100000); /* the refusals moved nothing */
}

/* The last message of f->msgs whose "e" is e and "x" is x; NULL if none. */
static const cJSON *last_exec(struct fx *f, const char *x)
{
    int i;

    for (i = f->nmsgs - 1; i >= 0; i--) {
        const cJSON *m = f->msgs[i];

        if (strcmp(jstr(m, "e"), "executionReport") == 0 &&
            strcmp(jstr(m, "x"), x) == 0) {
            return m;
        }
    }
    return NULL;
}

/*
 * PUT /api/v3/order/amend/keepPriority (rest-api.md "Order Amend Keep
 * Priority"): the quantity drops in place, the order keeps its place in
 * the queue (it still fills first), the lock shrinks, the answer is
 * {"transactTime","executionId","amendedOrder":{..}}, the user stream gets
 * executionReport x=REPLACED with the new client id in c and the old in
 * C, weight 4; the rejections are -2038 (errors.md), -1013, -1102.
 */
/*
 * The published book follows the engine's by the prices each event
 * touches: after every step of a seeded random order stream (limits,
 * IOC, market, post-only, stop-limits that trigger, cancels, amends with
 * and without priority, from two accounts that trade with each other),
 * it equals the engine's whole book, and every change took an update id.
 */
static void test_depth_incremental_random(void **state)
{
    struct fx *f = *state;
    struct lx_mock_bn_spot *v = f->spot;
    uint32_t inst = v->syms[0].inst;
    uint64_t ids[64], x = 0x9e3779b97f4a7c15ULL;
    size_t nids = 0;
    int step, changes = 0;

    memset(ids, 0, sizeof(ids));
    for (step = 0; step < 3000; step++) {
        struct lx_eng_order_req r;
        struct lx_eng_result res;
        uint64_t pick;
        int64_t before = v->syms[0].update_id;
        int op;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        pick = x >> 8;
        op = (int)(pick % 10);
        memset(&r, 0, sizeof(r));
        r.account = pick & 1 ? f->maker : f->taker;
        r.inst = inst;
        r.side = (pick >> 1) & 1 ? LX_ENG_SELL : LX_ENG_BUY;
        r.price = 5000000 + (int64_t)((pick >> 2) % 41) - 20;
        r.qty = 1 + (int64_t)((pick >> 9) % 50);
        r.time = T0 + step;
        r.stp = LX_ENG_STP_NONE;
        if (op <= 3 || (op == 4 && nids == 0)) {
            r.type = LX_ENG_LIMIT;
            r.tif = LX_ENG_GTC;
        } else if (op == 4) {
            r.type = LX_ENG_LIMIT;
            r.tif = LX_ENG_IOC;
        } else if (op == 5) {
            r.type = (pick >> 20) & 1 ? LX_ENG_MARKET : LX_ENG_LIMIT_MAKER;
            r.tif = LX_ENG_GTC;
            if (r.type == LX_ENG_MARKET) {
                r.price = 0;
            }
        } else if (op == 6) {
            r.type = LX_ENG_STOP_LOSS_LIMIT;
            r.tif = LX_ENG_GTC;
            r.stop_price = r.price + (r.side == LX_ENG_BUY ? 1 : -1);
        } else {
            r.type = 0xff; /* not a new order */
        }
        if (r.type != 0xff) {
            assert_int_equal(lx__engine_submit(v->eng, &r, &res), LX_OK);
            if (res.order_id != 0) {
                ids[nids < 64 ? nids++ : (size_t)(pick % 64)] = res.order_id;
            }
        } else if (nids > 0) {
            uint64_t id = ids[(pick >> 12) % nids];
            const struct bn_order *o = lx__mbn_order(v, id);

            if (op == 7) {
                lx__engine_cancel(v->eng, o->account, id, NULL, 0, r.time,
                                  &res);
            } else {
                int64_t nq = 1 + (int64_t)((pick >> 9) % 60);

                if (op == 8) {
                    lx__engine_amend(v->eng, o->account, id, o->price, nq,
                                     r.time, &res);
                } else {
                    lx__engine_amend_requeue(v->eng, o->account, id, r.price,
                                             nq, r.time, &res);
                }
            }
        }
        assert_int_equal(lx__mbn_drain(v), LX_OK);
        assert_int_equal(lx__mbn_check_depth(v), LX_OK);
        assert_true(v->syms[0].update_id == before ||
                    v->syms[0].update_id == before + 1);
        changes += v->syms[0].update_id != before;
    }
    assert_int_equal(lx__engine_check(v->eng), LX_OK);
    /* the stream really moved the book (the check is not vacuous) */
    assert_true(changes > 1000);
    assert_true(v->syms[0].pub[0].n > 5 && v->syms[0].pub[1].n > 5);
}

static void test_amend_keep_priority(void **state)
{
    struct fx *f = *state;
    struct lx_eng_queue_entry q[4];
    const cJSON *ex;
    cJSON *o, *a;
    char p[200];
    int64_t id, used, exec_id, t0 = T0 / 1000000;
    int rej = 1, i;

    open_user_stream(f);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.003&"
         "price=50000&newClientOrderId=a1",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    id = jnum(o, "orderId");
    cJSON_Delete(o);
    /* another account queues behind it at the same price */
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->maker, "BTCUSDT", "BUY",
                                           "LIMIT", "50000", "0.002", &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
    used = f->used;

    lx__snprintf(p, sizeof(p),
                 "symbol=BTCUSDT&orderId=%lld&newQty=0.001&"
                 "newClientOrderId=a2",
                 (long long)id);
    call(f, "PUT", "/api/v3/order/amend/keepPriority", p, 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, used + 4);
    assert_true(strncmp(f->body, "{\"transactTime\":", 16) == 0);
    o = body_json(f);
    assert_int_equal(jnum(o, "transactTime"), t0);
    exec_id = jnum(o, "executionId");
    a = cJSON_GetObjectItemCaseSensitive(o, "amendedOrder");
    assert_string_equal(jstr(a, "symbol"), "BTCUSDT");
    assert_int_equal(jnum(a, "orderId"), id);
    assert_int_equal(jnum(a, "orderListId"), -1);
    assert_string_equal(jstr(a, "origClientOrderId"), "a1");
    assert_string_equal(jstr(a, "clientOrderId"), "a2");
    assert_string_equal(jstr(a, "price"), "50000.00000000");
    assert_string_equal(jstr(a, "qty"), "0.00100000");
    assert_string_equal(jstr(a, "executedQty"), "0.00000000");
    assert_string_equal(jstr(a, "preventedQty"), "0.00000000");
    assert_string_equal(jstr(a, "quoteOrderQty"), "0.00000000");
    assert_string_equal(jstr(a, "cumulativeQuoteQty"), "0.00000000");
    assert_string_equal(jstr(a, "status"), "NEW");
    assert_string_equal(jstr(a, "timeInForce"), "GTC");
    assert_string_equal(jstr(a, "type"), "LIMIT");
    assert_string_equal(jstr(a, "side"), "BUY");
    assert_int_equal(jnum(a, "workingTime"), t0);
    assert_string_equal(jstr(a, "selfTradePreventionMode"), "EXPIRE_MAKER");
    cJSON_Delete(o);

    /* still first in the queue at 50000.00 (5000000 ticks), 100 lots */
    assert_int_equal(lx__engine_queue(f->spot->eng, f->spot->syms[0].inst,
                                      LX_ENG_BUY, 5000000, q, 4),
                     2);
    assert_int_equal(q[0].id, (uint64_t)id);
    assert_int_equal(q[0].remaining, 100);
    assert_int_equal(q[1].account, f->maker);
    /* 100 USDT of the 150 locked are released */
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"9950.00000000\",\"locked\":"
                                    "\"50.00000000\"}"));
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=a2", 1);
    o = body_json(f);
    assert_int_equal(jnum(o, "orderId"), id);
    assert_string_equal(jstr(o, "origQty"), "0.00100000");
    cJSON_Delete(o);

    settle(f);
    ex = last_exec(f, "REPLACED");
    assert_non_null(ex);
    assert_string_equal(jstr(ex, "X"), "NEW");
    assert_string_equal(jstr(ex, "c"), "a2");
    assert_string_equal(jstr(ex, "C"), "a1");
    assert_string_equal(jstr(ex, "q"), "0.00100000");
    assert_string_equal(jstr(ex, "z"), "0.00000000");
    assert_int_equal(jnum(ex, "i"), id);
    assert_int_equal(jnum(ex, "I"), exec_id);
    assert_int_equal(jnum(ex, "T"), t0);

    /* rejections leave the order as it was */
    call(f, "PUT", "/api/v3/order/amend/keepPriority", p, 1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-2038,\"msg\":\"The requested "
                                 "action would change no state; "
                                 "rejecting\"}");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=a2&newQty=0.002", 1);
    assert_string_equal(f->body, "{\"code\":-2038,\"msg\":\"Order amend "
                                 "(quantity increase) is not supported.\"}");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=a2&newQty=0.000005", 1);
    assert_string_equal(f->body, "{\"code\":-1013,\"msg\":\"Filter failure: "
                                 "LOT_SIZE\"}");
    /* 0.0001 at 50000 is 5 USDT: the NOTIONAL minimum holds */
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=a2&newQty=0.00009", 1);
    assert_string_equal(f->body, "{\"code\":-1013,\"msg\":\"Filter failure: "
                                 "NOTIONAL\"}");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&orderId=999999&newQty=0.0005", 1);
    assert_string_equal(f->body,
                        "{\"code\":-2038,\"msg\":\"Unknown order sent.\"}");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=a2", 1);
    assert_string_equal(f->body,
                        "{\"code\":-1102,\"msg\":\"Mandatory parameter "
                        "'newQty' was not sent, was empty/null, or "
                        "malformed.\"}");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&newQty=0.0005", 1);
    assert_int_equal(f->status, 400);
    assert_non_null(strstr(f->body, "\"code\":-1102"));

    /* a seller takes 0.0015: the amended order (first) fills, then 0.0005 */
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->taker, "BTCUSDT", "SELL",
                                           "LIMIT", "50000", "0.0015", &rej),
                     LX_OK);
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=a2", 1);
    o = body_json(f);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "executedQty"), "0.00100000");
    cJSON_Delete(o);
    /* a closed order cannot be amended */
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=a2&newQty=0.0005", 1);
    assert_string_equal(f->body,
                        "{\"code\":-2038,\"msg\":\"Unknown order sent.\"}");

    /* MAX_NUM_ORDER_AMENDS: 10 amendments per order */
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.02&"
         "price=40000&newClientOrderId=m1",
         1);
    assert_int_equal(f->status, 200);
    for (i = 0; i < 11; i++) {
        lx__snprintf(p, sizeof(p),
                     "symbol=BTCUSDT&origClientOrderId=m1&newQty=0.%03d&"
                     "newClientOrderId=m1",
                     19 - i);
        call(f, "PUT", "/api/v3/order/amend/keepPriority", p, 1);
        if (i < 10) {
            assert_int_equal(f->status, 200);
        }
    }
    assert_string_equal(f->body, "{\"code\":-2038,\"msg\":\"Filter failure: "
                                 "MAX_NUM_ORDER_AMENDS\"}");
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=m1", 1);
    o = body_json(f);
    assert_string_equal(jstr(o, "origQty"), "0.01000000");
    cJSON_Delete(o);
}

/*
 * POST /api/v3/order/cancelReplace (rest-api.md "Cancel an Existing Order
 * and Send a New Order"): both parts done answer 200; a failed part 409
 * -2021 and both failed (or a failed cancel under STOP_ON_FAILURE) 400
 * -2022, with {"cancelResult","newOrderResult","cancelResponse",
 * "newOrderResponse"} under "data"; parameter errors answer plainly.
 */
static void test_cancel_replace(void **state)
{
    struct fx *f = *state;
    cJSON *o, *cr, *nr;
    const char *pre;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=50000&newClientOrderId=c1",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=c1&cancelNewClientOrderId=x1&side=BUY&"
         "type=LIMIT&timeInForce=GTC&quantity=0.002&price=49000&"
         "newClientOrderId=c2",
         1);
    assert_int_equal(f->status, 200);
    pre = "{\"cancelResult\":\"SUCCESS\",\"newOrderResult\":\"SUCCESS\","
          "\"cancelResponse\":{\"symbol\":\"BTCUSDT\","
          "\"origClientOrderId\":\"c1\",";
    assert_true(strncmp(f->body, pre, strlen(pre)) == 0);
    o = body_json(f);
    cr = cJSON_GetObjectItemCaseSensitive(o, "cancelResponse");
    assert_string_equal(jstr(cr, "clientOrderId"), "x1");
    assert_string_equal(jstr(cr, "status"), "CANCELED");
    assert_string_equal(jstr(cr, "origQty"), "0.00100000");
    nr = cJSON_GetObjectItemCaseSensitive(o, "newOrderResponse");
    assert_string_equal(jstr(nr, "clientOrderId"), "c2");
    assert_string_equal(jstr(nr, "status"), "NEW");
    assert_string_equal(jstr(nr, "price"), "49000.00000000");
    assert_string_equal(jstr(nr, "origQty"), "0.00200000");
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(nr, "fills")), 0);
    cJSON_Delete(o);
    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "clientOrderId"), "c2");
    cJSON_Delete(o);

    /* STOP_ON_FAILURE: the cancel fails, nothing is placed */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=c1&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.001&price=48000&newClientOrderId=c3",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(
        f->body, "{\"code\":-2022,\"msg\":\"Order cancel-replace failed.\","
                 "\"data\":{\"cancelResult\":\"FAILURE\",\"newOrderResult\":"
                 "\"NOT_ATTEMPTED\",\"cancelResponse\":{\"code\":-2011,"
                 "\"msg\":\"Unknown order sent.\"},\"newOrderResponse\":"
                 "null}}");
    /* ALLOW_FAILURE: the cancel fails, the new order is placed (ACK) */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=ALLOW_FAILURE&cancelOrderId=1&"
         "side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=48000&"
         "newClientOrderId=c3&newOrderRespType=ACK",
         1);
    assert_int_equal(f->status, 409);
    pre = "{\"code\":-2021,\"msg\":\"Order cancel-replace partially "
          "failed.\",\"data\":{\"cancelResult\":\"FAILURE\","
          "\"newOrderResult\":\"SUCCESS\",\"cancelResponse\":{\"code\":"
          "-2011,\"msg\":\"Unknown order sent.\"},\"newOrderResponse\":"
          "{\"symbol\":\"BTCUSDT\",\"orderId\":";
    assert_true(strncmp(f->body, pre, strlen(pre)) == 0);
    o = body_json(f);
    nr = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "data"), "newOrderResponse");
    assert_string_equal(jstr(nr, "clientOrderId"), "c3");
    assert_null(cJSON_GetObjectItemCaseSensitive(nr, "status")); /* ACK */
    cJSON_Delete(o);
    /* the cancel succeeds, the new order is rejected */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=c3&side=SELL&type=LIMIT_MAKER&"
         "quantity=0.001&price=40000&newClientOrderId=c4",
         1);
    assert_int_equal(f->status, 409);
    o = body_json(f);
    assert_int_equal(jnum(o, "code"), -2021);
    cr = cJSON_GetObjectItemCaseSensitive(o, "data");
    assert_string_equal(jstr(cr, "cancelResult"), "SUCCESS");
    assert_string_equal(jstr(cr, "newOrderResult"), "FAILURE");
    assert_string_equal(
        jstr(cJSON_GetObjectItemCaseSensitive(cr, "cancelResponse"), "status"),
        "CANCELED");
    nr = cJSON_GetObjectItemCaseSensitive(cr, "newOrderResponse");
    assert_int_equal(jnum(nr, "code"), -2010);
    assert_string_equal(jstr(nr, "msg"),
                        "Order would immediately match and take.");
    cJSON_Delete(o);
    /* both fail */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=ALLOW_FAILURE&"
         "cancelOrigClientOrderId=c3&side=SELL&type=LIMIT_MAKER&"
         "quantity=0.001&price=40000&newClientOrderId=c4",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(
        f->body, "{\"code\":-2022,\"msg\":\"Order cancel-replace failed.\","
                 "\"data\":{\"cancelResult\":\"FAILURE\",\"newOrderResult\":"
                 "\"FAILURE\",\"cancelResponse\":{\"code\":-2011,\"msg\":"
                 "\"Unknown order sent.\"},\"newOrderResponse\":{\"code\":"
                 "-2010,\"msg\":\"Order would immediately match and "
                 "take.\"}}}");
    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1); /* c2 */
    cJSON_Delete(o);

    /* request errors answer plainly */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelOrigClientOrderId=c2&side=BUY&type=LIMIT&"
         "timeInForce=GTC&quantity=0.001&price=48000",
         1);
    assert_string_equal(f->body,
                        "{\"code\":-1102,\"msg\":\"Mandatory parameter "
                        "'cancelReplaceMode' was not sent, was empty/null, "
                        "or malformed.\"}");
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&side=BUY&"
         "type=LIMIT&timeInForce=GTC&quantity=0.001&price=48000",
         1);
    assert_string_equal(f->body,
                        "{\"code\":-1102,\"msg\":\"Param "
                        "'cancelOrigClientOrderId' or 'cancelOrderId' must "
                        "be sent, but both were empty/null!\"}");
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=c2&side=BUY&type=LIMIT&quantity=0.001&"
         "price=48000",
         1);
    assert_non_null(strstr(f->body, "'timeInForce'"));
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=MAYBE&cancelOrigClientOrderId=c2&"
         "side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=48000",
         1);
    assert_int_equal(f->status, 400);
    assert_non_null(strstr(f->body, "\"code\":-1100"));
    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    cJSON_Delete(o);
}

/* The last event of f->msgs whose "e" is e; NULL if none. */
static const cJSON *last_event(struct fx *f, const char *e)
{
    int i;

    for (i = f->nmsgs - 1; i >= 0; i--) {
        if (strcmp(jstr(f->msgs[i], "e"), e) == 0) {
            return f->msgs[i];
        }
    }
    return NULL;
}

/* The last executionReport of client order id cid; NULL if none. */
static const cJSON *last_exec_of(struct fx *f, const char *cid)
{
    int i;

    for (i = f->nmsgs - 1; i >= 0; i--) {
        if (strcmp(jstr(f->msgs[i], "e"), "executionReport") == 0 &&
            strcmp(jstr(f->msgs[i], "c"), cid) == 0) {
            return f->msgs[i];
        }
    }
    return NULL;
}

/* A trade of qty at price between the maker and taker accounts. */
static void trade_at_price(struct fx *f, const char *price, const char *qty)
{
    int rej = 1;

    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", price, qty, &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->taker, "BTCUSDT", "BUY",
                                           "LIMIT", price, qty, &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
}

/* GET /api/v3/order's field k of client order id cid. */
static void order_field(struct fx *f, const char *cid, const char *k,
                        const char *want)
{
    char q[120];
    cJSON *o;

    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&origClientOrderId=%s", cid);
    call(f, "GET", "/api/v3/order", q, 1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_string_equal(jstr(o, k), want);
    cJSON_Delete(o);
}

/*
 * POST /api/v3/orderList/oco (rest-api.md "New Order list - OCO"): the
 * stop-loss leg and the limit-maker leg are linked under an orderListId;
 * the answer and GET /api/v3/orderList, /openOrderList show the list; a
 * partial fill of one leg expires the other (user-data.md: executionReport
 * x=EXPIRED, then listStatus l=ALL_DONE) and the list is done.
 */
static void test_oco_fill_expires_sibling(void **state)
{
    struct fx *f = *state;
    const cJSON *ev;
    cJSON *o, *r;
    const char *pre;
    int64_t t0 = T0 / 1000000;
    int rej = 1;

    open_user_stream(f);
    trade_at_price(f, "50000", "0.001"); /* last price 50000 */
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.01&aboveType=LIMIT_MAKER&"
         "abovePrice=52000&aboveClientOrderId=A1&belowType=STOP_LOSS_LIMIT&"
         "belowPrice=47000&belowStopPrice=48000&belowTimeInForce=GTC&"
         "belowClientOrderId=B1&listClientOrderId=L1",
         1);
    assert_int_equal(f->status, 200);
    pre = "{\"orderListId\":0,\"contingencyType\":\"OCO\","
          "\"listStatusType\":\"EXEC_STARTED\",\"listOrderStatus\":"
          "\"EXECUTING\",\"listClientOrderId\":\"L1\",\"transactionTime\":";
    assert_true(strncmp(f->body, pre, strlen(pre)) == 0);
    o = body_json(f);
    assert_int_equal(jnum(o, "transactionTime"), t0);
    assert_string_equal(jstr(o, "symbol"), "BTCUSDT");
    r = cJSON_GetObjectItemCaseSensitive(o, "orders");
    assert_int_equal(cJSON_GetArraySize(r), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "clientOrderId"), "B1");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "clientOrderId"), "A1");
    r = cJSON_GetObjectItemCaseSensitive(o, "orderReports");
    assert_int_equal(cJSON_GetArraySize(r), 2);
    assert_int_equal(jnum(cJSON_GetArrayItem(r, 0), "orderListId"), 0);
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "type"),
                        "STOP_LOSS_LIMIT");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "price"),
                        "47000.00000000");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "stopPrice"),
                        "48000.00000000");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "origQty"),
                        "0.01000000");
    assert_int_equal(jnum(cJSON_GetArrayItem(r, 0), "workingTime"), -1);
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "type"), "LIMIT_MAKER");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "side"), "SELL");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "status"), "NEW");
    assert_int_equal(jnum(cJSON_GetArrayItem(r, 1), "workingTime"), t0);
    assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(r, 1),
                                                 "fills")); /* RESULT */
    cJSON_Delete(o);
    settle(f);
    ev = last_event(f, "listStatus");
    assert_non_null(ev);
    assert_int_equal(jnum(ev, "g"), 0);
    assert_string_equal(jstr(ev, "s"), "BTCUSDT");
    assert_string_equal(jstr(ev, "c"), "OCO");
    assert_string_equal(jstr(ev, "l"), "EXEC_STARTED");
    assert_string_equal(jstr(ev, "L"), "EXECUTING");
    assert_string_equal(jstr(ev, "r"), "NONE");
    assert_string_equal(jstr(ev, "C"), "L1");
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(ev, "O")), 2);
    assert_int_equal(jnum(last_exec_of(f, "A1"), "g"), 0);
    assert_string_equal(jstr(last_exec_of(f, "B1"), "x"), "NEW");
    order_field(f, "A1", "status", "NEW");
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=B1", 1);
    assert_non_null(strstr(f->body, "\"orderListId\":0,"));
    call(f, "GET", "/api/v3/openOrderList", "", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "listClientOrderId"),
                        "L1");
    cJSON_Delete(o);
    call(f, "GET", "/api/v3/orderList", "origClientOrderId=L1", 1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_int_equal(jnum(o, "orderListId"), 0);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "orderReports"));
    cJSON_Delete(o);

    /* a buyer takes 0.004 of the limit-maker leg: the stop leg expires */
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->taker, "BTCUSDT", "BUY",
                                           "LIMIT", "52000", "0.004", &rej),
                     LX_OK);
    settle(f);
    order_field(f, "A1", "status", "PARTIALLY_FILLED");
    order_field(f, "B1", "status", "EXPIRED");
    ev = last_exec_of(f, "B1");
    assert_string_equal(jstr(ev, "x"), "EXPIRED");
    assert_string_equal(jstr(ev, "X"), "EXPIRED");
    assert_int_equal(jnum(ev, "g"), 0);
    ev = last_event(f, "listStatus");
    assert_string_equal(jstr(ev, "l"), "ALL_DONE");
    assert_string_equal(jstr(ev, "L"), "ALL_DONE");
    call(f, "GET", "/api/v3/openOrderList", "", 1);
    assert_string_equal(f->body, "[]");
    call(f, "GET", "/api/v3/orderList", "orderListId=0", 1);
    o = body_json(f);
    assert_string_equal(jstr(o, "listStatusType"), "ALL_DONE");
    assert_string_equal(jstr(o, "listOrderStatus"), "ALL_DONE");
    cJSON_Delete(o);
    /* 0.004 sold; only the limit leg's 0.006 is still locked */
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"BTC\",\"free\":"
                                    "\"0.99000000\",\"locked\":"
                                    "\"0.00600000\"}"));
    call(f, "DELETE", "/api/v3/orderList", "symbol=BTCUSDT&orderListId=0", 1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body,
                        "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
    call(f, "GET", "/api/v3/orderList", "orderListId=7", 1);
    assert_string_equal(f->body, "{\"code\":-2013,\"msg\":\"Order list does "
                                 "not exist.\"}");
    /* A list locks its quantity once: all the free BTC can go in one. */
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.99&aboveType=LIMIT_MAKER&"
         "abovePrice=53000&belowType=STOP_LOSS&belowStopPrice=45000",
         1);
    assert_int_equal(f->status, 200);
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"BTC\",\"free\":"
                                    "\"0.00000000\",\"locked\":"
                                    "\"0.99600000\"}"));
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.01&aboveType=LIMIT_MAKER&"
         "abovePrice=53000&belowType=STOP_LOSS&belowStopPrice=45000",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-2010,\"msg\":\"Account has "
                                 "insufficient balance for requested "
                                 "action.\"}");
    assert_int_equal(lx__engine_check(f->spot->eng), LX_OK);
}

/*
 * A triggered stop leg expires the limit leg (legacy POST /api/v3/order/oco);
 * cancelling one leg (DELETE /api/v3/order) cancels the other; DELETE
 * /api/v3/orderList answers the list with both cancel reports;
 * GET /api/v3/allOrderList; the price and type checks.
 */
static void test_oco_trigger_and_cancel(void **state)
{
    struct fx *f = *state;
    cJSON *o, *r;

    open_user_stream(f);
    trade_at_price(f, "50000", "0.001");
    call(f, "POST", "/api/v3/order/oco",
         "symbol=BTCUSDT&side=BUY&quantity=0.001&price=48000&"
         "stopPrice=52000&stopLimitPrice=53000&stopLimitTimeInForce=GTC&"
         "limitClientOrderId=LM&stopClientOrderId=SL&listClientOrderId=K1",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    r = cJSON_GetObjectItemCaseSensitive(o, "orderReports");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "type"),
                        "STOP_LOSS_LIMIT");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "side"), "BUY");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "type"), "LIMIT_MAKER");
    cJSON_Delete(o);
    /* the price reaches 52000: the stop leg triggers, the limit expires */
    trade_at_price(f, "52000", "0.001");
    settle(f);
    order_field(f, "LM", "status", "EXPIRED");
    order_field(f, "SL", "status", "NEW");
    call(f, "GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=SL", 1);
    assert_non_null(strstr(f->body, "\"isWorking\":true"));
    assert_string_equal(jstr(last_exec_of(f, "LM"), "x"), "EXPIRED");
    assert_string_equal(jstr(last_event(f, "listStatus"), "l"), "ALL_DONE");

    /* cancelling one leg cancels the list */
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=BUY&quantity=0.001&aboveType=STOP_LOSS&"
         "aboveStopPrice=55000&aboveClientOrderId=S2&belowType=LIMIT_MAKER&"
         "belowPrice=45000&belowClientOrderId=M2&listClientOrderId=K2",
         1);
    assert_int_equal(f->status, 200);
    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=M2",
         1);
    assert_int_equal(f->status, 200);
    assert_non_null(strstr(f->body, "\"orderListId\":1,"));
    settle(f);
    order_field(f, "S2", "status", "CANCELED");
    assert_string_equal(jstr(last_exec_of(f, "S2"), "x"), "CANCELED");
    call(f, "GET", "/api/v3/orderList", "orderListId=1", 1);
    assert_non_null(strstr(f->body, "\"listStatusType\":\"ALL_DONE\""));

    /* DELETE /api/v3/orderList */
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.002&aboveType=TAKE_PROFIT&"
         "aboveStopPrice=60000&belowType=STOP_LOSS&belowStopPrice=40000&"
         "listClientOrderId=K3&newOrderRespType=ACK",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    r = cJSON_GetObjectItemCaseSensitive(o, "orderReports");
    assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(r, 0),
                                                 "status")); /* ACK */
    cJSON_Delete(o);
    call(f, "DELETE", "/api/v3/orderList",
         "symbol=BTCUSDT&listClientOrderId=K3&newClientOrderId=cx", 1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_int_equal(jnum(o, "orderListId"), 2);
    assert_string_equal(jstr(o, "listStatusType"), "ALL_DONE");
    assert_string_equal(jstr(o, "listOrderStatus"), "ALL_DONE");
    r = cJSON_GetObjectItemCaseSensitive(o, "orderReports");
    assert_int_equal(cJSON_GetArraySize(r), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "status"), "CANCELED");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "type"), "STOP_LOSS");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 0), "clientOrderId"), "cx");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "status"), "CANCELED");
    assert_string_equal(jstr(cJSON_GetArrayItem(r, 1), "type"), "TAKE_PROFIT");
    assert_int_equal(jnum(cJSON_GetArrayItem(r, 1), "orderListId"), 2);
    cJSON_Delete(o);

    call(f, "GET", "/api/v3/allOrderList", "", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 3);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderListId"), 0);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 2), "orderListId"), 2);
    cJSON_Delete(o);
    call(f, "GET", "/api/v3/allOrderList", "limit=1", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "listClientOrderId"),
                        "K3");
    cJSON_Delete(o);
    call(f, "GET", "/api/v3/allOrderList", "fromId=1&limit=1", 1);
    o = body_json(f);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderListId"), 1);
    cJSON_Delete(o);

    /* checks: last price 52000 */
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.001&aboveType=LIMIT_MAKER&"
         "abovePrice=51000&belowType=STOP_LOSS&belowStopPrice=45000",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body,
                        "{\"code\":-2010,\"msg\":\"The relationship of the "
                        "prices for the orders is not correct.\"}");
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.001&aboveType=STOP_LOSS&"
         "aboveStopPrice=60000&belowType=STOP_LOSS&belowStopPrice=45000",
         1);
    assert_string_equal(
        f->body, "{\"code\":-2010,\"msg\":\"Unsupported order combination\"}");
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.001&belowType=STOP_LOSS&"
         "belowStopPrice=45000",
         1);
    assert_string_equal(f->body,
                        "{\"code\":-1102,\"msg\":\"Mandatory parameter "
                        "'aboveType' was not sent, was empty/null, or "
                        "malformed.\"}");
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.001&aboveType=LIMIT_MAKER&"
         "belowType=STOP_LOSS&belowStopPrice=45000",
         1);
    assert_non_null(strstr(f->body, "'abovePrice'"));
    call(f, "GET", "/api/v3/openOrderList", "", 1);
    assert_string_equal(f->body, "[]");
    assert_int_equal(lx__engine_check(f->spot->eng), LX_OK);
}

/*
 * keepPriority on an OCO leg answers the list under "listStatus" and, the
 * client id changed, sends listStatus l=UPDATED (order_amend_keep_priority
 * FAQ); cancelReplace of a leg cancels the whole list and places the new
 * order (the stream: CANCELED for both legs, ALL_DONE, then NEW).
 */
static void test_oco_amend_and_cancel_replace(void **state)
{
    struct fx *f = *state;
    const cJSON *ev;
    cJSON *o, *ls;
    int i, at_new = -1, at_done = -1;

    open_user_stream(f);
    trade_at_price(f, "50000", "0.001");
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.002&aboveType=LIMIT_MAKER&"
         "abovePrice=52000&aboveClientOrderId=A1&belowType=STOP_LOSS&"
         "belowStopPrice=48000&belowClientOrderId=B1&listClientOrderId=L1",
         1);
    assert_int_equal(f->status, 200);
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=A1&newQty=0.001&"
         "newClientOrderId=A2",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_int_equal(jnum(cJSON_GetObjectItemCaseSensitive(o, "amendedOrder"),
                          "orderListId"),
                     0);
    ls = cJSON_GetObjectItemCaseSensitive(o, "listStatus");
    assert_non_null(ls);
    assert_int_equal(jnum(ls, "orderListId"), 0);
    assert_string_equal(jstr(ls, "contingencyType"), "OCO");
    assert_string_equal(jstr(ls, "listOrderStatus"), "EXECUTING");
    assert_string_equal(jstr(ls, "listClientOrderId"), "L1");
    assert_string_equal(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ls, "orders"),
                                1),
             "clientOrderId"),
        "A2");
    cJSON_Delete(o);
    settle(f);
    ev = last_event(f, "listStatus");
    assert_string_equal(jstr(ev, "l"), "UPDATED");
    assert_string_equal(jstr(ev, "L"), "EXECUTING");
    /* the stop leg still waits: the list is open */
    order_field(f, "B1", "status", "NEW");

    /* cancelReplace on the stop leg: the list goes, the new order rests */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=B1&side=SELL&type=LIMIT&timeInForce=GTC&"
         "quantity=0.001&price=53000&newClientOrderId=N1",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    assert_int_equal(jnum(cJSON_GetObjectItemCaseSensitive(o, "cancelResponse"),
                          "orderListId"),
                     0);
    assert_int_equal(
        jnum(cJSON_GetObjectItemCaseSensitive(o, "newOrderResponse"),
             "orderListId"),
        -1);
    cJSON_Delete(o);
    settle(f);
    order_field(f, "B1", "status", "CANCELED");
    order_field(f, "A2", "status", "CANCELED");
    order_field(f, "N1", "status", "NEW");
    assert_string_equal(jstr(last_exec_of(f, "A2"), "x"), "CANCELED");
    for (i = 0; i < f->nmsgs; i++) {
        const char *e = jstr(f->msgs[i], "e");

        if (strcmp(e, "listStatus") == 0 &&
            strcmp(jstr(f->msgs[i], "l"), "ALL_DONE") == 0) {
            at_done = i;
        } else if (strcmp(e, "executionReport") == 0 &&
                   strcmp(jstr(f->msgs[i], "c"), "N1") == 0) {
            at_new = i;
            assert_string_equal(jstr(f->msgs[i], "x"), "NEW");
            assert_int_equal(jnum(f->msgs[i], "g"), -1);
        }
    }
    assert_true(at_done >= 0 && at_new > at_done);
    call(f, "GET", "/api/v3/openOrderList", "", 1);
    assert_string_equal(f->body, "[]");
    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    o = body_json(f);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    cJSON_Delete(o);
    assert_int_equal(lx__engine_check(f->spot->eng), LX_OK);
}

/*
 * cancelRestrictions (DELETE /api/v3/order and cancelReplace): ONLY_NEW
 * refuses a partly filled order and ONLY_PARTIALLY_FILLED a new one with
 * -2011 "Order was not canceled due to cancel restrictions." (inside the
 * cancelReplace answer's cancelResponse); an unknown value is -1145 before
 * anything happens; a passing restriction cancels.
 */
static void test_cancel_restrictions(void **state)
{
    struct fx *f = *state;
    int rej = 1;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.003&"
         "price=50000&newClientOrderId=r1",
         1);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=49000&newClientOrderId=r2",
         1);
    assert_int_equal(f->status, 200);
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->taker, "BTCUSDT", "SELL",
                                           "LIMIT", "50000", "0.001", &rej),
                     LX_OK);
    order_field(f, "r1", "status", "PARTIALLY_FILLED");
    call(f, "DELETE", "/api/v3/order",
         "symbol=BTCUSDT&origClientOrderId=r1&cancelRestrictions=NEW", 1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-1145,\"msg\":\"Invalid "
                                 "cancelRestrictions\"}");
    call(f, "DELETE", "/api/v3/order",
         "symbol=BTCUSDT&origClientOrderId=r1&cancelRestrictions=ONLY_NEW", 1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body,
                        "{\"code\":-2011,\"msg\":\"Order was not canceled "
                        "due to cancel restrictions.\"}");
    call(f, "DELETE", "/api/v3/order",
         "symbol=BTCUSDT&origClientOrderId=r2&"
         "cancelRestrictions=ONLY_PARTIALLY_FILLED",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body,
                        "{\"code\":-2011,\"msg\":\"Order was not canceled "
                        "due to cancel restrictions.\"}");
    order_field(f, "r1", "status", "PARTIALLY_FILLED");
    order_field(f, "r2", "status", "NEW");
    /* cancelReplace: the restricted cancel fails, STOP_ON_FAILURE stops */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=r1&cancelRestrictions=ONLY_NEW&side=BUY&"
         "type=LIMIT&timeInForce=GTC&quantity=0.001&price=48000&"
         "newClientOrderId=r3",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(
        f->body, "{\"code\":-2022,\"msg\":\"Order cancel-replace failed.\","
                 "\"data\":{\"cancelResult\":\"FAILURE\",\"newOrderResult\":"
                 "\"NOT_ATTEMPTED\",\"cancelResponse\":{\"code\":-2011,"
                 "\"msg\":\"Order was not canceled due to cancel "
                 "restrictions.\"},\"newOrderResponse\":null}}");
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=r1&cancelRestrictions=ANY&side=BUY&"
         "type=LIMIT&timeInForce=GTC&quantity=0.001&price=48000",
         1);
    assert_string_equal(f->body, "{\"code\":-1145,\"msg\":\"Invalid "
                                 "cancelRestrictions\"}");
    /* passing restrictions cancel */
    call(f, "POST", "/api/v3/order/cancelReplace",
         "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
         "cancelOrigClientOrderId=r1&"
         "cancelRestrictions=ONLY_PARTIALLY_FILLED&side=BUY&type=LIMIT&"
         "timeInForce=GTC&quantity=0.001&price=48000&newClientOrderId=r3",
         1);
    assert_int_equal(f->status, 200);
    order_field(f, "r1", "status", "CANCELED");
    call(f, "DELETE", "/api/v3/order",
         "symbol=BTCUSDT&origClientOrderId=r2&cancelRestrictions=ONLY_NEW", 1);
    assert_int_equal(f->status, 200);
    order_field(f, "r2", "status", "CANCELED");
    order_field(f, "r3", "status", "NEW");
}

/*
 * keepPriority on a partly filled order: newQty counts the executed part
 * (0.003 ordered, 0.001 filled, newQty 0.002 leaves 0.001 resting);
 * newQty at the executed quantity is refused. cancelReplace with
 * cancelOrderId and a cancelOrigClientOrderId of another order fails the
 * cancel.
 */
static void test_amend_partial_and_mismatch(void **state)
{
    struct fx *f = *state;
    cJSON *o, *a;
    char q[200];
    int64_t id;
    int rej = 1;

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.003&"
         "price=50000&newClientOrderId=p1",
         1);
    o = body_json(f);
    id = jnum(o, "orderId");
    cJSON_Delete(o);
    assert_int_equal(lx_mock_bn_spot_place(f->spot, f->taker, "BTCUSDT", "SELL",
                                           "LIMIT", "50000", "0.001", &rej),
                     LX_OK);
    order_field(f, "p1", "status", "PARTIALLY_FILLED");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=p1&newQty=0.001", 1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-1013,\"msg\":\"Filter failure: "
                                 "LOT_SIZE\"}");
    call(f, "PUT", "/api/v3/order/amend/keepPriority",
         "symbol=BTCUSDT&origClientOrderId=p1&newQty=0.002&"
         "newClientOrderId=p1",
         1);
    assert_int_equal(f->status, 200);
    o = body_json(f);
    a = cJSON_GetObjectItemCaseSensitive(o, "amendedOrder");
    assert_string_equal(jstr(a, "clientOrderId"), "p1");
    assert_string_equal(jstr(a, "origClientOrderId"), "p1");
    assert_string_equal(jstr(a, "qty"), "0.00200000");
    assert_string_equal(jstr(a, "executedQty"), "0.00100000");
    assert_string_equal(jstr(a, "cumulativeQuoteQty"), "50.00000000");
    assert_string_equal(jstr(a, "status"), "PARTIALLY_FILLED");
    cJSON_Delete(o);
    /* 0.001 rests: 50 USDT locked */
    call(f, "GET", "/api/v3/account", "", 1);
    assert_non_null(strstr(f->body, "{\"asset\":\"USDT\",\"free\":"
                                    "\"9900.00000000\",\"locked\":"
                                    "\"50.00000000\"}"));

    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=40000&newClientOrderId=p2",
         1);
    lx__snprintf(q, sizeof(q),
                 "symbol=BTCUSDT&cancelReplaceMode=STOP_ON_FAILURE&"
                 "cancelOrderId=%lld&cancelOrigClientOrderId=p2&side=BUY&"
                 "type=LIMIT&timeInForce=GTC&quantity=0.001&price=41000",
                 (long long)id);
    call(f, "POST", "/api/v3/order/cancelReplace", q, 1);
    assert_int_equal(f->status, 400);
    assert_non_null(strstr(f->body, "\"code\":-2022"));
    order_field(f, "p1", "status", "PARTIALLY_FILLED");
    order_field(f, "p2", "status", "NEW");
}

/*
 * Per account and symbol: 5 open stop / take-profit orders
 * (MAX_NUM_ALGO_ORDERS, an OCO's stop leg counts) and 200 open orders
 * (MAX_NUM_ORDERS), -1013 as filters.md gives them; exchangeInfo shows
 * both; a closed order frees its place.
 */
static void test_max_num_orders(void **state)
{
    static const char *const algo_full =
        "{\"code\":-1013,\"msg\":\"Filter failure: MAX_NUM_ALGO_ORDERS\"}";
    struct fx *f = *state;
    char q[256];
    int i, placed = 0;

    call(f, "GET", "/api/v3/exchangeInfo", "symbol=BTCUSDT", 0);
    assert_non_null(strstr(f->body, "{\"filterType\":\"MAX_NUM_ALGO_ORDERS\","
                                    "\"maxNumAlgoOrders\":5}"));
    for (i = 0; i < 6; i++) {
        lx__snprintf(q, sizeof(q),
                     "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&"
                     "timeInForce=GTC&quantity=0.001&price=40000&"
                     "stopPrice=40000&newClientOrderId=s%d",
                     i);
        call(f, "POST", "/api/v3/order", q, 1);
        if (i < 5) {
            assert_int_equal(f->status, 200);
        } else {
            assert_int_equal(f->status, 400);
            assert_string_equal(f->body, algo_full);
        }
    }
    /* Not an algo order: still fine. An OCO brings a stop leg: refused. */
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.0001&price=50000",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/api/v3/orderList/oco",
         "symbol=BTCUSDT&side=SELL&quantity=0.001&aboveType=LIMIT_MAKER&"
         "abovePrice=70000&belowType=STOP_LOSS&belowStopPrice=30000",
         1);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, algo_full);
    call(f, "DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=s0",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/api/v3/order",
         "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&timeInForce=GTC&"
         "quantity=0.001&price=40000&stopPrice=40000",
         1);
    assert_int_equal(f->status, 200);
    /* 6 open; 194 more limit orders make 200, the next is one too many
     * (the clock moves past the 100 orders / 10 s limit on the way). */
    for (i = 0; i < 195; i++) {
        if (i % 90 == 89) {
            assert_int_equal(
                lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 11 * SEC),
                LX_OK);
        }
        call(f, "POST", "/api/v3/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.0001&price=50000",
             1);
        placed += f->status == 200;
    }
    assert_int_equal(placed, 194);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-1013,\"msg\":\"Filter failure: "
                                 "MAX_NUM_ORDERS\"}");
    call(f, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", 1);
    {
        cJSON *o = body_json(f);

        assert_int_equal(cJSON_GetArraySize(o), 200);
        cJSON_Delete(o);
    }
    assert_int_equal(lx__engine_check(f->spot->eng), LX_OK);
}

/* The user-data stream names of accounts, digits rendered by hand. */
static void test_user_stream_names(void **state)
{
    static const struct {
        uint32_t account;
        const char *name;
    } cases[] = {{0, "user@0"},
                 {7, "user@7"},
                 {10, "user@10"},
                 {1234, "user@1234"},
                 {4294967295u, "user@4294967295"}};
    char out[24];
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        memset(out, 'x', sizeof(out));
        lx__mbn_user_stream(cases[i].account, out);
        assert_string_equal(out, cases[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_stream_names),
        cmocka_unit_test_setup_teardown(test_max_num_orders, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_order_lifecycle, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_market_full_fills_and_trades,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_orders, setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(test_order_history, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_weight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_follows_book, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_synth_follows_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_depth_stream_continues_snapshot,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_late_subscriber, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_user_data_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_api_subscribe, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_order_count_limit, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_synthetic_market_deterministic,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_new_account, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_set_balance, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_synth_set_mid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_incremental_random,
                                        setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(test_amend_keep_priority, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cancel_replace, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cancel_restrictions, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oco_fill_expires_sibling,
                                        setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(test_oco_trigger_and_cancel,
                                        setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(test_oco_amend_and_cancel_replace,
                                        setup_quiet, teardown),
        cmocka_unit_test_setup_teardown(test_amend_partial_and_mismatch,
                                        setup_quiet, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
