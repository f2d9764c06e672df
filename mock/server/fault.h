/*
 * fault.h - fault-injection rules of one mock door (one venue port), set
 * through the admin API: a rule matches a path prefix (or "*") and applies
 * to the next N requests or WebSocket connections (or until cleared).
 *
 * HTTP rules delay the answer (on the mock's lx_clock timers) and/or
 * replace it with an error status in the venue's dialect. WebSocket rules
 * drop a connection after N more frames or slip one malformed frame in.
 * This module only keeps and matches rules; the door and the stream hub
 * act on them.
 */
#ifndef LOTUSX_MOCK_FAULT_H
#define LOTUSX_MOCK_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "mock/server/sb.h"

#define LX_MOCK_FAULT_PATH_MAX 128
#define LX_MOCK_FAULT_MAX      64 /* rules alive at once */

enum lx_mock_fault_ws {
    LX_MOCK_FAULT_WS_NONE = 0,  /* an HTTP rule */
    LX_MOCK_FAULT_WS_DROP,      /* drop the TCP connection after N frames */
    LX_MOCK_FAULT_WS_MALFORMED, /* send one invalid-JSON text frame */
    /* Not a rule but an action, done at once by the admin API: expire the
     * listen key(s), ending the user-data stream(s). */
    LX_MOCK_FAULT_WS_EXPIRE
};

struct lx_mock_fault {
    uint64_t id;                       /* assigned by lx_mock_faults_add */
    char path[LX_MOCK_FAULT_PATH_MAX]; /* prefix of the path, or "*" */
    int64_t remaining;                 /* uses left; -1 = until cleared */
    int64_t delay_ms;                  /* HTTP: answer this much later */
    int status;                        /* HTTP: 0 or 418/429/500/502/503 */
    int64_t retry_after_s;             /* 429/418; -1 = the venue's own */
    int ws;                            /* enum lx_mock_fault_ws */
    int64_t after_frames;              /* DROP: frames still sent */
    char listen_key[72];               /* EXPIRE: one key, "" = all */
};

struct lx_mock_faults;

int lx_mock_faults_new(struct lx_mock_faults **out);
void lx_mock_faults_free(struct lx_mock_faults *f);

/*
 * Adds a rule (r->id is ignored); *id gets its id. Errors: LX_ERR_INVAL
 * (bad field: *why names it), LX_ERR_TOOBIG (LX_MOCK_FAULT_MAX rules).
 */
int lx_mock_faults_add(struct lx_mock_faults *f, const struct lx_mock_fault *r,
                       uint64_t *id, const char **why);
/*
 * Parses a rule from the admin API's JSON object:
 * {"path":"/api/v3/depth","count":2,"delay_ms":300,"status":503,
 *  "retry_after_s":5,"ws":"drop"|"malformed","after_frames":3}, or the
 * action {"ws":"listen_key_expired","listenKey":"..."} (r->ws EXPIRE).
 * why (cap bytes) gets a message naming the offending field.
 */
int lx_mock_faults_parse(const char *json, size_t len, struct lx_mock_fault *r,
                         char *why, size_t cap);
/* Removes rule id, or all rules when id is 0. Returns how many went. */
size_t lx_mock_faults_clear(struct lx_mock_faults *f, uint64_t id);
size_t lx_mock_faults_count(const struct lx_mock_faults *f);
/* Appends {"faults":[...]} to sb. */
void lx_mock_faults_json(const struct lx_mock_faults *f, struct lx_mock_sb *sb);
/* Appends one rule as a JSON object to sb. */
void lx_mock_fault_json(const struct lx_mock_fault *r, struct lx_mock_sb *sb);

/*
 * HTTP: the oldest HTTP rule whose prefix matches path; uses it once (a
 * rule whose uses run out goes). Returns 1 with *out set, else 0.
 */
int lx_mock_faults_take_http(struct lx_mock_faults *f, const char *path,
                             struct lx_mock_fault *out);
/*
 * WebSocket: the next WebSocket rule with id > *seen whose prefix matches
 * target (the connection's request target); *seen moves past every rule
 * looked at, so a connection takes each rule at most once. Uses the rule
 * once. Returns 1 with *out set, else 0.
 */
int lx_mock_faults_take_ws(struct lx_mock_faults *f, const char *target,
                           uint64_t *seen, struct lx_mock_fault *out);

#endif
