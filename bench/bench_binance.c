/*
 * bench_binance.c - the cost of the Binance codec on the hot paths, each
 * next to a reference measured in the same run:
 *
 * - sign + build one LIMIT order request (query builder, percent-encoding,
 *   HMAC-SHA256 hex) against HMAC-SHA256 alone over the same bytes;
 * - parse one FULL order answer into struct lx_order against cJSON parsing
 *   the same bytes (the floor any tree-based parser pays);
 * - parse recorded depth diffs (../shared/samples, or a documented frame
 *   when absent) into struct lx_depth, in messages per second, against
 *   cJSON alone on the same frames; then the recorded depth diffs, trades
 *   and bookTickers each through lx__bn_parse_ws, its tree-free fast path
 *   alone (codec_ws_fast.c) and its cJSON path alone, against cJSON
 *   parsing the same frames (ratio = ns per frame over cJSON's);
 * - the same for user-data events as the mock renders them: a spot
 *   executionReport (a fill), a USD-M ORDER_TRADE_UPDATE (a fill) and a
 *   USD-M ACCOUNT_UPDATE.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "bench_util.h"
#include "core/lx_internal.h"
#include "crypto/crypto.h"
#include "venues/binance/binance.h"
#include "venues/binance/codec_int.h"

static const char full_answer[] =
    "{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,"
    "\"clientOrderId\":\"6gCrw2kRUAF9CvJDGP16IP\",\"transactTime\":"
    "1507725176595,\"price\":\"0.00000000\",\"origQty\":\"10.00000000\","
    "\"executedQty\":\"10.00000000\",\"origQuoteOrderQty\":\"0.000000\","
    "\"cummulativeQuoteQty\":\"10.00000000\",\"status\":\"FILLED\","
    "\"timeInForce\":\"GTC\",\"type\":\"MARKET\",\"side\":\"SELL\","
    "\"workingTime\":1507725176595,\"selfTradePreventionMode\":\"NONE\","
    "\"fills\":[{\"price\":\"4000.00000000\",\"qty\":\"1.00000000\","
    "\"commission\":\"4.00000000\",\"commissionAsset\":\"USDT\",\"tradeId\":"
    "56},{\"price\":\"3999.00000000\",\"qty\":\"5.00000000\",\"commission\":"
    "\"19.99500000\",\"commissionAsset\":\"USDT\",\"tradeId\":57}]}";

static const char doc_diff[] =
    "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","
    "\"E\":1723161255208,\"s\":\"BTCUSDT\",\"U\":50093239189,\"u\":"
    "50093239202,\"b\":[[\"61737.63000000\",\"0.00000000\"],"
    "[\"61730.17000000\",\"0.00000000\"]],\"a\":[[\"61837.64000000\","
    "\"1.54698000\"],[\"61839.85000000\",\"0.00000000\"]]}}";

/* User-data events as mock/venues/binance renders them. */
static const char user_er[] =
    "{\"e\":\"executionReport\",\"E\":1700000000123,\"s\":\"BTCUSDT\",\"c\":"
    "\"mm-b-17\",\"S\":\"BUY\",\"o\":\"LIMIT_MAKER\",\"f\":\"GTC\",\"q\":"
    "\"0.01000000\",\"p\":\"29999.99000000\",\"P\":\"0.00000000\",\"F\":"
    "\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"r\":"
    "\"NONE\",\"i\":17,\"l\":\"0.01000000\",\"z\":\"0.01000000\",\"L\":"
    "\"29999.99000000\",\"n\":\"0.00001000\",\"N\":\"BTC\",\"T\":1700000000123,"
    "\"t\":5,\"I\":41,\"w\":false,\"m\":true,\"M\":false,\"O\":1700000000001,"
    "\"Z\":\"299.99990000\",\"Y\":\"299.99990000\",\"Q\":\"0.00000000\",\"W\":"
    "1700000000001,\"V\":\"EXPIRE_MAKER\"}";

static const char user_otu[] =
    "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1700000000123,\"T\":1700000000123,"
    "\"o\":{\"s\":\"BTCUSDT\",\"c\":\"mm-a-3\",\"S\":\"SELL\",\"o\":\"LIMIT\","
    "\"f\":\"GTX\",\"q\":\"0.010\",\"p\":\"30000.10\",\"ap\":\"30000.10\","
    "\"sp\":\"0\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":3,\"l\":\"0.010\","
    "\"z\":\"0.010\",\"L\":\"30000.10\",\"N\":\"USDT\",\"n\":\"0.06000020\","
    "\"T\":1700000000123,\"t\":9,\"b\":\"0\",\"a\":\"0\",\"m\":true,\"R\":"
    "false,\"wt\":\"CONTRACT_PRICE\",\"ot\":\"LIMIT\",\"ps\":\"BOTH\",\"cp\":"
    "false,\"pP\":false,\"si\":0,\"ss\":0,\"rp\":\"0.00000000\",\"V\":"
    "\"NONE\",\"pm\":\"NONE\",\"gtd\":0}}";

static const char user_acct[] =
    "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1700000000123,\"T\":1700000000123,\"a\":"
    "{\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":\"9999.93999980\",\"cw\":"
    "\"9999.93999980\",\"bc\":\"0\"}],\"P\":[{\"s\":\"BTCUSDT\",\"pa\":"
    "\"-0.010\",\"ep\":\"30000.10\",\"bep\":\"30000.10\",\"cr\":"
    "\"0.00000000\",\"up\":\"-0.00100000\",\"mt\":\"cross\",\"iw\":"
    "\"0.00000000\",\"ps\":\"BOTH\"}]}}";

#define ORDERS 20000
#define PARSES 20000

static double per_op(int64_t ns, long n)
{
    return (double)ns / (double)n;
}

static void row(const char *what, double ns, const char *ref, double ref_ns)
{
    printf("%-28s %10.0f ns   %-26s %10.0f ns  %6.2fx\n", what, ns, ref, ref_ns,
           ns / ref_ns);
}

static void bench_orders(struct lx_bn_signer *s)
{
    struct lx_order_req o;
    struct lx_bn_request r;
    struct lx_buf_part part;
    char hex[LX_HMAC_SHA256_HEX_LEN];
    int64_t t0, t1, t2;
    long i;

    memset(&o, 0, sizeof(o));
    (void)lx__snprintf(o.symbol, sizeof(o.symbol), "BTCUSDT");
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_qty = o.has_price = true;
    o.qty = lx_decimal_from_i64(1000, 5);
    o.price = lx_decimal_from_i64(6012345, 2);
    t0 = bench_now_ns();
    for (i = 0; i < ORDERS; i++) {
        if (lx__bn_req_new_order(s, &o, 1700000000000LL + i, &r) != LX_OK) {
            fprintf(stderr, "bench_binance: build failed\n");
            exit(1);
        }
    }
    t1 = bench_now_ns();
    part.p = r.body;
    part.len = strlen(r.body);
    for (i = 0; i < ORDERS; i++) {
        if (lx__hmac_sha256_hex(s->secret, &part, 1, hex) != LX_OK) {
            exit(1);
        }
    }
    t2 = bench_now_ns();
    row("sign+build LIMIT order", per_op(t1 - t0, ORDERS),
        "HMAC-SHA256 hex alone", per_op(t2 - t1, ORDERS));
}

static void bench_answer(struct lx_arena *a)
{
    struct lx_order o;
    int64_t t0, t1, t2;
    long i;

    t0 = bench_now_ns();
    for (i = 0; i < PARSES; i++) {
        if (lx__bn_parse_order(LX_BN_SPOT, full_answer, sizeof(full_answer) - 1,
                               a, &o, NULL) != LX_OK) {
            exit(1);
        }
        lx_arena_reset(a);
    }
    t1 = bench_now_ns();
    for (i = 0; i < PARSES; i++) {
        cJSON_Delete(
            cJSON_ParseWithLength(full_answer, sizeof(full_answer) - 1));
    }
    t2 = bench_now_ns();
    row("parse FULL order answer", per_op(t1 - t0, PARSES), "cJSON parse alone",
        per_op(t2 - t1, PARSES));
}

/*
 * Frames: the lines of the recording whose stream contains what ("@depth",
 * "@trade\"", "@bookTicker"), or the documented depth frame.
 */
static size_t load_frames(const char *what, char **buf, const char ***frames,
                          size_t **lens)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024];
    size_t n = 0, cap = 4096;
    FILE *f;
    long sz;

    *frames = lx__malloc(NULL, cap * sizeof(**frames));
    *lens = lx__malloc(NULL, cap * sizeof(**lens));
    *buf = NULL;
    (void)lx__snprintf(path, sizeof(path), "%s/%s",
                       dir != NULL ? dir : LX_SAMPLES_DEFAULT,
                       "binance-spot/hftbacktest/"
                       "btcusdt_20240808.first150s.txt");
    f = fopen(path, "rb");
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        char *line, *end;

        *buf = lx__malloc(NULL, (size_t)sz + 1);
        if (*buf != NULL && fread(*buf, 1, (size_t)sz, f) == (size_t)sz) {
            (*buf)[sz] = '\0';
            for (line = *buf; *line != '\0' && n < cap; line = end + 1) {
                end = strchr(line, '\n');
                if (end == NULL) {
                    break;
                }
                if (strstr(line, what) != NULL && strstr(line, what) < end) {
                    const char *j = strchr(line, ' ') + 1;

                    (*frames)[n] = j;
                    (*lens)[n++] = (size_t)(end - j);
                }
            }
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    if (n == 0) {
        (*frames)[0] = doc_diff;
        (*lens)[0] = sizeof(doc_diff) - 1;
        n = 1;
    }
    return n;
}

static void bench_depth(struct lx_arena *a)
{
    const char **frames;
    size_t *lens, n, i, k, total = 0;
    struct lx_bn_msg m;
    char *buf;
    int64_t t0, t1, t2;
    int rounds = 20;

    n = load_frames("@depth", &buf, &frames, &lens);
    t0 = bench_now_ns();
    for (k = 0; k < (size_t)rounds; k++) {
        for (i = 0; i < n; i++) {
            if (lx__bn_parse_ws(LX_BN_SPOT, frames[i], lens[i], a, &m, NULL) !=
                LX_OK) {
                exit(1);
            }
            lx_arena_reset(a);
            total++;
        }
    }
    t1 = bench_now_ns();
    for (k = 0; k < (size_t)rounds; k++) {
        for (i = 0; i < n; i++) {
            cJSON_Delete(cJSON_ParseWithLength(frames[i], lens[i]));
        }
    }
    t2 = bench_now_ns();
    printf("%-28s %10.0f msg/s %-26s %10.0f msg/s (%zu frames x %d)\n",
           "parse depth diffs", (double)total * 1e9 / (double)(t1 - t0),
           "cJSON parse alone", (double)total * 1e9 / (double)(t2 - t1), n,
           rounds);
    lx__free(NULL, buf);
    lx__free(NULL, frames);
    lx__free(NULL, lens);
}

typedef int (*ws_fn)(enum lx_bn_market m, const char *buf, size_t len,
                     struct lx_arena *arena, struct lx_bn_msg *out,
                     struct lx_bn_err *err);

static int fast_only(enum lx_bn_market m, const char *buf, size_t len,
                     struct lx_arena *arena, struct lx_bn_msg *out,
                     struct lx_bn_err *err)
{
    (void)err;
    return lx__bn_parse_ws_fast(m, buf, len, arena, out);
}

/* ns per frame of fn over the frames, rounds times; exits on a failure. */
static double ns_per_frame(ws_fn fn, enum lx_bn_market mk, const char **frames,
                           const size_t *lens, size_t n, int rounds,
                           struct lx_arena *a)
{
    struct lx_bn_msg m;
    int64_t t0 = bench_now_ns();
    size_t i;
    int k;

    for (k = 0; k < rounds; k++) {
        for (i = 0; i < n; i++) {
            if (fn(mk, frames[i], lens[i], a, &m, NULL) != LX_OK) {
                fprintf(stderr, "bench_binance: a frame failed\n");
                exit(1);
            }
            lx_arena_reset(a);
        }
    }
    return (double)(bench_now_ns() - t0) / (double)(n * (size_t)rounds);
}

static void frame_row(const char *what, double ns, double ref_ns)
{
    printf("%-28s %10.0f msg/s %-26s %10.0f msg/s %6.2fx\n", what, 1e9 / ns,
           "cJSON parse alone", 1e9 / ref_ns, ns / ref_ns);
}

/*
 * frames through each path (parse_ws, the fast path, the cJSON path),
 * rounds times, and cJSON's parse alone alongside: one row each.
 */
static void paths_rows(struct lx_arena *a, const char *name,
                       enum lx_bn_market mk, const char **frames,
                       const size_t *lens, size_t n, int rounds)
{
    static const char *const suffix[3] = {"parse_ws", "fast path",
                                          "cJSON path"};
    const ws_fn fns[3] = {lx__bn_parse_ws, fast_only, lx__bn_parse_ws_slow};
    double t[3], t_cj;
    char label[64];
    int64_t t0;
    size_t i;
    int k;

    for (k = 0; k < 3; k++) {
        t[k] = ns_per_frame(fns[k], mk, frames, lens, n, rounds, a);
    }
    t0 = bench_now_ns();
    for (k = 0; k < rounds; k++) {
        for (i = 0; i < n; i++) {
            cJSON_Delete(cJSON_ParseWithLength(frames[i], lens[i]));
        }
    }
    t_cj = (double)(bench_now_ns() - t0) / (double)(n * (size_t)rounds);
    for (k = 0; k < 3; k++) {
        (void)lx__snprintf(label, sizeof(label), "%s: %s", name, suffix[k]);
        frame_row(label, t[k], t_cj);
    }
}

/* One kind of recorded frame through each path, cJSON alone alongside. */
static void bench_kind(struct lx_arena *a, const char *what, const char *name)
{
    const char **frames;
    size_t *lens, n;
    char *buf;
    int rounds = 10;

    n = load_frames(what, &buf, &frames, &lens);
    if (buf == NULL) {
        printf("%s: no recording, skipped\n", name);
        lx__free(NULL, frames);
        lx__free(NULL, lens);
        return;
    }
    printf("-- %s: %zu recorded frames x %d\n", name, n, rounds);
    paths_rows(a, name, LX_BN_SPOT, frames, lens, n, rounds);
    lx__free(NULL, buf);
    lx__free(NULL, frames);
    lx__free(NULL, lens);
}

/* One user-data event through each path, cJSON alone alongside. */
static void bench_user(struct lx_arena *a, const char *name,
                       enum lx_bn_market mk, const char *frame)
{
    const char *frames[1] = {frame};
    size_t lens[1] = {strlen(frame)};
    int rounds = 100000;

    printf("-- %s: one %zu-byte mock frame x %d\n", name, lens[0], rounds);
    paths_rows(a, name, mk, frames, lens, 1, rounds);
}

int main(void)
{
    static const char key[] = "bench-key", sec[] = "bench-secret";
    struct lx_bn_signer s;
    struct lx_arena *a = NULL;

    memset(&s, 0, sizeof(s));
    s.market = LX_BN_SPOT;
    s.recv_window = 5000;
    if (lx_secret_new((struct lx_secret **)&s.api_key, NULL, key,
                      sizeof(key) - 1) != LX_OK ||
        lx_secret_new((struct lx_secret **)&s.secret, NULL, sec,
                      sizeof(sec) - 1) != LX_OK ||
        lx_arena_new(&a, NULL, 0) != LX_OK) {
        fprintf(stderr, "bench_binance: setup failed\n");
        return 1;
    }
    bench_header("Binance codec (per call, lower is better; ratio = ours / "
                 "reference)",
                 "operation                       ours           reference "
                 "                    ref        ratio");
    bench_orders(&s);
    bench_answer(a);
    bench_depth(a);
    bench_kind(a, "@depth", "depth diffs");
    bench_kind(a, "@trade\"", "trades");
    bench_kind(a, "@bookTicker", "bookTicker");
    bench_user(a, "executionReport", LX_BN_SPOT, user_er);
    bench_user(a, "ORDER_TRADE_UPDATE", LX_BN_USDM, user_otu);
    bench_user(a, "ACCOUNT_UPDATE", LX_BN_USDM, user_acct);
    lx_arena_free(a);
    lx_secret_free((struct lx_secret *)s.api_key);
    lx_secret_free((struct lx_secret *)s.secret);
    return 0;
}
