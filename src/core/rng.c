/*
 * rng.c - lx_rng: xoshiro256** seeded through splitmix64.
 *
 * Written from the published description by David Blackman and Sebastiano
 * Vigna ("Scrambled linear pseudorandom number generators", 2018, and the
 * reference code they placed in the public domain): the output is
 * rotl(s[1] * 5, 7) * 9 and the jump polynomial below advances 2^128 steps.
 * lx_rng_below uses Daniel Lemire's multiply-shift with rejection ("Fast
 * random integer generation in an interval", 2019).
 *
 * What it does not do: it never reads an entropy source (callers choose the
 * seed; determinism is the point) and it is not meant for cryptography.
 */
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* One splitmix64 step: advances *x by the golden gamma and mixes it. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void lx_rng_seed(struct lx_rng *r, uint64_t seed)
{
    size_t i;

    for (i = 0; i < 4; i++) {
        r->s[i] = splitmix64(&seed);
    }
}

uint64_t lx_rng_next(struct lx_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* The full 128-bit product of a and b, split into its two halves. */
static void mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
    __extension__ unsigned __int128 p = (unsigned __int128)a * b;

    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
    uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);

    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
#endif
}

/*
 * The high half of next * bound is uniform over [0, bound) except for the
 * few low halves below 2^64 mod bound, which are rejected; the modulo is
 * only computed in the rare case that a low half is small enough to need
 * the check.
 */
uint64_t lx_rng_below(struct lx_rng *r, uint64_t bound)
{
    uint64_t hi, lo, threshold;

    if (bound == 0) {
        return 0;
    }
    mul64(lx_rng_next(r), bound, &hi, &lo);
    if (lo < bound) {
        threshold = (0 - bound) % bound;
        while (lo < threshold) {
            mul64(lx_rng_next(r), bound, &hi, &lo);
        }
    }
    return hi;
}

/* Two's-complement reinterpretation without implementation-defined casts. */
static int64_t u64_to_i64(uint64_t x)
{
    if (x <= (uint64_t)INT64_MAX) {
        return (int64_t)x;
    }
    return -(int64_t)(UINT64_MAX - x) - 1;
}

int64_t lx_rng_range(struct lx_rng *r, int64_t lo, int64_t hi)
{
    uint64_t span;

    if (hi < lo) {
        int64_t tmp = lo;

        lo = hi;
        hi = tmp;
    }
    span = (uint64_t)hi - (uint64_t)lo;
    if (span == UINT64_MAX) {
        return u64_to_i64(lx_rng_next(r));
    }
    return u64_to_i64((uint64_t)lo + lx_rng_below(r, span + 1));
}

void lx_rng_jump(struct lx_rng *r)
{
    static const uint64_t jump[4] = {
        UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
        UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c)};
    uint64_t acc[4] = {0, 0, 0, 0};
    size_t i, b, k;

    for (i = 0; i < 4; i++) {
        for (b = 0; b < 64; b++) {
            if (jump[i] & (UINT64_C(1) << b)) {
                for (k = 0; k < 4; k++) {
                    acc[k] ^= r->s[k];
                }
            }
            lx_rng_next(r);
        }
    }
    memcpy(r->s, acc, sizeof(acc));
}

void lx_rng_fill(struct lx_rng *r, void *buf, size_t n)
{
    uint8_t *p = buf;

    while (n > 0) {
        uint64_t v = lx_rng_next(r);
        size_t i, take = n < 8 ? n : 8;

        for (i = 0; i < take; i++) {
            p[i] = (uint8_t)(v >> (8 * i));
        }
        p += take;
        n -= take;
    }
}
