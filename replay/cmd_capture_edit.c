/*
 * cmd_capture_edit.c - `lotusx capture slice` (the records of a time range
 * and/or some streams, into a new capture) and `lotusx capture merge`
 * (several captures into one, in wall-time order, with connection ids
 * remapped so that connections of different inputs never share one).
 *
 * Both copy records through lx_capture_writer_write_record, so payloads,
 * times and per-connection seqs are kept; the writer assigns new gseqs and
 * chunks. A connection cut by slice's --from keeps its open record (copied
 * as recorded, before the range), so the output still knows its URL.
 * Meta labels (label.*) of the inputs are copied; merge keeps the first
 * value of a label that several inputs have. A failed slice or merge (a
 * corrupt chunk in an input included) removes its output.
 */
#include <string.h>

#include "cli/cli.h"
#include "cmd_capture_int.h"

#define MERGE_MAX_IN  64
#define MERGE_MAX_MAP 4096

static void slice_usage(FILE *f)
{
    fprintf(f,
            "usage: lotusx capture slice IN -o OUT [--from T] [--to T] "
            "[--stream ID]...\n"
            "                            [--conn N]... [--kind K]\n"
            "\n"
            "Copies the selected records of IN (wall time in [--from, --to), "
            "the given\n"
            "streams, connections and kinds; all by default) into the new "
            "capture OUT,\n"
            "keeping their times, connection ids and seqs. A connection cut "
            "by --from\n"
            "keeps its open record (as recorded, before the range) unless "
            "--kind leaves\n"
            "opens out. Meta labels are copied.\n"
            "T is nanoseconds since the epoch or RFC 3339. OUT must not "
            "exist.\n");
}

static void merge_usage(FILE *f)
{
    fprintf(f, "usage: lotusx capture merge A B... -o OUT\n"
               "\n"
               "Merges captures into the new capture OUT in wall-time order "
               "(each input\n"
               "keeps its own order; between inputs the earlier record goes "
               "first, the\n"
               "earlier input on a tie). A connection id already used by an "
               "earlier\n"
               "input on the same side is remapped to the next free id "
               "(stderr says\n"
               "which); conn id 0 (file-wide notes) is shared. OUT must not "
               "exist.\n");
}

/* A connection's open record, copied (slice keeps it for a cut one). */
#define SLICE_MAX_OPENS 4096

struct open_rec {
    struct lx_capture_record rec;
    char *venue, *url, *transport;
    bool written;
};

struct opens {
    struct open_rec *v;
    size_t n;
};

static void opens_free(struct opens *o)
{
    size_t i;

    for (i = 0; i < o->n; i++) {
        lx__free(NULL, o->v[i].venue);
        lx__free(NULL, o->v[i].url);
        lx__free(NULL, o->v[i].transport);
    }
    lx__free(NULL, o->v);
    o->v = NULL;
    o->n = 0;
}

/* Reads every open record of path (a pass over opens only). */
static int opens_load(struct opens *o, const char *path)
{
    struct lx_capture_reader *rd = lxc_open_reader("slice", path);
    const struct lx_capture_record *rec;
    int rc, bad = 0;

    if (rd == NULL) {
        return -1;
    }
    o->v = lx__calloc(NULL, SLICE_MAX_OPENS, sizeof(*o->v));
    if (o->v == NULL) {
        lx_capture_reader_free(rd);
        return -1;
    }
    lx_capture_reader_set_kinds(rd, LX_CAPTURE_KIND_BIT(LX_CAPTURE_CONN_OPEN));
    (void)lx_capture_reader_rewind(rd);
    while (o->n < SLICE_MAX_OPENS &&
           (rc = lxc_next("slice", rd, &rec, &bad)) > 0) {
        struct open_rec *x = &o->v[o->n++];
        x->rec = *rec;
        x->venue = lx__strdup(NULL, rec->venue != NULL ? rec->venue : "");
        x->url = lx__strdup(NULL, rec->url != NULL ? rec->url : "");
        x->transport =
            lx__strdup(NULL, rec->transport != NULL ? rec->transport : "");
        if (x->venue == NULL || x->url == NULL || x->transport == NULL) {
            lx_capture_reader_free(rd);
            return -1;
        }
        x->rec.venue = x->venue;
        x->rec.url = x->url;
        x->rec.transport = x->transport;
        x->rec.headers = NULL;
        x->rec.nheaders = 0;
        x->rec.data = NULL;
        x->rec.len = 0;
    }
    lx_capture_reader_free(rd);
    return 0;
}

/* The open record of rec's connection not written yet, or NULL. */
static struct open_rec *open_for(struct opens *o,
                                 const struct lx_capture_record *rec)
{
    size_t i;

    for (i = 0; o != NULL && i < o->n; i++) {
        struct open_rec *x = &o->v[i];
        if (x->rec.conn_id == rec->conn_id && x->rec.side == rec->side &&
            x->rec.stream_id == rec->stream_id) {
            return x->written ? NULL : x;
        }
    }
    return NULL;
}

/*
 * Copies every selected record of rd to w; returns an exit code. With
 * opens, the first record of a connection whose open record was not
 * selected is preceded by that open record.
 */
static int copy_all(const char *cmd, struct lx_capture_reader *rd,
                    struct lx_capture_writer *w, uint64_t *n,
                    struct opens *opens)
{
    const struct lx_capture_record *rec;
    int rc, bad = 0;

    while ((rc = lxc_next(cmd, rd, &rec, &bad)) > 0) {
        struct open_rec *op = open_for(opens, rec);
        if (op != NULL) {
            op->written = true;
            if (rec->kind != LX_CAPTURE_CONN_OPEN &&
                op->rec.wall_ns <= rec->wall_ns) {
                if (lx_capture_writer_write_record(w, &op->rec) != LX_OK) {
                    fprintf(stderr, "lotusx capture %s: write: %s\n", cmd,
                            lx_strerror(lx_capture_writer_status(w)));
                    return LXC_EXIT_FAIL;
                }
                (*n)++;
            }
        }
        if (lx_capture_writer_write_record(w, rec) != LX_OK) {
            fprintf(stderr, "lotusx capture %s: write: %s\n", cmd,
                    lx_strerror(lx_capture_writer_status(w)));
            return LXC_EXIT_FAIL;
        }
        (*n)++;
    }
    return rc < 0 || bad ? LXC_EXIT_FAIL : LXC_EXIT_OK;
}

static int slice_parse(int argc, char **argv, struct lxc_select *sel,
                       const char **in, const char **out)
{
    int i, rc;

    lxc_select_init(sel);
    *in = *out = NULL;
    for (i = 1; i < argc; i++) {
        rc = lxc_select_arg(sel, "slice", argc, argv, &i);
        if (rc < 0) {
            return -1;
        }
        if (rc > 0) {
            continue;
        }
        if (strcmp(argv[i], "-o") == 0) {
            if ((*out = lxc_optval("slice", argc, argv, &i)) == NULL) {
                return -1;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lotusx capture slice: unknown option '%s'\n",
                    argv[i]);
            return -1;
        } else if (*in == NULL) {
            *in = argv[i];
        } else {
            fprintf(stderr, "lotusx capture slice: unexpected argument '%s'\n",
                    argv[i]);
            return -1;
        }
    }
    if (*in == NULL || *out == NULL) {
        fprintf(stderr, "lotusx capture slice: IN and -o OUT are required\n");
        return -1;
    }
    return 0;
}

int lxc_cmd_slice(int argc, char **argv)
{
    struct lx_capture_reader *rd;
    struct lx_capture_writer *w;
    struct lx_capture_info info;
    struct lxc_select sel;
    struct opens opens = {NULL, 0};
    const char *in, *out;
    uint64_t n = 0;
    int ec;

    if (argc >= 2 && lx_cli_is_help(argv[1])) {
        slice_usage(stdout);
        return LXC_EXIT_OK;
    }
    if (slice_parse(argc, argv, &sel, &in, &out) != 0) {
        slice_usage(stderr);
        return LXC_EXIT_USAGE;
    }
    if ((rd = lxc_open_reader("slice", in)) == NULL) {
        return LXC_EXIT_FAIL;
    }
    lx_capture_reader_info(rd, &info);
    if (lxc_select_apply(&sel, rd, "slice", in) != 0 ||
        (w = lxc_open_writer_labels("slice", out, info.venue,
                                    "lotusx capture slice",
                                    info.created_wall_ns, &rd, 1)) == NULL) {
        lx_capture_reader_free(rd);
        return LXC_EXIT_FAIL;
    }
    ec = sel.kinds == 0 ||
                 (sel.kinds & LX_CAPTURE_KIND_BIT(LX_CAPTURE_CONN_OPEN)) != 0
             ? (opens_load(&opens, in) == 0 ? LXC_EXIT_OK : LXC_EXIT_FAIL)
             : LXC_EXIT_OK;
    if (ec == LXC_EXIT_OK) {
        ec = copy_all("slice", rd, w, &n, opens.v != NULL ? &opens : NULL);
    }
    opens_free(&opens);
    lx_capture_reader_free(rd);
    if (lxc_close_writer("slice", out, w) != LXC_EXIT_OK) {
        ec = LXC_EXIT_FAIL;
    }
    if (ec != LXC_EXIT_OK) {
        lxc_discard(out);
    }
    if (ec == LXC_EXIT_OK) {
        fprintf(stderr, "lotusx capture slice: %llu records to %s\n",
                (unsigned long long)n, out);
    }
    return ec;
}

/* ---- merge ---------------------------------------------------------- */

struct conn_map {
    size_t input;
    int side;
    uint64_t from, to;
};

struct merge {
    struct lx_capture_reader *rd[MERGE_MAX_IN];
    const struct lx_capture_record *head[MERGE_MAX_IN];
    const char *path[MERGE_MAX_IN];
    size_t n, nmap;
    struct conn_map map[MERGE_MAX_MAP];
    uint64_t next_conn;
};

static const struct conn_map *map_find(const struct merge *m, size_t input,
                                       int side, uint64_t conn)
{
    size_t i;

    for (i = 0; i < m->nmap; i++) {
        if (m->map[i].input == input && m->map[i].side == side &&
            m->map[i].from == conn) {
            return &m->map[i];
        }
    }
    return NULL;
}

/* 1 if another input already owns (side, conn) in the output. */
static int map_taken(const struct merge *m, size_t input, int side,
                     uint64_t conn)
{
    size_t i;

    for (i = 0; i < m->nmap; i++) {
        if (m->map[i].input != input && m->map[i].side == side &&
            m->map[i].to == conn) {
            return 1;
        }
    }
    return 0;
}

/* Adds the conn ids of input k to the map, remapping collisions. */
static int map_input(struct merge *m, size_t k)
{
    struct lx_capture_stream st;
    struct conn_map *e;
    size_t i;

    for (i = 0; i < lx_capture_reader_stream_count(m->rd[k]); i++) {
        if (lx_capture_reader_stream_at(m->rd[k], i, &st) != LX_OK ||
            map_find(m, k, st.side, st.conn_id) != NULL) {
            continue;
        }
        if (m->nmap >= MERGE_MAX_MAP) {
            fprintf(stderr, "lotusx capture merge: more than %d streams\n",
                    MERGE_MAX_MAP);
            return -1;
        }
        e = &m->map[m->nmap++];
        e->input = k;
        e->side = st.side;
        e->from = st.conn_id;
        e->to = st.conn_id;
        if (st.conn_id != 0 && map_taken(m, k, st.side, st.conn_id)) {
            e->to = m->next_conn++;
            fprintf(stderr, "lotusx capture merge: %s: %s conn %llu -> %llu\n",
                    m->path[k], st.side ? "server" : "client",
                    (unsigned long long)e->from, (unsigned long long)e->to);
        }
    }
    return 0;
}

static int merge_open(struct merge *m)
{
    struct lx_capture_stream st;
    size_t k, i;

    for (k = 0; k < m->n; k++) {
        if ((m->rd[k] = lxc_open_reader("merge", m->path[k])) == NULL) {
            return -1;
        }
        for (i = 0; i < lx_capture_reader_stream_count(m->rd[k]); i++) {
            if (lx_capture_reader_stream_at(m->rd[k], i, &st) == LX_OK &&
                st.conn_id >= m->next_conn) {
                m->next_conn = st.conn_id + 1;
            }
        }
    }
    for (k = 0; k < m->n; k++) {
        if (map_input(m, k) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The index of the input whose head record is earliest, or -1. */
static int merge_pick(const struct merge *m)
{
    int best = -1;
    size_t k;

    for (k = 0; k < m->n; k++) {
        if (m->head[k] != NULL &&
            (best < 0 || m->head[k]->wall_ns < m->head[best]->wall_ns)) {
            best = (int)k;
        }
    }
    return best;
}

static int merge_run(struct merge *m, struct lx_capture_writer *w, uint64_t *n)
{
    struct lx_capture_record r;
    const struct conn_map *e;
    size_t k;
    int rc, bad = 0, best;

    for (k = 0; k < m->n; k++) {
        if (lxc_next("merge", m->rd[k], &m->head[k], &bad) <= 0) {
            m->head[k] = NULL;
        }
    }
    while ((best = merge_pick(m)) >= 0) {
        r = *m->head[best];
        e = map_find(m, (size_t)best, r.side, r.conn_id);
        r.conn_id = e != NULL ? e->to : r.conn_id;
        if (lx_capture_writer_write_record(w, &r) != LX_OK) {
            fprintf(stderr, "lotusx capture merge: write: %s\n",
                    lx_strerror(lx_capture_writer_status(w)));
            return LXC_EXIT_FAIL;
        }
        (*n)++;
        rc = lxc_next("merge", m->rd[best], &m->head[best], &bad);
        if (rc <= 0) {
            m->head[best] = NULL;
            if (rc < 0) {
                return LXC_EXIT_FAIL;
            }
        }
    }
    return bad ? LXC_EXIT_FAIL : LXC_EXIT_OK;
}

static int merge_parse(int argc, char **argv, struct merge *m, const char **out)
{
    int i;

    *out = NULL;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if ((*out = lxc_optval("merge", argc, argv, &i)) == NULL) {
                return -1;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lotusx capture merge: unknown option '%s'\n",
                    argv[i]);
            return -1;
        } else if (m->n >= MERGE_MAX_IN) {
            fprintf(stderr, "lotusx capture merge: more than %d inputs\n",
                    MERGE_MAX_IN);
            return -1;
        } else {
            m->path[m->n++] = argv[i];
        }
    }
    if (m->n == 0 || *out == NULL) {
        fprintf(stderr, "lotusx capture merge: inputs and -o OUT are "
                        "required\n");
        return -1;
    }
    return 0;
}

/* The venue of the merged file: the inputs' venue if they agree. */
static const char *merge_venue(const struct merge *m, int64_t *created)
{
    struct lx_capture_info info;
    const char *v = NULL;
    size_t k;

    *created = INT64_MAX;
    for (k = 0; k < m->n; k++) {
        lx_capture_reader_info(m->rd[k], &info);
        v = k == 0 || (v != NULL && strcmp(v, info.venue) == 0) ? info.venue
                                                                : NULL;
        *created =
            info.created_wall_ns < *created ? info.created_wall_ns : *created;
    }
    return v != NULL ? v : "";
}

int lxc_cmd_merge(int argc, char **argv)
{
    struct lx_capture_writer *w = NULL;
    struct merge *m;
    const char *out, *venue;
    int64_t created;
    uint64_t n = 0;
    int ec = LXC_EXIT_FAIL;
    size_t k;

    if (argc >= 2 && lx_cli_is_help(argv[1])) {
        merge_usage(stdout);
        return LXC_EXIT_OK;
    }
    if ((m = lx__calloc(NULL, 1, sizeof(*m))) == NULL) {
        fprintf(stderr, "lotusx capture merge: out of memory\n");
        return LXC_EXIT_FAIL;
    }
    if (merge_parse(argc, argv, m, &out) != 0) {
        merge_usage(stderr);
        lx__free(NULL, m);
        return LXC_EXIT_USAGE;
    }
    if (merge_open(m) == 0) {
        venue = merge_venue(m, &created);
        w = lxc_open_writer_labels("merge", out, venue, "lotusx capture merge",
                                   created, m->rd, m->n);
    }
    if (w != NULL) {
        ec = merge_run(m, w, &n);
        if (lxc_close_writer("merge", out, w) != LXC_EXIT_OK) {
            ec = LXC_EXIT_FAIL;
        }
        if (ec != LXC_EXIT_OK) {
            lxc_discard(out);
        }
    }
    for (k = 0; k < m->n; k++) {
        lx_capture_reader_free(m->rd[k]);
    }
    lx__free(NULL, m);
    if (ec == LXC_EXIT_OK) {
        fprintf(stderr, "lotusx capture merge: %llu records to %s\n",
                (unsigned long long)n, out);
    }
    return ec;
}
