/*
 * usdm_srv.c - the USD-M venue as lotusx-mock serves it: its own door
 * (Binance dialect, USD-M rate limits), HTTP server and port, the default
 * BTCUSDT perpetual, the shared accounts, funding every 8 h of the clock,
 * and a small seeded market: each second a maker requotes five levels a
 * side around a random-walk reference, the mark is set to it, and half
 * the time a taker sends a small market order.
 *
 * Market streams are on the same port (its own hub); there is no admin
 * API on it (the spot port keeps that) and no user-data stream yet.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

#define MM_LEVELS 5
#define MM_REF    600000 /* 60000.0 in 0.1 ticks */

/* Binance USD-M's published limits (exchangeInfo rateLimits). */
static const struct lx_mock_limits usdm_limits = {2400, 300, 0, 2, 120};

/* USD-M streams: pings every 3 min, 24 h connections, 10 messages/s. */
static const struct lx_mock_bn_hub_opts usdm_hub = {
    (int64_t)180 * 1000000000, (int64_t)24 * 3600 * 1000000000, 1024, 10, 0};

static const struct lx_mock_bn_symbol_cfg usdm_btc = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

struct lx_mock_bn_usdm_srv {
    struct lx_mock_door *door;
    struct lx_mock_bn_usdm *venue;
    struct lx_mock_bn_hub *hub;
    struct lx_http_server *srv;
    struct lx_timer *mm_timer;
    struct lx_secret *mm_secret, *tk_secret;
    struct lx_rng rng;
    uint32_t maker, taker;
    int64_t ref; /* reference price, ticks */
};

static void fmt_ticks(char *buf, size_t n, int64_t ticks)
{
    lx__snprintf(buf, n, "%lld.%lld", (long long)(ticks / 10),
                 (long long)(ticks % 10));
}

/* Requotes the maker around a moved reference; the mark follows. */
static void mm_cb(struct lx_timer *t, void *ud)
{
    struct lx_mock_bn_usdm_srv *s = ud;
    char px[32], qty[16];
    int i, rej;

    (void)t;
    s->ref += lx_rng_range(&s->rng, -20, 20);
    if (s->ref < 10000) {
        s->ref = 10000;
    }
    (void)lx_mock_bn_usdm_cancel_all(s->venue, s->maker, "BTCUSDT");
    for (i = 1; i <= MM_LEVELS; i++) {
        lx__snprintf(qty, sizeof(qty), "0.%03lld",
                     (long long)lx_rng_range(&s->rng, 10, 500));
        fmt_ticks(px, sizeof(px), s->ref - i * 5);
        (void)lx_mock_bn_usdm_place(s->venue, s->maker, "BTCUSDT", "BUY",
                                    "LIMIT", px, qty, &rej);
        fmt_ticks(px, sizeof(px), s->ref + i * 5);
        (void)lx_mock_bn_usdm_place(s->venue, s->maker, "BTCUSDT", "SELL",
                                    "LIMIT", px, qty, &rej);
    }
    fmt_ticks(px, sizeof(px), s->ref);
    (void)lx_mock_bn_usdm_set_mark(s->venue, "BTCUSDT", px);
    if (lx_rng_below(&s->rng, 2) == 0) { /* half the time a taker trades */
        lx__snprintf(qty, sizeof(qty), "0.%03lld",
                     (long long)lx_rng_range(&s->rng, 1, 50));
        (void)lx_mock_bn_usdm_place(s->venue, s->taker, "BTCUSDT",
                                    lx_rng_below(&s->rng, 2) ? "BUY" : "SELL",
                                    "MARKET", NULL, qty, &rej);
    }
}

static int add_maker(struct lx_mock_bn_usdm_srv *s, struct lx_clock *clock,
                     uint64_t seed, const char **why)
{
    static const char *const bal[] = {"USDT", "1000000000", NULL};
    struct lx_mock_bn_account_cfg a;
    char key[40];
    int rc;

    lx_rng_seed(&s->rng, seed ^ UINT64_C(0x5553444d)); /* "USDM" */
    lx__snprintf(key, sizeof(key), "usdm-mm-%016llx",
                 (unsigned long long)lx_rng_next(&s->rng));
    rc = lx_secret_new(&s->mm_secret, NULL, key, strlen(key));
    memset(&a, 0, sizeof(a));
    a.api_key = key;
    a.secret = s->mm_secret;
    a.maker_fee = "0";
    a.taker_fee = "0";
    a.balances = bal;
    rc = rc != LX_OK
             ? rc
             : lx_mock_bn_usdm_add_account(s->venue, &a, &s->maker, why);
    lx__snprintf(key, sizeof(key), "usdm-tk-%016llx",
                 (unsigned long long)lx_rng_next(&s->rng));
    rc =
        rc != LX_OK ? rc : lx_secret_new(&s->tk_secret, NULL, key, strlen(key));
    a.secret = s->tk_secret;
    rc = rc != LX_OK
             ? rc
             : lx_mock_bn_usdm_add_account(s->venue, &a, &s->taker, why);
    rc = rc != LX_OK ? rc : lx_timer_new(&s->mm_timer, clock, mm_cb, s);
    s->ref = MM_REF;
    if (rc == LX_OK) {
        mm_cb(s->mm_timer, s);
        rc = lx_timer_start(s->mm_timer, 1000000000, 1000000000);
    }
    return rc;
}

static int setup(struct lx_mock_bn_usdm_srv *s, struct lx_net *net,
                 struct lx_clock *clock,
                 const struct lx_mock_bn_usdm_srv_opts *o, const char **why)
{
    size_t i;
    int rc;

    rc = lx_mock_door_new(&s->door, net, clock, "binanceusdm",
                          &lx_mock_bn_dialect, &usdm_limits);
    rc = rc != LX_OK ? rc : lx_mock_bn_hub_new(&s->hub, net, clock, &usdm_hub);
    rc = rc != LX_OK ? rc : lx_mock_bn_usdm_new(&s->venue, clock, s->door, why);
    rc =
        rc != LX_OK ? rc : lx_mock_bn_usdm_add_symbol(s->venue, &usdm_btc, why);
    for (i = 0; rc == LX_OK && i < o->naccts; i++) {
        rc = lx_mock_bn_usdm_add_account(s->venue, &o->accts[i], NULL, why);
    }
    if (rc == LX_OK && o->market) {
        rc = add_maker(s, clock, o->seed, why);
    }
    rc = rc != LX_OK ? rc : lx_mock_bn_usdm_set_hub(s->venue, s->hub);
    if (rc == LX_OK) {
        lx_mock_door_set_upgrade(s->door, lx_mock_bn_hub_upgrade, s->hub);
        lx_mock_bn_hub_set_faults(s->hub, lx_mock_door_faults(s->door));
    }
    rc = rc != LX_OK ? rc : lx_mock_bn_usdm_start(s->venue);
    rc = rc != LX_OK
             ? rc
             : lx_http_server_new(&s->srv, net, lx_mock_door_handle, s->door);
    if (rc == LX_OK) {
        rc = lx_http_server_listen(s->srv, o->addr, o->port, o->tls);
        if (rc != LX_OK && why != NULL) {
            *why = "cannot listen (address in use or not available)";
        }
    }
    return rc;
}

int lx_mock_bn_usdm_srv_new(struct lx_mock_bn_usdm_srv **out,
                            struct lx_net *net, struct lx_clock *clock,
                            const struct lx_mock_bn_usdm_srv_opts *o,
                            const char **why)
{
    struct lx_mock_bn_usdm_srv *s;
    int rc;

    if (out == NULL || net == NULL || clock == NULL || o == NULL ||
        o->addr == NULL) {
        return LX_ERR_INVAL;
    }
    s = lx__calloc(NULL, 1, sizeof(*s));
    *out = s;
    if (s == NULL) {
        return LX_ERR_NOMEM;
    }
    rc = setup(s, net, clock, o, why);
    if (rc != LX_OK) {
        lx_mock_bn_usdm_srv_free(s);
        *out = NULL;
    }
    return rc;
}

uint16_t lx_mock_bn_usdm_srv_port(const struct lx_mock_bn_usdm_srv *s)
{
    return s != NULL && s->srv != NULL ? lx_http_server_port(s->srv) : 0;
}

struct lx_mock_bn_usdm *lx_mock_bn_usdm_srv_venue(struct lx_mock_bn_usdm_srv *s)
{
    return s != NULL ? s->venue : NULL;
}

void lx_mock_bn_usdm_srv_free(struct lx_mock_bn_usdm_srv *s)
{
    if (s == NULL) {
        return;
    }
    lx_http_server_free(s->srv);
    lx_timer_free(s->mm_timer);
    lx_mock_bn_usdm_free(s->venue);
    lx_mock_bn_hub_free(s->hub);
    lx_mock_door_free(s->door);
    lx_secret_free(s->mm_secret);
    lx_secret_free(s->tk_secret);
    lx__free(NULL, s);
}
