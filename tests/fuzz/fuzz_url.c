/*
 * fuzz_url.c - lx_url_parse and lx_url_parse_target on arbitrary bytes.
 *
 * Beyond "no crash, no leak", it checks consistency: a URL that parses is
 * rebuilt from its parts (scheme, Host header, request-target) and must
 * parse again to the very same parts, and its request-target must parse as
 * an origin-form target with the same path and query. Any mismatch aborts,
 * which the fuzzer (or the replay driver) reports as a failure.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lx_internal.h"
#include "lotusx/lx_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

static void check_same(const struct lx_url *a, const struct lx_url *b)
{
    if (!same_str(lx_url_scheme(a), lx_url_scheme(b)) ||
        !same_str(lx_url_host(a), lx_url_host(b)) ||
        lx_url_port(a) != lx_url_port(b) ||
        !same_str(lx_url_path(a), lx_url_path(b)) ||
        !same_str(lx_url_query(a), lx_url_query(b)) ||
        lx_url_is_tls(a) != lx_url_is_tls(b) ||
        lx_url_is_ws(a) != lx_url_is_ws(b)) {
        abort();
    }
}

/* The request-target alone, as a server receives it. */
static void check_target(const struct lx_url *u, const char *target, int n)
{
    struct lx_url *t = NULL;

    if (lx_url_parse_target(&t, NULL, target, (size_t)n) != LX_OK) {
        abort();
    }
    if (!same_str(lx_url_path(t), lx_url_path(u)) ||
        !same_str(lx_url_query(t), lx_url_query(u)) ||
        lx_url_host(t)[0] != '\0') {
        abort();
    }
    lx_url_free(t);
}

static void check_rebuild(const struct lx_url *u)
{
    static char host[512], target[LX_URL_MAX_LEN + 2], url[2 * LX_URL_MAX_LEN];
    struct lx_url *v = NULL;
    int hn, tn, n;

    hn = lx_url_host_header(u, host, sizeof(host));
    tn = lx_url_request_target(u, target, sizeof(target));
    if (hn <= 0 || tn <= 0 || target[0] != '/') {
        abort();
    }
    check_target(u, target, tn);
    n = lx__snprintf(url, sizeof(url), "%s://%s%s", lx_url_scheme(u), host,
                     target);
    if (n < 0) {
        abort();
    }
    /* The rebuilt URL may exceed the cap only if the input did too. */
    if (lx_url_parse(&v, NULL, url, (size_t)n) != LX_OK) {
        if ((size_t)n <= LX_URL_MAX_LEN) {
            abort();
        }
        return;
    }
    check_same(u, v);
    lx_url_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lx_url *u = NULL;
    const char *s = (const char *)data;

    if (lx_url_parse(&u, NULL, s, size) == LX_OK) {
        check_rebuild(u);
        lx_url_free(u);
    } else if (u != NULL) {
        abort();
    }
    if (lx_url_parse_target(&u, NULL, s, size) == LX_OK) {
        char target[LX_URL_MAX_LEN + 2];
        int tn = lx_url_request_target(u, target, sizeof(target));

        if (tn <= 0) {
            abort();
        }
        check_target(u, target, tn);
        lx_url_free(u);
    }
    return 0;
}
