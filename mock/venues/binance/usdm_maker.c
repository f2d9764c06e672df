/*
 * usdm_maker.c - the USD-M venue's seeded synthetic market (see
 * usdm_maker.h). Each step, per symbol in the order added: the reference
 * walks by a draw in -walk..walk ticks (never below a floor of 1/60 of
 * the start, nor below the deepest level), the maker cancels its orders
 * and posts levels a side spacing ticks apart (one size draw per level,
 * the same on both sides), the mark is set to the reference, and a draw
 * of 0 or 1 decides whether the taker trades: if so, a size draw then a
 * side draw. The draws' order is part of the market: lotusx-mock's USD-M
 * market for a seed must not change.
 *
 * The mark goes to the engine directly (as the venue's own set-mark does)
 * so that the liquidations it causes can be counted before the venue
 * drains and publishes the events. It does not run funding, listen on a
 * port or follow a mock clock by itself; usdm_srv.c wires those.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_types.h"
#include "mock/engine/engine.h"
#include "mock/venues/binance/usdm_maker.h"

const struct lx_mock_bn_usdm_gen lx_mock_bn_usdm_gen_btc = {
    "60000.0", "0.5", "0.05", 5, 5, 20};

/* The maker of one symbol, in ticks and lots. */
struct mm_sym {
    char symbol[LX_SYMBOL_LEN];
    uint32_t inst;
    struct lx_decimal tick, lot;
    int64_t ref, floor;       /* reference price and its lowest value, ticks */
    int64_t qmin, qmax, tmax; /* level sizes, taker size, lots */
    int levels, spacing, walk;
};

struct lx_mock_bn_usdm_maker {
    struct lx_mock_bn_usdm *v;
    struct lx_clock *clock;
    struct lx_timer *timer;
    struct lx_secret *mm_secret, *tk_secret;
    struct lx_rng rng;
    uint64_t seed;
    uint32_t maker, taker;
    int have_accounts, started;
    int64_t period_ns;
    struct mm_sym sym[LX_MOCK_BN_USDM_MAKER_MAX];
    size_t nsym;
    struct lx_mock_bn_usdm_maker_stats st;
};

int lx_mock_bn_usdm_maker_new(struct lx_mock_bn_usdm_maker **out,
                              struct lx_mock_bn_usdm *v, struct lx_clock *clock,
                              uint64_t seed, int64_t period_ns)
{
    struct lx_mock_bn_usdm_maker *m;

    if (out == NULL || v == NULL || clock == NULL || period_ns <= 0) {
        return LX_ERR_INVAL;
    }
    m = lx__calloc(NULL, 1, sizeof(*m));
    *out = m;
    if (m == NULL) {
        return LX_ERR_NOMEM;
    }
    m->v = v;
    m->clock = clock;
    m->seed = seed;
    m->period_ns = period_ns;
    lx_rng_seed(&m->rng, seed ^ UINT64_C(0x5553444d)); /* "USDM" */
    return LX_OK;
}

static void fmt_steps(char *buf, size_t n, int64_t steps, struct lx_decimal st)
{
    struct lx_decimal d;

    if (lx_decimal_from_ticks(steps, st, &d) != LX_OK ||
        lx_decimal_format(d, buf, n) < 0) {
        buf[0] = '\0';
    }
}

/*
 * Sets the mark of s to ticks on the engine, counting the liquidations of
 * accounts other than the market's own, then lets the venue note the mark
 * and drain (publish) the events, as lx_mock_bn_usdm_set_mark would.
 */
static void set_mark(struct lx_mock_bn_usdm_maker *m, const struct mm_sym *s,
                     int64_t ticks)
{
    struct lx_engine *eng = lx__mbum_engine(m->v);
    const struct lx_eng_event *ev;
    uint64_t dropped = 0;
    size_t n = 0, i;

    if (lx__engine_set_mark(eng, s->inst, ticks, lx__mbum_now_ns(m->v)) ==
        LX_OK) {
        m->st.marks++;
        ev = lx__engine_events(eng, &n, &dropped);
        for (i = 0; i < n; i++) {
            if (ev[i].account == m->maker || ev[i].account == m->taker) {
                continue;
            }
            if (ev[i].type == LX_ENG_EV_LIQUIDATION) {
                m->st.liquidations++;
                m->st.liq_wallet += ev[i].a - ev[i].b; /* pnl less the fund's */
            } else if (ev[i].type == LX_ENG_EV_BALANCE &&
                       ev[i].reason == LX_ENG_BAL_INSURANCE) {
                m->st.liq_wallet += ev[i].price;
            }
        }
        lx__mbum_note_mark(m->v, s->inst, ticks);
    }
    lx__mbum_drain(m->v);
}

/* Requotes one symbol around a moved reference; the mark follows. */
static void sym_step(struct lx_mock_bn_usdm_maker *m, struct mm_sym *s)
{
    char px[48], qty[48];
    int i, rej;

    s->ref += lx_rng_range(&m->rng, -s->walk, s->walk);
    if (s->ref < s->floor) {
        s->ref = s->floor;
    }
    (void)lx_mock_bn_usdm_cancel_all(m->v, m->maker, s->symbol);
    for (i = 1; i <= s->levels; i++) {
        fmt_steps(qty, sizeof(qty), lx_rng_range(&m->rng, s->qmin, s->qmax),
                  s->lot);
        fmt_steps(px, sizeof(px), s->ref - i * s->spacing, s->tick);
        (void)lx_mock_bn_usdm_place(m->v, m->maker, s->symbol, "BUY", "LIMIT",
                                    px, qty, &rej);
        fmt_steps(px, sizeof(px), s->ref + i * s->spacing, s->tick);
        (void)lx_mock_bn_usdm_place(m->v, m->maker, s->symbol, "SELL", "LIMIT",
                                    px, qty, &rej);
    }
    set_mark(m, s, s->ref);
    if (lx_rng_below(&m->rng, 2) == 0) { /* half the time a taker trades */
        fmt_steps(qty, sizeof(qty), lx_rng_range(&m->rng, 1, s->tmax), s->lot);
        (void)lx_mock_bn_usdm_place(m->v, m->taker, s->symbol,
                                    lx_rng_below(&m->rng, 2) ? "BUY" : "SELL",
                                    "MARKET", NULL, qty, &rej);
    }
}

void lx_mock_bn_usdm_maker_step(struct lx_mock_bn_usdm_maker *m)
{
    size_t i;

    if (m == NULL || !m->have_accounts) {
        return;
    }
    for (i = 0; i < m->nsym; i++) {
        sym_step(m, &m->sym[i]);
    }
    m->st.steps++;
}

static void timer_cb(struct lx_timer *t, void *ud)
{
    (void)t;
    lx_mock_bn_usdm_maker_step(ud);
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

int lx_mock_bn_usdm_maker_add(struct lx_mock_bn_usdm_maker *m,
                              const char *symbol,
                              const struct lx_mock_bn_usdm_gen *g,
                              const char **why)
{
    struct mm_sym *s;
    struct lx_decimal mid;
    int64_t qmax;

    if (m == NULL || symbol == NULL || g == NULL) {
        return LX_ERR_INVAL;
    }
    if (m->nsym == LX_MOCK_BN_USDM_MAKER_MAX) {
        return LX_ERR_RANGE;
    }
    s = &m->sym[m->nsym];
    memset(s, 0, sizeof(*s));
    if (lx__mbum_symbol(m->v, symbol, &s->inst, &s->tick, &s->lot) != LX_OK) {
        return LX_ERR_NOTFOUND;
    }
    lx__snprintf(s->symbol, sizeof(s->symbol), "%s", symbol);
    s->levels = g->levels > 0 ? g->levels : 5;
    s->spacing = g->spacing_ticks > 0 ? g->spacing_ticks : 5;
    s->walk = g->walk_ticks > 0 ? g->walk_ticks : 20;
    if (g->start_mid == NULL ||
        lx_decimal_parse(g->start_mid, strlen(g->start_mid), &mid) != LX_OK ||
        lx_decimal_to_ticks(mid, s->tick, &s->ref) != LX_OK || s->ref <= 0 ||
        (qmax = lots_of(g->level_qty != NULL ? g->level_qty : "0.5", s->lot)) <
            0 ||
        (s->tmax = lots_of(g->taker_qty != NULL ? g->taker_qty : "0.05",
                           s->lot)) < 0) {
        if (why != NULL) {
            *why = "maker start_mid is not a multiple of the tick size, or "
                   "its sizes do not fit the lot size";
        }
        return LX_ERR_CONFIG;
    }
    s->qmax = qmax;
    s->qmin = qmax / 50 > 0 ? qmax / 50 : 1;
    s->floor = s->ref / 60;
    if (s->floor < (int64_t)s->levels * s->spacing + 1) {
        s->floor = (int64_t)s->levels * s->spacing + 1;
    }
    m->nsym++;
    return LX_OK;
}

int lx_mock_bn_usdm_maker_accounts(struct lx_mock_bn_usdm_maker *m,
                                   const char **why)
{
    struct lx_mock_bn_account_cfg a;
    const char *bal[3];
    uint8_t secret[32];
    struct lx_rng srng;
    char key[40];
    int rc;

    if (m == NULL || m->have_accounts) {
        return LX_ERR_INVAL;
    }
    bal[0] = lx_mock_bn_usdm_margin_asset(m->v);
    bal[1] = "1000000000";
    bal[2] = NULL;
    lx_rng_seed(&srng, m->seed ^ UINT64_C(0x5553444d736563)); /* secrets */
    lx__snprintf(key, sizeof(key), "usdm-mm-%016llx",
                 (unsigned long long)lx_rng_next(&m->rng));
    lx_rng_fill(&srng, secret, sizeof(secret));
    rc = lx_secret_new(&m->mm_secret, NULL, secret, sizeof(secret));
    memset(&a, 0, sizeof(a));
    a.api_key = key;
    a.secret = m->mm_secret;
    a.maker_fee = "0";
    a.taker_fee = "0";
    a.balances = bal;
    rc = rc != LX_OK ? rc
                     : lx_mock_bn_usdm_add_account(m->v, &a, &m->maker, why);
    lx__snprintf(key, sizeof(key), "usdm-tk-%016llx",
                 (unsigned long long)lx_rng_next(&m->rng));
    lx_rng_fill(&srng, secret, sizeof(secret));
    rc = rc != LX_OK
             ? rc
             : lx_secret_new(&m->tk_secret, NULL, secret, sizeof(secret));
    a.secret = m->tk_secret;
    rc = rc != LX_OK ? rc
                     : lx_mock_bn_usdm_add_account(m->v, &a, &m->taker, why);
    m->have_accounts = rc == LX_OK;
    return rc;
}

void lx_mock_bn_usdm_maker_set_accounts(struct lx_mock_bn_usdm_maker *m,
                                        uint32_t maker, uint32_t taker)
{
    if (m != NULL) {
        m->maker = maker;
        m->taker = taker;
        m->have_accounts = 1;
    }
}

int lx_mock_bn_usdm_maker_start(struct lx_mock_bn_usdm_maker *m)
{
    int rc = LX_OK;

    if (m == NULL || !m->have_accounts) {
        return LX_ERR_INVAL;
    }
    if (m->timer == NULL) {
        rc = lx_timer_new(&m->timer, m->clock, timer_cb, m);
    }
    if (rc == LX_OK) {
        lx_mock_bn_usdm_maker_step(m);
        rc = lx_timer_start(m->timer, m->period_ns, m->period_ns);
        m->started = rc == LX_OK;
    }
    return rc;
}

void lx_mock_bn_usdm_maker_clock(int frozen, int64_t advanced_ns, void *maker)
{
    struct lx_mock_bn_usdm_maker *m = maker;

    if (m == NULL) {
        return;
    }
    if (advanced_ns > 0) {
        lx_mock_bn_usdm_maker_step(m);
    }
    if (frozen) {
        lx_timer_stop(m->timer);
    } else if (m->started) {
        (void)lx_timer_start(m->timer, m->period_ns, m->period_ns);
    }
}

void lx_mock_bn_usdm_maker_set_ref(struct lx_mock_bn_usdm_maker *m,
                                   const char *symbol, const char *price)
{
    struct lx_decimal d;
    int64_t ticks;
    size_t i;

    for (i = 0; m != NULL && symbol != NULL && price != NULL && i < m->nsym;
         i++) {
        if (strcmp(m->sym[i].symbol, symbol) == 0 &&
            lx_decimal_parse(price, strlen(price), &d) == LX_OK &&
            lx_decimal_to_ticks(d, m->sym[i].tick, &ticks) == LX_OK) {
            m->sym[i].ref = ticks; /* the maker requotes around it next */
        }
    }
}

void lx_mock_bn_usdm_maker_get_stats(const struct lx_mock_bn_usdm_maker *m,
                                     struct lx_mock_bn_usdm_maker_stats *st)
{
    if (st != NULL) {
        memset(st, 0, sizeof(*st));
        if (m != NULL) {
            *st = m->st;
        }
    }
}

size_t lx_mock_bn_usdm_maker_count(const struct lx_mock_bn_usdm_maker *m)
{
    return m != NULL ? m->nsym : 0;
}

int64_t lx_mock_bn_usdm_maker_period(const struct lx_mock_bn_usdm_maker *m)
{
    return m != NULL ? m->period_ns : 0;
}

void lx_mock_bn_usdm_maker_free(struct lx_mock_bn_usdm_maker *m)
{
    if (m == NULL) {
        return;
    }
    lx_timer_free(m->timer);
    lx_secret_free(m->mm_secret);
    lx_secret_free(m->tk_secret);
    lx__free(NULL, m);
}
