/*
 * bench_replay.c - lotusx-mock --replay throughput: a capture replayed as
 * fast as possible (speed 0) to one WebSocket client over loopback TCP,
 * in messages/s and payload MB/s, next to references measured in the same
 * run on the same frames:
 *   - replay: lx_mock_replay (mock/replay) behind an lx_http_server, the
 *     whole of lotusx-mock --replay's serving path, in this process;
 *   - lx_ws loop: an lx_http_server that accepts the upgrade and pushes the
 *     same frames from an array with lx_ws_send_text, 256 per loop turn as
 *     the replay does, and nothing else (no capture, no stream selection,
 *     no pacing): the ceiling of the transport the replay uses;
 *   - raw TCP: the same payload bytes, unframed, written to a bufferevent
 *     256 frames per loop turn: the ceiling of the loopback and the loop.
 * All three pause while more than 1 MiB waits in the connection's output
 * buffer and go on once it drained to half (told by the connection: the
 * WebSocket's drain notice, the socket's write watermark), as the replay
 * does, so none of them measures how fast memory fills.
 * The client, in a forked process on a loop of its own (so the two sides
 * use the two cores), is a minimal reader: lx_ws_connect to the combined
 * stream URL, counting messages and bytes (raw TCP: bytes). The "lean
 * client" cases put the same two servers in front of a client that does
 * the upgrade by hand and then only walks the frame headers (payloads are
 * counted, not parsed or copied): the server side's throughput when the
 * client is not the bound, as a client that hands each frame to its own
 * parser would see it. The client measures
 * from its on_open (TCP: connected) to the last message, and the run fails
 * unless it received exactly the frames and bytes expected. CPU time
 * (user + system) per message of each side is printed: it shows which
 * side bounds the figure.
 *
 * Frames: the Binance spot hftbacktest recording of ../shared/samples
 * (LX_SAMPLES_DIR overrides; 16190 frames of depth diffs, trades and book
 * tickers, the REST snapshot line left out), repeated REPEAT times with
 * shifted times into one capture (one recorded connection of the three
 * combined streams), written to $TMPDIR before the clock starts. Without
 * the samples the benchmark says so and exits 0.
 *
 * Published anchor (not measured here): tardis-machine replays about 700k
 * messages/s; the goal of issue 8 is >= 2M messages/s.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "mock/replay/replay.h"
#include "net/ws_conn_internal.h"
#include "bench_util.h"

#ifndef LX_SAMPLES_DIR
#define LX_SAMPLES_DIR "../shared/samples"
#endif

#define SAMPLE  "binance-spot/hftbacktest/btcusdt_20240808.first150s.txt"
#define STREAMS "btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker"
#define REPEAT  12
#define RUNS    3
#define BATCH   256
/* flow control as the replay's (mock/replay/replay_ws.c) */
#define OUT_HIGH ((size_t)1 << 20)
#define OUT_LOW  (OUT_HIGH / 2)
#define GUARD_NS (60 * LX_SEC)

enum bcase { C_REPLAY = 0, C_WS, C_TCP, C_REPLAY_LEAN, C_WS_LEAN, NCASES };

static const char *const case_name[NCASES] = {
    "replay (lx_mock_replay, speed 0)", "lx_ws push loop (reference)",
    "raw TCP, same bytes (reference)", "replay, lean client",
    "lx_ws push loop, lean client"};

/* The server a case runs: the lean cases use the lx_ws client's servers. */
static enum bcase server_kind(enum bcase k)
{
    return k == C_REPLAY_LEAN ? C_REPLAY : k == C_WS_LEAN ? C_WS : k;
}

/* The frames, in order (REPEAT copies of the recording). */
struct frames {
    char *buf;
    const char **p;
    size_t *len;
    size_t n;
    int64_t bytes;
};

static struct frames fr;

/* CPU time (user + system) this process has used, in ns. */
static int64_t cpu_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * LX_SEC +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * LX_USEC;
}

/* ---- the frames and the capture ------------------------------------------ */

static int load_frames(const char *path, int64_t **walls)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 0, n1 = 0, k, i;
    long sz;
    char *s, *end, *sp;
    int64_t *w = NULL, span;

    if (f == NULL) {
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) <= 0 ||
        fseek(f, 0, SEEK_SET) != 0 ||
        (fr.buf = lx__malloc(NULL, (size_t)sz + 1)) == NULL ||
        fread(fr.buf, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        return -1;
    }
    fclose(f);
    fr.buf[sz] = '\0';
    /* one copy first */
    for (s = fr.buf; s < fr.buf + sz; s = end + 1) {
        end = memchr(s, '\n', (size_t)(fr.buf + sz - s));
        end = end != NULL ? end : fr.buf + sz;
        sp = memchr(s, ' ', (size_t)(end - s));
        if (end == s || sp == NULL ||
            strncmp(sp + 1, "{\"lastUpdateId\"", 15) == 0) {
            continue; /* the REST snapshot is not a stream frame */
        }
        if (n1 == cap) {
            cap = cap == 0 ? 32768 : cap * 2;
            fr.p = lx__realloc(NULL, fr.p, cap * REPEAT * sizeof(*fr.p));
            fr.len = lx__realloc(NULL, fr.len, cap * REPEAT * sizeof(*fr.len));
            w = lx__realloc(NULL, w, cap * REPEAT * sizeof(*w));
            if (fr.p == NULL || fr.len == NULL || w == NULL) {
                return -1;
            }
        }
        if (lx__parse_i64(s, (size_t)(sp - s), &w[n1]) != LX_OK) {
            return -1;
        }
        fr.p[n1] = sp + 1;
        fr.len[n1] = (size_t)(end - sp - 1);
        n1++;
    }
    if (n1 == 0) {
        return -1;
    }
    span = w[n1 - 1] - w[0] + 1000000;
    for (k = 1; k < REPEAT; k++) {
        for (i = 0; i < n1; i++) {
            fr.p[k * n1 + i] = fr.p[i];
            fr.len[k * n1 + i] = fr.len[i];
            w[k * n1 + i] = w[i] + (int64_t)k * span;
        }
    }
    fr.n = n1 * REPEAT;
    for (i = 0; i < fr.n; i++) {
        fr.bytes += (int64_t)fr.len[i];
    }
    *walls = w;
    return 0;
}

/* One recorded client connection of the combined streams, as `lotusx
 * capture import` writes it. */
static int write_capture(const char *path, const int64_t *walls)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_writer *w = NULL;
    struct lx_capture_record r;
    size_t i;
    int rc;

    unlink(path);
    rc = lx_capture_wopts_new(&o, NULL);
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_commit(o, INT64_MAX, (size_t)1 << 30);
    }
    if (rc == LX_OK) {
        rc = lx_capture_writer_open(&w, NULL, path, o, NULL);
    }
    lx_capture_wopts_free(o);
    memset(&r, 0, sizeof(r));
    r.side = LX_TAP_CLIENT;
    r.conn_id = 1;
    r.kind = LX_CAPTURE_CONN_OPEN;
    r.dir = LX_TAP_OUT;
    r.url = "wss://stream.binance.com:9443/stream?streams=" STREAMS;
    r.transport = "tls";
    r.wall_ns = walls[0];
    r.mono_ns = walls[0];
    if (rc == LX_OK) {
        rc = lx_capture_writer_write_record(w, &r);
    }
    for (i = 0; rc == LX_OK && i < fr.n; i++) {
        memset(&r, 0, sizeof(r));
        r.side = LX_TAP_CLIENT;
        r.conn_id = 1;
        r.seq = i + 1;
        r.kind = LX_CAPTURE_WS_FRAME;
        r.dir = LX_TAP_IN;
        r.ws_opcode = LX_WS_TEXT;
        r.wall_ns = walls[i];
        r.mono_ns = walls[i];
        r.data = (const uint8_t *)fr.p[i];
        r.len = fr.len[i];
        rc = lx_capture_writer_write_record(w, &r);
    }
    if (w != NULL) {
        int crc = lx_capture_writer_close(w);

        rc = rc == LX_OK ? crc : rc;
    }
    return rc;
}

/* ---- client side (forked child) ------------------------------------------ */

struct report {
    int64_t messages;
    int64_t bytes;
    int64_t bad;
    int64_t wall_ns; /* from open (connected) to the last message */
    int64_t cpu_ns;  /* CPU used over that span */
};

struct client {
    struct lx_clock *clock;
    struct lx_ws *ws;
    struct bufferevent *bev;
    struct report r;
    int64_t t0, cpu0;
    int done;
    int lean, upgraded; /* lean client: the 101 answer has been read */
};

static void client_finish(struct client *c)
{
    if (c->done) {
        return;
    }
    c->done = 1;
    c->r.wall_ns = bench_now_ns() - c->t0;
    c->r.cpu_ns = cpu_ns() - c->cpu0;
    lx_clock_stop_run(c->clock);
}

static void cws_open(struct lx_ws *ws, void *ud)
{
    struct client *c = ud;

    LX_UNUSED(ws);
    c->t0 = bench_now_ns();
    c->cpu0 = cpu_ns();
}

static void cws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                        size_t len, void *ud)
{
    struct client *c = ud;

    LX_UNUSED(opcode);
    LX_UNUSED(data);
    c->r.messages++;
    c->r.bytes += (int64_t)len;
    if (c->r.messages == (int64_t)fr.n) {
        client_finish(c);
        (void)lx_ws_close(ws, 1000, "done");
    }
}

static void cws_close(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct client *c = ud;

    LX_UNUSED(ws);
    LX_UNUSED(err);
    LX_UNUSED(code);
    LX_UNUSED(reason);
    if (!c->done) {
        c->r.bad++;
        client_finish(c);
    }
}

/*
 * Lean client: after the 101 answer, server frames (unmasked) are walked
 * by their headers; text frames are counted with their payload length,
 * whatever else (ping, close) is skipped. A frame split across reads waits
 * for the rest. Fragmented messages do not occur here (the servers send
 * each frame whole); a frame with FIN clear counts as an error.
 */
static void lean_read(struct client *c, struct evbuffer *in)
{
    for (;;) {
        size_t n = evbuffer_get_length(in), hl = 2;
        const uint8_t *h;
        uint64_t len;

        if (n < 2) {
            return;
        }
        h = evbuffer_pullup(in, n < 10 ? (ssize_t)n : 10);
        len = h[1] & 0x7f;
        if (len == 126) {
            hl = 4;
            if (n < hl) {
                return;
            }
            len = (uint64_t)h[2] << 8 | h[3];
        } else if (len == 127) {
            hl = 10;
            if (n < hl) {
                return;
            }
            len = 0;
            for (size_t i = 2; i < 10; i++) {
                len = len << 8 | h[i];
            }
        }
        if ((h[1] & 0x80) != 0 || (h[0] & 0x80) == 0) {
            c->r.bad++; /* masked by the server, or fragmented */
        }
        if (n < hl + len) {
            return;
        }
        if ((h[0] & 0x0f) == 1) {
            c->r.messages++;
            c->r.bytes += (int64_t)len;
        }
        evbuffer_drain(in, hl + (size_t)len);
        if (c->r.messages == (int64_t)fr.n) {
            client_finish(c);
            return;
        }
    }
}

static void ctcp_read(struct bufferevent *bev, void *arg)
{
    struct client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);

    if (c->lean && !c->upgraded) {
        struct evbuffer_ptr e = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        const char *line;

        if (e.pos < 0) {
            return;
        }
        line = (const char *)evbuffer_pullup(in, 12);
        if (line == NULL || strncmp(line, "HTTP/1.1 101", 12) != 0) {
            c->r.bad++;
            client_finish(c);
            return;
        }
        evbuffer_drain(in, (size_t)e.pos + 4);
        c->upgraded = 1;
        c->t0 = bench_now_ns(); /* as lx_ws's on_open */
        c->cpu0 = cpu_ns();
    }
    if (c->lean) {
        if (!c->done) {
            lean_read(c, in);
        }
        if (c->done) {
            evbuffer_drain(in, evbuffer_get_length(in));
        }
        return;
    }

    evbuffer_drain(in, n);
    c->r.bytes += (int64_t)n;
    if (c->r.bytes >= fr.bytes && !c->done) {
        c->r.messages = c->r.bytes == fr.bytes ? (int64_t)fr.n : 0;
        client_finish(c);
    }
}

static void ctcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct client *c = arg;

    LX_UNUSED(bev);
    if (what & BEV_EVENT_CONNECTED) {
        if (c->lean) {
            /* The upgrade; the key is the RFC 6455 example's. */
            (void)evbuffer_add_printf(
                bufferevent_get_output(bev),
                "GET /stream?streams=" STREAMS " HTTP/1.1\r\n"
                "Host: 127.0.0.1\r\nUpgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n");
            return;
        }
        c->t0 = bench_now_ns();
        c->cpu0 = cpu_ns();
        return;
    }
    if (!c->done) {
        c->r.bad++;
        client_finish(c);
    }
}

static int client_main(enum bcase k, uint16_t port, int out_fd)
{
    static const struct lx_ws_cbs cbs = {cws_open, cws_message, NULL, NULL,
                                         cws_close};
    static struct client c;
    struct event_base *base = event_base_new();
    struct lx_net *net = NULL;
    struct sockaddr_in sa;
    char url[160];
    int rc = base == NULL ? LX_ERR_NOMEM : LX_OK;

    memset(&c, 0, sizeof(c));
    c.lean = k == C_REPLAY_LEAN || k == C_WS_LEAN;
    if (rc == LX_OK) {
        rc = lx_clock_new_real(&c.clock, NULL, base);
    }
    if (rc == LX_OK) {
        rc = lx_net_new(&net, NULL, base, c.clock);
    }
    if (rc == LX_OK && k != C_TCP && !c.lean) {
        lx__snprintf(url, sizeof(url),
                     "ws://127.0.0.1:%u/stream?streams=" STREAMS,
                     (unsigned)port);
        rc = lx_ws_connect(&c.ws, net, url, NULL, &cbs, &c);
    } else if (rc == LX_OK) {
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c.bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
        rc = c.bev == NULL ? LX_ERR_NOMEM : LX_OK;
        if (rc == LX_OK) {
            bufferevent_setcb(c.bev, ctcp_read, NULL, ctcp_event, &c);
            bufferevent_enable(c.bev, EV_READ);
            rc = bufferevent_socket_connect(c.bev, (struct sockaddr *)&sa,
                                            sizeof(sa)) == 0
                     ? LX_OK
                     : LX_ERR_IO;
        }
    }
    if (rc == LX_OK) {
        lx_clock_run(c.clock, lx_clock_mono_ns(c.clock) + GUARD_NS);
    }
    c.r.bad += (rc != LX_OK) + !c.done;
    return write(out_fd, &c.r, sizeof(c.r)) == (ssize_t)sizeof(c.r) ? 0 : 1;
}

/* ---- server side (this process) ------------------------------------------ */

struct server {
    enum bcase k;
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_replay *rp;
    struct evconnlistener *lst;
    struct bufferevent *bev;
    struct lx_ws *ws;
    struct lx_timer *push, *guard;
    struct event *pipe_ev;
    size_t pos; /* next frame (references) */
    int fd;
    int got_report, failed;
    struct report r;
    int64_t cpu0, cpu1;
};

static void stcp_event(struct bufferevent *bev, short what, void *arg);

/* The output drained to OUT_LOW: pushing goes on. */
static void drained(void *ud)
{
    struct server *s = ud;

    lx_timer_start(s->push, 0, 0);
}

static void stcp_write(struct bufferevent *bev, void *ud)
{
    struct server *s = ud;

    bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
    bufferevent_setcb(bev, NULL, NULL, stcp_event, s);
    drained(s);
}

/* References: the next BATCH frames, then the next loop turn. */
static void push_cb(struct lx_timer *t, void *ud)
{
    struct server *s = ud;
    size_t end = s->pos + BATCH < fr.n ? s->pos + BATCH : fr.n;
    int rc = LX_OK;

    LX_UNUSED(t);
    if (s->k == C_WS && lx__ws_conn_out_pending(s->ws) > OUT_HIGH) {
        /* the client is behind */
        if (lx__ws_conn_notify_drain(s->ws, OUT_LOW, drained, s) != LX_OK) {
            s->failed = 1;
        }
        return;
    }
    if (s->k == C_TCP &&
        evbuffer_get_length(bufferevent_get_output(s->bev)) > OUT_HIGH) {
        bufferevent_setwatermark(s->bev, EV_WRITE, OUT_LOW, 0);
        bufferevent_setcb(s->bev, NULL, stcp_write, stcp_event, s);
        return;
    }
    for (; s->pos < end && rc == LX_OK; s->pos++) {
        rc = s->k == C_WS
                 ? lx_ws_send_text(s->ws, fr.p[s->pos], fr.len[s->pos])
                 : (bufferevent_write(s->bev, fr.p[s->pos], fr.len[s->pos]) == 0
                        ? LX_OK
                        : LX_ERR_IO);
    }
    if (rc != LX_OK) {
        s->failed = 1;
    } else if (s->pos < fr.n) {
        lx_timer_start(s->push, 0, 0);
    }
}

static void sws_close(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct server *s = ud;

    LX_UNUSED(err);
    LX_UNUSED(code);
    LX_UNUSED(reason);
    lx_timer_stop(s->push);
    lx_ws_free(ws);
    s->ws = NULL;
}

static void ws_handler(struct lx_http_req *req, void *ud)
{
    static const struct lx_ws_cbs cbs = {NULL, NULL, NULL, NULL, sws_close};
    struct server *s = ud;

    if (!lx_http_msg_upgrade(lx_http_req_msg(req)) || s->ws != NULL) {
        lx_http_req_respond_body(req, 404, NULL, NULL, NULL, 0);
        return;
    }
    s->cpu0 = cpu_ns();
    if (lx_ws_accept(&s->ws, req, &cbs, s) != LX_OK) {
        s->failed = 1;
        return;
    }
    lx_timer_start(s->push, 0, 0);
}

static void replay_handler(struct lx_http_req *req, void *ud)
{
    struct server *s = ud;

    if (s->cpu0 == 0) {
        s->cpu0 = cpu_ns();
    }
    lx_mock_replay_handle(req, s->rp);
}

static void stcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct server *s = arg;

    LX_UNUSED(what);
    lx_timer_stop(s->push);
    bufferevent_free(bev);
    s->bev = NULL;
}

static void tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
                       struct sockaddr *sa, int salen, void *ud)
{
    struct server *s = ud;

    LX_UNUSED(l);
    LX_UNUSED(sa);
    LX_UNUSED(salen);
    if (s->bev != NULL) {
        evutil_closesocket(fd);
        return;
    }
    s->cpu0 = cpu_ns();
    s->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (s->bev == NULL) {
        s->failed = 1;
        return;
    }
    bufferevent_setcb(s->bev, NULL, NULL, stcp_event, s);
    bufferevent_enable(s->bev, EV_READ | EV_WRITE);
    lx_timer_start(s->push, 0, 0);
}

static void pipe_cb(evutil_socket_t fd, short what, void *ud)
{
    struct server *s = ud;

    LX_UNUSED(what);
    s->cpu1 = cpu_ns();
    s->got_report = read(fd, &s->r, sizeof(s->r)) == (ssize_t)sizeof(s->r);
    lx_clock_stop_run(s->clock);
}

static void guard_cb(struct lx_timer *t, void *ud)
{
    struct server *s = ud;

    LX_UNUSED(t);
    s->failed = 1;
    lx_clock_stop_run(s->clock);
}

static uint16_t server_listen(struct server *s, const char *cap_path)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    struct lx_mock_replay_opts o;
    char err[256];

    if (s->k == C_TCP) {
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        s->lst = evconnlistener_new_bind(
            s->base, tcp_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
            16, (struct sockaddr *)&sa, sizeof(sa));
        if (s->lst == NULL || getsockname(evconnlistener_get_fd(s->lst),
                                          (struct sockaddr *)&sa, &sl) != 0) {
            return 0;
        }
        return ntohs(sa.sin_port);
    }
    if (s->k == C_REPLAY) {
        lx_mock_replay_opts_init(&o);
        o.speed_milli = 0;
        if (lx_mock_replay_new(&s->rp, s->net, s->clock, cap_path, &o, err,
                               sizeof(err)) != LX_OK) {
            fprintf(stderr, "bench_replay: %s\n", err);
            return 0;
        }
    }
    if (lx_http_server_new(&s->srv, s->net,
                           s->k == C_REPLAY ? replay_handler : ws_handler,
                           s) != LX_OK ||
        lx_http_server_listen(s->srv, "127.0.0.1", 0, NULL) != LX_OK) {
        return 0;
    }
    return lx_http_server_port(s->srv);
}

static void server_free(struct server *s)
{
    if (s->pipe_ev != NULL) {
        event_free(s->pipe_ev);
    }
    lx_ws_free(s->ws);
    if (s->bev != NULL) {
        bufferevent_free(s->bev);
    }
    if (s->lst != NULL) {
        evconnlistener_free(s->lst);
    }
    lx_http_server_free(s->srv);
    lx_mock_replay_free(s->rp);
    lx_timer_free(s->push);
    lx_timer_free(s->guard);
    if (s->clock != NULL) {
        lx_clock_run(s->clock, lx_clock_mono_ns(s->clock));
    }
    lx_net_free(s->net);
    lx_clock_free(s->clock);
    if (s->base != NULL) {
        event_base_free(s->base);
    }
}

/* ---- one run ------------------------------------------------------------- */

struct outcome {
    double msgs_per_s;
    double mb_per_s;
    double srv_ns; /* server CPU per message */
    double cli_ns; /* client CPU per message */
    int ok;
};

static struct outcome run_case(enum bcase k, const char *cap_path)
{
    static struct server s;
    struct outcome o = {0, 0, 0, 0, 0};
    uint16_t port = 0;
    pid_t pid = -1;
    int p[2] = {-1, -1};

    memset(&s, 0, sizeof(s));
    s.k = server_kind(k);
    s.base = event_base_new();
    if (s.base == NULL || lx_clock_new_real(&s.clock, NULL, s.base) != LX_OK ||
        lx_net_new(&s.net, NULL, s.base, s.clock) != LX_OK ||
        lx_timer_new(&s.push, s.clock, push_cb, &s) != LX_OK ||
        lx_timer_new(&s.guard, s.clock, guard_cb, &s) != LX_OK ||
        (port = server_listen(&s, cap_path)) == 0 || pipe(p) != 0) {
        fprintf(stderr, "bench_replay: setup failed\n");
        server_free(&s);
        return o;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_NAME, "client", 0, 0, 0);
        _exit(client_main(k, port, p[1]));
    }
    close(p[1]);
    s.pipe_ev = event_new(s.base, p[0], EV_READ, pipe_cb, &s);
    if (pid < 0 || s.pipe_ev == NULL || event_add(s.pipe_ev, NULL) != 0) {
        s.failed = 1;
    } else {
        lx_timer_start(s.guard, GUARD_NS, 0);
        lx_clock_run(s.clock, INT64_MAX);
    }
    close(p[0]);
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
    if (s.failed || !s.got_report || s.r.bad != 0 ||
        s.r.messages != (int64_t)fr.n || s.r.bytes != fr.bytes ||
        s.r.wall_ns <= 0) {
        fprintf(stderr,
                "bench_replay: %s: received %lld of %zu frames (%lld of %lld "
                "bytes), errors %lld%s\n",
                case_name[k], (long long)s.r.messages, fr.n,
                (long long)s.r.bytes, (long long)fr.bytes, (long long)s.r.bad,
                s.failed ? ", server failed" : "");
    } else {
        double sec = (double)s.r.wall_ns / 1e9;

        o.msgs_per_s = (double)fr.n / sec;
        o.mb_per_s = (double)fr.bytes / sec / 1e6;
        o.srv_ns = (double)(s.cpu1 - s.cpu0) / (double)fr.n;
        o.cli_ns = (double)s.r.cpu_ns / (double)fr.n;
        o.ok = 1;
    }
    server_free(&s);
    return o;
}

/*
 * run_case in a process of its own, so every run starts from the same heap
 * (the runs queue tens of MB, and page faults are a large part of the cost
 * on a virtual machine).
 */
static struct outcome run_isolated(enum bcase k, const char *cap_path)
{
    struct outcome o = {0, 0, 0, 0, 0};
    pid_t pid;
    int p[2];

    if (pipe(p) != 0) {
        return o;
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid == 0) {
        static const char *const comm[NCASES] = {"srv-replay", "srv-ws",
                                                 "srv-tcp", "srv-replay-lean",
                                                 "srv-ws-lean"};

        close(p[0]);
        prctl(PR_SET_NAME, comm[k], 0, 0, 0); /* for perf --comm */
        o = run_case(k, cap_path);
        _exit(write(p[1], &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
    }
    close(p[1]);
    if (pid < 0 || read(p[0], &o, sizeof(o)) != (ssize_t)sizeof(o)) {
        o.ok = 0;
    }
    close(p[0]);
    if (pid > 0) {
        waitpid(pid, NULL, 0);
    }
    return o;
}

/* The 1-minute load average, as text ("?" if unknown). */
static const char *load_avg(void)
{
    static char buf[32];
    FILE *f = fopen("/proc/loadavg", "r");
    size_t n = f != NULL ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

    if (f != NULL) {
        fclose(f);
    }
    buf[n] = '\0';
    buf[strcspn(buf, " ")] = '\0';
    return n > 0 ? buf : "?";
}

static int cmp_outcome(const void *a, const void *b)
{
    double x = ((const struct outcome *)a)->msgs_per_s;
    double y = ((const struct outcome *)b)->msgs_per_s;

    return (x > y) - (x < y);
}

int main(void)
{
    struct outcome res[NCASES][RUNS], med[NCASES];
    const char *dir = getenv("LX_SAMPLES_DIR"), *tmp = getenv("TMPDIR");
    char path[1024], cap_path[1024];
    int64_t *walls = NULL, t;
    int k, i, rc = 0;

    signal(SIGPIPE, SIG_IGN);
    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DIR, SAMPLE);
    if (load_frames(path, &walls) != 0) {
        printf("replay throughput: %s not found or unreadable: skipped\n",
               path);
        return 0;
    }
    lx__snprintf(cap_path, sizeof(cap_path), "%s/bench_replay.%ld.lxcap",
                 tmp != NULL ? tmp : "/tmp", (long)getpid());
    t = bench_now_ns();
    if (write_capture(cap_path, walls) != LX_OK) {
        fprintf(stderr, "bench_replay: cannot write %s\n", cap_path);
        unlink(cap_path);
        return 1;
    }
    lx__free(NULL, walls);
    printf("replay throughput: %s x %d = %zu frames, %.1f MB of payload "
           "(capture written in %.2f s)\n"
           "one WebSocket client (lx_ws_connect, forked process, own loop) "
           "over 127.0.0.1, combined stream URL of 3 streams, speed 0;\n"
           "median of %d runs; MB = 10^6 payload bytes (framing not "
           "counted); CPU = user + system per message\n",
           SAMPLE, REPEAT, fr.n, (double)fr.bytes / 1e6,
           (double)(bench_now_ns() - t) / 1e9, RUNS);
    for (i = 0; i < RUNS; i++) {
        for (k = 0; k < NCASES; k++) {
            res[k][i] = run_isolated((enum bcase)k, cap_path);
            rc |= !res[k][i].ok;
        }
    }
    unlink(cap_path);
    if (rc != 0) {
        printf("a run failed\n");
        return 1;
    }
    bench_header("", "case                                  msgs/s      MB/s"
                     "  server CPU ns/msg  client CPU ns/msg");
    for (k = 0; k < NCASES; k++) {
        qsort(res[k], RUNS, sizeof(res[k][0]), cmp_outcome);
        med[k] = res[k][RUNS / 2];
        printf("%-34s %10.0f %9.1f %18.0f %18.0f\n", case_name[k],
               med[k].msgs_per_s, med[k].mb_per_s, med[k].srv_ns,
               med[k].cli_ns);
    }
    printf("\nratio replay / lx_ws push loop: %.2f   replay / raw TCP: %.2f\n",
           med[C_REPLAY].msgs_per_s / med[C_WS].msgs_per_s,
           med[C_REPLAY].msgs_per_s / med[C_TCP].msgs_per_s);
    printf("lean client: replay / lx_ws push loop: %.2f   replay / raw TCP: "
           "%.2f   replay lean / replay (lx_ws client): %.2f\n",
           med[C_REPLAY_LEAN].msgs_per_s / med[C_WS_LEAN].msgs_per_s,
           med[C_REPLAY_LEAN].msgs_per_s / med[C_TCP].msgs_per_s,
           med[C_REPLAY_LEAN].msgs_per_s / med[C_REPLAY].msgs_per_s);
    printf("replay CPU bound: server %.0f msgs/s per core, client %.0f "
           "msgs/s per core (1e9 / CPU ns per message); wall figures are "
           "lower when the machine is shared (load average now %s)\n",
           1e9 / med[C_REPLAY].srv_ns, 1e9 / med[C_REPLAY].cli_ns, load_avg());
    printf("published anchor (not measured here): tardis-machine about 700k "
           "messages/s; goal (issue 8): >= 2M messages/s\n");
    lx__free(NULL, fr.p);
    lx__free(NULL, fr.len);
    lx__free(NULL, fr.buf);
    return 0;
}
