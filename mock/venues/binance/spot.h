/*
 * spot.h - the simulated Binance spot venue of lotusx-mock: symbols with
 * the venue's filters on the matching engine, accounts reached by API key,
 * the /api/v3 REST routes (market data and signed trading) on a door, and
 * market streams (trade, aggTrade, depth diffs continuous with REST
 * snapshots, bookTicker) on a stream hub.
 *
 * Time comes from the mock's lx_clock (engine times are its wall ns).
 */
#ifndef LOTUSX_MOCK_BINANCE_SPOT_H
#define LOTUSX_MOCK_BINANCE_SPOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_decimal.h"

struct lx_clock;
struct lx_mock_door;
struct lx_mock_bn_hub;
struct lx_secret;
struct lx_mock_bn_spot;
struct evp_pkey_st; /* OpenSSL's EVP_PKEY */

/* One symbol: assets and filters as decimal strings ("0.01"). */
struct lx_mock_bn_symbol_cfg {
    const char *symbol, *base, *quote;
    const char *tick_size, *lot_size, *min_qty, *max_qty;
    const char *min_price, *max_price, *min_notional;
};

/*
 * One account: its key pair, fees and opening balances. The key signs with
 * an HMAC secret or, when ed25519 is set instead, the private half of that
 * Ed25519 public key (both borrowed; they must outlive the venue).
 */
struct lx_mock_bn_account_cfg {
    const char *api_key;
    const struct lx_secret *secret;    /* borrowed; must outlive the venue */
    struct evp_pkey_st *ed25519;       /* borrowed; NULL: an HMAC key */
    const char *maker_fee, *taker_fee; /* "0.001" = 10 bps */
    /* NULL-terminated asset, amount, asset, amount, ... */
    const char *const *balances;
    /*
     * The venue's own market (a replayed book, tape.h): no open-order
     * limit, and its limit orders pass on the price filter alone.
     */
    bool market;
};

/*
 * Creates the venue and registers its routes on door and its streams on
 * hub (both borrowed). Errors: LX_ERR_INVAL, LX_ERR_CONFIG (a filter does
 * not parse or fit), LX_ERR_NOMEM; *why (may be NULL) names the problem.
 */
int lx_mock_bn_spot_new(struct lx_mock_bn_spot **out, struct lx_clock *clock,
                        struct lx_mock_door *door, struct lx_mock_bn_hub *hub,
                        const char **why);
void lx_mock_bn_spot_free(struct lx_mock_bn_spot *v);

int lx_mock_bn_spot_add_symbol(struct lx_mock_bn_spot *v,
                               const struct lx_mock_bn_symbol_cfg *cfg,
                               const char **why);
/* Returns the account's engine id in *id (may be NULL). */
/*
 * Closed orders the venue keeps for queries (GET order, allOrders); the
 * oldest beyond max_closed are forgotten. Accounts added with market set
 * keep none. Default LX_MOCK_BN_HISTORY. A route may still read an order it
 * closed in an earlier drain of the same call, so keep at least a few dozen
 * (the config asks for 100 or more; tests may go lower).
 */
#define LX_MOCK_BN_HISTORY 100000
void lx_mock_bn_spot_set_history(struct lx_mock_bn_spot *v, size_t max_closed);

int lx_mock_bn_spot_add_account(struct lx_mock_bn_spot *v,
                                const struct lx_mock_bn_account_cfg *cfg,
                                uint32_t *id, const char **why);

/*
 * The admin API's accounts (POST accounts): a new account whose secret the
 * venue copies (the copy is freed with the venue; the caller may wipe its
 * own at once). The key must be new (LX_ERR_EXISTS), fees NULL mean 0.001,
 * balances (NULL-terminated asset, amount, ...; may be NULL) may only name
 * assets the venue knows, amounts >= 0. Other errors: LX_ERR_INVAL,
 * LX_ERR_TOOBIG (no room), LX_ERR_NOMEM. *why names the field ("apiKey:
 * already taken") and never holds the secret.
 */
int lx_mock_bn_spot_new_account(struct lx_mock_bn_spot *v, const char *api_key,
                                const char *secret, const char *maker_fee,
                                const char *taker_fee,
                                const char *const *balances, uint32_t *id,
                                const char **why);
/*
 * The same for an account that signs with an Ed25519 key: pem is the PEM
 * of its public key (SubjectPublicKeyInfo); the venue keeps it parsed.
 * Errors as above, and "ed25519PublicKey: ..." when pem is not one.
 */
int lx_mock_bn_spot_new_ed25519_account(struct lx_mock_bn_spot *v,
                                        const char *api_key, const char *pem,
                                        const char *maker_fee,
                                        const char *taker_fee,
                                        const char *const *balances,
                                        uint32_t *id, const char **why);
/* 1 when api_key names an account of the venue. */
int lx_mock_bn_spot_has_account(const struct lx_mock_bn_spot *v,
                                const char *api_key);
/*
 * Sets the free balance of asset (a known one) of the account of api_key
 * to amount (a decimal >= 0, at most 8 decimals): the difference is
 * deposited or withdrawn through the engine, so the account's user-data
 * stream gets balanceUpdate and then outboundAccountPosition (nothing when
 * the balance is already amount). Errors: LX_ERR_NOTFOUND (key, asset),
 * LX_ERR_INVAL (amount), LX_ERR_OVERFLOW; *why names the field.
 */
int lx_mock_bn_spot_set_balance(struct lx_mock_bn_spot *v, const char *api_key,
                                const char *asset, const char *amount,
                                const char **why);

/*
 * Places an order for an account directly (the synthetic market maker and
 * the admin API use it): side "BUY"/"SELL", type "LIMIT"/"MARKET"/...,
 * decimals as strings. Streams are published as for a REST order.
 * Returns LX_OK (the engine may still reject: *rejected set), or an error.
 */
int lx_mock_bn_spot_place(struct lx_mock_bn_spot *v, uint32_t account,
                          const char *symbol, const char *side,
                          const char *type, const char *price, const char *qty,
                          int *rejected);
/* Cancels every open order of account on symbol. */
int lx_mock_bn_spot_cancel_all(struct lx_mock_bn_spot *v, uint32_t account,
                               const char *symbol);

/* Mid price of a symbol's book (best bid + best ask) / 2, in ticks. */
int lx_mock_bn_spot_mid_ticks(const struct lx_mock_bn_spot *v,
                              const char *symbol, int64_t *mid);
/* Tick size and lot size of a symbol. */
int lx_mock_bn_spot_steps(const struct lx_mock_bn_spot *v, const char *symbol,
                          struct lx_decimal *tick, struct lx_decimal *lot);

/* PRICE_FILTER of a symbol (0: no limit); LX_ERR_NOTFOUND when unknown. */
int lx_mock_bn_spot_price_filter(const struct lx_mock_bn_spot *v,
                                 const char *symbol, struct lx_decimal *min,
                                 struct lx_decimal *max);

/*
 * Expires listen key key (NULL: all of them): listenKeyExpired is sent on
 * its stream, which then stops; *n gets how many keys went.
 */
int lx_mock_bn_spot_expire_listen(struct lx_mock_bn_spot *v, const char *key,
                                  size_t *n);

/*
 * Appends the admin state dump to sb: {"time":..,"books":{SYMBOL:
 * {"lastUpdateId":..,"bids":[[p,q],..],"asks":..}},"open_orders":[..],
 * "balances":{apiKey:{asset:{"free":..,"locked":..}}}} with at most
 * levels levels per side.
 */
struct lx_mock_sb;
int lx_mock_bn_spot_state(struct lx_mock_bn_spot *v, size_t levels,
                          struct lx_mock_sb *sb);

/* The engine's running log hash (determinism oracle). */
uint64_t lx_mock_bn_spot_log_hash(const struct lx_mock_bn_spot *v);

#endif
