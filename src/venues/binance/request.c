/*
 * request.c - the Binance spot and USD-M REST requests, built exactly:
 * method, host, path, and the query or form body in the documented
 * parameter order, then recvWindow, timestamp and the signature last for
 * signed calls: hex HMAC-SHA256 with an HMAC secret, or the percent-encoded
 * base64 Ed25519 signature with an Ed25519 private key.
 *
 * It does no I/O and reads no clock (the caller passes now_ms). It checks
 * what Binance documents as mandatory for each order type before anything
 * is signed, so an order that cannot be valid never leaves the process.
 * It does not check filters (tick, lot, notional): that needs the
 * instrument, which the connector has.
 */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "crypto/crypto.h"
#include "core/json.h"
#include "lotusx/lx_url.h"
#include "venues/binance/binance.h"

#define SIG_KEY "&signature="

int lx__bn_apikey_value(const struct lx_secret *key, char *buf, size_t cap)
{
    const uint8_t *k;
    size_t len = 0;

    if (key == NULL || buf == NULL || cap == 0) {
        return LX_ERR_INVAL;
    }
    k = lx__secret_data(key, &len);
    if (len >= cap || len > INT32_MAX) {
        buf[0] = '\0';
        return LX_ERR_TOOBIG;
    }
    memcpy(buf, k, len);
    buf[len] = '\0';
    return (int)len;
}

int lx__bn_sign(const struct lx_bn_signer *s, const char *query,
                const char *body, char out[65])
{
    struct lx_buf_part parts[2];

    if (s == NULL || query == NULL || body == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    out[0] = '\0';
    if (s->secret == NULL) {
        return LX_ERR_NOCREDS;
    }
    parts[0].p = query;
    parts[0].len = strlen(query);
    parts[1].p = body;
    parts[1].len = strlen(body);
    return lx__hmac_sha256_hex(s->secret, parts, 2, out);
}

/* An encrypted PEM fails instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *ud)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)ud;
    return -1;
}

int lx__bn_ed25519_load(const struct lx_secret *pem, EVP_PKEY **out)
{
    const uint8_t *p;
    size_t len = 0;
    EVP_PKEY *k;
    BIO *bio;

    if (pem == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    p = lx__secret_data(pem, &len);
    if (len == 0 || len > INT32_MAX) {
        return LX_ERR_CONFIG;
    }
    /* A read-only memory BIO reads the secret's own storage: no copy. */
    bio = BIO_new_mem_buf(p, (int)len);
    if (bio == NULL) {
        return LX_ERR_NOMEM;
    }
    k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (k == NULL) {
        return LX_ERR_CONFIG;
    }
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return LX_ERR_UNSUPPORTED;
    }
    *out = k;
    return LX_OK;
}

void lx__bn_ed25519_free(EVP_PKEY *key)
{
    EVP_PKEY_free(key); /* OpenSSL wipes the private scalar */
}

/* base64 of sig[64], percent-encoded as a parameter value, into out. */
static int b64_param(const unsigned char sig[64], char *out, size_t cap)
{
    unsigned char b64[89];
    size_t i, w = 0;

    if (EVP_EncodeBlock(b64, sig, 64) != 88) {
        return LX_ERR_INTERNAL;
    }
    for (i = 0; i < 88; i++) {
        const char *esc = b64[i] == '+'   ? "%2B"
                          : b64[i] == '/' ? "%2F"
                          : b64[i] == '=' ? "%3D"
                                          : NULL;

        if (w + 4 > cap) {
            return LX_ERR_TOOBIG;
        }
        if (esc != NULL) {
            memcpy(out + w, esc, 3);
            w += 3;
        } else {
            out[w++] = (char)b64[i];
        }
    }
    out[w] = '\0';
    return LX_OK;
}

/* Ed25519 signs the whole message at once: query || body go together. */
static int ed25519_sign(const struct lx_bn_signer *s, EVP_PKEY *k,
                        const char *query, const char *body, char *out,
                        size_t cap)
{
    size_t ql = strlen(query), bl = strlen(body), siglen = 64;
    unsigned char sig[64];
    EVP_MD_CTX *md;
    char *msg;
    int rc = LX_ERR_INTERNAL;

    msg = lx__malloc(s->mem, ql + bl + 1);
    md = EVP_MD_CTX_new();
    if (msg == NULL || md == NULL) {
        lx__free(s->mem, msg);
        EVP_MD_CTX_free(md);
        return LX_ERR_NOMEM;
    }
    memcpy(msg, query, ql);
    memcpy(msg + ql, body, bl);
    if (EVP_DigestSignInit(md, NULL, NULL, NULL, k) == 1 &&
        EVP_DigestSign(md, sig, &siglen, (unsigned char *)msg, ql + bl) == 1 &&
        siglen == 64) {
        rc = b64_param(sig, out, cap);
    }
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    OPENSSL_cleanse(msg, ql + bl);
    lx__free(s->mem, msg);
    return rc;
}

int lx__bn_signature(const struct lx_bn_signer *s, const char *query,
                     const char *body, char *out, size_t cap)
{
    EVP_PKEY *k;
    int rc;

    if (s == NULL || query == NULL || body == NULL || out == NULL ||
        cap < LX_BN_SIG_MAX) {
        return LX_ERR_INVAL;
    }
    out[0] = '\0';
    if (s->private_key == NULL && s->ed25519 == NULL) {
        return lx__bn_sign(s, query, body, out);
    }
    k = s->ed25519;
    if (k == NULL) {
        rc = lx__bn_ed25519_load(s->private_key, &k);
        if (rc != LX_OK) {
            return rc;
        }
    }
    rc = ed25519_sign(s, k, query, body, out, cap);
    if (k != s->ed25519) {
        lx__bn_ed25519_free(k);
    }
    if (rc != LX_OK) {
        out[0] = '\0';
    }
    return rc;
}

/* ---- Framework ------------------------------------------------------------
 */

enum auth { AUTH_NONE = 0, AUTH_KEY, AUTH_SIGNED };

static const char *default_host(enum lx_bn_market m)
{
    return m == LX_BN_USDM ? LX_BN_USDM_HOST : LX_BN_SPOT_HOST;
}

/* Fills the fixed fields of out and creates the parameter list. */
static int begin(const struct lx_bn_signer *s, const char *method,
                 const char *path, enum auth auth, struct lx_bn_request *out,
                 struct lx_query **q)
{
    *q = NULL;
    if (s == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    memset(out, 0, sizeof(*out));
    if (auth != AUTH_NONE && s->api_key == NULL) {
        return LX_ERR_NOCREDS;
    }
    if (auth == AUTH_SIGNED && s->secret == NULL && s->private_key == NULL &&
        s->ed25519 == NULL) {
        return LX_ERR_NOCREDS;
    }
    out->method = method;
    out->host = s->host != NULL ? s->host : default_host(s->market);
    (void)lx__snprintf(out->path, sizeof(out->path), "%s", path);
    out->api_key = auth != AUTH_NONE ? s->api_key : NULL;
    out->is_signed = auth == AUTH_SIGNED;
    return lx_query_new(q, s->mem);
}

static bool has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
}

/* Appends "&signature=<hex>" (or "signature=<hex>" to an empty string). */
static int append_sig(char *dst, const char *hex)
{
    size_t len = strlen(dst);
    const char *sep = len > 0 ? SIG_KEY : &SIG_KEY[1];
    int n;

    n = lx__snprintf(dst + len, LX_BN_QUERY_MAX - len, "%s%s", sep, hex);
    return n < 0 ? LX_ERR_TOOBIG : LX_OK;
}

/*
 * Adds recvWindow and timestamp to signed calls, renders the parameters
 * where the method wants them, signs, and frees q in every case.
 */
static int finish(const struct lx_bn_signer *s, struct lx_query *q,
                  int64_t now_ms, struct lx_bn_request *out)
{
    char sig[LX_BN_SIG_MAX];
    char *dst = has_body(out->method) ? out->body : out->query;
    int rc = LX_OK;

    if (out->is_signed && s->recv_window > 0) {
        rc = lx_query_add_i64(q, "recvWindow", s->recv_window);
    }
    if (rc == LX_OK && out->is_signed) {
        rc = lx_query_add_i64(q, "timestamp", now_ms);
    }
    if (rc == LX_OK) {
        rc = lx_query_encode(q, dst, LX_BN_QUERY_MAX);
        rc = rc < 0 ? rc : LX_OK;
    }
    lx_query_free(q);
    if (rc != LX_OK) {
        return rc;
    }
    if (has_body(out->method) && out->body[0] != '\0') {
        out->content_type = "application/x-www-form-urlencoded";
    }
    if (!out->is_signed) {
        return LX_OK;
    }
    rc = lx__bn_signature(s, out->query, out->body, sig, sizeof(sig));
    if (rc == LX_OK) {
        rc = append_sig(dst, sig);
        out->content_type =
            has_body(out->method) ? "application/x-www-form-urlencoded" : NULL;
    }
    OPENSSL_cleanse(sig, sizeof(sig));
    return rc;
}

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* The path for market m: spot and USD-M paths side by side. */
static const char *path2(const struct lx_bn_signer *s, const char *spot,
                         const char *usdm)
{
    return s != NULL && s->market == LX_BN_USDM ? usdm : spot;
}

/* ---- Orders ---------------------------------------------------------------
 */

/* What Binance documents as mandatory for each type (spot; USD-M alike). */
static int check_order(enum lx_bn_market m, const struct lx_order_req *o)
{
    bool trig = o->has_stop_price || (m == LX_BN_SPOT && o->has_trailing_delta);
    bool qty = o->has_qty || o->close_position;

    switch (o->type) {
    case LX_ORDER_LIMIT:
        return o->tif != LX_TIF_NONE && o->has_qty && o->has_price;
    case LX_ORDER_MARKET:
        return o->has_qty || (m == LX_BN_SPOT && o->has_quote_qty);
    case LX_ORDER_STOP_LOSS:
    case LX_ORDER_TAKE_PROFIT:
    case LX_ORDER_STOP_MARKET:
    case LX_ORDER_TAKE_PROFIT_MARKET:
        return trig && (m == LX_BN_USDM ? qty : o->has_qty);
    case LX_ORDER_STOP_LOSS_LIMIT:
    case LX_ORDER_TAKE_PROFIT_LIMIT:
        return (m == LX_BN_USDM || o->tif != LX_TIF_NONE) && o->has_qty &&
               o->has_price && trig;
    case LX_ORDER_LIMIT_MAKER:
        return o->has_qty && o->has_price;
    case LX_ORDER_TRAILING_STOP:
        return o->has_callback_rate && o->has_qty;
    default:
        return false;
    }
}

static const char *tif_word(enum lx_tif t)
{
    static const char *const w[] = {NULL, "GTC", "IOC", "FOK", "GTX", "GTD"};

    return (unsigned)t < LX_ARRAY_LEN(w) ? w[t] : NULL;
}

static const char *resp_word(enum lx_bn_market m, enum lx_resp_type r)
{
    static const char *const w[] = {NULL, "ACK", "RESULT", "FULL"};

    if (m == LX_BN_USDM && r == LX_RESP_FULL) {
        return NULL;
    }
    return (unsigned)r < LX_ARRAY_LEN(w) ? w[r] : NULL;
}

/* Adds key=value when value is set; used to keep the builders flat. */
static int add_s(struct lx_query *q, int rc, const char *k, const char *v)
{
    return rc != LX_OK || empty(v) ? rc : lx_query_add(q, k, v);
}

static int add_d(struct lx_query *q, int rc, bool has, const char *k,
                 struct lx_decimal v)
{
    return rc != LX_OK || !has ? rc : lx_query_add_decimal(q, k, v);
}

static int spot_order(struct lx_query *q, const struct lx_order_req *o)
{
    const char *tif = o->type == LX_ORDER_LIMIT_MAKER ? NULL : tif_word(o->tif);
    int rc = LX_OK;

    rc = add_s(q, rc, "symbol", o->symbol);
    rc = add_s(q, rc, "side", o->side == LX_SIDE_BUY ? "BUY" : "SELL");
    rc = add_s(q, rc, "type", lx__bn_order_type_word(LX_BN_SPOT, o->type));
    rc = add_s(q, rc, "timeInForce", tif);
    rc = add_d(q, rc, o->has_qty, "quantity", o->qty);
    rc = add_d(q, rc, o->has_quote_qty, "quoteOrderQty", o->quote_qty);
    rc = add_d(q, rc, o->has_price, "price", o->price);
    rc = add_s(q, rc, "newClientOrderId", o->client_id);
    rc = add_d(q, rc, o->has_stop_price, "stopPrice", o->stop_price);
    if (rc == LX_OK && o->has_trailing_delta) {
        rc = lx_query_add_i64(q, "trailingDelta", o->trailing_delta);
    }
    rc = add_d(q, rc, o->has_iceberg_qty, "icebergQty", o->iceberg_qty);
    return add_s(q, rc, "newOrderRespType",
                 resp_word(LX_BN_SPOT, o->resp_type));
}

static const char *pos_word(enum lx_position_side p)
{
    static const char *const w[] = {NULL, "BOTH", "LONG", "SHORT"};

    return (unsigned)p < LX_ARRAY_LEN(w) ? w[p] : NULL;
}

static int usdm_order(struct lx_query *q, const struct lx_order_req *o)
{
    bool maker = o->type == LX_ORDER_LIMIT_MAKER;
    const char *wt = o->working_type == LX_WORKING_MARK_PRICE ? "MARK_PRICE"
                     : o->working_type == LX_WORKING_CONTRACT_PRICE
                         ? "CONTRACT_PRICE"
                         : NULL;
    int rc = LX_OK;

    rc = add_s(q, rc, "symbol", o->symbol);
    rc = add_s(q, rc, "side", o->side == LX_SIDE_BUY ? "BUY" : "SELL");
    rc = add_s(q, rc, "positionSide", pos_word(o->position_side));
    rc = add_s(q, rc, "type", lx__bn_order_type_word(LX_BN_USDM, o->type));
    rc = add_s(q, rc, "timeInForce", maker ? "GTX" : tif_word(o->tif));
    rc = add_d(q, rc, o->has_qty, "quantity", o->qty);
    rc = add_s(q, rc, "reduceOnly", o->reduce_only ? "true" : NULL);
    rc = add_d(q, rc, o->has_price, "price", o->price);
    rc = add_s(q, rc, "newClientOrderId", o->client_id);
    rc = add_d(q, rc, o->has_stop_price, "stopPrice", o->stop_price);
    rc = add_s(q, rc, "closePosition", o->close_position ? "true" : NULL);
    rc = add_d(q, rc, o->has_activation_price, "activationPrice",
               o->activation_price);
    rc = add_d(q, rc, o->has_callback_rate, "callbackRate", o->callback_rate);
    rc = add_s(q, rc, "workingType", wt);
    rc = add_s(q, rc, "priceProtect", o->price_protect ? "TRUE" : NULL);
    rc = add_s(q, rc, "newOrderRespType", resp_word(LX_BN_USDM, o->resp_type));
    if (rc == LX_OK && o->good_till_ms > 0) {
        rc = lx_query_add_i64(q, "goodTillDate", o->good_till_ms);
    }
    return rc;
}

static int check_req(const struct lx_bn_signer *s, const struct lx_order_req *o)
{
    enum lx_bn_market m = s->market;

    if (empty(o->symbol) ||
        (o->side != LX_SIDE_BUY && o->side != LX_SIDE_SELL) ||
        lx__bn_order_type_word(m, o->type) == NULL || !check_order(m, o)) {
        return LX_ERR_INVAL;
    }
    if (o->resp_type != LX_RESP_DEFAULT && resp_word(m, o->resp_type) == NULL) {
        return LX_ERR_INVAL;
    }
    if (m == LX_BN_USDM && o->close_position &&
        (o->has_qty || o->reduce_only)) {
        return LX_ERR_INVAL; /* documented as mutually exclusive */
    }
    if (m == LX_BN_SPOT && (o->reduce_only || o->close_position ||
                            o->position_side != LX_POS_NONE ||
                            o->tif == LX_TIF_GTX || o->tif == LX_TIF_GTD)) {
        return LX_ERR_INVAL; /* derivatives-only flags and time in force */
    }
    if ((o->tif == LX_TIF_GTD) != (o->good_till_ms > 0)) {
        return LX_ERR_INVAL; /* goodTillDate goes with GTD, and only */
    }
    return LX_OK;
}

bool lx__bn_is_conditional(enum lx_order_type t)
{
    switch (t) {
    case LX_ORDER_STOP_LOSS:
    case LX_ORDER_STOP_LOSS_LIMIT:
    case LX_ORDER_TAKE_PROFIT:
    case LX_ORDER_TAKE_PROFIT_LIMIT:
    case LX_ORDER_STOP_MARKET:
    case LX_ORDER_TAKE_PROFIT_MARKET:
    case LX_ORDER_TRAILING_STOP:
        return true;
    default:
        return false;
    }
}

/*
 * POST /fapi/v1/algoOrder, in the order of the documented parameter table:
 * the trigger is triggerPrice and the client id clientAlgoId.
 */
static int algo_order(struct lx_query *q, const struct lx_order_req *o)
{
    const char *wt = o->working_type == LX_WORKING_MARK_PRICE ? "MARK_PRICE"
                     : o->working_type == LX_WORKING_CONTRACT_PRICE
                         ? "CONTRACT_PRICE"
                         : NULL;
    int rc = lx_query_add(q, "algoType", "CONDITIONAL");

    rc = add_s(q, rc, "symbol", o->symbol);
    rc = add_s(q, rc, "side", o->side == LX_SIDE_BUY ? "BUY" : "SELL");
    rc = add_s(q, rc, "positionSide", pos_word(o->position_side));
    rc = add_s(q, rc, "type", lx__bn_order_type_word(LX_BN_USDM, o->type));
    rc = add_s(q, rc, "timeInForce", tif_word(o->tif));
    rc = add_d(q, rc, o->has_qty, "quantity", o->qty);
    rc = add_d(q, rc, o->has_price, "price", o->price);
    rc = add_d(q, rc, o->has_stop_price, "triggerPrice", o->stop_price);
    rc = add_s(q, rc, "workingType", wt);
    rc = add_s(q, rc, "closePosition", o->close_position ? "true" : NULL);
    rc = add_s(q, rc, "priceProtect", o->price_protect ? "TRUE" : NULL);
    rc = add_s(q, rc, "reduceOnly", o->reduce_only ? "true" : NULL);
    rc = add_d(q, rc, o->has_activation_price, "activationPrice",
               o->activation_price);
    rc = add_d(q, rc, o->has_callback_rate, "callbackRate", o->callback_rate);
    rc = add_s(q, rc, "clientAlgoId", o->client_id);
    return add_s(q, rc, "newOrderRespType",
                 resp_word(LX_BN_USDM, o->resp_type));
}

int lx__bn_req_new_order(const struct lx_bn_signer *s,
                         const struct lx_order_req *o, int64_t now_ms,
                         struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    bool algo;
    int rc;

    if (s == NULL || o == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    rc = check_req(s, o);
    if (rc != LX_OK) {
        return rc;
    }
    algo = s->market == LX_BN_USDM && !s->legacy_conditional &&
           lx__bn_is_conditional(o->type);
    rc = begin(s, "POST",
               algo ? "/fapi/v1/algoOrder"
                    : path2(s, "/api/v3/order", "/fapi/v1/order"),
               AUTH_SIGNED, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    if (algo) {
        rc = algo_order(q, o);
    } else {
        rc = s->market == LX_BN_USDM ? usdm_order(q, o) : spot_order(q, o);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, now_ms, out);
}

/* DELETE or GET /order with orderId or origClientOrderId. */
static int by_order(const struct lx_bn_signer *s, const char *method,
                    const char *symbol, const char *order_id,
                    const char *client_id, int64_t now_ms,
                    struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (empty(symbol) || (empty(order_id) && empty(client_id))) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, method, path2(s, "/api/v3/order", "/fapi/v1/order"),
               AUTH_SIGNED, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = add_s(q, LX_OK, "symbol", symbol);
    rc = add_s(q, rc, "orderId", order_id);
    rc = add_s(q, rc, "origClientOrderId", client_id);
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, now_ms, out);
}

int lx__bn_req_cancel_order(const struct lx_bn_signer *s, const char *symbol,
                            const char *order_id, const char *client_id,
                            int64_t now_ms, struct lx_bn_request *out)
{
    return by_order(s, "DELETE", symbol, order_id, client_id, now_ms, out);
}

int lx__bn_req_query_order(const struct lx_bn_signer *s, const char *symbol,
                           const char *order_id, const char *client_id,
                           int64_t now_ms, struct lx_bn_request *out)
{
    return by_order(s, "GET", symbol, order_id, client_id, now_ms, out);
}

/* A signed call whose only parameter is an optional symbol. */
static int signed_sym(const struct lx_bn_signer *s, const char *method,
                      const char *path, const char *symbol, int64_t now_ms,
                      struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    rc = begin(s, method, path, AUTH_SIGNED, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = add_s(q, LX_OK, "symbol", symbol);
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, now_ms, out);
}

int lx__bn_req_cancel_all(const struct lx_bn_signer *s, const char *symbol,
                          int64_t now_ms, struct lx_bn_request *out)
{
    if (empty(symbol)) {
        return LX_ERR_INVAL;
    }
    return signed_sym(s, "DELETE",
                      path2(s, "/api/v3/openOrders", "/fapi/v1/allOpenOrders"),
                      symbol, now_ms, out);
}

int lx__bn_req_open_orders(const struct lx_bn_signer *s, const char *symbol,
                           int64_t now_ms, struct lx_bn_request *out)
{
    return signed_sym(s, "GET",
                      path2(s, "/api/v3/openOrders", "/fapi/v1/openOrders"),
                      symbol, now_ms, out);
}

int lx__bn_req_account(const struct lx_bn_signer *s, int64_t now_ms,
                       struct lx_bn_request *out)
{
    return signed_sym(s, "GET", path2(s, "/api/v3/account", "/fapi/v3/account"),
                      NULL, now_ms, out);
}

int lx__bn_req_balance(const struct lx_bn_signer *s, int64_t now_ms,
                       struct lx_bn_request *out)
{
    if (s == NULL || s->market != LX_BN_USDM) {
        return LX_ERR_INVAL;
    }
    return signed_sym(s, "GET", "/fapi/v3/balance", NULL, now_ms, out);
}

int lx__bn_req_position_risk(const struct lx_bn_signer *s, const char *symbol,
                             int64_t now_ms, struct lx_bn_request *out)
{
    if (s == NULL || s->market != LX_BN_USDM) {
        return LX_ERR_INVAL;
    }
    return signed_sym(s, "GET", "/fapi/v3/positionRisk", symbol, now_ms, out);
}

/* ---- Public market data ---------------------------------------------------
 */

int lx__bn_req_depth(const struct lx_bn_signer *s, const char *symbol,
                     int limit, struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (empty(symbol) || limit < 0) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, "GET", path2(s, "/api/v3/depth", "/fapi/v1/depth"), AUTH_NONE,
               out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_query_add(q, "symbol", symbol);
    if (rc == LX_OK && limit > 0) {
        rc = lx_query_add_i64(q, "limit", limit);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, 0, out);
}

int lx__bn_req_klines(const struct lx_bn_signer *s, const char *symbol,
                      const char *interval, int64_t start_ms, int64_t end_ms,
                      int limit, struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (empty(symbol) || empty(interval) || limit < 0) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, "GET", path2(s, "/api/v3/klines", "/fapi/v1/klines"),
               AUTH_NONE, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_query_add(q, "symbol", symbol);
    rc = add_s(q, rc, "interval", interval);
    if (rc == LX_OK && start_ms > 0) {
        rc = lx_query_add_i64(q, "startTime", start_ms);
    }
    if (rc == LX_OK && end_ms > 0) {
        rc = lx_query_add_i64(q, "endTime", end_ms);
    }
    if (rc == LX_OK && limit > 0) {
        rc = lx_query_add_i64(q, "limit", limit);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, 0, out);
}

/* A public call with no parameter, or only an optional symbol. */
static int public_sym(const struct lx_bn_signer *s, const char *path,
                      const char *symbol, struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    rc = begin(s, "GET", path, AUTH_NONE, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = add_s(q, LX_OK, "symbol", symbol);
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, 0, out);
}

int lx__bn_req_exchange_info(const struct lx_bn_signer *s,
                             struct lx_bn_request *out)
{
    return public_sym(s,
                      path2(s, "/api/v3/exchangeInfo", "/fapi/v1/exchangeInfo"),
                      NULL, out);
}

int lx__bn_req_server_time(const struct lx_bn_signer *s,
                           struct lx_bn_request *out)
{
    return public_sym(s, path2(s, "/api/v3/time", "/fapi/v1/time"), NULL, out);
}

int lx__bn_req_premium_index(const struct lx_bn_signer *s, const char *symbol,
                             struct lx_bn_request *out)
{
    if (s == NULL || s->market != LX_BN_USDM) {
        return LX_ERR_INVAL;
    }
    return public_sym(s, "/fapi/v1/premiumIndex", symbol, out);
}

/* ---- User data stream keys ------------------------------------------------
 */

int lx__bn_req_listen_key(const struct lx_bn_signer *s, enum lx_bn_listen_op op,
                          const char *listen_key, struct lx_bn_request *out)
{
    static const char *const methods[] = {"POST", "PUT", "DELETE"};
    struct lx_query *q = NULL;
    int rc;

    if (s == NULL || (unsigned)op >= LX_ARRAY_LEN(methods)) {
        return LX_ERR_INVAL;
    }
    if (s->market == LX_BN_SPOT && op != LX_BN_LISTEN_CREATE &&
        empty(listen_key)) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, methods[op],
               path2(s, "/api/v3/userDataStream", "/fapi/v1/listenKey"),
               AUTH_KEY, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    if (s->market == LX_BN_SPOT && op != LX_BN_LISTEN_CREATE) {
        rc = lx_query_add(q, "listenKey", listen_key);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, 0, out);
}

/* ---- More calls -----------------------------------------------------------
 */

static bool usdm(const struct lx_bn_signer *s)
{
    return s != NULL && s->market == LX_BN_USDM;
}

int lx__bn_req_my_trades(const struct lx_bn_signer *s, const char *symbol,
                         int64_t from_id, int limit, int64_t now_ms,
                         struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (empty(symbol) || limit < 0) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, "GET", path2(s, "/api/v3/myTrades", "/fapi/v1/userTrades"),
               AUTH_SIGNED, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_query_add(q, "symbol", symbol);
    if (rc == LX_OK && from_id >= 0) {
        rc = lx_query_add_i64(q, "fromId", from_id);
    }
    if (rc == LX_OK && limit > 0) {
        rc = lx_query_add_i64(q, "limit", limit);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, now_ms, out);
}

int lx__bn_req_trades(const struct lx_bn_signer *s, const char *symbol,
                      bool aggregate, int limit, struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    const char *path;
    int rc;

    if (empty(symbol) || limit < 0) {
        return LX_ERR_INVAL;
    }
    path = aggregate ? path2(s, "/api/v3/aggTrades", "/fapi/v1/aggTrades")
                     : path2(s, "/api/v3/trades", "/fapi/v1/trades");
    rc = begin(s, "GET", path, AUTH_NONE, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_query_add(q, "symbol", symbol);
    if (rc == LX_OK && limit > 0) {
        rc = lx_query_add_i64(q, "limit", limit);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, 0, out);
}

int lx__bn_req_ticker_24h(const struct lx_bn_signer *s, const char *symbol,
                          struct lx_bn_request *out)
{
    return public_sym(s,
                      path2(s, "/api/v3/ticker/24hr", "/fapi/v1/ticker/24hr"),
                      symbol, out);
}

/* A signed USD-M POST of symbol and one more parameter. */
static int usdm_post2(const struct lx_bn_signer *s, const char *path,
                      const char *symbol, const char *key, const char *value,
                      int64_t now_ms, struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (!usdm(s) || empty(symbol) || empty(value)) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, "POST", path, AUTH_SIGNED, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_query_add(q, "symbol", symbol);
    rc = add_s(q, rc, key, value);
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, now_ms, out);
}

int lx__bn_req_leverage(const struct lx_bn_signer *s, const char *symbol,
                        int leverage, int64_t now_ms, struct lx_bn_request *out)
{
    char v[16];

    if (leverage < 1 || leverage > 125) {
        return LX_ERR_INVAL;
    }
    (void)lx__snprintf(v, sizeof(v), "%d", leverage);
    return usdm_post2(s, "/fapi/v1/leverage", symbol, "leverage", v, now_ms,
                      out);
}

int lx__bn_req_margin_type(const struct lx_bn_signer *s, const char *symbol,
                           enum lx_margin_type type, int64_t now_ms,
                           struct lx_bn_request *out)
{
    const char *v = type == LX_MARGIN_ISOLATED ? "ISOLATED"
                    : type == LX_MARGIN_CROSS  ? "CROSSED"
                                               : NULL;

    return usdm_post2(s, "/fapi/v1/marginType", symbol, "marginType", v, now_ms,
                      out);
}

int lx__bn_req_funding_rate(const struct lx_bn_signer *s, const char *symbol,
                            int64_t start_ms, int64_t end_ms, int limit,
                            struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (!usdm(s) || limit < 0) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, "GET", "/fapi/v1/fundingRate", AUTH_NONE, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = add_s(q, LX_OK, "symbol", symbol);
    if (rc == LX_OK && start_ms > 0) {
        rc = lx_query_add_i64(q, "startTime", start_ms);
    }
    if (rc == LX_OK && end_ms > 0) {
        rc = lx_query_add_i64(q, "endTime", end_ms);
    }
    if (rc == LX_OK && limit > 0) {
        rc = lx_query_add_i64(q, "limit", limit);
    }
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, 0, out);
}

static int by_algo(const struct lx_bn_signer *s, const char *method,
                   const char *algo_id, const char *client_algo_id,
                   int64_t now_ms, struct lx_bn_request *out)
{
    struct lx_query *q = NULL;
    int rc;

    if (!usdm(s) || (empty(algo_id) && empty(client_algo_id))) {
        return LX_ERR_INVAL;
    }
    rc = begin(s, method, "/fapi/v1/algoOrder", AUTH_SIGNED, out, &q);
    if (rc != LX_OK) {
        return rc;
    }
    rc = add_s(q, LX_OK, "algoId", algo_id);
    rc = add_s(q, rc, "clientAlgoId", client_algo_id);
    if (rc != LX_OK) {
        lx_query_free(q);
        return rc;
    }
    return finish(s, q, now_ms, out);
}

int lx__bn_req_algo_cancel(const struct lx_bn_signer *s, const char *algo_id,
                           const char *client_algo_id, int64_t now_ms,
                           struct lx_bn_request *out)
{
    return by_algo(s, "DELETE", algo_id, client_algo_id, now_ms, out);
}

int lx__bn_req_algo_query(const struct lx_bn_signer *s, const char *algo_id,
                          const char *client_algo_id, int64_t now_ms,
                          struct lx_bn_request *out)
{
    return by_algo(s, "GET", algo_id, client_algo_id, now_ms, out);
}

int lx__bn_req_algo_open_orders(const struct lx_bn_signer *s,
                                const char *symbol, int64_t now_ms,
                                struct lx_bn_request *out)
{
    if (!usdm(s)) {
        return LX_ERR_INVAL;
    }
    return signed_sym(s, "GET", "/fapi/v1/openAlgoOrders", symbol, now_ms, out);
}

int lx__bn_req_algo_cancel_all(const struct lx_bn_signer *s, const char *symbol,
                               int64_t now_ms, struct lx_bn_request *out)
{
    if (!usdm(s) || empty(symbol)) {
        return LX_ERR_INVAL;
    }
    return signed_sym(s, "DELETE", "/fapi/v1/algoOpenOrders", symbol, now_ms,
                      out);
}

/* ---- Stream control frames ------------------------------------------------
 */

int lx__bn_ws_control(const char *method, const char *const *streams, size_t n,
                      int64_t id, char *buf, size_t cap)
{
    struct lx__jw w;
    size_t i;
    int rc;

    if (empty(method) || buf == NULL || cap == 0 ||
        (streams == NULL && n > 0)) {
        return LX_ERR_INVAL;
    }
    lx__jw_init(&w, buf, cap);
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "method");
    lx__jw_str(&w, method);
    if (n > 0) {
        lx__jw_key(&w, "params");
        lx__jw_arr_begin(&w);
        for (i = 0; i < n; i++) {
            lx__jw_str(&w, streams[i]);
        }
        lx__jw_arr_end(&w);
    }
    lx__jw_key(&w, "id");
    lx__jw_i64(&w, id);
    lx__jw_obj_end(&w);
    rc = lx__jw_finish(&w);
    if (rc != LX_OK) {
        buf[0] = '\0';
        return rc;
    }
    return (int)w.len;
}

/* ---- WebSocket API signing ------------------------------------------------
 */

#define WS_MAX_PARAMS 32

/* Appends k=v (with '&' before all but the first) to buf[*len..cap). */
static int put_kv(char *buf, size_t cap, size_t *len, const char *k,
                  const void *v, size_t vlen)
{
    size_t klen = strlen(k), need = (*len > 0) + klen + 1 + vlen;

    if (need >= cap - *len) {
        return LX_ERR_TOOBIG;
    }
    if (*len > 0) {
        buf[(*len)++] = '&';
    }
    memcpy(buf + *len, k, klen);
    *len += klen;
    buf[(*len)++] = '=';
    memcpy(buf + *len, v, vlen);
    *len += vlen;
    buf[*len] = '\0';
    return LX_OK;
}

/* Indexes of p sorted by key (insertion sort: n is small). */
static void sort_idx(const struct lx_bn_param *p, size_t n, size_t *idx)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        size_t v = idx[i] = i;

        for (j = i; j > 0 && strcmp(p[idx[j - 1]].key, p[v].key) > 0; j--) {
            idx[j] = idx[j - 1];
        }
        idx[j] = v;
    }
}

static int ws_payload(const struct lx_bn_signer *s, const struct lx_bn_param *p,
                      size_t n, char *buf, size_t cap)
{
    size_t idx[WS_MAX_PARAMS], i, len = 0, klen = 0;
    const uint8_t *key = lx__secret_data(s->api_key, &klen);
    bool key_done = false;
    int rc = LX_OK;

    sort_idx(p, n, idx);
    buf[0] = '\0';
    for (i = 0; i <= n && rc == LX_OK; i++) {
        /* apiKey sorts before any lower-case-initial key after "apiKey". */
        if (!key_done && (i == n || strcmp("apiKey", p[idx[i]].key) < 0)) {
            rc = put_kv(buf, cap, &len, "apiKey", key, klen);
            key_done = true;
        }
        if (rc == LX_OK && i < n) {
            rc = put_kv(buf, cap, &len, p[idx[i]].key, p[idx[i]].value,
                        strlen(p[idx[i]].value));
        }
    }
    return rc;
}

int lx__bn_ws_sign(const struct lx_bn_signer *s, const struct lx_bn_param *p,
                   size_t n, char out[65])
{
    struct lx_buf_part part;
    char *buf;
    size_t i;
    int rc;

    if (s == NULL || out == NULL || (p == NULL && n > 0) || n > WS_MAX_PARAMS) {
        return LX_ERR_INVAL;
    }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        if (p[i].key == NULL || p[i].value == NULL ||
            strcmp(p[i].key, "apiKey") == 0) {
            return LX_ERR_INVAL;
        }
    }
    if (s->api_key == NULL || s->secret == NULL) {
        return LX_ERR_NOCREDS;
    }
    buf = lx__malloc(s->mem, LX_BN_QUERY_MAX);
    if (buf == NULL) {
        return LX_ERR_NOMEM;
    }
    rc = ws_payload(s, p, n, buf, LX_BN_QUERY_MAX);
    if (rc == LX_OK) {
        part.p = buf;
        part.len = strlen(buf);
        rc = lx__hmac_sha256_hex(s->secret, &part, 1, out);
    }
    /* The payload holds the API key: wipe it. */
    OPENSSL_cleanse(buf, LX_BN_QUERY_MAX);
    lx__free(s->mem, buf);
    return rc;
}

int lx__bn_ws_user_subscribe(const struct lx_bn_signer *s, const char *id,
                             int64_t now_ms, char *buf, size_t cap)
{
    char ts[24], rw[24], sig[LX_HMAC_SHA256_HEX_LEN], key[256];
    struct lx_bn_param p[2];
    struct lx__jw w;
    size_t n = 0;
    int rc;

    if (s == NULL || empty(id) || buf == NULL || cap == 0) {
        return LX_ERR_INVAL;
    }
    (void)lx__snprintf(ts, sizeof(ts), "%lld", (long long)now_ms);
    (void)lx__snprintf(rw, sizeof(rw), "%lld", (long long)s->recv_window);
    if (s->recv_window > 0) {
        p[n].key = "recvWindow";
        p[n++].value = rw;
    }
    p[n].key = "timestamp";
    p[n++].value = ts;
    rc = lx__bn_ws_sign(s, p, n, sig);
    if (rc == LX_OK) {
        rc = lx__bn_apikey_value(s->api_key, key, sizeof(key));
    }
    if (rc < 0) {
        return rc;
    }
    lx__jw_init(&w, buf, cap);
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "id");
    lx__jw_str(&w, id);
    lx__jw_key(&w, "method");
    lx__jw_str(&w, "userDataStream.subscribe.signature");
    lx__jw_key(&w, "params");
    lx__jw_obj_begin(&w);
    lx__jw_key(&w, "apiKey");
    lx__jw_str(&w, key);
    if (s->recv_window > 0) {
        lx__jw_key(&w, "recvWindow");
        lx__jw_i64(&w, s->recv_window);
    }
    lx__jw_key(&w, "timestamp");
    lx__jw_i64(&w, now_ms);
    lx__jw_key(&w, "signature");
    lx__jw_str(&w, sig);
    lx__jw_obj_end(&w);
    lx__jw_obj_end(&w);
    OPENSSL_cleanse(key, sizeof(key));
    rc = lx__jw_finish(&w);
    if (rc != LX_OK) {
        buf[0] = '\0';
        return rc;
    }
    return (int)w.len;
}

/* ---- Stream names -----------------------------------------------------------
 */

static bool name_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

int lx__bn_stream_name(enum lx_bn_stream kind, const char *symbol,
                       const char *arg, char *buf, size_t cap)
{
    static const char *const suffix[] = {
        "@depth",  "@depth",      "@trade",  "@aggTrade",
        "@kline_", "@bookTicker", "@ticker", "@markPrice"};
    bool need = kind == LX_BN_STREAM_DEPTH_LEVELS || kind == LX_BN_STREAM_KLINE;
    bool may =
        need || kind == LX_BN_STREAM_DEPTH || kind == LX_BN_STREAM_MARK_PRICE;
    const char *a = arg != NULL ? arg : "";
    size_t i, len;
    int n;

    if (buf == NULL || cap == 0 || (unsigned)kind >= LX_ARRAY_LEN(suffix) ||
        empty(symbol) || !name_ok(symbol) || !name_ok(a) ||
        (need && a[0] == '\0') || (!may && a[0] != '\0')) {
        return LX_ERR_INVAL;
    }
    len = strlen(symbol);
    if (len >= cap) {
        buf[0] = '\0';
        return LX_ERR_TOOBIG;
    }
    for (i = 0; i < len; i++) {
        char c = symbol[i];

        buf[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    /* Optional args come after an '@'; required ones are glued on. */
    n = lx__snprintf(buf + len, cap - len, "%s%s%s", suffix[kind],
                     !need && a[0] != '\0' ? "@" : "", a);
    if (n < 0) {
        buf[0] = '\0';
        return n;
    }
    return (int)len + n;
}

int lx__bn_ws_target(const char *const *streams, size_t n, char *buf,
                     size_t cap)
{
    size_t i, len;
    int w;

    if (streams == NULL || n == 0 || buf == NULL || cap == 0) {
        return LX_ERR_INVAL;
    }
    w = lx__snprintf(buf, cap, "%s", n == 1 ? "/ws/" : "/stream?streams=");
    for (i = 0; i < n && w >= 0; i++) {
        if (empty(streams[i])) {
            buf[0] = '\0';
            return LX_ERR_INVAL;
        }
        len = (size_t)w;
        w = lx__snprintf(buf + len, cap - len, "%s%s", i > 0 ? "/" : "",
                         streams[i]);
        w = w < 0 ? w : (int)len + w;
    }
    if (w < 0) {
        buf[0] = '\0';
    }
    return w;
}
