/*
 * lx_ws.h - WebSocket (RFC 6455) vocabulary shared by the connection API in
 * lx_net.h, the wire tap and the mock: opcodes, close codes and the limits
 * a user can rely on or configure.
 *
 * Nothing here allocates or runs on a loop; it is types and constants only.
 */
#ifndef LOTUSX_LX_WS_H
#define LOTUSX_LX_WS_H

#include "lx_common.h"

/* Frame opcodes (RFC 6455 section 5.2). Messages are TEXT or BINARY. */
enum lx_ws_opcode {
    LX_WS_CONT = 0x0,
    LX_WS_TEXT = 0x1,
    LX_WS_BINARY = 0x2,
    LX_WS_CLOSE = 0x8,
    LX_WS_PING = 0x9,
    LX_WS_PONG = 0xA
};

/*
 * Close status codes (RFC 6455 section 7.4.1). NO_STATUS and ABNORMAL are
 * never sent on the wire: NO_STATUS reports a close frame that carried no
 * code, ABNORMAL a connection that ended without any close frame.
 * Applications may also use 3000-4999.
 */
enum lx_ws_close_code {
    LX_WS_CLOSE_NORMAL = 1000,
    LX_WS_CLOSE_GOING_AWAY = 1001,
    LX_WS_CLOSE_PROTOCOL = 1002,
    LX_WS_CLOSE_UNSUPPORTED = 1003,
    LX_WS_CLOSE_NO_STATUS = 1005,
    LX_WS_CLOSE_ABNORMAL = 1006,
    LX_WS_CLOSE_INVALID_PAYLOAD = 1007,
    LX_WS_CLOSE_POLICY = 1008,
    LX_WS_CLOSE_TOO_BIG = 1009,
    LX_WS_CLOSE_MANDATORY_EXT = 1010,
    LX_WS_CLOSE_INTERNAL = 1011
};

/* Largest payload of a control frame (ping, pong, close). */
#define LX_WS_MAX_CONTROL_PAYLOAD 125

/* Largest close reason: the control payload minus the 2-byte code. */
#define LX_WS_MAX_CLOSE_REASON 123

/*
 * Default cap on one received message after reassembly of its fragments.
 * A peer that announces a larger message gets close code 1009
 * (LX_WS_CLOSE_TOO_BIG) before any of its payload is buffered.
 */
#define LX_WS_DEFAULT_MAX_MESSAGE ((uint64_t)16 * 1024 * 1024)

#endif
