/*
 * test_mock_usdm.c - the simulated Binance USD-M futures venue end to end,
 * in one process on a virtual clock: the real HTTP client talks to the
 * mock's door over an in-memory pair and signs requests as a Binance
 * client does. Checks the public /fapi routes (exchangeInfo filters, depth
 * levels and weights, premiumIndex, openInterest), the order lifecycle,
 * positions, leverage and margin settings with USD-M's error codes, and
 * funding on the 8-hour schedule of the mock's clock.
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
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"
#include "mock/venues/binance/usdm_maker.h"
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
    struct lx_mock_bn_usdm *um;
    struct lx_mock_bn_hub *hub;
    struct lx_ws *ws;
    int ws_open, nmsgs;
    cJSON *msgs[512];
    struct lx_secret *secret, *mm_secret;
    uint32_t user, maker;
    int nresp, status;
    char *body;
    int64_t used;
    cJSON *json;
};

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

static int setup(void **state)
{
    static const char *const bal[] = {"USDT", "10000", "BTC", "1", NULL};
    static const char *const big[] = {"USDT", "100000000", NULL};
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_account_cfg a;
    const char *why = "";
    int rej = 1;

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binanceusdm",
                                      &lx_mock_bn_dialect,
                                      &lx_mock_bn_usdm_limits),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_new(&f->um, f->clock, f->door, &why),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_add_symbol(f->um, &btc, &why), LX_OK);
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, NULL),
                     LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    assert_int_equal(lx_mock_bn_usdm_set_hub(f->um, f->hub), LX_OK);
    assert_int_equal(
        lx_secret_new(&f->secret, NULL, SECRET, sizeof(SECRET) - 1), LX_OK);
    assert_int_equal(lx_secret_new(&f->mm_secret, NULL, "x", 1), LX_OK);
    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = f->secret;
    a.maker_fee = "0.0002";
    a.taker_fee = "0.0005";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_usdm_add_account(f->um, &a, &f->user, &why),
                     LX_OK);
    a.api_key = "maker";
    a.secret = f->mm_secret;
    a.balances = big;
    assert_int_equal(lx_mock_bn_usdm_add_account(f->um, &a, &f->maker, &why),
                     LX_OK);
    /* a resting book: two ask levels, one bid level of two orders */
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", "60000.0", "1", &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", "60000.5", "2", &rej),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "BUY",
                                           "LIMIT", "59990.0", "0.5", &rej),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "BUY",
                                           "LIMIT", "59990.0", "0.25", &rej),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int i;

    lx_ws_free(f->ws);
    lx_http_client_free(f->cli);
    lx_http_server_free(f->srv);
    lx_mock_bn_usdm_free(f->um);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    lx_secret_free(f->secret);
    lx_secret_free(f->mm_secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    cJSON_Delete(f->json);
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

/* Sends method target (signed when sign); parses the JSON answer. */
static cJSON *call(struct fx *f, const char *method, const char *path,
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
    assert_int_equal(lx_http_client_send(f->cli, "https://fapi.binance.com", m,
                                         0, resp_cb, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->nresp, want);
    cJSON_Delete(f->json);
    f->json = cJSON_Parse(f->body);
    assert_non_null(f->json);
    return f->json;
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

static void expect_err(struct fx *f, int status, int code, const char *msg)
{
    if (f->status != status) {
        print_message("unexpected answer: %s\n", f->body);
    }
    assert_int_equal(f->status, status);
    assert_int_equal(jnum(f->json, "code"), code);
    assert_string_equal(jstr(f->json, "msg"), msg);
}

/* ---- public -------------------------------------------------------------- */

static const cJSON *filter(const cJSON *sym, const char *type)
{
    const cJSON *fl;

    cJSON_ArrayForEach (fl, cJSON_GetObjectItemCaseSensitive(sym, "filters")) {
        if (strcmp(jstr(fl, "filterType"), type) == 0) {
            return fl;
        }
    }
    fail_msg("no filter %s", type);
    return NULL;
}

static void test_public(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *sym, *rl;

    o = call(f, "GET", "/fapi/v1/ping", "", 0);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "{}");
    o = call(f, "GET", "/fapi/v1/time", "", 0);
    assert_int_equal(jnum(o, "serverTime"), T0 / 1000000);
    o = call(f, "GET", "/fapi/v1/exchangeInfo", "", 0);
    rl = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "rateLimits"),
                            0);
    assert_string_equal(jstr(rl, "rateLimitType"), "REQUEST_WEIGHT");
    assert_int_equal(jnum(rl, "limit"), 2400);
    sym = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "symbols"), 0);
    assert_string_equal(jstr(sym, "symbol"), "BTCUSDT");
    assert_string_equal(jstr(sym, "contractType"), "PERPETUAL");
    assert_string_equal(jstr(sym, "marginAsset"), "USDT");
    assert_int_equal(jnum(sym, "pricePrecision"), 1);
    assert_int_equal(jnum(sym, "quantityPrecision"), 3);
    assert_string_equal(jstr(filter(sym, "PRICE_FILTER"), "tickSize"), "0.1");
    assert_string_equal(jstr(filter(sym, "LOT_SIZE"), "stepSize"), "0.001");
    assert_string_equal(jstr(filter(sym, "MIN_NOTIONAL"), "notional"), "100");
    /* depth: levels aggregated, best first; weight 2 for limit 5 */
    o = call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=5", 0);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, 1 + 1 + 1 + 2);
    assert_int_equal(jnum(o, "T"), T0 / 1000000);
    assert_true(jnum(o, "lastUpdateId") > 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "bids")), 1);
    assert_string_equal(
        cJSON_GetArrayItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(o, "bids"), 0), 1)
            ->valuestring,
        "0.750");
    assert_string_equal(
        cJSON_GetArrayItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(o, "asks"), 1), 0)
            ->valuestring,
        "60000.5");
    call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=1000", 0);
    assert_int_equal(f->used, 5 + 20);
    call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=7", 0);
    expect_err(f, 400, -1130, "Data sent for parameter 'limit' is not valid.");
    call(f, "GET", "/fapi/v1/depth", "symbol=ETHUSDT", 0);
    expect_err(f, 400, -1121, "Invalid symbol.");
    o = call(f, "GET", "/fapi/v1/ticker/bookTicker", "symbol=BTCUSDT", 0);
    assert_string_equal(jstr(o, "bidPrice"), "59990.0");
    assert_string_equal(jstr(o, "askQty"), "1.000");
}

static void test_premium_index(void **state)
{
    struct fx *f = *state;
    const cJSON *o;

    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "59995.3"),
                     LX_OK);
    o = call(f, "GET", "/fapi/v1/premiumIndex", "symbol=BTCUSDT", 0);
    assert_string_equal(jstr(o, "markPrice"), "59995.3");
    assert_string_equal(jstr(o, "lastFundingRate"), "0.00010000");
    assert_int_equal(jnum(o, "nextFundingTime"), T0 / 1000000 + 8 * 3600000);
    o = call(f, "GET", "/fapi/v1/premiumIndex", "", 0);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    o = call(f, "GET", "/fapi/v1/openInterest", "symbol=BTCUSDT", 0);
    assert_string_equal(jstr(o, "openInterest"), "0.000");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "NOPE", "1"),
                     LX_ERR_INVAL);
}

/* ---- signed ------------------------------------------------------------ */

static void test_order_lifecycle(void **state)
{
    struct fx *f = *state;
    const cJSON *o;
    int64_t id;

    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.010&price=59000&newClientOrderId=c1",
             1);
    assert_int_equal(f->status, 200);
    assert_string_equal(jstr(o, "status"), "NEW");
    assert_string_equal(jstr(o, "clientOrderId"), "c1");
    assert_string_equal(jstr(o, "price"), "59000.0");
    assert_string_equal(jstr(o, "origQty"), "0.010");
    assert_string_equal(jstr(o, "positionSide"), "BOTH");
    assert_string_equal(jstr(o, "avgPrice"), "0.00000");
    id = jnum(o, "orderId");
    o = call(f, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    o = call(f, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=c1",
             1);
    assert_int_equal(jnum(o, "orderId"), id);
    o = call(f, "DELETE", "/fapi/v1/order",
             "symbol=BTCUSDT&origClientOrderId=c1", 1);
    assert_string_equal(jstr(o, "status"), "CANCELED");
    call(f, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&orderId=999999", 1);
    expect_err(f, 400, -2011, "Unknown order sent.");
    call(f, "GET", "/fapi/v1/order", "symbol=BTCUSDT&orderId=999999", 1);
    expect_err(f, 400, -2013, "Order does not exist.");
    o = call(f, "GET", "/fapi/v1/openOrders", "", 1);
    assert_int_equal(cJSON_GetArraySize(o), 0);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.010&price=59000", 1);
    expect_err(f, 400, -1102,
               "Mandatory parameter 'timeInForce' was not sent, was "
               "empty/null, or malformed.");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&"
         "price=60001",
         1);
    assert_int_equal(f->status, 200);
    assert_string_equal(jstr(f->json, "status"), "EXPIRED");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&"
         "price=59000.05",
         1);
    assert_int_equal(f->status, 400);
    call(f, "GET", "/fapi/v1/openOrders", "", 0);
    expect_err(f, 401, -2014, "API-key format invalid.");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&"
         "price=59000",
         1);
    expect_err(f, 400, -4164,
               "Order's notional must be no smaller than 100 (unless you "
               "choose reduce only).");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010&reduceOnly=true",
         1);
    expect_err(f, 400, -2022, "ReduceOnly Order is rejected.");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&"
         "price=59000&positionSide=LONG",
         1);
    expect_err(f, 400, -4061,
               "Order's position side does not match user's setting.");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&"
         "price=59000&newClientOrderId=c1",
         1); /* c1 was cancelled: its id is free again */
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&"
         "price=58000&newClientOrderId=c1",
         1);
    expect_err(f, 400, -4116, "ClientOrderId is duplicated.");
}

/*
 * The venue keeps 4096 order records; with all of them open the next
 * order is refused with -2025 before it reaches the engine (it used to
 * overwrite the record of an open order), and the open ones stay whole.
 */
static void test_order_records_full(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *lv;
    char px[32];
    int i, rej = 1;

    for (i = 4; i < 4096; i++) { /* setup rests 4 */
        lx__snprintf(px, sizeof(px), "%d.%d", 60010 + i / 2, i % 2 * 5);
        assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT",
                                               "SELL", "LIMIT", px, "0.002",
                                               &rej),
                         LX_OK);
        assert_int_equal(rej, 0);
    }
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", "62500.0", "0.002", &rej),
                     LX_OK);
    assert_int_equal(rej, 1);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.010&price=59000&newClientOrderId=full",
         1);
    expect_err(f, 400, -2025, "Reach max open order limit.");
    o = call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=5", 1);
    lv = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "asks"), 0);
    assert_string_equal(cJSON_GetArrayItem(lv, 0)->valuestring, "60000.0");
    assert_string_equal(cJSON_GetArrayItem(lv, 1)->valuestring, "1.000");
    /* room again once the maker's orders go */
    assert_int_equal(lx_mock_bn_usdm_cancel_all(f->um, f->maker, "BTCUSDT"),
                     LX_OK);
    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.010&price=59000&newClientOrderId=full",
             1);
    assert_int_equal(f->status, 200);
    assert_string_equal(jstr(o, "status"), "NEW");
}

/*
 * Order records are found by id through an index kept beside the ring:
 * after thousands of records were overwritten, every order in the ring
 * is found by its id (queries, cancels, and the fills drain applies).
 */
static void test_order_index(void **state)
{
    struct fx *f = *state;
    const cJSON *o;
    int64_t id[60];
    char q[160];
    int i, rej = 1;

    for (i = 0; i < 6000; i++) {
        assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT",
                                               "BUY", "LIMIT", "59000.0",
                                               "0.002", &rej),
                         LX_OK);
        assert_int_equal(rej, 0);
        if (i % 100 == 99) {
            assert_int_equal(
                lx_mock_bn_usdm_cancel_all(f->um, f->maker, "BTCUSDT"), LX_OK);
        }
    }
    for (i = 0; i < 60; i++) {
        lx__snprintf(q, sizeof(q),
                     "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
                     "quantity=0.002&price=%d.0",
                     58000 + i);
        o = call(f, "POST", "/fapi/v1/order", q, 1);
        assert_int_equal(f->status, 200);
        id[i] = jnum(o, "orderId");
        if (i % 2 == 1) {
            lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld",
                         (long long)id[i]);
            o = call(f, "DELETE", "/fapi/v1/order", q, 1);
            assert_string_equal(jstr(o, "status"), "CANCELED");
        }
    }
    for (i = 0; i < 60; i++) {
        char px[32];

        lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld",
                     (long long)id[i]);
        o = call(f, "GET", "/fapi/v1/order", q, 1);
        assert_int_equal(f->status, 200);
        assert_int_equal(jnum(o, "orderId"), id[i]);
        lx__snprintf(px, sizeof(px), "%d.0", 58000 + i);
        assert_string_equal(jstr(o, "price"), px);
        assert_string_equal(jstr(o, "status"), i % 2 ? "CANCELED" : "NEW");
    }
    /* a fill reaches the record of an order placed after the churn */
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", "58058.0", "0.002", &rej),
                     LX_OK);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld",
                 (long long)id[58]);
    o = call(f, "GET", "/fapi/v1/order", q, 1);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "executedQty"), "0.002");
}

/*
 * MAX_NUM_ORDERS (200 open orders an account and symbol): the 201st is
 * refused with -2025; a cancel or a fill makes room again; the venue's
 * own makers (placed directly) are not limited.
 */
static void test_max_num_orders(void **state)
{
    struct fx *f = *state;
    const cJSON *o;
    int64_t first = 0;
    char q[200];
    int i, rej = 1;

    for (i = 0; i < 200; i++) {
        lx__snprintf(q, sizeof(q),
                     "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
                     "quantity=0.002&price=%d.0",
                     59000 - i);
        o = call(f, "POST", "/fapi/v1/order", q, 1);
        assert_int_equal(f->status, 200);
        first = i == 0 ? jnum(o, "orderId") : first;
    }
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.002&price=58000.0",
         1);
    expect_err(f, 400, -2025, "Reach max open order limit.");
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld", (long long)first);
    call(f, "DELETE", "/fapi/v1/order", q, 1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.002&price=58000.0",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.002&price=57999.0",
         1);
    expect_err(f, 400, -2025, "Reach max open order limit.");
    /* the maker (its own setup bids gone) sells into the best bid
     * (58999): filled, room again */
    assert_int_equal(lx_mock_bn_usdm_cancel_all(f->um, f->maker, "BTCUSDT"),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", "58999.0", "0.002", &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.002&price=57999.0",
         1);
    assert_int_equal(f->status, 200);
    o = call(f, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 200);
}

static void test_fill_position_funding(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *p;

    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", 1);
    assert_int_equal(f->status, 200);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "executedQty"), "0.010");
    assert_string_equal(jstr(o, "cumQuote"), "600");
    assert_string_equal(jstr(o, "avgPrice"), "60000.00000");
    o = call(f, "GET", "/fapi/v3/positionRisk", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    p = cJSON_GetArrayItem(o, 0);
    assert_string_equal(jstr(p, "positionAmt"), "0.010");
    assert_string_equal(jstr(p, "entryPrice"), "60000.0");
    assert_string_equal(jstr(p, "marginAsset"), "USDT");
    o = call(f, "GET", "/fapi/v1/openInterest", "symbol=BTCUSDT", 0);
    assert_string_equal(jstr(o, "openInterest"), "0.010");
    /* taker fee 0.0005 * 600 = 0.3 */
    o = call(f, "GET", "/fapi/v3/balance", "", 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "balance"),
                        "9999.70000000");
    /* settings */
    o = call(f, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=20", 1);
    assert_int_equal(jnum(o, "leverage"), 20);
    call(f, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=200", 1);
    expect_err(f, 400, -4028, "Leverage 200 is not valid");
    call(f, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED",
         1);
    assert_int_equal(f->status, 400);
    o = call(f, "GET", "/fapi/v1/positionSide/dual", "", 1);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "dualSidePosition")));
    call(f, "POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true", 1);
    assert_int_equal(f->status, 400); /* has a position */
    /* funding at T0 + 8 h on mark 60000.0: 0.010 * 60000 * 0.0001 = 0.06 */
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "60000.0"),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_start(f->um), LX_OK);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 8 * 3600 * SEC),
        LX_OK);
    o = call(f, "GET", "/fapi/v1/fundingRate", "symbol=BTCUSDT", 0);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    p = cJSON_GetArrayItem(o, 0);
    assert_int_equal(jnum(p, "fundingTime"), T0 / 1000000 + 8 * 3600000);
    assert_string_equal(jstr(p, "fundingRate"), "0.00010000");
    assert_string_equal(jstr(p, "markPrice"), "60000.0");
    o = call(f, "GET", "/fapi/v3/balance", "", 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "balance"),
                        "9999.64000000");
    o = call(f, "GET", "/fapi/v3/account", "", 1);
    assert_string_equal(jstr(o, "totalWalletBalance"), "9999.64000000");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "positions")),
                     1);
    call(f, "DELETE", "/fapi/v1/allOpenOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(jnum(f->json, "code"), 200);
}

/* The income records of an answer as "TYPE:income:symbol:tradeId;..." */
static void incomes(const cJSON *o, char *out, size_t n)
{
    const cJSON *r;
    size_t len = 0;
    int64_t tran = 0;

    out[0] = '\0';
    cJSON_ArrayForEach (r, o) {
        assert_string_equal(jstr(r, "asset"), "USDT");
        assert_string_equal(jstr(r, "info"), jstr(r, "incomeType"));
        assert_true(jnum(r, "tranId") > tran); /* unique, increasing */
        tran = jnum(r, "tranId");
        len += (size_t)lx__snprintf(out + len, n - len, "%s:%s:%s:%s;",
                                    jstr(r, "incomeType"), jstr(r, "income"),
                                    jstr(r, "symbol"), jstr(r, "tradeId"));
    }
}

/*
 * History: GET /fapi/v1/allOrders (weight 5, by orderId, the most recent
 * `limit` or from orderId, 7 days between the times), GET /fapi/v1/income
 * from the engine's deposits, fees, realized PnL and funding (filters,
 * limit, page, times), and ticker/price v1 and v2 (weight 1 / 2).
 */
static void test_history(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *one;
    char q[300], got[1024];
    int64_t id[2], used, t0 = T0 / 1000000, h = 3600000, ttime;

    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.010&price=59000&newClientOrderId=h1",
             1);
    id[0] = jnum(o, "orderId");
    call(f, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=h1",
         1);
    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&"
             "newClientOrderId=h2",
             1);
    id[1] = jnum(o, "orderId");
    assert_true(id[0] < id[1]);
    used = f->used;
    o = call(f, "GET", "/fapi/v1/allOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, used + 5);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    one = cJSON_GetArrayItem(o, 0);
    assert_int_equal(jnum(one, "orderId"), id[0]);
    assert_string_equal(jstr(one, "symbol"), "BTCUSDT");
    assert_string_equal(jstr(one, "status"), "CANCELED");
    assert_string_equal(jstr(one, "clientOrderId"), "h1");
    assert_string_equal(jstr(one, "price"), "59000.0");
    assert_string_equal(jstr(one, "avgPrice"), "0.00000");
    assert_string_equal(jstr(one, "origQty"), "0.010");
    assert_string_equal(jstr(one, "executedQty"), "0.000");
    assert_string_equal(jstr(one, "cumQuote"), "0");
    assert_string_equal(jstr(one, "timeInForce"), "GTC");
    assert_string_equal(jstr(one, "type"), "LIMIT");
    assert_string_equal(jstr(one, "origType"), "LIMIT");
    assert_string_equal(jstr(one, "side"), "BUY");
    assert_string_equal(jstr(one, "positionSide"), "BOTH");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(one, "reduceOnly")));
    assert_string_equal(jstr(one, "priceMatch"), "NONE");
    assert_int_equal(jnum(one, "time"), t0);
    one = cJSON_GetArrayItem(o, 1);
    assert_int_equal(jnum(one, "orderId"), id[1]);
    assert_string_equal(jstr(one, "status"), "FILLED");
    assert_string_equal(jstr(one, "avgPrice"), "60000.00000");
    assert_string_equal(jstr(one, "cumQuote"), "600");
    o = call(f, "GET", "/fapi/v1/allOrders", "symbol=BTCUSDT&limit=1", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderId"), id[1]);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld&limit=1",
                 (long long)id[0]);
    o = call(f, "GET", "/fapi/v1/allOrders", q, 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "orderId"), id[0]);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&startTime=%lld&endTime=%lld",
                 (long long)(t0 - 24 * h), (long long)(t0 + 6 * 24 * h));
    o = call(f, "GET", "/fapi/v1/allOrders", q, 1);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&startTime=%lld&endTime=%lld",
                 (long long)(t0 - 24 * h), (long long)(t0 + 6 * 24 * h + 1));
    call(f, "GET", "/fapi/v1/allOrders", q, 1);
    expect_err(f, 400, -1127,
               "More than 168 hours between startTime and endTime.");
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&startTime=%lld",
                 (long long)(t0 + 1));
    o = call(f, "GET", "/fapi/v1/allOrders", q, 1);
    assert_int_equal(cJSON_GetArraySize(o), 0);
    call(f, "GET", "/fapi/v1/allOrders", "", 1);
    expect_err(f, 400, -1102,
               "Mandatory parameter 'symbol' was not sent, was empty/null, "
               "or malformed.");

    /* an hour later: funding on the long, then it is closed at 59990.0 */
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 3600 * SEC), LX_OK);
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "60000.0"),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_fund(f->um), LX_OK);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010&reduceOnly=true",
         1);
    assert_int_equal(f->status, 200);
    used = f->used;
    o = call(f, "GET", "/fapi/v1/income", "", 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, used + 30);
    assert_int_equal(cJSON_GetArraySize(o), 5);
    one = cJSON_GetArrayItem(o, 0);
    assert_string_equal(jstr(one, "symbol"), "");
    assert_string_equal(jstr(one, "incomeType"), "TRANSFER");
    assert_string_equal(jstr(one, "income"), "10000.00000000");
    assert_int_equal(jnum(one, "time"), t0);
    assert_string_equal(jstr(one, "tradeId"), "");
    one = cJSON_GetArrayItem(o, 2);
    assert_string_equal(jstr(one, "incomeType"), "FUNDING_FEE");
    assert_int_equal(jnum(one, "time"), t0 + h);
    incomes(o, got, sizeof(got));
    /* 0.0005 * 600, 0.0001 * 600, 0.0005 * 599.9, (59990 - 60000) * 0.01 */
    assert_string_equal(got, "TRANSFER:10000.00000000::;"
                             "COMMISSION:-0.30000000:BTCUSDT:1;"
                             "FUNDING_FEE:-0.06000000:BTCUSDT:;"
                             "COMMISSION:-0.29995000:BTCUSDT:2;"
                             "REALIZED_PNL:-0.10000000:BTCUSDT:2;");
    o = call(f, "GET", "/fapi/v1/income", "incomeType=COMMISSION", 1);
    incomes(o, got, sizeof(got));
    assert_string_equal(got, "COMMISSION:-0.30000000:BTCUSDT:1;"
                             "COMMISSION:-0.29995000:BTCUSDT:2;");
    o = call(f, "GET", "/fapi/v1/income", "symbol=BTCUSDT&limit=2&page=2", 1);
    incomes(o, got, sizeof(got));
    assert_string_equal(got, "COMMISSION:-0.29995000:BTCUSDT:2;"
                             "REALIZED_PNL:-0.10000000:BTCUSDT:2;");
    lx__snprintf(q, sizeof(q), "startTime=%lld&endTime=%lld&limit=1",
                 (long long)(t0 + 1), (long long)(t0 + h));
    o = call(f, "GET", "/fapi/v1/income", q, 1);
    incomes(o, got, sizeof(got));
    assert_string_equal(got, "FUNDING_FEE:-0.06000000:BTCUSDT:;");
    o = call(f, "GET", "/fapi/v1/income", "incomeType=WELCOME_BONUS", 1);
    assert_int_equal(cJSON_GetArraySize(o), 0);
    call(f, "GET", "/fapi/v1/income", "symbol=ETHUSDT", 1);
    expect_err(f, 400, -1121, "Invalid symbol.");

    /* the last trade's price and time */
    ttime = t0 + h;
    used = f->used;
    call(f, "GET", "/fapi/v1/ticker/price", "symbol=BTCUSDT", 0);
    assert_int_equal(f->used, used + 1);
    lx__snprintf(q, sizeof(q),
                 "{\"symbol\":\"BTCUSDT\",\"price\":\"59990.0\","
                 "\"time\":%lld}",
                 (long long)ttime);
    assert_string_equal(f->body, q);
    call(f, "GET", "/fapi/v2/ticker/price", "", 0);
    assert_int_equal(f->used, used + 1 + 2);
    lx__snprintf(got, sizeof(got), "[%s]", q);
    assert_string_equal(f->body, got);
    call(f, "GET", "/fapi/v1/ticker/price", "", 0);
    assert_string_equal(f->body, got);
    call(f, "GET", "/fapi/v2/ticker/price", "symbol=NOPE", 0);
    expect_err(f, 400, -1121, "Invalid symbol.");
}

static void test_market_data(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *k;

    /* two trades: 1.0 at 60000.0 and 0.2 at 60000.5, taker buying */
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1.200", 1);
    assert_string_equal(jstr(f->json, "avgPrice"), "60000.08333");
    o = call(f, "GET", "/fapi/v1/trades", "symbol=BTCUSDT", 0);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 1), "price"), "60000.5");
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 1), "quoteQty"), "12000.1");
    o = call(f, "GET", "/fapi/v1/aggTrades", "symbol=BTCUSDT&limit=1", 0);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "a"), 2);
    assert_false(
        cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(o, 0), "m")));
    o = call(f, "GET", "/fapi/v1/klines", "symbol=BTCUSDT&interval=1m", 0);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    k = cJSON_GetArrayItem(o, 0);
    assert_int_equal((int64_t)cJSON_GetArrayItem(k, 0)->valuedouble,
                     T0 / 1000000);
    assert_string_equal(cJSON_GetArrayItem(k, 1)->valuestring, "60000.0");
    assert_string_equal(cJSON_GetArrayItem(k, 2)->valuestring, "60000.5");
    assert_string_equal(cJSON_GetArrayItem(k, 5)->valuestring, "1.200");
    assert_int_equal(cJSON_GetArrayItem(k, 8)->valueint, 2);
    call(f, "GET", "/fapi/v1/klines", "symbol=BTCUSDT&interval=7m", 0);
    expect_err(f, 400, -1120, "Invalid interval.");
    o = call(f, "GET", "/fapi/v1/ticker/24hr", "symbol=BTCUSDT", 0);
    assert_string_equal(jstr(o, "lastPrice"), "60000.5");
    assert_string_equal(jstr(o, "priceChange"), "0.5");
    assert_string_equal(jstr(o, "priceChangePercent"), "0.001");
    assert_string_equal(jstr(o, "volume"), "1.200");
    assert_int_equal(jnum(o, "count"), 2);
    o = call(f, "GET", "/fapi/v1/userTrades", "symbol=BTCUSDT&limit=1", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "id"), 2);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "commission"),
                        "6.00005000"); /* 12000.1 * 0.0005 */
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "side"), "BUY");
    o = call(f, "GET", "/fapi/v1/userTrades", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    o = call(f, "GET", "/fapi/v1/leverageBracket", "symbol=BTCUSDT", 1);
    assert_string_equal(jstr(o, "symbol"), "BTCUSDT");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "brackets")), 3);
}

static void test_algo_orders(void **state)
{
    struct fx *f = *state;
    const cJSON *o;
    int64_t id;

    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", 1);
    o = call(f, "POST", "/fapi/v1/algoOrder",
             "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&"
             "quantity=0.010&triggerPrice=60000.5&clientAlgoId=a1",
             1);
    assert_int_equal(f->status, 200);
    assert_string_equal(jstr(o, "algoStatus"), "NEW");
    assert_string_equal(jstr(o, "orderType"), "STOP_MARKET");
    assert_string_equal(jstr(o, "triggerPrice"), "60000.5");
    assert_string_equal(jstr(o, "clientAlgoId"), "a1");
    id = jnum(o, "algoId");
    o = call(f, "GET", "/fapi/v1/openAlgoOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    o = call(f, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 0);
    call(f, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=a1", 1);
    expect_err(f, 400, -2013, "Order does not exist.");
    /* trade at 60000.5: the stop triggers and buys at 60000.5 */
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1.000", 1);
    o = call(f, "GET", "/fapi/v1/algoOrder", "clientAlgoId=a1", 1);
    assert_int_equal(jnum(o, "algoId"), id);
    assert_string_equal(jstr(o, "algoStatus"), "FINISHED");
    o = call(f, "GET", "/fapi/v3/positionRisk", "", 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "positionAmt"), "1.020");
    call(f, "DELETE", "/fapi/v1/algoOrder", "clientAlgoId=a1", 1);
    expect_err(f, 400, -2011, "Unknown order sent.");
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP&"
         "timeInForce=GTC&quantity=0.010&price=58000&triggerPrice=58500&"
         "reduceOnly=true&clientAlgoId=a2",
         1);
    assert_string_equal(jstr(f->json, "algoStatus"), "NEW");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(f->json, "reduceOnly")));
    o = call(f, "DELETE", "/fapi/v1/algoOrder", "clientAlgoId=a2", 1);
    assert_string_equal(jstr(o, "clientAlgoId"), "a2");
    o = call(f, "GET", "/fapi/v1/algoOrder", "clientAlgoId=a2", 1);
    assert_string_equal(jstr(o, "algoStatus"), "CANCELED");
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=VP&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&"
         "quantity=0.010&triggerPrice=58500",
         1);
    expect_err(f, 400, -1116, "Invalid algoType.");
}

/*
 * MAX_NUM_ALGO_ORDERS (10 algo orders an account and symbol not yet
 * triggered): the 11th is refused with -4045 MAX_STOP_ORDER_EXCEEDED; a
 * cancel makes room, and so does a trigger (its order then counts under
 * MAX_NUM_ORDERS only).
 */
static void test_max_num_algo_orders(void **state)
{
    struct fx *f = *state;
    const cJSON *o;
    char q[200];
    int i;

    /* m0 is a stop-limit whose order rests after the trigger (at 70000) */
    for (i = 0; i < 10; i++) {
        lx__snprintf(q, sizeof(q),
                     "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&"
                     "type=%s&quantity=0.002&triggerPrice=%d.0&"
                     "clientAlgoId=m%d",
                     i == 0 ? "STOP&timeInForce=GTC&price=70000"
                            : "STOP_MARKET",
                     59990 - i, i);
        call(f, "POST", "/fapi/v1/algoOrder", q, 1);
        assert_int_equal(f->status, 200);
    }
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&"
         "quantity=0.002&triggerPrice=58000.0&clientAlgoId=m10",
         1);
    expect_err(f, 400, -4045, "Reach max stop order limit.");
    /* plain orders are still accepted: their own limit is 200 */
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
         "quantity=0.002&price=50000.0",
         1);
    assert_int_equal(f->status, 200);
    call(f, "DELETE", "/fapi/v1/algoOrder", "clientAlgoId=m3", 1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&"
         "quantity=0.002&triggerPrice=58000.0&clientAlgoId=m10",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&"
         "quantity=0.002&triggerPrice=70000.0&clientAlgoId=m11",
         1);
    expect_err(f, 400, -4045, "Reach max stop order limit.");
    /* a trade at 59990.0 (the maker's best bid) triggers m0 only */
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.001", 1);
    assert_int_equal(f->status, 200);
    o = call(f, "GET", "/fapi/v1/algoOrder", "clientAlgoId=m0", 1);
    assert_string_equal(jstr(o, "algoStatus"), "TRIGGERED");
    o = call(f, "GET", "/fapi/v1/algoOrder", "clientAlgoId=m1", 1);
    assert_string_equal(jstr(o, "algoStatus"), "NEW");
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&"
         "quantity=0.002&triggerPrice=70000.0&clientAlgoId=m11",
         1);
    assert_int_equal(f->status, 200);
    o = call(f, "GET", "/fapi/v1/openAlgoOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 10);
    o = call(f, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 2); /* the bid and m0's order */
}

static void test_hedge_mode(void **state)
{
    struct fx *f = *state;
    const cJSON *o;

    call(f, "POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true", 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(jnum(f->json, "code"), 200);
    call(f, "POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true", 1);
    expect_err(f, 400, -4059, "No need to change position side.");
    o = call(f, "GET", "/fapi/v1/positionSide/dual", "", 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "dualSidePosition")));
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", 1);
    expect_err(f, 400, -4061,
               "Order's position side does not match user's setting.");
    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010&"
             "positionSide=SHORT",
             1);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "positionSide"), "SHORT");
    o = call(f, "GET", "/fapi/v3/positionRisk", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "positionSide"),
                        "SHORT");
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "positionAmt"),
                        "-0.010");
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "entryPrice"),
                        "59990.0");
    o = call(f, "GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 2); /* v2 lists LONG too */
    call(f, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=FOO", 1);
    expect_err(f, 400, -4044, "The margin type is invalid.");
}

/* ---- liquidation price, symbolConfig ------------------------------------ */

/* The BOTH position's field k from positionRisk (v3), or NULL: none. */
static const char *risk(struct fx *f, const char *k)
{
    const cJSON *o =
        call(f, "GET", "/fapi/v3/positionRisk", "symbol=BTCUSDT", 1);

    assert_int_equal(f->status, 200);
    return cJSON_GetArraySize(o) == 0 ? NULL
                                      : jstr(cJSON_GetArrayItem(o, 0), k);
}

/*
 * Cross long 1 BTC at 60000.0 on a 10000 USDT wallet (fee 30 paid): the
 * account is liquidated when 9970 + (P - 60000) < 0.004 * P, i.e. below
 * P = 50030 / 0.996 = 50230.92..: liquidationPrice is the first tick past
 * it (50230.9) and the engine liquidates there and not one tick above.
 */
static void test_liquidation_cross(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1.000", 1);
    assert_string_equal(jstr(f->json, "status"), "FILLED");
    assert_string_equal(risk(f, "liquidationPrice"), "50230.9");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "50231.0"),
                     LX_OK);
    assert_string_equal(risk(f, "positionAmt"), "1.000");
    assert_string_equal(risk(f, "liquidationPrice"), "50230.9");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "50230.9"),
                     LX_OK);
    assert_null(risk(f, "positionAmt")); /* liquidated */
}

/*
 * Cross short 0.5 BTC at 59990.0 (fee 14.9975): liquidated when
 * 9985.0025 + 29995 - 0.5 P < 0.002 P, above P = 39980.0025 / 0.502 =
 * 79641.43..: 79641.5.
 */
static void test_liquidation_short(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.500", 1);
    assert_string_equal(jstr(f->json, "status"), "FILLED");
    assert_string_equal(risk(f, "liquidationPrice"), "79641.5");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "79641.4"),
                     LX_OK);
    assert_string_equal(risk(f, "positionAmt"), "-0.500");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "79641.5"),
                     LX_OK);
    assert_null(risk(f, "positionAmt"));
}

/*
 * Isolated long 0.1 BTC at 60000.0, leverage 10: margin 600; liquidated
 * when 600 + 0.1 (P - 60000) < 0.0004 P, below 5400 / 0.0996 = 54216.86..
 * (54216.8). symbolConfig shows the settings.
 */
static void test_liquidation_isolated(void **state)
{
    struct fx *f = *state;
    const cJSON *o;

    o = call(f, "GET", "/fapi/v1/symbolConfig", "symbol=BTCUSDT", 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    o = cJSON_GetArrayItem(o, 0);
    assert_string_equal(jstr(o, "symbol"), "BTCUSDT");
    assert_string_equal(jstr(o, "marginType"), "CROSSED");
    assert_string_equal(jstr(o, "isAutoAddMargin"), "false");
    assert_int_equal(jnum(o, "leverage"), 20);
    assert_string_equal(jstr(o, "maxNotionalValue"), "3000000");
    call(f, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=100", 1);
    o = call(f, "GET", "/fapi/v1/symbolConfig", "", 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "marginType"),
                        "ISOLATED");
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "leverage"), 100);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "maxNotionalValue"),
                        "600000");
    call(f, "GET", "/fapi/v1/symbolConfig", "symbol=NOPE", 1);
    expect_err(f, 400, -1121, "Invalid symbol.");
    call(f, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=10", 1);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.100", 1);
    assert_string_equal(jstr(f->json, "status"), "FILLED");
    assert_string_equal(risk(f, "isolatedMargin"), "600.00000000");
    assert_string_equal(risk(f, "liquidationPrice"), "54216.8");
    o = call(f, "GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT", 1);
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "liquidationPrice"),
                        "54216.8");
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 0), "maxNotionalValue"),
                        "3000000");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "54216.9"),
                     LX_OK);
    assert_string_equal(risk(f, "positionAmt"), "0.100");
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "54216.8"),
                     LX_OK);
    assert_null(risk(f, "positionAmt"));
}

/* A long whose wallet covers any fall has no liquidation price ("0"). */
static void test_liquidation_none(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.100", 1);
    assert_string_equal(risk(f, "liquidationPrice"), "0");
}

/* ---- streams ------------------------------------------------------------ */

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
    assert_true(f->nmsgs < 512);
    f->msgs[f->nmsgs] = cJSON_ParseWithLength((const char *)data, len);
    assert_non_null(f->msgs[f->nmsgs]);
    f->nmsgs++;
}

/* Applies [[p,q],..] levels to a side kept as "p" -> "q" pairs. */
static void apply(char book[][2][24], int *n, const cJSON *levels)
{
    const cJSON *l;
    int i;

    cJSON_ArrayForEach (l, levels) {
        const char *p = cJSON_GetArrayItem(l, 0)->valuestring;
        const char *q = cJSON_GetArrayItem(l, 1)->valuestring;

        for (i = 0; i < *n && strcmp(book[i][0], p) != 0; i++) {
        }
        if (i == *n) {
            assert_true(*n < 64);
            lx__snprintf(book[(*n)++][0], 24, "%s", p);
        }
        lx__snprintf(book[i][1], 24, "%s", q);
    }
}

/* The side's non-zero levels in book must be exactly levels. */
static void same_side(char book[][2][24], int n, const cJSON *levels)
{
    int i, live = 0;

    for (i = 0; i < n; i++) {
        live += strcmp(book[i][1], "0.000") != 0;
    }
    assert_int_equal(live, cJSON_GetArraySize(levels));
    for (i = 0; i < n; i++) {
        const cJSON *l;
        int found = 0;

        cJSON_ArrayForEach (l, levels) {
            if (strcmp(cJSON_GetArrayItem(l, 0)->valuestring, book[i][0]) ==
                0) {
                assert_string_equal(cJSON_GetArrayItem(l, 1)->valuestring,
                                    book[i][1]);
                found = 1;
            }
        }
        assert_int_equal(found, strcmp(book[i][1], "0.000") != 0);
    }
}

static void test_streams(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    static char bids[64][2][24], asks[64][2][24];
    struct fx *f = *state;
    cJSON *snap;
    int64_t last, prev = -2;
    int i, nb = 0, na = 0, diffs = 0, trades = 0, marks = 0, bbo = 0;
    int klines = 0, slow = 0, part = 0;
    int64_t slow_prev = -2;
    const cJSON *top = NULL;

    assert_int_equal(
        lx_ws_connect(&f->ws, f->net,
                      "wss://fstream.binance.com/stream?streams="
                      "btcusdt@depth@100ms/btcusdt@trade/btcusdt@aggTrade/"
                      "btcusdt@markPrice@1s/btcusdt@bookTicker/"
                      "btcusdt@kline_1m/btcusdt@depth/btcusdt@depth5@100ms",
                      NULL, &cbs, f),
        LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC / 2), LX_OK);
    snap = cJSON_Duplicate(
        call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=1000", 0), 1);
    last = jnum(snap, "lastUpdateId");
    apply(bids, &nb, cJSON_GetObjectItem(snap, "bids"));
    apply(asks, &na, cJSON_GetObjectItem(snap, "asks"));
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1.200", 1);
    assert_string_equal(jstr(f->json, "status"), "FILLED");
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.100&"
         "price=60100",
         1);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=1000", 0);
    for (i = 0; i < f->nmsgs; i++) {
        const char *st = jstr(f->msgs[i], "stream");
        const cJSON *d = cJSON_GetObjectItem(f->msgs[i], "data");

        if (strcmp(st, "btcusdt@depth@100ms") == 0) {
            if (jnum(d, "u") < last) {
                prev = jnum(d, "u");
                continue;
            }
            if (diffs++ == 0) {
                assert_true(jnum(d, "U") <= last + 1);
            } else {
                assert_int_equal(jnum(d, "pu"), prev);
                assert_int_equal(jnum(d, "U"), prev + 1);
            }
            prev = jnum(d, "u");
            apply(bids, &nb, cJSON_GetObjectItem(d, "b"));
            apply(asks, &na, cJSON_GetObjectItem(d, "a"));
        } else if (strcmp(st, "btcusdt@trade") == 0) {
            assert_string_equal(jstr(d, "e"), "trade");
            assert_string_equal(jstr(d, "X"), "MARKET");
            assert_false(cJSON_IsTrue(cJSON_GetObjectItem(d, "m")));
            trades++;
        } else if (strcmp(st, "btcusdt@markPrice@1s") == 0) {
            assert_string_equal(jstr(d, "e"), "markPriceUpdate");
            assert_string_equal(jstr(d, "r"), "0.00010000");
            marks++;
        } else if (strcmp(st, "btcusdt@bookTicker") == 0) {
            bbo++;
        } else if (strcmp(st, "btcusdt@depth") == 0) {
            /* the 250 ms window chains on its own */
            if (slow_prev != -2) {
                assert_int_equal(jnum(d, "pu"), slow_prev);
            }
            slow_prev = jnum(d, "u");
            slow++;
        } else if (strcmp(st, "btcusdt@depth5@100ms") == 0) {
            assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(d, "b")) <= 5);
            top = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "a"), 0);
            part++;
        } else if (strcmp(st, "btcusdt@kline_1m") == 0) {
            const cJSON *k = cJSON_GetObjectItem(d, "k");

            assert_string_equal(jstr(d, "e"), "kline");
            assert_string_equal(jstr(k, "i"), "1m");
            assert_string_equal(jstr(k, "o"), "60000.0");
            assert_string_equal(jstr(k, "c"), "60000.5");
            assert_string_equal(jstr(k, "v"), "1.200");
            assert_int_equal(jnum(k, "n"), 2);
            klines++;
        }
    }
    /* 1.2 BTC bought: 1 at 60000.0, 0.2 at 60000.5 -> two trades */
    assert_int_equal(trades, 2);
    assert_int_equal(marks, 1);
    assert_int_equal(klines, 1);
    assert_true(slow >= 1 && part >= 1);
    assert_int_equal(slow_prev, jnum(f->json, "lastUpdateId"));
    /* the partial book's best ask is the REST book's */
    assert_string_equal(
        cJSON_GetArrayItem(top, 0)->valuestring,
        cJSON_GetArrayItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(f->json, "asks"), 0), 0)
            ->valuestring);
    assert_true(bbo >= 1);
    assert_true(diffs >= 1);
    assert_int_equal(prev, jnum(f->json, "lastUpdateId"));
    same_side(bids, nb, cJSON_GetObjectItem(f->json, "bids"));
    same_side(asks, na, cJSON_GetObjectItem(f->json, "asks"));
    cJSON_Delete(snap);
}

/*
 * Depth windows nobody follows are not compared or rendered; a client that
 * subscribes after the book moved still gets a pu-chained stream that
 * continues its snapshot and, applied to it, gives the end book.
 */
static void test_depth_late_subscriber(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    static char bids[64][2][24], asks[64][2][24];
    struct fx *f = *state;
    cJSON *snap;
    int64_t last, prev = -2;
    int i, nb = 0, na = 0, diffs = 0;

    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.100&"
         "price=60200",
         1);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.500", 1);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(lx_ws_connect(&f->ws, f->net,
                                   "wss://fstream.binance.com/stream?streams="
                                   "btcusdt@depth@100ms",
                                   NULL, &cbs, f),
                     LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
    snap = cJSON_Duplicate(
        call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=1000", 0), 1);
    last = jnum(snap, "lastUpdateId");
    apply(bids, &nb, cJSON_GetObjectItem(snap, "bids"));
    apply(asks, &na, cJSON_GetObjectItem(snap, "asks"));
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.100&"
         "price=59900",
         1);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.300", 1);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    call(f, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=1000", 0);
    for (i = 0; i < f->nmsgs; i++) {
        const cJSON *d = cJSON_GetObjectItem(f->msgs[i], "data");

        if (jnum(d, "u") <= last) {
            prev = jnum(d, "u");
            continue;
        }
        if (diffs++ == 0) {
            assert_true(jnum(d, "U") <= last + 1);
        } else {
            assert_int_equal(jnum(d, "pu"), prev);
        }
        prev = jnum(d, "u");
        apply(bids, &nb, cJSON_GetObjectItem(d, "b"));
        apply(asks, &na, cJSON_GetObjectItem(d, "a"));
    }
    assert_true(diffs >= 2);
    assert_int_equal(prev, jnum(f->json, "lastUpdateId"));
    same_side(bids, nb, cJSON_GetObjectItem(f->json, "bids"));
    same_side(asks, na, cJSON_GetObjectItem(f->json, "asks"));
    cJSON_Delete(snap);
}

static const cJSON *nth_event(struct fx *f, const char *e, int nth)
{
    int i;

    for (i = 0; i < f->nmsgs; i++) {
        if (strcmp(jstr(f->msgs[i], "e"), e) == 0 && nth-- == 0) {
            return f->msgs[i];
        }
    }
    fail_msg("no %s #%d", e, nth);
    return NULL;
}

static int event_index(struct fx *f, const char *e, int nth)
{
    int i;

    for (i = 0; i < f->nmsgs; i++) {
        if (strcmp(jstr(f->msgs[i], "e"), e) == 0 && nth-- == 0) {
            return i;
        }
    }
    fail_msg("no %s #%d", e, nth);
    return -1;
}

/* The nth event e whose "o" has k == val; NULL when there is none. */
static const cJSON *event_of(struct fx *f, const char *e, const char *k,
                             const char *val, int nth)
{
    int i;

    for (i = 0; i < f->nmsgs; i++) {
        const cJSON *o = cJSON_GetObjectItem(f->msgs[i], "o");
        const cJSON *x = cJSON_GetObjectItem(o, k);

        if (strcmp(jstr(f->msgs[i], "e"), e) == 0 && cJSON_IsString(x) &&
            strcmp(x->valuestring, val) == 0 && nth-- == 0) {
            return f->msgs[i];
        }
    }
    return NULL;
}

/* Connects the account's user data stream (/ws/<listenKey>). */
static void user_ws(struct fx *f)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    char url[200];

    call(f, "POST", "/fapi/v1/listenKey", "", 1);
    assert_int_equal(f->status, 200);
    lx__snprintf(url, sizeof(url), "wss://fstream.binance.com/ws/%s",
                 jstr(f->json, "listenKey"));
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
}

/*
 * Algo orders on the user data stream (ALGO_UPDATE): NEW at placement,
 * CANCELED when cancelled waiting (no ORDER_TRADE_UPDATE), TRIGGERING and
 * TRIGGERED then the placed order's ORDER_TRADE_UPDATEs and FINISHED, and
 * REJECTED (rm) for a reduce-only one with nothing to close at the
 * trigger. The account is isolated: ACCOUNT_UPDATE's cw leaves the
 * isolated margin out of wb.
 */
static void test_algo_stream(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *a;
    char id[32], q[120];
    int64_t a1;

    user_ws(f);
    call(f, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED",
         1);
    call(f, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=10", 1);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", 1);
    settle(f);
    /* fee 0.3, isolated margin 60: wallet 9999.7, cross wallet 9939.7 */
    a = cJSON_GetObjectItem(nth_event(f, "ACCOUNT_UPDATE", 0), "a");
    o = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "B"), 0);
    assert_string_equal(jstr(o, "wb"), "9999.70000000");
    assert_string_equal(jstr(o, "cw"), "9939.70000000");
    o = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "P"), 0);
    assert_string_equal(jstr(o, "mt"), "isolated");
    assert_string_equal(jstr(o, "iw"), "60.00000000");
    o = call(f, "POST", "/fapi/v1/algoOrder",
             "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&"
             "quantity=0.010&triggerPrice=60000.5&clientAlgoId=a1",
             1);
    a1 = jnum(o, "algoId");
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&"
         "quantity=0.010&triggerPrice=60000.5&reduceOnly=true&"
         "clientAlgoId=a2",
         1);
    assert_int_equal(f->status, 200);
    call(f, "POST", "/fapi/v1/algoOrder",
         "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP&"
         "timeInForce=GTC&quantity=0.010&price=61000&triggerPrice=61000&"
         "clientAlgoId=a3",
         1);
    call(f, "DELETE", "/fapi/v1/algoOrder", "clientAlgoId=a3", 1);
    assert_int_equal(f->status, 200);
    settle(f);
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a1", 0), "o");
    assert_non_null(o);
    assert_int_equal(jnum(o, "aid"), a1);
    assert_string_equal(jstr(o, "at"), "CONDITIONAL");
    assert_string_equal(jstr(o, "o"), "STOP_MARKET");
    assert_string_equal(jstr(o, "s"), "BTCUSDT");
    assert_string_equal(jstr(o, "S"), "BUY");
    assert_string_equal(jstr(o, "ps"), "BOTH");
    assert_string_equal(jstr(o, "q"), "0.010");
    assert_string_equal(jstr(o, "X"), "NEW");
    assert_string_equal(jstr(o, "ai"), "");
    assert_string_equal(jstr(o, "act"), "0");
    assert_string_equal(jstr(o, "tp"), "60000.5");
    assert_string_equal(jstr(o, "wt"), "CONTRACT_PRICE");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "R")));
    assert_int_equal(jnum(o, "tt"), 0);
    assert_string_equal(jstr(o, "rm"), "");
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a2", 0), "o");
    assert_string_equal(jstr(o, "X"), "NEW");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "R")));
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a3", 1), "o");
    assert_string_equal(jstr(o, "X"), "CANCELED");
    assert_string_equal(jstr(o, "p"), "61000.0");
    assert_null(event_of(f, "ORDER_TRADE_UPDATE", "c", "a3", 0));
    /* a trade at 60000.5 triggers a1 (fills) and a2 (nothing to close) */
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1.000", 1);
    settle(f);
    /* the order placed at the trigger has an order id of its own */
    o = cJSON_GetObjectItem(event_of(f, "ORDER_TRADE_UPDATE", "c", "a1", 0),
                            "o");
    assert_true(jnum(o, "i") != a1);
    lx__snprintf(id, sizeof(id), "%lld", (long long)jnum(o, "i"));
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a1", 1), "o");
    assert_string_equal(jstr(o, "X"), "TRIGGERING");
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a1", 2), "o");
    assert_string_equal(jstr(o, "X"), "TRIGGERED");
    assert_string_equal(jstr(o, "ai"), id);
    assert_string_equal(jstr(o, "act"), "MARKET");
    assert_true(jnum(o, "tt") > 0);
    o = cJSON_GetObjectItem(event_of(f, "ORDER_TRADE_UPDATE", "c", "a1", 0),
                            "o");
    assert_string_equal(jstr(o, "x"), "NEW");
    assert_string_equal(jstr(o, "o"), "STOP_MARKET");
    o = cJSON_GetObjectItem(event_of(f, "ORDER_TRADE_UPDATE", "c", "a1", 1),
                            "o");
    assert_string_equal(jstr(o, "x"), "TRADE");
    assert_string_equal(jstr(o, "X"), "FILLED");
    assert_string_equal(jstr(o, "z"), "0.010");
    assert_string_equal(jstr(o, "L"), "60000.5");
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a1", 3), "o");
    assert_string_equal(jstr(o, "X"), "FINISHED");
    assert_string_equal(jstr(o, "aq"), "0.010");
    assert_string_equal(jstr(o, "ap"), "60000.5");
    assert_null(event_of(f, "ALGO_UPDATE", "caid", "a1", 4));
    o = cJSON_GetObjectItem(event_of(f, "ALGO_UPDATE", "caid", "a2", 1), "o");
    assert_string_equal(jstr(o, "X"), "REJECTED");
    assert_string_equal(jstr(o, "rm"), "Reduce Only reject");
    assert_string_equal(jstr(o, "ai"), "");
    assert_null(event_of(f, "ALGO_UPDATE", "caid", "a2", 2));
    assert_null(event_of(f, "ORDER_TRADE_UPDATE", "c", "a2", 0));
    o = call(f, "GET", "/fapi/v1/algoOrder", "clientAlgoId=a2", 1);
    assert_string_equal(jstr(o, "algoStatus"), "REJECTED");
    assert_string_equal(jstr(o, "actualOrderId"), "");
    o = call(f, "GET", "/fapi/v1/algoOrder", "clientAlgoId=a1", 1);
    assert_string_equal(jstr(o, "algoStatus"), "FINISHED");
    assert_string_equal(jstr(o, "actualOrderId"), id);
    assert_int_equal(jnum(o, "algoId"), a1);
    /* that order is an order: GET /fapi/v1/order, allOrders; the algoId
     * is not an order id */
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%s", id);
    o = call(f, "GET", "/fapi/v1/order", q, 1);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "clientOrderId"), "a1");
    assert_string_equal(jstr(o, "type"), "STOP_MARKET");
    lx__snprintf(q, sizeof(q), "symbol=BTCUSDT&orderId=%lld", (long long)a1);
    call(f, "GET", "/fapi/v1/order", q, 1);
    expect_err(f, 400, -2013, "Order does not exist.");
    lx__snprintf(q, sizeof(q), "algoId=%lld", (long long)a1);
    o = call(f, "GET", "/fapi/v1/algoOrder", q, 1);
    assert_string_equal(jstr(o, "clientAlgoId"), "a1");
    o = call(f, "GET", "/fapi/v1/allOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 3); /* market, a1's, market */
    assert_string_equal(jstr(cJSON_GetArrayItem(o, 1), "clientOrderId"), "a1");
}

/*
 * PUT /fapi/v1/order: a modified LIMIT order goes to the back of its level
 * (here a lower quantity at the same price), an AMENDMENT on the stream;
 * a crossing price trades; the venue's errors; a partially filled order
 * modified to its executed quantity, and a GTX order modified to take,
 * are cancelled.
 */
static void test_modify_order(void **state)
{
    struct fx *f = *state;
    const cJSON *o;
    char q[300];
    int64_t m1, m2;
    int rej = 1;

    user_ws(f);
    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.010&price=59980&newClientOrderId=m1",
             1);
    m1 = jnum(o, "orderId");
    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.020&price=59980&newClientOrderId=m2",
             1);
    m2 = jnum(o, "orderId");
    lx__snprintf(q, sizeof(q),
                 "symbol=BTCUSDT&orderId=%lld&side=BUY&quantity=0.005&"
                 "price=59980",
                 (long long)m1);
    o = call(f, "PUT", "/fapi/v1/order", q, 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(jnum(o, "orderId"), m1);
    assert_string_equal(jstr(o, "status"), "NEW");
    assert_string_equal(jstr(o, "clientOrderId"), "m1");
    assert_string_equal(jstr(o, "price"), "59980.0");
    assert_string_equal(jstr(o, "origQty"), "0.005");
    assert_string_equal(jstr(o, "executedQty"), "0.000");
    assert_string_equal(jstr(o, "type"), "LIMIT");
    settle(f);
    o = cJSON_GetObjectItem(event_of(f, "ORDER_TRADE_UPDATE", "c", "m1", 1),
                            "o");
    assert_non_null(o);
    assert_string_equal(jstr(o, "x"), "AMENDMENT");
    assert_string_equal(jstr(o, "X"), "NEW");
    assert_string_equal(jstr(o, "q"), "0.005");
    assert_string_equal(jstr(o, "p"), "59980.0");
    assert_string_equal(jstr(o, "b"), "1499.5"); /* (0.005 + 0.020) * 59980 */
    assert_string_equal(jstr(o, "a"), "0");
    /* m1 lost its place: a sell through 59990.0 fills m2 first */
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "MARKET", NULL, "0.770", &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
    o = call(f, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=m2",
             1);
    assert_string_equal(jstr(o, "status"), "FILLED");
    o = call(f, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=m1",
             1);
    assert_string_equal(jstr(o, "status"), "NEW");
    assert_string_equal(jstr(o, "executedQty"), "0.000");

    /* the venue's errors; the order stays as it is */
    call(f, "PUT", "/fapi/v1/order",
         "symbol=BTCUSDT&origClientOrderId=m1&side=BUY&quantity=0.005&"
         "price=59980",
         1);
    expect_err(f, 400, -5027, "No need to modify the order.");
    call(f, "PUT", "/fapi/v1/order",
         "symbol=BTCUSDT&origClientOrderId=m1&side=SELL&quantity=0.006&"
         "price=59980",
         1);
    expect_err(f, 400, -1117, "Invalid side.");
    call(f, "PUT", "/fapi/v1/order",
         "symbol=BTCUSDT&origClientOrderId=m1&side=BUY&quantity=0.001&"
         "price=59980",
         1);
    expect_err(f, 400, -5029, "Order's notional must be no smaller than 100");
    call(f, "PUT", "/fapi/v1/order",
         "symbol=BTCUSDT&orderId=99999&side=BUY&quantity=0.001&price=59980", 1);
    expect_err(f, 400, -2013, "Order does not exist.");
    lx__snprintf(q, sizeof(q),
                 "symbol=BTCUSDT&orderId=%lld&side=BUY&quantity=0.010&"
                 "price=59980",
                 (long long)m2);
    call(f, "PUT", "/fapi/v1/order", q, 1);
    expect_err(f, 400, -2013, "Order does not exist."); /* filled */
    call(f, "PUT", "/fapi/v1/order",
         "symbol=BTCUSDT&origClientOrderId=m1&side=BUY&quantity=0.005", 1);
    expect_err(f, 400, -1102,
               "Mandatory parameter 'price' was not sent, was empty/null, or "
               "malformed.");
    o = call(f, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=m1",
             1);
    assert_string_equal(jstr(o, "origQty"), "0.005");
    /* a price across the book trades at once */
    o = call(f, "PUT", "/fapi/v1/order",
             "symbol=BTCUSDT&origClientOrderId=m1&side=BUY&quantity=0.005&"
             "price=60000",
             1);
    assert_string_equal(jstr(o, "status"), "FILLED");
    assert_string_equal(jstr(o, "avgPrice"), "60000.00000");

    /* partially filled, new quantity <= executed: cancelled */
    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", "SELL",
                                           "LIMIT", "59995.0", "0.005", &rej),
                     LX_OK);
    o = call(f, "POST", "/fapi/v1/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&"
             "quantity=0.010&price=59995&newClientOrderId=p1",
             1);
    assert_string_equal(jstr(o, "status"), "PARTIALLY_FILLED");
    o = call(f, "PUT", "/fapi/v1/order",
             "symbol=BTCUSDT&origClientOrderId=p1&side=BUY&quantity=0.005&"
             "price=59995",
             1);
    assert_int_equal(f->status, 200);
    assert_string_equal(jstr(o, "status"), "CANCELED");
    assert_string_equal(jstr(o, "executedQty"), "0.005");
    /* GTX whose new price would take: cancelled */
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&"
         "quantity=0.010&price=59000&newClientOrderId=g1",
         1);
    o = call(f, "PUT", "/fapi/v1/order",
             "symbol=BTCUSDT&origClientOrderId=g1&side=BUY&quantity=0.010&"
             "price=60000",
             1);
    assert_string_equal(jstr(o, "status"), "CANCELED");
    assert_string_equal(jstr(o, "price"), "59000.0");
}

/* name=<value percent-encoded> (a JSON list parameter) */
static void pct_param(char *out, size_t n, const char *name, const char *val)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = (size_t)lx__snprintf(out, n, "%s=", name);

    for (; *val != '\0' && k + 4 < n; val++) {
        unsigned char ch = (unsigned char)*val;

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.') {
            out[k++] = (char)ch;
        } else {
            out[k++] = '%';
            out[k++] = hex[ch >> 4];
            out[k++] = hex[ch & 15];
        }
    }
    out[k] = '\0';
}

/*
 * POST / PUT / DELETE /fapi/v1/batchOrders: per-item answers in list order,
 * an error object ({"code","msg"}) for an item that failed; at most 5
 * orders (10 ids to cancel); weight 5 (place, modify) and 1 (cancel).
 */
static void test_batch_orders(void **state)
{
    struct fx *f = *state;
    const cJSON *o, *x;
    char q[1200], list[200];
    int64_t used, b1;

    pct_param(q, sizeof(q), "batchOrders",
              "[{\"symbol\":\"BTCUSDT\",\"side\":\"BUY\",\"type\":\"LIMIT\","
              "\"timeInForce\":\"GTC\",\"quantity\":\"0.010\","
              "\"price\":\"59000\",\"newClientOrderId\":\"b1\"},"
              "{\"symbol\":\"BTCUSDT\",\"side\":\"BUY\",\"type\":\"LIMIT\","
              "\"timeInForce\":\"GTC\",\"quantity\":\"0.001\","
              "\"price\":\"59000\"},"
              "{\"symbol\":\"BTCUSDT\",\"side\":\"SELL\",\"type\":\"MARKET\","
              "\"quantity\":\"0.010\",\"reduceOnly\":\"true\"},"
              "{\"symbol\":\"BTCUSDT\",\"type\":\"MARKET\","
              "\"quantity\":\"0.010\"},"
              "{\"symbol\":\"ETHUSDT\",\"side\":\"BUY\",\"type\":\"MARKET\","
              "\"quantity\":\"0.010\"}]");
    used = f->used;
    o = call(f, "POST", "/fapi/v1/batchOrders", q, 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, used + 5);
    assert_int_equal(cJSON_GetArraySize(o), 5);
    x = cJSON_GetArrayItem(o, 0);
    b1 = jnum(x, "orderId");
    assert_string_equal(jstr(x, "clientOrderId"), "b1");
    assert_string_equal(jstr(x, "status"), "NEW");
    assert_string_equal(jstr(x, "price"), "59000.0");
    assert_string_equal(jstr(x, "origQty"), "0.010");
    x = cJSON_GetArrayItem(o, 1);
    assert_int_equal(jnum(x, "code"), -4164);
    assert_string_equal(jstr(x, "msg"),
                        "Order's notional must be no smaller than 100 (unless "
                        "you choose reduce only).");
    assert_null(cJSON_GetObjectItem(x, "orderId"));
    x = cJSON_GetArrayItem(o, 2);
    assert_int_equal(jnum(x, "code"), -2022);
    assert_string_equal(jstr(x, "msg"), "ReduceOnly Order is rejected.");
    x = cJSON_GetArrayItem(o, 3);
    assert_int_equal(jnum(x, "code"), -1102);
    assert_string_equal(jstr(x, "msg"),
                        "Mandatory parameter 'side' was not sent, was "
                        "empty/null, or malformed.");
    x = cJSON_GetArrayItem(o, 4);
    assert_int_equal(jnum(x, "code"), -1121);
    o = call(f, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    /* more than 5, or not a list */
    pct_param(q, sizeof(q), "batchOrders", "[{},{},{},{},{},{}]");
    call(f, "POST", "/fapi/v1/batchOrders", q, 1);
    expect_err(f, 400, -1130,
               "Data sent for parameter 'batchOrders' is not valid.");
    pct_param(q, sizeof(q), "batchOrders", "{\"symbol\":\"BTCUSDT\"}");
    call(f, "POST", "/fapi/v1/batchOrders", q, 1);
    expect_err(f, 400, -1130,
               "Data sent for parameter 'batchOrders' is not valid.");
    call(f, "POST", "/fapi/v1/batchOrders", "", 1);
    expect_err(f, 400, -1102,
               "Mandatory parameter 'batchOrders' was not sent, was "
               "empty/null, or malformed.");

    /* modify: the order, then -2013 for an unknown one */
    pct_param(q, sizeof(q), "batchOrders",
              "[{\"symbol\":\"BTCUSDT\",\"origClientOrderId\":\"b1\","
              "\"side\":\"BUY\",\"quantity\":\"0.020\",\"price\":\"59100\"},"
              "{\"symbol\":\"BTCUSDT\",\"orderId\":99999,\"side\":\"BUY\","
              "\"quantity\":\"0.020\",\"price\":\"59100\"}]");
    used = f->used;
    o = call(f, "PUT", "/fapi/v1/batchOrders", q, 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, used + 5);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    x = cJSON_GetArrayItem(o, 0);
    assert_int_equal(jnum(x, "orderId"), b1);
    assert_string_equal(jstr(x, "price"), "59100.0");
    assert_string_equal(jstr(x, "origQty"), "0.020");
    x = cJSON_GetArrayItem(o, 1);
    assert_int_equal(jnum(x, "code"), -2013);
    assert_string_equal(jstr(x, "msg"), "Order does not exist.");

    /* cancel */
    lx__snprintf(list, sizeof(list), "[%lld,99999]", (long long)b1);
    pct_param(q, sizeof(q), "orderIdList", list);
    lx__snprintf(list, sizeof(list), "symbol=BTCUSDT&%s", q);
    used = f->used;
    o = call(f, "DELETE", "/fapi/v1/batchOrders", list, 1);
    assert_int_equal(f->status, 200);
    assert_int_equal(f->used, used + 1);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    x = cJSON_GetArrayItem(o, 0);
    assert_int_equal(jnum(x, "orderId"), b1);
    assert_string_equal(jstr(x, "status"), "CANCELED");
    x = cJSON_GetArrayItem(o, 1);
    assert_int_equal(jnum(x, "code"), -2011);
    assert_string_equal(jstr(x, "msg"), "Unknown order sent.");
    pct_param(q, sizeof(q), "origClientOrderIdList", "[\"b1\"]");
    lx__snprintf(list, sizeof(list), "symbol=BTCUSDT&%s", q);
    o = call(f, "DELETE", "/fapi/v1/batchOrders", list, 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "code"), -2011);
    /* the lower-case names CCXT sends */
    pct_param(q, sizeof(q), "origclientorderidlist", "[\"b1\",\"zz\"]");
    lx__snprintf(list, sizeof(list), "symbol=BTCUSDT&%s", q);
    o = call(f, "DELETE", "/fapi/v1/batchOrders", list, 1);
    assert_int_equal(cJSON_GetArraySize(o), 2);
    lx__snprintf(list, sizeof(list), "symbol=BTCUSDT&orderidlist=%%5B%lld%%5D",
                 (long long)b1);
    o = call(f, "DELETE", "/fapi/v1/batchOrders", list, 1);
    assert_int_equal(cJSON_GetArraySize(o), 1);
    assert_int_equal(jnum(cJSON_GetArrayItem(o, 0), "code"), -2011);
    call(f, "DELETE", "/fapi/v1/batchOrders", "symbol=BTCUSDT", 1);
    expect_err(f, 400, -1102,
               "Param 'origClientOrderIdList' or 'orderIdList' must be sent, "
               "but both were empty/null!");
}

static void test_user_data(void **state)
{
    static const struct lx_ws_cbs cbs = {ws_open_cb, ws_msg_cb, NULL, NULL,
                                         NULL};
    struct fx *f = *state;
    const cJSON *o, *a;
    char url[200], key[80];

    call(f, "POST", "/fapi/v1/listenKey", "", 1);
    assert_int_equal(f->status, 200);
    lx__snprintf(key, sizeof(key), "%s", jstr(f->json, "listenKey"));
    assert_int_equal(strlen(key), 64);
    call(f, "POST", "/fapi/v1/listenKey", "", 1);
    assert_string_equal(jstr(f->json, "listenKey"), key); /* same key */
    call(f, "PUT", "/fapi/v1/listenKey", "", 1);
    assert_string_equal(jstr(f->json, "listenKey"), key);
    lx__snprintf(url, sizeof(url), "wss://fstream.binance.com/ws/%s", key);
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    settle(f);
    assert_int_equal(f->ws_open, 1);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&"
         "price=59000&newClientOrderId=u1",
         1);
    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.020&"
         "newClientOrderId=u2",
         1);
    call(f, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=u1",
         1);
    settle(f);
    o = cJSON_GetObjectItem(nth_event(f, "ORDER_TRADE_UPDATE", 0), "o");
    assert_string_equal(jstr(o, "c"), "u1");
    assert_string_equal(jstr(o, "x"), "NEW");
    assert_string_equal(jstr(o, "p"), "59000.0");
    assert_null(cJSON_GetObjectItem(o, "n")); /* no commission: not pushed */
    assert_null(cJSON_GetObjectItem(o, "N"));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "pP")));
    assert_int_equal(jnum(o, "si"), 0);
    assert_int_equal(jnum(o, "ss"), 0);
    assert_string_equal(jstr(o, "V"), "NONE");
    /* b / a: notional of the account's open orders, 0.010 * 59000 */
    assert_string_equal(jstr(o, "b"), "590");
    assert_string_equal(jstr(o, "a"), "0");
    o = cJSON_GetObjectItem(nth_event(f, "ORDER_TRADE_UPDATE", 2), "o");
    assert_string_equal(jstr(o, "b"), "590"); /* u2 filled: u1 only */
    assert_string_equal(jstr(o, "c"), "u2");
    assert_string_equal(jstr(o, "x"), "TRADE");
    assert_string_equal(jstr(o, "X"), "FILLED");
    assert_string_equal(jstr(o, "l"), "0.020");
    assert_string_equal(jstr(o, "z"), "0.020"); /* the fill counted once */
    assert_string_equal(jstr(o, "ap"), "60000.0");
    assert_string_equal(jstr(o, "L"), "60000.0");
    assert_string_equal(jstr(o, "n"), "0.60000000"); /* 1200 * 0.0005 */
    assert_string_equal(jstr(o, "N"), "USDT");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "m")));
    /* TRADE_LITE comes first for each fill */
    o = nth_event(f, "TRADE_LITE", 0);
    assert_string_equal(jstr(o, "s"), "BTCUSDT");
    assert_string_equal(jstr(o, "c"), "u2");
    assert_string_equal(jstr(o, "S"), "BUY");
    assert_string_equal(jstr(o, "q"), "0.020");
    assert_string_equal(jstr(o, "l"), "0.020");
    assert_string_equal(jstr(o, "L"), "60000.0");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(o, "m")));
    assert_int_equal(
        jnum(o, "i"),
        jnum(cJSON_GetObjectItem(nth_event(f, "ORDER_TRADE_UPDATE", 2), "o"),
             "i"));
    assert_int_equal(
        jnum(o, "t"),
        jnum(cJSON_GetObjectItem(nth_event(f, "ORDER_TRADE_UPDATE", 2), "o"),
             "t"));
    assert_true(event_index(f, "TRADE_LITE", 0) <
                event_index(f, "ORDER_TRADE_UPDATE", 2));
    a = cJSON_GetObjectItem(nth_event(f, "ACCOUNT_UPDATE", 0), "a");
    assert_string_equal(jstr(a, "m"), "ORDER");
    assert_string_equal(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "P"), 0), "pa"),
        "0.020");
    assert_string_equal(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "B"), 0), "wb"),
        "9999.40000000");
    o = cJSON_GetObjectItem(nth_event(f, "ORDER_TRADE_UPDATE", 3), "o");
    assert_string_equal(jstr(o, "c"), "u1");
    assert_string_equal(jstr(o, "X"), "CANCELED");
    assert_string_equal(jstr(o, "b"), "0");
    /* funding reaches the stream as ACCOUNT_UPDATE FUNDING_FEE */
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "60000.0"),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_fund(f->um), LX_OK);
    settle(f);
    a = cJSON_GetObjectItem(nth_event(f, "ACCOUNT_UPDATE", 1), "a");
    assert_string_equal(jstr(a, "m"), "FUNDING_FEE");
    assert_string_equal(
        jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "B"), 0), "wb"),
        "9999.28000000"); /* 1200 * 0.0001 = 0.12 paid */
    call(f, "DELETE", "/fapi/v1/listenKey", "", 1);
    assert_string_equal(f->body, "{}");
    call(f, "PUT", "/fapi/v1/listenKey", "", 1);
    expect_err(f, 400, -1125, "This listenKey does not exist.");
}

/* ---- the synthetic market (usdm_maker.c) --------------------------------- */

static const char *mark_of(struct fx *f)
{
    return jstr(call(f, "GET", "/fapi/v1/premiumIndex", "symbol=BTCUSDT", 0),
                "markPrice");
}

/*
 * The default maker with seed 5 is lotusx-mock's USD-M market for --seed 5
 * draw for draw: the same hidden keys and the same marks, step after step
 * (recorded from lotusx-mock before the maker left usdm_srv.c). The marks
 * depend on the draws alone, not on the book it quotes into.
 */
static void test_maker_draws(void **state)
{
    static const char *const want[] = {"59999.6", "59998.6", "59999.5",
                                       "60001.5", "60002.7", "60002.8"};
    struct fx *f = *state;
    struct lx_mock_bn_usdm_maker *m = NULL;
    struct lx_mock_bn_usdm_maker_stats st;
    const char *why = "";
    size_t i;

    assert_int_equal(lx_mock_bn_usdm_maker_new(&m, f->um, f->clock, 5, SEC),
                     LX_OK);
    /* no accounts yet */
    assert_int_equal(lx_mock_bn_usdm_maker_start(m), LX_ERR_INVAL);
    assert_int_equal(
        lx_mock_bn_usdm_maker_add(m, "ETHUSDT", &lx_mock_bn_usdm_gen_btc, &why),
        LX_ERR_NOTFOUND);
    assert_int_equal(
        lx_mock_bn_usdm_maker_add(m, "BTCUSDT", &lx_mock_bn_usdm_gen_btc, &why),
        LX_OK);
    assert_int_equal(lx_mock_bn_usdm_maker_accounts(m, &why), LX_OK);
    assert_true(lx_mock_bn_usdm_has_account(f->um, "usdm-mm-f197a9cc56a8169f"));
    assert_true(lx_mock_bn_usdm_has_account(f->um, "usdm-tk-58698ba4f19a2a4c"));
    assert_int_equal(lx_mock_bn_usdm_maker_start(m), LX_OK);
    for (i = 0; i < 6; i++) {
        if (i > 0) {
            lx_mock_bn_usdm_maker_step(m);
        }
        assert_string_equal(mark_of(f), want[i]);
    }
    lx_mock_bn_usdm_maker_get_stats(m, &st);
    assert_int_equal(st.steps, 6);
    assert_int_equal(st.marks, 6);
    assert_int_equal(st.liquidations, 0);
    assert_int_equal(lx_mock_bn_usdm_maker_count(m), 1);
    assert_int_equal(lx_mock_bn_usdm_maker_period(m), SEC);
    lx_mock_bn_usdm_maker_free(m);
    settle(f);
}

/* The timer steps each period; the clock hook stops, steps and restarts. */
static void test_maker_clock(void **state)
{
    static const struct lx_mock_bn_usdm_gen g = {"60000.0", NULL, NULL,
                                                 2,         0,    3};
    struct fx *f = *state;
    struct lx_mock_bn_usdm_maker *m = NULL;
    struct lx_mock_bn_usdm_maker_stats st;
    const char *why = "";

    assert_int_equal(lx_mock_bn_usdm_maker_new(&m, f->um, f->clock, 1, SEC),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_maker_add(m, "BTCUSDT", &g, &why), LX_OK);
    lx_mock_bn_usdm_maker_set_accounts(m, f->maker, f->maker);
    assert_int_equal(lx_mock_bn_usdm_maker_start(m), LX_OK);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 3 * SEC + SEC / 2),
        LX_OK);
    lx_mock_bn_usdm_maker_get_stats(m, &st);
    assert_int_equal(st.steps, 4); /* at 0, 1, 2 and 3 s */
    lx_mock_bn_usdm_maker_clock(1, 0, m);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 5 * SEC), LX_OK);
    lx_mock_bn_usdm_maker_clock(1, SEC, m); /* an advance: one step */
    lx_mock_bn_usdm_maker_get_stats(m, &st);
    assert_int_equal(st.steps, 5);
    lx_mock_bn_usdm_maker_clock(0, 0, m);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 2 * SEC + SEC / 2),
        LX_OK);
    lx_mock_bn_usdm_maker_get_stats(m, &st);
    assert_int_equal(st.steps, 7);
    /* its reference moves where it is told; the next mark is 2 ticks off */
    lx_mock_bn_usdm_maker_set_ref(m, "BTCUSDT", "61000.0");
    lx_mock_bn_usdm_maker_step(m);
    assert_true(strncmp(mark_of(f), "61000.", 6) == 0 ||
                strncmp(mark_of(f), "60999.", 6) == 0);
    lx_mock_bn_usdm_maker_free(m);
    settle(f);
}

/*
 * Its mark liquidates a long: 1 BTC bought at 60000.0 (fee 30) with 10000
 * USDT is liquidated below 50230.9; a maker quoting around 40000.0 sets
 * such a mark at its first step and counts it, with what it took from the
 * wallet: all of the 9970 left (the fund covers the rest).
 */
static void test_maker_liquidation(void **state)
{
    static const struct lx_mock_bn_usdm_gen g = {"40000.0", "0.1", "0.001",
                                                 1,         1,     1};
    struct fx *f = *state;
    struct lx_mock_bn_usdm_maker *m = NULL;
    struct lx_mock_bn_usdm_maker_stats st;
    const char *why = "";

    call(f, "POST", "/fapi/v1/order",
         "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1.000", 1);
    assert_string_equal(jstr(f->json, "status"), "FILLED");
    assert_int_equal(lx_mock_bn_usdm_maker_new(&m, f->um, f->clock, 9, SEC),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_maker_add(m, "BTCUSDT", &g, &why), LX_OK);
    assert_int_equal(lx_mock_bn_usdm_maker_accounts(m, &why), LX_OK);
    assert_int_equal(lx_mock_bn_usdm_maker_start(m), LX_OK);
    assert_null(risk(f, "positionAmt"));
    lx_mock_bn_usdm_maker_get_stats(m, &st);
    assert_int_equal(st.liquidations, 1);
    assert_int_equal(st.liq_wallet, -INT64_C(997000000000));
    lx_mock_bn_usdm_maker_step(m);
    lx_mock_bn_usdm_maker_get_stats(m, &st);
    assert_int_equal(st.liquidations, 1); /* nothing left to liquidate */
    lx_mock_bn_usdm_maker_free(m);
    settle(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_public, setup, teardown),
        cmocka_unit_test_setup_teardown(test_premium_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_records_full, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_order_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_num_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fill_position_funding, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_market_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modify_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_algo_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_num_algo_orders, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_hedge_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_late_subscriber, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_user_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_algo_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_liquidation_cross, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_liquidation_short, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_liquidation_isolated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_liquidation_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maker_draws, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maker_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maker_liquidation, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
