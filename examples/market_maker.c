/*
 * market_maker.c - example: a tiny quoting loop on lx_exchange's streams.
 *
 *   market_maker [--url http://127.0.0.1:PORT] [--symbol BTCUSDT]
 *                [--seconds 10] [--ticks 5] [--qty Q] [--cross]
 *
 * It keeps one bid and one ask, --ticks ticks either side of the market's
 * mid price, and moves them when the mid moves. The mid comes from the
 * local book that lx_exchange keeps in sync (lx_exchange_watch_book),
 * leaving out our own quotes, so the quotes follow the market and not
 * themselves. Quotes are LIMIT_MAKER (post-only): a quote that would
 * cross is refused by the venue instead of taking liquidity, and the
 * next book change tries again. Fills come from the user-data stream
 * (lx_exchange_user_stream) and are printed as "fill" lines. --cross sends
 * one marketable IOC buy at the best ask before quoting starts, so a run
 * sees at least one fill even in a quiet market.
 *
 * At most one request per side is in flight: a side is NONE, PLACING,
 * LIVE or CANCELLING, and a new quote is placed only after the old one is
 * known gone. At the end (--seconds, SIGINT or SIGTERM) it stops quoting,
 * waits for the requests in flight, cancels every open order of the
 * symbol and checks that none is left. Exit status: 0 on a clean run, 1
 * when a request failed in a way a quoting loop should not ignore
 * (credentials, the venue refusing every quote, orders left open), 2 on
 * bad usage.
 *
 * It is a demonstration of the API, not a strategy: no inventory limits,
 * no risk checks, no fee awareness.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <lotusx/lx_book.h>
#include <lotusx/lx_clock.h>
#include <lotusx/lx_decimal.h>
#include <lotusx/lx_err.h>
#include <lotusx/lx_exchange.h>

#include "example_util.h"

#define MAX_FAILURES 5 /* consecutive refused requests before giving up */

static const char *prog = "market_maker";

enum qstate { Q_NONE = 0, Q_PLACING, Q_LIVE, Q_CANCELLING };

struct mm;

/* One side's quote. */
struct quote {
    struct mm *m;
    enum lx_side side;
    enum qstate st;
    bool gone; /* the stream said it ended while the answer was due */
    char order_id[LX_ORDER_ID_LEN];
    char client_id[LX_CLIENT_ID_LEN];
    struct lx_decimal price, left;
};

struct mm {
    struct ex_env env;
    const char *symbol;
    int64_t ticks;
    const char *qty_arg;
    bool cross;
    struct lx_decimal tick, lot, min_qty, min_notional;
    struct lx_decimal qty; /* each quote's size; zero until known */
    struct quote q[2];     /* [0] bid, [1] ask */
    bool synced, user_up, stopping, cross_done, cross_pending;
    int64_t mid_ticks; /* the market mid the quotes were last set for */
    unsigned long seq;
    int failures, fatal;
    int stop;     /* --seconds over or a signal: leave the main loop */
    int done;     /* a blocking step at the end has its answer */
    size_t nopen; /* from the final open-orders check */
    long placed, cancelled, fills, refused;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options]\n\n"
            "Quotes one bid and one ask TICKS ticks around the mid of "
            "SYMBOL, requotes\nwhen the mid moves, prints the fills from "
            "the user-data stream, and\ncancels everything at the end. Exit "
            "status 0 on a clean run, 1 on a\nfailure, 2 on bad usage.\n\n",
            prog);
    ex_shared_usage(f, true, "how long to quote (default 10)");
    fprintf(f, "  --ticks N          distance of each quote from the mid, "
               "1..100000 (default 5)\n"
               "  --qty Q            size of each quote (default: the smallest "
               "lot over twice\n"
               "                     the minimum notional)\n"
               "  --cross            send one marketable IOC buy before "
               "quoting\n"
               "  --help             this text\n");
}

/* ---- the market's mid, without our quotes -------------------------------- */

/* True when level is (as far as we can tell) only our own quote. */
static bool is_ours(const struct quote *q, const struct lx_book_level *lv)
{
    return q->st != Q_NONE && lx_decimal_eq(q->price, lv->price) &&
           lx_decimal_cmp(lv->qty, q->left) <= 0;
}

/* The best price of a side that is not only our quote. */
static bool market_best(const struct mm *m, const struct lx_book *b,
                        enum lx_book_side side, struct lx_decimal *out)
{
    const struct quote *q = &m->q[side == LX_BOOK_BID ? 0 : 1];
    struct lx_book_level lv;
    size_t i;

    for (i = 0; i < 4 && lx_book_level_at(b, side, i, &lv) == LX_OK; i++) {
        if (!is_ours(q, &lv)) {
            *out = lv.price;
            return true;
        }
    }
    return false;
}

/* The mid in ticks (rounded down), or false when a side is empty. */
static bool market_mid(const struct mm *m, const struct lx_book *b,
                       int64_t *mid, struct lx_decimal *ask)
{
    struct lx_decimal bid;
    int64_t bt, at;

    if (!market_best(m, b, LX_BOOK_BID, &bid) ||
        !market_best(m, b, LX_BOOK_ASK, ask) ||
        lx_decimal_to_ticks(bid, m->tick, &bt) != LX_OK ||
        lx_decimal_to_ticks(*ask, m->tick, &at) != LX_OK) {
        return false;
    }
    *mid = bt + (at - bt) / 2;
    return true;
}

/* ---- placing and cancelling ---------------------------------------------- */

static void failed(struct mm *m, const char *what, const struct lx_ex_result *r)
{
    ex_report(prog, what, r);
    if (r->err == LX_ERR_VENUE && r->venue != NULL && r->venue->code == -2010) {
        m->refused++; /* a post-only quote that would have crossed */
        return;
    }
    if (++m->failures >= MAX_FAILURES || r->err == LX_ERR_NOCREDS ||
        (r->venue != NULL &&
         (r->venue->code == -2014 || r->venue->code == -2015 ||
          r->venue->code == -1022))) {
        if (!m->fatal) {
            fprintf(stderr, "%s: giving up\n", prog);
        }
        m->fatal = 1;
        m->stop = 1;
    }
}

static void print_order_line(const char *what, const struct quote *q)
{
    char p[LX_DECIMAL_STRLEN], s[LX_DECIMAL_STRLEN];

    printf("%s %s %s @ %s (order %s)\n", what,
           q->side == LX_SIDE_BUY ? "bid" : "ask",
           ex_dec(q->left, s, sizeof(s)), ex_dec(q->price, p, sizeof(p)),
           q->order_id);
}

static void on_placed(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct quote *q = ud;
    const struct lx_order *o;

    (void)ex;
    if (r->err != LX_OK) {
        q->st = Q_NONE;
        failed(q->m, q->side == LX_SIDE_BUY ? "quote bid" : "quote ask", r);
        return;
    }
    o = &r->orders[0];
    q->m->failures = 0;
    q->m->placed++;
    memcpy(q->order_id, o->order_id, sizeof(q->order_id));
    q->st = Q_LIVE;
    print_order_line("quoted", q);
    if (q->gone || (o->status != LX_STATUS_NEW &&
                    o->status != LX_STATUS_PARTIALLY_FILLED)) {
        q->st = Q_NONE; /* filled or ended before we heard back */
    }
}

static void on_cancelled(struct lx_exchange *ex, const struct lx_ex_result *r,
                         void *ud)
{
    struct quote *q = ud;

    (void)ex;
    if (r->err == LX_OK) {
        q->m->cancelled++;
        print_order_line("cancelled", q);
        q->st = Q_NONE;
        return;
    }
    if (r->venue != NULL && r->venue->code == -2011) {
        q->st = Q_NONE; /* already gone: filled in the meantime */
        return;
    }
    q->st = Q_LIVE; /* unknown: it may still rest; try again later */
    failed(q->m, "cancel", r);
}

static void place_quote(struct mm *m, struct quote *q, int64_t ticks)
{
    struct lx_order_req o;
    int rc;

    memset(&o, 0, sizeof(o));
    (void)snprintf(o.symbol, sizeof(o.symbol), "%s", m->symbol);
    /* Our own client ids: the stream's updates can be matched to a quote
     * even before the placement's answer arrives. */
    (void)snprintf(o.client_id, sizeof(o.client_id), "mm%ld%c%lu",
                   (long)getpid(), q->side == LX_SIDE_BUY ? 'b' : 'a',
                   ++m->seq);
    o.side = q->side;
    o.type = LX_ORDER_LIMIT_MAKER;
    /* Binance answers LIMIT_MAKER with ACK (no status) by default. */
    o.resp_type = LX_RESP_RESULT;
    o.has_price = o.has_qty = true;
    o.qty = m->qty;
    if (lx_decimal_from_ticks(ticks, m->tick, &o.price) != LX_OK) {
        return;
    }
    rc = lx_exchange_place(m->env.ex, &o, on_placed, q);
    if (rc != LX_OK) {
        fprintf(stderr, "%s: place refused: %s\n", prog, lx_strerror(rc));
        m->fatal = 1;
        m->stop = 1;
        return;
    }
    q->st = Q_PLACING;
    q->gone = false;
    q->price = o.price;
    q->left = o.qty;
    q->order_id[0] = '\0';
    memcpy(q->client_id, o.client_id, sizeof(q->client_id));
}

/* Moves one side towards its target price (one request at a time). */
static void requote_side(struct mm *m, struct quote *q, int64_t target)
{
    struct lx_decimal px;

    if (q->st == Q_NONE) {
        place_quote(m, q, target);
    } else if (q->st == Q_LIVE &&
               lx_decimal_from_ticks(target, m->tick, &px) == LX_OK &&
               !lx_decimal_eq(px, q->price)) {
        if (lx_exchange_cancel(m->env.ex, m->symbol, q->order_id, NULL,
                               on_cancelled, q) == LX_OK) {
            q->st = Q_CANCELLING;
        }
    }
}

/* ---- the one crossing order ---------------------------------------------- */

static void on_crossed(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud)
{
    struct mm *m = ud;
    char f[LX_DECIMAL_STRLEN];

    (void)ex;
    m->cross_pending = false;
    m->cross_done = true;
    if (r->err != LX_OK) {
        failed(m, "cross", r);
        return;
    }
    printf("crossed: order %s status %s filled %s\n", r->orders[0].order_id,
           lx_order_status_name((int)r->orders[0].status),
           ex_dec(r->orders[0].filled_qty, f, sizeof(f)));
}

static void send_cross(struct mm *m, struct lx_decimal ask)
{
    struct lx_order_req o;
    char p[LX_DECIMAL_STRLEN], q[LX_DECIMAL_STRLEN];

    memset(&o, 0, sizeof(o));
    (void)snprintf(o.symbol, sizeof(o.symbol), "%s", m->symbol);
    (void)snprintf(o.client_id, sizeof(o.client_id), "mm%ldx", (long)getpid());
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_IOC;
    o.has_price = o.has_qty = true;
    o.price = ask;
    o.qty = m->qty;
    printf("crossing: buy %s @ %s (limit IOC at the best ask)\n",
           ex_dec(o.qty, q, sizeof(q)), ex_dec(o.price, p, sizeof(p)));
    if (lx_exchange_place(m->env.ex, &o, on_crossed, m) == LX_OK) {
        m->cross_pending = true;
    } else {
        m->cross_done = true;
    }
}

/* ---- events -------------------------------------------------------------- */

/*
 * The default size: the smallest lot multiple worth twice the minimum
 * notional at price (and at least the minimum quantity).
 */
static int default_qty(struct mm *m, struct lx_decimal price)
{
    char buf[LX_DECIMAL_STRLEN];
    struct lx_decimal want, q;
    int rc = lx_decimal_add(m->min_notional, m->min_notional, &want);

    if (rc == LX_OK) {
        rc = lx_decimal_div(want, price, m->lot.scale, LX_ROUND_UP, &q);
    }
    if (rc == LX_OK) {
        rc = lx_decimal_round_to_step(q, m->lot, LX_ROUND_UP, &q);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: cannot size the quotes: %s\n", prog,
                lx_strerror(rc));
        m->fatal = m->stop = 1;
        return rc;
    }
    if (lx_decimal_cmp(q, m->min_qty) < 0) {
        q = m->min_qty;
    }
    m->qty = lx_decimal_is_zero(q) ? m->lot : q;
    printf("quote size %s (twice the minimum notional)\n",
           ex_dec(m->qty, buf, sizeof(buf)));
    return LX_OK;
}

static void on_book(struct mm *m, const struct lx_ex_event *ev)
{
    struct lx_decimal ask;
    int64_t mid;

    m->synced = ev->u.book.state == LX_BOOK_SYNC_SYNCED;
    if (!m->synced || !m->user_up || m->stopping || m->stop ||
        !market_mid(m, ev->u.book.book, &mid, &ask)) {
        return; /* quote only on a synced book with fills visible */
    }
    if (lx_decimal_is_zero(m->qty) && default_qty(m, ask) != LX_OK) {
        return;
    }
    if (m->cross && !m->cross_done) {
        if (!m->cross_pending) {
            send_cross(m, ask);
        }
        return;
    }
    if (mid != m->mid_ticks) {
        printf("mid %lld ticks (was %lld)\n", (long long)mid,
               (long long)m->mid_ticks);
        m->mid_ticks = mid;
    }
    requote_side(m, &m->q[0], mid - m->ticks);
    requote_side(m, &m->q[1], mid + m->ticks);
}

/* An order update of the user-data stream: fills and ends. */
static void on_order_event(struct mm *m, const struct lx_order *o)
{
    char p[LX_DECIMAL_STRLEN], s[LX_DECIMAL_STRLEN];
    struct quote *q = NULL;
    int i;
    bool ended =
        o->status == LX_STATUS_FILLED || o->status == LX_STATUS_CANCELED ||
        o->status == LX_STATUS_EXPIRED || o->status == LX_STATUS_REJECTED;

    for (i = 0; i < 2; i++) {
        if (strcmp(m->q[i].client_id, o->client_id) == 0) {
            q = &m->q[i];
        }
    }
    if (o->exec_type == LX_EXEC_TRADE) {
        m->fills++;
        printf("fill %s %s @ %s (%s, order %s, status %s)\n",
               lx_side_name((int)o->side), ex_dec(o->last_qty, s, sizeof(s)),
               ex_dec(o->last_price, p, sizeof(p)),
               o->maker ? "maker" : "taker", o->order_id,
               lx_order_status_name((int)o->status));
    }
    if (q == NULL) {
        return;
    }
    if (lx_decimal_sub(o->qty, o->filled_qty, &q->left) != LX_OK) {
        q->left = o->qty;
    }
    if (ended && q->st == Q_LIVE) {
        q->st = Q_NONE; /* the next book event quotes this side again */
    } else if (ended && q->st == Q_PLACING) {
        q->gone = true;
    }
}

static void on_status(struct mm *m, const struct lx_ex_event *ev)
{
    switch (ev->u.status.what) {
    case LX_ST_USER_UP:
        m->user_up = true;
        printf("user stream up\n");
        break;
    case LX_ST_USER_DOWN:
        m->user_up = false; /* fills would be missed: hold new quotes */
        printf("user stream down: %s\n", ev->u.status.msg);
        break;
    case LX_ST_MARKET_DOWN:
        printf("market stream down: %s\n", ev->u.status.msg);
        break;
    case LX_ST_ERROR:
        printf("stream error: %s: %s\n", lx_strerror(ev->u.status.err),
               ev->u.status.msg);
        break;
    default:
        break;
    }
}

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct mm *m = ud;

    (void)ex;
    if (ev->kind == LX_EV_BOOK && strcmp(ev->u.book.symbol, m->symbol) == 0) {
        on_book(m, ev);
    } else if (ev->kind == LX_EV_ORDER &&
               strcmp(ev->u.order->symbol, m->symbol) == 0) {
        on_order_event(m, ev->u.order);
    } else if (ev->kind == LX_EV_STATUS) {
        on_status(m, ev);
    }
    fflush(stdout);
}

/* ---- start and end ------------------------------------------------------- */

static void on_markets(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud)
{
    struct mm *m = ud;
    const struct lx_instrument *in;

    m->done = 1;
    if (r->err != LX_OK) {
        ex_report(prog, "markets", r);
        m->fatal = 1;
        return;
    }
    in = lx_exchange_instrument(ex, m->symbol);
    if (in == NULL) {
        fprintf(stderr, "%s: unknown symbol %s\n", prog, m->symbol);
        m->fatal = 1;
        return;
    }
    m->tick = in->tick_size;
    m->lot = in->lot_step;
    m->min_qty = in->min_qty;
    m->min_notional = in->min_notional;
}

static int load_market(struct mm *m)
{
    int rc = lx_exchange_markets(m->env.ex, on_markets, m);

    if (rc == LX_OK) {
        m->done = 0;
        rc = lx_exchange_run(m->env.ex, &m->done, 15 * LX_SEC);
    }
    if (rc != LX_OK || m->fatal) {
        fprintf(stderr, "%s: markets: %s\n", prog,
                rc != LX_OK ? lx_strerror(rc) : "failed");
        return LX_ERR_STATE;
    }
    return LX_OK;
}

/* --qty, checked against the instrument's lot grid. */
static int take_qty(struct mm *m)
{
    struct lx_decimal q;
    int rc;

    if (m->qty_arg == NULL) {
        return LX_OK; /* set from the first book (default_qty) */
    }
    rc = lx_decimal_parse(m->qty_arg, strlen(m->qty_arg), &q);
    if (rc == LX_OK) {
        rc = lx_decimal_round_to_step(q, m->lot, LX_ROUND_EXACT, &q);
    }
    if (rc != LX_OK || lx_decimal_is_zero(q)) {
        fprintf(stderr,
                "%s: --qty %s is not a positive multiple of the "
                "lot step\n",
                prog, m->qty_arg);
        return LX_ERR_INVAL;
    }
    m->qty = q;
    return LX_OK;
}

static void on_cancel_all(struct lx_exchange *ex, const struct lx_ex_result *r,
                          void *ud)
{
    struct mm *m = ud;

    (void)ex;
    m->done = 1;
    if (r->err == LX_OK) {
        printf("cancel all: %zu orders cancelled\n", r->norders);
    } else if (r->venue != NULL && r->venue->code == -2011) {
        printf("cancel all: nothing open\n"); /* the venue's answer then */
    } else {
        ex_report(prog, "cancel all", r);
        m->fatal = 1;
    }
}

static void on_open(struct lx_exchange *ex, const struct lx_ex_result *r,
                    void *ud)
{
    struct mm *m = ud;

    (void)ex;
    m->done = 1;
    if (r->err != LX_OK) {
        ex_report(prog, "open orders", r);
        m->fatal = 1;
        m->nopen = (size_t)-1; /* unknown */
        return;
    }
    m->nopen = r->norders;
}

/* Runs the loop until nothing of ours is in flight (5 s at most). */
static void settle(struct mm *m)
{
    int i;

    for (i = 0; i < 50; i++) {
        if (m->q[0].st != Q_PLACING && m->q[0].st != Q_CANCELLING &&
            m->q[1].st != Q_PLACING && m->q[1].st != Q_CANCELLING &&
            !m->cross_pending) {
            return;
        }
        m->done = 0;
        (void)lx_exchange_run(m->env.ex, &m->done, 100 * LX_MSEC);
    }
}

/* Cancels everything of the symbol and checks nothing is left. */
static int shut_down(struct mm *m)
{
    int rc;

    m->stopping = true;
    settle(m);
    m->done = 0;
    rc = lx_exchange_cancel_all(m->env.ex, m->symbol, on_cancel_all, m);
    if (rc == LX_OK) {
        rc = lx_exchange_run(m->env.ex, &m->done, 15 * LX_SEC);
    }
    if (rc == LX_OK) {
        m->done = 0;
        rc = lx_exchange_open_orders(m->env.ex, m->symbol, on_open, m);
    }
    if (rc == LX_OK) {
        rc = lx_exchange_run(m->env.ex, &m->done, 15 * LX_SEC);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: shutting down: %s\n", prog, lx_strerror(rc));
        return rc;
    }
    if (m->nopen == (size_t)-1) {
        printf("open orders at exit: unknown\n");
        return LX_ERR_STATE;
    }
    printf("open orders at exit: %zu\n", m->nopen);
    return m->nopen == 0 ? LX_OK : LX_ERR_STATE;
}

static int parse_args(int argc, char **argv, struct ex_args *args, struct mm *m)
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
        if (strcmp(argv[i], "--ticks") == 0 && i + 1 < argc) {
            if (!ex_parse_int(prog, "--ticks", argv[++i], 1, 100000,
                              &m->ticks)) {
                return 2;
            }
        } else if (strcmp(argv[i], "--qty") == 0 && i + 1 < argc) {
            m->qty_arg = argv[++i];
        } else if (strcmp(argv[i], "--cross") == 0) {
            m->cross = true;
        } else {
            fprintf(stderr, "%s: unexpected argument '%s'\n\n", prog, argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return ex_check_args(prog, args) ? -1 : 2;
}

static int start(struct mm *m)
{
    int rc;

    if (load_market(m) != LX_OK || take_qty(m) != LX_OK) {
        return LX_ERR_STATE;
    }
    lx_exchange_set_event_cb(m->env.ex, on_event, m);
    rc = lx_exchange_user_stream(m->env.ex);
    if (rc == LX_OK) {
        rc = lx_exchange_watch_book(m->env.ex, m->symbol, 100);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: cannot start the streams: %s\n", prog,
                lx_strerror(rc));
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct ex_args args;
    struct mm m;
    char q[LX_DECIMAL_STRLEN];
    int rc;

    memset(&m, 0, sizeof(m));
    m.ticks = 5;
    m.q[0].m = m.q[1].m = &m;
    m.q[0].side = LX_SIDE_BUY;
    m.q[1].side = LX_SIDE_SELL;
    ex_args_init(&args, 10);
    rc = parse_args(argc, argv, &args, &m);
    if (rc >= 0) {
        return rc;
    }
    m.symbol = args.symbol;
    if (ex_open(prog, &args, true, &m.env) != LX_OK) {
        return 1;
    }
    if (ex_catch_signals(&m.env, &m.stop) != LX_OK || start(&m) != LX_OK) {
        ex_close(&m.env);
        return 1;
    }
    printf("quoting %s %s each side, %lld ticks from the mid, for %lld s\n",
           m.symbol,
           m.qty_arg != NULL ? ex_dec(m.qty, q, sizeof(q)) : "(sized later)",
           (long long)m.ticks, (long long)args.seconds);
    fflush(stdout);
    rc = lx_exchange_run(m.env.ex, &m.stop, args.seconds * LX_SEC);
    if (rc != LX_OK && rc != LX_ERR_TIMEOUT) {
        fprintf(stderr, "%s: loop: %s\n", prog, lx_strerror(rc));
        m.fatal = 1;
    }
    if (shut_down(&m) != LX_OK) {
        m.fatal = 1;
    }
    printf("summary: quotes placed %ld, cancelled %ld, refused %ld, fills "
           "%ld\n",
           m.placed, m.cancelled, m.refused, m.fills);
    ex_close(&m.env);
    return m.fatal ? 1 : 0;
}
