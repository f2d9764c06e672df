/*
 * strategy_sample.c - a strategy built as a shared object, the way users
 * write theirs, for tests/integration/backtest_cli.sh: it places one
 * post-only bid far below the market at start, counts the updates of its
 * order, and cancels everything at the end.
 */
#include <stdio.h>
#include <string.h>

#include "lotusx/lx_strategy.h"

static int updates;

static void *create(struct lx_strategy_ctx *c)
{
    (void)c;
    updates = 0;
    return &updates;
}

static void placed(struct lx_exchange *ex, const struct lx_ex_result *r,
                   void *ud)
{
    (void)ex;
    lx_strategy_log(ud, r->err == 0 ? "sample: order placed"
                                    : "sample: order refused");
}

static void start(void *st, struct lx_strategy_ctx *c)
{
    struct lx_order_req o;

    (void)st;
    memset(&o, 0, sizeof(o));
    snprintf(o.symbol, sizeof(o.symbol), "%s", lx_strategy_symbol(c));
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_price = o.has_qty = 1;
    o.price.m = 3000000; /* 30000.00 */
    o.price.scale = 2;
    o.qty.m = 100; /* 0.00100 */
    o.qty.scale = 5;
    snprintf(o.client_id, sizeof(o.client_id), "sample-1");
    (void)lx_exchange_place(lx_strategy_exchange(c), &o, placed, c);
}

static void order(void *st, struct lx_strategy_ctx *c, const struct lx_order *o)
{
    char msg[128];

    (void)st;
    updates++;
    snprintf(msg, sizeof(msg), "sample: update %d %s %s", updates, o->client_id,
             lx_order_status_name(o->status));
    lx_strategy_log(c, msg);
}

static void ignored(struct lx_exchange *ex, const struct lx_ex_result *r,
                    void *ud)
{
    (void)ex;
    (void)r;
    (void)ud;
}

static void stop(void *st, struct lx_strategy_ctx *c)
{
    (void)st;
    (void)lx_exchange_cancel_all(lx_strategy_exchange(c), lx_strategy_symbol(c),
                                 ignored, c);
}

LX_STRATEGY_EXPORT const struct lx_strategy lx_strategy_entry = {
    "sample", create, start, NULL, NULL, order, NULL, stop, NULL};
