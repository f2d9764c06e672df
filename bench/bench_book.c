/*
 * bench_book.c - apply throughput of struct lx_book and struct
 * lx_book_sync on real Binance depth streams, against a naive reference
 * book measured in the same run.
 *
 * Each shared sample (../shared/samples, or LX_SAMPLES_DIR) is parsed
 * once, before any timing, into a snapshot and the diffs that follow it
 * (u past lastUpdateId, in stream order). Then, per implementation and for
 * a fixed time slice, the snapshot is loaded (untimed) and every diff
 * applied (timed). The reference is the book a first attempt would write:
 * one array of lx_decimal levels per side, best first, found by a linear
 * scan with lx_decimal_cmp and shifted with memmove. Its final book is
 * compared with lx_book's level by level, so both did the same work. A
 * second row, a flat sorted array of ticks (lx_book's first layout),
 * shows what the blocked layout of book_side.c gains. A third, synthetic
 * stream (fixed seed) has a deeper book than the samples.
 *
 * Figures: ns per diff, ns per level change, million level changes per
 * second, and the ratio of ns/diff to the reference (below 1 is faster).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/lx_internal.h"
#include "lotusx/lx_book.h"
#include "lotusx/lx_rng.h"
#include "bench_util.h"

#define SLICE_NS INT64_C(400000000)

struct stream {
    struct lx_book_snapshot snap;
    struct lx_book_diff *d;
    size_t nd, dcap;
    struct lx_book_level *pool;
    size_t npool, poolcap;
    size_t *off; /* per diff, into pool (pool moves while parsing) */
    size_t nlevels;
    struct lx_book_level *snaplv;
    bool usdm;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    size_t c = *cap < 64 ? 64 : *cap;

    if (need <= *cap) {
        return p;
    }
    while (c < need) {
        c *= 2;
    }
    p = lx__realloc(NULL, p, c * elem);
    if (p == NULL) {
        fprintf(stderr, "bench_book: out of memory\n");
        exit(1);
    }
    *cap = c;
    return p;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = lx__malloc(NULL, (size_t)n + 1);
        if (buf != NULL) {
            *len = fread(buf, 1, (size_t)n, f);
            buf[*len] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static size_t parse_levels(const cJSON *arr, struct lx_book_level **v,
                           size_t *n, size_t *cap)
{
    struct lx_json_err e = {0};
    const cJSON *pair;
    size_t cnt = (size_t)cJSON_GetArraySize(arr), i;

    *v = grow(*v, cap, *n + cnt, sizeof(**v));
    for (i = 0; i < cnt; i++) {
        lx__json_at_arr(arr, i, &pair, &e);
        lx__json_at_decimal(pair, 0, &(*v)[*n + i].price, &e);
        lx__json_at_decimal(pair, 1, &(*v)[*n + i].qty, &e);
    }
    if (e.code != LX_OK) {
        fprintf(stderr, "bench_book: bad levels\n");
        exit(1);
    }
    *n += cnt;
    return cnt;
}

static void add_diff(struct stream *s, const cJSON *o)
{
    struct lx_json_err e = {0};
    const cJSON *b, *a;
    struct lx_book_diff *d;
    size_t dc = s->dcap;

    s->d = grow(s->d, &s->dcap, s->nd + 1, sizeof(*s->d));
    s->off = grow(s->off, &dc, s->nd + 1, sizeof(*s->off));
    d = &s->d[s->nd];
    memset(d, 0, sizeof(*d));
    lx__json_get_u64(o, "U", &d->first_id, &e);
    lx__json_get_u64(o, "u", &d->final_id, &e);
    d->has_prev_final_id = s->usdm;
    lx__json_opt_u64(o, "pu", 0, &d->prev_final_id, &e);
    lx__json_get_arr(o, "b", &b, &e);
    lx__json_get_arr(o, "a", &a, &e);
    if (e.code != LX_OK) {
        fprintf(stderr, "bench_book: bad diff\n");
        exit(1);
    }
    s->off[s->nd++] = s->npool;
    d->nbids = parse_levels(b, &s->pool, &s->npool, &s->poolcap);
    d->nasks = parse_levels(a, &s->pool, &s->npool, &s->poolcap);
}

static void set_snapshot(struct stream *s, const cJSON *o)
{
    struct lx_json_err e = {0};
    const cJSON *b, *a;
    size_t n = 0, cap = 0;

    lx__json_get_u64(o, "lastUpdateId", &s->snap.last_update_id, &e);
    lx__json_get_arr(o, "bids", &b, &e);
    lx__json_get_arr(o, "asks", &a, &e);
    if (e.code != LX_OK) {
        fprintf(stderr, "bench_book: bad snapshot\n");
        exit(1);
    }
    s->snap.nbids = parse_levels(b, &s->snaplv, &n, &cap);
    s->snap.nasks = parse_levels(a, &s->snaplv, &n, &cap);
    s->snap.bids = s->snaplv;
    s->snap.asks = s->snaplv + s->snap.nbids;
}

static void on_line(struct stream *s, const char *json, size_t len)
{
    cJSON *root = NULL;
    const cJSON *data = NULL;

    if (lx__json_parse(json, len, &root, NULL) != LX_OK) {
        fprintf(stderr, "bench_book: bad JSON line\n");
        exit(1);
    }
    if (cJSON_GetObjectItemCaseSensitive(root, "lastUpdateId") != NULL) {
        set_snapshot(s, root);
    } else if (lx__json_opt_obj(root, "data", &data, NULL) == LX_OK &&
               data != NULL &&
               cJSON_GetObjectItemCaseSensitive(data, "U") != NULL) {
        add_diff(s, data);
    }
    cJSON_Delete(root);
}

/* Keeps the diffs past the snapshot and points them into the pool. */
static void finish(struct stream *s)
{
    uint64_t lid = s->snap.last_update_id;
    size_t i, k = 0;

    for (i = 0; i < s->nd; i++) {
        struct lx_book_diff d = s->d[i];

        if (s->usdm ? d.final_id < lid : d.final_id <= lid) {
            continue;
        }
        d.bids = s->pool + s->off[i];
        d.asks = d.bids + d.nbids;
        s->nlevels += d.nbids + d.nasks;
        s->d[k++] = d;
    }
    s->nd = k;
}

static bool load_stream(struct stream *s, const char *rel, bool usdm)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024], *buf, *line, *end;
    size_t n = 0;

    memset(s, 0, sizeof(*s));
    s->usdm = usdm;
    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, rel);
    buf = read_file(path, &n);
    if (buf == NULL) {
        return false;
    }
    for (line = buf; line < buf + n; line = end + 1) {
        const char *json;

        end = memchr(line, '\n', (size_t)(buf + n - line));
        end = end != NULL ? end : buf + n;
        json = memchr(line, ' ', (size_t)(end - line));
        if (json != NULL) {
            on_line(s, json + 1, (size_t)(end - json - 1));
        }
    }
    lx__free(NULL, buf);
    finish(s);
    return true;
}

static void free_stream(struct stream *s)
{
    lx__free(NULL, s->d);
    lx__free(NULL, s->off);
    lx__free(NULL, s->pool);
    lx__free(NULL, s->snaplv);
}

/* ---- The reference: decimals, best first, linear scan ------------------- */

struct ref_side {
    struct lx_book_level *v;
    size_t n, cap;
};

struct ref {
    struct ref_side s[2];
};

/* True when price a sorts before b on the side (better). */
static bool ref_before(int side, struct lx_decimal a, struct lx_decimal b)
{
    int c = lx_decimal_cmp(a, b);

    return side == 0 ? c > 0 : c < 0;
}

static void ref_set(struct ref_side *r, int side, const struct lx_book_level *l)
{
    size_t i = 0;

    while (i < r->n && ref_before(side, r->v[i].price, l->price)) {
        i++;
    }
    if (i < r->n && lx_decimal_eq(r->v[i].price, l->price)) {
        if (lx_decimal_is_zero(l->qty)) {
            memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(*r->v));
            r->n--;
        } else {
            r->v[i].qty = l->qty;
        }
        return;
    }
    if (lx_decimal_is_zero(l->qty)) {
        return;
    }
    r->v = grow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
    memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
    r->v[i] = *l;
    r->n++;
}

static void ref_load(struct ref *r, const struct lx_book_snapshot *sn)
{
    r->s[0].n = r->s[1].n = 0;
    r->s[0].v = grow(r->s[0].v, &r->s[0].cap, sn->nbids, sizeof(*sn->bids));
    r->s[1].v = grow(r->s[1].v, &r->s[1].cap, sn->nasks, sizeof(*sn->asks));
    memcpy(r->s[0].v, sn->bids, sn->nbids * sizeof(*sn->bids));
    memcpy(r->s[1].v, sn->asks, sn->nasks * sizeof(*sn->asks));
    r->s[0].n = sn->nbids;
    r->s[1].n = sn->nasks;
}

static void ref_apply(struct ref *r, const struct lx_book_diff *d)
{
    size_t i;

    for (i = 0; i < d->nbids; i++) {
        ref_set(&r->s[0], 0, &d->bids[i]);
    }
    for (i = 0; i < d->nasks; i++) {
        ref_set(&r->s[1], 1, &d->asks[i]);
    }
}

/*
 * ---- A second reference: one flat sorted int64 array per side -----------
 *
 * lx_book's own first design (ticks and lots, best level last, bisection,
 * memmove over the whole tail), kept here to show what the blocked layout
 * buys on the same stream. Levels arrive at the grid's scale (the samples
 * are written that way), so conversion is taking the mantissa.
 */
struct flat_side {
    int64_t *key;
    int64_t *lots;
    size_t n, cap;
};

struct flat {
    struct flat_side s[2];
};

static size_t flat_find(const int64_t *v, size_t n, int64_t k)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (v[mid] < k) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void flat_set(struct flat_side *f, int64_t key, int64_t lots)
{
    size_t i = flat_find(f->key, f->n, key), c = f->cap;

    if (i < f->n && f->key[i] == key) {
        if (lots != 0) {
            f->lots[i] = lots;
            return;
        }
        memmove(&f->key[i], &f->key[i + 1], (f->n - i - 1) * sizeof(*f->key));
        memmove(&f->lots[i], &f->lots[i + 1],
                (f->n - i - 1) * sizeof(*f->lots));
        f->n--;
        return;
    }
    if (lots == 0) {
        return;
    }
    f->key = grow(f->key, &c, f->n + 1, sizeof(*f->key));
    f->lots = grow(f->lots, &f->cap, f->n + 1, sizeof(*f->lots));
    memmove(&f->key[i + 1], &f->key[i], (f->n - i) * sizeof(*f->key));
    memmove(&f->lots[i + 1], &f->lots[i], (f->n - i) * sizeof(*f->lots));
    f->key[i] = key;
    f->lots[i] = lots;
    f->n++;
}

static void flat_level(struct flat *f, int side, const struct lx_book_level *l)
{
    flat_set(&f->s[side], side == 0 ? l->price.m : -l->price.m, l->qty.m);
}

static void flat_load(struct flat *f, const struct lx_book_snapshot *sn)
{
    size_t i;

    f->s[0].n = f->s[1].n = 0;
    for (i = 0; i < sn->nbids; i++) {
        flat_level(f, 0, &sn->bids[i]);
    }
    for (i = 0; i < sn->nasks; i++) {
        flat_level(f, 1, &sn->asks[i]);
    }
}

static void flat_apply(struct flat *f, const struct lx_book_diff *d)
{
    size_t i;

    for (i = 0; i < d->nbids; i++) {
        flat_level(f, 0, &d->bids[i]);
    }
    for (i = 0; i < d->nasks; i++) {
        flat_level(f, 1, &d->asks[i]);
    }
}

static void flat_free(struct flat *f)
{
    int i;

    for (i = 0; i < 2; i++) {
        lx__free(NULL, f->s[i].key);
        lx__free(NULL, f->s[i].lots);
    }
}

/* ---- Timing ------------------------------------------------------------- */

enum impl { IMPL_BOOK, IMPL_SYNC, IMPL_FLAT, IMPL_REF };

/* Pass times of one implementation: the median and the fastest. */
struct result {
    size_t passes;
    int64_t median;
    int64_t best;
};

static volatile uint64_t sink;

static void fail(const char *what, int rc)
{
    fprintf(stderr, "bench_book: %s: %s\n", what, lx_err_name(rc));
    exit(1);
}

struct impls {
    struct lx_book *book;
    struct lx_book_sync *sync;
    struct flat flat;
    struct ref ref;
};

/* The untimed part of a pass: every implementation starts from the
 * snapshot. */
static void load(const struct stream *s, enum impl impl, struct impls *x)
{
    int rc;

    switch (impl) {
    case IMPL_BOOK:
        if ((rc = lx_book_load(x->book, &s->snap)) != LX_OK) {
            fail("load", rc);
        }
        break;
    case IMPL_SYNC:
        lx_book_sync_reset(x->sync);
        if ((rc = lx_book_sync_snapshot(x->sync, &s->snap)) != LX_OK) {
            fail("snapshot", rc);
        }
        break;
    case IMPL_FLAT:
        flat_load(&x->flat, &s->snap);
        break;
    case IMPL_REF:
        ref_load(&x->ref, &s->snap);
        break;
    }
}

/* One timed pass: every diff of the stream, after an untimed load. */
static int64_t pass(const struct stream *s, enum impl impl, struct impls *x)
{
    int64_t t0;
    size_t i;
    int rc = LX_OK;

    load(s, impl, x);
    t0 = bench_now_ns();
    for (i = 0; i < s->nd; i++) {
        const struct lx_book_diff *d = &s->d[i];

        switch (impl) {
        case IMPL_BOOK:
            rc = lx_book_update(x->book, d->bids, d->nbids, d->asks, d->nasks);
            break;
        case IMPL_SYNC:
            rc = lx_book_sync_diff(x->sync, d, NULL);
            break;
        case IMPL_FLAT:
            flat_apply(&x->flat, d);
            break;
        case IMPL_REF:
            ref_apply(&x->ref, d);
            break;
        }
        if (rc != LX_OK) {
            fail("apply", rc);
        }
    }
    t0 = bench_now_ns() - t0;
    sink += x->flat.s[0].n + x->ref.s[0].n;
    return t0;
}

#define MAX_PASSES 4096

/*
 * Times the implementations in interleaved rounds (one pass each per
 * round), so a burst of load on the shared machine hits all of them
 * alike, and keeps the median pass of each. The slow naive reference runs
 * its own few passes first.
 */
static void run_all(const struct stream *s, struct impls *x, struct result r[4])
{
    static int64_t t[4][MAX_PASSES];
    size_t n[4] = {0, 0, 0, 0};
    int64_t spent = 0;
    int k;

    while ((spent < SLICE_NS || n[IMPL_REF] < 3) && n[IMPL_REF] < MAX_PASSES) {
        t[IMPL_REF][n[IMPL_REF]] = pass(s, IMPL_REF, x);
        spent += t[IMPL_REF][n[IMPL_REF]++];
    }
    for (spent = 0; spent < 3 * SLICE_NS && n[0] < MAX_PASSES;) {
        for (k = IMPL_BOOK; k <= IMPL_FLAT; k++) {
            t[k][n[k]] = pass(s, (enum impl)k, x);
            spent += t[k][n[k]++];
        }
    }
    for (k = 0; k < 4; k++) {
        r[k].passes = n[k];
        r[k].median = bench_percentile(t[k], n[k], 50.0, 0);
        r[k].best = bench_percentile(t[k], n[k], 0.0, 1);
    }
}

/* Both books must hold the same levels after a full replay. */
static void same_book(const struct lx_book *b, const struct ref *r)
{
    struct lx_book_level l;
    size_t i;
    int side;

    for (side = 0; side < 2; side++) {
        if (lx_book_depth(b, (enum lx_book_side)side) != r->s[side].n) {
            fprintf(stderr, "bench_book: depth differs from reference\n");
            exit(1);
        }
        for (i = 0; i < r->s[side].n; i++) {
            if (lx_book_level_at(b, (enum lx_book_side)side, i, &l) != LX_OK ||
                !lx_decimal_eq(l.price, r->s[side].v[i].price) ||
                !lx_decimal_eq(l.qty, r->s[side].v[i].qty)) {
                fprintf(stderr, "bench_book: level differs from reference\n");
                exit(1);
            }
        }
    }
}

/* Figures from the median pass; the fastest is printed too. */
static void row(const char *name, const struct stream *s, struct result r,
                struct result ref)
{
    double ns_diff = (double)r.median / (double)s->nd;
    double per_level = (double)r.median / (double)s->nlevels;

    printf("%-20s %6zu %10.1f %9.1f %10.2f %10.1f %8.3f\n", name, r.passes,
           ns_diff, per_level, 1e3 / per_level, (double)r.best / (double)s->nd,
           (double)r.median / (double)ref.median);
}

static void bench_stream(const char *title, struct stream *sp)
{
    struct stream s = *sp;
    bool usdm = s.usdm;
    struct impls x;
    struct result r[4];
    int rc;

    memset(&x, 0, sizeof(x));
    if ((rc = lx_book_new(&x.book, NULL, NULL)) != LX_OK ||
        (rc = lx_book_sync_new(&x.sync, NULL,
                               usdm ? LX_BOOK_RULES_BINANCE_USDM
                                    : LX_BOOK_RULES_BINANCE_SPOT,
                               NULL)) != LX_OK) {
        fail("new", rc);
    }
    run_all(&s, &x, r);
    same_book(x.book, &x.ref);
    same_book(lx_book_sync_book(x.sync), &x.ref);
    if (x.flat.s[0].n != x.ref.s[0].n || x.flat.s[1].n != x.ref.s[1].n) {
        fprintf(stderr, "bench_book: flat reference differs\n");
        exit(1);
    }
    printf("\n%s: snapshot %zu+%zu levels, %zu diffs, %zu level changes "
           "(%.1f per diff)\n",
           title, s.snap.nbids, s.snap.nasks, s.nd, s.nlevels,
           (double)s.nlevels / (double)s.nd);
    printf("final book: %zu bids, %zu asks\n", x.ref.s[0].n, x.ref.s[1].n);
    printf("impl                 passes    ns/diff  ns/level  Mlevels/s  "
           "best ns/d    ratio\n");
    row("lx_book_update", &s, r[IMPL_BOOK], r[IMPL_REF]);
    row("lx_book_sync_diff", &s, r[IMPL_SYNC], r[IMPL_REF]);
    row("flat sorted ticks", &s, r[IMPL_FLAT], r[IMPL_REF]);
    row("reference (naive)", &s, r[IMPL_REF], r[IMPL_REF]);
    lx_book_free(x.book);
    lx_book_sync_free(x.sync);
    flat_free(&x.flat);
    lx__free(NULL, x.ref.s[0].v);
    lx__free(NULL, x.ref.s[1].v);
    free_stream(&s);
}

static void bench_file(const char *title, const char *rel, bool usdm)
{
    struct stream s;

    if (!load_stream(&s, rel, usdm)) {
        printf("\n%s: %s not found, skipped\n", title, rel);
        return;
    }
    bench_stream(title, &s);
}

/*
 * A deeper book than the samples have: 5000 levels a side on every other
 * tick, then 2000 diffs of 25 changes whose depth follows the samples'
 * mix (22% in the top 10, 45% in 10..100, 22% in 100..500, 11% beyond)
 * and of which 40% are removals. Fixed seed, so every run is the same.
 */
#define SYN_DEPTH 5000
#define SYN_MID   1000000

static struct lx_book_level syn_level(int side, int64_t depth, int64_t lots)
{
    struct lx_book_level l;
    int64_t t = side == 0 ? SYN_MID - 1 - depth : SYN_MID + 1 + depth;

    l.price = lx_decimal_from_i64(t, 2);
    l.qty = lx_decimal_from_i64(lots, 3);
    return l;
}

static int64_t syn_depth(struct lx_rng *r)
{
    uint64_t p = lx_rng_below(r, 100);

    if (p < 22) {
        return lx_rng_range(r, 0, 19);
    }
    if (p < 67) {
        return lx_rng_range(r, 20, 199);
    }
    return p < 89 ? lx_rng_range(r, 200, 999) : lx_rng_range(r, 1000, 9999);
}

static void make_synthetic(struct stream *s)
{
    struct lx_rng r;
    size_t i, j, n = 0, cap = 0;

    memset(s, 0, sizeof(*s));
    lx_rng_seed(&r, 42);
    s->snaplv = grow(NULL, &cap, 2 * SYN_DEPTH, sizeof(*s->snaplv));
    for (i = 0; i < 2 * SYN_DEPTH; i++) {
        s->snaplv[n++] = syn_level(i < SYN_DEPTH ? 0 : 1,
                                   2 * (int64_t)(i % SYN_DEPTH), 1000);
    }
    s->snap = (struct lx_book_snapshot){1000, s->snaplv, SYN_DEPTH,
                                        s->snaplv + SYN_DEPTH, SYN_DEPTH};
    for (i = 0; i < 2000; i++) {
        struct lx_book_diff *d;
        size_t dc = s->dcap;

        s->d = grow(s->d, &s->dcap, s->nd + 1, sizeof(*s->d));
        s->off = grow(s->off, &dc, s->nd + 1, sizeof(*s->off));
        s->pool = grow(s->pool, &s->poolcap, s->npool + 25, sizeof(*s->pool));
        d = &s->d[s->nd];
        memset(d, 0, sizeof(*d));
        d->first_id = d->final_id = 1001 + i;
        d->nbids = 12;
        d->nasks = 13;
        s->off[s->nd++] = s->npool;
        for (j = 0; j < 25; j++) {
            int64_t lots =
                lx_rng_below(&r, 10) < 4 ? 0 : lx_rng_range(&r, 1, 9999);

            s->pool[s->npool++] =
                syn_level(j < 12 ? 0 : 1, syn_depth(&r), lots);
        }
    }
    finish(s);
}

int main(void)
{
    struct stream syn;

    printf("lx_book apply throughput on Binance depth streams (median of "
           "interleaved passes, %.1f s per case; ratio = median over the "
           "naive reference's, below 1 is faster)\n",
           4 * (double)SLICE_NS / 1e9);
    bench_file("Binance spot BTCUSDT depth@100ms",
               "binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
               false);
    bench_file("Binance USD-M BTCUSDT depth@0ms",
               "binance-usdm/hftbacktest/btcusdt_20240718.txt", true);
    make_synthetic(&syn);
    bench_stream("Synthetic deep book (5000 levels a side, fixed seed)", &syn);
    return 0;
}
