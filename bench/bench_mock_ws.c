/*
 * bench_mock_ws.c - the client half of bench/bench_mock.sh, which
 * benchmarks a running lotusx-mock. Two modes:
 *
 *   bench_mock_ws ws URL CLIENTS SECONDS
 *     opens CLIENTS lx_ws connections to URL (a combined stream URL such
 *     as ws://127.0.0.1:P/stream?streams=btcusdt@depth@100ms/btcusdt@trade)
 *     on one event loop, waits until every one is open, then counts the
 *     text frames all of them receive for SECONDS and prints one line:
 *       clients C frames F seconds S frames_per_s R per_client R1
 *       depth D trade T other O bytes B min_client m max_client M
 *     Frames are classified by their event type ("depthUpdate", "trade").
 *
 *   bench_mock_ws idle HOST PORT N
 *     opens N plain TCP connections, sends one keep-alive GET
 *     /api/v3/ping on each and reads its answer, prints "ready N" and
 *     then holds the (idle, keep-alive) connections until standard input
 *     reaches end of file. The script reads the server's RSS meanwhile.
 *
 * Exit status 0 on success, 1 when a connection failed, 2 on bad usage.
 * A benchmark tool: it reads the monotonic clock directly.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <event2/event.h>

#include "lotusx/lx_clock.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "bench_util.h"

#define MAX_CLIENTS 1000
#define MAX_IDLE    20000
#define OPEN_NS     ((int64_t)15 * 1000000000)

struct wsc {
    struct lx_ws *ws;
    int64_t frames;
    int open, closed;
};

struct fanout {
    struct lx_clock *clock;
    struct wsc c[MAX_CLIENTS];
    int n, nopen, nclosed;
    int counting;
    int64_t frames, bytes, depth, trade, other;
};

static struct fanout fo;

static void on_open(struct lx_ws *ws, void *ud)
{
    struct wsc *c = ud;

    (void)ws;
    c->open = 1;
    if (++fo.nopen == fo.n) {
        lx_clock_stop_run(fo.clock);
    }
}

static void on_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct wsc *c = ud;
    /* "e":"depthUpdate" / "e":"trade" lie in the first ~60 bytes */
    size_t scan = len < 96 ? len : 96;
    char head[97];

    (void)ws;
    if (!fo.counting || opcode != LX_WS_TEXT) {
        return;
    }
    memcpy(head, data, scan);
    head[scan] = '\0';
    c->frames++;
    fo.frames++;
    fo.bytes += (int64_t)len;
    if (strstr(head, "\"e\":\"depthUpdate\"") != NULL) {
        fo.depth++;
    } else if (strstr(head, "\"e\":\"trade\"") != NULL) {
        fo.trade++;
    } else {
        fo.other++;
    }
}

static void on_close(struct lx_ws *ws, int err, int code, const char *reason,
                     void *ud)
{
    struct wsc *c = ud;

    (void)ws;
    if (!c->closed) {
        c->closed = 1;
        fo.nclosed++;
        fprintf(stderr, "bench_mock_ws: client %d closed: err %d code %d %s\n",
                (int)(c - fo.c), err, code, reason != NULL ? reason : "");
    }
    if (!c->open) {
        /* never opened: stop waiting for it */
        c->open = 1;
        if (++fo.nopen == fo.n) {
            lx_clock_stop_run(fo.clock);
        }
    }
}

static int run_ws(const char *url, int n, double seconds)
{
    static const struct lx_ws_cbs cbs = {on_open, on_message, NULL, NULL,
                                         on_close};
    struct event_base *base = event_base_new();
    struct lx_net *net = NULL;
    int64_t t0, t1, mn = INT64_MAX, mx = 0;
    int i, rc = base == NULL ? LX_ERR_NOMEM : LX_OK;

    fo.n = n;
    if (rc == LX_OK) {
        rc = lx_clock_new_real(&fo.clock, NULL, base);
    }
    if (rc == LX_OK) {
        rc = lx_net_new(&net, NULL, base, fo.clock);
    }
    for (i = 0; rc == LX_OK && i < n; i++) {
        rc = lx_ws_connect(&fo.c[i].ws, net, url, NULL, &cbs, &fo.c[i]);
    }
    if (rc == LX_OK) {
        lx_clock_run(fo.clock, bench_now_ns() + OPEN_NS);
    }
    if (rc == LX_OK && (fo.nopen != n || fo.nclosed != 0)) {
        fprintf(stderr, "bench_mock_ws: %d of %d clients open\n",
                fo.nopen - fo.nclosed, n);
        rc = LX_ERR_IO;
    }
    if (rc == LX_OK) {
        fo.counting = 1;
        t0 = bench_now_ns();
        lx_clock_run(fo.clock, t0 + (int64_t)(seconds * 1e9));
        t1 = bench_now_ns();
        fo.counting = 0;
        for (i = 0; i < n; i++) {
            mn = fo.c[i].frames < mn ? fo.c[i].frames : mn;
            mx = fo.c[i].frames > mx ? fo.c[i].frames : mx;
        }
        printf("clients %d frames %lld seconds %.3f frames_per_s %.1f "
               "per_client %.2f depth %lld trade %lld other %lld bytes %lld "
               "min_client %lld max_client %lld closed %d\n",
               n, (long long)fo.frames, (double)(t1 - t0) / 1e9,
               (double)fo.frames * 1e9 / (double)(t1 - t0),
               (double)fo.frames * 1e9 / (double)(t1 - t0) / n,
               (long long)fo.depth, (long long)fo.trade, (long long)fo.other,
               (long long)fo.bytes, (long long)mn, (long long)mx, fo.nclosed);
        if (fo.nclosed != 0) {
            rc = LX_ERR_CLOSED;
        }
    } else {
        fprintf(stderr, "bench_mock_ws: setup failed (%d)\n", rc);
    }
    for (i = 0; i < n; i++) {
        lx_ws_free(fo.c[i].ws);
    }
    if (fo.clock != NULL) {
        lx_clock_run(fo.clock, lx_clock_mono_ns(fo.clock));
    }
    lx_net_free(net);
    lx_clock_free(fo.clock);
    if (base != NULL) {
        event_base_free(base);
    }
    return rc == LX_OK ? 0 : 1;
}

/* ---- idle keep-alive connections ---------------------------------------- */

static int idle_fd[MAX_IDLE];

/* Reads one "{}" answer (Content-Length: 2) off fd; 1 on success. */
static int read_answer(int fd)
{
    char buf[2048];
    size_t got = 0;
    const char *end;
    ssize_t r;

    for (;;) {
        r = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (r <= 0) {
            return 0;
        }
        got += (size_t)r;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end != NULL && strncmp(buf, "HTTP/1.1 200", 12) == 0 &&
            (size_t)(end + 4 - buf) + 2 <= got) {
            return 1;
        }
        if (got == sizeof(buf) - 1) {
            return 0;
        }
    }
}

static int run_idle(const char *host, int port, int n)
{
    struct sockaddr_in sa;
    char req[256];
    int i, len, ok = 1, one = 1;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        return 2;
    }
    len = snprintf(req, sizeof(req),
                   "GET /api/v3/ping HTTP/1.1\r\nHost: %s:%d\r\n\r\n", host,
                   port);
    for (i = 0; i < n && ok; i++) {
        idle_fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        ok = idle_fd[i] >= 0 &&
             setsockopt(idle_fd[i], IPPROTO_TCP, TCP_NODELAY, &one,
                        sizeof(one)) == 0 &&
             connect(idle_fd[i], (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
             write(idle_fd[i], req, (size_t)len) == len &&
             read_answer(idle_fd[i]);
        if (!ok) {
            fprintf(stderr, "bench_mock_ws: idle connection %d: %s\n", i,
                    strerror(errno));
        }
    }
    printf("%s %d\n", ok ? "ready" : "failed", i);
    fflush(stdout);
    if (ok) {
        char sink[64];

        while (read(0, sink, sizeof(sink)) > 0) {
        }
    }
    while (i > 0) {
        close(idle_fd[--i]);
    }
    return ok ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_mock_ws ws URL CLIENTS SECONDS\n"
                    "       bench_mock_ws idle HOST PORT N\n");
}

int main(int argc, char **argv)
{
    char *end;
    long n;
    double secs;

    if (argc == 5 && strcmp(argv[1], "ws") == 0) {
        n = strtol(argv[3], &end, 10);
        secs = strtod(argv[4], NULL);
        if (*end != '\0' || n < 1 || n > MAX_CLIENTS || !(secs > 0)) {
            usage();
            return 2;
        }
        return run_ws(argv[2], (int)n, secs);
    }
    if (argc == 5 && strcmp(argv[1], "idle") == 0) {
        long port = strtol(argv[3], NULL, 10);

        n = strtol(argv[4], &end, 10);
        if (*end != '\0' || n < 1 || n > MAX_IDLE || port < 1 || port > 65535) {
            usage();
            return 2;
        }
        return run_idle(argv[2], (int)port, (int)n);
    }
    if (argc == 1) {
        /* run by make bench's loop without arguments: bench_mock.sh runs it */
        printf("bench_mock_ws: a helper of bench/bench_mock.sh, which "
               "make bench runs\n");
        return 0;
    }
    usage();
    return 2;
}
