/*
 * book_int.h - one side of an lx_book (struct lx__bside), shared by
 * book.c and book_side.c; never installed.
 *
 * A side is a sorted sequence of (key, lots) kept in blocks of up to
 * LX__BSIDE_BLK levels, ascending by key, the best level last. Bids use
 * key = price ticks and asks key = -ticks, so one ascending structure
 * serves both sides. The block maxima sit in their own small array, so a
 * search is a bisection over that array (in cache) and then over one
 * block, and an insert or remove moves at most one block's tail. Real
 * diffs change levels all over the top thousand or so, which made a flat
 * sorted array spend most of its time in memmove (see docs/book.md).
 */
#ifndef LOTUSX_BOOK_BOOK_INT_H
#define LOTUSX_BOOK_BOOK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_mem.h"

#define LX__BSIDE_BLK 64

struct lx__lvl {
    int64_t key;
    int64_t lots; /* > 0 */
};

struct lx__bblk {
    struct lx__bblk *next; /* spare list link */
    size_t n;
    struct lx__lvl v[LX__BSIDE_BLK];
};

struct lx__bside {
    const struct lx_mem *mem;
    struct lx__bblk **b; /* nb blocks, none empty, ascending */
    int64_t *last;       /* last[i]: the largest key of b[i] */
    size_t nb;
    size_t bcap;
    size_t n;               /* levels */
    struct lx__bblk *spare; /* emptied blocks kept for reuse */
};

/* A position on a side, walking from the best level toward the worst. */
struct lx__bcur {
    const struct lx__bside *s;
    size_t bi;
    size_t pos;
    bool ok;
};

void lx__bside_init(struct lx__bside *s, const struct lx_mem *mem);
/* Frees every block and array. */
void lx__bside_free(struct lx__bside *s);
/* Empties the side; its blocks go to the spare list. */
void lx__bside_clear(struct lx__bside *s);

/*
 * Sets the level at key to lots (0 removes it). Returns LX_OK,
 * LX_ERR_TOOBIG (a new level beyond max levels) or LX_ERR_NOMEM (a block
 * split could not allocate; nothing changed by this call).
 */
int lx__bside_set(struct lx__bside *s, int64_t key, int64_t lots, size_t max);

/*
 * Replaces the content with v[0..n): strictly ascending keys, lots > 0.
 * Returns LX_OK or LX_ERR_NOMEM (the side is then empty).
 */
int lx__bside_load(struct lx__bside *s, const struct lx__lvl *v, size_t n);

/*
 * Multiplies every key by kf and every lots by lf (both >= 1) on both
 * sides a and b, so a book moves to a finer grid with its values
 * unchanged; the key order is kept. Returns LX_OK or LX_ERR_OVERFLOW (a
 * product does not fit; nothing changed).
 */
int lx__bside_rescale(struct lx__bside *a, struct lx__bside *b, int64_t kf,
                      int64_t lf);

/* The best (largest) key; false when the side is empty. */
bool lx__bside_best(const struct lx__bside *s, int64_t *key);

/* The level at exactly key, or NULL. */
const struct lx__lvl *lx__bside_find(const struct lx__bside *s, int64_t key);

/* Places c at index idx from the best (c->ok false past the end). */
void lx__bcur_seek(struct lx__bcur *c, const struct lx__bside *s, size_t idx);
/* The level under c, or NULL when c is past the end. */
const struct lx__lvl *lx__bcur_get(const struct lx__bcur *c);
/* Moves c one level toward the worst. */
void lx__bcur_next(struct lx__bcur *c);

#endif
