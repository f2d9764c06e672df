/*
 * capture_redact.c - removes secrets from record fields before they are
 * encoded, so nothing secret ever reaches a chunk buffer or the file.
 *
 * Three kinds of rule, applied to byte ranges the writer hands in:
 * - header rules: the whole value of a named header (Authorization,
 *   X-MBX-APIKEY, OK-ACCESS-*, cookies, ...);
 * - field rules: the value of a query or form parameter (name=value) or of
 *   a JSON member ("name": value, where value may be a string, a number or
 *   a nested object or array); a rule may "learn" the values it removes
 *   (listen keys, access tokens) so they are removed wherever they appear
 *   later, as in a stream URL;
 * - exact bytes: every registered lx_secret and every learned value.
 * Each removed value becomes LX_CAPTURE_REDACTED, a fixed text, so the
 * redacted form of a request is stable and replay can still match it.
 *
 * It is not a JSON or URL parser: it scans for the patterns above and
 * never fails on malformed input (it just finds less). Percent-encoded
 * forms of a secret are not matched by the exact rule.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/secret_internal.h"
#include "replay/capture_int.h"

/* Learned values shorter than this are not remembered. */
#define LEARN_MIN_LEN 8
/* At most this many learned values are kept (oldest are kept). */
#define LEARN_MAX 4096

struct rule {
    char *name;
    size_t len;
    bool learn;
    bool prefix;
};

struct rules {
    struct rule *v;
    uint32_t *key; /* rule_key of each name: most names differ there */
    size_t n;
    size_t cap;
};

/* The length, first and last byte of a name, in one word. */
static inline uint32_t rule_key(const uint8_t *p, size_t len)
{
    return len == 0 ? 0
                    : (uint32_t)len | (uint32_t)p[0] << 9 |
                          (uint32_t)p[len - 1] << 17;
}

struct learned {
    uint8_t *p;
    size_t len;
};

struct lx__redactor {
    const struct lx_mem *mem;
    struct rules hdr;
    struct rules fld;
    const struct lx_secret **sec;
    size_t nsec;
    size_t capsec;
    struct learned *lrn;
    size_t nlrn;
    size_t caplrn;
    uint8_t first[256]; /* first bytes of field names */
    uint8_t flen[258];  /* [L]: a field name is L bytes long; [257] = 0 */
    struct lx__cbuf tmp;
    uint64_t count;
};

static const char *const default_headers[] = {
    "X-MBX-APIKEY", "Authorization", "Proxy-Authorization", "Cookie",
    "Set-Cookie",   "OK-ACCESS-*",   "X-BAPI-API-KEY",      "X-BAPI-SIGN",
    "KEY",          "SIGN",          "X-API-KEY",
};

static const struct {
    const char *name;
    bool learn;
} default_fields[] = {
    {"signature", false},   {"apiKey", false},       {"api_key", false},
    {"sign", false},        {"passphrase", false},   {"listenKey", true},
    {"secret", false},      {"secretKey", false},    {"client_secret", false},
    {"access_token", true}, {"refresh_token", true}, {"KEY", false},
    {"SIGN", false},        {"password", false},     {"private_key", false},
    {"privateKey", false},
};

static const uint8_t marker[] = LX_CAPTURE_REDACTED;
#define MARKER_LEN (sizeof(marker) - 1)

/* Zeroes memory in a way the compiler may not drop. */
static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = p;

    while (n-- > 0) {
        *v++ = 0;
    }
}

static int add_rule(struct lx__redactor *rd, struct rules *rs, const char *name,
                    bool learn)
{
    size_t len = name != NULL ? strlen(name) : 0;
    struct rule r;

    if (len == 0 || len > 256) {
        return LX_ERR_INVAL;
    }
    r.prefix = name[len - 1] == '*';
    if (r.prefix) {
        len--;
    }
    r.learn = learn;
    r.len = len;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap != 0 ? rs->cap * 2 : 16;
        struct rule *v = lx__realloc(rd->mem, rs->v, cap * sizeof(*v));
        uint32_t *key;

        if (v == NULL) {
            return LX_ERR_NOMEM;
        }
        rs->v = v;
        key = lx__realloc(rd->mem, rs->key, cap * sizeof(*key));
        if (key == NULL) {
            return LX_ERR_NOMEM;
        }
        rs->key = key;
        rs->cap = cap;
    }
    r.name = lx__strndup(rd->mem, name, len);
    if (r.name == NULL) {
        return LX_ERR_NOMEM;
    }
    rs->key[rs->n] = rule_key((const uint8_t *)r.name, len);
    rs->v[rs->n++] = r;
    return LX_OK;
}

int lx__redactor_add_header(struct lx__redactor *rd, const char *name)
{
    return add_rule(rd, &rd->hdr, name, false);
}

int lx__redactor_add_field(struct lx__redactor *rd, const char *name,
                           bool learn)
{
    int rc = add_rule(rd, &rd->fld, name, learn);

    if (rc == LX_OK) {
        size_t len = rd->fld.v[rd->fld.n - 1].len;

        rd->first[(uint8_t)name[0]] = 1;
        rd->flen[len] = 1;
    }
    return rc;
}

int lx__redactor_add_secret(struct lx__redactor *rd, const struct lx_secret *s)
{
    if (s == NULL || lx_secret_len(s) == 0) {
        return LX_ERR_INVAL;
    }
    if (rd->nsec == rd->capsec) {
        size_t cap = rd->capsec != 0 ? rd->capsec * 2 : 4;
        const struct lx_secret **v =
            lx__realloc(rd->mem, (void *)rd->sec, cap * sizeof(*v));

        if (v == NULL) {
            return LX_ERR_NOMEM;
        }
        rd->sec = v;
        rd->capsec = cap;
    }
    rd->sec[rd->nsec++] = s;
    return LX_OK;
}

int lx__redactor_new(struct lx__redactor **out, const struct lx_mem *mem,
                     bool defaults)
{
    struct lx__redactor *rd = lx__calloc(mem, 1, sizeof(*rd));
    size_t i;
    int rc = LX_OK;

    *out = NULL;
    if (rd == NULL) {
        return LX_ERR_NOMEM;
    }
    rd->mem = mem;
    lx__cbuf_init(&rd->tmp, mem);
    for (i = 0; defaults && rc == LX_OK && i < LX_ARRAY_LEN(default_headers);
         i++) {
        rc = lx__redactor_add_header(rd, default_headers[i]);
    }
    for (i = 0; defaults && rc == LX_OK && i < LX_ARRAY_LEN(default_fields);
         i++) {
        rc = lx__redactor_add_field(rd, default_fields[i].name,
                                    default_fields[i].learn);
    }
    if (rc != LX_OK) {
        lx__redactor_free(rd);
        return rc;
    }
    *out = rd;
    return LX_OK;
}

static void free_rules(const struct lx_mem *mem, struct rules *rs)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        lx__free(mem, rs->v[i].name);
    }
    lx__free(mem, rs->v);
    lx__free(mem, rs->key);
}

void lx__redactor_free(struct lx__redactor *rd)
{
    size_t i;

    if (rd == NULL) {
        return;
    }
    free_rules(rd->mem, &rd->hdr);
    free_rules(rd->mem, &rd->fld);
    lx__free(rd->mem, (void *)rd->sec);
    for (i = 0; i < rd->nlrn; i++) {
        wipe(rd->lrn[i].p, rd->lrn[i].len);
        lx__free(rd->mem, rd->lrn[i].p);
    }
    lx__free(rd->mem, rd->lrn);
    if (rd->tmp.p != NULL) {
        wipe(rd->tmp.p, rd->tmp.cap);
    }
    lx__cbuf_free(&rd->tmp);
    lx__free(rd->mem, rd);
}

int lx__redactor_copy_rules(struct lx__redactor *dst,
                            const struct lx__redactor *src)
{
    size_t i;
    int rc = LX_OK;

    for (i = 0; rc == LX_OK && i < src->hdr.n; i++) {
        const struct rule *r = &src->hdr.v[i];
        char name[260];

        lx__snprintf(name, sizeof(name), "%s%s", r->name, r->prefix ? "*" : "");
        rc = lx__redactor_add_header(dst, name);
    }
    for (i = 0; rc == LX_OK && i < src->fld.n; i++) {
        rc = lx__redactor_add_field(dst, src->fld.v[i].name,
                                    src->fld.v[i].learn);
    }
    return rc;
}

uint64_t lx__redactor_count(const struct lx__redactor *rd)
{
    return rd->count;
}

static bool ascii_ieq(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x + 32);
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char)(y + 32);
        }
        if (x != y) {
            return false;
        }
    }
    return true;
}

bool lx__redactor_header_secret(const struct lx__redactor *rd, const char *name,
                                size_t len)
{
    size_t i;

    for (i = 0; i < rd->hdr.n; i++) {
        const struct rule *r = &rd->hdr.v[i];

        if ((r->prefix ? len >= r->len : len == r->len) &&
            ascii_ieq(name, r->name, r->len)) {
            return true;
        }
    }
    return false;
}

/* ---- spans: what to replace in one pass --------------------------------- */

struct span {
    size_t at;
    size_t end;
    bool quote; /* wrap the marker in quotes (a non-string JSON value) */
};

struct spans {
    struct span v[64];
    size_t n;
    bool full; /* more spans than fit: another pass is needed */
};

static void add_span(struct spans *sp, size_t at, size_t end, bool quote)
{
    if (sp->n == LX_ARRAY_LEN(sp->v)) {
        sp->full = true;
        return;
    }
    sp->v[sp->n].at = at;
    sp->v[sp->n].end = end;
    sp->v[sp->n].quote = quote;
    sp->n++;
}

static int learn(struct lx__redactor *rd, const uint8_t *p, size_t len)
{
    size_t i;
    uint8_t *copy;

    if (len < LEARN_MIN_LEN || rd->nlrn >= LEARN_MAX) {
        return LX_OK;
    }
    for (i = 0; i < rd->nlrn; i++) {
        if (rd->lrn[i].len == len && memcmp(rd->lrn[i].p, p, len) == 0) {
            return LX_OK;
        }
    }
    if (rd->nlrn == rd->caplrn) {
        size_t cap = rd->caplrn != 0 ? rd->caplrn * 2 : 8;
        struct learned *v = lx__realloc(rd->mem, rd->lrn, cap * sizeof(*v));

        if (v == NULL) {
            return LX_ERR_NOMEM;
        }
        rd->lrn = v;
        rd->caplrn = cap;
    }
    copy = lx__memdup(rd->mem, p, len);
    if (copy == NULL) {
        return LX_ERR_NOMEM;
    }
    rd->lrn[rd->nlrn].p = copy;
    rd->lrn[rd->nlrn].len = len;
    rd->nlrn++;
    return LX_OK;
}

static const struct rule *field_at(const struct lx__redactor *rd,
                                   const uint8_t *p, size_t len)
{
    uint32_t k = rule_key(p, len);
    size_t i;

    for (i = 0; i < rd->fld.n; i++) {
        if (rd->fld.key[i] == k && memcmp(p, rd->fld.v[i].name, len) == 0) {
            return &rd->fld.v[i];
        }
    }
    return NULL;
}

/* A value already redacted (a later pass must not count it again). */
static bool is_marker(const uint8_t *p, size_t n)
{
    return (n == MARKER_LEN && memcmp(p, marker, n) == 0) ||
           (n == MARKER_LEN + 2 && p[0] == '"' &&
            memcmp(p + 1, marker, MARKER_LEN) == 0);
}

/* name=value pairs separated by '&' in in[from..len), up to '#'. */
static int scan_params(struct lx__redactor *rd, const uint8_t *in, size_t len,
                       size_t from, struct spans *sp)
{
    size_t i = from;

    while (i < len && in[i] != '#') {
        size_t k = i, eq, end;
        const struct rule *r;

        while (k < len && in[k] != '&' && in[k] != '=' && in[k] != '#') {
            k++;
        }
        eq = k;
        end = k;
        while (end < len && in[end] != '&' && in[end] != '#') {
            end++;
        }
        if (eq < len && in[eq] == '=' && (r = field_at(rd, in + i, eq - i)) &&
            !is_marker(in + eq + 1, end - eq - 1)) {
            if (r->learn && learn(rd, in + eq + 1, end - eq - 1) != LX_OK) {
                return LX_ERR_NOMEM;
            }
            if (end > eq + 1) {
                add_span(sp, eq + 1, end, false);
            }
        }
        i = end < len && in[end] == '&' ? end + 1 : end;
    }
    return LX_OK;
}

static size_t skip_ws(const uint8_t *in, size_t len, size_t i)
{
    while (i < len &&
           (in[i] == ' ' || in[i] == '\t' || in[i] == '\n' || in[i] == '\r')) {
        i++;
    }
    return i;
}

/* The index just past the JSON string whose opening quote is at i. */
static size_t string_end(const uint8_t *in, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (in[i] == '\\') {
            i++;
        } else if (in[i] == '"') {
            return i + 1;
        }
    }
    return len;
}

/* The index just past the JSON value (any type) starting at i. */
static size_t value_end(const uint8_t *in, size_t len, size_t i)
{
    size_t depth = 0;

    if (i < len && in[i] == '"') {
        return string_end(in, len, i);
    }
    for (; i < len; i++) {
        uint8_t c = in[i];

        if (c == '"') {
            i = string_end(in, len, i) - 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0) {
                return i;
            }
            if (--depth == 0) {
                return i + 1;
            }
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' ||
                                  c == '\n' || c == '\r')) {
            return i;
        }
    }
    return len;
}

/* Handles a quote at q that may open a member name; returns where to go. */
static size_t json_member(struct lx__redactor *rd, const uint8_t *in,
                          size_t len, size_t q, struct spans *sp, int *rc)
{
    size_t close, v, end;
    const struct rule *r;
    const uint8_t *nend = memchr(in + q + 1, '"', len - q - 1);

    if (nend == NULL) {
        return len;
    }
    close = (size_t)(nend - in);
    r = field_at(rd, in + q + 1, close - q - 1);
    if (r == NULL) {
        return close;
    }
    v = skip_ws(in, len, close + 1);
    if (v >= len || in[v] != ':') {
        return close;
    }
    v = skip_ws(in, len, v + 1);
    end = value_end(in, len, v);
    if (end <= v || is_marker(in + v, end - v)) {
        return end > v ? end : v;
    }
    if (in[v] == '"') {
        /* An unterminated string (a cut frame) is redacted to the end. */
        size_t vend = end - v >= 2 && in[end - 1] == '"' ? end - 1 : len;

        if (r->learn && vend > v + 1) {
            *rc = learn(rd, in + v + 1, vend - v - 1);
        }
        if (vend > v + 1) {
            add_span(sp, v + 1, vend, false);
        }
    } else {
        add_span(sp, v, end, true);
    }
    return end;
}

static int scan_json(struct lx__redactor *rd, const uint8_t *in, size_t len,
                     struct spans *sp)
{
    size_t i = 0;
    int rc = LX_OK;

    while (i < len && rc == LX_OK && !sp->full) {
        const uint8_t *q = memchr(in + i, '"', len - i);

        if (q == NULL) {
            break;
        }
        i = (size_t)(q - in);
        if (i + 1 < len && rd->first[in[i + 1]]) {
            i = json_member(rd, in, len, i, sp, &rc);
        } else {
            i++;
        }
    }
    return rc;
}

/* Finds needle in in[from..len); returns its index or len. */
static size_t find(const uint8_t *in, size_t len, size_t from,
                   const uint8_t *needle, size_t nlen)
{
    size_t i = from;

    while (nlen > 0 && i + nlen <= len) {
        const uint8_t *p = memchr(in + i, needle[0], len - nlen + 1 - i);

        if (p == NULL) {
            break;
        }
        i = (size_t)(p - in);
        if (memcmp(p, needle, nlen) == 0) {
            return i;
        }
        i++;
    }
    return len;
}

static void scan_exact(const uint8_t *in, size_t len, const uint8_t *needle,
                       size_t nlen, struct spans *sp)
{
    size_t i = find(in, len, 0, needle, nlen);

    while (i < len && !sp->full) {
        add_span(sp, i, i + nlen, false);
        i = find(in, len, i + nlen, needle, nlen);
    }
}

/* ---- fast path: proving that a range has nothing to redact --------------- */

/*
 * The structural rules only ever act on a field name: "name" (a JSON
 * member name runs from a quote to the next quote) or name= (a parameter).
 * The checks below look at every place such a name could be, a superset
 * of the places the scans above look at; when no rule name is at any of
 * them, the scans would find nothing and change nothing (they learn only
 * what they match), so they are skipped. Anything else goes the full way.
 */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define RD_LE 1
#else
#define RD_LE 0
#endif

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* 0x80 in each byte of w equal to c, 0 in the others (exact per byte). */
static inline uint64_t bytes_eq(uint64_t w, uint8_t c)
{
    uint64_t x = w ^ (ONES * c);

    return ~(((x & ~HIGHS) + ~HIGHS) | x) & HIGHS;
}

/*
 * 1 if in[a + 1..b) (a quote at a, the next quote at b) is a field name:
 * two table lookups rule out most names before any comparison.
 */
static inline bool json_name(const struct lx__redactor *rd, const uint8_t *in,
                             size_t a, size_t b)
{
    size_t n = b - a - 1;

    if (__builtin_expect(
            (rd->first[in[a + 1]] & rd->flen[n < 257 ? n : 257]) == 0, 1)) {
        return false;
    }
    return field_at(rd, in + a + 1, n) != NULL;
}

/* 0x80 in each byte of w below 0x21 (space and controls; exact per byte). */
static inline uint64_t bytes_lt21(uint64_t w)
{
    return ~(((w & ~HIGHS) + ONES * (0x80 - 0x21)) | w) & HIGHS;
}

/*
 * The quote at b is followed by ':' or white space, so it may close a
 * member name (scan_json needs ws* ':' after the name): 1 if the text
 * from the quote before it is a field name.
 */
static bool json_close(const struct lx__redactor *rd, const uint8_t *in,
                       size_t b)
{
    size_t a = b;

    while (a > 0) {
        if (in[--a] == '"') {
            return json_name(rd, in, a, b);
        }
    }
    return false;
}

/*
 * 1 if no member name of in[0..len) is a field name: scan_json matches
 * only a name between a quote and the next one that is followed by white
 * space or ':', so only such closing quotes are looked at (in compact
 * JSON, those of member names), each with the quote before it.
 */
static bool json_clean(const struct lx__redactor *rd, const uint8_t *in,
                       size_t len)
{
    size_t i = 0;

#if RD_LE
    /* Without names of 0 or 1 byte, a quote 1 or 2 bytes before a closing
     * one (as in "e": of market data) opens a name that cannot match. */
    uint64_t keep = rd->flen[0] | rd->flen[1] ? ~0ull : 0;

    for (; i < 2 && i + 1 < len; i++) {
        if (in[i] == '"' && (in[i + 1] == ':' || in[i + 1] < 0x21) &&
            json_close(rd, in, i)) {
            return false;
        }
    }
#if defined(__SSE2__)
    {
        const __m128i quote = _mm_set1_epi8('"'), colon = _mm_set1_epi8(':');
        const __m128i space = _mm_set1_epi8(0x21);
        const int kept = (int)(keep & 0xffff);

        for (; len - i >= 17; i += 16) {
            __m128i w =
                _mm_loadu_si128((const __m128i *)(const void *)(in + i));
            __m128i w1 =
                _mm_loadu_si128((const __m128i *)(const void *)(in + i + 1));
            __m128i w_1 =
                _mm_loadu_si128((const __m128i *)(const void *)(in + i - 1));
            __m128i w_2 =
                _mm_loadu_si128((const __m128i *)(const void *)(in + i - 2));
            /* Signed: bytes 0x80..0xff count as below 0x21 too (a superset
             * of the white space). */
            __m128i next = _mm_or_si128(_mm_cmpeq_epi8(w1, colon),
                                        _mm_cmplt_epi8(w1, space));
            __m128i near = _mm_or_si128(_mm_cmpeq_epi8(w_1, quote),
                                        _mm_cmpeq_epi8(w_2, quote));
            unsigned m = (unsigned)_mm_movemask_epi8(
                             _mm_and_si128(_mm_cmpeq_epi8(w, quote), next)) &
                         ~((unsigned)_mm_movemask_epi8(near) & ~(unsigned)kept);

            for (; m != 0; m &= m - 1) {
                if (json_close(rd, in, i + (size_t)__builtin_ctz(m))) {
                    return false;
                }
            }
        }
    }
#endif
    for (; len - i >= 9; i += 8) {
        uint64_t w, w1, w_1, w_2, m;

        memcpy(&w, in + i, 8);
        memcpy(&w1, in + i + 1, 8);
        memcpy(&w_1, in + i - 1, 8);
        memcpy(&w_2, in + i - 2, 8);
        m = bytes_eq(w, '"') & (bytes_eq(w1, ':') | bytes_lt21(w1)) &
            ~(~keep & (bytes_eq(w_1, '"') | bytes_eq(w_2, '"')));
        for (; m != 0; m &= m - 1) {
            if (json_close(rd, in, i + ((size_t)__builtin_ctzll(m) >> 3))) {
                return false;
            }
        }
    }
#endif
    for (; i + 1 < len; i++) {
        if (in[i] == '"' && (in[i + 1] == ':' || in[i + 1] < 0x21) &&
            json_close(rd, in, i)) {
            return false;
        }
    }
    return true;
}

/* 1 if no '=' in in[from..len) follows a field name. */
static bool params_clean(const struct lx__redactor *rd, const uint8_t *in,
                         size_t len, size_t from)
{
    const uint8_t *e = memchr(in + from, '=', len - from);

    while (e != NULL) {
        size_t at = (size_t)(e - in), i;

        for (i = 0; i < rd->fld.n; i++) {
            const struct rule *r = &rd->fld.v[i];

            if (r->len <= at - from &&
                memcmp(in + at - r->len, r->name, r->len) == 0) {
                return false;
            }
        }
        e = memchr(in + at + 1, '=', len - at - 1);
    }
    return true;
}

/* 1 if the structural rules of flags would leave in[0..len) as it is. */
static bool structural_clean(const struct lx__redactor *rd, unsigned flags,
                             const uint8_t *in, size_t len)
{
    if (flags & LX__RD_QUERY) {
        const uint8_t *q = memchr(in, '?', len);

        if (q != NULL && !params_clean(rd, in, len, (size_t)(q - in) + 1)) {
            return false;
        }
    }
    if ((flags & LX__RD_FORM) && !params_clean(rd, in, len, 0)) {
        return false;
    }
    return !(flags & LX__RD_JSON) || json_clean(rd, in, len);
}

/* ---- applying spans ----------------------------------------------------- */

static int cmp_span(const void *a, const void *b)
{
    const struct span *x = a, *y = b;

    return (x->at > y->at) - (x->at < y->at);
}

/* Writes in[0..len) with the spans replaced into out (reset first). */
static int apply(struct lx__redactor *rd, const uint8_t *in, size_t len,
                 struct spans *sp, struct lx__cbuf *out)
{
    size_t i, pos = 0;
    int rc = LX_OK;

    qsort(sp->v, sp->n, sizeof(sp->v[0]), cmp_span);
    out->len = 0;
    for (i = 0; i < sp->n && rc == LX_OK; i++) {
        const struct span *s = &sp->v[i];

        if (s->at < pos) {
            continue; /* overlaps the previous span, already covered */
        }
        rc = lx__cbuf_put(out, in + pos, s->at - pos);
        if (rc == LX_OK && s->quote) {
            rc = lx__cbuf_put(out, "\"", 1);
        }
        if (rc == LX_OK) {
            rc = lx__cbuf_put(out, marker, MARKER_LEN);
        }
        if (rc == LX_OK && s->quote) {
            rc = lx__cbuf_put(out, "\"", 1);
        }
        pos = s->end;
        rd->count++;
    }
    if (rc == LX_OK) {
        rc = lx__cbuf_put(out, in + pos, len - pos);
    }
    return rc;
}

/*
 * One pass of the structural rules over cur[0..*len); the result replaces
 * cur in rd->tmp when anything matched. Passes repeat while spans overflow.
 */
static int structural(struct lx__redactor *rd, unsigned flags,
                      const uint8_t **cur, size_t *len, struct lx__cbuf *tmp2)
{
    struct spans sp;
    int rc;

    do {
        const uint8_t *q;

        sp.n = 0;
        sp.full = false;
        rc = LX_OK;
        if ((flags & LX__RD_QUERY) && (q = memchr(*cur, '?', *len)) != NULL) {
            rc = scan_params(rd, *cur, *len, (size_t)(q - *cur) + 1, &sp);
        }
        if (rc == LX_OK && (flags & LX__RD_FORM)) {
            rc = scan_params(rd, *cur, *len, 0, &sp);
        }
        if (rc == LX_OK && (flags & LX__RD_JSON)) {
            rc = scan_json(rd, *cur, *len, &sp);
        }
        if (rc != LX_OK || sp.n == 0) {
            return rc;
        }
        rc = apply(rd, *cur, *len, &sp, tmp2);
        if (rc == LX_OK) {
            struct lx__cbuf t = rd->tmp;

            rd->tmp = *tmp2;
            *tmp2 = t;
            *cur = rd->tmp.p;
            *len = rd->tmp.len;
        }
    } while (rc == LX_OK && sp.full);
    return rc;
}

/* The exact-byte rules: registered secrets, then learned values. */
static int exact(struct lx__redactor *rd, const uint8_t **cur, size_t *len,
                 struct lx__cbuf *tmp2)
{
    size_t i, n = rd->nsec + rd->nlrn;
    int rc = LX_OK;

    for (i = 0; i < n && rc == LX_OK; i++) {
        const uint8_t *needle;
        size_t nlen;
        struct spans sp;

        if (i < rd->nsec) {
            needle = lx__secret_data(rd->sec[i], &nlen);
        } else {
            needle = rd->lrn[i - rd->nsec].p;
            nlen = rd->lrn[i - rd->nsec].len;
        }
        /* A needle inside the marker would match its own replacement. */
        if (find(marker, MARKER_LEN, 0, needle, nlen) < MARKER_LEN) {
            continue;
        }
        do {
            sp.n = 0;
            sp.full = false;
            scan_exact(*cur, *len, needle, nlen, &sp);
            if (sp.n == 0) {
                break;
            }
            rc = apply(rd, *cur, *len, &sp, tmp2);
            if (rc == LX_OK) {
                struct lx__cbuf t = rd->tmp;

                rd->tmp = *tmp2;
                *tmp2 = t;
                *cur = rd->tmp.p;
                *len = rd->tmp.len;
            }
        } while (rc == LX_OK && sp.full);
    }
    return rc;
}

int lx__redact(struct lx__redactor *rd, unsigned flags, const uint8_t *in,
               size_t len, struct lx__cbuf *arena, const uint8_t **out,
               size_t *off, size_t *outlen)
{
    const uint8_t *cur = in;
    size_t clen = len;
    struct lx__cbuf tmp2;
    int rc = LX_OK;

    *out = in;
    *outlen = len;
    *off = 0;
    if (flags & LX__RD_HEADER) {
        rd->count++;
        *off = arena->len;
        *out = NULL;
        *outlen = MARKER_LEN;
        return lx__cbuf_put(arena, marker, MARKER_LEN);
    }
    if (len == 0) {
        return LX_OK;
    }
    if (!(flags & LX__RD_FULL) && structural_clean(rd, flags, in, len)) {
        flags &= ~(unsigned)(LX__RD_QUERY | LX__RD_FORM | LX__RD_JSON);
    }
    lx__cbuf_init(&tmp2, rd->mem);
    if (flags & (LX__RD_QUERY | LX__RD_FORM | LX__RD_JSON)) {
        rc = structural(rd, flags, &cur, &clen, &tmp2);
    }
    if (rc == LX_OK && (flags & LX__RD_EXACT)) {
        rc = exact(rd, &cur, &clen, &tmp2);
    }
    if (rc == LX_OK && cur != in) {
        *off = arena->len;
        *out = NULL;
        *outlen = clen;
        rc = lx__cbuf_put(arena, cur, clen);
    }
    if (tmp2.p != NULL) {
        wipe(tmp2.p, tmp2.cap);
    }
    lx__cbuf_free(&tmp2);
    return rc;
}
