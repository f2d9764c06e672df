/*
 * usdm_maker.h - the seeded synthetic market of the simulated Binance
 * USD-M venue: per symbol a maker that each period moves a reference
 * price by a random walk, requotes levels a side around it and sets the
 * mark to it, and a taker that half the time sends a small market order
 * (struct lx_mock_bn_usdm_gen in usdm.h says how). lotusx-mock's served
 * venue (usdm_srv.c) and `lotusx backtest --venue binanceusdm` without
 * --capture both run it: the same seed and the same steps give the same
 * quotes, marks and taker orders, draw for draw.
 *
 * Everything goes through the venue (orders as lx_mock_bn_usdm_place, the
 * mark through the engine with its triggers and liquidations, drained and
 * published by the venue), so REST, streams and client orders see one
 * market. Funding is the venue's own (lx_mock_bn_usdm_start), not this.
 */
#ifndef LOTUSX_MOCK_BINANCE_USDM_MAKER_H
#define LOTUSX_MOCK_BINANCE_USDM_MAKER_H

#include <stddef.h>
#include <stdint.h>

#include "mock/venues/binance/usdm.h"

struct lx_clock;
struct lx_mock_bn_usdm_maker;

/* lotusx-mock's default BTCUSDT maker: from 60000.0, 0.5 / 0.05, 5 x 5
 * ticks, walk 20. */
extern const struct lx_mock_bn_usdm_gen lx_mock_bn_usdm_gen_btc;

/* Symbols one maker quotes at most (the venue's symbol limit). */
#define LX_MOCK_BN_USDM_MAKER_MAX 8

/*
 * A market on venue v (borrowed; it must outlive the maker) with its
 * seeded PRNG, stepping every period_ns (> 0) of clock once started.
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx_mock_bn_usdm_maker_new(struct lx_mock_bn_usdm_maker **out,
                              struct lx_mock_bn_usdm *v, struct lx_clock *clock,
                              uint64_t seed, int64_t period_ns);
/*
 * Adds the maker of symbol (listed on v) as g says, defaults filled in.
 * LX_ERR_CONFIG (*why says why): start_mid NULL, not a positive multiple
 * of the tick, or sizes that do not fit the lot; LX_ERR_NOTFOUND: symbol
 * not listed; LX_ERR_RANGE: already LX_MOCK_BN_USDM_MAKER_MAX symbols.
 */
int lx_mock_bn_usdm_maker_add(struct lx_mock_bn_usdm_maker *m,
                              const char *symbol,
                              const struct lx_mock_bn_usdm_gen *g,
                              const char **why);
/*
 * Opens the maker's and the taker's accounts on v: fee-free, 10^9 of the
 * margin asset each, API keys "usdm-mm-<hex>" / "usdm-tk-<hex>" from the
 * first two draws of the seed's PRNG and secrets from another stream of
 * the seed (nobody is given them). Call once, before starting.
 * Errors: those of lx_mock_bn_usdm_add_account and lx_secret_new.
 */
int lx_mock_bn_usdm_maker_accounts(struct lx_mock_bn_usdm_maker *m,
                                   const char **why);
/* Or uses accounts the caller opened (ample margin, any fees). */
void lx_mock_bn_usdm_maker_set_accounts(struct lx_mock_bn_usdm_maker *m,
                                        uint32_t maker, uint32_t taker);
/*
 * Steps once now and then every period. LX_ERR_INVAL: no accounts yet;
 * LX_ERR_NOMEM. Starting again restarts the period from now.
 */
int lx_mock_bn_usdm_maker_start(struct lx_mock_bn_usdm_maker *m);
/* One step of every symbol now (the timer is left as it is). */
void lx_mock_bn_usdm_maker_step(struct lx_mock_bn_usdm_maker *m);
/*
 * Follows a mock clock (an lx_mock_clock_hook, ud = the maker): an
 * advance steps once; frozen stops the timer, running restarts it from
 * now (once started). lx_mock_bn_usdm_maker_clock(1, 0, m) just stops it.
 */
void lx_mock_bn_usdm_maker_clock(int frozen, int64_t advanced_ns, void *maker);
/*
 * Moves the reference of symbol to price (a decimal, a multiple of its
 * tick) so that the next step requotes around it; the mark is the
 * caller's (lx_mock_bn_usdm_set_mark). A symbol without a maker, or a
 * price off the tick, is ignored.
 */
void lx_mock_bn_usdm_maker_set_ref(struct lx_mock_bn_usdm_maker *m,
                                   const char *symbol, const char *price);

struct lx_mock_bn_usdm_maker_stats {
    uint64_t steps;        /* periods run (all symbols each) */
    uint64_t marks;        /* marks the venue took */
    uint64_t liquidations; /* positions of other accounts its marks closed */
    int64_t liq_wallet;    /* what those took from wallets (10^-8 units) */
};
void lx_mock_bn_usdm_maker_get_stats(const struct lx_mock_bn_usdm_maker *m,
                                     struct lx_mock_bn_usdm_maker_stats *st);
/* Symbols with a maker; the period. */
size_t lx_mock_bn_usdm_maker_count(const struct lx_mock_bn_usdm_maker *m);
int64_t lx_mock_bn_usdm_maker_period(const struct lx_mock_bn_usdm_maker *m);
/* Stops and frees it (its orders stay on the venue). NULL is fine. */
void lx_mock_bn_usdm_maker_free(struct lx_mock_bn_usdm_maker *m);

#endif
