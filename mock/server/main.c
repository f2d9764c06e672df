/*
 * main.c - the lotusx-mock command: one front door per venue on loopback,
 * REST and WebSocket on the same port, plus the admin API under
 * LX_MOCK_ADMIN_PREFIX.
 *
 * It wires the parts together: the Binance spot venue (symbols and
 * accounts from --config or the embedded default), its stream hub, the
 * synthetic market (following the admin clock control), the USD-M venue
 * on its own port (usdm_srv.c, the config's "usdm" object) and an admin
 * API (admin.c) on each port, whose clock requests move both venues. It
 * does not serve anything itself. With --tls (or "tls" in
 * the config) every port is served over TLS: a certificate and key from
 * files, or a self-signed certificate made at start-up, whose PEM
 * --tls-ca-out writes for clients to trust. Config secrets and TLS keys
 * are never printed. Exit codes: 0 after a clean shutdown (SIGINT/
 * SIGTERM), 1 when the server cannot start (busy port, ...), 2 on bad
 * usage, a bad configuration file or bad TLS files.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_log.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_tls.h"
#include "mock/feed/synth.h"
#include "mock/replay/replay.h"
#include "mock/server/admin.h"
#include "mock/server/config.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/auth.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

/* Accounts the USD-M admin API may create. */
#define LX_MOCK_ADMIN_ACCOUNTS 16

/* The test account printed at start-up (a mock's keys guard nothing). */
#define TEST_API_KEY                                                           \
    "lotusxTestKey0000000000000000000000000000000000000000000000000"
#define TEST_SECRET                                                            \
    "lotusxTestSecret00000000000000000000000000000000000000000000000"

struct mock_main {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_admin *admin;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_synth *synth;
    struct lx_secret *secret, *mm_secret;
    struct event *sigint, *sigterm;
    uint64_t seed;
    int no_market;
    const char *addr;
    uint16_t port;
    int quiet;
    /* which of the above the command line set (they win over --config) */
    int set_seed, set_market, set_addr, set_port;
    const char *config_path;
    struct lx_mock_config cfg;
    int have_cfg;
    /* --replay: a capture answers instead of the simulated venue */
    const char *replay_path;
    struct lx_mock_replay_opts ropts;
    struct lx_mock_replay *replay;
    int set_replay_opt; /* --speed, --from or --to given */
    /* the USD-M futures venue on its own port (--usdm-port, 0 = any) */
    struct lx_mock_bn_usdm_srv *usdm;
    struct lx_mock_admin *usdm_admin;
    /* secrets of the accounts the USD-M admin API created */
    /* the USD-M admin accounts' secrets or Ed25519 keys (one NULL each) */
    struct lx_secret *usdm_secrets[LX_MOCK_ADMIN_ACCOUNTS];
    EVP_PKEY *usdm_pks[LX_MOCK_ADMIN_ACCOUNTS];
    size_t nusdm_secrets;
    uint16_t usdm_port;
    int set_usdm_port;
    /* --tls: every port over TLS (tls_on once flags and config are in) */
    int tls_on, set_tls, no_tls; /* set_tls: a flag other than --no-tls */
    const char *tls_cert, *tls_key, *tls_ca_out;
    const char *tls_cn;     /* the self-signed certificate's common name */
    struct lx_ctx *tls_ctx; /* its log sink catches why loading failed */
    struct lx_tls *tls;
    char tls_err[512];
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lotusx-mock [--config FILE] [--listen ADDR] [--port N]\n"
               "                   [--seed N] [--no-market] [--quiet]\n"
               "                   [--tls [--tls-cert FILE --tls-key FILE]"
               " [--tls-ca-out FILE]]\n"
               "       lotusx-mock --replay FILE [--speed N] [--from T] "
               "[--to T] [--paused]\n"
               "                   [--listen ADDR] [--port N] [--quiet] "
               "[--tls ...]\n"
               "\n"
               "Serves a simulated Binance spot on ADDR:N (default "
               "127.0.0.1, port 0 =\n"
               "any free port; the URL is printed). REST and WebSocket share "
               "the port;\n"
               "the admin API is under " LX_MOCK_ADMIN_PREFIX
               " (loopback peers only).\n"
               "Stops cleanly on SIGINT or SIGTERM.\n"
               "\n"
               "  --config FILE  JSON configuration (seed, port, symbols, "
               "accounts,\n"
               "                 rate limits, generator, tls, usdm); flags "
               "override it\n"
               "  --listen ADDR  IPv4 or IPv6 literal to listen on\n"
               "  --port N       TCP port, 0..65535\n"
               "  --usdm-port N  TCP port of the USD-M futures venue (/fapi), "
               "0 = any\n"
               "  --seed N       seed of the synthetic market (default 1)\n"
               "  --no-market    no synthetic market maker or trades\n"
               "  --quiet        print only the URL line\n"
               "  --tls          serve every port over TLS (https://, "
               "wss://); the\n"
               "                 certificate is self-signed for localhost, "
               "127.0.0.1\n"
               "                 and ::1, made at start-up, unless:\n"
               "  --tls-cert FILE, --tls-key FILE  PEM certificate (chain) "
               "and its key\n"
               "  --tls-ca-out FILE  write the certificate clients must "
               "trust (PEM)\n"
               "  --no-tls       plain HTTP even if the config enables "
               "TLS\n"
               "  --replay FILE  serve a capture (*.lxcap) instead of the "
               "simulated\n"
               "                 venue (admin API: health, clock, reset); see "
               "lotusx-mock(1)\n"
               "  --speed N      replay speed, N x real time (default 1, "
               "0 = flat out)\n"
               "  --from T, --to T  replay records with T_from <= time < "
               "T_to (epoch ms,\n"
               "                 epoch ns, or UTC YYYY-MM-DDTHH:MM:SS[.f]Z)\n"
               "  --paused       start the replay clock frozen (step it with "
               "POST\n                 " LX_MOCK_ADMIN_PREFIX
               "clock/advance?ms=N)\n");
}

/* --replay, --speed, --from, --to, --paused; 1 if argv[*i] was one, 2 on
 * bad use. */
static int parse_replay_arg(struct mock_main *m, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
    int rc;

    if (strcmp(a, "--paused") == 0) {
        m->ropts.paused = 1;
        m->set_replay_opt = 1;
        return 1;
    }
    if (v == NULL || (strcmp(a, "--replay") != 0 && strcmp(a, "--speed") != 0 &&
                      strcmp(a, "--from") != 0 && strcmp(a, "--to") != 0)) {
        return 0;
    }
    (*i)++;
    if (strcmp(a, "--replay") == 0) {
        m->replay_path = v;
        return 1;
    }
    rc = strcmp(a, "--speed") == 0
             ? lx_mock_replay_parse_speed(v, &m->ropts.speed_milli)
             : lx_mock_replay_parse_time(v, strcmp(a, "--from") == 0
                                                ? &m->ropts.from_wall_ns
                                                : &m->ropts.to_wall_ns);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: %s wants %s, got '%s'\n", a,
                strcmp(a, "--speed") == 0
                    ? "a speed >= 0 with at most 3 decimals"
                    : "epoch ms, epoch ns or YYYY-MM-DDTHH:MM:SS[.f]Z",
                v);
        return 2;
    }
    if (m->ropts.from_wall_ns > m->ropts.to_wall_ns) {
        fprintf(stderr, "lotusx-mock: --from is after --to\n");
        return 2;
    }
    m->set_replay_opt = 1;
    return 1;
}

/* --tls, --no-tls, --tls-cert, --tls-key, --tls-ca-out; 1 if one. */
static int parse_tls_arg(struct mock_main *m, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;

    if (strcmp(a, "--tls") == 0) {
        m->set_tls = 1;
        return 1;
    }
    if (strcmp(a, "--no-tls") == 0) {
        m->no_tls = 1;
        return 1;
    }
    if (v == NULL ||
        (strcmp(a, "--tls-cert") != 0 && strcmp(a, "--tls-key") != 0 &&
         strcmp(a, "--tls-ca-out") != 0)) {
        return 0;
    }
    (*i)++;
    m->set_tls = 1;
    if (strcmp(a, "--tls-cert") == 0) {
        m->tls_cert = v;
    } else if (strcmp(a, "--tls-key") == 0) {
        m->tls_key = v;
    } else {
        m->tls_ca_out = v;
    }
    return 1;
}

/* The TLS flags together: cert and key as a pair, no --no-tls with any. */
static int check_tls_args(const struct mock_main *m)
{
    if ((m->tls_cert == NULL) != (m->tls_key == NULL)) {
        fprintf(stderr, "lotusx-mock: --tls-cert and --tls-key go "
                        "together\n");
        return 2;
    }
    if (m->no_tls && m->set_tls) {
        fprintf(stderr, "lotusx-mock: --no-tls with another TLS flag\n");
        return 2;
    }
    return -1;
}

static int parse_args(struct mock_main *m, int argc, char **argv)
{
    int i;
    int64_t n;
    int r;

    for (i = 1; i < argc; i++) {
        if ((r = parse_replay_arg(m, argc, argv, &i)) != 0) {
            if (r == 2) {
                return 2;
            }
        } else if (parse_tls_arg(m, argc, argv, &i)) {
            continue;
        } else if (strcmp(argv[i], "--help") == 0 ||
                   strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            m->quiet = 1;
        } else if (strcmp(argv[i], "--no-market") == 0) {
            m->no_market = 1;
            m->set_market = 1;
        } else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            m->config_path = argv[++i];
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            i++;
            if (lx__parse_i64(argv[i], strlen(argv[i]), &n) != LX_OK || n < 0) {
                fprintf(stderr,
                        "lotusx-mock: --seed wants a number >= 0, got '%s'\n",
                        argv[i]);
                return 2;
            }
            m->seed = (uint64_t)n;
            m->set_seed = 1;
        } else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
            m->addr = argv[++i];
            m->set_addr = 1;
        } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            i++;
            if (lx__parse_i64(argv[i], strlen(argv[i]), &n) != LX_OK || n < 0 ||
                n > 65535) {
                fprintf(stderr,
                        "lotusx-mock: --port wants 0..65535, got '%s'\n",
                        argv[i]);
                return 2;
            }
            m->port = (uint16_t)n;
            m->set_port = 1;
        } else if (strcmp(argv[i], "--usdm-port") == 0 && i + 1 < argc) {
            i++;
            if (lx__parse_i64(argv[i], strlen(argv[i]), &n) != LX_OK || n < 0 ||
                n > 65535) {
                fprintf(stderr,
                        "lotusx-mock: --usdm-port wants 0..65535, got '%s'\n",
                        argv[i]);
                return 2;
            }
            m->usdm_port = (uint16_t)n;
            m->set_usdm_port = 1;
        } else {
            fprintf(stderr, "lotusx-mock: unexpected argument '%s'\n\n",
                    argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return check_tls_args(m);
}

/* ---- admin --------------------------------------------------------------- */

static int admin_state(void *ud, size_t levels, struct lx_mock_sb *sb)
{
    struct mock_main *m = ud;

    return lx_mock_bn_spot_state(m->spot, levels, sb);
}

static int admin_expire(void *ud, const char *key, size_t *n)
{
    struct mock_main *m = ud;

    return lx_mock_bn_spot_expire_listen(m->spot, key[0] != '\0' ? key : NULL,
                                         n);
}

/*
 * One clock for the whole mock: the admin clock control of either port
 * freezes, resumes or advances both doors (spot first, then USD-M, so the
 * two stay within a microsecond of each other; an advance moves both by
 * exactly the same ms, the USD-M one stopping at each funding instant).
 */
static void clock_freeze(void *ud)
{
    struct mock_main *m = ud;

    lx_mock_door_freeze(m->door);
    if (m->usdm != NULL) {
        lx_mock_door_freeze(lx_mock_bn_usdm_srv_door(m->usdm));
    }
}

static void clock_resume(void *ud)
{
    struct mock_main *m = ud;

    lx_mock_door_resume(m->door);
    if (m->usdm != NULL) {
        lx_mock_door_resume(lx_mock_bn_usdm_srv_door(m->usdm));
    }
}

static int clock_advance(void *ud, int64_t ms)
{
    struct mock_main *m = ud;
    int rc = lx_mock_door_advance(m->door, ms);

    if (rc == LX_OK && m->usdm != NULL) {
        rc = lx_mock_bn_usdm_srv_advance(m->usdm, ms);
    }
    return rc;
}

/*
 * POST /_lotusx/mark on the spot port moves the synthetic market: its mid
 * jumps to the price (rounded to the tick) and the ladder is re-posted.
 */
static int admin_mark(void *ud, const char *symbol, const char *price,
                      char *applied, size_t cap, const char **why)
{
    struct mock_main *m = ud;
    struct lx_decimal tick, lot;

    if (lx_mock_bn_spot_steps(m->spot, symbol, &tick, &lot) != LX_OK) {
        *why = "symbol: unknown";
        return LX_ERR_NOTFOUND;
    }
    if (m->synth == NULL) {
        *why = "symbol: no synthetic market";
        return LX_ERR_NOTFOUND;
    }
    return lx_mock_synth_set_mid(m->synth, symbol, price, applied, cap, why);
}

static int admin_balance(void *ud, const char *key, const char *asset,
                         const char *amount, const char **why)
{
    struct mock_main *m = ud;

    return lx_mock_bn_spot_set_balance(m->spot, key, asset, amount, why);
}

/* POST /_lotusx/accounts on the spot port: the venue keeps the secret. */
static int admin_account(void *ud, const char *key, const char *secret,
                         const char *pem, const char *maker, const char *taker,
                         const char *const *bal, const char **why)
{
    struct mock_main *m = ud;

    if (pem != NULL) {
        return lx_mock_bn_spot_new_ed25519_account(m->spot, key, pem, maker,
                                                   taker, bal, NULL, why);
    }
    return lx_mock_bn_spot_new_account(m->spot, key, secret, maker, taker, bal,
                                       NULL, why);
}

static int add_admin(struct mock_main *m)
{
    struct lx_mock_admin_venue av = {"binance", admin_state, admin_expire, m};
    struct lx_mock_admin_ext ext;
    int rc;

    memset(&ext, 0, sizeof(ext));
    ext.freeze = clock_freeze;
    ext.resume = clock_resume;
    ext.advance = clock_advance;
    ext.set_mark_to = admin_mark;
    ext.set_balance = admin_balance;
    ext.add_account = admin_account;
    ext.ud = m;
    lx_mock_bn_hub_set_faults(m->hub, lx_mock_door_faults(m->door));
    rc = lx_mock_admin_new(&m->admin, m->door, &av);
    return rc != LX_OK ? rc : lx_mock_admin_extend(m->admin, &ext);
}

/* ---- the USD-M port's admin ---------------------------------------------- */

static int usdm_state(void *ud, size_t levels, struct lx_mock_sb *sb)
{
    struct mock_main *m = ud;

    return lx_mock_bn_usdm_state(lx_mock_bn_usdm_srv_venue(m->usdm), levels,
                                 sb);
}

static int usdm_expire(void *ud, const char *key, size_t *n)
{
    struct mock_main *m = ud;

    return lx_mock_bn_usdm_expire_listen(lx_mock_bn_usdm_srv_venue(m->usdm),
                                         key[0] != '\0' ? key : NULL, n);
}

static int usdm_mark(void *ud, const char *symbol, const char *price,
                     const char **why)
{
    struct mock_main *m = ud;
    int rc = lx_mock_bn_usdm_srv_set_mark(m->usdm, symbol, price);

    if (rc == LX_ERR_NOTFOUND) {
        *why = "symbol: unknown";
    } else if (rc == LX_ERR_RANGE) {
        *why = "price: outside the symbol's price filter";
    } else if (rc != LX_OK) {
        *why = "price: want a positive multiple of the symbol's tick size";
    }
    return rc;
}

static int usdm_balance(void *ud, const char *key, const char *asset,
                        const char *amount, const char **why)
{
    struct mock_main *m = ud;
    struct lx_mock_bn_usdm *v = lx_mock_bn_usdm_srv_venue(m->usdm);
    int rc;

    if (strcmp(asset, lx_mock_bn_usdm_margin_asset(v)) != 0) {
        *why = "asset: not the margin asset of this venue";
        return LX_ERR_INVAL;
    }
    rc = lx_mock_bn_usdm_set_balance(v, key, amount);
    if (rc == LX_ERR_NOTFOUND) {
        *why = "apiKey: no such account";
    } else if (rc != LX_OK) {
        *why = "amount: want a decimal string >= 0 with at most 8 decimals";
    }
    return rc;
}

/* POST /_lotusx/accounts on the USD-M port: the secret (or the parsed
 * Ed25519 public key) is kept here. */
static int usdm_account(void *ud, const char *key, const char *secret,
                        const char *pem, const char *maker, const char *taker,
                        const char *const *bal, const char **why)
{
    struct mock_main *m = ud;
    struct lx_mock_bn_usdm *v = lx_mock_bn_usdm_srv_venue(m->usdm);
    struct lx_mock_bn_account_cfg a;
    struct lx_secret *sec = NULL;
    EVP_PKEY *pk = NULL;
    const char *const *b;
    size_t i;
    int rc;

    if (lx_mock_bn_usdm_has_account(v, key)) {
        *why = "apiKey: already taken";
        return LX_ERR_EXISTS;
    }
    if (m->nusdm_secrets == LX_MOCK_ADMIN_ACCOUNTS) {
        *why = "apiKey: no room for more accounts (16 may be added)";
        return LX_ERR_TOOBIG;
    }
    for (b = bal; b[0] != NULL; b += 2) {
        if (strcmp(b[0], lx_mock_bn_usdm_margin_asset(v)) != 0) {
            *why = "balances: only the margin asset of this venue";
            return LX_ERR_INVAL;
        }
    }
    if (pem != NULL) {
        rc = lx_mock_bn_ed25519_key(pem, &pk);
        if (rc != LX_OK) {
            *why = "ed25519PublicKey: want the PEM of an Ed25519 public key";
            return rc;
        }
    } else if ((rc = lx_secret_new(&sec, NULL, secret, strlen(secret))) !=
               LX_OK) {
        *why = "secret: cannot be kept";
        return rc;
    }
    memset(&a, 0, sizeof(a));
    a.api_key = key;
    a.secret = sec;
    a.ed25519 = pk;
    a.maker_fee = maker != NULL ? maker : "0.0002";
    a.taker_fee = taker != NULL ? taker : "0.0005";
    a.balances = bal;
    rc = lx_mock_bn_usdm_add_account(v, &a, NULL, why);
    /* the venue may hold it already (a bad balance after the key) */
    if (rc == LX_OK || lx_mock_bn_usdm_has_account(v, key)) {
        i = m->nusdm_secrets++;
        m->usdm_secrets[i] = sec;
        m->usdm_pks[i] = pk;
        if (rc == LX_OK) {
            return LX_OK;
        }
    } else {
        lx_secret_free(sec);
        EVP_PKEY_free(pk);
    }
    *why = rc == LX_ERR_INVAL ? "apiKey: no room for more accounts"
           : strcmp(*why, "bad account fees") == 0
               ? "makerFee / takerFee: want decimal strings"
               : "balances: want {\"ASSET\":\"amount\",...} with amounts "
                 ">= 0";
    return rc;
}

static int add_usdm_admin(struct mock_main *m)
{
    struct lx_mock_admin_venue av = {"binanceusdm", usdm_state, usdm_expire, m};
    struct lx_mock_admin_ext ext;
    int rc;

    memset(&ext, 0, sizeof(ext));
    ext.freeze = clock_freeze;
    ext.resume = clock_resume;
    ext.advance = clock_advance;
    ext.set_mark = usdm_mark;
    ext.set_balance = usdm_balance;
    ext.add_account = usdm_account;
    ext.ud = m;
    rc = lx_mock_admin_new(&m->usdm_admin, lx_mock_bn_usdm_srv_door(m->usdm),
                           &av);
    return rc != LX_OK ? rc : lx_mock_admin_extend(m->usdm_admin, &ext);
}

static int setup_venue(struct mock_main *m);

/* ---- the embedded default market ----------------------------------------- */

static const struct lx_mock_bn_symbol_cfg default_symbols[] = {
    {"BTCUSDT", "BTC", "USDT", "0.01", "0.00001", "0.00001", "9000", "0.01",
     "1000000", "5"},
    {"ETHUSDT", "ETH", "USDT", "0.01", "0.0001", "0.0001", "100000", "0.01",
     "1000000", "5"},
};

static const struct lx_mock_synth_symbol default_synth[] = {
    {"BTCUSDT", "60000.00", "0.05000", 10, 50},
    {"ETHUSDT", "3000.00", "0.5000", 10, 20},
};

/* The symbols: the config's, else the embedded default. */
static int add_symbols(struct mock_main *m, const char **why)
{
    const struct lx_mock_bn_symbol_cfg *syms = default_symbols;
    size_t i, n = LX_ARRAY_LEN(default_symbols);
    int rc = LX_OK;

    if (m->have_cfg && m->cfg.nsyms > 0) {
        syms = m->cfg.syms;
        n = m->cfg.nsyms;
    }
    for (i = 0; rc == LX_OK && i < n; i++) {
        rc = lx_mock_bn_spot_add_symbol(m->spot, &syms[i], why);
    }
    return rc;
}

/* The accounts: the config's (secrets never shown), else the test one. */
static int add_accounts(struct mock_main *m, const char **why)
{
    static const char *const test_bal[] = {"USDT", "100000", "BTC", "1",
                                           "ETH",  "10",     NULL};
    struct lx_mock_bn_account_cfg acct;
    size_t i;
    int rc;

    if (m->have_cfg && m->cfg.naccts > 0) {
        for (i = 0, rc = LX_OK; rc == LX_OK && i < m->cfg.naccts; i++) {
            rc = lx_mock_bn_spot_add_account(m->spot, &m->cfg.accts[i].cfg,
                                             NULL, why);
        }
        return rc;
    }
    rc = lx_secret_new(&m->secret, NULL, TEST_SECRET, sizeof(TEST_SECRET) - 1);
    if (rc == LX_OK) {
        memset(&acct, 0, sizeof(acct));
        acct.api_key = TEST_API_KEY;
        acct.secret = m->secret;
        acct.maker_fee = "0.001";
        acct.taker_fee = "0.001";
        acct.balances = test_bal;
        rc = lx_mock_bn_spot_add_account(m->spot, &acct, NULL, why);
    }
    return rc;
}

/*
 * The synthetic market's maker and taker: random keys never shown, and a
 * deep balance in every asset of every symbol.
 */
static int add_internal(struct mock_main *m, uint32_t *maker, uint32_t *taker,
                        const char **why)
{
    const char *bal[4 * LX_MOCK_CFG_SYMBOLS + 1];
    const struct lx_mock_bn_symbol_cfg *syms = default_symbols;
    size_t i, nsyms = LX_ARRAY_LEN(default_symbols), n = 0;
    struct lx_mock_bn_account_cfg acct;
    uint8_t mm_key[32];
    struct lx_rng rng;
    int rc;

    if (m->have_cfg && m->cfg.nsyms > 0) {
        syms = m->cfg.syms;
        nsyms = m->cfg.nsyms;
    }
    for (i = 0; i < nsyms; i++) {
        const struct lx_mock_bn_symbol_cfg *s = &syms[i];

        bal[n++] = s->base;
        bal[n++] = "1000000";
        bal[n++] = s->quote;
        bal[n++] = "100000000";
    }
    bal[n] = NULL;
    lx_rng_seed(&rng, m->seed ^ UINT64_C(0x6d6d6b6579));
    lx_rng_fill(&rng, mm_key, sizeof(mm_key));
    rc = lx_secret_new(&m->mm_secret, NULL, mm_key, sizeof(mm_key));
    memset(&acct, 0, sizeof(acct));
    acct.api_key = "lotusx-internal-maker";
    acct.secret = m->mm_secret;
    acct.maker_fee = "0";
    acct.taker_fee = "0";
    acct.balances = bal;
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_account(m->spot, &acct, maker, why);
    }
    acct.api_key = "lotusx-internal-taker";
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_account(m->spot, &acct, taker, why);
    }
    return rc;
}

/* The generator: over the config's symbols that have one, else default. */
static int add_market(struct mock_main *m, uint32_t maker, uint32_t taker)
{
    int64_t period = m->have_cfg ? m->cfg.period_ms : 1000;
    size_t i;
    int rc = lx_mock_synth_new(&m->synth, m->clock, m->spot, maker, taker,
                               m->seed, period * 1000000);

    if (m->have_cfg && m->cfg.nsyms > 0) {
        for (i = 0; rc == LX_OK && i < m->cfg.nsyms; i++) {
            if (m->cfg.has_gen[i]) {
                rc = lx_mock_synth_add(m->synth, &m->cfg.gens[i]);
            }
        }
    } else {
        for (i = 0; rc == LX_OK && i < LX_ARRAY_LEN(default_synth); i++) {
            rc = lx_mock_synth_add(m->synth, &default_synth[i]);
        }
    }
    if (rc == LX_OK) {
        rc = lx_mock_synth_start(m->synth);
    }
    lx_mock_door_on_clock(m->door, lx_mock_synth_clock, m->synth,
                          period * 1000000);
    return rc;
}

static int setup_venue(struct mock_main *m)
{
    uint32_t maker = 0, taker = 0;
    const char *why = "";
    int rc;

    rc = lx_mock_bn_spot_new(&m->spot, m->clock, m->door, m->hub, &why);
    if (rc == LX_OK && m->have_cfg) {
        lx_mock_bn_spot_set_history(m->spot, (size_t)m->cfg.order_history);
    }
    if (rc == LX_OK) {
        rc = add_symbols(m, &why);
    }
    if (rc == LX_OK) {
        rc = add_accounts(m, &why);
    }
    if (rc == LX_OK) {
        rc = add_internal(m, &maker, &taker, &why);
    }
    if (rc == LX_OK && !m->no_market) {
        rc = add_market(m, maker, taker);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: market setup: %s%s%s\n", lx_strerror(rc),
                why[0] != '\0' ? ": " : "", why);
    }
    return rc;
}

/* ---- configuration file -------------------------------------------------- */

/* Loads --config; the command line's own flags win over the file. */
static int load_config(struct mock_main *m)
{
    char err[256];
    int rc = lx_mock_config_load(&m->cfg, m->config_path, err, sizeof(err));

    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: config %s: %s\n", m->config_path,
                rc == LX_ERR_NOMEM ? "out of memory" : err);
        return rc;
    }
    m->have_cfg = 1;
    if (!m->set_seed && m->cfg.has_seed) {
        m->seed = m->cfg.seed;
    }
    if (!m->set_addr && m->cfg.has_listen) {
        m->addr = m->cfg.listen;
    }
    if (!m->set_port && m->cfg.has_port) {
        m->port = m->cfg.port;
    }
    if (!m->set_market && m->cfg.has_market) {
        m->no_market = !m->cfg.market;
    }
    if (!m->set_usdm_port && m->cfg.usdm.has_port) {
        m->usdm_port = m->cfg.usdm.port;
    }
    return LX_OK;
}

/* ---- TLS ----------------------------------------------------------------- */

/* Flags win over the config: --no-tls, else any TLS flag, else "tls". */
static void resolve_tls(struct mock_main *m)
{
    const struct lx_mock_config *c =
        m->have_cfg && m->cfg.has_tls ? &m->cfg : NULL;

    if (m->no_tls) {
        m->tls_on = 0;
        return;
    }
    m->tls_on = m->set_tls || (c != NULL && c->tls);
    if (c != NULL && m->tls_cert == NULL) {
        m->tls_cert = c->tls_cert;
        m->tls_key = c->tls_key;
    }
    if (c != NULL && m->tls_ca_out == NULL) {
        m->tls_ca_out = c->tls_ca_out;
    }
}

/* Keeps the first error line of the TLS set-up (it names the file). */
static void tls_log(void *ud, int level, const char *subsys, const char *msg)
{
    struct mock_main *m = ud;

    LX_UNUSED(subsys);
    if (level <= LX_LOG_ERROR && m->tls_err[0] == '\0') {
        lx__snprintf(m->tls_err, sizeof(m->tls_err), "%s", msg);
    }
}

/*
 * Says why TLS could not be set up. The library's line about a file,
 * `tls_file_error file=F op="WHAT" reason="WHY"`, becomes "WHAT 'F': WHY";
 * any other line is printed as it is.
 */
static void tls_fail(const struct mock_main *m, int rc)
{
    const char *e = m->tls_err;
    const char *f = strstr(e, "tls_file_error file=");
    const char *op = f != NULL ? strstr(f, " op=\"") : NULL;
    const char *why = op != NULL ? strstr(op, "\" reason=\"") : NULL;
    size_t n = strlen(e);

    if (why != NULL && e[n - 1] == '"') {
        f += strlen("tls_file_error file=");
        fprintf(stderr, "lotusx-mock: TLS: %.*s '%.*s': %.*s",
                (int)(why - (op + 5)), op + 5, (int)(op - f), f,
                (int)(e + n - 1 - (why + 10)), why + 10);
        if ((strstr(op, "does not match") != NULL ||
             strstr(why, "mismatch") != NULL) &&
            m->tls_cert != NULL) {
            fprintf(stderr,
                    " (the key in '%s' does not match the "
                    "certificate in '%s')",
                    m->tls_key, m->tls_cert);
        }
        fprintf(stderr, "\n");
    } else {
        fprintf(stderr, "lotusx-mock: TLS: %s\n",
                e[0] != '\0' ? e : lx_strerror(rc));
    }
}

/*
 * Loads the certificate and key, or makes a self-signed certificate (for
 * the listen address too, unless it is a wildcard), and writes what
 * clients must trust to --tls-ca-out. The key is never written anywhere.
 */
static int setup_tls(struct mock_main *m)
{
    const char *cn = m->addr;
    int rc;

    if (m->tls_ca_out != NULL && m->tls_cert != NULL &&
        (strcmp(m->tls_ca_out, m->tls_cert) == 0 ||
         strcmp(m->tls_ca_out, m->tls_key) == 0)) {
        fprintf(stderr,
                "lotusx-mock: TLS: the CA output file '%s' is the "
                "certificate or key file\n",
                m->tls_ca_out);
        return LX_ERR_INVAL;
    }
    if ((rc = lx_ctx_new(&m->tls_ctx, NULL)) != LX_OK) {
        fprintf(stderr, "lotusx-mock: TLS: %s\n", lx_strerror(rc));
        return rc;
    }
    lx_ctx_set_log(m->tls_ctx, tls_log, m);
    if (m->tls_cert != NULL) {
        rc = lx_tls_server_new(&m->tls, m->tls_ctx, m->tls_cert, m->tls_key);
    } else {
        if (strcmp(cn, "0.0.0.0") == 0 || strcmp(cn, "::") == 0) {
            cn = "localhost";
        }
        rc = lx_tls_server_new_selfsigned(&m->tls, m->tls_ctx, cn);
        if (rc == LX_ERR_INVAL) { /* not usable as a name: the default */
            cn = "localhost";
            rc = lx_tls_server_new_selfsigned(&m->tls, m->tls_ctx, cn);
        }
        m->tls_cn = cn;
    }
    if (rc == LX_OK && m->tls_ca_out != NULL) {
        rc = lx_tls_write_cert_pem(m->tls, m->tls_ca_out);
    }
    if (rc != LX_OK) {
        tls_fail(m, rc);
    }
    lx_ctx_set_log(m->tls_ctx, NULL, NULL);
    return rc;
}

/* ---- life ---------------------------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *ud)
{
    struct mock_main *m = ud;

    LX_UNUSED(what);
    if (!m->quiet) {
        fprintf(stderr, "lotusx-mock: %s, shutting down\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    event_base_loopexit(m->base, NULL);
}

/* --replay: loads the capture; its handler serves every request. */
static int start_replay(struct mock_main *m)
{
    char err[512];
    int rc = lx_mock_replay_new(&m->replay, m->net, m->clock, m->replay_path,
                                &m->ropts, err, sizeof(err));

    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: replay %s\n", err);
        return rc;
    }
    return lx_http_server_new(&m->srv, m->net, lx_mock_replay_handle,
                              m->replay);
}

/*
 * The USD-M venue on its own port: the config's "usdm" object, else the
 * default BTCUSDT with the spot accounts' keys; then its admin API.
 */
static int start_usdm(struct mock_main *m)
{
    static const char *const test_bal[] = {"USDT", "100000", NULL};
    const struct lx_mock_cfg_usdm *u = m->have_cfg ? &m->cfg.usdm : NULL;
    struct lx_mock_bn_account_cfg accts[64];
    struct lx_mock_bn_usdm_srv_opts o;
    const char *why = "";
    int rc;

    if (u != NULL && u->has && !u->enabled) {
        return LX_OK; /* "usdm": {"enabled": false} */
    }
    memset(&o, 0, sizeof(o));
    memset(accts, 0, sizeof(accts));
    if (u != NULL && u->naccts > 0) {
        for (; o.naccts < u->naccts && o.naccts < 64; o.naccts++) {
            accts[o.naccts] = u->accts[o.naccts].cfg;
        }
    } else if (m->have_cfg && m->cfg.naccts > 0) {
        for (; o.naccts < m->cfg.naccts && o.naccts < 64; o.naccts++) {
            accts[o.naccts] = m->cfg.accts[o.naccts].cfg;
        }
    } else {
        accts[0].api_key = TEST_API_KEY;
        accts[0].secret = m->secret;
        accts[0].maker_fee = "0.0002";
        accts[0].taker_fee = "0.0005";
        accts[0].balances = test_bal;
        o.naccts = 1;
    }
    o.addr = m->addr;
    o.port = m->usdm_port;
    o.accts = accts;
    /* --no-market, else "usdm"."market", else the top-level "market" */
    o.market = m->set_market                ? 0
               : u != NULL && u->has_market ? u->market
                                            : !m->no_market;
    o.seed = m->seed;
    o.tls = m->tls;
    if (u != NULL) {
        o.syms = u->syms;
        o.gens = u->gens;
        o.rates = u->rates;
        o.leverage = u->leverage;
        o.nsyms = u->nsyms;
        o.limits = &u->limits;
        o.period_ms = u->period_ms;
    }
    rc = lx_mock_bn_usdm_srv_new(&m->usdm, m->net, m->clock, &o, &why);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: usdm: %s: %s\n", lx_strerror(rc), why);
        return rc;
    }
    rc = add_usdm_admin(m);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: usdm admin: %s\n", lx_strerror(rc));
    }
    return rc;
}

static int start(struct mock_main *m)
{
    int rc;

    rc = lx_clock_new_real(&m->clock, NULL, m->base);
    if (rc == LX_OK) {
        rc = lx_net_new(&m->net, NULL, m->base, m->clock);
    }
    if (rc == LX_OK && m->replay_path != NULL) {
        rc = start_replay(m); /* the capture answers: no venue, no admin */
    }
    if (rc == LX_OK && m->replay_path == NULL) {
        rc = lx_mock_door_new(
            &m->door, m->net, m->clock, "binance", &lx_mock_bn_dialect,
            m->have_cfg ? &m->cfg.limits : &lx_mock_bn_spot_limits);
    }
    if (rc == LX_OK && m->replay_path == NULL) {
        rc = lx_mock_bn_hub_new(
            &m->hub, m->net, m->clock,
            m->have_cfg && m->cfg.has_streams ? &m->cfg.streams : NULL);
    }
    if (rc == LX_OK && m->replay_path == NULL) {
        rc = add_admin(m);
    }
    if (rc == LX_OK && m->replay_path == NULL) {
        lx_mock_door_set_upgrade(m->door, lx_mock_bn_hub_upgrade, m->hub);
        rc = setup_venue(m);
    }
    if (rc == LX_OK && m->replay_path == NULL) {
        rc = lx_http_server_new(&m->srv, m->net, lx_mock_door_handle, m->door);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: cannot start: %s\n", lx_strerror(rc));
        return rc;
    }
    rc = lx_http_server_listen(m->srv, m->addr, m->port, m->tls);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: cannot listen on %s port %u: %s\n",
                m->addr, (unsigned)m->port,
                rc == LX_ERR_INVAL ? "not an IPv4 or IPv6 address"
                                   : "address in use or not available");
        return rc;
    }
    m->sigint = evsignal_new(m->base, SIGINT, on_signal, m);
    m->sigterm = evsignal_new(m->base, SIGTERM, on_signal, m);
    if (m->sigint == NULL || m->sigterm == NULL ||
        event_add(m->sigint, NULL) != 0 || event_add(m->sigterm, NULL) != 0) {
        fprintf(stderr, "lotusx-mock: cannot install signal handlers\n");
        return LX_ERR_INTERNAL;
    }
    return m->replay_path == NULL ? start_usdm(m) : LX_OK;
}

static void stop(struct mock_main *m)
{
    if (m->sigint != NULL) {
        event_free(m->sigint);
    }
    if (m->sigterm != NULL) {
        event_free(m->sigterm);
    }
    lx_http_server_free(m->srv);
    lx_mock_bn_usdm_srv_free(m->usdm);
    lx_mock_admin_free(m->usdm_admin); /* after the USD-M server */
    while (m->nusdm_secrets > 0) {
        m->nusdm_secrets--;
        EVP_PKEY_free(m->usdm_pks[m->nusdm_secrets]);
        lx_secret_free(m->usdm_secrets[m->nusdm_secrets]);
    }
    lx_mock_replay_free(m->replay);
    lx_mock_synth_free(m->synth);
    lx_mock_bn_spot_free(m->spot);
    lx_mock_bn_hub_free(m->hub);
    lx_mock_door_free(m->door);
    lx_mock_admin_free(m->admin);
    lx_secret_free(m->secret);
    lx_secret_free(m->mm_secret);
    lx_tls_free(m->tls); /* after the servers; connections hold their own */
    lx_ctx_free(m->tls_ctx);
    if (m->have_cfg) {
        lx_mock_config_free(&m->cfg); /* after the venue: it borrows secrets */
    }
    lx_net_free(m->net);
    lx_clock_free(m->clock);
    if (m->base != NULL) {
        event_base_loop(m->base, EVLOOP_NONBLOCK);
        event_base_free(m->base);
    }
}

/* The start-up banner's market lines; config secrets are never printed. */
static void print_market(const struct mock_main *m)
{
    size_t i;

    if (m->have_cfg && m->cfg.naccts > 0) {
        printf("accounts %zu from %s (secrets not shown)\n", m->cfg.naccts,
               m->config_path);
    } else {
        printf("api key %s\nsecret  %s\n", TEST_API_KEY, TEST_SECRET);
    }
    printf("symbols");
    if (m->have_cfg && m->cfg.nsyms > 0) {
        for (i = 0; i < m->cfg.nsyms; i++) {
            printf(" %s", m->cfg.syms[i].symbol);
        }
    } else {
        printf(" BTCUSDT ETHUSDT");
    }
    printf("%s\n", m->no_market ? " (no synthetic market)" : "");
}

/* The banner's TLS line: what is served; the key is never shown. */
static void print_tls(const struct mock_main *m)
{
    if (m->tls_cert != NULL) {
        printf("tls     certificate %s", m->tls_cert);
    } else {
        printf("tls     self-signed certificate for localhost 127.0.0.1 ::1");
        if (strcmp(m->tls_cn, "localhost") != 0 &&
            strcmp(m->tls_cn, "127.0.0.1") != 0 &&
            strcmp(m->tls_cn, "::1") != 0) {
            printf(" %s", m->tls_cn);
        }
    }
    if (m->tls_ca_out != NULL) {
        printf(", trust %s", m->tls_ca_out);
    }
    printf("\n");
}

/* The start-up banner of --replay: what the capture holds. */
static void print_replay(const struct mock_main *m, const char *host)
{
    struct lx_mock_replay_stats st;

    lx_mock_replay_stats(m->replay, &st);
    printf("streams %s://%s/ws (and /stream?streams=...)\n",
           m->tls != NULL ? "wss" : "ws", host);
    printf("replay  %s: %zu frames on %zu streams, %zu closes, %zu HTTP "
           "exchanges, speed %lld.%03lld\n",
           m->replay_path, st.frames, st.streams, st.closes, st.exchanges,
           (long long)(m->ropts.speed_milli / 1000),
           (long long)(m->ropts.speed_milli % 1000));
}

int main(int argc, char **argv)
{
    struct mock_main m;
    const char *http;
    char host[80];
    int rc, v6;

    memset(&m, 0, sizeof(m));
    m.addr = "127.0.0.1";
    m.seed = 1;
    lx_mock_replay_opts_init(&m.ropts);
    rc = parse_args(&m, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    if (m.set_replay_opt && m.replay_path == NULL) {
        fprintf(stderr, "lotusx-mock: --speed, --from, --to and --paused "
                        "need --replay FILE\n");
        return 2;
    }
    if (m.config_path != NULL && load_config(&m) != LX_OK) {
        return 2;
    }
    resolve_tls(&m);
    if (m.tls_on && setup_tls(&m) != LX_OK) {
        stop(&m);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    m.base = event_base_new();
    if (m.base == NULL || start(&m) != LX_OK) {
        stop(&m);
        return 1;
    }
    v6 = strchr(m.addr, ':') != NULL;
    lx__snprintf(host, sizeof(host), "%s%s%s:%u", v6 ? "[" : "", m.addr,
                 v6 ? "]" : "", (unsigned)lx_http_server_port(m.srv));
    http = m.tls != NULL ? "https" : "http";
    printf("binance %s://%s\n", http, host);
    if (m.usdm != NULL) {
        printf("binanceusdm %s://%s%s%s:%u\n", http, v6 ? "[" : "", m.addr,
               v6 ? "]" : "", (unsigned)lx_mock_bn_usdm_srv_port(m.usdm));
    }
    if (!m.quiet && m.replay != NULL) {
        print_replay(&m, host);
    } else if (!m.quiet) {
        printf("streams %s://%s/ws (and /stream?streams=...)\n",
               m.tls != NULL ? "wss" : "ws", host);
        printf("admin   %s://%s" LX_MOCK_ADMIN_PREFIX "health\n", http, host);
        print_market(&m);
    }
    if (!m.quiet && m.tls != NULL) {
        print_tls(&m);
    }
    fflush(stdout);
    event_base_dispatch(m.base);
    stop(&m);
    return 0;
}
