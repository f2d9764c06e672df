/*
 * test_clock.c - unit tests of lx_clock and lx_timer: virtual time and its
 * runner (ordering, ties, periodic timers, callbacks that stop, restart or
 * free timers, advance, until, stop), an in-memory ping-pong that completes
 * at one virtual instant, real-mode timers through lx_clock_run, allocation
 * failures, and a randomized heap stress run.
 *
 * Every test gets a fresh event_base; teardown asserts that nothing the
 * test created is still added to it. Real-mode tests assert what happened,
 * never how long it took.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_log.h"
#include "lotusx/lx_rng.h"
#include "lx_test.h"

#define START_WALL INT64_C(1700000000123456789)
#define MAX_LOG    512

struct fx {
    struct event_base *base;
};

/* One fire: which timer and at what mono time. */
struct hit {
    int id;
    int64_t at;
};

struct log {
    struct lx_clock *clock;
    struct hit hits[MAX_LOG];
    size_t n;
};

static void log_hit(struct log *l, int id)
{
    assert_true(l->n < MAX_LOG);
    l->hits[l->n].id = id;
    l->hits[l->n].at = lx_clock_mono_ns(l->clock);
    l->n++;
}

static int setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    f->base = event_base_new();
    assert_non_null(f->base);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    assert_int_equal(event_base_get_num_events(f->base, EVENT_BASE_COUNT_ADDED),
                     0);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

static struct lx_clock *vclock(struct fx *f)
{
    struct lx_clock *c;

    assert_int_equal(lx_clock_new_virtual(&c, NULL, f->base, START_WALL),
                     LX_OK);
    return c;
}

/* ---- time and arguments ------------------------------------------------- */

static void nop_cb(struct lx_timer *t, void *ud)
{
    (void)t;
    (void)ud;
}

static void count_cb(struct lx_timer *t, void *ud)
{
    (void)t;
    (*(int *)ud)++;
}

static void test_virtual_time(void **state)
{
    struct fx *f = *state;
    struct lx_clock *c = vclock(f), *neg;

    assert_true(lx_clock_is_virtual(c));
    assert_ptr_equal(lx_clock_base(c), f->base);
    assert_int_equal(lx_clock_mono_ns(c), 0);
    assert_int_equal(lx_clock_wall_ns(c), START_WALL);
    assert_int_equal(lx_clock_wall_ms(c), START_WALL / LX_MSEC);
    assert_int_equal(lx_clock_advance(c, 1500), LX_OK);
    assert_int_equal(lx_clock_mono_ns(c), 1500);
    assert_int_equal(lx_clock_wall_ns(c), START_WALL + 1500);
    assert_int_equal(lx_clock_advance(c, -1), LX_ERR_INVAL);
    /* Nothing to do: run jumps to a finite until, and stays for INT64_MAX. */
    assert_int_equal(lx_clock_run(c, 5 * LX_SEC), LX_OK);
    assert_int_equal(lx_clock_mono_ns(c), 5 * LX_SEC);
    assert_int_equal(lx_clock_run(c, INT64_MAX), LX_OK);
    assert_int_equal(lx_clock_mono_ns(c), 5 * LX_SEC);
    /* A past until does not move time backwards. */
    assert_int_equal(lx_clock_run(c, 1), LX_OK);
    assert_int_equal(lx_clock_mono_ns(c), 5 * LX_SEC);
    lx_clock_free(c);
    /* Wall ms rounds down, also before 1970; a NULL base is allowed. */
    assert_int_equal(lx_clock_new_virtual(&neg, NULL, NULL, -1), LX_OK);
    assert_int_equal(lx_clock_wall_ms(neg), -1);
    assert_null(lx_clock_base(neg));
    {
        int fired = 0;
        struct lx_timer *t;

        assert_int_equal(lx_timer_new(&t, neg, count_cb, &fired), LX_OK);
        assert_int_equal(lx_timer_start(t, LX_SEC, 0), LX_OK);
        assert_int_equal(lx_clock_run(neg, INT64_MAX), LX_OK);
        assert_int_equal(fired, 1);
        assert_int_equal(lx_clock_mono_ns(neg), LX_SEC);
        lx_timer_free(t);
    }
    lx_clock_free(neg);
}

static void test_real_time(void **state)
{
    struct fx *f = *state;
    struct lx_clock *c;
    int64_t m1, m2;

    assert_int_equal(lx_clock_new_real(&c, NULL, f->base), LX_OK);
    assert_false(lx_clock_is_virtual(c));
    m1 = lx_clock_mono_ns(c);
    m2 = lx_clock_mono_ns(c);
    assert_true(m1 > 0 && m2 >= m1);
    /* After 2020-01-01, and wall_ms agrees with wall_ns. */
    assert_true(lx_clock_wall_ns(c) > INT64_C(1577836800) * LX_SEC);
    assert_true(lx_clock_wall_ms(c) > INT64_C(1577836800000));
    assert_int_equal(lx_clock_advance(c, 1), LX_ERR_STATE);
    lx_clock_free(c);
}

static void test_args(void **state)
{
    struct fx *f = *state;
    struct lx_clock *c = (struct lx_clock *)1;
    struct lx_timer *t = (struct lx_timer *)1;

    assert_int_equal(lx_clock_new_real(&c, NULL, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_clock_new_real(NULL, NULL, f->base), LX_ERR_INVAL);
    assert_int_equal(lx_clock_new_virtual(NULL, NULL, f->base, 0),
                     LX_ERR_INVAL);
    c = vclock(f);
    assert_int_equal(lx_timer_new(&t, c, NULL, NULL), LX_ERR_INVAL);
    assert_null(t);
    assert_int_equal(lx_timer_new(&t, NULL, nop_cb, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_timer_new(NULL, c, nop_cb, NULL), LX_ERR_INVAL);
    assert_int_equal(lx_timer_new(&t, c, nop_cb, NULL), LX_OK);
    assert_false(lx_timer_pending(t));
    assert_int_equal(lx_timer_start(t, -1, 0), LX_ERR_INVAL);
    assert_int_equal(lx_timer_start(t, 0, -1), LX_ERR_INVAL);
    assert_int_equal(lx_timer_start(NULL, 0, 0), LX_ERR_INVAL);
    assert_false(lx_timer_pending(t));
    assert_int_equal(lx_clock_run(NULL, 0), LX_ERR_INVAL);
    assert_int_equal(lx_clock_advance(NULL, 0), LX_ERR_INVAL);
    assert_false(lx_timer_pending(NULL));
    lx_timer_stop(NULL);
    lx_timer_free(NULL);
    lx_clock_free(NULL);
    lx_clock_stop_run(NULL);
    /* Huge delays saturate rather than wrap into the past. */
    assert_int_equal(lx_clock_advance(c, 10), LX_OK);
    assert_int_equal(lx_timer_start(t, INT64_MAX, INT64_MAX), LX_OK);
    assert_int_equal(lx_clock_run(c, INT64_MAX - 1), LX_OK);
    assert_true(lx_timer_pending(t));
    lx_timer_free(t);
    lx_clock_free(c);
}

/* ---- ordering ----------------------------------------------------------- */

struct tagged {
    struct log *log;
    int id;
};

static void tagged_cb(struct lx_timer *t, void *ud)
{
    struct tagged *tg = ud;

    (void)t;
    log_hit(tg->log, tg->id);
}

/*
 * 200 timers over five distinct deadlines fire in deadline order, and in
 * start order within a deadline; a restart moves a timer to the back.
 */
static void test_ties_fifo(void **state)
{
    enum { N = 200 };
    struct fx *f = *state;
    struct log lg = {0};
    struct tagged tags[N];
    struct lx_timer *t[N];
    int expect[N], n = 0, d, i;

    lg.clock = vclock(f);
    for (i = 0; i < N; i++) {
        tags[i].log = &lg;
        tags[i].id = i;
        assert_int_equal(lx_timer_new(&t[i], lg.clock, tagged_cb, &tags[i]),
                         LX_OK);
        assert_int_equal(lx_timer_start(t[i], (i * 7 % 5) * LX_MSEC, 0), LX_OK);
    }
    /* Timer 5 (deadline 0) restarts with the same deadline: now last. */
    assert_int_equal(lx_timer_start(t[5], 0, 0), LX_OK);
    for (d = 0; d < 5; d++) {
        for (i = 0; i < N; i++) {
            if (i * 7 % 5 == d && i != 5) {
                expect[n++] = i;
            }
        }
        if (d == 0) {
            expect[n++] = 5;
        }
    }
    assert_int_equal(lx_clock_run(lg.clock, INT64_MAX), LX_OK);
    assert_int_equal(lg.n, N);
    for (i = 0; i < N; i++) {
        assert_int_equal(lg.hits[i].id, expect[i]);
        assert_int_equal(lg.hits[i].at, (expect[i] * 7 % 5) * LX_MSEC);
        assert_false(lx_timer_pending(t[i]));
        lx_timer_free(t[i]);
    }
    assert_int_equal(lx_clock_mono_ns(lg.clock), 4 * LX_MSEC);
    lx_clock_free(lg.clock);
}

static void test_periodic(void **state)
{
    struct fx *f = *state;
    struct log lg = {0};
    struct tagged tg = {&lg, 1};
    struct lx_timer *t;
    size_t i;

    lg.clock = vclock(f);
    assert_int_equal(lx_timer_new(&t, lg.clock, tagged_cb, &tg), LX_OK);
    assert_int_equal(lx_timer_start(t, 5 * LX_MSEC, 10 * LX_MSEC), LX_OK);
    assert_int_equal(lx_clock_run(lg.clock, 100 * LX_MSEC), LX_OK);
    assert_int_equal(lg.n, 10);
    for (i = 0; i < lg.n; i++) {
        assert_int_equal(lg.hits[i].at, (int64_t)(5 + 10 * i) * LX_MSEC);
    }
    assert_int_equal(lx_clock_mono_ns(lg.clock), 100 * LX_MSEC);
    assert_true(lx_timer_pending(t));
    /* advance across three periods fires three times, each on time. */
    assert_int_equal(lx_clock_advance(lg.clock, 30 * LX_MSEC), LX_OK);
    assert_int_equal(lg.n, 13);
    assert_int_equal(lg.hits[10].at, 105 * LX_MSEC);
    assert_int_equal(lg.hits[12].at, 125 * LX_MSEC);
    lx_timer_stop(t);
    assert_false(lx_timer_pending(t));
    assert_int_equal(lx_clock_run(lg.clock, INT64_MAX), LX_OK);
    assert_int_equal(lg.n, 13);
    lx_timer_free(t);
    lx_clock_free(lg.clock);
}

/* ---- callbacks that act on timers --------------------------------------- */

enum action { ACT_NONE, ACT_STOP_AT3, ACT_RESTART, ACT_FREE_SELF, ACT_KILL };

struct actor {
    struct log *log;
    int id;
    enum action act;
    int count;
    struct lx_timer *self;
    struct lx_timer *other; /* ACT_KILL: freed; then started when set */
    struct lx_timer *spawn; /* ACT_KILL: started with delay 0 */
    int start_rc;
};

static void actor_cb(struct lx_timer *t, void *ud)
{
    struct actor *a = ud;

    assert_ptr_equal(t, a->self);
    log_hit(a->log, a->id);
    a->count++;
    switch (a->act) {
    case ACT_STOP_AT3:
        assert_true(lx_timer_pending(t));
        if (a->count == 3) {
            lx_timer_stop(t);
        }
        break;
    case ACT_RESTART:
        assert_false(lx_timer_pending(t));
        if (a->count < 4) {
            assert_int_equal(lx_timer_start(t, 2 * LX_MSEC, 0), LX_OK);
        }
        break;
    case ACT_FREE_SELF:
        lx_timer_free(t);
        a->start_rc = lx_timer_start(t, 0, 0);
        break;
    case ACT_KILL:
        lx_timer_free(a->other);
        assert_int_equal(lx_timer_start(a->spawn, 0, 0), LX_OK);
        break;
    case ACT_NONE:
        break;
    }
}

static struct lx_timer *actor_new(struct actor *a, struct log *lg, int id,
                                  enum action act)
{
    memset(a, 0, sizeof(*a));
    a->log = lg;
    a->id = id;
    a->act = act;
    assert_int_equal(lx_timer_new(&a->self, lg->clock, actor_cb, a), LX_OK);
    return a->self;
}

/* The whole schedule test_callback_ops must produce, in order. */
static void assert_schedule(const struct log *lg)
{
    static const struct hit want[] = {
        {3, 0},
        {1, LX_MSEC},
        {2, LX_MSEC},
        {1, 2 * LX_MSEC},
        /* The restart at 1 ms was armed before the re-arm at 2 ms. */
        {2, 3 * LX_MSEC},
        {1, 3 * LX_MSEC},
        {2, 5 * LX_MSEC},
        {2, 7 * LX_MSEC},
        {4, 10 * LX_MSEC},
        {6, 10 * LX_MSEC}};
    size_t i;

    assert_int_equal(lg->n, LX_ARRAY_LEN(want));
    for (i = 0; i < lg->n; i++) {
        assert_int_equal(lg->hits[i].id, want[i].id);
        assert_int_equal(lg->hits[i].at, want[i].at);
    }
}

static void test_callback_ops(void **state)
{
    struct fx *f = *state;
    struct log lg = {0};
    struct actor stop3, restart, selfree, killer, victim, spawned;

    lg.clock = vclock(f);
    lx_timer_start(actor_new(&stop3, &lg, 1, ACT_STOP_AT3), LX_MSEC, LX_MSEC);
    lx_timer_start(actor_new(&restart, &lg, 2, ACT_RESTART), LX_MSEC, 0);
    lx_timer_start(actor_new(&selfree, &lg, 3, ACT_FREE_SELF), 0, LX_MSEC);
    actor_new(&killer, &lg, 4, ACT_KILL);
    actor_new(&victim, &lg, 5, ACT_NONE);
    actor_new(&spawned, &lg, 6, ACT_NONE);
    killer.other = victim.self;
    killer.spawn = spawned.self;
    /* The victim is due at the killer's instant, after it: it never fires. */
    lx_timer_start(killer.self, 10 * LX_MSEC, 0);
    lx_timer_start(victim.self, 10 * LX_MSEC, 0);
    assert_int_equal(lx_clock_run(lg.clock, INT64_MAX), LX_OK);

    assert_int_equal(stop3.count, 3);
    assert_false(lx_timer_pending(stop3.self));
    assert_int_equal(restart.count, 4);
    assert_int_equal(selfree.count, 1);
    assert_int_equal(selfree.start_rc, LX_ERR_STATE);
    assert_int_equal(killer.count, 1);
    assert_int_equal(victim.count, 0);
    assert_int_equal(spawned.count, 1);
    assert_schedule(&lg);
    lx_timer_free(stop3.self);
    lx_timer_free(restart.self);
    lx_timer_free(killer.self);
    lx_timer_free(spawned.self);
    lx_clock_free(lg.clock);
}

/* ---- advance, until, stop ----------------------------------------------- */

struct reentry {
    struct lx_clock *clock;
    struct lx_timer *late;
    int run_rc, advance_rc, fired;
};

static void reentry_cb(struct lx_timer *t, void *ud)
{
    struct reentry *r = ud;

    (void)t;
    r->fired++;
    r->run_rc = lx_clock_run(r->clock, INT64_MAX);
    r->advance_rc = lx_clock_advance(r->clock, 1);
    /* Due inside the advance in progress: fires in the same call. */
    assert_int_equal(lx_timer_start(r->late, LX_MSEC, 0), LX_OK);
}

static void test_advance(void **state)
{
    struct fx *f = *state;
    struct log lg = {0};
    struct tagged tags[3] = {{&lg, 0}, {&lg, 1}, {&lg, 2}};
    struct lx_timer *t[3], *re;
    struct reentry r = {0};
    int i;

    lg.clock = r.clock = vclock(f);
    for (i = 0; i < 3; i++) {
        assert_int_equal(lx_timer_new(&t[i], lg.clock, tagged_cb, &tags[i]),
                         LX_OK);
        lx_timer_start(t[i], (i + 1) * LX_MSEC, 0);
    }
    assert_int_equal(lx_clock_advance(lg.clock, 2 * LX_MSEC), LX_OK);
    assert_int_equal(lg.n, 2);
    assert_int_equal(lg.hits[0].at, LX_MSEC);
    assert_int_equal(lg.hits[1].at, 2 * LX_MSEC);
    assert_int_equal(lx_clock_mono_ns(lg.clock), 2 * LX_MSEC);
    assert_int_equal(lx_clock_advance(lg.clock, 0), LX_OK);
    assert_int_equal(lg.n, 2);
    /* An overdue timer fires at the current time, even with delta 0. */
    lx_timer_start(t[0], 0, 0);
    assert_int_equal(lx_clock_advance(lg.clock, 0), LX_OK);
    assert_int_equal(lg.n, 3);
    assert_int_equal(lg.hits[2].id, 0);
    assert_int_equal(lg.hits[2].at, 2 * LX_MSEC);
    /* Re-entry is refused; a timer started from a callback fires. */
    r.late = t[0];
    assert_int_equal(lx_timer_new(&re, lg.clock, reentry_cb, &r), LX_OK);
    lx_timer_start(re, 0, 0);
    assert_int_equal(lx_clock_advance(lg.clock, 5 * LX_MSEC), LX_OK);
    assert_int_equal(r.fired, 1);
    assert_int_equal(r.run_rc, LX_ERR_STATE);
    assert_int_equal(r.advance_rc, LX_ERR_STATE);
    assert_int_equal(lg.n, 5);
    /* Both due at 3 ms: timer 2 was started first. */
    assert_int_equal(lg.hits[3].id, 2);
    assert_int_equal(lg.hits[4].id, 0);
    assert_int_equal(lg.hits[4].at, 3 * LX_MSEC);
    assert_int_equal(lx_clock_mono_ns(lg.clock), 7 * LX_MSEC);
    for (i = 0; i < 3; i++) {
        lx_timer_free(t[i]);
    }
    lx_timer_free(re);
    lx_clock_free(lg.clock);
}

static void test_run_until(void **state)
{
    struct fx *f = *state;
    struct log lg = {0};
    struct tagged a = {&lg, 1}, b = {&lg, 2};
    struct lx_timer *ta, *tb;

    lg.clock = vclock(f);
    assert_int_equal(lx_timer_new(&ta, lg.clock, tagged_cb, &a), LX_OK);
    assert_int_equal(lx_timer_new(&tb, lg.clock, tagged_cb, &b), LX_OK);
    lx_timer_start(ta, 10 * LX_MSEC, 0);
    lx_timer_start(tb, 20 * LX_MSEC, 0);
    assert_int_equal(lx_clock_run(lg.clock, 15 * LX_MSEC), LX_OK);
    assert_int_equal(lg.n, 1);
    assert_int_equal(lx_clock_mono_ns(lg.clock), 15 * LX_MSEC);
    assert_true(lx_timer_pending(tb));
    /* A deadline equal to until fires. */
    assert_int_equal(lx_clock_run(lg.clock, 20 * LX_MSEC), LX_OK);
    assert_int_equal(lg.n, 2);
    assert_int_equal(lg.hits[1].at, 20 * LX_MSEC);
    /* An overdue timer fires even when until is in the past. */
    lx_timer_start(ta, 0, 0);
    assert_int_equal(lx_clock_run(lg.clock, 5 * LX_MSEC), LX_OK);
    assert_int_equal(lg.n, 3);
    assert_int_equal(lx_clock_mono_ns(lg.clock), 20 * LX_MSEC);
    lx_timer_free(ta);
    lx_timer_free(tb);
    lx_clock_free(lg.clock);
}

struct stopper {
    struct lx_clock *clock;
    int fired;
};

static void stopper_cb(struct lx_timer *t, void *ud)
{
    struct stopper *s = ud;

    (void)t;
    s->fired++;
    lx_clock_stop_run(s->clock);
}

static void test_stop_run(void **state)
{
    struct fx *f = *state;
    struct stopper s = {0};
    struct lx_timer *t[3];
    int i;

    s.clock = vclock(f);
    for (i = 0; i < 3; i++) {
        assert_int_equal(lx_timer_new(&t[i], s.clock, stopper_cb, &s), LX_OK);
        lx_timer_start(t[i], 5 * LX_MSEC, 0);
    }
    /* Outside a run it does nothing. */
    lx_clock_stop_run(s.clock);
    assert_int_equal(lx_clock_run(s.clock, 50 * LX_MSEC), LX_OK);
    assert_int_equal(s.fired, 1);
    /* Stopped runs leave time at the stop, not at until. */
    assert_int_equal(lx_clock_mono_ns(s.clock), 5 * LX_MSEC);
    assert_true(lx_timer_pending(t[1]) && lx_timer_pending(t[2]));
    assert_int_equal(lx_clock_run(s.clock, 50 * LX_MSEC), LX_OK);
    assert_int_equal(lx_clock_run(s.clock, 50 * LX_MSEC), LX_OK);
    assert_int_equal(s.fired, 3);
    assert_int_equal(lx_clock_mono_ns(s.clock), 5 * LX_MSEC);
    assert_int_equal(lx_clock_run(s.clock, 50 * LX_MSEC), LX_OK);
    assert_int_equal(lx_clock_mono_ns(s.clock), 50 * LX_MSEC);
    for (i = 0; i < 3; i++) {
        lx_timer_free(t[i]);
    }
    lx_clock_free(s.clock);
}

/* ---- in-memory transport at one virtual instant ------------------------- */

#define ROUNDS 10

struct pingpong {
    struct lx_clock *clock;
    struct bufferevent *pair[2];
    int pings, pongs;
    int64_t at[2 * ROUNDS];
    int nat;
    int pongs_seen_by_later;
    int64_t later_at;
};

static void pp_note(struct pingpong *p)
{
    assert_true(p->nat < 2 * ROUNDS);
    p->at[p->nat++] = lx_clock_mono_ns(p->clock);
}

/* The "server" end answers every 4-byte ping with a pong. */
static void server_read(struct bufferevent *bev, void *ud)
{
    struct pingpong *p = ud;
    char buf[4];

    while (bufferevent_read(bev, buf, 4) == 4) {
        assert_memory_equal(buf, "ping", 4);
        p->pings++;
        pp_note(p);
        bufferevent_write(bev, "pong", 4);
    }
}

static void client_read(struct bufferevent *bev, void *ud)
{
    struct pingpong *p = ud;
    char buf[4];

    while (bufferevent_read(bev, buf, 4) == 4) {
        assert_memory_equal(buf, "pong", 4);
        p->pongs++;
        pp_note(p);
        if (p->pongs < ROUNDS) {
            bufferevent_write(bev, "ping", 4);
        }
    }
}

static void kickoff_cb(struct lx_timer *t, void *ud)
{
    struct pingpong *p = ud;

    (void)t;
    bufferevent_write(p->pair[0], "ping", 4);
}

static void later_cb(struct lx_timer *t, void *ud)
{
    struct pingpong *p = ud;

    (void)t;
    p->pongs_seen_by_later = p->pongs;
    p->later_at = lx_clock_mono_ns(p->clock);
}

/*
 * Ten request/answer rounds over a deferred-callback bufferevent_pair all
 * complete at 5 ms, before a timer due 1 ns later: the runner drains the
 * base before moving time.
 */
static void test_pair_pingpong(void **state)
{
    struct fx *f = *state;
    struct pingpong p = {0};
    struct lx_timer *kick, *later;
    int i;

    p.clock = vclock(f);
    assert_int_equal(
        bufferevent_pair_new(f->base, BEV_OPT_DEFER_CALLBACKS, p.pair), 0);
    bufferevent_setcb(p.pair[0], client_read, NULL, NULL, &p);
    bufferevent_setcb(p.pair[1], server_read, NULL, NULL, &p);
    bufferevent_enable(p.pair[0], EV_READ | EV_WRITE);
    bufferevent_enable(p.pair[1], EV_READ | EV_WRITE);
    assert_int_equal(lx_timer_new(&kick, p.clock, kickoff_cb, &p), LX_OK);
    assert_int_equal(lx_timer_new(&later, p.clock, later_cb, &p), LX_OK);
    lx_timer_start(kick, 5 * LX_MSEC, 0);
    lx_timer_start(later, 5 * LX_MSEC + 1, 0);
    assert_int_equal(lx_clock_run(p.clock, INT64_MAX), LX_OK);
    assert_int_equal(p.pings, ROUNDS);
    assert_int_equal(p.pongs, ROUNDS);
    for (i = 0; i < 2 * ROUNDS; i++) {
        assert_int_equal(p.at[i], 5 * LX_MSEC);
    }
    assert_int_equal(p.pongs_seen_by_later, ROUNDS);
    assert_int_equal(p.later_at, 5 * LX_MSEC + 1);
    bufferevent_free(p.pair[0]);
    bufferevent_free(p.pair[1]);
    /* libevent finishes freeing bufferevents from the loop. */
    assert_int_equal(lx_clock_run(p.clock, INT64_MAX), LX_OK);
    lx_timer_free(kick);
    lx_timer_free(later);
    lx_clock_free(p.clock);
}

/* ---- real mode ---------------------------------------------------------- */

struct real {
    struct lx_clock *clock;
    int oneshot, periodic, selfree, stopper;
};

static void real_oneshot_cb(struct lx_timer *t, void *ud)
{
    struct real *r = ud;

    assert_false(lx_timer_pending(t));
    r->oneshot++;
}

static void real_periodic_cb(struct lx_timer *t, void *ud)
{
    struct real *r = ud;

    assert_true(lx_timer_pending(t));
    if (++r->periodic == 3) {
        lx_timer_stop(t);
    }
}

static void real_selfree_cb(struct lx_timer *t, void *ud)
{
    struct real *r = ud;

    r->selfree++;
    lx_timer_free(t);
}

static void real_stopper_cb(struct lx_timer *t, void *ud)
{
    struct real *r = ud;

    (void)t;
    r->stopper++;
    lx_clock_stop_run(r->clock);
}

/* lx_clock_run returns once the base has nothing left to wait for. */
static void test_real_timers(void **state)
{
    struct fx *f = *state;
    struct real r = {0};
    struct lx_timer *one, *per, *sf;
    int64_t before;

    assert_int_equal(lx_clock_new_real(&r.clock, NULL, f->base), LX_OK);
    assert_int_equal(lx_timer_new(&one, r.clock, real_oneshot_cb, &r), LX_OK);
    assert_int_equal(lx_timer_new(&per, r.clock, real_periodic_cb, &r), LX_OK);
    assert_int_equal(lx_timer_new(&sf, r.clock, real_selfree_cb, &r), LX_OK);
    assert_int_equal(lx_timer_start(one, 20 * LX_MSEC, 0), LX_OK);
    assert_int_equal(lx_timer_start(per, LX_MSEC, LX_MSEC), LX_OK);
    assert_int_equal(lx_timer_start(sf, 0, LX_MSEC), LX_OK);
    assert_true(lx_timer_pending(one) && lx_timer_pending(per));
    before = lx_clock_mono_ns(r.clock);
    assert_int_equal(lx_clock_run(r.clock, INT64_MAX), LX_OK);
    assert_int_equal(r.oneshot, 1);
    assert_int_equal(r.periodic, 3);
    assert_int_equal(r.selfree, 1);
    assert_false(lx_timer_pending(one) || lx_timer_pending(per));
    assert_true(lx_clock_mono_ns(r.clock) >= before);
    lx_timer_free(one);
    lx_timer_free(per);
    lx_clock_free(r.clock);
}

/* One real one-shot timer: when it was due, and when it ran. */
struct due {
    struct lx_clock *clock;
    int64_t due, ran;
};

static void due_cb(struct lx_timer *t, void *ud)
{
    struct due *d = ud;

    (void)t;
    d->ran = lx_clock_mono_ns(d->clock);
}

/*
 * A real timer never runs before its deadline on the monotonic clock, although
 * libevent measures timeouts from a coarse cached time that lags it: 40
 * one-shots of 0.3 to 12 ms, started at odd moments, each checked.
 */
static void test_real_never_early(void **state)
{
    struct fx *f = *state;
    struct lx_clock *c = NULL;
    struct lx_timer *t[40];
    struct due d[40];
    size_t i;

    assert_int_equal(lx_clock_new_real(&c, NULL, f->base), LX_OK);
    for (i = 0; i < LX_ARRAY_LEN(t); i++) {
        int64_t delay = (int64_t)(300 + 297 * i) * LX_USEC;

        d[i].clock = c;
        d[i].ran = 0;
        assert_int_equal(lx_timer_new(&t[i], c, due_cb, &d[i]), LX_OK);
        d[i].due = lx_clock_mono_ns(c) + delay;
        assert_int_equal(lx_timer_start(t[i], delay, 0), LX_OK);
        /* spread the starts over the coarse clock's ticks */
        while (lx_clock_mono_ns(c) < d[i].due - delay + 37 * LX_USEC) {
        }
    }
    assert_int_equal(lx_clock_run(c, INT64_MAX), LX_OK);
    for (i = 0; i < LX_ARRAY_LEN(t); i++) {
        if (d[i].ran < d[i].due) {
            fail_msg("timer %zu ran %lld ns early", i,
                     (long long)(d[i].due - d[i].ran));
        }
        lx_timer_free(t[i]);
    }
    lx_clock_free(c);
}

/* until and lx_clock_stop_run end a real run while timers are pending. */
static void test_real_until_stop(void **state)
{
    struct fx *f = *state;
    struct real r = {0};
    struct lx_timer *far, *stop;

    assert_int_equal(lx_clock_new_real(&r.clock, NULL, f->base), LX_OK);
    assert_int_equal(lx_timer_new(&far, r.clock, real_oneshot_cb, &r), LX_OK);
    assert_int_equal(lx_timer_new(&stop, r.clock, real_stopper_cb, &r), LX_OK);
    assert_int_equal(lx_timer_start(far, 3600 * LX_SEC, 0), LX_OK);
    assert_int_equal(
        lx_clock_run(r.clock, lx_clock_mono_ns(r.clock) + 5 * LX_MSEC), LX_OK);
    assert_int_equal(r.oneshot, 0);
    assert_true(lx_timer_pending(far));
    /* A past until only runs what is ready. */
    assert_int_equal(lx_clock_run(r.clock, 0), LX_OK);
    assert_int_equal(lx_timer_start(stop, LX_MSEC, 0), LX_OK);
    assert_int_equal(lx_clock_run(r.clock, INT64_MAX), LX_OK);
    assert_int_equal(r.stopper, 1);
    assert_int_equal(r.oneshot, 0);
    assert_true(lx_timer_pending(far));
    lx_timer_free(far);
    lx_timer_free(stop);
    lx_clock_free(r.clock);
}

/* ---- orphans, allocation ------------------------------------------------ */

struct sink {
    int warnings;
    char last[256];
};

static void sink_cb(void *ud, int level, const char *subsys, const char *msg)
{
    struct sink *s = ud;

    (void)subsys;
    if (level == LX_LOG_WARN) {
        s->warnings++;
        lx__snprintf(s->last, sizeof(s->last), "%s", msg);
    }
}

/* Freeing a clock first orphans its timers; they can still be freed. */
static void test_orphans(void **state)
{
    struct fx *f = *state;
    struct lx_ctx *ctx;
    struct sink s = {0};
    struct lx_clock *c;
    struct lx_timer *t[2];
    int mode, i;

    assert_int_equal(lx_ctx_new(&ctx, lx_test_mem()), LX_OK);
    lx_ctx_set_log(ctx, sink_cb, &s);
    for (mode = 0; mode < 2; mode++) {
        if (mode == 0) {
            assert_int_equal(lx_clock_new_virtual(&c, ctx, f->base, 0), LX_OK);
        } else {
            assert_int_equal(lx_clock_new_real(&c, ctx, f->base), LX_OK);
        }
        for (i = 0; i < 2; i++) {
            assert_int_equal(lx_timer_new(&t[i], c, nop_cb, NULL), LX_OK);
            assert_int_equal(lx_timer_start(t[i], LX_SEC, 0), LX_OK);
        }
        lx_clock_free(c);
        assert_int_equal(s.warnings, mode + 1);
        assert_non_null(strstr(s.last, "live_timers=2"));
        for (i = 0; i < 2; i++) {
            assert_false(lx_timer_pending(t[i]));
            assert_int_equal(lx_timer_start(t[i], 0, 0), LX_ERR_STATE);
            lx_timer_stop(t[i]);
            lx_timer_free(t[i]);
        }
    }
    lx_ctx_free(ctx);
}

struct scen {
    struct event_base *base;
    bool real;
};

/* A clock with 40 timers (the heap grows twice), run, torn down. */
static int scenario(const struct lx_mem *mem, void *ud)
{
    struct scen *sc = ud;
    struct lx_ctx *ctx = NULL;
    struct lx_clock *c = NULL;
    struct lx_timer *t[40] = {0};
    int rc, i, fired = 0;

    rc = lx_ctx_new(&ctx, mem);
    if (rc == LX_OK) {
        rc = sc->real ? lx_clock_new_real(&c, ctx, sc->base)
                      : lx_clock_new_virtual(&c, ctx, sc->base, 0);
    }
    for (i = 0; i < 40 && rc == LX_OK; i++) {
        rc = lx_timer_new(&t[i], c, count_cb, &fired);
        if (rc == LX_OK) {
            rc = lx_timer_start(t[i], (i % 4) * LX_USEC, 0);
        }
    }
    if (rc == LX_OK) {
        rc = lx_clock_run(c, INT64_MAX);
        assert_int_equal(fired, 40);
    }
    for (i = 0; i < 40; i++) {
        lx_timer_free(t[i]);
    }
    lx_clock_free(c);
    lx_ctx_free(ctx);
    return rc;
}

static void test_failmalloc(void **state)
{
    struct fx *f = *state;
    struct scen sc = {f->base, false};

    lx_test_failmalloc(scenario, &sc);
    sc.real = true;
    lx_test_failmalloc(scenario, &sc);
}

/* After the timers exist, starting, stopping and running never allocate. */
static void test_no_alloc_after_warmup(void **state)
{
    struct fx *f = *state;
    struct lx_mem_failing fm;
    struct lx_ctx *ctx;
    struct lx_clock *c;
    struct lx_timer *t[100];
    unsigned long n;
    int i, round, fired = 0;

    lx_mem_failing_init(&fm, lx_test_mem(), 0, 0);
    assert_int_equal(lx_ctx_new(&ctx, &fm.mem), LX_OK);
    assert_int_equal(lx_clock_new_virtual(&c, ctx, f->base, 0), LX_OK);
    for (i = 0; i < 100; i++) {
        assert_int_equal(lx_timer_new(&t[i], c, count_cb, &fired), LX_OK);
    }
    n = fm.nalloc;
    for (round = 0; round < 10; round++) {
        for (i = 0; i < 100; i++) {
            assert_int_equal(lx_timer_start(t[i], (i + 1) * LX_USEC, LX_MSEC),
                             LX_OK);
        }
        assert_int_equal(lx_clock_advance(c, 3 * LX_MSEC), LX_OK);
        for (i = 0; i < 100; i += 2) {
            lx_timer_stop(t[i]);
        }
        assert_int_equal(lx_clock_run(c, lx_clock_mono_ns(c) + LX_MSEC), LX_OK);
    }
    assert_int_equal(fm.nalloc, n);
    assert_int_equal(fired, 10 * (300 + 50));
    for (i = 0; i < 100; i++) {
        lx_timer_free(t[i]);
    }
    lx_clock_free(c);
    lx_ctx_free(ctx);
    assert_int_equal(fm.outstanding, 0);
}

/* ---- heap stress -------------------------------------------------------- */

#define NSTRESS 10000

struct stress {
    struct lx_clock *clock;
    struct lx_rng rng;
    struct lx_timer *t[NSTRESS];
    int64_t deadline[NSTRESS]; /* expected deadline while armed */
    uint64_t seq[NSTRESS];     /* start order of the current arming */
    bool armed[NSTRESS];
    uint64_t next_seq;
    uint64_t starts, cancels, fires;
    int64_t last_deadline;
    uint64_t last_seq;
};

struct slot {
    struct stress *s;
    int i;
};

static void stress_start(struct stress *s, int i, int64_t delay)
{
    if (s->armed[i]) {
        s->cancels++;
    }
    assert_int_equal(lx_timer_start(s->t[i], delay, 0), LX_OK);
    s->deadline[i] = lx_clock_mono_ns(s->clock) + delay;
    s->seq[i] = s->next_seq++;
    s->armed[i] = true;
    s->starts++;
}

/*
 * Each fire must be the armed timer with the smallest (deadline, start
 * order) key: keys of successive fires strictly increase, and a callback
 * only ever schedules keys above its own. Some callbacks restart or stop
 * random other timers to exercise removal from the middle of the heap.
 */
static void stress_cb(struct lx_timer *t, void *ud)
{
    struct slot *sl = ud;
    struct stress *s = sl->s;
    int i = sl->i;
    uint64_t r = lx_rng_below(&s->rng, 10);
    int other = (int)lx_rng_below(&s->rng, NSTRESS);

    assert_true(s->armed[i]);
    assert_int_equal(lx_clock_mono_ns(s->clock), s->deadline[i]);
    assert_true(
        s->deadline[i] > s->last_deadline ||
        (s->deadline[i] == s->last_deadline && s->seq[i] > s->last_seq));
    s->last_deadline = s->deadline[i];
    s->last_seq = s->seq[i];
    s->armed[i] = false;
    s->fires++;
    if (r < 2) {
        stress_start(s, other, (int64_t)lx_rng_below(&s->rng, 500));
    } else if (r < 3) {
        s->cancels += s->armed[other];
        s->armed[other] = false;
        lx_timer_stop(s->t[other]);
    }
    assert_int_equal(lx_timer_pending(t), s->armed[i]);
}

static void test_heap_stress(void **state)
{
    struct fx *f = *state;
    struct stress *s = test_calloc(1, sizeof(*s));
    struct slot *slots = test_calloc(NSTRESS, sizeof(*slots));
    int i;

    s->clock = vclock(f);
    s->last_deadline = -1;
    lx_rng_seed(&s->rng, 20240601);
    for (i = 0; i < NSTRESS; i++) {
        slots[i].s = s;
        slots[i].i = i;
        assert_int_equal(lx_timer_new(&s->t[i], s->clock, stress_cb, &slots[i]),
                         LX_OK);
        /* 2000 distinct deadlines for 10000 timers: many ties. */
        stress_start(s, i, (int64_t)lx_rng_below(&s->rng, 2000));
    }
    for (i = 0; i < NSTRESS / 10; i++) {
        int k = (int)lx_rng_below(&s->rng, NSTRESS);

        if (i % 2 == 0) {
            s->cancels += s->armed[k];
            s->armed[k] = false;
            lx_timer_stop(s->t[k]);
        } else {
            stress_start(s, k, (int64_t)lx_rng_below(&s->rng, 2000));
        }
    }
    assert_int_equal(lx_clock_run(s->clock, INT64_MAX), LX_OK);
    assert_true(s->fires > NSTRESS / 2);
    assert_true(s->fires == s->starts - s->cancels);
    for (i = 0; i < NSTRESS; i++) {
        assert_false(s->armed[i]);
        assert_false(lx_timer_pending(s->t[i]));
        lx_timer_free(s->t[i]);
    }
    lx_clock_free(s->clock);
    test_free(slots);
    test_free(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_virtual_time),
        T(test_real_time),
        T(test_args),
        T(test_ties_fifo),
        T(test_periodic),
        T(test_callback_ops),
        T(test_advance),
        T(test_run_until),
        T(test_stop_run),
        T(test_pair_pingpong),
        T(test_real_timers),
        T(test_real_never_early),
        T(test_real_until_stop),
        T(test_orphans),
        T(test_failmalloc),
        T(test_no_alloc_after_warmup),
        T(test_heap_stress),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
