/*
 * replay_load.c - reads a capture into the replay's memory: for every
 * recorded WebSocket connection, the stream names it carried (from its URL
 * and its SUBSCRIBE messages) and the frames the venue sent on it, tagged
 * with their stream; every HTTP request paired with its response.
 *
 * "Sent by the venue" means received by a client-side tap or written by a
 * server-side one, so captures of a client (lotusx-record, imports) and of
 * a server both work. Venue control replies ({"result":..,"id":..}) are
 * dropped: the replay answers a client's own SUBSCRIBE itself. Each stream
 * is served from one recorded connection at a time: the first that carried
 * it and is still open, so a stream recorded twice at once is sent once
 * and a stream whose connection was closed and reopened (a reconnect)
 * continues on the new one. It does not serve anything (replay_ws.c,
 * replay_rest.c) and never reads the clock.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "lotusx/lx_capture.h"
#include "lotusx/lx_url.h"
#include "lotusx/lx_ws.h"
#include "mock/replay/replay_int.h"

/* Grows *arr (of *cap elements of size sz) to hold n + 1. */
static int grow(const struct lx_mem *mem, void **arr, size_t *cap, size_t n,
                size_t sz)
{
    size_t ncap = *cap == 0 ? 16 : *cap * 2;
    void *p;

    if (n < *cap) {
        return LX_OK;
    }
    p = lx__realloc(mem, *arr, ncap * sz);
    if (p == NULL) {
        return LX_ERR_NOMEM;
    }
    *arr = p;
    *cap = ncap;
    return LX_OK;
}

int lx__rp_has(char *const *list, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(list[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

void lx__rp_free_list(const struct lx_mem *mem, char **list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        lx__free(mem, list[i]);
    }
    lx__free(mem, list);
}

static int add_name(const struct lx_mem *mem, char ***list, size_t *n,
                    size_t *cap, const char *s, size_t len)
{
    char *copy;

    if (len == 0 || len > 200 || memchr(s, '@', len) == NULL) {
        return LX_ERR_PARSE; /* not a stream name */
    }
    copy = lx__strndup(mem, s, len);
    if (copy == NULL ||
        grow(mem, (void **)list, cap, *n, sizeof(char *)) != 0) {
        lx__free(mem, copy);
        return LX_ERR_NOMEM;
    }
    if (lx__rp_has(*list, *n, copy)) {
        lx__free(mem, copy);
        return LX_OK;
    }
    (*list)[(*n)++] = copy;
    return LX_OK;
}

int lx__rp_add_names(const struct lx_mem *mem, char ***list, size_t *n,
                     size_t *cap, const char *s, size_t len)
{
    size_t i = 0;
    int rc = LX_OK;

    while (i < len && rc == LX_OK) {
        const char *slash = memchr(s + i, '/', len - i);
        size_t end = slash != NULL ? (size_t)(slash - s) : len;

        rc = add_name(mem, list, n, cap, s + i, end - i);
        i = end + 1;
    }
    return rc;
}

/*
 * The stream URLs of the Binance hub (streams.c): /ws, /ws/<n>,
 * /ws/<a>[/<b>...], /stream[?streams=a/b]. A full URL is cut to its
 * target first. LX_ERR_NOTFOUND for any other path.
 */
int lx__rp_parse_target(const struct lx_mem *mem, const char *target,
                        char ***list, size_t *n, size_t *cap, int *combined)
{
    const char *p = strstr(target, "://"), *q;

    if (p != NULL) {
        p = strchr(p + 3, '/');
        target = p != NULL ? p : "/";
    }
    *combined = 0;
    if (strncmp(target, "/ws/", 4) == 0) {
        const char *rest = target + 4;
        size_t len = strcspn(rest, "?");

        if (memchr(rest, '@', len) == NULL) {
            return LX_OK; /* a connection index or listen key */
        }
        return lx__rp_add_names(mem, list, n, cap, rest, len);
    }
    if (strcmp(target, "/ws") == 0 || strncmp(target, "/ws?", 4) == 0) {
        return LX_OK;
    }
    if (strncmp(target, "/stream", 7) == 0 &&
        (target[7] == '\0' || target[7] == '?' || target[7] == '/')) {
        *combined = 1;
        q = strstr(target, "streams=");
        return q != NULL ? lx__rp_add_names(mem, list, n, cap, q + 8,
                                            strcspn(q + 8, "&"))
                         : LX_OK;
    }
    return LX_ERR_NOTFOUND;
}

int64_t lx__rp_owner_at(const struct lx_mock_replay *r, int32_t name, size_t ev)
{
    const struct rp_name *n;
    size_t k;

    if (name < 0 || (size_t)name >= r->nnames) {
        return -1;
    }
    n = &r->names[name];
    for (k = n->nsegs; k-- > 0;) {
        if (n->segs[k].from <= ev) {
            return n->segs[k].rconn;
        }
    }
    return -1;
}

int32_t lx__rp_name_index(const struct lx_mock_replay *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->nnames; i++) {
        if (strcmp(r->names[i].name, name) == 0) {
            return (int32_t)i;
        }
    }
    return -1;
}

/* <sym>@depth or <sym>@depth@<digits>ms: the length of <sym>, else 0. */
static size_t diff_depth_sym(const char *s)
{
    const char *at = strstr(s, "@depth"), *p;

    if (at == NULL || at == s) {
        return 0;
    }
    p = at + 6;
    if (*p == '@') {
        size_t digits = strspn(p + 1, "0123456789");

        if (digits == 0 || strcmp(p + 1 + digits, "ms") != 0) {
            return 0;
        }
    } else if (*p != '\0') {
        return 0;
    }
    return (size_t)(at - s);
}

int32_t lx__rp_resolve(const struct lx_mock_replay *r, const char *asked)
{
    int32_t i = lx__rp_name_index(r, asked);
    size_t sl = diff_depth_sym(asked), k;

    if (i >= 0 || sl == 0) {
        return i;
    }
    for (k = 0; k < r->nnames; k++) {
        const char *n = r->names[k].name;

        if (diff_depth_sym(n) == sl && memcmp(n, asked, sl) == 0) {
            return (int32_t)k;
        }
    }
    return -1;
}

static int sent_by_venue(const struct lx_capture_record *rec)
{
    return (rec->side == LX_TAP_CLIENT && rec->dir == LX_TAP_IN) ||
           (rec->side == LX_TAP_SERVER && rec->dir == LX_TAP_OUT);
}

/* The rconn of a capture stream, created on first sight. */
static int rconn_of(struct lx_mock_replay *r, int64_t stream_id, uint32_t *out)
{
    const struct lx_mem *mem = r->mem;
    size_t i;

    for (i = 0; i < r->nrconns; i++) {
        if (r->rconns[i].stream_id == stream_id) {
            *out = (uint32_t)i;
            return LX_OK;
        }
    }
    if (grow(mem, (void **)&r->rconns, &r->caprconns, r->nrconns,
             sizeof(*r->rconns)) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    memset(&r->rconns[r->nrconns], 0, sizeof(*r->rconns));
    r->rconns[r->nrconns].stream_id = stream_id;
    *out = (uint32_t)r->nrconns++;
    return LX_OK;
}

/* The client's SUBSCRIBE messages add to the recorded connection's set. */
static int client_frame(const struct lx_mem *mem, struct rp_rconn *c,
                        const struct lx_capture_record *rec)
{
    cJSON *j = cJSON_ParseWithLength((const char *)rec->data, rec->len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    const cJSON *it;
    int rc = LX_OK;

    if (cJSON_IsString(m) && strcmp(m->valuestring, "SUBSCRIBE") == 0 &&
        cJSON_IsArray(params)) {
        cJSON_ArrayForEach (it, params) {
            if (cJSON_IsString(it) && rc != LX_ERR_NOMEM) {
                rc = add_name(mem, &c->subs, &c->nsubs, &c->cap,
                              it->valuestring, strlen(it->valuestring));
            }
        }
    }
    cJSON_Delete(j);
    return rc == LX_ERR_NOMEM ? rc : LX_OK;
}

/* A venue control reply, not market data. */
static int is_control(const uint8_t *d, size_t len)
{
    return (len > 9 && memcmp(d, "{\"result\"", 9) == 0) ||
           (len > 5 && memcmp(d, "{\"id\"", 5) == 0);
}

/* {"stream":"x","data":...}: the stream name and the data's bytes. */
static int unwrap(const struct lx_mem *mem, struct rp_event *e)
{
    static const char pre[] = "{\"stream\":\"";
    const char *d = (const char *)e->data, *q;
    size_t plen = sizeof(pre) - 1;

    if (e->len < plen + 10 || memcmp(d, pre, plen) != 0) {
        return LX_OK;
    }
    q = memchr(d + plen, '"', e->len - plen);
    if (q == NULL || (size_t)(q - d) + 9 > e->len ||
        memcmp(q, "\",\"data\":", 9) != 0 || d[e->len - 1] != '}') {
        return LX_OK;
    }
    e->stream = lx__strndup(mem, d + plen, (size_t)(q - d) - plen);
    e->doff = (size_t)(q - d) + 9;
    e->dlen = e->len - 1 - e->doff;
    return e->stream != NULL ? LX_OK : LX_ERR_NOMEM;
}

/*
 * The kind of stream an untagged frame (no "stream" member, on a recorded
 * connection of several streams) came from, from its event type: a REST
 * snapshot or partial book has lastUpdateId, a book ticker has no "e".
 */
static const char *guess_kind(const uint8_t *d, size_t len)
{
    static const struct {
        const char *needle, *kind;
    } k[] = {{"\"e\":\"trade\"", "@trade"},
             {"\"e\":\"aggTrade\"", "@aggTrade"},
             {"\"e\":\"depthUpdate\"", "@depth"},
             {"\"e\":\"kline\"", "@kline"},
             {"\"e\":\"24hrTicker\"", "@ticker"},
             {"\"e\":\"24hrMiniTicker\"", "@miniTicker"},
             {"\"lastUpdateId\"", "@depth"}};
    char head[96];
    size_t i, n = len < sizeof(head) - 1 ? len : sizeof(head) - 1;

    memcpy(head, d, n); /* event type and lastUpdateId come first */
    head[n] = '\0';
    for (i = 0; i < LX_ARRAY_LEN(k); i++) {
        if (strstr(head, k[i].needle) != NULL) {
            return k[i].kind;
        }
    }
    return strstr(head, "\"e\":") == NULL && strstr(head, "\"u\":") != NULL
               ? "@bookTicker"
               : NULL;
}

static int add_event(struct lx_mock_replay *r, int type, uint32_t rc_idx,
                     const struct lx_capture_record *rec)
{
    const struct lx_mem *mem = r->mem;
    struct rp_event *e;

    if (grow(mem, (void **)&r->evs, &r->capevs, r->nevs, sizeof(*r->evs)) !=
        LX_OK) {
        return LX_ERR_NOMEM;
    }
    e = &r->evs[r->nevs];
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->name = -1;
    e->rconn = rc_idx;
    e->wall_ns = rec->wall_ns;
    e->opcode = rec->ws_opcode;
    r->nevs++;
    if (type == RP_FRAME) {
        e->data = lx__memdup(mem, rec->len > 0 ? rec->data : (const void *)"",
                             rec->len);
        e->len = rec->len;
        if (e->data == NULL) {
            return LX_ERR_NOMEM;
        }
        e->hint = guess_kind(e->data, e->len);
        return unwrap(r->mem, e);
    }
    return LX_OK;
}

static int ws_record(struct lx_mock_replay *r,
                     const struct lx_capture_record *rec)
{
    uint32_t i;
    int combined, rc = rconn_of(r, rec->stream_id, &i);
    struct rp_rconn *c = &r->rconns[i];

    if (rc != LX_OK) {
        return rc;
    }
    if (rec->kind == LX_CAPTURE_CONN_OPEN && rec->url != NULL) {
        rc = lx__rp_parse_target(r->mem, rec->url, &c->subs, &c->nsubs, &c->cap,
                                 &combined);
        return rc == LX_ERR_NOMEM ? rc : LX_OK;
    }
    if (rec->kind == LX_CAPTURE_CONN_CLOSE) {
        return add_event(r, RP_CLOSE, i, rec);
    }
    if (rec->ws_opcode != LX_WS_TEXT && rec->ws_opcode != LX_WS_BINARY) {
        return LX_OK; /* pings, pongs and close frames are the net's */
    }
    if (!sent_by_venue(rec)) {
        return client_frame(r->mem, c, rec);
    }
    if (is_control(rec->data, rec->len)) {
        return LX_OK;
    }
    return add_event(r, RP_FRAME, i, rec);
}

/* ---- HTTP ---------------------------------------------------------------- */

static const char *const volatile_params[] = {"timestamp", "signature",
                                              "recvWindow"};

int lx__rp_norm_params(const struct lx_mem *mem, const char *s, size_t len,
                       char **out)
{
    struct lx_query *q = NULL;
    size_t i, n;
    int rc;

    *out = NULL;
    rc = lx_query_parse(&q, mem, s, len, 0);
    for (i = 0; rc == LX_OK && i < LX_ARRAY_LEN(volatile_params); i++) {
        rc = lx_query_remove(q, volatile_params[i]) < 0 ? LX_ERR_INVAL : LX_OK;
    }
    if (rc == LX_OK) {
        lx_query_sort(q);
        n = lx_query_encoded_len(q) + 1;
        *out = lx__malloc(mem, n);
        rc = *out == NULL ? LX_ERR_NOMEM : lx_query_encode(q, *out, n);
        rc = rc >= 0 ? LX_OK : rc;
    }
    lx_query_free(q);
    if (rc != LX_OK) {
        lx__free(mem, *out);
        *out = NULL;
    }
    return rc;
}

/* A form body counts as parameters, as the venues take both. */
static int is_form(const struct lx_capture_record *rec)
{
    return rec->len > 0 && rec->data[0] != '{' && rec->data[0] != '[';
}

static int http_request(struct lx_mock_replay *r,
                        const struct lx_capture_record *rec)
{
    const struct lx_mem *mem = r->mem;
    const char *t = rec->target != NULL ? rec->target : "/", *p, *qm;
    struct rp_pair *pr;
    char *params = NULL, *form = NULL, *all;
    size_t plen;
    int rc;

    if ((p = strstr(t, "://")) != NULL) {
        p = strchr(p + 3, '/');
        t = p != NULL ? p : "/";
    }
    qm = strchr(t, '?');
    plen = qm != NULL ? strlen(qm + 1) : 0;
    if (grow(mem, (void **)&r->pairs, &r->cappairs, r->npairs, sizeof(*pr)) !=
        0) {
        return LX_ERR_NOMEM;
    }
    pr = &r->pairs[r->npairs++];
    memset(pr, 0, sizeof(*pr));
    pr->sid = rec->stream_id;
    pr->status = -1;
    pr->method = lx__strdup(mem, rec->method != NULL ? rec->method : "GET");
    pr->path = lx__strndup(mem, t, qm != NULL ? (size_t)(qm - t) : strlen(t));
    pr->target = lx__strdup(mem, t);
    /* query and form parameters are one set, as the door sees them */
    all = lx__malloc(mem, plen + rec->len + 2);
    if (all == NULL || pr->method == NULL || pr->path == NULL ||
        pr->target == NULL) {
        lx__free(mem, all);
        return LX_ERR_NOMEM;
    }
    memcpy(all, qm != NULL ? qm + 1 : "", plen);
    if (is_form(rec)) {
        all[plen++] = '&';
        memcpy(all + plen, rec->data, rec->len);
        plen += rec->len;
    }
    rc = lx__rp_norm_params(mem, all, plen, &params);
    lx__free(mem, all);
    lx__free(mem, form);
    pr->params = params;
    return rc == LX_ERR_NOMEM ? rc : LX_OK; /* bad escapes: never matched */
}

/* Headers that describe the recorded framing, not the answer. */
static int framing_header(const char *name)
{
    static const char *const skip[] = {"content-length",   "transfer-encoding",
                                       "connection",       "content-type",
                                       "content-encoding", "keep-alive"};
    size_t i;

    for (i = 0; i < LX_ARRAY_LEN(skip); i++) {
        if (strcasecmp(name, skip[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int copy_headers(const struct lx_mem *mem, struct rp_pair *pr,
                        const struct lx_capture_record *rec)
{
    size_t i, n = 0;

    pr->headers = lx__calloc(mem, 2 * rec->nheaders + 1, sizeof(char *));
    if (pr->headers == NULL) {
        return LX_ERR_NOMEM;
    }
    for (i = 0; i < rec->nheaders; i++) {
        const struct lx_capture_header *h = &rec->headers[i];

        if (strcasecmp(h->name, "content-type") == 0 && pr->ctype == NULL) {
            pr->ctype = lx__strdup(mem, h->value);
            if (pr->ctype == NULL) {
                return LX_ERR_NOMEM;
            }
        }
        if (framing_header(h->name)) {
            continue;
        }
        pr->headers[n] = lx__strdup(mem, h->name);
        pr->headers[n + 1] = lx__strdup(mem, h->value);
        if (pr->headers[n] == NULL || pr->headers[n + 1] == NULL) {
            return LX_ERR_NOMEM;
        }
        n += 2;
    }
    return LX_OK;
}

static int http_response(struct lx_mock_replay *r,
                         const struct lx_capture_record *rec)
{
    const struct lx_mem *mem = r->mem;
    struct rp_pair *pr = NULL;
    size_t i;

    for (i = 0; i < r->npairs; i++) {
        if (r->pairs[i].sid == rec->stream_id && r->pairs[i].status < 0) {
            pr = &r->pairs[i];
            break; /* responses come in request order */
        }
    }
    if (pr == NULL) {
        return LX_OK; /* its request is outside the range */
    }
    pr->status = rec->status;
    pr->body =
        lx__memdup(mem, rec->len > 0 ? rec->data : (const void *)"", rec->len);
    pr->len = rec->len;
    if (pr->body == NULL) {
        return LX_ERR_NOMEM;
    }
    return copy_headers(r->mem, pr, rec);
}

/* ---- the whole capture --------------------------------------------------- */

static int is_ws_stream(const struct lx_capture_record *rec)
{
    return rec->kind == LX_CAPTURE_WS_FRAME ||
           (rec->url != NULL && (strncmp(rec->url, "ws:", 3) == 0 ||
                                 strncmp(rec->url, "wss:", 4) == 0));
}

static int take(struct lx_mock_replay *r, const struct lx_capture_record *rec)
{
    uint32_t i;
    size_t k;

    switch (rec->kind) {
    case LX_CAPTURE_HTTP_REQUEST:
        return http_request(r, rec);
    case LX_CAPTURE_HTTP_RESPONSE:
        return http_response(r, rec);
    case LX_CAPTURE_CONN_OPEN:
    case LX_CAPTURE_WS_FRAME:
        return is_ws_stream(rec) ? ws_record(r, rec) : LX_OK;
    case LX_CAPTURE_CONN_CLOSE:
        for (k = 0; k < r->nrconns; k++) {
            if (r->rconns[k].stream_id == rec->stream_id) {
                i = (uint32_t)k;
                return add_event(r, RP_CLOSE, i, rec);
            }
        }
        return LX_OK; /* not a WebSocket connection */
    default:
        return LX_OK;
    }
}

/* Records that rconn carried name (names[] grows on first sight);
 * carriers stay in ascending rconn order. */
static int carry(struct lx_mock_replay *r, const char *name, uint32_t rc_idx)
{
    const struct lx_mem *mem = r->mem;
    int32_t i = lx__rp_name_index(r, name);
    struct rp_name *n;
    size_t k;

    if (i < 0) {
        if (grow(mem, (void **)&r->names, &r->capnames, r->nnames,
                 sizeof(*r->names)) != LX_OK) {
            return LX_ERR_NOMEM;
        }
        n = &r->names[r->nnames];
        memset(n, 0, sizeof(*n));
        n->name = lx__strdup(mem, name);
        if (n->name == NULL) {
            return LX_ERR_NOMEM;
        }
        i = (int32_t)r->nnames++;
    }
    n = &r->names[i];
    for (k = 0; k < n->ncarriers && n->carriers[k] < rc_idx; k++) {
    }
    if (k < n->ncarriers && n->carriers[k] == rc_idx) {
        return LX_OK;
    }
    if (grow(mem, (void **)&n->carriers, &n->capcarriers, n->ncarriers,
             sizeof(*n->carriers)) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    memmove(n->carriers + k + 1, n->carriers + k,
            (n->ncarriers - k) * sizeof(*n->carriers));
    n->carriers[k] = rc_idx;
    n->ncarriers++;
    return LX_OK;
}

/* The first carrier of n still open, or -1. */
static int64_t first_open(const struct rp_name *n, const uint8_t *closed)
{
    size_t k;

    for (k = 0; k < n->ncarriers; k++) {
        if (!closed[n->carriers[k]]) {
            return n->carriers[k];
        }
    }
    return -1;
}

static int add_seg(const struct lx_mem *mem, struct rp_name *n, size_t from,
                   int64_t rconn)
{
    if (grow(mem, (void **)&n->segs, &n->capsegs, n->nsegs, sizeof(*n->segs)) !=
        LX_OK) {
        return LX_ERR_NOMEM;
    }
    n->segs[n->nsegs].from = from;
    n->segs[n->nsegs++].rconn = rconn;
    return LX_OK;
}

/*
 * Who serves each stream when. A stream is served from one recorded
 * connection at a time, so a stream recorded twice at once is sent once:
 * the first connection (in capture order) that carried it and is still
 * open. At the recorded close of that connection the stream moves on to
 * the next one still open, typically the recorder's reconnect.
 */
static int segments(struct lx_mock_replay *r)
{
    const struct lx_mem *mem = r->mem;
    uint8_t *closed = lx__calloc(mem, r->nrconns + 1, 1);
    size_t i, k;
    int rc = closed == NULL ? LX_ERR_NOMEM : LX_OK;

    for (i = 0; rc == LX_OK && i < r->nrconns; i++) {
        closed[i] = (uint8_t)(r->rconns[i].gone != 0);
    }
    for (k = 0; rc == LX_OK && k < r->nnames; k++) {
        rc = add_seg(mem, &r->names[k], 0, first_open(&r->names[k], closed));
    }
    for (i = 0; rc == LX_OK && i < r->nevs; i++) {
        const struct rp_event *e = &r->evs[i];

        if (e->type != RP_CLOSE || closed[e->rconn]) {
            continue;
        }
        closed[e->rconn] = 1;
        for (k = 0; rc == LX_OK && k < r->nnames; k++) {
            struct rp_name *n = &r->names[k];

            if (n->segs[n->nsegs - 1].rconn == (int64_t)e->rconn) {
                rc = add_seg(mem, n, i + 1, first_open(n, closed));
            }
        }
    }
    lx__free(mem, closed);
    return rc;
}

/* Streams to carriers and owners; each frame learns its stream and
 * whether it counts. */
static int assign(struct lx_mock_replay *r)
{
    const struct lx_mem *mem = r->mem;
    size_t i, k;
    int rc = LX_OK;

    for (i = 0; rc == LX_OK && i < r->nrconns; i++) {
        for (k = 0; rc == LX_OK && k < r->rconns[i].nsubs; k++) {
            rc = carry(r, r->rconns[i].subs[k], (uint32_t)i);
        }
    }
    for (i = 0; rc == LX_OK && i < r->nevs; i++) {
        struct rp_event *e = &r->evs[i];
        struct rp_rconn *c = &r->rconns[e->rconn];

        if (r->evs[i].wall_ns > r->end_wall_ns || i == 0) {
            r->end_wall_ns = r->evs[i].wall_ns;
        }
        if (e->type != RP_FRAME) {
            continue;
        }
        if (e->stream == NULL && c->nsubs == 1) {
            e->stream = lx__strdup(mem, c->subs[0]);
            rc = e->stream == NULL ? LX_ERR_NOMEM : LX_OK;
        } else if (e->stream != NULL) {
            rc = carry(r, e->stream, e->rconn);
        }
        e->name = e->stream != NULL ? lx__rp_name_index(r, e->stream) : -1;
    }
    if (rc == LX_OK) {
        rc = segments(r);
    }
    for (i = 0; rc == LX_OK && i < r->nevs; i++) {
        struct rp_event *e = &r->evs[i];
        struct rp_rconn *c = &r->rconns[e->rconn];

        if (e->type != RP_FRAME) {
            continue;
        }
        if (e->stream != NULL) {
            e->owner = lx__rp_owner_at(r, e->name, i) == (int64_t)e->rconn;
            continue;
        }
        for (k = 0; k < c->nsubs && !e->owner; k++) {
            e->owner = lx__rp_owner_at(r, lx__rp_name_index(r, c->subs[k]),
                                       i) == (int64_t)e->rconn;
        }
    }
    return rc;
}

/*
 * The stream names of every recorded WebSocket connection, from the whole
 * capture: its URL (stream table) and, before --from, its SUBSCRIBEs, so a
 * range that starts mid-connection still knows what the connection
 * carried.
 */
static int learn_streams(struct lx_mock_replay *r, struct lx_capture_reader *rd)
{
    const struct lx_capture_record *rec;
    struct lx_capture_stream st;
    size_t i;
    uint32_t k;
    int rc = LX_OK, n, comb;

    for (i = 0; rc == LX_OK && i < lx_capture_reader_stream_count(rd); i++) {
        if (lx_capture_reader_stream_at(rd, i, &st) != LX_OK ||
            (strncmp(st.url, "ws:", 3) != 0 && strncmp(st.url, "wss:", 4))) {
            continue;
        }
        rc = rconn_of(r, st.id, &k);
        if (rc == LX_OK) {
            struct rp_rconn *c = &r->rconns[k];

            /* closed before the range: it serves nothing */
            c->gone = st.close_wall_ns != 0 &&
                      st.close_wall_ns < r->opts.from_wall_ns;
            rc = lx__rp_parse_target(r->mem, st.url, &c->subs, &c->nsubs,
                                     &c->cap, &comb);
            rc = rc == LX_ERR_NOMEM ? rc : LX_OK;
        }
    }
    if (rc != LX_OK || r->opts.from_wall_ns == INT64_MIN) {
        return rc;
    }
    lx_capture_reader_set_kinds(rd, LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME));
    rc = lx_capture_reader_seek(rd, INT64_MIN, r->opts.from_wall_ns);
    while (rc == LX_OK && (n = lx_capture_reader_next(rd, &rec)) != 0) {
        if (n < 0) {
            return n;
        }
        if (!sent_by_venue(rec) && rconn_of(r, rec->stream_id, &k) == LX_OK) {
            rc = client_frame(r->mem, &r->rconns[k], rec);
        }
    }
    lx_capture_reader_set_kinds(rd, 0);
    return rc;
}

static int open_error(int rc, const struct lx_capture_error *ce,
                      const char *path, char *err, size_t cap)
{
    lx__snprintf(err, cap, "%s: %s%s%s", path, lx_strerror(rc),
                 ce->msg[0] != '\0' ? ": " : "", ce->msg);
    return rc;
}

int lx__rp_load(struct lx_mock_replay *r, const char *path, char *err,
                size_t cap)
{
    struct lx_capture_reader *rd = NULL;
    const struct lx_capture_record *rec;
    struct lx_capture_error ce;
    int rc, n, first = 1;

    memset(&ce, 0, sizeof(ce));
    rc = lx_capture_open(&rd, NULL, path, &ce);
    if (rc != LX_OK) {
        return open_error(rc, &ce, path, err, cap);
    }
    rc = learn_streams(r, rd);
    if (rc == LX_OK) {
        rc = lx_capture_reader_seek(rd, r->opts.from_wall_ns,
                                    r->opts.to_wall_ns);
    }
    r->base_wall_ns = r->opts.from_wall_ns;
    while (rc == LX_OK && (n = lx_capture_reader_next(rd, &rec)) != 0) {
        if (n < 0) {
            rc = n;
            ce = *lx_capture_reader_error(rd);
            break;
        }
        if (first && r->opts.from_wall_ns == INT64_MIN) {
            r->base_wall_ns = rec->wall_ns;
        }
        first = 0;
        rc = take(r, rec);
    }
    lx_capture_reader_free(rd);
    if (rc == LX_OK) {
        rc = assign(r);
    }
    if (rc != LX_OK) {
        return open_error(rc, &ce, path, err, cap);
    }
    return LX_OK;
}

void lx__rp_unload(struct lx_mock_replay *r)
{
    const struct lx_mem *mem = r->mem;
    size_t i, k;

    for (i = 0; i < r->nrconns; i++) {
        lx__rp_free_list(mem, r->rconns[i].subs, r->rconns[i].nsubs);
    }
    for (i = 0; i < r->nevs; i++) {
        lx__free(mem, r->evs[i].stream);
        lx__free(mem, r->evs[i].data);
    }
    for (i = 0; i < r->npairs; i++) {
        struct rp_pair *p = &r->pairs[i];

        for (k = 0; p->headers != NULL && p->headers[k] != NULL; k++) {
            lx__free(mem, p->headers[k]);
        }
        lx__free(mem, p->headers);
        lx__free(mem, p->method);
        lx__free(mem, p->path);
        lx__free(mem, p->params);
        lx__free(mem, p->target);
        lx__free(mem, p->ctype);
        lx__free(mem, p->body);
    }
    for (i = 0; i < r->nnames; i++) {
        lx__free(mem, r->names[i].name);
        lx__free(mem, r->names[i].carriers);
        lx__free(mem, r->names[i].segs);
    }
    lx__free(mem, r->rconns);
    lx__free(mem, r->evs);
    lx__free(mem, r->pairs);
    lx__free(mem, r->names);
}
