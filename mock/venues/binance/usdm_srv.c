/*
 * usdm_srv.c - the USD-M venue as lotusx-mock serves it: its own door
 * (Binance dialect, USD-M rate limits), HTTP server and port, the default
 * BTCUSDT perpetual, the shared accounts, funding every 8 h of the clock,
 * and a small seeded market: each second a maker requotes five levels a
 * side around a random-walk reference, the mark is set to it, and half
 * the time a taker sends a small market order.
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
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

#define MM_MAX 8 /* symbols with a maker (the venue's symbol limit) */

/* Binance USD-M's published limits (exchangeInfo rateLimits). */
const struct lx_mock_limits lx_mock_bn_usdm_limits = {2400, 300, 0, 2, 120};

/* USD-M streams: pings every 3 min, 24 h connections, 10 messages/s. */
static const struct lx_mock_bn_hub_opts usdm_hub = {
    (int64_t)180 * 1000000000, (int64_t)24 * 3600 * 1000000000, 1024, 10, 0};

static const struct lx_mock_bn_symbol_cfg usdm_btc = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

static const struct lx_mock_bn_usdm_gen usdm_btc_gen = {
    "60000.0", "0.5", "0.05", 5, 5, 20};

#define FUNDING_MS ((int64_t)8 * 3600 * 1000)

/* The maker of one symbol, in ticks and lots. */
struct mm_sym {
    const char *symbol;
    struct lx_decimal tick, lot;
    int64_t ref, floor;       /* reference price and its lowest value, ticks */
    int64_t qmin, qmax, tmax; /* level sizes, taker size, lots */
    int levels, spacing, walk;
};

struct lx_mock_bn_usdm_srv {
    struct lx_mock_door *door;
    struct lx_mock_bn_usdm *venue;
    struct lx_mock_bn_hub *hub;
    struct lx_http_server *srv;
    struct lx_timer *mm_timer;
    struct lx_secret *mm_secret, *tk_secret;
    struct lx_rng rng;
    uint32_t maker, taker;
    struct mm_sym mm[MM_MAX];
    size_t nmm;
    int64_t period_ns; /* of the maker */
};

static void fmt_steps(char *buf, size_t n, int64_t steps, struct lx_decimal st)
{
    struct lx_decimal d;

    if (lx_decimal_from_ticks(steps, st, &d) != LX_OK ||
        lx_decimal_format(d, buf, n) < 0) {
        buf[0] = '\0';
    }
}

/* Requotes one symbol around a moved reference; the mark follows. */
static void mm_step(struct lx_mock_bn_usdm_srv *s, struct mm_sym *m)
{
    char px[48], qty[48];
    int i, rej;

    m->ref += lx_rng_range(&s->rng, -m->walk, m->walk);
    if (m->ref < m->floor) {
        m->ref = m->floor;
    }
    (void)lx_mock_bn_usdm_cancel_all(s->venue, s->maker, m->symbol);
    for (i = 1; i <= m->levels; i++) {
        fmt_steps(qty, sizeof(qty), lx_rng_range(&s->rng, m->qmin, m->qmax),
                  m->lot);
        fmt_steps(px, sizeof(px), m->ref - i * m->spacing, m->tick);
        (void)lx_mock_bn_usdm_place(s->venue, s->maker, m->symbol, "BUY",
                                    "LIMIT", px, qty, &rej);
        fmt_steps(px, sizeof(px), m->ref + i * m->spacing, m->tick);
        (void)lx_mock_bn_usdm_place(s->venue, s->maker, m->symbol, "SELL",
                                    "LIMIT", px, qty, &rej);
    }
    fmt_steps(px, sizeof(px), m->ref, m->tick);
    (void)lx_mock_bn_usdm_set_mark(s->venue, m->symbol, px);
    if (lx_rng_below(&s->rng, 2) == 0) { /* half the time a taker trades */
        fmt_steps(qty, sizeof(qty), lx_rng_range(&s->rng, 1, m->tmax), m->lot);
        (void)lx_mock_bn_usdm_place(s->venue, s->taker, m->symbol,
                                    lx_rng_below(&s->rng, 2) ? "BUY" : "SELL",
                                    "MARKET", NULL, qty, &rej);
    }
}

static void mm_cb(struct lx_timer *t, void *ud)
{
    struct lx_mock_bn_usdm_srv *s = ud;
    size_t i;

    (void)t;
    for (i = 0; i < s->nmm; i++) {
        mm_step(s, &s->mm[i]);
    }
}

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

    if (advanced_ns > 0) {
        if (s->nmm > 0) {
            mm_cb(s->mm_timer, s);
        }
        fund_crossed(s, now - advanced_ns / 1000000, now);
    }
    if (frozen) {
        lx_timer_stop(s->mm_timer);
        lx_mock_bn_usdm_stop(s->venue);
    } else {
        if (s->mm_timer != NULL) {
            (void)lx_timer_start(s->mm_timer, s->period_ns, s->period_ns);
        }
        (void)lx_mock_bn_usdm_start(s->venue);
    }
}

/* Lots of a decimal quantity (at least one), or -1 when it does not fit. */
static int64_t lots_of(const char *q, struct lx_decimal lot)
{
    struct lx_decimal d, r;
    int64_t n;

    if (lx_decimal_parse(q, strlen(q), &d) != LX_OK ||
        lx_decimal_round_to_step(d, lot, LX_ROUND_DOWN, &r) != LX_OK ||
        lx_decimal_to_ticks(r, lot, &n) != LX_OK) {
        return -1;
    }
    return n < 1 ? 1 : n;
}

/* The maker of symbol c from g (defaults filled in). */
static int mm_add(struct lx_mock_bn_usdm_srv *s,
                  const struct lx_mock_bn_symbol_cfg *c,
                  const struct lx_mock_bn_usdm_gen *g, const char **why)
{
    struct mm_sym *m = &s->mm[s->nmm];
    struct lx_decimal mid;
    int64_t qmax;

    memset(m, 0, sizeof(*m));
    m->symbol = c->symbol;
    m->levels = g->levels > 0 ? g->levels : 5;
    m->spacing = g->spacing_ticks > 0 ? g->spacing_ticks : 5;
    m->walk = g->walk_ticks > 0 ? g->walk_ticks : 20;
    if (lx_decimal_parse(c->tick_size, strlen(c->tick_size), &m->tick) !=
            LX_OK ||
        lx_decimal_parse(c->lot_size, strlen(c->lot_size), &m->lot) != LX_OK ||
        lx_decimal_parse(g->start_mid, strlen(g->start_mid), &mid) != LX_OK ||
        lx_decimal_to_ticks(mid, m->tick, &m->ref) != LX_OK || m->ref <= 0 ||
        (qmax = lots_of(g->level_qty != NULL ? g->level_qty : "0.5", m->lot)) <
            0 ||
        (m->tmax = lots_of(g->taker_qty != NULL ? g->taker_qty : "0.05",
                           m->lot)) < 0) {
        if (why != NULL) {
            *why = "maker start_mid is not a multiple of the tick size, or "
                   "its sizes do not fit the lot size";
        }
        return LX_ERR_CONFIG;
    }
    m->qmax = qmax;
    m->qmin = qmax / 50 > 0 ? qmax / 50 : 1;
    m->floor = m->ref / 60;
    if (m->floor < (int64_t)m->levels * m->spacing + 1) {
        m->floor = (int64_t)m->levels * m->spacing + 1;
    }
    s->nmm++;
    return LX_OK;
}

static int add_maker(struct lx_mock_bn_usdm_srv *s, struct lx_clock *clock,
                     uint64_t seed, const char **why)
{
    static const char *const bal[] = {"USDT", "1000000000", NULL};
    struct lx_mock_bn_account_cfg a;
    const char *balm[3];
    uint8_t secret[32];
    struct lx_rng srng;
    char key[40];
    int rc;

    balm[0] = lx_mock_bn_usdm_margin_asset(s->venue);
    balm[1] = bal[1];
    balm[2] = NULL;
    lx_rng_seed(&s->rng, seed ^ UINT64_C(0x5553444d));     /* "USDM" */
    lx_rng_seed(&srng, seed ^ UINT64_C(0x5553444d736563)); /* secrets */
    lx__snprintf(key, sizeof(key), "usdm-mm-%016llx",
                 (unsigned long long)lx_rng_next(&s->rng));
    lx_rng_fill(&srng, secret, sizeof(secret));
    rc = lx_secret_new(&s->mm_secret, NULL, secret, sizeof(secret));
    memset(&a, 0, sizeof(a));
    a.api_key = key;
    a.secret = s->mm_secret;
    a.maker_fee = "0";
    a.taker_fee = "0";
    a.balances = balm;
    rc = rc != LX_OK
             ? rc
             : lx_mock_bn_usdm_add_account(s->venue, &a, &s->maker, why);
    lx__snprintf(key, sizeof(key), "usdm-tk-%016llx",
                 (unsigned long long)lx_rng_next(&s->rng));
    lx_rng_fill(&srng, secret, sizeof(secret));
    rc = rc != LX_OK
             ? rc
             : lx_secret_new(&s->tk_secret, NULL, secret, sizeof(secret));
    a.secret = s->tk_secret;
    rc = rc != LX_OK
             ? rc
             : lx_mock_bn_usdm_add_account(s->venue, &a, &s->taker, why);
    rc = rc != LX_OK ? rc : lx_timer_new(&s->mm_timer, clock, mm_cb, s);
    if (rc == LX_OK) {
        mm_cb(s->mm_timer, s);
        rc = lx_timer_start(s->mm_timer, s->period_ns, s->period_ns);
    }
    return rc;
}

/* The symbols (the default BTCUSDT without any) and their makers. */
static int add_symbols(struct lx_mock_bn_usdm_srv *s,
                       const struct lx_mock_bn_usdm_srv_opts *o,
                       const char **why)
{
    const struct lx_mock_bn_symbol_cfg *syms =
        o->nsyms > 0 ? o->syms : &usdm_btc;
    size_t i, n = o->nsyms > 0 ? o->nsyms : 1;
    int rc = LX_OK;

    for (i = 0; rc == LX_OK && i < n; i++) {
        const struct lx_mock_bn_usdm_gen *g = o->nsyms == 0     ? &usdm_btc_gen
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
            s->nmm < MM_MAX) {
            rc = mm_add(s, &syms[i], g, why);
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
    rc = rc != LX_OK ? rc : add_symbols(s, o, why);
    for (i = 0; rc == LX_OK && i < o->naccts; i++) {
        rc = lx_mock_bn_usdm_add_account(s->venue, &o->accts[i], NULL, why);
    }
    if (rc == LX_OK && s->nmm > 0) {
        rc = add_maker(s, clock, o->seed, why);
    }
    rc = rc != LX_OK ? rc : set_leverage(s, o, why);
    rc = rc != LX_OK ? rc : lx_mock_bn_usdm_set_hub(s->venue, s->hub);
    if (rc == LX_OK) {
        lx_mock_door_set_upgrade(s->door, lx_mock_bn_hub_upgrade, s->hub);
        lx_mock_bn_hub_set_faults(s->hub, lx_mock_door_faults(s->door));
        lx_mock_door_on_clock(s->door, srv_clock, s,
                              s->nmm > 0 ? s->period_ns : 0);
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
    struct lx_decimal d;
    int64_t ticks = 0;
    size_t i;
    int rc;

    if (s == NULL || symbol == NULL || price == NULL) {
        return LX_ERR_INVAL;
    }
    if (!lx_mock_bn_usdm_has_symbol(s->venue, symbol)) {
        return LX_ERR_NOTFOUND;
    }
    rc = lx_mock_bn_usdm_set_mark(s->venue, symbol, price);
    for (i = 0; rc == LX_OK && i < s->nmm; i++) {
        if (strcmp(s->mm[i].symbol, symbol) == 0 &&
            lx_decimal_parse(price, strlen(price), &d) == LX_OK &&
            lx_decimal_to_ticks(d, s->mm[i].tick, &ticks) == LX_OK) {
            s->mm[i].ref = ticks; /* the maker requotes around it next */
        }
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
        int stepping = s->nmm > 0 && steps < LX_MOCK_CLOCK_MAX_STEPS;

        if (b > 0 && b < chunk) {
            chunk = b;
        }
        lx_mock_door_on_clock(s->door, srv_clock, s, stepping ? step : 0);
        rc = lx_mock_door_advance(s->door, chunk);
        steps += stepping ? chunk * 1000000 / step + 1 : 0;
        left -= chunk;
    }
    lx_mock_door_on_clock(s->door, srv_clock, s, s->nmm > 0 ? step : 0);
    return rc;
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
