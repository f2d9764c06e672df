/*
 * codec_ws.c - Binance spot and USD-M WebSocket text frames into
 * lx_types.h values: market streams (depthUpdate, trade, aggTrade, kline,
 * bookTicker, markPriceUpdate, 24hrTicker), user-data events
 * (executionReport, outboundAccountPosition, balanceUpdate,
 * ORDER_TRADE_UPDATE, TRADE_LITE, ALGO_UPDATE,
 * ACCOUNT_UPDATE, listenKeyExpired, eventStreamTerminated), replies to
 * SUBSCRIBE, and error replies.
 *
 * Envelopes are peeled first: the combined stream's {"stream","data"} and
 * the WebSocket API's {"subscriptionId","event"}. The event is then told
 * apart by its "e" field (or by its shape, for spot bookTicker frames which
 * have none). Anything else that is valid JSON comes back as
 * LX_BN_MSG_UNMAPPED with the event name or the first key in msg->event,
 * so the caller delivers it raw; no frame is dropped.
 *
 * The high-volume market frames and the user-data events are first offered
 * to the tree-free scanner of codec_ws_fast.c, which gives the same result
 * without cJSON or declines; what follows here is the reference path it
 * must match.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "venues/binance/codec_int.h"

/* ---- Market streams -------------------------------------------------------
 */

static int depth_update(struct bn_pc *pc, const cJSON *d, struct lx_depth *out)
{
    struct lx_json_err *je = pc->je;
    const cJSON *b = NULL, *a = NULL;

    out->prev_final_id = -1;
    lx__bn_str(d, "s", out->symbol, sizeof(out->symbol), true, je);
    lx__json_get_i64(d, "E", &out->event_ms, je);
    lx__bn_i64(d, "T", 0, &out->tx_ms, je);
    lx__json_get_i64(d, "U", &out->first_id, je);
    lx__json_get_i64(d, "u", &out->final_id, je);
    lx__bn_i64(d, "pu", -1, &out->prev_final_id, je);
    lx__json_get_arr(d, "b", &b, je);
    lx__json_get_arr(d, "a", &a, je);
    if (je->code != LX_OK) {
        return je->code;
    }
    if (lx__bn_levels(pc, b, &out->bids, &out->nbids) != LX_OK) {
        lx__json_err_prefix(je, "b");
        return je->code;
    }
    if (lx__bn_levels(pc, a, &out->asks, &out->nasks) != LX_OK) {
        lx__json_err_prefix(je, "a");
    }
    return je->code;
}

static int trade(const cJSON *d, bool agg, struct lx_trade *t,
                 struct lx_json_err *je)
{
    t->is_aggregate = agg;
    t->first_trade_id = t->last_trade_id = -1;
    lx__bn_str(d, "s", t->symbol, sizeof(t->symbol), true, je);
    lx__json_get_i64(d, "E", &t->event_ms, je);
    lx__json_get_i64(d, agg ? "a" : "t", &t->trade_id, je);
    lx__json_get_decimal(d, "p", &t->price, je);
    lx__json_get_decimal(d, "q", &t->qty, je);
    lx__json_get_i64(d, "T", &t->trade_ms, je);
    lx__json_get_bool(d, "m", &t->buyer_is_maker, je);
    if (agg) {
        lx__bn_i64(d, "f", -1, &t->first_trade_id, je);
        lx__bn_i64(d, "l", -1, &t->last_trade_id, je);
    }
    t->taker_side = t->buyer_is_maker ? LX_SIDE_SELL : LX_SIDE_BUY;
    return je->code;
}

static int kline(const cJSON *d, struct lx_kline *k, struct lx_json_err *je)
{
    const cJSON *x = NULL;

    lx__json_get_i64(d, "E", &k->event_ms, je);
    if (lx__json_get_obj(d, "k", &x, je) != LX_OK) {
        return je->code;
    }
    lx__bn_str(x, "s", k->symbol, sizeof(k->symbol), true, je);
    lx__bn_str(x, "i", k->interval, sizeof(k->interval), true, je);
    lx__json_get_i64(x, "t", &k->open_ms, je);
    lx__json_get_i64(x, "T", &k->close_ms, je);
    lx__bn_i64(x, "f", -1, &k->first_trade_id, je);
    lx__bn_i64(x, "L", -1, &k->last_trade_id, je);
    lx__json_get_decimal(x, "o", &k->open, je);
    lx__json_get_decimal(x, "h", &k->high, je);
    lx__json_get_decimal(x, "l", &k->low, je);
    lx__json_get_decimal(x, "c", &k->close, je);
    lx__json_get_decimal(x, "v", &k->volume, je);
    lx__bn_dec(x, "q", &k->quote_volume, je);
    lx__bn_dec(x, "V", &k->taker_buy_volume, je);
    lx__bn_dec(x, "Q", &k->taker_buy_quote_volume, je);
    lx__bn_i64(x, "n", 0, &k->trades, je);
    lx__json_get_bool(x, "x", &k->closed, je);
    if (je->code != LX_OK) {
        lx__json_err_prefix(je, "k");
    }
    return je->code;
}

static int book_ticker(const cJSON *d, struct lx_book_ticker *t,
                       struct lx_json_err *je)
{
    lx__bn_str(d, "s", t->symbol, sizeof(t->symbol), true, je);
    lx__json_get_i64(d, "u", &t->update_id, je);
    lx__json_get_decimal(d, "b", &t->bid, je);
    lx__json_get_decimal(d, "B", &t->bid_qty, je);
    lx__json_get_decimal(d, "a", &t->ask, je);
    lx__json_get_decimal(d, "A", &t->ask_qty, je);
    lx__bn_i64(d, "E", 0, &t->event_ms, je);
    lx__bn_i64(d, "T", 0, &t->tx_ms, je);
    return je->code;
}

static int mark_price(const cJSON *d, struct lx_mark_price *mp,
                      struct lx_json_err *je)
{
    lx__bn_str(d, "s", mp->symbol, sizeof(mp->symbol), true, je);
    lx__json_get_i64(d, "E", &mp->event_ms, je);
    lx__json_get_decimal(d, "p", &mp->mark, je);
    lx__bn_dec(d, "i", &mp->index, je);
    lx__bn_dec(d, "P", &mp->est_settle, je);
    lx__bn_dec(d, "r", &mp->funding_rate, je);
    lx__bn_i64(d, "T", 0, &mp->next_funding_ms, je);
    return je->code;
}

/* 24hrTicker (spot; USD-M sends the same without the book fields). */
static int ticker(const cJSON *d, struct lx_ticker *t, struct lx_json_err *je)
{
    lx__bn_str(d, "s", t->symbol, sizeof(t->symbol), true, je);
    lx__json_get_decimal(d, "c", &t->last, je);
    lx__bn_dec(d, "o", &t->open, je);
    lx__bn_dec(d, "h", &t->high, je);
    lx__bn_dec(d, "l", &t->low, je);
    lx__bn_dec(d, "p", &t->change, je);
    lx__bn_dec(d, "P", &t->change_pct, je);
    lx__bn_dec(d, "v", &t->volume, je);
    lx__bn_dec(d, "q", &t->quote_volume, je);
    lx__bn_dec(d, "b", &t->bid, je);
    lx__bn_dec(d, "B", &t->bid_qty, je);
    lx__bn_dec(d, "a", &t->ask, je);
    lx__bn_dec(d, "A", &t->ask_qty, je);
    lx__bn_i64(d, "O", 0, &t->open_ms, je);
    lx__bn_i64(d, "C", 0, &t->close_ms, je);
    lx__bn_i64(d, "n", 0, &t->trades, je);
    return je->code;
}

/* ---- User data ------------------------------------------------------------
 */

/* The fields executionReport and the USD-M order object share. */
static void order_common(const cJSON *o, struct lx_order *out,
                         struct lx_json_err *je)
{
    lx__bn_str(o, "s", out->symbol, sizeof(out->symbol), true, je);
    lx__bn_str(o, "c", out->client_id, sizeof(out->client_id), false, je);
    lx__bn_id(o, "i", out->order_id, sizeof(out->order_id), true, je);
    out->side = lx__bn_side(lx__bn_peek(o, "S"));
    out->tif = lx__bn_tif(lx__bn_peek(o, "f"));
    out->exec_type = lx__bn_exec_type(lx__bn_peek(o, "x"));
    lx__bn_str(o, "X", out->status_raw, sizeof(out->status_raw), true, je);
    out->status = lx__bn_status(out->status_raw);
    lx__bn_dec(o, "q", &out->qty, je);
    lx__bn_dec(o, "p", &out->price, je);
    lx__bn_dec(o, "l", &out->last_qty, je);
    lx__bn_dec(o, "z", &out->filled_qty, je);
    lx__bn_dec(o, "L", &out->last_price, je);
    lx__bn_dec(o, "n", &out->commission, je);
    lx__bn_str(o, "N", out->commission_asset, sizeof(out->commission_asset),
               false, je);
    lx__bn_i64(o, "T", 0, &out->update_ms, je);
    lx__bn_i64(o, "t", -1, &out->trade_id, je);
    lx__bn_bool(o, "m", &out->maker, je);
    out->has_details = true;
    out->list_id = -1;
}

static int execution_report(const cJSON *d, struct lx_order *o,
                            struct lx_json_err *je)
{
    order_common(d, o, je);
    o->type = lx__bn_order_type(LX_BN_SPOT, lx__bn_peek(d, "o"));
    o->orig_type = o->type;
    lx__bn_str(d, "C", o->orig_client_id, sizeof(o->orig_client_id), false, je);
    lx__bn_str(d, "r", o->reject_reason, sizeof(o->reject_reason), false, je);
    lx__bn_dec(d, "P", &o->stop_price, je);
    lx__bn_dec(d, "F", &o->iceberg_qty, je);
    lx__bn_dec(d, "Z", &o->cum_quote, je);
    lx__bn_dec(d, "Q", &o->quote_qty, je);
    lx__bn_i64(d, "g", -1, &o->list_id, je);
    lx__bn_i64(d, "O", 0, &o->create_ms, je);
    lx__bn_bool(d, "w", &o->is_working, je);
    lx__json_get_i64(d, "E", &o->event_ms, je);
    return je->code;
}

static int order_trade_update(const cJSON *d, struct lx_order *out,
                              struct lx_json_err *je)
{
    const cJSON *o = NULL;

    lx__json_get_i64(d, "E", &out->event_ms, je);
    if (lx__json_get_obj(d, "o", &o, je) != LX_OK) {
        return je->code;
    }
    order_common(o, out, je);
    out->type = lx__bn_order_type(LX_BN_USDM, lx__bn_peek(o, "o"));
    out->orig_type = lx__bn_order_type(LX_BN_USDM, lx__bn_peek(o, "ot"));
    out->position_side = lx__bn_position_side(lx__bn_peek(o, "ps"));
    lx__bn_dec(o, "ap", &out->avg_price, je);
    lx__bn_dec(o, "sp", &out->stop_price, je);
    lx__bn_dec(o, "AP", &out->activation_price, je);
    lx__bn_dec(o, "cr", &out->callback_rate, je);
    lx__bn_dec(o, "rp", &out->realized_pnl, je);
    lx__bn_bool(o, "R", &out->reduce_only, je);
    lx__bn_bool(o, "cp", &out->close_position, je);
    if (je->code != LX_OK) {
        lx__json_err_prefix(je, "o");
    }
    return je->code;
}

/* USD-M TRADE_LITE: a fill of one of our orders, few fields. */
static int trade_lite(const cJSON *d, struct lx_order *o,
                      struct lx_json_err *je)
{
    o->list_id = -1;
    o->exec_type = LX_EXEC_TRADE;
    lx__bn_str(d, "s", o->symbol, sizeof(o->symbol), true, je);
    lx__bn_str(d, "c", o->client_id, sizeof(o->client_id), false, je);
    lx__bn_id(d, "i", o->order_id, sizeof(o->order_id), true, je);
    o->side = lx__bn_side(lx__bn_peek(d, "S"));
    lx__bn_dec(d, "q", &o->qty, je);
    lx__bn_dec(d, "p", &o->price, je);
    lx__json_get_decimal(d, "L", &o->last_price, je);
    lx__json_get_decimal(d, "l", &o->last_qty, je);
    lx__bn_i64(d, "t", -1, &o->trade_id, je);
    lx__bn_bool(d, "m", &o->maker, je);
    lx__json_get_i64(d, "E", &o->event_ms, je);
    lx__bn_i64(d, "T", 0, &o->update_ms, je);
    return je->code;
}

/* USD-M ALGO_UPDATE: a conditional order of the algo service. */
static int algo_update(const cJSON *d, struct lx_order *out,
                       struct lx_json_err *je)
{
    const cJSON *o = NULL;

    out->is_algo = true;
    out->list_id = -1;
    out->has_details = true;
    lx__json_get_i64(d, "E", &out->event_ms, je);
    lx__bn_i64(d, "T", 0, &out->update_ms, je);
    if (lx__json_get_obj(d, "o", &o, je) != LX_OK) {
        return je->code;
    }
    lx__bn_id(o, "aid", out->order_id, sizeof(out->order_id), true, je);
    lx__bn_str(o, "caid", out->client_id, sizeof(out->client_id), false, je);
    lx__bn_str(o, "s", out->symbol, sizeof(out->symbol), true, je);
    lx__bn_str(o, "X", out->status_raw, sizeof(out->status_raw), true, je);
    out->status = lx__bn_algo_status(out->status_raw);
    out->type = lx__bn_order_type(LX_BN_USDM, lx__bn_peek(o, "o"));
    out->orig_type = out->type;
    out->side = lx__bn_side(lx__bn_peek(o, "S"));
    out->position_side = lx__bn_position_side(lx__bn_peek(o, "ps"));
    out->tif = lx__bn_tif(lx__bn_peek(o, "f"));
    lx__bn_dec(o, "q", &out->qty, je);
    lx__bn_dec(o, "p", &out->price, je);
    lx__bn_dec(o, "tp", &out->stop_price, je);
    lx__bn_dec(o, "ap", &out->avg_price, je);
    lx__bn_dec(o, "aq", &out->filled_qty, je);
    lx__bn_dec(o, "cr", &out->callback_rate, je);
    lx__bn_id(o, "ai", out->actual_order_id, sizeof(out->actual_order_id),
              false, je);
    lx__bn_str(o, "rm", out->reject_reason, sizeof(out->reject_reason), false,
               je);
    lx__bn_bool(o, "R", &out->reduce_only, je);
    lx__bn_bool(o, "cp", &out->close_position, je);
    if (je->code != LX_OK) {
        lx__json_err_prefix(je, "o");
    }
    return je->code;
}

static int spot_bal(struct bn_pc *pc, const cJSON *b, struct lx_balance *out)
{
    lx__bn_str(b, "a", out->asset, sizeof(out->asset), true, pc->je);
    lx__json_get_decimal(b, "f", &out->free, pc->je);
    lx__json_get_decimal(b, "l", &out->locked, pc->je);
    return pc->je->code;
}

static int usdm_bal(struct bn_pc *pc, const cJSON *b, struct lx_balance *out)
{
    lx__bn_str(b, "a", out->asset, sizeof(out->asset), true, pc->je);
    lx__json_get_decimal(b, "wb", &out->wallet, pc->je);
    lx__bn_dec(b, "cw", &out->cross_wallet, pc->je);
    lx__bn_dec(b, "bc", &out->delta, pc->je);
    return pc->je->code;
}

static int usdm_pos(struct bn_pc *pc, const cJSON *p, struct lx_position *out)
{
    struct lx_json_err *je = pc->je;
    const char *mt = lx__bn_peek(p, "mt");

    lx__bn_str(p, "s", out->symbol, sizeof(out->symbol), true, je);
    lx__json_get_decimal(p, "pa", &out->amount, je);
    lx__bn_dec(p, "ep", &out->entry_price, je);
    lx__bn_dec(p, "bep", &out->break_even_price, je);
    lx__bn_dec(p, "cr", &out->realized_pnl, je);
    lx__bn_dec(p, "up", &out->unrealized_pnl, je);
    lx__bn_dec(p, "iw", &out->isolated_wallet, je);
    out->side = lx__bn_position_side(lx__bn_peek(p, "ps"));
    if (mt != NULL) {
        out->margin_type =
            strcmp(mt, "isolated") == 0 ? LX_MARGIN_ISOLATED : LX_MARGIN_CROSS;
    }
    return je->code;
}

typedef int (*elem_fn)(struct bn_pc *pc, const cJSON *e, void *out);

static int elems(struct bn_pc *pc, const cJSON *obj, const char *key,
                 bool required, size_t sz, elem_fn fn, void **out, size_t *n)
{
    const cJSON *arr = NULL, *c;
    size_t i = 0, cnt = 0;
    char seg[40];

    *out = NULL;
    *n = 0;
    if (required) {
        lx__json_get_arr(obj, key, &arr, pc->je);
    } else {
        lx__json_opt_arr(obj, key, &arr, pc->je);
    }
    if (pc->je->code != LX_OK || arr == NULL) {
        return pc->je->code;
    }
    cJSON_ArrayForEach (c, arr) {
        cnt++;
    }
    *out = lx__bn_alloc(pc, cnt, sz);
    if (*out == NULL && cnt > 0) {
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

static int account_position(struct bn_pc *pc, const cJSON *d,
                            struct lx_bn_account_update *a)
{
    lx__bn_i64(d, "u", 0, &a->tx_ms, pc->je);
    return elems(pc, d, "B", true, sizeof(*a->balances), (elem_fn)spot_bal,
                 (void **)&a->balances, &a->nbalances);
}

static int balance_update(struct bn_pc *pc, const cJSON *d,
                          struct lx_bn_account_update *a)
{
    struct lx_balance *b = lx__bn_alloc(pc, 1, sizeof(*b));

    if (b == NULL) {
        return pc->je->code;
    }
    lx__bn_str(d, "a", b->asset, sizeof(b->asset), true, pc->je);
    lx__json_get_decimal(d, "d", &b->delta, pc->je);
    lx__bn_i64(d, "T", 0, &a->tx_ms, pc->je);
    b->update_ms = a->tx_ms;
    a->balances = b;
    a->nbalances = 1;
    return pc->je->code;
}

static int account_update(struct bn_pc *pc, const cJSON *d,
                          struct lx_bn_account_update *a)
{
    struct lx_json_err *je = pc->je;
    const cJSON *x = NULL;

    lx__bn_i64(d, "T", 0, &a->tx_ms, je);
    if (lx__json_get_obj(d, "a", &x, je) != LX_OK) {
        return je->code;
    }
    lx__bn_str(x, "m", a->reason, sizeof(a->reason), false, je);
    if (elems(pc, x, "B", false, sizeof(*a->balances), (elem_fn)usdm_bal,
              (void **)&a->balances, &a->nbalances) == LX_OK) {
        elems(pc, x, "P", false, sizeof(*a->positions), (elem_fn)usdm_pos,
              (void **)&a->positions, &a->npositions);
    }
    if (je->code != LX_OK) {
        lx__json_err_prefix(je, "a");
    }
    return je->code;
}

/* ---- Dispatch -------------------------------------------------------------
 */

static int user_event(struct bn_pc *pc, const char *e, const cJSON *d,
                      struct lx_bn_msg *msg)
{
    struct lx_json_err *je = pc->je;

    if (strcmp(e, "executionReport") == 0) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return execution_report(d, &msg->u.order, je);
    }
    if (strcmp(e, "ORDER_TRADE_UPDATE") == 0) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return order_trade_update(d, &msg->u.order, je);
    }
    if (strcmp(e, "ALGO_UPDATE") == 0) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return algo_update(d, &msg->u.order, je);
    }
    if (strcmp(e, "TRADE_LITE") == 0) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return trade_lite(d, &msg->u.order, je);
    }
    msg->kind = LX_BN_MSG_ACCOUNT_UPDATE;
    if (strcmp(e, "outboundAccountPosition") == 0) {
        return account_position(pc, d, &msg->u.account);
    }
    if (strcmp(e, "balanceUpdate") == 0) {
        return balance_update(pc, d, &msg->u.account);
    }
    if (strcmp(e, "ACCOUNT_UPDATE") == 0) {
        return account_update(pc, d, &msg->u.account);
    }
    if (strcmp(e, "listenKeyExpired") == 0) {
        msg->kind = LX_BN_MSG_LISTEN_KEY_EXPIRED;
        return lx__bn_str(d, "listenKey", msg->u.listen_key,
                          sizeof(msg->u.listen_key), false, je);
    }
    if (strcmp(e, "eventStreamTerminated") == 0) {
        msg->kind = LX_BN_MSG_STREAM_TERMINATED;
        return LX_OK;
    }
    msg->kind = LX_BN_MSG_UNMAPPED;
    return LX_OK;
}

static int event(struct bn_pc *pc, const char *e, const cJSON *d,
                 struct lx_bn_msg *msg)
{
    struct lx_json_err *je = pc->je;

    if (strcmp(e, "depthUpdate") == 0) {
        msg->kind = LX_BN_MSG_DEPTH;
        return depth_update(pc, d, &msg->u.depth);
    }
    if (strcmp(e, "trade") == 0 || strcmp(e, "aggTrade") == 0) {
        msg->kind = LX_BN_MSG_TRADE;
        return trade(d, e[0] == 'a', &msg->u.trade, je);
    }
    if (strcmp(e, "kline") == 0) {
        msg->kind = LX_BN_MSG_KLINE;
        return kline(d, &msg->u.kline, je);
    }
    if (strcmp(e, "bookTicker") == 0) {
        msg->kind = LX_BN_MSG_BOOK_TICKER;
        return book_ticker(d, &msg->u.book_ticker, je);
    }
    if (strcmp(e, "24hrTicker") == 0) {
        msg->kind = LX_BN_MSG_TICKER;
        return ticker(d, &msg->u.ticker, je);
    }
    if (strcmp(e, "markPriceUpdate") == 0) {
        msg->kind = LX_BN_MSG_MARK_PRICE;
        return mark_price(d, &msg->u.mark_price, je);
    }
    return user_event(pc, e, d, msg);
}

/* Replies to SUBSCRIBE and friends: {"result":..,"id":..}. */
static int result_reply(const cJSON *root, struct lx_bn_msg *msg,
                        struct lx_json_err *je)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "result");

    msg->kind = LX_BN_MSG_RESULT;
    (void)lx__snprintf(msg->event, sizeof(msg->event), "result");
    msg->u.result.is_null = cJSON_IsNull(r);
    msg->u.result.id = -1;
    lx__bn_i64(root, "status", 0, &msg->u.result.status, je);
    if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "id"))) {
        return lx__bn_str(root, "id", msg->u.result.id_str,
                          sizeof(msg->u.result.id_str), true, je);
    }
    return lx__bn_i64(root, "id", -1, &msg->u.result.id, je);
}

/* {"error":{"code":..,"msg":..},"id":..}: a WebSocket API failure. */
static int error_reply(const cJSON *root, struct lx_venue_error *ve)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");

    if (!cJSON_IsObject(e) || lx__bn_envelope(e, 0, ve) != LX_ERR_VENUE) {
        return LX_OK;
    }
    return LX_ERR_VENUE;
}

static void unmapped(const cJSON *d, struct lx_bn_msg *msg)
{
    msg->kind = LX_BN_MSG_UNMAPPED;
    if (msg->event[0] == '\0' && d != NULL && d->child != NULL &&
        d->child->string != NULL) {
        (void)lx__snprintf(msg->event, sizeof(msg->event), "%s",
                           d->child->string);
    }
}

/* The event object, once envelopes are peeled. */
static int payload(struct bn_pc *pc, const cJSON *d, struct lx_bn_msg *msg)
{
    const char *e = lx__bn_peek(d, "e");

    if (!cJSON_IsObject(d)) {
        unmapped(d, msg);
        return LX_OK;
    }
    if (e != NULL) {
        (void)lx__snprintf(msg->event, sizeof(msg->event), "%s", e);
        lx__bn_i64(d, "E", 0, &msg->event_ms, pc->je);
        if (pc->je->code != LX_OK) {
            return pc->je->code;
        }
        return event(pc, e, d, msg);
    }
    /* Spot bookTicker frames carry no "e". */
    if (cJSON_GetObjectItemCaseSensitive(d, "u") != NULL &&
        cJSON_GetObjectItemCaseSensitive(d, "b") != NULL &&
        cJSON_GetObjectItemCaseSensitive(d, "A") != NULL) {
        (void)lx__snprintf(msg->event, sizeof(msg->event), "bookTicker");
        msg->kind = LX_BN_MSG_BOOK_TICKER;
        return book_ticker(d, &msg->u.book_ticker, pc->je);
    }
    if (cJSON_GetObjectItemCaseSensitive(d, "lastUpdateId") != NULL) {
        (void)lx__snprintf(msg->event, sizeof(msg->event), "depthSnapshot");
        msg->kind = LX_BN_MSG_DEPTH;
        return lx__bn_snapshot_obj(pc, d, &msg->u.depth);
    }
    unmapped(d, msg);
    return LX_OK;
}

static int envelope(struct bn_pc *pc, const cJSON *root, struct lx_bn_msg *msg,
                    struct lx_bn_err *err)
{
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(root, "stream");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(root, "event");
    int rc;

    if (cJSON_IsString(stream) && data != NULL) {
        if (strlen(stream->valuestring) >= sizeof(msg->stream)) {
            return lx__bn_fail(pc->je, LX_ERR_TOOBIG, "stream");
        }
        (void)lx__snprintf(msg->stream, sizeof(msg->stream), "%s",
                           stream->valuestring);
        rc = payload(pc, data, msg);
        lx__json_err_prefix(pc->je, "data");
        return rc;
    }
    if (cJSON_IsObject(ev) &&
        cJSON_GetObjectItemCaseSensitive(root, "subscriptionId") != NULL) {
        rc = payload(pc, ev, msg);
        lx__json_err_prefix(pc->je, "event");
        return rc;
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "error") != NULL) {
        rc = error_reply(root, &err->venue);
        if (rc != LX_OK) {
            return rc;
        }
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "result") != NULL &&
        cJSON_GetObjectItemCaseSensitive(root, "id") != NULL) {
        return result_reply(root, msg, pc->je);
    }
    return payload(pc, root, msg);
}

int lx__bn_parse_ws(enum lx_bn_market m, const char *buf, size_t len,
                    struct lx_arena *arena, struct lx_bn_msg *out,
                    struct lx_bn_err *err)
{
    if (lx__bn_parse_ws_fast(m, buf, len, arena, out) == LX_OK) {
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
        }
        return LX_OK;
    }
    return lx__bn_parse_ws_slow(m, buf, len, arena, out, err);
}

int lx__bn_parse_ws_slow(enum lx_bn_market m, const char *buf, size_t len,
                         struct lx_arena *arena, struct lx_bn_msg *out,
                         struct lx_bn_err *err)
{
    struct lx_bn_err local;
    struct bn_pc pc;
    cJSON *root = NULL;
    int rc;

    err = err != NULL ? err : &local;
    memset(err, 0, sizeof(*err));
    memset(out, 0, sizeof(*out));
    pc.m = m;
    pc.arena = arena;
    pc.je = &err->json;
    rc = lx__bn_begin(buf, len, 0, &root, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (cJSON_IsObject(root)) {
        rc = envelope(&pc, root, out, err);
    } else {
        unmapped(NULL, out);
        (void)lx__snprintf(out->event, sizeof(out->event), "%s",
                           cJSON_IsArray(root) ? "array" : "scalar");
    }
    if (rc == LX_OK && out->event_ms == 0) {
        out->event_ms = out->kind == LX_BN_MSG_ORDER_UPDATE
                            ? out->u.order.event_ms
                            : out->event_ms;
    }
    cJSON_Delete(root);
    return rc;
}
