/*
 * tls.c - TLS settings (struct lx_tls over an OpenSSL SSL_CTX) for clients
 * and servers, self-signed certificate generation, the server-side
 * wrapping of accepted sockets, and the text of TLS failures.
 *
 * It does not connect anything (dial.c does) and keeps no per-connection
 * state: each connection's SSL object holds its own reference to the
 * SSL_CTX. OpenSSL allocates through its own allocator, not the
 * context's; only the struct lx_tls itself comes from the lx_mem.
 *
 * Clock use: X509_gmtime_adj reads the system clock inside OpenSSL to
 * stamp the validity of generated certificates. That is accepted: peers
 * check certificates against real time whatever clock LotuSX runs on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "core/lx_internal.h"
#include "net/dial.h"

#define ERRTEXT_MAX 256
#define CN_MAX      64 /* ub-common-name, RFC 5280 */

struct lx_tls {
    struct lx_ctx *ctx;
    const struct lx_mem *mem;
    SSL_CTX *ssl;
    int is_server;
    char last_error[ERRTEXT_MAX];
};

/* ---- error text ---- */

/*
 * OpenSSL's reason for the last failure: the oldest queued error, which is
 * the root cause ("no start line") rather than the wrapper ("PEM lib").
 * Clears the queue so later calls start clean.
 */
static void ossl_reason(char *buf, size_t cap)
{
    unsigned long e = ERR_get_error();

    if (e == 0) {
        lx__snprintf(buf, cap, "unknown OpenSSL error");
        return;
    }
    ERR_error_string_n(e, buf, cap);
    ERR_clear_error();
}

/*
 * Records a failure about a file: a log line naming the file and the
 * reason, and the same sentence in t->last_error when there is an object.
 */
static int file_fail(struct lx_ctx *ctx, struct lx_tls *t, int err,
                     const char *what, const char *path, const char *reason)
{
    char msg[ERRTEXT_MAX];

    lx__snprintf(msg, sizeof(msg), "%s '%s': %s", what, path, reason);
    LX_LOGE(ctx, "tls", "tls_file_error file=%s op=\"%s\" reason=\"%s\"", path,
            what, reason);
    if (t != NULL) {
        lx__snprintf(t->last_error, sizeof(t->last_error), "%s", msg);
    }
    return err;
}

/* LX_ERR_FILE (with errno's text) unless path can be opened for reading. */
static int check_readable(struct lx_ctx *ctx, const char *what,
                          const char *path)
{
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        return file_fail(ctx, NULL, LX_ERR_FILE, what, path, strerror(errno));
    }
    fclose(f);
    return LX_OK;
}

/* Used for encrypted keys: never prompt on a terminal, just fail. */
static int no_password_cb(char *buf, int size, int rwflag, void *ud)
{
    LX_UNUSED(buf);
    LX_UNUSED(size);
    LX_UNUSED(rwflag);
    LX_UNUSED(ud);
    return 0;
}

/* ---- construction ---- */

/* Allocates an lx_tls with an SSL_CTX for TLS 1.2 and newer. */
static int tls_alloc(struct lx_tls **out, struct lx_ctx *ctx, int is_server)
{
    const struct lx_mem *mem = lx_ctx_mem(ctx);
    struct lx_tls *t;

    t = lx__calloc(mem, 1, sizeof(*t));
    if (t == NULL) {
        return LX_ERR_NOMEM;
    }
    t->ctx = ctx;
    t->mem = mem;
    t->is_server = is_server;
    ERR_clear_error();
    t->ssl = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
    if (t->ssl == NULL ||
        SSL_CTX_set_min_proto_version(t->ssl, TLS1_2_VERSION) != 1) {
        char reason[ERRTEXT_MAX];

        ossl_reason(reason, sizeof(reason));
        LX_LOGE(ctx, "tls", "tls_init_error reason=\"%s\"", reason);
        lx_tls_free(t);
        return LX_ERR_TLS;
    }
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /*
     * OpenSSL 3 reports a peer that closes TCP without close_notify as an
     * error, which libevent 2.1 cannot turn into EOF even with dirty
     * shutdowns allowed. Many servers (and clients) close that way.
     */
    SSL_CTX_set_options(t->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    SSL_CTX_set_default_passwd_cb(t->ssl, no_password_cb);
    *out = t;
    return LX_OK;
}

int lx_tls_client_new(struct lx_tls **out, struct lx_ctx *ctx,
                      const char *ca_file)
{
    struct lx_tls *t;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (ca_file != NULL &&
        (rc = check_readable(ctx, "cannot open CA file", ca_file)) != LX_OK) {
        return rc;
    }
    if ((rc = tls_alloc(&t, ctx, 0)) != LX_OK) {
        return rc;
    }
    SSL_CTX_set_verify(t->ssl, SSL_VERIFY_PEER, NULL);
    if (ca_file != NULL
            ? SSL_CTX_load_verify_locations(t->ssl, ca_file, NULL) != 1
            : SSL_CTX_set_default_verify_paths(t->ssl) != 1) {
        char reason[ERRTEXT_MAX];

        ossl_reason(reason, sizeof(reason));
        file_fail(ctx, NULL, LX_ERR_TLS, "cannot load CA certificates from",
                  ca_file != NULL ? ca_file : "(system store)", reason);
        lx_tls_free(t);
        return LX_ERR_TLS;
    }
    *out = t;
    return LX_OK;
}

/* Loads the certificate chain and key, and checks that they match. */
static int load_pair(struct lx_tls *t, const char *cert_file,
                     const char *key_file)
{
    char reason[ERRTEXT_MAX];

    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(t->ssl, cert_file) != 1) {
        ossl_reason(reason, sizeof(reason));
        return file_fail(t->ctx, NULL, LX_ERR_TLS,
                         "cannot load certificate from", cert_file, reason);
    }
    if (SSL_CTX_use_PrivateKey_file(t->ssl, key_file, SSL_FILETYPE_PEM) != 1) {
        ossl_reason(reason, sizeof(reason));
        return file_fail(t->ctx, NULL, LX_ERR_TLS,
                         "cannot load private key from", key_file, reason);
    }
    if (SSL_CTX_check_private_key(t->ssl) != 1) {
        ossl_reason(reason, sizeof(reason));
        return file_fail(t->ctx, NULL, LX_ERR_TLS,
                         "private key does not match the certificate in",
                         cert_file, reason);
    }
    return LX_OK;
}

int lx_tls_server_new(struct lx_tls **out, struct lx_ctx *ctx,
                      const char *cert_file, const char *key_file)
{
    struct lx_tls *t;
    int rc;

    if (out == NULL || cert_file == NULL || key_file == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if ((rc = check_readable(ctx, "cannot open certificate file", cert_file)) !=
            LX_OK ||
        (rc = check_readable(ctx, "cannot open key file", key_file)) != LX_OK) {
        return rc;
    }
    if ((rc = tls_alloc(&t, ctx, 1)) != LX_OK) {
        return rc;
    }
    if ((rc = load_pair(t, cert_file, key_file)) != LX_OK) {
        lx_tls_free(t);
        return rc;
    }
    *out = t;
    return LX_OK;
}

/* ---- self-signed certificates ---- */

static EVP_PKEY *make_p256_key(void)
{
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    EVP_PKEY *key = NULL;

    if (kc == NULL || EVP_PKEY_keygen_init(kc) != 1 ||
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc, NID_X9_62_prime256v1) != 1 ||
        EVP_PKEY_keygen(kc, &key) != 1) {
        EVP_PKEY_free(key);
        key = NULL;
    }
    EVP_PKEY_CTX_free(kc);
    return key;
}

/* A random positive 127-bit serial, so no two generated certs collide. */
static int set_random_serial(X509 *x)
{
    unsigned char raw[16];
    BIGNUM *bn;
    int ok;

    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return 0;
    }
    raw[0] &= 0x7f;
    raw[0] |= 0x40; /* keep it 16 bytes long and positive */
    bn = BN_bin2bn(raw, sizeof(raw), NULL);
    ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

static int add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, v3, nid, value);
    int ok;

    if (ext == NULL) {
        return 0;
    }
    ok = X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

/* Subject and issuer CN, v3 extensions for a TLS server end entity. */
static int fill_cert(X509 *x, EVP_PKEY *key, const char *cn, const char *san,
                     long not_before_s, long not_after_s)
{
    X509_NAME *name = X509_get_subject_name(x);
    X509V3_CTX v3;

    if (X509_set_version(x, 2) != 1 || !set_random_serial(x) ||
        X509_gmtime_adj(X509_getm_notBefore(x), not_before_s) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), not_after_s) == NULL ||
        X509_set_pubkey(x, key) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   (const unsigned char *)cn, -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1) {
        return 0;
    }
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    if (!add_ext(x, &v3, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, &v3, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, &v3, NID_ext_key_usage, "serverAuth") ||
        !add_ext(x, &v3, NID_subject_key_identifier, "hash") ||
        !add_ext(x, &v3, NID_authority_key_identifier, "keyid:always") ||
        (san != NULL && !add_ext(x, &v3, NID_subject_alt_name, san))) {
        return 0;
    }
    return X509_sign(x, key, EVP_sha256()) > 0;
}

int lx__tls_make_cert(const char *cn, const char *san, long not_before_s,
                      long not_after_s, EVP_PKEY **key, X509 **cert)
{
    EVP_PKEY *k;
    X509 *x;

    if (cn == NULL || key == NULL || cert == NULL) {
        return LX_ERR_INVAL;
    }
    *key = NULL;
    *cert = NULL;
    ERR_clear_error();
    k = make_p256_key();
    x = k != NULL ? X509_new() : NULL;
    if (x == NULL || !fill_cert(x, k, cn, san, not_before_s, not_after_s)) {
        X509_free(x);
        EVP_PKEY_free(k);
        return LX_ERR_TLS;
    }
    *key = k;
    *cert = x;
    return LX_OK;
}

/*
 * The common name goes into an OpenSSL config string (the SAN list), so
 * only host-name and IP-literal characters are allowed: a ',' would add
 * entries of the caller's choosing.
 */
static bool cn_valid(const char *cn)
{
    size_t i, n = strlen(cn);

    if (n == 0 || n > CN_MAX) {
        return false;
    }
    for (i = 0; i < n; i++) {
        char c = cn[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' ||
              c == '*' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* "DNS:cn,DNS:localhost,IP:127.0.0.1,IP:::1" without repeating cn. */
static void default_san(const char *cn, char *buf, size_t cap)
{
    unsigned char tmp[16];
    bool is_ip = evutil_inet_pton(AF_INET, cn, tmp) == 1 ||
                 evutil_inet_pton(AF_INET6, cn, tmp) == 1;
    bool dup = strcmp(cn, "localhost") == 0 || strcmp(cn, "127.0.0.1") == 0 ||
               strcmp(cn, "::1") == 0;

    lx__snprintf(buf, cap, "%s%s%sDNS:localhost,IP:127.0.0.1,IP:::1",
                 dup ? "" : (is_ip ? "IP:" : "DNS:"), dup ? "" : cn,
                 dup ? "" : ",");
}

/* Generates the key and certificate and installs them in t. */
static int install_selfsigned(struct lx_tls *t, const char *cn)
{
    char san[CN_MAX + 64];
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    int rc;

    default_san(cn, san, sizeof(san));
    rc = lx__tls_make_cert(cn, san, -3600L, 30L * 86400, &key, &x);
    if (rc == LX_OK && (SSL_CTX_use_certificate(t->ssl, x) != 1 ||
                        SSL_CTX_use_PrivateKey(t->ssl, key) != 1)) {
        rc = LX_ERR_TLS;
    }
    if (rc != LX_OK) {
        char reason[ERRTEXT_MAX];

        ossl_reason(reason, sizeof(reason));
        LX_LOGE(t->ctx, "tls", "tls_selfsigned_error cn=%s reason=\"%s\"", cn,
                reason);
    }
    X509_free(x); /* the SSL_CTX holds its own references */
    EVP_PKEY_free(key);
    return rc;
}

int lx_tls_server_new_selfsigned(struct lx_tls **out, struct lx_ctx *ctx,
                                 const char *common_name)
{
    struct lx_tls *t;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (common_name == NULL) {
        common_name = "localhost";
    }
    if (!cn_valid(common_name)) {
        return LX_ERR_INVAL;
    }
    if ((rc = tls_alloc(&t, ctx, 1)) != LX_OK) {
        return rc;
    }
    if ((rc = install_selfsigned(t, common_name)) != LX_OK) {
        lx_tls_free(t);
        return rc;
    }
    *out = t;
    return LX_OK;
}

/* ---- accessors ---- */

int lx_tls_write_cert_pem(const struct lx_tls *tls, const char *path)
{
    /* last_error is a cache, like a mutable member; the object is never
     * defined const, so writing through this pointer is well defined. */
    struct lx_tls *t = (struct lx_tls *)tls;
    X509 *x;
    FILE *f;
    int ok;

    if (t == NULL || path == NULL || !t->is_server) {
        return LX_ERR_INVAL;
    }
    x = SSL_CTX_get0_certificate(t->ssl);
    if (x == NULL) {
        return LX_ERR_INVAL;
    }
    f = fopen(path, "w");
    if (f == NULL) {
        return file_fail(t->ctx, t, LX_ERR_FILE, "cannot write", path,
                         strerror(errno));
    }
    ok = PEM_write_X509(f, x) == 1;
    if (fclose(f) != 0 || !ok) {
        ERR_clear_error();
        return file_fail(t->ctx, t, LX_ERR_FILE, "cannot write", path,
                         ok ? strerror(errno) : "PEM encoding failed");
    }
    t->last_error[0] = '\0';
    return LX_OK;
}

const char *lx_tls_last_error(const struct lx_tls *tls)
{
    return tls != NULL ? tls->last_error : "";
}

int lx_tls_is_server(const struct lx_tls *tls)
{
    return tls != NULL && tls->is_server;
}

void lx_tls_free(struct lx_tls *tls)
{
    if (tls != NULL) {
        SSL_CTX_free(tls->ssl);
        lx__free(tls->mem, tls);
    }
}

SSL_CTX *lx__tls_ssl_ctx(const struct lx_tls *t)
{
    return t->ssl;
}

/* ---- server side and error text ---- */

int lx__tls_server_wrap(struct lx_tls *t, struct event_base *base,
                        evutil_socket_t fd, struct bufferevent **out)
{
    struct bufferevent *bev;
    int one = 1;
    SSL *ssl;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (t == NULL || base == NULL || fd < 0 || !t->is_server) {
        return LX_ERR_INVAL;
    }
    /* Small records both ways; latency matters more than packet count. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ssl = SSL_new(t->ssl);
    if (ssl == NULL) {
        ERR_clear_error();
        return LX_ERR_NOMEM;
    }
    /* On failure libevent frees ssl (CLOSE_ON_FREE) but leaves fd open. */
    bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
        BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    if (bev == NULL) {
        ERR_clear_error();
        return LX_ERR_NOMEM;
    }
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    *out = bev;
    return LX_OK;
}

void lx__tls_bev_error(struct bufferevent *bev, short what, const char *host,
                       char *buf, size_t cap)
{
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    unsigned long e, first = 0;
    long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
    int sock_err = EVUTIL_SOCKET_ERROR();
    char who[LX__DIAL_HOST_MAX + 16];
    char reason[ERRTEXT_MAX];

    lx__snprintf(who, sizeof(who), host != NULL ? "host '%s'" : "%s",
                 host != NULL ? host : "the peer");
    while ((e = bufferevent_get_openssl_error(bev)) != 0) {
        if (first == 0) {
            first = e;
        }
    }
    if (vr != X509_V_OK) {
        lx__snprintf(buf, cap, "tls: certificate verify failed for %s: %s", who,
                     X509_verify_cert_error_string(vr));
    } else if (first != 0) {
        ERR_error_string_n(first, reason, sizeof(reason));
        lx__snprintf(buf, cap, "tls: handshake with %s failed: %s", who,
                     reason);
    } else if (what & BEV_EVENT_TIMEOUT) {
        lx__snprintf(buf, cap, "tls: handshake with %s timed out", who);
    } else if ((what & BEV_EVENT_EOF) || sock_err == 0) {
        lx__snprintf(buf, cap,
                     "tls: connection closed by %s during the "
                     "handshake",
                     who);
    } else {
        lx__snprintf(buf, cap, "tls: handshake with %s failed: %s", who,
                     evutil_socket_error_to_string(sock_err));
    }
    ERR_clear_error();
}
