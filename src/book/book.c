/*
 * book.c - the L2 price-level book (struct lx_book): conversion between
 * lx_decimal and integer ticks/lots, updates, snapshots and queries.
 *
 * Each side is a struct lx__bside (book_side.c): a blocked sorted array
 * of (key, lots) with the best level last, bids keyed by price ticks and
 * asks by -ticks so both sides share one code path.
 *
 * An update is converted to ticks and lots in full (into a scratch
 * array) before the first level changes, so a validation error leaves the
 * book as it was. max_levels and an allocation failure in a block split
 * can stop an update half way; the caller then reloads a snapshot (the
 * sync machine does so by design).
 *
 * What it does not do: sequence numbers and venue rules (book_sync.c),
 * JSON (the venue codecs).
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_book.h"
#include "book/book_int.h"

struct lx_book {
    const struct lx_mem *mem;
    struct lx__bside s[2];
    int pscale; /* -1 until learned */
    int qscale;
    bool auto_p;
    bool auto_q;
    size_t max_levels;
    uint64_t update_id;
    bool crossed;
    struct lx__lvl *tmp; /* converted update: bids then asks */
    size_t tmp_cap;
};

void lx_book_config_init(struct lx_book_config *cfg)
{
    if (cfg == NULL) {
        return;
    }
    cfg->price_scale = LX_BOOK_SCALE_AUTO;
    cfg->qty_scale = LX_BOOK_SCALE_AUTO;
    cfg->max_levels = LX_BOOK_DEFAULT_MAX_LEVELS;
    cfg->max_buf_diffs = LX_BOOK_DEFAULT_MAX_BUF_DIFFS;
    cfg->max_buf_levels = LX_BOOK_DEFAULT_MAX_BUF_LEVELS;
}

static bool scale_ok(int scale)
{
    return scale == LX_BOOK_SCALE_AUTO ||
           (scale >= 0 && scale <= LX_DECIMAL_MAX_SCALE);
}

int lx_book_new(struct lx_book **out, const struct lx_mem *mem,
                const struct lx_book_config *cfg)
{
    struct lx_book_config def;
    struct lx_book *b;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (cfg == NULL) {
        lx_book_config_init(&def);
        cfg = &def;
    }
    if (!scale_ok(cfg->price_scale) || !scale_ok(cfg->qty_scale) ||
        cfg->max_levels == 0 || cfg->max_levels > SIZE_MAX / 2 / 16) {
        return LX_ERR_INVAL;
    }
    b = lx__calloc(mem, 1, sizeof(*b));
    if (b == NULL) {
        return LX_ERR_NOMEM;
    }
    b->mem = mem;
    b->pscale = cfg->price_scale;
    b->qscale = cfg->qty_scale;
    b->auto_p = cfg->price_scale == LX_BOOK_SCALE_AUTO;
    b->auto_q = cfg->qty_scale == LX_BOOK_SCALE_AUTO;
    b->max_levels = cfg->max_levels;
    lx__bside_init(&b->s[0], mem);
    lx__bside_init(&b->s[1], mem);
    *out = b;
    return LX_OK;
}

void lx_book_free(struct lx_book *book)
{
    if (book == NULL) {
        return;
    }
    lx__bside_free(&book->s[0]);
    lx__bside_free(&book->s[1]);
    lx__free(book->mem, book->tmp);
    lx__free(book->mem, book);
}

void lx_book_clear(struct lx_book *book)
{
    if (book == NULL) {
        return;
    }
    lx__bside_clear(&book->s[0]);
    lx__bside_clear(&book->s[1]);
    book->crossed = false;
}

/* ---- Conversion --------------------------------------------------------- */

/* d on a grid of 10^-scale as an integer count of steps. */
static int to_units(struct lx_decimal d, int scale, int64_t *out)
{
    struct lx_decimal r;
    int rc;

    if (d.scale == scale) {
        *out = d.m;
        return LX_OK;
    }
    rc = lx_decimal_rescale(d, (unsigned)scale, LX_ROUND_EXACT, &r);
    if (rc != LX_OK) {
        return rc;
    }
    *out = r.m;
    return LX_OK;
}

static int to_key(struct lx_decimal price, int scale, int side, int64_t *key)
{
    int64_t t;
    int rc = to_units(price, scale, &t);

    if (rc != LX_OK) {
        return rc;
    }
    if (side == LX_BOOK_ASK) {
        if (t == INT64_MIN) {
            return LX_ERR_OVERFLOW;
        }
        t = -t;
    }
    *key = t;
    return LX_OK;
}

static int64_t key_ticks(int side, int64_t key)
{
    return side == LX_BOOK_ASK ? -key : key;
}

/*
 * The grid a learned (LX_BOOK_SCALE_AUTO) scale must have for these
 * values: cur, or the written scale of a value that needs more digits than
 * cur (after dropping trailing zeros). With cur -1 (nothing learned yet)
 * that is the largest written scale, which is the venue's grid when it
 * writes fixed digits as Binance does. Invalid values are left to the
 * conversion to reject.
 */
static int need_scale(const struct lx_book_level *l, size_t n, bool price,
                      int cur)
{
    size_t i;

    for (i = 0; l != NULL && i < n; i++) {
        struct lx_decimal d = price ? l[i].price : l[i].qty;

        if ((int)d.scale > cur && lx_decimal_is_valid(d) &&
            (cur < 0 || (int)lx_decimal_normalize(d).scale > cur)) {
            cur = d.scale;
        }
    }
    return cur;
}

/*
 * The scales an update or snapshot is converted at: the configured ones,
 * or learned ones grown as far as these levels need (-1 while there are
 * no levels at all, which is fine: then nothing is converted).
 */
static void pick_scales(const struct lx_book *b, const struct lx_book_level *bl,
                        size_t nb, const struct lx_book_level *al, size_t na,
                        int *ps, int *qs)
{
    *ps = b->pscale;
    *qs = b->qscale;
    if (b->auto_p) {
        *ps = need_scale(al, na, true, need_scale(bl, nb, true, *ps));
    }
    if (b->auto_q) {
        *qs = need_scale(al, na, false, need_scale(bl, nb, false, *qs));
    }
}

static int convert_level(const struct lx_book_level *l, int side, int ps,
                         int qs, struct lx__lvl *out)
{
    int rc;

    if (!lx_decimal_is_valid(l->price) || !lx_decimal_is_valid(l->qty) ||
        l->qty.m < 0) {
        return LX_ERR_INVAL;
    }
    rc = to_key(l->price, ps, side, &out->key);
    if (rc == LX_OK) {
        rc = to_units(l->qty, qs, &out->lots);
    }
    return rc;
}

/* ---- Updates ------------------------------------------------------------ */

static bool check_crossed(struct lx_book *b)
{
    int64_t bid, ask;

    /* Ask keys are -ticks: crossed when bid ticks >= ask ticks. */
    b->crossed = lx__bside_best(&b->s[LX_BOOK_BID], &bid) &&
                 lx__bside_best(&b->s[LX_BOOK_ASK], &ask) && bid >= -ask;
    return b->crossed;
}

static int grow_tmp(struct lx_book *b, size_t n)
{
    struct lx__lvl *t;

    if (n <= b->tmp_cap) {
        return LX_OK;
    }
    if (n > SIZE_MAX / sizeof(*t)) {
        return LX_ERR_TOOBIG;
    }
    t = lx__realloc(b->mem, b->tmp, n * sizeof(*t));
    if (t == NULL) {
        return LX_ERR_NOMEM;
    }
    b->tmp = t;
    b->tmp_cap = n;
    return LX_OK;
}

/* Converts the levels of both sides into b->tmp (bids first). */
static int convert_all(struct lx_book *b, const struct lx_book_level *bl,
                       size_t nb, const struct lx_book_level *al, size_t na,
                       int ps, int qs)
{
    size_t i;
    int rc;

    if ((nb > 0 && bl == NULL) || (na > 0 && al == NULL) || nb > SIZE_MAX / 2 ||
        na > SIZE_MAX / 2) {
        return LX_ERR_INVAL;
    }
    rc = grow_tmp(b, nb + na);
    for (i = 0; rc == LX_OK && i < nb; i++) {
        rc = convert_level(&bl[i], LX_BOOK_BID, ps, qs, &b->tmp[i]);
    }
    for (i = 0; rc == LX_OK && i < na; i++) {
        rc = convert_level(&al[i], LX_BOOK_ASK, ps, qs, &b->tmp[nb + i]);
    }
    return rc;
}

static int64_t pow10_i64(int e)
{
    int64_t f = 1;

    while (e-- > 0) {
        f *= 10;
    }
    return f;
}

/*
 * Moves the book to the scales ps/qs (never smaller than the current
 * ones): the levels are rescaled exactly, their values unchanged. Returns
 * LX_OK or LX_ERR_OVERFLOW (a level does not fit the finer grid; nothing
 * changed).
 */
static int commit_scales(struct lx_book *b, int ps, int qs)
{
    int64_t kf = 1, lf = 1;
    int rc;

    if (b->pscale >= 0 && ps > b->pscale) {
        kf = pow10_i64(ps - b->pscale);
    }
    if (b->qscale >= 0 && qs > b->qscale) {
        lf = pow10_i64(qs - b->qscale);
    }
    if (kf != 1 || lf != 1) {
        rc = lx__bside_rescale(&b->s[0], &b->s[1], kf, lf);
        if (rc != LX_OK) {
            return rc;
        }
    }
    b->pscale = ps > b->pscale ? ps : b->pscale;
    b->qscale = qs > b->qscale ? qs : b->qscale;
    return LX_OK;
}

int lx_book_update(struct lx_book *book, const struct lx_book_level *bids,
                   size_t nbids, const struct lx_book_level *asks, size_t nasks)
{
    size_t i;
    int ps, qs, rc;

    if (book == NULL) {
        return LX_ERR_INVAL;
    }
    pick_scales(book, bids, nbids, asks, nasks, &ps, &qs);
    rc = convert_all(book, bids, nbids, asks, nasks, ps, qs);
    if (rc == LX_OK) {
        rc = commit_scales(book, ps, qs);
    }
    if (rc != LX_OK) {
        return rc;
    }
    for (i = 0; rc == LX_OK && i < nbids + nasks; i++) {
        struct lx__bside *s = &book->s[i < nbids ? LX_BOOK_BID : LX_BOOK_ASK];

        rc = lx__bside_set(s, book->tmp[i].key, book->tmp[i].lots,
                           book->max_levels);
    }
    if (rc != LX_OK) {
        check_crossed(book);
        return rc;
    }
    return check_crossed(book) ? LX_ERR_CORRUPT : LX_OK;
}

/*
 * Loads one side from converted levels. Venues send snapshots sorted best
 * first (descending keys); that order is loaded into blocks in one pass.
 * Anything else (unsorted, duplicate prices) falls back to one set per
 * level, which also gives "a later duplicate wins".
 */
static int load_side(struct lx_book *b, struct lx__bside *s,
                     const struct lx__lvl *t, size_t n)
{
    size_t i, k = 0;
    int64_t prev = 0;
    int rc = LX_OK;

    for (i = n; i-- > 0;) {
        if (t[i].lots == 0) {
            continue;
        }
        if (k > 0 && prev >= t[i].key) {
            break;
        }
        prev = t[i].key;
        k++;
    }
    if (i == (size_t)-1 && k <= b->max_levels) {
        return lx__bside_load(s, t, n);
    }
    lx__bside_clear(s);
    for (i = 0; rc == LX_OK && i < n; i++) {
        rc = lx__bside_set(s, t[i].key, t[i].lots, b->max_levels);
    }
    return rc;
}

int lx_book_load(struct lx_book *book, const struct lx_book_snapshot *snap)
{
    int ps, qs, rc;

    if (book == NULL || snap == NULL) {
        return LX_ERR_INVAL;
    }
    lx_book_clear(book);
    pick_scales(book, snap->bids, snap->nbids, snap->asks, snap->nasks, &ps,
                &qs);
    rc = convert_all(book, snap->bids, snap->nbids, snap->asks, snap->nasks, ps,
                     qs);
    if (rc == LX_OK) {
        rc = commit_scales(book, ps, qs); /* the book is empty: no rescale */
    }
    if (rc != LX_OK) {
        return rc;
    }
    rc = load_side(book, &book->s[LX_BOOK_BID], book->tmp, snap->nbids);
    if (rc == LX_OK) {
        /* No pointer arithmetic on a tmp never allocated (no levels). */
        rc = load_side(book, &book->s[LX_BOOK_ASK],
                       snap->nasks > 0 ? book->tmp + snap->nbids : NULL,
                       snap->nasks);
    }
    if (rc != LX_OK) {
        lx_book_clear(book);
        return rc;
    }
    book->update_id = snap->last_update_id;
    return check_crossed(book) ? LX_ERR_CORRUPT : LX_OK;
}

/* ---- Queries ------------------------------------------------------------ */

uint64_t lx_book_update_id(const struct lx_book *book)
{
    return book != NULL ? book->update_id : 0;
}

void lx_book_set_update_id(struct lx_book *book, uint64_t id)
{
    if (book != NULL) {
        book->update_id = id;
    }
}

bool lx_book_is_crossed(const struct lx_book *book)
{
    return book != NULL && book->crossed;
}

int lx_book_scales(const struct lx_book *book, int *price_scale, int *qty_scale)
{
    if (book == NULL) {
        return LX_ERR_INVAL;
    }
    if (price_scale != NULL) {
        *price_scale = book->pscale;
    }
    if (qty_scale != NULL) {
        *qty_scale = book->qscale;
    }
    return book->pscale < 0 || book->qscale < 0 ? LX_ERR_AGAIN : LX_OK;
}

static bool side_ok(enum lx_book_side side)
{
    return side == LX_BOOK_BID || side == LX_BOOK_ASK;
}

size_t lx_book_depth(const struct lx_book *book, enum lx_book_side side)
{
    return book != NULL && side_ok(side) ? book->s[side].n : 0;
}

static void make_level(const struct lx_book *b, int side,
                       const struct lx__lvl *l, struct lx_book_level *out)
{
    out->price =
        lx_decimal_from_i64(key_ticks(side, l->key), (unsigned)b->pscale);
    out->qty = lx_decimal_from_i64(l->lots, (unsigned)b->qscale);
}

int lx_book_level_at(const struct lx_book *book, enum lx_book_side side,
                     size_t idx, struct lx_book_level *out)
{
    struct lx__bcur c;

    if (book == NULL || out == NULL || !side_ok(side)) {
        return LX_ERR_INVAL;
    }
    if (idx >= book->s[side].n) {
        return LX_ERR_NOTFOUND;
    }
    lx__bcur_seek(&c, &book->s[side], idx);
    make_level(book, side, lx__bcur_get(&c), out);
    return LX_OK;
}

int lx_book_best(const struct lx_book *book, enum lx_book_side side,
                 struct lx_book_level *out)
{
    return lx_book_level_at(book, side, 0, out);
}

size_t lx_book_top(const struct lx_book *book, enum lx_book_side side,
                   struct lx_book_level *out, size_t n)
{
    struct lx__bcur c;
    const struct lx__lvl *l;
    size_t i = 0;

    if (book == NULL || out == NULL || !side_ok(side)) {
        return 0;
    }
    lx__bcur_seek(&c, &book->s[side], 0);
    for (; i < n && (l = lx__bcur_get(&c)) != NULL; i++) {
        make_level(book, side, l, &out[i]);
        lx__bcur_next(&c);
    }
    return i;
}

static struct lx_decimal zero_qty(const struct lx_book *b)
{
    return lx_decimal_from_i64(0, b->qscale < 0 ? 0u : (unsigned)b->qscale);
}

int lx_book_qty_at(const struct lx_book *book, enum lx_book_side side,
                   struct lx_decimal price, struct lx_decimal *qty)
{
    const struct lx__lvl *l;
    int64_t key;
    int rc;

    if (book == NULL || qty == NULL || !side_ok(side) ||
        !lx_decimal_is_valid(price)) {
        return LX_ERR_INVAL;
    }
    *qty = zero_qty(book);
    if (book->pscale < 0) {
        return LX_OK;
    }
    rc = to_key(price, book->pscale, side, &key);
    if (rc != LX_OK) {
        return rc;
    }
    l = lx__bside_find(&book->s[side], key);
    if (l != NULL) {
        qty->m = l->lots;
    }
    return LX_OK;
}

int lx_book_volume(const struct lx_book *book, enum lx_book_side side,
                   struct lx_decimal limit, struct lx_decimal *qty,
                   size_t *nlevels)
{
    const struct lx__lvl *l;
    struct lx__bcur c;
    int64_t key, sum = 0;
    size_t k = 0;
    int rc;

    if (book == NULL || qty == NULL || !side_ok(side) ||
        !lx_decimal_is_valid(limit)) {
        return LX_ERR_INVAL;
    }
    if (nlevels != NULL) {
        *nlevels = 0;
    }
    *qty = zero_qty(book);
    if (book->pscale < 0) {
        return LX_OK;
    }
    rc = to_key(limit, book->pscale, side, &key);
    if (rc != LX_OK) {
        return rc;
    }
    lx__bcur_seek(&c, &book->s[side], 0);
    for (; (l = lx__bcur_get(&c)) != NULL && l->key >= key; k++) {
        if (__builtin_add_overflow(sum, l->lots, &sum)) {
            return LX_ERR_OVERFLOW;
        }
        lx__bcur_next(&c);
    }
    qty->m = sum;
    if (nlevels != NULL) {
        *nlevels = k;
    }
    return LX_OK;
}

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME  UINT64_C(1099511628211)

static uint64_t fnv_i64(uint64_t h, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;

    for (i = 0; i < 8; i++) {
        h ^= (u >> (8 * i)) & 0xffu;
        h *= FNV_PRIME;
    }
    return h;
}

uint64_t lx_book_hash(const struct lx_book *book, size_t n)
{
    const struct lx__lvl *l;
    struct lx__bcur cb, ca;
    size_t kb, ka, i;
    uint64_t h = FNV_OFFSET;

    if (book == NULL) {
        return 0;
    }
    kb = n < book->s[LX_BOOK_BID].n ? n : book->s[LX_BOOK_BID].n;
    ka = n < book->s[LX_BOOK_ASK].n ? n : book->s[LX_BOOK_ASK].n;
    h = fnv_i64(h, book->pscale);
    h = fnv_i64(h, book->qscale);
    h = fnv_i64(h, (int64_t)kb);
    h = fnv_i64(h, (int64_t)ka);
    lx__bcur_seek(&cb, &book->s[LX_BOOK_BID], 0);
    lx__bcur_seek(&ca, &book->s[LX_BOOK_ASK], 0);
    for (i = 0; i < kb || i < ka; i++) {
        if (i < kb) {
            l = lx__bcur_get(&cb);
            h = fnv_i64(fnv_i64(h, l->key), l->lots);
            lx__bcur_next(&cb);
        }
        if (i < ka) {
            l = lx__bcur_get(&ca);
            h = fnv_i64(fnv_i64(h, -l->key), l->lots);
            lx__bcur_next(&ca);
        }
    }
    return h;
}
