/*
 * sb.c - the string builder of the mock's renderers (see sb.h).
 */
#include <string.h>

#include "core/lx_internal.h"
#include "mock/server/sb.h"

void lx_mock_sb_init(struct lx_mock_sb *sb)
{
    memset(sb, 0, sizeof(*sb));
}

void lx_mock_sb_free(struct lx_mock_sb *sb)
{
    lx__free(NULL, sb->buf);
    memset(sb, 0, sizeof(*sb));
}

void lx_mock_sb_reset(struct lx_mock_sb *sb)
{
    sb->len = 0;
    sb->err = LX_OK;
    if (sb->buf != NULL) {
        sb->buf[0] = '\0';
    }
}

void lx_mock_sb_add(struct lx_mock_sb *sb, const char *s, size_t n)
{
    if (sb->err != LX_OK) {
        return;
    }
    if (sb->len + n + 1 > sb->cap) {
        size_t ncap = sb->cap != 0 ? sb->cap : 256;
        char *b;

        while (ncap < sb->len + n + 1) {
            ncap *= 2;
        }
        b = lx__realloc(NULL, sb->buf, ncap);
        if (b == NULL) {
            sb->err = LX_ERR_NOMEM;
            return;
        }
        sb->buf = b;
        sb->cap = ncap;
    }
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void lx_mock_sb_str(struct lx_mock_sb *sb, const char *s)
{
    lx_mock_sb_add(sb, s, strlen(s));
}

/* Decimal digits of v (and a '-' when neg) written backwards from end;
 * the first character. What printf's %llu / %lld give, without printf. */
static char *digits(char *end, uint64_t v, bool neg)
{
    char *p = end;

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    if (neg) {
        *--p = '-';
    }
    return p;
}

void lx_mock_sb_i64(struct lx_mock_sb *sb, int64_t v)
{
    char b[24], *p;
    /* the magnitude without overflow, INT64_MIN included */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    p = digits(b + sizeof(b), m, v < 0);
    lx_mock_sb_add(sb, p, (size_t)(b + sizeof(b) - p));
}

void lx_mock_sb_u64(struct lx_mock_sb *sb, uint64_t v)
{
    char b[24], *p = digits(b + sizeof(b), v, false);

    lx_mock_sb_add(sb, p, (size_t)(b + sizeof(b) - p));
}

void lx_mock_sb_bool(struct lx_mock_sb *sb, bool v)
{
    lx_mock_sb_str(sb, v ? "true" : "false");
}

void lx_mock_sb_dec_str(struct lx_mock_sb *sb, struct lx_decimal d)
{
    char b[LX_DECIMAL_STRLEN + 2];
    int n = lx_decimal_format(d, b + 1, sizeof(b) - 2);

    if (n < 0) {
        /* An invalid decimal is a renderer bug; keep the JSON valid. */
        lx_mock_sb_str(sb, "\"0\"");
        return;
    }
    b[0] = '"';
    b[n + 1] = '"';
    lx_mock_sb_add(sb, b, (size_t)n + 2);
}

void lx_mock_sb_json_str(struct lx_mock_sb *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    lx_mock_sb_add(sb, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};

        if (ch >= 0x20 && ch != '"' && ch != '\\') {
            continue;
        }
        lx_mock_sb_add(sb, run, (size_t)(s - run));
        if (ch == '"' || ch == '\\') {
            esc[1] = (char)ch;
            lx_mock_sb_add(sb, esc, 2);
        } else {
            lx_mock_sb_add(sb, esc, 6);
        }
        run = s + 1;
    }
    lx_mock_sb_add(sb, run, (size_t)(s - run));
    lx_mock_sb_add(sb, "\"", 1);
}

void lx_mock_sb_kv_i64(struct lx_mock_sb *sb, const char *k, int64_t v)
{
    lx_mock_sb_str(sb, k);
    lx_mock_sb_i64(sb, v);
}

void lx_mock_sb_kv_dec(struct lx_mock_sb *sb, const char *k,
                       struct lx_decimal d)
{
    lx_mock_sb_str(sb, k);
    lx_mock_sb_dec_str(sb, d);
}

void lx_mock_sb_kv_str(struct lx_mock_sb *sb, const char *k, const char *s)
{
    lx_mock_sb_str(sb, k);
    lx_mock_sb_json_str(sb, s);
}
