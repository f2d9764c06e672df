/*
 * spot_routes.c - the /api/v3 REST routes of the Binance spot mock:
 * connectivity, exchangeInfo, depth, trades, bookTicker, price, and the
 * signed order and account routes, with the venue's weights, parameter
 * checks, error codes and response shapes.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "lotusx/lx_http.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/render.h"
#include "mock/venues/binance/spot_int.h"
#include "mock/venues/binance/streams.h"

/* ---- helpers ----------------------------------------------------------------
 */

static void fail(struct lx_mock_call *c, int status, int code, const char *msg)
{
    struct lx_mock_bn_err err;

    lx_mock_bn_err_set(&err, status, code, "%s", msg);
    lx_mock_bn_respond_err(c, &err);
}

static void failf(struct lx_mock_call *c, int status, int code, const char *fmt,
                  ...) LX_PRINTF(4, 5);

static void failf(struct lx_mock_call *c, int status, int code, const char *fmt,
                  ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    lx__vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fail(c, status, code, msg);
}

static void mandatory(struct lx_mock_call *c, const char *name)
{
    failf(c, 400, -1102,
          "Mandatory parameter '%s' was not sent, was empty/null, or "
          "malformed.",
          name);
}

/* A required parameter, or NULL after answering -1102. */
static const char *need(struct lx_mock_call *c, const char *name)
{
    size_t len = 0;
    const char *v = lx_mock_call_param(c, name, &len);

    if (v == NULL || len == 0) {
        mandatory(c, name);
        return NULL;
    }
    return v;
}

static struct bn_symbol *need_symbol(struct lx_mock_call *c,
                                     struct lx_mock_bn_spot *v)
{
    const char *name = need(c, "symbol");
    struct bn_symbol *s;

    if (name == NULL) {
        return NULL;
    }
    s = lx__mbn_sym(v, name);
    if (s == NULL) {
        fail(c, 400, -1121, "Invalid symbol.");
    }
    return s;
}

/* An optional decimal parameter; 1 present, 0 absent, -1 answered -1100. */
static int opt_dec(struct lx_mock_call *c, const char *name,
                   struct lx_decimal *out)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, name, &len);

    *out = lx_decimal_from_i64(0, 0);
    if (s == NULL || len == 0) {
        return 0;
    }
    if (lx_decimal_parse(s, len, out) != LX_OK || out->m < 0) {
        failf(c, 400, -1100,
              "Illegal characters found in parameter '%s'; legal range is "
              "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
              name);
        return -1;
    }
    return 1;
}

/* An optional integer parameter in [lo, hi]; def when absent; -1 answered. */
static int opt_int(struct lx_mock_call *c, const char *name, int64_t def,
                   int64_t lo, int64_t hi, int64_t *out)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, name, &len);

    *out = def;
    if (s == NULL || len == 0) {
        return 0;
    }
    if (lx__parse_i64(s, len, out) != LX_OK || *out < lo || *out > hi) {
        failf(c, 400, -1100,
              "Illegal characters found in parameter '%s'; legal range is "
              "'^[0-9]{1,20}$'.",
              name);
        return -1;
    }
    return 1;
}

static const struct lx_mock_bn_key *auth(struct lx_mock_call *c,
                                         struct lx_mock_bn_spot *v,
                                         enum lx_mock_bn_security sec)
{
    const struct lx_mock_bn_key *key = NULL;
    struct lx_mock_bn_err err;
    int rc = lx_mock_bn_authenticate(c, sec, v->keys, v->naccounts, &key, &err);

    if (rc == LX_ERR_VENUE) {
        lx_mock_bn_respond_err(c, &err);
        return NULL;
    }
    if (rc != LX_OK) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        return NULL;
    }
    return key;
}

static void send_sb(struct lx_mock_call *c, struct lx_mock_sb *sb)
{
    if (sb->err != LX_OK) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
    } else {
        lx_mock_respond_json(c, 200, sb->buf, sb->len);
    }
}

/* ---- public routes ----------------------------------------------------------
 */

static void r_ping(struct lx_mock_call *c, void *ud)
{
    LX_UNUSED(ud);
    lx_mock_respond_json(c, 200, "{}", 2);
}

static void r_time(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_sb *sb = &((struct lx_mock_bn_spot *)ud)->sb;

    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"serverTime\":", lx_mock_call_now_ms(c));
    lx_mock_sb_str(sb, "}");
    send_sb(c, sb);
}

static void symbol_info(struct lx_mock_sb *sb, const struct bn_symbol *s)
{
    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"status\":\"TRADING\",\"baseAsset\":", s->base);
    lx_mock_sb_kv_i64(sb, ",\"baseAssetPrecision\":", BN_SCALE);
    lx_mock_sb_kv_str(sb, ",\"quoteAsset\":", s->quote);
    lx_mock_sb_kv_i64(sb, ",\"quotePrecision\":", BN_SCALE);
    lx_mock_sb_kv_i64(sb, ",\"quoteAssetPrecision\":", BN_SCALE);
    lx_mock_sb_kv_i64(sb, ",\"baseCommissionPrecision\":", BN_SCALE);
    lx_mock_sb_kv_i64(sb, ",\"quoteCommissionPrecision\":", BN_SCALE);
    lx_mock_sb_str(
        sb, ",\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\","
            "\"STOP_LOSS\",\"STOP_LOSS_LIMIT\",\"TAKE_PROFIT\","
            "\"TAKE_PROFIT_LIMIT\"],\"icebergAllowed\":false,"
            "\"ocoAllowed\":true,\"otoAllowed\":false,"
            "\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":false,"
            "\"cancelReplaceAllowed\":true,\"amendAllowed\":true,"
            "\"isSpotTradingAllowed\":true,"
            "\"isMarginTradingAllowed\":false,\"filters\":[");
    lx_mock_sb_kv_dec(
        sb, "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":", s->min_price);
    lx_mock_sb_kv_dec(sb, ",\"maxPrice\":", s->max_price);
    lx_mock_sb_kv_dec(sb, ",\"tickSize\":", s->tick);
    lx_mock_sb_kv_dec(sb,
                      "},{\"filterType\":\"LOT_SIZE\",\"minQty\":", s->min_qty);
    lx_mock_sb_kv_dec(sb, ",\"maxQty\":", s->max_qty);
    lx_mock_sb_kv_dec(sb, ",\"stepSize\":", s->lot);
    lx_mock_sb_kv_dec(
        sb, "},{\"filterType\":\"NOTIONAL\",\"minNotional\":", s->min_notional);
    lx_mock_sb_str(sb, ",\"applyMinToMarket\":true,\"maxNotional\":"
                       "\"9000000.00000000\",\"applyMaxToMarket\":false,"
                       "\"avgPriceMins\":5},"
                       "{\"filterType\":\"MAX_NUM_ORDERS\","
                       "\"maxNumOrders\":200},"
                       "{\"filterType\":\"MAX_NUM_ALGO_ORDERS\","
                       "\"maxNumAlgoOrders\":5},"
                       "{\"filterType\":\"MAX_NUM_ORDER_AMENDS\","
                       "\"maxNumOrderAmends\":10}],"
                       "\"permissions\":[],\"permissionSets\":[[\"SPOT\"]],"
                       "\"defaultSelfTradePreventionMode\":\"EXPIRE_MAKER\","
                       "\"allowedSelfTradePreventionModes\":[\"NONE\","
                       "\"EXPIRE_TAKER\",\"EXPIRE_MAKER\",\"EXPIRE_BOTH\"]}");
}

static void r_exchange_info(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    struct lx_mock_sb *sb = &v->sb;
    const struct lx_mock_limits *l = lx_mock_call_limits(c);
    const char *only = lx_mock_call_param(c, "symbol", NULL);
    size_t i, n = 0;

    if (only != NULL && lx__mbn_sym(v, only) == NULL) {
        fail(c, 400, -1121, "Invalid symbol.");
        return;
    }
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(
        sb, "{\"timezone\":\"UTC\",\"serverTime\":", lx_mock_call_now_ms(c));
    lx_mock_sb_kv_i64(sb,
                      ",\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\","
                      "\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":",
                      l->weight_per_min);
    lx_mock_sb_kv_i64(sb,
                      "},{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\","
                      "\"intervalNum\":10,\"limit\":",
                      l->orders_per_10s);
    lx_mock_sb_kv_i64(sb,
                      "},{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\","
                      "\"intervalNum\":1,\"limit\":",
                      l->orders_per_day);
    lx_mock_sb_str(sb, "}],\"exchangeFilters\":[],\"symbols\":[");
    for (i = 0; i < v->nsyms; i++) {
        if (only != NULL && strcmp(only, v->syms[i].name) != 0) {
            continue;
        }
        if (n++ > 0) {
            lx_mock_sb_str(sb, ",");
        }
        symbol_info(sb, &v->syms[i]);
    }
    lx_mock_sb_str(sb, "]}");
    send_sb(c, sb);
}

/* The best n levels of a published side, best first. */
static void levels_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                        const struct bn_symbol *s, int side, size_t n)
{
    struct lx__bcur c;
    const struct lx__lvl *l;
    size_t i;

    lx_mock_sb_str(sb, "[");
    lx__bcur_seek(&c, &s->pub[side], 0);
    for (i = 0; i < n && (l = lx__bcur_get(&c)) != NULL; i++) {
        lx_mock_sb_str(sb, i > 0 ? ",[" : "[");
        lx_mock_sb_dec_str(sb, lx__mbn_px(v, s, side == 0 ? l->key : -l->key));
        lx_mock_sb_str(sb, ",");
        lx_mock_sb_dec_str(sb, lx__mbn_qty(v, s, l->lots));
        lx_mock_sb_str(sb, "]");
        lx__bcur_next(&c);
    }
    lx_mock_sb_str(sb, "]");
}

static void r_depth(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    struct bn_symbol *s = need_symbol(c, v);
    int64_t limit;
    struct lx_mock_sb *sb;
    size_t nb, na;

    if (s == NULL || opt_int(c, "limit", 100, 1, 5000, &limit) < 0) {
        return;
    }
    /* Weight: charged by depth_weight before this runs. */
    nb = s->pub[0].n < (size_t)limit ? s->pub[0].n : (size_t)limit;
    na = s->pub[1].n < (size_t)limit ? s->pub[1].n : (size_t)limit;
    sb = &s->depth_body;
    if (sb->len > 0 && sb->err == LX_OK && s->depth_id == s->update_id &&
        s->depth_nb == nb && s->depth_na == na) {
        send_sb(c, sb); /* the book has not changed since */
        return;
    }
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"lastUpdateId\":", s->update_id);
    lx_mock_sb_str(sb, ",\"bids\":");
    levels_json(sb, v, s, 0, nb);
    lx_mock_sb_str(sb, ",\"asks\":");
    levels_json(sb, v, s, 1, na);
    lx_mock_sb_str(sb, "}");
    s->depth_id = s->update_id;
    s->depth_nb = nb;
    s->depth_na = na;
    send_sb(c, sb);
}

/*
 * GET /api/v3/depth's weight by limit, as rest-api.md gives it: 1-100: 5,
 * 101-500: 25, 501-1000: 50, 1001-5000: 250. A limit that does not parse
 * costs the default's 5 (the route then answers -1100 / -1130).
 */
int lx__mbn_depth_weight(int64_t limit)
{
    if (limit <= 100) {
        return 5;
    }
    if (limit <= 500) {
        return 25;
    }
    return limit <= 1000 ? 50 : 250;
}

static int depth_weigher(const struct lx_mock_call *c)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, "limit", &len);
    int64_t limit = 100;

    if (s != NULL &&
        (lx__parse_i64(s, len, &limit) != LX_OK || limit < 1 || limit > 5000)) {
        limit = 100;
    }
    return lx__mbn_depth_weight(limit);
}

static void r_trades(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    struct bn_symbol *s = need_symbol(c, v);
    struct lx_mock_sb *sb = &v->sb;
    int64_t limit;
    size_t i, n, start;

    if (s == NULL || opt_int(c, "limit", 500, 1, 1000, &limit) < 0) {
        return;
    }
    n = s->ntrades < (size_t)limit ? s->ntrades : (size_t)limit;
    start = (s->trade_head + BN_TRADES - n) % BN_TRADES;
    lx_mock_sb_reset(sb);
    lx_mock_sb_str(sb, "[");
    for (i = 0; i < n; i++) {
        const struct lx_trade *t = &s->trades[(start + i) % BN_TRADES];
        struct lx_decimal quote;

        if (lx_decimal_mul(t->price, t->qty, BN_SCALE, LX_ROUND_HALF_EVEN,
                           &quote) != LX_OK) {
            quote = lx_decimal_from_i64(0, BN_SCALE);
        }
        lx_mock_sb_kv_i64(sb, i > 0 ? ",{\"id\":" : "{\"id\":", t->trade_id);
        lx_mock_sb_kv_dec(sb, ",\"price\":", t->price);
        lx_mock_sb_kv_dec(sb, ",\"qty\":", t->qty);
        lx_mock_sb_kv_dec(sb, ",\"quoteQty\":", quote);
        lx_mock_sb_kv_i64(sb, ",\"time\":", t->trade_ms);
        lx_mock_sb_str(sb, ",\"isBuyerMaker\":");
        lx_mock_sb_bool(sb, t->buyer_is_maker);
        lx_mock_sb_str(sb, ",\"isBestMatch\":true}");
    }
    lx_mock_sb_str(sb, "]");
    send_sb(c, sb);
}

/* Renders one symbol of a "symbol=X or all symbols" route. */
typedef void (*sym_fn)(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                       const struct bn_symbol *s, int64_t now);

/* Answers with one object when symbol is given, else an array of all. */
static void one_or_all(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                       sym_fn one)
{
    struct lx_mock_sb *sb = &v->sb;
    int64_t now = lx_mock_call_now_ms(c);
    size_t i;

    lx_mock_sb_reset(sb);
    if (lx_mock_call_param(c, "symbol", NULL) != NULL) {
        struct bn_symbol *s = need_symbol(c, v);

        if (s == NULL) {
            return;
        }
        one(sb, v, s, now);
    } else {
        lx_mock_sb_str(sb, "[");
        for (i = 0; i < v->nsyms; i++) {
            if (i > 0) {
                lx_mock_sb_str(sb, ",");
            }
            one(sb, v, &v->syms[i], now);
        }
        lx_mock_sb_str(sb, "]");
    }
    send_sb(c, sb);
}

static void book_ticker_one(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                            const struct bn_symbol *s, int64_t now)
{
    LX_UNUSED(now);
    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_dec(sb, ",\"bidPrice\":", lx__mbn_px(v, s, s->bbo[0]));
    lx_mock_sb_kv_dec(sb, ",\"bidQty\":", lx__mbn_qty(v, s, s->bbo[1]));
    lx_mock_sb_kv_dec(sb, ",\"askPrice\":", lx__mbn_px(v, s, s->bbo[2]));
    lx_mock_sb_kv_dec(sb, ",\"askQty\":", lx__mbn_qty(v, s, s->bbo[3]));
    lx_mock_sb_str(sb, "}");
}

static void r_book_ticker(struct lx_mock_call *c, void *ud)
{
    one_or_all(c, ud, book_ticker_one);
}

static void price_one(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                      const struct bn_symbol *s, int64_t now)
{
    const struct lx_trade *t =
        s->ntrades > 0 ? &s->trades[(s->trade_head + BN_TRADES - 1) % BN_TRADES]
                       : NULL;

    LX_UNUSED(now);
    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_dec(
        sb, ",\"price\":", t != NULL ? t->price : lx__mbn_px(v, s, s->bbo[0]));
    lx_mock_sb_str(sb, "}");
}

static void r_price(struct lx_mock_call *c, void *ud)
{
    one_or_all(c, ud, price_one);
}

/* ---- more market data ------------------------------------------------------
 */

static const struct lx_trade *trade_at(const struct bn_symbol *s, size_t i)
{
    /* i = 0 is the oldest kept trade. */
    return &s->trades[(s->trade_head + BN_TRADES - s->ntrades + i) % BN_TRADES];
}

static void r_agg_trades(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    struct bn_symbol *s = need_symbol(c, v);
    struct lx_mock_sb *sb = &v->sb;
    int64_t limit;
    size_t i, n;

    if (s == NULL || opt_int(c, "limit", 500, 1, 1000, &limit) < 0) {
        return;
    }
    n = s->ntrades < (size_t)limit ? s->ntrades : (size_t)limit;
    lx_mock_sb_reset(sb);
    lx_mock_sb_str(sb, "[");
    for (i = s->ntrades - n; i < s->ntrades; i++) {
        const struct lx_trade *t = trade_at(s, i);

        lx_mock_sb_kv_i64(
            sb, i > s->ntrades - n ? ",{\"a\":" : "{\"a\":", t->trade_id);
        lx_mock_sb_kv_dec(sb, ",\"p\":", t->price);
        lx_mock_sb_kv_dec(sb, ",\"q\":", t->qty);
        lx_mock_sb_kv_i64(sb, ",\"f\":", t->trade_id);
        lx_mock_sb_kv_i64(sb, ",\"l\":", t->trade_id);
        lx_mock_sb_kv_i64(sb, ",\"T\":", t->trade_ms);
        lx_mock_sb_str(sb, ",\"m\":");
        lx_mock_sb_bool(sb, t->buyer_is_maker);
        lx_mock_sb_str(sb, ",\"M\":true}");
    }
    lx_mock_sb_str(sb, "]");
    send_sb(c, sb);
}

/* Interval names and lengths Binance spot accepts for klines. */
static int64_t interval_ms(const char *s)
{
    static const struct {
        const char *name;
        int64_t ms;
    } t[] = {{"1s", 1000},     {"1m", 60000},     {"3m", 180000},
             {"5m", 300000},   {"15m", 900000},   {"30m", 1800000},
             {"1h", 3600000},  {"2h", 7200000},   {"4h", 14400000},
             {"6h", 21600000}, {"8h", 28800000},  {"12h", 43200000},
             {"1d", 86400000}, {"3d", 259200000}, {"1w", 604800000}};
    size_t i;

    for (i = 0; s != NULL && i < LX_ARRAY_LEN(t); i++) {
        if (strcmp(s, t[i].name) == 0) {
            return t[i].ms;
        }
    }
    return 0;
}

/* Adds t to bar k (initialized when k->trades is 0). */
static void bar_add(struct lx_kline *k, const struct lx_trade *t)
{
    struct lx_decimal q;

    if (k->trades == 0) {
        k->open = k->high = k->low = k->close = t->price;
        k->first_trade_id = t->trade_id;
    }
    if (lx_decimal_cmp(t->price, k->high) > 0) {
        k->high = t->price;
    }
    if (lx_decimal_cmp(t->price, k->low) < 0) {
        k->low = t->price;
    }
    k->close = t->price;
    k->last_trade_id = t->trade_id;
    k->trades++;
    if (lx_decimal_add(k->volume, t->qty, &k->volume) != LX_OK ||
        lx_decimal_mul(t->price, t->qty, BN_SCALE, LX_ROUND_HALF_EVEN, &q) !=
            LX_OK ||
        lx_decimal_add(k->quote_volume, q, &k->quote_volume) != LX_OK) {
        return;
    }
    if (!t->buyer_is_maker &&
        (lx_decimal_add(k->taker_buy_volume, t->qty, &k->taker_buy_volume) !=
             LX_OK ||
         lx_decimal_add(k->taker_buy_quote_volume, q,
                        &k->taker_buy_quote_volume) != LX_OK)) {
        return;
    }
}

static struct lx_decimal rescaled(struct lx_decimal d)
{
    struct lx_decimal out;

    return lx_decimal_rescale(d, BN_SCALE, LX_ROUND_HALF_EVEN, &out) == LX_OK
               ? out
               : d;
}

static void r_klines(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    struct bn_symbol *s = need_symbol(c, v);
    struct lx_mock_sb *sb = &v->sb;
    const char *iv;
    int64_t limit, len, now, first, b;
    struct lx_decimal zero = lx_decimal_from_i64(0, BN_SCALE), last = zero;
    size_t ti = 0;

    if (s == NULL || (iv = need(c, "interval")) == NULL ||
        opt_int(c, "limit", 500, 1, 1000, &limit) < 0) {
        return;
    }
    if ((len = interval_ms(iv)) == 0) {
        fail(c, 400, -1120, "Invalid interval.");
        return;
    }
    now = lx_mock_call_now_ms(c);
    first = now - now % len - (limit - 1) * len;
    if (s->ntrades > 0) {
        last = trade_at(s, 0)->price; /* bars before any trade: flat */
    }
    lx_mock_sb_reset(sb);
    lx_mock_sb_str(sb, "[");
    for (b = 0; b < limit; b++) {
        struct lx_kline k;
        int64_t start = first + b * len;

        memset(&k, 0, sizeof(k));
        k.open_ms = start;
        k.close_ms = start + len - 1;
        k.volume = k.quote_volume = zero;
        k.taker_buy_volume = k.taker_buy_quote_volume = zero;
        k.first_trade_id = k.last_trade_id = -1;
        while (ti < s->ntrades && trade_at(s, ti)->trade_ms < start) {
            last = trade_at(s, ti++)->price;
        }
        while (ti < s->ntrades && trade_at(s, ti)->trade_ms <= k.close_ms) {
            bar_add(&k, trade_at(s, ti++));
        }
        if (k.trades == 0) {
            k.open = k.high = k.low = k.close = last;
        } else {
            last = k.close;
        }
        k.open = rescaled(k.open);
        k.high = rescaled(k.high);
        k.low = rescaled(k.low);
        k.close = rescaled(k.close);
        k.volume = rescaled(k.volume);
        k.taker_buy_volume = rescaled(k.taker_buy_volume);
        if (b > 0) {
            lx_mock_sb_str(sb, ",");
        }
        lx_mock_bn_render_kline_row(sb, &k);
    }
    lx_mock_sb_str(sb, "]");
    send_sb(c, sb);
}

static void ticker_one(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                       const struct bn_symbol *s, int64_t now)
{
    struct lx_kline k;
    struct lx_decimal zero = lx_decimal_from_i64(0, BN_SCALE), chg, pct, avg;
    size_t i;
    const struct lx_trade *lt = NULL;

    memset(&k, 0, sizeof(k));
    k.volume = k.quote_volume = zero;
    k.taker_buy_volume = k.taker_buy_quote_volume = zero;
    k.first_trade_id = k.last_trade_id = -1;
    k.open = k.high = k.low = k.close = zero;
    for (i = 0; i < s->ntrades; i++) {
        if (trade_at(s, i)->trade_ms >= now - 86400000) {
            bar_add(&k, trade_at(s, i));
            lt = trade_at(s, i);
        }
    }
    chg = pct = avg = zero;
    if (k.trades > 0 && lx_decimal_sub(k.close, k.open, &chg) == LX_OK &&
        lx_decimal_div(chg, k.open, 5, LX_ROUND_HALF_EVEN, &pct) == LX_OK &&
        lx_decimal_mul(pct, lx_decimal_from_i64(100, 0), 3, LX_ROUND_HALF_EVEN,
                       &pct) == LX_OK &&
        lx_decimal_div(k.quote_volume, k.volume, BN_SCALE, LX_ROUND_HALF_EVEN,
                       &avg) == LX_OK) {
        /* all set */
    }
    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_dec(sb, ",\"priceChange\":", rescaled(chg));
    lx_mock_sb_kv_dec(sb, ",\"priceChangePercent\":", pct);
    lx_mock_sb_kv_dec(sb, ",\"weightedAvgPrice\":", avg);
    lx_mock_sb_kv_dec(sb, ",\"prevClosePrice\":", rescaled(k.open));
    lx_mock_sb_kv_dec(sb, ",\"lastPrice\":", rescaled(k.close));
    lx_mock_sb_kv_dec(sb,
                      ",\"lastQty\":", lt != NULL ? rescaled(lt->qty) : zero);
    lx_mock_sb_kv_dec(sb, ",\"bidPrice\":", lx__mbn_px(v, s, s->bbo[0]));
    lx_mock_sb_kv_dec(sb, ",\"bidQty\":", lx__mbn_qty(v, s, s->bbo[1]));
    lx_mock_sb_kv_dec(sb, ",\"askPrice\":", lx__mbn_px(v, s, s->bbo[2]));
    lx_mock_sb_kv_dec(sb, ",\"askQty\":", lx__mbn_qty(v, s, s->bbo[3]));
    lx_mock_sb_kv_dec(sb, ",\"openPrice\":", rescaled(k.open));
    lx_mock_sb_kv_dec(sb, ",\"highPrice\":", rescaled(k.high));
    lx_mock_sb_kv_dec(sb, ",\"lowPrice\":", rescaled(k.low));
    lx_mock_sb_kv_dec(sb, ",\"volume\":", rescaled(k.volume));
    lx_mock_sb_kv_dec(sb, ",\"quoteVolume\":", k.quote_volume);
    lx_mock_sb_kv_i64(sb, ",\"openTime\":", now - 86400000);
    lx_mock_sb_kv_i64(sb, ",\"closeTime\":", now);
    lx_mock_sb_kv_i64(sb, ",\"firstId\":", k.first_trade_id);
    lx_mock_sb_kv_i64(sb, ",\"lastId\":", k.last_trade_id);
    lx_mock_sb_kv_i64(sb, ",\"count\":", k.trades);
    lx_mock_sb_str(sb, "}");
}

static void r_ticker_24h(struct lx_mock_call *c, void *ud)
{
    one_or_all(c, ud, ticker_one);
}

static void r_my_trades(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct lx_mock_sb *sb = &v->sb;
    const struct bn_my_ring *r;
    int64_t limit;
    size_t i, n = 0, start, want;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        opt_int(c, "limit", 500, 1, 1000, &limit) < 0) {
        return;
    }
    r = key->account < BN_MAX_ACCOUNTS ? &v->my[key->account] : NULL;
    lx_mock_sb_reset(sb);
    lx_mock_sb_str(sb, "[");
    if (r != NULL && r->t != NULL) {
        /* The newest `limit` of this symbol, oldest first. */
        size_t count = 0;

        for (i = 0; i < r->n; i++) {
            const struct bn_my_trade *t =
                &r->t[(r->head + BN_MY_TRADES - r->n + i) % BN_MY_TRADES];

            count += &v->syms[t->sym] == s;
        }
        want = count < (size_t)limit ? count : (size_t)limit;
        start = count - want;
        for (i = 0, count = 0; i < r->n; i++) {
            const struct bn_my_trade *t =
                &r->t[(r->head + BN_MY_TRADES - r->n + i) % BN_MY_TRADES];

            if (&v->syms[t->sym] != s || count++ < start) {
                continue;
            }
            lx_mock_sb_kv_str(
                sb, n++ > 0 ? ",{\"symbol\":" : "{\"symbol\":", s->name);
            lx_mock_sb_kv_i64(sb, ",\"id\":", t->trade_id);
            lx_mock_sb_kv_i64(sb, ",\"orderId\":", (int64_t)t->order_id);
            lx_mock_sb_kv_i64(
                sb, ",\"orderListId\":",
                lx__mbn_order(v, t->order_id) != NULL
                    ? lx__mbn_list_id(lx__mbn_order(v, t->order_id))
                    : -1);
            lx_mock_sb_kv_dec(sb, ",\"price\":", lx__mbn_px(v, s, t->price));
            lx_mock_sb_kv_dec(sb, ",\"qty\":", lx__mbn_qty(v, s, t->qty));
            lx_mock_sb_kv_dec(
                sb, ",\"quoteQty\":", lx__mbn_amt(v, s->quote_asset, t->quote));
            lx_mock_sb_kv_dec(
                sb, ",\"commission\":", lx__mbn_amt(v, t->fee_asset, t->fee));
            lx_mock_sb_kv_str(sb, ",\"commissionAsset\":",
                              lx__mbn_asset_name(v, t->fee_asset));
            lx_mock_sb_kv_i64(sb, ",\"time\":", t->time_ms);
            lx_mock_sb_str(sb, ",\"isBuyer\":");
            lx_mock_sb_bool(sb, t->buyer);
            lx_mock_sb_str(sb, ",\"isMaker\":");
            lx_mock_sb_bool(sb, t->maker);
            lx_mock_sb_str(sb, ",\"isBestMatch\":true}");
        }
    }
    lx_mock_sb_str(sb, "]");
    send_sb(c, sb);
}

/* ---- orders
 * ------------------------------------------------------------------ */

static int pick(const char *s, const char *const *names, int n)
{
    int i;

    for (i = 0; s != NULL && i < n; i++) {
        if (names[i] != NULL && strcmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* The order fields GET /api/v3/order and DELETE share. */
static void order_body(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                       const struct bn_order *o)
{
    const struct bn_symbol *s = &v->syms[o->sym];

    lx_mock_sb_kv_dec(sb, ",\"price\":", lx__mbn_px(v, s, o->price));
    lx_mock_sb_kv_dec(sb, ",\"origQty\":", lx__mbn_qty(v, s, o->orig_qty));
    lx_mock_sb_kv_dec(sb, ",\"executedQty\":", lx__mbn_qty(v, s, o->exec_qty));
    lx_mock_sb_kv_dec(sb, ",\"cummulativeQuoteQty\":",
                      lx__mbn_amt(v, s->quote_asset, o->cum_quote));
    lx_mock_sb_kv_str(sb, ",\"status\":", lx__mbn_state_name(o->state));
    lx_mock_sb_kv_str(sb, ",\"timeInForce\":", lx__mbn_tif_name(o->tif));
    lx_mock_sb_kv_str(sb, ",\"type\":", lx__mbn_type_name(o->type));
    lx_mock_sb_kv_str(sb, ",\"side\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
}

static void order_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                       const struct bn_order *o)
{
    const struct bn_symbol *s = &v->syms[o->sym];

    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_i64(sb, ",\"orderId\":", (int64_t)o->id);
    lx_mock_sb_kv_i64(sb, ",\"orderListId\":", lx__mbn_list_id(o));
    lx_mock_sb_kv_str(sb, ",\"clientOrderId\":", o->cid);
    order_body(sb, v, o);
    if (o->type >= LX_ENG_STOP_LOSS) {
        lx_mock_sb_kv_dec(sb,
                          ",\"stopPrice\":", lx__mbn_px(v, s, o->stop_price));
    }
    lx_mock_sb_kv_dec(sb, ",\"icebergQty\":", lx_decimal_from_i64(0, BN_SCALE));
    lx_mock_sb_kv_i64(sb, ",\"time\":", o->time_ms);
    lx_mock_sb_kv_i64(sb, ",\"updateTime\":", o->update_ms);
    lx_mock_sb_str(sb, ",\"isWorking\":");
    lx_mock_sb_bool(sb, o->working);
    lx_mock_sb_kv_i64(sb, ",\"workingTime\":", o->working ? o->time_ms : -1);
    lx_mock_sb_kv_dec(sb, ",\"origQuoteOrderQty\":",
                      lx__mbn_amt(v, s->quote_asset, o->orig_quote));
    lx_mock_sb_kv_str(
        sb, ",\"selfTradePreventionMode\":", lx__mbn_stp_name(o->stp));
    lx_mock_sb_str(sb, "}");
}

/* Appends a placed order as ACK (0), RESULT (1) or FULL (2) renders it. */
static void new_order_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                           const struct bn_order *o, int resp_type)
{
    const struct bn_symbol *s = &v->syms[o->sym];
    size_t i;

    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_i64(sb, ",\"orderId\":", (int64_t)o->id);
    lx_mock_sb_kv_i64(sb, ",\"orderListId\":", lx__mbn_list_id(o));
    lx_mock_sb_kv_str(sb, ",\"clientOrderId\":", o->cid);
    lx_mock_sb_kv_i64(sb, ",\"transactTime\":", o->time_ms);
    if (resp_type >= 1) {
        order_body(sb, v, o);
        if (o->type >= LX_ENG_STOP_LOSS) {
            lx_mock_sb_kv_dec(
                sb, ",\"stopPrice\":", lx__mbn_px(v, s, o->stop_price));
        }
        if (o->working) {
            lx_mock_sb_kv_i64(sb, ",\"workingTime\":", o->time_ms);
        } else {
            lx_mock_sb_kv_i64(sb, ",\"workingTime\":", -1);
        }
        lx_mock_sb_kv_dec(sb, ",\"origQuoteOrderQty\":",
                          lx__mbn_amt(v, s->quote_asset, o->orig_quote));
        lx_mock_sb_kv_str(
            sb, ",\"selfTradePreventionMode\":", lx__mbn_stp_name(o->stp));
    }
    if (resp_type == 2) {
        lx_mock_sb_str(sb, ",\"fills\":[");
        for (i = 0; i < v->nfills; i++) {
            const struct bn_fill *f = &v->fills[i];

            lx_mock_sb_kv_dec(sb, i > 0 ? ",{\"price\":" : "{\"price\":",
                              lx__mbn_px(v, s, f->price));
            lx_mock_sb_kv_dec(sb, ",\"qty\":", lx__mbn_qty(v, s, f->qty));
            lx_mock_sb_kv_dec(
                sb, ",\"commission\":", lx__mbn_amt(v, f->fee_asset, f->fee));
            lx_mock_sb_kv_str(sb, ",\"commissionAsset\":",
                              lx__mbn_asset_name(v, f->fee_asset));
            lx_mock_sb_kv_i64(sb, ",\"tradeId\":", f->trade_id);
            lx_mock_sb_str(sb, "}");
        }
        lx_mock_sb_str(sb, "]");
    }
    lx_mock_sb_str(sb, "}");
}

/* Answers a placed order with ACK, RESULT or FULL. */
static void new_order_resp(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                           const struct bn_order *o, int resp_type)
{
    lx_mock_sb_reset(&v->sb);
    new_order_json(&v->sb, v, o, resp_type);
    send_sb(c, &v->sb);
}

/*
 * n characters of [A-Za-z0-9] derived from seed, NUL-terminated: the shape
 * of the ids Binance generates (22 for client order ids, 60 for listen
 * keys). Deterministic, so a seeded run repeats.
 */
static void gen_id(char *out, size_t n, uint64_t seed)
{
    static const char a[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t x = seed * UINT64_C(0x9E3779B97F4A7C15);
    size_t i;

    for (i = 0; i < n; i++) {
        x ^= x >> 29;
        x *= UINT64_C(0xBF58476D1CE4E5B9);
        out[i] = a[(x >> 32) % (sizeof(a) - 1)];
    }
    out[n] = '\0';
}

static void gen_cid(struct lx_mock_bn_spot *v, char *out, uint64_t seed)
{
    gen_id(out, 22, seed ^ v->orders_made * UINT64_C(0x100000001B3));
}

/* A new order's parameters, checked (POST /order and cancelReplace). */
struct new_req {
    struct lx_eng_order_dreq r;
    int resp, has_quote;
    char cid[LX_ENG_CID_MAX + 1];
};

/*
 * Reads and checks the new-order parameters of s into n; -1 after
 * answering the request error (-1102, -1100, -1115, -1116, -1117, -1177).
 */
static int parse_new(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                     const struct bn_symbol *s, struct new_req *n)
{
    static const char *const sides[] = {"BUY", "SELL"};
    static const char *const tifs[] = {"GTC", "IOC", "FOK"};
    static const char *const resps[] = {"ACK", "RESULT", "FULL"};
    static const char *const stps[] = {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER",
                                       "EXPIRE_BOTH"};
    const char *types[LX_ENG_TYPE_COUNT];
    struct lx_eng_order_dreq *r = &n->r;
    const char *p, *cid;
    int i, side, type, tif = LX_ENG_GTC, resp, stp = LX_ENG_STP_EXPIRE_MAKER;
    int has_price, has_qty, has_quote, has_stop;

    for (i = 0; i < LX_ENG_TYPE_COUNT; i++) {
        types[i] = lx__mbn_type_name(i);
    }
    if ((p = need(c, "side")) == NULL) {
        return -1;
    }
    if ((side = pick(p, sides, 2)) < 0) {
        fail(c, 400, -1117, "Invalid side.");
        return -1;
    }
    if ((p = need(c, "type")) == NULL) {
        return -1;
    }
    if ((type = pick(p, types, LX_ENG_TYPE_COUNT)) < 0) {
        fail(c, 400, -1116, "Invalid orderType.");
        return -1;
    }
    memset(n, 0, sizeof(*n));
    if ((has_price = opt_dec(c, "price", &r->price)) < 0 ||
        (has_qty = opt_dec(c, "quantity", &r->qty)) < 0 ||
        (has_quote = opt_dec(c, "quoteOrderQty", &r->quote_qty)) < 0 ||
        (has_stop = opt_dec(c, "stopPrice", &r->stop_price)) < 0) {
        return -1;
    }
    p = lx_mock_call_param(c, "timeInForce", NULL);
    if (type == LX_ENG_LIMIT || type == LX_ENG_STOP_LOSS_LIMIT ||
        type == LX_ENG_TAKE_PROFIT_LIMIT) {
        if (p == NULL) {
            mandatory(c, "timeInForce");
            return -1;
        }
        if (!has_price) {
            mandatory(c, "price");
            return -1;
        }
    }
    if (p != NULL && (tif = pick(p, tifs, 3)) < 0) {
        fail(c, 400, -1115, "Invalid timeInForce.");
        return -1;
    }
    if (type == LX_ENG_LIMIT_MAKER && !has_price) {
        mandatory(c, "price");
        return -1;
    }
    if (type >= LX_ENG_STOP_LOSS && !has_stop) {
        mandatory(c, "stopPrice");
        return -1;
    }
    if (type == LX_ENG_MARKET) {
        if (has_qty == has_quote) {
            fail(c, 400, -1102,
                 "Param 'quantity' or 'quoteOrderQty' must be sent, but both "
                 "were empty/null!");
            return -1;
        }
    } else if (!has_qty) {
        mandatory(c, "quantity");
        return -1;
    }
    p = lx_mock_call_param(c, "newOrderRespType", NULL);
    resp = type == LX_ENG_MARKET || type == LX_ENG_LIMIT ? 2 : 0;
    if (p != NULL && (resp = pick(p, resps, 3)) < 0) {
        fail(c, 400, -1177, "Invalid newOrderRespType.");
        return -1;
    }
    p = lx_mock_call_param(c, "selfTradePreventionMode", NULL);
    if (p != NULL && (stp = pick(p, stps, 4)) < 0) {
        fail(c, 400, -1100, "Invalid selfTradePreventionMode.");
        return -1;
    }
    cid = lx_mock_call_param(c, "newClientOrderId", NULL);
    if (cid != NULL && strlen(cid) > LX_ENG_CID_MAX) {
        failf(c, 400, -1100,
              "Illegal characters found in parameter '%s'; legal range is "
              "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
              "newClientOrderId");
        return -1;
    }
    if (cid == NULL) {
        gen_cid(v, n->cid, (uint64_t)lx_mock_call_now_ms(c));
    } else {
        lx__snprintf(n->cid, sizeof(n->cid), "%s", cid);
    }
    r->inst = s->inst;
    r->side = (uint8_t)side;
    r->type = (uint8_t)type;
    r->tif = (uint8_t)tif;
    r->stp = (uint8_t)stp;
    n->resp = resp;
    n->has_quote = has_quote;
    return 0;
}

/*
 * Submits n for account. Returns the order, or NULL with *code and *msg
 * the venue's rejection (*code 0: an internal failure).
 */
static struct bn_order *submit_new(struct lx_mock_bn_spot *v, uint32_t account,
                                   struct new_req *n, int *code,
                                   const char **msg)
{
    struct lx_eng_result res;
    struct bn_order *o;
    struct bn_symbol *s;

    *code = 0;
    *msg = NULL;
    s = lx__mbn_sym_by_inst(v, n->r.inst);
    if (s != NULL && lx__mbn_order_room(v, account, s, 1,
                                        lx__mbn_is_algo(n->r.type), msg) < 0) {
        *code = -1013;
        return NULL;
    }
    n->r.account = account;
    n->r.cid = n->cid;
    n->r.cid_len = strlen(n->cid);
    n->r.time = lx__mbn_now_ns(v);
    v->nfills = 0;
    if (lx__engine_submit_dec(v->eng, &n->r, &res) != LX_OK) {
        return NULL;
    }
    /* The events are still queued: collect this order's fills (FULL). */
    v->fills_for = res.order_id;
    lx__mbn_drain(v);
    v->fills_for = 0;
    if (res.order_id == 0) {
        lx__engine_reason_binance(res.reason, code, msg);
        if (*code == 0 || *msg == NULL) {
            *code = -2010;
            *msg = "New order rejected.";
        }
        return NULL;
    }
    o = lx__mbn_order(v, res.order_id);
    if (o == NULL) {
        return NULL;
    }
    o->state = res.state;
    if (n->has_quote) {
        int64_t units = 0;

        if (lx_decimal_to_ticks(n->r.quote_qty,
                                lx_decimal_from_i64(1, BN_SCALE),
                                &units) == LX_OK) {
            o->orig_quote = units;
        }
    }
    return o;
}

static void place(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                  int test_only)
{
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct new_req n;
    struct bn_order *o;
    const char *msg;
    int code;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        parse_new(c, v, s, &n) < 0) {
        return;
    }
    if (test_only) {
        lx_mock_respond_json(c, 200, "{}", 2);
        return;
    }
    if (lx_mock_bn_charge_orders(c, key->account, 1) < 0) {
        return;
    }
    o = submit_new(v, key->account, &n, &code, &msg);
    if (o == NULL) {
        if (code == 0) {
            lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        } else {
            fail(c, 400, code, msg);
        }
        return;
    }
    new_order_resp(c, v, o, n.resp);
}

static void r_order_post(struct lx_mock_call *c, void *ud)
{
    place(c, ud, 0);
}

static void r_order_test(struct lx_mock_call *c, void *ud)
{
    place(c, ud, 1);
}

enum { FIND_QUERY = 0, FIND_CANCEL, FIND_AMEND };

/*
 * The order named by orderId or origClientOrderId; NULL after answering
 * (unknown: -2013 for a query, -2011 for a cancel, -2038 for an amend).
 */
static struct bn_order *find_order(struct lx_mock_call *c,
                                   struct lx_mock_bn_spot *v,
                                   const struct lx_mock_bn_key *key,
                                   const struct bn_symbol *s, int cancel)
{
    int64_t id;
    const char *cid = lx_mock_call_param(c, "origClientOrderId", NULL);
    struct bn_order *o = NULL;
    int has_id = opt_int(c, "orderId", 0, 1, INT64_MAX, &id);

    if (has_id < 0) {
        return NULL;
    }
    if (!has_id && cid == NULL) {
        fail(c, 400, -1102,
             "Param 'origClientOrderId' or 'orderId' must be sent, but both "
             "were empty/null!");
        return NULL;
    }
    o = has_id ? lx__mbn_order(v, (uint64_t)id)
               : lx__mbn_order_by_cid(v, key->account, cid);
    if (o == NULL || o->account != key->account || &v->syms[o->sym] != s) {
        if (cancel != FIND_QUERY) {
            fail(c, 400, cancel == FIND_AMEND ? -2038 : -2011,
                 "Unknown order sent.");
        } else {
            fail(c, 400, -2013, "Order does not exist.");
        }
        return NULL;
    }
    return o;
}

static void r_order_get(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct bn_order *o;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        (o = find_order(c, v, key, s, FIND_QUERY)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    order_json(&v->sb, v, o);
    send_sb(c, &v->sb);
}

/* Appends DELETE /api/v3/order's answer for o, cancelled just now. */
static void cancel_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                        const struct bn_order *o, const char *orig_cid,
                        const char *new_cid, int64_t now_ms)
{
    const struct bn_symbol *s = &v->syms[o->sym];

    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"origClientOrderId\":", orig_cid);
    lx_mock_sb_kv_i64(sb, ",\"orderId\":", (int64_t)o->id);
    lx_mock_sb_kv_i64(sb, ",\"orderListId\":", lx__mbn_list_id(o));
    lx_mock_sb_kv_str(sb, ",\"clientOrderId\":", new_cid);
    lx_mock_sb_kv_i64(sb, ",\"transactTime\":", now_ms);
    order_body(sb, v, o);
    lx_mock_sb_kv_dec(sb, ",\"origQuoteOrderQty\":",
                      lx__mbn_amt(v, s->quote_asset, o->orig_quote));
    lx_mock_sb_kv_str(
        sb, ",\"selfTradePreventionMode\":", lx__mbn_stp_name(o->stp));
    lx_mock_sb_str(sb, "}");
}

/*
 * Cancels open order o of account and appends the cancel answer (with
 * new_cid, generated when NULL) to sb. Returns 0, or -1 when the engine no
 * longer has it open (nothing appended).
 */
static int cancel_one(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                      uint32_t account, uint64_t id, const char *new_cid,
                      struct lx_mock_sb *sb)
{
    struct lx_eng_result res;
    struct bn_order *o;
    char orig_cid[LX_ENG_CID_MAX + 1], gen[23];

    if (lx__engine_cancel(v->eng, account, id, NULL, 0, lx__mbn_now_ns(v),
                          &res) != LX_OK ||
        res.reason == LX_ENG_R_UNKNOWN_ORDER) {
        lx__mbn_drain(v);
        return -1;
    }
    lx__mbn_drain(v);
    o = lx__mbn_order(v, id);
    lx__snprintf(orig_cid, sizeof(orig_cid), "%s", o->cid);
    if (new_cid == NULL) {
        gen_cid(v, gen, o->id);
        new_cid = gen;
    }
    cancel_json(sb, v, o, orig_cid, new_cid, lx_mock_call_now_ms(c));
    return 0;
}

static int order_open(const struct bn_order *o);

/*
 * cancelRestrictions (DELETE /api/v3/order, cancelReplace): 0 when absent,
 * 1 ONLY_NEW, 2 ONLY_PARTIALLY_FILLED; -1 after answering -1145.
 */
static int cancel_restrictions(struct lx_mock_call *c)
{
    static const char *const names[] = {"ONLY_NEW", "ONLY_PARTIALLY_FILLED"};
    const char *p = lx_mock_call_param(c, "cancelRestrictions", NULL);
    int r;

    if (p == NULL) {
        return 0;
    }
    if ((r = pick(p, names, 2)) < 0) {
        fail(c, 400, -1145, "Invalid cancelRestrictions");
        return -1;
    }
    return r + 1;
}

/* Whether restriction r keeps open order o from being cancelled. */
static int restricted(const struct bn_order *o, int r)
{
    return order_open(o) &&
           ((r == 1 && o->state != LX_ENG_ST_NEW) ||
            (r == 2 && o->state != LX_ENG_ST_PARTIALLY_FILLED));
}

#define CANCEL_RESTRICTED "Order was not canceled due to cancel restrictions."

static void r_order_delete(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct bn_order *o;
    struct lx_mock_sb sb;
    int restr;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        (restr = cancel_restrictions(c)) < 0 ||
        (o = find_order(c, v, key, s, FIND_CANCEL)) == NULL) {
        return;
    }
    if (restricted(o, restr)) {
        fail(c, 400, -2011, CANCEL_RESTRICTED);
        return;
    }
    /* Not v->sb: the drain inside renders the market streams there. */
    lx_mock_sb_init(&sb);
    if (cancel_one(c, v, key->account, o->id,
                   lx_mock_call_param(c, "newClientOrderId", NULL), &sb) < 0) {
        fail(c, 400, -2011, "Unknown order sent.");
    } else {
        send_sb(c, &sb);
    }
    lx_mock_sb_free(&sb);
}

static int order_open(const struct bn_order *o)
{
    return o->state == LX_ENG_ST_NEW || o->state == LX_ENG_ST_PARTIALLY_FILLED;
}

/* {"code":..,"msg":..} into sb. */
static void err_json(struct lx_mock_sb *sb, int code, const char *msg)
{
    lx_mock_sb_kv_i64(sb, "{\"code\":", code);
    lx_mock_sb_kv_str(sb, ",\"msg\":", msg);
    lx_mock_sb_str(sb, "}");
}

/*
 * POST /api/v3/order/cancelReplace: cancels an order, then places a new
 * one on the same symbol. Parameter errors answer plainly before anything
 * happens; then the cancel runs (STOP_ON_FAILURE stops after a failed
 * cancel) and the new order is submitted. Both parts succeeding answer 200
 * with {"cancelResult","newOrderResult","cancelResponse",
 * "newOrderResponse"}; one part failing 409 -2021, both (or a cancel failing
 * under STOP_ON_FAILURE) 400 -2022, with that object under "data".
 */
static void r_cancel_replace(struct lx_mock_call *c, void *ud)
{
    static const char *const modes[] = {"STOP_ON_FAILURE", "ALLOW_FAILURE"};
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct bn_order *o = NULL;
    struct new_req n;
    struct lx_mock_sb cs, ns, *sb = &v->sb;
    const char *p, *ccid, *msg = NULL;
    int64_t cid_num;
    int mode, has_id, cancel_ok, new_ok = -1, code = 0, restr, held = 0;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        (p = need(c, "cancelReplaceMode")) == NULL ||
        (restr = cancel_restrictions(c)) < 0) {
        return;
    }
    if ((mode = pick(p, modes, 2)) < 0) {
        fail(c, 400, -1100,
             "Illegal characters found in parameter 'cancelReplaceMode'; "
             "legal range is 'STOP_ON_FAILURE, ALLOW_FAILURE'.");
        return;
    }
    if (parse_new(c, v, s, &n) < 0 ||
        (has_id = opt_int(c, "cancelOrderId", 0, 1, INT64_MAX, &cid_num)) < 0) {
        return;
    }
    ccid = lx_mock_call_param(c, "cancelOrigClientOrderId", NULL);
    if (!has_id && ccid == NULL) {
        fail(c, 400, -1102,
             "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be "
             "sent, but both were empty/null!");
        return;
    }
    if (lx_mock_bn_charge_orders(c, key->account, 1) < 0) {
        return;
    }
    /* cancelOrderId first; a cancelOrigClientOrderId sent too must match. */
    o = has_id ? lx__mbn_order(v, (uint64_t)cid_num)
               : lx__mbn_order_by_cid(v, key->account, ccid);
    if (o != NULL && (o->account != key->account || &v->syms[o->sym] != s ||
                      !order_open(o) ||
                      (has_id && ccid != NULL && strcmp(o->cid, ccid) != 0))) {
        o = NULL;
    }
    lx_mock_sb_init(&cs);
    lx_mock_sb_init(&ns);
    held = o != NULL && restricted(o, restr);
    cancel_ok =
        o != NULL && !held &&
        cancel_one(c, v, key->account, o->id,
                   lx_mock_call_param(c, "cancelNewClientOrderId", NULL),
                   &cs) == 0;
    if (!cancel_ok) {
        err_json(&cs, -2011, held ? CANCEL_RESTRICTED : "Unknown order sent.");
    }
    if (cancel_ok || mode == 1) {
        o = submit_new(v, key->account, &n, &code, &msg);
        new_ok = o != NULL;
        if (o != NULL) {
            new_order_json(&ns, v, o, n.resp);
        } else if (code != 0) {
            err_json(&ns, code, msg);
        } else {
            lx_mock_sb_free(&cs);
            lx_mock_sb_free(&ns);
            lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
            return;
        }
    } else {
        lx_mock_sb_str(&ns, "null");
    }
    lx_mock_sb_reset(sb);
    if (!cancel_ok || !new_ok) {
        lx_mock_sb_kv_i64(
            sb, "{\"code\":", cancel_ok || new_ok > 0 ? -2021 : -2022);
        lx_mock_sb_kv_str(sb, ",\"msg\":",
                          cancel_ok || new_ok > 0
                              ? "Order cancel-replace partially failed."
                              : "Order cancel-replace failed.");
        lx_mock_sb_str(sb, ",\"data\":");
    }
    lx_mock_sb_kv_str(sb,
                      "{\"cancelResult\":", cancel_ok ? "SUCCESS" : "FAILURE");
    lx_mock_sb_kv_str(sb, ",\"newOrderResult\":",
                      new_ok > 0    ? "SUCCESS"
                      : new_ok == 0 ? "FAILURE"
                                    : "NOT_ATTEMPTED");
    lx_mock_sb_str(sb, ",\"cancelResponse\":");
    lx_mock_sb_add(sb, cs.buf, cs.len);
    lx_mock_sb_str(sb, ",\"newOrderResponse\":");
    lx_mock_sb_add(sb, ns.buf, ns.len);
    lx_mock_sb_str(sb, cancel_ok && new_ok > 0 ? "}" : "}}");
    if (cs.err != LX_OK || ns.err != LX_OK) {
        sb->err = LX_ERR_NOMEM;
    }
    lx_mock_sb_free(&cs);
    lx_mock_sb_free(&ns);
    if (sb->err != LX_OK) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
    } else {
        lx_mock_respond_json(c,
                             cancel_ok && new_ok > 0   ? 200
                             : cancel_ok || new_ok > 0 ? 409
                                                       : 400,
                             sb->buf, sb->len);
    }
}

/* ,"orders":[{symbol, orderId, clientOrderId} x 2 (no closing bracket). */
static void list_orders_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                             const struct bn_list *l, const struct bn_symbol *s)
{
    size_t i;

    lx_mock_sb_str(sb, ",\"orders\":[");
    for (i = 0; i < 2; i++) {
        const struct bn_order *o = lx__mbn_order(v, l->orders[i]);

        lx_mock_sb_kv_str(sb,
                          i > 0 ? ",{\"symbol\":" : "{\"symbol\":", s->name);
        lx_mock_sb_kv_i64(sb, ",\"orderId\":", (int64_t)l->orders[i]);
        lx_mock_sb_kv_str(sb, ",\"clientOrderId\":", o != NULL ? o->cid : "");
        lx_mock_sb_str(sb, "}");
    }
}

/* keepPriority's ,"listStatus":{..} of an amended list leg. */
static void list_status_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                             size_t idx)
{
    const struct bn_list *l = &v->lists[idx];
    const struct bn_symbol *s = &v->syms[l->sym];

    lx_mock_sb_kv_i64(sb, ",\"listStatus\":{\"orderListId\":", (int64_t)idx);
    lx_mock_sb_kv_str(sb, ",\"contingencyType\":\"OCO\",\"listOrderStatus\":",
                      l->done ? "ALL_DONE" : "EXECUTING");
    lx_mock_sb_kv_str(sb, ",\"listClientOrderId\":", l->cid);
    lx_mock_sb_kv_str(sb, ",\"symbol\":", s->name);
    list_orders_json(sb, v, l, s);
    lx_mock_sb_str(sb, "]}");
}

/* The order fields of an amended order (keepPriority's amendedOrder). */
static void amended_json(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                         const struct bn_order *o, const char *orig_cid)
{
    const struct bn_symbol *s = &v->syms[o->sym];

    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_i64(sb, ",\"orderId\":", (int64_t)o->id);
    lx_mock_sb_kv_i64(sb, ",\"orderListId\":", lx__mbn_list_id(o));
    lx_mock_sb_kv_str(sb, ",\"origClientOrderId\":", orig_cid);
    lx_mock_sb_kv_str(sb, ",\"clientOrderId\":", o->cid);
    lx_mock_sb_kv_dec(sb, ",\"price\":", lx__mbn_px(v, s, o->price));
    lx_mock_sb_kv_dec(sb, ",\"qty\":", lx__mbn_qty(v, s, o->orig_qty));
    lx_mock_sb_kv_dec(sb, ",\"executedQty\":", lx__mbn_qty(v, s, o->exec_qty));
    lx_mock_sb_kv_dec(sb, ",\"preventedQty\":", lx__mbn_qty(v, s, 0));
    lx_mock_sb_kv_dec(sb, ",\"quoteOrderQty\":",
                      lx__mbn_amt(v, s->quote_asset, o->orig_quote));
    lx_mock_sb_kv_dec(sb, ",\"cumulativeQuoteQty\":",
                      lx__mbn_amt(v, s->quote_asset, o->cum_quote));
    lx_mock_sb_kv_str(sb, ",\"status\":", lx__mbn_state_name(o->state));
    lx_mock_sb_kv_str(sb, ",\"timeInForce\":", lx__mbn_tif_name(o->tif));
    lx_mock_sb_kv_str(sb, ",\"type\":", lx__mbn_type_name(o->type));
    lx_mock_sb_kv_str(sb, ",\"side\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
    if (o->working) {
        lx_mock_sb_kv_i64(sb, ",\"workingTime\":", o->time_ms);
    }
    lx_mock_sb_kv_str(
        sb, ",\"selfTradePreventionMode\":", lx__mbn_stp_name(o->stp));
    lx_mock_sb_str(sb, "}");
}

#define BN_MAX_AMENDS 10 /* MAX_NUM_ORDER_AMENDS (filters.md) */

/*
 * PUT /api/v3/order/amend/keepPriority: lowers an open order's quantity in
 * place (the engine keeps its queue position). Rejections are -2038 with
 * the matching engine's message, filter failures -1013.
 */
static void r_amend_keep(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct bn_order *o, *other;
    struct lx_eng_result res;
    struct lx_decimal nq;
    struct lx_mock_sb *sb = &v->sb;
    char orig_cid[LX_ENG_CID_MAX + 1], gen[23];
    const char *new_cid;
    int64_t lots, exec_id;
    int code;
    const char *msg;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        need(c, "newQty") == NULL || opt_dec(c, "newQty", &nq) < 0 ||
        (o = find_order(c, v, key, s, FIND_AMEND)) == NULL) {
        return;
    }
    new_cid = lx_mock_call_param(c, "newClientOrderId", NULL);
    if (new_cid != NULL &&
        (new_cid[0] == '\0' || strlen(new_cid) > LX_ENG_CID_MAX)) {
        failf(c, 400, -1100,
              "Illegal characters found in parameter '%s'; legal range is "
              "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
              "newClientOrderId");
        return;
    }
    if (!order_open(o)) {
        fail(c, 400, -2038, "Unknown order sent.");
        return;
    }
    if (lx_decimal_to_ticks(nq, s->lot, &lots) != LX_OK || lots <= 0) {
        fail(c, 400, -1013, "Filter failure: LOT_SIZE");
        return;
    }
    if (lots == o->orig_qty) {
        fail(c, 400, -2038,
             "The requested action would change no state; rejecting");
        return;
    }
    if (lots > o->orig_qty) {
        fail(c, 400, -2038,
             "Order amend (quantity increase) is not supported.");
        return;
    }
    if (o->amends >= BN_MAX_AMENDS) {
        fail(c, 400, -2038, "Filter failure: MAX_NUM_ORDER_AMENDS");
        return;
    }
    other =
        new_cid != NULL ? lx__mbn_order_by_cid(v, key->account, new_cid) : NULL;
    if (other != NULL && other != o && order_open(other)) {
        fail(c, 400, -2038, "Duplicate order sent.");
        return;
    }
    if (new_cid == NULL) {
        gen_cid(v, gen, o->id ^ (uint64_t)lx_mock_call_now_ms(c));
        new_cid = gen;
    }
    if (lx__engine_amend(v->eng, key->account, o->id, o->price, lots,
                         lx__mbn_now_ns(v), &res) != LX_OK) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        return;
    }
    if (res.state == LX_ENG_ST_REJECTED) {
        lx__mbn_drain(v);
        lx__engine_reason_binance(res.reason, &code, &msg);
        if (code != -1013) {
            code = -2038;
        }
        fail(c, 400, code, msg != NULL ? msg : "Order amend rejected.");
        return;
    }
    /* The report carries the new client id, and the old one in "C". */
    lx__snprintf(orig_cid, sizeof(orig_cid), "%s", o->cid);
    lx__mbn_order_set_cid(v, o, new_cid);
    lx__snprintf(v->amend_orig_cid, sizeof(v->amend_orig_cid), "%s", orig_cid);
    exec_id = v->exec_seq + 1;
    lx__mbn_drain(v);
    v->amend_orig_cid[0] = '\0';
    o = lx__mbn_order(v, res.order_id);
    o->amends++;
    if (o->list != 0 && strcmp(orig_cid, o->cid) != 0) {
        lx__mbn_list_publish(v, o->list - 1, "UPDATED");
    }
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"transactTime\":", o->update_ms);
    lx_mock_sb_kv_i64(sb, ",\"executionId\":", exec_id);
    lx_mock_sb_str(sb, ",\"amendedOrder\":");
    amended_json(sb, v, o, orig_cid);
    if (o->list != 0) {
        list_status_json(sb, v, o->list - 1);
    }
    lx_mock_sb_str(sb, "}");
    send_sb(c, sb);
}

static void r_open_orders(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    const struct bn_symbol *s = NULL;
    size_t i, n = 0;

    if (key == NULL) {
        return;
    }
    if (lx_mock_call_param(c, "symbol", NULL) != NULL &&
        (s = need_symbol(c, v)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < v->orders_cap; i++) {
        const struct bn_order *o = &v->orders[i];

        if (o->id == 0 || o->id == BN_TOMB || o->account != key->account ||
            !order_open(o) || (s != NULL && &v->syms[o->sym] != s)) {
            continue;
        }
        if (n++ > 0) {
            lx_mock_sb_str(&v->sb, ",");
        }
        order_json(&v->sb, v, o);
    }
    lx_mock_sb_str(&v->sb, "]");
    send_sb(c, &v->sb);
}

static int cmp_order_ptr(const void *a, const void *b)
{
    uint64_t x = (*(const struct bn_order *const *)a)->id;
    uint64_t y = (*(const struct bn_order *const *)b)->id;

    return x < y ? -1 : x > y;
}

/*
 * GET /api/v3/allOrders: the account's orders of a symbol, open or closed,
 * by orderId ascending. orderId gives the orders >= it and startTime the
 * orders from it on (the first `limit` of those); otherwise the most recent
 * `limit`. startTime and endTime at most 24 h apart (-1127).
 */
static void r_all_orders(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    const struct bn_symbol *s;
    const struct bn_order **list;
    int64_t from_id, start, end, limit;
    int has_id, has_start, has_end;
    size_t i, n = 0, first;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        (has_id = opt_int(c, "orderId", 0, 0, INT64_MAX, &from_id)) < 0 ||
        (has_start = opt_int(c, "startTime", 0, 0, INT64_MAX, &start)) < 0 ||
        (has_end = opt_int(c, "endTime", INT64_MAX, 0, INT64_MAX, &end)) < 0 ||
        opt_int(c, "limit", 500, 1, 1000, &limit) < 0) {
        return;
    }
    if (has_start && has_end && end - start > 86400000) {
        fail(c, 400, -1127,
             "More than 24 hours between startTime and endTime.");
        return;
    }
    list = lx__malloc(NULL, (v->norders + 1) * sizeof(*list));
    if (list == NULL) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        return;
    }
    for (i = 0; i < v->orders_cap; i++) {
        const struct bn_order *o = &v->orders[i];

        if (o->id != 0 && o->id != BN_TOMB && o->account == key->account &&
            &v->syms[o->sym] == s && (int64_t)o->id >= from_id &&
            o->time_ms >= start && o->time_ms <= end) {
            list[n++] = o;
        }
    }
    qsort(list, n, sizeof(*list), cmp_order_ptr);
    first = has_id || has_start || n <= (size_t)limit ? 0 : n - (size_t)limit;
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = first; i < n && i - first < (size_t)limit; i++) {
        if (i > first) {
            lx_mock_sb_str(&v->sb, ",");
        }
        order_json(&v->sb, v, list[i]);
    }
    lx_mock_sb_str(&v->sb, "]");
    lx__free(NULL, list);
    send_sb(c, &v->sb);
}

static void r_cancel_all(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    uint64_t *ids;
    size_t i, n = 0;
    uint32_t ncancelled = 0;

    if (key == NULL || (s = need_symbol(c, v)) == NULL) {
        return;
    }
    ids = lx__malloc(NULL, (v->norders + 1) * sizeof(*ids));
    if (ids == NULL) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        return;
    }
    for (i = 0; i < v->orders_cap; i++) {
        const struct bn_order *o = &v->orders[i];

        if (o->id != 0 && o->id != BN_TOMB && o->account == key->account &&
            order_open(o) && &v->syms[o->sym] == s) {
            ids[n++] = o->id;
        }
    }
    if (n == 0) {
        lx__free(NULL, ids);
        fail(c, 400, -2011, "Unknown order sent.");
        return;
    }
    lx__engine_cancel_all(v->eng, key->account, s->inst, lx__mbn_now_ns(v),
                          &ncancelled);
    lx__mbn_drain(v);
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < n; i++) {
        const struct bn_order *o = lx__mbn_order(v, ids[i]);

        if (i > 0) {
            lx_mock_sb_str(&v->sb, ",");
        }
        lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
        lx_mock_sb_kv_str(&v->sb, ",\"origClientOrderId\":", o->cid);
        lx_mock_sb_kv_i64(&v->sb, ",\"orderId\":", (int64_t)o->id);
        lx_mock_sb_kv_i64(&v->sb, ",\"orderListId\":", lx__mbn_list_id(o));
        lx_mock_sb_kv_str(&v->sb, ",\"clientOrderId\":", o->cid);
        lx_mock_sb_kv_i64(&v->sb, ",\"transactTime\":", lx_mock_call_now_ms(c));
        order_body(&v->sb, v, o);
        lx_mock_sb_kv_str(
            &v->sb, ",\"selfTradePreventionMode\":", lx__mbn_stp_name(o->stp));
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    lx__free(NULL, ids);
    send_sb(c, &v->sb);
}

/* ---- order lists (OCO) ------------------------------------------------- */

/* One leg of an OCO as the request gives it. */
struct oco_leg {
    int type, tif;
    struct lx_decimal price, stop;
    const char *cid;
};

static int is_stop_loss(int type)
{
    return type == LX_ENG_STOP_LOSS || type == LX_ENG_STOP_LOSS_LIMIT;
}

/* Appends an order list without its orderReports' closing. */
static void list_head(struct lx_mock_sb *sb, struct lx_mock_bn_spot *v,
                      size_t idx)
{
    const struct bn_list *l = &v->lists[idx];
    const struct bn_symbol *s = &v->syms[l->sym];

    lx_mock_sb_kv_i64(sb, "{\"orderListId\":", (int64_t)idx);
    lx_mock_sb_kv_str(sb, ",\"contingencyType\":\"OCO\",\"listStatusType\":",
                      l->done ? "ALL_DONE" : "EXEC_STARTED");
    lx_mock_sb_kv_str(
        sb, ",\"listOrderStatus\":", l->done ? "ALL_DONE" : "EXECUTING");
    lx_mock_sb_kv_str(sb, ",\"listClientOrderId\":", l->cid);
    lx_mock_sb_kv_i64(sb, ",\"transactionTime\":", l->update_ms);
    lx_mock_sb_kv_str(sb, ",\"symbol\":", s->name);
    list_orders_json(sb, v, l, s);
    lx_mock_sb_str(sb, "]");
}

/*
 * The engine request of leg k (its client id generated when absent, as
 * gen_cid would once the k orders before it are made).
 */
static void oco_req(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                    uint32_t account, const struct bn_symbol *s, int side,
                    struct lx_decimal qty, int stp, const struct oco_leg *g,
                    unsigned k, struct new_req *n)
{
    memset(n, 0, sizeof(*n));
    n->r.account = account;
    n->r.inst = s->inst;
    n->r.side = (uint8_t)side;
    n->r.type = (uint8_t)g->type;
    n->r.tif = (uint8_t)g->tif;
    n->r.stp = (uint8_t)stp;
    n->r.qty = qty;
    n->r.quote_qty = lx_decimal_from_i64(0, 0);
    n->r.price = g->type == LX_ENG_STOP_LOSS || g->type == LX_ENG_TAKE_PROFIT
                     ? lx_decimal_from_i64(0, 0)
                     : g->price;
    n->r.stop_price =
        g->type == LX_ENG_LIMIT_MAKER ? lx_decimal_from_i64(0, 0) : g->stop;
    if (g->cid != NULL) {
        lx__snprintf(n->cid, sizeof(n->cid), "%s", g->cid);
    } else {
        gen_id(n->cid, 22,
               (uint64_t)lx_mock_call_now_ms(c) ^
                   (v->orders_made + k) * UINT64_C(0x100000001B3));
    }
    n->r.cid = n->cid;
    n->r.cid_len = strlen(n->cid);
    n->r.time = lx__mbn_now_ns(v);
}

/*
 * Submits both legs as one engine pair (one lock, the engine ends the
 * other leg); the two orders, or false with *code / *msg set (code 0: the
 * engine failed).
 */
static bool oco_submit(struct lx_mock_bn_spot *v, struct new_req n[2],
                       struct bn_order *o[2], int *code, const char **msg)
{
    struct lx_eng_order_dreq r[2] = {n[0].r, n[1].r};
    struct lx_eng_result res[2];
    int i;

    *code = 0;
    *msg = NULL;
    if (lx__engine_submit_oco_dec(v->eng, r, res) != LX_OK) {
        return false;
    }
    lx__mbn_drain(v);
    if (res[0].order_id == 0) {
        lx__engine_reason_binance(res[0].reason, code, msg);
        if (*code == 0 || *msg == NULL) {
            *code = -2010;
            *msg = "New order rejected.";
        }
        return false;
    }
    for (i = 0; i < 2; i++) {
        o[i] = lx__mbn_order(v, res[i].order_id);
        if (o[i] == NULL) {
            return false;
        }
        o[i]->state = res[i].state;
    }
    return true;
}

/*
 * Places an OCO of legs a and b (either order): checks the pair and the
 * prices against the last trade, submits the stop-loss leg and the other
 * as one engine pair (the stop-loss leg gets the lower orderId), and
 * answers.
 */
static void place_oco(struct lx_mock_call *c, struct lx_mock_bn_spot *v,
                      const struct lx_mock_bn_key *key, struct bn_symbol *s,
                      int side, struct lx_decimal qty, struct oco_leg *a,
                      struct oco_leg *b, const char *list_cid, int resp,
                      int stp)
{
    struct oco_leg *sl = is_stop_loss(a->type) ? a : b;
    struct oco_leg *other = sl == a ? b : a;
    struct lx_decimal ref, last;
    struct new_req n[2];
    struct bn_order *o[2];
    struct bn_list *l;
    struct lx_mock_sb *sb = &v->sb;
    int64_t last_ticks;
    const char *msg;
    int code, hi, lo, has_last;
    size_t idx;

    if (is_stop_loss(other->type) || !is_stop_loss(sl->type)) {
        fail(c, 400, -2010, "Unsupported order combination");
        return;
    }
    /* SELL: other > last > stop-loss stop; BUY: other < last < stop. */
    ref = other->type == LX_ENG_TAKE_PROFIT ? other->stop : other->price;
    has_last = lx__engine_last_price(v->eng, s->inst, &last_ticks) == LX_OK;
    /* No trade yet: only the legs' own order is checked. */
    last = has_last              ? lx__mbn_px(v, s, last_ticks)
           : side == LX_ENG_SELL ? sl->stop
                                 : ref;
    hi = side == LX_ENG_SELL ? lx_decimal_cmp(ref, last)
                             : lx_decimal_cmp(sl->stop, last);
    lo = side == LX_ENG_SELL ? lx_decimal_cmp(last, sl->stop)
                             : lx_decimal_cmp(last, ref);
    if (hi <= 0 || lo < 0 || (has_last && lo == 0) ||
        lx_decimal_cmp(side == LX_ENG_SELL ? ref : sl->stop,
                       side == LX_ENG_SELL ? sl->stop : ref) <= 0) {
        fail(c, 400, -2010,
             "The relationship of the prices for the orders is not correct.");
        return;
    }
    if (lx_mock_bn_charge_orders(c, key->account, 2) < 0) {
        return;
    }
    /* Both legs count; the stop-loss leg and a take-profit one are algo. */
    if (lx__mbn_order_room(v, key->account, s, 2,
                           (unsigned)lx__mbn_is_algo(sl->type) +
                               (unsigned)lx__mbn_is_algo(other->type),
                           &msg) < 0) {
        fail(c, 400, -1013, msg);
        return;
    }
    if (v->nlists == v->lists_cap && lx__mbn_list_new(v) != NULL) {
        v->nlists--; /* grow first: the list cannot fail after the legs */
    }
    if (v->nlists == v->lists_cap) {
        lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        return;
    }
    /* The legs' records (and their NEW reports) carry the list's id. */
    l = lx__mbn_list_new(v);
    idx = (size_t)(l - v->lists);
    l->account = key->account;
    l->sym = (uint16_t)(s - v->syms);
    l->time_ms = l->update_ms = lx_mock_call_now_ms(c);
    oco_req(c, v, key->account, s, side, qty, stp, sl, 0, &n[0]);
    oco_req(c, v, key->account, s, side, qty, stp, other, 1, &n[1]);
    v->pending_list = (uint32_t)idx + 1;
    if (!oco_submit(v, n, o, &code, &msg)) {
        v->pending_list = 0;
        v->nlists--;
        if (code == 0) {
            lx_mock_respond(c, 503, NULL, NULL, NULL, 0);
        } else {
            fail(c, 400, code, msg);
        }
        return;
    }
    v->pending_list = 0;
    l = &v->lists[idx];
    l->orders[0] = o[0]->id;
    l->orders[1] = o[1]->id;
    if (list_cid != NULL) {
        lx__snprintf(l->cid, sizeof(l->cid), "%s", list_cid);
    } else {
        gen_cid(v, l->cid, o[0]->id ^ (uint64_t)l->time_ms);
    }
    lx__mbn_list_publish(v, idx, NULL);
    lx_mock_sb_reset(sb);
    list_head(sb, v, idx);
    lx_mock_sb_str(sb, ",\"orderReports\":[");
    new_order_json(sb, v, o[0], resp);
    lx_mock_sb_str(sb, ",");
    new_order_json(sb, v, o[1], resp);
    lx_mock_sb_str(sb, "]}");
    send_sb(c, sb);
}

/* A client id parameter: NULL when absent; -1 after answering -1100. */
static int opt_cid(struct lx_mock_call *c, const char *name, const char **out)
{
    *out = lx_mock_call_param(c, name, NULL);
    if (*out != NULL && ((*out)[0] == '\0' || strlen(*out) > LX_ENG_CID_MAX)) {
        failf(c, 400, -1100,
              "Illegal characters found in parameter '%s'; legal range is "
              "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
              name);
        return -1;
    }
    return 0;
}

/* side, quantity, newOrderRespType (default RESULT), STP of an OCO. */
static int oco_common(struct lx_mock_call *c, int *side, struct lx_decimal *qty,
                      int *resp, int *stp)
{
    static const char *const sides[] = {"BUY", "SELL"};
    static const char *const resps[] = {"ACK", "RESULT", "FULL"};
    static const char *const stps[] = {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER",
                                       "EXPIRE_BOTH"};
    const char *p;

    if ((p = need(c, "side")) == NULL) {
        return -1;
    }
    if ((*side = pick(p, sides, 2)) < 0) {
        fail(c, 400, -1117, "Invalid side.");
        return -1;
    }
    if (need(c, "quantity") == NULL || opt_dec(c, "quantity", qty) < 0) {
        return -1;
    }
    *resp = 1;
    p = lx_mock_call_param(c, "newOrderRespType", NULL);
    if (p != NULL && (*resp = pick(p, resps, 3)) < 0) {
        fail(c, 400, -1177, "Invalid newOrderRespType.");
        return -1;
    }
    *stp = LX_ENG_STP_EXPIRE_MAKER;
    p = lx_mock_call_param(c, "selfTradePreventionMode", NULL);
    if (p != NULL && (*stp = pick(p, stps, 4)) < 0) {
        fail(c, 400, -1100, "Invalid selfTradePreventionMode.");
        return -1;
    }
    return 0;
}

/* One leg of POST /api/v3/orderList/oco: <pre>Type, <pre>Price, ... */
static int oco_leg_params(struct lx_mock_call *c, const char *pre,
                          struct oco_leg *g)
{
    static const char *const tifs[] = {"GTC", "IOC", "FOK"};
    const char *types[LX_ENG_TYPE_COUNT];
    char name[40];
    const char *p;
    int i, has_price, has_stop;

    for (i = 0; i < LX_ENG_TYPE_COUNT; i++) {
        types[i] = lx__mbn_type_name(i);
    }
    lx__snprintf(name, sizeof(name), "%sType", pre);
    if ((p = need(c, name)) == NULL) {
        return -1;
    }
    g->type = pick(p, types, LX_ENG_TYPE_COUNT);
    if (g->type < 0 || g->type == LX_ENG_LIMIT || g->type == LX_ENG_MARKET) {
        fail(c, 400, -1116, "Invalid orderType.");
        return -1;
    }
    lx__snprintf(name, sizeof(name), "%sPrice", pre);
    if ((has_price = opt_dec(c, name, &g->price)) < 0) {
        return -1;
    }
    if (!has_price && g->type != LX_ENG_STOP_LOSS &&
        g->type != LX_ENG_TAKE_PROFIT) {
        mandatory(c, name);
        return -1;
    }
    lx__snprintf(name, sizeof(name), "%sStopPrice", pre);
    if ((has_stop = opt_dec(c, name, &g->stop)) < 0) {
        return -1;
    }
    if (!has_stop && g->type != LX_ENG_LIMIT_MAKER) {
        mandatory(c, name);
        return -1;
    }
    g->tif = LX_ENG_GTC;
    lx__snprintf(name, sizeof(name), "%sTimeInForce", pre);
    p = lx_mock_call_param(c, name, NULL);
    if (p == NULL && (g->type == LX_ENG_STOP_LOSS_LIMIT ||
                      g->type == LX_ENG_TAKE_PROFIT_LIMIT)) {
        mandatory(c, name);
        return -1;
    }
    if (p != NULL && (g->tif = pick(p, tifs, 3)) < 0) {
        fail(c, 400, -1115, "Invalid timeInForce.");
        return -1;
    }
    lx__snprintf(name, sizeof(name), "%sClientOrderId", pre);
    return opt_cid(c, name, &g->cid);
}

/* POST /api/v3/orderList/oco: aboveType/belowType and their prices. */
static void r_oco_new(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct oco_leg above, below;
    struct lx_decimal qty;
    const char *list_cid;
    int side, resp, stp;

    memset(&above, 0, sizeof(above));
    memset(&below, 0, sizeof(below));
    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        oco_common(c, &side, &qty, &resp, &stp) < 0 ||
        oco_leg_params(c, "above", &above) < 0 ||
        oco_leg_params(c, "below", &below) < 0 ||
        opt_cid(c, "listClientOrderId", &list_cid) < 0) {
        return;
    }
    place_oco(c, v, key, s, side, qty, &above, &below, list_cid, resp, stp);
}

/*
 * POST /api/v3/order/oco (deprecated): a LIMIT_MAKER at price and a
 * STOP_LOSS at stopPrice, or a STOP_LOSS_LIMIT when stopLimitPrice is sent
 * (stopLimitTimeInForce then required).
 */
static void r_oco_legacy(struct lx_mock_call *c, void *ud)
{
    static const char *const tifs[] = {"GTC", "IOC", "FOK"};
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct oco_leg lim, stop;
    struct lx_decimal qty;
    const char *list_cid, *p;
    int side, resp, stp, has_sl;

    memset(&lim, 0, sizeof(lim));
    memset(&stop, 0, sizeof(stop));
    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        oco_common(c, &side, &qty, &resp, &stp) < 0 ||
        need(c, "price") == NULL || opt_dec(c, "price", &lim.price) < 0 ||
        need(c, "stopPrice") == NULL ||
        opt_dec(c, "stopPrice", &stop.stop) < 0 ||
        (has_sl = opt_dec(c, "stopLimitPrice", &stop.price)) < 0 ||
        opt_cid(c, "limitClientOrderId", &lim.cid) < 0 ||
        opt_cid(c, "stopClientOrderId", &stop.cid) < 0 ||
        opt_cid(c, "listClientOrderId", &list_cid) < 0) {
        return;
    }
    lim.type = LX_ENG_LIMIT_MAKER;
    lim.tif = LX_ENG_GTC;
    stop.type = has_sl ? LX_ENG_STOP_LOSS_LIMIT : LX_ENG_STOP_LOSS;
    stop.tif = LX_ENG_GTC;
    p = lx_mock_call_param(c, "stopLimitTimeInForce", NULL);
    if (has_sl && p == NULL) {
        mandatory(c, "stopLimitTimeInForce");
        return;
    }
    if (p != NULL && (stop.tif = pick(p, tifs, 3)) < 0) {
        fail(c, 400, -1115, "Invalid timeInForce.");
        return;
    }
    place_oco(c, v, key, s, side, qty, &lim, &stop, list_cid, resp, stp);
}

/*
 * The list named by orderListId or by a list client id (parameter
 * cid_param); NULL after answering code / msg. Both sent: they must agree.
 */
static struct bn_list *find_list(struct lx_mock_call *c,
                                 struct lx_mock_bn_spot *v,
                                 const struct lx_mock_bn_key *key,
                                 const char *cid_param, int code,
                                 const char *msg)
{
    const char *cid = lx_mock_call_param(c, cid_param, NULL);
    struct bn_list *l = NULL;
    int64_t id;
    int has_id = opt_int(c, "orderListId", 0, 0, INT64_MAX, &id);
    size_t i;

    if (has_id < 0) {
        return NULL;
    }
    if (!has_id && cid == NULL) {
        failf(c, 400, -1102,
              "Param '%s' or 'orderListId' must be sent, but both were "
              "empty/null!",
              cid_param);
        return NULL;
    }
    if (has_id) {
        l = (size_t)id < v->nlists ? &v->lists[id] : NULL;
        if (l != NULL && cid != NULL && strcmp(l->cid, cid) != 0) {
            l = NULL;
        }
    } else {
        for (i = v->nlists; i-- > 0;) { /* the newest of that id */
            if (v->lists[i].account == key->account &&
                strcmp(v->lists[i].cid, cid) == 0) {
                l = &v->lists[i];
                break;
            }
        }
    }
    if (l == NULL || l->account != key->account) {
        fail(c, 400, code, msg);
        return NULL;
    }
    return l;
}

/* GET /api/v3/orderList: orderListId or origClientOrderId (its list id). */
static void r_list_get(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_list *l;

    if (key == NULL || (l = find_list(c, v, key, "origClientOrderId", -2013,
                                      "Order list does not exist.")) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    list_head(&v->sb, v, (size_t)(l - v->lists));
    lx_mock_sb_str(&v->sb, "}");
    send_sb(c, &v->sb);
}

/* DELETE /api/v3/orderList: cancels both legs; the list is ALL_DONE. */
static void r_list_delete(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct bn_symbol *s;
    struct bn_list *l;
    struct lx_eng_result res;
    struct lx_mock_sb *sb = &v->sb;
    char orig[2][LX_ENG_CID_MAX + 1], gen[23];
    const char *new_cid;
    size_t idx, i;

    if (key == NULL || (s = need_symbol(c, v)) == NULL ||
        (l = find_list(c, v, key, "listClientOrderId", -2011,
                       "Unknown order sent.")) == NULL) {
        return;
    }
    if (&v->syms[l->sym] != s || l->done) {
        fail(c, 400, -2011, "Unknown order sent.");
        return;
    }
    if (opt_cid(c, "newClientOrderId", &new_cid) < 0) {
        return;
    }
    idx = (size_t)(l - v->lists);
    for (i = 0; i < 2; i++) {
        const struct bn_order *o = lx__mbn_order(v, l->orders[i]);

        lx__snprintf(orig[i], sizeof(orig[i]), "%s", o != NULL ? o->cid : "");
    }
    /* Cancelling one leg cancels the other (spot.c, list_react). */
    lx__engine_cancel(v->eng, key->account, l->orders[0], NULL, 0,
                      lx__mbn_now_ns(v), &res);
    lx__mbn_drain(v);
    l = &v->lists[idx];
    if (new_cid == NULL) {
        gen_cid(v, gen, l->orders[0] ^ (uint64_t)lx_mock_call_now_ms(c));
        new_cid = gen;
    }
    lx_mock_sb_reset(sb);
    list_head(sb, v, idx);
    lx_mock_sb_str(sb, ",\"orderReports\":[");
    for (i = 0; i < 2; i++) {
        const struct bn_order *o = lx__mbn_order(v, l->orders[i]);

        if (i > 0) {
            lx_mock_sb_str(sb, ",");
        }
        if (o != NULL) {
            cancel_json(sb, v, o, orig[i], new_cid, lx_mock_call_now_ms(c));
        }
    }
    lx_mock_sb_str(sb, "]}");
    send_sb(c, sb);
}

/* GET /api/v3/openOrderList: the account's lists still executing. */
static void r_list_open(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    size_t i, n = 0;

    if (key == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < v->nlists; i++) {
        if (v->lists[i].account != key->account || v->lists[i].done) {
            continue;
        }
        lx_mock_sb_str(&v->sb, n++ > 0 ? "," : "");
        list_head(&v->sb, v, i);
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    send_sb(c, &v->sb);
}

/*
 * GET /api/v3/allOrderList: the account's lists by orderListId ascending;
 * fromId (not with the times), startTime/endTime (at most 24 h apart,
 * -1127), limit (default 500, at most 1000; without fromId or startTime
 * the most recent ones).
 */
static void r_list_all(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    int64_t from, start, end, limit;
    int has_from, has_start, has_end;
    size_t i, n = 0, skip = 0, out = 0;

    if (key == NULL ||
        (has_from = opt_int(c, "fromId", 0, 0, INT64_MAX, &from)) < 0 ||
        (has_start = opt_int(c, "startTime", 0, 0, INT64_MAX, &start)) < 0 ||
        (has_end = opt_int(c, "endTime", INT64_MAX, 0, INT64_MAX, &end)) < 0 ||
        opt_int(c, "limit", 500, 1, 1000, &limit) < 0) {
        return;
    }
    if (has_from && (has_start || has_end)) {
        fail(c, 400, -1128, "Combination of optional parameters invalid.");
        return;
    }
    if (has_start && has_end && end - start > 86400000) {
        fail(c, 400, -1127,
             "More than 24 hours between startTime and endTime.");
        return;
    }
    for (i = 0; i < v->nlists; i++) {
        const struct bn_list *l = &v->lists[i];

        n += l->account == key->account && (int64_t)i >= from &&
             l->time_ms >= start && l->time_ms <= end;
    }
    if (!has_from && !has_start && n > (size_t)limit) {
        skip = n - (size_t)limit;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < v->nlists && out < (size_t)limit; i++) {
        const struct bn_list *l = &v->lists[i];

        if (l->account != key->account || (int64_t)i < from ||
            l->time_ms < start || l->time_ms > end) {
            continue;
        }
        if (skip > 0) {
            skip--;
            continue;
        }
        lx_mock_sb_str(&v->sb, out++ > 0 ? "," : "");
        list_head(&v->sb, v, i);
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    send_sb(c, &v->sb);
}

static struct lx_decimal at8(struct lx_decimal d)
{
    struct lx_decimal out;

    return lx_decimal_rescale(d, BN_SCALE, LX_ROUND_HALF_EVEN, &out) == LX_OK
               ? out
               : d;
}

/* Fee rate in basis points as the account's integer commission fields. */
static int64_t bps(struct lx_decimal rate)
{
    int64_t n = 0;

    if (lx_decimal_to_ticks(rate, lx_decimal_from_i64(1, 4), &n) != LX_OK) {
        return 0;
    }
    return n;
}

static void r_account(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_SIGNED);
    struct lx_mock_sb *sb = &v->sb;
    size_t i, k = 0;

    if (key == NULL) {
        return;
    }
    for (i = 0; i < v->naccounts; i++) {
        if (v->keys[i].account == key->account) {
            k = i;
        }
    }
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"makerCommission\":", bps(v->maker_fee[k]));
    lx_mock_sb_kv_i64(sb, ",\"takerCommission\":", bps(v->taker_fee[k]));
    lx_mock_sb_str(sb, ",\"buyerCommission\":0,\"sellerCommission\":0");
    lx_mock_sb_kv_dec(sb,
                      ",\"commissionRates\":{\"maker\":", at8(v->maker_fee[k]));
    lx_mock_sb_kv_dec(sb, ",\"taker\":", at8(v->taker_fee[k]));
    lx_mock_sb_str(sb, ",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"}"
                       ",\"canTrade\":true,\"canWithdraw\":true,"
                       "\"canDeposit\":true,\"brokered\":false,"
                       "\"requireSelfTradePrevention\":false,"
                       "\"preventSor\":false");
    lx_mock_sb_kv_i64(sb, ",\"updateTime\":", lx_mock_call_now_ms(c));
    lx_mock_sb_str(sb, ",\"accountType\":\"SPOT\",\"balances\":[");
    for (i = 0; i < v->nassets; i++) {
        int64_t fr = 0, lk = 0;

        lx__engine_balance(v->eng, key->account, v->assets[i].id, &fr, &lk);
        lx_mock_sb_kv_str(
            sb, i > 0 ? ",{\"asset\":" : "{\"asset\":", v->assets[i].name);
        lx_mock_sb_kv_dec(sb,
                          ",\"free\":", lx__mbn_amt(v, v->assets[i].id, fr));
        lx_mock_sb_kv_dec(sb,
                          ",\"locked\":", lx__mbn_amt(v, v->assets[i].id, lk));
        lx_mock_sb_str(sb, "}");
    }
    lx_mock_sb_kv_i64(sb, "],\"permissions\":[\"SPOT\"],\"uid\":",
                      1000000 + (int64_t)key->account);
    lx_mock_sb_str(sb, "}");
    send_sb(c, sb);
}

/* ---- admin state dump ------------------------------------------------- */

static void state_books(struct lx_mock_bn_spot *v, size_t levels,
                        struct lx_mock_sb *sb)
{
    size_t i;

    lx_mock_sb_str(sb, ",\"books\":{");
    for (i = 0; i < v->nsyms; i++) {
        const struct bn_symbol *s = &v->syms[i];

        lx_mock_sb_str(sb, i > 0 ? "," : "");
        lx_mock_sb_json_str(sb, s->name);
        lx_mock_sb_kv_i64(sb, ":{\"lastUpdateId\":", s->update_id);
        lx_mock_sb_str(sb, ",\"bids\":");
        levels_json(sb, v, s, 0, levels);
        lx_mock_sb_str(sb, ",\"asks\":");
        levels_json(sb, v, s, 1, levels);
        lx_mock_sb_str(sb, "}");
    }
    lx_mock_sb_str(sb, "}");
}

static const char *key_of(const struct lx_mock_bn_spot *v, uint64_t account)
{
    size_t i;

    for (i = 0; i < v->naccounts; i++) {
        if (v->keys[i].account == account) {
            return v->keys[i].api_key;
        }
    }
    return "";
}

/* Accounts by API key (never their secrets), then open orders. */
static void state_accounts(struct lx_mock_bn_spot *v, struct lx_mock_sb *sb)
{
    size_t i, j, n = 0;

    lx_mock_sb_str(sb, ",\"balances\":{");
    for (i = 0; i < v->naccounts; i++) {
        lx_mock_sb_str(sb, i > 0 ? "," : "");
        lx_mock_sb_json_str(sb, v->keys[i].api_key);
        lx_mock_sb_str(sb, ":{");
        for (j = 0; j < v->nassets; j++) {
            int64_t fr = 0, lk = 0;

            lx__engine_balance(v->eng, (uint32_t)v->keys[i].account,
                               v->assets[j].id, &fr, &lk);
            lx_mock_sb_str(sb, j > 0 ? "," : "");
            lx_mock_sb_json_str(sb, v->assets[j].name);
            lx_mock_sb_kv_dec(
                sb, ":{\"free\":", lx__mbn_amt(v, v->assets[j].id, fr));
            lx_mock_sb_kv_dec(
                sb, ",\"locked\":", lx__mbn_amt(v, v->assets[j].id, lk));
            lx_mock_sb_str(sb, "}");
        }
        lx_mock_sb_str(sb, "}");
    }
    lx_mock_sb_str(sb, "},\"open_orders\":[");
    for (i = 0; i < v->orders_cap; i++) {
        const struct bn_order *o = &v->orders[i];

        if (o->id == 0 || o->id == BN_TOMB || !order_open(o)) {
            continue;
        }
        lx_mock_sb_kv_str(sb, n++ > 0 ? ",{\"apiKey\":" : "{\"apiKey\":",
                          key_of(v, o->account));
        lx_mock_sb_str(sb, ",\"order\":");
        order_json(sb, v, o);
        lx_mock_sb_str(sb, "}");
    }
    lx_mock_sb_str(sb, "]");
}

int lx_mock_bn_spot_state(struct lx_mock_bn_spot *v, size_t levels,
                          struct lx_mock_sb *sb)
{
    lx_mock_sb_kv_i64(sb, "{\"time\":", lx__mbn_now_ms(v));
    state_books(v, levels, sb);
    state_accounts(v, sb);
    lx_mock_sb_str(sb, "}");
    return sb->err;
}

/* ---- user-data streams ----------------------------------------------- */

static struct bn_listen *listen_find(struct lx_mock_bn_spot *v, const char *key)
{
    size_t i;

    for (i = 0; key != NULL && i < v->nlisten; i++) {
        if (strcmp(v->listen[i].key, key) == 0) {
            return &v->listen[i];
        }
    }
    return NULL;
}

/* For the hub: /ws/<listenKey> subscribes to the account's stream. */
static const char *listen_resolve(const char *key, void *ud)
{
    struct bn_listen *l = listen_find(ud, key);

    return l != NULL ? l->stream : NULL;
}

static void r_listen_new(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_APIKEY);
    struct bn_listen *l = NULL;
    size_t i;

    if (key == NULL) {
        return;
    }
    for (i = 0; i < v->nlisten; i++) {
        if (v->listen[i].account == key->account) {
            l = &v->listen[i]; /* one key per account, as the venue */
        }
    }
    if (l == NULL) {
        if (v->nlisten == BN_MAX_LISTEN) {
            fail(c, 400, -1125, "This listenKey does not exist.");
            return;
        }
        l = &v->listen[v->nlisten++];
        gen_id(l->key, 60, ++v->listen_seq << 8 ^ key->account);
        l->account = key->account;
        lx__mbn_user_stream(key->account, l->stream);
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_str(&v->sb, "{\"listenKey\":", l->key);
    lx_mock_sb_str(&v->sb, "}");
    send_sb(c, &v->sb);
}

static void r_listen_keep(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    const struct lx_mock_bn_key *key = auth(c, v, LX_MOCK_BN_APIKEY);
    const char *lk;
    struct bn_listen *l;

    if (key == NULL || (lk = need(c, "listenKey")) == NULL) {
        return;
    }
    l = listen_find(v, lk);
    if (l == NULL || l->account != key->account) {
        fail(c, 400, -1125, "This listenKey does not exist.");
        return;
    }
    if (strcmp(lx_http_msg_method(lx_mock_call_msg(c)), "DELETE") == 0) {
        *l = v->listen[--v->nlisten];
    }
    lx_mock_respond_json(c, 200, "{}", 2);
}

/*
 * Expires listen keys as the venue does after 60 minutes without a
 * keepalive: the stream gets {"e":"listenKeyExpired","E":..,"listenKey":..}
 * and nothing more, and the key is gone (PUT answers -1125).
 */
int lx_mock_bn_spot_expire_listen(struct lx_mock_bn_spot *v, const char *key,
                                  size_t *n)
{
    size_t i = 0;

    *n = 0;
    while (i < v->nlisten) {
        struct bn_listen *l = &v->listen[i];

        if (key != NULL && strcmp(l->key, key) != 0) {
            i++;
            continue;
        }
        lx_mock_sb_reset(&v->sb);
        lx_mock_sb_kv_str(&v->sb, "{\"e\":", "listenKeyExpired");
        lx_mock_sb_kv_i64(&v->sb, ",\"E\":", lx__mbn_now_ms(v));
        lx_mock_sb_kv_str(&v->sb, ",\"listenKey\":", l->key);
        lx_mock_sb_str(&v->sb, "}");
        if (v->sb.err != LX_OK) {
            return v->sb.err;
        }
        lx_mock_bn_hub_expire(v->hub, l->stream, v->sb.buf, v->sb.len);
        *l = v->listen[--v->nlisten];
        (*n)++;
    }
    return LX_OK;
}

/* ---- WebSocket API (/ws-api/v3): the user-data subscription CCXT uses --- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "k=v&..." of params sorted by key, signature left out; NULL on error. */
static char *sorted_params(const cJSON *params, const char **sig)
{
    const cJSON *p;
    const char *keys[32];
    size_t n = 0, i, len = 0;
    char *out, num[32];

    *sig = NULL;
    cJSON_ArrayForEach (p, params) {
        if (strcmp(p->string, "signature") == 0) {
            *sig = cJSON_IsString(p) ? p->valuestring : NULL;
        } else if (n < LX_ARRAY_LEN(keys)) {
            keys[n++] = p->string;
        } else {
            return NULL;
        }
    }
    qsort(keys, n, sizeof(keys[0]), cmp_str);
    out = lx__malloc(NULL, 4096);
    if (out == NULL) {
        return NULL;
    }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, keys[i]);
        const char *val = cJSON_IsString(v) ? v->valuestring : num;
        int w;

        if (cJSON_IsNumber(v)) {
            lx__snprintf(num, sizeof(num), "%.0f", v->valuedouble);
        } else if (!cJSON_IsString(v)) {
            lx__free(NULL, out);
            return NULL;
        }
        w = lx__snprintf(out + len, 4096 - len, "%s%s=%s", i > 0 ? "&" : "",
                         keys[i], val);
        if (w < 0) {
            lx__free(NULL, out);
            return NULL;
        }
        len += (size_t)w;
    }
    return out;
}

static void api_answer(struct lx_mock_bn_conn *conn, struct lx_mock_sb *sb,
                       const char *id, int status, int code, const char *msg,
                       const char *result)
{
    lx_mock_sb_reset(sb);
    lx_mock_sb_str(sb, "{\"id\":");
    lx_mock_sb_str(sb, id);
    lx_mock_sb_kv_i64(sb, ",\"status\":", status);
    if (msg != NULL) {
        lx_mock_sb_kv_i64(sb, ",\"error\":{\"code\":", code);
        lx_mock_sb_kv_str(sb, ",\"msg\":", msg);
        lx_mock_sb_str(sb, "}");
    } else {
        lx_mock_sb_str(sb, ",\"result\":");
        lx_mock_sb_str(sb, result);
    }
    lx_mock_sb_str(sb, ",\"rateLimits\":[]}");
    if (sb->err == LX_OK) {
        lx_mock_bn_hub_reply(conn, sb->buf, sb->len);
    }
}

static void api_subscribe(struct lx_mock_bn_spot *v,
                          struct lx_mock_bn_conn *conn, const char *id,
                          const cJSON *params)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(params, "apiKey");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(params, "timestamp");
    const cJSON *rw = cJSON_GetObjectItemCaseSensitive(params, "recvWindow");
    const struct lx_mock_bn_key *key = NULL;
    const char *sig;
    char *payload, stream[24], res[48];
    size_t i;
    int ok;
    int64_t t, now = lx__mbn_now_ms(v), window = 5000, sub;

    for (i = 0; cJSON_IsString(k) && i < v->naccounts; i++) {
        if (strcmp(v->keys[i].api_key, k->valuestring) == 0) {
            key = &v->keys[i];
        }
    }
    if (key == NULL) {
        api_answer(conn, &v->sb2, id, 401, -2015,
                   "Invalid API-key, IP, or permissions for action.", NULL);
        return;
    }
    t = cJSON_IsNumber(ts)   ? (int64_t)ts->valuedouble
        : cJSON_IsString(ts) ? 0
                             : -1;
    if (cJSON_IsString(ts) &&
        lx__parse_i64(ts->valuestring, strlen(ts->valuestring), &t) != LX_OK) {
        t = -1;
    }
    if (cJSON_IsNumber(rw)) {
        window = (int64_t)rw->valuedouble;
    }
    if (t < 0 || t > now + 1000 || now - t > window) {
        api_answer(conn, &v->sb2, id, 400, -1021,
                   "Timestamp for this request is outside of the recvWindow.",
                   NULL);
        return;
    }
    payload = sorted_params(params, &sig);
    if (payload == NULL || sig == NULL) {
        lx__free(NULL, payload);
        api_answer(conn, &v->sb2, id, 400, -1102,
                   "Mandatory parameter 'signature' was not sent, was "
                   "empty/null, or malformed.",
                   NULL);
        return;
    }
    /* HMAC (hex) or Ed25519 (base64), as the key was registered. */
    ok = lx_mock_bn_verify(key, payload, strlen(payload), sig, strlen(sig));
    lx__free(NULL, payload);
    if (ok != 1) {
        api_answer(conn, &v->sb2, id, 400, -1022,
                   "Signature for this request is not valid.", NULL);
        return;
    }
    lx__mbn_user_stream(key->account, stream);
    if (lx_mock_bn_hub_attach(conn, stream, &sub) != LX_OK) {
        api_answer(conn, &v->sb2, id, 503, -1000, "Internal error.", NULL);
        return;
    }
    lx__snprintf(res, sizeof(res), "{\"subscriptionId\":%lld}", (long long)sub);
    api_answer(conn, &v->sb2, id, 200, 0, NULL, res);
}

static void api_message(struct lx_mock_bn_conn *conn, const char *text,
                        size_t len, void *ud)
{
    struct lx_mock_bn_spot *v = ud;
    cJSON *o = cJSON_ParseWithLength(text, len);
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(o, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(o, "params");
    char *id = NULL, res[48];

    if (o != NULL && cJSON_GetObjectItemCaseSensitive(o, "id") != NULL) {
        id = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "id"));
    }
    if (o == NULL || !cJSON_IsString(method)) {
        api_answer(conn, &v->sb2, id != NULL ? id : "null", 400, -1100,
                   "Illegal characters found in a parameter.", NULL);
    } else if (strcmp(method->valuestring, "ping") == 0) {
        api_answer(conn, &v->sb2, id != NULL ? id : "null", 200, 0, NULL, "{}");
    } else if (strcmp(method->valuestring, "time") == 0) {
        lx__snprintf(res, sizeof(res), "{\"serverTime\":%lld}",
                     (long long)lx__mbn_now_ms(v));
        api_answer(conn, &v->sb2, id != NULL ? id : "null", 200, 0, NULL, res);
    } else if (strcmp(method->valuestring,
                      "userDataStream.subscribe.signature") == 0 &&
               cJSON_IsObject(params)) {
        api_subscribe(v, conn, id != NULL ? id : "null", params);
    } else {
        api_answer(conn, &v->sb2, id != NULL ? id : "null", 400, -1100,
                   "Unknown method.", NULL);
    }
    cJSON_free(id);
    cJSON_Delete(o);
}

/* ---- table
 * -------------------------------------------------------------------- */

int lx__mbn_spot_routes(struct lx_mock_bn_spot *v)
{
    static const struct {
        const char *method, *path;
        int weight, flags;
        lx_mock_route_fn fn;
    } t[] = {
        {"GET", "/api/v3/ping", 1, 0, r_ping},
        {"GET", "/api/v3/time", 1, 0, r_time},
        {"GET", "/api/v3/exchangeInfo", 20, 0, r_exchange_info},
        {"GET", "/api/v3/depth", 5, 0, r_depth},
        {"GET", "/api/v3/trades", 25, 0, r_trades},
        {"GET", "/api/v3/ticker/bookTicker", 2, 0, r_book_ticker},
        {"GET", "/api/v3/ticker/price", 2, 0, r_price},
        {"GET", "/api/v3/ticker/24hr", 2, 0, r_ticker_24h},
        {"GET", "/api/v3/aggTrades", 4, 0, r_agg_trades},
        {"GET", "/api/v3/klines", 2, 0, r_klines},
        {"GET", "/api/v3/myTrades", 20, 0, r_my_trades},
        {"POST", "/api/v3/order", 1, LX_MOCK_ROUTE_ORDER, r_order_post},
        {"POST", "/api/v3/order/test", 1, 0, r_order_test},
        {"GET", "/api/v3/order", 4, 0, r_order_get},
        {"DELETE", "/api/v3/order", 1, 0, r_order_delete},
        {"PUT", "/api/v3/order/amend/keepPriority", 4, 0, r_amend_keep},
        {"POST", "/api/v3/order/cancelReplace", 1, LX_MOCK_ROUTE_ORDER,
         r_cancel_replace},
        {"POST", "/api/v3/orderList/oco", 1, LX_MOCK_ROUTE_ORDER, r_oco_new},
        {"POST", "/api/v3/order/oco", 1, LX_MOCK_ROUTE_ORDER, r_oco_legacy},
        {"GET", "/api/v3/orderList", 4, 0, r_list_get},
        {"DELETE", "/api/v3/orderList", 1, 0, r_list_delete},
        {"GET", "/api/v3/openOrderList", 6, 0, r_list_open},
        {"GET", "/api/v3/allOrderList", 20, 0, r_list_all},
        {"GET", "/api/v3/openOrders", 6, 0, r_open_orders},
        {"GET", "/api/v3/allOrders", 20, 0, r_all_orders},
        {"DELETE", "/api/v3/openOrders", 1, 0, r_cancel_all},
        {"GET", "/api/v3/account", 20, 0, r_account},
        {"POST", "/api/v3/userDataStream", 2, 0, r_listen_new},
        {"PUT", "/api/v3/userDataStream", 2, 0, r_listen_keep},
        {"DELETE", "/api/v3/userDataStream", 2, 0, r_listen_keep},
    };
    size_t i;
    int rc = LX_OK;

    for (i = 0; i < LX_ARRAY_LEN(t) && rc == LX_OK; i++) {
        rc = lx_mock_door_route(v->door, t[i].method, t[i].path, t[i].weight,
                                t[i].flags, t[i].fn, v);
    }
    if (rc == LX_OK) {
        rc = lx_mock_door_set_weigher(v->door, "GET", "/api/v3/depth",
                                      depth_weigher);
    }
    lx_mock_bn_hub_set_user(v->hub, listen_resolve, v);
    lx_mock_bn_hub_set_api(v->hub, api_message, v);
    return rc;
}
