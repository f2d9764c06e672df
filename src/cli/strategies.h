/*
 * strategies.h - the strategies built into `lotusx backtest`: "mm", a
 * market maker quoting around the mid, "momentum", a taker following
 * short runs of trades, and "hold", which trades nothing. They use only the
 * public lx_strategy.h and lx_exchange.h API, as a strategy in a shared object
 * would.
 */
#ifndef LOTUSX_CLI_STRATEGIES_H
#define LOTUSX_CLI_STRATEGIES_H

#include "lotusx/lx_strategy.h"

/* The built-in strategy named name, or NULL. */
const struct lx_strategy *lx_cli_builtin_strategy(const char *name);

#endif
