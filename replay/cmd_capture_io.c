/*
 * cmd_capture_io.c - reader/writer plumbing for the `lotusx capture`
 * subcommands: the selection options every reading subcommand takes
 * (--from, --to, --stream, --conn, --kind) and opening, iterating and
 * closing captures with one clear message per failure on stderr.
 *
 * It does not format records; each subcommand does that.
 */
#include <string.h>
#include <unistd.h>

#include "cmd_capture_int.h"

const char *lxc_optval(const char *cmd, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "lotusx capture %s: %s needs a value\n", cmd, argv[*i]);
        return NULL;
    }
    (*i)++;
    return argv[*i];
}

void lxc_select_init(struct lxc_select *s)
{
    memset(s, 0, sizeof(*s));
    s->from = INT64_MIN;
    s->to = INT64_MAX;
}

static int bad_value(const char *cmd, const char *opt, const char *v,
                     const char *what)
{
    fprintf(stderr, "lotusx capture %s: bad %s '%s': %s\n", cmd, opt, v, what);
    return -1;
}

static int select_time(const char *cmd, const char *opt, const char *v,
                       int64_t *out)
{
    int rc = lxc_parse_time(v, out);

    if (rc != LX_OK) {
        return bad_value(cmd, opt, v,
                         rc == LX_ERR_RANGE
                             ? "out of range"
                             : "want nanoseconds since the epoch or RFC 3339 "
                               "(2024-08-08T23:54:13.5Z)");
    }
    return 1;
}

static int select_id(const char *cmd, const char *opt, const char *v,
                     uint64_t *out, size_t *n)
{
    if (*n >= LXC_MAX_SEL) {
        return bad_value(cmd, opt, v, "too many");
    }
    if (lx__parse_u64(v, strlen(v), &out[*n]) != LX_OK) {
        return bad_value(cmd, opt, v, "want a non-negative integer");
    }
    (*n)++;
    return 1;
}

int lxc_select_arg(struct lxc_select *s, const char *cmd, int argc, char **argv,
                   int *i)
{
    const char *opt = argv[*i], *v;
    int is_sel = strcmp(opt, "--from") == 0 || strcmp(opt, "--to") == 0 ||
                 strcmp(opt, "--stream") == 0 || strcmp(opt, "--conn") == 0 ||
                 strcmp(opt, "--kind") == 0;

    if (!is_sel) {
        return 0;
    }
    if ((v = lxc_optval(cmd, argc, argv, i)) == NULL) {
        return -1;
    }
    if (strcmp(opt, "--from") == 0) {
        return select_time(cmd, opt, v, &s->from);
    }
    if (strcmp(opt, "--to") == 0) {
        return select_time(cmd, opt, v, &s->to);
    }
    if (strcmp(opt, "--stream") == 0) {
        return select_id(cmd, opt, v, (uint64_t *)s->streams, &s->nstreams);
    }
    if (strcmp(opt, "--conn") == 0) {
        return select_id(cmd, opt, v, s->conns, &s->nconns);
    }
    s->kinds = lxc_parse_kinds(v);
    if (s->kinds == 0) {
        return bad_value(cmd, opt, v,
                         "want a comma list of open, close, request, "
                         "response, ws, note (or 1..6)");
    }
    return 1;
}

/* Adds the streams that --stream and --conn name; -1 if one names none. */
static int select_streams(const struct lxc_select *s,
                          struct lx_capture_reader *rd, const char *cmd,
                          const char *path)
{
    struct lx_capture_stream st;
    size_t i, k, n = lx_capture_reader_stream_count(rd);
    int found;

    lx_capture_reader_clear_streams(rd);
    for (k = 0; k < s->nstreams + s->nconns; k++) {
        found = 0;
        for (i = 0; i < n; i++) {
            if (lx_capture_reader_stream_at(rd, i, &st) != LX_OK) {
                continue;
            }
            if (k < s->nstreams ? st.id == s->streams[k]
                                : st.conn_id == s->conns[k - s->nstreams]) {
                if (lx_capture_reader_add_stream(rd, st.id) != LX_OK) {
                    fprintf(stderr, "lotusx capture %s: out of memory\n", cmd);
                    return -1;
                }
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "lotusx capture %s: %s: no stream with %s %llu\n",
                    cmd, path, k < s->nstreams ? "id" : "conn id",
                    k < s->nstreams
                        ? (unsigned long long)s->streams[k]
                        : (unsigned long long)s->conns[k - s->nstreams]);
            return -1;
        }
    }
    return 0;
}

int lxc_select_apply(const struct lxc_select *s, struct lx_capture_reader *rd,
                     const char *cmd, const char *path)
{
    if (s->from > s->to) {
        fprintf(stderr, "lotusx capture %s: --from is after --to\n", cmd);
        return -1;
    }
    if (select_streams(s, rd, cmd, path) != 0) {
        return -1;
    }
    lx_capture_reader_set_kinds(rd, s->kinds);
    if (lx_capture_reader_seek(rd, s->from, s->to) != LX_OK) {
        fprintf(stderr, "lotusx capture %s: %s: %s\n", cmd, path,
                lx_capture_reader_error(rd)->msg);
        return -1;
    }
    return 0;
}

struct lx_capture_reader *lxc_open_reader(const char *cmd, const char *path)
{
    struct lx_capture_reader *rd = NULL;
    struct lx_capture_error err;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = lx_capture_open(&rd, NULL, path, &err);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture %s: %s: %s%s%s\n", cmd, path,
                lx_strerror(rc), err.msg[0] != '\0' ? ": " : "", err.msg);
        return NULL;
    }
    return rd;
}

struct lx_capture_writer *lxc_open_writer(const char *cmd, const char *path,
                                          const char *venue,
                                          const char *creator,
                                          int64_t created_ns)
{
    return lxc_open_writer_labels(cmd, path, venue, creator, created_ns, NULL,
                                  0);
}

/* Adds src's labels to o (a repeated key takes the later value). */
static int add_labels(struct lx_capture_wopts *o,
                      const struct lx_capture_reader *src)
{
    size_t i, n = lx_capture_reader_meta_count(src);
    const char *k, *v;
    int rc = LX_OK;

    for (i = 0; i < n && rc == LX_OK; i++) {
        if (lx_capture_reader_meta_at(src, i, &k, &v) == LX_OK &&
            strncmp(k, "label.", 6) == 0) {
            rc = lx_capture_wopts_add_label(o, k + 6, v);
        }
    }
    return rc;
}

struct lx_capture_writer *
lxc_open_writer_labels(const char *cmd, const char *path, const char *venue,
                       const char *creator, int64_t created_ns,
                       struct lx_capture_reader *const *src, size_t nsrc)
{
    struct lx_capture_wopts *o = NULL;
    struct lx_capture_writer *w = NULL;
    struct lx_capture_error err;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = lx_capture_wopts_new(&o, NULL);
    /* Batch tools need no crash safety: commit only at the end, which
     * writes about twice as fast (lx_capture.h). */
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_commit(o, INT64_MAX, (size_t)1 << 30);
    }
    if (rc == LX_OK && venue != NULL) {
        rc = lx_capture_wopts_set_venue(o, venue);
    }
    if (rc == LX_OK && creator != NULL) {
        rc = lx_capture_wopts_set_creator(o, creator);
    }
    if (rc == LX_OK) {
        rc = lx_capture_wopts_set_created_ns(o, created_ns);
    }
    /* Last source first, so that the first one's value is the one kept. */
    while (rc == LX_OK && nsrc > 0) {
        rc = add_labels(o, src[--nsrc]);
    }
    if (rc == LX_OK) {
        rc = lx_capture_writer_open(&w, NULL, path, o, &err);
    }
    lx_capture_wopts_free(o);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture %s: %s: %s%s%s\n", cmd, path,
                lx_strerror(rc), err.msg[0] != '\0' ? ": " : "", err.msg);
        return NULL;
    }
    return w;
}

int lxc_close_writer(const char *cmd, const char *path,
                     struct lx_capture_writer *w)
{
    int rc = lx_capture_writer_close(w);

    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture %s: %s: cannot finalize: %s\n", cmd,
                path, lx_strerror(rc));
        return LXC_EXIT_FAIL;
    }
    return LXC_EXIT_OK;
}

int lxc_next(const char *cmd, struct lx_capture_reader *rd,
             const struct lx_capture_record **rec, int *bad)
{
    int rc;

    for (;;) {
        rc = lx_capture_reader_next(rd, rec);
        if (rc >= 0) {
            return rc;
        }
        fprintf(stderr, "lotusx capture %s: %s\n", cmd,
                lx_capture_reader_error(rd)->msg);
        if (rc != LX_ERR_CORRUPT) {
            return -1;
        }
        *bad = 1; /* the reader skips the bad chunk: go on */
    }
}

void lxc_discard(const char *path)
{
    char side[4096];

    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}
