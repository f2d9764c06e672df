/*
 * fuzz_json.c - lx__json_parse, the getters and the streaming writer on
 * arbitrary bytes.
 *
 * The input is copied into a buffer of exactly its size, so ASan catches a
 * read past len. A failed parse must report its code and an offset inside
 * the input. A tree that parses goes through every getter for every key of
 * the top-level object (or every index of the top-level array) and of the
 * containers one level down, checking the getter contract: a found key is
 * never LX_ERR_NOTFOUND, a failure zeroes the output and is recorded in
 * err, a string's length is its strlen. Then the whole tree is written out
 * again with the streaming writer (strings as strings, integral numbers as
 * integers, other numbers as decimal strings, raw long numbers verbatim),
 * parsed again and compared node by node. Any violation aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/lx_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
    do {                                                                       \
        if (!(x)) {                                                            \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* A failed getter must have zeroed its output and recorded the error. */
static void check_fail(int rc, const struct lx_json_err *e, bool zeroed)
{
    if (rc != LX_OK) {
        CHECK(rc < 0);
        CHECK(e->code == rc);
        CHECK(zeroed);
    } else {
        CHECK(e->code == LX_OK);
    }
}

static void by_key(const cJSON *obj, const cJSON *child)
{
    /* With duplicate keys a lookup finds the first: check against that. */
    const cJSON *found = cJSON_GetObjectItemCaseSensitive(obj, child->string);
    const char *key = child->string, *s;
    const struct lx_decimal def = {3, 1};
    struct lx_json_err e;
    struct lx_decimal d;
    const cJSON *c;
    size_t len;
    int64_t i;
    uint64_t u;
    bool b;
    int rc;

    CHECK(found != NULL);
    lx__json_err_clear(&e);
    rc = lx__json_get_str(obj, key, &s, &len, &e);
    check_fail(rc, &e, s == NULL && len == 0);
    CHECK(rc != LX_OK || (cJSON_IsString(found) && len == strlen(s)));
    CHECK(rc == LX_OK || !cJSON_IsString(found));
    CHECK(rc != LX_ERR_NOTFOUND);
    lx__json_err_clear(&e);
    rc = lx__json_get_i64(obj, key, &i, &e);
    check_fail(rc, &e, i == 0);
    CHECK(rc != LX_ERR_NOTFOUND);
    lx__json_err_clear(&e);
    rc = lx__json_get_u64(obj, key, &u, &e);
    check_fail(rc, &e, u == 0);
    lx__json_err_clear(&e);
    rc = lx__json_get_bool(obj, key, &b, &e);
    check_fail(rc, &e, !b);
    lx__json_err_clear(&e);
    rc = lx__json_get_decimal(obj, key, &d, &e);
    check_fail(rc, &e, d.m == 0 && d.scale == 0);
    lx__json_err_clear(&e);
    rc = lx__json_get_obj(obj, key, &c, &e);
    check_fail(rc, &e, c == NULL);
    lx__json_err_clear(&e);
    rc = lx__json_get_arr(obj, key, &c, &e);
    check_fail(rc, &e, c == NULL);
    lx__json_err_clear(&e);
    rc = lx__json_opt_decimal(obj, key, def, &d, &e);
    CHECK(!cJSON_IsNull(found) || (rc == LX_OK && d.m == 3));
    rc = lx__json_opt_str(obj, key, "x", &s, NULL, &e);
    CHECK(!cJSON_IsNull(found) || (rc == LX_OK && strcmp(s, "x") == 0));
    (void)lx__json_opt_i64(obj, key, 1, &i, &e);
    (void)lx__json_opt_bool(obj, key, true, &b, &e);
}

static void by_idx(const cJSON *arr, size_t idx)
{
    struct lx_json_err e;
    struct lx_decimal d;
    const cJSON *c;
    const char *s;
    size_t len;
    int64_t i;
    uint64_t u;
    int rc;

    lx__json_err_clear(&e);
    rc = lx__json_at_str(arr, idx, &s, &len, &e);
    check_fail(rc, &e, s == NULL && len == 0);
    CHECK(rc != LX_ERR_NOTFOUND);
    lx__json_err_clear(&e);
    rc = lx__json_at_decimal(arr, idx, &d, &e);
    check_fail(rc, &e, d.m == 0 && d.scale == 0);
    lx__json_err_clear(&e);
    rc = lx__json_at_i64(arr, idx, &i, &e);
    check_fail(rc, &e, i == 0);
    lx__json_err_clear(&e);
    rc = lx__json_at_u64(arr, idx, &u, &e);
    check_fail(rc, &e, u == 0);
    lx__json_err_clear(&e);
    rc = lx__json_at_obj(arr, idx, &c, &e);
    check_fail(rc, &e, c == NULL);
    (void)lx__json_at_arr(arr, idx, &c, &e);
    lx__json_err_clear(&e);
    CHECK(lx__json_at_str(arr, idx + 1000000, &s, NULL, &e) == LX_ERR_NOTFOUND);
}

static void run_getters(const cJSON *node, int levels)
{
    const cJSON *child;
    size_t idx = 0;

    cJSON_ArrayForEach (child, node) {
        if (cJSON_IsObject(node)) {
            by_key(node, child);
        } else {
            by_idx(node, idx++);
        }
        if (levels > 0 && (cJSON_IsObject(child) || cJSON_IsArray(child))) {
            run_getters(child, levels - 1);
        }
    }
}

/* ---- re-emit and compare ------------------------------------------------- */

static void emit(struct lx__jw *w, const cJSON *n)
{
    const cJSON *c;
    struct lx_decimal d;
    int64_t i;

    if (cJSON_IsObject(n) || cJSON_IsArray(n)) {
        bool obj = cJSON_IsObject(n);

        if (obj) {
            lx__jw_obj_begin(w);
        } else {
            lx__jw_arr_begin(w);
        }
        cJSON_ArrayForEach (c, n) {
            if (obj) {
                lx__jw_key(w, c->string);
            }
            emit(w, c);
        }
        if (obj) {
            lx__jw_obj_end(w);
        } else {
            lx__jw_arr_end(w);
        }
    } else if (cJSON_IsString(n)) {
        lx__jw_str(w, n->valuestring);
    } else if (cJSON_IsRaw(n)) {
        lx__jw_raw(w, n->valuestring, strlen(n->valuestring));
    } else if (cJSON_IsBool(n)) {
        lx__jw_bool(w, cJSON_IsTrue(n));
    } else if (cJSON_IsNumber(n) && lx__json_as_i64(n, &i, NULL) == LX_OK) {
        lx__jw_i64(w, i);
    } else if (cJSON_IsNumber(n) && lx__json_as_decimal(n, &d, NULL) == LX_OK) {
        lx__jw_decimal(w, d);
    } else {
        lx__jw_null(w); /* numbers beyond an lx_decimal, and null */
    }
}

static void same_scalar(const cJSON *a, const cJSON *b)
{
    struct lx_decimal da, db;
    int64_t ia, ib;

    if (cJSON_IsString(a) || cJSON_IsRaw(a)) {
        CHECK(b->type == a->type);
        CHECK(strcmp(a->valuestring, b->valuestring) == 0);
    } else if (cJSON_IsBool(a)) {
        CHECK(cJSON_IsBool(b) && cJSON_IsTrue(a) == cJSON_IsTrue(b));
    } else if (cJSON_IsNumber(a) && lx__json_as_i64(a, &ia, NULL) == LX_OK) {
        CHECK(lx__json_as_i64(b, &ib, NULL) == LX_OK && ia == ib);
    } else if (cJSON_IsNumber(a) &&
               lx__json_as_decimal(a, &da, NULL) == LX_OK) {
        CHECK(cJSON_IsString(b));
        CHECK(lx__json_as_decimal(b, &db, NULL) == LX_OK);
        CHECK(da.m == db.m && da.scale == db.scale);
    } else {
        CHECK(cJSON_IsNull(b));
    }
}

static void same(const cJSON *a, const cJSON *b)
{
    const cJSON *ca, *cb;

    if (!cJSON_IsObject(a) && !cJSON_IsArray(a)) {
        same_scalar(a, b);
        return;
    }
    CHECK(b->type == a->type);
    for (ca = a->child, cb = b->child; ca != NULL; ca = ca->next) {
        CHECK(cb != NULL);
        CHECK(!cJSON_IsObject(a) || strcmp(ca->string, cb->string) == 0);
        same(ca, cb);
        cb = cb->next;
    }
    CHECK(cb == NULL);
}

static void round_trip(const cJSON *root, size_t size)
{
    struct lx__jw w;
    cJSON *again = NULL;
    struct lx_json_err e = {0};

    /* 32 output bytes per input byte bound every expansion the writer makes. */
    lx__jw_init_mem(&w, NULL, 32 * size + 4096);
    emit(&w, root);
    if (lx__jw_finish(&w) == LX_ERR_NOMEM) {
        lx__jw_free(&w);
        return;
    }
    CHECK(w.err == LX_OK);
    CHECK(lx__json_parse(w.buf, w.len, &again, &e) == LX_OK);
    same(root, again);
    cJSON_Delete(again);
    lx__jw_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = lx__malloc(NULL, size > 0 ? size : 1);
    struct lx_json_err e = {0};
    cJSON *root = NULL;
    char msg[256];
    int rc;

    if (buf == NULL) {
        return 0;
    }
    memcpy(buf, data, size);
    rc = lx__json_parse(buf, size, &root, &e);
    CHECK(lx__json_err_format(&e, msg, sizeof(msg)) > 0);
    if (rc != LX_OK) {
        CHECK(root == NULL && e.code == rc);
        CHECK(rc == LX_ERR_PARSE || rc == LX_ERR_TOOBIG || rc == LX_ERR_NOMEM);
        CHECK(e.offset <= size);
    } else {
        CHECK(root != NULL && e.code == LX_OK);
        run_getters(root, 1);
        round_trip(root, size);
        cJSON_Delete(root);
    }
    lx__free(NULL, buf);
    return 0;
}
