/*
 * replay_int.h - what replay_load.c builds and replay_ws.c / replay_rest.c
 * serve: the capture's venue frames and HTTP exchanges, in memory.
 */
#ifndef LOTUSX_MOCK_REPLAY_INT_H
#define LOTUSX_MOCK_REPLAY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/lx_internal.h"
#include "mock/replay/replay.h"

/* A recorded WebSocket connection. */
struct rp_rconn {
    int64_t stream_id;
    char **subs; /* stream names it carried (URL and SUBSCRIBE) */
    size_t nsubs, cap;
    int gone; /* its close was recorded before --from */
};

enum { RP_FRAME = 1, RP_CLOSE = 2 };

/* One thing the venue did on a recorded connection, in capture order. */
struct rp_event {
    int type;
    int opcode;
    uint32_t rconn;
    int64_t wall_ns;
    int owner;        /* frame: rconn owns its stream (or one of them) then */
    char *stream;     /* frame's stream name, or NULL when unknown */
    int32_t name;     /* its index in names[], or -1 */
    const char *hint; /* untagged frame: "@trade", ... guessed from it */
    uint8_t *data;    /* payload as recorded */
    size_t len;
    size_t doff; /* {"stream":..,"data":X}: X = data[doff..doff+dlen) */
    size_t dlen; /* 0 when the frame is not wrapped */
};

/* One recorded HTTP exchange. */
struct rp_pair {
    int64_t sid; /* capture stream, to pair the response */
    char *method;
    char *path;
    char *params; /* normalized: volatile removed, sorted, encoded */
    char *target; /* as recorded, for the error message */
    int status;
    char **headers; /* name, value, ..., NULL (without framing headers) */
    char *ctype;
    uint8_t *body;
    size_t len;
    int used;
};

struct rp_client;

/* From event index `from` on, stream name is served from rconn (-1: none). */
struct rp_seg {
    size_t from;
    int64_t rconn;
};

/* A recorded stream name. */
struct rp_name {
    char *name;
    uint32_t *carriers; /* rconns that carried it, ascending */
    size_t ncarriers, capcarriers;
    struct rp_seg *segs; /* who serves it when, by event index, ascending */
    size_t nsegs, capsegs;
    /* the resume point: a client of this stream was closed by the recorded
     * close at event ev - 1 (wall time wall); 0 when none */
    size_t resume_ev;
    int64_t resume_wall;
};

struct lx_mock_replay {
    const struct lx_mem *mem;
    struct lx_net *net;
    struct lx_clock *clock;
    struct lx_mock_replay_opts opts;
    int64_t base_wall_ns; /* capture time of a client's start */
    int64_t end_wall_ns;  /* the latest event's wall time */
    struct rp_rconn *rconns;
    size_t nrconns, caprconns;
    struct rp_event *evs;
    size_t nevs, capevs;
    struct rp_pair *pairs;
    size_t npairs, cappairs;
    struct rp_name *names;
    size_t nnames, capnames;
    struct rp_client *clients;
    size_t nclients;
    uint64_t client_ids; /* ids handed out so far */
    /* The replay clock (admin API): frozen, or running at the speed from
     * clk_wall at mono time clk_mono. Clients' own timelines move with it
     * (replay_ws.c). */
    int frozen;
    int64_t clk_wall, clk_mono;
};

/* replay_load.c */
int lx__rp_load(struct lx_mock_replay *r, const char *path, char *err,
                size_t cap);
void lx__rp_unload(struct lx_mock_replay *r);
/* Adds '/'-separated stream names s[0..n) to a list (no duplicates). */
int lx__rp_add_names(const struct lx_mem *mem, char ***list, size_t *n,
                     size_t *cap, const char *s, size_t len);
/* Reads a stream URL's target: streams and whether it is combined. */
int lx__rp_parse_target(const struct lx_mem *mem, const char *target,
                        char ***list, size_t *n, size_t *cap, int *combined);
int lx__rp_has(char *const *list, size_t n, const char *s);
void lx__rp_free_list(const struct lx_mem *mem, char **list, size_t n);
/* The rconn serving names[name] at event index ev, or -1. */
int64_t lx__rp_owner_at(const struct lx_mock_replay *r, int32_t name,
                        size_t ev);
/* The index of name in r->names, or -1. */
int32_t lx__rp_name_index(const struct lx_mock_replay *r, const char *name);
/*
 * The recorded stream that serves a client's asked name: the name itself
 * when recorded, else, for a diff-depth stream (<sym>@depth[@<N>ms]), the
 * first recorded diff-depth stream of the same symbol at another update
 * speed. Its index in r->names, or -1.
 */
int32_t lx__rp_resolve(const struct lx_mock_replay *r, const char *asked);
/* Normalizes a parameter string (query or form body); owned result. */
int lx__rp_norm_params(const struct lx_mem *mem, const char *s, size_t len,
                       char **out);

/* replay_ws.c */
void lx__rp_ws_upgrade(struct lx_mock_replay *r, struct lx_http_req *req);
void lx__rp_ws_free_all(struct lx_mock_replay *r);
/* The replay clock: its recorded wall time now. */
int64_t lx__rp_clock_now(const struct lx_mock_replay *r);
/* Stop / restart it; move it (and every client) ahead by dt ns of recorded
 * time; change the speed (thousandths). Clients are served accordingly. */
void lx__rp_clock_freeze(struct lx_mock_replay *r);
void lx__rp_clock_resume(struct lx_mock_replay *r);
void lx__rp_clock_advance(struct lx_mock_replay *r, int64_t dt);
void lx__rp_clock_speed(struct lx_mock_replay *r, int64_t speed_milli);
/* Each connected client's position, for GET clock (a cJSON array). */
struct cJSON;
struct cJSON *lx__rp_clients_json(const struct lx_mock_replay *r);

/* replay_admin.c: a request under LX_MOCK_ADMIN_PREFIX. */
void lx__rp_admin(struct lx_mock_replay *r, struct lx_http_req *req);

/* replay_rest.c */
void lx__rp_rest(struct lx_mock_replay *r, struct lx_http_req *req);

#endif
