/*
 * sb.h - a string builder for rendering venue payloads: appends into one
 * growing heap buffer; the first allocation failure sticks (sb->err) and
 * later appends do nothing, so a renderer checks once at the end.
 */
#ifndef LOTUSX_MOCK_SB_H
#define LOTUSX_MOCK_SB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_decimal.h"

struct lx_mock_sb {
    char *buf; /* NUL-terminated while err == 0 */
    size_t len, cap;
    int err; /* LX_OK or LX_ERR_NOMEM */
};

void lx_mock_sb_init(struct lx_mock_sb *sb);
void lx_mock_sb_free(struct lx_mock_sb *sb);
/* Empties the builder, keeping its buffer. */
void lx_mock_sb_reset(struct lx_mock_sb *sb);

void lx_mock_sb_add(struct lx_mock_sb *sb, const char *s, size_t n);
void lx_mock_sb_str(struct lx_mock_sb *sb, const char *s);
void lx_mock_sb_i64(struct lx_mock_sb *sb, int64_t v);
void lx_mock_sb_u64(struct lx_mock_sb *sb, uint64_t v);
void lx_mock_sb_bool(struct lx_mock_sb *sb, bool v);
/* "\"1.50000000\"": a decimal as a JSON string, at its own scale. */
void lx_mock_sb_dec_str(struct lx_mock_sb *sb, struct lx_decimal d);
/* A JSON string literal with escapes; s is UTF-8. */
void lx_mock_sb_json_str(struct lx_mock_sb *sb, const char *s);

/* `k` (a literal JSON fragment such as ",\"price\":") then the value. */
void lx_mock_sb_kv_i64(struct lx_mock_sb *sb, const char *k, int64_t v);
void lx_mock_sb_kv_dec(struct lx_mock_sb *sb, const char *k,
                       struct lx_decimal d);
void lx_mock_sb_kv_str(struct lx_mock_sb *sb, const char *k, const char *s);

#endif
