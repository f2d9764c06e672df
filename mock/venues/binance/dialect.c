/*
 * dialect.c - Binance's answers at the mock's door (see dialect.h).
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "core/lx_internal.h"
#include "lotusx/lx_http.h"
#include "mock/venues/binance/dialect.h"

/* exchangeInfo's rateLimits on spot: REQUEST_WEIGHT 6000/min, ORDERS
 * 100/10 s and 200000/day. */
const struct lx_mock_limits lx_mock_bn_spot_limits = {6000, 100, 200000, 2,
                                                      120};

int lx_mock_bn_respond_err(struct lx_mock_call *call,
                           const struct lx_mock_bn_err *err)
{
    cJSON *o = cJSON_CreateObject();
    char *json = NULL;
    int rc = LX_ERR_NOMEM;

    if (o != NULL && cJSON_AddNumberToObject(o, "code", err->code) != NULL &&
        cJSON_AddStringToObject(o, "msg", err->msg) != NULL) {
        json = cJSON_PrintUnformatted(o);
    }
    if (json != NULL) {
        rc = lx_mock_respond_json(call, err->http_status, json, strlen(json));
        cJSON_free(json);
    } else {
        rc = lx_mock_respond(call, 503, NULL, NULL, NULL, 0);
    }
    cJSON_Delete(o);
    return rc;
}

static void bn_bad_params(struct lx_mock_call *call)
{
    struct lx_mock_bn_err err;

    lx_mock_bn_err_set(&err, 400, -1100,
                       "Illegal characters found in a parameter.");
    lx_mock_bn_respond_err(call, &err);
}

static void bn_rate_limited(struct lx_mock_call *call, int status,
                            int64_t retry_after_s)
{
    struct lx_mock_bn_err err;
    char retry[24];
    const char *headers[] = {"Retry-After", retry, NULL};
    cJSON *o;
    char *json;

    lx__snprintf(retry, sizeof(retry), "%lld", (long long)retry_after_s);
    if (status == 418) {
        lx_mock_bn_err_set(
            &err, 418, -1003,
            "Way too much request weight used; IP banned "
            "until %lld. Please use WebSocket Streams for "
            "live updates to avoid bans.",
            (long long)(lx_mock_call_now_ms(call) + retry_after_s * 1000));
    } else {
        lx_mock_bn_err_set(
            &err, 429, -1003,
            "Too many requests; current limit of IP(%s) is "
            "%lld requests per minute. Please use the "
            "websocket for live updates to avoid polling the "
            "API.",
            lx_mock_call_client(call),
            (long long)lx_mock_call_limits(call)->weight_per_min);
    }
    o = cJSON_CreateObject();
    json = NULL;
    if (o != NULL && cJSON_AddNumberToObject(o, "code", err.code) != NULL &&
        cJSON_AddStringToObject(o, "msg", err.msg) != NULL) {
        json = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(o);
    lx_mock_respond(call, status, headers, "application/json;charset=UTF-8",
                    json != NULL ? json : "", json != NULL ? strlen(json) : 0);
    cJSON_free(json);
}

/*
 * X-MBX-USED-WEIGHT-1M on every answer; on a call that placed orders also
 * the account's order counts: X-MBX-ORDER-COUNT-10S and -1D on spot,
 * -10S and -1M on USD-M (the windows each venue limits).
 */
int lx_mock_bn_charge_orders(struct lx_mock_call *call, uint64_t account, int n)
{
    const struct lx_mock_limits *l = lx_mock_call_limits(call);
    struct lx_mock_bn_err err;
    int64_t s10 = 0, day = 0;
    int i, rc = LX_OK;

    for (i = 0; i < n && rc == LX_OK; i++) {
        rc = lx_mock_call_charge_order(call, account, &s10, &day);
    }
    if (rc == LX_OK) {
        return 0;
    }
    if (rc != LX_ERR_RATELIMIT) {
        lx_mock_respond(call, 503, NULL, NULL, NULL, 0);
        return -1;
    }
    if (l->orders_per_10s > 0 && s10 > l->orders_per_10s) {
        lx_mock_bn_err_set(&err, 429, -1015,
                           "Too many new orders; current limit is %lld "
                           "orders per TEN_SECONDS.",
                           (long long)l->orders_per_10s);
    } else {
        lx_mock_bn_err_set(&err, 429, -1015,
                           "Too many new orders; current limit is %lld "
                           "orders per DAY.",
                           (long long)l->orders_per_day);
    }
    lx_mock_bn_respond_err(call, &err);
    return -1;
}

static int bn_usage_headers(struct lx_mock_call *call, struct lx_http_msg *resp)
{
    char used[24];
    int64_t n[3];
    int usdm, rc;

    lx__snprintf(used, sizeof(used), "%lld",
                 (long long)lx_mock_call_used_weight(call));
    rc = lx_http_msg_add_header(resp, "X-MBX-USED-WEIGHT-1M", used);
    if (rc != LX_OK || !lx_mock_call_order_counts(call, n)) {
        return rc;
    }
    usdm = strcmp(lx_mock_call_venue(call), "binanceusdm") == 0;
    lx__snprintf(used, sizeof(used), "%lld", (long long)n[0]);
    rc = lx_http_msg_add_header(resp, "X-MBX-ORDER-COUNT-10S", used);
    lx__snprintf(used, sizeof(used), "%lld", (long long)n[usdm ? 1 : 2]);
    return rc != LX_OK ? rc
                       : lx_http_msg_add_header(resp,
                                                usdm ? "X-MBX-ORDER-COUNT-1M"
                                                     : "X-MBX-ORDER-COUNT-1D",
                                                used);
}

/*
 * Injected server errors, with the codes errors.md gives for them: -1000
 * UNKNOWN (500), -1001 DISCONNECTED (502, the gateway lost the backend),
 * -1008 TOO_MANY_REQUESTS "server is currently overloaded" (503).
 */
static void bn_server_error(struct lx_mock_call *call, int status)
{
    struct lx_mock_bn_err err;

    if (status == 502) {
        lx_mock_bn_err_set(&err, 502, -1001,
                           "Internal error; unable to process your request. "
                           "Please try again.");
    } else if (status == 503) {
        lx_mock_bn_err_set(&err, 503, -1008,
                           "Server is currently overloaded with other "
                           "requests. Please try again in a few minutes.");
    } else {
        lx_mock_bn_err_set(&err, status, -1000,
                           "An unknown error occurred while processing the "
                           "request.");
    }
    lx_mock_bn_respond_err(call, &err);
}

const struct lx_mock_dialect lx_mock_bn_dialect = {
    NULL,           NULL, bn_bad_params, bn_rate_limited, bn_usage_headers,
    bn_server_error};
