/*
 * dialect.h - how the Binance mock answers at the door: error envelopes
 * ({"code":-1022,"msg":"..."}), rate-limit answers (429 with Retry-After,
 * 418 when banned, code -1003) and usage headers
 * (X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-*).
 */
#ifndef LOTUSX_MOCK_BINANCE_DIALECT_H
#define LOTUSX_MOCK_BINANCE_DIALECT_H

#include "mock/server/mock.h"
#include "mock/venues/binance/auth.h"

/* The dialect table for lx_mock_door_new. */
extern const struct lx_mock_dialect lx_mock_bn_dialect;

/* The rate limits Binance spot publishes in exchangeInfo. */
extern const struct lx_mock_limits lx_mock_bn_spot_limits;

/* Answers with Binance's error envelope. */
int lx_mock_bn_respond_err(struct lx_mock_call *call,
                           const struct lx_mock_bn_err *err);

/*
 * Counts n new orders of account (a venue account id) against the door's
 * order limits (10 s and day windows). Returns 0 when they may go on; else
 * -1 with the call answered: 429 -1015 naming the limit passed, or 503.
 */
int lx_mock_bn_charge_orders(struct lx_mock_call *call, uint64_t account,
                             int n);

#endif
