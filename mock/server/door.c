/*
 * door.c - the front door of one mock venue: route table, parameter
 * parsing, rate limiting, admin-path protection and response helpers.
 *
 * Routes live in a sorted array searched by binary search on (path,
 * method); a venue has a few dozen, registered once at start-up. Rate
 * limits use fixed windows aligned to the clock (minute, 10 s, day), as
 * Binance counts them: a window's counter resets when the clock enters the
 * next window. Time comes from the mock's lx_clock only.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "mock/server/mock.h"

#define MS_PER_MIN 60000
#define MS_PER_10S 10000
#define MS_PER_DAY 86400000
#define NONE       ((size_t)-1)

struct route {
    char *method;
    char *path;
    int weight;
    int flags;
    lx_mock_route_fn fn;
    void *ud;
};

/* One client's (or one account's) counters in the current windows. */
struct bucket {
    char *key;     /* client address, or NULL for an account bucket */
    uint64_t acct; /* account id when key is NULL */
    int64_t min_start, weight, n429;
    int64_t s10_start, orders_10s;
    int64_t day_start, orders_day;
    int64_t banned_until_ms;
};

struct lx_mock_door {
    struct lx_net *net;
    struct lx_clock *clock;
    const struct lx_mem *mem;
    char *venue;
    struct lx_mock_dialect dialect;
    struct lx_mock_limits limits;
    struct route *routes;
    size_t nroutes, cap;
    struct bucket *buckets;
    size_t nbuckets, bcap;
    int remote_admin;
    void (*upgrade)(struct lx_http_req *req, void *ud);
    void *upgrade_ud;
};

struct lx_mock_call {
    struct lx_mock_door *door;
    struct lx_http_req *req;
    const struct lx_http_msg *msg;
    char path[512];
    const char *query;
    size_t query_len;
    struct lx_query *params;
    char client[64];
    int64_t now_ms;
    size_t bucket; /* index into door->buckets (they may move), or NONE */
    int answered;
};

int lx_mock_door_new(struct lx_mock_door **out, struct lx_net *net,
                     struct lx_clock *clock, const char *venue,
                     const struct lx_mock_dialect *dialect,
                     const struct lx_mock_limits *limits)
{
    struct lx_mock_door *d;
    const struct lx_mem *mem = NULL;

    if (out == NULL || net == NULL || clock == NULL || venue == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    d = lx__calloc(mem, 1, sizeof(*d));
    if (d == NULL) {
        return LX_ERR_NOMEM;
    }
    d->net = net;
    d->clock = clock;
    d->mem = mem;
    d->venue = lx__strdup(mem, venue);
    if (d->venue == NULL) {
        lx__free(mem, d);
        return LX_ERR_NOMEM;
    }
    if (dialect != NULL) {
        d->dialect = *dialect;
    }
    if (limits != NULL) {
        d->limits = *limits;
    }
    *out = d;
    return LX_OK;
}

void lx_mock_door_free(struct lx_mock_door *d)
{
    size_t i;

    if (d == NULL) {
        return;
    }
    for (i = 0; i < d->nroutes; i++) {
        lx__free(d->mem, d->routes[i].method);
        lx__free(d->mem, d->routes[i].path);
    }
    lx__free(d->mem, d->routes);
    lx_mock_door_reset_limits(d);
    lx__free(d->mem, d->buckets);
    lx__free(d->mem, d->venue);
    lx__free(d->mem, d);
}

static int route_cmp(const char *path, const char *method,
                     const struct route *r)
{
    int c = strcmp(path, r->path);

    return c != 0 ? c : strcmp(method, r->method);
}

/* Index of the first route >= (path, method). */
static size_t route_lower(const struct lx_mock_door *d, const char *path,
                          const char *method)
{
    size_t lo = 0, hi = d->nroutes;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (route_cmp(path, method, &d->routes[mid]) > 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

int lx_mock_door_route(struct lx_mock_door *d, const char *method,
                       const char *path, int weight, int flags,
                       lx_mock_route_fn fn, void *ud)
{
    struct route r;
    size_t at;

    if (d == NULL || method == NULL || path == NULL || fn == NULL ||
        path[0] != '/' || weight < 0) {
        return LX_ERR_INVAL;
    }
    at = route_lower(d, path, method);
    if (at < d->nroutes && route_cmp(path, method, &d->routes[at]) == 0) {
        return LX_ERR_EXISTS;
    }
    if (d->nroutes == d->cap) {
        size_t ncap = d->cap != 0 ? d->cap * 2 : 32;
        struct route *n =
            lx__realloc(d->mem, d->routes, ncap * sizeof(*d->routes));

        if (n == NULL) {
            return LX_ERR_NOMEM;
        }
        d->routes = n;
        d->cap = ncap;
    }
    memset(&r, 0, sizeof(r));
    r.method = lx__strdup(d->mem, method);
    r.path = lx__strdup(d->mem, path);
    if (r.method == NULL || r.path == NULL) {
        lx__free(d->mem, r.method);
        lx__free(d->mem, r.path);
        return LX_ERR_NOMEM;
    }
    r.weight = weight;
    r.flags = flags;
    r.fn = fn;
    r.ud = ud;
    memmove(&d->routes[at + 1], &d->routes[at],
            (d->nroutes - at) * sizeof(*d->routes));
    d->routes[at] = r;
    d->nroutes++;
    return LX_OK;
}

void lx_mock_door_allow_remote_admin(struct lx_mock_door *d, int allow)
{
    d->remote_admin = allow;
}

void lx_mock_door_reset_limits(struct lx_mock_door *d)
{
    size_t i;

    for (i = 0; i < d->nbuckets; i++) {
        lx__free(d->mem, d->buckets[i].key);
    }
    d->nbuckets = 0;
}

void lx_mock_door_set_upgrade(struct lx_mock_door *d,
                              void (*fn)(struct lx_http_req *req, void *ud),
                              void *ud)
{
    d->upgrade = fn;
    d->upgrade_ud = ud;
}

/* ---- rate limiting ------------------------------------------------------ */

/*
 * The bucket of a client address (key != NULL) or an account. Buckets are
 * found by linear search: a mock serves a handful of clients. Returns the
 * index, or NONE on NOMEM.
 */
static size_t bucket_get(struct lx_mock_door *d, const char *key, uint64_t acct)
{
    struct bucket *b;
    size_t i;

    for (i = 0; i < d->nbuckets; i++) {
        b = &d->buckets[i];
        if (key != NULL ? b->key != NULL && strcmp(b->key, key) == 0
                        : b->key == NULL && b->acct == acct) {
            return i;
        }
    }
    if (d->nbuckets == d->bcap) {
        size_t ncap = d->bcap != 0 ? d->bcap * 2 : 16;
        struct bucket *n =
            lx__realloc(d->mem, d->buckets, ncap * sizeof(*d->buckets));

        if (n == NULL) {
            return NONE;
        }
        d->buckets = n;
        d->bcap = ncap;
    }
    b = &d->buckets[d->nbuckets];
    memset(b, 0, sizeof(*b));
    if (key != NULL && (b->key = lx__strdup(d->mem, key)) == NULL) {
        return NONE;
    }
    b->acct = acct;
    return d->nbuckets++;
}

/* Moves b's windows to the ones containing now_ms. */
static void bucket_roll(struct bucket *b, int64_t now_ms)
{
    int64_t m = now_ms - now_ms % MS_PER_MIN;
    int64_t s = now_ms - now_ms % MS_PER_10S;
    int64_t day = now_ms - now_ms % MS_PER_DAY;

    if (b->min_start != m) {
        b->min_start = m;
        b->weight = 0;
        b->n429 = 0;
    }
    if (b->s10_start != s) {
        b->s10_start = s;
        b->orders_10s = 0;
    }
    if (b->day_start != day) {
        b->day_start = day;
        b->orders_day = 0;
    }
}

/*
 * Charges weight to the call's client. Returns 0 when the call may go on,
 * else the status it must get (429 or 418) with *retry_s set.
 */
static int charge_weight(struct lx_mock_call *c, int weight, int64_t *retry_s)
{
    const struct lx_mock_limits *l = &c->door->limits;
    struct bucket *b = &c->door->buckets[c->bucket];

    bucket_roll(b, c->now_ms);
    if (b->banned_until_ms > c->now_ms) {
        *retry_s = (b->banned_until_ms - c->now_ms + 999) / 1000;
        return 418;
    }
    b->weight += weight;
    if (l->weight_per_min > 0 && b->weight > l->weight_per_min) {
        *retry_s = (b->min_start + MS_PER_MIN - c->now_ms + 999) / 1000;
        b->n429++;
        if (l->ban_after_429s > 0 && b->n429 > l->ban_after_429s) {
            b->banned_until_ms = c->now_ms + l->ban_seconds * 1000;
            *retry_s = l->ban_seconds;
            return 418;
        }
        return 429;
    }
    return 0;
}

int lx_mock_call_charge_order(struct lx_mock_call *c, uint64_t account,
                              int64_t *count_10s, int64_t *count_day)
{
    const struct lx_mock_limits *l = &c->door->limits;
    size_t ix = bucket_get(c->door, NULL, account);
    struct bucket *b;

    if (ix == NONE) {
        return LX_ERR_NOMEM;
    }
    b = &c->door->buckets[ix];
    bucket_roll(b, c->now_ms);
    b->orders_10s++;
    b->orders_day++;
    if (count_10s != NULL) {
        *count_10s = b->orders_10s;
    }
    if (count_day != NULL) {
        *count_day = b->orders_day;
    }
    if ((l->orders_per_10s > 0 && b->orders_10s > l->orders_per_10s) ||
        (l->orders_per_day > 0 && b->orders_day > l->orders_per_day)) {
        return LX_ERR_RATELIMIT;
    }
    return LX_OK;
}

/* ---- the call ----------------------------------------------------------- */

struct lx_http_req *lx_mock_call_req(const struct lx_mock_call *c)
{
    return c->req;
}

const struct lx_http_msg *lx_mock_call_msg(const struct lx_mock_call *c)
{
    return c->msg;
}

const char *lx_mock_call_path(const struct lx_mock_call *c)
{
    return c->path;
}

const char *lx_mock_call_query(const struct lx_mock_call *c, size_t *len)
{
    if (len != NULL) {
        *len = c->query_len;
    }
    return c->query;
}

const char *lx_mock_call_body(const struct lx_mock_call *c, size_t *len)
{
    size_t n = 0;
    const char *b = lx_http_msg_body(c->msg, &n);

    if (len != NULL) {
        *len = b != NULL ? n : 0;
    }
    return b != NULL ? b : "";
}

const struct lx_query *lx_mock_call_params(const struct lx_mock_call *c)
{
    return c->params;
}

const char *lx_mock_call_param(const struct lx_mock_call *c, const char *key,
                               size_t *len)
{
    return c->params != NULL ? lx_query_find(c->params, key, len) : NULL;
}

int64_t lx_mock_call_now_ms(const struct lx_mock_call *c)
{
    return c->now_ms;
}

const char *lx_mock_call_client(const struct lx_mock_call *c)
{
    return c->client;
}

int64_t lx_mock_call_used_weight(const struct lx_mock_call *c)
{
    return c->bucket != NONE ? c->door->buckets[c->bucket].weight : 0;
}

const struct lx_mock_limits *lx_mock_call_limits(const struct lx_mock_call *c)
{
    return &c->door->limits;
}

int lx_mock_respond(struct lx_mock_call *c, int status,
                    const char *const *headers, const char *content_type,
                    const void *body, size_t len)
{
    struct lx_http_msg *m;
    int rc;

    if (c->answered) {
        return LX_ERR_STATE;
    }
    c->answered = 1;
    rc = lx_http_msg_new_response(&m, NULL, status, NULL);
    for (; rc == LX_OK && headers != NULL && headers[0] != NULL; headers += 2) {
        rc = lx_http_msg_add_header(m, headers[0], headers[1]);
    }
    if (rc == LX_OK && content_type != NULL) {
        rc = lx_http_msg_add_header(m, "Content-Type", content_type);
    }
    if (rc == LX_OK && c->door->dialect.usage_headers != NULL) {
        rc = c->door->dialect.usage_headers(c, m);
    }
    if (rc == LX_OK && len > 0) {
        rc = lx_http_msg_set_body(m, body, len);
    }
    if (rc != LX_OK) {
        if (rc != LX_ERR_NOMEM || m == NULL) {
            lx_http_msg_free(m);
            return lx_http_req_respond_body(c->req, 500, NULL, NULL, NULL, 0);
        }
        lx_http_msg_free(m);
        return lx_http_req_respond_body(c->req, 503, NULL, NULL, NULL, 0);
    }
    return lx_http_req_respond(c->req, m);
}

int lx_mock_respond_json(struct lx_mock_call *c, int status, const char *json,
                         size_t len)
{
    return lx_mock_respond(c, status, NULL, "application/json;charset=UTF-8",
                           json, len);
}

static void plain(struct lx_mock_call *c, int status, const char *text)
{
    lx_mock_respond(c, status, NULL, "text/plain", text, strlen(text));
}

/* ---- dispatch ----------------------------------------------------------- */

/* The client address without its port: "127.0.0.1:5000" -> "127.0.0.1". */
static void client_key(const char *peer, char *buf, size_t cap)
{
    const char *colon = strrchr(peer, ':');
    size_t n = colon != NULL ? (size_t)(colon - peer) : strlen(peer);

    if (peer[0] == '[' && n > 2 && peer[n - 1] == ']') {
        peer++;
        n -= 2;
    }
    lx__snprintf(buf, cap, "%.*s", (int)n, peer);
}

/* Splits the target into path and query; parses query + form body. */
static int call_parse(struct lx_mock_call *c)
{
    const char *target = lx_http_msg_target(c->msg);
    const char *q = strchr(target, '?');
    size_t plen = q != NULL ? (size_t)(q - target) : strlen(target);
    const char *ct, *body;
    size_t blen, i;
    struct lx_query *bq = NULL;
    int rc;

    if (plen == 0 || plen >= sizeof(c->path)) {
        return LX_ERR_PARSE;
    }
    memcpy(c->path, target, plen);
    c->path[plen] = '\0';
    c->query = q != NULL ? q + 1 : "";
    c->query_len = strlen(c->query);
    rc = lx_query_parse(&c->params, NULL, c->query, c->query_len,
                        LX_QUERY_PLUS_SPACE);
    if (rc != LX_OK) {
        return rc;
    }
    body = lx_mock_call_body(c, &blen);
    ct = lx_http_msg_header(c->msg, "Content-Type", NULL);
    if (blen > 0 &&
        (ct == NULL ||
         strncmp(ct, "application/x-www-form-urlencoded", 33) == 0)) {
        rc = lx_query_parse(&bq, NULL, body, blen, LX_QUERY_PLUS_SPACE);
        for (i = 0; rc == LX_OK && i < lx_query_count(bq); i++) {
            size_t vlen;
            const char *v = lx_query_value(bq, i, &vlen);
            const char *k = lx_query_key(bq, i);

            rc = lx_query_add_n(c->params, k, strlen(k), v, vlen);
        }
        lx_query_free(bq);
    }
    return rc;
}

void lx_mock_door_handle(struct lx_http_req *req, void *ud)
{
    struct lx_mock_door *d = ud;
    struct lx_mock_call c;
    const char *method;
    size_t at;
    int64_t retry_s = 0;
    int status;

    memset(&c, 0, sizeof(c));
    c.bucket = NONE;
    c.door = d;
    c.req = req;
    c.msg = lx_http_req_msg(req);
    c.now_ms = lx_clock_wall_ms(d->clock);
    method = lx_http_msg_method(c.msg);
    client_key(lx_http_req_peer(req), c.client, sizeof(c.client));
    if (lx_http_msg_upgrade(c.msg)) {
        if (d->upgrade != NULL) {
            d->upgrade(req, d->upgrade_ud);
        } else {
            lx_http_req_respond_body(req, 400, NULL, "text/plain",
                                     "no WebSocket here", 17);
        }
        return;
    }
    if (call_parse(&c) != LX_OK) {
        if (c.path[0] == '\0') {
            lx__snprintf(c.path, sizeof(c.path), "/");
        }
        if (d->dialect.bad_params != NULL) {
            d->dialect.bad_params(&c);
        } else {
            plain(&c, 400, "malformed parameters");
        }
        goto out;
    }
    if (strncmp(c.path, LX_MOCK_ADMIN_PREFIX,
                sizeof(LX_MOCK_ADMIN_PREFIX) - 1) == 0 &&
        !d->remote_admin && !lx_http_req_is_loopback(req)) {
        plain(&c, 403, "admin API is loopback-only");
        goto out;
    }
    at = route_lower(d, c.path, "");
    if (at >= d->nroutes || strcmp(d->routes[at].path, c.path) != 0) {
        if (d->dialect.not_found != NULL) {
            d->dialect.not_found(&c);
        } else {
            plain(&c, 404, "not found");
        }
        goto out;
    }
    while (at < d->nroutes && strcmp(d->routes[at].path, c.path) == 0 &&
           strcmp(d->routes[at].method, method) != 0) {
        at++;
    }
    if (at >= d->nroutes || strcmp(d->routes[at].path, c.path) != 0) {
        if (d->dialect.bad_method != NULL) {
            d->dialect.bad_method(&c);
        } else {
            plain(&c, 405, "method not allowed");
        }
        goto out;
    }
    if (!(d->routes[at].flags & LX_MOCK_ROUTE_ADMIN)) {
        c.bucket = bucket_get(d, c.client, 0);
        if (c.bucket == NONE) {
            plain(&c, 503, "out of memory");
            goto out;
        }
        status = charge_weight(&c, d->routes[at].weight, &retry_s);
        if (status != 0) {
            if (d->dialect.rate_limited != NULL) {
                d->dialect.rate_limited(&c, status, retry_s);
            } else {
                plain(&c, status, "rate limited");
            }
            goto out;
        }
    }
    d->routes[at].fn(&c, d->routes[at].ud);
    if (!c.answered) {
        plain(&c, 500, "route did not answer");
    }
out:
    lx_query_free(c.params);
}
