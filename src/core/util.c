/*
 * util.c - bounded formatting and strict integer parsing, the replacements
 * for sprintf and atoi that make lint bans.
 *
 * The parsers accept exactly an optional sign followed by decimal digits:
 * no leading spaces, no trailing bytes, no base prefixes, so a value read
 * from the network or a flag means exactly what its bytes say.
 */
#include <stdio.h>
#include <string.h>

#include "core/lx_internal.h"

int lx__vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    int n;

    if (buf == NULL || cap == 0) {
        return LX_ERR_TOOBIG;
    }
    n = vsnprintf(buf, cap, fmt, ap);
    if (n < 0) {
        buf[0] = '\0';
        return LX_ERR_INVAL;
    }
    if ((size_t)n >= cap) {
        return LX_ERR_TOOBIG;
    }
    return n;
}

int lx__snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = lx__vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

size_t lx__str_join(char *buf, size_t cap, const char *a, const char *b)
{
    size_t n = 0;

    if (cap == 0) {
        return 0;
    }
    while (a != NULL && n + 1 < cap && *a != '\0') {
        buf[n++] = *a++;
    }
    while (b != NULL && n + 1 < cap && *b != '\0') {
        buf[n++] = *b++;
    }
    buf[n] = '\0';
    return n;
}

static int parse_digits(const char *s, size_t len, uint64_t limit,
                        uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (len == 0) {
        return LX_ERR_PARSE;
    }
    for (i = 0; i < len; i++) {
        unsigned d;

        if (s[i] < '0' || s[i] > '9') {
            return LX_ERR_PARSE;
        }
        d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10) {
            return LX_ERR_RANGE;
        }
        v = v * 10 + d;
    }
    *out = v;
    return LX_OK;
}

int lx__parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (s == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    if (len > 0 && s[0] == '+') {
        s++;
        len--;
    }
    return parse_digits(s, len, UINT64_MAX, out);
}

int lx__parse_i64(const char *s, size_t len, int64_t *out)
{
    uint64_t v;
    int neg = 0;
    int rc;

    if (s == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        len--;
    }
    rc = parse_digits(s, len, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
    if (rc != LX_OK) {
        return rc;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return LX_OK;
}
