/*
 * fuzz_engine.c - libFuzzer target for the matching engine: the input is an
 * order stream, 8 bytes per request:
 *
 *   byte 0  operation (new, OCO pair, cancel, cancel by client id, amend,
 *           cancel-all)
 *   byte 1  account (3 accounts) and side
 *   byte 2  type, time in force, self-trade prevention mode
 *   byte 3  price offset (ticks around 100), byte 4 qty (lots)
 *   byte 5  stop price offset, byte 6 client id, byte 7 which order
 *
 * An OCO pair (byte 0 % 8 == 3): leg 0 a stop type from byte 2 bits 0..1,
 * leg 1 a stop type or LIMIT_MAKER from bits 2..4, limit prices from bytes
 * 3 and 5, stop prices from bytes 5 and 7, client ids from byte 6 (equal
 * ones are refused).
 *
 * Bit 3 of byte 0 switches to the perpetual instrument (same quote asset):
 * byte 0 >> 4 then picks a perp order (any type, with reduce-only,
 * close-position, working type and trailing fields from bytes 5..7), a
 * mark price, funding, leverage, margin type or position mode; the
 * conservation check then includes positions, isolated margins and the
 * insurance fund.
 *
 * After every request every invariant must hold (lx__engine_check: sorted,
 * uncrossed book, level totals, locked == open orders' locks, balances
 * conserved with fees). At the end the log is replayed into a fresh engine
 * and the state hashes must agree. Any violation aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "engine/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            abort();                                                           \
        }                                                                      \
    } while (0)

#define NACCT   3
#define NORDERS 48
#define NEVENTS 16384
#define MAXREQ  2048

static struct lx_decimal d(int64_t m, unsigned scale)
{
    return lx_decimal_from_i64(m, scale);
}

static struct lx_engine *make(void)
{
    struct lx_eng_config cfg = {NORDERS, 4, 2, 2, NEVENTS};
    struct lx_eng_instrument_spec is = {0};
    struct lx_engine *e = NULL;
    uint32_t id, a;

    CHECK(lx__engine_new(&e, NULL, &cfg) == LX_OK);
    CHECK(lx__engine_add_asset(e, 2, &id) == LX_OK);
    CHECK(lx__engine_add_asset(e, 2, &id) == LX_OK);
    is.base = 0;
    is.quote = 1;
    is.tick_size = d(1, 0);
    is.lot_size = d(1, 0);
    is.min_qty = d(1, 0);
    is.max_qty = d(200, 0);
    is.min_notional = d(50, 0);
    CHECK(lx__engine_add_instrument(e, &is, &id) == LX_OK);
    is.kind = LX_ENG_PERP;
    is.max_leverage = 50;
    is.maint_margin_rate = d(2, 2);
    CHECK(lx__engine_add_instrument(e, &is, &id) == LX_OK);
    for (a = 0; a < NACCT; a++) {
        struct lx_eng_account_spec as = {d((int64_t)a - 1, 3), d(2, 3), 20,
                                         false};

        CHECK(lx__engine_add_account(e, &as, &id) == LX_OK);
    }
    return e;
}

static void perp_order(struct lx_engine *e, const uint8_t *p, uint32_t acct,
                       uint64_t *ids, size_t *nids, int64_t t)
{
    struct lx_eng_order_req r = {0};
    struct lx_eng_result res;
    struct lx_eng_position pos;
    bool hedge = lx__engine_position(e, acct, 1, 0, &pos) != LX_OK;

    r.account = acct;
    r.inst = 1;
    r.side = p[1] & 1;
    r.type = (uint8_t)(p[2] % LX_ENG_TYPE_ALL);
    r.tif = (uint8_t)((p[2] >> 3) % LX_ENG_TIF_COUNT);
    r.stp = (uint8_t)((p[2] >> 5) % LX_ENG_STP_COUNT);
    r.price = r.type == LX_ENG_LIMIT || r.type == LX_ENG_LIMIT_MAKER ||
                      r.type == LX_ENG_STOP_LOSS_LIMIT ||
                      r.type == LX_ENG_TAKE_PROFIT_LIMIT
                  ? 90 + p[3] % 24
                  : 0;
    r.qty = p[4] % 40;
    r.stop_price =
        r.type >= LX_ENG_STOP_LOSS && r.type != LX_ENG_TRAILING_STOP_MARKET
            ? 90 + p[5] % 24
            : 0;
    /* Mostly valid combinations; now and then a wrong one. */
    r.pos_side = (uint8_t)(hedge ? 1 + (p[6] & 1) : (p[6] & 0x41) == 0x41);
    r.reduce_only = (p[6] & 0x06) == 0x06;
    r.close_position = (p[6] & 0x30) == 0x30 && r.qty == 0;
    r.working_type = (uint8_t)((p[6] >> 3) & 1);
    r.callback_bps =
        r.type == LX_ENG_TRAILING_STOP_MARKET ? 10u + p[5] * 4u : 0;
    r.activation_price = r.type == LX_ENG_TRAILING_STOP_MARKET && (p[7] & 1)
                             ? 90 + p[7] % 24
                             : 0;
    r.time = t;
    CHECK(lx__engine_submit(e, &r, &res) == LX_OK);
    if (res.order_id != 0 && *nids < MAXREQ) {
        ids[(*nids)++] = res.order_id;
    }
}

static void perp_op(struct lx_engine *e, const uint8_t *p, uint32_t acct,
                    uint64_t *ids, size_t *nids, int64_t t)
{
    int why;

    switch ((p[0] >> 4) % 8) {
    case 4:
        CHECK(lx__engine_set_mark(e, 1, 90 + p[3] % 24, t) == LX_OK);
        break;
    case 5:
        why = lx__engine_funding(e, 1, (int8_t)p[3] * 1000, t);
        CHECK(why == LX_OK || why == LX_ERR_NOTFOUND);
        break;
    case 6:
        CHECK(lx__engine_set_leverage(e, acct, 1, p[3] % 60, t, &why) == LX_OK);
        break;
    case 7:
        CHECK(lx__engine_set_margin_type(e, acct, 1, p[3] & 1, t, &why) ==
              LX_OK);
        CHECK(lx__engine_set_position_mode(e, acct, (p[3] & 2) != 0, t, &why) ==
              LX_OK);
        break;
    default:
        perp_order(e, p, acct, ids, nids, t);
    }
}

/* An OCO pair from bytes 1..7 (see the top of the file). */
static void oco(struct lx_engine *e, const uint8_t *p, uint32_t acct,
                uint64_t *ids, size_t *nids, int64_t t)
{
    struct lx_eng_order_req r[2];
    struct lx_eng_result res[2];
    char cid[2][2] = {{(char)('a' + p[6] % 8), 0},
                      {(char)('a' + (p[6] >> 3) % 8), 0}};
    int i, t1 = (p[2] >> 2) & 7;

    memset(r, 0, sizeof(r));
    r[0].type = (uint8_t)(LX_ENG_STOP_LOSS + (p[2] & 3));
    r[1].type = (uint8_t)(t1 < 4 ? LX_ENG_STOP_LOSS + t1 : LX_ENG_LIMIT_MAKER);
    for (i = 0; i < 2; i++) {
        int type = r[i].type;

        r[i].account = acct;
        r[i].side = p[1] & 1;
        r[i].qty = p[4] % 40;
        r[i].price = type == LX_ENG_STOP_LOSS || type == LX_ENG_TAKE_PROFIT
                         ? 0
                         : 90 + p[i ? 5 : 3] % 24;
        r[i].stop_price =
            type == LX_ENG_LIMIT_MAKER ? 0 : 90 + p[i ? 7 : 5] % 24;
        r[i].cid = p[6] & 0x80 ? cid[i] : NULL;
        r[i].cid_len = p[6] & 0x80 ? 1 : 0;
        r[i].time = t;
    }
    CHECK(lx__engine_submit_oco(e, r, res) == LX_OK);
    CHECK((res[0].order_id == 0) == (res[1].order_id == 0));
    for (i = 0; i < 2 && res[i].order_id != 0 && *nids < MAXREQ; i++) {
        ids[(*nids)++] = res[i].order_id;
    }
}

static void one(struct lx_engine *e, const uint8_t *p, uint64_t *ids,
                size_t *nids, int64_t t)
{
    struct lx_eng_order_req r = {0};
    struct lx_eng_result res;
    char cid[2] = {(char)('a' + p[6] % 8), 0};
    uint64_t id = *nids ? ids[p[7] % *nids] : 0;
    uint32_t acct = (p[1] >> 1) % NACCT, n;

    if (p[0] & 0x08) {
        perp_op(e, p, acct, ids, nids, t);
        return;
    }
    switch (p[0] % 8) {
    case 3:
        oco(e, p, acct, ids, nids, t);
        break;
    case 0:
    case 1:
    case 2:
        r.account = acct;
        r.side = p[1] & 1;
        r.type = (uint8_t)(p[2] % LX_ENG_TYPE_COUNT);
        r.tif = (uint8_t)((p[2] >> 3) % LX_ENG_TIF_COUNT);
        r.stp = (uint8_t)((p[2] >> 5) % LX_ENG_STP_COUNT);
        r.price = r.type == LX_ENG_MARKET || r.type == LX_ENG_STOP_LOSS ||
                          r.type == LX_ENG_TAKE_PROFIT
                      ? 0
                      : 90 + p[3] % 24;
        r.qty = p[4] % 40;
        r.quote_qty = r.qty == 0 ? (int64_t)p[5] * 400 : 0;
        r.stop_price = r.type >= LX_ENG_STOP_LOSS ? 90 + p[5] % 24 : 0;
        r.cid = p[6] & 0x80 ? cid : NULL;
        r.cid_len = p[6] & 0x80 ? 1 : 0;
        r.time = t;
        CHECK(lx__engine_submit(e, &r, &res) == LX_OK);
        if (res.order_id != 0 && *nids < MAXREQ) {
            ids[(*nids)++] = res.order_id;
        }
        break;
    case 4:
        CHECK(lx__engine_cancel(e, acct, id, NULL, 0, t, &res) == LX_OK);
        break;
    case 5:
        CHECK(lx__engine_cancel(e, acct, 0, cid, 1, t, &res) == LX_OK);
        break;
    case 6:
        CHECK(lx__engine_amend(e, acct, id, 90 + p[3] % 24, p[4] % 40, t,
                               &res) == LX_OK);
        break;
    default:
        CHECK(lx__engine_cancel_all(e, acct, 0, t, &n) == LX_OK);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint64_t ids[MAXREQ];
    struct lx_engine *e = make(), *re;
    const struct lx_eng_event *ev;
    size_t i, n, nids = 0;
    uint64_t dropped;
    uint32_t a;

    for (a = 0; a < NACCT; a++) {
        CHECK(lx__engine_deposit(e, a, 0, 500000, 0) == LX_OK);
        CHECK(lx__engine_deposit(e, a, 1, 50000000, 0) == LX_OK);
    }
    for (i = 0; i + 8 <= size && i / 8 < MAXREQ; i += 8) {
        one(e, data + i, ids, &nids, (int64_t)i);
        CHECK(lx__engine_check(e) == LX_OK);
    }
    ev = lx__engine_events(e, &n, &dropped);
    if (dropped == 0) {
        re = make();
        for (i = 0; i < n; i++) {
            CHECK(lx__engine_apply(re, &ev[i]) == LX_OK);
        }
        CHECK(lx__engine_check(re) == LX_OK);
        CHECK(lx__engine_state_hash(re) == lx__engine_state_hash(e));
        lx__engine_free(re);
    }
    lx__engine_free(e);
    return 0;
}
