/*
 * engine_ref.h - a slow, simple reference of the matching engine's spot
 * semantics (docs/engine.md) for the property tests and the benchmark, and
 * an accounting reference for perpetual positions (ref_perp, below).
 *
 * One instrument, open orders in a flat array, every "best order" found by
 * an O(n) scan over price then arrival sequence; no levels, no lists, no
 * event log. It shares the request and result structs with the engine and
 * nothing else, so a misunderstanding in match.c is not repeated here.
 */
#ifndef LOTUSX_TEST_ENGINE_REF_H
#define LOTUSX_TEST_ENGINE_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"

#define REF_MAX_ACCOUNTS 8
#define REF_MAX_ASSETS   2

struct ref_order {
    uint64_t id, seq;
    uint32_t account;
    uint8_t side, type, tif, stp;
    bool resting, waiting, by_quote;
    int64_t price, qty, locked, stop, filled, quote_filled, quote_qty;
    char cid[LX_ENG_CID_MAX + 1];
    size_t cid_len;
};

struct ref_engine {
    /* Instrument: base asset 0, quote asset 1. */
    int64_t k, l, min_price, max_price, min_qty, max_qty, min_notional;
    int64_t maker_e8[REF_MAX_ACCOUNTS], taker_e8[REF_MAX_ACCOUNTS];
    uint32_t max_open[REF_MAX_ACCOUNTS], naccounts;
    int64_t bal[REF_MAX_ACCOUNTS][REF_MAX_ASSETS][2];
    int64_t fees[REF_MAX_ASSETS];
    struct ref_order *o;
    uint32_t n, cap;
    uint64_t seq, next_id;
    int64_t last;
    bool has_last;
};

/* o: caller-provided storage for cap open orders. */
void ref_init(struct ref_engine *r, struct ref_order *o, uint32_t cap);
/* id: the id to give the order if accepted (0: the reference's own). */
void ref_submit(struct ref_engine *r, const struct lx_eng_order_req *q,
                uint64_t id, struct lx_eng_result *res);
void ref_cancel(struct ref_engine *r, uint32_t account, uint64_t id,
                const char *cid, size_t cid_len, struct lx_eng_result *res);
void ref_amend(struct ref_engine *r, uint32_t account, uint64_t id,
               int64_t price, int64_t qty, struct lx_eng_result *res);
uint32_t ref_cancel_all(struct ref_engine *r, uint32_t account);
struct ref_order *ref_find(struct ref_engine *r, uint64_t id);
uint32_t ref_open(const struct ref_engine *r, uint32_t account);

/*
 * Perp accounting reference: positions and wallets recomputed from the
 * engine's event log alone (FILL, POSITION, FUNDING, LIQUIDATION,
 * BALANCE), with its own arithmetic, for comparison with
 * lx__engine_position and lx__engine_margin after every step.
 */
struct ref_perp_pos {
    int64_t size, cost, realized;
};

struct ref_perp {
    uint32_t inst, quote;
    int64_t k;
    struct ref_perp_pos pos[REF_MAX_ACCOUNTS][2];
    int64_t wallet[REF_MAX_ACCOUNTS]; /* free + locked + isolated margins */
    int64_t fees;
    /* The FILL waiting for its POSITION event. */
    bool pending;
    uint32_t p_acct;
    int p_side;
    int64_t p_price, p_qty, p_fee;
    uint64_t mismatches;
};

void ref_perp_init(struct ref_perp *r, uint32_t inst, uint32_t quote,
                   int64_t k);
/* Applies one event; a POSITION that disagrees counts a mismatch. */
void ref_perp_event(struct ref_perp *r, const struct lx_eng_event *ev);

#endif
