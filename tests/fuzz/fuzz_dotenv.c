/*
 * fuzz_dotenv.c - lx__dotenv_parse on arbitrary bytes.
 *
 * Beyond "no crash", it checks the parser's contract: every reported pair
 * has a valid key and a value within bounds and free of NUL bytes, callback
 * lines rise strictly, an error names a line that exists (1 <= line <=
 * number of lines) with a static reason that is not a pointer into the
 * input, and a second parse of the same bytes gives the same answer. Any
 * violation aborts, which the fuzzer (or the replay driver) reports.
 */
#include <stdlib.h>
#include <string.h>

#include "core/dotenv.h"
#include "core/lx_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    unsigned last_line;
    unsigned pairs;
    uint64_t hash; /* of keys and values, to compare two runs */
};

static int key_ok(const char *k, size_t n)
{
    size_t i;

    if (n == 0 || !((k[0] >= 'A' && k[0] <= 'Z') ||
                    (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_')) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        char c = k[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_')) {
            return 0;
        }
    }
    return 1;
}

static uint64_t mix(uint64_t h, const char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    }
    return (h ^ n) * 1099511628211ULL;
}

static int on_pair(unsigned line, const char *key, size_t keylen,
                   const char *val, size_t vallen, void *ud)
{
    struct seen *s = ud;

    if (line <= s->last_line || !key_ok(key, keylen) ||
        (vallen > 0 && memchr(val, '\0', vallen) != NULL)) {
        abort();
    }
    s->last_line = line;
    s->pairs++;
    s->hash = mix(mix(s->hash, key, keylen), val, vallen);
    return 0;
}

static unsigned count_lines(const char *p, size_t n)
{
    unsigned lines = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        lines += p[i] == '\n';
    }
    return lines + (n > 0 && p[n - 1] != '\n');
}

static void check_error(int rc, unsigned line, const char *reason,
                        const char *p, size_t n)
{
    if (rc == LX_OK) {
        if (line != 0 || reason != NULL) {
            abort();
        }
        return;
    }
    if (rc != LX_ERR_PARSE || reason == NULL || reason[0] == '\0' ||
        line == 0 || line > count_lines(p, n)) {
        abort();
    }
    if (reason >= p && reason < p + n) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen a = {0, 0, 0}, b = {0, 0, 0};
    const char *reason = NULL, *reason2 = NULL;
    unsigned line = 0, line2 = 0;
    char *copy;
    int rc, rc2;

    /* A private copy without slack, so ASan sees any read past the end. */
    copy = lx__malloc(NULL, size);
    if (copy == NULL) {
        return 0;
    }
    if (size > 0) {
        memcpy(copy, data, size);
    }
    rc = lx__dotenv_parse(copy, size, on_pair, &a, &line, &reason);
    check_error(rc, line, reason, copy, size);
    rc2 = lx__dotenv_parse(copy, size, on_pair, &b, &line2, &reason2);
    if (rc2 != rc || line2 != line || reason2 != reason || b.pairs != a.pairs ||
        b.hash != a.hash || (size > 0 && memcmp(copy, data, size) != 0)) {
        abort();
    }
    lx__free(NULL, copy);
    return 0;
}
