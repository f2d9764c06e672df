/*
 * lx_internal.h - helpers shared by every module of liblotusx and its tools;
 * never installed.
 *
 * Naming: internal non-static functions are lx__<module>_<verb>.
 * Raw malloc/free/calloc/realloc/strdup/sprintf/strcpy/atoi are banned
 * outside src/core/mem.c (make lint); allocate with lx__malloc(mem, n).
 */
#ifndef LOTUSX_LX_INTERNAL_H
#define LOTUSX_LX_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_common.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_log.h"
#include "lotusx/lx_mem.h"

/*
 * LX_UNITTEST: a function that is static in release builds but visible to
 * the unit tests (built with -DLX_UNIT_BUILD).
 */
#ifdef LX_UNIT_BUILD
#define LX_UNITTEST
#else
#define LX_UNITTEST static
#endif

/*
 * LX_ALWAYS(x) / LX_NEVER(x): "cannot happen" checks. Debug builds assert;
 * release builds evaluate to x so the defensive branch still runs.
 */
#ifdef LX_DEBUG
#include <assert.h>
#define LX_ALWAYS(x) (assert(x), 1)
#define LX_NEVER(x)  (assert(!(x)), 0)
#else
#define LX_ALWAYS(x) (x)
#define LX_NEVER(x)  (x)
#endif

#define LX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LX_UNUSED(x)    ((void)(x))

/* Allocation through an lx_mem; mem NULL means libc. */
void *lx__malloc(const struct lx_mem *mem, size_t n);
void *lx__calloc(const struct lx_mem *mem, size_t nmemb, size_t n);
void *lx__realloc(const struct lx_mem *mem, void *p, size_t n);
void lx__free(const struct lx_mem *mem, void *p);
/* Copies of C strings and byte ranges (NUL-terminated); NULL on NOMEM. */
char *lx__strdup(const struct lx_mem *mem, const char *s);
char *lx__strndup(const struct lx_mem *mem, const char *s, size_t n);
void *lx__memdup(const struct lx_mem *mem, const void *p, size_t n);

/*
 * Formats into buf (always NUL-terminated when cap > 0). Returns the length
 * written, or LX_ERR_TOOBIG when the output did not fit (buf then holds a
 * truncated prefix), or LX_ERR_INVAL on an encoding error.
 */
int lx__snprintf(char *buf, size_t cap, const char *fmt, ...) LX_PRINTF(3, 4);

/*
 * Copies the strings a and b (either may be NULL) one after the other into buf
 * (cap > 0), truncated to cap - 1 bytes and NUL-terminated; returns the
 * length written. lx__snprintf(buf, cap, "%s%s", a, b) without parsing a
 * format: for names copied on every event.
 */
size_t lx__str_join(char *buf, size_t cap, const char *a, const char *b);

/* "00" "01" .. "99": the two digits of n at lx__digit_pairs[2 * n]. */
extern const char lx__digit_pairs[201];

/*
 * A clock's count of socket traffic between peers in this process:
 * bytes (and connects/accepts, as one unit each) sent and received by
 * counted TCP connections (lx__bev_count_io). A virtual clock's runner
 * advances time only once in == out, so peers in one process over real
 * TCP see the same order of events as over in-memory pairs.
 */
struct lx__io_count {
    uint64_t in, out;
};
struct lx_clock;
struct lx__io_count *lx__clock_io(struct lx_clock *c);
int lx__vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
    LX_PRINTF(3, 0);

/*
 * Parses a whole decimal integer (optional sign, digits only, no spaces).
 * Returns LX_OK, LX_ERR_PARSE or LX_ERR_RANGE. The replacement for atoi.
 */
int lx__parse_i64(const char *s, size_t len, int64_t *out);
int lx__parse_u64(const char *s, size_t len, uint64_t *out);

/* Logging through a context; ctx NULL uses the default (stderr, WARN). */
bool lx__log_enabled(const struct lx_ctx *ctx, int level);
void lx__log(const struct lx_ctx *ctx, int level, const char *subsys,
             const char *fmt, ...) LX_PRINTF(4, 5);

#define LX_LOGE(ctx, sub, ...) lx__log((ctx), LX_LOG_ERROR, (sub), __VA_ARGS__)
#define LX_LOGW(ctx, sub, ...) lx__log((ctx), LX_LOG_WARN, (sub), __VA_ARGS__)
#define LX_LOGI(ctx, sub, ...) lx__log((ctx), LX_LOG_INFO, (sub), __VA_ARGS__)
#define LX_LOGD(ctx, sub, ...) lx__log((ctx), LX_LOG_DEBUG, (sub), __VA_ARGS__)

#endif
