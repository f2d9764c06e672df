/*
 * usdm.c - the Binance USD-M futures mock (/fapi): venue state on the
 * engine's perp books, the order records the venue reports (kept after an
 * order closes), mark and funding inputs, and the REST routes with USD-M's
 * weights, parameter checks, error codes and response shapes; algo
 * (conditional) orders, order modify and batch orders, public trade and
 * per-account fill and income rings (trades, klines, tickers, userTrades,
 * income), allOrders from the kept records, and the streams it publishes
 * on a hub: trades, bookTicker, depth diffs per window, partial books,
 * klines, mark price, and ORDER_TRADE_UPDATE / TRADE_LITE / ACCOUNT_UPDATE /
 * ALGO_UPDATE on listen keys. positionRisk's liquidationPrice is the mark
 * at which the engine's margin model would liquidate (liq_price()).
 *
 * It does not serve a venue's port by itself (usdm_srv.c does) or keep a
 * kline history beyond the kept trades.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_types.h"
#include "mock/engine/engine.h"
#include "mock/server/idmap.h"
#include "mock/server/mock.h"
#include "mock/server/sb.h"
#include "mock/venues/binance/auth.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/render.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

#define UM_MAX_SYMBOLS  8
#define UM_MAX_ACCOUNTS 64
#define UM_MAX_ORDERS   4096 /* order records kept (ring) */
#define UM_FUNDINGS     100  /* funding history kept per symbol */
#define UM_LEVELS       1000 /* depth levels a side tracked for diffs */
#define UM_NWIN         3    /* depth windows: 100 ms, 250 ms, 500 ms */
#define UM_FUNDING_NS   ((int64_t)8 * 3600 * 1000000000)
#define UM_E8           ((int64_t)100000000)
#define UM_MMR_E8       400000 /* maintenance margin rate 0.004 (tier 1) */

/* A public trade (REST trades, aggTrades, klines, 24hr ticker). */
struct um_trade {
    int64_t id, price, qty, time_ms;
    bool buyer_maker;
};

#define UM_TRADES 1000 /* public trades kept per symbol */
#define UM_MY     1000 /* fills kept per account */

/* One fill of an account (GET /fapi/v1/userTrades). */
struct um_my {
    uint64_t order_id;
    int64_t id, price, qty, fee, rpnl, time_ms;
    uint16_t sym;
    uint8_t side, maker, pos_side;
};

struct um_funding {
    int64_t time_ms, rate_e8, mark;
};

#define UM_INCOME 1000 /* income records kept per account */

enum {
    UM_IN_TRANSFER,
    UM_IN_REALIZED_PNL,
    UM_IN_FUNDING_FEE,
    UM_IN_COMMISSION
};

/* One income record of an account (GET /fapi/v1/income). */
struct um_income {
    int64_t amount, time_ms, tran_id, trade_id; /* amount: 10^-8; trade -1 */
    uint16_t sym;                               /* UM_MAX_SYMBOLS: none */
    uint8_t type;
};

struct um_symbol {
    char name[LX_SYMBOL_LEN], base[LX_ASSET_LEN], quote[LX_ASSET_LEN];
    uint32_t inst, base_asset, margin_asset;
    struct lx_decimal tick, lot, min_qty, max_qty, min_price, max_price;
    struct lx_decimal min_notional;
    int64_t k;       /* margin units of one tick times one lot */
    int64_t mark;    /* ticks; 0 until set */
    int64_t rate_e8; /* next funding rate */
    struct um_funding fund[UM_FUNDINGS];
    size_t nfund;
    /*
     * streams: snapshots of the book (top UM_LEVELS a side), one per depth
     * window as it last pushed (windows that pushed the same book share
     * one) and one for the book being read; pushed[w] names window w's,
     * last_u[w] its final id
     */
    struct lx_eng_level_info *snap[UM_NWIN + 1][2];
    size_t nsnap[UM_NWIN + 1][2];
    uint8_t snap_refs[UM_NWIN + 1];
    uint8_t pushed[UM_NWIN];
    int64_t last_u[UM_NWIN];
    int64_t update_id, next_trade_id, bbo[4];
    char lower[LX_SYMBOL_LEN];
    struct um_trade *trades; /* ring of UM_TRADES */
    size_t ntrades;
};

/* An order as the venue reports it. */
struct um_order {
    uint64_t id;
    uint32_t account;
    uint16_t sym;
    uint8_t side, type, tif, state, pos_side, reduce;
    uint8_t algo, triggered, working; /* algo: placed by /algoOrder */
    uint8_t rejected; /* algo: its order failed at the trigger (REJECTED) */
    uint8_t counted;  /* open, and counted in nopen[account][sym] */
    uint8_t acounted; /* a waiting algo order, counted in nalgo[][] */
    int64_t price, stop, orig, exec, quote; /* ticks, lots, tick*lot */
    int64_t trigger_ms;
    int64_t time_ms, update_ms;
    /* algo orders: the algoId (its own sequence); id is the engine's order,
     * the actualOrderId of the order placed at the trigger */
    uint64_t aid;
    char cid[LX_ENG_CID_MAX + 1];
};

#define UM_ALGO_ID0       1000000000 /* algoIds count from here */
#define UM_MAX_NUM_ORDERS 200 /* open orders a symbol, algo ones included */
#define UM_MAX_NUM_ALGO   10  /* waiting algo orders a symbol */

struct lx_mock_bn_usdm {
    struct lx_clock *clock;
    struct lx_mock_door *door;
    struct lx_engine *eng;
    struct um_symbol syms[UM_MAX_SYMBOLS];
    size_t nsyms;
    struct lx_mock_bn_key keys[UM_MAX_ACCOUNTS];
    char *key_strs[UM_MAX_ACCOUNTS];
    size_t naccounts;
    struct um_order *orders; /* ring of UM_MAX_ORDERS */
    size_t norders;
    struct lx_mock_idmap idx; /* order id -> ring slot (2 x the ring) */
    /* open orders per account and symbol (MAX_NUM_ORDERS) */
    uint16_t nopen[UM_MAX_ACCOUNTS][UM_MAX_SYMBOLS];
    /* algo orders not yet triggered per account and symbol */
    uint16_t nalgo[UM_MAX_ACCOUNTS][UM_MAX_SYMBOLS];
    uint64_t cid_seq, algo_seq;
    struct lx_timer *fund_timer;
    struct lx_mock_sb sb, ssb;  /* REST answers; stream payloads */
    struct lx_mock_bn_hub *hub; /* NULL: no streams */
    struct lx_timer *depth_timer, *mark_timer;
    struct lx_level *diff[2];
    unsigned mark_ticks, depth_ticks;
    /* user data: listen keys, and the FILL waiting for its POSITION */
    struct um_listen {
        char key[65];
        uint32_t account;
    } listen[UM_MAX_ACCOUNTS];
    size_t nlisten;
    struct lx_rng key_rng;
    struct lx_eng_event fill;
    int trig_why; /* the expiry reason that follows a TRIGGERED, or 0 */
    int64_t tid;  /* trade id of the FILL pair being drained */
    int half;
    struct um_my *my[UM_MAX_ACCOUNTS]; /* rings of UM_MY */
    size_t nmy[UM_MAX_ACCOUNTS];
    struct um_income *inc[UM_MAX_ACCOUNTS]; /* rings of UM_INCOME */
    size_t ninc[UM_MAX_ACCOUNTS];
    int64_t tran_id;
    struct lx_mock_sb usb;
};

static const char *const type_names[] = {
    "LIMIT", "LIMIT_MAKER",        "MARKET",      "STOP_MARKET",
    "STOP",  "TAKE_PROFIT_MARKET", "TAKE_PROFIT", "TRAILING_STOP_MARKET"};
static const char *const tif_names[] = {"GTC", "IOC", "FOK", "GTX"};
static const char *const state_names[] = {
    "NEW",      "NEW",     "PARTIALLY_FILLED", "FILLED",
    "CANCELED", "EXPIRED", "EXPIRED_IN_MATCH", "REJECTED"};
static const char *const pos_names[] = {"BOTH", "LONG", "SHORT"};

static int find_name(const char *const *names, size_t n, const char *s)
{
    size_t i;

    for (i = 0; s != NULL && i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int64_t now_ms(const struct lx_mock_bn_usdm *v)
{
    return lx_mock_door_now_ms(v->door);
}

static struct um_symbol *sym_by_name(struct lx_mock_bn_usdm *v, const char *n)
{
    size_t i;

    for (i = 0; n != NULL && i < v->nsyms; i++) {
        if (strcmp(v->syms[i].name, n) == 0) {
            return &v->syms[i];
        }
    }
    return NULL;
}

/* The record of order id (O(1): the index; the ring never holds an id
 * twice), or NULL. */
static struct um_order *order_by_id(struct lx_mock_bn_usdm *v, uint64_t id)
{
    uint32_t slot;

    return lx_mock_idmap_get(&v->idx, id, &slot) ? &v->orders[slot] : NULL;
}

/* The algo order with algoId aid, or NULL. */
static struct um_order *order_by_aid(struct lx_mock_bn_usdm *v, uint64_t aid)
{
    size_t i, n = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;

    for (i = 0; i < n; i++) {
        if (v->orders[i].algo && v->orders[i].aid == aid) {
            return &v->orders[i];
        }
    }
    return NULL;
}

static struct um_order *order_by_cid(struct lx_mock_bn_usdm *v, uint32_t acct,
                                     const char *cid)
{
    size_t i, n = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;
    struct um_order *best = NULL;

    for (i = 0; i < n; i++) {
        struct um_order *o = &v->orders[i];

        if (o->id != 0 && o->account == acct && strcmp(o->cid, cid) == 0 &&
            (best == NULL || o->id > best->id)) {
            best = o;
        }
    }
    return best;
}

static void publish_trade(struct lx_mock_bn_usdm *v, struct um_symbol *s,
                          const struct lx_eng_event *ev, int64_t id);
static void my_trade(struct lx_mock_bn_usdm *v, const struct lx_eng_event *e,
                     const struct um_order *o);
static void my_trade_pnl(struct lx_mock_bn_usdm *v,
                         const struct lx_eng_event *e);
static void publish_bbo(struct lx_mock_bn_usdm *v);
static int order_open(const struct um_order *o);
static void count_open(struct lx_mock_bn_usdm *v, struct um_order *o);
static const char *max_notional(uint32_t leverage);

static void pub_trade_add(struct um_symbol *s, int64_t id,
                          const struct lx_eng_event *ev, int64_t ms)
{
    struct um_trade *t = &s->trades[s->ntrades++ % UM_TRADES];

    t->id = id;
    t->price = ev->price;
    t->qty = ev->qty;
    t->time_ms = ms;
    t->buyer_maker = ev->side == LX_ENG_BUY;
}
static struct lx_decimal px_dec(struct lx_mock_bn_usdm *v,
                                const struct um_symbol *s, int64_t ticks);
static struct lx_decimal qty_dec(struct lx_mock_bn_usdm *v,
                                 const struct um_symbol *s, int64_t lots);

static void user_event(struct lx_mock_bn_usdm *v, const struct lx_eng_event *e,
                       struct um_order *o);
static void income_event(struct lx_mock_bn_usdm *v,
                         const struct lx_eng_event *e);

/* Counts the events that change a book: the depth update ids. */
static void book_event(struct lx_mock_bn_usdm *v, const struct lx_eng_event *e)
{
    size_t i;

    if (e->type != LX_ENG_EV_ACCEPTED && e->type != LX_ENG_EV_FILL &&
        e->type != LX_ENG_EV_CANCELLED && e->type != LX_ENG_EV_EXPIRED &&
        e->type != LX_ENG_EV_AMENDED && e->type != LX_ENG_EV_TRIGGERED) {
        return;
    }
    for (i = 0; i < v->nsyms; i++) {
        if (v->syms[i].inst == e->inst) {
            v->syms[i].update_id++;
        }
    }
}

/* Applies the engine's new events to the order records. */
static void drain(struct lx_mock_bn_usdm *v)
{
    size_t n = 0, i;
    uint64_t dropped = 0;
    const struct lx_eng_event *ev = lx__engine_events(v->eng, &n, &dropped);

    for (i = 0; i < n; i++) {
        struct um_order *o =
            ev[i].order_id ? order_by_id(v, ev[i].order_id) : NULL;

        book_event(v, &ev[i]);
        v->trig_why = 0;
        if (ev[i].type == LX_ENG_EV_TRIGGERED && i + 1 < n &&
            ev[i + 1].type == LX_ENG_EV_EXPIRED &&
            ev[i + 1].order_id == ev[i].order_id &&
            (ev[i + 1].reason == LX_ENG_R_REDUCE_ONLY ||
             ev[i + 1].reason == LX_ENG_R_MARGIN_INSUFFICIENT)) {
            /* refused at the trigger (an IOC that finds nothing to match
             * was placed, and is FINISHED instead) */
            v->trig_why = (int)ev[i + 1].reason;
            if (o != NULL) {
                o->rejected = 1;
            }
        }
        if (ev[i].type == LX_ENG_EV_FILL && ev[i].inst < v->nsyms) {
            /* the two FILLs of a trade come in a row: one trade id */
            if (!v->half) {
                v->tid = v->syms[ev[i].inst].next_trade_id++;
            }
            v->half = !v->half;
            my_trade(v, &ev[i], o);
        } else if (ev[i].type == LX_ENG_EV_POSITION) {
            my_trade_pnl(v, &ev[i]);
        }
        income_event(v, &ev[i]);
        user_event(v, &ev[i], o);
        if (o == NULL || o->sym >= v->nsyms) {
            continue;
        }
        o->update_ms = ev[i].time / 1000000;
        if (ev[i].type == LX_ENG_EV_FILL) {
            if (ev[i].flags & LX_ENG_FILL_MAKER) {
                publish_trade(v, &v->syms[o->sym], &ev[i], v->tid);
            }
            o->exec += ev[i].qty;
            o->quote += ev[i].price * ev[i].qty;
            o->state = (ev[i].flags & LX_ENG_FILL_LAST)
                           ? LX_ENG_ST_FILLED
                           : LX_ENG_ST_PARTIALLY_FILLED;
        } else if (ev[i].type == LX_ENG_EV_AMENDED) {
            o->price = ev[i].price;
            o->orig = o->exec + ev[i].qty; /* qty: what is left */
        } else if (ev[i].type == LX_ENG_EV_TRIGGERED) {
            o->triggered = 1;
            o->trigger_ms = o->update_ms;
        } else if (ev[i].type == LX_ENG_EV_CANCELLED) {
            o->state = LX_ENG_ST_CANCELED;
        } else if (ev[i].type == LX_ENG_EV_EXPIRED) {
            o->state = ev[i].reason == LX_ENG_R_STP ? LX_ENG_ST_EXPIRED_IN_MATCH
                                                    : LX_ENG_ST_EXPIRED;
        }
        count_open(v, o);
    }
    if (dropped > 0) { /* changes not seen one by one: say the books moved */
        for (i = 0; i < v->nsyms; i++) {
            v->syms[i].update_id++;
        }
    }
    lx__engine_events_clear(v->eng);
    publish_bbo(v);
}

/* ---- setup ------------------------------------------------------------ */

static void fund_cb(struct lx_timer *t, void *ud)
{
    (void)t;
    (void)lx_mock_bn_usdm_fund(ud);
}

static int routes(struct lx_mock_bn_usdm *v);

int lx_mock_bn_usdm_new(struct lx_mock_bn_usdm **out, struct lx_clock *clock,
                        struct lx_mock_door *door, const char **why)
{
    struct lx_eng_config cfg;
    struct lx_mock_bn_usdm *v;
    int rc;

    if (out == NULL || clock == NULL || door == NULL) {
        return LX_ERR_INVAL;
    }
    v = lx__calloc(NULL, 1, sizeof(*v));
    *out = v;
    if (v == NULL) {
        return LX_ERR_NOMEM;
    }
    v->clock = clock;
    v->door = door;
    lx_mock_sb_init(&v->sb);
    lx_mock_sb_init(&v->ssb);
    lx_mock_sb_init(&v->usb);
    lx_rng_seed(&v->key_rng, UINT64_C(0x6c6b6579)); /* listen keys */
    memset(&cfg, 0, sizeof(cfg));
    cfg.max_accounts = UM_MAX_ACCOUNTS;
    cfg.max_instruments = UM_MAX_SYMBOLS;
    cfg.max_events = 65536;
    v->orders = lx__calloc(NULL, UM_MAX_ORDERS, sizeof(*v->orders));
    rc = v->orders == NULL ? LX_ERR_NOMEM
                           : lx_mock_idmap_init(&v->idx, 2 * UM_MAX_ORDERS);
    if (rc == LX_OK) {
        rc = lx__engine_new(&v->eng, NULL, &cfg);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&v->fund_timer, clock, fund_cb, v);
    }
    if (rc == LX_OK) {
        rc = routes(v);
    }
    if (rc != LX_OK) {
        if (why != NULL) {
            *why = "cannot create the USD-M venue";
        }
        lx_mock_bn_usdm_free(v);
        *out = NULL;
    }
    return rc;
}

void lx_mock_bn_usdm_free(struct lx_mock_bn_usdm *v)
{
    size_t i;

    if (v == NULL) {
        return;
    }
    for (i = 0; i < v->naccounts; i++) {
        lx__free(NULL, v->key_strs[i]);
    }
    lx_timer_free(v->fund_timer);
    lx_timer_free(v->depth_timer);
    lx_timer_free(v->mark_timer);
    for (i = 0; i < v->nsyms; i++) {
        size_t w;

        for (w = 0; w <= UM_NWIN; w++) {
            lx__free(NULL, v->syms[i].snap[w][0]);
            lx__free(NULL, v->syms[i].snap[w][1]);
        }
        lx__free(NULL, v->syms[i].trades);
    }
    for (i = 0; i < UM_MAX_ACCOUNTS; i++) {
        lx__free(NULL, v->my[i]);
        lx__free(NULL, v->inc[i]);
    }
    for (i = 0; i < 2; i++) {
        lx__free(NULL, v->diff[i]);
    }
    lx_mock_sb_free(&v->ssb);
    lx_mock_sb_free(&v->usb);
    lx__engine_free(v->eng);
    lx__free(NULL, v->orders);
    lx_mock_idmap_free(&v->idx);
    lx_mock_sb_free(&v->sb);
    lx__free(NULL, v);
}

static int parse_dec(const char *s, struct lx_decimal *d)
{
    if (s == NULL) {
        *d = lx_decimal_from_i64(0, 0);
        return LX_OK;
    }
    return lx_decimal_parse(s, strlen(s), d);
}

static int asset_for(struct lx_mock_bn_usdm *v, const char *name, uint32_t *id,
                     int *fresh)
{
    size_t i;

    *fresh = 0;
    for (i = 0; i < v->nsyms; i++) {
        if (strcmp(v->syms[i].quote, name) == 0) {
            *id = v->syms[i].margin_asset;
            return LX_OK;
        }
        if (strcmp(v->syms[i].base, name) == 0) {
            *id = v->syms[i].base_asset;
            return LX_OK;
        }
    }
    *fresh = 1;
    return lx__engine_add_asset(v->eng, 8, id);
}

static int symbol_filters(struct um_symbol *s,
                          const struct lx_mock_bn_symbol_cfg *c)
{
    int rc = parse_dec(c->tick_size, &s->tick);

    rc = rc != LX_OK ? rc : parse_dec(c->lot_size, &s->lot);
    rc = rc != LX_OK ? rc : parse_dec(c->min_qty, &s->min_qty);
    rc = rc != LX_OK ? rc : parse_dec(c->max_qty, &s->max_qty);
    rc = rc != LX_OK ? rc : parse_dec(c->min_price, &s->min_price);
    rc = rc != LX_OK ? rc : parse_dec(c->max_price, &s->max_price);
    return rc != LX_OK ? rc : parse_dec(c->min_notional, &s->min_notional);
}

/* s->k: what one lot at one tick is worth in the margin asset's units. */
static int unit_k(struct lx_mock_bn_usdm *v, struct um_symbol *s)
{
    struct lx_decimal unit, tl;
    int rc = lx__engine_amount_dec(v->eng, s->margin_asset, 1, &unit);

    if (rc == LX_OK) {
        rc = lx_decimal_mul(s->tick, s->lot, LX_DECIMAL_MAX_SCALE,
                            LX_ROUND_EXACT, &tl);
    }
    return rc != LX_OK ? rc : lx_decimal_to_ticks(tl, unit, &s->k);
}

int lx_mock_bn_usdm_add_symbol(struct lx_mock_bn_usdm *v,
                               const struct lx_mock_bn_symbol_cfg *c,
                               const char **why)
{
    struct lx_eng_instrument_spec sp;
    struct um_symbol *s;
    int fresh, rc;

    if (v == NULL || c == NULL || c->symbol == NULL || c->base == NULL ||
        c->quote == NULL || v->nsyms >= UM_MAX_SYMBOLS ||
        strlen(c->symbol) >= LX_SYMBOL_LEN || strlen(c->base) >= LX_ASSET_LEN ||
        strlen(c->quote) >= LX_ASSET_LEN) {
        return LX_ERR_INVAL;
    }
    s = &v->syms[v->nsyms];
    memset(s, 0, sizeof(*s));
    lx__snprintf(s->name, sizeof(s->name), "%s", c->symbol);
    lx__snprintf(s->base, sizeof(s->base), "%s", c->base);
    lx__snprintf(s->quote, sizeof(s->quote), "%s", c->quote);
    rc = symbol_filters(s, c);
    rc = rc != LX_OK ? rc : asset_for(v, c->base, &s->base_asset, &fresh);
    rc = rc != LX_OK ? rc : asset_for(v, c->quote, &s->margin_asset, &fresh);
    if (rc == LX_OK) {
        memset(&sp, 0, sizeof(sp));
        sp.base = s->base_asset;
        sp.quote = s->margin_asset;
        sp.tick_size = s->tick;
        sp.lot_size = s->lot;
        sp.min_price = s->min_price;
        sp.max_price = s->max_price;
        sp.min_qty = s->min_qty;
        sp.max_qty = s->max_qty;
        sp.min_notional = s->min_notional;
        sp.kind = LX_ENG_PERP;
        sp.maint_margin_rate = lx_decimal_from_i64(UM_MMR_E8, 8);
        rc = lx__engine_add_instrument(v->eng, &sp, &s->inst);
    }
    if (rc == LX_OK) {
        rc = unit_k(v, s);
    }
    if (rc != LX_OK) {
        if (why != NULL) {
            *why = "symbol filters do not parse or fit";
        }
        return LX_ERR_CONFIG;
    }
    s->rate_e8 = 10000; /* 0.0001, Binance's usual 8-hourly rate */
    lx__snprintf(s->lower, sizeof(s->lower), "%s", s->name);
    for (fresh = 0; s->lower[fresh] != '\0'; fresh++) {
        if (s->lower[fresh] >= 'A' && s->lower[fresh] <= 'Z') {
            s->lower[fresh] = (char)(s->lower[fresh] - 'A' + 'a');
        }
    }
    rc = LX_OK;
    for (fresh = 0; fresh < 2 * (UM_NWIN + 1); fresh++) {
        s->snap[fresh / 2][fresh % 2] =
            lx__calloc(NULL, UM_LEVELS, sizeof(struct lx_eng_level_info));
        rc = s->snap[fresh / 2][fresh % 2] == NULL ? LX_ERR_NOMEM : rc;
    }
    s->snap_refs[0] = UM_NWIN; /* every window starts from the empty book */
    s->trades = lx__calloc(NULL, UM_TRADES, sizeof(struct um_trade));
    if (rc != LX_OK || s->trades == NULL) {
        for (fresh = 0; fresh < 2 * (UM_NWIN + 1); fresh++) {
            lx__free(NULL, s->snap[fresh / 2][fresh % 2]);
        }
        lx__free(NULL, s->trades);
        return LX_ERR_NOMEM;
    }
    s->next_trade_id = 1;
    v->nsyms++;
    return LX_OK;
}

int lx_mock_bn_usdm_add_account(struct lx_mock_bn_usdm *v,
                                const struct lx_mock_bn_account_cfg *c,
                                uint32_t *id, const char **why)
{
    struct lx_eng_account_spec sp;
    const char *const *b;
    uint32_t aid;
    size_t n;

    if (v == NULL || c == NULL || c->api_key == NULL ||
        (c->secret == NULL && c->ed25519 == NULL) ||
        v->naccounts >= UM_MAX_ACCOUNTS || v->nsyms == 0) {
        return LX_ERR_INVAL;
    }
    memset(&sp, 0, sizeof(sp));
    if (parse_dec(c->maker_fee != NULL ? c->maker_fee : "0.0002",
                  &sp.maker_fee) != LX_OK ||
        parse_dec(c->taker_fee != NULL ? c->taker_fee : "0.0005",
                  &sp.taker_fee) != LX_OK ||
        lx__engine_add_account(v->eng, &sp, &aid) != LX_OK) {
        if (why != NULL) {
            *why = "bad account fees";
        }
        return LX_ERR_CONFIG;
    }
    n = v->naccounts;
    v->key_strs[n] = lx__strdup(NULL, c->api_key);
    if (v->key_strs[n] == NULL) {
        return LX_ERR_NOMEM;
    }
    v->keys[n].api_key = v->key_strs[n];
    v->keys[n].secret = c->ed25519 != NULL ? NULL : c->secret;
    v->keys[n].ed25519 = c->ed25519;
    v->keys[n].account = aid;
    v->naccounts++;
    for (b = c->balances; b != NULL && b[0] != NULL && b[1] != NULL; b += 2) {
        struct lx_decimal amt, unit = {1, 8};
        int64_t units;

        if (strcmp(b[0], v->syms[0].quote) != 0) {
            continue; /* margin asset only */
        }
        if (parse_dec(b[1], &amt) != LX_OK ||
            lx_decimal_to_ticks(amt, unit, &units) != LX_OK ||
            lx__engine_deposit(v->eng, aid, v->syms[0].margin_asset, units,
                               lx_mock_door_now_ns(v->door)) != LX_OK) {
            if (why != NULL) {
                *why = "bad opening balance";
            }
            return LX_ERR_CONFIG;
        }
    }
    drain(v);
    if (id != NULL) {
        *id = aid;
    }
    return LX_OK;
}

int lx_mock_bn_usdm_set_mark(struct lx_mock_bn_usdm *v, const char *symbol,
                             const char *mark)
{
    struct um_symbol *s = v != NULL ? sym_by_name(v, symbol) : NULL;
    struct lx_decimal d;
    int64_t ticks;
    int rc;

    if (s == NULL || mark == NULL || parse_dec(mark, &d) != LX_OK ||
        lx_decimal_to_ticks(d, s->tick, &ticks) != LX_OK || ticks <= 0) {
        return LX_ERR_INVAL;
    }
    rc = lx__engine_set_mark(v->eng, s->inst, ticks,
                             lx_mock_door_now_ns(v->door));
    if (rc == LX_OK) {
        s->mark = ticks;
    }
    drain(v);
    return rc;
}

int lx_mock_bn_usdm_set_funding_rate(struct lx_mock_bn_usdm *v,
                                     const char *symbol, const char *rate)
{
    struct um_symbol *s = v != NULL ? sym_by_name(v, symbol) : NULL;
    struct lx_decimal d, unit = {1, 8};
    int64_t e8;

    if (s == NULL || rate == NULL ||
        lx_decimal_parse(rate, strlen(rate), &d) != LX_OK ||
        lx_decimal_to_ticks(d, unit, &e8) != LX_OK) {
        return LX_ERR_INVAL;
    }
    s->rate_e8 = e8;
    return LX_OK;
}

int lx_mock_bn_usdm_fund(struct lx_mock_bn_usdm *v)
{
    size_t i;
    int64_t ns = lx_mock_door_now_ns(v->door);

    for (i = 0; i < v->nsyms; i++) {
        struct um_symbol *s = &v->syms[i];
        struct um_funding *f;
        int64_t mark = s->mark;

        if (mark == 0 &&
            lx__engine_last_price(v->eng, s->inst, &mark) != LX_OK) {
            continue; /* nothing to fund on yet */
        }
        if (lx__engine_funding(v->eng, s->inst, s->rate_e8, ns) != LX_OK) {
            continue;
        }
        if (s->nfund == UM_FUNDINGS) {
            memmove(s->fund, s->fund + 1,
                    sizeof(s->fund[0]) * (UM_FUNDINGS - 1));
            s->nfund--;
        }
        f = &s->fund[s->nfund++];
        f->time_ms = ns / 1000000;
        f->rate_e8 = s->rate_e8;
        f->mark = mark;
    }
    drain(v);
    return LX_OK;
}

/* Milliseconds of the mock's clock at the next 00/08/16 UTC boundary. */
static int64_t next_funding_ms(const struct lx_mock_bn_usdm *v)
{
    int64_t period = UM_FUNDING_NS / 1000000, t = now_ms(v);

    return (t / period + 1) * period;
}

int lx_mock_bn_usdm_start(struct lx_mock_bn_usdm *v)
{
    int64_t delay = (next_funding_ms(v) - now_ms(v)) * 1000000;

    return lx_timer_start(v->fund_timer, delay, UM_FUNDING_NS);
}

/* ---- rendering helpers ------------------------------------------------ */

static void kv_px(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                  const char *k, int64_t ticks)
{
    struct lx_decimal d;

    if (lx__engine_price_dec(v->eng, s->inst, ticks, &d) != LX_OK) {
        d = lx_decimal_from_i64(0, 0);
    }
    lx_mock_sb_kv_dec(&v->sb, k, d);
}

static void kv_qty(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                   const char *k, int64_t lots)
{
    struct lx_decimal d;

    if (lx__engine_qty_dec(v->eng, s->inst, lots, &d) != LX_OK) {
        d = lx_decimal_from_i64(0, 0);
    }
    lx_mock_sb_kv_dec(&v->sb, k, d);
}

static void kv_amt(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                   const char *k, int64_t units)
{
    struct lx_decimal d;

    if (lx__engine_amount_dec(v->eng, s->margin_asset, units, &d) != LX_OK) {
        d = lx_decimal_from_i64(0, 8);
    }
    lx_mock_sb_kv_dec(&v->sb, k, d);
}

static void kv_e8(struct lx_mock_sb *sb, const char *k, int64_t e8)
{
    lx_mock_sb_kv_dec(sb, k, lx_decimal_from_i64(e8, 8));
}

static void send(struct lx_mock_call *c, struct lx_mock_bn_usdm *v)
{
    (void)lx_mock_respond_json(c, 200, v->sb.buf, v->sb.len);
}

static void fail(struct lx_mock_call *c, int status, int code, const char *fmt,
                 ...) LX_PRINTF(4, 5);

static void fail(struct lx_mock_call *c, int status, int code, const char *fmt,
                 ...)
{
    struct lx_mock_bn_err err;
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    lx__vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lx_mock_bn_err_set(&err, status, code, "%s", msg);
    lx_mock_bn_respond_err(c, &err);
}

static const char *need(struct lx_mock_call *c, const char *name)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, name, &len);

    if (s == NULL || len == 0) {
        fail(c, 400, -1102,
             "Mandatory parameter '%s' was not sent, was empty/null, or "
             "malformed.",
             name);
        return NULL;
    }
    return s;
}

static struct um_symbol *need_sym(struct lx_mock_call *c,
                                  struct lx_mock_bn_usdm *v)
{
    const char *n = need(c, "symbol");
    struct um_symbol *s = n != NULL ? sym_by_name(v, n) : NULL;

    if (n != NULL && s == NULL) {
        fail(c, 400, -1121, "Invalid symbol.");
    }
    return s;
}

/* Authenticates a signed call; 0 after answering the error. */
static int signed_acct(struct lx_mock_call *c, struct lx_mock_bn_usdm *v,
                       uint32_t *acct)
{
    const struct lx_mock_bn_key *key = NULL;
    struct lx_mock_bn_err err;

    if (lx_mock_bn_authenticate(c, LX_MOCK_BN_SIGNED, v->keys, v->naccounts,
                                &key, &err) != LX_OK) {
        lx_mock_bn_respond_err(c, &err);
        return 0;
    }
    *acct = (uint32_t)key->account;
    return 1;
}

/* ---- public routes ---------------------------------------------------- */

static void r_ping(struct lx_mock_call *c, void *ud)
{
    (void)ud;
    (void)lx_mock_respond_json(c, 200, "{}", 2);
}

static void r_time(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;

    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_i64(&v->sb, "{\"serverTime\":", now_ms(v));
    lx_mock_sb_str(&v->sb, "}");
    send(c, v);
}

static void info_filters(struct lx_mock_bn_usdm *v, const struct um_symbol *s)
{
    struct lx_mock_sb *sb = &v->sb;

    lx_mock_sb_kv_dec(sb,
                      ",\"filters\":[{\"filterType\":\"PRICE_FILTER\","
                      "\"minPrice\":",
                      s->min_price);
    lx_mock_sb_kv_dec(sb, ",\"maxPrice\":", s->max_price);
    lx_mock_sb_kv_dec(sb, ",\"tickSize\":", s->tick);
    lx_mock_sb_kv_dec(sb,
                      "},{\"filterType\":\"LOT_SIZE\",\"minQty\":", s->min_qty);
    lx_mock_sb_kv_dec(sb, ",\"maxQty\":", s->max_qty);
    lx_mock_sb_kv_dec(sb, ",\"stepSize\":", s->lot);
    lx_mock_sb_kv_dec(
        sb, "},{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":", s->min_qty);
    lx_mock_sb_kv_dec(sb, ",\"maxQty\":", s->max_qty);
    lx_mock_sb_kv_dec(sb, ",\"stepSize\":", s->lot);
    lx_mock_sb_str(sb,
                   "},{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":200},"
                   "{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"limit\":10},");
    lx_mock_sb_kv_dec(
        sb, "{\"filterType\":\"MIN_NOTIONAL\",\"notional\":", s->min_notional);
    lx_mock_sb_str(sb, "},{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":"
                       "\"1.0500\",\"multiplierDown\":\"0.9500\","
                       "\"multiplierDecimal\":\"4\"}]");
}

static void info_symbol(struct lx_mock_bn_usdm *v, const struct um_symbol *s)
{
    struct lx_mock_sb *sb = &v->sb;

    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"pair\":", s->name);
    lx_mock_sb_str(sb, ",\"contractType\":\"PERPETUAL\",\"deliveryDate\":"
                       "4133404800000,\"onboardDate\":1569398400000,"
                       "\"status\":\"TRADING\",\"maintMarginPercent\":"
                       "\"2.5000\",\"requiredMarginPercent\":\"5.0000\"");
    lx_mock_sb_kv_str(sb, ",\"baseAsset\":", s->base);
    lx_mock_sb_kv_str(sb, ",\"quoteAsset\":", s->quote);
    lx_mock_sb_kv_str(sb, ",\"marginAsset\":", s->quote);
    lx_mock_sb_kv_i64(sb, ",\"pricePrecision\":", s->tick.scale);
    lx_mock_sb_kv_i64(sb, ",\"quantityPrecision\":", s->lot.scale);
    lx_mock_sb_str(sb, ",\"baseAssetPrecision\":8,\"quotePrecision\":8,"
                       "\"underlyingType\":\"COIN\",\"underlyingSubType\":[],"
                       "\"settlePlan\":0,\"triggerProtect\":\"0.0500\","
                       "\"liquidationFee\":\"0.012500\",\"marketTakeBound\":"
                       "\"0.05\",\"maxMoveOrderLimit\":10000");
    info_filters(v, s);
    lx_mock_sb_str(sb, ",\"orderTypes\":[\"LIMIT\",\"MARKET\",\"STOP\","
                       "\"STOP_MARKET\",\"TAKE_PROFIT\",\"TAKE_PROFIT_MARKET\","
                       "\"TRAILING_STOP_MARKET\"],\"timeInForce\":[\"GTC\","
                       "\"IOC\",\"FOK\",\"GTX\"]}");
}

static void r_info(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const struct lx_mock_limits *l = lx_mock_call_limits(c);
    size_t i;

    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_i64(&v->sb,
                      "{\"timezone\":\"UTC\",\"serverTime\":", now_ms(v));
    /* The door's limits (config usdm.rate_limits); orders/min as published */
    lx_mock_sb_kv_i64(&v->sb,
                      ",\"futuresType\":\"U_MARGINED\",\"rateLimits\":["
                      "{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":"
                      "\"MINUTE\",\"intervalNum\":1,\"limit\":",
                      l->weight_per_min);
    lx_mock_sb_kv_i64(&v->sb,
                      "},{\"rateLimitType\":\"ORDERS\",\"interval\":"
                      "\"MINUTE\",\"intervalNum\":1,\"limit\":1200},"
                      "{\"rateLimitType\":\"ORDERS\",\"interval\":"
                      "\"SECOND\",\"intervalNum\":10,\"limit\":",
                      l->orders_per_10s);
    lx_mock_sb_str(&v->sb, "}],\"exchangeFilters\":[],\"assets\":[");
    if (v->nsyms > 0) {
        lx_mock_sb_kv_str(&v->sb, "{\"asset\":", v->syms[0].quote);
        lx_mock_sb_str(&v->sb, ",\"marginAvailable\":true,"
                               "\"autoAssetExchange\":\"-10000\"}");
    }
    lx_mock_sb_str(&v->sb, "],\"symbols\":[");
    for (i = 0; i < v->nsyms; i++) {
        lx_mock_sb_str(&v->sb, i ? "," : "");
        info_symbol(v, &v->syms[i]);
    }
    lx_mock_sb_str(&v->sb, "]}");
    send(c, v);
}

/* USD-M depth weight by limit: 2 up to 50, 5 at 100, 10 at 500, 20. */
static int depth_weight(const struct lx_mock_call *c)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, "limit", &len);
    int64_t lim = 500;

    if (s != NULL && lx__parse_i64(s, len, &lim) != LX_OK) {
        return 2;
    }
    return lim <= 50 ? 2 : lim <= 100 ? 5 : lim <= 500 ? 10 : 20;
}

/* Renders the best limit levels of one side of s's book. O(levels). */
static void depth_side(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                       int side, int64_t limit)
{
    struct lx_eng_level_info *lv;
    size_t n = lx__engine_levels(v->eng, s->inst, side, NULL, 0), i;

    n = (int64_t)n < limit ? n : (size_t)limit;
    lv = lx__malloc(NULL, (n > 0 ? n : 1) * sizeof(*lv));
    if (lv == NULL) {
        v->sb.err = LX_ERR_NOMEM;
        return;
    }
    (void)lx__engine_levels(v->eng, s->inst, side, lv, n); /* fills n */
    for (i = 0; i < n; i++) {
        lx_mock_sb_str(&v->sb, i > 0 ? ",[" : "[");
        kv_px(v, s, "", lv[i].price);
        kv_qty(v, s, ",", lv[i].qty);
        lx_mock_sb_str(&v->sb, "]");
    }
    lx__free(NULL, lv);
}

static void r_depth(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    size_t len = 0;
    const char *ls = lx_mock_call_param(c, "limit", &len);
    int64_t lim = 500, t = now_ms(v);

    if (s == NULL) {
        return;
    }
    if (ls != NULL && (lx__parse_i64(ls, len, &lim) != LX_OK ||
                       (lim != 5 && lim != 10 && lim != 20 && lim != 50 &&
                        lim != 100 && lim != 500 && lim != 1000))) {
        fail(c, 400, -1130, "Data sent for parameter 'limit' is not valid.");
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_i64(&v->sb, "{\"lastUpdateId\":", s->update_id);
    lx_mock_sb_kv_i64(&v->sb, ",\"E\":", t);
    lx_mock_sb_kv_i64(&v->sb, ",\"T\":", t);
    lx_mock_sb_str(&v->sb, ",\"bids\":[");
    depth_side(v, s, LX_ENG_BUY, lim);
    lx_mock_sb_str(&v->sb, "],\"asks\":[");
    depth_side(v, s, LX_ENG_SELL, lim);
    lx_mock_sb_str(&v->sb, "]}");
    send(c, v);
}

static int64_t mark_of(struct lx_mock_bn_usdm *v, const struct um_symbol *s)
{
    int64_t px = s->mark;

    if (px == 0 && lx__engine_last_price(v->eng, s->inst, &px) != LX_OK) {
        px = 0;
    }
    return px;
}

static void premium_one(struct lx_mock_bn_usdm *v, const struct um_symbol *s)
{
    int64_t mark = mark_of(v, s);

    lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
    kv_px(v, s, ",\"markPrice\":", mark);
    kv_px(v, s, ",\"indexPrice\":", mark);
    kv_px(v, s, ",\"estimatedSettlePrice\":", mark);
    kv_e8(&v->sb, ",\"lastFundingRate\":", s->rate_e8);
    lx_mock_sb_str(&v->sb, ",\"interestRate\":\"0.00010000\"");
    lx_mock_sb_kv_i64(&v->sb, ",\"nextFundingTime\":", next_funding_ms(v));
    lx_mock_sb_kv_i64(&v->sb, ",\"time\":", now_ms(v));
    lx_mock_sb_str(&v->sb, "}");
}

/*
 * Answers one symbol's object (?symbol=) or the array of all of them,
 * each rendered by one.
 */
static void one_or_all(struct lx_mock_call *c, struct lx_mock_bn_usdm *v,
                       void (*one)(struct lx_mock_bn_usdm *v,
                                   const struct um_symbol *s))
{
    size_t i;

    lx_mock_sb_reset(&v->sb);
    if (lx_mock_call_param(c, "symbol", NULL) != NULL) {
        struct um_symbol *s = need_sym(c, v);

        if (s == NULL) {
            return;
        }
        one(v, s);
    } else {
        lx_mock_sb_str(&v->sb, "[");
        for (i = 0; i < v->nsyms; i++) {
            lx_mock_sb_str(&v->sb, i ? "," : "");
            one(v, &v->syms[i]);
        }
        lx_mock_sb_str(&v->sb, "]");
    }
    send(c, v);
}

static void r_premium(struct lx_mock_call *c, void *ud)
{
    one_or_all(c, ud, premium_one);
}

static void r_funding(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    size_t i, k = 0;

    if (s == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < s->nfund; i++) {
        lx_mock_sb_str(&v->sb, k++ ? "," : "");
        lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
        lx_mock_sb_kv_i64(&v->sb, ",\"fundingTime\":", s->fund[i].time_ms);
        kv_e8(&v->sb, ",\"fundingRate\":", s->fund[i].rate_e8);
        kv_px(v, s, ",\"markPrice\":", s->fund[i].mark);
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

static void r_open_interest(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    struct lx_eng_position p;
    int64_t oi = 0;
    size_t i;
    int side;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < v->naccounts; i++) {
        for (side = 0; side < 3; side++) {
            if (lx__engine_position(v->eng, (uint32_t)v->keys[i].account,
                                    s->inst, side, &p) == LX_OK &&
                p.size > 0) {
                oi += p.size; /* longs = shorts: count one side */
            }
        }
    }
    lx_mock_sb_reset(&v->sb);
    kv_qty(v, s, "{\"openInterest\":", oi);
    lx_mock_sb_kv_str(&v->sb, ",\"symbol\":", s->name);
    lx_mock_sb_kv_i64(&v->sb, ",\"time\":", now_ms(v));
    lx_mock_sb_str(&v->sb, "}");
    send(c, v);
}

static void r_book_ticker(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    int64_t bp = 0, bq = 0, ap = 0, aq = 0;

    if (s == NULL) {
        return;
    }
    (void)lx__engine_best(v->eng, s->inst, LX_ENG_BUY, &bp, &bq);
    (void)lx__engine_best(v->eng, s->inst, LX_ENG_SELL, &ap, &aq);
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
    kv_px(v, s, ",\"bidPrice\":", bp);
    kv_qty(v, s, ",\"bidQty\":", bq);
    kv_px(v, s, ",\"askPrice\":", ap);
    kv_qty(v, s, ",\"askQty\":", aq);
    lx_mock_sb_kv_i64(&v->sb, ",\"time\":", now_ms(v));
    lx_mock_sb_kv_i64(&v->sb, ",\"lastUpdateId\":", s->update_id);
    lx_mock_sb_str(&v->sb, "}");
    send(c, v);
}

/* ---- orders ----------------------------------------------------------- */

static void render_order(struct lx_mock_bn_usdm *v, const struct um_order *o)
{
    const struct um_symbol *s = &v->syms[o->sym];
    struct lx_mock_sb *sb = &v->sb;
    struct lx_decimal cum = {0, 0}, avg = {0, 5}, q;

    if (o->exec > 0) { /* "cumQuote":"0" before any fill, as the venue */
        /* quote in tick*lot units -> decimal; avg = quote / exec lots */
        cum.m = o->quote * s->tick.m * s->lot.m;
        cum.scale = (uint8_t)(s->tick.scale + s->lot.scale);
        cum = lx_decimal_normalize(cum);
        if (lx__engine_qty_dec(v->eng, s->inst, o->exec, &q) != LX_OK ||
            lx_decimal_div(cum, q, 5, LX_ROUND_DOWN, &avg) != LX_OK) {
            avg = lx_decimal_from_i64(0, 5);
        }
    }
    lx_mock_sb_kv_i64(sb, "{\"orderId\":", (int64_t)o->id);
    lx_mock_sb_kv_str(sb, ",\"symbol\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"status\":", state_names[o->state]);
    lx_mock_sb_kv_str(sb, ",\"clientOrderId\":", o->cid);
    kv_px(v, s, ",\"price\":", o->price);
    lx_mock_sb_kv_dec(sb, ",\"avgPrice\":", avg);
    kv_qty(v, s, ",\"origQty\":", o->orig);
    kv_qty(v, s, ",\"executedQty\":", o->exec);
    kv_qty(v, s, ",\"cumQty\":", o->exec);
    lx_mock_sb_kv_dec(sb, ",\"cumQuote\":", cum);
    lx_mock_sb_kv_str(sb, ",\"timeInForce\":", tif_names[o->tif]);
    lx_mock_sb_kv_str(sb, ",\"type\":", type_names[o->type]);
    lx_mock_sb_str(sb, o->reduce ? ",\"reduceOnly\":true"
                                 : ",\"reduceOnly\":false");
    lx_mock_sb_str(sb, ",\"closePosition\":false");
    lx_mock_sb_kv_str(sb, ",\"side\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
    lx_mock_sb_kv_str(sb, ",\"positionSide\":", pos_names[o->pos_side]);
    kv_px(v, s, ",\"stopPrice\":", o->stop);
    lx_mock_sb_str(sb, ",\"workingType\":\"CONTRACT_PRICE\","
                       "\"priceProtect\":false");
    lx_mock_sb_kv_str(sb, ",\"origType\":", type_names[o->type]);
    lx_mock_sb_str(sb, ",\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":"
                       "\"NONE\",\"goodTillDate\":0");
    lx_mock_sb_kv_i64(sb, ",\"time\":", o->time_ms);
    lx_mock_sb_kv_i64(sb, ",\"updateTime\":", o->update_ms);
    lx_mock_sb_str(sb, "}");
}

/* A venue error: code and message (an answer, or a batch item's). */
struct um_err {
    int code;
    char msg[200];
};

static void err_set(struct um_err *e, int code, const char *fmt, ...)
    LX_PRINTF(3, 4);

static void err_set(struct um_err *e, int code, const char *fmt, ...)
{
    va_list ap;

    e->code = code;
    va_start(ap, fmt);
    lx__vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

/* USD-M's code and message for an engine rejection. */
static void reason_err(int reason, int setting, struct um_err *e)
{
    int code = 0;
    const char *msg = NULL;

    /* order rejections USD-M words its own way (the engine's table has
     * spot's words for these) */
    if (setting == 0 && reason == LX_ENG_R_REDUCE_ONLY) {
        err_set(e, -2022, "ReduceOnly Order is rejected.");
        return;
    }
    if (setting == 0 && reason == LX_ENG_R_POSITION_SIDE) {
        err_set(e, -4061,
                "Order's position side does not match user's setting.");
        return;
    }
    if (setting == 0 && reason == LX_ENG_R_MARGIN_INSUFFICIENT) {
        err_set(e, -2019, "Margin is insufficient.");
        return;
    }
    lx__engine_reason_binance_usdm(reason, setting, &code, &msg);
    err_set(e, code != 0 ? code : -1000, "%s",
            msg != NULL ? msg : "An unknown error occured.");
}

static void fail_err(struct lx_mock_call *c, const struct um_err *e)
{
    fail(c, 400, e->code, "%s", e->msg);
}

/* Answers a rejection with USD-M's code and message. */
static void reject(struct lx_mock_call *c, int reason, int setting)
{
    struct um_err e;

    reason_err(reason, setting, &e);
    fail_err(c, &e);
}

/* Parsed order parameters (venue decimals) of POST /fapi/v1/order. */
static int order_params(struct lx_mock_call *c, const struct um_symbol *s,
                        struct lx_eng_order_dreq *r)
{
    const char *side = need(c, "side"), *type;
    const char *tif = lx_mock_call_param(c, "timeInForce", NULL);
    const char *ro = lx_mock_call_param(c, "reduceOnly", NULL);
    const char *ps = lx_mock_call_param(c, "positionSide", NULL);
    int t, k;

    if (side == NULL || (type = need(c, "type")) == NULL) {
        return 0;
    }
    r->inst = s->inst;
    if (strcmp(side, "BUY") != 0 && strcmp(side, "SELL") != 0) {
        fail(c, 400, -1117, "Invalid side.");
        return 0;
    }
    r->side = side[0] == 'B' ? LX_ENG_BUY : LX_ENG_SELL;
    t = find_name(type_names, 8, type);
    if (t < 0 || t == LX_ENG_LIMIT_MAKER) {
        fail(c, 400, -1116, "Invalid orderType.");
        return 0;
    }
    r->type = (uint8_t)t;
    k = tif != NULL ? find_name(tif_names, 4, tif) : 0;
    if (k < 0) {
        fail(c, 400, -1115, "Invalid timeInForce.");
        return 0;
    }
    r->tif = (uint8_t)k;
    k = ps != NULL ? find_name(pos_names, 3, ps) : 0;
    if (k < 0) {
        fail(c, 400, -4006, "Invalid position side.");
        return 0;
    }
    r->pos_side = (uint8_t)k;
    r->reduce_only = ro != NULL && strcmp(ro, "true") == 0;
    return 1;
}

static int dec_param(struct lx_mock_call *c, const char *name, int required,
                     struct lx_decimal *out)
{
    size_t len = 0;
    const char *s = lx_mock_call_param(c, name, &len);

    *out = lx_decimal_from_i64(0, 0);
    if (s == NULL || len == 0) {
        if (required) {
            (void)need(c, name);
            return 0;
        }
        return 1;
    }
    if (lx_decimal_parse(s, len, out) != LX_OK || out->m < 0) {
        fail(c, 400, -1100,
             "Illegal characters found in parameter '%s'; legal range is "
             "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
             name);
        return 0;
    }
    return 1;
}

/*
 * Whether record() has a slot for one more order: the next slot of the
 * ring that holds no open order (all UM_MAX_ORDERS open: none; the order
 * is then refused with -2025 before it reaches the engine, instead of its
 * record overwriting an open one's). O(1) unless most records are open.
 */
static int ring_room(const struct lx_mock_bn_usdm *v)
{
    size_t k;

    for (k = 0; k < UM_MAX_ORDERS; k++) {
        if (!order_open(&v->orders[(v->norders + k) % UM_MAX_ORDERS])) {
            return 1;
        }
    }
    return 0;
}

static struct um_order *record(struct lx_mock_bn_usdm *v, uint32_t acct,
                               const struct um_symbol *s,
                               const struct lx_eng_order_dreq *r, uint64_t id,
                               const char *cid)
{
    struct um_order *o = &v->orders[v->norders++ % UM_MAX_ORDERS];
    struct lx_eng_order_info info;
    size_t k;

    /* never reuse the slot of an order still open: skip to a closed one */
    for (k = 0; k < UM_MAX_ORDERS && order_open(o); k++) {
        o = &v->orders[v->norders++ % UM_MAX_ORDERS];
    }

    lx_mock_idmap_del(&v->idx, o->id);
    memset(o, 0, sizeof(*o));
    o->id = id;
    /* cannot fail: the map has twice the ring's slots */
    (void)lx_mock_idmap_put(&v->idx, id, (uint32_t)(o - v->orders));
    o->account = acct;
    o->sym = (uint16_t)(s - v->syms);
    o->side = r->side;
    o->type = r->type;
    o->tif = r->tif;
    o->pos_side = r->pos_side;
    o->reduce = r->reduce_only;
    o->state = LX_ENG_ST_NEW;
    if (lx_decimal_to_ticks(r->price, s->tick, &o->price) != LX_OK) {
        o->price = 0;
    }
    if (lx_decimal_to_ticks(r->stop_price, s->tick, &o->stop) != LX_OK) {
        o->stop = 0;
    }
    if (lx_decimal_to_ticks(r->qty, s->lot, &o->orig) != LX_OK) {
        o->orig = 0;
    }
    o->time_ms = o->update_ms = now_ms(v);
    lx__str_join(o->cid, sizeof(o->cid), cid, NULL);
    if (lx__engine_order(v->eng, id, &info) == LX_OK) {
        o->orig = info.orig_qty;
    }
    count_open(v, o);
    return o;
}

static void render_algo(struct lx_mock_bn_usdm *v, const struct um_order *o);

/* Places r for acct: the order's record, or NULL with the venue's error. */
static struct um_order *place_order(struct lx_mock_bn_usdm *v, uint32_t acct,
                                    struct um_symbol *s,
                                    struct lx_eng_order_dreq *r,
                                    const char *cid, int algo, struct um_err *e)
{
    struct lx_eng_result res;
    struct um_order *o;
    char gen[32];

    if (cid == NULL) {
        lx__snprintf(gen, sizeof(gen), "mockum%016llu",
                     (unsigned long long)++v->cid_seq);
        cid = gen;
    }
    if (!ring_room(v) || (acct < UM_MAX_ACCOUNTS &&
                          v->nopen[acct][s - v->syms] >= UM_MAX_NUM_ORDERS)) {
        err_set(e, -2025, "Reach max open order limit.");
        return NULL;
    }
    if (algo && acct < UM_MAX_ACCOUNTS &&
        v->nalgo[acct][s - v->syms] >= UM_MAX_NUM_ALGO) {
        err_set(e, -4045, "Reach max stop order limit.");
        return NULL;
    }
    r->account = acct;
    r->cid = cid;
    r->cid_len = strlen(cid);
    r->time = lx_mock_door_now_ns(v->door);
    if (lx__engine_submit_dec(v->eng, r, &res) != LX_OK) {
        drain(v);
        err_set(e, -1000,
                "An unknown error occured while processing the request.");
        return NULL;
    }
    if (res.order_id == 0) {
        drain(v);
        if (res.reason == LX_ENG_R_MIN_NOTIONAL) {
            char n[48];

            if (lx_decimal_format(s->min_notional, n, sizeof(n)) < 0) {
                n[0] = '\0';
            }
            err_set(e, -4164,
                    "Order's notional must be no smaller than %s (unless you "
                    "choose reduce only).",
                    n);
            return NULL;
        }
        reason_err(res.reason, 0, e);
        return NULL;
    }
    o = record(v, acct, s, r, res.order_id, cid);
    o->algo = (uint8_t)algo;
    o->working = r->working_type;
    if (algo) {
        o->aid = UM_ALGO_ID0 + ++v->algo_seq;
    }
    count_open(v, o); /* record() counted it before it was marked algo */
    drain(v);
    return o;
}

/* Submits r for acct; answers the order or the rejection. */
static void submit(struct lx_mock_call *c, struct lx_mock_bn_usdm *v,
                   uint32_t acct, struct um_symbol *s,
                   struct lx_eng_order_dreq *r, const char *cid, int algo)
{
    struct um_order *o;
    struct um_err e;

    if ((o = place_order(v, acct, s, r, cid, algo, &e)) == NULL) {
        fail_err(c, &e);
        return;
    }
    lx_mock_sb_reset(&v->sb);
    if (algo) {
        render_algo(v, o);
    } else {
        render_order(v, o);
    }
    send(c, v);
}

static void r_order_new(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct lx_eng_order_dreq r;
    struct um_symbol *s;
    uint32_t acct;
    int limit_px, stop;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL) {
        return;
    }
    memset(&r, 0, sizeof(r));
    if (!order_params(c, s, &r)) {
        return;
    }
    limit_px = r.type == LX_ENG_LIMIT || r.type == LX_ENG_STOP_LOSS_LIMIT ||
               r.type == LX_ENG_TAKE_PROFIT_LIMIT;
    stop = r.type >= LX_ENG_STOP_LOSS && r.type <= LX_ENG_TAKE_PROFIT_LIMIT;
    if (limit_px && lx_mock_call_param(c, "timeInForce", NULL) == NULL) {
        (void)need(c, "timeInForce");
        return;
    }
    if (!dec_param(c, "quantity", 1, &r.qty) ||
        !dec_param(c, "price", limit_px, &r.price) ||
        !dec_param(c, "stopPrice", stop, &r.stop_price)) {
        return;
    }
    if (lx_mock_bn_charge_orders(c, acct, 1) < 0) {
        return;
    }
    submit(c, v, acct, s, &r, lx_mock_call_param(c, "newClientOrderId", NULL),
           0);
}

/* The account's order named by orderId or origClientOrderId, or NULL
 * after answering (-2013 for GET, -2011 for DELETE). */
static struct um_order *find_order(struct lx_mock_call *c,
                                   struct lx_mock_bn_usdm *v, uint32_t acct,
                                   const struct um_symbol *s, int del)
{
    size_t len = 0;
    const char *id = lx_mock_call_param(c, "orderId", &len);
    const char *cid = lx_mock_call_param(c, "origClientOrderId", NULL);
    struct um_order *o = NULL;
    int64_t n;

    if (id == NULL && cid == NULL) {
        fail(c, 400, -1102,
             "Param 'origClientOrderId' or 'orderId' must be "
             "sent, but both were empty/null!");
        return NULL;
    }
    if (id != NULL) {
        if (lx__parse_i64(id, len, &n) == LX_OK && n > 0) {
            o = order_by_id(v, (uint64_t)n);
        }
    } else {
        o = order_by_cid(v, acct, cid);
    }
    if (o == NULL || o->account != acct || &v->syms[o->sym] != s ||
        (o->algo && !o->triggered)) {
        if (del) {
            fail(c, 400, -2011, "Unknown order sent.");
        } else {
            fail(c, 400, -2013, "Order does not exist.");
        }
        return NULL;
    }
    return o;
}

static void r_order_get(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s;
    struct um_order *o;
    uint32_t acct;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        (o = find_order(c, v, acct, s, 0)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    render_order(v, o);
    send(c, v);
}

static void r_order_del(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct lx_eng_result res;
    struct um_symbol *s;
    struct um_order *o;
    uint32_t acct;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        (o = find_order(c, v, acct, s, 1)) == NULL) {
        return;
    }
    if (lx__engine_cancel(v->eng, acct, o->id, NULL, 0,
                          lx_mock_door_now_ns(v->door), &res) != LX_OK ||
        res.reason == LX_ENG_R_UNKNOWN_ORDER) {
        drain(v);
        fail(c, 400, -2011, "Unknown order sent.");
        return;
    }
    drain(v);
    lx_mock_sb_reset(&v->sb);
    render_order(v, o);
    send(c, v);
}

/*
 * PUT /fapi/v1/order: modifies a LIMIT order's price and quantity (both
 * required, side as the order's). It goes to the back of the queue; a new
 * price that crosses trades at once. The venue's rules: the same price and
 * quantity -5027, not LIMIT -5025, a filter failure leaves the order as it
 * is; a partially filled order whose new quantity is not above what has
 * been executed, or a GTX order whose new price would take, is cancelled.
 */
static int modify_order(struct lx_mock_bn_usdm *v, uint32_t acct,
                        struct um_symbol *s, struct um_order *o,
                        const char *side, struct lx_decimal price,
                        struct lx_decimal qty, struct um_err *e)
{
    struct lx_eng_result res;
    int64_t px, lots, bp = 0, bq = 0;
    int cancel;

    if (!order_open(o)) {
        err_set(e, -2013, "Order does not exist.");
        return 0;
    }
    if (strcmp(side, o->side == LX_ENG_BUY ? "BUY" : "SELL") != 0) {
        err_set(e, -1117, "Invalid side.");
        return 0;
    }
    if (o->type != LX_ENG_LIMIT) {
        err_set(e, -5025, "Only limit order is supported.");
        return 0;
    }
    if (lx_decimal_to_ticks(price, s->tick, &px) != LX_OK) {
        reason_err(LX_ENG_R_PRICE_FILTER, 0, e);
        return 0;
    }
    if (lx_decimal_to_ticks(qty, s->lot, &lots) != LX_OK) {
        reason_err(LX_ENG_R_LOT_SIZE, 0, e);
        return 0;
    }
    if (px == o->price && lots == o->orig) {
        err_set(e, -5027, "No need to modify the order.");
        return 0;
    }
    cancel = o->exec > 0 && lots <= o->exec;
    if (o->tif == LX_ENG_GTX &&
        lx__engine_best(v->eng, s->inst, o->side ^ 1, &bp, &bq) == LX_OK) {
        cancel |= o->side == LX_ENG_BUY ? px >= bp : px <= bp;
    }
    if (cancel) {
        (void)lx__engine_cancel(v->eng, acct, o->id, NULL, 0,
                                lx_mock_door_now_ns(v->door), &res);
    } else if (lx__engine_amend_requeue(v->eng, acct, o->id, px, lots,
                                        lx_mock_door_now_ns(v->door),
                                        &res) != LX_OK ||
               res.order_id == 0) {
        drain(v);
        if (res.reason == LX_ENG_R_MIN_NOTIONAL) {
            char n[48];

            if (lx_decimal_format(s->min_notional, n, sizeof(n)) < 0) {
                n[0] = '\0';
            }
            err_set(e, -5029, "Order's notional must be no smaller than %s", n);
            return 0;
        }
        reason_err(res.reason != 0 ? res.reason : LX_ENG_R_UNKNOWN_ORDER, 0, e);
        return 0;
    }
    drain(v);
    return 1;
}

static void r_order_put(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct lx_decimal price, qty;
    struct um_symbol *s;
    struct um_order *o;
    const char *side;
    struct um_err e;
    uint32_t acct;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        (side = need(c, "side")) == NULL ||
        !dec_param(c, "quantity", 1, &qty) ||
        !dec_param(c, "price", 1, &price)) {
        return;
    }
    if (lx_mock_call_param(c, "priceMatch", NULL) != NULL) {
        fail(c, 400, -1106, "Parameter 'priceMatch' sent when not required.");
        return;
    }
    if ((o = find_order(c, v, acct, s, 0)) == NULL) {
        return;
    }
    if (lx_mock_bn_charge_orders(c, acct, 1) < 0) {
        return;
    }
    if (!modify_order(v, acct, s, o, side, price, qty, &e)) {
        fail_err(c, &e);
        return;
    }
    lx_mock_sb_reset(&v->sb);
    render_order(v, o);
    send(c, v);
}

static int order_open(const struct um_order *o)
{
    return o->id != 0 && (o->state == LX_ENG_ST_NEW ||
                          o->state == LX_ENG_ST_PARTIALLY_FILLED);
}

/* Keeps nopen and nalgo in step with o after its state changed. */
static void count_open(struct lx_mock_bn_usdm *v, struct um_order *o)
{
    int open = order_open(o) && o->account < UM_MAX_ACCOUNTS &&
               o->sym < UM_MAX_SYMBOLS;
    int waiting = open && o->algo && !o->triggered;

    if (open && !o->counted) {
        v->nopen[o->account][o->sym]++;
        o->counted = 1;
    } else if (!open && o->counted) {
        v->nopen[o->account][o->sym]--;
        o->counted = 0;
    }
    if (waiting && !o->acounted) {
        v->nalgo[o->account][o->sym]++;
        o->acounted = 1;
    } else if (!waiting && o->acounted) {
        v->nalgo[o->account][o->sym]--;
        o->acounted = 0;
    }
}

static void render_algo(struct lx_mock_bn_usdm *v, const struct um_order *o);

static void open_orders(struct lx_mock_call *c, struct lx_mock_bn_usdm *v,
                        int algo)
{
    const char *name = lx_mock_call_param(c, "symbol", NULL);
    struct um_symbol *s = NULL;
    size_t i, k = 0, n;
    uint32_t acct;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    if (name != NULL && (s = need_sym(c, v)) == NULL) {
        return;
    }
    n = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < n; i++) {
        const struct um_order *o = &v->orders[i];

        if (order_open(o) && o->account == acct &&
            (s == NULL || &v->syms[o->sym] == s) &&
            (!o->algo || o->triggered) == !algo) {
            lx_mock_sb_str(&v->sb, k++ ? "," : "");
            if (algo) {
                render_algo(v, o);
            } else {
                render_order(v, o);
            }
        }
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

static void r_open_orders(struct lx_mock_call *c, void *ud)
{
    open_orders(c, ud, 0);
}

static void r_open_algo(struct lx_mock_call *c, void *ud)
{
    open_orders(c, ud, 1);
}

static void r_cancel_all(struct lx_mock_call *c, void *ud)
{
    static const char ok[] =
        "{\"code\":200,\"msg\":\"The operation of cancel all open order is "
        "done.\"}";
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s;
    uint32_t acct, n = 0;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL) {
        return;
    }
    (void)lx__engine_cancel_all(v->eng, acct, s->inst,
                                lx_mock_door_now_ns(v->door), &n);
    drain(v);
    (void)lx_mock_respond_json(c, 200, ok, sizeof(ok) - 1);
}

/* ---- settings --------------------------------------------------------- */

static void r_leverage(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const char *ls;
    struct um_symbol *s;
    uint32_t acct;
    int64_t lev;
    int reason = 0;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        (ls = need(c, "leverage")) == NULL) {
        return;
    }
    if (lx__parse_i64(ls, strlen(ls), &lev) != LX_OK || lev < 1 || lev > 125) {
        fail(c, 400, -4028, "Leverage %s is not valid", ls);
        return;
    }
    if (lx__engine_set_leverage(v->eng, acct, s->inst, (uint32_t)lev,
                                lx_mock_door_now_ns(v->door),
                                &reason) != LX_OK ||
        reason != LX_ENG_R_NONE) {
        drain(v);
        reject(c, reason, 0);
        return;
    }
    drain(v);
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_i64(&v->sb, "{\"leverage\":", lev);
    lx_mock_sb_str(&v->sb, ",\"maxNotionalValue\":\"1000000\"");
    lx_mock_sb_kv_str(&v->sb, ",\"symbol\":", s->name);
    lx_mock_sb_str(&v->sb, "}");
    send(c, v);
}

static const char ok_json[] = "{\"code\":200,\"msg\":\"success\"}";

static void r_margin_type(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const char *mt;
    struct um_symbol *s;
    uint32_t acct;
    int reason = 0, t;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        (mt = need(c, "marginType")) == NULL) {
        return;
    }
    if (strcmp(mt, "ISOLATED") == 0) {
        t = LX_ENG_ISOLATED;
    } else if (strcmp(mt, "CROSSED") == 0 || strcmp(mt, "CROSS") == 0) {
        t = LX_ENG_CROSS;
    } else {
        fail(c, 400, -4044, "The margin type is invalid.");
        return;
    }
    if (lx__engine_set_margin_type(v->eng, acct, s->inst, t,
                                   lx_mock_door_now_ns(v->door),
                                   &reason) != LX_OK ||
        reason != LX_ENG_R_NONE) {
        drain(v);
        reject(c, reason, 0);
        return;
    }
    drain(v);
    (void)lx_mock_respond_json(c, 200, ok_json, sizeof(ok_json) - 1);
}

static bool hedge_of(struct lx_mock_bn_usdm *v, uint32_t acct)
{
    struct lx_eng_position p;

    /* in hedge mode only LONG / SHORT answer, and say so */
    return v->nsyms > 0 &&
           lx__engine_position(v->eng, acct, v->syms[0].inst, LX_ENG_PS_LONG,
                               &p) == LX_OK &&
           p.hedge;
}

static void r_dual_get(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    uint32_t acct;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, hedge_of(v, acct) ? "{\"dualSidePosition\":true}"
                                             : "{\"dualSidePosition\":false}");
    send(c, v);
}

static void r_dual_set(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const char *d;
    uint32_t acct;
    int reason = 0;

    if (!signed_acct(c, v, &acct) ||
        (d = need(c, "dualSidePosition")) == NULL) {
        return;
    }
    if (strcmp(d, "true") != 0 && strcmp(d, "false") != 0) {
        fail(c, 400, -1130,
             "Data sent for parameter 'dualSidePosition' is "
             "not valid.");
        return;
    }
    if (lx__engine_set_position_mode(v->eng, acct, d[0] == 't',
                                     lx_mock_door_now_ns(v->door),
                                     &reason) != LX_OK ||
        reason != LX_ENG_R_NONE) {
        drain(v);
        reject(c, reason, 1);
        return;
    }
    drain(v);
    (void)lx_mock_respond_json(c, 200, ok_json, sizeof(ok_json) - 1);
}

/* ---- positions and balances ------------------------------------------- */

/*
 * The mark (ticks) at which the engine's margin model (docs/engine.md,
 * "Liquidation") liquidates this position, everything else held as it is:
 * an isolated position is liquidated when margin + uPnL < MM; a cross one
 * when the account's cross equity (free + locked + the uPnL of its cross
 * positions in the margin asset) falls below their MM. The positions that
 * move with the mark are this one (one-way) or both sides of the symbol
 * (hedge mode, cross), S_j signed lots, C_j entry costs; solving
 *   E + sum(S_j*P*k - sgn(S_j)*C_j) = M + sum(|S_j|*P*k*mmr)
 * for P (E, M: the equity and MM of the rest) gives the boundary; the
 * answer is the first tick past it on the losing side (long: the greatest
 * tick below it, short: the least tick above), so the position is
 * liquidated when the mark reaches it. 0: no price liquidates it (a long
 * whose margin covers its cost, or no position).
 */
static int64_t liq_price(struct lx_mock_bn_usdm *v, uint32_t acct,
                         const struct um_symbol *s,
                         const struct lx_eng_position *p)
{
    __int128 eq = 0, mm = 0, net = 0, gross = 0, cost = 0, a, b, r;
    struct lx_eng_position q;
    struct lx_eng_margin m;
    size_t i;
    int side;

    if (p->size == 0 || s->k <= 0) {
        return 0;
    }
    if (p->margin_type == LX_ENG_ISOLATED) {
        eq = p->isolated_margin;
        net = p->size;
        gross = p->size < 0 ? -p->size : p->size;
        cost = p->size < 0 ? -p->cost : p->cost;
    } else {
        if (lx__engine_margin(v->eng, acct, s->margin_asset, &m) != LX_OK) {
            return 0;
        }
        eq = m.wallet;
        for (i = 0; i < v->nsyms; i++) {
            const struct um_symbol *t = &v->syms[i];

            for (side = 0; side < 3 && t->margin_asset == s->margin_asset;
                 side++) {
                if (lx__engine_position(v->eng, acct, t->inst, side, &q) !=
                        LX_OK ||
                    q.size == 0) {
                    continue;
                }
                if (q.margin_type == LX_ENG_ISOLATED) {
                    eq -= q.isolated_margin; /* not cross equity */
                } else if (t == s) {
                    net += q.size;
                    gross += q.size < 0 ? -q.size : q.size;
                    cost += q.size < 0 ? -q.cost : q.cost;
                } else {
                    eq += q.upnl;
                    mm += q.maint_margin;
                }
            }
        }
    }
    /* P*a < b liquidates when a > 0 (net long), P*a > b when a < 0 */
    a = (net * UM_E8 - gross * UM_MMR_E8) * s->k;
    b = (mm - eq + cost) * UM_E8;
    if (a > 0) {
        r = b <= 0 ? 0 : (b - 1) / a;
    } else if (a < 0) {
        r = b >= 0 ? 1 : (-b) / (-a) + 1;
    } else {
        r = 0;
    }
    return r > INT64_MAX ? INT64_MAX : (int64_t)r;
}

static void render_position(struct lx_mock_bn_usdm *v, uint32_t acct,
                            const struct um_symbol *s, int side,
                            const struct lx_eng_position *p, int v3)
{
    struct lx_mock_sb *sb = &v->sb;
    int64_t liq = liq_price(v, acct, s, p);

    lx_mock_sb_kv_str(sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"positionSide\":", pos_names[side]);
    kv_qty(v, s, ",\"positionAmt\":", p->size);
    kv_px(v, s, ",\"entryPrice\":", p->entry_price);
    kv_px(v, s, ",\"breakEvenPrice\":", p->entry_price);
    kv_px(v, s, ",\"markPrice\":", p->mark);
    kv_amt(v, s, ",\"unRealizedProfit\":", p->upnl);
    if (liq > 0) {
        kv_px(v, s, ",\"liquidationPrice\":", liq);
    } else {
        lx_mock_sb_str(sb, ",\"liquidationPrice\":\"0\"");
    }
    kv_amt(v, s, ",\"isolatedMargin\":", p->isolated_margin);
    kv_amt(v, s, ",\"notional\":", p->size < 0 ? -p->notional : p->notional);
    lx_mock_sb_kv_str(sb, ",\"marginAsset\":", s->quote);
    kv_amt(v, s, ",\"isolatedWallet\":", p->isolated_margin);
    if (v3) {
        kv_amt(v, s, ",\"initialMargin\":", p->init_margin);
        kv_amt(v, s, ",\"maintMargin\":", p->maint_margin);
        kv_amt(v, s, ",\"positionInitialMargin\":", p->init_margin);
        lx_mock_sb_str(sb, ",\"openOrderInitialMargin\":\"0\",\"adl\":0,"
                           "\"bidNotional\":\"0\",\"askNotional\":\"0\"");
    } else {
        lx_mock_sb_kv_i64(sb, ",\"leverage\":\"", p->leverage);
        lx_mock_sb_kv_str(
            sb, "\",\"maxNotionalValue\":", max_notional(p->leverage));
        lx_mock_sb_str(sb, p->margin_type == LX_ENG_ISOLATED
                               ? ",\"marginType\":\"isolated\""
                               : ",\"marginType\":\"cross\"");
        lx_mock_sb_str(sb, ",\"isAutoAddMargin\":\"false\"");
    }
    lx_mock_sb_kv_i64(sb, ",\"updateTime\":", now_ms(v));
    lx_mock_sb_str(sb, "}");
}

/* Positions of acct (v3: only non-zero ones, as the venue does). */
static void positions(struct lx_mock_bn_usdm *v, uint32_t acct,
                      const struct um_symbol *only, int v3)
{
    struct lx_eng_position p;
    size_t i, k = 0;
    int side;

    for (i = 0; i < v->nsyms; i++) {
        const struct um_symbol *s = &v->syms[i];

        if (only != NULL && s != only) {
            continue;
        }
        for (side = 0; side < 3; side++) {
            if (lx__engine_position(v->eng, acct, s->inst, side, &p) != LX_OK ||
                (p.hedge != (side != 0)) || (v3 && p.size == 0)) {
                continue;
            }
            lx_mock_sb_str(&v->sb, k++ ? "," : "");
            render_position(v, acct, s, side, &p, v3);
        }
    }
}

static void position_risk(struct lx_mock_call *c, struct lx_mock_bn_usdm *v,
                          int v3)
{
    const char *name = lx_mock_call_param(c, "symbol", NULL);
    struct um_symbol *s = NULL;
    uint32_t acct;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    if (name != NULL && (s = need_sym(c, v)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    positions(v, acct, s, v3);
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

static void r_risk_v2(struct lx_mock_call *c, void *ud)
{
    position_risk(c, ud, 0);
}

static void r_risk_v3(struct lx_mock_call *c, void *ud)
{
    position_risk(c, ud, 1);
}

static void render_balance(struct lx_mock_bn_usdm *v, uint32_t acct,
                           const struct lx_eng_margin *m)
{
    const struct um_symbol *s = &v->syms[0];

    lx_mock_sb_str(&v->sb, "{\"accountAlias\":\"SgsR\"");
    lx_mock_sb_kv_str(&v->sb, ",\"asset\":", s->quote);
    kv_amt(v, s, ",\"balance\":", m->wallet);
    kv_amt(v, s, ",\"crossWalletBalance\":", m->wallet);
    kv_amt(v, s, ",\"crossUnPnl\":", m->upnl);
    kv_amt(v, s, ",\"availableBalance\":", m->available);
    kv_amt(v, s, ",\"maxWithdrawAmount\":", m->available);
    lx_mock_sb_str(&v->sb, ",\"marginAvailable\":true");
    lx_mock_sb_kv_i64(&v->sb, ",\"updateTime\":", now_ms(v));
    lx_mock_sb_str(&v->sb, "}");
    (void)acct;
}

static void r_balance(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct lx_eng_margin m;
    uint32_t acct;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    memset(&m, 0, sizeof(m));
    (void)lx__engine_margin(v->eng, acct, v->syms[0].margin_asset, &m);
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    render_balance(v, acct, &m);
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

static void r_account(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const struct um_symbol *s = &v->syms[0];
    struct lx_eng_margin m;
    uint32_t acct;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    memset(&m, 0, sizeof(m));
    (void)lx__engine_margin(v->eng, acct, s->margin_asset, &m);
    lx_mock_sb_reset(&v->sb);
    kv_amt(v, s, "{\"totalInitialMargin\":", m.position_im + m.order_im);
    kv_amt(v, s, ",\"totalMaintMargin\":", m.maint_margin);
    kv_amt(v, s, ",\"totalWalletBalance\":", m.wallet);
    kv_amt(v, s, ",\"totalUnrealizedProfit\":", m.upnl);
    kv_amt(v, s, ",\"totalMarginBalance\":", m.margin_balance);
    kv_amt(v, s, ",\"totalPositionInitialMargin\":", m.position_im);
    kv_amt(v, s, ",\"totalOpenOrderInitialMargin\":", m.order_im);
    kv_amt(v, s, ",\"totalCrossWalletBalance\":", m.wallet);
    kv_amt(v, s, ",\"totalCrossUnPnl\":", m.upnl);
    kv_amt(v, s, ",\"availableBalance\":", m.available);
    kv_amt(v, s, ",\"maxWithdrawAmount\":", m.available);
    lx_mock_sb_kv_str(&v->sb, ",\"assets\":[{\"asset\":", s->quote);
    kv_amt(v, s, ",\"walletBalance\":", m.wallet);
    kv_amt(v, s, ",\"unrealizedProfit\":", m.upnl);
    kv_amt(v, s, ",\"marginBalance\":", m.margin_balance);
    kv_amt(v, s, ",\"maintMargin\":", m.maint_margin);
    kv_amt(v, s, ",\"initialMargin\":", m.position_im + m.order_im);
    kv_amt(v, s, ",\"positionInitialMargin\":", m.position_im);
    kv_amt(v, s, ",\"openOrderInitialMargin\":", m.order_im);
    kv_amt(v, s, ",\"availableBalance\":", m.available);
    lx_mock_sb_kv_i64(&v->sb, ",\"updateTime\":", now_ms(v));
    lx_mock_sb_str(&v->sb, "}],\"positions\":[");
    positions(v, acct, NULL, 1);
    lx_mock_sb_str(&v->sb, "]}");
    send(c, v);
}

/* ---- user data ---------------------------------------------------------- */

static void user_stream(uint32_t account, char out[24])
{
    lx__snprintf(out, 24, "user@%u", (unsigned)account);
}

static const char *listen_user(const char *key, void *ud)
{
    static char name[24];
    struct lx_mock_bn_usdm *v = ud;
    size_t i;

    for (i = 0; i < v->nlisten; i++) {
        if (strcmp(v->listen[i].key, key) == 0) {
            user_stream(v->listen[i].account, name);
            return name;
        }
    }
    return NULL;
}

static void user_publish(struct lx_mock_bn_usdm *v, uint32_t account)
{
    char name[24];

    user_stream(account, name);
    (void)lx_mock_bn_hub_publish(v->hub, name, v->usb.buf, v->usb.len);
}

static const char *const exec_names[] = {"NEW", "TRADE", "CANCELED", "EXPIRED",
                                         "AMENDMENT"};

static struct lx_decimal quote_dec(const struct um_symbol *s, int64_t pq);

/* True when o works in the book (not an algo order still waiting). */
static int order_working(const struct um_order *o)
{
    return order_open(o) && (!o->algo || (o->triggered && !o->rejected));
}

/*
 * ORDER_TRADE_UPDATE's b / a: the notional (price * open quantity) of the
 * account's working buy / sell orders on o's symbol, o as cur shows it.
 */
static void open_notional(struct lx_mock_bn_usdm *v, const struct um_order *o,
                          const struct um_order *cur, int64_t nt[2])
{
    size_t i, n = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;

    nt[0] = nt[1] = 0;
    for (i = 0; i < n; i++) {
        const struct um_order *x = &v->orders[i] == o ? cur : &v->orders[i];

        if (x->account == cur->account && x->sym == cur->sym &&
            order_working(x)) {
            nt[x->side == LX_ENG_BUY ? 0 : 1] += x->price * (x->orig - x->exec);
        }
    }
}

/* ORDER_TRADE_UPDATE; fill NULL unless x is TRADE (rpnl from POSITION). */
static void order_update(struct lx_mock_bn_usdm *v, const struct um_order *o,
                         int x, const struct lx_eng_event *fill, int64_t rpnl,
                         int64_t ms)
{
    const struct um_symbol *s = &v->syms[o->sym];
    struct lx_mock_sb *sb = &v->usb;
    int64_t nt[2];

    open_notional(v, order_by_id(v, o->id), o, nt);
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":", ms);
    lx_mock_sb_kv_i64(sb, ",\"T\":", ms);
    lx_mock_sb_kv_str(sb, ",\"o\":{\"s\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"c\":", o->cid);
    lx_mock_sb_kv_str(sb, ",\"S\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
    lx_mock_sb_kv_str(sb, ",\"o\":", type_names[o->type]);
    lx_mock_sb_kv_str(sb, ",\"f\":", tif_names[o->tif]);
    lx_mock_sb_kv_dec(sb, ",\"q\":", qty_dec(v, s, o->orig));
    lx_mock_sb_kv_dec(sb, ",\"p\":", px_dec(v, s, o->price));
    lx_mock_sb_kv_dec(
        sb, ",\"ap\":", px_dec(v, s, o->exec > 0 ? o->quote / o->exec : 0));
    lx_mock_sb_kv_dec(sb, ",\"sp\":", px_dec(v, s, o->stop));
    lx_mock_sb_kv_str(sb, ",\"x\":", exec_names[x]);
    lx_mock_sb_kv_str(sb, ",\"X\":", state_names[o->state]);
    lx_mock_sb_kv_i64(sb, ",\"i\":", (int64_t)o->id);
    lx_mock_sb_kv_dec(sb, ",\"l\":", qty_dec(v, s, fill ? fill->qty : 0));
    lx_mock_sb_kv_dec(sb, ",\"z\":", qty_dec(v, s, o->exec));
    lx_mock_sb_kv_dec(sb, ",\"L\":", px_dec(v, s, fill ? fill->price : 0));
    if (fill != NULL) { /* "will not push if no commission" */
        lx_mock_sb_kv_str(sb, ",\"N\":", s->quote);
        kv_e8(sb, ",\"n\":", fill->a);
    }
    lx_mock_sb_kv_i64(sb, ",\"T\":", ms);
    lx_mock_sb_kv_i64(sb, ",\"t\":", fill ? v->tid : 0);
    lx_mock_sb_kv_dec(sb, ",\"b\":", quote_dec(s, nt[0]));
    lx_mock_sb_kv_dec(sb, ",\"a\":", quote_dec(s, nt[1]));
    lx_mock_sb_str(sb, ",\"m\":");
    lx_mock_sb_bool(sb, fill != NULL && (fill->flags & LX_ENG_FILL_MAKER));
    lx_mock_sb_str(sb, o->reduce ? ",\"R\":true" : ",\"R\":false");
    lx_mock_sb_kv_str(
        sb, ",\"wt\":\"CONTRACT_PRICE\",\"ot\":", type_names[o->type]);
    lx_mock_sb_kv_str(sb, ",\"ps\":", pos_names[o->pos_side]);
    kv_e8(sb, ",\"cp\":false,\"pP\":false,\"si\":0,\"ss\":0,\"rp\":", rpnl);
    lx_mock_sb_str(sb, ",\"V\":\"NONE\",\"pm\":\"NONE\",\"gtd\":0}}");
    user_publish(v, o->account);
}

/* The isolated margins of acct's positions in s's margin asset. */
static int64_t isolated_margins(struct lx_mock_bn_usdm *v, uint32_t acct,
                                const struct um_symbol *s)
{
    struct lx_eng_position p;
    int64_t sum = 0;
    size_t i;
    int side;

    for (i = 0; i < v->nsyms; i++) {
        for (side = 0; side < 3 && v->syms[i].margin_asset == s->margin_asset;
             side++) {
            if (lx__engine_position(v->eng, acct, v->syms[i].inst, side, &p) ==
                LX_OK) {
                sum += p.isolated_margin;
            }
        }
    }
    return sum;
}

/* TRADE_LITE: the short event the venue sends first for each fill. */
static void trade_lite(struct lx_mock_bn_usdm *v, const struct um_order *o,
                       const struct lx_eng_event *fill, int64_t ms)
{
    const struct um_symbol *s = &v->syms[o->sym];
    struct lx_mock_sb *sb = &v->usb;

    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"e\":\"TRADE_LITE\",\"E\":", ms);
    lx_mock_sb_kv_i64(sb, ",\"T\":", ms);
    lx_mock_sb_kv_str(sb, ",\"s\":", s->name);
    lx_mock_sb_kv_dec(sb, ",\"q\":", qty_dec(v, s, o->orig));
    lx_mock_sb_kv_dec(sb, ",\"p\":", px_dec(v, s, o->price));
    lx_mock_sb_str(sb, ",\"m\":");
    lx_mock_sb_bool(sb, (fill->flags & LX_ENG_FILL_MAKER) != 0);
    lx_mock_sb_kv_str(sb, ",\"c\":", o->cid);
    lx_mock_sb_kv_str(sb, ",\"S\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
    lx_mock_sb_kv_dec(sb, ",\"L\":", px_dec(v, s, fill->price));
    lx_mock_sb_kv_dec(sb, ",\"l\":", qty_dec(v, s, fill->qty));
    lx_mock_sb_kv_i64(sb, ",\"t\":", v->tid);
    lx_mock_sb_kv_i64(sb, ",\"i\":", (int64_t)o->id);
    lx_mock_sb_str(sb, "}");
    user_publish(v, o->account);
}

/*
 * ALGO_UPDATE of an algo (conditional) order: X is NEW, CANCELED,
 * TRIGGERING, TRIGGERED, FINISHED, REJECTED or EXPIRED; rm the reason of a
 * rejection ("" otherwise).
 */
static void algo_update(struct lx_mock_bn_usdm *v, const struct um_order *o,
                        const char *status, const char *rm, int64_t ms)
{
    const struct um_symbol *s = &v->syms[o->sym];
    struct lx_mock_sb *sb = &v->usb;
    int placed = o->triggered && !o->rejected; /* in the matching engine */

    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"e\":\"ALGO_UPDATE\",\"T\":", ms);
    lx_mock_sb_kv_i64(sb, ",\"E\":", ms);
    lx_mock_sb_kv_str(sb, ",\"o\":{\"caid\":", o->cid);
    lx_mock_sb_kv_i64(sb, ",\"aid\":", (int64_t)o->aid);
    lx_mock_sb_kv_str(sb,
                      ",\"at\":\"CONDITIONAL\",\"o\":", type_names[o->type]);
    lx_mock_sb_kv_str(sb, ",\"s\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"S\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
    lx_mock_sb_kv_str(sb, ",\"ps\":", pos_names[o->pos_side]);
    lx_mock_sb_kv_str(sb, ",\"f\":", tif_names[o->tif]);
    lx_mock_sb_kv_dec(sb, ",\"q\":", qty_dec(v, s, o->orig));
    lx_mock_sb_kv_str(sb, ",\"X\":", status);
    if (placed) {
        lx_mock_sb_kv_i64(sb, ",\"ai\":\"", (int64_t)o->id);
        lx_mock_sb_str(sb, "\"");
    } else {
        lx_mock_sb_str(sb, ",\"ai\":\"\"");
    }
    lx_mock_sb_kv_dec(
        sb, ",\"ap\":", px_dec(v, s, o->exec > 0 ? o->quote / o->exec : 0));
    lx_mock_sb_kv_dec(sb, ",\"aq\":", qty_dec(v, s, o->exec));
    if (placed) { /* STOP and TAKE_PROFIT work as LIMIT, the rest MARKET */
        lx_mock_sb_kv_str(sb, ",\"act\":",
                          o->type == LX_ENG_STOP_LOSS_LIMIT ||
                                  o->type == LX_ENG_TAKE_PROFIT_LIMIT
                              ? "LIMIT"
                              : "MARKET");
    } else {
        lx_mock_sb_str(sb, ",\"act\":\"0\"");
    }
    lx_mock_sb_kv_dec(sb, ",\"tp\":", px_dec(v, s, o->stop));
    lx_mock_sb_kv_dec(sb, ",\"p\":", px_dec(v, s, o->price));
    lx_mock_sb_str(sb, ",\"V\":\"NONE\"");
    lx_mock_sb_str(sb, o->working == LX_ENG_WT_MARK
                           ? ",\"wt\":\"MARK_PRICE\""
                           : ",\"wt\":\"CONTRACT_PRICE\"");
    lx_mock_sb_str(sb, ",\"pm\":\"NONE\",\"cp\":false,\"pP\":false,\"R\":");
    lx_mock_sb_bool(sb, o->reduce != 0);
    lx_mock_sb_kv_i64(sb, ",\"tt\":", o->triggered ? o->trigger_ms : 0);
    lx_mock_sb_kv_str(sb, ",\"gtd\":0,\"rm\":", rm);
    lx_mock_sb_str(sb, "}}");
    user_publish(v, o->account);
}

/* ACCOUNT_UPDATE after a fill (ORDER) or funding (FUNDING_FEE). */
static void account_update(struct lx_mock_bn_usdm *v, uint32_t acct,
                           const struct um_symbol *s, int idx, const char *why,
                           int64_t ms)
{
    struct lx_mock_sb *sb = &v->usb;
    struct lx_eng_position p;
    struct lx_eng_margin m;
    int side = hedge_of(v, acct) ? idx + 1 : LX_ENG_PS_BOTH;

    memset(&m, 0, sizeof(m));
    memset(&p, 0, sizeof(p));
    (void)lx__engine_margin(v->eng, acct, s->margin_asset, &m);
    (void)lx__engine_position(v->eng, acct, s->inst, side, &p);
    lx_mock_sb_reset(sb);
    lx_mock_sb_kv_i64(sb, "{\"e\":\"ACCOUNT_UPDATE\",\"E\":", ms);
    lx_mock_sb_kv_i64(sb, ",\"T\":", ms);
    lx_mock_sb_kv_str(sb, ",\"a\":{\"m\":", why);
    lx_mock_sb_kv_str(sb, ",\"B\":[{\"a\":", s->quote);
    kv_e8(sb, ",\"wb\":", m.wallet);
    kv_e8(sb, ",\"cw\":", m.wallet - isolated_margins(v, acct, s));
    lx_mock_sb_str(sb, ",\"bc\":\"0\"}]");
    lx_mock_sb_kv_str(sb, ",\"P\":[{\"s\":", s->name);
    lx_mock_sb_kv_dec(sb, ",\"pa\":", qty_dec(v, s, p.size));
    lx_mock_sb_kv_dec(sb, ",\"ep\":", px_dec(v, s, p.entry_price));
    lx_mock_sb_kv_dec(sb, ",\"bep\":", px_dec(v, s, p.entry_price));
    kv_e8(sb, ",\"cr\":", p.realized);
    kv_e8(sb, ",\"up\":", p.upnl);
    lx_mock_sb_str(sb, p.margin_type == LX_ENG_ISOLATED ? ",\"mt\":\"isolated\""
                                                        : ",\"mt\":\"cross\"");
    kv_e8(sb, ",\"iw\":", p.isolated_margin);
    lx_mock_sb_kv_str(sb, ",\"ps\":", pos_names[side]);
    lx_mock_sb_str(sb, "}]}}");
    user_publish(v, acct);
}

static int has_listener(const struct lx_mock_bn_usdm *v, uint32_t acct)
{
    size_t i;

    for (i = 0; v->hub != NULL && i < v->nlisten; i++) {
        if (v->listen[i].account == acct) {
            return 1;
        }
    }
    return 0;
}

/* rm of an ALGO_UPDATE REJECTED: why the triggered order was refused. */
static const char *algo_reject_msg(int reason)
{
    if (reason == LX_ENG_R_REDUCE_ONLY) {
        return "Reduce Only reject";
    }
    if (reason == LX_ENG_R_MARGIN_INSUFFICIENT) {
        return "Margin is insufficient.";
    }
    return "Order would immediately expire.";
}

/* The algo order o's order ended (filled, canceled, expired): FINISHED. */
static void algo_finished(struct lx_mock_bn_usdm *v, const struct um_order *o,
                          int64_t ms)
{
    if (o->algo && o->triggered && !o->rejected) {
        algo_update(v, o, "FINISHED", "", ms);
    }
}

/*
 * The user-data events of an engine event, as the venue sends them: for
 * orders ORDER_TRADE_UPDATE (NEW, TRADE preceded by TRADE_LITE and
 * followed by ACCOUNT_UPDATE, CANCELED, EXPIRED); for algo orders
 * ALGO_UPDATE NEW / CANCELED / EXPIRED while waiting, TRIGGERING and
 * TRIGGERED then the ORDER_TRADE_UPDATEs of the order it placed and
 * FINISHED when that order is done, or REJECTED when the order failed at
 * the trigger (margin, reduce-only).
 */
static void user_event(struct lx_mock_bn_usdm *v, const struct lx_eng_event *e,
                       struct um_order *o)
{
    int64_t ms = e->time / 1000000;
    const struct um_symbol *s;
    struct um_order view;

    if (!has_listener(v, e->account) || e->inst >= v->nsyms) {
        return;
    }
    s = &v->syms[e->inst]; /* instruments are added in symbol order */
    if (e->type == LX_ENG_EV_FUNDING) {
        account_update(v, e->account, s, (int)e->aux, "FUNDING_FEE", ms);
        return;
    }
    if (o == NULL) {
        return;
    }
    view = *o; /* the record is updated after this event (FILL: after it) */
    if (e->type == LX_ENG_EV_ACCEPTED) {
        if (o->algo) {
            algo_update(v, o, "NEW", "", ms);
        } else {
            order_update(v, o, 0, NULL, 0, ms);
        }
    } else if (e->type == LX_ENG_EV_TRIGGERED && o->algo) {
        view.triggered = 1;
        view.trigger_ms = ms;
        if (v->trig_why != 0) { /* its order fails right away */
            view.rejected = 1;
            algo_update(v, &view, "REJECTED", algo_reject_msg(v->trig_why), ms);
            return;
        }
        algo_update(v, &view, "TRIGGERING", "", ms);
        algo_update(v, &view, "TRIGGERED", "", ms);
        order_update(v, &view, 0, NULL, 0, ms); /* the algo's order is born */
    } else if (e->type == LX_ENG_EV_AMENDED) {
        view.price = e->price;
        view.orig = o->exec + e->qty;
        order_update(v, &view, 4, NULL, 0, ms);
    } else if (e->type == LX_ENG_EV_FILL) {
        v->fill = *e; /* its ORDER_TRADE_UPDATE waits for the rpnl */
    } else if (e->type == LX_ENG_EV_POSITION && v->fill.order_id == o->id) {
        /* the record already holds the FILL (drained before this event) */
        trade_lite(v, o, &v->fill, ms);
        order_update(v, o, 1, &v->fill, e->a, ms);
        account_update(v, e->account, s, (int)e->aux, "ORDER", ms);
        if (v->fill.flags & LX_ENG_FILL_LAST) {
            algo_finished(v, o, ms);
        }
        v->fill.order_id = 0;
    } else if (e->type == LX_ENG_EV_CANCELLED || e->type == LX_ENG_EV_EXPIRED) {
        int cancel = e->type == LX_ENG_EV_CANCELLED;

        if (o->algo && o->rejected) {
            return; /* told as REJECTED at the trigger */
        }
        view.state = cancel ? LX_ENG_ST_CANCELED : LX_ENG_ST_EXPIRED;
        if (o->algo && !o->triggered) {
            algo_update(v, &view, cancel ? "CANCELED" : "EXPIRED", "", ms);
            return;
        }
        order_update(v, &view, cancel ? 2 : 3, NULL, 0, ms);
        algo_finished(v, &view, ms);
    }
}

static void r_listen_new(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const struct lx_mock_bn_key *key = NULL;
    struct lx_mock_bn_err err;
    struct um_listen *l = NULL;
    size_t i;

    if (lx_mock_bn_authenticate(c, LX_MOCK_BN_APIKEY, v->keys, v->naccounts,
                                &key, &err) != LX_OK) {
        lx_mock_bn_respond_err(c, &err);
        return;
    }
    for (i = 0; i < v->nlisten; i++) {
        if (v->listen[i].account == key->account) {
            l = &v->listen[i]; /* USD-M hands back the live key */
        }
    }
    if (l == NULL && v->nlisten < UM_MAX_ACCOUNTS) {
        l = &v->listen[v->nlisten++];
        l->account = (uint32_t)key->account;
        for (i = 0; i < 4; i++) {
            lx__snprintf(l->key + 16 * i, 17, "%016llx",
                         (unsigned long long)lx_rng_next(&v->key_rng));
        }
    }
    if (l == NULL) {
        fail(c, 400, -1000, "Too many listen keys.");
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_str(&v->sb, "{\"listenKey\":", l->key);
    lx_mock_sb_str(&v->sb, "}");
    send(c, v);
}

static void r_listen_keep(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const struct lx_mock_bn_key *key = NULL;
    struct lx_mock_bn_err err;
    size_t i;
    int del = strcmp(lx_http_msg_method(lx_mock_call_msg(c)), "DELETE") == 0;

    if (lx_mock_bn_authenticate(c, LX_MOCK_BN_APIKEY, v->keys, v->naccounts,
                                &key, &err) != LX_OK) {
        lx_mock_bn_respond_err(c, &err);
        return;
    }
    for (i = 0; i < v->nlisten; i++) {
        if (v->listen[i].account == key->account) {
            break;
        }
    }
    if (i == v->nlisten) {
        fail(c, 400, -1125, "This listenKey does not exist.");
        return;
    }
    lx_mock_sb_reset(&v->sb);
    if (del) {
        v->listen[i] = v->listen[--v->nlisten];
        lx_mock_sb_str(&v->sb, "{}");
    } else {
        lx_mock_sb_kv_str(&v->sb, "{\"listenKey\":", v->listen[i].key);
        lx_mock_sb_str(&v->sb, "}");
    }
    send(c, v);
}

/* ---- trades, klines, tickers ------------------------------------------ */

static void my_trade(struct lx_mock_bn_usdm *v, const struct lx_eng_event *e,
                     const struct um_order *o)
{
    struct um_my *m;
    uint32_t a = e->account;

    if (a >= UM_MAX_ACCOUNTS || o == NULL) {
        return;
    }
    if (v->my[a] == NULL) {
        v->my[a] = lx__calloc(NULL, UM_MY, sizeof(struct um_my));
        if (v->my[a] == NULL) {
            return; /* out of memory: the fill is not listed */
        }
    }
    m = &v->my[a][v->nmy[a]++ % UM_MY];
    memset(m, 0, sizeof(*m));
    m->order_id = e->order_id;
    m->id = v->tid;
    m->price = e->price;
    m->qty = e->qty;
    m->fee = e->a;
    m->time_ms = e->time / 1000000;
    m->sym = o->sym;
    m->side = e->side;
    m->maker = (e->flags & LX_ENG_FILL_MAKER) != 0;
    m->pos_side = o->pos_side;
}

/* The POSITION event after a FILL carries the fill's realized PnL. */
static void my_trade_pnl(struct lx_mock_bn_usdm *v,
                         const struct lx_eng_event *e)
{
    uint32_t a = e->account;
    struct um_my *m;

    if (a >= UM_MAX_ACCOUNTS || v->my[a] == NULL || v->nmy[a] == 0) {
        return;
    }
    m = &v->my[a][(v->nmy[a] - 1) % UM_MY];
    if (m->order_id == e->order_id) {
        m->rpnl = e->a;
    }
}

static void income_add(struct lx_mock_bn_usdm *v, uint32_t a, int type,
                       uint32_t inst, int64_t amount, int64_t trade_id,
                       int64_t ns)
{
    struct um_income *r;

    if (a >= UM_MAX_ACCOUNTS || amount == 0) {
        return;
    }
    if (v->inc[a] == NULL) {
        v->inc[a] = lx__calloc(NULL, UM_INCOME, sizeof(struct um_income));
        if (v->inc[a] == NULL) {
            return; /* out of memory: not listed */
        }
    }
    r = &v->inc[a][v->ninc[a]++ % UM_INCOME];
    r->amount = amount;
    r->time_ms = ns / 1000000;
    r->tran_id = ++v->tran_id;
    r->trade_id = trade_id;
    r->sym = (uint16_t)(inst < v->nsyms ? inst : UM_MAX_SYMBOLS);
    r->type = (uint8_t)type;
}

/*
 * The income records of an engine event: COMMISSION (the fee of a fill,
 * negative when paid), REALIZED_PNL (the POSITION after a fill), FUNDING_FEE
 * (signed), TRANSFER (deposits into the margin wallet).
 */
static void income_event(struct lx_mock_bn_usdm *v,
                         const struct lx_eng_event *e)
{
    if (e->type == LX_ENG_EV_FILL) {
        income_add(v, e->account, UM_IN_COMMISSION, e->inst, -e->a, v->tid,
                   e->time);
    } else if (e->type == LX_ENG_EV_POSITION) {
        income_add(v, e->account, UM_IN_REALIZED_PNL, e->inst, e->a, v->tid,
                   e->time);
    } else if (e->type == LX_ENG_EV_FUNDING) {
        income_add(v, e->account, UM_IN_FUNDING_FEE, e->inst, e->b, -1,
                   e->time);
    } else if (e->type == LX_ENG_EV_BALANCE &&
               e->reason == LX_ENG_BAL_DEPOSIT) {
        income_add(v, e->account, UM_IN_TRANSFER, UM_MAX_SYMBOLS, e->price, -1,
                   e->time);
    }
}

/* The i-th oldest kept public trade of s (i < kept). */
static const struct um_trade *trade_at(const struct um_symbol *s, size_t i)
{
    size_t kept = s->ntrades < UM_TRADES ? s->ntrades : UM_TRADES;

    return &s->trades[(s->ntrades - kept + i) % UM_TRADES];
}

static size_t trades_kept(const struct um_symbol *s)
{
    return s->ntrades < UM_TRADES ? s->ntrades : UM_TRADES;
}

static int limit_param(struct lx_mock_call *c, int64_t def, int64_t max,
                       int64_t *out)
{
    size_t len = 0;
    const char *ls = lx_mock_call_param(c, "limit", &len);

    *out = def;
    if (ls != NULL && len > 0 &&
        (lx__parse_i64(ls, len, out) != LX_OK || *out < 1)) {
        fail(c, 400, -1100,
             "Illegal characters found in parameter 'limit'; legal range is "
             "'^[0-9]{1,20}$'.");
        return 0;
    }
    if (*out > max) {
        *out = max;
    }
    return 1;
}

static void r_trades(struct lx_mock_call *c, void *ud, int agg)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    size_t i, n, from;
    int64_t lim;

    if (s == NULL || !limit_param(c, 500, 1000, &lim)) {
        return;
    }
    n = trades_kept(s);
    from = n > (size_t)lim ? n - (size_t)lim : 0;
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = from; i < n; i++) {
        const struct um_trade *t = trade_at(s, i);

        lx_mock_sb_str(&v->sb, i > from ? "," : "");
        if (agg) {
            lx_mock_sb_kv_i64(&v->sb, "{\"a\":", t->id);
            kv_px(v, s, ",\"p\":", t->price);
            kv_qty(v, s, ",\"q\":", t->qty);
            lx_mock_sb_kv_i64(&v->sb, ",\"f\":", t->id);
            lx_mock_sb_kv_i64(&v->sb, ",\"l\":", t->id);
            lx_mock_sb_kv_i64(&v->sb, ",\"T\":", t->time_ms);
            lx_mock_sb_str(&v->sb, ",\"m\":");
        } else {
            lx_mock_sb_kv_i64(&v->sb, "{\"id\":", t->id);
            kv_px(v, s, ",\"price\":", t->price);
            kv_qty(v, s, ",\"qty\":", t->qty);
            lx_mock_sb_kv_dec(&v->sb, ",\"quoteQty\":",
                              lx_decimal_normalize(lx_decimal_from_i64(
                                  t->price * t->qty * s->tick.m * s->lot.m,
                                  s->tick.scale + s->lot.scale)));
            lx_mock_sb_kv_i64(&v->sb, ",\"time\":", t->time_ms);
            lx_mock_sb_str(&v->sb, ",\"isBuyerMaker\":");
        }
        lx_mock_sb_bool(&v->sb, t->buyer_maker);
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

static void r_trades_plain(struct lx_mock_call *c, void *ud)
{
    r_trades(c, ud, 0);
}

static void r_agg_trades(struct lx_mock_call *c, void *ud)
{
    r_trades(c, ud, 1);
}

/* Quote amount of ticks * lots as a decimal. */
static struct lx_decimal quote_dec(const struct um_symbol *s, int64_t pq)
{
    return lx_decimal_normalize(lx_decimal_from_i64(
        pq * s->tick.m * s->lot.m, s->tick.scale + s->lot.scale));
}

static int64_t interval_ms(const char *iv)
{
    static const struct {
        const char *name;
        int64_t ms;
    } t[] = {{"1m", 60000},    {"3m", 180000},    {"5m", 300000},
             {"15m", 900000},  {"30m", 1800000},  {"1h", 3600000},
             {"2h", 7200000},  {"4h", 14400000},  {"6h", 21600000},
             {"8h", 28800000}, {"12h", 43200000}, {"1d", 86400000}};
    size_t i;

    for (i = 0; iv != NULL && i < sizeof(t) / sizeof(t[0]); i++) {
        if (strcmp(t[i].name, iv) == 0) {
            return t[i].ms;
        }
    }
    return 0;
}

struct um_bar {
    int64_t open_ms, o, h, l, c, vol, qv, n, tb, tbq;
};

static void kline_row(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                      const struct um_bar *b, int64_t step, int first)
{
    lx_mock_sb_kv_i64(&v->sb, first ? "[" : ",[", b->open_ms);
    kv_px(v, s, ",", b->o);
    kv_px(v, s, ",", b->h);
    kv_px(v, s, ",", b->l);
    kv_px(v, s, ",", b->c);
    kv_qty(v, s, ",", b->vol);
    lx_mock_sb_kv_i64(&v->sb, ",", b->open_ms + step - 1);
    lx_mock_sb_kv_dec(&v->sb, ",", quote_dec(s, b->qv));
    lx_mock_sb_kv_i64(&v->sb, ",", b->n);
    kv_qty(v, s, ",", b->tb);
    lx_mock_sb_kv_dec(&v->sb, ",", quote_dec(s, b->tbq));
    lx_mock_sb_str(&v->sb, ",\"0\"]");
}

/* Klines from the kept trades: every bar from the first trade's to now. */
static void r_klines(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    const char *iv = s != NULL ? need(c, "interval") : NULL;
    int64_t step = interval_ms(iv), lim, start, now = now_ms(v), t0;
    size_t i = 0, n;
    struct um_bar b;
    int rows = 0;

    if (iv == NULL) {
        return;
    }
    if (step == 0) {
        fail(c, 400, -1120, "Invalid interval.");
        return;
    }
    if (!limit_param(c, 500, 1500, &lim)) {
        return;
    }
    n = trades_kept(s);
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    t0 = n > 0 ? trade_at(s, 0)->time_ms / step * step : now / step * step;
    start = now / step * step - (lim - 1) * step;
    memset(&b, 0, sizeof(b));
    for (b.open_ms = t0; b.open_ms <= now; b.open_ms += step) {
        b.o = b.h = b.l = b.c;
        b.vol = b.qv = b.n = b.tb = b.tbq = 0;
        for (; i < n && trade_at(s, i)->time_ms < b.open_ms + step; i++) {
            const struct um_trade *t = trade_at(s, i);

            b.o = b.n == 0 ? t->price : b.o;
            b.h = b.n == 0 || t->price > b.h ? t->price : b.h;
            b.l = b.n == 0 || t->price < b.l ? t->price : b.l;
            b.c = t->price;
            b.n++;
            b.vol += t->qty;
            b.qv += t->price * t->qty;
            if (!t->buyer_maker) {
                b.tb += t->qty;
                b.tbq += t->price * t->qty;
            }
        }
        if (b.open_ms >= start && (b.n > 0 || b.c != 0)) {
            kline_row(v, s, &b, step, rows++ == 0);
        }
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

/* 24 h statistics from the kept trades. */
static void r_ticker24(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s = need_sym(c, v);
    int64_t now = now_ms(v), from = now - 86400000, vol = 0, qv = 0;
    int64_t o = 0, h = 0, l = 0, last = 0, lq = 0, fid = -1, lid = -1, cnt = 0;
    struct lx_decimal chg, pct = {0, 3}, w = {0, 2};
    size_t i, n;

    if (s == NULL) {
        return;
    }
    n = trades_kept(s);
    for (i = 0; i < n; i++) {
        const struct um_trade *t = trade_at(s, i);

        if (t->time_ms < from) {
            continue;
        }
        o = cnt == 0 ? t->price : o;
        h = cnt == 0 || t->price > h ? t->price : h;
        l = cnt == 0 || t->price < l ? t->price : l;
        fid = cnt++ == 0 ? t->id : fid;
        lid = t->id;
        last = t->price;
        lq = t->qty;
        vol += t->qty;
        qv += t->price * t->qty;
    }
    chg = px_dec(v, s, last - o);
    if (o != 0 && lx_decimal_div(lx_decimal_from_i64((last - o) * 100, 0),
                                 lx_decimal_from_i64(o, 0), 3, LX_ROUND_HALF_UP,
                                 &pct) != LX_OK) {
        pct = lx_decimal_from_i64(0, 3);
    }
    if (vol != 0 && lx_decimal_div(quote_dec(s, qv), qty_dec(v, s, vol), 2,
                                   LX_ROUND_HALF_UP, &w) != LX_OK) {
        w = lx_decimal_from_i64(0, 2);
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
    lx_mock_sb_kv_dec(&v->sb, ",\"priceChange\":", chg);
    lx_mock_sb_kv_dec(&v->sb, ",\"priceChangePercent\":", pct);
    lx_mock_sb_kv_dec(&v->sb, ",\"weightedAvgPrice\":", w);
    kv_px(v, s, ",\"lastPrice\":", last);
    kv_qty(v, s, ",\"lastQty\":", lq);
    kv_px(v, s, ",\"openPrice\":", o);
    kv_px(v, s, ",\"highPrice\":", h);
    kv_px(v, s, ",\"lowPrice\":", l);
    kv_qty(v, s, ",\"volume\":", vol);
    lx_mock_sb_kv_dec(&v->sb, ",\"quoteVolume\":", quote_dec(s, qv));
    lx_mock_sb_kv_i64(&v->sb, ",\"openTime\":", from);
    lx_mock_sb_kv_i64(&v->sb, ",\"closeTime\":", now);
    lx_mock_sb_kv_i64(&v->sb, ",\"firstId\":", fid);
    lx_mock_sb_kv_i64(&v->sb, ",\"lastId\":", lid);
    lx_mock_sb_kv_i64(&v->sb, ",\"count\":", cnt);
    lx_mock_sb_str(&v->sb, "}");
    send(c, v);
}

static void r_user_trades(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_symbol *s;
    uint32_t acct;
    size_t i, n, kept, from, k = 0;
    int64_t lim;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        !limit_param(c, 500, 1000, &lim)) {
        return;
    }
    n = acct < UM_MAX_ACCOUNTS ? v->nmy[acct] : 0;
    kept = n < UM_MY ? n : UM_MY;
    /* the newest lim of this symbol, oldest first, as Binance lists them */
    for (i = n, from = n; i > n - kept && (int64_t)k < lim; i--) {
        if (&v->syms[v->my[acct][(i - 1) % UM_MY].sym] == s) {
            k++;
            from = i - 1;
        }
    }
    k = 0;
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = from; i < n; i++) {
        const struct um_my *m = &v->my[acct][i % UM_MY];

        if (&v->syms[m->sym] != s) {
            continue;
        }
        lx_mock_sb_str(&v->sb, k++ ? "," : "");
        lx_mock_sb_str(&v->sb, m->side == LX_ENG_BUY ? "{\"buyer\":true"
                                                     : "{\"buyer\":false");
        kv_e8(&v->sb, ",\"commission\":", m->fee);
        lx_mock_sb_kv_str(&v->sb, ",\"commissionAsset\":", s->quote);
        lx_mock_sb_kv_i64(&v->sb, ",\"id\":", m->id);
        lx_mock_sb_str(&v->sb,
                       m->maker ? ",\"maker\":true" : ",\"maker\":false");
        lx_mock_sb_kv_i64(&v->sb, ",\"orderId\":", (int64_t)m->order_id);
        kv_px(v, s, ",\"price\":", m->price);
        kv_qty(v, s, ",\"qty\":", m->qty);
        lx_mock_sb_kv_dec(&v->sb,
                          ",\"quoteQty\":", quote_dec(s, m->price * m->qty));
        kv_e8(&v->sb, ",\"realizedPnl\":", m->rpnl);
        lx_mock_sb_kv_str(&v->sb,
                          ",\"side\":", m->side == LX_ENG_BUY ? "BUY" : "SELL");
        lx_mock_sb_kv_str(&v->sb, ",\"positionSide\":", pos_names[m->pos_side]);
        lx_mock_sb_kv_str(&v->sb, ",\"symbol\":", s->name);
        lx_mock_sb_kv_i64(&v->sb, ",\"time\":", m->time_ms);
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

/* One bracket table for every symbol (Binance's BTCUSDT first tiers). */
static void r_brackets(struct lx_mock_call *c, void *ud)
{
    static const char *const tiers =
        "[{\"bracket\":1,\"initialLeverage\":125,\"notionalCap\":50000,"
        "\"notionalFloor\":0,\"maintMarginRatio\":0.004,\"cum\":0.0},"
        "{\"bracket\":2,\"initialLeverage\":100,\"notionalCap\":600000,"
        "\"notionalFloor\":50000,\"maintMarginRatio\":0.005,\"cum\":50.0},"
        "{\"bracket\":3,\"initialLeverage\":75,\"notionalCap\":3000000,"
        "\"notionalFloor\":600000,\"maintMarginRatio\":0.0065,\"cum\":950.0}]";
    struct lx_mock_bn_usdm *v = ud;
    const char *name = lx_mock_call_param(c, "symbol", NULL);
    struct um_symbol *one = NULL;
    uint32_t acct;
    size_t i, k = 0;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    if (name != NULL && (one = need_sym(c, v)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, one != NULL ? "" : "[");
    for (i = 0; i < v->nsyms; i++) {
        if (one != NULL && &v->syms[i] != one) {
            continue;
        }
        lx_mock_sb_str(&v->sb, k++ ? "," : "");
        lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", v->syms[i].name);
        lx_mock_sb_str(&v->sb, ",\"brackets\":");
        lx_mock_sb_str(&v->sb, tiers);
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, one != NULL ? "" : "]");
    send(c, v);
}

/* The notional cap of leverage in the brackets above (maxNotionalValue). */
static const char *max_notional(uint32_t leverage)
{
    return leverage > 100 ? "50000" : leverage > 75 ? "600000" : "3000000";
}

/* GET /fapi/v1/symbolConfig: leverage and margin type per symbol. */
static void r_symbol_config(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const char *name = lx_mock_call_param(c, "symbol", NULL);
    struct um_symbol *one = NULL;
    struct lx_eng_position p;
    uint32_t acct;
    size_t i, k = 0;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    if (name != NULL && (one = need_sym(c, v)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < v->nsyms; i++) {
        const struct um_symbol *s = &v->syms[i];

        if ((one != NULL && s != one) ||
            lx__engine_position(v->eng, acct, s->inst,
                                hedge_of(v, acct) ? LX_ENG_PS_LONG
                                                  : LX_ENG_PS_BOTH,
                                &p) != LX_OK) {
            continue;
        }
        lx_mock_sb_str(&v->sb, k++ ? "," : "");
        lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
        lx_mock_sb_str(&v->sb, p.margin_type == LX_ENG_ISOLATED
                                   ? ",\"marginType\":\"ISOLATED\""
                                   : ",\"marginType\":\"CROSSED\"");
        lx_mock_sb_str(&v->sb, ",\"isAutoAddMargin\":\"false\"");
        lx_mock_sb_kv_i64(&v->sb, ",\"leverage\":", p.leverage);
        lx_mock_sb_kv_str(&v->sb,
                          ",\"maxNotionalValue\":", max_notional(p.leverage));
        lx_mock_sb_str(&v->sb, "}");
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

/* ---- algo (conditional) orders ------------------------------------------ */

/* algoStatus: NEW while waiting, TRIGGERED once its order works,
 * FINISHED when that order is done; CANCELED / EXPIRED as orders. */
static const char *algo_status(const struct um_order *o)
{
    if (o->rejected) {
        return "REJECTED";
    }
    if (o->state == LX_ENG_ST_CANCELED) {
        return "CANCELED";
    }
    if (o->state == LX_ENG_ST_EXPIRED || o->state == LX_ENG_ST_REJECTED) {
        return o->triggered ? "FINISHED" : "EXPIRED";
    }
    if (!o->triggered) {
        return "NEW";
    }
    return o->state == LX_ENG_ST_FILLED ? "FINISHED" : "TRIGGERED";
}

static void render_algo(struct lx_mock_bn_usdm *v, const struct um_order *o)
{
    const struct um_symbol *s = &v->syms[o->sym];
    struct lx_mock_sb *sb = &v->sb;

    lx_mock_sb_kv_i64(sb, "{\"algoId\":", (int64_t)o->aid);
    lx_mock_sb_kv_str(sb, ",\"clientAlgoId\":", o->cid);
    lx_mock_sb_str(sb, ",\"algoType\":\"CONDITIONAL\"");
    lx_mock_sb_kv_str(sb, ",\"orderType\":", type_names[o->type]);
    lx_mock_sb_kv_str(sb, ",\"symbol\":", s->name);
    lx_mock_sb_kv_str(sb, ",\"side\":", o->side == LX_ENG_BUY ? "BUY" : "SELL");
    lx_mock_sb_kv_str(sb, ",\"positionSide\":", pos_names[o->pos_side]);
    lx_mock_sb_kv_str(sb, ",\"timeInForce\":", tif_names[o->tif]);
    kv_qty(v, s, ",\"quantity\":", o->orig);
    lx_mock_sb_kv_str(sb, ",\"algoStatus\":", algo_status(o));
    if (o->triggered && !o->rejected) {
        lx_mock_sb_kv_i64(sb, ",\"actualOrderId\":\"", (int64_t)o->id);
        lx_mock_sb_str(sb, "\"");
    } else {
        lx_mock_sb_str(sb, ",\"actualOrderId\":\"\"");
    }
    kv_px(v, s, ",\"triggerPrice\":", o->stop);
    kv_px(v, s, ",\"price\":", o->price);
    lx_mock_sb_str(sb, ",\"icebergQuantity\":null,"
                       "\"selfTradePreventionMode\":\"NONE\"");
    lx_mock_sb_str(sb, o->working == LX_ENG_WT_MARK
                           ? ",\"workingType\":\"MARK_PRICE\""
                           : ",\"workingType\":\"CONTRACT_PRICE\"");
    lx_mock_sb_str(sb, ",\"priceMatch\":\"NONE\",\"closePosition\":false,"
                       "\"priceProtect\":false");
    lx_mock_sb_str(sb, o->reduce ? ",\"reduceOnly\":true"
                                 : ",\"reduceOnly\":false");
    lx_mock_sb_kv_i64(sb, ",\"createTime\":", o->time_ms);
    lx_mock_sb_kv_i64(sb, ",\"updateTime\":", o->update_ms);
    lx_mock_sb_kv_i64(sb,
                      ",\"triggerTime\":", o->triggered ? o->trigger_ms : 0);
    lx_mock_sb_str(sb, ",\"goodTillDate\":0}");
}

static void r_algo_new(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct lx_eng_order_dreq r;
    const char *at, *wt;
    struct um_symbol *s;
    uint32_t acct;
    int limit_px;

    if (!signed_acct(c, v, &acct) || (at = need(c, "algoType")) == NULL ||
        (s = need_sym(c, v)) == NULL) {
        return;
    }
    if (strcmp(at, "CONDITIONAL") != 0) {
        fail(c, 400, -1116, "Invalid algoType.");
        return;
    }
    memset(&r, 0, sizeof(r));
    if (!order_params(c, s, &r)) {
        return;
    }
    if (r.type < LX_ENG_STOP_LOSS) {
        fail(c, 400, -1116, "Invalid orderType.");
        return;
    }
    limit_px =
        r.type == LX_ENG_STOP_LOSS_LIMIT || r.type == LX_ENG_TAKE_PROFIT_LIMIT;
    wt = lx_mock_call_param(c, "workingType", NULL);
    r.working_type = wt != NULL && strcmp(wt, "MARK_PRICE") == 0
                         ? LX_ENG_WT_MARK
                         : LX_ENG_WT_CONTRACT;
    if (!dec_param(c, "quantity", 1, &r.qty) ||
        !dec_param(c, "price", limit_px, &r.price) ||
        !dec_param(c, "triggerPrice", r.type != LX_ENG_TRAILING_STOP_MARKET,
                   &r.stop_price)) {
        return;
    }
    if (lx_mock_bn_charge_orders(c, acct, 1) < 0) {
        return;
    }
    submit(c, v, acct, s, &r, lx_mock_call_param(c, "clientAlgoId", NULL), 1);
}

/* The account's algo order by algoId or clientAlgoId, or NULL answered. */
static struct um_order *find_algo(struct lx_mock_call *c,
                                  struct lx_mock_bn_usdm *v, uint32_t acct)
{
    size_t len = 0;
    const char *id = lx_mock_call_param(c, "algoId", &len);
    const char *cid = lx_mock_call_param(c, "clientAlgoId", NULL);
    struct um_order *o = NULL;
    int64_t n;

    if (id == NULL && cid == NULL) {
        fail(c, 400, -1102,
             "Param 'clientAlgoId' or 'algoId' must be sent, "
             "but both were empty/null!");
        return NULL;
    }
    if (id != NULL) {
        if (lx__parse_i64(id, len, &n) == LX_OK && n > 0) {
            o = order_by_aid(v, (uint64_t)n);
        }
    } else {
        o = order_by_cid(v, acct, cid);
    }
    if (o == NULL || o->account != acct || !o->algo) {
        fail(c, 400, -2013, "Order does not exist.");
        return NULL;
    }
    return o;
}

static void r_algo_cancel_all(struct lx_mock_call *c, void *ud)
{
    static const char ok[] =
        "{\"code\":200,\"msg\":\"The operation of cancel all open order is "
        "done.\"}";
    struct lx_mock_bn_usdm *v = ud;
    struct lx_eng_result res;
    struct um_symbol *s;
    uint32_t acct;
    size_t i, n;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL) {
        return;
    }
    n = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;
    for (i = 0; i < n; i++) {
        struct um_order *o = &v->orders[i];

        if (o->algo && !o->triggered && order_open(o) && o->account == acct &&
            &v->syms[o->sym] == s) {
            (void)lx__engine_cancel(v->eng, acct, o->id, NULL, 0,
                                    lx_mock_door_now_ns(v->door), &res);
        }
    }
    drain(v);
    (void)lx_mock_respond_json(c, 200, ok, sizeof(ok) - 1);
}

static void r_algo_get(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_order *o;
    uint32_t acct;

    if (!signed_acct(c, v, &acct) || (o = find_algo(c, v, acct)) == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->sb);
    render_algo(v, o);
    send(c, v);
}

static void r_algo_del(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct lx_eng_result res;
    struct um_order *o;
    uint32_t acct;

    if (!signed_acct(c, v, &acct) || (o = find_algo(c, v, acct)) == NULL) {
        return;
    }
    if (o->triggered || !order_open(o) ||
        lx__engine_cancel(v->eng, acct, o->id, NULL, 0,
                          lx_mock_door_now_ns(v->door), &res) != LX_OK ||
        res.reason == LX_ENG_R_UNKNOWN_ORDER) {
        drain(v);
        fail(c, 400, -2011, "Unknown order sent.");
        return;
    }
    drain(v);
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_i64(&v->sb, "{\"algoId\":", (int64_t)o->aid);
    lx_mock_sb_kv_str(&v->sb, ",\"clientAlgoId\":", o->cid);
    lx_mock_sb_str(&v->sb, ",\"code\":\"200\",\"msg\":\"success\"}");
    send(c, v);
}

/* ---- batch orders ------------------------------------------------------ */

#define UM_BATCH     5  /* orders per batchOrders call */
#define UM_BATCH_DEL 10 /* ids per DELETE batchOrders */

/* The JSON list parameter name (1..max entries), or NULL after answering. */
static cJSON *list_param(struct lx_mock_call *c, const char *name, size_t max)
{
    size_t len = 0;
    const char *p = lx_mock_call_param(c, name, &len);
    cJSON *l;

    if (p == NULL || len == 0) {
        return NULL;
    }
    l = cJSON_ParseWithLength(p, len);
    if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) < 1 ||
        (size_t)cJSON_GetArraySize(l) > max) {
        cJSON_Delete(l);
        fail(c, 400, -1130, "Data sent for parameter '%s' is not valid.", name);
        return NULL;
    }
    return l;
}

/* A batch item's string field, or NULL (absent, empty or not a string). */
static const char *item_str(const cJSON *it, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(it, k);

    return cJSON_IsString(x) && x->valuestring[0] != '\0' ? x->valuestring
                                                          : NULL;
}

static int item_need(const cJSON *it, const char *k, const char **out,
                     struct um_err *e)
{
    if ((*out = item_str(it, k)) == NULL) {
        err_set(e, -1102,
                "Mandatory parameter '%s' was not sent, was empty/null, or "
                "malformed.",
                k);
        return 0;
    }
    return 1;
}

static int item_dec(const cJSON *it, const char *k, int required,
                    struct lx_decimal *out, struct um_err *e)
{
    const char *p = item_str(it, k);

    *out = lx_decimal_from_i64(0, 0);
    if (p == NULL) {
        return required ? item_need(it, k, &p, e) : 1;
    }
    if (lx_decimal_parse(p, strlen(p), out) != LX_OK || out->m < 0) {
        err_set(e, -1100,
                "Illegal characters found in parameter '%s'; legal range is "
                "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
                k);
        return 0;
    }
    return 1;
}

/* A batch item's symbol, or NULL with the error. */
static struct um_symbol *item_sym(struct lx_mock_bn_usdm *v, const cJSON *it,
                                  struct um_err *e)
{
    const char *n;
    struct um_symbol *s;

    if (!item_need(it, "symbol", &n, e)) {
        return NULL;
    }
    if ((s = sym_by_name(v, n)) == NULL) {
        err_set(e, -1121, "Invalid symbol.");
    }
    return s;
}

/* One order of POST batchOrders: the rules of POST /fapi/v1/order. */
static struct um_order *item_place(struct lx_mock_bn_usdm *v, uint32_t acct,
                                   const cJSON *it, struct um_err *e)
{
    struct lx_eng_order_dreq r;
    const char *side, *type, *tif = item_str(it, "timeInForce");
    const char *ps = item_str(it, "positionSide");
    const char *ro = item_str(it, "reduceOnly");
    struct um_symbol *s;
    int t, k, limit_px, stop;

    memset(&r, 0, sizeof(r));
    if ((s = item_sym(v, it, e)) == NULL || !item_need(it, "side", &side, e) ||
        !item_need(it, "type", &type, e)) {
        return NULL;
    }
    if (strcmp(side, "BUY") != 0 && strcmp(side, "SELL") != 0) {
        err_set(e, -1117, "Invalid side.");
        return NULL;
    }
    t = find_name(type_names, 8, type);
    if (t < 0 || t == LX_ENG_LIMIT_MAKER) {
        err_set(e, -1116, "Invalid orderType.");
        return NULL;
    }
    k = tif != NULL ? find_name(tif_names, 4, tif) : 0;
    if (k < 0) {
        err_set(e, -1115, "Invalid timeInForce.");
        return NULL;
    }
    r.tif = (uint8_t)k;
    k = ps != NULL ? find_name(pos_names, 3, ps) : 0;
    if (k < 0) {
        err_set(e, -4006, "Invalid position side.");
        return NULL;
    }
    r.inst = s->inst;
    r.side = side[0] == 'B' ? LX_ENG_BUY : LX_ENG_SELL;
    r.type = (uint8_t)t;
    r.pos_side = (uint8_t)k;
    r.reduce_only = ro != NULL && strcmp(ro, "true") == 0;
    limit_px = t == LX_ENG_LIMIT || t == LX_ENG_STOP_LOSS_LIMIT ||
               t == LX_ENG_TAKE_PROFIT_LIMIT;
    stop = t >= LX_ENG_STOP_LOSS && t <= LX_ENG_TAKE_PROFIT_LIMIT;
    if (limit_px && tif == NULL) {
        (void)item_need(it, "timeInForce", &tif, e);
        return NULL;
    }
    if (!item_dec(it, "quantity", 1, &r.qty, e) ||
        !item_dec(it, "price", limit_px, &r.price, e) ||
        !item_dec(it, "stopPrice", stop, &r.stop_price, e)) {
        return NULL;
    }
    return place_order(v, acct, s, &r, item_str(it, "newClientOrderId"), 0, e);
}

/* The account's open-or-closed order by an item's orderId (a number or a
 * string) or origClientOrderId, or NULL with -2013. */
static struct um_order *item_order(struct lx_mock_bn_usdm *v, uint32_t acct,
                                   const struct um_symbol *s, const cJSON *it,
                                   struct um_err *e)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "orderId");
    const char *cid = item_str(it, "origClientOrderId");
    struct um_order *o = NULL;
    int64_t n = 0;

    if (cJSON_IsNumber(id)) {
        n = (int64_t)id->valuedouble;
    } else if (cJSON_IsString(id) &&
               lx__parse_i64(id->valuestring, strlen(id->valuestring), &n) !=
                   LX_OK) {
        n = 0;
    }
    if (id == NULL && cid == NULL) {
        err_set(e, -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but "
                "both were empty/null!");
        return NULL;
    }
    o = id != NULL ? (n > 0 ? order_by_id(v, (uint64_t)n) : NULL)
                   : order_by_cid(v, acct, cid);
    if (o == NULL || o->account != acct || &v->syms[o->sym] != s ||
        (o->algo && !o->triggered)) {
        err_set(e, -2013, "Order does not exist.");
        return NULL;
    }
    return o;
}

/* One order of PUT batchOrders: the rules of PUT /fapi/v1/order. */
static struct um_order *item_modify(struct lx_mock_bn_usdm *v, uint32_t acct,
                                    const cJSON *it, struct um_err *e)
{
    struct lx_decimal price, qty;
    struct um_symbol *s;
    struct um_order *o;
    const char *side;

    if ((s = item_sym(v, it, e)) == NULL || !item_need(it, "side", &side, e) ||
        !item_dec(it, "quantity", 1, &qty, e) ||
        !item_dec(it, "price", 1, &price, e)) {
        return NULL;
    }
    if (item_str(it, "priceMatch") != NULL) {
        err_set(e, -1106, "Parameter 'priceMatch' sent when not required.");
        return NULL;
    }
    if ((o = item_order(v, acct, s, it, e)) == NULL ||
        !modify_order(v, acct, s, o, side, price, qty, e)) {
        return NULL;
    }
    return o;
}

/* The batch's answer: each order, or its error object, in list order. */
static void batch_answer(struct lx_mock_call *c, struct lx_mock_bn_usdm *v,
                         struct um_order *const *done, const struct um_err *e,
                         size_t n)
{
    size_t i;

    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = 0; i < n; i++) {
        lx_mock_sb_str(&v->sb, i ? "," : "");
        if (done[i] != NULL) {
            render_order(v, done[i]);
        } else {
            lx_mock_sb_kv_i64(&v->sb, "{\"code\":", e[i].code);
            lx_mock_sb_kv_str(&v->sb, ",\"msg\":", e[i].msg);
            lx_mock_sb_str(&v->sb, "}");
        }
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

/*
 * POST /fapi/v1/batchOrders (place) and PUT (modify): batchOrders, a JSON
 * list of up to 5 orders, each with the parameters of the single call;
 * they are done in list order and answered in it, an error object for an
 * order that failed. 5 on the 10 s order count.
 */
static void batch(struct lx_mock_call *c, struct lx_mock_bn_usdm *v, int put)
{
    struct um_order *done[UM_BATCH];
    struct um_err e[UM_BATCH];
    const cJSON *it;
    uint32_t acct;
    cJSON *l;
    size_t n = 0;

    if (!signed_acct(c, v, &acct) || need(c, "batchOrders") == NULL ||
        (l = list_param(c, "batchOrders", UM_BATCH)) == NULL) {
        return;
    }
    if (lx_mock_bn_charge_orders(c, acct, cJSON_GetArraySize(l)) < 0) {
        cJSON_Delete(l);
        return;
    }
    cJSON_ArrayForEach (it, l) {
        memset(&e[n], 0, sizeof(e[n]));
        if (!cJSON_IsObject(it)) {
            done[n] = NULL;
            err_set(&e[n], -1130,
                    "Data sent for parameter 'batchOrders' is not valid.");
        } else {
            done[n] = put ? item_modify(v, acct, it, &e[n])
                          : item_place(v, acct, it, &e[n]);
        }
        n++;
    }
    cJSON_Delete(l);
    batch_answer(c, v, done, e, n);
}

static void r_batch_new(struct lx_mock_call *c, void *ud)
{
    batch(c, ud, 0);
}

static void r_batch_put(struct lx_mock_call *c, void *ud)
{
    batch(c, ud, 1);
}

/*
 * DELETE /fapi/v1/batchOrders: symbol and orderIdList (JSON list of ids) or
 * origClientOrderIdList (of strings), up to 10; each cancelled order, or
 * -2011 for one that is not open, in list order. The venue also takes the
 * names in lower case (orderidlist, origclientorderidlist: what CCXT
 * sends).
 */
static void r_batch_del(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    struct um_order *done[UM_BATCH_DEL];
    struct um_err e[UM_BATCH_DEL];
    struct lx_eng_result res;
    struct um_symbol *s;
    const cJSON *it;
    const char *name;
    uint32_t acct;
    cJSON *l;
    size_t n = 0;
    int ids;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL) {
        return;
    }
    name = lx_mock_call_param(c, "orderIdList", NULL) != NULL   ? "orderIdList"
           : lx_mock_call_param(c, "orderidlist", NULL) != NULL ? "orderidlist"
           : lx_mock_call_param(c, "origClientOrderIdList", NULL) != NULL
               ? "origClientOrderIdList"
           : lx_mock_call_param(c, "origclientorderidlist", NULL) != NULL
               ? "origclientorderidlist"
               : NULL;
    if (name == NULL) {
        fail(c, 400, -1102,
             "Param 'origClientOrderIdList' or 'orderIdList' must be sent, "
             "but both were empty/null!");
        return;
    }
    ids = strcmp(name, "orderIdList") == 0 || strcmp(name, "orderidlist") == 0;
    l = list_param(c, name, UM_BATCH_DEL);
    if (l == NULL) {
        return;
    }
    cJSON_ArrayForEach (it, l) {
        struct um_order *o = NULL;

        if (ids && cJSON_IsNumber(it) && it->valuedouble > 0) {
            o = order_by_id(v, (uint64_t)it->valuedouble);
        } else if (!ids && cJSON_IsString(it)) {
            o = order_by_cid(v, acct, it->valuestring);
        }
        done[n] = NULL;
        if (o != NULL && o->account == acct && &v->syms[o->sym] == s &&
            (!o->algo || o->triggered) && order_open(o) &&
            lx__engine_cancel(v->eng, acct, o->id, NULL, 0,
                              lx_mock_door_now_ns(v->door), &res) == LX_OK &&
            res.reason != LX_ENG_R_UNKNOWN_ORDER) {
            done[n] = o;
        } else {
            err_set(&e[n], -2011, "Unknown order sent.");
        }
        drain(v);
        n++;
    }
    cJSON_Delete(l);
    batch_answer(c, v, done, e, n);
}

/* ---- history: allOrders, income; prices -------------------------------- */

#define UM_DAY_MS ((int64_t)86400000)

/* An optional integer parameter >= 0; 1 present, 0 absent, -1 answered. */
static int int_param(struct lx_mock_call *c, const char *name, int64_t *out)
{
    size_t len = 0;
    const char *p = lx_mock_call_param(c, name, &len);

    if (p == NULL || len == 0) {
        return 0;
    }
    if (lx__parse_i64(p, len, out) != LX_OK || *out < 0) {
        fail(c, 400, -1100,
             "Illegal characters found in parameter '%s'; legal range is "
             "'^[0-9]{1,20}$'.",
             name);
        return -1;
    }
    return 1;
}

static int cmp_um_order(const void *a, const void *b)
{
    uint64_t x = (*(const struct um_order *const *)a)->id;
    uint64_t y = (*(const struct um_order *const *)b)->id;

    return x < y ? -1 : x > y;
}

/*
 * GET /fapi/v1/allOrders: the account's orders of a symbol (algo orders
 * once their order is placed), by orderId. orderId: the orders >= it,
 * startTime: from it on (the first `limit`); else the most recent `limit`.
 * Neither time: the last 7 days; startTime to endTime at most 7 days
 * (-1127). As the venue, a CANCELED or EXPIRED order without a fill is
 * not found 3 days after it was made.
 */
static void r_all_orders(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const struct um_order **list;
    struct um_symbol *s;
    uint32_t acct;
    int64_t from_id = 0, start = 0, end = INT64_MAX, lim, now = now_ms(v);
    int has_id, has_start, has_end;
    size_t i, n = 0, first, kept;

    if (!signed_acct(c, v, &acct) || (s = need_sym(c, v)) == NULL ||
        (has_id = int_param(c, "orderId", &from_id)) < 0 ||
        (has_start = int_param(c, "startTime", &start)) < 0 ||
        (has_end = int_param(c, "endTime", &end)) < 0 ||
        !limit_param(c, 500, 1000, &lim)) {
        return;
    }
    if (has_start && has_end && end - start > 7 * UM_DAY_MS) {
        fail(c, 400, -1127,
             "More than 168 hours between startTime and endTime.");
        return;
    }
    if (!has_start && !has_end) {
        start = now - 7 * UM_DAY_MS;
    }
    kept = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;
    list = lx__malloc(NULL, (kept + 1) * sizeof(*list));
    if (list == NULL) {
        fail(c, 503, -1008,
             "Server is currently overloaded with other "
             "requests. Please try again in a few minutes.");
        return;
    }
    for (i = 0; i < kept; i++) {
        const struct um_order *o = &v->orders[i];

        if (o->id == 0 || o->account != acct || &v->syms[o->sym] != s ||
            (o->algo && (!o->triggered || o->rejected)) ||
            (int64_t)o->id < from_id || o->time_ms < start ||
            o->time_ms > end ||
            ((o->state == LX_ENG_ST_CANCELED ||
              o->state == LX_ENG_ST_EXPIRED) &&
             o->exec == 0 && o->time_ms + 3 * UM_DAY_MS < now)) {
            continue;
        }
        list[n++] = o;
    }
    qsort(list, n, sizeof(*list), cmp_um_order);
    first = has_id || has_start || n <= (size_t)lim ? 0 : n - (size_t)lim;
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = first; i < n && i - first < (size_t)lim; i++) {
        lx_mock_sb_str(&v->sb, i > first ? "," : "");
        render_order(v, list[i]);
    }
    lx_mock_sb_str(&v->sb, "]");
    lx__free(NULL, list);
    send(c, v);
}

static const char *const income_names[] = {"TRANSFER", "REALIZED_PNL",
                                           "FUNDING_FEE", "COMMISSION"};

/*
 * GET /fapi/v1/income: the account's income records (symbol, incomeType
 * filters), oldest first, startTime and endTime inclusive (neither: the
 * last 7 days), `limit` (default 100, max 1000) a page, `page` from 1.
 */
static void r_income(struct lx_mock_call *c, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    const char *name = lx_mock_call_param(c, "symbol", NULL);
    const char *type = lx_mock_call_param(c, "incomeType", NULL);
    struct um_symbol *one = NULL;
    uint32_t acct;
    int64_t start = 0, end = INT64_MAX, lim, page = 1, skip, k = 0;
    int has_start, has_end, t = -1;
    size_t i, n, kept;

    if (!signed_acct(c, v, &acct)) {
        return;
    }
    if (name != NULL && (one = need_sym(c, v)) == NULL) {
        return;
    }
    if ((has_start = int_param(c, "startTime", &start)) < 0 ||
        (has_end = int_param(c, "endTime", &end)) < 0 ||
        int_param(c, "page", &page) < 0 || !limit_param(c, 100, 1000, &lim)) {
        return;
    }
    if (type != NULL && type[0] != '\0') {
        t = find_name(income_names, 4, type);
        if (t < 0) {
            t = 4; /* a type the mock never books: nothing matches */
        }
    }
    if (!has_start && !has_end) {
        start = now_ms(v) - 7 * UM_DAY_MS;
    }
    skip = (page > 1 ? page - 1 : 0) * lim;
    n = acct < UM_MAX_ACCOUNTS ? v->ninc[acct] : 0;
    kept = n < UM_INCOME ? n : UM_INCOME;
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_str(&v->sb, "[");
    for (i = n - kept; i < n && k < skip + lim; i++) {
        const struct um_income *r = &v->inc[acct][i % UM_INCOME];
        const struct um_symbol *rs =
            r->sym < v->nsyms ? &v->syms[r->sym] : NULL;

        if ((one != NULL && rs != one) || (t >= 0 && r->type != t) ||
            r->time_ms < start || r->time_ms > end || k++ < skip) {
            continue;
        }
        lx_mock_sb_str(&v->sb, k > skip + 1 ? "," : "");
        lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", rs != NULL ? rs->name : "");
        lx_mock_sb_kv_str(&v->sb, ",\"incomeType\":", income_names[r->type]);
        kv_e8(&v->sb, ",\"income\":", r->amount);
        lx_mock_sb_kv_str(&v->sb, ",\"asset\":", v->syms[0].quote);
        lx_mock_sb_kv_str(&v->sb, ",\"info\":", income_names[r->type]);
        lx_mock_sb_kv_i64(&v->sb, ",\"time\":", r->time_ms);
        lx_mock_sb_kv_i64(&v->sb, ",\"tranId\":", r->tran_id);
        if (r->trade_id >= 0) {
            lx_mock_sb_kv_i64(&v->sb, ",\"tradeId\":\"", r->trade_id);
            lx_mock_sb_str(&v->sb, "\"}");
        } else {
            lx_mock_sb_str(&v->sb, ",\"tradeId\":\"\"}");
        }
    }
    lx_mock_sb_str(&v->sb, "]");
    send(c, v);
}

/* {"symbol":..,"price":<last trade>,"time":<its time>} */
static void price_one(struct lx_mock_bn_usdm *v, const struct um_symbol *s)
{
    size_t n = trades_kept(s);
    const struct um_trade *t = n > 0 ? trade_at(s, n - 1) : NULL;

    lx_mock_sb_kv_str(&v->sb, "{\"symbol\":", s->name);
    kv_px(v, s, ",\"price\":", t != NULL ? t->price : 0);
    lx_mock_sb_kv_i64(&v->sb, ",\"time\":", t != NULL ? t->time_ms : 0);
    lx_mock_sb_str(&v->sb, "}");
}

/* GET /fapi/v1/ticker/price and /fapi/v2/ticker/price: one or all. */
static void r_ticker_price(struct lx_mock_call *c, void *ud)
{
    one_or_all(c, ud, price_one);
}

/* 1 for one symbol, 2 without (ticker/price). */
static int ticker_price_weight(const struct lx_mock_call *c)
{
    return lx_mock_call_param(c, "symbol", NULL) != NULL ? 1 : 2;
}

/* ---- engine access for a recorded market (tape.c) ---------------------- */

struct lx_engine *lx__mbum_engine(struct lx_mock_bn_usdm *v)
{
    return v->eng;
}

int64_t lx__mbum_now_ns(const struct lx_mock_bn_usdm *v)
{
    return lx_mock_door_now_ns(v->door);
}

int lx__mbum_symbol(struct lx_mock_bn_usdm *v, const char *name, uint32_t *inst,
                    struct lx_decimal *tick, struct lx_decimal *lot)
{
    struct um_symbol *s = v != NULL ? sym_by_name(v, name) : NULL;

    if (s == NULL) {
        return LX_ERR_NOTFOUND;
    }
    *inst = s->inst;
    *tick = s->tick;
    *lot = s->lot;
    return LX_OK;
}

void lx__mbum_note_mark(struct lx_mock_bn_usdm *v, uint32_t inst, int64_t ticks)
{
    size_t i;

    for (i = 0; i < v->nsyms; i++) {
        if (v->syms[i].inst == inst) {
            v->syms[i].mark = ticks;
        }
    }
}

int lx__mbum_add_market_account(struct lx_mock_bn_usdm *v, int64_t units,
                                uint32_t *id)
{
    struct lx_eng_account_spec sp;
    int rc;

    if (v == NULL || v->nsyms == 0 || id == NULL) {
        return LX_ERR_INVAL;
    }
    memset(&sp, 0, sizeof(sp));
    sp.market = true; /* fee-free: the rates stay 0 */
    rc = lx__engine_add_account(v->eng, &sp, id);
    if (rc == LX_OK) {
        rc = lx__engine_deposit(v->eng, *id, v->syms[0].margin_asset, units,
                                lx_mock_door_now_ns(v->door));
    }
    drain(v);
    return rc;
}

void lx__mbum_drain(struct lx_mock_bn_usdm *v)
{
    size_t n = 0, i;
    uint64_t dropped = 0;
    const struct lx_eng_event *ev = lx__engine_events(v->eng, &n, &dropped);
    int half = v->half;
    int64_t tid = v->tid, next[UM_MAX_SYMBOLS];

    /* Trades whose maker has no order record (the tape's liquidity) are
     * published here, with the ids drain() is about to give them. */
    for (i = 0; i < v->nsyms; i++) {
        next[i] = v->syms[i].next_trade_id;
    }
    for (i = 0; i < n; i++) {
        if (ev[i].type != LX_ENG_EV_FILL || ev[i].inst >= v->nsyms) {
            continue;
        }
        if (!half) {
            tid = next[ev[i].inst]++;
        }
        half = !half;
        if ((ev[i].flags & LX_ENG_FILL_MAKER) &&
            order_by_id(v, ev[i].order_id) == NULL) {
            publish_trade(v, &v->syms[ev[i].inst], &ev[i], tid);
        }
    }
    drain(v);
}

/* ---- registration ------------------------------------------------------ */

static const struct {
    const char *method, *path;
    int weight, flags;
    lx_mock_route_fn fn;
} route_table[] = {
    {"GET", "/fapi/v1/ping", 1, 0, r_ping},
    {"GET", "/fapi/v1/time", 1, 0, r_time},
    {"GET", "/fapi/v1/exchangeInfo", 1, 0, r_info},
    {"GET", "/fapi/v1/depth", 10, 0, r_depth},
    {"GET", "/fapi/v1/premiumIndex", 1, 0, r_premium},
    {"GET", "/fapi/v1/fundingRate", 1, 0, r_funding},
    {"GET", "/fapi/v1/openInterest", 1, 0, r_open_interest},
    {"GET", "/fapi/v1/ticker/bookTicker", 2, 0, r_book_ticker},
    {"POST", "/fapi/v1/order", 1, LX_MOCK_ROUTE_ORDER, r_order_new},
    {"GET", "/fapi/v1/order", 1, 0, r_order_get},
    {"DELETE", "/fapi/v1/order", 1, 0, r_order_del},
    {"PUT", "/fapi/v1/order", 1, LX_MOCK_ROUTE_ORDER, r_order_put},
    {"POST", "/fapi/v1/batchOrders", 5, LX_MOCK_ROUTE_ORDER, r_batch_new},
    {"PUT", "/fapi/v1/batchOrders", 5, LX_MOCK_ROUTE_ORDER, r_batch_put},
    {"DELETE", "/fapi/v1/batchOrders", 1, 0, r_batch_del},
    {"GET", "/fapi/v1/openOrders", 1, 0, r_open_orders},
    {"POST", "/fapi/v1/algoOrder", 1, LX_MOCK_ROUTE_ORDER, r_algo_new},
    {"GET", "/fapi/v1/algoOrder", 1, 0, r_algo_get},
    {"DELETE", "/fapi/v1/algoOrder", 1, 0, r_algo_del},
    {"GET", "/fapi/v1/openAlgoOrders", 1, 0, r_open_algo},
    {"DELETE", "/fapi/v1/algoOpenOrders", 1, 0, r_algo_cancel_all},
    {"DELETE", "/fapi/v1/allOpenOrders", 1, 0, r_cancel_all},
    {"POST", "/fapi/v1/leverage", 1, 0, r_leverage},
    {"POST", "/fapi/v1/marginType", 1, 0, r_margin_type},
    {"GET", "/fapi/v1/positionSide/dual", 30, 0, r_dual_get},
    {"POST", "/fapi/v1/positionSide/dual", 1, 0, r_dual_set},
    {"GET", "/fapi/v2/positionRisk", 5, 0, r_risk_v2},
    {"GET", "/fapi/v3/positionRisk", 5, 0, r_risk_v3},
    {"GET", "/fapi/v2/balance", 5, 0, r_balance},
    {"GET", "/fapi/v3/balance", 5, 0, r_balance},
    {"GET", "/fapi/v3/account", 5, 0, r_account},
    {"GET", "/fapi/v1/trades", 5, 0, r_trades_plain},
    {"GET", "/fapi/v1/aggTrades", 20, 0, r_agg_trades},
    {"GET", "/fapi/v1/klines", 5, 0, r_klines},
    {"GET", "/fapi/v1/ticker/24hr", 1, 0, r_ticker24},
    {"GET", "/fapi/v1/userTrades", 5, 0, r_user_trades},
    {"GET", "/fapi/v1/allOrders", 5, 0, r_all_orders},
    {"GET", "/fapi/v1/income", 30, 0, r_income},
    {"GET", "/fapi/v1/ticker/price", 1, 0, r_ticker_price},
    {"GET", "/fapi/v2/ticker/price", 1, 0, r_ticker_price},
    {"GET", "/fapi/v1/leverageBracket", 1, 0, r_brackets},
    {"GET", "/fapi/v1/symbolConfig", 5, 0, r_symbol_config},
    {"POST", "/fapi/v1/listenKey", 1, 0, r_listen_new},
    {"PUT", "/fapi/v1/listenKey", 1, 0, r_listen_keep},
    {"DELETE", "/fapi/v1/listenKey", 1, 0, r_listen_keep},
};

static int routes(struct lx_mock_bn_usdm *v)
{
    size_t i;
    int rc = LX_OK;

    for (i = 0; rc == LX_OK && i < sizeof(route_table) / sizeof(route_table[0]);
         i++) {
        rc = lx_mock_door_route(v->door, route_table[i].method,
                                route_table[i].path, route_table[i].weight,
                                route_table[i].flags, route_table[i].fn, v);
    }
    if (rc == LX_OK) {
        rc = lx_mock_door_set_weigher(v->door, "GET", "/fapi/v1/ticker/price",
                                      ticker_price_weight);
    }
    if (rc == LX_OK) {
        rc = lx_mock_door_set_weigher(v->door, "GET", "/fapi/v2/ticker/price",
                                      ticker_price_weight);
    }
    return rc != LX_OK ? rc
                       : lx_mock_door_set_weigher(
                             v->door, "GET", "/fapi/v1/depth", depth_weight);
}

int lx_mock_bn_usdm_place(struct lx_mock_bn_usdm *v, uint32_t account,
                          const char *symbol, const char *side,
                          const char *type, const char *price, const char *qty,
                          int *rejected)
{
    struct um_symbol *s = v != NULL ? sym_by_name(v, symbol) : NULL;
    struct lx_eng_order_dreq r;
    struct lx_eng_result res;
    int t = find_name(type_names, 8, type);
    char cid[32];

    if (s == NULL || side == NULL || t < 0 || qty == NULL) {
        return LX_ERR_INVAL;
    }
    memset(&r, 0, sizeof(r));
    r.account = account;
    r.inst = s->inst;
    r.side = strcmp(side, "BUY") == 0 ? LX_ENG_BUY : LX_ENG_SELL;
    r.type = (uint8_t)t;
    r.tif = t == LX_ENG_MARKET ? LX_ENG_IOC : LX_ENG_GTC;
    if (parse_dec(price, &r.price) != LX_OK ||
        parse_dec(qty, &r.qty) != LX_OK) {
        return LX_ERR_INVAL;
    }
    lx__snprintf(cid, sizeof(cid), "mockum%016llu",
                 (unsigned long long)++v->cid_seq);
    r.cid = cid;
    r.cid_len = strlen(cid);
    r.time = lx_mock_door_now_ns(v->door);
    if (!ring_room(v)) {
        if (rejected != NULL) {
            *rejected = 1;
        }
        return LX_OK;
    }
    if (lx__engine_submit_dec(v->eng, &r, &res) != LX_OK) {
        drain(v);
        return LX_ERR_INVAL;
    }
    if (res.order_id != 0) {
        (void)record(v, account, s, &r, res.order_id, cid);
    }
    drain(v);
    if (rejected != NULL) {
        *rejected = res.order_id == 0;
    }
    return LX_OK;
}

int lx_mock_bn_usdm_cancel_all(struct lx_mock_bn_usdm *v, uint32_t account,
                               const char *symbol)
{
    struct um_symbol *s = v != NULL ? sym_by_name(v, symbol) : NULL;
    uint32_t n = 0;
    int rc;

    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    rc = lx__engine_cancel_all(v->eng, account, s->inst,
                               lx_mock_door_now_ns(v->door), &n);
    drain(v);
    return rc;
}

/* ---- streams ------------------------------------------------------------ */

static struct lx_decimal px_dec(struct lx_mock_bn_usdm *v,
                                const struct um_symbol *s, int64_t ticks)
{
    struct lx_decimal d;

    if (lx__engine_price_dec(v->eng, s->inst, ticks, &d) != LX_OK) {
        d = lx_decimal_from_i64(0, 0);
    }
    return d;
}

static struct lx_decimal qty_dec(struct lx_mock_bn_usdm *v,
                                 const struct um_symbol *s, int64_t lots)
{
    struct lx_decimal d;

    if (lx__engine_qty_dec(v->eng, s->inst, lots, &d) != LX_OK) {
        d = lx_decimal_from_i64(0, 0);
    }
    return d;
}

static void publish(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                    const char *suffix)
{
    char name[64];
    size_t n = lx__str_join(name, sizeof(name), s->lower, "@");

    lx__str_join(name + n, sizeof(name) - n, suffix, NULL);
    (void)lx_mock_bn_hub_publish(v->hub, name, v->ssb.buf, v->ssb.len);
}

/* One trade (the maker's FILL): @trade and @aggTrade (one per trade). */
static void publish_trade(struct lx_mock_bn_usdm *v, struct um_symbol *s,
                          const struct lx_eng_event *ev, int64_t id)
{
    struct lx_trade t;
    int64_t ms = ev->time / 1000000;

    memset(&t, 0, sizeof(t));
    lx__str_join(t.symbol, sizeof(t.symbol), s->name, NULL);
    t.trade_id = t.first_trade_id = t.last_trade_id = id;
    t.price = px_dec(v, s, ev->price);
    t.qty = qty_dec(v, s, ev->qty);
    t.buyer_is_maker = ev->side == LX_ENG_BUY;
    t.taker_side = t.buyer_is_maker ? LX_SIDE_SELL : LX_SIDE_BUY;
    t.trade_ms = t.event_ms = ms;
    pub_trade_add(s, id, ev, ms);
    if (v->hub == NULL) {
        return;
    }
    lx_mock_sb_reset(&v->ssb);
    lx_mock_bn_render_trade(&v->ssb, &t, true);
    publish(v, s, "trade");
    t.is_aggregate = true;
    lx_mock_sb_reset(&v->ssb);
    lx_mock_bn_render_agg_trade(&v->ssb, &t, true);
    publish(v, s, "aggTrade");
}

/* @bookTicker when the best bid or ask changed. */
static void publish_bbo(struct lx_mock_bn_usdm *v)
{
    size_t i;

    for (i = 0; v->hub != NULL && i < v->nsyms; i++) {
        struct um_symbol *s = &v->syms[i];
        int64_t b[4] = {0, 0, 0, 0};
        struct lx_book_ticker bt;

        (void)lx__engine_best(v->eng, s->inst, LX_ENG_BUY, &b[0], &b[1]);
        (void)lx__engine_best(v->eng, s->inst, LX_ENG_SELL, &b[2], &b[3]);
        if (memcmp(b, s->bbo, sizeof(b)) == 0) {
            continue;
        }
        memcpy(s->bbo, b, sizeof(b));
        memset(&bt, 0, sizeof(bt));
        lx__str_join(bt.symbol, sizeof(bt.symbol), s->name, NULL);
        bt.update_id = s->update_id;
        bt.bid = px_dec(v, s, b[0]);
        bt.bid_qty = qty_dec(v, s, b[1]);
        bt.ask = px_dec(v, s, b[2]);
        bt.ask_qty = qty_dec(v, s, b[3]);
        bt.event_ms = bt.tx_ms = now_ms(v);
        lx_mock_sb_reset(&v->ssb);
        lx_mock_bn_render_book_ticker(&v->ssb, &bt, true);
        publish(v, s, "bookTicker");
    }
}

/*
 * The aggregated book side of s, best first, into out (UM_LEVELS at most):
 * resting orders only, as the engine keeps them per level. O(UM_LEVELS).
 */
static size_t book_side(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                        int side, struct lx_eng_level_info *out)
{
    size_t n = lx__engine_levels(v->eng, s->inst, side, out, UM_LEVELS);

    return n < UM_LEVELS ? n : UM_LEVELS;
}

/*
 * How many levels from old and cur on are equal (price and qty), at most
 * max: the run doubles while whole blocks compare equal (memcmp; two
 * int64_t, no padding), then goes level by level.
 */
static size_t equal_run(const struct lx_eng_level_info *old,
                        const struct lx_eng_level_info *cur, size_t max)
{
    size_t run = 0, step = 1;

    while (run < max) {
        step = step < max - run ? step : max - run;
        if (memcmp(&old[run], &cur[run], step * sizeof(*old)) == 0) {
            run += step;
            step *= 2;
        } else if (step > 1) {
            step = 1;
        } else {
            break;
        }
    }
    return run;
}

/* Levels of cur that differ from old (old ones gone get qty 0). */
static size_t side_diff(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                        const struct lx_eng_level_info *old, size_t nold,
                        const struct lx_eng_level_info *cur, size_t ncur,
                        int bids, struct lx_level *out)
{
    size_t i = 0, j = 0, k = 0;

    if (old == cur) {
        return 0; /* the same snapshot */
    }
    while (i < nold || j < ncur) {
        size_t run = i < nold && j < ncur
                         ? equal_run(&old[i], &cur[j],
                                     nold - i < ncur - j ? nold - i : ncur - j)
                         : 0;
        int before;

        i += run;
        j += run;
        if (i == nold && j == ncur) {
            break;
        }
        before =
            i < nold && (j >= ncur || (bids ? old[i].price > cur[j].price
                                            : old[i].price < cur[j].price));

        if (before) { /* removed */
            out[k].price = px_dec(v, s, old[i++].price);
            out[k++].qty = qty_dec(v, s, 0);
        } else if (i < nold && old[i].price == cur[j].price) {
            if (old[i].qty != cur[j].qty) {
                out[k].price = px_dec(v, s, cur[j].price);
                out[k++].qty = qty_dec(v, s, cur[j].qty);
            }
            i++;
            j++;
        } else { /* new */
            out[k].price = px_dec(v, s, cur[j].price);
            out[k++].qty = qty_dec(v, s, cur[j++].qty);
        }
    }
    return k;
}

/* Depth windows in 50 ms ticks and their stream suffixes (diff, partial). */
static const struct {
    int ticks;
    const char *diff, *part;
} windows[UM_NWIN] = {{2, "depth@100ms", "@100ms"},
                      {5, "depth", ""},
                      {10, "depth@500ms", "@500ms"}};

/*
 * @depth<N>[@speed]: the top N levels of the book (snapshot k), U/u/pu as
 * the diff.
 */
static void push_partial(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                         size_t w, struct lx_depth *d, size_t k)
{
    const size_t *nc = s->nsnap[k];
    static const size_t tops[] = {5, 10, 20};
    char name[64];
    size_t i, j;

    for (i = 0; i < 3; i++) {
        lx__snprintf(name, sizeof(name), "%s@depth%zu%s", s->lower, tops[i],
                     windows[w].part);
        if (lx_mock_bn_hub_subscribers(v->hub, name) == 0) {
            continue;
        }
        d->nbids = nc[0] < tops[i] ? nc[0] : tops[i];
        d->nasks = nc[1] < tops[i] ? nc[1] : tops[i];
        for (j = 0; j < d->nbids || j < d->nasks; j++) {
            if (j < d->nbids) {
                v->diff[0][j].price = px_dec(v, s, s->snap[k][0][j].price);
                v->diff[0][j].qty = qty_dec(v, s, s->snap[k][0][j].qty);
            }
            if (j < d->nasks) {
                v->diff[1][j].price = px_dec(v, s, s->snap[k][1][j].price);
                v->diff[1][j].qty = qty_dec(v, s, s->snap[k][1][j].qty);
            }
        }
        lx_mock_sb_reset(&v->ssb);
        lx_mock_bn_render_depth_update(&v->ssb, d, true);
        (void)lx_mock_bn_hub_publish(v->hub, name, v->ssb.buf, v->ssb.len);
    }
}

/* Whether anyone follows window w of s: its diff stream or a partial. */
static int win_watched(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                       size_t w)
{
    static const size_t tops[] = {5, 10, 20};
    char name[64];
    size_t i, n;

    n = lx__str_join(name, sizeof(name), s->lower, "@");
    lx__str_join(name + n, sizeof(name) - n, windows[w].diff, NULL);
    if (lx_mock_bn_hub_subscribers(v->hub, name) > 0) {
        return 1;
    }
    for (i = 0; i < 3; i++) {
        lx__snprintf(name, sizeof(name), "%s@depth%zu%s", s->lower, tops[i],
                     windows[w].part);
        if (lx_mock_bn_hub_subscribers(v->hub, name) > 0) {
            return 1;
        }
    }
    return 0;
}

/* Window w of s now holds snapshot k as the book it last pushed. */
static void win_take(struct um_symbol *s, size_t w, size_t k)
{
    s->snap_refs[s->pushed[w]]--;
    s->pushed[w] = (uint8_t)k;
    s->snap_refs[k]++;
}

/* One push of window w of s when its book changed since the last one;
 * snapshot k holds the book now. */
static void push_depth(struct lx_mock_bn_usdm *v, struct um_symbol *s, size_t w,
                       size_t k)
{
    struct lx_depth d;
    int64_t u = s->update_id;
    size_t o = s->pushed[w];

    if (!win_watched(v, s, w)) {
        /* as a push nobody saw: the next one starts from here, nothing
         * compared or rendered */
        win_take(s, w, k);
        s->last_u[w] = u;
        return;
    }
    memset(&d, 0, sizeof(d));
    d.nbids = side_diff(v, s, s->snap[o][0], s->nsnap[o][0], s->snap[k][0],
                        s->nsnap[k][0], 1, v->diff[0]);
    d.nasks = side_diff(v, s, s->snap[o][1], s->nsnap[o][1], s->snap[k][1],
                        s->nsnap[k][1], 0, v->diff[1]);
    if (d.nbids + d.nasks == 0 && u == s->last_u[w]) {
        return; /* nothing happened to the book */
    }
    lx__str_join(d.symbol, sizeof(d.symbol), s->name, NULL);
    d.first_id = s->last_u[w] + 1;
    d.final_id = u;
    d.prev_final_id = s->last_u[w];
    d.event_ms = d.tx_ms = now_ms(v);
    d.bids = v->diff[0];
    d.asks = v->diff[1];
    lx_mock_sb_reset(&v->ssb);
    lx_mock_bn_render_depth_update(&v->ssb, &d, true);
    publish(v, s, windows[w].diff);
    win_take(s, w, k);
    s->last_u[w] = u;
    push_partial(v, s, w, &d, k);
}

static void depth_cb(struct lx_timer *t, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    size_t i, w, k;

    (void)t;
    v->depth_ticks++;
    for (i = 0; i < v->nsyms; i++) {
        struct um_symbol *s = &v->syms[i];

        /*
         * Every book change is an engine event that moves update_id
         * (book_event): a window whose last push saw this update_id has
         * nothing to send, and when no window due has, the book is not
         * read at all.
         */
        for (w = 0; w < UM_NWIN; w++) {
            if (v->depth_ticks % (unsigned)windows[w].ticks == 0 &&
                s->update_id != s->last_u[w]) {
                break;
            }
        }
        if (w == UM_NWIN) {
            continue;
        }
        /* A snapshot no window holds (there are UM_NWIN + 1). */
        for (k = 0; s->snap_refs[k] != 0; k++) {
        }
        s->nsnap[k][0] = book_side(v, s, LX_ENG_BUY, s->snap[k][0]);
        s->nsnap[k][1] = book_side(v, s, LX_ENG_SELL, s->snap[k][1]);
        for (w = 0; w < UM_NWIN; w++) {
            if (v->depth_ticks % (unsigned)windows[w].ticks == 0) {
                push_depth(v, s, w, k);
            }
        }
    }
}

/* The bar of s starting at open_ms up to now, from the kept trades. */
static void current_bar(struct lx_mock_bn_usdm *v, const struct um_symbol *s,
                        int64_t open_ms, int64_t step, struct lx_kline *k)
{
    size_t i, n = trades_kept(s);
    int64_t o = 0, h = 0, l = 0, c = 0, vol = 0, qv = 0, tb = 0, tbq = 0;

    k->first_trade_id = k->last_trade_id = -1;
    k->trades = 0;
    for (i = 0; i < n; i++) {
        const struct um_trade *t = trade_at(s, i);

        if (t->time_ms < open_ms) {
            c = t->price; /* an empty bar opens at the last close */
            continue;
        }
        o = k->trades == 0 ? t->price : o;
        h = k->trades == 0 || t->price > h ? t->price : h;
        l = k->trades == 0 || t->price < l ? t->price : l;
        k->first_trade_id = k->trades++ == 0 ? t->id : k->first_trade_id;
        k->last_trade_id = t->id;
        c = t->price;
        vol += t->qty;
        qv += t->price * t->qty;
        tb += t->buyer_maker ? 0 : t->qty;
        tbq += t->buyer_maker ? 0 : t->price * t->qty;
    }
    if (k->trades == 0) {
        o = h = l = c;
    }
    lx__str_join(k->symbol, sizeof(k->symbol), s->name, NULL);
    k->open_ms = open_ms;
    k->close_ms = open_ms + step - 1;
    k->open = px_dec(v, s, o);
    k->high = px_dec(v, s, h);
    k->low = px_dec(v, s, l);
    k->close = px_dec(v, s, c);
    k->volume = qty_dec(v, s, vol);
    k->quote_volume = quote_dec(s, qv);
    k->taker_buy_volume = qty_dec(v, s, tb);
    k->taker_buy_quote_volume = quote_dec(s, tbq);
}

/* @kline_<interval> of every interval someone follows, once a second. */
static void push_klines(struct lx_mock_bn_usdm *v, const struct um_symbol *s)
{
    static const char *const ivs[] = {"1m", "3m", "5m", "15m", "30m", "1h",
                                      "2h", "4h", "6h", "8h",  "12h", "1d"};
    char name[64];
    struct lx_kline k;
    size_t i;
    int64_t now = now_ms(v);

    for (i = 0; i < sizeof(ivs) / sizeof(ivs[0]); i++) {
        int64_t step = interval_ms(ivs[i]);

        lx__snprintf(name, sizeof(name), "%s@kline_%s", s->lower, ivs[i]);
        if (lx_mock_bn_hub_subscribers(v->hub, name) == 0) {
            continue;
        }
        memset(&k, 0, sizeof(k));
        current_bar(v, s, now / step * step, step, &k);
        lx__snprintf(k.interval, sizeof(k.interval), "%s", ivs[i]);
        k.event_ms = now;
        lx_mock_sb_reset(&v->ssb);
        lx_mock_bn_render_kline_ws(&v->ssb, &k);
        (void)lx_mock_bn_hub_publish(v->hub, name, v->ssb.buf, v->ssb.len);
    }
}

/* markPriceUpdate on @markPrice@1s each second, @markPrice every 3 s. */
static void mark_cb(struct lx_timer *t, void *ud)
{
    struct lx_mock_bn_usdm *v = ud;
    size_t i;

    (void)t;
    v->mark_ticks++;
    for (i = 0; i < v->nsyms; i++) {
        struct um_symbol *s = &v->syms[i];
        int64_t mark = mark_of(v, s);

        lx_mock_sb_reset(&v->ssb);
        lx_mock_sb_kv_i64(&v->ssb,
                          "{\"e\":\"markPriceUpdate\",\"E\":", now_ms(v));
        lx_mock_sb_kv_str(&v->ssb, ",\"s\":", s->name);
        lx_mock_sb_kv_dec(&v->ssb, ",\"p\":", px_dec(v, s, mark));
        lx_mock_sb_kv_dec(&v->ssb, ",\"i\":", px_dec(v, s, mark));
        lx_mock_sb_kv_dec(&v->ssb, ",\"P\":", px_dec(v, s, mark));
        kv_e8(&v->ssb, ",\"r\":", s->rate_e8);
        lx_mock_sb_kv_i64(&v->ssb, ",\"T\":", next_funding_ms(v));
        lx_mock_sb_str(&v->ssb, "}");
        publish(v, s, "markPrice@1s");
        push_klines(v, s);
        if (v->mark_ticks % 3 == 0) {
            publish(v, s, "markPrice");
        }
    }
}

int lx_mock_bn_usdm_set_hub(struct lx_mock_bn_usdm *v,
                            struct lx_mock_bn_hub *hub)
{
    size_t i;
    int rc = LX_OK;

    if (v == NULL || hub == NULL || v->hub != NULL) {
        return LX_ERR_INVAL;
    }
    for (i = 0; rc == LX_OK && i < 2; i++) {
        v->diff[i] = lx__calloc(NULL, 2 * UM_LEVELS, sizeof(struct lx_level));
        rc = v->diff[i] == NULL ? LX_ERR_NOMEM : LX_OK;
    }
    rc =
        rc != LX_OK ? rc : lx_timer_new(&v->depth_timer, v->clock, depth_cb, v);
    rc = rc != LX_OK ? rc : lx_timer_new(&v->mark_timer, v->clock, mark_cb, v);
    rc = rc != LX_OK ? rc : lx_timer_start(v->depth_timer, 50000000, 50000000);
    rc = rc != LX_OK ? rc
                     : lx_timer_start(v->mark_timer, 1000000000, 1000000000);
    if (rc == LX_OK) {
        v->hub = hub;
        lx_mock_bn_hub_set_user(hub, listen_user, v);
    }
    return rc;
}

/* ---- admin and clock support (lotusx-mock's admin API) ------------------ */

static const char *um_key_of(const struct lx_mock_bn_usdm *v, uint32_t acct)
{
    size_t i;

    for (i = 0; i < v->naccounts; i++) {
        if (v->keys[i].account == acct) {
            return v->keys[i].api_key;
        }
    }
    return "";
}

/* Books with their mark, levels a side (into v->sb). */
static void um_state_books(struct lx_mock_bn_usdm *v, size_t levels)
{
    size_t i;

    lx_mock_sb_str(&v->sb, ",\"books\":{");
    for (i = 0; i < v->nsyms; i++) {
        struct um_symbol *s = &v->syms[i];

        lx_mock_sb_str(&v->sb, i > 0 ? "," : "");
        lx_mock_sb_json_str(&v->sb, s->name);
        lx_mock_sb_kv_i64(&v->sb, ":{\"lastUpdateId\":", s->update_id);
        kv_px(v, s, ",\"markPrice\":", mark_of(v, s));
        lx_mock_sb_str(&v->sb, ",\"bids\":[");
        depth_side(v, s, LX_ENG_BUY, (int64_t)levels);
        lx_mock_sb_str(&v->sb, "],\"asks\":[");
        depth_side(v, s, LX_ENG_SELL, (int64_t)levels);
        lx_mock_sb_str(&v->sb, "]}");
    }
    lx_mock_sb_str(&v->sb, "}");
}

/* Margin balances by API key, then the open positions (into v->sb). */
static void um_state_accounts(struct lx_mock_bn_usdm *v)
{
    const struct um_symbol *s0 = &v->syms[0];
    struct lx_eng_position p;
    struct lx_eng_margin mg;
    size_t i, j, k = 0;
    int side;

    lx_mock_sb_str(&v->sb, ",\"balances\":{");
    for (i = 0; i < v->naccounts; i++) {
        uint32_t a = (uint32_t)v->keys[i].account;
        int64_t fr = 0, lk = 0;

        memset(&mg, 0, sizeof(mg));
        (void)lx__engine_margin(v->eng, a, s0->margin_asset, &mg);
        (void)lx__engine_balance(v->eng, a, s0->margin_asset, &fr, &lk);
        lx_mock_sb_str(&v->sb, i > 0 ? "," : "");
        lx_mock_sb_json_str(&v->sb, v->keys[i].api_key);
        lx_mock_sb_str(&v->sb, ":{");
        lx_mock_sb_json_str(&v->sb, s0->quote);
        kv_amt(v, s0, ":{\"free\":", fr);
        kv_amt(v, s0, ",\"locked\":", lk);
        kv_amt(v, s0, ",\"walletBalance\":", mg.wallet);
        kv_amt(v, s0, ",\"unrealizedProfit\":", mg.upnl);
        kv_amt(v, s0, ",\"availableBalance\":", mg.available);
        lx_mock_sb_str(&v->sb, "}}");
    }
    lx_mock_sb_str(&v->sb, "},\"positions\":[");
    for (i = 0; i < v->naccounts; i++) {
        uint32_t a = (uint32_t)v->keys[i].account;

        for (j = 0; j < v->nsyms; j++) {
            for (side = 0; side < 3; side++) {
                if (lx__engine_position(v->eng, a, v->syms[j].inst, side, &p) !=
                        LX_OK ||
                    p.hedge != (side != 0) || p.size == 0) {
                    continue;
                }
                lx_mock_sb_kv_str(
                    &v->sb,
                    k++ ? ",{\"apiKey\":" : "{\"apiKey\":", v->keys[i].api_key);
                lx_mock_sb_str(&v->sb, ",\"position\":");
                render_position(v, a, &v->syms[j], side, &p, 0);
                lx_mock_sb_str(&v->sb, "}");
            }
        }
    }
    lx_mock_sb_str(&v->sb, "]");
}

/* Open orders, then waiting algo orders, with their API keys. */
static void um_state_orders(struct lx_mock_bn_usdm *v)
{
    size_t i, pass, k,
        n = v->norders < UM_MAX_ORDERS ? v->norders : UM_MAX_ORDERS;

    for (pass = 0; pass < 2; pass++) {
        lx_mock_sb_str(&v->sb, pass == 0 ? ",\"open_orders\":["
                                         : "],\"algo_orders\":[");
        for (i = 0, k = 0; i < n; i++) {
            const struct um_order *o = &v->orders[i];

            if (!order_open(o) || (!o->algo || o->triggered) != (pass == 0)) {
                continue;
            }
            lx_mock_sb_kv_str(&v->sb, k++ ? ",{\"apiKey\":" : "{\"apiKey\":",
                              um_key_of(v, o->account));
            lx_mock_sb_str(&v->sb,
                           pass == 0 ? ",\"order\":" : ",\"algoOrder\":");
            if (pass == 0) {
                render_order(v, o);
            } else {
                render_algo(v, o);
            }
            lx_mock_sb_str(&v->sb, "}");
        }
    }
    lx_mock_sb_str(&v->sb, "]");
}

int lx_mock_bn_usdm_state(struct lx_mock_bn_usdm *v, size_t levels,
                          struct lx_mock_sb *sb)
{
    if (v == NULL || sb == NULL) {
        return LX_ERR_INVAL;
    }
    lx_mock_sb_reset(&v->sb);
    lx_mock_sb_kv_i64(&v->sb, "{\"time\":", now_ms(v));
    um_state_books(v, levels);
    if (v->nsyms > 0) {
        um_state_accounts(v);
    }
    um_state_orders(v);
    lx_mock_sb_str(&v->sb, "}");
    if (v->sb.err != LX_OK) {
        return v->sb.err;
    }
    lx_mock_sb_add(sb, v->sb.buf, v->sb.len);
    return sb->err;
}

int lx_mock_bn_usdm_expire_listen(struct lx_mock_bn_usdm *v, const char *key,
                                  size_t *n)
{
    char stream[24];
    size_t i = 0;

    *n = 0;
    while (i < v->nlisten) {
        struct um_listen *l = &v->listen[i];

        if (key != NULL && strcmp(l->key, key) != 0) {
            i++;
            continue;
        }
        lx_mock_sb_reset(&v->sb);
        lx_mock_sb_kv_str(&v->sb, "{\"e\":", "listenKeyExpired");
        lx_mock_sb_kv_i64(&v->sb, ",\"E\":", now_ms(v));
        lx_mock_sb_kv_str(&v->sb, ",\"listenKey\":", l->key);
        lx_mock_sb_str(&v->sb, "}");
        if (v->sb.err != LX_OK) {
            return v->sb.err;
        }
        user_stream(l->account, stream);
        if (v->hub != NULL) {
            (void)lx_mock_bn_hub_expire(v->hub, stream, v->sb.buf, v->sb.len);
        }
        *l = v->listen[--v->nlisten];
        (*n)++;
    }
    return LX_OK;
}

int64_t lx_mock_bn_usdm_next_funding_ms(const struct lx_mock_bn_usdm *v)
{
    return next_funding_ms(v);
}

void lx_mock_bn_usdm_stop(struct lx_mock_bn_usdm *v)
{
    if (v != NULL) {
        lx_timer_stop(v->fund_timer);
    }
}

int lx_mock_bn_usdm_set_leverage_all(struct lx_mock_bn_usdm *v,
                                     const char *symbol, uint32_t leverage)
{
    struct um_symbol *s = v != NULL ? sym_by_name(v, symbol) : NULL;
    size_t i;
    int reason = 0, rc = LX_OK;

    if (s == NULL || leverage < 1 || leverage > 125) {
        return LX_ERR_INVAL;
    }
    for (i = 0; rc == LX_OK && i < v->naccounts; i++) {
        rc = lx__engine_set_leverage(v->eng, (uint32_t)v->keys[i].account,
                                     s->inst, leverage,
                                     lx_mock_door_now_ns(v->door), &reason);
        rc = rc == LX_OK && reason != 0 ? LX_ERR_INVAL : rc;
    }
    drain(v);
    return rc;
}

int lx_mock_bn_usdm_set_balance(struct lx_mock_bn_usdm *v, const char *api_key,
                                const char *amount)
{
    struct lx_decimal amt, unit = {1, 8};
    int64_t fr = 0, lk = 0, units;
    size_t i;
    int rc;

    if (v == NULL || api_key == NULL || amount == NULL || v->nsyms == 0) {
        return LX_ERR_INVAL;
    }
    for (i = 0; i < v->naccounts; i++) {
        if (strcmp(v->keys[i].api_key, api_key) == 0) {
            break;
        }
    }
    if (i == v->naccounts) {
        return LX_ERR_NOTFOUND;
    }
    if (parse_dec(amount, &amt) != LX_OK || amt.m < 0) {
        return LX_ERR_INVAL;
    }
    rc = lx_decimal_to_ticks(amt, unit, &units);
    if (rc != LX_OK) {
        return rc == LX_ERR_OVERFLOW ? LX_ERR_RANGE : LX_ERR_INVAL;
    }
    (void)lx__engine_balance(v->eng, (uint32_t)v->keys[i].account,
                             v->syms[0].margin_asset, &fr, &lk);
    rc = units == fr ? LX_OK
                     : lx__engine_deposit(v->eng, (uint32_t)v->keys[i].account,
                                          v->syms[0].margin_asset, units - fr,
                                          lx_mock_door_now_ns(v->door));
    drain(v);
    return rc == LX_ERR_OVERFLOW ? LX_ERR_RANGE : rc;
}

const char *lx_mock_bn_usdm_margin_asset(const struct lx_mock_bn_usdm *v)
{
    return v != NULL && v->nsyms > 0 ? v->syms[0].quote : "";
}

int lx_mock_bn_usdm_has_symbol(struct lx_mock_bn_usdm *v, const char *symbol)
{
    return v != NULL && sym_by_name(v, symbol) != NULL;
}

int lx_mock_bn_usdm_has_account(const struct lx_mock_bn_usdm *v,
                                const char *api_key)
{
    size_t i;

    for (i = 0; v != NULL && api_key != NULL && i < v->naccounts; i++) {
        if (strcmp(v->keys[i].api_key, api_key) == 0) {
            return 1;
        }
    }
    return 0;
}
