/*
 * lx_backoff.h - the reconnect delay policy: exponential growth, a cap,
 * and jitter drawn from a seeded lx_rng.
 *
 * The n-th delay (n = 0, 1, ...) is base(n) = min(max_ns, initial_ns *
 * (multiplier_pct / 100)^n), then jittered: a share of jitter_pct percent
 * of base(n) is replaced by a uniform draw, so the delay lies in
 * [base - base * jitter_pct / 100, base]. jitter_pct 100 is "full jitter"
 * (uniform in [0, base]), 50 is "equal jitter" (uniform in [base/2, base]),
 * 0 is none; see the AWS Architecture Blog, "Exponential Backoff And
 * Jitter" (2015). Jitter spreads the reconnects of many clients after one
 * outage; drawing it from a seeded lx_rng keeps simulations reproducible.
 *
 * struct lx_backoff is a plain value type with no resources: embed it,
 * copy it, set its fields after lx_backoff_init. It reads no clock; the
 * caller schedules the returned delay on its lx_clock. No thread affinity.
 */
#ifndef LOTUSX_LX_BACKOFF_H
#define LOTUSX_LX_BACKOFF_H

#include <stdint.h>

#include "lx_common.h"

struct lx_rng;

#define LX_BACKOFF_JITTER_NONE  0
#define LX_BACKOFF_JITTER_EQUAL 50
#define LX_BACKOFF_JITTER_FULL  100

struct lx_backoff {
    int64_t initial_ns; /* first delay before jitter; >= 1 */
    int64_t max_ns;     /* cap on every delay; >= initial_ns */
    int multiplier_pct; /* growth per attempt in percent; 200 = x2 */
    int jitter_pct;     /* 0..100, see above */
    uint32_t attempt;   /* delays handed out since init/reset (saturates) */
    int64_t next_ns;    /* base of the next delay; internal, 0 = initial */
};

/*
 * Sets b to initial_ns and max_ns with the defaults: multiplier 200 (x2),
 * equal jitter (50 %), attempt 0. initial_ns below 1 becomes 1; max_ns
 * below initial_ns becomes initial_ns.
 */
LX_EXTERN void lx_backoff_init(struct lx_backoff *b, int64_t initial_ns,
                               int64_t max_ns);

/*
 * Returns the next delay in nanoseconds, in [0, max_ns], and advances b.
 * rng supplies the jitter (one lx_rng_below draw when the jitter range is
 * not empty); NULL means no jitter. The same b and the same rng state give
 * the same delay. Out-of-range fields (set by hand) are clamped, never
 * overflow: multiplier_pct below 100 counts as 100, jitter_pct is clamped
 * to 0..100, and the growth saturates at max_ns whatever the attempt
 * count.
 */
LX_EXTERN int64_t lx_backoff_next(struct lx_backoff *b, struct lx_rng *rng);

/* Starts over at initial_ns with attempt 0 (after a good connection). */
LX_EXTERN void lx_backoff_reset(struct lx_backoff *b);

#endif
