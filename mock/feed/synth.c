/*
 * synth.c - the synthetic market (see synth.h). Each period, per symbol:
 * the mid moves by -3..+3 ticks, the maker cancels its ladder and posts a
 * new one (sizes 1..4 x level_qty), and with probability 1/2 the taker
 * sends a market order of 0.1..0.5 x level_qty on a random side.
 * The admin clock control freezes it and makes it catch up on advances;
 * the admin's POST mark moves a mid at once (lx_mock_synth_set_mid).
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_rng.h"
#include "mock/feed/synth.h"
#include "mock/venues/binance/spot.h"

#define SYNTH_MAX 16

struct synth_sym {
    char name[32];
    int64_t mid; /* ticks */
    struct lx_decimal tick, lot, level_qty;
    int levels, spread;
};

struct lx_mock_synth {
    struct lx_clock *clock;
    struct lx_mock_bn_spot *v;
    struct lx_timer *timer;
    struct lx_rng rng;
    uint32_t maker, taker;
    int64_t period_ns;
    struct synth_sym syms[SYNTH_MAX];
    size_t nsyms;
    uint64_t steps;
    int frozen;
    int64_t carry_ns; /* advanced time not yet worth a period */
};

int lx_mock_synth_new(struct lx_mock_synth **out, struct lx_clock *clock,
                      struct lx_mock_bn_spot *v, uint32_t maker, uint32_t taker,
                      uint64_t seed, int64_t period_ns)
{
    struct lx_mock_synth *s;

    if (out == NULL || clock == NULL || v == NULL || period_ns <= 0) {
        return LX_ERR_INVAL;
    }
    s = lx__calloc(NULL, 1, sizeof(*s));
    *out = s;
    if (s == NULL) {
        return LX_ERR_NOMEM;
    }
    s->clock = clock;
    s->v = v;
    s->maker = maker;
    s->taker = taker;
    s->period_ns = period_ns;
    lx_rng_seed(&s->rng, seed);
    return LX_OK;
}

void lx_mock_synth_free(struct lx_mock_synth *s)
{
    if (s != NULL) {
        lx_timer_free(s->timer);
        lx__free(NULL, s);
    }
}

uint64_t lx_mock_synth_steps(const struct lx_mock_synth *s)
{
    return s->steps;
}

int lx_mock_synth_add(struct lx_mock_synth *s,
                      const struct lx_mock_synth_symbol *cfg)
{
    struct synth_sym *y;
    struct lx_decimal mid;

    if (s->nsyms == SYNTH_MAX || cfg->symbol == NULL ||
        strlen(cfg->symbol) >= sizeof(y->name) || cfg->levels < 1 ||
        cfg->spread_ticks < 1) {
        return LX_ERR_INVAL;
    }
    y = &s->syms[s->nsyms];
    memset(y, 0, sizeof(*y));
    lx__snprintf(y->name, sizeof(y->name), "%s", cfg->symbol);
    if (lx_mock_bn_spot_steps(s->v, cfg->symbol, &y->tick, &y->lot) != LX_OK ||
        lx_decimal_parse(cfg->start_mid, strlen(cfg->start_mid), &mid) !=
            LX_OK ||
        lx_decimal_to_ticks(mid, y->tick, &y->mid) != LX_OK ||
        lx_decimal_parse(cfg->level_qty, strlen(cfg->level_qty),
                         &y->level_qty) != LX_OK) {
        return LX_ERR_INVAL;
    }
    y->levels = cfg->levels;
    y->spread = cfg->spread_ticks;
    if (y->mid <= (int64_t)(y->levels + 4) * y->spread) {
        return LX_ERR_INVAL;
    }
    s->nsyms++;
    return LX_OK;
}

/* Formats ticks * step as a decimal string. */
static int fmt_ticks(int64_t ticks, struct lx_decimal step, char *buf,
                     size_t cap)
{
    struct lx_decimal d;

    if (lx_decimal_from_ticks(ticks, step, &d) != LX_OK ||
        lx_decimal_format(d, buf, cap) < 0) {
        return LX_ERR_RANGE;
    }
    return LX_OK;
}

/* level_qty * n / 10^tenths, as a string on the lot grid. */
static int fmt_qty(const struct synth_sym *y, int64_t n, unsigned tenths,
                   char *buf, size_t cap)
{
    struct lx_decimal q, r;

    if (lx_decimal_mul(y->level_qty, lx_decimal_from_i64(n, tenths),
                       y->level_qty.scale, LX_ROUND_DOWN, &q) != LX_OK ||
        lx_decimal_round_to_step(q, y->lot, LX_ROUND_DOWN, &r) != LX_OK ||
        lx_decimal_format(r, buf, cap) < 0) {
        return LX_ERR_RANGE;
    }
    return LX_OK;
}

/* The maker cancels its ladder and posts a new one around y->mid. */
static void post_ladder(struct lx_mock_synth *s, struct synth_sym *y)
{
    char px[LX_DECIMAL_STRLEN], qty[LX_DECIMAL_STRLEN];
    int k, rejected;

    lx_mock_bn_spot_cancel_all(s->v, s->maker, y->name);
    for (k = 1; k <= y->levels; k++) {
        int64_t n = lx_rng_range(&s->rng, 1, 4);

        if (fmt_qty(y, n, 0, qty, sizeof(qty)) != LX_OK) {
            continue;
        }
        if (fmt_ticks(y->mid - (int64_t)k * y->spread, y->tick, px,
                      sizeof(px)) == LX_OK) {
            lx_mock_bn_spot_place(s->v, s->maker, y->name, "BUY", "LIMIT", px,
                                  qty, &rejected);
        }
        if (fmt_ticks(y->mid + (int64_t)k * y->spread, y->tick, px,
                      sizeof(px)) == LX_OK) {
            lx_mock_bn_spot_place(s->v, s->maker, y->name, "SELL", "LIMIT", px,
                                  qty, &rejected);
        }
    }
}

static void step_symbol(struct lx_mock_synth *s, struct synth_sym *y)
{
    char qty[LX_DECIMAL_STRLEN];
    int rejected;
    int64_t floor_ticks = (int64_t)(y->levels + 4) * y->spread;

    y->mid += lx_rng_range(&s->rng, -3, 3);
    if (y->mid < floor_ticks) {
        y->mid = floor_ticks;
    }
    post_ladder(s, y);
    if (lx_rng_below(&s->rng, 2) == 0 &&
        fmt_qty(y, lx_rng_range(&s->rng, 1, 5), 1, qty, sizeof(qty)) == LX_OK) {
        lx_mock_bn_spot_place(s->v, s->taker, y->name,
                              lx_rng_below(&s->rng, 2) ? "BUY" : "SELL",
                              "MARKET", NULL, qty, &rejected);
    }
}

static void step(struct lx_mock_synth *s)
{
    size_t i;

    for (i = 0; i < s->nsyms; i++) {
        step_symbol(s, &s->syms[i]);
    }
    s->steps++;
}

static void timer_cb(struct lx_timer *t, void *ud)
{
    struct lx_mock_synth *s = ud;

    LX_UNUSED(t);
    if (!s->frozen) {
        step(s);
    }
}

int64_t lx_mock_synth_period(const struct lx_mock_synth *s)
{
    return s->period_ns;
}

void lx_mock_synth_clock(int frozen, int64_t advanced_ns, void *ud)
{
    struct lx_mock_synth *s = ud;
    int64_t n = 0;

    if (s == NULL) {
        return;
    }
    s->frozen = frozen;
    s->carry_ns += advanced_ns;
    while (s->carry_ns >= s->period_ns && n < LX_MOCK_SYNTH_MAX_CATCHUP) {
        s->carry_ns -= s->period_ns;
        step(s);
        n++;
    }
    if (n == LX_MOCK_SYNTH_MAX_CATCHUP) {
        s->carry_ns %= s->period_ns;
    }
}

int lx_mock_synth_start(struct lx_mock_synth *s)
{
    int rc;

    if (s->timer == NULL) {
        rc = lx_timer_new(&s->timer, s->clock, timer_cb, s);
        if (rc != LX_OK) {
            return rc;
        }
    }
    step(s);
    lx_timer_start(s->timer, s->period_ns, s->period_ns);
    return LX_OK;
}

int lx_mock_synth_set_mid(struct lx_mock_synth *s, const char *symbol,
                          const char *price, char *applied, size_t cap,
                          const char **why)
{
    struct synth_sym *y = NULL;
    struct lx_decimal d, r, min, max;
    int64_t ticks;
    size_t i;

    for (i = 0; s != NULL && symbol != NULL && i < s->nsyms; i++) {
        if (strcmp(s->syms[i].name, symbol) == 0) {
            y = &s->syms[i];
        }
    }
    if (y == NULL) {
        *why = "symbol: no synthetic market";
        return LX_ERR_NOTFOUND;
    }
    if (price == NULL || lx_decimal_parse(price, strlen(price), &d) != LX_OK ||
        d.m <= 0 ||
        lx_decimal_round_to_step(d, y->tick, LX_ROUND_HALF_EVEN, &r) != LX_OK ||
        lx_decimal_to_ticks(r, y->tick, &ticks) != LX_OK) {
        *why = "price: want a positive decimal string";
        return LX_ERR_INVAL;
    }
    if (lx_mock_bn_spot_price_filter(s->v, symbol, &min, &max) != LX_OK ||
        (!lx_decimal_is_zero(min) && lx_decimal_cmp(r, min) < 0) ||
        (!lx_decimal_is_zero(max) && lx_decimal_cmp(r, max) > 0)) {
        *why = "price: outside the symbol's price filter";
        return LX_ERR_RANGE;
    }
    if (ticks < (int64_t)(y->levels + 4) * y->spread) {
        *why = "price: too low for the synthetic ladder (at least (levels + "
               "4) x spread_ticks ticks)";
        return LX_ERR_RANGE;
    }
    y->mid = ticks;
    post_ladder(s, y);
    if (applied != NULL && cap > 0 &&
        fmt_ticks(ticks, y->tick, applied, cap) != LX_OK) {
        applied[0] = '\0';
    }
    return LX_OK;
}
