/*
 * lx_tls.h - TLS settings for both sides of a connection.
 *
 * A struct lx_tls wraps one OpenSSL SSL_CTX. A client lx_tls verifies the
 * peer (TLS 1.2 or newer, certificate chain checked against a CA file or
 * the system store, host name or IP address checked per connection). A
 * server lx_tls holds a certificate and its key, loaded from PEM files or
 * generated at start-up (self-signed, for loopback tests and the mock).
 *
 * The connections themselves are made by the network layer (lx_net.h),
 * which takes an lx_tls where it needs one. An lx_tls may be shared by any
 * number of connections; each connection keeps its own reference to the
 * underlying SSL_CTX, so freeing the lx_tls while connections are open is
 * safe. An lx_tls is not thread-safe: use it from the loop thread.
 *
 * Failures that have to do with a file name it and OpenSSL's reason both
 * in the context's log (subsys "tls") and, for calls on an existing
 * object, in lx_tls_last_error().
 */
#ifndef LOTUSX_LX_TLS_H
#define LOTUSX_LX_TLS_H

#include "lx_common.h"
#include "lx_mem.h"

struct lx_tls;

/*
 * Creates client settings: TLS 1.2 minimum, peer verification on.
 * ca_file is a PEM file of trusted certificates (a server's self-signed
 * certificate works too); NULL trusts the system store (OpenSSL's default
 * verify paths). ctx gives the allocator and log sink and may be NULL; it
 * must outlive the object.
 * Errors: LX_ERR_INVAL (out NULL), LX_ERR_NOMEM, LX_ERR_FILE (ca_file
 * cannot be opened), LX_ERR_TLS (ca_file holds no usable certificate, or
 * OpenSSL failed). On error *out is NULL and the log says why. Loop thread.
 */
LX_EXTERN int lx_tls_client_new(struct lx_tls **out, struct lx_ctx *ctx,
                                const char *ca_file);

/*
 * Creates server settings from PEM files: cert_file holds the certificate
 * followed by any intermediates, key_file the matching private key.
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM, LX_ERR_FILE (a file cannot be
 * opened), LX_ERR_TLS (not PEM, no certificate, or the key does not match
 * the certificate). On error *out is NULL; the log names the file and
 * OpenSSL's reason. Loop thread.
 */
LX_EXTERN int lx_tls_server_new(struct lx_tls **out, struct lx_ctx *ctx,
                                const char *cert_file, const char *key_file);

/*
 * Creates server settings with a fresh EC P-256 key and a self-signed
 * X.509 v3 certificate for common_name (NULL = "localhost"), whose
 * subjectAltName lists the common name plus DNS:localhost, IP:127.0.0.1
 * and IP:::1, valid from one hour ago to 30 days from now. The validity
 * window comes from OpenSSL's own reading of the system clock
 * (X509_gmtime_adj), the one place LotuSX lets a library read the clock
 * outside lx_clock: certificates are checked against real time by every
 * peer anyway. Trust it from a client with lx_tls_write_cert_pem.
 * Errors: LX_ERR_INVAL (out NULL, or common_name empty or over 64 bytes),
 * LX_ERR_NOMEM, LX_ERR_TLS. Loop thread.
 */
LX_EXTERN int lx_tls_server_new_selfsigned(struct lx_tls **out,
                                           struct lx_ctx *ctx,
                                           const char *common_name);

/*
 * Writes the server certificate (the leaf, PEM) to path, replacing the
 * file, so that clients can trust it (curl --cacert, lx_tls_client_new).
 * Never writes the key. Errors: LX_ERR_INVAL (NULL argument or a client
 * lx_tls), LX_ERR_FILE (cannot create or write path). Loop thread.
 */
LX_EXTERN int lx_tls_write_cert_pem(const struct lx_tls *tls, const char *path);

/*
 * The reason the last failing call on tls failed ("" if none), e.g.
 * "cannot write '/tmp/x.pem': Permission denied". Borrowed; valid until
 * the next call on tls.
 */
LX_EXTERN const char *lx_tls_last_error(const struct lx_tls *tls);

/* 1 for settings made by lx_tls_server_new*, 0 for client settings. */
LX_EXTERN int lx_tls_is_server(const struct lx_tls *tls);

/* Frees the settings; NULL is allowed. Open connections are unaffected. */
LX_EXTERN void lx_tls_free(struct lx_tls *tls);

#endif
