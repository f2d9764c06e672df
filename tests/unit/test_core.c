/*
 * test_core.c - errors, allocator hooks, the failing allocator, contexts,
 * logging and the strict integer parsers.
 */
#include <limits.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lx_test.h"

static void test_err_table(void **state)
{
    (void)state;
    assert_int_equal(LX_OK, 0);
    assert_string_equal(lx_strerror(LX_OK), "success");
    assert_string_equal(lx_err_name(LX_ERR_NOMEM), "LX_ERR_NOMEM");
    assert_string_equal(lx_strerror(LX_ERR_NOMEM), "out of memory");
    assert_string_equal(lx_err_name(LX_ERR_VENUE), "LX_ERR_VENUE");
    assert_string_equal(lx_err_name(-12345), "LX_ERR_UNKNOWN");
    assert_string_equal(lx_strerror(42), "unknown error");
    /* Transport errors and venue rejections are distinct codes. */
    assert_int_not_equal(LX_ERR_IO, LX_ERR_VENUE);
    assert_true(LX_ERR_FATAL < LX_ERR_INTERNAL);
    assert_string_equal(lx_version(), LX_VERSION_STRING);
}

/* Every code in the table has a unique value, name and message. */
static void test_err_unique(void **state)
{
    static const int codes[] = {
#define XX(name, value, msg) value,
        LX_ERR_MAP(XX)
#undef XX
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(codes); i++) {
        assert_true(codes[i] <= 0);
        assert_string_not_equal(lx_err_name(codes[i]), "LX_ERR_UNKNOWN");
        for (j = i + 1; j < LX_ARRAY_LEN(codes); j++) {
            assert_int_not_equal(codes[i], codes[j]);
        }
    }
}

static void test_mem_helpers(void **state)
{
    const struct lx_mem *m = lx_test_mem();
    char *s, *t;
    int *z;

    (void)state;
    s = lx__strdup(m, "hello");
    assert_string_equal(s, "hello");
    t = lx__strndup(m, "hello world", 5);
    assert_string_equal(t, "hello");
    z = lx__calloc(m, 4, sizeof(int));
    assert_int_equal(z[0] | z[1] | z[2] | z[3], 0);
    z = lx__realloc(m, z, 64 * sizeof(int));
    assert_non_null(z);
    lx__free(m, s);
    lx__free(m, t);
    lx__free(m, z);
    lx__free(m, NULL);
    /* NULL mem means libc. */
    s = lx__memdup(NULL, "ab\0c", 4);
    assert_memory_equal(s, "ab\0c", 5);
    lx__free(NULL, s);
}

static void test_failing_allocator(void **state)
{
    struct lx_mem_failing f;
    void *a, *b, *c;

    (void)state;
    lx_mem_failing_init(&f, lx_test_mem(), 2, 0);
    a = lx__malloc(&f.mem, 8);
    b = lx__malloc(&f.mem, 8);
    c = lx__malloc(&f.mem, 8);
    assert_non_null(a);
    assert_null(b);
    assert_non_null(c); /* not sticky: only the 2nd fails */
    assert_int_equal(f.nalloc, 3);
    assert_int_equal(f.nfailed, 1);
    assert_int_equal(f.outstanding, 2);
    a = lx__realloc(&f.mem, a, 4096);
    assert_non_null(a);
    assert_int_equal(f.outstanding, 2);
    lx__free(&f.mem, a);
    lx__free(&f.mem, c);
    assert_int_equal(f.outstanding, 0);

    lx_mem_failing_init(&f, lx_test_mem(), 1, 1);
    assert_null(lx__malloc(&f.mem, 1));
    assert_null(lx__calloc(&f.mem, 1, 1));
    assert_null(lx__realloc(&f.mem, NULL, 1));
    assert_int_equal(f.nfailed, 3);
    assert_int_equal(f.outstanding, 0);
}

struct log_capture {
    char text[4096];
    size_t len;
    int lines;
    int last_level;
};

static void capture_sink(void *ud, int level, const char *subsys,
                         const char *msg)
{
    struct log_capture *c = ud;
    int n = lx__snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s %s\n",
                         subsys, msg);

    if (n > 0) {
        c->len += (size_t)n;
    }
    c->lines++;
    c->last_level = level;
}

static void test_ctx_and_log(void **state)
{
    struct lx_ctx *ctx;
    struct log_capture cap;
    char big[3000];

    (void)state;
    memset(&cap, 0, sizeof(cap));
    assert_int_equal(lx_ctx_new(&ctx, lx_test_mem()), LX_OK);
    assert_ptr_equal(lx_ctx_mem(ctx)->malloc, lx_test_mem()->malloc);
    lx_ctx_set_log(ctx, capture_sink, &cap);

    LX_LOGI(ctx, "rest", "connect host=%s port=%d", "h", 443);
    assert_int_equal(cap.lines, 0); /* default level is warn */
    LX_LOGW(ctx, "rest", "retry n=%d", 2);
    assert_int_equal(cap.lines, 1);
    assert_string_equal(cap.text, "rest retry n=2\n");
    assert_int_equal(cap.last_level, LX_LOG_WARN);

    lx_ctx_set_log_level(ctx, LX_LOG_DEBUG);
    assert_true(lx__log_enabled(ctx, LX_LOG_DEBUG));
    assert_false(lx__log_enabled(ctx, LX_LOG_TRACE));
    LX_LOGD(ctx, NULL, "x=1");
    assert_non_null(strstr(cap.text, "core x=1\n"));

    /* Over-long lines are cut and marked, never overflow. */
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    LX_LOGE(ctx, "ws", "%s", big);
    assert_int_equal(cap.lines, 3);
    assert_non_null(strstr(cap.text, "...\n"));

    lx_ctx_set_log_level(ctx, LX_LOG_NONE);
    LX_LOGE(ctx, "ws", "silenced");
    assert_int_equal(cap.lines, 3);
    lx_ctx_free(ctx);
    lx_ctx_free(NULL);
}

static void test_log_levels(void **state)
{
    int lv = -1;

    (void)state;
    assert_int_equal(lx_log_level_parse("DEBUG", &lv), LX_OK);
    assert_int_equal(lv, LX_LOG_DEBUG);
    assert_int_equal(lx_log_level_parse("3", &lv), LX_OK);
    assert_int_equal(lv, LX_LOG_INFO);
    assert_int_equal(lx_log_level_parse("loud", &lv), LX_ERR_INVAL);
    assert_int_equal(lx_log_level_parse("6", &lv), LX_ERR_INVAL);
    assert_string_equal(lx_log_level_name(LX_LOG_TRACE), "trace");
    assert_string_equal(lx_log_level_name(99), "none");
}

static int ctx_scenario(const struct lx_mem *mem, void *ud)
{
    struct lx_ctx *ctx;
    int rc;

    (void)ud;
    rc = lx_ctx_new(&ctx, mem);
    if (rc != LX_OK) {
        assert_null(ctx);
        return rc;
    }
    lx_ctx_free(ctx);
    return LX_OK;
}

static void test_ctx_failmalloc(void **state)
{
    (void)state;
    lx_test_failmalloc(ctx_scenario, NULL);
}

static void test_parse_ints(void **state)
{
    int64_t i;
    uint64_t u;

    (void)state;
    assert_int_equal(lx__parse_i64("123", 3, &i), LX_OK);
    assert_int_equal(i, 123);
    assert_int_equal(lx__parse_i64("-9223372036854775808", 20, &i), LX_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(lx__parse_i64("9223372036854775807", 19, &i), LX_OK);
    assert_true(i == INT64_MAX);
    assert_int_equal(lx__parse_i64("9223372036854775808", 19, &i),
                     LX_ERR_RANGE);
    assert_int_equal(lx__parse_i64("-9223372036854775809", 20, &i),
                     LX_ERR_RANGE);
    assert_int_equal(lx__parse_i64(" 1", 2, &i), LX_ERR_PARSE);
    assert_int_equal(lx__parse_i64("1 ", 2, &i), LX_ERR_PARSE);
    assert_int_equal(lx__parse_i64("-", 1, &i), LX_ERR_PARSE);
    assert_int_equal(lx__parse_i64("", 0, &i), LX_ERR_PARSE);
    assert_int_equal(lx__parse_i64("0x10", 4, &i), LX_ERR_PARSE);
    assert_int_equal(lx__parse_u64("18446744073709551615", 20, &u), LX_OK);
    assert_true(u == UINT64_MAX);
    assert_int_equal(lx__parse_u64("18446744073709551616", 20, &u),
                     LX_ERR_RANGE);
    assert_int_equal(lx__parse_u64("-1", 2, &u), LX_ERR_PARSE);
    /* Only len bytes are read. */
    assert_int_equal(lx__parse_u64("42abc", 2, &u), LX_OK);
    assert_true(u == 42);
}

static void test_snprintf(void **state)
{
    char buf[8];

    (void)state;
    assert_int_equal(lx__snprintf(buf, sizeof(buf), "%d", 1234567), 7);
    assert_int_equal(lx__snprintf(buf, sizeof(buf), "%d", 12345678),
                     LX_ERR_TOOBIG);
    assert_int_equal(buf[7], '\0');
    assert_int_equal(lx__snprintf(buf, 0, "x"), LX_ERR_TOOBIG);
    /* lx__str_join: "%s%s" without a format, truncated like it. */
    assert_int_equal(lx__str_join(buf, sizeof(buf), "btc", "@depth"), 7);
    assert_string_equal(buf, "btc@dep");
    assert_int_equal(lx__str_join(buf, sizeof(buf), "btcusdt", NULL), 7);
    assert_string_equal(buf, "btcusdt");
    assert_int_equal(lx__str_join(buf, sizeof(buf), "", "ab"), 2);
    assert_string_equal(buf, "ab");
    assert_int_equal(lx__str_join(buf, sizeof(buf), NULL, "ab"), 2);
    assert_string_equal(buf, "ab");
    assert_int_equal(lx__str_join(buf, 1, "ab", "cd"), 0);
    assert_string_equal(buf, "");
    buf[0] = 'z';
    assert_int_equal(lx__str_join(buf, 0, "ab", NULL), 0);
    assert_int_equal(buf[0], 'z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_table),
        cmocka_unit_test(test_err_unique),
        cmocka_unit_test(test_mem_helpers),
        cmocka_unit_test(test_failing_allocator),
        cmocka_unit_test(test_ctx_and_log),
        cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_ctx_failmalloc),
        cmocka_unit_test(test_parse_ints),
        cmocka_unit_test(test_snprintf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
