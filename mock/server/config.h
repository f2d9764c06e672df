/*
 * config.h - lotusx-mock's JSON configuration file (--config FILE): seed,
 * address and port, rate limits, symbols with their filters and generator
 * parameters, accounts with keys, secrets (or Ed25519 public keys), fees
 * and balances, TLS, and the USD-M venue ("usdm": port, symbols, makers,
 * funding, accounts, limits).
 * See docs/mock.md for the format.
 *
 * Loading checks every field and names the first bad one ("symbols[1].
 * tick_size: not a decimal"). Secrets go straight into lx_secret objects
 * and their text is wiped from the parsed tree and the file buffer; no
 * message ever includes a secret.
 */
#ifndef LOTUSX_MOCK_CONFIG_H
#define LOTUSX_MOCK_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mock/feed/synth.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

#define LX_MOCK_CFG_SYMBOLS  16
#define LX_MOCK_CFG_ACCOUNTS 32
#define LX_MOCK_CFG_ASSETS   16 /* balances per account */
#define LX_MOCK_CFG_MAX_FILE (1024 * 1024)

struct lx_secret;

struct lx_mock_cfg_account {
    /* cfg.secret = secret, or cfg.ed25519 = ed25519 (one is NULL) */
    struct lx_mock_bn_account_cfg cfg;
    struct lx_secret *secret;
    struct evp_pkey_st *ed25519; /* "ed25519_public_key", parsed */
    const char *bal[2 * LX_MOCK_CFG_ASSETS + 1];
};

#define LX_MOCK_CFG_USDM_SYMBOLS 8 /* the USD-M venue's symbol limit */

/*
 * "usdm": the Binance USD-M venue on its own port. has: the object was
 * given; enabled (default 1). Symbols (nsyms 0: the default BTCUSDT) with
 * a funding rate (NULL: 0.0001), a starting leverage (0: 20) and a maker
 * (gens[i].start_mid NULL: none); accounts (naccts 0: the spot ones).
 */
struct lx_mock_cfg_usdm {
    int has, enabled;
    int has_port, has_market, has_limits;
    uint16_t port;
    int market;
    struct lx_mock_limits limits; /* defaults: Binance USD-M's */
    int64_t period_ms;            /* maker period, default 1000 */
    struct lx_mock_bn_symbol_cfg syms[LX_MOCK_CFG_USDM_SYMBOLS];
    struct lx_mock_bn_usdm_gen gens[LX_MOCK_CFG_USDM_SYMBOLS];
    const char *rates[LX_MOCK_CFG_USDM_SYMBOLS];
    uint32_t leverage[LX_MOCK_CFG_USDM_SYMBOLS];
    size_t nsyms;
    struct lx_mock_cfg_account accts[LX_MOCK_CFG_ACCOUNTS];
    size_t naccts;
};

struct lx_mock_config {
    void *root; /* the parsed tree (cJSON); owns every string below */
    int has_seed, has_listen, has_port, has_market;
    uint64_t seed;
    const char *listen;
    uint16_t port;
    int market;
    struct lx_mock_limits limits; /* defaults: Binance spot's */
    int64_t period_ms;            /* generator period, default 1000 */
    struct lx_mock_bn_symbol_cfg syms[LX_MOCK_CFG_SYMBOLS];
    struct lx_mock_synth_symbol gens[LX_MOCK_CFG_SYMBOLS];
    int has_gen[LX_MOCK_CFG_SYMBOLS];
    size_t nsyms;
    struct lx_mock_cfg_account accts[LX_MOCK_CFG_ACCOUNTS];
    size_t naccts;
    /*
     * "tls": {"enabled", "cert", "key", "ca_out"}. has_tls: the object was
     * given; tls: enabled (default true when the object is there); the
     * paths (NULL when absent) point into root; cert and key come as a
     * pair.
     */
    int has_tls, tls;
    /*
     * "streams": {"ping_interval_s", "max_age_s", "max_msgs_per_sec"}: the
     * spot stream hub's server pings, connection lifetime and incoming
     * message limit (0 = none); has_streams: the object was given, streams
     * holds Binance spot's values for what it leaves out.
     */
    int has_streams;
    struct lx_mock_bn_hub_opts streams;
    /* "order_history": closed spot orders kept for queries (default
     * LX_MOCK_BN_HISTORY). */
    int64_t order_history;
    const char *tls_cert, *tls_key, *tls_ca_out;
    struct lx_mock_cfg_usdm usdm;
};

/*
 * Reads and checks path into c (zeroed first). On failure c holds nothing
 * to free and err (cap bytes) says what is wrong, naming the field.
 * Errors: LX_ERR_IO (unreadable), LX_ERR_CONFIG (invalid), LX_ERR_NOMEM.
 */
int lx_mock_config_load(struct lx_mock_config *c, const char *path, char *err,
                        size_t cap);
/* Same from a buffer (buf is wiped: it may hold secrets). */
int lx_mock_config_parse(struct lx_mock_config *c, char *buf, size_t len,
                         char *err, size_t cap);
void lx_mock_config_free(struct lx_mock_config *c);

#endif
