/*
 * types.c - the small runtime behind lx_types.h: the arena the codecs
 * allocate their arrays from, and the names of the enum values.
 *
 * The arena is a list of chunks from an lx_mem. It never frees single
 * allocations; reset keeps the first chunk (sized for a typical message)
 * so a steady stream of messages allocates nothing after warm-up.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_types.h"

#define ARENA_ALIGN 16u
#define ARENA_CHUNK (16u * 1024u)

struct chunk {
    struct chunk *next;
    size_t cap;  /* usable bytes after the header */
    size_t used; /* bytes handed out */
    /* data follows, ARENA_ALIGN-aligned */
};

struct lx_arena {
    const struct lx_mem *mem;
    size_t max;  /* cap on the sum of the chunk capacities */
    size_t held; /* sum of chunk capacities */
    size_t used; /* bytes handed out since reset */
    int err;
    struct chunk *head; /* current chunk; the first one is last */
};

#define CHUNK_HDR                                                              \
    ((sizeof(struct chunk) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

int lx_arena_new(struct lx_arena **out, const struct lx_mem *mem, size_t max)
{
    struct lx_arena *a;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    a = lx__calloc(mem, 1, sizeof(*a));
    if (a == NULL) {
        return LX_ERR_NOMEM;
    }
    a->mem = mem;
    a->max = max != 0 ? max : LX_ARENA_DEFAULT_MAX;
    *out = a;
    return LX_OK;
}

void lx_arena_free(struct lx_arena *a)
{
    struct chunk *c, *next;

    if (a == NULL) {
        return;
    }
    for (c = a->head; c != NULL; c = next) {
        next = c->next;
        lx__free(a->mem, c);
    }
    lx__free(a->mem, a);
}

void lx_arena_reset(struct lx_arena *a)
{
    struct chunk *c, *next;

    if (a == NULL) {
        return;
    }
    /* Keep only the oldest chunk (the tail of the list). */
    for (c = a->head; c != NULL && c->next != NULL; c = next) {
        next = c->next;
        a->held -= c->cap;
        lx__free(a->mem, c);
    }
    a->head = c;
    if (c != NULL) {
        c->used = 0;
    }
    a->used = 0;
    a->err = LX_OK;
}

static struct chunk *grow(struct lx_arena *a, size_t n)
{
    size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    struct chunk *c;

    if (a->held > a->max || n > a->max - a->held) {
        a->err = LX_ERR_TOOBIG;
        return NULL;
    }
    if (cap > a->max - a->held) {
        cap = a->max - a->held;
    }
    c = lx__malloc(a->mem, CHUNK_HDR + cap);
    if (c == NULL) {
        a->err = LX_ERR_NOMEM;
        return NULL;
    }
    c->next = a->head;
    c->cap = cap;
    c->used = 0;
    a->head = c;
    a->held += cap;
    return c;
}

void *lx_arena_alloc(struct lx_arena *a, size_t n)
{
    struct chunk *c;
    size_t need;
    char *p;

    if (a == NULL) {
        return NULL;
    }
    if (n > SIZE_MAX - ARENA_ALIGN) {
        a->err = LX_ERR_TOOBIG;
        return NULL;
    }
    need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0) {
        need = ARENA_ALIGN;
    }
    c = a->head;
    if (c == NULL || c->cap - c->used < need) {
        c = grow(a, need);
        if (c == NULL) {
            return NULL;
        }
    }
    p = (char *)c + CHUNK_HDR + c->used;
    c->used += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

void *lx_arena_alloc_array(struct lx_arena *a, size_t nmemb, size_t size)
{
    if (a != NULL && size != 0 && nmemb > SIZE_MAX / size) {
        a->err = LX_ERR_TOOBIG;
        return NULL;
    }
    return lx_arena_alloc(a, nmemb * size);
}

int lx_arena_error(const struct lx_arena *a)
{
    return a != NULL ? a->err : LX_ERR_INVAL;
}

size_t lx_arena_used(const struct lx_arena *a)
{
    return a != NULL ? a->used : 0;
}

/* ---- Names ----------------------------------------------------------------
 */

static const char *pick_name(const char *const *names, size_t n, int v)
{
    if (v < 0 || (size_t)v >= n) {
        return "unknown";
    }
    return names[v];
}

const char *lx_side_name(int v)
{
    static const char *const n[] = {"none", "buy", "sell"};

    return pick_name(n, LX_ARRAY_LEN(n), v);
}

const char *lx_order_type_name(int v)
{
    static const char *const n[] = {"none",
                                    "market",
                                    "limit",
                                    "stop_loss",
                                    "stop_loss_limit",
                                    "take_profit",
                                    "take_profit_limit",
                                    "limit_maker",
                                    "stop_market",
                                    "take_profit_market",
                                    "trailing_stop",
                                    "liquidation"};

    return pick_name(n, LX_ARRAY_LEN(n), v);
}

const char *lx_tif_name(int v)
{
    static const char *const n[] = {"none", "gtc", "ioc", "fok", "gtx", "gtd"};

    return pick_name(n, LX_ARRAY_LEN(n), v);
}

const char *lx_order_status_name(int v)
{
    static const char *const n[] = {
        "none",        "new",      "partially_filled",
        "filled",      "canceled", "pending_cancel",
        "rejected",    "expired",  "expired_in_match",
        "pending_new", "other"};

    return pick_name(n, LX_ARRAY_LEN(n), v);
}

const char *lx_exec_type_name(int v)
{
    static const char *const n[] = {
        "none",      "new",        "canceled", "replaced",
        "rejected",  "trade",      "expired",  "trade_prevention",
        "amendment", "calculated", "other"};

    return pick_name(n, LX_ARRAY_LEN(n), v);
}

const char *lx_position_side_name(int v)
{
    static const char *const n[] = {"none", "both", "long", "short"};

    return pick_name(n, LX_ARRAY_LEN(n), v);
}
