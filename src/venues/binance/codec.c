/*
 * codec.c - Binance spot and USD-M REST bodies into lx_types.h values:
 * exchange info, depth snapshots, klines, trades, orders (and USD-M algo
 * orders), own trades, accounts, balances, positions, premium index,
 * funding history, 24 h tickers, leverage, listen keys, server time; the
 * error envelope and its classification; plus the helpers and enum tables
 * codec_ws.c shares.
 *
 * It does not do I/O, does not read the clock, and keeps nothing between
 * calls: each call parses one body with lx__json_parse, maps the fields it
 * knows and frees the tree. Fields it does not map stay in the raw body,
 * which the caller keeps.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "venues/binance/codec_int.h"

/* ---- Error and field helpers --------------------------------------------- */

int lx__bn_fail(struct lx_json_err *je, int code, const char *key)
{
    if (je != NULL && je->code == LX_OK) {
        je->code = code;
        (void)lx__snprintf(je->path, sizeof(je->path), "%s",
                           key != NULL ? key : "");
    }
    return code;
}

const char *lx__bn_peek(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int put_str(const char *s, size_t len, char *dst, size_t cap,
                   const char *key, struct lx_json_err *je)
{
    if (len >= cap || memchr(s, '\0', len) != NULL) {
        dst[0] = '\0';
        return lx__bn_fail(je, LX_ERR_TOOBIG, key);
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
    return LX_OK;
}

int lx__bn_str(const cJSON *o, const char *key, char *dst, size_t cap,
               bool required, struct lx_json_err *je)
{
    const char *s = NULL;
    size_t len = 0;
    int rc;

    dst[0] = '\0';
    if (required) {
        rc = lx__json_get_str(o, key, &s, &len, je);
    } else {
        rc = lx__json_opt_str(o, key, "", &s, &len, je);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return put_str(s, len, dst, cap, key, je);
}

int lx__bn_id(const cJSON *o, const char *key, char *dst, size_t cap,
              bool required, struct lx_json_err *je)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    char tmp[24];
    int64_t v;
    int rc, n;

    dst[0] = '\0';
    if (it == NULL || cJSON_IsNull(it)) {
        return required ? lx__bn_fail(je, LX_ERR_NOTFOUND, key) : LX_OK;
    }
    if (cJSON_IsString(it)) {
        return put_str(it->valuestring, strlen(it->valuestring), dst, cap, key,
                       je);
    }
    rc = lx__json_as_i64(it, &v, NULL);
    if (rc != LX_OK) {
        return lx__bn_fail(je, rc, key);
    }
    n = lx__snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    return put_str(tmp, (size_t)n, dst, cap, key, je);
}

int lx__bn_dec(const cJSON *o, const char *key, struct lx_decimal *d,
               struct lx_json_err *je)
{
    static const struct lx_decimal zero = {0, 0};

    return lx__json_opt_decimal(o, key, zero, d, je);
}

int lx__bn_i64(const cJSON *o, const char *key, int64_t def, int64_t *v,
               struct lx_json_err *je)
{
    return lx__json_opt_i64(o, key, def, v, je);
}

int lx__bn_bool(const cJSON *o, const char *key, bool *v,
                struct lx_json_err *je)
{
    return lx__json_opt_bool(o, key, false, v, je);
}

void *lx__bn_alloc(struct bn_pc *pc, size_t n, size_t sz)
{
    void *p;

    if (n == 0) {
        return NULL;
    }
    p = lx_arena_alloc_array(pc->arena, n, sz);
    if (p == NULL) {
        int rc = lx_arena_error(pc->arena);

        lx__bn_fail(pc->je, rc != LX_OK ? rc : LX_ERR_NOMEM, "");
    }
    return p;
}

/* Number of elements of an array item (cJSON counts by walking). */
static size_t arr_len(const cJSON *arr)
{
    const cJSON *c;
    size_t n = 0;

    cJSON_ArrayForEach (c, arr) {
        n++;
    }
    return n;
}

static int level(const cJSON *lvl, struct lx_level *out, struct lx_json_err *je)
{
    const cJSON *p, *q;
    int rc;

    if (!cJSON_IsArray(lvl)) {
        return lx__bn_fail(je, LX_ERR_TYPE, "");
    }
    p = lvl->child;
    q = p != NULL ? p->next : NULL;
    if (q == NULL) {
        return lx__bn_fail(je, LX_ERR_NOTFOUND, p == NULL ? "[0]" : "[1]");
    }
    rc = lx__json_as_decimal(p, &out->price, NULL);
    if (rc != LX_OK) {
        return lx__bn_fail(je, rc, "[0]");
    }
    rc = lx__json_as_decimal(q, &out->qty, NULL);
    return rc == LX_OK ? LX_OK : lx__bn_fail(je, rc, "[1]");
}

int lx__bn_levels(struct bn_pc *pc, const cJSON *arr, struct lx_level **out,
                  size_t *n)
{
    const cJSON *c;
    size_t i = 0;
    char seg[24];

    *out = NULL;
    *n = 0;
    if (!cJSON_IsArray(arr)) {
        return lx__bn_fail(pc->je, LX_ERR_TYPE, "");
    }
    *out = lx__bn_alloc(pc, arr_len(arr), sizeof(**out));
    if (*out == NULL && arr->child != NULL) {
        return pc->je->code;
    }
    cJSON_ArrayForEach (c, arr) {
        if (level(c, &(*out)[i], pc->je) != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "[%zu]", i);
            lx__json_err_prefix(pc->je, seg);
            return pc->je->code;
        }
        i++;
    }
    *n = i;
    return LX_OK;
}

int lx__bn_envelope(const cJSON *root, int http_status,
                    struct lx_venue_error *ve)
{
    const cJSON *code, *msg;
    int64_t c;

    if (!cJSON_IsObject(root)) {
        return LX_OK;
    }
    code = cJSON_GetObjectItemCaseSensitive(root, "code");
    msg = cJSON_GetObjectItemCaseSensitive(root, "msg");
    if (code == NULL || !cJSON_IsString(msg) ||
        lx__json_as_i64(code, &c, NULL) != LX_OK || c == 0 || c == 200) {
        return LX_OK;
    }
    if (ve != NULL) {
        ve->http_status = http_status;
        ve->code = (long long)c;
        (void)lx__snprintf(ve->msg, sizeof(ve->msg), "%s", msg->valuestring);
    }
    return LX_ERR_VENUE;
}

enum lx_bn_error_class lx__bn_error_class(const struct lx_venue_error *ve)
{
    long long c;

    if (ve == NULL) {
        return LX_BN_ERRC_OTHER;
    }
    c = ve->code;
    if (ve->http_status == 429 || ve->http_status == 418 || c == -1003 ||
        c == -1015) {
        return LX_BN_ERRC_RATE_LIMIT;
    }
    switch (c) {
    case -1021:
        return LX_BN_ERRC_TIMESTAMP;
    case -1002:
    case -1022:
    case -2014:
    case -2015:
        return LX_BN_ERRC_AUTH;
    case -1006:
    case -1007:
        return LX_BN_ERRC_UNKNOWN_STATE;
    case -1001:
    case -1008:
    case -1016:
        return LX_BN_ERRC_BUSY;
    case -2013:
        return LX_BN_ERRC_NO_SUCH_ORDER;
    case -1125:
        return LX_BN_ERRC_LISTEN_KEY;
    case -1013:
        return LX_BN_ERRC_REJECTED;
    default:
        break;
    }
    if (c == -2011 && strcmp(ve->msg, "Unknown order sent.") == 0) {
        return LX_BN_ERRC_NO_SUCH_ORDER;
    }
    if (c <= -1100 && c >= -1199) {
        return LX_BN_ERRC_BAD_REQUEST;
    }
    if (c <= -2000 && c >= -5999) {
        return LX_BN_ERRC_REJECTED;
    }
    return LX_BN_ERRC_OTHER;
}

int lx__bn_error_code(const struct lx_venue_error *ve)
{
    return lx__bn_error_class(ve) == LX_BN_ERRC_RATE_LIMIT ? LX_ERR_RATELIMIT
                                                           : LX_ERR_VENUE;
}

/*
 * Whether the text may hold an error envelope: a "code" key, or any
 * escape (a key spelled with escapes decodes to "code" too). Most answers
 * (orders, books) have neither and need no parse here.
 */
static bool may_have_code(const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;

    if (memchr(buf, '\\', len) != NULL) {
        return true;
    }
    while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
        if (end - p >= 6 && memcmp(p, "\"code\"", 6) == 0) {
            return true;
        }
        p++;
    }
    return false;
}

int lx__bn_check_error(const char *buf, size_t len, int http_status,
                       struct lx_venue_error *ve)
{
    cJSON *root = NULL;
    int rc;

    if (buf == NULL || !may_have_code(buf, len)) {
        return LX_OK;
    }
    if (lx__json_parse(buf, len, &root, NULL) != LX_OK) {
        return LX_OK;
    }
    rc = lx__bn_envelope(root, http_status, ve);
    cJSON_Delete(root);
    return rc;
}

int lx__bn_begin(const char *buf, size_t len, int http_status, cJSON **root,
                 struct lx_bn_err *err)
{
    int rc;

    *root = NULL;
    rc = lx__json_parse(buf, len, root, &err->json);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx__bn_envelope(*root, http_status, &err->venue);
    if (rc != LX_OK) {
        cJSON_Delete(*root);
        *root = NULL;
    }
    return rc;
}

/* ---- Enum tables ----------------------------------------------------------
 */

struct word {
    const char *w;
    int v;
};

static int lookup(const struct word *t, size_t n, const char *s, int dflt)
{
    size_t i;

    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(t[i].w, s) == 0) {
            return t[i].v;
        }
    }
    return dflt;
}

enum lx_side lx__bn_side(const char *s)
{
    static const struct word t[] = {{"BUY", LX_SIDE_BUY},
                                    {"SELL", LX_SIDE_SELL}};

    return (enum lx_side)lookup(t, LX_ARRAY_LEN(t), s, LX_SIDE_NONE);
}

enum lx_order_type lx__bn_order_type(enum lx_bn_market m, const char *s)
{
    static const struct word common[] = {
        {"MARKET", LX_ORDER_MARKET},
        {"LIMIT", LX_ORDER_LIMIT},
        {"STOP_LOSS", LX_ORDER_STOP_LOSS},
        {"STOP_LOSS_LIMIT", LX_ORDER_STOP_LOSS_LIMIT},
        {"TAKE_PROFIT_LIMIT", LX_ORDER_TAKE_PROFIT_LIMIT},
        {"LIMIT_MAKER", LX_ORDER_LIMIT_MAKER},
        {"STOP_MARKET", LX_ORDER_STOP_MARKET},
        {"TAKE_PROFIT_MARKET", LX_ORDER_TAKE_PROFIT_MARKET},
        {"TRAILING_STOP_MARKET", LX_ORDER_TRAILING_STOP},
        {"LIQUIDATION", LX_ORDER_LIQUIDATION},
        {"STOP", LX_ORDER_STOP_LOSS_LIMIT}};

    /* TAKE_PROFIT is a market order on spot and a limit order on USD-M. */
    if (s != NULL && strcmp(s, "TAKE_PROFIT") == 0) {
        return m == LX_BN_USDM ? LX_ORDER_TAKE_PROFIT_LIMIT
                               : LX_ORDER_TAKE_PROFIT;
    }
    return (enum lx_order_type)lookup(common, LX_ARRAY_LEN(common), s,
                                      LX_ORDER_NONE);
}

const char *lx__bn_order_type_word(enum lx_bn_market m, enum lx_order_type t)
{
    static const char *const spot[LX_ORDER_TYPE_COUNT] = {NULL,
                                                          "MARKET",
                                                          "LIMIT",
                                                          "STOP_LOSS",
                                                          "STOP_LOSS_LIMIT",
                                                          "TAKE_PROFIT",
                                                          "TAKE_PROFIT_LIMIT",
                                                          "LIMIT_MAKER",
                                                          NULL,
                                                          NULL,
                                                          NULL,
                                                          NULL};
    static const char *const usdm[LX_ORDER_TYPE_COUNT] = {
        NULL,
        "MARKET",
        "LIMIT",
        "STOP_MARKET",
        "STOP",
        "TAKE_PROFIT_MARKET",
        "TAKE_PROFIT",
        "LIMIT",
        "STOP_MARKET",
        "TAKE_PROFIT_MARKET",
        "TRAILING_STOP_MARKET",
        NULL};

    if ((unsigned)t >= LX_ORDER_TYPE_COUNT) {
        return NULL;
    }
    return m == LX_BN_USDM ? usdm[t] : spot[t];
}

enum lx_tif lx__bn_tif(const char *s)
{
    static const struct word t[] = {{"GTC", LX_TIF_GTC},
                                    {"IOC", LX_TIF_IOC},
                                    {"FOK", LX_TIF_FOK},
                                    {"GTX", LX_TIF_GTX},
                                    {"GTD", LX_TIF_GTD}};

    return (enum lx_tif)lookup(t, LX_ARRAY_LEN(t), s, LX_TIF_NONE);
}

enum lx_order_status lx__bn_status(const char *s)
{
    static const struct word t[] = {
        {"NEW", LX_STATUS_NEW},
        {"PARTIALLY_FILLED", LX_STATUS_PARTIALLY_FILLED},
        {"FILLED", LX_STATUS_FILLED},
        {"CANCELED", LX_STATUS_CANCELED},
        {"PENDING_CANCEL", LX_STATUS_PENDING_CANCEL},
        {"REJECTED", LX_STATUS_REJECTED},
        {"EXPIRED", LX_STATUS_EXPIRED},
        {"EXPIRED_IN_MATCH", LX_STATUS_EXPIRED_IN_MATCH},
        {"PENDING_NEW", LX_STATUS_PENDING_NEW}};

    return (enum lx_order_status)lookup(t, LX_ARRAY_LEN(t), s, LX_STATUS_OTHER);
}

enum lx_exec_type lx__bn_exec_type(const char *s)
{
    static const struct word t[] = {
        {"NEW", LX_EXEC_NEW},
        {"CANCELED", LX_EXEC_CANCELED},
        {"REPLACED", LX_EXEC_REPLACED},
        {"REJECTED", LX_EXEC_REJECTED},
        {"TRADE", LX_EXEC_TRADE},
        {"EXPIRED", LX_EXEC_EXPIRED},
        {"TRADE_PREVENTION", LX_EXEC_TRADE_PREVENTION},
        {"AMENDMENT", LX_EXEC_AMENDMENT},
        {"CALCULATED", LX_EXEC_CALCULATED}};

    return (enum lx_exec_type)lookup(t, LX_ARRAY_LEN(t), s, LX_EXEC_OTHER);
}

enum lx_position_side lx__bn_position_side(const char *s)
{
    static const struct word t[] = {
        {"BOTH", LX_POS_BOTH}, {"LONG", LX_POS_LONG}, {"SHORT", LX_POS_SHORT}};

    return (enum lx_position_side)lookup(t, LX_ARRAY_LEN(t), s, LX_POS_NONE);
}

static enum lx_working_type working_type(const char *s)
{
    static const struct word t[] = {
        {"CONTRACT_PRICE", LX_WORKING_CONTRACT_PRICE},
        {"MARK_PRICE", LX_WORKING_MARK_PRICE}};

    return (enum lx_working_type)lookup(t, LX_ARRAY_LEN(t), s, LX_WORKING_NONE);
}

static enum lx_instrument_status inst_status(const char *s)
{
    static const struct word t[] = {{"TRADING", LX_INST_TRADING},
                                    {"BREAK", LX_INST_HALTED},
                                    {"HALT", LX_INST_HALTED},
                                    {"CLOSE", LX_INST_HALTED},
                                    {"END_OF_DAY", LX_INST_HALTED},
                                    {"AUCTION_MATCH", LX_INST_HALTED},
                                    {"PRE_TRADING", LX_INST_PRE_TRADING},
                                    {"POST_TRADING", LX_INST_HALTED},
                                    {"PENDING_TRADING", LX_INST_PRE_TRADING},
                                    {"SETTLING", LX_INST_SETTLING},
                                    {"PRE_SETTLE", LX_INST_SETTLING},
                                    {"DELIVERING", LX_INST_SETTLING},
                                    {"DELIVERED", LX_INST_SETTLING},
                                    {"PRE_DELIVERING", LX_INST_SETTLING}};

    return (enum lx_instrument_status)lookup(t, LX_ARRAY_LEN(t), s,
                                             LX_INST_OTHER);
}

/* ---- Exchange info --------------------------------------------------------
 */

static int filter(enum lx_bn_market m, const cJSON *f, struct lx_instrument *in,
                  struct lx_json_err *je)
{
    const char *type = lx__bn_peek(f, "filterType");

    if (type == NULL) {
        return lx__bn_fail(je, LX_ERR_NOTFOUND, "filterType");
    }
    if (strcmp(type, "PRICE_FILTER") == 0) {
        lx__bn_dec(f, "tickSize", &in->tick_size, je);
        lx__bn_dec(f, "minPrice", &in->min_price, je);
        lx__bn_dec(f, "maxPrice", &in->max_price, je);
        in->price_scale = in->tick_size.scale;
    } else if (strcmp(type, "LOT_SIZE") == 0) {
        lx__bn_dec(f, "stepSize", &in->lot_step, je);
        lx__bn_dec(f, "minQty", &in->min_qty, je);
        lx__bn_dec(f, "maxQty", &in->max_qty, je);
        in->qty_scale = in->lot_step.scale;
    } else if (strcmp(type, "MARKET_LOT_SIZE") == 0) {
        lx__bn_dec(f, "stepSize", &in->market_lot_step, je);
        lx__bn_dec(f, "minQty", &in->market_min_qty, je);
        lx__bn_dec(f, "maxQty", &in->market_max_qty, je);
    } else if (strcmp(type, "MIN_NOTIONAL") == 0) {
        /* Spot names the field minNotional, USD-M notional. */
        lx__bn_dec(f, m == LX_BN_USDM ? "notional" : "minNotional",
                   &in->min_notional, je);
    } else if (strcmp(type, "NOTIONAL") == 0) {
        lx__bn_dec(f, "minNotional", &in->min_notional, je);
        lx__bn_dec(f, "maxNotional", &in->max_notional, je);
    }
    return je->code;
}

static int order_types(enum lx_bn_market m, const cJSON *arr,
                       struct lx_instrument *in)
{
    const cJSON *c;

    cJSON_ArrayForEach (c, arr) {
        enum lx_order_type t;

        if (!cJSON_IsString(c)) {
            continue;
        }
        t = lx__bn_order_type(m, c->valuestring);
        if (t != LX_ORDER_NONE) {
            in->order_types |= 1u << t;
        }
    }
    return LX_OK;
}

static enum lx_instrument_kind contract_kind(const char *ct)
{
    if (ct == NULL || strcmp(ct, "PERPETUAL") == 0 ||
        strcmp(ct, "TRADIFI_PERPETUAL") == 0) {
        return LX_KIND_PERP;
    }
    /* CURRENT_QUARTER, NEXT_QUARTER, and "" for a settled contract. */
    return LX_KIND_FUTURE;
}

static int symbol(struct bn_pc *pc, const cJSON *s, struct lx_instrument *in)
{
    struct lx_json_err *je = pc->je;
    const cJSON *filters = NULL, *types = NULL, *f;
    size_t i = 0;
    char seg[24];

    lx__bn_str(s, "symbol", in->symbol, sizeof(in->symbol), true, je);
    lx__bn_str(s, "status", in->status_raw, sizeof(in->status_raw), true, je);
    lx__bn_str(s, "baseAsset", in->base, sizeof(in->base), true, je);
    lx__bn_str(s, "quoteAsset", in->quote, sizeof(in->quote), true, je);
    lx__json_get_arr(s, "filters", &filters, je);
    lx__json_opt_arr(s, "orderTypes", &types, je);
    if (je->code != LX_OK) {
        return je->code;
    }
    in->status = inst_status(in->status_raw);
    if (pc->m == LX_BN_USDM) {
        lx__bn_str(s, "marginAsset", in->settle, sizeof(in->settle), false, je);
        in->kind = contract_kind(lx__bn_peek(s, "contractType"));
        lx__bn_i64(s, "onboardDate", 0, &in->onboard_ms, je);
        lx__bn_i64(s, "deliveryDate", 0, &in->delivery_ms, je);
    } else {
        in->kind = LX_KIND_SPOT;
    }
    order_types(pc->m, types, in);
    cJSON_ArrayForEach (f, filters) {
        if (filter(pc->m, f, in, je) != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "filters[%zu]", i);
            lx__json_err_prefix(je, seg);
            return je->code;
        }
        i++;
    }
    return je->code;
}

int lx__bn_parse_exchange_info(enum lx_bn_market m, const char *buf, size_t len,
                               struct lx_arena *arena,
                               struct lx_instrument **out, size_t *n,
                               struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;
    cJSON *root = NULL;
    const cJSON *syms = NULL, *s;
    size_t i = 0;
    char seg[24];
    int rc;

    err = err != NULL ? err : &local;
    memset(err, 0, sizeof(*err));
    *out = NULL;
    *n = 0;
    pc.m = m;
    pc.arena = arena;
    pc.je = &err->json;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx__json_get_arr(root, "symbols", &syms, pc.je);
    if (rc != LX_OK) {
        goto out;
    }
    *out = lx__bn_alloc(&pc, arr_len(syms), sizeof(**out));
    if (*out == NULL && syms->child != NULL) {
        rc = pc.je->code;
        goto out;
    }
    cJSON_ArrayForEach (s, syms) {
        rc = symbol(&pc, s, &(*out)[i]);
        if (rc != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "symbols[%zu]", i);
            lx__json_err_prefix(pc.je, seg);
            goto out;
        }
        i++;
    }
    *n = i;
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- Depth, klines, trades ---------------------------------------------- */

int lx__bn_snapshot_obj(struct bn_pc *pc, const cJSON *o, struct lx_depth *d)
{
    struct lx_json_err *je = pc->je;
    const cJSON *bids = NULL, *asks = NULL;

    memset(d, 0, sizeof(*d));
    d->is_snapshot = true;
    d->prev_final_id = -1;
    lx__json_get_i64(o, "lastUpdateId", &d->last_update_id, je);
    lx__bn_i64(o, "E", 0, &d->event_ms, je);
    lx__bn_i64(o, "T", 0, &d->tx_ms, je);
    lx__json_get_arr(o, "bids", &bids, je);
    lx__json_get_arr(o, "asks", &asks, je);
    if (je->code != LX_OK) {
        return je->code;
    }
    d->first_id = d->final_id = d->last_update_id;
    if (lx__bn_levels(pc, bids, &d->bids, &d->nbids) != LX_OK) {
        lx__json_err_prefix(je, "bids");
        return je->code;
    }
    if (lx__bn_levels(pc, asks, &d->asks, &d->nasks) != LX_OK) {
        lx__json_err_prefix(je, "asks");
    }
    return je->code;
}

int lx__bn_parse_depth(const char *buf, size_t len, struct lx_arena *arena,
                       struct lx_depth *out, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc = {LX_BN_SPOT, arena, NULL};
    cJSON *root = NULL;
    int rc;

    err = err != NULL ? err : &local;
    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out));
    pc.je = &err->json;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc == LX_OK) {
        rc = lx__bn_snapshot_obj(&pc, root, out);
    }
    cJSON_Delete(root);
    return rc;
}

/* One REST kline: [openTime, o, h, l, c, v, closeTime, qv, n, tbv, tbqv, _]. */
static int kline_row(const cJSON *row, struct lx_kline *k,
                     struct lx_json_err *je)
{
    struct lx_decimal *dec[] = {&k->open, &k->high, &k->low, &k->close,
                                &k->volume};
    size_t i;

    k->first_trade_id = k->last_trade_id = -1;
    k->closed = true;
    lx__json_at_i64(row, 0, &k->open_ms, je);
    for (i = 0; i < LX_ARRAY_LEN(dec); i++) {
        lx__json_at_decimal(row, i + 1, dec[i], je);
    }
    lx__json_at_i64(row, 6, &k->close_ms, je);
    lx__json_at_decimal(row, 7, &k->quote_volume, je);
    lx__json_at_i64(row, 8, &k->trades, je);
    lx__json_at_decimal(row, 9, &k->taker_buy_volume, je);
    lx__json_at_decimal(row, 10, &k->taker_buy_quote_volume, je);
    return je->code;
}

typedef int (*row_fn)(struct bn_pc *pc, const cJSON *row, void *out);

static int parse_one_or_rows(struct bn_pc *pc, const char *buf, size_t len,
                             struct lx_bn_err *err, size_t sz, row_fn fn,
                             void **out, size_t *n);

/* Parses a top-level array, one row at a time, into an arena array. */
static int parse_rows(struct bn_pc *pc, const char *buf, size_t len,
                      struct lx_bn_err *err, size_t sz, row_fn fn, void **out,
                      size_t *n)
{
    cJSON *root = NULL;
    const cJSON *row;
    size_t i = 0;
    char seg[24];
    int rc;

    *out = NULL;
    *n = 0;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!cJSON_IsArray(root)) {
        rc = lx__bn_fail(pc->je, LX_ERR_TYPE, "");
        goto out;
    }
    *out = lx__bn_alloc(pc, arr_len(root), sz);
    if (*out == NULL && root->child != NULL) {
        rc = pc->je->code;
        goto out;
    }
    cJSON_ArrayForEach (row, root) {
        rc = fn(pc, row, (char *)*out + i * sz);
        if (rc != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "[%zu]", i);
            lx__json_err_prefix(pc->je, seg);
            goto out;
        }
        i++;
    }
    *n = i;
out:
    cJSON_Delete(root);
    return rc;
}

static int kline_fn(struct bn_pc *pc, const cJSON *row, void *out)
{
    return kline_row(row, out, pc->je);
}

static void init_err(struct lx_bn_err **err, struct lx_bn_err *local,
                     struct bn_pc *pc, enum lx_bn_market m,
                     struct lx_arena *arena)
{
    *err = *err != NULL ? *err : local;
    memset(*err, 0, sizeof(**err));
    pc->m = m;
    pc->arena = arena;
    pc->je = &(*err)->json;
}

int lx__bn_parse_klines(const char *buf, size_t len, struct lx_arena *arena,
                        struct lx_kline **out, size_t *n, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_SPOT, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), kline_fn, (void **)out,
                      n);
}

/* Trades and aggTrades of the REST API. */
static int trade_fn(struct bn_pc *pc, const cJSON *row, void *out)
{
    struct lx_json_err *je = pc->je;
    struct lx_trade *t = out;

    if (cJSON_GetObjectItemCaseSensitive(row, "a") != NULL) {
        t->is_aggregate = true;
        lx__json_get_i64(row, "a", &t->trade_id, je);
        lx__json_get_decimal(row, "p", &t->price, je);
        lx__json_get_decimal(row, "q", &t->qty, je);
        lx__bn_i64(row, "f", -1, &t->first_trade_id, je);
        lx__bn_i64(row, "l", -1, &t->last_trade_id, je);
        lx__json_get_i64(row, "T", &t->trade_ms, je);
        lx__json_get_bool(row, "m", &t->buyer_is_maker, je);
    } else {
        t->first_trade_id = t->last_trade_id = -1;
        lx__json_get_i64(row, "id", &t->trade_id, je);
        lx__json_get_decimal(row, "price", &t->price, je);
        lx__json_get_decimal(row, "qty", &t->qty, je);
        lx__json_get_i64(row, "time", &t->trade_ms, je);
        lx__json_get_bool(row, "isBuyerMaker", &t->buyer_is_maker, je);
    }
    t->taker_side = t->buyer_is_maker ? LX_SIDE_SELL : LX_SIDE_BUY;
    return je->code;
}

int lx__bn_parse_trades(const char *buf, size_t len, struct lx_arena *arena,
                        struct lx_trade **out, size_t *n, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_SPOT, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), trade_fn, (void **)out,
                      n);
}

/* ---- Orders ---------------------------------------------------------------
 */

static int fill_obj(const cJSON *f, const struct lx_order *o,
                    struct lx_fill *out, struct lx_json_err *je)
{
    memcpy(out->symbol, o->symbol, sizeof(out->symbol));
    memcpy(out->order_id, o->order_id, sizeof(out->order_id));
    memcpy(out->client_id, o->client_id, sizeof(out->client_id));
    out->side = o->side;
    lx__json_get_decimal(f, "price", &out->price, je);
    lx__json_get_decimal(f, "qty", &out->qty, je);
    lx__bn_dec(f, "commission", &out->commission, je);
    lx__bn_str(f, "commissionAsset", out->commission_asset,
               sizeof(out->commission_asset), false, je);
    lx__bn_i64(f, "tradeId", -1, &out->trade_id, je);
    out->trade_ms = o->update_ms;
    return je->code;
}

static int fills(struct bn_pc *pc, const cJSON *arr, struct lx_order *o)
{
    const cJSON *f;
    size_t i = 0;
    char seg[24];

    o->fills = lx__bn_alloc(pc, arr_len(arr), sizeof(*o->fills));
    if (o->fills == NULL && arr->child != NULL) {
        return pc->je->code;
    }
    cJSON_ArrayForEach (f, arr) {
        if (fill_obj(f, o, &o->fills[i], pc->je) != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "fills[%zu]", i);
            lx__json_err_prefix(pc->je, seg);
            return pc->je->code;
        }
        i++;
    }
    o->nfills = i;
    return LX_OK;
}

/* Fields only USD-M order objects carry. */
static void order_usdm(const cJSON *o, struct lx_order *out,
                       struct lx_json_err *je)
{
    out->orig_type = lx__bn_order_type(LX_BN_USDM, lx__bn_peek(o, "origType"));
    out->position_side = lx__bn_position_side(lx__bn_peek(o, "positionSide"));
    out->working_type = working_type(lx__bn_peek(o, "workingType"));
    lx__bn_dec(o, "cumQuote", &out->cum_quote, je);
    lx__bn_dec(o, "avgPrice", &out->avg_price, je);
    lx__bn_dec(o, "activatePrice", &out->activation_price, je);
    lx__bn_dec(o, "priceRate", &out->callback_rate, je);
    lx__bn_bool(o, "reduceOnly", &out->reduce_only, je);
    lx__bn_bool(o, "closePosition", &out->close_position, je);
}

int lx__bn_order_obj(struct bn_pc *pc, const cJSON *o, struct lx_order *out)
{
    struct lx_json_err *je = pc->je;
    const cJSON *fl = NULL;

    memset(out, 0, sizeof(*out));
    lx__bn_str(o, "symbol", out->symbol, sizeof(out->symbol), true, je);
    lx__bn_id(o, "orderId", out->order_id, sizeof(out->order_id), true, je);
    lx__bn_str(o, "clientOrderId", out->client_id, sizeof(out->client_id),
               false, je);
    lx__bn_str(o, "origClientOrderId", out->orig_client_id,
               sizeof(out->orig_client_id), false, je);
    lx__bn_str(o, "status", out->status_raw, sizeof(out->status_raw), false,
               je);
    out->status = lx__bn_status(out->status_raw);
    out->has_details = out->status_raw[0] != '\0';
    out->side = lx__bn_side(lx__bn_peek(o, "side"));
    out->type = lx__bn_order_type(pc->m, lx__bn_peek(o, "type"));
    out->orig_type = out->type;
    out->tif = lx__bn_tif(lx__bn_peek(o, "timeInForce"));
    lx__bn_dec(o, "price", &out->price, je);
    lx__bn_dec(o, "origQty", &out->qty, je);
    lx__bn_dec(o, "origQuoteOrderQty", &out->quote_qty, je);
    lx__bn_dec(o, "executedQty", &out->filled_qty, je);
    lx__bn_dec(o, "cummulativeQuoteQty", &out->cum_quote, je);
    lx__bn_dec(o, "stopPrice", &out->stop_price, je);
    lx__bn_dec(o, "icebergQty", &out->iceberg_qty, je);
    lx__bn_i64(o, "orderListId", -1, &out->list_id, je);
    lx__bn_i64(o, "time", 0, &out->create_ms, je);
    lx__bn_i64(o, "updateTime", 0, &out->update_ms, je);
    lx__bn_bool(o, "isWorking", &out->is_working, je);
    if (out->update_ms == 0) {
        lx__bn_i64(o, "transactTime", 0, &out->update_ms, je);
    }
    if (pc->m == LX_BN_USDM) {
        order_usdm(o, out, je);
    }
    lx__json_opt_arr(o, "fills", &fl, je);
    if (je->code == LX_OK && fl != NULL) {
        fills(pc, fl, out);
    }
    return je->code;
}

int lx__bn_parse_order(enum lx_bn_market m, const char *buf, size_t len,
                       struct lx_arena *arena, struct lx_order *out,
                       struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;
    cJSON *root = NULL;
    int rc;

    init_err(&err, &local, &pc, m, arena);
    memset(out, 0, sizeof(*out));
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!cJSON_IsObject(root)) {
        rc = lx__bn_fail(pc.je, LX_ERR_TYPE, "");
    } else {
        rc = lx__bn_order_obj(&pc, root, out);
    }
    cJSON_Delete(root);
    return rc;
}

/* Counts orders, an order list counting as its orderReports. */
static size_t count_orders(const cJSON *arr)
{
    const cJSON *c, *reports;
    size_t n = 0;

    cJSON_ArrayForEach (c, arr) {
        reports = cJSON_GetObjectItemCaseSensitive(c, "orderReports");
        n += cJSON_IsArray(reports) ? arr_len(reports) : 1;
    }
    return n;
}

static int orders_into(struct bn_pc *pc, const cJSON *arr, struct lx_order *out,
                       size_t *n)
{
    const cJSON *c, *r, *reports;
    char seg[40];
    size_t i = 0, k = 0;

    cJSON_ArrayForEach (c, arr) {
        reports = cJSON_GetObjectItemCaseSensitive(c, "orderReports");
        if (cJSON_IsArray(reports)) {
            cJSON_ArrayForEach (r, reports) {
                if (lx__bn_order_obj(pc, r, &out[k]) != LX_OK) {
                    (void)lx__snprintf(seg, sizeof(seg), "[%zu].orderReports",
                                       i);
                    lx__json_err_prefix(pc->je, seg);
                    return pc->je->code;
                }
                k++;
            }
        } else if (lx__bn_order_obj(pc, c, &out[k++]) != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "[%zu]", i);
            lx__json_err_prefix(pc->je, seg);
            return pc->je->code;
        }
        i++;
    }
    *n = k;
    return LX_OK;
}

int lx__bn_parse_orders(enum lx_bn_market m, const char *buf, size_t len,
                        struct lx_arena *arena, struct lx_order **out,
                        size_t *n, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;
    cJSON *root = NULL;
    size_t cnt;
    int rc;

    init_err(&err, &local, &pc, m, arena);
    *out = NULL;
    *n = 0;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!cJSON_IsArray(root)) {
        rc = lx__bn_fail(pc.je, LX_ERR_TYPE, "");
        goto out;
    }
    cnt = count_orders(root);
    *out = lx__bn_alloc(&pc, cnt, sizeof(**out));
    if (*out == NULL && cnt > 0) {
        rc = pc.je->code;
        goto out;
    }
    rc = orders_into(&pc, root, *out, n);
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- Account, balances, positions ---------------------------------------- */

static int spot_balance(struct bn_pc *pc, const cJSON *b, void *out)
{
    struct lx_balance *bal = out;
    struct lx_json_err *je = pc->je;

    lx__bn_str(b, "asset", bal->asset, sizeof(bal->asset), true, je);
    lx__json_get_decimal(b, "free", &bal->free, je);
    lx__json_get_decimal(b, "locked", &bal->locked, je);
    return je->code;
}

/*
 * A USD-M asset, from /account ("walletBalance") or /balance ("balance"):
 * free is what is available, wallet the wallet balance.
 */
static int usdm_balance(struct bn_pc *pc, const cJSON *b, void *out)
{
    struct lx_balance *bal = out;
    struct lx_json_err *je = pc->je;

    lx__bn_str(b, "asset", bal->asset, sizeof(bal->asset), true, je);
    if (cJSON_GetObjectItemCaseSensitive(b, "walletBalance") != NULL) {
        lx__json_get_decimal(b, "walletBalance", &bal->wallet, je);
        lx__bn_dec(b, "unrealizedProfit", &bal->unrealized_pnl, je);
    } else {
        lx__json_get_decimal(b, "balance", &bal->wallet, je);
        lx__bn_dec(b, "crossUnPnl", &bal->unrealized_pnl, je);
    }
    lx__bn_dec(b, "availableBalance", &bal->free, je);
    lx__bn_dec(b, "crossWalletBalance", &bal->cross_wallet, je);
    lx__bn_i64(b, "updateTime", 0, &bal->update_ms, je);
    return je->code;
}

int lx__bn_position_obj(const cJSON *o, struct lx_position *p,
                        struct lx_json_err *je)
{
    const char *mt;

    lx__bn_str(o, "symbol", p->symbol, sizeof(p->symbol), true, je);
    lx__json_get_decimal(o, "positionAmt", &p->amount, je);
    p->side = lx__bn_position_side(lx__bn_peek(o, "positionSide"));
    lx__bn_dec(o, "entryPrice", &p->entry_price, je);
    lx__bn_dec(o, "breakEvenPrice", &p->break_even_price, je);
    lx__bn_dec(o, "markPrice", &p->mark_price, je);
    lx__bn_dec(o, "liquidationPrice", &p->liquidation_price, je);
    lx__bn_dec(o, "notional", &p->notional, je);
    lx__bn_dec(o, "isolatedWallet", &p->isolated_wallet, je);
    lx__bn_dec(o, "initialMargin", &p->initial_margin, je);
    lx__bn_dec(o, "maintMargin", &p->maint_margin, je);
    lx__bn_i64(o, "leverage", 0, &p->leverage, je);
    lx__bn_i64(o, "updateTime", 0, &p->update_ms, je);
    /* positionRisk says unRealizedProfit, account unrealizedProfit. */
    if (cJSON_GetObjectItemCaseSensitive(o, "unRealizedProfit") != NULL) {
        lx__bn_dec(o, "unRealizedProfit", &p->unrealized_pnl, je);
    } else {
        lx__bn_dec(o, "unrealizedProfit", &p->unrealized_pnl, je);
    }
    mt = lx__bn_peek(o, "marginType");
    if (mt != NULL) {
        p->margin_type =
            strcmp(mt, "isolated") == 0 ? LX_MARGIN_ISOLATED : LX_MARGIN_CROSS;
    }
    return je->code;
}

static int position_fn(struct bn_pc *pc, const cJSON *row, void *out)
{
    return lx__bn_position_obj(row, out, pc->je);
}

/* Maps the array obj[key] with fn into an arena array. */
static int map_array(struct bn_pc *pc, const cJSON *obj, const char *key,
                     size_t sz, row_fn fn, void **out, size_t *n)
{
    const cJSON *arr = NULL, *c;
    size_t i = 0;
    char seg[48];

    *out = NULL;
    *n = 0;
    if (lx__json_get_arr(obj, key, &arr, pc->je) != LX_OK) {
        return pc->je->code;
    }
    *out = lx__bn_alloc(pc, arr_len(arr), sz);
    if (*out == NULL && arr->child != NULL) {
        return pc->je->code;
    }
    cJSON_ArrayForEach (c, arr) {
        if (fn(pc, c, (char *)*out + i * sz) != LX_OK) {
            (void)lx__snprintf(seg, sizeof(seg), "%s[%zu]", key, i);
            lx__json_err_prefix(pc->je, seg);
            return pc->je->code;
        }
        i++;
    }
    *n = i;
    return LX_OK;
}

int lx__bn_parse_account(enum lx_bn_market m, const char *buf, size_t len,
                         struct lx_arena *arena, struct lx_balance **bal,
                         size_t *nbal, struct lx_position **pos, size_t *npos,
                         struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;
    cJSON *root = NULL;
    int rc;

    init_err(&err, &local, &pc, m, arena);
    *bal = NULL;
    *nbal = 0;
    if (pos != NULL) {
        *pos = NULL;
        *npos = 0;
    }
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (m == LX_BN_SPOT) {
        rc = map_array(&pc, root, "balances", sizeof(**bal), spot_balance,
                       (void **)bal, nbal);
    } else {
        rc = map_array(&pc, root, "assets", sizeof(**bal), usdm_balance,
                       (void **)bal, nbal);
        if (rc == LX_OK && pos != NULL) {
            rc = map_array(&pc, root, "positions", sizeof(**pos), position_fn,
                           (void **)pos, npos);
        }
    }
    cJSON_Delete(root);
    return rc;
}

int lx__bn_parse_balances(const char *buf, size_t len, struct lx_arena *arena,
                          struct lx_balance **out, size_t *n,
                          struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_USDM, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), usdm_balance,
                      (void **)out, n);
}

int lx__bn_parse_position_risk(const char *buf, size_t len,
                               struct lx_arena *arena, struct lx_position **out,
                               size_t *n, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_USDM, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), position_fn,
                      (void **)out, n);
}

/* ---- Premium index, listen key, time ------------------------------------ */

static int premium_fn(struct bn_pc *pc, const cJSON *o, void *out)
{
    struct lx_mark_price *mp = out;
    struct lx_json_err *je = pc->je;

    lx__bn_str(o, "symbol", mp->symbol, sizeof(mp->symbol), true, je);
    lx__json_get_decimal(o, "markPrice", &mp->mark, je);
    lx__bn_dec(o, "indexPrice", &mp->index, je);
    lx__bn_dec(o, "estimatedSettlePrice", &mp->est_settle, je);
    lx__bn_dec(o, "lastFundingRate", &mp->funding_rate, je);
    lx__bn_dec(o, "interestRate", &mp->interest_rate, je);
    lx__bn_i64(o, "nextFundingTime", 0, &mp->next_funding_ms, je);
    lx__bn_i64(o, "time", 0, &mp->event_ms, je);
    return je->code;
}

int lx__bn_parse_premium_index(const char *buf, size_t len,
                               struct lx_arena *arena,
                               struct lx_mark_price **out, size_t *n,
                               struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_USDM, arena);
    return parse_one_or_rows(&pc, buf, len, err, sizeof(**out), premium_fn,
                             (void **)out, n);
}

int lx__bn_parse_listen_key(const char *buf, size_t len, char *out, size_t cap,
                            struct lx_bn_err *err)
{
    struct lx_bn_err local;
    cJSON *root = NULL;
    int rc;

    err = err != NULL ? err : &local;
    memset(err, 0, sizeof(*err));
    if (out == NULL || cap == 0) {
        return LX_ERR_INVAL;
    }
    out[0] = '\0';
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc == LX_OK) {
        rc = lx__bn_str(root, "listenKey", out, cap, true, &err->json);
    }
    cJSON_Delete(root);
    return rc;
}

int lx__bn_parse_server_time(const char *buf, size_t len, int64_t *ms,
                             struct lx_bn_err *err)
{
    struct lx_bn_err local;
    cJSON *root = NULL;
    int rc;

    err = err != NULL ? err : &local;
    memset(err, 0, sizeof(*err));
    *ms = 0;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc == LX_OK) {
        rc = lx__json_get_i64(root, "serverTime", ms, &err->json);
    }
    cJSON_Delete(root);
    return rc;
}

/* ---- Algo orders, own trades, tickers, funding, leverage ----------------- */

enum lx_order_status lx__bn_algo_status(const char *s)
{
    /* NEW, CANCELED, REJECTED, EXPIRED are order words; the rest are not. */
    enum lx_order_status st = lx__bn_status(s);

    return st == LX_STATUS_PARTIALLY_FILLED || st == LX_STATUS_FILLED
               ? LX_STATUS_OTHER
               : st;
}

static int algo_fn(struct bn_pc *pc, const cJSON *o, void *out)
{
    struct lx_json_err *je = pc->je;
    struct lx_order *a = out;

    memset(a, 0, sizeof(*a));
    a->is_algo = true;
    a->list_id = -1;
    lx__bn_id(o, "algoId", a->order_id, sizeof(a->order_id), true, je);
    lx__bn_str(o, "clientAlgoId", a->client_id, sizeof(a->client_id), false,
               je);
    lx__bn_str(o, "symbol", a->symbol, sizeof(a->symbol), true, je);
    lx__bn_str(o, "algoStatus", a->status_raw, sizeof(a->status_raw), false,
               je);
    a->status = lx__bn_algo_status(a->status_raw);
    a->has_details = a->status_raw[0] != '\0';
    a->type = lx__bn_order_type(LX_BN_USDM, lx__bn_peek(o, "orderType"));
    a->orig_type = a->type;
    a->side = lx__bn_side(lx__bn_peek(o, "side"));
    a->position_side = lx__bn_position_side(lx__bn_peek(o, "positionSide"));
    a->tif = lx__bn_tif(lx__bn_peek(o, "timeInForce"));
    a->working_type = working_type(lx__bn_peek(o, "workingType"));
    lx__bn_dec(o, "quantity", &a->qty, je);
    lx__bn_dec(o, "price", &a->price, je);
    lx__bn_dec(o, "triggerPrice", &a->stop_price, je);
    lx__bn_dec(o, "activatePrice", &a->activation_price, je);
    lx__bn_dec(o, "callbackRate", &a->callback_rate, je);
    lx__bn_dec(o, "executedQty", &a->filled_qty, je);
    lx__bn_dec(o, "avgPrice", &a->avg_price, je);
    lx__bn_bool(o, "reduceOnly", &a->reduce_only, je);
    lx__bn_bool(o, "closePosition", &a->close_position, je);
    lx__bn_id(o, "actualOrderId", a->actual_order_id,
              sizeof(a->actual_order_id), false, je);
    lx__bn_i64(o, "createTime", 0, &a->create_ms, je);
    lx__bn_i64(o, "updateTime", 0, &a->update_ms, je);
    return je->code;
}

int lx__bn_parse_algo_order(const char *buf, size_t len, struct lx_arena *arena,
                            struct lx_order *out, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;
    cJSON *root = NULL;
    int rc;

    init_err(&err, &local, &pc, LX_BN_USDM, arena);
    memset(out, 0, sizeof(*out));
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = cJSON_IsObject(root) ? algo_fn(&pc, root, out)
                              : lx__bn_fail(pc.je, LX_ERR_TYPE, "");
    cJSON_Delete(root);
    return rc;
}

int lx__bn_parse_algo_orders(const char *buf, size_t len,
                             struct lx_arena *arena, struct lx_order **out,
                             size_t *n, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_USDM, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), algo_fn, (void **)out,
                      n);
}

/* Spot myTrades rows say isBuyer/isMaker; USD-M userTrades buyer/maker. */
static int my_trade_fn(struct bn_pc *pc, const cJSON *o, void *out)
{
    struct lx_json_err *je = pc->je;
    struct lx_fill *f = out;
    bool buyer = false;

    lx__bn_str(o, "symbol", f->symbol, sizeof(f->symbol), true, je);
    lx__json_get_i64(o, "id", &f->trade_id, je);
    lx__bn_id(o, "orderId", f->order_id, sizeof(f->order_id), true, je);
    lx__json_get_decimal(o, "price", &f->price, je);
    lx__json_get_decimal(o, "qty", &f->qty, je);
    lx__bn_dec(o, "quoteQty", &f->quote_qty, je);
    lx__bn_dec(o, "commission", &f->commission, je);
    lx__bn_str(o, "commissionAsset", f->commission_asset,
               sizeof(f->commission_asset), false, je);
    lx__json_get_i64(o, "time", &f->trade_ms, je);
    if (pc->m == LX_BN_USDM) {
        lx__bn_bool(o, "buyer", &buyer, je);
        lx__bn_bool(o, "maker", &f->maker, je);
        lx__bn_dec(o, "realizedPnl", &f->realized_pnl, je);
        f->position_side = lx__bn_position_side(lx__bn_peek(o, "positionSide"));
    } else {
        lx__bn_bool(o, "isBuyer", &buyer, je);
        lx__bn_bool(o, "isMaker", &f->maker, je);
    }
    f->side = buyer ? LX_SIDE_BUY : LX_SIDE_SELL;
    return je->code;
}

int lx__bn_parse_my_trades(enum lx_bn_market m, const char *buf, size_t len,
                           struct lx_arena *arena, struct lx_fill **out,
                           size_t *n, struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, m, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), my_trade_fn,
                      (void **)out, n);
}

static int ticker_fn(struct bn_pc *pc, const cJSON *o, void *out)
{
    struct lx_json_err *je = pc->je;
    struct lx_ticker *t = out;

    lx__bn_str(o, "symbol", t->symbol, sizeof(t->symbol), true, je);
    lx__json_get_decimal(o, "lastPrice", &t->last, je);
    lx__bn_dec(o, "openPrice", &t->open, je);
    lx__bn_dec(o, "highPrice", &t->high, je);
    lx__bn_dec(o, "lowPrice", &t->low, je);
    lx__bn_dec(o, "priceChange", &t->change, je);
    lx__bn_dec(o, "priceChangePercent", &t->change_pct, je);
    lx__bn_dec(o, "volume", &t->volume, je);
    lx__bn_dec(o, "quoteVolume", &t->quote_volume, je);
    lx__bn_dec(o, "bidPrice", &t->bid, je);
    lx__bn_dec(o, "bidQty", &t->bid_qty, je);
    lx__bn_dec(o, "askPrice", &t->ask, je);
    lx__bn_dec(o, "askQty", &t->ask_qty, je);
    lx__bn_i64(o, "openTime", 0, &t->open_ms, je);
    lx__bn_i64(o, "closeTime", 0, &t->close_ms, je);
    lx__bn_i64(o, "count", 0, &t->trades, je);
    return je->code;
}

/* One object or an array of them, through fn. */
static int parse_one_or_rows(struct bn_pc *pc, const char *buf, size_t len,
                             struct lx_bn_err *err, size_t sz, row_fn fn,
                             void **out, size_t *n)
{
    cJSON *root = NULL;
    int rc;

    *out = NULL;
    *n = 0;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return rc != LX_OK ? rc : parse_rows(pc, buf, len, err, sz, fn, out, n);
    }
    *out = lx__bn_alloc(pc, 1, sz);
    rc = *out == NULL ? pc->je->code : fn(pc, root, *out);
    *n = rc == LX_OK ? 1 : 0;
    cJSON_Delete(root);
    return rc;
}

int lx__bn_parse_ticker_24h(const char *buf, size_t len, struct lx_arena *arena,
                            struct lx_ticker **out, size_t *n,
                            struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_SPOT, arena);
    return parse_one_or_rows(&pc, buf, len, err, sizeof(**out), ticker_fn,
                             (void **)out, n);
}

static int funding_fn(struct bn_pc *pc, const cJSON *o, void *out)
{
    struct lx_json_err *je = pc->je;
    struct lx_funding_rate *f = out;

    lx__bn_str(o, "symbol", f->symbol, sizeof(f->symbol), true, je);
    lx__json_get_decimal(o, "fundingRate", &f->rate, je);
    lx__json_get_i64(o, "fundingTime", &f->funding_ms, je);
    lx__bn_dec(o, "markPrice", &f->mark, je);
    return je->code;
}

int lx__bn_parse_funding_rates(const char *buf, size_t len,
                               struct lx_arena *arena,
                               struct lx_funding_rate **out, size_t *n,
                               struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;

    init_err(&err, &local, &pc, LX_BN_USDM, arena);
    return parse_rows(&pc, buf, len, err, sizeof(**out), funding_fn,
                      (void **)out, n);
}

int lx__bn_parse_leverage(const char *buf, size_t len, int64_t *leverage,
                          struct lx_bn_err *err)
{
    struct lx_bn_err local;
    cJSON *root = NULL;
    int rc;

    err = err != NULL ? err : &local;
    memset(err, 0, sizeof(*err));
    *leverage = 0;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc == LX_OK) {
        rc = lx__json_get_i64(root, "leverage", leverage, &err->json);
    }
    cJSON_Delete(root);
    return rc;
}
