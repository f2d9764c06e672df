/*
 * codec_ws_fast.c - a tree-free scanner for the high-volume Binance market
 * frames (depthUpdate, trade, aggTrade, bookTicker with and without "e",
 * markPriceUpdate, and the partial-depth snapshot object), bare or in the
 * combined stream's {"stream":..,"data":{..}} envelope.
 *
 * lx__bn_parse_ws tries it first and falls back to the cJSON path
 * (codec_ws.c) whenever it declines. The contract: when it accepts a
 * frame, *out and the arena arrays it points to are exactly what the cJSON
 * path gives; anything it is not sure about is declined, never guessed:
 *   - any backslash (escape) or control byte in any string, a UTF-8 BOM,
 *     bytes other than JSON whitespace around tokens, nesting deeper than
 *     FAST_MAX_DEPTH, number tokens outside strict JSON grammar or longer
 *     than FAST_NUM_MAX bytes, a frame over LX__JSON_MAX_INPUT;
 *   - a key it reads appearing twice (cJSON would take the first);
 *   - at the top level, keys that steer the cJSON path elsewhere (error
 *     envelopes, WebSocket API wrappers, replies): code, msg, event,
 *     subscriptionId, error, result, id; and "stream" without "data";
 *   - a field of the wrong JSON type, a number where it wants a decimal
 *     (cJSON would go through a double), a string too long for its field,
 *     an integer or decimal the shared parsers refuse, a level array that
 *     is not [[string, string, ...], ...], an event it does not map.
 * Unknown keys are skipped (their values checked as JSON); key order is
 * free. One pass records where each known key's value is; the event is
 * then told apart the way codec_ws.c does it and its fields converted with
 * the same lx__parse_i64 / lx_decimal_parse the JSON getters use. Level
 * arrays are counted in the pass; both sides are parsed (the first
 * FAST_SCRATCH levels of each onto the stack, the rest only checked)
 * before one arena array per side is taken, bids first, of the sizes the
 * cJSON path takes. So a decline leaves the arena untouched, except when
 * the arena runs out between the two arrays, which fails the cJSON path
 * as well (its error may then name "b" rather than "a").
 */
#include <string.h>

#include "core/lx_internal.h"
#include "venues/binance/codec_int.h"

/* Nesting the skipper follows; the frames it maps need 4. */
#define FAST_MAX_DEPTH 16
/* Longest number token taken; longer ones are declined. */
#define FAST_NUM_MAX 32
/* Levels per side parsed on the stack before the arena array is taken. */
#define FAST_SCRATCH 128

enum vtype {
    VT_NONE = 0, /* key not seen */
    VT_STR,      /* p/n: the bytes between the quotes, no escapes */
    VT_INT,      /* p/n: an integer token -?(0|[1-9][0-9]*) */
    VT_NUM,      /* another number token */
    VT_TRUE,
    VT_FALSE,
    VT_NULL,
    VT_LEVELS, /* p/n: the text of [[str,str,..],..]; nlev levels */
    VT_OTHER   /* any other value, checked and skipped */
};

/* The keys of the mapped events (and of their no-"e" shapes). */
enum fkey {
    F_e,
    F_E,
    F_s,
    F_T,
    F_U,
    F_u,
    F_pu,
    F_b,
    F_a,
    F_t,
    F_p,
    F_q,
    F_m,
    F_f,
    F_l,
    F_B,
    F_A,
    F_i,
    F_P,
    F_r,
    F_LAST_UPDATE_ID,
    F_BIDS,
    F_ASKS,
    F_COUNT,
    /* Top level only. */
    R_STREAM,
    R_DATA,
    R_STEER, /* a key that sends the cJSON path elsewhere */
    K_UNKNOWN
};

struct val {
    const char *p;
    size_t n;
    size_t nlev;
    enum vtype t;
};

struct obj {
    struct val v[F_COUNT];
};

struct cur {
    const char *p, *end;
};

/* ---- Scanning ------------------------------------------------------------
 */

static void ws(struct cur *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t')) {
        c->p++;
    }
}

/* Consumes ch (after whitespace); false when something else is there. */
static bool expect(struct cur *c, char ch)
{
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A string at c->p ('"'); no escapes, no control bytes. */
static bool scan_str(struct cur *c, const char **s, size_t *n)
{
    const char *p = c->p + 1;

    while (p < c->end) {
        unsigned char ch = (unsigned char)*p;

        if (ch == '"') {
            *s = c->p + 1;
            *n = (size_t)(p - *s);
            c->p = p + 1;
            return true;
        }
        if (ch == '\\' || ch < 0x20) {
            return false;
        }
        p++;
    }
    return false;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* A strict JSON number at c->p; *is_int when it has no fraction/exponent. */
static bool scan_num(struct cur *c, const char **s, size_t *n, bool *is_int)
{
    const char *p = c->p, *e = c->end;

    *is_int = true;
    if (p < e && *p == '-') {
        p++;
    }
    if (p >= e || !is_digit(*p)) {
        return false;
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < e && is_digit(*p)) {
            p++;
        }
    }
    if (p < e && *p == '.') {
        *is_int = false;
        p++;
        if (p >= e || !is_digit(*p)) {
            return false;
        }
        while (p < e && is_digit(*p)) {
            p++;
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        *is_int = false;
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= e || !is_digit(*p)) {
            return false;
        }
        while (p < e && is_digit(*p)) {
            p++;
        }
    }
    if ((size_t)(p - c->p) > FAST_NUM_MAX) {
        return false;
    }
    *s = c->p;
    *n = (size_t)(p - c->p);
    c->p = p;
    return true;
}

static bool scan_lit(struct cur *c, const char *lit, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) {
        return false;
    }
    c->p += n;
    return true;
}

static bool skip_value(struct cur *c, unsigned depth);

/* The rest of an array or object after its opening byte. */
static bool skip_container(struct cur *c, bool is_obj, unsigned depth)
{
    const char *s;
    size_t n;

    if (depth > FAST_MAX_DEPTH) {
        return false;
    }
    if (expect(c, is_obj ? '}' : ']')) {
        return true;
    }
    for (;;) {
        if (is_obj) {
            ws(c);
            if (c->p >= c->end || *c->p != '"' || !scan_str(c, &s, &n) ||
                !expect(c, ':')) {
                return false;
            }
        }
        if (!skip_value(c, depth)) {
            return false;
        }
        if (expect(c, ',')) {
            continue;
        }
        return expect(c, is_obj ? '}' : ']');
    }
}

/* Any JSON value (leading whitespace allowed), checked and skipped. */
static bool skip_value(struct cur *c, unsigned depth)
{
    const char *s;
    size_t n;
    bool is_int;

    ws(c);
    if (c->p >= c->end) {
        return false;
    }
    switch (*c->p) {
    case '"':
        return scan_str(c, &s, &n);
    case '{':
    case '[':
        c->p++;
        return skip_container(c, c->p[-1] == '{', depth + 1);
    case 't':
        return scan_lit(c, "true", 4);
    case 'f':
        return scan_lit(c, "false", 5);
    case 'n':
        return scan_lit(c, "null", 4);
    default:
        return scan_num(c, &s, &n, &is_int);
    }
}

/*
 * [[str, str, ...], ...] at c->p ('['): counts the levels. Elements past
 * the second are skipped (the cJSON path ignores them too).
 */
static bool scan_levels(struct cur *c, unsigned depth, size_t *nlev)
{
    const char *s;
    size_t n;

    *nlev = 0;
    c->p++;
    if (expect(c, ']')) {
        return true;
    }
    for (;;) {
        if (!expect(c, '[')) {
            return false;
        }
        ws(c);
        if (c->p >= c->end || *c->p != '"' || !scan_str(c, &s, &n) ||
            !expect(c, ',')) {
            return false;
        }
        ws(c);
        if (c->p >= c->end || *c->p != '"' || !scan_str(c, &s, &n)) {
            return false;
        }
        while (expect(c, ',')) {
            if (!skip_value(c, depth + 1)) {
                return false;
            }
        }
        if (!expect(c, ']')) {
            return false;
        }
        (*nlev)++;
        if (expect(c, ',')) {
            continue;
        }
        return expect(c, ']');
    }
}

/* ---- Keys ----------------------------------------------------------------
 */

static int key_id(const char *k, size_t n)
{
    static const char one[] = "eEsTUubatpqmflBAiPr";
    static const enum fkey one_id[] = {F_e, F_E, F_s, F_T, F_U, F_u, F_b,
                                       F_a, F_t, F_p, F_q, F_m, F_f, F_l,
                                       F_B, F_A, F_i, F_P, F_r};
    const char *hit;

    switch (n) {
    case 1:
        hit = memchr(one, k[0], sizeof(one) - 1);
        return hit != NULL ? (int)one_id[hit - one] : K_UNKNOWN;
    case 2:
        if (memcmp(k, "pu", 2) == 0) {
            return F_pu;
        }
        return memcmp(k, "id", 2) == 0 ? R_STEER : K_UNKNOWN;
    case 3:
        return memcmp(k, "msg", 3) == 0 ? R_STEER : K_UNKNOWN;
    case 4:
        if (memcmp(k, "bids", 4) == 0) {
            return F_BIDS;
        }
        if (memcmp(k, "asks", 4) == 0) {
            return F_ASKS;
        }
        if (memcmp(k, "data", 4) == 0) {
            return R_DATA;
        }
        return memcmp(k, "code", 4) == 0 ? R_STEER : K_UNKNOWN;
    case 5:
        return memcmp(k, "event", 5) == 0 || memcmp(k, "error", 5) == 0
                   ? R_STEER
                   : K_UNKNOWN;
    case 6:
        if (memcmp(k, "stream", 6) == 0) {
            return R_STREAM;
        }
        return memcmp(k, "result", 6) == 0 ? R_STEER : K_UNKNOWN;
    case 12:
        return memcmp(k, "lastUpdateId", 12) == 0 ? F_LAST_UPDATE_ID
                                                  : K_UNKNOWN;
    case 14:
        return memcmp(k, "subscriptionId", 14) == 0 ? R_STEER : K_UNKNOWN;
    default:
        return K_UNKNOWN;
    }
}

static bool is_level_key(int id)
{
    return id == F_b || id == F_a || id == F_BIDS || id == F_ASKS;
}

/* One value of a known key into *v. */
static bool scan_known(struct cur *c, int id, unsigned depth, struct val *v)
{
    bool is_int;

    if (v->t != VT_NONE) {
        return false; /* a repeated key: cJSON would take the first */
    }
    ws(c);
    if (c->p >= c->end) {
        return false;
    }
    v->p = c->p;
    switch (*c->p) {
    case '"':
        v->t = VT_STR;
        return scan_str(c, &v->p, &v->n);
    case 't':
        v->t = VT_TRUE;
        return scan_lit(c, "true", 4);
    case 'f':
        v->t = VT_FALSE;
        return scan_lit(c, "false", 5);
    case 'n':
        v->t = VT_NULL;
        return scan_lit(c, "null", 4);
    case '[':
        if (is_level_key(id)) {
            v->t = VT_LEVELS;
            if (!scan_levels(c, depth, &v->nlev)) {
                return false;
            }
            v->n = (size_t)(c->p - v->p);
            return true;
        }
        v->t = VT_OTHER;
        return skip_value(c, depth);
    case '{':
        v->t = VT_OTHER;
        return skip_value(c, depth);
    default:
        if (!scan_num(c, &v->p, &v->n, &is_int)) {
            return false;
        }
        v->t = is_int ? VT_INT : VT_NUM;
        return true;
    }
}

/* What the top level holds besides its own event keys. */
struct top {
    struct val stream;
    bool has_data;
    struct obj data;
};

/*
 * The object at c->p ('{'). With top non-NULL it is the frame itself:
 * "stream" and "data" go there and steering keys decline.
 */
static bool scan_obj(struct cur *c, struct obj *o, struct top *top,
                     unsigned depth)
{
    const char *k;
    size_t kn;
    int id;

    c->p++;
    if (expect(c, '}')) {
        return true;
    }
    for (;;) {
        ws(c);
        if (c->p >= c->end || *c->p != '"' || !scan_str(c, &k, &kn) ||
            !expect(c, ':')) {
            return false;
        }
        id = key_id(k, kn);
        if (id < F_COUNT) {
            if (!scan_known(c, id, depth, &o->v[id])) {
                return false;
            }
        } else if (top != NULL && id == R_STEER) {
            return false;
        } else if (top != NULL && id == R_STREAM) {
            if (!scan_known(c, id, depth, &top->stream)) {
                return false;
            }
        } else if (top != NULL && id == R_DATA) {
            ws(c);
            if (top->has_data || c->p >= c->end || *c->p != '{') {
                return false;
            }
            top->has_data = true;
            if (!scan_obj(c, &top->data, NULL, depth + 1)) {
                return false;
            }
        } else if (!skip_value(c, depth)) {
            return false;
        }
        if (expect(c, ',')) {
            continue;
        }
        return expect(c, '}');
    }
}

/* ---- Fields (each as the JSON getter codec_ws.c calls would give) -------
 */

/* A string field (lx__bn_str): required, or "" when missing/null. */
static bool f_str(const struct val *v, bool required, char *dst, size_t cap)
{
    dst[0] = '\0';
    if (v->t == VT_NONE || v->t == VT_NULL) {
        return !required;
    }
    if (v->t != VT_STR || v->n >= cap) {
        return false;
    }
    memcpy(dst, v->p, v->n);
    dst[v->n] = '\0';
    return true;
}

/* An integer: lx__json_get_i64 (required) or lx__json_opt_i64 (def). */
static bool f_i64(const struct val *v, bool required, int64_t def, int64_t *out)
{
    if (v->t == VT_NONE || v->t == VT_NULL) {
        *out = def;
        return !required;
    }
    if (v->t != VT_STR && v->t != VT_INT) {
        return false;
    }
    return lx__parse_i64(v->p, v->n, out) == LX_OK;
}

/* A decimal from a string only: lx__json_get/opt_decimal (default 0). */
static bool f_dec(const struct val *v, bool required, struct lx_decimal *out)
{
    if (v->t == VT_NONE || v->t == VT_NULL) {
        out->m = 0;
        out->scale = 0;
        return !required;
    }
    return v->t == VT_STR && lx_decimal_parse(v->p, v->n, out) == LX_OK;
}

static bool f_bool(const struct val *v, bool *out)
{
    if (v->t != VT_TRUE && v->t != VT_FALSE) {
        return false;
    }
    *out = v->t == VT_TRUE;
    return true;
}

/* The next string of a level array already checked by scan_levels. */
static void next_str(struct cur *c, const char **s, size_t *n)
{
    while (c->p < c->end && *c->p != '"') {
        c->p++;
    }
    if (c->p >= c->end || !scan_str(c, s, n)) {
        *s = "";
        *n = 0;
    }
}

/*
 * Parses every level of v (text checked by scan_levels); the first ncopy
 * go to dst, the rest are only checked. False when a decimal is refused.
 */
static bool levels_parse(const struct val *v, struct lx_level *dst,
                         size_t ncopy)
{
    struct cur c;
    struct lx_level tmp;
    const char *s;
    size_t i, sn;

    c.p = v->p + 1;
    c.end = v->p + v->n;
    for (i = 0; i < v->nlev; i++) {
        struct lx_level *l = i < ncopy ? &dst[i] : &tmp;

        next_str(&c, &s, &sn);
        if (lx_decimal_parse(s, sn, &l->price) != LX_OK) {
            return false;
        }
        next_str(&c, &s, &sn);
        if (lx_decimal_parse(s, sn, &l->qty) != LX_OK) {
            return false;
        }
        if (!expect(&c, ']')) {
            while (expect(&c, ',')) {
                (void)skip_value(&c, 0);
            }
            (void)expect(&c, ']');
        }
    }
    return true;
}

/* The levels of one side, parsed before anything is allocated. */
struct side {
    const struct val *v;
    struct lx_level first[FAST_SCRATCH]; /* the first FAST_SCRATCH */
};

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static bool side_check(struct side *sd, const struct val *v)
{
    sd->v = v;
    return v->t == VT_LEVELS &&
           levels_parse(v, sd->first, min_sz(v->nlev, FAST_SCRATCH));
}

/* One arena array of a checked side, as lx__bn_levels allocates it. */
static bool side_put(struct lx_arena *arena, const struct side *sd,
                     struct lx_level **out, size_t *n)
{
    size_t nlev = sd->v->nlev;

    if (nlev == 0) {
        return true;
    }
    *out = lx_arena_alloc_array(arena, nlev, sizeof(**out));
    if (*out == NULL) {
        return false;
    }
    *n = nlev;
    if (nlev <= FAST_SCRATCH) {
        memcpy(*out, sd->first, nlev * sizeof(**out));
        return true;
    }
    return levels_parse(sd->v, *out, nlev);
}

/*
 * Both sides of a book: every decimal is parsed before the first array is
 * taken, so only an arena that runs out (which fails the cJSON path too)
 * can leave an array behind on a decline.
 */
static bool book_sides(struct lx_arena *arena, const struct val *bv,
                       const struct val *av, struct lx_depth *d)
{
    struct side b, a;

    return side_check(&b, bv) && side_check(&a, av) &&
           side_put(arena, &b, &d->bids, &d->nbids) &&
           side_put(arena, &a, &d->asks, &d->nasks);
}

/* ---- Events (the field lists of codec_ws.c) ------------------------------
 */

static bool depth_update(struct lx_arena *arena, const struct obj *o,
                         struct lx_depth *d)
{
    const struct val *v = o->v;

    if (!f_str(&v[F_s], true, d->symbol, sizeof(d->symbol)) ||
        !f_i64(&v[F_E], true, 0, &d->event_ms) ||
        !f_i64(&v[F_T], false, 0, &d->tx_ms) ||
        !f_i64(&v[F_U], true, 0, &d->first_id) ||
        !f_i64(&v[F_u], true, 0, &d->final_id) ||
        !f_i64(&v[F_pu], false, -1, &d->prev_final_id)) {
        return false;
    }
    return book_sides(arena, &v[F_b], &v[F_a], d);
}

static bool snapshot(struct lx_arena *arena, const struct obj *o,
                     struct lx_depth *d)
{
    const struct val *v = o->v;

    d->is_snapshot = true;
    d->prev_final_id = -1;
    if (!f_i64(&v[F_LAST_UPDATE_ID], true, 0, &d->last_update_id) ||
        !f_i64(&v[F_E], false, 0, &d->event_ms) ||
        !f_i64(&v[F_T], false, 0, &d->tx_ms)) {
        return false;
    }
    d->first_id = d->final_id = d->last_update_id;
    return book_sides(arena, &v[F_BIDS], &v[F_ASKS], d);
}

static bool trade(const struct obj *o, bool agg, struct lx_trade *t)
{
    const struct val *v = o->v;

    t->is_aggregate = agg;
    t->first_trade_id = t->last_trade_id = -1;
    if (!f_str(&v[F_s], true, t->symbol, sizeof(t->symbol)) ||
        !f_i64(&v[F_E], true, 0, &t->event_ms) ||
        !f_i64(&v[agg ? F_a : F_t], true, 0, &t->trade_id) ||
        !f_dec(&v[F_p], true, &t->price) || !f_dec(&v[F_q], true, &t->qty) ||
        !f_i64(&v[F_T], true, 0, &t->trade_ms) ||
        !f_bool(&v[F_m], &t->buyer_is_maker)) {
        return false;
    }
    if (agg && (!f_i64(&v[F_f], false, -1, &t->first_trade_id) ||
                !f_i64(&v[F_l], false, -1, &t->last_trade_id))) {
        return false;
    }
    t->taker_side = t->buyer_is_maker ? LX_SIDE_SELL : LX_SIDE_BUY;
    return true;
}

static bool book_ticker(const struct obj *o, struct lx_book_ticker *t)
{
    const struct val *v = o->v;

    return f_str(&v[F_s], true, t->symbol, sizeof(t->symbol)) &&
           f_i64(&v[F_u], true, 0, &t->update_id) &&
           f_dec(&v[F_b], true, &t->bid) && f_dec(&v[F_B], true, &t->bid_qty) &&
           f_dec(&v[F_a], true, &t->ask) && f_dec(&v[F_A], true, &t->ask_qty) &&
           f_i64(&v[F_E], false, 0, &t->event_ms) &&
           f_i64(&v[F_T], false, 0, &t->tx_ms);
}

static bool mark_price(const struct obj *o, struct lx_mark_price *mp)
{
    const struct val *v = o->v;

    return f_str(&v[F_s], true, mp->symbol, sizeof(mp->symbol)) &&
           f_i64(&v[F_E], true, 0, &mp->event_ms) &&
           f_dec(&v[F_p], true, &mp->mark) &&
           f_dec(&v[F_i], false, &mp->index) &&
           f_dec(&v[F_P], false, &mp->est_settle) &&
           f_dec(&v[F_r], false, &mp->funding_rate) &&
           f_i64(&v[F_T], false, 0, &mp->next_funding_ms);
}

static bool name_is(const struct val *v, const char *s)
{
    size_t n = strlen(s);

    return v->n == n && memcmp(v->p, s, n) == 0;
}

static void set_event(struct lx_bn_msg *msg, const char *s, size_t n)
{
    if (n >= sizeof(msg->event)) {
        n = sizeof(msg->event) - 1;
    }
    memcpy(msg->event, s, n);
    msg->event[n] = '\0';
}

/* The event object: codec_ws.c's payload() for the kinds mapped here. */
static bool payload(struct lx_arena *arena, const struct obj *o,
                    struct lx_bn_msg *msg)
{
    const struct val *v = o->v, *e = &v[F_e];

    if (e->t == VT_STR) {
        set_event(msg, e->p, e->n);
        if (!f_i64(&v[F_E], false, 0, &msg->event_ms)) {
            return false;
        }
        if (name_is(e, "depthUpdate")) {
            msg->kind = LX_BN_MSG_DEPTH;
            return depth_update(arena, o, &msg->u.depth);
        }
        if (name_is(e, "trade") || name_is(e, "aggTrade")) {
            msg->kind = LX_BN_MSG_TRADE;
            return trade(o, e->p[0] == 'a', &msg->u.trade);
        }
        if (name_is(e, "bookTicker")) {
            msg->kind = LX_BN_MSG_BOOK_TICKER;
            return book_ticker(o, &msg->u.book_ticker);
        }
        if (name_is(e, "markPriceUpdate")) {
            msg->kind = LX_BN_MSG_MARK_PRICE;
            return mark_price(o, &msg->u.mark_price);
        }
        return false;
    }
    if (e->t != VT_NONE) {
        return false;
    }
    if (v[F_u].t != VT_NONE && v[F_b].t != VT_NONE && v[F_A].t != VT_NONE) {
        set_event(msg, "bookTicker", strlen("bookTicker"));
        msg->kind = LX_BN_MSG_BOOK_TICKER;
        return book_ticker(o, &msg->u.book_ticker);
    }
    if (v[F_LAST_UPDATE_ID].t != VT_NONE) {
        set_event(msg, "depthSnapshot", strlen("depthSnapshot"));
        msg->kind = LX_BN_MSG_DEPTH;
        return snapshot(arena, o, &msg->u.depth);
    }
    return false;
}

int lx__bn_parse_ws_fast(enum lx_bn_market m, const char *buf, size_t len,
                         struct lx_arena *arena, struct lx_bn_msg *out)
{
    struct cur c;
    struct obj root;
    struct top top;
    const struct obj *o = &root;

    (void)m; /* the mapped kinds read the same fields on both markets */
    if (buf == NULL || out == NULL || len > LX__JSON_MAX_INPUT) {
        return LX__BN_FAST_DECLINE;
    }
    c.p = buf;
    c.end = buf + len;
    memset(&root, 0, sizeof(root));
    memset(&top, 0, sizeof(top));
    ws(&c);
    if (c.p >= c.end || *c.p != '{' || !scan_obj(&c, &root, &top, 1)) {
        return LX__BN_FAST_DECLINE;
    }
    ws(&c);
    if (c.p != c.end) {
        return LX__BN_FAST_DECLINE;
    }
    memset(out, 0, sizeof(*out));
    if (top.stream.t != VT_NONE || top.has_data) {
        if (top.stream.t != VT_STR || !top.has_data ||
            top.stream.n >= sizeof(out->stream)) {
            return LX__BN_FAST_DECLINE;
        }
        memcpy(out->stream, top.stream.p, top.stream.n);
        o = &top.data;
    }
    return payload(arena, o, out) ? LX_OK : LX__BN_FAST_DECLINE;
}
