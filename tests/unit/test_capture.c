/*
 * test_capture.c - capture files: the varint and record codec, round trips
 * of every record kind through a file (merge order, timestamps, bytes),
 * filters and seeks, the redaction rules and the proof that secrets never
 * reach the file, crash safety (kill -9 during recording, a copy of the
 * db+wal taken mid-write), corrupted and foreign files, dictionaries,
 * options and API errors, and failmalloc runs of writer and reader; the
 * pure helpers of the `lotusx capture` tools (time parsing and ISO 8601
 * formatting, UTF-8 checks, JSON and base64 output, kind names).
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>
#include <zstd.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_ws.h"
#include "replay/capture_int.h"
#include "replay/cmd_capture_int.h"
#include "lx_test.h"

#ifndef LX_CAPTURE_FIXTURES
#define LX_CAPTURE_FIXTURES "fixtures/fuzz/fuzz_capture"
#endif

/* ---- helpers ------------------------------------------------------------ */

static char tmpdir[256];

static void tmp_path(char *buf, size_t cap, const char *name)
{
    lx__snprintf(buf, cap, "%s/%s", tmpdir, name);
    unlink(buf);
    {
        char side[300];

        lx__snprintf(side, sizeof(side), "%s-wal", buf);
        unlink(side);
        lx__snprintf(side, sizeof(side), "%s-shm", buf);
        unlink(side);
    }
}

static int group_setup(void **state)
{
    const char *base = getenv("TMPDIR");

    (void)state;
    lx__snprintf(tmpdir, sizeof(tmpdir), "%s/lx_capture_XXXXXX",
                 base != NULL ? base : "/tmp");
    return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    char cmd[300];

    (void)state;
    lx__snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* A growable text, for rendering events and records the same way. */
struct text {
    char *p;
    size_t len;
    size_t cap;
};

static void text_add(struct text *t, const void *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap != 0 ? t->cap : 256;

        while (cap < t->len + n + 1) {
            cap *= 2;
        }
        t->p = lx__realloc(NULL, t->p, cap);
        assert_non_null(t->p);
        t->cap = cap;
    }
    if (n > 0) {
        memcpy(t->p + t->len, p, n);
    }
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_fmt(struct text *t, const char *fmt, ...) LX_PRINTF(2, 3);

static void text_fmt(struct text *t, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = lx__vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    text_add(t, buf, (size_t)n);
}

static void text_bytes(struct text *t, const void *p, size_t n)
{
    text_fmt(t, "[%zu:", n);
    text_add(t, p, n);
    text_add(t, "]", 1);
}

/* Texts may hold NUL bytes (binary payloads): compare lengths and bytes. */
static void assert_text_equal(const struct text *a, const struct text *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->p, b->p, a->len);
}

static void text_free(struct text *t)
{
    lx__free(NULL, t->p);
    memset(t, 0, sizeof(*t));
}

static void render_common(struct text *t, int kind, int dir, int side,
                          uint64_t conn, uint64_t seq, int64_t wall,
                          int64_t mono)
{
    text_fmt(t, "k%d d%d s%d c%llu q%llu w%lld m%lld", kind, dir, side,
             (unsigned long long)conn, (unsigned long long)seq, (long long)wall,
             (long long)mono);
}

static void render_http(struct text *t, const struct lx_http_msg *m)
{
    size_t i, n = lx_http_msg_header_count(m), blen = 0;
    const char *body = lx_http_msg_body(m, &blen);

    text_fmt(t, " v%d", lx_http_msg_version(m));
    if (lx_http_msg_is_request(m)) {
        text_fmt(t, " %s %s", lx_http_msg_method(m), lx_http_msg_target(m));
    } else {
        text_fmt(t, " %d %s", lx_http_msg_status(m), lx_http_msg_reason(m));
    }
    for (i = 0; i < n; i++) {
        const char *nm, *v;
        size_t nl, vl;

        lx_http_msg_header_at(m, i, &nm, &nl, &v, &vl);
        text_bytes(t, nm, nl);
        text_bytes(t, v, vl);
    }
    text_bytes(t, body, blen);
}

static void render_event(struct text *t, const struct lx_tap_event *ev)
{
    int kind = ev->kind == LX_TAP_CONN_OPEN       ? LX_CAPTURE_CONN_OPEN
               : ev->kind == LX_TAP_CONN_CLOSE    ? LX_CAPTURE_CONN_CLOSE
               : ev->kind == LX_TAP_WS_FRAME      ? LX_CAPTURE_WS_FRAME
               : lx_http_msg_is_request(ev->http) ? LX_CAPTURE_HTTP_REQUEST
                                                  : LX_CAPTURE_HTTP_RESPONSE;

    render_common(t, kind, ev->dir, ev->side, ev->conn_id, ev->seq, ev->wall_ns,
                  ev->mono_ns);
    switch (ev->kind) {
    case LX_TAP_CONN_OPEN:
        text_fmt(t, " %s %s", ev->url, ev->transport);
        break;
    case LX_TAP_CONN_CLOSE:
        text_fmt(t, " %s", ev->reason);
        break;
    case LX_TAP_HTTP:
        render_http(t, ev->http);
        break;
    default:
        text_fmt(t, " op%d", ev->ws_opcode);
        text_bytes(t, ev->payload, ev->len);
        break;
    }
    text_add(t, "\n", 1);
}

static void render_record(struct text *t, const struct lx_capture_record *r)
{
    size_t i;

    render_common(t, r->kind, r->dir, r->side, r->conn_id, r->seq, r->wall_ns,
                  r->mono_ns);
    switch (r->kind) {
    case LX_CAPTURE_CONN_OPEN:
        text_fmt(t, " %s %s", r->url, r->transport);
        break;
    case LX_CAPTURE_CONN_CLOSE:
        text_fmt(t, " %s", r->reason);
        break;
    case LX_CAPTURE_HTTP_REQUEST:
    case LX_CAPTURE_HTTP_RESPONSE:
        text_fmt(t, " v%d", r->http_version);
        if (r->kind == LX_CAPTURE_HTTP_REQUEST) {
            text_fmt(t, " %s %s", r->method, r->target);
        } else {
            text_fmt(t, " %d %s", r->status, r->reason);
        }
        for (i = 0; i < r->nheaders; i++) {
            assert_int_equal(strlen(r->headers[i].name),
                             r->headers[i].name_len);
            text_bytes(t, r->headers[i].name, r->headers[i].name_len);
            text_bytes(t, r->headers[i].value, r->headers[i].value_len);
        }
        text_bytes(t, r->data, r->len);
        break;
    case LX_CAPTURE_ANNOTATION:
        text_fmt(t, " %s", r->tag);
        text_bytes(t, r->data, r->len);
        break;
    default:
        text_fmt(t, " op%d", r->ws_opcode);
        text_bytes(t, r->data, r->len);
        break;
    }
    text_add(t, "\n", 1);
}

/* Reads every record of the reader's current iteration into t. */
static size_t read_all(struct lx_capture_reader *r, struct text *t)
{
    const struct lx_capture_record *rec;
    uint64_t last = 0;
    size_t n = 0;
    int rc;

    while ((rc = lx_capture_reader_next(r, &rec)) == 1) {
        assert_true(rec->gseq > last);
        last = rec->gseq;
        if (t != NULL) {
            render_record(t, rec);
        }
        n++;
    }
    assert_int_equal(rc, 0);
    return n;
}

/* ---- a synthetic recording ---------------------------------------------- */

struct gen {
    struct lx_rng rng;
    int64_t wall;
    int64_t mono;
    uint64_t seq[16][2];
    struct text expect;
    size_t count;
};

static void gen_init(struct gen *g, uint64_t seed)
{
    memset(g, 0, sizeof(*g));
    lx_rng_seed(&g->rng, seed);
    g->wall = 1700000000000000000LL;
    g->mono = 5000000000LL;
}

static int gen_emit(struct lx_capture_writer *w, struct gen *g,
                    struct lx_tap_event *ev)
{
    g->wall += 1 + (int64_t)lx_rng_below(&g->rng, 3000000);
    g->mono += 1 + (int64_t)lx_rng_below(&g->rng, 3000000);
    ev->wall_ns = g->wall;
    ev->mono_ns = g->mono;
    ev->seq = g->seq[ev->conn_id % 16][ev->side]++;
    render_event(&g->expect, ev);
    g->count++;
    return lx_capture_writer_write(w, ev);
}

static int gen_open(struct lx_capture_writer *w, struct gen *g, uint64_t conn,
                    int side, const char *url)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_OPEN;
    ev.side = side;
    ev.dir = side == LX_TAP_CLIENT ? LX_TAP_OUT : LX_TAP_IN;
    ev.conn_id = conn;
    ev.url = url;
    ev.transport = "mem";
    return gen_emit(w, g, &ev);
}

static int gen_close(struct lx_capture_writer *w, struct gen *g, uint64_t conn,
                     int side, const char *reason)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_CLOSE;
    ev.side = side;
    ev.conn_id = conn;
    ev.reason = reason;
    return gen_emit(w, g, &ev);
}

static int gen_ws(struct lx_capture_writer *w, struct gen *g, uint64_t conn,
                  int side, int dir, int opcode, const void *p, size_t len)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_WS_FRAME;
    ev.side = side;
    ev.dir = dir;
    ev.conn_id = conn;
    ev.ws_opcode = opcode;
    ev.payload = p;
    ev.len = len;
    return gen_emit(w, g, &ev);
}

static int gen_http(struct lx_capture_writer *w, struct gen *g, uint64_t conn,
                    int side, int dir, const struct lx_http_msg *m)
{
    struct lx_tap_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_HTTP;
    ev.side = side;
    ev.dir = dir;
    ev.conn_id = conn;
    ev.http = m;
    return gen_emit(w, g, &ev);
}

static struct lx_http_msg *make_request(const char *method, const char *target,
                                        const char *body)
{
    struct lx_http_msg *m = NULL;

    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Host", "api.example.com"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-Dup", "a"), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-Dup", "b\tc"), LX_OK);
    if (body != NULL) {
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    return m;
}

static struct lx_http_msg *make_response(int status, const char *body)
{
    struct lx_http_msg *m = NULL;

    assert_int_equal(lx_http_msg_new_response(&m, NULL, status, NULL), LX_OK);
    assert_int_equal(
        lx_http_msg_add_header(m, "Content-Type", "application/json"), LX_OK);
    if (body != NULL) {
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    return m;
}

/* A session: REST calls, several WS streams, both sides, binary frames. */
static int gen_session(struct lx_capture_writer *w, struct gen *g, int frames)
{
    struct lx_http_msg *req =
        make_request("GET", "/api/v3/depth?limit=5", NULL);
    struct lx_http_msg *resp = make_response(200, "{\"lastUpdateId\":1}");
    uint8_t bin[300];
    int rc, i;

    lx_rng_fill(&g->rng, bin, sizeof(bin));
    rc = gen_open(w, g, 1, LX_TAP_CLIENT, "https://api.example.com");
    rc = rc ? rc : gen_http(w, g, 1, LX_TAP_CLIENT, LX_TAP_OUT, req);
    rc = rc ? rc : gen_open(w, g, 1, LX_TAP_SERVER, "http://127.0.0.1:0/");
    rc = rc ? rc : gen_http(w, g, 1, LX_TAP_SERVER, LX_TAP_IN, req);
    rc = rc ? rc : gen_http(w, g, 1, LX_TAP_SERVER, LX_TAP_OUT, resp);
    rc = rc ? rc : gen_http(w, g, 1, LX_TAP_CLIENT, LX_TAP_IN, resp);
    rc = rc ? rc : gen_open(w, g, 2, LX_TAP_CLIENT, "wss://s.example.com/ws/a");
    rc = rc ? rc : gen_open(w, g, 3, LX_TAP_CLIENT, "wss://s.example.com/ws/b");
    for (i = 0; rc == LX_OK && i < frames; i++) {
        char msg[200];
        int n = lx__snprintf(msg, sizeof(msg),
                             "{\"e\":\"depthUpdate\",\"u\":%d,\"b\":[[\"%d.%02d"
                             "\",\"1.5\"]],\"a\":[]}",
                             i, 60000 + i % 97, i % 100);
        uint64_t conn = 2 + (uint64_t)lx_rng_below(&g->rng, 2);

        rc = gen_ws(w, g, conn, LX_TAP_CLIENT, LX_TAP_IN, LX_WS_TEXT, msg,
                    (size_t)n);
        if (rc == LX_OK && i % 50 == 7) {
            rc = gen_ws(w, g, 3, LX_TAP_CLIENT, LX_TAP_IN, LX_WS_BINARY, bin,
                        1 + (size_t)(i % 299));
        }
        if (rc == LX_OK && i % 100 == 9) {
            rc = gen_ws(w, g, 2, LX_TAP_CLIENT, LX_TAP_OUT, LX_WS_PING, "", 0);
        }
    }
    rc = rc ? rc : gen_close(w, g, 1, LX_TAP_CLIENT, "keep-alive expired");
    rc = rc ? rc : gen_close(w, g, 2, LX_TAP_CLIENT, "");
    lx_http_msg_free(req);
    lx_http_msg_free(resp);
    return rc;
}

static struct lx_capture_wopts *small_chunks(void)
{
    struct lx_capture_wopts *o = NULL;

    assert_int_equal(lx_capture_wopts_new(&o, NULL), LX_OK);
    assert_int_equal(lx_capture_wopts_set_chunk_limits(o, 4096, 37), LX_OK);
    assert_int_equal(lx_capture_wopts_set_commit(o, 200000000, 64 << 10),
                     LX_OK);
    assert_int_equal(lx_capture_wopts_set_venue(o, "binance-spot"), LX_OK);
    return o;
}

/* Writes a recording of `frames` frames to path; returns its expectation. */
static void write_recording(const char *path, int frames, struct gen *g,
                            const struct lx_capture_wopts *o)
{
    struct lx_capture_writer *w = NULL;

    gen_init(g, 42);
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, o, NULL), LX_OK);
    assert_int_equal(gen_session(w, g, frames), LX_OK);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = lx__malloc(NULL, (size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return p;
}

static int64_t sql_int(const char *path, const char *sql);

static bool contains(const uint8_t *hay, size_t n, const void *needle,
                     size_t nl)
{
    size_t i;

    for (i = 0; nl > 0 && i + nl <= n; i++) {
        if (memcmp(hay + i, needle, nl) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- codec -------------------------------------------------------------- */

static void test_varint(void **state)
{
    static const uint64_t v[] = {
        0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX, UINT64_MAX / 3};
    uint8_t buf[12];
    uint64_t x = 0;
    size_t i;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(v); i++) {
        uint64_t back = 0;
        size_t n = lx__cap_put_uvarint(buf, v[i]);

        assert_true(n >= 1 && n <= 10);
        assert_int_equal(lx__cap_get_uvarint(buf, n, &back), n);
        assert_true(back == v[i]);
        assert_int_equal(lx__cap_get_uvarint(buf, n - 1, &back), 0);
        assert_true(lx__cap_unzigzag(lx__cap_zigzag(v[i])) == v[i]);
    }
    /* Overlong and over-64-bit encodings are refused. */
    memset(buf, 0xff, sizeof(buf));
    assert_int_equal(lx__cap_get_uvarint(buf, sizeof(buf), &x), 0);
    buf[9] = 0x02;
    assert_int_equal(lx__cap_get_uvarint(buf, 10, &x), 0);
    buf[9] = 0x01;
    assert_int_equal(lx__cap_get_uvarint(buf, 10, &x), 10);
    assert_true(x == UINT64_MAX);
    assert_true(lx__cap_zigzag((uint64_t)-1) == 1);
    assert_true(lx__cap_zigzag(1) == 2);
}

static void test_record_codec(void **state)
{
    struct lx__cap_bytes hdr[4] = {{(const uint8_t *)"A", 1},
                                   {(const uint8_t *)"x", 1},
                                   {(const uint8_t *)"Bb", 2},
                                   {(const uint8_t *)"", 0}};
    struct lx__cap_rec r;
    struct lx__cap_prev prev = {0, 0, 0, 0}, dprev = {0, 0, 0, 0};
    struct lx__cap_scratch s;
    struct lx_capture_record out;
    struct lx__cbuf b;
    char msg[96];
    int kind, n;
    size_t pos = 0;

    (void)state;
    lx__cbuf_init(&b, lx_test_mem());
    lx__cap_scratch_init(&s, lx_test_mem());
    for (kind = LX_CAPTURE_CONN_OPEN; kind <= LX_CAPTURE_ANNOTATION; kind++) {
        memset(&r, 0, sizeof(r));
        r.kind = kind;
        r.dir = kind & 1;
        r.gseq = (uint64_t)kind * 3;
        r.seq = (uint64_t)(7 - kind);
        r.wall_ns = kind == 2 ? INT64_MIN : INT64_MAX - kind;
        r.mono_ns = -kind;
        r.s1 = (struct lx__cap_bytes){(const uint8_t *)"one", 3};
        r.s2 = (struct lx__cap_bytes){(const uint8_t *)"two", 3};
        r.s3 = (struct lx__cap_bytes){(const uint8_t *)"", 0};
        r.n1 = 11;
        r.n2 = 404;
        r.nheaders = 2;
        r.headers = hdr;
        r.data = (struct lx__cap_bytes){(const uint8_t *)"\0pay\0", 5};
        {
            size_t before = b.len, want = lx__cap_rec_size(&r, &prev);

            assert_int_equal(lx__cap_rec_encode(&b, &r, &prev), LX_OK);
            assert_int_equal(b.len - before, want);
        }
    }
    for (kind = LX_CAPTURE_CONN_OPEN; kind <= LX_CAPTURE_ANNOTATION; kind++) {
        n = lx__cap_rec_decode(b.p + pos, b.len - pos, &dprev, &s, &out, msg,
                               sizeof(msg));
        assert_true(n > 0);
        pos += (size_t)n;
        assert_int_equal(out.kind, kind);
        assert_int_equal(out.dir, kind & 1);
        assert_true(out.gseq == (uint64_t)kind * 3);
        assert_true(out.seq == (uint64_t)(7 - kind));
        assert_true(out.wall_ns == (kind == 2 ? INT64_MIN : INT64_MAX - kind));
        assert_true(out.mono_ns == -kind);
        if (kind == LX_CAPTURE_HTTP_RESPONSE) {
            assert_int_equal(out.status, 404);
            assert_string_equal(out.reason, "one");
            assert_int_equal(out.nheaders, 2);
            assert_string_equal(out.headers[1].name, "Bb");
            assert_string_equal(out.headers[1].value, "");
        }
        if (kind == LX_CAPTURE_CONN_OPEN) {
            assert_string_equal(out.url, "one");
            assert_string_equal(out.transport, "two");
        }
        if (kind >= LX_CAPTURE_HTTP_REQUEST) {
            assert_int_equal(out.len, 5);
            assert_memory_equal(out.data, "\0pay\0", 5);
        }
    }
    assert_int_equal(pos, b.len);
    /* Every truncation of the last record is rejected, never overread. */
    for (pos = 1; pos < (size_t)n; pos++) {
        struct lx__cap_prev p2 = {0, 0, 0, 0};

        assert_int_equal(lx__cap_rec_decode(b.p + b.len - (size_t)n, pos, &p2,
                                            &s, &out, msg, sizeof(msg)),
                         LX_ERR_CORRUPT);
    }
    lx__cbuf_free(&b);
    lx__cap_scratch_free(&s);
}

/* ---- round trips -------------------------------------------------------- */

static void test_roundtrip(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    struct lx_capture_info info;
    struct lx_capture_stream st;
    struct text got = {0};
    struct gen g;
    char path[300];
    size_t i;

    (void)state;
    tmp_path(path, sizeof(path), "roundtrip.lxcap");
    assert_int_equal(lx_capture_wopts_add_label(o, "purpose", "unit test"),
                     LX_OK);
    assert_int_equal(lx_capture_wopts_set_creator(o, "test_capture"), LX_OK);
    assert_int_equal(lx_capture_wopts_set_created_ns(o, 123), LX_OK);
    write_recording(path, 3000, &g, o);
    lx_capture_wopts_free(o);

    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);

    lx_capture_reader_info(r, &info);
    assert_int_equal(info.format_version, LX_CAPTURE_FORMAT_VERSION);
    assert_int_equal(info.finalized, 1);
    assert_true(info.records == g.count);
    assert_true(info.chunks > 10);
    assert_int_equal(info.streams, 4);
    assert_string_equal(info.creator, "test_capture");
    assert_string_equal(info.venue, "binance-spot");
    assert_true(info.created_wall_ns == 123);
    assert_true(info.stored_bytes < info.raw_bytes);
    assert_string_equal(lx_capture_reader_meta(r, "label.purpose"),
                        "unit test");
    assert_null(lx_capture_reader_meta(r, "nope"));
    assert_int_equal(lx_capture_reader_stream_count(r), 4);
    for (i = 0; i < 4; i++) {
        assert_int_equal(lx_capture_reader_stream_at(r, i, &st), LX_OK);
        assert_string_equal(st.venue, "binance-spot");
        assert_string_equal(st.transport, "mem");
        if (st.conn_id == 1 && st.side == LX_TAP_CLIENT) {
            assert_string_equal(st.close_reason, "keep-alive expired");
            assert_int_equal(st.records, 4);
        }
        if (st.conn_id == 3) {
            assert_null(st.close_reason);
            assert_int_equal(st.close_wall_ns, 0);
        }
    }
    assert_int_equal(lx_capture_reader_stream_at(r, 4, &st), LX_ERR_RANGE);

    /* Rewind gives the same again; verify passes. */
    text_free(&got);
    assert_int_equal(lx_capture_reader_rewind(r), LX_OK);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
    text_free(&got);
    text_free(&g.expect);

    /* The file is one self-contained file: no -wal left behind. */
    lx__snprintf(path + strlen(path), 8, "-wal");
    assert_int_equal(access(path, F_OK), -1);
}

static void test_tap_fn_and_annotations(void **state)
{
    struct lx_capture_writer *w = NULL;
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    lx_tap_fn fn = lx_capture_tap;
    struct lx_tap_event ev;
    char path[300];
    int n = 0;

    (void)state;
    tmp_path(path, sizeof(path), "tap.lxcap");
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, NULL, NULL), LX_OK);
    assert_int_equal(lx_capture_writer_set_venue(w, "okx"), LX_OK);
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_OPEN;
    ev.conn_id = 9;
    ev.url = "wss://ws.okx.com/ws/v5/private";
    ev.transport = "tls";
    ev.wall_ns = 10;
    ev.mono_ns = 20;
    fn(w, &ev);
    ev.kind = LX_TAP_WS_FRAME;
    ev.dir = LX_TAP_OUT;
    ev.seq = 1;
    ev.ws_opcode = LX_WS_TEXT;
    ev.payload = (const uint8_t *)"{\"op\":\"order\",\"clOrdId\":\"c1\"}";
    ev.len = strlen((const char *)ev.payload);
    fn(w, &ev);
    assert_int_equal(lx_capture_writer_annotate(w, LX_TAP_CLIENT, 9, 11, 21,
                                                "client_order_id", "c1", 2),
                     LX_OK);
    assert_int_equal(lx_capture_writer_annotate(w, LX_TAP_CLIENT, 0, 12, 22,
                                                "marker", "start", 5),
                     LX_OK);
    /* A bad event is refused and does not stop the writer. */
    ev.kind = 77;
    assert_int_equal(lx_capture_writer_write(w, &ev), LX_ERR_INVAL);
    assert_int_equal(lx_capture_writer_status(w), LX_OK);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);

    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    while (lx_capture_reader_next(r, &rec) == 1) {
        assert_string_equal(rec->venue, "okx");
        if (n == 2) {
            assert_int_equal(rec->kind, LX_CAPTURE_ANNOTATION);
            assert_string_equal(rec->tag, "client_order_id");
            assert_int_equal(rec->seq, 1);
            assert_memory_equal(rec->data, "c1", 2);
            assert_true(rec->conn_id == 9);
        }
        if (n == 3) {
            assert_string_equal(rec->tag, "marker");
            assert_true(rec->conn_id == 0);
        }
        n++;
    }
    assert_int_equal(n, 4);
    lx_capture_reader_free(r);
}

/* ---- copying records (slice / merge tools) ------------------------------ */

static void render_streams(struct lx_capture_reader *r, struct text *t)
{
    struct lx_capture_stream st;
    size_t i;

    for (i = 0; i < lx_capture_reader_stream_count(r); i++) {
        assert_int_equal(lx_capture_reader_stream_at(r, i, &st), LX_OK);
        text_fmt(t, "%d %llu %s %s %s %lld %s %lld %llu\n", st.side,
                 (unsigned long long)st.conn_id, st.venue, st.url, st.transport,
                 (long long)st.open_wall_ns,
                 st.close_reason != NULL ? st.close_reason : "-",
                 (long long)st.close_wall_ns, (unsigned long long)st.records);
    }
}

static void test_copy_records(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL, *c = NULL;
    struct lx_capture_writer *w = NULL;
    const struct lx_capture_record *rec;
    struct text a = {0}, b = {0}, sa = {0}, sb = {0};
    struct lx_capture_record bad;
    struct gen g;
    char path[300], copy[300];
    int rc;

    (void)state;
    tmp_path(path, sizeof(path), "copy-src.lxcap");
    tmp_path(copy, sizeof(copy), "copy-dst.lxcap");
    write_recording(path, 1000, &g, o);
    text_free(&g.expect);
    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    assert_int_equal(lx_capture_writer_open(&w, NULL, copy, o, NULL), LX_OK);
    lx_capture_wopts_free(o);
    while ((rc = lx_capture_reader_next(r, &rec)) == 1) {
        render_record(&a, rec);
        assert_int_equal(lx_capture_writer_write_record(w, rec), LX_OK);
    }
    assert_int_equal(rc, 0);
    memset(&bad, 0, sizeof(bad));
    bad.kind = 9;
    assert_int_equal(lx_capture_writer_write_record(w, &bad), LX_ERR_INVAL);
    bad.kind = LX_CAPTURE_HTTP_REQUEST;
    bad.nheaders = 5000;
    assert_int_equal(lx_capture_writer_write_record(w, &bad), LX_ERR_INVAL);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);

    /* The copy holds the same records and the same streams. */
    assert_int_equal(lx_capture_open(&c, NULL, copy, NULL), LX_OK);
    read_all(c, &b);
    assert_text_equal(&a, &b);
    render_streams(r, &sa);
    render_streams(c, &sb);
    assert_string_equal(sa.p, sb.p);
    assert_int_equal(lx_capture_reader_verify(c, NULL), LX_OK);
    lx_capture_reader_free(r);
    lx_capture_reader_free(c);
    text_free(&a);
    text_free(&b);
    text_free(&sa);
    text_free(&sb);
}

/* ---- a real tapped session ---------------------------------------------- */

/* A tap that renders each event and hands it to the writer. */
struct tee {
    struct lx_capture_writer *w;
    struct text expect;
    size_t n;
    int nresp;
    struct lx_ws *srv_ws;
    struct lx_ws *cli_ws;
    int echoes;
    int closed;
};

static void tee_tap(void *ud, const struct lx_tap_event *ev)
{
    struct tee *t = ud;

    render_event(&t->expect, ev);
    t->n++;
    lx_capture_tap(t->w, ev);
}

static void live_handler(struct lx_http_req *req, void *ud)
{
    const struct lx_http_msg *m = lx_http_req_msg(req);
    size_t blen = 0;
    const char *b = lx_http_msg_body(m, &blen);

    (void)ud;
    assert_int_equal(
        lx_http_req_respond_body(req, 200, NULL, "application/json",
                                 b != NULL ? b : "{}", b != NULL ? blen : 2),
        LX_OK);
}

static void live_resp(void *ud, int err, const struct lx_http_msg *resp,
                      const char *errmsg)
{
    struct tee *t = ud;

    (void)resp;
    (void)errmsg;
    assert_int_equal(err, LX_OK);
    t->nresp++;
}

static void live_send(struct lx_http_client *cli, const char *url,
                      const char *method, const char *target, const char *body,
                      struct tee *t)
{
    struct lx_http_msg *m = NULL;

    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    if (body != NULL) {
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    assert_int_equal(lx_http_client_send(cli, url, m, 0, live_resp, t), LX_OK);
}

static void srv_ws_msg(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    (void)ud;
    if (opcode == LX_WS_TEXT) {
        assert_int_equal(lx_ws_send_text(ws, data, len), LX_OK);
    } else {
        assert_int_equal(lx_ws_send_binary(ws, data, len), LX_OK);
    }
}

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct tee *t = ud;

    (void)ws;
    (void)err;
    (void)code;
    (void)reason;
    t->closed++;
}

static void ws_handler(struct lx_http_req *req, void *ud)
{
    static const struct lx_ws_cbs cbs = {NULL, srv_ws_msg, NULL, NULL,
                                         ws_closed};
    struct tee *t = ud;

    assert_int_equal(lx_ws_accept(&t->srv_ws, req, &cbs, t), LX_OK);
}

static void cli_ws_open(struct lx_ws *ws, void *ud)
{
    static const uint8_t bin[] = {0, 1, 2, 0xff, 0, 'x'};
    const char *sub =
        "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@depth\"],"
        "\"id\":1}";

    (void)ud;
    assert_int_equal(lx_ws_send_text(ws, sub, strlen(sub)), LX_OK);
    assert_int_equal(lx_ws_send_binary(ws, bin, sizeof(bin)), LX_OK);
    assert_int_equal(lx_ws_send_ping(ws, "p", 1), LX_OK);
}

static void cli_ws_msg(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct tee *t = ud;

    (void)opcode;
    (void)data;
    (void)len;
    if (++t->echoes == 2) {
        assert_int_equal(lx_ws_close(ws, 1000, "done"), LX_OK);
    }
}

/* The same through a WebSocket: handshake, frames both ways, close. */
static void test_live_websocket(void **state)
{
    static const struct lx_ws_cbs cbs = {cli_ws_open, cli_ws_msg, NULL, NULL,
                                         ws_closed};
    struct event_base *base = event_base_new();
    struct lx_clock *clock = NULL;
    struct lx_net *net = NULL;
    struct lx_http_server *srv = NULL;
    struct lx_capture_reader *r = NULL;
    struct text got = {0};
    struct tee t;
    char path[300], url[80];

    (void)state;
    memset(&t, 0, sizeof(t));
    tmp_path(path, sizeof(path), "live-ws.lxcap");
    assert_int_equal(lx_capture_writer_open(&t.w, NULL, path, NULL, NULL),
                     LX_OK);
    assert_int_equal(lx_clock_new_real(&clock, NULL, base), LX_OK);
    assert_int_equal(lx_net_new(&net, NULL, base, clock), LX_OK);
    lx_net_set_tap(net, tee_tap, &t);
    assert_int_equal(lx_http_server_new(&srv, net, ws_handler, &t), LX_OK);
    assert_int_equal(lx_http_server_listen(srv, "127.0.0.1", 0, NULL), LX_OK);
    lx__snprintf(url, sizeof(url), "ws://127.0.0.1:%u/ws/btcusdt@depth",
                 (unsigned)lx_http_server_port(srv));
    assert_int_equal(lx_ws_connect(&t.cli_ws, net, url, NULL, &cbs, &t), LX_OK);
    while (t.closed < 2) {
        assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
    }
    lx_ws_free(t.cli_ws);
    lx_ws_free(t.srv_ws);
    lx_http_server_free(srv);
    event_base_loop(base, EVLOOP_NONBLOCK);
    lx_net_free(net);
    lx_clock_free(clock);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    assert_int_equal(lx_capture_writer_close(t.w), LX_OK);

    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    assert_int_equal(read_all(r, &got), t.n);
    assert_text_equal(&got, &t.expect);
    /* Frames of both sides, binary bytes intact, and the close. */
    assert_true(
        contains((const uint8_t *)got.p, got.len, "op2[6:\0\1\2\xff\0x]", 13));
    assert_true(contains((const uint8_t *)got.p, got.len, "op9[1:p]", 8));
    assert_true(contains((const uint8_t *)got.p, got.len, "op8[", 4));
    lx_capture_reader_free(r);
    text_free(&got);
    text_free(&t.expect);
}

/*
 * Acceptance: a session on the real HTTP stack (client and server tapped,
 * loopback TCP) comes back byte-identical, in order, with its timestamps.
 */
static void test_live_session(void **state)
{
    struct event_base *base = event_base_new();
    struct lx_clock *clock = NULL;
    struct lx_net *net = NULL;
    struct lx_http_server *srv = NULL;
    struct lx_http_client *cli = NULL;
    struct lx_capture_reader *r = NULL;
    struct text got = {0};
    struct tee t;
    char path[300], url[64];

    (void)state;
    memset(&t, 0, sizeof(t));
    tmp_path(path, sizeof(path), "live-session.lxcap");
    assert_int_equal(lx_capture_writer_open(&t.w, NULL, path, NULL, NULL),
                     LX_OK);
    assert_int_equal(lx_clock_new_real(&clock, NULL, base), LX_OK);
    assert_int_equal(lx_net_new(&net, NULL, base, clock), LX_OK);
    lx_net_set_tap(net, tee_tap, &t);
    assert_int_equal(lx_http_server_new(&srv, net, live_handler, NULL), LX_OK);
    assert_int_equal(lx_http_server_listen(srv, "127.0.0.1", 0, NULL), LX_OK);
    lx__snprintf(url, sizeof(url), "http://127.0.0.1:%u",
                 (unsigned)lx_http_server_port(srv));
    assert_int_equal(lx_http_client_new(&cli, net), LX_OK);
    live_send(cli, url, "GET", "/api/v3/depth?symbol=BTCUSDT&limit=5", NULL,
              &t);
    live_send(cli, url, "POST", "/api/v3/order",
              "{\"symbol\":\"BTCUSDT\",\"qty\":\"0.001\"}", &t);
    while (t.nresp < 2) {
        assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
    }
    lx_http_client_free(cli);
    lx_http_server_free(srv);
    event_base_loop(base, EVLOOP_NONBLOCK);
    lx_net_free(net);
    lx_clock_free(clock);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    assert_true(t.n >= 10); /* 2 opens, 4 messages per side */
    assert_int_equal(lx_capture_writer_close(t.w), LX_OK);

    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    assert_int_equal(read_all(r, &got), t.n);
    assert_text_equal(&got, &t.expect);
    lx_capture_reader_free(r);
    text_free(&got);
    text_free(&t.expect);
}

/* ---- filters and seeks -------------------------------------------------- */

struct flat {
    int64_t stream;
    int kind;
    int64_t wall;
    uint64_t gseq;
};

static size_t flatten(struct lx_capture_reader *r, struct flat *v, size_t cap)
{
    const struct lx_capture_record *rec;
    size_t n = 0;

    while (lx_capture_reader_next(r, &rec) == 1) {
        assert_true(n < cap);
        v[n].stream = rec->stream_id;
        v[n].kind = rec->kind;
        v[n].wall = rec->wall_ns;
        v[n].gseq = rec->gseq;
        n++;
    }
    return n;
}

static void check_filter(struct lx_capture_reader *r, const struct flat *all,
                         size_t nall, const int64_t *streams, size_t ns,
                         unsigned kinds, int64_t from, int64_t to)
{
    static struct flat got[8000];
    size_t i, j = 0, n;

    lx_capture_reader_clear_streams(r);
    for (i = 0; i < ns; i++) {
        assert_int_equal(lx_capture_reader_add_stream(r, streams[i]), LX_OK);
    }
    lx_capture_reader_set_kinds(r, kinds);
    assert_int_equal(lx_capture_reader_seek(r, from, to), LX_OK);
    n = flatten(r, got, LX_ARRAY_LEN(got));
    for (i = 0; i < nall; i++) {
        bool want = all[i].wall >= from && all[i].wall < to &&
                    (kinds == 0 || (kinds & (1u << all[i].kind)));
        size_t k;

        if (ns > 0) {
            bool in = false;

            for (k = 0; k < ns; k++) {
                in = in || streams[k] == all[i].stream;
            }
            want = want && in;
        }
        if (want) {
            assert_true(j < n);
            assert_true(got[j].gseq == all[i].gseq);
            j++;
        }
    }
    assert_int_equal(j, n);
}

static void test_filters_and_seek(void **state)
{
    static struct flat all[8000];
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    struct lx_capture_info info;
    struct gen g;
    char path[300];
    size_t nall;
    int64_t s1[] = {3}, s2[] = {1, 4}, mid;

    (void)state;
    tmp_path(path, sizeof(path), "filters.lxcap");
    assert_int_equal(lx_capture_wopts_set_chunk_span(o, 100000000), LX_OK);
    assert_int_equal(lx_capture_wopts_set_chunk_limits(o, 1 << 20, 0), LX_OK);
    write_recording(path, 4000, &g, o);
    lx_capture_wopts_free(o);
    text_free(&g.expect);
    /* No chunk spans the limit. */
    assert_true(sql_int(path, "SELECT max(max_wall_ns - min_wall_ns) FROM"
                              " chunks") < 100000000);
    assert_true(sql_int(path, "SELECT count(*) FROM chunks") > 20);
    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    nall = flatten(r, all, LX_ARRAY_LEN(all));
    assert_int_equal(nall, g.count);
    lx_capture_reader_info(r, &info);
    mid = info.first_wall_ns + (info.last_wall_ns - info.first_wall_ns) / 2;

    check_filter(r, all, nall, NULL, 0, 0, INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, s1, 1, 0, INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, s2, 2, 0, INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, NULL, 0,
                 LX_CAPTURE_KIND_BIT(LX_CAPTURE_HTTP_REQUEST) |
                     LX_CAPTURE_KIND_BIT(LX_CAPTURE_CONN_CLOSE),
                 INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, NULL, 0, 0, mid, INT64_MAX);
    check_filter(r, all, nall, NULL, 0, 0, mid, mid + 500000000);
    check_filter(r, all, nall, s1, 1, 0, mid, mid + 50000000);
    check_filter(r, all, nall, s2, 2, LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME),
                 mid, INT64_MAX);
    check_filter(r, all, nall, NULL, 0, 0, info.last_wall_ns + 1, INT64_MAX);
    check_filter(r, all, nall, NULL, 0, 0, all[5].wall, all[5].wall + 1);
    assert_int_equal(lx_capture_reader_seek(r, 5, 4), LX_ERR_INVAL);
    lx_capture_reader_free(r);
}

/* ---- redaction ---------------------------------------------------------- */

#define API_KEY   "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91"
#define PASSPHR   "Correct-Horse-Battery-9"
#define SIGNATURE "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd"
#define LISTENKEY                                                              \
    "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a6"
#define ACCESS "1582628593997.1ErzxSc7.b3Fw2KjGMO9hWMKbtT8j7sZR"

/* Writes a session full of secrets; returns the redaction count. */
static uint64_t write_secrets(const char *path, struct lx_secret *key,
                              struct lx_secret *pass)
{
    struct lx_capture_writer *w = NULL;
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_wstats st;
    struct lx_http_msg *m;
    struct gen g;
    const char *frames[] = {
        "{\"op\":\"login\",\"args\":[{\"apiKey\":\"" API_KEY
        "\",\"passphrase\":\"" PASSPHR
        "\",\"timestamp\":\"1\",\"sign\":\"" SIGNATURE "\"}]}",
        "{\"action\":\"order\",\"signature\":{\"r\":\"0x" SIGNATURE
        "\",\"s\":\"0x1\",\"v\":27},\"nonce\":1}",
        /* Positional: only the registered key is found (not the sig). */
        "{\"op\":\"auth\",\"args\":[\"" API_KEY "\",1662350400000,\"b1\"]}",
        "{\"method\":\"public/auth\",\"params\":{\"grant_type\":"
        "\"client_credentials\",\"client_id\":\"x\",\"client_secret\":"
        "\"" PASSPHR "\"}}",
        "{\"result\":{\"access_token\":\"" ACCESS "\",\"expires_in\":900}}",
        "{\"access\":\"" ACCESS "\",\"n\":"
        "98765432109876"
        "}",
        "{\"e\":\"x\",\"passphrase\":1234567, \"ok\":true}",
    };
    size_t i;

    gen_init(&g, 7);
    assert_int_equal(lx_capture_wopts_new(&o, NULL), LX_OK);
    assert_int_equal(lx_capture_wopts_redact_field(o, "myToken", 0), LX_OK);
    assert_int_equal(lx_capture_wopts_redact_header(o, "X-Custom-*"), LX_OK);
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, o, NULL), LX_OK);
    lx_capture_wopts_free(o);
    assert_int_equal(lx_capture_writer_add_secret(w, key), LX_OK);
    assert_int_equal(lx_capture_writer_add_secret(w, pass), LX_OK);
    assert_int_equal(lx_capture_writer_add_secret(w, NULL), LX_ERR_INVAL);

    assert_int_equal(gen_open(w, &g, 1, LX_TAP_CLIENT,
                              "https://api.binance.com/x?apiKey=" API_KEY),
                     LX_OK);
    m = make_request(
        "POST",
        "/api/v3/order?symbol=BTCUSDT&timestamp=1&signature=" SIGNATURE
        "&myToken=abc",
        "symbol=BTCUSDT&side=BUY&signature=" SIGNATURE);
    assert_int_equal(lx_http_msg_add_header(m, "X-MBX-APIKEY", API_KEY), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "ok-access-passphrase", PASSPHR),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-Custom-Thing", "hidden"),
                     LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "X-Echo", "k=" API_KEY ";"),
                     LX_OK);
    assert_int_equal(gen_http(w, &g, 1, LX_TAP_CLIENT, LX_TAP_OUT, m), LX_OK);
    lx_http_msg_free(m);
    m = make_response(200, "{\"listenKey\":\"" LISTENKEY "\"}");
    assert_int_equal(lx_http_msg_add_header(m, "Set-Cookie", "sid=" PASSPHR),
                     LX_OK);
    assert_int_equal(gen_http(w, &g, 1, LX_TAP_CLIENT, LX_TAP_IN, m), LX_OK);
    lx_http_msg_free(m);
    /* The learned listen key, now in a URL path and a close reason. */
    assert_int_equal(gen_open(w, &g, 2, LX_TAP_CLIENT,
                              "wss://stream.binance.com:9443/ws/" LISTENKEY),
                     LX_OK);
    for (i = 0; i < LX_ARRAY_LEN(frames); i++) {
        assert_int_equal(gen_ws(w, &g, 2, LX_TAP_CLIENT, LX_TAP_OUT, LX_WS_TEXT,
                                frames[i], strlen(frames[i])),
                         LX_OK);
    }
    assert_int_equal(gen_ws(w, &g, 2, LX_TAP_CLIENT, LX_TAP_IN, LX_WS_BINARY,
                            "\x01" PASSPHR "\x02", strlen(PASSPHR) + 2),
                     LX_OK);
    assert_int_equal(lx_capture_writer_annotate(w, LX_TAP_CLIENT, 2, 1, 1,
                                                "note", API_KEY,
                                                strlen(API_KEY)),
                     LX_OK);
    assert_int_equal(
        gen_close(w, &g, 2, LX_TAP_CLIENT, "listen key " LISTENKEY " expired"),
        LX_OK);
    lx_capture_writer_stats(w, &st);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
    text_free(&g.expect);
    return st.redactions;
}

static void test_redaction(void **state)
{
    static const char *const secrets[] = {API_KEY,   PASSPHR,      SIGNATURE,
                                          LISTENKEY, ACCESS,       "1234567",
                                          "hidden",  "myToken=abc"};
    struct lx_secret *key = NULL, *pass = NULL;
    struct lx_capture_reader *r = NULL;
    struct text got = {0};
    char path[300];
    uint8_t *raw;
    size_t len, i;

    (void)state;
    assert_int_equal(lx_secret_new(&key, NULL, API_KEY, strlen(API_KEY)),
                     LX_OK);
    assert_int_equal(lx_secret_new(&pass, NULL, PASSPHR, strlen(PASSPHR)),
                     LX_OK);
    tmp_path(path, sizeof(path), "secrets.lxcap");
    assert_true(write_secrets(path, key, pass) >= 20);
    lx_secret_free(key);
    lx_secret_free(pass);

    /* Neither the raw file nor any decompressed record holds a secret. */
    raw = slurp(path, &len);
    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    read_all(r, &got);
    for (i = 0; i < LX_ARRAY_LEN(secrets); i++) {
        assert_false(contains(raw, len, secrets[i], strlen(secrets[i])));
        if (contains((const uint8_t *)got.p, got.len, secrets[i],
                     strlen(secrets[i]))) {
            fail_msg("secret %zu found in:\n%s", i, got.p);
        }
    }
    /* The redacted forms are stable and keep the structure around them. */
    assert_non_null(strstr(got.p, "?apiKey=<redacted>"));
    assert_non_null(strstr(got.p, "&signature=<redacted>&myToken=<redacted>"));
    assert_non_null(strstr(got.p, "side=BUY&signature=<redacted>]"));
    assert_non_null(strstr(got.p, "[12:X-MBX-APIKEY][10:<redacted>]"));
    assert_non_null(strstr(got.p, "[14:X-Custom-Thing][10:<redacted>]"));
    assert_non_null(strstr(got.p, "k=<redacted>;"));
    assert_non_null(strstr(got.p, "{\"listenKey\":\"<redacted>\"}"));
    assert_non_null(strstr(got.p, "/ws/<redacted> mem"));
    assert_non_null(strstr(got.p, "\"signature\":\"<redacted>\",\"nonce\""));
    assert_non_null(strstr(got.p, "\"passphrase\":\"<redacted>\", \"ok\""));
    assert_non_null(strstr(got.p, "\"timestamp\":\"1\",\"sign\":\"<redacted>"));
    assert_non_null(strstr(got.p, "listen key <redacted> expired"));
    assert_non_null(strstr(got.p, "[Host][api.example.com]") == NULL
                        ? strstr(got.p, "[4:Host][15:api.example.com]")
                        : NULL);
    lx_capture_reader_free(r);
    text_free(&got);
    lx__free(NULL, raw);
}

static void test_redactor_unit(void **state)
{
    static const struct {
        unsigned flags;
        const char *in;
        const char *out;
    } cases[] = {
        {LX__RD_QUERY, "/a?x=1&signature=abc#frag",
         "/a?x=1&signature=<redacted>#frag"},
        {LX__RD_QUERY, "/a/signature=abc", "/a/signature=abc"},
        {LX__RD_QUERY, "/a?signature=&sign", "/a?signature=&sign"},
        {LX__RD_FORM, "sign=1&apiKey=2", "sign=<redacted>&apiKey=<redacted>"},
        {LX__RD_JSON, "{\"sign\" : \"a\\\"b\" }",
         "{\"sign\" : \"<redacted>\" }"},
        {LX__RD_JSON, "{\"sign\":[1,{\"a\":\"]\"}],\"b\":2}",
         "{\"sign\":\"<redacted>\",\"b\":2}"},
        {LX__RD_JSON, "{\"sign\":null}", "{\"sign\":\"<redacted>\"}"},
        {LX__RD_JSON, "[\"sign\",\"x\"]", "[\"sign\",\"x\"]"},
        {LX__RD_JSON, "{\"sign\":", "{\"sign\":"},
        {LX__RD_JSON, "{\"sign\":\"unterminated", "{\"sign\":\"<redacted>"},
        {LX__RD_JSON, "\"", "\""},
        {LX__RD_JSON, "{\"signs\":\"x\",\"Sign\":\"y\"}",
         "{\"signs\":\"x\",\"Sign\":\"y\"}"},
    };
    struct lx__redactor *rd = NULL;
    struct lx__cbuf arena;
    size_t i;

    (void)state;
    assert_int_equal(lx__redactor_new(&rd, lx_test_mem(), true), LX_OK);
    lx__cbuf_init(&arena, lx_test_mem());
    for (i = 0; i < LX_ARRAY_LEN(cases); i++) {
        const uint8_t *out;
        size_t off, olen;

        arena.len = 0;
        assert_int_equal(
            lx__redact(rd, cases[i].flags, (const uint8_t *)cases[i].in,
                       strlen(cases[i].in), &arena, &out, &off, &olen),
            LX_OK);
        if (out == NULL) {
            out = arena.p + off;
        }
        if (olen != strlen(cases[i].out) ||
            memcmp(out, cases[i].out, olen) != 0) {
            fail_msg("case %zu: got %.*s", i, (int)olen, (const char *)out);
        }
    }
    assert_true(lx__redactor_header_secret(rd, "ok-access-sign", 14));
    assert_true(lx__redactor_header_secret(rd, "AUTHORIZATION", 13));
    assert_false(lx__redactor_header_secret(rd, "Content-Type", 12));
    assert_false(lx__redactor_header_secret(rd, "OK-ACCESS", 9) &&
                 lx__redactor_header_secret(rd, "OK-ACCES", 8));
    assert_int_equal(lx__redactor_add_field(rd, "", false), LX_ERR_INVAL);
    lx__cbuf_free(&arena);
    lx__redactor_free(rd);
}

/* Many matches in one value need more than one pass of spans. */
static void test_redact_many(void **state)
{
    struct lx__redactor *rd = NULL;
    struct lx__cbuf arena;
    struct text in = {0};
    const uint8_t *out;
    size_t off, olen, i;

    (void)state;
    assert_int_equal(lx__redactor_new(&rd, lx_test_mem(), true), LX_OK);
    lx__cbuf_init(&arena, lx_test_mem());
    text_add(&in, "{", 1);
    for (i = 0; i < 300; i++) {
        text_fmt(&in, "\"sign\":\"s%zu\",\"x\":%zu,", i, i);
    }
    text_add(&in, "\"end\":1}", 8);
    assert_int_equal(lx__redact(rd, LX__RD_JSON, (const uint8_t *)in.p, in.len,
                                &arena, &out, &off, &olen),
                     LX_OK);
    assert_null(out);
    out = arena.p + off;
    assert_false(contains(out, olen, "\"s1", 3));
    assert_true(contains(out, olen, "\"x\":299,", 8));
    assert_int_equal(lx__redactor_count(rd), 300);
    text_free(&in);
    lx__cbuf_free(&arena);
    lx__redactor_free(rd);
}

/*
 * The redaction fast path (a cheap scan proving that the structural rules
 * have nothing to do) gives what the full rules give, for every input:
 * two redactors with the same rules, one always taking the full way
 * (LX__RD_FULL), see the same inputs in the same order, so their learned
 * values stay the same too.
 */
struct rd_pair {
    struct lx__redactor *fast, *full;
    struct lx__cbuf a1, a2;
    uint64_t checked;
};

static void rd_pair_init(struct rd_pair *p, const char *extra,
                         const struct lx_secret *sec)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(lx__redactor_new(&p->fast, lx_test_mem(), true), LX_OK);
    assert_int_equal(lx__redactor_new(&p->full, lx_test_mem(), true), LX_OK);
    if (extra != NULL) {
        assert_int_equal(lx__redactor_add_field(p->fast, extra, true), LX_OK);
        assert_int_equal(lx__redactor_add_field(p->full, extra, true), LX_OK);
    }
    if (sec != NULL) {
        assert_int_equal(lx__redactor_add_secret(p->fast, sec), LX_OK);
        assert_int_equal(lx__redactor_add_secret(p->full, sec), LX_OK);
    }
    lx__cbuf_init(&p->a1, lx_test_mem());
    lx__cbuf_init(&p->a2, lx_test_mem());
}

static void rd_pair_free(struct rd_pair *p)
{
    lx__cbuf_free(&p->a1);
    lx__cbuf_free(&p->a2);
    lx__redactor_free(p->fast);
    lx__redactor_free(p->full);
}

static void rd_same(struct rd_pair *p, unsigned flags, const void *in,
                    size_t len)
{
    const uint8_t *o1, *o2;
    size_t off1, off2, l1, l2;

    p->a1.len = 0;
    p->a2.len = 0;
    assert_int_equal(
        lx__redact(p->fast, flags, in, len, &p->a1, &o1, &off1, &l1), LX_OK);
    assert_int_equal(lx__redact(p->full, flags | LX__RD_FULL, in, len, &p->a2,
                                &o2, &off2, &l2),
                     LX_OK);
    o1 = o1 != NULL ? o1 : p->a1.p + off1;
    o2 = o2 != NULL ? o2 : p->a2.p + off2;
    if (l1 != l2 || memcmp(o1, o2, l1) != 0 ||
        lx__redactor_count(p->fast) != lx__redactor_count(p->full)) {
        fail_msg("flags %u, input %.*s: fast %.*s, full %.*s", flags, (int)len,
                 (const char *)in, (int)l1, (const char *)o1, (int)l2,
                 (const char *)o2);
    }
    p->checked++;
}

/* The two real recordings of ../shared/samples. */
static const char *const sample_files[2] = {
    LX_CAPTURE_FIXTURES "/../../../../shared/samples/binance-spot/"
                        "hftbacktest/btcusdt_20240808.first150s.txt",
    LX_CAPTURE_FIXTURES "/../../../../shared/samples/binance-usdm/"
                        "hftbacktest/btcusdt_20240718.txt",
};

/* Every flag combination a writer uses, and the structural ones alone. */
static const unsigned rd_flags[] = {
    LX__RD_EXACT | LX__RD_JSON,
    LX__RD_EXACT | LX__RD_QUERY,
    LX__RD_EXACT | LX__RD_FORM,
    LX__RD_JSON,
    LX__RD_QUERY,
    LX__RD_FORM,
    LX__RD_QUERY | LX__RD_FORM | LX__RD_JSON | LX__RD_EXACT,
};

static void rd_same_all(struct rd_pair *p, const void *in, size_t len)
{
    size_t i;

    for (i = 0; i < LX_ARRAY_LEN(rd_flags); i++) {
        rd_same(p, rd_flags[i], in, len);
    }
}

static void test_redact_fast_same(void **state)
{
    static const char *const tokens[] = {
        "signature",
        "Signature",
        "SIGNATURE",
        "signatures",
        "signatur",
        "apiKey",
        "apikey",
        "APIKEY",
        "api_key",
        "sign",
        "SIGN",
        "Sign",
        "KEY",
        "key",
        "listenKey",
        "secret",
        "secretKey",
        "password",
        "passphrase",
        "access_token",
        "refresh_token",
        "client_secret",
        "private_key",
        "privateKey",
        "x",
        "stream",
        "data",
        "e",
        "s",
        "<redacted>",
        "\"",
        "\"",
        "\"",
        "\":",
        "\" :",
        ":",
        " ",
        "\t",
        "\n",
        "\r",
        "{",
        "}",
        "[",
        "]",
        ",",
        "=",
        "&",
        "?",
        "#",
        "\\",
        "0.00100000",
        "63947.40",
        "1721347022504",
        "null",
        "true",
        "ABCDEFGHIJ",
        "abcdefgh12",
        "sk-live-0123456789",
    };
    static const char *const bases[] = {
        "{\"a\":1,\"b\":\"xy\",\"c\":[1,{\"d\":null}],\"e\":\"q\"}",
        "/api/v3/order?symbol=BTCUSDT&side=BUY&timestamp=1#frag",
        "symbol=BTCUSDT&side=BUY&quantity=1",
        "[\"a\",\"bc\" , \"def\"\t:\n\"g\"]",
    };
    static const char *const keys[] = {
        "\"signature\":\"abc123\"",  "\"listenKey\" : \"L0123456789abcdef\"",
        "signature=abc123",          "&apiKey=K9876543210",
        "?listenKey=ZZZZZZZZZZZZ",   "\"sign\":{\"a\":[1,2]}",
        "\"x\":\"learned-x-value\"", "\"\":\"empty\"",
    };
    static const char *const extras[] = {NULL, "x", "*", "my.key"};
    struct lx_secret *sec = NULL;
    struct lx_rng rng;
    uint8_t buf[600];
    size_t e, i, j, k;

    (void)state;
    assert_int_equal(lx_secret_new(&sec, NULL, "sk-live-0123456789", 18),
                     LX_OK);
    lx_rng_seed(&rng, 0x5eed);
    for (e = 0; e < LX_ARRAY_LEN(extras); e++) {
        struct rd_pair p;

        rd_pair_init(&p, extras[e], e == 3 ? sec : NULL);
        /* A key at every position of every base (cut JSON too). */
        for (i = 0; i < LX_ARRAY_LEN(bases); i++) {
            size_t bl = strlen(bases[i]);

            for (j = 0; j < LX_ARRAY_LEN(keys); j++) {
                size_t kl = strlen(keys[j]);

                for (k = 0; k <= bl; k++) {
                    memcpy(buf, bases[i], k);
                    memcpy(buf + k, keys[j], kl);
                    memcpy(buf + k + kl, bases[i] + k, bl - k);
                    rd_same_all(&p, buf, bl + kl);
                    rd_same_all(&p, buf, k + kl / 2);
                }
            }
        }
        /* Random texts of tokens and random bytes, 0 to 600 bytes. */
        for (i = 0; i < 3000; i++) {
            size_t n = 0, want = (size_t)lx_rng_below(&rng, sizeof(buf));

            while (n < want) {
                if (lx_rng_below(&rng, 5) == 0) {
                    buf[n++] = (uint8_t)lx_rng_next(&rng);
                } else {
                    const char *t =
                        tokens[lx_rng_below(&rng, LX_ARRAY_LEN(tokens))];
                    size_t tl = strlen(t);

                    tl = tl < want - n ? tl : want - n;
                    memcpy(buf + n, t, tl);
                    n += tl;
                }
            }
            rd_same_all(&p, buf, n);
        }
        /* Real market data frames. */
        for (i = 0; i < LX_ARRAY_LEN(sample_files); i++) {
            size_t len = 0, pos = 0, lines = 0;
            uint8_t *text = access(sample_files[i], R_OK) == 0
                                ? slurp(sample_files[i], &len)
                                : NULL;

            while (text != NULL && pos < len && lines++ < 2000) {
                uint8_t *nl = memchr(text + pos, '\n', len - pos);
                size_t end = nl != NULL ? (size_t)(nl - text) : len;

                rd_same(&p, LX__RD_EXACT | LX__RD_JSON, text + pos, end - pos);
                pos = end + 1;
            }
            lx__free(NULL, text);
        }
        print_message("extra rule %s: %llu inputs, %llu redactions\n",
                      extras[e] != NULL ? extras[e] : "(none)",
                      (unsigned long long)p.checked,
                      (unsigned long long)lx__redactor_count(p.fast));
        assert_true(lx__redactor_count(p.fast) > 1000);
        rd_pair_free(&p);
    }
    lx_secret_free(sec);
}

/* ---- crash safety ------------------------------------------------------- */

/* Writes n frames on conn 5 with mono times 1 ms apart from start_ms. */
static void write_frames(struct lx_capture_writer *w, int start_ms, int n)
{
    struct lx_tap_event ev;
    char msg[64];
    int i;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_WS_FRAME;
    ev.dir = LX_TAP_IN;
    ev.conn_id = 5;
    ev.ws_opcode = LX_WS_TEXT;
    for (i = start_ms; i < start_ms + n; i++) {
        ev.seq = (uint64_t)i;
        ev.wall_ns = 1700000000000000000LL + (int64_t)i * 1000000;
        ev.mono_ns = (int64_t)i * 1000000;
        ev.len = (size_t)lx__snprintf(msg, sizeof(msg), "{\"i\":%d}", i);
        ev.payload = (const uint8_t *)msg;
        if (lx_capture_writer_write(w, &ev) != LX_OK) {
            _exit(3);
        }
    }
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static size_t count_and_verify(const char *path, int *finalized)
{
    struct lx_capture_reader *r = NULL;
    struct lx_capture_error err;
    struct lx_capture_info info;
    const struct lx_capture_record *rec;
    uint64_t expect = 0;
    size_t n = 0;

    if (lx_capture_open(&r, NULL, path, &err) != LX_OK) {
        fail_msg("open after crash: %s", err.msg);
    }
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    while (lx_capture_reader_next(r, &rec) == 1) {
        assert_true(rec->seq == expect);
        expect++;
        n++;
    }
    lx_capture_reader_info(r, &info);
    assert_true(info.records == n);
    *finalized = info.finalized;
    lx_capture_reader_free(r);
    return n;
}

static void test_kill9(void **state)
{
    char path[300];
    int fds[2], status, fin = 1;
    pid_t pid;
    char c;

    (void)state;
    tmp_path(path, sizeof(path), "kill9.lxcap");
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lx_capture_writer *w = NULL;

        close(fds[0]);
        if (lx_capture_writer_open(&w, NULL, path, NULL, NULL) != LX_OK) {
            _exit(2);
        }
        /* 3000 frames over 3 s (commits every 1 s), then a flush. */
        write_frames(w, 0, 3000);
        if (lx_capture_writer_flush(w) != LX_OK) {
            _exit(4);
        }
        /* 500 more within one interval: buffered, never committed. */
        write_frames(w, 3000, 500);
        if (write(fds[1], "k", 1) != 1) {
            _exit(5);
        }
        for (;;) {
            pause();
        }
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    /* Everything committed survives; nothing more, and nothing breaks. */
    assert_int_equal(count_and_verify(path, &fin), 3000);
    assert_int_equal(fin, 0);
}

static void test_crash_interval(void **state)
{
    char path[300];
    int status, fin = 1;
    size_t n;
    pid_t pid;

    (void)state;
    tmp_path(path, sizeof(path), "exit.lxcap");
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lx_capture_writer *w = NULL;

        if (lx_capture_writer_open(&w, NULL, path, NULL, NULL) != LX_OK) {
            _exit(2);
        }
        write_frames(w, 0, 4321);
        /* No close: a crash (a signal, so no exit handler runs either). */
        kill(getpid(), SIGKILL);
        _exit(9);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* At most one interval (1 s = 1000 frames) is lost. */
    n = count_and_verify(path, &fin);
    assert_true(n >= 4321 - 1000 && n <= 4321);
    assert_int_equal(fin, 0);
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    uint8_t *p = slurp(from, &len);
    FILE *f = fopen(to, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    fclose(f);
    lx__free(NULL, p);
}

static void test_copy_mid_write(void **state)
{
    struct lx_capture_writer *w = NULL;
    struct lx_capture_wstats st;
    char path[300], copy[300], a[310], b[310];
    int fin = 1;

    (void)state;
    tmp_path(path, sizeof(path), "live.lxcap");
    tmp_path(copy, sizeof(copy), "copy.lxcap");
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, NULL, NULL), LX_OK);
    write_frames(w, 0, 2500);
    /* A copy of db + wal while the writer is busy, like a backup tool. */
    copy_file(path, copy);
    lx__snprintf(a, sizeof(a), "%s-wal", path);
    lx__snprintf(b, sizeof(b), "%s-wal", copy);
    copy_file(a, b);
    /*
     * Commits came with the records at 1000 ms and 2001 ms (the first
     * record 1 s after the first uncommitted one), each included.
     */
    assert_int_equal(count_and_verify(copy, &fin), 2002);
    /* And the live file can be read while being written. */
    assert_int_equal(count_and_verify(path, &fin), 2002);
    assert_int_equal(lx_capture_writer_tick(w, 3500000000LL), LX_OK);
    assert_int_equal(count_and_verify(path, &fin), 2500);
    /* The running totals match the committed rows (three pieces). */
    lx_capture_writer_stats(w, &st);
    assert_true(st.records == 2500 && st.commits == 3 && st.chunks == 3);
    assert_true((int64_t)st.chunks ==
                sql_int(path, "SELECT count(*) FROM chunks"));
    assert_true((int64_t)st.raw_bytes ==
                sql_int(path, "SELECT sum(raw_size) FROM chunks"));
    assert_true((int64_t)st.stored_bytes ==
                sql_int(path, "SELECT sum(length(data)) FROM chunks"));
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
    assert_int_equal(count_and_verify(path, &fin), 2500);
    assert_int_equal(fin, 1);
    /* The committed pieces became one chunk; their pages were released. */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM chunks"), 1);
    assert_int_equal(sql_int(path, "PRAGMA freelist_count"), 0);
}

/* ---- corrupted and foreign files ---------------------------------------- */

static int open_err(const char *path, struct lx_capture_error *err)
{
    struct lx_capture_reader *r = NULL;
    int rc = lx_capture_open(&r, NULL, path, err);

    if (rc == LX_OK) {
        lx_capture_reader_free(r);
    } else {
        assert_null(r);
        assert_int_equal(err->code, rc);
        assert_true(err->msg[0] != '\0');
    }
    return rc;
}

static void sql_on(const char *path, const char *sql)
{
    sqlite3 *db = NULL;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    }
    sqlite3_close(db);
}

static void test_foreign_files(void **state)
{
    struct lx_capture_error err;
    char path[300];
    FILE *f;

    (void)state;
    tmp_path(path, sizeof(path), "missing.lxcap");
    assert_int_equal(open_err(path, &err), LX_ERR_FILE);
    assert_int_equal(open_err(tmpdir, &err), LX_ERR_FILE);

    tmp_path(path, sizeof(path), "text.lxcap");
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("{\"this is\":\"not a database, but long enough to look like a "
          "header of one, and then some more bytes to pass 100\"}\n",
          f);
    fclose(f);
    assert_int_equal(open_err(path, &err), LX_ERR_PARSE);
    assert_non_null(strstr(err.msg, "not an SQLite database"));

    tmp_path(path, sizeof(path), "empty.lxcap");
    f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(open_err(path, &err), LX_ERR_PARSE);

    tmp_path(path, sizeof(path), "other.db");
    sql_on(path, "CREATE TABLE t(x); PRAGMA user_version = 1;");
    assert_int_equal(open_err(path, &err), LX_ERR_PARSE);
    assert_non_null(strstr(err.msg, "application_id"));
}

static void test_wrong_version_and_schema(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_error err;
    struct gen g;
    char path[300];

    (void)state;
    tmp_path(path, sizeof(path), "version.lxcap");
    write_recording(path, 100, &g, o);
    text_free(&g.expect);
    sql_on(path, "PRAGMA user_version = 4");
    assert_int_equal(open_err(path, &err), LX_ERR_VERSION);
    assert_non_null(strstr(err.msg, "version 4"));

    tmp_path(path, sizeof(path), "schema.lxcap");
    write_recording(path, 100, &g, o);
    text_free(&g.expect);
    sql_on(path, "DROP TABLE streams");
    assert_int_equal(open_err(path, &err), LX_ERR_CORRUPT);
    lx_capture_wopts_free(o);
}

static void test_flipped_chunk(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    const struct lx_capture_error *e;
    uint64_t bad = 0;
    size_t n = 0, corrupt = 0;
    struct gen g;
    char path[300];
    int rc;

    (void)state;
    tmp_path(path, sizeof(path), "flip.lxcap");
    write_recording(path, 2000, &g, o);
    text_free(&g.expect);
    lx_capture_wopts_free(o);
    /* Flip one byte in the middle of chunk 7's frame. */
    sql_on(path, "UPDATE chunks SET data = substr(data, 1, length(data) / 2)"
                 " || CAST(X'5A' AS BLOB) || substr(data, length(data) / 2 + 2)"
                 " WHERE id = 7");
    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    assert_int_equal(lx_capture_reader_verify(r, &bad), LX_ERR_CORRUPT);
    assert_int_equal(bad, 1);
    e = lx_capture_reader_error(r);
    assert_int_equal(e->chunk_id, 7);
    assert_non_null(strstr(e->msg, "chunk 7"));
    /* Iteration reports the bad chunk once and goes on with the rest. */
    assert_int_equal(lx_capture_reader_rewind(r), LX_OK);
    while ((rc = lx_capture_reader_next(r, &rec)) != 0) {
        if (rc == LX_ERR_CORRUPT) {
            assert_int_equal(lx_capture_reader_error(r)->chunk_id, 7);
            corrupt++;
            continue;
        }
        assert_int_equal(rc, 1);
        assert_true(rec->chunk_id != 7);
        n++;
    }
    assert_int_equal(corrupt, 1);
    assert_true(n < g.count && n > g.count - 40);
    lx_capture_reader_free(r);
}

/* Truncations and random byte flips: errors, never a crash or a hang. */
static void test_truncated_and_fuzzed(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_rng rng;
    struct gen g;
    char path[300], bad[300];
    uint8_t *img;
    size_t len, cut, round;

    (void)state;
    tmp_path(path, sizeof(path), "whole.lxcap");
    write_recording(path, 1500, &g, o);
    text_free(&g.expect);
    lx_capture_wopts_free(o);
    img = slurp(path, &len);
    lx_rng_seed(&rng, 99);
    tmp_path(bad, sizeof(bad), "bad.lxcap");
    for (round = 0; round < 40; round++) {
        struct lx_capture_reader *r = NULL;
        struct lx_capture_error err;
        FILE *f = fopen(bad, "wb");
        size_t k;
        int rc;

        assert_non_null(f);
        if (round < 10) {
            cut = len * (round + 1) / 11; /* truncated */
            assert_int_equal(fwrite(img, 1, cut, f), cut);
        } else {
            uint8_t *copy = lx__memdup(NULL, img, len);

            for (k = 0; k < 1 + round % 7; k++) {
                copy[lx_rng_below(&rng, len)] ^=
                    (uint8_t)(1 + lx_rng_below(&rng, 255));
            }
            assert_int_equal(fwrite(copy, 1, len, f), len);
            lx__free(NULL, copy);
        }
        fclose(f);
        rc = lx_capture_open(&r, NULL, bad, &err);
        if (rc == LX_OK) {
            const struct lx_capture_record *rec;
            int guard = 0;

            (void)lx_capture_reader_verify(r, NULL);
            lx_capture_reader_rewind(r);
            while ((rc = lx_capture_reader_next(r, &rec)) != 0 &&
                   guard++ < 100000) {
                assert_true(rc == 1 || rc == LX_ERR_CORRUPT ||
                            rc == LX_ERR_FILE || rc == LX_ERR_PARSE);
                if (rc != 1 && rc != LX_ERR_CORRUPT) {
                    break;
                }
            }
            lx_capture_reader_free(r);
        } else {
            assert_true(rc == LX_ERR_CORRUPT || rc == LX_ERR_PARSE ||
                        rc == LX_ERR_FILE || rc == LX_ERR_VERSION);
        }
        unlink(bad);
    }
    lx__free(NULL, img);
}

static void test_open_mem(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    struct lx_capture_error err;
    struct text got = {0};
    struct gen g;
    char path[300];
    uint8_t *img;
    size_t len;

    (void)state;
    tmp_path(path, sizeof(path), "mem.lxcap");
    write_recording(path, 500, &g, o);
    lx_capture_wopts_free(o);
    img = slurp(path, &len);
    assert_int_equal(lx_capture_open_mem(&r, NULL, img, len, &err), LX_OK);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);
    lx_capture_reader_free(r);
    assert_int_equal(lx_capture_open_mem(&r, NULL, "junk", 4, &err),
                     LX_ERR_PARSE);
    assert_int_equal(lx_capture_open_mem(&r, NULL, NULL, 0, &err),
                     LX_ERR_PARSE);
    text_free(&got);
    text_free(&g.expect);
    lx__free(NULL, img);
}

/* ---- dictionary, options, API errors ------------------------------------ */

static void test_dictionary(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    struct lx_capture_info info;
    struct text got = {0};
    struct gen g;
    char path[300];

    (void)state;
    assert_int_equal(lx_capture_wopts_set_dict(o, 8192), LX_OK);
    assert_int_equal(lx_capture_wopts_set_commit(o, INT64_MAX, 1 << 20), LX_OK);
    assert_int_equal(lx_capture_wopts_set_chunk_limits(o, 1 << 20, 100), LX_OK);
    tmp_path(path, sizeof(path), "dict.lxcap");
    write_recording(path, 5000, &g, o);
    lx_capture_wopts_free(o);
    assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    lx_capture_reader_info(r, &info);
    assert_int_equal(info.has_dict, 1);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
    text_free(&got);
    text_free(&g.expect);
    /*
     * The dictionary is trained on what the chunks compress (their numeric
     * transform): at the default level (1) the chunks are 1.5% smaller with
     * it than without one, at level 3 2% (trained on the records
     * themselves, it saved under 0.5%).
     */
    {
        int64_t with = sql_int(path, "SELECT sum(length(data)) FROM chunks"),
                without;

        o = small_chunks();
        assert_int_equal(lx_capture_wopts_set_commit(o, INT64_MAX, 1 << 20),
                         LX_OK);
        assert_int_equal(lx_capture_wopts_set_chunk_limits(o, 1 << 20, 100),
                         LX_OK);
        tmp_path(path, sizeof(path), "nodict.lxcap");
        write_recording(path, 5000, &g, o);
        lx_capture_wopts_free(o);
        text_free(&g.expect);
        without = sql_int(path, "SELECT sum(length(data)) FROM chunks");
        print_message("chunk bytes: %lld with the dictionary, %lld without\n",
                      (long long)with, (long long)without);
        assert_true(with > 0 && with * 100 < without * 99);
    }
}

static void test_api_errors(void **state)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_writer *w = NULL;
    struct lx_capture_reader *r = NULL;
    struct lx_capture_error err;
    const struct lx_capture_record *rec;
    char path[300];

    (void)state;
    assert_int_equal(lx_capture_wopts_new(NULL, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_capture_wopts_new(&o, NULL), LX_OK);
    assert_int_equal(lx_capture_wopts_set_level(o, 0), LX_ERR_RANGE);
    assert_int_equal(lx_capture_wopts_set_level(o, 20), LX_ERR_RANGE);
    assert_int_equal(lx_capture_wopts_set_level(o, 19), LX_OK);
    assert_int_equal(lx_capture_wopts_set_chunk_limits(o, 100, 0),
                     LX_ERR_RANGE);
    assert_int_equal(lx_capture_wopts_set_commit(o, 0, 1), LX_ERR_RANGE);
    assert_int_equal(lx_capture_wopts_set_chunk_span(o, 0), LX_ERR_RANGE);
    assert_int_equal(lx_capture_wopts_set_dict(o, 10), LX_ERR_RANGE);
    assert_int_equal(lx_capture_wopts_add_label(o, "bad key", "x"),
                     LX_ERR_INVAL);
    assert_int_equal(lx_capture_wopts_add_label(o, "k", "1"), LX_OK);
    assert_int_equal(lx_capture_wopts_add_label(o, "k", "2"), LX_OK);
    assert_int_equal(lx_capture_wopts_redact_header(o, ""), LX_ERR_INVAL);
    assert_int_equal(lx_capture_wopts_set_default_redaction(o, 0), LX_OK);
    assert_int_equal(lx_capture_wopts_set_venue(o, NULL), LX_ERR_INVAL);
    tmp_path(path, sizeof(path), "api.lxcap");
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, o, &err), LX_OK);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
    /* Never clobbers an existing file. */
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, o, &err),
                     LX_ERR_EXISTS);
    assert_null(w);
    assert_int_equal(err.code, LX_ERR_EXISTS);
    tmp_path(path, sizeof(path), "no/such/dir.lxcap");
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, o, &err),
                     LX_ERR_FILE);
    lx_capture_wopts_free(o);
    assert_int_equal(lx_capture_writer_close(NULL), LX_OK);
    assert_int_equal(lx_capture_writer_write(NULL, NULL), LX_ERR_INVAL);

    /* An empty capture opens and iterates to the end at once. */
    lx__snprintf(path, sizeof(path), "%s/api.lxcap", tmpdir);
    assert_int_equal(lx_capture_open(&r, NULL, path, &err), LX_OK);
    assert_string_equal(lx_capture_reader_meta(r, "label.k"), "2");
    assert_int_equal(lx_capture_reader_next(r, &rec), 0);
    assert_int_equal(lx_capture_reader_next(NULL, &rec), LX_ERR_INVAL);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
    lx_capture_reader_free(NULL);
    assert_int_equal(lx_capture_open(NULL, NULL, path, &err), LX_ERR_INVAL);
}

/* ---- a checked-in version 1 file ---------------------------------------- */

/*
 * A small capture written by an earlier build and checked in: every later
 * reader must still read it the same way (format compatibility).
 */
static void test_format_v1_fixture(void **state)
{
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    struct lx_capture_info info;
    struct lx_capture_error err;
    struct text got = {0};
    int n = 0;

    (void)state;
    if (lx_capture_open(&r, NULL, LX_CAPTURE_FIXTURES "/02-capture.lxcap",
                        &err) != LX_OK) {
        fail_msg("fixture: %s", err.msg);
    }
    lx_capture_reader_info(r, &info);
    assert_int_equal(info.format_version, 1);
    assert_int_equal(info.finalized, 1);
    assert_int_equal(info.records, 10);
    assert_string_equal(info.venue, "binance-spot");
    while (lx_capture_reader_next(r, &rec) == 1) {
        assert_string_equal(rec->venue, "binance-spot");
        render_record(&got, rec);
        n++;
    }
    assert_int_equal(n, 10);
    assert_string_equal(
        got.p,
        "k1 d0 s0 c1 q0 w1000 m10 wss://stream.binance.com:9443/stream tls\n"
        "k3 d0 s0 c1 q1 w1001 m11 v11 GET /stream?streams=btcusdt@depth"
        "[7:Upgrade][9:websocket][0:]\n"
        "k4 d1 s0 c1 q2 w1500 m500 v11 101 Switching Protocols[0:]\n"
        "k5 d1 s0 c1 q3 w2000 m1000 op1[65:{\"stream\":\"btcusdt@depth\","
        "\"data\":{\"u\":0,\"b\":[[\"60000.1\",\"0.5\"]]}}]\n"
        "k5 d1 s0 c1 q4 w2100 m1100 op1[65:{\"stream\":\"btcusdt@depth\","
        "\"data\":{\"u\":1,\"b\":[[\"60001.1\",\"0.5\"]]}}]\n"
        "k5 d1 s0 c1 q5 w2200 m1200 op1[65:{\"stream\":\"btcusdt@depth\","
        "\"data\":{\"u\":2,\"b\":[[\"60002.1\",\"0.5\"]]}}]\n"
        "k5 d1 s0 c1 q6 w2300 m1300 op1[65:{\"stream\":\"btcusdt@depth\","
        "\"data\":{\"u\":3,\"b\":[[\"60003.1\",\"0.5\"]]}}]\n"
        "k5 d1 s0 c1 q7 w2400 m1400 op1[65:{\"stream\":\"btcusdt@depth\","
        "\"data\":{\"u\":4,\"b\":[[\"60004.1\",\"0.5\"]]}}]\n"
        "k6 d0 s0 c1 q7 w3000 m2000 client_order_id[3:abc]\n"
        "k2 d0 s0 c1 q8 w4000 m3000 bye\n");
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
    text_free(&got);
}

/* ---- numeric transform (chunk codecs 1 and 2) --------------------------- */

/* Appends one record of the given kind with payload p[0..n) to b. */
static void xf_add(struct lx__cbuf *b, struct lx__cap_prev *prev, int kind,
                   int op, const void *p, size_t n, uint64_t i)
{
    static const struct lx__cap_bytes hdr[2] = {
        {(const uint8_t *)"Content-Type", 12},
        {(const uint8_t *)"application/json", 16}};
    struct lx__cap_rec r;

    memset(&r, 0, sizeof(r));
    r.kind = kind;
    r.dir = (int)(i & 1) ? LX_TAP_IN : LX_TAP_OUT;
    r.gseq = 2 * i + 1;
    r.seq = i;
    /* Wall times with trailing zeros, some going back; mono close. */
    r.wall_ns = 1723161253937085768LL + (int64_t)(i % 7) * 100000000 -
                (int64_t)(i % 3) * 1000;
    r.mono_ns = r.wall_ns - 5000 + (int64_t)(i % 2);
    r.n1 = kind == LX_CAPTURE_WS_FRAME ? (uint64_t)op : 11;
    r.n2 = 200;
    r.s1.p = (const uint8_t *)"GET";
    r.s1.len = 3;
    r.s2.p = (const uint8_t *)"/api/v3/depth?limit=5000";
    r.s2.len = 24;
    r.s3.p = (const uint8_t *)"binance";
    r.s3.len = 7;
    if (kind == LX_CAPTURE_HTTP_REQUEST || kind == LX_CAPTURE_HTTP_RESPONSE) {
        r.nheaders = 1;
        r.headers = hdr;
    }
    r.data.p = p;
    r.data.len = kind <= LX_CAPTURE_CONN_CLOSE ? 0 : n;
    assert_int_equal(lx__cap_rec_encode(b, &r, prev), LX_OK);
}

/*
 * Transforms b with codec 1 and with codec 2 and back; the bytes must
 * come back exactly. Returns the size of the codec 2 transform compressed
 * at zstd level 3.
 */
static size_t xf_roundtrip(const struct lx__cbuf *b)
{
    struct lx__xform x;
    struct lx__cbuf t;
    uint8_t *back = lx__malloc(NULL, b->len + LX__XFORM_SLACK);
    char msg[96];
    size_t tlen;

    assert_non_null(back);
    lx__xform_init(&x, NULL);
    lx__cbuf_init(&t, NULL);
    assert_int_equal(x.codec, LX__CAP_CODEC_NUM2); /* the default */
    x.codec = LX__CAP_CODEC_NUM;
    assert_int_equal(lx__xform_encode(&x, b->p, b->len, &t), LX_OK);
    if (lx__xform_decode(&x, t.p, t.len, back, b->len, msg, sizeof(msg)) !=
        LX_OK) {
        fail_msg("codec 1 decode: %s", msg);
    }
    assert_memory_equal(back, b->p, b->len);
    x.codec = LX__CAP_CODEC_NUM2;
    t.len = 0;
    assert_int_equal(lx__xform_encode(&x, b->p, b->len, &t), LX_OK);
    if (lx__xform_decode(&x, t.p, t.len, back, b->len, msg, sizeof(msg)) !=
        LX_OK) {
        fail_msg("decode: %s", msg);
    }
    assert_memory_equal(back, b->p, b->len);
    /* One byte less room than the content needs is an error. */
    assert_int_equal(
        lx__xform_decode(&x, t.p, t.len, back, b->len - 1, msg, sizeof(msg)),
        LX_ERR_CORRUPT);
    /* What counts is the compressed size. */
    {
        size_t cap = ZSTD_compressBound(b->len);
        uint8_t *z = lx__malloc(NULL, cap);

        assert_non_null(z);
        tlen = ZSTD_compress(z, cap, t.p, t.len, 3);
        assert_false(ZSTD_isError(tlen));
        lx__free(NULL, z);
    }
    lx__free(NULL, back);
    lx__cbuf_free(&t);
    lx__xform_free(&x);
    return tlen;
}

static void test_xform_roundtrip(void **state)
{
    static const char *const texts[] = {
        "{\"E\":1723161255208,\"p\":\"61837.63000000\",\"q\":\"0.00000000\"}",
        "{\"E\":1723161255308,\"p\":\"61837.64000000\",\"q\":\"1.54698000\"}",
        "-0.5e-10 +7 007 0.0 .5 5. 1..2 1.2.3 00000000000000000000000001",
        ("12345678901234567890123.456789012345678901234567890 "
         "9999999999999999999"),
        "18446744073709551615 18446744073709551616 10000000000000000000",
        "\x01\x01 1\x01 2 \x01",
        "\x00\xff binary 123 \x80\x01\x02 456.789",
        "",
        "9",
        "0.00000000000000000001",
        "[[\"1.0\",\"2.0\"],[\"1.5\",\"0\"],[\"0.5\",\"99999.99999\"]]",
    };
    static const int kinds[] = {
        LX_CAPTURE_WS_FRAME,     LX_CAPTURE_WS_FRAME,
        LX_CAPTURE_HTTP_REQUEST, LX_CAPTURE_HTTP_RESPONSE,
        LX_CAPTURE_ANNOTATION,   LX_CAPTURE_CONN_OPEN,
        LX_CAPTURE_CONN_CLOSE,   LX_CAPTURE_WS_FRAME};
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__cbuf b;
    uint64_t i;

    (void)state;
    lx__cbuf_init(&b, NULL);
    /* Every text under every kind, text and binary frames alike. */
    for (i = 0; i < 40 * LX_ARRAY_LEN(texts); i++) {
        const char *t = texts[i % LX_ARRAY_LEN(texts)];
        size_t n = strlen(t);

        if (i % LX_ARRAY_LEN(texts) == 6) {
            n = 26; /* with its NUL and 0xff bytes */
        }
        xf_add(&b, &prev, kinds[i % LX_ARRAY_LEN(kinds)], (int)(i % 3) * 1, t,
               n, i);
        if (i % 97 == 0) {
            memset(&prev, 0, sizeof(prev)); /* a piece boundary */
        }
    }
    xf_roundtrip(&b);

    /* Seeded random payloads, mostly digits and markers. */
    {
        struct lx_rng rngs, *rng = &rngs;
        uint8_t buf[300];
        size_t k;

        lx_rng_seed(rng, 42);
        for (i = 0; i < 30; i++) {
            b.len = 0;
            memset(&prev, 0, sizeof(prev));
            for (k = 0; k < 50; k++) {
                size_t n = (size_t)lx_rng_below(rng, sizeof(buf)), j;

                for (j = 0; j < n; j++) {
                    static const char alpha[] = "0123456789.-\x01\"";

                    buf[j] = lx_rng_below(rng, 4) == 0
                                 ? (uint8_t)lx_rng_below(rng, 256)
                                 : (uint8_t)alpha[lx_rng_below(rng, 15)];
                }
                xf_add(&b, &prev, kinds[k % LX_ARRAY_LEN(kinds)], 1, buf, n, k);
            }
            xf_roundtrip(&b);
        }
    }
    lx__cbuf_free(&b);
}

/*
 * Numbers of every shape (1..19 digits, every point position) with values
 * at their edges, between text runs of every length up to 40, alone at the
 * end of a payload and of the content (where the decoder cannot write a
 * word at a time) and in long payloads, round-trip exactly.
 */
static void test_xform_numbers(void **state)
{
    uint64_t pw[20];
    static const char filler[] = "\",\"ab\x01[]{}:\"xyzw-+e. \"qrstuvwxyz_ABC";
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx_rng rngs, *rng = &rngs;
    struct lx__cbuf b;
    char txt[16384], num[32];
    unsigned D, F, k;
    uint64_t seq = 0;

    (void)state;
    for (pw[0] = 1, k = 1; k < 20; k++) {
        pw[k] = pw[k - 1] * 10;
    }
    lx_rng_seed(rng, 7);
    lx__cbuf_init(&b, NULL);
    for (D = 1; D <= 19; D++) {
        size_t tl = 0;

        for (F = 0; F < D; F++) {
            for (k = 0; k < 8; k++) {
                uint64_t lim = pw[D], v;
                size_t run = (size_t)lx_rng_below(rng, 41), j, n;

                switch (k) {
                case 0:
                    v = 0;
                    break;
                case 1:
                    v = lim - 1;
                    break;
                case 2:
                    v = pw[F];
                    break;
                case 3:
                    v = pw[D - 1];
                    break;
                case 4:
                    v = (lim - 1) / 9 * 5;
                    break; /* 555...5 */
                case 5:
                    v = pw[D - 1] + pw[F] - (F > 0);
                    break;
                default:
                    v = lx_rng_next(rng) % lim;
                    break;
                }
                /* The digits, with leading zeros, a point before F. */
                for (j = 0, n = D + (F > 0); j < n; j++) {
                    size_t at = n - 1 - j;

                    if (F > 0 && j == F) {
                        num[at] = '.';
                        continue;
                    }
                    num[at] = (char)('0' + v % 10);
                    v /= 10;
                }
                for (j = 0; j < run; j++) {
                    txt[tl++] = filler[j % (sizeof(filler) - 1)];
                }
                memcpy(txt + tl, num, n);
                tl += n;
                /* The number alone: it ends the payload. */
                xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, num, n, seq++);
            }
        }
        /* All of this width's numbers in one payload, then the end. */
        xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, txt, tl, seq++);
        xf_add(&b, &prev, LX_CAPTURE_ANNOTATION, 0, txt, tl / 2, seq++);
    }
    xf_roundtrip(&b);
    /*
     * A transform reused chunk after chunk (as the writer and the reader
     * use theirs) gives the same bytes as a fresh one: nothing of a chunk's
     * contexts or skeletons leaks into the next.
     */
    {
        struct lx__xform used, fresh;
        struct lx__cbuf t1, t2, small;
        uint8_t *back = lx__malloc(NULL, b.len + LX__XFORM_SLACK);
        char msg[96];

        assert_non_null(back);
        lx__xform_init(&used, NULL);
        lx__xform_init(&fresh, NULL);
        lx__cbuf_init(&t1, NULL);
        lx__cbuf_init(&t2, NULL);
        lx__cbuf_init(&small, NULL);
        memset(&prev, 0, sizeof(prev));
        xf_add(&small, &prev, LX_CAPTURE_WS_FRAME, 1, "[\"1.5\",\"7\"]", 11, 1);
        for (k = 0; k < 3; k++) {
            t1.len = 0;
            t2.len = 0;
            assert_int_equal(lx__xform_encode(&used, b.p, b.len, &t1), LX_OK);
            assert_int_equal(lx__xform_encode(&fresh, b.p, b.len, &t2), LX_OK);
            assert_int_equal(t1.len, t2.len);
            assert_memory_equal(t1.p, t2.p, t1.len);
            /* Decoding with the reused one, after other chunks. */
            assert_int_equal(lx__xform_decode(&used, t1.p, t1.len, back, b.len,
                                              msg, sizeof(msg)),
                             LX_OK);
            assert_memory_equal(back, b.p, b.len);
            t1.len = 0;
            assert_int_equal(lx__xform_encode(&used, small.p, small.len, &t1),
                             LX_OK);
            lx__xform_free(&fresh);
            lx__xform_init(&fresh, NULL);
        }
        lx__free(NULL, back);
        lx__cbuf_free(&t1);
        lx__cbuf_free(&t2);
        lx__cbuf_free(&small);
        lx__xform_free(&used);
        lx__xform_free(&fresh);
    }
    /* Trailing zeros and points in every arrangement, each ending it all. */
    {
        static const char *const z[] = {"100.000",
                                        "0.10",
                                        "1.000000000000000000",
                                        "10000000",
                                        "0.0000001",
                                        "12345678.90000000",
                                        "90000000000000000000",
                                        "00000000.00000001",
                                        "5.",
                                        "7.0.0",
                                        "0",
                                        "0.0"};

        for (k = 0; k < LX_ARRAY_LEN(z); k++) {
            b.len = 0;
            memset(&prev, 0, sizeof(prev));
            xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, z[k], strlen(z[k]),
                   seq++);
            xf_roundtrip(&b);
        }
    }
    lx__cbuf_free(&b);
}

/*
 * Calls each(b, arg) on the first 3000 frames of the recording at path,
 * as inbound text frame records, in chunks of up to 256 KiB (each with
 * fresh deltas). False (and a message) if the recording is not there.
 */
static bool sample_chunks(const char *path,
                          void (*each)(const struct lx__cbuf *, void *),
                          void *arg)
{
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__cbuf b;
    size_t len = 0, pos = 0;
    uint8_t *text = NULL;
    uint64_t n = 0;

    if (access(path, R_OK) == 0) {
        text = slurp(path, &len);
    }
    if (text == NULL) {
        print_message("samples not found: %s (skipped)\n", path);
        return false;
    }
    lx__cbuf_init(&b, NULL);
    while (pos < len && n < 3000) {
        uint8_t *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - text) : len;
        uint8_t *sp = memchr(text + pos, ' ', end - pos);

        if (sp != NULL) {
            xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, sp + 1,
                   end - (size_t)(sp + 1 - text), n++);
        }
        pos = end + 1;
        if (b.len >= (256u << 10) || pos >= len || n == 3000) {
            each(&b, arg);
            b.len = 0;
            memset(&prev, 0, sizeof(prev));
        }
    }
    lx__cbuf_free(&b);
    lx__free(NULL, text);
    return true;
}

/* zstd -3 sizes of the records and of their transform, summed. */
struct xf_sizes {
    size_t plain, xf;
};

static void add_sizes(const struct lx__cbuf *b, void *arg)
{
    struct xf_sizes *sz = arg;
    size_t cap = ZSTD_compressBound(b->len);
    uint8_t *z = lx__malloc(NULL, cap);

    assert_non_null(z);
    sz->plain += ZSTD_compress(z, cap, b->p, b->len, 3);
    lx__free(NULL, z);
    sz->xf += xf_roundtrip(b);
}

/* The real recordings round-trip, in chunk-sized pieces, and shrink. */
static void test_xform_samples(void **state)
{
    size_t f;

    (void)state;
    for (f = 0; f < LX_ARRAY_LEN(sample_files); f++) {
        struct xf_sizes sz = {0, 0};

        if (!sample_chunks(sample_files[f], add_sizes, &sz)) {
            continue;
        }
        /* Compressed, the transform is under 0.75 of the records. */
        print_message("%s: zstd -3 of records %zu, of the transform %zu\n",
                      sample_files[f] + strlen(sample_files[f]) - 20, sz.plain,
                      sz.xf);
        assert_true(sz.xf * 4 < sz.plain * 3);
    }
}

/* FNV-1a, 64 bits. */
static uint64_t fnv64(uint64_t h, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

/*
 * The hash of the transform of b with the codec (fresh contexts), which
 * round-trips.
 */
static uint64_t xf_hash(uint64_t h, const struct lx__cbuf *b, int codec)
{
    struct lx__xform x;
    struct lx__cbuf t;

    lx__xform_init(&x, NULL);
    x.codec = codec;
    lx__cbuf_init(&t, NULL);
    assert_int_equal(lx__xform_encode(&x, b->p, b->len, &t), LX_OK);
    h = fnv64(h, t.p, t.len);
    lx__cbuf_free(&t);
    lx__xform_free(&x);
    xf_roundtrip(b);
    return h;
}

/* A running hash of transforms with one codec. */
struct pin_hash {
    uint64_t h;
    int codec;
};

static void add_hash(const struct lx__cbuf *b, void *arg)
{
    struct pin_hash *ph = arg;

    ph->h = xf_hash(ph->h, b, ph->codec);
}

/*
 * The hash of the transform with the codec of the frames (three rounds,
 * so that contexts and skeletons seen before are used) and of the first
 * 3000 frames of each recording, when present, in chunks of 256 KiB;
 * they must be want_frames and want_files.
 */
static void pinned_codec(const char *const *frames, size_t nframes,
                         const char *const *files, size_t nfiles,
                         uint64_t want_frames, const uint64_t *want_files,
                         int codec)
{
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__cbuf b;
    uint64_t h = 0xcbf29ce484222325ull, seq = 0;
    size_t f, i, k;

    lx__cbuf_init(&b, NULL);
    for (k = 0; k < 3; k++) {
        for (i = 0; i < nframes; i++) {
            xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, frames[i],
                   strlen(frames[i]), seq++);
        }
        xf_add(&b, &prev, LX_CAPTURE_HTTP_RESPONSE, 0, frames[k],
               strlen(frames[k]), seq++);
        xf_add(&b, &prev, LX_CAPTURE_ANNOTATION, 0, frames[4],
               strlen(frames[4]), seq++);
    }
    h = xf_hash(h, &b, codec);
    if (h != want_frames) {
        fail_msg("codec %d transform of the frames: hash %016llx", codec,
                 (unsigned long long)h);
    }
    for (f = 0; f < nfiles; f++) {
        struct pin_hash ph = {0xcbf29ce484222325ull, codec};

        if (sample_chunks(files[f], add_hash, &ph) && ph.h != want_files[f]) {
            fail_msg("codec %d transform of %s: hash %016llx", codec, files[f],
                     (unsigned long long)ph.h);
        }
    }
    lx__cbuf_free(&b);
}

/*
 * The transform's bytes are pinned: real frames (and the recordings, when
 * present) give exactly the bytes the first version of codec 1 gave, and
 * those of codec 2, so a faster encoder cannot change the file format
 * unnoticed.
 */
static void test_xform_pinned(void **state)
{
    static const char *const frames[] = {
        "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":"
        "1723161255343,\"s\":\"BTCUSDT\",\"t\":3735683259,\"p\":\"61837."
        "63000000\",\"q\":\"0.02000000\",\"T\":1723161255342,\"m\":true,"
        "\"M\":true}}",
        "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"e\":\"bookTicker\","
        "\"u\":4984028370881,\"s\":\"BTCUSDT\",\"b\":\"63943.90\",\"B\":\"46."
        "371\",\"a\":\"63944.00\",\"A\":\"0.095\",\"T\":1721347022507,\"E\":"
        "1721347022507}}",
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","
        "\"E\":1723161276318,\"s\":\"BTCUSDT\",\"U\":50093247956,\"u\":"
        "50093247956,\"b\":[[\"61828.09000000\",\"3.61811000\"]],\"a\":[]}}",
        "{\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\","
        "\"E\":1721347200508,\"T\":1721347200456,\"s\":\"BTCUSDT\",\"U\":"
        "4984033952965,\"u\":4984033952967,\"pu\":4984033632869,\"b\":[["
        "\"63959.90\",\"20.327\"]],\"a\":[[\"63960.00\",\"5.262\"]]}}",
        /* one literal in two pieces (clang's -Wstring-concatenation) */
        ("{\"b\":[[\"0.00000000\",\"100.000\"],[\"1000000000000000000000\","
         "\"7.0.0\"]],\"x\":\"\x01\",\"y\":12345678901234567890.5,\"z\":0}"),
    };
    /* [codec 1, codec 2] */
    static const uint64_t want_frames[2] = {0x6887b020345935a1ull,
                                            0x91b21c4488e5e693ull};
    static const uint64_t want_files[2][2] = {
        {0xeb19c301594b88e3ull, 0x19dc3ee690684e13ull},
        {0x9a0d59e7416997b8ull, 0x5fdfd7b4c3728addull}};
    int c;

    (void)state;
    for (c = 0; c < 2; c++) {
        pinned_codec(frames, LX_ARRAY_LEN(frames), sample_files,
                     LX_ARRAY_LEN(sample_files), want_frames[c], want_files[c],
                     c + 1);
    }
}

/*
 * Numbers at the very end of a chunk, read from a buffer of exactly the
 * chunk's size (so that valgrind sees any read past it), in every shape
 * the word-at-a-time reader takes or leaves, round-trip.
 */
static void test_xform_number_at_end(void **state)
{
    static const char *const nums[] = {
        "123456789012345.12345678",
        "12345678901.12345678",
        "123456789012.12345678",
        "999999999999999",
        "1234567890123456",
        "61828.09000000",
        "0.00000000",
        "1.00000000",
        "100000000.000",
        "7",
    };
    static const char filler[] = "{\"p\":\"x\",\"q\":[\"";
    size_t i, k;

    (void)state;
    for (i = 0; i < LX_ARRAY_LEN(nums); i++) {
        for (k = 0; k < sizeof(filler); k++) {
            struct lx__cap_prev prev = {0, 0, 0, 0};
            struct lx__cbuf b;
            char text[80];
            uint8_t *exact;
            size_t n = k;

            memcpy(text, filler, k);
            memcpy(text + n, nums[i], strlen(nums[i]));
            n += strlen(nums[i]);
            lx__cbuf_init(&b, NULL);
            xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, text, n, 1);
            exact = lx__malloc(NULL, b.len);
            assert_non_null(exact);
            memcpy(exact, b.p, b.len);
            lx__free(NULL, b.p);
            b.p = exact;
            b.cap = b.len;
            xf_roundtrip(&b);
            lx__cbuf_free(&b);
        }
    }
}

/* Damaged transforms are errors, never crashes or overruns. */
static void test_xform_corrupt(void **state)
{
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__xform x;
    struct lx__cbuf b, t;
    uint8_t *back, *bad;
    char msg[96];
    size_t i;
    int rc, c;

    (void)state;
    lx__cbuf_init(&b, NULL);
    lx__cbuf_init(&t, NULL);
    lx__xform_init(&x, NULL);
    for (i = 0; i < 20; i++) {
        static const char j[] = "{\"u\":50093239189,\"b\":[[\"61737.63000000\","
                                "\"0.00000000\"]],\"x\":\"\x01\"}";

        xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, j, sizeof(j) - 1, i);
    }
    back = lx__malloc(NULL, b.len + LX__XFORM_SLACK);
    bad = lx__malloc(NULL, 4 * b.len);
    assert_non_null(back);
    assert_non_null(bad);
    for (c = LX__CAP_CODEC_NUM; c <= LX__CAP_CODEC_NUM2; c++) {
        x.codec = c;
        t.len = 0;
        assert_int_equal(lx__xform_encode(&x, b.p, b.len, &t), LX_OK);
        assert_true(t.len <= 4 * b.len);
        for (i = 0; i < t.len; i++) {
            /* Every truncation is an error. */
            assert_int_equal(
                lx__xform_decode(&x, t.p, i, back, b.len, msg, sizeof(msg)),
                LX_ERR_CORRUPT);
            assert_true(msg[0] != '\0');
            /* Every byte changed decodes or is an error (zstd's checksum
             * catches it in a file). */
            memcpy(bad, t.p, t.len);
            bad[i] ^= (uint8_t)(1u << (i % 8));
            rc =
                lx__xform_decode(&x, bad, t.len, back, b.len, msg, sizeof(msg));
            assert_true(rc == LX_OK || rc == LX_ERR_CORRUPT);
            bad[i] = 0xff;
            rc =
                lx__xform_decode(&x, bad, t.len, back, b.len, msg, sizeof(msg));
            assert_true(rc == LX_OK || rc == LX_ERR_CORRUPT);
        }
    }
    /* Content that is not canonical record encoding is declined. */
    {
        static const uint8_t longform[] = {0x86, 0x00, 5, 0, 2, 2, 2, 0, 1};

        assert_int_equal(lx__xform_encode(&x, longform, sizeof(longform), &t),
                         1);
        assert_int_equal(lx__xform_encode(&x, longform, 3, &t), 1);
    }
    lx__free(NULL, back);
    lx__free(NULL, bad);
    lx__cbuf_free(&b);
    lx__cbuf_free(&t);
    lx__xform_free(&x);
}

/* Decodes a codec 2 transform t of b; it must fail saying what. */
static void xf2_fails(const struct lx__cbuf *b, const uint8_t *t, size_t n,
                      const char *what)
{
    struct lx__xform x;
    uint8_t *back = lx__malloc(NULL, b->len + LX__XFORM_SLACK);
    char msg[96];

    assert_non_null(back);
    lx__xform_init(&x, NULL);
    assert_int_equal(lx__xform_decode(&x, t, n, back, b->len, msg, sizeof(msg)),
                     LX_ERR_CORRUPT);
    if (strstr(msg, what) == NULL) {
        fail_msg("want \"%s\", got \"%s\"", what, msg);
    }
    lx__xform_free(&x);
    lx__free(NULL, back);
}

/*
 * Codec 2's own checks, on the transform of one frame with one number (7,
 * in class 0): a shape byte of 180 or more (a number's, a wall time's), a
 * value whose top byte is 0, more than 32 classes, a stream with a byte
 * left over, a number stream that ends early.
 */
static void test_xform2_corrupt(void **state)
{
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__xform x;
    struct lx__cbuf b, t;
    uint64_t v, len[4], ncls, sl[2 * LX__XFORM_NPL];
    size_t pos = 0, k, i, body, s0, top;
    uint8_t bad[256];

    (void)state;
    lx__cbuf_init(&b, NULL);
    lx__cbuf_init(&t, NULL);
    lx__xform_init(&x, NULL);
    xf_add(&b, &prev, LX_CAPTURE_WS_FRAME, 1, "{\"a\":7}", 7, 0);
    assert_int_equal(lx__xform_encode(&x, b.p, b.len, &t), LX_OK);
    assert_true(t.len < sizeof(bad));
    /* nrec, H S K R lengths, ncls, then (ncls + 1) * 9 stream lengths,
     * stored plane by plane: wall time then class 0 in each. */
    k = lx__cap_get_uvarint(t.p, t.len, &v);
    assert_int_equal(v, 1);
    pos = k;
    for (i = 0; i < 4; i++) {
        pos += lx__cap_get_uvarint(t.p + pos, t.len - pos, &len[i]);
    }
    pos += lx__cap_get_uvarint(t.p + pos, t.len - pos, &ncls);
    assert_int_equal(ncls, 1);
    for (i = 0; i < 2 * LX__XFORM_NPL; i++) {
        pos += lx__cap_get_uvarint(t.p + pos, t.len - pos, &sl[i]);
    }
    body = pos + (size_t)(len[0] + len[1] + len[2] + len[3]);
    /* Class 0's shape byte (7 is the delta 14 from 0: one byte, no
     * zeros) is stored second, its top byte of one-byte values 12th. */
    assert_int_equal(sl[1], 1);
    assert_int_equal(sl[11], 1);
    s0 = body + (size_t)sl[0];
    for (top = body, i = 0; i < 11; i++) {
        top += (size_t)sl[i];
    }
    assert_int_equal(t.p[s0], 20); /* t 0 + 20 * L 1 */
    assert_int_equal(t.p[top], 14);

    memcpy(bad, t.p, t.len);
    bad[s0] = 180;
    xf2_fails(&b, bad, t.len, "bad number shape");
    memcpy(bad, t.p, t.len);
    bad[top] = 0;
    xf2_fails(&b, bad, t.len, "zero top byte");
    memcpy(bad, t.p, t.len);
    bad[s0] = 40; /* L 2: a second byte the streams do not have */
    xf2_fails(&b, bad, t.len, "number stream truncated");
    memcpy(bad, t.p, t.len);
    bad[s0] = 0; /* L 0: the top byte is left over */
    xf2_fails(&b, bad, t.len, "number stream not used up");
    memcpy(bad, t.p, t.len);
    bad[k + 4] = 33; /* ncls: its byte follows nrec and four 1-byte lengths */
    assert_true(len[0] < 128 && len[1] < 128 && len[2] < 128 && len[3] < 128);
    xf2_fails(&b, bad, t.len, "too many number classes");
    /* The wall time streams: the first time is 8 bytes; as 9 it would
     * need a byte there is not, and no shape says 10. */
    memcpy(bad, t.p, t.len);
    assert_int_equal(sl[0], 1);
    assert_int_equal(bad[body] / 20, 8);
    bad[body] = (uint8_t)(bad[body] + 20);
    xf2_fails(&b, bad, t.len, "bad number shape");
    lx__cbuf_free(&b);
    lx__cbuf_free(&t);
    lx__xform_free(&x);
}

/* A generated session plus JSON frames with numbers, interleaved. */
static void xf_write(const char *path, struct gen *g,
                     const struct lx_capture_wopts *o)
{
    struct lx_capture_writer *w = NULL;

    gen_init(g, 7);
    assert_int_equal(lx_capture_writer_open(&w, NULL, path, o, NULL), LX_OK);
    write_frames(w, 0, 1500);
    assert_int_equal(gen_session(w, g, 200), LX_OK);
    write_frames(w, 1500, 1500);
    assert_int_equal(lx_capture_writer_close(w), LX_OK);
    text_free(&g->expect);
}

/*
 * A file written with the transform holds codec 2 chunks (version 3), one
 * written without holds codec 0 chunks, and both read back the same
 * records; codec 2 in a version 2 file is an unknown codec.
 */
static void test_xform_file(void **state)
{
    struct text a = {0}, b = {0};
    char p1[300], p2[300];
    struct gen g;
    struct lx_capture_reader *r = NULL;
    struct lx_capture_wopts *o = small_chunks();

    (void)state;
    tmp_path(p1, sizeof(p1), "xform-on.lxcap");
    tmp_path(p2, sizeof(p2), "xform-off.lxcap");
    xf_write(p1, &g, o);
    assert_int_equal(lx__capture_wopts_set_xform(o, false), LX_OK);
    xf_write(p2, &g, o);
    lx_capture_wopts_free(o);
    assert_int_equal(sql_int(p1, "PRAGMA user_version"), 3);
    assert_true(sql_int(p1, "SELECT count(*) FROM chunks WHERE codec = 2") > 0);
    assert_int_equal(
        sql_int(p1, "SELECT count(*) FROM chunks WHERE codec NOT IN (0, 2)"),
        0);
    assert_int_equal(
        sql_int(p2, "SELECT count(*) FROM chunks WHERE codec != 0"), 0);
    assert_int_equal(lx_capture_open(&r, NULL, p1, NULL), LX_OK);
    read_all(r, &a);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
    assert_int_equal(lx_capture_open(&r, NULL, p2, NULL), LX_OK);
    read_all(r, &b);
    lx_capture_reader_free(r);
    assert_text_equal(&a, &b);
    /* Codec 2 came with version 3. */
    sql_on(p1, "PRAGMA user_version = 2");
    assert_int_equal(lx_capture_open(&r, NULL, p1, NULL), LX_OK);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_ERR_CORRUPT);
    assert_non_null(strstr(lx_capture_reader_error(r)->msg, "unknown codec"));
    lx_capture_reader_free(r);
    sql_on(p1, "PRAGMA user_version = 3");
    /* An unknown codec is a corrupt chunk, named. */
    sql_on(p1, "UPDATE chunks SET codec = 7 WHERE id = (SELECT min(id) FROM"
               " chunks WHERE codec = 2)");
    assert_int_equal(lx_capture_open(&r, NULL, p1, NULL), LX_OK);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_ERR_CORRUPT);
    assert_non_null(strstr(lx_capture_reader_error(r)->msg, "unknown codec"));
    lx_capture_reader_free(r);
    text_free(&a);
    text_free(&b);
}

/*
 * fixtures/capture/binance-v2.lxcap: a version 2 file (codec 1 chunk) of
 * the first 300 frames of the spot sample; see fixtures/capture/README.md.
 */
static void test_format_v2_fixture(void **state)
{
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    struct lx_capture_info info;
    uint64_t h = 0xcbf29ce484222325ull, frames = 0;
    size_t i;

    (void)state;
    assert_int_equal(lx_capture_open(&r, NULL,
                                     LX_CAPTURE_FIXTURES
                                     "/../../capture/binance-v2.lxcap",
                                     NULL),
                     LX_OK);
    lx_capture_reader_info(r, &info);
    assert_int_equal(info.format_version, 2);
    assert_int_equal(info.records, 302);
    while (lx_capture_reader_next(r, &rec) == 1) {
        if (rec->kind != LX_CAPTURE_WS_FRAME) {
            continue;
        }
        /* FNV-1a over the payloads, each followed by LF. */
        for (i = 0; i <= rec->len; i++) {
            h ^= i < rec->len ? rec->data[i] : '\n';
            h *= 0x100000001b3ull;
        }
        frames++;
    }
    assert_int_equal(frames, 300);
    assert_true(h == 0xc8a2ec05eba45835ull);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
}

/* ---- read-ahead --------------------------------------------------------- */

/*
 * Every step of an iteration: each record (with its chunk id) and each
 * error (code, chunk id, message), in order, to the end. LX_ERR_NOMEM
 * results are counted in *nomem and left out when nomem is not NULL
 * (the retry then continues with the same chunk).
 */
static void trace_all(struct lx_capture_reader *r, struct text *t,
                      size_t *nomem)
{
    const struct lx_capture_record *rec;
    size_t guard = 0;
    int rc;

    while ((rc = lx_capture_reader_next(r, &rec)) != 0 && guard++ < 200000) {
        const struct lx_capture_error *e = lx_capture_reader_error(r);

        if (rc == 1) {
            text_fmt(t, "@%lld ", (long long)rec->chunk_id);
            render_record(t, rec);
        } else if (rc == LX_ERR_NOMEM && nomem != NULL) {
            (*nomem)++;
        } else {
            text_fmt(t, "error %d chunk %lld: %s\n", rc, (long long)e->chunk_id,
                     e->msg);
        }
    }
    text_fmt(t, "end %d\n", rc);
}

/* Opens path (or the image) with `ahead` chunks of read-ahead. */
static struct lx_capture_reader *open_ra(const char *path, const uint8_t *img,
                                         size_t len, unsigned ahead)
{
    struct lx_capture_reader *r = NULL;

    if (img != NULL) {
        assert_int_equal(lx_capture_open_mem(&r, NULL, img, len, NULL), LX_OK);
    } else {
        assert_int_equal(lx_capture_open(&r, NULL, path, NULL), LX_OK);
    }
    assert_int_equal(lx_capture_reader_set_readahead(r, ahead), LX_OK);
    return r;
}

/* The trace of a whole file with read-ahead `ahead`. */
static void trace_file(const char *path, unsigned ahead, struct text *t)
{
    struct lx_capture_reader *r = open_ra(path, NULL, 0, ahead);

    trace_all(r, t, NULL);
    lx_capture_reader_free(r);
}

/* The file reads the same with read-ahead 1, 2, 4 and 64 as without. */
static void check_same(const char *path)
{
    static const unsigned depth[] = {1, 2, 4, 64};
    struct text want = {0};
    size_t i;

    trace_file(path, 0, &want);
    for (i = 0; i < LX_ARRAY_LEN(depth); i++) {
        struct text got = {0};

        trace_file(path, depth[i], &got);
        assert_text_equal(&got, &want);
        text_free(&got);
    }
    text_free(&want);
}

static void test_readahead_same(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    struct text got = {0};
    struct gen g;
    char path[300];
    uint8_t *img;
    size_t len;

    (void)state;
    tmp_path(path, sizeof(path), "ra.lxcap");
    write_recording(path, 3000, &g, o);
    lx_capture_wopts_free(o);
    assert_true(sql_int(path, "SELECT count(*) FROM chunks") > 50);
    r = open_ra(path, NULL, 0, 4);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);
    /* Again after a rewind, and after the end. */
    assert_int_equal(lx_capture_reader_rewind(r), LX_OK);
    text_free(&got);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);
    assert_int_equal(read_all(r, NULL), 0);
    lx_capture_reader_free(r);
    text_free(&got);
    check_same(path);
    /* An image in memory. */
    img = slurp(path, &len);
    r = open_ra(NULL, img, len, 3);
    assert_int_equal(read_all(r, &got), g.count);
    assert_text_equal(&got, &g.expect);
    lx_capture_reader_free(r);
    text_free(&got);
    lx__free(NULL, img);
    text_free(&g.expect);
    /* A dictionary, and big chunks (few, with a deep queue). */
    o = small_chunks();
    assert_int_equal(lx_capture_wopts_set_dict(o, 8192), LX_OK);
    assert_int_equal(lx_capture_wopts_set_commit(o, INT64_MAX, 1 << 20), LX_OK);
    assert_int_equal(lx_capture_wopts_set_chunk_limits(o, 1 << 20, 100), LX_OK);
    tmp_path(path, sizeof(path), "ra-dict.lxcap");
    write_recording(path, 3000, &g, o);
    lx_capture_wopts_free(o);
    text_free(&g.expect);
    check_same(path);
    /* The version 1 fixture. */
    if (access(LX_CAPTURE_FIXTURES "/02-capture.lxcap", R_OK) == 0) {
        check_same(LX_CAPTURE_FIXTURES "/02-capture.lxcap");
    }
}

/* Filters and seeks with read-ahead, and filters changed mid-iteration. */
static void test_readahead_filters(void **state)
{
    static struct flat all[8000];
    struct lx_capture_wopts *o = small_chunks();
    struct lx_capture_reader *r = NULL;
    struct lx_capture_info info;
    struct text a = {0}, b = {0};
    struct gen g;
    char path[300];
    size_t nall, k;
    int64_t s1[] = {3}, s2[] = {1, 4}, mid;
    unsigned ahead;

    (void)state;
    tmp_path(path, sizeof(path), "ra-filters.lxcap");
    assert_int_equal(lx_capture_wopts_set_chunk_span(o, 100000000), LX_OK);
    write_recording(path, 4000, &g, o);
    lx_capture_wopts_free(o);
    text_free(&g.expect);
    r = open_ra(path, NULL, 0, 0);
    nall = flatten(r, all, LX_ARRAY_LEN(all));
    assert_int_equal(nall, g.count);
    lx_capture_reader_info(r, &info);
    mid = info.first_wall_ns + (info.last_wall_ns - info.first_wall_ns) / 2;
    assert_int_equal(lx_capture_reader_set_readahead(r, 3), LX_OK);
    check_filter(r, all, nall, NULL, 0, 0, INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, s1, 1, 0, INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, s2, 2, 0, INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, NULL, 0,
                 LX_CAPTURE_KIND_BIT(LX_CAPTURE_HTTP_REQUEST) |
                     LX_CAPTURE_KIND_BIT(LX_CAPTURE_CONN_CLOSE),
                 INT64_MIN, INT64_MAX);
    check_filter(r, all, nall, NULL, 0, 0, mid, mid + 500000000);
    check_filter(r, all, nall, s1, 1, 0, mid, mid + 50000000);
    check_filter(r, all, nall, s2, 2, LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME),
                 mid, INT64_MAX);
    check_filter(r, all, nall, NULL, 0, 0, info.last_wall_ns + 1, INT64_MAX);
    lx_capture_reader_free(r);

    /*
     * Filters set during an iteration take effect at the next seek, with
     * and without read-ahead: the same records either way.
     */
    for (ahead = 0; ahead <= 4; ahead += 4) {
        struct text *t = ahead == 0 ? &a : &b;
        const struct lx_capture_record *rec;

        r = open_ra(path, NULL, 0, ahead);
        lx_capture_reader_set_kinds(r,
                                    LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME));
        assert_int_equal(lx_capture_reader_add_stream(r, 3), LX_OK);
        assert_int_equal(lx_capture_reader_rewind(r), LX_OK);
        for (k = 0; k < 100; k++) {
            assert_int_equal(lx_capture_reader_next(r, &rec), 1);
            assert_int_equal(rec->kind, LX_CAPTURE_WS_FRAME);
            assert_int_equal(rec->stream_id, 3);
            render_record(t, rec);
        }
        lx_capture_reader_set_kinds(r, 0);
        lx_capture_reader_clear_streams(r);
        assert_int_equal(lx_capture_reader_add_stream(r, 1), LX_OK);
        while (lx_capture_reader_next(r, &rec) == 1) {
            assert_int_equal(rec->kind, LX_CAPTURE_WS_FRAME);
            assert_int_equal(rec->stream_id, 3);
            render_record(t, rec);
        }
        /* Now they apply. */
        assert_int_equal(lx_capture_reader_rewind(r), LX_OK);
        trace_all(r, t, NULL);
        lx_capture_reader_free(r);
    }
    assert_text_equal(&a, &b);
    text_free(&a);
    text_free(&b);
}

/*
 * Damages a copy of src as sql says, checks that its trace holds expect
 * (if not NULL), and that it reads the same with read-ahead.
 */
static void check_damaged(const char *src, const char *sql, const char *expect)
{
    struct text want = {0};
    char path[300];

    tmp_path(path, sizeof(path), "ra-bad.lxcap");
    copy_file(src, path);
    sql_on(path, sql);
    trace_file(path, 0, &want);
    if (expect != NULL) {
        assert_true(contains((const uint8_t *)want.p, want.len, expect,
                             strlen(expect)));
    }
    check_same(path);
    text_free(&want);
    unlink(path);
}

#define FLIP(id)                                                               \
    "UPDATE chunks SET data = substr(data, 1, length(data) / 2) || "           \
    "CAST(X'5A' AS BLOB) || substr(data, length(data) / 2 + 2) WHERE id = " id

/*
 * Damaged files: the same records and the same errors (code, chunk id,
 * message) at the same places with read-ahead as without.
 */
static void test_readahead_corrupt(void **state)
{
    struct lx_capture_wopts *o = small_chunks();
    struct lx_rng rng;
    struct gen g;
    char path[300], dict[300], bad[300];
    uint8_t *img;
    size_t len, round;

    (void)state;
    tmp_path(path, sizeof(path), "ra-whole.lxcap");
    write_recording(path, 1500, &g, o);
    text_free(&g.expect);
    lx_capture_wopts_free(o);
    check_damaged(path, FLIP("7"), "error -60 chunk 7: chunk 7: ");
    check_damaged(path, FLIP("3") ";" FLIP("4") ";" FLIP("40"),
                  "error -60 chunk 40: chunk 40: ");
    check_damaged(path, "UPDATE chunks SET stream_id = 999 WHERE id = 5",
                  "chunk 5: belongs to no stream");
    check_damaged(path, "UPDATE chunks SET nrecords = 0 WHERE id = 9",
                  "chunk 9: is empty");
    check_damaged(path,
                  "UPDATE chunks SET nrecords = nrecords + 1 WHERE id = 11",
                  "chunk 11: record count does not match its row");
    check_damaged(path,
                  "UPDATE chunks SET raw_size = raw_size + 1 WHERE id = 6",
                  "error -60 chunk 6: ");
    check_damaged(path, "UPDATE chunks SET codec = 7 WHERE id = 12",
                  "chunk 12: has an unknown codec");
    check_damaged(path, "UPDATE chunks SET data = X'00' WHERE id = 2",
                  "chunk 2: not one checksummed zstd frame");
    /* The last chunks, and every chunk. */
    check_damaged(path, FLIP("(SELECT max(id) FROM chunks)"), NULL);
    check_damaged(path, "UPDATE chunks SET nrecords = 0", NULL);

    /* A dictionary that is missing. */
    o = small_chunks();
    assert_int_equal(lx_capture_wopts_set_dict(o, 4096), LX_OK);
    assert_int_equal(lx_capture_wopts_set_commit(o, INT64_MAX, 1 << 20), LX_OK);
    tmp_path(dict, sizeof(dict), "ra-dict2.lxcap");
    write_recording(dict, 1500, &g, o);
    lx_capture_wopts_free(o);
    text_free(&g.expect);
    assert_true(
        sql_int(dict, "SELECT count(*) FROM chunks WHERE dict_id != 0") > 0);
    check_damaged(dict, "DELETE FROM dicts", "names a missing dictionary");

    /* Truncated files and random flips (SQLite errors mid-query too). */
    img = slurp(path, &len);
    lx_rng_seed(&rng, 7);
    tmp_path(bad, sizeof(bad), "ra-cut.lxcap");
    for (round = 0; round < 30; round++) {
        struct lx_capture_reader *r = NULL;
        uint8_t *copy = lx__memdup(NULL, img, len);
        size_t n = len, k;
        FILE *f = fopen(bad, "wb");

        assert_non_null(f);
        if (round < 10) {
            n = len * (round + 1) / 11;
        } else {
            for (k = 0; k < 1 + round % 5; k++) {
                copy[len / 3 + lx_rng_below(&rng, len - len / 3)] ^=
                    (uint8_t)(1 + lx_rng_below(&rng, 255));
            }
        }
        assert_int_equal(fwrite(copy, 1, n, f), n);
        fclose(f);
        lx__free(NULL, copy);
        if (lx_capture_open(&r, NULL, bad, NULL) == LX_OK) {
            lx_capture_reader_free(r);
            check_same(bad);
        }
        unlink(bad);
    }
    lx__free(NULL, img);
}

/*
 * The lifecycle: free with the worker running (after one record, with a
 * full queue, right after enabling, after an error), seek, verify and
 * depth changes mid-iteration (the same records as without read-ahead).
 */
static void script(const char *path, unsigned ahead, struct text *t)
{
    struct lx_capture_reader *r = open_ra(path, NULL, 0, ahead);
    const struct lx_capture_record *rec;
    struct lx_capture_info info;
    uint64_t bad = 0;
    int k;

    lx_capture_reader_info(r, &info);
    for (k = 0; k < 200; k++) {
        assert_int_equal(lx_capture_reader_next(r, &rec), 1);
        render_record(t, rec);
    }
    /* A seek mid-iteration: the queue is dropped. */
    assert_int_equal(
        lx_capture_reader_seek(r,
                               info.first_wall_ns +
                                   (info.last_wall_ns - info.first_wall_ns) / 2,
                               INT64_MAX),
        LX_OK);
    for (k = 0; k < 300; k++) {
        assert_int_equal(lx_capture_reader_next(r, &rec), 1);
        render_record(t, rec);
    }
    /* verify mid-iteration: the iteration goes on where it was. */
    assert_int_equal(lx_capture_reader_verify(r, &bad), LX_OK);
    for (k = 0; k < 300; k++) {
        assert_int_equal(lx_capture_reader_next(r, &rec), 1);
        render_record(t, rec);
    }
    /* Depth changes: off (the queue is still returned), then on again. */
    assert_int_equal(lx_capture_reader_set_readahead(r, 0), LX_OK);
    for (k = 0; k < 300; k++) {
        assert_int_equal(lx_capture_reader_next(r, &rec), 1);
        render_record(t, rec);
    }
    assert_int_equal(lx_capture_reader_set_readahead(r, 2), LX_OK);
    trace_all(r, t, NULL);
    assert_int_equal(lx_capture_reader_rewind(r), LX_OK);
    trace_all(r, t, NULL);
    lx_capture_reader_free(r);
}

static void test_readahead_lifecycle(void **state)
{
    const struct lx_capture_record *rec;
    struct lx_capture_reader *r = NULL;
    struct lx_capture_wopts *o = small_chunks();
    struct text a = {0}, b = {0};
    struct gen g;
    char path[300], bad[300];
    int rc;

    (void)state;
    tmp_path(path, sizeof(path), "ra-life.lxcap");
    write_recording(path, 3000, &g, o);
    lx_capture_wopts_free(o);
    text_free(&g.expect);
    script(path, 0, &a);
    script(path, 4, &b);
    assert_text_equal(&a, &b);
    text_free(&b);
    script(path, 1, &b);
    assert_text_equal(&a, &b);
    text_free(&a);
    text_free(&b);

    /* Free right after enabling, and before and after the first record. */
    r = open_ra(path, NULL, 0, 4);
    lx_capture_reader_free(r);
    r = open_ra(path, NULL, 0, 64);
    assert_int_equal(lx_capture_reader_next(r, &rec), 1);
    usleep(20000); /* the queue fills: the worker waits for room */
    lx_capture_reader_free(r);
    /* Enabled after the iteration started; free at the end. */
    r = open_ra(path, NULL, 0, 0);
    assert_int_equal(lx_capture_reader_next(r, &rec), 1);
    assert_int_equal(lx_capture_reader_set_readahead(r, 4), LX_OK);
    assert_int_equal(read_all(r, NULL), g.count - 1);
    lx_capture_reader_free(r);
    /* Free after an error, with chunks queued behind it. */
    tmp_path(bad, sizeof(bad), "ra-life-bad.lxcap");
    copy_file(path, bad);
    sql_on(bad, FLIP("5"));
    r = open_ra(bad, NULL, 0, 8);
    while ((rc = lx_capture_reader_next(r, &rec)) == 1) {
    }
    assert_int_equal(rc, LX_ERR_CORRUPT);
    assert_int_equal(lx_capture_reader_error(r)->chunk_id, 5);
    lx_capture_reader_free(r);
    unlink(bad);
    /* Argument errors. */
    r = open_ra(path, NULL, 0, 0);
    assert_int_equal(lx_capture_reader_set_readahead(r, 65), LX_ERR_RANGE);
    assert_int_equal(lx_capture_reader_set_readahead(NULL, 1), LX_ERR_INVAL);
    assert_int_equal(lx_capture_reader_set_readahead(r, 64), LX_OK);
    assert_int_equal(lx_capture_reader_set_readahead(r, 0), LX_OK);
    assert_int_equal(read_all(r, NULL), g.count);
    lx_capture_reader_free(r);
}

/* A thread-safe allocator that fails every period-th allocation. */
struct ra_failing {
    struct lx_mem mem;
    pthread_mutex_t mu;
    unsigned long n;
    unsigned long period;
    unsigned long failed;
    long live;
};

static void *raf_alloc(struct ra_failing *f, void *p, size_t k, size_t n,
                       int how)
{
    void *q = NULL;
    bool fail;

    pthread_mutex_lock(&f->mu);
    fail = ++f->n % f->period == 0;
    f->failed += fail;
    pthread_mutex_unlock(&f->mu);
    if (fail) {
        return NULL;
    }
    q = how == 0   ? lx__malloc(NULL, n)
        : how == 1 ? lx__calloc(NULL, k, n)
                   : lx__realloc(NULL, p, n);
    if (q != NULL && p == NULL) {
        pthread_mutex_lock(&f->mu);
        f->live++;
        pthread_mutex_unlock(&f->mu);
    }
    return q;
}

static void *raf_malloc(size_t n, void *ud)
{
    return raf_alloc(ud, NULL, 1, n, 0);
}

static void *raf_calloc(size_t k, size_t n, void *ud)
{
    return raf_alloc(ud, NULL, k, n, 1);
}

static void *raf_realloc(void *p, size_t n, void *ud)
{
    return raf_alloc(ud, p, 1, n, 2);
}

static void raf_free(void *p, void *ud)
{
    struct ra_failing *f = ud;

    if (p != NULL) {
        pthread_mutex_lock(&f->mu);
        f->live--;
        pthread_mutex_unlock(&f->mu);
        lx__free(NULL, p);
    }
}

/*
 * The worker runs out of memory now and then: next returns LX_ERR_NOMEM
 * and, called again, goes on with the same chunk; apart from those, the
 * same records and errors as without read-ahead.
 */
static void test_readahead_nomem(void **state)
{
    static const unsigned long periods[] = {2, 3, 5, 11};
    struct lx_capture_wopts *o = small_chunks();
    struct text want = {0};
    struct gen g;
    char path[300];
    size_t i;

    (void)state;
    tmp_path(path, sizeof(path), "ra-nomem.lxcap");
    write_recording(path, 1500, &g, o);
    lx_capture_wopts_free(o);
    text_free(&g.expect);
    sql_on(path, FLIP("8"));
    trace_file(path, 0, &want);
    for (i = 0; i < LX_ARRAY_LEN(periods); i++) {
        struct ra_failing f;
        struct lx_capture_reader *r = open_ra(path, NULL, 0, 3);
        struct text got = {0};
        size_t nomem = 0;

        memset(&f, 0, sizeof(f));
        f.mem.ud = &f;
        f.mem.malloc = raf_malloc;
        f.mem.calloc = raf_calloc;
        f.mem.realloc = raf_realloc;
        f.mem.free = raf_free;
        f.period = periods[i];
        assert_int_equal(pthread_mutex_init(&f.mu, NULL), 0);
        assert_int_equal(lx__capture_reader_set_ra_mem(r, &f.mem), LX_OK);
        trace_all(r, &got, &nomem);
        assert_text_equal(&got, &want);
        assert_true(nomem > 0 && f.failed > 0);
        /* Too late once it ran. */
        assert_int_equal(lx__capture_reader_set_ra_mem(r, lx_mem_default()),
                         LX_ERR_STATE);
        lx_capture_reader_free(r);
        assert_int_equal(f.live, 0);
        pthread_mutex_destroy(&f.mu);
        text_free(&got);
    }
    text_free(&want);
}

/* ---- failmalloc --------------------------------------------------------- */

static int scenario_write(const struct lx_mem *mem, void *ud)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_writer *w = NULL;
    struct lx_ctx *ctx = NULL;
    const char *path = ud;
    struct gen g;
    int rc;

    tmp_path((char *)path, 300, "failmalloc.lxcap");
    gen_init(&g, 1);
    rc = lx_ctx_new(&ctx, mem);
    if (rc == LX_OK) {
        rc = lx_capture_wopts_new(&o, ctx);
    }
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_dict(o, 2048);
    }
    if (rc == LX_OK) {
        rc = lx_capture_wopts_add_label(o, "a", "b");
    }
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_chunk_limits(o, 4096, 5);
    }
    if (rc == LX_OK) {
        rc = lx_capture_writer_open(&w, ctx, path, o, NULL);
    }
    if (rc == LX_OK) {
        rc = gen_session(w, &g, 40);
        if (rc == LX_OK) {
            rc = lx_capture_writer_annotate(w, 0, 2, 1, 1, "t", "x", 1);
        }
        {
            int c = lx_capture_writer_close(w);

            rc = rc != LX_OK ? rc : c;
        }
    }
    lx_capture_wopts_free(o);
    lx_ctx_free(ctx);
    text_free(&g.expect);
    return rc;
}

static int scenario_read(const struct lx_mem *mem, void *ud)
{
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    struct lx_ctx *ctx = NULL;
    int rc = lx_ctx_new(&ctx, mem), n = 0;

    if (rc == LX_OK) {
        rc = lx_capture_open(&r, ctx, ud, NULL);
    }
    if (rc == LX_OK) {
        rc = lx_capture_reader_add_stream(r, 3);
        rc = rc == LX_OK ? lx_capture_reader_add_stream(r, 2) : rc;
        rc = rc == LX_OK ? lx_capture_reader_rewind(r) : rc;
        while (rc == LX_OK && (n = lx_capture_reader_next(r, &rec)) == 1) {
        }
        rc = rc == LX_OK && n < 0 ? n : rc;
        rc = rc == LX_OK ? lx_capture_reader_verify(r, NULL) : rc;
        lx_capture_reader_free(r);
    }
    lx_ctx_free(ctx);
    return rc;
}

/* scenario_read with read-ahead (the worker allocates with libc). */
static int scenario_read_ra(const struct lx_mem *mem, void *ud)
{
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    struct lx_ctx *ctx = NULL;
    int rc = lx_ctx_new(&ctx, mem), n = 0, k = 0;

    if (rc == LX_OK) {
        rc = lx_capture_open(&r, ctx, ud, NULL);
    }
    if (rc == LX_OK) {
        rc = lx_capture_reader_set_readahead(r, 2);
        rc = rc == LX_OK ? lx_capture_reader_add_stream(r, 3) : rc;
        rc = rc == LX_OK ? lx_capture_reader_rewind(r) : rc;
        while (rc == LX_OK && (n = lx_capture_reader_next(r, &rec)) == 1) {
            if (++k == 20) {
                /* verify mid-iteration stops the worker; next restarts it */
                rc = lx_capture_reader_verify(r, NULL);
            }
        }
        rc = rc == LX_OK && n < 0 ? n : rc;
        lx_capture_reader_free(r);
    }
    lx_ctx_free(ctx);
    return rc;
}

static void test_failmalloc(void **state)
{
    char path[300];

    (void)state;
    lx_test_failmalloc(scenario_write, path);
    /* The last run succeeded: read its file under failing allocators. */
    lx_test_failmalloc(scenario_read, path);
    lx_test_failmalloc(scenario_read_ra, path);
}

/* ---- `lotusx capture` helpers (replay/cmd_capture_util.c) ---------------- */

static int64_t ptime(const char *s)
{
    int64_t ns = 0;

    assert_int_equal(lxc_parse_time(s, &ns), LX_OK);
    return ns;
}

static void test_cmd_parse_time(void **state)
{
    static const char *const bad[] = {"",
                                      "yesterday",
                                      "2024-13-01T00:00:00Z",
                                      "2023-02-29T00:00:00Z",
                                      "2024-04-31T00:00:00Z",
                                      "2024-01-01T24:00:00Z",
                                      "2024-01-01T00:00:00",
                                      "2024-01-01T00:00:00.Z",
                                      "2024-01-01T00:00:00.1234567890Z",
                                      "2024-01-01T00:00:00Zx",
                                      "2024-01-01T00:00:00+0100",
                                      "2024-1-01T00:00:00Z",
                                      "12a",
                                      "--5",
                                      "2024-01-01"};
    int64_t ns;
    size_t i;

    (void)state;
    assert_int_equal(ptime("0"), 0);
    assert_int_equal(ptime("-5"), -5);
    assert_int_equal(ptime("1723161253937085768"), 1723161253937085768LL);
    assert_int_equal(ptime("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(ptime("2024-08-08T23:54:13.937085768Z"),
                     1723161253937085768LL);
    assert_int_equal(ptime("2024-08-08t23:54:13.5z"), 1723161253500000000LL);
    assert_int_equal(ptime("2024-08-08 23:54:13.5Z"), 1723161253500000000LL);
    assert_int_equal(ptime("2024-08-09T01:54:13.5+02:00"),
                     1723161253500000000LL);
    assert_int_equal(ptime("2024-08-08T20:24:13.5-03:30"),
                     1723161253500000000LL);
    assert_int_equal(ptime("2024-02-29T00:00:00Z"), 1709164800000000000LL);
    assert_int_equal(ptime("2000-02-29T00:00:00Z"), 951782400000000000LL);
    assert_int_equal(ptime("1969-12-31T23:59:59.999999999Z"), -1);
    for (i = 0; i < LX_ARRAY_LEN(bad); i++) {
        assert_int_not_equal(lxc_parse_time(bad[i], &ns), LX_OK);
    }
    assert_int_equal(lxc_parse_time("2263-01-01T00:00:00Z", &ns), LX_ERR_RANGE);
    assert_int_equal(lxc_parse_time("99999999999999999999", &ns), LX_ERR_RANGE);
}

static void test_cmd_format_time(void **state)
{
    struct lx_rng rng;
    char buf[48];
    int64_t ns, back;
    int i;

    (void)state;
    lxc_format_iso_us(1723161253937085768LL, buf, sizeof(buf));
    assert_string_equal(buf, "2024-08-08T23:54:13.937085Z");
    lxc_format_iso_us(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
    lxc_format_iso_us(-1, buf, sizeof(buf)); /* floor, not toward zero */
    assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
    lxc_format_iso_us(951782400000000000LL, buf, sizeof(buf));
    assert_string_equal(buf, "2000-02-29T00:00:00.000000Z");
    /* format then parse gives the time truncated to the microsecond. */
    lx_rng_seed(&rng, 42);
    for (i = 0; i < 10000; i++) {
        ns = lx_rng_range(&rng, -9000000000000000000LL, 9000000000000000000LL);
        lxc_format_iso_us(ns, buf, sizeof(buf));
        back = ptime(buf);
        assert_true(back <= ns && ns - back < 1000);
        assert_int_equal(back % 1000 == 0 || back < 0, 1);
    }
}

/* What f received, NUL-terminated, in buf. */
static const char *drain(FILE *f, char *buf, size_t cap)
{
    size_t n;

    rewind(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    rewind(f);
    assert_int_equal(ftruncate(fileno(f), 0), 0);
    return buf;
}

static void test_cmd_json_output(void **state)
{
    static const struct {
        const char *in, *b64;
    } v[] = {{"", "\"\""},
             {"f", "\"Zg==\""},
             {"fo", "\"Zm8=\""},
             {"foo", "\"Zm9v\""},
             {"foob", "\"Zm9vYg==\""},
             {"foobar", "\"Zm9vYmFy\""}};
    FILE *f = tmpfile();
    char buf[256];
    size_t i;

    (void)state;
    assert_non_null(f);
    assert_true(lxc_utf8_valid((const uint8_t *)"a\xc3\xa9\xe2\x82\xac"
                                                "\xf0\x9f\x98\x80",
                               10));
    assert_false(lxc_utf8_valid((const uint8_t *)"\xc0\x80", 2));
    assert_false(lxc_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
    assert_false(lxc_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
    assert_false(lxc_utf8_valid((const uint8_t *)"caf\xe9", 4));
    assert_false(lxc_utf8_valid((const uint8_t *)"\xe2\x82", 2));
    lxc_json_str(f, (const uint8_t *)"a\"b\\c\n\r\t\x01\x7f\xc3\xa9/", 13);
    assert_string_equal(drain(f, buf, sizeof(buf)),
                        "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f\xc3\xa9/\"");
    lxc_json_str(f, (const uint8_t *)"x\0y\xe9", 4);
    assert_string_equal(drain(f, buf, sizeof(buf)), "\"x\\u0000y\\u00e9\"");
    for (i = 0; i < LX_ARRAY_LEN(v); i++) {
        lxc_json_b64(f, (const uint8_t *)v[i].in, strlen(v[i].in));
        assert_string_equal(drain(f, buf, sizeof(buf)), v[i].b64);
    }
    lxc_json_b64(f,
                 (const uint8_t *)"\x00\xff\x10\x80"
                                  "a",
                 5);
    assert_string_equal(drain(f, buf, sizeof(buf)), "\"AP8QgGE=\"");
    fclose(f);
}

static void test_cmd_kinds(void **state)
{
    (void)state;
    assert_int_equal(lxc_parse_kinds("ws"),
                     LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME));
    assert_int_equal(lxc_parse_kinds("open,close,3,response,note"),
                     LX_CAPTURE_KIND_BIT(1) | LX_CAPTURE_KIND_BIT(2) |
                         LX_CAPTURE_KIND_BIT(3) | LX_CAPTURE_KIND_BIT(4) |
                         LX_CAPTURE_KIND_BIT(6));
    assert_int_equal(lxc_parse_kinds("ws,"), 0);
    assert_int_equal(lxc_parse_kinds("frame"), 0);
    assert_int_equal(lxc_parse_kinds("7"), 0);
    assert_int_equal(lxc_parse_kinds("w"), 0);
    assert_string_equal(lxc_kind_name(LX_CAPTURE_HTTP_RESPONSE), "response");
    assert_string_equal(lxc_kind_name(99), "?");
}

/*
 * fixtures/capture/mixed.lxcap, which the `lotusx capture` integration
 * test reads, holds exactly what its README says (a regenerated fixture
 * must keep it).
 */
static void test_cmd_fixture(void **state)
{
    static const struct {
        int kind, dir, op;
        uint64_t conn;
        const char *data;
        size_t len;
    } want[] = {
        {LX_CAPTURE_CONN_OPEN, 0, 0, 1, "", 0},
        {LX_CAPTURE_WS_FRAME, 1, 1, 1, "{\"a\":\"\xc3\xa9\\\"q\\\"\"}", 15},
        {LX_CAPTURE_WS_FRAME, 1, 2, 1,
         "\x00\xff\x10\x80"
         "a",
         5},
        {LX_CAPTURE_WS_FRAME, 1, 1, 1, "caf\xe9", 4},
        {LX_CAPTURE_WS_FRAME, 1, 1, 1, "line1\nline2", 11},
        {LX_CAPTURE_WS_FRAME, 1, 9, 1, "hb", 2},
        {LX_CAPTURE_WS_FRAME, 0, 1, 1, "{\"method\":\"SUBSCRIBE\"}", 22},
        {LX_CAPTURE_CONN_OPEN, 0, 0, 2, "", 0},
        {LX_CAPTURE_HTTP_REQUEST, 0, 0, 2, "", 0},
        {LX_CAPTURE_HTTP_RESPONSE, 1, 0, 2, "{\"lastUpdateId\":1}", 18},
        {LX_CAPTURE_ANNOTATION, 0, 0, 1, "abc", 3},
        {LX_CAPTURE_WS_FRAME, 1, 1, 3, "{\"server\":\"side\"}", 17},
        {LX_CAPTURE_WS_FRAME, 1, 1, 1, "{\"last\":1}", 10},
        {LX_CAPTURE_CONN_CLOSE, 0, 0, 1, "", 0},
        {LX_CAPTURE_CONN_CLOSE, 0, 0, 2, "", 0},
    };
    const struct lx_capture_record *rec;
    struct lx_capture_reader *r = NULL;
    size_t i;

    (void)state;
    assert_int_equal(
        lx_capture_open(&r, NULL,
                        LX_CAPTURE_FIXTURES "/../../capture/mixed.lxcap", NULL),
        LX_OK);
    for (i = 0; i < LX_ARRAY_LEN(want); i++) {
        assert_int_equal(lx_capture_reader_next(r, &rec), 1);
        assert_int_equal(rec->gseq, i + 1);
        assert_int_equal(rec->kind, want[i].kind);
        assert_int_equal(rec->dir, want[i].dir);
        assert_int_equal(rec->conn_id, want[i].conn);
        assert_int_equal(rec->side, want[i].conn == 3);
        if (rec->kind >= LX_CAPTURE_HTTP_REQUEST) {
            assert_int_equal(rec->len, want[i].len);
            assert_memory_equal(rec->data, want[i].data, want[i].len);
        }
        if (rec->kind == LX_CAPTURE_WS_FRAME) {
            assert_int_equal(rec->ws_opcode, want[i].op);
        }
    }
    assert_int_equal(lx_capture_reader_next(r, &rec), 0);
    assert_int_equal(lx_capture_reader_verify(r, NULL), LX_OK);
    lx_capture_reader_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varint),
        cmocka_unit_test(test_record_codec),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_tap_fn_and_annotations),
        cmocka_unit_test(test_live_session),
        cmocka_unit_test(test_live_websocket),
        cmocka_unit_test(test_copy_records),
        cmocka_unit_test(test_filters_and_seek),
        cmocka_unit_test(test_redaction),
        cmocka_unit_test(test_redactor_unit),
        cmocka_unit_test(test_redact_many),
        cmocka_unit_test(test_redact_fast_same),
        cmocka_unit_test(test_kill9),
        cmocka_unit_test(test_crash_interval),
        cmocka_unit_test(test_copy_mid_write),
        cmocka_unit_test(test_foreign_files),
        cmocka_unit_test(test_wrong_version_and_schema),
        cmocka_unit_test(test_flipped_chunk),
        cmocka_unit_test(test_truncated_and_fuzzed),
        cmocka_unit_test(test_open_mem),
        cmocka_unit_test(test_dictionary),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_readahead_same),
        cmocka_unit_test(test_readahead_filters),
        cmocka_unit_test(test_readahead_corrupt),
        cmocka_unit_test(test_readahead_lifecycle),
        cmocka_unit_test(test_readahead_nomem),
        cmocka_unit_test(test_format_v1_fixture),
        cmocka_unit_test(test_format_v2_fixture),
        cmocka_unit_test(test_xform_roundtrip),
        cmocka_unit_test(test_xform2_corrupt),
        cmocka_unit_test(test_xform_numbers),
        cmocka_unit_test(test_xform_samples),
        cmocka_unit_test(test_xform_pinned),
        cmocka_unit_test(test_xform_number_at_end),
        cmocka_unit_test(test_xform_corrupt),
        cmocka_unit_test(test_xform_file),
        cmocka_unit_test(test_failmalloc),
        cmocka_unit_test(test_cmd_parse_time),
        cmocka_unit_test(test_cmd_format_time),
        cmocka_unit_test(test_cmd_json_output),
        cmocka_unit_test(test_cmd_kinds),
        cmocka_unit_test(test_cmd_fixture),
    };

    /* LX_TEST_FILTER=test_readahead_* runs some (valgrind --tool=helgrind). */
    if (getenv("LX_TEST_FILTER") != NULL) {
        cmocka_set_test_filter(getenv("LX_TEST_FILTER"));
    }
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
