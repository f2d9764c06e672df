/*
 * engine.c - the matching engine's setup (engine, assets, instruments,
 * accounts), the order-slot pool, the client-order-id table, the event log
 * with its running hash, queries, the lx_decimal boundary and the venue
 * error mapping.
 *
 * Matching lives in match.c; replay, the state hash and the invariant
 * checker in replay.c. Nothing here reads a clock or does I/O; only the
 * setup functions allocate.
 */
#include <string.h>

#include "engine/engine_int.h"

/* ---- Setup -----------------------------------------------------------------
 */

static void *eng_alloc(struct lx_engine *e, size_t n)
{
    void *p = lx__calloc(e->mem, 1, n);

    if (p != NULL) {
        e->bytes += n;
    }
    return p;
}

static void cfg_defaults(struct lx_eng_config *c)
{
    if (c->max_orders == 0) {
        c->max_orders = 65536;
    }
    if (c->max_accounts == 0) {
        c->max_accounts = 64;
    }
    if (c->max_assets == 0) {
        c->max_assets = 16;
    }
    if (c->max_instruments == 0) {
        c->max_instruments = 16;
    }
    if (c->max_events == 0) {
        c->max_events = 4096;
    }
}

static int init_pool(struct lx_engine *e)
{
    uint32_t i, n = e->cfg.max_orders, tab = 16;

    e->slot_bits = 1;
    while (((uint64_t)1 << e->slot_bits) < n) {
        e->slot_bits++;
    }
    e->orders_mem = eng_alloc(e, sizeof(*e->orders) * n + 63);
    e->otime = eng_alloc(e, sizeof(*e->otime) * n);
    e->cold_of = eng_alloc(e, sizeof(*e->cold_of) * n);
    e->cid_tab = eng_alloc(e, sizeof(*e->cid_tab) * tab);
    if (e->orders_mem == NULL || e->otime == NULL || e->cold_of == NULL ||
        e->cid_tab == NULL) {
        return LX_ERR_NOMEM;
    }
    e->cold_free = e->cid_free = ENG_NIL;
    e->orders =
        (struct eng_order *)(((uintptr_t)e->orders_mem + 63) & ~(uintptr_t)63);
    e->cid_mask = tab - 1;
    e->slot_mask = (uint32_t)(((uint64_t)1 << e->slot_bits) - 1);
    for (i = 0; i < n; i++) {
        e->orders[i].next = i + 1 < n ? i + 1 : ENG_NIL;
        e->orders[i].prev = i > 0 ? i - 1 : ENG_NIL;
        e->orders[i].level = ENG_NIL;
    }
    e->free_head = 0;
    e->pair_pending = ENG_NIL;
    e->seq = 1;
    return lx__eng_grow(e, 1, 0); /* the first side records (eng_topup) */
}

int lx__engine_new(struct lx_engine **out, const struct lx_mem *mem,
                   const struct lx_eng_config *cfg)
{
    struct lx_engine *e;
    struct lx_eng_config c = {0};
    size_t nb;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (cfg != NULL) {
        c = *cfg;
    }
    cfg_defaults(&c);
    if (c.max_orders > (1u << 30) || c.max_instruments > 65535) {
        return LX_ERR_INVAL;
    }
    e = lx__calloc(mem, 1, sizeof(*e));
    if (e == NULL) {
        return LX_ERR_NOMEM;
    }
    e->mem = mem;
    e->cfg = c;
    e->bytes = sizeof(*e);
    e->ev_hash = LX_ENG_HASH_INIT;
    nb = (size_t)c.max_accounts * c.max_assets * 2;
    e->books = eng_alloc(e, sizeof(*e->books) * c.max_instruments);
    e->asset_scale = eng_alloc(e, c.max_assets);
    e->accounts = eng_alloc(e, sizeof(*e->accounts) * c.max_accounts);
    e->bal = eng_alloc(e, sizeof(*e->bal) * nb);
    e->fees = eng_alloc(e, sizeof(*e->fees) * c.max_assets);
    e->supply = eng_alloc(e, sizeof(*e->supply) * c.max_assets);
    e->ev = eng_alloc(e, sizeof(*e->ev) * ((size_t)c.max_events + 1));
    e->scratch = eng_alloc(e, sizeof(*e->scratch) * (nb / 2 + c.max_accounts));
    e->insurance = eng_alloc(e, sizeof(*e->insurance) * c.max_assets);
    e->margin_asset = eng_alloc(e, c.max_assets);
    e->ai = eng_alloc(e, sizeof(*e->ai) * c.max_accounts * c.max_instruments);
    if (e->books == NULL || e->asset_scale == NULL || e->accounts == NULL ||
        e->bal == NULL || e->fees == NULL || e->supply == NULL ||
        e->ev == NULL || e->scratch == NULL || e->insurance == NULL ||
        e->margin_asset == NULL || e->ai == NULL || init_pool(e) != LX_OK) {
        lx__engine_free(e);
        return LX_ERR_NOMEM;
    }
    *out = e;
    return LX_OK;
}

static void free_book(struct lx_engine *e, struct eng_book *b)
{
    lx__free(e->mem, b->side[0].key);
    lx__free(e->mem, b->side[0].lv);
    lx__free(e->mem, b->side[1].key);
    lx__free(e->mem, b->side[1].lv);
    lx__free(e->mem, b->levels);
    lx__free(e->mem, b->ltab);
    lx__free(e->mem, b->up.key);
    lx__free(e->mem, b->up.slot);
    lx__free(e->mem, b->down.key);
    lx__free(e->mem, b->down.slot);
    lx__free(e->mem, b->pst);
}

void lx__engine_free(struct lx_engine *e)
{
    uint32_t i;

    if (e == NULL) {
        return;
    }
    for (i = 0; e->books != NULL && i < e->cfg.max_instruments; i++) {
        free_book(e, &e->books[i]);
    }
    lx__free(e->mem, e->books);
    lx__free(e->mem, e->asset_scale);
    lx__free(e->mem, e->accounts);
    lx__free(e->mem, e->bal);
    lx__free(e->mem, e->fees);
    lx__free(e->mem, e->supply);
    lx__free(e->mem, e->ev);
    lx__free(e->mem, e->scratch);
    lx__free(e->mem, e->insurance);
    lx__free(e->mem, e->margin_asset);
    lx__free(e->mem, e->ai);
    lx__free(e->mem, e->orders_mem);
    lx__free(e->mem, e->otime);
    lx__free(e->mem, e->cold_of);
    lx__free(e->mem, e->hot);
    lx__free(e->mem, e->cold);
    lx__free(e->mem, e->cids);
    lx__free(e->mem, e->cid_tab);
    lx__free(e->mem, e);
}

int lx__engine_add_asset(struct lx_engine *e, unsigned scale, uint32_t *id)
{
    if (e == NULL || id == NULL || scale > LX_DECIMAL_MAX_SCALE) {
        return LX_ERR_INVAL;
    }
    if (e->nassets >= e->cfg.max_assets) {
        return LX_ERR_TOOBIG;
    }
    e->asset_scale[e->nassets] = (uint8_t)scale;
    *id = e->nassets++;
    return LX_OK;
}

/* d as a count of 10^-scale units; 0 is allowed (means "none"). */
static int dec_units(struct lx_decimal d, struct lx_decimal step, int64_t *out)
{
    if (lx_decimal_is_zero(d)) {
        *out = 0;
        return LX_OK;
    }
    if (d.m < 0) {
        return LX_ERR_INVAL;
    }
    return lx_decimal_to_ticks(d, step, out);
}

/*
 * Perp parameters: max leverage (default 125), maintenance margin rate
 * (default 0.4%, a single tier), and the lock asset of a sell (quote).
 */
static int book_perp(struct eng_book *b, const struct lx_eng_instrument_spec *s)
{
    struct lx_decimal r;

    b->lock_asset[LX_ENG_BUY] = b->quote;
    b->lock_asset[LX_ENG_SELL] = b->base;
    if (s->kind == LX_ENG_SPOT) {
        return LX_OK;
    }
    if (s->kind != LX_ENG_PERP || s->max_leverage > 1000) {
        return LX_ERR_INVAL;
    }
    b->perp = true;
    b->lock_asset[LX_ENG_SELL] = b->quote;
    b->max_lev = s->max_leverage ? s->max_leverage : 125;
    b->mmr_e8 = 400000;
    if (!lx_decimal_is_zero(s->maint_margin_rate)) {
        if (lx_decimal_rescale(s->maint_margin_rate, 8, LX_ROUND_EXACT, &r) !=
                LX_OK ||
            r.m <= 0 || r.m >= 100000000) {
            return LX_ERR_INVAL;
        }
        b->mmr_e8 = r.m;
    }
    return LX_OK;
}

static int book_filters(struct lx_engine *e, struct eng_book *b,
                        const struct lx_eng_instrument_spec *s)
{
    struct lx_decimal qunit = lx_decimal_from_i64(1, e->asset_scale[s->quote]);
    struct lx_decimal bunit = lx_decimal_from_i64(1, e->asset_scale[s->base]);
    struct lx_decimal tl;
    int rc;

    if (s->tick_size.m <= 0 || s->lot_size.m <= 0) {
        return LX_ERR_INVAL;
    }
    b->tick = s->tick_size;
    b->lot = s->lot_size;
    rc = lx_decimal_mul(s->tick_size, s->lot_size, LX_DECIMAL_MAX_SCALE,
                        LX_ROUND_EXACT, &tl);
    if (rc == LX_OK) {
        rc = lx_decimal_to_ticks(tl, qunit, &b->k);
    }
    if (rc == LX_OK) {
        rc = lx_decimal_to_ticks(s->lot_size, bunit, &b->l);
    }
    if (rc == LX_OK) {
        rc = dec_units(s->min_price, s->tick_size, &b->min_price);
    }
    if (rc == LX_OK) {
        rc = dec_units(s->max_price, s->tick_size, &b->max_price);
    }
    if (rc == LX_OK) {
        rc = dec_units(s->min_qty, s->lot_size, &b->min_qty);
    }
    if (rc == LX_OK) {
        rc = dec_units(s->max_qty, s->lot_size, &b->max_qty);
    }
    if (rc == LX_OK) {
        rc = dec_units(s->min_notional, qunit, &b->min_notional);
    }
    if (rc == LX_OK) {
        rc = book_perp(b, s);
    }
    /* The ranges match.c checks (l > 0: the lot is an exact positive unit). */
    b->plo = b->min_price > 1 ? b->min_price : 1;
    b->phi = b->max_price != 0 ? b->max_price : INT64_MAX;
    b->qlo = b->min_qty > 1 ? b->min_qty : 1;
    b->qhi = b->max_qty != 0 ? b->max_qty : INT64_MAX;
    if (b->l > 0 && b->qhi > INT64_MAX / b->l) {
        b->qhi = INT64_MAX / b->l;
    }
    return rc == LX_OK ? LX_OK : LX_ERR_INVAL;
}

static int book_arrays(struct lx_engine *e, struct eng_book *b,
                       const struct lx_eng_instrument_spec *s)
{
    uint32_t i, nl = s->max_levels ? s->max_levels : e->cfg.max_orders;
    uint32_t ns = s->max_stops ? s->max_stops : e->cfg.max_orders;
    uint32_t tab;

    b->level_cap = nl;
    b->stop_cap = ns;
    for (i = 0; i < 2; i++) {
        b->side[i].key = eng_alloc(e, sizeof(int64_t) * nl);
        b->side[i].lv = eng_alloc(e, sizeof(uint32_t) * nl);
        if (b->side[i].key == NULL || b->side[i].lv == NULL) {
            return LX_ERR_NOMEM;
        }
    }
    b->levels = eng_alloc(e, sizeof(*b->levels) * nl);
    for (tab = 4; tab < 2 * (uint64_t)nl; tab <<= 1) {
    }
    b->ltab = eng_alloc(e, sizeof(*b->ltab) * tab);
    b->lmask = tab - 1;
    b->up.key = eng_alloc(e, sizeof(int64_t) * ns);
    b->up.slot = eng_alloc(e, sizeof(uint32_t) * ns);
    b->down.key = eng_alloc(e, sizeof(int64_t) * ns);
    b->down.slot = eng_alloc(e, sizeof(uint32_t) * ns);
    if (b->perp) {
        b->pst = eng_alloc(e, sizeof(uint32_t) * ns);
    }
    if (b->levels == NULL || b->ltab == NULL || b->up.key == NULL ||
        b->up.slot == NULL || b->down.key == NULL || b->down.slot == NULL ||
        (b->perp && b->pst == NULL)) {
        return LX_ERR_NOMEM;
    }
    for (i = 0; i < nl; i++) {
        b->levels[i].head = i + 1 < nl ? i + 1 : ENG_NIL;
    }
    b->level_free = 0;
    return LX_OK;
}

int lx__engine_add_instrument(struct lx_engine *e,
                              const struct lx_eng_instrument_spec *spec,
                              uint32_t *id)
{
    struct eng_book *b;
    int rc;

    if (e == NULL || spec == NULL || id == NULL || spec->base >= e->nassets ||
        spec->quote >= e->nassets || spec->base == spec->quote) {
        return LX_ERR_INVAL;
    }
    if (e->nbooks >= e->cfg.max_instruments) {
        return LX_ERR_TOOBIG;
    }
    b = &e->books[e->nbooks];
    memset(b, 0, sizeof(*b));
    b->base = spec->base;
    b->quote = spec->quote;
    rc = book_filters(e, b, spec);
    if (rc == LX_OK) {
        rc = book_arrays(e, b, spec);
    }
    if (rc != LX_OK) {
        free_book(e, b);
        memset(b, 0, sizeof(*b));
        return rc;
    }
    if (b->perp) {
        e->margin_asset[b->quote] = 1;
    }
    *id = e->nbooks++;
    return LX_OK;
}

/* A fee rate as an integer of 10^-8. */
static int fee_e8(struct lx_decimal d, int64_t *out)
{
    struct lx_decimal r;
    int rc = lx_decimal_rescale(d, 8, LX_ROUND_EXACT, &r);

    if (rc != LX_OK) {
        return LX_ERR_INVAL;
    }
    if (r.m > 100000000 || r.m < -100000000) {
        return LX_ERR_INVAL;
    }
    *out = r.m;
    return LX_OK;
}

int lx__engine_add_account(struct lx_engine *e,
                           const struct lx_eng_account_spec *spec, uint32_t *id)
{
    struct eng_account *a;

    if (e == NULL || spec == NULL || id == NULL) {
        return LX_ERR_INVAL;
    }
    if (e->naccounts >= e->cfg.max_accounts) {
        return LX_ERR_TOOBIG;
    }
    a = &e->accounts[e->naccounts];
    if (fee_e8(spec->maker_fee, &a->maker_e8) != LX_OK ||
        fee_e8(spec->taker_fee, &a->taker_e8) != LX_OK) {
        return LX_ERR_INVAL;
    }
    a->max_open = spec->max_open_orders;
    a->market = spec->market;
    a->open = 0;
    *id = e->naccounts++;
    return LX_OK;
}

int lx__engine_deposit(struct lx_engine *e, uint32_t account, uint32_t asset,
                       int64_t amount, int64_t time)
{
    int64_t *bal, f, s;

    if (e == NULL || account >= e->naccounts || asset >= e->nassets) {
        return LX_ERR_INVAL;
    }
    bal = eng_bal(e, account, asset);
    if (__builtin_add_overflow(bal[0], amount, &f) ||
        __builtin_add_overflow(e->supply[asset], amount, &s)) {
        return LX_ERR_OVERFLOW;
    }
    if (f < 0) {
        return LX_ERR_RANGE;
    }
    e->supply[asset] = s;
    lx__eng_balance(e, account, asset, amount, 0, LX_ENG_BAL_DEPOSIT, time);
    return LX_OK;
}

/* ---- Event log -------------------------------------------------------------
 */

void lx__engine_event_encode(const struct lx_eng_event *ev, uint8_t out[64])
{
    uint64_t w[8];
    int i, j;

    w[0] = eng_word0(ev);
    w[1] = (uint64_t)ev->time;
    w[2] = ev->order_id;
    w[3] = (uint64_t)ev->account | (uint64_t)ev->aux << 32;
    w[4] = (uint64_t)ev->price;
    w[5] = (uint64_t)ev->qty;
    w[6] = (uint64_t)ev->a;
    w[7] = (uint64_t)ev->b;
    for (i = 0; i < 8; i++) {
        for (j = 0; j < 8; j++) {
            out[i * 8 + j] = (uint8_t)(w[i] >> (8 * j));
        }
    }
}

uint64_t lx__engine_event_hash(uint64_t h, const struct lx_eng_event *ev)
{
    return eng_hash(h, ev);
}

void lx__eng_balance(struct lx_engine *e, uint32_t acct, uint32_t asset,
                     int64_t dfree, int64_t dlocked, int cause, int64_t time)
{
    int64_t *bal = eng_bal(e, acct, asset);
    struct lx_eng_event *ev;

    if (dfree == 0 && dlocked == 0) {
        return;
    }
    bal[0] += dfree;
    bal[1] += dlocked;
    ev = eng_ev(e);
    *ev = (struct lx_eng_event){.type = LX_ENG_EV_BALANCE,
                                .reason = (uint8_t)cause,
                                .time = time,
                                .account = acct,
                                .aux = asset,
                                .price = dfree,
                                .qty = dlocked};
    eng_commit(e, ev);
}

const struct lx_eng_event *lx__engine_events(const struct lx_engine *e,
                                             size_t *n, uint64_t *dropped)
{
    if (n != NULL) {
        *n = e->ev_n;
    }
    if (dropped != NULL) {
        *dropped = e->ev_dropped;
    }
    return e->ev;
}

void lx__engine_events_clear(struct lx_engine *e)
{
    e->ev_n = 0;
    e->ev_dropped = 0;
}

uint64_t lx__engine_event_count(const struct lx_engine *e)
{
    return e->ev_total;
}

uint64_t lx__engine_log_hash(const struct lx_engine *e)
{
    return e->ev_hash;
}

/* ---- Order slots ------------------------------------------------------------
 */

/* ---- Client order ids
 * -------------------------------------------------------- */

uint64_t lx__eng_cid_hash(uint32_t acct, const char *cid, size_t len)
{
    uint64_t h = LX_ENG_HASH_INIT ^ acct;
    size_t i;

    for (i = 0; i < len; i++) {
        h = (h ^ (uint8_t)cid[i]) * ENG_FNV_PRIME;
    }
    return h ^ (h >> 29);
}

static bool cid_match(const struct lx_engine *e, uint32_t slot, uint32_t acct,
                      const char *cid, size_t len)
{
    const struct eng_cid *c = &e->cids[eng_cid_ref(e, slot)];

    return e->orders[slot].account == acct && c->len == len &&
           memcmp(c->cid, cid, len) == 0;
}

uint32_t lx__eng_cid_find(const struct lx_engine *e, uint32_t acct,
                          const char *cid, size_t len)
{
    uint32_t i = (uint32_t)lx__eng_cid_hash(acct, cid, len) & e->cid_mask;

    while (e->cid_tab[i] != 0) {
        uint32_t s = e->cid_tab[i] - 1;

        if (cid_match(e, s, acct, cid, len)) {
            return s;
        }
        i = (i + 1) & e->cid_mask;
    }
    return ENG_NIL;
}

static uint32_t cid_home(const struct lx_engine *e, uint32_t slot)
{
    const struct eng_cid *c = &e->cids[eng_cid_ref(e, slot)];

    return (uint32_t)lx__eng_cid_hash(e->orders[slot].account, c->cid, c->len) &
           e->cid_mask;
}

void lx__eng_cid_insert(struct lx_engine *e, uint32_t slot)
{
    uint32_t i = cid_home(e, slot);

    while (e->cid_tab[i] != 0) {
        i = (i + 1) & e->cid_mask;
    }
    e->cid_tab[i] = slot + 1;
}

/* Removal with backward shift, so lookups never need tombstones. */
void lx__eng_cid_remove(struct lx_engine *e, uint32_t slot)
{
    uint32_t i = cid_home(e, slot);
    uint32_t j;

    while (e->cid_tab[i] != slot + 1) {
        if (e->cid_tab[i] == 0) {
            return;
        }
        i = (i + 1) & e->cid_mask;
    }
    j = i;
    for (;;) {
        uint32_t home;

        j = (j + 1) & e->cid_mask;
        if (e->cid_tab[j] == 0) {
            break;
        }
        home = cid_home(e, e->cid_tab[j] - 1);
        /* Move j into the hole at i unless its home lies in (i, j]. */
        if (((j - home) & e->cid_mask) >= ((j - i) & e->cid_mask)) {
            e->cid_tab[i] = e->cid_tab[j];
            i = j;
        }
    }
    e->cid_tab[i] = 0;
}

/*
 * Gives open order slot the client id (1..LX_ENG_CID_MAX bytes): a record
 * from the pool (eng_reserve made room), the table entry, OF_HAS_CID.
 */
uint32_t lx__eng_cid_add(struct lx_engine *e, uint32_t slot, const char *cid,
                         size_t len)
{
    struct eng_order *o = &e->orders[slot];
    uint32_t r = e->cid_free;
    struct eng_cid *c = &e->cids[r];

    memcpy(&e->cid_free, c, sizeof(uint32_t));
    e->ncid++;
    memset(c, 0, sizeof(*c));
    c->len = (uint8_t)len;
    memcpy(c->cid, cid, len);
    if (o->flags & OF_SIDE) {
        eng_cold(e, slot)->cid = r;
    } else {
        e->cold_of[slot] = r;
    }
    o->flags |= OF_HAS_CID;
    lx__eng_cid_insert(e, slot);
    return r;
}

/* ---- Side records --------------------------------------------------------
 */

const struct eng_cold lx__eng_cold_zero = {.link = ENG_NIL, .cid = ENG_NIL};

/* Doubles a pool (at least 64 records), new records on its free list. */
static int grow_cold(struct lx_engine *e)
{
    uint32_t n = e->cold_cap ? 2 * e->cold_cap : 64, i;
    struct eng_cold *p;
    struct eng_hot *h;

    /* Never more records than slots (the caller checked for a free slot). */
    if (n > e->cfg.max_orders && e->cfg.max_orders > e->cold_cap) {
        n = e->cfg.max_orders;
    }
    h = lx__realloc(e->mem, e->hot, sizeof(*h) * n);
    if (h == NULL) {
        return LX_ERR_NOMEM;
    }
    e->hot = h;
    p = lx__realloc(e->mem, e->cold, sizeof(*p) * n);
    if (p == NULL) {
        return LX_ERR_NOMEM; /* hot has grown: harmless, cold_cap says */
    }
    e->bytes += (sizeof(*p) + sizeof(*h)) * (n - e->cold_cap);
    e->cold = p;
    for (i = n; i-- > e->cold_cap;) {
        memset(&h[i], 0, sizeof(h[i]));
        memset(&p[i], 0, sizeof(p[i]));
        p[i].link = e->cold_free;
        e->cold_free = i;
    }
    e->cold_cap = n;
    return LX_OK;
}

static int grow_cids(struct lx_engine *e)
{
    uint32_t n = e->cid_cap ? 2 * e->cid_cap : 64, i;
    struct eng_cid *p;

    if (n > e->cfg.max_orders && e->cfg.max_orders > e->cid_cap) {
        n = e->cfg.max_orders;
    }
    p = lx__realloc(e->mem, e->cids, sizeof(*p) * n);
    if (p == NULL) {
        return LX_ERR_NOMEM;
    }
    e->bytes += sizeof(*p) * (n - e->cid_cap);
    e->cids = p;
    for (i = n; i-- > e->cid_cap;) {
        memset(&p[i], 0, sizeof(p[i]));
        memcpy(&p[i], &e->cid_free, sizeof(uint32_t));
        e->cid_free = i;
    }
    e->cid_cap = n;
    return LX_OK;
}

/* Doubles the client id table and puts every id back. */
static int grow_cid_tab(struct lx_engine *e)
{
    uint32_t n = 2 * (e->cid_mask + 1), i, *t;

    t = lx__calloc(e->mem, n, sizeof(*t));
    if (t == NULL) {
        return LX_ERR_NOMEM;
    }
    lx__free(e->mem, e->cid_tab);
    e->bytes += sizeof(*t) * (n - (e->cid_mask + 1));
    e->cid_tab = t;
    e->cid_mask = n - 1;
    for (i = 0; i < e->cfg.max_orders; i++) {
        if (e->orders[i].where != W_FREE && (e->orders[i].flags & OF_HAS_CID)) {
            lx__eng_cid_insert(e, i);
        }
    }
    return LX_OK;
}

int lx__eng_grow(struct lx_engine *e, uint32_t ncold, uint32_t ncid)
{
    while (e->cold_cap - e->cold_used < ncold) {
        if (grow_cold(e) != LX_OK) {
            return LX_ERR_NOMEM;
        }
    }
    while (ncid != 0 && e->cid_cap - e->ncid < ncid) {
        if (grow_cids(e) != LX_OK) {
            return LX_ERR_NOMEM;
        }
    }
    while (ncid != 0 && 2 * (e->ncid + ncid) > e->cid_mask + 1) {
        if (grow_cid_tab(e) != LX_OK) {
            return LX_ERR_NOMEM;
        }
    }
    return LX_OK;
}

void lx__eng_cold_attach(struct lx_engine *e, uint32_t s, int64_t price,
                         int64_t quote)
{
    struct eng_order *o = &e->orders[s];
    uint32_t r = eng_cold_take(e);
    struct eng_cold *c = &e->cold[r];

    *c = lx__eng_cold_zero;
    e->hot[r].locked =
        eng_spot_need(&e->books[o->inst], o->side, LX_ENG_LIMIT, price, o->qty);
    e->hot[r].quote_filled = quote;
    if (o->flags & OF_HAS_CID) {
        c->cid = e->cold_of[s];
    }
    e->cold_of[s] = r;
    o->flags |= OF_SIDE;
}

/* ---- Queries ---------------------------------------------------------------
 */

int lx__engine_balance(const struct lx_engine *e, uint32_t account,
                       uint32_t asset, int64_t *free_bal, int64_t *locked)
{
    const int64_t *b;

    if (e == NULL || account >= e->naccounts || asset >= e->nassets) {
        return LX_ERR_INVAL;
    }
    b = eng_cbal(e, account, asset);
    if (free_bal != NULL) {
        *free_bal = b[0];
    }
    if (locked != NULL) {
        *locked = b[1];
    }
    return LX_OK;
}

int64_t lx__engine_fees(const struct lx_engine *e, uint32_t asset)
{
    return asset < e->nassets ? e->fees[asset] : 0;
}

static uint32_t slot_of(const struct lx_engine *e, uint64_t id)
{
    uint32_t s = (uint32_t)(id & (((uint64_t)1 << e->slot_bits) - 1));

    if (id == 0 || s >= e->cfg.max_orders || e->orders[s].id != id ||
        e->orders[s].where == W_FREE) {
        return ENG_NIL;
    }
    return s;
}

bool lx__engine_order_open(const struct lx_engine *e, uint64_t order_id)
{
    return slot_of(e, order_id) != ENG_NIL;
}

void lx__eng_fill_info(const struct lx_engine *e, uint32_t slot,
                       struct lx_eng_order_info *info)
{
    const struct eng_order *o = &e->orders[slot];
    const struct eng_book *b = &e->books[o->inst];
    int64_t price = eng_price(e, o);
    uint32_t r = eng_cid_ref(e, slot);

    memset(info, 0, sizeof(*info));
    info->id = o->id;
    info->account = o->account;
    info->inst = o->inst;
    info->side = o->side;
    info->type = o->type;
    info->tif = o->tif;
    info->stp = o->stp;
    info->state = o->filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED : LX_ENG_ST_NEW;
    info->triggered = (o->flags & OF_TRIGGERED) != 0;
    info->price = price;
    info->orig_qty = o->filled + o->qty;
    info->remaining = o->qty;
    info->filled = o->filled;
    info->time = e->otime[slot];
    if (r != ENG_NIL) {
        memcpy(info->cid, e->cids[r].cid, e->cids[r].len);
        info->cid[e->cids[r].len] = '\0';
    }
    if (!(o->flags & OF_SIDE)) {
        /* A plain order: derived lock and quote, nothing else to add. */
        info->quote_filled = o->filled * price * b->k;
        info->locked = eng_spot_need(b, o->side, LX_ENG_LIMIT, price, o->qty);
        return;
    }
    {
        const struct eng_cold *c = eng_cold(e, slot);
        const struct eng_hot *h = eng_hot(e, slot);

        info->quote_filled = h->quote_filled;
        info->locked = h->locked;
        info->stop_price = c->stop_price;
        info->pos_side = (uint8_t)PX_PS(c->pext);
        info->working_type = (c->pext & PX_MARK) ? LX_ENG_WT_MARK : 0;
        info->reduce_only = (c->pext & PX_REDUCE) != 0;
        info->close_position = (c->pext & PX_CLOSE) != 0;
        info->callback_bps = c->callback_bps;
        info->activation_price = c->activation;
        info->trail_best = (c->pext & PX_ACTIVE) ? c->extreme : 0;
        info->sibling = (o->flags & OF_LINKED) ? e->orders[c->link].id : 0;
    }
}

/* ---- One-cancels-the-other pairs ---------------------------------------- */

void lx__eng_pair_link(struct lx_engine *e, uint32_t a, uint32_t b)
{
    eng_cold(e, a)->link = b;
    eng_cold(e, b)->link = a;
    e->orders[a].flags |= OF_LINKED;
    e->orders[b].flags |= OF_LINKED;
}

/* Unlinks the pair of slot s; returns the sibling, or ENG_NIL. */
uint32_t lx__eng_pair_break(struct lx_engine *e, uint32_t s)
{
    uint32_t y;

    if (!(e->orders[s].flags & OF_LINKED)) {
        return ENG_NIL;
    }
    y = eng_cold(e, s)->link;
    e->orders[s].flags &= (uint8_t) ~(OF_LINKED | OF_HOLDER);
    e->orders[y].flags &= (uint8_t) ~(OF_LINKED | OF_HOLDER);
    eng_cold(e, s)->link = eng_cold(e, y)->link = ENG_NIL;
    return y;
}

int lx__engine_order(const struct lx_engine *e, uint64_t order_id,
                     struct lx_eng_order_info *info)
{
    uint32_t s;

    if (e == NULL || info == NULL) {
        return LX_ERR_INVAL;
    }
    s = slot_of(e, order_id);
    if (s == ENG_NIL) {
        return LX_ERR_NOTFOUND;
    }
    lx__eng_fill_info(e, s, info);
    return LX_OK;
}

int lx__engine_best(const struct lx_engine *e, uint32_t inst, int side,
                    int64_t *price, int64_t *qty)
{
    const struct eng_book *b;
    const struct eng_level *lv;

    if (e == NULL || inst >= e->nbooks || (side != 0 && side != 1)) {
        return LX_ERR_INVAL;
    }
    b = &e->books[inst];
    if (b->side[side].n == 0) {
        return LX_ERR_NOTFOUND;
    }
    lv = &b->levels[b->side[side].lv[b->side[side].n - 1]];
    if (price != NULL) {
        *price = lv->price;
    }
    if (qty != NULL) {
        *qty = lv->qty;
    }
    return LX_OK;
}

int lx__engine_last_price(const struct lx_engine *e, uint32_t inst,
                          int64_t *price)
{
    if (e == NULL || inst >= e->nbooks) {
        return LX_ERR_INVAL;
    }
    if (!e->books[inst].has_last) {
        return LX_ERR_NOTFOUND;
    }
    *price = e->books[inst].last;
    return LX_OK;
}

uint32_t lx__engine_open_orders(const struct lx_engine *e, uint32_t account)
{
    return account < e->naccounts ? e->accounts[account].open : 0;
}

static size_t list_side(const struct lx_engine *e, const struct eng_book *b,
                        int side, struct lx_eng_order_info *out, size_t cap,
                        size_t n)
{
    uint32_t i, s;

    for (i = b->side[side].n; i-- > 0;) {
        for (s = b->levels[b->side[side].lv[i]].head; s != ENG_NIL;
             s = e->orders[s].next) {
            if (n < cap) {
                lx__eng_fill_info(e, s, &out[n]);
            }
            n++;
        }
    }
    return n;
}

size_t lx__engine_list_orders(const struct lx_engine *e, uint32_t inst,
                              struct lx_eng_order_info *out, size_t cap)
{
    const struct eng_book *b;
    size_t n;
    uint32_t i;

    if (e == NULL || inst >= e->nbooks) {
        return 0;
    }
    b = &e->books[inst];
    n = list_side(e, b, LX_ENG_BUY, out, cap, 0);
    n = list_side(e, b, LX_ENG_SELL, out, cap, n);
    for (i = b->up.n; i-- > 0; n++) {
        if (n < cap) {
            lx__eng_fill_info(e, b->up.slot[i], &out[n]);
        }
    }
    for (i = b->down.n; i-- > 0; n++) {
        if (n < cap) {
            lx__eng_fill_info(e, b->down.slot[i], &out[n]);
        }
    }
    for (i = 0; i < b->npst; i++, n++) {
        if (n < cap) {
            lx__eng_fill_info(e, b->pst[i], &out[n]);
        }
    }
    return n;
}

size_t lx__engine_levels(const struct lx_engine *e, uint32_t inst, int side,
                         struct lx_eng_level_info *out, size_t cap)
{
    const struct eng_book *b;
    const struct eng_side *sd;
    size_t n = 0;
    uint32_t i;

    if (e == NULL || inst >= e->nbooks || (side != 0 && side != 1)) {
        return 0;
    }
    b = &e->books[inst];
    sd = &b->side[side];
    if (out == NULL) {
        cap = 0;
    }
    /* The walk stops at cap: the count of levels with orders is kept. */
    for (i = sd->n; n < cap && i-- > 0;) {
        const struct eng_level *lv = &b->levels[sd->lv[i]];
        if (lv->head == ENG_NIL) {
            continue; /* an emptied level kept in place */
        }
        out[n].price = lv->price;
        out[n].qty = lv->qty;
        n++;
    }
    return sd->live;
}

int64_t lx__engine_level_qty(const struct lx_engine *e, uint32_t inst, int side,
                             int64_t price)
{
    const struct eng_book *b;
    uint32_t li;

    if (e == NULL || inst >= e->nbooks || (side != 0 && side != 1)) {
        return 0;
    }
    b = &e->books[inst];
    li = lx__eng_level_find(b, side, price);
    if (li == ENG_NIL || b->levels[li].head == ENG_NIL) {
        return 0;
    }
    return b->levels[li].qty;
}

size_t lx__engine_queue(const struct lx_engine *e, uint32_t inst, int side,
                        int64_t price, struct lx_eng_queue_entry *out,
                        size_t cap)
{
    const struct eng_book *b;
    uint32_t li, s;
    size_t n = 0;

    if (e == NULL || inst >= e->nbooks || (side != 0 && side != 1)) {
        return 0;
    }
    b = &e->books[inst];
    li = lx__eng_level_find(b, side, price);
    if (li == ENG_NIL) {
        return 0;
    }
    for (s = b->levels[li].head; s != ENG_NIL; s = e->orders[s].next, n++) {
        if (n < cap) {
            out[n].id = e->orders[s].id;
            out[n].account = e->orders[s].account;
            out[n].remaining = e->orders[s].qty;
            out[n].filled = e->orders[s].filled;
        }
    }
    return n;
}

size_t lx__engine_memory(const struct lx_engine *e, size_t *node,
                         size_t *per_order, size_t *per_level)
{
    if (node != NULL) {
        *node = sizeof(struct eng_order);
    }
    if (per_order != NULL) {
        /*
         * A plain resting limit order without client id: node, time, side
         * record reference. Others add a side record and / or a client id
         * record with its table entries (docs/engine.md, "Memory").
         */
        *per_order =
            sizeof(struct eng_order) + sizeof(int64_t) + sizeof(uint32_t);
    }
    if (per_level != NULL) {
        /* Level, key + index in the side array, two price-table entries. */
        *per_level = sizeof(struct eng_level) + sizeof(int64_t) +
                     sizeof(uint32_t) + 2 * sizeof(uint32_t);
    }
    return e->bytes;
}

/* ---- Decimal boundary
 * -------------------------------------------------------- */

int lx__engine_price_dec(const struct lx_engine *e, uint32_t inst,
                         int64_t ticks, struct lx_decimal *out)
{
    if (e == NULL || inst >= e->nbooks) {
        return LX_ERR_INVAL;
    }
    return lx_decimal_from_ticks(ticks, e->books[inst].tick, out);
}

int lx__engine_qty_dec(const struct lx_engine *e, uint32_t inst, int64_t lots,
                       struct lx_decimal *out)
{
    if (e == NULL || inst >= e->nbooks) {
        return LX_ERR_INVAL;
    }
    return lx_decimal_from_ticks(lots, e->books[inst].lot, out);
}

int lx__engine_amount_dec(const struct lx_engine *e, uint32_t asset,
                          int64_t units, struct lx_decimal *out)
{
    if (e == NULL || asset >= e->nassets || out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = lx_decimal_from_i64(units, e->asset_scale[asset]);
    return LX_OK;
}

/* ---- Names and venue mapping
 * --------------------------------------------------- */

const char *lx__engine_reason_name(int reason)
{
    static const char *const names[] = {
#define LX__ENG_REASON_NAME(name, text) #name,
        LX_ENG_REASON_MAP(LX__ENG_REASON_NAME)
#undef LX__ENG_REASON_NAME
    };

    if (reason < 0 || reason >= LX_ENG_R_COUNT) {
        return "UNKNOWN";
    }
    return names[reason];
}

struct binance_err {
    int code;
    const char *msg;
};

void lx__engine_reason_binance(int reason, int *code, const char **msg)
{
    static const struct binance_err map[LX_ENG_R_COUNT] = {
        [LX_ENG_R_PRICE_FILTER] = {-1013, "Filter failure: PRICE_FILTER"},
        [LX_ENG_R_LOT_SIZE] = {-1013, "Filter failure: LOT_SIZE"},
        [LX_ENG_R_MIN_NOTIONAL] = {-1013, "Filter failure: NOTIONAL"},
        [LX_ENG_R_MAX_NUM_ORDERS] = {-1013, "Filter failure: MAX_NUM_ORDERS"},
        [LX_ENG_R_INSUFFICIENT_BALANCE] =
            {-2010, "Account has insufficient balance for requested action."},
        [LX_ENG_R_DUPLICATE_ORDER] = {-2010, "Duplicate order sent."},
        [LX_ENG_R_UNKNOWN_ORDER] = {-2011, "Unknown order sent."},
        [LX_ENG_R_WOULD_TAKE] = {-2010,
                                 "Order would immediately match and take."},
        [LX_ENG_R_WOULD_TRIGGER] = {-2010, "Order would trigger immediately."},
        [LX_ENG_R_UNSUPPORTED] = {-2010, "Unsupported order combination"},
        [LX_ENG_R_UNKNOWN_INSTRUMENT] = {-1121, "Invalid symbol."},
        [LX_ENG_R_UNKNOWN_ACCOUNT] =
            {-2015, "Invalid API-key, IP, or permissions for action."},
        [LX_ENG_R_NO_LIQUIDITY] =
            {-2010,
             "Order book liquidity is less than symbol minimum quantity."},
        [LX_ENG_R_BOOK_FULL] = {-1000, "An unknown error occurred while "
                                       "processing the request."},
        [LX_ENG_R_BAD_PRECISION] =
            {-1111, "Precision is over the maximum defined for this asset."},
        /* USD-M futures codes (perp books only). */
        [LX_ENG_R_REDUCE_ONLY] = {-2022, "ReduceOnly Order is rejected."},
        [LX_ENG_R_MARGIN_INSUFFICIENT] = {-2019, "Margin is insufficient."},
        [LX_ENG_R_POSITION_SIDE] =
            {-4061, "Order's position side does not match user's setting."},
        [LX_ENG_R_BAD_LEVERAGE] = {-4028, "Invalid leverage"},
        [LX_ENG_R_NO_CHANGE] = {-4046, "No need to change margin type."},
        [LX_ENG_R_HAS_POSITION] =
            {-4048, "Margin type cannot be changed if there exists position."},
        [LX_ENG_R_HAS_ORDERS] =
            {-4047,
             "Margin type cannot be changed if there exists open orders."},
        [LX_ENG_R_LEVERAGE_REDUCTION] =
            {-4161, "Leverage reduction is not supported in Isolated Margin "
                    "Mode with open positions."},
    };

    if (reason < 0 || reason >= LX_ENG_R_COUNT || map[reason].code == 0) {
        *code = 0;
        *msg = NULL;
        return;
    }
    *code = map[reason].code;
    *msg = map[reason].msg;
}

/*
 * USD-M futures: the codes that differ from spot's for the same reason;
 * setting 1 means the rejection came from lx__engine_set_position_mode
 * (Binance words those as "position side").
 */
void lx__engine_reason_binance_usdm(int reason, int setting, int *code,
                                    const char **msg)
{
    static const struct binance_err mode[LX_ENG_R_COUNT] = {
        [LX_ENG_R_NO_CHANGE] = {-4059, "No need to change position side."},
        [LX_ENG_R_HAS_ORDERS] =
            {-4067,
             "Position side cannot be changed if there exists open orders."},
        [LX_ENG_R_HAS_POSITION] =
            {-4068, "Position side cannot be changed if there exists "
                    "position."},
    };
    static const struct binance_err fut[LX_ENG_R_COUNT] = {
        [LX_ENG_R_WOULD_TRIGGER] = {-2021, "Order would immediately trigger."},
        [LX_ENG_R_DUPLICATE_ORDER] = {-4116, "ClientOrderId is duplicated."},
        [LX_ENG_R_MAX_NUM_ORDERS] = {-2025, "Reach max open order limit."},
        [LX_ENG_R_INSUFFICIENT_BALANCE] = {-2019, "Margin is insufficient."},
    };
    const struct binance_err *m = NULL;

    if (reason >= 0 && reason < LX_ENG_R_COUNT) {
        m = setting == 1 && mode[reason].code != 0 ? &mode[reason]
            : fut[reason].code != 0                ? &fut[reason]
                                                   : NULL;
    }
    if (m == NULL) {
        lx__engine_reason_binance(reason, code, msg);
        return;
    }
    *code = m->code;
    *msg = m->msg;
}
