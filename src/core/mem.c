/*
 * mem.c - the allocator hooks, the failing allocator used by tests, and the
 * only file allowed to call libc's allocation functions directly.
 *
 * It does not track allocations itself (lx_mem_failing does, for tests) and
 * it never aborts on NOMEM: callers get NULL and return LX_ERR_NOMEM.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"

static void *libc_malloc(size_t n, void *ud)
{
    LX_UNUSED(ud);
    return malloc(n);
}

static void libc_free(void *p, void *ud)
{
    LX_UNUSED(ud);
    free(p);
}

static void *libc_calloc(size_t nmemb, size_t n, void *ud)
{
    LX_UNUSED(ud);
    return calloc(nmemb, n);
}

static void *libc_realloc(void *p, size_t n, void *ud)
{
    LX_UNUSED(ud);
    return realloc(p, n);
}

static const struct lx_mem libc_mem = {NULL, libc_malloc, libc_free,
                                       libc_calloc, libc_realloc};

const struct lx_mem *lx_mem_default(void)
{
    return &libc_mem;
}

static const struct lx_mem *pick(const struct lx_mem *mem)
{
    return mem != NULL ? mem : &libc_mem;
}

void *lx__malloc(const struct lx_mem *mem, size_t n)
{
    mem = pick(mem);
    return mem->malloc(n == 0 ? 1 : n, mem->ud);
}

void *lx__calloc(const struct lx_mem *mem, size_t nmemb, size_t n)
{
    mem = pick(mem);
    if (nmemb == 0 || n == 0) {
        nmemb = 1;
        n = 1;
    }
    return mem->calloc(nmemb, n, mem->ud);
}

void *lx__realloc(const struct lx_mem *mem, void *p, size_t n)
{
    mem = pick(mem);
    return mem->realloc(p, n == 0 ? 1 : n, mem->ud);
}

void lx__free(const struct lx_mem *mem, void *p)
{
    if (p != NULL) {
        mem = pick(mem);
        mem->free(p, mem->ud);
    }
}

void *lx__memdup(const struct lx_mem *mem, const void *p, size_t n)
{
    char *d = lx__malloc(mem, n + 1);

    if (d != NULL) {
        if (n > 0) {
            memcpy(d, p, n);
        }
        d[n] = '\0';
    }
    return d;
}

char *lx__strndup(const struct lx_mem *mem, const char *s, size_t n)
{
    return lx__memdup(mem, s, strnlen(s, n));
}

char *lx__strdup(const struct lx_mem *mem, const char *s)
{
    return lx__memdup(mem, s, strlen(s));
}

/*
 * The failing allocator. It decides per allocation call whether to fail and
 * counts live blocks so a test can assert that an error path freed
 * everything it had allocated.
 */
static int should_fail(struct lx_mem_failing *f)
{
    f->nalloc++;
    if (f->fail_at != 0 &&
        (f->nalloc == f->fail_at || (f->sticky && f->nalloc > f->fail_at))) {
        f->nfailed++;
        return 1;
    }
    return 0;
}

static void *failing_malloc(size_t n, void *ud)
{
    struct lx_mem_failing *f = ud;
    void *p;

    if (should_fail(f)) {
        return NULL;
    }
    p = f->base->malloc(n, f->base->ud);
    if (p != NULL) {
        f->outstanding++;
    }
    return p;
}

static void failing_free(void *p, void *ud)
{
    struct lx_mem_failing *f = ud;

    if (p != NULL) {
        f->outstanding--;
        f->base->free(p, f->base->ud);
    }
}

static void *failing_calloc(size_t nmemb, size_t n, void *ud)
{
    struct lx_mem_failing *f = ud;
    void *p;

    if (should_fail(f)) {
        return NULL;
    }
    p = f->base->calloc(nmemb, n, f->base->ud);
    if (p != NULL) {
        f->outstanding++;
    }
    return p;
}

/* realloc(p, n) with p != NULL moves a live block; it is still one block. */
static void *failing_realloc(void *p, size_t n, void *ud)
{
    struct lx_mem_failing *f = ud;
    void *q;

    if (should_fail(f)) {
        return NULL;
    }
    q = f->base->realloc(p, n, f->base->ud);
    if (q != NULL && p == NULL) {
        f->outstanding++;
    }
    return q;
}

void lx_mem_failing_init(struct lx_mem_failing *f, const struct lx_mem *base,
                         unsigned long fail_at, int sticky)
{
    memset(f, 0, sizeof(*f));
    f->base = pick(base);
    f->fail_at = fail_at;
    f->sticky = sticky;
    f->mem.ud = f;
    f->mem.malloc = failing_malloc;
    f->mem.free = failing_free;
    f->mem.calloc = failing_calloc;
    f->mem.realloc = failing_realloc;
}
