/*
 * record_main.c - lotusx-record: records live HTTP and WebSocket sessions
 * into a capture file (*.lxcap) through the wire tap.
 *
 * It opens every --ws URL (sending each --send text once the socket is
 * open), then fetches every --rest URL once (so a depth snapshot lands
 * after its stream started, as book sync wants), and records everything
 * the tap sees until --duration elapses, --frames WebSocket frames arrived,
 * or SIGINT/SIGTERM; then it closes the sockets cleanly and finalizes the
 * file. Credentials of --venue found in the environment or an --env-file
 * are registered with the writer, so their bytes can never reach the file.
 * On a terminal a status line shows progress every second.
 *
 * Named streams (--stream binance-spot:btcusdt@depth@100ms) are grouped per
 * venue into one combined-stream connection (/stream?streams=a/b) on the
 * venue's host or on --base (to record lotusx-mock); with
 * --snapshot-every N the REST depth of every depth stream's symbol is
 * fetched once all sockets are open and then every N seconds. With
 * --rotate-size / --rotate-time the recording moves to a new numbered file
 * (FILE.0001.lxcap, ...) when the current one (file plus WAL) reaches the
 * size or has run for the time; the tap switches writers between two
 * events, so nothing is lost, but a connection continues in the next file
 * without its open record (each file is labelled with its part number).
 *
 * A WebSocket that closes while recording (the venue dropped it, a network
 * error) is opened again after a back-off (250 ms doubling to 30 s, equal
 * jitter; reset once a connection has stayed open for 10 s); its --send
 * text goes out again and, with --snapshot-every, the depth snapshots are
 * fetched at once. The file keeps the close and the new connection's open
 * record as they happened, plus a "reconnect" annotation, so the gap is
 * visible and a book can be rebuilt after it. --no-reconnect stops the
 * recording at the first close instead (the behaviour before).
 *
 * Exit codes: 0 recorded and finalized; 1 a run-time failure (file exists,
 * a connection failed, disk error); 2 bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_backoff.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_url.h"
#include "lotusx/lx_ws.h"

#define REC_MAX_URLS 32
#define SEC          ((int64_t)1000000000)
#define REC_URL_MAX  8192

/* Venues whose streams can be named (--stream VENUE:NAME). */
struct rec_venue {
    const char *name, *ws, *rest, *depth_path;
};

static const struct rec_venue venues[] = {
    {"binance-spot", "wss://stream.binance.com:9443", "https://api.binance.com",
     "/api/v3/depth"},
    {"binance-usdm", "wss://fstream.binance.com", "https://fapi.binance.com",
     "/fapi/v1/depth"},
};

struct rec_ws {
    struct rec *r;
    struct lx_ws *ws;
    const char *url;
    const char *send;
    int open;
    int done;
    /* reconnects: the socket is replaced from the timer, not its callback */
    struct lx_timer *retry;
    struct lx_ws *dead; /* closed, freed by the retry timer */
    struct lx_backoff backoff;
    int64_t opened_ns; /* mono time of the last open */
    int ever_open;
};

/* A connection open this long resets the back-off. */
#define REC_STABLE_NS (10 * SEC)

struct rec {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_client *cli;
    struct lx_capture_writer *w;
    struct lx_creds *creds;
    struct lx_timer *tick, *stop;
    struct event *sigint, *sigterm;
    struct lx_timer *snap_timer;
    const char *out, *venue, *ca_file, *env_file, *base_url;
    const char *rest[REC_MAX_URLS];
    struct rec_ws ws[REC_MAX_URLS];
    int nrest, nws;
    int rest_pending, rest_started;
    int64_t duration_s, frames_max, frames;
    int failures, stopping, tty, quiet;
    int no_reconnect;
    int64_t reconnects;
    struct lx_rng rng; /* back-off jitter */
    /* --stream names, and the URLs built from them (owned). */
    const char *streams[REC_MAX_URLS];
    int nstreams;
    char *owned[3 * REC_MAX_URLS];
    int nowned;
    const char *snap[REC_MAX_URLS];
    int nsnap;
    int64_t snap_every_s, rotate_size, rotate_time_s;
    /* The current file: part 0 without rotation, else 1, 2, ... */
    int part;
    int64_t part_start_ns;
    char path[4096];
    /* Open connections' open events, repeated at the start of each part. */
    struct live_open *live;
    size_t nlive, caplive;
};

struct live_open {
    struct lx_tap_event ev; /* url and transport point at the copies */
    char *url, *transport;
};

static void maybe_rotate(struct rec *r);

static void usage(FILE *f)
{
    fprintf(f, "usage: lotusx-record -o FILE [--venue NAME] [--ws URL [--send "
               "TEXT]]...\n"
               "                     [--rest URL]... [--duration SECONDS] "
               "[--frames N]\n"
               "                     [--ca-file PEM] [--env-file PATH] "
               "[--quiet]\n"
               "                     [--stream VENUE:NAME]... [--base URL] "
               "[--snapshot-every S]\n"
               "                     [--rotate-size BYTES] [--rotate-time "
               "SECONDS]\n"
               "\n"
               "Records live HTTP and WebSocket sessions into a capture file.\n"
               "WebSockets open first (each --send goes out once its socket "
               "is open),\n"
               "then each --rest URL is fetched once. Recording stops after "
               "--duration\n"
               "(default 10 s), after N WebSocket frames received, or on "
               "SIGINT/SIGTERM;\n"
               "the file is then finalized. FILE must not exist.\n"
               "\n"
               "  --venue NAME     venue label; its credentials "
               "(LOTUSX_<NAME>_API_KEY, ...)\n"
               "                   from the environment or --env-file are "
               "redacted\n"
               "  --ca-file PEM    trust this CA instead of the system store\n"
               "  --stream V:NAME  a stream of venue V (binance-spot, "
               "binance-usdm), e.g.\n"
               "                   binance-spot:btcusdt@depth@100ms; the "
               "streams of a venue\n"
               "                   share one combined-stream connection\n"
               "  --base URL       host for --stream and snapshots instead of "
               "the venue's\n"
               "                   (http://127.0.0.1:PORT for lotusx-mock)\n"
               "  --snapshot-every S  GET the REST depth (limit 1000) of each "
               "depth stream's\n"
               "                   symbol once the sockets are open, then "
               "every S seconds\n"
               "  --rotate-size BYTES, --rotate-time SECONDS  numbered parts: "
               "-o rec.lxcap\n"
               "                   writes rec.0001.lxcap, rec.0002.lxcap, ...; "
               "the next part\n"
               "                   starts when one (with its WAL) reaches "
               "BYTES or has run\n"
               "                   for SECONDS\n"
               "  --no-reconnect   stop at the first WebSocket close "
               "(default: open it\n"
               "                   again after a back-off; the close, the new "
               "open and a\n"
               "                   \"reconnect\" annotation are recorded)\n");
}

static int add_url(const char **list, int *n, const char *url, const char *flag)
{
    struct lx_url *u;

    if (*n >= REC_MAX_URLS) {
        fprintf(stderr, "lotusx-record: at most %d %s URLs\n", REC_MAX_URLS,
                flag);
        return 2;
    }
    if (lx_url_parse(&u, NULL, url, strlen(url)) != LX_OK) {
        fprintf(stderr, "lotusx-record: %s: not a valid URL: '%s'\n", flag,
                url);
        return 2;
    }
    lx_url_free(u);
    list[(*n)++] = url;
    return -1;
}

static int parse_num(const char *flag, const char *s, int64_t lo, int64_t hi,
                     int64_t *out)
{
    if (lx__parse_i64(s, strlen(s), out) != LX_OK || *out < lo || *out > hi) {
        fprintf(stderr, "lotusx-record: %s wants %lld..%lld, got '%s'\n", flag,
                (long long)lo, (long long)hi, s);
        return 2;
    }
    return -1;
}

static const struct rec_venue *find_venue(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < LX_ARRAY_LEN(venues); i++) {
        if (strlen(venues[i].name) == len &&
            strncmp(venues[i].name, name, len) == 0) {
            return &venues[i];
        }
    }
    return NULL;
}

/* Checks "VENUE:NAME" (NAME: letters, digits, '@', '_', '.', '-'). */
static int add_stream(struct rec *r, const char *v)
{
    const char *colon = strchr(v, ':');
    size_t n;

    if (colon == NULL || find_venue(v, (size_t)(colon - v)) == NULL) {
        fprintf(stderr,
                "lotusx-record: --stream '%s': want VENUE:NAME with VENUE "
                "binance-spot or binance-usdm\n",
                v);
        return 2;
    }
    n = strspn(colon + 1, "abcdefghijklmnopqrstuvwxyz0123456789@_.-"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (n == 0 || colon[1 + n] != '\0') {
        fprintf(stderr, "lotusx-record: --stream '%s': bad stream name\n", v);
        return 2;
    }
    if (r->nstreams >= REC_MAX_URLS) {
        fprintf(stderr, "lotusx-record: at most %d --stream names\n",
                REC_MAX_URLS);
        return 2;
    }
    r->streams[r->nstreams++] = v;
    return -1;
}

/* A copy of s owned by r (freed in finish), or NULL. */
static char *own(struct rec *r, const char *s)
{
    char *c;

    if (r->nowned >= (int)LX_ARRAY_LEN(r->owned) ||
        (c = lx__strdup(NULL, s)) == NULL) {
        return NULL;
    }
    r->owned[r->nowned++] = c;
    return c;
}

/*
 * The WebSocket (ws=1) or REST base of venue v: the venue's host, or
 * --base with its scheme mapped (http <-> ws, https <-> wss).
 */
static void venue_base(const struct rec *r, const struct rec_venue *v, int ws,
                       char *buf, size_t cap)
{
    const char *b = r->base_url, *rest;
    size_t n;
    int tls;

    if (b == NULL) {
        lx__snprintf(buf, cap, "%s", ws ? v->ws : v->rest);
        return;
    }
    tls = strncmp(b, "https:", 6) == 0 || strncmp(b, "wss:", 4) == 0;
    rest = strstr(b, "://");
    rest = rest != NULL ? rest + 3 : b;
    n = strlen(rest);
    while (n > 0 && rest[n - 1] == '/') {
        n--;
    }
    lx__snprintf(buf, cap, "%s://%.*s",
                 ws ? (tls ? "wss" : "ws") : (tls ? "https" : "http"), (int)n,
                 rest);
}

/* Adds the depth snapshot URL of stream name (if it is a depth stream). */
static int add_snapshot(struct rec *r, const struct rec_venue *v,
                        const char *name)
{
    char base[1024], url[REC_URL_MAX], sym[64];
    size_t n = strcspn(name, "@"), i;
    int k;

    if (strstr(name, "@depth") == NULL || n == 0 || n >= sizeof(sym)) {
        return 0;
    }
    for (i = 0; i < n; i++) { /* REST symbols are upper case */
        sym[i] =
            name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 32) : name[i];
    }
    sym[n] = '\0';
    venue_base(r, v, 0, base, sizeof(base));
    lx__snprintf(url, sizeof(url), "%s%s?symbol=%s&limit=1000", base,
                 v->depth_path, sym);
    for (k = 0; k < r->nsnap; k++) {
        if (strcmp(r->snap[k], url) == 0) {
            return 0; /* depth and depth@100ms of one symbol: one GET */
        }
    }
    if (r->nrest >= REC_MAX_URLS || (r->snap[r->nsnap] = own(r, url)) == NULL) {
        fprintf(stderr, "lotusx-record: too many snapshot URLs\n");
        return 2;
    }
    r->rest[r->nrest++] = r->snap[r->nsnap++];
    return 0;
}

/* One combined-stream connection per venue named by --stream. */
static int build_stream_urls(struct rec *r)
{
    char url[REC_URL_MAX];
    size_t vi, len;
    int i, any, rc;

    for (vi = 0; vi < LX_ARRAY_LEN(venues); vi++) {
        const struct rec_venue *v = &venues[vi];
        venue_base(r, v, 1, url, sizeof(url));
        len = strlen(url);
        any = 0;
        for (i = 0; i < r->nstreams; i++) {
            const char *name = strchr(r->streams[i], ':') + 1;
            if (find_venue(r->streams[i], (size_t)(name - 1 - r->streams[i])) !=
                v) {
                continue;
            }
            rc = lx__snprintf(url + len, sizeof(url) - len, "%s%s",
                              any ? "/" : "/stream?streams=", name);
            if (rc < 0) {
                fprintf(stderr, "lotusx-record: --stream URL too long\n");
                return 2;
            }
            len += (size_t)rc;
            any = 1;
            if (r->snap_every_s > 0 && add_snapshot(r, v, name) != 0) {
                return 2;
            }
        }
        if (!any) {
            continue;
        }
        if (r->venue == NULL) {
            r->venue = v->name; /* the file's venue: the first one named */
        }
        if (r->nws >= REC_MAX_URLS ||
            (r->ws[r->nws].url = own(r, url)) == NULL) {
            fprintf(stderr, "lotusx-record: too many WebSocket URLs\n");
            return 2;
        }
        r->nws++;
    }
    return -1;
}

static int parse_args(struct rec *r, int argc, char **argv)
{
    const char *ws_urls[REC_MAX_URLS];
    int i, rc = -1;

    for (i = 1; i < argc && rc < 0; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            r->quiet = 1;
        } else if (strcmp(a, "--no-reconnect") == 0) {
            r->no_reconnect = 1;
        } else if (v == NULL) {
            fprintf(stderr, "lotusx-record: '%s' wants a value\n\n", a);
            usage(stderr);
            return 2;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            r->out = v;
            i++;
        } else if (strcmp(a, "--venue") == 0) {
            r->venue = v;
            i++;
        } else if (strcmp(a, "--ca-file") == 0) {
            r->ca_file = v;
            i++;
        } else if (strcmp(a, "--env-file") == 0) {
            r->env_file = v;
            i++;
        } else if (strcmp(a, "--rest") == 0) {
            rc = add_url(r->rest, &r->nrest, v, "--rest");
            i++;
        } else if (strcmp(a, "--ws") == 0) {
            rc = add_url(ws_urls, &r->nws, v, "--ws");
            if (rc < 0) {
                r->ws[r->nws - 1].url = v;
            }
            i++;
        } else if (strcmp(a, "--send") == 0) {
            if (r->nws == 0) {
                fprintf(stderr, "lotusx-record: --send must follow a --ws\n");
                return 2;
            }
            r->ws[r->nws - 1].send = v;
            i++;
        } else if (strcmp(a, "--duration") == 0) {
            rc = parse_num(a, v, 1, 7 * 86400, &r->duration_s);
            i++;
        } else if (strcmp(a, "--frames") == 0) {
            rc = parse_num(a, v, 1, INT64_MAX, &r->frames_max);
            i++;
        } else if (strcmp(a, "--stream") == 0) {
            rc = add_stream(r, v);
            i++;
        } else if (strcmp(a, "--base") == 0) {
            r->base_url = v;
            i++;
        } else if (strcmp(a, "--snapshot-every") == 0) {
            rc = parse_num(a, v, 1, 86400, &r->snap_every_s);
            i++;
        } else if (strcmp(a, "--rotate-size") == 0) {
            rc = parse_num(a, v, 16384, INT64_MAX, &r->rotate_size);
            i++;
        } else if (strcmp(a, "--rotate-time") == 0) {
            rc = parse_num(a, v, 1, 7 * 86400, &r->rotate_time_s);
            i++;
        } else {
            fprintf(stderr, "lotusx-record: unexpected argument '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (rc >= 0) {
        return rc;
    }
    if (r->out == NULL || (r->nrest == 0 && r->nws == 0 && r->nstreams == 0)) {
        fprintf(stderr, "lotusx-record: need -o FILE and at least one --ws, "
                        "--rest or --stream\n\n");
        usage(stderr);
        return 2;
    }
    if (r->snap_every_s > 0 && r->nstreams == 0) {
        fprintf(stderr, "lotusx-record: --snapshot-every needs a --stream\n");
        return 2;
    }
    if (r->base_url != NULL && r->nstreams == 0) {
        fprintf(stderr, "lotusx-record: --base needs a --stream\n");
        return 2;
    }
    return build_stream_urls(r);
}

/* ---- stopping --------------------------------------------------------------
 */

static void check_done(struct rec *r)
{
    int i;

    if (r->rest_pending > 0) {
        return;
    }
    for (i = 0; i < r->nws; i++) {
        if (!r->ws[i].done) {
            return;
        }
    }
    event_base_loopexit(r->base, NULL);
}

/* Closes every WebSocket with 1000; the loop ends when all are closed. */
static void stop_all(struct rec *r, const char *why)
{
    int i;

    if (r->stopping) {
        return;
    }
    r->stopping = 1;
    lx_timer_stop(r->snap_timer);
    if (!r->quiet) {
        fprintf(stderr, "%slotusx-record: stopping (%s)\n", r->tty ? "\n" : "",
                why);
    }
    for (i = 0; i < r->nws; i++) {
        lx_timer_stop(r->ws[i].retry);
        if (r->ws[i].ws == NULL) {
            r->ws[i].done = 1; /* waiting to reconnect */
        }
        if (r->ws[i].ws != NULL && !r->ws[i].done) {
            if (!r->ws[i].open ||
                lx_ws_close(r->ws[i].ws, 1000, "recording done") != LX_OK) {
                r->ws[i].done = 1;
            }
        }
    }
    check_done(r);
}

static void on_signal(evutil_socket_t sig, short what, void *ud)
{
    LX_UNUSED(what);
    stop_all(ud, sig == SIGINT ? "SIGINT" : "SIGTERM");
}

static void stop_cb(struct lx_timer *t, void *ud)
{
    struct rec *r = ud;

    LX_UNUSED(t);
    if (!r->stopping) {
        stop_all(r, "duration reached");
    } else {
        /* A peer did not finish the close handshake in time. */
        event_base_loopexit(r->base, NULL);
    }
}

static void tick_cb(struct lx_timer *t, void *ud)
{
    struct rec *r = ud;
    struct lx_capture_wstats st;

    LX_UNUSED(t);
    if (r->w == NULL) {
        return; /* the next part could not be created: stopping */
    }
    lx_capture_writer_tick(r->w, lx_clock_mono_ns(r->clock));
    if (lx_capture_writer_status(r->w) != LX_OK) {
        r->failures++;
        stop_all(r, "capture write failed");
        return;
    }
    maybe_rotate(r);
    if (r->tty && !r->quiet) {
        lx_capture_writer_stats(r->w, &st);
        fprintf(stderr,
                "\rrecording: %llu records, %llu frames, %.1f KiB raw, "
                "%llu chunks, %lld reconnects ",
                (unsigned long long)st.records, (unsigned long long)r->frames,
                (double)st.raw_bytes / 1024.0, (unsigned long long)st.chunks,
                (long long)r->reconnects);
    }
}

/* ---- sessions
 * ----------------------------------------------------------------
 */

static void rest_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct rec *r = ud;

    r->rest_pending--;
    if (err != LX_OK) {
        r->failures++;
        fprintf(stderr, "lotusx-record: REST request failed: %s\n", errmsg);
    } else if (!r->quiet && !r->tty) {
        fprintf(stderr, "lotusx-record: REST answered %d\n",
                lx_http_msg_status(resp));
    }
    if (r->stopping) {
        check_done(r);
    } else if (r->rest_pending == 0 && r->nws == 0) {
        stop_all(r, "all REST requests answered");
    }
}

/* Sends GET url; the answer lands in rest_cb. */
static void send_get(struct rec *r, const char *url)
{
    struct lx_url *u = NULL;
    struct lx_http_msg *m = NULL;
    char host[280], base[300], target[2048];
    int rc = lx_url_parse(&u, NULL, url, strlen(url));

    if (rc == LX_OK) {
        rc = lx_url_host_header(u, host, sizeof(host));
    }
    if (rc >= 0) {
        lx__snprintf(base, sizeof(base), "%s://%s", lx_url_scheme(u), host);
        rc = lx_url_request_target(u, target, sizeof(target));
    }
    if (rc >= 0) {
        rc = lx_http_msg_new_request(&m, NULL, "GET", target);
    }
    if (rc == LX_OK) {
        rc = lx_http_client_send(r->cli, base, m, 0, rest_cb, r);
    }
    lx_url_free(u);
    if (rc != LX_OK) {
        r->failures++;
        fprintf(stderr, "lotusx-record: cannot send GET %s: %s\n", url,
                lx_strerror(rc));
        return;
    }
    r->rest_pending++;
}

/* --snapshot-every: the depth snapshots again. */
static void snap_cb(struct lx_timer *t, void *ud)
{
    struct rec *r = ud;
    int i;

    LX_UNUSED(t);
    for (i = 0; i < r->nsnap && !r->stopping; i++) {
        send_get(r, r->snap[i]);
    }
}

static void start_rest(struct rec *r)
{
    int i;

    if (r->rest_started) {
        return;
    }
    r->rest_started = 1;
    for (i = 0; i < r->nrest; i++) {
        send_get(r, r->rest[i]);
    }
    if (r->nsnap > 0) {
        lx_timer_start(r->snap_timer, r->snap_every_s * SEC,
                       r->snap_every_s * SEC);
    }
    if (r->rest_pending == 0 && r->nws == 0) {
        stop_all(r, "nothing to wait for");
    }
}

static void ws_open(struct lx_ws *ws, void *ud)
{
    struct rec_ws *s = ud;
    int i;

    s->open = 1;
    s->opened_ns = lx_clock_mono_ns(s->r->clock);
    if (s->ever_open && s->r->rest_started) {
        snap_cb(NULL, s->r); /* a book must be rebuilt after the gap */
    }
    s->ever_open = 1;
    if (s->send != NULL &&
        lx_ws_send_text(ws, s->send, strlen(s->send)) != LX_OK) {
        fprintf(stderr, "lotusx-record: cannot send on %s\n", s->url);
    }
    for (i = 0; i < s->r->nws; i++) {
        if (!s->r->ws[i].open && !s->r->ws[i].done) {
            return;
        }
    }
    start_rest(s->r);
}

static void ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct rec_ws *s = ud;

    LX_UNUSED(ws);
    LX_UNUSED(opcode);
    LX_UNUSED(data);
    LX_UNUSED(len);
    if (++s->r->frames == s->r->frames_max) {
        stop_all(s->r, "frame count reached");
    }
}

static const struct lx_ws_cbs ws_cbs;

/* The retry timer: the closed socket goes, a new one connects. */
static void retry_cb(struct lx_timer *t, void *ud)
{
    struct rec_ws *s = ud;
    struct rec *r = s->r;
    int rc;

    LX_UNUSED(t);
    lx_ws_free(s->dead);
    s->dead = NULL;
    if (r->stopping) {
        return;
    }
    s->done = 0;
    rc = lx_ws_connect(&s->ws, r->net, s->url, NULL, &ws_cbs, s);
    if (rc != LX_OK) {
        s->ws = NULL;
        s->done = 1;
        r->failures++;
        fprintf(stderr, "lotusx-record: cannot reconnect %s: %s\n", s->url,
                lx_strerror(rc));
        stop_all(r, "a WebSocket could not reconnect");
    }
}

/*
 * Schedules s's reconnect: the delay, a line on stderr and an annotation
 * in the file. LX_OK, or an error when it cannot (the caller stops).
 */
static int schedule_reconnect(struct rec_ws *s, struct lx_ws *ws, int err,
                              int code, const char *reason)
{
    struct rec *r = s->r;
    char text[256];
    int64_t now = lx_clock_mono_ns(r->clock), delay;
    int n;

    if (s->opened_ns > 0 && now - s->opened_ns >= REC_STABLE_NS) {
        lx_backoff_reset(&s->backoff);
    }
    delay = lx_backoff_next(&s->backoff, &r->rng);
    r->reconnects++;
    n = lx__snprintf(text, sizeof(text),
                     "%s closed (%s, code %d%s%s); reconnect %u in %lld ms",
                     s->url, err == LX_OK ? "closed" : lx_strerror(err), code,
                     reason != NULL && reason[0] != '\0' ? ", " : "",
                     reason != NULL ? reason : "", s->backoff.attempt,
                     (long long)(delay / 1000000));
    if (!r->quiet) {
        fprintf(stderr, "%slotusx-record: %s\n", r->tty ? "\n" : "", text);
    }
    if (r->w != NULL &&
        lx_capture_writer_annotate(r->w, 0, 0, lx_clock_wall_ns(r->clock), now,
                                   "reconnect", text,
                                   n > 0 ? strlen(text) : 0) != LX_OK) {
        return LX_ERR_IO;
    }
    s->dead = ws;
    s->ws = NULL;
    return lx_timer_start(s->retry, delay, 0);
}

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct rec_ws *s = ud;

    s->open = 0;
    if (!s->r->stopping && !s->r->no_reconnect && s->ever_open &&
        schedule_reconnect(s, ws, err, code, reason) == LX_OK) {
        return; /* recording goes on */
    }
    if (err != LX_OK && !s->r->stopping) {
        s->r->failures++;
        fprintf(stderr, "lotusx-record: %s: %s (%s, code %d)\n", s->url,
                lx_strerror(err), reason, code);
    }
    s->done = 1;
    if (s->r->stopping) {
        check_done(s->r);
    } else {
        start_rest(s->r); /* a failed socket must not hold the REST back */
        stop_all(s->r, "a WebSocket closed");
    }
}

static const struct lx_ws_cbs ws_cbs = {ws_open, ws_message, NULL, NULL,
                                        ws_closed};

/* ---- setup -----------------------------------------------------------------
 */

/* Loads the credentials of --venue (once: every rotated file gets them). */
static int load_creds(struct rec *r)
{
    int rc;

    if (r->venue == NULL) {
        return LX_OK;
    }
    rc = lx_creds_new(&r->creds, NULL, r->venue);
    if (rc == LX_ERR_NOTFOUND) {
        if (!r->quiet) {
            fprintf(stderr,
                    "lotusx-record: no credential names for venue '%s'; "
                    "recording without them\n",
                    r->venue);
        }
        return LX_OK;
    }
    if (rc == LX_OK) {
        rc = lx_creds_load_env(r->creds);
    }
    if (rc == LX_OK && r->env_file != NULL) {
        rc = lx_creds_load_dotenv(r->creds, r->env_file, NULL);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-record: credentials of '%s': %s\n", r->venue,
                lx_strerror(rc));
    }
    return rc;
}

/* FILE, or with rotation FILE's stem + ".NNNN" + its extension. */
static void part_path(struct rec *r)
{
    const char *slash = strrchr(r->out, '/');
    const char *dot = strrchr(slash != NULL ? slash : r->out, '.');

    if (r->part == 0) {
        lx__snprintf(r->path, sizeof(r->path), "%s", r->out);
    } else if (dot == NULL || dot == r->out || dot[-1] == '/') {
        lx__snprintf(r->path, sizeof(r->path), "%s.%04d", r->out, r->part);
    } else {
        lx__snprintf(r->path, sizeof(r->path), "%.*s.%04d%s",
                     (int)(dot - r->out), r->out, r->part, dot);
    }
}

static int writer_options(struct rec *r, struct lx_capture_wopts **o)
{
    char part[16];
    int rc = lx_capture_wopts_new(o, NULL);

    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_creator(*o,
                                          "lotusx-record " LX_VERSION_STRING);
    }
    if (rc == LX_OK && r->venue != NULL) {
        rc = lx_capture_wopts_set_venue(*o, r->venue);
    }
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_created_ns(*o, lx_clock_wall_ns(r->clock));
    }
    if (rc == LX_OK && r->part > 0) {
        lx__snprintf(part, sizeof(part), "%d", r->part);
        rc = lx_capture_wopts_add_label(*o, "part", part);
    }
    return rc;
}

/* Creates the current file (r->path) and registers the secrets. */
static int open_writer(struct rec *r)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_error cerr;
    int rc, f;

    memset(&cerr, 0, sizeof(cerr));
    part_path(r);
    rc = writer_options(r, &o);
    if (rc == LX_OK) {
        rc = lx_capture_writer_open(&r->w, NULL, r->path, o, &cerr);
    }
    lx_capture_wopts_free(o);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-record: cannot create '%s': %s%s%s\n", r->path,
                rc == LX_ERR_EXISTS ? "file exists" : lx_strerror(rc),
                cerr.msg[0] != '\0' ? ": " : "", cerr.msg);
        return rc;
    }
    r->part_start_ns = lx_clock_mono_ns(r->clock);
    for (f = 0; r->creds != NULL && f < LX_CRED_FIELD_COUNT; f++) {
        const struct lx_secret *s = lx_creds_get(r->creds, f);

        if (s != NULL && (rc = lx_capture_writer_add_secret(r->w, s)) != 0) {
            return rc;
        }
    }
    return LX_OK;
}

/* Finalizes the current file, with a summary line unless --quiet. */
static int close_writer(struct rec *r)
{
    struct lx_capture_wstats st;
    int rc;

    lx_capture_writer_stats(r->w, &st);
    rc = lx_capture_writer_close(r->w);
    r->w = NULL;
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-record: finalizing '%s': %s\n", r->path,
                lx_strerror(rc));
    } else if (!r->quiet) {
        fprintf(stderr,
                "%slotusx-record: wrote %s: %llu records, %llu streams, "
                "%llu raw bytes in %llu chunks, %llu redactions\n",
                r->tty ? "\n" : "", r->path, (unsigned long long)st.records,
                (unsigned long long)st.streams,
                (unsigned long long)st.raw_bytes, (unsigned long long)st.chunks,
                (unsigned long long)st.redactions);
    }
    return rc;
}

/* The size of the current file and its WAL, what --rotate-size bounds. */
static int64_t file_size(const struct rec *r)
{
    char wal[4200];
    struct stat st;
    int64_t n = 0;

    if (stat(r->path, &st) == 0) {
        n += (int64_t)st.st_size;
    }
    lx__snprintf(wal, sizeof(wal), "%s-wal", r->path);
    if (stat(wal, &st) == 0) {
        n += (int64_t)st.st_size;
    }
    return n;
}

/*
 * Moves the recording to the next part when the current one is big or old
 * enough. Runs on the loop between two tap events, so the old file gets
 * everything up to now and the new one everything after.
 */
static void maybe_rotate(struct rec *r)
{
    int64_t age = lx_clock_mono_ns(r->clock) - r->part_start_ns;
    size_t i;

    if (r->part == 0 || r->stopping ||
        !((r->rotate_size > 0 && file_size(r) >= r->rotate_size) ||
          (r->rotate_time_s > 0 && age >= r->rotate_time_s * SEC))) {
        return;
    }
    if (close_writer(r) != LX_OK) {
        r->failures++;
    }
    r->part++;
    if (open_writer(r) != LX_OK) {
        r->failures++;
        stop_all(r, "cannot open the next file");
        return;
    }
    /* Each part starts with the open record of every open connection (as
     * recorded: its original time and seq), so it knows their URLs. */
    for (i = 0; i < r->nlive; i++) {
        lx_capture_tap(r->w, &r->live[i].ev);
    }
}

/*
 * The wire tap. A connection keeps the tap it was made with
 * (lx_net_set_tap), so rotation cannot re-point it: it goes through r,
 * whose current writer changes. Between parts (or if the next part could
 * not be created) there is no writer and events are dropped.
 */
/* Remembers the open event of a connection until it closes. */
static void track_conn(struct rec *r, const struct lx_tap_event *ev)
{
    size_t i;

    if (ev->kind == LX_TAP_CONN_CLOSE) {
        for (i = 0; i < r->nlive; i++) {
            struct live_open *l = &r->live[i];
            if (l->ev.conn_id == ev->conn_id && l->ev.side == ev->side) {
                lx__free(NULL, l->url);
                lx__free(NULL, l->transport);
                r->live[i] = r->live[--r->nlive];
                return;
            }
        }
        return;
    }
    if (ev->kind != LX_TAP_CONN_OPEN) {
        return;
    }
    if (r->nlive == r->caplive) {
        size_t cap = r->caplive ? r->caplive * 2 : 16;
        struct live_open *p = lx__realloc(NULL, r->live, cap * sizeof(*p));
        if (p == NULL) {
            return; /* the next part then lacks this open record */
        }
        r->live = p;
        r->caplive = cap;
    }
    r->live[r->nlive].ev = *ev;
    r->live[r->nlive].url = lx__strdup(NULL, ev->url != NULL ? ev->url : "");
    r->live[r->nlive].transport =
        lx__strdup(NULL, ev->transport != NULL ? ev->transport : "");
    if (r->live[r->nlive].url == NULL || r->live[r->nlive].transport == NULL) {
        lx__free(NULL, r->live[r->nlive].url);
        lx__free(NULL, r->live[r->nlive].transport);
        return;
    }
    r->live[r->nlive].ev.url = r->live[r->nlive].url;
    r->live[r->nlive].ev.transport = r->live[r->nlive].transport;
    r->live[r->nlive].ev.http = NULL;
    r->live[r->nlive].ev.payload = NULL;
    r->live[r->nlive].ev.len = 0;
    r->nlive++;
}

static void rec_tap(void *ud, const struct lx_tap_event *ev)
{
    struct rec *r = ud;

    if (r->w != NULL) {
        lx_capture_tap(r->w, ev);
    }
    track_conn(r, ev);
}

static int setup(struct rec *r)
{
    int rc, i;

    rc = lx_clock_new_real(&r->clock, NULL, r->base);
    if (rc == LX_OK) {
        rc = lx_net_new(&r->net, NULL, r->base, r->clock);
    }
    if (rc == LX_OK && r->ca_file != NULL &&
        (rc = lx_net_set_ca_file(r->net, r->ca_file)) != LX_OK) {
        fprintf(stderr, "lotusx-record: --ca-file %s: %s\n", r->ca_file,
                lx_strerror(rc));
        return rc;
    }
    if (rc == LX_OK) {
        rc = lx_http_client_new(&r->cli, r->net);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&r->tick, r->clock, tick_cb, r);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&r->stop, r->clock, stop_cb, r);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&r->snap_timer, r->clock, snap_cb, r);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-record: setup: %s\n", lx_strerror(rc));
        return rc;
    }
    r->part = r->rotate_size > 0 || r->rotate_time_s > 0 ? 1 : 0;
    rc = load_creds(r);
    if (rc == LX_OK) {
        rc = open_writer(r);
    }
    if (rc != LX_OK) {
        return rc;
    }
    lx_net_set_tap(r->net, rec_tap, r);
    /* Jitter only spreads reconnects; any seed does, the clock's is one. */
    lx_rng_seed(&r->rng, (uint64_t)lx_clock_wall_ns(r->clock));
    for (i = 0; i < r->nws; i++) {
        r->ws[i].r = r;
        lx_backoff_init(&r->ws[i].backoff, SEC / 4, 30 * SEC);
        rc = lx_timer_new(&r->ws[i].retry, r->clock, retry_cb, &r->ws[i]);
        if (rc != LX_OK) {
            fprintf(stderr, "lotusx-record: setup: %s\n", lx_strerror(rc));
            return rc;
        }
        rc = lx_ws_connect(&r->ws[i].ws, r->net, r->ws[i].url, NULL, &ws_cbs,
                           &r->ws[i]);
        if (rc != LX_OK) {
            fprintf(stderr, "lotusx-record: cannot connect %s: %s\n",
                    r->ws[i].url, lx_strerror(rc));
            return rc;
        }
    }
    if (r->nws == 0) {
        start_rest(r);
    }
    lx_timer_start(r->tick, SEC, SEC);
    lx_timer_start(r->stop, r->duration_s * SEC, 5 * SEC);
    r->sigint = evsignal_new(r->base, SIGINT, on_signal, r);
    r->sigterm = evsignal_new(r->base, SIGTERM, on_signal, r);
    if (r->sigint == NULL || r->sigterm == NULL ||
        event_add(r->sigint, NULL) != 0 || event_add(r->sigterm, NULL) != 0) {
        return LX_ERR_INTERNAL;
    }
    return LX_OK;
}

static int finish(struct rec *r)
{
    int i, rc = LX_OK;

    for (i = 0; i < r->nws; i++) {
        lx_timer_free(r->ws[i].retry);
        lx_ws_free(r->ws[i].dead);
        lx_ws_free(r->ws[i].ws);
    }
    lx_http_client_free(r->cli);
    if (r->w != NULL) {
        rc = close_writer(r);
    }
    if (r->sigint != NULL) {
        event_free(r->sigint);
    }
    if (r->sigterm != NULL) {
        event_free(r->sigterm);
    }
    lx_timer_free(r->tick);
    lx_timer_free(r->stop);
    lx_timer_free(r->snap_timer);
    for (i = 0; i < r->nowned; i++) {
        lx__free(NULL, r->owned[i]);
    }
    for (i = 0; i < (int)r->nlive; i++) {
        lx__free(NULL, r->live[i].url);
        lx__free(NULL, r->live[i].transport);
    }
    lx__free(NULL, r->live);
    lx_creds_free(r->creds);
    lx_net_free(r->net);
    lx_clock_free(r->clock);
    if (r->base != NULL) {
        event_base_loop(r->base, EVLOOP_NONBLOCK);
        event_base_free(r->base);
    }
    return rc;
}

int main(int argc, char **argv)
{
    struct rec r;
    int rc;

    memset(&r, 0, sizeof(r));
    r.duration_s = 10;
    rc = parse_args(&r, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    r.tty = isatty(2);
    r.base = event_base_new();
    if (r.base == NULL || setup(&r) != LX_OK) {
        finish(&r);
        return 1;
    }
    event_base_dispatch(r.base);
    rc = finish(&r);
    return rc == LX_OK && r.failures == 0 ? 0 : 1;
}
