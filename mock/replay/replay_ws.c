/*
 * replay_ws.c - WebSocket clients of lotusx-mock --replay: each gets the
 * recorded venue frames of the streams it asked for (stream URL, then
 * SUBSCRIBE / UNSUBSCRIBE), from the start of the capture, in recorded
 * order, each at its recorded offset from the capture's start scaled by
 * the speed, on lx_clock timers. A client's timeline starts when it first
 * has a stream (so a /ws client that subscribes later misses nothing).
 * Frames recorded wrapped ({"stream":..,"data":..}) are unwrapped for raw
 * clients, raw frames are wrapped for combined (/stream) clients; the
 * payload bytes are otherwise the recorded ones. A diff-depth stream the
 * capture lacks is served from another update speed of the same symbol's
 * diff stream, under the asked name (lx__rp_resolve). The recorded close of a
 * connection that fed the client closes the client (1001). At the end of
 * the capture the connection stays open and idle. A client whose transport
 * has more than OUT_HIGH bytes queued is paused until it drains, so a
 * replay faster than the client reads holds a bounded amount of memory.
 *
 * It does not rate-limit, ping or age connections as the live hub does,
 * and does not serve user-data streams or the WebSocket API.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "mock/replay/replay_int.h"
#include "net/ws_conn_internal.h"

/* Frames sent per timer run at most, so a fast replay lets I/O in. */
#define BATCH 256
/* Flow control: a client with more than OUT_HIGH bytes not yet taken by
 * its transport gets nothing more until it drains; looked at again every
 * OUT_WAIT_NS of the clock. */
#define OUT_HIGH    ((size_t)1 << 20)
#define OUT_WAIT_NS ((int64_t)200000)

struct rp_client {
    struct lx_mock_replay *r;
    struct lx_ws *ws;
    struct lx_timer *timer;
    char **subs;
    size_t nsubs, cap;
    /* per recorded stream (r->names): 0, or (1 + the index in subs of the
     * asked name it serves) << 1, | 1 when that name is a stand-in's */
    uint32_t *feed;
    int combined;
    int started;
    int closing;
    int busy;        /* inside pump or control: a close only marks dead */
    int dead;        /* the connection finished while busy: free when done */
    int64_t t0_mono; /* mono time of the capture's base wall time */
    size_t pos;      /* next event */
    struct rp_client *next;
};

static void client_free(struct rp_client *c)
{
    const struct lx_mem *mem = c->r->mem;
    struct rp_client **pp;

    for (pp = &c->r->clients; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            c->r->nclients--;
            break;
        }
    }
    lx_timer_free(c->timer);
    lx_ws_free(c->ws);
    lx__rp_free_list(c->r->mem, c->subs, c->nsubs);
    lx__free(mem, c->feed);
    lx__free(mem, c);
}

void lx__rp_ws_free_all(struct lx_mock_replay *r)
{
    while (r->clients != NULL) {
        client_free(r->clients);
    }
}

/* Nanoseconds of replay for dt of capture time at the set speed. */
static int64_t scaled(const struct lx_mock_replay *r, int64_t dt)
{
    int64_t s = r->opts.speed_milli;

    if (s <= 0 || dt <= 0) {
        return 0;
    }
    /* dt * 1000 / s without overflow for any capture span */
    return (dt / s) * 1000 + ((dt % s) * 1000) / s;
}

/* Maps the recorded streams to the client's asked names (after any change
 * of its subscriptions). */
static void refresh_feed(struct rp_client *c)
{
    size_t k;

    if (c->feed == NULL) {
        return;
    }
    memset(c->feed, 0, c->r->nnames * sizeof(*c->feed));
    /* stand-ins first, then the exact names over them; among several
     * asked names for one recorded stream the first asked wins */
    for (k = c->nsubs; k-- > 0;) {
        int32_t i = lx__rp_resolve(c->r, c->subs[k]);

        if (i >= 0) {
            c->feed[i] = ((uint32_t)k + 1) << 1 | 1u;
        }
    }
    for (k = c->nsubs; k-- > 0;) {
        int32_t i = lx__rp_name_index(c->r, c->subs[k]);

        if (i >= 0) {
            c->feed[i] = ((uint32_t)k + 1) << 1;
        }
    }
}

/* Whether the client takes the recorded stream name (feed index). */
static int feeds(const struct rp_client *c, const char *name)
{
    int32_t i = lx__rp_name_index(c->r, name);

    return i >= 0 && c->feed != NULL && c->feed[i] != 0;
}

/* Whether event e goes to client c (its stream set as of now). */
static int wanted(const struct rp_client *c, const struct rp_event *e)
{
    const struct rp_rconn *rc = &c->r->rconns[e->rconn];
    const char *hint;
    size_t k, kinded = 0;

    if (e->type == RP_FRAME && e->stream != NULL) {
        return e->owner && e->name >= 0 && c->feed != NULL &&
               c->feed[e->name] != 0;
    }
    if (e->type == RP_FRAME && !e->owner) {
        return 0;
    }
    /* an untagged frame or a close: any stream of c this rconn owns, of
     * the frame's kind when the rconn has streams of that kind */
    hint = e->type == RP_FRAME ? e->hint : NULL;
    for (k = 0; hint != NULL && k < rc->nsubs; k++) {
        kinded += strstr(rc->subs[k], hint) != NULL;
    }
    for (k = 0; k < rc->nsubs; k++) {
        if ((kinded == 0 || strstr(rc->subs[k], hint) != NULL) &&
            feeds(c, rc->subs[k]) &&
            lx__rp_owner(c->r, rc->subs[k]) == (int64_t)e->rconn) {
            return 1;
        }
    }
    return 0;
}

/* {"stream":"<name>","data":<payload>} to a combined client. */
static void send_wrapped(struct rp_client *c, const char *name,
                         const uint8_t *payload, size_t len)
{
    const struct lx_mem *mem = c->r->mem;
    static const char pre[] = "{\"stream\":\"", mid[] = "\",\"data\":";
    size_t sl = strlen(name), n;
    char *buf;

    n = sizeof(pre) - 1 + sl + sizeof(mid) - 1 + len + 1;
    buf = lx__malloc(mem, n);
    if (buf == NULL) {
        lx_ws_close(c->ws, LX_WS_CLOSE_INTERNAL, "out of memory");
        c->closing = 1;
        return;
    }
    lx__snprintf(buf, n, "%s%s%s", pre, name, mid);
    memcpy(buf + n - 1 - len, payload, len);
    buf[n - 1] = '}';
    lx_ws_send_text(c->ws, buf, n);
    lx__free(mem, buf);
}

static void send_frame(struct rp_client *c, const struct rp_event *e)
{
    const char *asked = NULL;
    uint32_t f = e->name >= 0 && c->feed != NULL ? c->feed[e->name] : 0;

    if ((f & 1u) != 0) {
        asked = c->subs[(f >> 1) - 1]; /* a stand-in for this name */
    }
    if (c->combined && asked != NULL) {
        /* another update speed of the asked diff stream: its name */
        if (e->dlen > 0) {
            send_wrapped(c, asked, e->data + e->doff, e->dlen);
        } else {
            send_wrapped(c, asked, e->data, e->len);
        }
        return;
    }
    if (c->combined || e->dlen == 0) {
        if (!c->combined || e->dlen > 0 || e->stream == NULL) {
            (e->opcode == LX_WS_BINARY ? lx_ws_send_binary : lx_ws_send_text)(
                c->ws, e->data, e->len);
            return;
        }
        /* a raw recorded frame to a combined client: wrap it */
        send_wrapped(c, e->stream, e->data, e->len);
        return;
    }
    lx_ws_send_text(c->ws, e->data + e->doff, e->dlen); /* unwrap */
}

/* Sends (or, for a close, acts on) an event wanted() chose for c. */
static void deliver(struct rp_client *c, const struct rp_event *e)
{
    if (e->type == RP_CLOSE) {
        c->closing = 1;
        lx_timer_stop(c->timer);
        lx_ws_close(c->ws, LX_WS_CLOSE_GOING_AWAY, "recorded close");
        return;
    }
    send_frame(c, e);
}

/* Leaves pump or control; frees c if its connection finished meanwhile. */
static void done_busy(struct rp_client *c)
{
    if (--c->busy == 0 && c->dead) {
        client_free(c);
    }
}

/* Sends everything due by now; re-arms for the next event. */
static void pump(struct lx_timer *t, void *ud)
{
    struct rp_client *c = ud;
    struct lx_mock_replay *r = c->r;
    int64_t now = lx_clock_mono_ns(r->clock), due;
    int sent = 0;

    LX_UNUSED(t);
    if (lx__ws_conn_out_pending(c->ws) > OUT_HIGH) {
        lx_timer_start(c->timer, OUT_WAIT_NS, 0); /* the peer is behind */
        return;
    }
    c->busy++;
    while (c->pos < r->nevs && !c->closing && !c->dead) {
        const struct rp_event *e = &r->evs[c->pos];

        due = c->t0_mono + scaled(r, e->wall_ns - r->base_wall_ns);
        if (due > now || sent >= BATCH) {
            lx_timer_start(c->timer, due > now ? due - now : 0, 0);
            break;
        }
        c->pos++;
        if (wanted(c, e)) {
            sent++;
            deliver(c, e);
        }
    }
    done_busy(c);
}

static void start_if_ready(struct rp_client *c)
{
    if (c->started || c->nsubs == 0) {
        return;
    }
    c->started = 1;
    c->t0_mono = lx_clock_mono_ns(c->r->clock);
    lx_timer_start(c->timer, 0, 0);
}

static void remove_sub(struct rp_client *c, const char *s)
{
    const struct lx_mem *mem = c->r->mem;
    size_t i;

    for (i = 0; i < c->nsubs; i++) {
        if (strcmp(c->subs[i], s) == 0) {
            lx__free(mem, c->subs[i]);
            c->subs[i] = c->subs[--c->nsubs];
            return;
        }
    }
}

/* Applies SUBSCRIBE / UNSUBSCRIBE params; LX_ERR_PARSE on a bad name. */
static int apply(struct rp_client *c, const cJSON *params, int add)
{
    const cJSON *it;
    int rc = LX_OK;

    cJSON_ArrayForEach (it, params) {
        if (!cJSON_IsString(it)) {
            return LX_ERR_PARSE;
        }
        if (add) {
            rc = lx__rp_add_names(c->r->mem, &c->subs, &c->nsubs, &c->cap,
                                  it->valuestring, strlen(it->valuestring));
        } else {
            remove_sub(c, it->valuestring);
        }
        if (rc != LX_OK) {
            return rc;
        }
    }
    return LX_OK;
}

static void reply(struct rp_client *c, cJSON *result, const cJSON *id)
{
    cJSON *o = cJSON_CreateObject();
    char *txt;

    cJSON_AddItemToObject(o, "result",
                          result != NULL ? result : cJSON_CreateNull());
    cJSON_AddItemToObject(
        o, "id", id != NULL ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    txt = cJSON_PrintUnformatted(o);
    if (txt != NULL) {
        lx_ws_send_text(c->ws, txt, strlen(txt));
        cJSON_free(txt);
    }
    cJSON_Delete(o);
}

static void reply_error(struct rp_client *c, const char *msg, const cJSON *id)
{
    char buf[256];

    lx__snprintf(buf, sizeof(buf),
                 "{\"error\":{\"code\":2,\"msg\":\"%s\"},\"id\":%lld}", msg,
                 cJSON_IsNumber(id) ? (long long)id->valuedouble : 0LL);
    lx_ws_send_text(c->ws, buf, strlen(buf));
}

static void control(struct rp_client *c, const char *text, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(text, len), *list;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    size_t i;

    if (!cJSON_IsString(m)) {
        reply_error(c, "Invalid request: method not found", id);
    } else if (strcmp(m->valuestring, "LIST_SUBSCRIPTIONS") == 0) {
        list = cJSON_CreateArray();
        for (i = 0; i < c->nsubs; i++) {
            cJSON_AddItemToArray(list, cJSON_CreateString(c->subs[i]));
        }
        reply(c, list, id);
    } else if ((strcmp(m->valuestring, "SUBSCRIBE") == 0 ||
                strcmp(m->valuestring, "UNSUBSCRIBE") == 0) &&
               cJSON_IsArray(params)) {
        int rc = apply(c, params, m->valuestring[0] == 'S');

        refresh_feed(c);
        if (rc != LX_OK) {
            reply_error(c, "Invalid request: bad stream name", id);
        } else {
            reply(c, NULL, id);
            start_if_ready(c);
        }
    } else {
        reply_error(c, "Invalid request: unknown method", id);
    }
    cJSON_Delete(j);
}

static void ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct rp_client *c = ud;

    LX_UNUSED(ws);
    if (opcode == LX_WS_TEXT) {
        c->busy++;
        control(c, (const char *)data, len);
        done_busy(c);
    }
}

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    LX_UNUSED(ws);
    LX_UNUSED(err);
    LX_UNUSED(code);
    LX_UNUSED(reason);
    if (((struct rp_client *)ud)->busy > 0) {
        ((struct rp_client *)ud)->dead = 1; /* freed by done_busy */
        return;
    }
    client_free(ud);
}

void lx__rp_ws_upgrade(struct lx_mock_replay *r, struct lx_http_req *req)
{
    const struct lx_mem *mem = r->mem;
    static const struct lx_ws_cbs cbs = {NULL, ws_message, NULL, NULL,
                                         ws_closed};
    struct rp_client *c = lx__calloc(mem, 1, sizeof(*c));
    int rc;

    if (c == NULL) {
        lx_http_req_respond_body(req, 503, NULL, NULL, NULL, 0);
        return;
    }
    c->r = r;
    c->next = r->clients;
    r->clients = c;
    r->nclients++;
    rc = lx__rp_parse_target(r->mem, lx_http_msg_target(lx_http_req_msg(req)),
                             &c->subs, &c->nsubs, &c->cap, &c->combined);
    if (rc == LX_OK && r->nnames > 0) {
        c->feed = lx__calloc(mem, r->nnames, sizeof(*c->feed));
        rc = c->feed == NULL ? LX_ERR_NOMEM : LX_OK;
    }
    if (rc == LX_OK) {
        refresh_feed(c);
        rc = lx_timer_new(&c->timer, r->clock, pump, c);
    }
    if (rc != LX_OK) {
        lx_http_req_respond_body(req, rc == LX_ERR_NOMEM ? 503 : 404, NULL,
                                 NULL, NULL, 0);
        client_free(c);
        return;
    }
    if (lx_ws_accept(&c->ws, req, &cbs, c) != LX_OK) {
        client_free(c);
        return;
    }
    start_if_ready(c);
}
