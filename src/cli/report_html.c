/*
 * report_html.c - the HTML report of `lotusx backtest`: a self-contained
 * page with static inline SVG charts (price with fills, equity and
 * drawdown, position), a summary table and the JSON report as embedded
 * data. The layout and the ids are described in report_html.h.
 *
 * How: each panel maps its values to pixels with integer arithmetic only.
 * A panel's values are brought to the largest scale among them as 128-bit
 * mantissas (|m| < 2^63 times 10^18 < 2^60 fits), the offset from the
 * panel's minimum is multiplied by the panel's height in tenths of a pixel
 * and divided by the range; ranges wider than 2^100 are shifted right
 * first so the product stays inside 128 bits. Time maps to x the same way.
 * Coordinates are written as tenths ("123.4"), so the bytes depend only on
 * the input.
 *
 * What it does not do: no floating point, no allocation, no clock (times
 * are the samples' own, printed in UTC with gmtime_r), no JavaScript for
 * drawing, no external resources.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "cli/report_html.h"
#include "core/lx_internal.h"

#if !defined(__SIZEOF_INT128__)
#error "report_html needs the __int128 extension (gcc or clang)"
#endif

__extension__ typedef __int128 i128;

/* Page geometry in pixels: every chart is W wide, its plots PW wide. */
#define W      960
#define ML     110 /* left margin: the y labels */
#define MR     10
#define PW     (W - ML - MR)
#define MB     34                  /* below the last panel: the time labels */
#define R10    40                  /* fill circle radius, tenths */
#define NTICKS 4                   /* time axis intervals (NTICKS + 1 labels) */
#define DAY_MS ((int64_t)86400000) /* longer spans date every label */

enum ser { SER_MID, SER_EQUITY, SER_DD, SER_POS };

/* A plot area inside a chart; invert draws larger values lower. */
struct panel {
    int top, height;
    int invert;
    const char *label;
};

/* The value range of one panel, exact, and as mantissas at one scale. */
struct axis {
    int have;
    unsigned scale;
    struct lx_decimal lo, hi;
    i128 wlo, whi;
};

/* The time range every chart shares. */
struct tax {
    int have;
    int64_t t0, t1;
};

struct out {
    FILE *f;
    int bad;
};

static const struct panel p_price = {16, 270, 0, "mid price, fills"};
static const struct panel p_equity = {16, 180, 0, "equity"};
static const struct panel p_dd = {236, 110, 1, "drawdown"};
static const struct panel p_pos = {16, 160, 0, "position"};

static void put(struct out *o, const char *fmt, ...) LX_PRINTF(2, 3);

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vfprintf(o->f, fmt, ap) < 0) {
        o->bad = 1;
    }
    va_end(ap);
}

/* Writes a tenths value as "12.3". */
static void put10(struct out *o, int64_t v)
{
    const char *sign = v < 0 ? "-" : "";
    uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    put(o, "%s%" PRIu64 ".%u", sign, a / 10, (unsigned)(a % 10));
}

/* Writes text with the five HTML special characters escaped. */
static void put_esc(struct out *o, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            put(o, "&amp;");
            break;
        case '<':
            put(o, "&lt;");
            break;
        case '>':
            put(o, "&gt;");
            break;
        case '"':
            put(o, "&quot;");
            break;
        case '\'':
            put(o, "&#39;");
            break;
        default:
            if (fputc(*s, o->f) == EOF) {
                o->bad = 1;
            }
        }
    }
}

static void put_dec(struct out *o, struct lx_decimal d)
{
    char buf[LX_DECIMAL_STRLEN];

    if (lx_decimal_format(d, buf, sizeof(buf)) < 0) {
        put(o, "?");
        return;
    }
    put(o, "%s", buf);
}

/*
 * Writes ms as UTC: "2026-01-01 00:00:00" (full), "00:00:00", or with
 * milliseconds when ms_too is set.
 */
static void put_time(struct out *o, int64_t ms, int full, int ms_too)
{
    int64_t s = ms / 1000, sub = ms % 1000;
    time_t t;
    struct tm tm;

    if (sub < 0) {
        sub += 1000;
        s--;
    }
    t = (time_t)s;
    if (gmtime_r(&t, &tm) == NULL) {
        put(o, "%" PRId64 " ms", ms);
        return;
    }
    if (full) {
        put(o, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    }
    put(o, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (ms_too) {
        put(o, ".%03d", (int)sub);
    }
}

/* ---- ranges and coordinates --------------------------------------------- */

static struct lx_decimal pt_val(const struct lx_bt_point *p, enum ser s)
{
    switch (s) {
    case SER_MID:
        return p->mid;
    case SER_EQUITY:
        return p->equity;
    case SER_DD:
        return p->drawdown;
    default:
        return p->position;
    }
}

static i128 widen(struct lx_decimal d, unsigned scale)
{
    i128 v = d.m;
    unsigned i;

    for (i = d.scale; i < scale; i++) {
        v *= 10;
    }
    return v;
}

static void axis_add(struct axis *a, struct lx_decimal d)
{
    if (!a->have || lx_decimal_cmp(d, a->lo) < 0) {
        a->lo = d;
    }
    if (!a->have || lx_decimal_cmp(d, a->hi) > 0) {
        a->hi = d;
    }
    if (!a->have || d.scale > a->scale) {
        a->scale = d.scale;
    }
    a->have = 1;
}

static void axis_done(struct axis *a)
{
    if (a->have) {
        a->wlo = widen(a->lo, a->scale);
        a->whi = widen(a->hi, a->scale);
    }
}

static void axis_series(struct axis *a, const struct lx_bt_html *h, enum ser s)
{
    size_t i;

    for (i = 0; i < h->npts; i++) {
        axis_add(a, pt_val(&h->pts[i], s));
    }
}

/* num * len / range for 0 <= num <= range, in 128 bits without overflow. */
static int64_t scale_to(i128 num, i128 range, int64_t len)
{
    const i128 cap = (i128)1 << 100;

    while (range >= cap) {
        num >>= 1;
        range >>= 1;
    }
    return (int64_t)(num * len / range);
}

/* The y of d in tenths of a pixel. */
static int64_t y10(const struct axis *a, const struct panel *p,
                   struct lx_decimal d)
{
    int64_t top = (int64_t)p->top * 10, len = (int64_t)p->height * 10;
    i128 v = widen(d, a->scale), range = a->whi - a->wlo;

    if (range <= 0) { /* flat: the middle, or the top of an inverted one */
        return p->invert ? top : top + len / 2;
    }
    if (p->invert) {
        return top + scale_to(v - a->wlo, range, len);
    }
    return top + scale_to(a->whi - v, range, len);
}

static int64_t x10(const struct tax *t, int64_t ms)
{
    i128 range = (i128)t->t1 - t->t0;

    if (range <= 0) {
        return (int64_t)ML * 10 + (int64_t)PW * 5;
    }
    return (int64_t)ML * 10 +
           scale_to((i128)ms - t->t0, range, (int64_t)PW * 10);
}

static void tax_add(struct tax *t, int64_t ms)
{
    if (!t->have || ms < t->t0) {
        t->t0 = ms;
    }
    if (!t->have || ms > t->t1) {
        t->t1 = ms;
    }
    t->have = 1;
}

/* ---- chart parts ------------------------------------------------------- */

static void chart_open(struct out *o, const char *id, int height,
                       const char *caption)
{
    put(o,
        "<figure>\n<figcaption>%s</figcaption>\n"
        "<svg id=\"%s\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
        "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n",
        caption, id, W, height, W, height);
}

static void chart_close(struct out *o)
{
    put(o, "</svg>\n</figure>\n");
}

/* The time labels under a panel and grid lines through it. */
static void time_axis(struct out *o, const struct tax *t, const struct panel *p,
                      int labels)
{
    static const char *const anchor[] = {"start", "middle", "end"};
    int64_t ms, bottom = p->top + p->height;
    int k;

    for (k = 0; k <= NTICKS && t->have; k++) {
        ms = (int64_t)((i128)t->t0 + ((i128)t->t1 - t->t0) * k / NTICKS);
        put(o, "<line class=\"grid\" x1=\"");
        put10(o, x10(t, ms));
        put(o, "\" y1=\"%d\" x2=\"", p->top);
        put10(o, x10(t, ms));
        put(o, "\" y2=\"%" PRId64 "\"/>\n", bottom);
        if (!labels) {
            continue;
        }
        put(o, "<text class=\"xlabel\" text-anchor=\"%s\" x=\"",
            anchor[k == 0        ? 0
                   : k == NTICKS ? 2
                                 : 1]);
        put10(o, x10(t, ms));
        put(o, "\" y=\"%" PRId64 "\">", bottom + 16);
        put_time(o, ms, k == 0 || (i128)t->t1 - t->t0 >= DAY_MS, 0);
        put(o, "%s</text>\n", k == 0 ? " UTC" : "");
    }
}

/* The frame, the panel's name, its min/max labels or "no data". */
static void panel_frame(struct out *o, const struct axis *a,
                        const struct panel *p)
{
    const struct lx_decimal *first = p->invert ? &a->lo : &a->hi;
    const struct lx_decimal *last = p->invert ? &a->hi : &a->lo;

    put(o,
        "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" "
        "height=\"%d\"/>\n<text class=\"plabel\" x=\"%d\" y=\"%d\">%s"
        "</text>\n",
        ML, p->top, PW, p->height, ML + 6, p->top + 14, p->label);
    if (!a->have) {
        put(o,
            "<text class=\"nodata\" text-anchor=\"middle\" x=\"%d\" "
            "y=\"%d\">no data</text>\n",
            ML + PW / 2, p->top + p->height / 2);
        return;
    }
    put(o, "<text class=\"ylabel\" text-anchor=\"end\" x=\"%d\" y=\"%d\">",
        ML - 6, p->top + 10);
    put_dec(o, *first);
    put(o,
        "</text>\n<text class=\"ylabel\" text-anchor=\"end\" x=\"%d\" "
        "y=\"%d\">",
        ML - 6, p->top + p->height);
    put_dec(o, *last);
    put(o, "</text>\n");
}

static void point(struct out *o, const struct lx_bt_html *h, size_t i,
                  enum ser s, const struct tax *t, const struct axis *a,
                  const struct panel *p, size_t *nput)
{
    put(o, "%s", *nput == 0 ? "" : *nput % 8 == 0 ? "\n" : " ");
    put10(o, x10(t, h->pts[i].ms));
    put(o, ",");
    put10(o, y10(a, p, pt_val(&h->pts[i], s)));
    (*nput)++;
}

/*
 * One bucket [b0, b1) of a long series: its lowest and highest samples (the
 * first of each on ties), plus the series' first and last sample when the
 * bucket holds them, in sample order.
 */
static void bucket(struct out *o, const struct lx_bt_html *h, size_t b0,
                   size_t b1, enum ser s, const struct tax *t,
                   const struct axis *a, const struct panel *p, size_t *nput)
{
    size_t i, lo = b0, hi = b0, pick[4];
    int n = 0, j;

    for (i = b0 + 1; i < b1; i++) {
        if (lx_decimal_cmp(pt_val(&h->pts[i], s), pt_val(&h->pts[lo], s)) < 0) {
            lo = i;
        }
        if (lx_decimal_cmp(pt_val(&h->pts[i], s), pt_val(&h->pts[hi], s)) > 0) {
            hi = i;
        }
    }
    if (b0 == 0) {
        pick[n++] = 0;
    }
    pick[n++] = lo < hi ? lo : hi;
    pick[n++] = lo < hi ? hi : lo;
    if (b1 == h->npts) {
        pick[n++] = b1 - 1;
    }
    for (j = 0; j < n; j++) { /* in order already: drop repeats */
        if (j == 0 || pick[j] != pick[j - 1]) {
            point(o, h, pick[j], s, t, a, p, nput);
        }
    }
}

/* A polyline of series s, downsampled to LX_BT_HTML_MAX_POLY points. */
static void polyline(struct out *o, const struct lx_bt_html *h, const char *id,
                     enum ser s, const struct tax *t, const struct axis *a,
                     const struct panel *p)
{
    const size_t nb = (LX_BT_HTML_MAX_POLY - 2) / 2;
    size_t i, b, nput = 0;

    if (h->npts == 0) {
        return;
    }
    put(o, "<polyline id=\"%s\" class=\"series\" points=\"", id);
    if (h->npts <= LX_BT_HTML_MAX_POLY) {
        for (i = 0; i < h->npts; i++) {
            point(o, h, i, s, t, a, p, &nput);
        }
    } else {
        for (b = 0; b < nb; b++) {
            bucket(o, h, (size_t)((i128)h->npts * b / nb),
                   (size_t)((i128)h->npts * (b + 1) / nb), s, t, a, p, &nput);
        }
    }
    put(o, "\"/>\n");
}

static void fill_marks(struct out *o, const struct lx_bt_html *h,
                       const struct tax *t, const struct axis *a)
{
    size_t i;

    for (i = 0; i < h->nfills; i++) {
        const struct lx_bt_mark *m = &h->fills[i];
        put(o, "<circle class=\"fill %s %s\" cx=\"", m->buy ? "buy" : "sell",
            m->maker ? "maker" : "taker");
        put10(o, x10(t, m->ms));
        put(o, "\" cy=\"");
        put10(o, y10(a, &p_price, m->price));
        put(o, "\" r=\"");
        put10(o, R10);
        put(o, "\"><title>%s ", m->buy ? "buy" : "sell");
        put_dec(o, m->qty);
        put(o, " @ ");
        put_dec(o, m->price);
        put(o, " %s ", m->maker ? "maker" : "taker");
        put_time(o, m->ms, 1, 1);
        put(o, "</title></circle>\n");
    }
}

/* A horizontal dashed line at zero when zero is inside the panel. */
static void zero_line(struct out *o, const struct axis *a,
                      const struct panel *p)
{
    const struct lx_decimal zero = {0, 0};

    if (!a->have || lx_decimal_cmp(a->lo, zero) > 0 ||
        lx_decimal_cmp(a->hi, zero) < 0) {
        return;
    }
    put(o, "<line class=\"zero\" x1=\"%d\" x2=\"%d\" y1=\"", ML, ML + PW);
    put10(o, y10(a, p, zero));
    put(o, "\" y2=\"");
    put10(o, y10(a, p, zero));
    put(o, "\"/>\n");
}

static void chart_price(struct out *o, const struct lx_bt_html *h,
                        const struct tax *t)
{
    struct axis a = {0};
    size_t i;

    axis_series(&a, h, SER_MID);
    for (i = 0; i < h->nfills; i++) {
        axis_add(&a, h->fills[i].price);
    }
    axis_done(&a);
    chart_open(o, "chart-price", p_price.top + p_price.height + MB,
               "Price (mid) with fills: buys green, sells red; makers "
               "filled, takers hollow");
    panel_frame(o, &a, &p_price);
    time_axis(o, t, &p_price, 1);
    polyline(o, h, "series-mid", SER_MID, t, &a, &p_price);
    fill_marks(o, h, t, &a);
    chart_close(o);
}

static void chart_equity(struct out *o, const struct lx_bt_html *h,
                         const struct tax *t)
{
    struct axis eq = {0}, dd = {0};

    axis_series(&eq, h, SER_EQUITY);
    axis_series(&dd, h, SER_DD);
    if (dd.have) {
        axis_add(&dd, (struct lx_decimal){0, 0}); /* 0 at the top */
    }
    axis_done(&eq);
    axis_done(&dd);
    chart_open(o, "chart-equity", p_dd.top + p_dd.height + MB,
               "Equity and drawdown (quote asset, at the mid)");
    panel_frame(o, &eq, &p_equity);
    time_axis(o, t, &p_equity, 0);
    polyline(o, h, "series-equity", SER_EQUITY, t, &eq, &p_equity);
    panel_frame(o, &dd, &p_dd);
    time_axis(o, t, &p_dd, 1);
    polyline(o, h, "series-drawdown", SER_DD, t, &dd, &p_dd);
    chart_close(o);
}

static void chart_position(struct out *o, const struct lx_bt_html *h,
                           const struct tax *t)
{
    struct axis a = {0};

    axis_series(&a, h, SER_POS);
    axis_done(&a);
    chart_open(o, "chart-position", p_pos.top + p_pos.height + MB,
               "Position (base asset)");
    panel_frame(o, &a, &p_pos);
    time_axis(o, t, &p_pos, 1);
    zero_line(o, &a, &p_pos);
    polyline(o, h, "series-position", SER_POS, t, &a, &p_pos);
    chart_close(o);
}

/* ---- summary, data, page ---------------------------------------------- */

static void row_pair(struct out *o, const char *name, const struct axis *a,
                     const struct lx_bt_html *h, enum ser s)
{
    put(o, "<tr><th>%s</th><td>", name);
    if (h->npts == 0) {
        put(o, "&ndash;</td></tr>\n");
        return;
    }
    put_dec(o, pt_val(&h->pts[0], s));
    put(o, " &rarr; ");
    put_dec(o, pt_val(&h->pts[h->npts - 1], s));
    if (a != NULL) {
        put(o, " (low ");
        put_dec(o, a->lo);
        put(o, ", high ");
        put_dec(o, a->hi);
        put(o, ")");
    }
    put(o, "</td></tr>\n");
}

static void row_span(struct out *o, const struct lx_bt_html *h)
{
    put(o, "<tr><th>samples</th><td>%zu", h->npts);
    if (h->npts > 0) {
        put(o, ", ");
        put_time(o, h->pts[0].ms, 1, 0);
        put(o, " &ndash; ");
        put_time(o, h->pts[h->npts - 1].ms, 1, 0);
        put(o, " UTC");
    }
    put(o, "</td></tr>\n");
}

static void row_pnl(struct out *o, const struct lx_bt_html *h)
{
    struct lx_decimal pnl;
    struct axis dd = {0};

    put(o, "<tr><th>PnL (end &minus; start equity)</th><td>");
    if (h->npts == 0) {
        put(o, "&ndash;");
    } else if (lx_decimal_sub(h->pts[h->npts - 1].equity, h->pts[0].equity,
                              &pnl) == LX_OK) {
        put_dec(o, pnl);
    } else {
        put(o, "overflow");
    }
    put(o, "</td></tr>\n<tr><th>max drawdown</th><td>");
    axis_series(&dd, h, SER_DD);
    if (dd.have) {
        put_dec(o, dd.hi);
    } else {
        put(o, "&ndash;");
    }
    put(o, "</td></tr>\n");
}

static void row_fills(struct out *o, const struct lx_bt_html *h)
{
    struct lx_decimal vol[2] = {{0, 0}, {0, 0}};
    size_t i, nbuy = 0, nmaker = 0;
    int ovf = 0;

    for (i = 0; i < h->nfills; i++) {
        const struct lx_bt_mark *m = &h->fills[i];
        nbuy += m->buy ? 1 : 0;
        nmaker += m->maker ? 1 : 0;
        if (lx_decimal_add(vol[m->buy ? 1 : 0], m->qty, &vol[m->buy ? 1 : 0]) !=
            LX_OK) {
            ovf = 1;
        }
    }
    put(o,
        "<tr><th>fills</th><td>%zu (%zu buys, %zu sells; %zu maker, %zu "
        "taker)</td></tr>\n<tr><th>bought / sold</th><td>",
        h->nfills, nbuy, h->nfills - nbuy, nmaker, h->nfills - nmaker);
    if (ovf) {
        put(o, "overflow");
    } else {
        put_dec(o, vol[1]);
        put(o, " / ");
        put_dec(o, vol[0]);
    }
    put(o, "</td></tr>\n");
}

static void summary(struct out *o, const struct lx_bt_html *h)
{
    struct axis pos = {0};

    axis_series(&pos, h, SER_POS);
    put(o, "<table id=\"summary\">\n");
    row_span(o, h);
    row_pair(o, "mid", NULL, h, SER_MID);
    row_pair(o, "equity", NULL, h, SER_EQUITY);
    row_pnl(o, h);
    row_pair(o, "position", &pos, h, SER_POS);
    row_fills(o, h);
    put(o, "</table>\n");
}

/*
 * The JSON report as data. "</" and "<!--" can only occur inside JSON
 * strings, where "<\/" and "\u003c!--" mean the same characters, and
 * neither can end or confuse the script element.
 */
static void embed_json(struct out *o, const char *json)
{
    const char *p;

    put(o, "<script type=\"application/json\" id=\"report\">\n");
    if (json == NULL) {
        json = "null";
    }
    for (p = json; *p != '\0'; p++) {
        if (p[0] == '<' && p[1] == '/') {
            put(o, "<\\");
        } else if (strncmp(p, "<!--", 4) == 0) {
            put(o, "\\u003c");
        } else if (fputc(*p, o->f) == EOF) {
            o->bad = 1;
        }
    }
    put(o, "\n</script>\n");
}

/* Records what the browser drew (see report_html.h); draws nothing. */
static const char probe_js[] =
    "<script>\n"
    "(function () {\n"
    "  var b = document.body, box = function (name, id) {\n"
    "    var e = document.getElementById(id);\n"
    "    if (!e) return;\n"
    "    var r = e.getBBox();\n"
    "    b.setAttribute('data-' + name + '-w', Math.round(r.width));\n"
    "    b.setAttribute('data-' + name + '-h', Math.round(r.height));\n"
    "  };\n"
    "  box('price', 'chart-price'); box('equity', 'chart-equity');\n"
    "  box('position', 'chart-position'); box('mid', 'series-mid');\n"
    "  box('equity-line', 'series-equity');\n"
    "  box('drawdown', 'series-drawdown');\n"
    "  box('position-line', 'series-position');\n"
    "  var c = document.querySelectorAll('circle.fill'), k = 0, i, r;\n"
    "  for (i = 0; i < c.length; i++) {\n"
    "    r = c[i].getBBox();\n"
    "    if (r.width > 0 && r.height > 0) k++;\n"
    "  }\n"
    "  b.setAttribute('data-fills-drawn', k);\n"
    "  try {\n"
    "    JSON.parse(document.getElementById('report').textContent);\n"
    "    b.setAttribute('data-report', 'parsed');\n"
    "  } catch (e) {\n"
    "    b.setAttribute('data-report', 'bad');\n"
    "  }\n"
    "})();\n"
    "</script>\n";

static const char style_css[] =
    "<style>\n"
    "body{font-family:sans-serif;margin:1.5em;color:#222}\n"
    "figure{margin:1em 0}figcaption{font-weight:bold;margin-bottom:.3em}\n"
    "svg.chart{max-width:100%;height:auto;background:#fff}\n"
    "svg text{font-size:11px;fill:#333}\n"
    ".frame{fill:none;stroke:#999}.grid{stroke:#e4e4e4}\n"
    ".plabel{fill:#777}.nodata{font-size:16px;fill:#999}\n"
    ".series{fill:none;stroke-width:1.2}\n"
    "#series-mid{stroke:#1f4e9c}#series-equity{stroke:#2b7a3d}\n"
    "#series-drawdown{stroke:#b2182b}#series-position{stroke:#6a3d9a}\n"
    ".zero{stroke:#888;stroke-dasharray:4 3}\n"
    ".fill{stroke-width:1.2}.buy{stroke:#1a9850}.sell{stroke:#d73027}\n"
    ".buy.maker{fill:#1a9850}.sell.maker{fill:#d73027}.taker{fill:#fff}\n"
    "table{border-collapse:collapse}th,td{text-align:left;padding:2px 12px "
    "2px 0;vertical-align:top}\n"
    "</style>\n";

static int valid(const struct lx_bt_html *h)
{
    size_t i;

    if ((h->npts > 0 && h->pts == NULL) ||
        (h->nfills > 0 && h->fills == NULL)) {
        return 0;
    }
    for (i = 0; i < h->npts; i++) {
        const struct lx_bt_point *p = &h->pts[i];
        if (!lx_decimal_is_valid(p->mid) || !lx_decimal_is_valid(p->equity) ||
            !lx_decimal_is_valid(p->drawdown) ||
            !lx_decimal_is_valid(p->position)) {
            return 0;
        }
    }
    for (i = 0; i < h->nfills; i++) {
        if (!lx_decimal_is_valid(h->fills[i].price) ||
            !lx_decimal_is_valid(h->fills[i].qty)) {
            return 0;
        }
    }
    return 1;
}

int lx_cli_write_html(FILE *f, const struct lx_bt_html *h)
{
    struct out o = {f, 0};
    const char *title;
    struct tax t = {0};
    size_t i;

    if (f == NULL || h == NULL || !valid(h)) {
        return LX_ERR_INVAL;
    }
    title = h->title != NULL ? h->title : "backtest";
    for (i = 0; i < h->npts; i++) {
        tax_add(&t, h->pts[i].ms);
    }
    for (i = 0; i < h->nfills; i++) {
        tax_add(&t, h->fills[i].ms);
    }
    put(&o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
            "charset=\"utf-8\">\n<title>");
    put_esc(&o, title);
    put(&o, " &ndash; lotusx backtest</title>\n%s</head>\n<body>\n<h1>",
        style_css);
    put_esc(&o, title);
    put(&o, "</h1>\n");
    summary(&o, h);
    chart_price(&o, h, &t);
    chart_equity(&o, h, &t);
    chart_position(&o, h, &t);
    embed_json(&o, h->report_json);
    put(&o, "%s</body>\n</html>\n", probe_js);
    if (fflush(f) != 0 || ferror(f) || o.bad) {
        return LX_ERR_FILE;
    }
    return LX_OK;
}
