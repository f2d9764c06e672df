/*
 * test_ws.c - the sans-I/O WebSocket core: opening-handshake helpers, the
 * raw frame encoder, the UTF-8 validator, and client/server sessions wired
 * back to back (each one's flushed output fed to the other), including
 * every way a peer can make the session fail the connection.
 */
#include <string.h>

#include <event2/buffer.h>
#include <openssl/evp.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_ws.h"
#include "net/ws_codec.h"
#include "lx_test.h"

#define TEST_SEED 0x5753544553540001ULL

/* ---- a recording peer ---------------------------------------------------- */

struct peer {
    struct lx__ws *ws;
    struct evbuffer *out; /* what it flushed, not yet fed to the other */
    struct evbuffer *msg; /* the last message received */
    int last_opcode;
    int nmsg, nping, npong, nclose;
    uint8_t ping[LX_WS_MAX_CONTROL_PAYLOAD], pong[LX_WS_MAX_CONTROL_PAYLOAD];
    size_t ping_len, pong_len;
    int close_code;
    char close_reason[LX_WS_MAX_CLOSE_REASON + 1];
    char log[512]; /* event order: "T5 P3 p3 C1000 " */
    int echo;      /* send every message straight back, flushing inside */
    int feed_rc;   /* result of a re-entrant feed from a callback */
    int try_reenter;
};

static void log_event(struct peer *p, char tag, long v)
{
    size_t n = strlen(p->log);

    lx__snprintf(p->log + n, sizeof(p->log) - n, "%c%ld ", tag, v);
}

static void on_message(void *ud, int opcode, const uint8_t *data, size_t len)
{
    struct peer *p = ud;

    p->nmsg++;
    p->last_opcode = opcode;
    evbuffer_drain(p->msg, evbuffer_get_length(p->msg));
    assert_int_equal(evbuffer_add(p->msg, data, len), 0);
    log_event(p, opcode == LX_WS_TEXT ? 'T' : 'B', (long)len);
    if (p->try_reenter) {
        p->feed_rc = lx__ws_feed(p->ws, (const uint8_t *)"x", 1);
    }
    if (p->echo) {
        assert_int_equal(opcode == LX_WS_TEXT
                             ? lx__ws_send_text(p->ws, data, len)
                             : lx__ws_send_binary(p->ws, data, len),
                         LX_OK);
        assert_int_equal(lx__ws_flush(p->ws, p->out), LX_OK);
    }
}

static void on_ping(void *ud, const uint8_t *data, size_t len)
{
    struct peer *p = ud;

    assert_true(len <= sizeof(p->ping));
    p->nping++;
    memcpy(p->ping, data, len);
    p->ping_len = len;
    log_event(p, 'P', (long)len);
}

static void on_pong(void *ud, const uint8_t *data, size_t len)
{
    struct peer *p = ud;

    assert_true(len <= sizeof(p->pong));
    p->npong++;
    memcpy(p->pong, data, len);
    p->pong_len = len;
    log_event(p, 'p', (long)len);
}

static void on_close(void *ud, uint16_t code, const char *reason, size_t len)
{
    struct peer *p = ud;

    assert_true(len <= LX_WS_MAX_CLOSE_REASON);
    p->nclose++;
    p->close_code = code;
    memcpy(p->close_reason, reason, len);
    p->close_reason[len] = '\0';
    log_event(p, 'C', code);
}

static const struct lx__ws_cbs peer_cbs = {on_message, on_ping, on_pong,
                                           on_close};

static int peer_init(struct peer *p, const struct lx_mem *mem, int role,
                     const struct lx__ws_opts *opts, struct lx_rng *rng)
{
    memset(p, 0, sizeof(*p));
    p->out = evbuffer_new();
    p->msg = evbuffer_new();
    assert_non_null(p->out);
    assert_non_null(p->msg);
    return lx__ws_new(&p->ws, mem, role, opts, &peer_cbs, p, rng);
}

static void peer_done(struct peer *p)
{
    lx__ws_free(p->ws);
    evbuffer_free(p->out);
    evbuffer_free(p->msg);
}

/* Feeds everything in src's output to dst (step bytes at a time, 0 = all). */
static int transfer(struct peer *src, struct peer *dst, size_t step)
{
    int rc = lx__ws_flush(src->ws, src->out);

    while (rc == LX_OK && evbuffer_get_length(src->out) > 0) {
        size_t n = evbuffer_get_length(src->out);

        if (step != 0 && step < n) {
            n = step;
        }
        rc = lx__ws_feed(dst->ws, evbuffer_pullup(src->out, (ssize_t)n), n);
        evbuffer_drain(src->out, n);
    }
    return rc;
}

/* Shuttles bytes both ways until neither side has anything to send. */
static int pump_step(struct peer *a, struct peer *b, size_t step)
{
    int i, rc = LX_OK;

    for (i = 0; i < 64 && rc == LX_OK; i++) {
        rc = transfer(a, b, step);
        if (rc == LX_OK) {
            rc = transfer(b, a, step);
        }
        if (!lx__ws_want_write(a->ws) && !lx__ws_want_write(b->ws) &&
            evbuffer_get_length(a->out) == 0 &&
            evbuffer_get_length(b->out) == 0) {
            break;
        }
    }
    return rc;
}

static int pump(struct peer *a, struct peer *b)
{
    return pump_step(a, b, 0);
}

struct pair {
    struct lx_rng rng;
    struct peer cli, srv;
};

static void pair_init(struct pair *p, const struct lx__ws_opts *srv_opts)
{
    lx_rng_seed(&p->rng, TEST_SEED);
    assert_int_equal(
        peer_init(&p->cli, lx_test_mem(), LX__WS_CLIENT, NULL, &p->rng), LX_OK);
    assert_int_equal(
        peer_init(&p->srv, lx_test_mem(), LX__WS_SERVER, srv_opts, NULL),
        LX_OK);
}

static void pair_done(struct pair *p)
{
    peer_done(&p->cli);
    peer_done(&p->srv);
}

/* Whether buf holds exactly the n bytes of want. */
static int buf_equals(struct evbuffer *buf, const void *want, size_t n)
{
    return evbuffer_get_length(buf) == n &&
           (n == 0 || memcmp(evbuffer_pullup(buf, -1), want, n) == 0);
}

/* Feeds raw bytes to a peer and flushes its answer into its out buffer. */
static int feed_raw(struct peer *p, const void *data, size_t len)
{
    int rc = lx__ws_feed(p->ws, data, len);

    assert_int_equal(lx__ws_flush(p->ws, p->out), LX_OK);
    return rc;
}

static const uint8_t test_mask[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Appends a frame (masked with test_mask when masked) to buf. */
static void put_frame(struct evbuffer *buf, int fin, int opcode, int rsv,
                      int masked, const void *payload, size_t len)
{
    assert_int_equal(lx__ws_encode_frame(buf, fin, opcode, rsv,
                                         masked ? test_mask : NULL, payload,
                                         len),
                     LX_OK);
}

/* Asserts that p's output is exactly one unmasked close frame with code. */
static void assert_close_frame(struct peer *p, int code)
{
    uint8_t want[4] = {0x88, 0x02, (uint8_t)(code >> 8), (uint8_t)code};

    assert_true(buf_equals(p->out, want, sizeof(want)));
}

/* ---- handshake ----------------------------------------------------------- */

static void test_accept_vector(void **state)
{
    char out[LX__WS_ACCEPT_SIZE];
    char longkey[200];

    (void)state;
    /* RFC 6455 section 1.3. */
    assert_int_equal(lx__ws_accept_for_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out),
                     LX_OK);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /* Surrounding blanks are not part of the header value. */
    assert_int_equal(
        lx__ws_accept_for_key(" dGhlIHNhbXBsZSBub25jZQ==\t", 26, out), LX_OK);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    /* A different key gives a different answer. */
    assert_int_equal(lx__ws_accept_for_key("x3JJHMbDL1EzLkh9GBhXDw==", 24, out),
                     LX_OK);
    assert_string_equal(out, "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
    memset(longkey, 'A', sizeof(longkey));
    assert_int_equal(lx__ws_accept_for_key(longkey, sizeof(longkey), out),
                     LX_ERR_INVAL);
    assert_int_equal(lx__ws_accept_for_key(NULL, 0, out), LX_ERR_INVAL);
}

static void test_make_key(void **state)
{
    struct lx_rng a, b, c;
    char k1[LX__WS_KEY_SIZE], k2[LX__WS_KEY_SIZE], k3[LX__WS_KEY_SIZE];
    uint8_t raw[16], dec[18];

    (void)state;
    lx_rng_seed(&a, TEST_SEED);
    lx_rng_seed(&b, TEST_SEED);
    lx_rng_seed(&c, TEST_SEED + 1);
    assert_int_equal(lx__ws_make_key(&a, k1), LX_OK);
    assert_int_equal(lx__ws_make_key(&c, k3), LX_OK);
    assert_int_equal(strlen(k1), 24);
    assert_string_not_equal(k1, k3);
    /* The key is the base64 of the next 16 bytes of the generator. */
    lx_rng_fill(&b, raw, sizeof(raw));
    assert_int_equal(EVP_DecodeBlock(dec, (const unsigned char *)k1, 24), 18);
    assert_memory_equal(dec, raw, sizeof(raw));
    /* It advanced: the next key differs, and a server accepts both. */
    assert_int_equal(lx__ws_make_key(&a, k2), LX_OK);
    assert_string_not_equal(k1, k2);
    assert_int_equal(lx__ws_check_client_request("GET", "websocket", "Upgrade",
                                                 "13", k1, NULL),
                     LX_OK);
    assert_int_equal(lx__ws_check_client_request("GET", "websocket", "Upgrade",
                                                 "13", k2, NULL),
                     LX_OK);
    assert_int_equal(lx__ws_make_key(NULL, k1), LX_ERR_INVAL);
}

struct req_case {
    const char *method, *upgrade, *connection, *version, *key;
    int rc;
};

static void test_check_client_request(void **state)
{
    static const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    const struct req_case cases[] = {
        {"GET", "websocket", "Upgrade", "13", key, LX_OK},
        {"GET", "WebSocket", "keep-alive, Upgrade", "13", key, LX_OK},
        {"GET", " websocket ", "UPGRADE", " 13 ",
         " dGhlIHNhbXBsZSBub25jZQ== ", LX_OK},
        {"GET", "h2c,  websocket", "Upgrade,keep-alive", "13", key, LX_OK},
        {"POST", "websocket", "Upgrade", "13", key, LX_ERR_PROTO},
        {"get", "websocket", "Upgrade", "13", key, LX_ERR_PROTO},
        {NULL, "websocket", "Upgrade", "13", key, LX_ERR_PROTO},
        {"GET", NULL, "Upgrade", "13", key, LX_ERR_PROTO},
        {"GET", "websockets", "Upgrade", "13", key, LX_ERR_PROTO},
        {"GET", "websocket", NULL, "13", key, LX_ERR_PROTO},
        {"GET", "websocket", "keep-alive", "13", key, LX_ERR_PROTO},
        {"GET", "websocket", "upgraded", "13", key, LX_ERR_PROTO},
        {"GET", "websocket", "", "13", key, LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", NULL, key, LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "8", key, LX_ERR_UNSUPPORTED},
        {"GET", "websocket", "Upgrade", "13, 8", key, LX_ERR_UNSUPPORTED},
        {"GET", "websocket", "Upgrade", "13", NULL, LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "13", "", LX_ERR_PROTO},
        /* 15 and 17 bytes, a bad symbol, bad padding. */
        {"GET", "websocket", "Upgrade", "13",
         "dGhlIHNhbXBsZSBub25jZQ=", LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "13", "dGhlIHNhbXBsZSBub25jZQ",
         LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "13",
         "dGhlIHNhbXBsZSBub25jZQQ=", LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "13", "dGhlIHNhbXBsZSBub25jZQ==A",
         LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "13",
         "dGhlIHNhbXBsZSBub25jZ!==", LX_ERR_PROTO},
        {"GET", "websocket", "Upgrade", "13",
         "dGhlIHNhbXBs ZSBub25jZQ==", LX_ERR_PROTO},
    };
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        const struct req_case *c = &cases[i];
        const char *why = NULL;
        int rc = lx__ws_check_client_request(
            c->method, c->upgrade, c->connection, c->version, c->key, &why);

        if (rc != c->rc) {
            fail_msg("case %zu: got %s, want %s", i, lx_err_name(rc),
                     lx_err_name(c->rc));
        }
        if (rc != LX_OK) {
            assert_non_null(why);
            assert_true(strlen(why) > 0);
        }
    }
}

static void test_check_server_response(void **state)
{
    static const char *acc = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    const char *why = NULL;

    (void)state;
    assert_int_equal(lx__ws_check_server_response(101, "websocket", "Upgrade",
                                                  acc, acc, &why),
                     LX_OK);
    assert_int_equal(lx__ws_check_server_response(101, "WebSocket", "upgrade",
                                                  " s3pPLMBiTxaQ9kYGzzhZRbK+"
                                                  "xOo= ",
                                                  acc, &why),
                     LX_OK);
    assert_int_equal(lx__ws_check_server_response(200, "websocket", "Upgrade",
                                                  acc, acc, &why),
                     LX_ERR_PROTO);
    assert_non_null(strstr(why, "101"));
    assert_int_equal(
        lx__ws_check_server_response(101, NULL, "Upgrade", acc, acc, &why),
        LX_ERR_PROTO);
    assert_int_equal(
        lx__ws_check_server_response(101, "websocket", "close", acc, acc, &why),
        LX_ERR_PROTO);
    assert_int_equal(lx__ws_check_server_response(101, "websocket", "Upgrade",
                                                  NULL, acc, &why),
                     LX_ERR_PROTO);
    /* Base64 is case-sensitive, and a prefix is not a match. */
    assert_int_equal(
        lx__ws_check_server_response(101, "websocket", "Upgrade",
                                     "S3pPLMBiTxaQ9kYGzzhZRbK+xOo=", acc, &why),
        LX_ERR_PROTO);
    assert_non_null(strstr(why, "Accept"));
    assert_int_equal(lx__ws_check_server_response(101, "websocket", "Upgrade",
                                                  "s3pPLMBiTxaQ9kYGzzhZRbK+",
                                                  acc, NULL),
                     LX_ERR_PROTO);
}

/* ---- UTF-8 --------------------------------------------------------------- */

struct utf8_case {
    const char *bytes;
    size_t len; /* 0: strlen */
    int valid;
};

static void test_utf8_table(void **state)
{
    static const struct utf8_case cases[] = {
        {"", 0, 1},
        {"plain ASCII, long enough for the 8-byte path {\"p\":\"1.5\"}", 0, 1},
        {"\x00\x7f", 2, 1},
        {"\xc2\x80 \xdf\xbf", 0, 1},                      /* 2-byte bounds */
        {"\xe0\xa0\x80 \xef\xbf\xbf \xe2\x82\xac", 0, 1}, /* 3-byte, euro */
        {"\xed\x9f\xbf \xee\x80\x80", 0, 1},         /* around surrogates */
        {"\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", 0, 1}, /* 4-byte bounds */
        {"\xf0\x9f\x9a\x80 rocket", 0, 1},
        {"\x80", 0, 0}, /* stray continuation */
        {"abc\xbf", 0, 0},
        {"\xc0\x80", 0, 0},         /* overlong NUL */
        {"\xc1\xbf", 0, 0},         /* overlong 2-byte */
        {"\xe0\x80\xaf", 0, 0},     /* overlong 3-byte '/' */
        {"\xe0\x9f\xbf", 0, 0},     /* overlong 3-byte max */
        {"\xf0\x80\x80\xaf", 0, 0}, /* overlong 4-byte */
        {"\xf0\x8f\xbf\xbf", 0, 0},
        {"\xed\xa0\x80", 0, 0},             /* U+D800 */
        {"\xed\xbf\xbf", 0, 0},             /* U+DFFF */
        {"\xed\xa0\xbd\xed\xb2\xa9", 0, 0}, /* CESU-8 pair */
        {"\xf4\x90\x80\x80", 0, 0},         /* U+110000 */
        {"\xf5\x80\x80\x80", 0, 0},
        {"\xf8\x88\x80\x80\x80", 0, 0}, /* 5-byte form */
        {"\xfe", 0, 0},
        {"\xff", 0, 0},
        {"\xc2", 0, 0}, /* truncated */
        {"\xe2\x82", 0, 0},
        {"\xf0\x9f\x9a", 0, 0},
        {"abcdefgh\xe2\x82", 0, 0}, /* truncated after the fast path */
        {"\xc2\x41", 0, 0},         /* bad continuation */
        {"\xe2\x28\xa1", 0, 0},
        {"\xe2\x82\x28", 0, 0},
        {"\xf0\x9f\x9a\x28", 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        size_t n = cases[i].len != 0 ? cases[i].len : strlen(cases[i].bytes);

        if (lx__utf8_valid((const uint8_t *)cases[i].bytes, n) !=
            cases[i].valid) {
            fail_msg("utf8 case %zu: want %d", i, cases[i].valid);
        }
    }
    assert_int_equal(lx__utf8_valid(NULL, 0), 1);
}

/* Every code point encodes to something valid; every surrogate does not. */
static void test_utf8_exhaustive(void **state)
{
    uint32_t cp;
    uint8_t b[4];

    (void)state;
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n;

        if (cp < 0x80) {
            b[0] = (uint8_t)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (uint8_t)(0xC0 | (cp >> 6));
            b[1] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (uint8_t)(0xE0 | (cp >> 12));
            b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (uint8_t)(0xF0 | (cp >> 18));
            b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (uint8_t)(0x80 | (cp & 0x3F));
            n = 4;
        }
        if (lx__utf8_valid(b, n) != !(cp >= 0xD800 && cp <= 0xDFFF)) {
            fail_msg("code point U+%04X misjudged", (unsigned)cp);
        }
        /* Any proper prefix of a multi-byte sequence is truncated. */
        if (n > 1 && lx__utf8_valid(b, n - 1)) {
            fail_msg("prefix of U+%04X accepted", (unsigned)cp);
        }
    }
}

/* ---- raw frames ---------------------------------------------------------- */

static void test_encode_frame_rfc(void **state)
{
    /* RFC 6455 section 5.7 examples. */
    static const uint8_t unmasked[] = {0x81, 0x05, 0x48, 0x65,
                                       0x6c, 0x6c, 0x6f};
    static const uint8_t masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                     0x7f, 0x9f, 0x4d, 0x51, 0x58};
    static const uint8_t frag1[] = {0x01, 0x03, 0x48, 0x65, 0x6c};
    static const uint8_t frag2[] = {0x80, 0x02, 0x6c, 0x6f};
    static const uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    struct evbuffer *b = evbuffer_new();

    (void)state;
    put_frame(b, 1, LX_WS_TEXT, 0, 0, "Hello", 5);
    assert_true(buf_equals(b, unmasked, sizeof(unmasked)));
    evbuffer_drain(b, evbuffer_get_length(b));
    put_frame(b, 1, LX_WS_TEXT, 0, 1, "Hello", 5);
    assert_true(buf_equals(b, masked, sizeof(masked)));
    evbuffer_drain(b, evbuffer_get_length(b));
    put_frame(b, 0, LX_WS_TEXT, 0, 0, "Hel", 3);
    assert_true(buf_equals(b, frag1, sizeof(frag1)));
    evbuffer_drain(b, evbuffer_get_length(b));
    put_frame(b, 1, LX_WS_CONT, 0, 0, "lo", 2);
    assert_true(buf_equals(b, frag2, sizeof(frag2)));
    evbuffer_drain(b, evbuffer_get_length(b));
    put_frame(b, 1, LX_WS_PING, 0, 0, "Hello", 5);
    assert_true(buf_equals(b, ping, sizeof(ping)));
    evbuffer_drain(b, evbuffer_get_length(b));
    /* Reserved bits and opcodes can be written on purpose. */
    put_frame(b, 1, 0xB, 7, 0, NULL, 0);
    assert_true(buf_equals(b, "\xfb\x00", 2));
    evbuffer_free(b);
}

static void test_encode_frame_lengths(void **state)
{
    static const struct {
        size_t len;
        uint8_t hdr[10];
        size_t hlen;
    } cases[] = {
        {125, {0x82, 125}, 2},
        {126, {0x82, 126, 0x00, 126}, 4},
        {256, {0x82, 126, 0x01, 0x00}, 4},
        {65535, {0x82, 126, 0xff, 0xff}, 4},
        {65536, {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}, 10},
    };
    struct evbuffer *b = evbuffer_new();
    uint8_t *payload = test_calloc(1, 65536);
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        payload[0] = (uint8_t)i;
        put_frame(b, 1, LX_WS_BINARY, 0, 0, payload, cases[i].len);
        assert_int_equal(evbuffer_get_length(b), cases[i].hlen + cases[i].len);
        assert_memory_equal(evbuffer_pullup(b, -1), cases[i].hdr,
                            cases[i].hlen);
        assert_int_equal(evbuffer_pullup(b, -1)[cases[i].hlen], i);
        evbuffer_drain(b, evbuffer_get_length(b));
    }
    /* Masked: the mask bit, then the key, then the XORed payload. */
    put_frame(b, 1, LX_WS_BINARY, 0, 1, payload, 126);
    assert_int_equal(evbuffer_get_length(b), 4 + 4 + 126);
    assert_int_equal(evbuffer_pullup(b, -1)[1], 0x80 | 126);
    assert_memory_equal(evbuffer_pullup(b, -1) + 4, test_mask, 4);
    assert_int_equal(evbuffer_pullup(b, -1)[8 + 5], test_mask[1]);
    assert_int_equal(lx__ws_encode_frame(b, 1, 16, 0, NULL, NULL, 0),
                     LX_ERR_INVAL);
    assert_int_equal(lx__ws_encode_frame(b, 1, 1, 8, NULL, NULL, 0),
                     LX_ERR_INVAL);
    assert_int_equal(lx__ws_encode_frame(b, 1, 1, 0, NULL, NULL, 3),
                     LX_ERR_INVAL);
    assert_int_equal(lx__ws_encode_frame(NULL, 1, 1, 0, NULL, NULL, 0),
                     LX_ERR_INVAL);
    test_free(payload);
    evbuffer_free(b);
}

/* A client's frame on the wire: the mask is the generator's next 4 bytes. */
static void test_client_frame_wire(void **state)
{
    struct lx_rng rng, twin;
    struct peer c;
    struct evbuffer *want = evbuffer_new();
    uint8_t mask[4];

    (void)state;
    lx_rng_seed(&rng, TEST_SEED);
    lx_rng_seed(&twin, TEST_SEED);
    assert_int_equal(peer_init(&c, lx_test_mem(), LX__WS_CLIENT, NULL, &rng),
                     LX_OK);
    assert_int_equal(lx__ws_send_text(c.ws, "Hello", 5), LX_OK);
    assert_true(lx__ws_want_write(c.ws));
    assert_int_equal(lx__ws_flush(c.ws, c.out), LX_OK);
    assert_false(lx__ws_want_write(c.ws));
    lx_rng_fill(&twin, mask, 4);
    assert_int_equal(lx__ws_encode_frame(want, 1, LX_WS_TEXT, 0, mask,
                                         (const uint8_t *)"Hello", 5),
                     LX_OK);
    assert_int_equal(evbuffer_get_length(c.out), 11);
    assert_memory_equal(evbuffer_pullup(c.out, -1), evbuffer_pullup(want, -1),
                        11);
    /* Every frame gets a fresh mask. */
    evbuffer_drain(c.out, 11);
    assert_int_equal(lx__ws_send_text(c.ws, "Hello", 5), LX_OK);
    assert_int_equal(lx__ws_flush(c.ws, c.out), LX_OK);
    lx_rng_fill(&twin, mask, 4);
    assert_memory_equal(evbuffer_pullup(c.out, -1) + 2, mask, 4);
    peer_done(&c);
    evbuffer_free(want);
}

/* A server's frames are never masked. */
static void test_server_frame_wire(void **state)
{
    struct peer s;

    (void)state;
    assert_int_equal(peer_init(&s, lx_test_mem(), LX__WS_SERVER, NULL, NULL),
                     LX_OK);
    assert_int_equal(lx__ws_send_text(s.ws, "Hello", 5), LX_OK);
    assert_int_equal(lx__ws_flush(s.ws, s.out), LX_OK);
    assert_true(buf_equals(s.out, "\x81\x05Hello", 7));
    peer_done(&s);
}

/* ---- sessions: data ------------------------------------------------------ */

static void fill_pattern(uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        p[i] = (uint8_t)('a' + (i * 7) % 26);
    }
}

/* Header length a server uses for a payload of n bytes. */
static size_t hdr_len(size_t n)
{
    return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

static void echo_one(struct pair *p, int opcode, const uint8_t *data,
                     size_t len)
{
    int rc = opcode == LX_WS_TEXT ? lx__ws_send_text(p->cli.ws, data, len)
                                  : lx__ws_send_binary(p->cli.ws, data, len);

    assert_int_equal(rc, LX_OK);
    assert_int_equal(transfer(&p->cli, &p->srv, 0), LX_OK);
    assert_int_equal(p->srv.last_opcode, opcode);
    assert_true(buf_equals(p->srv.msg, data, len));
    /* The server echoed inside its callback: check the wire, then feed. */
    assert_int_equal(evbuffer_get_length(p->srv.out), hdr_len(len) + len);
    assert_int_equal(evbuffer_pullup(p->srv.out, 1)[0], 0x80 | opcode);
    assert_int_equal(transfer(&p->srv, &p->cli, 0), LX_OK);
    assert_int_equal(p->cli.last_opcode, opcode);
    assert_true(buf_equals(p->cli.msg, data, len));
}

static void test_echo_sizes(void **state)
{
    static const size_t sizes[] = {0,   1,     125,   126,
                                   127, 65535, 65536, 1024 * 1024};
    uint8_t *data = test_malloc(1024 * 1024);
    struct pair p;
    size_t i;

    (void)state;
    fill_pattern(data, 1024 * 1024);
    pair_init(&p, NULL);
    p.srv.echo = 1;
    for (i = 0; i < LX_ARRAY_LEN(sizes); i++) {
        echo_one(&p, LX_WS_TEXT, data, sizes[i]);
        echo_one(&p, LX_WS_BINARY, data, sizes[i]);
    }
    assert_int_equal(p.srv.nmsg, 2 * (int)LX_ARRAY_LEN(sizes));
    assert_int_equal(p.cli.nmsg, 2 * (int)LX_ARRAY_LEN(sizes));
    /* Binary is not UTF-8 checked. */
    echo_one(&p, LX_WS_BINARY, (const uint8_t *)"\xff\xfe\x00", 3);
    pair_done(&p);
    test_free(data);
}

/* Counts frames in a buffer of server (unmasked) frames; checks opcodes. */
static int count_frames(struct evbuffer *b, int first_opcode, int masked)
{
    size_t off = 0, n = evbuffer_get_length(b);
    const uint8_t *d = evbuffer_pullup(b, -1);
    int frames = 0;

    while (off < n) {
        size_t plen = d[off + 1] & 0x7f, h = 2;
        int op = d[off] & 0x0f, fin = d[off] >> 7;

        if (plen == 126) {
            plen = ((size_t)d[off + 2] << 8) | d[off + 3];
            h = 4;
        }
        assert_true(plen != 127);
        assert_int_equal(op, frames == 0 ? first_opcode : LX_WS_CONT);
        h += masked ? 4 : 0;
        off += h + plen;
        frames++;
        assert_int_equal(fin, off == n);
    }
    return frames;
}

static void test_fragmented_send(void **state)
{
    uint8_t *data = test_malloc(10000);
    struct pair p;

    (void)state;
    fill_pattern(data, 10000);
    pair_init(&p, NULL);
    /* 10000 bytes in 100-byte fragments: 100 frames, one message. */
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_TEXT, data, 10000, 100), LX_OK);
    assert_int_equal(lx__ws_flush(p.cli.ws, p.cli.out), LX_OK);
    assert_int_equal(count_frames(p.cli.out, LX_WS_TEXT, 1), 100);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.srv.nmsg, 1);
    assert_true(buf_equals(p.srv.msg, data, 10000));
    /* Fragments are capped at LX__WS_MAX_FRAGMENT: 10000 = 4096+4096+1808. */
    assert_int_equal(
        lx__ws_send_fragmented(p.srv.ws, LX_WS_BINARY, data, 10000, 1 << 20),
        LX_OK);
    assert_int_equal(lx__ws_flush(p.srv.ws, p.srv.out), LX_OK);
    assert_int_equal(count_frames(p.srv.out, LX_WS_BINARY, 0), 3);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.cli.last_opcode, LX_WS_BINARY);
    assert_true(buf_equals(p.cli.msg, data, 10000));
    /* An empty fragmented message is one empty final frame. */
    assert_int_equal(lx__ws_send_fragmented(p.srv.ws, LX_WS_TEXT, NULL, 0, 1),
                     LX_OK);
    assert_int_equal(lx__ws_flush(p.srv.ws, p.srv.out), LX_OK);
    assert_true(buf_equals(p.srv.out, "\x81\x00", 2));
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.cli.nmsg, 2);
    assert_int_equal(evbuffer_get_length(p.cli.msg), 0);
    pair_done(&p);
    test_free(data);
}

/* Frames of a fragmented text split a multi-byte character: still valid. */
static void test_fragmented_receive(void **state)
{
    struct pair p;
    struct evbuffer *in = evbuffer_new();

    (void)state;
    pair_init(&p, NULL);
    put_frame(in, 0, LX_WS_TEXT, 0, 1, "price \xe2", 7);
    put_frame(in, 1, LX_WS_PING, 0, 1, "hb", 2); /* control in between */
    put_frame(in, 0, LX_WS_CONT, 0, 1, "\x82", 1);
    put_frame(in, 1, LX_WS_CONT, 0, 1, "\xac 5", 3);
    assert_int_equal(
        feed_raw(&p.srv, evbuffer_pullup(in, -1), evbuffer_get_length(in)),
        LX_OK);
    assert_string_equal(p.srv.log, "P2 T11 ");
    assert_true(buf_equals(p.srv.msg, "price \xe2\x82\xac 5", 11));
    /* The auto-pong for the ping went out, unmasked. */
    assert_true(buf_equals(p.srv.out, "\x8a\x02hb", 4));
    pair_done(&p);
    evbuffer_free(in);
}

static void test_ping_pong(void **state)
{
    struct pair p;

    (void)state;
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_ping(p.cli.ws, "abc", 3), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    /* The server saw the ping and wslay answered it: the client got it. */
    assert_int_equal(p.srv.nping, 1);
    assert_memory_equal(p.srv.ping, "abc", 3);
    assert_int_equal(p.cli.npong, 1);
    assert_int_equal(p.cli.pong_len, 3);
    assert_memory_equal(p.cli.pong, "abc", 3);
    /* The other way round, with an empty and with a maximal payload. */
    assert_int_equal(lx__ws_send_ping(p.srv.ws, NULL, 0), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.cli.nping, 1);
    assert_int_equal(p.srv.npong, 1);
    assert_int_equal(p.srv.pong_len, 0);
    {
        uint8_t big[LX_WS_MAX_CONTROL_PAYLOAD + 1];

        fill_pattern(big, sizeof(big));
        assert_int_equal(lx__ws_send_ping(p.srv.ws, big, sizeof(big) - 1),
                         LX_OK);
        assert_int_equal(lx__ws_send_ping(p.srv.ws, big, sizeof(big)),
                         LX_ERR_INVAL);
        assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
        assert_int_equal(p.srv.pong_len, LX_WS_MAX_CONTROL_PAYLOAD);
        assert_memory_equal(p.srv.pong, big, LX_WS_MAX_CONTROL_PAYLOAD);
    }
    assert_int_equal(p.cli.nclose + p.srv.nclose, 0);
    pair_done(&p);
}

/* ---- sessions: closing --------------------------------------------------- */

static void close_both_ways(struct peer *a, struct peer *b, uint16_t code,
                            const char *reason, int want_code)
{
    assert_int_equal(lx__ws_close_code(a->ws), 0);
    assert_int_equal(lx__ws_send_close(a->ws, code, reason), LX_OK);
    assert_int_equal(lx__ws_close_code(a->ws), want_code);
    assert_false(lx__ws_is_closed(a->ws));
    assert_int_equal(pump(a, b), LX_OK);
    /* b saw the close and echoed it; a saw the echo. */
    assert_int_equal(b->nclose, 1);
    assert_int_equal(b->close_code, want_code);
    assert_string_equal(b->close_reason, reason != NULL ? reason : "");
    assert_int_equal(a->nclose, 1);
    assert_int_equal(a->close_code, want_code);
    assert_true(lx__ws_is_closed(a->ws));
    assert_true(lx__ws_is_closed(b->ws));
    assert_false(lx__ws_want_read(a->ws));
    assert_false(lx__ws_want_write(b->ws));
    assert_int_equal(lx__ws_close_code(a->ws), want_code);
    assert_int_equal(lx__ws_close_code(b->ws), want_code);
    assert_string_equal(lx__ws_close_reason(b->ws, NULL),
                        reason != NULL ? reason : "");
    /* Nothing can be sent any more, by either side. */
    assert_int_equal(lx__ws_send_text(a->ws, "x", 1), LX_ERR_STATE);
    assert_int_equal(lx__ws_send_ping(b->ws, "x", 1), LX_ERR_STATE);
    assert_int_equal(lx__ws_send_close(b->ws, 1000, NULL), LX_ERR_STATE);
}

static void test_close_client_initiated(void **state)
{
    struct pair p;
    size_t n;

    (void)state;
    pair_init(&p, NULL);
    close_both_ways(&p.cli, &p.srv, LX_WS_CLOSE_NORMAL, "bye", 1000);
    assert_string_equal(lx__ws_close_reason(p.cli.ws, &n), "bye");
    assert_int_equal(n, 3);
    pair_done(&p);
}

static void test_close_server_initiated(void **state)
{
    struct pair p;
    char reason[LX_WS_MAX_CLOSE_REASON + 1];

    (void)state;
    memset(reason, 'r', LX_WS_MAX_CLOSE_REASON);
    reason[LX_WS_MAX_CLOSE_REASON] = '\0';
    pair_init(&p, NULL);
    close_both_ways(&p.srv, &p.cli, 4001, reason, 4001);
    pair_done(&p);
    /* A close without a status code is reported as 1005. */
    pair_init(&p, NULL);
    close_both_ways(&p.srv, &p.cli, 0, NULL, LX_WS_CLOSE_NO_STATUS);
    pair_done(&p);
    pair_init(&p, NULL);
    close_both_ways(&p.cli, &p.srv, LX_WS_CLOSE_GOING_AWAY, "", 1001);
    pair_done(&p);
}

/* Messages queued before a close go out before it, in order. */
static void test_close_after_queued(void **state)
{
    struct pair p;

    (void)state;
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_text(p.cli.ws, "one", 3), LX_OK);
    assert_int_equal(lx__ws_send_binary(p.cli.ws, "two", 3), LX_OK);
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_TEXT, "three", 5, 2), LX_OK);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, "done"), LX_OK);
    assert_true(lx__ws_want_write(p.cli.ws));
    /* Once the close is queued nothing else is. */
    assert_int_equal(lx__ws_send_text(p.cli.ws, "four", 4), LX_ERR_STATE);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, NULL), LX_ERR_STATE);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_string_equal(p.srv.log, "T3 B3 T5 C1000 ");
    assert_string_equal(p.srv.close_reason, "done");
    assert_true(lx__ws_is_closed(p.cli.ws));
    assert_true(lx__ws_is_closed(p.srv.ws));
    pair_done(&p);
    /* A waiting close without a code goes out as an empty close frame. */
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_binary(p.srv.ws, "x", 1), LX_OK);
    assert_int_equal(lx__ws_send_close(p.srv.ws, 0, NULL), LX_OK);
    assert_int_equal(lx__ws_flush(p.srv.ws, p.srv.out), LX_OK);
    assert_true(buf_equals(p.srv.out, "\x82\x01x\x88\x00", 5));
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.cli.close_code, LX_WS_CLOSE_NO_STATUS);
    assert_int_equal(lx__ws_close_code(p.srv.ws), LX_WS_CLOSE_NO_STATUS);
    pair_done(&p);
}

/* Closes that cross: each side answers with its own close, not an echo. */
static void test_close_crossing(void **state)
{
    struct pair p;

    (void)state;
    pair_init(&p, NULL);
    /* Both start closing at once. */
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, "client"), LX_OK);
    assert_int_equal(lx__ws_send_close(p.srv.ws, 1001, "server"), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.cli.close_code, 1001);
    assert_string_equal(p.cli.close_reason, "server");
    assert_int_equal(p.srv.close_code, 1000);
    assert_string_equal(p.srv.close_reason, "client");
    assert_true(lx__ws_is_closed(p.cli.ws) && lx__ws_is_closed(p.srv.ws));
    pair_done(&p);
    /* The peer's close arrives while ours waits behind a message. */
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_text(p.cli.ws, "last", 4), LX_OK);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, "mine"), LX_OK);
    assert_int_equal(lx__ws_send_close(p.srv.ws, 4000, "theirs"), LX_OK);
    assert_int_equal(transfer(&p.srv, &p.cli, 0), LX_OK);
    assert_int_equal(p.cli.close_code, 4000);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_string_equal(p.srv.log, "T4 C1000 ");
    assert_string_equal(p.srv.close_reason, "mine");
    assert_int_equal(lx__ws_close_code(p.cli.ws), 4000);
    assert_true(lx__ws_is_closed(p.cli.ws) && lx__ws_is_closed(p.srv.ws));
    pair_done(&p);
}

/* After the peer's close, further bytes are ignored. */
static void test_input_after_close(void **state)
{
    struct pair p;

    (void)state;
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, NULL), LX_OK);
    assert_int_equal(transfer(&p.cli, &p.srv, 0), LX_OK);
    assert_int_equal(p.srv.nclose, 1);
    assert_false(lx__ws_want_read(p.srv.ws));
    assert_int_equal(lx__ws_feed(p.srv.ws, (const uint8_t *)"\xff\xff", 2),
                     LX_OK);
    assert_int_equal(p.srv.nmsg, 0);
    assert_int_equal(lx__ws_close_code(p.srv.ws), 1000);
    pair_done(&p);
}

static void test_send_close_args(void **state)
{
    static const uint16_t bad[] = {1,    999,  1004, 1005, 1006,
                                   1012, 1015, 2999, 5000};
    char longr[LX_WS_MAX_CLOSE_REASON + 2];
    struct pair p;
    size_t i;

    (void)state;
    pair_init(&p, NULL);
    for (i = 0; i < LX_ARRAY_LEN(bad); i++) {
        assert_int_equal(lx__ws_send_close(p.cli.ws, bad[i], NULL),
                         LX_ERR_INVAL);
    }
    memset(longr, 'x', sizeof(longr) - 1);
    longr[sizeof(longr) - 1] = '\0';
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, longr), LX_ERR_INVAL);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 1000, "\xc0\xaf"),
                     LX_ERR_INVAL);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 0, "reason"), LX_ERR_INVAL);
    /* None of those closed anything. */
    assert_int_equal(lx__ws_close_code(p.cli.ws), 0);
    assert_int_equal(lx__ws_send_text(p.cli.ws, "ok", 2), LX_OK);
    assert_int_equal(lx__ws_send_close(p.cli.ws, 3000, "app"), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.srv.close_code, 3000);
    pair_done(&p);
}

/* ---- sessions: violations ------------------------------------------------ */

static void test_max_message(void **state)
{
    struct lx__ws_opts o = {1000};
    uint8_t data[1001];
    struct pair p;

    (void)state;
    fill_pattern(data, sizeof(data));
    pair_init(&p, &o);
    assert_int_equal(lx__ws_send_binary(p.cli.ws, data, 1000), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.srv.nmsg, 1);
    assert_int_equal(lx__ws_send_binary(p.cli.ws, data, 1001), LX_OK);
    assert_int_equal(transfer(&p.cli, &p.srv, 0), LX_ERR_TOOBIG);
    assert_int_equal(p.srv.nmsg, 1);
    assert_int_equal(lx__ws_close_code(p.srv.ws), LX_WS_CLOSE_TOO_BIG);
    assert_false(lx__ws_want_read(p.srv.ws));
    assert_int_equal(lx__ws_flush(p.srv.ws, p.srv.out), LX_OK);
    assert_close_frame(&p.srv, LX_WS_CLOSE_TOO_BIG);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.cli.close_code, LX_WS_CLOSE_TOO_BIG);
    assert_true(lx__ws_is_closed(p.srv.ws));
    assert_true(lx__ws_is_closed(p.cli.ws));
    pair_done(&p);
}

/* The cap counts all fragments of a message, and only of one message. */
static void test_max_message_fragmented(void **state)
{
    struct lx__ws_opts o = {1000};
    uint8_t data[1001];
    struct pair p;

    (void)state;
    fill_pattern(data, sizeof(data));
    pair_init(&p, &o);
    /* Two messages of exactly the cap, each in four fragments. */
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_TEXT, data, 1000, 300), LX_OK);
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_BINARY, data, 1000, 300), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.srv.nmsg, 2);
    /* 600 + 401: the second fragment takes the message over the cap. */
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_BINARY, data, 1001, 600), LX_OK);
    assert_int_equal(transfer(&p.cli, &p.srv, 7), LX_ERR_TOOBIG);
    assert_int_equal(p.srv.nmsg, 2);
    assert_int_equal(lx__ws_close_code(p.srv.ws), LX_WS_CLOSE_TOO_BIG);
    assert_int_equal(lx__ws_flush(p.srv.ws, p.srv.out), LX_OK);
    assert_close_frame(&p.srv, LX_WS_CLOSE_TOO_BIG);
    pair_done(&p);
}

struct bad_case {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    int role; /* who receives it */
    int rc;
    int code;
};

/* Frames every peer must reject, and the close code that answers them. */
static const struct bad_case bad_cases[] = {
    {"unmasked frame to a server",
     {0x81, 0x02, 'h', 'i'},
     4,
     LX__WS_SERVER,
     LX_ERR_PROTO,
     1002},
    {"masked frame to a client",
     {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2},
     8,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"reserved data opcode 3",
     {0x83, 0x80, 0, 0, 0, 0},
     6,
     LX__WS_SERVER,
     LX_ERR_PROTO,
     1002},
    {"reserved control opcode 0xB",
     {0x8B, 0x00},
     2,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"RSV1 without an extension",
     {0xC1, 0x80, 0, 0, 0, 0},
     6,
     LX__WS_SERVER,
     LX_ERR_PROTO,
     1002},
    {"RSV3 on a ping", {0x99, 0x00}, 2, LX__WS_CLIENT, LX_ERR_PROTO, 1002},
    {"continuation with nothing to continue",
     {0x80, 0x01, 'x'},
     3,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"new message inside a fragmented one",
     {0x01, 0x01, 'a', 0x81, 0x01, 'b'},
     6,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"ping with 126 bytes",
     {0x89, 0x7E, 0x00, 0x7E},
     4,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"fragmented ping",
     {0x09, 0x01, 'x'},
     3,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"close frame with an invalid code",
     {0x88, 0x02, 0x03, 0xE7},
     4,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"close frame with code 1005",
     {0x88, 0x02, 0x03, 0xED},
     4,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"16-bit length below 126",
     {0x82, 0x7E, 0x00, 0x05},
     4,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"64-bit length below 65536",
     {0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF},
     10,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"64-bit length with the top bit",
     {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0},
     10,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"announced 2^40 bytes",
     {0x82, 0x7F, 0, 0, 1, 0, 0, 0, 0, 0},
     10,
     LX__WS_CLIENT,
     LX_ERR_TOOBIG,
     1009},
    {"invalid UTF-8 text",
     {0x81, 0x02, 0xC0, 0xAF},
     4,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1007},
    {"surrogate in text",
     {0x81, 0x03, 0xED, 0xA0, 0x80},
     5,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1007},
    {"truncated UTF-8 at the end of a message",
     {0x81, 0x02, 'a', 0xE2},
     4,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1007},
    {"invalid UTF-8 in a close reason",
     {0x88, 0x03, 0x03, 0xE8, 0xFF},
     5,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1007},
    {"truncated UTF-8 in a close reason",
     {0x88, 0x05, 0x03, 0xE8, 'o', 'k', 0xE2},
     7,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1007},
    {"masked close with a bad reason to a server",
     {0x88, 0x84, 0, 0, 0, 0, 0x03, 0xE8, 0xC0, 0x80},
     10,
     LX__WS_SERVER,
     LX_ERR_PROTO,
     1007},
    {"close frame with a one-byte body",
     {0x88, 0x01, 0x03},
     3,
     LX__WS_CLIENT,
     LX_ERR_PROTO,
     1002},
    {"close frame with code 999 to a server",
     {0x88, 0x82, 9, 8, 7, 6, 0x03 ^ 9, 0xE7 ^ 8},
     8,
     LX__WS_SERVER,
     LX_ERR_PROTO,
     1002},
};

/*
 * Feeds a good message, then the bad bytes (all at once or byte by byte),
 * and checks the result, that nothing was delivered from the bad frame,
 * and that exactly one close frame with the code went out.
 */
static void run_bad_case(const struct bad_case *c, size_t step)
{
    struct lx_rng rng;
    struct peer p;
    struct evbuffer *in = evbuffer_new();
    size_t off = 0;
    int rc = LX_OK;

    lx_rng_seed(&rng, TEST_SEED);
    assert_int_equal(peer_init(&p, lx_test_mem(), c->role, NULL, &rng), LX_OK);
    put_frame(in, 1, LX_WS_TEXT, 0, c->role == LX__WS_SERVER, "ok", 2);
    evbuffer_add(in, c->bytes, c->len);
    while (off < evbuffer_get_length(in) && rc == LX_OK) {
        size_t n = evbuffer_get_length(in) - off;

        n = step != 0 && step < n ? step : n;
        rc = lx__ws_feed(p.ws, evbuffer_pullup(in, -1) + off, n);
        off += n;
    }
    if (rc != c->rc) {
        fail_msg("%s (step %zu): got %s", c->name, step, lx_err_name(rc));
    }
    assert_string_equal(p.log, "T2 ");
    assert_false(lx__ws_want_read(p.ws));
    assert_int_equal(lx__ws_flush(p.ws, p.out), LX_OK);
    if (c->role == LX__WS_SERVER) {
        assert_close_frame(&p, c->code);
    } else {
        /* A client masks its close: check the header and the code. */
        const uint8_t *d = evbuffer_pullup(p.out, -1);

        assert_int_equal(evbuffer_get_length(p.out), 8);
        assert_int_equal(d[0], 0x88);
        assert_int_equal(d[1], 0x82);
        assert_int_equal(((d[6] ^ d[2]) << 8) | (d[7] ^ d[3]), c->code);
    }
    assert_int_equal(lx__ws_close_code(p.ws), c->code);
    assert_true(lx__ws_is_closed(p.ws));
    /* Anything after the violation is ignored. */
    assert_int_equal(lx__ws_feed(p.ws, c->bytes, c->len), LX_OK);
    peer_done(&p);
    evbuffer_free(in);
}

static void test_bad_frames(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(bad_cases); i++) {
        run_bad_case(&bad_cases[i], 0);
        run_bad_case(&bad_cases[i], 1);
    }
}

/* Bytes after a good close frame in the same read are not a violation. */
static void test_garbage_after_close(void **state)
{
    struct lx_rng rng;
    struct peer p;
    static const uint8_t in[] = {0x88, 0x02, 0x03, 0xE8, 0x89, 0x7E, 0, 0};

    (void)state;
    lx_rng_seed(&rng, TEST_SEED);
    assert_int_equal(peer_init(&p, lx_test_mem(), LX__WS_CLIENT, NULL, &rng),
                     LX_OK);
    assert_int_equal(lx__ws_feed(p.ws, in, sizeof(in)), LX_OK);
    assert_int_equal(p.nclose, 1);
    assert_int_equal(lx__ws_close_code(p.ws), 1000);
    peer_done(&p);
}

/*
 * A close frame with a multi-byte reason, split at every point: always
 * the same clean close (wslay 1.1.1 alone fails some splits with 1007).
 */
static void test_close_reason_split(void **state)
{
    static const char reason[] = "bye \xe2\x82\xac \xf0\x9f\x9a\x80";
    uint8_t body[2 + sizeof(reason)];
    struct evbuffer *in = evbuffer_new();
    size_t k, n;

    (void)state;
    body[0] = 0x0F; /* 4000 */
    body[1] = 0xA0;
    memcpy(body + 2, reason, sizeof(reason) - 1);
    put_frame(in, 1, LX_WS_CLOSE, 0, 1, body, sizeof(body) - 1);
    n = evbuffer_get_length(in);
    for (k = 0; k <= n; k++) {
        const uint8_t *d = evbuffer_pullup(in, -1);
        struct peer s;

        assert_int_equal(
            peer_init(&s, lx_test_mem(), LX__WS_SERVER, NULL, NULL), LX_OK);
        assert_int_equal(lx__ws_feed(s.ws, d, k), LX_OK);
        assert_int_equal(s.nclose, k == n ? 1 : 0);
        assert_int_equal(lx__ws_feed(s.ws, d + k, n - k), LX_OK);
        assert_int_equal(s.nclose, 1);
        assert_int_equal(s.close_code, 4000);
        assert_string_equal(s.close_reason, reason);
        /* The echo carries the same code and reason. */
        assert_int_equal(lx__ws_flush(s.ws, s.out), LX_OK);
        assert_int_equal(evbuffer_get_length(s.out), sizeof(body) + 1);
        assert_memory_equal(evbuffer_pullup(s.out, -1) + 2, body,
                            sizeof(body) - 1);
        assert_true(lx__ws_is_closed(s.ws));
        peer_done(&s);
    }
    evbuffer_free(in);
}

/* ---- sessions: feeding and API contracts --------------------------------- */

/* The same traffic fed one byte at a time gives the same events. */
static void test_byte_at_a_time(void **state)
{
    uint8_t *data = test_malloc(70000);
    struct pair p;

    (void)state;
    fill_pattern(data, 70000);
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_text(p.cli.ws, "Hello", 5), LX_OK);
    assert_int_equal(lx__ws_send_binary(p.cli.ws, data, 300), LX_OK);
    assert_int_equal(lx__ws_send_ping(p.cli.ws, "p", 1), LX_OK);
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_TEXT, data, 1000, 333), LX_OK);
    assert_int_equal(lx__ws_send_binary(p.srv.ws, data, 70000), LX_OK);
    assert_int_equal(pump_step(&p.cli, &p.srv, 1), LX_OK);
    assert_string_equal(p.srv.log, "P1 T5 B300 T1000 ");
    assert_true(buf_equals(p.srv.msg, data, 1000));
    /* wslay sends control frames (the pong) ahead of queued messages. */
    assert_string_equal(p.cli.log, "p1 B70000 ");
    assert_true(buf_equals(p.cli.msg, data, 70000));
    assert_int_equal(lx__ws_send_close(p.srv.ws, 1000, "ok"), LX_OK);
    assert_int_equal(pump_step(&p.cli, &p.srv, 1), LX_OK);
    assert_int_equal(p.cli.close_code, 1000);
    assert_true(lx__ws_is_closed(p.cli.ws) && lx__ws_is_closed(p.srv.ws));
    pair_done(&p);
    test_free(data);
}

/* Feeding from inside a callback is refused; sending and flushing work. */
static void test_reentrancy(void **state)
{
    struct pair p;

    (void)state;
    pair_init(&p, NULL);
    p.srv.try_reenter = 1;
    p.srv.echo = 1;
    p.srv.feed_rc = 12345;
    assert_int_equal(lx__ws_send_text(p.cli.ws, "hi", 2), LX_OK);
    assert_int_equal(pump(&p.cli, &p.srv), LX_OK);
    assert_int_equal(p.srv.feed_rc, LX_ERR_STATE);
    assert_int_equal(p.cli.nmsg, 1);
    assert_true(buf_equals(p.cli.msg, "hi", 2));
    pair_done(&p);
}

static void test_api_errors(void **state)
{
    struct lx__ws *ws = NULL;
    struct lx_rng rng;
    struct pair p;

    (void)state;
    lx_rng_seed(&rng, 1);
    assert_int_equal(
        lx__ws_new(NULL, NULL, LX__WS_SERVER, NULL, NULL, NULL, NULL),
        LX_ERR_INVAL);
    assert_int_equal(lx__ws_new(&ws, NULL, 7, NULL, NULL, NULL, &rng),
                     LX_ERR_INVAL);
    assert_null(ws);
    assert_int_equal(
        lx__ws_new(&ws, NULL, LX__WS_CLIENT, NULL, NULL, NULL, NULL),
        LX_ERR_INVAL);
    lx__ws_free(NULL);
    pair_init(&p, NULL);
    assert_int_equal(lx__ws_send_text(p.cli.ws, "\xff", 1), LX_ERR_INVAL);
    assert_int_equal(lx__ws_send_text(p.cli.ws, NULL, 1), LX_ERR_INVAL);
    assert_int_equal(lx__ws_send_fragmented(p.cli.ws, LX_WS_PING, "x", 1, 1),
                     LX_ERR_INVAL);
    assert_int_equal(lx__ws_send_fragmented(p.cli.ws, LX_WS_TEXT, "x", 1, 0),
                     LX_ERR_INVAL);
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_TEXT, "\xe2\x82", 2, 1),
        LX_ERR_INVAL);
    assert_int_equal(lx__ws_feed(p.cli.ws, NULL, 1), LX_ERR_INVAL);
    assert_int_equal(lx__ws_feed(p.cli.ws, NULL, 0), LX_OK);
    assert_int_equal(lx__ws_flush(p.cli.ws, NULL), LX_ERR_INVAL);
    /* Nothing was queued by the failed calls. */
    assert_false(lx__ws_want_write(p.cli.ws));
    assert_true(lx__ws_want_read(p.cli.ws));
    assert_false(lx__ws_is_closed(p.cli.ws));
    assert_int_equal(lx__ws_flush(p.cli.ws, p.cli.out), LX_OK);
    assert_int_equal(evbuffer_get_length(p.cli.out), 0);
    pair_done(&p);
}

/* Two clients seeded alike write identical bytes. */
static void test_deterministic(void **state)
{
    struct lx_rng r1, r2;
    struct peer a, b;

    (void)state;
    lx_rng_seed(&r1, 42);
    lx_rng_seed(&r2, 42);
    assert_int_equal(peer_init(&a, lx_test_mem(), LX__WS_CLIENT, NULL, &r1),
                     LX_OK);
    assert_int_equal(peer_init(&b, lx_test_mem(), LX__WS_CLIENT, NULL, &r2),
                     LX_OK);
    assert_int_equal(lx__ws_send_text(a.ws, "same", 4), LX_OK);
    assert_int_equal(lx__ws_send_text(b.ws, "same", 4), LX_OK);
    assert_int_equal(lx__ws_send_close(a.ws, 1000, "x"), LX_OK);
    assert_int_equal(lx__ws_send_close(b.ws, 1000, "x"), LX_OK);
    assert_int_equal(lx__ws_flush(a.ws, a.out), LX_OK);
    assert_int_equal(lx__ws_flush(b.ws, b.out), LX_OK);
    assert_int_equal(evbuffer_get_length(a.out), 2 + 4 + 4 + 2 + 4 + 3);
    assert_true(buf_equals(a.out, evbuffer_pullup(b.out, -1),
                           evbuffer_get_length(b.out)));
    peer_done(&a);
    peer_done(&b);
}

/* Freeing a session with unsent fragmented messages leaks nothing. */
static void test_free_with_queued(void **state)
{
    struct pair p;

    (void)state;
    pair_init(&p, NULL);
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_BINARY, "abcdef", 6, 2), LX_OK);
    assert_int_equal(
        lx__ws_send_fragmented(p.cli.ws, LX_WS_BINARY, "ghijkl", 6, 2), LX_OK);
    assert_int_equal(lx__ws_send_text(p.cli.ws, "t", 1), LX_OK);
    pair_done(&p); /* CMocka reports any block the session kept */
}

/* ---- failmalloc ---------------------------------------------------------- */

/*
 * A whole session on a failing allocator: only the session objects and
 * fragmented-message copies come from it (wslay uses libc). Every failure
 * must surface as LX_ERR_NOMEM and leak nothing.
 */
static int session_scenario(const struct lx_mem *mem, void *ud)
{
    struct lx_rng rng;
    struct peer c, s;
    int rc;

    LX_UNUSED(ud);
    lx_rng_seed(&rng, TEST_SEED);
    rc = peer_init(&c, mem, LX__WS_CLIENT, NULL, &rng);
    if (rc != LX_OK) {
        peer_done(&c);
        return rc;
    }
    rc = peer_init(&s, mem, LX__WS_SERVER, NULL, NULL);
    if (rc != LX_OK) {
        peer_done(&c);
        peer_done(&s);
        return rc;
    }
    rc = lx__ws_send_fragmented(c.ws, LX_WS_TEXT, "fragmented", 10, 3);
    if (rc == LX_OK) {
        rc = lx__ws_send_fragmented(s.ws, LX_WS_BINARY, "back", 4, 1);
    }
    if (rc == LX_OK) {
        rc = lx__ws_send_text(c.ws, "whole", 5);
    }
    if (rc == LX_OK) {
        rc = pump(&c, &s);
    }
    if (rc == LX_OK) {
        rc = lx__ws_send_close(c.ws, 1000, "end");
    }
    if (rc == LX_OK) {
        rc = pump(&c, &s);
    }
    if (rc == LX_OK && (s.nmsg != 2 || c.nmsg != 1 || s.nclose != 1 ||
                        !lx__ws_is_closed(c.ws))) {
        rc = LX_ERR_INTERNAL;
    }
    peer_done(&c);
    peer_done(&s);
    return rc;
}

static void test_failmalloc(void **state)
{
    (void)state;
    lx_test_failmalloc(session_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_vector),
        cmocka_unit_test(test_make_key),
        cmocka_unit_test(test_check_client_request),
        cmocka_unit_test(test_check_server_response),
        cmocka_unit_test(test_utf8_table),
        cmocka_unit_test(test_utf8_exhaustive),
        cmocka_unit_test(test_encode_frame_rfc),
        cmocka_unit_test(test_encode_frame_lengths),
        cmocka_unit_test(test_client_frame_wire),
        cmocka_unit_test(test_server_frame_wire),
        cmocka_unit_test(test_echo_sizes),
        cmocka_unit_test(test_fragmented_send),
        cmocka_unit_test(test_fragmented_receive),
        cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_close_client_initiated),
        cmocka_unit_test(test_close_server_initiated),
        cmocka_unit_test(test_close_after_queued),
        cmocka_unit_test(test_close_crossing),
        cmocka_unit_test(test_input_after_close),
        cmocka_unit_test(test_send_close_args),
        cmocka_unit_test(test_max_message),
        cmocka_unit_test(test_max_message_fragmented),
        cmocka_unit_test(test_bad_frames),
        cmocka_unit_test(test_garbage_after_close),
        cmocka_unit_test(test_close_reason_split),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_reentrancy),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_free_with_queued),
        cmocka_unit_test(test_failmalloc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
