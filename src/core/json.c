/*
 * json.c - typed reading and exact writing of JSON over cJSON, for the venue
 * codecs and the mock (see core/json.h for the contracts).
 *
 * What it does: a bounded parse (size cap, a nesting cap enforced by a scan
 * of the bytes before cJSON builds anything, no trailing garbage), getters
 * that check types and never hand out NULL on success, integers and
 * decimals read from either JSON numbers or strings, tree writers that
 * print integers and decimals exactly, and a streaming writer (struct
 * lx__jw) of compact JSON over a caller buffer or an lx_mem-grown one.
 *
 * What it does not do: it never calls cJSON_InitHooks (process-global), so
 * cJSON trees come from libc or the application's hooks, not from an
 * lx_mem; it does not validate UTF-8; it keeps no state between calls and
 * never reads cJSON's global error pointer. Doubles appear only to undo
 * what cJSON already did to a JSON number: never for arithmetic.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/lx_internal.h"

/* Longest text of a decimal we print or parse from a double. */
#define DEC_TEXT_MAX 64

/* ---- error context ------------------------------------------------------ */

static void copy_path(struct lx_json_err *err, const char *s)
{
    size_t n = strlen(s);

    if (n >= sizeof(err->path)) {
        n = sizeof(err->path) - 1;
    }
    memcpy(err->path, s, n);
    err->path[n] = '\0';
}

/* Records the first failure only, so a run of getters can share err. */
static int fail_key(struct lx_json_err *err, int code, const char *key)
{
    if (err != NULL && err->code == LX_OK) {
        err->code = code;
        err->offset = 0;
        copy_path(err, key != NULL ? key : "");
    }
    return code;
}

static int fail_idx(struct lx_json_err *err, int code, size_t idx)
{
    if (err != NULL && err->code == LX_OK) {
        err->code = code;
        err->offset = 0;
        lx__snprintf(err->path, sizeof(err->path), "[%zu]", idx);
    }
    return code;
}

static int fail_at(struct lx_json_err *err, int code, size_t offset)
{
    if (err != NULL && err->code == LX_OK) {
        err->code = code;
        err->offset = offset;
        err->path[0] = '\0';
    }
    return code;
}

void lx__json_err_clear(struct lx_json_err *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
}

void lx__json_err_prefix(struct lx_json_err *err, const char *seg)
{
    char tmp[sizeof(err->path)];
    const char *dot;

    if (err == NULL || err->code == LX_OK || seg == NULL) {
        return;
    }
    dot = err->path[0] == '\0' || err->path[0] == '[' ? "" : ".";
    /* Truncation is fine: the path is a diagnostic. */
    (void)lx__snprintf(tmp, sizeof(tmp), "%s%s%s", seg, dot, err->path);
    memcpy(err->path, tmp, sizeof(tmp));
}

int lx__json_err_format(const struct lx_json_err *err, char *buf, size_t cap)
{
    if (err == NULL || err->code == LX_OK) {
        return lx__snprintf(buf, cap, "no error");
    }
    if (err->code == LX_ERR_TYPE && err->path[0] == '\0') {
        return lx__snprintf(buf, cap, "value has the wrong type");
    }
    switch (err->code) {
    case LX_ERR_NOTFOUND:
        return lx__snprintf(buf, cap, "missing field '%s'", err->path);
    case LX_ERR_TYPE:
        return lx__snprintf(buf, cap, "field '%s' has the wrong type",
                            err->path);
    default:
        break;
    }
    if (err->path[0] == '\0') {
        return lx__snprintf(buf, cap, "%s at byte %zu",
                            err->code == LX_ERR_PARSE ? "malformed JSON"
                                                      : lx_strerror(err->code),
                            err->offset);
    }
    return lx__snprintf(buf, cap, "field '%s': %s", err->path,
                        lx_strerror(err->code));
}

/* ---- parse -------------------------------------------------------------- */

/* A double holds any decimal of up to 15 significant digits exactly. */
#define EXACT_DIGITS 15

/* What the byte scan before cJSON found. */
struct scan {
    size_t where;   /* offset of the byte that failed the scan */
    bool long_nums; /* a number token has more than EXACT_DIGITS digits */
};

/*
 * One pass over the bytes before cJSON sees them: counts nesting outside
 * strings, so a hostile "[[[[..." is refused before cJSON recurses and
 * allocates for it; refuses control bytes between tokens, which cJSON
 * would skip as whitespace; and notes numbers too long for a double. For
 * valid JSON the count is the tree depth.
 */
static int prescan(const char *buf, size_t len, unsigned max_depth,
                   struct scan *sc)
{
    unsigned depth = 0, digits = 0;
    bool in_str = false, esc = false;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];

        if (in_str) {
            in_str = esc || c != '"';
            esc = !esc && c == '\\';
            continue;
        }
        if (c >= '0' && c <= '9') {
            sc->long_nums |= ++digits > EXACT_DIGITS;
            continue;
        }
        digits = c == '.' || c == '-' ? digits : 0;
        if (c == '"') {
            in_str = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                sc->where = i;
                return LX_ERR_TOOBIG;
            }
        } else if (c == ']' || c == '}') {
            depth -= depth > 0;
        } else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            sc->where = i;
            return LX_ERR_PARSE;
        }
    }
    return LX_OK;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
           c == 'e' || c == 'E';
}

/* A cursor over the number tokens of a buffer cJSON has accepted. */
struct numcur {
    const char *buf;
    size_t len, pos;
};

/* The next number token outside strings; false when there is none. */
static bool next_number(struct numcur *nc, const char **tok, size_t *n)
{
    bool in_str = false, esc = false;

    for (; nc->pos < nc->len; nc->pos++) {
        char c = nc->buf[nc->pos];

        if (in_str) {
            in_str = esc || c != '"';
            esc = !esc && c == '\\';
        } else if (c == '"') {
            in_str = true;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            *tok = nc->buf + nc->pos;
            while (nc->pos < nc->len && is_num_char(nc->buf[nc->pos])) {
                nc->pos++;
            }
            *n = (size_t)(nc->buf + nc->pos - *tok);
            return true;
        }
    }
    return false;
}

/*
 * Turns a number item whose token has more than EXACT_DIGITS digits and no
 * exponent into a raw item holding the token, so the getters (and cJSON's
 * printer) see the wire's digits, not cJSON's rounded double. The text is
 * allocated with cJSON's hooks because cJSON_Delete frees it.
 */
static int keep_digits(cJSON *it, const char *tok, size_t n)
{
    size_t i, digits = 0;
    char *text;

    for (i = 0; i < n; i++) {
        if (tok[i] == 'e' || tok[i] == 'E') {
            return LX_OK;
        }
        digits += tok[i] >= '0' && tok[i] <= '9';
    }
    if (digits <= EXACT_DIGITS) {
        return LX_OK;
    }
    text = cJSON_malloc(n + 1);
    if (text == NULL) {
        return LX_ERR_NOMEM;
    }
    memcpy(text, tok, n);
    text[n] = '\0';
    it->type = cJSON_Raw;
    it->valuestring = text;
    return LX_OK;
}

/*
 * Walks the tree in document order, which is the order of the number
 * tokens in the text; recursion is bounded by the prescan's depth cap.
 */
static int exact_numbers(cJSON *it, struct numcur *nc)
{
    const char *tok;
    size_t n;
    int rc = LX_OK;

    if (cJSON_IsNumber(it)) {
        if (LX_NEVER(!next_number(nc, &tok, &n))) {
            return LX_ERR_INTERNAL;
        }
        return keep_digits(it, tok, n);
    }
    for (it = it->child; it != NULL && rc == LX_OK; it = it->next) {
        rc = exact_numbers(it, nc);
    }
    return rc;
}

static int parse_tree(const char *buf, size_t len, bool long_nums, cJSON **out,
                      struct lx_json_err *err)
{
    const char *end = NULL;
    struct numcur nc = {buf, len, 0};
    cJSON *root;
    int rc;

    root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (root == NULL) {
        return fail_at(err, LX_ERR_PARSE,
                       end != NULL ? (size_t)(end - buf) : 0);
    }
    while (end < buf + len && is_ws(*end)) {
        end++;
    }
    if (end != buf + len) {
        cJSON_Delete(root);
        return fail_at(err, LX_ERR_PARSE, (size_t)(end - buf));
    }
    rc = long_nums ? exact_numbers(root, &nc) : LX_OK;
    if (rc != LX_OK) {
        cJSON_Delete(root);
        return fail_at(err, rc, 0);
    }
    *out = root;
    return LX_OK;
}

int lx__json_parse_lim(const char *buf, size_t len, size_t max_len,
                       unsigned max_depth, cJSON **out, struct lx_json_err *err)
{
    struct scan sc = {0, false};
    int rc;

    if (out == NULL) {
        return fail_at(err, LX_ERR_INVAL, 0);
    }
    *out = NULL;
    if (buf == NULL) {
        return fail_at(err, LX_ERR_INVAL, 0);
    }
    if (len > max_len) {
        return fail_at(err, LX_ERR_TOOBIG, max_len);
    }
    rc = prescan(buf, len, max_depth, &sc);
    if (rc != LX_OK) {
        return fail_at(err, rc, sc.where);
    }
    return parse_tree(buf, len, sc.long_nums, out, err);
}

int lx__json_parse(const char *buf, size_t len, cJSON **out,
                   struct lx_json_err *err)
{
    return lx__json_parse_lim(buf, len, LX__JSON_MAX_INPUT, LX__JSON_MAX_DEPTH,
                              out, err);
}

/* ---- numbers ------------------------------------------------------------ */

/* An integral double within +-(2^53 - 1), where every integer is exact. */
static int dbl_to_i64(double v, int64_t *out)
{
    int64_t i;

    if (!(v >= -(double)LX__JSON_MAX_SAFE_INT &&
          v <= (double)LX__JSON_MAX_SAFE_INT)) {
        return LX_ERR_RANGE; /* NaN and infinities land here too */
    }
    i = (int64_t)v;
    if ((double)i != v) {
        return LX_ERR_TYPE;
    }
    *out = i;
    return LX_OK;
}

/*
 * The significant digits and decimal exponent of the shortest "%.*e" text
 * that strtod maps back to v: DBL_DIG (15) digits round-trip any decimal
 * of up to 15 digits, so if 15 works, dropping its trailing zeros gives
 * the shortest; otherwise 16, and 17 always works for a double. The text
 * is read back in the current locale, whatever its decimal point.
 */
static int dbl_digits(double v, char *dig, size_t *ndig, int64_t *exp10)
{
    char txt[DEC_TEXT_MAX];
    const char *p, *e;
    int prec, n = 0;

    for (prec = 14; prec <= 16; prec++) {
        n = lx__snprintf(txt, sizeof(txt), "%.*e", prec, v);
        if (n < 0) {
            return LX_ERR_RANGE;
        }
        if (strtod(txt, NULL) == v) {
            break;
        }
    }
    e = strchr(txt, 'e');
    if (e == NULL || lx__parse_i64(e + 1, strlen(e + 1), exp10) != LX_OK) {
        return LX_ERR_RANGE;
    }
    *ndig = 0;
    for (p = txt; p < e; p++) {
        if (*p >= '0' && *p <= '9') {
            dig[(*ndig)++] = *p;
        }
    }
    while (*ndig > 1 && dig[*ndig - 1] == '0') {
        (*ndig)--;
    }
    return LX_OK;
}

/*
 * Plain decimal text (no exponent) of a finite double, shortest form, into
 * out[DEC_TEXT_MAX]: the exponent cap keeps it under 45 bytes.
 */
static int dbl_to_text(double v, char out[DEC_TEXT_MAX])
{
    char dig[32];
    size_t n = 0, k, len = 0;
    int64_t e;
    int rc;

    if (!isfinite(v)) {
        return LX_ERR_RANGE;
    }
    rc = dbl_digits(v, dig, &n, &e);
    if (rc != LX_OK) {
        return rc;
    }
    if (e > 24 || e < -24) {
        return LX_ERR_RANGE; /* far beyond what an lx_decimal holds */
    }
    if (v < 0 && !(n == 1 && dig[0] == '0')) {
        out[len++] = '-';
    }
    if (e < 0) {
        out[len++] = '0';
        out[len++] = '.';
        for (k = 1; k < (size_t)-e; k++) {
            out[len++] = '0';
        }
        memcpy(out + len, dig, n);
        len += n;
    } else {
        for (k = 0; k < n || k <= (size_t)e; k++) {
            if (k == (size_t)e + 1) {
                out[len++] = '.';
            }
            out[len++] = k < n ? dig[k] : '0';
        }
    }
    out[len] = '\0';
    return (int)len;
}

static int dbl_to_decimal(double v, struct lx_decimal *out)
{
    char txt[DEC_TEXT_MAX];
    int n = dbl_to_text(v, txt);

    if (n < 0) {
        return n;
    }
    return lx_decimal_parse(txt, (size_t)n, out);
}

/* ---- conversions of one item --------------------------------------------- */

enum kind { K_STR, K_I64, K_U64, K_BOOL, K_DEC, K_OBJ, K_ARR };

/* What a getter wants: the kind and where it goes. */
struct want {
    enum kind kind;
    void *out;
    size_t *len; /* K_STR only, optional */
};

/* Digits from a string or raw item: "-5" for u64 is out of range. */
static int text_to_int(const char *s, bool is_unsigned, struct want *w)
{
    size_t n = strlen(s);
    int64_t v;
    int rc;

    if (!is_unsigned) {
        return lx__parse_i64(s, n, w->out);
    }
    if (n > 0 && s[0] == '-') {
        rc = lx__parse_i64(s, n, &v);
        if (rc == LX_OK && v != 0) {
            rc = LX_ERR_RANGE;
        }
        if (rc == LX_OK) {
            *(uint64_t *)w->out = 0;
        }
        return rc;
    }
    return lx__parse_u64(s, n, w->out);
}

static int conv_int(const cJSON *it, struct want *w)
{
    bool u = w->kind == K_U64;
    int64_t v;
    int rc;

    if (cJSON_IsString(it) || cJSON_IsRaw(it)) {
        if (it->valuestring == NULL) {
            return LX_ERR_TYPE;
        }
        return text_to_int(it->valuestring, u, w);
    }
    if (!cJSON_IsNumber(it)) {
        return LX_ERR_TYPE;
    }
    rc = dbl_to_i64(it->valuedouble, &v);
    if (rc != LX_OK) {
        return rc;
    }
    if (u && v < 0) {
        return LX_ERR_RANGE;
    }
    if (u) {
        *(uint64_t *)w->out = (uint64_t)v;
    } else {
        *(int64_t *)w->out = v;
    }
    return LX_OK;
}

static int conv_dec(const cJSON *it, struct lx_decimal *out)
{
    if ((cJSON_IsString(it) || cJSON_IsRaw(it)) && it->valuestring != NULL) {
        return lx_decimal_parse(it->valuestring, strlen(it->valuestring), out);
    }
    if (cJSON_IsNumber(it)) {
        return dbl_to_decimal(it->valuedouble, out);
    }
    return LX_ERR_TYPE;
}

static int conv_str(const cJSON *it, struct want *w)
{
    if (!cJSON_IsString(it) || it->valuestring == NULL) {
        return LX_ERR_TYPE;
    }
    *(const char **)w->out = it->valuestring;
    if (w->len != NULL) {
        *w->len = strlen(it->valuestring);
    }
    return LX_OK;
}

static int conv_container(const cJSON *it, struct want *w)
{
    if (w->kind == K_OBJ ? !cJSON_IsObject(it) : !cJSON_IsArray(it)) {
        return LX_ERR_TYPE;
    }
    *(const cJSON **)w->out = it;
    return LX_OK;
}

/* Zeroes the output, typed, so a failed getter never leaves garbage. */
static void clear(struct want *w)
{
    switch (w->kind) {
    case K_STR:
        *(const char **)w->out = NULL;
        if (w->len != NULL) {
            *w->len = 0;
        }
        break;
    case K_I64:
        *(int64_t *)w->out = 0;
        break;
    case K_U64:
        *(uint64_t *)w->out = 0;
        break;
    case K_BOOL:
        *(bool *)w->out = false;
        break;
    case K_DEC:
        memset(w->out, 0, sizeof(struct lx_decimal));
        break;
    case K_OBJ:
    case K_ARR:
        *(const cJSON **)w->out = NULL;
        break;
    }
}

static int convert(const cJSON *it, struct want *w)
{
    int rc;

    switch (w->kind) {
    case K_STR:
        rc = conv_str(it, w);
        break;
    case K_I64:
    case K_U64:
        rc = conv_int(it, w);
        break;
    case K_BOOL:
        rc = cJSON_IsBool(it) ? LX_OK : LX_ERR_TYPE;
        if (rc == LX_OK) {
            *(bool *)w->out = cJSON_IsTrue(it);
        }
        break;
    case K_DEC:
        rc = conv_dec(it, w->out);
        break;
    default:
        rc = conv_container(it, w);
        break;
    }
    if (rc != LX_OK) {
        clear(w);
    }
    return rc;
}

/* Stores an opt_* default; def points to a value of the wanted kind. */
static void put_default(struct want *w, const void *def)
{
    switch (w->kind) {
    case K_STR: {
        const char *s = *(const char *const *)def;

        *(const char **)w->out = s;
        if (w->len != NULL) {
            *w->len = s != NULL ? strlen(s) : 0;
        }
        break;
    }
    case K_I64:
        *(int64_t *)w->out = *(const int64_t *)def;
        break;
    case K_U64:
        *(uint64_t *)w->out = *(const uint64_t *)def;
        break;
    case K_BOOL:
        *(bool *)w->out = *(const bool *)def;
        break;
    case K_DEC:
        *(struct lx_decimal *)w->out = *(const struct lx_decimal *)def;
        break;
    case K_OBJ:
    case K_ARR:
        *(const cJSON **)w->out = *(const cJSON *const *)def;
        break;
    }
}

/* ---- lookup ------------------------------------------------------------- */

/*
 * The shared body of get_* (def NULL) and opt_* (def = the default): finds
 * key in obj, treats missing or null per the variant, converts.
 */
static int by_key(const cJSON *obj, const char *key, struct want *w,
                  const void *def, struct lx_json_err *err)
{
    const cJSON *it;
    int rc;

    if (w->out == NULL) {
        return fail_key(err, LX_ERR_INVAL, key);
    }
    if (obj == NULL || key == NULL) {
        clear(w);
        return fail_key(err, LX_ERR_INVAL, key);
    }
    if (!cJSON_IsObject(obj)) {
        clear(w);
        return fail_key(err, LX_ERR_TYPE, key);
    }
    it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (def != NULL && (it == NULL || cJSON_IsNull(it))) {
        put_default(w, def);
        return LX_OK;
    }
    if (it == NULL) {
        clear(w);
        return fail_key(err, LX_ERR_NOTFOUND, key);
    }
    rc = convert(it, w);
    return rc == LX_OK ? LX_OK : fail_key(err, rc, key);
}

static int by_idx(const cJSON *arr, size_t idx, struct want *w,
                  struct lx_json_err *err)
{
    const cJSON *it;
    size_t i = 0;
    int rc;

    if (w->out == NULL) {
        return fail_idx(err, LX_ERR_INVAL, idx);
    }
    if (arr == NULL || !cJSON_IsArray(arr)) {
        clear(w);
        return fail_idx(err, arr == NULL ? LX_ERR_INVAL : LX_ERR_TYPE, idx);
    }
    /* A walk, not cJSON_GetArrayItem: that one takes an int index. */
    for (it = arr->child; it != NULL && i < idx; it = it->next) {
        i++;
    }
    if (it == NULL) {
        clear(w);
        return fail_idx(err, LX_ERR_NOTFOUND, idx);
    }
    rc = convert(it, w);
    return rc == LX_OK ? LX_OK : fail_idx(err, rc, idx);
}

static int as_item(const cJSON *item, struct want *w, struct lx_json_err *err)
{
    int rc;

    if (w->out == NULL) {
        return fail_key(err, LX_ERR_INVAL, "");
    }
    if (item == NULL) {
        clear(w);
        return fail_key(err, LX_ERR_INVAL, "");
    }
    rc = convert(item, w);
    return rc == LX_OK ? LX_OK : fail_key(err, rc, "");
}

/* ---- getters ------------------------------------------------------------ */

int lx__json_get_str(const cJSON *obj, const char *key, const char **out,
                     size_t *len_opt, struct lx_json_err *err)
{
    struct want w = {K_STR, out, len_opt};

    return by_key(obj, key, &w, NULL, err);
}

int lx__json_get_i64(const cJSON *obj, const char *key, int64_t *out,
                     struct lx_json_err *err)
{
    struct want w = {K_I64, out, NULL};

    return by_key(obj, key, &w, NULL, err);
}

int lx__json_get_u64(const cJSON *obj, const char *key, uint64_t *out,
                     struct lx_json_err *err)
{
    struct want w = {K_U64, out, NULL};

    return by_key(obj, key, &w, NULL, err);
}

int lx__json_get_bool(const cJSON *obj, const char *key, bool *out,
                      struct lx_json_err *err)
{
    struct want w = {K_BOOL, out, NULL};

    return by_key(obj, key, &w, NULL, err);
}

int lx__json_get_decimal(const cJSON *obj, const char *key,
                         struct lx_decimal *out, struct lx_json_err *err)
{
    struct want w = {K_DEC, out, NULL};

    return by_key(obj, key, &w, NULL, err);
}

int lx__json_get_obj(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err)
{
    struct want w = {K_OBJ, out, NULL};

    return by_key(obj, key, &w, NULL, err);
}

int lx__json_get_arr(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err)
{
    struct want w = {K_ARR, out, NULL};

    return by_key(obj, key, &w, NULL, err);
}

/* ---- optional getters --------------------------------------------------- */

int lx__json_opt_str(const cJSON *obj, const char *key, const char *def,
                     const char **out, size_t *len_opt, struct lx_json_err *err)
{
    struct want w = {K_STR, out, len_opt};

    return by_key(obj, key, &w, &def, err);
}

int lx__json_opt_i64(const cJSON *obj, const char *key, int64_t def,
                     int64_t *out, struct lx_json_err *err)
{
    struct want w = {K_I64, out, NULL};

    return by_key(obj, key, &w, &def, err);
}

int lx__json_opt_u64(const cJSON *obj, const char *key, uint64_t def,
                     uint64_t *out, struct lx_json_err *err)
{
    struct want w = {K_U64, out, NULL};

    return by_key(obj, key, &w, &def, err);
}

int lx__json_opt_bool(const cJSON *obj, const char *key, bool def, bool *out,
                      struct lx_json_err *err)
{
    struct want w = {K_BOOL, out, NULL};

    return by_key(obj, key, &w, &def, err);
}

int lx__json_opt_decimal(const cJSON *obj, const char *key,
                         struct lx_decimal def, struct lx_decimal *out,
                         struct lx_json_err *err)
{
    struct want w = {K_DEC, out, NULL};

    return by_key(obj, key, &w, &def, err);
}

int lx__json_opt_obj(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err)
{
    struct want w = {K_OBJ, out, NULL};
    const cJSON *def = NULL;

    return by_key(obj, key, &w, &def, err);
}

int lx__json_opt_arr(const cJSON *obj, const char *key, const cJSON **out,
                     struct lx_json_err *err)
{
    struct want w = {K_ARR, out, NULL};
    const cJSON *def = NULL;

    return by_key(obj, key, &w, &def, err);
}

/* ---- index getters and converters ---------------------------------------- */

int lx__json_at_str(const cJSON *arr, size_t idx, const char **out,
                    size_t *len_opt, struct lx_json_err *err)
{
    struct want w = {K_STR, out, len_opt};

    return by_idx(arr, idx, &w, err);
}

int lx__json_at_i64(const cJSON *arr, size_t idx, int64_t *out,
                    struct lx_json_err *err)
{
    struct want w = {K_I64, out, NULL};

    return by_idx(arr, idx, &w, err);
}

int lx__json_at_u64(const cJSON *arr, size_t idx, uint64_t *out,
                    struct lx_json_err *err)
{
    struct want w = {K_U64, out, NULL};

    return by_idx(arr, idx, &w, err);
}

int lx__json_at_decimal(const cJSON *arr, size_t idx, struct lx_decimal *out,
                        struct lx_json_err *err)
{
    struct want w = {K_DEC, out, NULL};

    return by_idx(arr, idx, &w, err);
}

int lx__json_at_obj(const cJSON *arr, size_t idx, const cJSON **out,
                    struct lx_json_err *err)
{
    struct want w = {K_OBJ, out, NULL};

    return by_idx(arr, idx, &w, err);
}

int lx__json_at_arr(const cJSON *arr, size_t idx, const cJSON **out,
                    struct lx_json_err *err)
{
    struct want w = {K_ARR, out, NULL};

    return by_idx(arr, idx, &w, err);
}

int lx__json_as_str(const cJSON *item, const char **out, size_t *len_opt,
                    struct lx_json_err *err)
{
    struct want w = {K_STR, out, len_opt};

    return as_item(item, &w, err);
}

int lx__json_as_i64(const cJSON *item, int64_t *out, struct lx_json_err *err)
{
    struct want w = {K_I64, out, NULL};

    return as_item(item, &w, err);
}

int lx__json_as_u64(const cJSON *item, uint64_t *out, struct lx_json_err *err)
{
    struct want w = {K_U64, out, NULL};

    return as_item(item, &w, err);
}

int lx__json_as_bool(const cJSON *item, bool *out, struct lx_json_err *err)
{
    struct want w = {K_BOOL, out, NULL};

    return as_item(item, &w, err);
}

int lx__json_as_decimal(const cJSON *item, struct lx_decimal *out,
                        struct lx_json_err *err)
{
    struct want w = {K_DEC, out, NULL};

    return as_item(item, &w, err);
}

/* ---- tree writers ------------------------------------------------------- */

/* Decimal digits of v, written backwards ending at end; returns the count. */
static size_t u64_digits(uint64_t v, char *end)
{
    size_t n = 0;

    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
        n++;
    } while (v != 0);
    return n;
}

/* Text of an integer, sign included, NUL-terminated; returns its length. */
static size_t int_text(bool neg, uint64_t mag, char buf[24])
{
    size_t n = u64_digits(mag, buf + 23);

    buf[23] = '\0';
    if (neg) {
        buf[23 - ++n] = '-';
    }
    memmove(buf, buf + 23 - n, n + 1);
    return n;
}

/* Below 10^15 cJSON's "%1.15g" prints an integer as plain digits. */
#define PLAIN_NUMBER_LIMIT UINT64_C(1000000000000000)

static int add_int(cJSON *obj, const char *key, bool neg, uint64_t mag)
{
    char txt[24];
    cJSON *it;

    if (obj == NULL || key == NULL || !cJSON_IsObject(obj)) {
        return LX_ERR_INVAL;
    }
    if (mag < PLAIN_NUMBER_LIMIT) {
        double d = neg ? -(double)mag : (double)mag;

        it = cJSON_AddNumberToObject(obj, key, d);
    } else {
        int_text(neg, mag, txt);
        it = cJSON_AddRawToObject(obj, key, txt);
    }
    return it != NULL ? LX_OK : LX_ERR_NOMEM;
}

int lx__json_add_i64(cJSON *obj, const char *key, int64_t v)
{
    return add_int(obj, key, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

int lx__json_add_u64(cJSON *obj, const char *key, uint64_t v)
{
    return add_int(obj, key, false, v);
}

int lx__json_add_decimal(cJSON *obj, const char *key, struct lx_decimal d)
{
    char txt[DEC_TEXT_MAX];
    int n;

    if (obj == NULL || key == NULL || !cJSON_IsObject(obj)) {
        return LX_ERR_INVAL;
    }
    n = lx_decimal_format(d, txt, sizeof(txt));
    if (n < 0) {
        return n;
    }
    return cJSON_AddStringToObject(obj, key, txt) != NULL ? LX_OK
                                                          : LX_ERR_NOMEM;
}

int lx__json_print_buf(const cJSON *item, char *buf, size_t cap)
{
    int icap = cap > INT_MAX ? INT_MAX : (int)cap;

    if (item == NULL || buf == NULL || cap == 0) {
        return LX_ERR_INVAL;
    }
    /* cJSON's printer only reads the tree; its prototype lacks const. */
    if (!cJSON_PrintPreallocated((cJSON *)(uintptr_t)item, buf, icap, 0)) {
        buf[0] = '\0';
        return LX_ERR_TOOBIG;
    }
    return (int)strlen(buf);
}

/* ---- streaming writer: buffer ------------------------------------------- */

#define JW_FIRST_CAP 256u

static bool jw_fail(struct lx__jw *w, int code)
{
    if (w->err == LX_OK) {
        w->err = code;
    }
    return false;
}

static bool jw_grow(struct lx__jw *w, size_t need)
{
    size_t ncap = w->cap != 0 ? w->cap : JW_FIRST_CAP;
    char *p;

    if (need - 1 > w->max) {
        return jw_fail(w, LX_ERR_TOOBIG);
    }
    while (ncap < need) {
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    }
    if (ncap > w->max + 1) {
        ncap = w->max + 1;
    }
    p = lx__realloc(w->mem, w->buf, ncap);
    if (p == NULL) {
        return jw_fail(w, LX_ERR_NOMEM);
    }
    w->buf = p;
    w->cap = ncap;
    return true;
}

/* Makes room for n more bytes plus the NUL. */
static bool jw_reserve(struct lx__jw *w, size_t n)
{
    if (w->err != LX_OK) {
        return false;
    }
    if (n > SIZE_MAX - 1 - w->len) {
        return jw_fail(w, LX_ERR_TOOBIG);
    }
    if (w->len + n + 1 <= w->cap) {
        return true;
    }
    if (!w->grow) {
        return jw_fail(w, LX_ERR_TOOBIG);
    }
    return jw_grow(w, w->len + n + 1);
}

/* Appends n bytes; room must have been reserved. */
static void jw_put(struct lx__jw *w, const char *s, size_t n)
{
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void jw_putc(struct lx__jw *w, char c)
{
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

static void jw_clear_state(struct lx__jw *w)
{
    w->len = 0;
    w->err = LX_OK;
    w->want_value = false;
    w->done = false;
    w->depth = 0;
    w->is_obj = 0;
    w->has_item = 0;
    if (w->buf != NULL && w->cap > 0) {
        w->buf[0] = '\0';
    }
}

void lx__jw_init(struct lx__jw *w, char *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = buf != NULL ? cap : 0;
    jw_clear_state(w);
}

void lx__jw_init_mem(struct lx__jw *w, const struct lx_mem *mem, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->mem = mem;
    w->grow = true;
    w->max = max < SIZE_MAX - 1 ? max : SIZE_MAX - 2;
    jw_clear_state(w);
}

void lx__jw_reset(struct lx__jw *w)
{
    jw_clear_state(w);
}

void lx__jw_free(struct lx__jw *w)
{
    if (w == NULL) {
        return;
    }
    if (w->grow) {
        lx__free(w->mem, w->buf);
        w->buf = NULL;
        w->cap = 0;
    }
    w->len = 0;
}

int lx__jw_finish(struct lx__jw *w)
{
    if (w->err != LX_OK) {
        return w->err;
    }
    if (!w->done) {
        jw_fail(w, LX_ERR_STATE);
    }
    return w->err;
}

/* ---- streaming writer: structure ----------------------------------------- */

#define JW_TOP(w) (UINT64_C(1) << ((w)->depth - 1))

/*
 * Called before every value: places the comma inside arrays, checks that
 * a key is pending inside objects and that the top level gets one value.
 */
static bool jw_value(struct lx__jw *w)
{
    if (w->err != LX_OK) {
        return false;
    }
    if (w->depth == 0) {
        return w->done ? jw_fail(w, LX_ERR_STATE) : true;
    }
    if (w->is_obj & JW_TOP(w)) {
        if (!w->want_value) {
            return jw_fail(w, LX_ERR_STATE);
        }
        w->want_value = false;
        return true;
    }
    if (w->has_item & JW_TOP(w)) {
        if (!jw_reserve(w, 1)) {
            return false;
        }
        jw_putc(w, ',');
    }
    w->has_item |= JW_TOP(w);
    return true;
}

static void jw_value_done(struct lx__jw *w)
{
    if (w->depth == 0) {
        w->done = true;
    }
}

static void jw_open(struct lx__jw *w, bool obj)
{
    uint64_t bit;

    if (!jw_value(w)) {
        return;
    }
    if (w->depth >= LX__JW_MAX_DEPTH) {
        jw_fail(w, LX_ERR_TOOBIG);
        return;
    }
    if (!jw_reserve(w, 1)) {
        return;
    }
    jw_putc(w, obj ? '{' : '[');
    bit = UINT64_C(1) << w->depth;
    w->is_obj = obj ? w->is_obj | bit : w->is_obj & ~bit;
    w->has_item &= ~bit;
    w->depth++;
}

static void jw_close(struct lx__jw *w, bool obj)
{
    if (w->err != LX_OK) {
        return;
    }
    if (w->depth == 0 || ((w->is_obj & JW_TOP(w)) != 0) != obj ||
        w->want_value) {
        jw_fail(w, LX_ERR_STATE);
        return;
    }
    if (!jw_reserve(w, 1)) {
        return;
    }
    jw_putc(w, obj ? '}' : ']');
    w->depth--;
    jw_value_done(w);
}

void lx__jw_obj_begin(struct lx__jw *w)
{
    jw_open(w, true);
}

void lx__jw_obj_end(struct lx__jw *w)
{
    jw_close(w, true);
}

void lx__jw_arr_begin(struct lx__jw *w)
{
    jw_open(w, false);
}

void lx__jw_arr_end(struct lx__jw *w)
{
    jw_close(w, false);
}

/* ---- streaming writer: values -------------------------------------------- */

static bool needs_escape(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

/* The escape of c into e (2 or 6 bytes); returns its length. */
static size_t escape(unsigned char c, char e[6])
{
    static const char hex[] = "0123456789abcdef";
    static const char short_esc[] = {
        ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r'};

    e[0] = '\\';
    if (c == '"' || c == '\\') {
        e[1] = (char)c;
        return 2;
    }
    if (c < sizeof(short_esc) && short_esc[c] != 0) {
        e[1] = short_esc[c];
        return 2;
    }
    e[1] = 'u';
    e[2] = '0';
    e[3] = '0';
    e[4] = hex[c >> 4];
    e[5] = hex[c & 0xf];
    return 6;
}

/* A quoted, escaped string; runs of plain bytes are copied in one go. */
static void jw_quoted(struct lx__jw *w, const char *s, size_t n)
{
    size_t i = 0, run;
    char e[6];

    if (!jw_reserve(w, n + 2)) {
        return;
    }
    jw_putc(w, '"');
    while (i < n && w->err == LX_OK) {
        run = i;
        while (run < n && !needs_escape((unsigned char)s[run])) {
            run++;
        }
        if (run > i && jw_reserve(w, run - i)) {
            jw_put(w, s + i, run - i);
        }
        if (run < n && jw_reserve(w, 6)) {
            jw_put(w, e, escape((unsigned char)s[run], e));
        }
        i = run + 1;
    }
    if (jw_reserve(w, 1)) {
        jw_putc(w, '"');
    }
}

void lx__jw_key_n(struct lx__jw *w, const char *key, size_t len)
{
    if (w->err != LX_OK) {
        return;
    }
    if (key == NULL) {
        jw_fail(w, LX_ERR_INVAL);
        return;
    }
    if (w->depth == 0 || !(w->is_obj & JW_TOP(w)) || w->want_value) {
        jw_fail(w, LX_ERR_STATE);
        return;
    }
    if ((w->has_item & JW_TOP(w)) && jw_reserve(w, 1)) {
        jw_putc(w, ',');
    }
    w->has_item |= JW_TOP(w);
    jw_quoted(w, key, len);
    if (jw_reserve(w, 1)) {
        jw_putc(w, ':');
    }
    w->want_value = true;
}

void lx__jw_key(struct lx__jw *w, const char *key)
{
    lx__jw_key_n(w, key, key != NULL ? strlen(key) : 0);
}

void lx__jw_str_n(struct lx__jw *w, const char *s, size_t len)
{
    if (s == NULL) {
        jw_fail(w, LX_ERR_INVAL);
        return;
    }
    if (jw_value(w)) {
        jw_quoted(w, s, len);
        jw_value_done(w);
    }
}

void lx__jw_str(struct lx__jw *w, const char *s)
{
    lx__jw_str_n(w, s, s != NULL ? strlen(s) : 0);
}

void lx__jw_raw(struct lx__jw *w, const char *s, size_t len)
{
    if (s == NULL) {
        jw_fail(w, LX_ERR_INVAL);
        return;
    }
    if (jw_value(w) && jw_reserve(w, len)) {
        jw_put(w, s, len);
        jw_value_done(w);
    }
}

void lx__jw_i64(struct lx__jw *w, int64_t v)
{
    char txt[24];
    size_t n = int_text(v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, txt);

    lx__jw_raw(w, txt, n);
}

void lx__jw_u64(struct lx__jw *w, uint64_t v)
{
    char txt[24];
    size_t n = int_text(false, v, txt);

    lx__jw_raw(w, txt, n);
}

void lx__jw_decimal(struct lx__jw *w, struct lx_decimal d)
{
    char txt[DEC_TEXT_MAX + 2];
    int n;

    if (w->err != LX_OK) {
        return;
    }
    n = lx_decimal_format(d, txt + 1, sizeof(txt) - 2);
    if (n < 0) {
        jw_fail(w, n);
        return;
    }
    /* Decimal text never needs escaping, so it goes out as raw bytes. */
    txt[0] = '"';
    txt[n + 1] = '"';
    lx__jw_raw(w, txt, (size_t)n + 2);
}

void lx__jw_bool(struct lx__jw *w, bool v)
{
    if (v) {
        lx__jw_raw(w, "true", 4);
    } else {
        lx__jw_raw(w, "false", 5);
    }
}

void lx__jw_null(struct lx__jw *w)
{
    lx__jw_raw(w, "null", 4);
}
