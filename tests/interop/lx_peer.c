/*
 * lx_peer.c - LotuSX's side of the interop tests, as a program the shell
 * script drives against independent peers (curl, libwebsockets).
 *
 *   lx_peer server CERT_PEM_PATH
 *       Serves on 127.0.0.1, port 0, plain and TLS (self-signed, the
 *       certificate written to CERT_PEM_PATH), and prints
 *       "ports PLAIN TLS" on stdout. HTTP requests are echoed as
 *       "METHOD TARGET BODY"; upgrade requests become WebSocket echoes.
 *       Runs until SIGTERM/SIGINT, or 60 s (a bound, so a broken test
 *       cannot leave it behind).
 *   lx_peer wsclient URL
 *       Connects, sends a text message, a text message in 3 fragments, a
 *       binary message and a ping; expects the echoes and the pong, closes
 *       with 1000 and waits for the peer's close. Exit 0 on success.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_tls.h"
#include "lotusx/lx_ws.h"
#include "core/lx_internal.h"
#include "net/ws_conn_internal.h"

#define SEC ((int64_t)1000000000)

static struct event_base *base;

static void ws_echo(struct lx_ws *ws, int opcode, const uint8_t *data,
                    size_t len, void *ud)
{
    LX_UNUSED(ud);
    if (opcode == LX_WS_TEXT) {
        lx_ws_send_text(ws, data, len);
    } else {
        lx_ws_send_binary(ws, data, len);
    }
}

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    LX_UNUSED(ud);
    printf("server ws closed err=%s code=%d reason=%s\n", lx_err_name(err),
           code, reason);
    fflush(stdout);
    lx_ws_free(ws);
}

static void handler(struct lx_http_req *req, void *ud)
{
    static const struct lx_ws_cbs cbs = {NULL, ws_echo, NULL, NULL, ws_closed};
    const struct lx_http_msg *m = lx_http_req_msg(req);
    struct lx_ws *ws;
    char out[4096];
    size_t blen = 0;
    const char *b = lx_http_msg_body(m, &blen);
    int n;

    LX_UNUSED(ud);
    if (lx_http_msg_header(m, "Upgrade", NULL) != NULL) {
        lx_ws_accept(&ws, req, &cbs, NULL);
        return;
    }
    n = lx__snprintf(out, sizeof(out), "%s %s %.*s", lx_http_msg_method(m),
                     lx_http_msg_target(m), (int)blen, b != NULL ? b : "");
    lx_http_req_respond_body(req, 200, NULL, "text/plain", out,
                             n > 0 ? (size_t)n : 0);
}

static void on_signal(evutil_socket_t fd, short what, void *ud)
{
    LX_UNUSED(fd);
    LX_UNUSED(what);
    LX_UNUSED(ud);
    event_base_loopbreak(base);
}

static int run_server(const char *cert_path)
{
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_tls *tls;
    struct lx_http_server *plain, *secure;
    struct event *sigterm, *sigint;
    struct timeval limit = {60, 0};

    if (lx_clock_new_real(&clock, NULL, base) != LX_OK ||
        lx_net_new(&net, NULL, base, clock) != LX_OK ||
        lx_tls_server_new_selfsigned(&tls, NULL, "localhost") != LX_OK ||
        lx_tls_write_cert_pem(tls, cert_path) != LX_OK ||
        lx_http_server_new(&plain, net, handler, NULL) != LX_OK ||
        lx_http_server_new(&secure, net, handler, NULL) != LX_OK ||
        lx_http_server_listen(plain, "127.0.0.1", 0, NULL) != LX_OK ||
        lx_http_server_listen(secure, "127.0.0.1", 0, tls) != LX_OK) {
        fprintf(stderr, "lx_peer: server setup failed\n");
        return 1;
    }
    printf("ports %u %u\n", (unsigned)lx_http_server_port(plain),
           (unsigned)lx_http_server_port(secure));
    fflush(stdout);
    sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
    sigint = evsignal_new(base, SIGINT, on_signal, NULL);
    evsignal_add(sigterm, NULL);
    evsignal_add(sigint, NULL);
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    event_free(sigterm);
    event_free(sigint);
    lx_http_server_free(plain);
    lx_http_server_free(secure);
    lx_tls_free(tls);
    lx_net_free(net);
    lx_clock_free(clock);
    return 0;
}

/* ---- the WebSocket client script ------------------------------------------
 */

struct script {
    int echoes;
    int pongs;
    int closed;
    int failed;
    int close_code;
};

static const char *const texts[] = {"hello from lotusx",
                                    "fragmented message, in three"};
static const uint8_t bin[4] = {0, 1, 254, 255};

static void cl_open(struct lx_ws *ws, void *ud)
{
    LX_UNUSED(ud);
    lx_ws_send_text(ws, texts[0], strlen(texts[0]));
    lx__ws_conn_send_fragmented(ws, LX_WS_TEXT, texts[1], strlen(texts[1]), 10);
    lx_ws_send_binary(ws, bin, sizeof(bin));
    lx_ws_send_ping(ws, "ping!", 5);
}

static void cl_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct script *s = ud;
    int ok;

    if (s->echoes < 2) {
        const char *want = texts[s->echoes];

        ok = opcode == LX_WS_TEXT && len == strlen(want) &&
             memcmp(data, want, len) == 0;
    } else {
        ok = opcode == LX_WS_BINARY && len == 4 && memcmp(data, bin, 4) == 0;
    }
    printf("echo %d %s\n", s->echoes, ok ? "ok" : "MISMATCH");
    s->failed |= !ok;
    if (++s->echoes == 3 && s->pongs > 0) {
        lx_ws_close(ws, 1000, "bye");
    }
}

static void cl_pong(struct lx_ws *ws, const uint8_t *data, size_t len, void *ud)
{
    struct script *s = ud;

    printf("pong %.*s\n", (int)len, (const char *)data);
    if (++s->pongs == 1 && s->echoes == 3) {
        lx_ws_close(ws, 1000, "bye");
    }
}

static void cl_close(struct lx_ws *ws, int err, int code, const char *reason,
                     void *ud)
{
    struct script *s = ud;

    LX_UNUSED(ws);
    printf("closed err=%s code=%d reason=%s\n", lx_err_name(err), code, reason);
    s->closed = 1;
    s->close_code = code;
    s->failed |= err != LX_OK;
    event_base_loopbreak(base);
}

static int run_wsclient(const char *url)
{
    static const struct lx_ws_cbs cbs = {cl_open, cl_message, NULL, cl_pong,
                                         cl_close};
    struct script s = {0, 0, 0, 0, 0};
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_ws *ws;
    struct timeval limit = {20, 0};

    if (lx_clock_new_real(&clock, NULL, base) != LX_OK ||
        lx_net_new(&net, NULL, base, clock) != LX_OK ||
        lx_ws_connect(&ws, net, url, NULL, &cbs, &s) != LX_OK) {
        fprintf(stderr, "lx_peer: client setup failed\n");
        return 1;
    }
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    lx_ws_free(ws);
    lx_net_free(net);
    lx_clock_free(clock);
    if (!s.closed || s.echoes != 3 || s.pongs == 0 || s.failed) {
        fprintf(stderr, "lx_peer: client script failed\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: lx_peer server CERT_PEM | wsclient URL\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    if (strcmp(argv[1], "server") == 0) {
        rc = run_server(argv[2]);
    } else if (strcmp(argv[1], "wsclient") == 0) {
        rc = run_wsclient(argv[2]);
    } else {
        fprintf(stderr, "lx_peer: unknown mode %s\n", argv[1]);
        rc = 2;
    }
    event_base_free(base);
    return rc;
}
