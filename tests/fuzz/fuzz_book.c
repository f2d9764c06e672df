/*
 * fuzz_book.c - libFuzzer target for struct lx_book and struct
 * lx_book_sync.
 *
 * The input is a program: byte 0 picks the rule set, then each op is a
 * header byte (snapshot or diff, level counts) followed by id and level
 * bytes. Every op goes to a sync machine (learned scales, tiny caps) and
 * its levels also to a plain book that is checked against a model (one
 * quantity per tick). After every op: the plain book equals the model and
 * reports a crossed book exactly when the model is crossed; the sync
 * machine returns only documented codes, its book is empty outside
 * SYNCED and sorted, positive and uncrossed inside it, its buffer stays
 * within its cap and its counters never go back. Any violation aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lotusx/lx_book.h"
#include "lotusx/lx_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            abort();                                                           \
        }                                                                      \
    } while (0)

#define MAXL     8
#define BUF_DIFF 6

struct model {
    int64_t q[2][256]; /* by side, by price tick (scale 1) */
};

struct in {
    const uint8_t *p;
    size_t n;
};

static uint8_t next(struct in *in)
{
    if (in->n == 0) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

/*
 * A level from two bytes: price tick 0..255 at scale 1, written at scale
 * 2 (on grid) or off grid when the qty byte says so; qty 0..31 lots.
 */
static bool make_level(struct in *in, struct lx_book_level *l, int *tick,
                       int64_t *lots)
{
    uint8_t pb = next(in), qb = next(in);

    *tick = pb;
    *lots = qb & 31;
    l->qty = lx_decimal_from_i64(*lots, 0);
    switch (qb >> 5) {
    case 6:
        l->price = lx_decimal_from_i64((int64_t)pb * 10, 2);
        return true;
    case 7:
        l->price = lx_decimal_from_i64((int64_t)pb * 10 + 1, 2);
        return false;
    default:
        l->price = lx_decimal_from_i64(pb, 1);
        return true;
    }
}

static bool model_crossed(const struct model *m)
{
    int b = -1, a = -1, i;

    for (i = 255; i >= 0 && b < 0; i--) {
        b = m->q[0][i] != 0 ? i : -1;
    }
    for (i = 0; i < 256 && a < 0; i++) {
        a = m->q[1][i] != 0 ? i : -1;
    }
    return b >= 0 && a >= 0 && b >= a;
}

/* The plain book equals the model, level by level and by volume. */
static void check_plain(const struct lx_book *b, const struct model *m,
                        int limit)
{
    struct lx_book_level l;
    struct lx_decimal vol;
    int64_t want;
    size_t k, nl;
    int side, i;

    for (side = 0; side < 2; side++) {
        want = 0;
        k = 0;
        for (i = 0; i < 256; i++) {
            if (side == 0 ? i >= limit : i <= limit) {
                want += m->q[side][i];
                k += m->q[side][i] != 0;
            }
        }
        CHECK(lx_book_volume(b, (enum lx_book_side)side,
                             lx_decimal_from_i64(limit, 1), &vol,
                             &nl) == LX_OK);
        CHECK(vol.m == want && nl == k);
    }

    for (side = 0; side < 2; side++) {
        k = 0;
        for (i = 0; i < 256; i++) {
            int t = side == 0 ? 255 - i : i;

            if (m->q[side][t] == 0) {
                continue;
            }
            CHECK(lx_book_level_at(b, (enum lx_book_side)side, k++, &l) ==
                  LX_OK);
            CHECK(l.price.m == t && l.qty.m == m->q[side][t]);
        }
        CHECK(lx_book_depth(b, (enum lx_book_side)side) == k);
    }
    CHECK(lx_book_is_crossed(b) == model_crossed(m));
}

static void check_sync(const struct lx_book_sync *s,
                       struct lx_book_sync_stats *prev)
{
    const struct lx_book *b = lx_book_sync_book(s);
    struct lx_book_sync_stats st;
    struct lx_book_level l, p;
    size_t i;
    int side;

    lx_book_sync_get_stats(s, &st);
    CHECK(st.applied >= prev->applied && st.dropped >= prev->dropped &&
          st.buffered >= prev->buffered && st.gaps >= prev->gaps &&
          st.resyncs >= prev->resyncs);
    *prev = st;
    CHECK(lx_book_sync_buffered(s) <= BUF_DIFF);
    if (lx_book_sync_state(s) != LX_BOOK_SYNC_SYNCED) {
        CHECK(lx_book_depth(b, LX_BOOK_BID) == 0);
        CHECK(lx_book_depth(b, LX_BOOK_ASK) == 0);
        CHECK(lx_book_sync_reason(s) != LX_BOOK_REASON_NONE ||
              lx_book_sync_state(s) == LX_BOOK_SYNC_BUFFERING);
        return;
    }
    CHECK(lx_book_sync_buffered(s) == 0);
    CHECK(!lx_book_is_crossed(b));
    for (side = 0; side < 2; side++) {
        CHECK(lx_book_depth(b, (enum lx_book_side)side) <= MAXL * 4);
        for (i = 0;
             lx_book_level_at(b, (enum lx_book_side)side, i, &l) == LX_OK;
             i++) {
            CHECK(l.qty.m > 0);
            if (i > 0) {
                int c = lx_decimal_cmp(p.price, l.price);

                CHECK(side == 0 ? c > 0 : c < 0);
            }
            p = l;
        }
    }
    if (lx_book_best(b, LX_BOOK_BID, &l) == LX_OK &&
        lx_book_best(b, LX_BOOK_ASK, &p) == LX_OK) {
        CHECK(lx_decimal_cmp(l.price, p.price) < 0);
    }
}

static bool code_ok(int rc)
{
    return rc == LX_OK || rc == LX_ERR_AGAIN || rc == LX_ERR_TOOBIG ||
           rc == LX_ERR_CORRUPT || rc == LX_ERR_INEXACT || rc == LX_ERR_INVAL ||
           rc == LX_ERR_OVERFLOW;
}

/* Applies lv[0..nb+na) to the plain book and the model. */
static void plain_update(struct lx_book *pb, struct model *m,
                         const struct lx_book_level *lv, const int *tick,
                         const int64_t *lots, size_t nb, size_t na, bool valid)
{
    int rc = lx_book_update(pb, lv, nb, lv + nb, na);
    size_t i;

    if (!valid) {
        CHECK(rc == LX_ERR_INEXACT);
        return;
    }
    for (i = 0; i < nb + na; i++) {
        m->q[i < nb ? 0 : 1][tick[i]] = lots[i];
    }
    CHECK(rc == (model_crossed(m) ? LX_ERR_CORRUPT : LX_OK));
}

/* One op on the sync machine: a snapshot, a reset or a diff. */
static int sync_op(struct lx_book_sync *s, enum lx_book_rules rules,
                   const uint8_t op[3], const struct lx_book_level *lv,
                   size_t nb, size_t na, uint64_t *cur)
{
    struct lx_book_diff d;

    if ((op[0] & 3) == 0) {
        struct lx_book_snapshot sn = {*cur + op[1] % 8 - 4, lv, nb, lv + nb,
                                      na};

        return lx_book_sync_snapshot(s, &sn);
    }
    if ((op[0] & 3) == 3 && op[1] == 0xff) {
        lx_book_sync_reset(s);
        return LX_OK;
    }
    /* U overlaps, follows or skips ahead; pu matches one time in four. */
    memset(&d, 0, sizeof(d));
    d.first_id = *cur + op[1] % 4;
    d.final_id = d.first_id + op[2] % 4;
    d.prev_final_id = *cur + (op[2] >> 6) - 1;
    d.has_prev_final_id =
        (op[0] & 3) != 2 || rules == LX_BOOK_RULES_BINANCE_SPOT;
    d.bids = lv;
    d.nbids = nb;
    d.asks = lv + nb;
    d.nasks = na;
    *cur = d.final_id;
    return lx_book_sync_diff(s, &d, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {data, size};
    struct lx_book_config cfg;
    struct lx_book_sync *s = NULL;
    struct lx_book *pb = NULL;
    struct lx_book_sync_stats prev;
    static struct model m;
    uint64_t cur = 100;
    enum lx_book_rules rules = (next(&in) & 1) ? LX_BOOK_RULES_BINANCE_USDM
                                               : LX_BOOK_RULES_BINANCE_SPOT;

    lx_book_config_init(&cfg);
    cfg.max_levels = MAXL * 4;
    cfg.max_buf_diffs = BUF_DIFF;
    cfg.max_buf_levels = MAXL * 3;
    CHECK(lx_book_sync_new(&s, NULL, rules, &cfg) == LX_OK);
    cfg.price_scale = 1;
    cfg.qty_scale = 0;
    cfg.max_levels = 1000;
    CHECK(lx_book_new(&pb, NULL, &cfg) == LX_OK);
    memset(&m, 0, sizeof(m));
    memset(&prev, 0, sizeof(prev));
    while (in.n > 0) {
        uint8_t op[3];
        size_t nb, na, i;
        struct lx_book_level lv[16];
        int tick[16];
        int64_t lots[16];
        bool valid = true;

        op[0] = next(&in);
        op[1] = next(&in);
        op[2] = next(&in);
        nb = (op[0] >> 2) & 7;
        na = (op[0] >> 5) & 7;
        for (i = 0; i < nb + na; i++) {
            valid &= make_level(&in, &lv[i], &tick[i], &lots[i]);
        }
        plain_update(pb, &m, lv, tick, lots, nb, na, valid);
        check_plain(pb, &m, op[2]);
        CHECK(code_ok(sync_op(s, rules, op, lv, nb, na, &cur)));
        check_sync(s, &prev);
    }
    lx_book_sync_free(s);
    lx_book_free(pb);
    return 0;
}
