/*
 * test_replay_golden.c - golden tests of lotusx-mock --replay on the real
 * Binance recordings of ../shared/samples (LX_SAMPLES_DIR overrides the
 * place; the tests skip when the files are absent, as they are not shipped
 * with the sources).
 *
 * Each hftbacktest file ("<ns> <frame>" lines: combined-stream depth diffs,
 * trades and book tickers, plus one embedded REST depth snapshot) becomes a
 * capture at test time, written with the public capture writer as `lotusx
 * capture import` writes one (one client WebSocket connection of the file's
 * combined URL, one inbound text frame per line, payload bytes unchanged),
 * except that the snapshot line becomes what it was on the wire: a REST
 * exchange (GET /api/v3/depth resp. /fapi/v1/depth?symbol=BTCUSDT&limit=1000,
 * 200, the line as body) on a second connection.
 *
 * The capture is replayed in process (the replay server on the in-memory
 * transport, virtual clock, real-time pacing) to the real Binance connector
 * (lx_exchange_watch_book, plus trade and book-ticker subscriptions sent as
 * a live SUBSCRIBE). Independently, the test parses the same recorded lines
 * itself and feeds them, in file order, to its own struct lx_book_sync. In
 * lockstep with the connector's LX_EV_BOOK events, the reference is advanced
 * to the connector's update id and the two books are compared level for
 * level, every level of both sides. The number of states compared after
 * the snapshot must equal the number of diffs the reference applied after
 * it synced, and every recorded diff must have been consumed.
 *
 * Bytes: the depth frames the connector received must be the recorded lines
 * (hash of every frame, in order), and two replays must give byte-identical
 * streams (hash of every frame of every stream the client received).
 *
 * USD-M: the recording has btcusdt@depth@0ms while the connector watches
 * btcusdt@depth@100ms; the replay serves a recorded diff stream of another
 * update speed of the same symbol under the asked name (docs/mock.md), so
 * the expected depth bytes are the recorded lines with that name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "lotusx/lx_book.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "mock/replay/replay.h"
#include "lx_test.h"

#define SEC       ((int64_t)1000000000)
#define FNV_BASIS UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

/* One recording and what the connector asks of it. */
struct golden {
    const char *rel;       /* under the samples directory */
    const char *venue;     /* lx_exchange venue */
    const char *ws_url;    /* the recorded combined stream URL */
    const char *rest_url;  /* origin of the REST connection */
    const char *target;    /* the snapshot request as the connector sends it */
    const char *rec_depth; /* recorded diff stream name */
    const char *ask_depth; /* the one lx_exchange_watch_book subscribes */
    enum lx_book_rules rules;
    uint64_t lid;   /* the snapshot's lastUpdateId (README) */
    size_t applied; /* diffs applied after it (test_book_samples) */
};

static const struct golden spot = {
    "binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
    "binance-spot",
    "wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/"
    "btcusdt@trade/btcusdt@bookTicker",
    "https://api.binance.com",
    "/api/v3/depth?symbol=BTCUSDT&limit=1000",
    "btcusdt@depth@100ms",
    "btcusdt@depth@100ms",
    LX_BOOK_RULES_BINANCE_SPOT,
    UINT64_C(50093239218),
    1494};

static const struct golden usdm = {
    "binance-usdm/hftbacktest/btcusdt_20240718.txt",
    "binance-usdm",
    "wss://fstream.binance.com/stream?streams=btcusdt@depth@0ms/"
    "btcusdt@trade/btcusdt@bookTicker",
    "https://fapi.binance.com",
    "/fapi/v1/depth?symbol=BTCUSDT&limit=1000",
    "btcusdt@depth@0ms",
    "btcusdt@depth@100ms",
    LX_BOOK_RULES_BINANCE_USDM,
    UINT64_C(4984028384061),
    3321};

/* ---- the recording ------------------------------------------------------- */

struct line {
    int64_t ns;
    const char *p; /* payload, into the file buffer */
    size_t len;
    int snapshot; /* the embedded REST snapshot */
    int depth;    /* a frame of the recorded diff stream */
};

struct recording {
    char *buf;
    size_t size;
    struct line *l;
    size_t n, cap;
    size_t ndepth;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap < 64 ? 64 : *cap;

    if (need <= *cap) {
        return p;
    }
    while (c < need) {
        c *= 2;
    }
    p = lx__realloc(lx_test_mem(), p, c * elem);
    assert_non_null(p);
    *cap = c;
    return p;
}

static int starts(const char *p, size_t len, const char *pre)
{
    size_t n = strlen(pre);

    return len >= n && memcmp(p, pre, n) == 0;
}

/* Reads and splits the sample; false when it is not there. */
static bool load_recording(const struct golden *g, struct recording *rec)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024], pre[128];
    FILE *f;
    long sz;
    char *s, *end, *sp;

    memset(rec, 0, sizeof(*rec));
    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, g->rel);
    f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    sz = ftell(f);
    assert_true(sz > 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    rec->buf = lx__malloc(lx_test_mem(), (size_t)sz + 1);
    assert_non_null(rec->buf);
    rec->size = fread(rec->buf, 1, (size_t)sz, f);
    fclose(f);
    assert_int_equal(rec->size, (size_t)sz);
    rec->buf[rec->size] = '\0';
    lx__snprintf(pre, sizeof(pre), "{\"stream\":\"%s\",", g->rec_depth);
    for (s = rec->buf; s < rec->buf + rec->size; s = end + 1) {
        struct line *l;

        end = memchr(s, '\n', (size_t)(rec->buf + rec->size - s));
        end = end != NULL ? end : rec->buf + rec->size;
        if (end == s) {
            continue;
        }
        sp = memchr(s, ' ', (size_t)(end - s));
        assert_non_null(sp);
        rec->l = grow(rec->l, &rec->cap, rec->n + 1, sizeof(*rec->l));
        l = &rec->l[rec->n++];
        assert_int_equal(lx__parse_i64(s, (size_t)(sp - s), &l->ns), LX_OK);
        l->p = sp + 1;
        l->len = (size_t)(end - sp - 1);
        l->snapshot = starts(l->p, l->len, "{\"lastUpdateId\":");
        l->depth = starts(l->p, l->len, pre);
        rec->ndepth += (size_t)l->depth;
    }
    return true;
}

static void free_recording(struct recording *rec)
{
    lx__free(lx_test_mem(), rec->l);
    lx__free(lx_test_mem(), rec->buf);
}

/* ---- the capture ----------------------------------------------------------
 */

struct cw {
    struct lx_capture_writer *w;
    uint64_t seq[3];
};

static void put(struct cw *c, struct lx_capture_record *r, uint64_t conn,
                int64_t ns)
{
    r->side = LX_TAP_CLIENT;
    r->conn_id = conn;
    r->seq = c->seq[conn]++;
    r->wall_ns = ns;
    r->mono_ns = ns;
    assert_int_equal(lx_capture_writer_write_record(c->w, r), LX_OK);
}

static void put_open(struct cw *c, uint64_t conn, const char *url, int64_t ns)
{
    struct lx_capture_record r;

    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_CONN_OPEN;
    r.dir = LX_TAP_OUT;
    r.url = url;
    r.transport = "tls";
    put(c, &r, conn, ns);
}

/* The snapshot line as the REST exchange that fetched it. */
static void put_rest(struct cw *c, const struct golden *g, const struct line *l)
{
    static const struct lx_capture_header ct = {
        "Content-Type", 12, "application/json;charset=UTF-8", 30};
    struct lx_capture_record r;

    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_HTTP_REQUEST;
    r.dir = LX_TAP_OUT;
    r.method = "GET";
    r.target = g->target;
    r.http_version = 11;
    r.data = (const uint8_t *)"";
    put(c, &r, 2, l->ns);
    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_HTTP_RESPONSE;
    r.dir = LX_TAP_IN;
    r.status = 200;
    r.reason = "OK";
    r.http_version = 11;
    r.nheaders = 1;
    r.headers = &ct;
    r.data = (const uint8_t *)l->p;
    r.len = l->len;
    put(c, &r, 2, l->ns);
}

static void build_capture(const struct golden *g, const struct recording *rec,
                          const char *path)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_record r;
    struct cw c;
    size_t i;

    memset(&c, 0, sizeof(c));
    unlink(path);
    assert_int_equal(lx_capture_wopts_new(&o, NULL), LX_OK);
    assert_int_equal(lx_capture_wopts_set_venue(o, "binance"), LX_OK);
    assert_int_equal(lx_capture_wopts_set_commit(o, INT64_MAX, (size_t)1 << 30),
                     LX_OK);
    assert_int_equal(lx_capture_writer_open(&c.w, NULL, path, o, NULL), LX_OK);
    lx_capture_wopts_free(o);
    put_open(&c, 1, g->ws_url, rec->l[0].ns);
    for (i = 0; i < rec->n; i++) {
        const struct line *l = &rec->l[i];

        if (l->snapshot) {
            put_open(&c, 2, g->rest_url, l->ns);
            put_rest(&c, g, l);
            continue;
        }
        memset(&r, 0, sizeof(r));
        r.kind = LX_CAPTURE_WS_FRAME;
        r.dir = LX_TAP_IN;
        r.ws_opcode = LX_WS_TEXT;
        r.data = (const uint8_t *)l->p;
        r.len = l->len;
        put(&c, &r, 1, l->ns);
    }
    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_CONN_CLOSE;
    r.dir = LX_TAP_OUT;
    r.reason = "end of recording";
    put(&c, &r, 1, rec->l[rec->n - 1].ns);
    assert_int_equal(lx_capture_writer_close(c.w), LX_OK);
}

/* ---- the reference: the recorded lines through lx_book_sync ------------- */

struct item {
    int snapshot;
    uint64_t first_id, final_id, prev_final_id;
    bool has_prev;
    int64_t event_time;
    size_t off, nbids, nasks; /* into ref.pool: bids then asks */
};

struct ref {
    struct lx_book_sync *sync;
    struct item *it;
    size_t n, cap, pos;
    struct lx_book_level *pool;
    size_t npool, poolcap;
    size_t after; /* diffs applied while SYNCED */
};

static size_t parse_levels(struct ref *m, const cJSON *arr)
{
    struct lx_json_err e = {0};
    const cJSON *pair;
    size_t cnt = (size_t)cJSON_GetArraySize(arr), i;

    m->pool = grow(m->pool, &m->poolcap, m->npool + cnt, sizeof(*m->pool));
    for (i = 0; i < cnt; i++) {
        struct lx_book_level *l = &m->pool[m->npool + i];

        lx__json_at_arr(arr, i, &pair, &e);
        lx__json_at_decimal(pair, 0, &l->price, &e);
        lx__json_at_decimal(pair, 1, &l->qty, &e);
        assert_int_equal(e.code, LX_OK);
    }
    m->npool += cnt;
    return cnt;
}

/*
 * The snapshot, then the diffs of the recording in file order: the order a
 * client that fetches the snapshot when the first diff arrives (as the
 * connector does) sees them, since the replay answers the REST request at
 * once; the diffs recorded before the snapshot line are then stale.
 */
static void ref_init(struct ref *m, const struct golden *g,
                     const struct recording *rec)
{
    size_t k;

    memset(m, 0, sizeof(*m));
    assert_int_equal(lx_book_sync_new(&m->sync, lx_test_mem(), g->rules, NULL),
                     LX_OK);
    for (k = 0; k < 2 * rec->n; k++) {
        const struct line *l = &rec->l[k % rec->n];
        struct lx_json_err e = {0};
        cJSON *root = NULL;
        const cJSON *o, *b, *a;
        struct item *it;

        if (k < rec->n ? !l->snapshot : !l->depth) {
            continue;
        }
        assert_int_equal(lx__json_parse(l->p, l->len, &root, &e), LX_OK);
        m->it = grow(m->it, &m->cap, m->n + 1, sizeof(*m->it));
        it = &m->it[m->n++];
        memset(it, 0, sizeof(*it));
        it->snapshot = l->snapshot;
        if (l->snapshot) {
            o = root;
            lx__json_get_u64(o, "lastUpdateId", &it->final_id, &e);
            lx__json_get_arr(o, "bids", &b, &e);
            lx__json_get_arr(o, "asks", &a, &e);
        } else {
            lx__json_get_obj(root, "data", &o, &e);
            lx__json_get_u64(o, "U", &it->first_id, &e);
            lx__json_get_u64(o, "u", &it->final_id, &e);
            it->has_prev = cJSON_GetObjectItemCaseSensitive(o, "pu") != NULL;
            lx__json_opt_u64(o, "pu", 0, &it->prev_final_id, &e);
            lx__json_get_i64(o, "E", &it->event_time, &e);
            lx__json_get_arr(o, "b", &b, &e);
            lx__json_get_arr(o, "a", &a, &e);
        }
        assert_int_equal(e.code, LX_OK);
        it->off = m->npool;
        it->nbids = parse_levels(m, b);
        it->nasks = parse_levels(m, a);
        cJSON_Delete(root);
    }
}

static void ref_free(struct ref *m)
{
    lx_book_sync_free(m->sync);
    lx__free(lx_test_mem(), m->it);
    lx__free(lx_test_mem(), m->pool);
}

/* Feeds the next recorded item. */
static void ref_step(struct ref *m)
{
    const struct item *it = &m->it[m->pos++];
    const struct lx_book_level *lv = m->pool + it->off;
    bool synced = lx_book_sync_state(m->sync) == LX_BOOK_SYNC_SYNCED;
    enum lx_book_action act = LX_BOOK_ACTION_NONE;
    int rc;

    if (it->snapshot) {
        struct lx_book_snapshot s;

        s.last_update_id = it->final_id;
        s.bids = lv;
        s.nbids = it->nbids;
        s.asks = lv + it->nbids;
        s.nasks = it->nasks;
        rc = lx_book_sync_snapshot(m->sync, &s);
    } else {
        struct lx_book_diff d;

        memset(&d, 0, sizeof(d));
        d.first_id = it->first_id;
        d.final_id = it->final_id;
        d.prev_final_id = it->prev_final_id;
        d.has_prev_final_id = it->has_prev;
        d.event_time = it->event_time;
        d.bids = lv;
        d.nbids = it->nbids;
        d.asks = lv + it->nbids;
        d.nasks = it->nasks;
        rc = lx_book_sync_diff(m->sync, &d, &act);
    }
    assert_int_equal(rc, LX_OK);
    if (synced && act == LX_BOOK_ACTION_APPLIED) {
        m->after++;
    }
}

/* Advances the reference until it is synced at update id uid. */
static void ref_advance(struct ref *m, uint64_t uid)
{
    for (;;) {
        const struct lx_book *b = lx_book_sync_book(m->sync);

        if (lx_book_sync_state(m->sync) == LX_BOOK_SYNC_SYNCED) {
            if (lx_book_update_id(b) == uid) {
                return;
            }
            if (lx_book_update_id(b) > uid) {
                fail_msg("connector at update id %llu, the reference passed "
                         "it (%llu)",
                         (unsigned long long)uid,
                         (unsigned long long)lx_book_update_id(b));
            }
        }
        if (m->pos >= m->n) {
            fail_msg("connector at update id %llu, beyond the recording",
                     (unsigned long long)uid);
        }
        ref_step(m);
    }
}

/* Every level of both sides, in order, equal in price and quantity. */
static void compare_books(const struct lx_book *got, const struct lx_book *want,
                          struct lx_book_level **buf, size_t *cap)
{
    int side;
    size_t n, i;

    for (side = 0; side < 2; side++) {
        n = lx_book_depth(want, (enum lx_book_side)side);
        assert_int_equal(lx_book_depth(got, (enum lx_book_side)side), n);
        *buf = grow(*buf, cap, 2 * n + 1, sizeof(**buf));
        assert_int_equal(lx_book_top(got, (enum lx_book_side)side, *buf, n), n);
        assert_int_equal(
            lx_book_top(want, (enum lx_book_side)side, *buf + n, n), n);
        for (i = 0; i < n; i++) {
            if (!lx_decimal_eq((*buf)[i].price, (*buf)[n + i].price) ||
                !lx_decimal_eq((*buf)[i].qty, (*buf)[n + i].qty)) {
                fail_msg("update id %llu: %s level %zu differs",
                         (unsigned long long)lx_book_update_id(want),
                         side == 0 ? "bid" : "ask", i);
            }
        }
    }
}

/* ---- one replay to the connector ----------------------------------------- */

struct fx {
    const struct golden *g;
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_replay *rp;
    struct lx_exchange *ex;
    struct ref ref;
    struct lx_book_level *cmp;
    size_t cmpcap;
    /* what the client received */
    uint64_t hash_all, hash_depth;
    size_t frames, depth_frames, raw_events;
    /* book events */
    size_t compared; /* SYNCED states compared, the snapshot's included */
    size_t unsynced; /* LX_EV_BOOK in any other state */
    size_t resyncs;
    uint64_t last_uid; /* of the last state compared */
    int closed;        /* the market stream was closed (the recorded close) */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ s[i]) * FNV_PRIME;
    }
    return h;
}

/* A frame into a running hash: its length, then its bytes. */
static uint64_t fnv_frame(uint64_t h, const void *p, size_t n)
{
    uint64_t len = n;

    return fnv(fnv(h, &len, sizeof(len)), p, n);
}

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct fx *f = ud;

    LX_UNUSED(ex);
    if (ev->kind == LX_EV_STATUS && getenv("LX_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "%lld ms: status %d err %d %s\n",
                (long long)(lx_clock_mono_ns(f->clock) / 1000000),
                ev->u.status.what, ev->u.status.err, ev->u.status.msg);
    }
    if (ev->kind == LX_EV_STATUS && ev->u.status.what == LX_ST_MARKET_DOWN) {
        /* the recorded close at the end: one pass is the test */
        f->closed++;
        lx_clock_stop_run(f->clock);
        return;
    }
    if (ev->kind == LX_EV_BOOK) {
        if (ev->u.book.state != LX_BOOK_SYNC_SYNCED) {
            f->unsynced++;
            f->resyncs += ev->u.book.state == LX_BOOK_SYNC_RESYNC;
            return;
        }
        ref_advance(&f->ref, lx_book_update_id(ev->u.book.book));
        compare_books(ev->u.book.book, lx_book_sync_book(f->ref.sync), &f->cmp,
                      &f->cmpcap);
        f->compared++;
        f->last_uid = lx_book_update_id(ev->u.book.book);
        return;
    }
    if (ev->kind == LX_EV_RAW) {
        f->raw_events++;
    }
    if (ev->raw == NULL) {
        return;
    }
    f->frames++;
    f->hash_all = fnv_frame(f->hash_all, ev->raw, ev->raw_len);
    if (ev->kind == LX_EV_DEPTH) {
        assert_string_equal(ev->stream, f->g->ask_depth);
        f->depth_frames++;
        f->hash_depth = fnv_frame(f->hash_depth, ev->raw, ev->raw_len);
    }
}

static void run_replay(struct fx *f, const struct golden *g,
                       const struct recording *rec, const char *cap_path)
{
    struct lx_mock_replay_opts o;
    struct lx_exchange_opts *eo = NULL;
    int64_t span = rec->l[rec->n - 1].ns - rec->l[0].ns;
    char err[256];

    memset(f, 0, sizeof(*f));
    f->g = g;
    f->hash_all = FNV_BASIS;
    f->hash_depth = FNV_BASIS;
    ref_init(&f->ref, g, rec);
    f->base = event_base_new();
    assert_non_null(f->base);
    assert_int_equal(
        lx_clock_new_virtual(&f->clock, NULL, f->base, rec->l[0].ns), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    lx_mock_replay_opts_init(&o);
    o.mem = lx_test_mem(); /* a leak fails the test */
    assert_int_equal(lx_mock_replay_new(&f->rp, f->net, f->clock, cap_path, &o,
                                        err, sizeof(err)),
                     LX_OK);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_replay_handle, f->rp),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_exchange_opts_new(&eo), LX_OK);
    assert_int_equal(
        lx_exchange_opts_set_urls(eo, "http://127.0.0.1:1", "ws://127.0.0.1:1"),
        LX_OK);
    assert_int_equal(lx_exchange_new(&f->ex, f->net, g->venue, eo), LX_OK);
    lx_exchange_opts_free(eo);
    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 1000), LX_OK);
    assert_int_equal(
        lx_exchange_subscribe(f->ex, LX_STREAM_TRADE, "BTCUSDT", NULL), LX_OK);
    assert_int_equal(
        lx_exchange_subscribe(f->ex, LX_STREAM_BOOK_TICKER, "BTCUSDT", NULL),
        LX_OK);
    /* the whole recording, in real time on the virtual clock, up to its
     * recorded close */
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + span + 5 * SEC),
        LX_OK);
}

static void finish_replay(struct fx *f)
{
    lx_exchange_free(f->ex);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    lx_http_server_free(f->srv);
    lx_mock_replay_free(f->rp);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_free(f->base);
    ref_free(&f->ref);
    lx__free(lx_test_mem(), f->cmp);
}

/* ---- the tests ------------------------------------------------------------
 */

static void golden(const struct golden *g)
{
    struct recording rec;
    struct lx_book_sync_stats st, rst;
    struct fx a, b;
    char cap_path[300], pre[128];
    const char *tmp = getenv("TMPDIR");
    uint64_t want = FNV_BASIS;
    size_t i, plen;

    if (!load_recording(g, &rec)) {
        skip(); /* no ../shared/samples (a release tarball) */
    }
    lx__snprintf(cap_path, sizeof(cap_path), "%s/test_replay_golden.%ld.lxcap",
                 tmp != NULL ? tmp : "/tmp", (long)getpid());
    build_capture(g, &rec, cap_path);

    /* The depth frames the connector must receive: the recorded lines,
     * under the name it asked for. */
    plen = (size_t)lx__snprintf(pre, sizeof(pre), "{\"stream\":\"%s\"",
                                g->rec_depth);
    for (i = 0; i < rec.n; i++) {
        const struct line *l = &rec.l[i];
        char *x;
        size_t n;

        if (!l->depth) {
            continue;
        }
        n = plen - strlen(g->rec_depth) + strlen(g->ask_depth) + l->len - plen;
        x = lx__malloc(lx_test_mem(), n + 1);
        assert_non_null(x);
        lx__snprintf(x, n + 1, "{\"stream\":\"%s\"%.*s", g->ask_depth,
                     (int)(l->len - plen), l->p + plen);
        want = fnv_frame(want, x, n);
        lx__free(lx_test_mem(), x);
    }

    run_replay(&a, g, &rec, cap_path);
    lx_book_sync_get_stats(lx_exchange_book(a.ex, "BTCUSDT"), &st);
    lx_book_sync_get_stats(a.ref.sync, &rst);
    if (getenv("LX_TEST_VERBOSE") != NULL) {
        fprintf(stderr, "%s: %zu frames, %zu depth, %zu states compared\n",
                g->venue, a.frames, a.depth_frames, a.compared);
    }
    /* every recorded diff reached the connector and was compared */
    assert_int_equal(a.closed, 1);
    assert_int_equal(a.ref.pos, a.ref.n);
    assert_int_equal(a.depth_frames, rec.ndepth);
    assert_true(a.hash_depth == want);
    /* one state per diff after the sync, plus the snapshot's */
    assert_int_equal(a.ref.after, g->applied);
    assert_int_equal(a.compared, a.ref.after + 1);
    assert_true(st.applied == rst.applied);
    assert_true(st.applied == g->applied);
    assert_true(st.snapshots == 1 && st.gaps == 0 && st.resyncs == 0);
    assert_int_equal(a.resyncs, 0);
    assert_true(a.last_uid == lx_book_update_id(lx_book_sync_book(a.ref.sync)));
    assert_true(a.frames > a.depth_frames); /* trades and tickers too */
    assert_int_equal(a.raw_events, 0);
    finish_replay(&a);

    /* A second replay of the same capture: the same bytes. */
    run_replay(&b, g, &rec, cap_path);
    assert_int_equal(b.frames, a.frames);
    assert_true(b.hash_all == a.hash_all);
    assert_true(b.hash_depth == a.hash_depth);
    assert_int_equal(b.compared, a.compared);
    finish_replay(&b);

    unlink(cap_path);
    free_recording(&rec);
}

static void test_golden_spot(void **state)
{
    (void)state;
    golden(&spot);
}

static void test_golden_usdm(void **state)
{
    (void)state;
    golden(&usdm);
}

/* ---- the depth update-speed alias, on a capture written here ------------ */

#define NCLI 6

struct acli {
    struct lx_ws *ws;
    int n;
    char msg[4][128];
};

static void alias_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                          size_t len, void *ud)
{
    struct acli *c = ud;

    (void)ws;
    (void)opcode;
    assert_true(c->n < 4);
    lx__snprintf(c->msg[c->n++], sizeof(c->msg[0]), "%.*s", (int)len,
                 (const char *)data);
}

/*
 * A recording of btcusdt@depth@0ms and btcusdt@trade: a client asking for
 * btcusdt@depth@100ms (combined) or btcusdt@depth (raw) gets the 0ms diffs,
 * under its own name; the recorded name still gets the recorded bytes (also
 * when asked together with a stand-in name); a partial book stream
 * (depth5) or another symbol gets nothing.
 */
static void test_depth_speed_alias(void **state)
{
    static const struct lx_ws_cbs cbs = {NULL, alias_message, NULL, NULL, NULL};
    static const char *const path[NCLI] = {
        "/stream?streams=btcusdt@depth@100ms",
        "/ws/btcusdt@depth",
        "/stream?streams=btcusdt@depth@0ms",
        "/stream?streams=btcusdt@depth5@100ms",
        "/stream?streams=ethusdt@depth@100ms",
        "/stream?streams=btcusdt@depth@100ms/btcusdt@depth@0ms"};
    static const char depth[] =
        "{\"stream\":\"btcusdt@depth@0ms\",\"data\":{\"e\":\"depthUpdate\","
        "\"u\":1}}";
    static const char trade[] =
        "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"t\":1}}";
    struct lx_capture_writer *w = NULL;
    struct lx_capture_record r;
    struct lx_mock_replay_opts o;
    struct acli c[NCLI];
    struct cw cw;
    struct event_base *base = event_base_new();
    struct lx_clock *clock = NULL;
    struct lx_net *net = NULL;
    struct lx_http_server *srv = NULL;
    struct lx_mock_replay *rp = NULL;
    const char *tmp = getenv("TMPDIR");
    char cap_path[300], url[128], err[256];
    int i;

    (void)state;
    lx__snprintf(cap_path, sizeof(cap_path), "%s/test_replay_alias.%ld.lxcap",
                 tmp != NULL ? tmp : "/tmp", (long)getpid());
    unlink(cap_path);
    memset(&cw, 0, sizeof(cw));
    assert_int_equal(lx_capture_writer_open(&w, NULL, cap_path, NULL, NULL),
                     LX_OK);
    cw.w = w;
    put_open(&cw, 1,
             "wss://fstream.binance.com/stream?streams=btcusdt@depth@0ms/"
             "btcusdt@trade",
             SEC);
    for (i = 0; i < 2; i++) {
        memset(&r, 0, sizeof(r));
        r.kind = LX_CAPTURE_WS_FRAME;
        r.dir = LX_TAP_IN;
        r.ws_opcode = LX_WS_TEXT;
        r.data = (const uint8_t *)(i == 0 ? depth : trade);
        r.len = strlen(i == 0 ? depth : trade);
        put(&cw, &r, 1, SEC + i);
    }
    assert_int_equal(lx_capture_writer_close(w), LX_OK);

    assert_non_null(base);
    assert_int_equal(lx_clock_new_virtual(&clock, NULL, base, SEC), LX_OK);
    assert_int_equal(lx_net_new(&net, NULL, base, clock), LX_OK);
    lx_mock_replay_opts_init(&o);
    o.mem = lx_test_mem();
    o.speed_milli = 0;
    assert_int_equal(
        lx_mock_replay_new(&rp, net, clock, cap_path, &o, err, sizeof(err)),
        LX_OK);
    assert_int_equal(lx_http_server_new(&srv, net, lx_mock_replay_handle, rp),
                     LX_OK);
    lx_net_set_inmem_server(net, srv);
    memset(c, 0, sizeof(c));
    for (i = 0; i < NCLI; i++) {
        lx__snprintf(url, sizeof(url), "ws://127.0.0.1:1%s", path[i]);
        assert_int_equal(lx_ws_connect(&c[i].ws, net, url, NULL, &cbs, &c[i]),
                         LX_OK);
    }
    assert_int_equal(lx_clock_run(clock, lx_clock_mono_ns(clock) + SEC), LX_OK);
    assert_int_equal(c[0].n, 1);
    assert_string_equal(c[0].msg[0],
                        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":"
                        "{\"e\":\"depthUpdate\",\"u\":1}}");
    assert_int_equal(c[1].n, 1);
    assert_string_equal(c[1].msg[0], "{\"e\":\"depthUpdate\",\"u\":1}");
    assert_int_equal(c[2].n, 1);
    assert_string_equal(c[2].msg[0], depth);
    assert_int_equal(c[3].n, 0);
    assert_int_equal(c[4].n, 0);
    /* asked under both names: once, under the recorded one */
    assert_int_equal(c[5].n, 1);
    assert_string_equal(c[5].msg[0], depth);
    for (i = 0; i < NCLI; i++) {
        lx_ws_free(c[i].ws);
    }
    assert_int_equal(lx_clock_run(clock, lx_clock_mono_ns(clock)), LX_OK);
    lx_http_server_free(srv);
    lx_mock_replay_free(rp);
    assert_int_equal(lx_clock_run(clock, lx_clock_mono_ns(clock)), LX_OK);
    lx_net_free(net);
    lx_clock_free(clock);
    event_base_free(base);
    unlink(cap_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_spot),
        cmocka_unit_test(test_golden_usdm),
        cmocka_unit_test(test_depth_speed_alias),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
