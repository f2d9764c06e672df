/*
 * replay_admin.c - the admin API of lotusx-mock --replay, under the mock's
 * reserved prefix (LX_MOCK_ADMIN_PREFIX, loopback peers only, as the
 * simulated mock's door guards it):
 *
 *   GET  health                {"status":"ok","mode":"replay","time":ms}
 *   GET  clock                 the replay clock and each client's position
 *   POST clock/freeze|resume   stop / restart the replay clock
 *   POST clock/advance?ms=N    move it (and every client) N ms of recorded
 *                              time ahead (also {"ms":N} as the body)
 *   POST clock/speed?x=N       change the speed (as --speed)
 *   POST reset                 forget resume points and used REST answers
 *
 * What the clock does to the clients is replay_ws.c's. Answers are JSON;
 * bad input gets 400 {"error":"..."} naming the parameter.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_url.h"
#include "mock/replay/replay_int.h"
#include "mock/server/mock.h"

#define MS ((int64_t)1000000)
/* Ten years of recorded time, as the simulated mock's clock/advance. */
#define MAX_ADVANCE_MS ((int64_t)315360000000)

static void answer(struct lx_http_req *req, int status, cJSON *o)
{
    char *txt = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

    if (txt == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}";

        lx_http_req_respond_body(req, 503, NULL, "application/json", oom,
                                 sizeof(oom) - 1);
    } else {
        lx_http_req_respond_body(req, status, NULL, "application/json", txt,
                                 strlen(txt));
        cJSON_free(txt);
    }
    cJSON_Delete(o);
}

static void fail(struct lx_http_req *req, int status, const char *msg)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "error", msg);
    answer(req, status, o);
}

static void add_i64(cJSON *o, const char *key, int64_t v)
{
    char buf[24];

    lx__snprintf(buf, sizeof(buf), "%lld", (long long)v);
    cJSON_AddRawToObject(o, key, buf);
}

static void clock_json(struct lx_mock_replay *r, struct lx_http_req *req)
{
    cJSON *o = cJSON_CreateObject();
    int64_t now = lx__rp_clock_now(r), s = r->opts.speed_milli;
    char speed[32];

    lx__snprintf(speed, sizeof(speed), "%lld.%03lld", (long long)(s / 1000),
                 (long long)(s % 1000));
    add_i64(o, "time", now / MS);
    add_i64(o, "time_ns", now);
    cJSON_AddBoolToObject(o, "frozen", r->frozen != 0);
    cJSON_AddStringToObject(o, "speed", speed);
    add_i64(o, "start", r->base_wall_ns / MS);
    add_i64(o, "end", r->end_wall_ns / MS);
    cJSON_AddItemToObject(o, "clients", lx__rp_clients_json(r));
    answer(req, 200, o);
}

/* The value of ?key=, or of "key" in a JSON body; NULL when neither. */
static const char *param(const struct lx_mem *mem, struct lx_http_req *req,
                         const char *key, char *buf, size_t cap)
{
    const struct lx_http_msg *m = lx_http_req_msg(req);
    const char *t = lx_http_msg_target(m), *q = strchr(t, '?'), *v, *body;
    struct lx_query *qs = NULL;
    size_t len = 0;
    cJSON *j, *it;

    buf[0] = '\0';
    if (q != NULL &&
        lx_query_parse(&qs, mem, q + 1, strlen(q + 1), 0) == LX_OK &&
        (v = lx_query_find(qs, key, &len)) != NULL) {
        lx__snprintf(buf, cap, "%.*s", (int)len, v);
        lx_query_free(qs);
        return buf;
    }
    lx_query_free(qs);
    body = lx_http_msg_body(m, &len);
    if (body == NULL || len == 0 ||
        (j = cJSON_ParseWithLength(body, len)) == NULL) {
        return NULL;
    }
    it = cJSON_GetObjectItemCaseSensitive(j, key);
    if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble < 1e15) {
        /* a JSON number: an integer, or a speed with decimals */
        if (it->valuedouble == (double)(int64_t)it->valuedouble) {
            lx__snprintf(buf, cap, "%lld", (long long)it->valuedouble);
        } else {
            lx__snprintf(buf, cap, "%.3f", it->valuedouble);
        }
    } else if (cJSON_IsString(it)) {
        lx__snprintf(buf, cap, "%s", it->valuestring);
    }
    cJSON_Delete(j);
    return buf[0] != '\0' ? buf : NULL;
}

static void advance(struct lx_mock_replay *r, struct lx_http_req *req)
{
    char buf[32];
    const char *s = param(r->mem, req, "ms", buf, sizeof(buf));
    int64_t ms = -1;

    if (s == NULL || s[0] == '-' || s[0] == '+' ||
        lx__parse_i64(s, strlen(s), &ms) != LX_OK || ms < 0 ||
        ms > MAX_ADVANCE_MS) {
        fail(req, 400, "ms: want milliseconds, 0 to 315360000000");
        return;
    }
    lx__rp_clock_advance(r, ms * MS);
    clock_json(r, req);
}

static void speed(struct lx_mock_replay *r, struct lx_http_req *req)
{
    char buf[32];
    const char *s = param(r->mem, req, "x", buf, sizeof(buf));
    int64_t milli = 0;

    if (s == NULL || lx_mock_replay_parse_speed(s, &milli) != LX_OK) {
        fail(req, 400,
             "x: want a speed >= 0 with at most 3 decimals (0 = as fast as "
             "possible)");
        return;
    }
    lx__rp_clock_speed(r, milli);
    clock_json(r, req);
}

/* The replay as at start-up for the next clients: no resume points, every
 * recorded REST answer unused. Connected clients go on as they are. */
static void reset(struct lx_mock_replay *r, struct lx_http_req *req)
{
    cJSON *o = cJSON_CreateObject();
    size_t i;

    for (i = 0; i < r->nnames; i++) {
        r->names[i].resume_ev = 0;
        r->names[i].resume_wall = 0;
    }
    for (i = 0; i < r->npairs; i++) {
        r->pairs[i].used = 0;
    }
    cJSON_AddBoolToObject(o, "reset", 1);
    answer(req, 200, o);
}

static void health(struct lx_mock_replay *r, struct lx_http_req *req)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "mode", "replay");
    add_i64(o, "time", lx__rp_clock_now(r) / MS);
    answer(req, 200, o);
}

void lx__rp_admin(struct lx_mock_replay *r, struct lx_http_req *req)
{
    static const char *const posts[] = {"clock/freeze", "clock/resume",
                                        "clock/advance", "clock/speed",
                                        "reset"};
    const struct lx_http_msg *m = lx_http_req_msg(req);
    const char *t = lx_http_msg_target(m) + sizeof(LX_MOCK_ADMIN_PREFIX) - 1;
    const char *method = lx_http_msg_method(m);
    char path[64], msg[160];
    size_t n = strcspn(t, "?"), i;
    int get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

    if (!lx_http_req_is_loopback(req)) {
        fail(req, 403, "admin API is loopback-only");
        return;
    }
    lx__snprintf(path, sizeof(path), "%.*s", (int)(n < 63 ? n : 63), t);
    if (strcmp(path, "health") == 0 || strcmp(path, "clock") == 0) {
        if (!get) {
            fail(req, 405, "method not allowed: use GET");
        } else if (path[0] == 'h') {
            health(r, req);
        } else {
            clock_json(r, req);
        }
        return;
    }
    for (i = 0; i < LX_ARRAY_LEN(posts) && strcmp(path, posts[i]) != 0; i++) {
    }
    if (i == LX_ARRAY_LEN(posts) || n >= sizeof(path)) {
        lx__snprintf(msg, sizeof(msg),
                     "no admin route %.60s in replay mode (health, clock, "
                     "clock/freeze, clock/resume, clock/advance, clock/speed, "
                     "reset)",
                     path);
        fail(req, 404, msg);
        return;
    }
    if (!post) {
        fail(req, 405, "method not allowed: use POST");
        return;
    }
    switch (i) {
    case 0:
        lx__rp_clock_freeze(r);
        clock_json(r, req);
        break;
    case 1:
        lx__rp_clock_resume(r);
        clock_json(r, req);
        break;
    case 2:
        advance(r, req);
        break;
    case 3:
        speed(r, req);
        break;
    default:
        reset(r, req);
        break;
    }
}
