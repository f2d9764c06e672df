/*
 * test_mock_idmap.c - the id -> value map of the mock's order records
 * (mock/server/idmap.c) against a plain array model: seeded random puts,
 * replacements and removals on small tables (long probe runs that wrap
 * around the end), every id checked after every step; the full-table
 * refusal; bad arguments.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"
#include "mock/server/idmap.h"
#include "lx_test.h"

#define NKEYS 48 /* ids 1..NKEYS, plus far-apart ones below */

/* ids that collide a lot in a small table: the model's universe */
static uint64_t key_of(size_t k)
{
    return k % 2 ? (uint64_t)k : (uint64_t)k << 40 | 7;
}

static void check_all(const struct lx_mock_idmap *m, const int64_t *model)
{
    size_t k, n = 0;
    uint32_t v;

    for (k = 1; k <= NKEYS; k++) {
        int in = lx_mock_idmap_get(m, key_of(k), &v);

        assert_int_equal(in, model[k] >= 0);
        if (in) {
            assert_int_equal(v, (uint32_t)model[k]);
            n++;
        }
    }
    assert_int_equal(m->n, n);
}

static void run(size_t cap, uint64_t seed, int steps)
{
    struct lx_mock_idmap m;
    int64_t model[NKEYS + 1];
    struct lx_rng r;
    size_t live = 0;
    int i;

    assert_int_equal(lx_mock_idmap_init(&m, cap), LX_OK);
    for (i = 0; i <= NKEYS; i++) {
        model[i] = -1;
    }
    lx_rng_seed(&r, seed);
    for (i = 0; i < steps; i++) {
        size_t k = 1 + (size_t)lx_rng_below(&r, NKEYS);
        uint32_t val = (uint32_t)lx_rng_next(&r);

        if (lx_rng_below(&r, 3) == 0) {
            lx_mock_idmap_del(&m, key_of(k));
            live -= model[k] >= 0;
            model[k] = -1;
        } else if (model[k] >= 0 || live < cap - 1) {
            assert_int_equal(lx_mock_idmap_put(&m, key_of(k), val), LX_OK);
            live += model[k] < 0;
            model[k] = val;
        } else {
            assert_int_equal(lx_mock_idmap_put(&m, key_of(k), val),
                             LX_ERR_TOOBIG);
        }
        check_all(&m, model);
    }
    lx_mock_idmap_free(&m);
}

static void test_random_small(void **state)
{
    (void)state;
    run(8, 1, 20000);  /* full most of the time: refusals */
    run(16, 2, 20000); /* runs wrap around the end */
    run(64, 3, 20000);
}

static void test_random_roomy(void **state)
{
    (void)state;
    run(128, 4, 20000);
    run(256, 5, 5000);
}

static void test_args(void **state)
{
    struct lx_mock_idmap m;
    uint32_t v = 9;

    (void)state;
    assert_int_equal(lx_mock_idmap_init(&m, 12), LX_ERR_INVAL);
    assert_int_equal(lx_mock_idmap_init(&m, 1), LX_ERR_INVAL);
    assert_int_equal(lx_mock_idmap_get(&m, 5, &v), 0);
    lx_mock_idmap_del(&m, 5);
    assert_int_equal(lx_mock_idmap_init(&m, 4), LX_OK);
    assert_int_equal(lx_mock_idmap_put(&m, 0, 1), LX_ERR_INVAL);
    assert_int_equal(lx_mock_idmap_get(&m, 0, &v), 0);
    assert_int_equal(lx_mock_idmap_put(&m, 5, 1), LX_OK);
    assert_int_equal(lx_mock_idmap_put(&m, 5, 2), LX_OK); /* replaces */
    assert_int_equal(lx_mock_idmap_get(&m, 5, &v), 1);
    assert_int_equal(v, 2);
    assert_int_equal(m.n, 1);
    lx_mock_idmap_del(&m, 6); /* not there: nothing */
    assert_int_equal(m.n, 1);
    lx_mock_idmap_free(&m);
    lx_mock_idmap_free(&m); /* twice is fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_small),
        cmocka_unit_test(test_random_roomy),
        cmocka_unit_test(test_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
