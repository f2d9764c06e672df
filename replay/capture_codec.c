/*
 * capture_codec.c - the byte layer of capture files: growable buffers,
 * LEB128/zigzag varints, the record encoding inside a chunk
 * (docs/capture-format.md section 5), the SQL schema and error helpers.
 *
 * It does no I/O and no compression; decoding never trusts a length and
 * never reads outside the range it is given.
 */
#include <stdarg.h>
#include <string.h>

#include <sqlite3.h>

#include "replay/capture_int.h"

/* ---- buffers ---------------------------------------------------------- */

void lx__cbuf_init(struct lx__cbuf *b, const struct lx_mem *mem)
{
    b->mem = mem;
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void lx__cbuf_free(struct lx__cbuf *b)
{
    lx__free(b->mem, b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

int lx__cbuf_reserve(struct lx__cbuf *b, size_t n)
{
    size_t cap;
    uint8_t *p;

    if (n <= b->cap - b->len) {
        return LX_OK;
    }
    if (n > LX__CAP_MAX_CHUNK || b->len > LX__CAP_MAX_CHUNK - n) {
        return LX_ERR_TOOBIG;
    }
    cap = b->cap != 0 ? b->cap : 256;
    while (cap - b->len < n) {
        cap *= 2;
    }
    p = lx__realloc(b->mem, b->p, cap);
    if (p == NULL) {
        return LX_ERR_NOMEM;
    }
    b->p = p;
    b->cap = cap;
    return LX_OK;
}

int lx__cbuf_put(struct lx__cbuf *b, const void *p, size_t n)
{
    int rc = lx__cbuf_reserve(b, n);

    if (rc != LX_OK) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->p + b->len, p, n);
    }
    b->len += n;
    return LX_OK;
}

/* ---- varints ---------------------------------------------------------- */

size_t lx__cap_put_uvarint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

size_t lx__cap_get_uvarint(const uint8_t *p, size_t len, uint64_t *v)
{
    uint64_t r = 0;
    size_t i;

    for (i = 0; i < len && i < 10; i++) {
        uint64_t b = p[i] & 0x7f;

        /* The tenth byte may only carry the top bit of 64. */
        if (i == 9 && p[i] > 1) {
            return 0;
        }
        r |= b << (7 * i);
        if ((p[i] & 0x80) == 0) {
            *v = r;
            return i + 1;
        }
    }
    return 0;
}

/* ---- record encoding -------------------------------------------------- */

/* The kind-specific part: sizes and writing share one walk. */
static size_t str_size(struct lx__cap_bytes s)
{
    return lx__cap_uvarint_len(s.len) + s.len;
}

static size_t headers_size(const struct lx__cap_rec *r)
{
    size_t n = lx__cap_uvarint_len(r->nheaders), i;

    for (i = 0; i < 2 * r->nheaders; i++) {
        n += str_size(r->headers[i]);
    }
    return n;
}

static size_t payload_size(const struct lx__cap_rec *r)
{
    switch (r->kind) {
    case LX_CAPTURE_CONN_OPEN:
        return str_size(r->s1) + str_size(r->s2) + str_size(r->s3);
    case LX_CAPTURE_CONN_CLOSE:
        return str_size(r->s1);
    case LX_CAPTURE_HTTP_REQUEST:
        return lx__cap_uvarint_len(r->n1) + str_size(r->s1) + str_size(r->s2) +
               headers_size(r) + r->data.len;
    case LX_CAPTURE_HTTP_RESPONSE:
        return lx__cap_uvarint_len(r->n1) + lx__cap_uvarint_len(r->n2) +
               str_size(r->s1) + headers_size(r) + r->data.len;
    case LX_CAPTURE_WS_FRAME:
        return lx__cap_uvarint_len(r->n1) + r->data.len;
    default: /* LX_CAPTURE_ANNOTATION */
        return str_size(r->s1) + r->data.len;
    }
}

/*
 * The mono delta is stored relative to the wall delta: both clocks advance
 * together, so it is almost always 0 (one byte instead of four).
 */
static uint64_t mono_delta(const struct lx__cap_rec *r,
                           const struct lx__cap_prev *prev)
{
    return ((uint64_t)r->mono_ns - prev->mono) -
           ((uint64_t)r->wall_ns - prev->wall);
}

static size_t body_size(const struct lx__cap_rec *r,
                        const struct lx__cap_prev *prev)
{
    return 2 + lx__cap_uvarint_len(lx__cap_zigzag(r->gseq - prev->gseq)) +
           lx__cap_uvarint_len(lx__cap_zigzag(r->seq - prev->seq)) +
           lx__cap_uvarint_len(
               lx__cap_zigzag((uint64_t)r->wall_ns - prev->wall)) +
           lx__cap_uvarint_len(lx__cap_zigzag(mono_delta(r, prev))) +
           payload_size(r);
}

size_t lx__cap_rec_size(const struct lx__cap_rec *r,
                        const struct lx__cap_prev *prev)
{
    size_t n = body_size(r, prev);

    return lx__cap_uvarint_len(n) + n;
}

static uint8_t *put_str(uint8_t *p, struct lx__cap_bytes s)
{
    p += lx__cap_put_uvarint(p, s.len);
    if (s.len > 0) {
        memcpy(p, s.p, s.len);
    }
    return p + s.len;
}

static uint8_t *put_headers(uint8_t *p, const struct lx__cap_rec *r)
{
    size_t i;

    p += lx__cap_put_uvarint(p, r->nheaders);
    for (i = 0; i < 2 * r->nheaders; i++) {
        p = put_str(p, r->headers[i]);
    }
    return p;
}

static uint8_t *put_payload(uint8_t *p, const struct lx__cap_rec *r)
{
    switch (r->kind) {
    case LX_CAPTURE_CONN_OPEN:
        p = put_str(p, r->s1);
        p = put_str(p, r->s2);
        return put_str(p, r->s3);
    case LX_CAPTURE_CONN_CLOSE:
        return put_str(p, r->s1);
    case LX_CAPTURE_HTTP_REQUEST:
        p += lx__cap_put_uvarint(p, r->n1);
        p = put_str(p, r->s1);
        p = put_str(p, r->s2);
        p = put_headers(p, r);
        break;
    case LX_CAPTURE_HTTP_RESPONSE:
        p += lx__cap_put_uvarint(p, r->n1);
        p += lx__cap_put_uvarint(p, r->n2);
        p = put_str(p, r->s1);
        p = put_headers(p, r);
        break;
    case LX_CAPTURE_WS_FRAME:
        p += lx__cap_put_uvarint(p, r->n1);
        break;
    default:
        p = put_str(p, r->s1);
        break;
    }
    if (r->data.len > 0) {
        memcpy(p, r->data.p, r->data.len);
    }
    return p + r->data.len;
}

int lx__cap_rec_encode(struct lx__cbuf *b, const struct lx__cap_rec *r,
                       struct lx__cap_prev *prev)
{
    size_t blen = body_size(r, prev), total = lx__cap_uvarint_len(blen) + blen;
    uint8_t *p;
    int rc;

    if (blen > LX__CAP_MAX_RECORD) {
        return LX_ERR_TOOBIG;
    }
    rc = lx__cbuf_reserve(b, total);
    if (rc != LX_OK) {
        return rc;
    }
    p = b->p + b->len;
    p += lx__cap_put_uvarint(p, blen);
    *p++ = (uint8_t)r->kind;
    *p++ = (uint8_t)((r->dir == LX_TAP_IN ? 1 : 0) | (r->reset ? 2 : 0));
    p += lx__cap_put_uvarint(p, lx__cap_zigzag(r->gseq - prev->gseq));
    p += lx__cap_put_uvarint(p, lx__cap_zigzag(r->seq - prev->seq));
    p += lx__cap_put_uvarint(p,
                             lx__cap_zigzag((uint64_t)r->wall_ns - prev->wall));
    p += lx__cap_put_uvarint(p, lx__cap_zigzag(mono_delta(r, prev)));
    p = put_payload(p, r);
    if (LX_NEVER((size_t)(p - b->p) != b->len + total)) {
        return LX_ERR_INTERNAL;
    }
    b->len += total;
    prev->gseq = r->gseq;
    prev->seq = r->seq;
    prev->wall = (uint64_t)r->wall_ns;
    prev->mono = (uint64_t)r->mono_ns;
    return LX_OK;
}

/* ---- record decoding -------------------------------------------------- */

void lx__cap_scratch_init(struct lx__cap_scratch *s, const struct lx_mem *mem)
{
    lx__cbuf_init(&s->str, mem);
    s->hdr = NULL;
    s->hdr_cap = 0;
    s->mem = mem;
}

void lx__cap_scratch_free(struct lx__cap_scratch *s)
{
    lx__cbuf_free(&s->str);
    lx__free(s->mem, s->hdr);
    s->hdr = NULL;
    s->hdr_cap = 0;
}

/* A cursor over one record body. */
struct cur {
    const uint8_t *p;
    size_t len;
    const char *err;
};

static uint64_t get_u(struct cur *c)
{
    uint64_t v = 0;
    size_t n;

    if (c->err != NULL) {
        return 0;
    }
    n = lx__cap_get_uvarint(c->p, c->len, &v);
    if (n == 0) {
        c->err = "bad varint";
        return 0;
    }
    c->p += n;
    c->len -= n;
    return v;
}

/* Copies a string into scratch with a NUL; returns its offset. */
static size_t get_str(struct cur *c, struct lx__cap_scratch *s, size_t *slen,
                      int *rc)
{
    uint64_t n = get_u(c);
    size_t off = s->str.len;
    static const uint8_t nul = 0;

    if (c->err != NULL) {
        return 0;
    }
    if (n > c->len) {
        c->err = "string past the end of the record";
        return 0;
    }
    if (*rc == LX_OK) {
        *rc = lx__cbuf_put(&s->str, c->p, (size_t)n);
    }
    if (*rc == LX_OK) {
        *rc = lx__cbuf_put(&s->str, &nul, 1);
    }
    c->p += n;
    c->len -= (size_t)n;
    if (slen != NULL) {
        *slen = (size_t)n;
    }
    return off;
}

/* Offsets of a record's strings, resolved once scratch stops moving. */
struct offs {
    size_t s[3];
    int n;
};

static int get_headers(struct cur *c, struct lx__cap_scratch *s,
                       struct lx_capture_record *out)
{
    uint64_t n = get_u(c);
    size_t i;
    int rc = LX_OK;

    if (c->err != NULL) {
        return LX_OK;
    }
    if (n > LX__CAP_MAX_HEADERS || n > c->len / 2) {
        c->err = "too many headers";
        return LX_OK;
    }
    if (n > s->hdr_cap) {
        struct lx_capture_header *h =
            lx__realloc(s->mem, s->hdr, (size_t)n * sizeof(*h));

        if (h == NULL) {
            return LX_ERR_NOMEM;
        }
        s->hdr = h;
        s->hdr_cap = (size_t)n;
    }
    for (i = 0; i < n && c->err == NULL && rc == LX_OK; i++) {
        /* Offsets are kept in the pointer fields until resolved. */
        s->hdr[i].name =
            (const char *)(uintptr_t)get_str(c, s, &s->hdr[i].name_len, &rc);
        s->hdr[i].value =
            (const char *)(uintptr_t)get_str(c, s, &s->hdr[i].value_len, &rc);
    }
    out->nheaders = (size_t)n;
    return rc;
}

static int get_payload(struct cur *c, struct lx__cap_scratch *s,
                       struct lx_capture_record *out, struct offs *o)
{
    int rc = LX_OK;
    bool rest = true;

    switch (out->kind) {
    case LX_CAPTURE_CONN_OPEN:
        o->s[0] = get_str(c, s, NULL, &rc);
        o->s[1] = get_str(c, s, NULL, &rc);
        o->s[2] = get_str(c, s, NULL, &rc);
        o->n = 3;
        rest = false;
        break;
    case LX_CAPTURE_CONN_CLOSE:
        o->s[0] = get_str(c, s, NULL, &rc);
        o->n = 1;
        rest = false;
        break;
    case LX_CAPTURE_HTTP_REQUEST: {
        uint64_t ver = get_u(c);

        if (ver > 0xffff) {
            c->err = "bad HTTP version";
        }
        out->http_version = (int)(ver & 0xffff);
        o->s[0] = get_str(c, s, NULL, &rc);
        o->s[1] = get_str(c, s, NULL, &rc);
        o->n = 2;
        if (rc == LX_OK) {
            rc = get_headers(c, s, out);
        }
        break;
    }
    case LX_CAPTURE_HTTP_RESPONSE: {
        uint64_t ver = get_u(c), st = get_u(c);

        if (ver > 0xffff || st > 999) {
            c->err = "bad HTTP version or status";
        }
        out->http_version = (int)(ver & 0xffff);
        out->status = (int)(st & 0x3ff);
        o->s[0] = get_str(c, s, NULL, &rc);
        o->n = 1;
        if (rc == LX_OK) {
            rc = get_headers(c, s, out);
        }
        break;
    }
    case LX_CAPTURE_WS_FRAME: {
        uint64_t op = get_u(c);

        if (op > 15) {
            c->err = "bad WebSocket opcode";
        }
        out->ws_opcode = (int)(op & 15);
        break;
    }
    default:
        o->s[0] = get_str(c, s, NULL, &rc);
        o->n = 1;
        break;
    }
    if (rest) {
        out->data = c->p;
        out->len = c->len;
        c->len = 0;
    } else if (c->err == NULL && c->len != 0) {
        c->err = "trailing bytes in record";
    }
    return rc;
}

/* Turns offsets into pointers now that the scratch buffer is final. */
static void resolve(struct lx__cap_scratch *s, struct lx_capture_record *out,
                    const struct offs *o)
{
    const char *base = (const char *)s->str.p;
    const char *str[3] = {NULL, NULL, NULL};
    size_t i;

    for (i = 0; i < (size_t)o->n; i++) {
        str[i] = base + o->s[i];
    }
    switch (out->kind) {
    case LX_CAPTURE_CONN_OPEN:
        out->url = str[0];
        out->transport = str[1];
        break;
    case LX_CAPTURE_CONN_CLOSE:
    case LX_CAPTURE_HTTP_RESPONSE:
        out->reason = str[0];
        break;
    case LX_CAPTURE_HTTP_REQUEST:
        out->method = str[0];
        out->target = str[1];
        break;
    case LX_CAPTURE_ANNOTATION:
        out->tag = str[0];
        break;
    default:
        break;
    }
    for (i = 0; i < out->nheaders; i++) {
        s->hdr[i].name = base + (uintptr_t)s->hdr[i].name;
        s->hdr[i].value = base + (uintptr_t)s->hdr[i].value;
    }
    out->headers = out->nheaders > 0 ? s->hdr : NULL;
}

/* Clears the kind-specific fields of out, keeping the stream's. */
static void clear_payload(struct lx_capture_record *out)
{
    out->url = NULL;
    out->transport = NULL;
    out->reason = NULL;
    out->method = NULL;
    out->target = NULL;
    out->tag = NULL;
    out->status = 0;
    out->http_version = 0;
    out->nheaders = 0;
    out->headers = NULL;
    out->ws_opcode = 0;
    out->data = NULL;
    out->len = 0;
}

static int decode_body(struct cur *c, struct lx__cap_prev *prev,
                       struct lx__cap_scratch *s, struct lx_capture_record *out)
{
    struct offs o = {{0, 0, 0}, 0};
    int rc;

    if (c->len < 2) {
        c->err = "record too short";
        return LX_OK;
    }
    out->kind = c->p[0];
    if (out->kind < LX_CAPTURE_CONN_OPEN || out->kind > LX_CAPTURE_ANNOTATION) {
        c->err = "unknown record kind";
        return LX_OK;
    }
    if ((c->p[1] & ~3u) != 0) {
        c->err = "unknown record flags";
        return LX_OK;
    }
    if (c->p[1] & 2) {
        memset(prev, 0, sizeof(*prev));
    }
    out->dir = (c->p[1] & 1) ? LX_TAP_IN : LX_TAP_OUT;
    c->p += 2;
    c->len -= 2;
    prev->gseq += lx__cap_unzigzag(get_u(c));
    prev->seq += lx__cap_unzigzag(get_u(c));
    {
        uint64_t dw = lx__cap_unzigzag(get_u(c));

        prev->wall += dw;
        prev->mono += dw + lx__cap_unzigzag(get_u(c));
    }
    out->gseq = prev->gseq;
    out->seq = prev->seq;
    out->wall_ns = (int64_t)prev->wall;
    out->mono_ns = (int64_t)prev->mono;
    s->str.len = 0;
    rc = get_payload(c, s, out, &o);
    if (rc == LX_OK && c->err == NULL) {
        resolve(s, out, &o);
    }
    return rc;
}

int lx__cap_rec_decode(const uint8_t *p, size_t len, struct lx__cap_prev *prev,
                       struct lx__cap_scratch *s, struct lx_capture_record *out,
                       char *msg, size_t msgcap)
{
    uint64_t blen;
    size_t n = lx__cap_get_uvarint(p, len, &blen);
    struct cur c;
    int rc;

    clear_payload(out);
    if (n == 0 || blen > len - n || blen > LX__CAP_MAX_RECORD) {
        lx__snprintf(msg, msgcap, "record length past the end of the chunk");
        return LX_ERR_CORRUPT;
    }
    c.p = p + n;
    c.len = (size_t)blen;
    c.err = NULL;
    rc = decode_body(&c, prev, s, out);
    if (rc != LX_OK) {
        return rc;
    }
    if (c.err != NULL) {
        clear_payload(out);
        lx__snprintf(msg, msgcap, "%s", c.err);
        return LX_ERR_CORRUPT;
    }
    return (int)(n + (size_t)blen);
}

/* ---- schema and errors ------------------------------------------------ */

/* Format version 2. docs/capture-format.md section 3 explains each column. */
const char lx__cap_schema_sql[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;"
    "CREATE TABLE dicts(id INTEGER PRIMARY KEY, zstd_dict_id INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE TABLE streams(id INTEGER PRIMARY KEY, side INTEGER NOT NULL,"
    " conn_id INTEGER NOT NULL, venue TEXT NOT NULL, url TEXT NOT NULL,"
    " transport TEXT NOT NULL, open_wall_ns INTEGER NOT NULL,"
    " open_mono_ns INTEGER NOT NULL, close_wall_ns INTEGER,"
    " close_mono_ns INTEGER, close_reason TEXT);"
    "CREATE TABLE chunks(id INTEGER PRIMARY KEY,"
    " stream_id INTEGER NOT NULL REFERENCES streams(id),"
    " first_gseq INTEGER NOT NULL, last_gseq INTEGER NOT NULL,"
    " first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,"
    " min_wall_ns INTEGER NOT NULL, max_wall_ns INTEGER NOT NULL,"
    " min_mono_ns INTEGER NOT NULL, max_mono_ns INTEGER NOT NULL,"
    " nrecords INTEGER NOT NULL, raw_size INTEGER NOT NULL,"
    " kinds INTEGER NOT NULL, dict_id INTEGER NOT NULL,"
    " data BLOB NOT NULL, codec INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX chunks_by_gseq ON chunks(first_gseq);"
    "CREATE INDEX chunks_by_stream ON chunks(stream_id, first_gseq);"
    "CREATE INDEX chunks_by_wall ON chunks(min_wall_ns);"
    "CREATE TABLE summary(id INTEGER PRIMARY KEY CHECK (id = 1),"
    " records INTEGER NOT NULL, chunks INTEGER NOT NULL,"
    " streams INTEGER NOT NULL, first_wall_ns INTEGER NOT NULL,"
    " last_wall_ns INTEGER NOT NULL, raw_bytes INTEGER NOT NULL,"
    " stored_bytes INTEGER NOT NULL, max_chunk_span_ns INTEGER NOT NULL,"
    " venues TEXT NOT NULL);";

int lx__cap_sqlite_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return LX_OK;
    case SQLITE_NOMEM:
        return LX_ERR_NOMEM;
    case SQLITE_CORRUPT:
        return LX_ERR_CORRUPT;
    case SQLITE_NOTADB:
        return LX_ERR_PARSE;
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return LX_ERR_IO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return LX_ERR_AGAIN;
    case SQLITE_TOOBIG:
        return LX_ERR_TOOBIG;
    default:
        return LX_ERR_FILE;
    }
}

void lx__cap_set_error(struct lx_capture_error *err, int code, int64_t chunk_id,
                       const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return;
    }
    err->code = code;
    err->chunk_id = chunk_id;
    va_start(ap, fmt);
    lx__vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}
