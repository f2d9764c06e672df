/*
 * test_binance_fastparse.c - the tree-free fast path of lx__bn_parse_ws
 * (src/venues/binance/codec_ws_fast.c) against the cJSON path.
 *
 * The contract under test: whenever lx__bn_parse_ws_fast accepts a frame,
 * the message, the level arrays it points to and the arena bytes taken
 * are exactly what lx__bn_parse_ws_slow gives; when it declines,
 * lx__bn_parse_ws gives the slow path's answer. Checked on
 * - every line of the real recordings (../shared/samples, LX_SAMPLES_DIR;
 *   skipped when absent), with the fast path required to take every frame
 *   of the kinds it maps;
 * - the user-data events of fixtures/binance and the mock's renderings of
 *   them (executionReport, outboundAccountPosition, balanceUpdate,
 *   ORDER_TRADE_UPDATE, TRADE_LITE, ALGO_UPDATE, ACCOUNT_UPDATE), which
 *   the fast path must take, also in the WebSocket API's
 *   {"subscriptionId":..,"event":..} wrapper;
 * - rewritten frames: every key order of each kind, whitespace between all
 *   tokens, unknown keys of every JSON type (nested, escaped), numbers as
 *   strings and as numbers, huge and out-of-range numbers, nulls, repeated
 *   keys, escapes, steering keys, and every truncation of each frame; for
 *   the user-data events also the keys of their nested objects ("o", "a",
 *   the balance and position elements), ids as numbers and strings, enum
 *   words the tables do not know, and arrays longer than the stack
 *   scratch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_test.h"
#include "lx_test_file.h"

#include "core/lx_internal.h"
#include "venues/binance/binance.h"
#include "venues/binance/codec_int.h"

#include "bn_msg_diff.h"

/* ---- The differential check -----------------------------------------------
 */

struct env {
    struct lx_arena *fast, *slow, *both;
    unsigned accepted, declined;
};

static struct lx_arena *arena_new(void)
{
    struct lx_arena *a = NULL;

    assert_int_equal(lx_arena_new(&a, lx_test_mem(), 0), LX_OK);
    return a;
}

static void env_init(struct env *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->fast = arena_new();
    ev->slow = arena_new();
    ev->both = arena_new();
}

static void env_free(struct env *ev)
{
    lx_arena_free(ev->fast);
    lx_arena_free(ev->slow);
    lx_arena_free(ev->both);
}

/* The kinds the fast path maps (and bn_msg_diff compares). */
static bool mapped_kind(enum lx_bn_msg_kind k)
{
    return k == LX_BN_MSG_DEPTH || k == LX_BN_MSG_TRADE ||
           k == LX_BN_MSG_BOOK_TICKER || k == LX_BN_MSG_MARK_PRICE ||
           k == LX_BN_MSG_ORDER_UPDATE || k == LX_BN_MSG_ACCOUNT_UPDATE;
}

/*
 * Runs buf[len] (copied to a buffer of exactly len bytes, so a read past
 * the end is caught by valgrind) through the fast path, the slow path and
 * the dispatcher. Returns whether the fast path accepted it.
 */
static bool check(struct env *ev, enum lx_bn_market m, const char *buf,
                  size_t len)
{
    struct lx_bn_msg fm, sm, dm;
    struct lx_bn_err se, de;
    char *copy = lx__malloc(NULL, len > 0 ? len : 1);
    const char *w;
    int frc, src, drc;

    assert_non_null(copy);
    memcpy(copy, buf, len);
    lx_arena_reset(ev->fast);
    lx_arena_reset(ev->slow);
    lx_arena_reset(ev->both);
    frc = lx__bn_parse_ws_fast(m, copy, len, ev->fast, &fm);
    src = lx__bn_parse_ws_slow(m, copy, len, ev->slow, &sm, &se);
    drc = lx__bn_parse_ws(m, copy, len, ev->both, &dm, &de);
    assert_true(frc == LX_OK || frc == LX__BN_FAST_DECLINE);
    assert_int_equal(drc, src);
    if (frc == LX_OK) {
        if (src != LX_OK) {
            fail_msg("fast accepted, slow %s: %.*s", lx_err_name(src), (int)len,
                     buf);
        }
        w = bn_msg_diff(&fm, &sm);
        if (w != NULL) {
            fail_msg("fast/slow differ in %s: %.*s", w, (int)len, buf);
        }
        assert_int_equal(lx_arena_used(ev->fast), lx_arena_used(ev->slow));
        assert_int_equal(de.json.code, LX_OK);
        assert_int_equal(de.venue.code, 0);
        ev->accepted++;
    } else {
        ev->declined++;
    }
    if (src == LX_OK && (frc == LX_OK || mapped_kind(sm.kind))) {
        w = bn_msg_diff(&dm, &sm);
        if (w != NULL) {
            fail_msg("dispatcher/slow differ in %s: %.*s", w, (int)len, buf);
        }
    } else if (src != LX_OK) {
        assert_int_equal(de.json.code, se.json.code);
        assert_string_equal(de.json.path, se.json.path);
    }
    lx__free(NULL, copy);
    return frc == LX_OK;
}

/* ---- Samples --------------------------------------------------------------
 */

static char *sample(const char *rel, size_t *len)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024];

    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, rel);
    return lx_test_read_path(path, len);
}

/* Whether the slow path maps buf to a kind the fast path must take. */
static bool fast_kind(enum lx_bn_market m, const char *buf, size_t len,
                      struct lx_arena *a)
{
    struct lx_bn_msg msg;
    struct lx_bn_err e;

    lx_arena_reset(a);
    if (lx__bn_parse_ws_slow(m, buf, len, a, &msg, &e) != LX_OK) {
        return false;
    }
    return mapped_kind(msg.kind);
}

/* One frame of a recording: must match, and be taken when mappable. */
static void sample_frame(struct env *ev, enum lx_bn_market m, const char *buf,
                         size_t len, unsigned *must)
{
    bool want = fast_kind(m, buf, len, ev->slow);
    bool got = check(ev, m, buf, len);

    if (want && !got) {
        fail_msg("fast path declined a mapped frame: %.*s", (int)len, buf);
    }
    *must += want;
}

/* hftbacktest: "<ns> <frame>" per line. */
static void hft_file(const char *rel, enum lx_bn_market m, unsigned lines,
                     unsigned mapped)
{
    struct env ev;
    size_t n;
    char *buf = sample(rel, &n), *line, *end, *json;
    unsigned nl = 0, must = 0;

    if (buf == NULL) {
        skip();
    }
    env_init(&ev);
    for (line = buf; line < buf + n; line = end + 1) {
        end = memchr(line, '\n', (size_t)(buf + n - line));
        end = end != NULL ? end : buf + n;
        if (end == line) {
            continue;
        }
        json = memchr(line, ' ', (size_t)(end - line));
        assert_non_null(json);
        json++;
        sample_frame(&ev, m, json, (size_t)(end - json), &must);
        nl++;
    }
    assert_int_equal(nl, lines);
    assert_int_equal(must, mapped);
    assert_int_equal(ev.accepted, mapped);
    env_free(&ev);
    lx__free(NULL, buf);
}

/* cryptofeed: the "data" of every recv and http row. */
static void cf_file(const char *rel, enum lx_bn_market m, unsigned mapped)
{
    struct env ev;
    size_t n;
    char *buf = sample(rel, &n), *line, *end;
    unsigned must = 0, rows = 0;

    if (buf == NULL) {
        skip();
    }
    env_init(&ev);
    for (line = buf; line < buf + n; line = end + 1) {
        cJSON *row = NULL;
        const char *t, *data;

        end = memchr(line, '\n', (size_t)(buf + n - line));
        end = end != NULL ? end : buf + n;
        if (end == line) {
            continue;
        }
        assert_int_equal(lx__json_parse(line, (size_t)(end - line), &row, NULL),
                         LX_OK);
        t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "t"));
        data =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "data"));
        if (t != NULL && data != NULL &&
            (strcmp(t, "recv") == 0 || strcmp(t, "http") == 0)) {
            sample_frame(&ev, m, data, strlen(data), &must);
            rows++;
        }
        cJSON_Delete(row);
    }
    assert_true(rows > 0);
    assert_int_equal(must, mapped);
    assert_int_equal(ev.accepted, mapped);
    env_free(&ev);
    lx__free(NULL, buf);
}

static void test_samples_hft_spot(void **state)
{
    (void)state;
    hft_file("binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
             LX_BN_SPOT, 16191, 16191);
}

static void test_samples_hft_usdm(void **state)
{
    (void)state;
    hft_file("binance-usdm/hftbacktest/btcusdt_20240718.txt", LX_BN_USDM, 11414,
             11414);
}

static void test_samples_cryptofeed(void **state)
{
    (void)state;
    /* depth diffs, bookTickers, aggTrades and the REST snapshots. */
    cf_file("binance-spot/cryptofeed/BINANCE.2021-10-12.jsonl", LX_BN_SPOT,
            177 + 84 + 2 + 4);
    cf_file("binance-usdm/cryptofeed/BINANCE_FUTURES.2021-07-22.jsonl",
            LX_BN_USDM, 764 + 613 + 91 + 4);
}

static void test_samples_nautilus(void **state)
{
    struct env ev;
    size_t n;
    char *buf = sample("binance-usdm/nautilus/ws_futures_trade_lite.json", &n);

    (void)state;
    if (buf == NULL) {
        skip();
    }
    env_init(&ev);
    assert_true(check(&ev, LX_BN_USDM, buf, n)); /* TRADE_LITE, pretty */
    env_free(&ev);
    lx__free(NULL, buf);
}

/* ---- Rewritten frames -----------------------------------------------------
 */

#define MAXM 40

/*
 * A frame as its members; with pre non-NULL the members are those of a
 * nested object: the frame is {<pre>{<members>}<post>}.
 */
struct base {
    enum lx_bn_market m;
    const char *stream;
    const char *mem[MAXM];
    const char *pre, *post;
};

/* The user-data bases (the mock's and the venue's renderings). */
#define ER_MEMBERS                                                             \
    {                                                                          \
        "\"e\":\"executionReport\"", "\"E\":1499405658658",                    \
            "\"s\":\"ETHBTC\"", "\"c\":\"mUvoqJxFIILMdfAW5iGSOW\"",            \
            "\"S\":\"SELL\"", "\"o\":\"LIMIT\"", "\"f\":\"GTC\"",              \
            "\"q\":\"1.00000000\"", "\"p\":\"0.10264410\"",                    \
            "\"P\":\"0.00000000\"", "\"F\":\"0.00000000\"", "\"g\":-1",        \
            "\"C\":\"\"", "\"x\":\"TRADE\"", "\"X\":\"PARTIALLY_FILLED\"",     \
            "\"r\":\"NONE\"", "\"i\":4293153", "\"l\":\"0.50000000\"",         \
            "\"z\":\"0.50000000\"", "\"L\":\"0.10264410\"",                    \
            "\"n\":\"0.00001\"", "\"N\":\"BNB\"", "\"T\":1499405658657",       \
            "\"t\":12345", "\"v\":3", "\"I\":8641984", "\"w\":true",           \
            "\"m\":true", "\"M\":false", "\"O\":1499405658657",                \
            "\"Z\":\"0.05132205\"", "\"Y\":\"0.05132205\"",                    \
            "\"Q\":\"0.00000000\"", "\"W\":1499405658657", "\"V\":\"NONE\""    \
    }
#define OTU_INNER                                                              \
    "{\"s\":\"BTCUSDT\",\"c\":\"TEST\",\"S\":\"SELL\",\"o\":\"TRAILING_STOP_"  \
    "MARKET\",\"f\":\"GTC\",\"q\":\"0.001\",\"p\":\"0\",\"ap\":\"0\",\"sp\":"  \
    "\"7103.04\",\"x\":\"NEW\",\"X\":\"NEW\",\"i\":8886774,\"l\":\"0\",\"z\":" \
    "\"0\","                                                                   \
    "\"L\":\"0\",\"N\":\"USDT\",\"n\":\"0\",\"T\":1568879465650,\"t\":0,"      \
    "\"b\":"                                                                   \
    "\"0\",\"a\":\"9.91\",\"m\":false,\"R\":false,\"wt\":\"CONTRACT_PRICE\","  \
    "\"ot\":\"TRAILING_STOP_MARKET\",\"ps\":\"LONG\",\"cp\":false,\"AP\":"     \
    "\"7476.89\",\"cr\":\"5.0\",\"pP\":false,\"si\":0,\"ss\":0,\"rp\":\"0\","  \
    "\"V\":"                                                                   \
    "\"EXPIRE_TAKER\",\"pm\":\"OPPONENT\",\"gtd\":0}"
#define AU_INNER                                                               \
    "{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":\"122624.12345678\","      \
    "\"cw\":"                                                                  \
    "\"100.12345678\",\"bc\":\"50.12345678\"},{\"a\":\"BUSD\",\"wb\":"         \
    "\"1.00000000\",\"cw\":\"0.00000000\",\"bc\":\"-49.12345678\"}],\"P\":[{"  \
    "\"s\":"                                                                   \
    "\"BTCUSDT\",\"pa\":\"0\",\"ep\":\"0.00000\",\"bep\":\"0\",\"cr\":"        \
    "\"200\","                                                                 \
    "\"up\":\"0\",\"mt\":\"isolated\",\"iw\":\"0.00000000\",\"ps\":\"BOTH\"}," \
    "{"                                                                        \
    "\"s\":\"BTCUSDT\",\"pa\":\"-10\",\"ep\":\"6563.86000\",\"bep\":\"6563."   \
    "6\","                                                                     \
    "\"cr\":\"-45.04000000\",\"up\":\"-1423.15600\",\"mt\":\"cross\",\"iw\":"  \
    "\"6570.42511771\",\"ps\":\"SHORT\"}]}"
#define ALGO_INNER                                                             \
    "{\"caid\":\"Q5xaq5EGKgXXa0fD7fs0Ip\",\"aid\":2148719,\"at\":"             \
    "\"CONDITIONAL\",\"o\":\"TAKE_PROFIT\",\"s\":\"BNBUSDT\",\"S\":\"SELL\","  \
    "\"ps\":"                                                                  \
    "\"BOTH\",\"f\":\"GTC\",\"q\":\"0.01\",\"X\":\"CANCELED\",\"ai\":\"\","    \
    "\"ap\":"                                                                  \
    "\"0.00000\",\"aq\":\"0.00000\",\"act\":\"0\",\"tp\":\"750\",\"p\":"       \
    "\"750\",\"V\":"                                                           \
    "\"EXPIRE_MAKER\",\"wt\":\"CONTRACT_PRICE\",\"pm\":\"NONE\",\"cp\":false," \
    "\"pP\":false,\"R\":true,\"tt\":0,\"gtd\":0,\"rm\":\"Reduce Only "         \
    "reject\"}"

static const struct base bases[] = {
    {LX_BN_SPOT,
     "btcusdt@depth@100ms",
     {"\"e\":\"depthUpdate\"", "\"E\":1723161255208", "\"s\":\"BTCUSDT\"",
      "\"U\":50093239189", "\"u\":50093239202",
      "\"b\":[[\"61737.63000000\",\"0.00000000\"],[\"61730.17\",\"1.5\"]]",
      "\"a\":[[\"61837.64000000\",\"1.54698000\"]]"},
     NULL,
     NULL},
    {LX_BN_USDM,
     "btcusdt@depth@0ms",
     {"\"e\":\"depthUpdate\"", "\"E\":1721347022504", "\"T\":1721347022504",
      "\"s\":\"BTCUSDT\"", "\"U\":4984028367545", "\"u\":4984028370730",
      "\"pu\":4984028367494", "\"b\":[[\"1000.00\",\"569.567\"]]", "\"a\":[]"},
     NULL,
     NULL},
    {LX_BN_SPOT,
     "btcusdt@trade",
     {"\"e\":\"trade\"", "\"E\":1723161255307", "\"s\":\"BTCUSDT\"",
      "\"t\":3727389284", "\"p\":\"61736.01000000\"", "\"q\":\"0.00040000\"",
      "\"T\":1723161255306", "\"m\":true", "\"M\":true"},
     NULL,
     NULL},
    {LX_BN_USDM,
     "btcusdt@aggTrade",
     {"\"e\":\"aggTrade\"", "\"E\":1626912000123", "\"s\":\"BTCUSDT\"",
      "\"a\":784345467", "\"p\":\"32200.01\"", "\"q\":\"0.002\"",
      "\"f\":1244525110", "\"l\":1244525112", "\"T\":1626912000120",
      "\"m\":false"},
     NULL,
     NULL},
    {LX_BN_SPOT,
     "bnbusdt@bookTicker",
     {"\"u\":400900217", "\"s\":\"BNBUSDT\"", "\"b\":\"25.35190000\"",
      "\"B\":\"31.21000000\"", "\"a\":\"25.36520000\"",
      "\"A\":\"40.66000000\""},
     NULL,
     NULL},
    {LX_BN_USDM,
     "btcusdt@bookTicker",
     {"\"e\":\"bookTicker\"", "\"u\":400900217", "\"E\":1568014460893",
      "\"T\":1568014460891", "\"s\":\"BTCUSDT\"", "\"b\":\"25.35190000\"",
      "\"B\":\"31.21000000\"", "\"a\":\"25.36520000\"",
      "\"A\":\"40.66000000\""},
     NULL,
     NULL},
    {LX_BN_USDM,
     "btcusdt@markPrice@1s",
     {"\"e\":\"markPriceUpdate\"", "\"E\":1562305380000", "\"s\":\"BTCUSDT\"",
      "\"p\":\"11794.15000000\"", "\"i\":\"11784.62659091\"",
      "\"P\":\"11784.25641265\"", "\"r\":\"0.00038167\"",
      "\"T\":1562306400000"},
     NULL,
     NULL},
    {LX_BN_USDM,
     NULL,
     {"\"lastUpdateId\":1027024", "\"E\":1589436922972", "\"T\":1589436922959",
      "\"bids\":[[\"4.00000000\",\"431.00000000\"]]",
      "\"asks\":[[\"4.00000200\",\"12.00000000\"],[\"5\",\"0\"]]"},
     NULL,
     NULL},

    /* User data. */
    {LX_BN_SPOT, "user", ER_MEMBERS, NULL, NULL},
    {LX_BN_USDM,
     "user",
     {"\"e\":\"ORDER_TRADE_UPDATE\"", "\"E\":1568879465651",
      "\"T\":1568879465650", "\"o\":" OTU_INNER},
     NULL,
     NULL},
    {LX_BN_USDM,
     "user",
     {"\"s\":\"BTCUSDT\"",  "\"c\":\"x-abc_1\"",    "\"S\":\"BUY\"",
      "\"o\":\"LIMIT\"",    "\"f\":\"GTX\"",        "\"q\":\"0.010\"",
      "\"p\":\"65000.10\"", "\"ap\":\"65000.10\"",  "\"sp\":\"0\"",
      "\"x\":\"TRADE\"",    "\"X\":\"FILLED\"",     "\"i\":\"8886774\"",
      "\"l\":\"0.010\"",    "\"z\":\"0.010\"",      "\"L\":\"65000.10\"",
      "\"N\":\"USDT\"",     "\"n\":\"0.13000020\"", "\"T\":1568879465650",
      "\"t\":99",           "\"b\":\"0\"",          "\"a\":\"0\"",
      "\"m\":true",         "\"R\":true",           "\"wt\":\"CONTRACT_PRICE\"",
      "\"ot\":\"LIMIT\"",   "\"ps\":\"BOTH\"",      "\"cp\":false",
      "\"AP\":null",        "\"cr\":null",          "\"rp\":\"-1.25\"",
      "\"V\":\"NONE\"",     "\"pm\":\"NONE\"",      "\"gtd\":0"},
     "\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465651,\"T\":1568879465650,"
     "\"o\":",
     ""},
    {LX_BN_USDM,
     "user",
     {"\"e\":\"TRADE_LITE\"", "\"E\":1727683915920", "\"T\":1727683915920",
      "\"s\":\"ETHUSDT\"", "\"q\":\"0.037\"", "\"p\":\"2631.90\"",
      "\"m\":false", "\"c\":\"O-20240930-081155-001-000-29\"", "\"S\":\"BUY\"",
      "\"L\":\"2631.90\"", "\"l\":\"0.037\"", "\"t\":4467432841",
      "\"i\":8389765739703625592"},
     NULL,
     NULL},
    {LX_BN_USDM,
     "user",
     {"\"e\":\"ALGO_UPDATE\"", "\"T\":1750515742297", "\"E\":1750515742303",
      "\"o\":" ALGO_INNER},
     NULL,
     NULL},
    {LX_BN_USDM,
     "user",
     {"\"caid\":\"Q5xaq5EGKgXXa0fD7fs0Ip\"", "\"aid\":\"2148719\"",
      "\"o\":\"STOP_MARKET\"", "\"s\":\"BNBUSDT\"", "\"S\":\"BUY\"",
      "\"ps\":\"LONG\"", "\"f\":\"GTE_GTC\"", "\"q\":\"0.01\"",
      "\"X\":\"TRIGGERED\"", "\"ai\":8389765739703625592", "\"ap\":\"1.5\"",
      "\"aq\":\"0.01\"", "\"tp\":\"750\"", "\"p\":\"0\"", "\"cr\":\"1\"",
      "\"cp\":true", "\"R\":false", "\"rm\":\"\""},
     "\"e\":\"ALGO_UPDATE\",\"T\":1750515742297,\"E\":1750515742303,\"o\":",
     ""},
    {LX_BN_USDM,
     "user",
     {"\"e\":\"ACCOUNT_UPDATE\"", "\"E\":1564745798939", "\"T\":1564745798938",
      "\"a\":" AU_INNER},
     NULL,
     NULL},
    {LX_BN_USDM,
     "user",
     {"\"m\":\"FUNDING_FEE\"",
      "\"B\":[{\"a\":\"USDT\",\"wb\":\"1\",\"cw\":\"1\",\"bc\":\"0\"}]",
      "\"P\":[{\"s\":\"ETHUSDT\",\"pa\":\"1\",\"ep\":\"2\",\"ps\":\"LONG\"}]"},
     "\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":2,\"a\":",
     ""},
    {LX_BN_USDM,
     "user",
     {"\"s\":\"BTCUSDT\"", "\"pa\":\"20\"", "\"ep\":\"6563.66500\"",
      "\"bep\":\"0\"", "\"cr\":\"0\"", "\"up\":\"2850.21200\"",
      "\"mt\":\"isolated\"", "\"iw\":\"13200.70726908\"", "\"ps\":\"LONG\""},
     "\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":2,\"a\":{\"m\":\"ORDER\",\"B\":[{"
     "\"a\":\"USDT\",\"wb\":\"5\"}],\"P\":[",
     "]}"},
    {LX_BN_SPOT,
     "user",
     {"\"e\":\"outboundAccountPosition\"", "\"E\":1564034571105",
      "\"u\":1564034571073",
      "\"B\":[{\"a\":\"ETH\",\"f\":\"10000.000000\",\"l\":\"0.000000\"},{\"a\":"
      "\"BTC\",\"f\":\"0\",\"l\":\"1.5\"}]"},
     NULL,
     NULL},
    {LX_BN_SPOT,
     "user",
     {"\"a\":\"ETH\"", "\"f\":\"10000.000000\"", "\"l\":\"0.000000\""},
     "\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":2,\"B\":[{\"a\":\"X\","
     "\"f\":\"1\",\"l\":\"2\"},",
     "]"},
    {LX_BN_SPOT,
     "user",
     {"\"e\":\"balanceUpdate\"", "\"E\":1573200697110", "\"a\":\"BTC\"",
      "\"d\":\"-100.00000000\"", "\"T\":1573200697068"},
     NULL,
     NULL},
};

#define NBASES (sizeof(bases) / sizeof(bases[0]))

static size_t nmem(const struct base *b)
{
    size_t n = 0;

    while (n < MAXM && b->mem[n] != NULL) {
        n++;
    }
    return n;
}

/* Envelope styles: bare, stream first, data first, WebSocket API. */
enum env_style { ENV_BARE, ENV_STREAM_FIRST, ENV_DATA_FIRST, ENV_API };

/*
 * The frame of b with its members in order ord[0..n), extra (a member,
 * or NULL) inserted at position at, in envelope style env.
 */
static size_t build(char *out, size_t cap, const struct base *b,
                    const size_t *ord, size_t n, const char *extra, size_t at,
                    enum env_style env)
{
    size_t len = 0, i;
    bool first = true;

    if (env == ENV_STREAM_FIRST) {
        len += (size_t)lx__snprintf(out + len, cap - len,
                                    "{\"stream\":\"%s\",\"data\":",
                                    b->stream != NULL ? b->stream : "s");
    } else if (env == ENV_DATA_FIRST) {
        len += (size_t)lx__snprintf(out + len, cap - len, "{\"data\":");
    } else if (env == ENV_API) {
        len += (size_t)lx__snprintf(out + len, cap - len,
                                    "{\"subscriptionId\":7,\"event\":");
    }
    if (b->pre != NULL) {
        len += (size_t)lx__snprintf(out + len, cap - len, "{%s", b->pre);
    }
    out[len++] = '{';
    for (i = 0; i <= n; i++) {
        if (extra != NULL && i == at) {
            len += (size_t)lx__snprintf(out + len, cap - len, "%s%s",
                                        first ? "" : ",", extra);
            first = false;
        }
        if (i < n) {
            len += (size_t)lx__snprintf(out + len, cap - len, "%s%s",
                                        first ? "" : ",", b->mem[ord[i]]);
            first = false;
        }
    }
    out[len++] = '}';
    if (b->pre != NULL) {
        len += (size_t)lx__snprintf(out + len, cap - len, "%s}", b->post);
    }
    if (env == ENV_STREAM_FIRST || env == ENV_API) {
        out[len++] = '}';
    } else if (env == ENV_DATA_FIRST) {
        len += (size_t)lx__snprintf(out + len, cap - len, ",\"stream\":\"%s\"}",
                                    b->stream != NULL ? b->stream : "s");
    }
    assert_true(len < cap);
    out[len] = '\0';
    return len;
}

static size_t build_plain(char *out, size_t cap, const struct base *b,
                          enum env_style env)
{
    size_t ord[MAXM], i, n = nmem(b);

    for (i = 0; i < n; i++) {
        ord[i] = i;
    }
    return build(out, cap, b, ord, n, NULL, 0, env);
}

/* A fixed-seed LCG: the shuffles are the same on every run. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void test_key_orders(void **state)
{
    struct env ev;
    char buf[4096];
    size_t b, r, i, k, n, ord[MAXM];
    uint32_t seed = 12345;
    int env;

    (void)state;
    env_init(&ev);
    for (b = 0; b < NBASES; b++) {
        n = nmem(&bases[b]);
        for (r = 0; r < 2 * n + 40; r++) {
            for (i = 0; i < n; i++) {
                ord[i] = r < n       ? (i + r) % n
                         : r < 2 * n ? (2 * n - r + n - 1 - i) % n
                                     : i;
            }
            for (i = n; r >= 2 * n && i > 1; i--) {
                size_t j = lcg(&seed) % i, t = ord[i - 1];

                ord[i - 1] = ord[j];
                ord[j] = t;
            }
            for (env = ENV_BARE; env <= ENV_API; env++) {
                k = build(buf, sizeof(buf), &bases[b], ord, n, NULL, 0,
                          (enum env_style)env);
                if (!check(&ev, bases[b].m, buf, k)) {
                    fail_msg("declined: %s", buf);
                }
            }
        }
    }
    env_free(&ev);
}

/* Copies src with ws inserted around every structural byte. */
static size_t spaced(char *out, size_t cap, const char *src, const char *ws)
{
    size_t len = 0, wl = strlen(ws);
    bool in_str = false;

    len += (size_t)lx__snprintf(out, cap, "%s", ws);
    for (; *src != '\0'; src++) {
        bool structural = !in_str && strchr("{}[]:,", *src) != NULL;

        assert_true(len + 2 * wl + 2 < cap);
        if (*src == '"') {
            in_str = !in_str;
        }
        if (structural) {
            memcpy(out + len, ws, wl);
            len += wl;
        }
        out[len++] = *src;
        if (structural) {
            memcpy(out + len, ws, wl);
            len += wl;
        }
    }
    out[len] = '\0';
    return len;
}

static void test_whitespace(void **state)
{
    static const char *const wss[] = {" ", "\n", "\r\n", "\t", " \t\r\n "};
    struct env ev;
    char plain[4096], buf[16384];
    size_t b, w, k;
    int env;

    (void)state;
    env_init(&ev);
    for (b = 0; b < NBASES; b++) {
        for (env = ENV_BARE; env <= ENV_API; env++) {
            build_plain(plain, sizeof(plain), &bases[b], (enum env_style)env);
            for (w = 0; w < sizeof(wss) / sizeof(wss[0]); w++) {
                k = spaced(buf, sizeof(buf), plain, wss[w]);
                if (!check(&ev, bases[b].m, buf, k)) {
                    fail_msg("declined: %s", buf);
                }
            }
            /* Whitespace other than JSON's is declined, never misread. */
            k = spaced(buf, sizeof(buf), plain, "\v");
            assert_false(check(&ev, bases[b].m, buf, k));
            k = spaced(buf, sizeof(buf), plain, "\f");
            assert_false(check(&ev, bases[b].m, buf, k));
        }
    }
    env_free(&ev);
}

/* The key of a member ("\"k\":..." gives k), into key[cap]. */
static void member_key(const char *m, char *key, size_t cap)
{
    const char *end = strchr(m + 1, '"');
    size_t n = end != NULL ? (size_t)(end - m - 1) : 0;

    n = n < cap ? n : cap - 1;
    memcpy(key, m + 1, n);
    key[n] = '\0';
}

/*
 * Whether the fast path may decline extra in b: a key b's object already
 * has (a repeat), or a second nested object "o" / "a" beside b's own.
 */
static bool collides(const struct base *b, const char *extra)
{
    char k[32], mk[32];
    size_t i, n = nmem(b);

    member_key(extra, k, sizeof(k));
    for (i = 0; i < n; i++) {
        member_key(b->mem[i], mk, sizeof(mk));
        if (strcmp(k, mk) == 0) {
            return true;
        }
        if ((strcmp(k, "o") == 0 || strcmp(k, "a") == 0) &&
            strstr(extra, ":{") != NULL && strstr(b->mem[i], ":{") != NULL &&
            (strcmp(mk, "o") == 0 || strcmp(mk, "a") == 0)) {
            return true;
        }
    }
    return false;
}

static void test_extra_keys(void **state)
{
    /* Taken: unknown keys of every JSON type, nested, unescaped. */
    static const char *const ok[] = {
        "\"x\":{\"a\":[1,-2.5e3,{\"b\":null}],\"c\":\"d\"}",
        "\"zz\":[[1,2],[],[[[]]]]",
        "\"M\":true",
        "\"y\":-0.5E+10",
        "\"w\":\"\"",
        "\"v\":\"\xc3\xa9\xe2\x82\xac\"",
        "\"k\":false",
        "\"n\":null",
        "\"o\":{}",
        "\"\":0",
        "\"big\":123456789012345678901234567890",
        "\"ee\":\"depthUpdate\"",
        "\"S\":\"x\"",
    };
    /* Only required to match or decline. */
    static const char *const maybe[] = {
        "\"x\":\"a\\\"b\"",
        "\"x\":\"\\u0041\"",
        "\"x\":[1,2,]",
        "\"x\":01",
        "\"x\":1.",
        "\"x\":.5",
        "\"x\":+1",
        "\"x\":tru",
        "\"x\":nul",
        "\"x\":-",
        "\"x\":\"a\tb\"",
        "\"x\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]",
        "\"x\":1e999",
        "\"x\":123456789012345678901234567890123456789012345678901234567890",
        "\"x\":{\"a\":1,}",
        "\"x\" \"y\"",
    };
    struct env ev;
    char buf[4096];
    size_t b, i, at, k, n, ord[MAXM];
    int env;

    (void)state;
    env_init(&ev);
    for (b = 0; b < NBASES; b++) {
        n = nmem(&bases[b]);
        for (i = 0; i < n; i++) {
            ord[i] = i;
        }
        for (at = 0; at <= n; at++) {
            for (env = ENV_BARE; env <= ENV_API; env++) {
                for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                    k = build(buf, sizeof(buf), &bases[b], ord, n, ok[i], at,
                              (enum env_style)env);
                    if (!check(&ev, bases[b].m, buf, k) &&
                        !collides(&bases[b], ok[i])) {
                        fail_msg("declined: %s", buf);
                    }
                }
                for (i = 0; i < sizeof(maybe) / sizeof(maybe[0]); i++) {
                    k = build(buf, sizeof(buf), &bases[b], ord, n, maybe[i], at,
                              (enum env_style)env);
                    (void)check(&ev, bases[b].m, buf, k);
                }
            }
        }
    }
    env_free(&ev);
}

/* A frame and whether the fast path must take it (1), decline it (0). */
struct tcase {
    enum lx_bn_market m;
    int take;
    const char *json;
};

#define DU "{\"e\":\"depthUpdate\",\"s\":\"BTCUSDT\","
#define LV "\"b\":[[\"1\",\"2\"]],\"a\":[[\"3\",\"4\"]]"
#define TR "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"1\",\"q\":\"2\","
#define BT                                                                     \
    "{\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\""
#define MP "{\"e\":\"markPriceUpdate\",\"E\":5,\"s\":\"X\","
#define ER "{\"e\":\"executionReport\",\"E\":1,\"s\":\"BTCUSDT\",\"X\":\"NEW\","
#define OTU                                                                    \
    "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":7,\"T\":6,\"o\":{\"s\":\"BTCUSDT\","  \
    "\"i\":1,\"X\":\"NEW\""
#define TL                                                                     \
    "{\"e\":\"TRADE_LITE\",\"E\":1,\"s\":\"X\",\"i\":8389765739703625592,"
#define AU                                                                     \
    "{\"e\":\"ALGO_UPDATE\",\"E\":1,\"o\":{\"aid\":5,\"s\":\"X\",\"X\":"       \
    "\"NEW\""
#define OAP "{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":2,"
#define AC  "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":2,\"a\":{\"m\":\"ORDER\","

static const struct tcase cases[] = {
    /* Integers as strings and numbers. */
    {LX_BN_SPOT, 1, DU "\"E\":\"17\",\"U\":\"1\",\"u\":\"2\"," LV "}"},
    {LX_BN_USDM, 1,
     DU "\"E\":17,\"U\":1,\"u\":2,\"pu\":\"0\",\"T\":\"9\"," LV "}"},
    {LX_BN_SPOT, 1, DU "\"E\":-0,\"U\":-1,\"u\":0," LV "}"},
    {LX_BN_SPOT, 1, DU "\"E\":9007199254740993,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 1,
     DU "\"E\":9223372036854775807,\"U\":-9223372036854775808,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":9223372036854775808,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":\"9223372036854775808\",\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":99999999999999999999999,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":1.0,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":1e3,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":01,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":\"1x\",\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":\"\",\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":true,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":{},\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 1, DU "\"E\":\"+5\",\"U\":1,\"u\":2," LV "}"},
    /* Nulls: optional ones take their default, required ones fail. */
    {LX_BN_USDM, 1,
     DU "\"E\":1,\"U\":1,\"u\":2,\"pu\":null,\"T\":null," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":null,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"depthUpdate\",\"s\":null,\"E\":1,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":1,\"U\":1,\"u\":2,\"b\":null,\"a\":[]}"},
    {LX_BN_USDM, 1,
     MP "\"p\":\"1\",\"i\":null,\"P\":null,\"r\":null,\"T\":null}"},
    {LX_BN_USDM, 1, MP "\"p\":\"1\"}"},
    {LX_BN_USDM, 0, MP "\"p\":1}"},
    {LX_BN_USDM, 0, MP "\"p\":\"1\",\"r\":0.0001}"},
    {LX_BN_USDM, 0, MP "\"p\":\"1\",\"r\":\"x\"}"},
    /* Missing required fields. */
    {LX_BN_SPOT, 0, DU "\"E\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":1,\"U\":1,\"u\":2,\"b\":[]}"},
    {LX_BN_SPOT, 0, TR "\"T\":1}"},
    {LX_BN_SPOT, 0, TR "\"E\":1,\"T\":1,\"m\":\"true\"}"},
    {LX_BN_SPOT, 1, TR "\"E\":1,\"T\":1,\"m\":false}"},
    {LX_BN_SPOT, 0, TR "\"E\":1,\"T\":1,\"m\":null}"},
    /* Decimals. */
    {LX_BN_SPOT, 1,
     "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"-0.000\",\"q\":\"2\","
     "\"E\":1,\"T\":1,\"m\":true}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":1.5,\"q\":\"2\",\"E\":1,\"T\":"
     "1,\"m\":true}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"1e5\",\"q\":\"2\",\"E\":1,"
     "\"T\":1,\"m\":true}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"99999999999999999999999\","
     "\"q\":\"2\",\"E\":1,\"T\":1,\"m\":true}"},
    {LX_BN_SPOT, 0, DU "\"E\":1,\"U\":1,\"u\":2,\"b\":[[1,\"2\"]],\"a\":[]}"},
    {LX_BN_SPOT, 0, DU "\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"1\"]],\"a\":[]}"},
    {LX_BN_SPOT, 0,
     DU "\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"x\",\"1\"]],\"a\":[]}"},
    {LX_BN_SPOT, 0,
     DU "\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"1\",\"2\"],\"a\"],\"a\":[]}"},
    {LX_BN_SPOT, 1,
     DU "\"E\":1,\"U\":1,\"u\":2,\"b\":[[\"1\",\"2\",\"3\",[4,{}]]],\"a\":[]}"},
    /* Repeated keys: cJSON takes the first; the fast path declines. */
    {LX_BN_SPOT, 0, DU "\"s\":\"ETHUSDT\",\"E\":1,\"U\":1,\"u\":2," LV "}"},
    {LX_BN_SPOT, 0, DU "\"E\":1,\"U\":1,\"u\":2,\"u\":3," LV "}"},
    {LX_BN_SPOT, 0, "{\"stream\":\"a\",\"stream\":\"b\",\"data\":" BT "}}"},
    {LX_BN_SPOT, 0, "{\"stream\":\"a\",\"data\":" BT "},\"data\":{}}"},
    /* Escapes and control bytes in strings. */
    {LX_BN_SPOT, 0,
     "{\"e\":\"depthUpdate\",\"s\":\"BTC\\u0055SDT\",\"E\":1,\"U\":1,\"u\":"
     "2," LV "}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"depth\\u0055pdate\",\"s\":\"B\",\"E\":1,\"U\":1,\"u\":2," LV
     "}"},
    {LX_BN_SPOT, 0, "{\"stream\":\"a\\/b\",\"data\":" BT "}}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"depthUpdate\",\"s\":\"B\x01\",\"E\":1,\"U\":1,\"u\":2," LV "}"},
    /* Shapes and envelopes. */
    {LX_BN_SPOT, 1, BT "}"},
    {LX_BN_SPOT, 1, BT ",\"lastUpdateId\":5,\"bids\":[],\"asks\":[]}"},
    {LX_BN_SPOT, 1, "{\"lastUpdateId\":5,\"bids\":[],\"asks\":[]}"},
    {LX_BN_SPOT, 1, "{\"lastUpdateId\":\"5\",\"bids\":[],\"asks\":[],\"u\":1}"},
    {LX_BN_SPOT, 0, "{\"lastUpdateId\":5,\"bids\":[]}"},
    {LX_BN_SPOT, 0,
     "{\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"2\",\"a\":\"3\"}"},
    {LX_BN_SPOT, 0,
     "{\"u\":null,\"s\":\"X\",\"b\":\"1\",\"B\":\"2\",\"a\":\"3\",\"A\":"
     "\"4\"}"},
    {LX_BN_SPOT, 0,
     "{\"e\":null,\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"2\",\"a\":\"3\","
     "\"A\":\"4\"}"},
    {LX_BN_SPOT, 0, "{\"e\":\"kline\",\"E\":1,\"s\":\"X\",\"k\":{}}"},
    {LX_BN_SPOT, 0, "{\"e\":\"24hrTicker\",\"E\":1,\"s\":\"X\",\"c\":\"1\"}"},
    {LX_BN_SPOT, 0, "{\"e\":\"depthUpdatf\",\"E\":1}"},
    {LX_BN_SPOT, 0, "{\"e\":\"\",\"E\":1}"},
    {LX_BN_SPOT, 0, "{}"},
    {LX_BN_SPOT, 0, "[]"},
    {LX_BN_SPOT, 0, "\"x\""},
    {LX_BN_SPOT, 0, ""},
    {LX_BN_SPOT, 0, "{\"stream\":\"a\",\"data\":[]}"},
    {LX_BN_SPOT, 0, "{\"stream\":\"a\",\"data\":null}"},
    {LX_BN_SPOT, 0, "{\"stream\":1,\"data\":" BT "}}"},
    {LX_BN_SPOT, 0,
     "{\"stream\":\"a\","
     "\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\"}"},
    {LX_BN_SPOT, 0, "{\"data\":" BT "}}"},
    {LX_BN_SPOT, 1,
     "{\"stream\":\"a\",\"data\":" BT "},\"e\":\"kline\",\"x\":[1]}"},
    {LX_BN_SPOT, 1,
     "{\"stream\":\"\",\"data\":" BT ",\"stream\":\"inner\",\"data\":7}}"},
    {LX_BN_SPOT, 1,
     "{\"stream\":\"0123456789012345678901234567890123456789012345678901"
     "2345678901234567890123456789012345678901234\",\"data\":" BT "}}"},
    {LX_BN_SPOT, 0,
     "{\"stream\":\"0123456789012345678901234567890123456789012345678901"
     "23456789012345678901234567890123456789012345\",\"data\":" BT "}}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"0123456789012345678901234567890123456789\",\"E\":1}"},
    {LX_BN_SPOT, 1,
     "{\"u\":1,\"s\":\"012345678901234567890123456789012345678\","
     "\"b\":\"1\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\"}"},
    {LX_BN_SPOT, 0,
     "{\"u\":1,\"s\":\"0123456789012345678901234567890123456789\","
     "\"b\":\"1\",\"B\":\"2\",\"a\":\"3\",\"A\":\"4\"}"},
    /* Steering keys at the top level. */
    {LX_BN_SPOT, 0, BT ",\"code\":-1121,\"msg\":\"Invalid symbol.\"}"},
    {LX_BN_SPOT, 0, BT ",\"code\":0}"},
    {LX_BN_SPOT, 0, BT ",\"result\":null,\"id\":1}"},
    {LX_BN_SPOT, 0, BT ",\"id\":1}"},
    {LX_BN_SPOT, 1, "{\"subscriptionId\":0,\"event\":" BT "}}"},
    {LX_BN_SPOT, 0,
     "{\"stream\":\"a\",\"data\":" BT
     "},\"error\":{\"code\":1,\"msg\":\"x\"}}"},
    {LX_BN_SPOT, 1,
     "{\"stream\":\"a\",\"data\":" BT ",\"code\":-1,\"msg\":\"x\",\"id\":1}}"},
    /* Around the value. */
    {LX_BN_SPOT, 1, " \r\n\t" BT "} \r\n\t"},
    {LX_BN_SPOT, 0, "\xef\xbb\xbf" BT "}"},
    {LX_BN_SPOT, 0, BT "}x"},
    {LX_BN_SPOT, 0, BT "}{}"},
    {LX_BN_SPOT, 0, BT "},"},
    {LX_BN_SPOT, 0, BT ",}"},
    {LX_BN_SPOT, 0, BT "}\x01"},
    /* User data: executionReport. */
    {LX_BN_SPOT, 1, ER "\"i\":1}"},
    {LX_BN_SPOT, 1, ER "\"i\":\"abc-1\"}"},
    {LX_BN_SPOT, 1, ER "\"i\":-5}"},
    {LX_BN_SPOT, 1, ER "\"i\":-0}"},
    {LX_BN_SPOT, 1, ER "\"i\":9007199254740993}"},
    {LX_BN_SPOT, 1, ER "\"i\":9223372036854775807}"},
    {LX_BN_SPOT, 1, ER "\"i\":-9223372036854775808}"},
    {LX_BN_SPOT, 0, ER "\"i\":9223372036854775808}"},
    {LX_BN_SPOT, 0, ER "\"i\":99999999999999999999999}"},
    {LX_BN_SPOT, 0, ER "\"i\":1.5}"},
    {LX_BN_SPOT, 0, ER "\"i\":1e3}"},
    {LX_BN_SPOT, 0, ER "\"i\":null}"},
    {LX_BN_SPOT, 0, ER "\"i\":true}"},
    {LX_BN_SPOT, 0, ER "\"i\":[1]}"},
    {LX_BN_SPOT, 0, ER "\"x\":\"NEW\"}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"executionReport\",\"E\":\"1\",\"s\":\"B\",\"X\":\"NEW\",\"i\":"
     "\"0123456789012345678901234567890123456789012345\"}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"executionReport\",\"E\":\"1\",\"s\":\"B\",\"X\":\"NEW\",\"i\":"
     "\"01234567890123456789012345678901234567890123456\"}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"executionReport\",\"E\":\"1\",\"s\":\"B\",\"X\":\"NEW\",\"i\":"
     "\"012345678901234567890123456789012345678901234567\"}"},
    {LX_BN_SPOT, 1,
     ER "\"i\":1,\"c\":null,\"C\":\"\",\"N\":null,\"r\":null,\"F\":null}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"c\":\"a\\\\b\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"c\":\"a\\\"b\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"C\":\"\\u0041\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"c\":\"a\\/b\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"c\":1}"},
    {LX_BN_SPOT, 1,
     ER "\"i\":1,\"c\":\"0123456789012345678901234567890123456789012345678"
        "90123456789012\"}"},
    {LX_BN_SPOT, 0,
     ER "\"i\":1,\"c\":\"0123456789012345678901234567890123456789012345678"
        "901234567890123\"}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"g\":-1,\"t\":-1,\"O\":-9,\"T\":\"5\"}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"g\":null,\"t\":null,\"O\":null}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"g\":\"7\",\"t\":\"-1\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"g\":\"x\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"t\":1.0}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"O\":false}"},
    {LX_BN_SPOT, 1,
     ER "\"i\":1,\"S\":\"SELL\",\"o\":\"TAKE_PROFIT\",\"f\":\"IOC\",\"x\":"
        "\"TRADE\"}"},
    {LX_BN_SPOT, 1,
     ER "\"i\":1,\"S\":\"sell\",\"o\":\"FOO\",\"f\":\"\",\"x\":\"WHAT\"}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"executionReport\",\"E\":1,\"s\":\"B\",\"X\":\"WEIRD\",\"i\":1}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"executionReport\",\"E\":1,\"s\":\"B\",\"X\":\"\",\"i\":1}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"executionReport\",\"E\":1,\"s\":\"B\",\"X\":"
     "\"0123456789012345678901234567890\",\"i\":1}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"executionReport\",\"E\":1,\"s\":\"B\",\"X\":"
     "\"01234567890123456789012345678901\",\"i\":1}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"executionReport\",\"E\":1,\"s\":\"B\",\"X\":null,\"i\":1}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"executionReport\",\"E\":1,\"s\":\"B\",\"X\":7,\"i\":1}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"S\":1,\"o\":null,\"f\":{},\"x\":[]}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"o\":{\"o\":\"LIMIT\"}}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"S\":\"0123456789012345678901234567890\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"S\":\"01234567890123456789012345678901\"}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"w\":null,\"m\":null}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"w\":false,\"m\":true}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"w\":\"true\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"m\":1}"},
    {LX_BN_SPOT, 1, ER "\"i\":1,\"q\":\"-1.5\",\"p\":\"0\",\"Z\":\"1e3\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"q\":1.5}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"Q\":0}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"q\":\"99999999999999999999999\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"P\":\"\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"F\":\"abc\"}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"E\":2}"},
    {LX_BN_SPOT, 0, ER "\"i\":1,\"X\":\"NEW\"}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"executionReport\",\"s\":\"B\",\"X\":\"N\",\"i\":1}"},
    {LX_BN_SPOT, 0, "{\"e\":\"executionReport\",\"E\":1,\"X\":\"N\",\"i\":1}"},
    {LX_BN_SPOT, 1, "{\"subscriptionId\":0,\"event\":" ER "\"i\":1}}"},
    {LX_BN_SPOT, 1, "{\"event\":" ER "\"i\":1},\"subscriptionId\":null}"},
    {LX_BN_SPOT, 1,
     "{\"subscriptionId\":\"a\",\"x\":[],\"event\":" ER "\"i\":1}}"},
    {LX_BN_SPOT, 0, "{\"event\":" ER "\"i\":1}}"},
    {LX_BN_SPOT, 0, "{\"subscriptionId\":0}"},
    {LX_BN_SPOT, 0, "{\"subscriptionId\":0,\"event\":[]}"},
    {LX_BN_SPOT, 0, "{\"subscriptionId\":0,\"event\":null}"},
    {LX_BN_SPOT, 0,
     "{\"subscriptionId\":0,\"subscriptionId\":1,\"event\":" ER "\"i\":1}}"},
    {LX_BN_SPOT, 0,
     "{\"subscriptionId\":0,\"event\":" ER "\"i\":1},\"event\":{}}"},
    {LX_BN_SPOT, 0,
     "{\"subscriptionId\":0,\"stream\":\"s\",\"data\":" ER "\"i\":1}}"},
    {LX_BN_SPOT, 0,
     "{\"subscriptionId\":0,\"event\":" ER "\"i\":1},\"data\":{}}"},
    {LX_BN_SPOT, 0,
     "{\"subscriptionId\":0,\"event\":" ER
     "\"i\":1},\"code\":1,\"msg\":\"x\"}"},
    {LX_BN_SPOT, 1,
     "{\"subscriptionId\":0,\"event\":" ER "\"i\":1,\"subscriptionId\":1,"
     "\"event\":{}}}"},
    /* ORDER_TRADE_UPDATE. */
    {LX_BN_USDM, 1, OTU "}}"},
    {LX_BN_USDM, 1,
     OTU ",\"ot\":\"STOP\",\"ps\":\"SHORT\",\"cp\":true,\"R\":null,\"AP\":"
         "\"1\",\"cr\":\"0.1\",\"rp\":\"-3.5\",\"ap\":null}}"},
    {LX_BN_USDM, 1, OTU ",\"o\":\"TAKE_PROFIT\",\"ot\":\"TAKE_PROFIT\"}}"},
    {LX_BN_USDM, 1, OTU ",\"o\":{},\"ps\":[]}}"},
    {LX_BN_USDM, 0, OTU ",\"s\":\"ETHUSDT\"}}"},
    {LX_BN_USDM, 0, OTU ",\"R\":\"true\"}}"},
    {LX_BN_USDM, 0, OTU ",\"rp\":-3.5}}"},
    {LX_BN_USDM, 0, OTU "},\"o\":{}}"},
    {LX_BN_USDM, 0, OTU "},\"a\":{}}"},
    {LX_BN_USDM, 1, OTU "},\"x\":{\"o\":{}}}"},
    {LX_BN_USDM, 0, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":7}"},
    {LX_BN_USDM, 0, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":7,\"o\":null}"},
    {LX_BN_USDM, 0, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":7,\"o\":[]}"},
    {LX_BN_USDM, 0, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":7,\"o\":\"x\"}"},
    {LX_BN_USDM, 0,
     "{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":{\"s\":\"B\",\"i\":1,\"X\":\"N\"}}"},
    {LX_BN_USDM, 0,
     "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":7,\"o\":{\"i\":1,\"X\":\"N\"}}"},
    /* TRADE_LITE. */
    {LX_BN_USDM, 1, TL "\"L\":\"1\",\"l\":\"2\"}"},
    {LX_BN_USDM, 1,
     TL "\"L\":\"1\",\"l\":\"2\",\"t\":null,\"m\":null,\"T\":null}"},
    {LX_BN_USDM, 0, TL "\"L\":\"1\"}"},
    {LX_BN_USDM, 0, TL "\"L\":null,\"l\":\"2\"}"},
    {LX_BN_USDM, 0, TL "\"L\":1,\"l\":\"2\"}"},
    {LX_BN_USDM, 0, TL "\"L\":\"1\",\"l\":\"2\",\"q\":true}"},
    /* ALGO_UPDATE. */
    {LX_BN_USDM, 1, AU "}}"},
    {LX_BN_USDM, 1, AU ",\"ai\":123,\"caid\":null,\"rm\":\"\"}}"},
    {LX_BN_USDM, 1,
     AU ",\"ai\":\"\",\"o\":\"TAKE_PROFIT\",\"f\":\"GTE_GTC\"}}"},
    {LX_BN_USDM, 0, AU ",\"ai\":true}}"},
    {LX_BN_USDM, 0, AU ",\"aid\":6}}"},
    {LX_BN_USDM, 0, "{\"e\":\"ALGO_UPDATE\",\"E\":1}"},
    {LX_BN_USDM, 0,
     "{\"e\":\"ALGO_UPDATE\",\"E\":1,\"o\":{\"s\":\"X\",\"X\":\"N\"}}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ALGO_UPDATE\",\"E\":1,\"T\":\"2\",\"o\":{\"aid\":\"5\",\"s\":"
     "\"X\",\"X\":\"FILLED\"}}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ALGO_UPDATE\",\"E\":1,\"o\":{\"aid\":5,\"s\":\"X\",\"X\":"
     "\"PARTIALLY_FILLED\"}}"},
    /* outboundAccountPosition. */
    {LX_BN_SPOT, 1, OAP "\"B\":[]}"},
    {LX_BN_SPOT, 1, OAP "\"B\":[{\"a\":\"BTC\",\"f\":\"1\",\"l\":\"0\"}]}"},
    {LX_BN_SPOT, 1,
     OAP "\"B\":[{\"a\":\"BTC\",\"f\":\"1\",\"l\":\"0\",\"x\":{\"o\":{}},"
         "\"o\":{},\"a2\":[]}]}"},
    {LX_BN_SPOT, 0, OAP "\"B\":null}"},
    {LX_BN_SPOT, 0, "{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":2}"},
    {LX_BN_SPOT, 0, OAP "\"B\":{}}"},
    {LX_BN_SPOT, 0, OAP "\"B\":[null]}"},
    {LX_BN_SPOT, 0, OAP "\"B\":[[]]}"},
    {LX_BN_SPOT, 0, OAP "\"B\":[\"x\"]}"},
    {LX_BN_SPOT, 0, OAP "\"B\":[{\"a\":\"BTC\",\"f\":\"1\"}]}"},
    {LX_BN_SPOT, 0, OAP "\"B\":[{\"a\":\"BTC\",\"f\":1,\"l\":\"0\"}]}"},
    {LX_BN_SPOT, 0,
     OAP "\"B\":[{\"a\":\"BTC\",\"a\":\"ETH\",\"f\":\"1\",\"l\":\"0\"}]}"},
    {LX_BN_SPOT, 0,
     OAP "\"B\":[{\"a\":\"BTC\",\"f\":\"1\",\"l\":\"0\"},{\"a\":null,\"f\":"
         "\"1\",\"l\":\"0\"}]}"},
    {LX_BN_SPOT, 0, OAP "\"u\":\"x\",\"B\":[]}"},
    /* balanceUpdate. */
    {LX_BN_SPOT, 1,
     "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":\"BTC\",\"d\":\"-1.5\",\"T\":3}"},
    {LX_BN_SPOT, 1, "{\"e\":\"balanceUpdate\",\"a\":\"BTC\",\"d\":\"0\"}"},
    {LX_BN_SPOT, 0, "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":\"BTC\"}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":\"BTC\",\"d\":null}"},
    {LX_BN_SPOT, 0, "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":null,\"d\":\"1\"}"},
    {LX_BN_SPOT, 0,
     "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":[[\"1\",\"2\"]],\"d\":\"1\"}"},
    {LX_BN_SPOT, 0, "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":{},\"d\":\"1\"}"},
    /* ACCOUNT_UPDATE. */
    {LX_BN_USDM, 1, AC "\"B\":[],\"P\":[]}}"},
    {LX_BN_USDM, 1, AC "\"B\":null,\"P\":null}}"},
    {LX_BN_USDM, 1, AC "\"x\":1}}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"a\":{\"m\":null,\"P\":[{\"s\":\"X\","
     "\"pa\":\"1\",\"mt\":\"cross\"},{\"s\":\"X\",\"pa\":\"1\",\"mt\":"
     "\"ISOLATED\"},{\"s\":\"X\",\"pa\":\"1\",\"mt\":null},{\"s\":\"X\",\"pa\":"
     "\"1\",\"mt\":5,\"ps\":\"short\"},{\"s\":\"X\",\"pa\":\"1\",\"mt\":\"\"}]}"
     "}"},
    {LX_BN_USDM, 0, "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":2}"},
    {LX_BN_USDM, 0, "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"a\":[]}"},
    {LX_BN_USDM, 0, AC "\"B\":[{\"a\":\"USDT\"}]}}"},
    {LX_BN_USDM, 0, AC "\"B\":[{\"a\":\"USDT\",\"wb\":\"1\",\"cw\":2}]}}"},
    {LX_BN_USDM, 0, AC "\"B\":{}}}"},
    {LX_BN_USDM, 0, AC "\"P\":[{\"s\":\"X\",\"pa\":null}]}}"},
    {LX_BN_USDM, 0, AC "\"P\":[{\"s\":\"X\",\"pa\":\"1\"},1]}}"},
    {LX_BN_USDM, 0, AC "\"B\":[{\"a\":\"USDT\",\"wb\":\"1\"}],\"B\":[]}}"},
    {LX_BN_USDM, 0, AC "\"m\":\"01234567890123456789012345678901\"}}"},
    {LX_BN_USDM, 1, AC "\"P\":[],\"a\":{\"B\":[1]}}}"},
    {LX_BN_USDM, 0, AC "\"P\":[]},\"o\":{}}"},
};

/* ---- User-data frames: fixtures/binance and the mock's renderings ---------
 */

static const struct tcase user_frames[] = {
    /* fixtures/binance (the venue's documented examples). */
    {LX_BN_SPOT, 1,
     "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":"
     "1499405658658,\"s\":\"ETHBTC\",\"c\":\"mUvoqJxFIILMdfAW5iGSOW\",\"S\":"
     "\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"1.00000000\",\"p\":"
     "\"0.10264410\",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":"
     "\"\",\"x\":\"NEW\",\"X\":\"NEW\",\"r\":\"NONE\",\"i\":4293153,\"l\":"
     "\"0.00000000\",\"z\":\"0.00000000\",\"L\":\"0.00000000\",\"n\":\"0\","
     "\"N\":null,\"T\":1499405658657,\"t\":-1,\"v\":3,\"I\":8641984,\"w\":true,"
     "\"m\":false,\"M\":false,\"O\":1499405658657,\"Z\":\"0.00000000\",\"Y\":"
     "\"0.00000000\",\"Q\":\"0.00000000\",\"W\":1499405658657,\"V\":\"NONE\"}"
     "}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465651,\"T\":1568879465650,"
     "\"o\":" OTU_INNER "}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1564745798939,\"T\":1564745798938,\"a\":"
     "{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":\"122624.12345678\","
     "\"cw\":"
     "\"100.12345678\",\"bc\":\"50.12345678\"},{\"a\":\"BUSD\",\"wb\":"
     "\"1.00000000\",\"cw\":\"0.00000000\",\"bc\":\"-49.12345678\"}],\"P\":[{"
     "\"s\":\"BTCUSDT\",\"pa\":\"0\",\"ep\":\"0.00000\",\"bep\":\"0\",\"cr\":"
     "\"200\",\"up\":\"0\",\"mt\":\"isolated\",\"iw\":\"0.00000000\",\"ps\":"
     "\"BOTH\"},{\"s\":\"BTCUSDT\",\"pa\":\"20\",\"ep\":\"6563.66500\",\"bep\":"
     "\"0\",\"cr\":\"0\",\"up\":\"2850.21200\",\"mt\":\"isolated\",\"iw\":"
     "\"13200.70726908\",\"ps\":\"LONG\"},{\"s\":\"BTCUSDT\",\"pa\":\"-10\","
     "\"ep\":\"6563.86000\",\"bep\":\"6563.6\",\"cr\":\"-45.04000000\",\"up\":"
     "\"-1423.15600\",\"mt\":\"isolated\",\"iw\":\"6570.42511771\",\"ps\":"
     "\"SHORT\"}]}}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ALGO_UPDATE\",\"T\":1750515742297,\"E\":1750515742303,\"o\":{"
     "\"caid\":\"Q5xaq5EGKgXXa0fD7fs0Ip\",\"aid\":2148719,\"at\":"
     "\"CONDITIONAL\",\"o\":\"TAKE_PROFIT\",\"s\":\"BNBUSDT\",\"S\":\"SELL\","
     "\"ps\":\"BOTH\",\"f\":\"GTC\",\"q\":\"0.01\",\"X\":\"CANCELED\",\"ai\":"
     "\"\",\"ap\":\"0.00000\",\"aq\":\"0.00000\",\"act\":\"0\",\"tp\":\"750\","
     "\"p\":\"750\",\"V\":\"EXPIRE_MAKER\",\"wt\":\"CONTRACT_PRICE\",\"pm\":"
     "\"NONE\",\"cp\":false,\"pP\":false,\"R\":false,\"tt\":0,\"gtd\":0,\"rm\":"
     "\"Reduce Only reject\"}}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"outboundAccountPosition\",\"E\":1564034571105,\"u\":"
     "1564034571073,\"B\":[{\"a\":\"ETH\",\"f\":\"10000.000000\",\"l\":"
     "\"0.000000\"}]}"},
    {LX_BN_SPOT, 1,
     "{\"subscriptionId\":0,\"event\":{\"e\":\"balanceUpdate\",\"E\":"
     "1573200697110,\"a\":\"BTC\",\"d\":\"100.00000000\",\"T\":"
     "1573200697068}}"},
    /* The mock's renderings (mock/venues/binance/spot.c, usdm.c). */
    {LX_BN_SPOT, 1,
     "{\"e\":\"executionReport\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"c\":"
     "\"mm-b-17\",\"S\":\"BUY\",\"o\":\"LIMIT_MAKER\",\"f\":\"GTC\",\"q\":"
     "\"0.01000000\",\"p\":\"29999.99000000\",\"P\":\"0.00000000\",\"F\":"
     "\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"FILLED\","
     "\"r\":"
     "\"NONE\",\"i\":17,\"l\":\"0.01000000\",\"z\":\"0.01000000\",\"L\":"
     "\"29999.99000000\",\"n\":\"0.00001000\",\"N\":\"BTC\",\"T\":"
     "1700000000123,"
     "\"t\":5,\"I\":41,\"w\":false,\"m\":true,\"M\":false,\"O\":1700000000001,"
     "\"Z\":\"299.99990000\",\"Y\":\"299.99990000\",\"Q\":\"0.00000000\",\"W\":"
     "1700000000001,\"V\":\"EXPIRE_MAKER\"}"},
    {LX_BN_SPOT, 1,
     "{\"stream\":\"user0\",\"data\":{\"e\":\"executionReport\",\"E\":1,\"s\":"
     "\"BTCUSDT\",\"c\":\"x\",\"S\":\"SELL\",\"o\":\"MARKET\",\"f\":\"IOC\","
     "\"q\":\"1\",\"p\":\"0\",\"P\":\"0\",\"F\":\"0\",\"g\":-1,\"C\":\"old\","
     "\"x\":\"CANCELED\",\"X\":\"CANCELED\",\"r\":\"NONE\",\"i\":2,\"l\":\"0\","
     "\"z\":\"0\",\"L\":\"0\",\"n\":\"0\",\"N\":null,\"T\":1,\"t\":-1,\"I\":3,"
     "\"w\":false,\"m\":false,\"M\":false,\"O\":1,\"Z\":\"0\",\"Y\":\"0\","
     "\"Q\":"
     "\"0\",\"W\":-1,\"V\":\"NONE\"}}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"balanceUpdate\",\"E\":1700000000500,\"a\":\"USDT\",\"d\":"
     "\"-25.50000000\",\"T\":1700000000499}"},
    {LX_BN_SPOT, 1,
     "{\"e\":\"outboundAccountPosition\",\"E\":1700000000123,\"u\":"
     "1700000000123,\"B\":[{\"a\":\"BTC\",\"f\":\"1.01000000\",\"l\":"
     "\"0.00000000\"},{\"a\":\"USDT\",\"f\":\"9700.00010000\",\"l\":"
     "\"300.00000000\"}]}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1700000000123,\"T\":1700000000123,"
     "\"o\":{\"s\":\"BTCUSDT\",\"c\":\"mm-a-3\",\"S\":\"SELL\",\"o\":\"LIMIT\","
     "\"f\":\"GTX\",\"q\":\"0.010\",\"p\":\"30000.10\",\"ap\":\"30000.10\","
     "\"sp\":\"0\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":3,\"l\":\"0.010\","
     "\"z\":\"0.010\",\"L\":\"30000.10\",\"N\":\"USDT\",\"n\":\"0.06000020\","
     "\"T\":1700000000123,\"t\":9,\"b\":\"0\",\"a\":\"0\",\"m\":true,\"R\":"
     "false,\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\",\"cp\":"
     "false,\"pP\":false,\"si\":0,\"ss\":0,\"rp\":\"0.00000000\",\"V\":"
     "\"NONE\",\"pm\":\"NONE\",\"gtd\":0}}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"TRADE_LITE\",\"E\":1700000000123,\"T\":1700000000123,\"s\":"
     "\"BTCUSDT\",\"q\":\"0.010\",\"p\":\"30000.10\",\"m\":true,\"c\":"
     "\"mm-a-3\",\"S\":\"SELL\",\"L\":\"30000.10\",\"l\":\"0.010\",\"t\":9,"
     "\"i\":3}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ALGO_UPDATE\",\"T\":1700000000200,\"E\":1700000000200,\"o\":{"
     "\"caid\":\"a1\",\"aid\":1000000001,\"at\":\"CONDITIONAL\",\"o\":"
     "\"STOP_MARKET\",\"s\":\"BTCUSDT\",\"S\":\"SELL\",\"ps\":\"BOTH\",\"f\":"
     "\"GTC\",\"q\":\"0.010\",\"X\":\"TRIGGERED\",\"ai\":\"4\",\"ap\":"
     "\"0.00\",\"aq\":\"0.000\",\"act\":\"0\",\"tp\":\"29000.00\",\"p\":\"0\","
     "\"V\":\"NONE\",\"wt\":\"MARK_PRICE\",\"pm\":\"NONE\",\"cp\":false,\"pP\":"
     "false,\"R\":true,\"tt\":1700000000199,\"gtd\":0,\"rm\":\"\"}}"},
    {LX_BN_USDM, 1,
     "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1700000000123,\"T\":1700000000123,\"a\":"
     "{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":\"9999.93999980\",\"cw\":"
     "\"9999.93999980\",\"bc\":\"0\"}],\"P\":[{\"s\":\"BTCUSDT\",\"pa\":"
     "\"-0.010\",\"ep\":\"30000.10\",\"bep\":\"30000.10\",\"cr\":"
     "\"0.00000000\",\"up\":\"-0.00100000\",\"mt\":\"cross\",\"iw\":"
     "\"0.00000000\",\"ps\":\"BOTH\"}]}}"},
};

static void test_user_frames(void **state)
{
    struct env ev;
    char buf[4096];
    size_t i, k;

    (void)state;
    env_init(&ev);
    for (i = 0; i < sizeof(user_frames) / sizeof(user_frames[0]); i++) {
        const char *js = user_frames[i].json;

        if (!check(&ev, user_frames[i].m, js, strlen(js))) {
            fail_msg("user frame %zu declined: %s", i, js);
        }
        /* The same in the WebSocket API wrapper, when bare. */
        if (strncmp(js, "{\"e\"", 4) == 0) {
            k = (size_t)lx__snprintf(buf, sizeof(buf),
                                     "{\"subscriptionId\":3,\"event\":%s}", js);
            assert_true(k < sizeof(buf));
            if (!check(&ev, user_frames[i].m, buf, k)) {
                fail_msg("wrapped user frame %zu declined: %s", i, buf);
            }
        }
    }
    env_free(&ev);
}

/*
 * buf through an arena of 4 KiB, too small for its arrays: the fast path
 * declines and the dispatcher fails as the slow path does.
 */
static void small_arena_fails(enum lx_bn_market m, const char *buf, size_t len)
{
    struct lx_arena *small = NULL;
    struct lx_bn_msg msg;

    assert_int_equal(lx_arena_new(&small, lx_test_mem(), 4096), LX_OK);
    assert_int_equal(lx__bn_parse_ws_fast(m, buf, len, small, &msg),
                     LX__BN_FAST_DECLINE);
    lx_arena_reset(small);
    assert_int_not_equal(lx__bn_parse_ws(m, buf, len, small, &msg, NULL),
                         LX_OK);
    lx_arena_free(small);
}

/* Balance and position arrays past the stack scratch, and the arena cap. */
static void test_big_elems(void **state)
{
    struct env ev;
    size_t cap = 64 * 1024, len, i, nb;
    char *buf = lx__malloc(NULL, cap);

    (void)state;
    assert_non_null(buf);
    env_init(&ev);
    for (nb = 0; nb <= 40; nb += 8) {
        len = (size_t)lx__snprintf(buf, cap,
                                   "{\"e\":\"outboundAccountPosition\",\"E\":1,"
                                   "\"u\":2,\"B\":[");
        for (i = 0; i < nb; i++) {
            len += (size_t)lx__snprintf(
                buf + len, cap - len,
                "%s{\"a\":\"A%zu\",\"f\":\"%zu.5\",\"l\":\"0.%zu\"}",
                i > 0 ? "," : "", i, i, i + 1);
        }
        len += (size_t)lx__snprintf(buf + len, cap - len, "]}");
        assert_true(check(&ev, LX_BN_SPOT, buf, len));
        len = (size_t)lx__snprintf(
            buf, cap,
            "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":2,\"a\":{\"m\":\"ORDER\","
            "\"B\":[");
        for (i = 0; i < nb; i++) {
            len += (size_t)lx__snprintf(buf + len, cap - len,
                                        "%s{\"a\":\"A%zu\",\"wb\":\"%zu.5\","
                                        "\"cw\":\"1\",\"bc\":\"-%zu\"}",
                                        i > 0 ? "," : "", i, i, i);
        }
        len += (size_t)lx__snprintf(buf + len, cap - len, "],\"P\":[");
        for (i = 0; i < nb + 3; i++) {
            len += (size_t)lx__snprintf(
                buf + len, cap - len,
                "%s{\"s\":\"S%zu\",\"pa\":\"-%zu\",\"ep\":\"1.%zu\",\"mt\":"
                "\"%s\",\"ps\":\"%s\"}",
                i > 0 ? "," : "", i, i, i, i % 2 ? "isolated" : "cross",
                i % 3 ? "LONG" : "SHORT");
        }
        len += (size_t)lx__snprintf(buf + len, cap - len, "]}}");
        assert_true(len < cap);
        assert_true(check(&ev, LX_BN_USDM, buf, len));
    }
    /* An arena too small for the positions. */
    small_arena_fails(LX_BN_USDM, buf, len);
    env_free(&ev);
    lx__free(NULL, buf);
}

/* The frame with its NUL-free text; "\0" inside a case is not used. */
static void test_cases(void **state)
{
    struct env ev;
    size_t i;

    (void)state;
    env_init(&ev);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool got = check(&ev, cases[i].m, cases[i].json, strlen(cases[i].json));

        if (got != (cases[i].take != 0)) {
            fail_msg("case %zu: %s, want %s: %s", i, got ? "taken" : "declined",
                     cases[i].take ? "taken" : "declined", cases[i].json);
        }
    }
    env_free(&ev);
}

/* Embedded NULs and every prefix of every frame. */
static void test_truncated(void **state)
{
    struct env ev;
    char buf[4096];
    size_t b, k, cut;
    int env;

    (void)state;
    env_init(&ev);
    for (b = 0; b < NBASES; b++) {
        for (env = ENV_BARE; env <= ENV_API; env++) {
            k = build_plain(buf, sizeof(buf), &bases[b], (enum env_style)env);
            for (cut = 0; cut < k; cut++) {
                assert_false(check(&ev, bases[b].m, buf, cut));
            }
            assert_true(check(&ev, bases[b].m, buf, k));
            /* The NUL that ends the text, then a NUL inside a string. */
            assert_false(check(&ev, bases[b].m, buf, k + 1));
            for (cut = 0; cut < k; cut++) {
                char save = buf[cut];

                buf[cut] = '\0';
                (void)check(&ev, bases[b].m, buf, k);
                buf[cut] = save;
            }
        }
    }
    env_free(&ev);
}

/* Large level arrays (a 5000-level spot snapshot) and the arena cap. */
static void test_big_levels(void **state)
{
    struct env ev;
    size_t cap = 5000 * 40 + 256, len, i;
    char *buf = lx__malloc(NULL, cap);

    (void)state;
    assert_non_null(buf);
    env_init(&ev);
    len = (size_t)lx__snprintf(buf, cap, "{\"lastUpdateId\":7,\"bids\":[");
    for (i = 0; i < 5000; i++) {
        len += (size_t)lx__snprintf(buf + len, cap - len, "%s[\"%zu.5\",\"1\"]",
                                    i > 0 ? "," : "", 100000 - i);
    }
    len += (size_t)lx__snprintf(buf + len, cap - len, "],\"asks\":[]}");
    assert_true(len < cap);
    assert_true(check(&ev, LX_BN_SPOT, buf, len));
    /* An arena too small for the levels. */
    small_arena_fails(LX_BN_SPOT, buf, len);
    env_free(&ev);
    lx__free(NULL, buf);
}

/*
 * Level arrays around the scan's scratch (256 levels for both sides; more
 * go back to a second walk of the text): every bid/ask split across the
 * boundary, clean or with one refused decimal (first, last, just inside
 * and just outside the scratch, in a price or a qty). Fast and slow agree
 * on every one; a clean frame is taken by the fast path and a refused
 * decimal declines it.
 */
static void test_level_scratch(void **state)
{
    static const size_t counts[][2] = {
        {0, 0},   {1, 0},   {0, 1},   {128, 128}, {127, 129}, {129, 128},
        {256, 0}, {0, 257}, {255, 1}, {200, 100}, {300, 3}};
    static const long bad_at[] = {-1, 0, 127, 128, 255, 256, 257, 301};
    struct env ev;
    size_t cap = 400 * 48 + 256;
    char *buf = lx__malloc(NULL, cap);
    size_t c, b, len, i, k;
    struct lx_bn_msg msg;

    (void)state;
    assert_non_null(buf);
    env_init(&ev);
    for (c = 0; c < LX_ARRAY_LEN(counts); c++) {
        size_t nb = counts[c][0], na = counts[c][1];

        for (b = 0; b < LX_ARRAY_LEN(bad_at); b++) {
            /* level index over bids then asks; odd case: the qty is bad */
            long bad = bad_at[b];
            bool bad_qty = (c + b) % 2 == 1;

            if (bad >= (long)(nb + na)) {
                continue;
            }
            len = (size_t)lx__snprintf(
                buf, cap,
                "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\","
                "\"U\":1,\"u\":2,\"b\":[");
            for (i = 0, k = 0; i < nb + na; i++) {
                bool here = (long)i == bad;

                if (i == nb) {
                    len +=
                        (size_t)lx__snprintf(buf + len, cap - len, "],\"a\":[");
                    k = 0;
                }
                len += (size_t)lx__snprintf(
                    buf + len, cap - len, "%s[\"%s%zu.25\",\"%s0.500\"]",
                    k++ > 0 ? "," : "", here && !bad_qty ? "x" : "",
                    i < nb ? 60000 - i : 60001 + i,
                    here && bad_qty ? "1e" : "");
            }
            if (nb + na == nb) {
                len += (size_t)lx__snprintf(buf + len, cap - len, "],\"a\":[");
            }
            len += (size_t)lx__snprintf(buf + len, cap - len, "]}");
            assert_true(len < cap);
            /* check(): the differential, and whether fast took it */
            assert_int_equal(check(&ev, LX_BN_SPOT, buf, len), bad < 0);
            lx_arena_reset(ev.fast);
            assert_int_equal(
                lx__bn_parse_ws_fast(LX_BN_SPOT, buf, len, ev.fast, &msg),
                bad < 0 ? LX_OK : LX__BN_FAST_DECLINE);
            if (bad < 0) {
                assert_int_equal(msg.u.depth.nbids, nb);
                assert_int_equal(msg.u.depth.nasks, na);
            }
        }
    }
    env_free(&ev);
    lx__free(NULL, buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_hft_spot),
        cmocka_unit_test(test_samples_hft_usdm),
        cmocka_unit_test(test_samples_cryptofeed),
        cmocka_unit_test(test_samples_nautilus),
        cmocka_unit_test(test_key_orders),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_extra_keys),
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_big_levels),
        cmocka_unit_test(test_level_scratch),
        cmocka_unit_test(test_user_frames),
        cmocka_unit_test(test_big_elems),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
