/*
 * query.c - percent encoding and decoding, and lx_query: an ordered list of
 * key/value pairs that is built and encoded byte-exactly (for signing) or
 * parsed from a query string or form body.
 *
 * Encoding has exactly one output for one input: unreserved bytes pass,
 * everything else is %XX in upper-case hex, space is %20. Decoding accepts
 * what other clients send (lower-case hex, '+' for space in form bodies).
 * This file does not sign anything and does not know which venue wants
 * sorted parameters; it offers lx_query_sort for those that do.
 *
 * Each pair is one allocation holding "key\0value\0"; the pair array grows
 * by doubling. Both are capped (LX_QUERY_MAX_PAIRS, LX_QUERY_MAX_BYTES)
 * because parsed queries come from peers.
 */
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"
#include "lotusx/lx_url.h"

struct qpair {
    char *key; /* start of the pair's allocation: key NUL value NUL */
    char *val;
    size_t klen;
    size_t vlen;
};

struct lx_query {
    const struct lx_mem *mem;
    struct qpair *v;
    size_t n;
    size_t cap;
    size_t bytes; /* sum of klen + vlen, against LX_QUERY_MAX_BYTES */
};

static const char hex_upper[] = "0123456789ABCDEF";

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static size_t pct_encoded_len(const char *in, size_t n)
{
    size_t i, len = 0;

    for (i = 0; i < n; i++) {
        len += is_unreserved((unsigned char)in[i]) ? 1 : 3;
    }
    return len;
}

/* Writes the encoding of in (no NUL); out has pct_encoded_len bytes. */
static char *pct_encode_raw(const char *in, size_t n, char *out)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];

        if (is_unreserved(c)) {
            *out++ = (char)c;
        } else {
            *out++ = '%';
            *out++ = hex_upper[c >> 4];
            *out++ = hex_upper[c & 0xf];
        }
    }
    return out;
}

/*
 * Decodes n bytes of in into out (no NUL), or with out NULL only measures.
 * out may equal in: the write position never passes the read position.
 * Returns the decoded length or LX_ERR_PARSE.
 */
static int pct_decode_raw(const char *in, size_t n, char *out, unsigned flags)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];

        if (c == '%') {
            int hi, lo;

            if (n - i < 3 || (hi = hex_val((unsigned char)in[i + 1])) < 0 ||
                (lo = hex_val((unsigned char)in[i + 2])) < 0) {
                return LX_ERR_PARSE;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && (flags & LX_QUERY_PLUS_SPACE)) {
            c = ' ';
        }
        if (out != NULL) {
            out[o] = (char)c;
        }
        o++;
    }
    return (int)o;
}

int lx_percent_encode(const char *in, size_t len, char *out, size_t cap)
{
    size_t need;

    if ((in == NULL && len > 0) || out == NULL) {
        return LX_ERR_INVAL;
    }
    if (len > (size_t)INT_MAX / 3) {
        return LX_ERR_TOOBIG;
    }
    need = pct_encoded_len(in, len);
    if (need >= cap) {
        if (cap > 0) {
            out[0] = '\0';
        }
        return LX_ERR_TOOBIG;
    }
    *pct_encode_raw(in, len, out) = '\0';
    return (int)need;
}

int lx_percent_decode(const char *in, size_t len, char *out, size_t cap,
                      unsigned flags)
{
    int n;

    if ((in == NULL && len > 0) || out == NULL ||
        (flags & ~LX_QUERY_PLUS_SPACE) != 0) {
        return LX_ERR_INVAL;
    }
    if (len > (size_t)INT_MAX) {
        return LX_ERR_TOOBIG;
    }
    /* Measure first so a short buffer is refused before anything moves. */
    n = pct_decode_raw(in, len, NULL, flags);
    if (n < 0) {
        return n;
    }
    if ((size_t)n >= cap) {
        return LX_ERR_TOOBIG;
    }
    pct_decode_raw(in, len, out, flags);
    out[n] = '\0';
    return n;
}

int lx_query_new(struct lx_query **out, const struct lx_mem *mem)
{
    struct lx_query *q;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    q = lx__calloc(mem, 1, sizeof(*q));
    if (q == NULL) {
        return LX_ERR_NOMEM;
    }
    q->mem = mem;
    *out = q;
    return LX_OK;
}

void lx_query_free(struct lx_query *q)
{
    size_t i;

    if (q == NULL) {
        return;
    }
    for (i = 0; i < q->n; i++) {
        lx__free(q->mem, q->v[i].key);
    }
    lx__free(q->mem, q->v);
    lx__free(q->mem, q);
}

/* Checks the caps and makes room for one more pair. */
static int pair_reserve(struct lx_query *q, size_t klen, size_t vlen)
{
    struct qpair *v;
    size_t ncap;

    if (q->n >= LX_QUERY_MAX_PAIRS || klen > LX_QUERY_MAX_BYTES ||
        vlen > LX_QUERY_MAX_BYTES - klen ||
        q->bytes > LX_QUERY_MAX_BYTES - klen - vlen) {
        return LX_ERR_TOOBIG;
    }
    if (q->n < q->cap) {
        return LX_OK;
    }
    ncap = q->cap == 0 ? 8 : q->cap * 2;
    v = lx__realloc(q->mem, q->v, ncap * sizeof(*v));
    if (v == NULL) {
        return LX_ERR_NOMEM;
    }
    q->v = v;
    q->cap = ncap;
    return LX_OK;
}

/* Appends a pair whose block (key NUL value NUL) is ready; room reserved. */
static void pair_push(struct lx_query *q, char *blk, size_t klen, size_t vlen)
{
    struct qpair *p = &q->v[q->n++];

    p->key = blk;
    p->klen = klen;
    p->val = blk + klen + 1;
    p->vlen = vlen;
    q->bytes += klen + vlen;
}

int lx_query_add_n(struct lx_query *q, const char *key, size_t klen,
                   const char *value, size_t vlen)
{
    char *blk;
    int rc;

    if (q == NULL || (key == NULL && klen > 0) || (value == NULL && vlen > 0) ||
        (klen > 0 && memchr(key, '\0', klen) != NULL)) {
        return LX_ERR_INVAL;
    }
    if ((rc = pair_reserve(q, klen, vlen)) != LX_OK) {
        return rc;
    }
    blk = lx__malloc(q->mem, klen + vlen + 2);
    if (blk == NULL) {
        return LX_ERR_NOMEM;
    }
    if (klen > 0) {
        memcpy(blk, key, klen);
    }
    blk[klen] = '\0';
    if (vlen > 0) {
        memcpy(blk + klen + 1, value, vlen);
    }
    blk[klen + 1 + vlen] = '\0';
    pair_push(q, blk, klen, vlen);
    return LX_OK;
}

int lx_query_add(struct lx_query *q, const char *key, const char *value)
{
    if (key == NULL || value == NULL) {
        return LX_ERR_INVAL;
    }
    return lx_query_add_n(q, key, strlen(key), value, strlen(value));
}

int lx_query_add_i64(struct lx_query *q, const char *key, int64_t value)
{
    char buf[24];
    int n;

    if (key == NULL) {
        return LX_ERR_INVAL;
    }
    n = lx__snprintf(buf, sizeof(buf), "%" PRId64, value);
    if (n < 0) {
        return LX_ERR_INTERNAL;
    }
    return lx_query_add_n(q, key, strlen(key), buf, (size_t)n);
}

int lx_query_add_decimal(struct lx_query *q, const char *key,
                         struct lx_decimal value)
{
    char buf[64];
    int n;

    if (key == NULL) {
        return LX_ERR_INVAL;
    }
    n = lx_decimal_format(value, buf, sizeof(buf));
    if (n < 0) {
        return n;
    }
    return lx_query_add_n(q, key, strlen(key), buf, (size_t)n);
}

size_t lx_query_count(const struct lx_query *q)
{
    return q != NULL ? q->n : 0;
}

const char *lx_query_key(const struct lx_query *q, size_t i)
{
    return q != NULL && i < q->n ? q->v[i].key : NULL;
}

const char *lx_query_value(const struct lx_query *q, size_t i, size_t *len)
{
    if (q == NULL || i >= q->n) {
        return NULL;
    }
    if (len != NULL) {
        *len = q->v[i].vlen;
    }
    return q->v[i].val;
}

static int key_is(const struct qpair *p, const char *key, size_t klen)
{
    return p->klen == klen && memcmp(p->key, key, klen) == 0;
}

const char *lx_query_find(const struct lx_query *q, const char *key,
                          size_t *len)
{
    size_t i, klen;

    if (q == NULL || key == NULL) {
        return NULL;
    }
    klen = strlen(key);
    for (i = 0; i < q->n; i++) {
        if (key_is(&q->v[i], key, klen)) {
            return lx_query_value(q, i, len);
        }
    }
    return NULL;
}

int lx_query_remove(struct lx_query *q, const char *key)
{
    size_t i, kept = 0, klen;

    if (q == NULL || key == NULL) {
        return LX_ERR_INVAL;
    }
    klen = strlen(key);
    for (i = 0; i < q->n; i++) {
        if (key_is(&q->v[i], key, klen)) {
            q->bytes -= q->v[i].klen + q->v[i].vlen;
            lx__free(q->mem, q->v[i].key);
        } else {
            q->v[kept++] = q->v[i];
        }
    }
    i = q->n - kept;
    q->n = kept;
    return (int)i;
}

/* Key order: unsigned bytes, a proper prefix first. */
static int key_cmp(const struct qpair *a, const struct qpair *b)
{
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = n > 0 ? memcmp(a->key, b->key, n) : 0;

    if (c != 0) {
        return c;
    }
    return (a->klen > b->klen) - (a->klen < b->klen);
}

/*
 * Insertion sort: stable, in place, no allocation (so it cannot fail), and
 * at most LX_QUERY_MAX_PAIRS^2 / 2 comparisons on a capped list.
 */
void lx_query_sort(struct lx_query *q)
{
    size_t i, j;

    if (q == NULL) {
        return;
    }
    for (i = 1; i < q->n; i++) {
        struct qpair p = q->v[i];

        for (j = i; j > 0 && key_cmp(&q->v[j - 1], &p) > 0; j--) {
            q->v[j] = q->v[j - 1];
        }
        q->v[j] = p;
    }
}

size_t lx_query_encoded_len(const struct lx_query *q)
{
    size_t i, len = 0;

    if (q == NULL) {
        return 0;
    }
    for (i = 0; i < q->n; i++) {
        len += (i > 0) + pct_encoded_len(q->v[i].key, q->v[i].klen) + 1 +
               pct_encoded_len(q->v[i].val, q->v[i].vlen);
    }
    return len;
}

int lx_query_encode(const struct lx_query *q, char *buf, size_t cap)
{
    size_t i, len;
    char *w;

    if (q == NULL || buf == NULL) {
        return LX_ERR_INVAL;
    }
    len = lx_query_encoded_len(q);
    if (len >= cap) {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return LX_ERR_TOOBIG;
    }
    w = buf;
    for (i = 0; i < q->n; i++) {
        if (i > 0) {
            *w++ = '&';
        }
        w = pct_encode_raw(q->v[i].key, q->v[i].klen, w);
        *w++ = '=';
        w = pct_encode_raw(q->v[i].val, q->v[i].vlen, w);
    }
    *w = '\0';
    return (int)len;
}

/*
 * Decodes one non-empty "key[=value]" segment into a new pair. The block is
 * sized by the raw segment, which decoding never lengthens.
 */
static int parse_pair(struct lx_query *q, const char *seg, size_t n,
                      unsigned flags)
{
    const char *eq = memchr(seg, '=', n);
    size_t kraw = eq != NULL ? (size_t)(eq - seg) : n;
    size_t vraw = eq != NULL ? n - kraw - 1 : 0;
    const char *vsrc = eq != NULL ? eq + 1 : seg + n;
    int klen, vlen, rc;
    char *blk;

    klen = pct_decode_raw(seg, kraw, NULL, flags);
    vlen = pct_decode_raw(vsrc, vraw, NULL, flags);
    if (klen < 0 || vlen < 0) {
        return LX_ERR_PARSE;
    }
    if ((rc = pair_reserve(q, (size_t)klen, (size_t)vlen)) != LX_OK) {
        return rc;
    }
    blk = lx__malloc(q->mem, (size_t)klen + (size_t)vlen + 2);
    if (blk == NULL) {
        return LX_ERR_NOMEM;
    }
    pct_decode_raw(seg, kraw, blk, flags);
    blk[klen] = '\0';
    pct_decode_raw(vsrc, vraw, blk + klen + 1, flags);
    blk[klen + 1 + vlen] = '\0';
    if (memchr(blk, '\0', (size_t)klen) != NULL) {
        lx__free(q->mem, blk);
        return LX_ERR_PARSE; /* %00 in a key: keys are C strings. */
    }
    pair_push(q, blk, (size_t)klen, (size_t)vlen);
    return LX_OK;
}

int lx_query_parse(struct lx_query **out, const struct lx_mem *mem,
                   const char *s, size_t len, unsigned flags)
{
    struct lx_query *q;
    size_t pos = 0;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if ((s == NULL && len > 0) || (flags & ~LX_QUERY_PLUS_SPACE) != 0) {
        return LX_ERR_INVAL;
    }
    if (len > LX_QUERY_MAX_BYTES) {
        return LX_ERR_TOOBIG;
    }
    if ((rc = lx_query_new(&q, mem)) != LX_OK) {
        return rc;
    }
    while (rc == LX_OK && pos < len) {
        const char *amp = memchr(s + pos, '&', len - pos);
        size_t end = amp != NULL ? (size_t)(amp - s) : len;

        if (end > pos) {
            rc = parse_pair(q, s + pos, end - pos, flags);
        }
        pos = end + 1;
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    *out = q;
    return LX_OK;
}
