/*
 * http_codec.c - the sans-I/O HTTP/1.1 parser (on http-parser 2.9) and
 * serializer (into an evbuffer) used by the HTTP client and server alike.
 *
 * The parser turns bytes into complete struct lx_http_msg values, one
 * callback per message, in order, with pipelining, Content-Length, chunked
 * and connection-delimited bodies. It pauses http-parser at the end of the
 * headers (so the bytes of the start line and headers are known exactly,
 * which makes the header cap exact), at each chunk boundary, and at the
 * end of each message (so messages are delivered one at a time and an
 * upgrade stops right after its own bytes). Every limit is checked before
 * memory grows.
 *
 * Debian builds http-parser without HTTP_PARSER_STRICT, which lets any
 * byte stand in for the LF after a CR, spaces into header names and
 * "HTXP/1.1" for "HTTP/1.1". Different parsers disagreeing on where a
 * message ends is how requests get smuggled, so this file puts the strict
 * checks back: it scans the bytes of the start line, headers and trailers
 * itself and checks the byte at each line end http-parser skips over.
 *
 * It does not read or write sockets, does not decode content codings
 * (gzip), keeps no trailers, and does not interpret header values beyond
 * what framing needs (Content-Length, Transfer-Encoding, Connection,
 * Upgrade).
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>
#include <http_parser.h>

#include "net/http_codec.h"

#define HTTP_DEFAULT_MAX_HEADER_BYTES ((size_t)16 * 1024)
#define HTTP_DEFAULT_MAX_HEADERS      ((size_t)100)
#define HTTP_DEFAULT_MAX_BODY         ((size_t)8 * 1024 * 1024)
/* A declared Content-Length reserves at most this much up front, so a
 * peer cannot make us allocate max_body by announcing it. */
#define HTTP_BODY_RESERVE_MAX ((size_t)64 * 1024)
/* Room in the text buffer beyond max_header_bytes for the method name. */
#define HTTP_TEXT_SLACK ((size_t)32)

enum parse_state {
    PS_IDLE,     /* between messages */
    PS_HEAD,     /* in the start line or headers */
    PS_BODY,     /* headers done, body (or the end of the message) next */
    PS_TRAILER,  /* after the last chunk: trailer fields, then the end */
    PS_CLOSED,   /* a message closed the connection: ignore the rest */
    PS_UPGRADED, /* the connection left HTTP */
    PS_DEAD      /* an error: only reset or free */
};

/* What the last text callback was appending to. */
enum field_mode { FM_NONE, FM_LINE, FM_NAME, FM_VALUE };

/*
 * Our own look at the raw bytes of a start line and header (or trailer)
 * lines: CR only before LF, no line that starts with whitespace, and the
 * protocol name spelled "HTTP/".
 */
struct line_scan {
    int prev_cr;
    int prev_lf;
    int in_start_line; /* 0 for trailers, and after the start line */
    int started;       /* a byte of the start line (not CR/LF) was seen */
    size_t col;        /* bytes of the start line so far */
    char tail[9];      /* its last 9 bytes, a ring: tail[col % 9] next */
};

/* Pauses requested by our callbacks, handled once http-parser returns. */
#define EV_HEADERS   1 /* end of the headers */
#define EV_CHUNK     2 /* a chunk-size line was read */
#define EV_CHUNK_END 4 /* a chunk's data and CRLF, or the trailers, ended */
#define EV_MESSAGE   8 /* end of the message */

struct lx__http_parser {
    http_parser hp;
    const struct lx_mem *mem;
    struct lx__http_limits lim;
    int role;
    lx__http_msg_fn on_message;
    void *ud;
    struct lx_http_msg *cur; /* the message being parsed */
    int state;
    int mode;
    size_t head_used; /* raw bytes of the start line + headers so far */
    struct line_scan scan;
    unsigned char hist[2]; /* the last two bytes consumed before this run */
    int no_body_next;      /* the next response answers a HEAD */
    int events;            /* EV_* */
    int cb_err;            /* set by a callback that failed */
    int cb_status;
    int err;
    int err_status;
};

void lx__http_limits_default(struct lx__http_limits *l)
{
    l->max_header_bytes = HTTP_DEFAULT_MAX_HEADER_BYTES;
    l->max_headers = HTTP_DEFAULT_MAX_HEADERS;
    l->max_body = HTTP_DEFAULT_MAX_BODY;
}

/* ---- callbacks from http-parser ---------------------------------------- */

/* Records why a callback failed; http-parser then stops with HPE_CB_*. */
static int cb_fail(struct lx__http_parser *p, int err, int status)
{
    p->cb_err = err;
    p->cb_status = status;
    return -1;
}

/* Maps an append error: over a cap is the peer's fault, else memory. */
static int cb_append_fail(struct lx__http_parser *p, int rc, int toobig)
{
    if (rc == LX_ERR_TOOBIG) {
        return cb_fail(p, LX_ERR_PARSE, toobig);
    }
    return cb_fail(p, LX_ERR_NOMEM, 503);
}

static int text_add(struct lx__http_parser *p, const char *s, size_t len)
{
    int rc = lx__http_msg_text_append(
        p->cur, s, len, p->lim.max_header_bytes + HTTP_TEXT_SLACK);

    return rc == LX_OK ? 0 : cb_append_fail(p, rc, 431);
}

/*
 * Ends the string being accumulated, if any, with its NUL. A field value
 * loses its trailing whitespace, as http-parser already dropped the
 * leading one: OWS is not part of the value (RFC 7230 section 3.2.4).
 */
static int text_end(struct lx__http_parser *p)
{
    struct lx_http_msg *m = p->cur;

    if (p->mode == FM_VALUE) {
        struct lx__http_field *f = &m->fields[m->nfields - 1];

        while (f->value_len > 0 && (m->text[m->text_len - 1] == ' ' ||
                                    m->text[m->text_len - 1] == '\t')) {
            f->value_len--;
            m->text_len--;
        }
    }
    if (p->mode == FM_NONE) {
        return 0;
    }
    p->mode = FM_NONE;
    return text_add(p, "", 1);
}

/* Starts the target (requests, after the method) or the reason. */
static int line_start(struct lx__http_parser *p)
{
    struct lx_http_msg *m = p->cur;

    if (p->mode != FM_NONE || m->text != NULL) {
        return 0;
    }
    if (m->is_request) {
        const char *method = http_method_str((enum http_method)p->hp.method);

        m->method_off = m->text_len;
        if (text_add(p, method, strlen(method) + 1) != 0) {
            return -1;
        }
    }
    m->line_off = m->text_len;
    m->line_len = 0;
    p->mode = FM_LINE;
    return 0;
}

static int on_message_begin(http_parser *hp)
{
    struct lx__http_parser *p = hp->data;

    lx_http_msg_free(p->cur);
    p->state = PS_HEAD;
    p->mode = FM_NONE;
    if (lx__http_msg_alloc(&p->cur, p->mem, p->role == LX__HTTP_REQUEST) !=
        LX_OK) {
        return cb_fail(p, LX_ERR_NOMEM, 503);
    }
    return 0;
}

/* The request-target or the reason phrase, possibly in pieces. */
static int on_line(http_parser *hp, const char *at, size_t len)
{
    struct lx__http_parser *p = hp->data;

    if (line_start(p) != 0 || text_add(p, at, len) != 0) {
        return -1;
    }
    p->cur->line_len += len;
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    struct lx__http_parser *p = hp->data;
    struct lx_http_msg *m = p->cur;
    int rc;

    if (p->state != PS_HEAD) {
        return 0; /* a trailer field: ignored */
    }
    if (p->mode != FM_NAME) {
        if (line_start(p) != 0 || text_end(p) != 0) {
            return -1;
        }
        rc = lx__http_msg_field_new(m, p->lim.max_headers);
        if (rc != LX_OK) {
            return cb_append_fail(p, rc, 431);
        }
        p->mode = FM_NAME;
    }
    if (text_add(p, at, len) != 0) {
        return -1;
    }
    m->fields[m->nfields - 1].name_len += len;
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    struct lx__http_parser *p = hp->data;
    struct lx_http_msg *m = p->cur;
    struct lx__http_field *f;

    if (p->state != PS_HEAD) {
        return 0;
    }
    if (LX_NEVER(m->nfields == 0)) {
        return cb_fail(p, LX_ERR_PARSE, 400);
    }
    f = &m->fields[m->nfields - 1];
    if (p->mode == FM_NAME) {
        if (text_end(p) != 0) {
            return -1;
        }
        f->value_off = m->text_len;
        p->mode = FM_VALUE;
    }
    if (text_add(p, at, len) != 0) {
        return -1;
    }
    f->value_len += len;
    return 0;
}

/*
 * RFC 7230 section 3.3.1: "chunked" is the only coding understood, and it
 * must appear exactly once (it is then the final one). Any other coding
 * gets 501; a repeated or empty list gets 400.
 */
static int check_transfer_encoding(struct lx__http_parser *p)
{
    size_t chunked, other;

    if (lx__http_msg_tokens(p->cur, "Transfer-Encoding", "chunked", &chunked,
                            &other) == 0) {
        return 0;
    }
    if (other > 0) {
        return cb_fail(p, LX_ERR_PARSE, 501);
    }
    /* http-parser must frame the body the same way, or a re-serialized
     * message would not read back the same. */
    if (chunked != 1 || !(p->hp.flags & F_CHUNKED)) {
        return cb_fail(p, LX_ERR_PARSE, 400);
    }
    return 0;
}

/*
 * Whether http-parser must skip the body: 0 read it, 1 no body, 2 no body
 * and the connection switches protocols (a 101). Responses to HEAD and
 * 1xx, 204 and 304 never have a body whatever their headers say (RFC 7230
 * section 3.3.3).
 */
static int body_disposition(struct lx__http_parser *p)
{
    int status = p->hp.status_code, no_body = p->no_body_next;

    if (p->role == LX__HTTP_REQUEST) {
        /* http-parser leaves HTTP right after a CONNECT's headers. */
        return p->hp.method == HTTP_CONNECT ? 1 : 0;
    }
    p->no_body_next = 0;
    if (status == 101) {
        return 2;
    }
    if (no_body || status / 100 == 1 || status == 204 || status == 304) {
        return 1;
    }
    return 0;
}

/* Notes how the body is framed; refuses a Content-Length over max_body. */
static int body_framing(struct lx__http_parser *p)
{
    struct lx_http_msg *m = p->cur;
    uint64_t cl = p->hp.content_length;
    void *buf = m->body;
    size_t reserve;

    if (p->hp.flags & F_CHUNKED) {
        m->has_body = 1;
    } else if (cl != ULLONG_MAX && cl > 0) {
        if (cl > p->lim.max_body) {
            return cb_fail(p, LX_ERR_PARSE, 413);
        }
        m->has_body = 1;
        reserve =
            cl < HTTP_BODY_RESERVE_MAX ? (size_t)cl : HTTP_BODY_RESERVE_MAX;
        if (lx__http_grow(p->mem, &buf, &m->body_cap, reserve + 1, 1,
                          SIZE_MAX) != LX_OK) {
            return cb_fail(p, LX_ERR_NOMEM, 503);
        }
        m->body = buf;
    } else if (cl == ULLONG_MAX && p->role == LX__HTTP_RESPONSE) {
        m->has_body = 1;
        m->eof_body = 1;
    }
    return 0;
}

/*
 * Field names must be RFC 7230 tokens; non-strict http-parser also lets
 * spaces in, which other parsers would read differently. And http-parser
 * 2.9.4 takes any name that starts with "Transfer-Encoding" for that
 * field when it frames the body, so such names are refused too.
 */
static int check_field_names(struct lx__http_parser *p)
{
    const struct lx_http_msg *m = p->cur;
    size_t i, k;

    for (i = 0; i < m->nfields; i++) {
        const char *name = m->text + m->fields[i].name_off;
        size_t len = m->fields[i].name_len;

        for (k = 0; k < len; k++) {
            if (!lx__http_is_tchar((unsigned char)name[k])) {
                return cb_fail(p, LX_ERR_PARSE, 400);
            }
        }
        if (len > 17 && lx__http_ci_equal(name, "Transfer-Encoding", 17)) {
            return cb_fail(p, LX_ERR_PARSE, 400);
        }
    }
    return 0;
}

/*
 * Upgrade and CONNECT end HTTP on the connection, and http-parser decides
 * that from its own reading of Upgrade and Connection. Where our reading
 * of those fields (the one callers see) differs, say "Connection:
 * Upgrade\t", the framing is ambiguous and the request is refused.
 */
static int check_upgrade(struct lx__http_parser *p)
{
    const struct lx_http_msg *m = p->cur;
    int ours;

    if (p->role != LX__HTTP_REQUEST) {
        return 0;
    }
    ours = p->hp.method == HTTP_CONNECT ||
           (lx_http_msg_header(m, "Upgrade", NULL) != NULL &&
            lx__http_msg_has_token(m, "Connection", "upgrade"));
    return ours == (int)p->hp.upgrade ? 0 : cb_fail(p, LX_ERR_PARSE, 400);
}

static int on_headers_complete(http_parser *hp)
{
    struct lx__http_parser *p = hp->data;
    struct lx_http_msg *m = p->cur;
    int skip;

    if (line_start(p) != 0 || text_end(p) != 0) {
        return -1;
    }
    m->version = hp->http_major * 10 + hp->http_minor;
    m->status = p->role == LX__HTTP_RESPONSE ? (int)hp->status_code : 0;
    if (hp->http_major != 1) {
        return cb_fail(p, LX_ERR_PARSE, 505);
    }
    if (p->role == LX__HTTP_RESPONSE && m->status < 100) {
        return cb_fail(p, LX_ERR_PARSE, 400); /* status is 3DIGIT */
    }
    if (check_field_names(p) != 0 || check_transfer_encoding(p) != 0 ||
        check_upgrade(p) != 0) {
        return -1;
    }
    skip = body_disposition(p);
    if (skip == 0 && body_framing(p) != 0) {
        return -1;
    }
    p->events |= EV_HEADERS;
    http_parser_pause(hp, 1);
    return skip;
}

static int on_body(http_parser *hp, const char *at, size_t len)
{
    struct lx__http_parser *p = hp->data;
    int rc = lx__http_msg_body_append(p->cur, at, len, p->lim.max_body);

    return rc == LX_OK ? 0 : cb_append_fail(p, rc, 413);
}

/*
 * A chunk-size line was read: refuse a chunk that would take the body over
 * max_body before its data comes, and pause so the line end is checked.
 */
static int on_chunk_header(http_parser *hp)
{
    struct lx__http_parser *p = hp->data;

    if (hp->content_length > p->lim.max_body - p->cur->body_len) {
        return cb_fail(p, LX_ERR_PARSE, 413);
    }
    p->events |= EV_CHUNK;
    http_parser_pause(hp, 1);
    return 0;
}

/* A chunk's data and its CRLF, or the trailer section, were read. */
static int on_chunk_complete(http_parser *hp)
{
    struct lx__http_parser *p = hp->data;

    p->events |= EV_CHUNK_END;
    http_parser_pause(hp, 1);
    return 0;
}

static int on_message_complete(http_parser *hp)
{
    struct lx__http_parser *p = hp->data;

    p->cur->upgrade = hp->upgrade;
    p->events |= EV_MESSAGE;
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_line,
    .on_status = on_line,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
    .on_chunk_header = on_chunk_header,
    .on_chunk_complete = on_chunk_complete,
};

/* ---- the parser -------------------------------------------------------- */

/* Ready for the start line of the next message (or trailer lines). */
static void scan_reset(struct line_scan *sc, int start_line)
{
    memset(sc, 0, sizeof(*sc));
    sc->in_start_line = start_line;
    /* A trailer section starts at the beginning of a line. */
    sc->prev_lf = !start_line;
}

static void parser_init(struct lx__http_parser *p)
{
    http_parser_init(&p->hp, p->role == LX__HTTP_REQUEST ? HTTP_REQUEST
                                                         : HTTP_RESPONSE);
    p->hp.data = p;
    lx_http_msg_free(p->cur);
    p->cur = NULL;
    p->state = PS_IDLE;
    p->mode = FM_NONE;
    p->head_used = 0;
    scan_reset(&p->scan, 1);
    p->hist[0] = 0;
    p->hist[1] = 0;
    p->no_body_next = 0;
    p->events = 0;
    p->cb_err = LX_OK;
    p->cb_status = 0;
    p->err = LX_OK;
    p->err_status = 0;
}

int lx__http_parser_new(struct lx__http_parser **out, const struct lx_mem *mem,
                        int role, const struct lx__http_limits *limits,
                        lx__http_msg_fn on_message, void *ud)
{
    struct lx__http_parser *p;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if ((role != LX__HTTP_REQUEST && role != LX__HTTP_RESPONSE) ||
        on_message == NULL) {
        return LX_ERR_INVAL;
    }
    p = lx__calloc(mem, 1, sizeof(*p));
    if (p == NULL) {
        return LX_ERR_NOMEM;
    }
    p->mem = mem;
    p->role = role;
    p->on_message = on_message;
    p->ud = ud;
    lx__http_limits_default(&p->lim);
    if (limits != NULL) {
        if (limits->max_header_bytes > 0) {
            p->lim.max_header_bytes = limits->max_header_bytes;
        }
        if (limits->max_headers > 0) {
            p->lim.max_headers = limits->max_headers;
        }
        if (limits->max_body > 0) {
            p->lim.max_body = limits->max_body;
        }
    }
    parser_init(p);
    *out = p;
    return LX_OK;
}

void lx__http_parser_free(struct lx__http_parser *p)
{
    if (p == NULL) {
        return;
    }
    lx_http_msg_free(p->cur);
    lx__free(p->mem, p);
}

void lx__http_parser_reset(struct lx__http_parser *p)
{
    parser_init(p);
}

void lx__http_parser_expect_no_body(struct lx__http_parser *p)
{
    p->no_body_next = 1;
}

int lx__http_parser_in_message(const struct lx__http_parser *p)
{
    return p->state == PS_HEAD || p->state == PS_BODY || p->state == PS_TRAILER;
}

int lx__http_parser_error_status(const struct lx__http_parser *p)
{
    return p->state == PS_DEAD ? p->err_status : 0;
}

/* Kills the parser: every later feed returns err. */
static int fail(struct lx__http_parser *p, int err, int status)
{
    p->state = PS_DEAD;
    p->err = err;
    p->err_status = status;
    lx_http_msg_free(p->cur);
    p->cur = NULL;
    return err;
}

/* Maps an http-parser error to ours and to the status a server answers. */
static int fail_hpe(struct lx__http_parser *p, enum http_errno e)
{
    if (e >= HPE_CB_message_begin && e <= HPE_CB_chunk_complete &&
        p->cb_err != LX_OK) {
        return fail(p, p->cb_err, p->cb_status);
    }
    switch (e) {
    case HPE_HEADER_OVERFLOW:
        return fail(p, LX_ERR_PARSE, 431);
    case HPE_INVALID_VERSION:
        return fail(p, LX_ERR_PARSE, 505);
    case HPE_INVALID_TRANSFER_ENCODING:
        return fail(p, LX_ERR_PARSE, 501);
    default:
        return fail(p, LX_ERR_PARSE, 400);
    }
}

/*
 * Checks one byte of a start line, header or trailer line. Returns 0, or
 * the status to fail with.
 */
static int scan_byte(struct lx__http_parser *p, unsigned char c)
{
    struct line_scan *sc = &p->scan;

    if ((sc->prev_cr && c != '\n') ||
        (sc->prev_lf && (c == ' ' || c == '\t'))) {
        return 400; /* bare CR, or obs-fold (RFC 7230 section 3.2.4) */
    }
    sc->prev_cr = c == '\r';
    sc->prev_lf = c == '\n';
    if (!sc->in_start_line || (!sc->started && (c == '\r' || c == '\n'))) {
        return 0; /* empty lines before a request line are allowed */
    }
    sc->started = 1;
    if (c == '\n') {
        size_t i;

        sc->in_start_line = 0;
        /* A request line ends with " HTTP/x.y"; http-parser would also
         * take "HTXP/1.1", "ICE/1.0" or none at all (HTTP/0.9). */
        if (p->role != LX__HTTP_REQUEST) {
            return 0;
        }
        if (sc->col < 9) {
            return 400;
        }
        for (i = 0; i < 6; i++) {
            if (sc->tail[(sc->col + i) % sizeof(sc->tail)] != " HTTP/"[i]) {
                return 400;
            }
        }
        return 0;
    }
    if (c == '\r') {
        return 0;
    }
    if (p->role == LX__HTTP_RESPONSE && sc->col < 5 &&
        c != (unsigned char)"HTTP/"[sc->col]) {
        return 400;
    }
    sc->tail[sc->col % sizeof(sc->tail)] = (char)c;
    sc->col++;
    return 0;
}

/*
 * Inside a request line that has started (prev_cr and prev_lf clear):
 * takes the bytes up to the next CR or LF as scan_byte would, keeping only
 * the last ones in the tail. Returns how many it took.
 */
static size_t start_line_run(struct line_scan *sc, const char *data, size_t len)
{
    size_t n = 0, k;

    while (n < len && data[n] != '\r' && data[n] != '\n') {
        n++;
    }
    for (k = n > sizeof(sc->tail) ? n - sizeof(sc->tail) : 0; k < n; k++) {
        sc->tail[(sc->col + k) % sizeof(sc->tail)] = data[k];
    }
    sc->col += n;
    return n;
}

static int scan_bytes(struct lx__http_parser *p, const char *data, size_t len)
{
    struct line_scan *sc = &p->scan;
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];

        if (sc->in_start_line && sc->started && !sc->prev_cr && !sc->prev_lf &&
            p->role == LX__HTTP_REQUEST && c != '\r' && c != '\n') {
            i += start_line_run(sc, data + i, len - i);
            if (i == len) {
                break;
            }
            c = (unsigned char)data[i];
        }
        /* Within a header line only CR and LF (and what follows them)
         * matter: other bytes are skipped without the byte machine. */
        if (sc->in_start_line || sc->prev_cr || sc->prev_lf || c == '\r' ||
            c == '\n') {
            int status = scan_byte(p, c);

            if (status != 0) {
                return status;
            }
        }
    }
    return 0;
}

/*
 * Hands the finished message to the callback. The state after it is
 * decided first: the callback owns the message and may free it.
 */
static int deliver(struct lx__http_parser *p)
{
    struct lx_http_msg *m = p->cur;

    p->cur = NULL;
    p->mode = FM_NONE;
    p->head_used = 0;
    scan_reset(&p->scan, 1);
    if (m->upgrade) {
        p->state = PS_UPGRADED;
    } else if (!lx_http_msg_keep_alive(m)) {
        p->state = PS_CLOSED;
    } else {
        p->state = PS_IDLE;
    }
    p->on_message(m, p->ud);
    return LX_OK;
}

/*
 * The k-th byte (1 = last) before offset used of this run's data; bytes
 * from before the run come from the history of the previous runs.
 */
static unsigned char byte_back(const struct lx__http_parser *p,
                               const char *data, size_t used, size_t k)
{
    if (k <= used) {
        return (unsigned char)data[used - k];
    }
    return k - used == 1 ? p->hist[1] : p->hist[0];
}

/*
 * Where http-parser (non-strict) accepts any byte as the LF of a line end,
 * checks that it was one. At the end of the headers and of the trailers
 * http-parser stops on that byte, elsewhere just after it.
 */
static int check_line_ends(struct lx__http_parser *p, const char *data,
                           size_t used, int events)
{
    if ((events & EV_HEADERS) && data[used] != '\n') {
        return 0;
    }
    if ((events & EV_CHUNK) && byte_back(p, data, used, 1) != '\n') {
        return 0;
    }
    if (events & EV_CHUNK_END) {
        if (p->hp.flags & F_TRAILING) {
            return data[used] == '\n';
        }
        return byte_back(p, data, used, 1) == '\n' &&
               byte_back(p, data, used, 2) == '\r';
    }
    return 1;
}

/* http-parser paused in our callbacks: act on what it saw. */
static int on_pause(struct lx__http_parser *p, const char *data, size_t used)
{
    int events = p->events;

    p->events = 0;
    http_parser_pause(&p->hp, 0);
    if (!check_line_ends(p, data, used, events)) {
        return fail(p, LX_ERR_PARSE, 400);
    }
    if (events & EV_HEADERS) {
        p->state = PS_BODY;
    }
    if ((events & EV_CHUNK) && p->hp.content_length == 0) {
        /* The last chunk: trailer lines follow, capped like headers. */
        p->state = PS_TRAILER;
        p->head_used = 0;
        scan_reset(&p->scan, 0);
    }
    if (events & EV_MESSAGE) {
        return deliver(p);
    }
    return LX_OK;
}

/* Remembers the last two bytes consumed, for checks across runs. */
static void remember(struct lx__http_parser *p, const char *data, size_t used)
{
    if (used >= 2) {
        p->hist[0] = (unsigned char)data[used - 2];
        p->hist[1] = (unsigned char)data[used - 1];
    } else if (used == 1) {
        p->hist[0] = p->hist[1];
        p->hist[1] = (unsigned char)data[0];
    }
}

/*
 * One run of http-parser. Before the headers (or trailers) end it sees at
 * most the bytes left under max_header_bytes, so the cap holds exactly
 * however the input is split, and we scan those bytes ourselves.
 */
static int step(struct lx__http_parser *p, const char *data, size_t len,
                size_t *used)
{
    int lines =
        p->state == PS_IDLE || p->state == PS_HEAD || p->state == PS_TRAILER;
    enum http_errno e;
    size_t n = len;
    int rc = LX_OK, status;

    if (lines) {
        size_t room = p->lim.max_header_bytes - p->head_used;

        if (room == 0) {
            *used = 0;
            return fail(p, LX_ERR_PARSE, 431);
        }
        n = n < room ? n : room;
    }
    p->cb_err = LX_OK;
    *used = http_parser_execute(&p->hp, &parser_settings, data, n);
    e = HTTP_PARSER_ERRNO(&p->hp);
    if (lines) {
        /* Our scan sees only bytes http-parser accepted, so anything it
         * finds comes before http-parser's own error and wins, however
         * the input was split. */
        p->head_used += *used;
        status = scan_bytes(p, data, *used);
        if (status != 0) {
            return fail(p, LX_ERR_PARSE, status);
        }
    }
    if (e == HPE_PAUSED) {
        rc = on_pause(p, data, *used);
    } else if (e != HPE_OK) {
        return fail_hpe(p, e);
    } else if (LX_NEVER(*used != n)) {
        return fail(p, LX_ERR_PARSE, 400);
    }
    remember(p, data, *used);
    return rc;
}

int lx__http_parser_feed(struct lx__http_parser *p, const char *data,
                         size_t len, size_t *consumed)
{
    size_t off = 0, used;
    int rc = LX_OK, idle = 0;

    *consumed = 0;
    if (p->state == PS_DEAD) {
        return p->err;
    }
    if (p->state == PS_UPGRADED) {
        return LX_ERR_STATE;
    }
    while (off < len && rc == LX_OK && p->state != PS_UPGRADED) {
        if (p->state == PS_CLOSED) {
            off = len;
            break;
        }
        rc = step(p, data + off, len - off, &used);
        off += used;
        /* A run that consumes nothing must have changed the state (the
         * headers ended); two in a row would loop forever. */
        idle = used == 0 ? idle + 1 : 0;
        if (rc == LX_OK && LX_NEVER(idle > 2)) {
            rc = fail(p, LX_ERR_INTERNAL, 500);
        }
    }
    *consumed = off;
    return rc;
}

int lx__http_parser_feed_eof(struct lx__http_parser *p)
{
    switch (p->state) {
    case PS_DEAD:
        return p->err;
    case PS_IDLE:
    case PS_CLOSED:
    case PS_UPGRADED:
        return LX_OK;
    case PS_BODY:
        if (p->cur != NULL && p->cur->eof_body) {
            http_parser_execute(&p->hp, &parser_settings, "", 0);
            if (HTTP_PARSER_ERRNO(&p->hp) == HPE_PAUSED) {
                return on_pause(p, "", 0);
            }
        }
        return fail(p, LX_ERR_PARSE, 400);
    default:
        return fail(p, LX_ERR_PARSE, 400);
    }
}

/* ---- the serializer ---------------------------------------------------- */

/* Writes v in base 10 or 16 at w; returns the number of digits. */
static size_t put_uint(char *w, uint64_t v, unsigned base)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v > 0);
    for (i = 0; i < n; i++) {
        w[i] = tmp[n - 1 - i];
    }
    return n;
}

static size_t uint_len(uint64_t v, unsigned base)
{
    size_t n = 1;

    while (v >= base) {
        v /= base;
        n++;
    }
    return n;
}

static char *put(char *w, const void *s, size_t n)
{
    if (n > 0) {
        memcpy(w, s, n);
    }
    return w + n;
}

/* How the body goes on the wire, decided once from the headers. */
struct framing {
    int chunked;    /* Transfer-Encoding lists chunked */
    int auto_cl;    /* we add Content-Length */
    int write_body; /* the body (or, chunked, the last chunk) follows */
    /* the body written: the message's own, or one lent for the write */
    const char *body;
    size_t body_len;
    int has_body;
};

/* 1 if a request of this method carries a body by definition. */
static int method_wants_length(const struct lx_http_msg *m)
{
    const char *method = m->text + m->method_off;

    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

/* fr->body, body_len and has_body are set; fills in the rest. */
static int plan_framing(const struct lx_http_msg *m, struct framing *fr)
{
    size_t clen, chunked, other;
    const char *cl = lx_http_msg_header(m, "Content-Length", &clen);
    int te = lx__http_msg_tokens(m, "Transfer-Encoding", "chunked", &chunked,
                                 &other) > 0;
    int no_body = !m->is_request && (m->status / 100 == 1 || m->status == 204 ||
                                     m->status == 304);

    if ((no_body && fr->body_len > 0) ||
        (!m->is_request && (m->status < 100 || m->status > 999)) ||
        m->version < 10 || m->version > 19) {
        return LX_ERR_INVAL;
    }
    if (cl != NULL && fr->body_len > 0) {
        uint64_t v;

        while (clen > 0 && (cl[clen - 1] == ' ' || cl[clen - 1] == '\t')) {
            clen--;
        }
        if (lx__parse_u64(cl, clen, &v) != LX_OK || v != fr->body_len) {
            return LX_ERR_INVAL;
        }
    }
    fr->chunked = te && chunked > 0;
    fr->auto_cl = cl == NULL && !te && !no_body &&
                  (!m->is_request || fr->has_body || fr->body_len > 0 ||
                   method_wants_length(m));
    fr->write_body = fr->chunked ? fr->has_body : fr->body_len > 0;
    return LX_OK;
}

/* Bytes of the start line, the headers and the empty line. */
static size_t head_size(const struct lx_http_msg *m, const struct framing *fr)
{
    size_t n = m->is_request ? strlen(m->text + m->method_off) + 1 +
                                   m->line_len + 1 + 8 + 2
                             : 8 + 1 + 3 + 1 + m->line_len + 2;
    size_t i;

    for (i = 0; i < m->nfields; i++) {
        n += m->fields[i].name_len + 2 + m->fields[i].value_len + 2;
    }
    if (fr->auto_cl) {
        n += 16 + uint_len(fr->body_len, 10) + 2;
    }
    return n + 2;
}

static size_t body_size(const struct framing *fr)
{
    if (!fr->write_body) {
        return 0;
    }
    if (!fr->chunked) {
        return fr->body_len;
    }
    return (fr->body_len > 0 ? uint_len(fr->body_len, 16) + 2 + fr->body_len + 2
                             : 0) +
           5;
}

static char *put_start_line(char *w, const struct lx_http_msg *m)
{
    const char *method = m->text + m->method_off;
    char version[8] = {'H', 'T', 'T', 'P', '/', '1', '.', '1'};

    version[5] = (char)('0' + m->version / 10 % 10);
    version[7] = (char)('0' + m->version % 10);
    if (m->is_request) {
        w = put(w, method, strlen(method));
        w = put(w, " ", 1);
        w = put(w, m->text + m->line_off, m->line_len);
        w = put(w, " ", 1);
        w = put(w, version, 8);
    } else {
        w = put(w, version, 8);
        w = put(w, " ", 1);
        w += put_uint(w, (uint64_t)m->status, 10);
        w = put(w, " ", 1);
        w = put(w, m->text + m->line_off, m->line_len);
    }
    return put(w, "\r\n", 2);
}

static char *put_chunk(char *w, const void *data, size_t len)
{
    w += put_uint(w, len, 16);
    w = put(w, "\r\n", 2);
    w = put(w, data, len);
    return put(w, "\r\n", 2);
}

static void put_message(char *w, const struct lx_http_msg *m,
                        const struct framing *fr)
{
    size_t i;

    w = put_start_line(w, m);
    for (i = 0; i < m->nfields; i++) {
        const struct lx__http_field *f = &m->fields[i];

        w = put(w, m->text + f->name_off, f->name_len);
        w = put(w, ": ", 2);
        w = put(w, m->text + f->value_off, f->value_len);
        w = put(w, "\r\n", 2);
    }
    if (fr->auto_cl) {
        w = put(w, "Content-Length: ", 16);
        w += put_uint(w, fr->body_len, 10);
        w = put(w, "\r\n", 2);
    }
    w = put(w, "\r\n", 2);
    if (fr->write_body && fr->chunked) {
        if (fr->body_len > 0) {
            w = put_chunk(w, fr->body, fr->body_len);
        }
        put(w, "0\r\n\r\n", 5);
    } else if (fr->write_body) {
        put(w, fr->body, fr->body_len);
    }
}

/*
 * Messages and chunks are written in one contiguous reservation that is
 * committed only once filled, so out gets all of them or, on failure,
 * nothing.
 */
static int reserve(struct evbuffer *out, size_t n, struct evbuffer_iovec *vec)
{
    if (n > (size_t)EV_SSIZE_MAX ||
        evbuffer_reserve_space(out, (ev_ssize_t)n, vec, 1) != 1 ||
        vec->iov_len < n) {
        return LX_ERR_NOMEM;
    }
    return LX_OK;
}

static int commit(struct evbuffer *out, struct evbuffer_iovec *vec, size_t n)
{
    vec->iov_len = n;
    return evbuffer_commit_space(out, vec, 1) == 0 ? LX_OK : LX_ERR_NOMEM;
}

static int msg_write(const struct lx_http_msg *m, struct framing *fr,
                     struct evbuffer *out)
{
    struct evbuffer_iovec vec;
    size_t total;
    int rc;

    rc = plan_framing(m, fr);
    if (rc != LX_OK) {
        return rc;
    }
    total = head_size(m, fr) + body_size(fr);
    rc = reserve(out, total, &vec);
    if (rc != LX_OK) {
        return rc;
    }
    put_message(vec.iov_base, m, fr);
    return commit(out, &vec, total);
}

int lx__http_msg_write(const struct lx_http_msg *m, struct evbuffer *out)
{
    struct framing fr;

    if (m == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    fr.body = m->body;
    fr.body_len = m->body_len;
    fr.has_body = m->has_body;
    return msg_write(m, &fr, out);
}

int lx__http_msg_write_body(const struct lx_http_msg *m, const void *body,
                            size_t len, struct evbuffer *out)
{
    struct framing fr;

    if (m == NULL || out == NULL || (body == NULL && len > 0) || m->has_body) {
        return LX_ERR_INVAL;
    }
    fr.body = body;
    fr.body_len = len;
    fr.has_body = 1;
    return msg_write(m, &fr, out);
}

int lx__http_write_chunk(struct evbuffer *out, const void *data, size_t len)
{
    struct evbuffer_iovec vec;
    size_t total = uint_len(len, 16) + 2 + len + 2;
    int rc;

    if (len == 0) {
        return LX_OK;
    }
    rc = reserve(out, total, &vec);
    if (rc != LX_OK) {
        return rc;
    }
    put_chunk(vec.iov_base, data, len);
    return commit(out, &vec, total);
}

int lx__http_write_last_chunk(struct evbuffer *out)
{
    return evbuffer_add(out, "0\r\n\r\n", 5) == 0 ? LX_OK : LX_ERR_NOMEM;
}
