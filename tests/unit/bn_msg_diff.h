/*
 * bn_msg_diff.h - field-by-field comparison of two parsed Binance messages
 * (struct lx_bn_msg) of the kinds the fast path of lx__bn_parse_ws maps,
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
    default:
        return "kind not mapped by the fast path";
    }
}

#undef DIFF
#undef DIFF_DEC
#undef DIFF_BUF

#endif
