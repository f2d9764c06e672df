/*
 * exchange.c - the venue-independent half of lx_exchange: the options
 * builder, creation by venue name, argument checks, and the packing of
 * every public call into one struct lx__ex_call for the connector.
 *
 * It knows nothing of any venue's wire format; each connector provides a
 * struct lx__ex_vtable (ex_int.h). Read-only mode and missing credentials
 * are refused here, before anything is queued, so no connector can forget
 * them. The blocking runner lx_exchange_run lives here too.
 */
#include <string.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "exchange/ex_int.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_secret.h"
#include "net/net_internal.h"

static const struct lx__ex_vtable *const venues[] = {&lx__bn_spot_vtable,
                                                     &lx__bn_usdm_vtable};

int lx_exchange_opts_new(struct lx_exchange_opts **out)
{
    struct lx_exchange_opts *o;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    o = lx__calloc(NULL, 1, sizeof(*o));
    if (o == NULL) {
        return LX_ERR_NOMEM;
    }
    o->retries = 3;
    o->timeout_ns = 10 * (int64_t)1000000000;
    *out = o;
    return LX_OK;
}

void lx_exchange_opts_free(struct lx_exchange_opts *o)
{
    lx__free(NULL, o);
}

int lx_exchange_opts_set_env(struct lx_exchange_opts *o, enum lx_ex_env env)
{
    if (o == NULL || (env != LX_EX_PRODUCTION && env != LX_EX_TESTNET)) {
        return LX_ERR_INVAL;
    }
    o->env = env;
    return LX_OK;
}

static int has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int copy_url(char *dst, const char *url, const char *a, const char *b)
{
    size_t n = strlen(url);

    if (!has_prefix(url, a) && !has_prefix(url, b)) {
        return LX_ERR_INVAL;
    }
    while (n > 0 && url[n - 1] == '/') {
        n--; /* the connector appends paths starting with '/' */
    }
    if (n >= LX__EX_URL_MAX) {
        return LX_ERR_TOOBIG;
    }
    memcpy(dst, url, n);
    dst[n] = '\0';
    return LX_OK;
}

int lx_exchange_opts_set_urls(struct lx_exchange_opts *o, const char *rest,
                              const char *ws)
{
    char r[LX__EX_URL_MAX], w[LX__EX_URL_MAX] = "";
    int rc;

    if (o == NULL || rest == NULL) {
        return LX_ERR_INVAL;
    }
    rc = copy_url(r, rest, "http://", "https://");
    if (rc == LX_OK && ws != NULL) {
        rc = copy_url(w, ws, "ws://", "wss://");
    }
    if (rc != LX_OK) {
        return rc;
    }
    memcpy(o->rest, r, sizeof(r));
    if (ws != NULL) {
        memcpy(o->ws, w, sizeof(w));
    }
    return LX_OK;
}

void lx_exchange_opts_set_creds(struct lx_exchange_opts *o,
                                const struct lx_creds *creds)
{
    if (o != NULL) {
        o->creds = creds;
    }
}

void lx_exchange_opts_set_read_only(struct lx_exchange_opts *o, bool ro)
{
    if (o != NULL) {
        o->read_only = ro;
    }
}

int lx_exchange_opts_set_recv_window(struct lx_exchange_opts *o, int64_t ms)
{
    if (o == NULL || ms < 0 || ms > 60000) {
        return LX_ERR_INVAL;
    }
    o->recv_window_ms = ms;
    return LX_OK;
}

void lx_exchange_opts_set_timeout(struct lx_exchange_opts *o, int64_t ns)
{
    if (o != NULL) {
        o->timeout_ns = ns > 0 ? ns : 10 * (int64_t)1000000000;
    }
}

void lx_exchange_opts_set_retries(struct lx_exchange_opts *o, int retries)
{
    if (o != NULL) {
        o->retries = retries < 0 ? 0 : retries;
    }
}

void lx_exchange_opts_set_rate_limit(struct lx_exchange_opts *o, int64_t w)
{
    if (o != NULL) {
        o->weight_per_min = w;
    }
}

void lx_exchange_opts_set_legacy_conditional(struct lx_exchange_opts *o,
                                             bool legacy)
{
    if (o != NULL) {
        o->legacy_conditional = legacy;
    }
}

int lx_exchange_opts_set_book_verify(struct lx_exchange_opts *o,
                                     int64_t period_ms)
{
    if (o == NULL || period_ms < 0 || period_ms > INT64_MAX / 1000000) {
        return LX_ERR_INVAL;
    }
    o->book_verify_ms = period_ms;
    return LX_OK;
}

static void destroy(struct lx_exchange *ex);

/*
 * A free from inside a callback is finished on the next tick: the call
 * stack below the callback (the HTTP client, a WebSocket) still runs.
 */
static void reaper_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    destroy(ud);
}

int lx_exchange_new(struct lx_exchange **out, struct lx_net *net,
                    const char *venue, const struct lx_exchange_opts *opts)
{
    struct lx_exchange_opts defaults;
    struct lx_exchange *ex;
    const struct lx__ex_vtable *vt = NULL;
    size_t i;
    int rc;

    if (out == NULL || net == NULL || venue == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    for (i = 0; i < sizeof(venues) / sizeof(venues[0]); i++) {
        if (strcmp(venues[i]->venue, venue) == 0) {
            vt = venues[i];
        }
    }
    if (vt == NULL) {
        return LX_ERR_NOTFOUND;
    }
    if (opts == NULL) {
        struct lx_exchange_opts *d;
        if (lx_exchange_opts_new(&d) != LX_OK) {
            return LX_ERR_NOMEM;
        }
        defaults = *d;
        lx_exchange_opts_free(d);
        opts = &defaults;
    }
    ex = lx__calloc(net->mem, 1, sizeof(*ex));
    if (ex == NULL) {
        return LX_ERR_NOMEM;
    }
    ex->vt = vt;
    ex->net = net;
    ex->read_only = opts->read_only;
    /* An HMAC secret or an Ed25519 private key signs (the venue checks). */
    ex->has_creds = opts->creds != NULL &&
                    lx_creds_has(opts->creds, LX_CRED_API_KEY) &&
                    (lx_creds_has(opts->creds, LX_CRED_API_SECRET) ||
                     lx_creds_has(opts->creds, LX_CRED_PRIVATE_KEY));
    rc = lx_timer_new(&ex->reaper, net->clock, reaper_cb, ex);
    if (rc == LX_OK) {
        rc = vt->create(ex, opts, &ex->impl);
    }
    if (rc != LX_OK) {
        lx_timer_free(ex->reaper);
        lx__free(net->mem, ex);
        return rc;
    }
    *out = ex;
    return LX_OK;
}

static void destroy(struct lx_exchange *ex)
{
    ex->vt->destroy(ex->impl);
    lx_timer_free(ex->reaper);
    lx__free(ex->net->mem, ex);
}

void lx_exchange_free(struct lx_exchange *ex)
{
    if (ex == NULL || ex->dead) {
        return;
    }
    if (ex->depth > 0) {
        ex->dead = true; /* nothing more reaches the user */
        if (lx_timer_start(ex->reaper, 0, 0) == LX_OK) {
            return;
        }
        /* Cannot defer: better a leak than a use after free. */
        return;
    }
    destroy(ex);
}

const char *lx_exchange_venue(const struct lx_exchange *ex)
{
    return ex != NULL ? ex->vt->venue : "";
}

int64_t lx_exchange_clock_offset(const struct lx_exchange *ex)
{
    return ex != NULL ? ex->vt->clock_offset(ex->impl) : 0;
}

int64_t lx_exchange_used_weight(const struct lx_exchange *ex)
{
    return ex != NULL ? ex->vt->used_weight(ex->impl) : 0;
}

const struct lx_instrument *lx_exchange_instrument(const struct lx_exchange *ex,
                                                   const char *symbol)
{
    if (ex == NULL || symbol == NULL) {
        return NULL;
    }
    return ex->vt->instrument(ex->impl, symbol);
}

struct lx_net *lx__ex_net(const struct lx_exchange *ex)
{
    return ex->net;
}

/* After a user callback: stop the runner, finish a deferred free. */
static bool after_user(struct lx_exchange *ex)
{
    ex->depth--;
    if (ex->running) {
        lx_clock_stop_run(ex->net->clock);
    }
    return !ex->dead;
}

bool lx__ex_deliver(struct lx_exchange *ex, const struct lx__ex_call *c,
                    const struct lx_ex_result *r)
{
    if (ex->dead) {
        return false;
    }
    ex->depth++;
    if (c->cb != NULL) {
        c->cb(ex, r, c->ud);
    }
    return after_user(ex);
}

bool lx__ex_event(struct lx_exchange *ex, const struct lx_ex_event *ev)
{
    if (ex->dead) {
        return false;
    }
    ex->depth++;
    if (ex->event_cb != NULL) {
        ex->event_cb(ex, ev, ex->event_ud);
    }
    return after_user(ex);
}

bool lx__ex_has_book_check(const struct lx_exchange *ex)
{
    return ex->book_check != NULL;
}

bool lx__ex_check_book(struct lx_exchange *ex, const char *symbol,
                       const struct lx_book *book, bool *ok)
{
    *ok = true;
    if (ex->dead) {
        return false;
    }
    if (ex->book_check == NULL) {
        return true;
    }
    ex->depth++;
    *ok = ex->book_check(ex, symbol, book, ex->book_check_ud);
    return after_user(ex);
}

/* ---- calls ----------------------------------------------------------------
 */

enum { NEED_KEYS = 1, TRADES = 2 };

static int op_flags(enum lx__ex_op op)
{
    switch (op) {
    case LX__OP_PLACE:
    case LX__OP_CANCEL:
    case LX__OP_CANCEL_ALL:
    case LX__OP_LEVERAGE:
    case LX__OP_MARGIN_TYPE:
        return NEED_KEYS | TRADES;
    case LX__OP_QUERY:
    case LX__OP_OPEN_ORDERS:
    case LX__OP_MY_TRADES:
    case LX__OP_BALANCES:
    case LX__OP_POSITIONS:
    case LX__OP_LISTEN_KEY:
    case LX__OP_LISTEN_KEEPALIVE:
    case LX__OP_LISTEN_CLOSE:
        return NEED_KEYS;
    default:
        return 0;
    }
}

static int copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n >= cap) {
        return LX_ERR_TOOBIG;
    }
    if (n > 0) {
        memcpy(dst, s, n);
    }
    dst[n] = '\0';
    return LX_OK;
}

static int submit(struct lx_exchange *ex, struct lx__ex_call *c,
                  const char *symbol, bool need_symbol)
{
    int f;

    if (ex == NULL || c->cb == NULL ||
        (need_symbol && (symbol == NULL || symbol[0] == '\0'))) {
        return LX_ERR_INVAL;
    }
    if (copy_str(c->symbol, sizeof(c->symbol), symbol) != LX_OK) {
        return LX_ERR_INVAL;
    }
    if (!ex->vt->has_op(ex->impl, c->op)) {
        return LX_ERR_UNSUPPORTED;
    }
    f = op_flags(c->op);
    if ((f & TRADES) && ex->read_only) {
        return LX_ERR_PERM;
    }
    if ((f & NEED_KEYS) && !ex->has_creds) {
        return LX_ERR_NOCREDS;
    }
    return ex->vt->call(ex->impl, c);
}

#define CALL_INIT(c, o, cb_, ud_)                                              \
    struct lx__ex_call c;                                                      \
    memset(&c, 0, sizeof(c));                                                  \
    c.op = (o);                                                                \
    c.cb = (cb_);                                                              \
    c.ud = (ud_);                                                              \
    c.from_id = -1

int lx_exchange_markets(struct lx_exchange *ex, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_MARKETS, cb, ud);
    return submit(ex, &c, NULL, false);
}

int lx_exchange_server_time(struct lx_exchange *ex, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_TIME, cb, ud);
    return submit(ex, &c, NULL, false);
}

int lx_exchange_depth(struct lx_exchange *ex, const char *symbol, int limit,
                      lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_DEPTH, cb, ud);
    if (limit < 0 || limit > 5000) {
        return LX_ERR_INVAL;
    }
    c.limit = limit;
    return submit(ex, &c, symbol, true);
}

int lx_exchange_trades(struct lx_exchange *ex, const char *symbol, int limit,
                       lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_TRADES, cb, ud);
    if (limit < 0 || limit > 1000) {
        return LX_ERR_INVAL;
    }
    c.limit = limit;
    return submit(ex, &c, symbol, true);
}

int lx_exchange_klines(struct lx_exchange *ex, const char *symbol,
                       const char *interval, int64_t start_ms, int64_t end_ms,
                       int limit, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_KLINES, cb, ud);
    if (interval == NULL || interval[0] == '\0' || limit < 0 || limit > 1500 ||
        start_ms < 0 || end_ms < 0 ||
        copy_str(c.interval, sizeof(c.interval), interval) != LX_OK) {
        return LX_ERR_INVAL;
    }
    c.start_ms = start_ms;
    c.end_ms = end_ms;
    c.limit = limit;
    return submit(ex, &c, symbol, true);
}

int lx_exchange_ticker(struct lx_exchange *ex, const char *symbol, lx_ex_cb cb,
                       void *ud)
{
    CALL_INIT(c, LX__OP_TICKER, cb, ud);
    return submit(ex, &c, symbol, false);
}

int lx_exchange_place(struct lx_exchange *ex, const struct lx_order_req *req,
                      lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_PLACE, cb, ud);
    if (req == NULL || req->side == LX_SIDE_NONE ||
        req->type == LX_ORDER_NONE) {
        return LX_ERR_INVAL;
    }
    c.order = *req;
    return submit(ex, &c, req->symbol, true);
}

static int id_call(struct lx_exchange *ex, enum lx__ex_op op,
                   const char *symbol, const char *order_id,
                   const char *client_id, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, op, cb, ud);
    if ((order_id == NULL || order_id[0] == '\0') &&
        (client_id == NULL || client_id[0] == '\0')) {
        return LX_ERR_INVAL;
    }
    if (copy_str(c.order_id, sizeof(c.order_id), order_id) != LX_OK ||
        copy_str(c.client_id, sizeof(c.client_id), client_id) != LX_OK) {
        return LX_ERR_INVAL;
    }
    return submit(ex, &c, symbol, true);
}

int lx_exchange_cancel(struct lx_exchange *ex, const char *symbol,
                       const char *order_id, const char *client_id, lx_ex_cb cb,
                       void *ud)
{
    return id_call(ex, LX__OP_CANCEL, symbol, order_id, client_id, cb, ud);
}

int lx_exchange_query(struct lx_exchange *ex, const char *symbol,
                      const char *order_id, const char *client_id, lx_ex_cb cb,
                      void *ud)
{
    return id_call(ex, LX__OP_QUERY, symbol, order_id, client_id, cb, ud);
}

int lx_exchange_cancel_all(struct lx_exchange *ex, const char *symbol,
                           lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_CANCEL_ALL, cb, ud);
    return submit(ex, &c, symbol, true);
}

int lx_exchange_open_orders(struct lx_exchange *ex, const char *symbol,
                            lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_OPEN_ORDERS, cb, ud);
    return submit(ex, &c, symbol, false);
}

int lx_exchange_my_trades(struct lx_exchange *ex, const char *symbol,
                          int64_t from_id, int limit, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_MY_TRADES, cb, ud);
    if (limit < 0 || limit > 1000) {
        return LX_ERR_INVAL;
    }
    c.from_id = from_id;
    c.limit = limit;
    return submit(ex, &c, symbol, true);
}

int lx_exchange_balances(struct lx_exchange *ex, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_BALANCES, cb, ud);
    return submit(ex, &c, NULL, false);
}

int lx_exchange_positions(struct lx_exchange *ex, const char *symbol,
                          lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_POSITIONS, cb, ud);
    return submit(ex, &c, symbol, false);
}

int lx_exchange_set_leverage(struct lx_exchange *ex, const char *symbol,
                             int leverage, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_LEVERAGE, cb, ud);
    if (leverage < 1 || leverage > 125) {
        return LX_ERR_INVAL;
    }
    c.leverage = leverage;
    return submit(ex, &c, symbol, true);
}

int lx_exchange_set_margin_type(struct lx_exchange *ex, const char *symbol,
                                enum lx_margin_type type, lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_MARGIN_TYPE, cb, ud);
    if (type != LX_MARGIN_CROSS && type != LX_MARGIN_ISOLATED) {
        return LX_ERR_INVAL;
    }
    c.margin_type = type;
    return submit(ex, &c, symbol, true);
}

int lx_exchange_funding_rates(struct lx_exchange *ex, const char *symbol,
                              int64_t start_ms, int64_t end_ms, int limit,
                              lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_FUNDING, cb, ud);
    if (limit < 0 || limit > 1000 || start_ms < 0 || end_ms < 0) {
        return LX_ERR_INVAL;
    }
    c.start_ms = start_ms;
    c.end_ms = end_ms;
    c.limit = limit;
    return submit(ex, &c, symbol, false);
}

int lx_exchange_mark_price(struct lx_exchange *ex, const char *symbol,
                           lx_ex_cb cb, void *ud)
{
    CALL_INIT(c, LX__OP_MARK_PRICE, cb, ud);
    return submit(ex, &c, symbol, false);
}

/* ---- streams ---------------------------------------------------------------
 */

void lx_exchange_set_event_cb(struct lx_exchange *ex, lx_ex_event_cb cb,
                              void *ud)
{
    if (ex != NULL) {
        ex->event_cb = cb;
        ex->event_ud = ud;
    }
}

int lx_exchange_subscribe(struct lx_exchange *ex, enum lx_ex_stream kind,
                          const char *symbol, const char *arg)
{
    if (ex == NULL || symbol == NULL || symbol[0] == '\0') {
        return LX_ERR_INVAL;
    }
    return ex->vt->subscribe(ex->impl, kind, symbol, arg, true);
}

int lx_exchange_unsubscribe(struct lx_exchange *ex, enum lx_ex_stream kind,
                            const char *symbol, const char *arg)
{
    if (ex == NULL || symbol == NULL || symbol[0] == '\0') {
        return LX_ERR_INVAL;
    }
    return ex->vt->subscribe(ex->impl, kind, symbol, arg, false);
}

int lx_exchange_watch_book(struct lx_exchange *ex, const char *symbol,
                           int snapshot_limit)
{
    if (ex == NULL || symbol == NULL || symbol[0] == '\0' ||
        snapshot_limit < 0 || snapshot_limit > 5000) {
        return LX_ERR_INVAL;
    }
    return ex->vt->watch_book(ex->impl, symbol,
                              snapshot_limit > 0 ? snapshot_limit : 1000);
}

int lx_exchange_unwatch_book(struct lx_exchange *ex, const char *symbol)
{
    if (ex == NULL || symbol == NULL || symbol[0] == '\0') {
        return LX_ERR_INVAL;
    }
    return ex->vt->unwatch_book(ex->impl, symbol);
}

int lx_exchange_resync_book(struct lx_exchange *ex, const char *symbol)
{
    if (ex == NULL || symbol == NULL || symbol[0] == '\0') {
        return LX_ERR_INVAL;
    }
    return ex->vt->resync_book(ex->impl, symbol);
}

void lx_exchange_set_book_check(struct lx_exchange *ex, lx_ex_book_check fn,
                                void *ud)
{
    if (ex != NULL) {
        ex->book_check = fn;
        ex->book_check_ud = ud;
    }
}

int lx_exchange_book_stats(const struct lx_exchange *ex, const char *symbol,
                           struct lx_ex_book_stats *out)
{
    if (ex == NULL || symbol == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    return ex->vt->book_stats(ex->impl, symbol, out);
}

const struct lx_book_sync *lx_exchange_book(const struct lx_exchange *ex,
                                            const char *symbol)
{
    if (ex == NULL || symbol == NULL) {
        return NULL;
    }
    return ex->vt->book(ex->impl, symbol);
}

int lx_exchange_user_stream(struct lx_exchange *ex)
{
    if (ex == NULL) {
        return LX_ERR_INVAL;
    }
    if (!ex->has_creds) {
        return LX_ERR_NOCREDS;
    }
    return ex->vt->user_stream(ex->impl);
}

int lx_exchange_user_stream_stop(struct lx_exchange *ex)
{
    if (ex == NULL) {
        return LX_ERR_INVAL;
    }
    return ex->vt->user_stream_stop(ex->impl);
}

int lx_exchange_run(struct lx_exchange *ex, const int *done, int64_t timeout_ns)
{
    struct lx_clock *clock;
    int64_t deadline;
    int rc = LX_OK;

    if (ex == NULL || done == NULL || timeout_ns < 0 || ex->running) {
        return LX_ERR_INVAL;
    }
    clock = ex->net->clock;
    deadline = lx_clock_mono_ns(clock) + timeout_ns;
    ex->running = 1;
    while (!*done && lx_clock_mono_ns(clock) < deadline) {
        rc = lx_clock_run(clock, deadline);
        if (rc != LX_OK) {
            break;
        }
        if (!*done && !lx_clock_is_virtual(clock) &&
            event_base_get_num_events(ex->net->base, EVENT_BASE_COUNT_ADDED) ==
                0) {
            rc = LX_ERR_STATE; /* nothing left that could set *done */
            break;
        }
    }
    ex->running = 0;
    if (rc != LX_OK) {
        return rc;
    }
    return *done ? LX_OK : LX_ERR_TIMEOUT;
}
