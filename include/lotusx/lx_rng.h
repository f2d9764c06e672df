/*
 * lx_rng.h - the seeded pseudo-random generator every LotuSX module uses
 * (WebSocket masks and keys, jitter, synthetic markets, latency models).
 *
 * xoshiro256** (Blackman and Vigna, 2018) with a 256-bit state seeded from
 * a 64-bit seed through splitmix64, as its authors recommend. The same seed
 * gives the same stream on every platform, which is what makes simulations
 * and backtests reproducible. It is NOT a cryptographic generator: never use
 * it for keys, nonces or anything an attacker must not predict.
 *
 * struct lx_rng is a plain value type: copy it to fork a stream, keep it on
 * the stack or inside another object. It has no thread affinity; a single
 * instance must not be used by two threads at once.
 */
#ifndef LOTUSX_LX_RNG_H
#define LOTUSX_LX_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "lx_common.h"

struct lx_rng {
    uint64_t s[4];
};

/*
 * Sets the state from seed: s[i] are four successive splitmix64 outputs,
 * so every seed (0 included) gives a valid, non-zero state.
 */
LX_EXTERN void lx_rng_seed(struct lx_rng *r, uint64_t seed);

/* The next 64 uniformly distributed bits. */
LX_EXTERN uint64_t lx_rng_next(struct lx_rng *r);

/*
 * A uniform value in [0, bound), without modulo bias (Lemire's
 * multiply-and-reject method; it usually consumes one output). bound 0
 * returns 0 and consumes nothing.
 */
LX_EXTERN uint64_t lx_rng_below(struct lx_rng *r, uint64_t bound);

/*
 * A uniform value in [lo, hi], both inclusive; the full int64 range works.
 * If hi < lo the two are swapped.
 */
LX_EXTERN int64_t lx_rng_range(struct lx_rng *r, int64_t lo, int64_t hi);

/*
 * Advances r by 2^128 steps, as if lx_rng_next had been called that many
 * times. Seed once, then copy and jump to get up to 2^128 streams that
 * never overlap (one per simulated venue, say).
 */
LX_EXTERN void lx_rng_jump(struct lx_rng *r);

/*
 * Fills buf with n pseudo-random bytes: successive lx_rng_next outputs,
 * each written least significant byte first; the unused bytes of the last
 * output are dropped. buf may be NULL when n is 0.
 */
LX_EXTERN void lx_rng_fill(struct lx_rng *r, void *buf, size_t n);

#endif
