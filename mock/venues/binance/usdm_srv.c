/*
 * usdm_srv.c - the USD-M venue as lotusx-mock serves it: its own door
 * (Binance dialect, USD-M rate limits), HTTP server and port, the default
 * BTCUSDT perpetual, the shared accounts, funding every 8 h of the clock,
 * and a small seeded market (usdm_maker.c): each second a maker requotes
 * five levels a side around a random-walk reference, the mark is set to
 * it, and half the time a taker sends a small market order.
 *
 * Symbols, accounts, makers, limits and funding rates come from the
 * options (lotusx-mock's --config "usdm" object); without them the
 * default BTCUSDT. Market and user-data streams are on the same port (its
 * own hub). The door's clock hook stops the maker and the funding timer
 * while the clock is frozen and settles the funding instants an advance
 * crosses; lotusx-mock adds the admin API (main.c) and keeps this door's
 * clock with the spot door's.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_net.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"
#include "mock/venues/binance/usdm_maker.h"

/* Binance USD-M's published limits (exchangeInfo rateLimits). */
const struct lx_mock_limits lx_mock_bn_usdm_limits = {2400, 300, 0, 2, 120};

/* USD-M streams: pings every 3 min, 24 h connections, 10 messages/s. */
static const struct lx_mock_bn_hub_opts usdm_hub = {
    (int64_t)180 * 1000000000, (int64_t)24 * 3600 * 1000000000, 1024, 10, 0};

static const struct lx_mock_bn_symbol_cfg usdm_btc = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

#define FUNDING_MS ((int64_t)8 * 3600 * 1000)

struct lx_mock_bn_usdm_srv {
    struct lx_mock_door *door;
    struct lx_mock_bn_usdm *venue;
    struct lx_mock_bn_hub *hub;
    struct lx_http_server *srv;
    struct lx_mock_bn_usdm_maker *mm; /* NULL: no symbol has a maker */
    int64_t period_ns;                /* of the maker */
};

/* Settles funding once per 00/08/16 UTC instant in (before, now], ms. */
static void fund_crossed(struct lx_mock_bn_usdm_srv *s, int64_t before,
                         int64_t now)
{
    int64_t k;

    if (before < 0 || now < 0) {
        return;
    }
    for (k = before / FUNDING_MS + 1; k * FUNDING_MS <= now; k++) {
        (void)lx_mock_bn_usdm_fund(s->venue);
    }
}

/*
 * Follows the mock's clock (the door's hook): frozen, the maker and the
 * funding timer stop; each advance step requotes once and settles the
 * funding instants it crossed; running, both timers restart from now.
 */
static void srv_clock(int frozen, int64_t advanced_ns, void *ud)
{
    struct lx_mock_bn_usdm_srv *s = ud;
    int64_t now = lx_mock_door_now_ms(s->door);

    lx_mock_bn_usdm_maker_clock(frozen, advanced_ns, s->mm);
    if (advanced_ns > 0) {
        fund_crossed(s, now - advanced_ns / 1000000, now);
    }
    if (frozen) {
        lx_mock_bn_usdm_stop(s->venue);
    } else {
        (void)lx_mock_bn_usdm_start(s->venue);
    }
}

/* The symbols (the default BTCUSDT without any) and their makers. */
static int add_symbols(struct lx_mock_bn_usdm_srv *s, struct lx_clock *clock,
                       const struct lx_mock_bn_usdm_srv_opts *o,
                       const char **why)
{
    const struct lx_mock_bn_symbol_cfg *syms =
        o->nsyms > 0 ? o->syms : &usdm_btc;
    size_t i, n = o->nsyms > 0 ? o->nsyms : 1;
    int rc = LX_OK;

    for (i = 0; rc == LX_OK && i < n; i++) {
        const struct lx_mock_bn_usdm_gen *g = o->nsyms == 0
                                                  ? &lx_mock_bn_usdm_gen_btc
                                              : o->gens != NULL ? &o->gens[i]
                                                                : NULL;

        if (i > 0 && strcmp(syms[i].quote, syms[0].quote) != 0) {
            if (why != NULL) {
                *why = "every USD-M symbol must have the margin asset of the "
                       "first";
            }
            return LX_ERR_CONFIG;
        }
        rc = lx_mock_bn_usdm_add_symbol(s->venue, &syms[i], why);
        if (rc == LX_OK && o->rates != NULL && o->rates[i] != NULL &&
            lx_mock_bn_usdm_set_funding_rate(s->venue, syms[i].symbol,
                                             o->rates[i]) != LX_OK) {
            if (why != NULL) {
                *why = "bad funding rate";
            }
            rc = LX_ERR_CONFIG;
        }
        if (rc == LX_OK && o->market && g != NULL && g->start_mid != NULL &&
            lx_mock_bn_usdm_maker_count(s->mm) < LX_MOCK_BN_USDM_MAKER_MAX) {
            rc = s->mm != NULL
                     ? LX_OK
                     : lx_mock_bn_usdm_maker_new(&s->mm, s->venue, clock,
                                                 o->seed, s->period_ns);
            rc = rc != LX_OK
                     ? rc
                     : lx_mock_bn_usdm_maker_add(s->mm, syms[i].symbol, g, why);
        }
    }
    return rc;
}

/* Every account's starting leverage on the symbols that set one. */
static int set_leverage(struct lx_mock_bn_usdm_srv *s,
                        const struct lx_mock_bn_usdm_srv_opts *o,
                        const char **why)
{
    size_t i;

    for (i = 0; o->leverage != NULL && i < o->nsyms; i++) {
        if (o->leverage[i] != 0 &&
            lx_mock_bn_usdm_set_leverage_all(s->venue, o->syms[i].symbol,
                                             o->leverage[i]) != LX_OK) {
            if (why != NULL) {
                *why = "leverage refused";
            }
            return LX_ERR_CONFIG;
        }
    }
    return LX_OK;
}

static int setup(struct lx_mock_bn_usdm_srv *s, struct lx_net *net,
                 struct lx_clock *clock,
                 const struct lx_mock_bn_usdm_srv_opts *o, const char **why)
{
    size_t i;
    int rc;

    s->period_ns = (o->period_ms > 0 ? o->period_ms : 1000) * 1000000;
    rc = lx_mock_door_new(
        &s->door, net, clock, "binanceusdm", &lx_mock_bn_dialect,
        o->limits != NULL ? o->limits : &lx_mock_bn_usdm_limits);
    rc = rc != LX_OK ? rc : lx_mock_bn_hub_new(&s->hub, net, clock, &usdm_hub);
    rc = rc != LX_OK ? rc : lx_mock_bn_usdm_new(&s->venue, clock, s->door, why);
    rc = rc != LX_OK ? rc : add_symbols(s, clock, o, why);
    for (i = 0; rc == LX_OK && i < o->naccts; i++) {
        rc = lx_mock_bn_usdm_add_account(s->venue, &o->accts[i], NULL, why);
    }
    if (rc == LX_OK && s->mm != NULL) {
        rc = lx_mock_bn_usdm_maker_accounts(s->mm, why);
        rc = rc != LX_OK ? rc : lx_mock_bn_usdm_maker_start(s->mm);
    }
    rc = rc != LX_OK ? rc : set_leverage(s, o, why);
    rc = rc != LX_OK ? rc : lx_mock_bn_usdm_set_hub(s->venue, s->hub);
    if (rc == LX_OK) {
        lx_mock_door_set_upgrade(s->door, lx_mock_bn_hub_upgrade, s->hub);
        lx_mock_bn_hub_set_faults(s->hub, lx_mock_door_faults(s->door));
        lx_mock_door_on_clock(s->door, srv_clock, s,
                              s->mm != NULL ? s->period_ns : 0);
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

struct lx_mock_door *lx_mock_bn_usdm_srv_door(struct lx_mock_bn_usdm_srv *s)
{
    return s != NULL ? s->door : NULL;
}

int lx_mock_bn_usdm_srv_set_mark(struct lx_mock_bn_usdm_srv *s,
                                 const char *symbol, const char *price)
{
    int rc;

    if (s == NULL || symbol == NULL || price == NULL) {
        return LX_ERR_INVAL;
    }
    if (!lx_mock_bn_usdm_has_symbol(s->venue, symbol)) {
        return LX_ERR_NOTFOUND;
    }
    rc = lx_mock_bn_usdm_set_mark(s->venue, symbol, price);
    if (rc == LX_OK) {
        lx_mock_bn_usdm_maker_set_ref(s->mm, symbol, price);
    }
    return rc;
}

/*
 * Moves the door's clock forward by ms, stopping at every funding instant
 * on the way so that funding is settled at that very instant. The maker
 * steps once per period for at most LX_MOCK_CLOCK_MAX_STEPS periods in
 * all; the rest goes in jumps (one requote and the funding per jump).
 */
int lx_mock_bn_usdm_srv_advance(struct lx_mock_bn_usdm_srv *s, int64_t ms)
{
    int64_t left = ms, steps = 0, step = s != NULL ? s->period_ns : 0;
    int rc = LX_OK;

    if (s == NULL || ms < 0 || ms > INT64_C(10) * 365 * 86400000) {
        return LX_ERR_INVAL;
    }
    if (ms == 0) {
        return lx_mock_door_advance(s->door, 0);
    }
    while (rc == LX_OK && left > 0) {
        int64_t chunk = left, b = lx_mock_bn_usdm_next_funding_ms(s->venue) -
                                  lx_mock_door_now_ms(s->door);
        int stepping = s->mm != NULL && steps < LX_MOCK_CLOCK_MAX_STEPS;

        if (b > 0 && b < chunk) {
            chunk = b;
        }
        lx_mock_door_on_clock(s->door, srv_clock, s, stepping ? step : 0);
        rc = lx_mock_door_advance(s->door, chunk);
        steps += stepping ? chunk * 1000000 / step + 1 : 0;
        left -= chunk;
    }
    lx_mock_door_on_clock(s->door, srv_clock, s, s->mm != NULL ? step : 0);
    return rc;
}

void lx_mock_bn_usdm_srv_free(struct lx_mock_bn_usdm_srv *s)
{
    if (s == NULL) {
        return;
    }
    lx_http_server_free(s->srv);
    lx_mock_bn_usdm_maker_free(s->mm);
    lx_mock_bn_usdm_free(s->venue);
    lx_mock_bn_hub_free(s->hub);
    lx_mock_door_free(s->door);
    lx__free(NULL, s);
}
