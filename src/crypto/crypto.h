/*
 * crypto.h - message authentication for request signing (HMAC-SHA256) over
 * OpenSSL; never installed.
 *
 * Keys are read from a struct lx_secret (see core/secret_internal.h), so
 * the key bytes never leave the secret's locked storage except inside
 * OpenSSL's own context, which OpenSSL wipes when it is freed. The message
 * may come in several parts (a query string, then a body): they are
 * authenticated as their concatenation without being copied together.
 *
 * Every function is reentrant and allocation-free on our side (OpenSSL
 * allocates its context internally); call from any thread.
 */
#ifndef LOTUSX_CRYPTO_CRYPTO_H
#define LOTUSX_CRYPTO_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_secret.h"

#define LX_HMAC_SHA256_LEN 32
/* 64 hex digits and a NUL. */
#define LX_HMAC_SHA256_HEX_LEN 65

/* One part of a message; len 0 parts are allowed (p may then be NULL). */
struct lx_buf_part {
    const void *p;
    size_t len;
};

/*
 * out = HMAC-SHA256(key, parts[0] || parts[1] || ...).
 * Returns LX_OK; LX_ERR_INVAL (key or out NULL, a part with len > 0 and a
 * NULL pointer, parts NULL with nparts > 0); LX_ERR_INTERNAL (OpenSSL
 * failed; out is then zeroed).
 */
int lx__hmac_sha256(const struct lx_secret *key,
                    const struct lx_buf_part *parts, size_t nparts,
                    uint8_t out[LX_HMAC_SHA256_LEN]);

/* The same, keyed by raw bytes (the mock checks signatures with these). */
int lx__hmac_sha256_raw(const void *key, size_t klen,
                        const struct lx_buf_part *parts, size_t nparts,
                        uint8_t out[LX_HMAC_SHA256_LEN]);

/*
 * As lx__hmac_sha256, written as 64 lower-case hex digits and a NUL
 * (Binance's signature format). On error out is "".
 */
int lx__hmac_sha256_hex(const struct lx_secret *key,
                        const struct lx_buf_part *parts, size_t nparts,
                        char out[LX_HMAC_SHA256_HEX_LEN]);

/* Lower-case hex of n bytes into out (2n + 1 bytes, NUL-terminated). */
void lx__hex_lower(const uint8_t *in, size_t n, char *out);

#endif
