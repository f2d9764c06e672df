/*
 * auth.h - how the Binance mock checks a signed (or API-key) request, as
 * the venue does: X-MBX-APIKEY names an account; `signature` is the hex
 * HMAC-SHA256 of totalParams (the query string concatenated with the body,
 * exactly as sent, minus the signature parameter itself) for an HMAC key,
 * or, for an Ed25519 key, the base64 of the Ed25519 signature of the same
 * bytes, percent-encoded as a parameter value (%2B %2F %3D; a bare '+'
 * decodes to a space, as in any form value, and so fails); `timestamp` must
 * lie within recvWindow (default 5000 ms, at most 60000) of server time and
 * no more than 1000 ms ahead of it.
 *
 * Each failure maps to the venue's code, HTTP status and message text
 * (struct lx_mock_bn_err), so the route can answer in Binance's envelope.
 */
#ifndef LOTUSX_MOCK_BINANCE_AUTH_H
#define LOTUSX_MOCK_BINANCE_AUTH_H

#include <stddef.h>
#include <stdint.h>

struct lx_secret;
struct lx_mock_call;
struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* A Binance error as the venue answers it. */
struct lx_mock_bn_err {
    int http_status; /* 400, 401, ... */
    int code;        /* -1022, ... */
    char msg[200];
};

/*
 * One API key of the mock: who it is and what it signs with: an HMAC
 * secret, or (ed25519 not NULL) the Ed25519 public key registered for it,
 * in which case secret is NULL. Both borrowed.
 */
struct lx_mock_bn_key {
    const char *api_key;
    const struct lx_secret *secret;
    uint64_t account;
    struct evp_pkey_st *ed25519;
};

/* What a route needs: none, an API key only (listenKey), or a signature. */
enum lx_mock_bn_security {
    LX_MOCK_BN_NONE,
    LX_MOCK_BN_APIKEY,
    LX_MOCK_BN_SIGNED
};

/*
 * Checks call against the key table. On success returns LX_OK with *key
 * set (NULL for LX_MOCK_BN_NONE). Otherwise returns LX_ERR_VENUE with err
 * filled (-2014 API-key format invalid, -2015 invalid key, -1102 missing
 * parameter, -1131 bad recvWindow, -1021 timestamp outside the window,
 * -1022 invalid signature); or LX_ERR_NOMEM.
 */
int lx_mock_bn_authenticate(const struct lx_mock_call *call,
                            enum lx_mock_bn_security sec,
                            const struct lx_mock_bn_key *keys, size_t nkeys,
                            const struct lx_mock_bn_key **key,
                            struct lx_mock_bn_err *err);

/*
 * totalParams without the signature parameter: the query (minus any
 * `signature=...`) followed by the body (minus any `signature=...`).
 * Writes the signature's value (raw, as sent) to *sig and *sig_len, NULL when
 * absent. Returns the length written to out, or LX_ERR_TOOBIG when cap is
 * too small. Exposed for the unit tests.
 */
int lx_mock_bn_total_params(const char *query, size_t qlen, const char *body,
                            size_t blen, char *out, size_t cap,
                            const char **sig, size_t *sig_len);

/*
 * Parses pem, the PEM of an Ed25519 public key (SubjectPublicKeyInfo,
 * "-----BEGIN PUBLIC KEY-----"), into *out (the caller frees it with
 * EVP_PKEY_free). LX_ERR_INVAL when it is not one (a private key
 * included), LX_ERR_NOMEM.
 */
int lx_mock_bn_ed25519_key(const char *pem, struct evp_pkey_st **out);

/*
 * Checks sig[0..sig_len) as the signature of data[0..len) under key: for
 * an HMAC key 64 hex digits (either case); for an Ed25519 key 88 base64
 * characters (standard alphabet, "==" padding), already percent-decoded.
 * Returns 1 when it matches, 0 when not (also for a key with neither a
 * secret nor a public key), LX_ERR_NOMEM or LX_ERR_INTERNAL. For routes
 * that take the signature elsewhere than a form parameter (the WebSocket
 * API's JSON params).
 */
int lx_mock_bn_verify(const struct lx_mock_bn_key *key, const char *data,
                      size_t len, const char *sig, size_t sig_len);

/* Fills err with a venue error; msg is printf-formatted. */
void lx_mock_bn_err_set(struct lx_mock_bn_err *err, int http_status, int code,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
