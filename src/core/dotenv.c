/*
 * dotenv.c - the .env line parser (grammar in dotenv.h).
 *
 * It is sans-I/O: it takes a const buffer, reports pairs through a callback
 * and errors as (line, static reason). It does not read files, allocate,
 * log, or know which keys matter; secret.c does all of that. Values are
 * passed as pointers into the input where possible; a double-quoted value
 * with escapes is decoded into a stack scratch buffer that is wiped with
 * OPENSSL_cleanse after the callback, because it may hold a secret.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "core/dotenv.h"
#include "core/lx_internal.h"

/* The value of one line, once located and (if needed) decoded. */
struct dv_value {
    const char *p;
    size_t n;
    char *scratch; /* LX__DOTENV_ESCAPED_MAX bytes, owned by the caller */
};

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_key_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static int is_key_char(char c)
{
    return is_key_start(c) || (c >= '0' && c <= '9');
}

static size_t skip_blanks(const char *p, size_t n, size_t i)
{
    while (i < n && is_blank(p[i])) {
        i++;
    }
    return i;
}

/* "export" followed by at least one blank; returns the bytes to skip. */
static size_t export_prefix(const char *p, size_t n)
{
    if (n > 6 && memcmp(p, "export", 6) == 0 && is_blank(p[6])) {
        return skip_blanks(p, n, 6);
    }
    return 0;
}

/* Only blanks and an optional '#' comment may follow a closing quote. */
static int check_after_quote(const char *p, size_t n, size_t i,
                             const char **reason)
{
    i = skip_blanks(p, n, i);
    if (i < n && p[i] != '#') {
        *reason = "unexpected characters after the closing quote";
        return LX_ERR_PARSE;
    }
    return LX_OK;
}

static int single_quoted(const char *p, size_t n, size_t i, struct dv_value *v,
                         const char **reason)
{
    const char *close = memchr(p + i, '\'', n - i);

    if (close == NULL) {
        *reason = "unterminated single-quoted value";
        return LX_ERR_PARSE;
    }
    v->p = p + i;
    v->n = (size_t)(close - (p + i));
    return check_after_quote(p, n, (size_t)(close - p) + 1, reason);
}

static char unescape(char c)
{
    switch (c) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case '"':
    case '\\':
        return c;
    default:
        return '\0';
    }
}

/*
 * Finds the closing quote of a double-quoted value starting at p[i],
 * validating every escape. Returns the index of the quote, or 0 with
 * *reason set (index 0 can never be a closing quote).
 */
static size_t find_dquote(const char *p, size_t n, size_t i, size_t *nesc,
                          const char **reason)
{
    for (*nesc = 0; i < n; i++) {
        if (p[i] == '"') {
            return i;
        }
        if (p[i] != '\\') {
            continue;
        }
        if (i + 1 >= n) {
            break;
        }
        if (unescape(p[i + 1]) == '\0') {
            *reason = "unsupported escape in double-quoted value "
                      "(only \\n \\t \\\" \\\\)";
            return 0;
        }
        (*nesc)++;
        i++;
    }
    *reason = "unterminated double-quoted value";
    return 0;
}

static int double_quoted(const char *p, size_t n, size_t i, struct dv_value *v,
                         const char **reason)
{
    size_t close, nesc, k, o = 0;

    close = find_dquote(p, n, i, &nesc, reason);
    if (close == 0) {
        return LX_ERR_PARSE;
    }
    v->p = p + i;
    v->n = close - i;
    if (nesc > 0) {
        if (v->n - nesc > LX__DOTENV_ESCAPED_MAX) {
            *reason = "double-quoted value with escapes is too long";
            return LX_ERR_PARSE;
        }
        for (k = i; k < close; k++) {
            v->scratch[o++] = p[k] == '\\' ? unescape(p[++k]) : p[k];
        }
        v->p = v->scratch;
        v->n = o;
    }
    return check_after_quote(p, n, close + 1, reason);
}

/*
 * An unquoted value: up to a '#' preceded by a blank (the blank may be one
 * of those after '='), then trimmed. p[0] is the byte after '='.
 */
static void unquoted(const char *p, size_t n, struct dv_value *v)
{
    size_t start = skip_blanks(p, n, 0), end = n, k;

    for (k = 1; k < n; k++) {
        if (p[k] == '#' && is_blank(p[k - 1])) {
            end = k;
            break;
        }
    }
    while (end > start && is_blank(p[end - 1])) {
        end--;
    }
    v->p = p + start;
    v->n = end - start;
}

static int parse_value(const char *p, size_t n, struct dv_value *v,
                       const char **reason)
{
    size_t i = skip_blanks(p, n, 0);

    if (i < n && p[i] == '\'') {
        return single_quoted(p, n, i + 1, v, reason);
    }
    if (i < n && p[i] == '"') {
        return double_quoted(p, n, i + 1, v, reason);
    }
    unquoted(p, n, v);
    return LX_OK;
}

/*
 * Locates the key of a line known not to be blank or a comment. Returns the
 * index just past '=', or 0 with *reason set.
 */
static size_t parse_key(const char *p, size_t n, size_t *k0, size_t *klen,
                        const char **reason)
{
    size_t i = skip_blanks(p, n, 0);

    i += export_prefix(p + i, n - i);
    if (i == n) {
        *reason = "missing variable name after 'export'";
        return 0;
    }
    if (!is_key_start(p[i])) {
        *reason = p[i] == '=' ? "missing variable name before '='"
                              : "variable name must start with a letter or "
                                "'_'";
        return 0;
    }
    *k0 = i;
    while (i < n && is_key_char(p[i])) {
        i++;
    }
    *klen = i - *k0;
    if (i < n && !is_blank(p[i]) && p[i] != '=') {
        *reason = "invalid character in variable name";
        return 0;
    }
    i = skip_blanks(p, n, i);
    if (i == n || p[i] != '=') {
        *reason = "missing '=' after variable name";
        return 0;
    }
    return i + 1;
}

static int parse_line(const char *p, size_t n, unsigned no, lx__dotenv_cb cb,
                      void *ud, char *scratch, const char **reason)
{
    struct dv_value v = {NULL, 0, scratch};
    size_t i, k0 = 0, klen = 0;
    int rc;

    if (memchr(p, '\0', n) != NULL) {
        *reason = "NUL byte in line";
        return LX_ERR_PARSE;
    }
    if (n > 0 && p[n - 1] == '\r') {
        n--;
    }
    if (memchr(p, '\r', n) != NULL) {
        *reason = "carriage return inside line";
        return LX_ERR_PARSE;
    }
    i = skip_blanks(p, n, 0);
    if (i == n || p[i] == '#') {
        return LX_OK;
    }
    i = parse_key(p, n, &k0, &klen, reason);
    if (i == 0) {
        return LX_ERR_PARSE;
    }
    rc = parse_value(p + i, n - i, &v, reason);
    if (rc == LX_OK) {
        rc = cb(no, p + k0, klen, v.p, v.n, ud);
    }
    if (v.p == scratch) {
        OPENSSL_cleanse(scratch, v.n);
    }
    return rc;
}

int lx__dotenv_parse(const char *buf, size_t len, lx__dotenv_cb cb, void *ud,
                     unsigned *err_line, const char **err_reason)
{
    char scratch[LX__DOTENV_ESCAPED_MAX];
    const char *reason = NULL;
    unsigned no = 0;
    size_t pos = 0;
    int rc = LX_OK;

    if (cb == NULL || (buf == NULL && len > 0)) {
        rc = LX_ERR_INVAL;
        goto out;
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    while (pos < len && rc == LX_OK) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - buf) : len;

        no++;
        rc = parse_line(buf + pos, end - pos, no, cb, ud, scratch, &reason);
        pos = end + 1;
    }
out:
    if (err_line != NULL) {
        *err_line = rc == LX_OK || rc == LX_ERR_INVAL ? 0 : no;
    }
    if (err_reason != NULL) {
        *err_reason = rc == LX_ERR_PARSE ? reason : NULL;
    }
    return rc;
}
