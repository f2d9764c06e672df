/*
 * ws_handshake.c - the RFC 6455 opening handshake, section 4: making the
 * client's Sec-WebSocket-Key, computing Sec-WebSocket-Accept, and checking
 * the header values of an upgrade request (server side) and of its 101
 * answer (client side).
 *
 * It works on plain header values, not on an HTTP message type, so it
 * does not depend on the HTTP codec; the glue (ws_conn.c) fetches the
 * headers and writes the request or the 101. It negotiates no subprotocol
 * and no extension.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"
#include "net/ws_codec.h"

#define WS_GUID       "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_RAW    16
#define WS_MAX_KEYLEN 128

/* Trims optional whitespace (SP, HTAB) off both ends of s[0..*len). */
static const char *trim_ows(const char *s, size_t *len)
{
    size_t n = *len;

    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    *len = n;
    return s;
}

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the lower-case tok. */
static int token_eq(const char *s, size_t n, const char *tok)
{
    size_t i;

    if (n != strlen(tok)) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (ascii_lower((unsigned char)s[i]) != tok[i]) {
            return 0;
        }
    }
    return 1;
}

/* Whether the comma-separated header value list names tok. */
static int has_token(const char *list, const char *tok)
{
    while (list != NULL && *list != '\0') {
        const char *comma = strchr(list, ',');
        size_t n = comma != NULL ? (size_t)(comma - list) : strlen(list);
        const char *item = trim_ows(list, &n);

        if (token_eq(item, n, tok)) {
            return 1;
        }
        list = comma != NULL ? comma + 1 : NULL;
    }
    return 0;
}

static int is_b64(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* A key decodes to 16 bytes exactly when it is 22 symbols and "==". */
static int key_valid(const char *key)
{
    size_t n = strlen(key), i;

    key = trim_ows(key, &n);
    if (n != 24 || key[22] != '=' || key[23] != '=') {
        return 0;
    }
    for (i = 0; i < 22; i++) {
        if (!is_b64((unsigned char)key[i])) {
            return 0;
        }
    }
    return 1;
}

int lx__ws_make_key(struct lx_rng *rng, char out[LX__WS_KEY_SIZE])
{
    uint8_t raw[WS_KEY_RAW];

    if (rng == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    lx_rng_fill(rng, raw, sizeof(raw));
    /* EVP_EncodeBlock writes 24 characters and a NUL. */
    EVP_EncodeBlock((unsigned char *)out, raw, (int)sizeof(raw));
    return LX_OK;
}

int lx__ws_accept_for_key(const char *key, size_t len,
                          char out[LX__WS_ACCEPT_SIZE])
{
    char buf[WS_MAX_KEYLEN + sizeof(WS_GUID)];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (key == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    key = trim_ows(key, &len);
    if (len > WS_MAX_KEYLEN) {
        return LX_ERR_INVAL;
    }
    memcpy(buf, key, len);
    memcpy(buf + len, WS_GUID, sizeof(WS_GUID) - 1);
    if (EVP_Digest(buf, len + sizeof(WS_GUID) - 1, md, &mdlen, EVP_sha1(),
                   NULL) != 1 ||
        mdlen != 20) {
        return LX_ERR_INTERNAL;
    }
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
    return LX_OK;
}

/* Sets *reason (when asked for) and returns err. */
static int reject(const char **reason, const char *why, int err)
{
    if (reason != NULL) {
        *reason = why;
    }
    return err;
}

int lx__ws_check_client_request(const char *method, const char *upgrade,
                                const char *connection, const char *version,
                                const char *key, const char **reason)
{
    size_t vlen = version != NULL ? strlen(version) : 0;

    if (method == NULL || strcmp(method, "GET") != 0) {
        return reject(reason, "WebSocket upgrade must use GET", LX_ERR_PROTO);
    }
    if (!has_token(upgrade, "websocket")) {
        return reject(reason, "missing Upgrade: websocket", LX_ERR_PROTO);
    }
    if (!has_token(connection, "upgrade")) {
        return reject(reason, "missing Connection: Upgrade", LX_ERR_PROTO);
    }
    if (key == NULL || !key_valid(key)) {
        return reject(reason, "missing or malformed Sec-WebSocket-Key",
                      LX_ERR_PROTO);
    }
    if (version == NULL) {
        return reject(reason, "missing Sec-WebSocket-Version", LX_ERR_PROTO);
    }
    version = trim_ows(version, &vlen);
    if (vlen != 2 || memcmp(version, "13", 2) != 0) {
        return reject(reason, "unsupported Sec-WebSocket-Version (need 13)",
                      LX_ERR_UNSUPPORTED);
    }
    return LX_OK;
}

int lx__ws_check_server_response(int status, const char *upgrade,
                                 const char *connection, const char *accept,
                                 const char *expected_accept,
                                 const char **reason)
{
    size_t n = accept != NULL ? strlen(accept) : 0;

    if (status != 101) {
        return reject(reason, "status is not 101 Switching Protocols",
                      LX_ERR_PROTO);
    }
    if (!has_token(upgrade, "websocket")) {
        return reject(reason, "missing Upgrade: websocket", LX_ERR_PROTO);
    }
    if (!has_token(connection, "upgrade")) {
        return reject(reason, "missing Connection: Upgrade", LX_ERR_PROTO);
    }
    if (accept == NULL || expected_accept == NULL) {
        return reject(reason, "missing Sec-WebSocket-Accept", LX_ERR_PROTO);
    }
    accept = trim_ows(accept, &n);
    if (n != strlen(expected_accept) ||
        memcmp(accept, expected_accept, n) != 0) {
        return reject(reason, "Sec-WebSocket-Accept does not match the key",
                      LX_ERR_PROTO);
    }
    return LX_OK;
}
