/*
 * ws_codec.c - the sans-I/O WebSocket session (RFC 6455) on wslay's event
 * API, both roles, plus a raw frame encoder and a strict UTF-8 validator.
 *
 * What it does: frames, masks (client masks come from the caller's seeded
 * lx_rng), reassembles fragmented messages, answers pings and close frames
 * (wslay does both), enforces the message size cap and UTF-8 in text, and
 * fails the connection with the right close code on peer violations.
 *
 * What it does not do: any I/O, timers or keep-alive pings (the glue in
 * ws_conn.c owns the bufferevent and the clock), the HTTP opening
 * handshake (ws_handshake.c), or extensions (no RSV bit is ever allowed).
 *
 * Where it corrects wslay 1.1.1:
 * - Input is handed to wslay straight from the caller's buffer (wslay
 *   copies what it needs into its own 4 KiB frame buffer), so there is no
 *   input buffer of ours to grow.
 * - A frame tracker runs ahead of wslay over the same bytes. wslay
 *   answers malformed headers (long or fragmented control frames,
 *   non-minimal or 2^63+ lengths) with a close frame that has no status
 *   code; the tracker stops the input before such a header and fails the
 *   connection with 1002 instead. It applies the message size cap before
 *   wslay allocates a frame's payload (wslay allocates the whole announced
 *   length up front).
 * - Close frames never reach wslay: the tracker keeps them back and the
 *   session judges and answers them itself. wslay reads a one-byte close
 *   body as "no code", and when it checks the reason's UTF-8 it skips the
 *   first two bytes of every piece of the frame that arrives, not only of
 *   the frame: a reason split across reads was checked wrongly both ways
 *   (invalid ones accepted, valid ones failed with 1007).
 * - wslay 1.1.1 does validate UTF-8 in text messages (with 1007); the
 *   session checks every text message again with lx__utf8_valid, so the
 *   guarantee does not rest on the library version.
 * - wslay sends queued control frames before queued data messages, so a
 *   close queued behind unsent messages would overtake (and drop) them;
 *   such a close is held back until those messages are flushed.
 */
#include <string.h>

#include <event2/buffer.h>
#include <wslay/wslay.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"
#include "net/ws_codec.h"

/* A fragmented message being sent: wslay pulls its frames from here. */
struct frag_src {
    struct frag_src *prev, *next;
    struct lx__ws *ws;
    size_t len, off, frag;
    uint8_t data[];
};

/* Frame boundaries of the input, tracked ahead of wslay. */
struct frame_scan {
    uint8_t hdr[14];
    size_t hlen;        /* header bytes seen of the current frame */
    uint64_t plen;      /* its payload length, once known */
    uint64_t remaining; /* payload bytes still to come */
    uint64_t msg_len;   /* data message so far, all fragments */
    int is_close;       /* the current frame is a close frame */
    int close_done;     /* ...it is complete and well formed */
    size_t close_len;
    uint8_t close[LX_WS_MAX_CONTROL_PAYLOAD]; /* its payload, unmasked */
    int code; /* close code once a bad frame was met */
};

struct lx__ws {
    const struct lx_mem *mem;
    wslay_event_context_ptr ctx;
    struct lx__ws_cbs cbs;
    void *ud;
    struct lx_rng *rng;
    int server;
    uint64_t max_message;
    const uint8_t *in; /* input being fed, borrowed for one lx__ws_feed */
    size_t in_len;
    struct evbuffer *out; /* output being flushed, for one lx__ws_flush */
    int out_failed;
    struct frame_scan scan;
    struct frag_src *frags;
    int in_feed;
    int dead;          /* wslay failed; only lx__ws_free is useful */
    int fail_code;     /* close code queued after a violation we found */
    int fail_err;      /* what lx__ws_feed reports for it */
    int sent_code;     /* close code queued by lx__ws_send_close */
    int close_pending; /* that close waits for queued messages */
    size_t pending_len;
    uint8_t pending_reason[LX_WS_MAX_CLOSE_REASON];
    int close_received; /* the peer's close frame arrived */
    int recv_code;      /* its code, LX_WS_CLOSE_NO_STATUS for none */
    size_t reason_len;
    char reason[LX_WS_MAX_CLOSE_REASON + 1];
};

/* ---- UTF-8 --------------------------------------------------------------- */

/* Length of an ASCII-only prefix, eight bytes at a time. */
static size_t ascii_prefix(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (n - i >= 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        if ((w & 0x8080808080808080ULL) != 0) {
            break;
        }
        i += 8;
    }
    while (i < n && p[i] < 0x80) {
        i++;
    }
    return i;
}

/*
 * Length of the valid multi-byte sequence at p (n bytes available), or 0.
 * The bounds of the second byte are what exclude overlongs (E0, F0),
 * surrogates (ED) and code points past U+10FFFF (F4).
 */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, k;

    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, F5..FF */
    }
    if (n < need || p[1] < lo || p[1] > hi) {
        return 0;
    }
    for (k = 2; k < need; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return need;
}

int lx__utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0;

    if (p == NULL) {
        return n == 0;
    }
    while (i < n) {
        size_t k;

        i += ascii_prefix(p + i, n - i);
        if (i == n) {
            break;
        }
        k = utf8_seq(p + i, n - i);
        if (k == 0) {
            return 0;
        }
        i += k;
    }
    return 1;
}

/* ---- raw frames ---------------------------------------------------------- */

/* Writes the RFC 6455 header; returns its length (2 to 14 bytes). */
static size_t frame_header(uint8_t *h, int fin, int opcode, int rsv,
                           const uint8_t *mask, uint64_t len)
{
    uint8_t mbit = mask != NULL ? 0x80 : 0;
    size_t n = 0;
    int i;

    h[n++] = (uint8_t)((fin ? 0x80 : 0) | (rsv << 4) | opcode);
    if (len < 126) {
        h[n++] = (uint8_t)(mbit | len);
    } else if (len <= 0xFFFF) {
        h[n++] = mbit | 126;
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        h[n++] = mbit | 127;
        for (i = 7; i >= 0; i--) {
            h[n++] = (uint8_t)(len >> (8 * i));
        }
    }
    if (mask != NULL) {
        memcpy(h + n, mask, 4);
        n += 4;
    }
    return n;
}

int lx__ws_encode_frame(struct evbuffer *out, int fin, int opcode, int rsv,
                        const uint8_t *mask4_or_null, const uint8_t *payload,
                        size_t len)
{
    uint8_t hdr[14], tmp[1024];
    size_t hlen, off = 0;

    if (out == NULL || opcode < 0 || opcode > 15 || rsv < 0 || rsv > 7 ||
        (payload == NULL && len > 0)) {
        return LX_ERR_INVAL;
    }
    hlen = frame_header(hdr, fin, opcode, rsv, mask4_or_null, len);
    /* Reserving first makes the append all or nothing. */
    if (len > SIZE_MAX - hlen || evbuffer_expand(out, hlen + len) != 0 ||
        evbuffer_add(out, hdr, hlen) != 0) {
        return LX_ERR_NOMEM;
    }
    if (mask4_or_null == NULL) {
        return evbuffer_add(out, payload, len) == 0 ? LX_OK : LX_ERR_NOMEM;
    }
    while (off < len) {
        size_t i, n = len - off < sizeof(tmp) ? len - off : sizeof(tmp);

        for (i = 0; i < n; i++) {
            tmp[i] = payload[off + i] ^ mask4_or_null[(off + i) & 3];
        }
        if (evbuffer_add(out, tmp, n) != 0) {
            return LX_ERR_NOMEM;
        }
        off += n;
    }
    return LX_OK;
}

/* ---- the frame tracker --------------------------------------------------- */

/* Whether a peer may send this close code (RFC 6455 section 7.4). */
static int close_code_valid(unsigned code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

/*
 * Judges the header bytes seen so far at exactly the points where wslay
 * decides (after byte 2, after the extended length), so a header it
 * rejects never reaches wslay. A close frame, which wslay never sees, gets
 * wslay's checks of reserved bits and masking here too. Returns 0 or the
 * close code to fail with.
 */
static int scan_header(struct frame_scan *s, uint64_t max, int server)
{
    uint8_t op = s->hdr[0] & 0x0F, len7 = s->hdr[1] & 0x7F;
    size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0, i;
    int masked = (s->hdr[1] & 0x80) != 0;

    if (s->hlen == 2 && (((op & 0x08) && (len7 > 125 || !(s->hdr[0] & 0x80))) ||
                         (s->is_close && ((s->hdr[0] & 0x70) != 0 ||
                                          masked != (server != 0))))) {
        return LX_WS_CLOSE_PROTOCOL;
    }
    if (s->hlen == 2 + ext) {
        s->plen = ext == 0 ? len7 : 0;
        for (i = 0; i < ext; i++) {
            s->plen = (s->plen << 8) | s->hdr[2 + i];
        }
        if ((ext == 2 && s->plen < 126) ||
            (ext == 8 && (s->plen < 65536 || (s->plen >> 63) != 0))) {
            return LX_WS_CLOSE_PROTOCOL;
        }
        if (op == LX_WS_TEXT || op == LX_WS_BINARY) {
            s->msg_len = 0;
        }
        if (op <= LX_WS_BINARY) {
            if (s->plen > max - s->msg_len) {
                return LX_WS_CLOSE_TOO_BIG;
            }
            s->msg_len += s->plen;
        }
    }
    if (s->hlen == 2 + ext + (masked ? 4 : 0)) {
        s->remaining = s->plen;
        s->hlen = 0;
        s->close_done = s->is_close && s->plen == 0;
    }
    return 0;
}

/*
 * Skips up to n payload bytes of the current frame; a close frame's are
 * kept (unmasked) for close_judge. Returns how many were taken.
 */
static size_t scan_payload(struct frame_scan *s, const uint8_t *p, size_t n)
{
    size_t k = n < s->remaining ? n : (size_t)s->remaining, j;

    if (s->is_close) {
        /* Control frames are never longer than 125: no extended length,
         * so a mask key sits at hdr[2..5]. */
        int masked = (s->hdr[1] & 0x80) != 0;

        for (j = 0; j < k; j++, s->close_len++) {
            s->close[s->close_len] =
                p[j] ^ (masked ? s->hdr[2 + (s->close_len & 3)] : 0);
        }
    }
    s->remaining -= k;
    return k;
}

/* A complete close payload: returns 0 or the close code to fail with. */
static int close_judge(const struct frame_scan *s)
{
    if (s->close_len == 0) {
        return 0;
    }
    if (s->close_len == 1 ||
        !close_code_valid((unsigned)s->close[0] << 8 | s->close[1])) {
        return LX_WS_CLOSE_PROTOCOL;
    }
    return lx__utf8_valid(s->close + 2, s->close_len - 2)
               ? 0
               : LX_WS_CLOSE_INVALID_PAYLOAD;
}

/*
 * Follows frame boundaries through the input and returns how many leading
 * bytes wslay may see: all of them, or those before a bad header (none
 * when that header began in an earlier feed: wslay then holds only a
 * prefix it cannot judge yet), or those before a close frame (none when
 * it began earlier). Scanning stops at a bad frame or a complete close.
 */
static size_t scan_frames(struct lx__ws *ws, const uint8_t *p, size_t n)
{
    struct frame_scan *s = &ws->scan;
    size_t i = 0, hstart = 0, close_cut = 0;

    while (i < n && s->code == 0 && !s->close_done) {
        if (s->remaining > 0) {
            i += scan_payload(s, p + i, n - i);
            if (s->is_close && s->remaining == 0) {
                s->code = close_judge(s);
                s->close_done = s->code == 0;
            }
            continue;
        }
        if (s->hlen == 0) {
            hstart = i;
        }
        s->hdr[s->hlen++] = p[i++];
        if (s->hlen == 1 && (s->hdr[0] & 0x0F) == LX_WS_CLOSE) {
            s->is_close = 1;
            close_cut = hstart;
        }
        if (s->hlen >= 2) {
            s->code = scan_header(s, ws->max_message, ws->server);
        }
    }
    if (s->is_close) {
        return close_cut;
    }
    return s->code != 0 ? hstart : n;
}

/* ---- wslay callbacks ----------------------------------------------------- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                       int flags, void *ud)
{
    struct lx__ws *ws = ud;
    size_t n = len < ws->in_len ? len : ws->in_len;

    LX_UNUSED(flags);
    if (n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    memcpy(buf, ws->in, n);
    ws->in += n;
    ws->in_len -= n;
    return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data,
                       size_t len, int flags, void *ud)
{
    struct lx__ws *ws = ud;

    LX_UNUSED(flags);
    /* wslay may report a failure mid-frame as success; remember it. */
    if (ws->out == NULL || evbuffer_add(ws->out, data, len) != 0) {
        ws->out_failed = 1;
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len,
                      void *ud)
{
    struct lx__ws *ws = ud;

    LX_UNUSED(ctx);
    if (ws->rng == NULL) {
        return -1;
    }
    lx_rng_fill(ws->rng, buf, len);
    return 0;
}

/*
 * Fails the connection for a violation found here rather than by wslay:
 * queue the close (unless one is queued already) and stop reading.
 */
static void fail_conn(struct lx__ws *ws, int code)
{
    if (!ws->close_pending &&
        wslay_event_queue_close(ws->ctx, (uint16_t)code, NULL, 0) == 0) {
        ws->fail_code = code;
    }
    wslay_event_shutdown_read(ws->ctx);
    ws->fail_err = code == LX_WS_CLOSE_TOO_BIG ? LX_ERR_TOOBIG : LX_ERR_PROTO;
}

static void on_msg_cb(wslay_event_context_ptr ctx,
                      const struct wslay_event_on_msg_recv_arg *arg, void *ud)
{
    struct lx__ws *ws = ud;
    /* wslay passes NULL for empty payloads; callers get a real pointer. */
    const uint8_t *msg = arg->msg != NULL ? arg->msg : (const uint8_t *)"";

    LX_UNUSED(ctx);
    switch (arg->opcode) {
    case WSLAY_TEXT_FRAME:
        /* wslay 1.1.1 validates too; this keeps the guarantee ours. */
        if (!lx__utf8_valid(msg, arg->msg_length)) {
            fail_conn(ws, LX_WS_CLOSE_INVALID_PAYLOAD);
            return;
        }
        /* fall through */
    case WSLAY_BINARY_FRAME:
        if (ws->cbs.on_message != NULL) {
            ws->cbs.on_message(ws->ud, arg->opcode, msg, arg->msg_length);
        }
        break;
    case WSLAY_PING:
        if (ws->cbs.on_ping != NULL) {
            ws->cbs.on_ping(ws->ud, msg, arg->msg_length);
        }
        break;
    case WSLAY_PONG:
        if (ws->cbs.on_pong != NULL) {
            ws->cbs.on_pong(ws->ud, msg, arg->msg_length);
        }
        break;
    default:
        break; /* close frames are kept from wslay, see peer_closed */
    }
}

/* ---- session ------------------------------------------------------------- */

/* The message cap of opts, defaulted and raised to fit control frames. */
static uint64_t max_message(const struct lx__ws_opts *opts)
{
    uint64_t max = opts != NULL ? opts->max_message : 0;

    if (max == 0) {
        return LX_WS_DEFAULT_MAX_MESSAGE;
    }
    return max < LX_WS_MAX_CONTROL_PAYLOAD ? LX_WS_MAX_CONTROL_PAYLOAD : max;
}

int lx__ws_new(struct lx__ws **out, const struct lx_mem *mem, int role,
               const struct lx__ws_opts *opts, const struct lx__ws_cbs *cbs,
               void *ud, struct lx_rng *rng)
{
    static const struct wslay_event_callbacks wcbs = {
        recv_cb, send_cb, genmask_cb, NULL, NULL, NULL, on_msg_cb};
    struct lx__ws *ws;
    int r;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if ((role != LX__WS_CLIENT && role != LX__WS_SERVER) ||
        (role == LX__WS_CLIENT && rng == NULL)) {
        return LX_ERR_INVAL;
    }
    ws = lx__calloc(mem, 1, sizeof(*ws));
    if (ws == NULL) {
        return LX_ERR_NOMEM;
    }
    ws->mem = mem;
    ws->ud = ud;
    ws->rng = rng;
    ws->server = role == LX__WS_SERVER;
    if (cbs != NULL) {
        ws->cbs = *cbs;
    }
    ws->max_message = max_message(opts);
    r = role == LX__WS_SERVER
            ? wslay_event_context_server_init(&ws->ctx, &wcbs, ws)
            : wslay_event_context_client_init(&ws->ctx, &wcbs, ws);
    if (r != 0) {
        lx__free(mem, ws);
        return LX_ERR_NOMEM;
    }
    /* A backstop: the header tracker applies the same cap first. */
    wslay_event_config_set_max_recv_msg_length(ws->ctx, ws->max_message);
    *out = ws;
    return LX_OK;
}

static void frag_unlink(struct frag_src *f)
{
    if (f->prev != NULL) {
        f->prev->next = f->next;
    } else {
        f->ws->frags = f->next;
    }
    if (f->next != NULL) {
        f->next->prev = f->prev;
    }
}

void lx__ws_free(struct lx__ws *ws)
{
    if (ws == NULL) {
        return;
    }
    wslay_event_context_free(ws->ctx);
    while (ws->frags != NULL) {
        struct frag_src *f = ws->frags;

        frag_unlink(f);
        lx__free(ws->mem, f);
    }
    lx__free(ws->mem, ws);
}

/* Maps a wslay failure of recv or send; the session is dead after it. */
static int wslay_fatal(struct lx__ws *ws, int r)
{
    ws->dead = 1;
    return r == WSLAY_ERR_NOMEM || r == WSLAY_ERR_CALLBACK_FAILURE
               ? LX_ERR_NOMEM
               : LX_ERR_INTERNAL;
}

/*
 * The peer's close frame, complete and valid: record it, stop reading,
 * echo its code and reason (unless a close of ours is queued or waiting,
 * which then serves as the answer) and report it.
 */
static int peer_closed(struct lx__ws *ws)
{
    const struct frame_scan *s = &ws->scan;
    uint16_t code = 0;
    size_t n = 0;
    int r = 0;

    if (s->close_len >= 2) {
        code = (uint16_t)(s->close[0] << 8 | s->close[1]);
        n = s->close_len - 2;
        memcpy(ws->reason, s->close + 2, n);
    }
    ws->reason[n] = '\0';
    ws->reason_len = n;
    ws->close_received = 1;
    ws->recv_code = code != 0 ? code : LX_WS_CLOSE_NO_STATUS;
    wslay_event_shutdown_read(ws->ctx);
    if (!ws->close_pending) {
        r = wslay_event_queue_close(ws->ctx, code, (const uint8_t *)ws->reason,
                                    n);
    }
    if (r == WSLAY_ERR_NOMEM) {
        return wslay_fatal(ws, r);
    }
    if (ws->cbs.on_close != NULL) {
        ws->cbs.on_close(ws->ud, (uint16_t)ws->recv_code, ws->reason, n);
    }
    return LX_OK;
}

/* After wslay consumed a feed: turn what happened into a result. */
static int feed_result(struct lx__ws *ws)
{
    if (wslay_event_get_read_enabled(ws->ctx)) {
        if (ws->scan.code != 0) {
            fail_conn(ws, ws->scan.code);
        } else if (ws->scan.close_done) {
            return peer_closed(ws);
        }
    }
    if (ws->fail_err != 0) {
        return ws->fail_err;
    }
    if (!wslay_event_get_read_enabled(ws->ctx) && !ws->close_received) {
        return LX_ERR_PROTO; /* wslay failed the connection itself */
    }
    return LX_OK;
}

int lx__ws_feed(struct lx__ws *ws, const uint8_t *data, size_t len)
{
    int r;

    if (ws == NULL || (data == NULL && len > 0)) {
        return LX_ERR_INVAL;
    }
    if (ws->in_feed || ws->dead) {
        return LX_ERR_STATE;
    }
    if (!wslay_event_get_read_enabled(ws->ctx)) {
        return LX_OK; /* after a close, input is ignored */
    }
    ws->in_len = scan_frames(ws, data, len);
    ws->in = data;
    ws->in_feed = 1;
    r = wslay_event_recv(ws->ctx);
    ws->in = NULL;
    ws->in_len = 0;
    if (r == WSLAY_ERR_CALLBACK_FAILURE) {
        /* Only a frame wslay could not parse gets here (the tracker
         * should have stopped it); wslay queued a close. */
        r = LX_ERR_PROTO;
    } else if (r != 0) {
        r = wslay_fatal(ws, r);
    } else {
        r = feed_result(ws);
    }
    ws->in_feed = 0;
    return r;
}

/* Queues a close that waited for earlier messages to go out first. */
static int queue_pending_close(struct lx__ws *ws)
{
    /* sent_code says 1005 for "no code", which is never sent itself. */
    uint16_t code =
        ws->sent_code == LX_WS_CLOSE_NO_STATUS ? 0 : (uint16_t)ws->sent_code;
    int r;

    ws->close_pending = 0;
    r = wslay_event_queue_close(ws->ctx, code, ws->pending_reason,
                                ws->pending_len);
    if (r == WSLAY_ERR_NO_MORE_MSG) {
        ws->sent_code = 0; /* wslay's own close (reply, violation) won */
        return 0;
    }
    return r;
}

int lx__ws_flush(struct lx__ws *ws, struct evbuffer *out)
{
    int r;

    if (ws == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    if (ws->dead) {
        return LX_ERR_STATE;
    }
    ws->out = out;
    r = wslay_event_send(ws->ctx);
    if (r == 0 && !ws->out_failed && ws->close_pending) {
        r = queue_pending_close(ws);
        if (r == 0) {
            r = wslay_event_send(ws->ctx);
        }
    }
    ws->out = NULL;
    if (r != 0 || ws->out_failed) {
        return wslay_fatal(ws, r != 0 ? r : WSLAY_ERR_CALLBACK_FAILURE);
    }
    return LX_OK;
}

int lx__ws_want_read(const struct lx__ws *ws)
{
    return !ws->dead && wslay_event_want_read(ws->ctx);
}

int lx__ws_want_write(const struct lx__ws *ws)
{
    return !ws->dead && (ws->close_pending || wslay_event_want_write(ws->ctx));
}

int lx__ws_is_closed(const struct lx__ws *ws)
{
    return ws->dead || (wslay_event_get_close_sent(ws->ctx) &&
                        !wslay_event_get_read_enabled(ws->ctx));
}

int lx__ws_close_code(const struct lx__ws *ws)
{
    if (ws->close_received) {
        return ws->recv_code;
    }
    if (ws->fail_code != 0) {
        return ws->fail_code;
    }
    if (ws->sent_code != 0) {
        return ws->sent_code;
    }
    if (wslay_event_get_close_sent(ws->ctx)) {
        return wslay_event_get_status_code_sent(ws->ctx);
    }
    return 0;
}

const char *lx__ws_close_reason(const struct lx__ws *ws, size_t *len)
{
    if (len != NULL) {
        *len = ws->reason_len;
    }
    return ws->reason;
}

/* ---- sending ------------------------------------------------------------- */

static int map_queue_err(int r)
{
    switch (r) {
    case 0:
        return LX_OK;
    case WSLAY_ERR_NO_MORE_MSG:
        return LX_ERR_STATE;
    case WSLAY_ERR_INVALID_ARGUMENT:
        return LX_ERR_INVAL;
    case WSLAY_ERR_NOMEM:
        return LX_ERR_NOMEM;
    default:
        return LX_ERR_INTERNAL;
    }
}

/* Common checks of every send; LX_OK when a frame may be queued. */
static int send_check(const struct lx__ws *ws, const void *data, size_t len)
{
    if (ws == NULL || (data == NULL && len > 0)) {
        return LX_ERR_INVAL;
    }
    if (ws->dead || ws->close_pending) {
        return LX_ERR_STATE;
    }
    return LX_OK;
}

static int queue_msg(struct lx__ws *ws, uint8_t opcode, const void *data,
                     size_t len)
{
    struct wslay_event_msg m;
    int rc = send_check(ws, data, len);

    if (rc != LX_OK) {
        return rc;
    }
    if (opcode == WSLAY_TEXT_FRAME && !lx__utf8_valid(data, len)) {
        return LX_ERR_INVAL;
    }
    if (opcode == WSLAY_PING && len > LX_WS_MAX_CONTROL_PAYLOAD) {
        return LX_ERR_INVAL;
    }
    m.opcode = opcode;
    m.msg = data;
    m.msg_length = len;
    return map_queue_err(wslay_event_queue_msg(ws->ctx, &m));
}

int lx__ws_send_text(struct lx__ws *ws, const void *data, size_t len)
{
    return queue_msg(ws, WSLAY_TEXT_FRAME, data, len);
}

int lx__ws_send_binary(struct lx__ws *ws, const void *data, size_t len)
{
    return queue_msg(ws, WSLAY_BINARY_FRAME, data, len);
}

int lx__ws_send_ping(struct lx__ws *ws, const void *data, size_t len)
{
    return queue_msg(ws, WSLAY_PING, data, len);
}

int lx__ws_send_close(struct lx__ws *ws, uint16_t code, const char *reason)
{
    size_t n = reason != NULL ? strlen(reason) : 0;
    int rc = send_check(ws, reason, n);

    if (rc != LX_OK) {
        return rc;
    }
    if ((code != 0 && !close_code_valid(code)) || n > LX_WS_MAX_CLOSE_REASON ||
        (code == 0 && n > 0) || !lx__utf8_valid((const uint8_t *)reason, n)) {
        return LX_ERR_INVAL;
    }
    /* wslay stops reading whenever it queues a close of its own. */
    if (ws->sent_code != 0 || !wslay_event_get_read_enabled(ws->ctx) ||
        !wslay_event_get_write_enabled(ws->ctx)) {
        return LX_ERR_STATE;
    }
    ws->sent_code = code != 0 ? code : LX_WS_CLOSE_NO_STATUS;
    if (wslay_event_get_queued_msg_count(ws->ctx) > 0) {
        ws->close_pending = 1; /* after the queued messages, see above */
        ws->pending_len = n;
        if (n > 0) {
            memcpy(ws->pending_reason, reason, n);
        }
        return LX_OK;
    }
    rc = map_queue_err(
        wslay_event_queue_close(ws->ctx, code, (const uint8_t *)reason, n));
    if (rc != LX_OK) {
        ws->sent_code = 0;
    }
    return rc;
}

static ssize_t frag_read_cb(wslay_event_context_ptr ctx, uint8_t *buf,
                            size_t len,
                            const union wslay_event_msg_source *source,
                            int *eof, void *ud)
{
    struct frag_src *f = source->data;
    size_t n = f->len - f->off;

    LX_UNUSED(ctx);
    LX_UNUSED(ud);
    n = n < len ? n : len;
    n = n < f->frag ? n : f->frag;
    memcpy(buf, f->data + f->off, n);
    f->off += n;
    if (f->off == f->len) {
        /* wslay never reads a source again after eof. */
        *eof = 1;
        frag_unlink(f);
        lx__free(f->ws->mem, f);
    }
    return (ssize_t)n;
}

int lx__ws_send_fragmented(struct lx__ws *ws, int opcode, const void *data,
                           size_t len, size_t fragment_size)
{
    struct wslay_event_fragmented_msg m;
    struct frag_src *f;
    int rc = send_check(ws, data, len);

    if (rc != LX_OK) {
        return rc;
    }
    if ((opcode != LX_WS_TEXT && opcode != LX_WS_BINARY) ||
        fragment_size == 0 || len > SIZE_MAX - sizeof(*f) ||
        (opcode == LX_WS_TEXT && !lx__utf8_valid(data, len))) {
        return LX_ERR_INVAL;
    }
    f = lx__malloc(ws->mem, sizeof(*f) + len);
    if (f == NULL) {
        return LX_ERR_NOMEM;
    }
    memset(f, 0, sizeof(*f));
    f->ws = ws;
    f->len = len;
    f->frag = fragment_size;
    if (len > 0) {
        memcpy(f->data, data, len);
    }
    f->next = ws->frags;
    if (f->next != NULL) {
        f->next->prev = f;
    }
    ws->frags = f;
    m.opcode = (uint8_t)opcode;
    m.source.data = f;
    m.read_callback = frag_read_cb;
    rc = map_queue_err(wslay_event_queue_fragmented_msg(ws->ctx, &m));
    if (rc != LX_OK) {
        frag_unlink(f);
        lx__free(ws->mem, f);
    }
    return rc;
}
