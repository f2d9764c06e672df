/*
 * clock.c - lx_clock: real and virtual time, timers, and the runner that
 * drives the application's event_base in either mode.
 *
 * Real mode reads CLOCK_MONOTONIC / CLOCK_REALTIME and gives every timer one
 * libevent timer event (event_new with fd -1), re-armed by hand for periodic
 * timers so deadlines keep their phase. Virtual mode never reads the OS
 * clock: timers sit in a binary min-heap ordered by (deadline, sequence
 * number of the start), so ties fire first-started-first. Each timer knows
 * its heap slot, which makes stop and restart O(log n) without a search,
 * and lx_timer_new reserves a slot for every live timer, so starting a
 * timer never allocates and cannot fail for lack of memory.
 *
 * A timer freed inside its own callback is only marked; the code that
 * called the callback frees it once the callback has returned.
 *
 * What it does not do: it never creates threads or event_bases, never runs
 * the loop except inside lx_clock_run, and does not make real-socket events
 * deterministic in virtual mode (only in-memory transports are).
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"

#define SUBSYS "core"

/* Heap slot of a timer that is not queued. */
#define NO_SLOT SIZE_MAX
/* First heap capacity of a virtual clock; it doubles from there. */
#define HEAP_MIN_CAP 16
/* event_base_loop passes per drain before lx_clock_run re-checks its state. */
#define DRAIN_PASSES 64
/*
 * Unread bytes on counted sockets: the virtual clock waits for them in
 * epoll, IO_WAIT_US at a time, and forgives them (a peer that closed or
 * stopped reading) after IO_STALL_NS of real time without progress. Real
 * time, not a number of polls: a loaded machine can hold loopback bytes
 * back (softirq work) for longer than any fixed number of polls takes.
 */
#define IO_WAIT_US  1000
#define IO_STALL_NS ((int64_t)250 * 1000 * 1000)

struct lx_timer {
    struct lx_clock *clock; /* NULL once the clock is freed (orphan) */
    const struct lx_mem *mem;
    lx_timer_cb cb;
    void *ud;
    struct event *ev; /* real mode only */
    int64_t deadline; /* mono ns of the next expiry */
    int64_t period;   /* 0 = one-shot */
    uint64_t seq;     /* virtual: tie-break, renewed at each arming */
    size_t slot;      /* virtual: heap index or NO_SLOT */
    bool in_cb;       /* its callback is running */
    bool doomed;      /* freed inside its callback */
    LIST_ENTRY(lx_timer) link;
};

struct lx_clock {
    struct lx_ctx *ctx;
    const struct lx_mem *mem;
    struct event_base *base;
    bool is_virtual;
    bool busy;   /* inside lx_clock_run or lx_clock_advance */
    bool in_run; /* inside lx_clock_run */
    bool stop;   /* lx_clock_stop_run was called */
    int64_t now; /* virtual mono ns */
    int64_t start_wall;
    struct lx_timer **heap;
    size_t nheap;   /* queued timers */
    size_t cap;     /* heap slots reserved (virtual) */
    size_t ntimers; /* live timers */
    uint64_t seq;
    struct event *until_ev; /* real: ends lx_clock_run at its deadline */
    struct event *io_ev;    /* virtual: bounds a wait for socket bytes */
    struct lx__io_count io; /* socket traffic (lx__clock_io) */
    LIST_HEAD(, lx_timer) timers;
};

/* ---- time ---------------------------------------------------------------- */

/* a + b for b >= 0, saturating at INT64_MAX. */
static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t os_ns(clockid_t id)
{
    struct timespec ts;

    if (clock_gettime(id, &ts) != 0) {
        return 0;
    }
    return (int64_t)ts.tv_sec * LX_SEC + ts.tv_nsec;
}

int64_t lx_clock_mono_ns(const struct lx_clock *c)
{
    return c->is_virtual ? c->now : os_ns(CLOCK_MONOTONIC);
}

int64_t lx_clock_wall_ns(const struct lx_clock *c)
{
    if (c->is_virtual) {
        return sat_add(c->start_wall, c->now);
    }
    return os_ns(CLOCK_REALTIME);
}

int64_t lx_clock_wall_ms(const struct lx_clock *c)
{
    int64_t ns = lx_clock_wall_ns(c);
    int64_t ms = ns / LX_MSEC;

    /* Round toward minus infinity so times before 1970 stay ordered. */
    return (ns % LX_MSEC < 0) ? ms - 1 : ms;
}

bool lx_clock_is_virtual(const struct lx_clock *c)
{
    return c->is_virtual;
}

struct event_base *lx_clock_base(const struct lx_clock *c)
{
    return c->base;
}

/* ---- virtual timer heap -------------------------------------------------- */

static bool fires_before(const struct lx_timer *a, const struct lx_timer *b)
{
    if (a->deadline != b->deadline) {
        return a->deadline < b->deadline;
    }
    return a->seq < b->seq;
}

static void heap_put(struct lx_clock *c, size_t i, struct lx_timer *t)
{
    c->heap[i] = t;
    t->slot = i;
}

static void sift_up(struct lx_clock *c, size_t i)
{
    struct lx_timer *t = c->heap[i];

    while (i > 0 && fires_before(t, c->heap[(i - 1) / 2])) {
        heap_put(c, i, c->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_put(c, i, t);
}

static void sift_down(struct lx_clock *c, size_t i)
{
    struct lx_timer *t = c->heap[i];

    for (;;) {
        size_t m = 2 * i + 1;

        if (m >= c->nheap) {
            break;
        }
        if (m + 1 < c->nheap && fires_before(c->heap[m + 1], c->heap[m])) {
            m++;
        }
        if (!fires_before(c->heap[m], t)) {
            break;
        }
        heap_put(c, i, c->heap[m]);
        i = m;
    }
    heap_put(c, i, t);
}

/* Never allocates: lx_timer_new reserved a slot for every live timer. */
static void heap_push(struct lx_clock *c, struct lx_timer *t)
{
    t->seq = c->seq++;
    heap_put(c, c->nheap++, t);
    sift_up(c, t->slot);
}

static void heap_remove(struct lx_clock *c, struct lx_timer *t)
{
    size_t i = t->slot;
    struct lx_timer *last = c->heap[--c->nheap];

    t->slot = NO_SLOT;
    if (i == c->nheap) {
        return;
    }
    heap_put(c, i, last);
    if (i > 0 && fires_before(last, c->heap[(i - 1) / 2])) {
        sift_up(c, i);
    } else {
        sift_down(c, i);
    }
}

/* Makes room for one more live timer; the array only ever grows. */
static int heap_reserve(struct lx_clock *c)
{
    size_t ncap;
    struct lx_timer **p;

    if (c->ntimers < c->cap) {
        return LX_OK;
    }
    ncap = c->cap == 0 ? HEAP_MIN_CAP : c->cap * 2;
    if (ncap > LX_CLOCK_MAX_TIMERS) {
        ncap = LX_CLOCK_MAX_TIMERS;
    }
    p = lx__realloc(c->mem, c->heap, ncap * sizeof(*p));
    if (p == NULL) {
        return LX_ERR_NOMEM;
    }
    c->heap = p;
    c->cap = ncap;
    return LX_OK;
}

/* ---- timers -------------------------------------------------------------- */

static void timer_destroy(struct lx_timer *t)
{
    lx_timer_stop(t);
    if (t->ev != NULL) {
        event_free(t->ev);
    }
    if (t->clock != NULL) {
        LIST_REMOVE(t, link);
        t->clock->ntimers--;
    }
    lx__free(t->mem, t);
}

/* Runs t's callback; frees t afterwards if the callback freed it. */
static void timer_fire(struct lx_timer *t)
{
    t->in_cb = true;
    t->cb(t, t->ud);
    t->in_cb = false;
    if (t->doomed) {
        timer_destroy(t);
    }
}

/* Adds a libevent timer delay_ns from now, rounded up to microseconds. */
static int evtimer_add_ns(struct event *ev, int64_t delay_ns)
{
    struct timeval tv;
    int64_t us = delay_ns / LX_USEC + (delay_ns % LX_USEC != 0);

    /* Cap at 68 years so a 32-bit time_t cannot overflow. */
    if (us / 1000000 > INT32_MAX) {
        us = (int64_t)INT32_MAX * 1000000;
    }
    tv.tv_sec = (time_t)(us / 1000000);
    tv.tv_usec = (suseconds_t)(us % 1000000);
    return evtimer_add(ev, &tv);
}

/*
 * Real-mode expiry. libevent measures timeouts from its cached time, which
 * (CLOCK_MONOTONIC_COARSE unless the base asks for precise timers) can lag
 * the monotonic clock by a tick, so a timer may come up to a tick before
 * its deadline: it is then re-armed for what is left, and never runs
 * early. A periodic timer is re-armed before its callback runs, on the
 * next deadline of its original phase that lies in the future.
 */
static void real_cb(evutil_socket_t fd, short what, void *arg)
{
    struct lx_timer *t = arg;
    int64_t now = os_ns(CLOCK_MONOTONIC);

    LX_UNUSED(fd);
    LX_UNUSED(what);
    if (now < t->deadline && evtimer_add_ns(t->ev, t->deadline - now) == 0) {
        return;
    }
    if (t->period > 0) {
        int64_t next = sat_add(t->deadline, t->period);

        if (next <= now) {
            int64_t missed = (now - t->deadline) / t->period;

            next = sat_add(t->deadline, missed < INT64_MAX / t->period
                                            ? (missed + 1) * t->period
                                            : INT64_MAX);
        }
        t->deadline = next;
        if (LX_NEVER(evtimer_add_ns(t->ev, next - now) != 0)) {
            LX_LOGE(t->clock->ctx, SUBSYS, "timer_rearm failed");
        }
    }
    timer_fire(t);
}

int lx_timer_new(struct lx_timer **out, struct lx_clock *c, lx_timer_cb cb,
                 void *ud)
{
    struct lx_timer *t;

    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || c == NULL || cb == NULL) {
        return LX_ERR_INVAL;
    }
    if (c->ntimers >= LX_CLOCK_MAX_TIMERS) {
        return LX_ERR_TOOBIG;
    }
    if (c->is_virtual && heap_reserve(c) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    t = lx__calloc(c->mem, 1, sizeof(*t));
    if (t == NULL) {
        return LX_ERR_NOMEM;
    }
    if (!c->is_virtual) {
        t->ev = event_new(c->base, -1, 0, real_cb, t);
        if (t->ev == NULL) {
            lx__free(c->mem, t);
            return LX_ERR_NOMEM;
        }
    }
    t->clock = c;
    t->mem = c->mem;
    t->cb = cb;
    t->ud = ud;
    t->slot = NO_SLOT;
    LIST_INSERT_HEAD(&c->timers, t, link);
    c->ntimers++;
    *out = t;
    return LX_OK;
}

int lx_timer_start(struct lx_timer *t, int64_t delay_ns, int64_t period_ns)
{
    struct lx_clock *c;

    if (t == NULL || delay_ns < 0 || period_ns < 0) {
        return LX_ERR_INVAL;
    }
    c = t->clock;
    if (c == NULL || t->doomed) {
        return LX_ERR_STATE;
    }
    lx_timer_stop(t);
    t->period = period_ns;
    t->deadline = sat_add(lx_clock_mono_ns(c), delay_ns);
    if (c->is_virtual) {
        if (LX_NEVER(c->nheap >= c->cap)) {
            return LX_ERR_INTERNAL;
        }
        heap_push(c, t);
        return LX_OK;
    }
    if (evtimer_add_ns(t->ev, delay_ns) != 0) {
        return LX_ERR_INTERNAL;
    }
    return LX_OK;
}

void lx_timer_stop(struct lx_timer *t)
{
    if (t == NULL || t->clock == NULL) {
        return;
    }
    if (t->clock->is_virtual) {
        if (t->slot != NO_SLOT) {
            heap_remove(t->clock, t);
        }
    } else {
        evtimer_del(t->ev);
    }
}

bool lx_timer_pending(const struct lx_timer *t)
{
    if (t == NULL || t->clock == NULL) {
        return false;
    }
    if (t->clock->is_virtual) {
        return t->slot != NO_SLOT;
    }
    return evtimer_pending(t->ev, NULL) != 0;
}

void lx_timer_free(struct lx_timer *t)
{
    if (t == NULL) {
        return;
    }
    if (t->in_cb) {
        lx_timer_stop(t);
        t->doomed = true;
        return;
    }
    timer_destroy(t);
}

/* ---- clocks -------------------------------------------------------------- */

static void until_cb(evutil_socket_t fd, short what, void *arg)
{
    struct lx_clock *c = arg;

    LX_UNUSED(fd);
    LX_UNUSED(what);
    event_base_loopbreak(c->base);
}

static int clock_alloc(struct lx_clock **out, struct lx_ctx *ctx,
                       struct event_base *base, bool is_virtual)
{
    const struct lx_mem *mem = lx_ctx_mem(ctx);
    struct lx_clock *c = lx__calloc(mem, 1, sizeof(*c));

    if (c == NULL) {
        return LX_ERR_NOMEM;
    }
    c->ctx = ctx;
    c->mem = mem;
    c->base = base;
    c->is_virtual = is_virtual;
    LIST_INIT(&c->timers);
    *out = c;
    return LX_OK;
}

int lx_clock_new_real(struct lx_clock **out, struct lx_ctx *ctx,
                      struct event_base *base)
{
    struct lx_clock *c;
    int rc;

    if (out != NULL) {
        *out = NULL;
    }
    if (out == NULL || base == NULL) {
        return LX_ERR_INVAL;
    }
    rc = clock_alloc(&c, ctx, base, false);
    if (rc != LX_OK) {
        return rc;
    }
    c->until_ev = evtimer_new(base, until_cb, c);
    if (c->until_ev == NULL) {
        lx__free(c->mem, c);
        return LX_ERR_NOMEM;
    }
    *out = c;
    return LX_OK;
}

int lx_clock_new_virtual(struct lx_clock **out, struct lx_ctx *ctx,
                         struct event_base *base, int64_t start_wall_ns)
{
    struct lx_clock *c;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    rc = clock_alloc(&c, ctx, base, true);
    if (rc != LX_OK) {
        return rc;
    }
    c->start_wall = start_wall_ns;
    *out = c;
    return LX_OK;
}

void lx_clock_free(struct lx_clock *c)
{
    struct lx_timer *t;
    size_t orphans = 0;

    if (c == NULL) {
        return;
    }
    /* Orphan what the caller left, so its later lx_timer_free is safe. */
    while ((t = LIST_FIRST(&c->timers)) != NULL) {
        lx_timer_stop(t);
        if (t->ev != NULL) {
            event_free(t->ev);
            t->ev = NULL;
        }
        LIST_REMOVE(t, link);
        t->clock = NULL;
        orphans++;
    }
    if (orphans > 0) {
        LX_LOGW(c->ctx, SUBSYS, "clock_free live_timers=%zu", orphans);
    }
    if (c->until_ev != NULL) {
        event_free(c->until_ev);
    }
    if (c->io_ev != NULL) {
        event_free(c->io_ev);
    }
    lx__free(c->mem, c->heap);
    lx__free(c->mem, c);
}

/* ---- running ------------------------------------------------------------- */

/* Pops the earliest virtual timer, re-queues it if periodic, fires it. */
static void fire_next(struct lx_clock *c)
{
    struct lx_timer *t = c->heap[0];

    heap_remove(c, t);
    if (t->deadline > c->now) {
        c->now = t->deadline;
    }
    /* A next deadline past INT64_MAX can never come; the timer ends. */
    if (t->period > 0 && t->deadline <= INT64_MAX - t->period) {
        t->deadline += t->period;
        heap_push(c, t);
    }
    timer_fire(t);
}

static void io_wait_cb(evutil_socket_t fd, short what, void *ud)
{
    LX_UNUSED(fd);
    LX_UNUSED(what);
    LX_UNUSED(ud);
}

/*
 * Blocks in the event loop until some event is ready (socket bytes) or
 * IO_WAIT_US pass. Without the timer event it falls back to one poll.
 */
static int io_wait(struct lx_clock *c)
{
    struct timeval tv = {0, IO_WAIT_US};

    if (c->io_ev == NULL) {
        c->io_ev = event_new(c->base, -1, 0, io_wait_cb, NULL);
    }
    if (c->io_ev == NULL || evtimer_add(c->io_ev, &tv) != 0) {
        return event_base_loop(c->base, EVLOOP_NONBLOCK) < 0 ? LX_ERR_INTERNAL
                                                             : LX_OK;
    }
    if (event_base_loop(c->base, EVLOOP_ONCE) < 0) {
        (void)event_del(c->io_ev);
        return LX_ERR_INTERNAL;
    }
    (void)event_del(c->io_ev);
    return LX_OK;
}

/*
 * Runs ready libevent callbacks until none is active. *quiet tells whether
 * that was reached; it is not after a stop or after DRAIN_PASSES passes
 * that some callback kept breaking.
 */
static int drain(struct lx_clock *c, bool *quiet)
{
    uint64_t seen = c->io.in + c->io.out;
    int64_t stalled_at = 0; /* real ns when progress last stopped */
    int i;

    *quiet = true;
    if (c->base == NULL) {
        return LX_OK;
    }
    for (i = 0; i < DRAIN_PASSES && !c->stop;) {
        if (event_base_loop(c->base, EVLOOP_NONBLOCK) < 0) {
            return LX_ERR_INTERNAL;
        }
        if (event_base_get_num_events(c->base, EVENT_BASE_COUNT_ACTIVE) != 0) {
            i++;
            continue;
        }
        /*
         * Nothing active. Bytes written to a counted (in-process, TCP)
         * socket and not read yet are still in the kernel: wait for them,
         * so that peers over real TCP see the same order of events as
         * over in-memory pairs. Bytes nobody reads (a peer that closed or
         * stopped reading) are forgiven after IO_STALL_NS without
         * progress.
         */
        if (c->io.in == c->io.out) {
            return LX_OK;
        }
        if (c->io.in + c->io.out != seen) {
            seen = c->io.in + c->io.out;
            stalled_at = 0;
        } else if (stalled_at == 0) {
            stalled_at = os_ns(CLOCK_MONOTONIC);
        } else if (os_ns(CLOCK_MONOTONIC) - stalled_at > IO_STALL_NS) {
            c->io.in = c->io.out;
            return LX_OK;
        }
        if (io_wait(c) != LX_OK) {
            return LX_ERR_INTERNAL;
        }
    }
    *quiet = false;
    return LX_OK;
}

static int run_virtual(struct lx_clock *c, int64_t until)
{
    bool quiet;
    int rc;

    for (;;) {
        rc = drain(c, &quiet);
        if (rc != LX_OK || c->stop) {
            return rc;
        }
        if (!quiet) {
            continue;
        }
        if (c->nheap > 0 && c->heap[0]->deadline <= c->now) {
            fire_next(c);
        } else if (c->nheap > 0 && c->heap[0]->deadline <= until) {
            /* Jump, then drain again before the timer fires. */
            c->now = c->heap[0]->deadline;
        } else {
            break;
        }
    }
    if (until != INT64_MAX && until > c->now) {
        c->now = until;
    }
    return LX_OK;
}

static int run_real(struct lx_clock *c, int64_t until)
{
    int flags = 0, rc;

    if (until != INT64_MAX) {
        int64_t now = os_ns(CLOCK_MONOTONIC);

        if (until <= now) {
            flags = EVLOOP_NONBLOCK;
        } else if (evtimer_add_ns(c->until_ev, until - now) != 0) {
            return LX_ERR_INTERNAL;
        }
    }
    rc = event_base_loop(c->base, flags);
    evtimer_del(c->until_ev);
    return rc < 0 ? LX_ERR_INTERNAL : LX_OK;
}

int lx_clock_run(struct lx_clock *c, int64_t until_mono_ns)
{
    int rc;

    if (c == NULL) {
        return LX_ERR_INVAL;
    }
    if (c->busy) {
        return LX_ERR_STATE;
    }
    c->busy = c->in_run = true;
    c->stop = false;
    if (c->is_virtual) {
        rc = run_virtual(c, until_mono_ns);
    } else {
        rc = run_real(c, until_mono_ns);
    }
    c->busy = c->in_run = c->stop = false;
    return rc;
}

void lx_clock_stop_run(struct lx_clock *c)
{
    if (c == NULL || !c->in_run) {
        return;
    }
    c->stop = true;
    if (c->base != NULL) {
        event_base_loopbreak(c->base);
    }
}

int lx_clock_advance(struct lx_clock *c, int64_t delta_ns)
{
    int64_t target;

    if (c == NULL || delta_ns < 0) {
        return LX_ERR_INVAL;
    }
    if (!c->is_virtual || c->busy) {
        return LX_ERR_STATE;
    }
    target = sat_add(c->now, delta_ns);
    c->busy = true;
    while (c->nheap > 0 && c->heap[0]->deadline <= target) {
        fire_next(c);
    }
    c->busy = false;
    c->now = target;
    return LX_OK;
}

struct lx__io_count *lx__clock_io(struct lx_clock *c)
{
    return &c->io;
}
