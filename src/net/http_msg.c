/*
 * http_msg.c - struct lx_http_msg: the builders and accessors of
 * lotusx/lx_http.h, and the buffer helpers the parser fills messages with.
 *
 * A message keeps every string (method, target or reason, header names
 * and values) NUL-terminated in one buffer that grows by doubling, and its
 * header fields as offsets into it, so a message costs three allocations
 * whatever its size and parsing appends in amortised O(1); a small one
 * (text and fields within the message's inline room) costs one, plus its
 * body.
 *
 * It does not parse or serialize (http_codec.c does) and it never looks at
 * the network. Builders validate what they are given so that no name,
 * value, target or reason can smuggle a line break onto the wire.
 */
#include <stddef.h>
#include <string.h>

#include "net/http_codec.h"

int lx__http_grow(const struct lx_mem *mem, void **p, size_t *cap, size_t need,
                  size_t elem, size_t limit)
{
    size_t ncap;
    void *q;

    if (need <= *cap) {
        return LX_OK;
    }
    if (need > limit) {
        return LX_ERR_TOOBIG;
    }
    ncap = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
    if (ncap < need) {
        ncap = need;
    }
    if (ncap > limit) {
        ncap = limit;
    }
    if (ncap > SIZE_MAX / elem) {
        return LX_ERR_NOMEM;
    }
    q = lx__realloc(mem, *p, ncap * elem);
    if (q == NULL) {
        return LX_ERR_NOMEM;
    }
    *p = q;
    *cap = ncap;
    return LX_OK;
}

/*
 * lx__http_grow for a block that may still be the message's inline room
 * inl (used bytes of it in use): leaving it allocates and copies.
 */
static int grow_inline(const struct lx_mem *mem, void **p, size_t *cap,
                       const void *inl, size_t used, size_t need, size_t elem,
                       size_t limit)
{
    void *q = NULL;
    size_t ncap = *cap;
    int rc;

    if (*p != inl || need <= *cap) {
        return lx__http_grow(mem, p, cap, need, elem, limit);
    }
    rc = lx__http_grow(mem, &q, &ncap, need, elem, limit);
    if (rc != LX_OK) {
        return rc;
    }
    memcpy(q, inl, used);
    *p = q;
    *cap = ncap;
    return LX_OK;
}

int lx__http_msg_alloc(struct lx_http_msg **out, const struct lx_mem *mem,
                       int is_request)
{
    struct lx_http_msg *m = lx__malloc(mem, sizeof(*m));

    *out = m;
    if (m == NULL) {
        return LX_ERR_NOMEM;
    }
    memset(m, 0, offsetof(struct lx_http_msg, fields_inline));
    m->mem = mem;
    m->is_request = is_request;
    m->version = 11;
    return LX_OK;
}

int lx__http_msg_text_append(struct lx_http_msg *m, const char *s, size_t len,
                             size_t limit)
{
    void *p = m->text;
    size_t need = m->text_len + len + 1;
    int rc;

    if (need < len || need > limit) {
        return LX_ERR_TOOBIG;
    }
    if (m->text_cap == 0) {
        p = m->text_inline;
        m->text_cap = sizeof(m->text_inline);
    }
    rc = grow_inline(m->mem, &p, &m->text_cap, m->text_inline, m->text_len,
                     need, 1, limit);
    m->text = p;
    if (rc != LX_OK) {
        return rc;
    }
    if (len > 0) {
        memcpy(m->text + m->text_len, s, len);
    }
    m->text_len += len;
    m->text[m->text_len] = '\0';
    return LX_OK;
}

int lx__http_msg_body_append(struct lx_http_msg *m, const char *s, size_t len,
                             size_t limit)
{
    void *p = m->body;
    size_t need = m->body_len + len + 1;
    int rc;

    if (need < len || m->body_len + len > limit) {
        return LX_ERR_TOOBIG;
    }
    rc = lx__http_grow(m->mem, &p, &m->body_cap, need, 1, SIZE_MAX);
    m->body = p;
    if (rc != LX_OK) {
        return rc;
    }
    if (len > 0) {
        memcpy(m->body + m->body_len, s, len);
    }
    m->body_len += len;
    m->body[m->body_len] = '\0';
    return LX_OK;
}

int lx__http_msg_field_new(struct lx_http_msg *m, size_t max_fields)
{
    void *p = m->fields;
    size_t need = m->nfields + 1;
    struct lx__http_field *f;
    int rc;

    if (need > max_fields) {
        return LX_ERR_TOOBIG;
    }
    if (m->fields_cap == 0) {
        p = m->fields_inline;
        m->fields_cap = LX__HTTP_FIELDS_INLINE;
    }
    rc = grow_inline(m->mem, &p, &m->fields_cap, m->fields_inline,
                     m->nfields * sizeof(*f), need, sizeof(*f), max_fields);
    m->fields = p;
    if (rc != LX_OK) {
        return rc;
    }
    f = &m->fields[m->nfields++];
    f->name_off = m->text_len;
    f->name_len = 0;
    f->value_off = m->text_len;
    f->value_len = 0;
    return LX_OK;
}

/* ---- validation -------------------------------------------------------- */

int lx__http_is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z')) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *s)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (!lx__http_is_tchar((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

/* Field values and reasons: HTAB, SP, VCHAR and obs-text; no CTL, no DEL. */
static int is_field_text(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* A request-target: one or more visible ASCII characters. */
static int is_target(const char *s)
{
    if (*s == '\0') {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* ---- builders ---------------------------------------------------------- */

int lx_http_msg_new_request(struct lx_http_msg **out, const struct lx_mem *mem,
                            const char *method, const char *target)
{
    struct lx_http_msg *m;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (method == NULL || target == NULL || !is_token(method) ||
        !is_target(target)) {
        return LX_ERR_INVAL;
    }
    rc = lx__http_msg_alloc(&m, mem, 1);
    if (rc != LX_OK) {
        return rc;
    }
    m->method_off = 0;
    rc = lx__http_msg_text_append(m, method, strlen(method) + 1, SIZE_MAX);
    m->line_off = m->text_len;
    m->line_len = strlen(target);
    if (rc == LX_OK) {
        rc = lx__http_msg_text_append(m, target, m->line_len + 1, SIZE_MAX);
    }
    if (rc != LX_OK) {
        lx_http_msg_free(m);
        return rc;
    }
    *out = m;
    return LX_OK;
}

int lx_http_msg_new_response(struct lx_http_msg **out, const struct lx_mem *mem,
                             int status, const char *reason)
{
    struct lx_http_msg *m;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (reason == NULL) {
        reason = lx_http_status_reason(status);
    }
    if (status < 100 || status > 999 || !is_field_text(reason)) {
        return LX_ERR_INVAL;
    }
    rc = lx__http_msg_alloc(&m, mem, 0);
    if (rc != LX_OK) {
        return rc;
    }
    m->status = status;
    m->line_len = strlen(reason);
    rc = lx__http_msg_text_append(m, reason, m->line_len + 1, SIZE_MAX);
    if (rc != LX_OK) {
        lx_http_msg_free(m);
        return rc;
    }
    *out = m;
    return LX_OK;
}

void lx_http_msg_free(struct lx_http_msg *m)
{
    if (m == NULL) {
        return;
    }
    if (m->text != m->text_inline) {
        lx__free(m->mem, m->text);
    }
    if (m->fields != m->fields_inline) {
        lx__free(m->mem, m->fields);
    }
    lx__free(m->mem, m->body);
    lx__free(m->mem, m);
}

int lx_http_msg_add_header(struct lx_http_msg *m, const char *name,
                           const char *value)
{
    size_t text_len, nlen, vlen;
    struct lx__http_field *f;
    int rc;

    if (m == NULL || name == NULL || value == NULL || !is_token(name) ||
        !is_field_text(value)) {
        return LX_ERR_INVAL;
    }
    text_len = m->text_len;
    nlen = strlen(name);
    vlen = strlen(value);
    rc = lx__http_msg_field_new(m, SIZE_MAX);
    if (rc != LX_OK) {
        return rc;
    }
    f = &m->fields[m->nfields - 1];
    rc = lx__http_msg_text_append(m, name, nlen + 1, SIZE_MAX);
    if (rc == LX_OK) {
        f->name_len = nlen;
        f->value_off = m->text_len;
        f->value_len = vlen;
        rc = lx__http_msg_text_append(m, value, vlen + 1, SIZE_MAX);
    }
    if (rc != LX_OK) {
        /* Roll back: the message stays exactly as it was. */
        m->nfields--;
        m->text_len = text_len;
        if (m->text != NULL) {
            m->text[text_len] = '\0';
        }
    }
    return rc;
}

int lx_http_msg_set_body(struct lx_http_msg *m, const void *body, size_t len)
{
    void *p;

    if (m == NULL || (body == NULL && len > 0) || len == SIZE_MAX) {
        return LX_ERR_INVAL;
    }
    if (len > 0 && len + 1 > m->body_cap) {
        /* Exact size: a body is set once, not appended to. */
        p = lx__malloc(m->mem, len + 1);
        if (p == NULL) {
            return LX_ERR_NOMEM;
        }
        lx__free(m->mem, m->body);
        m->body = p;
        m->body_cap = len + 1;
    }
    if (len > 0) {
        memcpy(m->body, body, len);
        m->body[len] = '\0';
    }
    m->body_len = len;
    m->has_body = 1;
    return LX_OK;
}

/* ---- accessors --------------------------------------------------------- */

int lx_http_msg_is_request(const struct lx_http_msg *m)
{
    return m->is_request;
}

const char *lx_http_msg_method(const struct lx_http_msg *m)
{
    return m->is_request ? m->text + m->method_off : NULL;
}

const char *lx_http_msg_target(const struct lx_http_msg *m)
{
    return m->is_request ? m->text + m->line_off : NULL;
}

int lx_http_msg_status(const struct lx_http_msg *m)
{
    return m->is_request ? 0 : m->status;
}

const char *lx_http_msg_reason(const struct lx_http_msg *m)
{
    return m->is_request ? NULL : m->text + m->line_off;
}

int lx_http_msg_version(const struct lx_http_msg *m)
{
    return m->version;
}

size_t lx_http_msg_header_count(const struct lx_http_msg *m)
{
    return m->nfields;
}

int lx_http_msg_header_at(const struct lx_http_msg *m, size_t i,
                          const char **name, size_t *name_len,
                          const char **value, size_t *value_len)
{
    const struct lx__http_field *f;

    if (i >= m->nfields) {
        return LX_ERR_RANGE;
    }
    f = &m->fields[i];
    if (name != NULL) {
        *name = m->text + f->name_off;
    }
    if (name_len != NULL) {
        *name_len = f->name_len;
    }
    if (value != NULL) {
        *value = m->text + f->value_off;
    }
    if (value_len != NULL) {
        *value_len = f->value_len;
    }
    return LX_OK;
}

int lx__http_ci_equal(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (x >= 'A' && x <= 'Z') {
            x = (unsigned char)(x - 'A' + 'a');
        }
        if (y >= 'A' && y <= 'Z') {
            y = (unsigned char)(y - 'A' + 'a');
        }
        if (x != y) {
            return 0;
        }
    }
    return 1;
}

const char *lx_http_msg_header(const struct lx_http_msg *m, const char *name,
                               size_t *len)
{
    size_t i, n = strlen(name);

    for (i = 0; i < m->nfields; i++) {
        const struct lx__http_field *f = &m->fields[i];

        if (f->name_len == n &&
            lx__http_ci_equal(m->text + f->name_off, name, n)) {
            if (len != NULL) {
                *len = f->value_len;
            }
            return m->text + f->value_off;
        }
    }
    return NULL;
}

/*
 * Counts the elements of the comma-separated list s[0..n) that equal token
 * (case ignored) into *match and the others into *other; empty elements
 * and the whitespace around elements do not count (RFC 7230 section 7).
 */
static void list_count(const char *s, size_t n, const char *token,
                       size_t *match, size_t *other)
{
    size_t tlen = strlen(token), i = 0;

    while (i < n) {
        size_t start, end;

        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) {
            i++;
        }
        start = i;
        while (i < n && s[i] != ',') {
            i++;
        }
        end = i;
        while (end > start && (s[end - 1] == ' ' || s[end - 1] == '\t')) {
            end--;
        }
        if (end == start) {
            continue;
        }
        if (end - start == tlen && lx__http_ci_equal(s + start, token, tlen)) {
            (*match)++;
        } else {
            (*other)++;
        }
    }
}

size_t lx__http_msg_tokens(const struct lx_http_msg *m, const char *name,
                           const char *token, size_t *match, size_t *other)
{
    size_t i, n = strlen(name), nfound = 0;

    *match = 0;
    *other = 0;
    for (i = 0; i < m->nfields; i++) {
        const struct lx__http_field *f = &m->fields[i];

        if (f->name_len == n &&
            lx__http_ci_equal(m->text + f->name_off, name, n)) {
            nfound++;
            list_count(m->text + f->value_off, f->value_len, token, match,
                       other);
        }
    }
    return nfound;
}

int lx__http_msg_has_token(const struct lx_http_msg *m, const char *name,
                           const char *token)
{
    size_t match, other;

    lx__http_msg_tokens(m, name, token, &match, &other);
    return match > 0;
}

const char *lx_http_msg_body(const struct lx_http_msg *m, size_t *len)
{
    if (len != NULL) {
        *len = m->body_len;
    }
    return m->body_len > 0 ? m->body : NULL;
}

int lx_http_msg_keep_alive(const struct lx_http_msg *m)
{
    if (m->eof_body || lx__http_msg_has_token(m, "Connection", "close")) {
        return 0;
    }
    if (m->version >= 11) {
        return 1;
    }
    return lx__http_msg_has_token(m, "Connection", "keep-alive");
}

int lx_http_msg_upgrade(const struct lx_http_msg *m)
{
    return m->upgrade;
}

/* 1 if m is a request whose method is one of the NULL-terminated list. */
static int method_in(const struct lx_http_msg *m, const char *const *list)
{
    const char *method;

    if (!m->is_request) {
        return 0;
    }
    method = m->text + m->method_off;
    for (; *list != NULL; list++) {
        if (strcmp(method, *list) == 0) {
            return 1;
        }
    }
    return 0;
}

int lx_http_msg_is_idempotent(const struct lx_http_msg *m)
{
    static const char *const idem[] = {"GET",     "HEAD",  "PUT", "DELETE",
                                       "OPTIONS", "TRACE", NULL};

    return method_in(m, idem);
}

int lx_http_msg_is_safe(const struct lx_http_msg *m)
{
    static const char *const safe[] = {"GET", "HEAD", "OPTIONS", "TRACE", NULL};

    return method_in(m, safe);
}

/* ---- status reasons ---------------------------------------------------- */

#define LX_HTTP_STATUS_MAP(XX)                                                 \
    XX(100, "Continue")                                                        \
    XX(101, "Switching Protocols")                                             \
    XX(102, "Processing")                                                      \
    XX(103, "Early Hints")                                                     \
    XX(200, "OK")                                                              \
    XX(201, "Created")                                                         \
    XX(202, "Accepted")                                                        \
    XX(203, "Non-Authoritative Information")                                   \
    XX(204, "No Content")                                                      \
    XX(205, "Reset Content")                                                   \
    XX(206, "Partial Content")                                                 \
    XX(207, "Multi-Status")                                                    \
    XX(208, "Already Reported")                                                \
    XX(226, "IM Used")                                                         \
    XX(300, "Multiple Choices")                                                \
    XX(301, "Moved Permanently")                                               \
    XX(302, "Found")                                                           \
    XX(303, "See Other")                                                       \
    XX(304, "Not Modified")                                                    \
    XX(305, "Use Proxy")                                                       \
    XX(307, "Temporary Redirect")                                              \
    XX(308, "Permanent Redirect")                                              \
    XX(400, "Bad Request")                                                     \
    XX(401, "Unauthorized")                                                    \
    XX(402, "Payment Required")                                                \
    XX(403, "Forbidden")                                                       \
    XX(404, "Not Found")                                                       \
    XX(405, "Method Not Allowed")                                              \
    XX(406, "Not Acceptable")                                                  \
    XX(407, "Proxy Authentication Required")                                   \
    XX(408, "Request Timeout")                                                 \
    XX(409, "Conflict")                                                        \
    XX(410, "Gone")                                                            \
    XX(411, "Length Required")                                                 \
    XX(412, "Precondition Failed")                                             \
    XX(413, "Payload Too Large")                                               \
    XX(414, "URI Too Long")                                                    \
    XX(415, "Unsupported Media Type")                                          \
    XX(416, "Range Not Satisfiable")                                           \
    XX(417, "Expectation Failed")                                              \
    XX(418, "I'm a teapot")                                                    \
    XX(421, "Misdirected Request")                                             \
    XX(422, "Unprocessable Entity")                                            \
    XX(423, "Locked")                                                          \
    XX(424, "Failed Dependency")                                               \
    XX(425, "Too Early")                                                       \
    XX(426, "Upgrade Required")                                                \
    XX(428, "Precondition Required")                                           \
    XX(429, "Too Many Requests")                                               \
    XX(431, "Request Header Fields Too Large")                                 \
    XX(451, "Unavailable For Legal Reasons")                                   \
    XX(500, "Internal Server Error")                                           \
    XX(501, "Not Implemented")                                                 \
    XX(502, "Bad Gateway")                                                     \
    XX(503, "Service Unavailable")                                             \
    XX(504, "Gateway Timeout")                                                 \
    XX(505, "HTTP Version Not Supported")                                      \
    XX(506, "Variant Also Negotiates")                                         \
    XX(507, "Insufficient Storage")                                            \
    XX(508, "Loop Detected")                                                   \
    XX(510, "Not Extended")                                                    \
    XX(511, "Network Authentication Required")

const char *lx_http_status_reason(int status)
{
    /* The class names of RFC 7231 section 6, for codes not listed. */
    static const char *const cls[] = {"Informational", "Success", "Redirection",
                                      "Client Error", "Server Error"};

    switch (status) {
#define LX__HTTP_REASON(code, text)                                            \
    case code:                                                                 \
        return text;
        LX_HTTP_STATUS_MAP(LX__HTTP_REASON)
#undef LX__HTTP_REASON
    default:
        break;
    }
    if (status >= 100 && status <= 599) {
        return cls[status / 100 - 1];
    }
    return "";
}
