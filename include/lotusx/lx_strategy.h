/*
 * lx_strategy.h - the strategy API of `lotusx backtest`: a strategy is a
 * set of callbacks that trades through the normal lx_exchange calls, so
 * the same code runs in a backtest, against lotusx-mock, or live.
 *
 * A strategy in a shared object exports one symbol,
 *
 *   LX_STRATEGY_EXPORT const struct lx_strategy lx_strategy_entry = {
 *       "name", create, ...};
 *
 * (LX_STRATEGY_EXPORT keeps the symbol visible when the object is built
 * with -fvisibility=hidden.)
 * and is run with `lotusx backtest --strategy ./my.so`. Every callback
 * runs on the runner's loop (the virtual clock in a backtest); any may be
 * NULL. Borrowed arguments live for the duration of the call.
 */
#ifndef LOTUSX_LX_STRATEGY_H
#define LOTUSX_LX_STRATEGY_H

#include <stdint.h>

#include "lx_book.h"
#include "lx_common.h"
#include "lx_exchange.h"
#include "lx_types.h"

struct lx_strategy_ctx;

#define LX_STRATEGY_EXPORT LX_EXTERN

struct lx_strategy {
    const char *name;
    /* Makes the strategy's state; NULL fails the run. */
    void *(*create)(struct lx_strategy_ctx *ctx);
    /* Markets are loaded and the streams are up. */
    void (*on_start)(void *st, struct lx_strategy_ctx *ctx);
    /* The local book of the symbol changed (it is synced). */
    void (*on_book)(void *st, struct lx_strategy_ctx *ctx,
                    const struct lx_book *book);
    /* A public trade of the symbol. */
    void (*on_trade)(void *st, struct lx_strategy_ctx *ctx,
                     const struct lx_trade *trade);
    /* An update of one of our orders (fills included: exec_type TRADE). */
    void (*on_order)(void *st, struct lx_strategy_ctx *ctx,
                     const struct lx_order *order);
    /* Every lx_strategy_set_timer period. */
    void (*on_timer)(void *st, struct lx_strategy_ctx *ctx);
    /* The run ends (orders may still be placed or cancelled here). */
    void (*on_stop)(void *st, struct lx_strategy_ctx *ctx);
    void (*destroy)(void *st);
};

/* The exchange to trade on (lx_exchange.h). */
LX_EXTERN struct lx_exchange *lx_strategy_exchange(struct lx_strategy_ctx *c);
/* The symbol of the run ("BTCUSDT"). */
LX_EXTERN const char *lx_strategy_symbol(const struct lx_strategy_ctx *c);
/* The instrument of the symbol (filters). */
LX_EXTERN const struct lx_instrument *
lx_strategy_instrument(const struct lx_strategy_ctx *c);
/* Current time in ms of the run's clock. */
LX_EXTERN int64_t lx_strategy_now_ms(const struct lx_strategy_ctx *c);
/* A --param key=value of the command line, or def. */
LX_EXTERN const char *lx_strategy_param(const struct lx_strategy_ctx *c,
                                        const char *key, const char *def);
/* Calls on_timer every period_ms (0 stops it). */
LX_EXTERN int lx_strategy_set_timer(struct lx_strategy_ctx *c,
                                    int64_t period_ms);
/* A line in the run's log (stderr unless --quiet). */
LX_EXTERN void lx_strategy_log(struct lx_strategy_ctx *c, const char *msg);

#endif
