/*
 * example_util.c - the helpers the examples share (example_util.h):
 * command-line flags, credentials from the environment or the command
 * line, and the real-clock loop with an lx_exchange on it.
 *
 * It does not keep any secret in memory longer than it takes to hand it
 * to lx_creds (the file buffer is wiped), and never prints one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include <lotusx/lx_clock.h>
#include <lotusx/lx_err.h>
#include <lotusx/lx_exchange.h>
#include <lotusx/lx_net.h>
#include <lotusx/lx_secret.h>

#include "example_util.h"

void ex_args_init(struct ex_args *a, int64_t seconds)
{
    memset(a, 0, sizeof(*a));
    a->url = EX_DEFAULT_URL;
    a->venue = "binance-spot";
    a->symbol = "BTCUSDT";
    a->seconds = seconds;
}

bool ex_parse_int(const char *prog, const char *flag, const char *s,
                  int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "%s: %s wants a whole number in %lld..%lld, got '%s'\n",
                prog, flag, (long long)min, (long long)max, s);
        return false;
    }
    *out = v;
    return true;
}

int ex_shared_flag(const char *prog, int argc, char **argv, int *i,
                   struct ex_args *a)
{
    static const char *const names[] = {"--url",    "--ws",  "--venue",
                                        "--symbol", "--key", "--secret-file",
                                        "--seconds"};
    const char *flag = argv[*i], *v;
    size_t k;

    if (flag[0] != '-' && !a->url_given) {
        a->url = flag; /* the URL may also come as the one positional */
        a->url_given = true;
        return 1;
    }
    for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        if (strcmp(flag, names[k]) == 0) {
            break;
        }
    }
    if (k == sizeof(names) / sizeof(names[0])) {
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, flag);
        return -1;
    }
    v = argv[++*i];
    switch (k) {
    case 0:
        a->url = v;
        a->url_given = true;
        break;
    case 1:
        a->ws = v;
        break;
    case 2:
        a->venue = v;
        break;
    case 3:
        a->symbol = v;
        break;
    case 4:
        a->key = v;
        break;
    case 5:
        a->secret_file = v;
        break;
    default:
        return ex_parse_int(prog, flag, v, 1, 86400, &a->seconds) ? 1 : -1;
    }
    return 1;
}

void ex_shared_usage(FILE *f, bool with_creds, const char *seconds)
{
    fprintf(f,
            "  [--url] URL        REST base URL (default " EX_DEFAULT_URL ")\n"
            "  --ws URL           WebSocket origin (default: --url with "
            "ws:// or wss://)\n"
            "  --venue NAME       binance-spot (default) or binance-usdm\n"
            "  --symbol SYMBOL    the venue's symbol (default BTCUSDT)\n"
            "  --seconds N        %s\n",
            seconds);
    if (with_creds) {
        fprintf(f, "  --key KEY          API key (default: "
                   "$LOTUSX_BINANCE_SPOT_API_KEY)\n"
                   "  --secret-file F    file holding the API secret "
                   "(default:\n"
                   "                     $LOTUSX_BINANCE_SPOT_API_SECRET; "
                   "binance-usdm: _USDM_)\n");
    }
}

bool ex_check_args(const char *prog, const struct ex_args *a)
{
    if (strcmp(a->venue, "binance-spot") != 0 &&
        strcmp(a->venue, "binance-usdm") != 0) {
        fprintf(stderr,
                "%s: --venue wants binance-spot or binance-usdm, got "
                "'%s'\n",
                prog, a->venue);
        return false;
    }
    if (strncmp(a->url, "http://", 7) != 0 &&
        strncmp(a->url, "https://", 8) != 0) {
        fprintf(stderr,
                "%s: --url wants http://host:port or https://..., "
                "got '%s'\n",
                prog, a->url);
        return false;
    }
    if (a->ws != NULL && strncmp(a->ws, "ws://", 5) != 0 &&
        strncmp(a->ws, "wss://", 6) != 0) {
        fprintf(stderr,
                "%s: --ws wants ws://host:port or wss://..., got "
                "'%s'\n",
                prog, a->ws);
        return false;
    }
    if (a->symbol[0] == '\0') {
        fprintf(stderr, "%s: --symbol is empty\n", prog);
        return false;
    }
    return true;
}

/* "http://h:p" -> "ws://h:p", "https://..." -> "wss://...". */
static int ws_from_rest(const char *rest, char *out, size_t cap)
{
    const char *scheme = NULL, *rest_of = NULL;

    if (strncmp(rest, "http://", 7) == 0) {
        scheme = "ws://";
        rest_of = rest + 7;
    } else if (strncmp(rest, "https://", 8) == 0) {
        scheme = "wss://";
        rest_of = rest + 8;
    } else {
        return LX_ERR_INVAL;
    }
    if ((size_t)snprintf(out, cap, "%s%s", scheme, rest_of) >= cap) {
        return LX_ERR_TOOBIG;
    }
    return LX_OK;
}

/* Overwrites buf so the secret does not linger on the stack. */
static void wipe(void *buf, size_t n)
{
    volatile unsigned char *p = buf;

    while (n-- > 0) {
        *p++ = 0;
    }
}

/* Reads the secret from path (one line; trailing newline and spaces cut). */
static int load_secret_file(const char *prog, const char *path,
                            struct lx_creds *c)
{
    char buf[LX_SECRET_MAX_LEN + 2];
    size_t n;
    FILE *f = fopen(path, "rb");
    int rc;

    if (f == NULL) {
        fprintf(stderr, "%s: --secret-file %s: %s\n", prog, path,
                strerror(errno));
        return LX_ERR_FILE;
    }
    n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    if (n > LX_SECRET_MAX_LEN) {
        fprintf(stderr, "%s: --secret-file %s: longer than %d bytes\n", prog,
                path, LX_SECRET_MAX_LEN);
        wipe(buf, sizeof(buf));
        return LX_ERR_TOOBIG;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
                     buf[n - 1] == ' ' || buf[n - 1] == '\t')) {
        n--;
    }
    rc = n > 0 ? lx_creds_set(c, LX_CRED_API_SECRET, buf, n) : LX_ERR_INVAL;
    wipe(buf, sizeof(buf));
    if (rc != LX_OK) {
        fprintf(stderr, "%s: --secret-file %s: %s\n", prog, path,
                n == 0 ? "empty" : lx_strerror(rc));
    }
    return rc;
}

/* Environment first; the command line's explicit values win over it. */
static int load_creds(const char *prog, const struct ex_args *a,
                      struct lx_creds **out)
{
    struct lx_creds *c = NULL;
    int rc = lx_creds_new(&c, NULL, a->venue);

    if (rc == LX_OK) {
        rc = lx_creds_load_env(c);
    }
    if (rc == LX_OK && a->key != NULL) {
        rc = a->key[0] != '\0'
                 ? lx_creds_set(c, LX_CRED_API_KEY, a->key, strlen(a->key))
                 : LX_ERR_INVAL;
    }
    if (rc == LX_OK && a->secret_file != NULL) {
        rc = load_secret_file(prog, a->secret_file, c);
        if (rc != LX_OK) {
            lx_creds_free(c);
            return rc;
        }
    }
    if (rc == LX_OK && (!lx_creds_has(c, LX_CRED_API_KEY) ||
                        !lx_creds_has(c, LX_CRED_API_SECRET))) {
        fprintf(stderr,
                "%s: this example trades and needs an API key and secret: "
                "set LOTUSX_%s_API_KEY and _API_SECRET, or pass --key and "
                "--secret-file\n",
                prog,
                strcmp(a->venue, "binance-usdm") == 0 ? "BINANCE_USDM"
                                                      : "BINANCE_SPOT");
        rc = LX_ERR_NOCREDS;
    } else if (rc != LX_OK && rc != LX_ERR_FILE) {
        fprintf(stderr, "%s: credentials: %s\n", prog, lx_strerror(rc));
    }
    if (rc != LX_OK) {
        lx_creds_free(c);
        return rc;
    }
    *out = c;
    return LX_OK;
}

static int make_exchange(const char *prog, const struct ex_args *a,
                         struct ex_env *env)
{
    struct lx_exchange_opts *o = NULL;
    char ws[512];
    int rc = LX_OK;

    if (a->ws == NULL && ws_from_rest(a->url, ws, sizeof(ws)) != LX_OK) {
        fprintf(stderr,
                "%s: --url must be http://host:port or https://...,"
                " got '%s'\n",
                prog, a->url);
        return LX_ERR_INVAL;
    }
    if (lx_exchange_opts_new(&o) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    rc = lx_exchange_opts_set_urls(o, a->url, a->ws != NULL ? a->ws : ws);
    if (rc != LX_OK) {
        fprintf(stderr, "%s: bad URL '%s' / '%s': %s\n", prog, a->url,
                a->ws != NULL ? a->ws : ws, lx_strerror(rc));
    } else {
        lx_exchange_opts_set_creds(o, env->creds); /* borrowed */
        rc = lx_exchange_new(&env->ex, env->net, a->venue, o);
        if (rc != LX_OK) {
            fprintf(stderr, "%s: venue '%s': %s\n", prog, a->venue,
                    rc == LX_ERR_NOTFOUND ? "unknown (binance-spot or "
                                            "binance-usdm)"
                                          : lx_strerror(rc));
        }
    }
    lx_exchange_opts_free(o); /* the exchange keeps no pointer to it */
    return rc;
}

int ex_open(const char *prog, const struct ex_args *a, bool need_creds,
            struct ex_env *env)
{
    int rc;

    memset(env, 0, sizeof(*env));
    env->base = event_base_new();
    if (env->base == NULL) {
        fprintf(stderr, "%s: cannot create the event loop\n", prog);
        return LX_ERR_NOMEM;
    }
    rc = lx_clock_new_real(&env->clock, NULL, env->base);
    if (rc == LX_OK) {
        rc = lx_net_new(&env->net, NULL, env->base, env->clock);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: setup: %s\n", prog, lx_strerror(rc));
    } else {
        /*
         * The net's PRNG makes the client order ids of placements that
         * have none (and WebSocket masks, back-off jitter). Its default
         * seed is fixed, for reproducible simulations; a live process
         * seeds it so two runs never generate the same ids.
         */
        lx_net_set_seed(env->net, (uint64_t)lx_clock_wall_ns(env->clock) ^
                                      ((uint64_t)getpid() << 32));
    }
    if (rc == LX_OK && need_creds) {
        rc = load_creds(prog, a, &env->creds);
    }
    if (rc == LX_OK) {
        rc = make_exchange(prog, a, env);
    }
    if (rc != LX_OK) {
        ex_close(env);
    }
    return rc;
}

static void on_signal(evutil_socket_t sig, short what, void *ud)
{
    struct ex_env *env = ud;

    (void)sig;
    (void)what;
    *env->stop = 1;
    lx_clock_stop_run(env->clock); /* lx_exchange_run checks *done again */
}

int ex_catch_signals(struct ex_env *env, int *stop)
{
    static const int sigs[2] = {SIGINT, SIGTERM};
    int i;

    env->stop = stop;
    for (i = 0; i < 2; i++) {
        env->sig[i] = evsignal_new(env->base, sigs[i], on_signal, env);
        if (env->sig[i] == NULL || event_add(env->sig[i], NULL) != 0) {
            return LX_ERR_INTERNAL;
        }
    }
    return LX_OK;
}

void ex_close(struct ex_env *env)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (env->sig[i] != NULL) {
            event_free(env->sig[i]);
        }
    }
    /* Reverse order of creation: the exchange borrows all the others. */
    lx_exchange_free(env->ex);
    lx_creds_free(env->creds);
    lx_net_free(env->net);
    lx_clock_free(env->clock);
    if (env->base != NULL) {
        event_base_loop(env->base, EVLOOP_NONBLOCK); /* closing sockets */
        event_base_free(env->base);
    }
    memset(env, 0, sizeof(*env));
}

void ex_report(const char *prog, const char *what, const struct lx_ex_result *r)
{
    if (r->venue != NULL) {
        fprintf(stderr, "%s: %s failed: %s (HTTP %d, venue code %lld: %s)\n",
                prog, what, lx_strerror(r->err), r->http_status, r->venue->code,
                r->venue->msg);
    } else {
        fprintf(stderr, "%s: %s failed: %s (%s)\n", prog, what,
                lx_strerror(r->err), r->errmsg);
    }
}

const char *ex_dec(struct lx_decimal d, char *buf, size_t cap)
{
    if (lx_decimal_format(lx_decimal_normalize(d), buf, cap) < 0) {
        return "?";
    }
    return buf;
}
