/*
 * test_http_server_io.c - the HTTP server's direct I/O on plain TCP (one
 * recv per readable event, one writev per connection per loop round, the
 * bufferevent's write event only for what the socket did not take), lent
 * response bodies (lx__http_req_respond_lent), the idle timer that is not
 * moved on every request, and the codec pieces they rest on
 * (lx__http_msg_write_body, messages growing out of their inline room).
 *
 * The client is a thread with blocking sockets on 127.0.0.1; the server's
 * loop runs in the test's thread, stopped once the client is done (and by
 * a guard timer if it never is).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lx_test.h"
#include "net/http_codec.h"
#include "net/http_server.h"

#define MS ((int64_t)1000000)

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_timer *held_timer;
    struct event *poll;
    struct lx_http_req *held;
    uint16_t port;
    char lent[64];
    char *big;
    size_t big_len;
    int ntap_out;
    int tap_bad;
    volatile int done;
    int (*client)(struct fx *f); /* 0 = passed */
    int client_rc;
};

static const char fast_body[] = "fast-body-original";
#define FAST_LEN (sizeof(fast_body) - 1)

static void held_fire(struct lx_timer *t, void *ud)
{
    struct fx *f = ud;

    (void)t;
    if (f->held != NULL) {
        lx_http_req_respond_body(f->held, 200, NULL, "text/plain", "slow", 4);
        f->held = NULL;
    }
}

/* /slow: answered 50 ms later; /big: a lent body of big_len; else a lent
 * body whose buffer is overwritten as soon as the call returns. */
static void handler(struct lx_http_req *req, void *ud)
{
    struct fx *f = ud;
    const char *t = lx_http_msg_target(lx_http_req_msg(req));
    struct lx_http_msg *m;

    if (strcmp(t, "/slow") == 0) {
        f->held = req;
        lx_timer_start(f->held_timer, 50 * MS, 0);
        return;
    }
    assert_int_equal(lx_http_msg_new_response(&m, NULL, 200, NULL), LX_OK);
    assert_int_equal(lx_http_msg_add_header(m, "Content-Type", "text/plain"),
                     LX_OK);
    if (strcmp(t, "/big") == 0) {
        assert_int_equal(lx__http_req_respond_lent(req, m, f->big, f->big_len),
                         LX_OK);
        return;
    }
    memcpy(f->lent, fast_body, FAST_LEN);
    assert_int_equal(lx__http_req_respond_lent(req, m, f->lent, FAST_LEN),
                     LX_OK);
    memset(f->lent, 'X', sizeof(f->lent));
}

static void tap_cb(void *ud, const struct lx_tap_event *ev)
{
    struct fx *f = ud;
    size_t n;
    const char *b;

    if (ev->kind != LX_TAP_HTTP || ev->side != LX_TAP_SERVER ||
        ev->dir != LX_TAP_OUT) {
        return;
    }
    f->ntap_out++;
    b = lx_http_msg_body(ev->http, &n);
    if (n == FAST_LEN &&
        (memcmp(b, fast_body, FAST_LEN) != 0 || b[FAST_LEN] != '\0')) {
        f->tap_bad++;
    }
}

/* ---- the client side ------------------------------------------------- */

static int dial(const struct fx *f)
{
    struct sockaddr_in a;
    struct timeval tv = {5, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    /* A read that waits longer is a failure, not a hang. */
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(f->port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static int send_str(int fd, const char *s)
{
    size_t n = strlen(s);

    return write(fd, s, n) == (ssize_t)n ? 0 : -1;
}

/* Reads until want bytes or the end of the connection; returns the count. */
static size_t read_n(int fd, char *buf, size_t want)
{
    size_t got = 0;
    ssize_t n;

    while (got < want && (n = read(fd, buf + got, want - got)) > 0) {
        got += (size_t)n;
    }
    return got;
}

/* 1 if the next bytes are exactly s. */
static int expect(int fd, const char *s)
{
    char buf[512];
    size_t n = strlen(s);

    return n <= sizeof(buf) && read_n(fd, buf, n) == n &&
           memcmp(buf, s, n) == 0;
}

#define FAST_RESP                                                              \
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"    \
    "\r\nfast-body-original"

static void *client_main(void *arg)
{
    struct fx *f = arg;

    f->client_rc = f->client(f);
    f->done = 1;
    return NULL;
}

static void poll_cb(evutil_socket_t fd, short what, void *ud)
{
    struct fx *f = ud;

    (void)fd;
    (void)what;
    if (f->done) {
        event_base_loopbreak(f->base);
    }
}

static void guard_cb(struct lx_timer *t, void *ud)
{
    struct fx *f = ud;

    (void)t;
    event_base_loopbreak(f->base);
}

/* Runs the server loop while client(f) runs in a thread. */
static int run_client(struct fx *f, int (*client)(struct fx *f))
{
    struct timeval tv = {0, 5000};
    struct lx_timer *guard;
    pthread_t th;

    f->client = client;
    f->done = 0;
    assert_int_equal(lx_timer_new(&guard, f->clock, guard_cb, f), LX_OK);
    assert_int_equal(lx_timer_start(guard, 20000 * MS, 0), LX_OK);
    event_add(f->poll, &tv);
    assert_int_equal(pthread_create(&th, NULL, client_main, f), 0);
    event_base_dispatch(f->base);
    pthread_join(th, NULL);
    event_del(f->poll);
    lx_timer_free(guard);
    assert_true(f->done);
    return f->client_rc;
}

static int setup(void **state)
{
    struct fx *f = lx__calloc(NULL, 1, sizeof(*f));
    size_t i;

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_real(&f->clock, NULL, f->base), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_http_server_new(&f->srv, f->net, handler, f), LX_OK);
    assert_int_equal(lx_http_server_listen(f->srv, "127.0.0.1", 0, NULL),
                     LX_OK);
    f->port = lx_http_server_port(f->srv);
    assert_int_equal(lx_timer_new(&f->held_timer, f->clock, held_fire, f),
                     LX_OK);
    f->poll = event_new(f->base, -1, EV_PERSIST, poll_cb, f);
    f->big_len = (size_t)4 << 20;
    f->big = lx__malloc(NULL, f->big_len);
    for (i = 0; i < f->big_len; i++) {
        f->big[i] = (char)('a' + i % 23);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    event_free(f->poll);
    lx_timer_free(f->held_timer);
    lx_http_server_free(f->srv);
    lx_clock_run(f->clock, lx_clock_mono_ns(f->clock));
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_free(f->base);
    lx__free(NULL, f->big);
    lx__free(NULL, f);
    return 0;
}

/* ---- tests --------------------------------------------------------------- */

/* Pipelined: the first is answered later, the second's lent body (whose
 * buffer is reused at once) still goes out second and intact. */
static int cl_pipelined(struct fx *f)
{
    int fd = dial(f), ok;

    ok = fd >= 0 &&
         send_str(fd, "GET /slow HTTP/1.1\r\n\r\n"
                      "GET /fast HTTP/1.1\r\n\r\n") == 0 &&
         expect(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Content-Length: 4\r\n\r\nslow") &&
         expect(fd, FAST_RESP);
    close(fd);
    return ok ? 0 : 1;
}

static void test_lent_body_behind_held_request(void **state)
{
    struct fx *f = *state;

    assert_int_equal(run_client(f, cl_pipelined), 0);
}

/* Tapped: the lent body is copied into the message the tap sees. */
static void test_lent_body_tapped(void **state)
{
    struct fx *f = *state;

    lx_net_set_tap(f->net, tap_cb, f);
    assert_int_equal(run_client(f, cl_pipelined), 0);
    assert_int_equal(f->ntap_out, 2);
    assert_int_equal(f->tap_bad, 0);
}

/* 4 MiB to a client that waits: partial writes finish through the
 * bufferevent, then the connection writes directly again. */
static int cl_big(struct fx *f)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain"
                               "\r\nContent-Length: 4194304\r\n\r\n";
    size_t hl = sizeof(head) - 1;
    char *buf = lx__malloc(NULL, hl + f->big_len);
    int fd = dial(f), ok, i;

    ok = buf != NULL && fd >= 0 &&
         send_str(fd, "GET /big HTTP/1.1\r\n\r\n") == 0;
    usleep(200000);
    ok = ok && read_n(fd, buf, hl + f->big_len) == hl + f->big_len &&
         memcmp(buf, head, hl) == 0 &&
         memcmp(buf + hl, f->big, f->big_len) == 0;
    for (i = 0; ok && i < 3; i++) {
        ok = send_str(fd, "GET /fast HTTP/1.1\r\n\r\n") == 0 &&
             expect(fd, FAST_RESP);
    }
    lx__free(NULL, buf);
    close(fd);
    return ok ? 0 : 1;
}

static void test_partial_write_then_direct(void **state)
{
    struct fx *f = *state;

    assert_int_equal(run_client(f, cl_big), 0);
}

/* Connection: close and a malformed request: the answer, then the end. */
static int cl_close(struct fx *f)
{
    char buf[512];
    int fd = dial(f), ok;
    size_t n;

    ok = fd >= 0 &&
         send_str(fd, "GET /fast HTTP/1.1\r\nConnection: close\r\n\r\n") == 0 &&
         expect(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    "Connection: close\r\nContent-Length: 18\r\n\r\n"
                    "fast-body-original") &&
         read_n(fd, buf, sizeof(buf)) == 0;
    close(fd);
    fd = dial(f);
    ok = ok && fd >= 0 && send_str(fd, "GET / HTXP/1.1\r\n\r\n") == 0;
    n = ok ? read_n(fd, buf, sizeof(buf)) : 0;
    ok = ok && n > 12 && memcmp(buf, "HTTP/1.1 400", 12) == 0;
    close(fd);
    return ok ? 0 : 1;
}

static void test_close_after_response(void **state)
{
    struct fx *f = *state;

    assert_int_equal(run_client(f, cl_close), 0);
}

static double mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Idle limit 300 ms, a request every 120 ms for 720 ms: the connection
 * stays; then it closes about 300 ms after the last answer. */
static int cl_idle(struct fx *f)
{
    char buf[64];
    int fd = dial(f), ok = fd >= 0, i;
    double t0, dt;

    for (i = 0; ok && i < 6; i++) {
        ok = send_str(fd, "GET /fast HTTP/1.1\r\n\r\n") == 0 &&
             expect(fd, FAST_RESP);
        if (i < 5) {
            usleep(120000);
        }
    }
    t0 = mono_s();
    ok = ok && read_n(fd, buf, sizeof(buf)) == 0;
    dt = mono_s() - t0;
    close(fd);
    return ok && dt > 0.2 && dt < 0.6 ? 0 : 1;
}

static void test_idle_timer_from_last_request(void **state)
{
    struct fx *f = *state;

    lx_http_server_set_limits(f->srv, 0, 0, 0, 300 * MS);
    assert_int_equal(run_client(f, cl_idle), 0);
}

/* lx__http_msg_write_body writes what set_body + lx__http_msg_write do. */
static void test_write_body_same_bytes(void **state)
{
    static const char *const te[] = {NULL, "chunked"};
    const char body[] = "{\"a\":1}";
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct lx_http_msg *a, *b;
        struct evbuffer *ea = evbuffer_new(), *eb = evbuffer_new();
        size_t n;

        assert_int_equal(lx_http_msg_new_response(&a, NULL, 200, NULL), LX_OK);
        assert_int_equal(lx_http_msg_new_response(&b, NULL, 200, NULL), LX_OK);
        if (te[i] != NULL) {
            lx_http_msg_add_header(a, "Transfer-Encoding", te[i]);
            lx_http_msg_add_header(b, "Transfer-Encoding", te[i]);
        }
        assert_int_equal(lx_http_msg_set_body(a, body, 7), LX_OK);
        assert_int_equal(lx__http_msg_write(a, ea), LX_OK);
        assert_int_equal(lx__http_msg_write_body(b, body, 7, eb), LX_OK);
        n = evbuffer_get_length(ea);
        assert_int_equal(n, evbuffer_get_length(eb));
        assert_memory_equal(evbuffer_pullup(ea, -1), evbuffer_pullup(eb, -1),
                            n);
        /* a message with a body of its own is refused */
        assert_int_equal(lx__http_msg_write_body(a, body, 7, eb), LX_ERR_INVAL);
        lx_http_msg_free(a);
        lx_http_msg_free(b);
        evbuffer_free(ea);
        evbuffer_free(eb);
    }
}

/* A message grows out of its inline room (fields and text) intact. */
static void test_msg_grows_out_of_inline(void **state)
{
    struct lx_http_msg *m;
    char name[16], value[64];
    const char *v;
    int i;

    (void)state;
    assert_int_equal(lx_http_msg_new_request(&m, lx_test_mem(), "GET", "/x"),
                     LX_OK);
    for (i = 0; i < 40; i++) {
        lx__snprintf(name, sizeof(name), "H%d", i);
        lx__snprintf(value, sizeof(value), "value-%d-%040d", i, i);
        assert_int_equal(lx_http_msg_add_header(m, name, value), LX_OK);
    }
    assert_int_equal(lx_http_msg_header_count(m), 40);
    for (i = 0; i < 40; i++) {
        lx__snprintf(name, sizeof(name), "H%d", i);
        lx__snprintf(value, sizeof(value), "value-%d-%040d", i, i);
        v = lx_http_msg_header(m, name, NULL);
        assert_non_null(v);
        assert_string_equal(v, value);
    }
    assert_string_equal(lx_http_msg_target(m), "/x");
    lx_http_msg_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lent_body_behind_held_request,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_lent_body_tapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_write_then_direct, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_close_after_response, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_idle_timer_from_last_request,
                                        setup, teardown),
        cmocka_unit_test(test_write_body_same_bytes),
        cmocka_unit_test(test_msg_grows_out_of_inline),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
