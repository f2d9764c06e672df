/*
 * lx_url.h - absolute URLs, request targets, query strings and percent
 * encoding.
 *
 * Venues sign the exact bytes of a query string, so everything here is
 * byte-exact and predictable:
 *
 * - lx_url_parse keeps the path and the query exactly as written (no
 *   percent-decoding, no dot-segment removal, no re-encoding); only the
 *   scheme and the host are lower-cased, because they are case-insensitive.
 * - lx_query_encode always produces the same bytes for the same pairs in
 *   the same order: RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~)
 *   pass through, every other byte becomes %XX with UPPER-case hex, a space
 *   is %20 (never '+'), and pairs are written key=value joined by '&' (an
 *   empty value still gets its '=').
 *
 * A signature is computed over the bytes that go on the wire. Binance, for
 * one, signs "whatever bytes are sent": a server that checks a signature
 * (the mock) must verify it over the raw query or body bytes it received,
 * never over a re-encoding of the decoded pairs, since another client may
 * encode differently (lower-case hex, '+' for space, unencoded ',' or '@')
 * and still be right.
 *
 * Objects are plain data: no loop, no I/O. Each object may be used from one
 * thread at a time; distinct objects from any thread.
 */
#ifndef LOTUSX_LX_URL_H
#define LOTUSX_LX_URL_H

#include "lx_common.h"
#include "lx_mem.h"

/*
 * Only lx_query_add_decimal takes a struct lx_decimal, and C allows an
 * incomplete parameter type in a prototype, so this header does not pull in
 * lx_decimal.h; callers of that function include it themselves.
 */
struct lx_decimal;

/* ---- URLs --------------------------------------------------------------- */

/* Longest URL or request-target lx_url_parse* accept (LX_ERR_TOOBIG). */
#define LX_URL_MAX_LEN 8192

struct lx_url;

/*
 * Parses an absolute URL: scheme "://" host [":" port] [path] ["?" query]
 * ["#" fragment].
 *
 * - scheme: http, https, ws or wss, any case; stored lower-case.
 * - host: a registered name of letters, digits, '-', '_' and '.' (labels of
 *   1..63 bytes, at most 253 bytes, one trailing '.' allowed), lower-cased;
 *   or a dotted-quad IPv4 address (decimal octets, no leading zeros; a name
 *   whose last label is a number, such as "1.0x7f" or "10.1", must be a
 *   valid dotted quad, so that no resolver reads it as an address in
 *   another notation); or an IPv6 literal in brackets, stored lower-case
 *   without the brackets. IPv6 zone ids ("[fe80::1%25eth0]") and IPvFuture
 *   are rejected: a zone id only means something on one host and has no
 *   business in a venue URL. Percent-encoded hosts are rejected too.
 * - port: 1..65535, decimal digits only; ":" with no digits is rejected.
 *   Without a port the scheme's default applies (80, 443, 80, 443).
 * - path: kept verbatim; an empty path becomes "/".
 * - query: kept verbatim without its '?'; "http://h/p?" has an empty query
 *   (""), "http://h/p" has none (NULL).
 * - fragment: checked like the query, then dropped.
 *
 * Rejected with LX_ERR_PARSE: userinfo ("user@host": venues never use it
 * and it is a classic way to disguise the real host), control characters,
 * spaces, bytes >= 0x80, '%' not followed by two hex digits, anything the
 * rules above do not allow. Other printable ASCII in the path and query is
 * kept as is.
 *
 * mem: allocator (NULL = libc), must outlive the URL. s need not be
 * NUL-terminated. On success *out owns one allocation; free it with
 * lx_url_free. Errors: LX_ERR_INVAL (NULL out or s), LX_ERR_PARSE,
 * LX_ERR_TOOBIG (len > LX_URL_MAX_LEN), LX_ERR_NOMEM. *out is NULL on
 * failure.
 */
LX_EXTERN int lx_url_parse(struct lx_url **out, const struct lx_mem *mem,
                           const char *s, size_t len);

/*
 * Parses an HTTP request-target as a server receives it: origin-form
 * ("/path?query", the path must start with '/') or absolute-form (an
 * absolute URL, parsed as lx_url_parse does). asterisk-form ("*") and
 * authority-form ("host:port") are rejected with LX_ERR_PARSE, as is a
 * '#' anywhere (a request-target never carries a fragment). An origin-form
 * target has no authority: lx_url_scheme and lx_url_host return "",
 * lx_url_port returns 0 and lx_url_host_header fails with LX_ERR_STATE.
 * Same errors and ownership as lx_url_parse.
 */
LX_EXTERN int lx_url_parse_target(struct lx_url **out, const struct lx_mem *mem,
                                  const char *s, size_t len);

/* Frees a URL; NULL is allowed. */
LX_EXTERN void lx_url_free(struct lx_url *u);

/*
 * Accessors. The strings are NUL-terminated, owned by u and valid until
 * lx_url_free. u must not be NULL.
 */
LX_EXTERN const char *lx_url_scheme(const struct lx_url *u); /* "https" */
LX_EXTERN const char *lx_url_host(const struct lx_url *u);   /* "::1" */
LX_EXTERN const char *lx_url_path(const struct lx_url *u);   /* "/" */
/* The query without '?': NULL when absent, "" when empty. */
LX_EXTERN const char *lx_url_query(const struct lx_url *u);
/* The effective port: explicit, else the scheme's default. */
LX_EXTERN uint16_t lx_url_port(const struct lx_url *u);
/* 1 when the URL spelled out a port (even the default one), else 0. */
LX_EXTERN int lx_url_has_port(const struct lx_url *u);
/* 1 for https and wss. */
LX_EXTERN int lx_url_is_tls(const struct lx_url *u);
/* 1 for ws and wss. */
LX_EXTERN int lx_url_is_ws(const struct lx_url *u);

/*
 * Writes the Host header value: host, "[v6]" for IPv6, then ":port" unless
 * the port is the scheme's default. Always NUL-terminates when cap > 0.
 * Returns the length (without the NUL), LX_ERR_TOOBIG when it does not fit
 * in cap bytes including the NUL, LX_ERR_INVAL (NULL u or buf),
 * LX_ERR_STATE (origin-form target: no host).
 */
LX_EXTERN int lx_url_host_header(const struct lx_url *u, char *buf, size_t cap);

/*
 * Writes the request-target: path, then "?query" when a query is present
 * (even an empty one, so "http://h/p?" gives "/p?"). Same return values as
 * lx_url_host_header except LX_ERR_STATE.
 */
LX_EXTERN int lx_url_request_target(const struct lx_url *u, char *buf,
                                    size_t cap);

/* ---- Percent encoding --------------------------------------------------- */

/* Decode '+' as a space (HTML form bodies); otherwise '+' is a plus. */
#define LX_QUERY_PLUS_SPACE 0x1u

/*
 * Percent-encodes len bytes of in: unreserved bytes (A-Z a-z 0-9 - . _ ~)
 * are copied, every other byte becomes %XX with upper-case hex (space is
 * %20). Writes a NUL after the output. Returns the output length (without
 * the NUL), LX_ERR_TOOBIG when it needs more than cap bytes including the
 * NUL (out then holds an unspecified prefix), LX_ERR_INVAL (NULL in with
 * len > 0, or NULL out).
 */
LX_EXTERN int lx_percent_encode(const char *in, size_t len, char *out,
                                size_t cap);

/*
 * Decodes %XX escapes (either hex case) and, with LX_QUERY_PLUS_SPACE in
 * flags, '+' as a space; other bytes are copied. Decoding in place
 * (out == in) is allowed. Writes a NUL after the output. Returns the output
 * length, LX_ERR_PARSE ('%' not followed by two hex digits), LX_ERR_TOOBIG
 * (does not fit in cap bytes including the NUL), LX_ERR_INVAL (NULL
 * pointers, unknown flags).
 */
LX_EXTERN int lx_percent_decode(const char *in, size_t len, char *out,
                                size_t cap, unsigned flags);

/* ---- Query strings ------------------------------------------------------ */

/*
 * Caps on one query, built or parsed: pairs, and bytes (raw input for
 * lx_query_parse; decoded keys plus values for the builder).
 */
#define LX_QUERY_MAX_PAIRS 1024
#define LX_QUERY_MAX_BYTES 65536

/*
 * An ordered list of key/value pairs. Duplicate keys are allowed and
 * insertion order is kept. Keys are byte strings without NUL bytes; values
 * may hold any byte (use the length lx_query_value reports).
 */
struct lx_query;

/*
 * Creates an empty query. mem (NULL = libc) must outlive it. Errors:
 * LX_ERR_INVAL, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_query_new(struct lx_query **out, const struct lx_mem *mem);

/* Frees a query and its pairs; NULL is allowed. */
LX_EXTERN void lx_query_free(struct lx_query *q);

/*
 * Appends a pair; the bytes are copied. Errors: LX_ERR_INVAL (NULL
 * argument, NUL byte in the key), LX_ERR_TOOBIG (LX_QUERY_MAX_PAIRS or
 * LX_QUERY_MAX_BYTES would be exceeded), LX_ERR_NOMEM. On error the query
 * is unchanged.
 */
LX_EXTERN int lx_query_add(struct lx_query *q, const char *key,
                           const char *value);
LX_EXTERN int lx_query_add_n(struct lx_query *q, const char *key, size_t klen,
                             const char *value, size_t vlen);
/* Appends the value in plain decimal ("-42"). Errors as lx_query_add. */
LX_EXTERN int lx_query_add_i64(struct lx_query *q, const char *key,
                               int64_t value);
/*
 * Appends the value as lx_decimal_format renders it ("0.1"). Errors as
 * lx_query_add, plus whatever lx_decimal_format returns.
 */
LX_EXTERN int lx_query_add_decimal(struct lx_query *q, const char *key,
                                   struct lx_decimal value);

/* Number of pairs; 0 for NULL. */
LX_EXTERN size_t lx_query_count(const struct lx_query *q);

/*
 * The i-th key / value (0-based), NUL-terminated, owned by q, valid until
 * the pair is removed, the query sorted or freed. NULL when i is out of
 * range. len (may be NULL) receives the value's length.
 */
LX_EXTERN const char *lx_query_key(const struct lx_query *q, size_t i);
LX_EXTERN const char *lx_query_value(const struct lx_query *q, size_t i,
                                     size_t *len);

/* The value of the first pair with this key, or NULL; len as above. */
LX_EXTERN const char *lx_query_find(const struct lx_query *q, const char *key,
                                    size_t *len);

/*
 * Removes every pair with this key. Returns how many were removed (0 when
 * none) or LX_ERR_INVAL.
 */
LX_EXTERN int lx_query_remove(struct lx_query *q, const char *key);

/*
 * Sorts the pairs by key bytes (unsigned, a prefix first), stable: pairs
 * with equal keys keep their order. For venues that sign sorted
 * parameters. NULL is allowed.
 */
LX_EXTERN void lx_query_sort(struct lx_query *q);

/* The length lx_query_encode will return (without the NUL); 0 for NULL. */
LX_EXTERN size_t lx_query_encoded_len(const struct lx_query *q);

/*
 * Writes "k1=v1&k2=v2" with the encoding described at the top of this
 * file, then a NUL. Returns the length (without the NUL), LX_ERR_TOOBIG
 * when it needs more than cap bytes including the NUL, LX_ERR_INVAL.
 */
LX_EXTERN int lx_query_encode(const struct lx_query *q, char *buf, size_t cap);

/*
 * Parses a query string or form body (without a leading '?'): pairs split
 * on '&', key and value on the first '='; both are percent-decoded ('+' as
 * space only with LX_QUERY_PLUS_SPACE). Order is kept; "a=&b" gives two
 * pairs with empty values; empty segments ("a=1&&b=2", a trailing '&') are
 * skipped; an empty key ("=x") is kept. Errors: LX_ERR_INVAL (NULL out, or
 * NULL s with len > 0, unknown flags), LX_ERR_PARSE (bad escape, %00 in a
 * key), LX_ERR_TOOBIG (len > LX_QUERY_MAX_BYTES or more than
 * LX_QUERY_MAX_PAIRS pairs), LX_ERR_NOMEM. *out is NULL on failure.
 */
LX_EXTERN int lx_query_parse(struct lx_query **out, const struct lx_mem *mem,
                             const char *s, size_t len, unsigned flags);

#endif
