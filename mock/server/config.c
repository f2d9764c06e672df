/*
 * config.c - lotusx-mock's JSON configuration file (see config.h).
 *
 * The file is parsed with the project's JSON reader into one cJSON tree
 * that the config keeps, so symbol and account strings point into it. Each
 * object is checked against its list of known keys (a typo is an error, not
 * a silent default), each value against its type and range. It does not
 * apply anything: main.c builds the venue (and loads the TLS files) from
 * the result.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_types.h"
#include "mock/server/config.h"
#include "mock/venues/binance/auth.h"
#include "mock/venues/binance/dialect.h"

#define SEC ((int64_t)1000000000)

/* Where we are, for messages: "symbols[1]." and the like. */
struct where {
    char *err;
    size_t cap;
    const char *prefix;
};

static int fail(const struct where *w, const char *field, const char *what)
{
    lx__snprintf(w->err, w->cap, "%s%s: %s", w->prefix, field, what);
    return LX_ERR_CONFIG;
}

/* Every key of obj must be in known (NULL-terminated). */
static int known_keys(const cJSON *obj, const char *const *known,
                      const struct where *w)
{
    const cJSON *it;
    size_t i;

    cJSON_ArrayForEach (it, obj) {
        for (i = 0; known[i] != NULL; i++) {
            if (strcmp(it->string, known[i]) == 0) {
                break;
            }
        }
        if (known[i] == NULL) {
            return fail(w, it->string, "unknown field");
        }
    }
    return LX_OK;
}

/* An integer in [lo, hi], or def when absent. */
static int get_int(const cJSON *obj, const char *key, int64_t lo, int64_t hi,
                   int64_t def, int64_t *out, const struct where *w)
{
    struct lx_json_err e = {0};
    char what[80];

    if (lx__json_opt_i64(obj, key, def, out, &e) != LX_OK) {
        return fail(w, key, "want an integer");
    }
    if (*out < lo || *out > hi) {
        lx__snprintf(what, sizeof(what), "want %lld..%lld", (long long)lo,
                     (long long)hi);
        return fail(w, key, what);
    }
    return LX_OK;
}

/* A string (required unless def != NULL); never echoes the value. */
static int get_str(const cJSON *obj, const char *key, const char *def,
                   const char **out, const struct where *w)
{
    struct lx_json_err e = {0};

    if (lx__json_opt_str(obj, key, def, out, NULL, &e) != LX_OK) {
        return fail(w, key, "want a string");
    }
    if (*out == NULL) {
        return fail(w, key, "missing");
    }
    return LX_OK;
}

/* A decimal as a JSON string ("0.01"), checked; def NULL = required. */
static int get_dec(const cJSON *obj, const char *key, const char *def,
                   const char **out, const struct where *w)
{
    struct lx_decimal d;
    int rc = get_str(obj, key, def, out, w);

    if (rc == LX_OK && lx_decimal_parse(*out, strlen(*out), &d) != LX_OK) {
        return fail(w, key, "not a decimal string such as \"0.01\"");
    }
    if (rc == LX_OK && d.m < 0) {
        return fail(w, key, "must not be negative");
    }
    return rc;
}

static int get_bool(const cJSON *obj, const char *key, int def, int *out,
                    const struct where *w)
{
    struct lx_json_err e = {0};
    bool b = def != 0;

    if (lx__json_opt_bool(obj, key, def != 0, &b, &e) != LX_OK) {
        return fail(w, key, "want true or false");
    }
    *out = b;
    return LX_OK;
}

static int get_obj(const cJSON *obj, const char *key, const cJSON **out,
                   const struct where *w)
{
    struct lx_json_err e = {0};

    if (lx__json_opt_obj(obj, key, out, &e) != LX_OK) {
        return fail(w, key, "want an object");
    }
    return LX_OK;
}

static int get_arr(const cJSON *obj, const char *key, const cJSON **out,
                   const struct where *w)
{
    struct lx_json_err e = {0};

    if (lx__json_opt_arr(obj, key, out, &e) != LX_OK) {
        return fail(w, key, "want an array");
    }
    return LX_OK;
}

/* ---- sections ------------------------------------------------------------ */

static int parse_limits(struct lx_mock_limits *l, const cJSON *o,
                        const struct where *w0, const char *prefix)
{
    static const char *const known[] = {"enabled",
                                        "weight_per_min",
                                        "orders_per_10s",
                                        "orders_per_day",
                                        "ban_after_429s",
                                        "ban_seconds",
                                        NULL};
    struct where w = {w0->err, w0->cap, prefix};
    int on = 1;
    int rc = known_keys(o, known, &w);

    if (rc == LX_OK) {
        rc = get_bool(o, "enabled", 1, &on, &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "weight_per_min", 0, INT32_MAX, l->weight_per_min,
                     &l->weight_per_min, &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "orders_per_10s", 0, INT32_MAX, l->orders_per_10s,
                     &l->orders_per_10s, &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "orders_per_day", 0, INT32_MAX, l->orders_per_day,
                     &l->orders_per_day, &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "ban_after_429s", 0, INT32_MAX, l->ban_after_429s,
                     &l->ban_after_429s, &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "ban_seconds", 0, 86400, l->ban_seconds,
                     &l->ban_seconds, &w);
    }
    if (rc == LX_OK && !on) {
        memset(l, 0, sizeof(*l)); /* 0 disables every limit */
    }
    return rc;
}

static int parse_gen(struct lx_mock_synth_symbol *g, const cJSON *o,
                     const struct where *w)
{
    static const char *const known[] = {"start_mid", "level_qty", "levels",
                                        "spread_ticks", NULL};
    int64_t levels = 10, spread = 10;
    int rc = known_keys(o, known, w);

    if (rc == LX_OK) {
        rc = get_dec(o, "start_mid", NULL, &g->start_mid, w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "level_qty", NULL, &g->level_qty, w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "levels", 1, 100, 10, &levels, w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "spread_ticks", 1, 1000000, 10, &spread, w);
    }
    g->levels = (int)levels;
    g->spread_ticks = (int)spread;
    return rc;
}

/* The name, assets and filters of a symbol (spot and USD-M alike). */
static int parse_filters(struct lx_mock_bn_symbol_cfg *s, const cJSON *o,
                         const struct where *wp)
{
    const struct where w = *wp;
    int rc = get_str(o, "symbol", NULL, &s->symbol, &w);

    if (rc == LX_OK && (strlen(s->symbol) == 0 || strlen(s->symbol) > 20)) {
        rc = fail(&w, "symbol", "want 1..20 characters");
    }
    if (rc == LX_OK) {
        rc = get_str(o, "base", NULL, &s->base, &w);
    }
    if (rc == LX_OK) {
        rc = get_str(o, "quote", NULL, &s->quote, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "tick_size", NULL, &s->tick_size, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "lot_size", NULL, &s->lot_size, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "min_qty", "0", &s->min_qty, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "max_qty", "0", &s->max_qty, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "min_price", "0", &s->min_price, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "max_price", "0", &s->max_price, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "min_notional", "0", &s->min_notional, &w);
    }
    return rc;
}

static int parse_symbol(struct lx_mock_config *c, const cJSON *o, size_t i,
                        char *err, size_t cap)
{
    static const char *const known[] = {
        "symbol",    "base",         "quote",     "tick_size",
        "lot_size",  "min_qty",      "max_qty",   "min_price",
        "max_price", "min_notional", "generator", NULL};
    char prefix[32], gprefix[48];
    struct where w = {err, cap, prefix};
    struct where wg = {err, cap, gprefix};
    struct lx_mock_bn_symbol_cfg *s = &c->syms[i];
    const cJSON *gen = NULL;
    int rc;

    lx__snprintf(prefix, sizeof(prefix), "symbols[%zu].", i);
    lx__snprintf(gprefix, sizeof(gprefix), "symbols[%zu].generator.", i);
    if (!cJSON_IsObject(o)) {
        lx__snprintf(err, cap, "symbols[%zu]: want an object", i);
        return LX_ERR_CONFIG;
    }
    rc = known_keys(o, known, &w);
    if (rc == LX_OK) {
        rc = parse_filters(s, o, &w);
    }
    if (rc == LX_OK) {
        rc = get_obj(o, "generator", &gen, &w);
    }
    if (rc == LX_OK && gen != NULL) {
        c->gens[i].symbol = s->symbol;
        c->has_gen[i] = 1;
        rc = parse_gen(&c->gens[i], gen, &wg);
    }
    return rc;
}

/* Balances {"USDT":"1000",...} into a->bal. */
static int parse_balances(struct lx_mock_cfg_account *a, const cJSON *o,
                          const struct where *w)
{
    const cJSON *it;
    size_t n = 0;
    struct lx_decimal d;

    cJSON_ArrayForEach (it, o) {
        if (n == LX_MOCK_CFG_ASSETS) {
            return fail(w, "balances", "more than 16 assets");
        }
        if (!cJSON_IsString(it) ||
            lx_decimal_parse(it->valuestring, strlen(it->valuestring), &d) !=
                LX_OK ||
            d.m < 0) {
            return fail(w, "balances", "want {\"ASSET\":\"amount\",...}");
        }
        a->bal[2 * n] = it->string;
        a->bal[2 * n + 1] = it->valuestring;
        n++;
    }
    a->bal[2 * n] = NULL;
    return LX_OK;
}

/*
 * "ed25519_public_key": the PEM (SubjectPublicKeyInfo, "-----BEGIN PUBLIC
 * KEY-----") of the key the account signs with, kept as an EVP_PKEY.
 */
static int take_public_key(struct lx_mock_cfg_account *a, const cJSON *k,
                           const struct where *w)
{
    static const char what[] = "want the PEM of an Ed25519 public key";
    EVP_PKEY *pk = NULL;
    int rc;

    if (!cJSON_IsString(k) || k->valuestring[0] == '\0') {
        return fail(w, "ed25519_public_key", what);
    }
    rc = lx_mock_bn_ed25519_key(k->valuestring, &pk);
    if (rc == LX_ERR_NOMEM) {
        return rc;
    }
    if (rc != LX_OK) {
        /* It may be a private key pasted by mistake: wipe it. */
        OPENSSL_cleanse(k->valuestring, strlen(k->valuestring));
        return fail(w, "ed25519_public_key", what);
    }
    a->ed25519 = pk;
    a->cfg.ed25519 = pk;
    return LX_OK;
}

/*
 * The account's key: an HMAC "secret" (into an lx_secret, its text wiped
 * from the tree) or an "ed25519_public_key", exactly one of them.
 */
static int take_secret(struct lx_mock_cfg_account *a, cJSON *o,
                       const struct where *w)
{
    cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "secret");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "ed25519_public_key");
    size_t n;
    int rc;

    if (s != NULL && k != NULL) {
        if (cJSON_IsString(s)) {
            OPENSSL_cleanse(s->valuestring, strlen(s->valuestring));
        }
        return fail(w, "secret",
                    "give either secret or ed25519_public_key, not both");
    }
    if (k != NULL) {
        return take_public_key(a, k, w);
    }
    if (s == NULL) {
        return fail(w, "secret", "missing (or give ed25519_public_key)");
    }
    if (!cJSON_IsString(s) || (n = strlen(s->valuestring)) == 0) {
        return fail(w, "secret", "want a non-empty string");
    }
    rc = lx_secret_new(&a->secret, NULL, s->valuestring, n);
    OPENSSL_cleanse(s->valuestring, n);
    if (rc != LX_OK) {
        return rc;
    }
    a->cfg.secret = a->secret;
    return LX_OK;
}

/*
 * An account of the array name ("accounts", "usdm.accounts") at index i,
 * fees defaulting to maker / taker.
 */
static int parse_account_in(struct lx_mock_cfg_account *a, cJSON *o,
                            const char *name, size_t i, const char *maker,
                            const char *taker, char *err, size_t cap)
{
    static const char *const known[] = {
        "api_key",  "secret", "ed25519_public_key", "maker_fee", "taker_fee",
        "balances", NULL};
    char prefix[48];
    struct where w = {err, cap, prefix};
    const cJSON *bal = NULL;
    int rc;

    lx__snprintf(prefix, sizeof(prefix), "%s[%zu].", name, i);
    if (!cJSON_IsObject(o)) {
        lx__snprintf(err, cap, "%s[%zu]: want an object", name, i);
        return LX_ERR_CONFIG;
    }
    rc = known_keys(o, known, &w);
    if (rc == LX_OK) {
        rc = get_str(o, "api_key", NULL, &a->cfg.api_key, &w);
    }
    if (rc == LX_OK &&
        (strlen(a->cfg.api_key) == 0 || strlen(a->cfg.api_key) > 100)) {
        rc = fail(&w, "api_key", "want 1..100 characters");
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "maker_fee", maker, &a->cfg.maker_fee, &w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "taker_fee", taker, &a->cfg.taker_fee, &w);
    }
    if (rc == LX_OK) {
        rc = get_obj(o, "balances", &bal, &w);
    }
    if (rc == LX_OK) {
        rc = parse_balances(a, bal, &w);
    }
    a->cfg.balances = a->bal;
    if (rc == LX_OK) {
        rc = take_secret(a, o, &w);
    }
    return rc;
}

static int parse_account(struct lx_mock_config *c, cJSON *o, size_t i,
                         char *err, size_t cap)
{
    return parse_account_in(&c->accts[i], o, "accounts", i, "0.001", "0.001",
                            err, cap);
}

/* Runs parse on each element of the array key (at most max). */
static int each(struct lx_mock_config *c, cJSON *root, const char *key,
                size_t max, size_t *n,
                int (*parse)(struct lx_mock_config *, cJSON *, size_t, char *,
                             size_t),
                const struct where *w)
{
    const cJSON *arr = NULL;
    cJSON *it;
    int rc = get_arr(root, key, &arr, w);

    if (rc != LX_OK || arr == NULL) {
        return rc;
    }
    if ((size_t)cJSON_GetArraySize(arr) > max) {
        return fail(w, key,
                    max == LX_MOCK_CFG_SYMBOLS ? "more than 16 entries"
                                               : "more than 32 entries");
    }
    cJSON_ArrayForEach (it, arr) {
        rc = parse(c, it, *n, w->err, w->cap);
        (*n)++; /* counted even on failure: its secret may need freeing */
        if (rc != LX_OK) {
            return rc;
        }
    }
    return LX_OK;
}

static int parse_symbol_cb(struct lx_mock_config *c, cJSON *o, size_t i,
                           char *err, size_t cap)
{
    return parse_symbol(c, o, i, err, cap);
}

/* "ports": {"binance": N}, the per-venue form of "port". */
static int parse_ports(struct lx_mock_config *c, const cJSON *root,
                       const struct where *w0)
{
    static const char *const known[] = {"binance", NULL};
    struct where w = {w0->err, w0->cap, "ports."};
    const cJSON *ports = NULL;
    int64_t v;
    int rc = get_obj(root, "ports", &ports, w0);

    if (rc != LX_OK || ports == NULL) {
        return rc;
    }
    if (c->has_port) {
        return fail(w0, "ports", "give \"port\" or \"ports\", not both");
    }
    rc = known_keys(ports, known, &w);
    if (rc == LX_OK &&
        cJSON_GetObjectItemCaseSensitive(ports, "binance") != NULL &&
        (rc = get_int(ports, "binance", 0, 65535, 0, &v, &w)) == LX_OK) {
        c->port = (uint16_t)v;
        c->has_port = 1;
    }
    return rc;
}

/* An optional non-empty path string: *out stays NULL when absent. */
static int get_path(const cJSON *obj, const char *key, const char **out,
                    const struct where *w)
{
    struct lx_json_err e = {0};

    if (lx__json_opt_str(obj, key, NULL, out, NULL, &e) != LX_OK ||
        (*out != NULL && (*out)[0] == '\0')) {
        return fail(w, key, "want a non-empty file name");
    }
    return LX_OK;
}

/* "tls": {"enabled": true, "cert": F, "key": F, "ca_out": F}. */
static int parse_tls(struct lx_mock_config *c, const cJSON *root,
                     const struct where *w0)
{
    static const char *const known[] = {"enabled", "cert", "key", "ca_out",
                                        NULL};
    struct where w = {w0->err, w0->cap, "tls."};
    const cJSON *o = NULL;
    int rc = get_obj(root, "tls", &o, w0);

    if (rc != LX_OK || o == NULL) {
        return rc;
    }
    c->has_tls = 1;
    rc = known_keys(o, known, &w);
    if (rc == LX_OK) {
        rc = get_bool(o, "enabled", 1, &c->tls, &w);
    }
    if (rc == LX_OK) {
        rc = get_path(o, "cert", &c->tls_cert, &w);
    }
    if (rc == LX_OK) {
        rc = get_path(o, "key", &c->tls_key, &w);
    }
    if (rc == LX_OK) {
        rc = get_path(o, "ca_out", &c->tls_ca_out, &w);
    }
    if (rc == LX_OK && c->tls_cert != NULL && c->tls_key == NULL) {
        rc = fail(&w, "key", "missing (\"cert\" needs its \"key\")");
    }
    if (rc == LX_OK && c->tls_key != NULL && c->tls_cert == NULL) {
        rc = fail(&w, "cert", "missing (\"key\" needs its \"cert\")");
    }
    return rc;
}

/* ---- "usdm": the Binance USD-M venue ------------------------------------- */

/* A signed decimal string with at most 8 decimals (a funding rate). */
static int get_rate(const cJSON *obj, const char *key, const char **out,
                    const struct where *w)
{
    struct lx_decimal d, unit = {1, 8};
    int64_t e8;
    int rc = get_str(obj, key, "0.0001", out, w);

    if (rc == LX_OK && (lx_decimal_parse(*out, strlen(*out), &d) != LX_OK ||
                        lx_decimal_to_ticks(d, unit, &e8) != LX_OK)) {
        return fail(w, key,
                    "not a decimal string such as \"0.0001\" (at most 8 "
                    "decimals)");
    }
    if (rc == LX_OK && (e8 > 3000000 || e8 < -3000000)) {
        return fail(w, key, "want -0.03..0.03");
    }
    return rc;
}

/* A symbol's maker: "generator": {"start_mid": ..., ...}. */
static int parse_usdm_gen(struct lx_mock_bn_usdm_gen *g, const cJSON *o,
                          const struct where *w)
{
    static const char *const known[] = {
        "start_mid",     "level_qty",  "taker_qty", "levels",
        "spacing_ticks", "walk_ticks", NULL};
    int64_t levels = 5, spacing = 5, walk = 20;
    int rc = known_keys(o, known, w);

    if (rc == LX_OK) {
        rc = get_dec(o, "start_mid", NULL, &g->start_mid, w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "level_qty", "0.5", &g->level_qty, w);
    }
    if (rc == LX_OK) {
        rc = get_dec(o, "taker_qty", "0.05", &g->taker_qty, w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "levels", 1, 100, 5, &levels, w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "spacing_ticks", 1, 1000000, 5, &spacing, w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "walk_ticks", 1, 1000000, 20, &walk, w);
    }
    g->levels = (int)levels;
    g->spacing_ticks = (int)spacing;
    g->walk_ticks = (int)walk;
    if (rc != LX_OK) {
        g->start_mid = NULL; /* no maker from a half-read object */
    }
    return rc;
}

static int parse_usdm_symbol(struct lx_mock_cfg_usdm *u, const cJSON *o,
                             size_t i, char *err, size_t cap)
{
    static const char *const known[] = {
        "symbol",       "base",     "quote",     "tick_size", "lot_size",
        "min_qty",      "max_qty",  "min_price", "max_price", "min_notional",
        "funding_rate", "leverage", "generator", NULL};
    char prefix[40], gprefix[56];
    struct where w = {err, cap, prefix};
    struct where wg = {err, cap, gprefix};
    struct lx_mock_bn_symbol_cfg *s = &u->syms[i];
    const cJSON *gen = NULL;
    int64_t lev = 0;
    int rc;

    lx__snprintf(prefix, sizeof(prefix), "usdm.symbols[%zu].", i);
    lx__snprintf(gprefix, sizeof(gprefix), "usdm.symbols[%zu].generator.", i);
    if (!cJSON_IsObject(o)) {
        lx__snprintf(err, cap, "usdm.symbols[%zu]: want an object", i);
        return LX_ERR_CONFIG;
    }
    rc = known_keys(o, known, &w);
    if (rc == LX_OK) {
        rc = parse_filters(s, o, &w);
    }
    if (rc == LX_OK &&
        (strlen(s->base) == 0 || strlen(s->base) >= LX_ASSET_LEN)) {
        rc = fail(&w, "base", "want 1..23 characters");
    }
    if (rc == LX_OK &&
        (strlen(s->quote) == 0 || strlen(s->quote) >= LX_ASSET_LEN)) {
        rc = fail(&w, "quote", "want 1..23 characters");
    }
    if (rc == LX_OK && i > 0 && strcmp(s->quote, u->syms[0].quote) != 0) {
        rc = fail(&w, "quote",
                  "must be the margin asset of usdm.symbols[0] (one margin "
                  "asset per venue)");
    }
    if (rc == LX_OK) {
        rc = get_rate(o, "funding_rate", &u->rates[i], &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "leverage", 1, 125, 20, &lev, &w);
        u->leverage[i] = cJSON_GetObjectItemCaseSensitive(o, "leverage") != NULL
                             ? (uint32_t)lev
                             : 0;
    }
    if (rc == LX_OK) {
        rc = get_obj(o, "generator", &gen, &w);
    }
    if (rc == LX_OK && gen != NULL) {
        rc = parse_usdm_gen(&u->gens[i], gen, &wg);
    }
    return rc;
}

/* "usdm": {"enabled", "port", "market", "rate_limits", "generator", ...}. */
static int parse_usdm(struct lx_mock_config *c, cJSON *root,
                      const struct where *w0)
{
    static const char *const known[] = {"enabled",     "port",      "market",
                                        "rate_limits", "generator", "symbols",
                                        "accounts",    NULL};
    struct where w = {w0->err, w0->cap, "usdm."};
    struct lx_mock_cfg_usdm *u = &c->usdm;
    const cJSON *o = NULL, *lim = NULL, *gen = NULL, *arr = NULL;
    cJSON *it;
    int64_t v;
    int rc = get_obj(root, "usdm", &o, w0);

    if (rc != LX_OK || o == NULL) {
        return rc;
    }
    u->has = 1;
    rc = known_keys(o, known, &w);
    if (rc == LX_OK) {
        rc = get_bool(o, "enabled", 1, &u->enabled, &w);
    }
    u->has_port = cJSON_GetObjectItemCaseSensitive(o, "port") != NULL;
    if (rc == LX_OK &&
        (rc = get_int(o, "port", 0, 65535, 0, &v, &w)) == LX_OK) {
        u->port = (uint16_t)v;
    }
    u->has_market = cJSON_GetObjectItemCaseSensitive(o, "market") != NULL;
    if (rc == LX_OK) {
        rc = get_bool(o, "market", 1, &u->market, &w);
    }
    if (rc == LX_OK) {
        rc = get_obj(o, "rate_limits", &lim, &w);
    }
    if (rc == LX_OK && lim != NULL) {
        rc = parse_limits(&u->limits, lim, &w, "usdm.rate_limits.");
    }
    if (rc == LX_OK) {
        rc = get_obj(o, "generator", &gen, &w);
    }
    if (rc == LX_OK && gen != NULL) {
        static const char *const gknown[] = {"period_ms", NULL};
        struct where wg = {w.err, w.cap, "usdm.generator."};

        rc = known_keys(gen, gknown, &wg);
        if (rc == LX_OK) {
            rc = get_int(gen, "period_ms", 10, 3600000, 1000, &u->period_ms,
                         &wg);
        }
    }
    if (rc == LX_OK) {
        rc = get_arr(o, "symbols", &arr, &w);
    }
    if (rc == LX_OK && arr != NULL &&
        (size_t)cJSON_GetArraySize(arr) > LX_MOCK_CFG_USDM_SYMBOLS) {
        rc = fail(&w, "symbols", "more than 8 entries");
    }
    if (rc == LX_OK && arr != NULL) {
        cJSON_ArrayForEach (it, arr) {
            if (rc == LX_OK) {
                rc = parse_usdm_symbol(u, it, u->nsyms++, w.err, w.cap);
            }
        }
    }
    if (rc == LX_OK) {
        rc = get_arr(o, "accounts", &arr, &w);
    }
    if (rc == LX_OK && arr != NULL &&
        (size_t)cJSON_GetArraySize(arr) > LX_MOCK_CFG_ACCOUNTS) {
        rc = fail(&w, "accounts", "more than 32 entries");
    }
    if (rc == LX_OK && arr != NULL) {
        cJSON_ArrayForEach (it, (cJSON *)arr) {
            if (rc == LX_OK) {
                /* counted even on failure: its secret may need freeing */
                size_t i = u->naccts++;

                rc = parse_account_in(&u->accts[i], it, "usdm.accounts", i,
                                      "0.0002", "0.0005", w.err, w.cap);
            }
        }
    }
    return rc;
}

/* "streams": the spot hub's pings, connection age and message limit. */
static int parse_streams(struct lx_mock_config *c, const cJSON *root,
                         const struct where *w0)
{
    static const char *const known[] = {"ping_interval_s", "max_age_s",
                                        "max_msgs_per_sec", NULL};
    const struct lx_mock_bn_hub_opts *d = &lx_mock_bn_hub_spot;
    const cJSON *o = NULL;
    struct where w = {w0->err, w0->cap, "streams."};
    int64_t ping, age, msgs;
    int rc = get_obj(root, "streams", &o, w0);

    c->streams = *d;
    if (rc != LX_OK || o == NULL) {
        return rc;
    }
    c->has_streams = 1;
    rc = known_keys(o, known, &w);
    if (rc == LX_OK) {
        rc = get_int(o, "ping_interval_s", 0, 86400, d->ping_interval_ns / SEC,
                     &ping, &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "max_age_s", 0, 7 * 86400, d->max_age_ns / SEC, &age,
                     &w);
    }
    if (rc == LX_OK) {
        rc = get_int(o, "max_msgs_per_sec", 0, 100000, d->max_msgs_per_sec,
                     &msgs, &w);
    }
    if (rc == LX_OK) {
        c->streams.ping_interval_ns = ping * SEC;
        c->streams.max_age_ns = age * SEC;
        c->streams.max_msgs_per_sec = (int)msgs;
    }
    return rc;
}

static int parse_top(struct lx_mock_config *c, cJSON *root,
                     const struct where *w)
{
    static const char *const known[] = {
        "seed",        "listen",    "port",          "ports",    "market",
        "rate_limits", "generator", "symbols",       "accounts", "tls",
        "usdm",        "streams",   "order_history", NULL};
    const cJSON *lim = NULL, *gen = NULL;
    int64_t v;
    int rc = known_keys(root, known, w);

    c->has_seed = cJSON_GetObjectItemCaseSensitive(root, "seed") != NULL;
    c->has_listen = cJSON_GetObjectItemCaseSensitive(root, "listen") != NULL;
    c->has_port = cJSON_GetObjectItemCaseSensitive(root, "port") != NULL;
    c->has_market = cJSON_GetObjectItemCaseSensitive(root, "market") != NULL;
    if (rc == LX_OK &&
        (rc = get_int(root, "seed", 0, INT64_MAX, 1, &v, w)) == LX_OK) {
        c->seed = (uint64_t)v;
    }
    if (rc == LX_OK) {
        rc = get_str(root, "listen", "127.0.0.1", &c->listen, w);
    }
    if (rc == LX_OK &&
        (rc = get_int(root, "port", 0, 65535, 0, &v, w)) == LX_OK) {
        c->port = (uint16_t)v;
    }
    if (rc == LX_OK) {
        rc = parse_ports(c, root, w);
    }
    if (rc == LX_OK) {
        rc = get_bool(root, "market", 1, &c->market, w);
    }
    if (rc == LX_OK) {
        rc = parse_tls(c, root, w);
    }
    if (rc == LX_OK) {
        rc = get_obj(root, "rate_limits", &lim, w);
    }
    if (rc == LX_OK && lim != NULL) {
        rc = parse_limits(&c->limits, lim, w, "rate_limits.");
    }
    if (rc == LX_OK) {
        rc = get_obj(root, "generator", &gen, w);
    }
    if (rc == LX_OK && gen != NULL) {
        static const char *const gknown[] = {"period_ms", NULL};
        struct where wg = {w->err, w->cap, "generator."};

        rc = known_keys(gen, gknown, &wg);
        if (rc == LX_OK) {
            rc = get_int(gen, "period_ms", 10, 3600000, 1000, &c->period_ms,
                         &wg);
        }
    }
    if (rc == LX_OK) {
        rc = each(c, root, "symbols", LX_MOCK_CFG_SYMBOLS, &c->nsyms,
                  parse_symbol_cb, w);
    }
    if (rc == LX_OK) {
        rc = each(c, root, "accounts", LX_MOCK_CFG_ACCOUNTS, &c->naccts,
                  parse_account, w);
    }
    if (rc == LX_OK) {
        rc = parse_usdm(c, root, w);
    }
    if (rc == LX_OK) {
        rc = parse_streams(c, root, w);
    }
    if (rc == LX_OK) {
        rc = get_int(root, "order_history", 100, 10000000, LX_MOCK_BN_HISTORY,
                     &c->order_history, w);
    }
    return rc;
}

int lx_mock_config_parse(struct lx_mock_config *c, char *buf, size_t len,
                         char *err, size_t cap)
{
    struct where w = {err, cap, ""};
    struct lx_json_err e = {0};
    cJSON *root = NULL;
    int rc;

    memset(c, 0, sizeof(*c));
    c->limits = lx_mock_bn_spot_limits;
    c->period_ms = 1000;
    c->order_history = LX_MOCK_BN_HISTORY;
    c->usdm.enabled = 1;
    c->usdm.market = 1;
    c->usdm.limits = lx_mock_bn_usdm_limits;
    c->usdm.period_ms = 1000;
    rc = lx__json_parse(buf, len, &root, &e);
    OPENSSL_cleanse(buf, len);
    if (rc != LX_OK) {
        lx__snprintf(err, cap, "not valid JSON (near byte %zu)", e.offset);
        return LX_ERR_CONFIG;
    }
    c->root = root;
    if (!cJSON_IsObject(root)) {
        lx__snprintf(err, cap, "the top level must be a JSON object");
        rc = LX_ERR_CONFIG;
    } else {
        rc = parse_top(c, root, &w);
    }
    if (rc != LX_OK) {
        lx_mock_config_free(c);
    }
    return rc;
}

int lx_mock_config_load(struct lx_mock_config *c, const char *path, char *err,
                        size_t cap)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n;
    int rc;

    memset(c, 0, sizeof(*c));
    if (fp == NULL) {
        lx__snprintf(err, cap, "cannot open: %s", strerror(errno));
        return LX_ERR_IO;
    }
    buf = lx__malloc(NULL, LX_MOCK_CFG_MAX_FILE + 1);
    if (buf == NULL) {
        fclose(fp);
        return LX_ERR_NOMEM;
    }
    n = fread(buf, 1, LX_MOCK_CFG_MAX_FILE + 1, fp);
    if (ferror(fp) || n > LX_MOCK_CFG_MAX_FILE) {
        lx__snprintf(err, cap,
                     ferror(fp) ? "cannot read" : "larger than 1 MiB");
        rc = LX_ERR_IO;
    } else {
        rc = lx_mock_config_parse(c, buf, n, err, cap);
    }
    fclose(fp);
    OPENSSL_cleanse(buf, n);
    lx__free(NULL, buf);
    return rc;
}

void lx_mock_config_free(struct lx_mock_config *c)
{
    size_t i;

    for (i = 0; i < c->naccts; i++) {
        lx_secret_free(c->accts[i].secret);
        EVP_PKEY_free(c->accts[i].ed25519);
    }
    for (i = 0; i < c->usdm.naccts; i++) {
        lx_secret_free(c->usdm.accts[i].secret);
        EVP_PKEY_free(c->usdm.accts[i].ed25519);
    }
    cJSON_Delete(c->root);
    memset(c, 0, sizeof(*c));
}
