/*
 * test_mock_door.c - the mock's front door and Binance request
 * authentication, driven by the real HTTP client over an in-memory pair on
 * a virtual clock (so rate-limit windows and timestamps are exact).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/auth.h"
#include "mock/venues/binance/dialect.h"
#include "mock/server/fault.h"
#include "lx_test.h"

/* The official example key pair of the Binance API docs. */
#define DOC_KEY                                                                \
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
#define DOC_SECRET                                                             \
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
#define DOC_TS 1499827319559LL
#define DOC_PARAMS                                                             \
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"   \
    "&recvWindow=5000&timestamp=1499827319559"
#define DOC_SIG                                                                \
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
/* Example 3 of the docs: part in the query, part in the body. */
#define DOC_Q3 "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
#define DOC_B3 "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
#define DOC_SIG3                                                               \
    "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77"
#define MS ((int64_t)1000000)

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_http_client *cli;
    struct lx_mock_door *door;
    struct lx_secret *secret;
    struct lx_mock_bn_key key;
    int nresp;
    int status;
    char body[512];
    char weight[32];
    char retry[32];
};

static void route_ping(struct lx_mock_call *c, void *ud)
{
    (void)ud;
    lx_mock_respond_json(c, 200, "{}", 2);
}

/* Echoes the decoded parameters in order as k=v;k=v. */
static void route_echo(struct lx_mock_call *c, void *ud)
{
    const struct lx_query *q = lx_mock_call_params(c);
    char out[256];
    size_t i, n = 0, vlen;

    (void)ud;
    out[0] = '\0';
    for (i = 0; i < lx_query_count(q); i++) {
        const char *v = lx_query_value(q, i, &vlen);
        int w =
            lx__snprintf(out + n, sizeof(out) - n, "%s%s=%.*s",
                         i > 0 ? ";" : "", lx_query_key(q, i), (int)vlen, v);

        assert_true(w > 0);
        n += (size_t)w;
    }
    lx_mock_respond(c, 200, NULL, "text/plain", out, n);
}

static void route_signed(struct lx_mock_call *c, void *ud)
{
    struct fx *f = ud;
    const struct lx_mock_bn_key *key;
    struct lx_mock_bn_err err;

    if (lx_mock_bn_authenticate(c, LX_MOCK_BN_SIGNED, &f->key, 1, &key, &err) !=
        LX_OK) {
        lx_mock_bn_respond_err(c, &err);
        return;
    }
    assert_ptr_equal(key, &f->key);
    lx_mock_respond_json(c, 200, "{\"ok\":true}", 11);
}

static int setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_limits lim = {10, 0, 0, 1, 30};

    f->base = event_base_new();
    assert_int_equal(
        lx_clock_new_virtual(&f->clock, NULL, f->base, (DOC_TS + 100) * MS),
        LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binance",
                                      &lx_mock_bn_dialect, &lim),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    assert_int_equal(
        lx_secret_new(&f->secret, NULL, DOC_SECRET, strlen(DOC_SECRET)), LX_OK);
    f->key.api_key = DOC_KEY;
    f->key.secret = f->secret;
    f->key.account = 7;
    assert_int_equal(
        lx_mock_door_route(f->door, "GET", "/api/v3/ping", 1, 0, route_ping, f),
        LX_OK);
    assert_int_equal(
        lx_mock_door_route(f->door, "POST", "/echo", 1, 0, route_echo, f),
        LX_OK);
    assert_int_equal(
        lx_mock_door_route(f->door, "GET", "/echo", 1, 0, route_echo, f),
        LX_OK);
    assert_int_equal(lx_mock_door_route(f->door, "POST", "/api/v3/order", 1,
                                        LX_MOCK_ROUTE_ORDER, route_signed, f),
                     LX_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_http_client_free(f->cli);
    lx_http_server_free(f->srv);
    lx_mock_door_free(f->door);
    lx_secret_free(f->secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

static void resp_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct fx *f = ud;
    const char *b, *h;
    size_t n = 0;

    f->nresp++;
    assert_int_equal(err, LX_OK);
    (void)errmsg;
    f->status = lx_http_msg_status(resp);
    b = lx_http_msg_body(resp, &n);
    lx__snprintf(f->body, sizeof(f->body), "%.*s", (int)n, b != NULL ? b : "");
    h = lx_http_msg_header(resp, "X-MBX-USED-WEIGHT-1M", NULL);
    lx__snprintf(f->weight, sizeof(f->weight), "%s", h != NULL ? h : "");
    h = lx_http_msg_header(resp, "Retry-After", NULL);
    lx__snprintf(f->retry, sizeof(f->retry), "%s", h != NULL ? h : "");
}

/* Sends one request and runs the virtual clock until it is answered. */
static void call(struct fx *f, const char *method, const char *target,
                 const char *body, const char *api_key)
{
    struct lx_http_msg *m;
    int want = f->nresp + 1;

    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    if (api_key != NULL) {
        assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", api_key),
                         LX_OK);
    }
    if (body != NULL) {
        assert_int_equal(
            lx_http_msg_add_header(m, "Content-Type",
                                   "application/x-www-form-urlencoded"),
            LX_OK);
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    assert_int_equal(lx_http_client_send(f->cli, "https://api.binance.com", m,
                                         0, resp_cb, f),
                     LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    assert_int_equal(f->nresp, want);
}

static void test_routes(void **state)
{
    struct fx *f = *state;

    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "{}");
    assert_string_equal(f->weight, "1");
    call(f, "GET", "/api/v3/nothing", NULL, NULL);
    assert_int_equal(f->status, 404);
    call(f, "DELETE", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 405);
    assert_int_equal(
        lx_mock_door_route(f->door, "GET", "/api/v3/ping", 1, 0, route_ping, f),
        LX_ERR_EXISTS);
    assert_int_equal(
        lx_mock_door_route(f->door, "GET", "no-slash", 1, 0, route_ping, f),
        LX_ERR_INVAL);
}

static void test_params_query_then_body(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/echo?symbol=BTCUSDT&note=a%20b", "side=BUY&qty=0.001",
         NULL);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "symbol=BTCUSDT;note=a b;side=BUY;qty=0.001");
    call(f, "GET", "/echo?bad=%zz", NULL, NULL);
    assert_int_equal(f->status, 400);
    assert_string_equal(f->body, "{\"code\":-1100,\"msg\":\"Illegal characters "
                                 "found in a parameter.\"}");
}

/* Sends without waiting for the answer. */
static void send_only(struct fx *f, const char *target)
{
    struct lx_http_msg *m;

    assert_int_equal(lx_http_msg_new_request(&m, NULL, "GET", target), LX_OK);
    assert_int_equal(lx_http_client_send(f->cli, "https://api.binance.com", m,
                                         0, resp_cb, f),
                     LX_OK);
}

static void add_rule(struct fx *f, const char *path, int64_t delay_ms,
                     int status)
{
    struct lx_mock_fault r;
    const char *why = "";

    memset(&r, 0, sizeof(r));
    lx__snprintf(r.path, sizeof(r.path), "%s", path);
    r.remaining = 1;
    r.delay_ms = delay_ms;
    r.status = status;
    r.retry_after_s = -1;
    assert_int_equal(
        lx_mock_faults_add(lx_mock_door_faults(f->door), &r, NULL, &why),
        LX_OK);
}

/* A delay is an lx_clock timer: on a virtual clock, exactly to the ms. */
static void test_fault_delay_on_clock(void **state)
{
    struct fx *f = *state;
    int64_t t0 = lx_clock_mono_ns(f->clock);

    add_rule(f, "/api/v3/ping", 250, 0);
    send_only(f, "/api/v3/ping");
    assert_int_equal(lx_clock_run(f->clock, t0 + 249 * MS), LX_OK);
    assert_int_equal(f->nresp, 0);
    assert_int_equal(lx_clock_run(f->clock, t0 + 250 * MS), LX_OK);
    assert_int_equal(f->nresp, 1);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->weight, "1"); /* charged when served */
    /* Delay and status: the error comes after the delay, no weight. */
    add_rule(f, "*", 100, 502);
    t0 = lx_clock_mono_ns(f->clock);
    send_only(f, "/api/v3/ping");
    assert_int_equal(lx_clock_run(f->clock, t0 + 99 * MS), LX_OK);
    assert_int_equal(f->nresp, 1);
    assert_int_equal(lx_clock_run(f->clock, t0 + 100 * MS), LX_OK);
    assert_int_equal(f->nresp, 2);
    assert_int_equal(f->status, 502);
    /* The clock crossed into the next minute (DOC_TS is 0.44 s before a
     * minute boundary): a fresh window, and the fault charged nothing. */
    assert_string_equal(f->weight, "0");
    assert_string_equal(f->body,
                        "{\"code\":-1001,\"msg\":\"Internal error; unable to "
                        "process your request. Please try again.\"}");
}

/* The client goes away while its request is held: nothing is left over. */
static void test_fault_delay_abort(void **state)
{
    struct fx *f = *state;
    int64_t t0 = lx_clock_mono_ns(f->clock);

    add_rule(f, "/api/v3/ping", 500, 0);
    send_only(f, "/api/v3/ping");
    assert_int_equal(lx_clock_run(f->clock, t0 + 100 * MS), LX_OK);
    lx_http_client_free(f->cli);
    f->cli = NULL;
    assert_int_equal(lx_clock_run(f->clock, t0 + 1000 * MS), LX_OK);
    assert_int_equal(f->nresp, 0);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 200);
}

/* The mock's clock: offset and freeze over the lx_clock. */
static void test_clock_layer(void **state)
{
    struct fx *f = *state;
    int64_t t0 = lx_clock_wall_ms(f->clock);

    assert_int_equal(lx_mock_door_now_ms(f->door), t0);
    lx_mock_door_freeze(f->door);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 1000 * MS), LX_OK);
    assert_int_equal(lx_mock_door_now_ms(f->door), t0);
    assert_true(lx_mock_door_frozen(f->door));
    assert_int_equal(lx_mock_door_advance(f->door, 300), LX_OK);
    assert_int_equal(lx_mock_door_advance(f->door, -1), LX_ERR_INVAL);
    assert_int_equal(lx_mock_door_now_ms(f->door), t0 + 300);
    lx_mock_door_resume(f->door);
    /* Frozen 1000 ms, advanced 300: 700 ms behind the lx_clock. */
    assert_int_equal(lx_mock_door_offset_ns(f->door), -700 * MS);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 50 * MS), LX_OK);
    assert_int_equal(lx_mock_door_now_ms(f->door), t0 + 350);
}

static void test_weight_429_then_418(void **state)
{
    struct fx *f = *state;
    int64_t start = lx_clock_wall_ms(f->clock);
    int64_t to_next_min = 60000 - start % 60000;
    int64_t retry = 0;
    int i;

    /* Limit 10 per minute; each ping weighs 1. */
    for (i = 1; i <= 10; i++) {
        call(f, "GET", "/api/v3/ping", NULL, NULL);
        assert_int_equal(f->status, 200);
    }
    assert_string_equal(f->weight, "10");
    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 429);
    assert_int_equal(lx__parse_i64(f->retry, strlen(f->retry), &retry), LX_OK);
    assert_int_equal(retry, (to_next_min + 999) / 1000);
    assert_non_null(strstr(f->body, "\"code\":-1003"));
    assert_non_null(strstr(f->body, "Too many requests"));
    /* The second breach in the window is a ban (ban_after_429s = 1). */
    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 418);
    assert_string_equal(f->retry, "30");
    assert_non_null(strstr(f->body, "IP banned until"));
    /* Banned even in the next minute, until the ban ends. */
    assert_int_equal(lx_clock_advance(f->clock, to_next_min * MS), LX_OK);
    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 418);
    assert_int_equal(lx_clock_advance(f->clock, 31000 * MS), LX_OK);
    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->weight, "1");
    /* Admin reset forgets windows and bans. */
    lx_mock_door_reset_limits(f->door);
    call(f, "GET", "/api/v3/ping", NULL, NULL);
    assert_string_equal(f->weight, "1");
}

static void test_auth_ok(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/api/v3/order", DOC_PARAMS "&signature=" DOC_SIG, DOC_KEY);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "{\"ok\":true}");
    /* All in the query, empty body (what @binance/connector sends). */
    call(f, "POST", "/api/v3/order?" DOC_PARAMS "&signature=" DOC_SIG, NULL,
         DOC_KEY);
    assert_int_equal(f->status, 200);
    /* Split between query and body: the docs' example 3. */
    call(f, "POST", "/api/v3/order?" DOC_Q3, DOC_B3 "&signature=" DOC_SIG3,
         DOC_KEY);
    assert_int_equal(f->status, 200);
    /* Upper-case hex is accepted. */
    call(f, "POST", "/api/v3/order",
         DOC_PARAMS "&signature="
                    "C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838"
                    "BD6B71",
         DOC_KEY);
    assert_int_equal(f->status, 200);
}

static void expect_err(struct fx *f, int status, const char *json)
{
    assert_int_equal(f->status, status);
    assert_string_equal(f->body, json);
}

static void test_auth_errors(void **state)
{
    struct fx *f = *state;

    call(f, "POST", "/api/v3/order", DOC_PARAMS "&signature=" DOC_SIG, NULL);
    expect_err(f, 401, "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}");
    call(f, "POST", "/api/v3/order", DOC_PARAMS "&signature=" DOC_SIG,
         "nosuchkey");
    expect_err(f, 401,
               "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or "
               "permissions for action.\"}");
    /* One character of the payload changed. */
    call(f, "POST", "/api/v3/order",
         "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=2&price="
         "0.1&recvWindow=5000&timestamp=1499827319559&signature=" DOC_SIG,
         DOC_KEY);
    expect_err(f, 400,
               "{\"code\":-1022,\"msg\":\"Signature for this request is not "
               "valid.\"}");
    call(f, "POST", "/api/v3/order", DOC_PARAMS, DOC_KEY);
    expect_err(f, 400,
               "{\"code\":-1102,\"msg\":\"Mandatory parameter 'signature' "
               "was not sent, was empty/null, or malformed.\"}");
    call(f, "POST", "/api/v3/order", "symbol=LTCBTC&signature=" DOC_SIG,
         DOC_KEY);
    expect_err(f, 400,
               "{\"code\":-1102,\"msg\":\"Mandatory parameter 'timestamp' "
               "was not sent, was empty/null, or malformed.\"}");
    call(f, "POST", "/api/v3/order",
         "recvWindow=60001&timestamp=1499827319559&signature=" DOC_SIG,
         DOC_KEY);
    expect_err(f, 400,
               "{\"code\":-1131,\"msg\":\"recvWindow must be less than "
               "60000\"}");
    /* 1001 ms ahead of the server. */
    call(f, "POST", "/api/v3/order",
         "timestamp=1499827320660&signature=" DOC_SIG, DOC_KEY);
    expect_err(f, 400,
               "{\"code\":-1021,\"msg\":\"Timestamp for this request was "
               "1000ms ahead of the server's time.\"}");
    /* Past the 5000 ms window: the clock moves, the request stays. */
    assert_int_equal(lx_clock_advance(f->clock, 5000 * MS), LX_OK);
    call(f, "POST", "/api/v3/order", DOC_PARAMS "&signature=" DOC_SIG, DOC_KEY);
    expect_err(f, 400,
               "{\"code\":-1021,\"msg\":\"Timestamp for this request is "
               "outside of the recvWindow.\"}");
}

/*
 * Ed25519 keys. RFC 8032 section 7.1 test 1: the public key of secret key
 * 9d61b19d...1cae7f60 (as PEM) and its signature of the empty message.
 */
#define RFC1_PUB_PEM                                                           \
    "-----BEGIN PUBLIC KEY-----\n"                                             \
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"           \
    "-----END PUBLIC KEY-----\n"
#define RFC1_SIG_EMPTY                                                         \
    "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18Flb" \
    "viRlUUFDjnoQCw=="
/* The same key's signature of DOC_PARAMS (openssl pkeyutl -sign -rawin),
 * percent-encoded as sent. */
#define RFC1_SIG_DOC                                                           \
    "3fhuDZ9nYMviDQ5OEtJBJS11jUZDTRzRQ%2BTQMarm%2BLErFiJvUiVPQjTzDoWZQe4miPX"  \
    "%2ByHk1v%2FZ7TWLYjIbmCA%3D%3D"
#define ED_KEY "ed25519-api-key"

struct edfx {
    struct lx_mock_bn_key keys[2]; /* the docs' HMAC key, an Ed25519 key */
};

static void route_ed(struct lx_mock_call *c, void *ud)
{
    struct edfx *e = ud;
    const struct lx_mock_bn_key *key;
    struct lx_mock_bn_err err;

    if (lx_mock_bn_authenticate(c, LX_MOCK_BN_SIGNED, e->keys, 2, &key, &err) !=
        LX_OK) {
        lx_mock_bn_respond_err(c, &err);
        return;
    }
    lx_mock_respond_json(c, 200, key == &e->keys[1] ? "\"ed\"" : "\"hmac\"",
                         key == &e->keys[1] ? 4 : 6);
}

static EVP_PKEY *pem_pubkey(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k;

    assert_non_null(bio);
    k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(k);
    return k;
}

static EVP_PKEY *keygen(void)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    EVP_PKEY *k = NULL;

    assert_non_null(pc);
    assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
    assert_int_equal(EVP_PKEY_keygen(pc, &k), 1);
    EVP_PKEY_CTX_free(pc);
    return k;
}

/* "signature=" and the percent-encoded base64 Ed25519 signature of msg. */
static void ed_sign(EVP_PKEY *k, const char *msg, char *out, size_t cap)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char sig[64], b64[89];
    size_t siglen = sizeof(sig), i, w;

    assert_int_equal(EVP_DigestSignInit(md, NULL, NULL, NULL, k), 1);
    assert_int_equal(EVP_DigestSign(md, sig, &siglen,
                                    (const unsigned char *)msg, strlen(msg)),
                     1);
    EVP_MD_CTX_free(md);
    assert_int_equal(EVP_EncodeBlock(b64, sig, 64), 88);
    w = (size_t)lx__snprintf(out, cap, "signature=");
    for (i = 0; i < 88; i++) {
        int n = b64[i] == '+'   ? lx__snprintf(out + w, cap - w, "%%2B")
                : b64[i] == '/' ? lx__snprintf(out + w, cap - w, "%%2F")
                : b64[i] == '=' ? lx__snprintf(out + w, cap - w, "%%3D")
                                : lx__snprintf(out + w, cap - w, "%c", b64[i]);

        assert_true(n > 0 && (size_t)n < cap - w);
        w += (size_t)n;
    }
}

static void test_auth_ed25519(void **state)
{
    static const char bad_sig[] =
        "{\"code\":-1022,\"msg\":\"Signature for this request is not "
        "valid.\"}";
    struct fx *f = *state;
    struct edfx e;
    EVP_PKEY *mine = keygen(), *other = keygen(),
             *rfc = pem_pubkey(RFC1_PUB_PEM);
    char sig[400], body[800];

    memset(&e, 0, sizeof(e));
    e.keys[0] = f->key;
    e.keys[1].api_key = ED_KEY;
    e.keys[1].ed25519 = rfc;
    e.keys[1].account = 8;
    assert_int_equal(lx_mock_door_route(f->door, "POST", "/ed/order", 1,
                                        LX_MOCK_ROUTE_ORDER, route_ed, &e),
                     LX_OK);
    /* Known answer: RFC 8032 test 1, through lx_mock_bn_verify. */
    assert_int_equal(lx_mock_bn_verify(&e.keys[1], "", 0, RFC1_SIG_EMPTY, 88),
                     1);
    assert_int_equal(lx_mock_bn_verify(&e.keys[1], "x", 1, RFC1_SIG_EMPTY, 88),
                     0);
    /* Known answer over HTTP: the fixed key's signature of DOC_PARAMS. */
    call(f, "POST", "/ed/order", DOC_PARAMS "&signature=" RFC1_SIG_DOC, ED_KEY);
    assert_int_equal(f->status, 200);
    assert_string_equal(f->body, "\"ed\"");
    /* The signature may go in the query while the payload is the body. */
    call(f, "POST", "/ed/order?signature=" RFC1_SIG_DOC, DOC_PARAMS, ED_KEY);
    assert_int_equal(f->status, 200);
    /* The HMAC key beside it still works, byte for byte as before. */
    call(f, "POST", "/ed/order", DOC_PARAMS "&signature=" DOC_SIG, DOC_KEY);
    assert_string_equal(f->body, "\"hmac\"");
    /* A key pair made here: right key 200, another key's signature -1022. */
    e.keys[1].ed25519 = mine;
    ed_sign(mine, DOC_PARAMS, sig, sizeof(sig));
    lx__snprintf(body, sizeof(body), "%s&%s", DOC_PARAMS, sig);
    call(f, "POST", "/ed/order", body, ED_KEY);
    assert_int_equal(f->status, 200);
    ed_sign(other, DOC_PARAMS, sig, sizeof(sig));
    lx__snprintf(body, sizeof(body), "%s&%s", DOC_PARAMS, sig);
    call(f, "POST", "/ed/order", body, ED_KEY);
    expect_err(f, 400, bad_sig);
    /* Tampered payload: quantity 2 under the signature of quantity 1. */
    ed_sign(mine, DOC_PARAMS, sig, sizeof(sig));
    lx__snprintf(body, sizeof(body),
                 "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity="
                 "2&price=0.1&recvWindow=5000&timestamp=1499827319559&%s",
                 sig);
    call(f, "POST", "/ed/order", body, ED_KEY);
    expect_err(f, 400, bad_sig);
    /* Into the next minute's weight window (10 here), inside recvWindow. */
    assert_int_equal(lx_clock_advance(f->clock, 1000 * MS), LX_OK);
    /* The HMAC key given a base64 signature, the Ed25519 key a hex one. */
    lx__snprintf(body, sizeof(body), "%s&%s", DOC_PARAMS, sig);
    call(f, "POST", "/ed/order", body, DOC_KEY);
    expect_err(f, 400, bad_sig);
    call(f, "POST", "/ed/order", DOC_PARAMS "&signature=" DOC_SIG, ED_KEY);
    expect_err(f, 400, bad_sig);
    /* Not percent-encoded: '+' is a space in a form value. A bad escape
     * fails the door's parameter parse first. */
    e.keys[1].ed25519 = rfc;
    call(f, "POST", "/ed/order",
         DOC_PARAMS "&signature=3fhuDZ9nYMviDQ5OEtJBJS11jUZDTRzRQ+TQMarm+LEr"
                    "FiJvUiVPQjTzDoWZQe4miPX+yHk1v/Z7TWLYjIbmCA==",
         ED_KEY);
    expect_err(f, 400, bad_sig);
    call(f, "POST", "/ed/order", DOC_PARAMS "&signature=%zz" RFC1_SIG_DOC,
         ED_KEY);
    expect_err(f, 400,
               "{\"code\":-1100,\"msg\":\"Illegal characters found in a "
               "parameter.\"}");
    /* Base64 of the right length with the wrong padding, or truncated. */
    call(f, "POST", "/ed/order",
         DOC_PARAMS "&signature=3fhuDZ9nYMviDQ5OEtJBJS11jUZDTRzRQ%2BTQMarm%2BL"
                    "ErFiJvUiVPQjTzDoWZQe4miPX%2ByHk1v%2FZ7TWLYjIbmCAAA",
         ED_KEY);
    expect_err(f, 400, bad_sig);
    call(f, "POST", "/ed/order", DOC_PARAMS "&signature=3fhu", ED_KEY);
    expect_err(f, 400, bad_sig);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(other);
    EVP_PKEY_free(rfc);
}

static void test_total_params(void **state)
{
    char out[256];
    const char *sig;
    size_t sig_len;
    int n;

    (void)state;
    n = lx_mock_bn_total_params("a=1&signature=ab&b=2", 20, "c=3", 3, out,
                                sizeof(out), &sig, &sig_len);
    assert_int_equal(n, 10);
    assert_memory_equal(out, "a=1&b=2c=3", 10);
    assert_int_equal(sig_len, 2);
    assert_memory_equal(sig, "ab", 2);
    n = lx_mock_bn_total_params("", 0, "signature=ff", 12, out, sizeof(out),
                                &sig, &sig_len);
    assert_int_equal(n, 0);
    assert_int_equal(sig_len, 2);
    /* "xsignature=" is another parameter, not the signature. */
    n = lx_mock_bn_total_params("xsignature=1", 12, "", 0, out, sizeof(out),
                                &sig, &sig_len);
    assert_int_equal(n, 12);
    assert_null(sig);
    n = lx_mock_bn_total_params("a=123456789", 11, "", 0, out, 5, &sig,
                                &sig_len);
    assert_int_equal(n, LX_ERR_TOOBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_query_then_body, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_weight_429_then_418, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auth_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auth_ed25519, setup, teardown),
        cmocka_unit_test(test_total_params),
        cmocka_unit_test_setup_teardown(test_fault_delay_on_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_delay_abort, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_clock_layer, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
