/*
 * test_hmac.c - HMAC-SHA256 keyed from an lx_secret: the official Binance
 * signature vectors (rest-api.md, "SIGNED Endpoint Examples"), RFC 4231
 * test case 2, multi-part messages equal to their concatenation, and the
 * argument checks.
 */
#include <string.h>

#include "lx_test.h"

#include "core/lx_internal.h"
#include "crypto/crypto.h"
#include "lotusx/lx_secret.h"

static const char bn_secret[] =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

static struct lx_secret *secret_of(const char *s)
{
    struct lx_secret *sec = NULL;

    assert_int_equal(lx_secret_new(&sec, NULL, s, strlen(s)), LX_OK);
    return sec;
}

static void hex_of(const char *key, const char *msg, char out[65])
{
    struct lx_secret *sec = secret_of(key);
    struct lx_buf_part p = {msg, strlen(msg)};

    assert_int_equal(lx__hmac_sha256_hex(sec, &p, 1, out), LX_OK);
    lx_secret_free(sec);
}

/* Binance's documented example, ASCII symbol. */
static void test_binance_vector(void **state)
{
    char out[LX_HMAC_SHA256_HEX_LEN];

    (void)state;
    hex_of(bn_secret,
           "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&"
           "price=0.1&recvWindow=5000&timestamp=1499827319559",
           out);
    assert_string_equal(
        out,
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

/* Binance's documented example, percent-encoded non-ASCII symbol. */
static void test_binance_vector_utf8(void **state)
{
    char out[LX_HMAC_SHA256_HEX_LEN];

    (void)state;
    hex_of(bn_secret,
           "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&"
           "side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&"
           "recvWindow=5000&timestamp=1499827319559",
           out);
    assert_string_equal(
        out,
        "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

/* RFC 4231 test case 2: key "Jefe". */
static void test_rfc4231_case2(void **state)
{
    char out[LX_HMAC_SHA256_HEX_LEN];

    (void)state;
    hex_of("Jefe", "what do ya want for nothing?", out);
    assert_string_equal(
        out,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* Query + body in two parts sign like their concatenation. */
static void test_parts(void **state)
{
    const char *all = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
                      "&quantity=1&price=0.1&recvWindow=5000"
                      "&timestamp=1499827319559";
    struct lx_secret *sec = secret_of(bn_secret);
    uint8_t a[LX_HMAC_SHA256_LEN], b[LX_HMAC_SHA256_LEN];
    struct lx_buf_part one = {all, strlen(all)};
    struct lx_buf_part parts[3] = {{all, 20}, {NULL, 0}, {all + 20, 0}};

    (void)state;
    parts[2].len = strlen(all) - 20;
    assert_int_equal(lx__hmac_sha256(sec, &one, 1, a), LX_OK);
    assert_int_equal(lx__hmac_sha256(sec, parts, 3, b), LX_OK);
    assert_memory_equal(a, b, sizeof(a));
    /* The raw-key form gives the same MAC. */
    assert_int_equal(
        lx__hmac_sha256_raw(bn_secret, strlen(bn_secret), &one, 1, b), LX_OK);
    assert_memory_equal(a, b, sizeof(a));
    /* A different message gives a different MAC. */
    one.len--;
    assert_int_equal(lx__hmac_sha256(sec, &one, 1, b), LX_OK);
    assert_memory_not_equal(a, b, sizeof(a));
    lx_secret_free(sec);
}

static void test_args(void **state)
{
    struct lx_secret *sec = secret_of("k");
    struct lx_buf_part bad = {NULL, 3};
    uint8_t mac[LX_HMAC_SHA256_LEN];
    char hex[LX_HMAC_SHA256_HEX_LEN] = "x";

    (void)state;
    assert_int_equal(lx__hmac_sha256(NULL, NULL, 0, mac), LX_ERR_INVAL);
    assert_int_equal(lx__hmac_sha256(sec, NULL, 0, NULL), LX_ERR_INVAL);
    assert_int_equal(lx__hmac_sha256(sec, &bad, 1, mac), LX_ERR_INVAL);
    assert_int_equal(lx__hmac_sha256(sec, NULL, 1, mac), LX_ERR_INVAL);
    assert_int_equal(lx__hmac_sha256_hex(NULL, NULL, 0, hex), LX_ERR_INVAL);
    assert_string_equal(hex, "");
    /* An empty message is fine. */
    assert_int_equal(lx__hmac_sha256_hex(sec, NULL, 0, hex), LX_OK);
    assert_int_equal(strlen(hex), 64);
    lx_secret_free(sec);
}

static void test_hex(void **state)
{
    const uint8_t in[] = {0x00, 0x9f, 0xa0, 0xff};
    char out[9];

    (void)state;
    lx__hex_lower(in, sizeof(in), out);
    assert_string_equal(out, "009fa0ff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binance_vector),
        cmocka_unit_test(test_binance_vector_utf8),
        cmocka_unit_test(test_rfc4231_case2),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_hex),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
