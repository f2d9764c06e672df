/*
 * ws_conn_internal.h - WebSocket connection operations for tests and the
 * mock's fault injection, not for the public API.
 */
#ifndef LOTUSX_NET_WS_CONN_INTERNAL_H
#define LOTUSX_NET_WS_CONN_INTERNAL_H

#include "lotusx/lx_net.h"

/*
 * Sends one message as fragments of at most fragment_size payload bytes
 * (first frame with the opcode, then continuation frames). Errors:
 * LX_ERR_STATE when not open, LX_ERR_NOMEM.
 */
int lx__ws_conn_send_fragmented(struct lx_ws *ws, int opcode, const void *data,
                                size_t len, size_t fragment_size);

/*
 * Bytes queued for the peer and not yet handed to the transport (the
 * connection's output buffer), for a sender that paces itself to what the
 * peer takes (the replay mock). 0 when there is no transport.
 */
size_t lx__ws_conn_out_pending(const struct lx_ws *ws);

/*
 * Calls cb(ud) once, from the loop, when the output buffer has drained to
 * at most low bytes after a write (register while it holds more). A new
 * call replaces the last one; cb NULL cancels. Nothing is called once the
 * connection has finished. Errors: LX_ERR_STATE (no transport, finished).
 */
int lx__ws_conn_notify_drain(struct lx_ws *ws, size_t low, void (*cb)(void *ud),
                             void *ud);

#endif
