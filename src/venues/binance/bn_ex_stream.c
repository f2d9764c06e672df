/*
 * bn_ex_stream.c - the stream half of the Binance connector: one combined
 * market-stream connection (/stream?streams=a/b, live SUBSCRIBE and
 * UNSUBSCRIBE paced under the venue's 5 messages/s), watched local books
 * kept in sync through lx_book_sync from diffs plus REST snapshots, and
 * the user-data stream on a listen key that is kept alive and renewed.
 *
 * Every frame is parsed by the codec (lx__bn_parse_ws) and delivered as a
 * unified event with its raw bytes; a frame the codec does not map, or
 * cannot parse, is delivered raw (LX_EV_RAW), never dropped. Lost
 * connections come back with back-off and jitter, resubscribed; a book
 * whose stream dropped is reset and resynchronised from a new snapshot,
 * so it never silently diverges.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_net.h"
#include "net/net_internal.h"
#include "venues/binance/bn_ex.h"

#define MS              ((int64_t)1000000)
#define SEC             ((int64_t)1000000000)
#define MAX_STREAMS     1024
#define NAME_MAX_LEN    96
#define CTRL_SPACING_NS (250 * MS) /* at most 4 control frames a second */
#define SNAPSHOT_GAP_NS (1 * SEC)  /* between snapshots of one book */
#define KEEPALIVE_NS    (30 * 60 * SEC)
#define VERIFY_MAX_DIFFS                                                       \
    100 /* to reach a common id after a verify snapshot                        \
         */

enum conn_state { ST_DOWN = 0, ST_CONNECTING, ST_UP };

/* A book's built-in verification round. */
enum verify_state {
    VF_IDLE = 0, /* none */
    VF_FETCHING, /* its snapshot is on its way; diffs go to the shadow */
    VF_SETTLING  /* the shadow took it: compared at the first common id */
};

struct bn_sub {
    char name[NAME_MAX_LEN];
    bool user; /* subscribed by the user */
    bool book; /* needed by a watched book */
    bool live; /* in the connection's URL or sent in a SUBSCRIBE */
};

struct bn_book {
    char symbol[LX_SYMBOL_LEN];
    char stream[NAME_MAX_LEN];
    struct lx_book_sync *sync;
    int limit;
    bool fetching;
    bool gone;          /* unwatched: on st->graveyard until the next tick */
    bool reset_pending; /* m_close: its reset event is still to come */
    bool notify;        /* a forced resync still to report (st->notify) */
    int64_t last_fetch_ns;
    struct lx_timer *timer;
    struct lx_ex_book_stats stats;
    /*
     * The prices the snapshot of the current sync covered, per side
     * (lx_book_side): at or better than cover[], or all of the side when
     * the snapshot had fewer levels than asked for. vcover[]: the same
     * for the verification snapshot.
     */
    struct lx_decimal cover[2], vcover[2];
    bool cover_all[2], vcover_all[2];
    enum verify_state vstate;
    struct lx_book_sync *shadow; /* the verification's own sync machine */
    int vdiffs;                  /* diffs since the shadow synced */
    struct lx_timer *vtimer;
    struct bn_streams *st;
    struct bn_book *next_gone;
};

struct bn_streams {
    struct bn_ex *x;
    struct lx_arena *arena;
    struct lx_bn_msg msg;
    /* market connection */
    struct lx_ws *ws;
    enum conn_state state;
    struct bn_sub *subs;
    size_t nsubs;
    char (*unsub)[NAME_MAX_LEN];
    size_t nunsub;
    struct lx_timer *reconnect, *flush;
    struct lx_backoff bo;
    int64_t next_id;
    int64_t last_ctrl_ns;
    /* books */
    struct bn_book **books;
    size_t nbooks;
    struct bn_book *graveyard; /* unwatched, freed by reap on the next tick */
    struct lx_timer *reap;
    struct lx_timer *notify; /* reports forced resyncs on the next tick */
    /* user data */
    struct lx_ws *uws;
    enum conn_state ustate;
    bool user_on;
    bool key_pending;
    bool key_closing; /* a DELETE of the last key is on its way */
    char listen_key[80];
    struct lx_timer *ureconnect, *ukeep;
    struct lx_backoff ubo;
};

static void market_connect(struct bn_streams *st);
static void user_connect_key(struct bn_streams *st);
static void close_key(struct bn_streams *st);

static bool status_event(struct bn_streams *st, enum lx_ex_status what, int err,
                         const char *msg)
{
    struct lx_ex_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_EV_STATUS;
    ev.stream = "";
    ev.u.status.what = what;
    ev.u.status.err = err;
    ev.u.status.msg = msg != NULL ? msg : "";
    return lx__ex_event(st->x->ex, &ev);
}

/* ---- subscriptions ---------------------------------------------------------
 */

static struct bn_sub *find_sub(struct bn_streams *st, const char *name)
{
    size_t i;

    for (i = 0; i < st->nsubs; i++) {
        if (strcmp(st->subs[i].name, name) == 0) {
            return &st->subs[i];
        }
    }
    return NULL;
}

static const enum lx_bn_stream kinds[] = {
    [LX_STREAM_DEPTH] = LX_BN_STREAM_DEPTH,
    [LX_STREAM_DEPTH_LEVELS] = LX_BN_STREAM_DEPTH_LEVELS,
    [LX_STREAM_TRADE] = LX_BN_STREAM_TRADE,
    [LX_STREAM_AGG_TRADE] = LX_BN_STREAM_AGG_TRADE,
    [LX_STREAM_KLINE] = LX_BN_STREAM_KLINE,
    [LX_STREAM_BOOK_TICKER] = LX_BN_STREAM_BOOK_TICKER,
    [LX_STREAM_TICKER] = LX_BN_STREAM_TICKER,
    [LX_STREAM_MARK_PRICE] = LX_BN_STREAM_MARK_PRICE};

static int stream_name(const struct bn_ex *x, enum lx_ex_stream kind,
                       const char *symbol, const char *arg, char *out)
{
    int rc;

    if ((unsigned)kind >= LX_ARRAY_LEN(kinds)) {
        return LX_ERR_INVAL;
    }
    if (kind == LX_STREAM_MARK_PRICE && x->market != LX_BN_USDM) {
        return LX_ERR_UNSUPPORTED;
    }
    rc = lx__bn_stream_name(kinds[kind], symbol, arg, out, NAME_MAX_LEN);
    return rc < 0 ? rc : LX_OK;
}

static void arm_flush(struct bn_streams *st)
{
    int64_t now = lx_clock_mono_ns(st->x->clock);
    int64_t d = st->last_ctrl_ns + CTRL_SPACING_NS - now;

    if (st->state == ST_UP && !lx_timer_pending(st->flush)) {
        (void)lx_timer_start(st->flush, d > 0 && st->last_ctrl_ns != 0 ? d : 0,
                             0);
    }
}

static void send_ctrl(struct bn_streams *st, const char *method,
                      const char *const *names, size_t n)
{
    char buf[NAME_MAX_LEN * 64 + 128];
    int len;

    len = lx__bn_ws_control(method, names, n, ++st->next_id, buf, sizeof(buf));
    if (len > 0) {
        (void)lx_ws_send_text(st->ws, buf, (size_t)len);
        st->last_ctrl_ns = lx_clock_mono_ns(st->x->clock);
    }
}

/* Sends up to 64 pending (un)subscriptions per frame, one frame a tick. */
static void flush_cb(struct lx_timer *t, void *ud)
{
    struct bn_streams *st = ud;
    const char *names[64];
    size_t i, n = 0;

    LX_UNUSED(t);
    if (st->state != ST_UP) {
        return;
    }
    if (st->nunsub > 0) {
        for (; n < st->nunsub && n < LX_ARRAY_LEN(names); n++) {
            names[n] = st->unsub[st->nunsub - 1 - n];
        }
        send_ctrl(st, "UNSUBSCRIBE", names, n);
        st->nunsub -= n;
    } else {
        for (i = 0; i < st->nsubs && n < LX_ARRAY_LEN(names); i++) {
            if (!st->subs[i].live) {
                names[n++] = st->subs[i].name;
                st->subs[i].live = true;
            }
        }
        if (n > 0) {
            send_ctrl(st, "SUBSCRIBE", names, n);
        }
    }
    for (i = 0; i < st->nsubs; i++) {
        if (!st->subs[i].live) {
            arm_flush(st); /* more next time, paced */
            return;
        }
    }
    if (st->nunsub > 0) {
        arm_flush(st);
    }
}

static int add_sub(struct bn_streams *st, const char *name, bool book)
{
    struct bn_sub *s = find_sub(st, name), *grown;

    if (s != NULL) {
        if ((book && s->book) || (!book && s->user)) {
            return LX_ERR_EXISTS;
        }
        *(book ? &s->book : &s->user) = true;
        return LX_OK;
    }
    if (st->nsubs >= MAX_STREAMS) {
        return LX_ERR_TOOBIG;
    }
    grown = lx__realloc(st->x->mem, st->subs, (st->nsubs + 1) * sizeof(*grown));
    if (grown == NULL) {
        return LX_ERR_NOMEM;
    }
    st->subs = grown;
    s = &st->subs[st->nsubs++];
    memset(s, 0, sizeof(*s));
    memcpy(s->name, name, strlen(name) + 1);
    *(book ? &s->book : &s->user) = true;
    if (st->state == ST_DOWN && !lx_timer_pending(st->reconnect)) {
        market_connect(st);
    } else {
        arm_flush(st);
    }
    return LX_OK;
}

/*
 * Drops the user's (book false) or a watched book's claim on a stream; the
 * stream goes when no claim is left, with an UNSUBSCRIBE when the server
 * has it (in the URL of a connection still opening, or sent).
 */
static int remove_sub(struct bn_streams *st, const char *name, bool book)
{
    struct bn_sub *s = find_sub(st, name);
    char(*grown)[NAME_MAX_LEN];
    bool live;

    if (s == NULL || !(book ? s->book : s->user)) {
        return LX_ERR_NOTFOUND;
    }
    *(book ? &s->book : &s->user) = false;
    if (s->book || s->user) {
        return LX_OK;
    }
    live = s->live;
    *s = st->subs[--st->nsubs];
    if (!live || st->state == ST_DOWN) {
        return LX_OK;
    }
    grown =
        lx__realloc(st->x->mem, st->unsub, (st->nunsub + 1) * sizeof(*grown));
    if (grown == NULL) {
        return LX_ERR_NOMEM;
    }
    st->unsub = grown;
    memcpy(st->unsub[st->nunsub++], name, strlen(name) + 1);
    arm_flush(st);
    return LX_OK;
}

int lx__bnx_subscribe(void *impl, enum lx_ex_stream kind, const char *symbol,
                      const char *arg, bool add)
{
    struct bn_ex *x = impl;
    char name[NAME_MAX_LEN];
    int rc = stream_name(x, kind, symbol, arg, name);

    if (rc != LX_OK) {
        return rc;
    }
    return add ? add_sub(x->st, name, false) : remove_sub(x->st, name, false);
}

/* ---- books -----------------------------------------------------------------
 */

static struct bn_book *find_book(const struct bn_streams *st, const char *sym)
{
    size_t i;

    for (i = 0; i < st->nbooks; i++) {
        if (strcmp(st->books[i]->symbol, sym) == 0) {
            return st->books[i];
        }
    }
    return NULL;
}

static bool book_event(struct bn_book *b)
{
    struct lx_ex_event ev;

    b->notify = false; /* this event reports the state, whatever it is */
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_EV_BOOK;
    ev.stream = b->stream;
    ev.u.book.symbol = b->symbol;
    ev.u.book.book = lx_book_sync_book(b->sync);
    ev.u.book.state = lx_book_sync_state(b->sync);
    ev.u.book.reason = lx_book_sync_reason(b->sync);
    return lx__ex_event(b->st->x->ex, &ev);
}

static void fetch_snapshot(struct bn_book *b);

/* Copies n levels into a; false when a is out of memory. */
static bool levels(struct lx_arena *a, const struct lx_level *in, size_t n,
                   const struct lx_book_level **out, size_t *nout)
{
    struct lx_book_level *v = NULL;
    size_t i;

    if (n > 0) {
        v = lx_arena_alloc_array(a, n, sizeof(*v));
        if (v == NULL) {
            return false;
        }
    }
    for (i = 0; i < n; i++) {
        v[i].price = in[i].price;
        v[i].qty = in[i].qty;
    }
    *out = v;
    *nout = n;
    return true;
}

int lx__bnx_depth_snapshot(const struct lx_depth *d, struct lx_arena *a,
                           struct lx_book_snapshot *out)
{
    memset(out, 0, sizeof(*out));
    out->last_update_id = (uint64_t)d->last_update_id;
    if (!levels(a, d->bids, d->nbids, &out->bids, &out->nbids) ||
        !levels(a, d->asks, d->nasks, &out->asks, &out->nasks)) {
        return LX_ERR_NOMEM;
    }
    return LX_OK;
}

int lx__bnx_depth_diff(const struct lx_depth *d, struct lx_arena *a,
                       struct lx_book_diff *out)
{
    memset(out, 0, sizeof(*out));
    out->first_id = (uint64_t)d->first_id;
    out->final_id = (uint64_t)d->final_id;
    out->has_prev_final_id = d->prev_final_id >= 0;
    out->prev_final_id =
        out->has_prev_final_id ? (uint64_t)d->prev_final_id : 0;
    out->event_time = d->event_ms;
    if (!levels(a, d->bids, d->nbids, &out->bids, &out->nbids) ||
        !levels(a, d->asks, d->nasks, &out->asks, &out->nasks)) {
        return LX_ERR_NOMEM;
    }
    return LX_OK;
}

/*
 * Where a snapshot's levels reach on each side: its worst price, or the
 * whole side when the venue had fewer levels than asked for (and than it
 * ever gives: 5000 on spot, 1000 on USD-M, whatever the limit asked).
 */
static void coverage(const struct bn_book *b,
                     const struct lx_book_snapshot *snap,
                     struct lx_decimal cover[2], bool all[2])
{
    size_t cap = b->st->x->market == LX_BN_SPOT ? 5000 : 1000, i;

    if ((size_t)b->limit < cap) {
        cap = (size_t)b->limit;
    }
    all[LX_BOOK_BID] = snap->nbids < cap;
    all[LX_BOOK_ASK] = snap->nasks < cap;
    for (i = 0; i < snap->nbids; i++) {
        if (i == 0 ||
            lx_decimal_cmp(snap->bids[i].price, cover[LX_BOOK_BID]) < 0) {
            cover[LX_BOOK_BID] = snap->bids[i].price;
        }
    }
    for (i = 0; i < snap->nasks; i++) {
        if (i == 0 ||
            lx_decimal_cmp(snap->asks[i].price, cover[LX_BOOK_ASK]) > 0) {
            cover[LX_BOOK_ASK] = snap->asks[i].price;
        }
    }
}

static bool covered(enum lx_book_side side, struct lx_decimal price,
                    struct lx_decimal bound, bool all)
{
    int c;

    if (all) {
        return true;
    }
    c = lx_decimal_cmp(price, bound);
    return side == LX_BOOK_BID ? c >= 0 : c <= 0;
}

/* Whether both the sync snapshot and the verification one covered it. */
static bool in_region(const struct bn_book *b, enum lx_book_side side,
                      struct lx_decimal price)
{
    return covered(side, price, b->cover[side], b->cover_all[side]) &&
           covered(side, price, b->vcover[side], b->vcover_all[side]);
}

/*
 * Whether the book and the shadow, at the same update id, hold the same
 * levels over the region (a prefix of each side: the best prices): 1
 * same, 0 different, -1 out of memory. The sides are copied (O(n), into
 * the streams' arena, which the caller resets).
 */
static int same_books(const struct bn_book *b)
{
    const struct lx_book *bk[2] = {lx_book_sync_book(b->sync),
                                   lx_book_sync_book(b->shadow)};
    struct lx_arena *a = b->st->arena;
    struct lx_book_level *v[2];
    enum lx_book_side side;
    size_t n[2], depth, i, j;

    for (side = LX_BOOK_BID; side <= LX_BOOK_ASK; side++) {
        for (j = 0; j < 2; j++) {
            depth = lx_book_depth(bk[j], side);
            v[j] = NULL;
            n[j] = 0;
            if (depth > 0) {
                v[j] = lx_arena_alloc_array(a, depth, sizeof(*v[j]));
                if (v[j] == NULL) {
                    return -1;
                }
                depth = lx_book_top(bk[j], side, v[j], depth);
            }
            while (n[j] < depth && in_region(b, side, v[j][n[j]].price)) {
                n[j]++;
            }
        }
        if (n[0] != n[1]) {
            return 0;
        }
        for (i = 0; i < n[0]; i++) {
            if (!lx_decimal_eq(v[0][i].price, v[1][i].price) ||
                !lx_decimal_eq(v[0][i].qty, v[1][i].qty)) {
                return 0;
            }
        }
    }
    return 1;
}

/* Ends a verification round without a comparison. */
static void verify_skip(struct bn_book *b)
{
    if (b->vstate != VF_IDLE) {
        b->stats.verify_skipped++;
        b->vstate = VF_IDLE;
    }
}

/*
 * Gives up sync of a watched book on purpose: the diffs that follow are
 * buffered and a snapshot is fetched (paced) to bridge them, as after a
 * gap. A verification round is dropped; its snapshot, if on its way,
 * serves the resync instead.
 */
static void force_resync(struct bn_book *b, enum lx_book_sync_reason reason)
{
    (void)lx_book_sync_resync(b->sync, reason);
    verify_skip(b);
    fetch_snapshot(b);
}

/*
 * Compares the book with the shadow once both stand at the same update
 * id; a mismatch resyncs the book (reason VERIFY_FAILED).
 */
static void verify_try(struct bn_book *b)
{
    const struct lx_book *mine = lx_book_sync_book(b->sync);
    const struct lx_book *ref = lx_book_sync_book(b->shadow);
    int same;

    if (lx_book_sync_state(b->sync) != LX_BOOK_SYNC_SYNCED ||
        lx_book_sync_state(b->shadow) != LX_BOOK_SYNC_SYNCED) {
        verify_skip(b);
        return;
    }
    if (lx_book_update_id(mine) != lx_book_update_id(ref)) {
        if (++b->vdiffs > VERIFY_MAX_DIFFS) {
            verify_skip(b);
        }
        return;
    }
    same = same_books(b);
    if (same < 0) {
        verify_skip(b); /* out of memory: no comparison */
        return;
    }
    b->vstate = VF_IDLE;
    if (same == 1) {
        b->stats.verify_matches++;
        return;
    }
    b->stats.verify_mismatches++;
    LX_LOGW(b->st->x->ctx, "ws",
            "book %s: differs from the venue's snapshot at update %llu, "
            "resynchronising",
            b->symbol, (unsigned long long)lx_book_update_id(mine));
    force_resync(b, LX_BOOK_REASON_VERIFY_FAILED);
}

/* A diff of the stream, for the shadow too while a round is on. */
static void verify_feed(struct bn_book *b, const struct lx_book_diff *d)
{
    if (b->vstate == VF_IDLE) {
        return;
    }
    if (lx_book_sync_state(b->sync) != LX_BOOK_SYNC_SYNCED) {
        verify_skip(b); /* the book resyncs anyway */
        return;
    }
    if (lx_book_sync_diff(b->shadow, d, NULL) != LX_OK) {
        verify_skip(b); /* the shadow lost it: no common id */
        return;
    }
    if (b->vstate == VF_SETTLING) {
        verify_try(b);
    }
}

/* The verification snapshot landed. */
static void verify_snapshot(struct bn_book *b, const struct lx_ex_result *r)
{
    struct lx_book_snapshot snap;
    struct lx_arena *a = b->st->arena;

    if (r->err != LX_OK) {
        LX_LOGW(b->st->x->ctx, "ws", "book %s: verify snapshot failed: %s",
                b->symbol, r->errmsg);
        verify_skip(b);
        return;
    }
    /* Refused or too old: verify_try finds the shadow out of sync. */
    if (lx__bnx_depth_snapshot(r->depth, a, &snap) == LX_OK &&
        lx_book_sync_snapshot(b->shadow, &snap) == LX_OK) {
        coverage(b, &snap, b->vcover, b->vcover_all);
    }
    b->vstate = VF_SETTLING;
    b->vdiffs = 0;
    verify_try(b);
    lx_arena_reset(a);
}

/*
 * The user's check of the synced book, if any. false: the exchange was
 * freed. The check may unwatch the book (b->gone: report nothing more)
 * or resync it; when it says no, the book resyncs (CHECK_FAILED).
 */
static bool run_check(struct bn_book *b)
{
    bool ok;

    if (!lx__ex_has_book_check(b->st->x->ex)) {
        return true;
    }
    b->stats.checks++;
    if (!lx__ex_check_book(b->st->x->ex, b->symbol, lx_book_sync_book(b->sync),
                           &ok)) {
        return false;
    }
    if (ok || b->gone) {
        return true;
    }
    b->stats.check_failures++;
    LX_LOGI(b->st->x->ctx, "ws", "book %s: check failed, resynchronising",
            b->symbol);
    force_resync(b, LX_BOOK_REASON_CHECK_FAILED);
    return true;
}

static void snapshot_cb(struct lx_exchange *ex, const struct lx_ex_result *r,
                        void *ud)
{
    struct bn_book *b = ud;
    struct lx_book_snapshot snap;
    struct lx_arena *a = b->st->arena;
    enum lx_book_sync_state before = lx_book_sync_state(b->sync);
    int rc;

    LX_UNUSED(ex);
    b->fetching = false;
    if (b->vstate == VF_FETCHING) {
        verify_snapshot(b, r);
        if (lx_book_sync_state(b->sync) != before) {
            (void)book_event(b); /* a mismatch: now resyncing */
        }
        return;
    }
    if (before == LX_BOOK_SYNC_SYNCED) {
        return; /* only a round given up at its start lands here */
    }
    /* A forced resync not reported yet: its event comes first. */
    if (b->notify && (!book_event(b) || b->gone)) {
        return;
    }
    if (r->err != LX_OK) {
        LX_LOGW(b->st->x->ctx, "ws", "book %s: snapshot failed: %s", b->symbol,
                r->errmsg);
        (void)lx_timer_start(b->timer, SNAPSHOT_GAP_NS, 0);
        return;
    }
    rc = lx__bnx_depth_snapshot(r->depth, a, &snap);
    if (rc == LX_OK) {
        rc = lx_book_sync_snapshot(b->sync, &snap);
        coverage(b, &snap, b->cover, b->cover_all);
    }
    if (rc != LX_OK && rc != LX_ERR_AGAIN) {
        LX_LOGW(b->st->x->ctx, "ws", "book %s: snapshot refused: %s", b->symbol,
                lx_strerror(rc));
    }
    lx_arena_reset(a);
    if (rc == LX_ERR_NOMEM) {
        (void)lx_timer_start(b->timer, SNAPSHOT_GAP_NS, 0); /* try again */
    }
    if (lx_book_sync_state(b->sync) == LX_BOOK_SYNC_SYNCED &&
        (!run_check(b) || b->gone)) {
        return;
    }
    if (!book_event(b) || b->gone) {
        return;
    }
    if (lx_book_sync_state(b->sync) != LX_BOOK_SYNC_SYNCED &&
        lx_book_sync_buffered(b->sync) > 0) {
        fetch_snapshot(b);
    }
}

/* Asks for a snapshot now. false: it could not be queued. */
static bool send_snapshot(struct bn_book *b, int64_t now)
{
    struct lx__ex_call c;

    memset(&c, 0, sizeof(c));
    c.op = LX__OP_DEPTH;
    memcpy(c.symbol, b->symbol, sizeof(c.symbol));
    c.limit = b->limit;
    c.cb = snapshot_cb;
    c.ud = b;
    if (lx__bnx_call(b->st->x, &c) != LX_OK) {
        return false;
    }
    b->fetching = true;
    b->last_fetch_ns = now;
    return true;
}

static void fetch_snapshot(struct bn_book *b)
{
    int64_t now = lx_clock_mono_ns(b->st->x->clock);

    if (b->fetching || lx_timer_pending(b->timer)) {
        return;
    }
    if (b->last_fetch_ns != 0 && now - b->last_fetch_ns < SNAPSHOT_GAP_NS) {
        (void)lx_timer_start(b->timer, b->last_fetch_ns + SNAPSHOT_GAP_NS - now,
                             0);
        return;
    }
    if (!send_snapshot(b, now)) {
        (void)lx_timer_start(b->timer, SNAPSHOT_GAP_NS, 0);
    }
}

static void book_timer_cb(struct lx_timer *t, void *ud)
{
    struct bn_book *b = ud;

    LX_UNUSED(t);
    if (lx_book_sync_state(b->sync) != LX_BOOK_SYNC_SYNCED) {
        fetch_snapshot(b);
    }
}

/*
 * Starts a verification round of a synced book, unless one is on, a
 * snapshot is on its way or due, or the last one is under a second old
 * (then this period is skipped: verification never delays a resync).
 */
static void verify_timer_cb(struct lx_timer *t, void *ud)
{
    struct bn_book *b = ud;
    struct bn_ex *x = b->st->x;
    int64_t now = lx_clock_mono_ns(x->clock);
    struct lx_book_config cfg;

    LX_UNUSED(t);
    if (b->vstate == VF_SETTLING) {
        verify_skip(b); /* no common id within a period: a new round */
    }
    if (b->vstate != VF_IDLE || b->fetching || lx_timer_pending(b->timer) ||
        lx_book_sync_state(b->sync) != LX_BOOK_SYNC_SYNCED ||
        (b->last_fetch_ns != 0 && now - b->last_fetch_ns < SNAPSHOT_GAP_NS)) {
        return;
    }
    if (b->shadow == NULL) {
        lx_book_config_init(&cfg);
        if (lx_book_sync_new(&b->shadow, x->mem,
                             x->market == LX_BN_SPOT
                                 ? LX_BOOK_RULES_BINANCE_SPOT
                                 : LX_BOOK_RULES_BINANCE_USDM,
                             &cfg) != LX_OK) {
            return; /* out of memory: maybe next time */
        }
    }
    lx_book_sync_reset(b->shadow);
    if (send_snapshot(b, now)) {
        b->vstate = VF_FETCHING;
        b->stats.verifies++;
    }
}

/* A diff of a watched book. false: the exchange was freed. */
static bool feed_book(struct bn_book *b, const struct lx_depth *d)
{
    struct lx_book_diff diff;
    enum lx_book_sync_state before = lx_book_sync_state(b->sync);
    enum lx_book_action action = LX_BOOK_ACTION_NONE;

    if (lx__bnx_depth_diff(d, b->st->arena, &diff) != LX_OK) {
        /* A diff that cannot be kept breaks the chain: start over. */
        LX_LOGW(b->st->x->ctx, "ws", "book %s: out of memory, resynchronising",
                b->symbol);
        lx_book_sync_reset(b->sync);
        verify_skip(b);
    } else {
        if (lx_book_sync_diff(b->sync, &diff, &action) != LX_OK) {
            LX_LOGI(b->st->x->ctx, "ws", "book %s: %s, resynchronising",
                    b->symbol,
                    lx_book_sync_reason_name(lx_book_sync_reason(b->sync)));
        }
        verify_feed(b, &diff);
    }
    if (action == LX_BOOK_ACTION_APPLIED &&
        lx_book_sync_state(b->sync) == LX_BOOK_SYNC_SYNCED) {
        if (!run_check(b)) {
            return false;
        }
        if (b->gone) {
            return true;
        }
    }
    if (lx_book_sync_state(b->sync) != LX_BOOK_SYNC_SYNCED) {
        fetch_snapshot(b);
    }
    if (action == LX_BOOK_ACTION_APPLIED ||
        lx_book_sync_state(b->sync) != before) {
        return book_event(b);
    }
    return true;
}

int lx__bnx_watch_book(void *impl, const char *symbol, int limit)
{
    struct bn_ex *x = impl;
    struct bn_streams *st = x->st;
    struct lx_book_config cfg;
    struct bn_book *b, **grown;
    int rc;

    if (strlen(symbol) >= LX_SYMBOL_LEN) {
        return LX_ERR_INVAL;
    }
    if (find_book(st, symbol) != NULL) {
        return LX_ERR_EXISTS;
    }
    b = lx__calloc(x->mem, 1, sizeof(*b));
    grown = lx__realloc(x->mem, st->books, (st->nbooks + 1) * sizeof(*grown));
    if (b == NULL || grown == NULL) {
        lx__free(x->mem, b);
        return LX_ERR_NOMEM;
    }
    st->books = grown;
    b->st = st;
    b->limit = limit;
    memcpy(b->symbol, symbol, strlen(symbol) + 1);
    rc = lx__bn_stream_name(LX_BN_STREAM_DEPTH, symbol, "100ms", b->stream,
                            sizeof(b->stream));
    lx_book_config_init(&cfg);
    if (rc >= 0) {
        rc = lx_book_sync_new(&b->sync, x->mem,
                              x->market == LX_BN_SPOT
                                  ? LX_BOOK_RULES_BINANCE_SPOT
                                  : LX_BOOK_RULES_BINANCE_USDM,
                              &cfg);
    }
    if (rc >= 0) {
        rc = lx_timer_new(&b->timer, x->clock, book_timer_cb, b);
    }
    if (rc >= 0 && x->verify_ns > 0) {
        rc = lx_timer_new(&b->vtimer, x->clock, verify_timer_cb, b);
        if (rc >= 0) {
            rc = lx_timer_start(b->vtimer, x->verify_ns, x->verify_ns);
        }
    }
    if (rc >= 0) {
        rc = add_sub(st, b->stream, true);
    }
    if (rc < 0) {
        lx_timer_free(b->vtimer);
        lx_timer_free(b->timer);
        lx_book_sync_free(b->sync);
        lx__free(x->mem, b);
        return rc;
    }
    st->books[st->nbooks++] = b;
    return LX_OK;
}

static void book_free(struct bn_ex *x, struct bn_book *b)
{
    lx_timer_free(b->timer);
    lx_timer_free(b->vtimer);
    lx_book_sync_free(b->sync);
    lx_book_sync_free(b->shadow);
    lx__free(x->mem, b);
}

/* Frees the books unwatched since the last tick. */
static void reap_cb(struct lx_timer *t, void *ud)
{
    struct bn_streams *st = ud;
    struct bn_book *b;

    LX_UNUSED(t);
    while ((b = st->graveyard) != NULL) {
        st->graveyard = b->next_gone;
        book_free(st->x, b);
    }
}

/*
 * The book leaves st->books at once (no event reaches the user for it any
 * more) but is freed on the next tick: this may run inside a callback
 * that still holds b (book_event, snapshot_cb), which checks b->gone.
 */
int lx__bnx_unwatch_book(void *impl, const char *symbol)
{
    struct bn_ex *x = impl;
    struct bn_streams *st = x->st;
    struct bn_book *b = find_book(st, symbol);
    size_t i;

    if (b == NULL) {
        return LX_ERR_NOTFOUND;
    }
    for (i = 0; st->books[i] != b; i++) {
    }
    memmove(&st->books[i], &st->books[i + 1],
            (st->nbooks - i - 1) * sizeof(*st->books));
    st->nbooks--;
    b->gone = true;
    lx_timer_stop(b->timer);
    lx_timer_stop(b->vtimer);
    lx__bnx_forget(x, b); /* a snapshot on its way lands nowhere */
    b->next_gone = st->graveyard;
    st->graveyard = b;
    (void)lx_timer_start(st->reap, 0, 0);
    /* Only NOMEM can fail here (the UNSUBSCRIBE not queued): the stream
     * then carries frames nobody asked for until the next reconnect. */
    if (remove_sub(st, b->stream, true) == LX_ERR_NOMEM) {
        LX_LOGW(x->ctx, "ws", "book %s: out of memory for the UNSUBSCRIBE",
                symbol);
    }
    return LX_OK;
}

/* Reports the forced resyncs of the last tick, one event per book. */
static void notify_cb(struct lx_timer *t, void *ud)
{
    struct bn_streams *st = ud;
    size_t i;

    LX_UNUSED(t);
    /* A callback may watch, unwatch or resync books: start over. */
    for (i = 0; i < st->nbooks;) {
        struct bn_book *b = st->books[i];
        if (!b->notify) {
            i++;
            continue;
        }
        if (!book_event(b)) { /* clears b->notify */
            return;
        }
        i = 0;
    }
}

/*
 * Never calls back inside the call: the state change is reported on the
 * next tick (unless an event of the book reports it before).
 */
int lx__bnx_resync_book(void *impl, const char *symbol)
{
    struct bn_ex *x = impl;
    struct bn_book *b = find_book(x->st, symbol);

    if (b == NULL) {
        return LX_ERR_NOTFOUND;
    }
    b->stats.requested++;
    LX_LOGI(x->ctx, "ws", "book %s: resync requested", b->symbol);
    force_resync(b, LX_BOOK_REASON_REQUESTED);
    b->notify = true;
    (void)lx_timer_start(x->st->notify, 0, 0);
    return LX_OK;
}

int lx__bnx_book_stats(const void *impl, const char *symbol,
                       struct lx_ex_book_stats *out)
{
    const struct bn_ex *x = impl;
    const struct bn_book *b = find_book(x->st, symbol);

    if (b == NULL) {
        return LX_ERR_NOTFOUND;
    }
    *out = b->stats;
    return LX_OK;
}

const struct lx_book_sync *lx__bnx_book(const void *impl, const char *symbol)
{
    const struct bn_ex *x = impl;
    const struct bn_book *b = find_book(x->st, symbol);

    return b != NULL ? b->sync : NULL;
}

/* ---- frames ----------------------------------------------------------------
 */

static bool deliver_msg(struct bn_streams *st, const struct lx_bn_msg *m,
                        const uint8_t *data, size_t len)
{
    struct lx_ex_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.stream = m->stream;
    ev.raw = (const char *)data;
    ev.raw_len = len;
    switch (m->kind) {
    case LX_BN_MSG_DEPTH:
        ev.kind = LX_EV_DEPTH;
        ev.u.depth = &m->u.depth;
        break;
    case LX_BN_MSG_TRADE:
        ev.kind = LX_EV_TRADE;
        ev.u.trade = &m->u.trade;
        break;
    case LX_BN_MSG_KLINE:
        ev.kind = LX_EV_KLINE;
        ev.u.kline = &m->u.kline;
        break;
    case LX_BN_MSG_BOOK_TICKER:
        ev.kind = LX_EV_BOOK_TICKER;
        ev.u.book_ticker = &m->u.book_ticker;
        break;
    case LX_BN_MSG_MARK_PRICE:
        ev.kind = LX_EV_MARK_PRICE;
        ev.u.mark_price = &m->u.mark_price;
        break;
    case LX_BN_MSG_TICKER:
        ev.kind = LX_EV_TICKER;
        ev.u.ticker = &m->u.ticker;
        break;
    case LX_BN_MSG_ORDER_UPDATE:
        ev.kind = LX_EV_ORDER;
        ev.u.order = &m->u.order;
        break;
    case LX_BN_MSG_ACCOUNT_UPDATE:
        ev.kind = LX_EV_ACCOUNT;
        ev.u.account.reason = m->u.account.reason;
        ev.u.account.balances = m->u.account.balances;
        ev.u.account.nbalances = m->u.account.nbalances;
        ev.u.account.positions = m->u.account.positions;
        ev.u.account.npositions = m->u.account.npositions;
        break;
    case LX_BN_MSG_RESULT:
        return true; /* acknowledgement of our own control frame */
    default:
        ev.kind = LX_EV_RAW;
        break;
    }
    return lx__ex_event(st->x->ex, &ev);
}

/* Parses and delivers one frame. false: the exchange was freed. */
static bool on_frame(struct bn_streams *st, const uint8_t *data, size_t len,
                     bool user)
{
    struct lx_bn_err err;
    struct lx_bn_msg *m = &st->msg;
    struct bn_book *b;
    bool alive = true;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = lx__bn_parse_ws(st->x->market, (const char *)data, len, st->arena, m,
                         &err);
    if (rc == LX_ERR_VENUE) {
        alive = status_event(st, LX_ST_ERROR, rc, err.venue.msg);
    } else if (rc != LX_OK) {
        struct lx_ex_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.kind = LX_EV_RAW;
        ev.stream = "";
        ev.raw = (const char *)data;
        ev.raw_len = len;
        alive = lx__ex_event(st->x->ex, &ev);
    } else {
        if (!user && m->kind == LX_BN_MSG_DEPTH) {
            b = find_book(st, m->u.depth.symbol);
            if (b != NULL &&
                (m->stream[0] == '\0' || strcmp(m->stream, b->stream) == 0)) {
                alive = feed_book(b, &m->u.depth);
            }
        }
        if (alive) {
            alive = deliver_msg(st, m, data, len);
        }
        if (alive && user && m->kind == LX_BN_MSG_LISTEN_KEY_EXPIRED &&
            st->uws != NULL) {
            (void)lx_ws_close(st->uws, 1000, "listen key expired");
        }
    }
    if (alive) {
        lx_arena_reset(st->arena);
    }
    return alive;
}

/* ---- market connection
 * ------------------------------------------------------- */

static void m_open(struct lx_ws *ws, void *ud)
{
    struct bn_streams *st = ud;

    LX_UNUSED(ws);
    st->state = ST_UP;
    lx_backoff_reset(&st->bo);
    if (!status_event(st, LX_ST_MARKET_UP, LX_OK, "")) {
        return;
    }
    arm_flush(st);
}

static void m_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                      size_t len, void *ud)
{
    LX_UNUSED(ws);
    LX_UNUSED(opcode);
    (void)on_frame(ud, data, len, false);
}

static void m_close(struct lx_ws *ws, int err, int code, const char *reason,
                    void *ud)
{
    struct bn_streams *st = ud;
    char msg[160];
    size_t i;

    lx_ws_free(ws);
    st->ws = NULL;
    st->state = ST_DOWN;
    st->nunsub = 0;
    for (i = 0; i < st->nsubs; i++) {
        st->subs[i].live = false;
    }
    (void)lx_timer_start(st->reconnect,
                         lx_backoff_next(&st->bo, &st->x->net->rng), 0);
    (void)lx__snprintf(msg, sizeof(msg), "closed (%d %s)", code,
                       reason != NULL ? reason : "");
    for (i = 0; i < st->nbooks; i++) {
        lx_book_sync_reset(st->books[i]->sync);
        verify_skip(st->books[i]);
        st->books[i]->reset_pending = true;
    }
    if (!status_event(st, LX_ST_MARKET_DOWN, err, msg)) {
        return;
    }
    /* One event per book; a callback may watch or unwatch books. */
    for (i = 0; i < st->nbooks;) {
        struct bn_book *b = st->books[i];
        if (!b->reset_pending) {
            i++;
            continue;
        }
        b->reset_pending = false;
        if (!book_event(b)) {
            return;
        }
        i = 0;
    }
}

static const struct lx_ws_cbs market_cbs = {m_open, m_message, NULL, NULL,
                                            m_close};

static void market_connect(struct bn_streams *st)
{
    struct bn_ex *x = st->x;
    size_t cap = strlen(x->ws) + 32 + st->nsubs * NAME_MAX_LEN, i, n;
    char *url;
    int rc;

    if (st->nsubs == 0 || st->state != ST_DOWN) {
        return;
    }
    url = lx__malloc(x->mem, cap);
    if (url == NULL) {
        (void)lx_timer_start(st->reconnect, SEC, 0);
        return;
    }
    n = (size_t)lx__snprintf(url, cap, "%s/stream?streams=", x->ws);
    for (i = 0; i < st->nsubs; i++) {
        n += (size_t)lx__snprintf(url + n, cap - n, "%s%s", i > 0 ? "/" : "",
                                  st->subs[i].name);
        st->subs[i].live = true;
    }
    rc = lx_ws_connect(&st->ws, x->net, url, NULL, &market_cbs, st);
    lx__free(x->mem, url);
    if (rc != LX_OK) {
        LX_LOGW(x->ctx, "ws", "market stream: connect failed: %s",
                lx_strerror(rc));
        (void)lx_timer_start(st->reconnect,
                             lx_backoff_next(&st->bo, &x->net->rng), 0);
        return;
    }
    st->state = ST_CONNECTING;
}

static void reconnect_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    market_connect(ud);
}

/* ---- user-data stream ------------------------------------------------------
 */

static void u_open(struct lx_ws *ws, void *ud)
{
    struct bn_streams *st = ud;

    LX_UNUSED(ws);
    st->ustate = ST_UP;
    lx_backoff_reset(&st->ubo);
    (void)status_event(st, LX_ST_USER_UP, LX_OK, "");
}

static void u_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                      size_t len, void *ud)
{
    LX_UNUSED(ws);
    LX_UNUSED(opcode);
    (void)on_frame(ud, data, len, true);
}

static void u_close(struct lx_ws *ws, int err, int code, const char *reason,
                    void *ud)
{
    struct bn_streams *st = ud;
    char msg[160];

    lx_ws_free(ws);
    st->uws = NULL;
    st->ustate = ST_DOWN;
    (void)lx_timer_start(st->ureconnect,
                         lx_backoff_next(&st->ubo, &st->x->net->rng), 0);
    (void)lx__snprintf(msg, sizeof(msg), "closed (%d %s)", code,
                       reason != NULL ? reason : "");
    (void)status_event(st, LX_ST_USER_DOWN, err, msg);
}

static const struct lx_ws_cbs user_cbs = {u_open, u_message, NULL, NULL,
                                          u_close};

static void listen_cb(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct bn_streams *st = ud;
    char key[sizeof(st->listen_key)], msg[300];
    bool renewed;

    LX_UNUSED(ex);
    st->key_pending = false;
    if (r->err != LX_OK ||
        lx__bn_parse_listen_key(r->body, r->body_len, key, sizeof(key), NULL) !=
            LX_OK) {
        if (!st->user_on) {
            return; /* stopped meanwhile, and no key to close */
        }
        (void)lx_timer_start(st->ureconnect,
                             lx_backoff_next(&st->ubo, &st->x->net->rng), 0);
        (void)lx__snprintf(msg, sizeof(msg), "listen key: %s",
                           r->err != LX_OK && r->errmsg != NULL &&
                                   r->errmsg[0] != '\0'
                               ? r->errmsg
                               : "the answer has no listenKey");
        (void)status_event(st, LX_ST_ERROR,
                           r->err != LX_OK ? r->err : LX_ERR_PARSE, msg);
        return;
    }
    renewed = strcmp(key, st->listen_key) != 0;
    memcpy(st->listen_key, key, sizeof(key));
    OPENSSL_cleanse(key, sizeof(key));
    if (!st->user_on) {
        close_key(st); /* stopped while the key was being made */
        return;
    }
    if (renewed && !status_event(st, LX_ST_LISTEN_KEY, LX_OK, "")) {
        return;
    }
    user_connect_key(st);
}

static void request_key(struct bn_streams *st)
{
    struct lx__ex_call c;

    if (st->key_pending || st->key_closing) {
        return; /* close_cb asks again */
    }
    memset(&c, 0, sizeof(c));
    c.op = LX__OP_LISTEN_KEY;
    c.cb = listen_cb;
    c.ud = st;
    if (lx__bnx_call(st->x, &c) == LX_OK) {
        st->key_pending = true;
    } else {
        (void)lx_timer_start(st->ureconnect, SEC, 0);
    }
}

static void user_connect_key(struct bn_streams *st)
{
    char url[LX__EX_URL_MAX + 96];
    int rc;

    if (st->ustate != ST_DOWN) {
        return;
    }
    (void)lx__snprintf(url, sizeof(url), "%s/ws/%s", st->x->ws, st->listen_key);
    rc = lx_ws_connect(&st->uws, st->x->net, url, NULL, &user_cbs, st);
    OPENSSL_cleanse(url, sizeof(url));
    if (rc != LX_OK) {
        (void)lx_timer_start(st->ureconnect,
                             lx_backoff_next(&st->ubo, &st->x->net->rng), 0);
        return;
    }
    st->ustate = ST_CONNECTING;
    if (!lx_timer_pending(st->ukeep)) {
        (void)lx_timer_start(st->ukeep, KEEPALIVE_NS, KEEPALIVE_NS);
    }
}

static void ureconnect_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    request_key(ud); /* the venue answers the same key while it lives */
}

static void keep_cb(struct lx_exchange *ex, const struct lx_ex_result *r,
                    void *ud)
{
    struct bn_streams *st = ud;

    LX_UNUSED(ex);
    if (r->err == LX_OK) {
        return;
    }
    if (lx__bn_error_class(r->venue) == LX_BN_ERRC_LISTEN_KEY &&
        st->uws != NULL) {
        (void)lx_ws_close(st->uws, 1000, "listen key gone"); /* renews */
    }
}

static void ukeep_cb(struct lx_timer *t, void *ud)
{
    struct bn_streams *st = ud;
    struct lx__ex_call c;

    LX_UNUSED(t);
    if (st->listen_key[0] == '\0') {
        return;
    }
    memset(&c, 0, sizeof(c));
    c.op = LX__OP_LISTEN_KEEPALIVE;
    if (lx__snprintf(c.client_id, sizeof(c.client_id), "%s", st->listen_key) <
        0) {
        return; /* longer than any key the venue makes: renewed on expiry */
    }
    c.cb = keep_cb;
    c.ud = st;
    (void)lx__bnx_call(st->x, &c);
}

int lx__bnx_user_stream(void *impl)
{
    struct bn_ex *x = impl;

    if (x->st->user_on) {
        return LX_ERR_STATE;
    }
    x->st->user_on = true;
    lx_backoff_reset(&x->st->ubo);
    request_key(x->st);
    return LX_OK;
}

static void close_cb(struct lx_exchange *ex, const struct lx_ex_result *r,
                     void *ud)
{
    struct bn_streams *st = ud;

    LX_UNUSED(ex);
    st->key_closing = false;
    if (st->user_on && st->ustate == ST_DOWN) {
        request_key(st); /* started again meanwhile */
    }
    /* -1125, no such key: gone already, which is what was wanted. */
    if (r->err != LX_OK &&
        lx__bn_error_class(r->venue) != LX_BN_ERRC_LISTEN_KEY) {
        LX_LOGW(st->x->ctx, "ws", "listen key: close failed: %s", r->errmsg);
        (void)status_event(st, LX_ST_ERROR, r->err, "listen key: close failed");
    }
}

/* DELETEs the listen key on the venue and forgets it. */
static void close_key(struct bn_streams *st)
{
    struct lx__ex_call c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.op = LX__OP_LISTEN_CLOSE;
    c.cb = close_cb;
    c.ud = st;
    rc = lx__snprintf(c.client_id, sizeof(c.client_id), "%s", st->listen_key);
    OPENSSL_cleanse(st->listen_key, sizeof(st->listen_key));
    if (rc < 0) {
        return; /* no key the venue makes is this long; it expires alone */
    }
    if (lx__bnx_call(st->x, &c) == LX_OK) {
        st->key_closing = true;
    } else {
        LX_LOGW(st->x->ctx, "ws", "listen key: cannot close it (%s)",
                "the venue expires it within the hour");
    }
    OPENSSL_cleanse(&c, sizeof(c));
}

/*
 * Stops at once: no user-data event follows, not even LX_ST_USER_DOWN.
 * The connection is freed (allowed inside its own callbacks, lx_net.h)
 * and the key closed on the venue on the next tick.
 */
int lx__bnx_user_stream_stop(void *impl)
{
    struct bn_ex *x = impl;
    struct bn_streams *st = x->st;

    if (!st->user_on) {
        return LX_ERR_NOTFOUND;
    }
    st->user_on = false;
    lx_timer_stop(st->ureconnect);
    lx_timer_stop(st->ukeep);
    lx_ws_free(st->uws);
    st->uws = NULL;
    st->ustate = ST_DOWN;
    if (st->listen_key[0] != '\0') {
        close_key(st);
    }
    return LX_OK;
}

/* ---- lifetime --------------------------------------------------------------
 */

int lx__bnx_streams_new(struct bn_ex *x)
{
    struct bn_streams *st = lx__calloc(x->mem, 1, sizeof(*st));
    int rc;

    if (st == NULL) {
        return LX_ERR_NOMEM;
    }
    st->x = x;
    x->st = st;
    lx_backoff_init(&st->bo, 250 * MS, 30 * SEC);
    lx_backoff_init(&st->ubo, 250 * MS, 30 * SEC);
    rc = lx_arena_new(&st->arena, x->mem, 64u << 20);
    if (rc == LX_OK) {
        rc = lx_timer_new(&st->reconnect, x->clock, reconnect_cb, st);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&st->flush, x->clock, flush_cb, st);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&st->ureconnect, x->clock, ureconnect_cb, st);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&st->ukeep, x->clock, ukeep_cb, st);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&st->reap, x->clock, reap_cb, st);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&st->notify, x->clock, notify_cb, st);
    }
    return rc;
}

void lx__bnx_streams_free(struct bn_ex *x)
{
    struct bn_streams *st = x->st;
    size_t i;

    if (st == NULL) {
        return;
    }
    lx_ws_free(st->ws);
    lx_ws_free(st->uws);
    for (i = 0; i < st->nbooks; i++) {
        book_free(x, st->books[i]);
    }
    reap_cb(st->reap, st);
    lx_timer_free(st->reap);
    lx_timer_free(st->notify);
    lx__free(x->mem, st->books);
    lx__free(x->mem, st->subs);
    lx__free(x->mem, st->unsub);
    lx_timer_free(st->reconnect);
    lx_timer_free(st->flush);
    lx_timer_free(st->ureconnect);
    lx_timer_free(st->ukeep);
    lx_arena_free(st->arena);
    OPENSSL_cleanse(st->listen_key, sizeof(st->listen_key));
    lx__free(x->mem, st);
    x->st = NULL;
}
