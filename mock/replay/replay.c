/*
 * replay.c - lotusx-mock --replay's entry points: options (speed, time
 * range, paused), loading (replay_load.c) and the HTTP handler that sends
 * WebSocket upgrades to replay_ws.c, the admin prefix to replay_admin.c
 * and everything else to replay_rest.c. It reads the lx_clock only to
 * start the replay clock; pacing is replay_ws.c's.
 */
#include <string.h>

#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "mock/replay/replay_int.h"
#include "mock/server/mock.h"

#define SEC ((int64_t)1000000000)

void lx_mock_replay_opts_init(struct lx_mock_replay_opts *o)
{
    o->speed_milli = 1000;
    o->from_wall_ns = INT64_MIN;
    o->to_wall_ns = INT64_MAX;
    o->mem = NULL;
    o->paused = 0;
}

int lx_mock_replay_parse_speed(const char *s, int64_t *milli)
{
    const char *dot = strchr(s, '.');
    size_t ilen = dot != NULL ? (size_t)(dot - s) : strlen(s), flen, i;
    int64_t whole = 0, frac = 0;

    if (ilen == 0 || lx__parse_i64(s, ilen, &whole) != LX_OK || s[0] == '-' ||
        s[0] == '+') {
        return LX_ERR_PARSE;
    }
    if (whole > 1000000) {
        return LX_ERR_RANGE;
    }
    if (dot != NULL) {
        flen = strlen(dot + 1);
        if (flen == 0 || flen > 3) {
            return LX_ERR_PARSE;
        }
        for (i = 0; i < 3; i++) {
            char ch = i < flen ? dot[1 + i] : '0';

            if (ch < '0' || ch > '9') {
                return LX_ERR_PARSE;
            }
            frac = frac * 10 + (ch - '0');
        }
    }
    *milli = whole * 1000 + frac;
    return LX_OK;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int num(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *v)
{
    return lx__parse_i64(s, len, v) == LX_OK && s[0] != '-' && s[0] != '+' &&
           *v >= lo && *v <= hi;
}

/* "YYYY-MM-DDTHH:MM:SS[.fffffffff][Z]" (UTC). */
static int parse_iso(const char *s, int64_t *ns)
{
    int64_t y, mo, d, h, mi, sec, frac = 0;
    size_t len = strlen(s), i, fl = 0;

    if (len > 0 && s[len - 1] == 'Z') {
        len--;
    }
    if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
        s[13] != ':' || s[16] != ':' || !num(s, 4, 1970, 9999, &y) ||
        !num(s + 5, 2, 1, 12, &mo) || !num(s + 8, 2, 1, 31, &d) ||
        !num(s + 11, 2, 0, 23, &h) || !num(s + 14, 2, 0, 59, &mi) ||
        !num(s + 17, 2, 0, 60, &sec)) {
        return LX_ERR_PARSE;
    }
    if (len > 19) {
        fl = len - 20;
        if (s[19] != '.' || fl == 0 || fl > 9 ||
            !num(s + 20, fl, 0, 999999999, &frac)) {
            return LX_ERR_PARSE;
        }
        for (i = fl; i < 9; i++) {
            frac *= 10;
        }
    }
    *ns = ((days_from_civil(y, mo, d) * 24 + h) * 3600 + mi * 60 + sec) * SEC +
          frac;
    return LX_OK;
}

int lx_mock_replay_parse_time(const char *s, int64_t *wall_ns)
{
    int64_t v;
    size_t len = strlen(s);

    if (len > 0 && strspn(s, "0123456789") == len) {
        if (lx__parse_i64(s, len, &v) != LX_OK) {
            return LX_ERR_PARSE;
        }
        /* 16 digits or more: nanoseconds; fewer: milliseconds */
        if (len < 16 && v > INT64_MAX / 1000000) {
            return LX_ERR_PARSE;
        }
        *wall_ns = len >= 16 ? v : v * 1000000;
        return LX_OK;
    }
    return parse_iso(s, wall_ns);
}

int lx_mock_replay_new(struct lx_mock_replay **out, struct lx_net *net,
                       struct lx_clock *clock, const char *path,
                       const struct lx_mock_replay_opts *o, char *err,
                       size_t cap)
{
    struct lx_mock_replay *r;
    int rc;

    *out = NULL;
    if (net == NULL || clock == NULL || path == NULL || o == NULL ||
        o->speed_milli < 0 || o->from_wall_ns > o->to_wall_ns) {
        lx__snprintf(err, cap, "bad replay options");
        return LX_ERR_INVAL;
    }
    r = lx__calloc(o->mem, 1, sizeof(*r));
    if (r == NULL) {
        lx__snprintf(err, cap, "out of memory");
        return LX_ERR_NOMEM;
    }
    r->mem = o->mem;
    r->net = net;
    r->clock = clock;
    r->opts = *o;
    rc = lx__rp_load(r, path, err, cap);
    if (rc == LX_OK && r->nevs == 0 && r->npairs == 0) {
        lx__snprintf(err, cap,
                     "%s: no WebSocket frame and no HTTP exchange in the "
                     "time range",
                     path);
        rc = LX_ERR_NOTFOUND;
    }
    if (rc != LX_OK) {
        lx_mock_replay_free(r);
        return rc;
    }
    if (r->nevs == 0) {
        r->end_wall_ns = r->base_wall_ns;
    }
    r->frozen = o->paused != 0;
    r->clk_wall = r->base_wall_ns;
    r->clk_mono = lx_clock_mono_ns(clock);
    *out = r;
    return LX_OK;
}

void lx_mock_replay_free(struct lx_mock_replay *r)
{
    if (r == NULL) {
        return;
    }
    lx__rp_ws_free_all(r);
    lx__rp_unload(r);
    lx__free(r->mem, r);
}

void lx_mock_replay_handle(struct lx_http_req *req, void *ud)
{
    struct lx_mock_replay *r = ud;
    const struct lx_http_msg *m = lx_http_req_msg(req);

    if (strncmp(lx_http_msg_target(m), LX_MOCK_ADMIN_PREFIX,
                sizeof(LX_MOCK_ADMIN_PREFIX) - 1) == 0 &&
        !lx_http_msg_upgrade(m)) {
        lx__rp_admin(r, req);
    } else if (lx_http_msg_upgrade(m)) {
        lx__rp_ws_upgrade(r, req);
    } else {
        lx__rp_rest(r, req);
    }
}

void lx_mock_replay_stats(const struct lx_mock_replay *r,
                          struct lx_mock_replay_stats *st)
{
    size_t i;

    memset(st, 0, sizeof(*st));
    for (i = 0; i < r->nevs; i++) {
        st->frames += r->evs[i].type == RP_FRAME;
        st->closes += r->evs[i].type == RP_CLOSE;
    }
    for (i = 0; i < r->npairs; i++) {
        st->exchanges += r->pairs[i].status >= 0;
    }
    st->streams = r->nnames;
    st->clients = r->nclients;
}
