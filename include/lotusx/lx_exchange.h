/*
 * lx_exchange.h - the unified exchange API: one interface over every venue
 * liblotusx speaks, created by venue name.
 *
 *   struct lx_exchange_opts *o;
 *   lx_exchange_opts_new(&o);
 *   lx_exchange_opts_set_urls(o, "http://127.0.0.1:8080",
 *                             "ws://127.0.0.1:8080");   // the mock
 *   lx_exchange_opts_set_creds(o, creds);                // lx_secret.h
 *   lx_exchange_new(&ex, net, "binance-spot", o);
 *   lx_exchange_opts_free(o);
 *   lx_exchange_depth(ex, "BTCUSDT", 100, on_depth, ud);
 *
 * Venues: "binance-spot" and "binance-usdm".
 *
 * Loop: every call runs on the event_base of the struct lx_net given to
 * lx_exchange_new (lx_net.h), from that loop's thread, never blocks, and
 * never runs a callback inside the call that scheduled it. A call that
 * returns an error never calls its callback; one that returns LX_OK calls
 * it exactly once, unless the exchange is freed first (then never).
 * Time (request timestamps, timeouts, keep-alives, back-off, rate-limit
 * windows) comes from the net's lx_clock, so a virtual clock gives a
 * deterministic session.
 *
 * Results: a struct lx_ex_result and everything it points to is borrowed
 * for the duration of the callback (copy what you keep). The raw response
 * body is always there, so nothing the unified types do not map is lost.
 *
 * Reliability, built in:
 * - Rate limits: every request is charged the venue's weight before it is
 *   sent, against the venue's per-minute limit (from exchangeInfo once
 *   markets are loaded), corrected by the used-weight header of each
 *   answer. A request that would exceed the limit waits for the next
 *   window; a 429/418 stops all requests until its Retry-After.
 * - Retries: idempotent calls (market data, queries) are retried with
 *   back-off and jitter after transport errors, 5xx and "busy" answers.
 *   Order placement is never resent blindly: when its outcome is unknown
 *   (timeout, dropped connection, 5xx, -1006/-1007) the order is looked up
 *   by its client order id, and the callback gets what the venue knows
 *   (result.reconciled set), or the original error if the order does not
 *   exist. Placements without a client id get one generated from the
 *   net's seeded PRNG.
 * - Clock offset: a -1021 (timestamp outside recvWindow) answer makes the
 *   exchange measure the server clock and re-sign the same call once.
 * - Streams reconnect with back-off and jitter and resubscribe; watched
 *   books resynchronise from a new snapshot after a gap or a reconnect
 *   (the venue's 24 h disconnect included); the user-data stream keeps
 *   its listen key alive and renews it. Books are unwatched and the
 *   user-data stream stopped (its key deleted) on request, from any
 *   callback too.
 * - Book consistency: besides the venue's sequence checks, a book can be
 *   resynced on request (lx_exchange_resync_book), checked by a function
 *   of yours after every diff (lx_exchange_set_book_check), and compared
 *   with a REST snapshot every period (lx_exchange_opts_set_book_verify).
 *
 * Secrets: keys come from an lx_creds set (env, .env or explicit) and are
 * only ever read to sign; they never reach a log or an error message.
 */
#ifndef LOTUSX_LX_EXCHANGE_H
#define LOTUSX_LX_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lx_book.h"
#include "lx_common.h"
#include "lx_err.h"
#include "lx_types.h"

struct lx_net;
struct lx_creds;
struct lx_exchange;
struct lx_exchange_opts;

/* ---- Options ------------------------------------------------------------- */

/* Which of the venue's built-in endpoint sets to use. */
enum lx_ex_env { LX_EX_PRODUCTION = 0, LX_EX_TESTNET = 1 };

/*
 * Creates an options builder with the defaults: production endpoints, no
 * credentials (public data only), recvWindow not sent (the venue's 5000
 * ms applies), 10 s request timeout, 3 retries of idempotent calls,
 * rate limiting on. Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_exchange_opts_new(struct lx_exchange_opts **out);
LX_EXTERN void lx_exchange_opts_free(struct lx_exchange_opts *o);

/* Built-in endpoints of env. Errors: LX_ERR_INVAL. */
LX_EXTERN int lx_exchange_opts_set_env(struct lx_exchange_opts *o,
                                       enum lx_ex_env env);

/*
 * Custom endpoints: rest ("https://host[:port]", no path) and ws (the
 * WebSocket origin, "wss://host[:port]"; NULL keeps the env's). Both are
 * copied. lotusx-mock serves both on one port. Errors: LX_ERR_INVAL (not
 * an http(s):// or ws(s):// URL), LX_ERR_TOOBIG, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_exchange_opts_set_urls(struct lx_exchange_opts *o,
                                        const char *rest, const char *ws);

/*
 * Credentials (borrowed: must outlive every exchange made with o). NULL
 * or a read-only set (lx_creds_is_read_only) means public data only:
 * signed calls then fail with LX_ERR_NOCREDS.
 */
LX_EXTERN void lx_exchange_opts_set_creds(struct lx_exchange_opts *o,
                                          const struct lx_creds *creds);

/*
 * Read-only mode: trading calls (place, cancel, leverage...) fail with
 * LX_ERR_PERM even with credentials; queries still work.
 */
LX_EXTERN void lx_exchange_opts_set_read_only(struct lx_exchange_opts *o,
                                              bool read_only);

/* recvWindow in ms sent with signed calls (0: not sent; at most 60000). */
LX_EXTERN int lx_exchange_opts_set_recv_window(struct lx_exchange_opts *o,
                                               int64_t ms);

/* Request timeout (ns of the net's clock; 0: 10 s). */
LX_EXTERN void lx_exchange_opts_set_timeout(struct lx_exchange_opts *o,
                                            int64_t ns);

/* Retries of idempotent calls after a transient failure (0: none). */
LX_EXTERN void lx_exchange_opts_set_retries(struct lx_exchange_opts *o,
                                            int retries);

/*
 * Rate limiting: weight_per_min 0 keeps the venue's limit (learned from
 * exchangeInfo; before that 6000 spot, 2400 USD-M); -1 switches the
 * client-side limiter off (the venue's 429s are still honoured).
 */
LX_EXTERN void lx_exchange_opts_set_rate_limit(struct lx_exchange_opts *o,
                                               int64_t weight_per_min);

/*
 * USD-M conditional orders to /fapi/v1/order instead of the algo
 * endpoint (for servers that still take them there).
 */
LX_EXTERN void
lx_exchange_opts_set_legacy_conditional(struct lx_exchange_opts *o,
                                        bool legacy);

/*
 * Built-in verification of watched books: every period_ms (0, the
 * default: never) each watched book that is SYNCED fetches a REST
 * snapshot of its snapshot_limit levels (charged its weight by the rate
 * limiter, paced with the book's other snapshots: at most one a second)
 * and compares it with the local book at one and the same update id:
 * the diffs that arrive meanwhile go to a second sync machine too, which
 * takes the snapshot exactly as a resync would, and once both machines
 * stand at the same update id the prices both snapshots covered (the
 * whole side when a snapshot has fewer levels than asked for) must hold
 * the same levels. A difference resyncs the book (reason
 * LX_BOOK_REASON_VERIFY_FAILED); a round that cannot reach a common id
 * (the snapshot older than the stream, a gap, a failed request) is
 * skipped, never guessed. lx_exchange_book_stats counts them. Cost: one
 * depth request per book per period (spot: weight 50 for 1000 levels),
 * the diffs of the round synced twice, one O(levels) comparison per
 * round (docs/connector.md, section 7). Errors: LX_ERR_INVAL (o NULL,
 * period_ms negative or too large).
 */
LX_EXTERN int lx_exchange_opts_set_book_verify(struct lx_exchange_opts *o,
                                               int64_t period_ms);

/* ---- Lifetime ------------------------------------------------------------ */

/*
 * Creates an exchange for venue on net's loop (net borrowed: it must
 * outlive the exchange; its wire tap sees every byte the exchange sends
 * and receives, which is how lotusx-record captures a session). opts may
 * be NULL (defaults) and is not kept.
 * Errors: LX_ERR_INVAL, LX_ERR_NOTFOUND (unknown venue), LX_ERR_NOMEM.
 */
LX_EXTERN int lx_exchange_new(struct lx_exchange **out, struct lx_net *net,
                              const char *venue,
                              const struct lx_exchange_opts *opts);

/*
 * Closes every connection and frees; pending callbacks never run. NULL is
 * allowed. May be called from one of the exchange's own callbacks.
 */
LX_EXTERN void lx_exchange_free(struct lx_exchange *ex);

/* "binance-spot", ... */
LX_EXTERN const char *lx_exchange_venue(const struct lx_exchange *ex);

/*
 * The clock offset in ms the exchange signs with (server - local), as
 * last measured (0 until then).
 */
LX_EXTERN int64_t lx_exchange_clock_offset(const struct lx_exchange *ex);

/* Request weight used in the current window, as last known. */
LX_EXTERN int64_t lx_exchange_used_weight(const struct lx_exchange *ex);

/*
 * The instrument named symbol from the last lx_exchange_markets answer,
 * or NULL (borrowed until the next markets answer or the free).
 */
LX_EXTERN const struct lx_instrument *
lx_exchange_instrument(const struct lx_exchange *ex, const char *symbol);

/* ---- Requests ------------------------------------------------------------ */

/*
 * The outcome of one call. err is LX_OK or: LX_ERR_VENUE (the venue
 * refused: venue holds its code and message), LX_ERR_RATELIMIT (429/418,
 * or the venue's rate-limit codes), LX_ERR_IO, LX_ERR_TLS, LX_ERR_DNS,
 * LX_ERR_TIMEOUT, LX_ERR_CLOSED (transport; after the retries),
 * LX_ERR_PARSE and the other codec errors (an answer that does not parse:
 * errmsg names the field), LX_ERR_NOMEM. errmsg is never NULL and never
 * contains a secret. Only the arrays the call fills are set.
 */
struct lx_ex_result {
    int err;
    const char *errmsg;
    const struct lx_venue_error *venue; /* NULL unless the venue said */
    int http_status;                    /* 0 without an answer */
    const char *body;                   /* the raw answer; "" without */
    size_t body_len;
    int attempts;    /* requests sent for this call (retries + 1) */
    bool reconciled; /* order state learned by a lookup (see above) */

    int64_t server_time_ms;
    int64_t leverage;
    const struct lx_instrument *instruments;
    size_t ninstruments;
    const struct lx_depth *depth;
    const struct lx_trade *trades;
    size_t ntrades;
    const struct lx_kline *klines;
    size_t nklines;
    const struct lx_ticker *tickers;
    size_t ntickers;
    const struct lx_order *orders; /* one for place, cancel and query */
    size_t norders;
    const struct lx_fill *fills;
    size_t nfills;
    const struct lx_balance *balances;
    size_t nbalances;
    const struct lx_position *positions;
    size_t npositions;
    const struct lx_mark_price *marks;
    size_t nmarks;
    const struct lx_funding_rate *funding;
    size_t nfunding;
};

typedef void (*lx_ex_cb)(struct lx_exchange *ex, const struct lx_ex_result *r,
                         void *ud);

/*
 * Every request function returns LX_OK (cb will run once) or, with cb
 * never run: LX_ERR_INVAL (NULL or empty required argument, a value the
 * venue cannot take), LX_ERR_UNSUPPORTED (the venue has no such call,
 * e.g. positions on spot), LX_ERR_NOCREDS (signed call without keys),
 * LX_ERR_PERM (trading call in read-only mode), LX_ERR_TOOBIG,
 * LX_ERR_NOMEM. Strings are copied; symbols are the venue's ("BTCUSDT").
 */

/* Instruments with filters (also cached for lx_exchange_instrument). */
LX_EXTERN int lx_exchange_markets(struct lx_exchange *ex, lx_ex_cb cb,
                                  void *ud);
/* Server time; also updates the clock offset. */
LX_EXTERN int lx_exchange_server_time(struct lx_exchange *ex, lx_ex_cb cb,
                                      void *ud);
/* Book snapshot; limit 0: the venue's default. */
LX_EXTERN int lx_exchange_depth(struct lx_exchange *ex, const char *symbol,
                                int limit, lx_ex_cb cb, void *ud);
/* Recent public trades; limit 0: the venue's default. */
LX_EXTERN int lx_exchange_trades(struct lx_exchange *ex, const char *symbol,
                                 int limit, lx_ex_cb cb, void *ud);
/* Klines ("1m", "1h"...); start/end 0 and limit 0 are not sent. */
LX_EXTERN int lx_exchange_klines(struct lx_exchange *ex, const char *symbol,
                                 const char *interval, int64_t start_ms,
                                 int64_t end_ms, int limit, lx_ex_cb cb,
                                 void *ud);
/* 24 h ticker of symbol (NULL: every symbol). */
LX_EXTERN int lx_exchange_ticker(struct lx_exchange *ex, const char *symbol,
                                 lx_ex_cb cb, void *ud);

/* Places an order (every type the venue has). */
LX_EXTERN int lx_exchange_place(struct lx_exchange *ex,
                                const struct lx_order_req *req, lx_ex_cb cb,
                                void *ud);
/* Cancels by venue order id or client id (the other NULL or ""). */
LX_EXTERN int lx_exchange_cancel(struct lx_exchange *ex, const char *symbol,
                                 const char *order_id, const char *client_id,
                                 lx_ex_cb cb, void *ud);
/* Cancels every open order of symbol. */
LX_EXTERN int lx_exchange_cancel_all(struct lx_exchange *ex, const char *symbol,
                                     lx_ex_cb cb, void *ud);
/* One order by venue order id or client id. */
LX_EXTERN int lx_exchange_query(struct lx_exchange *ex, const char *symbol,
                                const char *order_id, const char *client_id,
                                lx_ex_cb cb, void *ud);
/* Open orders of symbol (NULL: all symbols). */
LX_EXTERN int lx_exchange_open_orders(struct lx_exchange *ex,
                                      const char *symbol, lx_ex_cb cb,
                                      void *ud);
/* Our fills on symbol; from_id < 0 and limit 0 are not sent. */
LX_EXTERN int lx_exchange_my_trades(struct lx_exchange *ex, const char *symbol,
                                    int64_t from_id, int limit, lx_ex_cb cb,
                                    void *ud);
/* Balances (and, on USD-M, positions). */
LX_EXTERN int lx_exchange_balances(struct lx_exchange *ex, lx_ex_cb cb,
                                   void *ud);

/* USD-M: positions (symbol NULL: all), leverage, margin type. */
LX_EXTERN int lx_exchange_positions(struct lx_exchange *ex, const char *symbol,
                                    lx_ex_cb cb, void *ud);
LX_EXTERN int lx_exchange_set_leverage(struct lx_exchange *ex,
                                       const char *symbol, int leverage,
                                       lx_ex_cb cb, void *ud);
LX_EXTERN int lx_exchange_set_margin_type(struct lx_exchange *ex,
                                          const char *symbol,
                                          enum lx_margin_type type, lx_ex_cb cb,
                                          void *ud);
/* USD-M: funding history (start/end/limit 0 unsent), mark price. */
LX_EXTERN int lx_exchange_funding_rates(struct lx_exchange *ex,
                                        const char *symbol, int64_t start_ms,
                                        int64_t end_ms, int limit, lx_ex_cb cb,
                                        void *ud);
LX_EXTERN int lx_exchange_mark_price(struct lx_exchange *ex, const char *symbol,
                                     lx_ex_cb cb, void *ud);

/* ---- Streams ------------------------------------------------------------- */

/* Public stream kinds. */
enum lx_ex_stream {
    LX_STREAM_DEPTH = 0,    /* book diffs; arg "100ms" or NULL */
    LX_STREAM_DEPTH_LEVELS, /* partial book; arg "5", "10" or "20" */
    LX_STREAM_TRADE,
    LX_STREAM_AGG_TRADE,
    LX_STREAM_KLINE, /* arg: the interval */
    LX_STREAM_BOOK_TICKER,
    LX_STREAM_TICKER,
    LX_STREAM_MARK_PRICE /* USD-M; arg "1s" or NULL */
};

enum lx_ex_event_kind {
    LX_EV_DEPTH = 1,   /* u.depth */
    LX_EV_TRADE,       /* u.trade */
    LX_EV_KLINE,       /* u.kline */
    LX_EV_BOOK_TICKER, /* u.book_ticker */
    LX_EV_TICKER,      /* u.ticker */
    LX_EV_MARK_PRICE,  /* u.mark_price */
    LX_EV_ORDER,       /* user data: an order update, u.order */
    LX_EV_ACCOUNT,     /* user data: balances/positions, u.account */
    LX_EV_BOOK,        /* a watched book changed or its sync state: u.book */
    LX_EV_RAW,         /* a frame no unified type maps: raw only */
    LX_EV_STATUS       /* a connection event: u.status */
};

/* What LX_EV_STATUS reports. */
enum lx_ex_status {
    LX_ST_MARKET_UP = 1, /* market stream connected (again) */
    LX_ST_MARKET_DOWN,   /* lost; a reconnect is scheduled */
    LX_ST_USER_UP,       /* user-data stream connected (again) */
    LX_ST_USER_DOWN,     /* lost; a reconnect is scheduled */
    LX_ST_LISTEN_KEY,    /* a new listen key was made */
    LX_ST_ERROR          /* a stream-level error (err, msg) */
};

/*
 * One stream event, borrowed for the callback. raw is the frame as
 * received (NULL for LX_EV_BOOK and LX_EV_STATUS); stream is the combined
 * stream name when there is one, else "".
 */
struct lx_ex_event {
    enum lx_ex_event_kind kind;
    const char *stream;
    const char *raw;
    size_t raw_len;
    union {
        const struct lx_depth *depth;
        const struct lx_trade *trade;
        const struct lx_kline *kline;
        const struct lx_book_ticker *book_ticker;
        const struct lx_ticker *ticker;
        const struct lx_mark_price *mark_price;
        const struct lx_order *order;
        struct {
            const char *reason;
            const struct lx_balance *balances;
            size_t nbalances;
            const struct lx_position *positions;
            size_t npositions;
        } account;
        struct {
            const char *symbol;
            const struct lx_book *book; /* meaningful when synced */
            enum lx_book_sync_state state;
            enum lx_book_sync_reason reason;
        } book;
        struct {
            enum lx_ex_status what;
            int err;
            const char *msg;
        } status;
    } u;
};

typedef void (*lx_ex_event_cb)(struct lx_exchange *ex,
                               const struct lx_ex_event *ev, void *ud);

/* Where stream events go (one callback per exchange). */
LX_EXTERN void lx_exchange_set_event_cb(struct lx_exchange *ex,
                                        lx_ex_event_cb cb, void *ud);

/*
 * Adds a public stream to the exchange's market connection: connects it
 * on first use, or sends a live SUBSCRIBE. Subscriptions survive
 * reconnects. Errors: LX_ERR_INVAL (bad symbol or arg), LX_ERR_EXISTS,
 * LX_ERR_UNSUPPORTED (e.g. mark price on spot), LX_ERR_TOOBIG (1024
 * streams), LX_ERR_NOMEM.
 */
LX_EXTERN int lx_exchange_subscribe(struct lx_exchange *ex,
                                    enum lx_ex_stream kind, const char *symbol,
                                    const char *arg);
/* Removes it (live UNSUBSCRIBE). Errors: LX_ERR_NOTFOUND, LX_ERR_INVAL. */
LX_EXTERN int lx_exchange_unsubscribe(struct lx_exchange *ex,
                                      enum lx_ex_stream kind,
                                      const char *symbol, const char *arg);

/*
 * Keeps a local order book of symbol in sync: subscribes the diff stream
 * (@depth@100ms), fetches a snapshot of snapshot_limit levels (0: 1000)
 * and synchronises as the venue documents (spot U/u, USD-M pu), with gap
 * detection and automatic resync; LX_EV_BOOK reports every change and
 * every state change. Until lx_exchange_unwatch_book or the free.
 * Errors: as lx_exchange_subscribe (LX_ERR_EXISTS: already watched).
 */
LX_EXTERN int lx_exchange_watch_book(struct lx_exchange *ex, const char *symbol,
                                     int snapshot_limit);

/*
 * Stops watching symbol's book: the book and its sync machine are freed,
 * lx_exchange_book returns NULL for it from now on and no LX_EV_BOOK for
 * it follows; the diff stream gets a live UNSUBSCRIBE unless the user
 * subscribed it too (lx_exchange_subscribe), and a snapshot on its way is
 * dropped when it lands. Diff frames already sent by the venue may still
 * arrive as LX_EV_DEPTH until the UNSUBSCRIBE takes effect. The book may
 * be watched again at once (a new sync from a new snapshot). May be
 * called from any callback of the exchange, including an LX_EV_BOOK of
 * this very book (whose lx_book pointer is then valid until the callback
 * returns). Errors: LX_ERR_INVAL (NULL or empty symbol), LX_ERR_NOTFOUND
 * (symbol is not watched).
 */
LX_EXTERN int lx_exchange_unwatch_book(struct lx_exchange *ex,
                                       const char *symbol);

/*
 * Forces a resync of symbol's watched book now: the book leaves SYNCED
 * (state RESYNC, reason LX_BOOK_REASON_REQUESTED; in another state a
 * snapshot is awaited already and only the reason changes), the diffs
 * that follow are buffered, and a new snapshot is fetched through the
 * normal paced path (at most one a second per book; a snapshot already
 * on its way is taken instead) and bridged by them. The LX_EV_BOOK of
 * the change comes on the next loop tick, unless a change of the book is
 * reported before. May be called from any callback of the exchange, the
 * book check included. Errors: LX_ERR_INVAL (NULL or empty symbol),
 * LX_ERR_NOTFOUND (symbol is not watched).
 */
LX_EXTERN int lx_exchange_resync_book(struct lx_exchange *ex,
                                      const char *symbol);

/*
 * A consistency check of watched books: called with the synced book
 * after every diff applied to it and after every snapshot that syncs it,
 * before the LX_EV_BOOK of that change. Return true when the book is
 * fine; false resyncs it as lx_exchange_resync_book does, with reason
 * LX_BOOK_REASON_CHECK_FAILED, and the LX_EV_BOOK that follows reports
 * that state and reason instead of the rejected book. book is borrowed
 * for the call. Cost: it runs on the loop once per applied diff (up to
 * ten a second per book on @depth@100ms; the diffs a snapshot bridges
 * count once, as the sync), in the path of every frame, so keep it to a
 * few microseconds: lx_book_best, lx_book_hash of the top levels, a
 * comparison with your own state. A REST call does not belong there (see
 * lx_exchange_opts_set_book_verify). It may call lx_exchange_resync_book,
 * lx_exchange_unwatch_book (of this book too: it is then neither
 * resynced nor reported) and lx_exchange_free. fn NULL removes the check.
 */
typedef bool (*lx_ex_book_check)(struct lx_exchange *ex, const char *symbol,
                                 const struct lx_book *book, void *ud);
LX_EXTERN void lx_exchange_set_book_check(struct lx_exchange *ex,
                                          lx_ex_book_check fn, void *ud);

/* Counters of one watched book's checks, since it was watched. */
struct lx_ex_book_stats {
    uint64_t checks;            /* calls of the book check */
    uint64_t check_failures;    /* ... that returned false */
    uint64_t requested;         /* lx_exchange_resync_book calls */
    uint64_t verifies;          /* built-in rounds started (snapshot asked) */
    uint64_t verify_matches;    /* compared at a common id: equal */
    uint64_t verify_mismatches; /* ... different: resynced */
    uint64_t verify_skipped;    /* no common id reached: not compared */
};

/*
 * Copies symbol's counters into *out. Errors: LX_ERR_INVAL,
 * LX_ERR_NOTFOUND (not watched).
 */
LX_EXTERN int lx_exchange_book_stats(const struct lx_exchange *ex,
                                     const char *symbol,
                                     struct lx_ex_book_stats *out);

/*
 * The watched book's sync machine, or NULL (borrowed until
 * lx_exchange_unwatch_book of symbol or lx_exchange_free).
 */
LX_EXTERN const struct lx_book_sync *
lx_exchange_book(const struct lx_exchange *ex, const char *symbol);

/*
 * Starts the user-data stream: makes a listen key, connects, keeps the
 * key alive every 30 minutes and renews it when the venue expires it,
 * until lx_exchange_user_stream_stop or the free. May be called from a
 * callback of the exchange. Errors: LX_ERR_INVAL (ex NULL),
 * LX_ERR_NOCREDS, LX_ERR_STATE (already started), LX_ERR_NOMEM.
 */
LX_EXTERN int lx_exchange_user_stream(struct lx_exchange *ex);

/*
 * Stops the user-data stream: closes its connection at once (no event of
 * it follows, not even LX_ST_USER_DOWN), stops the keep-alive and
 * reconnect timers, and closes the listen key on the venue (DELETE, sent
 * on the next tick; a key still being made is closed when it arrives). If
 * that DELETE fails, one LX_ST_ERROR "listen key: close failed" reports
 * it (the venue expires the key within the hour anyway). The stream may be
 * started again at once with lx_exchange_user_stream (a new key). May be
 * called from any callback of the exchange, including an event of the
 * user-data stream itself. Errors: LX_ERR_INVAL (ex NULL),
 * LX_ERR_NOTFOUND (the stream is not started).
 */
LX_EXTERN int lx_exchange_user_stream_stop(struct lx_exchange *ex);

/* ---- Blocking convenience ------------------------------------------------ */

/*
 * Runs the net's loop until *done is non-zero or timeout_ns of the net's
 * clock have passed, for scripts and examples (not from inside a
 * callback). Returns LX_OK when *done, LX_ERR_TIMEOUT, LX_ERR_STATE (real
 * clock: the loop has nothing left to wait for, so *done can never be
 * set), or lx_clock_run's error.
 */
LX_EXTERN int lx_exchange_run(struct lx_exchange *ex, const int *done,
                              int64_t timeout_ns);

#endif
