/*
 * replay.h - lotusx-mock --replay: a capture file (*.lxcap) drives the
 * mock's answers instead of the simulated venue.
 *
 * WebSocket clients get the recorded venue frames of the streams they ask
 * for (by URL or SUBSCRIBE), each client from the start of the capture,
 * paced by the capture's wall times scaled by a speed on the lx_clock (a
 * diff-depth stream recorded at another update speed stands in for the
 * asked one, under the asked name). A stream continues across the
 * recorder's reconnects; a client closed by a recorded close resumes, when
 * it comes back, after that close. The admin API (LX_MOCK_ADMIN_PREFIX,
 * loopback only) freezes, resumes, steps and re-speeds the replay clock.
 * REST requests get the recorded response of the matching recorded request
 * (method, path, parameters without the volatile ones, in any order); the
 * n-th identical request gets the n-th recorded answer.
 *
 * Mock-internal: never installed, names lx_mock_replay_*.
 */
#ifndef LOTUSX_MOCK_REPLAY_H
#define LOTUSX_MOCK_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct lx_mem;
struct lx_net;
struct lx_clock;
struct lx_http_req;
struct lx_mock_replay;

struct lx_mock_replay_opts {
    /* Replay speed in thousandths: 1000 = real time, 2000 = twice as
     * fast, 0 = as fast as possible. */
    int64_t speed_milli;
    /* Records with from_wall_ns <= wall < to_wall_ns (INT64_MIN /
     * INT64_MAX: no bound). */
    int64_t from_wall_ns;
    int64_t to_wall_ns;
    /* Allocator of everything the replay holds (NULL: libc); borrowed. */
    const struct lx_mem *mem;
    /* 1: the replay clock starts frozen (admin clock/advance steps it). */
    int paused;
};

/* Real time over the whole capture, running. */
void lx_mock_replay_opts_init(struct lx_mock_replay_opts *o);

/*
 * Parses a speed: "1", "2.5", "0" (as fast as possible); at most three
 * decimals. Errors: LX_ERR_PARSE, LX_ERR_RANGE.
 */
int lx_mock_replay_parse_speed(const char *s, int64_t *milli);

/*
 * Parses a time: nanoseconds or milliseconds since the epoch (a number of
 * 16 digits or more is ns, else ms), or UTC "YYYY-MM-DDTHH:MM:SS[.fff]"
 * with an optional trailing 'Z'. Errors: LX_ERR_PARSE.
 */
int lx_mock_replay_parse_time(const char *s, int64_t *wall_ns);

/*
 * Loads the capture at path into memory (the records in the time range)
 * and prepares to serve it on net with clock's timers. err (cap bytes)
 * says why on failure. Errors: LX_ERR_INVAL, LX_ERR_FILE, LX_ERR_PARSE,
 * LX_ERR_CORRUPT, LX_ERR_VERSION, LX_ERR_NOMEM; and LX_ERR_NOTFOUND when
 * the range holds no WebSocket frame and no HTTP exchange.
 */
int lx_mock_replay_new(struct lx_mock_replay **out, struct lx_net *net,
                       struct lx_clock *clock, const char *path,
                       const struct lx_mock_replay_opts *o, char *err,
                       size_t cap);

/* Closes every client connection and frees; NULL is allowed. */
void lx_mock_replay_free(struct lx_mock_replay *r);

/* The lx_http_server handler: WebSocket upgrades, the admin API (paths
 * under LX_MOCK_ADMIN_PREFIX, loopback peers only) and REST requests. */
void lx_mock_replay_handle(struct lx_http_req *req, void *r);

/* What was loaded, for the start-up banner and tests. */
struct lx_mock_replay_stats {
    size_t frames;    /* recorded venue frames (control replies excluded) */
    size_t closes;    /* recorded WebSocket closes */
    size_t exchanges; /* recorded HTTP request/response pairs */
    size_t streams;   /* distinct stream names */
    size_t clients;   /* WebSocket clients connected now */
};
void lx_mock_replay_stats(const struct lx_mock_replay *r,
                          struct lx_mock_replay_stats *st);

#endif
