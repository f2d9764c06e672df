/*
 * fuzz_binance_ws.c - differential: the tree-free fast path of the Binance
 * WebSocket frame parser (codec_ws_fast.c) against its cJSON path.
 *
 * The input is copied into a buffer of exactly its size, so ASan catches a
 * read past len. For both markets: whenever lx__bn_parse_ws_fast accepts
 * the input, lx__bn_parse_ws_slow must accept it too with every field the
 * fast path fills equal (market frames, order and account updates; level,
 * balance and position arrays compared element by element) and the same
 * arena bytes taken; lx__bn_parse_ws must give the slow path's return
 * code. A small arena on every other input exercises the size cap. Any
 * violation aborts. The seeds (fixtures/fuzz/fuzz_binance_ws) hold market
 * frames and the user-data events (user_*.json), bare and in both
 * envelopes.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "venues/binance/binance.h"
#include "venues/binance/codec_int.h"

#include "../unit/bn_msg_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
    do {                                                                       \
        if (!(x)) {                                                            \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void diff(enum lx_bn_market m, const char *b, size_t n,
                 struct lx_arena *fa, struct lx_arena *sa, struct lx_arena *da)
{
    struct lx_bn_msg fm, sm, dm;
    struct lx_bn_err se, de;
    int frc, src, drc;

    frc = lx__bn_parse_ws_fast(m, b, n, fa, &fm);
    src = lx__bn_parse_ws_slow(m, b, n, sa, &sm, &se);
    drc = lx__bn_parse_ws(m, b, n, da, &dm, &de);
    CHECK(frc == LX_OK || frc == LX__BN_FAST_DECLINE);
    CHECK(drc == src);
    if (frc == LX_OK) {
        CHECK(src == LX_OK);
        CHECK(bn_msg_diff(&fm, &sm) == NULL);
        CHECK(bn_msg_diff(&dm, &sm) == NULL);
        CHECK(lx_arena_used(fa) == lx_arena_used(sa));
        CHECK(de.json.code == LX_OK && de.venue.code == 0);
    }
    lx_arena_reset(fa);
    lx_arena_reset(sa);
    lx_arena_reset(da);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lx_arena *a[3] = {NULL, NULL, NULL};
    char *buf = lx__malloc(NULL, size > 0 ? size : 1);
    size_t cap = size % 2 == 0 ? 0 : 512; /* odd sizes: a small arena */
    int i;

    for (i = 0; i < 3 && buf != NULL; i++) {
        if (lx_arena_new(&a[i], NULL, cap) != LX_OK) {
            break;
        }
    }
    if (buf != NULL && i == 3) {
        if (size > 0) {
            memcpy(buf, data, size);
        }
        diff(LX_BN_SPOT, buf, size, a[0], a[1], a[2]);
        diff(LX_BN_USDM, buf, size, a[0], a[1], a[2]);
    }
    for (i = 0; i < 3; i++) {
        lx_arena_free(a[i]);
    }
    lx__free(NULL, buf);
    return 0;
}
