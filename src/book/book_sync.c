/*
 * book_sync.c - the venue sync state machine over a struct lx_book
 * (struct lx_book_sync): Binance spot and Binance USD-M depth streams.
 *
 * The rules, as Binance documents them (shared/reference/binance.md):
 *
 * - Diffs are buffered from the start of the stream until a snapshot
 *   arrives; the buffer is capped in diffs and in levels, and a full
 *   buffer is an error (RESYNC, reason OVERFLOW) that restarts it.
 * - Spot: a snapshot whose lastUpdateId is below the first buffered U is
 *   too old (NEED_SNAPSHOT). Buffered diffs with u <= lastUpdateId are
 *   dropped; then each diff is ignored when u < the book's id, is a gap
 *   when U > the book's id + 1, and otherwise is applied and sets the id
 *   to u.
 * - USD-M: diffs with u < lastUpdateId are dropped; the first one applied
 *   must have U <= lastUpdateId <= u (else the snapshot is too old); every
 *   later one must have pu equal to the u before it, else it is a gap. A
 *   repeat (u not above the book's id) is dropped as stale.
 *
 * A diff that ends sync (gap, snapshot too old, crossed book) is kept as
 * the first entry of a fresh buffer, so a new snapshot can bridge it
 * without losing the stream. Outside SYNCED the book is always empty.
 *
 * What it does not do: fetch snapshots or talk to the network (the
 * connector does, when the state asks for one), parse JSON.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_book.h"

/* A buffered diff; its levels live in lx_book_sync.lv at off. */
struct bdiff {
    uint64_t first_id;
    uint64_t final_id;
    uint64_t prev_final_id;
    bool has_prev;
    int64_t event_time;
    size_t off;
    size_t nbids;
    size_t nasks;
};

struct lx_book_sync {
    const struct lx_mem *mem;
    enum lx_book_rules rules;
    struct lx_book *book;
    enum lx_book_sync_state state;
    enum lx_book_sync_reason reason;
    bool bridged; /* a diff was applied since the snapshot */
    struct bdiff *bd;
    size_t nbd;
    size_t bd_cap;
    struct lx_book_level *lv;
    size_t nlv;
    size_t lv_cap;
    size_t max_diffs;
    size_t max_levels;
    struct lx_book_sync_stats st;
};

int lx_book_sync_new(struct lx_book_sync **out, const struct lx_mem *mem,
                     enum lx_book_rules rules, const struct lx_book_config *cfg)
{
    struct lx_book_config def;
    struct lx_book_sync *s;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (cfg == NULL) {
        lx_book_config_init(&def);
        cfg = &def;
    }
    if (cfg->max_buf_diffs == 0 || cfg->max_buf_levels == 0 ||
        cfg->max_buf_diffs > SIZE_MAX / 2 / sizeof(struct bdiff) ||
        cfg->max_buf_levels > SIZE_MAX / 2 / sizeof(struct lx_book_level)) {
        return LX_ERR_INVAL;
    }
    if (rules != LX_BOOK_RULES_BINANCE_SPOT &&
        rules != LX_BOOK_RULES_BINANCE_USDM) {
        return LX_ERR_UNSUPPORTED;
    }
    s = lx__calloc(mem, 1, sizeof(*s));
    if (s == NULL) {
        return LX_ERR_NOMEM;
    }
    rc = lx_book_new(&s->book, mem, cfg);
    if (rc != LX_OK) {
        lx__free(mem, s);
        return rc;
    }
    s->mem = mem;
    s->rules = rules;
    s->state = LX_BOOK_SYNC_BUFFERING;
    s->max_diffs = cfg->max_buf_diffs;
    s->max_levels = cfg->max_buf_levels;
    *out = s;
    return LX_OK;
}

void lx_book_sync_free(struct lx_book_sync *s)
{
    if (s == NULL) {
        return;
    }
    lx_book_free(s->book);
    lx__free(s->mem, s->bd);
    lx__free(s->mem, s->lv);
    lx__free(s->mem, s);
}

static void buf_clear(struct lx_book_sync *s)
{
    s->nbd = 0;
    s->nlv = 0;
}

void lx_book_sync_reset(struct lx_book_sync *s)
{
    if (s == NULL) {
        return;
    }
    lx_book_clear(s->book);
    lx_book_set_update_id(s->book, 0);
    buf_clear(s);
    s->state = LX_BOOK_SYNC_BUFFERING;
    s->reason = LX_BOOK_REASON_NONE;
    s->bridged = false;
}

/* Leaves SYNCED (or stays out of it) for state with a reason. */
static void lose_sync(struct lx_book_sync *s, enum lx_book_sync_state state,
                      enum lx_book_sync_reason reason)
{
    lx_book_clear(s->book);
    s->bridged = false;
    s->state = state;
    s->reason = reason;
    if (state == LX_BOOK_SYNC_RESYNC) {
        s->st.resyncs++;
    }
    if (reason == LX_BOOK_REASON_NOMEM) {
        buf_clear(s);
    }
}

int lx_book_sync_resync(struct lx_book_sync *s, enum lx_book_sync_reason reason)
{
    if (s == NULL || reason <= LX_BOOK_REASON_NONE ||
        reason > LX_BOOK_REASON_VERIFY_FAILED) {
        return LX_ERR_INVAL;
    }
    if (s->state == LX_BOOK_SYNC_SYNCED) {
        lose_sync(s, LX_BOOK_SYNC_RESYNC, reason);
    } else {
        s->reason = reason;
    }
    return LX_OK;
}

/* ---- The buffer --------------------------------------------------------- */

static int buf_grow(struct lx_book_sync *s, size_t nlv)
{
    if (s->nbd == s->bd_cap) {
        size_t cap = s->bd_cap < 16 ? 16 : s->bd_cap * 2;
        struct bdiff *nb;

        cap = cap > s->max_diffs ? s->max_diffs : cap;
        nb = lx__realloc(s->mem, s->bd, cap * sizeof(*nb));
        if (nb == NULL) {
            return LX_ERR_NOMEM;
        }
        s->bd = nb;
        s->bd_cap = cap;
    }
    if (s->nlv + nlv > s->lv_cap) {
        size_t cap = s->lv_cap < 256 ? 256 : s->lv_cap;
        struct lx_book_level *nl;

        while (cap < s->nlv + nlv) {
            cap *= 2;
        }
        cap = cap > s->max_levels ? s->max_levels : cap;
        nl = lx__realloc(s->mem, s->lv, cap * sizeof(*nl));
        if (nl == NULL) {
            return LX_ERR_NOMEM;
        }
        s->lv = nl;
        s->lv_cap = cap;
    }
    return LX_OK;
}

static bool buf_fits(const struct lx_book_sync *s, size_t nlv)
{
    return s->nbd < s->max_diffs && nlv <= s->max_levels - s->nlv;
}

/* Copies d to the end of the buffer; LX_ERR_TOOBIG when it is full. */
static int buf_push(struct lx_book_sync *s, const struct lx_book_diff *d)
{
    size_t nlv = d->nbids + d->nasks;
    struct bdiff *b;
    int rc;

    if (!buf_fits(s, nlv)) {
        return LX_ERR_TOOBIG;
    }
    rc = buf_grow(s, nlv);
    if (rc != LX_OK) {
        return rc;
    }
    b = &s->bd[s->nbd++];
    b->first_id = d->first_id;
    b->final_id = d->final_id;
    b->prev_final_id = d->prev_final_id;
    b->has_prev = d->has_prev_final_id;
    b->event_time = d->event_time;
    b->off = s->nlv;
    b->nbids = d->nbids;
    b->nasks = d->nasks;
    if (d->nbids > 0) {
        memcpy(&s->lv[s->nlv], d->bids, d->nbids * sizeof(*s->lv));
    }
    if (d->nasks > 0) {
        memcpy(&s->lv[s->nlv + d->nbids], d->asks, d->nasks * sizeof(*s->lv));
    }
    s->nlv += nlv;
    s->st.buffered++;
    return LX_OK;
}

/* Keeps buffered diffs from..nbd-1 and drops the ones before. */
static void buf_keep_from(struct lx_book_sync *s, size_t from)
{
    size_t i, off;

    if (from >= s->nbd) {
        buf_clear(s);
        return;
    }
    off = s->bd[from].off;
    memmove(s->bd, &s->bd[from], (s->nbd - from) * sizeof(*s->bd));
    s->nbd -= from;
    if (s->nlv > off) {
        memmove(s->lv, &s->lv[off], (s->nlv - off) * sizeof(*s->lv));
    }
    s->nlv -= off;
    for (i = 0; i < s->nbd; i++) {
        s->bd[i].off -= off;
    }
}

static void buf_view(const struct lx_book_sync *s, size_t i,
                     struct lx_book_diff *d)
{
    const struct bdiff *b = &s->bd[i];

    d->first_id = b->first_id;
    d->final_id = b->final_id;
    d->prev_final_id = b->prev_final_id;
    d->has_prev_final_id = b->has_prev;
    d->event_time = b->event_time;
    /* lv stays NULL while no buffered diff had levels. */
    d->bids = b->nbids > 0 ? &s->lv[b->off] : NULL;
    d->nbids = b->nbids;
    d->asks = b->nasks > 0 ? &s->lv[b->off + b->nbids] : NULL;
    d->nasks = b->nasks;
}

/*
 * Buffers d outside SYNCED. A full buffer is an overflow: RESYNC, and the
 * buffer restarts with d (if d alone fits).
 */
static int buffer_diff(struct lx_book_sync *s, const struct lx_book_diff *d,
                       enum lx_book_action *action)
{
    int rc = buf_push(s, d);

    if (rc == LX_OK) {
        *action = LX_BOOK_ACTION_BUFFERED;
        return LX_OK;
    }
    if (rc == LX_ERR_NOMEM) {
        lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_NOMEM);
        return rc;
    }
    s->st.overflows++;
    buf_clear(s);
    lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_OVERFLOW);
    rc = buf_push(s, d);
    if (rc == LX_OK) {
        *action = LX_BOOK_ACTION_BUFFERED;
    } else if (rc == LX_ERR_NOMEM) {
        lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_NOMEM);
        return rc;
    }
    return LX_ERR_TOOBIG;
}

/* ---- Live diffs --------------------------------------------------------- */

enum verdict { V_APPLY, V_DROP, V_OLD, V_GAP };

/* True when first > id + 1 (without wrapping at UINT64_MAX). */
static bool skips(uint64_t first, uint64_t id)
{
    return first > id && first - id > 1;
}

/* The venue rule for d against the book's id (see the top of the file). */
static enum verdict judge(const struct lx_book_sync *s,
                          const struct lx_book_diff *d)
{
    uint64_t id = lx_book_update_id(s->book);

    if (s->rules == LX_BOOK_RULES_BINANCE_SPOT) {
        if (!s->bridged) {
            if (d->final_id <= id) {
                return V_DROP;
            }
            return skips(d->first_id, id) ? V_OLD : V_APPLY;
        }
        if (d->final_id < id) {
            return V_DROP;
        }
        return skips(d->first_id, id) ? V_GAP : V_APPLY;
    }
    if (!s->bridged) {
        if (d->final_id < id) {
            return V_DROP;
        }
        return d->first_id > id ? V_OLD : V_APPLY;
    }
    if (d->final_id <= id) {
        return V_DROP;
    }
    return d->prev_final_id != id ? V_GAP : V_APPLY;
}

/*
 * Handles d in SYNCED. *keep is set when d must start the next buffer
 * (it ended sync but belongs to the stream a new snapshot will bridge).
 */
static int live_diff(struct lx_book_sync *s, const struct lx_book_diff *d,
                     enum lx_book_action *action, bool *keep)
{
    int rc;

    *keep = false;
    switch (judge(s, d)) {
    case V_DROP:
        s->st.dropped++;
        *action = LX_BOOK_ACTION_DROPPED;
        return LX_OK;
    case V_OLD:
        s->st.snapshots_rejected++;
        lose_sync(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_SNAPSHOT_OLD);
        *keep = true;
        return LX_ERR_AGAIN;
    case V_GAP:
        s->st.gaps++;
        lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_GAP);
        *keep = true;
        return LX_ERR_AGAIN;
    case V_APPLY:
        break;
    }
    rc = lx_book_update(s->book, d->bids, d->nbids, d->asks, d->nasks);
    if (rc == LX_OK) {
        lx_book_set_update_id(s->book, d->final_id);
        s->bridged = true;
        s->st.applied++;
        *action = LX_BOOK_ACTION_APPLIED;
        return LX_OK;
    }
    if (rc == LX_ERR_CORRUPT) {
        *keep = true;
        lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_CROSSED);
    } else if (rc == LX_ERR_NOMEM) {
        lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_NOMEM);
    } else {
        lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_BAD_LEVELS);
    }
    return rc;
}

static bool levels_ok(const struct lx_book_level *l, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!lx_decimal_is_valid(l[i].price) ||
            !lx_decimal_is_valid(l[i].qty) || l[i].qty.m < 0) {
            return false;
        }
    }
    return true;
}

/*
 * What makes a diff LX_ERR_INVAL before anything changes: ids out of
 * order, a missing USD-M pu, a NULL array, an invalid decimal or a
 * negative quantity (checked here so that a bad diff is refused up front
 * rather than buffered and found only when the snapshot arrives).
 */
static bool diff_ok(const struct lx_book_sync *s, const struct lx_book_diff *d)
{
    if (d->first_id > d->final_id || (d->nbids > 0 && d->bids == NULL) ||
        (d->nasks > 0 && d->asks == NULL) || d->nbids > SIZE_MAX / 4 ||
        d->nasks > SIZE_MAX / 4) {
        return false;
    }
    if (s->rules == LX_BOOK_RULES_BINANCE_USDM && !d->has_prev_final_id) {
        return false;
    }
    return levels_ok(d->bids, d->nbids) && levels_ok(d->asks, d->nasks);
}

int lx_book_sync_diff(struct lx_book_sync *s, const struct lx_book_diff *d,
                      enum lx_book_action *action)
{
    enum lx_book_action dummy;
    bool keep;
    int rc, rc2;

    if (action == NULL) {
        action = &dummy;
    }
    *action = LX_BOOK_ACTION_NONE;
    if (s == NULL || d == NULL || !diff_ok(s, d)) {
        return LX_ERR_INVAL;
    }
    if (s->state != LX_BOOK_SYNC_SYNCED) {
        return buffer_diff(s, d, action);
    }
    rc = live_diff(s, d, action, &keep);
    if (keep) {
        /* The buffer is empty in SYNCED, so d always fits unless huge. */
        rc2 = buf_push(s, d);
        if (rc2 == LX_OK) {
            *action = LX_BOOK_ACTION_BUFFERED;
        } else if (rc2 == LX_ERR_NOMEM) {
            lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_NOMEM);
            rc = rc2;
        }
    }
    return rc;
}

/* ---- Snapshots ---------------------------------------------------------- */

/* Replays the buffer after a snapshot; stops at the first failure. */
static int drain(struct lx_book_sync *s)
{
    enum lx_book_action action;
    struct lx_book_diff d;
    size_t i;
    bool keep;
    int rc;

    for (i = 0; i < s->nbd; i++) {
        buf_view(s, i, &d);
        rc = live_diff(s, &d, &action, &keep);
        if (rc != LX_OK) {
            if (s->reason != LX_BOOK_REASON_NOMEM) {
                buf_keep_from(s, keep ? i : i + 1);
            }
            return rc;
        }
    }
    buf_clear(s);
    return LX_OK;
}

int lx_book_sync_snapshot(struct lx_book_sync *s,
                          const struct lx_book_snapshot *snap)
{
    int rc;

    if (s == NULL || snap == NULL) {
        return LX_ERR_INVAL;
    }
    s->bridged = false;
    rc = lx_book_load(s->book, snap);
    if (rc != LX_OK) {
        s->st.snapshots_rejected++;
        if (rc == LX_ERR_NOMEM) {
            lose_sync(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_NOMEM);
        } else {
            lose_sync(s, LX_BOOK_SYNC_NEED_SNAPSHOT,
                      rc == LX_ERR_CORRUPT ? LX_BOOK_REASON_CROSSED
                                           : LX_BOOK_REASON_BAD_LEVELS);
        }
        return rc;
    }
    if (s->rules == LX_BOOK_RULES_BINANCE_SPOT && s->nbd > 0 &&
        snap->last_update_id < s->bd[0].first_id) {
        s->st.snapshots_rejected++;
        lose_sync(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_SNAPSHOT_OLD);
        return LX_ERR_AGAIN;
    }
    s->st.snapshots++;
    s->state = LX_BOOK_SYNC_SYNCED;
    s->reason = LX_BOOK_REASON_NONE;
    return drain(s);
}

/* ---- Accessors ---------------------------------------------------------- */

enum lx_book_sync_state lx_book_sync_state(const struct lx_book_sync *s)
{
    return s != NULL ? s->state : LX_BOOK_SYNC_BUFFERING;
}

enum lx_book_sync_reason lx_book_sync_reason(const struct lx_book_sync *s)
{
    return s != NULL ? s->reason : LX_BOOK_REASON_NONE;
}

void lx_book_sync_get_stats(const struct lx_book_sync *s,
                            struct lx_book_sync_stats *out)
{
    if (out == NULL) {
        return;
    }
    if (s == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = s->st;
}

size_t lx_book_sync_buffered(const struct lx_book_sync *s)
{
    return s != NULL ? s->nbd : 0;
}

const struct lx_book *lx_book_sync_book(const struct lx_book_sync *s)
{
    return s != NULL ? s->book : NULL;
}

const char *lx_book_sync_state_name(int state)
{
    static const char *const names[] = {"BUFFERING", "NEED_SNAPSHOT", "SYNCED",
                                        "RESYNC"};

    if (state < 0 || (size_t)state >= LX_ARRAY_LEN(names)) {
        return "?";
    }
    return names[state];
}

const char *lx_book_sync_reason_name(int reason)
{
    static const char *const names[] = {
        "NONE",       "GAP",   "SNAPSHOT_OLD", "OVERFLOW",     "CROSSED",
        "BAD_LEVELS", "NOMEM", "REQUESTED",    "CHECK_FAILED", "VERIFY_FAILED"};

    if (reason < 0 || (size_t)reason >= LX_ARRAY_LEN(names)) {
        return "?";
    }
    return names[reason];
}

const char *lx_book_rules_name(int rules)
{
    static const char *const names[] = {
        "?",   "BINANCE_SPOT", "BINANCE_USDM", "BYBIT",
        "OKX", "GATEIO",       "DERIBIT"};

    if (rules < 0 || (size_t)rules >= LX_ARRAY_LEN(names)) {
        return "?";
    }
    return names[rules];
}
