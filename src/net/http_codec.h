/*
 * http_codec.h - the HTTP/1.1 codec shared by the client (connector) and
 * the server (mock): a sans-I/O parser on top of http-parser and a
 * serializer into an evbuffer. Private to liblotusx.
 *
 * The struct lx_http_msg layout is here so the parser can fill messages in
 * place; only http_msg.c and http_codec.c touch its fields, everyone else
 * uses the accessors of lotusx/lx_http.h.
 */
#ifndef LOTUSX_NET_HTTP_CODEC_H
#define LOTUSX_NET_HTTP_CODEC_H

#include "core/lx_internal.h"
#include "lotusx/lx_http.h"

struct evbuffer;

/* ---- messages (http_msg.c) --------------------------------------------- */

/* One header field: offsets into the message's text buffer. */
struct lx__http_field {
    size_t name_off;
    size_t name_len;
    size_t value_off;
    size_t value_len;
};

/* Text bytes and header fields a message holds without more allocations. */
#define LX__HTTP_TEXT_INLINE   256
#define LX__HTTP_FIELDS_INLINE 8

struct lx_http_msg {
    const struct lx_mem *mem;
    int is_request;
    int status;
    int version;  /* major * 10 + minor */
    int upgrade;  /* parsed: HTTP ended after this message */
    int eof_body; /* parsed: the body was delimited by the connection end */
    int has_body; /* a body was set or framed (it may be empty) */
    /* Every string, each NUL-terminated, in one growing buffer. */
    char *text;
    size_t text_len;
    size_t text_cap;
    size_t method_off; /* requests */
    size_t line_off;   /* the target of a request, the reason of a response */
    size_t line_len;
    struct lx__http_field *fields;
    size_t nfields;
    size_t fields_cap;
    char *body; /* body_len bytes and a NUL */
    size_t body_len;
    size_t body_cap;
    /*
     * The first LX__HTTP_TEXT_INLINE bytes of text and the first fields
     * live in the message itself (text and fields point here), so that a
     * typical message is one allocation; left uninitialised until used.
     */
    struct lx__http_field fields_inline[LX__HTTP_FIELDS_INLINE];
    char text_inline[LX__HTTP_TEXT_INLINE];
};

/*
 * Grows the block *p of *cap elements of size elem to hold at least need
 * elements, at least doubling so that appends are amortised O(1). need
 * above limit (counted in elements) fails with LX_ERR_TOOBIG before
 * anything is allocated. Errors: LX_ERR_TOOBIG, LX_ERR_NOMEM (*p intact).
 */
int lx__http_grow(const struct lx_mem *mem, void **p, size_t *cap, size_t need,
                  size_t elem, size_t limit);

/* 1 if c may appear in an RFC 7230 token (methods, field names). */
int lx__http_is_tchar(unsigned char c);

/* 1 if the n bytes at a and b are equal ignoring ASCII case. */
int lx__http_ci_equal(const char *a, const char *b, size_t n);

/* An empty message of the given kind, version 1.1. LX_ERR_NOMEM. */
int lx__http_msg_alloc(struct lx_http_msg **out, const struct lx_mem *mem,
                       int is_request);

/*
 * Appends len bytes to the text buffer, keeping one byte free for a NUL;
 * total text above limit fails with LX_ERR_TOOBIG before growing.
 */
int lx__http_msg_text_append(struct lx_http_msg *m, const char *s, size_t len,
                             size_t limit);

/* Appends bytes to the body (capped like text_append, body_len <= limit). */
int lx__http_msg_body_append(struct lx_http_msg *m, const char *s, size_t len,
                             size_t limit);

/* Starts a new, empty header field at the end of the text. */
int lx__http_msg_field_new(struct lx_http_msg *m, size_t max_fields);

/*
 * Walks the comma-separated lists of every header field called name
 * (ASCII case ignored): *match counts the elements equal to token (case
 * ignored, surrounding whitespace dropped), *other the rest; empty
 * elements are skipped. Returns how many such fields there are.
 */
size_t lx__http_msg_tokens(const struct lx_http_msg *m, const char *name,
                           const char *token, size_t *match, size_t *other);

/* 1 if some field called name lists token (see lx__http_msg_tokens). */
int lx__http_msg_has_token(const struct lx_http_msg *m, const char *name,
                           const char *token);

/* ---- serializer (http_codec.c) ----------------------------------------- */

/*
 * Appends m to out: the start line, every header field exactly in the
 * order and bytes given, then the body. Content-Length is added (after the
 * given fields) when neither Content-Length nor Transfer-Encoding was
 * given and: a request has a body (even an empty one that was set) or is
 * a POST, PUT or PATCH; a response is not 1xx, 204 or 304. With a
 * Transfer-Encoding that lists chunked, a body that was set is written as
 * one chunk and the last chunk; with none set only the head is written and
 * the caller follows with lx__http_write_chunk / lx__http_write_last_chunk.
 * Nothing is appended on failure. Errors: LX_ERR_INVAL (a Content-Length
 * header that is not a number or disagrees with a non-empty body; a body
 * on a 1xx, 204 or 304), LX_ERR_NOMEM.
 */
int lx__http_msg_write(const struct lx_http_msg *m, struct evbuffer *out);

/*
 * Appends m as lx__http_msg_write would once lx_http_msg_set_body(m,
 * body, len) had been called, without copying the body into m first. m
 * must have no body set (LX_ERR_INVAL). Errors as lx__http_msg_write.
 */
int lx__http_msg_write_body(const struct lx_http_msg *m, const void *body,
                            size_t len, struct evbuffer *out);

/* Appends one chunk (nothing when len is 0). LX_ERR_NOMEM. */
int lx__http_write_chunk(struct evbuffer *out, const void *data, size_t len);

/* Appends the last chunk "0\r\n\r\n" (no trailers). LX_ERR_NOMEM. */
int lx__http_write_last_chunk(struct evbuffer *out);

/* ---- parser (http_codec.c) --------------------------------------------- */

enum lx__http_role { LX__HTTP_REQUEST = 0, LX__HTTP_RESPONSE = 1 };

/*
 * max_header_bytes caps the raw bytes of the start line and headers, and
 * separately of a chunked body's trailer section; http-parser's own
 * compiled-in cap of 80 KiB applies on top.
 */
struct lx__http_limits {
    size_t max_header_bytes; /* start line + headers, raw bytes; 16 KiB */
    size_t max_headers;      /* header fields per message; 100 */
    size_t max_body;         /* decoded body bytes; 8 MiB */
};

/* Fills in the defaults above. */
void lx__http_limits_default(struct lx__http_limits *l);

/*
 * Receives each complete message; ownership of msg passes to the callback
 * (free it with lx_http_msg_free). The callback may call
 * lx__http_parser_reset or lx__http_parser_expect_no_body, but must not
 * free the parser.
 */
typedef void (*lx__http_msg_fn)(struct lx_http_msg *msg, void *ud);

struct lx__http_parser;

/*
 * Creates a parser of requests (server side) or responses (client side).
 * limits NULL takes the defaults; a zero field takes its default. The
 * limits are copied; mem is kept and also allocates the parsed messages.
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx__http_parser_new(struct lx__http_parser **out, const struct lx_mem *mem,
                        int role, const struct lx__http_limits *limits,
                        lx__http_msg_fn on_message, void *ud);

/* Frees the parser and any half-parsed message; NULL is allowed. */
void lx__http_parser_free(struct lx__http_parser *p);

/*
 * Parses len bytes, calling on_message for every message completed, in
 * order (interim 1xx responses are messages of their own). *consumed
 * (always set) tells how many bytes were used: all of them, except after
 * an upgrade (a request with Upgrade listed in Connection, a CONNECT, a
 * 101), where it stops right after the message that switched protocols so
 * the caller can hand the rest to the new protocol. Once a message that
 * does not keep the connection alive is complete, later bytes are
 * consumed and ignored (RFC 7230 section 6.6). Parsing is strict: bare
 * CR, obs-fold, field names that are not tokens, a protocol name other
 * than "HTTP/" and framing headers that could be read two ways are errors.
 * Errors: LX_ERR_PARSE (malformed, or over a limit: see
 * lx__http_parser_error_status), LX_ERR_NOMEM; either leaves the parser
 * dead and every later feed returns the same error. LX_ERR_STATE: the
 * parser stopped at an upgrade and takes no more bytes.
 */
int lx__http_parser_feed(struct lx__http_parser *p, const char *data,
                         size_t len, size_t *consumed);

/*
 * Tells the parser the connection ended. A response whose body runs to
 * the end of the connection is completed and delivered. Returns LX_OK, or
 * LX_ERR_PARSE when a message was cut short (the parser is then dead), or
 * the error of a parser already dead.
 */
int lx__http_parser_feed_eof(struct lx__http_parser *p);

/*
 * The next response parsed has no body whatever its headers say: it
 * answers a HEAD request. Applies to one response.
 */
void lx__http_parser_expect_no_body(struct lx__http_parser *p);

/* Back to the state of a new parser (a dead or upgraded one too). */
void lx__http_parser_reset(struct lx__http_parser *p);

/* 1 while part of a message has been consumed but it is not complete. */
int lx__http_parser_in_message(const struct lx__http_parser *p);

/*
 * For a dead parser, the status a server should answer with: 400
 * malformed, 431 start line and headers (or trailers) over
 * max_header_bytes or more than max_headers fields, 413 body over
 * max_body, 501 a transfer coding other than chunked, 505 a version other
 * than HTTP/1.x, 503 out of memory. 0 while the parser is alive.
 */
int lx__http_parser_error_status(const struct lx__http_parser *p);

#endif
