/*
 * test_url.c - URL and request-target parsing, percent encoding, and the
 * query builder and parser, including the Binance signing test vector and
 * seeded encode/parse round trips.
 */
#include <limits.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"
#include "lotusx/lx_url.h"
#include "lx_test.h"

/* ---- URL table ---------------------------------------------------------- */

struct url_case {
    const char *in;
    const char *scheme;
    const char *host;
    unsigned port;
    int has_port;
    const char *path;
    const char *query; /* NULL: no query */
    const char *host_header;
    const char *target;
    int tls;
    int ws;
};

static const struct url_case valid_urls[] = {
    {"http://example.com", "http", "example.com", 80, 0, "/", NULL,
     "example.com", "/", 0, 0},
    {"HTTPS://API.Binance.COM/api/v3/order?symbol=BTCUSDT", "https",
     "api.binance.com", 443, 0, "/api/v3/order", "symbol=BTCUSDT",
     "api.binance.com", "/api/v3/order?symbol=BTCUSDT", 1, 0},
    {"http://[::1]:8080/x", "http", "::1", 8080, 1, "/x", NULL, "[::1]:8080",
     "/x", 0, 0},
    {"wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/"
     "btcusdt@trade",
     "wss", "stream.binance.com", 9443, 1, "/stream",
     "streams=btcusdt@depth@100ms/btcusdt@trade", "stream.binance.com:9443",
     "/stream?streams=btcusdt@depth@100ms/btcusdt@trade", 1, 1},
    {"ws://localhost/ws", "ws", "localhost", 80, 0, "/ws", NULL, "localhost",
     "/ws", 0, 1},
    {"WsS://h", "wss", "h", 443, 0, "/", NULL, "h", "/", 1, 1},
    {"http://h/p?", "http", "h", 80, 0, "/p", "", "h", "/p?", 0, 0},
    {"http://h/p", "http", "h", 80, 0, "/p", NULL, "h", "/p", 0, 0},
    {"http://h/p#frag", "http", "h", 80, 0, "/p", NULL, "h", "/p", 0, 0},
    {"http://h/p?a=1#frag", "http", "h", 80, 0, "/p", "a=1", "h", "/p?a=1", 0,
     0},
    {"http://h#", "http", "h", 80, 0, "/", NULL, "h", "/", 0, 0},
    {"https://h:443/", "https", "h", 443, 1, "/", NULL, "h", "/", 1, 0},
    {"https://h:80/", "https", "h", 80, 1, "/", NULL, "h:80", "/", 1, 0},
    {"http://h:080/", "http", "h", 80, 1, "/", NULL, "h", "/", 0, 0},
    {"http://127.0.0.1:65535/", "http", "127.0.0.1", 65535, 1, "/", NULL,
     "127.0.0.1:65535", "/", 0, 0},
    {"http://0.0.0.0:1", "http", "0.0.0.0", 1, 1, "/", NULL, "0.0.0.0:1", "/",
     0, 0},
    {"http://h?x=1", "http", "h", 80, 0, "/", "x=1", "h", "/?x=1", 0, 0},
    {"http://[2001:DB8::1]/", "http", "2001:db8::1", 80, 0, "/", NULL,
     "[2001:db8::1]", "/", 0, 0},
    {"http://[::ffff:1.2.3.4]:81", "http", "::ffff:1.2.3.4", 81, 1, "/", NULL,
     "[::ffff:1.2.3.4]:81", "/", 0, 0},
    {"http://h/a%2Fb/./../c?q=%e2%82%ac&r=[1,\"x\"]", "http", "h", 80, 0,
     "/a%2Fb/./../c", "q=%e2%82%ac&r=[1,\"x\"]", "h",
     "/a%2Fb/./../c?q=%e2%82%ac&r=[1,\"x\"]", 0, 0},
    {"https://example.com./", "https", "example.com.", 443, 0, "/", NULL,
     "example.com.", "/", 1, 0},
    {"http://My_Host-1.internal:1/", "http", "my_host-1.internal", 1, 1, "/",
     NULL, "my_host-1.internal:1", "/", 0, 0},
    {"http://h/p?x=a?b/c:d@e", "http", "h", 80, 0, "/p", "x=a?b/c:d@e", "h",
     "/p?x=a?b/c:d@e", 0, 0},
    {"http://1.2.3.4a/", "http", "1.2.3.4a", 80, 0, "/", NULL, "1.2.3.4a", "/",
     0, 0},
    {"wss://ws-api.binance.com:443/ws-api/v3", "wss", "ws-api.binance.com", 443,
     1, "/ws-api/v3", NULL, "ws-api.binance.com", "/ws-api/v3", 1, 1},
};

static const char *const invalid_urls[] = {
    "",
    "http",
    "ftp://h/",
    "http:/h",
    "http//h",
    "http:h",
    "://h",
    "httpx://h",
    "http://",
    "http:///p",
    "http://:80/",
    "http://user:pass@h/",
    "http://user@h",
    "http://h:0/",
    "http://h:65536/",
    "http://h:80a/",
    "http://h:/",
    "http://h:-1/",
    "http://h:123456/",
    "http://h:+80/",
    "http://h/p q",
    "http://h/p\tq",
    "http://h/\x7f",
    "http://h/\r\nHost: evil",
    "http://h/caf\xc3\xa9",
    "http://h/p?a=%zz",
    "http://h/p?a=%4",
    "http://h/%",
    "http://h/p#a%zz",
    "http://h/p#a#b",
    "http://h/p#a b",
    "http://[::1",
    "http://[::1]x/",
    "http://[::1]:/",
    "http://[fe80::1%25eth0]/",
    "http://[v1.x]/",
    "http://[::g]/",
    "http://[]/",
    "http://[1.2.3.4]/",
    "http://::1/",
    "http://1.2.3.256/",
    "http://1.2.3/",
    "http://01.2.3.4/",
    "http://1.2.3.4.5/",
    "http://1.0x7f/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://1.2.3.4./",
    "http://a..b/",
    "http://.a/",
    "http://../",
    "http://ho st/",
    "http://h%41/",
    "http://h\\evil.com/",
    "http://h!/",
    "http://h\xc3\xa9/",
};

static void check_url(const struct url_case *c, const struct lx_url *u)
{
    char buf[512];

    assert_string_equal(lx_url_scheme(u), c->scheme);
    assert_string_equal(lx_url_host(u), c->host);
    assert_int_equal(lx_url_port(u), c->port);
    assert_int_equal(lx_url_has_port(u), c->has_port);
    assert_string_equal(lx_url_path(u), c->path);
    if (c->query == NULL) {
        assert_null(lx_url_query(u));
    } else {
        assert_non_null(lx_url_query(u));
        assert_string_equal(lx_url_query(u), c->query);
    }
    assert_int_equal(lx_url_host_header(u, buf, sizeof(buf)),
                     (int)strlen(c->host_header));
    assert_string_equal(buf, c->host_header);
    assert_int_equal(lx_url_request_target(u, buf, sizeof(buf)),
                     (int)strlen(c->target));
    assert_string_equal(buf, c->target);
    assert_int_equal(lx_url_is_tls(u), c->tls);
    assert_int_equal(lx_url_is_ws(u), c->ws);
}

static void test_url_valid(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(valid_urls); i++) {
        const struct url_case *c = &valid_urls[i];
        struct lx_url *u = NULL;
        int rc = lx_url_parse(&u, lx_test_mem(), c->in, strlen(c->in));

        if (rc != LX_OK) {
            fail_msg("%s: %s", c->in, lx_err_name(rc));
        }
        check_url(c, u);
        lx_url_free(u);
    }
}

static void test_url_invalid(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(invalid_urls); i++) {
        const char *s = invalid_urls[i];
        struct lx_url *u = (struct lx_url *)&u; /* must be reset to NULL */
        int rc = lx_url_parse(&u, lx_test_mem(), s, strlen(s));

        if (rc != LX_ERR_PARSE) {
            fail_msg("\"%s\": got %s", s, lx_err_name(rc));
        }
        assert_null(u);
    }
}

/* Embedded NUL bytes (the length says where the input ends). */
static void test_url_nul(void **state)
{
    static const char a[] = "http://h\0x/";
    static const char b[] = "http://h/p\0q";
    static const char c[] = "http://h/p?\0";
    struct lx_url *u = NULL;

    (void)state;
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), a, sizeof(a) - 1),
                     LX_ERR_PARSE);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), b, sizeof(b) - 1),
                     LX_ERR_PARSE);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), c, sizeof(c) - 1),
                     LX_ERR_PARSE);
    /* The same bytes cut before the NUL are fine. */
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), b, 10), LX_OK);
    assert_string_equal(lx_url_path(u), "/p");
    lx_url_free(u);
}

/* Builds "http://<labels of 63 'a's ...>/" with a host of hlen bytes. */
static size_t make_long_host(char *buf, size_t hlen)
{
    size_t i, n = 0;

    memcpy(buf, "http://", 7);
    n = 7;
    for (i = 0; i < hlen; i++) {
        buf[n++] = (i % 64 == 63) ? '.' : 'a';
    }
    buf[n++] = '/';
    buf[n] = '\0';
    return n;
}

static void test_url_limits(void **state)
{
    char buf[LX_URL_MAX_LEN + 16], hh[300];
    struct lx_url *u = NULL;
    size_t n;

    (void)state;
    n = make_long_host(buf, 253);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, n), LX_OK);
    assert_int_equal(strlen(lx_url_host(u)), 253);
    /* The Host header needs 254 bytes with its NUL; 253 is too few. */
    assert_int_equal(lx_url_host_header(u, hh, 254), 253);
    assert_int_equal(lx_url_host_header(u, hh, 253), LX_ERR_TOOBIG);
    assert_int_equal(lx_url_request_target(u, hh, 1), LX_ERR_TOOBIG);
    assert_int_equal(lx_url_request_target(u, hh, 2), 1);
    lx_url_free(u);
    n = make_long_host(buf, 254);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, n), LX_ERR_PARSE);
    n = make_long_host(buf, 300);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, n), LX_ERR_PARSE);
    /* A single label of 64 bytes is too long for DNS. */
    memcpy(buf, "http://", 7);
    memset(buf + 7, 'a', 64);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, 7 + 64),
                     LX_ERR_PARSE);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, 7 + 63), LX_OK);
    lx_url_free(u);
    /* Total length cap. */
    memcpy(buf, "http://h/", 9);
    memset(buf + 9, 'p', sizeof(buf) - 9);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, LX_URL_MAX_LEN),
                     LX_OK);
    lx_url_free(u);
    assert_int_equal(lx_url_parse(&u, lx_test_mem(), buf, LX_URL_MAX_LEN + 1),
                     LX_ERR_TOOBIG);
    assert_null(u);
}

static void test_url_args(void **state)
{
    struct lx_url *u = NULL;
    char buf[8];

    (void)state;
    assert_int_equal(lx_url_parse(NULL, NULL, "http://h", 8), LX_ERR_INVAL);
    assert_int_equal(lx_url_parse(&u, NULL, NULL, 0), LX_ERR_INVAL);
    assert_int_equal(lx_url_parse_target(&u, NULL, NULL, 0), LX_ERR_INVAL);
    assert_int_equal(lx_url_host_header(NULL, buf, sizeof(buf)), LX_ERR_INVAL);
    assert_int_equal(lx_url_request_target(NULL, buf, sizeof(buf)),
                     LX_ERR_INVAL);
    lx_url_free(NULL);
    /* NULL mem means libc. */
    assert_int_equal(lx_url_parse(&u, NULL, "http://h", 8), LX_OK);
    assert_int_equal(lx_url_host_header(u, NULL, 8), LX_ERR_INVAL);
    lx_url_free(u);
}

static void test_url_target(void **state)
{
    struct lx_url *u = NULL;
    char buf[64];
    const char *t = "/api/v3/order?symbol=X&signature=ab";

    (void)state;
    assert_int_equal(lx_url_parse_target(&u, lx_test_mem(), t, strlen(t)),
                     LX_OK);
    assert_string_equal(lx_url_path(u), "/api/v3/order");
    assert_string_equal(lx_url_query(u), "symbol=X&signature=ab");
    assert_string_equal(lx_url_scheme(u), "");
    assert_string_equal(lx_url_host(u), "");
    assert_int_equal(lx_url_port(u), 0);
    assert_int_equal(lx_url_is_tls(u) | lx_url_is_ws(u), 0);
    assert_int_equal(lx_url_host_header(u, buf, sizeof(buf)), LX_ERR_STATE);
    assert_int_equal(lx_url_request_target(u, buf, sizeof(buf)),
                     (int)strlen(t));
    assert_string_equal(buf, t);
    lx_url_free(u);
    assert_int_equal(lx_url_parse_target(&u, lx_test_mem(), "/p?", 3), LX_OK);
    assert_string_equal(lx_url_query(u), "");
    lx_url_free(u);
    assert_int_equal(lx_url_parse_target(&u, lx_test_mem(), "//x", 3), LX_OK);
    assert_string_equal(lx_url_path(u), "//x");
    assert_null(lx_url_query(u));
    lx_url_free(u);
    t = "http://H:81/x?y";
    assert_int_equal(lx_url_parse_target(&u, lx_test_mem(), t, strlen(t)),
                     LX_OK);
    assert_string_equal(lx_url_host(u), "h");
    assert_int_equal(lx_url_port(u), 81);
    assert_string_equal(lx_url_query(u), "y");
    lx_url_free(u);
}

static void test_url_target_invalid(void **state)
{
    static const char *const bad[] = {
        "",         "*",    "h:443",       "api.binance.com:443",
        "p/q",      "/p#f", "http://h/#f", "/p q",
        "/p?a=%g0", "?a=1", "/\x80"};
    struct lx_url *u = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(bad); i++) {
        int rc = lx_url_parse_target(&u, lx_test_mem(), bad[i], strlen(bad[i]));

        if (rc != LX_ERR_PARSE) {
            fail_msg("\"%s\": got %s", bad[i], lx_err_name(rc));
        }
        assert_null(u);
    }
}

static int url_scenario(const struct lx_mem *mem, void *ud)
{
    struct lx_url *u = NULL, *t = NULL;
    const char *s = ud;
    int rc;

    rc = lx_url_parse(&u, mem, s, strlen(s));
    if (rc == LX_OK) {
        rc = lx_url_parse_target(&t, mem, "/a?b", 4);
    }
    if (rc == LX_OK && (strcmp(lx_url_host(u), "stream.binance.com") != 0 ||
                        strcmp(lx_url_path(t), "/a") != 0)) {
        rc = LX_ERR_INTERNAL;
    }
    lx_url_free(u);
    lx_url_free(t);
    return rc;
}

static void test_url_failmalloc(void **state)
{
    (void)state;
    lx_test_failmalloc(url_scenario, "wss://stream.binance.com:9443/stream?"
                                     "streams=btcusdt@depth@100ms");
}

/* ---- Percent encoding --------------------------------------------------- */

static void test_percent_encode(void **state)
{
    char out[64];
    const char *in = "a b&c=d+e/f?g#h%i-j.k_l~m\xe2\x82\xac";
    const char *want = "a%20b%26c%3Dd%2Be%2Ff%3Fg%23h%25i-j.k_l~m%E2%82%AC";

    (void)state;
    assert_int_equal(lx_percent_encode(in, strlen(in), out, sizeof(out)),
                     (int)strlen(want));
    assert_string_equal(out, want);
    /* Exactly len + 1 bytes fit; one fewer does not. */
    assert_int_equal(lx_percent_encode(" ", 1, out, 4), 3);
    assert_string_equal(out, "%20");
    assert_int_equal(lx_percent_encode(" ", 1, out, 3), LX_ERR_TOOBIG);
    assert_int_equal(lx_percent_encode("", 0, out, 1), 0);
    assert_string_equal(out, "");
    assert_int_equal(lx_percent_encode(NULL, 0, out, 1), 0);
    assert_int_equal(lx_percent_encode("", 0, out, 0), LX_ERR_TOOBIG);
    assert_int_equal(lx_percent_encode(NULL, 1, out, 8), LX_ERR_INVAL);
    assert_int_equal(lx_percent_encode("a", 1, NULL, 8), LX_ERR_INVAL);
}

/* Every byte value: unreserved passes, anything else is %XX upper-case. */
static void test_percent_all_bytes(void **state)
{
    static const char hexd[] = "0123456789ABCDEF";
    char out[4], back[2];
    int c;

    (void)state;
    for (c = 0; c < 256; c++) {
        char in = (char)c;
        int unres = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                    c == '_' || c == '~';
        int n = lx_percent_encode(&in, 1, out, sizeof(out));

        if (unres) {
            assert_int_equal(n, 1);
            assert_int_equal((unsigned char)out[0], c);
        } else {
            assert_int_equal(n, 3);
            assert_int_equal(out[0], '%');
            assert_int_equal(out[1], hexd[c >> 4]);
            assert_int_equal(out[2], hexd[c & 15]);
        }
        assert_int_equal(lx_percent_decode(out, (size_t)n, back, 2, 0), 1);
        assert_int_equal((unsigned char)back[0], c);
    }
}

static void test_percent_decode(void **state)
{
    static const char *const bad[] = {"%",  "%4",   "%4g", "%g4",
                                      "a%", "%%41", "%-1", "% 1"};
    char out[64], inplace[16];
    size_t i;

    (void)state;
    assert_int_equal(lx_percent_decode("a%2fb%2F+c", 10, out, sizeof(out), 0),
                     6);
    assert_string_equal(out, "a/b/+c");
    assert_int_equal(
        lx_percent_decode("a+b%2B", 6, out, sizeof(out), LX_QUERY_PLUS_SPACE),
        4);
    assert_string_equal(out, "a b+");
    assert_int_equal(lx_percent_decode("%00x", 4, out, sizeof(out), 0), 2);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], 'x');
    /* In place. */
    memcpy(inplace, "%41%42c%20", 11);
    assert_int_equal(lx_percent_decode(inplace, 10, inplace, 11, 0), 4);
    assert_string_equal(inplace, "ABc ");
    /* Capacity: the NUL must fit too. */
    assert_int_equal(lx_percent_decode("%41b", 4, out, 3, 0), 2);
    assert_int_equal(lx_percent_decode("%41b", 4, out, 2, 0), LX_ERR_TOOBIG);
    for (i = 0; i < LX_ARRAY_LEN(bad); i++) {
        assert_int_equal(
            lx_percent_decode(bad[i], strlen(bad[i]), out, sizeof(out), 0),
            LX_ERR_PARSE);
    }
    assert_int_equal(lx_percent_decode("a", 1, out, sizeof(out), 2),
                     LX_ERR_INVAL);
    assert_int_equal(lx_percent_decode(NULL, 1, out, sizeof(out), 0),
                     LX_ERR_INVAL);
    assert_int_equal(lx_percent_decode("a", 1, NULL, 8, 0), LX_ERR_INVAL);
}

/* ---- Query builder ------------------------------------------------------ */

static const char binance_vector[] =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&"
    "recvWindow=5000&timestamp=1499827319559";

/* The parameters of Binance's SIGNED endpoint example, built by type. */
static int build_binance(struct lx_query *q)
{
    struct lx_decimal qty = {1, 0}, price = {1, 1};
    int rc;

    if ((rc = lx_query_add(q, "symbol", "LTCBTC")) != LX_OK ||
        (rc = lx_query_add(q, "side", "BUY")) != LX_OK ||
        (rc = lx_query_add(q, "type", "LIMIT")) != LX_OK ||
        (rc = lx_query_add(q, "timeInForce", "GTC")) != LX_OK ||
        (rc = lx_query_add_decimal(q, "quantity", qty)) != LX_OK ||
        (rc = lx_query_add_decimal(q, "price", price)) != LX_OK ||
        (rc = lx_query_add_i64(q, "recvWindow", 5000)) != LX_OK) {
        return rc;
    }
    return lx_query_add_i64(q, "timestamp", INT64_C(1499827319559));
}

static void test_query_binance_vector(void **state)
{
    struct lx_query *q = NULL;
    char buf[256];
    size_t n = strlen(binance_vector);

    (void)state;
    assert_int_equal(lx_query_new(&q, lx_test_mem()), LX_OK);
    assert_int_equal(build_binance(q), LX_OK);
    assert_int_equal(lx_query_count(q), 8);
    assert_int_equal(lx_query_encoded_len(q), n);
    assert_int_equal(lx_query_encode(q, buf, sizeof(buf)), (int)n);
    assert_string_equal(buf, binance_vector);
    /* Exact fit needs room for the NUL. */
    assert_int_equal(lx_query_encode(q, buf, n + 1), (int)n);
    assert_int_equal(lx_query_encode(q, buf, n), LX_ERR_TOOBIG);
    assert_string_equal(buf, "");
    lx_query_free(q);
}

static void test_query_encoding(void **state)
{
    struct lx_query *q = NULL;
    char buf[256];
    const char *want = "a%20b=x%26y%3Dz%2B%2F%3F%23%25&e=&k=%E2%82%AC&"
                       "-._~=-._~&=%00v&n=-9223372036854775808&"
                       "s=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D";

    (void)state;
    assert_int_equal(lx_query_new(&q, lx_test_mem()), LX_OK);
    assert_int_equal(lx_query_encode(q, buf, 1), 0);
    assert_string_equal(buf, "");
    assert_int_equal(lx_query_add(q, "a b", "x&y=z+/?#%"), LX_OK);
    assert_int_equal(lx_query_add(q, "e", ""), LX_OK);
    assert_int_equal(lx_query_add(q, "k", "\xe2\x82\xac"), LX_OK);
    assert_int_equal(lx_query_add(q, "-._~", "-._~"), LX_OK);
    assert_int_equal(lx_query_add_n(q, "", 0, "\0v", 2), LX_OK);
    assert_int_equal(lx_query_add_i64(q, "n", INT64_MIN), LX_OK);
    assert_int_equal(lx_query_add(q, "s", "[\"BTCUSDT\",\"ETHUSDT\"]"), LX_OK);
    assert_int_equal(lx_query_encode(q, buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(lx_query_encoded_len(q), strlen(want));
    /* A NUL in a key is refused; the query is unchanged. */
    assert_int_equal(lx_query_add_n(q, "a\0b", 3, "v", 1), LX_ERR_INVAL);
    assert_int_equal(lx_query_count(q), 7);
    lx_query_free(q);
}

static void test_query_access(void **state)
{
    struct lx_query *q = NULL;
    size_t len = 99;
    const char *v;

    (void)state;
    assert_int_equal(lx_query_new(&q, lx_test_mem()), LX_OK);
    assert_int_equal(lx_query_add(q, "a", "1"), LX_OK);
    assert_int_equal(lx_query_add(q, "b", "22"), LX_OK);
    assert_int_equal(lx_query_add(q, "a", "333"), LX_OK);
    assert_int_equal(lx_query_add(q, "ab", "x"), LX_OK);
    assert_string_equal(lx_query_key(q, 2), "a");
    assert_string_equal(lx_query_value(q, 2, &len), "333");
    assert_int_equal(len, 3);
    assert_null(lx_query_key(q, 4));
    assert_null(lx_query_value(q, 4, &len));
    v = lx_query_find(q, "a", &len);
    assert_string_equal(v, "1");
    assert_int_equal(len, 1);
    assert_null(lx_query_find(q, "c", &len));
    assert_null(lx_query_find(q, "", NULL));
    assert_string_equal(lx_query_find(q, "ab", NULL), "x");
    assert_int_equal(lx_query_remove(q, "a"), 2);
    assert_int_equal(lx_query_remove(q, "a"), 0);
    assert_int_equal(lx_query_count(q), 2);
    assert_string_equal(lx_query_key(q, 0), "b");
    assert_string_equal(lx_query_key(q, 1), "ab");
    assert_int_equal(lx_query_remove(q, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_query_count(NULL), 0);
    assert_int_equal(lx_query_encoded_len(NULL), 0);
    assert_null(lx_query_key(NULL, 0));
    assert_int_equal(lx_query_add(q, NULL, "v"), LX_ERR_INVAL);
    assert_int_equal(lx_query_add(NULL, "k", "v"), LX_ERR_INVAL);
    assert_int_equal(lx_query_new(NULL, NULL), LX_ERR_INVAL);
    lx_query_free(q);
    lx_query_free(NULL);
    lx_query_sort(NULL);
}

static void test_query_sort(void **state)
{
    static const char *const in[][2] = {
        {"b", "1"}, {"a", "1"},  {"b", "2"},         {"\xc3", "u"},
        {"a", "2"}, {"ab", "x"}, {"", "e"},          {"Z", "z"},
        {"a", "3"}, {"b", "3"},  {"timestamp", "t"}, {"recvWindow", "r"},
    };
    const char *want = "=e&Z=z&a=1&a=2&a=3&ab=x&b=1&b=2&b=3&recvWindow=r&"
                       "timestamp=t&%C3=u";
    struct lx_query *q = NULL;
    char buf[128];
    size_t i;

    (void)state;
    assert_int_equal(lx_query_new(&q, lx_test_mem()), LX_OK);
    for (i = 0; i < LX_ARRAY_LEN(in); i++) {
        assert_int_equal(lx_query_add(q, in[i][0], in[i][1]), LX_OK);
    }
    lx_query_sort(q);
    assert_int_equal(lx_query_encode(q, buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    lx_query_free(q);
}

/* ---- Query parser ------------------------------------------------------- */

struct kv {
    const char *k;
    const char *v;
    size_t vlen;
};

static void check_pairs(const struct lx_query *q, const struct kv *want,
                        size_t n)
{
    size_t i, len;

    assert_int_equal(lx_query_count(q), n);
    for (i = 0; i < n; i++) {
        const char *v = lx_query_value(q, i, &len);

        assert_string_equal(lx_query_key(q, i), want[i].k);
        assert_int_equal(len, want[i].vlen);
        assert_memory_equal(v, want[i].v, len);
        assert_int_equal(v[len], '\0');
    }
}

static void test_query_parse(void **state)
{
    static const char s[] = "a=1&b=&c&=d&&e=%20+x&f=b=c&g=%00%2b&";
    static const struct kv plain[] = {
        {"a", "1", 1},   {"b", "", 0},    {"c", "", 0},    {"", "d", 1},
        {"e", " +x", 3}, {"f", "b=c", 3}, {"g", "\0+", 2},
    };
    static const struct kv plus[] = {
        {"a", "1", 1},   {"b", "", 0},    {"c", "", 0},    {"", "d", 1},
        {"e", "  x", 3}, {"f", "b=c", 3}, {"g", "\0+", 2},
    };
    struct lx_query *q = NULL;

    (void)state;
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), s, sizeof(s) - 1, 0),
                     LX_OK);
    check_pairs(q, plain, LX_ARRAY_LEN(plain));
    lx_query_free(q);
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), s, sizeof(s) - 1,
                                    LX_QUERY_PLUS_SPACE),
                     LX_OK);
    check_pairs(q, plus, LX_ARRAY_LEN(plus));
    lx_query_free(q);
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), "", 0, 0), LX_OK);
    assert_int_equal(lx_query_count(q), 0);
    lx_query_free(q);
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), NULL, 0, 0), LX_OK);
    lx_query_free(q);
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), "&&&", 3, 0), LX_OK);
    assert_int_equal(lx_query_count(q), 0);
    lx_query_free(q);
}

static void test_query_parse_errors(void **state)
{
    static const char *const bad[] = {"a=%",      "a=%4",    "a=%zz", "%g=1",
                                      "a=1&b=%2", "a%00b=1", "%00=1"};
    struct lx_query *q = (struct lx_query *)&q;
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(bad); i++) {
        int rc = lx_query_parse(&q, lx_test_mem(), bad[i], strlen(bad[i]), 0);

        if (rc != LX_ERR_PARSE) {
            fail_msg("\"%s\": got %s", bad[i], lx_err_name(rc));
        }
        assert_null(q);
    }
    assert_int_equal(lx_query_parse(&q, NULL, "a", 1, 4), LX_ERR_INVAL);
    assert_int_equal(lx_query_parse(&q, NULL, NULL, 1, 0), LX_ERR_INVAL);
    assert_int_equal(lx_query_parse(NULL, NULL, "a", 1, 0), LX_ERR_INVAL);
}

/* The query CCXT sends for Binance's multi-symbol ticker. */
static void test_query_ccxt(void **state)
{
    static const char s[] = "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D";
    struct lx_query *q = NULL;
    char buf[128];
    size_t len;

    (void)state;
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), s, sizeof(s) - 1, 0),
                     LX_OK);
    assert_int_equal(lx_query_count(q), 1);
    assert_string_equal(lx_query_key(q, 0), "symbols");
    assert_string_equal(lx_query_find(q, "symbols", &len),
                        "[\"BTCUSDT\",\"ETHUSDT\"]");
    assert_int_equal(len, 21);
    /* Our encoder produces exactly the bytes CCXT sent. */
    assert_int_equal(lx_query_encode(q, buf, sizeof(buf)), (int)sizeof(s) - 1);
    assert_string_equal(buf, s);
    lx_query_free(q);
}

/* Writes "k0=v&k1=v&..." with n pairs into buf; returns its length. */
static size_t make_pairs(char *buf, size_t n)
{
    size_t i, len = 0;

    for (i = 0; i < n; i++) {
        int w = lx__snprintf(buf + len, 16, "%sk%zu=v", i > 0 ? "&" : "", i);

        assert_true(w > 0);
        len += (size_t)w;
    }
    return len;
}

static void test_query_caps(void **state)
{
    static char buf[LX_QUERY_MAX_BYTES + 2];
    struct lx_query *q = NULL;
    size_t n, i;

    (void)state;
    n = make_pairs(buf, LX_QUERY_MAX_PAIRS);
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), buf, n, 0), LX_OK);
    assert_int_equal(lx_query_count(q), LX_QUERY_MAX_PAIRS);
    /* The builder shares the caps with the parser. */
    assert_int_equal(lx_query_add(q, "x", "y"), LX_ERR_TOOBIG);
    assert_int_equal(lx_query_count(q), LX_QUERY_MAX_PAIRS);
    lx_query_free(q);
    n = make_pairs(buf, LX_QUERY_MAX_PAIRS + 1);
    assert_int_equal(lx_query_parse(&q, lx_test_mem(), buf, n, 0),
                     LX_ERR_TOOBIG);
    assert_null(q);
    memset(buf, 'a', sizeof(buf));
    assert_int_equal(
        lx_query_parse(&q, lx_test_mem(), buf, LX_QUERY_MAX_BYTES, 0), LX_OK);
    lx_query_free(q);
    assert_int_equal(
        lx_query_parse(&q, lx_test_mem(), buf, LX_QUERY_MAX_BYTES + 1, 0),
        LX_ERR_TOOBIG);
    assert_int_equal(lx_query_new(&q, lx_test_mem()), LX_OK);
    for (i = 0; i < 4; i++) {
        assert_int_equal(lx_query_add_n(q, "k", 1, buf, 16383), LX_OK);
    }
    assert_int_equal(lx_query_add_n(q, "k", 1, buf, 1), LX_ERR_TOOBIG);
    assert_int_equal(lx_query_add_n(q, "", 0, buf, 0), LX_OK);
    assert_int_equal(lx_query_remove(q, "k"), 4);
    assert_int_equal(lx_query_add_n(q, "k", 1, buf, LX_QUERY_MAX_BYTES - 1),
                     LX_OK);
    lx_query_free(q);
}

/* ---- Seeded round trips ------------------------------------------------- */

/* xorshift64*: a fixed seed gives the same cases on every run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static void fill_random(uint64_t *seed, char *buf, size_t n, int no_nul)
{
    static const char alpha[] = "aZ09-._~ &=+%?#/[]\"',\xc3\xa9\x01\x7f";
    size_t i;

    for (i = 0; i < n; i++) {
        uint64_t r = rng_next(seed);

        buf[i] = (r & 0x100) ? (char)(r & 0xff)
                             : alpha[(r >> 16) % (sizeof(alpha) - 1)];
        if (no_nul && buf[i] == '\0') {
            buf[i] = 'n';
        }
    }
}

static void assert_same_pairs(const struct lx_query *a,
                              const struct lx_query *b)
{
    size_t i, la, lb;

    assert_int_equal(lx_query_count(a), lx_query_count(b));
    for (i = 0; i < lx_query_count(a); i++) {
        const char *va = lx_query_value(a, i, &la);
        const char *vb = lx_query_value(b, i, &lb);

        assert_string_equal(lx_query_key(a, i), lx_query_key(b, i));
        assert_int_equal(la, lb);
        assert_memory_equal(va, vb, la);
    }
}

/* Random pairs -> encode -> parse gives the same pairs, both flag modes. */
static void test_query_roundtrip_build(void **state)
{
    static char enc[8192];
    uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
    int iter;

    (void)state;
    for (iter = 0; iter < 500; iter++) {
        struct lx_query *q = NULL, *p = NULL;
        size_t npairs = rng_next(&seed) % 8, i;
        int n;

        assert_int_equal(lx_query_new(&q, lx_test_mem()), LX_OK);
        for (i = 0; i < npairs; i++) {
            char k[16], v[32];
            size_t kl = rng_next(&seed) % sizeof(k);
            size_t vl = rng_next(&seed) % sizeof(v);

            fill_random(&seed, k, kl, 1);
            fill_random(&seed, v, vl, 0);
            assert_int_equal(lx_query_add_n(q, k, kl, v, vl), LX_OK);
        }
        n = lx_query_encode(q, enc, sizeof(enc));
        assert_int_equal(n, (int)lx_query_encoded_len(q));
        assert_null(memchr(enc, '+', (size_t)n));
        assert_null(memchr(enc, ' ', (size_t)n));
        assert_int_equal(lx_query_parse(&p, lx_test_mem(), enc, (size_t)n,
                                        iter & 1 ? LX_QUERY_PLUS_SPACE : 0),
                         LX_OK);
        /* Empty segments vanish: the encoder writes none ("k=" at least). */
        assert_same_pairs(q, p);
        lx_query_free(p);
        lx_query_free(q);
    }
}

/* Random text -> parse -> encode -> parse is stable when the first parse
 * succeeds, and the second encoding equals the first (a fixed point). */
static void test_query_roundtrip_parse(void **state)
{
    static const char alpha[] = "ab=&%+2F4e0x ";
    static char in[64], enc1[256], enc2[256];
    uint64_t seed = 42;
    int iter, ok = 0;

    (void)state;
    for (iter = 0; iter < 4000; iter++) {
        struct lx_query *a = NULL, *b = NULL;
        size_t n = rng_next(&seed) % sizeof(in), i;
        int l1, l2;

        for (i = 0; i < n; i++) {
            in[i] = alpha[rng_next(&seed) % (sizeof(alpha) - 1)];
        }
        if (lx_query_parse(&a, lx_test_mem(), in, n, LX_QUERY_PLUS_SPACE) !=
            LX_OK) {
            continue;
        }
        ok++;
        l1 = lx_query_encode(a, enc1, sizeof(enc1));
        assert_true(l1 >= 0);
        assert_int_equal(lx_query_parse(&b, lx_test_mem(), enc1, (size_t)l1, 0),
                         LX_OK);
        assert_same_pairs(a, b);
        l2 = lx_query_encode(b, enc2, sizeof(enc2));
        assert_int_equal(l1, l2);
        assert_memory_equal(enc1, enc2, (size_t)l1);
        lx_query_free(a);
        lx_query_free(b);
    }
    /* The generator must exercise the success path, not only errors. */
    assert_true(ok > 500);
}

/* ---- Failmalloc --------------------------------------------------------- */

static int build_scenario(const struct lx_mem *mem, void *ud)
{
    struct lx_query *q = NULL;
    char buf[256];
    int rc, i;

    (void)ud;
    rc = lx_query_new(&q, mem);
    if (rc == LX_OK) {
        rc = build_binance(q);
    }
    /* More pairs than the first array holds, so it must grow. */
    for (i = 0; rc == LX_OK && i < 10; i++) {
        rc = lx_query_add_i64(q, "n", i);
    }
    if (rc == LX_OK) {
        lx_query_remove(q, "n");
        rc = lx_query_encode(q, buf, sizeof(buf));
        rc = rc >= 0 && strcmp(buf, binance_vector) == 0 ? LX_OK
                                                         : LX_ERR_INTERNAL;
    }
    lx_query_free(q);
    return rc;
}

static int parse_scenario(const struct lx_mem *mem, void *ud)
{
    static const char s[] = "symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D&a=1&"
                            "b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9&j=10";
    struct lx_query *q = (struct lx_query *)&q;
    int rc;

    (void)ud;
    rc = lx_query_parse(&q, mem, s, sizeof(s) - 1, 0);
    if (rc != LX_OK) {
        return q == NULL ? rc : LX_ERR_INTERNAL;
    }
    if (lx_query_count(q) != 11) {
        rc = LX_ERR_INTERNAL;
    }
    lx_query_free(q);
    return rc;
}

static void test_query_failmalloc(void **state)
{
    (void)state;
    lx_test_failmalloc(build_scenario, NULL);
    lx_test_failmalloc(parse_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_valid),
        cmocka_unit_test(test_url_invalid),
        cmocka_unit_test(test_url_nul),
        cmocka_unit_test(test_url_limits),
        cmocka_unit_test(test_url_args),
        cmocka_unit_test(test_url_target),
        cmocka_unit_test(test_url_target_invalid),
        cmocka_unit_test(test_url_failmalloc),
        cmocka_unit_test(test_percent_encode),
        cmocka_unit_test(test_percent_all_bytes),
        cmocka_unit_test(test_percent_decode),
        cmocka_unit_test(test_query_binance_vector),
        cmocka_unit_test(test_query_encoding),
        cmocka_unit_test(test_query_access),
        cmocka_unit_test(test_query_sort),
        cmocka_unit_test(test_query_parse),
        cmocka_unit_test(test_query_parse_errors),
        cmocka_unit_test(test_query_ccxt),
        cmocka_unit_test(test_query_caps),
        cmocka_unit_test(test_query_roundtrip_build),
        cmocka_unit_test(test_query_roundtrip_parse),
        cmocka_unit_test(test_query_failmalloc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
