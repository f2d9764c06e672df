/*
 * mock.h - the front door of lotusx-mock: routing of one venue's REST
 * paths, request parameters, responses, and the per-client rate limiter.
 *
 * One struct lx_mock_door serves one venue on one lx_http_server (REST and
 * WebSocket upgrades on the same port). A venue dialect (mock/venues/x)
 * registers its routes; the door parses each request's parameters (query
 * string and form body, as the venues accept both), charges its weight to
 * the client's rate-limit window, and calls the route with a struct
 * lx_mock_call. Paths under LX_MOCK_ADMIN_PREFIX are the admin API and are
 * refused to non-loopback peers unless allowed. The door also holds the
 * port's fault-injection rules (fault.h; HTTP rules it applies itself) and
 * the mock's clock (an offset / freeze layer over the lx_clock, moved by
 * the admin API).
 *
 * Mock-internal: never installed, names lx_mock_*.
 */
#ifndef LOTUSX_MOCK_H
#define LOTUSX_MOCK_H

#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_net.h"
#include "lotusx/lx_url.h"

#define LX_MOCK_ADMIN_PREFIX "/_lotusx/"

struct lx_mock_door;
struct lx_mock_call;

/* Route flags. */
enum {
    LX_MOCK_ROUTE_ADMIN = 1 << 0, /* under LX_MOCK_ADMIN_PREFIX */
    LX_MOCK_ROUTE_ORDER = 1 << 1  /* counts toward the order-count limits */
};

typedef void (*lx_mock_route_fn)(struct lx_mock_call *call, void *ud);

/*
 * What a venue tells the door about itself: how to answer an unknown path,
 * a wrong method, a malformed parameter string and a rate-limit breach, in
 * its own dialect. Each renders a complete response with
 * lx_mock_respond*. NULL members fall back to plain-text answers.
 */
struct lx_mock_dialect {
    void (*not_found)(struct lx_mock_call *call);
    void (*bad_method)(struct lx_mock_call *call);
    void (*bad_params)(struct lx_mock_call *call);
    /* status 429 or 418; retry_after_s for the Retry-After header. */
    void (*rate_limited)(struct lx_mock_call *call, int status,
                         int64_t retry_after_s);
    /* Adds the venue's usage headers (e.g. X-MBX-USED-WEIGHT-1M). */
    int (*usage_headers)(struct lx_mock_call *call, struct lx_http_msg *resp);
    /* An injected server error: status 500, 502 or 503 (fault rules). */
    void (*server_error)(struct lx_mock_call *call, int status);
};

/* Rate limits of one venue; 0 disables a limit. */
struct lx_mock_limits {
    int64_t weight_per_min; /* request weight per client per minute */
    int64_t orders_per_10s; /* order requests per account per 10 s */
    int64_t orders_per_day; /* order requests per account per day */
    int64_t ban_after_429s; /* 429s in one window before 418 */
    int64_t ban_seconds;    /* how long a 418 lasts */
};

/*
 * Creates a door on srv's network (the lx_http_server's handler must call
 * lx_mock_door_handle). Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx_mock_door_new(struct lx_mock_door **out, struct lx_net *net,
                     struct lx_clock *clock, const char *venue,
                     const struct lx_mock_dialect *dialect,
                     const struct lx_mock_limits *limits);
void lx_mock_door_free(struct lx_mock_door *d);

/*
 * Adds a route: method ("GET", ...) and exact path ("/api/v3/depth").
 * weight is charged before fn runs. Errors: LX_ERR_INVAL, LX_ERR_NOMEM,
 * LX_ERR_EXISTS (same method and path twice).
 */
int lx_mock_door_route(struct lx_mock_door *d, const char *method,
                       const char *path, int weight, int flags,
                       lx_mock_route_fn fn, void *ud);

/*
 * The request weight of a route that depends on its parameters (Binance's
 * depth by limit): called after the parameters are parsed, before the
 * weight is charged; replaces the fixed weight of the route (method,
 * path). Errors: LX_ERR_NOTFOUND (no such route).
 */
typedef int (*lx_mock_weight_fn)(const struct lx_mock_call *call);
int lx_mock_door_set_weigher(struct lx_mock_door *d, const char *method,
                             const char *path, lx_mock_weight_fn fn);

/* Admin paths answer non-loopback peers too when allow is 1. */
void lx_mock_door_allow_remote_admin(struct lx_mock_door *d, int allow);

/* Forgets every rate-limit window and ban (admin reset). */
void lx_mock_door_reset_limits(struct lx_mock_door *d);

/*
 * The lx_http_server handler: routes req. Upgrade requests (WebSocket)
 * go to the upgrade function when one is set, else get 400.
 */
void lx_mock_door_handle(struct lx_http_req *req, void *door);
/*
 * Handles every request (admin ones aside) ns later on the door's clock:
 * the order-entry latency of a backtest. 0 (the default) = at once.
 */
void lx_mock_door_set_latency(struct lx_mock_door *d, int64_t ns);
void lx_mock_door_set_upgrade(struct lx_mock_door *d,
                              void (*fn)(struct lx_http_req *req, void *ud),
                              void *ud);

/*
 * The door's fault-injection rules (fault.h): HTTP rules are applied by
 * the door to every non-admin request; WebSocket rules are read by the
 * venue's stream hub. Borrowed, lives as long as the door.
 */
struct lx_mock_faults;
struct lx_mock_faults *lx_mock_door_faults(struct lx_mock_door *d);

/*
 * The mock's clock: the door's lx_clock plus an offset, or frozen at an
 * instant. Everything the venue stamps (server time, order and event
 * times, rate-limit windows, signature time checks) reads it. Timers still
 * run on the lx_clock; code that steps with time (the synthetic market)
 * registers a hook to follow freeze, resume and advance.
 */
int64_t lx_mock_door_now_ns(const struct lx_mock_door *d);
int64_t lx_mock_door_now_ms(const struct lx_mock_door *d);
int lx_mock_door_frozen(const struct lx_mock_door *d);
/* Offset of the mock's clock from the lx_clock's wall time, ns. */
int64_t lx_mock_door_offset_ns(const struct lx_mock_door *d);
void lx_mock_door_freeze(struct lx_mock_door *d);
void lx_mock_door_resume(struct lx_mock_door *d);
/* Moves the mock's clock forward; LX_ERR_INVAL when ms < 0. */
int lx_mock_door_advance(struct lx_mock_door *d, int64_t ms);
/*
 * Called after freeze (frozen 1), resume (0) and advance (advanced_ns).
 * With step_ns > 0 an advance moves in steps of step_ns (at most
 * LX_MOCK_CLOCK_MAX_STEPS, then the rest at once), calling fn after each,
 * so a hook that steps with time sees each step at its own instant.
 */
#define LX_MOCK_CLOCK_MAX_STEPS 3600
typedef void (*lx_mock_clock_hook)(int frozen, int64_t advanced_ns, void *ud);
void lx_mock_door_on_clock(struct lx_mock_door *d, lx_mock_clock_hook fn,
                           void *ud, int64_t step_ns);

/* ---- inside a route ------------------------------------------------------ */

struct lx_http_req *lx_mock_call_req(const struct lx_mock_call *c);
const struct lx_http_msg *lx_mock_call_msg(const struct lx_mock_call *c);
const char *lx_mock_call_path(const struct lx_mock_call *c);
/* The raw query string as sent ("" when none), for signature checks. */
const char *lx_mock_call_query(const struct lx_mock_call *c, size_t *len);
/* The raw body ("" when none). */
const char *lx_mock_call_body(const struct lx_mock_call *c, size_t *len);
/* Parameters from the query string, then the form body; decoded. */
const struct lx_query *lx_mock_call_params(const struct lx_mock_call *c);
/* A decoded parameter or NULL; len may be NULL. */
const char *lx_mock_call_param(const struct lx_mock_call *c, const char *key,
                               size_t *len);
/* Current time of the mock's clock, ms since the epoch. */
int64_t lx_mock_call_now_ms(const struct lx_mock_call *c);
/* The client's rate-limit key (its address without port). */
const char *lx_mock_call_client(const struct lx_mock_call *c);
/* Weight used by this client in the current minute, this call included. */
int64_t lx_mock_call_used_weight(const struct lx_mock_call *c);
/* The door's limits. */
const struct lx_mock_limits *lx_mock_call_limits(const struct lx_mock_call *c);
/*
 * Charges one order to account (a venue account id) against the order
 * limits. Returns LX_OK or LX_ERR_RATE_LIMIT (the route then answers with
 * the venue's error); *count_10s / *count_day receive the counts after the
 * charge (for the venue's order-count headers); either may be NULL.
 */
int lx_mock_call_charge_order(struct lx_mock_call *c, uint64_t account,
                              int64_t *count_10s, int64_t *count_day);
/*
 * 1 when the call charged orders, with out[] = the account's order counts
 * after them in the current 10 s, minute and day windows (for the venue's
 * order-count headers); 0 and out untouched otherwise.
 */
int lx_mock_call_order_counts(const struct lx_mock_call *c, int64_t out[3]);
/* The venue name the door was made with ("binance", "binanceusdm"). */
const char *lx_mock_call_venue(const struct lx_mock_call *c);

/*
 * Answers the call: status, a NULL-terminated name/value header list (may
 * be NULL), content type and body. The venue's usage headers are added.
 * Returns LX_OK or LX_ERR_NOMEM (the connection is then closed).
 */
int lx_mock_respond(struct lx_mock_call *c, int status,
                    const char *const *headers, const char *content_type,
                    const void *body, size_t len);
int lx_mock_respond_json(struct lx_mock_call *c, int status, const char *json,
                         size_t len);

#endif
