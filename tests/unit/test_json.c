/*
 * test_json.c - core/json.h: the bounded parse (whitespace, trailing
 * garbage, control bytes, size and depth caps, error offsets, numbers too
 * long for a double), every getter against present / missing / null /
 * wrong-type values, integers and decimals from numbers and strings, the
 * error context, the tree writers, the streaming writer (escaping table,
 * byte-exact Binance frames, round trips through the parser, TOOBIG on
 * small buffers, misuse, failmalloc of the growing buffer), and real venue
 * frames: the fuzz seeds (single lines of ../shared/samples) always, and
 * the sample files themselves when they are present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "lx_test.h"

#ifndef LX_JSON_FIXTURES
#define LX_JSON_FIXTURES "fixtures/fuzz/fuzz_json"
#endif

/* ---- helpers ------------------------------------------------------------ */

static cJSON *parse_ok(const char *s)
{
    struct lx_json_err e = {0};
    cJSON *root = NULL;

    assert_int_equal(lx__json_parse(s, strlen(s), &root, &e), LX_OK);
    assert_int_equal(e.code, LX_OK);
    assert_non_null(root);
    return root;
}

static int parse_rc(const char *s, size_t len, size_t *offset)
{
    struct lx_json_err e = {0};
    cJSON *root = (cJSON *)&e; /* must be reset to NULL on failure */
    int rc = lx__json_parse(s, len, &root, &e);

    if (rc == LX_OK) {
        cJSON_Delete(root);
    } else {
        assert_null(root);
        assert_int_equal(e.code, rc);
    }
    if (offset != NULL) {
        *offset = e.offset;
    }
    return rc;
}

static void assert_dec(struct lx_decimal d, int64_t m, unsigned scale)
{
    assert_int_equal(d.m, m);
    assert_int_equal(d.scale, scale);
}

/* Reads a whole file through the test allocator; NULL if absent. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = lx__malloc(lx_test_mem(), (size_t)n + 1);
        assert_non_null(buf);
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static char *read_fixture(const char *name, size_t *len)
{
    char path[1024];
    char *buf;

    lx__snprintf(path, sizeof(path), "%s/%s", LX_JSON_FIXTURES, name);
    buf = read_all(path, len);
    if (buf == NULL) {
        fail_msg("cannot read %s", path);
    }
    return buf;
}

static cJSON *parse_fixture(const char *name)
{
    size_t len = 0;
    char *buf = read_fixture(name, &len);
    struct lx_json_err e = {0};
    cJSON *root = NULL;

    assert_int_equal(lx__json_parse(buf, len, &root, &e), LX_OK);
    lx__free(lx_test_mem(), buf);
    return root;
}

/* ---- parse -------------------------------------------------------------- */

static void test_parse_whitespace_and_garbage(void **state)
{
    size_t off = 0;
    (void)state;

    assert_int_equal(parse_rc(" \t\r\n{\"a\":1} \n\t\r", 15, NULL), LX_OK);
    assert_int_equal(parse_rc("[1,2]", 5, NULL), LX_OK);
    assert_int_equal(parse_rc("\"s\"", 3, NULL), LX_OK);
    assert_int_equal(parse_rc("{}x", 3, &off), LX_ERR_PARSE);
    assert_int_equal(off, 2);
    assert_int_equal(parse_rc("{} {}", 5, &off), LX_ERR_PARSE);
    assert_int_equal(off, 3);
    assert_int_equal(parse_rc("1 2", 3, &off), LX_ERR_PARSE);
    assert_int_equal(off, 2);
    /* A NUL counted in len is garbage, not a terminator. */
    assert_int_equal(parse_rc("{}", 3, &off), LX_ERR_PARSE);
    assert_int_equal(off, 2);
    assert_int_equal(parse_rc("", 0, &off), LX_ERR_PARSE);
    assert_int_equal(parse_rc("   ", 3, NULL), LX_ERR_PARSE);
    assert_int_equal(parse_rc("{\"a\":}", 6, &off), LX_ERR_PARSE);
    assert_in_range(off, 4, 5);
    assert_int_equal(parse_rc("[1,2", 4, NULL), LX_ERR_PARSE);
    assert_int_equal(parse_rc("{\"a\" 1}", 7, NULL), LX_ERR_PARSE);
    /* Only len bytes are read: what follows them does not matter. */
    assert_int_equal(parse_rc("[1,2]garbage", 5, NULL), LX_OK);
    assert_int_equal(parse_rc("[1,2]garbage", 4, NULL), LX_ERR_PARSE);
}

static void test_parse_control_bytes(void **state)
{
    size_t off = 0;
    (void)state;

    /* cJSON would skip these as whitespace; the prescan does not. */
    assert_int_equal(parse_rc("{\x01}", 3, &off), LX_ERR_PARSE);
    assert_int_equal(off, 1);
    assert_int_equal(parse_rc("[1,\0 2]", 7, &off), LX_ERR_PARSE);
    assert_int_equal(off, 3);
    assert_int_equal(parse_rc("\x0b[]", 3, &off), LX_ERR_PARSE);
    assert_int_equal(off, 0);
    /* Inside strings cJSON lets raw control bytes through. */
    assert_int_equal(parse_rc("\"a\x01z\"", 5, NULL), LX_OK);
}

static void test_parse_args(void **state)
{
    struct lx_json_err e = {0};
    cJSON *root = NULL;
    (void)state;

    assert_int_equal(lx__json_parse(NULL, 0, &root, &e), LX_ERR_INVAL);
    assert_int_equal(e.code, LX_ERR_INVAL);
    assert_int_equal(lx__json_parse("{}", 2, NULL, NULL), LX_ERR_INVAL);
    /* err is optional. */
    assert_int_equal(lx__json_parse("{", 1, &root, NULL), LX_ERR_PARSE);
    assert_null(root);
}

static void test_parse_size_cap(void **state)
{
    struct lx_json_err e = {0};
    cJSON *root = NULL;
    (void)state;

    assert_int_equal(lx__json_parse_lim("[1,2,3]", 7, 7, 8, &root, &e), LX_OK);
    cJSON_Delete(root);
    assert_int_equal(lx__json_parse_lim("[1,2,3]", 7, 6, 8, &root, &e),
                     LX_ERR_TOOBIG);
    assert_int_equal(e.code, LX_ERR_TOOBIG);
    /* The length check comes before any byte is read. */
    lx__json_err_clear(&e);
    assert_int_equal(lx__json_parse("{}", LX__JSON_MAX_INPUT + 1, &root, &e),
                     LX_ERR_TOOBIG);
    assert_null(root);
}

static void test_parse_depth_cap(void **state)
{
    char buf[2 * (LX__JSON_MAX_DEPTH + 1) + 1];
    size_t off = 0, d;
    (void)state;

    for (d = 0; d < LX__JSON_MAX_DEPTH; d++) {
        buf[d] = '[';
        buf[2 * LX__JSON_MAX_DEPTH - 1 - d] = ']';
    }
    assert_int_equal(parse_rc(buf, 2 * LX__JSON_MAX_DEPTH, NULL), LX_OK);
    for (d = 0; d <= LX__JSON_MAX_DEPTH; d++) {
        buf[d] = d % 2 ? '[' : '{';
    }
    assert_int_equal(parse_rc(buf, LX__JSON_MAX_DEPTH + 1, &off),
                     LX_ERR_TOOBIG);
    assert_int_equal(off, LX__JSON_MAX_DEPTH);
    /* Brackets inside strings, escaped quotes included, do not count. */
    assert_int_equal(parse_rc("[\"[[[[\\\"[[[[\"]", 14, NULL), LX_OK);
    {
        struct lx_json_err e = {0};
        cJSON *root = NULL;

        assert_int_equal(lx__json_parse_lim("[[1]]", 5, 100, 2, &root, &e),
                         LX_OK);
        cJSON_Delete(root);
        assert_int_equal(lx__json_parse_lim("[[[1]]]", 7, 100, 2, &root, &e),
                         LX_ERR_TOOBIG);
        assert_int_equal(e.offset, 2);
    }
}

static void test_parse_long_numbers(void **state)
{
    cJSON *root = parse_ok("[-9223372036854775808,9223372036854775808,"
                           "18446744073709551615,18446744073709551616,"
                           "1234567890123456789012,0.12345678901234567,"
                           "1.5e20,123456789012345]");
    int64_t i = 0;
    uint64_t u = 0;
    struct lx_decimal d = {0, 0};
    char out[256];
    (void)state;

    assert_int_equal(lx__json_at_i64(root, 0, &i, NULL), LX_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(lx__json_at_i64(root, 1, &i, NULL), LX_ERR_RANGE);
    assert_int_equal(lx__json_at_u64(root, 1, &u, NULL), LX_OK);
    assert_true(u == UINT64_C(9223372036854775808));
    assert_int_equal(lx__json_at_u64(root, 2, &u, NULL), LX_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(lx__json_at_u64(root, 3, &u, NULL), LX_ERR_RANGE);
    assert_int_equal(lx__json_at_u64(root, 4, &u, NULL), LX_ERR_RANGE);
    assert_int_equal(lx__json_at_decimal(root, 5, &d, NULL), LX_OK);
    assert_dec(d, INT64_C(12345678901234567), 17);
    /* A number with an exponent stays a double: 2^53 is the limit. */
    assert_true(cJSON_IsNumber(cJSON_GetArrayItem(root, 6)));
    assert_int_equal(lx__json_at_i64(root, 6, &i, NULL), LX_ERR_RANGE);
    /* 15 digits still fit a double and stay a number. */
    assert_true(cJSON_IsNumber(cJSON_GetArrayItem(root, 7)));
    assert_int_equal(lx__json_at_i64(root, 7, &i, NULL), LX_OK);
    assert_true(i == INT64_C(123456789012345));
    assert_true(cJSON_IsRaw(cJSON_GetArrayItem(root, 0)));
    /* Printing gives the wire digits back. */
    {
        static const char want[] = "[-9223372036854775808,9223372036854775808,"
                                   "18446744073709551615,18446744073709551616,"
                                   "1234567890123456789012,0.12345678901234567,"
                                   "1.5e+20,123456789012345]";

        assert_int_equal(lx__json_print_buf(root, out, sizeof(out)),
                         (int)strlen(want));
        assert_string_equal(out, want);
    }
    cJSON_Delete(root);
}

/* ---- getters by key ------------------------------------------------------ */

#define OBJ                                                                    \
    "{\"s\":\"BTCUSDT\",\"n\":42,\"z\":null,\"t\":true,\"f\":false,"           \
    "\"o\":{\"k\":1},\"a\":[1,2],\"ns\":\"-17\",\"fr\":1.5,\"e\":\"x\","       \
    "\"E\":7}"

static void test_get_str(void **state)
{
    cJSON *root = parse_ok(OBJ);
    struct lx_json_err e = {0};
    const char *s = "junk";
    size_t len = 99;
    (void)state;

    assert_int_equal(lx__json_get_str(root, "s", &s, &len, &e), LX_OK);
    assert_string_equal(s, "BTCUSDT");
    assert_int_equal(len, 7);
    assert_int_equal(lx__json_get_str(root, "s", &s, NULL, &e), LX_OK);
    assert_int_equal(e.code, LX_OK);

    assert_int_equal(lx__json_get_str(root, "missing", &s, &len, &e),
                     LX_ERR_NOTFOUND);
    assert_null(s);
    assert_int_equal(len, 0);
    assert_int_equal(e.code, LX_ERR_NOTFOUND);
    assert_string_equal(e.path, "missing");

    lx__json_err_clear(&e);
    assert_int_equal(lx__json_get_str(root, "z", &s, &len, &e), LX_ERR_TYPE);
    assert_string_equal(e.path, "z");
    assert_int_equal(lx__json_get_str(root, "n", &s, NULL, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_str(root, "o", &s, NULL, NULL), LX_ERR_TYPE);
    /* Not an object, NULL object, NULL out. */
    assert_int_equal(
        lx__json_get_str(cJSON_GetObjectItem(root, "a"), "s", &s, NULL, NULL),
        LX_ERR_TYPE);
    assert_int_equal(lx__json_get_str(NULL, "s", &s, NULL, NULL), LX_ERR_INVAL);
    assert_int_equal(lx__json_get_str(root, NULL, &s, NULL, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__json_get_str(root, "s", NULL, NULL, NULL),
                     LX_ERR_INVAL);
    /* Keys are case-sensitive, as Binance needs. */
    assert_int_equal(lx__json_get_str(root, "e", &s, NULL, NULL), LX_OK);
    assert_string_equal(s, "x");
    assert_int_equal(lx__json_get_str(root, "E", &s, NULL, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_str(root, "S", &s, NULL, NULL),
                     LX_ERR_NOTFOUND);
    cJSON_Delete(root);
}

static void test_get_i64(void **state)
{
    cJSON *root = parse_ok(OBJ);
    struct lx_json_err e = {0};
    int64_t v = 5;
    (void)state;

    assert_int_equal(lx__json_get_i64(root, "n", &v, &e), LX_OK);
    assert_int_equal(v, 42);
    assert_int_equal(lx__json_get_i64(root, "ns", &v, &e), LX_OK);
    assert_int_equal(v, -17);
    assert_int_equal(lx__json_get_i64(root, "E", &v, &e), LX_OK);
    assert_int_equal(v, 7);
    assert_int_equal(e.code, LX_OK);
    assert_int_equal(lx__json_get_i64(root, "nope", &v, &e), LX_ERR_NOTFOUND);
    assert_int_equal(v, 0);
    assert_int_equal(lx__json_get_i64(root, "z", &v, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_i64(root, "t", &v, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_i64(root, "a", &v, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_i64(root, "fr", &v, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_i64(root, "s", &v, NULL), LX_ERR_PARSE);
    assert_int_equal(lx__json_get_i64(NULL, "n", &v, NULL), LX_ERR_INVAL);
    cJSON_Delete(root);
}

struct int_case {
    const char *json;
    int rc_i64;
    int64_t i64;
    int rc_u64;
    uint64_t u64;
};

static void test_int_limits(void **state)
{
    static const struct int_case cases[] = {
        {"\"9223372036854775807\"", LX_OK, INT64_MAX, LX_OK,
         UINT64_C(9223372036854775807)},
        {"\"9223372036854775808\"", LX_ERR_RANGE, 0, LX_OK,
         UINT64_C(9223372036854775808)},
        {"\"-9223372036854775808\"", LX_OK, INT64_MIN, LX_ERR_RANGE, 0},
        {"\"-9223372036854775809\"", LX_ERR_RANGE, 0, LX_ERR_RANGE, 0},
        {"\"18446744073709551615\"", LX_ERR_RANGE, 0, LX_OK, UINT64_MAX},
        {"\"18446744073709551616\"", LX_ERR_RANGE, 0, LX_ERR_RANGE, 0},
        {"\"-1\"", LX_OK, -1, LX_ERR_RANGE, 0},
        {"\"-0\"", LX_OK, 0, LX_OK, 0},
        {"\"\"", LX_ERR_PARSE, 0, LX_ERR_PARSE, 0},
        {"\"12a\"", LX_ERR_PARSE, 0, LX_ERR_PARSE, 0},
        {"\"1.0\"", LX_ERR_PARSE, 0, LX_ERR_PARSE, 0},
        {"\" 1\"", LX_ERR_PARSE, 0, LX_ERR_PARSE, 0},
        {"-1", LX_OK, -1, LX_ERR_RANGE, 0},
        {"0", LX_OK, 0, LX_OK, 0},
        {"-0.0", LX_OK, 0, LX_OK, 0},
        {"1e3", LX_OK, 1000, LX_OK, 1000},
        {"2.5", LX_ERR_TYPE, 0, LX_ERR_TYPE, 0},
        {"1e300", LX_ERR_RANGE, 0, LX_ERR_RANGE, 0},
        {"-1e300", LX_ERR_RANGE, 0, LX_ERR_RANGE, 0},
        {"1e999", LX_ERR_RANGE, 0, LX_ERR_RANGE, 0}, /* cJSON: inf */
        {"4984028384061", LX_OK, INT64_C(4984028384061), LX_OK,
         UINT64_C(4984028384061)},
        {"1723161255343", LX_OK, INT64_C(1723161255343), LX_OK,
         UINT64_C(1723161255343)},
    };
    size_t i;
    (void)state;

    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        cJSON *item = parse_ok(cases[i].json);
        int64_t v = 3;
        uint64_t u = 3;

        assert_int_equal(lx__json_as_i64(item, &v, NULL), cases[i].rc_i64);
        assert_true(v == cases[i].i64);
        assert_int_equal(lx__json_as_u64(item, &u, NULL), cases[i].rc_u64);
        assert_true(u == cases[i].u64);
        cJSON_Delete(item);
    }
}

static void test_safe_integer_limit(void **state)
{
    cJSON *max = cJSON_CreateNumber((double)LX__JSON_MAX_SAFE_INT);
    cJSON *min = cJSON_CreateNumber(-(double)LX__JSON_MAX_SAFE_INT);
    cJSON *over = cJSON_CreateNumber(9007199254740992.0);
    cJSON *under = cJSON_CreateNumber(-9007199254740992.0);
    int64_t v = 0;
    uint64_t u = 0;
    (void)state;

    assert_int_equal(lx__json_as_i64(max, &v, NULL), LX_OK);
    assert_true(v == LX__JSON_MAX_SAFE_INT);
    assert_int_equal(lx__json_as_u64(max, &u, NULL), LX_OK);
    assert_true(u == (uint64_t)LX__JSON_MAX_SAFE_INT);
    assert_int_equal(lx__json_as_i64(min, &v, NULL), LX_OK);
    assert_true(v == -LX__JSON_MAX_SAFE_INT);
    assert_int_equal(lx__json_as_i64(over, &v, NULL), LX_ERR_RANGE);
    assert_int_equal(lx__json_as_u64(over, &u, NULL), LX_ERR_RANGE);
    assert_int_equal(lx__json_as_i64(under, &v, NULL), LX_ERR_RANGE);
    cJSON_Delete(max);
    cJSON_Delete(min);
    cJSON_Delete(over);
    cJSON_Delete(under);
}

static void test_get_u64(void **state)
{
    cJSON *root = parse_ok(OBJ);
    struct lx_json_err e = {0};
    uint64_t v = 5;
    (void)state;

    assert_int_equal(lx__json_get_u64(root, "n", &v, &e), LX_OK);
    assert_int_equal(v, 42);
    assert_int_equal(lx__json_get_u64(root, "ns", &v, &e), LX_ERR_RANGE);
    assert_int_equal(v, 0);
    assert_string_equal(e.path, "ns");
    assert_int_equal(lx__json_get_u64(root, "nope", &v, NULL), LX_ERR_NOTFOUND);
    assert_int_equal(lx__json_get_u64(root, "z", &v, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_u64(root, "f", &v, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_u64(root, "fr", &v, NULL), LX_ERR_TYPE);
    cJSON_Delete(root);
}

static void test_get_bool(void **state)
{
    cJSON *root = parse_ok(OBJ);
    cJSON *strs = parse_ok("{\"t\":\"true\",\"one\":1}");
    bool b = false;
    (void)state;

    assert_int_equal(lx__json_get_bool(root, "t", &b, NULL), LX_OK);
    assert_true(b);
    assert_int_equal(lx__json_get_bool(root, "f", &b, NULL), LX_OK);
    assert_false(b);
    b = true;
    assert_int_equal(lx__json_get_bool(root, "nope", &b, NULL),
                     LX_ERR_NOTFOUND);
    assert_false(b);
    assert_int_equal(lx__json_get_bool(root, "z", &b, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_bool(strs, "t", &b, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_bool(strs, "one", &b, NULL), LX_ERR_TYPE);
    cJSON_Delete(root);
    cJSON_Delete(strs);
}

static void test_get_obj_arr(void **state)
{
    cJSON *root = parse_ok(OBJ);
    const cJSON *o = NULL, *a = NULL;
    int64_t v = 0;
    (void)state;

    assert_int_equal(lx__json_get_obj(root, "o", &o, NULL), LX_OK);
    assert_int_equal(lx__json_get_i64(o, "k", &v, NULL), LX_OK);
    assert_int_equal(v, 1);
    assert_int_equal(lx__json_get_arr(root, "a", &a, NULL), LX_OK);
    assert_int_equal(cJSON_GetArraySize(a), 2);
    assert_int_equal(lx__json_get_obj(root, "a", &o, NULL), LX_ERR_TYPE);
    assert_null(o);
    assert_int_equal(lx__json_get_arr(root, "o", &a, NULL), LX_ERR_TYPE);
    assert_null(a);
    assert_int_equal(lx__json_get_obj(root, "nope", &o, NULL), LX_ERR_NOTFOUND);
    assert_int_equal(lx__json_get_arr(root, "nope", &a, NULL), LX_ERR_NOTFOUND);
    assert_int_equal(lx__json_get_obj(root, "z", &o, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_arr(root, "z", &a, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_arr(root, "s", &a, NULL), LX_ERR_TYPE);
    cJSON_Delete(root);
}

/* ---- decimals ----------------------------------------------------------- */

struct dec_case {
    const char *json;
    int rc;
    int64_t m;
    unsigned scale;
};

static void test_decimal_strings_and_numbers(void **state)
{
    static const struct dec_case cases[] = {
        /* Strings are exact, trailing zeros and all. */
        {"\"0.00100000\"", LX_OK, 100000, 8},
        {"\"61837.63000000\"", LX_OK, INT64_C(6183763000000), 8},
        {"\"0.00000000\"", LX_OK, 0, 8},
        {"\"-1.5\"", LX_OK, -15, 1},
        {"\"12\"", LX_OK, 12, 0},
        /* Numbers: the shortest text that reads back as cJSON's double. */
        {"0.1", LX_OK, 1, 1},
        {"1e-8", LX_OK, 1, 8},
        {"1E-8", LX_OK, 1, 8},
        {"123.456", LX_OK, 123456, 3},
        {"60000.5", LX_OK, 600005, 1},
        {"60000.50", LX_OK, 600005, 1},
        {"0.0015", LX_OK, 15, 4},
        {"4714.0", LX_OK, 4714, 0},
        {"0", LX_OK, 0, 0},
        {"-0.0", LX_OK, 0, 0},
        {"-2.5", LX_OK, -25, 1},
        {"100", LX_OK, 100, 0},
        {"1e5", LX_OK, 100000, 0},
        {"2.5e-3", LX_OK, 25, 4},
        {"105056.0", LX_OK, 105056, 0},
        {"0.000123456789", LX_OK, 123456789, 12},
        {"999999999999999", LX_OK, INT64_C(999999999999999), 0},
        {"1e300", LX_ERR_RANGE, 0, 0},
        {"5e-324", LX_ERR_RANGE, 0, 0},
        {"1e999", LX_ERR_RANGE, 0, 0},
        /* Wrong JSON types. */
        {"true", LX_ERR_TYPE, 0, 0},
        {"null", LX_ERR_TYPE, 0, 0},
        {"[\"1\"]", LX_ERR_TYPE, 0, 0},
        {"{}", LX_ERR_TYPE, 0, 0},
    };
    size_t i;
    (void)state;

    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        cJSON *item = parse_ok(cases[i].json);
        struct lx_decimal d = {7, 7};

        assert_int_equal(lx__json_as_decimal(item, &d, NULL), cases[i].rc);
        assert_dec(d, cases[i].m, cases[i].scale);
        cJSON_Delete(item);
    }
}

static void test_decimal_from_doubles(void **state)
{
    /* Doubles that need 16 and 17 digits to round-trip. */
    cJSON *a = cJSON_CreateNumber(0.1 + 0.2);
    cJSON *b = cJSON_CreateNumber(1.0 / 3.0);
    cJSON *c = cJSON_CreateNumber(9007199254740993.0);
    struct lx_decimal d = {0, 0};
    (void)state;

    assert_int_equal(lx__json_as_decimal(a, &d, NULL), LX_OK);
    assert_dec(d, INT64_C(30000000000000004), 17);
    assert_int_equal(lx__json_as_decimal(b, &d, NULL), LX_OK);
    assert_dec(d, INT64_C(3333333333333333), 16);
    assert_int_equal(lx__json_as_decimal(c, &d, NULL), LX_OK);
    assert_dec(d, INT64_C(9007199254740992), 0);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}

static void test_get_decimal(void **state)
{
    cJSON *root = parse_ok("{\"p\":\"61837.63000000\",\"px\":60000.5,"
                           "\"bad\":\"1.2.3\",\"z\":null,\"b\":false}");
    struct lx_json_err e = {0};
    struct lx_decimal d = {1, 1};
    (void)state;

    assert_int_equal(lx__json_get_decimal(root, "p", &d, &e), LX_OK);
    assert_dec(d, INT64_C(6183763000000), 8);
    assert_int_equal(lx__json_get_decimal(root, "px", &d, &e), LX_OK);
    assert_dec(d, 600005, 1);
    assert_int_equal(e.code, LX_OK);
    assert_int_equal(lx__json_get_decimal(root, "q", &d, &e), LX_ERR_NOTFOUND);
    assert_dec(d, 0, 0);
    assert_string_equal(e.path, "q");
    assert_int_equal(lx__json_get_decimal(root, "bad", &d, NULL), LX_ERR_PARSE);
    assert_int_equal(lx__json_get_decimal(root, "z", &d, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_get_decimal(root, "b", &d, NULL), LX_ERR_TYPE);
    cJSON_Delete(root);
}

/* ---- optional getters --------------------------------------------------- */

static void test_opt_getters(void **state)
{
    cJSON *root = parse_ok(OBJ);
    const struct lx_decimal def = {5, 2};
    struct lx_decimal d = {0, 0};
    const char *s = NULL;
    size_t len = 0;
    int64_t i = 0;
    uint64_t u = 0;
    bool b = false;
    const cJSON *c = root;
    (void)state;

    /* Missing and null give the default. */
    assert_int_equal(lx__json_opt_str(root, "nope", "dflt", &s, &len, NULL),
                     LX_OK);
    assert_string_equal(s, "dflt");
    assert_int_equal(len, 4);
    assert_int_equal(lx__json_opt_str(root, "z", NULL, &s, &len, NULL), LX_OK);
    assert_null(s);
    assert_int_equal(len, 0);
    assert_int_equal(lx__json_opt_i64(root, "z", -9, &i, NULL), LX_OK);
    assert_int_equal(i, -9);
    assert_int_equal(lx__json_opt_u64(root, "nope", 9, &u, NULL), LX_OK);
    assert_int_equal(u, 9);
    assert_int_equal(lx__json_opt_bool(root, "nope", true, &b, NULL), LX_OK);
    assert_true(b);
    assert_int_equal(lx__json_opt_decimal(root, "z", def, &d, NULL), LX_OK);
    assert_dec(d, 5, 2);
    assert_int_equal(lx__json_opt_obj(root, "nope", &c, NULL), LX_OK);
    assert_null(c);
    c = root;
    assert_int_equal(lx__json_opt_arr(root, "z", &c, NULL), LX_OK);
    assert_null(c);

    /* Present values win over the default. */
    assert_int_equal(lx__json_opt_str(root, "s", "dflt", &s, &len, NULL),
                     LX_OK);
    assert_string_equal(s, "BTCUSDT");
    assert_int_equal(lx__json_opt_i64(root, "n", -9, &i, NULL), LX_OK);
    assert_int_equal(i, 42);
    assert_int_equal(lx__json_opt_u64(root, "n", 9, &u, NULL), LX_OK);
    assert_int_equal(u, 42);
    assert_int_equal(lx__json_opt_bool(root, "f", true, &b, NULL), LX_OK);
    assert_false(b);
    assert_int_equal(lx__json_opt_decimal(root, "fr", def, &d, NULL), LX_OK);
    assert_dec(d, 15, 1);
    assert_int_equal(lx__json_opt_obj(root, "o", &c, NULL), LX_OK);
    assert_true(cJSON_IsObject(c));
    assert_int_equal(lx__json_opt_arr(root, "a", &c, NULL), LX_OK);
    assert_true(cJSON_IsArray(c));

    /* A present value of the wrong type is still an error. */
    assert_int_equal(lx__json_opt_str(root, "n", "dflt", &s, &len, NULL),
                     LX_ERR_TYPE);
    assert_null(s);
    assert_int_equal(lx__json_opt_i64(root, "s", 1, &i, NULL), LX_ERR_PARSE);
    assert_int_equal(lx__json_opt_i64(root, "t", 1, &i, NULL), LX_ERR_TYPE);
    assert_int_equal(i, 0);
    assert_int_equal(lx__json_opt_u64(root, "o", 1, &u, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_opt_bool(root, "n", true, &b, NULL), LX_ERR_TYPE);
    assert_false(b);
    assert_int_equal(lx__json_opt_decimal(root, "t", def, &d, NULL),
                     LX_ERR_TYPE);
    assert_dec(d, 0, 0);
    assert_int_equal(lx__json_opt_obj(root, "a", &c, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_opt_arr(root, "o", &c, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_opt_i64(NULL, "n", 1, &i, NULL), LX_ERR_INVAL);
    cJSON_Delete(root);
}

/* ---- index getters and converters --------------------------------------- */

static void test_at_getters(void **state)
{
    cJSON *root = parse_ok("[[\"61737.63000000\",\"0.00000000\"],"
                           "\"7\",{\"x\":1},null,5,[\"0\",\"4\"]]");
    struct lx_json_err e = {0};
    const cJSON *lvl = NULL, *o = NULL;
    struct lx_decimal d = {0, 0};
    const char *s = NULL;
    size_t len = 0;
    int64_t i = 0;
    uint64_t u = 0;
    (void)state;

    assert_int_equal(lx__json_at_arr(root, 0, &lvl, &e), LX_OK);
    assert_int_equal(lx__json_at_decimal(lvl, 0, &d, &e), LX_OK);
    assert_dec(d, INT64_C(6173763000000), 8);
    assert_int_equal(lx__json_at_decimal(lvl, 1, &d, &e), LX_OK);
    assert_dec(d, 0, 8);
    assert_int_equal(lx__json_at_str(lvl, 1, &s, &len, &e), LX_OK);
    assert_string_equal(s, "0.00000000");
    assert_int_equal(len, 10);
    assert_int_equal(e.code, LX_OK);
    assert_int_equal(lx__json_at_decimal(lvl, 2, &d, &e), LX_ERR_NOTFOUND);
    assert_string_equal(e.path, "[2]");

    assert_int_equal(lx__json_at_i64(root, 1, &i, NULL), LX_OK);
    assert_int_equal(i, 7);
    assert_int_equal(lx__json_at_u64(root, 4, &u, NULL), LX_OK);
    assert_int_equal(u, 5);
    assert_int_equal(lx__json_at_obj(root, 2, &o, NULL), LX_OK);
    assert_true(cJSON_IsObject(o));
    assert_int_equal(lx__json_at_obj(root, 0, &o, NULL), LX_ERR_TYPE);
    assert_null(o);
    assert_int_equal(lx__json_at_str(root, 3, &s, NULL, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_at_i64(root, 3, &i, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_at_str(root, 4, &s, NULL, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_at_arr(root, 6, &lvl, NULL), LX_ERR_NOTFOUND);
    assert_null(lvl);
    assert_int_equal(lx__json_at_i64(root, (size_t)-1, &i, NULL),
                     LX_ERR_NOTFOUND);
    /* Not an array, NULL array, NULL out. */
    assert_int_equal(lx__json_at_obj(root, 2, &o, NULL), LX_OK);
    assert_int_equal(lx__json_at_str(o, 0, &s, NULL, NULL), LX_ERR_TYPE);
    assert_int_equal(lx__json_at_str(NULL, 0, &s, NULL, NULL), LX_ERR_INVAL);
    assert_int_equal(lx__json_at_str(root, 1, NULL, NULL, NULL), LX_ERR_INVAL);
    /* OKX-style counts as strings. */
    assert_int_equal(lx__json_at_arr(root, 5, &lvl, NULL), LX_OK);
    assert_int_equal(lx__json_at_i64(lvl, 1, &i, NULL), LX_OK);
    assert_int_equal(i, 4);
    cJSON_Delete(root);
}

static void test_as_converters(void **state)
{
    cJSON *root = parse_ok("[\"a\",true,\"0.5\",-3]");
    const cJSON *it;
    const char *s = NULL;
    bool b = false;
    int64_t i = 0;
    struct lx_decimal d = {0, 0};
    struct lx_json_err e = {0};
    int n = 0;
    (void)state;

    cJSON_ArrayForEach (it, root) {
        n++;
    }
    assert_int_equal(n, 4);
    assert_int_equal(lx__json_as_str(root->child, &s, NULL, NULL), LX_OK);
    assert_string_equal(s, "a");
    assert_int_equal(lx__json_as_bool(root->child->next, &b, NULL), LX_OK);
    assert_true(b);
    assert_int_equal(lx__json_as_decimal(root->child->next->next, &d, NULL),
                     LX_OK);
    assert_dec(d, 5, 1);
    assert_int_equal(lx__json_as_i64(root->child->next->next->next, &i, NULL),
                     LX_OK);
    assert_int_equal(i, -3);
    assert_int_equal(lx__json_as_bool(root->child, &b, &e), LX_ERR_TYPE);
    assert_int_equal(e.code, LX_ERR_TYPE);
    assert_string_equal(e.path, "");
    {
        char msg[64];

        lx__json_err_format(&e, msg, sizeof(msg));
        assert_string_equal(msg, "value has the wrong type");
        lx__json_err_prefix(&e, "[0]");
        lx__json_err_format(&e, msg, sizeof(msg));
        assert_string_equal(msg, "field '[0]' has the wrong type");
    }
    assert_int_equal(lx__json_as_str(NULL, &s, NULL, NULL), LX_ERR_INVAL);
    assert_int_equal(lx__json_as_i64(root, NULL, NULL), LX_ERR_INVAL);
    cJSON_Delete(root);
}

/* ---- error context ------------------------------------------------------ */

static void test_err_context(void **state)
{
    cJSON *root = parse_ok("{\"data\":{\"U\":\"x\",\"b\":[[\"1\"]]}}");
    struct lx_json_err e = {0};
    const cJSON *d = NULL, *b = NULL, *lvl = NULL;
    int64_t v = 0;
    struct lx_decimal q;
    char key[200], msg[160];
    (void)state;

    /* A chain shares one err; the first failure is the one kept. */
    lx__json_get_obj(root, "data", &d, &e);
    lx__json_get_i64(d, "lastUpdateId", &v, &e);
    lx__json_get_i64(d, "U", &v, &e);
    assert_int_equal(e.code, LX_ERR_NOTFOUND);
    assert_string_equal(e.path, "lastUpdateId");
    assert_int_equal(lx__json_err_format(&e, msg, sizeof(msg)), 28);
    assert_string_equal(msg, "missing field 'lastUpdateId'");
    lx__json_err_prefix(&e, "data");
    assert_string_equal(e.path, "data.lastUpdateId");

    /* A failed get_obj leaves NULL, and the next getters say INVAL. */
    lx__json_err_clear(&e);
    lx__json_get_obj(root, "nope", &d, &e);
    assert_null(d);
    assert_int_equal(lx__json_get_i64(d, "U", &v, &e), LX_ERR_INVAL);
    assert_string_equal(e.path, "nope");

    lx__json_err_clear(&e);
    lx__json_get_obj(root, "data", &d, &e);
    lx__json_get_arr(d, "b", &b, &e);
    lx__json_at_arr(b, 0, &lvl, &e);
    lx__json_at_decimal(lvl, 1, &q, &e);
    assert_int_equal(e.code, LX_ERR_NOTFOUND);
    assert_string_equal(e.path, "[1]");
    lx__json_err_prefix(&e, "[0]");
    lx__json_err_prefix(&e, "b");
    lx__json_err_prefix(&e, "data");
    assert_string_equal(e.path, "data.b[0][1]");
    lx__json_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "missing field 'data.b[0][1]'");

    lx__json_err_clear(&e);
    lx__json_get_i64(d, "U", &v, &e);
    lx__json_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "field 'U': malformed input");
    lx__json_err_clear(&e);
    lx__json_get_arr(d, "U", &b, &e);
    lx__json_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "field 'U' has the wrong type");

    /* Long keys are truncated, never overflowed. */
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    lx__json_err_clear(&e);
    assert_int_equal(lx__json_get_i64(root, key, &v, &e), LX_ERR_NOTFOUND);
    assert_int_equal(strlen(e.path), sizeof(e.path) - 1);
    lx__json_err_prefix(&e, "data");
    assert_int_equal(strlen(e.path), sizeof(e.path) - 1);
    assert_memory_equal(e.path, "data.kkk", 8);

    /* Parse errors carry an offset and format with it. */
    lx__json_err_clear(&e);
    cJSON_Delete(root);
    assert_int_equal(lx__json_parse("{}x", 3, &root, &e), LX_ERR_PARSE);
    lx__json_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "malformed JSON at byte 2");
    lx__json_err_clear(&e);
    lx__json_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "no error");
    lx__json_err_format(NULL, msg, sizeof(msg));
    assert_string_equal(msg, "no error");
    /* Prefixing a clear err does nothing; NULL err is fine everywhere. */
    lx__json_err_prefix(&e, "data");
    assert_string_equal(e.path, "");
    lx__json_err_prefix(NULL, "data");
    lx__json_err_clear(NULL);
}

/* ---- tree writers ------------------------------------------------------- */

static void test_tree_writers(void **state)
{
    cJSON *o = cJSON_CreateObject();
    const struct lx_decimal p = {100000, 8}, neg = {-5, 3};
    char out[512];
    int n;
    int64_t v = 0;
    uint64_t u = 0;
    struct lx_decimal d = {0, 0};
    (void)state;

    assert_non_null(o);
    assert_int_equal(lx__json_add_decimal(o, "p", p), LX_OK);
    assert_int_equal(lx__json_add_decimal(o, "n", neg), LX_OK);
    assert_int_equal(lx__json_add_i64(o, "zero", 0), LX_OK);
    assert_int_equal(lx__json_add_i64(o, "m1", -1), LX_OK);
    assert_int_equal(lx__json_add_i64(o, "p15", INT64_C(999999999999999)),
                     LX_OK);
    assert_int_equal(lx__json_add_i64(o, "e15", INT64_C(1000000000000000)),
                     LX_OK);
    assert_int_equal(lx__json_add_i64(o, "max", INT64_MAX), LX_OK);
    assert_int_equal(lx__json_add_i64(o, "min", INT64_MIN), LX_OK);
    assert_int_equal(lx__json_add_u64(o, "umax", UINT64_MAX), LX_OK);
    assert_int_equal(lx__json_add_i64(o, "E", INT64_C(1723161255343)), LX_OK);
    n = lx__json_print_buf(o, out, sizeof(out));
    assert_string_equal(out, "{\"p\":\"0.00100000\",\"n\":\"-0.005\","
                             "\"zero\":0,\"m1\":-1,\"p15\":999999999999999,"
                             "\"e15\":1000000000000000,"
                             "\"max\":9223372036854775807,"
                             "\"min\":-9223372036854775808,"
                             "\"umax\":18446744073709551615,"
                             "\"E\":1723161255343}");
    assert_int_equal(n, (int)strlen(out));

    /* The getters read every one back exactly. */
    assert_int_equal(lx__json_get_decimal(o, "p", &d, NULL), LX_OK);
    assert_dec(d, 100000, 8);
    assert_int_equal(lx__json_get_i64(o, "min", &v, NULL), LX_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(lx__json_get_i64(o, "e15", &v, NULL), LX_OK);
    assert_true(v == INT64_C(1000000000000000));
    assert_int_equal(lx__json_get_u64(o, "umax", &u, NULL), LX_OK);
    assert_true(u == UINT64_MAX);

    /* Too small a buffer, bad arguments. */
    assert_int_equal(lx__json_print_buf(o, out, 20), LX_ERR_TOOBIG);
    assert_string_equal(out, "");
    assert_int_equal(lx__json_print_buf(o, out, 0), LX_ERR_INVAL);
    assert_int_equal(lx__json_print_buf(NULL, out, sizeof(out)), LX_ERR_INVAL);
    assert_int_equal(lx__json_add_i64(NULL, "x", 1), LX_ERR_INVAL);
    assert_int_equal(lx__json_add_decimal(o, NULL, p), LX_ERR_INVAL);
    {
        cJSON *arr = cJSON_CreateArray();

        assert_int_equal(lx__json_add_u64(arr, "x", 1), LX_ERR_INVAL);
        cJSON_Delete(arr);
    }
    cJSON_Delete(o);
}

/* ---- streaming writer --------------------------------------------------- */

static void test_jw_binance_trade_exact(void **state)
{
    size_t len = 0;
    char *want = read_fixture("binance-spot-trade.json", &len);
    const struct lx_decimal p = {INT64_C(6183763000000), 8};
    const struct lx_decimal q = {2000000, 8};
    char buf[256];
    struct lx__jw w;
    (void)state;

    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "stream");
    lx__jw_str(&w, "btcusdt@trade");
    lx__jw_key(&w, "data");
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "e");
    lx__jw_str(&w, "trade");
    lx__jw_key(&w, "E");
    lx__jw_i64(&w, INT64_C(1723161255343));
    lx__jw_key(&w, "s");
    lx__jw_str(&w, "BTCUSDT");
    lx__jw_key(&w, "t");
    lx__jw_u64(&w, UINT64_C(3735683259));
    lx__jw_key(&w, "p");
    lx__jw_decimal(&w, p);
    lx__jw_key(&w, "q");
    lx__jw_decimal(&w, q);
    lx__jw_key(&w, "T");
    lx__jw_i64(&w, INT64_C(1723161255342));
    lx__jw_key(&w, "m");
    lx__jw_bool(&w, true);
    lx__jw_key(&w, "M");
    lx__jw_bool(&w, true);
    lx__jw_obj_end(&w);
    lx__jw_obj_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    /* The fixture is the sample's line, newline included. */
    assert_int_equal(w.len + 1, len);
    assert_memory_equal(w.buf, want, w.len);
    assert_int_equal(w.buf[w.len], '\0');
    lx__free(lx_test_mem(), want);
}

static void test_jw_depth_levels_exact(void **state)
{
    static const char want[] =
        "{\"lastUpdateId\":50093239218,\"bids\":[[\"61837.63000000\","
        "\"3.78826000\"]],\"asks\":[[\"61837.64000000\",\"1.54698000\"],"
        "[\"61839.85000000\",\"0.00000000\"]],\"x\":null,\"r\":[1,-2]}";
    const struct lx_decimal lv[3][2] = {
        {{INT64_C(6183763000000), 8}, {378826000, 8}},
        {{INT64_C(6183764000000), 8}, {154698000, 8}},
        {{INT64_C(6183985000000), 8}, {0, 8}},
    };
    char buf[256];
    struct lx__jw w;
    size_t i;
    (void)state;

    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "lastUpdateId");
    lx__jw_u64(&w, UINT64_C(50093239218));
    for (i = 0; i < 3; i++) {
        if (i < 2) {
            lx__jw_key(&w, i == 0 ? "bids" : "asks");
            lx__jw_arr_begin(&w);
        }
        lx__jw_arr_begin(&w);
        lx__jw_decimal(&w, lv[i][0]);
        lx__jw_decimal(&w, lv[i][1]);
        lx__jw_arr_end(&w);
        if (i != 1) {
            lx__jw_arr_end(&w);
        }
    }
    lx__jw_key_n(&w, "xyz", 1);
    lx__jw_null(&w);
    lx__jw_key(&w, "r");
    lx__jw_raw(&w, "[1,-2]", 6);
    lx__jw_obj_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    assert_string_equal(w.buf, want);
    assert_int_equal(w.len, strlen(want));

    /* reset starts over in the same buffer. */
    lx__jw_reset(&w);
    assert_int_equal(w.len, 0);
    lx__jw_arr_begin(&w);
    lx__jw_arr_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    assert_string_equal(w.buf, "[]");
}

static void test_jw_escaping(void **state)
{
    static const char *const ctl[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
        "\\u0006", "\\u0007", "\\b",     "\\t",     "\\n",     "\\u000b",
        "\\f",     "\\r",     "\\u000e", "\\u000f", "\\u0010", "\\u0011",
        "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d",
        "\\u001e", "\\u001f"};
    char buf[64], want[64];
    struct lx__jw w;
    unsigned c;
    (void)state;

    for (c = 0; c < 32; c++) {
        char in = (char)c;

        lx__jw_init(&w, buf, sizeof(buf));
        lx__jw_str_n(&w, &in, 1);
        assert_int_equal(lx__jw_finish(&w), LX_OK);
        lx__snprintf(want, sizeof(want), "\"%s\"", ctl[c]);
        assert_string_equal(buf, want);
    }
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_str(&w, "a\"b\\c/d\x7f\xe2\x82\xac \xf0\x9f\x9a\x80");
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    assert_string_equal(buf,
                        "\"a\\\"b\\\\c/d\x7f\xe2\x82\xac \xf0\x9f\x9a\x80\"");
    /* Keys are escaped too; an empty string is "". */
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "k\"\n");
    lx__jw_str(&w, "");
    lx__jw_obj_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    assert_string_equal(buf, "{\"k\\\"\\n\":\"\"}");
}

static void test_jw_round_trip(void **state)
{
    char all[256], buf[2048];
    const struct lx_decimal dec = {-123456789, 4};
    struct lx__jw w;
    cJSON *root = NULL;
    const cJSON *arr = NULL;
    const char *s = NULL;
    size_t len = 0, i;
    int64_t v = 0;
    uint64_t u = 0;
    bool b = true;
    struct lx_decimal d = {0, 0};
    (void)state;

    for (i = 0; i < 255; i++) {
        all[i] = (char)(i + 1); /* every byte but NUL */
    }
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "all");
    lx__jw_str_n(&w, all, 127); /* the ASCII range: valid UTF-8 */
    lx__jw_key(&w, "min");
    lx__jw_i64(&w, INT64_MIN);
    lx__jw_key(&w, "max");
    lx__jw_i64(&w, INT64_MAX);
    lx__jw_key(&w, "umax");
    lx__jw_u64(&w, UINT64_MAX);
    lx__jw_key(&w, "dec");
    lx__jw_decimal(&w, dec);
    lx__jw_key(&w, "f");
    lx__jw_bool(&w, false);
    lx__jw_key(&w, "n");
    lx__jw_null(&w);
    lx__jw_key(&w, "nest");
    lx__jw_arr_begin(&w);
    lx__jw_arr_begin(&w);
    lx__jw_arr_end(&w);
    lx__jw_obj_begin(&w);
    lx__jw_obj_end(&w);
    lx__jw_i64(&w, 0);
    lx__jw_arr_end(&w);
    lx__jw_obj_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_OK);

    assert_int_equal(lx__json_parse(w.buf, w.len, &root, NULL), LX_OK);
    assert_int_equal(lx__json_get_str(root, "all", &s, &len, NULL), LX_OK);
    assert_int_equal(len, 127);
    assert_memory_equal(s, all, 127);
    assert_int_equal(lx__json_get_i64(root, "min", &v, NULL), LX_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(lx__json_get_i64(root, "max", &v, NULL), LX_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(lx__json_get_u64(root, "umax", &u, NULL), LX_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(lx__json_get_decimal(root, "dec", &d, NULL), LX_OK);
    assert_dec(d, -123456789, 4);
    assert_int_equal(lx__json_get_bool(root, "f", &b, NULL), LX_OK);
    assert_false(b);
    assert_int_equal(lx__json_opt_bool(root, "n", true, &b, NULL), LX_OK);
    assert_true(b);
    assert_int_equal(lx__json_get_arr(root, "nest", &arr, NULL), LX_OK);
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    cJSON_Delete(root);
}

/* Writes a fixed document; returns its length when it fits. */
static void write_doc(struct lx__jw *w)
{
    lx__jw_obj_begin(w);
    lx__jw_key(w, "k");
    lx__jw_str(w, "tab\there");
    lx__jw_key(w, "v");
    lx__jw_arr_begin(w);
    lx__jw_i64(w, -12345);
    lx__jw_bool(w, true);
    lx__jw_arr_end(w);
    lx__jw_obj_end(w);
}

static void test_jw_toobig(void **state)
{
    static const char want[] = "{\"k\":\"tab\\there\",\"v\":[-12345,true]}";
    char buf[64];
    struct lx__jw w;
    size_t cap;
    (void)state;

    for (cap = 0; cap <= sizeof(want); cap++) {
        memset(buf, '#', sizeof(buf));
        lx__jw_init(&w, cap == 0 ? NULL : buf, cap);
        write_doc(&w);
        if (cap < sizeof(want)) {
            assert_int_equal(lx__jw_finish(&w), LX_ERR_TOOBIG);
            assert_true(w.len < cap || cap == 0);
        } else {
            assert_int_equal(lx__jw_finish(&w), LX_OK);
            assert_string_equal(buf, want);
        }
        /* Never a byte past cap. */
        assert_int_equal(buf[cap], '#');
        if (cap > 0) {
            assert_int_equal(buf[w.len], '\0');
        }
    }
    /* Sticky: once failed, calls change nothing until reset. */
    lx__jw_init(&w, buf, 8);
    lx__jw_arr_begin(&w);
    lx__jw_str(&w, "toolong");
    assert_int_equal(w.err, LX_ERR_TOOBIG);
    cap = w.len;
    lx__jw_arr_end(&w);
    lx__jw_null(&w);
    assert_int_equal(w.len, cap);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_TOOBIG);
    lx__jw_reset(&w);
    assert_int_equal(w.err, LX_OK);
    assert_int_equal(w.len, 0);
    lx__jw_str(&w, "abcde");
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    assert_string_equal(buf, "\"abcde\"");
}

static void test_jw_misuse(void **state)
{
    char buf[256];
    struct lx__jw w;
    unsigned i;
    (void)state;

    /* A value where a key is due. */
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_i64(&w, 1);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    /* A key in an array, or two keys in a row. */
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_arr_begin(&w);
    lx__jw_key(&w, "k");
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "a");
    lx__jw_key(&w, "b");
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    /* Mismatched or extra ends; an object closed with its value due. */
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_arr_begin(&w);
    lx__jw_obj_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_arr_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "a");
    lx__jw_obj_end(&w);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    /* Two top-level values; nothing at all; containers left open. */
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_i64(&w, 1);
    lx__jw_i64(&w, 2);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    lx__jw_init(&w, buf, sizeof(buf));
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_arr_begin(&w);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_STATE);
    /* NULL strings. */
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_str(&w, NULL);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_INVAL);
    lx__jw_init(&w, buf, sizeof(buf));
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, NULL);
    assert_int_equal(lx__jw_finish(&w), LX_ERR_INVAL);
    /* Nesting: 64 levels fit, the 65th does not. */
    lx__jw_init(&w, buf, sizeof(buf));
    for (i = 0; i < LX__JW_MAX_DEPTH; i++) {
        lx__jw_arr_begin(&w);
    }
    for (i = 0; i < LX__JW_MAX_DEPTH; i++) {
        lx__jw_arr_end(&w);
    }
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    lx__jw_init(&w, buf, sizeof(buf));
    for (i = 0; i <= LX__JW_MAX_DEPTH; i++) {
        lx__jw_arr_begin(&w);
    }
    assert_int_equal(lx__jw_finish(&w), LX_ERR_TOOBIG);
}

/* A frame of about 2 KB, so the growing buffer grows several times. */
static int jw_grow_scenario(const struct lx_mem *mem, void *ud)
{
    struct lx__jw w;
    const struct lx_decimal px = {INT64_C(6183763000000), 8};
    size_t *len = ud;
    int i, rc;

    lx__jw_init_mem(&w, mem, 1u << 20);
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "b");
    lx__jw_arr_begin(&w);
    for (i = 0; i < 60; i++) {
        lx__jw_arr_begin(&w);
        lx__jw_decimal(&w, px);
        lx__jw_str(&w, "0.00000000");
        lx__jw_arr_end(&w);
    }
    lx__jw_arr_end(&w);
    lx__jw_obj_end(&w);
    rc = lx__jw_finish(&w);
    if (rc == LX_OK) {
        cJSON *root = NULL;

        assert_int_equal(lx__json_parse(w.buf, w.len, &root, NULL), LX_OK);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "b")),
                         60);
        cJSON_Delete(root);
        *len = w.len;
    }
    lx__jw_free(&w);
    assert_null(w.buf);
    return rc;
}

static void test_jw_grow_failmalloc(void **state)
{
    size_t len = 0;
    (void)state;

    lx_test_failmalloc(jw_grow_scenario, &len);
    assert_int_equal(len, 1 + 4 + 1 + 60 * 31 + 59 + 1 + 1);
}

static void test_jw_grow_cap(void **state)
{
    struct lx__jw w;
    int i;
    (void)state;

    lx__jw_init_mem(&w, lx_test_mem(), 100);
    lx__jw_arr_begin(&w);
    for (i = 0; i < 40 && w.err == LX_OK; i++) {
        lx__jw_i64(&w, 12);
    }
    assert_int_equal(lx__jw_finish(&w), LX_ERR_TOOBIG);
    assert_true(w.len <= 100);
    assert_true(w.cap <= 101);
    lx__jw_free(&w);
    lx__jw_free(NULL);

    /* Exactly max bytes fit. */
    lx__jw_init_mem(&w, lx_test_mem(), 4);
    lx__jw_str(&w, "ab");
    assert_int_equal(lx__jw_finish(&w), LX_OK);
    assert_string_equal(w.buf, "\"ab\"");
    lx__jw_free(&w);
    lx__jw_init_mem(&w, lx_test_mem(), 3);
    lx__jw_str(&w, "ab");
    assert_int_equal(lx__jw_finish(&w), LX_ERR_TOOBIG);
    lx__jw_free(&w);
}

/* ---- real venue frames -------------------------------------------------- */

static void test_frames_binance_spot(void **state)
{
    cJSON *root = parse_fixture("binance-spot-depth-diff.json");
    struct lx_json_err e = {0};
    const cJSON *d = NULL, *b = NULL, *a = NULL, *lvl = NULL;
    const char *s = NULL;
    int64_t first = 0, last = 0, ts = 0;
    struct lx_decimal px, qty;
    (void)state;

    lx__json_get_str(root, "stream", &s, NULL, &e);
    lx__json_get_obj(root, "data", &d, &e);
    lx__json_get_i64(d, "E", &ts, &e);
    lx__json_get_i64(d, "U", &first, &e);
    lx__json_get_i64(d, "u", &last, &e);
    lx__json_get_arr(d, "b", &b, &e);
    lx__json_get_arr(d, "a", &a, &e);
    assert_int_equal(e.code, LX_OK);
    assert_string_equal(s, "btcusdt@depth@100ms");
    assert_true(ts == INT64_C(1723161255208));
    assert_true(first == INT64_C(50093239189));
    assert_true(last == INT64_C(50093239202));
    assert_int_equal(cJSON_GetArraySize(b), 3);
    assert_int_equal(cJSON_GetArraySize(a), 9);
    lx__json_at_arr(b, 2, &lvl, &e);
    lx__json_at_decimal(lvl, 0, &px, &e);
    lx__json_at_decimal(lvl, 1, &qty, &e);
    assert_int_equal(e.code, LX_OK);
    assert_dec(px, INT64_C(5685458000000), 8);
    assert_dec(qty, 0, 8);
    lx__json_at_arr(a, 8, &lvl, &e);
    lx__json_at_decimal(lvl, 0, &px, &e);
    lx__json_at_decimal(lvl, 1, &qty, &e);
    assert_int_equal(e.code, LX_OK);
    assert_dec(px, INT64_C(6193764000000), 8);
    assert_dec(qty, 2000000, 8);
    /* A diff is not a snapshot. */
    assert_int_equal(lx__json_get_i64(d, "lastUpdateId", &first, &e),
                     LX_ERR_NOTFOUND);
    cJSON_Delete(root);

    root = parse_fixture("binance-spot-trade.json");
    lx__json_err_clear(&e);
    {
        int64_t t = 0;
        bool m = false, bm = false;

        lx__json_get_obj(root, "data", &d, &e);
        lx__json_get_i64(d, "t", &t, &e);
        lx__json_get_decimal(d, "p", &px, &e);
        lx__json_get_decimal(d, "q", &qty, &e);
        lx__json_get_bool(d, "m", &m, &e);
        lx__json_get_bool(d, "M", &bm, &e);
        lx__json_get_i64(d, "T", &ts, &e);
        assert_int_equal(e.code, LX_OK);
        assert_true(t == INT64_C(3735683259));
        assert_dec(px, INT64_C(6183763000000), 8);
        assert_dec(qty, 2000000, 8);
        assert_true(m && bm);
        assert_true(ts == INT64_C(1723161255342));
    }
    cJSON_Delete(root);
}

static void test_frames_binance_usdm(void **state)
{
    cJSON *root = parse_fixture("binance-usdm-depth-diff.json");
    struct lx_json_err e = {0};
    const cJSON *d = NULL, *b = NULL, *lvl = NULL;
    int64_t first = 0, last = 0, prev = 0, id = 0;
    uint64_t oid = 0;
    struct lx_decimal px, qty;
    const char *s = NULL;
    (void)state;

    lx__json_get_obj(root, "data", &d, &e);
    lx__json_get_i64(d, "U", &first, &e);
    lx__json_get_i64(d, "u", &last, &e);
    lx__json_get_i64(d, "pu", &prev, &e);
    lx__json_get_arr(d, "b", &b, &e);
    lx__json_at_arr(b, 0, &lvl, &e);
    lx__json_at_decimal(lvl, 0, &px, &e);
    lx__json_at_decimal(lvl, 1, &qty, &e);
    assert_int_equal(e.code, LX_OK);
    assert_true(first == INT64_C(4984028367545));
    assert_true(last == INT64_C(4984028370730));
    assert_true(prev == INT64_C(4984028367494));
    assert_int_equal(cJSON_GetArraySize(b), 17);
    assert_dec(px, 100000, 2);
    assert_dec(qty, 569567, 3);
    cJSON_Delete(root);

    root = parse_fixture("binance-usdm-trade.json");
    lx__json_get_obj(root, "data", &d, &e);
    lx__json_get_i64(d, "t", &id, &e);
    lx__json_get_decimal(d, "p", &px, &e);
    lx__json_get_decimal(d, "q", &qty, &e);
    lx__json_get_str(d, "X", &s, NULL, &e);
    assert_int_equal(e.code, LX_OK);
    assert_true(id == INT64_C(5182005737));
    assert_dec(px, 6394390, 2);
    assert_dec(qty, 3, 3);
    assert_string_equal(s, "MARKET");
    cJSON_Delete(root);

    /* Pretty-printed, with an order id beyond 2^53 as a JSON number. */
    root = parse_fixture("binance-usdm-trade-lite-pretty.json");
    lx__json_get_i64(root, "i", &id, &e);
    lx__json_get_u64(root, "i", &oid, &e);
    lx__json_get_decimal(root, "L", &px, &e);
    lx__json_get_str(root, "c", &s, NULL, &e);
    assert_int_equal(e.code, LX_OK);
    assert_true(id == INT64_C(8389765739703625592));
    assert_true(oid == UINT64_C(8389765739703625592));
    assert_dec(px, 263190, 2);
    assert_string_equal(s, "O-20240930-081155-001-000-29");
    cJSON_Delete(root);
}

static void test_frames_numbers_as_prices(void **state)
{
    cJSON *root = parse_fixture("deribit-book-snapshot.json");
    struct lx_json_err e = {0};
    const cJSON *p = NULL, *d = NULL, *bids = NULL, *asks = NULL, *lvl = NULL;
    struct lx_decimal px, amt;
    int64_t change = 0, tid = 0;
    const char *s = NULL;
    (void)state;

    lx__json_get_obj(root, "params", &p, &e);
    lx__json_get_obj(p, "data", &d, &e);
    lx__json_get_i64(d, "change_id", &change, &e);
    lx__json_get_arr(d, "bids", &bids, &e);
    lx__json_get_arr(d, "asks", &asks, &e);
    lx__json_at_arr(bids, 0, &lvl, &e);
    lx__json_at_str(lvl, 0, &s, NULL, &e);
    lx__json_at_decimal(lvl, 1, &px, &e);
    lx__json_at_decimal(lvl, 2, &amt, &e);
    assert_int_equal(e.code, LX_OK);
    assert_true(change == INT64_C(13169025645));
    assert_string_equal(s, "new");
    assert_dec(px, 15, 4);
    assert_dec(amt, 4714, 0);
    lx__json_at_arr(asks, 12, &lvl, &e);
    lx__json_at_decimal(lvl, 1, &px, &e);
    lx__json_at_decimal(lvl, 2, &amt, &e);
    assert_int_equal(e.code, LX_OK);
    assert_dec(px, 35, 2);
    assert_dec(amt, 1, 0);
    cJSON_Delete(root);

    /* Hyperliquid trade ids of 16 digits arrive exactly. */
    root = parse_fixture("hyperliquid-trades.json");
    lx__json_get_arr(root, "data", &d, &e);
    lx__json_at_obj(d, 5, &p, &e);
    lx__json_get_i64(p, "tid", &tid, &e);
    lx__json_get_decimal(p, "sz", &amt, &e);
    lx__json_get_decimal(p, "px", &px, &e);
    assert_int_equal(e.code, LX_OK);
    assert_int_equal(cJSON_GetArraySize(d), 30);
    assert_true(tid == INT64_C(1113244137548134));
    assert_dec(amt, 1556, 5);
    assert_dec(px, 1050560, 1);
    cJSON_Delete(root);
}

/*
 * The shared samples, when present: parses the first lines of each
 * hftbacktest file, checks every depth diff and trade field converts, the
 * embedded REST snapshot, and that the fixtures are the samples' lines.
 */
struct sample_stats {
    unsigned frames, diffs, trades, snapshots;
    int64_t snapshot_id;
    size_t bids, asks;
    struct lx_decimal best_bid, best_bid_qty;
};

static void check_levels(const cJSON *side, size_t *count)
{
    const cJSON *lvl;
    struct lx_json_err e = {0};
    struct lx_decimal px, qty;

    *count = 0;
    cJSON_ArrayForEach (lvl, side) {
        lx__json_at_decimal(lvl, 0, &px, &e);
        lx__json_at_decimal(lvl, 1, &qty, &e);
        assert_int_equal(e.code, LX_OK);
        assert_true(px.m > 0 && qty.m >= 0);
        (*count)++;
    }
}

static void check_frame(const cJSON *root, struct sample_stats *st)
{
    struct lx_json_err e = {0};
    const cJSON *d = NULL, *side = NULL;
    const char *stream = NULL;
    int64_t first = 0, last = 0;
    struct lx_decimal px, qty;
    size_t n = 0;

    if (lx__json_opt_str(root, "stream", NULL, &stream, NULL, &e) == LX_OK &&
        stream == NULL) {
        st->snapshots++;
        lx__json_get_i64(root, "lastUpdateId", &st->snapshot_id, &e);
        lx__json_get_arr(root, "bids", &side, &e);
        check_levels(side, &st->bids);
        lx__json_at_arr(side, 0, &side, &e);
        lx__json_at_decimal(side, 0, &st->best_bid, &e);
        lx__json_at_decimal(side, 1, &st->best_bid_qty, &e);
        lx__json_get_arr(root, "asks", &side, &e);
        check_levels(side, &st->asks);
        assert_int_equal(e.code, LX_OK);
        return;
    }
    lx__json_get_obj(root, "data", &d, &e);
    assert_int_equal(e.code, LX_OK);
    if (strstr(stream, "@depth") != NULL) {
        st->diffs++;
        lx__json_get_i64(d, "U", &first, &e);
        lx__json_get_i64(d, "u", &last, &e);
        lx__json_get_arr(d, "b", &side, &e);
        check_levels(side, &n);
        lx__json_get_arr(d, "a", &side, &e);
        check_levels(side, &n);
        assert_int_equal(e.code, LX_OK);
        assert_true(first <= last);
    } else if (strstr(stream, "@trade") != NULL) {
        st->trades++;
        lx__json_get_decimal(d, "p", &px, &e);
        lx__json_get_decimal(d, "q", &qty, &e);
        assert_int_equal(e.code, LX_OK);
        assert_true(px.m > 0 && qty.m > 0);
    }
}

static bool scan_sample(const char *rel, unsigned max_lines,
                        struct sample_stats *st, const char *fixture,
                        unsigned fixture_line)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024];
    size_t n = 0, flen = 0;
    char *buf, *line, *end, *fix;
    unsigned no = 0;

    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, rel);
    buf = read_all(path, &n);
    if (buf == NULL) {
        return false; /* the samples are not shipped with the sources */
    }
    fix = read_fixture(fixture, &flen);
    for (line = buf; line < buf + n && no < max_lines; line = end + 1) {
        const char *json;
        cJSON *root = NULL;

        end = memchr(line, '\n', (size_t)(buf + n - line));
        end = end != NULL ? end : buf + n;
        json = memchr(line, ' ', (size_t)(end - line));
        assert_non_null(json);
        json++;
        no++;
        if (no == fixture_line) {
            assert_int_equal((size_t)(end + 1 - json), flen);
            assert_memory_equal(json, fix, flen);
        }
        assert_int_equal(
            lx__json_parse(json, (size_t)(end - json), &root, NULL), LX_OK);
        check_frame(root, st);
        st->frames++;
        cJSON_Delete(root);
    }
    lx__free(lx_test_mem(), fix);
    lx__free(lx_test_mem(), buf);
    return true;
}

static void test_samples_binance_spot(void **state)
{
    struct sample_stats st;
    (void)state;

    memset(&st, 0, sizeof(st));
    if (!scan_sample("binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
                     300, &st, "binance-spot-trade.json", 4)) {
        skip();
    }
    assert_int_equal(st.frames, 300);
    assert_int_equal(st.snapshots, 1);
    assert_true(st.snapshot_id == INT64_C(50093239218));
    assert_int_equal(st.bids, 1000);
    assert_int_equal(st.asks, 1000);
    assert_dec(st.best_bid, INT64_C(6183763000000), 8);
    assert_dec(st.best_bid_qty, 378826000, 8);
    assert_true(st.diffs > 0 && st.trades > 0);
}

static void test_samples_binance_usdm(void **state)
{
    struct sample_stats st;
    (void)state;

    memset(&st, 0, sizeof(st));
    if (!scan_sample("binance-usdm/hftbacktest/btcusdt_20240718.txt", 300, &st,
                     "binance-usdm-depth-diff.json", 1)) {
        skip();
    }
    assert_int_equal(st.frames, 300);
    assert_int_equal(st.snapshots, 1);
    assert_true(st.snapshot_id == INT64_C(4984028384061));
    assert_int_equal(st.bids, 1000);
    assert_int_equal(st.asks, 1000);
    assert_dec(st.best_bid, 6394390, 2);
    assert_dec(st.best_bid_qty, 46372, 3);
    assert_true(st.diffs > 0 && st.trades > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_whitespace_and_garbage),
        cmocka_unit_test(test_parse_control_bytes),
        cmocka_unit_test(test_parse_args),
        cmocka_unit_test(test_parse_size_cap),
        cmocka_unit_test(test_parse_depth_cap),
        cmocka_unit_test(test_parse_long_numbers),
        cmocka_unit_test(test_get_str),
        cmocka_unit_test(test_get_i64),
        cmocka_unit_test(test_int_limits),
        cmocka_unit_test(test_safe_integer_limit),
        cmocka_unit_test(test_get_u64),
        cmocka_unit_test(test_get_bool),
        cmocka_unit_test(test_get_obj_arr),
        cmocka_unit_test(test_decimal_strings_and_numbers),
        cmocka_unit_test(test_decimal_from_doubles),
        cmocka_unit_test(test_get_decimal),
        cmocka_unit_test(test_opt_getters),
        cmocka_unit_test(test_at_getters),
        cmocka_unit_test(test_as_converters),
        cmocka_unit_test(test_err_context),
        cmocka_unit_test(test_tree_writers),
        cmocka_unit_test(test_jw_binance_trade_exact),
        cmocka_unit_test(test_jw_depth_levels_exact),
        cmocka_unit_test(test_jw_escaping),
        cmocka_unit_test(test_jw_round_trip),
        cmocka_unit_test(test_jw_toobig),
        cmocka_unit_test(test_jw_misuse),
        cmocka_unit_test(test_jw_grow_failmalloc),
        cmocka_unit_test(test_jw_grow_cap),
        cmocka_unit_test(test_frames_binance_spot),
        cmocka_unit_test(test_frames_binance_usdm),
        cmocka_unit_test(test_frames_numbers_as_prices),
        cmocka_unit_test(test_samples_binance_spot),
        cmocka_unit_test(test_samples_binance_usdm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
