/*
 * decimal.c - struct lx_decimal: exact parsing, formatting, arithmetic,
 * rounding and comparison of fixed-point decimals (int64 mantissa, scale
 * 0..18).
 *
 * How: every operation works on a sign and an unsigned magnitude. The
 * exact intermediate (a sum at the common scale, a product at scale up to
 * 36, a quotient with its remainder) is formed in 128 bits, the requested
 * rounding is decided from the exact remainder, and only then is the
 * result checked against the int64 range. So no operation ever fails or
 * rounds because of an intermediate, only because of the final value.
 *
 * Parsing never uses floating point: exponent forms are folded into the
 * scale by counting digits. The syntax and the choice of error codes are
 * documented in include/lotusx/lx_decimal.h.
 *
 * What it does not do: no allocation, no locale, no global state, no
 * floating point, and no silent rounding (every lossy step is requested by
 * an enum lx_round or reported as LX_ERR_INEXACT / LX_ERR_RANGE).
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"

#if !defined(__SIZEOF_INT128__)
#error "lx_decimal needs the __int128 extension (gcc or clang)"
#endif

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

_Static_assert(sizeof(u128) == 16, "__int128 must be 128 bits wide");

/* Magnitude of INT64_MIN, the largest magnitude a mantissa can have. */
#define MAG_MIN ((uint64_t)INT64_MAX + 1)

/* Saturation point of a parsed exponent: far beyond any meaningful one. */
#define EXP_SAT INT64_C(1000000000000)

static const uint64_t pow10_tab[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* 10^k for k <= 38 (the callers stay at or below 10^36). */
static u128 pow10_128(unsigned k)
{
    if (k < 20) {
        return pow10_tab[k];
    }
    return (u128)pow10_tab[19] * pow10_tab[k - 19];
}

static uint64_t mag64(int64_t m)
{
    return m < 0 ? 0 - (uint64_t)m : (uint64_t)m;
}

static bool mode_ok(enum lx_round mode)
{
    return (unsigned)mode <= (unsigned)LX_ROUND_HALF_EVEN;
}

/* Stores sign and magnitude as {m, scale} when they fit in an int64. */
static int pack(bool neg, u128 mag, unsigned scale, struct lx_decimal *out)
{
    if (mag > (neg ? MAG_MIN : MAG_MIN - 1)) {
        return LX_ERR_OVERFLOW;
    }
    if (mag == 0) {
        out->m = 0;
    } else if (neg) {
        /* -(mag - 1) - 1 reaches INT64_MIN without overflowing. */
        out->m = -(int64_t)(uint64_t)(mag - 1) - 1;
    } else {
        out->m = (int64_t)(uint64_t)mag;
    }
    out->scale = (uint8_t)scale;
    return LX_OK;
}

/*
 * Rounds the truncated magnitude q of a quotient whose exact remainder is
 * r out of divisor d (r < d). neg is the sign of the exact value, which the
 * directed modes need. Ties are detected exactly by comparing r with d - r,
 * which cannot overflow the way 2 * r could.
 *
 * A value too large even when truncated is LX_ERR_OVERFLOW in every mode,
 * LX_ROUND_EXACT included: no rounding could make it fit, so "inexact"
 * would send the caller after the wrong problem.
 */
static int round_mag(bool neg, u128 q, u128 r, u128 d, enum lx_round mode,
                     u128 *out)
{
    bool away;

    if (q > (neg ? MAG_MIN : MAG_MIN - 1)) {
        return LX_ERR_OVERFLOW;
    }
    if (r == 0) {
        *out = q;
        return LX_OK;
    }
    switch (mode) {
    case LX_ROUND_DOWN:
        away = false;
        break;
    case LX_ROUND_UP:
        away = true;
        break;
    case LX_ROUND_FLOOR:
        away = neg;
        break;
    case LX_ROUND_CEIL:
        away = !neg;
        break;
    case LX_ROUND_HALF_UP:
        away = r >= d - r;
        break;
    case LX_ROUND_HALF_EVEN:
        away = r > d - r || (r == d - r && (q & 1) != 0);
        break;
    default:
        return LX_ERR_INEXACT;
    }
    *out = q + (away ? 1 : 0);
    return LX_OK;
}

/*
 * Converts the exact value (neg, mag) * 10^-from to scale `to` (from may be
 * up to 36, a product's scale). Growing the scale is exact; shrinking it
 * rounds by mode.
 */
static int scale_mag(bool neg, u128 mag, unsigned from, unsigned to,
                     enum lx_round mode, struct lx_decimal *out)
{
    u128 d, q;
    int rc;

    if (to >= from) {
        /* Past 2^63 no factor >= 1 brings it back; below, 10^18 fits. */
        if (mag > MAG_MIN) {
            return LX_ERR_OVERFLOW;
        }
        return pack(neg, mag * pow10_128(to - from), to, out);
    }
    d = pow10_128(from - to);
    rc = round_mag(neg, mag / d, mag % d, d, mode, &q);
    if (rc != LX_OK) {
        return rc;
    }
    return pack(neg, q, to, out);
}

/*
 * Computes n * 10^e / d at `scale`, rounded by mode, for e in -18..36.
 * n * 10^36 would not fit in 128 bits, so for e > 0 this is long division
 * in steps of up to 10^19: each step multiplies the remainder (< d < 2^64)
 * by at most 10^19, which stays below 2^128.
 */
static int div_mag(bool neg, uint64_t n, int e, uint64_t d, unsigned scale,
                   enum lx_round mode, struct lx_decimal *out)
{
    u128 den = d, q, r, num;
    int rc;

    if (e < 0) {
        den *= pow10_128((unsigned)-e);
    }
    q = n / den;
    r = n % den;
    while (e > 0) {
        unsigned k = e > 19 ? 19 : (unsigned)e;

        if (q > MAG_MIN) {
            return LX_ERR_OVERFLOW;
        }
        num = r * pow10_128(k);
        q = q * pow10_128(k) + num / den;
        r = num % den;
        e -= (int)k;
    }
    rc = round_mag(neg, q, r, den, mode, &q);
    if (rc != LX_OK) {
        return rc;
    }
    return pack(neg, q, scale, out);
}

/* ---- Parsing ------------------------------------------------------------ */

/* The pieces of a syntactically valid decimal string. */
struct dec_text {
    const char *ip; /* integer digits */
    const char *fp; /* fraction digits */
    size_t ni, nf;
    int64_t exp; /* saturated at +/- EXP_SAT */
    bool neg, has_exp;
};

static size_t count_digits(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len && (unsigned char)(s[i] - '0') < 10) {
        i++;
    }
    return i;
}

/* Parses the exponent after 'e': [+|-] digits, saturating its value. */
static int scan_exp(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int64_t e = 0;
    bool neg = false;

    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i++;
    }
    if (i == len || count_digits(s + i, len - i) != len - i) {
        return LX_ERR_PARSE;
    }
    for (; i < len; i++) {
        if (e < EXP_SAT) {
            e = e * 10 + (s[i] - '0');
        }
    }
    *out = neg ? -e : e;
    return LX_OK;
}

static int scan(const char *s, size_t len, struct dec_text *t)
{
    size_t i = 0;

    memset(t, 0, sizeof(*t));
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        t->neg = s[0] == '-';
        i++;
    }
    t->ip = s + i;
    t->ni = count_digits(t->ip, len - i);
    if (t->ni == 0) {
        return LX_ERR_PARSE;
    }
    i += t->ni;
    t->fp = s + i;
    if (i < len && s[i] == '.') {
        t->fp = s + i + 1;
        t->nf = count_digits(t->fp, len - i - 1);
        if (t->nf == 0) {
            return LX_ERR_PARSE;
        }
        i += 1 + t->nf;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        t->has_exp = true;
        return scan_exp(s + i + 1, len - i - 1, &t->exp);
    }
    return i == len ? LX_OK : LX_ERR_PARSE;
}

static unsigned digit_at(const struct dec_text *t, size_t i)
{
    return (unsigned)((i < t->ni ? t->ip[i] : t->fp[i - t->ni]) - '0');
}

/*
 * Builds the mantissa from the first `take` digits of the digit string
 * (integer then fraction digits), starting at its first non-zero digit
 * `first`, followed by `pad` implied zeros. More than 19 significant digits
 * is at least 10^19 and can never fit, so the sum needs no per-digit check.
 */
static int build(const struct dec_text *t, size_t first, int64_t take,
                 int64_t pad, unsigned scale, struct lx_decimal *out)
{
    uint64_t v = 0;
    int64_t nsig = take - (int64_t)first;
    size_t i;

    if (nsig + pad > 19) {
        return LX_ERR_OVERFLOW;
    }
    for (i = first; i < (size_t)take; i++) {
        v = v * 10 + digit_at(t, i);
    }
    v *= pow10_tab[pad];
    return pack(t->neg, v, scale, out);
}

/*
 * The error for digits beyond 10^-18: LX_ERR_OVERFLOW if the integer part
 * alone does not fit (as in arithmetic, overflow wins over inexactness),
 * else LX_ERR_INEXACT, or LX_ERR_RANGE for an exponent form.
 */
static int too_precise(const struct dec_text *t, size_t first)
{
    int64_t n = (int64_t)(t->ni + t->nf), take = (int64_t)t->ni + t->exp;
    struct lx_decimal ip;

    if (take > (int64_t)first &&
        build(t, first, take < n ? take : n, take > n ? take - n : 0, 0, &ip) ==
            LX_ERR_OVERFLOW) {
        return LX_ERR_OVERFLOW;
    }
    return t->has_exp ? LX_ERR_RANGE : LX_ERR_INEXACT;
}

/* Turns the scanned pieces into {m, scale}; see lx_decimal.h for rules. */
static int convert(const struct dec_text *t, struct lx_decimal *out)
{
    size_t n = t->ni + t->nf, first = 0, last = n;
    int64_t s0, smin, scale, take;

    while (first < n && digit_at(t, first) == 0) {
        first++;
    }
    /* The written scale: fraction digits minus the exponent. */
    s0 = (int64_t)t->nf - t->exp;
    scale = s0 < 0 ? 0 : s0 > LX_DECIMAL_MAX_SCALE ? LX_DECIMAL_MAX_SCALE : s0;
    if (first == n) {
        out->m = 0;
        out->scale = (uint8_t)scale;
        return LX_OK;
    }
    while (digit_at(t, last - 1) == 0) {
        last--;
    }
    /* The smallest scale that keeps every non-zero digit. */
    smin = s0 - (int64_t)(n - last);
    if (smin > LX_DECIMAL_MAX_SCALE) {
        return too_precise(t, first);
    }
    /* Digits whose weight is at least 10^-scale make up the mantissa. */
    take = (int64_t)t->ni + t->exp + scale;
    if (take > (int64_t)n) {
        return build(t, first, (int64_t)n, take - (int64_t)n, (unsigned)scale,
                     out);
    }
    return build(t, first, take, 0, (unsigned)scale, out);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * Whether the 8 bytes at p are all ASCII digits; their value (the first
 * byte most significant) in *v. Each byte b is a digit iff its high nibble
 * is 3 both as is and after adding 6 (0x3a..0x3f carry into 4); a carry
 * out of a byte only happens for a byte that already fails the first test.
 * The value: pairs, then quads, then the whole, by three multiplies.
 */
static bool digits8(const char *p, uint64_t *v)
{
    const uint64_t hi = UINT64_C(0xF0F0F0F0F0F0F0F0);
    const uint64_t zeros = UINT64_C(0x3030303030303030);
    const uint64_t lo16 = UINT64_C(0x000000FF000000FF);
    uint64_t x;

    memcpy(&x, p, 8);
    if ((x & hi) != zeros ||
        ((x + UINT64_C(0x0606060606060606)) & hi) != zeros) {
        return false;
    }
    x -= zeros;
    x = x * 10 + (x >> 8); /* byte 2k: the two-digit value of bytes 2k, 2k+1 */
    *v = ((x & lo16) * (100 + (UINT64_C(1000000) << 32)) +
          ((x >> 16) & lo16) * (1 + (UINT64_C(10000) << 32))) >>
         32;
    return true;
}
#else
static bool digits8(const char *p, uint64_t *v)
{
    (void)p;
    (void)v;
    return false;
}
#endif

/*
 * The common case in one pass: [sign] digits ["." digits] with at most 19
 * digits in all, so the value fits (with at least one digit before the
 * point, at most 18 come after it: the scale is valid). Anything else
 * (exponents, long or malformed input) returns 1 for the general path,
 * which also produces every error code.
 */
static int parse_fast(const char *s, size_t len, struct lx_decimal *out)
{
    const char *p = s, *end = s + len, *digits;
    uint64_t v = 0, d8;
    size_t nf = 0;
    bool neg = *p == '-';

    p += (*p == '-' || *p == '+');
    digits = p;
    /* Integer parts are short: one by one. */
    while (p < end && (unsigned char)(*p - '0') < 10) {
        v = v * 10 + (unsigned)(*p++ - '0');
    }
    if (p == digits) {
        return 1;
    }
    if (p < end && *p == '.') {
        const char *f = ++p;

        /* Fractions are often 8 digits (Binance): 8 at once, the rest one
         * by one. Past 19 digits v wraps, but the count below sends such
         * texts to the general path. */
        while (end - p >= 8 && digits8(p, &d8)) {
            v = v * 100000000u + d8;
            p += 8;
        }
        while (p < end && (unsigned char)(*p - '0') < 10) {
            v = v * 10 + (unsigned)(*p++ - '0');
        }
        nf = (size_t)(p - f);
        if (nf == 0) {
            return 1;
        }
    }
    /* The digit count is the span less the point, if there is one. */
    if (p != end || (size_t)(p - digits) - (nf > 0) > 19) {
        return 1;
    }
    return pack(neg, v, (unsigned)nf, out);
}

/* Out of line, so the fast path's frame stays small. */
static __attribute__((noinline)) int parse_general(const char *s, size_t len,
                                                   struct lx_decimal *out)
{
    struct dec_text t;
    int rc = scan(s, len, &t);

    if (rc != LX_OK) {
        return rc;
    }
    return convert(&t, out);
}

int lx_decimal_parse(const char *s, size_t len, struct lx_decimal *out)
{
    int rc;

    if (out == NULL || (s == NULL && len > 0)) {
        return LX_ERR_INVAL;
    }
    if (len == 0) {
        return LX_ERR_PARSE;
    }
    rc = parse_fast(s, len, out);
    if (rc != 1) {
        return rc;
    }
    return parse_general(s, len, out);
}

/* ---- Formatting --------------------------------------------------------- */

const char lx__digit_pairs[201] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

int lx_decimal_format(struct lx_decimal d, char *buf, size_t cap)
{
    char tmp[LX_DECIMAL_STRLEN];
    char *end = tmp + sizeof(tmp), *p = end;
    uint64_t v = mag64(d.m);
    unsigned i;
    size_t n;

    if (d.scale > LX_DECIMAL_MAX_SCALE || (buf == NULL && cap > 0)) {
        return LX_ERR_INVAL;
    }
    /* Written backwards: fraction digits, point, integer digits, sign;
     * two digits at a time. */
    for (i = 0; i + 2 <= d.scale; i += 2) {
        p -= 2;
        memcpy(p, &lx__digit_pairs[2 * (v % 100)], 2);
        v /= 100;
    }
    if (i < d.scale) {
        *--p = (char)('0' + v % 10);
        v /= 10;
    }
    if (d.scale > 0) {
        *--p = '.';
    }
    while (v >= 100) {
        p -= 2;
        memcpy(p, &lx__digit_pairs[2 * (v % 100)], 2);
        v /= 100;
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, &lx__digit_pairs[2 * v], 2);
    } else {
        *--p = (char)('0' + v);
    }
    if (d.m < 0) {
        *--p = '-';
    }
    n = (size_t)(end - p);
    if (n >= cap) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return LX_ERR_TOOBIG;
    }
    memcpy(buf, p, n);
    buf[n] = '\0';
    return (int)n;
}

/* ---- Construction and integers ----------------------------------------- */

struct lx_decimal lx_decimal_from_i64(int64_t v, unsigned scale)
{
    struct lx_decimal d;

    d.m = v;
    d.scale =
        scale > LX_DECIMAL_MAX_SCALE ? LX_DECIMAL_BAD_SCALE : (uint8_t)scale;
    return d;
}

bool lx_decimal_is_valid(struct lx_decimal d)
{
    return d.scale <= LX_DECIMAL_MAX_SCALE;
}

static bool step_ok(struct lx_decimal step)
{
    return lx_decimal_is_valid(step) && step.m > 0;
}

/* a / b at `scale`; the shared core of div, to_ticks and round_to_step. */
static int div_core(struct lx_decimal a, struct lx_decimal b, unsigned scale,
                    enum lx_round mode, struct lx_decimal *out)
{
    int e = (int)scale + (int)b.scale - (int)a.scale;

    return div_mag((a.m < 0) != (b.m < 0), mag64(a.m), e, mag64(b.m), scale,
                   mode, out);
}

/*
 * d / step for a step that is a power of ten (1, 0.01, 0.00100000, 10, the
 * usual tick and lot sizes) when that is exact and fits: a multiply or one
 * division by a power of ten. False sends the caller to div_core (which
 * also gives the error).
 */
static bool ticks_pow10(struct lx_decimal d, struct lx_decimal step,
                        int64_t *ticks)
{
    int64_t m = step.m, p;
    int e = (int)step.scale;

    while (m % 10 == 0) {
        m /= 10;
        e--;
    }
    if (m != 1) {
        return false;
    }
    e -= (int)d.scale; /* ticks = d.m * 10^e */
    if (e >= 0) {
        return e <= 18 &&
               !__builtin_mul_overflow(d.m, (int64_t)pow10_tab[e], ticks);
    }
    if (e < -18) {
        return false;
    }
    p = (int64_t)pow10_tab[-e];
    if (d.m % p != 0) {
        return false;
    }
    *ticks = d.m / p;
    return true;
}

int lx_decimal_to_ticks(struct lx_decimal d, struct lx_decimal step,
                        int64_t *ticks)
{
    struct lx_decimal q;
    int rc;

    if (ticks == NULL || !lx_decimal_is_valid(d) || !step_ok(step)) {
        return LX_ERR_INVAL;
    }
    if (ticks_pow10(d, step, ticks)) {
        return LX_OK;
    }
    rc = div_core(d, step, 0, LX_ROUND_EXACT, &q);
    if (rc == LX_OK) {
        *ticks = q.m;
    }
    return rc;
}

int lx_decimal_from_ticks(int64_t ticks, struct lx_decimal step,
                          struct lx_decimal *out)
{
    i128 m;

    if (out == NULL || !step_ok(step)) {
        return LX_ERR_INVAL;
    }
    m = (i128)ticks * step.m;
    if (m < INT64_MIN || m > INT64_MAX) {
        return LX_ERR_OVERFLOW;
    }
    out->m = (int64_t)m;
    out->scale = step.scale;
    return LX_OK;
}

/* ---- Arithmetic --------------------------------------------------------- */

/* a + sign * b at the larger scale; sign is 1 or -1. */
static int add_signed(struct lx_decimal a, struct lx_decimal b, int sign,
                      struct lx_decimal *out)
{
    unsigned s = a.scale > b.scale ? a.scale : b.scale;
    i128 x, y, r;

    if (out == NULL || !lx_decimal_is_valid(a) || !lx_decimal_is_valid(b)) {
        return LX_ERR_INVAL;
    }
    /* |m| * 10^18 < 2^123, so the scaled operands and their sum fit. */
    x = (i128)a.m * (i128)pow10_128(s - a.scale);
    y = (i128)b.m * (i128)pow10_128(s - b.scale);
    r = sign > 0 ? x + y : x - y;
    if (r < INT64_MIN || r > INT64_MAX) {
        return LX_ERR_OVERFLOW;
    }
    out->m = (int64_t)r;
    out->scale = (uint8_t)s;
    return LX_OK;
}

int lx_decimal_add(struct lx_decimal a, struct lx_decimal b,
                   struct lx_decimal *out)
{
    return add_signed(a, b, 1, out);
}

int lx_decimal_sub(struct lx_decimal a, struct lx_decimal b,
                   struct lx_decimal *out)
{
    return add_signed(a, b, -1, out);
}

int lx_decimal_mul(struct lx_decimal a, struct lx_decimal b, unsigned scale,
                   enum lx_round mode, struct lx_decimal *out)
{
    u128 p;

    if (out == NULL || !lx_decimal_is_valid(a) || !lx_decimal_is_valid(b) ||
        scale > LX_DECIMAL_MAX_SCALE || !mode_ok(mode)) {
        return LX_ERR_INVAL;
    }
    /* At most 2^63 * 2^63 = 2^126: the exact product always fits. */
    p = (u128)mag64(a.m) * mag64(b.m);
    return scale_mag((a.m < 0) != (b.m < 0), p, (unsigned)a.scale + b.scale,
                     scale, mode, out);
}

int lx_decimal_div(struct lx_decimal a, struct lx_decimal b, unsigned scale,
                   enum lx_round mode, struct lx_decimal *out)
{
    if (out == NULL || !lx_decimal_is_valid(a) || !lx_decimal_is_valid(b) ||
        b.m == 0 || scale > LX_DECIMAL_MAX_SCALE || !mode_ok(mode)) {
        return LX_ERR_INVAL;
    }
    return div_core(a, b, scale, mode, out);
}

int lx_decimal_rescale(struct lx_decimal d, unsigned scale, enum lx_round mode,
                       struct lx_decimal *out)
{
    if (out == NULL || !lx_decimal_is_valid(d) ||
        scale > LX_DECIMAL_MAX_SCALE || !mode_ok(mode)) {
        return LX_ERR_INVAL;
    }
    return scale_mag(d.m < 0, mag64(d.m), d.scale, scale, mode, out);
}

int lx_decimal_round_to_step(struct lx_decimal d, struct lx_decimal step,
                             enum lx_round mode, struct lx_decimal *out)
{
    struct lx_decimal q;
    int rc;

    if (out == NULL || !lx_decimal_is_valid(d) || !step_ok(step) ||
        !mode_ok(mode)) {
        return LX_ERR_INVAL;
    }
    /* The number of steps, rounded as asked, then back to a price. */
    rc = div_core(d, step, 0, mode, &q);
    if (rc != LX_OK) {
        return rc;
    }
    return lx_decimal_from_ticks(q.m, step, out);
}

int lx_decimal_neg(struct lx_decimal d, struct lx_decimal *out)
{
    if (out == NULL || !lx_decimal_is_valid(d)) {
        return LX_ERR_INVAL;
    }
    if (d.m == INT64_MIN) {
        return LX_ERR_OVERFLOW;
    }
    out->m = -d.m;
    out->scale = d.scale;
    return LX_OK;
}

int lx_decimal_abs(struct lx_decimal d, struct lx_decimal *out)
{
    if (out == NULL || !lx_decimal_is_valid(d)) {
        return LX_ERR_INVAL;
    }
    if (d.m >= 0) {
        *out = d;
        return LX_OK;
    }
    return lx_decimal_neg(d, out);
}

struct lx_decimal lx_decimal_normalize(struct lx_decimal d)
{
    if (!lx_decimal_is_valid(d)) {
        return d;
    }
    while (d.scale > 0 && d.m % 10 == 0) {
        d.m /= 10;
        d.scale--;
    }
    return d;
}

/* ---- Comparison --------------------------------------------------------- */

/*
 * Compares non-zero magnitudes x * 10^-sx and y * 10^-sy. Brought to the
 * same scale, a non-zero x times 10^20 or more exceeds any 64-bit y, so
 * only differences up to 19 need the 128-bit product.
 */
static int cmp_mag(uint64_t x, unsigned sx, uint64_t y, unsigned sy)
{
    u128 X = x, Y = y;

    if (sx < sy) {
        if (sy - sx > 19) {
            return 1;
        }
        X *= pow10_128(sy - sx);
    } else if (sy < sx) {
        if (sx - sy > 19) {
            return -1;
        }
        Y *= pow10_128(sx - sy);
    }
    return (X > Y) - (X < Y);
}

int lx_decimal_cmp(struct lx_decimal a, struct lx_decimal b)
{
    int sa = (a.m > 0) - (a.m < 0), sb = (b.m > 0) - (b.m < 0);

    if (sa != sb) {
        return sa < sb ? -1 : 1;
    }
    if (sa == 0) {
        return 0;
    }
    return sa * cmp_mag(mag64(a.m), a.scale, mag64(b.m), b.scale);
}

bool lx_decimal_eq(struct lx_decimal a, struct lx_decimal b)
{
    return lx_decimal_cmp(a, b) == 0;
}

bool lx_decimal_is_zero(struct lx_decimal d)
{
    return d.m == 0;
}
