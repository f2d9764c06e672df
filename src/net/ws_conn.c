/*
 * ws_conn.c - WebSocket connections on bufferevents, both roles: the
 * client opening handshake over a dialed transport, the server takeover of
 * an upgrade request, and the glue between the bufferevent and the
 * sans-I/O session in ws_codec.c (frames, masking, fragments, close).
 *
 * It does not reconnect (that is the caller's policy, see lx_backoff.h)
 * and does not interpret messages. Every frame in or out passes the wire
 * tap. A connection freed inside one of its callbacks is freed when the
 * callback returns.
 */
#include <string.h>

#include "net/dial.h"
#include "net/http_codec.h"
#include "net/http_server.h"
#include "net/net_internal.h"
#include "net/ws_codec.h"
#include "net/ws_conn_internal.h"
#include "lotusx/lx_url.h"
#include "lotusx/lx_ws.h"

#define WS_HANDSHAKE_TIMEOUT_NS (10 * (int64_t)1000000000)
#define WS_CLOSE_WAIT_NS        (5 * (int64_t)1000000000)

enum ws_state { WS_DIALING, WS_HANDSHAKE, WS_OPEN, WS_CLOSING, WS_DONE };

struct lx_ws {
    struct lx_net *net;
    struct lx_ws_cbs cbs;
    void *ud;
    int role;
    enum ws_state state;
    struct bufferevent *bev;
    struct lx__dial_req *dial;
    struct lx_http_msg *hs_req; /* client: the handshake, until connected */
    struct lx__http_parser *hs_parser; /* client: the 101 response */
    struct lx__ws *sess;
    struct lx_timer *timer;     /* handshake / close-wait deadline */
    struct lx_timer *keepalive; /* periodic pings */
    struct lx__tapper tap;
    char *url;
    char key[32];
    int in_cb;   /* inside a user callback */
    int freed;   /* lx_ws_free was called inside a callback */
    int hs_done; /* client: a 101 arrived during the current feed */
    int hs_err;
    char hs_reason[160];
    int fail_err; /* protocol error: reported once the close frame is out */
    /* lx__ws_conn_notify_drain: one call once the output is this low */
    void (*drain_cb)(void *ud);
    void *drain_ud;
    size_t drain_low;
};

static void ws_finish(struct lx_ws *ws, int err, int code, const char *why);
static int server_takeover(struct lx_ws *ws, struct lx_http_req *req,
                           const char *accept);

/* ---- user callbacks, re-entrancy safe --------------------------------- */

static int cb_enter(struct lx_ws *ws)
{
    ws->in_cb++;
    return 0;
}

/* Returns 1 when the connection was freed by the callback. */
static int cb_leave(struct lx_ws *ws)
{
    if (--ws->in_cb == 0 && ws->freed) {
        ws->freed = 0;
        lx_ws_free(ws);
        return 1;
    }
    return 0;
}

/* ---- session callbacks (from ws_codec) ---------------------------------- */

static void sess_on_message(void *ud, int opcode, const uint8_t *data,
                            size_t len)
{
    struct lx_ws *ws = ud;

    lx__tap_ws(&ws->tap, ws->net, LX_TAP_IN, opcode, data, len);
    if (ws->cbs.on_message != NULL && !ws->freed) {
        cb_enter(ws);
        ws->cbs.on_message(ws, opcode, data, len, ws->ud);
        ws->in_cb--;
    }
}

static void sess_on_ping(void *ud, const uint8_t *data, size_t len)
{
    struct lx_ws *ws = ud;

    lx__tap_ws(&ws->tap, ws->net, LX_TAP_IN, LX_WS_PING, data, len);
    if (ws->cbs.on_ping != NULL && !ws->freed) {
        cb_enter(ws);
        ws->cbs.on_ping(ws, data, len, ws->ud);
        ws->in_cb--;
    }
}

static void sess_on_pong(void *ud, const uint8_t *data, size_t len)
{
    struct lx_ws *ws = ud;

    lx__tap_ws(&ws->tap, ws->net, LX_TAP_IN, LX_WS_PONG, data, len);
    if (ws->cbs.on_pong != NULL && !ws->freed) {
        cb_enter(ws);
        ws->cbs.on_pong(ws, data, len, ws->ud);
        ws->in_cb--;
    }
}

static void sess_on_close(void *ud, uint16_t code, const char *reason,
                          size_t len)
{
    struct lx_ws *ws = ud;

    lx__tap_ws(&ws->tap, ws->net, LX_TAP_IN, LX_WS_CLOSE,
               (const uint8_t *)reason, len);
    LX_UNUSED(code);
    if (ws->state == WS_OPEN) {
        ws->state = WS_CLOSING;
    }
}

/* ---- transport ---------------------------------------------------------- */

static void ws_flush(struct lx_ws *ws)
{
    if (ws->sess != NULL && ws->bev != NULL) {
        lx__ws_flush(ws->sess, bufferevent_get_output(ws->bev));
    }
}

/*
 * After each read or write: finish once the close handshake completed, or,
 * after a protocol violation, once the close frame (1002, 1007 or 1009)
 * has left the output buffer.
 */
static void ws_check_closed(struct lx_ws *ws)
{
    size_t rlen = 0;
    const char *reason;
    int code;

    if (ws->sess == NULL || ws->bev == NULL || ws->state == WS_DONE ||
        evbuffer_get_length(bufferevent_get_output(ws->bev)) != 0) {
        return;
    }
    code = lx__ws_close_code(ws->sess);
    if (ws->fail_err != LX_OK) {
        ws_finish(ws, ws->fail_err, code != 0 ? code : 1006,
                  ws->fail_err == LX_ERR_TOOBIG ? "message too big"
                                                : "protocol error");
    } else if (lx__ws_is_closed(ws->sess)) {
        reason = lx__ws_close_reason(ws->sess, &rlen);
        ws_finish(ws, LX_OK, code, rlen > 0 ? reason : "closed");
    }
}

/*
 * The peer broke the protocol: stop reading, let the queued close frame
 * drain (bounded by the close-wait timer), then report err.
 */
static void ws_fail(struct lx_ws *ws, int err)
{
    ws->fail_err = err;
    ws->state = WS_CLOSING;
    bufferevent_disable(ws->bev, EV_READ);
    lx_timer_start(ws->timer, WS_CLOSE_WAIT_NS, 0);
    ws_check_closed(ws);
}

static int feed_sess(void *ud, const char *data, size_t len, size_t *used)
{
    struct lx_ws *ws = ud;
    int rc = lx__ws_feed(ws->sess, (const uint8_t *)data, len);

    *used = len;
    return rc;
}

static void ws_read_cb(struct bufferevent *bev, void *arg)
{
    struct lx_ws *ws = arg;
    int rc;

    LX_UNUSED(bev);
    cb_enter(ws);
    rc = lx__evbuffer_feed(bufferevent_get_input(ws->bev), feed_sess, ws);
    if (!ws->freed) {
        ws_flush(ws);
        if ((rc == LX_ERR_PROTO || rc == LX_ERR_TOOBIG) &&
            ws->state != WS_DONE) {
            ws_fail(ws, rc);
        } else if (rc != LX_OK && ws->state != WS_DONE) {
            ws_finish(ws, rc, 1006, "session failed");
        } else {
            ws_check_closed(ws);
        }
    }
    cb_leave(ws);
}

static void ws_write_cb(struct bufferevent *bev, void *arg)
{
    struct lx_ws *ws = arg;

    cb_enter(ws);
    if (ws->drain_cb != NULL &&
        evbuffer_get_length(bufferevent_get_output(bev)) <= ws->drain_low) {
        void (*cb)(void *) = ws->drain_cb;

        ws->drain_cb = NULL;
        bufferevent_setwatermark(bev, EV_WRITE, 0, 0);
        cb(ws->drain_ud);
    }
    if (!ws->freed) {
        ws_check_closed(ws);
    }
    cb_leave(ws);
}

static void ws_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct lx_ws *ws = arg;

    LX_UNUSED(bev);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        cb_enter(ws);
        ws_finish(ws,
                  ws->fail_err != LX_OK     ? ws->fail_err
                  : ws->state == WS_CLOSING ? LX_OK
                                            : LX_ERR_CLOSED,
                  1006,
                  (what & BEV_EVENT_EOF) ? "peer closed the connection"
                                         : "transport error");
        cb_leave(ws);
    }
}

static void ws_timer_cb(struct lx_timer *t, void *ud)
{
    struct lx_ws *ws = ud;

    LX_UNUSED(t);
    cb_enter(ws);
    ws_finish(ws, ws->fail_err != LX_OK ? ws->fail_err : LX_ERR_TIMEOUT, 1006,
              ws->state == WS_CLOSING ? "close handshake timed out"
                                      : "opening handshake timed out");
    cb_leave(ws);
}

static void ws_keepalive_cb(struct lx_timer *t, void *ud)
{
    struct lx_ws *ws = ud;

    LX_UNUSED(t);
    if (ws->state == WS_OPEN) {
        lx_ws_send_ping(ws, "", 0);
    }
}

/*
 * Ends the connection once: stops timers, drops the transport and reports
 * on_close. The object itself lives until lx_ws_free.
 */
static void ws_finish(struct lx_ws *ws, int err, int code, const char *why)
{
    if (ws->state == WS_DONE) {
        return;
    }
    ws->state = WS_DONE;
    ws->drain_cb = NULL;
    lx_timer_stop(ws->timer);
    lx_timer_stop(ws->keepalive);
    if (ws->bev != NULL) {
        lx__dial_close(ws->bev);
        ws->bev = NULL;
    }
    lx__tap_close(&ws->tap, ws->net, why);
    if (ws->cbs.on_close != NULL && !ws->freed) {
        cb_enter(ws);
        ws->cbs.on_close(ws, err, code, why, ws->ud);
        ws->in_cb--;
    }
}

/* ---- opening ------------------------------------------------------------ */

static int ws_alloc(struct lx_ws **out, struct lx_net *net, int role,
                    const char *url, const struct lx_ws_cbs *cbs, void *ud)
{
    struct lx_ws *ws = lx__calloc(net->mem, 1, sizeof(*ws));

    *out = NULL;
    if (ws == NULL) {
        return LX_ERR_NOMEM;
    }
    ws->net = net;
    ws->role = role;
    ws->ud = ud;
    if (cbs != NULL) {
        ws->cbs = *cbs;
    }
    ws->url = lx__strdup(net->mem, url);
    if (ws->url == NULL ||
        lx_timer_new(&ws->timer, net->clock, ws_timer_cb, ws) != LX_OK ||
        lx_timer_new(&ws->keepalive, net->clock, ws_keepalive_cb, ws) !=
            LX_OK) {
        lx_ws_free(ws);
        return LX_ERR_NOMEM;
    }
    *out = ws;
    return LX_OK;
}

/* Creates the frame session and wires the bufferevent to it. */
static int ws_start_session(struct lx_ws *ws)
{
    static const struct lx__ws_cbs scbs = {sess_on_message, sess_on_ping,
                                           sess_on_pong, sess_on_close};
    int rc;

    rc = lx__ws_new(&ws->sess, ws->net->mem, ws->role, NULL, &scbs, ws,
                    &ws->net->rng);
    if (rc != LX_OK) {
        return rc;
    }
    ws->state = WS_OPEN;
    lx_timer_stop(ws->timer);
    bufferevent_setcb(ws->bev, ws_read_cb, ws_write_cb, ws_event_cb, ws);
    bufferevent_enable(ws->bev, EV_READ | EV_WRITE);
    return LX_OK;
}

int lx_ws_accept(struct lx_ws **out, struct lx_http_req *req,
                 const struct lx_ws_cbs *cbs, void *ud)
{
    const struct lx_http_msg *m = lx_http_req_msg(req);
    struct lx_net *net = lx__http_req_net(req);
    const char *reason = "bad handshake";
    const char *key;
    char accept[32];
    struct lx_ws *ws;
    int rc;

    *out = NULL;
    rc = lx__ws_check_client_request(
        lx_http_msg_method(m), lx_http_msg_header(m, "Upgrade", NULL),
        lx_http_msg_header(m, "Connection", NULL),
        lx_http_msg_header(m, "Sec-WebSocket-Version", NULL),
        lx_http_msg_header(m, "Sec-WebSocket-Key", NULL), &reason);
    if (rc != LX_OK) {
        lx_http_req_respond_body(req, 400, NULL, "text/plain", reason,
                                 strlen(reason));
        return LX_ERR_PROTO;
    }
    key = lx_http_msg_header(m, "Sec-WebSocket-Key", NULL);
    rc = lx__ws_accept_for_key(key, strlen(key), accept);
    if (rc == LX_OK) {
        rc = ws_alloc(&ws, net, LX__WS_SERVER, lx_http_msg_target(m), cbs, ud);
    }
    if (rc != LX_OK) {
        lx_http_req_respond_body(req, 503, NULL, NULL, NULL, 0);
        return rc;
    }
    rc = server_takeover(ws, req, accept);
    if (rc != LX_OK) {
        lx_ws_free(ws);
        return rc;
    }
    *out = ws;
    return LX_OK;
}

/*
 * Server side: write 101 straight into the detached transport (the HTTP
 * server no longer owns it), then start framing. Bytes the client sent
 * after its request wait in the input buffer; a deferred read trigger
 * processes them on the next loop iteration, never inside this call.
 */
static int server_takeover(struct lx_ws *ws, struct lx_http_req *req,
                           const char *accept)
{
    struct lx_http_msg *resp;
    int rc;

    rc = lx_http_msg_new_response(&resp, ws->net->mem, 101, NULL);
    if (rc == LX_OK) {
        rc = lx_http_msg_add_header(resp, "Upgrade", "websocket");
    }
    if (rc == LX_OK) {
        rc = lx_http_msg_add_header(resp, "Connection", "Upgrade");
    }
    if (rc == LX_OK) {
        rc = lx_http_msg_add_header(resp, "Sec-WebSocket-Accept", accept);
    }
    if (rc == LX_OK) {
        rc = lx__http_req_detach(req, &ws->bev, &ws->tap);
    }
    if (rc != LX_OK) {
        lx_http_msg_free(resp);
        lx_http_req_respond_body(req, 503, NULL, NULL, NULL, 0);
        return rc;
    }
    rc = lx__http_msg_write(resp, bufferevent_get_output(ws->bev));
    lx__tap_http(&ws->tap, ws->net, LX_TAP_OUT, resp);
    lx_http_msg_free(resp);
    if (rc == LX_OK) {
        rc = ws_start_session(ws);
    }
    if (rc == LX_OK) {
        bufferevent_trigger(ws->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
    }
    return rc;
}

/* ---- client side ----------------------------------------------------------
 */

static void hs_on_response(struct lx_http_msg *resp, void *ud)
{
    struct lx_ws *ws = ud;
    const char *why = NULL;
    char expect[32];

    lx__tap_http(&ws->tap, ws->net, LX_TAP_IN, resp);
    ws->hs_done = 1;
    ws->hs_err = lx__ws_accept_for_key(ws->key, strlen(ws->key), expect);
    if (ws->hs_err == LX_OK) {
        ws->hs_err = lx__ws_check_server_response(
            lx_http_msg_status(resp), lx_http_msg_header(resp, "Upgrade", NULL),
            lx_http_msg_header(resp, "Connection", NULL),
            lx_http_msg_header(resp, "Sec-WebSocket-Accept", NULL), expect,
            &why);
    }
    if (ws->hs_err != LX_OK) {
        lx__snprintf(ws->hs_reason, sizeof(ws->hs_reason),
                     "handshake rejected: HTTP %d (%s)",
                     lx_http_msg_status(resp), why != NULL ? why : "");
    }
    lx_http_msg_free(resp);
}

static int feed_hs(void *ud, const char *data, size_t len, size_t *used)
{
    struct lx_ws *ws = ud;

    if (ws->hs_done) {
        *used = 0; /* frames after the 101 belong to the session */
        return LX_OK;
    }
    return lx__http_parser_feed(ws->hs_parser, data, len, used);
}

static void hs_read_cb(struct bufferevent *bev, void *arg)
{
    struct lx_ws *ws = arg;
    int rc;

    LX_UNUSED(bev);
    cb_enter(ws);
    rc = lx__evbuffer_feed(bufferevent_get_input(ws->bev), feed_hs, ws);
    if (rc != LX_OK && rc != LX_ERR_STATE && !ws->hs_done) {
        ws_finish(ws, LX_ERR_PROTO, 1006, "malformed handshake response");
    } else if (ws->hs_done && ws->hs_err != LX_OK) {
        ws_finish(ws, ws->hs_err, 1006, ws->hs_reason);
    } else if (ws->hs_done) {
        lx__http_parser_free(ws->hs_parser);
        ws->hs_parser = NULL;
        rc = ws_start_session(ws);
        if (rc != LX_OK) {
            ws_finish(ws, rc, 1006, "out of memory");
        } else {
            if (ws->cbs.on_open != NULL) {
                ws->cbs.on_open(ws, ws->ud);
            }
            if (!ws->freed && ws->state == WS_OPEN &&
                evbuffer_get_length(bufferevent_get_input(ws->bev)) > 0) {
                ws_read_cb(ws->bev, ws);
            }
        }
    }
    cb_leave(ws);
}

static int build_handshake(struct lx_ws *ws, const struct lx_url *u,
                           const char *const *extra)
{
    struct lx_http_msg *req;
    char target[2048], host[300];
    int rc;

    if (lx_url_request_target(u, target, sizeof(target)) < 0 ||
        lx_url_host_header(u, host, sizeof(host)) < 0) {
        return LX_ERR_TOOBIG;
    }
    rc = lx_http_msg_new_request(&req, ws->net->mem, "GET", target);
    if (rc != LX_OK) {
        return rc;
    }
    if ((rc = lx_http_msg_add_header(req, "Host", host)) == LX_OK &&
        (rc = lx_http_msg_add_header(req, "Upgrade", "websocket")) == LX_OK &&
        (rc = lx_http_msg_add_header(req, "Connection", "Upgrade")) == LX_OK &&
        (rc = lx_http_msg_add_header(req, "Sec-WebSocket-Key", ws->key)) ==
            LX_OK) {
        rc = lx_http_msg_add_header(req, "Sec-WebSocket-Version", "13");
    }
    for (; rc == LX_OK && extra != NULL && extra[0] != NULL; extra += 2) {
        rc = lx_http_msg_add_header(req, extra[0], extra[1]);
    }
    if (rc != LX_OK) {
        lx_http_msg_free(req);
        return rc;
    }
    ws->hs_req = req;
    return LX_OK;
}

static void dial_cb(void *ud, int err, struct bufferevent *bev,
                    const char *errmsg)
{
    struct lx_ws *ws = ud;
    int rc;

    ws->dial = NULL;
    cb_enter(ws);
    if (err != LX_OK) {
        ws_finish(ws, err, 1006, errmsg);
        cb_leave(ws);
        return;
    }
    ws->bev = bev;
    ws->state = WS_HANDSHAKE;
    lx__tap_open(&ws->tap, ws->net, ws->url, lx__dial_transport(bev));
    rc = lx__http_parser_new(&ws->hs_parser, ws->net->mem, LX__HTTP_RESPONSE,
                             NULL, hs_on_response, ws);
    if (rc == LX_OK) {
        rc = lx__http_msg_write(ws->hs_req, bufferevent_get_output(bev));
        lx__tap_http(&ws->tap, ws->net, LX_TAP_OUT, ws->hs_req);
        lx_http_msg_free(ws->hs_req);
        ws->hs_req = NULL;
    }
    if (rc != LX_OK) {
        ws_finish(ws, rc, 1006, "out of memory");
    } else {
        bufferevent_setcb(bev, hs_read_cb, NULL, ws_event_cb, ws);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    }
    cb_leave(ws);
}

int lx_ws_connect(struct lx_ws **out, struct lx_net *net, const char *url,
                  const char *const *extra_headers, const struct lx_ws_cbs *cbs,
                  void *ud)
{
    struct lx_url *u = NULL;
    struct lx_ws *ws = NULL;
    int rc;

    if (out == NULL || net == NULL || url == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    rc = lx_url_parse(&u, net->mem, url, strlen(url));
    if (rc == LX_OK && !lx_url_is_ws(u)) {
        rc = LX_ERR_INVAL;
    }
    if (rc == LX_OK) {
        rc = ws_alloc(&ws, net, LX__WS_CLIENT, url, cbs, ud);
    }
    if (rc == LX_OK) {
        lx__tapper_init(&ws->tap, net, LX_TAP_CLIENT);
        rc = lx__ws_make_key(&net->rng, ws->key);
    }
    if (rc == LX_OK) {
        rc = build_handshake(ws, u, extra_headers);
    }
    if (rc == LX_OK) {
        rc = lx__dial(net->dialer, lx_url_host(u), lx_url_port(u),
                      lx_url_is_tls(u), dial_cb, ws, &ws->dial);
    }
    lx_url_free(u);
    if (rc != LX_OK) {
        lx_ws_free(ws);
        return rc;
    }
    lx_timer_start(ws->timer, WS_HANDSHAKE_TIMEOUT_NS, 0);
    ws->state = WS_DIALING;
    *out = ws;
    return LX_OK;
}

/* ---- sending and closing ----------------------------------------------------
 */

static int ws_send(struct lx_ws *ws, int opcode, const void *data, size_t len)
{
    int rc;

    if (ws == NULL || ws->state != WS_OPEN) {
        return LX_ERR_STATE;
    }
    switch (opcode) {
    case LX_WS_TEXT:
        rc = lx__ws_send_text(ws->sess, data, len);
        break;
    case LX_WS_BINARY:
        rc = lx__ws_send_binary(ws->sess, data, len);
        break;
    default:
        rc = lx__ws_send_ping(ws->sess, data, len);
        break;
    }
    if (rc == LX_OK) {
        lx__tap_ws(&ws->tap, ws->net, LX_TAP_OUT, opcode, data, len);
        ws_flush(ws);
    }
    return rc;
}

int lx_ws_send_text(struct lx_ws *ws, const void *data, size_t len)
{
    return ws_send(ws, LX_WS_TEXT, data, len);
}

int lx_ws_send_binary(struct lx_ws *ws, const void *data, size_t len)
{
    return ws_send(ws, LX_WS_BINARY, data, len);
}

int lx_ws_send_ping(struct lx_ws *ws, const void *data, size_t len)
{
    return ws_send(ws, LX_WS_PING, data, len);
}

int lx__ws_conn_send_fragmented(struct lx_ws *ws, int opcode, const void *data,
                                size_t len, size_t fragment_size)
{
    int rc;

    if (ws == NULL || ws->state != WS_OPEN) {
        return LX_ERR_STATE;
    }
    rc = lx__ws_send_fragmented(ws->sess, opcode, data, len, fragment_size);
    if (rc == LX_OK) {
        lx__tap_ws(&ws->tap, ws->net, LX_TAP_OUT, opcode, data, len);
        ws_flush(ws);
    }
    return rc;
}

int lx_ws_close(struct lx_ws *ws, int code, const char *reason)
{
    int rc;

    if (ws == NULL || ws->state != WS_OPEN) {
        return LX_ERR_STATE;
    }
    rc = lx__ws_send_close(ws->sess, (uint16_t)code, reason);
    if (rc == LX_OK) {
        lx__tap_ws(&ws->tap, ws->net, LX_TAP_OUT, LX_WS_CLOSE,
                   (const uint8_t *)(reason != NULL ? reason : ""),
                   reason != NULL ? strlen(reason) : 0);
        ws->state = WS_CLOSING;
        lx_timer_start(ws->timer, WS_CLOSE_WAIT_NS, 0);
        ws_flush(ws);
    }
    return rc;
}

int lx_ws_set_keepalive(struct lx_ws *ws, int64_t interval_ns)
{
    if (interval_ns <= 0) {
        lx_timer_stop(ws->keepalive);
        return LX_OK;
    }
    return lx_timer_start(ws->keepalive, interval_ns, interval_ns);
}

const char *lx_ws_url(const struct lx_ws *ws)
{
    return ws->url;
}

int lx__ws_conn_notify_drain(struct lx_ws *ws, size_t low, void (*cb)(void *ud),
                             void *ud)
{
    if (ws == NULL || ws->bev == NULL || ws->state == WS_DONE) {
        return LX_ERR_STATE;
    }
    ws->drain_cb = cb;
    ws->drain_ud = ud;
    ws->drain_low = low;
    bufferevent_setwatermark(ws->bev, EV_WRITE, cb != NULL ? low : 0, 0);
    return LX_OK;
}

size_t lx__ws_conn_out_pending(const struct lx_ws *ws)
{
    if (ws == NULL || ws->bev == NULL) {
        return 0;
    }
    return evbuffer_get_length(bufferevent_get_output(ws->bev));
}

void lx_ws_free(struct lx_ws *ws)
{
    if (ws == NULL) {
        return;
    }
    if (ws->in_cb > 0) {
        ws->freed = 1; /* finished by cb_leave once the callback returns */
        return;
    }
    if (ws->dial != NULL) {
        lx__dial_cancel(ws->dial);
    }
    if (ws->bev != NULL) {
        lx__dial_close(ws->bev);
        lx__tap_close(&ws->tap, ws->net, "freed");
    }
    lx__http_parser_free(ws->hs_parser);
    lx__ws_free(ws->sess);
    lx_timer_free(ws->timer);
    lx_timer_free(ws->keepalive);
    lx_http_msg_free(ws->hs_req);
    lx__free(ws->net->mem, ws->url);
    lx__free(ws->net->mem, ws);
}
