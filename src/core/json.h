/*
 * json.h - typed JSON helpers over cJSON for the venue codecs and the mock;
 * never installed.
 *
 * Reading: lx__json_parse() turns a wire buffer into a cJSON tree with a
 * size cap, a nesting cap and no trailing garbage. The getters then fetch
 * one field each with its type checked, so a codec never follows a NULL:
 *
 *     struct lx_json_err e = {0};
 *     const cJSON *d;
 *     int64_t first, last;
 *
 *     lx__json_get_obj(root, "data", &d, &e);
 *     lx__json_get_i64(d, "U", &first, &e);
 *     lx__json_get_i64(d, "u", &last, &e);
 *     if (e.code != LX_OK)
 *         return e.code;   (e.path names the field, e.g. "U")
 *
 * Every getter returns LX_OK or a negative LX_ERR_*; on failure its output
 * is zeroed (NULL, 0, false, {0, 0}) and, when err is not NULL and holds no
 * earlier error, err records the code and the key ("lastUpdateId") or index
 * ("[1]"). The first error wins, so a run of getters can share one err and
 * be checked once. Errors:
 *   LX_ERR_INVAL     obj/arr/item or out is NULL (a failed earlier getter)
 *   LX_ERR_TYPE      obj is not an object (arr not an array), or the value
 *                    has the wrong JSON type, or a number that must be an
 *                    integer has a fraction
 *   LX_ERR_NOTFOUND  the key is missing (get_* only; a JSON null counts as
 *                    present and gives LX_ERR_TYPE), or idx is past the end
 *   LX_ERR_PARSE     a string that must hold a number does not
 *   LX_ERR_RANGE     the number does not fit the output type
 *   and whatever lx_decimal_parse() returns for decimals.
 * Keys are matched case-sensitively: Binance sends "e" and "E", "b" and "B".
 * The opt_* variants give the default when the key is missing or null and
 * still return LX_ERR_TYPE for a present value of the wrong type. The at_*
 * variants read element idx of an array (Binance book levels are
 * [["price","qty"],...]); as_* convert an item already in hand.
 *
 * Numbers: cJSON keeps a JSON number only as a double, which holds 15
 * significant digits exactly. So lx__json_parse() turns every number token
 * with more than 15 digits and no exponent into a raw item (cJSON_Raw)
 * holding the wire text: Binance sends order ids such as
 * 8389765739703625592 as JSON numbers. The getters read raw items exactly
 * and cJSON prints them verbatim, but cJSON_IsNumber() is false for them.
 * Integers come from a raw item or a string of decimal digits (venues send
 * ids both ways), exactly over the whole int64/uint64 range, or from a
 * number item that is integral and within +-(2^53 - 1); beyond that (only
 * numbers written with an exponent, or made by cJSON_CreateNumber) they give
 * LX_ERR_RANGE. Decimals come from a string or raw item via
 * lx_decimal_parse(), exactly; or from a number item by printing its double
 * as the shortest decimal text that reads back as the same double (tried at
 * 15, 16, 17 significant digits). That is exact for every number of up to
 * 15 significant digits, which covers the venues that send prices as JSON
 * numbers (Deribit, say), but the wire's trailing zeros are gone (60000.50
 * arrives as scale 1); codecs rescale to the instrument.
 *
 * Memory: cJSON allocates its trees with its process-global hooks, which
 * are libc unless the application called cJSON_InitHooks(); this library
 * never calls it. So cJSON trees (and lx__json_add_* items) are outside any
 * struct lx_mem, and lx_mem failmalloc tests do not cover them. Free trees
 * with cJSON_Delete(). The streaming writer (struct lx__jw) does use lx_mem.
 *
 * Threads: no state of our own. cJSON itself writes a process-global error
 * pointer on every parse (read by cJSON_GetErrorPtr(), never by us), so
 * parse on one thread at a time, as the one-loop design does anyway.
 */
#ifndef LOTUSX_CORE_JSON_H
#define LOTUSX_CORE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lotusx/lx_decimal.h"
#include "lotusx/lx_mem.h"

/* Defaults of lx__json_parse(); lx__json_parse_lim() takes its own. */
#define LX__JSON_MAX_INPUT (64u * 1024u * 1024u)
#define LX__JSON_MAX_DEPTH 64u

/* The largest integer a JSON number (an IEEE double) carries exactly. */
#define LX__JSON_MAX_SAFE_INT INT64_C(9007199254740991)

/*
 * Where and why a parse or a getter failed. path is the key or "[idx]" (a
 * caller may prepend outer segments with lx__json_err_prefix); offset is
 * the byte offset of a parse error. Zero-initialise it ({0}) before use.
 */
struct lx_json_err {
    char path[96];
    int code;
    size_t offset;
};

/* Clears err for reuse. */
void lx__json_err_clear(struct lx_json_err *err);

/*
 * Prepends an outer segment: "U" becomes "data.U", "[3]" becomes "b[3]".
 * Does nothing when err is NULL or holds no error; truncates, never fails.
 */
void lx__json_err_prefix(struct lx_json_err *err, const char *seg);

/*
 * Writes a one-line description ("missing field 'lastUpdateId'", "field
 * 'b[0]' has the wrong type", "malformed JSON at byte 17") into buf.
 * Returns its length or LX_ERR_TOOBIG (buf then holds a prefix).
 */
int lx__json_err_format(const struct lx_json_err *err, char *buf, size_t cap);

/*
 * Parses buf[0..len) (no NUL needed) into a new tree in *out, to be freed
 * with cJSON_Delete(). Leading and trailing JSON whitespace is allowed,
 * anything else after the value is not. Returns LX_OK, LX_ERR_INVAL (NULL
 * buf or out), LX_ERR_TOOBIG (len > max_len, or nesting deeper than
 * max_depth; err->offset is where) or LX_ERR_PARSE (malformed, with
 * err->offset about where cJSON stopped; also when cJSON's allocator
 * failed, which cJSON does not tell apart from bad input), or
 * LX_ERR_NOMEM (keeping a long number's digits failed). Control bytes
 * outside strings are rejected; inside strings cJSON lets them through,
 * and it accepts leading zeros ("01") and "1." as numbers.
 */
int lx__json_parse(const char *buf, size_t len, cJSON **out,
                   struct lx_json_err *err);
int lx__json_parse_lim(const char *buf, size_t len, size_t max_len,
                       unsigned max_depth, cJSON **out,
                       struct lx_json_err *err);

/* Getters by key: see the top of this file for the error contract. */
int lx__json_get_str(const cJSON *obj, const char *key, const char **out,
                     size_t *len_opt, struct lx_json_err *err);
int lx__json_get_i64(const cJSON *obj, const char *key, int64_t *out,
                     struct lx_json_err *err);
int lx__json_get_u64(const cJSON *obj, const char *key, uint64_t *out,
                     struct lx_json_err *err);
int lx__json_get_bool(const cJSON *obj, const char *key, bool *out,
                      struct lx_json_err *err);
int lx__json_get_decimal(const cJSON *obj, const char *key,
                         struct lx_decimal *out, struct lx_json_err *err);
int lx__json_get_obj(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err);
int lx__json_get_arr(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err);

/* Optional getters: def (NULL for obj/arr) when missing or null. */
int lx__json_opt_str(const cJSON *obj, const char *key, const char *def,
                     const char **out, size_t *len_opt,
                     struct lx_json_err *err);
int lx__json_opt_i64(const cJSON *obj, const char *key, int64_t def,
                     int64_t *out, struct lx_json_err *err);
int lx__json_opt_u64(const cJSON *obj, const char *key, uint64_t def,
                     uint64_t *out, struct lx_json_err *err);
int lx__json_opt_bool(const cJSON *obj, const char *key, bool def, bool *out,
                      struct lx_json_err *err);
int lx__json_opt_decimal(const cJSON *obj, const char *key,
                         struct lx_decimal def, struct lx_decimal *out,
                         struct lx_json_err *err);
int lx__json_opt_obj(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err);
int lx__json_opt_arr(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err);

/* Getters by array index (0-based); a null element is LX_ERR_TYPE. */
int lx__json_at_str(const cJSON *arr, size_t idx, const char **out,
                    size_t *len_opt, struct lx_json_err *err);
int lx__json_at_i64(const cJSON *arr, size_t idx, int64_t *out,
                    struct lx_json_err *err);
int lx__json_at_u64(const cJSON *arr, size_t idx, uint64_t *out,
                    struct lx_json_err *err);
int lx__json_at_decimal(const cJSON *arr, size_t idx, struct lx_decimal *out,
                        struct lx_json_err *err);
int lx__json_at_obj(const cJSON *arr, size_t idx, const cJSON **out,
                    struct lx_json_err *err);
int lx__json_at_arr(const cJSON *arr, size_t idx, const cJSON **out,
                    struct lx_json_err *err);

/* Converters of an item in hand (from cJSON_ArrayForEach, say). */
int lx__json_as_str(const cJSON *item, const char **out, size_t *len_opt,
                    struct lx_json_err *err);
int lx__json_as_i64(const cJSON *item, int64_t *out, struct lx_json_err *err);
int lx__json_as_u64(const cJSON *item, uint64_t *out, struct lx_json_err *err);
int lx__json_as_bool(const cJSON *item, bool *out, struct lx_json_err *err);
int lx__json_as_decimal(const cJSON *item, struct lx_decimal *out,
                        struct lx_json_err *err);

/*
 * Tree writers. obj must be an object; key is copied. add_decimal adds a
 * STRING in lx_decimal_format()'s exact text ("0.00100000"). add_i64 and
 * add_u64 add a number while |v| < 10^15 (cJSON prints those as plain
 * digits) and a raw item holding the digits beyond, so every value prints
 * exactly; the getters read both back. Returns LX_OK, LX_ERR_INVAL, what
 * lx_decimal_format() returns, or LX_ERR_NOMEM (cJSON's allocator).
 */
int lx__json_add_decimal(cJSON *obj, const char *key, struct lx_decimal d);
int lx__json_add_i64(cJSON *obj, const char *key, int64_t v);
int lx__json_add_u64(cJSON *obj, const char *key, uint64_t v);

/*
 * Prints item as compact JSON into buf (NUL-terminated). Returns the length
 * (>= 0), LX_ERR_INVAL, or LX_ERR_TOOBIG when it did not fit; cJSON wants a
 * few bytes of slack beyond the output (its number printer reserves room
 * for the widest number), so give it 32 more than the text.
 */
int lx__json_print_buf(const cJSON *item, char *buf, size_t cap);

/*
 * struct lx__jw: a streaming writer of compact JSON (no spaces, the bytes
 * Binance sends) for hot paths where a cJSON tree per message costs too
 * much. It writes into a caller buffer (lx__jw_init) or into one it grows
 * through an lx_mem up to max bytes (lx__jw_init_mem). Commas and colons are
 * placed automatically; strings are escaped (quote, backslash, control
 * characters; UTF-8 and every byte >= 0x20 pass through unchanged, so the
 * caller supplies valid UTF-8). Errors are sticky: after the first one
 * every call does nothing, and lx__jw_finish() reports it:
 *   LX_ERR_TOOBIG  the output or the nesting (64) exceeded its cap
 *   LX_ERR_NOMEM   growing the buffer failed
 *   LX_ERR_STATE   misuse: a value where a key is due, an unbalanced end,
 *                  a second top-level value, finish with containers open
 *   LX_ERR_INVAL   a NULL string, or what lx_decimal_format() returned
 * The text stays NUL-terminated in buf[0..len]. Fields other than buf, len
 * and err are private. A caller keeping a grown buffer takes buf, sets it
 * to NULL and later frees it with lx__free(mem, buf).
 */
struct lx__jw {
    char *buf;
    size_t len;
    size_t cap;
    int err;
    const struct lx_mem *mem; /* growable mode only */
    size_t max;               /* growable mode: cap on len */
    bool grow;
    bool want_value; /* a key was written, its value is due */
    bool done;       /* the top-level value is complete */
    unsigned depth;
    uint64_t is_obj;   /* bit d: the container at depth d+1 is an object */
    uint64_t has_item; /* bit d: that container has a member already */
};

#define LX__JW_MAX_DEPTH 64u

/* Over buf[0..cap); cap must be >= 1 for the NUL or the first write fails. */
void lx__jw_init(struct lx__jw *w, char *buf, size_t cap);
/* Growing through mem (NULL = libc); at most max bytes of output. */
void lx__jw_init_mem(struct lx__jw *w, const struct lx_mem *mem, size_t max);
/* Starts a new document in the same buffer and clears the error. */
void lx__jw_reset(struct lx__jw *w);
/* Frees a grown buffer; does nothing for a caller buffer. NULL-safe. */
void lx__jw_free(struct lx__jw *w);
/* Returns w->err, or LX_ERR_STATE if the document is incomplete. */
int lx__jw_finish(struct lx__jw *w);

void lx__jw_obj_begin(struct lx__jw *w);
void lx__jw_obj_end(struct lx__jw *w);
void lx__jw_arr_begin(struct lx__jw *w);
void lx__jw_arr_end(struct lx__jw *w);
void lx__jw_key(struct lx__jw *w, const char *key);
void lx__jw_key_n(struct lx__jw *w, const char *key, size_t len);
void lx__jw_str(struct lx__jw *w, const char *s);
void lx__jw_str_n(struct lx__jw *w, const char *s, size_t len);
void lx__jw_i64(struct lx__jw *w, int64_t v);
void lx__jw_u64(struct lx__jw *w, uint64_t v);
/* A decimal as a JSON string, e.g. "61837.63000000". */
void lx__jw_decimal(struct lx__jw *w, struct lx_decimal d);
void lx__jw_bool(struct lx__jw *w, bool v);
void lx__jw_null(struct lx__jw *w);
/* Appends len bytes as one value, unchecked: the caller vouches for them. */
void lx__jw_raw(struct lx__jw *w, const char *s, size_t len);

#endif
