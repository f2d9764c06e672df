/*
 * fuzz_http_request.c - fuzzes the HTTP/1.1 request parser and serializer
 * (and, compiled by fuzz_http_response.c with FUZZ_HTTP_ROLE set, the
 * response side).
 *
 * Input: one control byte, then the bytes of the wire. The low 7 bits of
 * the control byte pick where the wire is split into two feeds; its top
 * bit (responses only) says the first response answers a HEAD request.
 * Every message parsed is serialized, parsed again with a fresh parser and
 * compared field by field with the original; the wire is also parsed in
 * one piece, and both runs must produce the same messages, the same result
 * and the same status hint. Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "net/http_codec.h"

#ifndef FUZZ_HTTP_ROLE
#define FUZZ_HTTP_ROLE LX__HTTP_REQUEST
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    int no_body;            /* the first response answers a HEAD */
    size_t nmsgs;           /* messages delivered so far */
    struct evbuffer *trace; /* what was delivered, serialized */
};

struct reparse {
    struct lx_http_msg *msg;
    size_t n;
};

static void check(int ok)
{
    if (!ok) {
        abort();
    }
}

static void on_reparsed(struct lx_http_msg *m, void *ud)
{
    struct reparse *r = ud;

    r->n++;
    if (r->msg == NULL) {
        r->msg = m;
    } else {
        lx_http_msg_free(m);
    }
}

static int same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The serializer may add Content-Length after the fields; nothing else. */
static void check_fields(const struct lx_http_msg *a,
                         const struct lx_http_msg *b)
{
    size_t i;

    if (b->nfields == a->nfields + 1) {
        const struct lx__http_field *f = &b->fields[a->nfields];

        check(lx_http_msg_header(a, "Content-Length", NULL) == NULL);
        check(lx_http_msg_header(a, "Transfer-Encoding", NULL) == NULL);
        check(same_bytes(b->text + f->name_off, f->name_len, "Content-Length",
                         14));
    } else {
        check(b->nfields == a->nfields);
    }
    for (i = 0; i < a->nfields; i++) {
        const struct lx__http_field *x = &a->fields[i], *y = &b->fields[i];

        check(same_bytes(a->text + x->name_off, x->name_len,
                         b->text + y->name_off, y->name_len));
        check(same_bytes(a->text + x->value_off, x->value_len,
                         b->text + y->value_off, y->value_len));
    }
}

static void check_same(const struct lx_http_msg *a, const struct lx_http_msg *b)
{
    check(a->is_request == b->is_request);
    check(a->version == b->version);
    check(a->upgrade == b->upgrade);
    if (a->is_request) {
        check(strcmp(lx_http_msg_method(a), lx_http_msg_method(b)) == 0);
    } else {
        check(a->status == b->status);
    }
    /* The target or reason, which may hold any byte the parser took. */
    check(same_bytes(a->text + a->line_off, a->line_len, b->text + b->line_off,
                     b->line_len));
    check_fields(a, b);
    check(same_bytes(a->body, a->body_len, b->body, b->body_len));
}

/* Serializes m, parses the bytes again and compares. */
static void round_trip(const struct lx_http_msg *m, int no_body,
                       struct evbuffer *trace)
{
    /* Re-serialized heads may grow (": " and CRLF everywhere, and one
     * more field: Content-Length). */
    struct lx__http_limits lim = {64 * 1024, 101, 0};
    struct evbuffer *out = evbuffer_new();
    struct lx__http_parser *p;
    struct reparse r = {NULL, 0};
    size_t len, used;

    check(out != NULL);
    check(lx__http_msg_write(m, out) == LX_OK);
    len = evbuffer_get_length(out);
    check(lx__http_parser_new(&p, NULL, FUZZ_HTTP_ROLE, &lim, on_reparsed,
                              &r) == LX_OK);
    if (no_body) {
        lx__http_parser_expect_no_body(p);
    }
    check(lx__http_parser_feed(p, (const char *)evbuffer_pullup(out, -1), len,
                               &used) == LX_OK);
    check(used == len && r.n == 1);
    check_same(m, r.msg);
    evbuffer_add_printf(trace, "\n<v=%d ka=%d up=%d>\n", m->version,
                        lx_http_msg_keep_alive(m), m->upgrade);
    evbuffer_add_buffer(trace, out);
    lx_http_msg_free(r.msg);
    lx__http_parser_free(p);
    evbuffer_free(out);
}

static void on_message(struct lx_http_msg *m, void *ud)
{
    struct run *run = ud;

    round_trip(m, run->no_body && run->nmsgs == 0, run->trace);
    run->nmsgs++;
    lx_http_msg_free(m);
}

/* Feeds the pieces in order; a later piece only if the last took all. */
static int feed(struct lx__http_parser *p, const char *wire, size_t len,
                size_t cut)
{
    size_t used = 0;
    int rc = lx__http_parser_feed(p, wire, cut, &used);

    if (rc == LX_OK && used == cut && cut < len) {
        rc = lx__http_parser_feed(p, wire + cut, len - cut, &used);
    }
    if (rc == LX_ERR_STATE) {
        rc = LX_OK; /* stopped at an upgrade, as a single feed does */
    }
    return rc == LX_OK ? lx__http_parser_feed_eof(p) : rc;
}

static int parse_run(const char *wire, size_t len, size_t cut, int no_body,
                     struct evbuffer *trace, int *status)
{
    struct run run = {no_body, 0, trace};
    struct lx__http_parser *p;
    int rc;

    check(lx__http_parser_new(&p, NULL, FUZZ_HTTP_ROLE, NULL, on_message,
                              &run) == LX_OK);
    if (no_body) {
        lx__http_parser_expect_no_body(p);
    }
    rc = feed(p, wire, len, cut);
    *status = lx__http_parser_error_status(p);
    lx__http_parser_free(p);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct evbuffer *t1, *t2;
    const char *wire;
    size_t len, cut;
    int rc1, rc2, st1, st2, no_body;

    if (size < 1) {
        return 0;
    }
    wire = (const char *)data + 1;
    len = size - 1;
    cut = len == 0 ? 0 : (size_t)(data[0] & 0x7f) * len / 127;
    no_body = FUZZ_HTTP_ROLE == LX__HTTP_RESPONSE && (data[0] & 0x80);
    t1 = evbuffer_new();
    t2 = evbuffer_new();
    check(t1 != NULL && t2 != NULL);
    rc1 = parse_run(wire, len, cut, no_body, t1, &st1);
    rc2 = parse_run(wire, len, len, no_body, t2, &st2);
    check(rc1 == rc2 && st1 == st2);
    check(evbuffer_get_length(t1) == evbuffer_get_length(t2));
    check(evbuffer_get_length(t1) == 0 ||
          memcmp(evbuffer_pullup(t1, -1), evbuffer_pullup(t2, -1),
                 evbuffer_get_length(t1)) == 0);
    evbuffer_free(t1);
    evbuffer_free(t2);
    return 0;
}
