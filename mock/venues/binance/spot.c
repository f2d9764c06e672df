/*
 * spot.c - the simulated Binance spot venue: symbols and accounts on the
 * matching engine, the order records the venue reports, and the streams
 * derived from the engine's event log (see spot.h).
 *
 * After every engine call lx__mbn_drain walks the new events: order records
 * are created and updated, every trade (the taker's fill) gets a venue
 * trade id, is kept for GET /api/v3/trades and published on @trade and
 * @aggTrade; then each touched book is compared with the book as last
 * published and the changed levels go out as one depthUpdate whose id
 * advances the sequence GET /api/v3/depth reports, so a client's REST
 * snapshot and the diffs always line up.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_secret.h"
#include "mock/venues/binance/auth.h"
#include "mock/venues/binance/render.h"
#include "mock/venues/binance/spot_int.h"
#include "mock/venues/binance/streams.h"

#define NS_PER_MS 1000000

/* The mock's clock (the door's offset/freeze layer over v->clock). */
int64_t lx__mbn_now_ns(const struct lx_mock_bn_spot *v)
{
    return lx_mock_door_now_ns(v->door);
}

int64_t lx__mbn_now_ms(const struct lx_mock_bn_spot *v)
{
    return lx_mock_door_now_ms(v->door);
}

static struct lx_decimal at_scale(struct lx_decimal d)
{
    struct lx_decimal out;

    if (lx_decimal_rescale(d, BN_SCALE, LX_ROUND_HALF_EVEN, &out) != LX_OK) {
        return d;
    }
    return out;
}

struct lx_decimal lx__mbn_px(const struct lx_mock_bn_spot *v,
                             const struct bn_symbol *s, int64_t ticks)
{
    struct lx_decimal d = lx_decimal_from_i64(0, 0);

    lx__engine_price_dec(v->eng, s->inst, ticks, &d);
    return at_scale(d);
}

struct lx_decimal lx__mbn_qty(const struct lx_mock_bn_spot *v,
                              const struct bn_symbol *s, int64_t lots)
{
    struct lx_decimal d = lx_decimal_from_i64(0, 0);

    lx__engine_qty_dec(v->eng, s->inst, lots, &d);
    return at_scale(d);
}

struct lx_decimal lx__mbn_amt(const struct lx_mock_bn_spot *v, uint32_t asset,
                              int64_t units)
{
    struct lx_decimal d = lx_decimal_from_i64(0, 0);

    lx__engine_amount_dec(v->eng, asset, units, &d);
    return at_scale(d);
}

const char *lx__mbn_asset_name(const struct lx_mock_bn_spot *v, uint32_t id)
{
    size_t i;

    for (i = 0; i < v->nassets; i++) {
        if (v->assets[i].id == id) {
            return v->assets[i].name;
        }
    }
    return "?";
}

const char *lx__mbn_type_name(int type)
{
    static const char *const n[LX_ENG_TYPE_COUNT] = {
        "LIMIT",           "LIMIT_MAKER", "MARKET",           "STOP_LOSS",
        "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"};

    return type >= 0 && type < LX_ENG_TYPE_COUNT ? n[type] : "LIMIT";
}

const char *lx__mbn_tif_name(int tif)
{
    static const char *const n[LX_ENG_TIF_COUNT] = {"GTC", "IOC", "FOK", "GTX"};

    return tif >= 0 && tif < LX_ENG_TIF_COUNT ? n[tif] : "GTC";
}

const char *lx__mbn_state_name(int state)
{
    switch (state) {
    case LX_ENG_ST_PARTIALLY_FILLED:
        return "PARTIALLY_FILLED";
    case LX_ENG_ST_FILLED:
        return "FILLED";
    case LX_ENG_ST_CANCELED:
        return "CANCELED";
    case LX_ENG_ST_EXPIRED:
        return "EXPIRED";
    case LX_ENG_ST_EXPIRED_IN_MATCH:
        return "EXPIRED_IN_MATCH";
    case LX_ENG_ST_REJECTED:
        return "REJECTED";
    default:
        return "NEW";
    }
}

const char *lx__mbn_stp_name(int stp)
{
    static const char *const n[LX_ENG_STP_COUNT] = {
        "NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"};

    return stp >= 0 && stp < LX_ENG_STP_COUNT ? n[stp] : "NONE";
}

static void win_100ms_cb(struct lx_timer *t, void *ud);
static void win_1s_cb(struct lx_timer *t, void *ud);

/* ---- setup ----------------------------------------------------------------
 */

int lx_mock_bn_spot_new(struct lx_mock_bn_spot **out, struct lx_clock *clock,
                        struct lx_mock_door *door, struct lx_mock_bn_hub *hub,
                        const char **why)
{
    struct lx_eng_config cfg;
    struct lx_mock_bn_spot *v;
    int rc;

    if (out == NULL || clock == NULL || door == NULL || hub == NULL) {
        return LX_ERR_INVAL;
    }
    v = lx__calloc(NULL, 1, sizeof(*v));
    *out = v;
    if (v == NULL) {
        return LX_ERR_NOMEM;
    }
    v->clock = clock;
    v->door = door;
    v->hub = hub;
    lx_mock_sb_init(&v->sb);
    lx_mock_sb_init(&v->sb2);
    v->orders_cap = 1024;
    v->orders = lx__calloc(NULL, v->orders_cap, sizeof(*v->orders));
    v->max_closed = LX_MOCK_BN_HISTORY;
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_accounts = BN_MAX_ACCOUNTS;
    cfg.max_assets = BN_MAX_ASSETS;
    cfg.max_instruments = BN_MAX_SYMBOLS;
    cfg.max_events = 65536; /* drained after every call: ample */
    rc = v->orders == NULL ? LX_ERR_NOMEM : lx__engine_new(&v->eng, NULL, &cfg);
    if (rc == LX_OK) {
        rc = lx_timer_new(&v->win_timer[BN_WIN_100MS], clock, win_100ms_cb, v);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&v->win_timer[BN_WIN_1S], clock, win_1s_cb, v);
    }
    if (rc == LX_OK) {
        rc = lx__mbn_spot_routes(v);
    }
    if (rc != LX_OK) {
        if (why != NULL) {
            *why = "cannot create the venue";
        }
        lx_mock_bn_spot_free(v);
        *out = NULL;
    }
    return rc;
}

void lx_mock_bn_spot_free(struct lx_mock_bn_spot *v)
{
    size_t i;

    if (v == NULL) {
        return;
    }
    for (i = 0; i < v->nsyms; i++) {
        size_t w;

        lx__free(NULL, v->syms[i].trades);
        lx__bside_free(&v->syms[i].pub[0]);
        lx__bside_free(&v->syms[i].pub[1]);
        lx__free(NULL, v->syms[i].touched);
        lx_mock_sb_free(&v->syms[i].depth_body);
        for (w = 0; w < BN_NWIN; w++) {
            lx__free(NULL, v->syms[i].win[w].chg[0]);
            lx__free(NULL, v->syms[i].win[w].chg[1]);
        }
    }
    lx_timer_free(v->win_timer[BN_WIN_100MS]);
    lx_timer_free(v->win_timer[BN_WIN_1S]);
    for (i = 0; i < v->naccounts; i++) {
        lx__free(NULL, v->key_strs[i]);
    }
    for (i = 0; i < v->nowned; i++) {
        lx_secret_free(v->owned[i]);
    }
    for (i = 0; i < v->nowned_pk; i++) {
        EVP_PKEY_free(v->owned_pk[i]);
    }
    for (i = 0; i < BN_MAX_ACCOUNTS; i++) {
        lx__free(NULL, v->my[i].t);
    }
    lx__engine_free(v->eng);
    lx__free(NULL, v->orders);
    lx__free(NULL, v->orders_tmp);
    lx__free(NULL, v->cids);
    lx__free(NULL, v->closed);
    lx__free(NULL, v->retiring);
    lx__free(NULL, v->scratch);
    lx__free(NULL, v->fills);
    lx__free(NULL, v->execs);
    lx__free(NULL, v->lists);
    lx__free(NULL, v->list_q);
    lx_mock_sb_free(&v->sb);
    lx_mock_sb_free(&v->sb2);
    lx__free(NULL, v);
}

/* The engine asset named name, added on first use (8 decimals). */
static int asset_id(struct lx_mock_bn_spot *v, const char *name, uint32_t *id)
{
    size_t i;
    int rc;

    for (i = 0; i < v->nassets; i++) {
        if (strcmp(v->assets[i].name, name) == 0) {
            *id = v->assets[i].id;
            return LX_OK;
        }
    }
    if (v->nassets == BN_MAX_ASSETS || strlen(name) >= LX_ASSET_LEN ||
        name[0] == '\0') {
        return LX_ERR_CONFIG;
    }
    rc = lx__engine_add_asset(v->eng, BN_SCALE, id);
    if (rc == LX_OK) {
        lx__snprintf(v->assets[v->nassets].name, LX_ASSET_LEN, "%s", name);
        v->assets[v->nassets++].id = *id;
    }
    return rc;
}

static int dec_or_zero(const char *s, struct lx_decimal *out)
{
    if (s == NULL || s[0] == '\0') {
        *out = lx_decimal_from_i64(0, 0);
        return LX_OK;
    }
    return lx_decimal_parse(s, strlen(s), out) == LX_OK ? LX_OK : LX_ERR_CONFIG;
}

int lx_mock_bn_spot_add_symbol(struct lx_mock_bn_spot *v,
                               const struct lx_mock_bn_symbol_cfg *cfg,
                               const char **why)
{
    struct lx_eng_instrument_spec spec;
    struct bn_symbol *s;
    size_t i;
    int rc;

    if (v->nsyms == BN_MAX_SYMBOLS || cfg->symbol == NULL ||
        strlen(cfg->symbol) >= LX_SYMBOL_LEN || lx__mbn_sym(v, cfg->symbol)) {
        *why = "too many symbols, a duplicate, or a bad name";
        return LX_ERR_CONFIG;
    }
    s = &v->syms[v->nsyms];
    memset(s, 0, sizeof(*s));
    memset(&spec, 0, sizeof(spec));
    rc = asset_id(v, cfg->base, &spec.base);
    if (rc == LX_OK) {
        rc = asset_id(v, cfg->quote, &spec.quote);
    }
    if (rc == LX_OK &&
        (dec_or_zero(cfg->tick_size, &spec.tick_size) != LX_OK ||
         dec_or_zero(cfg->lot_size, &spec.lot_size) != LX_OK ||
         dec_or_zero(cfg->min_qty, &spec.min_qty) != LX_OK ||
         dec_or_zero(cfg->max_qty, &spec.max_qty) != LX_OK ||
         dec_or_zero(cfg->min_price, &spec.min_price) != LX_OK ||
         dec_or_zero(cfg->max_price, &spec.max_price) != LX_OK ||
         dec_or_zero(cfg->min_notional, &spec.min_notional) != LX_OK)) {
        rc = LX_ERR_CONFIG;
    }
    if (rc == LX_OK) {
        rc = lx__engine_add_instrument(v->eng, &spec, &s->inst);
        if (rc == LX_ERR_INVAL) {
            rc = LX_ERR_CONFIG;
        }
    }
    if (rc != LX_OK) {
        *why = "bad assets or filters";
        return rc;
    }
    s->trades = lx__calloc(NULL, BN_TRADES, sizeof(*s->trades));
    if (s->trades == NULL) {
        return LX_ERR_NOMEM;
    }
    lx__snprintf(s->name, sizeof(s->name), "%s", cfg->symbol);
    for (i = 0; s->name[i] != '\0'; i++) {
        s->lower[i] =
            (char)(s->name[i] >= 'A' && s->name[i] <= 'Z' ? s->name[i] + 32
                                                          : s->name[i]);
    }
    lx__snprintf(s->base, sizeof(s->base), "%s", cfg->base);
    lx__snprintf(s->quote, sizeof(s->quote), "%s", cfg->quote);
    s->base_asset = spec.base;
    s->quote_asset = spec.quote;
    s->tick = spec.tick_size;
    s->lot = spec.lot_size;
    s->min_qty = spec.min_qty;
    s->max_qty = spec.max_qty;
    s->min_price = spec.min_price;
    s->max_price = spec.max_price;
    s->min_notional = spec.min_notional;
    lx__bside_init(&s->pub[0], NULL);
    lx__bside_init(&s->pub[1], NULL);
    s->update_id = 1000;
    s->win[BN_WIN_100MS].first_id = s->update_id + 1;
    s->win[BN_WIN_1S].first_id = s->update_id + 1;
    v->nsyms++;
    return LX_OK;
}

int lx_mock_bn_spot_add_account(struct lx_mock_bn_spot *v,
                                const struct lx_mock_bn_account_cfg *cfg,
                                uint32_t *id_out, const char **why)
{
    struct lx_eng_account_spec spec;
    const char *const *b;
    uint32_t id, asset;
    size_t n = v->naccounts;
    int rc;

    if (n == BN_MAX_ACCOUNTS || cfg->api_key == NULL ||
        (cfg->secret == NULL && cfg->ed25519 == NULL)) {
        *why = "too many accounts, or no key";
        return LX_ERR_CONFIG;
    }
    memset(&spec, 0, sizeof(spec));
    if (dec_or_zero(cfg->maker_fee, &spec.maker_fee) != LX_OK ||
        dec_or_zero(cfg->taker_fee, &spec.taker_fee) != LX_OK) {
        *why = "bad fee rate";
        return LX_ERR_CONFIG;
    }
    /* MAX_NUM_ORDERS is per symbol: the venue counts (order_count). */
    spec.max_open_orders = 0;
    spec.market = cfg->market;
    rc = lx__engine_add_account(v->eng, &spec, &id);
    if (rc != LX_OK) {
        *why = "engine refused the account";
        return rc;
    }
    v->key_strs[n] = lx__strdup(NULL, cfg->api_key);
    if (v->key_strs[n] == NULL) {
        return LX_ERR_NOMEM;
    }
    v->keys[n].api_key = v->key_strs[n];
    v->keys[n].secret = cfg->ed25519 != NULL ? NULL : cfg->secret;
    v->keys[n].ed25519 = cfg->ed25519;
    v->keys[n].account = id;
    if (id < BN_MAX_ACCOUNTS) {
        v->no_history[id] = cfg->market;
    }
    v->maker_fee[n] = spec.maker_fee;
    v->taker_fee[n] = spec.taker_fee;
    v->naccounts++;
    for (b = cfg->balances; b != NULL && b[0] != NULL; b += 2) {
        struct lx_decimal amt;
        int64_t units;
        struct lx_decimal one;

        if (b[1] == NULL || asset_id(v, b[0], &asset) != LX_OK ||
            lx_decimal_parse(b[1], strlen(b[1]), &amt) != LX_OK) {
            *why = "bad opening balance";
            return LX_ERR_CONFIG;
        }
        one = lx_decimal_from_i64(1, BN_SCALE);
        if (lx_decimal_to_ticks(amt, one, &units) != LX_OK ||
            lx__engine_deposit(v->eng, id, asset, units, lx__mbn_now_ns(v)) !=
                LX_OK) {
            *why = "opening balance out of range";
            return LX_ERR_CONFIG;
        }
    }
    lx__engine_events_clear(v->eng);
    if (id_out != NULL) {
        *id_out = id;
    }
    return LX_OK;
}

/* ---- the admin API's accounts and balances ------------------------------ */

static const struct lx_mock_bn_key *key_of(const struct lx_mock_bn_spot *v,
                                           const char *api_key)
{
    size_t i;

    for (i = 0; api_key != NULL && i < v->naccounts; i++) {
        if (strcmp(v->keys[i].api_key, api_key) == 0) {
            return &v->keys[i];
        }
    }
    return NULL;
}

/* A known asset (one a symbol trades or an account was opened with). */
static int asset_find(const struct lx_mock_bn_spot *v, const char *name,
                      uint32_t *id)
{
    size_t i;

    for (i = 0; name != NULL && i < v->nassets; i++) {
        if (strcmp(v->assets[i].name, name) == 0) {
            *id = v->assets[i].id;
            return LX_OK;
        }
    }
    return LX_ERR_NOTFOUND;
}

/* s as engine units (8 decimals, >= 0); LX_OK. */
static int amount_units(const char *s, int64_t *units)
{
    struct lx_decimal d;

    if (s == NULL || lx_decimal_parse(s, strlen(s), &d) != LX_OK || d.m < 0 ||
        lx_decimal_to_ticks(d, lx_decimal_from_i64(1, BN_SCALE), units) !=
            LX_OK) {
        return LX_ERR_INVAL;
    }
    return LX_OK;
}

/* A fee rate the engine takes: -1..1 with at most 8 decimals. */
static int fee_ok(const char *s)
{
    struct lx_decimal d, r;

    return s == NULL ||
           (lx_decimal_parse(s, strlen(s), &d) == LX_OK &&
            lx_decimal_rescale(d, 8, LX_ROUND_EXACT, &r) == LX_OK &&
            r.m >= -100000000 && r.m <= 100000000);
}

int lx_mock_bn_spot_has_account(const struct lx_mock_bn_spot *v,
                                const char *api_key)
{
    return key_of(v, api_key) != NULL;
}

/* An account made at run time that signs with secret (HMAC) or, when pem
 * is given instead, with the Ed25519 key of that public-key PEM. */
static int new_account(struct lx_mock_bn_spot *v, const char *api_key,
                       const char *secret, const char *pem,
                       const char *maker_fee, const char *taker_fee,
                       const char *const *balances, uint32_t *id,
                       const char **why)
{
    struct lx_mock_bn_account_cfg cfg;
    struct lx_secret *sec = NULL;
    EVP_PKEY *pk = NULL;
    const char *const *b;
    size_t before = v->naccounts;
    uint32_t asset;
    int64_t units;
    int rc;

    if (api_key == NULL || api_key[0] == '\0') {
        *why = "apiKey: want a non-empty string";
        return LX_ERR_INVAL;
    }
    if (key_of(v, api_key) != NULL) {
        *why = "apiKey: already taken";
        return LX_ERR_EXISTS;
    }
    if (v->naccounts == BN_MAX_ACCOUNTS) {
        *why = "apiKey: no room for more accounts (64 in all)";
        return LX_ERR_TOOBIG;
    }
    if (pem == NULL && (secret == NULL || secret[0] == '\0')) {
        *why = "secret: want a non-empty string";
        return LX_ERR_INVAL;
    }
    if (!fee_ok(maker_fee) || !fee_ok(taker_fee)) {
        *why = !fee_ok(maker_fee) ? "makerFee: want a decimal from -1 to 1, "
                                    "at most 8 decimals"
                                  : "takerFee: want a decimal from -1 to 1, "
                                    "at most 8 decimals";
        return LX_ERR_INVAL;
    }
    for (b = balances; b != NULL && b[0] != NULL; b += 2) {
        if (asset_find(v, b[0], &asset) != LX_OK) {
            *why = "balances: an asset no symbol of this venue trades";
            return LX_ERR_INVAL;
        }
        if (amount_units(b[1], &units) != LX_OK) {
            *why = "balances: want {\"ASSET\":\"amount\",...} with amounts "
                   ">= 0, at most 8 decimals";
            return LX_ERR_INVAL;
        }
    }
    if (pem != NULL) {
        rc = lx_mock_bn_ed25519_key(pem, &pk);
        if (rc != LX_OK) {
            *why = rc == LX_ERR_NOMEM
                       ? "ed25519PublicKey: cannot be kept"
                       : "ed25519PublicKey: want the PEM of an Ed25519 "
                         "public key";
            return rc;
        }
    } else {
        rc = lx_secret_new(&sec, NULL, secret, strlen(secret));
        if (rc != LX_OK) {
            *why = "secret: cannot be kept";
            return rc;
        }
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.api_key = api_key;
    cfg.secret = sec;
    cfg.ed25519 = pk;
    cfg.maker_fee = maker_fee != NULL ? maker_fee : "0.001";
    cfg.taker_fee = taker_fee != NULL ? taker_fee : "0.001";
    cfg.balances = balances;
    rc = lx_mock_bn_spot_add_account(v, &cfg, id, why);
    if (v->naccounts > before) { /* the venue holds them now */
        v->owned[v->nowned++] = sec;
        v->owned_pk[v->nowned_pk++] = pk;
    } else {
        lx_secret_free(sec);
        EVP_PKEY_free(pk);
    }
    if (rc != LX_OK) {
        *why = "apiKey: the venue refused the account";
    }
    return rc;
}

int lx_mock_bn_spot_new_account(struct lx_mock_bn_spot *v, const char *api_key,
                                const char *secret, const char *maker_fee,
                                const char *taker_fee,
                                const char *const *balances, uint32_t *id,
                                const char **why)
{
    return new_account(v, api_key, secret, NULL, maker_fee, taker_fee, balances,
                       id, why);
}

int lx_mock_bn_spot_new_ed25519_account(struct lx_mock_bn_spot *v,
                                        const char *api_key, const char *pem,
                                        const char *maker_fee,
                                        const char *taker_fee,
                                        const char *const *balances,
                                        uint32_t *id, const char **why)
{
    if (pem == NULL || pem[0] == '\0') {
        *why = "ed25519PublicKey: want the PEM of an Ed25519 public key";
        return LX_ERR_INVAL;
    }
    return new_account(v, api_key, NULL, pem, maker_fee, taker_fee, balances,
                       id, why);
}

int lx_mock_bn_spot_set_balance(struct lx_mock_bn_spot *v, const char *api_key,
                                const char *asset, const char *amount,
                                const char **why)
{
    const struct lx_mock_bn_key *k = key_of(v, api_key);
    int64_t units, fr = 0, lk = 0;
    uint32_t id;
    int rc;

    if (k == NULL) {
        *why = "apiKey: no such account";
        return LX_ERR_NOTFOUND;
    }
    if (asset_find(v, asset, &id) != LX_OK) {
        *why = "asset: unknown (no symbol of this venue trades it)";
        return LX_ERR_NOTFOUND;
    }
    if (amount_units(amount, &units) != LX_OK) {
        *why = "amount: want a decimal string >= 0 with at most 8 decimals";
        return LX_ERR_INVAL;
    }
    rc = lx__engine_balance(v->eng, (uint32_t)k->account, id, &fr, &lk);
    if (rc == LX_OK && units != fr) {
        /* A deposit or withdrawal of the difference, as the venue logs. */
        rc = lx__engine_deposit(v->eng, (uint32_t)k->account, id, units - fr,
                                lx__mbn_now_ns(v));
        if (rc == LX_OK) {
            rc = lx__mbn_drain(v);
        }
    }
    if (rc != LX_OK) {
        *why = "amount: out of range";
    }
    return rc;
}

int lx_mock_bn_spot_price_filter(const struct lx_mock_bn_spot *v,
                                 const char *symbol, struct lx_decimal *min,
                                 struct lx_decimal *max)
{
    struct bn_symbol *s = lx__mbn_sym((struct lx_mock_bn_spot *)v, symbol);

    if (s == NULL) {
        return LX_ERR_NOTFOUND;
    }
    *min = s->min_price;
    *max = s->max_price;
    return LX_OK;
}

struct bn_symbol *lx__mbn_sym(struct lx_mock_bn_spot *v, const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < v->nsyms; i++) {
        if (strcmp(v->syms[i].name, name) == 0) {
            return &v->syms[i];
        }
    }
    return NULL;
}

struct bn_symbol *lx__mbn_sym_by_inst(struct lx_mock_bn_spot *v, uint32_t inst)
{
    size_t i;

    for (i = 0; i < v->nsyms; i++) {
        if (v->syms[i].inst == inst) {
            return &v->syms[i];
        }
    }
    return NULL;
}

/* ---- order records --------------------------------------------------------
 */

static size_t slot_of(uint64_t id, size_t cap)
{
    return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

struct bn_order *lx__mbn_order(struct lx_mock_bn_spot *v, uint64_t id)
{
    size_t i = slot_of(id, v->orders_cap);

    while (v->orders[i].id != 0) {
        if (v->orders[i].id == id) {
            return &v->orders[i];
        }
        i = (i + 1) & (v->orders_cap - 1);
    }
    return NULL;
}

/* Inserts the live records among src[0..n) in that order into the empty
 * table t of ncap slots. */
static void orders_fill(struct bn_order *t, size_t ncap,
                        const struct bn_order *src, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (src[i].id != 0 && src[i].id != BN_TOMB) {
            size_t j = slot_of(src[i].id, ncap);

            while (t[j].id != 0) {
                j = (j + 1) & (ncap - 1);
            }
            t[j] = src[i];
        }
    }
}

/*
 * Rebuilds the order table with ncap slots, dropping tombstones. The
 * records land where a rebuild into a fresh table would put them (live
 * records inserted in table order), whichever way it is done: at the same
 * size in place, through the kept orders_tmp (the live records are then
 * at most a quarter of the table).
 */
static int rehash_orders(struct lx_mock_bn_spot *v, size_t ncap)
{
    struct bn_order *old = v->orders, *n;
    size_t i, k = 0;

    if (ncap == v->orders_cap) {
        if (v->orders_tmp_cap < v->norders) {
            size_t tcap = v->norders * 2 > 64 ? v->norders * 2 : 64;
            struct bn_order *t = lx__malloc(NULL, tcap * sizeof(*t));

            if (t == NULL) {
                return LX_ERR_NOMEM;
            }
            lx__free(NULL, v->orders_tmp);
            v->orders_tmp = t;
            v->orders_tmp_cap = tcap;
        }
        for (i = 0; i < v->orders_cap; i++) {
            if (old[i].id != 0 && old[i].id != BN_TOMB) {
                v->orders_tmp[k++] = old[i];
            }
        }
        memset(old, 0, ncap * sizeof(*old));
        orders_fill(old, ncap, v->orders_tmp, k);
        v->ntombs = 0;
        return LX_OK;
    }
    n = lx__calloc(NULL, ncap, sizeof(*n));
    if (n == NULL) {
        return LX_ERR_NOMEM;
    }
    orders_fill(n, ncap, old, v->orders_cap);
    v->orders = n;
    v->orders_cap = ncap;
    v->ntombs = 0;
    lx__free(NULL, old);
    return LX_OK;
}

static struct bn_order *order_new(struct lx_mock_bn_spot *v, uint64_t id)
{
    size_t i;

    if ((v->norders + v->ntombs + 1) * 2 > v->orders_cap) {
        /* Mostly tombstones: rebuild at the same size. */
        size_t ncap = (v->norders + 1) * 4 > v->orders_cap ? v->orders_cap * 2
                                                           : v->orders_cap;

        if (rehash_orders(v, ncap) != LX_OK) {
            return NULL;
        }
    }
    i = slot_of(id, v->orders_cap);
    while (v->orders[i].id != 0 && v->orders[i].id != BN_TOMB) {
        i = (i + 1) & (v->orders_cap - 1);
    }
    if (v->orders[i].id == BN_TOMB) {
        v->ntombs--;
    }
    memset(&v->orders[i], 0, sizeof(v->orders[i]));
    v->orders[i].id = id;
    v->norders++;
    v->orders_made++;
    return &v->orders[i];
}

/* ---- the client-id index ------------------------------------------------ */

static uint32_t cid_hash(uint32_t account, const char *cid)
{
    uint32_t h = 2166136261u ^ account;

    for (; *cid != '\0'; cid++) {
        h = (h ^ (uint8_t)*cid) * 16777619u;
    }
    return h != 0 ? h : 1;
}

/* The index entry of (account, cid), or NULL. */
static struct bn_cid_ent *cid_find(struct lx_mock_bn_spot *v, uint32_t account,
                                   const char *cid, uint32_t h)
{
    size_t i;

    if (v->cids_cap == 0) {
        return NULL;
    }
    for (i = h & (v->cids_cap - 1); v->cids[i].id != 0;
         i = (i + 1) & (v->cids_cap - 1)) {
        struct bn_cid_ent *e = &v->cids[i];

        if (e->id != BN_TOMB && e->hash == h && e->account == account) {
            const struct bn_order *o = lx__mbn_order(v, e->id);

            if (o != NULL && strcmp(o->cid, cid) == 0) {
                return e;
            }
        }
    }
    return NULL;
}

struct bn_order *lx__mbn_order_by_cid(struct lx_mock_bn_spot *v,
                                      uint32_t account, const char *cid)
{
    struct bn_cid_ent *e = cid_find(v, account, cid, cid_hash(account, cid));

    return e != NULL ? lx__mbn_order(v, e->id) : NULL;
}

static int cid_rehash(struct lx_mock_bn_spot *v, size_t ncap)
{
    struct bn_cid_ent *n = lx__calloc(NULL, ncap, sizeof(*n));
    size_t i;

    if (n == NULL) {
        return LX_ERR_NOMEM;
    }
    for (i = 0; i < v->cids_cap; i++) {
        if (v->cids[i].id != 0 && v->cids[i].id != BN_TOMB) {
            size_t j = v->cids[i].hash & (ncap - 1);

            while (n[j].id != 0) {
                j = (j + 1) & (ncap - 1);
            }
            n[j] = v->cids[i];
        }
    }
    lx__free(NULL, v->cids);
    v->cids = n;
    v->cids_cap = ncap;
    v->cid_tombs = 0;
    return LX_OK;
}

/* Drops o's entry from the index if the entry is o's (not a newer one). */
static void cid_forget(struct lx_mock_bn_spot *v, const struct bn_order *o)
{
    struct bn_cid_ent *e;

    if (o->cid[0] == '\0') {
        return;
    }
    e = cid_find(v, o->account, o->cid, cid_hash(o->account, o->cid));
    if (e != NULL && e->id == o->id) {
        e->id = BN_TOMB;
        v->ncids--;
        v->cid_tombs++;
    }
}

/*
 * Makes o the order its (account, client id) finds: client ids may be
 * reused once an order closed, and the newest order wins.
 */
static int cid_index(struct lx_mock_bn_spot *v, const struct bn_order *o)
{
    uint32_t h = cid_hash(o->account, o->cid);
    struct bn_cid_ent *e = cid_find(v, o->account, o->cid, h);
    size_t i;

    if (e != NULL) {
        if (e->id < o->id) {
            e->id = o->id;
        }
        return LX_OK;
    }
    if ((v->ncids + v->cid_tombs + 1) * 2 > v->cids_cap) {
        size_t ncap = v->cids_cap == 0                   ? 1024
                      : (v->ncids + 1) * 4 > v->cids_cap ? v->cids_cap * 2
                                                         : v->cids_cap;
        int rc = cid_rehash(v, ncap);

        if (rc != LX_OK) {
            return rc;
        }
    }
    for (i = h & (v->cids_cap - 1);
         v->cids[i].id != 0 && v->cids[i].id != BN_TOMB;
         i = (i + 1) & (v->cids_cap - 1)) {
    }
    if (v->cids[i].id == BN_TOMB) {
        v->cid_tombs--;
    }
    v->cids[i].id = o->id;
    v->cids[i].hash = h;
    v->cids[i].account = o->account;
    v->ncids++;
    return LX_OK;
}

void lx__mbn_order_set_cid(struct lx_mock_bn_spot *v, struct bn_order *o,
                           const char *cid)
{
    cid_forget(v, o);
    lx__str_join(o->cid, sizeof(o->cid), cid, NULL);
    if (o->cid[0] != '\0') {
        cid_index(v, o);
    }
}

/* ---- closed orders ------------------------------------------------------- */

static bool order_closed(const struct bn_order *o)
{
    return o->state == LX_ENG_ST_FILLED || o->state == LX_ENG_ST_CANCELED ||
           o->state == LX_ENG_ST_EXPIRED ||
           o->state == LX_ENG_ST_EXPIRED_IN_MATCH ||
           o->state == LX_ENG_ST_REJECTED;
}

bool lx__mbn_is_algo(int type)
{
    return type == LX_ENG_STOP_LOSS || type == LX_ENG_STOP_LOSS_LIMIT ||
           type == LX_ENG_TAKE_PROFIT || type == LX_ENG_TAKE_PROFIT_LIMIT;
}

/* Counts open order o in its symbol (on), or no longer (off); once each. */
static void order_count(struct lx_mock_bn_spot *v, struct bn_order *o, bool on)
{
    struct bn_symbol *s;

    if (o->account >= BN_MAX_ACCOUNTS || o->sym >= v->nsyms ||
        v->no_history[o->account] || o->counted == on) {
        return;
    }
    s = &v->syms[o->sym];
    s->nopen[o->account] += on ? 1 : (uint32_t)-1;
    if (lx__mbn_is_algo(o->type)) {
        s->nalgo[o->account] += on ? 1 : (uint32_t)-1;
    }
    o->counted = on;
}

int lx__mbn_order_room(const struct lx_mock_bn_spot *v, uint32_t account,
                       const struct bn_symbol *s, unsigned n, unsigned nalgo,
                       const char **msg)
{
    if (account >= BN_MAX_ACCOUNTS || v->no_history[account]) {
        return 0;
    }
    if (s->nopen[account] + n > BN_MAX_NUM_ORDERS) {
        *msg = "Filter failure: MAX_NUM_ORDERS";
        return -1;
    }
    if (s->nalgo[account] + nalgo > BN_MAX_NUM_ALGO_ORDERS) {
        *msg = "Filter failure: MAX_NUM_ALGO_ORDERS";
        return -1;
    }
    return 0;
}

/* Notes o as closed (once); it goes to the history at the next drain. */
static void order_retire(struct lx_mock_bn_spot *v, struct bn_order *o)
{
    if (o->retired || !order_closed(o)) {
        return;
    }
    order_count(v, o, false);
    if (v->nretiring == v->retiring_cap) {
        size_t cap = v->retiring_cap > 0 ? v->retiring_cap * 2 : 256;
        uint64_t *p = lx__realloc(NULL, v->retiring, cap * sizeof(*p));

        if (p == NULL) {
            return; /* kept for good: memory, never correctness */
        }
        v->retiring = p;
        v->retiring_cap = cap;
    }
    o->retired = 1;
    v->retiring[v->nretiring++] = o->id;
}

/* Removes the record of order id (its client id too). */
static void order_forget(struct lx_mock_bn_spot *v, uint64_t id)
{
    struct bn_order *o = lx__mbn_order(v, id);

    if (o == NULL || o->list != 0) {
        return; /* an order list's legs stay with their list */
    }
    cid_forget(v, o);
    memset(o, 0, sizeof(*o));
    o->id = BN_TOMB;
    v->norders--;
    v->ntombs++;
}

static int closed_push(struct lx_mock_bn_spot *v, uint64_t id)
{
    if (v->nclosed == v->closed_cap) {
        size_t cap = v->closed_cap > 0 ? v->closed_cap * 2 : 1024, i;
        uint64_t *p = lx__malloc(NULL, cap * sizeof(*p));

        if (p == NULL) {
            return LX_ERR_NOMEM;
        }
        for (i = 0; i < v->nclosed; i++) {
            p[i] = v->closed[(v->closed_head + i) % v->closed_cap];
        }
        lx__free(NULL, v->closed);
        v->closed = p;
        v->closed_cap = cap;
        v->closed_head = 0;
    }
    v->closed[(v->closed_head + v->nclosed) % v->closed_cap] = id;
    v->nclosed++;
    return LX_OK;
}

/*
 * The orders closed in earlier drains join the history (or are forgotten
 * at once for a no_history account); the oldest past max_closed go.
 */
static void history_trim(struct lx_mock_bn_spot *v)
{
    size_t i;

    for (i = 0; i < v->nretiring; i++) {
        const struct bn_order *o = lx__mbn_order(v, v->retiring[i]);

        if (o == NULL) {
            continue;
        }
        if ((o->account < BN_MAX_ACCOUNTS && v->no_history[o->account]) ||
            closed_push(v, o->id) != LX_OK) {
            order_forget(v, o->id);
        }
    }
    v->nretiring = 0;
    while (v->nclosed > v->max_closed) {
        order_forget(v, v->closed[v->closed_head]);
        v->closed_head = (v->closed_head + 1) % v->closed_cap;
        v->nclosed--;
    }
}

void lx_mock_bn_spot_set_history(struct lx_mock_bn_spot *v, size_t max_closed)
{
    v->max_closed = max_closed;
}

/* ---- streams ----------------------------------------------------------------
 */

static void publish(struct lx_mock_bn_spot *v, const struct bn_symbol *s,
                    const char *suffix, const struct lx_mock_sb *sb)
{
    char stream[64];
    size_t n;

    if (sb->err != LX_OK) {
        return;
    }
    n = lx__str_join(stream, sizeof(stream), s->lower, "@");
    lx__str_join(stream + n, sizeof(stream) - n, suffix, NULL);
    lx_mock_bn_hub_publish(v->hub, stream, sb->buf, sb->len);
}

static void on_trade(struct lx_mock_bn_spot *v, struct bn_symbol *s,
                     const struct lx_eng_event *ev, int64_t trade_id)
{
    struct lx_trade *t = &s->trades[s->trade_head];

    memset(t, 0, sizeof(*t));
    lx__str_join(t->symbol, sizeof(t->symbol), s->name, NULL);
    t->trade_id = trade_id;
    t->first_trade_id = t->last_trade_id = trade_id;
    t->price = lx__mbn_px(v, s, ev->price);
    t->qty = lx__mbn_qty(v, s, ev->qty);
    /* The taker's side decides: a selling taker hit a buying maker. */
    t->buyer_is_maker = ev->side == LX_ENG_SELL;
    t->taker_side = ev->side == LX_ENG_SELL ? LX_SIDE_SELL : LX_SIDE_BUY;
    t->trade_ms = ev->time / NS_PER_MS;
    t->event_ms = t->trade_ms;
    s->trade_head = (s->trade_head + 1) % BN_TRADES;
    if (s->ntrades < BN_TRADES) {
        s->ntrades++;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_bn_render_trade(&v->sb, t, false);
    publish(v, s, "trade", &v->sb);
    t->is_aggregate = true;
    lx_mock_sb_reset(&v->sb);
    lx_mock_bn_render_agg_trade(&v->sb, t, false);
    publish(v, s, "aggTrade", &v->sb);
    t->is_aggregate = false;
}

/* One side of the book now, best first (resting orders only). */
static int side_now(struct lx_mock_bn_spot *v, const struct bn_symbol *s,
                    int side, struct bn_level **out, size_t *n)
{
    size_t total = lx__engine_levels(v->eng, s->inst, side, NULL, 0), i;
    struct lx_eng_level_info *lv;
    struct bn_level *b;

    b = lx__malloc(NULL, (total > 0 ? total : 1) * sizeof(*b));
    lv = lx__malloc(NULL, (total > 0 ? total : 1) * sizeof(*lv));
    if (b == NULL || lv == NULL) {
        lx__free(NULL, b);
        lx__free(NULL, lv);
        return LX_ERR_NOMEM;
    }
    *n = lx__engine_levels(v->eng, s->inst, side, lv, total);
    for (i = 0; i < *n; i++) {
        b[i].price = lv[i].price;
        b[i].qty = lv[i].qty;
    }
    lx__free(NULL, lv);
    *out = b;
    return LX_OK;
}

/*
 * The book now, aggregated by price: resting limit orders only (a stop
 * waiting for its trigger is not on the book). O(levels).
 */
static int book_now(struct lx_mock_bn_spot *v, const struct bn_symbol *s,
                    struct bn_level **bids, size_t *nb, struct bn_level **asks,
                    size_t *na)
{
    int rc = side_now(v, s, LX_ENG_BUY, bids, nb);

    if (rc == LX_OK) {
        rc = side_now(v, s, LX_ENG_SELL, asks, na);
        if (rc != LX_OK) {
            lx__free(NULL, *bids);
            *bids = NULL;
        }
    }
    return rc;
}

/*
 * Appends to out the levels of side that differ between old and cur (both
 * best first; desc for bids): new quantities, and 0 for levels gone.
 */
static size_t diff_side(const struct bn_level *old, size_t no,
                        const struct bn_level *cur, size_t nc, int desc,
                        struct bn_level *out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < no || j < nc) {
        int cmp;

        if (i == no) {
            cmp = 1;
        } else if (j == nc) {
            cmp = -1;
        } else if (old[i].price == cur[j].price) {
            cmp = 0;
        } else {
            cmp = (old[i].price > cur[j].price) == desc ? -1 : 1;
        }
        if (cmp == 0) {
            if (old[i].qty != cur[j].qty) {
                out[n++] = cur[j];
            }
            i++;
            j++;
        } else if (cmp < 0) {
            out[n].price = old[i++].price; /* gone */
            out[n++].qty = 0;
        } else {
            out[n++] = cur[j++];
        }
    }
    return n;
}

static int to_levels(const struct lx_mock_bn_spot *v, const struct bn_symbol *s,
                     const struct bn_level *in, size_t n, struct lx_level **out)
{
    size_t i;

    *out = lx__malloc(NULL, (n > 0 ? n : 1) * sizeof(**out));
    if (*out == NULL) {
        return LX_ERR_NOMEM;
    }
    for (i = 0; i < n; i++) {
        (*out)[i].price = lx__mbn_px(v, s, in[i].price);
        (*out)[i].qty = lx__mbn_qty(v, s, in[i].qty);
    }
    return LX_OK;
}

/* ---- batched depth pushes ---------------------------------------------- */

static const int64_t win_period_ns[BN_NWIN] = {100 * 1000000LL, 1000000000LL};
static const char *const win_stream[BN_NWIN] = {"depth@100ms", "depth"};

/* Starts the window timers unless they run (a change waits for a push). */
static void win_arm(struct lx_mock_bn_spot *v)
{
    int w;

    for (w = 0; w < BN_NWIN; w++) {
        if (v->win_timer[w] != NULL && !lx_timer_pending(v->win_timer[w])) {
            lx_timer_start(v->win_timer[w], win_period_ns[w], win_period_ns[w]);
        }
    }
}

/* Renders one diff event U..u from the changed levels cb, ca. */
static int win_render(struct lx_mock_bn_spot *v, const struct bn_symbol *s,
                      const struct bn_win *wn, const struct bn_level *cb,
                      size_t ncb, const struct bn_level *ca, size_t nca)
{
    struct lx_level *lb = NULL, *la = NULL;
    struct lx_depth d;
    int rc;

    memset(&d, 0, sizeof(d));
    lx__str_join(d.symbol, sizeof(d.symbol), s->name, NULL);
    d.first_id = wn->first_id;
    d.final_id = s->update_id;
    d.event_ms = lx__mbn_now_ms(v);
    rc = to_levels(v, s, cb, ncb, &lb);
    if (rc == LX_OK) {
        rc = to_levels(v, s, ca, nca, &la);
    }
    if (rc == LX_OK) {
        d.bids = lb;
        d.nbids = ncb;
        d.asks = la;
        d.nasks = nca;
        lx_mock_sb_reset(&v->sb);
        lx_mock_bn_render_depth_update(&v->sb, &d, false);
    }
    lx__free(NULL, lb);
    lx__free(NULL, la);
    return rc;
}

/* The published quantity at price on one side (0: no level). */
static int64_t level_qty(const struct bn_symbol *s, int side, int64_t price)
{
    const struct lx__lvl *l =
        lx__bside_find(&s->pub[side], side == 0 ? price : -price);

    return l != NULL ? l->lots : 0;
}

/*
 * The best n levels of a published side, best first, into out (room for
 * n); returns how many.
 */
static size_t pub_top(const struct bn_symbol *s, int side, size_t n,
                      struct bn_level *out)
{
    struct lx__bcur c;
    const struct lx__lvl *l;
    size_t k = 0;

    lx__bcur_seek(&c, &s->pub[side], 0);
    while (k < n && (l = lx__bcur_get(&c)) != NULL) {
        out[k].price = side == 0 ? l->key : -l->key;
        out[k++].qty = l->lots;
        lx__bcur_next(&c);
    }
    return k;
}

static int chg_cmp_desc(const void *a, const void *b)
{
    const struct bn_wchg *x = a, *y = b;

    if (x->price != y->price) {
        return x->price > y->price ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int chg_cmp_asc(const void *a, const void *b)
{
    const struct bn_wchg *x = a, *y = b;

    if (x->price != y->price) {
        return x->price < y->price ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The levels of one side that differ from what window wn last pushed,
 * best first, into out (room for wn->nchg[side]); returns how many.
 */
static size_t win_side(const struct bn_symbol *s, struct bn_win *wn, int side,
                       struct bn_level *out)
{
    struct bn_wchg *c = wn->chg[side];
    size_t n = wn->nchg[side], i, k = 0;

    if (n == 0) {
        return 0;
    }
    qsort(c, n, sizeof(*c), side == 0 ? chg_cmp_desc : chg_cmp_asc);
    for (i = 0; i < n; i++) {
        int64_t q;

        if (i > 0 && c[i].price == c[i - 1].price) {
            continue; /* the first change of a price has the old quantity */
        }
        q = level_qty(s, side, c[i].price);
        if (q != c[i].old) {
            out[k].price = c[i].price;
            out[k++].qty = q;
        }
    }
    return k;
}

/*
 * Pushes window w of s: the levels that differ between the book at the
 * last push and now, as one event spanning every update id since. When
 * the changes cancelled out, nothing is pushed and the ids carry over to
 * the next push (U..u stays contiguous). Returns 1 when it pushed.
 * O(changes * log changes), whatever the size of the book.
 */
static int win_flush(struct lx_mock_bn_spot *v, struct bn_symbol *s, int w)
{
    struct bn_win *wn = &s->win[w];
    char stream[64];
    struct bn_level *cb, *ca;
    size_t ncb, nca, n;
    int pushed = 0;

    if (s->update_id < wn->first_id) {
        return 0;
    }
    n = lx__str_join(stream, sizeof(stream), s->lower, "@");
    lx__str_join(stream + n, sizeof(stream) - n, win_stream[w], NULL);
    if (lx_mock_bn_hub_subscribers(v->hub, stream) == 0) {
        /*
         * Nobody follows this window: what it gathered goes as if pushed
         * (a later subscriber's first event starts after it, as it would
         * have after a push it did not see), without sorting the changes
         * or rendering anything.
         */
        wn->first_id = s->update_id + 1;
        wn->nchg[0] = wn->nchg[1] = 0;
        return 1;
    }
    cb = lx__malloc(NULL, (wn->nchg[0] + 1) * sizeof(*cb));
    ca = lx__malloc(NULL, (wn->nchg[1] + 1) * sizeof(*ca));
    if (cb != NULL && ca != NULL) {
        ncb = win_side(s, wn, 0, cb);
        nca = win_side(s, wn, 1, ca);
        if (ncb + nca == 0) {
            wn->nchg[0] = wn->nchg[1] = 0; /* the changes cancelled out */
        } else if (win_render(v, s, wn, cb, ncb, ca, nca) == LX_OK) {
            publish(v, s, win_stream[w], &v->sb);
            wn->first_id = s->update_id + 1;
            wn->nchg[0] = wn->nchg[1] = 0;
            pushed = 1;
        }
    }
    lx__free(NULL, cb);
    lx__free(NULL, ca);
    return pushed;
}

static void win_tick(struct lx_mock_bn_spot *v, int w)
{
    size_t i;
    int pushed = 0;

    for (i = 0; i < v->nsyms; i++) {
        pushed |= win_flush(v, &v->syms[i], w);
    }
    if (!pushed) {
        lx_timer_stop(v->win_timer[w]); /* quiet: the next change rearms */
    }
}

static void win_100ms_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    win_tick(ud, BN_WIN_100MS);
}

static void win_1s_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    win_tick(ud, BN_WIN_1S);
}

/* At most this many touched prices are compared one by one. */
#define BN_TOUCH_MAX 4096

/* Notes that the levels at price (either side) may have changed. */
static void touch(struct bn_symbol *s, int64_t price)
{
    if (s->touch_all || price == 0) {
        return;
    }
    if (s->ntouched > 0 && s->touched[s->ntouched - 1] == price) {
        return;
    }
    if (s->ntouched == s->touched_cap) {
        size_t cap = s->touched_cap > 0 ? s->touched_cap * 2 : 64;
        int64_t *p = cap <= BN_TOUCH_MAX
                         ? lx__realloc(NULL, s->touched, cap * sizeof(*p))
                         : NULL;

        if (p == NULL) {
            s->touch_all = true;
            return;
        }
        s->touched = p;
        s->touched_cap = cap;
    }
    s->touched[s->ntouched++] = price;
}

/*
 * The book-level changes an engine event can make: the price levels it
 * touches. CANCELLED, EXPIRED and TRIGGERED carry no price in the log, so
 * they use the venue's copy of the order (before on_event updates it).
 */
static void touch_event(struct bn_symbol *s, const struct lx_eng_event *ev,
                        const struct bn_order *o)
{
    switch (ev->type) {
    case LX_ENG_EV_ACCEPTED:
    case LX_ENG_EV_FILL:
        touch(s, ev->price);
        break;
    case LX_ENG_EV_AMENDED:
        touch(s, ev->price); /* and the old price, below */
        if (o != NULL) {
            touch(s, o->price);
        } else {
            s->touch_all = true;
        }
        break;
    case LX_ENG_EV_TRIGGERED:
    case LX_ENG_EV_CANCELLED:
    case LX_ENG_EV_EXPIRED:
        if (o != NULL) {
            touch(s, o->price);
        } else {
            s->touch_all = true;
        }
        break;
    default:
        break;
    }
}

/* Notes in every window that the level at price was old before now. */
static int note_change(struct bn_symbol *s, int side, int64_t price,
                       int64_t old)
{
    int w;

    for (w = 0; w < BN_NWIN; w++) {
        struct bn_win *wn = &s->win[w];

        if (wn->nchg[side] == wn->chg_cap[side]) {
            size_t cap = wn->chg_cap[side] > 0 ? wn->chg_cap[side] * 2 : 64;
            struct bn_wchg *p =
                lx__realloc(NULL, wn->chg[side], cap * sizeof(*p));

            if (p == NULL) {
                return LX_ERR_NOMEM;
            }
            wn->chg[side] = p;
            wn->chg_cap[side] = cap;
        }
        wn->chg[side][wn->nchg[side]].price = price;
        wn->chg[side][wn->nchg[side]].old = old;
        wn->chg[side][wn->nchg[side]].seq = wn->nchg[side];
        wn->nchg[side]++;
    }
    return LX_OK;
}

/*
 * Sets the published level at price to qty (0: gone) on one side (0 bids,
 * 1 asks) of s; returns 1 if that changed it, 0 if not, or an error. The
 * depth windows learn the change.
 */
static int level_set(struct bn_symbol *s, int side, int64_t price, int64_t qty)
{
    int64_t key = side == 0 ? price : -price;
    const struct lx__lvl *l = lx__bside_find(&s->pub[side], key);
    int64_t old = l != NULL ? l->lots : 0;

    if (old == qty) {
        return 0;
    }
    if (note_change(s, side, price, old) != LX_OK ||
        lx__bside_set(&s->pub[side], key, qty, SIZE_MAX) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    return 1;
}

/*
 * Brings the published book up to the engine's at the touched prices;
 * returns how many levels changed, or an error. O(touched * log levels).
 */
static int sync_touched(struct lx_mock_bn_spot *v, struct bn_symbol *s)
{
    size_t i;
    int changed = 0, rc;

    for (i = 0; i < s->ntouched; i++) {
        int64_t px = s->touched[i];

        rc = level_set(s, 0, px,
                       lx__engine_level_qty(v->eng, s->inst, LX_ENG_BUY, px));
        if (rc < 0) {
            return rc;
        }
        changed += rc;
        rc = level_set(s, 1, px,
                       lx__engine_level_qty(v->eng, s->inst, LX_ENG_SELL, px));
        if (rc < 0) {
            return rc;
        }
        changed += rc;
    }
    return changed;
}

/*
 * Brings the published book up to the engine's whole book (the levels
 * that differ, through level_set); returns how many changed. O(levels).
 */
static int sync_all(struct lx_mock_bn_spot *v, struct bn_symbol *s)
{
    struct bn_level *bids, *asks, *cb, *ca, *pb = NULL, *pa = NULL;
    size_t nb, na, ncb, nca, npb, npa, i;
    int rc = book_now(v, s, &bids, &nb, &asks, &na), changed = 0;

    if (rc != LX_OK) {
        return rc;
    }
    pb = lx__malloc(NULL, (s->pub[0].n + 1) * sizeof(*pb));
    pa = lx__malloc(NULL, (s->pub[1].n + 1) * sizeof(*pa));
    cb = lx__malloc(NULL, (s->pub[0].n + nb + 1) * sizeof(*cb));
    ca = lx__malloc(NULL, (s->pub[1].n + na + 1) * sizeof(*ca));
    if (pb == NULL || pa == NULL || cb == NULL || ca == NULL) {
        rc = LX_ERR_NOMEM;
    } else {
        npb = pub_top(s, 0, s->pub[0].n, pb);
        npa = pub_top(s, 1, s->pub[1].n, pa);
        ncb = diff_side(pb, npb, bids, nb, 1, cb);
        nca = diff_side(pa, npa, asks, na, 0, ca);
        for (i = 0; rc >= 0 && i < ncb + nca; i++) {
            const struct bn_level *l = i < ncb ? &cb[i] : &ca[i - ncb];

            rc = level_set(s, i < ncb ? 0 : 1, l->price, l->qty);
            changed += rc > 0 ? rc : 0;
        }
    }
    lx__free(NULL, bids);
    lx__free(NULL, asks);
    lx__free(NULL, pb);
    lx__free(NULL, pa);
    lx__free(NULL, cb);
    lx__free(NULL, ca);
    return rc < 0 ? rc : changed;
}

/*
 * Publishes the changes of s's book since the last call, if any: the
 * levels at the prices the engine's events touched (or the whole book
 * when that is not known), one update id, and bookTicker when the best
 * levels moved.
 */
static int publish_depth(struct lx_mock_bn_spot *v, struct bn_symbol *s)
{
    int64_t bbo[4];
    int changed = s->touch_all ? sync_all(v, s) : sync_touched(v, s);

    s->ntouched = 0;
    s->touch_all = false;
    if (changed < 0) {
        s->touch_all = true; /* the next publish compares everything */
        return changed;
    }
    if (changed > 0) {
        /* One update id per change; the windows push them in batches. */
        s->update_id++;
        win_arm(v);
    }
    {
        struct bn_level top[2] = {{0, 0}, {0, 0}};

        pub_top(s, 0, 1, &top[0]);
        pub_top(s, 1, 1, &top[1]);
        bbo[0] = top[0].price;
        bbo[1] = top[0].qty;
        bbo[2] = top[1].price;
        bbo[3] = top[1].qty;
    }
    if (memcmp(bbo, s->bbo, sizeof(bbo)) != 0) {
        struct lx_book_ticker bt;

        memcpy(s->bbo, bbo, sizeof(bbo));
        memset(&bt, 0, sizeof(bt));
        lx__str_join(bt.symbol, sizeof(bt.symbol), s->name, NULL);
        bt.update_id = s->update_id;
        bt.bid = lx__mbn_px(v, s, bbo[0]);
        bt.bid_qty = lx__mbn_qty(v, s, bbo[1]);
        bt.ask = lx__mbn_px(v, s, bbo[2]);
        bt.ask_qty = lx__mbn_qty(v, s, bbo[3]);
        lx_mock_sb_reset(&v->sb);
        lx_mock_bn_render_book_ticker(&v->sb, &bt, false);
        publish(v, s, "bookTicker", &v->sb);
    }
    return LX_OK;
}

/*
 * Checks that the published book of every symbol is the engine's book
 * (tests: the touched-price bookkeeping must never miss a level).
 */
int lx__mbn_check_depth(struct lx_mock_bn_spot *v)
{
    size_t i, j;

    for (i = 0; i < v->nsyms; i++) {
        struct bn_symbol *s = &v->syms[i];
        struct bn_level *bids, *asks, *p;
        size_t nb, na, np;
        bool same;

        if (book_now(v, s, &bids, &nb, &asks, &na) != LX_OK) {
            return LX_ERR_NOMEM;
        }
        p = lx__malloc(NULL, (nb + na + 1) * sizeof(*p));
        same = p != NULL && nb == s->pub[0].n && na == s->pub[1].n;
        np = same ? pub_top(s, 0, nb, p) : 0;
        for (j = 0; same && j < np; j++) {
            same = bids[j].price == p[j].price && bids[j].qty == p[j].qty;
        }
        np = same ? pub_top(s, 1, na, p) : 0;
        for (j = 0; same && j < np; j++) {
            same = asks[j].price == p[j].price && asks[j].qty == p[j].qty;
        }
        lx__free(NULL, p);
        lx__free(NULL, bids);
        lx__free(NULL, asks);
        if (!same) {
            return LX_ERR_CORRUPT;
        }
    }
    return LX_OK;
}

/* ---- user data ----------------------------------------------------------- */

void lx__mbn_user_stream(uint32_t account, char out[24])
{
    char digits[10];
    size_t n = 0, k = 5;

    do {
        digits[n++] = (char)('0' + account % 10);
        account /= 10;
    } while (account != 0);
    memcpy(out, "user@", 5);
    while (n > 0) {
        out[k++] = digits[--n];
    }
    out[k] = '\0';
}

static void queue_exec(struct lx_mock_bn_spot *v, const struct bn_order *o,
                       int x, const struct lx_eng_event *fill, int64_t tid,
                       int64_t fill_quote, int64_t time_ms)
{
    struct bn_exec *e;

    if (v->nexecs == v->execs_cap) {
        size_t ncap = v->execs_cap != 0 ? v->execs_cap * 2 : 32;
        struct bn_exec *n = lx__realloc(NULL, v->execs, ncap * sizeof(*n));

        if (n == NULL) {
            return; /* reports are best effort under memory pressure */
        }
        v->execs = n;
        v->execs_cap = ncap;
    }
    e = &v->execs[v->nexecs++];
    memset(e, 0, sizeof(*e));
    e->order_id = o->id;
    e->x = (uint8_t)x;
    e->X = o->state;
    e->t = -1;
    e->z = o->exec_qty;
    e->Z = o->cum_quote;
    e->T = time_ms;
    e->I = ++v->exec_seq;
    if (fill != NULL) {
        const struct bn_symbol *s = &v->syms[o->sym];

        e->l = fill->qty;
        e->L = fill->price;
        e->n = fill->a;
        e->fee_asset =
            fill->side == LX_ENG_BUY ? s->base_asset : s->quote_asset;
        e->t = tid;
        e->Y = fill_quote;
        e->maker = (fill->flags & LX_ENG_FILL_MAKER) != 0;
    }
}

/* Keeps a fill in the account's ring for myTrades (allocated on first use). */
static void my_trade(struct lx_mock_bn_spot *v, const struct bn_order *o,
                     const struct lx_eng_event *ev, int64_t tid, int64_t quote,
                     int64_t ms)
{
    struct bn_my_ring *r;
    struct bn_my_trade *t;
    const struct bn_symbol *s = &v->syms[o->sym];

    if (o->account >= BN_MAX_ACCOUNTS) {
        return;
    }
    r = &v->my[o->account];
    if (r->t == NULL &&
        (r->t = lx__calloc(NULL, BN_MY_TRADES, sizeof(*r->t))) == NULL) {
        return;
    }
    t = &r->t[r->head];
    r->head = (r->head + 1) % BN_MY_TRADES;
    if (r->n < BN_MY_TRADES) {
        r->n++;
    }
    t->order_id = o->id;
    t->trade_id = tid;
    t->price = ev->price;
    t->qty = ev->qty;
    t->quote = quote;
    t->fee = ev->a;
    t->fee_asset = ev->side == LX_ENG_BUY ? s->base_asset : s->quote_asset;
    t->time_ms = ms;
    t->sym = o->sym;
    t->buyer = ev->side == LX_ENG_BUY;
    t->maker = (ev->flags & LX_ENG_FILL_MAKER) != 0;
}

static const char *const x_names[] = {
    "NEW", "TRADE", "CANCELED", "EXPIRED", "REPLACED", "TRADE_PREVENTION"};

/* Renders and publishes the queued executionReports to listening users. */
static void flush_execs(struct lx_mock_bn_spot *v)
{
    struct lx_mock_sb *sb = &v->sb2;
    char stream[24];
    size_t i;

    for (i = 0; i < v->nexecs; i++) {
        const struct bn_exec *e = &v->execs[i];
        const struct bn_order *o = lx__mbn_order(v, e->order_id);
        const struct bn_symbol *s;

        if (o == NULL) {
            continue;
        }
        lx__mbn_user_stream(o->account, stream);
        if (lx_mock_bn_hub_subscribers(v->hub, stream) == 0) {
            continue;
        }
        s = &v->syms[o->sym];
        lx_mock_sb_reset(sb);
        lx_mock_sb_kv_i64(sb, "{\"e\":\"executionReport\",\"E\":", e->T);
        lx_mock_sb_kv_str(sb, ",\"s\":", s->name);
        lx_mock_sb_kv_str(sb, ",\"c\":", o->cid);
        lx_mock_sb_kv_str(sb,
                          ",\"S\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
        lx_mock_sb_kv_str(sb, ",\"o\":", lx__mbn_type_name(o->type));
        lx_mock_sb_kv_str(sb, ",\"f\":", lx__mbn_tif_name(o->tif));
        lx_mock_sb_kv_dec(sb, ",\"q\":", lx__mbn_qty(v, s, o->orig_qty));
        lx_mock_sb_kv_dec(sb, ",\"p\":", lx__mbn_px(v, s, o->price));
        lx_mock_sb_kv_dec(sb, ",\"P\":", lx__mbn_px(v, s, o->stop_price));
        lx_mock_sb_kv_dec(sb, ",\"F\":", lx_decimal_from_i64(0, BN_SCALE));
        lx_mock_sb_kv_i64(sb, ",\"g\":", lx__mbn_list_id(o));
        lx_mock_sb_kv_str(sb, ",\"C\":", e->C);
        lx_mock_sb_kv_str(sb, ",\"x\":", x_names[e->x]);
        lx_mock_sb_kv_str(sb, ",\"X\":", lx__mbn_state_name(e->X));
        lx_mock_sb_kv_i64(sb, ",\"r\":\"NONE\",\"i\":", (int64_t)o->id);
        lx_mock_sb_kv_dec(sb, ",\"l\":", lx__mbn_qty(v, s, e->l));
        lx_mock_sb_kv_dec(sb, ",\"z\":", lx__mbn_qty(v, s, e->z));
        lx_mock_sb_kv_dec(sb, ",\"L\":", lx__mbn_px(v, s, e->L));
        lx_mock_sb_kv_dec(sb, ",\"n\":", lx__mbn_amt(v, e->fee_asset, e->n));
        if (e->t >= 0) {
            lx_mock_sb_kv_str(sb,
                              ",\"N\":", lx__mbn_asset_name(v, e->fee_asset));
        } else {
            lx_mock_sb_str(sb, ",\"N\":null");
        }
        lx_mock_sb_kv_i64(sb, ",\"T\":", e->T);
        lx_mock_sb_kv_i64(sb, ",\"t\":", e->t);
        lx_mock_sb_kv_i64(sb, ",\"I\":", e->I);
        lx_mock_sb_str(sb, ",\"w\":");
        lx_mock_sb_bool(sb, o->working && (e->X == LX_ENG_ST_NEW ||
                                           e->X == LX_ENG_ST_PARTIALLY_FILLED));
        lx_mock_sb_str(sb, ",\"m\":");
        lx_mock_sb_bool(sb, e->maker);
        lx_mock_sb_kv_i64(sb, ",\"M\":false,\"O\":", o->time_ms);
        lx_mock_sb_kv_dec(sb, ",\"Z\":", lx__mbn_amt(v, s->quote_asset, e->Z));
        lx_mock_sb_kv_dec(sb, ",\"Y\":", lx__mbn_amt(v, s->quote_asset, e->Y));
        lx_mock_sb_kv_dec(
            sb, ",\"Q\":", lx__mbn_amt(v, s->quote_asset, o->orig_quote));
        lx_mock_sb_kv_i64(sb, ",\"W\":", o->working ? o->time_ms : -1);
        lx_mock_sb_kv_str(sb, ",\"V\":", lx__mbn_stp_name(o->stp));
        lx_mock_sb_str(sb, "}");
        if (sb->err == LX_OK) {
            lx_mock_bn_hub_publish(v->hub, stream, sb->buf, sb->len);
        }
    }
    v->nexecs = 0;
}

/*
 * balanceUpdate for each deposit or withdrawal of the drain:
 * {"e":"balanceUpdate","E":ms,"a":asset,"d":"<signed delta>","T":ms}.
 */
static void flush_bal_upds(struct lx_mock_bn_spot *v)
{
    struct lx_mock_sb *sb = &v->sb2;
    char stream[24];
    size_t i;

    for (i = 0; i < v->nbal_upds; i++) {
        const struct bn_bal_upd *u = &v->bal_upds[i];

        lx__mbn_user_stream(u->account, stream);
        if (lx_mock_bn_hub_subscribers(v->hub, stream) == 0) {
            continue;
        }
        lx_mock_sb_reset(sb);
        lx_mock_sb_kv_i64(sb,
                          "{\"e\":\"balanceUpdate\",\"E\":", lx__mbn_now_ms(v));
        lx_mock_sb_kv_str(sb, ",\"a\":", lx__mbn_asset_name(v, u->asset));
        lx_mock_sb_kv_dec(sb, ",\"d\":", lx__mbn_amt(v, u->asset, u->delta));
        lx_mock_sb_kv_i64(sb, ",\"T\":", u->time_ms);
        lx_mock_sb_str(sb, "}");
        if (sb->err == LX_OK) {
            lx_mock_bn_hub_publish(v->hub, stream, sb->buf, sb->len);
        }
    }
    v->nbal_upds = 0;
}

/* outboundAccountPosition for each account whose balances moved. */
static void flush_balances(struct lx_mock_bn_spot *v)
{
    struct lx_mock_sb *sb = &v->sb2;
    char stream[24];
    uint32_t a;
    size_t i;
    int n;

    for (a = 0; a < BN_MAX_ACCOUNTS; a++) {
        if (v->bal_dirty[a] == 0) {
            continue;
        }
        lx__mbn_user_stream(a, stream);
        if (lx_mock_bn_hub_subscribers(v->hub, stream) > 0) {
            lx_mock_sb_reset(sb);
            lx_mock_sb_kv_i64(sb, "{\"e\":\"outboundAccountPosition\",\"E\":",
                              lx__mbn_now_ms(v));
            lx_mock_sb_kv_i64(sb, ",\"u\":", lx__mbn_now_ms(v));
            lx_mock_sb_str(sb, ",\"B\":[");
            for (i = 0, n = 0; i < v->nassets; i++) {
                int64_t fr = 0, lk = 0;
                uint32_t id = v->assets[i].id;

                if (id >= 32 || !(v->bal_dirty[a] & (1u << id))) {
                    continue;
                }
                lx__engine_balance(v->eng, a, id, &fr, &lk);
                lx_mock_sb_kv_str(
                    sb, n++ > 0 ? ",{\"a\":" : "{\"a\":", v->assets[i].name);
                lx_mock_sb_kv_dec(sb, ",\"f\":", lx__mbn_amt(v, id, fr));
                lx_mock_sb_kv_dec(sb, ",\"l\":", lx__mbn_amt(v, id, lk));
                lx_mock_sb_str(sb, "}");
            }
            lx_mock_sb_str(sb, "]}");
            if (sb->err == LX_OK) {
                lx_mock_bn_hub_publish(v->hub, stream, sb->buf, sb->len);
            }
        }
        v->bal_dirty[a] = 0;
    }
}

/* ---- engine events
 * ------------------------------------------------------------ */

static int add_fill(struct lx_mock_bn_spot *v, const struct lx_eng_event *ev,
                    const struct bn_symbol *s, int64_t trade_id)
{
    if (v->nfills == v->fills_cap) {
        size_t ncap = v->fills_cap != 0 ? v->fills_cap * 2 : 16;
        struct bn_fill *n = lx__realloc(NULL, v->fills, ncap * sizeof(*n));

        if (n == NULL) {
            return LX_ERR_NOMEM;
        }
        v->fills = n;
        v->fills_cap = ncap;
    }
    v->fills[v->nfills].price = ev->price;
    v->fills[v->nfills].qty = ev->qty;
    v->fills[v->nfills].fee = ev->a;
    v->fills[v->nfills].trade_id = trade_id;
    /* The fee is taken from what the order receives. */
    v->fills[v->nfills].fee_asset =
        ev->side == LX_ENG_BUY ? s->base_asset : s->quote_asset;
    v->nfills++;
    return LX_OK;
}

static void list_react(struct lx_mock_bn_spot *v, const struct bn_order *o,
                       int type, int64_t ms);

static void on_event(struct lx_mock_bn_spot *v, const struct lx_eng_event *ev,
                     uint32_t *touched)
{
    struct bn_symbol *s = lx__mbn_sym_by_inst(v, ev->inst);
    struct bn_order *o =
        ev->order_id != 0 ? lx__mbn_order(v, ev->order_id) : NULL;
    int64_t ms = ev->time / NS_PER_MS;

    if (s != NULL && ev->type != LX_ENG_EV_BALANCE) {
        *touched |= 1u << (s - v->syms);
        touch_event(s, ev, o);
        /* Order events move balances implicitly (locks, settlement). */
        if (ev->type != LX_ENG_EV_CLIENT_ID && ev->type != LX_ENG_EV_REJECTED &&
            ev->account < BN_MAX_ACCOUNTS && s->base_asset < 32 &&
            s->quote_asset < 32) {
            v->bal_dirty[ev->account] |=
                (1u << s->base_asset) | (1u << s->quote_asset);
        }
    }
    switch (ev->type) {
    case LX_ENG_EV_ACCEPTED:
        if (o == NULL && s != NULL) {
            o = order_new(v, ev->order_id);
        }
        if (o != NULL && s != NULL) {
            o->account = ev->account;
            o->sym = (uint16_t)(s - v->syms);
            o->side = ev->side;
            o->type = (uint8_t)(ev->aux & 0xff);
            o->tif = (uint8_t)((ev->aux >> 8) & 0xff);
            o->stp = (uint8_t)((ev->aux >> 16) & 0xff);
            o->price = ev->price;
            o->orig_qty = ev->qty;
            o->stop_price = ev->a;
            o->state = LX_ENG_ST_NEW;
            o->working = o->type != LX_ENG_STOP_LOSS &&
                         o->type != LX_ENG_STOP_LOSS_LIMIT &&
                         o->type != LX_ENG_TAKE_PROFIT &&
                         o->type != LX_ENG_TAKE_PROFIT_LIMIT;
            o->time_ms = o->update_ms = ms;
            o->list = v->pending_list; /* an OCO leg being placed */
            order_count(v, o, true);
        }
        break;
    case LX_ENG_EV_CLIENT_ID:
        if (o != NULL) {
            queue_exec(v, o, BN_X_NEW, NULL, -1, 0, ms);
            /* Bytes 0..31 in price..b, 32..35 in inst (engine.h). */
            uint8_t raw[36];
            size_t len = ev->aux < sizeof(raw) ? ev->aux : sizeof(raw);

            memcpy(raw, &ev->price, 8);
            memcpy(raw + 8, &ev->qty, 8);
            memcpy(raw + 16, &ev->a, 8);
            memcpy(raw + 24, &ev->b, 8);
            memcpy(raw + 32, &ev->inst, 4);
            cid_forget(v, o); /* an amendment may give a new one */
            memcpy(o->cid, raw, len);
            o->cid[len] = '\0';
            if (len > 0) {
                cid_index(v, o);
            }
        }
        break;
    case LX_ENG_EV_TRIGGERED:
        if (o != NULL) {
            o->working = 1;
            o->update_ms = ms;
        }
        break;
    case LX_ENG_EV_FILL:
        if (o != NULL && s != NULL) {
            struct lx_decimal px = lx__mbn_px(v, s, ev->price);
            struct lx_decimal q = lx__mbn_qty(v, s, ev->qty);
            struct lx_decimal notional;
            int64_t units = 0;

            int64_t tid;

            o->exec_qty += ev->qty;
            if (lx_decimal_mul(px, q, BN_SCALE, LX_ROUND_HALF_EVEN,
                               &notional) == LX_OK &&
                lx_decimal_to_ticks(notional, lx_decimal_from_i64(1, BN_SCALE),
                                    &units) == LX_OK) {
                o->cum_quote += units;
            }
            o->state = o->exec_qty >= o->orig_qty && o->orig_qty > 0
                           ? LX_ENG_ST_FILLED
                           : LX_ENG_ST_PARTIALLY_FILLED;
            o->update_ms = ms;
            /* Both fills of a trade carry its id; the engine logs the
             * taker's fill first, then the maker's. */
            tid = (ev->flags & LX_ENG_FILL_MAKER) ? s->next_trade_id
                                                  : ++s->next_trade_id;
            if (!(ev->flags & LX_ENG_FILL_MAKER)) {
                on_trade(v, s, ev, tid);
                if (ev->order_id == v->fills_for) {
                    add_fill(v, ev, s, tid);
                }
            }
            queue_exec(v, o, BN_X_TRADE, ev, tid, units, ms);
            my_trade(v, o, ev, tid, units, ms);
        }
        break;
    case LX_ENG_EV_AMENDED:
        if (o != NULL) {
            o->price = ev->price;
            o->orig_qty = o->exec_qty + ev->qty;
            o->update_ms = ms;
            queue_exec(v, o, BN_X_AMENDMENT, NULL, -1, 0, ms);
            if (v->nexecs > 0 && v->execs[v->nexecs - 1].order_id == o->id) {
                lx__snprintf(v->execs[v->nexecs - 1].C, sizeof(v->execs[0].C),
                             "%s", v->amend_orig_cid);
            }
        }
        break;
    case LX_ENG_EV_CANCELLED:
        if (o != NULL) {
            o->state = LX_ENG_ST_CANCELED;
            o->update_ms = ms;
            queue_exec(v, o, BN_X_CANCELED, NULL, -1, 0, ms);
        }
        break;
    case LX_ENG_EV_EXPIRED:
        if (o != NULL) {
            o->state = ev->reason == LX_ENG_R_STP ? LX_ENG_ST_EXPIRED_IN_MATCH
                                                  : LX_ENG_ST_EXPIRED;
            o->update_ms = ms;
            queue_exec(v, o,
                       ev->reason == LX_ENG_R_STP ? BN_X_TRADE_PREVENTION
                                                  : BN_X_EXPIRED,
                       NULL, -1, 0, ms);
        }
        break;
    case LX_ENG_EV_BALANCE:
        if (ev->account < BN_MAX_ACCOUNTS && ev->aux < 32) {
            v->bal_dirty[ev->account] |= 1u << ev->aux;
        }
        /* A deposit or withdrawal: balanceUpdate, as the venue sends. */
        if (ev->reason == LX_ENG_BAL_DEPOSIT && ev->price != 0 &&
            v->nbal_upds < BN_BAL_UPDS) {
            struct bn_bal_upd *u = &v->bal_upds[v->nbal_upds++];

            u->account = ev->account;
            u->asset = ev->aux;
            u->delta = ev->price;
            u->time_ms = ms;
        }
        break;
    default:
        break;
    }
    if (o != NULL && o->list != 0) {
        list_react(v, o, ev->type, ms);
    }
    if (o != NULL) {
        order_retire(v, o);
    }
}

/* ---- order lists (OCO) ------------------------------------------------- */

int64_t lx__mbn_list_id(const struct bn_order *o)
{
    return o->list != 0 ? (int64_t)o->list - 1 : -1;
}

struct bn_list *lx__mbn_list_new(struct lx_mock_bn_spot *v)
{
    struct bn_list *l;

    if (v->nlists == v->lists_cap) {
        size_t ncap = v->lists_cap != 0 ? v->lists_cap * 2 : 16;
        struct bn_list *n = lx__realloc(NULL, v->lists, ncap * sizeof(*n));

        if (n == NULL) {
            return NULL;
        }
        v->lists = n;
        v->lists_cap = ncap;
    }
    l = &v->lists[v->nlists++];
    memset(l, 0, sizeof(*l));
    return l;
}

/* Grows a uint32_t queue by one; NULL when out of memory. */
static void *queue_slot(void **arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t ncap = *cap != 0 ? *cap * 2 : 8;
        void *p = lx__realloc(NULL, *arr, ncap * size);

        if (p == NULL) {
            return NULL;
        }
        *arr = p;
        *cap = ncap;
    }
    return (char *)*arr + (*n)++ * size;
}

void lx__mbn_list_publish(struct lx_mock_bn_spot *v, size_t idx,
                          const char *type)
{
    const struct bn_list *l = &v->lists[idx];
    const struct bn_symbol *s = &v->syms[l->sym];
    struct lx_mock_sb *sb = &v->sb2;
    char stream[24];
    size_t i;

    lx__mbn_user_stream(l->account, stream);
    if (lx_mock_bn_hub_subscribers(v->hub, stream) == 0) {
        return;
    }
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"e\":\"listStatus\",\"E\":", lx__mbn_now_ms(v));
    lx_mock_sb_kv_str(sb, ",\"s\":", s->name);
    lx_mock_sb_kv_i64(sb, ",\"g\":", (int64_t)idx);
    lx_mock_sb_kv_str(sb, ",\"c\":\"OCO\",\"l\":",
                      type != NULL ? type
                      : l->done    ? "ALL_DONE"
                                   : "EXEC_STARTED");
    lx_mock_sb_kv_str(sb, ",\"L\":", l->done ? "ALL_DONE" : "EXECUTING");
    lx_mock_sb_kv_str(sb, ",\"r\":\"NONE\",\"C\":", l->cid);
    lx_mock_sb_kv_i64(sb, ",\"T\":", l->update_ms);
    lx_mock_sb_str(sb, ",\"O\":[");
    for (i = 0; i < 2; i++) {
        const struct bn_order *o = lx__mbn_order(v, l->orders[i]);

        lx_mock_sb_kv_str(sb, i > 0 ? ",{\"s\":" : "{\"s\":", s->name);
        lx_mock_sb_kv_i64(sb, ",\"i\":", (int64_t)l->orders[i]);
        lx_mock_sb_kv_str(sb, ",\"c\":", o != NULL ? o->cid : "");
        lx_mock_sb_str(sb, "}");
    }
    lx_mock_sb_str(sb, "]}");
    if (sb->err == LX_OK) {
        lx_mock_bn_hub_publish(v->hub, stream, sb->buf, sb->len);
    }
}

/*
 * One-cancels-the-other: the engine ends the other leg in the same call
 * the first time a leg trades (even partly), triggers, expires or is
 * cancelled (lx__engine_submit_oco): EXPIRED, or CANCELED when the user
 * cancelled the first. The list is done at the first such event; its
 * listStatus goes out at the end of the drain.
 */
static void list_react(struct lx_mock_bn_spot *v, const struct bn_order *o,
                       int type, int64_t ms)
{
    struct bn_list *l;
    uint32_t *q;

    if (o->list == 0 || o->list > v->nlists ||
        (type != LX_ENG_EV_TRIGGERED && type != LX_ENG_EV_FILL &&
         type != LX_ENG_EV_CANCELLED && type != LX_ENG_EV_EXPIRED)) {
        return;
    }
    l = &v->lists[o->list - 1];
    if (l->done) {
        return;
    }
    l->done = 1;
    l->update_ms = ms;
    q = queue_slot((void **)&v->list_q, &v->nlist_q, &v->list_q_cap,
                   sizeof(*q));
    if (q != NULL) {
        *q = o->list - 1;
    }
}

int lx__mbn_drain(struct lx_mock_bn_spot *v)
{
    const struct lx_eng_event *evs;
    size_t n, i;
    uint64_t dropped = 0;
    uint32_t touched = 0;
    int rc = LX_OK;

    history_trim(v);
    evs = lx__engine_events(v->eng, &n, &dropped);
    for (i = 0; i < n; i++) {
        on_event(v, &evs[i], &touched);
    }
    lx__engine_events_clear(v->eng);
    for (i = 0; i < v->nsyms; i++) {
        if ((touched & (1u << i)) && rc == LX_OK) {
            rc = publish_depth(v, &v->syms[i]);
        }
    }
    /*
     * Venue order: the order's report (or a deposit's balanceUpdate), then
     * the account position.
     */
    flush_execs(v);
    for (i = 0; i < v->nlist_q; i++) {
        lx__mbn_list_publish(v, v->list_q[i], NULL);
    }
    v->nlist_q = 0;
    flush_bal_upds(v);
    flush_balances(v);
    return dropped > 0 ? LX_ERR_TOOBIG : rc;
}

/* ---- direct access
 * ------------------------------------------------------------ */

int lx_mock_bn_spot_place(struct lx_mock_bn_spot *v, uint32_t account,
                          const char *symbol, const char *side,
                          const char *type, const char *price, const char *qty,
                          int *rejected)
{
    struct bn_symbol *s = lx__mbn_sym(v, symbol);
    struct lx_eng_order_dreq r;
    struct lx_eng_result res;
    int t, rc;

    if (s == NULL || side == NULL || type == NULL) {
        return LX_ERR_INVAL;
    }
    memset(&r, 0, sizeof(r));
    r.account = account;
    r.inst = s->inst;
    r.side = strcmp(side, "SELL") == 0 ? LX_ENG_SELL : LX_ENG_BUY;
    for (t = 0; t < LX_ENG_TYPE_COUNT; t++) {
        if (strcmp(type, lx__mbn_type_name(t)) == 0) {
            break;
        }
    }
    if (t == LX_ENG_TYPE_COUNT) {
        return LX_ERR_INVAL;
    }
    r.type = (uint8_t)t;
    r.tif = LX_ENG_GTC;
    r.price = lx_decimal_from_i64(0, 0);
    r.qty = lx_decimal_from_i64(0, 0);
    r.quote_qty = lx_decimal_from_i64(0, 0);
    r.stop_price = lx_decimal_from_i64(0, 0);
    if ((price != NULL &&
         lx_decimal_parse(price, strlen(price), &r.price) != LX_OK) ||
        (qty != NULL && lx_decimal_parse(qty, strlen(qty), &r.qty) != LX_OK)) {
        return LX_ERR_INVAL;
    }
    r.time = lx__mbn_now_ns(v);
    rc = lx__engine_submit_dec(v->eng, &r, &res);
    if (rejected != NULL) {
        *rejected = rc == LX_OK && res.order_id == 0;
    }
    if (rc == LX_OK) {
        rc = lx__mbn_drain(v);
    }
    return rc;
}

int lx_mock_bn_spot_cancel_all(struct lx_mock_bn_spot *v, uint32_t account,
                               const char *symbol)
{
    struct bn_symbol *s = lx__mbn_sym(v, symbol);
    uint32_t n = 0;
    int rc;

    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    rc = lx__engine_cancel_all(v->eng, account, s->inst, lx__mbn_now_ns(v), &n);
    if (rc == LX_OK) {
        rc = lx__mbn_drain(v);
    }
    return rc;
}

int lx_mock_bn_spot_mid_ticks(const struct lx_mock_bn_spot *v,
                              const char *symbol, int64_t *mid)
{
    struct bn_symbol *s = lx__mbn_sym((struct lx_mock_bn_spot *)v, symbol);
    int64_t bid, ask, q;

    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    if (lx__engine_best(v->eng, s->inst, LX_ENG_BUY, &bid, &q) != LX_OK ||
        lx__engine_best(v->eng, s->inst, LX_ENG_SELL, &ask, &q) != LX_OK) {
        return LX_ERR_NOTFOUND;
    }
    *mid = bid + (ask - bid) / 2;
    return LX_OK;
}

int lx_mock_bn_spot_steps(const struct lx_mock_bn_spot *v, const char *symbol,
                          struct lx_decimal *tick, struct lx_decimal *lot)
{
    struct bn_symbol *s = lx__mbn_sym((struct lx_mock_bn_spot *)v, symbol);

    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    *tick = s->tick;
    *lot = s->lot;
    return LX_OK;
}

uint64_t lx_mock_bn_spot_log_hash(const struct lx_mock_bn_spot *v)
{
    return lx__engine_log_hash(v->eng);
}
