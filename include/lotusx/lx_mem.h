/*
 * lx_mem.h - allocator hooks and the library context.
 *
 * Every object LotuSX allocates comes from the struct lx_mem of the context
 * it was created in; NULL means libc. A context also carries the log sink
 * (see lx_log.h). Contexts are cheap, are never shared between threads, and
 * must outlive every object created from them.
 */
#ifndef LOTUSX_LX_MEM_H
#define LOTUSX_LX_MEM_H

#include "lx_common.h"

/*
 * Allocator hooks. All four must be set. They follow the libc contracts
 * (free(NULL) is a no-op; realloc(NULL, n) allocates); ud is passed back
 * untouched.
 */
struct lx_mem {
    void *ud;
    void *(*malloc)(size_t size, void *ud);
    void (*free)(void *ptr, void *ud);
    void *(*calloc)(size_t nmemb, size_t size, void *ud);
    void *(*realloc)(void *ptr, size_t size, void *ud);
};

/* The libc allocator as an lx_mem; static, never NULL. */
LX_EXTERN const struct lx_mem *lx_mem_default(void);

/*
 * A counting, optionally failing allocator for tests: wraps `base` (NULL =
 * libc), makes the fail_at-th allocation (1-based; 0 = never) and every one
 * after it return NULL when sticky is set (only that one when not), and keeps
 * counts so a test can assert that nothing leaked. The struct is public so it
 * can live on the stack; initialise it with lx_mem_failing_init and pass
 * &f->mem wherever an allocator is taken.
 */
struct lx_mem_failing {
    struct lx_mem mem;
    const struct lx_mem *base;
    unsigned long fail_at;
    int sticky;
    unsigned long nalloc;  /* allocation calls seen, failed ones included */
    unsigned long nfailed; /* allocation calls that returned NULL on purpose */
    long outstanding;      /* live blocks: allocations minus frees */
};

LX_EXTERN void lx_mem_failing_init(struct lx_mem_failing *f,
                                   const struct lx_mem *base,
                                   unsigned long fail_at, int sticky);

struct lx_ctx;

/*
 * Creates a context that allocates with `mem` (NULL = libc; the struct is
 * copied, mem->ud must stay valid) and logs to stderr at LX_LOG_WARN.
 * Returns LX_OK or LX_ERR_NOMEM. Any thread; contexts are not thread-safe.
 */
LX_EXTERN int lx_ctx_new(struct lx_ctx **out, const struct lx_mem *mem);

/* Frees the context; NULL is allowed. Objects made from it must be gone. */
LX_EXTERN void lx_ctx_free(struct lx_ctx *ctx);

/* The allocator of a context; NULL ctx gives lx_mem_default(). */
LX_EXTERN const struct lx_mem *lx_ctx_mem(const struct lx_ctx *ctx);

#endif
