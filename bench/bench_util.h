/*
 * bench_util.h - timing, percentiles and table output shared by the
 * benchmarks. Benchmarks are tools, not library code: they read the
 * monotonic clock directly. Figures are always printed next to a
 * reference measured in the same run, as a ratio.
 */
#ifndef LOTUSX_BENCH_UTIL_H
#define LOTUSX_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline int64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* Sorts v in place and returns the p-th percentile (p in 0..100). */
static inline int64_t bench_percentile(int64_t *v, size_t n, double p,
                                       int sorted)
{
    size_t i;

    if (n == 0) {
        return 0;
    }
    if (!sorted) {
        qsort(v, n, sizeof(*v), bench_cmp_i64);
    }
    i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static inline void bench_header(const char *title, const char *cols)
{
    printf("\n%s\n%s\n", title, cols);
}

#endif
