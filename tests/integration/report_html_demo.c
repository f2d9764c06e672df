/*
 * report_html_demo.c - writes a backtest HTML report (src/cli/report_html.c)
 * from known synthetic data, for tests/integration/report_html.sh to render
 * in a browser.
 *
 *   report_html_demo [OUT.html|- [NPTS [NFILLS]]]
 *
 * OUT "-" or none is stdout (so `make check-valgrind`, which runs every
 * check program without arguments, runs it too).
 *
 * NPTS samples one second apart from 2026-01-01 00:00:00 UTC (default 600):
 * the mid is a triangle wave between 59900.00 and 60100.00, the position
 * steps by 0.01 with each fill, the equity (10000 USDT, 0.05 BTC and the
 * fills at their prices, marked at the mid) moves with the mid and its
 * drawdown is measured from its running peak. NFILLS fills (default 20)
 * alternate buy and sell, maker and taker, spread evenly over the run. The
 * JSON report holds a "</script>" inside a string, which the page must
 * escape. Exits 0 on success, 1 on a write error, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/report_html.h"
#include "core/lx_internal.h"

#define T0_MS   ((int64_t)1767225600 * 1000)
#define MAX_PTS 200000
#define MAX_FIL 5000

static struct lx_bt_point pts[MAX_PTS];
static struct lx_bt_mark fills[MAX_FIL];

static int arg(const char *s, int64_t max, int64_t *out)
{
    return lx__parse_i64(s, strlen(s), out) == LX_OK && *out >= 0 &&
           *out <= max;
}

/* Mid in cents: a triangle wave of period 400 s, 59900.00 .. 60100.00. */
static int64_t mid_cents(int64_t i)
{
    int64_t ph = i % 400;

    return 5990000 + (ph < 200 ? ph : 400 - ph) * 100;
}

static void make(int64_t npts, int64_t nfills)
{
    int64_t i, f = 0, pos = 0, cash = 1000000000000, peak = 0, eq, at;

    for (i = 0; i < nfills; i++) {
        at = nfills > 1 ? i * (npts > 0 ? npts - 1 : 0) / nfills : 0;
        fills[i] = (struct lx_bt_mark){T0_MS + at * 1000 + 250,
                                       (int)(i % 2 == 0), (int)(i % 4 < 2),
                                       lx_decimal_from_i64(mid_cents(at), 2),
                                       lx_decimal_from_i64(1000, 5)};
    }
    for (i = 0; i < npts; i++) {
        /* 0.01 BTC (1000 at scale 5) per fill; cash in 1e-8 USDT */
        while (f < nfills && fills[f].ms <= T0_MS + i * 1000) {
            int64_t cost = 1000 * fills[f].price.m * 10;
            pos += fills[f].buy ? 1000 : -1000;
            cash += fills[f].buy ? -cost : cost;
            f++;
        }
        /* equity: the cash plus 0.05 BTC and the position at the mid */
        eq = cash + (5000 + pos) * mid_cents(i) * 10;
        peak = i == 0 || eq > peak ? eq : peak;
        pts[i] = (struct lx_bt_point){
            T0_MS + i * 1000, lx_decimal_from_i64(mid_cents(i), 2),
            lx_decimal_from_i64(eq, 8), lx_decimal_from_i64(peak - eq, 8),
            lx_decimal_from_i64(pos, 5)};
    }
}

int main(int argc, char **argv)
{
    int64_t npts = 600, nfills = 20;
    const char *path = argc > 1 ? argv[1] : "-";
    struct lx_bt_html h;
    FILE *out;
    int rc;

    if (argc > 4 || (argc > 2 && !arg(argv[2], MAX_PTS, &npts)) ||
        (argc > 3 && !arg(argv[3], MAX_FIL, &nfills))) {
        fprintf(stderr,
                "usage: report_html_demo [OUT.html|- [NPTS [NFILLS]]]\n");
        return 2;
    }
    make(npts, nfills);
    h = (struct lx_bt_html){
        "demo on BTCUSDT",
        "{\"strategy\":\"demo\",\"note\":\"</script><b>not markup</b>\","
        "\"fills\":[]}",
        pts,
        (size_t)npts,
        fills,
        (size_t)nfills};
    out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (out == NULL) {
        perror(path);
        return 1;
    }
    rc = lx_cli_write_html(out, &h);
    if (fclose(out) != 0 || rc != LX_OK) {
        fprintf(stderr, "report_html_demo: %s: %s\n", path,
                rc != LX_OK ? lx_strerror(rc) : "close failed");
        return 1;
    }
    return 0;
}
