/*
 * lx_clock.h - the one source of time in LotuSX: a real or a virtual clock,
 * timers on it, and a runner that drives the application's event_base.
 *
 * Every module reads time and schedules timeouts through a struct lx_clock,
 * never through time(), gettimeofday(), clock_gettime() or evtimer_add().
 * That is what lets the same connector, mock and strategy code run live
 * (real clock) or as a deterministic, faster-than-real-time simulation
 * (virtual clock) without a single change.
 *
 * Real clock: mono is CLOCK_MONOTONIC, wall is CLOCK_REALTIME, and each
 * timer is one libevent timer event on the base. The application may run
 * the base itself (event_base_dispatch) or call lx_clock_run.
 *
 * Virtual clock: the OS clock is never read. Mono starts at 0 and moves only
 * inside lx_clock_run and lx_clock_advance; wall is start_wall_ns + mono.
 * Timers live in a heap inside the clock, not on the base, so they fire only
 * from lx_clock_run or lx_clock_advance; an application that dispatches the
 * base itself would never see them. Timers due at the same instant fire in
 * the order they were started (FIFO), so a run is reproducible.
 *
 * Threads: none. A clock, its timers and its base belong to the one thread
 * that runs the loop; no function here may be called from another thread.
 */
#ifndef LOTUSX_LX_CLOCK_H
#define LOTUSX_LX_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "lx_common.h"
#include "lx_mem.h"

struct event_base;
struct lx_clock;
struct lx_timer;

/* Nanoseconds per unit, for readable durations (5 * LX_SEC). */
#define LX_USEC INT64_C(1000)
#define LX_MSEC INT64_C(1000000)
#define LX_SEC  INT64_C(1000000000)

/*
 * Most timers one clock may have alive at once; lx_timer_new returns
 * LX_ERR_TOOBIG beyond it. It bounds the heap a flood of connections can
 * make (each connection owns a few timers).
 */
#define LX_CLOCK_MAX_TIMERS (1UL << 22)

/*
 * Creates a real clock over `base`. ctx gives the allocator and log sink and
 * may be NULL (libc, stderr); it and base must outlive the clock.
 * Returns LX_OK, LX_ERR_INVAL (out or base NULL), LX_ERR_NOMEM.
 * On error *out is NULL. Loop thread.
 */
LX_EXTERN int lx_clock_new_real(struct lx_clock **out, struct lx_ctx *ctx,
                                struct event_base *base);

/*
 * Creates a virtual clock whose mono time is 0 and whose wall time is
 * start_wall_ns (ns since the Unix epoch, e.g. a capture's first record).
 * base may be NULL: lx_clock_run then only fires timers, which suits code
 * that has no libevent events. ctx may be NULL.
 * Returns LX_OK, LX_ERR_INVAL (out NULL), LX_ERR_NOMEM. Loop thread.
 */
LX_EXTERN int lx_clock_new_virtual(struct lx_clock **out, struct lx_ctx *ctx,
                                   struct event_base *base,
                                   int64_t start_wall_ns);

/*
 * Frees the clock; NULL is allowed. Free its timers first: a timer still
 * alive is stopped and orphaned (logged as a warning) and then only
 * lx_timer_free may be called on it. Must not be called from inside
 * lx_clock_run or lx_clock_advance of this clock.
 */
LX_EXTERN void lx_clock_free(struct lx_clock *c);

/* True for a clock made by lx_clock_new_virtual. */
LX_EXTERN bool lx_clock_is_virtual(const struct lx_clock *c);

/* The event_base the clock was created with (NULL for a virtual clock
 * created without one). Borrowed. */
LX_EXTERN struct event_base *lx_clock_base(const struct lx_clock *c);

/*
 * Monotonic time in ns: CLOCK_MONOTONIC (real) or virtual elapsed time since
 * creation (virtual). Never goes backwards. Use it for durations and
 * deadlines.
 */
LX_EXTERN int64_t lx_clock_mono_ns(const struct lx_clock *c);

/*
 * Wall-clock time in ns since the Unix epoch: CLOCK_REALTIME (real; may jump
 * when the system clock is set) or start_wall_ns + mono (virtual). Use it
 * for timestamps a venue sees (request signing, recv time in captures).
 */
LX_EXTERN int64_t lx_clock_wall_ns(const struct lx_clock *c);

/* lx_clock_wall_ns in whole milliseconds (rounded down), as venues want. */
LX_EXTERN int64_t lx_clock_wall_ms(const struct lx_clock *c);

/*
 * Runs the clock's event loop until there is nothing left to do, until mono
 * time reaches until_mono_ns (INT64_MAX = no limit), or until
 * lx_clock_stop_run is called from a callback.
 *
 * Virtual clock, one step at a time: (1) run every ready libevent callback
 * on the base (event_base_loop with EVLOOP_NONBLOCK) until none is active,
 * so work triggered at this instant (e.g. a request written into a
 * bufferevent_pair and its answer) completes at this instant; (2) if a timer
 * is due at or before now, fire it, one timer per step; (3) otherwise jump
 * mono time to the earliest deadline if it is <= until_mono_ns; (4)
 * otherwise stop. Libevent events that wait on real sockets or real time are
 * polled but never waited for. When it stops for (4) and until_mono_ns is
 * not INT64_MAX, mono time is set to until_mono_ns if that lies ahead; after
 * lx_clock_stop_run it stays at the instant of the stop.
 *
 * Real clock: event_base_loop(base, 0), so it also returns when the base has
 * no events left (libevent's rule); with a finite until_mono_ns it returns
 * at that CLOCK_MONOTONIC time at the latest (a past time makes it run only
 * the callbacks that are ready now).
 *
 * Returns LX_OK; LX_ERR_INVAL (c NULL); LX_ERR_STATE when called from inside
 * lx_clock_run or lx_clock_advance of the same clock; LX_ERR_INTERNAL when
 * event_base_loop fails (which includes being called from a callback of an
 * event_base_dispatch the application is already running). Loop thread,
 * never from inside a running event_base_loop of the same base.
 */
LX_EXTERN int lx_clock_run(struct lx_clock *c, int64_t until_mono_ns);

/*
 * Makes the lx_clock_run in progress return after the callback that calls
 * this returns; ready libevent callbacks and due timers not yet run stay
 * queued for the next run. Does nothing when no lx_clock_run is in
 * progress (it does not stop an event_base_dispatch of the application).
 */
LX_EXTERN void lx_clock_stop_run(struct lx_clock *c);

/*
 * Virtual clock only: moves mono time forward by delta_ns, firing every
 * timer due on the way in (deadline, start order) order, with mono time set
 * to each timer's deadline while it fires (overdue timers fire at the
 * current time), then sets mono time to start + delta_ns. A timer started
 * from a callback fires in the same call if its deadline falls in range.
 * Unlike lx_clock_run it does not run libevent callbacks: it is the
 * primitive for code that interleaves its own work with time.
 * Returns LX_OK; LX_ERR_INVAL (c NULL or delta_ns < 0); LX_ERR_STATE (real
 * clock, or called from inside lx_clock_run or lx_clock_advance).
 * Loop thread.
 */
LX_EXTERN int lx_clock_advance(struct lx_clock *c, int64_t delta_ns);

/*
 * Called when timer t expires. For a periodic timer the next expiry is
 * already scheduled when this runs (lx_timer_pending is true), so it may
 * stop itself; any timer may restart or free itself from here.
 */
typedef void (*lx_timer_cb)(struct lx_timer *t, void *ud);

/*
 * Creates a stopped timer on clock c that calls cb(t, ud) on expiry. A
 * virtual clock reserves the timer's heap slot here, so lx_timer_start never
 * allocates.
 * Returns LX_OK, LX_ERR_INVAL (out, c or cb NULL), LX_ERR_NOMEM,
 * LX_ERR_TOOBIG (LX_CLOCK_MAX_TIMERS reached). On error *out is NULL.
 * Loop thread; also from a timer callback.
 */
LX_EXTERN int lx_timer_new(struct lx_timer **out, struct lx_clock *c,
                           lx_timer_cb cb, void *ud);

/*
 * (Re)starts t: it expires delay_ns from now, then, when period_ns > 0,
 * every period_ns after that deadline (deadlines do not drift with the time
 * callbacks take). Restarting a pending timer replaces its schedule; among
 * timers due at the same virtual instant it then fires after those started
 * before. The callback never runs inside this call, even with delay 0.
 * A virtual periodic timer that falls behind fires once per missed period;
 * a real one skips the periods it missed and keeps its phase.
 * Real timers have microsecond resolution (delays round up) and never run
 * before their deadline on the monotonic clock (libevent's coarse cached
 * time can make one come early; it is then re-armed for what is left).
 * Returns LX_OK; LX_ERR_INVAL (t NULL, delay_ns < 0 or period_ns < 0; the
 * timer is unchanged); LX_ERR_STATE (the timer's clock was freed, or t was
 * freed inside its callback); LX_ERR_INTERNAL (libevent refused the timer;
 * the timer is then stopped). Loop thread; also from any callback.
 */
LX_EXTERN int lx_timer_start(struct lx_timer *t, int64_t delay_ns,
                             int64_t period_ns);

/* Stops t if pending; NULL and stopped timers are fine. Loop thread. */
LX_EXTERN void lx_timer_stop(struct lx_timer *t);

/* True while t is scheduled to expire (false for NULL). */
LX_EXTERN bool lx_timer_pending(const struct lx_timer *t);

/*
 * Stops and frees t; NULL is allowed. Safe inside t's own callback: the
 * memory is released when the callback returns, and t must not be used
 * after this call in any case. Loop thread.
 */
LX_EXTERN void lx_timer_free(struct lx_timer *t);

#endif
