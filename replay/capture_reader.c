/*
 * capture_reader.c - reads capture files: validates a file on open, walks
 * its records in the writer's global order (merging the chunks of all
 * streams), filters by stream, kind and wall-clock range using the chunk
 * indexes, and verifies every chunk.
 *
 * Memory: one decompressed chunk per stream whose chunk overlaps the
 * current position in the global order (for a recording, about one per
 * connection that was active during one commit interval). It never writes
 * to the file and never trusts a length, count or offset read from it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>
#include <zstd.h>

#include "replay/capture_int.h"

struct rstream {
    struct lx_capture_stream pub;
    char *venue;
    char *url;
    char *transport;
    char *close_reason;
};

struct rdict {
    int64_t id;
    ZSTD_DDict *dd;
};

struct meta {
    char *key;
    char *value;
};

/* A decompressed chunk in the merge. */
struct loaded {
    int64_t chunk_id;
    size_t stream; /* index in r->streams */
    uint8_t *raw;
    size_t cap; /* of raw */
    size_t len;
    size_t pos;
    uint64_t nrec;
    uint64_t seen;
    struct lx__cap_prev prev;
    uint64_t next_gseq;
};

struct lx_capture_reader {
    struct lx_ctx *ctx;
    const struct lx_mem *mem;
    sqlite3 *db;
    void *image;          /* lx_capture_open_mem's copy */
    sqlite3_stmt *q;      /* chunk rows of the iteration, without data */
    sqlite3_stmt *blob_q; /* one chunk's data by id */
    bool q_pending;       /* q holds an unloaded row */
    bool q_done;
    struct rstream *streams;
    size_t nstreams;
    struct rdict *dicts;
    size_t ndicts;
    struct meta *meta;
    size_t nmeta;
    struct lx_capture_info info;
    int64_t max_span;
    ZSTD_DCtx *dctx;
    uint8_t *spare; /* a chunk buffer kept for the next chunk */
    size_t spare_cap;
    struct loaded **heap;
    struct loaded *retired; /* popped; r->rec may still point into it */
    size_t nheap;
    size_t capheap;
    int64_t *filter;
    size_t nfilter;
    unsigned kinds;
    int64_t from;
    int64_t to;
    struct lx__cap_scratch scratch;
    struct lx__xform xf;  /* codec 1 decoding */
    struct lx__cbuf xbuf; /* a codec 1 chunk's frame content */
    struct lx_capture_record rec;
    struct lx_capture_error err;
};

/* Sets the reader's error; a chunk's message starts with its id. */
static int set_err(struct lx_capture_reader *r, int code, int64_t chunk,
                   const char *prefix, const char *detail)
{
    if (chunk != 0) {
        lx__cap_set_error(&r->err, code, chunk, "chunk %lld: %s%s",
                          (long long)chunk, prefix, detail);
    } else {
        lx__cap_set_error(&r->err, code, chunk, "%s%s", prefix, detail);
    }
    return code;
}

static int sql_err(struct lx_capture_reader *r, int src)
{
    int code = lx__cap_sqlite_err(src);

    if (code == LX_OK) {
        code = LX_ERR_FILE;
    }
    return set_err(r, code, 0, "sqlite: ", sqlite3_errmsg(r->db));
}

static char *dup_col(struct lx_capture_reader *r, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return lx__strdup(r->mem, t != NULL ? (const char *)t : "");
}

/* ---- loading the tables ------------------------------------------------- */

static int load_meta(struct lx_capture_reader *r)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(r->db, "SELECT key, value FROM meta", -1, &st, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct meta *v =
            lx__realloc(r->mem, r->meta, (r->nmeta + 1) * sizeof(*v));

        if (v == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        r->meta = v;
        v[r->nmeta].key = dup_col(r, st, 0);
        v[r->nmeta].value = dup_col(r, st, 1);
        r->nmeta++;
        if (v[r->nmeta - 1].key == NULL || v[r->nmeta - 1].value == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? LX_OK : sql_err(r, rc);
}

static int stream_row(struct lx_capture_reader *r, sqlite3_stmt *st)
{
    struct rstream *v =
        lx__realloc(r->mem, r->streams, (r->nstreams + 1) * sizeof(*v));
    struct rstream *s;

    if (v == NULL) {
        return SQLITE_NOMEM;
    }
    r->streams = v;
    s = &v[r->nstreams++];
    memset(s, 0, sizeof(*s));
    s->pub.id = sqlite3_column_int64(st, 0);
    s->pub.side = sqlite3_column_int(st, 1) == LX_TAP_SERVER ? LX_TAP_SERVER
                                                             : LX_TAP_CLIENT;
    s->pub.conn_id = (uint64_t)sqlite3_column_int64(st, 2);
    s->venue = dup_col(r, st, 3);
    s->url = dup_col(r, st, 4);
    s->transport = dup_col(r, st, 5);
    s->pub.open_wall_ns = sqlite3_column_int64(st, 6);
    s->pub.close_wall_ns = sqlite3_column_int64(st, 7);
    if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
        s->close_reason = dup_col(r, st, 8);
        if (s->close_reason == NULL) {
            return SQLITE_NOMEM;
        }
    }
    s->pub.records = (uint64_t)sqlite3_column_int64(st, 9);
    s->pub.chunks = (uint64_t)sqlite3_column_int64(st, 10);
    s->pub.raw_bytes = (uint64_t)sqlite3_column_int64(st, 11);
    s->pub.stored_bytes = (uint64_t)sqlite3_column_int64(st, 12);
    if (s->venue == NULL || s->url == NULL || s->transport == NULL) {
        return SQLITE_NOMEM;
    }
    s->pub.venue = s->venue;
    s->pub.url = s->url;
    s->pub.transport = s->transport;
    s->pub.close_reason = s->close_reason;
    return SQLITE_OK;
}

static int load_streams(struct lx_capture_reader *r)
{
    static const char sql[] =
        "SELECT s.id, s.side, s.conn_id, s.venue, s.url, s.transport,"
        " s.open_wall_ns, s.close_wall_ns, s.close_reason,"
        " coalesce(c.n, 0), coalesce(c.k, 0), coalesce(c.raw, 0),"
        " coalesce(c.stored, 0) FROM streams s LEFT JOIN"
        " (SELECT stream_id, sum(nrecords) AS n, count(*) AS k,"
        " sum(raw_size) AS raw, sum(length(data)) AS stored FROM chunks"
        " GROUP BY stream_id) c ON c.stream_id = s.id ORDER BY s.id";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        rc = stream_row(r, st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? LX_OK : sql_err(r, rc);
}

static int load_dicts(struct lx_capture_reader *r)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, "SELECT id, data FROM dicts ORDER BY id",
                                -1, &st, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct rdict *v =
            lx__realloc(r->mem, r->dicts, (r->ndicts + 1) * sizeof(*v));
        const void *p = sqlite3_column_blob(st, 1);
        int n = sqlite3_column_bytes(st, 1);

        if (v == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        r->dicts = v;
        v[r->ndicts].id = sqlite3_column_int64(st, 0);
        v[r->ndicts].dd = ZSTD_createDDict(p, (size_t)n);
        if (v[r->ndicts].dd == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        r->ndicts++;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? LX_OK : sql_err(r, rc);
}

/* Totals: from the summary row of a finalized file, else from the chunks. */
static int load_info(struct lx_capture_reader *r)
{
    static const char fin[] =
        "SELECT records, chunks, first_wall_ns, last_wall_ns, raw_bytes,"
        " stored_bytes, max_chunk_span_ns FROM summary WHERE id = 1";
    static const char live[] =
        "SELECT coalesce(sum(nrecords), 0), count(*),"
        " coalesce(min(min_wall_ns), 0), coalesce(max(max_wall_ns), 0),"
        " coalesce(sum(raw_size), 0), coalesce(sum(length(data)), 0),"
        " coalesce(max(max_wall_ns - min_wall_ns), 0) FROM chunks";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, fin, -1, &st, NULL), i;

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        r->info.finalized = 1;
    } else if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        st = NULL;
        rc = sqlite3_prepare_v2(r->db, live, -1, &st, NULL);
        rc = rc == SQLITE_OK ? sqlite3_step(st) : rc;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return sql_err(r, rc);
    }
    i = 0;
    r->info.records = (uint64_t)sqlite3_column_int64(st, i++);
    r->info.chunks = (uint64_t)sqlite3_column_int64(st, i++);
    r->info.first_wall_ns = sqlite3_column_int64(st, i++);
    r->info.last_wall_ns = sqlite3_column_int64(st, i++);
    r->info.raw_bytes = (uint64_t)sqlite3_column_int64(st, i++);
    r->info.stored_bytes = (uint64_t)sqlite3_column_int64(st, i++);
    r->max_span = sqlite3_column_int64(st, i);
    sqlite3_finalize(st);
    if (r->max_span < 0) {
        return set_err(r, LX_ERR_CORRUPT, 0, "", "bad chunk time bounds");
    }
    return LX_OK;
}

const char *lx_capture_reader_meta(const struct lx_capture_reader *r,
                                   const char *key)
{
    size_t i;

    if (r == NULL || key == NULL) {
        return NULL;
    }
    for (i = 0; i < r->nmeta; i++) {
        if (strcmp(r->meta[i].key, key) == 0) {
            return r->meta[i].value;
        }
    }
    return NULL;
}

size_t lx_capture_reader_meta_count(const struct lx_capture_reader *r)
{
    return r != NULL ? r->nmeta : 0;
}

int lx_capture_reader_meta_at(const struct lx_capture_reader *r, size_t i,
                              const char **key, const char **value)
{
    if (r == NULL || key == NULL || value == NULL) {
        return LX_ERR_INVAL;
    }
    if (i >= r->nmeta) {
        return LX_ERR_RANGE;
    }
    *key = r->meta[i].key;
    *value = r->meta[i].value;
    return LX_OK;
}

/* ---- validation --------------------------------------------------------- */

static int pragma_int(struct lx_capture_reader *r, const char *sql, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int check_ids(struct lx_capture_reader *r)
{
    int64_t app = 0, ver = 0;
    int rc = pragma_int(r, "PRAGMA application_id", &app);

    if (rc == SQLITE_OK) {
        rc = pragma_int(r, "PRAGMA user_version", &ver);
    }
    if ((rc & 0xff) == SQLITE_NOTADB) {
        return set_err(r, LX_ERR_PARSE, 0, "",
                       "not a capture file: not an SQLite database");
    }
    if (rc != SQLITE_OK) {
        return sql_err(r, rc);
    }
    if (app != LX_CAPTURE_APPLICATION_ID || ver == 0) {
        return set_err(r, LX_ERR_PARSE, 0, "",
                       "not a capture file: an SQLite database of another "
                       "application (application_id)");
    }
    if (ver > LX_CAPTURE_FORMAT_VERSION || ver < 0) {
        lx__cap_set_error(&r->err, LX_ERR_VERSION, 0,
                          "capture format version %lld is not supported "
                          "(this library reads up to %d)",
                          (long long)ver, LX_CAPTURE_FORMAT_VERSION);
        return LX_ERR_VERSION;
    }
    r->info.format_version = (int)ver;
    return LX_OK;
}

static int load_all(struct lx_capture_reader *r)
{
    int rc = check_ids(r);
    const char *v;

    if (rc != LX_OK) {
        return rc;
    }
    rc = load_meta(r);
    if (rc == LX_OK) {
        rc = load_streams(r);
    }
    if (rc == LX_OK) {
        rc = load_dicts(r);
    }
    if (rc == LX_OK) {
        rc = load_info(r);
    }
    if (rc == LX_ERR_FILE || rc == LX_ERR_PARSE) {
        /* Right ids but missing tables or columns. */
        lx__cap_set_error(&r->err, LX_ERR_CORRUPT, 0,
                          "capture schema damaged: %s", sqlite3_errmsg(r->db));
        rc = LX_ERR_CORRUPT;
    }
    if (rc != LX_OK) {
        return rc;
    }
    v = lx_capture_reader_meta(r, "creator");
    r->info.creator = v != NULL ? v : "";
    v = lx_capture_reader_meta(r, "venue");
    r->info.venue = v != NULL ? v : "";
    v = lx_capture_reader_meta(r, "created_wall_ns");
    if (v != NULL) {
        lx__parse_i64(v, strlen(v), &r->info.created_wall_ns);
    }
    r->info.streams = r->nstreams;
    r->info.has_dict = r->ndicts > 0;
    return lx_capture_reader_rewind(r);
}

/* ---- open and free ------------------------------------------------------ */

static int new_reader(struct lx_capture_reader **out, struct lx_ctx *ctx)
{
    const struct lx_mem *mem = lx_ctx_mem(ctx);
    struct lx_capture_reader *r = lx__calloc(mem, 1, sizeof(*r));

    if (r == NULL) {
        return LX_ERR_NOMEM;
    }
    r->ctx = ctx;
    r->mem = mem;
    lx__cap_scratch_init(&r->scratch, mem);
    lx__xform_init(&r->xf, mem);
    lx__cbuf_init(&r->xbuf, mem);
    r->dctx = ZSTD_createDCtx();
    if (r->dctx == NULL) {
        lx__free(mem, r);
        return LX_ERR_NOMEM;
    }
    *out = r;
    return LX_OK;
}

static int finish_open(struct lx_capture_reader *r,
                       struct lx_capture_reader **out,
                       struct lx_capture_error *err)
{
    int rc;

    sqlite3_db_config(r->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(r->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    rc = load_all(r);
    if (rc != LX_OK) {
        if (err != NULL) {
            *err = r->err;
        }
        lx_capture_reader_free(r);
        return rc;
    }
    *out = r;
    return LX_OK;
}

int lx_capture_open(struct lx_capture_reader **out, struct lx_ctx *ctx,
                    const char *path, struct lx_capture_error *err)
{
    struct lx_capture_reader *r;
    struct stat st;
    int rc;

    lx__cap_set_error(err, LX_OK, 0, "%s", "");
    if (out == NULL || path == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        lx__cap_set_error(err, LX_ERR_FILE, 0,
                          "%s: missing or not a regular file", path);
        return LX_ERR_FILE;
    }
    rc = new_reader(&r, ctx);
    if (rc != LX_OK) {
        return rc;
    }
    r->info.file_bytes = (uint64_t)st.st_size;
    rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL);
    if (rc != SQLITE_OK) {
        lx__cap_set_error(err, LX_ERR_FILE, 0, "%s: %s", path,
                          r->db != NULL ? sqlite3_errmsg(r->db)
                                        : "cannot open");
        lx_capture_reader_free(r);
        return LX_ERR_FILE;
    }
    return finish_open(r, out, err);
}

int lx_capture_open_mem(struct lx_capture_reader **out, struct lx_ctx *ctx,
                        const void *image, size_t len,
                        struct lx_capture_error *err)
{
    struct lx_capture_reader *r;
    uint8_t *copy;
    int rc;

    lx__cap_set_error(err, LX_OK, 0, "%s", "");
    if (out == NULL || (image == NULL && len > 0)) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (len > (size_t)1 << 40) {
        return LX_ERR_TOOBIG;
    }
    rc = new_reader(&r, ctx);
    if (rc != LX_OK) {
        return rc;
    }
    copy = sqlite3_malloc64(len > 0 ? len : 1);
    rc = copy == NULL
             ? SQLITE_NOMEM
             : sqlite3_open_v2(":memory:", &r->db, SQLITE_OPEN_READWRITE, NULL);
    if (rc == SQLITE_OK) {
        if (len > 0) {
            memcpy(copy, image, len);
        }
        /* A WAL-mode header makes SQLite look for a -wal file: clear it. */
        if (len >= 20 && copy[18] == 2 && copy[19] == 2) {
            copy[18] = copy[19] = 1;
        }
        rc = sqlite3_deserialize(
            r->db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
        copy = NULL; /* freed by SQLite, even on failure */
    }
    sqlite3_free(copy);
    r->info.file_bytes = len;
    if (rc != SQLITE_OK) {
        rc = lx__cap_sqlite_err(rc);
        lx__cap_set_error(err, rc, 0, "%s", "cannot load the image");
        lx_capture_reader_free(r);
        return rc;
    }
    return finish_open(r, out, err);
}

/* Buffers of spare chunks over this size are not kept. */
#define SPARE_MAX (64u << 20)

/* A chunk buffer of at least n bytes: the spare one if it is big enough. */
static uint8_t *take_buf(struct lx_capture_reader *r, size_t n, size_t *cap)
{
    uint8_t *p;

    if (r->spare != NULL && r->spare_cap >= n) {
        p = r->spare;
        *cap = r->spare_cap;
        r->spare = NULL;
        r->spare_cap = 0;
        return p;
    }
    *cap = n;
    return lx__malloc(r->mem, n);
}

/* Keeps the larger of p and the spare buffer for the next chunk. */
static void give_buf(struct lx_capture_reader *r, uint8_t *p, size_t cap)
{
    if (p == NULL) {
        return;
    }
    if (cap <= SPARE_MAX && (r->spare == NULL || cap > r->spare_cap)) {
        lx__free(r->mem, r->spare);
        r->spare = p;
        r->spare_cap = cap;
    } else {
        lx__free(r->mem, p);
    }
}

static void free_loaded(struct lx_capture_reader *r, struct loaded *l)
{
    if (l != NULL) {
        give_buf(r, l->raw, l->cap);
        lx__free(r->mem, l);
    }
}

static void reset_iter(struct lx_capture_reader *r)
{
    size_t i;

    for (i = 0; i < r->nheap; i++) {
        free_loaded(r, r->heap[i]);
    }
    r->nheap = 0;
    free_loaded(r, r->retired);
    r->retired = NULL;
    sqlite3_finalize(r->q);
    r->q = NULL;
    r->q_pending = false;
    r->q_done = true;
}

void lx_capture_reader_free(struct lx_capture_reader *r)
{
    size_t i;

    if (r == NULL) {
        return;
    }
    reset_iter(r);
    sqlite3_finalize(r->blob_q);
    lx__free(r->mem, r->heap);
    for (i = 0; i < r->nstreams; i++) {
        lx__free(r->mem, r->streams[i].venue);
        lx__free(r->mem, r->streams[i].url);
        lx__free(r->mem, r->streams[i].transport);
        lx__free(r->mem, r->streams[i].close_reason);
    }
    lx__free(r->mem, r->streams);
    for (i = 0; i < r->ndicts; i++) {
        ZSTD_freeDDict(r->dicts[i].dd);
    }
    lx__free(r->mem, r->dicts);
    for (i = 0; i < r->nmeta; i++) {
        lx__free(r->mem, r->meta[i].key);
        lx__free(r->mem, r->meta[i].value);
    }
    lx__free(r->mem, r->meta);
    lx__free(r->mem, r->filter);
    lx__cap_scratch_free(&r->scratch);
    lx__xform_free(&r->xf);
    lx__cbuf_free(&r->xbuf);
    lx__free(r->mem, r->spare);
    ZSTD_freeDCtx(r->dctx);
    sqlite3_close(r->db);
    lx__free(r->mem, r);
}

/* ---- info and streams --------------------------------------------------- */

void lx_capture_reader_info(const struct lx_capture_reader *r,
                            struct lx_capture_info *info)
{
    if (r != NULL && info != NULL) {
        *info = r->info;
    }
}

size_t lx_capture_reader_stream_count(const struct lx_capture_reader *r)
{
    return r != NULL ? r->nstreams : 0;
}

int lx_capture_reader_stream_at(const struct lx_capture_reader *r, size_t i,
                                struct lx_capture_stream *out)
{
    if (r == NULL || out == NULL) {
        return LX_ERR_INVAL;
    }
    if (i >= r->nstreams) {
        return LX_ERR_RANGE;
    }
    *out = r->streams[i].pub;
    return LX_OK;
}

const struct lx_capture_error *
lx_capture_reader_error(const struct lx_capture_reader *r)
{
    return r != NULL ? &r->err : NULL;
}

/* The index of stream id in r->streams (sorted by id), or nstreams. */
static size_t stream_index(const struct lx_capture_reader *r, int64_t id)
{
    size_t lo = 0, hi = r->nstreams;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (r->streams[mid].pub.id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < r->nstreams && r->streams[lo].pub.id == id ? lo : r->nstreams;
}

/* ---- filters ------------------------------------------------------------ */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

int lx_capture_reader_add_stream(struct lx_capture_reader *r, int64_t stream_id)
{
    int64_t *v;

    if (r == NULL) {
        return LX_ERR_INVAL;
    }
    v = lx__realloc(r->mem, r->filter, (r->nfilter + 1) * sizeof(*v));
    if (v == NULL) {
        return LX_ERR_NOMEM;
    }
    r->filter = v;
    v[r->nfilter++] = stream_id;
    qsort(v, r->nfilter, sizeof(*v), cmp_i64);
    return LX_OK;
}

void lx_capture_reader_clear_streams(struct lx_capture_reader *r)
{
    if (r != NULL) {
        r->nfilter = 0;
    }
}

void lx_capture_reader_set_kinds(struct lx_capture_reader *r, unsigned mask)
{
    if (r != NULL) {
        r->kinds = mask;
    }
}

static bool stream_wanted(const struct lx_capture_reader *r, int64_t id)
{
    return r->nfilter == 0 ||
           bsearch(&id, r->filter, r->nfilter, sizeof(id), cmp_i64) != NULL;
}

/* ---- the merge ---------------------------------------------------------- */

/* Version 1 files have no codec column: every chunk is plain. */
#define CHUNK_COLS(codec)                                                      \
    "SELECT id, stream_id, first_gseq, nrecords, raw_size, kinds, "            \
    "dict_id, " codec " FROM chunks "

int lx_capture_reader_seek(struct lx_capture_reader *r, int64_t from_wall_ns,
                           int64_t to_wall_ns)
{
#define ALL(c)                                                                 \
    CHUNK_COLS(c)                                                              \
    "INDEXED BY chunks_by_gseq WHERE max_wall_ns >= ?1 AND"                    \
    " min_wall_ns < ?2 AND min_wall_ns >= ?3 ORDER BY first_gseq"
#define TIMED(c)                                                               \
    CHUNK_COLS(c)                                                              \
    "INDEXED BY chunks_by_wall WHERE max_wall_ns >= ?1 AND"                    \
    " min_wall_ns < ?2 AND min_wall_ns >= ?3 ORDER BY first_gseq"
#define ONE(c)                                                                 \
    CHUNK_COLS(c)                                                              \
    "INDEXED BY chunks_by_stream WHERE stream_id = ?4 AND"                     \
    " max_wall_ns >= ?1 AND min_wall_ns < ?2 AND"                              \
    " min_wall_ns >= ?3 ORDER BY stream_id, first_gseq"
    static const char *const all[2] = {ALL("0"), ALL("codec")};
    static const char *const timed[2] = {TIMED("0"), TIMED("codec")};
    static const char *const one[2] = {ONE("0"), ONE("codec")};
    int v2 = r != NULL && r->info.format_version >= 2;
    const char *sql;
    int64_t lo;
    int rc;

    if (r == NULL || from_wall_ns > to_wall_ns) {
        return LX_ERR_INVAL;
    }
    sql = r->nfilter == 1             ? one[v2]
          : from_wall_ns != INT64_MIN ? timed[v2]
                                      : all[v2];
    reset_iter(r);
    /*
     * The iteration query has no data column: a time range is sorted by
     * gseq in a temporary b-tree, which must not copy every blob.
     */
    if (r->blob_q == NULL &&
        (rc = sqlite3_prepare_v2(r->db, "SELECT data FROM chunks WHERE id = ?1",
                                 -1, &r->blob_q, NULL)) != SQLITE_OK) {
        return sql_err(r, rc);
    }
    r->from = from_wall_ns;
    r->to = to_wall_ns;
    /* A chunk ending at or after from starts at most max_span before. */
    lo = from_wall_ns < INT64_MIN + r->max_span ? INT64_MIN
                                                : from_wall_ns - r->max_span;
    rc = sqlite3_prepare_v2(r->db, sql, -1, &r->q, NULL);
    if (rc != SQLITE_OK) {
        return sql_err(r, rc);
    }
    sqlite3_bind_int64(r->q, 1, from_wall_ns);
    sqlite3_bind_int64(r->q, 2, to_wall_ns);
    sqlite3_bind_int64(r->q, 3, lo);
    if (r->nfilter == 1) {
        sqlite3_bind_int64(r->q, 4, r->filter[0]);
    }
    r->q_done = false;
    return LX_OK;
}

int lx_capture_reader_rewind(struct lx_capture_reader *r)
{
    return lx_capture_reader_seek(r, INT64_MIN, INT64_MAX);
}

/* Steps q to the next row worth loading; q_pending says if there is one. */
static int next_row(struct lx_capture_reader *r)
{
    while (!r->q_done && !r->q_pending) {
        int rc = sqlite3_step(r->q);

        if (rc == SQLITE_DONE) {
            r->q_done = true;
        } else if (rc != SQLITE_ROW) {
            r->q_done = true;
            return sql_err(r, rc);
        } else if (stream_wanted(r, sqlite3_column_int64(r->q, 1)) &&
                   (r->kinds == 0 ||
                    ((unsigned)sqlite3_column_int64(r->q, 5) & r->kinds))) {
            r->q_pending = true;
        }
    }
    return LX_OK;
}

static ZSTD_DDict *find_dict(const struct lx_capture_reader *r, int64_t id)
{
    size_t i;

    for (i = 0; i < r->ndicts; i++) {
        if (r->dicts[i].id == id) {
            return r->dicts[i].dd;
        }
    }
    return NULL;
}

/* Rebuilds the records of a codec 1 chunk from its frame content. */
static int untransform(struct lx_capture_reader *r, int64_t chunk_id,
                       size_t flen, uint8_t *raw, size_t raw_size)
{
    char msg[96];
    int rc = lx__xform_decode(&r->xf, r->xbuf.p, flen, raw, raw_size, msg,
                              sizeof(msg));

    return rc == LX_ERR_CORRUPT
               ? set_err(r, rc, chunk_id, "numeric transform: ", msg)
               : rc;
}

/*
 * Decompresses one chunk blob into a buffer (*cap bytes, from take_buf)
 * of raw_size bytes of records. The frame must be exactly the blob and carry a
 * checksum; its content is the records (codec 0: it declares raw_size bytes) or
 * their numeric transform (codec 1).
 */
static int inflate(struct lx_capture_reader *r, int64_t chunk_id,
                   const void *blob, size_t blen, int64_t raw_size,
                   int64_t dict_id, int64_t codec, uint8_t **out, size_t *cap)
{
    static const uint8_t magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    const uint8_t *b = blob;
    ZSTD_DDict *dd = NULL;
    unsigned long long fcs;
    uint8_t *raw, *dst;
    size_t n;
    int rc;

    *out = NULL;
    /* Frame header descriptor bit 2: Content_Checksum_flag (RFC 8878). */
    if (blob == NULL || blen < 6 || memcmp(b, magic, 4) != 0 ||
        (b[4] & 4) == 0 || ZSTD_findFrameCompressedSize(blob, blen) != blen) {
        return set_err(r, LX_ERR_CORRUPT, chunk_id, "",
                       "not one checksummed zstd frame");
    }
    if (codec != LX__CAP_CODEC_PLAIN && codec != LX__CAP_CODEC_NUM) {
        return set_err(r, LX_ERR_CORRUPT, chunk_id, "", "has an unknown codec");
    }
    fcs = ZSTD_getFrameContentSize(blob, blen);
    if (raw_size < 0 || (uint64_t)raw_size > LX__CAP_MAX_CHUNK ||
        fcs > LX__CAP_MAX_CHUNK ||
        (codec == LX__CAP_CODEC_PLAIN && fcs != (unsigned long long)raw_size)) {
        return set_err(r, LX_ERR_CORRUPT, chunk_id, "",
                       "size does not match its row");
    }
    if (dict_id != 0 && (dd = find_dict(r, dict_id)) == NULL) {
        return set_err(r, LX_ERR_CORRUPT, chunk_id, "",
                       "names a missing dictionary");
    }
    raw = take_buf(r, (size_t)raw_size + LX__XFORM_SLACK, cap);
    if (raw == NULL) {
        return LX_ERR_NOMEM;
    }
    dst = raw;
    if (codec == LX__CAP_CODEC_NUM) {
        r->xbuf.len = 0;
        if ((rc = lx__cbuf_reserve(&r->xbuf, fcs > 0 ? (size_t)fcs : 1)) !=
            LX_OK) {
            give_buf(r, raw, *cap);
            return rc == LX_ERR_TOOBIG ? LX_ERR_NOMEM : rc;
        }
        dst = r->xbuf.p;
    }
    n = ZSTD_decompress_usingDDict(r->dctx, dst, (size_t)fcs, blob, blen, dd);
    if (ZSTD_isError(n) || n != (size_t)fcs) {
        give_buf(r, raw, *cap);
        return set_err(r, LX_ERR_CORRUPT, chunk_id, "zstd: ",
                       ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
    }
    if (codec == LX__CAP_CODEC_NUM &&
        (rc = untransform(r, chunk_id, n, raw, (size_t)raw_size)) != LX_OK) {
        give_buf(r, raw, *cap);
        return rc;
    }
    *out = raw;
    return LX_OK;
}

/* Reads the gseq of the record at l->pos without decoding the rest. */
static int peek(struct lx_capture_reader *r, struct loaded *l)
{
    const uint8_t *p = l->raw + l->pos;
    size_t len = l->len - l->pos, k, j;
    uint64_t blen, dg;

    k = lx__cap_get_uvarint(p, len, &blen);
    if (k == 0 || blen > len - k || blen < 3 ||
        (j = lx__cap_get_uvarint(p + k + 2, (size_t)blen - 2, &dg)) == 0) {
        return set_err(r, LX_ERR_CORRUPT, l->chunk_id, "",
                       "has a truncated record");
    }
    /* Flag bit 1: the record's deltas start from 0 (a piece boundary). */
    l->next_gseq = ((p[k + 1] & 2) ? 0 : l->prev.gseq) + lx__cap_unzigzag(dg);
    return LX_OK;
}

static void heap_up(struct loaded **h, size_t i)
{
    while (i > 0 && h[(i - 1) / 2]->next_gseq > h[i]->next_gseq) {
        struct loaded *t = h[i];

        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_down(struct loaded **h, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, a = 2 * i + 1, b = 2 * i + 2;
        struct loaded *t;

        if (a < n && h[a]->next_gseq < h[m]->next_gseq) {
            m = a;
        }
        if (b < n && h[b]->next_gseq < h[m]->next_gseq) {
            m = b;
        }
        if (m == i) {
            return;
        }
        t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static int heap_push(struct lx_capture_reader *r, struct loaded *l)
{
    if (r->nheap == r->capheap) {
        size_t cap = r->capheap != 0 ? r->capheap * 2 : 16;
        struct loaded **h = lx__realloc(r->mem, r->heap, cap * sizeof(*h));

        if (h == NULL) {
            return LX_ERR_NOMEM;
        }
        r->heap = h;
        r->capheap = cap;
    }
    r->heap[r->nheap++] = l;
    heap_up(r->heap, r->nheap - 1);
    return LX_OK;
}

/* Loads the pending row into the merge; on corruption skips it. */
static int load_pending(struct lx_capture_reader *r)
{
    sqlite3_stmt *q = r->q;
    int64_t id = sqlite3_column_int64(q, 0);
    const void *blob = NULL;
    size_t blen = 0;
    struct loaded *l;
    int rc;

    sqlite3_reset(r->blob_q);
    sqlite3_bind_int64(r->blob_q, 1, id);
    rc = sqlite3_step(r->blob_q);
    if (rc == SQLITE_ROW) {
        blob = sqlite3_column_blob(r->blob_q, 0);
        blen = (size_t)sqlite3_column_bytes(r->blob_q, 0);
    } else if (rc != SQLITE_DONE) {
        sqlite3_reset(r->blob_q);
        r->q_pending = false;
        return sql_err(r, rc);
    }

    r->q_pending = false;
    l = lx__calloc(r->mem, 1, sizeof(*l));
    if (l == NULL) {
        sqlite3_reset(r->blob_q);
        r->q_pending = true;
        return LX_ERR_NOMEM;
    }
    l->chunk_id = id;
    l->stream = stream_index(r, sqlite3_column_int64(q, 1));
    l->nrec = (uint64_t)sqlite3_column_int64(q, 3);
    l->len = (size_t)sqlite3_column_int64(q, 4);
    rc = l->stream == r->nstreams
             ? set_err(r, LX_ERR_CORRUPT, id, "", "belongs to no stream")
             : inflate(r, id, blob, blen, sqlite3_column_int64(q, 4),
                       sqlite3_column_int64(q, 6), sqlite3_column_int64(q, 7),
                       &l->raw, &l->cap);
    if (rc == LX_OK && (l->len == 0 || l->nrec == 0)) {
        rc = set_err(r, LX_ERR_CORRUPT, id, "", "is empty");
    }
    if (rc == LX_OK) {
        rc = peek(r, l);
    }
    if (rc == LX_OK) {
        rc = heap_push(r, l);
    }
    if (rc != LX_OK) {
        free_loaded(r, l);
        if (rc == LX_ERR_NOMEM) {
            r->q_pending = true; /* retry the same chunk */
        }
    }
    sqlite3_reset(r->blob_q);
    return rc;
}

/* Loads every chunk that may hold the next record in global order. */
static int fill(struct lx_capture_reader *r)
{
    int rc = next_row(r);

    while (rc == LX_OK && r->q_pending &&
           (r->nheap == 0 ||
            (uint64_t)sqlite3_column_int64(r->q, 2) <= r->heap[0]->next_gseq)) {
        rc = load_pending(r);
        if (rc == LX_OK) {
            rc = next_row(r);
        }
    }
    return rc;
}

static void pop_top(struct lx_capture_reader *r)
{
    free_loaded(r, r->retired);
    r->retired = r->heap[0];
    r->heap[0] = r->heap[--r->nheap];
    heap_down(r->heap, r->nheap, 0);
}

/* Decodes the top chunk's next record into r->rec and advances it. */
static int take(struct lx_capture_reader *r)
{
    struct loaded *l = r->heap[0];
    const struct rstream *s = &r->streams[l->stream];
    char msg[96];
    int n = lx__cap_rec_decode(l->raw + l->pos, l->len - l->pos, &l->prev,
                               &r->scratch, &r->rec, msg, sizeof(msg));

    if (n < 0) {
        if (n == LX_ERR_CORRUPT) {
            set_err(r, n, l->chunk_id, "", msg);
            pop_top(r);
        }
        return n;
    }
    l->pos += (size_t)n;
    l->seen++;
    r->rec.side = s->pub.side;
    r->rec.conn_id = s->pub.conn_id;
    r->rec.stream_id = s->pub.id;
    r->rec.venue = s->venue;
    r->rec.chunk_id = l->chunk_id;
    if (l->pos >= l->len || l->seen >= l->nrec) {
        bool bad = l->pos != l->len || l->seen != l->nrec;
        int64_t id = l->chunk_id;

        pop_top(r);
        if (bad) {
            return set_err(r, LX_ERR_CORRUPT, id, "",
                           "record count does not match its row");
        }
        return LX_OK;
    }
    if (peek(r, l) != LX_OK) {
        pop_top(r);
        return LX_ERR_CORRUPT;
    }
    heap_down(r->heap, r->nheap, 0);
    return LX_OK;
}

static bool rec_wanted(const struct lx_capture_reader *r)
{
    const struct lx_capture_record *x = &r->rec;

    return x->wall_ns >= r->from && x->wall_ns < r->to &&
           (r->kinds == 0 || (LX_CAPTURE_KIND_BIT(x->kind) & r->kinds));
}

int lx_capture_reader_next(struct lx_capture_reader *r,
                           const struct lx_capture_record **rec)
{
    int rc;

    if (r == NULL || rec == NULL) {
        return LX_ERR_INVAL;
    }
    *rec = NULL;
    for (;;) {
        rc = fill(r);
        if (rc != LX_OK) {
            return rc;
        }
        if (r->nheap == 0) {
            return 0;
        }
        rc = take(r);
        if (rc != LX_OK) {
            return rc;
        }
        if (rec_wanted(r)) {
            *rec = &r->rec;
            return 1;
        }
    }
}

/* ---- verify ------------------------------------------------------------- */

/* The chunk row's claims, checked against its records. */
struct claims {
    int64_t id;
    uint64_t first_gseq, last_gseq, first_seq, last_seq, nrec;
    int64_t min_wall, max_wall, min_mono, max_mono;
    unsigned kinds;
};

static void read_claims(sqlite3_stmt *st, struct claims *c)
{
    c->id = sqlite3_column_int64(st, 0);
    c->first_gseq = (uint64_t)sqlite3_column_int64(st, 1);
    c->last_gseq = (uint64_t)sqlite3_column_int64(st, 2);
    c->first_seq = (uint64_t)sqlite3_column_int64(st, 3);
    c->last_seq = (uint64_t)sqlite3_column_int64(st, 4);
    c->min_wall = sqlite3_column_int64(st, 5);
    c->max_wall = sqlite3_column_int64(st, 6);
    c->min_mono = sqlite3_column_int64(st, 7);
    c->max_mono = sqlite3_column_int64(st, 8);
    c->nrec = (uint64_t)sqlite3_column_int64(st, 9);
    c->kinds = (unsigned)sqlite3_column_int64(st, 11);
}

/* Decodes every record of raw[0..len) and compares with the claims. */
static int check_records(struct lx_capture_reader *r, const struct claims *c,
                         const uint8_t *raw, size_t len)
{
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx_capture_record rec;
    uint64_t n = 0, last_gseq = 0;
    size_t pos = 0;
    unsigned kinds = 0;
    char msg[96];

    memset(&rec, 0, sizeof(rec));
    while (pos < len) {
        int k = lx__cap_rec_decode(raw + pos, len - pos, &prev, &r->scratch,
                                   &rec, msg, sizeof(msg));

        if (k < 0) {
            return k == LX_ERR_CORRUPT ? set_err(r, k, c->id, "", msg) : k;
        }
        if ((n == 0 &&
             (rec.gseq != c->first_gseq || rec.seq != c->first_seq)) ||
            (n > 0 && rec.gseq <= last_gseq) || rec.wall_ns < c->min_wall ||
            rec.wall_ns > c->max_wall || rec.mono_ns < c->min_mono ||
            rec.mono_ns > c->max_mono) {
            return set_err(r, LX_ERR_CORRUPT, c->id, "",
                           "records disagree with the chunk row");
        }
        last_gseq = rec.gseq;
        kinds |= LX_CAPTURE_KIND_BIT(rec.kind);
        pos += (size_t)k;
        n++;
    }
    if (n != c->nrec || last_gseq != c->last_gseq || rec.seq != c->last_seq ||
        kinds != c->kinds) {
        return set_err(r, LX_ERR_CORRUPT, c->id, "",
                       "record count or bounds differ from its row");
    }
    return LX_OK;
}

static int verify_chunk(struct lx_capture_reader *r, sqlite3_stmt *st)
{
    struct claims c;
    uint8_t *raw = NULL;
    size_t cap = 0;
    int rc;

    read_claims(st, &c);
    if (stream_index(r, sqlite3_column_int64(st, 13)) == r->nstreams) {
        return set_err(r, LX_ERR_CORRUPT, c.id, "", "belongs to no stream");
    }
    rc = inflate(r, c.id, sqlite3_column_blob(st, 14),
                 (size_t)sqlite3_column_bytes(st, 14),
                 sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 12),
                 sqlite3_column_int64(st, 15), &raw, &cap);
    if (rc == LX_OK) {
        rc = check_records(r, &c, raw, (size_t)sqlite3_column_int64(st, 10));
    }
    give_buf(r, raw, cap);
    return rc;
}

static int integrity(struct lx_capture_reader *r)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(r->db, "PRAGMA integrity_check(1)", -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);

        rc = t != NULL && strcmp(t, "ok") == 0
                 ? LX_OK
                 : set_err(r, LX_ERR_CORRUPT, 0,
                           "sqlite integrity: ", t != NULL ? t : "?");
    } else {
        rc = sql_err(r, rc);
    }
    sqlite3_finalize(st);
    return rc;
}

int lx_capture_reader_verify(struct lx_capture_reader *r, uint64_t *bad_chunks)
{
#define VERIFY_SQL(codec)                                                      \
    "SELECT id, first_gseq, last_gseq, first_seq, last_seq, min_wall_ns,"      \
    " max_wall_ns, min_mono_ns, max_mono_ns, nrecords, raw_size, kinds,"       \
    " dict_id, stream_id, data, " codec " FROM chunks ORDER BY id"
    static const char *const sqls[2] = {VERIFY_SQL("0"), VERIFY_SQL("codec")};
    struct lx_capture_error first;
    sqlite3_stmt *st = NULL;
    uint64_t bad = 0;
    int rc, src;

    if (r == NULL) {
        return LX_ERR_INVAL;
    }
    memset(&first, 0, sizeof(first));
    rc = integrity(r);
    if (rc != LX_OK) {
        first = r->err;
        bad++;
    }
    src = sqlite3_prepare_v2(r->db, sqls[r->info.format_version >= 2], -1, &st,
                             NULL);
    while (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        int k = verify_chunk(r, st);

        if (k == LX_ERR_NOMEM) {
            rc = k;
            break;
        }
        if (k != LX_OK && bad++ == 0) {
            first = r->err;
        }
        src = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != LX_ERR_NOMEM && src != SQLITE_DONE) {
        if (bad++ == 0) {
            sql_err(r, src);
            first = r->err;
        }
    }
    if (bad_chunks != NULL) {
        *bad_chunks = bad;
    }
    if (rc == LX_ERR_NOMEM) {
        return rc;
    }
    r->err = first;
    return bad == 0 ? LX_OK : LX_ERR_CORRUPT;
}
