/*
 * log.c - the library context (allocator + log sink) and leveled logging.
 *
 * A line is formatted only when its level is enabled, into a fixed stack
 * buffer (long lines are cut and marked with "..."), then handed to the
 * context's sink. The default sink writes one line to stderr. Nothing here
 * reads the clock: a sink that wants timestamps adds them itself, which
 * keeps logs of virtual-time runs deterministic.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/lx_internal.h"

#define LX_LOG_LINE_MAX 1024

struct lx_ctx {
    struct lx_mem mem;
    lx_log_fn log_fn;
    void *log_ud;
    int log_level;
};

static const char *const level_names[] = {"none", "error", "warn",
                                          "info", "debug", "trace"};

static void stderr_sink(void *ud, int level, const char *subsys,
                        const char *msg)
{
    LX_UNUSED(ud);
    fprintf(stderr, "lotusx level=%s subsys=%s %s\n", lx_log_level_name(level),
            subsys, msg);
}

static const struct lx_ctx default_ctx = {
    {NULL, NULL, NULL, NULL, NULL}, stderr_sink, NULL, LX_LOG_WARN};

int lx_ctx_new(struct lx_ctx **out, const struct lx_mem *mem)
{
    struct lx_ctx *ctx;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (mem == NULL) {
        mem = lx_mem_default();
    }
    ctx = lx__calloc(mem, 1, sizeof(*ctx));
    if (ctx == NULL) {
        return LX_ERR_NOMEM;
    }
    ctx->mem = *mem;
    ctx->log_fn = stderr_sink;
    ctx->log_level = LX_LOG_WARN;
    *out = ctx;
    return LX_OK;
}

void lx_ctx_free(struct lx_ctx *ctx)
{
    if (ctx != NULL) {
        struct lx_mem mem = ctx->mem;

        lx__free(&mem, ctx);
    }
}

const struct lx_mem *lx_ctx_mem(const struct lx_ctx *ctx)
{
    return ctx != NULL ? &ctx->mem : lx_mem_default();
}

void lx_ctx_set_log(struct lx_ctx *ctx, lx_log_fn fn, void *ud)
{
    if (ctx != NULL) {
        ctx->log_fn = fn != NULL ? fn : stderr_sink;
        ctx->log_ud = fn != NULL ? ud : NULL;
    }
}

void lx_ctx_set_log_level(struct lx_ctx *ctx, int level)
{
    if (ctx != NULL) {
        ctx->log_level = level < LX_LOG_NONE    ? LX_LOG_NONE
                         : level > LX_LOG_TRACE ? LX_LOG_TRACE
                                                : level;
    }
}

const char *lx_log_level_name(int level)
{
    if (level < LX_LOG_NONE || level > LX_LOG_TRACE) {
        return "none";
    }
    return level_names[level];
}

int lx_log_level_parse(const char *s, int *out)
{
    size_t i;

    if (s == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    if (s[0] >= '0' && s[0] <= '5' && s[1] == '\0') {
        *out = s[0] - '0';
        return LX_OK;
    }
    for (i = 0; i < LX_ARRAY_LEN(level_names); i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (int)i;
            return LX_OK;
        }
    }
    return LX_ERR_INVAL;
}

bool lx__log_enabled(const struct lx_ctx *ctx, int level)
{
    if (ctx == NULL) {
        ctx = &default_ctx;
    }
    return level > LX_LOG_NONE && level <= ctx->log_level;
}

void lx__log(const struct lx_ctx *ctx, int level, const char *subsys,
             const char *fmt, ...)
{
    char line[LX_LOG_LINE_MAX];
    va_list ap;
    int n;

    if (!lx__log_enabled(ctx, level)) {
        return;
    }
    if (ctx == NULL) {
        ctx = &default_ctx;
    }
    va_start(ap, fmt);
    n = lx__vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n == LX_ERR_TOOBIG) {
        memcpy(line + sizeof(line) - 4, "...", 4);
    } else if (n < 0) {
        return;
    }
    ctx->log_fn(ctx->log_ud, level, subsys != NULL ? subsys : "core", line);
}
