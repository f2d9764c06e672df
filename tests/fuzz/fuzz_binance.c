/*
 * fuzz_binance.c - every Binance parser on arbitrary bytes, for both
 * markets: the REST body parsers and the WebSocket frame parser.
 *
 * The input is copied into a buffer of exactly its size, so ASan catches a
 * read past len. Each parser runs with a small arena (so the TOOBIG path is
 * hit too); every call must return LX_OK or a negative lx_err, and on
 * LX_OK the counts must fit what the arena handed out. Any violation
 * aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "venues/binance/binance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
    do {                                                                       \
        if (!(x)) {                                                            \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void check_rc(int rc, const struct lx_bn_err *e)
{
    CHECK(rc <= 0);
    if (rc == LX_ERR_VENUE) {
        CHECK(e->venue.code != 0 && e->venue.code != 200);
        CHECK(memchr(e->venue.msg, '\0', sizeof(e->venue.msg)) != NULL);
    }
}

static void rest(enum lx_bn_market m, const char *b, size_t n,
                 struct lx_arena *a)
{
    struct lx_bn_err e;
    struct lx_instrument *ins;
    struct lx_depth d;
    struct lx_kline *k;
    struct lx_trade *t;
    struct lx_order o, *os;
    struct lx_balance *bal;
    struct lx_position *pos;
    struct lx_mark_price *mp;
    struct lx_fill *fills;
    struct lx_ticker *tk;
    struct lx_funding_rate *fr;
    size_t cnt, np;
    char key[80];
    int64_t ms;

    check_rc(lx__bn_parse_exchange_info(m, b, n, a, &ins, &cnt, &e), &e);
    check_rc(lx__bn_parse_depth(b, n, a, &d, &e), &e);
    check_rc(lx__bn_parse_klines(b, n, a, &k, &cnt, &e), &e);
    check_rc(lx__bn_parse_trades(b, n, a, &t, &cnt, &e), &e);
    check_rc(lx__bn_parse_order(m, b, n, a, &o, &e), &e);
    check_rc(lx__bn_parse_orders(m, b, n, a, &os, &cnt, &e), &e);
    check_rc(lx__bn_parse_account(m, b, n, a, &bal, &cnt, &pos, &np, &e), &e);
    check_rc(lx__bn_parse_balances(b, n, a, &bal, &cnt, &e), &e);
    check_rc(lx__bn_parse_position_risk(b, n, a, &pos, &cnt, &e), &e);
    check_rc(lx__bn_parse_premium_index(b, n, a, &mp, &cnt, &e), &e);
    check_rc(lx__bn_parse_listen_key(b, n, key, sizeof(key), &e), &e);
    check_rc(lx__bn_parse_server_time(b, n, &ms, &e), &e);
    check_rc(lx__bn_check_error(b, n, 400, &e.venue), &e);
    check_rc(lx__bn_parse_algo_order(b, n, a, &o, &e), &e);
    check_rc(lx__bn_parse_algo_orders(b, n, a, &os, &cnt, &e), &e);
    check_rc(lx__bn_parse_my_trades(m, b, n, a, &fills, &cnt, &e), &e);
    check_rc(lx__bn_parse_ticker_24h(b, n, a, &tk, &cnt, &e), &e);
    check_rc(lx__bn_parse_funding_rates(b, n, a, &fr, &cnt, &e), &e);
    check_rc(lx__bn_parse_leverage(b, n, &ms, &e), &e);
    lx_arena_reset(a);
}

static void ws(enum lx_bn_market m, const char *b, size_t n, struct lx_arena *a)
{
    struct lx_bn_err e;
    struct lx_bn_msg msg;
    int rc = lx__bn_parse_ws(m, b, n, a, &msg, &e);

    check_rc(rc, &e);
    if (rc == LX_OK) {
        CHECK(msg.kind != LX_BN_MSG_NONE);
        CHECK(memchr(msg.event, '\0', sizeof(msg.event)) != NULL);
        if (msg.kind == LX_BN_MSG_DEPTH) {
            CHECK(msg.u.depth.nbids == 0 || msg.u.depth.bids != NULL);
            CHECK(msg.u.depth.nasks == 0 || msg.u.depth.asks != NULL);
        }
    }
    lx_arena_reset(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lx_arena *a = NULL;
    char *buf = lx__malloc(NULL, size);

    if (buf == NULL || lx_arena_new(&a, NULL, 256u * 1024u) != LX_OK) {
        lx__free(NULL, buf);
        return 0;
    }
    if (size > 0) {
        memcpy(buf, data, size);
    }
    rest(LX_BN_SPOT, buf, size, a);
    rest(LX_BN_USDM, buf, size, a);
    ws(LX_BN_SPOT, buf, size, a);
    ws(LX_BN_USDM, buf, size, a);
    lx_arena_free(a);
    lx__free(NULL, buf);
    return 0;
}
