/*
 * render.h - the Binance mock's payloads, rendered from the unified types
 * (include/lotusx/lx_types.h) with the venue's exact field order and
 * number formats, so a client sees the bytes the venue would send. Every
 * function appends to sb; `futures` selects the USD-M variant of a payload
 * where the two differ.
 */
#ifndef LOTUSX_MOCK_BINANCE_RENDER_H
#define LOTUSX_MOCK_BINANCE_RENDER_H

#include <stdbool.h>

#include "lotusx/lx_types.h"
#include "mock/server/sb.h"

/* WebSocket <symbol>@trade. */
void lx_mock_bn_render_trade(struct lx_mock_sb *sb, const struct lx_trade *t,
                             bool futures);
/* WebSocket <symbol>@aggTrade. */
void lx_mock_bn_render_agg_trade(struct lx_mock_sb *sb,
                                 const struct lx_trade *t, bool futures);
/* WebSocket <symbol>@depth diffs (depthUpdate; USD-M adds T and pu). */
void lx_mock_bn_render_depth_update(struct lx_mock_sb *sb,
                                    const struct lx_depth *d, bool futures);
/* REST GET /api/v3/depth and /fapi/v1/depth (USD-M adds E and T). */
void lx_mock_bn_render_depth_snapshot(struct lx_mock_sb *sb,
                                      const struct lx_depth *d, bool futures);
/* WebSocket <symbol>@bookTicker (USD-M adds e, T, E). */
void lx_mock_bn_render_book_ticker(struct lx_mock_sb *sb,
                                   const struct lx_book_ticker *b,
                                   bool futures);
/* WebSocket <symbol>@kline_<interval>. */
void lx_mock_bn_render_kline_ws(struct lx_mock_sb *sb,
                                const struct lx_kline *k);
/* One row of REST GET /api/v3/klines (an array). */
void lx_mock_bn_render_kline_row(struct lx_mock_sb *sb,
                                 const struct lx_kline *k);

#endif
