/*
 * main.c - the lotusx-mock command: one front door per venue on loopback,
 * REST and WebSocket on the same port, plus the admin API under
 * LX_MOCK_ADMIN_PREFIX.
 *
 * What is served today (the rest of issue 6 builds on it): Binance spot's
 * connectivity routes (/api/v3/ping, /api/v3/time) with the venue's
 * weights, rate-limit windows and headers, and the admin routes health and
 * reset. Exit codes: 0 after a clean shutdown (SIGINT/SIGTERM), 1 when the
 * server cannot start (busy port, ...), 2 on bad usage.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "mock/feed/synth.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"

/* The test account printed at start-up (a mock's keys guard nothing). */
#define TEST_API_KEY                                                           \
    "lotusxTestKey0000000000000000000000000000000000000000000000000"
#define TEST_SECRET                                                            \
    "lotusxTestSecret00000000000000000000000000000000000000000000000"

struct mock_main {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_synth *synth;
    struct lx_secret *secret, *mm_secret;
    struct event *sigint, *sigterm;
    uint64_t seed;
    int no_market;
    const char *addr;
    uint16_t port;
    int quiet;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lotusx-mock [--listen ADDR] [--port N] [--quiet]\n"
               "\n"
               "Serves a simulated Binance spot on ADDR:N (default "
               "127.0.0.1, port 0 =\n"
               "any free port; the URL is printed). REST and WebSocket share "
               "the port;\n"
               "the admin API is under " LX_MOCK_ADMIN_PREFIX
               " (loopback peers only).\n"
               "Stops cleanly on SIGINT or SIGTERM.\n"
               "\n"
               "  --listen ADDR  IPv4 or IPv6 literal to listen on\n"
               "  --port N       TCP port, 0..65535\n"
               "  --seed N       seed of the synthetic market (default 1)\n"
               "  --no-market    no synthetic market maker or trades\n"
               "  --quiet        print only the URL line\n");
}

static int parse_args(struct mock_main *m, int argc, char **argv)
{
    int i;
    int64_t n;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            m->quiet = 1;
        } else if (strcmp(argv[i], "--no-market") == 0) {
            m->no_market = 1;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            i++;
            if (lx__parse_i64(argv[i], strlen(argv[i]), &n) != LX_OK || n < 0) {
                fprintf(stderr,
                        "lotusx-mock: --seed wants a number >= 0, got '%s'\n",
                        argv[i]);
                return 2;
            }
            m->seed = (uint64_t)n;
        } else if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
            m->addr = argv[++i];
        } else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            i++;
            if (lx__parse_i64(argv[i], strlen(argv[i]), &n) != LX_OK || n < 0 ||
                n > 65535) {
                fprintf(stderr,
                        "lotusx-mock: --port wants 0..65535, got '%s'\n",
                        argv[i]);
                return 2;
            }
            m->port = (uint16_t)n;
        } else {
            fprintf(stderr, "lotusx-mock: unexpected argument '%s'\n\n",
                    argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

/* ---- routes -------------------------------------------------------------- */

static void admin_health(struct lx_mock_call *c, void *ud)
{
    char json[128];
    int n = lx__snprintf(json, sizeof(json),
                         "{\"status\":\"ok\",\"venue\":\"binance\","
                         "\"time\":%lld}",
                         (long long)lx_mock_call_now_ms(c));

    LX_UNUSED(ud);
    lx_mock_respond_json(c, 200, json, (size_t)n);
}

static void admin_reset(struct lx_mock_call *c, void *ud)
{
    struct mock_main *m = ud;

    lx_mock_door_reset_limits(m->door);
    lx_mock_respond_json(c, 200, "{\"reset\":true}", 14);
}

static int add_routes(struct mock_main *m)
{
    int rc = lx_mock_door_route(m->door, "GET", LX_MOCK_ADMIN_PREFIX "health",
                                0, LX_MOCK_ROUTE_ADMIN, admin_health, m);

    if (rc == LX_OK) {
        rc = lx_mock_door_route(m->door, "POST", LX_MOCK_ADMIN_PREFIX "reset",
                                0, LX_MOCK_ROUTE_ADMIN, admin_reset, m);
    }
    return rc;
}

static int setup_venue(struct mock_main *m);

/* ---- the embedded default market ----------------------------------------- */

static const struct lx_mock_bn_symbol_cfg default_symbols[] = {
    {"BTCUSDT", "BTC", "USDT", "0.01", "0.00001", "0.00001", "9000", "0.01",
     "1000000", "5"},
    {"ETHUSDT", "ETH", "USDT", "0.01", "0.0001", "0.0001", "100000", "0.01",
     "1000000", "5"},
};

static const struct lx_mock_synth_symbol default_synth[] = {
    {"BTCUSDT", "60000.00", "0.05000", 10, 50},
    {"ETHUSDT", "3000.00", "0.5000", 10, 20},
};

static int setup_venue(struct mock_main *m)
{
    static const char *const test_bal[] = {"USDT", "100000", "BTC", "1",
                                           "ETH",  "10",     NULL};
    static const char *const mm_bal[] = {"USDT", "100000000", "BTC", "10000",
                                         "ETH",  "100000",    NULL};
    struct lx_mock_bn_account_cfg acct;
    uint32_t maker, taker;
    uint8_t mm_key[32];
    struct lx_rng rng;
    const char *why = "";
    size_t i;
    int rc;

    rc = lx_mock_bn_spot_new(&m->spot, m->clock, m->door, m->hub, &why);
    for (i = 0; rc == LX_OK && i < LX_ARRAY_LEN(default_symbols); i++) {
        rc = lx_mock_bn_spot_add_symbol(m->spot, &default_symbols[i], &why);
    }
    if (rc == LX_OK) {
        rc = lx_secret_new(&m->secret, NULL, TEST_SECRET,
                           sizeof(TEST_SECRET) - 1);
    }
    if (rc == LX_OK) {
        memset(&acct, 0, sizeof(acct));
        acct.api_key = TEST_API_KEY;
        acct.secret = m->secret;
        acct.maker_fee = "0.001";
        acct.taker_fee = "0.001";
        acct.balances = test_bal;
        rc = lx_mock_bn_spot_add_account(m->spot, &acct, NULL, &why);
    }
    /* The market maker's and taker's keys are random and never shown. */
    lx_rng_seed(&rng, m->seed ^ UINT64_C(0x6d6d6b6579));
    lx_rng_fill(&rng, mm_key, sizeof(mm_key));
    if (rc == LX_OK) {
        rc = lx_secret_new(&m->mm_secret, NULL, mm_key, sizeof(mm_key));
    }
    if (rc == LX_OK) {
        acct.api_key = "lotusx-internal-maker";
        acct.secret = m->mm_secret;
        acct.maker_fee = "0";
        acct.taker_fee = "0";
        acct.balances = mm_bal;
        rc = lx_mock_bn_spot_add_account(m->spot, &acct, &maker, &why);
    }
    if (rc == LX_OK) {
        acct.api_key = "lotusx-internal-taker";
        rc = lx_mock_bn_spot_add_account(m->spot, &acct, &taker, &why);
    }
    if (rc == LX_OK && !m->no_market) {
        rc = lx_mock_synth_new(&m->synth, m->clock, m->spot, maker, taker,
                               m->seed, 1000000000);
        for (i = 0; rc == LX_OK && i < LX_ARRAY_LEN(default_synth); i++) {
            rc = lx_mock_synth_add(m->synth, &default_synth[i]);
        }
        if (rc == LX_OK) {
            rc = lx_mock_synth_start(m->synth);
        }
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: market setup: %s%s%s\n", lx_strerror(rc),
                why[0] != '\0' ? ": " : "", why);
    }
    return rc;
}

/* ---- life ---------------------------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *ud)
{
    struct mock_main *m = ud;

    LX_UNUSED(what);
    if (!m->quiet) {
        fprintf(stderr, "lotusx-mock: %s, shutting down\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
    event_base_loopexit(m->base, NULL);
}

static int start(struct mock_main *m)
{
    int rc;

    rc = lx_clock_new_real(&m->clock, NULL, m->base);
    if (rc == LX_OK) {
        rc = lx_net_new(&m->net, NULL, m->base, m->clock);
    }
    if (rc == LX_OK) {
        rc = lx_mock_door_new(&m->door, m->net, m->clock, "binance",
                              &lx_mock_bn_dialect, &lx_mock_bn_spot_limits);
    }
    if (rc == LX_OK) {
        rc = add_routes(m);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_hub_new(&m->hub, m->net, m->clock, NULL);
    }
    if (rc == LX_OK) {
        lx_mock_door_set_upgrade(m->door, lx_mock_bn_hub_upgrade, m->hub);
        rc = setup_venue(m);
    }
    if (rc == LX_OK) {
        rc = lx_http_server_new(&m->srv, m->net, lx_mock_door_handle, m->door);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: cannot start: %s\n", lx_strerror(rc));
        return rc;
    }
    rc = lx_http_server_listen(m->srv, m->addr, m->port, NULL);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx-mock: cannot listen on %s port %u: %s\n",
                m->addr, (unsigned)m->port,
                rc == LX_ERR_INVAL ? "not an IPv4 or IPv6 address"
                                   : "address in use or not available");
        return rc;
    }
    m->sigint = evsignal_new(m->base, SIGINT, on_signal, m);
    m->sigterm = evsignal_new(m->base, SIGTERM, on_signal, m);
    if (m->sigint == NULL || m->sigterm == NULL ||
        event_add(m->sigint, NULL) != 0 || event_add(m->sigterm, NULL) != 0) {
        fprintf(stderr, "lotusx-mock: cannot install signal handlers\n");
        return LX_ERR_INTERNAL;
    }
    return LX_OK;
}

static void stop(struct mock_main *m)
{
    if (m->sigint != NULL) {
        event_free(m->sigint);
    }
    if (m->sigterm != NULL) {
        event_free(m->sigterm);
    }
    lx_http_server_free(m->srv);
    lx_mock_synth_free(m->synth);
    lx_mock_bn_spot_free(m->spot);
    lx_mock_bn_hub_free(m->hub);
    lx_mock_door_free(m->door);
    lx_secret_free(m->secret);
    lx_secret_free(m->mm_secret);
    lx_net_free(m->net);
    lx_clock_free(m->clock);
    if (m->base != NULL) {
        event_base_loop(m->base, EVLOOP_NONBLOCK);
        event_base_free(m->base);
    }
}

int main(int argc, char **argv)
{
    struct mock_main m;
    char host[80];
    int rc, v6;

    memset(&m, 0, sizeof(m));
    m.addr = "127.0.0.1";
    m.seed = 1;
    rc = parse_args(&m, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    m.base = event_base_new();
    if (m.base == NULL || start(&m) != LX_OK) {
        stop(&m);
        return 1;
    }
    v6 = strchr(m.addr, ':') != NULL;
    lx__snprintf(host, sizeof(host), "%s%s%s:%u", v6 ? "[" : "", m.addr,
                 v6 ? "]" : "", (unsigned)lx_http_server_port(m.srv));
    printf("binance http://%s\n", host);
    if (!m.quiet) {
        printf("streams ws://%s/ws (and /stream?streams=...)\n", host);
        printf("admin   http://%s" LX_MOCK_ADMIN_PREFIX "health\n", host);
        printf("api key %s\nsecret  %s\n", TEST_API_KEY, TEST_SECRET);
        printf("symbols BTCUSDT ETHUSDT%s\n",
               m.no_market ? " (no synthetic market)" : "");
    }
    fflush(stdout);
    event_base_dispatch(m.base);
    stop(&m);
    return 0;
}
