/*
 * bn_ex.h - the Binance connector (spot and USD-M) behind lx_exchange:
 * what its REST half (bn_ex.c) and its stream half (bn_ex_stream.c) share.
 * Never installed.
 */
#ifndef LOTUSX_VENUES_BINANCE_BN_EX_H
#define LOTUSX_VENUES_BINANCE_BN_EX_H

#include <stdbool.h>
#include <stdint.h>

#include "exchange/ex_int.h"
#include "lotusx/lx_backoff.h"
#include "lotusx/lx_book.h"
#include "venues/binance/binance.h"

struct lx_http_client;
struct lx_timer;
struct bn_req;
struct bn_streams;

struct bn_ex {
    struct lx_exchange *ex;
    struct lx_net *net;
    const struct lx_mem *mem;
    struct lx_ctx *ctx;
    struct lx_clock *clock;
    enum lx_bn_market market;
    struct lx_bn_signer signer;
    char rest[LX__EX_URL_MAX];
    char ws[LX__EX_URL_MAX];
    struct lx_http_client *http;
    struct lx_arena *arena;
    int64_t timeout_ns;
    int retries;
    int64_t limit_cfg;   /* 0: venue's, -1: off, else the limit */
    int64_t limit_venue; /* from exchangeInfo, else the default */
    int64_t offset_ms;   /* server - local */
    int64_t window;      /* minute of the used-weight count */
    int64_t used;
    int64_t blocked_until_ms; /* 429/418 Retry-After, server ms */
    struct bn_req *reqs;      /* every live request */
    struct bn_req *wait_head, *wait_tail;
    struct lx_timer *wait_timer;
    struct lx_instrument *insts;
    size_t ninsts;
    uint64_t cid_seq;
    int64_t verify_ns; /* built-in book verification period, 0: off */
    struct bn_streams *st;
};

/* Server time as the connector signs with it. */
int64_t lx__bnx_now_ms(const struct bn_ex *x);

/* Internal call (listen keys, snapshots): as the public calls. */
int lx__bnx_call(struct bn_ex *x, const struct lx__ex_call *c);

/*
 * Detaches every live call whose user data is ud: each still runs to its
 * end (a request on the wire cannot be taken back) but calls nothing.
 * For internal calls whose owner goes away first (a book's snapshot).
 */
void lx__bnx_forget(struct bn_ex *x, const void *ud);

/*
 * A REST depth snapshot, and a depth diff of the stream, in the form
 * lx_book_sync takes (levels copied into a): the conversion the connector
 * runs for every snapshot and every diff of a watched book (the benchmark
 * of the market-stream path calls them too). Errors: LX_ERR_NOMEM.
 */
int lx__bnx_depth_snapshot(const struct lx_depth *d, struct lx_arena *a,
                           struct lx_book_snapshot *out);
int lx__bnx_depth_diff(const struct lx_depth *d, struct lx_arena *a,
                       struct lx_book_diff *out);

/* The stream half. */
int lx__bnx_streams_new(struct bn_ex *x);
void lx__bnx_streams_free(struct bn_ex *x);
int lx__bnx_subscribe(void *impl, enum lx_ex_stream kind, const char *symbol,
                      const char *arg, bool add);
int lx__bnx_watch_book(void *impl, const char *symbol, int limit);
int lx__bnx_unwatch_book(void *impl, const char *symbol);
int lx__bnx_resync_book(void *impl, const char *symbol);
int lx__bnx_book_stats(const void *impl, const char *symbol,
                       struct lx_ex_book_stats *out);
const struct lx_book_sync *lx__bnx_book(const void *impl, const char *symbol);
int lx__bnx_user_stream(void *impl);
int lx__bnx_user_stream_stop(void *impl);

#endif
