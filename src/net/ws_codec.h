/*
 * ws_codec.h - the sans-I/O WebSocket core (RFC 6455) on top of wslay, for
 * both roles, plus the opening-handshake helpers. Never installed.
 *
 * A session (struct lx__ws) never touches a socket: bytes read from the
 * transport go in with lx__ws_feed, bytes to write come out of
 * lx__ws_flush into an evbuffer. The bufferevent glue (ws_conn.c) drives
 * it; the unit tests wire a client and a server session back to back.
 *
 * Memory: the session and the copies of fragmented messages come from the
 * lx_mem given to lx__ws_new. wslay 1.1.1 takes no allocator (its
 * wslay_event_callbacks has no malloc hooks), so frames queued for sending
 * and messages being reassembled live on the libc heap inside wslay; both
 * are bounded (received messages by max_message, queued ones by what the
 * caller sends before flushing).
 *
 * Ordering: wslay sends control frames (pongs, close) ahead of data
 * messages still queued, so flush after every send. A close queued with
 * lx__ws_send_close waits for the messages queued before it; the echo of
 * a peer's close does not, and drops them (RFC 6455 5.5.1 allows that).
 *
 * Threading: a session belongs to one thread (its event loop's).
 */
#ifndef LOTUSX_NET_WS_CODEC_H
#define LOTUSX_NET_WS_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_mem.h"
#include "lotusx/lx_ws.h"

struct evbuffer;
struct lx_rng;
struct lx__ws;

/* Roles: a client masks what it sends, a server requires masked input. */
#define LX__WS_CLIENT 0
#define LX__WS_SERVER 1

/* Size of the Sec-WebSocket-Key and -Accept values, NUL included. */
#define LX__WS_KEY_SIZE    25
#define LX__WS_ACCEPT_SIZE 29

/* Largest frame payload lx__ws_send_fragmented emits (wslay's buffer). */
#define LX__WS_MAX_FRAGMENT 4096

/* Session options; a NULL pointer means all defaults. */
struct lx__ws_opts {
    /*
     * Cap on one received message (all fragments together); 0 means
     * LX_WS_DEFAULT_MAX_MESSAGE. Values below LX_WS_MAX_CONTROL_PAYLOAD
     * are raised to it so control frames always fit.
     */
    uint64_t max_message;
};

/*
 * Callbacks to the owner of a session; any may be NULL. Payloads are
 * borrowed until the callback returns and never NULL (even when empty).
 * Callbacks run only inside lx__ws_feed. They may queue frames
 * (lx__ws_send_*) and flush, but must neither feed nor free the session.
 */
struct lx__ws_cbs {
    /* A complete, reassembled TEXT (valid UTF-8) or BINARY message. */
    void (*on_message)(void *ud, int opcode, const uint8_t *data, size_t len);
    /* A ping; the matching pong is already queued. */
    void (*on_ping)(void *ud, const uint8_t *data, size_t len);
    void (*on_pong)(void *ud, const uint8_t *data, size_t len);
    /*
     * The peer's close frame: code is LX_WS_CLOSE_NO_STATUS when it had
     * none; reason is valid UTF-8 (NUL-terminated, len excludes the NUL).
     * The reply is queued: an echo of code and reason, unless this end's
     * own close was sent or is waiting, which then answers instead.
     */
    void (*on_close)(void *ud, uint16_t code, const char *reason, size_t len);
};

/*
 * Creates a session. role: LX__WS_CLIENT or LX__WS_SERVER. mem NULL means
 * libc; opts NULL means defaults; cbs may be NULL (copied). rng supplies
 * the client's frame masks (deterministic under a seed); it is borrowed,
 * must outlive the session, and is required for clients (may be NULL for
 * servers). Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx__ws_new(struct lx__ws **out, const struct lx_mem *mem, int role,
               const struct lx__ws_opts *opts, const struct lx__ws_cbs *cbs,
               void *ud, struct lx_rng *rng);

/* Frees the session and anything still queued; NULL is allowed. */
void lx__ws_free(struct lx__ws *ws);

/*
 * Processes len bytes received from the peer (borrowed for the call); all
 * of them are consumed (a partial frame is kept inside the session) and
 * callbacks fire for every message and control frame they complete. Once
 * the read side is closed (the peer's close frame arrived, or a violation
 * was met) further bytes are ignored, as RFC 6455 requires. Replies
 * (pongs, close) are queued: flush after. Errors:
 *   LX_ERR_PROTO   the peer broke the protocol (bad framing, reserved
 *                  bits or opcode, unmasked client frame, invalid UTF-8):
 *                  a close frame with 1002 or 1007 is queued; flush it,
 *                  then drop the connection.
 *   LX_ERR_TOOBIG  a message exceeded max_message: close 1009 is queued.
 *   LX_ERR_NOMEM   wslay ran out of memory; the session is dead.
 *   LX_ERR_STATE   called from inside one of the session's callbacks,
 *                  or the session is dead.
 *   LX_ERR_INVAL   ws NULL, or data NULL with len > 0.
 */
int lx__ws_feed(struct lx__ws *ws, const uint8_t *data, size_t len);

/*
 * Serializes every queued frame into out (masked in the client role).
 * Callable from the session's callbacks. Errors: LX_ERR_NOMEM (evbuffer
 * could not grow; the session is dead), LX_ERR_STATE (dead already),
 * LX_ERR_INVAL (out NULL).
 */
int lx__ws_flush(struct lx__ws *ws, struct evbuffer *out);

/* 1 while the session accepts input (no close received, no violation). */
int lx__ws_want_read(const struct lx__ws *ws);

/* 1 when lx__ws_flush has frames to write. */
int lx__ws_want_write(const struct lx__ws *ws);

/*
 * 1 once the close handshake is over as far as the codec goes: a close
 * frame was flushed and nothing more will be read (the peer's close
 * arrived, or this end failed the connection). The transport may close
 * when its output has drained.
 */
int lx__ws_is_closed(const struct lx__ws *ws);

/*
 * The close code: the peer's if its close frame arrived
 * (LX_WS_CLOSE_NO_STATUS when it carried none), else the one this end
 * queued or sent (for a violation wslay itself detected, known once the
 * close frame was flushed), else 0 while the connection is open.
 */
int lx__ws_close_code(const struct lx__ws *ws);

/*
 * The peer's close reason (NUL-terminated, *len set when len is not NULL);
 * "" until a close frame with a reason arrived. Borrowed from the session.
 */
const char *lx__ws_close_reason(const struct lx__ws *ws, size_t *len);

/*
 * Queue one message (copied). Text must be valid UTF-8. Errors:
 * LX_ERR_INVAL (bad UTF-8, NULL data with len > 0), LX_ERR_STATE (a close
 * was queued or sent, or the session is dead), LX_ERR_NOMEM.
 */
int lx__ws_send_text(struct lx__ws *ws, const void *data, size_t len);
int lx__ws_send_binary(struct lx__ws *ws, const void *data, size_t len);

/*
 * Queue a ping (payload at most LX_WS_MAX_CONTROL_PAYLOAD bytes). Errors:
 * as lx__ws_send_text, and LX_ERR_INVAL for a payload over the limit.
 */
int lx__ws_send_ping(struct lx__ws *ws, const void *data, size_t len);

/*
 * Starts the close handshake: a close frame with code (0 = no code at all)
 * and reason (NULL or UTF-8, at most LX_WS_MAX_CLOSE_REASON bytes) goes
 * out after every message queued before it; nothing can be queued after
 * it. Errors: LX_ERR_INVAL (code not sendable: only 1000-1003, 1007-1011
 * and 3000-4999 are; reason too long or not UTF-8), LX_ERR_STATE (a close
 * was already queued or sent), LX_ERR_NOMEM.
 */
int lx__ws_send_close(struct lx__ws *ws, uint16_t code, const char *reason);

/*
 * Queues one TEXT or BINARY message split into frames of at most
 * fragment_size payload bytes (capped at LX__WS_MAX_FRAGMENT): the first
 * frame carries the opcode, the others are continuations. data is copied.
 * For tests and the mock's fault injection. Errors: LX_ERR_INVAL (other
 * opcode, fragment_size 0, text not UTF-8), LX_ERR_STATE, LX_ERR_NOMEM.
 */
int lx__ws_send_fragmented(struct lx__ws *ws, int opcode, const void *data,
                           size_t len, size_t fragment_size);

/*
 * Appends one raw frame to out, byte for byte as RFC 6455 section 5.2 lays
 * it out: minimal 7/16/64-bit length, masked with mask4 when it is not
 * NULL. Nothing is checked beyond the field widths, so it can also write
 * frames a peer must reject (reserved opcodes and bits, long or
 * fragmented control frames). For tests and the mock's fault injection.
 * rsv is RSV1 << 2 | RSV2 << 1 | RSV3. Errors: LX_ERR_INVAL (opcode > 15,
 * rsv > 7, NULL payload with len > 0), LX_ERR_NOMEM.
 */
int lx__ws_encode_frame(struct evbuffer *out, int fin, int opcode, int rsv,
                        const uint8_t *mask4_or_null, const uint8_t *payload,
                        size_t len);

/*
 * Strict UTF-8 check (RFC 3629): rejects overlong forms, surrogates
 * (U+D800-U+DFFF), code points above U+10FFFF, stray continuation bytes
 * and truncated sequences. Returns 1 when valid (an empty input is).
 */
int lx__utf8_valid(const uint8_t *p, size_t n);

/* ---- opening handshake (ws_handshake.c) -------------------------------- */

/*
 * Writes a fresh Sec-WebSocket-Key: 16 bytes from rng, base64, 24 chars
 * and a NUL. Errors: LX_ERR_INVAL (NULL argument).
 */
int lx__ws_make_key(struct lx_rng *rng, char out[LX__WS_KEY_SIZE]);

/*
 * Writes the Sec-WebSocket-Accept value for a key:
 * base64(SHA-1(key "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), 28 chars and
 * a NUL. Errors: LX_ERR_INVAL (NULL, or key longer than 128 bytes),
 * LX_ERR_INTERNAL (OpenSSL failed).
 */
int lx__ws_accept_for_key(const char *key, size_t len,
                          char out[LX__WS_ACCEPT_SIZE]);

/*
 * Server side: checks an upgrade request's header values (NULL = header
 * absent; surrounding blanks are ignored): method GET, Upgrade listing
 * "websocket", Connection listing "upgrade" (both case-insensitive, comma
 * lists allowed), and a Sec-WebSocket-Key that base64-decodes to exactly
 * 16 bytes. Returns LX_OK, LX_ERR_PROTO, or LX_ERR_UNSUPPORTED when only
 * Sec-WebSocket-Version is not 13 (RFC 6455 4.2.2 wants a 426 answer
 * carrying "Sec-WebSocket-Version: 13" then). *reason (when reason is not
 * NULL) gets a static explanation on failure.
 */
int lx__ws_check_client_request(const char *method, const char *upgrade,
                                const char *connection, const char *version,
                                const char *key, const char **reason);

/*
 * Client side: checks the server's answer: status 101, Upgrade
 * "websocket", Connection "upgrade", and Sec-WebSocket-Accept equal to
 * expected_accept (from lx__ws_accept_for_key on the key sent). Returns
 * LX_OK or LX_ERR_PROTO with a static *reason.
 */
int lx__ws_check_server_response(int status, const char *upgrade,
                                 const char *connection, const char *accept,
                                 const char *expected_accept,
                                 const char **reason);

#endif
