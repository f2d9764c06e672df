/*
 * hmac.c - HMAC-SHA256 over OpenSSL 3's EVP_MAC, keyed from an lx_secret.
 *
 * It authenticates a message given in parts without joining them, and it
 * copies the key nowhere: EVP_MAC_init hands the secret's bytes straight to
 * OpenSSL, which keeps its own copy in its context and cleanses it on
 * EVP_MAC_CTX_free. (OpenSSL 3's one-shot HMAC() fetches the same way, so
 * it is no faster.) It does not log, and its errors never include any of
 * the key or the message.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "crypto/crypto.h"

void lx__hex_lower(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}

static int check_parts(const struct lx_buf_part *parts, size_t nparts)
{
    size_t i;

    if (parts == NULL && nparts > 0) {
        return LX_ERR_INVAL;
    }
    for (i = 0; i < nparts; i++) {
        if (parts[i].p == NULL && parts[i].len > 0) {
            return LX_ERR_INVAL;
        }
    }
    return LX_OK;
}

int lx__hmac_sha256_raw(const void *key, size_t klen,
                        const struct lx_buf_part *parts, size_t nparts,
                        uint8_t out[LX_HMAC_SHA256_LEN])
{
    static const unsigned char empty = 0;
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    EVP_MAC *mac = NULL;
    EVP_MAC_CTX *ctx = NULL;
    size_t outl = 0, i;
    int rc = LX_ERR_INTERNAL;

    if (out == NULL || (key == NULL && klen > 0)) {
        return LX_ERR_INVAL;
    }
    if (check_parts(parts, nparts) != LX_OK) {
        return LX_ERR_INVAL;
    }
    memset(out, 0, LX_HMAC_SHA256_LEN);
    params[0] =
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) {
        goto out;
    }
    ctx = EVP_MAC_CTX_new(mac);
    if (ctx == NULL ||
        !EVP_MAC_init(ctx, klen > 0 ? key : &empty, klen, params)) {
        goto out;
    }
    for (i = 0; i < nparts; i++) {
        if (parts[i].len > 0 &&
            !EVP_MAC_update(ctx, parts[i].p, parts[i].len)) {
            goto out;
        }
    }
    if (!EVP_MAC_final(ctx, out, &outl, LX_HMAC_SHA256_LEN) ||
        outl != LX_HMAC_SHA256_LEN) {
        memset(out, 0, LX_HMAC_SHA256_LEN);
        goto out;
    }
    rc = LX_OK;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return rc;
}

int lx__hmac_sha256(const struct lx_secret *key,
                    const struct lx_buf_part *parts, size_t nparts,
                    uint8_t out[LX_HMAC_SHA256_LEN])
{
    const uint8_t *k;
    size_t klen = 0;

    if (key == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    k = lx__secret_data(key, &klen);
    return lx__hmac_sha256_raw(k, klen, parts, nparts, out);
}

int lx__hmac_sha256_hex(const struct lx_secret *key,
                        const struct lx_buf_part *parts, size_t nparts,
                        char out[LX_HMAC_SHA256_HEX_LEN])
{
    uint8_t mac[LX_HMAC_SHA256_LEN];
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    out[0] = '\0';
    rc = lx__hmac_sha256(key, parts, nparts, mac);
    if (rc == LX_OK) {
        lx__hex_lower(mac, sizeof(mac), out);
    }
    OPENSSL_cleanse(mac, sizeof(mac));
    return rc;
}
