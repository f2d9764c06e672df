/*
 * test_mock_render.c - the Binance mock renders every recorded Binance
 * message again, byte for byte.
 *
 * Each message of the real recordings (../shared/samples, and an excerpt
 * kept in fixtures/ so the test also runs from a release tarball) is read
 * here with plain cJSON into the unified types, rendered by the mock, and
 * compared with the bytes the venue sent. The reading is the test's own:
 * the connector's codec is not involved, so a misunderstanding shared by
 * the two halves cannot hide behind a round trip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/lx_internal.h"
#include "lotusx/lx_types.h"
#include "mock/server/sb.h"
#include "mock/venues/binance/render.h"
#include "lx_test.h"

#define MAX_LEVELS 6000

enum { K_TRADE, K_AGG, K_DEPTH, K_SNAP, K_BOOKT, K_KLINE, K_NKINDS };
static const char *const kind_names[K_NKINDS] = {
    "trade", "aggTrade", "depthUpdate", "snapshot", "bookTicker", "kline"};

struct tally {
    int ok[K_NKINDS];
    int bad;
    int skipped;
    char first_bad[600];
};

static struct lx_level bids[MAX_LEVELS], asks[MAX_LEVELS];

static struct lx_decimal dec(const cJSON *o, const char *k)
{
    const cJSON *v = k != NULL ? cJSON_GetObjectItemCaseSensitive(o, k) : o;
    struct lx_decimal d;

    assert_true(cJSON_IsString(v));
    assert_int_equal(
        lx_decimal_parse(v->valuestring, strlen(v->valuestring), &d), LX_OK);
    return d;
}

static int64_t num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_true(cJSON_IsNumber(v));
    return (int64_t)v->valuedouble;
}

static bool flag(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void sym(char *out, const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    assert_true(cJSON_IsString(v));
    lx__snprintf(out, LX_SYMBOL_LEN, "%s", v->valuestring);
}

static size_t read_levels(const cJSON *arr, struct lx_level *out)
{
    const cJSON *l;
    size_t n = 0;

    cJSON_ArrayForEach (l, arr) {
        assert_true(n < MAX_LEVELS);
        out[n].price = dec(cJSON_GetArrayItem(l, 0), NULL);
        out[n].qty = dec(cJSON_GetArrayItem(l, 1), NULL);
        n++;
    }
    return n;
}

/* Renders msg (one venue message, as text) again; returns its kind or -1. */
static int render_again(const char *text, struct lx_mock_sb *sb)
{
    cJSON *o = cJSON_Parse(text);
    const cJSON *e;
    bool fut;
    int kind = -1;

    assert_non_null(o);
    e = cJSON_GetObjectItemCaseSensitive(o, "e");
    /* USD-M messages carry a transaction time "T" at the top level. */
    fut = cJSON_GetObjectItemCaseSensitive(o, "T") != NULL;
    if (cJSON_IsString(e) && (strcmp(e->valuestring, "trade") == 0 ||
                              strcmp(e->valuestring, "aggTrade") == 0)) {
        struct lx_trade t;
        bool agg = strcmp(e->valuestring, "aggTrade") == 0;

        memset(&t, 0, sizeof(t));
        sym(t.symbol, o, "s");
        t.event_ms = num(o, "E");
        t.trade_ms = num(o, "T");
        t.trade_id = num(o, agg ? "a" : "t");
        t.price = dec(o, "p");
        t.qty = dec(o, "q");
        t.buyer_is_maker = flag(o, "m");
        /* Spot trades carry "M"; USD-M trades carry "X" instead. */
        fut = cJSON_GetObjectItemCaseSensitive(o, "M") == NULL;
        if (agg) {
            t.is_aggregate = true;
            t.first_trade_id = num(o, "f");
            t.last_trade_id = num(o, "l");
            lx_mock_bn_render_agg_trade(sb, &t, fut);
            kind = K_AGG;
        } else {
            lx_mock_bn_render_trade(sb, &t, fut);
            kind = K_TRADE;
        }
    } else if (cJSON_IsString(e) &&
               strcmp(e->valuestring, "depthUpdate") == 0) {
        struct lx_depth d;

        memset(&d, 0, sizeof(d));
        sym(d.symbol, o, "s");
        d.event_ms = num(o, "E");
        d.first_id = num(o, "U");
        d.final_id = num(o, "u");
        d.prev_final_id = fut ? num(o, "pu") : -1;
        d.tx_ms = fut ? num(o, "T") : 0;
        d.bids = bids;
        d.nbids = read_levels(cJSON_GetObjectItemCaseSensitive(o, "b"), bids);
        d.asks = asks;
        d.nasks = read_levels(cJSON_GetObjectItemCaseSensitive(o, "a"), asks);
        lx_mock_bn_render_depth_update(sb, &d, fut);
        kind = K_DEPTH;
    } else if (cJSON_GetObjectItemCaseSensitive(o, "lastUpdateId") != NULL) {
        struct lx_depth d;

        memset(&d, 0, sizeof(d));
        d.is_snapshot = true;
        d.last_update_id = num(o, "lastUpdateId");
        fut = cJSON_GetObjectItemCaseSensitive(o, "E") != NULL;
        if (fut) {
            d.event_ms = num(o, "E");
            d.tx_ms = num(o, "T");
        }
        d.bids = bids;
        d.nbids =
            read_levels(cJSON_GetObjectItemCaseSensitive(o, "bids"), bids);
        d.asks = asks;
        d.nasks =
            read_levels(cJSON_GetObjectItemCaseSensitive(o, "asks"), asks);
        lx_mock_bn_render_depth_snapshot(sb, &d, fut);
        kind = K_SNAP;
    } else if ((cJSON_IsString(e) &&
                strcmp(e->valuestring, "bookTicker") == 0) ||
               (e == NULL &&
                cJSON_GetObjectItemCaseSensitive(o, "A") != NULL)) {
        struct lx_book_ticker b;

        memset(&b, 0, sizeof(b));
        sym(b.symbol, o, "s");
        b.update_id = num(o, "u");
        b.bid = dec(o, "b");
        b.bid_qty = dec(o, "B");
        b.ask = dec(o, "a");
        b.ask_qty = dec(o, "A");
        if (e != NULL) {
            b.tx_ms = num(o, "T");
            b.event_ms = num(o, "E");
        }
        lx_mock_bn_render_book_ticker(sb, &b, e != NULL);
        kind = K_BOOKT;
    } else if (cJSON_IsString(e) && strcmp(e->valuestring, "kline") == 0) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "k");
        struct lx_kline kl;

        memset(&kl, 0, sizeof(kl));
        sym(kl.symbol, o, "s");
        kl.event_ms = num(o, "E");
        kl.open_ms = num(k, "t");
        kl.close_ms = num(k, "T");
        lx__snprintf(kl.interval, sizeof(kl.interval), "%s",
                     cJSON_GetObjectItemCaseSensitive(k, "i")->valuestring);
        kl.first_trade_id = num(k, "f");
        kl.last_trade_id = num(k, "L");
        kl.open = dec(k, "o");
        kl.close = dec(k, "c");
        kl.high = dec(k, "h");
        kl.low = dec(k, "l");
        kl.volume = dec(k, "v");
        kl.trades = num(k, "n");
        kl.closed = flag(k, "x");
        kl.quote_volume = dec(k, "q");
        kl.taker_buy_volume = dec(k, "V");
        kl.taker_buy_quote_volume = dec(k, "Q");
        lx_mock_bn_render_kline_ws(sb, &kl);
        kind = K_KLINE;
    }
    cJSON_Delete(o);
    return kind;
}

/* msg: a bare message or a combined-stream wrapper. */
static void check_message(const char *msg, struct tally *t)
{
    struct lx_mock_sb sb;
    const char *inner = msg;
    size_t ilen = strlen(msg);
    char *copy;
    int kind;

    if (strncmp(msg, "{\"stream\":", 10) == 0) {
        inner = strstr(msg, ",\"data\":");
        assert_non_null(inner);
        inner += 8;
        ilen = strlen(inner) - 1; /* the wrapper's closing brace */
    }
    copy = lx__strndup(NULL, inner, ilen);
    lx_mock_sb_init(&sb);
    kind = render_again(copy, &sb);
    assert_int_equal(sb.err, LX_OK);
    if (kind < 0) {
        t->skipped++;
    } else if (sb.len == ilen && memcmp(sb.buf, inner, ilen) == 0) {
        t->ok[kind]++;
    } else {
        if (t->bad++ == 0) {
            lx__snprintf(t->first_bad, sizeof(t->first_bad),
                         "venue:  %.250s\nmock:   %.250s", copy,
                         sb.buf != NULL ? sb.buf : "");
        }
    }
    lx_mock_sb_free(&sb);
    lx__free(NULL, copy);
}

/* "<ns> <json>" lines (hftbacktest and the fixture excerpt). */
static void run_plain(const char *path, struct tally *t)
{
    FILE *f = fopen(path, "r");
    static char line[4 * 1024 * 1024];

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *sp = strchr(line, ' ');
        size_t n = strlen(line);

        if (n > 0 && line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        if (sp != NULL && sp[1] == '{') {
            check_message(sp + 1, t);
        }
    }
    fclose(f);
}

/* cryptofeed NDJSON: the message is the "data" string of recv/http rows. */
static void run_cryptofeed(const char *path, struct tally *t)
{
    FILE *f = fopen(path, "r");
    static char line[16 * 1024 * 1024];

    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        cJSON *row = cJSON_Parse(line);
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(row, "t");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(row, "data");

        if (cJSON_IsString(ty) && cJSON_IsString(data) &&
            (strcmp(ty->valuestring, "recv") == 0 ||
             strcmp(ty->valuestring, "http") == 0)) {
            check_message(data->valuestring, t);
        }
        cJSON_Delete(row);
    }
    fclose(f);
}

static void report(const char *what, const struct tally *t)
{
    int k;

    printf("# %s:", what);
    for (k = 0; k < K_NKINDS; k++) {
        printf(" %s=%d", kind_names[k], t->ok[k]);
    }
    printf(" skipped=%d mismatched=%d\n", t->skipped, t->bad);
    if (t->bad > 0) {
        printf("# first mismatch:\n# %s\n", t->first_bad);
    }
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "r");

    if (f != NULL) {
        fclose(f);
    }
    return f != NULL;
}

/* The excerpt in fixtures/: always present. */
/* The builder's integers read as printf's %lld / %llu, edges included. */
static void test_sb_integers(void **state)
{
    static const int64_t iv[] = {
        0,         1,         -1,           9,
        10,        -10,       123456789,    -987654321012LL,
        INT64_MAX, INT64_MIN, INT64_MIN + 1};
    static const uint64_t uv[] = {0, 1, 10, 18446744073709551615ULL,
                                  9223372036854775808ULL};
    struct lx_mock_sb sb;
    char want[32];
    size_t i;

    (void)state;
    lx_mock_sb_init(&sb);
    for (i = 0; i < sizeof(iv) / sizeof(iv[0]); i++) {
        lx_mock_sb_reset(&sb);
        lx_mock_sb_i64(&sb, iv[i]);
        lx__snprintf(want, sizeof(want), "%lld", (long long)iv[i]);
        assert_string_equal(sb.buf, want);
        assert_int_equal(sb.len, strlen(want));
    }
    for (i = 0; i < sizeof(uv) / sizeof(uv[0]); i++) {
        lx_mock_sb_reset(&sb);
        lx_mock_sb_str(&sb, "x");
        lx_mock_sb_u64(&sb, uv[i]);
        lx__snprintf(want, sizeof(want), "x%llu", (unsigned long long)uv[i]);
        assert_string_equal(sb.buf, want);
    }
    lx_mock_sb_free(&sb);
}

static void test_excerpt(void **state)
{
    struct tally t;
    int k;

    (void)state;
    memset(&t, 0, sizeof(t));
    run_plain(LX_FIXTURES "/binance-excerpt.txt", &t);
    report("excerpt", &t);
    assert_int_equal(t.bad, 0);
    for (k = 0; k < K_NKINDS; k++) {
        assert_true(t.ok[k] > 0); /* every kind is covered */
    }
}

/* The full recordings, when ../shared/samples is beside the tree. */
static void test_full_samples(void **state)
{
    static const char *const plain[] = {
        "/binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
        "/binance-usdm/hftbacktest/btcusdt_20240718.txt"};
    static const char *const cf[] = {
        "/binance-spot/cryptofeed/BINANCE.2021-10-12.jsonl",
        "/binance-usdm/cryptofeed/BINANCE_FUTURES.2021-07-22.jsonl"};
    char path[1024];
    struct tally t;
    size_t i;
    int total = 0, k;

    (void)state;
    lx__snprintf(path, sizeof(path), "%s%s", LX_SAMPLES, plain[0]);
    if (!exists(path)) {
        skip(); /* a release tarball: the excerpt test stands in */
    }
    memset(&t, 0, sizeof(t));
    for (i = 0; i < LX_ARRAY_LEN(plain); i++) {
        lx__snprintf(path, sizeof(path), "%s%s", LX_SAMPLES, plain[i]);
        run_plain(path, &t);
    }
    for (i = 0; i < LX_ARRAY_LEN(cf); i++) {
        lx__snprintf(path, sizeof(path), "%s%s", LX_SAMPLES, cf[i]);
        run_cryptofeed(path, &t);
    }
    report("samples", &t);
    for (k = 0; k < K_NKINDS; k++) {
        total += t.ok[k];
    }
    assert_int_equal(t.bad, 0);
    assert_true(total > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sb_integers),
        cmocka_unit_test(test_excerpt),
        cmocka_unit_test(test_full_samples),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
