/*
 * bench_decimal.c - lx_decimal_parse and lx_decimal_format against the
 * libc conversions a naive connector would use (strtod, and snprintf with
 * "%.8f"), on the same mixed set of real venue strings in the same run.
 *
 * The set mixes Binance spot prices and sizes at 8 decimals, USD-M prices
 * and sizes at 2 and 3 decimals, and plain integers, in the proportions a
 * depth stream has them. Each case runs for a fixed time slice; results go
 * through a volatile sink so nothing is optimised away. Figures are ns per
 * conversion and the ratio to the libc reference (below 1 is faster).
 *
 * The double-based references are here only to be measured against: the
 * library itself never touches floating point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lotusx/lx_decimal.h"
#include "lotusx/lx_err.h"
#include "bench_util.h"

/* Time slice per case: four cases make about 1.2 s. */
#define SLICE_NS INT64_C(300000000)
/* Passes over the set between two clock reads. */
#define BATCH 64

static const char *const inputs[] = {
    "61837.63000000",
    "0.00000000",
    "61837.64000000",
    "1.54698000",
    "61839.85000000",
    "0.32329000",
    "61862.51000000",
    "0.05041000",
    "0.00123000",
    "60123.45000000",
    "0.02000000",
    "0.00000638",
    "63943.90",
    "0.003",
    "63947.40",
    "0.109",
    "1000.00",
    "569.567",
    "2631.90",
    "0.037",
    "42",
    "1000000",
    "5",
    "150",
};

#define NINPUTS (sizeof(inputs) / sizeof(inputs[0]))

static size_t lens[NINPUTS];
static struct lx_decimal decs[NINPUTS];
static double dbls[NINPUTS];

static volatile int64_t sink_i;
static volatile double sink_d;

struct result {
    int64_t ns;
    int64_t ops;
};

static double ns_per_op(struct result r)
{
    return (double)r.ns / (double)r.ops;
}

static struct result run_parse_lx(void)
{
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    struct lx_decimal d;
    size_t i;
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            for (i = 0; i < NINPUTS; i++) {
                if (lx_decimal_parse(inputs[i], lens[i], &d) == LX_OK) {
                    acc += d.m + d.scale;
                }
            }
        }
        ops += BATCH * (int64_t)NINPUTS;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink_i = acc;
    return (struct result){t - t0, ops};
}

static struct result run_parse_strtod(void)
{
    int64_t t0 = bench_now_ns(), t, ops = 0;
    double acc = 0;
    char *end;
    size_t i;
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            for (i = 0; i < NINPUTS; i++) {
                acc += strtod(inputs[i], &end);
                acc += (double)(end - inputs[i]);
            }
        }
        ops += BATCH * (int64_t)NINPUTS;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink_d = acc;
    return (struct result){t - t0, ops};
}

static struct result run_format_lx(void)
{
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    char buf[LX_DECIMAL_STRLEN];
    size_t i;
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            for (i = 0; i < NINPUTS; i++) {
                acc += lx_decimal_format(decs[i], buf, sizeof(buf));
                acc += buf[0];
            }
        }
        ops += BATCH * (int64_t)NINPUTS;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink_i = acc;
    return (struct result){t - t0, ops};
}

static struct result run_format_snprintf(void)
{
    int64_t t0 = bench_now_ns(), t, ops = 0, acc = 0;
    char buf[64];
    size_t i;
    int b;

    do {
        for (b = 0; b < BATCH; b++) {
            for (i = 0; i < NINPUTS; i++) {
                acc += snprintf(buf, sizeof(buf), "%.8f", dbls[i]);
                acc += buf[0];
            }
        }
        ops += BATCH * (int64_t)NINPUTS;
        t = bench_now_ns();
    } while (t - t0 < SLICE_NS);
    sink_i = acc;
    return (struct result){t - t0, ops};
}

static void row(const char *op, struct result lx, const char *ref_name,
                struct result ref)
{
    printf("%-8s %12.1f   %-18s %12.1f %10.2f\n", op, ns_per_op(lx), ref_name,
           ns_per_op(ref), ns_per_op(lx) / ns_per_op(ref));
}

int main(void)
{
    struct result p_lx, p_ref, f_lx, f_ref;
    size_t i;

    for (i = 0; i < NINPUTS; i++) {
        lens[i] = strlen(inputs[i]);
        if (lx_decimal_parse(inputs[i], lens[i], &decs[i]) != LX_OK) {
            fprintf(stderr, "bench_decimal: cannot parse %s\n", inputs[i]);
            return 1;
        }
        dbls[i] = strtod(inputs[i], NULL);
    }
    p_lx = run_parse_lx();
    p_ref = run_parse_strtod();
    f_lx = run_format_lx();
    f_ref = run_format_snprintf();

    printf("lx_decimal: %zu venue strings (8/3/2 decimals and integers), "
           "%.1f s per case\n",
           NINPUTS, (double)SLICE_NS / 1e9);
    bench_header("conversion cost (ns/op; ratio = lotusx / reference, "
                 "below 1 is faster)",
                 "op        lotusx ns/op   reference             ns/op      "
                 "ratio");
    row("parse", p_lx, "strtod", p_ref);
    row("format", f_lx, "snprintf(\"%.8f\")", f_ref);
    return 0;
}
