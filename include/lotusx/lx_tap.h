/*
 * lx_tap.h - the wire tap: one callback that sees everything LotuSX says
 * and hears on the wire, on the client side (connectors) and the server
 * side (the mock) alike.
 *
 * Shaped like curl's CURLOPT_DEBUGFUNCTION: the network layer calls the tap
 * synchronously with a borrowed event, in wire order per connection, with
 * lx_clock timestamps taken when the bytes were handed to or received from
 * the transport. An unset tap costs one NULL check per message. The
 * recorder (lotusx-record) hangs on it to write capture files.
 */
#ifndef LOTUSX_LX_TAP_H
#define LOTUSX_LX_TAP_H

#include "lx_common.h"

struct lx_http_msg;

enum lx_tap_kind {
    LX_TAP_CONN_OPEN = 1,  /* url, transport set */
    LX_TAP_CONN_CLOSE = 2, /* reason set (may be "") */
    LX_TAP_HTTP = 3,       /* http set: a request or a response */
    LX_TAP_WS_FRAME = 4    /* ws_opcode, payload, len set */
};

enum lx_tap_dir {
    LX_TAP_OUT = 0, /* written by this side */
    LX_TAP_IN = 1   /* received by this side */
};

enum lx_tap_side { LX_TAP_CLIENT = 0, LX_TAP_SERVER = 1 };

/*
 * One event. Every pointer is borrowed and valid only during the callback.
 * conn_id is unique per tap owner and stable for the life of a connection;
 * seq counts the events of that connection from 0.
 */
struct lx_tap_event {
    int kind;
    int dir;
    int side;
    uint64_t conn_id;
    uint64_t seq;
    int64_t wall_ns;
    int64_t mono_ns;
    const char *url;       /* CONN_OPEN: the URL as dialed or served */
    const char *transport; /* CONN_OPEN: "tcp", "tls" or "mem" */
    const char *reason;    /* CONN_CLOSE: why, human-readable */
    const struct lx_http_msg *http;
    int ws_opcode; /* enum lx_ws_opcode */
    const uint8_t *payload;
    size_t len;
};

typedef void (*lx_tap_fn)(void *ud, const struct lx_tap_event *ev);

#endif
