/*
 * auth.c - Binance request authentication in the mock (see auth.h).
 *
 * The signature is checked over the bytes as sent: the raw query string
 * and the raw body, each with its `signature=...` parameter cut out, so a
 * client that percent-encodes differently from the mock's own encoder is
 * judged on what it signed, as the venue does. HMAC keys compare hex
 * digests in constant time; Ed25519 keys verify with OpenSSL (EVP_PKEY,
 * EVP_DigestVerify with no digest, as Ed25519 hashes internally).
 */
#include <stdarg.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "lotusx/lx_http.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/auth.h"

#define BN_MAX_RECV_WINDOW_MS     60000
#define BN_DEFAULT_RECV_WINDOW_MS 5000
#define BN_MAX_AHEAD_MS           1000
#define BN_TOTAL_PARAMS_MAX       (64 * 1024)
#define BN_ED25519_B64_LEN        88 /* base64 of a 64-byte signature */

void lx_mock_bn_err_set(struct lx_mock_bn_err *err, int http_status, int code,
                        const char *fmt, ...)
{
    va_list ap;

    err->http_status = http_status;
    err->code = code;
    va_start(ap, fmt);
    lx__vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

/*
 * Copies s[0..n) to out minus a `signature=...` parameter; reports the
 * signature's value. Returns bytes written or LX_ERR_TOOBIG.
 */
static int strip_signature(const char *s, size_t n, char *out, size_t cap,
                           const char **sig, size_t *sig_len)
{
    size_t i = 0, w = 0;
    int first = 1;

    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t end = amp != NULL ? (size_t)(amp - s) : n;
        size_t plen = end - i;

        if (plen >= 10 && memcmp(s + i, "signature=", 10) == 0) {
            *sig = s + i + 10;
            *sig_len = plen - 10;
        } else {
            if (w + plen + 1 > cap) {
                return LX_ERR_TOOBIG;
            }
            if (!first) {
                out[w++] = '&';
            }
            memcpy(out + w, s + i, plen);
            w += plen;
            first = 0;
        }
        i = end + 1;
    }
    return (int)w;
}

int lx_mock_bn_total_params(const char *query, size_t qlen, const char *body,
                            size_t blen, char *out, size_t cap,
                            const char **sig, size_t *sig_len)
{
    int a, b;

    *sig = NULL;
    *sig_len = 0;
    a = strip_signature(query, qlen, out, cap, sig, sig_len);
    if (a < 0) {
        return a;
    }
    b = strip_signature(body, blen, out + a, cap - (size_t)a, sig, sig_len);
    if (b < 0) {
        return b;
    }
    return a + b;
}

/* Lower-case hex HMAC-SHA256 of data under secret into hex[65]. */
static int hmac_hex(const struct lx_secret *secret, const char *data,
                    size_t len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    size_t klen;
    const uint8_t *key = lx__secret_data(secret, &klen);
    unsigned int i;

    if (HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)data, len, md,
             &mdlen) == NULL ||
        mdlen != 32) {
        return LX_ERR_INTERNAL;
    }
    for (i = 0; i < mdlen; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
    OPENSSL_cleanse(md, sizeof(md));
    return LX_OK;
}

static int missing(struct lx_mock_bn_err *err, const char *name)
{
    lx_mock_bn_err_set(err, 400, -1102,
                       "Mandatory parameter '%s' was not sent, was "
                       "empty/null, or malformed.",
                       name);
    return LX_ERR_VENUE;
}

/* Parses a whole non-negative decimal integer; -1 when it is not one. */
static int64_t parse_ms(const char *s, size_t len)
{
    int64_t v;

    if (s == NULL || len == 0 || lx__parse_i64(s, len, &v) != LX_OK || v < 0) {
        return -1;
    }
    return v;
}

static int check_time(const struct lx_mock_call *call,
                      struct lx_mock_bn_err *err)
{
    size_t tlen = 0, wlen = 0;
    const char *ts = lx_mock_call_param(call, "timestamp", &tlen);
    const char *rw = lx_mock_call_param(call, "recvWindow", &wlen);
    int64_t now = lx_mock_call_now_ms(call);
    int64_t t, window = BN_DEFAULT_RECV_WINDOW_MS;

    t = parse_ms(ts, tlen);
    if (t < 0) {
        return missing(err, "timestamp");
    }
    if (rw != NULL) {
        window = parse_ms(rw, wlen);
        if (window < 0) {
            return missing(err, "recvWindow");
        }
        if (window > BN_MAX_RECV_WINDOW_MS) {
            lx_mock_bn_err_set(err, 400, -1131,
                               "recvWindow must be less than 60000");
            return LX_ERR_VENUE;
        }
    }
    if (t > now + BN_MAX_AHEAD_MS) {
        lx_mock_bn_err_set(err, 400, -1021,
                           "Timestamp for this request was %dms ahead of the "
                           "server's time.",
                           BN_MAX_AHEAD_MS);
        return LX_ERR_VENUE;
    }
    if (now - t > window) {
        lx_mock_bn_err_set(
            err, 400, -1021,
            "Timestamp for this request is outside of the recvWindow.");
        return LX_ERR_VENUE;
    }
    return LX_OK;
}

/* 1 when sig (hex, either case) is the HMAC of data under secret. */
static int hmac_ok(const struct lx_secret *secret, const char *data, size_t len,
                   const char *sig, size_t sig_len)
{
    char hex[65], lower[64];
    size_t i;
    int rc;

    if (secret == NULL) {
        return 0;
    }
    rc = hmac_hex(secret, data, len, hex);
    if (rc != LX_OK) {
        return rc;
    }
    for (i = 0; i < sig_len && i < sizeof(lower); i++) {
        lower[i] =
            (char)(sig[i] >= 'A' && sig[i] <= 'F' ? sig[i] + 32 : sig[i]);
    }
    return sig_len == 64 && CRYPTO_memcmp(lower, hex, 64) == 0;
}

/* 1 when sig (88 base64 characters) is an Ed25519 signature of data. */
static int ed25519_ok(EVP_PKEY *pk, const char *data, size_t len,
                      const char *sig, size_t sig_len)
{
    unsigned char raw[BN_ED25519_B64_LEN / 4 * 3];
    EVP_MD_CTX *md;
    int ok;

    /* 64 bytes are 88 characters ending in "=="; nothing else is one. */
    if (sig_len != BN_ED25519_B64_LEN || sig[86] != '=' || sig[87] != '=' ||
        EVP_DecodeBlock(raw, (const unsigned char *)sig, (int)sig_len) !=
            (int)sizeof(raw)) {
        return 0;
    }
    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return LX_ERR_NOMEM;
    }
    ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1 &&
         EVP_DigestVerify(md, raw, 64, (const unsigned char *)data, len) == 1;
    EVP_MD_CTX_free(md);
    ERR_clear_error(); /* a bad signature leaves an entry behind */
    return ok;
}

int lx_mock_bn_ed25519_key(const char *pem, struct evp_pkey_st **out)
{
    BIO *bio;
    EVP_PKEY *pk;

    *out = NULL;
    if (pem == NULL || pem[0] == '\0' || strlen(pem) > 4096) {
        return LX_ERR_INVAL;
    }
    bio = BIO_new_mem_buf(pem, (int)strlen(pem));
    if (bio == NULL) {
        return LX_ERR_NOMEM;
    }
    pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (pk == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pk);
        return LX_ERR_INVAL;
    }
    *out = pk;
    return LX_OK;
}

int lx_mock_bn_verify(const struct lx_mock_bn_key *key, const char *data,
                      size_t len, const char *sig, size_t sig_len)
{
    if (key->ed25519 != NULL) {
        return ed25519_ok(key->ed25519, data, len, sig, sig_len);
    }
    return hmac_ok(key->secret, data, len, sig, sig_len);
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Decodes a form value (%XX escapes, '+' a space) into out (cap bytes).
 * Returns the length, or -1 when it is malformed or does not fit.
 */
static int form_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t i, w = 0;

    for (i = 0; i < n; i++) {
        int hi, lo;

        if (w == cap) {
            return -1;
        }
        if (s[i] != '%') {
            out[w++] = s[i] == '+' ? ' ' : s[i];
            continue;
        }
        if (i + 2 >= n || (hi = hex_val(s[i + 1])) < 0 ||
            (lo = hex_val(s[i + 2])) < 0) {
            return -1;
        }
        out[w++] = (char)(hi * 16 + lo);
        i += 2;
    }
    return (int)w;
}

/*
 * Checks the signature parameter against totalParams: as sent for an HMAC
 * key (so an HMAC check is exactly what it always was), form-decoded for an
 * Ed25519 key (base64 holds '+', '/' and '=', which travel escaped).
 */
static int sig_matches(const struct lx_mock_bn_key *key, const char *total,
                       size_t n, const char *sig, size_t sig_len)
{
    char dec[BN_ED25519_B64_LEN];
    int dlen;

    if (key->ed25519 == NULL) {
        return hmac_ok(key->secret, total, n, sig, sig_len);
    }
    dlen = form_decode(sig, sig_len, dec, sizeof(dec));
    if (dlen < 0) {
        return 0;
    }
    return ed25519_ok(key->ed25519, total, n, dec, (size_t)dlen);
}

static int check_signature(const struct lx_mock_call *call,
                           const struct lx_mock_bn_key *key,
                           struct lx_mock_bn_err *err)
{
    size_t qlen, blen, sig_len;
    const char *q = lx_mock_call_query(call, &qlen);
    const char *b = lx_mock_call_body(call, &blen);
    const char *sig;
    char *total;
    int n, rc;

    total = lx__malloc(NULL, BN_TOTAL_PARAMS_MAX);
    if (total == NULL) {
        return LX_ERR_NOMEM;
    }
    n = lx_mock_bn_total_params(q, qlen, b, blen, total, BN_TOTAL_PARAMS_MAX,
                                &sig, &sig_len);
    if (n < 0) {
        lx__free(NULL, total);
        lx_mock_bn_err_set(err, 400, -1101,
                           "Too many parameters sent for this endpoint.");
        return LX_ERR_VENUE;
    }
    if (sig == NULL || sig_len == 0) {
        lx__free(NULL, total);
        return missing(err, "signature");
    }
    rc = sig_matches(key, total, (size_t)n, sig, sig_len);
    OPENSSL_cleanse(total, (size_t)n);
    lx__free(NULL, total);
    if (rc < 0) {
        return rc;
    }
    if (rc == 0) {
        lx_mock_bn_err_set(err, 400, -1022,
                           "Signature for this request is not valid.");
        return LX_ERR_VENUE;
    }
    return LX_OK;
}

int lx_mock_bn_authenticate(const struct lx_mock_call *call,
                            enum lx_mock_bn_security sec,
                            const struct lx_mock_bn_key *keys, size_t nkeys,
                            const struct lx_mock_bn_key **key,
                            struct lx_mock_bn_err *err)
{
    const char *api_key;
    size_t i;
    int rc;

    *key = NULL;
    if (sec == LX_MOCK_BN_NONE) {
        return LX_OK;
    }
    api_key = lx_http_msg_header(lx_mock_call_msg(call), "X-MBX-APIKEY", NULL);
    if (api_key == NULL || api_key[0] == '\0') {
        lx_mock_bn_err_set(err, 401, -2014, "API-key format invalid.");
        return LX_ERR_VENUE;
    }
    for (i = 0; i < nkeys; i++) {
        if (strcmp(keys[i].api_key, api_key) == 0) {
            *key = &keys[i];
            break;
        }
    }
    if (*key == NULL) {
        lx_mock_bn_err_set(err, 401, -2015,
                           "Invalid API-key, IP, or permissions for action.");
        return LX_ERR_VENUE;
    }
    if (sec == LX_MOCK_BN_APIKEY) {
        return LX_OK;
    }
    rc = check_time(call, err);
    if (rc == LX_OK) {
        rc = check_signature(call, *key, err);
    }
    if (rc != LX_OK) {
        *key = NULL;
    }
    return rc;
}
