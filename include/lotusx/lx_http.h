/*
 * lx_http.h - one HTTP/1.1 message, request or response, as the connector
 * sends and receives it and as the mock serves it.
 *
 * A struct lx_http_msg holds the start line (method and request-target, or
 * status and reason), the header fields as an ordered list that keeps the
 * exact bytes and letter case of each name and value (a received value
 * without the optional whitespace around it, which is not part of it),
 * the body, the HTTP version and what the framing said about the
 * connection (keep-alive, upgrade). Messages come from two places: the builders
 * below, and the HTTP codec inside the library, which hands parsed messages to
 * the HTTP server and client and, borrowed, to the wire tap (lx_tap.h).
 *
 * Strings returned by the accessors are borrowed, NUL-terminated and valid
 * until the message is modified (lx_http_msg_add_header,
 * lx_http_msg_set_body) or freed. A message is a plain value: it belongs to
 * no loop or thread, and one thread at a time may use it.
 */
#ifndef LOTUSX_LX_HTTP_H
#define LOTUSX_LX_HTTP_H

#include "lx_common.h"
#include "lx_mem.h"

struct lx_http_msg;

/*
 * Creates a request with method (an RFC 7230 token such as "GET") and
 * target (the request-target as sent: "/api/v3/order?symbol=BTCUSDT"; no
 * spaces or control characters). The version is HTTP/1.1, there are no
 * headers and no body. mem NULL means libc; it is kept and must outlive the
 * message. Errors: LX_ERR_INVAL (NULL or malformed method or target),
 * LX_ERR_NOMEM. *out is NULL on failure.
 */
LX_EXTERN int lx_http_msg_new_request(struct lx_http_msg **out,
                                      const struct lx_mem *mem,
                                      const char *method, const char *target);

/*
 * Creates a response with status (100..999) and reason; reason NULL uses
 * lx_http_status_reason(status). The reason may hold spaces and tabs but no
 * other control characters. Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_http_msg_new_response(struct lx_http_msg **out,
                                       const struct lx_mem *mem, int status,
                                       const char *reason);

/* Frees the message, its headers and its body; NULL is allowed. */
LX_EXTERN void lx_http_msg_free(struct lx_http_msg *m);

/*
 * Appends a header field, copying name and value byte for byte; existing
 * fields of the same name are kept (duplicates are sent in order). name
 * must be a non-empty RFC 7230 token; value must hold no control character
 * other than horizontal tab, so neither can inject a line (CR, LF and NUL
 * are refused). Errors: LX_ERR_INVAL, LX_ERR_NOMEM (the message is then
 * unchanged).
 */
LX_EXTERN int lx_http_msg_add_header(struct lx_http_msg *m, const char *name,
                                     const char *value);

/*
 * Replaces the body with a copy of len bytes at body (body may be NULL when
 * len is 0: an explicitly empty body, which makes a POST say
 * "Content-Length: 0"). When the message is written, Content-Length is
 * added unless a Content-Length or Transfer-Encoding header is present.
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM (the old body is then kept).
 */
LX_EXTERN int lx_http_msg_set_body(struct lx_http_msg *m, const void *body,
                                   size_t len);

/* 1 for a request, 0 for a response. */
LX_EXTERN int lx_http_msg_is_request(const struct lx_http_msg *m);

/* The method of a request ("GET"); NULL for a response. */
LX_EXTERN const char *lx_http_msg_method(const struct lx_http_msg *m);

/* The request-target exactly as sent or received; NULL for a response. */
LX_EXTERN const char *lx_http_msg_target(const struct lx_http_msg *m);

/* The status code of a response; 0 for a request. */
LX_EXTERN int lx_http_msg_status(const struct lx_http_msg *m);

/* The reason phrase of a response as received (may be ""); NULL for a
 * request. */
LX_EXTERN const char *lx_http_msg_reason(const struct lx_http_msg *m);

/* The HTTP version as major * 10 + minor: 11 for HTTP/1.1, 10 for 1.0. */
LX_EXTERN int lx_http_msg_version(const struct lx_http_msg *m);

/* The number of header fields. */
LX_EXTERN size_t lx_http_msg_header_count(const struct lx_http_msg *m);

/*
 * The i-th header field (0-based, in wire order): name and value with their
 * lengths; any out-pointer may be NULL. Errors: LX_ERR_RANGE (i too big;
 * the out-pointers are then left alone).
 */
LX_EXTERN int lx_http_msg_header_at(const struct lx_http_msg *m, size_t i,
                                    const char **name, size_t *name_len,
                                    const char **value, size_t *value_len);

/*
 * The value of the first header field whose name matches name ignoring
 * ASCII case, with its length in *len when len is not NULL; NULL when there
 * is none.
 */
LX_EXTERN const char *lx_http_msg_header(const struct lx_http_msg *m,
                                         const char *name, size_t *len);

/*
 * The body and its length (*len may be NULL). The bytes are followed by a
 * NUL that len does not count. NULL (and 0) when the body is empty.
 */
LX_EXTERN const char *lx_http_msg_body(const struct lx_http_msg *m,
                                       size_t *len);

/*
 * 1 if the connection may carry another message after this one, per RFC
 * 7230 section 6.3: no "close" option in Connection, and either HTTP/1.1 or
 * later, or HTTP/1.0 with the "keep-alive" option. A parsed response whose
 * body ended with the connection is never keep-alive.
 */
LX_EXTERN int lx_http_msg_keep_alive(const struct lx_http_msg *m);

/*
 * 1 for a parsed message after which the connection left HTTP: a request
 * with Upgrade listed in Connection (or CONNECT), or a 101 response. Built
 * messages report 0.
 */
LX_EXTERN int lx_http_msg_upgrade(const struct lx_http_msg *m);

/*
 * 1 for a request whose method is idempotent per RFC 7231 section 4.2.2
 * (GET, HEAD, PUT, DELETE, OPTIONS, TRACE); 0 otherwise and for responses.
 */
LX_EXTERN int lx_http_msg_is_idempotent(const struct lx_http_msg *m);

/*
 * 1 for a request whose method is safe per RFC 7231 section 4.2.1 (GET,
 * HEAD, OPTIONS, TRACE): the only ones that may be re-sent without asking
 * the application. 0 otherwise and for responses.
 */
LX_EXTERN int lx_http_msg_is_safe(const struct lx_http_msg *m);

/*
 * The standard reason phrase of a status code ("Not Found"); for codes
 * without one, the name of their class ("Client Error"); "" outside
 * 100..599. Static, never NULL.
 */
LX_EXTERN const char *lx_http_status_reason(int status);

#endif
