/*
 * lx_test.h - shared helpers for the CMocka unit tests.
 *
 * lx_test_mem(): an lx_mem over CMocka's test_malloc/test_free, so a block
 * a test leaks is reported by CMocka as a failure of that test.
 *
 * lx_test_failmalloc(): re-runs a scenario with an allocator that fails the
 * 1st, 2nd, 3rd ... allocation until one run completes without meeting the
 * failure. Every run must return LX_OK or LX_ERR_NOMEM (never crash, never
 * any other error) and must leave no allocation outstanding.
 */
#ifndef LOTUSX_TEST_LX_TEST_H
#define LOTUSX_TEST_LX_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lotusx/lx_err.h"
#include "lotusx/lx_mem.h"

static void *lx_test_malloc_cb(size_t n, void *ud)
{
    (void)ud;
    return test_malloc(n);
}

static void lx_test_free_cb(void *p, void *ud)
{
    (void)ud;
    if (p != NULL) {
        test_free(p);
    }
}

static void *lx_test_calloc_cb(size_t nmemb, size_t n, void *ud)
{
    (void)ud;
    return test_calloc(nmemb, n);
}

static void *lx_test_realloc_cb(void *p, size_t n, void *ud)
{
    (void)ud;
    return test_realloc(p, n);
}

static inline const struct lx_mem *lx_test_mem(void)
{
    static const struct lx_mem m = {NULL, lx_test_malloc_cb, lx_test_free_cb,
                                    lx_test_calloc_cb, lx_test_realloc_cb};
    return &m;
}

typedef int (*lx_test_scenario_fn)(const struct lx_mem *mem, void *ud);

/* Upper bound on the allocations one scenario may make. */
#define LX_TEST_FAILMALLOC_MAX 100000UL

static inline void lx_test_failmalloc(lx_test_scenario_fn fn, void *ud)
{
    unsigned long n;

    for (n = 1; n < LX_TEST_FAILMALLOC_MAX; n++) {
        struct lx_mem_failing f;
        int rc;

        lx_mem_failing_init(&f, lx_test_mem(), n, 1);
        rc = fn(&f.mem, ud);
        assert_int_equal(f.outstanding, 0);
        if (f.nfailed == 0) {
            assert_int_equal(rc, LX_OK);
            return;
        }
        if (rc != LX_OK && rc != LX_ERR_NOMEM) {
            fail_msg("failmalloc run %lu returned %d (%s)", n, rc,
                     lx_err_name(rc));
        }
    }
    fail_msg("scenario made more than %lu allocations", LX_TEST_FAILMALLOC_MAX);
}

#endif
