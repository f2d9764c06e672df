/*
 * test_decimal.c - struct lx_decimal: parsing (venue strings, exponent
 * forms, rejections and their error codes), formatting, every arithmetic
 * function with every rounding mode at the int64 boundaries, and property
 * tests against independent __int128 reference computations driven by a
 * seeded splitmix64 generator (so every failure reproduces).
 *
 * Nothing here allocates, so lx_test_mem()/lx_test_failmalloc() have
 * nothing to check; the decimal functions take no allocator.
 */
#include <inttypes.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"
#include "lx_test.h"

__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

#define I128_MAX ((i128)(((u128)1 << 127) - 1))

/* Iterations of each property test. */
#define PROP_ITERS 10000

static struct lx_decimal dec(int64_t m, unsigned scale)
{
    struct lx_decimal d;

    d.m = m;
    d.scale = (uint8_t)scale;
    return d;
}

/* Parses a string that must be valid. */
static struct lx_decimal P(const char *s) {
    struct lx_decimal d = {0, 0};

    if (lx_decimal_parse(s, strlen(s), &d) != LX_OK) {
        fail_msg("parse of \"%s\" failed", s);
    }
    return d;
}

static void
assert_dec(struct lx_decimal d, int64_t m, unsigned scale)
{
    if (d.m != m || d.scale != scale) {
        fail_msg("got {%" PRId64 ", %u}, want {%" PRId64 ", %u}", d.m,
                 (unsigned)d.scale, m, scale);
    }
}

static void assert_fmt(struct lx_decimal d, const char *want)
{
    char buf[LX_DECIMAL_STRLEN];
    int n = lx_decimal_format(d, buf, sizeof(buf));

    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

/* ---- Seeded generator ------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
    return (unsigned)(rng_next() % n);
}

/*
 * A mantissa of random bit width (so small, medium and huge values are all
 * common), with the boundary values mixed in.
 */
static int64_t rng_mantissa(void)
{
    static const int64_t special[] = {0,
                                      1,
                                      -1,
                                      INT64_MAX,
                                      INT64_MIN,
                                      INT64_MIN + 1,
                                      INT64_MAX - 1,
                                      INT64_C(1000000000000000000)};
    unsigned bits = rng_below(64);
    uint64_t v;

    if (rng_below(16) == 0) {
        return special[rng_below(LX_ARRAY_LEN(special))];
    }
    v = rng_next() & ((UINT64_C(1) << bits) - 1);
    return rng_below(2) ? -(int64_t)v : (int64_t)v;
}

static struct lx_decimal rng_dec(void)
{
    return dec(rng_mantissa(), rng_below(LX_DECIMAL_MAX_SCALE + 1));
}

static enum lx_round rng_mode_all(unsigned i)
{
    return (enum lx_round)(i % 7);
}

/* ---- Reference arithmetic (independent of decimal.c) ------------------ */

static i128 ref_pow10(unsigned k)
{
    i128 p = 1;

    while (k-- > 0) {
        p *= 10;
    }
    return p;
}

static bool fits64(i128 v)
{
    return v >= INT64_MIN && v <= INT64_MAX;
}

/*
 * Rounds n / d (d > 0) starting from the floor quotient, the opposite
 * starting point to decimal.c's truncation, so a shared mistake is
 * unlikely. Returns LX_OK, LX_ERR_INEXACT, or LX_ERR_OVERFLOW when even the
 * truncated quotient is out of range (the documented precedence).
 */
static int ref_round(i128 n, i128 d, enum lx_round mode, i128 *q)
{
    i128 fl = n / d, r = n % d;

    if (r < 0) {
        fl -= 1;
        r += d;
    }
    if (!fits64(n < 0 && r != 0 ? fl + 1 : fl)) {
        return LX_ERR_OVERFLOW;
    }
    *q = fl;
    if (r == 0) {
        return LX_OK;
    }
    switch (mode) {
    case LX_ROUND_EXACT:
        return LX_ERR_INEXACT;
    case LX_ROUND_FLOOR:
        break;
    case LX_ROUND_CEIL:
        *q = fl + 1;
        break;
    case LX_ROUND_DOWN:
        *q = n < 0 ? fl + 1 : fl;
        break;
    case LX_ROUND_UP:
        *q = n < 0 ? fl : fl + 1;
        break;
    case LX_ROUND_HALF_UP:
        if (2 * r > d || (2 * r == d && n > 0)) {
            *q = fl + 1;
        }
        break;
    case LX_ROUND_HALF_EVEN:
        if (2 * r > d || (2 * r == d && (fl & 1) != 0)) {
            *q = fl + 1;
        }
        break;
    }
    return LX_OK;
}

/* Expected rc and result of v * 10^-from at scale `to`. */
static int ref_scale(i128 v, unsigned from, unsigned to, enum lx_round mode,
                     int64_t *m)
{
    i128 q;
    int rc;

    if (to >= from) {
        i128 f = ref_pow10(to - from);

        if (v > I128_MAX / f || v < -(I128_MAX / f)) {
            return LX_ERR_OVERFLOW;
        }
        q = v * f;
    } else {
        rc = ref_round(v, ref_pow10(from - to), mode, &q);
        if (rc != LX_OK) {
            return rc;
        }
    }
    if (!fits64(q)) {
        return LX_ERR_OVERFLOW;
    }
    *m = (int64_t)q;
    return LX_OK;
}

/*
 * Expected rc and mantissa of a / b at `scale`, or 1 when the reference
 * itself cannot represent the numerator (the case is then skipped).
 */
static int ref_div(struct lx_decimal a, struct lx_decimal b, unsigned scale,
                   enum lx_round mode, int64_t *m)
{
    int e = (int)scale + b.scale - a.scale;
    i128 n = a.m, d = b.m, q;
    int rc;

    if (e >= 0) {
        i128 f = ref_pow10((unsigned)e);

        if (n > I128_MAX / f || n < -(I128_MAX / f)) {
            return 1;
        }
        n *= f;
    } else {
        d *= ref_pow10((unsigned)-e);
    }
    if (d < 0) {
        n = -n;
        d = -d;
    }
    rc = ref_round(n, d, mode, &q);
    if (rc != LX_OK) {
        return rc;
    }
    if (!fits64(q)) {
        return LX_ERR_OVERFLOW;
    }
    *m = (int64_t)q;
    return LX_OK;
}

/* ---- Parsing ------------------------------------------------------------ */

struct parse_case {
    const char *s;
    int rc;
    int64_t m;
    unsigned scale;
};

static void run_parse_cases(const struct parse_case *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct lx_decimal d = {12345, 3};
        int rc = lx_decimal_parse(c[i].s, strlen(c[i].s), &d);

        if (rc != c[i].rc) {
            fail_msg("\"%s\": rc %s, want %s", c[i].s, lx_err_name(rc),
                     lx_err_name(c[i].rc));
        }
        if (rc == LX_OK) {
            assert_dec(d, c[i].m, c[i].scale);
        } else {
            /* A failed parse leaves *out alone. */
            assert_dec(d, 12345, 3);
        }
    }
}

static void test_parse_plain(void **state)
{
    static const struct parse_case c[] = {
        {"0.00100000", LX_OK, 100000, 8},
        {"-1.5", LX_OK, -15, 1},
        {"+2", LX_OK, 2, 0},
        {"42", LX_OK, 42, 0},
        {"0", LX_OK, 0, 0},
        {"0.0", LX_OK, 0, 1},
        {"-0", LX_OK, 0, 0},
        {"-0.00", LX_OK, 0, 2},
        {"+0.000", LX_OK, 0, 3},
        {"007.50", LX_OK, 750, 2},
        {"-000", LX_OK, 0, 0},
        {"9223372036854775807", LX_OK, INT64_MAX, 0},
        {"-9223372036854775808", LX_OK, INT64_MIN, 0},
        {"-9.223372036854775808", LX_OK, INT64_MIN, 18},
        {"9.223372036854775807", LX_OK, INT64_MAX, 18},
        {"0.000000000000000001", LX_OK, 1, 18},
        {"-0.000000000000000001", LX_OK, -1, 18},
        {"0000000000000000000000000001", LX_OK, 1, 0},
        {"92233720368.54775807", LX_OK, INT64_MAX, 8},
        /* Excess fractional digits that are zeros are dropped. */
        {"0.1000000000000000000000", LX_OK, INT64_C(100000000000000000), 18},
        {"1.0000000000000000000", LX_OK, INT64_C(1000000000000000000), 18},
        {"0.0000000000000000000000", LX_OK, 0, 18},
        {"-0.0000000000000000010", LX_OK, -1, 18},
    };

    (void)state;
    run_parse_cases(c, LX_ARRAY_LEN(c));
}

static void test_parse_exponent(void **state)
{
    static const struct parse_case c[] = {
        {"1e-8", LX_OK, 1, 8},
        {"1E-8", LX_OK, 1, 8},
        {"1.5E+3", LX_OK, 1500, 0},
        {"1.5e3", LX_OK, 1500, 0},
        {"2.5e-07", LX_OK, 25, 8},
        {"-2.5e-07", LX_OK, -25, 8},
        {"0E-8", LX_OK, 0, 8},
        {"0e0", LX_OK, 0, 0},
        {"0e999", LX_OK, 0, 0},
        {"-0e-999", LX_OK, 0, 18},
        {"0.00e-30", LX_OK, 0, 18},
        {"1.000e-3", LX_OK, 1000, 6},
        {"1.25e1", LX_OK, 125, 1},
        {"1.25e2", LX_OK, 125, 0},
        {"123e-2", LX_OK, 123, 2},
        {"1e18", LX_OK, INT64_C(1000000000000000000), 0},
        {"9.223372036854775807e18", LX_OK, INT64_MAX, 0},
        {"-9223372036854775808e-18", LX_OK, INT64_MIN, 18},
        {"1e-18", LX_OK, 1, 18},
        {"10e-19", LX_OK, 1, 18},
        {"1e+00000000000000000000000000001", LX_OK, 10, 0},
        {"0.1e-17", LX_OK, 1, 18},
        /* Too small for scale 18: out of range, never rounded. */
        {"1e-19", LX_ERR_RANGE, 0, 0},
        {"1.5e-18", LX_ERR_RANGE, 0, 0},
        {"1e-999", LX_ERR_RANGE, 0, 0},
        {"1e-99999999999999999999999999", LX_ERR_RANGE, 0, 0},
        /* Too big. */
        {"1e19", LX_ERR_OVERFLOW, 0, 0},
        {"1e999", LX_ERR_OVERFLOW, 0, 0},
        {"9.223372036854775808e18", LX_ERR_OVERFLOW, 0, 0},
        {"-9.223372036854775809e18", LX_ERR_OVERFLOW, 0, 0},
        {"1e99999999999999999999999999", LX_ERR_OVERFLOW, 0, 0},
        {"1e17", LX_OK, INT64_C(100000000000000000), 0},
    };

    (void)state;
    run_parse_cases(c, LX_ARRAY_LEN(c));
}

static void test_parse_reject(void **state)
{
    static const struct parse_case c[] = {
        {"", LX_ERR_PARSE, 0, 0},
        {"1.2.3", LX_ERR_PARSE, 0, 0},
        {"--1", LX_ERR_PARSE, 0, 0},
        {"+-1", LX_ERR_PARSE, 0, 0},
        {"1e", LX_ERR_PARSE, 0, 0},
        {"1e+", LX_ERR_PARSE, 0, 0},
        {"1e-", LX_ERR_PARSE, 0, 0},
        {"1ee5", LX_ERR_PARSE, 0, 0},
        {"1e5.5", LX_ERR_PARSE, 0, 0},
        {"1e5e5", LX_ERR_PARSE, 0, 0},
        {"e5", LX_ERR_PARSE, 0, 0},
        {" 1", LX_ERR_PARSE, 0, 0},
        {"1 ", LX_ERR_PARSE, 0, 0},
        {"1\t", LX_ERR_PARSE, 0, 0},
        {"- 1", LX_ERR_PARSE, 0, 0},
        {".5", LX_ERR_PARSE, 0, 0},
        {"-.5", LX_ERR_PARSE, 0, 0},
        {"5.", LX_ERR_PARSE, 0, 0},
        {"5.e3", LX_ERR_PARSE, 0, 0},
        {".", LX_ERR_PARSE, 0, 0},
        {"-", LX_ERR_PARSE, 0, 0},
        {"+", LX_ERR_PARSE, 0, 0},
        {"inf", LX_ERR_PARSE, 0, 0},
        {"-Infinity", LX_ERR_PARSE, 0, 0},
        {"nan", LX_ERR_PARSE, 0, 0},
        {"NaN", LX_ERR_PARSE, 0, 0},
        {"0x10", LX_ERR_PARSE, 0, 0},
        {"0x1p3", LX_ERR_PARSE, 0, 0},
        {"1,5", LX_ERR_PARSE, 0, 0},
        {"1_000", LX_ERR_PARSE, 0, 0},
        {"\"1\"", LX_ERR_PARSE, 0, 0},
        {"1/2", LX_ERR_PARSE, 0, 0},
        {"\xd9\xa1", LX_ERR_PARSE, 0, 0},
        {"9223372036854775808", LX_ERR_OVERFLOW, 0, 0},
        {"-9223372036854775809", LX_ERR_OVERFLOW, 0, 0},
        {"10000000000000000000000", LX_ERR_OVERFLOW, 0, 0},
        /* 20 digits that wrap a uint64 to 0 and to 1. */
        {"92233720368547758080", LX_ERR_OVERFLOW, 0, 0},
        {"18446744073709551617", LX_ERR_OVERFLOW, 0, 0},
        {"1844674407370955161.7e1", LX_ERR_OVERFLOW, 0, 0},
        {"1.8446744073709551617", LX_ERR_INEXACT, 0, 0},
        {"92233720368.54775808", LX_ERR_OVERFLOW, 0, 0},
        {"9.2233720368547758070", LX_OK, INT64_MAX, 18},
        {"0.0000000000000000001", LX_ERR_INEXACT, 0, 0},
        {"1.0000000000000000001", LX_ERR_INEXACT, 0, 0},
        {"0.1234567890123456789", LX_ERR_INEXACT, 0, 0},
        /* Too big and too precise: overflow wins, as in arithmetic. */
        {"10000000000000000000.0000000000000000001", LX_ERR_OVERFLOW, 0, 0},
        {"9223372036854775808.0000000000000000001", LX_ERR_OVERFLOW, 0, 0},
        {"9223372036854775807.0000000000000000001", LX_ERR_INEXACT, 0, 0},
        {"-9223372036854775808.0000000000000000001", LX_ERR_INEXACT, 0, 0},
        {"1.0000000000000000001e19", LX_ERR_OVERFLOW, 0, 0},
        {"1.00000000000000000000001e18", LX_ERR_OVERFLOW, 0, 0},
        {"1.0000000000000000000000001e-1", LX_ERR_RANGE, 0, 0},
        {"99999999999999999999e-40", LX_ERR_RANGE, 0, 0},
    };
    struct lx_decimal d = {7, 1};

    (void)state;
    run_parse_cases(c, LX_ARRAY_LEN(c));
    /* Embedded NUL: the length decides, and NUL is not a digit. */
    assert_int_equal(lx_decimal_parse("1\0", 2, &d), LX_ERR_PARSE);
    assert_int_equal(lx_decimal_parse("1", 1, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_parse(NULL, 1, &d), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_parse(NULL, 0, &d), LX_ERR_PARSE);
    assert_dec(d, 7, 1);
}

/* Only len bytes are read: a price inside a larger JSON buffer. */
static void test_parse_len(void **state)
{
    const char *json = "[\"61837.64000000\",\"1.54698000\"]";
    struct lx_decimal d;

    (void)state;
    assert_int_equal(lx_decimal_parse(json + 2, 14, &d), LX_OK);
    assert_dec(d, INT64_C(6183764000000), 8);
    assert_int_equal(lx_decimal_parse(json + 19, 10, &d), LX_OK);
    assert_dec(d, 154698000, 8);
    assert_int_equal(lx_decimal_parse("1.25xyz", 4, &d), LX_OK);
    assert_dec(d, 125, 2);
    assert_int_equal(lx_decimal_parse("1.25e", 4, &d), LX_OK);
    assert_dec(d, 125, 2);
    assert_int_equal(lx_decimal_parse("1.25", 2, &d), LX_ERR_PARSE);
}

/* Long inputs: thousands of digits are fine when their value fits. */
static void test_parse_long(void **state)
{
    static char buf[6000];
    struct lx_decimal d;
    size_t i;

    (void)state;
    /* 5000 leading zeros, then 12.5. */
    memset(buf, '0', 5000);
    memcpy(buf + 5000, "12.5", 4);
    assert_int_equal(lx_decimal_parse(buf, 5004, &d), LX_OK);
    assert_dec(d, 125, 1);
    /* "1." followed by 5000 zeros: scale 18. */
    buf[0] = '1';
    buf[1] = '.';
    memset(buf + 2, '0', 5000);
    assert_int_equal(lx_decimal_parse(buf, 5002, &d), LX_OK);
    assert_dec(d, INT64_C(1000000000000000000), 18);
    /* ... with a 1 at the very end it can no longer be kept. */
    buf[5002] = '1';
    assert_int_equal(lx_decimal_parse(buf, 5003, &d), LX_ERR_INEXACT);
    /* Shifted up by an exponent, the integer part is far too big. */
    memcpy(buf + 5003, "e4990", 5);
    assert_int_equal(lx_decimal_parse(buf, 5008, &d), LX_ERR_OVERFLOW);
    /* 5000 digits of integer part overflow. */
    for (i = 0; i < 5000; i++) {
        buf[i] = (char)('1' + i % 9);
    }
    assert_int_equal(lx_decimal_parse(buf, 5000, &d), LX_ERR_OVERFLOW);
    /* "0.", 4990 zeros, "1000e4991": 1000 * 10^-4994 * 10^4991 = 1.000. */
    memcpy(buf, "0.", 2);
    memset(buf + 2, '0', 4990);
    memcpy(buf + 4992, "1000e4991", 9);
    assert_int_equal(lx_decimal_parse(buf, 5001, &d), LX_OK);
    assert_dec(d, 1000, 3);
}

/* ---- Formatting --------------------------------------------------------- */

static void test_format(void **state)
{
    char buf[LX_DECIMAL_STRLEN];

    (void)state;
    assert_fmt(dec(100000, 8), "0.00100000");
    assert_fmt(dec(-5, 1), "-0.5");
    assert_fmt(dec(42, 0), "42");
    assert_fmt(dec(0, 0), "0");
    assert_fmt(dec(0, 2), "0.00");
    assert_fmt(dec(-1, 0), "-1");
    assert_fmt(dec(1, 18), "0.000000000000000001");
    assert_fmt(dec(-1, 18), "-0.000000000000000001");
    assert_fmt(dec(INT64_MAX, 0), "9223372036854775807");
    assert_fmt(dec(INT64_MIN, 0), "-9223372036854775808");
    assert_fmt(dec(INT64_MIN, 18), "-9.223372036854775808");
    assert_fmt(dec(INT64_MAX, 18), "9.223372036854775807");
    assert_fmt(dec(INT64_MIN, 8), "-92233720368.54775808");
    assert_fmt(dec(INT64_C(6012345000000), 8), "60123.45000000");
    assert_fmt(dec(1230, 3), "1.230");
    /* The documented worst cases fill LX_DECIMAL_STRLEN exactly. */
    assert_int_equal(lx_decimal_format(dec(INT64_MIN, 18), buf, sizeof(buf)),
                     LX_DECIMAL_STRLEN - 1);
    assert_int_equal(lx_decimal_format(dec(-1, 18), buf, sizeof(buf)),
                     LX_DECIMAL_STRLEN - 1);
}

static void test_format_errors(void **state)
{
    char buf[8];

    (void)state;
    /* "-1.50" needs 6 bytes with its NUL. */
    assert_int_equal(lx_decimal_format(dec(-150, 2), buf, 6), 5);
    assert_string_equal(buf, "-1.50");
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(lx_decimal_format(dec(-150, 2), buf, 5), LX_ERR_TOOBIG);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'x');
    buf[0] = 'x';
    assert_int_equal(lx_decimal_format(dec(1, 0), buf, 1), LX_ERR_TOOBIG);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(lx_decimal_format(dec(1, 0), buf, 0), LX_ERR_TOOBIG);
    assert_int_equal(buf[1], 'x');
    assert_int_equal(lx_decimal_format(dec(1, 0), NULL, 0), LX_ERR_TOOBIG);
    assert_int_equal(lx_decimal_format(dec(1, 0), NULL, 4), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_format(dec(1, 19), buf, sizeof(buf)),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_format(dec(1, 255), buf, sizeof(buf)),
                     LX_ERR_INVAL);
}

/* ---- Real venue strings ------------------------------------------------- */

/*
 * Strings as Binance sent them (shared/samples: binance-spot hftbacktest
 * btcusdt_20240808 depth/trade frames and cryptofeed exchangeInfo 2021-10-12;
 * binance-usdm hftbacktest btcusdt_20240718, cryptofeed exchangeInfo
 * 2021-07-22 and nautilus ws_futures_trade_lite).
 */
static const struct parse_case venue_strings[] = {
    /* spot depth/trade: price and quantity at 8 decimals */
    {"61737.63000000", LX_OK, INT64_C(6173763000000), 8},
    {"0.00000000", LX_OK, 0, 8},
    {"1.54698000", LX_OK, 154698000, 8},
    {"0.32329000", LX_OK, 32329000, 8},
    {"0.05041000", LX_OK, 5041000, 8},
    {"0.02000000", LX_OK, 2000000, 8},
    {"0.35280000", LX_OK, 35280000, 8},
    {"0.00000638", LX_OK, 638, 8},
    /* spot exchangeInfo filters */
    {"0.01000000", LX_OK, 1000000, 8},
    {"0.00000001", LX_OK, 1, 8},
    {"0.00010000", LX_OK, 10000, 8},
    {"1.00000000", LX_OK, 100000000, 8},
    {"0.00001000", LX_OK, 1000, 8},
    {"1000000.00000000", LX_OK, INT64_C(100000000000000), 8},
    {"9000.00000000", LX_OK, INT64_C(900000000000), 8},
    {"100.05381873", LX_OK, INT64_C(10005381873), 8},
    {"10.00000000", LX_OK, 1000000000, 8},
    {"5", LX_OK, 5, 0},
    {"0.2", LX_OK, 2, 1},
    /* usdm depth/trade: 2 and 3 decimals */
    {"63943.90", LX_OK, 6394390, 2},
    {"0.003", LX_OK, 3, 3},
    {"1000.00", LX_OK, 100000, 2},
    {"569.567", LX_OK, 569567, 3},
    {"62109.60", LX_OK, 6210960, 2},
    {"0.000", LX_OK, 0, 3},
    {"2631.90", LX_OK, 263190, 2},
    {"0.037", LX_OK, 37, 3},
    /* usdm exchangeInfo filters */
    {"0.01", LX_OK, 1, 2},
    {"0.001", LX_OK, 1, 3},
    {"1000000", LX_OK, 1000000, 0},
    {"556.72", LX_OK, 55672, 2},
    {"0.8500", LX_OK, 8500, 4},
    {"1.1500", LX_OK, 11500, 4},
};

static void test_venue_roundtrip(void **state)
{
    size_t i;

    (void)state;
    run_parse_cases(venue_strings, LX_ARRAY_LEN(venue_strings));
    /* Every venue string formats back byte for byte. */
    for (i = 0; i < LX_ARRAY_LEN(venue_strings); i++) {
        assert_fmt(P(venue_strings[i].s), venue_strings[i].s);
    }
}

/* The order path: price to ticks, qty to lots, notional, filters. */
static void test_venue_flow(void **state)
{
    struct lx_decimal tick = P("0.01000000"), lot = P("0.00001000");
    struct lx_decimal px = P("61837.64000000"), qty = P("1.54698000");
    struct lx_decimal r;
    int64_t t;

    (void)state;
    assert_int_equal(lx_decimal_to_ticks(px, tick, &t), LX_OK);
    assert_true(t == 6183764);
    assert_int_equal(lx_decimal_from_ticks(t, tick, &r), LX_OK);
    assert_fmt(r, "61837.64000000");
    assert_int_equal(lx_decimal_to_ticks(qty, lot, &t), LX_OK);
    assert_true(t == 154698);
    /* Notional against MIN_NOTIONAL "10.00000000". */
    assert_int_equal(lx_decimal_mul(px, qty, 8, LX_ROUND_EXACT, &r), LX_OK);
    assert_fmt(r, "95661.59232720");
    assert_int_equal(lx_decimal_cmp(r, P("10.00000000")), 1);
    /* A qty off the lot grid is caught, then rounded down onto it. */
    assert_int_equal(lx_decimal_to_ticks(P("100.05381873"), lot, &t),
                     LX_ERR_INEXACT);
    assert_int_equal(
        lx_decimal_round_to_step(P("100.05381873"), lot, LX_ROUND_DOWN, &r),
        LX_OK);
    assert_fmt(r, "100.05381000");
    /* USD-M: tick "0.01", step "0.001". */
    assert_int_equal(
        lx_decimal_mul(P("2631.90"), P("0.037"), 5, LX_ROUND_EXACT, &r), LX_OK);
    assert_fmt(r, "97.38030");
    assert_int_equal(
        lx_decimal_mul(P("63943.90"), P("0.003"), 2, LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_fmt(r, "191.83");
    assert_int_equal(lx_decimal_to_ticks(P("63943.90"), P("0.01"), &t), LX_OK);
    assert_true(t == 6394390);
    /* Binance's MARKET_LOT_SIZE stepSize "0.00000000" is no step at all. */
    assert_int_equal(
        lx_decimal_round_to_step(qty, P("0.00000000"), LX_ROUND_DOWN, &r),
        LX_ERR_INVAL);
    /* Same value at different scales: equal, yet formatted as received. */
    assert_true(lx_decimal_eq(P("0.01000000"), P("0.01")));
    assert_int_equal(lx_decimal_cmp(P("63943.90"), P("63943.9")), 0);
}

/* ---- Construction, ticks ------------------------------------------------ */

static void test_from_i64(void **state)
{
    struct lx_decimal d, r;
    char buf[LX_DECIMAL_STRLEN];

    (void)state;
    assert_fmt(lx_decimal_from_i64(12345, 2), "123.45");
    assert_fmt(lx_decimal_from_i64(-7, 0), "-7");
    assert_fmt(lx_decimal_from_i64(INT64_MIN, 18), "-9.223372036854775808");
    assert_true(lx_decimal_is_valid(lx_decimal_from_i64(1, 18)));
    /* A bad scale poisons the value instead of silently changing it. */
    d = lx_decimal_from_i64(5, 19);
    assert_false(lx_decimal_is_valid(d));
    assert_int_equal(d.scale, LX_DECIMAL_BAD_SCALE);
    assert_int_equal(lx_decimal_format(d, buf, sizeof(buf)), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_add(d, d, &r), LX_ERR_INVAL);
    d = lx_decimal_from_i64(5, 1000);
    assert_int_equal(d.scale, LX_DECIMAL_BAD_SCALE);
}

static void test_ticks(void **state)
{
    struct lx_decimal r = {99, 9};
    int64_t t = 77;

    (void)state;
    assert_int_equal(lx_decimal_to_ticks(P("-0.15"), P("0.05"), &t), LX_OK);
    assert_true(t == -3);
    assert_int_equal(lx_decimal_to_ticks(P("0"), P("0.05"), &t), LX_OK);
    assert_true(t == 0);
    assert_int_equal(lx_decimal_to_ticks(P("2"), P("0.5"), &t), LX_OK);
    assert_true(t == 4);
    /* The step may have a larger scale than the value, or a smaller one. */
    assert_int_equal(lx_decimal_to_ticks(P("1.5"), P("0.00100000"), &t), LX_OK);
    assert_true(t == 1500);
    assert_int_equal(lx_decimal_to_ticks(P("30.000"), P("10"), &t), LX_OK);
    assert_true(t == 3);
    assert_int_equal(lx_decimal_to_ticks(P("0.16"), P("0.05"), &t),
                     LX_ERR_INEXACT);
    assert_int_equal(lx_decimal_to_ticks(dec(INT64_MAX, 0), dec(1, 18), &t),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_to_ticks(dec(INT64_MIN, 0), dec(1, 0), &t),
                     LX_OK);
    assert_true(t == INT64_MIN);
    assert_int_equal(lx_decimal_to_ticks(P("1"), P("0"), &t), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_to_ticks(P("1"), P("-0.1"), &t), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_to_ticks(dec(1, 19), P("0.1"), &t),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_to_ticks(P("1"), P("0.1"), NULL), LX_ERR_INVAL);
    assert_true(t == INT64_MIN);

    assert_int_equal(lx_decimal_from_ticks(-3, P("0.05"), &r), LX_OK);
    assert_fmt(r, "-0.15");
    assert_int_equal(lx_decimal_from_ticks(0, P("0.05000"), &r), LX_OK);
    assert_fmt(r, "0.00000");
    assert_int_equal(lx_decimal_from_ticks(INT64_MIN, dec(1, 3), &r), LX_OK);
    assert_dec(r, INT64_MIN, 3);
    assert_int_equal(lx_decimal_from_ticks(INT64_MIN, dec(2, 3), &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_from_ticks(INT64_C(4611686018427387904), dec(2, 0), &r),
        LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_from_ticks(-INT64_C(4611686018427387904), dec(2, 0), &r),
        LX_OK);
    assert_dec(r, INT64_MIN, 0);
    assert_int_equal(lx_decimal_from_ticks(1, P("0"), &r), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_from_ticks(1, dec(1, 19), &r), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_from_ticks(1, P("1"), NULL), LX_ERR_INVAL);
    assert_dec(r, INT64_MIN, 0);
}

/* ---- Arithmetic --------------------------------------------------------- */

static void test_add_sub(void **state)
{
    struct lx_decimal r = {0, 0};

    (void)state;
    assert_int_equal(lx_decimal_add(P("0.1"), P("0.25"), &r), LX_OK);
    assert_dec(r, 35, 2);
    assert_int_equal(lx_decimal_add(P("1.50"), P("1.50"), &r), LX_OK);
    assert_fmt(r, "3.00");
    assert_int_equal(lx_decimal_sub(P("1"), P("0.00000001"), &r), LX_OK);
    assert_fmt(r, "0.99999999");
    assert_int_equal(lx_decimal_sub(P("-1.5"), P("-1.5"), &r), LX_OK);
    assert_fmt(r, "0.0");
    assert_int_equal(lx_decimal_add(P("-2"), P("0.5"), &r), LX_OK);
    assert_fmt(r, "-1.5");
    /* Boundaries. */
    assert_int_equal(lx_decimal_add(dec(INT64_MAX - 1, 0), dec(1, 0), &r),
                     LX_OK);
    assert_dec(r, INT64_MAX, 0);
    assert_int_equal(lx_decimal_add(dec(INT64_MAX, 0), dec(1, 0), &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_sub(dec(INT64_MIN + 1, 0), dec(1, 0), &r),
                     LX_OK);
    assert_dec(r, INT64_MIN, 0);
    assert_int_equal(lx_decimal_sub(dec(INT64_MIN, 0), dec(1, 0), &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_sub(dec(0, 0), dec(INT64_MIN, 0), &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_add(dec(INT64_MIN, 0), dec(INT64_MIN, 0), &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_add(dec(INT64_MIN, 5), dec(INT64_MAX, 5), &r),
                     LX_OK);
    assert_dec(r, -1, 5);
    /* Aligning scales can overflow even when the value is small... */
    assert_int_equal(lx_decimal_add(dec(INT64_MAX, 0), dec(0, 1), &r),
                     LX_ERR_OVERFLOW);
    /* ... and 18 digits of alignment still work exactly. */
    assert_int_equal(lx_decimal_add(dec(9, 0), dec(1, 18), &r), LX_OK);
    assert_dec(r, INT64_C(9000000000000000001), 18);
    assert_int_equal(lx_decimal_add(dec(10, 0), dec(1, 18), &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_sub(dec(-9, 0), dec(1, 18), &r), LX_OK);
    assert_dec(r, -INT64_C(9000000000000000001), 18);
    /* Invalid operands. */
    assert_int_equal(lx_decimal_add(dec(1, 19), dec(1, 0), &r), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_sub(dec(1, 0), dec(1, 200), &r), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_add(dec(1, 0), dec(1, 0), NULL), LX_ERR_INVAL);
    assert_dec(r, -INT64_C(9000000000000000001), 18);
}

/* The rounding table of lx_decimal.h, via rescale to scale 0. */
static void test_rounding_table(void **state)
{
    static const int64_t in[] = {25, 24, 15, -15, -24, -25, -26, 5, -5, 0};
    static const int64_t want[7][10] = {
        /* EXACT: only 0 passes (checked separately) */
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        {2, 2, 1, -1, -2, -2, -2, 0, 0, 0},  /* DOWN */
        {3, 3, 2, -2, -3, -3, -3, 1, -1, 0}, /* UP */
        {2, 2, 1, -2, -3, -3, -3, 0, -1, 0}, /* FLOOR */
        {3, 3, 2, -1, -2, -2, -2, 1, 0, 0},  /* CEIL */
        {3, 2, 2, -2, -2, -3, -3, 1, -1, 0}, /* HALF_UP */
        {2, 2, 2, -2, -2, -2, -3, 0, 0, 0},  /* HALF_EVEN */
    };
    struct lx_decimal r;
    unsigned mode;
    size_t i;

    (void)state;
    for (mode = 1; mode < 7; mode++) {
        for (i = 0; i < LX_ARRAY_LEN(in); i++) {
            assert_int_equal(
                lx_decimal_rescale(dec(in[i], 1), 0, (enum lx_round)mode, &r),
                LX_OK);
            assert_dec(r, want[mode][i], 0);
        }
    }
    for (i = 0; i + 1 < LX_ARRAY_LEN(in); i++) {
        assert_int_equal(
            lx_decimal_rescale(dec(in[i], 1), 0, LX_ROUND_EXACT, &r),
            LX_ERR_INEXACT);
    }
    assert_int_equal(lx_decimal_rescale(dec(0, 1), 0, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_dec(r, 0, 0);
}

static void test_rescale(void **state)
{
    struct lx_decimal r = {0, 0};

    (void)state;
    assert_int_equal(lx_decimal_rescale(P("1.5"), 3, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_fmt(r, "1.500");
    assert_int_equal(lx_decimal_rescale(P("1.500"), 1, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_fmt(r, "1.5");
    assert_int_equal(lx_decimal_rescale(P("1.501"), 1, LX_ROUND_EXACT, &r),
                     LX_ERR_INEXACT);
    /* Ties far below the last kept digit are still ties. */
    assert_int_equal(lx_decimal_rescale(P("0.000000000000000005"), 17,
                                        LX_ROUND_HALF_EVEN, &r),
                     LX_OK);
    assert_dec(r, 0, 17);
    assert_int_equal(lx_decimal_rescale(P("-0.500000000000000001"), 0,
                                        LX_ROUND_HALF_EVEN, &r),
                     LX_OK);
    assert_dec(r, -1, 0);
    assert_int_equal(
        lx_decimal_rescale(dec(INT64_MIN, 18), 0, LX_ROUND_FLOOR, &r), LX_OK);
    assert_dec(r, -10, 0);
    assert_int_equal(
        lx_decimal_rescale(dec(INT64_MAX, 18), 0, LX_ROUND_CEIL, &r), LX_OK);
    assert_dec(r, 10, 0);
    /* Growing the scale overflows past 19 digits. */
    assert_int_equal(lx_decimal_rescale(P("9.22"), 18, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_dec(r, INT64_C(9220000000000000000), 18);
    assert_int_equal(lx_decimal_rescale(P("9.23"), 18, LX_ROUND_EXACT, &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_rescale(dec(INT64_MIN, 0), 1, LX_ROUND_DOWN, &r),
        LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_rescale(P("0"), 18, LX_ROUND_EXACT, &r), LX_OK);
    assert_dec(r, 0, 18);
    assert_int_equal(lx_decimal_rescale(dec(INT64_MIN, 1), 1, LX_ROUND_UP, &r),
                     LX_OK);
    assert_dec(r, INT64_MIN, 1);
    assert_int_equal(lx_decimal_rescale(P("1"), 19, LX_ROUND_EXACT, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_rescale(P("1"), 1, (enum lx_round)7, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_rescale(P("1"), 1, (enum lx_round) - 1, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_rescale(dec(1, 19), 1, LX_ROUND_DOWN, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_rescale(P("1"), 1, LX_ROUND_DOWN, NULL),
                     LX_ERR_INVAL);
    assert_dec(r, INT64_MIN, 1);
}

static void test_mul(void **state)
{
    struct lx_decimal r = {0, 0};

    (void)state;
    assert_int_equal(
        lx_decimal_mul(P("60123.45"), P("0.00123"), 8, LX_ROUND_EXACT, &r),
        LX_OK);
    assert_fmt(r, "73.95184350");
    assert_int_equal(
        lx_decimal_mul(P("60123.45"), P("0.00123"), 2, LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_fmt(r, "73.95");
    assert_int_equal(
        lx_decimal_mul(P("60123.45"), P("0.00123"), 2, LX_ROUND_UP, &r), LX_OK);
    assert_fmt(r, "73.96");
    assert_int_equal(
        lx_decimal_mul(P("60123.45"), P("0.00123"), 2, LX_ROUND_EXACT, &r),
        LX_ERR_INEXACT);
    /* Negative halves: -0.5 * 0.5 = -0.25 at scale 1. */
    assert_int_equal(
        lx_decimal_mul(P("-0.5"), P("0.5"), 1, LX_ROUND_HALF_UP, &r), LX_OK);
    assert_fmt(r, "-0.3");
    assert_int_equal(
        lx_decimal_mul(P("-0.5"), P("0.5"), 1, LX_ROUND_HALF_EVEN, &r), LX_OK);
    assert_fmt(r, "-0.2");
    assert_int_equal(lx_decimal_mul(P("-0.5"), P("0.5"), 1, LX_ROUND_FLOOR, &r),
                     LX_OK);
    assert_fmt(r, "-0.3");
    assert_int_equal(lx_decimal_mul(P("-0.5"), P("0.5"), 1, LX_ROUND_CEIL, &r),
                     LX_OK);
    assert_fmt(r, "-0.2");
    /* 3689348814741910323 * 2.5 = INT64_MAX + 0.5: the mode decides. */
    {
        static const int pos[7] = {
            LX_ERR_INEXACT,  LX_OK,           LX_ERR_OVERFLOW, LX_OK,
            LX_ERR_OVERFLOW, LX_ERR_OVERFLOW, LX_ERR_OVERFLOW};
        static const int neg[7] = {LX_ERR_INEXACT, LX_OK, LX_OK, LX_OK,
                                   LX_OK,          LX_OK, LX_OK};
        static const int64_t negm[7] = {0,         -INT64_MAX, INT64_MIN,
                                        INT64_MIN, -INT64_MAX, INT64_MIN,
                                        INT64_MIN};
        struct lx_decimal a = dec(INT64_C(3689348814741910323), 0);
        unsigned mode;

        for (mode = 0; mode < 7; mode++) {
            assert_int_equal(
                lx_decimal_mul(a, P("2.5"), 0, (enum lx_round)mode, &r),
                pos[mode]);
            if (pos[mode] == LX_OK) {
                assert_dec(r, INT64_MAX, 0);
            }
            assert_int_equal(
                lx_decimal_mul(a, P("-2.5"), 0, (enum lx_round)mode, &r),
                neg[mode]);
            if (neg[mode] == LX_OK) {
                assert_dec(r, negm[mode], 0);
            }
        }
    }
    /* A 36-digit exact product reduced to 18 digits. */
    assert_int_equal(lx_decimal_mul(dec(INT64_MAX, 18), dec(INT64_MAX, 18), 17,
                                    LX_ROUND_DOWN, &r),
                     LX_OK);
    assert_fmt(r, "85.07059173023461584");
    assert_int_equal(lx_decimal_mul(dec(INT64_MAX, 18), dec(INT64_MAX, 18), 17,
                                    LX_ROUND_HALF_UP, &r),
                     LX_OK);
    assert_fmt(r, "85.07059173023461585");
    assert_int_equal(lx_decimal_mul(dec(INT64_MAX, 18), dec(INT64_MAX, 18), 18,
                                    LX_ROUND_DOWN, &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_mul(dec(INT64_MIN, 0), dec(INT64_MIN, 0), 0,
                                    LX_ROUND_EXACT, &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_mul(dec(INT64_MIN, 18), dec(INT64_MIN, 18), 0,
                                    LX_ROUND_DOWN, &r),
                     LX_OK);
    assert_dec(r, 85, 0);
    assert_int_equal(
        lx_decimal_mul(dec(INT64_MIN, 0), P("-1"), 0, LX_ROUND_EXACT, &r),
        LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_mul(dec(INT64_MIN, 0), P("1"), 0, LX_ROUND_EXACT, &r),
        LX_OK);
    assert_dec(r, INT64_MIN, 0);
    /* Target scale above the product's: exact, may overflow. */
    assert_int_equal(lx_decimal_mul(P("3"), P("4"), 17, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_dec(r, INT64_C(1200000000000000000), 17);
    assert_int_equal(lx_decimal_mul(P("3"), P("4"), 18, LX_ROUND_EXACT, &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_mul(P("0"), dec(INT64_MIN, 0), 18, LX_ROUND_EXACT, &r),
        LX_OK);
    assert_dec(r, 0, 18);
    /* Too big and inexact: overflow wins in every mode. */
    assert_int_equal(
        lx_decimal_mul(dec(INT64_MAX, 0), P("1.5"), 0, LX_ROUND_EXACT, &r),
        LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_mul(dec(INT64_MAX, 0), P("-0.5"), 0, LX_ROUND_EXACT, &r),
        LX_ERR_INEXACT);
    assert_int_equal(lx_decimal_mul(P("1"), P("1"), 19, LX_ROUND_EXACT, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_mul(P("1"), P("1"), 0, (enum lx_round)9, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_mul(dec(1, 19), P("1"), 0, LX_ROUND_DOWN, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_mul(P("1"), P("1"), 0, LX_ROUND_DOWN, NULL),
                     LX_ERR_INVAL);
    assert_dec(r, 0, 18);
}

static void test_div(void **state)
{
    struct lx_decimal r = {0, 0};

    (void)state;
    assert_int_equal(lx_decimal_div(P("1"), P("3"), 8, LX_ROUND_EXACT, &r),
                     LX_ERR_INEXACT);
    assert_int_equal(lx_decimal_div(P("1"), P("3"), 8, LX_ROUND_DOWN, &r),
                     LX_OK);
    assert_fmt(r, "0.33333333");
    assert_int_equal(lx_decimal_div(P("2"), P("3"), 8, LX_ROUND_HALF_UP, &r),
                     LX_OK);
    assert_fmt(r, "0.66666667");
    assert_int_equal(lx_decimal_div(P("1"), P("8"), 2, LX_ROUND_HALF_EVEN, &r),
                     LX_OK);
    assert_fmt(r, "0.12");
    assert_int_equal(lx_decimal_div(P("1"), P("8"), 2, LX_ROUND_HALF_UP, &r),
                     LX_OK);
    assert_fmt(r, "0.13");
    assert_int_equal(lx_decimal_div(P("-1"), P("8"), 2, LX_ROUND_HALF_UP, &r),
                     LX_OK);
    assert_fmt(r, "-0.13");
    assert_int_equal(lx_decimal_div(P("1"), P("-8"), 2, LX_ROUND_HALF_EVEN, &r),
                     LX_OK);
    assert_fmt(r, "-0.12");
    assert_int_equal(
        lx_decimal_div(P("-3"), P("-8"), 2, LX_ROUND_HALF_EVEN, &r), LX_OK);
    assert_fmt(r, "0.38");
    assert_int_equal(lx_decimal_div(P("-1"), P("8"), 2, LX_ROUND_FLOOR, &r),
                     LX_OK);
    assert_fmt(r, "-0.13");
    assert_int_equal(lx_decimal_div(P("-1"), P("8"), 2, LX_ROUND_CEIL, &r),
                     LX_OK);
    assert_fmt(r, "-0.12");
    assert_int_equal(lx_decimal_div(P("-1"), P("8"), 3, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_fmt(r, "-0.125");
    /* Quote amount / price = qty, at the lot's precision. */
    assert_int_equal(
        lx_decimal_div(P("100.00"), P("61837.64000000"), 5, LX_ROUND_DOWN, &r),
        LX_OK);
    assert_fmt(r, "0.00161");
    /* The largest exponent (scale + b.scale - a.scale = 36). */
    assert_int_equal(lx_decimal_div(P("9"), P("1.000000000000000000"), 18,
                                    LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_dec(r, INT64_C(9000000000000000000), 18);
    assert_int_equal(lx_decimal_div(P("10"), P("1.000000000000000000"), 18,
                                    LX_ROUND_EXACT, &r),
                     LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_div(P("1"), dec(INT64_MAX, 18), 18, LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_fmt(r, "0.108420217248550443");
    /* The smallest (-36 + 18 = -18 after scale 0). */
    assert_int_equal(
        lx_decimal_div(dec(INT64_MAX, 18), P("3"), 0, LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_dec(r, 3, 0);
    assert_int_equal(
        lx_decimal_div(dec(INT64_MIN, 0), P("-1"), 0, LX_ROUND_EXACT, &r),
        LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_div(dec(INT64_MIN, 0), P("1"), 0, LX_ROUND_EXACT, &r),
        LX_OK);
    assert_dec(r, INT64_MIN, 0);
    assert_int_equal(lx_decimal_div(dec(INT64_MIN, 0), dec(INT64_MIN, 0), 18,
                                    LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_dec(r, INT64_C(1000000000000000000), 18);
    assert_int_equal(lx_decimal_div(P("0"), P("-7"), 4, LX_ROUND_EXACT, &r),
                     LX_OK);
    assert_dec(r, 0, 4);
    assert_int_equal(lx_decimal_div(P("1"), P("0.000"), 2, LX_ROUND_DOWN, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_div(P("1"), P("2"), 19, LX_ROUND_DOWN, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_div(P("1"), P("2"), 1, (enum lx_round)7, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_div(P("1"), dec(2, 19), 1, LX_ROUND_DOWN, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx_decimal_div(P("1"), P("2"), 1, LX_ROUND_DOWN, NULL),
                     LX_ERR_INVAL);
    assert_dec(r, 0, 4);
}

static void test_round_to_step(void **state)
{
    struct lx_decimal tick = P("0.01000000"), r = {0, 0};

    (void)state;
    assert_int_equal(
        lx_decimal_round_to_step(P("60123.456"), tick, LX_ROUND_FLOOR, &r),
        LX_OK);
    assert_fmt(r, "60123.45000000");
    assert_int_equal(
        lx_decimal_round_to_step(P("60123.456"), tick, LX_ROUND_CEIL, &r),
        LX_OK);
    assert_fmt(r, "60123.46000000");
    assert_int_equal(
        lx_decimal_round_to_step(P("60123.455"), tick, LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_fmt(r, "60123.46000000");
    assert_int_equal(
        lx_decimal_round_to_step(P("60123.445"), tick, LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_fmt(r, "60123.44000000");
    assert_int_equal(
        lx_decimal_round_to_step(P("60123.45"), tick, LX_ROUND_EXACT, &r),
        LX_OK);
    assert_fmt(r, "60123.45000000");
    assert_int_equal(
        lx_decimal_round_to_step(P("60123.451"), tick, LX_ROUND_EXACT, &r),
        LX_ERR_INEXACT);
    assert_int_equal(
        lx_decimal_round_to_step(P("0.12345"), P("0.001"), LX_ROUND_DOWN, &r),
        LX_OK);
    assert_fmt(r, "0.123");
    /* Steps that are not powers of ten, and negative values. */
    assert_int_equal(
        lx_decimal_round_to_step(P("1.25"), P("0.5"), LX_ROUND_HALF_EVEN, &r),
        LX_OK);
    assert_fmt(r, "1.0");
    assert_int_equal(
        lx_decimal_round_to_step(P("1.25"), P("0.5"), LX_ROUND_HALF_UP, &r),
        LX_OK);
    assert_fmt(r, "1.5");
    assert_int_equal(
        lx_decimal_round_to_step(P("-1.25"), P("0.5"), LX_ROUND_HALF_UP, &r),
        LX_OK);
    assert_fmt(r, "-1.5");
    assert_int_equal(
        lx_decimal_round_to_step(P("-1.26"), P("0.5"), LX_ROUND_DOWN, &r),
        LX_OK);
    assert_fmt(r, "-1.0");
    assert_int_equal(
        lx_decimal_round_to_step(P("-1.26"), P("0.5"), LX_ROUND_FLOOR, &r),
        LX_OK);
    assert_fmt(r, "-1.5");
    assert_int_equal(lx_decimal_round_to_step(P("7"), P("25"), LX_ROUND_UP, &r),
                     LX_OK);
    assert_fmt(r, "25");
    assert_int_equal(
        lx_decimal_round_to_step(P("7"), P("25"), LX_ROUND_DOWN, &r), LX_OK);
    assert_fmt(r, "0");
    /* Rounding up past the largest multiple overflows. */
    assert_int_equal(
        lx_decimal_round_to_step(dec(INT64_MAX, 0), P("10"), LX_ROUND_UP, &r),
        LX_ERR_OVERFLOW);
    assert_int_equal(
        lx_decimal_round_to_step(dec(INT64_MAX, 0), P("10"), LX_ROUND_DOWN, &r),
        LX_OK);
    assert_dec(r, INT64_C(9223372036854775800), 0);
    assert_int_equal(
        lx_decimal_round_to_step(P("1"), P("0"), LX_ROUND_DOWN, &r),
        LX_ERR_INVAL);
    assert_int_equal(
        lx_decimal_round_to_step(P("1"), P("-0.01"), LX_ROUND_DOWN, &r),
        LX_ERR_INVAL);
    assert_int_equal(
        lx_decimal_round_to_step(P("1"), tick, (enum lx_round)7, &r),
        LX_ERR_INVAL);
    assert_int_equal(
        lx_decimal_round_to_step(dec(1, 19), tick, LX_ROUND_DOWN, &r),
        LX_ERR_INVAL);
    assert_int_equal(
        lx_decimal_round_to_step(P("1"), tick, LX_ROUND_DOWN, NULL),
        LX_ERR_INVAL);
    assert_dec(r, INT64_C(9223372036854775800), 0);
}

static void test_neg_abs(void **state)
{
    struct lx_decimal r = {0, 0};

    (void)state;
    assert_int_equal(lx_decimal_neg(P("1.50"), &r), LX_OK);
    assert_fmt(r, "-1.50");
    assert_int_equal(lx_decimal_neg(P("-0.001"), &r), LX_OK);
    assert_fmt(r, "0.001");
    assert_int_equal(lx_decimal_neg(P("0.00"), &r), LX_OK);
    assert_fmt(r, "0.00");
    assert_int_equal(lx_decimal_neg(dec(INT64_MAX, 3), &r), LX_OK);
    assert_dec(r, -INT64_MAX, 3);
    assert_int_equal(lx_decimal_abs(P("-2.5"), &r), LX_OK);
    assert_fmt(r, "2.5");
    assert_int_equal(lx_decimal_abs(P("2.5"), &r), LX_OK);
    assert_fmt(r, "2.5");
    assert_int_equal(lx_decimal_abs(dec(INT64_MIN + 1, 18), &r), LX_OK);
    assert_dec(r, INT64_MAX, 18);
    assert_int_equal(lx_decimal_neg(dec(INT64_MIN, 4), &r), LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_abs(dec(INT64_MIN, 0), &r), LX_ERR_OVERFLOW);
    assert_int_equal(lx_decimal_neg(dec(1, 19), &r), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_abs(dec(1, 19), &r), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_neg(P("1"), NULL), LX_ERR_INVAL);
    assert_int_equal(lx_decimal_abs(P("1"), NULL), LX_ERR_INVAL);
    assert_dec(r, INT64_MAX, 18);
}

static void test_normalize(void **state)
{
    (void)state;
    assert_dec(lx_decimal_normalize(P("0.00100000")), 1, 3);
    assert_dec(lx_decimal_normalize(P("1.50")), 15, 1);
    assert_dec(lx_decimal_normalize(P("0.000")), 0, 0);
    assert_dec(lx_decimal_normalize(P("-100")), -100, 0);
    assert_dec(lx_decimal_normalize(P("-100.00")), -100, 0);
    assert_dec(lx_decimal_normalize(dec(INT64_MIN, 18)), INT64_MIN, 18);
    assert_dec(lx_decimal_normalize(P("1.000000000000000000")), 1, 0);
    /* Invalid values pass through untouched. */
    assert_dec(lx_decimal_normalize(dec(100, 19)), 100, 19);
    assert_dec(lx_decimal_normalize(dec(100, 255)), 100, 255);
}

static void test_cmp(void **state)
{
    (void)state;
    assert_int_equal(lx_decimal_cmp(P("1.5"), P("1.50")), 0);
    assert_int_equal(lx_decimal_cmp(P("1.5"), P("1.49999999")), 1);
    assert_int_equal(lx_decimal_cmp(P("-1.5"), P("-1.49999999")), -1);
    assert_int_equal(lx_decimal_cmp(P("-0.00"), P("0")), 0);
    assert_int_equal(lx_decimal_cmp(P("0"), P("0.000000000000000001")), -1);
    assert_int_equal(lx_decimal_cmp(P("0"), P("-0.000000000000000001")), 1);
    assert_int_equal(lx_decimal_cmp(dec(INT64_MIN, 0), dec(INT64_MAX, 18)), -1);
    assert_int_equal(lx_decimal_cmp(dec(INT64_MIN, 0), dec(INT64_MIN, 0)), 0);
    assert_int_equal(lx_decimal_cmp(dec(INT64_MAX, 0), dec(INT64_MAX, 18)), 1);
    assert_int_equal(lx_decimal_cmp(dec(9, 0), dec(INT64_MAX, 18)), -1);
    assert_int_equal(lx_decimal_cmp(dec(10, 0), dec(INT64_MAX, 18)), 1);
    assert_int_equal(lx_decimal_cmp(dec(-10, 0), dec(INT64_MIN, 18)), -1);
    assert_int_equal(lx_decimal_cmp(dec(-9, 0), dec(INT64_MIN, 18)), 1);
    /* Exact even for invalid scales, across any scale distance. */
    assert_int_equal(lx_decimal_cmp(dec(1, 0), dec(INT64_MAX, 19)), 1);
    assert_int_equal(lx_decimal_cmp(dec(1, 0), dec(INT64_MAX, 18)), -1);
    assert_int_equal(lx_decimal_cmp(dec(1, 200), dec(INT64_MAX, 0)), -1);
    assert_int_equal(lx_decimal_cmp(dec(-1, 0), dec(INT64_MIN, 255)), -1);
    assert_int_equal(lx_decimal_cmp(dec(10, 20), dec(1, 19)), 0);
    assert_int_equal(lx_decimal_cmp(dec(INT64_MAX, 0), dec(INT64_MAX, 20)), 1);
    assert_int_equal(lx_decimal_cmp(dec(INT64_MAX, 20), dec(INT64_MAX, 0)), -1);
    assert_int_equal(lx_decimal_cmp(dec(INT64_MIN, 0), dec(INT64_MIN, 20)), -1);
    assert_true(lx_decimal_eq(P("0.1"), P("0.100000000000000000")));
    assert_false(lx_decimal_eq(P("0.1"), P("0.100000000000000001")));
    assert_true(lx_decimal_is_zero(P("0.00000000")));
    assert_true(lx_decimal_is_zero(P("-0")));
    assert_false(lx_decimal_is_zero(P("0.000000000000000001")));
}

/* ---- Property tests ----------------------------------------------------- */

/*
 * Appending "e0" sends a string down the general parser (decimal.c takes a
 * one-pass fast path for plain strings) without changing its value; only
 * the error for excess digits differs (RANGE for exponent forms).
 */
static void check_fast_vs_general(const char *s, size_t len, int rc,
                                  struct lx_decimal d)
{
    char e[48];
    struct lx_decimal g = {0, 0};
    int rc2;

    if (len + 2 > sizeof(e) || memchr(s, 'e', len) != NULL ||
        memchr(s, 'E', len) != NULL) {
        return;
    }
    memcpy(e, s, len);
    memcpy(e + len, "e0", 2);
    rc2 = lx_decimal_parse(e, len + 2, &g);
    if (rc == LX_ERR_INEXACT) {
        assert_int_equal(rc2, LX_ERR_RANGE);
    } else {
        assert_int_equal(rc2, rc);
    }
    if (rc == LX_OK) {
        assert_dec(g, d.m, d.scale);
    }
}

/* format -> parse gives the identical struct; format matches a reference. */
static void test_prop_roundtrip(void **state)
{
    int i;

    (void)state;
    rng_state = 1;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal d = rng_dec(), back = {0, 0};
        char buf[LX_DECIMAL_STRLEN], want[64];
        uint64_t mag = d.m < 0 ? 0 - (uint64_t)d.m : (uint64_t)d.m;
        uint64_t p = 1;
        int n, k;

        for (k = 0; k < d.scale; k++) {
            p *= 10;
        }
        if (d.scale == 0) {
            k = lx__snprintf(want, sizeof(want), "%s%" PRIu64,
                             d.m < 0 ? "-" : "", mag);
        } else {
            k = lx__snprintf(want, sizeof(want), "%s%" PRIu64 ".%0*" PRIu64,
                             d.m < 0 ? "-" : "", mag / p, (int)d.scale,
                             mag % p);
        }
        n = lx_decimal_format(d, buf, sizeof(buf));
        assert_int_equal(n, k);
        assert_string_equal(buf, want);
        assert_int_equal(lx_decimal_parse(buf, (size_t)n, &back), LX_OK);
        assert_dec(back, d.m, d.scale);
        check_fast_vs_general(buf, (size_t)n, LX_OK, d);
    }
}

/*
 * The same digits with the point moved k places and an exponent of k give
 * the identical struct: "123.45" = "1.2345e2" = "12345e-2".
 */
static void test_prop_exponent(void **state)
{
    int i;

    (void)state;
    rng_state = 2;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal d = rng_dec(), back = {0, 0};
        char digits[32], s[64];
        uint64_t mag = d.m < 0 ? 0 - (uint64_t)d.m : (uint64_t)d.m;
        int nd = lx__snprintf(digits, sizeof(digits), "%" PRIu64, mag);
        int frac, shift, len;

        /* Write the digits with `frac` of them after the point. */
        frac = (int)rng_below((unsigned)nd);
        shift = frac - (int)d.scale;
        len = lx__snprintf(s, sizeof(s), "%s%.*s%s%s%c%+d", d.m < 0 ? "-" : "",
                           nd - frac, digits, frac > 0 ? "." : "",
                           digits + nd - frac, rng_below(2) ? 'e' : 'E', shift);
        assert_true(len > 0);
        /* Fraction digits minus exponent is d.scale again. */
        assert_int_equal(lx_decimal_parse(s, (size_t)len, &back), LX_OK);
        assert_dec(back, d.m, d.scale);
    }
}

/*
 * Random strings over the number alphabet (digits weighted up so that a
 * good share is valid) never crash, fail only with parse errors, agree
 * between the fast and the general parser, and round-trip.
 */
static void test_prop_parse_noise(void **state)
{
    static const char alpha[] = "0123456789012345678900000000000.-+eE";
    int i, valid = 0;

    (void)state;
    rng_state = 3;
    for (i = 0; i < PROP_ITERS; i++) {
        char s[32], buf[LX_DECIMAL_STRLEN];
        size_t len = rng_below(sizeof(s)), j;
        struct lx_decimal d = {0, 0}, back;
        int rc, n;

        for (j = 0; j < len; j++) {
            s[j] = alpha[rng_below(sizeof(alpha) - 1)];
        }
        rc = lx_decimal_parse(s, len, &d);
        check_fast_vs_general(s, len, rc, d);
        if (rc != LX_OK) {
            assert_true(rc == LX_ERR_PARSE || rc == LX_ERR_OVERFLOW ||
                        rc == LX_ERR_INEXACT || rc == LX_ERR_RANGE);
            continue;
        }
        valid++;
        assert_true(lx_decimal_is_valid(d));
        n = lx_decimal_format(d, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(lx_decimal_parse(buf, (size_t)n, &back), LX_OK);
        assert_dec(back, d.m, d.scale);
    }
    assert_true(valid > PROP_ITERS / 10);
}

/*
 * Digit runs of every length around the 8-digit blocks the fast parser
 * reads at once (0..24 before and after the point), sometimes with one
 * byte swapped for a near-digit ('/' and ':' around '0'..'9', 0x3a..0x3f,
 * the same digits with the high bit set, NUL, a letter): the fast and the
 * general parser agree on every one, and a valid text has the value of its
 * digits.
 */
static void test_prop_parse_runs(void **state)
{
    static const unsigned char bad[] = {'/',  ':',  ';',  '<',  '=', '>', '?',
                                        0xb0, 0xb5, 0xb9, 0x00, 'a', ' ', 0xff};
    int i, valid = 0;

    (void)state;
    rng_state = 13;
    for (i = 0; i < PROP_ITERS; i++) {
        char s[64];
        size_t len = 0, a = rng_below(25), b = rng_below(25), j;
        struct lx_decimal d = {0, 0};
        unsigned __int128 want = 0;
        bool point = rng_below(3) != 0, swapped = rng_below(3) == 0;
        int rc;

        if (rng_below(4) == 0) {
            s[len++] = rng_below(2) ? '-' : '+';
        }
        for (j = 0; j < a; j++) {
            s[len++] = (char)('0' + rng_below(10));
        }
        if (point) {
            s[len++] = '.';
            for (j = 0; j < b; j++) {
                s[len++] = (char)('0' + rng_below(10));
            }
        }
        if (swapped && len > 0) {
            s[rng_below((unsigned)len)] = (char)bad[rng_below(sizeof(bad))];
        }
        rc = lx_decimal_parse(s, len, &d);
        check_fast_vs_general(s, len, rc, d);
        if (rc != LX_OK) {
            continue;
        }
        valid++;
        for (j = 0; j < len; j++) {
            if (s[j] >= '0' && s[j] <= '9') {
                want = want * 10 + (unsigned)(s[j] - '0');
            }
        }
        assert_true(want <= ((unsigned __int128)1 << 63));
        assert_int_equal(d.m < 0 ? 0 - (uint64_t)d.m : (uint64_t)d.m,
                         (uint64_t)want);
        assert_int_equal(d.scale, point ? b : 0);
    }
    assert_true(valid > PROP_ITERS / 10);
}

static void test_prop_add_sub(void **state)
{
    int i;

    (void)state;
    rng_state = 4;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal a = rng_dec(), b = rng_dec(), r;
        unsigned s = a.scale > b.scale ? a.scale : b.scale;
        i128 x = (i128)a.m * ref_pow10(s - a.scale);
        i128 y = (i128)b.m * ref_pow10(s - b.scale);
        int rc;

        rc = lx_decimal_add(a, b, &r);
        if (fits64(x + y)) {
            assert_int_equal(rc, LX_OK);
            assert_true((i128)r.m == x + y && r.scale == s);
        } else {
            assert_int_equal(rc, LX_ERR_OVERFLOW);
        }
        rc = lx_decimal_sub(a, b, &r);
        if (fits64(x - y)) {
            assert_int_equal(rc, LX_OK);
            assert_true((i128)r.m == x - y && r.scale == s);
        } else {
            assert_int_equal(rc, LX_ERR_OVERFLOW);
        }
    }
}

/* Compares a library result with a reference result. */
static void check_ref(int rc, struct lx_decimal r, int want_rc, int64_t want_m,
                      unsigned scale, const char *what, int i)
{
    if (rc != want_rc || (rc == LX_OK && (r.m != want_m || r.scale != scale))) {
        fail_msg("%s iteration %d: rc %s m %" PRId64 ", want %s m %" PRId64,
                 what, i, lx_err_name(rc), r.m, lx_err_name(want_rc), want_m);
    }
}

static void test_prop_mul(void **state)
{
    int i;
    unsigned mode;

    (void)state;
    rng_state = 5;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal a = rng_dec(), b = rng_dec(), r;
        unsigned s = rng_below(LX_DECIMAL_MAX_SCALE + 1);

        if (rng_below(4) == 0) {
            /* Keep products small often, so that results fit. */
            a.m /= INT64_C(1) << 32;
            b.m /= INT64_C(1) << 32;
        }
        for (mode = 0; mode < 7; mode++) {
            int64_t m = 0;
            int want = ref_scale((i128)a.m * b.m, (unsigned)a.scale + b.scale,
                                 s, rng_mode_all(mode), &m);
            int rc = lx_decimal_mul(a, b, s, rng_mode_all(mode), &r);

            check_ref(rc, r, want, m, s, "mul", i);
        }
    }
}

static void test_prop_div(void **state)
{
    int i, checked = 0;
    unsigned mode;

    (void)state;
    rng_state = 6;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal a = rng_dec(), b = rng_dec(), r;
        unsigned s = rng_below(LX_DECIMAL_MAX_SCALE + 1);

        if (b.m == 0) {
            assert_int_equal(lx_decimal_div(a, b, s, LX_ROUND_DOWN, &r),
                             LX_ERR_INVAL);
            continue;
        }
        for (mode = 0; mode < 7; mode++) {
            int64_t m = 0;
            int want = ref_div(a, b, s, rng_mode_all(mode), &m);
            int rc = lx_decimal_div(a, b, s, rng_mode_all(mode), &r);

            if (want == 1) {
                continue;
            }
            checked++;
            check_ref(rc, r, want, m, s, "div", i);
        }
    }
    /* The reference must cover most of the cases to mean anything. */
    assert_true(checked > PROP_ITERS * 7 * 3 / 4);
}

/*
 * lx_decimal_to_ticks takes a shortcut for power-of-ten steps (1, 0.01,
 * 0.00100000, 10): it must agree with the general division (rc and value)
 * everywhere, exact, inexact, negative, overflowing.
 */
static void test_prop_ticks_pow10(void **state)
{
    static const char *const steps[] = {"1",       "10",   "100",
                                        "0.1",     "0.01", "0.00100000",
                                        "0.00001", "1.0",  "1000000000000"};
    int i, fast = 0;

    (void)state;
    rng_state = 9;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal d = rng_dec(), step = {0, 0}, q = {0, 0};
        const char *st = steps[rng_below(LX_ARRAY_LEN(steps))];
        int64_t t = 0;
        int rc, want;

        assert_int_equal(lx_decimal_parse(st, strlen(st), &step), LX_OK);
        if (i % 4 == 0) {
            /* Often a value on the step's grid, at a finer scale. */
            d.m = (d.m % 1000000) * 1000;
            d.scale = (uint8_t)(step.scale + 3 <= 18 ? step.scale + 3 : 18);
        }
        want = lx_decimal_div(d, step, 0, LX_ROUND_EXACT, &q);
        rc = lx_decimal_to_ticks(d, step, &t);
        assert_int_equal(rc, want);
        if (rc == LX_OK) {
            assert_true(t == q.m);
            fast++;
        }
    }
    assert_true(fast > PROP_ITERS / 8);
}

static void test_prop_rescale_step(void **state)
{
    int i;
    unsigned mode;

    (void)state;
    rng_state = 7;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal d = rng_dec(), step = rng_dec(), r;
        unsigned s = rng_below(LX_DECIMAL_MAX_SCALE + 1);

        step.m = step.m == INT64_MIN ? 1 : step.m < 0 ? -step.m : step.m;
        for (mode = 0; mode < 7; mode++) {
            enum lx_round md = rng_mode_all(mode);
            int64_t m = 0, q = 0;
            int want = ref_scale(d.m, d.scale, s, md, &m);
            int rc = lx_decimal_rescale(d, s, md, &r);

            check_ref(rc, r, want, m, s, "rescale", i);
            if (step.m == 0) {
                continue;
            }
            want = ref_div(d, step, 0, md, &q);
            if (want == 1) {
                continue;
            }
            if (want == LX_OK && !fits64((i128)q * step.m)) {
                want = LX_ERR_OVERFLOW;
            }
            rc = lx_decimal_round_to_step(d, step, md, &r);
            check_ref(rc, r, want, want == LX_OK ? q * step.m : 0, step.scale,
                      "round_to_step", i);
        }
    }
}

/* cmp agrees with a reference, with sub's sign, and is antisymmetric. */
static void test_prop_cmp(void **state)
{
    int i;

    (void)state;
    rng_state = 8;
    for (i = 0; i < PROP_ITERS; i++) {
        struct lx_decimal a = rng_dec(), b = rng_dec(), r;
        unsigned s = a.scale > b.scale ? a.scale : b.scale;
        i128 x = (i128)a.m * ref_pow10(s - a.scale);
        i128 y = (i128)b.m * ref_pow10(s - b.scale);
        int c = lx_decimal_cmp(a, b);

        if (rng_below(8) == 0) {
            b = a; /* equal values at different scales */
            if (lx_decimal_rescale(a, rng_below(19), LX_ROUND_EXACT, &b) !=
                LX_OK) {
                b = a;
            }
            assert_int_equal(lx_decimal_cmp(a, b), 0);
            assert_true(lx_decimal_eq(a, b));
            continue;
        }
        assert_int_equal(c, (x > y) - (x < y));
        assert_int_equal(lx_decimal_cmp(b, a), -c);
        assert_int_equal(lx_decimal_eq(a, b), c == 0);
        if (lx_decimal_sub(a, b, &r) == LX_OK) {
            assert_int_equal(c, (r.m > 0) - (r.m < 0));
        }
        assert_int_equal(lx_decimal_cmp(lx_decimal_normalize(a), a), 0);
        assert_int_equal(lx_decimal_cmp(a, lx_decimal_normalize(b)), c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain),
        cmocka_unit_test(test_parse_exponent),
        cmocka_unit_test(test_parse_reject),
        cmocka_unit_test(test_parse_len),
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_venue_roundtrip),
        cmocka_unit_test(test_venue_flow),
        cmocka_unit_test(test_from_i64),
        cmocka_unit_test(test_ticks),
        cmocka_unit_test(test_add_sub),
        cmocka_unit_test(test_rounding_table),
        cmocka_unit_test(test_rescale),
        cmocka_unit_test(test_mul),
        cmocka_unit_test(test_div),
        cmocka_unit_test(test_round_to_step),
        cmocka_unit_test(test_neg_abs),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_cmp),
        cmocka_unit_test(test_prop_roundtrip),
        cmocka_unit_test(test_prop_exponent),
        cmocka_unit_test(test_prop_parse_noise),
        cmocka_unit_test(test_prop_parse_runs),
        cmocka_unit_test(test_prop_add_sub),
        cmocka_unit_test(test_prop_mul),
        cmocka_unit_test(test_prop_div),
        cmocka_unit_test(test_prop_ticks_pow10),
        cmocka_unit_test(test_prop_rescale_step),
        cmocka_unit_test(test_prop_cmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
