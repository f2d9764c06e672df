/*
 * book_side.c - one side of an lx_book as a blocked sorted array (see
 * book_int.h for the layout and why).
 *
 * Blocks split in halves when an insert finds them full and merge with a
 * neighbour when a remove leaves them under a quarter full and both fit
 * in half a block, so a side never degenerates into many tiny blocks.
 * Emptied blocks go to a spare list and are reused; they are freed with
 * the side. Nothing here knows about prices, scales or venues.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "book/book_int.h"

/* Levels per block when a snapshot is loaded: room for inserts. */
#define LOAD_FILL (LX__BSIDE_BLK * 3 / 4)

void lx__bside_init(struct lx__bside *s, const struct lx_mem *mem)
{
    memset(s, 0, sizeof(*s));
    s->mem = mem;
}

static void blk_put(struct lx__bside *s, struct lx__bblk *blk)
{
    blk->next = s->spare;
    s->spare = blk;
}

static struct lx__bblk *blk_get(struct lx__bside *s)
{
    struct lx__bblk *blk = s->spare;

    if (blk != NULL) {
        s->spare = blk->next;
    } else {
        blk = lx__malloc(s->mem, sizeof(*blk));
        if (blk == NULL) {
            return NULL;
        }
    }
    blk->next = NULL;
    blk->n = 0;
    return blk;
}

void lx__bside_clear(struct lx__bside *s)
{
    size_t i;

    for (i = 0; i < s->nb; i++) {
        blk_put(s, s->b[i]);
    }
    s->nb = 0;
    s->n = 0;
}

void lx__bside_free(struct lx__bside *s)
{
    lx__bside_clear(s);
    while (s->spare != NULL) {
        struct lx__bblk *next = s->spare->next;

        lx__free(s->mem, s->spare);
        s->spare = next;
    }
    lx__free(s->mem, s->b);
    lx__free(s->mem, s->last);
    s->b = NULL;
    s->last = NULL;
    s->bcap = 0;
}

/* Makes room for need blocks in the index arrays. */
static int grow_index(struct lx__bside *s, size_t need)
{
    struct lx__bblk **nb;
    int64_t *nl;
    size_t cap = s->bcap < 16 ? 16 : s->bcap;

    if (need <= s->bcap) {
        return LX_OK;
    }
    while (cap < need) {
        cap *= 2;
    }
    nb = lx__realloc(s->mem, s->b, cap * sizeof(*nb));
    if (nb == NULL) {
        return LX_ERR_NOMEM;
    }
    s->b = nb;
    nl = lx__realloc(s->mem, s->last, cap * sizeof(*nl));
    if (nl == NULL) {
        return LX_ERR_NOMEM; /* b is larger than bcap says; harmless */
    }
    s->last = nl;
    s->bcap = cap;
    return LX_OK;
}

/*
 * Branch-free bisections: the first index whose key is >= k, or n. One
 * over the block maxima, one over the levels of a block.
 */
static size_t find_block(const struct lx__bside *s, int64_t k)
{
    const int64_t *base = s->last;
    size_t n = s->nb;

    if (n == 0) {
        return 0;
    }
    while (n > 1) {
        size_t half = n / 2;

        base = base[half - 1] < k ? base + half : base;
        n -= half;
    }
    return (size_t)(base - s->last) + (*base < k);
}

static size_t find_in(const struct lx__bblk *blk, int64_t k)
{
    const struct lx__lvl *base = blk->v;
    size_t n = blk->n;

    if (n == 0) {
        return 0;
    }
    while (n > 1) {
        size_t half = n / 2;

        base = base[half - 1].key < k ? base + half : base;
        n -= half;
    }
    return (size_t)(base - blk->v) + (base->key < k);
}

static void index_insert(struct lx__bside *s, size_t bi, struct lx__bblk *blk)
{
    memmove(&s->b[bi + 1], &s->b[bi], (s->nb - bi) * sizeof(*s->b));
    memmove(&s->last[bi + 1], &s->last[bi], (s->nb - bi) * sizeof(*s->last));
    s->b[bi] = blk;
    s->last[bi] = blk->v[blk->n - 1].key;
    s->nb++;
}

static void index_remove(struct lx__bside *s, size_t bi)
{
    memmove(&s->b[bi], &s->b[bi + 1], (s->nb - bi - 1) * sizeof(*s->b));
    memmove(&s->last[bi], &s->last[bi + 1],
            (s->nb - bi - 1) * sizeof(*s->last));
    s->nb--;
}

/* Folds block bi into a neighbour when both are small. */
static void maybe_merge(struct lx__bside *s, size_t bi)
{
    struct lx__bblk *blk = s->b[bi], *o;

    if (blk->n >= LX__BSIDE_BLK / 4) {
        return;
    }
    if (bi + 1 < s->nb && blk->n + s->b[bi + 1]->n <= LX__BSIDE_BLK / 2) {
        o = s->b[bi + 1];
        memcpy(&blk->v[blk->n], o->v, o->n * sizeof(*o->v));
        blk->n += o->n;
        s->last[bi] = s->last[bi + 1];
        blk_put(s, o);
        index_remove(s, bi + 1);
    } else if (bi > 0 && s->b[bi - 1]->n + blk->n <= LX__BSIDE_BLK / 2) {
        o = s->b[bi - 1];
        memcpy(&o->v[o->n], blk->v, blk->n * sizeof(*blk->v));
        o->n += blk->n;
        s->last[bi - 1] = s->last[bi];
        blk_put(s, blk);
        index_remove(s, bi);
    }
}

static void remove_at(struct lx__bside *s, size_t bi, size_t i)
{
    struct lx__bblk *blk = s->b[bi];

    memmove(&blk->v[i], &blk->v[i + 1], (blk->n - i - 1) * sizeof(*blk->v));
    blk->n--;
    s->n--;
    if (blk->n == 0) {
        blk_put(s, blk);
        index_remove(s, bi);
        return;
    }
    s->last[bi] = blk->v[blk->n - 1].key;
    maybe_merge(s, bi);
}

/* Inserts at position i of block bi, splitting a full block first. */
static int insert_at(struct lx__bside *s, size_t bi, size_t i, int64_t key,
                     int64_t lots)
{
    struct lx__bblk *blk = s->b[bi];

    if (blk->n == LX__BSIDE_BLK) {
        const size_t half = LX__BSIDE_BLK / 2;
        struct lx__bblk *hi;

        if (grow_index(s, s->nb + 1) != LX_OK || (hi = blk_get(s)) == NULL) {
            return LX_ERR_NOMEM;
        }
        memcpy(hi->v, &blk->v[half], half * sizeof(*blk->v));
        hi->n = half;
        blk->n = half;
        s->last[bi] = blk->v[half - 1].key;
        index_insert(s, bi + 1, hi);
        if (i > half) {
            bi++;
            blk = hi;
            i -= half;
        }
    }
    memmove(&blk->v[i + 1], &blk->v[i], (blk->n - i) * sizeof(*blk->v));
    blk->v[i].key = key;
    blk->v[i].lots = lots;
    blk->n++;
    s->n++;
    if (i == blk->n - 1) {
        s->last[bi] = key;
    }
    return LX_OK;
}

int lx__bside_set(struct lx__bside *s, int64_t key, int64_t lots, size_t max)
{
    struct lx__bblk *blk;
    size_t bi, i;

    if (s->nb == 0) {
        if (lots == 0) {
            return LX_OK;
        }
        if (s->n >= max) {
            return LX_ERR_TOOBIG;
        }
        if (grow_index(s, 1) != LX_OK || (blk = blk_get(s)) == NULL) {
            return LX_ERR_NOMEM;
        }
        blk->v[0].key = key;
        blk->v[0].lots = lots;
        blk->n = 1;
        index_insert(s, 0, blk);
        s->n = 1;
        return LX_OK;
    }
    bi = find_block(s, key);
    bi = bi < s->nb ? bi : s->nb - 1;
    blk = s->b[bi];
    i = find_in(blk, key);
    if (i < blk->n && blk->v[i].key == key) {
        if (lots == 0) {
            remove_at(s, bi, i);
        } else {
            blk->v[i].lots = lots;
        }
        return LX_OK;
    }
    if (lots == 0) {
        return LX_OK;
    }
    if (s->n >= max) {
        return LX_ERR_TOOBIG;
    }
    return insert_at(s, bi, i, key, lots);
}

int lx__bside_load(struct lx__bside *s, const struct lx__lvl *v, size_t n)
{
    struct lx__bblk *blk = NULL;
    size_t i, k = 0;

    lx__bside_clear(s);
    for (i = 0; i < n; i++) {
        k += v[i].lots != 0;
    }
    if (grow_index(s, (k + LOAD_FILL - 1) / LOAD_FILL) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    for (i = n; i-- > 0;) {
        if (v[i].lots == 0) {
            continue;
        }
        if (blk == NULL || blk->n == LOAD_FILL) {
            blk = blk_get(s);
            if (blk == NULL) {
                lx__bside_clear(s);
                return LX_ERR_NOMEM;
            }
            s->b[s->nb++] = blk;
        }
        blk->v[blk->n++] = v[i];
        s->last[s->nb - 1] = v[i].key;
        s->n++;
    }
    return LX_OK;
}

bool lx__bside_best(const struct lx__bside *s, int64_t *key)
{
    if (s->nb == 0) {
        return false;
    }
    *key = s->last[s->nb - 1];
    return true;
}

const struct lx__lvl *lx__bside_find(const struct lx__bside *s, int64_t key)
{
    const struct lx__bblk *blk;
    size_t bi = find_block(s, key), i;

    if (bi == s->nb) {
        return NULL;
    }
    blk = s->b[bi];
    i = find_in(blk, key);
    return i < blk->n && blk->v[i].key == key ? &blk->v[i] : NULL;
}

void lx__bcur_seek(struct lx__bcur *c, const struct lx__bside *s, size_t idx)
{
    size_t bi = s->nb;

    c->s = s;
    c->ok = false;
    while (bi > 0) {
        bi--;
        if (idx < s->b[bi]->n) {
            c->bi = bi;
            c->pos = s->b[bi]->n - 1 - idx;
            c->ok = true;
            return;
        }
        idx -= s->b[bi]->n;
    }
}

const struct lx__lvl *lx__bcur_get(const struct lx__bcur *c)
{
    return c->ok ? &c->s->b[c->bi]->v[c->pos] : NULL;
}

void lx__bcur_next(struct lx__bcur *c)
{
    if (!c->ok) {
        return;
    }
    if (c->pos > 0) {
        c->pos--;
    } else if (c->bi > 0) {
        c->bi--;
        c->pos = c->s->b[c->bi]->n - 1;
    } else {
        c->ok = false;
    }
}

/* Whether every level of s fits the finer grid. */
static bool rescale_fits(const struct lx__bside *s, int64_t kf, int64_t lf)
{
    size_t i, j;
    int64_t t;

    for (i = 0; i < s->nb; i++) {
        for (j = 0; j < s->b[i]->n; j++) {
            if (__builtin_mul_overflow(s->b[i]->v[j].key, kf, &t) ||
                __builtin_mul_overflow(s->b[i]->v[j].lots, lf, &t)) {
                return false;
            }
        }
    }
    return true;
}

static void rescale_side(struct lx__bside *s, int64_t kf, int64_t lf)
{
    size_t i, j;

    for (i = 0; i < s->nb; i++) {
        for (j = 0; j < s->b[i]->n; j++) {
            s->b[i]->v[j].key *= kf;
            s->b[i]->v[j].lots *= lf;
        }
        s->last[i] *= kf;
    }
}

int lx__bside_rescale(struct lx__bside *a, struct lx__bside *b, int64_t kf,
                      int64_t lf)
{
    if (!rescale_fits(a, kf, lf) || !rescale_fits(b, kf, lf)) {
        return LX_ERR_OVERFLOW;
    }
    rescale_side(a, kf, lf);
    rescale_side(b, kf, lf);
    return LX_OK;
}
