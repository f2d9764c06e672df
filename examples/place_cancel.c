/*
 * place_cancel.c - example: one order's whole life through lx_exchange,
 * one step at a time, each printed.
 *
 *   place_cancel [--url http://127.0.0.1:PORT] [--symbol BTCUSDT]
 *                [--side buy|sell] [--away-pct 10] [--qty Q]
 *
 * Steps: load the markets (tick size, lot step, minimum notional), read
 * the book, place a LIMIT GTC order --away-pct percent away from the best
 * price on its side (rounded to the tick, away from the market, so it
 * rests), see it among the open orders, query it by its client id,
 * cancel it by its order id, and see that it is gone. Any failure stops
 * the run with a message naming the step and exit status 1 (2 on bad
 * usage). --seconds bounds the wait for each answer (default 15). The
 * order is cancelled on every path after it was placed.
 *
 * It uses lx_exchange_run, the blocking convenience: each step starts one
 * call and runs the loop until its callback has copied what it needs
 * (results are borrowed for the callback only). Credentials come from
 * LOTUSX_BINANCE_SPOT_API_KEY / _API_SECRET or --key / --secret-file.
 */
#include <stdio.h>
#include <string.h>

#include <lotusx/lx_clock.h>
#include <lotusx/lx_decimal.h>
#include <lotusx/lx_err.h>
#include <lotusx/lx_exchange.h>

#include "example_util.h"

static const char *prog = "place_cancel";

struct app {
    struct ex_env env;
    const char *symbol;
    enum lx_side side;
    int64_t away_pct;
    const char *qty_arg;
    int64_t step_timeout_ns; /* --seconds */
    /* the step in progress */
    const char *step;
    int done;
    int err;
    /* what the callbacks copied */
    struct lx_instrument inst;
    size_t ninstruments;
    bool have_bid, have_ask;
    struct lx_decimal bid, ask;
    struct lx_order order; /* the last order answer (fills not kept) */
    size_t nopen;
    bool ours_listed;
    char order_id[LX_ORDER_ID_LEN];
    char client_id[LX_CLIENT_ID_LEN];
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options]\n\n"
            "Places a far limit order, finds it among the open orders, "
            "queries it,\ncancels it and checks it is gone, printing each "
            "step. Exit status 0 when\nevery step worked, 1 on any failure, "
            "2 on bad usage.\n\n",
            prog);
    ex_shared_usage(f, true, "longest wait for each answer (default 15)");
    fprintf(f, "  --side buy|sell    side of the order (default buy)\n"
               "  --away-pct P       percent away from the best price, 1..90 "
               "(default 10)\n"
               "  --qty Q            quantity (default: the smallest lot over "
               "twice the\n"
               "                     minimum notional)\n"
               "  --help             this text\n");
}

/* ---- one callback per kind of answer ------------------------------------ */

static bool take_error(struct app *a, const struct lx_ex_result *r)
{
    a->done = 1;
    a->err = r->err;
    if (r->err != LX_OK) {
        ex_report(prog, a->step, r);
        return true;
    }
    return false;
}

static void on_markets(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud)
{
    struct app *a = ud;
    const struct lx_instrument *in;

    if (take_error(a, r)) {
        return;
    }
    a->ninstruments = r->ninstruments;
    /* The exchange caches the last markets answer: look the symbol up. */
    in = lx_exchange_instrument(ex, a->symbol);
    if (in == NULL) {
        fprintf(stderr, "%s: %s is not among the %zu instruments\n", prog,
                a->symbol, r->ninstruments);
        a->err = LX_ERR_NOTFOUND;
        return;
    }
    a->inst = *in;
}

static void on_depth(struct lx_exchange *ex, const struct lx_ex_result *r,
                     void *ud)
{
    struct app *a = ud;

    (void)ex;
    if (take_error(a, r)) {
        return;
    }
    a->have_bid = r->depth->nbids > 0;
    a->have_ask = r->depth->nasks > 0;
    if (a->have_bid) {
        a->bid = r->depth->bids[0].price; /* best first */
    }
    if (a->have_ask) {
        a->ask = r->depth->asks[0].price;
    }
}

static void on_order(struct lx_exchange *ex, const struct lx_ex_result *r,
                     void *ud)
{
    struct app *a = ud;

    (void)ex;
    if (take_error(a, r)) {
        return;
    }
    a->order = r->orders[0];
    a->order.fills = NULL; /* arena memory, gone after the callback */
    a->order.nfills = 0;
}

static void on_open_orders(struct lx_exchange *ex, const struct lx_ex_result *r,
                           void *ud)
{
    struct app *a = ud;
    size_t i;

    (void)ex;
    if (take_error(a, r)) {
        return;
    }
    a->nopen = r->norders;
    a->ours_listed = false;
    for (i = 0; i < r->norders; i++) {
        if (strcmp(r->orders[i].order_id, a->order_id) == 0) {
            a->ours_listed = true;
        }
    }
}

/* Runs the loop until the step's callback ran; its error, or TIMEOUT. */
static int wait_step(struct app *a, const char *step, int rc)
{
    a->step = step;
    if (rc != LX_OK) {
        fprintf(stderr, "%s: %s: refused: %s\n", prog, step, lx_strerror(rc));
        return rc;
    }
    a->done = 0;
    rc = lx_exchange_run(a->env.ex, &a->done, a->step_timeout_ns);
    if (rc != LX_OK) {
        fprintf(stderr, "%s: %s: no answer: %s\n", prog, step, lx_strerror(rc));
        return rc;
    }
    return a->err;
}

/* ---- price and quantity -------------------------------------------------- */

/*
 * The order price: pct percent below the best bid (buy) or above the best
 * ask (sell), on the tick grid, rounded away from the market.
 */
static int far_price(const struct app *a, struct lx_decimal *out)
{
    struct lx_decimal ref = a->side == LX_SIDE_BUY ? a->bid : a->ask;
    int64_t factor =
        a->side == LX_SIDE_BUY ? 100 - a->away_pct : 100 + a->away_pct;
    struct lx_decimal raw;
    int rc;

    rc = lx_decimal_mul(ref, lx_decimal_from_i64(factor, 2),
                        (unsigned)ref.scale + 2, LX_ROUND_EXACT, &raw);
    if (rc == LX_OK) {
        rc = lx_decimal_round_to_step(
            raw, a->inst.tick_size,
            a->side == LX_SIDE_BUY ? LX_ROUND_FLOOR : LX_ROUND_CEIL, out);
    }
    return rc;
}

/*
 * The quantity: --qty exactly (it must be on the lot grid), or the
 * smallest lot multiple worth twice the minimum notional at price.
 */
static int order_qty(const struct app *a, struct lx_decimal price,
                     struct lx_decimal *out)
{
    const struct lx_instrument *in = &a->inst;
    struct lx_decimal want, q;
    int rc;

    if (a->qty_arg != NULL) {
        rc = lx_decimal_parse(a->qty_arg, strlen(a->qty_arg), &q);
        if (rc == LX_OK && !lx_decimal_is_zero(in->lot_step)) {
            rc = lx_decimal_round_to_step(q, in->lot_step, LX_ROUND_EXACT, &q);
        }
        if (rc != LX_OK) {
            fprintf(stderr, "%s: --qty %s is not a quantity on the lot grid\n",
                    prog, a->qty_arg);
            return rc;
        }
        *out = q;
        return LX_OK;
    }
    rc = lx_decimal_add(in->min_notional, in->min_notional, &want);
    if (rc == LX_OK) {
        rc = lx_decimal_div(want, price, in->lot_step.scale, LX_ROUND_UP, &q);
    }
    if (rc == LX_OK) {
        rc = lx_decimal_round_to_step(q, in->lot_step, LX_ROUND_UP, &q);
    }
    if (rc == LX_OK && lx_decimal_cmp(q, in->min_qty) < 0) {
        q = in->min_qty;
    }
    if (rc == LX_OK && lx_decimal_is_zero(q)) {
        q = in->lot_step;
    }
    *out = q;
    return rc;
}

/* ---- the steps ----------------------------------------------------------- */

static int step_markets(struct app *a)
{
    char t[LX_DECIMAL_STRLEN], l[LX_DECIMAL_STRLEN], n[LX_DECIMAL_STRLEN];
    int rc =
        wait_step(a, "markets", lx_exchange_markets(a->env.ex, on_markets, a));

    if (rc == LX_OK) {
        printf("markets: %zu instruments; %s tick %s lot %s min notional %s\n",
               a->ninstruments, a->symbol,
               ex_dec(a->inst.tick_size, t, sizeof(t)),
               ex_dec(a->inst.lot_step, l, sizeof(l)),
               ex_dec(a->inst.min_notional, n, sizeof(n)));
    }
    return rc;
}

static int step_book(struct app *a)
{
    char b[LX_DECIMAL_STRLEN], s[LX_DECIMAL_STRLEN];
    int rc = wait_step(a, "book",
                       lx_exchange_depth(a->env.ex, a->symbol, 5, on_depth, a));

    if (rc != LX_OK) {
        return rc;
    }
    if ((a->side == LX_SIDE_BUY && !a->have_bid) ||
        (a->side == LX_SIDE_SELL && !a->have_ask)) {
        fprintf(stderr, "%s: book: no %s to price the order from\n", prog,
                a->side == LX_SIDE_BUY ? "bid" : "ask");
        return LX_ERR_NOTFOUND;
    }
    printf("book: best bid %s, best ask %s\n",
           a->have_bid ? ex_dec(a->bid, b, sizeof(b)) : "none",
           a->have_ask ? ex_dec(a->ask, s, sizeof(s)) : "none");
    return LX_OK;
}

static int step_place(struct app *a)
{
    struct lx_order_req o;
    char p[LX_DECIMAL_STRLEN], q[LX_DECIMAL_STRLEN];
    int rc;

    memset(&o, 0, sizeof(o));
    (void)snprintf(o.symbol, sizeof(o.symbol), "%s", a->symbol);
    o.side = a->side;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_price = o.has_qty = true;
    rc = far_price(a, &o.price);
    if (rc == LX_OK) {
        rc = order_qty(a, o.price, &o.qty);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: cannot price the order: %s\n", prog,
                lx_strerror(rc));
        return rc;
    }
    /* client_id left empty: the library makes one, so a placement whose
     * outcome is unknown can be looked up (reconciled) by it. */
    printf("placing: %s %s %s @ %s (limit GTC, %lld%% away)\n",
           lx_side_name((int)o.side), ex_dec(o.qty, q, sizeof(q)), a->symbol,
           ex_dec(o.price, p, sizeof(p)), (long long)a->away_pct);
    rc = wait_step(a, "place", lx_exchange_place(a->env.ex, &o, on_order, a));
    if (rc != LX_OK) {
        return rc;
    }
    memcpy(a->order_id, a->order.order_id, sizeof(a->order_id));
    memcpy(a->client_id, a->order.client_id, sizeof(a->client_id));
    printf("placed: order %s client %s status %s\n", a->order_id, a->client_id,
           lx_order_status_name((int)a->order.status));
    if (a->order.status != LX_STATUS_NEW) {
        fprintf(stderr, "%s: place: expected a resting (new) order\n", prog);
        return LX_ERR_STATE;
    }
    return LX_OK;
}

static int step_open_orders(struct app *a, bool want_listed)
{
    int rc = wait_step(
        a, "open orders",
        lx_exchange_open_orders(a->env.ex, a->symbol, on_open_orders, a));

    if (rc != LX_OK) {
        return rc;
    }
    printf("open orders: %zu, ours %s\n", a->nopen,
           a->ours_listed ? "listed" : "gone");
    if (a->ours_listed != want_listed) {
        fprintf(stderr, "%s: open orders: order %s should be %s\n", prog,
                a->order_id, want_listed ? "listed" : "gone");
        return LX_ERR_STATE;
    }
    return LX_OK;
}

static int step_query(struct app *a)
{
    char f[LX_DECIMAL_STRLEN];
    int rc = wait_step(a, "query",
                       lx_exchange_query(a->env.ex, a->symbol, NULL,
                                         a->client_id, on_order, a));

    if (rc != LX_OK) {
        return rc;
    }
    printf("query: order %s status %s filled %s\n", a->order.order_id,
           lx_order_status_name((int)a->order.status),
           ex_dec(a->order.filled_qty, f, sizeof(f)));
    if (strcmp(a->order.order_id, a->order_id) != 0) {
        fprintf(stderr, "%s: query: got order %s, want %s\n", prog,
                a->order.order_id, a->order_id);
        return LX_ERR_STATE;
    }
    return LX_OK;
}

static int step_cancel(struct app *a)
{
    int rc = wait_step(a, "cancel",
                       lx_exchange_cancel(a->env.ex, a->symbol, a->order_id,
                                          NULL, on_order, a));

    if (rc != LX_OK) {
        return rc;
    }
    printf("cancelled: order %s status %s\n", a->order.order_id,
           lx_order_status_name((int)a->order.status));
    if (a->order.status != LX_STATUS_CANCELED) {
        fprintf(stderr, "%s: cancel: the order is %s, not canceled\n", prog,
                lx_order_status_name((int)a->order.status));
        return LX_ERR_STATE;
    }
    return LX_OK;
}

static int run_steps(struct app *a)
{
    int rc = step_markets(a);

    if (rc == LX_OK) {
        rc = step_book(a);
    }
    if (rc == LX_OK) {
        rc = step_place(a);
    }
    if (rc != LX_OK) {
        return rc;
    }
    rc = step_open_orders(a, true);
    if (rc == LX_OK) {
        rc = step_query(a);
    }
    /* Cancel even when a check failed: never leave the order behind. */
    if (step_cancel(a) != LX_OK) {
        fprintf(stderr, "%s: order %s may still be open\n", prog, a->order_id);
        return LX_ERR_STATE;
    }
    if (rc == LX_OK) {
        rc = step_open_orders(a, false);
    }
    return rc;
}

static int parse_args(int argc, char **argv, struct ex_args *args,
                      struct app *a)
{
    int i, r;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        r = ex_shared_flag(prog, argc, argv, &i, args);
        if (r < 0) {
            return 2;
        }
        if (r > 0) {
            continue;
        }
        if (strcmp(argv[i], "--side") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "buy") == 0) {
                a->side = LX_SIDE_BUY;
            } else if (strcmp(argv[i], "sell") == 0) {
                a->side = LX_SIDE_SELL;
            } else {
                fprintf(stderr, "%s: --side wants buy or sell, got '%s'\n",
                        prog, argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--away-pct") == 0 && i + 1 < argc) {
            if (!ex_parse_int(prog, "--away-pct", argv[++i], 1, 90,
                              &a->away_pct)) {
                return 2;
            }
        } else if (strcmp(argv[i], "--qty") == 0 && i + 1 < argc) {
            a->qty_arg = argv[++i];
        } else {
            fprintf(stderr, "%s: unexpected argument '%s'\n\n", prog, argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return ex_check_args(prog, args) ? -1 : 2;
}

int main(int argc, char **argv)
{
    struct ex_args args;
    struct app a;
    int rc;

    memset(&a, 0, sizeof(a));
    a.side = LX_SIDE_BUY;
    a.away_pct = 10;
    ex_args_init(&args, 15);
    rc = parse_args(argc, argv, &args, &a);
    if (rc >= 0) {
        return rc;
    }
    a.symbol = args.symbol;
    a.step_timeout_ns = args.seconds * LX_SEC;
    if (ex_open(prog, &args, true, &a.env) != LX_OK) {
        return 1;
    }
    rc = run_steps(&a);
    ex_close(&a.env);
    if (rc != LX_OK) {
        return 1;
    }
    printf("ok: order placed, listed, queried, cancelled and gone\n");
    return 0;
}
