/*
 * codec_ws_fast.c - a tree-free scanner for the high-volume Binance frames:
 * the market frames (depthUpdate, trade, aggTrade, bookTicker with and
 * without "e", markPriceUpdate, and the partial-depth snapshot object) and
 * the user-data events (spot executionReport, outboundAccountPosition,
 * balanceUpdate; USD-M ORDER_TRADE_UPDATE, TRADE_LITE, ALGO_UPDATE,
 * ACCOUNT_UPDATE), bare, in the combined stream's
 * {"stream":..,"data":{..}} envelope, or in the WebSocket API's
 * {"subscriptionId":..,"event":{..}} user-data wrapper.
 *
 * lx__bn_parse_ws tries it first and falls back to the cJSON path
 * (codec_ws.c) whenever it declines. The contract: when it accepts a
 * frame, *out and the arena arrays it points to are exactly what the cJSON
 * path gives; anything it is not sure about is declined, never guessed:
 *   - any backslash (escape) or control byte in any string, a UTF-8 BOM,
 *     bytes other than JSON whitespace around tokens, nesting deeper than
 *     FAST_MAX_DEPTH, number tokens outside strict JSON grammar or longer
 *     than FAST_NUM_MAX bytes, a frame over LX__JSON_MAX_INPUT;
 *   - a key it reads appearing twice in one object (cJSON would take the
 *     first), and two nested event objects ("o" and "a") in one object;
 *   - at the top level, keys that steer the cJSON path elsewhere (error
 *     envelopes, replies): code, msg, error, result, id; "stream" without
 *     "data"; "subscriptionId" without an "event" object or the other way
 *     round; both envelopes at once;
 *   - a field of the wrong JSON type, a number where it wants a decimal
 *     (cJSON would go through a double), a string too long for its field,
 *     an integer or decimal the shared parsers refuse, a level array that
 *     is not [[string, string, ...], ...], a balance or position array
 *     element that is not an object, an enum word longer than
 *     FAST_WORD_MAX bytes, an event it does not map.
 * Unknown keys are skipped (their values checked as JSON); key order is
 * free. One pass records where each known key's value is (the one nested
 * event object, "o" of ORDER_TRADE_UPDATE / ALGO_UPDATE or "a" of
 * ACCOUNT_UPDATE, is scanned in the same pass into its own record); the
 * event is then told apart the way codec_ws.c does it and its fields
 * converted with the same lx__parse_i64 / lx_decimal_parse the JSON getters
 * use, and its enum words with the same lx__bn_* tables. Level arrays are
 * parsed in the pass, while they fit a stack scratch of 2 * FAST_SCRATCH
 * levels (so a book's text is walked once; a refused decimal only marks
 * the array, and declines only if the event reads it); an array that does
 * not fit is only checked then and parsed afterwards (its first
 * FAST_SCRATCH levels onto the stack, the rest only checked). Both sides
 * are parsed before one arena array per side is taken, bids first, of the
 * sizes the cJSON path takes.
 * Balance and position arrays are only checked in the pass; their elements
 * are then scanned and converted one by one (the first FAST_ELEMS onto the
 * stack, the rest again once the array is taken), both arrays before the
 * first is taken. So a decline leaves the arena untouched, except when
 * the arena runs out between two arrays, which fails the cJSON path as
 * well (its error may then name the first array rather than the second).
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
/* Balances / positions per array parsed on the stack, likewise. */
#define FAST_ELEMS 16
/* Longest enum word (side, type, status...) looked up; longer declines. */
#define FAST_WORD_MAX 32

enum vtype {
    VT_NONE = 0, /* key not seen */
    VT_STR,      /* p/n: the bytes between the quotes, no escapes */
    VT_INT,      /* p/n: an integer token -?(0|[1-9][0-9]*) */
    VT_NUM,      /* another number token */
    VT_TRUE,
    VT_FALSE,
    VT_NULL,
    VT_LEVELS, /* p/n: the text of [[str,str,..],..]; nlev levels */
    VT_ARR,    /* p/n: the text of another array, checked */
    VT_SUB,    /* an object scanned into the owner's sub record */
    VT_OTHER   /* any other value, checked and skipped */
};

/* The keys of the mapped events (and of their no-"e" shapes). */
enum fkey {
    /* Market frames. */
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
    /* User data: orders. */
    F_c,
    F_S,
    F_x,
    F_X,
    F_L,
    F_z,
    F_n,
    F_N,
    F_o,
    F_C,
    F_F,
    F_Z,
    F_Q,
    F_g,
    F_O,
    F_w,
    F_R,
    F_ot,
    F_ps,
    F_ap,
    F_sp,
    F_AP,
    F_cr,
    F_rp,
    F_cp,
    F_aid,
    F_caid,
    F_tp,
    F_aq,
    F_ai,
    F_rm,
    /* User data: balances and positions. */
    F_d,
    F_wb,
    F_cw,
    F_bc,
    F_pa,
    F_ep,
    F_bep,
    F_up,
    F_iw,
    F_mt,
    F_COUNT,
    /* Top level only. */
    R_STREAM,
    R_DATA,
    R_SUBID, /* "subscriptionId" */
    R_EVENT, /* "event" */
    R_STEER, /* a key that sends the cJSON path elsewhere */
    K_UNKNOWN
};

struct val {
    const char *p;
    size_t n;
    size_t nlev;
    enum vtype t;
    /* VT_LEVELS parsed in the scan (all nlev of them, or lv is NULL);
     * lv_bad: a decimal among them was refused. */
    const struct lx_level *lv;
    bool lv_bad;
};

/*
 * The keys of one object: v[id] holds a value only when bit id of seen is
 * set (so a record is reset by clearing seen); read it through V().
 */
struct obj {
    uint64_t seen;
    struct val v[F_COUNT];
    /* Where a nested event object ("o" or "a") goes; NULL: nowhere. */
    struct obj *sub;
    bool sub_used;
};

_Static_assert(F_COUNT <= 64, "struct obj's seen has a bit per key");

/* What V() gives for a key not seen. */
static const struct val none = {NULL, 0, 0, VT_NONE, NULL, false};

static const struct val *V(const struct obj *o, int id)
{
    return (o->seen >> id & 1) != 0 ? &o->v[id] : &none;
}

/* Levels parsed while the frame is scanned (both sides of a book). */
struct lscratch {
    struct lx_level lv[2 * FAST_SCRATCH];
    size_t used;
};

struct cur {
    const char *p, *end;
    struct lscratch *ls; /* NULL: level arrays are only checked */
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
 * the second are skipped (the cJSON path ignores them too). With scratch
 * room (c->ls) the two strings of every level are parsed as decimals on
 * the way into v->lv, so the event need not walk the text again; a
 * refused decimal only marks v->lv_bad (whether it matters is the
 * event's business), and running out of room leaves v->lv NULL.
 */
static bool scan_levels(struct cur *c, unsigned depth, struct val *v)
{
    struct lscratch *ls = c->ls;
    struct lx_level *lv = ls != NULL ? &ls->lv[ls->used] : NULL;
    size_t room = ls != NULL ? LX_ARRAY_LEN(ls->lv) - ls->used : 0;
    const char *s, *q;
    size_t n, qn;

    v->nlev = 0;
    v->lv = NULL;
    v->lv_bad = false;
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
        if (c->p >= c->end || *c->p != '"' || !scan_str(c, &q, &qn)) {
            return false;
        }
        if (v->nlev < room &&
            (lx_decimal_parse(s, n, &lv[v->nlev].price) != LX_OK ||
             lx_decimal_parse(q, qn, &lv[v->nlev].qty) != LX_OK)) {
            v->lv_bad = true;
        }
        while (expect(c, ',')) {
            if (!skip_value(c, depth + 1)) {
                return false;
            }
        }
        if (!expect(c, ']')) {
            return false;
        }
        v->nlev++;
        if (expect(c, ',')) {
            continue;
        }
        if (!expect(c, ']')) {
            return false;
        }
        if (v->nlev <= room) {
            v->lv = lv;
            ls->used += v->nlev;
        }
        return true;
    }
}

/* ---- Keys ----------------------------------------------------------------
 */

/* The one-letter keys: id + 1, 0 when unknown. */
static const unsigned char key1[128] = {
    ['e'] = F_e + 1, ['E'] = F_E + 1, ['s'] = F_s + 1, ['T'] = F_T + 1,
    ['U'] = F_U + 1, ['u'] = F_u + 1, ['b'] = F_b + 1, ['a'] = F_a + 1,
    ['t'] = F_t + 1, ['p'] = F_p + 1, ['q'] = F_q + 1, ['m'] = F_m + 1,
    ['f'] = F_f + 1, ['l'] = F_l + 1, ['B'] = F_B + 1, ['A'] = F_A + 1,
    ['i'] = F_i + 1, ['P'] = F_P + 1, ['r'] = F_r + 1, ['c'] = F_c + 1,
    ['S'] = F_S + 1, ['x'] = F_x + 1, ['X'] = F_X + 1, ['L'] = F_L + 1,
    ['z'] = F_z + 1, ['n'] = F_n + 1, ['N'] = F_N + 1, ['o'] = F_o + 1,
    ['C'] = F_C + 1, ['Z'] = F_Z + 1, ['Q'] = F_Q + 1, ['g'] = F_g + 1,
    ['O'] = F_O + 1, ['w'] = F_w + 1, ['R'] = F_R + 1, ['d'] = F_d + 1,
    ['F'] = F_F + 1,
};

#define K2(a, b) (((unsigned)(unsigned char)(a) << 8) | (unsigned char)(b))

static int key2(const char *k)
{
    switch (K2(k[0], k[1])) {
    case K2('p', 'u'):
        return F_pu;
    case K2('o', 't'):
        return F_ot;
    case K2('p', 's'):
        return F_ps;
    case K2('a', 'p'):
        return F_ap;
    case K2('s', 'p'):
        return F_sp;
    case K2('A', 'P'):
        return F_AP;
    case K2('c', 'r'):
        return F_cr;
    case K2('r', 'p'):
        return F_rp;
    case K2('c', 'p'):
        return F_cp;
    case K2('t', 'p'):
        return F_tp;
    case K2('a', 'q'):
        return F_aq;
    case K2('a', 'i'):
        return F_ai;
    case K2('r', 'm'):
        return F_rm;
    case K2('w', 'b'):
        return F_wb;
    case K2('c', 'w'):
        return F_cw;
    case K2('b', 'c'):
        return F_bc;
    case K2('p', 'a'):
        return F_pa;
    case K2('e', 'p'):
        return F_ep;
    case K2('u', 'p'):
        return F_up;
    case K2('i', 'w'):
        return F_iw;
    case K2('m', 't'):
        return F_mt;
    case K2('i', 'd'):
        return R_STEER;
    default:
        return K_UNKNOWN;
    }
}

#undef K2

static int key_id(const char *k, size_t n)
{
    unsigned char k0 = (unsigned char)k[0];

    switch (n) {
    case 1:
        return k0 < 128 && key1[k0] != 0 ? key1[k0] - 1 : K_UNKNOWN;
    case 2:
        return key2(k);
    case 3:
        if (memcmp(k, "aid", 3) == 0) {
            return F_aid;
        }
        if (memcmp(k, "bep", 3) == 0) {
            return F_bep;
        }
        return memcmp(k, "msg", 3) == 0 ? R_STEER : K_UNKNOWN;
    case 4:
        if (memcmp(k, "caid", 4) == 0) {
            return F_caid;
        }
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
        if (memcmp(k, "event", 5) == 0) {
            return R_EVENT;
        }
        return memcmp(k, "error", 5) == 0 ? R_STEER : K_UNKNOWN;
    case 6:
        if (memcmp(k, "stream", 6) == 0) {
            return R_STREAM;
        }
        return memcmp(k, "result", 6) == 0 ? R_STEER : K_UNKNOWN;
    case 12:
        return memcmp(k, "lastUpdateId", 12) == 0 ? F_LAST_UPDATE_ID
                                                  : K_UNKNOWN;
    case 14:
        return memcmp(k, "subscriptionId", 14) == 0 ? R_SUBID : K_UNKNOWN;
    default:
        return K_UNKNOWN;
    }
}

static bool is_level_key(int id)
{
    return id == F_b || id == F_a || id == F_BIDS || id == F_ASKS;
}

/* One value of a known key into *v (all of it, whatever was there). */
static bool scan_known(struct cur *c, int id, unsigned depth, struct val *v)
{
    bool is_int;

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
            if (!scan_levels(c, depth, v)) {
                return false;
            }
        } else {
            v->t = VT_ARR;
            if (!skip_value(c, depth)) {
                return false;
            }
        }
        v->n = (size_t)(c->p - v->p);
        return true;
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
    bool has_data, has_subid, has_event;
    struct obj data; /* the "data" or "event" object */
};

static bool scan_obj(struct cur *c, struct obj *o, struct top *top,
                     unsigned depth);

/*
 * The object value of "o" or "a" at c->p ('{') into o->sub: one per
 * object (a second declines), fresh.
 */
static bool scan_sub(struct cur *c, struct obj *o, struct val *v,
                     unsigned depth)
{
    if (o->sub_used) {
        return false;
    }
    o->sub_used = true;
    o->sub->seen = 0;
    o->sub->sub = NULL;
    o->sub->sub_used = false;
    if (!scan_obj(c, o->sub, NULL, depth + 1)) {
        return false;
    }
    v->t = VT_SUB;
    return true;
}

/* Skips whitespace; whether an object ('{') follows. */
static bool ws_brace(struct cur *c)
{
    ws(c);
    return c->p < c->end && *c->p == '{';
}

/* The object that "data" or "event" holds, at c->p. */
static bool scan_inner(struct cur *c, struct top *top, bool *flag,
                       unsigned depth)
{
    ws(c);
    if (*flag || c->p >= c->end || *c->p != '{') {
        return false;
    }
    *flag = true;
    if (top->has_data && top->has_event) {
        return false;
    }
    top->data.seen = 0;
    top->data.sub_used = false;
    return scan_obj(c, &top->data, NULL, depth + 1);
}

/*
 * The object at c->p ('{'). With top non-NULL it is the frame itself:
 * "stream", "data", "subscriptionId" and "event" go there and steering
 * keys decline.
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
            if ((o->seen >> id & 1) != 0) {
                return false; /* a repeated key: cJSON takes the first */
            }
            o->seen |= (uint64_t)1 << id;
            if ((id == F_o || id == F_a) && o->sub != NULL && ws_brace(c)) {
                if (!scan_sub(c, o, &o->v[id], depth)) {
                    return false;
                }
            } else if (!scan_known(c, id, depth, &o->v[id])) {
                return false;
            }
        } else if (top == NULL) {
            if (!skip_value(c, depth)) {
                return false;
            }
        } else if (id == R_STEER) {
            return false;
        } else if (id == R_STREAM) {
            if (top->stream.t != VT_NONE ||
                !scan_known(c, id, depth, &top->stream)) {
                return false;
            }
        } else if (id == R_DATA) {
            if (!scan_inner(c, top, &top->has_data, depth)) {
                return false;
            }
        } else if (id == R_EVENT) {
            if (!scan_inner(c, top, &top->has_event, depth)) {
                return false;
            }
        } else if (id == R_SUBID) {
            if (top->has_subid || !skip_value(c, depth)) {
                return false;
            }
            top->has_subid = true;
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

/* An optional boolean (lx__bn_bool): false when missing or null. */
static bool f_obool(const struct val *v, bool *out)
{
    if (v->t == VT_NONE || v->t == VT_NULL) {
        *out = false;
        return true;
    }
    return f_bool(v, out);
}

/* An id (lx__bn_id): a string as is, an integer as its digits. */
static bool f_id(const struct val *v, bool required, char *dst, size_t cap)
{
    char tmp[24];
    int64_t x;
    int n;

    if (v->t != VT_INT) {
        return f_str(v, required, dst, cap);
    }
    dst[0] = '\0';
    if (lx__parse_i64(v->p, v->n, &x) != LX_OK) {
        return false;
    }
    n = lx__snprintf(tmp, sizeof(tmp), "%lld", (long long)x);
    if (n < 0 || (size_t)n >= cap) {
        return false;
    }
    memcpy(dst, tmp, (size_t)n + 1);
    return true;
}

/*
 * An enum word as lx__bn_peek gives it to the lx__bn_* tables: NULL unless
 * a string, else copied NUL-terminated into buf[FAST_WORD_MAX]; *ok goes
 * false when it does not fit.
 */
static const char *word(const struct val *v, char *buf, bool *ok)
{
    if (v->t != VT_STR) {
        return NULL;
    }
    if (v->n >= FAST_WORD_MAX) {
        *ok = false;
        return NULL;
    }
    memcpy(buf, v->p, v->n);
    buf[v->n] = '\0';
    return buf;
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
    c.ls = NULL;
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

/*
 * The levels of one side, parsed before anything is allocated: all of
 * them in the scan (v->lv), or the first FAST_SCRATCH here.
 */
struct side {
    const struct val *v;
    const struct lx_level *lv; /* v->lv or first */
    struct lx_level first[FAST_SCRATCH];
};

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static bool side_check(struct side *sd, const struct val *v)
{
    sd->v = v;
    if (v->t != VT_LEVELS) {
        return false;
    }
    if (v->lv != NULL) {
        sd->lv = v->lv;
        return !v->lv_bad;
    }
    sd->lv = sd->first;
    return levels_parse(v, sd->first, min_sz(v->nlev, FAST_SCRATCH));
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
    if (sd->lv != sd->first || nlev <= FAST_SCRATCH) {
        memcpy(*out, sd->lv, nlev * sizeof(**out));
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

    if (!f_str(V(o, F_s), true, d->symbol, sizeof(d->symbol)) ||
        !f_i64(V(o, F_E), true, 0, &d->event_ms) ||
        !f_i64(V(o, F_T), false, 0, &d->tx_ms) ||
        !f_i64(V(o, F_U), true, 0, &d->first_id) ||
        !f_i64(V(o, F_u), true, 0, &d->final_id) ||
        !f_i64(V(o, F_pu), false, -1, &d->prev_final_id)) {
        return false;
    }
    return book_sides(arena, V(o, F_b), V(o, F_a), d);
}

static bool snapshot(struct lx_arena *arena, const struct obj *o,
                     struct lx_depth *d)
{

    d->is_snapshot = true;
    d->prev_final_id = -1;
    if (!f_i64(V(o, F_LAST_UPDATE_ID), true, 0, &d->last_update_id) ||
        !f_i64(V(o, F_E), false, 0, &d->event_ms) ||
        !f_i64(V(o, F_T), false, 0, &d->tx_ms)) {
        return false;
    }
    d->first_id = d->final_id = d->last_update_id;
    return book_sides(arena, V(o, F_BIDS), V(o, F_ASKS), d);
}

static bool trade(const struct obj *o, bool agg, struct lx_trade *t)
{

    t->is_aggregate = agg;
    t->first_trade_id = t->last_trade_id = -1;
    if (!f_str(V(o, F_s), true, t->symbol, sizeof(t->symbol)) ||
        !f_i64(V(o, F_E), true, 0, &t->event_ms) ||
        !f_i64(V(o, agg ? F_a : F_t), true, 0, &t->trade_id) ||
        !f_dec(V(o, F_p), true, &t->price) ||
        !f_dec(V(o, F_q), true, &t->qty) ||
        !f_i64(V(o, F_T), true, 0, &t->trade_ms) ||
        !f_bool(V(o, F_m), &t->buyer_is_maker)) {
        return false;
    }
    if (agg && (!f_i64(V(o, F_f), false, -1, &t->first_trade_id) ||
                !f_i64(V(o, F_l), false, -1, &t->last_trade_id))) {
        return false;
    }
    t->taker_side = t->buyer_is_maker ? LX_SIDE_SELL : LX_SIDE_BUY;
    return true;
}

static bool book_ticker(const struct obj *o, struct lx_book_ticker *t)
{

    return f_str(V(o, F_s), true, t->symbol, sizeof(t->symbol)) &&
           f_i64(V(o, F_u), true, 0, &t->update_id) &&
           f_dec(V(o, F_b), true, &t->bid) &&
           f_dec(V(o, F_B), true, &t->bid_qty) &&
           f_dec(V(o, F_a), true, &t->ask) &&
           f_dec(V(o, F_A), true, &t->ask_qty) &&
           f_i64(V(o, F_E), false, 0, &t->event_ms) &&
           f_i64(V(o, F_T), false, 0, &t->tx_ms);
}

static bool mark_price(const struct obj *o, struct lx_mark_price *mp)
{

    return f_str(V(o, F_s), true, mp->symbol, sizeof(mp->symbol)) &&
           f_i64(V(o, F_E), true, 0, &mp->event_ms) &&
           f_dec(V(o, F_p), true, &mp->mark) &&
           f_dec(V(o, F_i), false, &mp->index) &&
           f_dec(V(o, F_P), false, &mp->est_settle) &&
           f_dec(V(o, F_r), false, &mp->funding_rate) &&
           f_i64(V(o, F_T), false, 0, &mp->next_funding_ms);
}

static void set_event(struct lx_bn_msg *msg, const char *s, size_t n)
{
    if (n >= sizeof(msg->event)) {
        n = sizeof(msg->event) - 1;
    }
    memcpy(msg->event, s, n);
    msg->event[n] = '\0';
}

static bool name_is(const struct val *v, const char *s)
{
    size_t n = strlen(s);

    return v->n == n && memcmp(v->p, s, n) == 0;
}

/* ---- User data (the field lists of codec_ws.c) ---------------------------
 */

/* The fields executionReport and the USD-M order object share. */
static bool order_common(const struct obj *o, struct lx_order *out)
{
    char w[FAST_WORD_MAX];
    bool ok = true;

    out->side = lx__bn_side(word(V(o, F_S), w, &ok));
    out->tif = lx__bn_tif(word(V(o, F_f), w, &ok));
    out->exec_type = lx__bn_exec_type(word(V(o, F_x), w, &ok));
    if (!ok || !f_str(V(o, F_s), true, out->symbol, sizeof(out->symbol)) ||
        !f_str(V(o, F_c), false, out->client_id, sizeof(out->client_id)) ||
        !f_id(V(o, F_i), true, out->order_id, sizeof(out->order_id)) ||
        !f_str(V(o, F_X), true, out->status_raw, sizeof(out->status_raw)) ||
        !f_dec(V(o, F_q), false, &out->qty) ||
        !f_dec(V(o, F_p), false, &out->price) ||
        !f_dec(V(o, F_l), false, &out->last_qty) ||
        !f_dec(V(o, F_z), false, &out->filled_qty) ||
        !f_dec(V(o, F_L), false, &out->last_price) ||
        !f_dec(V(o, F_n), false, &out->commission) ||
        !f_str(V(o, F_N), false, out->commission_asset,
               sizeof(out->commission_asset)) ||
        !f_i64(V(o, F_T), false, 0, &out->update_ms) ||
        !f_i64(V(o, F_t), false, -1, &out->trade_id) ||
        !f_obool(V(o, F_m), &out->maker)) {
        return false;
    }
    out->status = lx__bn_status(out->status_raw);
    out->has_details = true;
    out->list_id = -1;
    return true;
}

static bool execution_report(const struct obj *o, struct lx_order *out)
{
    char w[FAST_WORD_MAX];
    bool ok = true;

    if (!order_common(o, out)) {
        return false;
    }
    out->type = lx__bn_order_type(LX_BN_SPOT, word(V(o, F_o), w, &ok));
    out->orig_type = out->type;
    return ok &&
           f_str(V(o, F_C), false, out->orig_client_id,
                 sizeof(out->orig_client_id)) &&
           f_str(V(o, F_r), false, out->reject_reason,
                 sizeof(out->reject_reason)) &&
           f_dec(V(o, F_P), false, &out->stop_price) &&
           f_dec(V(o, F_F), false, &out->iceberg_qty) &&
           f_dec(V(o, F_Z), false, &out->cum_quote) &&
           f_dec(V(o, F_Q), false, &out->quote_qty) &&
           f_i64(V(o, F_g), false, -1, &out->list_id) &&
           f_i64(V(o, F_O), false, 0, &out->create_ms) &&
           f_obool(V(o, F_w), &out->is_working) &&
           f_i64(V(o, F_E), true, 0, &out->event_ms);
}

/* The nested object of d under key id (lx__json_get_obj), or NULL. */
static const struct obj *sub_of(const struct obj *d, int id)
{
    return V(d, id)->t == VT_SUB ? d->sub : NULL;
}

static bool order_trade_update(const struct obj *d, struct lx_order *out)
{
    const struct obj *o = sub_of(d, F_o);
    char w[FAST_WORD_MAX];
    bool ok = true;

    if (!f_i64(V(d, F_E), true, 0, &out->event_ms) || o == NULL ||
        !order_common(o, out)) {
        return false;
    }
    out->type = lx__bn_order_type(LX_BN_USDM, word(V(o, F_o), w, &ok));
    out->orig_type = lx__bn_order_type(LX_BN_USDM, word(V(o, F_ot), w, &ok));
    out->position_side = lx__bn_position_side(word(V(o, F_ps), w, &ok));
    return ok && f_dec(V(o, F_ap), false, &out->avg_price) &&
           f_dec(V(o, F_sp), false, &out->stop_price) &&
           f_dec(V(o, F_AP), false, &out->activation_price) &&
           f_dec(V(o, F_cr), false, &out->callback_rate) &&
           f_dec(V(o, F_rp), false, &out->realized_pnl) &&
           f_obool(V(o, F_R), &out->reduce_only) &&
           f_obool(V(o, F_cp), &out->close_position);
}

static bool trade_lite(const struct obj *d, struct lx_order *out)
{
    char w[FAST_WORD_MAX];
    bool ok = true;

    out->list_id = -1;
    out->exec_type = LX_EXEC_TRADE;
    out->side = lx__bn_side(word(V(d, F_S), w, &ok));
    return ok && f_str(V(d, F_s), true, out->symbol, sizeof(out->symbol)) &&
           f_str(V(d, F_c), false, out->client_id, sizeof(out->client_id)) &&
           f_id(V(d, F_i), true, out->order_id, sizeof(out->order_id)) &&
           f_dec(V(d, F_q), false, &out->qty) &&
           f_dec(V(d, F_p), false, &out->price) &&
           f_dec(V(d, F_L), true, &out->last_price) &&
           f_dec(V(d, F_l), true, &out->last_qty) &&
           f_i64(V(d, F_t), false, -1, &out->trade_id) &&
           f_obool(V(d, F_m), &out->maker) &&
           f_i64(V(d, F_E), true, 0, &out->event_ms) &&
           f_i64(V(d, F_T), false, 0, &out->update_ms);
}

static bool algo_update(const struct obj *d, struct lx_order *out)
{
    const struct obj *o = sub_of(d, F_o);
    char w[FAST_WORD_MAX];
    bool ok = true;

    out->is_algo = true;
    out->list_id = -1;
    out->has_details = true;
    if (!f_i64(V(d, F_E), true, 0, &out->event_ms) ||
        !f_i64(V(d, F_T), false, 0, &out->update_ms) || o == NULL) {
        return false;
    }
    out->type = lx__bn_order_type(LX_BN_USDM, word(V(o, F_o), w, &ok));
    out->orig_type = out->type;
    out->side = lx__bn_side(word(V(o, F_S), w, &ok));
    out->position_side = lx__bn_position_side(word(V(o, F_ps), w, &ok));
    out->tif = lx__bn_tif(word(V(o, F_f), w, &ok));
    if (!ok || !f_id(V(o, F_aid), true, out->order_id, sizeof(out->order_id)) ||
        !f_str(V(o, F_caid), false, out->client_id, sizeof(out->client_id)) ||
        !f_str(V(o, F_s), true, out->symbol, sizeof(out->symbol)) ||
        !f_str(V(o, F_X), true, out->status_raw, sizeof(out->status_raw)) ||
        !f_dec(V(o, F_q), false, &out->qty) ||
        !f_dec(V(o, F_p), false, &out->price) ||
        !f_dec(V(o, F_tp), false, &out->stop_price) ||
        !f_dec(V(o, F_ap), false, &out->avg_price) ||
        !f_dec(V(o, F_aq), false, &out->filled_qty) ||
        !f_dec(V(o, F_cr), false, &out->callback_rate) ||
        !f_id(V(o, F_ai), false, out->actual_order_id,
              sizeof(out->actual_order_id)) ||
        !f_str(V(o, F_rm), false, out->reject_reason,
               sizeof(out->reject_reason)) ||
        !f_obool(V(o, F_R), &out->reduce_only) ||
        !f_obool(V(o, F_cp), &out->close_position)) {
        return false;
    }
    out->status = lx__bn_algo_status(out->status_raw);
    return true;
}

/* One array element into *out (zeroed first, as the arena gives it). */
typedef bool (*elem_fn)(const struct obj *e, void *out);

static bool spot_bal(const struct obj *e, void *vout)
{
    struct lx_balance *out = vout;

    memset(out, 0, sizeof(*out));
    return f_str(V(e, F_a), true, out->asset, sizeof(out->asset)) &&
           f_dec(V(e, F_f), true, &out->free) &&
           f_dec(V(e, F_l), true, &out->locked);
}

static bool usdm_bal(const struct obj *e, void *vout)
{
    struct lx_balance *out = vout;

    memset(out, 0, sizeof(*out));
    return f_str(V(e, F_a), true, out->asset, sizeof(out->asset)) &&
           f_dec(V(e, F_wb), true, &out->wallet) &&
           f_dec(V(e, F_cw), false, &out->cross_wallet) &&
           f_dec(V(e, F_bc), false, &out->delta);
}

static bool usdm_pos(const struct obj *e, void *vout)
{
    struct lx_position *out = vout;
    char w[FAST_WORD_MAX];
    bool ok = true;

    memset(out, 0, sizeof(*out));
    out->side = lx__bn_position_side(word(V(e, F_ps), w, &ok));
    if (V(e, F_mt)->t == VT_STR) {
        out->margin_type =
            V(e, F_mt)->n == 8 && memcmp(V(e, F_mt)->p, "isolated", 8) == 0
                ? LX_MARGIN_ISOLATED
                : LX_MARGIN_CROSS;
    }
    return ok && f_str(V(e, F_s), true, out->symbol, sizeof(out->symbol)) &&
           f_dec(V(e, F_pa), true, &out->amount) &&
           f_dec(V(e, F_ep), false, &out->entry_price) &&
           f_dec(V(e, F_bep), false, &out->break_even_price) &&
           f_dec(V(e, F_cr), false, &out->realized_pnl) &&
           f_dec(V(e, F_up), false, &out->unrealized_pnl) &&
           f_dec(V(e, F_iw), false, &out->isolated_wallet);
}

/*
 * An array of objects (codec_ws.c's elems()): v is the array's text
 * (VT_ARR, checked), or missing / null when optional. Every element is
 * scanned and converted; the first ncopy go to dst, the rest to tmp.
 */
struct elems {
    const struct val *v;
    elem_fn fn;
    size_t sz, n;
    void *first; /* FAST_ELEMS elements of sz */
    void *tmp;   /* one element of sz */
};

static bool elems_parse(struct elems *el, void *dst, size_t ncopy)
{
    struct cur c;
    struct obj e;
    size_t i = 0;

    c.p = el->v->p + 1;
    c.end = el->v->p + el->v->n;
    c.ls = NULL;
    if (!expect(&c, ']')) {
        for (;;) {
            ws(&c);
            if (c.p >= c.end || *c.p != '{') {
                return false;
            }
            e.seen = 0;
            e.sub = NULL;
            e.sub_used = false;
            if (!scan_obj(&c, &e, NULL, 2) ||
                !el->fn(&e, i < ncopy ? (char *)dst + i * el->sz : el->tmp)) {
                return false;
            }
            i++;
            if (expect(&c, ',')) {
                continue;
            }
            if (!expect(&c, ']')) {
                return false;
            }
            break;
        }
    }
    el->n = i;
    return true;
}

/* Checks one array (onto the stack) before anything is allocated. */
static bool elems_check(struct elems *el, const struct val *v, bool required)
{
    el->v = v;
    el->n = 0;
    if (v->t == VT_NONE || v->t == VT_NULL) {
        return !required;
    }
    return v->t == VT_ARR && elems_parse(el, el->first, FAST_ELEMS);
}

/* One arena array of a checked array, as lx__bn_alloc takes it. */
static bool elems_put(struct lx_arena *arena, struct elems *el, void **out,
                      size_t *n)
{
    size_t cnt = el->n;

    *out = NULL;
    *n = 0;
    if (cnt == 0) {
        return true;
    }
    *out = lx_arena_alloc_array(arena, cnt, el->sz);
    if (*out == NULL) {
        return false;
    }
    *n = cnt;
    if (cnt <= FAST_ELEMS) {
        memcpy(*out, el->first, cnt * el->sz);
        return true;
    }
    return elems_parse(el, *out, cnt) && el->n == cnt;
}

static bool account_position(struct lx_arena *arena, const struct obj *d,
                             struct lx_bn_account_update *a)
{
    struct lx_balance first[FAST_ELEMS], tmp;
    struct elems b = {NULL, spot_bal, sizeof(tmp), 0, first, &tmp};

    return f_i64(V(d, F_u), false, 0, &a->tx_ms) &&
           elems_check(&b, V(d, F_B), true) &&
           elems_put(arena, &b, (void **)&a->balances, &a->nbalances);
}

static bool balance_update(struct lx_arena *arena, const struct obj *d,
                           struct lx_bn_account_update *a)
{
    struct lx_balance b;

    memset(&b, 0, sizeof(b));
    if (!f_str(V(d, F_a), true, b.asset, sizeof(b.asset)) ||
        !f_dec(V(d, F_d), true, &b.delta) ||
        !f_i64(V(d, F_T), false, 0, &a->tx_ms)) {
        return false;
    }
    b.update_ms = a->tx_ms;
    a->balances = lx_arena_alloc_array(arena, 1, sizeof(b));
    if (a->balances == NULL) {
        return false;
    }
    *a->balances = b;
    a->nbalances = 1;
    return true;
}

static bool account_update(struct lx_arena *arena, const struct obj *d,
                           struct lx_bn_account_update *a)
{
    const struct obj *x = sub_of(d, F_a);
    struct lx_balance bfirst[FAST_ELEMS], btmp;
    struct lx_position pfirst[FAST_ELEMS], ptmp;
    struct elems b = {NULL, usdm_bal, sizeof(btmp), 0, bfirst, &btmp};
    struct elems p = {NULL, usdm_pos, sizeof(ptmp), 0, pfirst, &ptmp};

    return f_i64(V(d, F_T), false, 0, &a->tx_ms) && x != NULL &&
           f_str(V(x, F_m), false, a->reason, sizeof(a->reason)) &&
           elems_check(&b, V(x, F_B), false) &&
           elems_check(&p, V(x, F_P), false) &&
           elems_put(arena, &b, (void **)&a->balances, &a->nbalances) &&
           elems_put(arena, &p, (void **)&a->positions, &a->npositions);
}

/* The user-data events of codec_ws.c's user_event() mapped here. */
static bool user_event(struct lx_arena *arena, const struct obj *o,
                       const struct val *e, struct lx_bn_msg *msg)
{
    if (name_is(e, "executionReport")) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return execution_report(o, &msg->u.order);
    }
    if (name_is(e, "ORDER_TRADE_UPDATE")) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return order_trade_update(o, &msg->u.order);
    }
    if (name_is(e, "ALGO_UPDATE")) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return algo_update(o, &msg->u.order);
    }
    if (name_is(e, "TRADE_LITE")) {
        msg->kind = LX_BN_MSG_ORDER_UPDATE;
        return trade_lite(o, &msg->u.order);
    }
    msg->kind = LX_BN_MSG_ACCOUNT_UPDATE;
    if (name_is(e, "outboundAccountPosition")) {
        return account_position(arena, o, &msg->u.account);
    }
    if (name_is(e, "balanceUpdate")) {
        return balance_update(arena, o, &msg->u.account);
    }
    if (name_is(e, "ACCOUNT_UPDATE")) {
        return account_update(arena, o, &msg->u.account);
    }
    return false;
}

/* The event object: codec_ws.c's payload() for the kinds mapped here. */
static bool payload(struct lx_arena *arena, const struct obj *o,
                    struct lx_bn_msg *msg)
{
    const struct val *e = V(o, F_e);

    if (e->t == VT_STR) {
        set_event(msg, e->p, e->n);
        if (!f_i64(V(o, F_E), false, 0, &msg->event_ms)) {
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
        return user_event(arena, o, e, msg);
    }
    if (e->t != VT_NONE) {
        return false;
    }
    if (V(o, F_u)->t != VT_NONE && V(o, F_b)->t != VT_NONE &&
        V(o, F_A)->t != VT_NONE) {
        set_event(msg, "bookTicker", strlen("bookTicker"));
        msg->kind = LX_BN_MSG_BOOK_TICKER;
        return book_ticker(o, &msg->u.book_ticker);
    }
    if (V(o, F_LAST_UPDATE_ID)->t != VT_NONE) {
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
    struct obj root, root_sub, data_sub;
    struct top top;
    struct lscratch ls;
    const struct obj *o = &root;

    (void)m; /* the mapped kinds read the same fields on both markets */
    if (buf == NULL || out == NULL || len > LX__JSON_MAX_INPUT) {
        return LX__BN_FAST_DECLINE;
    }
    c.p = buf;
    c.end = buf + len;
    c.ls = &ls;
    ls.used = 0;
    root.seen = 0;
    root.sub = &root_sub;
    root.sub_used = false;
    top.stream.t = VT_NONE;
    top.has_data = top.has_subid = top.has_event = false;
    top.data.sub = &data_sub; /* the rest is set when "data" is seen */
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
        if (top.stream.t != VT_STR || !top.has_data || top.has_subid ||
            top.has_event || top.stream.n >= sizeof(out->stream)) {
            return LX__BN_FAST_DECLINE;
        }
        memcpy(out->stream, top.stream.p, top.stream.n);
        o = &top.data;
    } else if (top.has_subid || top.has_event) {
        /* The WebSocket API's user-data wrapper. */
        if (!top.has_subid || !top.has_event) {
            return LX__BN_FAST_DECLINE;
        }
        o = &top.data;
    }
    if (!payload(arena, o, out)) {
        return LX__BN_FAST_DECLINE;
    }
    if (out->event_ms == 0 && out->kind == LX_BN_MSG_ORDER_UPDATE) {
        out->event_ms = out->u.order.event_ms;
    }
    return LX_OK;
}
