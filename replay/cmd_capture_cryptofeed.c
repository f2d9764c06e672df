/*
 * cmd_capture_cryptofeed.c - `lotusx capture import --format cryptofeed`:
 * imports a cryptofeed NDJSON recording (rows "header", "http", "connect",
 * "send", "recv"; ../shared/samples/README.md describes it) into a
 * capture. Each distinct "conn" becomes one client connection (ids 1, 2,
 * ... in order of first appearance); rows are written in order of their
 * "ts" (the file groups rows by connection), file order on a tie.
 *   connect  connection-open record, url = "addr"
 *   send     outbound text frame; recv: inbound text frame ("data")
 *   http     GET request (target = path and query of "url") and a response
 *            with status 200 and body "data": cryptofeed recorded only the
 *            bodies of successful responses, no status line or headers
 * A connection that starts without a "connect" row gets an open record
 * with the first URL seen for it; every connection gets a close record at
 * its last row. "ts" is decimal seconds, converted to ns exactly from its
 * text (no floating point). "data" loses bytes after an escaped NUL.
 *
 * The whole input is held in memory (the recordings are megabytes).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/json.h"
#include "lotusx/lx_ws.h"
#include "cmd_capture_int.h"

#define CF_MAX_INPUT ((size_t)1 << 30)
#define CF_MAX_CONNS 256

enum cf_type { CF_CONNECT, CF_SEND, CF_RECV, CF_HTTP };

struct cf_row {
    int64_t ts;
    size_t line;
    int type;
    size_t conn;
    char *url; /* connect: addr; http: url; send: addr (may be NULL) */
    char *data;
    size_t len;
};

struct cf_conn {
    char *name;
    char *url;    /* for an open record that was not recorded */
    int64_t last; /* ts of its last row */
    uint64_t seq;
    int opened;
};

struct cf {
    const char *path;
    struct cf_row *rows;
    size_t nrows, caprows;
    struct cf_conn conns[CF_MAX_CONNS];
    size_t nconns;
    struct lx_capture_writer *w;
    const char *venue;
};

static int cf_err(const struct cf *c, size_t line, const char *what)
{
    fprintf(stderr, "lotusx capture import: %s:%zu: %s\n", c->path, line, what);
    return -1;
}

/* Reads all of f into a NUL-terminated buffer. */
static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0, got;
    char *buf = lx__malloc(NULL, cap), *nb;

    while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            nb = cap * 2 <= CF_MAX_INPUT ? lx__realloc(NULL, buf, cap * 2)
                                         : NULL;
            if (nb == NULL) {
                lx__free(NULL, buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (buf != NULL) {
        buf[n] = '\0';
    }
    *len = n;
    return buf;
}

/*
 * The exact ns of the top-level "ts": the first '"ts":' not inside a
 * string (cryptofeed writes it before "data"), decimal seconds.
 */
static int cf_ts(const char *s, size_t n, int64_t *out)
{
    const char *p = s, *end = s + n;
    int64_t sec = 0, frac = 0;
    int digits = 0;

    while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
        if (end - p > 5 && memcmp(p, "\"ts\":", 5) == 0 &&
            (p == s || p[-1] != '\\')) {
            break;
        }
        p++;
    }
    if (p == NULL) {
        return -1;
    }
    for (p += 5; p < end && *p >= '0' && *p <= '9'; p++) {
        if (sec > INT64_MAX / 1000000000 / 10) {
            return -1;
        }
        sec = sec * 10 + (*p - '0');
    }
    if (p < end && *p == '.') {
        for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
            if (digits++ < 9) { /* beyond ns precision: truncated */
                frac = frac * 10 + (*p - '0');
            }
        }
    }
    for (; digits < 9; digits++) {
        frac *= 10;
    }
    *out = sec * 1000000000 + frac;
    return 0;
}

static int cf_conn_index(struct cf *c, const char *name, size_t *out)
{
    size_t i;

    for (i = 0; i < c->nconns; i++) {
        if (strcmp(c->conns[i].name, name) == 0) {
            *out = i;
            return 0;
        }
    }
    if (c->nconns >= CF_MAX_CONNS ||
        (c->conns[i].name = lx__strdup(NULL, name)) == NULL) {
        return -1;
    }
    c->nconns++;
    *out = i;
    return 0;
}

static const char *cf_str(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Fills row r from the parsed object o; -1 with a message on error. */
static int cf_fill(struct cf *c, const cJSON *o, struct cf_row *r)
{
    static const char *const types[] = {"connect", "send", "recv", "http"};
    const char *t = cf_str(o, "t"), *conn = cf_str(o, "conn");
    const char *url = cf_str(o, "addr"), *data = cf_str(o, "data");

    for (r->type = 0; r->type < 4; r->type++) {
        if (t != NULL && strcmp(t, types[r->type]) == 0) {
            break;
        }
    }
    if (r->type == 4) {
        return cf_err(c, r->line,
                      "unknown row type (want header, connect, "
                      "send, recv or http)");
    }
    if (r->type == CF_HTTP) {
        url = cf_str(o, "url");
    }
    if (conn == NULL || (r->type != CF_CONNECT && data == NULL) ||
        ((r->type == CF_CONNECT || r->type == CF_HTTP) && url == NULL)) {
        return cf_err(c, r->line, "row lacks conn, data, addr or url");
    }
    if (cf_conn_index(c, conn, &r->conn) != 0) {
        return cf_err(c, r->line, "too many connections");
    }
    r->url = url != NULL ? lx__strdup(NULL, url) : NULL;
    r->len = data != NULL ? strlen(data) : 0;
    r->data = lx__memdup(NULL, data != NULL ? data : "", r->len + 1);
    if ((url != NULL && r->url == NULL) || r->data == NULL) {
        return cf_err(c, r->line, "out of memory");
    }
    return 0;
}

/* Parses one line into a row (header rows are skipped: returns 1). */
static int cf_line(struct cf *c, const char *s, size_t n, size_t line)
{
    struct lx_json_err jerr;
    struct cf_row r;
    cJSON *o = NULL;
    const char *t;
    int rc;

    memset(&r, 0, sizeof(r));
    r.line = line;
    if (lx__json_parse_lim(s, n, CF_MAX_INPUT, 64, &o, &jerr) != LX_OK ||
        !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return cf_err(c, line, "not a JSON object");
    }
    t = cf_str(o, "t");
    if (t != NULL && strcmp(t, "header") == 0) {
        cJSON_Delete(o);
        return 1;
    }
    if (cf_ts(s, n, &r.ts) != 0) {
        cJSON_Delete(o);
        return cf_err(c, line, "no \"ts\" (decimal seconds)");
    }
    rc = cf_fill(c, o, &r);
    cJSON_Delete(o);
    if (rc == 0) {
        c->rows[c->nrows++] = r;
    } else {
        lx__free(NULL, r.url);
        lx__free(NULL, r.data);
    }
    return rc;
}

static int cf_parse(struct cf *c, char *buf, size_t len)
{
    size_t line = 0, i, nl = 1;
    char *p = buf, *e;

    for (i = 0; i < len; i++) {
        nl += buf[i] == '\n';
    }
    if ((c->rows = lx__calloc(NULL, nl, sizeof(*c->rows))) == NULL) {
        return cf_err(c, 0, "out of memory");
    }
    while (p < buf + len) {
        e = memchr(p, '\n', (size_t)(buf + len - p));
        e = e != NULL ? e : buf + len;
        line++;
        if (e > p && cf_line(c, p, (size_t)(e - p), line) < 0) {
            return -1;
        }
        p = e + 1;
    }
    if (c->nrows == 0) {
        return cf_err(c, line, "no rows to import");
    }
    return 0;
}

static int cf_cmp(const void *a, const void *b)
{
    const struct cf_row *x = a, *y = b;

    if (x->ts != y->ts) {
        return x->ts < y->ts ? -1 : 1;
    }
    return x->line < y->line ? -1 : x->line > y->line;
}

static int cf_put(struct cf *c, const struct cf_row *row,
                  struct lx_capture_record *r)
{
    struct cf_conn *cn = &c->conns[row->conn];
    int rc;

    r->side = LX_TAP_CLIENT;
    r->conn_id = row->conn + 1;
    r->seq = cn->seq++;
    r->wall_ns = row->ts;
    r->mono_ns = row->ts;
    r->venue = c->venue;
    cn->last = row->ts;
    rc = lx_capture_writer_write_record(c->w, r);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture import: line %zu: cannot write: %s\n",
                row->line, lx_strerror(rc));
        return -1;
    }
    return 0;
}

/* scheme://host[:port] of url into buf (for an HTTP connection's open). */
static const char *cf_origin(const char *url, char *buf, size_t cap,
                             const char **target)
{
    const char *h = strstr(url, "://"), *t;

    h = h != NULL ? h + 3 : url;
    t = strchr(h, '/');
    *target = t != NULL ? t : "/";
    snprintf(buf, cap, "%.*s", (int)((t != NULL ? t : h + strlen(h)) - url),
             url);
    return buf;
}

static int cf_open(struct cf *c, const struct cf_row *row)
{
    struct cf_conn *cn = &c->conns[row->conn];
    struct lx_capture_record r;
    char origin[1024];
    const char *target, *url = cn->url != NULL ? cn->url : "";

    if (cn->opened) {
        return 0;
    }
    cn->opened = 1;
    if (row->type == CF_HTTP) {
        url = cf_origin(row->url, origin, sizeof(origin), &target);
    } else if (row->url != NULL) {
        url = row->url;
    }
    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_CONN_OPEN;
    r.dir = LX_TAP_OUT;
    r.url = url;
    r.transport = strncmp(url, "wss:", 4) == 0 || strncmp(url, "https:", 6) == 0
                      ? "tls"
                      : "tcp";
    return cf_put(c, row, &r);
}

static int cf_http(struct cf *c, const struct cf_row *row)
{
    struct lx_capture_record r;
    char origin[1024];
    const char *target;

    cf_origin(row->url, origin, sizeof(origin), &target);
    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_HTTP_REQUEST;
    r.dir = LX_TAP_OUT;
    r.method = "GET";
    r.target = target;
    r.http_version = 11;
    r.data = (const uint8_t *)"";
    if (cf_put(c, row, &r) != 0) {
        return -1;
    }
    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_HTTP_RESPONSE;
    r.dir = LX_TAP_IN;
    r.status = 200;
    r.reason = "OK";
    r.http_version = 11;
    r.data = (const uint8_t *)row->data;
    r.len = row->len;
    return cf_put(c, row, &r);
}

static int cf_write_row(struct cf *c, const struct cf_row *row)
{
    struct lx_capture_record r;

    if (cf_open(c, row) != 0) {
        return -1;
    }
    if (row->type == CF_CONNECT) {
        return 0;
    }
    if (row->type == CF_HTTP) {
        return cf_http(c, row);
    }
    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_WS_FRAME;
    r.dir = row->type == CF_RECV ? LX_TAP_IN : LX_TAP_OUT;
    r.ws_opcode = LX_WS_TEXT;
    r.data = (const uint8_t *)row->data;
    r.len = row->len;
    return cf_put(c, row, &r);
}

static int cf_write(struct cf *c)
{
    struct lx_capture_record r;
    struct cf_row end;
    size_t i;

    /* The URL of a connection whose open row may come later in ts. */
    for (i = 0; i < c->nrows; i++) {
        struct cf_conn *cn = &c->conns[c->rows[i].conn];
        if (cn->url == NULL && c->rows[i].type != CF_HTTP) {
            cn->url = c->rows[i].url;
        }
    }
    qsort(c->rows, c->nrows, sizeof(*c->rows), cf_cmp);
    for (i = 0; i < c->nrows; i++) {
        if (cf_write_row(c, &c->rows[i]) != 0) {
            return -1;
        }
    }
    for (i = 0; i < c->nconns; i++) {
        memset(&r, 0, sizeof(r));
        memset(&end, 0, sizeof(end));
        end.conn = i;
        end.ts = c->conns[i].last;
        r.kind = LX_CAPTURE_CONN_CLOSE;
        r.reason = "end of recording";
        if (c->conns[i].opened && cf_put(c, &end, &r) != 0) {
            return -1;
        }
    }
    return 0;
}

int lxc_import_cryptofeed(struct lx_capture_writer *w, FILE *f,
                          const char *path, const char *venue)
{
    struct cf *c = lx__calloc(NULL, 1, sizeof(*c));
    size_t len = 0, i;
    char *buf;
    int rc = -1;

    if (c == NULL) {
        fprintf(stderr, "lotusx capture import: out of memory\n");
        return -1;
    }
    c->path = path;
    c->w = w;
    c->venue = venue;
    if ((buf = slurp(f, &len)) == NULL) {
        fprintf(stderr,
                "lotusx capture import: %s: cannot read (or over "
                "1 GiB)\n",
                path);
    } else if (cf_parse(c, buf, len) == 0) {
        rc = cf_write(c);
    }
    for (i = 0; i < c->nrows; i++) {
        lx__free(NULL, c->rows[i].url);
        lx__free(NULL, c->rows[i].data);
    }
    for (i = 0; i < c->nconns; i++) {
        lx__free(NULL, c->conns[i].name);
    }
    lx__free(NULL, c->rows);
    lx__free(NULL, buf);
    lx__free(NULL, c);
    return rc;
}
