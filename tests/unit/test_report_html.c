/*
 * test_report_html.c - the backtest HTML report (src/cli/report_html.c):
 * the charts' and series' ids, one circle per fill, every coordinate
 * inside its chart's viewBox, exact integer coordinates for known values
 * (mixed scales included), the JSON report's "</script>" and "<!--"
 * escaped, the title HTML-escaped, byte-identical output for the same
 * input, "no data" charts for empty input, long series cut to at most
 * LX_BT_HTML_MAX_POLY points with their extremes kept, extreme mantissas,
 * and the error codes (bad arguments, a full device).
 *
 * The page is written into a fixed buffer with fmemopen. report_html.c
 * allocates nothing, so there is no allocator to check.
 */
#include <stdio.h>
#include <string.h>

#include "cli/report_html.h"
#include "core/lx_internal.h"
#include "lx_test.h"

#define T0_MS   ((int64_t)1767225600 * 1000) /* 2026-01-01 00:00:00 UTC */
#define BUF_CAP (8u << 20)
#define BIG_N   100000

static char buf[BUF_CAP], buf2[BUF_CAP];
static struct lx_bt_point big[BIG_N];

static struct lx_decimal dec(int64_t m, unsigned scale)
{
    return lx_decimal_from_i64(m, scale);
}

/* Renders h into out (NUL-terminated); returns the length. */
static size_t render_to(char *out, const struct lx_bt_html *h)
{
    FILE *f = fmemopen(out, BUF_CAP, "w");
    long n;

    assert_non_null(f);
    assert_int_equal(lx_cli_write_html(f, h), LX_OK);
    n = ftell(f);
    assert_true(n > 0 && (size_t)n < BUF_CAP);
    assert_int_equal(fclose(f), 0);
    out[n] = '\0';
    return (size_t)n;
}

static size_t render(const struct lx_bt_html *h)
{
    return render_to(buf, h);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    const char *p = hay;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += len;
    }
    return n;
}

/* count() inside the element whose id is id only (up to its "/>"). */
static size_t count_in(const char *id, const char *needle)
{
    static char one[BUF_CAP];
    const char *p = strstr(buf, id), *end;

    assert_non_null(p);
    end = strstr(p, "/>");
    assert_non_null(end);
    memcpy(one, p, (size_t)(end - p));
    one[end - p] = '\0';
    return count(one, needle);
}

/* Parses "-12.3" as tenths; advances *pp past it. */
static int64_t num10(const char **pp)
{
    const char *p = *pp;
    int64_t v = 0, sign = 1;

    if (*p == '-') {
        sign = -1;
        p++;
    }
    assert_true(*p >= '0' && *p <= '9');
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
    }
    v *= 10;
    if (*p == '.') {
        p++;
        assert_true(*p >= '0' && *p <= '9');
        v += *p++ - '0';
        assert_false(*p >= '0' && *p <= '9'); /* one decimal only */
    }
    *pp = p;
    return sign * v;
}

/* Checks every point of points="..." at p; returns how many there are. */
static size_t check_points(const char *p, int64_t w10, int64_t h10)
{
    size_t n = 0;
    int64_t x, y;

    while (*p != '"') {
        while (*p == ' ' || *p == '\n') {
            p++;
        }
        x = num10(&p);
        assert_int_equal(*p++, ',');
        y = num10(&p);
        assert_true(x >= 0 && x <= w10);
        assert_true(y >= 0 && y <= h10);
        n++;
    }
    return n;
}

/*
 * Checks every coordinate inside each <svg> against its viewBox; returns
 * the largest number of points in one polyline.
 */
static size_t check_coords(const char *page)
{
    static const char *const attrs[] = {" x=\"",  " y=\"",  " cx=\"", " cy=\"",
                                        " x1=\"", " x2=\"", " y1=\"", " y2=\""};
    const char *svg = page, *end, *p, *q;
    size_t maxpts = 0, k, n;
    int64_t w10, h10;
    int nsvg = 0;

    while ((svg = strstr(svg, "<svg ")) != NULL) {
        end = strstr(svg, "</svg>");
        assert_non_null(end);
        p = strstr(svg, "viewBox=\"0 0 ");
        assert_true(p != NULL && p < end);
        p += strlen("viewBox=\"0 0 ");
        w10 = num10(&p);
        assert_int_equal(*p++, ' ');
        h10 = num10(&p);
        for (k = 0; k < LX_ARRAY_LEN(attrs); k++) {
            for (q = svg; (q = strstr(q, attrs[k])) != NULL && q < end;) {
                int64_t v;
                int is_x = attrs[k][1] == 'x' || attrs[k][2] == 'x';
                q += strlen(attrs[k]);
                v = num10(&q);
                assert_true(v >= 0 && v <= (is_x ? w10 : h10));
            }
        }
        for (q = svg; (q = strstr(q, " points=\"")) != NULL && q < end;) {
            q += strlen(" points=\"");
            n = check_points(q, w10, h10);
            maxpts = n > maxpts ? n : maxpts;
        }
        svg = end;
        nsvg++;
    }
    assert_int_equal(nsvg, 3);
    return maxpts;
}

/* A small run: 60 samples, 6 fills. */
static struct lx_bt_point small_pts[60];
static struct lx_bt_mark small_fills[6];

static struct lx_bt_html small(void)
{
    int i;

    for (i = 0; i < 60; i++) {
        small_pts[i] = (struct lx_bt_point){
            T0_MS + i * 1000, dec(6000000 + (i % 7) * 13, 2),
            dec(1000000000000 + i * 1234567, 8), dec((i % 5) * 100, 8),
            dec(i < 30 ? i : 60 - i, 3)};
    }
    for (i = 0; i < 6; i++) {
        small_fills[i] =
            (struct lx_bt_mark){T0_MS + i * 10000 + 500, i % 2, i % 3 == 0,
                                dec(6000010 + i, 2), dec(100, 5)};
    }
    return (struct lx_bt_html){
        "mm on BTCUSDT", "{\"a\":1}", small_pts, 60, small_fills, 6};
}

static void test_ids(void **state)
{
    static const char *const ids[] = {
        "id=\"chart-price\"",     "id=\"chart-equity\"",
        "id=\"chart-position\"",  "id=\"series-mid\"",
        "id=\"series-equity\"",   "id=\"series-drawdown\"",
        "id=\"series-position\"", "id=\"summary\"",
        "id=\"report\""};
    struct lx_bt_html h = small();
    size_t i;

    (void)state;
    render(&h);
    assert_true(strncmp(buf, "<!DOCTYPE html>\n", 16) == 0);
    for (i = 0; i < LX_ARRAY_LEN(ids); i++) {
        assert_int_equal(count(buf, ids[i]), 1);
    }
    assert_int_equal(count(buf, "<polyline "), 4);
    assert_int_equal(count(buf, "class=\"ylabel\""), 8);
    assert_int_equal(count(buf, "class=\"xlabel\""), 15);
    assert_non_null(strstr(buf, ">2026-01-01 00:00:00 UTC</text>"));
    assert_non_null(strstr(buf, ">00:00:59</text>"));
    assert_int_equal(count(buf, "no data"), 0);
    /* nothing external: no URL other than the SVG namespace */
    assert_int_equal(count(buf, "http"), 3);
    assert_int_equal(count(buf, "http://www.w3.org/2000/svg"), 3);
    assert_int_equal(count(buf, " src="), 0);
    assert_int_equal(count(buf, " href="), 0);
}

static void test_fills(void **state)
{
    struct lx_bt_html h = small();

    (void)state;
    render(&h);
    assert_int_equal(count(buf, "<circle "), 6);
    assert_int_equal(count(buf, "<circle class=\"fill "), 6);
    assert_int_equal(count(buf, "class=\"fill buy "), 3);
    assert_int_equal(count(buf, "class=\"fill sell "), 3);
    assert_int_equal(count(buf, " maker\""), 2);
    assert_int_equal(count(buf, " taker\""), 4);
    assert_non_null(strstr(buf,
                           "<title>sell 0.00100 @ 60000.10 maker 2026-01-01 "
                           "00:00:00.500</title>"));
    assert_non_null(strstr(buf, "<td>6 (3 buys, 3 sells; 2 maker, 4 taker)"));
    assert_non_null(strstr(buf, "<td>0.00300 / 0.00300</td>"));
}

static void test_coords(void **state)
{
    struct lx_bt_html h = small();

    (void)state;
    render(&h);
    assert_int_equal(check_coords(buf), 60);
}

/*
 * Known values: three samples at 0, 1 and 2 s with mids 1.5, 2.000 and 3
 * (three scales). The price panel spans x 110..950 and y 16..286, so the
 * mids land at y 286 (lowest), 16 + 270 * 1 / 1.5 = 196 and 16 (highest).
 */
static void test_exact(void **state)
{
    struct lx_bt_point p[3] = {
        {T0_MS, dec(15, 1), dec(100, 0), dec(0, 0), dec(0, 0)},
        {T0_MS + 1000, dec(2000, 3), dec(99, 0), dec(1, 0), dec(-5, 1)},
        {T0_MS + 2000, dec(3, 0), dec(101, 0), dec(0, 0), dec(5, 1)}};
    struct lx_bt_html h = {"exact", NULL, p, 3, NULL, 0};

    (void)state;
    render(&h);
    assert_non_null(strstr(buf, "id=\"series-mid\" class=\"series\" "
                                "points=\"110.0,286.0 530.0,196.0 "
                                "950.0,16.0\""));
    /* drawdown: 0 at the top (236), the worst (1) at the bottom (346) */
    assert_non_null(strstr(buf, "points=\"110.0,236.0 530.0,346.0 "
                                "950.0,236.0\""));
    /* position -0.5 .. 0.5: a zero line in the middle of 16..176 */
    assert_non_null(strstr(buf, "<line class=\"zero\" x1=\"110\" x2=\"950\" "
                                "y1=\"96.0\" y2=\"96.0\"/>"));
    assert_non_null(strstr(buf, ">1.5</text>"));
    assert_non_null(strstr(buf, ">3</text>"));
    assert_non_null(strstr(buf, "report\">\nnull\n</script>"));
    assert_non_null(strstr(buf, "<tr><th>PnL (end &minus; start "
                                "equity)</th><td>1</td>"));
    assert_int_equal(check_coords(buf), 3);
}

static void test_escaping(void **state)
{
    struct lx_bt_html h = small();

    (void)state;
    h.title = "<b>\"x\" & 'y'</b>";
    h.report_json = "{\"n\":\"</script><script>alert(1)</script>\","
                    "\"c\":\"<!-- x -->\",\"s\":\"a</b\"}";
    render(&h);
    assert_non_null(strstr(buf, "<h1>&lt;b&gt;&quot;x&quot; &amp; "
                                "&#39;y&#39;&lt;/b&gt;</h1>"));
    assert_int_equal(count(buf, "<b>"), 0);
    assert_non_null(strstr(buf, "{\"n\":\"<\\/script><script>alert(1)"
                                "<\\/script>\",\"c\":\"\\u003c!-- x -->\","
                                "\"s\":\"a<\\/b\"}"));
    /* only the two real script elements end */
    assert_int_equal(count(buf, "</script>"), 2);
    assert_int_equal(count(buf, "<!--"), 0);
}

static void test_deterministic(void **state)
{
    struct lx_bt_html h = small();
    size_t n1, n2;

    (void)state;
    n1 = render_to(buf, &h);
    n2 = render_to(buf2, &h);
    assert_int_equal(n1, n2);
    assert_memory_equal(buf, buf2, n1);
    h.fills = NULL;
    h.nfills = 0;
    n2 = render_to(buf2, &h);
    assert_true(n1 != n2 || memcmp(buf, buf2, n1) != 0);
}

static void test_empty(void **state)
{
    struct lx_bt_html h = {NULL, NULL, NULL, 0, NULL, 0};

    (void)state;
    render(&h);
    assert_int_equal(count(buf, "no data"), 4);
    assert_int_equal(count(buf, "<polyline"), 0);
    assert_int_equal(count(buf, "<circle"), 0);
    assert_int_equal(count(buf, "class=\"xlabel\""), 0);
    assert_int_equal(count(buf, "id=\"chart-"), 3);
    assert_non_null(strstr(buf, "<title>backtest &ndash;"));
    assert_int_equal(check_coords(buf), 0);
}

/* Fills but no samples: the price chart still places the fills. */
static void test_fills_only(void **state)
{
    struct lx_bt_html h = small();

    (void)state;
    h.npts = 0;
    h.pts = NULL;
    render(&h);
    assert_int_equal(count(buf, "<circle class=\"fill "), 6);
    assert_int_equal(count(buf, "no data"), 3);
    check_coords(buf);
}

/* One sample: the point sits in the middle of the time axis. */
static void test_one_point(void **state)
{
    struct lx_bt_point p = {T0_MS, dec(5, 0), dec(5, 0), dec(0, 0), dec(0, 0)};
    struct lx_bt_html h = {"one", "{}", &p, 1, NULL, 0};

    (void)state;
    render(&h);
    assert_non_null(strstr(buf, "id=\"series-mid\" class=\"series\" "
                                "points=\"530.0,151.0\""));
    assert_int_equal(check_coords(buf), 1);
}

/*
 * BIG_N samples: every polyline is cut to at most LX_BT_HTML_MAX_POLY
 * points, keeps the first and last sample and the single spike up and
 * down, and the output is still the same bytes twice.
 */
static void test_downsample(void **state)
{
    struct lx_bt_html h = {"big", NULL, big, BIG_N, NULL, 0};
    size_t i, n1;

    (void)state;
    for (i = 0; i < BIG_N; i++) {
        big[i] = (struct lx_bt_point){
            T0_MS + (int64_t)i * 1000, dec(6000000 + (int64_t)(i % 97), 2),
            dec(1000 + (int64_t)(i % 13), 0), dec((int64_t)(i % 11), 0),
            dec((int64_t)(i % 3), 0)};
    }
    big[54321].mid = dec(6100000, 2); /* the only high */
    big[77777].mid = dec(5900000, 2); /* the only low */
    n1 = render(&h);
    assert_true(check_coords(buf) <= LX_BT_HTML_MAX_POLY);
    assert_true(check_coords(buf) >= LX_BT_HTML_MAX_POLY - 2);
    assert_non_null(strstr(buf, "id=\"series-mid\" class=\"series\" "
                                "points=\"110.0,"));
    assert_int_equal(count_in("\"series-mid\"", ",16.0"), 1); /* spike */
    assert_int_equal(count_in("\"series-mid\"", ",286.0"), 1);
    assert_int_equal(count_in("\"series-mid\"", "950.0,"), 1); /* last */
    assert_int_equal(count_in("\"series-mid\"", "110.0,"), 1); /* first */
    assert_int_equal(render_to(buf2, &h), n1);
    assert_memory_equal(buf, buf2, n1);
}

/* Mantissas at the int64 limits and scale 18: no overflow, all inside. */
static void test_extremes(void **state)
{
    struct lx_bt_point p[3] = {
        {INT64_MIN / 2, dec(INT64_MAX, 0), dec(INT64_MIN, 18), dec(0, 0),
         dec(INT64_MAX, 18)},
        {0, dec(INT64_MIN, 0), dec(INT64_MAX, 0), dec(1, 18),
         dec(INT64_MIN, 0)},
        {INT64_MAX / 2, dec(1, 18), dec(0, 0), dec(INT64_MAX, 0), dec(0, 18)}};
    struct lx_bt_mark m = {0, 1, 1, dec(INT64_MAX, 18), dec(INT64_MAX, 0)};
    struct lx_bt_html h = {"extreme", "", p, 3, &m, 1};

    (void)state;
    render(&h);
    assert_int_equal(check_coords(buf), 3);
    assert_non_null(strstr(buf, "points=\"110.0,16.0 530.0,286.0 950.0,"));
}

static void test_errors(void **state)
{
    struct lx_bt_html h = small();
    FILE *f;

    (void)state;
    f = fmemopen(buf, BUF_CAP, "w");
    assert_non_null(f);
    assert_int_equal(lx_cli_write_html(NULL, &h), LX_ERR_INVAL);
    assert_int_equal(lx_cli_write_html(f, NULL), LX_ERR_INVAL);
    h.pts = NULL;
    assert_int_equal(lx_cli_write_html(f, &h), LX_ERR_INVAL);
    h = small();
    h.fills = NULL;
    assert_int_equal(lx_cli_write_html(f, &h), LX_ERR_INVAL);
    h = small();
    small_pts[7].drawdown.scale = 19;
    assert_int_equal(lx_cli_write_html(f, &h), LX_ERR_INVAL);
    h = small();
    small_fills[2].qty.scale = LX_DECIMAL_BAD_SCALE;
    assert_int_equal(lx_cli_write_html(f, &h), LX_ERR_INVAL);
    assert_int_equal(ftell(f), 0); /* nothing written before the check */
    assert_int_equal(fclose(f), 0);

    h = small();
    f = fopen("/dev/full", "w");
    if (f == NULL) {
        skip();
    }
    assert_int_equal(lx_cli_write_html(f, &h), LX_ERR_FILE);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),       cmocka_unit_test(test_fills),
        cmocka_unit_test(test_coords),    cmocka_unit_test(test_exact),
        cmocka_unit_test(test_escaping),  cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_empty),     cmocka_unit_test(test_fills_only),
        cmocka_unit_test(test_one_point), cmocka_unit_test(test_downsample),
        cmocka_unit_test(test_extremes),  cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
