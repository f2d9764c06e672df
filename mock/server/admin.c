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
 *   POST   mark                   set a mark price / move the market
 *   POST   balance                set an account's balance (when given)
 *   POST   accounts               create an account (when given)
 *
 * It does not decide what a fault does (door.c, the stream hub) nor how
 * the venue renders its state (the venue's callback). Answers are JSON;
 * bad input gets 400 {"error":"..."} naming the field.
 */
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"
#include "mock/server/admin.h"
#include "mock/server/fault.h"
#include "mock/server/mock.h"
#include "mock/server/sb.h"

#define P LX_MOCK_ADMIN_PREFIX

struct lx_mock_admin {
    struct lx_mock_door *door;
    struct lx_mock_admin_venue venue;
    struct lx_mock_admin_ext ext; /* zero: none */
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

    if (a->ext.freeze != NULL) {
        a->ext.freeze(a->ext.ud);
    } else {
        lx_mock_door_freeze(a->door);
    }
    clock_json(a, c);
}

static void r_resume(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;

    if (a->ext.resume != NULL) {
        a->ext.resume(a->ext.ud);
    } else {
        lx_mock_door_resume(a->door);
    }
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

    if (ms < 0 ||
        (a->ext.advance != NULL ? a->ext.advance(a->ext.ud, ms)
                                : lx_mock_door_advance(a->door, ms)) != LX_OK) {
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

/* A string argument: ?key= first, else the JSON body's "key" (a string). */
static const char *arg(struct lx_mock_call *c, const cJSON *body,
                       const char *key)
{
    const cJSON *it;

    if (lx_mock_call_param(c, key, NULL) != NULL) {
        return lx_mock_call_param(c, key, NULL);
    }
    it = body != NULL ? cJSON_GetObjectItemCaseSensitive(body, key) : NULL;
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The body as a JSON object, or NULL (none or not JSON: query only). */
static cJSON *body_json(struct lx_mock_call *c)
{
    struct lx_json_err e = {0};
    cJSON *root = NULL;
    size_t len = 0;
    const char *s = lx_mock_call_body(c, &len);

    if (len == 0 || lx__json_parse(s, len, &root, &e) != LX_OK) {
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/*
 * POST mark: {"symbol":S,"price":P} -> {"symbol":S,"markPrice":P}, P as
 * the venue applied it (set_mark_to may round it).
 */
static void r_mark(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    cJSON *body = body_json(c);
    const char *sym = arg(c, body, "symbol"), *px = arg(c, body, "price");
    const char *why = "price: refused";
    char applied[64] = "";

    if (sym == NULL || px == NULL) {
        fail(a, c, 400,
             sym == NULL ? "symbol: missing (want a string)"
                         : "price: missing (want a decimal string)");
    } else if ((a->ext.set_mark_to != NULL
                    ? a->ext.set_mark_to(a->ext.ud, sym, px, applied,
                                         sizeof(applied), &why)
                    : a->ext.set_mark(a->ext.ud, sym, px, &why)) != LX_OK) {
        fail(a, c, 400, why);
    } else {
        lx_mock_sb_reset(&a->sb);
        lx_mock_sb_kv_str(&a->sb, "{\"symbol\":", sym);
        lx_mock_sb_kv_str(&a->sb,
                          ",\"markPrice\":", applied[0] != '\0' ? applied : px);
        lx_mock_sb_str(&a->sb, "}");
        send_sb(c, &a->sb);
    }
    cJSON_Delete(body);
}

/* POST balance: {"apiKey":K,"asset":A,"amount":X} -> the same echoed. */
static void r_balance(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    cJSON *body = body_json(c);
    const char *key = arg(c, body, "apiKey"), *asset = arg(c, body, "asset");
    const char *amt = arg(c, body, "amount");
    const char *why = "amount: refused";

    if (key == NULL || asset == NULL || amt == NULL) {
        fail(a, c, 400,
             key == NULL     ? "apiKey: missing (want a string)"
             : asset == NULL ? "asset: missing (want a string)"
                             : "amount: missing (want a decimal string)");
    } else if (a->ext.set_balance(a->ext.ud, key, asset, amt, &why) != LX_OK) {
        fail(a, c, 400, why);
    } else {
        lx_mock_sb_reset(&a->sb);
        lx_mock_sb_kv_str(&a->sb, "{\"apiKey\":", key);
        lx_mock_sb_kv_str(&a->sb, ",\"asset\":", asset);
        lx_mock_sb_kv_str(&a->sb, ",\"free\":", amt);
        lx_mock_sb_str(&a->sb, "}");
        send_sb(c, &a->sb);
    }
    cJSON_Delete(body);
}

#define ADMIN_ASSETS 16 /* balances of a new account */

/* Balances {"USDT":"100",...} into bal (NULL-terminated); LX_OK. */
static int balances_of(const cJSON *o, const char **bal, const char **why)
{
    const cJSON *it;
    size_t n = 0;

    if (o != NULL && !cJSON_IsObject(o)) {
        *why = "balances: want {\"ASSET\":\"amount\",...}";
        return LX_ERR_INVAL;
    }
    cJSON_ArrayForEach (it, o) {
        struct lx_decimal d;

        if (n == ADMIN_ASSETS || !cJSON_IsString(it) ||
            lx_decimal_parse(it->valuestring, strlen(it->valuestring), &d) !=
                LX_OK ||
            d.m < 0) {
            *why = n == ADMIN_ASSETS
                       ? "balances: more than 16 assets"
                       : "balances: want {\"ASSET\":\"amount\",...}";
            return LX_ERR_INVAL;
        }
        bal[2 * n] = it->string;
        bal[2 * n + 1] = it->valuestring;
        n++;
    }
    bal[2 * n] = NULL;
    return LX_OK;
}

/*
 * POST accounts: {"apiKey":K,"secret":S or "ed25519PublicKey":PEM
 * [,"makerFee":F,"takerFee":F][,"balances":{...}]} -> {"apiKey":K}. The
 * secret (and the PEM, in case a private key was sent by mistake) is
 * wiped from the parsed body afterwards and never echoed.
 */
static void r_account(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_admin *a = ud;
    cJSON *body = body_json(c);
    const char *bal[2 * ADMIN_ASSETS + 1];
    const char *key = arg(c, body, "apiKey"), *why = "apiKey: refused";
    const cJSON *sec =
        body != NULL ? cJSON_GetObjectItemCaseSensitive(body, "secret") : NULL;
    const cJSON *pem =
        body != NULL
            ? cJSON_GetObjectItemCaseSensitive(body, "ed25519PublicKey")
            : NULL;
    const cJSON *fees[2] = {NULL, NULL};
    int rc = LX_ERR_INVAL;

    if (body != NULL) {
        fees[0] = cJSON_GetObjectItemCaseSensitive(body, "makerFee");
        fees[1] = cJSON_GetObjectItemCaseSensitive(body, "takerFee");
    }
    if (body == NULL) {
        why = "body: want a JSON object";
    } else if (key == NULL || key[0] == '\0' || strlen(key) > 100) {
        why = "apiKey: want 1..100 characters";
    } else if (sec != NULL && pem != NULL) {
        why = "secret: give either secret or ed25519PublicKey, not both";
    } else if (pem != NULL &&
               (!cJSON_IsString(pem) || pem->valuestring[0] == '\0')) {
        why = "ed25519PublicKey: want the PEM of an Ed25519 public key";
    } else if (pem == NULL &&
               (!cJSON_IsString(sec) || sec->valuestring[0] == '\0')) {
        why = "secret: want a non-empty string (or give ed25519PublicKey)";
    } else if ((fees[0] != NULL && !cJSON_IsString(fees[0])) ||
               (fees[1] != NULL && !cJSON_IsString(fees[1]))) {
        why = fees[0] != NULL && !cJSON_IsString(fees[0])
                  ? "makerFee: want a decimal string"
                  : "takerFee: want a decimal string";
    } else if ((rc = balances_of(
                    cJSON_GetObjectItemCaseSensitive(body, "balances"), bal,
                    &why)) == LX_OK) {
        rc = a->ext.add_account(
            a->ext.ud, key, pem == NULL ? sec->valuestring : NULL,
            pem != NULL ? pem->valuestring : NULL,
            fees[0] != NULL ? fees[0]->valuestring : NULL,
            fees[1] != NULL ? fees[1]->valuestring : NULL, bal, &why);
    }
    if (cJSON_IsString(sec)) {
        OPENSSL_cleanse(sec->valuestring, strlen(sec->valuestring));
    }
    if (cJSON_IsString(pem)) {
        OPENSSL_cleanse(pem->valuestring, strlen(pem->valuestring));
    }
    if (rc != LX_OK) {
        fail(a, c, 400, why);
    } else {
        lx_mock_sb_reset(&a->sb);
        lx_mock_sb_kv_str(&a->sb, "{\"apiKey\":", key);
        lx_mock_sb_str(&a->sb, "}");
        send_sb(c, &a->sb);
    }
    cJSON_Delete(body);
}

int lx_mock_admin_extend(struct lx_mock_admin *a,
                         const struct lx_mock_admin_ext *ext)
{
    int rc = LX_OK;

    if (a == NULL || ext == NULL) {
        return LX_ERR_INVAL;
    }
    a->ext = *ext;
    if (ext->set_mark != NULL || ext->set_mark_to != NULL) {
        rc = lx_mock_door_route(a->door, "POST", P "mark", 0,
                                LX_MOCK_ROUTE_ADMIN, r_mark, a);
    }
    if (rc == LX_OK && ext->set_balance != NULL) {
        rc = lx_mock_door_route(a->door, "POST", P "balance", 0,
                                LX_MOCK_ROUTE_ADMIN, r_balance, a);
    }
    if (rc == LX_OK && ext->add_account != NULL) {
        rc = lx_mock_door_route(a->door, "POST", P "accounts", 0,
                                LX_MOCK_ROUTE_ADMIN, r_account, a);
    }
    return rc;
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
