/*
 * lws_peer.c - an independent WebSocket peer built on Debian's
 * libwebsockets, for interop tests against LotuSX's own WebSocket code.
 *
 *   lws_peer server PORT     echo server on 127.0.0.1:PORT; each complete
 *                            message (fragments joined) is sent back whole,
 *                            text as text, binary as binary. Exits after
 *                            its first connection closes; prints "closed
 *                            CODE" on stdout.
 *   lws_peer client URL      connects to ws://127.0.0.1:PORT/PATH, sends a
 *                            text message, a text message in 3 fragments,
 *                            a binary message and a ping, expects the three
 *                            echoes and the pong, then closes with 1000.
 *                            Prints what it saw; exit 0 only on success.
 *
 * libwebsockets cannot join a libevent loop, which is why it runs as a
 * separate process here. Loopback only. It is a test peer, not part of the
 * tree's allocation discipline: it uses libc malloc for its echo queue.
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXMSG 65536

struct peer {
    int server;
    unsigned char msg[LWS_PRE + MAXMSG];
    size_t len;
    int binary;
    /* server: echoes waiting for a writeable callback, in order */
    unsigned char *q[16];
    size_t qlen[16];
    int qbin[16];
    int qhead, qn;
    int step;   /* client: what to send next */
    int echoes; /* client: echoes checked */
    int pongs;
    int done;
    int failed;
    int close_code;
};

static struct peer P;

static const char *const client_msgs[] = {"hello from lws",
                                          "fragmented message, in three"};

static int send_frag(struct lws *wsi, const char *s, size_t n, int flags)
{
    unsigned char buf[LWS_PRE + 256];

    memcpy(buf + LWS_PRE, s, n);
    return lws_write(wsi, buf + LWS_PRE, n, (enum lws_write_protocol)flags) <
                   (int)n
               ? -1
               : 0;
}

/* The client's script, one step per writeable callback. */
static int client_write(struct lws *wsi)
{
    const char *f = client_msgs[1];
    static const unsigned char bin[4] = {0, 1, 254, 255};

    switch (P.step++) {
    case 0:
        return send_frag(wsi, client_msgs[0], strlen(client_msgs[0]),
                         LWS_WRITE_TEXT);
    case 1:
        return send_frag(wsi, f, 10, LWS_WRITE_TEXT | LWS_WRITE_NO_FIN);
    case 2:
        return send_frag(wsi, f + 10, 10,
                         LWS_WRITE_CONTINUATION | LWS_WRITE_NO_FIN);
    case 3:
        return send_frag(wsi, f + 20, strlen(f) - 20, LWS_WRITE_CONTINUATION);
    case 4:
        return send_frag(wsi, (const char *)bin, sizeof(bin), LWS_WRITE_BINARY);
    case 5:
        return send_frag(wsi, "ping!", 5, LWS_WRITE_PING);
    default:
        return 0;
    }
}

static void client_check(void)
{
    static const unsigned char bin[4] = {0, 1, 254, 255};
    const unsigned char *m = P.msg + LWS_PRE;
    int ok;

    if (P.echoes < 2) {
        const char *want = client_msgs[P.echoes];

        ok = !P.binary && P.len == strlen(want) && memcmp(m, want, P.len) == 0;
    } else {
        ok = P.binary && P.len == 4 && memcmp(m, bin, 4) == 0;
    }
    printf("echo %d %s (%s, %zu bytes)\n", P.echoes, ok ? "ok" : "MISMATCH",
           P.binary ? "binary" : "text", P.len);
    P.failed |= !ok;
    P.echoes++;
}

static int on_receive(struct lws *wsi, void *in, size_t len)
{
    if (lws_is_first_fragment(wsi)) {
        P.len = 0;
        P.binary = lws_frame_is_binary(wsi);
    }
    if (P.len + len > MAXMSG) {
        return -1;
    }
    memcpy(P.msg + LWS_PRE + P.len, in, len);
    P.len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi)) {
        return 0;
    }
    if (P.server) {
        int i = (P.qhead + P.qn) % 16;

        if (P.qn == 16 || (P.q[i] = malloc(LWS_PRE + P.len)) == NULL) {
            return -1;
        }
        memcpy(P.q[i] + LWS_PRE, P.msg + LWS_PRE, P.len);
        P.qlen[i] = P.len;
        P.qbin[i] = P.binary;
        P.qn++;
        lws_callback_on_writable(wsi);
    } else {
        client_check();
        if (P.echoes == 3 && P.pongs > 0) {
            lws_callback_on_writable(wsi);
        }
    }
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason,
                    void *user, void *in, size_t len)
{
    (void)user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        printf("connect error: %s\n", in != NULL ? (char *)in : "?");
        P.failed = 1;
        P.done = 1;
        break;
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(wsi, in, len);
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        P.pongs++;
        printf("pong %.*s\n", (int)len, (const char *)in);
        if (P.echoes == 3) {
            lws_callback_on_writable(wsi);
        }
        break;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (P.qn > 0) {
            int i = P.qhead, rc;

            rc = lws_write(wsi, P.q[i] + LWS_PRE, P.qlen[i],
                           P.qbin[i] ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
            free(P.q[i]);
            P.qhead = (P.qhead + 1) % 16;
            P.qn--;
            if (rc < (int)P.qlen[i]) {
                return -1;
            }
            if (P.qn > 0) {
                lws_callback_on_writable(wsi);
            }
        }
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (P.echoes == 3 && P.pongs > 0) {
            lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
                             (unsigned char *)"bye", 3);
            P.close_code = 1000;
            return -1;
        }
        if (client_write(wsi) != 0) {
            return -1;
        }
        if (P.step <= 5) {
            lws_callback_on_writable(wsi);
        }
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (len >= 2) {
            const unsigned char *c = in;

            P.close_code = (c[0] << 8) | c[1];
        }
        break;
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_CLIENT_CLOSED:
        printf("closed %d\n", P.close_code);
        P.done = 1;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {"lx-echo", callback, 0, MAXMSG, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static int parse_url(const char *url, char *host, size_t hcap, int *port,
                     const char **path)
{
    const char *p;
    size_t n;

    if (strncmp(url, "ws://", 5) != 0) {
        return -1;
    }
    url += 5;
    p = strchr(url, ':');
    if (p == NULL || (size_t)(p - url) >= hcap) {
        return -1;
    }
    n = (size_t)(p - url);
    memcpy(host, url, n);
    host[n] = '\0';
    *port = (int)strtol(p + 1, NULL, 10);
    *path = strchr(p, '/');
    if (*path == NULL) {
        *path = "/";
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct lws_context_creation_info info;
    struct lws_context *ctx;
    int n = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: lws_peer server PORT | client URL\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    lws_set_log_level(LLL_ERR, NULL);
    memset(&info, 0, sizeof(info));
    info.protocols = protocols;
    info.gid = -1;
    info.uid = -1;
    P.server = strcmp(argv[1], "server") == 0;
    info.port =
        P.server ? (int)strtol(argv[2], NULL, 10) : CONTEXT_PORT_NO_LISTEN;
    info.iface = P.server ? "127.0.0.1" : NULL;
    ctx = lws_create_context(&info);
    if (ctx == NULL) {
        fprintf(stderr, "lws_peer: cannot create context\n");
        return 1;
    }
    if (!P.server) {
        struct lws_client_connect_info ci;
        char host[64];
        int port;
        const char *path;

        if (parse_url(argv[2], host, sizeof(host), &port, &path) != 0) {
            fprintf(stderr, "lws_peer: bad url %s\n", argv[2]);
            lws_context_destroy(ctx);
            return 2;
        }
        memset(&ci, 0, sizeof(ci));
        ci.context = ctx;
        ci.address = host;
        ci.port = port;
        ci.path = path;
        ci.host = host;
        ci.origin = host;
        ci.protocol = NULL;
        if (lws_client_connect_via_info(&ci) == NULL) {
            P.failed = 1;
            P.done = 1;
        }
    } else {
        printf("listening %s\n", argv[2]);
        fflush(stdout);
    }
    while (!P.done && n >= 0) {
        n = lws_service(ctx, 0);
    }
    lws_context_destroy(ctx);
    fflush(stdout);
    if (!P.server && (P.echoes != 3 || P.pongs == 0)) {
        P.failed = 1;
    }
    return P.failed ? 1 : 0;
}
