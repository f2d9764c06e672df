/*
 * test_http.c - the HTTP/1.1 message type and codec, sans I/O: golden
 * serializations, parsing of requests and responses however the bytes are
 * split, pipelining, keep-alive, upgrades, limits and their status hints,
 * builders refusing header injection, and allocation failure everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "core/lx_internal.h"
#include "net/http_codec.h"
#include "lx_test.h"

#ifndef LX_HTTP_FIXTURES
#define LX_HTTP_FIXTURES "fixtures/fuzz/fuzz_http_response"
#endif

/* Binance's documented example key, request and signature. */
#define BN_KEY                                                                 \
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
#define BN_ORDER_BODY                                                          \
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&"  \
    "recvWindow=5000&timestamp=1499827319559&signature="                       \
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"

#define COLL_MAX 32

/* Collects the messages a parser delivers, in order. */
struct coll {
    struct lx_http_msg *msgs[COLL_MAX];
    size_t n;
};

static void collect(struct lx_http_msg *m, void *ud)
{
    struct coll *c = ud;

    if (c->n < COLL_MAX) {
        c->msgs[c->n++] = m;
    } else {
        lx_http_msg_free(m);
    }
}

static void coll_clear(struct coll *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        lx_http_msg_free(c->msgs[i]);
    }
    c->n = 0;
}

/*
 * Feeds data in pieces of step bytes (0: all at once) until an error or an
 * upgrade stops the parser; *total gets the bytes consumed.
 */
static int feed_steps(struct lx__http_parser *p, const char *data, size_t len,
                      size_t step, size_t *total)
{
    size_t off = 0;
    int rc = LX_OK;

    while (off < len) {
        size_t n = step == 0 || len - off < step ? len - off : step, used;

        rc = lx__http_parser_feed(p, data + off, n, &used);
        off += used;
        if (rc != LX_OK || used < n) {
            break;
        }
    }
    *total = off;
    return rc;
}

/* Parses data with a fresh parser; returns the feed result. */
static int parse(int role, const struct lx__http_limits *lim, const char *data,
                 size_t len, size_t step, struct coll *c, int *status)
{
    struct lx__http_parser *p;
    size_t total;
    int rc;

    assert_int_equal(
        lx__http_parser_new(&p, lx_test_mem(), role, lim, collect, c), LX_OK);
    rc = feed_steps(p, data, len, step, &total);
    if (status != NULL) {
        *status = lx__http_parser_error_status(p);
    }
    lx__http_parser_free(p);
    return rc;
}

/* Serializes m and returns its bytes in a NUL-terminated buffer. */
static char *write_msg(const struct lx_http_msg *m, size_t *len, int *rc)
{
    struct evbuffer *out = evbuffer_new();
    char *s;

    assert_non_null(out);
    *rc = lx__http_msg_write(m, out);
    *len = evbuffer_get_length(out);
    s = test_malloc(*len + 1);
    evbuffer_remove(out, s, *len);
    s[*len] = '\0';
    evbuffer_free(out);
    return s;
}

static void assert_writes(const struct lx_http_msg *m, const char *golden)
{
    size_t len;
    int rc;
    char *s = write_msg(m, &len, &rc);

    assert_int_equal(rc, LX_OK);
    assert_int_equal(len, strlen(golden));
    assert_memory_equal(s, golden, len);
    test_free(s);
}

/*
 * A canonical digest of what a parser produced: every message's flags and
 * its serialization. Two runs that agree on this parsed the same things.
 */
static char *digest(const struct coll *c, size_t *len)
{
    struct evbuffer *out = evbuffer_new();
    size_t i;
    char *s;

    for (i = 0; i < c->n; i++) {
        const struct lx_http_msg *m = c->msgs[i];

        evbuffer_add_printf(out, "<msg v=%d ka=%d up=%d>\n",
                            lx_http_msg_version(m), lx_http_msg_keep_alive(m),
                            lx_http_msg_upgrade(m));
        assert_int_equal(lx__http_msg_write(m, out), LX_OK);
    }
    *len = evbuffer_get_length(out);
    s = test_malloc(*len + 1);
    evbuffer_remove(out, s, *len);
    s[*len] = '\0';
    evbuffer_free(out);
    return s;
}

/*
 * Parses input whole, one byte at a time, and split in two at every
 * position: all runs must give the same messages, result and status.
 */
static void assert_split_invariant(int role, const char *in, size_t len)
{
    struct coll whole = {{0}, 0};
    size_t dlen0, step, cut;
    int rc0, st0;
    char *d0;

    rc0 = parse(role, NULL, in, len, 0, &whole, &st0);
    d0 = digest(&whole, &dlen0);
    for (step = 1; step <= 3; step++) {
        struct coll c = {{0}, 0};
        size_t dlen;
        int st, rc = parse(role, NULL, in, len, step, &c, &st);
        char *d = digest(&c, &dlen);

        assert_true(rc == rc0 || (rc0 == LX_OK && rc == LX_ERR_STATE));
        assert_int_equal(st, st0);
        assert_int_equal(dlen, dlen0);
        assert_memory_equal(d, d0, dlen);
        test_free(d);
        coll_clear(&c);
    }
    for (cut = 1; cut < len; cut++) {
        struct lx__http_parser *p;
        struct coll c = {{0}, 0};
        size_t used1 = 0, used2 = 0, dlen;
        char *d;
        int rc;

        assert_int_equal(
            lx__http_parser_new(&p, lx_test_mem(), role, NULL, collect, &c),
            LX_OK);
        rc = lx__http_parser_feed(p, in, cut, &used1);
        if (rc == LX_OK && used1 == cut) {
            rc = lx__http_parser_feed(p, in + cut, len - cut, &used2);
        }
        assert_true(rc == rc0 || (rc0 == LX_OK && rc == LX_ERR_STATE));
        assert_int_equal(lx__http_parser_error_status(p), st0);
        d = digest(&c, &dlen);
        assert_int_equal(dlen, dlen0);
        assert_memory_equal(d, d0, dlen);
        test_free(d);
        coll_clear(&c);
        lx__http_parser_free(p);
    }
    test_free(d0);
    coll_clear(&whole);
}

static const char *header_at_name(const struct lx_http_msg *m, size_t i)
{
    const char *name = NULL;

    assert_int_equal(lx_http_msg_header_at(m, i, &name, NULL, NULL, NULL),
                     LX_OK);
    return name;
}

static const char *header_at_value(const struct lx_http_msg *m, size_t i)
{
    const char *value = NULL;

    assert_int_equal(lx_http_msg_header_at(m, i, NULL, NULL, &value, NULL),
                     LX_OK);
    return value;
}

/* ---- serialization: golden bytes --------------------------------------- */

static void test_write_get(void **state)
{
    struct lx_http_msg *m;

    (void)state;
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET",
                                             "/api/v3/depth?symbol=BTCUSDT&"
                                             "limit=1000"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Host", "api.binance.com"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "User-Agent", "lotusx/0.1.0"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "x-mbx-apikey", BN_KEY), LX_OK);
    assert_writes(m, "GET /api/v3/depth?symbol=BTCUSDT&limit=1000 HTTP/1.1\r\n"
                     "Host: api.binance.com\r\n"
                     "User-Agent: lotusx/0.1.0\r\n"
                     "x-mbx-apikey: " BN_KEY "\r\n"
                     "\r\n");
    assert_true(lx_http_msg_is_request(m));
    assert_string_equal(lx_http_msg_method(m), "GET");
    assert_null(lx_http_msg_reason(m));
    assert_int_equal(lx_http_msg_status(m), 0);
    assert_int_equal(lx_http_msg_version(m), 11);
    assert_true(lx_http_msg_keep_alive(m));
    assert_false(lx_http_msg_upgrade(m));
    assert_true(lx_http_msg_is_idempotent(m));
    assert_true(lx_http_msg_is_safe(m));
    lx_http_msg_free(m);
}

static void test_write_post_order(void **state)
{
    struct lx_http_msg *m;

    (void)state;
    assert_int_equal(
        lx_http_msg_new_request(&m, lx_test_mem(), "POST", "/api/v3/order"),
        LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Host", "api.binance.com"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", BN_KEY), LX_OK);
    assert_int_equal(
        lx_http_msg_add_header(m, "Content-Type",
                               "application/x-www-form-urlencoded"),
        LX_OK);
    assert_int_equal(
        lx_http_msg_set_body(m, BN_ORDER_BODY, strlen(BN_ORDER_BODY)), LX_OK);
    assert_writes(m, "POST /api/v3/order HTTP/1.1\r\n"
                     "Host: api.binance.com\r\n"
                     "X-MBX-APIKEY: " BN_KEY "\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 185\r\n"
                     "\r\n" BN_ORDER_BODY);
    assert_false(lx_http_msg_is_idempotent(m));
    assert_false(lx_http_msg_is_safe(m));
    lx_http_msg_free(m);
}

/* Content-Length only where the method or a body calls for it. */
static void test_write_request_lengths(void **state)
{
    struct lx_http_msg *m;

    (void)state;
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "DELETE",
                                             "/api/v3/order?orderId=28"),
                     LX_OK);
    assert_writes(m, "DELETE /api/v3/order?orderId=28 HTTP/1.1\r\n\r\n");
    assert_true(lx_http_msg_is_idempotent(m));
    assert_false(lx_http_msg_is_safe(m));
    lx_http_msg_free(m);

    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "POST",
                                             "/api/v3/userDataStream"),
                     LX_OK);
    assert_writes(m, "POST /api/v3/userDataStream HTTP/1.1\r\n"
                     "Content-Length: 0\r\n\r\n");
    lx_http_msg_free(m);

    /* A body given explicitly, even empty, is announced. */
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET", "/"),
                     LX_OK);
    assert_int_equal(lx_http_msg_set_body(m, NULL, 0), LX_OK);
    assert_writes(m, "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_null(lx_http_msg_body(m, NULL));
    lx_http_msg_free(m);
}

static void test_write_responses(void **state)
{
    struct lx_http_msg *m;

    (void)state;
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 200, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Content-Type",
                                            "application/json;charset=UTF-8"),
                     LX_OK);
    assert_int_equal(lx_http_msg_set_body(m, "{}", 2), LX_OK);
    assert_writes(m, "HTTP/1.1 200 OK\r\n"
                     "Content-Type: application/json;charset=UTF-8\r\n"
                     "Content-Length: 2\r\n\r\n{}");
    assert_false(lx_http_msg_is_request(m));
    assert_null(lx_http_msg_method(m));
    assert_null(lx_http_msg_target(m));
    assert_string_equal(lx_http_msg_reason(m), "OK");
    assert_false(lx_http_msg_is_idempotent(m));
    lx_http_msg_free(m);

    /* No body: still Content-Length: 0, so the client need not wait. */
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 404, NULL),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    lx_http_msg_free(m);

    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 204, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-MBX-USED-WEIGHT-1M", "1"),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 204 No Content\r\nX-MBX-USED-WEIGHT-1M: 1\r\n"
                     "\r\n");
    lx_http_msg_free(m);

    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 304, NULL),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 304 Not Modified\r\n\r\n");
    lx_http_msg_free(m);

    /* A custom, and an empty, reason phrase. */
    assert_int_equal(
        lx_http_msg_new_response(&m, lx_test_mem(), 418, "I'm a teapot"),
        LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Retry-After", "120"), LX_OK);
    assert_writes(m, "HTTP/1.1 418 I'm a teapot\r\nRetry-After: 120\r\n"
                     "Content-Length: 0\r\n\r\n");
    lx_http_msg_free(m);
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 599, ""),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n");
    lx_http_msg_free(m);
}

static void test_write_switching_protocols(void **state)
{
    struct lx_http_msg *m;

    (void)state;
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 101, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Upgrade", "websocket"), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Connection", "Upgrade"), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Sec-WebSocket-Accept",
                                            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 101 Switching Protocols\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                     "\r\n");
    lx_http_msg_free(m);
}

/* A length the caller set is used as is; a wrong one is refused. */
static void test_write_caller_length(void **state)
{
    struct lx_http_msg *m;
    size_t len;
    char *s;
    int rc;

    (void)state;
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 400, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "content-length", "38"), LX_OK);
    assert_int_equal(lx_http_msg_set_body(
                         m, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", 38),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 400 Bad Request\r\ncontent-length: 38\r\n\r\n"
                     "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    assert_int_equal(lx_http_msg_set_body(m, "{}", 2), LX_OK);
    s = write_msg(m, &len, &rc);
    assert_int_equal(rc, LX_ERR_INVAL);
    assert_int_equal(len, 0); /* nothing half-written */
    test_free(s);
    lx_http_msg_free(m);

    /* HEAD answer: the length of the body it would have, and no body. */
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 200, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Content-Length", "64046"),
                     LX_OK);
    assert_writes(m, "HTTP/1.1 200 OK\r\nContent-Length: 64046\r\n\r\n");
    lx_http_msg_free(m);

    /* 204 and 304 cannot carry a body. */
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 304, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_set_body(m, "x", 1), LX_OK);
    s = write_msg(m, &len, &rc);
    assert_int_equal(rc, LX_ERR_INVAL);
    assert_int_equal(len, 0);
    test_free(s);
    lx_http_msg_free(m);
}

static void test_write_chunked(void **state)
{
    struct lx_http_msg *m;
    struct evbuffer *out;
    char buf[128];
    size_t n;

    (void)state;
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 200, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Transfer-Encoding", "chunked"),
                     LX_OK);
    assert_int_equal(lx_http_msg_set_body(m, "hello world", 11), LX_OK);
    assert_writes(m, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "b\r\nhello world\r\n0\r\n\r\n");
    lx_http_msg_free(m);

    /* An empty body, set explicitly, is the last chunk alone. */
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "POST",
                                             "/fapi/v1/batchOrders"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Transfer-Encoding", "chunked"),
                     LX_OK);
    assert_int_equal(lx_http_msg_set_body(m, NULL, 0), LX_OK);
    assert_writes(m, "POST /fapi/v1/batchOrders HTTP/1.1\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    lx_http_msg_free(m);

    /* No body set: the head only, then the caller streams chunks. */
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 200, NULL),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Transfer-Encoding", "chunked"),
                     LX_OK);
    out = evbuffer_new();
    assert_int_equal(lx__http_msg_write(m, out), LX_OK);
    assert_int_equal(lx__http_write_chunk(out, "{\"a\":1}", 7), LX_OK);
    assert_int_equal(lx__http_write_chunk(out, "", 0), LX_OK);
    assert_int_equal(lx__http_write_chunk(out, "0123456789abcdef!", 17), LX_OK);
    assert_int_equal(lx__http_write_last_chunk(out), LX_OK);
    n = evbuffer_remove(out, buf, sizeof(buf) - 1);
    buf[n] = '\0';
    assert_string_equal(buf,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "7\r\n{\"a\":1}\r\n11\r\n0123456789abcdef!\r\n"
                        "0\r\n\r\n");
    evbuffer_free(out);
    lx_http_msg_free(m);
}

static void test_status_reason(void **state)
{
    (void)state;
    assert_string_equal(lx_http_status_reason(200), "OK");
    assert_string_equal(lx_http_status_reason(101), "Switching Protocols");
    assert_string_equal(lx_http_status_reason(418), "I'm a teapot");
    assert_string_equal(lx_http_status_reason(429), "Too Many Requests");
    assert_string_equal(lx_http_status_reason(431),
                        "Request Header Fields Too Large");
    assert_string_equal(lx_http_status_reason(505),
                        "HTTP Version Not Supported");
    assert_string_equal(lx_http_status_reason(299), "Success");
    assert_string_equal(lx_http_status_reason(499), "Client Error");
    assert_string_equal(lx_http_status_reason(600), "");
    assert_string_equal(lx_http_status_reason(-1), "");
}

/* ---- builders refuse what would break the framing ---------------------- */

static void test_builder_injection(void **state)
{
    static const char *const bad_names[] = {
        "",    "X-Evil\r\nSet-Cookie", "X Y", "X:Y", "X\n",
        "X\t", "Caf\xc3\xa9",          "X(Y)"};
    static const char *const bad_values[] = {
        "a\r\nSet-Cookie: admin=1",    "a\rb", "a\nb", "\x01", "a\x7f",
        "x\r\n\r\nGET /admin HTTP/1.1"};
    struct lx_http_msg *m;
    size_t i;

    (void)state;
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET", "/"),
                     LX_OK);
    for (i = 0; i < LX_ARRAY_LEN(bad_names); i++) {
        assert_int_equal(lx_http_msg_add_header(m, bad_names[i], "v"),
                         LX_ERR_INVAL);
    }
    for (i = 0; i < LX_ARRAY_LEN(bad_values); i++) {
        assert_int_equal(lx_http_msg_add_header(m, "X", bad_values[i]),
                         LX_ERR_INVAL);
    }
    assert_int_equal(lx_http_msg_add_header(m, NULL, "v"), LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_add_header(m, "X", NULL), LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_header_count(m), 0);
    /* Tabs, spaces and bytes above 0x7f are fine in values. */
    assert_int_equal(lx_http_msg_add_header(m, "X", "a\tb c \xc3\xa9"), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "!#$%&'*+-.^_`|~09az", ""),
                     LX_OK);
    assert_int_equal(lx_http_msg_header_count(m), 2);
    assert_writes(m, "GET / HTTP/1.1\r\nX: a\tb c \xc3\xa9\r\n"
                     "!#$%&'*+-.^_`|~09az: \r\n\r\n");
    assert_int_equal(lx_http_msg_set_body(m, NULL, 1), LX_ERR_INVAL);
    lx_http_msg_free(m);

    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET",
                                             "/ HTTP/1.1\r\nX: y\r\n\r\nGET /"),
                     LX_ERR_INVAL);
    assert_null(m);
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET", "/a b"),
                     LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET", ""),
                     LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GE T", "/"),
                     LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "", "/"),
                     LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_new_request(NULL, lx_test_mem(), "GET", "/"),
                     LX_ERR_INVAL);
    assert_int_equal(
        lx_http_msg_new_response(&m, lx_test_mem(), 200, "OK\r\nX-Evil: 1"),
        LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 99, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx_http_msg_new_response(&m, lx_test_mem(), 1000, NULL),
                     LX_ERR_INVAL);
    assert_null(m);
    lx_http_msg_free(NULL);
}

/* ---- parsing ----------------------------------------------------------- */

static void test_parse_get(void **state)
{
    static const char in[] =
        "GET /api/v3/ticker/price?symbol=BTCUSDT HTTP/1.1\r\n"
        "Host: api.binance.com\r\n"
        "User-Agent: lotusx/0.1.0\r\n"
        "Accept: */*\r\n\r\n";
    struct coll c = {{0}, 0};
    const struct lx_http_msg *m;
    const char *name, *value;
    size_t nlen, vlen;

    (void)state;
    assert_int_equal(
        parse(LX__HTTP_REQUEST, NULL, in, sizeof(in) - 1, 0, &c, NULL), LX_OK);
    assert_int_equal(c.n, 1);
    m = c.msgs[0];
    assert_true(lx_http_msg_is_request(m));
    assert_string_equal(lx_http_msg_method(m), "GET");
    assert_string_equal(lx_http_msg_target(m),
                        "/api/v3/ticker/price?symbol=BTCUSDT");
    assert_int_equal(lx_http_msg_version(m), 11);
    assert_true(lx_http_msg_keep_alive(m));
    assert_false(lx_http_msg_upgrade(m));
    assert_int_equal(lx_http_msg_header_count(m), 3);
    assert_int_equal(lx_http_msg_header_at(m, 1, &name, &nlen, &value, &vlen),
                     LX_OK);
    assert_string_equal(name, "User-Agent");
    assert_int_equal(nlen, 10);
    assert_string_equal(value, "lotusx/0.1.0");
    assert_int_equal(vlen, 12);
    assert_int_equal(lx_http_msg_header_at(m, 3, &name, NULL, NULL, NULL),
                     LX_ERR_RANGE);
    assert_string_equal(lx_http_msg_header(m, "host", &vlen),
                        "api.binance.com");
    assert_int_equal(vlen, 15);
    assert_string_equal(lx_http_msg_header(m, "ACCEPT", NULL), "*/*");
    assert_null(lx_http_msg_header(m, "Content-Length", NULL));
    assert_null(lx_http_msg_body(m, &vlen));
    assert_int_equal(vlen, 0);
    coll_clear(&c);
}

static void test_parse_post_order(void **state)
{
    static const char in[] =
        "POST /api/v3/order HTTP/1.1\r\n"
        "Host: api.binance.com\r\n"
        "X-MBX-APIKEY: " BN_KEY "\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: 185\r\n\r\n" BN_ORDER_BODY;
    struct coll c = {{0}, 0};
    const char *body;
    size_t len;

    (void)state;
    assert_int_equal(
        parse(LX__HTTP_REQUEST, NULL, in, sizeof(in) - 1, 0, &c, NULL), LX_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(lx_http_msg_method(c.msgs[0]), "POST");
    assert_string_equal(lx_http_msg_header(c.msgs[0], "x-mbx-apikey", NULL),
                        BN_KEY);
    body = lx_http_msg_body(c.msgs[0], &len);
    assert_int_equal(len, 185);
    assert_memory_equal(body, BN_ORDER_BODY, 185);
    assert_int_equal(body[len], '\0');
    coll_clear(&c);
    assert_split_invariant(LX__HTTP_REQUEST, in, sizeof(in) - 1);
}

static const char chunked_resp[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/json;charset=UTF-8\r\n"
    "Transfer-Encoding: chunked\r\n\r\n"
    "10;name=value\r\n{\"symbol\":\"BTCUS\r\n"
    "1B ; x=\"quoted;ext\"\r\nDT\",\"price\":\"61837.63000000\r\n"
    "2\r\n\"}\r\n"
    "0\r\nX-Trailer: ignored\r\n\r\n";

static void test_parse_chunked(void **state)
{
    static const char body[] =
        "{\"symbol\":\"BTCUSDT\",\"price\":\"61837.63000000\"}";
    struct coll c = {{0}, 0};
    const char *b;
    size_t len;

    (void)state;
    assert_int_equal(parse(LX__HTTP_RESPONSE, NULL, chunked_resp,
                           sizeof(chunked_resp) - 1, 0, &c, NULL),
                     LX_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(lx_http_msg_status(c.msgs[0]), 200);
    assert_string_equal(lx_http_msg_reason(c.msgs[0]), "OK");
    b = lx_http_msg_body(c.msgs[0], &len);
    assert_int_equal(len, sizeof(body) - 1);
    assert_memory_equal(b, body, len);
    /* Trailers are not headers. */
    assert_int_equal(lx_http_msg_header_count(c.msgs[0]), 2);
    assert_null(lx_http_msg_header(c.msgs[0], "X-Trailer", NULL));
    assert_true(lx_http_msg_keep_alive(c.msgs[0]));
    coll_clear(&c);
    assert_split_invariant(LX__HTTP_RESPONSE, chunked_resp,
                           sizeof(chunked_resp) - 1);
}

static const char pipelined[] =
    "GET /api/v3/time HTTP/1.1\r\nHost: api.binance.com\r\n\r\n"
    "POST /api/v3/order/test HTTP/1.1\r\nHost: api.binance.com\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: 185\r\n\r\n" BN_ORDER_BODY
    "DELETE /api/v3/openOrders?symbol=BTCUSDT HTTP/1.1\r\n"
    "Host: api.binance.com\r\n\r\n";

static void test_parse_pipelined(void **state)
{
    struct coll c = {{0}, 0};
    size_t len;

    (void)state;
    assert_int_equal(parse(LX__HTTP_REQUEST, NULL, pipelined,
                           sizeof(pipelined) - 1, 0, &c, NULL),
                     LX_OK);
    assert_int_equal(c.n, 3);
    assert_string_equal(lx_http_msg_target(c.msgs[0]), "/api/v3/time");
    assert_string_equal(lx_http_msg_method(c.msgs[1]), "POST");
    assert_non_null(lx_http_msg_body(c.msgs[1], &len));
    assert_int_equal(len, 185);
    assert_string_equal(lx_http_msg_method(c.msgs[2]), "DELETE");
    assert_string_equal(lx_http_msg_target(c.msgs[2]),
                        "/api/v3/openOrders?symbol=BTCUSDT");
    coll_clear(&c);
    assert_split_invariant(LX__HTTP_REQUEST, pipelined, sizeof(pipelined) - 1);
}

/* Canonical input serializes back to exactly the bytes it came from. */
static void test_parse_reserialize_identical(void **state)
{
    struct coll c = {{0}, 0};
    struct evbuffer *out = evbuffer_new();
    size_t i;

    (void)state;
    assert_int_equal(parse(LX__HTTP_REQUEST, NULL, pipelined,
                           sizeof(pipelined) - 1, 1, &c, NULL),
                     LX_OK);
    assert_int_equal(c.n, 3);
    for (i = 0; i < c.n; i++) {
        assert_int_equal(lx__http_msg_write(c.msgs[i], out), LX_OK);
    }
    assert_int_equal(evbuffer_get_length(out), sizeof(pipelined) - 1);
    assert_memory_equal(evbuffer_pullup(out, -1), pipelined,
                        sizeof(pipelined) - 1);
    evbuffer_free(out);
    coll_clear(&c);
}

static void test_parse_obs_fold(void **state)
{
    static const char in[] = "GET / HTTP/1.1\r\nHost: api.binance.com\r\n"
                             "X-Long: part one,\r\n\tpart two\r\n\r\n";
    static const char in2[] = "GET / HTTP/1.1\r\nX-Long: a\r\n b\r\n\r\n";
    struct coll c = {{0}, 0};
    int status;
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        assert_int_equal(parse(LX__HTTP_REQUEST, NULL, in, sizeof(in) - 1, step,
                               &c, &status),
                         LX_ERR_PARSE);
        assert_int_equal(status, 400);
        assert_int_equal(c.n, 0);
        assert_int_equal(parse(LX__HTTP_REQUEST, NULL, in2, sizeof(in2) - 1,
                               step, &c, &status),
                         LX_ERR_PARSE);
        assert_int_equal(status, 400);
    }
    assert_split_invariant(LX__HTTP_REQUEST, in2, sizeof(in2) - 1);
}

static void test_parse_duplicate_headers(void **state)
{
    static const char in[] = "HTTP/1.1 200 OK\r\n"
                             "Set-Cookie: a=1\r\n"
                             "x-mbx-used-weight: 10\r\n"
                             "set-cookie: b=2\r\n"
                             "SET-COOKIE:c=3 \t\r\n"
                             "X-Empty:\r\n"
                             "Content-Length: 0\r\n\r\n";
    struct coll c = {{0}, 0};
    const struct lx_http_msg *m;
    size_t len;

    (void)state;
    assert_int_equal(
        parse(LX__HTTP_RESPONSE, NULL, in, sizeof(in) - 1, 0, &c, NULL), LX_OK);
    assert_int_equal(c.n, 1);
    m = c.msgs[0];
    assert_int_equal(lx_http_msg_header_count(m), 6);
    assert_string_equal(header_at_name(m, 0), "Set-Cookie");
    assert_string_equal(header_at_value(m, 0), "a=1");
    assert_string_equal(header_at_name(m, 1), "x-mbx-used-weight");
    assert_string_equal(header_at_name(m, 2), "set-cookie");
    assert_string_equal(header_at_value(m, 2), "b=2");
    assert_string_equal(header_at_name(m, 3), "SET-COOKIE");
    assert_string_equal(header_at_value(m, 3), "c=3"); /* OWS dropped */
    assert_string_equal(header_at_name(m, 4), "X-Empty");
    assert_string_equal(header_at_value(m, 4), "");
    /* Lookup returns the first match, case ignored. */
    assert_string_equal(lx_http_msg_header(m, "set-COOKIE", &len), "a=1");
    assert_int_equal(len, 3);
    assert_string_equal(lx_http_msg_header(m, "X-MBX-USED-WEIGHT", NULL), "10");
    coll_clear(&c);
    assert_split_invariant(LX__HTTP_RESPONSE, in, sizeof(in) - 1);
}

struct ka_case {
    const char *in;
    int keep;
    int version;
};

static void test_parse_keep_alive(void **state)
{
    static const struct ka_case cases[] = {
        {"GET / HTTP/1.0\r\n\r\n", 0, 10},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1, 10},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1, 10},
        {"GET / HTTP/1.1\r\n\r\n", 1, 11},
        {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0, 11},
        {"GET / HTTP/1.1\r\nConnection: TE, CLOSE\r\n\r\n", 0, 11},
        {"GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
         "Connection: close\r\n\r\n",
         0, 11},
        {"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", 0, 10},
        {"GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", 1, 11}};
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        struct coll c = {{0}, 0};

        assert_int_equal(parse(LX__HTTP_REQUEST, NULL, cases[i].in,
                               strlen(cases[i].in), 0, &c, NULL),
                         LX_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(lx_http_msg_keep_alive(c.msgs[0]), cases[i].keep);
        assert_int_equal(lx_http_msg_version(c.msgs[0]), cases[i].version);
        coll_clear(&c);
    }
}

/* After a message that closes the connection, later bytes are ignored. */
static void test_parse_after_close(void **state)
{
    static const char in[] = "GET /a HTTP/1.1\r\nConnection: close\r\n\r\n"
                             "GET /b HTTP/1.1\r\n\r\n\x16\x03\x01garbage";
    static const char in10[] = "GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n";
    struct lx__http_parser *p;
    struct coll c = {{0}, 0};
    size_t used;

    (void)state;
    assert_int_equal(lx__http_parser_new(&p, lx_test_mem(), LX__HTTP_REQUEST,
                                         NULL, collect, &c),
                     LX_OK);
    assert_int_equal(lx__http_parser_feed(p, in, sizeof(in) - 1, &used), LX_OK);
    assert_int_equal(used, sizeof(in) - 1);
    assert_int_equal(c.n, 1);
    assert_false(lx__http_parser_in_message(p));
    assert_int_equal(lx__http_parser_feed(p, "more", 4, &used), LX_OK);
    assert_int_equal(used, 4);
    assert_int_equal(c.n, 1);
    assert_int_equal(lx__http_parser_feed_eof(p), LX_OK);
    lx__http_parser_free(p);
    coll_clear(&c);

    assert_int_equal(
        parse(LX__HTTP_REQUEST, NULL, in10, sizeof(in10) - 1, 0, &c, NULL),
        LX_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(lx_http_msg_target(c.msgs[0]), "/a");
    coll_clear(&c);
}

static const char ws_req[] =
    "GET /stream?streams=btcusdt@depth@100ms HTTP/1.1\r\n"
    "Host: stream.binance.com:9443\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";
/* A masked text frame and a ping, sent right behind the handshake. */
static const char ws_frames[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"
                                "\x89\x00";

static void test_parse_upgrade_request(void **state)
{
    char in[sizeof(ws_req) + sizeof(ws_frames)];
    size_t hlen = sizeof(ws_req) - 1, len, step, total;

    (void)state;
    memcpy(in, ws_req, hlen);
    memcpy(in + hlen, ws_frames, sizeof(ws_frames) - 1);
    len = hlen + sizeof(ws_frames) - 1;
    for (step = 0; step <= 7; step += 7) {
        struct lx__http_parser *p;
        struct coll c = {{0}, 0};
        size_t used;
        int rc;

        assert_int_equal(lx__http_parser_new(&p, lx_test_mem(),
                                             LX__HTTP_REQUEST, NULL, collect,
                                             &c),
                         LX_OK);
        rc = feed_steps(p, in, len, step, &total);
        assert_true(rc == LX_OK || rc == LX_ERR_STATE);
        assert_int_equal(total, hlen); /* the frames are left over */
        assert_int_equal(c.n, 1);
        assert_true(lx_http_msg_upgrade(c.msgs[0]));
        assert_string_equal(lx_http_msg_header(c.msgs[0], "upgrade", NULL),
                            "websocket");
        assert_false(lx__http_parser_in_message(p));
        assert_int_equal(lx__http_parser_feed(p, in + hlen, 1, &used),
                         LX_ERR_STATE);
        assert_int_equal(used, 0);
        assert_int_equal(lx__http_parser_feed_eof(p), LX_OK);
        /* Reset makes it an HTTP parser again. */
        lx__http_parser_reset(p);
        assert_int_equal(
            lx__http_parser_feed(p, "GET / HTTP/1.1\r\n\r\n", 18, &used),
            LX_OK);
        assert_int_equal(c.n, 2);
        assert_false(lx_http_msg_upgrade(c.msgs[1]));
        coll_clear(&c);
        lx__http_parser_free(p);
    }
}

struct upgrade_case {
    const char *in;
    int upgrade;
    size_t nmsgs;
};

/* Upgrade needs the Upgrade field and the upgrade option in Connection. */
static void test_parse_upgrade_variants(void **state)
{
    static const struct upgrade_case cases[] = {
        /* Firefox lists keep-alive too. */
        {"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n"
         "Connection: keep-alive, Upgrade\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
         1, 1},
        {"GET /ws HTTP/1.1\r\nupgrade: websocket\r\n"
         "connection: upgrade\r\n\r\nGET /next HTTP/1.1\r\n\r\n",
         1, 1},
        {"GET /ws HTTP/1.1\r\nConnection: Upgrade\r\n\r\n"
         "GET /next HTTP/1.1\r\n\r\n",
         0, 2},
        {"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n"
         "GET /next HTTP/1.1\r\n\r\n",
         0, 2},
        {"CONNECT api.binance.com:443 HTTP/1.1\r\n\r\n\x16\x03\x01", 1, 1}};
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        struct coll c = {{0}, 0};

        assert_int_equal(parse(LX__HTTP_REQUEST, NULL, cases[i].in,
                               strlen(cases[i].in), 0, &c, NULL),
                         LX_OK);
        assert_int_equal(c.n, cases[i].nmsgs);
        assert_int_equal(lx_http_msg_upgrade(c.msgs[0]), cases[i].upgrade);
        coll_clear(&c);
    }
}

static void test_parse_101_response(void **state)
{
    static const char hs[] =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    /* An unmasked server text frame: {"result":null,"id":1} */
    static const char frame[] = "\x81\x16{\"result\":null,\"id\":1}";
    static const char bare[] = "HTTP/1.1 101 Switching Protocols\r\n"
                               "Upgrade: websocket\r\n\r\n\x89\x00";
    char in[sizeof(hs) + sizeof(frame)];
    size_t hlen = sizeof(hs) - 1, used;
    struct lx__http_parser *p;
    struct coll c = {{0}, 0};

    (void)state;
    memcpy(in, hs, hlen);
    memcpy(in + hlen, frame, sizeof(frame) - 1);
    assert_int_equal(lx__http_parser_new(&p, lx_test_mem(), LX__HTTP_RESPONSE,
                                         NULL, collect, &c),
                     LX_OK);
    assert_int_equal(
        lx__http_parser_feed(p, in, hlen + sizeof(frame) - 1, &used), LX_OK);
    assert_int_equal(used, hlen);
    assert_int_equal(c.n, 1);
    assert_int_equal(lx_http_msg_status(c.msgs[0]), 101);
    assert_true(lx_http_msg_upgrade(c.msgs[0]));
    assert_string_equal(
        lx_http_msg_header(c.msgs[0], "Sec-WebSocket-Accept", NULL),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(lx__http_parser_feed(p, in + hlen, 2, &used),
                     LX_ERR_STATE);
    coll_clear(&c);

    /* Any 101 switches, even one that forgets Connection: Upgrade. */
    lx__http_parser_reset(p);
    assert_int_equal(lx__http_parser_feed(p, bare, sizeof(bare) - 1, &used),
                     LX_OK);
    assert_int_equal(used, sizeof(bare) - 1 - 2);
    assert_int_equal(c.n, 1);
    assert_true(lx_http_msg_upgrade(c.msgs[0]));
    coll_clear(&c);
    lx__http_parser_free(p);
}

/* A request whose start line and headers take exactly n bytes. */
static size_t make_head(char *buf, size_t n)
{
    /* "GET / HTTP/1.1\r\n" + "X: " + v + "\r\n" + "\r\n" = 23 + |v| */
    size_t v = n - 23;

    memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
    memset(buf + 19, 'a', v);
    memcpy(buf + 19 + v, "\r\n\r\n", 4);
    return n;
}

static void test_limit_header_bytes(void **state)
{
    struct lx__http_limits lim = {256, 0, 0};
    char buf[512];
    struct coll c = {{0}, 0};
    size_t step;
    int status;

    (void)state;
    for (step = 0; step <= 1; step++) {
        assert_int_equal(parse(LX__HTTP_REQUEST, &lim, buf, make_head(buf, 256),
                               step, &c, &status),
                         LX_OK);
        assert_int_equal(c.n, 1);
        assert_int_equal(status, 0);
        coll_clear(&c);
        assert_int_equal(parse(LX__HTTP_REQUEST, &lim, buf, make_head(buf, 257),
                               step, &c, &status),
                         LX_ERR_PARSE);
        assert_int_equal(status, 431);
        assert_int_equal(c.n, 0);
    }
    /* Default: 16 KiB. */
    memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
    {
        size_t n = 17 * 1024, used;
        char *big = test_malloc(n);
        struct lx__http_parser *p;

        memcpy(big, buf, 19);
        memset(big + 19, 'b', n - 19);
        assert_int_equal(lx__http_parser_new(&p, lx_test_mem(),
                                             LX__HTTP_REQUEST, NULL, collect,
                                             &c),
                         LX_OK);
        assert_int_equal(lx__http_parser_feed(p, big, n, &used), LX_ERR_PARSE);
        assert_int_equal(lx__http_parser_error_status(p), 431);
        assert_true(used <= 16 * 1024);
        /* Dead: the same error again, nothing consumed. */
        assert_int_equal(lx__http_parser_feed(p, "\r\n", 2, &used),
                         LX_ERR_PARSE);
        assert_int_equal(used, 0);
        assert_int_equal(lx__http_parser_feed_eof(p), LX_ERR_PARSE);
        lx__http_parser_free(p);
        test_free(big);
    }
}

static void test_limit_header_count(void **state)
{
    static const char five[] = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
                               "D: 4\r\nE: 5\r\n\r\n";
    static const char six[] = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
                              "D: 4\r\nE: 5\r\nF: 6\r\n\r\n";
    struct lx__http_limits lim = {0, 5, 0};
    struct coll c = {{0}, 0};
    int status;

    (void)state;
    assert_int_equal(
        parse(LX__HTTP_REQUEST, &lim, five, sizeof(five) - 1, 0, &c, &status),
        LX_OK);
    assert_int_equal(c.n, 1);
    coll_clear(&c);
    assert_int_equal(
        parse(LX__HTTP_REQUEST, &lim, six, sizeof(six) - 1, 1, &c, &status),
        LX_ERR_PARSE);
    assert_int_equal(status, 431);
    assert_int_equal(c.n, 0);
}

static void test_limit_body(void **state)
{
    static const char cl_head[] =
        "POST /x HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
    static const char ok[] = "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n"
                             "0123456789";
    static const char chunked[] = "POST /x HTTP/1.1\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n";
    static const char eof[] = "HTTP/1.1 200 OK\r\n\r\n0123456789a";
    /* A chunk announced over the limit fails before its data comes. */
    static const char big_chunk[] = "POST /x HTTP/1.1\r\n"
                                    "Transfer-Encoding: chunked\r\n\r\n"
                                    "4\r\nabcd\r\n7\r\n";
    struct lx__http_limits lim = {0, 0, 10};
    struct coll c = {{0}, 0};
    int status;

    (void)state;
    /* Refused as soon as the headers announce it, before the body. */
    assert_int_equal(parse(LX__HTTP_REQUEST, &lim, cl_head, sizeof(cl_head) - 1,
                           0, &c, &status),
                     LX_ERR_PARSE);
    assert_int_equal(status, 413);
    assert_int_equal(
        parse(LX__HTTP_REQUEST, &lim, ok, sizeof(ok) - 1, 0, &c, &status),
        LX_OK);
    assert_int_equal(c.n, 1);
    coll_clear(&c);
    assert_int_equal(parse(LX__HTTP_REQUEST, &lim, chunked, sizeof(chunked) - 1,
                           1, &c, &status),
                     LX_ERR_PARSE);
    assert_int_equal(status, 413);
    assert_int_equal(
        parse(LX__HTTP_RESPONSE, &lim, eof, sizeof(eof) - 1, 1, &c, &status),
        LX_ERR_PARSE);
    assert_int_equal(status, 413);
    assert_int_equal(parse(LX__HTTP_REQUEST, &lim, big_chunk,
                           sizeof(big_chunk) - 1, 0, &c, &status),
                     LX_ERR_PARSE);
    assert_int_equal(status, 413);
    assert_int_equal(c.n, 0);
}

struct err_case {
    const char *in;
    int role;
    int status;
};

static void test_parse_errors(void **state)
{
    static const struct err_case cases[] = {
        /* A TLS ClientHello sent to a plain-text port. */
        {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", LX__HTTP_REQUEST, 400},
        {"HELLO WORLD\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"GET / HTTP/1.1\r\nHost api.binance.com\r\n\r\n", LX__HTTP_REQUEST,
         400},
        {"GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
         LX__HTTP_REQUEST, 400},
        {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"POST / HTTP/1.1\r\nContent-Length: 3\r\n"
         "Transfer-Encoding: chunked\r\n\r\n",
         LX__HTTP_REQUEST, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
         LX__HTTP_REQUEST, 501},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n",
         LX__HTTP_REQUEST, 501},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
         "Transfer-Encoding: chunked\r\n\r\n",
         LX__HTTP_REQUEST, 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         LX__HTTP_REQUEST, 400},
        {"GET / HTTP/2.0\r\n\r\n", LX__HTTP_REQUEST, 505},
        {"GET / HTTP/0.9\r\n\r\n", LX__HTTP_REQUEST, 505},
        {"GET / HTTP/1.1x\r\n\r\n", LX__HTTP_REQUEST, 505},
        {"HTTP/1.1 200 OK\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"GET / HTTP/1.1\r\n\r\n", LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 2000 OK\r\n\r\n", LX__HTTP_RESPONSE, 400},
        {"HTTP/3.0 200 OK\r\n\r\n", LX__HTTP_RESPONSE, 505},
        /* Found by fuzzing: a 2-digit status, and framing headers that
         * http-parser and we would read differently. */
        {"HTTP/1.1 20 0OK\r\n\r\n", LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 0 OK\r\n\r\n", LX__HTTP_RESPONSE, 400},
        {"GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\t\r\n\r\n",
         LX__HTTP_REQUEST, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\t\r\n\r\n"
         "0\r\n\r\n",
         LX__HTTP_RESPONSE, 400},
        /* What a non-strict http-parser lets through, refused. */
        {"GET / HTTP/1.1\r\nX: a\rY: b\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"GET / HTTP/1.1\rHost: a\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"GET / HTTP/1.1\r\nX Y: 1\r\n\r\n", LX__HTTP_REQUEST, 400},
        /* http-parser 2.9.4 frames these as if Transfer-Encoding. */
        {"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Transfer-Encodings: x\r\n\r\n",
         LX__HTTP_REQUEST, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding-X: chunked\r\n\r\n",
         LX__HTTP_RESPONSE, 400},
        {"GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
         LX__HTTP_REQUEST, 400},
        {"GET / HTXP/1.1\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"SOURCE /stream ICE/1.0\r\n\r\n", LX__HTTP_REQUEST, 400},
        {"GET /\r\n\r\n", LX__HTTP_REQUEST, 400}, /* HTTP/0.9 */
        {"HTXP/1.1 200 OK\r\n\r\n", LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX", LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5\r\nhelloXY0\r\n\r\n",
         LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "5\rXhello\r\n0\r\n\r\n",
         LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\nX: a\rb\r\n\r\n",
         LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\nX: a\r\n b\r\n\r\n",
         LX__HTTP_RESPONSE, 400},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
         "0\r\n\rX",
         LX__HTTP_RESPONSE, 400}};
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        struct coll c = {{0}, 0};
        int status;

        assert_int_equal(parse(cases[i].role, NULL, cases[i].in,
                               strlen(cases[i].in), 0, &c, &status),
                         LX_ERR_PARSE);
        if (status != cases[i].status) {
            fail_msg("case %zu: status %d, want %d", i, status,
                     cases[i].status);
        }
        assert_int_equal(c.n, 0);
    }
}

/* A response to HEAD has no body even with a Content-Length. */
static void test_parse_head_response(void **state)
{
    static const char in[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json;charset=UTF-8\r\n"
                             "Content-Length: 64046\r\n\r\n"
                             "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    struct lx__http_parser *p;
    struct coll c = {{0}, 0};
    size_t used, len;

    (void)state;
    assert_int_equal(lx__http_parser_new(&p, lx_test_mem(), LX__HTTP_RESPONSE,
                                         NULL, collect, &c),
                     LX_OK);
    lx__http_parser_expect_no_body(p);
    assert_int_equal(lx__http_parser_feed(p, in, sizeof(in) - 1, &used), LX_OK);
    assert_int_equal(used, sizeof(in) - 1);
    assert_int_equal(c.n, 2);
    assert_null(lx_http_msg_body(c.msgs[0], &len));
    assert_int_equal(len, 0);
    assert_string_equal(lx_http_msg_header(c.msgs[0], "content-length", NULL),
                        "64046");
    assert_true(lx_http_msg_keep_alive(c.msgs[0]));
    /* The expectation applied to one response only. */
    assert_memory_equal(lx_http_msg_body(c.msgs[1], &len), "{}", 2);
    coll_clear(&c);
    lx__http_parser_free(p);
}

static void test_parse_eof_body(void **state)
{
    static const char in[] = "HTTP/1.0 200 OK\r\nServer: nginx\r\n\r\n"
                             "{\"code\":0,\"msg\":\"normal\"}";
    static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
                              "01234";
    static const char eof11[] = "HTTP/1.1 200 OK\r\n\r\n[]";
    struct lx__http_parser *p;
    struct coll c = {{0}, 0};
    size_t used, len;
    const char *b;

    (void)state;
    assert_int_equal(lx__http_parser_new(&p, lx_test_mem(), LX__HTTP_RESPONSE,
                                         NULL, collect, &c),
                     LX_OK);
    assert_int_equal(lx__http_parser_feed_eof(p), LX_OK); /* idle: fine */
    assert_int_equal(feed_steps(p, in, sizeof(in) - 1, 5, &used), LX_OK);
    assert_int_equal(c.n, 0);
    assert_true(lx__http_parser_in_message(p));
    assert_int_equal(lx__http_parser_feed_eof(p), LX_OK);
    assert_int_equal(c.n, 1);
    assert_false(lx__http_parser_in_message(p));
    b = lx_http_msg_body(c.msgs[0], &len);
    assert_int_equal(len, 25);
    assert_memory_equal(b, "{\"code\":0,\"msg\":\"normal\"}", 25);
    assert_false(lx_http_msg_keep_alive(c.msgs[0]));
    assert_int_equal(lx_http_msg_version(c.msgs[0]), 10);
    coll_clear(&c);

    /* HTTP/1.1 too: a body that ends with the connection ends it. */
    lx__http_parser_reset(p);
    assert_int_equal(lx__http_parser_feed(p, eof11, sizeof(eof11) - 1, &used),
                     LX_OK);
    assert_int_equal(lx__http_parser_feed_eof(p), LX_OK);
    assert_int_equal(c.n, 1);
    assert_memory_equal(lx_http_msg_body(c.msgs[0], &len), "[]", 2);
    assert_false(lx_http_msg_keep_alive(c.msgs[0]));
    coll_clear(&c);

    /* Cut short: an error, and nothing delivered. */
    lx__http_parser_reset(p);
    assert_int_equal(lx__http_parser_feed(p, cut, sizeof(cut) - 1, &used),
                     LX_OK);
    assert_int_equal(lx__http_parser_feed_eof(p), LX_ERR_PARSE);
    assert_int_equal(lx__http_parser_error_status(p), 400);
    assert_int_equal(c.n, 0);
    /* A dead parser comes back with reset. */
    lx__http_parser_reset(p);
    assert_int_equal(lx__http_parser_error_status(p), 0);
    assert_int_equal(
        lx__http_parser_feed(p, "HTTP/1.1 204 No Content\r\n\r\n", 27, &used),
        LX_OK);
    assert_int_equal(c.n, 1);
    coll_clear(&c);
    lx__http_parser_free(p);
}

/* Several 1xx, 204, 304 and a body-less 200 in one stream. */
static void test_parse_bodyless_statuses(void **state)
{
    static const char in[] =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    struct coll c = {{0}, 0};

    (void)state;
    assert_int_equal(
        parse(LX__HTTP_RESPONSE, NULL, in, sizeof(in) - 1, 0, &c, NULL), LX_OK);
    assert_int_equal(c.n, 4);
    assert_int_equal(lx_http_msg_status(c.msgs[0]), 100);
    assert_int_equal(lx_http_msg_status(c.msgs[1]), 204);
    assert_int_equal(lx_http_msg_status(c.msgs[2]), 304);
    assert_int_equal(lx_http_msg_status(c.msgs[3]), 200);
    coll_clear(&c);
    assert_split_invariant(LX__HTTP_RESPONSE, in, sizeof(in) - 1);
}

static void test_parser_args(void **state)
{
    struct lx__http_parser *p;

    (void)state;
    assert_int_equal(
        lx__http_parser_new(&p, lx_test_mem(), 7, NULL, collect, NULL),
        LX_ERR_INVAL);
    assert_null(p);
    assert_int_equal(lx__http_parser_new(&p, lx_test_mem(), LX__HTTP_REQUEST,
                                         NULL, NULL, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__http_parser_new(NULL, lx_test_mem(), LX__HTTP_REQUEST,
                                         NULL, collect, NULL),
                     LX_ERR_INVAL);
    lx__http_parser_free(NULL);
}

/* ---- a real Binance REST payload --------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = test_malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

/*
 * The fixture is the REST depth snapshot JSON of the hftbacktest Binance
 * sample (BTCUSDT, 2024-08-08) behind realistic Binance headers, with a
 * leading byte that the fuzz target uses to pick where to split input.
 */
static char *load_depth_fixture(size_t *len)
{
    const char *top = getenv("LX_TOP_SRCDIR");
    char path[1024];
    char *buf;

    if (top != NULL) {
        lx__snprintf(path, sizeof(path),
                     "%s/fixtures/fuzz/fuzz_http_response/"
                     "binance-depth-snapshot-200.http",
                     top);
    } else {
        lx__snprintf(path, sizeof(path), "%s",
                     LX_HTTP_FIXTURES "/binance-depth-snapshot-200.http");
    }
    buf = read_file(path, len);
    if (buf == NULL) {
        fail_msg("cannot read %s", path);
    }
    return buf;
}

/* The shared sample, when present, must hold the very same JSON. */
static void check_against_sample(const char *body, size_t len)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024];
    size_t n;
    char *buf, *line, *end;

    lx__snprintf(path, sizeof(path),
                 "%s/binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT);
    buf = read_file(path, &n);
    if (buf == NULL) {
        return; /* the samples are not shipped with the sources */
    }
    for (line = buf; line < buf + n; line = end + 1) {
        end = memchr(line, '\n', (size_t)(buf + n - line));
        if (end == NULL) {
            end = buf + n;
        }
        *end = '\0';
        if (strstr(line, "\"stream\"") == NULL) {
            const char *json = strchr(line, ' ') + 1;

            assert_int_equal(strlen(json), len);
            assert_memory_equal(json, body, len);
            break;
        }
    }
    assert_true(line < buf + n);
    test_free(buf);
}

static void test_binance_depth_response(void **state)
{
    struct coll c = {{0}, 0};
    const struct lx_http_msg *m;
    size_t flen, in_len, head_len, blen, got, wlen, step;
    char *file = load_depth_fixture(&flen), *w;
    const char *in = file + 1, *json, *b;
    int rc;

    (void)state;
    in_len = flen - 1;
    /* The body located without our parser: after the first empty line. */
    json = strstr(in, "\r\n\r\n") + 4;
    head_len = (size_t)(json - in);
    blen = in_len - head_len;
    assert_int_equal(blen, 64046);
    assert_memory_equal(json, "{\"lastUpdateId\":50093239218,\"bids\":", 35);
    check_against_sample(json, blen);
    for (step = 0; step <= 1; step++) {
        assert_int_equal(
            parse(LX__HTTP_RESPONSE, NULL, in, in_len, step, &c, NULL), LX_OK);
        assert_int_equal(c.n, 1);
        m = c.msgs[0];
        assert_int_equal(lx_http_msg_status(m), 200);
        assert_string_equal(lx_http_msg_header(m, "Content-Type", NULL),
                            "application/json;charset=UTF-8");
        assert_string_equal(lx_http_msg_header(m, "x-mbx-used-weight-1m", NULL),
                            "5");
        b = lx_http_msg_body(m, &got);
        assert_int_equal(got, blen);
        assert_memory_equal(b, json, blen);
        /* And back: the very bytes that were received. */
        w = write_msg(m, &wlen, &rc);
        assert_int_equal(rc, LX_OK);
        assert_int_equal(wlen, in_len);
        assert_memory_equal(w, in, wlen);
        test_free(w);
        coll_clear(&c);
    }
    test_free(file);
}

/* ---- growth and allocation failure ------------------------------------- */

/* A 4 MiB chunked body in 4 KiB chunks takes O(log n) allocations. */
static void test_growth_amortised(void **state)
{
    static const char head[] = "HTTP/1.1 200 OK\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    struct lx_mem_failing f;
    struct lx__http_parser *p;
    struct coll c = {{0}, 0};
    char chunk[4096 + 16];
    size_t used, i, n, len;

    (void)state;
    lx_mem_failing_init(&f, lx_test_mem(), 0, 0);
    assert_int_equal(
        lx__http_parser_new(&p, &f.mem, LX__HTTP_RESPONSE, NULL, collect, &c),
        LX_OK);
    assert_int_equal(lx__http_parser_feed(p, head, sizeof(head) - 1, &used),
                     LX_OK);
    memcpy(chunk, "1000\r\n", 6);
    memset(chunk + 6, 'x', 4096);
    memcpy(chunk + 6 + 4096, "\r\n", 2);
    n = 6 + 4096 + 2;
    for (i = 0; i < 1024; i++) {
        assert_int_equal(lx__http_parser_feed(p, chunk, n, &used), LX_OK);
    }
    assert_int_equal(lx__http_parser_feed(p, "0\r\n\r\n", 5, &used), LX_OK);
    assert_int_equal(c.n, 1);
    lx_http_msg_body(c.msgs[0], &len);
    assert_int_equal(len, 4u << 20);
    if (f.nalloc > 40) {
        fail_msg("%lu allocations for a 4 MiB body", f.nalloc);
    }
    coll_clear(&c);
    lx__http_parser_free(p);
    assert_int_equal(f.outstanding, 0);
}

/*
 * Parses the pipelined requests, re-serializes them, parses the result
 * again and builds a response: every allocation of the codec is in here.
 */
static int scenario_pipeline(const struct lx_mem *mem, void *ud)
{
    struct lx__http_parser *p = NULL, *p2 = NULL;
    struct coll c = {{0}, 0}, c2 = {{0}, 0};
    struct evbuffer *out = evbuffer_new();
    struct lx_http_msg *r = NULL;
    size_t used, i;
    int rc;

    (void)ud;
    rc = lx__http_parser_new(&p, mem, LX__HTTP_REQUEST, NULL, collect, &c);
    if (rc == LX_OK) {
        rc = lx__http_parser_feed(p, pipelined, sizeof(pipelined) - 1, &used);
    }
    for (i = 0; rc == LX_OK && i < c.n; i++) {
        rc = lx__http_msg_write(c.msgs[i], out);
    }
    if (rc == LX_OK) {
        assert_int_equal(c.n, 3);
        assert_int_equal(evbuffer_get_length(out), sizeof(pipelined) - 1);
        rc =
            lx__http_parser_new(&p2, mem, LX__HTTP_REQUEST, NULL, collect, &c2);
    }
    if (rc == LX_OK) {
        rc = lx__http_parser_feed(p2, (const char *)evbuffer_pullup(out, -1),
                                  evbuffer_get_length(out), &used);
    }
    if (rc == LX_OK) {
        assert_int_equal(c2.n, 3);
        rc = lx_http_msg_new_response(&r, mem, 200, NULL);
    }
    if (rc == LX_OK) {
        rc = lx_http_msg_add_header(r, "Content-Type",
                                    "application/json;charset=UTF-8");
    }
    if (rc == LX_OK) {
        rc = lx_http_msg_set_body(r, "{}", 2);
    }
    if (rc == LX_OK) {
        rc = lx__http_msg_write(r, out);
    }
    lx_http_msg_free(r);
    coll_clear(&c);
    coll_clear(&c2);
    lx__http_parser_free(p);
    lx__http_parser_free(p2);
    evbuffer_free(out);
    return rc;
}

static void test_failmalloc_pipeline(void **state)
{
    (void)state;
    lx_test_failmalloc(scenario_pipeline, NULL);
}

/* Chunked body and headers across byte-sized feeds, failing each alloc. */
static int scenario_chunked_bytes(const struct lx_mem *mem, void *ud)
{
    struct lx__http_parser *p = NULL;
    struct coll c = {{0}, 0};
    size_t used;
    int rc;

    (void)ud;
    rc = lx__http_parser_new(&p, mem, LX__HTTP_RESPONSE, NULL, collect, &c);
    if (rc == LX_OK) {
        rc = feed_steps(p, chunked_resp, sizeof(chunked_resp) - 1, 1, &used);
    }
    if (rc == LX_OK) {
        assert_int_equal(c.n, 1);
    } else {
        /* After a failure the parser stays dead. */
        assert_int_equal(rc, LX_ERR_NOMEM);
        if (p != NULL) {
            assert_int_equal(lx__http_parser_error_status(p), 503);
            assert_int_equal(lx__http_parser_feed(p, "x", 1, &used),
                             LX_ERR_NOMEM);
        }
    }
    coll_clear(&c);
    lx__http_parser_free(p);
    return rc;
}

static void test_failmalloc_chunked(void **state)
{
    (void)state;
    lx_test_failmalloc(scenario_chunked_bytes, NULL);
}

/* The builders leave the message unchanged when an allocation fails. */
static int scenario_builders(const struct lx_mem *mem, void *ud)
{
    struct lx_http_msg *m = NULL;
    char name[16];
    int rc, i;

    (void)ud;
    rc = lx_http_msg_new_request(&m, mem, "PUT", "/api/v3/userDataStream");
    for (i = 0; rc == LX_OK && i < 40; i++) {
        lx__snprintf(name, sizeof(name), "X-H%d", i);
        rc = lx_http_msg_add_header(m, name, "some value to grow the text");
        if (rc != LX_OK) {
            assert_int_equal(lx_http_msg_header_count(m), (size_t)i);
        }
    }
    if (rc == LX_OK) {
        rc = lx_http_msg_set_body(m, "listenKey=pqia91ma19a5s61cv6a81va65sd",
                                  38);
    }
    if (m != NULL) {
        size_t n = lx_http_msg_header_count(m);

        if (n > 0) {
            assert_string_equal(header_at_value(m, n - 1),
                                "some value to grow the text");
        }
    }
    lx_http_msg_free(m);
    return rc;
}

static void test_failmalloc_builders(void **state)
{
    (void)state;
    lx_test_failmalloc(scenario_builders, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_get),
        cmocka_unit_test(test_write_post_order),
        cmocka_unit_test(test_write_request_lengths),
        cmocka_unit_test(test_write_responses),
        cmocka_unit_test(test_write_switching_protocols),
        cmocka_unit_test(test_write_caller_length),
        cmocka_unit_test(test_write_chunked),
        cmocka_unit_test(test_status_reason),
        cmocka_unit_test(test_builder_injection),
        cmocka_unit_test(test_parse_get),
        cmocka_unit_test(test_parse_post_order),
        cmocka_unit_test(test_parse_chunked),
        cmocka_unit_test(test_parse_pipelined),
        cmocka_unit_test(test_parse_reserialize_identical),
        cmocka_unit_test(test_parse_obs_fold),
        cmocka_unit_test(test_parse_duplicate_headers),
        cmocka_unit_test(test_parse_keep_alive),
        cmocka_unit_test(test_parse_after_close),
        cmocka_unit_test(test_parse_upgrade_request),
        cmocka_unit_test(test_parse_upgrade_variants),
        cmocka_unit_test(test_parse_101_response),
        cmocka_unit_test(test_limit_header_bytes),
        cmocka_unit_test(test_limit_header_count),
        cmocka_unit_test(test_limit_body),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_head_response),
        cmocka_unit_test(test_parse_eof_body),
        cmocka_unit_test(test_parse_bodyless_statuses),
        cmocka_unit_test(test_parser_args),
        cmocka_unit_test(test_binance_depth_response),
        cmocka_unit_test(test_growth_amortised),
        cmocka_unit_test(test_failmalloc_pipeline),
        cmocka_unit_test(test_failmalloc_chunked),
        cmocka_unit_test(test_failmalloc_builders),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
