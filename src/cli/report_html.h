/*
 * report_html.h - the HTML report of `lotusx backtest --html FILE`: one
 * self-contained page (no external resources) with three static inline SVG
 * charts drawn from the run's per-second samples and its fills, a summary
 * table, and the JSON report embedded as data.
 *
 * The charts, each an <svg> with a stable id:
 *   chart-price     the mid (polyline#series-mid) and every fill as a circle
 *                   (class "fill buy|sell maker|taker"; buys green, sells
 *                   red; makers filled, takers hollow).
 *   chart-equity    two panels: the equity (polyline#series-equity) and
 *                   below it the drawdown (polyline#series-drawdown), drawn
 *                   downward: 0 at the panel's top, the worst at its bottom.
 *   chart-position  the position (polyline#series-position), with a dashed
 *                   zero line when 0 is inside the range.
 * Every panel has a frame, its minimum and maximum as exact decimal labels
 * (class "ylabel") and five UTC time labels (class "xlabel"). All charts
 * share one time axis (the samples' and fills' earliest to latest time).
 *
 * No floating point: every coordinate is computed from the lx_decimal
 * mantissas in 128-bit integers (the series brought to its largest scale)
 * and written in tenths of a pixel. The page is deterministic: the same
 * input gives the same bytes.
 *
 * Large runs: a polyline holds at most LX_BT_HTML_MAX_POLY points. Longer
 * series are cut into equal buckets of samples and each bucket keeps its
 * lowest and highest sample (and the series keeps its first and last), so
 * every peak and trough survives. Fills are all drawn.
 *
 * The one script in the page runs after the charts are drawn and only
 * records what the browser drew, for tests/integration/report_html.sh:
 * <body> gets data-<name>-w / data-<name>-h (the getBBox() size of each
 * chart's <svg> content, name = price, equity, position, and of each
 * polyline, name = mid, equity-line, drawdown, position-line) and
 * data-fills-drawn (how many fill circles have a non-empty box), and
 * data-report ("parsed" when the embedded JSON report parses, else "bad").
 * The page needs no script to draw.
 */
#ifndef LOTUSX_CLI_REPORT_HTML_H
#define LOTUSX_CLI_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lotusx/lx_decimal.h"

/* Most points one polyline holds; longer series are downsampled. */
#define LX_BT_HTML_MAX_POLY 2000

/*
 * One sample (one per virtual second). ms: Unix time in milliseconds, UTC.
 * mid: the mid price. equity: the account's value in the quote asset at the
 * mid. drawdown: how far the equity is below its running peak (>= 0).
 * position: the position in the base asset. Samples are in time order.
 */
struct lx_bt_point {
    int64_t ms;
    struct lx_decimal mid, equity, drawdown, position;
};

/* One fill of the strategy. buy: 1 buy, 0 sell. maker: 1 maker, 0 taker. */
struct lx_bt_mark {
    int64_t ms;
    int buy;
    int maker;
    struct lx_decimal price, qty;
};

/*
 * What the page is drawn from; every pointer is borrowed for the call.
 * title: plain text ("mm on BTCUSDT"), HTML-escaped here; NULL gives
 * "backtest". report_json: the JSON report, embedded verbatim in
 * <script type="application/json" id="report"> except that "</" is written
 * "<\/" and "<!--" is written "\u003c!--" (both only occur inside JSON
 * strings, where these escapes mean the same characters); NULL embeds
 * "null". pts/npts, fills/nfills: the samples and the fills; a pointer may
 * be NULL when its count is 0.
 */
struct lx_bt_html {
    const char *title;
    const char *report_json;
    const struct lx_bt_point *pts;
    size_t npts;
    const struct lx_bt_mark *fills;
    size_t nfills;
};

/*
 * Writes the page to f. With no samples and no fills each chart says
 * "no data". Allocates nothing.
 *
 * Returns LX_OK, LX_ERR_INVAL (f or h NULL, a NULL array with a non-zero
 * count, a decimal with an invalid scale) before anything is written, or
 * LX_ERR_FILE when writing to f failed (f is flushed at the end to find
 * out; the page may then be partly written).
 */
int lx_cli_write_html(FILE *f, const struct lx_bt_html *h);

#endif
