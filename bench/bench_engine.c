/*
 * bench_engine.c - throughput and latency of the matching engine, with the
 * slow reference engine (tests/unit/engine_ref.c: flat array, O(n) scans)
 * measured on the same operations in the same run.
 *
 * 1. The exchange-core mix: 9% GTC limit, 3% IOC, 6% cancel, 82% move
 *    (amend to a new price, losing priority) on one book holding about
 *    1,000 resting orders, prices random-walking.
 * 2. A Liquibook-style insert test: GTC limit orders on both sides drawn
 *    from one overlapping price band, so a large share trades on arrival.
 * 3. The exchange-core ops again on a linear perpetual book (margin
 *    reservations, positions, POSITION events): throughput only.
 *
 * The operation list is generated once by driving an engine (so cancels
 * and moves name live orders), then replayed into fresh engines: one timed
 * as a whole (throughput), one timed per operation (latency percentiles).
 * Because the engine is deterministic the replays produce the same log
 * hash as the generating run; the bench checks that. Events are drained
 * after every operation, as the mock does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"
#include "engine/engine.h"
#include "engine/engine_int.h" /* record sizes for the memory table */
#include "engine_ref.h"
#include "bench_util.h"

#define NACCT      16
#define EC_RESTING 1000
#define EC_OPS     2000000
#define LB_OPS     2000000
#define REF_OPS    20000

enum { K_GTC, K_IOC, K_CANCEL, K_MOVE, K_COUNT };

static const char *const kind_name[K_COUNT] = {"gtc", "ioc", "cancel", "move"};

struct op {
    uint8_t kind, side;
    uint16_t account;
    int64_t price, qty;
    uint64_t id; /* the order made (GTC/IOC) or named (cancel/move) */
};

static struct op *ops;
static int64_t *lat;
static uint64_t last_id; /* order id of the last GTC/IOC run_op made */
static bool g_perp;      /* make(): a linear perp book instead of spot */

static struct lx_engine *make(uint32_t max_orders)
{
    struct lx_eng_config cfg = {max_orders, NACCT, 2, 1, 1024};
    struct lx_eng_instrument_spec is = {0};
    struct lx_engine *e = NULL;
    uint32_t id, a;

    if (lx__engine_new(&e, NULL, &cfg) != LX_OK) {
        return NULL;
    }
    if (lx__engine_add_asset(e, 2, &id) != LX_OK ||
        lx__engine_add_asset(e, 2, &id) != LX_OK) {
        goto err;
    }
    is.base = 0;
    is.quote = 1;
    is.tick_size = lx_decimal_from_i64(1, 0);
    is.lot_size = lx_decimal_from_i64(1, 0);
    if (g_perp) {
        is.kind = LX_ENG_PERP;
        is.max_leverage = 125;
    }
    if (lx__engine_add_instrument(e, &is, &id) != LX_OK) {
        goto err;
    }
    for (a = 0; a < NACCT; a++) {
        struct lx_eng_account_spec as = {lx_decimal_from_i64(-1, 4),
                                         lx_decimal_from_i64(5, 4), 0, false};

        if (lx__engine_add_account(e, &as, &id) != LX_OK ||
            lx__engine_deposit(e, a, 0, INT64_C(1) << 52, 0) != LX_OK ||
            lx__engine_deposit(e, a, 1, INT64_C(1) << 58, 0) != LX_OK) {
            goto err;
        }
    }
    lx__engine_events_clear(e);
    return e;
err:
    lx__engine_free(e);
    return NULL;
}

static void ref_make(struct ref_engine *r, struct ref_order *o, uint32_t cap)
{
    uint32_t a;

    ref_init(r, o, cap);
    r->k = 100;
    r->l = 100;
    r->naccounts = 8;
    for (a = 0; a < 8; a++) {
        r->maker_e8[a] = -10000;
        r->taker_e8[a] = 50000;
        r->bal[a][0][0] = INT64_C(1) << 52;
        r->bal[a][1][0] = INT64_C(1) << 58;
    }
}

/* Runs one recorded op on the engine. */
static inline void run_op(struct lx_engine *e, const struct op *o, int64_t t)
{
    struct lx_eng_result res;
    struct lx_eng_order_req r;

    switch (o->kind) {
    case K_GTC:
    case K_IOC:
        memset(&r, 0, sizeof(r));
        r.account = o->account;
        r.side = o->side;
        r.type = LX_ENG_LIMIT;
        r.tif = o->kind == K_GTC ? LX_ENG_GTC : LX_ENG_IOC;
        r.price = o->price;
        r.qty = o->qty;
        r.time = t;
        lx__engine_submit(e, &r, &res);
        last_id = res.order_id;
        break;
    case K_CANCEL:
        lx__engine_cancel(e, o->account, o->id, NULL, 0, t, &res);
        break;
    default:
        lx__engine_amend(e, o->account, o->id, o->price, o->qty, t, &res);
        break;
    }
    lx__engine_events_clear(e);
}

static void run_ref(struct ref_engine *r, const struct op *o)
{
    struct lx_eng_result res;
    struct lx_eng_order_req q;

    switch (o->kind) {
    case K_GTC:
    case K_IOC:
        memset(&q, 0, sizeof(q));
        q.account = o->account % 8;
        q.side = o->side;
        q.type = LX_ENG_LIMIT;
        q.tif = o->kind == K_GTC ? LX_ENG_GTC : LX_ENG_IOC;
        q.price = o->price;
        q.qty = o->qty;
        ref_submit(r, &q, o->id, &res);
        break;
    case K_CANCEL:
        ref_cancel(r, o->account % 8, o->id, NULL, 0, &res);
        break;
    default:
        ref_amend(r, o->account % 8, o->id, o->price, o->qty, &res);
        break;
    }
}

/* ---- Generators -----------------------------------------------------------
 */

struct live {
    uint64_t *id;
    size_t n;
};

/* A random live order (dropping dead ones on the way); 0 if none. */
static uint64_t pick(struct lx_engine *e, struct live *lv, struct lx_rng *g,
                     struct lx_eng_order_info *info)
{
    while (lv->n > 0) {
        size_t i = lx_rng_below(g, lv->n);

        if (lx__engine_order(e, lv->id[i], info) == LX_OK) {
            return lv->id[i];
        }
        lv->id[i] = lv->id[--lv->n];
    }
    return 0;
}

static int64_t passive_price(struct lx_rng *g, int side, int64_t mid)
{
    int64_t off = (int64_t)lx_rng_below(g, 40);

    if (lx_rng_below(g, 50) == 0) {
        off = -(int64_t)lx_rng_below(g, 3); /* crosses a little */
    }
    return side == LX_ENG_BUY ? mid - 1 - off : mid + 1 + off;
}

static size_t open_total(const struct lx_engine *e)
{
    size_t n = 0;
    uint32_t a;

    for (a = 0; a < NACCT; a++) {
        n += lx__engine_open_orders(e, a);
    }
    return n;
}

/* The kind of the next op: the mix, held near EC_RESTING open orders. */
static int next_kind(const struct lx_engine *e, struct lx_rng *g, size_t i)
{
    uint64_t roll = i < EC_RESTING ? 0 : lx_rng_below(g, 100);
    int kind = roll < 9    ? K_GTC
               : roll < 12 ? K_IOC
               : roll < 18 ? K_CANCEL
                           : K_MOVE;

    if (kind == K_GTC && open_total(e) > EC_RESTING) {
        kind = K_CANCEL;
    } else if (kind == K_CANCEL && open_total(e) < EC_RESTING) {
        kind = K_GTC;
    }
    return kind;
}

/* Fills in one op for the generating engine e; mid is the fair price. */
static void gen_op(struct lx_engine *e, struct live *lv, struct lx_rng *g,
                   int64_t mid, struct op *o, size_t i)
{
    struct lx_eng_order_info info;

    memset(o, 0, sizeof(*o));
    o->account = (uint16_t)lx_rng_below(g, NACCT);
    o->side = (uint8_t)lx_rng_below(g, 2);
    o->kind = (uint8_t)next_kind(e, g, i);
    if (o->kind == K_CANCEL || o->kind == K_MOVE) {
        o->id = pick(e, lv, g, &info);
        if (o->id == 0) {
            o->kind = K_GTC;
        } else {
            o->account = (uint16_t)info.account;
            o->side = info.side;
            o->qty = info.orig_qty;
            o->price = passive_price(g, o->side, mid);
        }
    }
    if (o->kind == K_GTC) {
        o->price = passive_price(g, o->side, mid);
        o->qty = 1 + (int64_t)lx_rng_below(g, 100);
    } else if (o->kind == K_IOC) {
        o->price = o->side == LX_ENG_BUY ? mid + 5 : mid - 5;
        o->qty = 1 + (int64_t)lx_rng_below(g, 50);
    }
}

/*
 * Generates n ops of the exchange-core mix by running them on an engine,
 * so cancels and moves name orders that are open at that point.
 */
static int gen_exchange_core(struct op *out, size_t n, uint64_t *hash)
{
    struct lx_engine *e = make(1u << 16);
    struct live lv = {lx__calloc(NULL, n + EC_RESTING, sizeof(uint64_t)), 0};
    struct lx_rng g;
    int64_t mid = 100000;
    size_t i;

    if (e == NULL || lv.id == NULL) {
        lx__engine_free(e);
        lx__free(NULL, lv.id);
        return -1;
    }
    lx_rng_seed(&g, 2024);
    for (i = 0; i < n; i++) {
        if (lx_rng_below(&g, 8) == 0) {
            mid += lx_rng_below(&g, 2) ? 1 : -1;
        }
        gen_op(e, &lv, &g, mid, &out[i], i);
        run_op(e, &out[i], (int64_t)i);
        if (out[i].kind == K_GTC || out[i].kind == K_IOC) {
            /* The id the engine gave: ids are deterministic. */
            out[i].id = last_id;
            if (out[i].kind == K_GTC && lx__engine_order_open(e, last_id)) {
                lv.id[lv.n++] = last_id;
            }
        }
    }
    *hash = lx__engine_log_hash(e);
    lx__free(NULL, lv.id);
    lx__engine_free(e);
    return 0;
}

static void gen_liquibook(struct op *out, size_t n)
{
    struct lx_rng g;
    size_t i;

    lx_rng_seed(&g, 1880);
    for (i = 0; i < n; i++) {
        out[i].kind = K_GTC;
        out[i].account = (uint16_t)lx_rng_below(&g, NACCT);
        out[i].side = (uint8_t)lx_rng_below(&g, 2);
        out[i].price = 1880 + (int64_t)lx_rng_below(&g, 21);
        out[i].qty = 1 + (int64_t)lx_rng_below(&g, 100);
        out[i].id = 0;
    }
}

/* ---- Measurement ----------------------------------------------------------
 */

struct result {
    double mops;     /* per wall-clock second */
    double cpu_mops; /* per second of this thread's CPU time */
    uint64_t hash;
    size_t resting;
};

/*
 * This thread's CPU time: on a shared machine it leaves out the time the
 * thread was not running, which wall-clock figures cannot.
 */
static int64_t cpu_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t resting_orders(struct lx_engine *e)
{
    return lx__engine_list_orders(e, 0, NULL, 0);
}

static int throughput(const struct op *o, size_t warm, size_t n,
                      uint32_t max_orders, struct result *out)
{
    struct lx_engine *e = make(max_orders);
    int64_t t0, t1, c0, c1;
    size_t i;

    if (e == NULL) {
        return -1;
    }
    for (i = 0; i < warm; i++) {
        run_op(e, &o[i], (int64_t)i);
    }
    c0 = cpu_now_ns();
    t0 = bench_now_ns();
    for (i = warm; i < n; i++) {
        run_op(e, &o[i], (int64_t)i);
    }
    t1 = bench_now_ns();
    c1 = cpu_now_ns();
    out->mops = (double)(n - warm) * 1e3 / (double)(t1 - t0);
    out->cpu_mops = (double)(n - warm) * 1e3 / (double)(c1 - c0);
    out->hash = lx__engine_log_hash(e);
    out->resting = resting_orders(e);
    lx__engine_free(e);
    return 0;
}

/* Sorts v and prints count, p50, p99, p99.99 and max. */
static void row(const char *test, const char *op, int64_t *v, size_t n)
{
    int64_t p50, p99, p9999;

    p50 = bench_percentile(v, n, 50, 0);
    p99 = bench_percentile(v, n, 99, 1);
    p9999 = bench_percentile(v, n, 99.99, 1);
    printf("%-14s %-7s %9zu %8lld %8lld %8lld %8lld\n", test, op, n,
           (long long)p50, (long long)p99, (long long)p9999,
           (long long)v[n - 1]);
}

/* Per-op latency, grouped by kind; prints one row per kind. */
/* Best of RUNS (shared machines are noisy); hashes must agree. */
#define RUNS 3

static int best_of(const struct op *o, size_t warm, size_t n,
                   uint32_t max_orders, struct result *out)
{
    struct result r;
    int i;

    for (i = 0; i < RUNS; i++) {
        if (throughput(o, warm, n, max_orders, &r) != 0 ||
            (i > 0 && r.hash != out->hash)) {
            return -1;
        }
        if (i == 0 || r.mops > out->mops) {
            double cpu = i == 0 ? 0 : out->cpu_mops;

            *out = r;
            out->cpu_mops = cpu > r.cpu_mops ? cpu : r.cpu_mops;
        } else if (r.cpu_mops > out->cpu_mops) {
            out->cpu_mops = r.cpu_mops;
        }
    }
    return 0;
}

/* The cost of the two clock reads around each timed operation. */
static int64_t clock_cost(void)
{
    int64_t v[10001], t0;
    size_t i;

    for (i = 0; i < LX_ARRAY_LEN(v); i++) {
        t0 = bench_now_ns();
        v[i] = bench_now_ns() - t0;
    }
    return bench_percentile(v, LX_ARRAY_LEN(v), 50, 0);
}

static int latency(const char *test, const struct op *o, size_t warm, size_t n,
                   uint32_t max_orders)
{
    struct lx_engine *e = make(max_orders);
    size_t cnt[K_COUNT] = {0}, i, k, base = 0;
    int64_t *by[K_COUNT];

    if (e == NULL) {
        return -1;
    }
    for (i = 0; i < warm; i++) {
        run_op(e, &o[i], (int64_t)i);
    }
    for (i = warm; i < n; i++) {
        cnt[o[i].kind]++;
    }
    for (k = 0; k < K_COUNT; k++) {
        by[k] = lat + base;
        base += cnt[k];
        cnt[k] = 0;
    }
    for (i = warm; i < n; i++) {
        int64_t t0 = bench_now_ns();

        run_op(e, &o[i], (int64_t)i);
        by[o[i].kind][cnt[o[i].kind]++] = bench_now_ns() - t0;
    }
    for (k = 0; k < K_COUNT; k++) {
        if (cnt[k] > 0) {
            row(test, kind_name[k], by[k], cnt[k]);
        }
    }
    row(test, "all", lat, n - warm);
    lx__engine_free(e);
    return 0;
}

static double ref_mops(const struct op *o, size_t warm, size_t n)
{
    static struct ref_order ro[1 << 16];
    static struct ref_engine r;
    int64_t t0, t1;
    size_t i;

    ref_make(&r, ro, 1 << 16);
    for (i = 0; i < warm; i++) {
        run_ref(&r, &o[i]);
    }
    t0 = bench_now_ns();
    for (i = warm; i < n; i++) {
        run_ref(&r, &o[i]);
    }
    t1 = bench_now_ns();
    return (double)(n - warm) * 1e3 / (double)(t1 - t0);
}

static int print_memory(void)
{
    struct lx_engine *e = make(1u << 16);
    size_t node, per_order, per_level, total;
    /* A client id: its record and, at most half full, two table entries. */
    size_t cid = sizeof(struct eng_cid) + 2 * sizeof(uint32_t);

    if (e == NULL) {
        return -1;
    }
    total = lx__engine_memory(e, &node, &per_order, &per_level);
    bench_header("memory per resting order", "item                         "
                                             "                   bytes");
    printf("%-44s %6zu\n", "order node (all the matching loop touches)", node);
    printf("%-44s %6zu\n", "plain GTC limit order, no client id", per_order);
    printf("%-44s %6zu\n", "plain GTC limit order, 16-byte client id",
           per_order + cid);
    printf("%-44s %6zu\n", "stop order (side record), no client id",
           per_order + sizeof(struct eng_hot) + sizeof(struct eng_cold));
    printf("%-44s %6zu\n", "price level incl. its index entries", per_level);
    printf("%-44s %6.0f\n", "allocated / slot, 65536-slot engine",
           (double)total / 65536.0);
    lx__engine_free(e);
    return 0;
}

/* For profilers (--throughput): the timed exchange-core loop, 5 times. */
static int profile_mode(void)
{
    struct result ec;
    int i;

    for (i = 0; i < 5; i++) {
        if (throughput(ops, EC_RESTING, EC_OPS, 1u << 16, &ec) != 0) {
            return 1;
        }
        printf("exchange-core mix %.2f Mops/s (%.2f per CPU second)\n", ec.mops,
               ec.cpu_mops);
    }
    return 0;
}

static void print_throughput(const struct result *ec, double ec_ref,
                             const struct result *lb, double lb_ref)
{
    bench_header("throughput (Mops/s, best of 3, per wall second and per "
                 "CPU second of the thread; reference = slow O(n) engine, "
                 "first 20k ops; ratio = engine wall / reference wall)",
                 "test                 wall Mops/s   CPU Mops/s   reference"
                 "      ratio   resting");
    printf("%-20s %12.2f %12.2f %11.3f %10.0f %9zu\n", "exchange-core mix",
           ec->mops, ec->cpu_mops, ec_ref, ec->mops / ec_ref, ec->resting);
    printf("%-20s %12.2f %12.2f %11.3f %10.0f %9zu\n", "liquibook insert",
           lb->mops, lb->cpu_mops, lb_ref, lb->mops / lb_ref, lb->resting);
}

int main(int argc, char **argv)
{
    struct result ec, lb, pp;
    uint64_t gen_hash;
    int rc = 1;

    ops = lx__calloc(NULL, EC_OPS + LB_OPS, sizeof(*ops));
    lat = lx__calloc(NULL, EC_OPS + LB_OPS, sizeof(*lat));
    if (ops == NULL || lat == NULL ||
        gen_exchange_core(ops, EC_OPS, &gen_hash) != 0) {
        fprintf(stderr, "bench_engine: setup failed\n");
        goto out;
    }
    gen_liquibook(ops + EC_OPS, LB_OPS);
    if (argc > 1 && strcmp(argv[1], "--throughput") == 0) {
        /* --throughput perp: the same ops on the perp book. */
        g_perp = argc > 2 && strcmp(argv[2], "perp") == 0;
        rc = profile_mode();
        goto out;
    }
    if (best_of(ops, EC_RESTING, EC_OPS, 1u << 16, &ec) != 0 ||
        best_of(ops + EC_OPS, 0, LB_OPS, 1u << 20, &lb) != 0 ||
        ec.hash != gen_hash) {
        fprintf(stderr, "bench_engine: replay not deterministic\n");
        goto out;
    }
    printf("matching engine: one book, one core; ops generated once and "
           "replayed (same log hash as the generating run)\n");
    print_throughput(&ec, ref_mops(ops, EC_RESTING, EC_RESTING + REF_OPS), &lb,
                     ref_mops(ops + EC_OPS, 0, REF_OPS));
    /* The same exchange-core ops on a perp book (margin, positions). */
    g_perp = true;
    if (best_of(ops, EC_RESTING, EC_OPS, 1u << 16, &pp) != 0) {
        fprintf(stderr, "bench_engine: perp replay not deterministic\n");
        goto out;
    }
    g_perp = false;
    printf("%-20s %12.2f %12.2f %11s %10s %9zu\n", "exchange-core (perp)",
           pp.mops, pp.cpu_mops, "-", "-", pp.resting);
    printf("\nlatency per operation (ns; each figure includes two clock "
           "reads, %lld ns at p50)\n",
           (long long)clock_cost());
    printf("test           op          count      p50      p99   "
           "p99.99      max\n");
    if (latency("exchange-core", ops, EC_RESTING, EC_OPS, 1u << 16) != 0 ||
        latency("liquibook", ops + EC_OPS, 0, LB_OPS, 1u << 20) != 0 ||
        print_memory() != 0) {
        goto out;
    }
    rc = 0;
out:
    lx__free(NULL, ops);
    lx__free(NULL, lat);
    return rc;
}
