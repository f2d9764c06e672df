/*
 * admin.c - the admin API of a mock door (see admin.h and docs/mock.md):
 *
 *   GET    health                 {"status":"ok","venue":..,"time":ms}
 *   POST   reset                  forget rate-limit windows and bans
 *   GET    faults                 {"faults":[rule,...]}
 *   POST   faults                 add a rule (JSON body, fault.h)
 *   DELETE faults[?id=N]          clear one rule or all
 *   GET    clock                  {"time":ms,"frozen":b,"offset_ms":n}
 *   POST   clock/freeze|resume    stop / restart the mock's clock
 *   POST   clock/advance?ms=N     move it forward (also {"ms":N} body)
 *   GET    state[?levels=N]       books, open orders, balances
 *
 * It does not decide what a fault does (door.c, the stream hub) nor how
 * the venue renders its state (the venue's callback). Answers are JSON;
 * bad input gets 400 {"error":"..."} naming the field.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "mock/server/admin.h"
#include "mock/server/fault.h"
#include "mock/server/mock.h"
#include "mock/server/sb.h"

#define P LX_MOCK_ADMIN_PREFIX

struct lx_mock_admin {
    struct lx_mock_door *door;
    struct lx_mock_admin_venue venue;
    struct lx_mock_sb sb;
};

static void send_sb(struct lx_mock_call *c, struct lx_mock_sb *sb)
{
    if (sb->err != LX_OK) {
        lx_mock_respond_json(c, 503, "{\"error\":\"out of memory\"}", 25);
        return;
    }
    lx_mock_respond_json(c, 200, sb->buf, sb->len);
}

static void fail(struct lx_mock_admin *a, struct lx_mock_call *c, int status,
                 const char *msg)
{
    lx_mock_sb_reset(&a->sb);
    lx_mock_sb_kv_str(&a->sb, "{\"error\":", msg);
    lx_mock_sb_str(&a->sb, "}");
    if (a->sb.err == LX_OK) {
        lx_mock_respond_json(c, status, a->sb.buf, a->sb.len);
    } else {
        lx_mock_respond_json(c, 503, "{\"error\":\"out of memory\"}", 25);
    }
}

static void r_health(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;

    lx_mock_sb_reset(&a->sb);
    lx_mock_sb_kv_str(&a->sb, "{\"status\":\"ok\",\"venue\":", a->venue.name);
    lx_mock_sb_kv_i64(&a->sb, ",\"time\":", lx_mock_call_now_ms(c));
    lx_mock_sb_str(&a->sb, "}");
    send_sb(c, &a->sb);
}

static void r_reset(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;

    lx_mock_door_reset_limits(a->door);
    lx_mock_respond_json(c, 200, "{\"reset\":true}", 14);
}

static void r_faults_get(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;

    lx_mock_sb_reset(&a->sb);
    lx_mock_faults_json(lx_mock_door_faults(a->door), &a->sb);
    send_sb(c, &a->sb);
}

static void expire(struct lx_mock_admin *a, struct lx_mock_call *c,
                   const char *key)
{
    size_t n = 0;

    if (a->venue.expire_listen == NULL ||
        a->venue.expire_listen(a->venue.ud, key, &n) != LX_OK) {
        fail(a, c, 400, "ws: this venue has no listen keys to expire");
        return;
    }
    lx_mock_sb_reset(&a->sb);
    lx_mock_sb_kv_i64(&a->sb, "{\"expired\":", (int64_t)n);
    lx_mock_sb_str(&a->sb, "}");
    send_sb(c, &a->sb);
}

static void r_faults_post(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    struct lx_mock_fault r;
    char why[160];
    const char *body, *msg = "";
    size_t len;
    uint64_t id;

    body = lx_mock_call_body(c, &len);
    if (lx_mock_faults_parse(body, len, &r, why, sizeof(why)) != LX_OK) {
        fail(a, c, 400, why);
        return;
    }
    if (r.ws == LX_MOCK_FAULT_WS_EXPIRE) {
        expire(a, c, r.listen_key);
        return;
    }
    if (lx_mock_faults_add(lx_mock_door_faults(a->door), &r, &id, &msg) !=
        LX_OK) {
        fail(a, c, 400, msg);
        return;
    }
    r.id = id;
    lx_mock_sb_reset(&a->sb);
    lx_mock_sb_str(&a->sb, "{\"fault\":");
    lx_mock_fault_json(&r, &a->sb);
    lx_mock_sb_str(&a->sb, "}");
    send_sb(c, &a->sb);
}

static void r_faults_delete(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    size_t len = 0;
    const char *s = lx_mock_call_param(c, "id", &len);
    int64_t id = 0;
    size_t n;

    if (s != NULL && (lx__parse_i64(s, len, &id) != LX_OK || id <= 0)) {
        fail(a, c, 400, "id: want a rule id >= 1");
        return;
    }
    n = lx_mock_faults_clear(lx_mock_door_faults(a->door), (uint64_t)id);
    lx_mock_sb_reset(&a->sb);
    lx_mock_sb_kv_i64(&a->sb, "{\"cleared\":", (int64_t)n);
    lx_mock_sb_str(&a->sb, "}");
    send_sb(c, &a->sb);
}

static void clock_json(struct lx_mock_admin *a, struct lx_mock_call *c)
{
    int64_t off = lx_mock_door_offset_ns(a->door);

    lx_mock_sb_reset(&a->sb);
    lx_mock_sb_kv_i64(&a->sb, "{\"time\":", lx_mock_door_now_ms(a->door));
    lx_mock_sb_str(&a->sb, ",\"frozen\":");
    lx_mock_sb_bool(&a->sb, lx_mock_door_frozen(a->door) != 0);
    lx_mock_sb_kv_i64(&a->sb, ",\"offset_ms\":", off / 1000000);
    lx_mock_sb_str(&a->sb, "}");
    send_sb(c, &a->sb);
}

static void r_clock(struct lx_mock_call *c, void *ud)
{
    clock_json(ud, c);
}

static void r_freeze(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;

    lx_mock_door_freeze(a->door);
    clock_json(a, c);
}

static void r_resume(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;

    lx_mock_door_resume(a->door);
    clock_json(a, c);
}

/* ms from ?ms=N or a {"ms":N} body; -1 when absent or bad. */
static int64_t advance_ms(struct lx_mock_call *c)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, "ms", &len);
    int64_t ms = -1;
    cJSON *root = NULL;
    struct lx_json_err e = {0};

    if (s != NULL) {
        return lx__parse_i64(s, len, &ms) == LX_OK ? ms : -1;
    }
    s = lx_mock_call_body(c, &len);
    if (len > 0 && lx__json_parse(s, len, &root, &e) == LX_OK &&
        lx__json_get_i64(root, "ms", &ms, &e) != LX_OK) {
        ms = -1;
    }
    cJSON_Delete(root);
    return ms;
}

static void r_advance(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    int64_t ms = advance_ms(c);

    if (ms < 0 || lx_mock_door_advance(a->door, ms) != LX_OK) {
        fail(a, c, 400, "ms: want milliseconds, 0 to 315360000000");
        return;
    }
    clock_json(a, c);
}

static void r_state(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    size_t len = 0;
    const char *s = lx_mock_call_param(c, "levels", &len);
    int64_t levels = 10;

    if (s != NULL && (lx__parse_i64(s, len, &levels) != LX_OK || levels < 0 ||
                      levels > 5000)) {
        fail(a, c, 400, "levels: want 0..5000");
        return;
    }
    if (a->venue.state == NULL) {
        fail(a, c, 404, "this venue has no state dump");
        return;
    }
    lx_mock_sb_reset(&a->sb);
    a->venue.state(a->venue.ud, (size_t)levels, &a->sb);
    send_sb(c, &a->sb);
}

int lx_mock_admin_new(struct lx_mock_admin **out, struct lx_mock_door *d,
                      const struct lx_mock_admin_venue *venue)
{
    static const struct {
        const char *method, *path;
        lx_mock_route_fn fn;
    } t[] = {
        {"GET", P "health", r_health},
        {"POST", P "reset", r_reset},
        {"GET", P "faults", r_faults_get},
        {"POST", P "faults", r_faults_post},
        {"DELETE", P "faults", r_faults_delete},
        {"GET", P "clock", r_clock},
        {"POST", P "clock/freeze", r_freeze},
        {"POST", P "clock/resume", r_resume},
        {"POST", P "clock/advance", r_advance},
        {"GET", P "state", r_state},
    };
    struct lx_mock_admin *a;
    size_t i;
    int rc = LX_OK;

    if (out == NULL || d == NULL || venue == NULL) {
        return LX_ERR_INVAL;
    }
    a = lx__calloc(NULL, 1, sizeof(*a));
    *out = a;
    if (a == NULL) {
        return LX_ERR_NOMEM;
    }
    a->door = d;
    a->venue = *venue;
    lx_mock_sb_init(&a->sb);
    for (i = 0; i < LX_ARRAY_LEN(t) && rc == LX_OK; i++) {
        rc = lx_mock_door_route(d, t[i].method, t[i].path, 0,
                                LX_MOCK_ROUTE_ADMIN, t[i].fn, a);
    }
    return rc;
}

void lx_mock_admin_free(struct lx_mock_admin *a)
{
    if (a != NULL) {
        lx_mock_sb_free(&a->sb);
        lx__free(NULL, a);
    }
}
