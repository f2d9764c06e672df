/*
 * lx_log.h - leveled key=value logging through a per-context sink.
 *
 * The library writes one line per event: a short event name followed by
 * key=value pairs, e.g. "connect host=api.binance.com port=443". The default
 * sink prints "lotusx level=info subsys=rest connect host=... port=..." to
 * stderr. Secrets are held in struct lx_secret (lx_secret.h) which has no
 * accessor that returns its bytes to callers, so they cannot reach a log
 * line by accident. The library never exits or aborts.
 */
#ifndef LOTUSX_LX_LOG_H
#define LOTUSX_LX_LOG_H

#include "lx_common.h"
#include "lx_mem.h"

enum lx_log_level {
    LX_LOG_NONE = 0,
    LX_LOG_ERROR = 1,
    LX_LOG_WARN = 2,
    LX_LOG_INFO = 3,
    LX_LOG_DEBUG = 4,
    LX_LOG_TRACE = 5
};

/*
 * A log sink. subsys is a short static name ("core", "rest", "ws", "rec",
 * "mock", ...); msg is the formatted line without a trailing newline. Both
 * are borrowed for the duration of the call.
 */
typedef void (*lx_log_fn)(void *ud, int level, const char *subsys,
                          const char *msg);

/* Sets the sink of ctx; fn NULL restores the stderr default. */
LX_EXTERN void lx_ctx_set_log(struct lx_ctx *ctx, lx_log_fn fn, void *ud);

/* Lines above `level` are not formatted at all. Default LX_LOG_WARN. */
LX_EXTERN void lx_ctx_set_log_level(struct lx_ctx *ctx, int level);

/* "error", "warn", "info", "debug", "trace"; "none" for others. */
LX_EXTERN const char *lx_log_level_name(int level);

/*
 * Parses a level name as above (case-insensitive) or a digit 0..5.
 * Returns LX_OK or LX_ERR_INVAL.
 */
LX_EXTERN int lx_log_level_parse(const char *s, int *out);

#endif
