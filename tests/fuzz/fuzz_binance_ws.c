/*
 * fuzz_binance_ws.c - differential: the tree-free fast path of the Binance
 * WebSocket frame parser (codec_ws_fast.c) against its cJSON path.
 *
 * The input is copied into a buffer of exactly its size, so ASan catches a
 * read past len. For both markets: whenever lx__bn_parse_ws_fast accepts
 * the input, lx__bn_parse_ws_slow must accept it too with every field the
 * fast path fills equal (level arrays compared element by element) and the
 * same arena bytes taken; lx__bn_parse_ws must give the slow path's return
 * code. A small arena on every other input exercises the size cap. Any
 * violation aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "venues/binance/binance.h"
#include "venues/binance/codec_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
    do {                                                                       \
        if (!(x)) {                                                            \
            abort();                                                           \
        }                                                                      \
    } while (0)

static bool dec_eq(struct lx_decimal x, struct lx_decimal y)
{
    return x.m == y.m && x.scale == y.scale;
}

static bool levels_eq(const struct lx_level *x, size_t nx,
                      const struct lx_level *y, size_t ny)
{
    size_t i;

    if (nx != ny || (x == NULL) != (y == NULL)) {
        return false;
    }
    for (i = 0; i < nx; i++) {
        if (!dec_eq(x[i].price, y[i].price) || !dec_eq(x[i].qty, y[i].qty)) {
            return false;
        }
    }
    return true;
}

#define EQ(f)     CHECK(a->f == b->f)
#define EQ_DEC(f) CHECK(dec_eq(a->f, b->f))
#define EQ_BUF(f) CHECK(memcmp(a->f, b->f, sizeof(a->f)) == 0)

static void same(const struct lx_bn_msg *a, const struct lx_bn_msg *b)
{
    EQ(kind);
    EQ_BUF(stream);
    EQ_BUF(event);
    EQ(event_ms);
    switch (a->kind) {
    case LX_BN_MSG_DEPTH:
        EQ_BUF(u.depth.symbol);
        EQ(u.depth.is_snapshot);
        EQ(u.depth.last_update_id);
        EQ(u.depth.first_id);
        EQ(u.depth.final_id);
        EQ(u.depth.prev_final_id);
        EQ(u.depth.event_ms);
        EQ(u.depth.tx_ms);
        CHECK(levels_eq(a->u.depth.bids, a->u.depth.nbids, b->u.depth.bids,
                        b->u.depth.nbids));
        CHECK(levels_eq(a->u.depth.asks, a->u.depth.nasks, b->u.depth.asks,
                        b->u.depth.nasks));
        break;
    case LX_BN_MSG_TRADE:
        EQ_BUF(u.trade.symbol);
        EQ(u.trade.trade_id);
        EQ(u.trade.is_aggregate);
        EQ(u.trade.first_trade_id);
        EQ(u.trade.last_trade_id);
        EQ_DEC(u.trade.price);
        EQ_DEC(u.trade.qty);
        EQ(u.trade.buyer_is_maker);
        EQ(u.trade.taker_side);
        EQ(u.trade.trade_ms);
        EQ(u.trade.event_ms);
        break;
    case LX_BN_MSG_BOOK_TICKER:
        EQ_BUF(u.book_ticker.symbol);
        EQ(u.book_ticker.update_id);
        EQ_DEC(u.book_ticker.bid);
        EQ_DEC(u.book_ticker.bid_qty);
        EQ_DEC(u.book_ticker.ask);
        EQ_DEC(u.book_ticker.ask_qty);
        EQ(u.book_ticker.event_ms);
        EQ(u.book_ticker.tx_ms);
        break;
    case LX_BN_MSG_MARK_PRICE:
        EQ_BUF(u.mark_price.symbol);
        EQ_DEC(u.mark_price.mark);
        EQ_DEC(u.mark_price.index);
        EQ_DEC(u.mark_price.est_settle);
        EQ_DEC(u.mark_price.funding_rate);
        EQ_DEC(u.mark_price.interest_rate);
        EQ(u.mark_price.next_funding_ms);
        EQ(u.mark_price.event_ms);
        break;
    default:
        CHECK(0); /* the fast path maps no other kind */
    }
}

static void diff(enum lx_bn_market m, const char *b, size_t n,
                 struct lx_arena *fa, struct lx_arena *sa, struct lx_arena *da)
{
    struct lx_bn_msg fm, sm, dm;
    struct lx_bn_err se, de;
    int frc, src, drc;

    frc = lx__bn_parse_ws_fast(m, b, n, fa, &fm);
    src = lx__bn_parse_ws_slow(m, b, n, sa, &sm, &se);
    drc = lx__bn_parse_ws(m, b, n, da, &dm, &de);
    CHECK(frc == LX_OK || frc == LX__BN_FAST_DECLINE);
    CHECK(drc == src);
    if (frc == LX_OK) {
        CHECK(src == LX_OK);
        same(&fm, &sm);
        same(&dm, &sm);
        CHECK(lx_arena_used(fa) == lx_arena_used(sa));
        CHECK(de.json.code == LX_OK && de.venue.code == 0);
    }
    lx_arena_reset(fa);
    lx_arena_reset(sa);
    lx_arena_reset(da);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lx_arena *a[3] = {NULL, NULL, NULL};
    char *buf = lx__malloc(NULL, size > 0 ? size : 1);
    size_t cap = size % 2 == 0 ? 0 : 512; /* odd sizes: a small arena */
    int i;

    for (i = 0; i < 3 && buf != NULL; i++) {
        if (lx_arena_new(&a[i], NULL, cap) != LX_OK) {
            break;
        }
    }
    if (buf != NULL && i == 3) {
        if (size > 0) {
            memcpy(buf, data, size);
        }
        diff(LX_BN_SPOT, buf, size, a[0], a[1], a[2]);
        diff(LX_BN_USDM, buf, size, a[0], a[1], a[2]);
    }
    for (i = 0; i < 3; i++) {
        lx_arena_free(a[i]);
    }
    lx__free(NULL, buf);
    return 0;
}
