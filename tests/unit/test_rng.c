/*
 * test_rng.c - unit tests of lx_rng: reference vectors of xoshiro256** and
 * splitmix64, determinism, the range helpers (bounds and bias) and the
 * jump. Every seed is fixed, so no test depends on luck.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lotusx/lx_rng.h"

/* xoshiro256** from the state {1, 2, 3, 4}: rotl(s[1] * 5, 7) * 9 etc. */
static void test_xoshiro_reference(void **state)
{
    static const uint64_t want[] = {UINT64_C(11520),
                                    UINT64_C(0),
                                    UINT64_C(1509978240),
                                    UINT64_C(1215971899390074240),
                                    UINT64_C(1216172134540287360),
                                    UINT64_C(607988272756665600)};
    struct lx_rng r = {{1, 2, 3, 4}};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_true(lx_rng_next(&r) == want[i]);
    }
}

/* Seeding stores four splitmix64 outputs; seed 0 gives the known series. */
static void test_splitmix_seed(void **state)
{
    struct lx_rng r;

    (void)state;
    lx_rng_seed(&r, 0);
    assert_true(r.s[0] == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(r.s[1] == UINT64_C(0x6e789e6aa1b965f4));
    assert_true(r.s[2] == UINT64_C(0x06c45d188009454f));
    assert_true(r.s[3] == UINT64_C(0xf88bb8a8724c81ec));
}

static void test_determinism(void **state)
{
    struct lx_rng a, b, c, copy;
    size_t i, same = 0;

    (void)state;
    lx_rng_seed(&a, 42);
    lx_rng_seed(&b, 42);
    lx_rng_seed(&c, 43);
    for (i = 0; i < 1000; i++) {
        uint64_t va = lx_rng_next(&a);

        assert_true(va == lx_rng_next(&b));
        same += va == lx_rng_next(&c);
    }
    assert_int_equal(same, 0);
    /* A copy is an independent continuation of the same stream. */
    copy = a;
    for (i = 0; i < 100; i++) {
        assert_true(lx_rng_next(&copy) == lx_rng_next(&a));
    }
    /* Re-seeding restarts the stream. */
    lx_rng_seed(&a, 42);
    lx_rng_seed(&b, 42);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_below_bounds(void **state)
{
    static const uint64_t bounds[] = {1,
                                      2,
                                      3,
                                      7,
                                      10,
                                      1000,
                                      UINT64_C(1) << 32,
                                      (UINT64_C(1) << 63) + 1,
                                      UINT64_MAX - 1,
                                      UINT64_MAX};
    struct lx_rng r, before;
    size_t i, k;

    (void)state;
    lx_rng_seed(&r, 7);
    before = r;
    /* Bound 0 gives 0 and does not consume the stream. */
    assert_true(lx_rng_below(&r, 0) == 0);
    assert_memory_equal(&r, &before, sizeof(r));
    for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        for (k = 0; k < 2000; k++) {
            assert_true(lx_rng_below(&r, bounds[i]) < bounds[i]);
        }
    }
    /* Every value of a small bound shows up. */
    {
        int seen[7] = {0};

        for (k = 0; k < 200; k++) {
            seen[lx_rng_below(&r, 7)] = 1;
        }
        for (k = 0; k < 7; k++) {
            assert_int_equal(seen[k], 1);
        }
    }
}

/*
 * Chi-square over 10 buckets with 100000 samples: 9 degrees of freedom,
 * where 40 is exceeded with probability about 5e-6. The seed is fixed, so
 * this either always passes or always fails.
 */
static void test_below_uniform(void **state)
{
    enum { NB = 10, N = 100000 };
    uint64_t counts[NB] = {0};
    uint64_t chi_num = 0; /* sum of (o - e)^2; chi2 = chi_num / e */
    struct lx_rng r;
    size_t i;

    (void)state;
    lx_rng_seed(&r, 0x5eed);
    for (i = 0; i < N; i++) {
        counts[lx_rng_below(&r, NB)]++;
    }
    for (i = 0; i < NB; i++) {
        int64_t d = (int64_t)counts[i] - N / NB;

        chi_num += (uint64_t)(d * d);
    }
    assert_true(chi_num < 40u * (N / NB));
}

/*
 * With bound = 3 * 2^62, a plain "next % bound" would put values below
 * 2^62 twice as often as the others (1/2 instead of 1/3). An unbiased
 * method gives about one third.
 */
static void test_below_unbiased(void **state)
{
    const uint64_t bound = UINT64_C(3) << 62;
    struct lx_rng r;
    unsigned low = 0, i, n = 30000;

    (void)state;
    lx_rng_seed(&r, 99);
    for (i = 0; i < n; i++) {
        low += lx_rng_below(&r, bound) < (UINT64_C(1) << 62);
    }
    /* One third is 10000; the standard deviation is about 82. */
    assert_in_range(low, 9500, 10500);
}

static void test_range(void **state)
{
    struct lx_rng r;
    int seen_lo = 0, seen_hi = 0, neg = 0, pos = 0;
    size_t i;

    (void)state;
    lx_rng_seed(&r, 3);
    for (i = 0; i < 1000; i++) {
        int64_t v = lx_rng_range(&r, -3, 3);

        assert_true(v >= -3 && v <= 3);
        seen_lo |= v == -3;
        seen_hi |= v == 3;
        /* Swapped bounds mean the same interval. */
        v = lx_rng_range(&r, 10, 5);
        assert_true(v >= 5 && v <= 10);
    }
    assert_true(seen_lo && seen_hi);
    assert_true(lx_rng_range(&r, 17, 17) == 17);
    assert_true(lx_rng_range(&r, INT64_MIN, INT64_MIN) == INT64_MIN);
    for (i = 0; i < 200; i++) {
        int64_t v = lx_rng_range(&r, INT64_MIN, INT64_MAX);

        neg += v < 0;
        pos += v >= 0;
        v = lx_rng_range(&r, INT64_MAX - 1, INT64_MAX);
        assert_true(v >= INT64_MAX - 1);
        v = lx_rng_range(&r, INT64_MIN, INT64_MIN + 1);
        assert_true(v <= INT64_MIN + 1);
    }
    assert_true(neg > 50 && pos > 50);
}

/*
 * The jump result for {1, 2, 3, 4} was computed independently of the jump
 * polynomial, as T^(2^128) * s with T the 256x256 GF(2) matrix of one
 * xoshiro256 step, by repeated squaring.
 */
static void test_jump(void **state)
{
    static const uint64_t want[4] = {
        UINT64_C(0x8c7a153956b5f3d1), UINT64_C(0x701f1a713401d85e),
        UINT64_C(0x6527f66a65469085), UINT64_C(0x8386b786c4408050)};
    struct lx_rng r = {{1, 2, 3, 4}}, a, b;
    size_t i, same = 0;

    (void)state;
    lx_rng_jump(&r);
    assert_memory_equal(r.s, want, sizeof(want));
    /* A jumped copy gives a different stream; jumping is deterministic. */
    lx_rng_seed(&a, 11);
    b = a;
    lx_rng_jump(&b);
    for (i = 0; i < 1000; i++) {
        same += lx_rng_next(&a) == lx_rng_next(&b);
    }
    assert_int_equal(same, 0);
    lx_rng_seed(&a, 11);
    lx_rng_jump(&a);
    lx_rng_seed(&b, 11);
    lx_rng_jump(&b);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_fill(void **state)
{
    struct lx_rng r, twin;
    uint8_t buf[21], want[24];
    size_t i, k;

    (void)state;
    lx_rng_seed(&r, 5);
    twin = r;
    memset(buf, 0xAA, sizeof(buf));
    lx_rng_fill(&r, buf, sizeof(buf));
    for (i = 0; i < 3; i++) {
        uint64_t v = lx_rng_next(&twin);

        for (k = 0; k < 8; k++) {
            want[8 * i + k] = (uint8_t)(v >> (8 * k));
        }
    }
    assert_memory_equal(buf, want, sizeof(buf));
    /* The tail output was consumed whole: both are now in step. */
    assert_memory_equal(&r, &twin, sizeof(r));
    /* n = 0 consumes nothing and accepts NULL. */
    lx_rng_fill(&r, NULL, 0);
    assert_memory_equal(&r, &twin, sizeof(r));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xoshiro_reference),
        cmocka_unit_test(test_splitmix_seed),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_below_bounds),
        cmocka_unit_test(test_below_uniform),
        cmocka_unit_test(test_below_unbiased),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_jump),
        cmocka_unit_test(test_fill),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
