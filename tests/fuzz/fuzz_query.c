/*
 * fuzz_query.c - lx_query_parse on arbitrary bytes, in both flag modes.
 *
 * A query that parses is encoded and parsed again; the second parse must
 * give exactly the same pairs (keys, value bytes, order), and encoding it
 * once more must give the same bytes (the encoding is a fixed point). The
 * pairs are then sorted and the sort checked for order. Any mismatch
 * aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const struct lx_query *a, const struct lx_query *b)
{
    size_t i, la, lb;

    if (lx_query_count(a) != lx_query_count(b)) {
        abort();
    }
    for (i = 0; i < lx_query_count(a); i++) {
        const char *va = lx_query_value(a, i, &la);
        const char *vb = lx_query_value(b, i, &lb);

        if (strcmp(lx_query_key(a, i), lx_query_key(b, i)) != 0 || la != lb ||
            memcmp(va, vb, la) != 0 || va[la] != '\0') {
            abort();
        }
    }
}

static void check_sorted(struct lx_query *q)
{
    size_t i;

    lx_query_sort(q);
    for (i = 1; i < lx_query_count(q); i++) {
        if (strcmp(lx_query_key(q, i - 1), lx_query_key(q, i)) > 0) {
            abort();
        }
    }
}

static void roundtrip(const struct lx_query *q)
{
    size_t len = lx_query_encoded_len(q);
    char *enc1 = lx__malloc(NULL, len + 1), *enc2 = lx__malloc(NULL, len + 1);
    struct lx_query *p = NULL;

    if (enc1 == NULL || enc2 == NULL) {
        abort();
    }
    if (len > LX_QUERY_MAX_BYTES) {
        /* Encoding can triple the size past the parser's input cap. */
        lx__free(NULL, enc1);
        lx__free(NULL, enc2);
        return;
    }
    if (lx_query_encode(q, enc1, len + 1) != (int)len ||
        lx_query_parse(&p, NULL, enc1, len, 0) != LX_OK) {
        abort();
    }
    check_same(q, p);
    if (lx_query_encode(p, enc2, len + 1) != (int)len ||
        memcmp(enc1, enc2, len) != 0) {
        abort();
    }
    check_sorted(p);
    lx_query_free(p);
    lx__free(NULL, enc1);
    lx__free(NULL, enc2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned modes[] = {0, LX_QUERY_PLUS_SPACE};
    size_t m;

    for (m = 0; m < LX_ARRAY_LEN(modes); m++) {
        struct lx_query *q = NULL;
        int rc = lx_query_parse(&q, NULL, (const char *)data, size, modes[m]);

        if (rc == LX_OK) {
            roundtrip(q);
            lx_query_free(q);
        } else if (q != NULL || (rc != LX_ERR_PARSE && rc != LX_ERR_TOOBIG)) {
            abort();
        }
    }
    return 0;
}
