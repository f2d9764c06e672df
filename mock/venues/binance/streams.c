/*
 * streams.c - the Binance mock's market-stream hub (see streams.h).
 *
 * Connections live in a list; each keeps its subscriptions as a small
 * array of names (a client rarely has more than a handful; the venue caps
 * them at 1024). publish walks the connections: fan-out to N clients costs
 * N queued copies, as on any WebSocket server.
 *
 * Fault injection: every frame a connection sends goes through conn_send,
 * which first picks up new WebSocket fault rules of the door (fault.h):
 * "malformed" slips one invalid-JSON text frame in before the next frame;
 * "drop" lets N more frames go and then drops the TCP connection without a
 * close frame (after DROP_GRACE, so the N frames leave the buffer first;
 * nothing more is sent in between).
 */
#include <string.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "mock/server/fault.h"
#include "mock/venues/binance/streams.h"

#define SEC        ((int64_t)1000000000)
#define DROP_GRACE (50 * (int64_t)1000000)
/* Cut off mid-object: not JSON, as a truncated venue message would be. */
#define MALFORMED "{\"e\":\"depthUpdate\",\"E\":17000000,\"s\":\"BTC"

const struct lx_mock_bn_hub_opts lx_mock_bn_hub_spot = {
    20 * SEC, 24 * 3600 * SEC, 1024, 5, 0};

struct conn {
    struct lx_mock_bn_hub *hub;
    struct lx_ws *ws;
    struct lx_timer *age;
    char **subs;
    size_t nsubs, cap;
    int combined;
    int api;        /* a WebSocket API connection (/ws-api/v3) */
    int64_t sub_id; /* API: events wrapped with this subscriptionId */
    int64_t win_start_ns;
    int win_count;
    uint64_t fault_seen; /* highest fault rule id looked at */
    int64_t drop_left;   /* frames before the drop; -1 = no drop due */
    int malformed;       /* send a malformed frame before the next one */
    int dropping;        /* the drop timer runs: send nothing */
    struct lx_timer *drop;
    /* Frames held back by opts.latency_ns, oldest first. */
    struct held *held, *held_tail;
    struct lx_timer *late;
    LIST_ENTRY(conn) link;
};

struct held {
    struct held *next;
    int64_t due_ns; /* monotonic */
    size_t len;
    char data[];
};

struct lx_mock_bn_hub {
    struct lx_net *net;
    struct lx_clock *clock;
    struct lx_mock_bn_hub_opts opts;
    lx_mock_bn_stream_ok_fn ok;
    void *ok_ud;
    lx_mock_bn_user_fn user;
    void *user_ud;
    lx_mock_bn_api_fn api;
    void *api_ud;
    struct lx_mock_faults *faults;
    size_t nconns;
    LIST_HEAD(, conn) conns;
};

int lx_mock_bn_hub_new(struct lx_mock_bn_hub **out, struct lx_net *net,
                       struct lx_clock *clock,
                       const struct lx_mock_bn_hub_opts *opts)
{
    struct lx_mock_bn_hub *h;

    if (out == NULL || net == NULL || clock == NULL) {
        return LX_ERR_INVAL;
    }
    h = lx__calloc(NULL, 1, sizeof(*h));
    *out = h;
    if (h == NULL) {
        return LX_ERR_NOMEM;
    }
    h->net = net;
    h->clock = clock;
    h->opts = opts != NULL ? *opts : lx_mock_bn_hub_spot;
    LIST_INIT(&h->conns);
    return LX_OK;
}

static void conn_free(struct conn *c)
{
    size_t i;

    LIST_REMOVE(c, link);
    c->hub->nconns--;
    for (i = 0; i < c->nsubs; i++) {
        lx__free(NULL, c->subs[i]);
    }
    lx__free(NULL, c->subs);
    while (c->held != NULL) {
        struct held *h = c->held;
        c->held = h->next;
        lx__free(NULL, h);
    }
    lx_timer_free(c->late);
    lx_timer_free(c->age);
    lx_timer_free(c->drop);
    lx_ws_free(c->ws);
    lx__free(NULL, c);
}

void lx_mock_bn_hub_free(struct lx_mock_bn_hub *hub)
{
    if (hub == NULL) {
        return;
    }
    while (!LIST_EMPTY(&hub->conns)) {
        conn_free(LIST_FIRST(&hub->conns));
    }
    lx__free(NULL, hub);
}

void lx_mock_bn_hub_set_validator(struct lx_mock_bn_hub *hub,
                                  lx_mock_bn_stream_ok_fn fn, void *ud)
{
    hub->ok = fn;
    hub->ok_ud = ud;
}

void lx_mock_bn_hub_set_user(struct lx_mock_bn_hub *hub, lx_mock_bn_user_fn fn,
                             void *ud)
{
    hub->user = fn;
    hub->user_ud = ud;
}

static int sub_add(struct conn *c, const char *s);

void lx_mock_bn_hub_set_api(struct lx_mock_bn_hub *hub, lx_mock_bn_api_fn fn,
                            void *ud)
{
    hub->api = fn;
    hub->api_ud = ud;
}

void lx_mock_bn_hub_set_faults(struct lx_mock_bn_hub *hub,
                               struct lx_mock_faults *faults)
{
    hub->faults = faults;
}

static void drop_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    conn_free(ud); /* no close frame: the peer sees the TCP connection end */
}

/* Takes the fault rules c has not looked at yet. */
static void pick_faults(struct conn *c)
{
    struct lx_mock_fault r;
    const char *target = c->ws != NULL ? lx_ws_url(c->ws) : NULL;

    while (target != NULL &&
           lx_mock_faults_take_ws(c->hub->faults, target, &c->fault_seen, &r)) {
        if (r.ws == LX_MOCK_FAULT_WS_MALFORMED) {
            c->malformed = 1;
        } else if (c->drop_left < 0 || r.after_frames < c->drop_left) {
            c->drop_left = r.after_frames;
        }
    }
}

static void start_drop(struct conn *c)
{
    c->dropping = 1;
    if ((c->drop != NULL ||
         lx_timer_new(&c->drop, c->hub->clock, drop_cb, c) == LX_OK) &&
        lx_timer_start(c->drop, DROP_GRACE, 0) == LX_OK) {
        return;
    }
    lx_ws_close(c->ws, 1011, "fault"); /* no timer: close the polite way */
}

/* Sends a frame now: faults first (see the top). */
static void conn_send_now(struct conn *c, const char *data, size_t len)
{
    if (c->dropping) {
        return;
    }
    if (c->hub->faults != NULL) {
        pick_faults(c);
    }
    if (c->drop_left == 0) {
        start_drop(c);
        return;
    }
    if (c->malformed) {
        c->malformed = 0;
        lx_ws_send_text(c->ws, MALFORMED, sizeof(MALFORMED) - 1);
    }
    lx_ws_send_text(c->ws, data, len);
    if (c->drop_left > 0 && --c->drop_left == 0) {
        start_drop(c);
    }
}

/* Sends the held frames that are due; re-arms for the next one. */
static void late_cb(struct lx_timer *t, void *ud)
{
    struct conn *c = ud;
    int64_t now = lx_clock_mono_ns(c->hub->clock);

    LX_UNUSED(t);
    while (c->held != NULL && c->held->due_ns <= now) {
        struct held *h = c->held;
        c->held = h->next;
        if (c->held == NULL) {
            c->held_tail = NULL;
        }
        conn_send_now(c, h->data, h->len);
        lx__free(NULL, h);
    }
    if (c->held != NULL) {
        (void)lx_timer_start(c->late, c->held->due_ns - now, 0);
    }
}

/* Every text frame of a connection goes out here, after the latency. */
static void conn_send(struct conn *c, const char *data, size_t len)
{
    int64_t lat = c->hub->opts.latency_ns;
    struct held *h;

    if (lat <= 0) {
        conn_send_now(c, data, len);
        return;
    }
    if ((c->late == NULL &&
         lx_timer_new(&c->late, c->hub->clock, late_cb, c) != LX_OK) ||
        (h = lx__malloc(NULL, sizeof(*h) + len)) == NULL) {
        conn_send_now(c, data, len); /* out of memory: early, not lost */
        return;
    }
    h->next = NULL;
    h->due_ns = lx_clock_mono_ns(c->hub->clock) + lat;
    h->len = len;
    memcpy(h->data, data, len);
    if (c->held_tail != NULL) {
        c->held_tail->next = h;
    } else {
        c->held = h;
        (void)lx_timer_start(c->late, lat, 0);
    }
    c->held_tail = h;
}

void lx_mock_bn_hub_reply(struct lx_mock_bn_conn *conn, const char *json,
                          size_t len)
{
    conn_send((struct conn *)conn, json, len);
}

int lx_mock_bn_hub_attach(struct lx_mock_bn_conn *conn, const char *stream,
                          int64_t *sub_id)
{
    struct conn *c = (struct conn *)conn;
    int rc;

    if (c->sub_id >= 0) {
        *sub_id = c->sub_id; /* one user-data subscription per connection */
        return LX_OK;
    }
    rc = sub_add(c, stream);
    if (rc == LX_OK) {
        c->sub_id = 0;
        *sub_id = 0;
    }
    return rc;
}

size_t lx_mock_bn_hub_clients(const struct lx_mock_bn_hub *hub)
{
    return hub->nconns;
}

/* ---- subscriptions ------------------------------------------------------- */

static ssize_t sub_find(const struct conn *c, const char *s)
{
    size_t i;

    for (i = 0; i < c->nsubs; i++) {
        if (strcmp(c->subs[i], s) == 0) {
            return (ssize_t)i;
        }
    }
    return -1;
}

/*
 * A stream name: "<symbol>@<event>". The symbol is lower case, as the
 * venue wants it; event names are camelCase (btcusdt@bookTicker,
 * @aggTrade, @depth@100ms). Letters, digits, '@', '_', '!' and '-'.
 */
static int looks_like_stream(const char *s)
{
    const char *p, *at = strchr(s, '@');

    if (at == NULL || s[0] == '@') {
        return 0;
    }
    for (p = s; *p != '\0'; p++) {
        int upper = *p >= 'A' && *p <= 'Z';

        if (upper && p < at) {
            return 0; /* BTCUSDT@trade: the venue's symbols are lower case */
        }
        if (!((*p >= 'a' && *p <= 'z') || upper || (*p >= '0' && *p <= '9') ||
              *p == '@' || *p == '_' || *p == '!' || *p == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Adds s; LX_ERR_TOOBIG past the cap, LX_ERR_NOMEM. Duplicates are ok. */
static int sub_add(struct conn *c, const char *s)
{
    if (sub_find(c, s) >= 0) {
        return LX_OK;
    }
    if (c->hub->opts.max_streams > 0 &&
        c->nsubs >= (size_t)c->hub->opts.max_streams) {
        return LX_ERR_TOOBIG;
    }
    if (c->nsubs == c->cap) {
        size_t ncap = c->cap != 0 ? c->cap * 2 : 4;
        char **n = lx__realloc(NULL, c->subs, ncap * sizeof(*n));

        if (n == NULL) {
            return LX_ERR_NOMEM;
        }
        c->subs = n;
        c->cap = ncap;
    }
    c->subs[c->nsubs] = lx__strdup(NULL, s);
    if (c->subs[c->nsubs] == NULL) {
        return LX_ERR_NOMEM;
    }
    c->nsubs++;
    return LX_OK;
}

static void sub_remove(struct conn *c, const char *s)
{
    ssize_t i = sub_find(c, s);

    if (i >= 0) {
        lx__free(NULL, c->subs[i]);
        memmove(&c->subs[i], &c->subs[i + 1],
                (c->nsubs - (size_t)i - 1) * sizeof(*c->subs));
        c->nsubs--;
    }
}

size_t lx_mock_bn_hub_subscribers(const struct lx_mock_bn_hub *hub,
                                  const char *stream)
{
    const struct conn *c;
    size_t n = 0;

    LIST_FOREACH(c, &hub->conns, link)
    {
        n += sub_find(c, stream) >= 0;
    }
    return n;
}

int lx_mock_bn_hub_publish(struct lx_mock_bn_hub *hub, const char *stream,
                           const char *json, size_t len)
{
    struct conn *c;
    char *wrapped = NULL;
    size_t wlen = 0, slen = strlen(stream);
    int n = 0;

    LIST_FOREACH(c, &hub->conns, link)
    {
        if (sub_find(c, stream) < 0) {
            continue;
        }
        if (c->api) {
            char *ev = lx__malloc(NULL, len + 64);
            int n2;

            if (ev == NULL) {
                lx__free(NULL, wrapped);
                return LX_ERR_NOMEM;
            }
            n2 = lx__snprintf(ev, len + 64,
                              "{\"subscriptionId\":%lld,"
                              "\"event\":%.*s}",
                              (long long)c->sub_id, (int)len, json);
            conn_send(c, ev, (size_t)n2);
            lx__free(NULL, ev);
            n++;
            continue;
        }
        if (c->combined && wrapped == NULL) {
            wlen = slen + len + 21;
            wrapped = lx__malloc(NULL, wlen + 1);
            if (wrapped == NULL) {
                return LX_ERR_NOMEM;
            }
            lx__snprintf(wrapped, wlen + 1, "{\"stream\":\"%s\",\"data\":%.*s}",
                         stream, (int)len, json);
        }
        if (c->combined) {
            conn_send(c, wrapped, wlen);
        } else {
            conn_send(c, json, len);
        }
        n++;
    }
    lx__free(NULL, wrapped);
    return n;
}

/* ---- control messages ---------------------------------------------------- */

static void send_str(struct conn *c, const char *s)
{
    conn_send(c, s, strlen(s));
}

int lx_mock_bn_hub_expire(struct lx_mock_bn_hub *hub, const char *stream,
                          const char *json, size_t len)
{
    struct conn *c;
    int n = 0;

    LIST_FOREACH(c, &hub->conns, link)
    {
        if (c->api || sub_find(c, stream) < 0) {
            continue;
        }
        conn_send(c, json, len);
        sub_remove(c, stream);
        n++;
    }
    return n;
}

static void send_result(struct conn *c, const char *result_json, uint64_t id)
{
    char buf[160];

    lx__snprintf(buf, sizeof(buf), "{\"result\":%s,\"id\":%llu}", result_json,
                 (unsigned long long)id);
    send_str(c, buf);
}

/* serde-style position of byte offset off in text: "line L column C". */
static void position(const char *text, size_t off, int *line, int *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void send_list(struct conn *c, uint64_t id)
{
    cJSON *arr = cJSON_CreateArray();
    char *json = NULL;
    size_t i;

    for (i = 0; arr != NULL && i < c->nsubs; i++) {
        cJSON_AddItemToArray(arr, cJSON_CreateString(c->subs[i]));
    }
    if (arr != NULL) {
        json = cJSON_PrintUnformatted(arr);
    }
    if (json != NULL) {
        char *out = lx__malloc(NULL, strlen(json) + 48);

        if (out != NULL) {
            lx__snprintf(out, strlen(json) + 48, "{\"result\":%s,\"id\":%llu}",
                         json, (unsigned long long)id);
            send_str(c, out);
            lx__free(NULL, out);
        }
        cJSON_free(json);
    }
    cJSON_Delete(arr);
}

static void on_property(struct conn *c, const cJSON *params, uint64_t id,
                        int set)
{
    const cJSON *name = cJSON_GetArrayItem(params, 0);
    const cJSON *val = cJSON_GetArrayItem(params, 1);
    char buf[96];

    if (!cJSON_IsString(name)) {
        send_str(c, "{\"code\":2,\"msg\":\"Invalid request: property name "
                    "must be a string\"}");
    } else if (strcmp(name->valuestring, "combined") != 0) {
        lx__snprintf(buf, sizeof(buf),
                     "{\"code\":0,\"msg\":\"Unknown property\",\"id\":%llu}",
                     (unsigned long long)id);
        send_str(c, buf);
    } else if (!set) {
        send_result(c, c->combined ? "true" : "false", id);
    } else if (!cJSON_IsBool(val)) {
        send_str(c, "{\"code\":1,\"msg\":\"Invalid value type: expected "
                    "Boolean\"}");
    } else {
        c->combined = cJSON_IsTrue(val);
        send_result(c, "null", id);
    }
}

static void on_subscribe(struct conn *c, const cJSON *params, uint64_t id,
                         int add)
{
    const cJSON *p;
    struct lx_mock_bn_hub *h = c->hub;

    if (!cJSON_IsArray(params)) {
        send_str(c, "{\"code\":2,\"msg\":\"Invalid request: invalid "
                    "parameters\"}");
        return;
    }
    cJSON_ArrayForEach (p, params) {
        if (!cJSON_IsString(p) || !looks_like_stream(p->valuestring)) {
            send_str(c, "{\"code\":2,\"msg\":\"Invalid request: invalid "
                        "stream name\"}");
            return;
        }
    }
    cJSON_ArrayForEach (p, params) {
        if (!add) {
            sub_remove(c, p->valuestring);
        } else if (h->ok == NULL || h->ok(p->valuestring, h->ok_ud)) {
            if (sub_add(c, p->valuestring) != LX_OK) {
                send_str(c, "{\"code\":2,\"msg\":\"Invalid request: too many "
                            "parameters\"}");
                return;
            }
        }
    }
    send_result(c, "null", id);
}

/* Copies at most cap-1 bytes of s, '?' for anything JSON would escape. */
static void safe_copy(char *out, size_t cap, const char *s)
{
    size_t i;

    for (i = 0; i + 1 < cap && s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];

        out[i] =
            ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ? '?' : (char)ch;
    }
    out[i] = '\0';
}

static void on_control(struct conn *c, const char *text, size_t len)
{
    static const char *const methods[] = {"SUBSCRIBE", "UNSUBSCRIBE",
                                          "LIST_SUBSCRIPTIONS", "SET_PROPERTY",
                                          "GET_PROPERTY"};
    cJSON *root = NULL;
    const cJSON *method, *idj, *params;
    char buf[300], variant[41];
    int line, col, m;
    uint64_t id;
    const char *end;

    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL || !cJSON_IsObject(root)) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = at != NULL && at >= text && at <= text + len
                         ? (size_t)(at - text)
                         : 0;

        position(text, off, &line, &col);
        lx__snprintf(buf, sizeof(buf),
                     "{\"code\":3,\"msg\":\"Invalid JSON: expected value at "
                     "line %d column %d\"}",
                     line, col);
        send_str(c, buf);
        cJSON_Delete(root);
        return;
    }
    method = cJSON_GetObjectItemCaseSensitive(root, "method");
    idj = cJSON_GetObjectItemCaseSensitive(root, "id");
    params = cJSON_GetObjectItemCaseSensitive(root, "params");
    if (method == NULL) {
        position(text, len, &line, &col);
        lx__snprintf(buf, sizeof(buf),
                     "{\"code\":2,\"msg\":\"Invalid request: missing field "
                     "`method` at line %d column %d\"}",
                     line, col);
        send_str(c, buf);
        goto out;
    }
    for (m = 0; m < 5; m++) {
        if (cJSON_IsString(method) &&
            strcmp(method->valuestring, methods[m]) == 0) {
            break;
        }
    }
    if (m == 5) {
        /* serde points just past the method's value. */
        const char *mv = strstr(text, "\"method\"");
        const char *val = mv != NULL ? strchr(mv + 8, ':') : NULL;
        size_t off = len;

        if (val != NULL) {
            val += strspn(val + 1, " \t\r\n") + 1;
            if (*val == '"') {
                const char *q = strchr(val + 1, '"');

                off = q != NULL ? (size_t)(q + 1 - text) : len;
            } else {
                off = (size_t)(val - text) + strcspn(val, ",}");
            }
        }
        position(text, off, &line, &col);
        safe_copy(variant, sizeof(variant),
                  cJSON_IsString(method) ? method->valuestring : "?");
        lx__snprintf(buf, sizeof(buf),
                     "{\"code\":2,\"msg\":\"Invalid request: unknown variant "
                     "`%s`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, "
                     "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at "
                     "line %d column %d\"}",
                     variant, line, col);
        send_str(c, buf);
        goto out;
    }
    if (!cJSON_IsNumber(idj) || idj->valuedouble < 0 ||
        idj->valuedouble > 9007199254740991.0 ||
        idj->valuedouble != (double)(uint64_t)idj->valuedouble) {
        send_str(c, "{\"code\":2,\"msg\":\"Invalid request: request ID must "
                    "be an unsigned integer\"}");
        goto out;
    }
    id = (uint64_t)idj->valuedouble;
    switch (m) {
    case 0:
    case 1:
        on_subscribe(c, params, id, m == 0);
        break;
    case 2:
        send_list(c, id);
        break;
    default:
        on_property(c, params, id, m == 3);
        break;
    }
out:
    cJSON_Delete(root);
}

/* ---- connections ----------------------------------------------------------
 */

/* Counts one incoming message; closes the connection past the limit. */
static int over_limit(struct conn *c)
{
    int64_t now = lx_clock_mono_ns(c->hub->clock);

    if (c->hub->opts.max_msgs_per_sec <= 0) {
        return 0;
    }
    if (now - c->win_start_ns >= SEC) {
        c->win_start_ns = now;
        c->win_count = 0;
    }
    if (++c->win_count > c->hub->opts.max_msgs_per_sec) {
        lx_ws_close(c->ws, 1008, "Too many requests");
        return 1;
    }
    return 0;
}

static void ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct conn *c = ud;

    LX_UNUSED(ws);
    if (over_limit(c)) {
        return;
    }
    if (opcode == LX_WS_TEXT && c->api) {
        if (c->hub->api != NULL) {
            c->hub->api((struct lx_mock_bn_conn *)c, (const char *)data, len,
                        c->hub->api_ud);
        }
    } else if (opcode == LX_WS_TEXT) {
        on_control(c, (const char *)data, len);
    }
}

static void ws_ping_or_pong(struct lx_ws *ws, const uint8_t *data, size_t len,
                            void *ud)
{
    LX_UNUSED(ws);
    LX_UNUSED(data);
    LX_UNUSED(len);
    over_limit(ud);
}

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    LX_UNUSED(ws);
    LX_UNUSED(err);
    LX_UNUSED(code);
    LX_UNUSED(reason);
    conn_free(ud);
}

static void age_cb(struct lx_timer *t, void *ud)
{
    struct conn *c = ud;

    LX_UNUSED(t);
    lx_ws_close(c->ws, 1001, "connection lifetime exceeded");
}

/* Adds the '/'-separated stream names of s[0..n) to c. */
static int add_names(struct conn *c, const char *s, size_t n)
{
    char name[128];
    size_t i = 0;
    int rc = LX_OK;

    while (i < n && rc == LX_OK) {
        const char *slash = memchr(s + i, '/', n - i);
        size_t end = slash != NULL ? (size_t)(slash - s) : n;

        if (end - i == 0 || end - i >= sizeof(name)) {
            return LX_ERR_PARSE;
        }
        memcpy(name, s + i, end - i);
        name[end - i] = '\0';
        if (!looks_like_stream(name)) {
            return LX_ERR_PARSE;
        }
        if (c->hub->ok == NULL || c->hub->ok(name, c->hub->ok_ud)) {
            rc = sub_add(c, name);
        }
        i = end + 1;
    }
    return rc;
}

/*
 * Reads the stream URL: /ws, /ws/<n> (CCXT's connection index),
 * /ws/<stream>[/<stream>...], /stream, /stream?streams=a/b.
 */
static int parse_target(struct conn *c, const char *target)
{
    const char *q;

    if (strncmp(target, "/ws-api/v3", 10) == 0 &&
        (target[10] == '\0' || target[10] == '?')) {
        c->api = 1;
        c->sub_id = -1;
        return c->hub->api != NULL ? LX_OK : LX_ERR_NOTFOUND;
    }

    /* USD-M as CCXT opens it: /public/ws/<n> and /market/ws/<n> are
     * /ws/<n>; /private/ws?listenKey=K is the user stream of K. */
    if (strncmp(target, "/public/ws", 10) == 0 ||
        strncmp(target, "/market/ws", 10) == 0) {
        target += 7;
    } else if (strncmp(target, "/private/ws?listenKey=", 22) == 0) {
        char key[128];
        size_t n = strcspn(target + 22, "&");
        const char *user;

        if (n == 0 || n >= sizeof(key) || c->hub->user == NULL) {
            return LX_ERR_NOTFOUND;
        }
        memcpy(key, target + 22, n);
        key[n] = '\0';
        user = c->hub->user(key, c->hub->user_ud);
        return user != NULL ? sub_add(c, user) : LX_ERR_NOTFOUND;
    }
    if (strcmp(target, "/ws") == 0 || strcmp(target, "/ws/") == 0) {
        return LX_OK;
    }
    if (strncmp(target, "/ws/", 4) == 0) {
        const char *rest = target + 4;

        if (strchr(rest, '@') == NULL && strchr(rest, '/') == NULL &&
            strchr(rest, '?') == NULL) {
            const char *user = c->hub->user != NULL
                                   ? c->hub->user(rest, c->hub->user_ud)
                                   : NULL;

            /* A listen key opens a user-data stream; anything else is a
             * connection index (CCXT): streams come by SUBSCRIBE. */
            return user != NULL ? sub_add(c, user) : LX_OK;
        }
        return add_names(c, rest, strlen(rest));
    }
    if (strncmp(target, "/stream", 7) == 0 &&
        (target[7] == '\0' || target[7] == '?' ||
         (target[7] == '/' && target[8] == '\0'))) {
        c->combined = 1;
        q = strstr(target, "?streams=");
        return q != NULL ? add_names(c, q + 9, strcspn(q + 9, "&")) : LX_OK;
    }
    return LX_ERR_NOTFOUND;
}

void lx_mock_bn_hub_upgrade(struct lx_http_req *req, void *ud)
{
    static const struct lx_ws_cbs cbs = {NULL, ws_message, ws_ping_or_pong,
                                         ws_ping_or_pong, ws_closed};
    struct lx_mock_bn_hub *h = ud;
    struct conn *c = lx__calloc(NULL, 1, sizeof(*c));
    int rc;

    if (c == NULL) {
        lx_http_req_respond_body(req, 503, NULL, NULL, NULL, 0);
        return;
    }
    c->hub = h;
    c->drop_left = -1;
    LIST_INSERT_HEAD(&h->conns, c, link);
    h->nconns++;
    rc = parse_target(c, lx_http_msg_target(lx_http_req_msg(req)));
    if (rc == LX_OK) {
        rc = lx_timer_new(&c->age, h->clock, age_cb, c);
    }
    if (rc != LX_OK) {
        lx_http_req_respond_body(req, rc == LX_ERR_NOMEM ? 503 : 404, NULL,
                                 NULL, NULL, 0);
        conn_free(c);
        return;
    }
    if (lx_ws_accept(&c->ws, req, &cbs, c) != LX_OK) {
        conn_free(c);
        return;
    }
    c->win_start_ns = lx_clock_mono_ns(h->clock);
    if (h->opts.ping_interval_ns > 0) {
        lx_ws_set_keepalive(c->ws, h->opts.ping_interval_ns);
    }
    if (h->opts.max_age_ns > 0) {
        lx_timer_start(c->age, h->opts.max_age_ns, 0);
    }
}
