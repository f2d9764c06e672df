/*
 * bench_http_codec.c - the client side of one REST call, without sockets:
 * building a request (lx_http_msg_new_request, lx_http_msg_add_header,
 * serialized into an evbuffer by the codec) and parsing a real ~1.6 KB
 * Binance depth response (~1 KB JSON body under CloudFront's headers) with
 * the codec into a complete struct lx_http_msg.
 *
 * References, measured in the same run on the same bytes: snprintf
 * building the identical request line and headers into a stack buffer,
 * and bare http_parser_execute (the library the codec sits on) with
 * callbacks that do nothing. The references do not allocate, copy fields
 * or check framing, so the ratios are the price of the message object and
 * the strict checks, not of an alternative one could ship.
 *
 * Figures are ns per operation; ratio = lotusx / reference (above 1 is
 * slower). Each case runs for a fixed time slice; outputs go through a
 * volatile sink so nothing is optimised away.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <http_parser.h>

#include "core/lx_internal.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_http.h"
#include "net/http_codec.h"
#include "bench_util.h"

/* Time slice per case: four cases make about 1.6 s. */
#define SLICE_NS INT64_C(400000000)
/* Operations between two clock reads. */
#define BATCH 256

#define TARGET "/api/v3/depth?symbol=BTCUSDT&limit=15"
#define HOST   "api.binance.com"
#define UA     "lotusx/0.1"
#define ACCEPT "application/json"
#define APIKEY                                                                 \
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"

static char body[2048];
static size_t body_len;
static char resp[4096];
static size_t resp_len;
static char want_req[512];
static size_t want_req_len;

static volatile int64_t sink;

struct result {
    int64_t ns;
    int64_t ops;
};

static double ns_per_op(struct result r)
{
    return (double)r.ns / (double)r.ops;
}

/*
 * A depth snapshot with 15 levels a side in Binance's exact format
 * (8-decimal strings), about 1 KB.
 */
static size_t make_body(char *buf, size_t cap)
{
    size_t n = 0;
    int i, side;

    n += (size_t)lx__snprintf(buf + n, cap - n, "{\"lastUpdateId\":%lld",
                              1027024LL * 10007);
    for (side = 0; side < 2; side++) {
        n += (size_t)lx__snprintf(buf + n, cap - n, ",\"%s\":[",
                                  side == 0 ? "bids" : "asks");
        for (i = 0; i < 15; i++) {
            long cents = side == 0 ? 6183763 - i : 6183764 + i;
            n += (size_t)lx__snprintf(buf + n, cap - n,
                                      "%s[\"%ld.%02ld000000\",\"%d.%08d\"]",
                                      i > 0 ? "," : "", cents / 100,
                                      cents % 100, i % 3, 54698000 - i * 1237);
        }
        n += (size_t)lx__snprintf(buf + n, cap - n, "]");
    }
    n += (size_t)lx__snprintf(buf + n, cap - n, "}");
    return n;
}

/* The response head api.binance.com sends today, byte for byte in shape. */
static size_t make_response(char *buf, size_t cap)
{
    int n = lx__snprintf(
        buf, cap,
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json;charset=UTF-8\r\n"
        "Content-Length: %zu\r\n"
        "Connection: keep-alive\r\n"
        "Date: Wed, 02 Dec 2026 00:12:07 GMT\r\n"
        "Server: nginx\r\n"
        "x-mbx-uuid: 5f3c6f0e-2a4b-4f6e-9a51-0d7e3c1b8a42\r\n"
        "x-mbx-used-weight: 5\r\n"
        "x-mbx-used-weight-1m: 5\r\n"
        "Strict-Transport-Security: max-age=31536000; includeSubdomains\r\n"
        "X-Frame-Options: SAMEORIGIN\r\n"
        "X-Xss-Protection: 1; mode=block\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'self'\r\n"
        "X-Content-Security-Policy: default-src 'self'\r\n"
        "X-WebKit-CSP: default-src 'self'\r\n"
        "Cache-Control: no-cache, no-store, must-revalidate\r\n"
        "Pragma: no-cache\r\n"
        "Expires: 0\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n"
        "X-Cache: Miss from cloudfront\r\n"
        "Via: 1.1 8d2b2a1f0e3c4b5a69788796a5b4c3d2.cloudfront.net "
        "(CloudFront)\r\n"
        "X-Amz-Cf-Pop: NRT57-P3\r\n"
        "X-Amz-Cf-Id: "
        "Zl3kq0bX9oWc1u8yJpQn4vR6sT2aE5dF7gH9iJ0kLmNoPqRsTuVw==\r\n"
        "\r\n"
        "%s",
        body_len, body);

    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static int snprintf_request(char *buf, size_t cap)
{
    return snprintf(buf, cap,
                    "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                    "Accept: %s\r\nX-MBX-APIKEY: %s\r\n\r\n",
                    TARGET, HOST, UA, ACCEPT, APIKEY);
}

/* One request built and serialized the way the client does it. */
static int lx_request(struct evbuffer *out)
{
    struct lx_http_msg *m;
    int rc = lx_http_msg_new_request(&m, NULL, "GET", TARGET);

    if (rc != LX_OK) {
        return rc;
    }
    if ((rc = lx_http_msg_add_header(m, "Host", HOST)) == LX_OK &&
        (rc = lx_http_msg_add_header(m, "User-Agent", UA)) == LX_OK &&
        (rc = lx_http_msg_add_header(m, "Accept", ACCEPT)) == LX_OK &&
        (rc = lx_http_msg_add_header(m, "X-MBX-APIKEY", APIKEY)) == LX_OK) {
        rc = lx__http_msg_write(m, out);
    }
    lx_http_msg_free(m);
    return rc;
}

static struct result run_build_lx(struct evbuffer *out)
{
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            acc += lx_request(out);
            acc += (int64_t)evbuffer_get_length(out);
            evbuffer_drain(out, evbuffer_get_length(out));
        }
        ops += BATCH;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink = acc;
    return (struct result){t - t0, ops};
}

static struct result run_build_snprintf(void)
{
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    char buf[512];
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            acc += snprintf_request(buf, sizeof(buf));
            acc += buf[b & 63];
        }
        ops += BATCH;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink = acc;
    return (struct result){t - t0, ops};
}

struct parsed {
    int64_t count;
    int64_t bytes;
    int status;
};

static void on_response(struct lx_http_msg *msg, void *ud)
{
    struct parsed *p = ud;
    size_t len = 0;

    p->count++;
    p->status = lx_http_msg_status(msg);
    lx_http_msg_body(msg, &len);
    p->bytes += (int64_t)len;
    lx_http_msg_free(msg);
}

static struct result run_parse_lx(struct lx__http_parser *p, struct parsed *got)
{
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    size_t used;
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            acc += lx__http_parser_feed(p, resp, resp_len, &used);
            acc += (int64_t)used;
        }
        ops += BATCH;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink = acc;
    if (got->count != ops || got->bytes != ops * (int64_t)body_len) {
        fprintf(stderr, "bench_http_codec: parsed %lld of %lld responses\n",
                (long long)got->count, (long long)ops);
        return (struct result){0, 0};
    }
    return (struct result){t - t0, ops};
}

static int hp_noop(http_parser *hp)
{
    LX_UNUSED(hp);
    return 0;
}

static int hp_noop_data(http_parser *hp, const char *at, size_t len)
{
    LX_UNUSED(hp);
    LX_UNUSED(at);
    LX_UNUSED(len);
    return 0;
}

static struct result run_parse_http_parser(void)
{
    http_parser_settings s;
    http_parser hp;
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    int b;

    memset(&s, 0, sizeof(s));
    s.on_message_begin = hp_noop;
    s.on_status = hp_noop_data;
    s.on_header_field = hp_noop_data;
    s.on_header_value = hp_noop_data;
    s.on_headers_complete = hp_noop;
    s.on_body = hp_noop_data;
    s.on_message_complete = hp_noop;
    do {
        for (b = 0; b < BATCH; b++) {
            http_parser_init(&hp, HTTP_RESPONSE);
            acc += (int64_t)http_parser_execute(&hp, &s, resp, resp_len);
            acc += hp.status_code + (int64_t)hp.http_errno;
        }
        ops += BATCH;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink = acc;
    if (acc != ops * (int64_t)(resp_len + 200)) {
        fprintf(stderr, "bench_http_codec: http_parser rejected the bytes\n");
        return (struct result){0, 0};
    }
    return (struct result){t - t0, ops};
}

static void row(const char *op, double lx, const char *ref_name, double ref)
{
    printf("%-12s %10.1f   %-30s %10.1f %8.2f\n", op, lx, ref_name, ref,
           lx / ref);
}

/* The codec must produce exactly the bytes snprintf does, or the
 * comparison means nothing. */
static int check_same_request(struct evbuffer *out)
{
    int ok = lx_request(out) == LX_OK &&
             evbuffer_get_length(out) == want_req_len &&
             memcmp(evbuffer_pullup(out, -1), want_req, want_req_len) == 0;

    evbuffer_drain(out, evbuffer_get_length(out));
    return ok;
}

int main(void)
{
    struct evbuffer *out = evbuffer_new();
    struct lx__http_parser *p = NULL;
    struct parsed got = {0, 0, 0};
    struct result b_lx, b_ref, p_lx, p_ref;
    int rc = 1;

    body_len = make_body(body, sizeof(body));
    resp_len = make_response(resp, sizeof(resp));
    want_req_len = (size_t)snprintf_request(want_req, sizeof(want_req));
    if (out == NULL || resp_len == 0 || !check_same_request(out)) {
        fprintf(stderr, "bench_http_codec: setup failed or the serialized "
                        "request differs from the reference\n");
        goto out;
    }
    if (lx__http_parser_new(&p, NULL, LX__HTTP_RESPONSE, NULL, on_response,
                            &got) != LX_OK) {
        fprintf(stderr, "bench_http_codec: cannot create the parser\n");
        goto out;
    }
    b_lx = run_build_lx(out);
    b_ref = run_build_snprintf();
    p_lx = run_parse_lx(p, &got);
    p_ref = run_parse_http_parser();
    if (p_lx.ops == 0 || p_ref.ops == 0 || got.status != 200) {
        goto out;
    }
    printf("http codec: request %zu bytes (GET, 4 headers); response %zu "
           "bytes (%zu head + %zu JSON body, 25 headers); %.1f s per case\n",
           want_req_len, resp_len, resp_len - body_len, body_len,
           (double)SLICE_NS / 1e9);
    bench_header("client-side cost (ns/op; ratio = lotusx / reference, "
                 "above 1 is slower)",
                 "op              lotusx   reference                           "
                 "ns    ratio");
    row("build", ns_per_op(b_lx), "snprintf same bytes", ns_per_op(b_ref));
    row("parse", ns_per_op(p_lx), "http_parser_execute, no-op cbs",
        ns_per_op(p_ref));
    row("build+parse", ns_per_op(b_lx) + ns_per_op(p_lx), "sum of the two",
        ns_per_op(b_ref) + ns_per_op(p_ref));
    printf("parse throughput: lotusx %.0f MB/s, http_parser %.0f MB/s\n",
           (double)resp_len * 1e3 / ns_per_op(p_lx),
           (double)resp_len * 1e3 / ns_per_op(p_ref));
    rc = 0;
out:
    lx__http_parser_free(p);
    if (out != NULL) {
        evbuffer_free(out);
    }
    return rc;
}
