/*
 * ex_int.h - the inside of struct lx_exchange: the options, one call as
 * the public functions pack it, and the venue vtable a connector fills.
 *
 * The public functions in exchange.c check arguments and permissions and
 * pack each request into a struct lx__ex_call, so a connector sees one
 * entry point for every REST call and never re-validates. Never installed.
 */
#ifndef LOTUSX_EXCHANGE_EX_INT_H
#define LOTUSX_EXCHANGE_EX_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "lotusx/lx_exchange.h"
#include "lotusx/lx_types.h"

#define LX__EX_URL_MAX 256

struct lx_exchange_opts {
    enum lx_ex_env env;
    char rest[LX__EX_URL_MAX]; /* "" = the env's */
    char ws[LX__EX_URL_MAX];
    const struct lx_creds *creds;
    bool read_only;
    bool legacy_conditional;
    int64_t recv_window_ms;
    int64_t timeout_ns;
    int retries;
    int64_t weight_per_min;
    int64_t book_verify_ms; /* 0: no built-in verification */
};

enum lx__ex_op {
    LX__OP_MARKETS = 1,
    LX__OP_TIME,
    LX__OP_DEPTH,
    LX__OP_TRADES,
    LX__OP_KLINES,
    LX__OP_TICKER,
    LX__OP_PLACE,
    LX__OP_CANCEL,
    LX__OP_CANCEL_ALL,
    LX__OP_QUERY,
    LX__OP_OPEN_ORDERS,
    LX__OP_MY_TRADES,
    LX__OP_BALANCES,
    LX__OP_POSITIONS,
    LX__OP_LEVERAGE,
    LX__OP_MARGIN_TYPE,
    LX__OP_FUNDING,
    LX__OP_MARK_PRICE,
    /* internal calls of the connectors (no user callback) */
    LX__OP_LISTEN_KEY,
    LX__OP_LISTEN_KEEPALIVE,
    LX__OP_LISTEN_CLOSE /* client_id holds the key */
};

/* One call: the op and its (copied) arguments. */
struct lx__ex_call {
    enum lx__ex_op op;
    char symbol[LX_SYMBOL_LEN];
    char order_id[LX_ORDER_ID_LEN];
    char client_id[LX_CLIENT_ID_LEN];
    char interval[LX_INTERVAL_LEN];
    int limit;
    int leverage;
    enum lx_margin_type margin_type;
    int64_t start_ms, end_ms, from_id;
    struct lx_order_req order;
    lx_ex_cb cb;
    void *ud;
};

/* What a connector implements. */
struct lx__ex_vtable {
    const char *venue;
    int (*create)(struct lx_exchange *ex, const struct lx_exchange_opts *o,
                  void **impl);
    void (*destroy)(void *impl);
    /* Whether the venue has op at all (LX_ERR_UNSUPPORTED before queuing). */
    bool (*has_op)(const void *impl, enum lx__ex_op op);
    int (*call)(void *impl, const struct lx__ex_call *c);
    int (*subscribe)(void *impl, enum lx_ex_stream kind, const char *symbol,
                     const char *arg, bool add);
    int (*watch_book)(void *impl, const char *symbol, int limit);
    int (*unwatch_book)(void *impl, const char *symbol);
    int (*resync_book)(void *impl, const char *symbol);
    int (*book_stats)(const void *impl, const char *symbol,
                      struct lx_ex_book_stats *out);
    const struct lx_book_sync *(*book)(const void *impl, const char *symbol);
    int (*user_stream)(void *impl);
    int (*user_stream_stop)(void *impl);
    int64_t (*clock_offset)(const void *impl);
    int64_t (*used_weight)(const void *impl);
    const struct lx_instrument *(*instrument)(const void *impl,
                                              const char *symbol);
};

struct lx_timer;

struct lx_exchange {
    const struct lx__ex_vtable *vt;
    void *impl;
    struct lx_net *net;
    bool read_only;
    bool has_creds;
    lx_ex_event_cb event_cb;
    void *event_ud;
    lx_ex_book_check book_check;
    void *book_check_ud;
    int running; /* inside lx_exchange_run: stop the loop after callbacks */
    int depth;   /* user callbacks in progress */
    bool dead;   /* lx_exchange_free was called inside one */
    struct lx_timer *reaper;
};

/*
 * Connectors call the user through these (they handle lx_exchange_run and
 * a free from inside the callback). false: the exchange is gone, and the
 * connector must return at once without touching its state.
 */
bool lx__ex_deliver(struct lx_exchange *ex, const struct lx__ex_call *c,
                    const struct lx_ex_result *r);
bool lx__ex_event(struct lx_exchange *ex, const struct lx_ex_event *ev);
/*
 * Runs the user's book check, if any, on a synced book: *ok is its answer
 * (true without a check). false: the exchange is gone, as above.
 */
bool lx__ex_check_book(struct lx_exchange *ex, const char *symbol,
                       const struct lx_book *book, bool *ok);
/* Whether a book check is set (the connector skips the call if not). */
bool lx__ex_has_book_check(const struct lx_exchange *ex);
struct lx_net *lx__ex_net(const struct lx_exchange *ex);

extern const struct lx__ex_vtable lx__bn_spot_vtable;
extern const struct lx__ex_vtable lx__bn_usdm_vtable;

#endif
