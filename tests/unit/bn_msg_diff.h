/*
 * bn_msg_diff.h - field-by-field comparison of two parsed Binance messages
 * (struct lx_bn_msg) of the kinds the fast path of lx__bn_parse_ws maps
 * (market frames, order updates and account updates: every field of
 * struct lx_order, lx_bn_account_update, lx_balance and lx_position),
 * shared by tests/unit/test_binance_fastparse.c and the differential fuzz
 * target tests/fuzz/fuzz_binance_ws.c. Header-only (static functions).
 */
#ifndef LOTUSX_TESTS_BN_MSG_DIFF_H
#define LOTUSX_TESTS_BN_MSG_DIFF_H

#include <stdbool.h>
#include <string.h>

#include "venues/binance/binance.h"

static inline bool bn_dec_eq(struct lx_decimal x, struct lx_decimal y)
{
    return x.m == y.m && x.scale == y.scale;
}

static inline const char *bn_levels_diff(const struct lx_level *x, size_t nx,
                                         const struct lx_level *y, size_t ny)
{
    size_t i;

    if (nx != ny || (x == NULL) != (y == NULL)) {
        return "count";
    }
    for (i = 0; i < nx; i++) {
        if (!bn_dec_eq(x[i].price, y[i].price) ||
            !bn_dec_eq(x[i].qty, y[i].qty)) {
            return "level";
        }
    }
    return NULL;
}

#define DIFF(f)                                                                \
    do {                                                                       \
        if (a->f != b->f) {                                                    \
            return #f;                                                         \
        }                                                                      \
    } while (0)
#define DIFF_DEC(f)                                                            \
    do {                                                                       \
        if (!bn_dec_eq(a->f, b->f)) {                                          \
            return #f;                                                         \
        }                                                                      \
    } while (0)
#define DIFF_BUF(f)                                                            \
    do {                                                                       \
        if (memcmp(a->f, b->f, sizeof(a->f)) != 0) {                           \
            return #f;                                                         \
        }                                                                      \
    } while (0)

static inline const char *bn_balance_diff(const struct lx_balance *a,
                                          const struct lx_balance *b)
{
    DIFF_BUF(asset);
    DIFF_DEC(free);
    DIFF_DEC(locked);
    DIFF_DEC(wallet);
    DIFF_DEC(cross_wallet);
    DIFF_DEC(unrealized_pnl);
    DIFF_DEC(delta);
    DIFF(update_ms);
    return NULL;
}

static inline const char *bn_position_diff(const struct lx_position *a,
                                           const struct lx_position *b)
{
    DIFF_BUF(symbol);
    DIFF(side);
    DIFF(margin_type);
    DIFF_DEC(amount);
    DIFF_DEC(entry_price);
    DIFF_DEC(break_even_price);
    DIFF_DEC(mark_price);
    DIFF_DEC(liquidation_price);
    DIFF_DEC(unrealized_pnl);
    DIFF_DEC(realized_pnl);
    DIFF_DEC(notional);
    DIFF_DEC(isolated_wallet);
    DIFF_DEC(initial_margin);
    DIFF_DEC(maint_margin);
    DIFF(leverage);
    DIFF(update_ms);
    return NULL;
}

static inline const char *bn_order_diff(const struct lx_order *a,
                                        const struct lx_order *b)
{
    DIFF_BUF(symbol);
    DIFF_BUF(order_id);
    DIFF_BUF(client_id);
    DIFF_BUF(orig_client_id);
    DIFF(side);
    DIFF(type);
    DIFF(orig_type);
    DIFF(tif);
    DIFF(status);
    DIFF_BUF(status_raw);
    DIFF(exec_type);
    DIFF(position_side);
    DIFF(working_type);
    DIFF_DEC(price);
    DIFF_DEC(qty);
    DIFF_DEC(quote_qty);
    DIFF_DEC(filled_qty);
    DIFF_DEC(cum_quote);
    DIFF_DEC(avg_price);
    DIFF_DEC(stop_price);
    DIFF_DEC(activation_price);
    DIFF_DEC(callback_rate);
    DIFF_DEC(iceberg_qty);
    DIFF(reduce_only);
    DIFF(close_position);
    DIFF(is_working);
    DIFF(has_details);
    DIFF(is_algo);
    DIFF_BUF(actual_order_id);
    DIFF(list_id);
    DIFF(create_ms);
    DIFF(update_ms);
    DIFF(event_ms);
    DIFF_DEC(last_qty);
    DIFF_DEC(last_price);
    DIFF_DEC(commission);
    DIFF_DEC(realized_pnl);
    DIFF_BUF(commission_asset);
    DIFF(trade_id);
    DIFF(maker);
    DIFF_BUF(reject_reason);
    DIFF(nfills);
    if ((a->fills == NULL) != (b->fills == NULL)) {
        return "fills";
    }
    return NULL;
}

static inline const char *bn_account_diff(const struct lx_bn_account_update *a,
                                          const struct lx_bn_account_update *b)
{
    const char *w;
    size_t i;

    DIFF_BUF(reason);
    DIFF(tx_ms);
    DIFF(nbalances);
    DIFF(npositions);
    if ((a->balances == NULL) != (b->balances == NULL)) {
        return "balances";
    }
    if ((a->positions == NULL) != (b->positions == NULL)) {
        return "positions";
    }
    for (i = 0; i < a->nbalances; i++) {
        w = bn_balance_diff(&a->balances[i], &b->balances[i]);
        if (w != NULL) {
            return w;
        }
    }
    for (i = 0; i < a->npositions; i++) {
        w = bn_position_diff(&a->positions[i], &b->positions[i]);
        if (w != NULL) {
            return w;
        }
    }
    return NULL;
}

/* The first field that differs, or NULL; every field the kinds fill. */
static inline const char *bn_msg_diff(const struct lx_bn_msg *a,
                                      const struct lx_bn_msg *b)
{
    const char *w;

    DIFF(kind);
    DIFF_BUF(stream);
    DIFF_BUF(event);
    DIFF(event_ms);
    switch (a->kind) {
    case LX_BN_MSG_DEPTH:
        DIFF_BUF(u.depth.symbol);
        DIFF(u.depth.is_snapshot);
        DIFF(u.depth.last_update_id);
        DIFF(u.depth.first_id);
        DIFF(u.depth.final_id);
        DIFF(u.depth.prev_final_id);
        DIFF(u.depth.event_ms);
        DIFF(u.depth.tx_ms);
        w = bn_levels_diff(a->u.depth.bids, a->u.depth.nbids, b->u.depth.bids,
                           b->u.depth.nbids);
        if (w == NULL) {
            w = bn_levels_diff(a->u.depth.asks, a->u.depth.nasks,
                               b->u.depth.asks, b->u.depth.nasks);
        }
        return w;
    case LX_BN_MSG_TRADE:
        DIFF_BUF(u.trade.symbol);
        DIFF(u.trade.trade_id);
        DIFF(u.trade.is_aggregate);
        DIFF(u.trade.first_trade_id);
        DIFF(u.trade.last_trade_id);
        DIFF_DEC(u.trade.price);
        DIFF_DEC(u.trade.qty);
        DIFF(u.trade.buyer_is_maker);
        DIFF(u.trade.taker_side);
        DIFF(u.trade.trade_ms);
        DIFF(u.trade.event_ms);
        return NULL;
    case LX_BN_MSG_BOOK_TICKER:
        DIFF_BUF(u.book_ticker.symbol);
        DIFF(u.book_ticker.update_id);
        DIFF_DEC(u.book_ticker.bid);
        DIFF_DEC(u.book_ticker.bid_qty);
        DIFF_DEC(u.book_ticker.ask);
        DIFF_DEC(u.book_ticker.ask_qty);
        DIFF(u.book_ticker.event_ms);
        DIFF(u.book_ticker.tx_ms);
        return NULL;
    case LX_BN_MSG_MARK_PRICE:
        DIFF_BUF(u.mark_price.symbol);
        DIFF_DEC(u.mark_price.mark);
        DIFF_DEC(u.mark_price.index);
        DIFF_DEC(u.mark_price.est_settle);
        DIFF_DEC(u.mark_price.funding_rate);
        DIFF_DEC(u.mark_price.interest_rate);
        DIFF(u.mark_price.next_funding_ms);
        DIFF(u.mark_price.event_ms);
        return NULL;
    case LX_BN_MSG_ORDER_UPDATE:
        return bn_order_diff(&a->u.order, &b->u.order);
    case LX_BN_MSG_ACCOUNT_UPDATE:
        return bn_account_diff(&a->u.account, &b->u.account);
    default:
        return "kind not mapped by the fast path";
    }
}

#undef DIFF
#undef DIFF_DEC
#undef DIFF_BUF

#endif
