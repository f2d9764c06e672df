/*
 * test_backoff.c - the reconnect delay policy: growth, cap, jitter bounds,
 * determinism per seed, reset, clamping of hand-set fields, and attempt
 * counts far beyond anything a process will see.
 *
 * lx_backoff allocates nothing, so there is no failmalloc run here.
 */
#include <stdint.h>
#include <string.h>

#include "lotusx/lx_backoff.h"
#include "lotusx/lx_rng.h"
#include "lx_test.h"

#define MS INT64_C(1000000)

static void test_defaults(void **state)
{
    struct lx_backoff b;

    (void)state;
    lx_backoff_init(&b, 100 * MS, 10000 * MS);
    assert_int_equal(b.initial_ns, 100 * MS);
    assert_int_equal(b.max_ns, 10000 * MS);
    assert_int_equal(b.multiplier_pct, 200);
    assert_int_equal(b.jitter_pct, LX_BACKOFF_JITTER_EQUAL);
    assert_int_equal(b.attempt, 0);
}

static void test_growth_and_cap(void **state)
{
    static const int64_t want[] = {100,  200,  400,   800,   1600,
                                   3200, 6400, 10000, 10000, 10000};
    struct lx_backoff b;
    size_t i;

    (void)state;
    lx_backoff_init(&b, 100 * MS, 10000 * MS);
    b.jitter_pct = LX_BACKOFF_JITTER_NONE;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(lx_backoff_next(&b, NULL), want[i] * MS);
        assert_int_equal(b.attempt, i + 1);
    }
}

static void test_multiplier_150(void **state)
{
    struct lx_backoff b;

    (void)state;
    lx_backoff_init(&b, 1000, 5000);
    b.multiplier_pct = 150;
    b.jitter_pct = 0;
    assert_int_equal(lx_backoff_next(&b, NULL), 1000);
    assert_int_equal(lx_backoff_next(&b, NULL), 1500);
    assert_int_equal(lx_backoff_next(&b, NULL), 2250);
    assert_int_equal(lx_backoff_next(&b, NULL), 3375);
    assert_int_equal(lx_backoff_next(&b, NULL), 5000);
}

/* A multiplier of 101 % must still grow from 1 ns despite truncation. */
static void test_tiny_growth_makes_progress(void **state)
{
    struct lx_backoff b;
    int64_t prev = 0, d;
    int i;

    (void)state;
    lx_backoff_init(&b, 1, 50);
    b.multiplier_pct = 101;
    b.jitter_pct = 0;
    for (i = 0; i < 49; i++) {
        d = lx_backoff_next(&b, NULL);
        assert_true(d > prev);
        prev = d;
    }
    assert_int_equal(lx_backoff_next(&b, NULL), 50);
    assert_int_equal(lx_backoff_next(&b, NULL), 50);
}

static void check_jitter(int pct, int64_t *lo_seen, int64_t *hi_seen)
{
    struct lx_backoff b;
    struct lx_rng r;
    int i;

    lx_rng_seed(&r, 7);
    *lo_seen = INT64_MAX;
    *hi_seen = 0;
    for (i = 0; i < 2000; i++) {
        int64_t d;

        lx_backoff_init(&b, 1000 * MS, 1000 * MS); /* base is always 1 s */
        b.jitter_pct = pct;
        d = lx_backoff_next(&b, &r);
        assert_true(d >= 1000 * MS - 1000 * MS * pct / 100);
        assert_true(d <= 1000 * MS);
        *lo_seen = d < *lo_seen ? d : *lo_seen;
        *hi_seen = d > *hi_seen ? d : *hi_seen;
    }
}

static void test_jitter_bounds(void **state)
{
    int64_t lo, hi;

    (void)state;
    check_jitter(LX_BACKOFF_JITTER_EQUAL, &lo, &hi);
    /* 2000 uniform draws cover most of [0.5 s, 1 s]. */
    assert_true(lo < 550 * MS);
    assert_true(hi > 950 * MS);
    check_jitter(LX_BACKOFF_JITTER_FULL, &lo, &hi);
    assert_true(lo < 50 * MS);
    assert_true(hi > 950 * MS);
    check_jitter(LX_BACKOFF_JITTER_NONE, &lo, &hi);
    assert_int_equal(lo, 1000 * MS);
    assert_int_equal(hi, 1000 * MS);
}

static void test_jitter_never_exceeds_max(void **state)
{
    struct lx_backoff b;
    struct lx_rng r;
    int i;

    (void)state;
    lx_rng_seed(&r, 99);
    lx_backoff_init(&b, 3 * MS, 777 * MS);
    b.jitter_pct = LX_BACKOFF_JITTER_FULL;
    for (i = 0; i < 5000; i++) {
        int64_t d = lx_backoff_next(&b, &r);

        assert_true(d >= 0 && d <= 777 * MS);
    }
}

static void sequence(uint64_t seed, int64_t *out, int n)
{
    struct lx_backoff b;
    struct lx_rng r;
    int i;

    lx_rng_seed(&r, seed);
    lx_backoff_init(&b, 10 * MS, 60000 * MS);
    for (i = 0; i < n; i++) {
        out[i] = lx_backoff_next(&b, &r);
    }
}

static void test_deterministic_per_seed(void **state)
{
    int64_t a[32], b[32], c[32];

    (void)state;
    sequence(42, a, 32);
    sequence(42, b, 32);
    sequence(43, c, 32);
    assert_memory_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, c, sizeof(a));
}

static void test_reset(void **state)
{
    struct lx_backoff b;
    struct lx_rng r;
    int i;

    (void)state;
    lx_rng_seed(&r, 1);
    lx_backoff_init(&b, 100 * MS, 10000 * MS);
    for (i = 0; i < 20; i++) {
        lx_backoff_next(&b, &r);
    }
    assert_int_equal(b.attempt, 20);
    lx_backoff_reset(&b);
    assert_int_equal(b.attempt, 0);
    b.jitter_pct = 0;
    assert_int_equal(lx_backoff_next(&b, NULL), 100 * MS);
    assert_int_equal(lx_backoff_next(&b, NULL), 200 * MS);
}

/* Huge attempt counts, the full int64 range and absurd multipliers. */
static void test_huge_attempts_no_overflow(void **state)
{
    struct lx_backoff b;
    struct lx_rng r;
    int64_t prev = 0;
    int i;

    (void)state;
    lx_rng_seed(&r, 5);
    lx_backoff_init(&b, 1, INT64_MAX);
    b.multiplier_pct = 1000000;
    b.jitter_pct = 0;
    for (i = 0; i < 200; i++) {
        int64_t d = lx_backoff_next(&b, NULL);

        assert_true(d >= prev);
        prev = d;
    }
    assert_int_equal(prev, INT64_MAX);

    b.jitter_pct = LX_BACKOFF_JITTER_FULL;
    for (i = 0; i < 100; i++) {
        int64_t d = lx_backoff_next(&b, &r);

        assert_true(d >= 0);
    }

    lx_backoff_init(&b, 1000, 1000000);
    b.attempt = UINT32_MAX - 2;
    for (i = 0; i < 10; i++) {
        assert_true(lx_backoff_next(&b, &r) <= 1000000);
    }
    assert_int_equal(b.attempt, UINT32_MAX);
}

/* A million attempts run in constant time per call and stay capped. */
static void test_million_attempts(void **state)
{
    struct lx_backoff b;
    struct lx_rng r;
    int i;

    (void)state;
    lx_rng_seed(&r, 11);
    lx_backoff_init(&b, 1000, 5000000);
    for (i = 0; i < 1000000; i++) {
        assert_true(lx_backoff_next(&b, &r) <= 5000000);
    }
    assert_int_equal(b.attempt, 1000000);
    b.jitter_pct = 0;
    assert_int_equal(lx_backoff_next(&b, NULL), 5000000);
}

static void test_clamps_bad_fields(void **state)
{
    struct lx_backoff b;

    (void)state;
    lx_backoff_init(&b, 0, -5);
    assert_int_equal(b.initial_ns, 1);
    assert_int_equal(b.max_ns, 1);

    lx_backoff_init(&b, 100, 10);
    assert_int_equal(b.max_ns, 100);

    lx_backoff_init(&b, 100, 1000);
    b.multiplier_pct = 50; /* shrinking counts as constant */
    b.jitter_pct = 0;
    assert_int_equal(lx_backoff_next(&b, NULL), 100);
    assert_int_equal(lx_backoff_next(&b, NULL), 100);

    b.jitter_pct = 250;    /* clamped to full jitter */
    b.next_ns = INT64_MAX; /* clamped to max */
    assert_true(lx_backoff_next(&b, NULL) <= 1000);
    assert_int_equal(b.jitter_pct, 100);
    b.jitter_pct = -3;
    b.multiplier_pct = 200;
    assert_int_equal(lx_backoff_next(&b, NULL), 1000);
    assert_int_equal(b.jitter_pct, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_growth_and_cap),
        cmocka_unit_test(test_multiplier_150),
        cmocka_unit_test(test_tiny_growth_makes_progress),
        cmocka_unit_test(test_jitter_bounds),
        cmocka_unit_test(test_jitter_never_exceeds_max),
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_huge_attempts_no_overflow),
        cmocka_unit_test(test_million_attempts),
        cmocka_unit_test(test_clamps_bad_fields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
