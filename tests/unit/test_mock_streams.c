/*
 * test_mock_streams.c - the Binance mock's stream hub driven by the real
 * WebSocket client over an in-memory pair on a virtual clock: stream URLs,
 * live subscription control with the venue's answers and errors, raw and
 * combined fan-out, server pings, the message-rate limit and the
 * connection lifetime.
 */
#include <string.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/streams.h"
#include "lx_test.h"

#define SEC    ((int64_t)1000000000)
#define MAXMSG 16

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_ws *ws;
    int opened, closed, close_code, close_err, pings;
    int nmsg;
    char msg[MAXMSG][512];
};

static int setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_hub_opts o = lx_mock_bn_hub_spot;

    o.max_age_ns = 3600 * SEC;
    f->base = event_base_new();
    assert_int_equal(
        lx_clock_new_virtual(&f->clock, NULL, f->base, 1700000000 * SEC),
        LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binance",
                                      &lx_mock_bn_dialect, NULL),
                     LX_OK);
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, &o), LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_ws_free(f->ws);
    lx_mock_bn_hub_free(f->hub);
    lx_http_server_free(f->srv);
    lx_mock_door_free(f->door);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

static void on_open(struct lx_ws *ws, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    f->opened++;
}

static void on_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)opcode;
    assert_true(f->nmsg < MAXMSG);
    lx__snprintf(f->msg[f->nmsg++], sizeof(f->msg[0]), "%.*s", (int)len,
                 (const char *)data);
}

static void on_ping(struct lx_ws *ws, const uint8_t *data, size_t len, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)data;
    (void)len;
    f->pings++;
}

static void on_close(struct lx_ws *ws, int err, int code, const char *reason,
                     void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)reason;
    f->closed++;
    f->close_code = code;
    f->close_err = err;
}

/* Runs every event due now (the in-memory pair needs no time to pass). */
static void settle(struct fx *f)
{
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
}

static void connect_to(struct fx *f, const char *path)
{
    static const struct lx_ws_cbs cbs = {on_open, on_message, on_ping, NULL,
                                         on_close};
    char url[256];

    lx__snprintf(url, sizeof(url), "ws://stream.binance.com:9443%s", path);
    assert_int_equal(lx_ws_connect(&f->ws, f->net, url, NULL, &cbs, f), LX_OK);
    settle(f);
}

static void say(struct fx *f, const char *text)
{
    assert_int_equal(lx_ws_send_text(f->ws, text, strlen(text)), LX_OK);
    settle(f);
}

static void test_subscribe_publish_list(void **state)
{
    struct fx *f = *state;

    connect_to(f, "/ws/0"); /* CCXT's connection index, no stream */
    assert_int_equal(f->opened, 1);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 1);
    say(f, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\","
           "\"btcusdt@depth@100ms\"],\"id\":1}");
    assert_int_equal(f->nmsg, 1);
    assert_string_equal(f->msg[0], "{\"result\":null,\"id\":1}");
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, "btcusdt@trade"), 1);
    assert_int_equal(lx_mock_bn_hub_publish(f->hub, "btcusdt@trade",
                                            "{\"e\":\"trade\"}", 13),
                     1);
    assert_int_equal(lx_mock_bn_hub_publish(f->hub, "ethusdt@trade", "{}", 2),
                     0);
    settle(f);
    assert_int_equal(f->nmsg, 2);
    assert_string_equal(f->msg[1], "{\"e\":\"trade\"}"); /* raw: unwrapped */
    say(f, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}");
    assert_string_equal(
        f->msg[2],
        "{\"result\":[\"btcusdt@trade\",\"btcusdt@depth@100ms\"],\"id\":3}");
    say(f, "{\"method\":\"UNSUBSCRIBE\",\"params\":[\"btcusdt@trade\"],"
           "\"id\":312}");
    assert_string_equal(f->msg[3], "{\"result\":null,\"id\":312}");
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, "btcusdt@trade"), 0);
    assert_int_equal(lx_mock_bn_hub_publish(f->hub, "btcusdt@trade", "{}", 2),
                     0);
}

static void test_combined_url_and_property(void **state)
{
    struct fx *f = *state;

    connect_to(f, "/stream?streams=BTCUSDT@aggTrade/ethusdt@bookTicker");
    /* An upper-case symbol is not a stream: the venue's are lower case. */
    assert_int_equal(f->closed, 1);
    lx_ws_free(f->ws);
    f->ws = NULL;
    f->closed = 0;
    /* Event names are camelCase, as the venue spells them. */
    connect_to(f, "/stream?streams=btcusdt@aggTrade/ethusdt@bookTicker");
    assert_int_equal(f->opened, 1);
    assert_int_equal(
        lx_mock_bn_hub_publish(f->hub, "ethusdt@bookTicker", "{\"u\":1}", 7),
        1);
    settle(f);
    assert_string_equal(
        f->msg[0], "{\"stream\":\"ethusdt@bookTicker\",\"data\":{\"u\":1}}");
    say(f, "{\"method\":\"GET_PROPERTY\",\"params\":[\"combined\"],\"id\":2}");
    assert_string_equal(f->msg[1], "{\"result\":true,\"id\":2}");
    say(f, "{\"method\":\"SET_PROPERTY\",\"params\":[\"combined\",false],"
           "\"id\":5}");
    assert_string_equal(f->msg[2], "{\"result\":null,\"id\":5}");
    assert_int_equal(
        lx_mock_bn_hub_publish(f->hub, "btcusdt@aggTrade", "{\"a\":9}", 7), 1);
    settle(f);
    assert_string_equal(f->msg[3], "{\"a\":9}");
}

static void test_control_errors(void **state)
{
    struct fx *f = *state;

    connect_to(f, "/ws");
    say(f, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"]}");
    assert_string_equal(f->msg[0],
                        "{\"code\":2,\"msg\":\"Invalid request: request ID "
                        "must be an unsigned integer\"}");
    say(f, "{\"method\":\"SUBSCRIBE\",\"params\":[],\"id\":-1}");
    assert_string_equal(f->msg[1],
                        "{\"code\":2,\"msg\":\"Invalid request: request ID "
                        "must be an unsigned integer\"}");
    say(f, "{\"method\":\"SUBSCRIPTION\",\"params\":[],\"id\":1}");
    assert_string_equal(
        f->msg[2], "{\"code\":2,\"msg\":\"Invalid request: unknown "
                   "variant `SUBSCRIPTION`, expected one of `SUBSCRIBE`, "
                   "`UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, "
                   "`SET_PROPERTY`, `GET_PROPERTY` at line 1 column 25\"}");
    say(f, "{\"params\":[],\"id\":1}");
    assert_string_equal(f->msg[3],
                        "{\"code\":2,\"msg\":\"Invalid request: missing field "
                        "`method` at line 1 column 21\"}");
    say(f, "{\"method\":");
    assert_string_equal(f->msg[4],
                        "{\"code\":3,\"msg\":\"Invalid JSON: expected value at "
                        "line 1 column 10\"}");
    settle(f);
    /* 5 messages in this second so far: the 6th breaks the limit. */
    assert_int_equal(f->closed, 0);
    assert_int_equal(lx_clock_advance(f->clock, SEC), LX_OK);
    say(f, "{\"method\":\"GET_PROPERTY\",\"params\":[\"bogus\"],\"id\":7}");
    assert_string_equal(f->msg[5],
                        "{\"code\":0,\"msg\":\"Unknown property\",\"id\":7}");
    say(f, "{\"method\":\"SET_PROPERTY\",\"params\":[\"combined\",1],"
           "\"id\":8}");
    assert_string_equal(f->msg[6], "{\"code\":1,\"msg\":\"Invalid value type: "
                                   "expected Boolean\"}");
}

static void test_rate_limit_disconnects(void **state)
{
    struct fx *f = *state;
    int i;

    connect_to(f, "/ws");
    for (i = 0; i < 6 && f->closed == 0; i++) {
        say(f, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":1}");
    }
    assert_int_equal(f->nmsg, 5);
    assert_int_equal(f->closed, 1);
    assert_int_equal(f->close_code, 1008);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);
}

static void test_pings_and_lifetime(void **state)
{
    struct fx *f = *state;

    connect_to(f, "/ws/btcusdt@trade");
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, "btcusdt@trade"), 1);
    /* One minute of virtual time: three server pings, 20 s apart. */
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 60 * SEC + SEC / 2),
        LX_OK);
    assert_int_equal(f->pings, 3);
    assert_int_equal(f->closed, 0);
    /* The lifetime (one hour in this test) ends the connection. */
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 3600 * SEC), LX_OK);
    assert_int_equal(f->closed, 1);
    assert_int_equal(f->close_code, 1001);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);
}

static void test_bad_paths(void **state)
{
    struct fx *f = *state;

    connect_to(f, "/nope");
    assert_int_equal(f->opened, 0);
    assert_int_equal(f->closed, 1);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_subscribe_publish_list, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_combined_url_and_property, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_control_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rate_limit_disconnects, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pings_and_lifetime, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_paths, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
