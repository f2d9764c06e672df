/*
 * fault.c - the fault-injection rule table of a mock door (see fault.h).
 *
 * Rules sit in a small array in the order they were added (ids grow), so
 * "the oldest matching rule" is the first match. It does not act on
 * requests or connections itself: door.c delays and fails HTTP requests,
 * the venue's stream hub drops connections and sends malformed frames.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "mock/server/fault.h"

struct lx_mock_faults {
    struct lx_mock_fault rules[LX_MOCK_FAULT_MAX];
    size_t n;
    uint64_t next_id;
};

int lx_mock_faults_new(struct lx_mock_faults **out)
{
    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = lx__calloc(NULL, 1, sizeof(**out));
    if (*out == NULL) {
        return LX_ERR_NOMEM;
    }
    (*out)->next_id = 1;
    return LX_OK;
}

void lx_mock_faults_free(struct lx_mock_faults *f)
{
    lx__free(NULL, f);
}

static int bad(const char **why, const char *msg)
{
    if (why != NULL) {
        *why = msg;
    }
    return LX_ERR_INVAL;
}

int lx_mock_faults_add(struct lx_mock_faults *f, const struct lx_mock_fault *r,
                       uint64_t *id, const char **why)
{
    int s = r->status;

    if (r->path[0] != '/' && strcmp(r->path, "*") != 0) {
        return bad(why, "path: must start with '/' or be \"*\"");
    }
    if (r->remaining == 0 || r->remaining < -1) {
        return bad(why, "count: must be >= 1, or -1 for until cleared");
    }
    if (r->ws == LX_MOCK_FAULT_WS_NONE) {
        if (s != 0 && s != 418 && s != 429 && s != 500 && s != 502 &&
            s != 503) {
            return bad(why, "status: must be 418, 429, 500, 502 or 503");
        }
        if (r->delay_ms < 0 || r->delay_ms > 600000) {
            return bad(why, "delay_ms: must be 0..600000");
        }
        if (s == 0 && r->delay_ms == 0) {
            return bad(why, "a rule needs status, delay_ms or ws");
        }
    } else if (r->ws == LX_MOCK_FAULT_WS_EXPIRE) {
        return bad(why, "ws: listen_key_expired is done at once, not kept");
    } else if (r->after_frames < 0) {
        return bad(why, "after_frames: must be >= 0");
    }
    if (f->n == LX_MOCK_FAULT_MAX) {
        if (why != NULL) {
            *why = "too many fault rules (64)";
        }
        return LX_ERR_TOOBIG;
    }
    f->rules[f->n] = *r;
    f->rules[f->n].id = f->next_id++;
    if (id != NULL) {
        *id = f->rules[f->n].id;
    }
    f->n++;
    return LX_OK;
}

static void drop_at(struct lx_mock_faults *f, size_t i)
{
    memmove(&f->rules[i], &f->rules[i + 1], (f->n - i - 1) * sizeof(*f->rules));
    f->n--;
}

size_t lx_mock_faults_clear(struct lx_mock_faults *f, uint64_t id)
{
    size_t i, n = f->n;

    if (id == 0) {
        f->n = 0;
        return n;
    }
    for (i = 0; i < f->n; i++) {
        if (f->rules[i].id == id) {
            drop_at(f, i);
            return 1;
        }
    }
    return 0;
}

size_t lx_mock_faults_count(const struct lx_mock_faults *f)
{
    return f->n;
}

static int matches(const struct lx_mock_fault *r, const char *path)
{
    return strcmp(r->path, "*") == 0 ||
           strncmp(path, r->path, strlen(r->path)) == 0;
}

/* Uses rule i once; *out gets a copy from before it may go. */
static void use(struct lx_mock_faults *f, size_t i, struct lx_mock_fault *out)
{
    *out = f->rules[i];
    if (f->rules[i].remaining > 0 && --f->rules[i].remaining == 0) {
        drop_at(f, i);
    }
}

int lx_mock_faults_take_http(struct lx_mock_faults *f, const char *path,
                             struct lx_mock_fault *out)
{
    size_t i;

    for (i = 0; f != NULL && i < f->n; i++) {
        if (f->rules[i].ws == LX_MOCK_FAULT_WS_NONE &&
            matches(&f->rules[i], path)) {
            use(f, i, out);
            return 1;
        }
    }
    return 0;
}

int lx_mock_faults_take_ws(struct lx_mock_faults *f, const char *target,
                           uint64_t *seen, struct lx_mock_fault *out)
{
    size_t i;

    for (i = 0; f != NULL && i < f->n; i++) {
        struct lx_mock_fault *r = &f->rules[i];

        if (r->id <= *seen) {
            continue;
        }
        *seen = r->id;
        if (r->ws != LX_MOCK_FAULT_WS_NONE && matches(r, target)) {
            use(f, i, out);
            return 1;
        }
    }
    return 0;
}

void lx_mock_fault_json(const struct lx_mock_fault *r, struct lx_mock_sb *sb)
{
    static const char *const ws_names[] = {"", "drop", "malformed"};

    lx_mock_sb_kv_i64(sb, "{\"id\":", (int64_t)r->id);
    lx_mock_sb_kv_str(sb, ",\"path\":", r->path);
    lx_mock_sb_kv_i64(sb, ",\"remaining\":", r->remaining);
    if (r->ws != LX_MOCK_FAULT_WS_NONE) {
        lx_mock_sb_kv_str(sb, ",\"ws\":", ws_names[r->ws]);
        lx_mock_sb_kv_i64(sb, ",\"after_frames\":", r->after_frames);
    } else {
        lx_mock_sb_kv_i64(sb, ",\"delay_ms\":", r->delay_ms);
        lx_mock_sb_kv_i64(sb, ",\"status\":", r->status);
        lx_mock_sb_kv_i64(sb, ",\"retry_after_s\":", r->retry_after_s);
    }
    lx_mock_sb_str(sb, "}");
}

void lx_mock_faults_json(const struct lx_mock_faults *f, struct lx_mock_sb *sb)
{
    size_t i;

    lx_mock_sb_str(sb, "{\"faults\":[");
    for (i = 0; i < f->n; i++) {
        if (i > 0) {
            lx_mock_sb_str(sb, ",");
        }
        lx_mock_fault_json(&f->rules[i], sb);
    }
    lx_mock_sb_str(sb, "]}");
}

/* Reads the optional "ws" kind into r. */
static int parse_ws(const cJSON *root, struct lx_mock_fault *r,
                    struct lx_json_err *e)
{
    const char *ws = NULL;

    if (lx__json_opt_str(root, "ws", NULL, &ws, NULL, e) != LX_OK) {
        return LX_ERR_INVAL;
    }
    if (ws == NULL) {
        r->ws = LX_MOCK_FAULT_WS_NONE;
    } else if (strcmp(ws, "drop") == 0) {
        r->ws = LX_MOCK_FAULT_WS_DROP;
    } else if (strcmp(ws, "malformed") == 0) {
        r->ws = LX_MOCK_FAULT_WS_MALFORMED;
    } else if (strcmp(ws, "listen_key_expired") == 0) {
        const char *key = NULL;

        if (lx__json_opt_str(root, "listenKey", "", &key, NULL, e) != LX_OK) {
            return LX_ERR_INVAL;
        }
        if (strlen(key) >= sizeof(r->listen_key)) {
            return LX_ERR_PARSE;
        }
        memcpy(r->listen_key, key, strlen(key) + 1);
        r->ws = LX_MOCK_FAULT_WS_EXPIRE;
    } else {
        return LX_ERR_PARSE;
    }
    return LX_OK;
}

int lx_mock_faults_parse(const char *json, size_t len, struct lx_mock_fault *r,
                         char *why, size_t cap)
{
    struct lx_json_err e = {0};
    cJSON *root = NULL;
    const char *path = NULL;
    int64_t status = 0;
    int rc;

    memset(r, 0, sizeof(*r));
    if (lx__json_parse(json, len, &root, &e) != LX_OK ||
        !cJSON_IsObject(root)) {
        lx__snprintf(why, cap, "body: want a JSON object");
        cJSON_Delete(root);
        return LX_ERR_INVAL;
    }
    lx__json_opt_str(root, "path", "*", &path, NULL, &e);
    lx__json_opt_i64(root, "count", 1, &r->remaining, &e);
    lx__json_opt_i64(root, "delay_ms", 0, &r->delay_ms, &e);
    lx__json_opt_i64(root, "status", 0, &status, &e);
    lx__json_opt_i64(root, "retry_after_s", -1, &r->retry_after_s, &e);
    lx__json_opt_i64(root, "after_frames", 0, &r->after_frames, &e);
    rc = parse_ws(root, r, &e);
    if (e.code != LX_OK) {
        lx__snprintf(why, cap, "%s: wrong type", e.path);
        rc = LX_ERR_INVAL;
    } else if (rc != LX_OK) {
        lx__snprintf(why, cap,
                     "ws: must be \"drop\", \"malformed\" or "
                     "\"listen_key_expired\"");
        rc = LX_ERR_INVAL;
    } else if (strlen(path) >= sizeof(r->path)) {
        lx__snprintf(why, cap, "path: longer than %d bytes",
                     LX_MOCK_FAULT_PATH_MAX - 1);
        rc = LX_ERR_INVAL;
    } else if (status < 0 || status > 999) {
        lx__snprintf(why, cap, "status: must be 418, 429, 500, 502 or 503");
        rc = LX_ERR_INVAL;
    } else {
        memcpy(r->path, path, strlen(path) + 1);
        r->status = (int)status;
    }
    cJSON_Delete(root);
    return rc;
}
