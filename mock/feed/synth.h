/*
 * synth.h - the synthetic market of lotusx-mock's embedded default: per
 * symbol a random-walk mid price (seeded PRNG), a liquidity ladder a market
 * maker account re-posts around it every period, and background trades by
 * a taker account. Everything goes through the venue's matching engine,
 * so REST snapshots, streams and client orders see one consistent market.
 * Same seed and same clock: the same market, order for order.
 */
#ifndef LOTUSX_MOCK_FEED_SYNTH_H
#define LOTUSX_MOCK_FEED_SYNTH_H

#include <stddef.h>
#include <stdint.h>

struct lx_clock;
struct lx_mock_bn_spot;
struct lx_mock_synth;

struct lx_mock_synth_symbol {
    const char *symbol;
    const char *start_mid; /* "60000.00" */
    const char *level_qty; /* size of each ladder level, "0.05000" */
    int levels;            /* per side */
    int spread_ticks;      /* distance between ladder levels, in ticks */
};

/*
 * Starts the generator on venue v for the given maker and taker accounts
 * (engine ids; both need ample balances). period_ns is the re-post period.
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx_mock_synth_new(struct lx_mock_synth **out, struct lx_clock *clock,
                      struct lx_mock_bn_spot *v, uint32_t maker, uint32_t taker,
                      uint64_t seed, int64_t period_ns);
int lx_mock_synth_add(struct lx_mock_synth *s,
                      const struct lx_mock_synth_symbol *sym);
/* Posts the first ladders now and starts the periodic timer. */
int lx_mock_synth_start(struct lx_mock_synth *s);
void lx_mock_synth_free(struct lx_mock_synth *s);
/*
 * Follows the mock's clock (an lx_mock_clock_hook, ud = the synth): while
 * frozen the periodic timer steps nothing; an advance of advanced_ns runs
 * the periods it skips over at once (at most LX_MOCK_SYNTH_MAX_CATCHUP per
 * call; a remainder below one period carries to the next advance). Give
 * the door the synth's period as step_ns so each runs at its instant.
 */
#define LX_MOCK_SYNTH_MAX_CATCHUP 100
void lx_mock_synth_clock(int frozen, int64_t advanced_ns, void *synth);
/*
 * Moves the market of symbol (the admin API's POST mark): its mid jumps to
 * price rounded to the tick (half even), the maker's ladder is re-posted
 * around it at once, and the random walk goes on from there. The price as
 * applied is written to applied (cap bytes; may be NULL). Errors:
 * LX_ERR_NOTFOUND (no generator for symbol), LX_ERR_INVAL (not a positive
 * decimal), LX_ERR_RANGE (outside the symbol's PRICE_FILTER, or too low for
 * the ladder); *why names the field.
 */
int lx_mock_synth_set_mid(struct lx_mock_synth *s, const char *symbol,
                          const char *price, char *applied, size_t cap,
                          const char **why);
/* The period given to lx_mock_synth_new. */
int64_t lx_mock_synth_period(const struct lx_mock_synth *s);
/* Periods run so far. */
uint64_t lx_mock_synth_steps(const struct lx_mock_synth *s);

#endif
