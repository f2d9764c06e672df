/*
 * codec_int.h - helpers shared by codec.c (REST bodies) and codec_ws.c
 * (WebSocket frames) of the Binance codec; private to this folder.
 *
 * Every helper records its first failure in a struct lx_json_err (code and
 * the key or index that failed) and returns the code, so a run of them can
 * share one error and be checked once, like the json.h getters.
 */
#ifndef LOTUSX_VENUES_BINANCE_CODEC_INT_H
#define LOTUSX_VENUES_BINANCE_CODEC_INT_H

#include "venues/binance/binance.h"

/* The state one parse carries around. */
struct bn_pc {
    enum lx_bn_market m;
    struct lx_arena *arena;
    struct lx_json_err *je;
};

/* Records code for key (first error wins) and returns code. */
int lx__bn_fail(struct lx_json_err *je, int code, const char *key);

/* Copies a string field into dst[cap]; optional fields leave "" . */
int lx__bn_str(const cJSON *o, const char *key, char *dst, size_t cap,
               bool required, struct lx_json_err *je);
/* Copies the item's string (or an integer, as digits) into dst[cap]. */
int lx__bn_id(const cJSON *o, const char *key, char *dst, size_t cap,
              bool required, struct lx_json_err *je);
/* Optional decimal: {0, 0} when missing or null. */
int lx__bn_dec(const cJSON *o, const char *key, struct lx_decimal *d,
               struct lx_json_err *je);
/* Optional integer: def when missing or null. */
int lx__bn_i64(const cJSON *o, const char *key, int64_t def, int64_t *v,
               struct lx_json_err *je);
/* Optional boolean: false when missing or null. */
int lx__bn_bool(const cJSON *o, const char *key, bool *v,
                struct lx_json_err *je);
/* The string value of key, or NULL when missing or not a string. */
const char *lx__bn_peek(const cJSON *o, const char *key);

/* An arena array of n elements of size sz (n 0 gives NULL, no error). */
void *lx__bn_alloc(struct bn_pc *pc, size_t n, size_t sz);

/* Parses [[price, qty], ...] into an arena array. */
int lx__bn_levels(struct bn_pc *pc, const cJSON *arr, struct lx_level **out,
                  size_t *n);

/*
 * If root is an error envelope ({"code":<non-0, non-200>,"msg":"..."}),
 * fills ve and returns LX_ERR_VENUE; else LX_OK.
 */
int lx__bn_envelope(const cJSON *root, int http_status,
                    struct lx_venue_error *ve);

/*
 * Parses buf into *root and checks the error envelope. On error the tree
 * is freed and *root is NULL.
 */
int lx__bn_begin(const char *buf, size_t len, int http_status, cJSON **root,
                 struct lx_bn_err *err);

/* An algoStatus: the order statuses it shares, else LX_STATUS_OTHER. */
enum lx_order_status lx__bn_algo_status(const char *s);

/* A depth snapshot object (REST body, or the same object in a frame). */
int lx__bn_snapshot_obj(struct bn_pc *pc, const cJSON *o, struct lx_depth *d);

/* Maps one order object (REST form) into out. */
int lx__bn_order_obj(struct bn_pc *pc, const cJSON *o, struct lx_order *out);

/* The same for the positions of an account (REST form). */
int lx__bn_position_obj(const cJSON *o, struct lx_position *p,
                        struct lx_json_err *je);

/* What lx__bn_parse_ws_fast returns when it leaves a frame to cJSON. */
#define LX__BN_FAST_DECLINE 1

/*
 * The tree-free fast path of lx__bn_parse_ws (codec_ws_fast.c) for the
 * high-volume frames: depthUpdate, trade, aggTrade, bookTicker,
 * markPriceUpdate and depth snapshot objects, and the user-data events
 * executionReport, outboundAccountPosition, balanceUpdate,
 * ORDER_TRADE_UPDATE, TRADE_LITE, ALGO_UPDATE and ACCOUNT_UPDATE; bare, in
 * a combined-stream envelope or in the WebSocket API's
 * {"subscriptionId","event"} wrapper. Returns LX_OK with *out (and its
 * arena arrays) exactly as lx__bn_parse_ws_slow would fill them, or
 * LX__BN_FAST_DECLINE for anything else or anything unusual (*out is then
 * undefined, and when the arena ran out an array may have been taken from
 * it); it never reports errors.
 */
int lx__bn_parse_ws_fast(enum lx_bn_market m, const char *buf, size_t len,
                         struct lx_arena *arena, struct lx_bn_msg *out);

/* lx__bn_parse_ws on the cJSON path only (tests and benchmarks). */
int lx__bn_parse_ws_slow(enum lx_bn_market m, const char *buf, size_t len,
                         struct lx_arena *arena, struct lx_bn_msg *out,
                         struct lx_bn_err *err);

#endif
