/*
 * tape.h - a recorded market driving the simulated Binance spot or USD-M
 * venue (the market side of `lotusx backtest --capture`).
 *
 * The tape keeps the recorded book of one symbol in sync from the
 * recording's REST depth snapshot and depth diffs (lx_book_sync, Binance
 * spot or USD-M rules: U/u, or pu chained) and mirrors it into the venue's
 * matching engine as the resting orders of a liquidity account, level for
 * level. Recorded trades are replayed as immediate-or-cancel orders of a second
 * (tape) account at the trade's price and size, on the aggressor's side. The
 * venue's own orders (the strategy's) rest in the same engine book, so:
 *
 * - a market or crossing order walks the recorded book as it stood;
 * - a resting order joins the queue behind the displayed size at its price;
 *   recorded trades at that price take the queue from the front (the
 *   liquidity ahead first, then the order), and a recorded size decrease
 *   that is not a trade (a cancel) is taken from every liquidity order of
 *   the level in proportion to its size, so the order moves up in
 *   proportion too;
 * - a recorded trade through the order's price fills it at its price.
 *
 * After every diff the liquidity at each price it names is set back to the
 * recorded size (liquidity the strategy took is replenished: there is no
 * market impact). Everything goes through the venue, so REST snapshots,
 * streams and user data stay consistent. docs/backtest.md states the model
 * and its limits.
 *
 * On a USD-M perpetual the tape also sets the venue's mark price (what
 * uPnL, liquidation and funding use): from the recorded markPrice stream
 * (its funding rate "r" becomes the venue's next rate), or, until the
 * recording has one, the recorded book's mid rounded down to the tick,
 * after every change of the book. Funding itself is the venue's (its
 * 8-hourly timer, lx_mock_bn_usdm_start).
 */
#ifndef LOTUSX_MOCK_BINANCE_TAPE_H
#define LOTUSX_MOCK_BINANCE_TAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_clock;
struct lx_mock_bn_spot;
struct lx_mock_bn_usdm;
struct lx_mock_tape;
struct lx_capture_error;

struct lx_mock_tape_stats {
    uint64_t frames;     /* recorded messages read */
    uint64_t snapshots;  /* depth snapshots loaded */
    uint64_t diffs;      /* depth diffs applied to the recorded book */
    uint64_t trades;     /* recorded trades replayed */
    uint64_t trades_cut; /* of which not (fully) matched in the engine */
    uint64_t gaps;       /* times the recording lost book sync */
    uint64_t skipped;    /* messages of other symbols or kinds */
    uint64_t bad;        /* messages or levels that did not parse or fit */
    uint64_t rounded;    /* sizes finer than the lot, rounded down */
    uint64_t engine_ops; /* orders, amendments and cancels the tape made */
    uint64_t rejected;   /* liquidity the engine refused (should be 0) */
    int64_t first_ns;    /* wall time of the first message played; 0 none */
    int64_t last_ns;     /* of the last */
    /* USD-M only (0 on spot) */
    uint64_t marks;        /* mark price changes set on the venue */
    uint64_t mark_frames;  /* recorded markPrice updates used */
    uint64_t rates;        /* funding rates taken from them */
    uint64_t liquidations; /* positions of other accounts liquidated */
    int64_t liq_wallet;    /* what those took from wallets (10^-8 units) */
};

/*
 * Creates a tape for symbol (listed on v) that keeps its liquidity in
 * account book_acct and replays trades with account trade_acct (engine
 * ids; both need ample balances of both assets and no fees).
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM; *why (may be NULL) says which.
 */
int lx_mock_tape_new(struct lx_mock_tape **out, struct lx_mock_bn_spot *v,
                     const char *symbol, uint32_t book_acct,
                     uint32_t trade_acct, const char **why);
/*
 * The same on a USD-M venue's perpetual. Both accounts should be market
 * accounts (lx__mbum_add_market_account: fee-free, filters reduced to the
 * price grid) with ample margin.
 */
int lx_mock_tape_new_usdm(struct lx_mock_tape **out, struct lx_mock_bn_usdm *v,
                          const char *symbol, uint32_t book_acct,
                          uint32_t trade_acct, const char **why);
void lx_mock_tape_free(struct lx_mock_tape *t);

/*
 * Feeds one recorded message at the venue's current time: a market
 * WebSocket text frame (combined {"stream":..,"data":..} or bare: depth
 * diffs and trades of the symbol are used, and on USD-M its markPrice
 * updates; the rest is counted as skipped) or a REST depth snapshot body
 * ({"lastUpdateId":..}). Returns LX_OK, or LX_ERR_NOMEM / an engine error (the
 * run should stop).
 */
int lx_mock_tape_feed(struct lx_mock_tape *t, const char *buf, size_t len);

/* True while the recorded book is in sync (the engine mirrors it). */
bool lx_mock_tape_synced(const struct lx_mock_tape *t);
void lx_mock_tape_get_stats(const struct lx_mock_tape *t,
                            struct lx_mock_tape_stats *out);

/*
 * Plays a capture file into the tape on clock (virtual or real): every
 * inbound WebSocket text frame and every 200 response to a GET .../depth
 * request, at its recorded wall time, between from_ns (inclusive) and
 * to_ns (exclusive; INT64_MIN/INT64_MAX for no bound). Records already
 * due are fed at once. done(ud) is called once the last record has been
 * fed (or on a read error: *err then says why). Errors at open:
 * LX_ERR_FILE, LX_ERR_PARSE, LX_ERR_CORRUPT, LX_ERR_VERSION (err set),
 * LX_ERR_NOMEM.
 */
int lx_mock_tape_play(struct lx_mock_tape *t, struct lx_clock *clock,
                      const char *path, int64_t from_ns, int64_t to_ns,
                      void (*done)(void *ud, int rc), void *ud,
                      struct lx_capture_error *err);
/* Stops playing (no more records, no done call). */
void lx_mock_tape_stop(struct lx_mock_tape *t);

/*
 * The wall-time span of a capture's records between from_ns and to_ns
 * (for setting up a clock before playing): first and last record times.
 */
int lx_mock_tape_span(const char *path, int64_t from_ns, int64_t to_ns,
                      int64_t *first_ns, int64_t *last_ns,
                      struct lx_capture_error *err);

#endif
