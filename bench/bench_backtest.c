/*
 * bench_backtest.c - backtest throughput on a recorded market, end to end
 * from the capture file (`make bench`; run from the build directory).
 *
 * The real Binance spot recording in ../shared/samples is imported into a
 * capture, then (median of 3 runs each):
 *   capture read   `lotusx capture cat` of the file to /dev/null: reading,
 *                  decompressing and printing every record (the floor);
 *   tape + venue   in process: every record fed to the tape on the spot
 *                  venue, no client (JSON parse, book sync, engine, venue
 *                  bookkeeping);
 *   backtest hold  `lotusx backtest --capture` with a strategy that does
 *                  nothing: the market path through the venue's streams,
 *                  the connector and its local book;
 *   backtest mm    the same with the market maker trading.
 * Rates are recorded messages per second; the ratio column is against the
 * capture read of the same run. The last column extrapolates to one day
 * of this recording's message rate.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench_util.h"
#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_tap.h"
#include "lotusx/lx_ws.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/tape.h"

#ifndef LX_SAMPLES_DEFAULT
#define LX_SAMPLES_DEFAULT "../shared/samples"
#endif
#define REC      "binance-spot/hftbacktest/btcusdt_20240808.first150s.txt"
#define REC_USDM "binance-usdm/hftbacktest/btcusdt_20240718.txt"
#define RUNS     3

extern char **environ;

/* Runs argv with stdout and stderr to /dev/null; 0 on exit status 0. */
static int run(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st = 0;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 1, 0);
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    if (waitpid(pid, &st, 0) < 0) {
        return -1;
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Median wall time of RUNS runs of argv, in ns; -1 if a run fails. */
static int64_t time_cmd(char *const argv[])
{
    int64_t t[RUNS];
    int i;

    for (i = 0; i < RUNS; i++) {
        int64_t t0 = bench_now_ns();
        if (run(argv) != 0) {
            return -1;
        }
        t[i] = bench_now_ns() - t0;
    }
    qsort(t, RUNS, sizeof(t[0]), bench_cmp_i64);
    return t[RUNS / 2];
}

/* Feeds every record of the capture to a tape on a fresh venue. */
static int64_t tape_once(const char *path, uint64_t *frames)
{
    static const struct lx_mock_bn_symbol_cfg btc = {
        "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
        "0.00001", "9000", "0.01", "1000000", "5"};
    static const char *const big[] = {"USDT", "1000000000", "BTC", "100000",
                                      NULL};
    struct event_base *base = event_base_new();
    struct lx_clock *clock = NULL;
    struct lx_net *net = NULL;
    struct lx_mock_door *door = NULL;
    struct lx_mock_bn_hub *hub = NULL;
    struct lx_mock_bn_spot *spot = NULL;
    struct lx_mock_tape *tape = NULL;
    struct lx_secret *sec = NULL;
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    struct lx_mock_bn_account_cfg a;
    struct lx_mock_tape_stats st;
    const char *why = "";
    uint32_t book = 0, trader = 0;
    int64_t t0, el = -1;
    int rc;

    rc = base != NULL ? lx_clock_new_virtual(&clock, NULL, base, 0)
                      : LX_ERR_NOMEM;
    if (rc == LX_OK) {
        rc = lx_net_new(&net, NULL, base, clock);
    }
    if (rc == LX_OK) {
        rc = lx_mock_door_new(&door, net, clock, "binance", &lx_mock_bn_dialect,
                              &lx_mock_bn_spot_limits);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_hub_new(&hub, net, clock, NULL);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_new(&spot, clock, door, hub, &why);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_symbol(spot, &btc, &why);
    }
    if (rc == LX_OK) {
        rc = lx_secret_new(&sec, NULL, "x", 1);
    }
    memset(&a, 0, sizeof(a));
    a.secret = sec;
    a.balances = big;
    a.market = true;
    a.api_key = "book";
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_account(spot, &a, &book, &why);
    }
    a.api_key = "trader";
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_account(spot, &a, &trader, &why);
    }
    if (rc == LX_OK) {
        rc = lx_mock_tape_new(&tape, spot, "BTCUSDT", book, trader, &why);
    }
    if (rc == LX_OK) {
        rc = lx_capture_open(&r, NULL, path, NULL);
    }
    t0 = bench_now_ns();
    while (rc == LX_OK && lx_capture_reader_next(r, &rec) == 1) {
        if (rec->kind == LX_CAPTURE_WS_FRAME && rec->dir == LX_TAP_IN &&
            rec->ws_opcode == LX_WS_TEXT) {
            rc = lx_mock_tape_feed(tape, (const char *)rec->data, rec->len);
        }
    }
    if (rc == LX_OK) {
        el = bench_now_ns() - t0;
        lx_mock_tape_get_stats(tape, &st);
        *frames = st.frames;
    }
    lx_capture_reader_free(r);
    lx_mock_tape_free(tape);
    lx_mock_bn_spot_free(spot);
    lx_mock_bn_hub_free(hub);
    lx_mock_door_free(door);
    lx_secret_free(sec);
    lx_net_free(net);
    lx_clock_free(clock);
    if (base != NULL) {
        event_base_free(base);
    }
    return el;
}

static void row(const char *name, int64_t ns, uint64_t n, int64_t ref_ns,
                double day_msgs)
{
    double rate = (double)n * 1e9 / (double)ns;

    printf("%-14s %10.1f %12.0f %8.2f %12.1f\n", name, (double)ns / 1e6, rate,
           (double)ref_ns / (double)ns, day_msgs / rate);
}

/*
 * Imports the recording in into a new capture file (its name into path)
 * and reads its summary; 0, or -1 with a message.
 */
static int import_rec(const char *in, const char *venue, const char *url,
                      char *path, size_t cap, struct lx_capture_info *info)
{
    char tmpl[] = "/tmp/lx-bench-backtest-XXXXXX";
    struct lx_capture_reader *r = NULL;
    int fd = mkstemp(tmpl);

    if (fd < 0) {
        perror("bench_backtest: mkstemp");
        return -1;
    }
    close(fd);
    unlink(tmpl);
    lx__snprintf(path, cap, "%s.lxcap", tmpl);
    {
        char *imp[] = {"./lotusx", "capture",   "import",  (char *)in,
                       "-o",       path,        "--venue", (char *)venue,
                       "--url",    (char *)url, NULL};
        if (run(imp) != 0 || lx_capture_open(&r, NULL, path, NULL) != LX_OK) {
            fprintf(stderr, "bench_backtest: import of %s failed\n", in);
            unlink(path);
            return -1;
        }
    }
    lx_capture_reader_info(r, info);
    lx_capture_reader_free(r);
    return 0;
}

/* The same end to end on the USD-M recording (perpetual venue, funding). */
static int bench_usdm(const char *dir)
{
    char in[1024], path[64];
    struct lx_capture_info info;
    int64_t t_cat, t_hold, t_mm;
    double day, span;

    lx__snprintf(in, sizeof(in), "%s/%s", dir, REC_USDM);
    if (access(in, R_OK) != 0) {
        printf("bench_backtest: %s missing, USD-M skipped\n", in);
        return 0;
    }
    if (import_rec(in, "binance-usdm", "wss://fstream.binance.com/stream", path,
                   sizeof(path), &info) != 0) {
        return 1;
    }
    {
        char *cat[] = {"./lotusx", "capture", "cat", path, NULL};
        char *hold[] = {"./lotusx",  "backtest", "--venue",    "binanceusdm",
                        "--capture", path,       "--strategy", "hold",
                        "--quiet",   NULL};
        char *mm[] = {"./lotusx",  "backtest", "--venue", "binanceusdm",
                      "--capture", path,       "--quiet", NULL};
        t_cat = time_cmd(cat);
        t_hold = time_cmd(hold);
        t_mm = time_cmd(mm);
    }
    unlink(path);
    if (t_cat < 0 || t_hold < 0 || t_mm < 0 || info.records == 0) {
        fprintf(stderr, "bench_backtest: a USD-M run failed\n");
        return 1;
    }
    span = (double)(info.last_wall_ns - info.first_wall_ns);
    day = (double)info.records * 86400e9 / span;
    printf("\nUSD-M perpetual: %s\n%llu records over %.1f s (a day at this "
           "rate: %.2f M); median of %d runs\n",
           REC_USDM, (unsigned long long)info.records, span / 1e9, day / 1e6,
           RUNS);
    printf("%-14s %10s %12s %8s %12s\n", "case", "ms", "msgs/s", "ratio",
           "s per day");
    row("capture read", t_cat, info.records, t_cat, day);
    row("backtest hold", t_hold, info.records, t_cat, day);
    row("backtest mm", t_mm, info.records, t_cat, day);
    return 0;
}

int main(void)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char in[1024], path[64];
    struct lx_capture_info info;
    uint64_t frames = 0;
    int64_t t_cat, t_tape = -1, t_hold, t_mm, tt[RUNS];
    double day;
    int i;

    lx__snprintf(in, sizeof(in), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, REC);
    if (access(in, R_OK) != 0 || access("./lotusx", X_OK) != 0) {
        printf("bench_backtest: %s or ./lotusx missing, skipped\n", in);
        return 0;
    }
    if (import_rec(in, "binance-spot", "wss://stream.binance.com:9443/stream",
                   path, sizeof(path), &info) != 0) {
        return 1;
    }
    {
        char *cat[] = {"./lotusx", "capture", "cat", path, NULL};
        char *hold[] = {"./lotusx",   "backtest", "--capture", path,
                        "--strategy", "hold",     "--quiet",   NULL};
        char *mm[] = {"./lotusx", "backtest", "--capture",
                      path,       "--quiet",  NULL};
        t_cat = time_cmd(cat);
        for (i = 0; i < RUNS; i++) {
            tt[i] = tape_once(path, &frames);
        }
        qsort(tt, RUNS, sizeof(tt[0]), bench_cmp_i64);
        t_tape = tt[RUNS / 2];
        t_hold = time_cmd(hold);
        t_mm = time_cmd(mm);
    }
    unlink(path);
    if (t_cat < 0 || t_tape < 0 || t_hold < 0 || t_mm < 0 || frames == 0) {
        fprintf(stderr, "bench_backtest: a run failed\n");
        return 1;
    }
    /* This recording's message rate over a day. */
    day = (double)frames * 86400e9 /
          (double)(info.last_wall_ns - info.first_wall_ns);
    printf("backtest on a recorded market: %s\n%llu messages over %.1f s "
           "(a day at this rate: %.2f M messages); median of %d runs\n",
           REC, (unsigned long long)frames,
           (double)(info.last_wall_ns - info.first_wall_ns) / 1e9, day / 1e6,
           RUNS);
    printf("%-14s %10s %12s %8s %12s\n", "case", "ms", "msgs/s", "ratio",
           "s per day");
    row("capture read", t_cat, frames, t_cat, day);
    row("tape + venue", t_tape, frames, t_cat, day);
    row("backtest hold", t_hold, frames, t_cat, day);
    row("backtest mm", t_mm, frames, t_cat, day);
    printf("(goal: >= 3M messages/s end to end; ratio = capture read time "
           "over the case's)\n");
    return bench_usdm(dir != NULL ? dir : LX_SAMPLES_DEFAULT);
}
