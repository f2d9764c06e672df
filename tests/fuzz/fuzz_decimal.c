/*
 * fuzz_decimal.c - libFuzzer target for lx_decimal_parse and the
 * arithmetic behind it.
 *
 * The input is one decimal string, or two separated by the first '/'
 * (a value and a second operand: a step, a divisor). Whatever parses must
 * format and re-parse to the identical struct, a canonical input must
 * format back byte for byte, and a handful of algebraic identities must
 * hold between the operations; any violation aborts so the fuzzer reports
 * it. Inputs that do not parse only need to be rejected without a crash.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lotusx/lx_decimal.h"
#include "lotusx/lx_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            abort();                                                           \
        }                                                                      \
    } while (0)

static bool same(struct lx_decimal a, struct lx_decimal b)
{
    return a.m == b.m && a.scale == b.scale;
}

/*
 * Canonical: what lx_decimal_format itself would write. No '+', no
 * exponent, no leading zero before another digit, not negative zero, and
 * at most 18 fractional digits (parse drops excess zeros beyond that).
 */
static bool canonical(const char *s, size_t len, struct lx_decimal d)
{
    const char *dot = memchr(s, '.', len);
    size_t i = 0;

    if (memchr(s, '+', len) != NULL || memchr(s, 'e', len) != NULL ||
        memchr(s, 'E', len) != NULL) {
        return false;
    }
    if (dot != NULL && len - (size_t)(dot - s) - 1 > LX_DECIMAL_MAX_SCALE) {
        return false;
    }
    if (s[0] == '-') {
        if (d.m == 0) {
            return false;
        }
        i = 1;
    }
    return !(len - i >= 2 && s[i] == '0' && s[i + 1] != '.');
}

static void check_roundtrip(const char *s, size_t len, struct lx_decimal d)
{
    char buf[LX_DECIMAL_STRLEN];
    struct lx_decimal back;
    int n;

    CHECK(lx_decimal_is_valid(d));
    n = lx_decimal_format(d, buf, sizeof(buf));
    CHECK(n > 0 && (size_t)n < sizeof(buf));
    CHECK(lx_decimal_parse(buf, (size_t)n, &back) == LX_OK);
    CHECK(same(back, d));
    if (canonical(s, len, d)) {
        CHECK((size_t)n == len && memcmp(buf, s, len) == 0);
    }
}

/* Identities of one value. */
static void check_unary(struct lx_decimal d)
{
    struct lx_decimal r, z, n;
    unsigned mode;

    CHECK(lx_decimal_cmp(lx_decimal_normalize(d), d) == 0);
    CHECK(lx_decimal_sub(d, d, &z) == LX_OK && lx_decimal_is_zero(z));
    if (lx_decimal_neg(d, &n) == LX_OK) {
        CHECK(lx_decimal_add(d, n, &z) == LX_OK && lx_decimal_is_zero(z));
        CHECK(lx_decimal_cmp(n, d) == -lx_decimal_cmp(d, n));
    } else {
        CHECK(d.m == INT64_MIN);
    }
    /* Rescaling to every scale: never further than one unit away. */
    for (mode = 0; mode <= LX_ROUND_HALF_EVEN; mode++) {
        unsigned s;

        for (s = 0; s <= LX_DECIMAL_MAX_SCALE; s++) {
            int rc = lx_decimal_rescale(d, s, (enum lx_round)mode, &r);

            CHECK(rc == LX_OK || rc == LX_ERR_INEXACT || rc == LX_ERR_OVERFLOW);
            if (rc == LX_OK && mode == LX_ROUND_EXACT) {
                CHECK(lx_decimal_eq(r, d));
            }
        }
    }
    if (lx_decimal_mul(d, lx_decimal_from_i64(1, 0), d.scale, LX_ROUND_EXACT,
                       &r) == LX_OK) {
        CHECK(same(r, d));
    }
    if (!lx_decimal_is_zero(d) &&
        lx_decimal_div(d, d, 0, LX_ROUND_EXACT, &r) == LX_OK) {
        CHECK(r.m == 1 && r.scale == 0);
    }
}

/* Identities of two values: a step or divisor b applied to a. */
static void check_binary(struct lx_decimal a, struct lx_decimal b)
{
    struct lx_decimal r, q, back;
    int64_t ticks;
    int c = lx_decimal_cmp(a, b);

    CHECK(c == -lx_decimal_cmp(b, a));
    if (lx_decimal_sub(a, b, &r) == LX_OK) {
        int rc = lx_decimal_add(r, b, &back);

        CHECK(c == (r.m > 0) - (r.m < 0));
        /* a at the common scale may not fit even when a - b does. */
        CHECK(rc == LX_ERR_OVERFLOW || (rc == LX_OK && lx_decimal_eq(back, a)));
    }
    if (b.m > 0 &&
        lx_decimal_round_to_step(a, b, LX_ROUND_FLOOR, &r) == LX_OK) {
        CHECK(lx_decimal_cmp(r, a) <= 0);
        CHECK(lx_decimal_to_ticks(r, b, &ticks) == LX_OK);
        CHECK(lx_decimal_from_ticks(ticks, b, &back) == LX_OK);
        CHECK(same(back, r));
    }
    if (b.m != 0 && lx_decimal_div(a, b, LX_DECIMAL_MAX_SCALE, LX_ROUND_EXACT,
                                   &q) == LX_OK) {
        /* An exact quotient multiplies back to the dividend, exactly. */
        CHECK(lx_decimal_mul(q, b, a.scale, LX_ROUND_EXACT, &r) == LX_OK);
        CHECK(same(r, a));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *slash = memchr(s, '/', size);
    size_t alen = slash != NULL ? (size_t)(slash - s) : size;
    struct lx_decimal a, b;

    if (lx_decimal_parse(s, alen, &a) != LX_OK) {
        return 0;
    }
    check_roundtrip(s, alen, a);
    check_unary(a);
    if (slash == NULL ||
        lx_decimal_parse(slash + 1, size - alen - 1, &b) != LX_OK) {
        return 0;
    }
    check_roundtrip(slash + 1, size - alen - 1, b);
    check_binary(a, b);
    return 0;
}
