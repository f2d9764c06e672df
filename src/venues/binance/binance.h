/*
 * binance.h - the client-side wire codec of Binance spot and Binance USD-M
 * futures; never installed.
 *
 * Sans-I/O: the parsers turn response bodies and WebSocket text frames into
 * lx_types.h values; the builders turn calls into the exact method, host,
 * path, query and body to send, signed. Nothing here touches a socket, a
 * clock or a log; time comes in as milliseconds.
 *
 * Parsing contract (every lx__bn_parse_* function):
 * - buf[0..len) is the body or frame as received (no NUL needed).
 * - Arrays in the output are allocated from arena and live until it is
 *   reset; on error the output may be partly written and must be ignored
 *   (the arena keeps what was allocated until its reset).
 * - A Binance error envelope ({"code":-1121,"msg":"Invalid symbol."})
 *   returns LX_ERR_VENUE and fills err->venue (http_status is copied from
 *   the http_status argument where there is one, else 0).
 * - Malformed JSON, a missing field or a wrong type returns the getter's
 *   code (LX_ERR_PARSE, LX_ERR_NOTFOUND, LX_ERR_TYPE, LX_ERR_RANGE...) and
 *   err->json names the field ("symbols[3].filters[0].tickSize").
 * - A string longer than its lx_types.h array is LX_ERR_TOOBIG.
 * - LX_ERR_NOMEM / LX_ERR_TOOBIG when the arena fails.
 * - err may be NULL.
 *
 * Decimals are parsed from Binance's exact strings (scale kept: spot sends
 * "0.00100000", scale 8). Order ids are written as decimal strings into
 * the lx_order/lx_fill order_id arrays.
 */
#ifndef LOTUSX_VENUES_BINANCE_BINANCE_H
#define LOTUSX_VENUES_BINANCE_BINANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_types.h"

struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* The two Binance markets this codec speaks. */
enum lx_bn_market {
    LX_BN_SPOT = 0, /* api.binance.com, /api/v3 */
    LX_BN_USDM = 1  /* fapi.binance.com, /fapi/v1..v3 */
};

/* Where a parse failed: the JSON path, or the venue's rejection. */
struct lx_bn_err {
    struct lx_json_err json;
    struct lx_venue_error venue;
};

/* ---- REST responses ------------------------------------------------------ */

/*
 * If buf is a Binance error envelope, fills ve (with http_status) and
 * returns LX_ERR_VENUE; otherwise returns LX_OK (also for bodies that are
 * not JSON: the caller's real parser reports those). {"code":200,...}
 * bodies (USD-M success answers) are not errors.
 */
int lx__bn_check_error(const char *buf, size_t len, int http_status,
                       struct lx_venue_error *ve);

/*
 * What a rejection means for the caller, from the venue's code and the
 * HTTP status (errors.md; USD-M shares the codes below -1000 and adds
 * -2xxx/-4xxx/-5xxx order rejections).
 */
enum lx_bn_error_class {
    LX_BN_ERRC_OTHER = 0,
    LX_BN_ERRC_RATE_LIMIT,    /* HTTP 429 or 418, -1003, -1015: back off */
    LX_BN_ERRC_TIMESTAMP,     /* -1021: resynchronise the clock offset */
    LX_BN_ERRC_AUTH,          /* -1002, -1022, -2014, -2015: keys, rights */
    LX_BN_ERRC_UNKNOWN_STATE, /* -1006, -1007: executed or not, unknown:
                                 reconcile by client order id, never
                                 resend blindly */
    LX_BN_ERRC_BUSY,          /* -1001, -1008, -1016: nothing happened;
                                 retry idempotent calls later */
    LX_BN_ERRC_NO_SUCH_ORDER, /* -2013, -2011 "Unknown order sent." */
    LX_BN_ERRC_BAD_REQUEST,   /* -1100..-1199 except -1125 */
    LX_BN_ERRC_LISTEN_KEY,    /* -1125: create a new listen key */
    LX_BN_ERRC_REJECTED       /* -1013, -2010, other -2xxx, -4xxx, -5xxx:
                                 the venue refused the order */
};

/* Classifies ve (NULL gives OTHER). */
enum lx_bn_error_class lx__bn_error_class(const struct lx_venue_error *ve);

/*
 * The lx_err a call should return for ve: LX_ERR_RATELIMIT for the rate
 * limit class (kept apart, as lx_err.h asks), LX_ERR_VENUE otherwise.
 */
int lx__bn_error_code(const struct lx_venue_error *ve);

/*
 * GET /api/v3/exchangeInfo or /fapi/v1/exchangeInfo: every symbol with
 * PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, MIN_NOTIONAL (spot minNotional,
 * USD-M notional) and NOTIONAL filters; other filters are skipped (they
 * stay in the raw body). *out: arena array of *n instruments.
 */
int lx__bn_parse_exchange_info(enum lx_bn_market m, const char *buf, size_t len,
                               struct lx_arena *arena,
                               struct lx_instrument **out, size_t *n,
                               struct lx_bn_err *err);

/* GET /api/v3/depth, /fapi/v1/depth: a snapshot (is_snapshot). */
int lx__bn_parse_depth(const char *buf, size_t len, struct lx_arena *arena,
                       struct lx_depth *out, struct lx_bn_err *err);

/* GET klines: the array-of-arrays form. */
int lx__bn_parse_klines(const char *buf, size_t len, struct lx_arena *arena,
                        struct lx_kline **out, size_t *n,
                        struct lx_bn_err *err);

/* GET /api/v3/trades or aggTrades (and /fapi/v1 ones): public trades. */
int lx__bn_parse_trades(const char *buf, size_t len, struct lx_arena *arena,
                        struct lx_trade **out, size_t *n,
                        struct lx_bn_err *err);

/*
 * One order object: a placement answer (ACK, RESULT or FULL with its
 * fills), a cancel answer, a query answer.
 */
int lx__bn_parse_order(enum lx_bn_market m, const char *buf, size_t len,
                       struct lx_arena *arena, struct lx_order *out,
                       struct lx_bn_err *err);

/*
 * An array of orders: open orders, all orders, cancel-all answers. Spot
 * order-list entries of a cancel-all answer are flattened into their
 * orderReports, so every cancelled order is reported.
 */
int lx__bn_parse_orders(enum lx_bn_market m, const char *buf, size_t len,
                        struct lx_arena *arena, struct lx_order **out,
                        size_t *n, struct lx_bn_err *err);

/*
 * Account: spot GET /api/v3/account (balances: free/locked) or USD-M
 * GET /fapi/v2|v3/account (assets and positions). pos/npos may be NULL.
 */
int lx__bn_parse_account(enum lx_bn_market m, const char *buf, size_t len,
                         struct lx_arena *arena, struct lx_balance **bal,
                         size_t *nbal, struct lx_position **pos, size_t *npos,
                         struct lx_bn_err *err);

/* USD-M GET /fapi/v2|v3/balance: the array of assets. */
int lx__bn_parse_balances(const char *buf, size_t len, struct lx_arena *arena,
                          struct lx_balance **out, size_t *n,
                          struct lx_bn_err *err);

/* USD-M GET /fapi/v2|v3/positionRisk. */
int lx__bn_parse_position_risk(const char *buf, size_t len,
                               struct lx_arena *arena, struct lx_position **out,
                               size_t *n, struct lx_bn_err *err);

/*
 * USD-M conditional (algo) orders, POST/GET/DELETE /fapi/v1/algoOrder and
 * GET /fapi/v1/openAlgoOrders: is_algo set, order_id the algoId, client_id
 * the clientAlgoId, status_raw the algoStatus (NEW, CANCELED, TRIGGERING,
 * TRIGGERED, FINISHED, REJECTED, EXPIRED; those that are no order status
 * map to LX_STATUS_OTHER).
 */
int lx__bn_parse_algo_order(const char *buf, size_t len, struct lx_arena *arena,
                            struct lx_order *out, struct lx_bn_err *err);
int lx__bn_parse_algo_orders(const char *buf, size_t len,
                             struct lx_arena *arena, struct lx_order **out,
                             size_t *n, struct lx_bn_err *err);

/* Our own trades: spot GET /api/v3/myTrades, USD-M GET /fapi/v1/userTrades. */
int lx__bn_parse_my_trades(enum lx_bn_market m, const char *buf, size_t len,
                           struct lx_arena *arena, struct lx_fill **out,
                           size_t *n, struct lx_bn_err *err);

/* GET ticker/24hr: one object (symbol given) or an array. */
int lx__bn_parse_ticker_24h(const char *buf, size_t len, struct lx_arena *arena,
                            struct lx_ticker **out, size_t *n,
                            struct lx_bn_err *err);

/* USD-M GET /fapi/v1/fundingRate: the history. */
int lx__bn_parse_funding_rates(const char *buf, size_t len,
                               struct lx_arena *arena,
                               struct lx_funding_rate **out, size_t *n,
                               struct lx_bn_err *err);

/* USD-M POST /fapi/v1/leverage answer: the leverage now in force. */
int lx__bn_parse_leverage(const char *buf, size_t len, int64_t *leverage,
                          struct lx_bn_err *err);

/* USD-M GET /fapi/v1/premiumIndex: one object or an array. */
int lx__bn_parse_premium_index(const char *buf, size_t len,
                               struct lx_arena *arena,
                               struct lx_mark_price **out, size_t *n,
                               struct lx_bn_err *err);

/* POST/PUT listenKey answers: {"listenKey":"..."}; out gets the key. */
int lx__bn_parse_listen_key(const char *buf, size_t len, char *out, size_t cap,
                            struct lx_bn_err *err);

/* GET /api/v3/time, /fapi/v1/time. */
int lx__bn_parse_server_time(const char *buf, size_t len, int64_t *ms,
                             struct lx_bn_err *err);

/* ---- WebSocket frames ---------------------------------------------------- */

enum lx_bn_msg_kind {
    LX_BN_MSG_NONE = 0,
    LX_BN_MSG_DEPTH,              /* depthUpdate: u.depth */
    LX_BN_MSG_TRADE,              /* trade / aggTrade: u.trade */
    LX_BN_MSG_KLINE,              /* kline: u.kline */
    LX_BN_MSG_BOOK_TICKER,        /* bookTicker: u.book_ticker */
    LX_BN_MSG_MARK_PRICE,         /* markPriceUpdate: u.mark_price */
    LX_BN_MSG_TICKER,             /* 24hrTicker: u.ticker */
    LX_BN_MSG_ORDER_UPDATE,       /* executionReport, ORDER_TRADE_UPDATE,
                                     TRADE_LITE, ALGO_UPDATE: u.order */
    LX_BN_MSG_ACCOUNT_UPDATE,     /* outboundAccountPosition, balanceUpdate,
                                     ACCOUNT_UPDATE: u.account */
    LX_BN_MSG_LISTEN_KEY_EXPIRED, /* listenKeyExpired: u.listen_key */
    LX_BN_MSG_STREAM_TERMINATED,  /* eventStreamTerminated */
    LX_BN_MSG_RESULT,             /* {"result":...,"id":N} reply: u.result */
    LX_BN_MSG_UNMAPPED /* valid JSON this codec does not map: deliver raw */
};

struct lx_bn_account_update {
    char reason[LX_TAG_LEN]; /* USD-M "m" (ORDER, FUNDING_FEE...); "" spot */
    int64_t tx_ms;
    struct lx_balance *balances; /* arena-owned */
    size_t nbalances;
    struct lx_position *positions; /* arena-owned; USD-M only */
    size_t npositions;
};

/*
 * One parsed frame. stream is the combined-stream name ("btcusdt@depth"),
 * "" for a bare frame. event is the venue's event type ("depthUpdate",
 * "bookTicker" for the spot form without "e"), or what identified an
 * unmapped frame. For LX_BN_MSG_UNMAPPED the caller still holds the raw
 * bytes and must deliver them.
 */
struct lx_bn_msg {
    enum lx_bn_msg_kind kind;
    char stream[96];
    char event[LX_TAG_LEN];
    int64_t event_ms;
    union {
        struct lx_depth depth;
        struct lx_trade trade;
        struct lx_kline kline;
        struct lx_book_ticker book_ticker;
        struct lx_mark_price mark_price;
        struct lx_ticker ticker;
        struct lx_order order;
        struct lx_bn_account_update account;
        char listen_key[80];
        struct {
            int64_t id;      /* a numeric id; -1 when it was a string */
            char id_str[64]; /* a string id (WebSocket API); "" else */
            int64_t status;  /* WebSocket API "status"; 0 when absent */
            bool is_null;    /* "result":null, a subscribe acknowledgement */
        } result;
    } u;
};

/*
 * Parses one WebSocket text frame of either market: combined-stream
 * envelopes {"stream":..,"data":..}, bare events, the spot WebSocket API's
 * {"subscriptionId":..,"event":{..}} user-data wrapper, and replies to
 * SUBSCRIBE. Error replies ({"code":..,"msg":..} or {"error":{..},"id":..})
 * return LX_ERR_VENUE. Returns LX_OK with kind LX_BN_MSG_UNMAPPED for any
 * well-formed JSON it does not map; never drops a frame silently.
 */
int lx__bn_parse_ws(enum lx_bn_market m, const char *buf, size_t len,
                    struct lx_arena *arena, struct lx_bn_msg *out,
                    struct lx_bn_err *err);

/* ---- Enum mapping (exposed for the mock and the tests) ------------------ */

enum lx_side lx__bn_side(const char *s);
enum lx_order_type lx__bn_order_type(enum lx_bn_market m, const char *s);
enum lx_tif lx__bn_tif(const char *s);
enum lx_order_status lx__bn_status(const char *s);
enum lx_exec_type lx__bn_exec_type(const char *s);
enum lx_position_side lx__bn_position_side(const char *s);

/*
 * The wire word for a unified order type on market m, or NULL when the
 * market has no such type. USD-M maps the spot spellings onto its own:
 * STOP_LOSS -> STOP_MARKET, STOP_LOSS_LIMIT -> STOP, TAKE_PROFIT ->
 * TAKE_PROFIT_MARKET, TAKE_PROFIT_LIMIT -> TAKE_PROFIT, TRAILING_STOP ->
 * TRAILING_STOP_MARKET, and LIMIT_MAKER -> LIMIT with timeInForce GTX.
 * Spot has no STOP_MARKET, TAKE_PROFIT_MARKET or TRAILING_STOP words
 * (spot trailing stops are STOP_LOSS/TAKE_PROFIT with trailingDelta).
 */
const char *lx__bn_order_type_word(enum lx_bn_market m, enum lx_order_type t);

/* ---- Requests -------------------------------------------------------------
 */

/* Longest query and body the builders produce (LX_ERR_TOOBIG beyond). */
#define LX_BN_QUERY_MAX 2048

/* The header that carries the API key. */
#define LX_BN_APIKEY_HEADER "X-MBX-APIKEY"

/* Production REST hosts. */
#define LX_BN_SPOT_HOST "api.binance.com"
#define LX_BN_USDM_HOST "fapi.binance.com"

/*
 * What a builder needs: the market, the host to name (NULL: production),
 * the API key and secret (borrowed; needed only by signed and user-stream
 * calls, else LX_ERR_NOCREDS), recv_window in ms (0: not sent, the venue's
 * 5000 applies), and the allocator for temporary query objects.
 *
 * An Ed25519 API key signs instead of the HMAC secret when private_key
 * (the PEM, PKCS#8 "BEGIN PRIVATE KEY", borrowed) is set: with ed25519
 * when that holds the key already parsed (lx__bn_ed25519_load; borrowed),
 * else the PEM is parsed for each signature and the parsed copy freed.
 */
struct lx_bn_signer {
    enum lx_bn_market market;
    const char *host;
    const struct lx_secret *api_key;
    const struct lx_secret *secret;
    const struct lx_secret *private_key;
    struct evp_pkey_st *ed25519;
    int64_t recv_window;
    const struct lx_mem *mem;
    /*
     * USD-M conditional orders (stop, take-profit, trailing stop) go to
     * POST /fapi/v1/algoOrder (algoType=CONDITIONAL, triggerPrice,
     * clientAlgoId), where Binance has required them since December 2025.
     * Set this to send them to POST /fapi/v1/order (type, stopPrice,
     * newClientOrderId) as before, for servers that still take them there.
     */
    bool legacy_conditional;
};

/*
 * One request, ready for the HTTP client. GET and DELETE carry their
 * parameters in the query; POST and PUT in an x-www-form-urlencoded body
 * (content_type set). For signed calls the parameters end with
 * "timestamp=<now_ms>&signature=<hex>" (recvWindow just before timestamp
 * when set), signed over query || body exactly as they are sent. When
 * api_key is not NULL the request must carry the header
 * LX_BN_APIKEY_HEADER with that key (lx__bn_apikey_value writes it).
 */
struct lx_bn_request {
    const char *method; /* "GET", "POST", "PUT", "DELETE" (static) */
    const char *host;   /* signer->host or the production host */
    char path[64];
    char query[LX_BN_QUERY_MAX];     /* without '?'; "" when none */
    char body[LX_BN_QUERY_MAX];      /* "" when none */
    const char *content_type;        /* NULL when there is no body */
    const struct lx_secret *api_key; /* borrowed; NULL: no key header */
    bool is_signed;
};

/*
 * Writes the API key into buf (cap bytes, NUL-terminated) for the
 * X-MBX-APIKEY header. The caller should wipe buf after use. Returns the
 * length, LX_ERR_INVAL, or LX_ERR_TOOBIG.
 */
int lx__bn_apikey_value(const struct lx_secret *key, char *buf, size_t cap);

/*
 * Hex HMAC-SHA256 of query || body with the signer's secret: Binance's
 * signature. Returns LX_OK, LX_ERR_NOCREDS (no secret), LX_ERR_INVAL or
 * LX_ERR_INTERNAL.
 */
int lx__bn_sign(const struct lx_bn_signer *s, const char *query,
                const char *body, char out[65]);

/*
 * The longest signature parameter value, NUL included: 88 base64
 * characters of an Ed25519 signature with each of them percent-encoded.
 */
#define LX_BN_SIG_MAX (88 * 3 + 1)

/*
 * The `signature` value for query || body as the signer's key type wants
 * it: the hex HMAC (lx__bn_sign) for an HMAC secret; for an Ed25519 key
 * (private_key set) the base64 of the Ed25519 signature, percent-encoded
 * ('+' %2B, '/' %2F, '=' %3D) so it travels as a parameter value. Writes
 * a NUL-terminated string into out (cap >= LX_BN_SIG_MAX). Returns LX_OK,
 * LX_ERR_NOCREDS (neither key), LX_ERR_INVAL, LX_ERR_CONFIG (the PEM does
 * not parse), LX_ERR_UNSUPPORTED (a private key but not Ed25519),
 * LX_ERR_NOMEM or LX_ERR_INTERNAL; out is "" on error.
 */
int lx__bn_signature(const struct lx_bn_signer *s, const char *query,
                     const char *body, char *out, size_t cap);

/*
 * Parses the PEM private key in pem (an unencrypted PKCS#8 Ed25519 key, as
 * `openssl genpkey -algorithm ed25519` writes) into *out, which the
 * caller frees with lx__bn_ed25519_free. The PEM is read in place, never
 * copied or logged. Returns LX_OK, LX_ERR_INVAL, LX_ERR_CONFIG (not a
 * PEM private key, or an encrypted one), LX_ERR_UNSUPPORTED (another key
 * type, such as RSA), LX_ERR_NOMEM.
 */
int lx__bn_ed25519_load(const struct lx_secret *pem, struct evp_pkey_st **out);
void lx__bn_ed25519_free(struct evp_pkey_st *key);

/*
 * Builders. Each fills *out completely or returns an error:
 * LX_ERR_INVAL (NULL or empty required argument, an order missing what its
 * type requires, a type the market does not have), LX_ERR_NOCREDS,
 * LX_ERR_TOOBIG, LX_ERR_NOMEM, LX_ERR_INTERNAL. now_ms is the timestamp
 * to sign with (the caller's clock, offset-corrected).
 */
int lx__bn_req_new_order(const struct lx_bn_signer *s,
                         const struct lx_order_req *o, int64_t now_ms,
                         struct lx_bn_request *out);
/* order_id or client_id (the other may be NULL or ""). */
int lx__bn_req_cancel_order(const struct lx_bn_signer *s, const char *symbol,
                            const char *order_id, const char *client_id,
                            int64_t now_ms, struct lx_bn_request *out);
int lx__bn_req_cancel_all(const struct lx_bn_signer *s, const char *symbol,
                          int64_t now_ms, struct lx_bn_request *out);
int lx__bn_req_query_order(const struct lx_bn_signer *s, const char *symbol,
                           const char *order_id, const char *client_id,
                           int64_t now_ms, struct lx_bn_request *out);
/* symbol NULL or "": every symbol. */
int lx__bn_req_open_orders(const struct lx_bn_signer *s, const char *symbol,
                           int64_t now_ms, struct lx_bn_request *out);
/* Spot /api/v3/account; USD-M /fapi/v3/account. */
int lx__bn_req_account(const struct lx_bn_signer *s, int64_t now_ms,
                       struct lx_bn_request *out);
/* USD-M only: /fapi/v3/balance, /fapi/v3/positionRisk (symbol optional). */
int lx__bn_req_balance(const struct lx_bn_signer *s, int64_t now_ms,
                       struct lx_bn_request *out);
int lx__bn_req_position_risk(const struct lx_bn_signer *s, const char *symbol,
                             int64_t now_ms, struct lx_bn_request *out);
/* Public: limit 0 is not sent. */
int lx__bn_req_depth(const struct lx_bn_signer *s, const char *symbol,
                     int limit, struct lx_bn_request *out);
/* start_ms/end_ms 0 and limit 0 are not sent. */
int lx__bn_req_klines(const struct lx_bn_signer *s, const char *symbol,
                      const char *interval, int64_t start_ms, int64_t end_ms,
                      int limit, struct lx_bn_request *out);
int lx__bn_req_exchange_info(const struct lx_bn_signer *s,
                             struct lx_bn_request *out);
int lx__bn_req_server_time(const struct lx_bn_signer *s,
                           struct lx_bn_request *out);
/* USD-M only; symbol optional. */
int lx__bn_req_premium_index(const struct lx_bn_signer *s, const char *symbol,
                             struct lx_bn_request *out);

/* Our trades; from_id < 0 and limit 0 are not sent. */
int lx__bn_req_my_trades(const struct lx_bn_signer *s, const char *symbol,
                         int64_t from_id, int limit, int64_t now_ms,
                         struct lx_bn_request *out);
/* Public trades: GET trades, or aggTrades when aggregate; limit 0 unsent. */
int lx__bn_req_trades(const struct lx_bn_signer *s, const char *symbol,
                      bool aggregate, int limit, struct lx_bn_request *out);
/* Public 24 h statistics; symbol optional. */
int lx__bn_req_ticker_24h(const struct lx_bn_signer *s, const char *symbol,
                          struct lx_bn_request *out);
/* USD-M only: leverage, margin type (CROSS or ISOLATED), funding history. */
int lx__bn_req_leverage(const struct lx_bn_signer *s, const char *symbol,
                        int leverage, int64_t now_ms,
                        struct lx_bn_request *out);
int lx__bn_req_margin_type(const struct lx_bn_signer *s, const char *symbol,
                           enum lx_margin_type type, int64_t now_ms,
                           struct lx_bn_request *out);
int lx__bn_req_funding_rate(const struct lx_bn_signer *s, const char *symbol,
                            int64_t start_ms, int64_t end_ms, int limit,
                            struct lx_bn_request *out);
/*
 * USD-M algo orders: cancel (DELETE) or query (GET) /fapi/v1/algoOrder by
 * algoId or clientAlgoId; open ones (GET /fapi/v1/openAlgoOrders, symbol
 * optional); cancel all of a symbol (DELETE /fapi/v1/algoOpenOrders).
 */
int lx__bn_req_algo_cancel(const struct lx_bn_signer *s, const char *algo_id,
                           const char *client_algo_id, int64_t now_ms,
                           struct lx_bn_request *out);
int lx__bn_req_algo_query(const struct lx_bn_signer *s, const char *algo_id,
                          const char *client_algo_id, int64_t now_ms,
                          struct lx_bn_request *out);
int lx__bn_req_algo_open_orders(const struct lx_bn_signer *s,
                                const char *symbol, int64_t now_ms,
                                struct lx_bn_request *out);
int lx__bn_req_algo_cancel_all(const struct lx_bn_signer *s, const char *symbol,
                               int64_t now_ms, struct lx_bn_request *out);

/*
 * The stream-API control frame {"method":M,"params":[...],"id":N} for
 * SUBSCRIBE, UNSUBSCRIBE (streams given) or LIST_SUBSCRIPTIONS (n 0: no
 * params). Writes compact JSON and a NUL into buf. Returns the length,
 * LX_ERR_INVAL or LX_ERR_TOOBIG.
 */
int lx__bn_ws_control(const char *method, const char *const *streams, size_t n,
                      int64_t id, char *buf, size_t cap);

/* Market stream kinds, for lx__bn_stream_name. */
enum lx_bn_stream {
    LX_BN_STREAM_DEPTH = 0,    /* <s>@depth[@<arg>]: diffs; arg "100ms" */
    LX_BN_STREAM_DEPTH_LEVELS, /* <s>@depth<arg>: partial book, arg "5" */
    LX_BN_STREAM_TRADE,        /* <s>@trade */
    LX_BN_STREAM_AGG_TRADE,    /* <s>@aggTrade */
    LX_BN_STREAM_KLINE,        /* <s>@kline_<arg>: arg the interval */
    LX_BN_STREAM_BOOK_TICKER,  /* <s>@bookTicker */
    LX_BN_STREAM_TICKER,       /* <s>@ticker */
    LX_BN_STREAM_MARK_PRICE    /* <s>@markPrice[@<arg>]: USD-M, arg "1s" */
};

/*
 * Writes a stream name ("btcusdt@depth@100ms"): the symbol lower-cased,
 * then the kind's suffix. arg as each kind says (NULL or "" when
 * optional; required for DEPTH_LEVELS and KLINE). Returns the length,
 * LX_ERR_INVAL (unknown kind, empty symbol, missing arg, a symbol or arg
 * byte outside [A-Za-z0-9_]), or LX_ERR_TOOBIG.
 */
int lx__bn_stream_name(enum lx_bn_stream kind, const char *symbol,
                       const char *arg, char *buf, size_t cap);

/*
 * The WebSocket request-target for streams: "/ws/<name>" for one stream,
 * "/stream?streams=<a>/<b>..." for several (combined envelope). Returns
 * the length, LX_ERR_INVAL (n 0, NULL or empty name) or LX_ERR_TOOBIG.
 */
int lx__bn_ws_target(const char *const *streams, size_t n, char *buf,
                     size_t cap);

/* One parameter of a WebSocket API request. */
struct lx_bn_param {
    const char *key;
    const char *value;
};

/*
 * The WebSocket API signature: HMAC-SHA256 hex over the parameters and
 * apiKey (taken from the signer), sorted by name, written key=value joined
 * by '&' with the values' raw UTF-8 bytes (no percent-encoding), as
 * web-socket-api.md "SIGNED request security" documents. Returns LX_OK,
 * LX_ERR_INVAL, LX_ERR_NOCREDS, LX_ERR_TOOBIG (over LX_BN_QUERY_MAX),
 * LX_ERR_NOMEM, LX_ERR_INTERNAL.
 */
int lx__bn_ws_sign(const struct lx_bn_signer *s, const struct lx_bn_param *p,
                   size_t n, char out[65]);

/*
 * The spot WebSocket API request that subscribes this connection to the
 * account's user data (userDataStream.subscribe.signature), signed with
 * timestamp now_ms (and recvWindow when the signer sets one). id is the
 * request id echoed in the answer. Returns the length written, or an
 * error as lx__bn_ws_sign, LX_ERR_TOOBIG when buf is too small.
 */
int lx__bn_ws_user_subscribe(const struct lx_bn_signer *s, const char *id,
                             int64_t now_ms, char *buf, size_t cap);

/*
 * True when an order of this type goes to the USD-M algo endpoint (with
 * the signer's routing): the trigger types.
 */
bool lx__bn_is_conditional(enum lx_order_type t);

enum lx_bn_listen_op {
    LX_BN_LISTEN_CREATE = 0, /* POST */
    LX_BN_LISTEN_KEEPALIVE,  /* PUT */
    LX_BN_LISTEN_CLOSE       /* DELETE */
};

/*
 * The user-data-stream key calls (API key header, no signature): spot
 * /api/v3/userDataStream (keepalive and close send listenKey=<key>), USD-M
 * /fapi/v1/listenKey (no parameters; listen_key is ignored).
 */
int lx__bn_req_listen_key(const struct lx_bn_signer *s, enum lx_bn_listen_op op,
                          const char *listen_key, struct lx_bn_request *out);

#endif
