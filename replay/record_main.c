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
 * Exit codes: 0 recorded and finalized; 1 a run-time failure (file exists,
 * a connection failed, disk error); 2 bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_url.h"
#include "lotusx/lx_ws.h"

#define REC_MAX_URLS 32
#define SEC          ((int64_t)1000000000)

struct rec_ws {
    struct rec *r;
    struct lx_ws *ws;
    const char *url;
    const char *send;
    int open;
    int done;
};

struct rec {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_client *cli;
    struct lx_capture_writer *w;
    struct lx_creds *creds;
    struct lx_timer *tick, *stop;
    struct event *sigint, *sigterm;
    const char *out, *venue, *ca_file, *env_file;
    const char *rest[REC_MAX_URLS];
    struct rec_ws ws[REC_MAX_URLS];
    int nrest, nws;
    int rest_pending, rest_started;
    int64_t duration_s, frames_max, frames;
    int failures, stopping, tty, quiet;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: lotusx-record -o FILE [--venue NAME] [--ws URL [--send "
            "TEXT]]...\n"
            "                     [--rest URL]... [--duration SECONDS] "
            "[--frames N]\n"
            "                     [--ca-file PEM] [--env-file PATH] "
            "[--quiet]\n"
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
            "  --ca-file PEM    trust this CA instead of the system store\n");
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
        } else {
            fprintf(stderr, "lotusx-record: unexpected argument '%s'\n\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (rc >= 0) {
        return rc;
    }
    if (r->out == NULL || (r->nrest == 0 && r->nws == 0)) {
        fprintf(stderr, "lotusx-record: need -o FILE and at least one --ws "
                        "or --rest URL\n\n");
        usage(stderr);
        return 2;
    }
    return -1;
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
    if (!r->quiet) {
        fprintf(stderr, "%slotusx-record: stopping (%s)\n", r->tty ? "\n" : "",
                why);
    }
    for (i = 0; i < r->nws; i++) {
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
    lx_capture_writer_tick(r->w, lx_clock_mono_ns(r->clock));
    if (lx_capture_writer_status(r->w) != LX_OK) {
        r->failures++;
        stop_all(r, "capture write failed");
        return;
    }
    if (r->tty && !r->quiet) {
        lx_capture_writer_stats(r->w, &st);
        fprintf(stderr,
                "\rrecording: %llu records, %llu frames, %.1f KiB raw, "
                "%llu chunks ",
                (unsigned long long)st.records, (unsigned long long)r->frames,
                (double)st.raw_bytes / 1024.0, (unsigned long long)st.chunks);
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

static void start_rest(struct rec *r)
{
    int i;

    if (r->rest_started) {
        return;
    }
    r->rest_started = 1;
    for (i = 0; i < r->nrest; i++) {
        struct lx_url *u = NULL;
        struct lx_http_msg *m = NULL;
        char host[280], base[300], target[2048];
        int rc = lx_url_parse(&u, NULL, r->rest[i], strlen(r->rest[i]));

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
            fprintf(stderr, "lotusx-record: cannot send GET %s: %s\n",
                    r->rest[i], lx_strerror(rc));
            continue;
        }
        r->rest_pending++;
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

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct rec_ws *s = ud;

    LX_UNUSED(ws);
    if (err != LX_OK && !s->r->stopping) {
        s->r->failures++;
        fprintf(stderr, "lotusx-record: %s: %s (%s, code %d)\n", s->url,
                lx_strerror(err), reason, code);
    }
    s->open = 0;
    s->done = 1;
    if (s->r->stopping) {
        check_done(s->r);
    } else {
        start_rest(s->r); /* a failed socket must not hold the REST back */
        stop_all(s->r, "a WebSocket closed");
    }
}

/* ---- setup -----------------------------------------------------------------
 */

static int open_writer(struct rec *r)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_error cerr;
    int rc, f;

    memset(&cerr, 0, sizeof(cerr));
    rc = lx_capture_wopts_new(&o, NULL);
    if (rc == LX_OK) {
        rc =
            lx_capture_wopts_set_creator(o, "lotusx-record " LX_VERSION_STRING);
    }
    if (rc == LX_OK && r->venue != NULL) {
        rc = lx_capture_wopts_set_venue(o, r->venue);
    }
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_created_ns(o, lx_clock_wall_ns(r->clock));
    }
    if (rc == LX_OK) {
        rc = lx_capture_writer_open(&r->w, NULL, r->out, o, &cerr);
    }
    lx_capture_wopts_free(o);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-record: cannot create '%s': %s%s%s\n", r->out,
                rc == LX_ERR_EXISTS ? "file exists" : lx_strerror(rc),
                cerr.msg[0] != '\0' ? ": " : "", cerr.msg);
        return rc;
    }
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
        return rc;
    }
    for (f = 0; f < LX_CRED_FIELD_COUNT; f++) {
        const struct lx_secret *s = lx_creds_get(r->creds, f);

        if (s != NULL && (rc = lx_capture_writer_add_secret(r->w, s)) != 0) {
            return rc;
        }
    }
    return LX_OK;
}

static int setup(struct rec *r)
{
    int rc, i;
    static const struct lx_ws_cbs cbs = {ws_open, ws_message, NULL, NULL,
                                         ws_closed};

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
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-record: setup: %s\n", lx_strerror(rc));
        return rc;
    }
    rc = open_writer(r);
    if (rc != LX_OK) {
        return rc;
    }
    lx_net_set_tap(r->net, lx_capture_tap, r->w);
    for (i = 0; i < r->nws; i++) {
        r->ws[i].r = r;
        rc = lx_ws_connect(&r->ws[i].ws, r->net, r->ws[i].url, NULL, &cbs,
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
    struct lx_capture_wstats st;
    int i, rc = LX_OK;

    for (i = 0; i < r->nws; i++) {
        lx_ws_free(r->ws[i].ws);
    }
    lx_http_client_free(r->cli);
    if (r->w != NULL) {
        lx_capture_writer_stats(r->w, &st);
        rc = lx_capture_writer_close(r->w);
        if (rc != LX_OK) {
            fprintf(stderr, "lotusx-record: finalizing '%s': %s\n", r->out,
                    lx_strerror(rc));
        } else if (!r->quiet) {
            fprintf(stderr,
                    "%slotusx-record: wrote %s: %llu records, %llu streams, "
                    "%llu raw bytes in %llu chunks, %llu redactions\n",
                    r->tty ? "\n" : "", r->out, (unsigned long long)st.records,
                    (unsigned long long)st.streams,
                    (unsigned long long)st.raw_bytes,
                    (unsigned long long)st.chunks,
                    (unsigned long long)st.redactions);
        }
    }
    if (r->sigint != NULL) {
        event_free(r->sigint);
    }
    if (r->sigterm != NULL) {
        event_free(r->sigterm);
    }
    lx_timer_free(r->tick);
    lx_timer_free(r->stop);
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
