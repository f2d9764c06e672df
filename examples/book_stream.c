/*
 * book_stream.c - example: a live local order book and the public trades
 * of one symbol, printed as they change.
 *
 *   book_stream [--url http://127.0.0.1:PORT] [--symbol BTCUSDT]
 *               [--seconds 10] [--limit 100]
 *
 * It asks lx_exchange to keep a synced book (lx_exchange_watch_book: the
 * diff stream plus a REST snapshot, resynchronised after any gap or
 * reconnect) and subscribes the trade stream, then runs the loop for
 * --seconds, printing a "top" line each time the best bid or ask changes,
 * a "trade" line per trade and a line per connection or sync-state change.
 * Exit status: 0 when the book was synced at least once, 1 when it never
 * was, 2 on bad usage. Public data only: no credentials needed.
 *
 * It does not place orders (see place_cancel.c and market_maker.c).
 */
#include <stdio.h>
#include <string.h>

#include <lotusx/lx_book.h>
#include <lotusx/lx_clock.h>
#include <lotusx/lx_decimal.h>
#include <lotusx/lx_err.h>
#include <lotusx/lx_exchange.h>

#include "example_util.h"

static const char *prog = "book_stream";

struct app {
    struct ex_env env;
    const char *symbol;
    int stop;
    bool synced_once;
    int last_state;
    bool have_top;
    struct lx_book_level bid, ask; /* the last top printed */
    long tops, trades, market_ups, market_downs;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options]\n\n"
            "Keeps a local order book of SYMBOL in sync (snapshot + diff "
            "stream) and\nprints its top of book and the public trades for "
            "N seconds.\nExit status 0 when the book synced, 1 when it "
            "never did, 2 on bad usage.\n\n",
            prog);
    ex_shared_usage(f, false, "how long to watch (default 10)");
    fprintf(f, "  --limit N          snapshot levels, 1..5000 (default "
               "100)\n"
               "  --help             this text\n");
}

static bool same_level(const struct lx_book_level *a,
                       const struct lx_book_level *b)
{
    return lx_decimal_eq(a->price, b->price) && lx_decimal_eq(a->qty, b->qty);
}

/* Prints the top of book when it differs from the last one printed. */
static void print_top(struct app *a, const struct lx_book *book)
{
    struct lx_book_level bid, ask;
    struct lx_decimal spread;
    char p1[LX_DECIMAL_STRLEN], q1[LX_DECIMAL_STRLEN];
    char p2[LX_DECIMAL_STRLEN], q2[LX_DECIMAL_STRLEN], s[LX_DECIMAL_STRLEN];

    if (lx_book_best(book, LX_BOOK_BID, &bid) != LX_OK ||
        lx_book_best(book, LX_BOOK_ASK, &ask) != LX_OK) {
        return; /* one side empty: nothing to show */
    }
    if (a->have_top && same_level(&bid, &a->bid) && same_level(&ask, &a->ask)) {
        return;
    }
    a->have_top = true;
    a->bid = bid;
    a->ask = ask;
    a->tops++;
    if (lx_decimal_sub(ask.price, bid.price, &spread) != LX_OK) {
        spread = lx_decimal_from_i64(0, 0);
    }
    printf("top %s bid %s x %s | ask %s x %s | spread %s | update %llu\n",
           a->symbol, ex_dec(bid.price, p1, sizeof(p1)),
           ex_dec(bid.qty, q1, sizeof(q1)), ex_dec(ask.price, p2, sizeof(p2)),
           ex_dec(ask.qty, q2, sizeof(q2)), ex_dec(spread, s, sizeof(s)),
           (unsigned long long)lx_book_update_id(book));
}

static void on_book(struct app *a, const struct lx_ex_event *ev)
{
    int st = (int)ev->u.book.state;

    if (strcmp(ev->u.book.symbol, a->symbol) != 0) {
        return;
    }
    if (st != a->last_state) {
        a->last_state = st;
        if (ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
            printf("book synced: %s at update %llu\n", a->symbol,
                   (unsigned long long)lx_book_update_id(ev->u.book.book));
            a->synced_once = true;
        } else {
            printf("book %s: %s (%s)\n", a->symbol, lx_book_sync_state_name(st),
                   lx_book_sync_reason_name((int)ev->u.book.reason));
        }
    }
    if (ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
        print_top(a, ev->u.book.book);
    }
}

static void on_trade(struct app *a, const struct lx_trade *t)
{
    char p[LX_DECIMAL_STRLEN], q[LX_DECIMAL_STRLEN];

    a->trades++;
    printf("trade %s %s @ %s (taker %s, id %lld)\n", t->symbol,
           ex_dec(t->qty, q, sizeof(q)), ex_dec(t->price, p, sizeof(p)),
           lx_side_name((int)t->taker_side), (long long)t->trade_id);
}

static void on_status(struct app *a, const struct lx_ex_event *ev)
{
    switch (ev->u.status.what) {
    case LX_ST_MARKET_UP:
        a->market_ups++;
        printf("stream up%s\n", a->market_ups > 1 ? " (reconnected)" : "");
        break;
    case LX_ST_MARKET_DOWN:
        a->market_downs++;
        printf("stream down: %s; reconnecting\n", ev->u.status.msg);
        break;
    case LX_ST_ERROR:
        printf("stream error: %s: %s\n", lx_strerror(ev->u.status.err),
               ev->u.status.msg);
        break;
    default:
        break;
    }
}

/* Every stream event of the exchange comes here (borrowed data). */
static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct app *a = ud;

    (void)ex;
    switch (ev->kind) {
    case LX_EV_BOOK:
        on_book(a, ev);
        break;
    case LX_EV_TRADE:
        on_trade(a, ev->u.trade);
        break;
    case LX_EV_STATUS:
        on_status(a, ev);
        break;
    default:
        break; /* LX_EV_DEPTH: the raw diffs the book is built from */
    }
    fflush(stdout);
}

static int parse_args(int argc, char **argv, struct ex_args *args,
                      int64_t *limit)
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
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (!ex_parse_int(prog, "--limit", argv[++i], 1, 5000, limit)) {
                return 2;
            }
            continue;
        }
        fprintf(stderr, "%s: unexpected argument '%s'\n\n", prog, argv[i]);
        usage(stderr);
        return 2;
    }
    return ex_check_args(prog, args) ? -1 : 2;
}

/* Prints the summary; 0 when the book synced. */
static int summary(struct app *a)
{
    const struct lx_book_sync *s = lx_exchange_book(a->env.ex, a->symbol);
    struct lx_book_sync_stats st;

    memset(&st, 0, sizeof(st));
    if (s != NULL) {
        lx_book_sync_get_stats(s, &st);
    }
    printf("summary: synced %s, top changes %ld, trades %ld, snapshots "
           "%llu, gaps %llu, reconnects %ld\n",
           a->synced_once ? "yes" : "no", a->tops, a->trades,
           (unsigned long long)st.snapshots, (unsigned long long)st.gaps,
           a->market_ups > 0 ? a->market_ups - 1 : 0);
    if (!a->synced_once) {
        fprintf(stderr, "%s: the book of %s never synced\n", prog, a->symbol);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct ex_args args;
    struct app a;
    int64_t limit = 100;
    int rc;

    ex_args_init(&args, 10);
    rc = parse_args(argc, argv, &args, &limit);
    if (rc >= 0) {
        return rc;
    }
    memset(&a, 0, sizeof(a));
    a.symbol = args.symbol;
    a.last_state = -1;
    if (ex_open(prog, &args, false, &a.env) != LX_OK ||
        ex_catch_signals(&a.env, &a.stop) != LX_OK) {
        ex_close(&a.env);
        return 1;
    }
    lx_exchange_set_event_cb(a.env.ex, on_event, &a);
    rc = lx_exchange_watch_book(a.env.ex, a.symbol, (int)limit);
    if (rc == LX_OK) {
        rc = lx_exchange_subscribe(a.env.ex, LX_STREAM_TRADE, a.symbol, NULL);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: cannot watch %s: %s\n", prog, a.symbol,
                lx_strerror(rc));
        ex_close(&a.env);
        return 2;
    }
    printf("watching %s on %s for %lld s\n", a.symbol, args.url,
           (long long)args.seconds);
    fflush(stdout);
    /* Runs until --seconds pass (LX_ERR_TIMEOUT) or a signal sets stop. */
    rc = lx_exchange_run(a.env.ex, &a.stop, args.seconds * LX_SEC);
    if (rc != LX_OK && rc != LX_ERR_TIMEOUT) {
        fprintf(stderr, "%s: loop: %s\n", prog, lx_strerror(rc));
    }
    rc = summary(&a);
    ex_close(&a.env);
    return rc;
}
