/*
 * fuzz_ws_frames.c - fuzzes the WebSocket session (ws_codec.c) with raw
 * bytes from a peer, in the server role and then in the client role.
 *
 * Input: byte 0 is a control byte, the rest is what the peer sends.
 *   bits 0-6  where the input is split into two feeds (scaled to its size)
 *   bit 7     small limits: a 1 KiB message cap, and this end starts a
 *             close handshake between the two feeds
 * Every complete message is echoed back, so the send path runs too, and
 * all output is flushed into a scratch buffer.
 *
 * Checks, beyond "no crash, no leak": feed returns only LX_OK,
 * LX_ERR_PROTO or LX_ERR_TOOBIG; text messages are valid UTF-8 and no
 * message exceeds the cap; close codes and reasons are well formed; and a
 * session that stopped reading has finished its close handshake once
 * flushed.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "core/lx_internal.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_ws.h"
#include "net/ws_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
    struct lx__ws *ws;
    uint64_t max;
};

#define FUZZ_CHECK(x)                                                          \
    do {                                                                       \
        if (!(x)) {                                                            \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void on_message(void *ud, int opcode, const uint8_t *p, size_t len)
{
    struct fuzz_state *st = ud;

    FUZZ_CHECK(p != NULL && len <= st->max);
    if (opcode == LX_WS_TEXT) {
        FUZZ_CHECK(lx__utf8_valid(p, len));
        (void)lx__ws_send_text(st->ws, p, len);
    } else {
        FUZZ_CHECK(opcode == LX_WS_BINARY);
        (void)lx__ws_send_fragmented(st->ws, opcode, p, len, 7);
    }
}

static void on_control(void *ud, const uint8_t *p, size_t len)
{
    (void)ud;
    FUZZ_CHECK(p != NULL && len <= LX_WS_MAX_CONTROL_PAYLOAD);
}

static void on_close(void *ud, uint16_t code, const char *reason, size_t len)
{
    (void)ud;
    FUZZ_CHECK(code >= 1000 && code <= 4999 && code != 1006);
    FUZZ_CHECK(len <= LX_WS_MAX_CLOSE_REASON && reason[len] == '\0');
    FUZZ_CHECK(lx__utf8_valid((const uint8_t *)reason, len));
}

static int feed_and_flush(struct fuzz_state *st, struct evbuffer *out,
                          const uint8_t *p, size_t n)
{
    int rc = lx__ws_feed(st->ws, p, n);

    FUZZ_CHECK(rc == LX_OK || rc == LX_ERR_PROTO || rc == LX_ERR_TOOBIG);
    FUZZ_CHECK(lx__ws_flush(st->ws, out) == LX_OK);
    if (!lx__ws_want_read(st->ws)) {
        FUZZ_CHECK(lx__ws_is_closed(st->ws));
        FUZZ_CHECK(lx__ws_close_code(st->ws) != 0);
    }
    /* Keep the scratch buffer small; its content is not checked. */
    evbuffer_drain(out, evbuffer_get_length(out));
    return rc;
}

static void run(int role, uint8_t ctl, const uint8_t *p, size_t n)
{
    static const struct lx__ws_cbs cbs = {on_message, on_control, on_control,
                                          on_close};
    struct lx__ws_opts opts = {0};
    struct fuzz_state st;
    struct lx_rng rng;
    struct evbuffer *out = evbuffer_new();
    size_t split = n * (ctl & 0x7F) / 127;

    FUZZ_CHECK(out != NULL);
    opts.max_message = (ctl & 0x80) ? 1024 : 1024 * 1024;
    st.max = opts.max_message;
    lx_rng_seed(&rng, 0x66757A7AULL);
    FUZZ_CHECK(lx__ws_new(&st.ws, NULL, role, &opts, &cbs, &st, &rng) == LX_OK);
    feed_and_flush(&st, out, p, split);
    if (ctl & 0x80) {
        (void)lx__ws_send_close(st.ws, LX_WS_CLOSE_GOING_AWAY, "fuzz");
    }
    feed_and_flush(&st, out, p + split, n - split);
    lx__ws_free(st.ws);
    evbuffer_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    run(LX__WS_SERVER, data[0], data + 1, size - 1);
    run(LX__WS_CLIENT, data[0], data + 1, size - 1);
    return 0;
}
