/*
 * replay_ws.c - WebSocket clients of lotusx-mock --replay: each gets the
 * recorded venue frames of the streams it asked for (stream URL, then
 * SUBSCRIBE / UNSUBSCRIBE), from the start of the capture, in recorded
 * order, each at its recorded offset from the capture's start scaled by
 * the speed, on lx_clock timers. A client's timeline starts when it first
 * has a stream (so a /ws client that subscribes later misses nothing).
 * The replay clock (admin API: freeze, resume, advance, speed) moves every
 * client's timeline: frozen, a client gets the frames recorded up to its
 * position and no more; an advance moves every position ahead. A client
 * closed by a recorded close leaves a resume point on the streams of its
 * that the closed connection served and a later one carries: a client that
 * later starts on one of them starts after that close.
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
 * its transport gets nothing more until they drain to OUT_LOW (the
 * connection says when: no polling, and a client that stopped reading
 * costs nothing); if that notice cannot be had, looked at again every
 * OUT_WAIT_NS of the clock. */
#define OUT_HIGH    ((size_t)1 << 20)
#define OUT_LOW     (OUT_HIGH / 2)
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
    int busy; /* inside pump or control: a close only marks dead */
    int dead; /* the connection finished while busy: free when done */
    /* the timeline: running, the client is at recorded wall time
     * anchor_wall at mono time t0_mono; frozen, it is at at_wall */
    int64_t t0_mono, anchor_wall, at_wall;
    int64_t seen_wall; /* the latest wall time passed (speed 0) */
    size_t pos;        /* next event */
    uint64_t id, sent;
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

/* Capture time for dt ns of replay at the set speed (saturating). */
static int64_t unscaled(const struct lx_mock_replay *r, int64_t dt)
{
    int64_t s = r->opts.speed_milli;

    if (s <= 0 || dt <= 0) {
        return 0;
    }
    if (dt / 1000 > INT64_MAX / 4 / s) {
        return INT64_MAX / 4;
    }
    return (dt / 1000) * s + ((dt % 1000) * s) / 1000;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) {
        return INT64_MAX;
    }
    return a + b;
}

/* Where c's timeline is now (recorded wall time). */
static int64_t position(const struct rp_client *c, int64_t now)
{
    const struct lx_mock_replay *r = c->r;

    if (r->frozen) {
        return c->at_wall;
    }
    if (r->opts.speed_milli == 0) {
        return c->seen_wall; /* as fast as possible: what it got to */
    }
    return add_sat(c->anchor_wall, unscaled(r, now - c->t0_mono));
}

int64_t lx__rp_clock_now(const struct lx_mock_replay *r)
{
    if (r->frozen) {
        return r->clk_wall;
    }
    if (r->opts.speed_milli == 0) {
        return r->end_wall_ns > r->clk_wall ? r->end_wall_ns : r->clk_wall;
    }
    return add_sat(r->clk_wall,
                   unscaled(r, lx_clock_mono_ns(r->clock) - r->clk_mono));
}

/* Lets every started client's pump look at its timeline again. */
static void kick_all(struct lx_mock_replay *r)
{
    struct rp_client *c;

    for (c = r->clients; c != NULL; c = c->next) {
        if (c->started && !c->closing && !c->dead) {
            lx_timer_start(c->timer, 0, 0);
        }
    }
}

void lx__rp_clock_freeze(struct lx_mock_replay *r)
{
    int64_t now = lx_clock_mono_ns(r->clock);
    struct rp_client *c;

    if (r->frozen) {
        return;
    }
    for (c = r->clients; c != NULL; c = c->next) {
        c->at_wall = position(c, now);
    }
    r->clk_wall = lx__rp_clock_now(r);
    r->frozen = 1;
    kick_all(r);
}

void lx__rp_clock_resume(struct lx_mock_replay *r)
{
    int64_t now = lx_clock_mono_ns(r->clock);
    struct rp_client *c;

    if (!r->frozen) {
        return;
    }
    for (c = r->clients; c != NULL; c = c->next) {
        c->t0_mono = now;
        c->anchor_wall = c->at_wall;
        if (c->at_wall > c->seen_wall) {
            c->seen_wall = c->at_wall;
        }
    }
    r->clk_mono = now;
    r->frozen = 0;
    kick_all(r);
}

void lx__rp_clock_advance(struct lx_mock_replay *r, int64_t dt)
{
    struct rp_client *c;

    if (dt <= 0) {
        kick_all(r);
        return;
    }
    for (c = r->clients; c != NULL; c = c->next) {
        if (r->frozen) {
            c->at_wall = add_sat(c->at_wall, dt);
        } else {
            c->anchor_wall = add_sat(c->anchor_wall, dt);
            c->seen_wall = add_sat(c->seen_wall, dt);
        }
    }
    r->clk_wall = add_sat(r->clk_wall, dt);
    kick_all(r);
}

void lx__rp_clock_speed(struct lx_mock_replay *r, int64_t speed_milli)
{
    int64_t now = lx_clock_mono_ns(r->clock);
    struct rp_client *c;

    if (!r->frozen) {
        for (c = r->clients; c != NULL; c = c->next) {
            c->anchor_wall = position(c, now);
            c->t0_mono = now;
        }
        r->clk_wall = lx__rp_clock_now(r);
        r->clk_mono = now;
    }
    r->opts.speed_milli = speed_milli;
    kick_all(r);
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

/* Whether event e (at index ev) goes to client c (its stream set as of
 * now). */
static int wanted(const struct rp_client *c, const struct rp_event *e,
                  size_t ev)
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
    if (e->type == RP_CLOSE) {
        /* any stream of c this rconn serves up to its close */
        for (k = 0; c->feed != NULL && k < c->r->nnames; k++) {
            if (c->feed[k] != 0 &&
                lx__rp_owner_at(c->r, (int32_t)k, ev) == (int64_t)e->rconn) {
                return 1;
            }
        }
        return 0;
    }
    /* an untagged frame: any stream of c this rconn serves, of the frame's
     * kind when the rconn has streams of that kind */
    hint = e->hint;
    for (k = 0; hint != NULL && k < rc->nsubs; k++) {
        kinded += strstr(rc->subs[k], hint) != NULL;
    }
    for (k = 0; k < rc->nsubs; k++) {
        if ((kinded == 0 || strstr(rc->subs[k], hint) != NULL) &&
            feeds(c, rc->subs[k]) &&
            lx__rp_owner_at(c->r, lx__rp_name_index(c->r, rc->subs[k]), ev) ==
                (int64_t)e->rconn) {
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

/*
 * Sends (or, for a close, acts on) event ev that wanted() chose for c. A
 * recorded close closes c and leaves a resume point on each of c's streams
 * that the closed connection served and a later recorded connection
 * carries (the recorder reconnected): a client that starts on one of them
 * later (c reconnecting) starts after this close. A stream recorded on no
 * later connection ended with the close: a new client starts it over.
 */
static void deliver(struct rp_client *c, const struct rp_event *e, size_t ev)
{
    size_t k;

    if (e->type == RP_CLOSE) {
        for (k = 0; c->feed != NULL && k < c->r->nnames; k++) {
            struct rp_name *n = &c->r->names[k];

            if (c->feed[k] != 0 && n->resume_ev < ev + 1 &&
                lx__rp_owner_at(c->r, (int32_t)k, ev) == (int64_t)e->rconn &&
                lx__rp_owner_at(c->r, (int32_t)k, ev + 1) >= 0) {
                n->resume_ev = ev + 1;
                n->resume_wall = e->wall_ns;
            }
        }
        c->closing = 1;
        lx_timer_stop(c->timer);
        lx_ws_close(c->ws, LX_WS_CLOSE_GOING_AWAY, "recorded close");
        return;
    }
    c->sent++;
    send_frame(c, e);
}

/* Leaves pump or control; frees c if its connection finished meanwhile. */
static void done_busy(struct rp_client *c)
{
    if (--c->busy == 0 && c->dead) {
        client_free(c);
    }
}

/* The client's output drained: the pump goes on at once. */
static void drained(void *ud)
{
    struct rp_client *c = ud;

    lx_timer_start(c->timer, 0, 0);
}

/*
 * Sends everything due by now; re-arms for the next event. Running, an
 * event is due at its offset from the client's anchor scaled by the speed;
 * frozen, when it was recorded at or before the client's position (the
 * pump then waits for the admin clock, with no timer).
 */
static void pump(struct lx_timer *t, void *ud)
{
    struct rp_client *c = ud;
    struct lx_mock_replay *r = c->r;
    int64_t now = lx_clock_mono_ns(r->clock), due;
    int sent = 0;
    size_t ev;

    LX_UNUSED(t);
    if (lx__ws_conn_out_pending(c->ws) > OUT_HIGH) {
        /* the peer is behind */
        if (lx__ws_conn_notify_drain(c->ws, OUT_LOW, drained, c) != LX_OK) {
            lx_timer_start(c->timer, OUT_WAIT_NS, 0);
        }
        return;
    }
    c->busy++;
    while (c->pos < r->nevs && !c->closing && !c->dead) {
        const struct rp_event *e = &r->evs[c->pos];

        if (r->frozen) {
            if (e->wall_ns > c->at_wall) {
                break; /* held until the admin clock moves */
            }
            if (sent >= BATCH) {
                lx_timer_start(c->timer, 0, 0);
                break;
            }
        } else {
            due = c->t0_mono + scaled(r, e->wall_ns - c->anchor_wall);
            if (due > now || sent >= BATCH) {
                lx_timer_start(c->timer, due > now ? due - now : 0, 0);
                break;
            }
        }
        ev = c->pos++;
        if (e->wall_ns > c->seen_wall) {
            c->seen_wall = e->wall_ns;
        }
        if (wanted(c, e, ev)) {
            sent++;
            deliver(c, e, ev);
        }
    }
    done_busy(c);
}

/*
 * Starts c's timeline when it first has a stream: at the capture's start,
 * or after the latest recorded close that closed a client of one of its
 * streams (a reconnect resumes where the recording resumed).
 */
static void start_if_ready(struct rp_client *c)
{
    struct lx_mock_replay *r = c->r;
    int64_t wall = r->base_wall_ns;
    size_t k, at = 0;

    if (c->started || c->nsubs == 0) {
        return;
    }
    for (k = 0; c->feed != NULL && k < r->nnames; k++) {
        if (c->feed[k] != 0 && r->names[k].resume_ev > at) {
            at = r->names[k].resume_ev;
            wall = r->names[k].resume_wall;
        }
    }
    c->started = 1;
    c->pos = at;
    c->t0_mono = lx_clock_mono_ns(r->clock);
    c->anchor_wall = wall;
    c->at_wall = wall;
    c->seen_wall = wall;
    lx_timer_start(c->timer, 0, 0);
}

cJSON *lx__rp_clients_json(const struct lx_mock_replay *r)
{
    int64_t now = lx_clock_mono_ns(r->clock);
    cJSON *arr = cJSON_CreateArray(), *o, *subs;
    const struct rp_client *c;
    size_t k;

    for (c = r->clients; arr != NULL && c != NULL; c = c->next) {
        o = cJSON_CreateObject();
        subs = cJSON_CreateArray();
        cJSON_AddNumberToObject(o, "id", (double)c->id);
        for (k = 0; k < c->nsubs; k++) {
            cJSON_AddItemToArray(subs, cJSON_CreateString(c->subs[k]));
        }
        cJSON_AddItemToObject(o, "streams", subs);
        if (c->started) {
            int64_t at = position(c, now);
            char ns[24];

            lx__snprintf(ns, sizeof(ns), "%lld", (long long)at);
            cJSON_AddNumberToObject(o, "time", (double)(at / 1000000));
            cJSON_AddRawToObject(o, "time_ns", ns);
        } else {
            cJSON_AddNullToObject(o, "time");
            cJSON_AddNullToObject(o, "time_ns");
        }
        cJSON_AddNumberToObject(o, "sent", (double)c->sent);
        /* oldest first */
        cJSON_InsertItemInArray(arr, 0, o);
    }
    return arr;
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
    c->id = ++r->client_ids;
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
