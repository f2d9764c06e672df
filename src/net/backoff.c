/*
 * backoff.c - the reconnect delay policy of lx_backoff.h.
 *
 * It computes delays only: it reads no clock and schedules nothing. The
 * growth is kept as a running value (next_ns) multiplied once per call
 * with saturation, so the cost per call is constant and no attempt count,
 * however large, can overflow. All arithmetic is int64 with the products
 * split so that no intermediate exceeds INT64_MAX.
 */
#include "core/lx_internal.h"
#include "lotusx/lx_backoff.h"
#include "lotusx/lx_rng.h"

#define DEFAULT_MULTIPLIER_PCT 200

/* v * pct / 100 for v >= 0 and 0 <= pct, saturating at INT64_MAX. */
static int64_t mul_pct(int64_t v, int pct)
{
    int64_t whole = v / 100;
    int64_t rest = v % 100;

    if (pct > 0 && whole > INT64_MAX / pct) {
        return INT64_MAX;
    }
    whole *= pct;
    rest = rest * pct / 100; /* rest < 100, so rest * pct is small */
    if (whole > INT64_MAX - rest) {
        return INT64_MAX;
    }
    return whole + rest;
}

/* Brings hand-set fields back into their documented ranges. */
static void clamp(struct lx_backoff *b)
{
    if (b->initial_ns < 1) {
        b->initial_ns = 1;
    }
    if (b->max_ns < b->initial_ns) {
        b->max_ns = b->initial_ns;
    }
    if (b->multiplier_pct < 100) {
        b->multiplier_pct = 100;
    }
    if (b->jitter_pct < 0) {
        b->jitter_pct = 0;
    } else if (b->jitter_pct > 100) {
        b->jitter_pct = 100;
    }
    if (b->next_ns < b->initial_ns) {
        b->next_ns = b->initial_ns;
    } else if (b->next_ns > b->max_ns) {
        b->next_ns = b->max_ns;
    }
}

void lx_backoff_init(struct lx_backoff *b, int64_t initial_ns, int64_t max_ns)
{
    b->initial_ns = initial_ns;
    b->max_ns = max_ns;
    b->multiplier_pct = DEFAULT_MULTIPLIER_PCT;
    b->jitter_pct = LX_BACKOFF_JITTER_EQUAL;
    b->attempt = 0;
    b->next_ns = 0;
    clamp(b);
}

void lx_backoff_reset(struct lx_backoff *b)
{
    b->attempt = 0;
    b->next_ns = b->initial_ns;
    clamp(b);
}

int64_t lx_backoff_next(struct lx_backoff *b, struct lx_rng *rng)
{
    int64_t base, span, delay, grown;

    clamp(b);
    base = b->next_ns;
    span = mul_pct(base, b->jitter_pct); /* <= base since pct <= 100 */
    delay = base - span;
    if (rng != NULL && span > 0) {
        /* span + 1 cannot overflow: span <= base <= max_ns < INT64_MAX
         * unless max_ns is INT64_MAX, where the draw is simply [0, span). */
        uint64_t bound = (uint64_t)span + (span < INT64_MAX ? 1 : 0);

        delay += (int64_t)lx_rng_below(rng, bound);
    } else {
        delay = base;
    }
    grown = mul_pct(base, b->multiplier_pct);
    if (b->multiplier_pct > 100 && grown <= base && base < INT64_MAX) {
        grown =
            base + 1; /* integer percent truncates tiny bases to no growth */
    }
    b->next_ns = grown > b->max_ns ? b->max_ns : grown;
    if (b->attempt < UINT32_MAX) {
        b->attempt++;
    }
    return delay;
}
