/*
 * test_book.c - unit tests of the L2 book and its sync state machine
 * (src/book), on synthetic data. The real Binance samples are replayed by
 * test_book_samples.c.
 *
 * - Book: ordering, queries, scale learning, off-grid and negative input
 *   leaving the book untouched, unsorted/duplicate snapshots, crossed
 *   snapshot and update, max_levels, the documented hash.
 * - Property test: random updates (lx_rng, fixed seeds) against a naive
 *   reference; every level and the hash compared after each step.
 * - Sync: Binance spot and USD-M rules (buffering, stale drops, bridging,
 *   snapshot too old, gap, pu chain, overflow, crossed, bad levels).
 * - Failing allocator over a whole sync scenario.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/lx_internal.h"
#include "lotusx/lx_book.h"
#include "lotusx/lx_rng.h"
#include "lx_test.h"

static struct lx_decimal dec(const char *s)
{
    struct lx_decimal d = {0, 0};

    assert_int_equal(lx_decimal_parse(s, strlen(s), &d), LX_OK);
    return d;
}

static struct lx_book_level lv(const char *px, const char *qty)
{
    struct lx_book_level l;

    l.price = dec(px);
    l.qty = dec(qty);
    return l;
}

static void assert_level(const struct lx_book *b, enum lx_book_side side,
                         size_t idx, const char *px, const char *qty)
{
    struct lx_book_level l;

    assert_int_equal(lx_book_level_at(b, side, idx, &l), LX_OK);
    if (!lx_decimal_eq(l.price, dec(px)) || !lx_decimal_eq(l.qty, dec(qty))) {
        char a[LX_DECIMAL_STRLEN], q[LX_DECIMAL_STRLEN];

        assert_true(lx_decimal_format(l.price, a, sizeof(a)) > 0);
        assert_true(lx_decimal_format(l.qty, q, sizeof(q)) > 0);
        fail_msg("side %d level %zu: got %s x %s, want %s x %s", (int)side, idx,
                 a, q, px, qty);
    }
}

static struct lx_book *new_book(int ps, int qs, size_t max_levels)
{
    struct lx_book_config cfg;
    struct lx_book *b = NULL;

    lx_book_config_init(&cfg);
    cfg.price_scale = ps;
    cfg.qty_scale = qs;
    cfg.max_levels = max_levels;
    assert_int_equal(lx_book_new(&b, lx_test_mem(), &cfg), LX_OK);
    return b;
}

/* ---- Book --------------------------------------------------------------- */

static void test_book_new_args(void **state)
{
    struct lx_book_config cfg;
    struct lx_book *b = (struct lx_book *)1;
    (void)state;

    assert_int_equal(lx_book_new(NULL, NULL, NULL), LX_ERR_INVAL);
    lx_book_config_init(&cfg);
    cfg.price_scale = 19;
    assert_int_equal(lx_book_new(&b, lx_test_mem(), &cfg), LX_ERR_INVAL);
    assert_null(b);
    cfg.price_scale = -2;
    assert_int_equal(lx_book_new(&b, lx_test_mem(), &cfg), LX_ERR_INVAL);
    cfg.price_scale = 2;
    cfg.max_levels = 0;
    assert_int_equal(lx_book_new(&b, lx_test_mem(), &cfg), LX_ERR_INVAL);
    assert_int_equal(lx_book_new(&b, lx_test_mem(), NULL), LX_OK);
    assert_int_equal(lx_book_scales(b, NULL, NULL), LX_ERR_AGAIN);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 0);
    lx_book_free(b);
    lx_book_free(NULL);
    lx_book_config_init(NULL);
}

static void test_book_basic(void **state)
{
    struct lx_book *b = new_book(LX_BOOK_SCALE_AUTO, LX_BOOK_SCALE_AUTO, 100);
    struct lx_book_level bids[] = {lv("100.10", "1.000"), lv("100.30", "2"),
                                   lv("100.20", "3.5")};
    struct lx_book_level asks[] = {lv("100.50", "1"), lv("100.40", "0.250")};
    struct lx_book_level top[4], best;
    struct lx_decimal q;
    size_t nl;
    int ps, qs;
    (void)state;

    assert_int_equal(lx_book_best(b, LX_BOOK_BID, &best), LX_ERR_NOTFOUND);
    assert_int_equal(lx_book_update(b, bids, 3, asks, 2), LX_OK);
    assert_int_equal(lx_book_scales(b, &ps, &qs), LX_OK);
    assert_int_equal(ps, 2);
    assert_int_equal(qs, 3);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 3);
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), 2);
    assert_level(b, LX_BOOK_BID, 0, "100.3", "2");
    assert_level(b, LX_BOOK_BID, 1, "100.2", "3.5");
    assert_level(b, LX_BOOK_BID, 2, "100.1", "1");
    assert_level(b, LX_BOOK_ASK, 0, "100.4", "0.25");
    assert_level(b, LX_BOOK_ASK, 1, "100.5", "1");
    assert_int_equal(lx_book_level_at(b, LX_BOOK_ASK, 2, &best),
                     LX_ERR_NOTFOUND);
    assert_int_equal(lx_book_best(b, LX_BOOK_ASK, &best), LX_OK);
    /* Output is at the book's scales. */
    assert_int_equal(best.price.scale, 2);
    assert_true(best.price.m == 10040);
    assert_int_equal(best.qty.scale, 3);
    assert_true(best.qty.m == 250);
    assert_int_equal(lx_book_top(b, LX_BOOK_BID, top, 4), 3);
    assert_true(top[2].price.m == 10010);
    assert_int_equal(lx_book_top(b, LX_BOOK_BID, top, 1), 1);
    assert_int_equal(lx_book_qty_at(b, LX_BOOK_BID, dec("100.2"), &q), LX_OK);
    assert_true(lx_decimal_eq(q, dec("3.5")));
    assert_int_equal(lx_book_qty_at(b, LX_BOOK_BID, dec("100.255"), &q),
                     LX_ERR_INEXACT);
    assert_int_equal(lx_book_qty_at(b, LX_BOOK_ASK, dec("100.3"), &q), LX_OK);
    assert_true(lx_decimal_is_zero(q));
    assert_int_equal(lx_book_volume(b, LX_BOOK_BID, dec("100.2"), &q, &nl),
                     LX_OK);
    assert_true(lx_decimal_eq(q, dec("5.5")));
    assert_int_equal(nl, 2);
    assert_int_equal(lx_book_volume(b, LX_BOOK_ASK, dec("1000"), &q, &nl),
                     LX_OK);
    assert_true(lx_decimal_eq(q, dec("1.25")));
    assert_int_equal(nl, 2);
    assert_int_equal(lx_book_volume(b, LX_BOOK_ASK, dec("1"), &q, &nl), LX_OK);
    assert_int_equal(nl, 0);

    /* Change, remove, remove a missing level, add. */
    bids[0] = lv("100.30", "0.00");
    bids[1] = lv("100.20", "7");
    bids[2] = lv("99.00", "0");
    asks[0] = lv("100.35", "4");
    assert_int_equal(lx_book_update(b, bids, 3, asks, 1), LX_OK);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 2);
    assert_level(b, LX_BOOK_BID, 0, "100.2", "7");
    assert_level(b, LX_BOOK_ASK, 0, "100.35", "4");
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), 3);
    assert_false(lx_book_is_crossed(b));

    /* Bad arguments. */
    assert_int_equal(lx_book_update(NULL, NULL, 0, NULL, 0), LX_ERR_INVAL);
    assert_int_equal(lx_book_update(b, NULL, 1, NULL, 0), LX_ERR_INVAL);
    assert_int_equal(lx_book_level_at(b, (enum lx_book_side)2, 0, &best),
                     LX_ERR_INVAL);
    assert_int_equal(lx_book_depth(b, (enum lx_book_side)2), 0);
    assert_int_equal(lx_book_top(b, LX_BOOK_BID, NULL, 1), 0);
    lx_book_clear(b);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 0);
    lx_book_free(b);
}

/*
 * A failing update changes nothing, not even a learned scale. A learned
 * grid grows exactly when a level needs more digits; a configured one
 * does not.
 */
static void test_book_atomic(void **state)
{
    struct lx_book *b = new_book(LX_BOOK_SCALE_AUTO, LX_BOOK_SCALE_AUTO, 100);
    struct lx_book_level l[3];
    int ps, qs;
    (void)state;

    l[0] = lv("10.5", "1");
    l[1] = lv("10.4", "-1");
    assert_int_equal(lx_book_update(b, l, 2, NULL, 0), LX_ERR_INVAL);
    assert_int_equal(lx_book_scales(b, &ps, NULL), LX_ERR_AGAIN);
    assert_int_equal(ps, -1);
    l[1] = lv("10.4", "2");
    assert_int_equal(lx_book_update(b, l, 2, NULL, 0), LX_OK);
    /* 10.45 needs a finer grid: the book moves to it, values unchanged. */
    l[0] = lv("10.6", "1");
    l[1] = lv("10.45", "0.5");
    assert_int_equal(lx_book_update(b, l, 2, NULL, 0), LX_OK);
    assert_int_equal(lx_book_scales(b, &ps, &qs), LX_OK);
    assert_int_equal(ps, 2);
    assert_int_equal(qs, 1);
    assert_level(b, LX_BOOK_BID, 0, "10.6", "1");
    assert_level(b, LX_BOOK_BID, 1, "10.5", "1");
    assert_level(b, LX_BOOK_BID, 2, "10.45", "0.5");
    assert_level(b, LX_BOOK_BID, 3, "10.4", "2");
    /* Trailing zeros do not grow it. */
    l[0] = lv("10.6000", "1.0000");
    assert_int_equal(lx_book_update(b, l, 1, NULL, 0), LX_OK);
    assert_int_equal(lx_book_scales(b, &ps, &qs), LX_OK);
    assert_true(ps == 2 && qs == 1);
    /* A price too large for the grid. */
    l[0] = lv("922337203685477581", "1");
    assert_int_equal(lx_book_update(b, NULL, 0, l, 1), LX_ERR_OVERFLOW);
    l[0].price.scale = 19;
    assert_int_equal(lx_book_update(b, NULL, 0, l, 1), LX_ERR_INVAL);
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), 0);
    /* Growing would overflow a resting level: nothing changes. */
    l[0] = lv("92233720368547758.07", "1");
    assert_int_equal(lx_book_update(b, NULL, 0, l, 1), LX_OK);
    l[0] = lv("1.001", "1");
    assert_int_equal(lx_book_update(b, l, 1, NULL, 0), LX_ERR_OVERFLOW);
    assert_int_equal(lx_book_scales(b, &ps, NULL), LX_OK);
    assert_int_equal(ps, 2);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 4);
    lx_book_free(b);

    /* Configured: 10.45 is off the 0.1 grid and nothing is applied. */
    b = new_book(1, 0, 100);
    l[0] = lv("10.5", "1");
    l[1] = lv("10.4", "2");
    assert_int_equal(lx_book_update(b, l, 2, NULL, 0), LX_OK);
    l[0] = lv("10.6", "1");
    l[1] = lv("10.45", "1");
    assert_int_equal(lx_book_update(b, l, 2, NULL, 0), LX_ERR_INEXACT);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 2);
    assert_level(b, LX_BOOK_BID, 0, "10.5", "1");
    l[0] = lv("10.6000", "1.0");
    assert_int_equal(lx_book_update(b, l, 1, NULL, 0), LX_OK);
    assert_level(b, LX_BOOK_BID, 0, "10.6", "1");
    lx_book_free(b);
}

static void test_book_load(void **state)
{
    struct lx_book *b = new_book(2, 0, 100);
    struct lx_book_level bids[] = {lv("5", "1"), lv("7", "2"), lv("6", "3"),
                                   lv("7", "9"), lv("4", "0")};
    struct lx_book_level asks[] = {lv("8", "1"), lv("9", "2"), lv("10", "0")};
    struct lx_book_snapshot snap = {42, bids, 5, asks, 3};
    (void)state;

    /* Unsorted bids with a duplicate: the later one wins. */
    assert_int_equal(lx_book_load(b, &snap), LX_OK);
    assert_true(lx_book_update_id(b) == 42);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 3);
    assert_level(b, LX_BOOK_BID, 0, "7", "9");
    assert_level(b, LX_BOOK_BID, 1, "6", "3");
    assert_level(b, LX_BOOK_BID, 2, "5", "1");
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), 2);
    assert_level(b, LX_BOOK_ASK, 1, "9", "2");

    /* A crossed snapshot is loaded and reported. */
    bids[0] = lv("8", "1");
    snap.nbids = 1;
    assert_int_equal(lx_book_load(b, &snap), LX_ERR_CORRUPT);
    assert_true(lx_book_is_crossed(b));
    /* A failing load leaves the book empty. */
    bids[0] = lv("8.001", "1");
    assert_int_equal(lx_book_load(b, &snap), LX_ERR_INEXACT);
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), 0);
    assert_false(lx_book_is_crossed(b));
    assert_int_equal(lx_book_load(b, NULL), LX_ERR_INVAL);
    lx_book_free(b);
}

static void test_book_crossed_update(void **state)
{
    struct lx_book *b = new_book(0, 0, 100);
    struct lx_book_level bid = lv("10", "1"), ask = lv("11", "1");
    (void)state;

    assert_int_equal(lx_book_update(b, &bid, 1, &ask, 1), LX_OK);
    bid = lv("11", "1");
    assert_int_equal(lx_book_update(b, &bid, 1, NULL, 0), LX_ERR_CORRUPT);
    assert_true(lx_book_is_crossed(b));
    /* Removing the offending ask uncrosses it. */
    ask = lv("11", "0");
    assert_int_equal(lx_book_update(b, NULL, 0, &ask, 1), LX_OK);
    assert_false(lx_book_is_crossed(b));
    lx_book_free(b);
}

static void test_book_max_levels(void **state)
{
    struct lx_book *b = new_book(0, 0, 3);
    struct lx_book_level l[4] = {lv("1", "1"), lv("2", "1"), lv("3", "1"),
                                 lv("4", "1")};
    struct lx_book_snapshot snap = {1, l, 4, NULL, 0};
    (void)state;

    assert_int_equal(lx_book_update(b, l, 3, NULL, 0), LX_OK);
    /* Changing and removing at the cap is fine, adding is not. */
    l[0] = lv("1", "5");
    assert_int_equal(lx_book_update(b, l, 1, NULL, 0), LX_OK);
    assert_int_equal(lx_book_update(b, &l[3], 1, NULL, 0), LX_ERR_TOOBIG);
    l[0] = lv("1", "0");
    assert_int_equal(lx_book_update(b, l, 1, NULL, 0), LX_OK);
    assert_int_equal(lx_book_update(b, &l[3], 1, NULL, 0), LX_OK);
    l[0] = lv("1", "1");
    assert_int_equal(lx_book_load(b, &snap), LX_ERR_TOOBIG);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 0);
    /* Four levels of which one is zero fit. */
    l[1] = lv("2", "0");
    assert_int_equal(lx_book_load(b, &snap), LX_OK);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 3);
    lx_book_free(b);
}

/* The hash as docs/book.md defines it, from the levels the API reports. */
static uint64_t fnv(uint64_t h, int64_t v)
{
    int i;

    for (i = 0; i < 8; i++) {
        h ^= ((uint64_t)v >> (8 * i)) & 0xffu;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static uint64_t model_hash(const struct lx_book *b, size_t n)
{
    size_t kb = lx_book_depth(b, LX_BOOK_BID),
           ka = lx_book_depth(b, LX_BOOK_ASK);
    uint64_t h = UINT64_C(14695981039346656037);
    struct lx_book_level l;
    int ps, qs;
    size_t i;

    (void)lx_book_scales(b, &ps, &qs);
    kb = kb < n ? kb : n;
    ka = ka < n ? ka : n;
    h = fnv(fnv(fnv(fnv(h, ps), qs), (int64_t)kb), (int64_t)ka);
    for (i = 0; i < kb || i < ka; i++) {
        if (i < kb) {
            assert_int_equal(lx_book_level_at(b, LX_BOOK_BID, i, &l), LX_OK);
            h = fnv(fnv(h, l.price.m), l.qty.m);
        }
        if (i < ka) {
            assert_int_equal(lx_book_level_at(b, LX_BOOK_ASK, i, &l), LX_OK);
            h = fnv(fnv(h, l.price.m), l.qty.m);
        }
    }
    return h;
}

static void test_book_hash(void **state)
{
    struct lx_book *a = new_book(1, 1, 100), *b = new_book(1, 1, 100);
    struct lx_book_level bids[] = {lv("1.1", "1"), lv("1.0", "2")};
    struct lx_book_level asks[] = {lv("1.2", "3")};
    (void)state;

    assert_true(lx_book_hash(a, 10) == model_hash(a, 10));
    assert_int_equal(lx_book_update(a, bids, 2, asks, 1), LX_OK);
    assert_int_equal(lx_book_update(b, &bids[1], 1, asks, 1), LX_OK);
    assert_int_equal(lx_book_update(b, &bids[0], 1, NULL, 0), LX_OK);
    assert_true(lx_book_hash(a, 10) == lx_book_hash(b, 10));
    assert_true(lx_book_hash(a, 10) == model_hash(a, 10));
    assert_true(lx_book_hash(a, 1) == model_hash(a, 1));
    assert_true(lx_book_hash(a, 1) != lx_book_hash(a, 2));
    bids[1] = lv("1.0", "2.1");
    assert_int_equal(lx_book_update(b, &bids[1], 1, NULL, 0), LX_OK);
    assert_true(lx_book_hash(a, 10) != lx_book_hash(b, 10));
    assert_true(lx_book_hash(a, 1) == lx_book_hash(b, 1));
    assert_true(lx_book_hash(NULL, 1) == 0);
    lx_book_free(a);
    lx_book_free(b);
}

/* ---- Property test against a naive model -------------------------------- */

#define PT_RANGE 1200 /* prices 1..PT_RANGE ticks */

/* The model: quantity per tick, zero = no level. */
struct model {
    int64_t bid[PT_RANGE + 1];
    int64_t ask[PT_RANGE + 1];
};

static void model_compare(const struct model *m, const struct lx_book *b)
{
    struct lx_book_level l;
    size_t i = 0;
    int p;

    for (p = PT_RANGE; p >= 1; p--) {
        if (m->bid[p] != 0) {
            assert_int_equal(lx_book_level_at(b, LX_BOOK_BID, i++, &l), LX_OK);
            assert_true(l.price.m == p && l.qty.m == m->bid[p]);
        }
    }
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), i);
    i = 0;
    for (p = 1; p <= PT_RANGE; p++) {
        if (m->ask[p] != 0) {
            assert_int_equal(lx_book_level_at(b, LX_BOOK_ASK, i++, &l), LX_OK);
            assert_true(l.price.m == p && l.qty.m == m->ask[p]);
        }
    }
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), i);
    assert_true(lx_book_hash(b, 5) == model_hash(b, 5));
}

/* A random update that keeps bids below mid and asks above it. */
static size_t random_side(struct lx_rng *r, struct lx_book_level *out,
                          int64_t lo, int64_t hi, int64_t *col, uint64_t zero8)
{
    size_t n = (size_t)lx_rng_below(r, 8), i;

    for (i = 0; i < n; i++) {
        int64_t p = lx_rng_range(r, lo, hi);
        int64_t q = lx_rng_below(r, 8) < zero8 ? 0 : lx_rng_range(r, 1, 1000);

        out[i].price = lx_decimal_from_i64(p, 2);
        out[i].qty = lx_decimal_from_i64(q, 3);
        col[p] = q;
    }
    return n;
}

static void test_book_property(void **state)
{
    static struct model m;
    struct lx_book_level bl[8], al[8];
    struct lx_rng r;
    uint64_t seed;
    int step;
    (void)state;

    for (seed = 1; seed <= 4; seed++) {
        struct lx_book *b = new_book(2, 3, 2000);
        size_t peak = 0;

        memset(&m, 0, sizeof(m));
        lx_rng_seed(&r, seed);
        for (step = 0; step < 6000; step++) {
            int64_t mid = 500 + (int64_t)lx_rng_below(&r, 100);
            uint64_t zero8;
            size_t nb, na;
            int p;

            /* Clear what would cross the new mid in both model and book. */
            nb = na = 0;
            for (p = (int)mid; p <= PT_RANGE && nb < 8; p++) {
                if (m.bid[p] != 0) {
                    bl[nb].price = lx_decimal_from_i64(p, 2);
                    bl[nb++].qty = lx_decimal_from_i64(0, 3);
                    m.bid[p] = 0;
                }
            }
            for (p = (int)mid; p >= 1 && na < 8; p--) {
                if (m.ask[p] != 0) {
                    al[na].price = lx_decimal_from_i64(p, 2);
                    al[na++].qty = lx_decimal_from_i64(0, 3);
                    m.ask[p] = 0;
                }
            }
            if (nb + na > 0) {
                int rc = lx_book_update(b, bl, nb, al, na);

                assert_true(rc == LX_OK || rc == LX_ERR_CORRUPT);
                continue;
            }
            /* Grow for 3000 steps (1/8 removals), then shrink (6/8), so
             * blocks split and merge. */
            zero8 = step < 3000 ? 1 : 6;
            nb = random_side(&r, bl, 1, mid - 1, m.bid, zero8);
            na = random_side(&r, al, mid, PT_RANGE, m.ask, zero8);
            assert_int_equal(lx_book_update(b, bl, nb, al, na), LX_OK);
            model_compare(&m, b);
            if (lx_book_depth(b, LX_BOOK_BID) > peak) {
                peak = lx_book_depth(b, LX_BOOK_BID);
            }
        }
        /* Deep enough for many blocks, and shrunk well below the peak. */
        assert_true(peak > 4 * 64);
        assert_true(lx_book_depth(b, LX_BOOK_BID) < peak / 2);
        lx_book_free(b);
    }
}

/* ---- Sync --------------------------------------------------------------- */

static const struct lx_book_level lvl_b[] = {{{100, 0}, {1, 0}},
                                             {{99, 0}, {2, 0}}};
static const struct lx_book_level lvl_a[] = {{{101, 0}, {3, 0}},
                                             {{102, 0}, {4, 0}}};

static struct lx_book_snapshot snap_at(uint64_t id)
{
    struct lx_book_snapshot s = {id, lvl_b, 2, lvl_a, 2};

    return s;
}

/* A diff U..u (pu) that sets bid 98 to qty. */
static struct lx_book_diff diff(uint64_t first, uint64_t final, uint64_t prev,
                                const struct lx_book_level *bid)
{
    struct lx_book_diff d;

    memset(&d, 0, sizeof(d));
    d.first_id = first;
    d.final_id = final;
    d.prev_final_id = prev;
    d.has_prev_final_id = prev != 0;
    d.bids = bid;
    d.nbids = bid != NULL ? 1 : 0;
    return d;
}

static struct lx_book_sync *new_sync(enum lx_book_rules rules, size_t max_diffs)
{
    struct lx_book_config cfg;
    struct lx_book_sync *s = NULL;

    lx_book_config_init(&cfg);
    cfg.max_buf_diffs = max_diffs;
    assert_int_equal(lx_book_sync_new(&s, lx_test_mem(), rules, &cfg), LX_OK);
    return s;
}

static void feed(struct lx_book_sync *s, uint64_t first, uint64_t final,
                 uint64_t prev, int want_rc, enum lx_book_action want)
{
    static const struct lx_book_level l98 = {{98, 0}, {7, 0}};
    struct lx_book_diff d = diff(first, final, prev, &l98);
    enum lx_book_action a;

    assert_int_equal(lx_book_sync_diff(s, &d, &a), want_rc);
    assert_int_equal(a, want);
}

static void assert_state(const struct lx_book_sync *s,
                         enum lx_book_sync_state st,
                         enum lx_book_sync_reason why)
{
    if (lx_book_sync_state(s) != st || lx_book_sync_reason(s) != why) {
        fail_msg("state %s/%s, want %s/%s",
                 lx_book_sync_state_name(lx_book_sync_state(s)),
                 lx_book_sync_reason_name(lx_book_sync_reason(s)),
                 lx_book_sync_state_name(st), lx_book_sync_reason_name(why));
    }
}

static void test_sync_new_args(void **state)
{
    struct lx_book_config cfg;
    struct lx_book_sync *s = (struct lx_book_sync *)1;
    struct lx_book_sync_stats st;
    (void)state;

    assert_int_equal(lx_book_sync_new(NULL, NULL, 1, NULL), LX_ERR_INVAL);
    assert_int_equal(
        lx_book_sync_new(&s, lx_test_mem(), LX_BOOK_RULES_BYBIT, NULL),
        LX_ERR_UNSUPPORTED);
    assert_null(s);
    assert_int_equal(lx_book_sync_new(&s, lx_test_mem(), 0, NULL),
                     LX_ERR_UNSUPPORTED);
    lx_book_config_init(&cfg);
    cfg.max_buf_diffs = 0;
    assert_int_equal(
        lx_book_sync_new(&s, lx_test_mem(), LX_BOOK_RULES_BINANCE_SPOT, &cfg),
        LX_ERR_INVAL);
    cfg.max_buf_diffs = 1;
    cfg.qty_scale = 40;
    assert_int_equal(
        lx_book_sync_new(&s, lx_test_mem(), LX_BOOK_RULES_BINANCE_SPOT, &cfg),
        LX_ERR_INVAL);
    assert_int_equal(lx_book_sync_diff(NULL, NULL, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_book_sync_snapshot(NULL, NULL), LX_ERR_INVAL);
    lx_book_sync_get_stats(NULL, &st);
    assert_true(st.applied == 0);
    assert_null(lx_book_sync_book(NULL));
    lx_book_sync_free(NULL);
    lx_book_sync_reset(NULL);
    assert_string_equal(lx_book_sync_state_name(LX_BOOK_SYNC_RESYNC), "RESYNC");
    assert_string_equal(lx_book_sync_state_name(9), "?");
    assert_string_equal(lx_book_sync_reason_name(LX_BOOK_REASON_GAP), "GAP");
    assert_string_equal(lx_book_sync_reason_name(-1), "?");
    assert_string_equal(lx_book_rules_name(LX_BOOK_RULES_BINANCE_USDM),
                        "BINANCE_USDM");
    assert_string_equal(lx_book_rules_name(99), "?");
}

static void test_sync_spot(void **state)
{
    struct lx_book_sync *s = new_sync(LX_BOOK_RULES_BINANCE_SPOT, 100);
    const struct lx_book *b = lx_book_sync_book(s);
    struct lx_book_sync_stats st;
    struct lx_book_diff bad = diff(5, 4, 0, NULL);
    (void)state;

    assert_state(s, LX_BOOK_SYNC_BUFFERING, LX_BOOK_REASON_NONE);
    assert_int_equal(lx_book_sync_diff(s, &bad, NULL), LX_ERR_INVAL);
    feed(s, 8, 10, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 11, 12, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 13, 15, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    assert_int_equal(lx_book_sync_buffered(s), 3);
    /* lastUpdateId 7 < first U 8: too old, fetch again; buffer kept. */
    {
        struct lx_book_snapshot sn = snap_at(7);

        assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_ERR_AGAIN);
    }
    assert_state(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_SNAPSHOT_OLD);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 0);
    assert_int_equal(lx_book_sync_buffered(s), 3);
    feed(s, 16, 16, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    /* lastUpdateId 11: drops 8..10 (u <= 11), applies 11..12 (U <= 12 <= u)
     * and the rest. */
    {
        struct lx_book_snapshot sn = snap_at(11);

        assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    }
    assert_state(s, LX_BOOK_SYNC_SYNCED, LX_BOOK_REASON_NONE);
    assert_int_equal(lx_book_sync_buffered(s), 0);
    assert_true(lx_book_update_id(b) == 16);
    assert_level(b, LX_BOOK_BID, 0, "100", "1");
    assert_level(b, LX_BOOK_BID, 2, "98", "7");
    lx_book_sync_get_stats(s, &st);
    assert_true(st.applied == 3 && st.dropped == 1 && st.buffered == 4);
    assert_true(st.snapshots == 1 && st.snapshots_rejected == 1);
    /* Live: a stale diff (u < id) is dropped, an overlap applies. */
    feed(s, 14, 15, 0, LX_OK, LX_BOOK_ACTION_DROPPED);
    feed(s, 16, 18, 0, LX_OK, LX_BOOK_ACTION_APPLIED);
    feed(s, 19, 19, 0, LX_OK, LX_BOOK_ACTION_APPLIED);
    /* A gap: 21 > 19 + 1. The diff starts the next buffer. */
    feed(s, 21, 22, 0, LX_ERR_AGAIN, LX_BOOK_ACTION_BUFFERED);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_GAP);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 0);
    assert_int_equal(lx_book_sync_buffered(s), 1);
    feed(s, 23, 25, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    {
        struct lx_book_snapshot sn = snap_at(23);

        assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    }
    assert_state(s, LX_BOOK_SYNC_SYNCED, LX_BOOK_REASON_NONE);
    assert_true(lx_book_update_id(b) == 25);
    lx_book_sync_get_stats(s, &st);
    assert_true(st.gaps == 1 && st.resyncs == 1 && st.applied == 6);
    lx_book_sync_reset(s);
    assert_state(s, LX_BOOK_SYNC_BUFFERING, LX_BOOK_REASON_NONE);
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), 0);
    lx_book_sync_free(s);
}

/* A snapshot before any diff: the first diff must bridge it. */
static void test_sync_spot_snapshot_first(void **state)
{
    struct lx_book_sync *s = new_sync(LX_BOOK_RULES_BINANCE_SPOT, 100);
    struct lx_book_snapshot sn = snap_at(50);
    (void)state;

    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    assert_state(s, LX_BOOK_SYNC_SYNCED, LX_BOOK_REASON_NONE);
    feed(s, 40, 50, 0, LX_OK, LX_BOOK_ACTION_DROPPED);
    feed(s, 52, 53, 0, LX_ERR_AGAIN, LX_BOOK_ACTION_BUFFERED);
    assert_state(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_SNAPSHOT_OLD);
    feed(s, 54, 54, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    sn = snap_at(53);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    assert_true(lx_book_update_id(lx_book_sync_book(s)) == 54);
    /* A new snapshot while synced restarts from it. */
    sn = snap_at(60);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    feed(s, 61, 62, 0, LX_OK, LX_BOOK_ACTION_APPLIED);
    lx_book_sync_free(s);
}

/* A gap inside the buffer shows up while draining it. */
static void test_sync_spot_buffered_gap(void **state)
{
    struct lx_book_sync *s = new_sync(LX_BOOK_RULES_BINANCE_SPOT, 100);
    struct lx_book_snapshot sn = snap_at(10);
    (void)state;

    feed(s, 5, 9, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 10, 12, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 14, 15, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 16, 17, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_ERR_AGAIN);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_GAP);
    /* The buffer now starts at the diff after the gap. */
    assert_int_equal(lx_book_sync_buffered(s), 2);
    sn = snap_at(15);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    assert_true(lx_book_update_id(lx_book_sync_book(s)) == 17);
    lx_book_sync_free(s);
}

static void test_sync_usdm(void **state)
{
    struct lx_book_sync *s = new_sync(LX_BOOK_RULES_BINANCE_USDM, 100);
    const struct lx_book *b = lx_book_sync_book(s);
    struct lx_book_diff nopu = diff(1, 2, 0, NULL);
    struct lx_book_snapshot sn = snap_at(105);
    struct lx_book_sync_stats st;
    (void)state;

    /* USD-M needs pu. */
    assert_int_equal(lx_book_sync_diff(s, &nopu, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_book_sync_buffered(s), 0);
    feed(s, 90, 100, 80, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 101, 104, 100, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 105, 110, 104, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 113, 120, 110, LX_OK, LX_BOOK_ACTION_BUFFERED);
    /* Drops u < 105; 105..110 bridges (U <= 105 <= u); then the pu chain.
     * U jumps (113 after 110) do not matter on USD-M. */
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    assert_state(s, LX_BOOK_SYNC_SYNCED, LX_BOOK_REASON_NONE);
    assert_true(lx_book_update_id(b) == 120);
    feed(s, 113, 120, 110, LX_OK, LX_BOOK_ACTION_DROPPED);
    feed(s, 125, 130, 120, LX_OK, LX_BOOK_ACTION_APPLIED);
    /* pu != previous u: gap. */
    feed(s, 135, 140, 131, LX_ERR_AGAIN, LX_BOOK_ACTION_BUFFERED);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_GAP);
    feed(s, 141, 150, 140, LX_OK, LX_BOOK_ACTION_BUFFERED);
    /* A snapshot inside 135..140 bridges; 141..150 follows by pu. */
    sn = snap_at(137);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    assert_true(lx_book_update_id(b) == 150);
    lx_book_sync_get_stats(s, &st);
    assert_true(st.applied == 5 && st.gaps == 1 && st.dropped == 3);
    /* A snapshot newer than the stream start, USD-M rule U <= id. */
    sn = snap_at(160);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    feed(s, 161, 170, 150, LX_ERR_AGAIN, LX_BOOK_ACTION_BUFFERED);
    assert_state(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_SNAPSHOT_OLD);
    lx_book_sync_free(s);
}

static void test_sync_overflow(void **state)
{
    struct lx_book_sync *s = new_sync(LX_BOOK_RULES_BINANCE_SPOT, 3);
    struct lx_book_sync_stats st;
    struct lx_book_snapshot sn = snap_at(3);
    (void)state;

    feed(s, 1, 1, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 2, 2, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 3, 3, 0, LX_OK, LX_BOOK_ACTION_BUFFERED);
    feed(s, 4, 4, 0, LX_ERR_TOOBIG, LX_BOOK_ACTION_BUFFERED);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_OVERFLOW);
    assert_int_equal(lx_book_sync_buffered(s), 1);
    lx_book_sync_get_stats(s, &st);
    assert_true(st.overflows == 1 && st.resyncs == 1);
    /* The old snapshot no longer bridges the restarted buffer. */
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_ERR_AGAIN);
    sn = snap_at(4);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    assert_state(s, LX_BOOK_SYNC_SYNCED, LX_BOOK_REASON_NONE);
    lx_book_sync_free(s);

    /* The level cap: one diff larger than the whole buffer. */
    {
        struct lx_book_config cfg;
        struct lx_book_level many[3] = {lvl_b[0], lvl_b[1], lvl_b[0]};
        struct lx_book_diff d = diff(1, 1, 0, NULL);

        lx_book_config_init(&cfg);
        cfg.max_buf_levels = 2;
        assert_int_equal(lx_book_sync_new(&s, lx_test_mem(),
                                          LX_BOOK_RULES_BINANCE_SPOT, &cfg),
                         LX_OK);
        d.bids = many;
        d.nbids = 3;
        assert_int_equal(lx_book_sync_diff(s, &d, NULL), LX_ERR_TOOBIG);
        assert_int_equal(lx_book_sync_buffered(s), 0);
        assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_OVERFLOW);
        lx_book_sync_free(s);
    }
}

static void test_sync_crossed(void **state)
{
    struct lx_book_sync *s = NULL;
    struct lx_book_config cfg;
    static const struct lx_book_level high = {{101, 0}, {1, 0}};
    static const struct lx_book_level off = {{1005, 1}, {1, 0}};
    struct lx_book_snapshot sn = snap_at(10);
    struct lx_book_diff d = diff(11, 11, 0, &high);
    enum lx_book_action a;
    (void)state;

    lx_book_config_init(&cfg);
    cfg.price_scale = 0; /* a fixed grid, so 100.5 is off it */
    assert_int_equal(
        lx_book_sync_new(&s, lx_test_mem(), LX_BOOK_RULES_BINANCE_SPOT, &cfg),
        LX_OK);
    /* A crossed snapshot: fetch another. */
    sn.asks = &lvl_b[0];
    sn.nasks = 1;
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_ERR_CORRUPT);
    assert_state(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_CROSSED);
    sn = snap_at(10);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    /* A bid at the best ask crosses the book: RESYNC, kept in the buffer. */
    assert_int_equal(lx_book_sync_diff(s, &d, &a), LX_ERR_CORRUPT);
    assert_int_equal(a, LX_BOOK_ACTION_BUFFERED);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_CROSSED);
    assert_int_equal(lx_book_depth(lx_book_sync_book(s), LX_BOOK_ASK), 0);
    assert_int_equal(lx_book_sync_buffered(s), 1);
    /* Spot: a snapshot below the kept diff's U is too old. */
    sn = snap_at(10);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_ERR_AGAIN);
    assert_state(s, LX_BOOK_SYNC_NEED_SNAPSHOT, LX_BOOK_REASON_SNAPSHOT_OLD);
    assert_int_equal(lx_book_sync_buffered(s), 1);
    /* Off-grid levels: RESYNC, BAD_LEVELS. */
    sn = snap_at(12);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    d = diff(13, 13, 0, &off);
    assert_int_equal(lx_book_sync_diff(s, &d, &a), LX_ERR_INEXACT);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_BAD_LEVELS);
    assert_int_equal(lx_book_sync_buffered(s), 0);
    lx_book_sync_free(s);
}

/* Invalid diffs are refused before anything changes, in every state. */
static void test_sync_invalid(void **state)
{
    struct lx_book_sync *s = new_sync(LX_BOOK_RULES_BINANCE_SPOT, 10);
    static const struct lx_book_level neg = {{98, 0}, {-1, 0}};
    static const struct lx_book_level bad = {{98, 40}, {1, 0}};
    struct lx_book_snapshot sn = snap_at(10);
    struct lx_book_diff d = diff(11, 11, 0, &neg);
    struct lx_book_config cfg;
    enum lx_book_action a;
    int i;
    (void)state;

    for (i = 0; i < 2; i++) {
        d = diff(11, 11, 0, &neg);
        assert_int_equal(lx_book_sync_diff(s, &d, &a), LX_ERR_INVAL);
        assert_int_equal(a, LX_BOOK_ACTION_NONE);
        d = diff(11, 11, 0, &bad);
        assert_int_equal(lx_book_sync_diff(s, &d, &a), LX_ERR_INVAL);
        d = diff(11, 11, 0, NULL);
        d.nasks = 1;
        assert_int_equal(lx_book_sync_diff(s, &d, &a), LX_ERR_INVAL);
        assert_int_equal(lx_book_sync_buffered(s), 0);
        assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
        assert_state(s, LX_BOOK_SYNC_SYNCED, LX_BOOK_REASON_NONE);
    }
    lx_book_sync_free(s);

    /* A diff that would take a side past max_levels. */
    lx_book_config_init(&cfg);
    cfg.max_levels = 2;
    assert_int_equal(
        lx_book_sync_new(&s, lx_test_mem(), LX_BOOK_RULES_BINANCE_SPOT, &cfg),
        LX_OK);
    assert_int_equal(lx_book_sync_snapshot(s, &sn), LX_OK);
    feed(s, 11, 11, 0, LX_ERR_TOOBIG, LX_BOOK_ACTION_NONE);
    assert_state(s, LX_BOOK_SYNC_RESYNC, LX_BOOK_REASON_BAD_LEVELS);
    lx_book_sync_free(s);
}

/* ---- Failing allocator -------------------------------------------------- */

static int sync_scenario(const struct lx_mem *mem, void *ud)
{
    static const struct lx_book_level l98 = {{98, 0}, {7, 0}};
    enum lx_book_rules rules = *(enum lx_book_rules *)ud;
    struct lx_book_snapshot sn = snap_at(100);
    struct lx_book_config cfg;
    struct lx_book_sync *s = NULL;
    uint64_t u;
    int rc;

    lx_book_config_init(&cfg);
    cfg.max_buf_diffs = 64;
    rc = lx_book_sync_new(&s, mem, rules, &cfg);
    if (rc != LX_OK) {
        return rc;
    }
    for (u = 90; u < 130; u += 2) {
        struct lx_book_diff d = diff(u, u + 1, u - 1, &l98);

        rc = lx_book_sync_diff(s, &d, NULL);
        if (rc != LX_OK) {
            break;
        }
        if (u == 110) {
            rc = lx_book_sync_snapshot(s, &sn);
            if (rc != LX_OK) {
                break;
            }
        }
    }
    if (rc == LX_OK && (lx_book_sync_state(s) != LX_BOOK_SYNC_SYNCED ||
                        lx_book_update_id(lx_book_sync_book(s)) != 129)) {
        rc = LX_ERR_INTERNAL;
    }
    if (rc == LX_ERR_NOMEM && lx_book_sync_reason(s) != LX_BOOK_REASON_NOMEM) {
        rc = LX_ERR_INTERNAL;
    }
    lx_book_sync_free(s);
    return rc;
}

/*
 * A deep plain book: a 300-level snapshot, then inserts between its
 * levels that split blocks, then removals that merge them. Any step may
 * meet the failing allocation; the book must still free cleanly.
 */
static int book_scenario(const struct lx_mem *mem, void *ud)
{
    struct lx_book_level lv[300];
    struct lx_book_snapshot sn = {1, lv, 300, NULL, 0};
    struct lx_book *b = NULL;
    size_t i;
    int rc;

    (void)ud;
    for (i = 0; i < 300; i++) {
        lv[i].price = lx_decimal_from_i64((int64_t)(3000 - 10 * i), 0);
        lv[i].qty = lx_decimal_from_i64(1, 0);
    }
    rc = lx_book_new(&b, mem, NULL);
    if (rc == LX_OK) {
        rc = lx_book_load(b, &sn);
    }
    for (i = 0; rc == LX_OK && i < 300; i++) {
        struct lx_book_level l = {lx_decimal_from_i64((int64_t)(5 + 10 * i), 0),
                                  lx_decimal_from_i64(2, 0)};

        rc = lx_book_update(b, &l, 1, NULL, 0);
    }
    for (i = 0; rc == LX_OK && i < 300; i++) {
        lv[i].qty = lx_decimal_from_i64(0, 0);
        rc = lx_book_update(b, &lv[i], 1, NULL, 0);
    }
    if (rc == LX_OK && lx_book_depth(b, LX_BOOK_BID) != 300) {
        rc = LX_ERR_INTERNAL;
    }
    lx_book_free(b);
    return rc;
}

static void test_failmalloc(void **state)
{
    enum lx_book_rules r = LX_BOOK_RULES_BINANCE_SPOT;
    (void)state;

    lx_test_failmalloc(sync_scenario, &r);
    r = LX_BOOK_RULES_BINANCE_USDM;
    lx_test_failmalloc(sync_scenario, &r);
    lx_test_failmalloc(book_scenario, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_new_args),
        cmocka_unit_test(test_book_basic),
        cmocka_unit_test(test_book_atomic),
        cmocka_unit_test(test_book_load),
        cmocka_unit_test(test_book_crossed_update),
        cmocka_unit_test(test_book_max_levels),
        cmocka_unit_test(test_book_hash),
        cmocka_unit_test(test_book_property),
        cmocka_unit_test(test_sync_new_args),
        cmocka_unit_test(test_sync_spot),
        cmocka_unit_test(test_sync_spot_snapshot_first),
        cmocka_unit_test(test_sync_spot_buffered_gap),
        cmocka_unit_test(test_sync_usdm),
        cmocka_unit_test(test_sync_overflow),
        cmocka_unit_test(test_sync_crossed),
        cmocka_unit_test(test_sync_invalid),
        cmocka_unit_test(test_failmalloc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
