/*
 * lx_decimal.h - exact fixed-point decimals for every price and size in
 * LotuSX.
 *
 * A struct lx_decimal is a plain value (copy it, compare it, put it in
 * arrays): value = m * 10^-scale, with a signed 64-bit mantissa m and a
 * scale of 0..LX_DECIMAL_MAX_SCALE (18). The same value has several
 * representations ({5, 1} and {50, 2} are both 0.5); the scale is kept on
 * purpose, because a venue's "0.00100000" must render back byte for byte as
 * "0.00100000". lx_decimal_eq and lx_decimal_cmp compare values, not
 * representations; compare m and scale directly for representation
 * identity, or lx_decimal_normalize first.
 *
 * No floating point is used anywhere, not even to read exponent forms, and
 * nothing is ever rounded silently: every function either returns the exact
 * result or rounds the way its caller asked (enum lx_round), or fails.
 * Intermediates are 128-bit integers, so a result fails only when the final
 * value itself does not fit.
 *
 * Range: |m| <= 2^63 - 1, and m may be INT64_MIN (-9223372036854775808).
 * At scale 8 (Binance) that is +/- 92233720368.54775807; at scale 18 it is
 * +/- 9.223372036854775807.
 *
 * Validity: a decimal whose scale is above LX_DECIMAL_MAX_SCALE is invalid
 * (lx_decimal_is_valid says so). Functions that return int reject invalid
 * operands with LX_ERR_INVAL; lx_decimal_from_i64 returns one (scale
 * LX_DECIMAL_BAD_SCALE) when asked for a scale above 18, so a bad scale
 * surfaces at the next checked call instead of becoming a wrong number.
 *
 * String syntax accepted by lx_decimal_parse (the venues' decimal strings):
 *
 *   [+|-] digits [ "." digits ] [ (e|E) [+|-] digits ]
 *
 * - At least one digit on each side of the point: ".5", "5." and "." are
 *   LX_ERR_PARSE (no venue sends them, and JSON numbers forbid them too).
 * - Leading zeros are accepted ("007.5" is 7.5); they are not kept.
 * - The scale is the number of fractional digits as written, trailing zeros
 *   included: "0.00100000" is {100000, 8}, "42" is {42, 0}, "0.0" is {0, 1}.
 * - "-0", "-0.00" are zero ({0, 0}, {0, 2}); there is no negative zero.
 * - Exponent forms are converted exactly, without floating point, to the
 *   scale (fractional digits) minus the exponent, clamped at 0: "1e-8" is
 *   {1, 8}, "2.5e-07" is {25, 8}, "1.5E+3" is {1500, 0}, "0E-8" is {0, 8},
 *   "1.000e-3" is {1000, 6}.
 * - Nothing else: no spaces anywhere, no hex, no "inf"/"nan", no thousands
 *   separators, no trailing bytes, no NUL inside len: LX_ERR_PARSE.
 * - A scale above 18 is reduced when the digits it drops are zeros
 *   ("0.1000000000000000000000" is {1e17, 18}, "0e-30" is {0, 18}).
 *   Otherwise the value is not representable: LX_ERR_INEXACT for a plain
 *   string ("0.0000000000000000001"), LX_ERR_RANGE for an exponent form
 *   ("1e-19", "1e-999"). It is never rounded. If the integer part does not
 *   fit either, the error is LX_ERR_OVERFLOW.
 * - A mantissa that does not fit in int64 at the resulting scale is
 *   LX_ERR_OVERFLOW ("9223372036854775808", "1e999"; "1e18" fits, "1e19"
 *   does not). "0e999" is zero.
 *
 * Round trip: for every valid d, lx_decimal_parse of lx_decimal_format(d)
 * gives back the identical struct (same m, same scale). For every string in
 * canonical form (no '+', no leading zeros, no exponent, not "-0...") the
 * converse holds too: format(parse(s)) == s.
 *
 * Rounding (enum lx_round), applied only when the exact result has more
 * fractional digits than the requested scale:
 *
 *   mode                 2.5  2.4  1.5  -1.5  -2.4  -2.5  -2.6
 *   LX_ROUND_EXACT       err  err  err   err   err   err   err
 *   LX_ROUND_DOWN         2    2    1    -1    -2    -2    -2   toward 0
 *   LX_ROUND_UP           3    3    2    -2    -3    -3    -3   away from 0
 *   LX_ROUND_FLOOR        2    2    1    -2    -3    -3    -3   toward -inf
 *   LX_ROUND_CEIL         3    3    2    -1    -2    -2    -2   toward +inf
 *   LX_ROUND_HALF_UP      3    2    2    -2    -2    -3    -3   ties from 0
 *   LX_ROUND_HALF_EVEN    2    2    2    -2    -2    -2    -3   ties to even
 *
 * (err: LX_ERR_INEXACT.) LX_ROUND_EXACT is what to use whenever a value
 * must already be on the grid (a price the venue sent, a size the user
 * typed): it turns a surprise into an error instead of a different order.
 *
 * Errors: LX_ERR_INVAL (NULL pointer, invalid scale, unknown rounding mode,
 * division by zero, step not > 0), LX_ERR_OVERFLOW (the exact or rounded
 * result does not fit), LX_ERR_INEXACT (LX_ROUND_EXACT and the result would
 * need rounding; or parse of digits that cannot be kept), LX_ERR_PARSE,
 * LX_ERR_RANGE (parse only, see above), LX_ERR_TOOBIG (format only). A
 * result that is both too large and inexact is LX_ERR_OVERFLOW: no rounding
 * mode would make it fit. On any error *out is left unchanged.
 *
 * Threads and loops: every function is pure (no state, no allocation, no
 * I/O, no locale) and may be called from any thread and any loop.
 */
#ifndef LOTUSX_LX_DECIMAL_H
#define LOTUSX_LX_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lx_common.h"

/* Largest valid scale: 10^-18 is the finest step; 10^18 fits in int64. */
#define LX_DECIMAL_MAX_SCALE 18

/* The scale lx_decimal_from_i64 stores when asked for an invalid one. */
#define LX_DECIMAL_BAD_SCALE 0xff

/*
 * Buffer size that always suffices for lx_decimal_format, NUL included: the
 * longest renderings are "-9.223372036854775808" and
 * "-0.000000000000000001" (21 characters).
 */
#define LX_DECIMAL_STRLEN 22

/* value = m * 10^-scale; scale 0..LX_DECIMAL_MAX_SCALE. */
struct lx_decimal {
    int64_t m;
    uint8_t scale;
};

/* How a result that does not fit the requested scale is rounded. */
enum lx_round {
    LX_ROUND_EXACT = 0, /* no rounding: LX_ERR_INEXACT instead */
    LX_ROUND_DOWN,      /* toward zero (truncate) */
    LX_ROUND_UP,        /* away from zero */
    LX_ROUND_FLOOR,     /* toward negative infinity */
    LX_ROUND_CEIL,      /* toward positive infinity */
    LX_ROUND_HALF_UP,   /* nearest; ties away from zero */
    LX_ROUND_HALF_EVEN  /* nearest; ties to the even neighbour */
};

/* ---- Strings ------------------------------------------------------------ */

/*
 * Parses a venue decimal string of exactly len bytes (no NUL needed; bytes
 * after len are not read) into *out, keeping its scale (see the syntax
 * above).
 *
 * s: the bytes, may be NULL only when len is 0. out: written on success.
 * Returns LX_OK, LX_ERR_INVAL (out NULL, s NULL with len > 0),
 * LX_ERR_PARSE (not the syntax above, including len 0),
 * LX_ERR_OVERFLOW (does not fit in int64 at the resulting scale),
 * LX_ERR_INEXACT (plain form with a non-zero digit beyond 10^-18),
 * LX_ERR_RANGE (exponent form with a non-zero digit beyond 10^-18).
 */
LX_EXTERN int lx_decimal_parse(const char *s, size_t len,
                               struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * Renders d with exactly d.scale fractional digits: {100000, 8} is
 * "0.00100000", {-5, 1} is "-0.5", {42, 0} is "42", {0, 2} is "0.00". No
 * exponent, no '+', no locale.
 *
 * buf: receives the text and a NUL; cap: its size (LX_DECIMAL_STRLEN
 * always suffices). Returns the length written (without the NUL),
 * LX_ERR_TOOBIG when the text and its NUL do not fit in cap (buf[0] is
 * then NUL if cap > 0), or LX_ERR_INVAL (invalid scale, buf NULL with
 * cap > 0).
 */
LX_EXTERN int lx_decimal_format(struct lx_decimal d, char *buf,
                                size_t cap) LX_WARN_UNUSED;

/* ---- Construction and integers ----------------------------------------- */

/*
 * Returns {v, scale}, that is v * 10^-scale: lx_decimal_from_i64(12345, 2)
 * is 123.45. A scale above LX_DECIMAL_MAX_SCALE gives an invalid decimal
 * ({v, LX_DECIMAL_BAD_SCALE}) that every checked function rejects.
 */
LX_EXTERN struct lx_decimal lx_decimal_from_i64(int64_t v, unsigned scale);

/* True when d.scale <= LX_DECIMAL_MAX_SCALE. */
LX_EXTERN bool lx_decimal_is_valid(struct lx_decimal d);

/*
 * Converts d to a whole number of steps (ticks or lots): *ticks = d / step,
 * which must be an exact integer. Example: 60123.45 with step 0.01 is
 * 6012345.
 *
 * Returns LX_OK, LX_ERR_INVAL (ticks NULL, invalid operand, step <= 0),
 * LX_ERR_INEXACT (d is not a multiple of step; use
 * lx_decimal_round_to_step first to choose a direction), LX_ERR_OVERFLOW.
 */
LX_EXTERN int lx_decimal_to_ticks(struct lx_decimal d, struct lx_decimal step,
                                  int64_t *ticks) LX_WARN_UNUSED;

/*
 * The inverse: *out = ticks * step, at step's scale (6012345 ticks of
 * "0.01000000" is {6012345000000, 8}, "60123.45000000").
 *
 * Returns LX_OK, LX_ERR_INVAL (out NULL, invalid step, step <= 0),
 * LX_ERR_OVERFLOW.
 */
LX_EXTERN int lx_decimal_from_ticks(int64_t ticks, struct lx_decimal step,
                                    struct lx_decimal *out) LX_WARN_UNUSED;

/* ---- Arithmetic --------------------------------------------------------- */

/*
 * *out = a + b (lx_decimal_sub: a - b), exactly, at scale max(a.scale,
 * b.scale): 0.1 + 0.25 is 0.35 at scale 2, 1.50 + 1.50 is 3.00.
 *
 * Returns LX_OK, LX_ERR_INVAL (out NULL, invalid operand),
 * LX_ERR_OVERFLOW (the mantissa at that scale does not fit, even if the
 * value would fit at a smaller scale).
 */
LX_EXTERN int lx_decimal_add(struct lx_decimal a, struct lx_decimal b,
                             struct lx_decimal *out) LX_WARN_UNUSED;
LX_EXTERN int lx_decimal_sub(struct lx_decimal a, struct lx_decimal b,
                             struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * *out = a * b at the given scale, rounded by mode. The exact product is
 * formed first (scale a.scale + b.scale, up to 36, in 128 bits), so the
 * only rounding is the one asked for: price 60123.45 * qty 0.00123 at
 * scale 8 is exactly 73.9518435, at scale 2 with LX_ROUND_HALF_EVEN 73.95.
 *
 * Returns LX_OK, LX_ERR_INVAL (out NULL, invalid operand, scale > 18,
 * unknown mode), LX_ERR_INEXACT (LX_ROUND_EXACT and rounding needed),
 * LX_ERR_OVERFLOW.
 */
LX_EXTERN int lx_decimal_mul(struct lx_decimal a, struct lx_decimal b,
                             unsigned scale, enum lx_round mode,
                             struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * *out = a / b at the given scale, rounded by mode (the remainder decides,
 * so ties are detected exactly: 1 / 8 at scale 2 HALF_EVEN is 0.12).
 *
 * Returns LX_OK, LX_ERR_INVAL (out NULL, invalid operand, b zero,
 * scale > 18, unknown mode), LX_ERR_INEXACT (LX_ROUND_EXACT and the
 * quotient has more than scale digits: 1 / 3), LX_ERR_OVERFLOW.
 */
LX_EXTERN int lx_decimal_div(struct lx_decimal a, struct lx_decimal b,
                             unsigned scale, enum lx_round mode,
                             struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * *out = d at the given scale: more digits are always exact (1.5 at scale
 * 3 is 1.500, unless the mantissa overflows), fewer digits round by mode.
 *
 * Returns LX_OK, LX_ERR_INVAL (out NULL, invalid d, scale > 18, unknown
 * mode), LX_ERR_INEXACT, LX_ERR_OVERFLOW.
 */
LX_EXTERN int lx_decimal_rescale(struct lx_decimal d, unsigned scale,
                                 enum lx_round mode,
                                 struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * *out = the multiple of step nearest to d in the direction mode gives, at
 * step's scale: price 60123.456 to tick "0.01000000" with LX_ROUND_FLOOR is
 * "60123.45000000"; qty 0.12345 to lot step 0.001 with LX_ROUND_DOWN is
 * 0.123. With LX_ROUND_EXACT it checks that d is on the grid and returns it
 * at step's scale.
 *
 * Returns LX_OK, LX_ERR_INVAL (out NULL, invalid operand, step <= 0 such
 * as Binance's MARKET_LOT_SIZE stepSize "0.00000000", unknown mode),
 * LX_ERR_INEXACT (LX_ROUND_EXACT off the grid), LX_ERR_OVERFLOW.
 */
LX_EXTERN int lx_decimal_round_to_step(struct lx_decimal d,
                                       struct lx_decimal step,
                                       enum lx_round mode,
                                       struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * *out = -d (lx_decimal_abs: |d|), same scale. Returns LX_OK, LX_ERR_INVAL
 * (out NULL, invalid d) or LX_ERR_OVERFLOW (d.m is INT64_MIN, whose
 * negation never fits at any scale since its last digit is 8).
 */
LX_EXTERN int lx_decimal_neg(struct lx_decimal d,
                             struct lx_decimal *out) LX_WARN_UNUSED;
LX_EXTERN int lx_decimal_abs(struct lx_decimal d,
                             struct lx_decimal *out) LX_WARN_UNUSED;

/*
 * Returns d with trailing fractional zeros removed (the smallest scale
 * that holds the same value): 0.00100000 becomes 0.001, 1.50 becomes 1.5,
 * 0.000 becomes 0. An invalid d is returned unchanged.
 */
LX_EXTERN struct lx_decimal lx_decimal_normalize(struct lx_decimal d);

/* ---- Comparison --------------------------------------------------------- */

/*
 * Compares values across scales exactly (never overflows): returns -1 when
 * a < b, 0 when equal (1.5 == 1.50), 1 when a > b. Defined for any scale
 * 0..255, so it is exact for invalid decimals too.
 */
LX_EXTERN int lx_decimal_cmp(struct lx_decimal a,
                             struct lx_decimal b) LX_WARN_UNUSED;

/* Value equality, lx_decimal_cmp(a, b) == 0. */
LX_EXTERN bool lx_decimal_eq(struct lx_decimal a, struct lx_decimal b);

/* True when d is zero at any scale. */
LX_EXTERN bool lx_decimal_is_zero(struct lx_decimal d);

#endif
