/*
 * test_secret.c - lx_secret (lifecycle, constant-time compare, fingerprint,
 * locked and dump-excluded pages), lx_creds (fields, read-only mode,
 * precedence, environment and .env loading), the .env parser (valid and
 * malformed tables, fixtures, file errors), failmalloc runs, and the
 * acceptance test that no operation, error path included, lets a secret's
 * bytes reach a log line or an error reason.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dotenv.h"
#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "lotusx/lx_secret.h"
#include "lx_test.h"

#ifndef LX_DOTENV_FIXTURES
#define LX_DOTENV_FIXTURES "fixtures/dotenv"
#endif

#define FIX(name) LX_DOTENV_FIXTURES "/" name

#if defined(__SANITIZE_ADDRESS__)
#define LX_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LX_TEST_ASAN 1
#endif
#endif
#ifndef LX_TEST_ASAN
#define LX_TEST_ASAN 0
#endif

static const char *const all_venues[] = {
    "binance-spot", "binance-usdm", "bybit",  "okx",
    "hyperliquid",  "deribit",      "gateio",
};
static const char *const env_fields[] = {"API_KEY", "API_SECRET", "PASSPHRASE",
                                         "PRIVATE_KEY"};

/* ---- helpers ------------------------------------------------------------ */

/* A log sink that keeps every line, "level subsys msg\n", for inspection. */
struct capture {
    char buf[1 << 16];
    size_t len;
    int lines;
};

static void capture_sink(void *ud, int level, const char *subsys,
                         const char *msg)
{
    struct capture *c = ud;
    int n = lx__snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s %s %s\n",
                         lx_log_level_name(level), subsys, msg);

    assert_true(n > 0);
    c->len += (size_t)n;
    c->lines++;
}

static void quiet_sink(void *ud, int level, const char *subsys, const char *msg)
{
    (void)ud;
    (void)level;
    (void)subsys;
    (void)msg;
}

static int count_substr(const char *hay, const char *needle)
{
    int n = 0;

    while ((hay = strstr(hay, needle)) != NULL) {
        n++;
        hay++;
    }
    return n;
}

static struct lx_ctx *new_ctx(const struct lx_mem *mem, struct capture *cap)
{
    struct lx_ctx *ctx = NULL;

    assert_int_equal(lx_ctx_new(&ctx, mem), LX_OK);
    if (cap != NULL) {
        memset(cap, 0, sizeof(*cap));
        lx_ctx_set_log(ctx, capture_sink, cap);
        lx_ctx_set_log_level(ctx, LX_LOG_TRACE);
    } else {
        lx_ctx_set_log(ctx, quiet_sink, NULL);
    }
    return ctx;
}

/* Writes len bytes to a fresh temporary file; path receives its name. */
static void write_temp(char *path, size_t cap, const void *data, size_t len)
{
    const char *dir = getenv("TMPDIR");
    int fd;

    assert_true(lx__snprintf(path, cap, "%s/lx_secret_XXXXXX",
                             dir != NULL ? dir : "/tmp") > 0);
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void assert_field(const struct lx_creds *c, enum lx_cred_field f,
                         const char *want, int src)
{
    const struct lx_secret *s = lx_creds_get(c, f);

    if (want == NULL) {
        assert_null(s);
        assert_false(lx_creds_has(c, f));
        assert_int_equal(lx_creds_source(c, f), LX_CRED_SRC_NONE);
        return;
    }
    assert_non_null(s);
    assert_true(lx_creds_has(c, f));
    assert_true(lx_secret_equal(s, want, strlen(want)));
    assert_int_equal(lx_creds_source(c, f), src);
}

static void clear_env(const char *prefix)
{
    char name[64];
    size_t i;

    for (i = 0; i < LX_ARRAY_LEN(env_fields); i++) {
        lx__snprintf(name, sizeof(name), "%s%s", prefix, env_fields[i]);
        unsetenv(name);
    }
}

/* ---- lx_secret ---------------------------------------------------------- */

static void test_secret_lifecycle(void **state)
{
    static const uint8_t bin[] = {0x00, 0xff, 0x10, 0x00, 0x7f};
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_secret *s = NULL;
    const uint8_t *d;
    size_t len = 99;

    (void)state;
    assert_int_equal(lx_secret_new(&s, ctx, bin, sizeof(bin)), LX_OK);
    assert_int_equal(lx_secret_len(s), sizeof(bin));
    d = lx__secret_data(s, &len);
    assert_int_equal(len, sizeof(bin));
    assert_memory_equal(d, bin, sizeof(bin));
    assert_true(d != bin);
    lx_secret_free(s);
    lx_secret_free(NULL);

    assert_int_equal(lx_secret_len(NULL), 0);
    assert_null(lx__secret_data(NULL, &len));
    assert_int_equal(len, 0);
    assert_int_equal(lx_secret_new(NULL, ctx, "x", 1), LX_ERR_INVAL);
    s = (struct lx_secret *)&len; /* must be reset to NULL on error */
    assert_int_equal(lx_secret_new(&s, ctx, NULL, 1), LX_ERR_INVAL);
    assert_null(s);
    assert_int_equal(lx_secret_new(&s, ctx, "x", 0), LX_ERR_INVAL);
    assert_null(s);
    lx_ctx_free(ctx);
}

static void test_secret_limits(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_secret *s = NULL;
    uint8_t *big = test_malloc(LX_SECRET_MAX_LEN + 1);

    (void)state;
    memset(big, 'k', LX_SECRET_MAX_LEN + 1);
    assert_int_equal(lx_secret_new(&s, ctx, big, LX_SECRET_MAX_LEN + 1),
                     LX_ERR_TOOBIG);
    assert_null(s);
    assert_int_equal(lx_secret_new(&s, ctx, big, LX_SECRET_MAX_LEN), LX_OK);
    assert_int_equal(lx_secret_len(s), LX_SECRET_MAX_LEN);
    assert_true(lx_secret_equal(s, big, LX_SECRET_MAX_LEN));
    lx_secret_free(s);
    /* A NULL ctx means libc and the default sink. */
    assert_int_equal(lx_secret_new(&s, NULL, "abc", 3), LX_OK);
    assert_true(lx_secret_equal(s, "abc", 3));
    lx_secret_free(s);
    test_free(big);
    lx_ctx_free(ctx);
}

static void test_secret_equal(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_secret *s = NULL;

    (void)state;
    assert_int_equal(lx_secret_new(&s, ctx, "secret\0tail", 11), LX_OK);
    assert_int_equal(lx_secret_equal(s, "secret\0tail", 11), 1);
    assert_int_equal(lx_secret_equal(s, "Secret\0tail", 11), 0);
    assert_int_equal(lx_secret_equal(s, "secret\0taiL", 11), 0);
    assert_int_equal(lx_secret_equal(s, "secret\0tai", 10), 0);
    assert_int_equal(lx_secret_equal(s, "secret\0tails", 12), 0);
    assert_int_equal(lx_secret_equal(s, "secret", 6), 0);
    assert_int_equal(lx_secret_equal(s, NULL, 11), 0);
    assert_int_equal(lx_secret_equal(s, "", 0), 0);
    assert_int_equal(lx_secret_equal(NULL, "secret", 6), 0);
    lx_secret_free(s);
    lx_ctx_free(ctx);
}

static void test_secret_fingerprint(void **state)
{
    static const char key[] =
        "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_secret *s = NULL;
    char fp[17];

    (void)state;
    /* SHA-256("abc") = ba7816bf 8f01cfea 414140de ... (FIPS 180-2). */
    assert_int_equal(lx_secret_new(&s, ctx, "abc", 3), LX_OK);
    memset(fp, 'x', sizeof(fp));
    assert_int_equal(lx_secret_fingerprint(s, fp), LX_OK);
    assert_string_equal(fp, "ba7816bf8f01cfea");
    lx_secret_free(s);
    assert_int_equal(lx_secret_new(&s, ctx, key, strlen(key)), LX_OK);
    assert_int_equal(lx_secret_fingerprint(s, fp), LX_OK);
    assert_string_equal(fp, "5ba1ed8425baaa72");
    assert_int_equal(lx_secret_fingerprint(s, NULL), LX_ERR_INVAL);
    lx_secret_free(s);
    assert_int_equal(lx_secret_fingerprint(NULL, fp), LX_ERR_INVAL);
    assert_string_equal(fp, "");
    assert_string_equal(lx_secret_redacted(), "<redacted>");
    lx_ctx_free(ctx);
}

/*
 * Reads the VmFlags of the mapping that holds addr from /proc/self/smaps.
 * Returns 0 and fills flags, or -1 when smaps is unavailable.
 */
static int vma_flags(const void *addr, char *flags, size_t cap)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0, found = -1;

    if (f == NULL) {
        return -1;
    }
    while (found != 0 && fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi;

        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-')) {
            inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        } else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            lx__snprintf(flags, cap, "%s", line + 8);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

/*
 * The pages of a secret are excluded from core dumps and, when locking was
 * allowed, locked: the kernel's own view (smaps VmFlags "dd", "lo") is the
 * check, so the test fails if the flags are not really applied.
 */
static void test_secret_pages(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_secret *a = NULL, *b = NULL;
    const uint8_t *da, *db;
    long page = sysconf(_SC_PAGESIZE);
    char flags[256];

    (void)state;
    assert_int_equal(lx_secret_new(&a, ctx, "first", 5), LX_OK);
    assert_int_equal(lx_secret_new(&b, ctx, "second", 6), LX_OK);
    da = lx__secret_data(a, NULL);
    db = lx__secret_data(b, NULL);
    /* Each secret's bytes sit near the start of a page of its own. */
    assert_true((uintptr_t)da % (uintptr_t)page < 256);
    assert_true((uintptr_t)da / (uintptr_t)page !=
                (uintptr_t)db / (uintptr_t)page);
    if (vma_flags(da, flags, sizeof(flags)) == 0) {
#ifdef MADV_DONTDUMP
        if (strstr(flags, " dd") == NULL) {
            fail_msg("not excluded from dumps: VmFlags [%s]", flags);
        }
#endif
        /* ASan's mlock interceptor returns 0 without locking anything. */
        if (lx__secret_locked(a) && !LX_TEST_ASAN &&
            strstr(flags, " lo") == NULL) {
            fail_msg("not locked: VmFlags [%s]", flags);
        }
    }
    lx_secret_free(a);
    lx_secret_free(b);
    /* Freed pages go back to the heap dumpable again (MADV_DODUMP). */
    if (!LX_TEST_ASAN && vma_flags(da, flags, sizeof(flags)) == 0 &&
        strstr(flags, " dd") != NULL) {
        fail_msg("freed page still excluded from dumps: [%s]", flags);
    }
    lx_ctx_free(ctx);
}

/* ---- lx_creds ----------------------------------------------------------- */

static void test_creds_basic(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(all_venues); i++) {
        assert_int_equal(lx_creds_new(&c, ctx, all_venues[i]), LX_OK);
        assert_string_equal(lx_creds_venue(c), all_venues[i]);
        assert_true(lx_creds_is_read_only(c));
        lx_creds_free(c);
    }
    c = (struct lx_creds *)&i;
    assert_int_equal(lx_creds_new(&c, ctx, "binance"), LX_ERR_NOTFOUND);
    assert_null(c);
    assert_int_equal(lx_creds_new(&c, ctx, "OKX"), LX_ERR_NOTFOUND);
    assert_int_equal(lx_creds_new(&c, ctx, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_creds_new(NULL, ctx, "okx"), LX_ERR_INVAL);
    lx_creds_free(NULL);
    assert_string_equal(lx_creds_venue(NULL), "");
    assert_true(lx_creds_is_read_only(NULL));
    assert_string_equal(lx_cred_field_name(LX_CRED_API_KEY), "api_key");
    assert_string_equal(lx_cred_field_name(LX_CRED_PRIVATE_KEY), "private_key");
    assert_string_equal(lx_cred_field_name(4), "unknown");
    assert_string_equal(lx_cred_field_name(-1), "unknown");
    lx_ctx_free(ctx);
}

static void test_creds_set(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;

    (void)state;
    assert_int_equal(lx_creds_new(&c, ctx, "okx"), LX_OK);
    assert_int_equal(lx_creds_set(c, LX_CRED_PASSPHRASE, "pp", 2), LX_OK);
    assert_true(lx_creds_is_read_only(c));
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, "k1", 2), LX_OK);
    assert_false(lx_creds_is_read_only(c));
    assert_field(c, LX_CRED_API_KEY, "k1", LX_CRED_SRC_EXPLICIT);
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, "k2", 2), LX_OK);
    assert_field(c, LX_CRED_API_KEY, "k2", LX_CRED_SRC_EXPLICIT);
    assert_field(c, LX_CRED_PASSPHRASE, "pp", LX_CRED_SRC_EXPLICIT);
    assert_field(c, LX_CRED_API_SECRET, NULL, 0);

    assert_int_equal(lx_creds_set(c, (enum lx_cred_field)4, "x", 1),
                     LX_ERR_INVAL);
    assert_int_equal(lx_creds_set(c, (enum lx_cred_field) - 1, "x", 1),
                     LX_ERR_INVAL);
    assert_int_equal(lx_creds_set(NULL, LX_CRED_API_KEY, "x", 1), LX_ERR_INVAL);
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, NULL, 1), LX_ERR_INVAL);
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, "x", 0), LX_ERR_INVAL);
    /* A failed set leaves the old value. */
    assert_field(c, LX_CRED_API_KEY, "k2", LX_CRED_SRC_EXPLICIT);
    assert_null(lx_creds_get(c, (enum lx_cred_field)7));
    assert_null(lx_creds_get(NULL, LX_CRED_API_KEY));
    assert_int_equal(lx_creds_source(c, (enum lx_cred_field)7),
                     LX_CRED_SRC_NONE);
    lx_creds_free(c);

    /* Hyperliquid signs with a private key alone: not read-only. */
    assert_int_equal(lx_creds_new(&c, ctx, "hyperliquid"), LX_OK);
    assert_int_equal(lx_creds_set(c, LX_CRED_PRIVATE_KEY, "0xab", 4), LX_OK);
    assert_false(lx_creds_is_read_only(c));
    lx_creds_free(c);
    lx_ctx_free(ctx);
}

/* Every venue's variables follow LOTUSX_<upper, '-' -> '_'>_<FIELD>. */
static void test_creds_env_names(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    size_t v, f, k;

    (void)state;
    for (v = 0; v < LX_ARRAY_LEN(all_venues); v++) {
        struct lx_creds *c = NULL;
        char prefix[64], name[80], value[80];

        lx__snprintf(prefix, sizeof(prefix), "LOTUSX_%s_", all_venues[v]);
        for (k = 7; prefix[k] != '\0'; k++) {
            prefix[k] = prefix[k] == '-' ? '_'
                        : prefix[k] >= 'a' && prefix[k] <= 'z'
                            ? (char)(prefix[k] - 'a' + 'A')
                            : prefix[k];
        }
        for (f = 0; f < LX_ARRAY_LEN(env_fields); f++) {
            lx__snprintf(name, sizeof(name), "%s%s", prefix, env_fields[f]);
            lx__snprintf(value, sizeof(value), "v-%zu-%zu", v, f);
            assert_int_equal(setenv(name, value, 1), 0);
        }
        assert_int_equal(lx_creds_new(&c, ctx, all_venues[v]), LX_OK);
        assert_int_equal(lx_creds_load_env(c), LX_OK);
        for (f = 0; f < LX_ARRAY_LEN(env_fields); f++) {
            lx__snprintf(value, sizeof(value), "v-%zu-%zu", v, f);
            assert_field(c, (enum lx_cred_field)f, value, LX_CRED_SRC_ENV);
        }
        lx_creds_free(c);
        clear_env(prefix);
    }
    lx_ctx_free(ctx);
}

static void test_creds_env(void **state)
{
    struct capture cap;
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), &cap);
    struct lx_creds *c = NULL;

    (void)state;
    clear_env("LOTUSX_BYBIT_");
    assert_int_equal(lx_creds_new(&c, ctx, "bybit"), LX_OK);
    /* Nothing set: still LX_OK, still read-only. */
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_true(lx_creds_is_read_only(c));
    assert_non_null(strstr(cap.buf, "source=env fields=none"));

    setenv("LOTUSX_BYBIT_API_KEY", "env-key", 1);
    setenv("LOTUSX_BYBIT_API_SECRET", "", 1); /* empty: treated as unset */
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_field(c, LX_CRED_API_KEY, "env-key", LX_CRED_SRC_ENV);
    assert_field(c, LX_CRED_API_SECRET, NULL, 0);
    assert_false(lx_creds_is_read_only(c));
    assert_non_null(strstr(cap.buf, "creds_env_empty "
                                    "var=LOTUSX_BYBIT_API_SECRET"));
    assert_non_null(strstr(cap.buf, "fields=api_key shadowed=none "
                                    "read_only=0"));
    /* A second load picks up a changed environment. */
    setenv("LOTUSX_BYBIT_API_KEY", "env-key-2", 1);
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_field(c, LX_CRED_API_KEY, "env-key-2", LX_CRED_SRC_ENV);
    assert_int_equal(lx_creds_load_env(NULL), LX_ERR_INVAL);
    lx_creds_free(c);
    clear_env("LOTUSX_BYBIT_");
    lx_ctx_free(ctx);
}

static void test_creds_env_toobig(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    char *big = test_malloc(LX_SECRET_MAX_LEN + 2);

    (void)state;
    memset(big, 'b', LX_SECRET_MAX_LEN + 1);
    big[LX_SECRET_MAX_LEN + 1] = '\0';
    setenv("LOTUSX_GATEIO_API_KEY", "small-key", 1);
    setenv("LOTUSX_GATEIO_API_SECRET", big, 1);
    assert_int_equal(lx_creds_new(&c, ctx, "gateio"), LX_OK);
    assert_int_equal(lx_creds_load_env(c), LX_ERR_TOOBIG);
    /* All or nothing: the good api_key was not applied either. */
    assert_field(c, LX_CRED_API_KEY, NULL, 0);
    big[LX_SECRET_MAX_LEN] = '\0';
    setenv("LOTUSX_GATEIO_API_SECRET", big, 1);
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_int_equal(lx_secret_len(lx_creds_get(c, LX_CRED_API_SECRET)),
                     LX_SECRET_MAX_LEN);
    assert_field(c, LX_CRED_API_KEY, "small-key", LX_CRED_SRC_ENV);
    lx_creds_free(c);
    clear_env("LOTUSX_GATEIO_");
    test_free(big);
    lx_ctx_free(ctx);
}

/*
 * explicit > environment > .env, whatever the order of the calls. The
 * fixture valid.env sets binance-spot api_key, api_secret and passphrase.
 */
static void test_creds_precedence(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    struct lx_dotenv_error err;

    (void)state;
    clear_env("LOTUSX_BINANCE_SPOT_");
    setenv("LOTUSX_BINANCE_SPOT_API_SECRET", "env-secret", 1);
    setenv("LOTUSX_BINANCE_SPOT_PASSPHRASE", "env-pass", 1);

    /* Order 1: explicit, then env, then file. */
    assert_int_equal(lx_creds_new(&c, ctx, "binance-spot"), LX_OK);
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, "explicit-key", 12),
                     LX_OK);
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, FIX("valid.env"), &err), LX_OK);
    assert_field(c, LX_CRED_API_KEY, "explicit-key", LX_CRED_SRC_EXPLICIT);
    assert_field(c, LX_CRED_API_SECRET, "env-secret", LX_CRED_SRC_ENV);
    assert_field(c, LX_CRED_PASSPHRASE, "env-pass", LX_CRED_SRC_ENV);
    assert_field(c, LX_CRED_PRIVATE_KEY, NULL, 0);
    lx_creds_free(c);

    /* Order 2: file, then env, then explicit: same result. */
    assert_int_equal(lx_creds_new(&c, ctx, "binance-spot"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, FIX("valid.env"), NULL), LX_OK);
    assert_field(c, LX_CRED_API_KEY, "fixture-bs-key-0001", LX_CRED_SRC_DOTENV);
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, "explicit-key", 12),
                     LX_OK);
    assert_field(c, LX_CRED_API_KEY, "explicit-key", LX_CRED_SRC_EXPLICIT);
    assert_field(c, LX_CRED_API_SECRET, "env-secret", LX_CRED_SRC_ENV);
    assert_field(c, LX_CRED_PASSPHRASE, "env-pass", LX_CRED_SRC_ENV);

    /* A later .env load replaces an earlier one's values only. */
    assert_int_equal(lx_creds_load_dotenv(c, FIX("unknown_lotusx.env"), NULL),
                     LX_OK);
    assert_field(c, LX_CRED_API_KEY, "explicit-key", LX_CRED_SRC_EXPLICIT);
    lx_creds_free(c);

    assert_int_equal(lx_creds_new(&c, ctx, "binance-spot"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, FIX("valid.env"), NULL), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, FIX("unknown_lotusx.env"), NULL),
                     LX_OK);
    assert_field(c, LX_CRED_API_KEY, "fixture-bs-key-0002", LX_CRED_SRC_DOTENV);
    assert_field(c, LX_CRED_API_SECRET, "fixture-bs-secret # not a comment",
                 LX_CRED_SRC_DOTENV);
    lx_creds_free(c);
    clear_env("LOTUSX_BINANCE_SPOT_");
    lx_ctx_free(ctx);
}

/* ---- the parser, in memory ---------------------------------------------- */

/* Collects "key=value|" for every pair, escapes decoded. */
struct collect {
    char buf[512];
    size_t len;
    unsigned last_line;
    unsigned stop_at; /* line at which to return LX_ERR_NOMEM; 0 = never */
};

static int collect_cb(unsigned line, const char *key, size_t keylen,
                      const char *val, size_t vallen, void *ud)
{
    struct collect *c = ud;

    assert_true(line > c->last_line);
    c->last_line = line;
    if (line == c->stop_at) {
        return LX_ERR_NOMEM;
    }
    assert_true(c->len + keylen + vallen + 3 < sizeof(c->buf));
    memcpy(c->buf + c->len, key, keylen);
    c->len += keylen;
    c->buf[c->len++] = '=';
    memcpy(c->buf + c->len, val, vallen);
    c->len += vallen;
    c->buf[c->len++] = '|';
    c->buf[c->len] = '\0';
    return 0;
}

struct parse_ok {
    const char *in;
    const char *want;
};

static const struct parse_ok parse_ok_cases[] = {
    {"", ""},
    {"\n\n\n", ""},
    {"A=1", "A=1|"},
    {"A=1\n", "A=1|"},
    {"A = 1 ", "A=1|"},
    {"\tA\t=\t1\t", "A=1|"},
    {"export A=1", "A=1|"},
    {"export \t A=1", "A=1|"},
    {"export=1", "export=1|"},
    {"exportA=1", "exportA=1|"},
    {"_x9=1", "_x9=1|"},
    {"A=hello world", "A=hello world|"},
    {"A=x # comment", "A=x|"},
    {"A=x\t# comment", "A=x|"},
    {"A=x#y", "A=x#y|"},
    {"A=#x", "A=#x|"},
    {"A= #x", "A=|"},
    {"A=", "A=|"},
    {"A=a'b\"c", "A=a'b\"c|"},
    {"A='x # y'", "A=x # y|"},
    {"A='\\n$HOME'", "A=\\n$HOME|"},
    {"A=''", "A=|"},
    {"A='x' # c", "A=x|"},
    {"A='x'#c", "A=x|"},
    {"A=\"\"", "A=|"},
    {"A=\"a\\nb\\tc\"", "A=a\nb\tc|"},
    {"A=\"q\\\"q\\\\\"", "A=q\"q\\|"},
    {"A=\"it's # here\"  ", "A=it's # here|"},
    {"A=\"x\" # c", "A=x|"},
    {"A=1\r\nB=2\r\n", "A=1|B=2|"},
    {"A=1\nA=2", "A=1|A=2|"},
    {"\xEF\xBB\xBF"
     "A=1",
     "A=1|"},
    {"A=\xC3\xBCn\xC3\xAF", "A=\xC3\xBCn\xC3\xAF|"},
    {"  # comment\n\n\tA=1\n#B=2", "A=1|"},
    {"A='multi word value'\nB=\"two\"\nC=three", "A=multi word value|B=two|"
                                                 "C=three|"},
};

static void test_parse_valid(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(parse_ok_cases); i++) {
        struct collect c;
        const char *reason = "x";
        unsigned line = 99;
        int rc;

        memset(&c, 0, sizeof(c));
        rc =
            lx__dotenv_parse(parse_ok_cases[i].in, strlen(parse_ok_cases[i].in),
                             collect_cb, &c, &line, &reason);
        if (rc != LX_OK || strcmp(c.buf, parse_ok_cases[i].want) != 0) {
            fail_msg("case %zu: rc=%d line=%u reason=%s got [%s]", i, rc, line,
                     reason != NULL ? reason : "-", c.buf);
        }
        assert_int_equal(line, 0);
        assert_null(reason);
    }
}

struct parse_bad {
    const char *in;
    size_t len; /* 0: strlen */
    unsigned line;
    const char *reason; /* a substring of the expected reason */
};

static const struct parse_bad parse_bad_cases[] = {
    {"A", 0, 1, "missing '='"},
    {"A B=1", 0, 1, "missing '='"},
    {"OK=1\nexport A", 0, 2, "missing '='"},
    {"OK=1\nexport ", 0, 2, "missing variable name after 'export'"},
    {"1A=x", 0, 1, "must start with a letter"},
    {"-A=x", 0, 1, "must start with a letter"},
    {"A-B=1", 0, 1, "invalid character in variable name"},
    {"A.B=1", 0, 1, "invalid character in variable name"},
    {"=1", 0, 1, "missing variable name before '='"},
    {"A='x", 0, 1, "unterminated single-quoted"},
    {"A=\"x", 0, 1, "unterminated double-quoted"},
    {"A=\"x\\\"", 0, 1, "unterminated double-quoted"},
    {"A=\"x\\", 0, 1, "unterminated double-quoted"},
    {"A=\"x\ny\"", 0, 1, "unterminated double-quoted"},
    {"A=\"x\" y", 0, 1, "after the closing quote"},
    {"A='x'y", 0, 1, "after the closing quote"},
    {"A='it''s'", 0, 1, "after the closing quote"},
    {"A=\"\\r\"", 0, 1, "unsupported escape"},
    {"A=\"\\$\"", 0, 1, "unsupported escape"},
    {"A=1\n\nB=x\0y", 10, 3, "NUL byte"},
    {"# c\0mment", 9, 1, "NUL byte"},
    {"A=1\rB=2", 0, 1, "carriage return"},
    {"A='x\ry'", 0, 1, "carriage return"},
    {"A=1\r\n\r\nbad", 0, 3, "missing '='"},
    {"\xEF\xBB\xBF\xEF\xBB\xBF"
     "A=1",
     0, 1, "must start with a letter"},
};

static void test_parse_malformed(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(parse_bad_cases); i++) {
        const struct parse_bad *t = &parse_bad_cases[i];
        size_t len = t->len != 0 ? t->len : strlen(t->in);
        struct collect c;
        const char *reason = NULL;
        unsigned line = 0;
        int rc;

        memset(&c, 0, sizeof(c));
        rc = lx__dotenv_parse(t->in, len, collect_cb, &c, &line, &reason);
        if (rc != LX_ERR_PARSE || line != t->line || reason == NULL ||
            strstr(reason, t->reason) == NULL) {
            fail_msg("case %zu: rc=%d line=%u reason=%s", i, rc, line,
                     reason != NULL ? reason : "-");
        }
    }
}

static void test_parse_api(void **state)
{
    static const char in[] = "A=1\nB=2\nC=3\n";
    struct collect c;
    const char *reason = "x";
    unsigned line = 7;
    char *big;
    size_t n;

    (void)state;
    /* A callback's error stops the parse and comes back unchanged. */
    memset(&c, 0, sizeof(c));
    c.stop_at = 2;
    assert_int_equal(
        lx__dotenv_parse(in, strlen(in), collect_cb, &c, &line, &reason),
        LX_ERR_NOMEM);
    assert_int_equal(line, 2);
    assert_null(reason);
    assert_string_equal(c.buf, "A=1|");
    assert_int_equal(lx__dotenv_parse(in, 3, NULL, NULL, &line, &reason),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dotenv_parse(NULL, 1, collect_cb, &c, NULL, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dotenv_parse(NULL, 0, collect_cb, &c, NULL, NULL),
                     LX_OK);

    /* Escaped double-quoted values decode up to LX__DOTENV_ESCAPED_MAX. */
    n = 4 + LX__DOTENV_ESCAPED_MAX + 1;
    big = test_malloc(n + 8);
    memcpy(big, "A=\"\\n", 5);
    memset(big + 5, 'v', n - 5);
    big[4 + LX__DOTENV_ESCAPED_MAX] = '"';
    memset(&c, 0, sizeof(c));
    c.stop_at = 1; /* the value is too large to collect; stopping is enough */
    assert_int_equal(lx__dotenv_parse(big, 5 + LX__DOTENV_ESCAPED_MAX,
                                      collect_cb, &c, &line, &reason),
                     LX_ERR_NOMEM);
    big[4 + LX__DOTENV_ESCAPED_MAX] = 'v';
    big[5 + LX__DOTENV_ESCAPED_MAX] = '"';
    assert_int_equal(lx__dotenv_parse(big, 6 + LX__DOTENV_ESCAPED_MAX,
                                      collect_cb, &c, &line, &reason),
                     LX_ERR_PARSE);
    assert_non_null(strstr(reason, "too long"));
    test_free(big);
}

/* ---- .env files --------------------------------------------------------- */

struct fixture_case {
    const char *file;
    const char *venue;
    int rc;
    unsigned line;
    const char *reason;                    /* substring; NULL on success */
    const char *want[LX_CRED_FIELD_COUNT]; /* on success */
};

static const struct fixture_case fixture_cases[] = {
    {"valid.env",
     "binance-spot",
     LX_OK,
     0,
     NULL,
     {"fixture-bs-key-0001", "fixture-bs-secret # not a comment",
      "pass\"word\\with\tescapes", NULL}},
    {"valid.env", "okx", LX_OK, 0, NULL, {"fixture-okx-key", 0, 0, 0}},
    {"valid.env", "bybit", LX_OK, 0, NULL, {0, 0, 0, 0}},
    {"crlf.env",
     "bybit",
     LX_OK,
     0,
     NULL,
     {"fixture-bybit-key", "fixture-bybit-secret", 0, 0}},
    {"bom_no_final_newline.env",
     "deribit",
     LX_OK,
     0,
     NULL,
     {"fixture-deribit-key", "fixture-deribit-secret", 0, 0}},
    {"multi_venue.env",
     "okx",
     LX_OK,
     0,
     NULL,
     {"fixture-okx-key-2", "fixture-okx-secret", "fixture-okx-pass", 0}},
    {"multi_venue.env",
     "hyperliquid",
     LX_OK,
     0,
     NULL,
     {0, 0, 0,
      "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
    {"multi_venue.env",
     "binance-usdm",
     LX_OK,
     0,
     NULL,
     {"fixture-usdm-key", "fixture-usdm-secret", 0, 0}},
    {"unknown_lotusx.env",
     "binance-spot",
     LX_OK,
     0,
     NULL,
     {"fixture-bs-key-0002", 0, 0, 0}},
    {"empty.env", "okx", LX_OK, 0, NULL, {0, 0, 0, 0}},
    {"comments_only.env", "okx", LX_OK, 0, NULL, {0, 0, 0, 0}},
    {"missing_equals.env", "okx", LX_ERR_PARSE, 3, "missing '='", {0}},
    {"bad_key_start.env", "okx", LX_ERR_PARSE, 2, "must start", {0}},
    {"bad_key_char.env", "okx", LX_ERR_PARSE, 4, "invalid character", {0}},
    {"empty_key.env", "okx", LX_ERR_PARSE, 2, "missing variable name", {0}},
    {"unterminated_single.env", "okx", LX_ERR_PARSE, 3, "single-quoted", {0}},
    {"unterminated_double.env", "okx", LX_ERR_PARSE, 2, "double-quoted", {0}},
    {"trailing_garbage.env", "okx", LX_ERR_PARSE, 5, "closing quote", {0}},
    {"bad_escape.env", "okx", LX_ERR_PARSE, 2, "unsupported escape", {0}},
    {"nul_byte.env", "okx", LX_ERR_PARSE, 3, "NUL byte", {0}},
    {"bare_cr.env", "okx", LX_ERR_PARSE, 1, "carriage return", {0}},
    {"export_only.env", "okx", LX_ERR_PARSE, 2, "after 'export'", {0}},
};

static void test_dotenv_fixtures(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(fixture_cases); i++) {
        const struct fixture_case *t = &fixture_cases[i];
        struct lx_creds *c = NULL;
        struct lx_dotenv_error err;
        char path[512];
        int f, rc;

        lx__snprintf(path, sizeof(path), "%s/%s", LX_DOTENV_FIXTURES, t->file);
        assert_int_equal(lx_creds_new(&c, ctx, t->venue), LX_OK);
        memset(&err, 'x', sizeof(err));
        rc = lx_creds_load_dotenv(c, path, &err);
        if (rc != t->rc || err.line != t->line ||
            (t->reason != NULL && strstr(err.reason, t->reason) == NULL) ||
            (t->reason == NULL && err.reason[0] != '\0')) {
            fail_msg("%s/%s: rc=%d line=%u reason=%s", t->file, t->venue, rc,
                     err.line, err.reason);
        }
        assert_string_equal(err.file, path);
        for (f = 0; f < LX_CRED_FIELD_COUNT; f++) {
            assert_field(c, (enum lx_cred_field)f,
                         rc == LX_OK ? t->want[f] : NULL, LX_CRED_SRC_DOTENV);
        }
        lx_creds_free(c);
    }
    lx_ctx_free(ctx);
}

/* Unknown LOTUSX_ keys are warned about by name, never by value. */
static void test_dotenv_unknown_keys(void **state)
{
    struct capture cap;
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), &cap);
    struct lx_creds *c = NULL;

    (void)state;
    lx_ctx_set_log_level(ctx, LX_LOG_WARN);
    assert_int_equal(lx_creds_new(&c, ctx, "binance-spot"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, FIX("unknown_lotusx.env"), NULL),
                     LX_OK);
    assert_int_equal(count_substr(cap.buf, "dotenv_unknown_key"), 3);
    assert_int_equal(cap.lines, 3);
    assert_non_null(strstr(cap.buf, "line=2 key=LOTUSX_BINANCE_SPOT_APIKEY "));
    assert_non_null(strstr(cap.buf, "line=3 key=LOTUSX_KRAKEN_API_KEY "));
    assert_non_null(strstr(cap.buf, "line=4 key=lotusx_binance_spot_api_key "));
    assert_non_null(strstr(cap.buf, "warn core "));
    assert_null(strstr(cap.buf, "fixture-"));
    assert_null(strstr(cap.buf, "NOT_OURS"));
    /* Other venues' keys are known and so not warned about. */
    memset(&cap, 0, sizeof(cap));
    assert_int_equal(lx_creds_load_dotenv(c, FIX("multi_venue.env"), NULL),
                     LX_OK);
    assert_int_equal(cap.lines, 0);
    lx_creds_free(c);
    lx_ctx_free(ctx);
}

/* A malformed file changes nothing, even lines before the bad one. */
static void test_dotenv_atomic(void **state)
{
    static const char text[] = "LOTUSX_OKX_API_KEY=new-key\n"
                               "LOTUSX_OKX_PASSPHRASE=new-pass\n"
                               "LOTUSX_OKX_API_SECRET='unterminated\n";
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    struct lx_dotenv_error err;
    char path[256];

    (void)state;
    write_temp(path, sizeof(path), text, strlen(text));
    assert_int_equal(lx_creds_new(&c, ctx, "okx"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, FIX("valid.env"), NULL), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, path, &err), LX_ERR_PARSE);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, path);
    assert_field(c, LX_CRED_API_KEY, "fixture-okx-key", LX_CRED_SRC_DOTENV);
    assert_field(c, LX_CRED_PASSPHRASE, NULL, 0);
    lx_creds_free(c);
    unlink(path);
    lx_ctx_free(ctx);
}

static void test_dotenv_file_errors(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    struct lx_dotenv_error err;
    const char *missing = FIX("does-not-exist.env");

    (void)state;
    assert_int_equal(lx_creds_new(&c, ctx, "okx"), LX_OK);
    memset(&err, 'x', sizeof(err));
    assert_int_equal(lx_creds_load_dotenv(c, missing, &err), LX_ERR_FILE);
    assert_string_equal(err.file, missing);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.reason, "cannot open: no such file or directory");
    assert_int_equal(lx_creds_load_dotenv(c, missing, NULL), LX_ERR_FILE);

    assert_int_equal(lx_creds_load_dotenv(c, LX_DOTENV_FIXTURES, &err),
                     LX_ERR_FILE);
    assert_string_equal(err.reason, "cannot read: is a directory");
    assert_int_equal(lx_creds_load_dotenv(c, FIX("valid.env/x"), &err),
                     LX_ERR_FILE);
    assert_string_equal(err.reason,
                        "cannot open: a path component is not a directory");

    /* A character device is read like a pipe; /dev/null is empty. */
    assert_int_equal(lx_creds_load_dotenv(c, "/dev/null", &err), LX_OK);
    assert_string_equal(err.reason, "");

    assert_int_equal(lx_creds_load_dotenv(NULL, missing, &err), LX_ERR_INVAL);
    assert_string_equal(err.reason, "invalid argument");
    assert_int_equal(lx_creds_load_dotenv(c, NULL, &err), LX_ERR_INVAL);
    assert_true(lx_creds_is_read_only(c));
    lx_creds_free(c);
    lx_ctx_free(ctx);
}

/* The size cap: LX_DOTENV_MAX_SIZE is fine, one byte more is TOOBIG. */
static void test_dotenv_size_cap(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    struct lx_dotenv_error err;
    size_t n = LX_DOTENV_MAX_SIZE;
    char *buf = test_malloc(n + 1);
    char path[256];

    (void)state;
    memset(buf, '#', n + 1);
    memcpy(buf, "LOTUSX_OKX_API_KEY=k\n", 21);
    buf[n - 1] = '\n';
    write_temp(path, sizeof(path), buf, n);
    assert_int_equal(lx_creds_new(&c, ctx, "okx"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, path, &err), LX_OK);
    assert_field(c, LX_CRED_API_KEY, "k", LX_CRED_SRC_DOTENV);
    unlink(path);
    write_temp(path, sizeof(path), buf, n + 1);
    assert_int_equal(lx_creds_load_dotenv(c, path, &err), LX_ERR_TOOBIG);
    assert_int_equal(err.line, 0);
    assert_string_equal(err.reason, "file larger than 1048576 bytes");
    unlink(path);
    lx_creds_free(c);
    test_free(buf);
    lx_ctx_free(ctx);
}

/* A value over LX_SECRET_MAX_LEN is an error for this venue's keys only. */
static void test_dotenv_value_toobig(void **state)
{
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), NULL);
    struct lx_creds *c = NULL;
    struct lx_dotenv_error err;
    size_t n = LX_SECRET_MAX_LEN + 1, off;
    char *buf = test_malloc(n + 64);
    char path[256];

    (void)state;
    off = (size_t)lx__snprintf(buf, 64, "A=1\nLOTUSX_BYBIT_API_SECRET=");
    memset(buf + off, 's', n);
    buf[off + n] = '\n';
    write_temp(path, sizeof(path), buf, off + n + 1);
    assert_int_equal(lx_creds_new(&c, ctx, "bybit"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, path, &err), LX_ERR_TOOBIG);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.reason, "value longer than 65536 bytes");
    lx_creds_free(c);
    assert_int_equal(lx_creds_new(&c, ctx, "okx"), LX_OK);
    assert_int_equal(lx_creds_load_dotenv(c, path, &err), LX_OK);
    lx_creds_free(c);
    unlink(path);
    test_free(buf);
    lx_ctx_free(ctx);
}

/* ---- failmalloc --------------------------------------------------------- */

static int fm_secret(const struct lx_mem *mem, void *ud)
{
    struct lx_ctx *ctx = NULL;
    struct lx_secret *s = NULL;
    char fp[17];
    int rc;

    (void)ud;
    rc = lx_ctx_new(&ctx, mem);
    if (rc != LX_OK) {
        return rc;
    }
    lx_ctx_set_log(ctx, quiet_sink, NULL);
    rc = lx_secret_new(&s, ctx, "failmalloc-secret", 17);
    if (rc == LX_OK) {
        assert_int_equal(lx_secret_fingerprint(s, fp), LX_OK);
        assert_true(lx_secret_equal(s, "failmalloc-secret", 17));
    } else {
        assert_null(s);
    }
    lx_secret_free(s);
    lx_ctx_free(ctx);
    return rc;
}

static void test_failmalloc_secret(void **state)
{
    (void)state;
    lx_test_failmalloc(fm_secret, NULL);
}

/* Runs every loader; a NOMEM anywhere must leave the set as it was. */
static int fm_creds_steps(struct lx_creds *c)
{
    int rc = lx_creds_set(c, LX_CRED_API_KEY, "explicit", 8);

    if (rc == LX_OK) {
        rc = lx_creds_load_env(c);
    }
    if (rc == LX_OK) {
        rc = lx_creds_load_dotenv(c, FIX("multi_venue.env"), NULL);
    }
    if (rc == LX_OK) {
        rc = lx_creds_load_dotenv(c, FIX("unterminated_single.env"), NULL);
        if (rc == LX_ERR_NOMEM) {
            return rc;
        }
        assert_int_equal(rc, LX_ERR_PARSE);
        rc = LX_OK;
        assert_field(c, LX_CRED_API_KEY, "explicit", LX_CRED_SRC_EXPLICIT);
        assert_field(c, LX_CRED_API_SECRET, "fm-env-secret", LX_CRED_SRC_ENV);
        assert_field(c, LX_CRED_PASSPHRASE, "fixture-okx-pass",
                     LX_CRED_SRC_DOTENV);
    }
    return rc;
}

static int fm_creds(const struct lx_mem *mem, void *ud)
{
    struct lx_ctx *ctx = NULL;
    struct lx_creds *c = NULL;
    int rc;

    (void)ud;
    rc = lx_ctx_new(&ctx, mem);
    if (rc != LX_OK) {
        return rc;
    }
    lx_ctx_set_log(ctx, quiet_sink, NULL);
    lx_ctx_set_log_level(ctx, LX_LOG_TRACE);
    rc = lx_creds_new(&c, ctx, "okx");
    if (rc == LX_OK) {
        rc = fm_creds_steps(c);
    }
    lx_creds_free(c);
    lx_ctx_free(ctx);
    return rc;
}

static void test_failmalloc_creds(void **state)
{
    (void)state;
    clear_env("LOTUSX_OKX_");
    setenv("LOTUSX_OKX_API_SECRET", "fm-env-secret", 1);
    lx_test_failmalloc(fm_creds, NULL);
    clear_env("LOTUSX_OKX_");
}

/* ---- acceptance: secrets never reach logs or error reasons -------------- */

#define CANARY "Zq9-LEAKCANARY-x7Pw-4411-kT0v"

/*
 * Returns the offset in CANARY of the first 8-byte piece of it that occurs
 * in hay, or -1 if none does (so partial leaks count too).
 */
static int find_canary(const char *hay, size_t len)
{
    const size_t n = sizeof(CANARY) - 1;
    size_t i;

    for (i = 0; i + 8 <= n; i++) {
        if (memmem(hay, len, &CANARY[i], 8) != NULL) {
            return (int)i;
        }
    }
    return -1;
}

/* Each line is malformed and carries the canary; line numbers vary. */
static const struct {
    const char *text;
    size_t len; /* 0: strlen */
    unsigned line;
} leak_files[] = {
    {"A=1\n" CANARY "\n", 0, 2},
    {CANARY "=x\n", 0, 1},
    {"9" CANARY "=x\n", 0, 1},
    {"=" CANARY "\n", 0, 1},
    {"LOTUSX_BINANCE_SPOT_API_KEY " CANARY "\n", 0, 1},
    {"A=1\nB=2\nLOTUSX_BINANCE_SPOT_API_KEY='" CANARY "\n", 0, 3},
    {"LOTUSX_BINANCE_SPOT_API_SECRET=\"" CANARY "\n", 0, 1},
    {"LOTUSX_BINANCE_SPOT_API_SECRET=\"" CANARY "\" " CANARY "\n", 0, 1},
    {"LOTUSX_BINANCE_SPOT_API_SECRET=\"" CANARY "\\q\"\n", 0, 1},
    {"LOTUSX_BINANCE_SPOT_API_SECRET=\"\\n" CANARY "\" x\n", 0, 1},
    {"LOTUSX_BINANCE_SPOT_API_SECRET=" CANARY "\0" CANARY "\n",
     sizeof("LOTUSX_BINANCE_SPOT_API_SECRET=" CANARY "\0" CANARY "\n") - 1, 1},
    {"LOTUSX_BINANCE_SPOT_API_SECRET=" CANARY "\r" CANARY "\n", 0, 1},
};

struct leak_run {
    struct capture cap;
    char reasons[8192];
    size_t rlen;
};

static void load_and_record(struct leak_run *r, struct lx_creds *c,
                            const char *path, int want_rc, unsigned line)
{
    struct lx_dotenv_error err;
    int rc = lx_creds_load_dotenv(c, path, &err);

    if (rc != want_rc || err.line != line) {
        fail_msg("%s: rc=%d line=%u reason=%s", path, rc, err.line, err.reason);
    }
    r->rlen += (size_t)lx__snprintf(
        r->reasons + r->rlen, sizeof(r->reasons) - r->rlen, "%s\n", err.reason);
    r->rlen +=
        (size_t)lx__snprintf(r->reasons + r->rlen, sizeof(r->reasons) - r->rlen,
                             "%s\n", lx_strerror(rc));
}

static void leak_run_files(struct leak_run *r, struct lx_creds *c)
{
    char path[256];
    size_t i;

    for (i = 0; i < LX_ARRAY_LEN(leak_files); i++) {
        size_t len = leak_files[i].len != 0 ? leak_files[i].len
                                            : strlen(leak_files[i].text);

        write_temp(path, sizeof(path), leak_files[i].text, len);
        load_and_record(r, c, path, LX_ERR_PARSE, leak_files[i].line);
        unlink(path);
    }
}

/* A good file: the canary as every field, as an unknown key, elsewhere. */
static void leak_run_good_file(struct leak_run *r, struct lx_creds *c)
{
    static const char text[] =
        "LOTUSX_BINANCE_SPOT_API_KEY=" CANARY "\n"
        "LOTUSX_BINANCE_SPOT_API_SECRET='" CANARY "'\n"
        "LOTUSX_BINANCE_SPOT_PASSPHRASE=\"" CANARY "\\n\"\n"
        "export LOTUSX_BINANCE_SPOT_PRIVATE_KEY=" CANARY " # " CANARY "\n"
        "LOTUSX_BINANCE_SPOT_APISECRET=" CANARY "\n"
        "LOTUSX_OKX_API_KEY=" CANARY "\n"
        "LOTUSX_BINANCE_SPOT_API_KEY_OLD=" CANARY "\n"
        "LOTUSX_=" CANARY "\n";
    char path[256];

    write_temp(path, sizeof(path), text, strlen(text));
    load_and_record(r, c, path, LX_OK, 0);
    unlink(path);
    assert_true(lx_secret_equal(lx_creds_get(c, LX_CRED_API_SECRET), CANARY,
                                strlen(CANARY)));
    assert_int_equal(lx_secret_len(lx_creds_get(c, LX_CRED_PASSPHRASE)),
                     strlen(CANARY) + 1);
}

static void leak_run_big(struct leak_run *r, struct lx_creds *c)
{
    const size_t n = strlen(CANARY), reps = LX_SECRET_MAX_LEN / n + 2;
    char *buf = test_malloc(64 + reps * n);
    char path[256];
    size_t off, i;

    off = (size_t)lx__snprintf(buf, 64, "LOTUSX_BINANCE_SPOT_API_KEY=");
    for (i = 0; i < reps; i++, off += n) {
        memcpy(buf + off, CANARY, n);
    }
    write_temp(path, sizeof(path), buf, off);
    load_and_record(r, c, path, LX_ERR_TOOBIG, 1);
    unlink(path);
    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, buf, off), LX_ERR_TOOBIG);
    test_free(buf);
}

static void leak_run_secret_api(struct lx_ctx *ctx, struct lx_creds *c)
{
    struct lx_secret *s = NULL;
    char fp[17];

    assert_int_equal(lx_creds_set(c, LX_CRED_API_KEY, CANARY, strlen(CANARY)),
                     LX_OK);
    assert_int_equal(
        lx_creds_set(c, LX_CRED_PRIVATE_KEY, CANARY, strlen(CANARY)), LX_OK);
    assert_int_equal(lx_secret_new(&s, ctx, CANARY, strlen(CANARY)), LX_OK);
    assert_int_equal(lx_secret_fingerprint(s, fp), LX_OK);
    assert_true(lx_secret_equal(s, CANARY, strlen(CANARY)));
    lx_secret_free(s);
    assert_false(lx_creds_is_read_only(c));
}

static void test_acceptance_no_secret_in_logs(void **state)
{
    struct leak_run *r = test_calloc(1, sizeof(*r));
    struct lx_ctx *ctx = new_ctx(lx_test_mem(), &r->cap);
    struct lx_creds *c = NULL;

    (void)state;
    clear_env("LOTUSX_BINANCE_SPOT_");
    setenv("LOTUSX_BINANCE_SPOT_API_KEY", CANARY, 1);
    setenv("LOTUSX_BINANCE_SPOT_API_SECRET", CANARY, 1);
    assert_int_equal(lx_creds_new(&c, ctx, "binance-spot"), LX_OK);
    assert_int_equal(lx_creds_load_env(c), LX_OK);
    assert_field(c, LX_CRED_API_KEY, CANARY, LX_CRED_SRC_ENV);
    leak_run_good_file(r, c);
    leak_run_files(r, c);
    leak_run_big(r, c);
    leak_run_secret_api(ctx, c);
    load_and_record(r, c, FIX("no-such.env"), LX_ERR_FILE, 0);
    lx_creds_free(c);
    clear_env("LOTUSX_BINANCE_SPOT_");

    /* The test can fail: the log really holds the events around the secret. */
    assert_true(r->cap.lines >= 20);
    assert_non_null(strstr(r->cap.buf, "creds_loaded venue=binance-spot "
                                       "source=env fields=api_key,api_secret"));
    assert_non_null(strstr(r->cap.buf, "field=api_key source=env fp="));
    assert_int_equal(count_substr(r->cap.buf, "dotenv_unknown_key"), 3);
    assert_int_equal(count_substr(r->cap.buf, "dotenv_error"),
                     (int)LX_ARRAY_LEN(leak_files) + 2);
    assert_non_null(strstr(r->reasons, "unterminated"));
    assert_int_equal(find_canary(r->cap.buf, r->cap.len), -1);
    assert_int_equal(find_canary(r->reasons, r->rlen), -1);
    lx_ctx_free(ctx);
    test_free(r);
}

/* The detector itself works: whole and partial leaks are caught. */
static void test_acceptance_detector(void **state)
{
    static const char whole[] = "x=1 leaked=" CANARY " y=2";
    static const char tail[] = "reason=\"...x7Pw-4411-kT0v\"";

    (void)state;
    assert_int_equal(find_canary(whole, sizeof(whole) - 1), 0);
    assert_true(find_canary(tail, sizeof(tail) - 1) > 0);
    assert_int_equal(find_canary("x7Pw-441", 7), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_lifecycle),
        cmocka_unit_test(test_secret_limits),
        cmocka_unit_test(test_secret_equal),
        cmocka_unit_test(test_secret_fingerprint),
        cmocka_unit_test(test_secret_pages),
        cmocka_unit_test(test_creds_basic),
        cmocka_unit_test(test_creds_set),
        cmocka_unit_test(test_creds_env_names),
        cmocka_unit_test(test_creds_env),
        cmocka_unit_test(test_creds_env_toobig),
        cmocka_unit_test(test_creds_precedence),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_api),
        cmocka_unit_test(test_dotenv_fixtures),
        cmocka_unit_test(test_dotenv_unknown_keys),
        cmocka_unit_test(test_dotenv_atomic),
        cmocka_unit_test(test_dotenv_file_errors),
        cmocka_unit_test(test_dotenv_size_cap),
        cmocka_unit_test(test_dotenv_value_toobig),
        cmocka_unit_test(test_failmalloc_secret),
        cmocka_unit_test(test_failmalloc_creds),
        cmocka_unit_test(test_acceptance_no_secret_in_logs),
        cmocka_unit_test(test_acceptance_detector),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
