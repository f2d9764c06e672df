/*
 * lx_book.h - the local L2 order book and its venue sync state machine.
 *
 * Two objects:
 *
 * - struct lx_book: price levels of one instrument. Prices and quantities
 *   cross the API as exact lx_decimal values and are kept inside as int64
 *   ticks and lots at a fixed scale per book (configured, or learned from
 *   the first levels it is given). Quantities are absolute: a level with
 *   quantity 0 removes the price. Bids are ordered by descending price,
 *   asks by ascending price; index 0 is always the best level. Best
 *   bid/ask is O(1); an update, or the quantity at a price, is O(log n)
 *   plus a move of at most 64 levels; the level at index i walks blocks
 *   of up to 64 levels from the best end, so the top is cheapest and
 *   lx_book_top copies n levels in O(n).
 *
 * - struct lx_book_sync: a book plus the venue's rules for bringing it in
 *   sync from a REST snapshot and a stream of diffs (Binance spot and
 *   Binance USD-M so far; enum lx_book_rules leaves room for others). It
 *   buffers diffs until a snapshot arrives, drops stale diffs, checks that
 *   the stream bridges the snapshot and that every diff follows the
 *   previous one, and reports a gap, a stale snapshot, a buffer overflow
 *   or a crossed book as a state with a reason instead of a wrong book.
 *
 * Neither object parses JSON: a venue codec fills struct lx_book_snapshot
 * and struct lx_book_diff (with borrowed level arrays) and hands them in.
 *
 * Memory: every allocation goes through the struct lx_mem given to _new
 * (NULL = libc). Threads and loops: no locks and no callbacks; an object
 * may be used from one thread at a time, from any loop.
 */
#ifndef LOTUSX_LX_BOOK_H
#define LOTUSX_LX_BOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lx_common.h"
#include "lx_decimal.h"
#include "lx_mem.h"

struct lx_book;
struct lx_book_sync;

enum lx_book_side { LX_BOOK_BID = 0, LX_BOOK_ASK = 1 };

/* One price level as the venue sent it (or as the book reports it). */
struct lx_book_level {
    struct lx_decimal price;
    struct lx_decimal qty; /* absolute; zero removes the level */
};

/* lx_book_config.price_scale / qty_scale: learn from the levels seen. */
#define LX_BOOK_SCALE_AUTO (-1)

/* Defaults that lx_book_config_init sets. */
#define LX_BOOK_DEFAULT_MAX_LEVELS     100000u
#define LX_BOOK_DEFAULT_MAX_BUF_DIFFS  4096u
#define LX_BOOK_DEFAULT_MAX_BUF_LEVELS 1000000u

/*
 * Configuration; fill it with lx_book_config_init and change what you
 * need. price_scale and qty_scale (0..18) fix the grid: a price is stored
 * as price * 10^price_scale, which must be an integer; a value off a
 * configured grid is rejected with LX_ERR_INEXACT, never rounded.
 * LX_BOOK_SCALE_AUTO takes the largest scale among the first non-empty
 * snapshot or update (Binance writes every price of a symbol with the
 * same number of digits), and grows it when a later value needs more
 * digits than that (trailing zeros do not count): the resting levels are
 * rescaled exactly, values unchanged, or the update fails with
 * LX_ERR_OVERFLOW if one would not fit. max_levels caps each side (a level
 * beyond it is LX_ERR_TOOBIG). The max_buf_* fields cap the diffs that a
 * struct lx_book_sync buffers while it waits for a snapshot, in diffs
 * and in levels over all buffered diffs; a plain lx_book ignores them.
 */
struct lx_book_config {
    int price_scale;
    int qty_scale;
    size_t max_levels;
    size_t max_buf_diffs;
    size_t max_buf_levels;
};

/* A full book as of last_update_id (Binance REST lastUpdateId). */
struct lx_book_snapshot {
    uint64_t last_update_id;
    const struct lx_book_level *bids; /* any order; borrowed */
    size_t nbids;
    const struct lx_book_level *asks;
    size_t nasks;
};

/*
 * One diff event (Binance depthUpdate): it carries the changes of the
 * updates first_id (U) .. final_id (u). prev_final_id (pu) is the final
 * id of the previous event of the stream, sent by Binance USD-M only; set
 * has_prev_final_id when present. event_time is the venue's event time
 * (E, ms) and is only kept, never interpreted.
 */
struct lx_book_diff {
    uint64_t first_id;
    uint64_t final_id;
    uint64_t prev_final_id;
    bool has_prev_final_id;
    int64_t event_time;
    const struct lx_book_level *bids; /* borrowed; quantity 0 removes */
    size_t nbids;
    const struct lx_book_level *asks;
    size_t nasks;
};

/* Sets the defaults: scales LX_BOOK_SCALE_AUTO, limits LX_BOOK_DEFAULT_*. */
LX_EXTERN void lx_book_config_init(struct lx_book_config *cfg);

/* ---- The book ----------------------------------------------------------- */

/*
 * Creates an empty book. cfg NULL means the defaults; mem NULL means libc.
 * Returns LX_OK, LX_ERR_INVAL (out NULL, a scale outside 0..18 that is
 * not LX_BOOK_SCALE_AUTO, max_levels 0) or LX_ERR_NOMEM.
 */
LX_EXTERN int lx_book_new(struct lx_book **out, const struct lx_mem *mem,
                          const struct lx_book_config *cfg) LX_WARN_UNUSED;

/* Frees the book; NULL is allowed. */
LX_EXTERN void lx_book_free(struct lx_book *book);

/* Removes every level and the crossed mark; keeps the scales. */
LX_EXTERN void lx_book_clear(struct lx_book *book);

/*
 * Replaces the content with the snapshot's levels (any order; a price
 * given twice keeps the later quantity; quantity 0 is skipped) and sets
 * the update id. On error the book is left empty.
 *
 * Returns LX_OK; LX_ERR_INVAL (NULL, a negative quantity, levels NULL with
 * a non-zero count); LX_ERR_INEXACT (a value off the book's grid);
 * LX_ERR_OVERFLOW (a value too large for int64 ticks); LX_ERR_TOOBIG (a
 * side over max_levels); LX_ERR_NOMEM; LX_ERR_CORRUPT (the snapshot is
 * crossed: best bid >= best ask; the levels are loaded and
 * lx_book_is_crossed is true).
 */
LX_EXTERN int lx_book_load(struct lx_book *book,
                           const struct lx_book_snapshot *snap) LX_WARN_UNUSED;

/*
 * Applies a set of absolute level changes, bids then asks, in order.
 * Validation errors (INVAL, INEXACT, OVERFLOW) leave the book unchanged
 * (a learned scale included).
 * LX_ERR_TOOBIG (a side would exceed max_levels) and LX_ERR_NOMEM leave
 * it partly updated (every level before the failing one applied): reload
 * a snapshot. LX_ERR_CORRUPT means the update was
 * applied and left the book crossed (lx_book_is_crossed): a valid stream
 * never does that, so the book no longer mirrors the venue.
 */
LX_EXTERN int lx_book_update(struct lx_book *book,
                             const struct lx_book_level *bids, size_t nbids,
                             const struct lx_book_level *asks,
                             size_t nasks) LX_WARN_UNUSED;

/*
 * The book's update id: set by lx_book_load (the snapshot's) and by
 * lx_book_set_update_id; lx_book_update leaves it alone. A sync machine's
 * book carries the final id (u) of the last diff applied. 0 before any.
 */
LX_EXTERN uint64_t lx_book_update_id(const struct lx_book *book);
LX_EXTERN void lx_book_set_update_id(struct lx_book *book, uint64_t id);

/* True when best bid >= best ask (only after an LX_ERR_CORRUPT). */
LX_EXTERN bool lx_book_is_crossed(const struct lx_book *book);

/*
 * The book's grid: *price_scale and *qty_scale (either may be NULL).
 * Returns LX_OK or LX_ERR_AGAIN while a scale is still to be learned.
 */
LX_EXTERN int lx_book_scales(const struct lx_book *book, int *price_scale,
                             int *qty_scale);

/* Number of levels on a side. */
LX_EXTERN size_t lx_book_depth(const struct lx_book *book,
                               enum lx_book_side side);

/*
 * The level at index idx of a side (0 = best), at the book's scales.
 * Iterate a side with idx = 0 .. lx_book_depth() - 1 (lx_book_top is
 * cheaper for many levels at once). Returns LX_OK, LX_ERR_NOTFOUND
 * (idx >= depth) or LX_ERR_INVAL.
 */
LX_EXTERN int lx_book_level_at(const struct lx_book *book,
                               enum lx_book_side side, size_t idx,
                               struct lx_book_level *out) LX_WARN_UNUSED;

/* lx_book_level_at(book, side, 0, out): LX_ERR_NOTFOUND when empty. */
LX_EXTERN int lx_book_best(const struct lx_book *book, enum lx_book_side side,
                           struct lx_book_level *out) LX_WARN_UNUSED;

/*
 * Copies up to n best levels of a side into out[] (best first) and
 * returns how many it copied (0 for a NULL book or out).
 */
LX_EXTERN size_t lx_book_top(const struct lx_book *book, enum lx_book_side side,
                             struct lx_book_level *out, size_t n);

/*
 * The quantity resting at exactly price on a side (zero when there is no
 * level). Returns LX_OK, LX_ERR_INVAL or LX_ERR_INEXACT (price off grid).
 */
LX_EXTERN int lx_book_qty_at(const struct lx_book *book, enum lx_book_side side,
                             struct lx_decimal price,
                             struct lx_decimal *qty) LX_WARN_UNUSED;

/*
 * Depth query: the total quantity of the levels at price limit or better
 * (bids >= limit, asks <= limit) in *qty, and their number in *nlevels
 * (may be NULL). Returns LX_OK, LX_ERR_INVAL, LX_ERR_INEXACT (limit off
 * grid) or LX_ERR_OVERFLOW (the sum does not fit).
 */
LX_EXTERN int lx_book_volume(const struct lx_book *book, enum lx_book_side side,
                             struct lx_decimal limit, struct lx_decimal *qty,
                             size_t *nlevels) LX_WARN_UNUSED;

/*
 * A 64-bit FNV-1a hash of the top n levels of each side, to compare two
 * books cheaply. Defined exactly (docs/book.md) so an independent model
 * can compute it: over the little-endian bytes of, in order, the
 * int64 values price_scale, qty_scale, kb = min(n, bid depth),
 * ka = min(n, ask depth), then for i in 0 .. max(kb, ka) - 1 the bid
 * (ticks, lots) at i if i < kb and the ask (ticks, lots) at i if i < ka.
 */
LX_EXTERN uint64_t lx_book_hash(const struct lx_book *book, size_t n);

/* ---- Venue sync --------------------------------------------------------- */

/*
 * Rule sets. Values are fixed; future venues are appended (Bybit, OKX,
 * Gate.io, Deribit are reserved and currently LX_ERR_UNSUPPORTED).
 */
enum lx_book_rules {
    LX_BOOK_RULES_BINANCE_SPOT = 1, /* U/u chain, U == previous u + 1 */
    LX_BOOK_RULES_BINANCE_USDM = 2, /* pu == previous u */
    LX_BOOK_RULES_BYBIT = 3,        /* reserved */
    LX_BOOK_RULES_OKX = 4,          /* reserved */
    LX_BOOK_RULES_GATEIO = 5,       /* reserved */
    LX_BOOK_RULES_DERIBIT = 6       /* reserved */
};

/*
 * States. In every state but SYNCED diffs are buffered and a snapshot is
 * awaited; the book is empty.
 *   BUFFERING      initial (and after lx_book_sync_reset): no snapshot yet.
 *   NEED_SNAPSHOT  the last snapshot was older than the buffered stream
 *                  (reason SNAPSHOT_OLD) or invalid: fetch another.
 *   SYNCED         the book mirrors the venue as of lx_book_update_id.
 *   RESYNC         sync was lost (gap, overflow, crossed, bad diff, out
 *                  of memory; see the reason): fetch a new snapshot.
 */
enum lx_book_sync_state {
    LX_BOOK_SYNC_BUFFERING = 0,
    LX_BOOK_SYNC_NEED_SNAPSHOT = 1,
    LX_BOOK_SYNC_SYNCED = 2,
    LX_BOOK_SYNC_RESYNC = 3
};

/* Why the machine last left (or failed to reach) SYNCED. */
enum lx_book_sync_reason {
    LX_BOOK_REASON_NONE = 0,
    LX_BOOK_REASON_GAP = 1,          /* a diff does not follow the last */
    LX_BOOK_REASON_SNAPSHOT_OLD = 2, /* the stream starts after snapshot */
    LX_BOOK_REASON_OVERFLOW = 3,     /* the pre-snapshot buffer was full */
    LX_BOOK_REASON_CROSSED = 4,      /* best bid >= best ask */
    LX_BOOK_REASON_BAD_LEVELS = 5,   /* levels the book could not take */
    LX_BOOK_REASON_NOMEM = 6,        /* an allocation failed */
    LX_BOOK_REASON_REQUESTED = 7,    /* the user asked for a resync */
    LX_BOOK_REASON_CHECK_FAILED = 8, /* a consistency check said no */
    LX_BOOK_REASON_VERIFY_FAILED = 9 /* the book differs from a snapshot */
};

/* Counters since lx_book_sync_new (lx_book_sync_reset keeps them). */
struct lx_book_sync_stats {
    uint64_t applied;            /* diffs applied to the book */
    uint64_t dropped;            /* stale diffs dropped (already in the book) */
    uint64_t buffered;           /* diffs put in the pre-snapshot buffer */
    uint64_t gaps;               /* chain breaks detected (reason GAP) */
    uint64_t resyncs;            /* entries into RESYNC, any reason */
    uint64_t overflows;          /* buffer overflows */
    uint64_t snapshots;          /* snapshots accepted */
    uint64_t snapshots_rejected; /* too old, crossed or invalid */
};

/* What lx_book_sync_diff did with a diff. */
enum lx_book_action {
    LX_BOOK_ACTION_NONE = 0,
    LX_BOOK_ACTION_BUFFERED = 1,
    LX_BOOK_ACTION_APPLIED = 2,
    LX_BOOK_ACTION_DROPPED = 3
};

/*
 * Creates a sync machine with its own empty book, in state BUFFERING.
 * Returns LX_OK, LX_ERR_INVAL (out NULL, bad cfg, max_buf_* 0),
 * LX_ERR_UNSUPPORTED (a reserved or unknown rule set) or LX_ERR_NOMEM.
 */
LX_EXTERN int lx_book_sync_new(struct lx_book_sync **out,
                               const struct lx_mem *mem,
                               enum lx_book_rules rules,
                               const struct lx_book_config *cfg) LX_WARN_UNUSED;

/* Frees the machine and its book; NULL is allowed. */
LX_EXTERN void lx_book_sync_free(struct lx_book_sync *s);

/*
 * Back to BUFFERING with an empty book and buffer (after a reconnect of
 * the stream, say). Counters and learned scales are kept.
 */
LX_EXTERN void lx_book_sync_reset(struct lx_book_sync *s);

/*
 * Gives up sync on purpose, with reason (a check of the caller found the
 * book wrong, or a resync was asked for; any lx_book_sync_reason but
 * NONE). In SYNCED: the book is emptied, the state becomes RESYNC and
 * the resync is counted; the stream goes on, so the diffs fed from now
 * on are buffered for the next snapshot to bridge, exactly as after a
 * gap. In any other state a snapshot is awaited already: only the reason
 * changes, the buffer is kept. Returns LX_OK or LX_ERR_INVAL (NULL,
 * reason NONE or unknown).
 */
LX_EXTERN int lx_book_sync_resync(struct lx_book_sync *s,
                                  enum lx_book_sync_reason reason);

/*
 * Feeds one diff, in stream order. In SYNCED it is checked against the
 * book's update id and applied, or dropped as stale; otherwise it is
 * copied into the buffer. *action (may be NULL) says which.
 *
 * Returns LX_OK (applied, dropped or buffered); LX_ERR_INVAL (NULL,
 * first_id > final_id, a USD-M diff without prev_final_id, levels NULL
 * with a count, an invalid decimal, a negative quantity: nothing
 * changed); LX_ERR_AGAIN (the diff revealed a gap:
 * state RESYNC, reason GAP; or, as the first diff after a snapshot, it
 * starts after the snapshot: NEED_SNAPSHOT, reason SNAPSHOT_OLD; in both
 * cases it was buffered as the start of the next sync); LX_ERR_TOOBIG
 * (the buffer overflowed: RESYNC, reason OVERFLOW, the buffer restarts
 * with this diff; or, applied, it would take a side beyond max_levels:
 * RESYNC, reason BAD_LEVELS); LX_ERR_CORRUPT (applying it crossed the
 * book: RESYNC, reason CROSSED); LX_ERR_INEXACT, LX_ERR_OVERFLOW (its
 * levels are off the grid: RESYNC, reason BAD_LEVELS); LX_ERR_NOMEM
 * (RESYNC, reason NOMEM, buffer emptied).
 */
LX_EXTERN int lx_book_sync_diff(struct lx_book_sync *s,
                                const struct lx_book_diff *d,
                                enum lx_book_action *action) LX_WARN_UNUSED;

/*
 * Feeds a REST snapshot (in any state; in SYNCED it restarts the sync
 * from it). The buffered diffs the snapshot already contains are dropped,
 * the rest must bridge it and are applied in order.
 *
 * Returns LX_OK (state SYNCED; with nothing buffered the first diff to
 * come is checked against the snapshot instead); LX_ERR_AGAIN (the
 * snapshot is older than the buffered stream: NEED_SNAPSHOT, reason
 * SNAPSHOT_OLD, buffer kept; or a buffered diff revealed a gap: RESYNC,
 * reason GAP); LX_ERR_INVAL (NULL); the errors of lx_book_load (state
 * NEED_SNAPSHOT, reason BAD_LEVELS or CROSSED, buffer kept; NOMEM:
 * RESYNC, buffer emptied); and those of lx_book_sync_diff for a buffered
 * diff that fails to apply.
 */
LX_EXTERN int
lx_book_sync_snapshot(struct lx_book_sync *s,
                      const struct lx_book_snapshot *snap) LX_WARN_UNUSED;

LX_EXTERN enum lx_book_sync_state
lx_book_sync_state(const struct lx_book_sync *s);
LX_EXTERN enum lx_book_sync_reason
lx_book_sync_reason(const struct lx_book_sync *s);
LX_EXTERN void lx_book_sync_get_stats(const struct lx_book_sync *s,
                                      struct lx_book_sync_stats *out);
/* Number of diffs waiting in the buffer. */
LX_EXTERN size_t lx_book_sync_buffered(const struct lx_book_sync *s);

/*
 * The machine's book, for queries (valid until lx_book_sync_free; only
 * meaningful in SYNCED). Do not modify it.
 */
LX_EXTERN const struct lx_book *lx_book_sync_book(const struct lx_book_sync *s);

/* Static names: "SYNCED", "GAP", "BINANCE_USDM"; "?" when unknown. */
LX_EXTERN const char *lx_book_sync_state_name(int state);
LX_EXTERN const char *lx_book_sync_reason_name(int reason);
LX_EXTERN const char *lx_book_rules_name(int rules);

#endif
