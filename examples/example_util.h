/*
 * example_util.h - what the three examples share: the command-line
 * helpers (numbers, the venue URL and the WebSocket URL derived from it),
 * the credentials (environment, --key, --secret-file), and the setup of a
 * real-clock event loop with an lx_exchange on it.
 *
 * Everything here uses the public headers only, as a program linked
 * against the installed liblotusx would. It is example code: it prints
 * to stderr and returns an error; it does not retry anything itself.
 */
#ifndef LOTUSX_EXAMPLE_UTIL_H
#define LOTUSX_EXAMPLE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <lotusx/lx_exchange.h>

struct event;
struct event_base;
struct lx_clock;
struct lx_net;
struct lx_creds;

/* What every example takes on its command line. */
struct ex_args {
    const char *url;         /* --url: REST base, http(s)://host:port */
    const char *ws;          /* --ws: WebSocket origin (default: from url) */
    const char *venue;       /* --venue: "binance-spot" or "binance-usdm" */
    const char *symbol;      /* --symbol */
    const char *key;         /* --key: API key (else from the environment) */
    const char *secret_file; /* --secret-file: a file holding the secret */
    int64_t seconds;         /* --seconds */
    bool url_given;          /* --url or the positional URL seen */
};

/* An example's loop and exchange, built by ex_open, freed by ex_close. */
struct ex_env {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_creds *creds;
    struct lx_exchange *ex;
    struct event *sig[2]; /* SIGINT, SIGTERM */
    int *stop;            /* set to 1 by either */
};

/* The default of --url: lotusx-mock on its usual loopback address. */
#define EX_DEFAULT_URL "http://127.0.0.1:8080"

/* The defaults: EX_DEFAULT_URL, binance-spot, BTCUSDT, seconds. */
void ex_args_init(struct ex_args *a, int64_t seconds);

/*
 * Parses a whole number in [min, max]; false (after a message naming
 * flag) when s is not one.
 */
bool ex_parse_int(const char *prog, const char *flag, const char *s,
                  int64_t min, int64_t max, int64_t *out);

/*
 * Takes one of the shared flags at argv[*i] (advancing *i past its
 * value). Returns 1 when it was one, 0 when it is not a shared flag, -1
 * on a bad or missing value (a message was printed).
 */
int ex_shared_flag(const char *prog, int argc, char **argv, int *i,
                   struct ex_args *a);

/* The help text of the shared flags; seconds says what --seconds does. */
void ex_shared_usage(FILE *f, bool with_creds, const char *seconds);

/* Checks the shared flags' values (venue, URL schemes); false: printed. */
bool ex_check_args(const char *prog, const struct ex_args *a);

/*
 * Sets up: a real clock on a new event_base, an lx_net, credentials when
 * need_creds (the environment LOTUSX_<VENUE>_API_KEY / _API_SECRET, then
 * --key and --secret-file, which win), and the exchange on a->url.
 * Returns LX_OK or an error (printed, and env is then closed).
 */
int ex_open(const char *prog, const struct ex_args *a, bool need_creds,
            struct ex_env *env);
void ex_close(struct ex_env *env);

/*
 * SIGINT and SIGTERM set *stop to 1 and make the lx_exchange_run in
 * progress return, so the example can clean up (cancel its orders).
 */
int ex_catch_signals(struct ex_env *env, int *stop);

/* Prints "prog: what: <error> [venue code and message]" to stderr. */
void ex_report(const char *prog, const char *what,
               const struct lx_ex_result *r);

/* A decimal as text into buf (cap >= LX_DECIMAL_STRLEN); "?" on error. */
const char *ex_dec(struct lx_decimal d, char *buf, size_t cap);

#endif
