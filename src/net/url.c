/*
 * url.c - parsing absolute URLs (http, https, ws, wss) and HTTP
 * request-targets, and rebuilding the Host header and request-target from
 * them.
 *
 * It validates strictly and copies verbatim: the scheme and host are
 * lower-cased, the path and query keep their exact bytes (venues sign
 * them), nothing is percent-decoded or normalized. It does not resolve
 * names, does not know relative references, and does not handle userinfo,
 * IPv6 zone ids or IPvFuture (all rejected; see lx_url.h). Query strings
 * are split into pairs by query.c, not here.
 */
#include <arpa/inet.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_url.h"

/* Longest IPv6 literal text inet_pton can accept (INET6_ADDRSTRLEN - 1). */
#define URL_V6_MAX    45
#define URL_HOST_MAX  253
#define URL_LABEL_MAX 63

struct lx_url {
    const struct lx_mem *mem;
    const char *scheme;
    const char *host;
    const char *path;
    const char *query; /* NULL when absent */
    uint16_t port;     /* effective port; 0 for origin-form targets */
    uint16_t defport;
    unsigned char has_port;
    unsigned char tls;
    unsigned char ws;
    unsigned char v6;
    char buf[]; /* the strings above point in here */
};

struct scheme_def {
    const char *name;
    uint16_t port;
    unsigned char tls;
    unsigned char ws;
};

static const struct scheme_def schemes[] = {
    {"http", 80, 0, 0},
    {"https", 443, 1, 0},
    {"ws", 80, 0, 1},
    {"wss", 443, 1, 1},
};

/* What a parse found, as spans of the input, before it is copied. */
struct url_parts {
    const struct scheme_def *scheme; /* NULL for origin-form */
    const char *host;
    size_t hlen;
    int v6;
    uint16_t port;
    int has_port;
    const char *path;
    size_t plen;
    const char *query; /* NULL when absent */
    size_t qlen;
};

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int eq_nocase(const char *a, size_t n, const char *lower)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (lower[i] == '\0' || to_lower((unsigned char)a[i]) != lower[i]) {
            return 0;
        }
    }
    return lower[n] == '\0';
}

/*
 * Checks a path, query or fragment: printable ASCII only (no space, no
 * control, no byte >= 0x80), no '#' (it can only start the fragment) and
 * every '%' followed by two hex digits. A byte from stops ends the span (a
 * delimiter the caller handles); its offset is returned in *used.
 */
static int check_chars(const char *s, size_t n, const char *stops, size_t *used)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c != '\0' && stops != NULL && strchr(stops, c) != NULL) {
            break;
        }
        if (c <= 0x20 || c >= 0x7f || c == '#') {
            return LX_ERR_PARSE;
        }
        if (c == '%' && (n - i < 3 || !is_hex((unsigned char)s[i + 1]) ||
                         !is_hex((unsigned char)s[i + 2]))) {
            return LX_ERR_PARSE;
        }
    }
    *used = i;
    return LX_OK;
}

/* Strict dotted quad: four decimal octets, no leading zeros, <= 255. */
static int is_ipv4(const char *h, size_t n)
{
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        size_t start = i;
        unsigned v = 0;

        while (i < n && is_digit((unsigned char)h[i]) && i - start < 3) {
            v = v * 10 + (unsigned)(h[i] - '0');
            i++;
        }
        if (i == start || v > 255 || (h[start] == '0' && i - start > 1)) {
            return 0;
        }
        if (part < 3) {
            if (i >= n || h[i] != '.') {
                return 0;
            }
            i++;
        }
    }
    return i == n;
}

/*
 * True when the last label of a name is a number (decimal digits, or "0x"
 * and hex digits). Such a name is an IPv4 address to some resolvers
 * (inet_aton takes "1.0x7f"), so it must then be a strict dotted quad.
 */
static int ends_in_number(const char *h, size_t n)
{
    size_t start = n, i;
    int hex;

    while (start > 0 && h[start - 1] != '.') {
        start--;
    }
    if (start == n) {
        return 0;
    }
    hex = n - start >= 2 && h[start] == '0' &&
          to_lower((unsigned char)h[start + 1]) == 'x';
    for (i = start + (hex ? 2 : 0); i < n; i++) {
        unsigned char c = (unsigned char)h[i];

        if (hex ? !is_hex(c) : !is_digit(c)) {
            return 0;
        }
    }
    return 1;
}

/* A registered name or an IPv4 address (see lx_url.h for the rules). */
static int check_host_name(const char *h, size_t n)
{
    size_t i, label = 0;
    int fqdn = n > 0 && h[n - 1] == '.';

    n -= fqdn ? 1 : 0;
    if (n == 0 || n > URL_HOST_MAX) {
        return LX_ERR_PARSE;
    }
    if (ends_in_number(h, n)) {
        /* No trailing dot on an address: "1.2.3.4." is not one. */
        return !fqdn && is_ipv4(h, n) ? LX_OK : LX_ERR_PARSE;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = to_lower((unsigned char)h[i]);

        if (c == '.') {
            if (label == 0) {
                return LX_ERR_PARSE;
            }
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || is_digit(c) || c == '-' ||
                   c == '_') {
            if (++label > URL_LABEL_MAX) {
                return LX_ERR_PARSE;
            }
        } else {
            return LX_ERR_PARSE;
        }
    }
    return label == 0 ? LX_ERR_PARSE : LX_OK;
}

/*
 * An IPv6 literal without its brackets. Only hex digits, ':' and '.' (an
 * embedded IPv4 tail) may appear, which rules out zone ids ("%25eth0") and
 * IPvFuture ("v1.x"); inet_pton then checks the grammar.
 */
static int check_ipv6(const char *h, size_t n)
{
    char tmp[URL_V6_MAX + 1];
    unsigned char addr[16];
    size_t i;

    if (n < 2 || n > URL_V6_MAX) {
        return LX_ERR_PARSE;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];

        if (!is_hex(c) && c != ':' && c != '.') {
            return LX_ERR_PARSE;
        }
    }
    memcpy(tmp, h, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET6, tmp, addr) == 1 ? LX_OK : LX_ERR_PARSE;
}

/* 1..65535, one to five decimal digits. */
static int parse_port(const char *s, size_t n, uint16_t *out)
{
    unsigned v = 0;
    size_t i;

    if (n == 0 || n > 5) {
        return LX_ERR_PARSE;
    }
    for (i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) {
            return LX_ERR_PARSE;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535) {
        return LX_ERR_PARSE;
    }
    *out = (uint16_t)v;
    return LX_OK;
}

/* Splits an authority (no '/', '?' or '#' in it) into host and port. */
static int parse_authority(const char *s, size_t n, struct url_parts *p)
{
    const char *colon;
    size_t hlen;
    int rc;

    if (memchr(s, '@', n) != NULL) {
        return LX_ERR_PARSE; /* userinfo */
    }
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);

        if (close == NULL) {
            return LX_ERR_PARSE;
        }
        p->host = s + 1;
        p->hlen = (size_t)(close - s) - 1;
        p->v6 = 1;
        hlen = (size_t)(close - s) + 1;
        rc = check_ipv6(p->host, p->hlen);
    } else {
        colon = memchr(s, ':', n);
        hlen = colon != NULL ? (size_t)(colon - s) : n;
        p->host = s;
        p->hlen = hlen;
        rc = check_host_name(s, hlen);
    }
    if (rc != LX_OK || hlen == n) {
        return rc;
    }
    if (s[hlen] != ':') {
        return LX_ERR_PARSE;
    }
    p->has_port = 1;
    return parse_port(s + hlen + 1, n - hlen - 1, &p->port);
}

/*
 * Parses path ["?" query] ["#" fragment] from s (which starts at the path,
 * possibly empty). The fragment is checked and dropped. With no_fragment a
 * '#' is an error (request-targets).
 */
static int parse_path_query(const char *s, size_t n, int no_fragment,
                            struct url_parts *p)
{
    size_t used, pos;
    int rc;

    if ((rc = check_chars(s, n, "?#", &used)) != LX_OK) {
        return rc;
    }
    p->path = s;
    p->plen = used;
    pos = used;
    if (pos < n && s[pos] == '?') {
        pos++;
        if ((rc = check_chars(s + pos, n - pos, "#", &used)) != LX_OK) {
            return rc;
        }
        p->query = s + pos;
        p->qlen = used;
        pos += used;
    }
    if (pos < n) {
        /* s[pos] is '#': the fragment, never sent, but still checked. */
        if (no_fragment) {
            return LX_ERR_PARSE;
        }
        return check_chars(s + pos + 1, n - pos - 1, NULL, &used);
    }
    return LX_OK;
}

/* Everything after "scheme://": authority, then path, query, fragment. */
static int parse_absolute(const char *s, size_t len, int no_fragment,
                          struct url_parts *p)
{
    size_t i, slen, alen;
    int rc;

    for (slen = 0; slen < len && s[slen] != ':'; slen++) {
    }
    if (len - slen < 3 || memcmp(s + slen, "://", 3) != 0) {
        return LX_ERR_PARSE;
    }
    for (i = 0; i < LX_ARRAY_LEN(schemes); i++) {
        if (eq_nocase(s, slen, schemes[i].name)) {
            p->scheme = &schemes[i];
        }
    }
    if (p->scheme == NULL) {
        return LX_ERR_PARSE;
    }
    s += slen + 3;
    len -= slen + 3;
    for (alen = 0; alen < len && strchr("/?#", s[alen]) == NULL; alen++) {
    }
    if ((rc = parse_authority(s, alen, p)) != LX_OK) {
        return rc;
    }
    if (!p->has_port) {
        p->port = p->scheme->port;
    }
    return parse_path_query(s + alen, len - alen, no_fragment, p);
}

static char *copy_str(char *dst, const char *src, size_t n, int lower)
{
    size_t i;

    for (i = 0; i < n; i++) {
        dst[i] = lower ? (char)to_lower((unsigned char)src[i]) : src[i];
    }
    dst[n] = '\0';
    return dst + n + 1;
}

/* Copies the parts into one allocation. */
static int url_build(struct lx_url **out, const struct lx_mem *mem,
                     const struct url_parts *p)
{
    const char *scheme = p->scheme != NULL ? p->scheme->name : "";
    size_t slen = strlen(scheme);
    size_t total = slen + 1 + p->hlen + 1 + (p->plen > 0 ? p->plen : 1) + 1 +
                   (p->query != NULL ? p->qlen + 1 : 0);
    struct lx_url *u = lx__malloc(mem, sizeof(*u) + total);
    char *w;

    if (u == NULL) {
        return LX_ERR_NOMEM;
    }
    memset(u, 0, sizeof(*u));
    u->mem = mem;
    w = u->buf;
    u->scheme = w;
    w = copy_str(w, scheme, slen, 0);
    u->host = w;
    w = copy_str(w, p->host, p->hlen, 1);
    u->path = w;
    w = p->plen > 0 ? copy_str(w, p->path, p->plen, 0) : copy_str(w, "/", 1, 0);
    if (p->query != NULL) {
        u->query = w;
        copy_str(w, p->query, p->qlen, 0);
    }
    u->port = p->port;
    u->has_port = (unsigned char)p->has_port;
    u->v6 = (unsigned char)p->v6;
    if (p->scheme != NULL) {
        u->defport = p->scheme->port;
        u->tls = p->scheme->tls;
        u->ws = p->scheme->ws;
    }
    *out = u;
    return LX_OK;
}

static int url_parse(struct lx_url **out, const struct lx_mem *mem,
                     const char *s, size_t len, int target)
{
    struct url_parts p;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    if (len > LX_URL_MAX_LEN) {
        return LX_ERR_TOOBIG;
    }
    memset(&p, 0, sizeof(p));
    p.host = "";
    if (target && len > 0 && s[0] == '/') {
        rc = parse_path_query(s, len, 1, &p);
    } else {
        rc = parse_absolute(s, len, target, &p);
    }
    return rc == LX_OK ? url_build(out, mem, &p) : rc;
}

int lx_url_parse(struct lx_url **out, const struct lx_mem *mem, const char *s,
                 size_t len)
{
    return url_parse(out, mem, s, len, 0);
}

int lx_url_parse_target(struct lx_url **out, const struct lx_mem *mem,
                        const char *s, size_t len)
{
    return url_parse(out, mem, s, len, 1);
}

void lx_url_free(struct lx_url *u)
{
    if (u != NULL) {
        lx__free(u->mem, u);
    }
}

const char *lx_url_scheme(const struct lx_url *u)
{
    return u->scheme;
}

const char *lx_url_host(const struct lx_url *u)
{
    return u->host;
}

const char *lx_url_path(const struct lx_url *u)
{
    return u->path;
}

const char *lx_url_query(const struct lx_url *u)
{
    return u->query;
}

uint16_t lx_url_port(const struct lx_url *u)
{
    return u->port;
}

int lx_url_has_port(const struct lx_url *u)
{
    return u->has_port;
}

int lx_url_is_tls(const struct lx_url *u)
{
    return u->tls;
}

int lx_url_is_ws(const struct lx_url *u)
{
    return u->ws;
}

int lx_url_host_header(const struct lx_url *u, char *buf, size_t cap)
{
    if (u == NULL || buf == NULL) {
        return LX_ERR_INVAL;
    }
    if (u->host[0] == '\0') {
        if (cap > 0) {
            buf[0] = '\0';
        }
        return LX_ERR_STATE;
    }
    if (u->port == u->defport) {
        return lx__snprintf(buf, cap, u->v6 ? "[%s]" : "%s", u->host);
    }
    return lx__snprintf(buf, cap, u->v6 ? "[%s]:%u" : "%s:%u", u->host,
                        (unsigned)u->port);
}

int lx_url_request_target(const struct lx_url *u, char *buf, size_t cap)
{
    if (u == NULL || buf == NULL) {
        return LX_ERR_INVAL;
    }
    if (u->query == NULL) {
        return lx__snprintf(buf, cap, "%s", u->path);
    }
    return lx__snprintf(buf, cap, "%s?%s", u->path, u->query);
}
