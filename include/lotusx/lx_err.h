/*
 * lx_err.h - the one error table of LotuSX.
 *
 * Every function that can fail returns int: LX_OK (0) or a negative LX_ERR_*
 * value. LX_ERR_MAP is the single source of truth: it generates the enum,
 * lx_strerror() and lx_err_name(). The table is append-only; a retired code
 * keeps its number and becomes LX_ERR_OBSOLETE_<n>.
 *
 * Transport failures (IO, TLS, TIMEOUT, DNS, PROTO) are kept apart from a
 * venue's rejection of a well-formed request (LX_ERR_VENUE): for the latter
 * the object that made the call offers the venue's own code and message as a
 * struct lx_venue_error.
 *
 * Codes at or below LX_ERR_FATAL mean the object that returned them is dead:
 * only its _free function may be called.
 */
#ifndef LOTUSX_LX_ERR_H
#define LOTUSX_LX_ERR_H

#include "lx_common.h"

/* XX(NAME, value, message) */
#define LX_ERR_MAP(XX)                                                         \
    XX(OK, 0, "success")                                                       \
    XX(INVAL, -1, "invalid argument")                                          \
    XX(NOMEM, -2, "out of memory")                                             \
    XX(RANGE, -3, "value out of range")                                        \
    XX(OVERFLOW, -4, "arithmetic overflow")                                    \
    XX(INEXACT, -5, "result not exact at the requested scale")                 \
    XX(PARSE, -6, "malformed input")                                           \
    XX(NOTFOUND, -7, "not found")                                              \
    XX(TYPE, -8, "wrong type")                                                 \
    XX(TOOBIG, -9, "input exceeds its size limit")                             \
    XX(AGAIN, -10, "not ready, try again")                                     \
    XX(STATE, -11, "operation not allowed in the current state")               \
    XX(EXISTS, -12, "already exists")                                          \
    XX(UNSUPPORTED, -13, "not supported")                                      \
    XX(PERM, -14, "permission denied")                                         \
    XX(FILE, -15, "file error")                                                \
    XX(CONFIG, -16, "invalid configuration")                                   \
    XX(NOCREDS, -17, "credentials required but not configured")                \
    XX(CANCELLED, -18, "cancelled")                                            \
    XX(IO, -30, "i/o error")                                                   \
    XX(TLS, -31, "tls error")                                                  \
    XX(TIMEOUT, -32, "timed out")                                              \
    XX(DNS, -33, "name resolution failed")                                     \
    XX(PROTO, -34, "protocol violation by peer")                               \
    XX(CLOSED, -35, "connection closed")                                       \
    XX(RATELIMIT, -36, "rate limited")                                         \
    XX(VENUE, -50, "rejected by venue")                                        \
    XX(CORRUPT, -60, "data corrupt")                                           \
    XX(VERSION, -61, "unsupported format version")                             \
    XX(INTERNAL, -99, "internal error")                                        \
    XX(FATAL, -100, "fatal error, object unusable")

enum lx_err {
#define LX__ERR_ENUM(name, value, msg) LX_ERR_##name = (value),
    LX_ERR_MAP(LX__ERR_ENUM)
#undef LX__ERR_ENUM
};

/* LX_OK is the success value; LX_ERR_OK is the same number. */
#define LX_OK LX_ERR_OK

/* Returns a static, human-readable message; unknown codes get a fixed text. */
LX_EXTERN const char *lx_strerror(int err);

/* Returns the static symbolic name ("LX_ERR_NOMEM"); unknown codes too. */
LX_EXTERN const char *lx_err_name(int err);

/*
 * A venue's rejection, as the venue reported it. http_status is 0 for
 * rejections that did not come over HTTP (a WebSocket API reply, say).
 */
struct lx_venue_error {
    int http_status;
    long long code;
    char msg[256];
};

#endif
