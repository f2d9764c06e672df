/*
 * bn_ex.c - the REST half of the Binance connector: every lx_exchange call
 * turned into a signed request (request.c), sent on the HTTP client,
 * answered through the codec (codec.c), with the reliability rules of
 * lx_exchange.h: weights charged against a per-minute window corrected by
 * X-MBX-USED-WEIGHT-1M, 429/418 honoured until Retry-After, retries with
 * back-off for idempotent calls only, a one-time clock resync and re-sign
 * after -1021, and reconciliation by client order id when the outcome of
 * an order placement is unknown.
 *
 * One struct bn_req lives per call from submission to its callback; it
 * changes mode (send, clock sync, reconcile) instead of spawning others,
 * so a call can never end twice. The stream half is bn_ex_stream.c.
 */
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "net/net_internal.h"
#include "venues/binance/bn_ex.h"

#define MS            ((int64_t)1000000)
#define RECONCILE_MAX 5

enum req_mode { MODE_SEND = 0, MODE_TIMESYNC, MODE_RECONCILE };

struct bn_req {
    struct bn_ex *x;
    struct bn_req *prev, *next; /* x->reqs */
    struct bn_req *qnext;       /* x->wait_head queue */
    struct lx__ex_call call;
    enum req_mode mode;
    int weight;
    int attempts; /* requests sent */
    int failures; /* transient failures retried in the current mode */
    bool idempotent;
    bool resigned; /* -1021 handled once already */
    bool queued;
    bool algo;    /* USD-M: the call goes to the algo endpoints */
    int orig_err; /* reconciliation: what the placement got */
    char orig_msg[160];
    int64_t sent_ms; /* local wall ms when sent (clock offset) */
    struct lx_backoff bo;
    struct lx_timer *timer;
};

static void send_or_queue(struct bn_req *q);

int64_t lx__bnx_now_ms(const struct bn_ex *x)
{
    return lx_clock_wall_ms(x->clock) + x->offset_ms;
}

/* ---- weights and rate limit ---------------------------------------------- */

static int depth_weight(const struct bn_ex *x, int limit)
{
    if (limit == 0) {
        limit = x->market == LX_BN_SPOT ? 100 : 500;
    }
    if (x->market == LX_BN_SPOT) {
        return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

/* Request weights as the venues document them (rest-api.md, USD-M docs). */
static int op_weight(const struct bn_ex *x, const struct lx__ex_call *c)
{
    bool spot = x->market == LX_BN_SPOT;
    bool all = c->symbol[0] == '\0';

    switch (c->op) {
    case LX__OP_MARKETS:
        return spot ? 20 : 1;
    case LX__OP_DEPTH:
        return depth_weight(x, c->limit);
    case LX__OP_TRADES:
        return spot ? 25 : 5;
    case LX__OP_KLINES:
        return spot ? 2 : 5;
    case LX__OP_TICKER:
        return all ? (spot ? 80 : 40) : (spot ? 2 : 1);
    case LX__OP_QUERY:
        return spot ? 4 : 1;
    case LX__OP_OPEN_ORDERS:
        return all ? (spot ? 80 : 40) : (spot ? 6 : 1);
    case LX__OP_MY_TRADES:
    case LX__OP_BALANCES:
        return spot ? 20 : 5;
    case LX__OP_POSITIONS:
        return 5;
    case LX__OP_MARK_PRICE:
        return all ? 10 : 1;
    case LX__OP_LISTEN_KEY:
    case LX__OP_LISTEN_KEEPALIVE:
    case LX__OP_LISTEN_CLOSE:
        return spot ? 2 : 1;
    default:
        return 1;
    }
}

static int64_t limit_now(const struct bn_ex *x)
{
    return x->limit_cfg > 0 ? x->limit_cfg : x->limit_venue;
}

/* Moves the window to the current minute; returns the server ms. */
static int64_t roll_window(struct bn_ex *x)
{
    int64_t now = lx__bnx_now_ms(x);

    if (now / 60000 != x->window) {
        x->window = now / 60000;
        x->used = 0;
    }
    return now;
}

/* 0 when q may go now, else the server ms to wait for. */
static int64_t must_wait_until(struct bn_ex *x, const struct bn_req *q)
{
    int64_t now = roll_window(x);

    if (now < x->blocked_until_ms) {
        return x->blocked_until_ms;
    }
    if (x->limit_cfg < 0 || x->used == 0 ||
        x->used + q->weight <= limit_now(x)) {
        return 0;
    }
    return (x->window + 1) * 60000 + 1;
}

static void note_usage(struct bn_ex *x, const struct lx_http_msg *resp)
{
    size_t len = 0;
    const char *h = lx_http_msg_header(resp, "X-MBX-USED-WEIGHT-1M", &len);
    int64_t v;

    roll_window(x);
    if (h != NULL && lx__parse_i64(h, len, &v) == LX_OK && v > x->used) {
        x->used = v;
    }
}

static void note_retry_after(struct bn_ex *x, const struct lx_http_msg *resp)
{
    size_t len = 0;
    const char *h = lx_http_msg_header(resp, "Retry-After", &len);
    int64_t s = 1;

    if (h != NULL && (lx__parse_i64(h, len, &s) != LX_OK || s < 1)) {
        s = 1;
    }
    if (lx__bnx_now_ms(x) + s * 1000 > x->blocked_until_ms) {
        x->blocked_until_ms = lx__bnx_now_ms(x) + s * 1000;
    }
}

static void wait_timer_cb(struct lx_timer *t, void *ud)
{
    struct bn_ex *x = ud;
    struct bn_req *q;

    LX_UNUSED(t);
    while ((q = x->wait_head) != NULL) {
        if (must_wait_until(x, q) != 0) {
            break;
        }
        x->wait_head = q->qnext;
        if (x->wait_head == NULL) {
            x->wait_tail = NULL;
        }
        q->queued = false;
        q->qnext = NULL;
        send_or_queue(q);
    }
    if (x->wait_head != NULL) {
        int64_t at = must_wait_until(x, x->wait_head);
        int64_t d = (at - lx__bnx_now_ms(x)) * MS;
        (void)lx_timer_start(x->wait_timer, d > 0 ? d : 0, 0);
    }
}

static void enqueue(struct bn_ex *x, struct bn_req *q, int64_t until_ms)
{
    int64_t d = (until_ms - lx__bnx_now_ms(x)) * MS;

    q->queued = true;
    if (x->wait_tail != NULL) {
        x->wait_tail->qnext = q;
    } else {
        x->wait_head = q;
    }
    x->wait_tail = q;
    if (!lx_timer_pending(x->wait_timer)) {
        (void)lx_timer_start(x->wait_timer, d > 0 ? d : 0, 0);
    }
}

/* ---- requests --------------------------------------------------------------
 */

static bool is_idempotent(enum lx__ex_op op)
{
    switch (op) {
    case LX__OP_PLACE:
    case LX__OP_CANCEL:
    case LX__OP_CANCEL_ALL:
    case LX__OP_MARGIN_TYPE:
    case LX__OP_LISTEN_KEY:
        return false;
    default:
        return true;
    }
}

static void req_free(struct bn_req *q)
{
    struct bn_ex *x = q->x;

    if (q->prev != NULL) {
        q->prev->next = q->next;
    } else if (x->reqs == q) {
        x->reqs = q->next;
    }
    if (q->next != NULL) {
        q->next->prev = q->prev;
    }
    lx_timer_free(q->timer);
    lx__free(x->mem, q);
}

/*
 * A client order id the venue accepts (^[.A-Z:/a-z0-9_-]{1,36}$), unique
 * across runs: the clock's ms, a draw of the net's PRNG and a sequence,
 * in base 36 ("lx" + at most 9 + 13 + 7 characters).
 */
static size_t base36(uint64_t v, char *out, size_t max)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char tmp[16];
    size_t n = 0, i;

    do {
        tmp[n++] = digits[v % 36];
        v /= 36;
    } while (v != 0 && n < max && n < sizeof(tmp));
    for (i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

static void make_client_id(struct bn_ex *x, char *out, size_t cap)
{
    char id[40] = "lx";
    size_t n = 2;

    n += base36((uint64_t)lx_clock_wall_ms(x->clock), id + n, 9);
    n += base36(lx_rng_next(&x->net->rng), id + n, 13);
    n += base36(++x->cid_seq % 78364164096ULL, id + n, 7);
    id[n] = '\0';
    (void)lx__snprintf(out, cap, "%s", id);
}

static int build_place(struct bn_ex *x, struct bn_req *q, int64_t now,
                       struct lx_bn_request *out)
{
    const struct lx_order_req *o = &q->call.order;

    if (q->mode == MODE_RECONCILE) {
        if (q->algo) {
            return lx__bn_req_algo_query(&x->signer, NULL, o->client_id, now,
                                         out);
        }
        return lx__bn_req_query_order(&x->signer, o->symbol, NULL, o->client_id,
                                      now, out);
    }
    return lx__bn_req_new_order(&x->signer, o, now, out);
}

static int build(struct bn_ex *x, struct bn_req *q, struct lx_bn_request *out)
{
    const struct lx__ex_call *c = &q->call;
    const struct lx_bn_signer *s = &x->signer;
    const char *sym = c->symbol[0] != '\0' ? c->symbol : NULL;
    int64_t now = lx__bnx_now_ms(x);

    if (q->mode == MODE_TIMESYNC) {
        return lx__bn_req_server_time(s, out);
    }
    switch (c->op) {
    case LX__OP_MARKETS:
        return lx__bn_req_exchange_info(s, out);
    case LX__OP_TIME:
        return lx__bn_req_server_time(s, out);
    case LX__OP_DEPTH:
        return lx__bn_req_depth(s, sym, c->limit, out);
    case LX__OP_TRADES:
        return lx__bn_req_trades(s, sym, false, c->limit, out);
    case LX__OP_KLINES:
        return lx__bn_req_klines(s, sym, c->interval, c->start_ms, c->end_ms,
                                 c->limit, out);
    case LX__OP_TICKER:
        return lx__bn_req_ticker_24h(s, sym, out);
    case LX__OP_PLACE:
        return build_place(x, q, now, out);
    case LX__OP_CANCEL:
        if (q->algo) {
            return lx__bn_req_algo_cancel(s, c->order_id, c->client_id, now,
                                          out);
        }
        return lx__bn_req_cancel_order(s, sym, c->order_id, c->client_id, now,
                                       out);
    case LX__OP_CANCEL_ALL:
        return lx__bn_req_cancel_all(s, sym, now, out);
    case LX__OP_QUERY:
        if (q->algo) {
            return lx__bn_req_algo_query(s, c->order_id, c->client_id, now,
                                         out);
        }
        return lx__bn_req_query_order(s, sym, c->order_id, c->client_id, now,
                                      out);
    case LX__OP_OPEN_ORDERS:
        return lx__bn_req_open_orders(s, sym, now, out);
    case LX__OP_MY_TRADES:
        return lx__bn_req_my_trades(s, sym, c->from_id, c->limit, now, out);
    case LX__OP_BALANCES:
        return lx__bn_req_account(s, now, out);
    case LX__OP_POSITIONS:
        return lx__bn_req_position_risk(s, sym, now, out);
    case LX__OP_LEVERAGE:
        return lx__bn_req_leverage(s, sym, c->leverage, now, out);
    case LX__OP_MARGIN_TYPE:
        return lx__bn_req_margin_type(s, sym, c->margin_type, now, out);
    case LX__OP_FUNDING:
        return lx__bn_req_funding_rate(s, sym, c->start_ms, c->end_ms, c->limit,
                                       out);
    case LX__OP_MARK_PRICE:
        return lx__bn_req_premium_index(s, sym, out);
    case LX__OP_LISTEN_KEY:
        return lx__bn_req_listen_key(s, LX_BN_LISTEN_CREATE, NULL, out);
    case LX__OP_LISTEN_KEEPALIVE:
        return lx__bn_req_listen_key(s, LX_BN_LISTEN_KEEPALIVE, c->client_id,
                                     out);
    case LX__OP_LISTEN_CLOSE:
        return lx__bn_req_listen_key(s, LX_BN_LISTEN_CLOSE, c->client_id, out);
    }
    return LX_ERR_INVAL;
}

/* The HTTP message for a built request, with the API-key header. */
static int to_msg(struct bn_ex *x, const struct lx_bn_request *b,
                  struct lx_http_msg **out)
{
    char target[64 + LX_BN_QUERY_MAX + 2];
    char key[256];
    struct lx_http_msg *m = NULL;
    int rc;

    rc = lx__snprintf(target, sizeof(target), "%s%s%s", b->path,
                      b->query[0] != '\0' ? "?" : "", b->query);
    if (rc < 0) {
        return rc;
    }
    rc = lx_http_msg_new_request(&m, x->mem, b->method, target);
    if (rc == LX_OK && b->api_key != NULL) {
        rc = lx__bn_apikey_value(b->api_key, key, sizeof(key));
        if (rc >= 0) {
            rc = lx_http_msg_add_header(m, LX_BN_APIKEY_HEADER, key);
        }
        OPENSSL_cleanse(key, sizeof(key));
    }
    if (rc == LX_OK && b->content_type != NULL) {
        rc = lx_http_msg_add_header(m, "Content-Type", b->content_type);
        if (rc == LX_OK) {
            rc = lx_http_msg_set_body(m, b->body, strlen(b->body));
        }
    }
    if (rc != LX_OK) {
        lx_http_msg_free(m);
        return rc;
    }
    *out = m;
    return LX_OK;
}

/* ---- finishing -------------------------------------------------------------
 */

static void result_init(struct lx_ex_result *r, const struct bn_req *q)
{
    memset(r, 0, sizeof(*r));
    r->errmsg = "";
    r->body = "";
    r->attempts = q->attempts;
}

/* Delivers r and frees q. */
static void finish(struct bn_req *q, struct lx_ex_result *r)
{
    struct bn_ex *x = q->x;
    struct lx__ex_call call = q->call;
    struct lx_exchange *ex = x->ex;

    if (r->errmsg == NULL) {
        r->errmsg = lx_strerror(r->err);
    }
    req_free(q); /* before the callback, which may free the exchange */
    if (lx__ex_deliver(ex, &call, r)) {
        lx_arena_reset(x->arena);
    }
}

static void finish_err(struct bn_req *q, int err, const char *msg)
{
    struct lx_ex_result r;

    result_init(&r, q);
    r.err = err;
    r.errmsg = msg;
    finish(q, &r);
}

/* Schedules q again after a back-off delay; false when out of retries. */
static bool retry_later(struct bn_req *q, int max)
{
    int64_t d;

    if (q->failures >= max) {
        return false;
    }
    q->failures++;
    d = lx_backoff_next(&q->bo, &q->x->net->rng);
    return lx_timer_start(q->timer, d, 0) == LX_OK;
}

/* The placement's outcome is unknown: find the order by client id. */
static void start_reconcile(struct bn_req *q, int err, const char *msg)
{
    LX_LOGW(q->x->ctx, "rest", "order %s: outcome unknown (%s), looking it up",
            q->call.order.client_id, msg);
    q->mode = MODE_RECONCILE;
    q->weight = q->x->market == LX_BN_SPOT ? 4 : 1;
    q->orig_err = err;
    (void)lx__snprintf(q->orig_msg, sizeof(q->orig_msg),
                       "%s; the order was not placed (looked up by client id)",
                       msg);
    q->failures = 0;
    lx_backoff_reset(&q->bo);
    send_or_queue(q);
}

/* A transport failure or a 5xx: retry, reconcile, or report. */
static void transient(struct bn_req *q, int err, const char *msg)
{
    if (q->mode == MODE_RECONCILE) {
        if (!retry_later(q, RECONCILE_MAX)) {
            finish_err(q, LX_ERR_TIMEOUT,
                       "order outcome unknown: the lookup by client id kept "
                       "failing; query it before placing it again");
        }
        return;
    }
    if (q->call.op == LX__OP_PLACE && q->mode == MODE_SEND) {
        start_reconcile(q, err, msg);
        return;
    }
    if ((q->idempotent || q->mode == MODE_TIMESYNC) &&
        retry_later(q, q->x->retries)) {
        return;
    }
    finish_err(q, err, msg);
}

static int parse_rate_limit(struct bn_ex *x, const char *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(body, len);
    const cJSON *rl, *e;

    if (root == NULL) {
        return LX_ERR_PARSE;
    }
    rl = cJSON_GetObjectItemCaseSensitive(root, "rateLimits");
    cJSON_ArrayForEach (e, rl) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "rateLimitType");
        const cJSON *iv = cJSON_GetObjectItemCaseSensitive(e, "interval");
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "intervalNum");
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "limit");
        if (cJSON_IsString(t) &&
            strcmp(t->valuestring, "REQUEST_WEIGHT") == 0 &&
            cJSON_IsString(iv) && strcmp(iv->valuestring, "MINUTE") == 0 &&
            cJSON_IsNumber(n) && n->valueint == 1 && cJSON_IsNumber(l) &&
            l->valuedouble >= 1 && l->valuedouble < 1e9) {
            x->limit_venue = (int64_t)l->valuedouble;
        }
    }
    cJSON_Delete(root);
    return LX_OK;
}

static int keep_instruments(struct bn_ex *x, const struct lx_instrument *in,
                            size_t n)
{
    struct lx_instrument *copy = NULL;

    if (n > 0) {
        copy = lx__memdup(x->mem, in, n * sizeof(*in));
        if (copy == NULL) {
            return LX_ERR_NOMEM;
        }
    }
    lx__free(x->mem, x->insts);
    x->insts = copy;
    x->ninsts = n;
    return LX_OK;
}

/*
 * DELETE /fapi/v1/algoOrder answers an acknowledgement only:
 * {"algoId":N,"clientAlgoId":"...","code":"200","msg":"success"}.
 */
static int parse_algo_cancel(const struct lx__ex_call *c, const char *b,
                             size_t n, struct lx_order *o)
{
    cJSON *root = cJSON_ParseWithLength(b, n);
    const cJSON *id, *cid;
    int rc = LX_ERR_PARSE;

    memset(o, 0, sizeof(*o));
    id = cJSON_GetObjectItemCaseSensitive(root, "algoId");
    cid = cJSON_GetObjectItemCaseSensitive(root, "clientAlgoId");
    if (cJSON_IsNumber(id) && id->valuedouble >= 0 &&
        id->valuedouble < 9.0e15 && cJSON_IsString(cid) &&
        lx__snprintf(o->client_id, sizeof(o->client_id), "%s",
                     cid->valuestring) >= 0) {
        (void)lx__snprintf(o->order_id, sizeof(o->order_id), "%lld",
                           (long long)id->valuedouble);
        (void)lx__snprintf(o->symbol, sizeof(o->symbol), "%s", c->symbol);
        o->is_algo = true;
        o->status = LX_STATUS_CANCELED;
        (void)lx__snprintf(o->status_raw, sizeof(o->status_raw), "CANCELED");
        o->list_id = -1;
        rc = LX_OK;
    }
    cJSON_Delete(root);
    return rc;
}

static int parse_one_order(struct bn_ex *x, const struct bn_req *q,
                           const char *b, size_t n, struct lx_ex_result *r,
                           struct lx_bn_err *e)
{
    struct lx_order *o = lx_arena_alloc(x->arena, sizeof(*o));
    int rc;

    if (o == NULL) {
        return LX_ERR_NOMEM;
    }
    if (q->algo && q->call.op == LX__OP_CANCEL) {
        rc = parse_algo_cancel(&q->call, b, n, o);
    } else if (q->algo) {
        rc = lx__bn_parse_algo_order(b, n, x->arena, o, e);
    } else {
        rc = lx__bn_parse_order(x->market, b, n, x->arena, o, e);
    }
    r->orders = o;
    r->norders = 1;
    r->fills = o->fills;
    r->nfills = o->nfills;
    return rc;
}

static int parse_body(struct bn_ex *x, struct bn_req *q, const char *b,
                      size_t n, struct lx_ex_result *r, struct lx_bn_err *e)
{
    struct lx_arena *a = x->arena;
    int rc;

    switch (q->call.op) {
    case LX__OP_MARKETS:
        rc = lx__bn_parse_exchange_info(
            x->market, b, n, a, (struct lx_instrument **)&r->instruments,
            &r->ninstruments, e);
        if (rc == LX_OK) {
            rc = keep_instruments(x, r->instruments, r->ninstruments);
        }
        return rc == LX_OK ? parse_rate_limit(x, b, n) : rc;
    case LX__OP_TIME:
        return lx__bn_parse_server_time(b, n, &r->server_time_ms, e);
    case LX__OP_DEPTH: {
        struct lx_depth *d = lx_arena_alloc(a, sizeof(*d));
        if (d == NULL) {
            return LX_ERR_NOMEM;
        }
        r->depth = d;
        return lx__bn_parse_depth(b, n, a, d, e);
    }
    case LX__OP_TRADES:
        return lx__bn_parse_trades(b, n, a, (struct lx_trade **)&r->trades,
                                   &r->ntrades, e);
    case LX__OP_KLINES:
        return lx__bn_parse_klines(b, n, a, (struct lx_kline **)&r->klines,
                                   &r->nklines, e);
    case LX__OP_TICKER:
        return lx__bn_parse_ticker_24h(
            b, n, a, (struct lx_ticker **)&r->tickers, &r->ntickers, e);
    case LX__OP_PLACE:
    case LX__OP_CANCEL:
    case LX__OP_QUERY:
        return parse_one_order(x, q, b, n, r, e);
    case LX__OP_CANCEL_ALL:
    case LX__OP_OPEN_ORDERS:
        return lx__bn_parse_orders(
            x->market, b, n, a, (struct lx_order **)&r->orders, &r->norders, e);
    case LX__OP_MY_TRADES:
        return lx__bn_parse_my_trades(
            x->market, b, n, a, (struct lx_fill **)&r->fills, &r->nfills, e);
    case LX__OP_BALANCES:
        return lx__bn_parse_account(
            x->market, b, n, a, (struct lx_balance **)&r->balances,
            &r->nbalances,
            x->market == LX_BN_USDM ? (struct lx_position **)&r->positions
                                    : NULL,
            &r->npositions, e);
    case LX__OP_POSITIONS:
        return lx__bn_parse_position_risk(
            b, n, a, (struct lx_position **)&r->positions, &r->npositions, e);
    case LX__OP_LEVERAGE:
        return lx__bn_parse_leverage(b, n, &r->leverage, e);
    case LX__OP_MARGIN_TYPE:
        return LX_OK; /* {"code":200,"msg":"success"} */
    case LX__OP_FUNDING:
        return lx__bn_parse_funding_rates(
            b, n, a, (struct lx_funding_rate **)&r->funding, &r->nfunding, e);
    case LX__OP_MARK_PRICE:
        return lx__bn_parse_premium_index(
            b, n, a, (struct lx_mark_price **)&r->marks, &r->nmarks, e);
    case LX__OP_LISTEN_KEY:
    case LX__OP_LISTEN_KEEPALIVE:
    case LX__OP_LISTEN_CLOSE:
        return LX_OK; /* the caller reads the body */
    }
    return LX_ERR_INTERNAL;
}

/* server - local, the local time taken as the middle of the round trip. */
static void note_offset(struct bn_ex *x, const struct bn_req *q, int64_t server)
{
    x->offset_ms = server - (q->sent_ms + lx_clock_wall_ms(x->clock)) / 2;
}

/* A 2xx answer in MODE_TIMESYNC: the offset, then the real call again. */
static void timesync_done(struct bn_req *q, const char *b, size_t n)
{
    struct bn_ex *x = q->x;
    int64_t server;

    if (lx__bn_parse_server_time(b, n, &server, NULL) != LX_OK) {
        finish_err(q, LX_ERR_PARSE, "server time answer does not parse");
        return;
    }
    note_offset(x, q, server);
    LX_LOGI(x->ctx, "rest", "clock offset now %lld ms",
            (long long)x->offset_ms);
    q->mode = MODE_SEND;
    q->resigned = true;
    q->failures = 0;
    send_or_queue(q);
}

static void on_venue_error(struct bn_req *q, struct lx_ex_result *r)
{
    enum lx_bn_error_class cls = lx__bn_error_class(r->venue);

    if (q->mode == MODE_RECONCILE) {
        if (cls == LX_BN_ERRC_NO_SUCH_ORDER) {
            finish_err(q, q->orig_err, q->orig_msg);
        } else {
            transient(q, LX_ERR_VENUE, r->venue->msg);
        }
        return;
    }
    if (cls == LX_BN_ERRC_TIMESTAMP && !q->resigned && q->mode == MODE_SEND) {
        q->mode = MODE_TIMESYNC;
        send_or_queue(q);
        return;
    }
    if (cls == LX_BN_ERRC_NO_SUCH_ORDER && q->x->market == LX_BN_USDM &&
        !q->algo &&
        (q->call.op == LX__OP_CANCEL || q->call.op == LX__OP_QUERY)) {
        q->algo = true; /* maybe a conditional order: ask the algo side */
        send_or_queue(q);
        return;
    }
    if (cls == LX_BN_ERRC_UNKNOWN_STATE) {
        transient(q, LX_ERR_VENUE, r->venue->msg);
        return;
    }
    if (cls == LX_BN_ERRC_BUSY && q->idempotent &&
        retry_later(q, q->x->retries)) {
        return;
    }
    r->err = lx__bn_error_code(r->venue);
    r->errmsg = r->venue->msg;
    finish(q, r);
}

static void on_answer(struct bn_req *q, const struct lx_http_msg *resp)
{
    struct bn_ex *x = q->x;
    struct lx_venue_error ve;
    struct lx_bn_err e;
    struct lx_ex_result r;
    size_t n = 0;
    const char *b = lx_http_msg_body(resp, &n);
    int status = lx_http_msg_status(resp);
    int rc;

    note_usage(x, resp);
    if (b == NULL) {
        b = "";
    }
    memset(&ve, 0, sizeof(ve));
    memset(&e, 0, sizeof(e));
    result_init(&r, q);
    r.http_status = status;
    r.body = b;
    r.body_len = n;
    rc = lx__bn_check_error(b, n, status, &ve);
    if (status == 429 || status == 418) {
        note_retry_after(x, resp);
        if (q->idempotent && retry_later(q, x->retries)) {
            return;
        }
        r.err = LX_ERR_RATELIMIT;
        r.venue = rc == LX_ERR_VENUE ? &ve : NULL;
        r.errmsg = rc == LX_ERR_VENUE ? ve.msg : "rate limited (HTTP 429)";
        finish(q, &r);
        return;
    }
    if (status >= 500) {
        transient(q, LX_ERR_IO, rc == LX_ERR_VENUE ? ve.msg : "HTTP 5xx");
        return;
    }
    if (rc == LX_ERR_VENUE || status >= 400) {
        if (rc != LX_ERR_VENUE) {
            ve.http_status = status;
            ve.code = 0;
            (void)lx__snprintf(ve.msg, sizeof(ve.msg), "HTTP %d", status);
        }
        r.venue = &ve;
        on_venue_error(q, &r);
        return;
    }
    if (q->mode == MODE_TIMESYNC) {
        timesync_done(q, b, n);
        return;
    }
    r.err = parse_body(x, q, b, n, &r, &e);
    if (r.err != LX_OK) {
        r.errmsg =
            e.json.path[0] != '\0' ? e.json.path : "answer does not parse";
    }
    if (q->call.op == LX__OP_TIME && r.err == LX_OK) {
        note_offset(x, q, r.server_time_ms);
    }
    r.reconciled = q->mode == MODE_RECONCILE;
    finish(q, &r);
}

static void resp_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct bn_req *q = ud;

    if (err != LX_OK) {
        transient(q, err, errmsg);
        return;
    }
    on_answer(q, resp);
}

static void do_send(struct bn_req *q)
{
    struct bn_ex *x = q->x;
    struct lx_bn_request b;
    struct lx_http_msg *m = NULL;
    int rc;

    rc = build(x, q, &b);
    if (rc == LX_OK) {
        rc = to_msg(x, &b, &m);
    }
    OPENSSL_cleanse(&b, sizeof(b));
    if (rc != LX_OK) {
        finish_err(q, rc, "could not build the request");
        return;
    }
    q->attempts++;
    x->used += q->weight;
    q->sent_ms = lx_clock_wall_ms(x->clock);
    rc = lx_http_client_send(x->http, x->rest, m, x->timeout_ns, resp_cb, q);
    if (rc != LX_OK) {
        finish_err(q, rc, "could not send the request");
    }
}

static void send_or_queue(struct bn_req *q)
{
    int64_t until = must_wait_until(q->x, q);

    if (until != 0) {
        enqueue(q->x, q, until);
        return;
    }
    do_send(q);
}

/* The first send (on the next tick) and every retry after a back-off. */
static void send_timer_cb(struct lx_timer *t, void *ud)
{
    struct bn_req *q = ud;

    LX_UNUSED(t);
    send_or_queue(q);
}

int lx__bnx_call(struct bn_ex *x, const struct lx__ex_call *c)
{
    struct bn_req *q = lx__calloc(x->mem, 1, sizeof(*q));
    int rc;

    if (q == NULL) {
        return LX_ERR_NOMEM;
    }
    q->x = x;
    q->call = *c;
    rc = lx_timer_new(&q->timer, x->clock, send_timer_cb, q);
    if (rc != LX_OK) {
        lx__free(x->mem, q);
        return rc;
    }
    if (c->op == LX__OP_PLACE && q->call.order.client_id[0] == '\0') {
        make_client_id(x, q->call.order.client_id,
                       sizeof(q->call.order.client_id));
    }
    q->algo = c->op == LX__OP_PLACE && x->market == LX_BN_USDM &&
              !x->signer.legacy_conditional &&
              lx__bn_is_conditional(c->order.type);
    q->idempotent = is_idempotent(c->op);
    q->weight = op_weight(x, c);
    lx_backoff_init(&q->bo, 100 * MS, 5000 * MS);
    q->next = x->reqs;
    if (x->reqs != NULL) {
        x->reqs->prev = q;
    }
    x->reqs = q;
    /* Never inside the caller's call: the first send is on the next tick. */
    rc = lx_timer_start(q->timer, 0, 0);
    if (rc != LX_OK) {
        req_free(q);
        return rc;
    }
    return LX_OK;
}

void lx__bnx_forget(struct bn_ex *x, const void *ud)
{
    struct bn_req *q;

    for (q = x->reqs; q != NULL; q = q->next) {
        if (q->call.ud == ud) {
            q->call.cb = NULL;
            q->call.ud = NULL;
        }
    }
}

/* ---- vtable ----------------------------------------------------------------
 */

static bool has_op(const void *impl, enum lx__ex_op op)
{
    const struct bn_ex *x = impl;

    switch (op) {
    case LX__OP_POSITIONS:
    case LX__OP_LEVERAGE:
    case LX__OP_MARGIN_TYPE:
    case LX__OP_FUNDING:
    case LX__OP_MARK_PRICE:
        return x->market == LX_BN_USDM;
    default:
        return true;
    }
}

static int call(void *impl, const struct lx__ex_call *c)
{
    return lx__bnx_call(impl, c);
}

static const char *const hosts[2][2][2] = {
    {{"https://api.binance.com", "wss://stream.binance.com:9443"},
     {"https://testnet.binance.vision", "wss://stream.testnet.binance.vision"}},
    {{"https://fapi.binance.com", "wss://fstream.binance.com"},
     {"https://testnet.binancefuture.com", "wss://fstream.binancefuture.com"}}};

/*
 * The signer's keys. A private key (an Ed25519 API key's PEM) wins over an
 * HMAC secret and is parsed once, here, so a bad PEM fails the exchange's
 * creation (LX_ERR_CONFIG, LX_ERR_UNSUPPORTED) rather than its first order;
 * the parsed key is freed with the exchange.
 */
static int set_creds(struct bn_ex *x, const struct lx_exchange_opts *o)
{
    if (o->creds == NULL) {
        return LX_OK;
    }
    x->signer.api_key = lx_creds_get(o->creds, LX_CRED_API_KEY);
    x->signer.secret = lx_creds_get(o->creds, LX_CRED_API_SECRET);
    x->signer.private_key = lx_creds_get(o->creds, LX_CRED_PRIVATE_KEY);
    if (x->signer.private_key == NULL) {
        return LX_OK;
    }
    return lx__bn_ed25519_load(x->signer.private_key, &x->signer.ed25519);
}

static void destroy(void *impl)
{
    struct bn_ex *x = impl;

    if (x == NULL) {
        return;
    }
    lx__bnx_streams_free(x);
    lx_http_client_free(x->http); /* drops pending callbacks */
    while (x->reqs != NULL) {
        req_free(x->reqs);
    }
    lx_timer_free(x->wait_timer);
    lx_arena_free(x->arena);
    lx__bn_ed25519_free(x->signer.ed25519);
    lx__free(x->mem, x->insts);
    lx__free(x->mem, x);
}

static int create(struct lx_exchange *ex, const struct lx_exchange_opts *o,
                  enum lx_bn_market m, void **impl)
{
    struct lx_net *net = lx__ex_net(ex);
    struct bn_ex *x = lx__calloc(net->mem, 1, sizeof(*x));
    int rc;

    if (x == NULL) {
        return LX_ERR_NOMEM;
    }
    x->ex = ex;
    x->net = net;
    x->mem = net->mem;
    x->ctx = net->ctx;
    x->clock = net->clock;
    x->market = m;
    x->timeout_ns = o->timeout_ns;
    x->retries = o->retries;
    x->limit_cfg = o->weight_per_min;
    x->verify_ns = o->book_verify_ms * MS;
    x->limit_venue = m == LX_BN_SPOT ? 6000 : 2400;
    (void)lx__snprintf(x->rest, sizeof(x->rest), "%s",
                       o->rest[0] != '\0' ? o->rest : hosts[m][o->env][0]);
    (void)lx__snprintf(x->ws, sizeof(x->ws), "%s",
                       o->ws[0] != '\0' ? o->ws : hosts[m][o->env][1]);
    x->signer.market = m;
    x->signer.recv_window = o->recv_window_ms;
    x->signer.mem = net->mem;
    x->signer.legacy_conditional = o->legacy_conditional;
    rc = set_creds(x, o);
    if (rc == LX_OK) {
        rc = lx_http_client_new(&x->http, net);
    }
    if (rc == LX_OK) {
        rc = lx_arena_new(&x->arena, net->mem, 64u << 20);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&x->wait_timer, x->clock, wait_timer_cb, x);
    }
    if (rc == LX_OK) {
        rc = lx__bnx_streams_new(x);
    }
    if (rc != LX_OK) {
        destroy(x);
        return rc;
    }
    *impl = x;
    return LX_OK;
}

static int create_spot(struct lx_exchange *ex, const struct lx_exchange_opts *o,
                       void **impl)
{
    return create(ex, o, LX_BN_SPOT, impl);
}

static int create_usdm(struct lx_exchange *ex, const struct lx_exchange_opts *o,
                       void **impl)
{
    return create(ex, o, LX_BN_USDM, impl);
}

static int64_t clock_offset(const void *impl)
{
    return ((const struct bn_ex *)impl)->offset_ms;
}

static int64_t used_weight(const void *impl)
{
    return ((const struct bn_ex *)impl)->used;
}

static const struct lx_instrument *instrument(const void *impl,
                                              const char *symbol)
{
    const struct bn_ex *x = impl;
    size_t i;

    for (i = 0; i < x->ninsts; i++) {
        if (strcmp(x->insts[i].symbol, symbol) == 0) {
            return &x->insts[i];
        }
    }
    return NULL;
}

const struct lx__ex_vtable lx__bn_spot_vtable = {"binance-spot",
                                                 create_spot,
                                                 destroy,
                                                 has_op,
                                                 call,
                                                 lx__bnx_subscribe,
                                                 lx__bnx_watch_book,
                                                 lx__bnx_unwatch_book,
                                                 lx__bnx_resync_book,
                                                 lx__bnx_book_stats,
                                                 lx__bnx_book,
                                                 lx__bnx_user_stream,
                                                 lx__bnx_user_stream_stop,
                                                 clock_offset,
                                                 used_weight,
                                                 instrument};

const struct lx__ex_vtable lx__bn_usdm_vtable = {"binance-usdm",
                                                 create_usdm,
                                                 destroy,
                                                 has_op,
                                                 call,
                                                 lx__bnx_subscribe,
                                                 lx__bnx_watch_book,
                                                 lx__bnx_unwatch_book,
                                                 lx__bnx_resync_book,
                                                 lx__bnx_book_stats,
                                                 lx__bnx_book,
                                                 lx__bnx_user_stream,
                                                 lx__bnx_user_stream_stop,
                                                 clock_offset,
                                                 used_weight,
                                                 instrument};
