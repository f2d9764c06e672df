/*
 * door.c - the front door of one mock venue: route table, parameter
 * parsing, rate limiting, admin-path protection and response helpers.
 *
 * Routes live in a sorted array searched by binary search on (path,
 * method); a venue has a few dozen, registered once at start-up. Rate
 * limits use fixed windows aligned to the clock (minute, 10 s, day), as
 * Binance counts them: a window's counter resets when the clock enters the
 * next window. Time comes from the mock's lx_clock only, through the
 * door's offset/freeze layer (admin clock control).
 *
 * Fault injection: before routing, a non-admin request is matched against
 * the door's HTTP fault rules (fault.h). A delay parks the request on an
 * lx_timer and routes it (or fails it) when the timer fires; a status
 * answers with the venue's error instead of routing. Faulted requests are
 * not charged request weight.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "mock/server/fault.h"
#include "mock/server/mock.h"
#include "net/http_server.h"

#define MS_PER_MIN 60000
#define MS_PER_10S 10000
#define MS_PER_DAY 86400000
#define NONE       ((size_t)-1)

struct route {
    char *method;
    char *path;
    int weight;
    int flags;
    lx_mock_weight_fn weigher;
    lx_mock_route_fn fn;
    void *ud;
};

/* One client's (or one account's) counters in the current windows. */
struct bucket {
    char *key;     /* client address, or NULL for an account bucket */
    uint64_t acct; /* account id when key is NULL */
    int64_t min_start, weight, n429, orders_1m;
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
    struct lx_mock_faults *faults;
    struct parked *parked; /* requests delayed by a fault rule */
    int frozen;
    int64_t offset_ns, frozen_ns;
    lx_mock_clock_hook clock_hook;
    void *clock_hook_ud;
    int64_t hook_step_ns;
    int64_t latency_ns; /* every request is handled this much later */
};

/* A request held back by a delay rule. */
struct parked {
    struct lx_mock_door *door;
    struct lx_http_req *req;
    struct lx_timer *timer;
    int status;
    int64_t retry_after_s;
    int latency; /* held by the door's latency: faults still apply */
    struct parked *next;
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
    /* orders charged by this call: the account's counts after them */
    int charged;
    int64_t orders[3]; /* 10 s, minute, day */
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
    if (lx_mock_faults_new(&d->faults) != LX_OK) {
        lx__free(mem, d->venue);
        lx__free(mem, d);
        return LX_ERR_NOMEM;
    }
    *out = d;
    return LX_OK;
}

static void parked_unlink(struct parked *p)
{
    struct parked **pp = &p->door->parked;

    while (*pp != NULL && *pp != p) {
        pp = &(*pp)->next;
    }
    if (*pp == p) {
        *pp = p->next;
    }
    lx_timer_free(p->timer);
    lx__free(NULL, p);
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
    while (d->parked != NULL) {
        /* The server outlived the door: the requests are orphaned. */
        lx_http_req_set_abort_cb(d->parked->req, NULL, NULL);
        parked_unlink(d->parked);
    }
    lx_mock_faults_free(d->faults);
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

int lx_mock_door_set_weigher(struct lx_mock_door *d, const char *method,
                             const char *path, lx_mock_weight_fn fn)
{
    size_t at = route_lower(d, path, method);

    if (at >= d->nroutes || route_cmp(path, method, &d->routes[at]) != 0) {
        return LX_ERR_NOTFOUND;
    }
    d->routes[at].weigher = fn;
    return LX_OK;
}

struct lx_mock_faults *lx_mock_door_faults(struct lx_mock_door *d)
{
    return d->faults;
}

/* ---- the mock's clock --------------------------------------------------- */

int64_t lx_mock_door_now_ns(const struct lx_mock_door *d)
{
    return d->frozen ? d->frozen_ns : lx_clock_wall_ns(d->clock) + d->offset_ns;
}

int64_t lx_mock_door_now_ms(const struct lx_mock_door *d)
{
    int64_t ns = lx_mock_door_now_ns(d);

    return ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
}

int lx_mock_door_frozen(const struct lx_mock_door *d)
{
    return d->frozen;
}

int64_t lx_mock_door_offset_ns(const struct lx_mock_door *d)
{
    return lx_mock_door_now_ns(d) - lx_clock_wall_ns(d->clock);
}

void lx_mock_door_freeze(struct lx_mock_door *d)
{
    if (!d->frozen) {
        d->frozen_ns = lx_mock_door_now_ns(d);
        d->frozen = 1;
    }
    if (d->clock_hook != NULL) {
        d->clock_hook(1, 0, d->clock_hook_ud);
    }
}

void lx_mock_door_resume(struct lx_mock_door *d)
{
    if (d->frozen) {
        /* Carry on from the frozen instant: time never goes back. */
        d->offset_ns = d->frozen_ns - lx_clock_wall_ns(d->clock);
        d->frozen = 0;
    }
    if (d->clock_hook != NULL) {
        d->clock_hook(0, 0, d->clock_hook_ud);
    }
}

/* Moves the clock by ns and tells the hook. */
static void advance_by(struct lx_mock_door *d, int64_t ns)
{
    if (d->frozen) {
        d->frozen_ns += ns;
    } else {
        d->offset_ns += ns;
    }
    if (d->clock_hook != NULL) {
        d->clock_hook(d->frozen, ns, d->clock_hook_ud);
    }
}

/*
 * Advances in steps of the hook's period, so a stepping hook (the
 * synthetic market) runs each skipped period at its own instant; past
 * LX_MOCK_CLOCK_MAX_STEPS steps the rest is one jump.
 */
int lx_mock_door_advance(struct lx_mock_door *d, int64_t ms)
{
    int64_t left, n = 0;

    if (ms < 0 || ms > INT64_C(10) * 365 * 86400000) {
        return LX_ERR_INVAL;
    }
    left = ms * 1000000;
    if (left == 0) {
        advance_by(d, 0);
    }
    while (left > 0) {
        int64_t chunk = left;

        if (d->hook_step_ns > 0 && n < LX_MOCK_CLOCK_MAX_STEPS &&
            chunk > d->hook_step_ns) {
            chunk = d->hook_step_ns;
        }
        advance_by(d, chunk);
        left -= chunk;
        n++;
    }
    return LX_OK;
}

void lx_mock_door_on_clock(struct lx_mock_door *d, lx_mock_clock_hook fn,
                           void *ud, int64_t step_ns)
{
    d->clock_hook = fn;
    d->clock_hook_ud = ud;
    d->hook_step_ns = step_ns;
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
        b->orders_1m = 0;
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
    b->orders_1m++;
    b->orders_day++;
    c->charged = 1;
    c->orders[0] = b->orders_10s;
    c->orders[1] = b->orders_1m;
    c->orders[2] = b->orders_day;
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

int lx_mock_call_order_counts(const struct lx_mock_call *c, int64_t out[3])
{
    if (c->charged) {
        memcpy(out, c->orders, sizeof(c->orders));
    }
    return c->charged;
}

const char *lx_mock_call_venue(const struct lx_mock_call *c)
{
    return c->door->venue;
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
    if (rc == LX_OK && body == NULL && len > 0) {
        rc = LX_ERR_INVAL;
    }
    if (rc != LX_OK) {
        if (rc != LX_ERR_NOMEM || m == NULL) {
            lx_http_msg_free(m);
            return lx_http_req_respond_body(c->req, 500, NULL, NULL, NULL, 0);
        }
        lx_http_msg_free(m);
        return lx_http_req_respond_body(c->req, 503, NULL, NULL, NULL, 0);
    }
    /* The body goes out from where it is (a cached one is not copied into
     * the message first) unless it has to wait; then 503 if no memory. */
    return lx__http_req_respond_lent(c->req, m, body, len);
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
    if (n >= cap) {
        n = cap - 1; /* truncated, as snprintf would */
    }
    memcpy(buf, peer, n);
    buf[n] = '\0';
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
    /* Admin routes take JSON bodies, whatever the Content-Type says. */
    if (blen > 0 &&
        strncmp(c->path, LX_MOCK_ADMIN_PREFIX,
                sizeof(LX_MOCK_ADMIN_PREFIX) - 1) != 0 &&
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

static int is_admin(const char *target)
{
    return strncmp(target, LX_MOCK_ADMIN_PREFIX,
                   sizeof(LX_MOCK_ADMIN_PREFIX) - 1) == 0;
}

/* Answers an injected status in the venue's dialect (no weight charged). */
static void fault_answer(struct lx_mock_call *c, int status, int64_t retry_s)
{
    struct lx_mock_door *d = c->door;

    c->bucket = bucket_get(d, c->client, 0);
    if (c->bucket != NONE) {
        bucket_roll(&d->buckets[c->bucket], c->now_ms);
    }
    if (status == 429 || status == 418) {
        if (retry_s < 0) {
            retry_s = status == 418 && d->limits.ban_seconds > 0
                          ? d->limits.ban_seconds
                          : (MS_PER_MIN - c->now_ms % MS_PER_MIN + 999) / 1000;
        }
        if (d->dialect.rate_limited != NULL) {
            d->dialect.rate_limited(c, status, retry_s);
        } else {
            plain(c, status, "rate limited (injected)");
        }
    } else if (d->dialect.server_error != NULL) {
        d->dialect.server_error(c, status);
    } else {
        plain(c, status, "injected fault");
    }
}

static void dispatch(struct lx_mock_door *d, struct lx_http_req *req,
                     int faults_ok, int forced, int64_t forced_retry);

static void parked_fire(struct lx_timer *t, void *ud)
{
    struct parked *p = ud;
    struct lx_mock_door *d = p->door;
    struct lx_http_req *req = p->req;
    int status = p->status;
    int64_t retry = p->retry_after_s;
    int faults_ok = p->latency ? 2 : 0;

    LX_UNUSED(t);
    lx_http_req_set_abort_cb(req, NULL, NULL);
    parked_unlink(p); /* frees t: allowed inside its own callback */
    dispatch(d, req, faults_ok, status, retry);
}

static void parked_abort(struct lx_http_req *req, void *ud)
{
    LX_UNUSED(req);
    parked_unlink(ud);
}

/*
 * Holds req back for delay_ns on the clock, then dispatches it with the
 * rule's forced answer (r NULL: the door's latency, no forced answer).
 * LX_OK or an error.
 */
static int park(struct lx_mock_door *d, struct lx_http_req *req,
                const struct lx_mock_fault *r, int64_t delay_ns)
{
    struct parked *p = lx__calloc(NULL, 1, sizeof(*p));
    int rc;

    if (p == NULL) {
        return LX_ERR_NOMEM;
    }
    p->door = d;
    p->req = req;
    p->status = r != NULL ? r->status : 0;
    p->retry_after_s = r != NULL ? r->retry_after_s : -1;
    p->latency = r == NULL;
    rc = lx_timer_new(&p->timer, d->clock, parked_fire, p);
    if (rc == LX_OK) {
        rc = lx_timer_start(p->timer, delay_ns, 0);
    }
    if (rc != LX_OK) {
        lx_timer_free(p->timer);
        lx__free(NULL, p);
        return rc;
    }
    p->next = d->parked;
    d->parked = p;
    lx_http_req_set_abort_cb(req, parked_abort, p);
    return LX_OK;
}

/* Finds the route of c (answering 404/405 itself when there is none). */
static size_t find_route(struct lx_mock_call *c, const char *method)
{
    struct lx_mock_door *d = c->door;
    size_t at = route_lower(d, c->path, "");

    if (at >= d->nroutes || strcmp(d->routes[at].path, c->path) != 0) {
        if (d->dialect.not_found != NULL) {
            d->dialect.not_found(c);
        } else {
            plain(c, 404, "not found");
        }
        return NONE;
    }
    while (at < d->nroutes && strcmp(d->routes[at].path, c->path) == 0 &&
           strcmp(d->routes[at].method, method) != 0) {
        at++;
    }
    if (at >= d->nroutes || strcmp(d->routes[at].path, c->path) != 0) {
        if (d->dialect.bad_method != NULL) {
            d->dialect.bad_method(c);
        } else {
            plain(c, 405, "method not allowed");
        }
        return NONE;
    }
    return at;
}

/* Charges the route's weight; answers 429/418 itself. 0 = go on. */
static int charge_route(struct lx_mock_call *c, const struct route *r)
{
    int64_t retry_s = 0;
    int status;

    c->bucket = bucket_get(c->door, c->client, 0);
    if (c->bucket == NONE) {
        plain(c, 503, "out of memory");
        return -1;
    }
    status = charge_weight(c, r->weigher != NULL ? r->weigher(c) : r->weight,
                           &retry_s);
    if (status != 0) {
        if (c->door->dialect.rate_limited != NULL) {
            c->door->dialect.rate_limited(c, status, retry_s);
        } else {
            plain(c, status, "rate limited");
        }
        return -1;
    }
    return 0;
}

/*
 * Handles one request. faults_ok: 0 = as it is (a parked fault rule's
 * request coming back), 1 = a new request (latency, then fault rules),
 * 2 = back from the latency (fault rules).
 */
static void dispatch(struct lx_mock_door *d, struct lx_http_req *req,
                     int faults_ok, int forced, int64_t forced_retry)
{
    struct lx_mock_call c;
    struct lx_mock_fault rule;
    const char *method, *target;
    size_t at;

    memset(&c, 0, sizeof(c));
    c.bucket = NONE;
    c.door = d;
    c.req = req;
    c.msg = lx_http_req_msg(req);
    c.now_ms = lx_mock_door_now_ms(d);
    method = lx_http_msg_method(c.msg);
    target = lx_http_msg_target(c.msg);
    client_key(lx_http_req_peer(req), c.client, sizeof(c.client));
    if (faults_ok == 1 && d->latency_ns > 0 && !is_admin(target) &&
        park(d, req, NULL, d->latency_ns) == LX_OK) {
        return; /* back in dispatch once the latency has passed */
    }
    if (faults_ok && !is_admin(target) &&
        lx_mock_faults_take_http(d->faults, target, &rule)) {
        if (rule.delay_ms > 0 &&
            park(d, req, &rule, rule.delay_ms * 1000000) == LX_OK) {
            return;
        }
        forced = rule.status;
        forced_retry = rule.retry_after_s;
    }
    if (forced == 0 && lx_http_msg_upgrade(c.msg)) {
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
        if (forced != 0) {
            fault_answer(&c, forced, forced_retry);
        } else if (d->dialect.bad_params != NULL) {
            d->dialect.bad_params(&c);
        } else {
            plain(&c, 400, "malformed parameters");
        }
        goto out;
    }
    if (forced != 0) {
        fault_answer(&c, forced, forced_retry);
        goto out;
    }
    if (is_admin(c.path) && !d->remote_admin && !lx_http_req_is_loopback(req)) {
        plain(&c, 403, "admin API is loopback-only");
        goto out;
    }
    at = find_route(&c, method);
    if (at == NONE) {
        goto out;
    }
    if (!(d->routes[at].flags & LX_MOCK_ROUTE_ADMIN) &&
        charge_route(&c, &d->routes[at]) != 0) {
        goto out;
    }
    d->routes[at].fn(&c, d->routes[at].ud);
    if (!c.answered) {
        plain(&c, 500, "route did not answer");
    }
out:
    lx_query_free(c.params);
}

void lx_mock_door_handle(struct lx_http_req *req, void *ud)
{
    dispatch(ud, req, 1, 0, -1);
}

void lx_mock_door_set_latency(struct lx_mock_door *d, int64_t ns)
{
    d->latency_ns = ns > 0 ? ns : 0;
}
