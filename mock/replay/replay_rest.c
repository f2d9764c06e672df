/*
 * replay_rest.c - REST requests of lotusx-mock --replay: a request is
 * matched to the recorded requests by method, path and parameters (query
 * and form body together; timestamp, signature and recvWindow ignored;
 * order ignored). The n-th identical request gets the n-th recorded
 * answer, with the recorded status, headers and body. A request that no
 * recorded request matches, or whose recorded answers are all used, gets
 * HTTP 404 with a JSON body naming the closest recorded requests and how
 * they differ. It does not check signatures or rate limits.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_url.h"
#include "mock/replay/replay_int.h"

#define CLOSEST 3

struct asked {
    const char *method;
    char path[1024];
    char *params;
};

/* How far a recorded request is from the asked one (0 = the same). */
static int distance(const struct rp_pair *p, const struct asked *a)
{
    int d = 0;

    if (strcmp(p->path, a->path) != 0) {
        d += 1000;
    }
    if (strcmp(p->method, a->method) != 0) {
        d += 100;
    }
    if (p->params == NULL || strcmp(p->params, a->params) != 0) {
        d += 1;
    }
    return d;
}

/* Appends "what differs" between two normalized parameter strings. */
static void param_diff(const struct lx_mem *mem, cJSON *arr, const char *rec,
                       const char *got)
{
    struct lx_query *qr = NULL, *qg = NULL;
    size_t i, j, n = 0;
    char line[320];

    if (lx_query_parse(&qr, mem, rec, strlen(rec), 0) != LX_OK ||
        lx_query_parse(&qg, mem, got, strlen(got), 0) != LX_OK) {
        goto out;
    }
    for (i = 0; i < lx_query_count(qr) && n < 8; i++) {
        const char *k = lx_query_key(qr, i), *v = lx_query_value(qr, i, NULL);
        const char *gv = NULL;

        for (j = 0; j < lx_query_count(qg) && gv == NULL; j++) {
            if (strcmp(lx_query_key(qg, j), k) == 0) {
                gv = lx_query_value(qg, j, NULL);
            }
        }
        if (gv == NULL) {
            lx__snprintf(line, sizeof(line),
                         "parameter %.64s missing "
                         "(recorded %.200s)",
                         k, v);
        } else if (strcmp(gv, v) != 0) {
            lx__snprintf(line, sizeof(line),
                         "parameter %.64s: recorded %.100s, got %.100s", k, v,
                         gv);
        } else {
            continue;
        }
        cJSON_AddItemToArray(arr, cJSON_CreateString(line));
        n++;
    }
    for (j = 0; j < lx_query_count(qg) && n < 8; j++) {
        const char *k = lx_query_key(qg, j);
        size_t hit = 0;

        for (i = 0; i < lx_query_count(qr); i++) {
            hit += strcmp(lx_query_key(qr, i), k) == 0;
        }
        if (hit == 0) {
            lx__snprintf(line, sizeof(line), "parameter %.64s not recorded", k);
            cJSON_AddItemToArray(arr, cJSON_CreateString(line));
            n++;
        }
    }
out:
    lx_query_free(qr);
    lx_query_free(qg);
}

static cJSON *describe(const struct lx_mem *mem, const struct rp_pair *p,
                       const struct asked *a)
{
    cJSON *o = cJSON_CreateObject(), *why = cJSON_CreateArray();
    char line[1200];

    lx__snprintf(line, sizeof(line), "%s %s", p->method, p->target);
    cJSON_AddStringToObject(o, "recorded", line);
    if (strcmp(p->method, a->method) != 0) {
        lx__snprintf(line, sizeof(line), "method: recorded %s, got %s",
                     p->method, a->method);
        cJSON_AddItemToArray(why, cJSON_CreateString(line));
    }
    if (strcmp(p->path, a->path) != 0) {
        lx__snprintf(line, sizeof(line), "path: recorded %.500s, got %.500s",
                     p->path, a->path);
        cJSON_AddItemToArray(why, cJSON_CreateString(line));
    }
    if (p->params != NULL) {
        param_diff(mem, why, p->params, a->params);
    }
    cJSON_AddItemToObject(o, "differs", why);
    return o;
}

/* Indexes of the closest distinct recorded requests, best first. */
static size_t closest(const struct lx_mock_replay *r, const struct asked *a,
                      size_t *best)
{
    size_t i, k, n = 0;

    for (i = 0; i < r->npairs; i++) {
        const struct rp_pair *p = &r->pairs[i];
        int d = distance(p, a), dup = 0;

        if (p->status < 0) {
            continue;
        }
        for (k = 0; k < n; k++) {
            dup |= strcmp(r->pairs[best[k]].target, p->target) == 0 &&
                   strcmp(r->pairs[best[k]].method, p->method) == 0;
        }
        if (dup) {
            continue;
        }
        /* insertion into the sorted top list; ties keep recorded order */
        for (k = n; k > 0 && distance(&r->pairs[best[k - 1]], a) > d; k--) {
            if (k < CLOSEST) {
                best[k] = best[k - 1];
            }
        }
        if (k < CLOSEST) {
            best[k] = i;
            n += n < CLOSEST;
        }
    }
    return n;
}

static void not_found(struct lx_mock_replay *r, struct lx_http_req *req,
                      const struct asked *a, size_t used)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    size_t best[CLOSEST], n, i;
    char msg[1400];
    char *txt;

    if (used > 0) {
        lx__snprintf(msg, sizeof(msg),
                     "lotusx-mock replay: all %zu recorded answers to %s "
                     "%.500s?%.500s were already served",
                     used, a->method, a->path, a->params);
    } else {
        lx__snprintf(msg, sizeof(msg),
                     "lotusx-mock replay: no recorded request matches %s "
                     "%.500s?%.500s",
                     a->method, a->path, a->params);
    }
    cJSON_AddNumberToObject(o, "code", -1);
    cJSON_AddStringToObject(o, "msg", msg);
    n = used > 0 ? 0 : closest(r, a, best);
    for (i = 0; i < n; i++) {
        cJSON_AddItemToArray(arr, describe(r->mem, &r->pairs[best[i]], a));
    }
    cJSON_AddItemToObject(o, "closest", arr);
    txt = cJSON_PrintUnformatted(o);
    if (txt != NULL) {
        lx_http_req_respond_body(req, 404, NULL, "application/json", txt,
                                 strlen(txt));
        cJSON_free(txt);
    } else {
        lx_http_req_respond_body(req, 503, NULL, NULL, NULL, 0);
    }
    cJSON_Delete(o);
}

/* The asked request's path and normalized parameters. */
static int read_asked(const struct lx_mem *mem, struct lx_http_req *req,
                      struct asked *a)
{
    const struct lx_http_msg *m = lx_http_req_msg(req);
    const char *t = lx_http_msg_target(m), *qm = strchr(t, '?'), *body;
    size_t plen = qm != NULL ? strlen(qm + 1) : 0, blen = 0, n;
    char *all;
    int rc;

    a->method = lx_http_msg_method(m);
    n = qm != NULL ? (size_t)(qm - t) : strlen(t);
    lx__snprintf(a->path, sizeof(a->path), "%.*s", (int)n, t);
    body = lx_http_msg_body(m, &blen);
    if (body == NULL || blen == 0 || body[0] == '{' || body[0] == '[') {
        blen = 0;
    }
    all = lx__malloc(mem, plen + blen + 2);
    if (all == NULL) {
        return LX_ERR_NOMEM;
    }
    memcpy(all, qm != NULL ? qm + 1 : "", plen);
    if (blen > 0) {
        all[plen++] = '&';
        memcpy(all + plen, body, blen);
        plen += blen;
    }
    rc = lx__rp_norm_params(mem, all, plen, &a->params);
    lx__free(mem, all);
    return rc;
}

void lx__rp_rest(struct lx_mock_replay *r, struct lx_http_req *req)
{
    const struct lx_mem *mem = r->mem;
    struct asked a;
    size_t i, used = 0;

    memset(&a, 0, sizeof(a));
    if (read_asked(r->mem, req, &a) != LX_OK) {
        static const char bad[] = "{\"code\":-1,\"msg\":\"lotusx-mock "
                                  "replay: malformed parameters\"}";

        lx_http_req_respond_body(req, 400, NULL, "application/json", bad,
                                 sizeof(bad) - 1);
        return;
    }
    for (i = 0; i < r->npairs; i++) {
        struct rp_pair *p = &r->pairs[i];

        if (p->status < 0 || distance(p, &a) != 0) {
            continue;
        }
        if (p->used) {
            used++;
            continue;
        }
        p->used = 1;
        lx_http_req_respond_body(
            req, p->status, (const char *const *)p->headers,
            p->ctype != NULL ? p->ctype : "application/json", p->body, p->len);
        lx__free(mem, a.params);
        return;
    }
    not_found(r, req, &a, used);
    lx__free(mem, a.params);
}
