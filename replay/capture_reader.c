/*
 * capture_reader.c - reads capture files: validates a file on open, walks
 * its records in the writer's global order (merging the chunks of all
 * streams), filters by stream, kind and wall-clock range using the chunk
 * indexes, and verifies every chunk.
 *
 * Memory: one decompressed chunk per stream whose chunk overlaps the
 * current position in the global order (for a recording, about one per
 * connection that was active during one commit interval), plus with
 * read-ahead the chunks queued ahead. It never writes to the file and
 * never trusts a length, count or offset read from it.
 *
 * Read-ahead (lx_capture_reader_set_readahead): a worker thread steps the
 * chunk query and copies each wanted chunk's blob into a bounded queue, in
 * exactly the order the caller's thread would load them, and inflates the
 * queued chunks; the caller's thread takes them from the head of the queue
 * where it would have loaded them itself (inflating one itself rather than
 * wait), so everything it returns is the same. While the worker runs it
 * alone uses the SQLite connection (the chunk and blob statements); it has
 * its own zstd and transform contexts and uses libc's allocator (a struct
 * lx_mem need not be thread-safe). The caller's thread touches the
 * connection again only after stopping and joining it (seek, verify,
 * set_readahead, free), or after it has exited (end, SQL error, out of
 * memory).
 */
#include <pthread.h>
#include <signal.h>
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
    size_t cap;  /* of raw */
    bool ra_buf; /* raw comes from the read-ahead worker */
    size_t len;
    size_t pos;
    uint64_t nrec;
    uint64_t seen;
    struct lx__cap_prev prev;
    uint64_t next_gseq;
};

struct ra;

/*
 * What inflates chunks: the caller's thread has one, the read-ahead worker
 * its own (with libc's allocator and a pool shared with the caller).
 */
struct dec {
    const struct lx_mem *mem;
    ZSTD_DCtx *dctx;
    struct lx__xform xf;  /* codec 1 decoding */
    struct lx__cbuf xbuf; /* a codec 1 chunk's frame content */
    uint8_t *spare;       /* a chunk buffer kept for the next chunk */
    size_t spare_cap;
    struct ra *pool; /* the worker's: buffers the caller gave back */
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
    struct dec dec;
    struct loaded **heap;
    struct loaded *retired; /* popped; r->rec may still point into it */
    size_t nheap;
    size_t capheap;
    int64_t *filter; /* as set; the iteration uses qfilter */
    size_t nfilter;
    unsigned kinds;
    int64_t *qfilter; /* the filters of the iteration, taken at seek */
    size_t nqfilter;
    size_t capqfilter;
    unsigned qkinds;
    int64_t from;
    int64_t to;
    struct lx__cap_scratch scratch;
    struct lx_capture_record rec;
    struct lx_capture_error err;
    struct ra *ra;  /* read-ahead state, once enabled */
    unsigned ra_k;  /* chunks to read ahead; 0 = off */
    bool pend_item; /* the pending row is the head of the read-ahead queue */
};

/* Fills e; a chunk's message starts with its id. */
static int cerr(struct lx_capture_error *e, int code, int64_t chunk,
                const char *prefix, const char *detail)
{
    if (chunk != 0) {
        lx__cap_set_error(e, code, chunk, "chunk %lld: %s%s", (long long)chunk,
                          prefix, detail);
    } else {
        lx__cap_set_error(e, code, chunk, "%s%s", prefix, detail);
    }
    return code;
}

/* Sets the reader's error. */
static int set_err(struct lx_capture_reader *r, int code, int64_t chunk,
                   const char *prefix, const char *detail)
{
    return cerr(&r->err, code, chunk, prefix, detail);
}

static int sql_cerr(struct lx_capture_error *e, sqlite3 *db, int src)
{
    int code = lx__cap_sqlite_err(src);

    if (code == LX_OK) {
        code = LX_ERR_FILE;
    }
    return cerr(e, code, 0, "sqlite: ", sqlite3_errmsg(db));
}

static int sql_err(struct lx_capture_reader *r, int src)
{
    return sql_cerr(&r->err, r->db, src);
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

static int dec_init(struct dec *d, const struct lx_mem *mem)
{
    memset(d, 0, sizeof(*d));
    d->mem = mem;
    lx__xform_init(&d->xf, mem);
    lx__cbuf_init(&d->xbuf, mem);
    d->dctx = ZSTD_createDCtx();
    return d->dctx != NULL ? LX_OK : LX_ERR_NOMEM;
}

static void dec_free(struct dec *d)
{
    lx__xform_free(&d->xf);
    lx__cbuf_free(&d->xbuf);
    lx__free(d->mem, d->spare);
    d->spare = NULL;
    ZSTD_freeDCtx(d->dctx);
    d->dctx = NULL;
}

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
    if (dec_init(&r->dec, mem) != LX_OK) {
        dec_free(&r->dec);
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

/* ---- read-ahead state --------------------------------------------------- */

/* The most chunks lx_capture_reader_set_readahead accepts. */
#define RA_MAX 64
/* Buffers the caller's thread gives back to the worker, at most. */
#define RA_POOL 4

enum { RA_ROW, RA_END, RA_SQLERR };

/* A row's chunk: read, being inflated (by either thread), inflated. */
enum { ST_FETCHED, ST_BUSY, ST_DONE };

/* One step of the chunk query as the worker made it, in query order. */
struct ra_item {
    int type;       /* RA_ROW, RA_END (the query is done) or RA_SQLERR */
    int state;      /* ST_*; RA_END and RA_SQLERR are ST_DONE */
    int rc;         /* ST_DONE: LX_OK or the chunk's error; RA_SQLERR: it */
    bool blob_err;  /* reading the blob failed (rc, err): ST_DONE */
    bool fetch_oom; /* copying the blob failed: the worker stopped here */
    bool has_blob;  /* the row had a blob (blob[0..blen)) */
    bool raw_main;  /* raw is from the caller's decoder, not the worker's */
    int64_t id;
    int64_t stream_id;
    uint64_t first_gseq;
    uint64_t nrec;
    int64_t raw_size;
    int64_t dict_id;
    int64_t codec;
    uint8_t *blob; /* the slot's copy of the blob (worker's allocator) */
    size_t blen;
    size_t bcap;
    uint8_t *raw; /* ST_DONE and LX_OK: the records */
    size_t cap;
    struct lx_capture_error err;
};

/*
 * The queue: items[head .. head + count) (mod RA_MAX), at most k. The
 * worker steps the query and copies each wanted chunk's blob into the
 * slot after the last (without the lock), publishes it by count++, and
 * inflates the oldest fetched chunks while the queue is full; the
 * caller's thread takes the head, inflating it itself if nobody has
 * started, or another fetched one while the worker inflates the head.
 * An item is inflated by the thread that set it ST_BUSY (under mu), which
 * alone touches it until it sets ST_DONE. mu guards head, count, state,
 * stop, exited, fetch_done and the pool; k and the slots' other fields
 * change only while the worker is stopped or by their owner.
 */
struct ra {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t more; /* the caller waits: an item, or the worker exited */
    pthread_cond_t room; /* the worker waits: a free slot, work, or stop */
    struct ra_item items[RA_MAX];
    size_t head;
    size_t count;
    size_t k;
    bool running;    /* caller's thread: created and not joined yet */
    bool stop;       /* the worker is asked to exit */
    bool exited;     /* the worker does nothing more */
    bool fetch_done; /* the worker steps the query no more */
    bool ran;        /* the worker ran once */
    struct dec dec;
    uint8_t *pool[RA_POOL];
    size_t pool_cap[RA_POOL];
    size_t npool;
};

/* Buffers of spare chunks over this size are not kept. */
#define SPARE_MAX (64u << 20)

/* A chunk buffer of at least n bytes from the worker's pool, or NULL. */
static uint8_t *pool_take(struct ra *a, size_t n, size_t *cap)
{
    uint8_t *p = NULL;
    size_t i;

    pthread_mutex_lock(&a->mu);
    for (i = 0; i < a->npool; i++) {
        if (a->pool_cap[i] >= n) {
            p = a->pool[i];
            *cap = a->pool_cap[i];
            a->npool--;
            a->pool[i] = a->pool[a->npool];
            a->pool_cap[i] = a->pool_cap[a->npool];
            break;
        }
    }
    pthread_mutex_unlock(&a->mu);
    return p;
}

/* Gives a worker's buffer back for a later chunk (any thread). */
static void pool_give(struct ra *a, uint8_t *p, size_t cap)
{
    size_t i, small = 0;

    if (p == NULL) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    if (cap <= SPARE_MAX && a->npool < RA_POOL) {
        a->pool[a->npool] = p;
        a->pool_cap[a->npool++] = cap;
        p = NULL;
    } else if (cap <= SPARE_MAX) {
        /* Full: keep the larger buffers. */
        for (i = 1; i < a->npool; i++) {
            if (a->pool_cap[i] < a->pool_cap[small]) {
                small = i;
            }
        }
        if (a->pool_cap[small] < cap) {
            uint8_t *t = a->pool[small];

            a->pool[small] = p;
            a->pool_cap[small] = cap;
            p = t;
        }
    }
    pthread_mutex_unlock(&a->mu);
    lx__free(a->dec.mem, p);
}

/* A chunk buffer of at least n bytes: the spare one if it is big enough. */
static uint8_t *take_buf(struct dec *d, size_t n, size_t *cap)
{
    uint8_t *p;

    if (d->spare != NULL && d->spare_cap >= n) {
        p = d->spare;
        *cap = d->spare_cap;
        d->spare = NULL;
        d->spare_cap = 0;
        return p;
    }
    if (d->pool != NULL && (p = pool_take(d->pool, n, cap)) != NULL) {
        return p;
    }
    *cap = n;
    return lx__malloc(d->mem, n);
}

/* Keeps the larger of p and the spare buffer for the next chunk. */
static void give_buf(struct dec *d, uint8_t *p, size_t cap)
{
    if (p == NULL) {
        return;
    }
    if (cap <= SPARE_MAX && (d->spare == NULL || cap > d->spare_cap)) {
        lx__free(d->mem, d->spare);
        d->spare = p;
        d->spare_cap = cap;
    } else {
        lx__free(d->mem, p);
    }
}

static void free_loaded(struct lx_capture_reader *r, struct loaded *l)
{
    if (l != NULL) {
        if (l->ra_buf) {
            pool_give(r->ra, l->raw, l->cap);
        } else {
            give_buf(&r->dec, l->raw, l->cap);
        }
        lx__free(r->mem, l);
    }
}

static void ra_stop(struct lx_capture_reader *r);
static void ra_drain(struct lx_capture_reader *r);
static void ra_free(struct lx_capture_reader *r);

static void reset_iter(struct lx_capture_reader *r)
{
    size_t i;

    ra_stop(r);
    ra_drain(r);
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
    ra_free(r);
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
    lx__free(r->mem, r->qfilter);
    lx__cap_scratch_free(&r->scratch);
    dec_free(&r->dec);
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

/* Whether the iteration wants the chunk of q's current row. */
static bool row_wanted(const struct lx_capture_reader *r, sqlite3_stmt *q)
{
    int64_t id = sqlite3_column_int64(q, 1);

    return (r->nqfilter == 0 || bsearch(&id, r->qfilter, r->nqfilter,
                                        sizeof(id), cmp_i64) != NULL) &&
           (r->qkinds == 0 ||
            ((unsigned)sqlite3_column_int64(q, 5) & r->qkinds));
}

/* Takes the filters for the iteration that starts. */
static int snap_filters(struct lx_capture_reader *r)
{
    if (r->nfilter > r->capqfilter) {
        int64_t *v = lx__realloc(r->mem, r->qfilter, r->nfilter * sizeof(*v));

        if (v == NULL) {
            return LX_ERR_NOMEM;
        }
        r->qfilter = v;
        r->capqfilter = r->nfilter;
    }
    if (r->nfilter > 0) {
        memcpy(r->qfilter, r->filter, r->nfilter * sizeof(*r->filter));
    }
    r->nqfilter = r->nfilter;
    r->qkinds = r->kinds;
    return LX_OK;
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
    if ((rc = snap_filters(r)) != LX_OK) {
        return rc;
    }
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
    if (r->nqfilter == 1) {
        sqlite3_bind_int64(r->q, 4, r->qfilter[0]);
    }
    r->q_done = false;
    return LX_OK;
}

int lx_capture_reader_rewind(struct lx_capture_reader *r)
{
    return lx_capture_reader_seek(r, INT64_MIN, INT64_MAX);
}

static int ra_next(struct lx_capture_reader *r);

/* ra_next: the caller's thread steps the query itself. */
#define RA_SYNC 1

/*
 * Steps q to the next row worth loading (or takes the next row the
 * read-ahead worker read); q_pending says if there is one.
 */
static int next_row(struct lx_capture_reader *r)
{
    int rc;

    if (r->q_done || r->q_pending) {
        return LX_OK;
    }
    if (r->ra != NULL && (rc = ra_next(r)) != RA_SYNC) {
        return rc;
    }
    while (!r->q_done && !r->q_pending) {
        rc = sqlite3_step(r->q);
        if (rc == SQLITE_DONE) {
            r->q_done = true;
        } else if (rc != SQLITE_ROW) {
            r->q_done = true;
            return sql_err(r, rc);
        } else if (row_wanted(r, r->q)) {
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

/* Rebuilds the records of a codec 1 or 2 chunk from its frame content. */
static int untransform(struct dec *d, struct lx_capture_error *e,
                       int64_t chunk_id, int64_t codec, size_t flen,
                       uint8_t *raw, size_t raw_size)
{
    char msg[96];
    int rc;

    d->xf.codec = (int)codec;
    rc = lx__xform_decode(&d->xf, d->xbuf.p, flen, raw, raw_size, msg,
                          sizeof(msg));

    return rc == LX_ERR_CORRUPT
               ? cerr(e, rc, chunk_id, "numeric transform: ", msg)
               : rc;
}

/*
 * Decompresses one chunk blob into a buffer (*cap bytes, from take_buf)
 * of raw_size bytes of records. The frame must be exactly the blob and carry a
 * checksum; its content is the records (codec 0: it declares raw_size bytes) or
 * their numeric transform (codec 1). Errors go to e. Uses only d and the
 * dictionaries of r, which do not change after open: the read-ahead worker
 * calls it too.
 */
static int inflate(const struct lx_capture_reader *r, struct dec *d,
                   struct lx_capture_error *e, int64_t chunk_id,
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
        return cerr(e, LX_ERR_CORRUPT, chunk_id, "",
                    "not one checksummed zstd frame");
    }
    /* Codec 2 came with version 3. */
    if (codec != LX__CAP_CODEC_PLAIN && codec != LX__CAP_CODEC_NUM &&
        (codec != LX__CAP_CODEC_NUM2 || r->info.format_version < 3)) {
        return cerr(e, LX_ERR_CORRUPT, chunk_id, "", "has an unknown codec");
    }
    fcs = ZSTD_getFrameContentSize(blob, blen);
    if (raw_size < 0 || (uint64_t)raw_size > LX__CAP_MAX_CHUNK ||
        fcs > LX__CAP_MAX_CHUNK ||
        (codec == LX__CAP_CODEC_PLAIN && fcs != (unsigned long long)raw_size)) {
        return cerr(e, LX_ERR_CORRUPT, chunk_id, "",
                    "size does not match its row");
    }
    if (dict_id != 0 && (dd = find_dict(r, dict_id)) == NULL) {
        return cerr(e, LX_ERR_CORRUPT, chunk_id, "",
                    "names a missing dictionary");
    }
    raw = take_buf(d, (size_t)raw_size + LX__XFORM_SLACK, cap);
    if (raw == NULL) {
        return LX_ERR_NOMEM;
    }
    dst = raw;
    if (codec != LX__CAP_CODEC_PLAIN) {
        d->xbuf.len = 0;
        if ((rc = lx__cbuf_reserve(&d->xbuf, fcs > 0 ? (size_t)fcs : 1)) !=
            LX_OK) {
            give_buf(d, raw, *cap);
            return rc == LX_ERR_TOOBIG ? LX_ERR_NOMEM : rc;
        }
        dst = d->xbuf.p;
    }
    n = ZSTD_decompress_usingDDict(d->dctx, dst, (size_t)fcs, blob, blen, dd);
    if (ZSTD_isError(n) || n != (size_t)fcs) {
        give_buf(d, raw, *cap);
        return cerr(e, LX_ERR_CORRUPT, chunk_id, "zstd: ",
                    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame");
    }
    if (codec != LX__CAP_CODEC_PLAIN &&
        (rc = untransform(d, e, chunk_id, codec, n, raw, (size_t)raw_size)) !=
            LX_OK) {
        give_buf(d, raw, *cap);
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

/* Makes room in the heap for one more chunk. */
static int heap_reserve(struct lx_capture_reader *r)
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
    return LX_OK;
}

static int heap_push(struct lx_capture_reader *r, struct loaded *l)
{
    int rc = heap_reserve(r);

    if (rc != LX_OK) {
        return rc;
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
             : inflate(r, &r->dec, &r->err, id, blob, blen,
                       sqlite3_column_int64(q, 4), sqlite3_column_int64(q, 6),
                       sqlite3_column_int64(q, 7), &l->raw, &l->cap);
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

static void ra_pop(struct lx_capture_reader *r);
static void ra_join(struct lx_capture_reader *r);
static void ra_ready(struct lx_capture_reader *r);

/*
 * Loads the chunk at the head of the read-ahead queue into the merge, as
 * load_pending would have loaded it: the same checks in the same order,
 * the same errors, the same retry after LX_ERR_NOMEM.
 */
static int load_item(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;
    struct ra_item *it = &a->items[a->head];
    struct loaded *l;
    int rc;

    if (it->blob_err) {
        r->err = it->err;
        rc = it->rc;
        r->q_pending = false;
        ra_pop(r);
        return rc;
    }
    /* Room first: once popped, the item cannot be retried. */
    if (heap_reserve(r) != LX_OK ||
        (l = lx__calloc(r->mem, 1, sizeof(*l))) == NULL) {
        return LX_ERR_NOMEM; /* the same item next time */
    }
    ra_ready(r);
    l->chunk_id = it->id;
    l->stream = stream_index(r, it->stream_id);
    l->nrec = it->nrec;
    l->len = (size_t)it->raw_size;
    if (l->stream == r->nstreams) {
        rc = set_err(r, LX_ERR_CORRUPT, it->id, "", "belongs to no stream");
    } else if (it->fetch_oom) {
        /*
         * The worker could not copy this chunk and stopped with q on its
         * row: this thread loads it on the next call, as after its own
         * failure, and then starts the worker again.
         */
        lx__free(r->mem, l);
        ra_pop(r);
        ra_join(r);
        return LX_ERR_NOMEM;
    } else if (it->rc == LX_ERR_NOMEM) {
        /* Inflating it ran out of memory: inflate it again next time. */
        lx__free(r->mem, l);
        pthread_mutex_lock(&a->mu);
        it->rc = LX_OK;
        it->state = ST_FETCHED;
        pthread_cond_signal(&a->room);
        pthread_mutex_unlock(&a->mu);
        return LX_ERR_NOMEM;
    } else if (it->rc != LX_OK) {
        r->err = it->err;
        rc = it->rc;
    } else {
        l->raw = it->raw;
        l->cap = it->cap;
        l->ra_buf = !it->raw_main;
        it->raw = NULL;
        rc = LX_OK;
    }
    r->q_pending = false;
    ra_pop(r);
    if (rc == LX_OK && (l->len == 0 || l->nrec == 0)) {
        rc = set_err(r, LX_ERR_CORRUPT, l->chunk_id, "", "is empty");
    }
    if (rc == LX_OK) {
        rc = peek(r, l);
    }
    if (rc == LX_OK) {
        rc = heap_push(r, l); /* cannot fail: reserved */
    }
    if (rc != LX_OK) {
        free_loaded(r, l);
    }
    return rc;
}

/* The first gseq of the pending row's chunk. */
static uint64_t pending_gseq(const struct lx_capture_reader *r)
{
    return r->pend_item ? r->ra->items[r->ra->head].first_gseq
                        : (uint64_t)sqlite3_column_int64(r->q, 2);
}

/* Loads every chunk that may hold the next record in global order. */
static int fill(struct lx_capture_reader *r)
{
    int rc = next_row(r);

    while (rc == LX_OK && r->q_pending &&
           (r->nheap == 0 || pending_gseq(r) <= r->heap[0]->next_gseq)) {
        rc = r->pend_item ? load_item(r) : load_pending(r);
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
           (r->qkinds == 0 || (LX_CAPTURE_KIND_BIT(x->kind) & r->qkinds));
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
    rc = inflate(r, &r->dec, &r->err, c.id, sqlite3_column_blob(st, 14),
                 (size_t)sqlite3_column_bytes(st, 14),
                 sqlite3_column_int64(st, 10), sqlite3_column_int64(st, 12),
                 sqlite3_column_int64(st, 15), &raw, &cap);
    if (rc == LX_OK) {
        rc = check_records(r, &c, raw, (size_t)sqlite3_column_int64(st, 10));
    }
    give_buf(&r->dec, raw, cap);
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
    /* The connection is this thread's again; the queue stays. */
    ra_stop(r);
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

/* ---- read-ahead --------------------------------------------------------- */

/*
 * The worker's next row: steps q to the next wanted row (or its end or an
 * SQL error) and copies the chunk's blob into the slot, exactly as
 * next_row and load_pending read them on the caller's thread. Returns true
 * when the worker must step q no more: the query is over, or memory ran
 * out (q stays on the chunk's row for the caller's thread to retry).
 */
static bool ra_fetch(struct lx_capture_reader *r, struct ra *a,
                     struct ra_item *it)
{
    sqlite3_stmt *q = r->q;
    int rc;

    it->rc = LX_OK;
    it->state = ST_DONE;
    it->blob_err = false;
    it->fetch_oom = false;
    it->has_blob = false;
    it->raw_main = false;
    it->raw = NULL;
    it->cap = 0;
    it->blen = 0;
    for (;;) {
        rc = sqlite3_step(q);
        if (rc == SQLITE_DONE) {
            it->type = RA_END;
            return true;
        }
        if (rc != SQLITE_ROW) {
            it->type = RA_SQLERR;
            it->rc = sql_cerr(&it->err, r->db, rc);
            return true;
        }
        if (row_wanted(r, q)) {
            break;
        }
    }
    it->type = RA_ROW;
    it->id = sqlite3_column_int64(q, 0);
    it->stream_id = sqlite3_column_int64(q, 1);
    it->first_gseq = (uint64_t)sqlite3_column_int64(q, 2);
    it->nrec = (uint64_t)sqlite3_column_int64(q, 3);
    it->raw_size = sqlite3_column_int64(q, 4);
    it->dict_id = sqlite3_column_int64(q, 6);
    it->codec = sqlite3_column_int64(q, 7);
    sqlite3_reset(r->blob_q);
    sqlite3_bind_int64(r->blob_q, 1, it->id);
    rc = sqlite3_step(r->blob_q);
    if (rc == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(r->blob_q, 0);
        size_t n = (size_t)sqlite3_column_bytes(r->blob_q, 0);

        if (blob != NULL && n > it->bcap) {
            lx__free(a->dec.mem, it->blob);
            it->bcap = 0;
            if ((it->blob = lx__malloc(a->dec.mem, n)) == NULL) {
                sqlite3_reset(r->blob_q);
                it->fetch_oom = true;
                return true;
            }
            it->bcap = n;
        }
        if (blob != NULL) {
            memcpy(it->blob, blob, n);
            it->blen = n;
            it->has_blob = true;
        }
    } else if (rc != SQLITE_DONE) {
        sqlite3_reset(r->blob_q);
        it->blob_err = true;
        it->rc = sql_cerr(&it->err, r->db, rc);
        return false;
    }
    sqlite3_reset(r->blob_q);
    it->state = ST_FETCHED;
    return false;
}

/* Inflates a fetched item (ST_BUSY, owned by the calling thread). */
static void ra_inflate(const struct lx_capture_reader *r, struct dec *d,
                       struct ra_item *it, bool main)
{
    it->raw_main = main;
    it->rc = inflate(r, d, &it->err, it->id, it->has_blob ? it->blob : NULL,
                     it->blen, it->raw_size, it->dict_id, it->codec, &it->raw,
                     &it->cap);
}

/* The oldest fetched item from the i-th of the queue, or NULL; under mu. */
static struct ra_item *ra_fetched(struct ra *a, size_t i)
{
    for (; i < a->count; i++) {
        struct ra_item *it = &a->items[(a->head + i) % RA_MAX];

        if (it->state == ST_FETCHED) {
            return it;
        }
    }
    return NULL;
}

static void *ra_main(void *arg)
{
    struct lx_capture_reader *r = arg;
    struct ra *a = r->ra;

    pthread_mutex_lock(&a->mu);
    for (;;) {
        struct ra_item *it = NULL;

        if (a->stop) {
            break;
        }
        if (!a->fetch_done && a->count < a->k) {
            bool last;

            it = &a->items[(a->head + a->count) % RA_MAX];
            pthread_mutex_unlock(&a->mu);
            last = ra_fetch(r, a, it);
            pthread_mutex_lock(&a->mu);
            a->count++;
            a->fetch_done = last;
            pthread_cond_signal(&a->more);
        } else if ((it = ra_fetched(a, 0)) != NULL) {
            it->state = ST_BUSY;
            pthread_mutex_unlock(&a->mu);
            ra_inflate(r, &a->dec, it, false);
            pthread_mutex_lock(&a->mu);
            it->state = ST_DONE;
            pthread_cond_signal(&a->more);
        } else if (a->fetch_done) {
            break;
        } else {
            pthread_cond_wait(&a->room, &a->mu);
        }
    }
    a->exited = true;
    pthread_cond_signal(&a->more);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/*
 * Makes the head item ST_DONE: inflates it here if nobody has started;
 * while the worker inflates it, inflates the next fetched one here.
 */
static void ra_ready(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;
    struct ra_item *head = &a->items[a->head];

    pthread_mutex_lock(&a->mu);
    while (head->state != ST_DONE) {
        struct ra_item *it =
            head->state == ST_FETCHED ? head : ra_fetched(a, 1);

        if (it == NULL) {
            pthread_cond_wait(&a->more, &a->mu);
            continue;
        }
        it->state = ST_BUSY;
        pthread_mutex_unlock(&a->mu);
        ra_inflate(r, &r->dec, it, true);
        pthread_mutex_lock(&a->mu);
        it->state = ST_DONE;
    }
    pthread_mutex_unlock(&a->mu);
}

/* Starts the worker on q from its current row. */
static int ra_start(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;
    sigset_t all, old;
    int rc;

    a->stop = false;
    a->exited = false;
    a->fetch_done = false;
    a->ran = true;
    a->k = r->ra_k;
    /* Signals stay with the caller's threads. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&a->th, NULL, ra_main, r);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    a->running = rc == 0;
    return rc == 0 ? LX_OK : LX_ERR_NOMEM;
}

/* Waits for a worker that exited or was asked to. */
static void ra_join(struct lx_capture_reader *r)
{
    if (r->ra != NULL && r->ra->running) {
        pthread_join(r->ra->th, NULL);
        r->ra->running = false;
    }
}

/*
 * Stops the worker once it has finished the item it is making: the queue
 * and q stay consistent (q is on the row of the last item queued, or past
 * rows nobody wants), so the iteration goes on from the queue.
 */
static void ra_stop(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;

    if (a == NULL || !a->running) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->room);
    pthread_mutex_unlock(&a->mu);
    ra_join(r);
    a->stop = false;
}

/* Frees the head item, which is ST_DONE (its buffer back to its pool). */
static void ra_pop(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;
    struct ra_item *it = &a->items[a->head];

    if (it->raw_main) {
        give_buf(&r->dec, it->raw, it->cap);
    } else {
        pool_give(a, it->raw, it->cap);
    }
    it->raw = NULL;
    pthread_mutex_lock(&a->mu);
    a->head = (a->head + 1) % RA_MAX;
    a->count--;
    pthread_cond_signal(&a->room);
    pthread_mutex_unlock(&a->mu);
    r->pend_item = false;
}

/* Drops the queue of a stopped worker (seek, free): nothing is ST_BUSY. */
static void ra_drain(struct lx_capture_reader *r)
{
    if (r->ra != NULL) {
        while (r->ra->count > 0) {
            ra_pop(r);
        }
        r->ra->head = 0;
    }
    r->pend_item = false;
}

/*
 * next_row with read-ahead: the next item of the queue, starting the
 * worker when the queue is empty and read-ahead is on. RA_SYNC when this
 * thread steps q itself (read-ahead off and nothing queued, or no thread).
 */
static int ra_next(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;
    struct ra_item *it;
    size_t n;
    int rc;

    pthread_mutex_lock(&a->mu);
    if (a->count == 0 && a->running && a->exited) {
        pthread_mutex_unlock(&a->mu);
        ra_join(r);
        pthread_mutex_lock(&a->mu);
    }
    if (a->count == 0 && !a->running) {
        pthread_mutex_unlock(&a->mu);
        if (r->ra_k == 0 || ra_start(r) != LX_OK) {
            return RA_SYNC;
        }
        pthread_mutex_lock(&a->mu);
    }
    while (a->count == 0 && !a->exited) {
        pthread_cond_wait(&a->more, &a->mu);
    }
    n = a->count;
    pthread_mutex_unlock(&a->mu);
    if (n == 0) {
        /* It stopped stepping q (out of memory on a chunk): step it here. */
        ra_join(r);
        return RA_SYNC;
    }
    it = &a->items[a->head];
    if (it->type == RA_ROW) {
        r->q_pending = true;
        r->pend_item = true;
        return LX_OK;
    }
    rc = it->type == RA_SQLERR ? it->rc : LX_OK;
    if (rc != LX_OK) {
        r->err = it->err;
    }
    ra_pop(r);
    ra_join(r);
    r->q_done = true;
    return rc;
}

static void ra_free(struct lx_capture_reader *r)
{
    struct ra *a = r->ra;
    size_t i;

    if (a == NULL) {
        return;
    }
    ra_stop(r);
    ra_drain(r);
    for (i = 0; i < a->npool; i++) {
        lx__free(a->dec.mem, a->pool[i]);
    }
    for (i = 0; i < RA_MAX; i++) {
        lx__free(a->dec.mem, a->items[i].blob);
    }
    dec_free(&a->dec);
    pthread_cond_destroy(&a->room);
    pthread_cond_destroy(&a->more);
    pthread_mutex_destroy(&a->mu);
    lx__free(r->mem, a);
    r->ra = NULL;
}

static int ra_new(struct lx_capture_reader *r)
{
    struct ra *a = lx__calloc(r->mem, 1, sizeof(*a));

    if (a == NULL) {
        return LX_ERR_NOMEM;
    }
    if (pthread_mutex_init(&a->mu, NULL) != 0) {
        lx__free(r->mem, a);
        return LX_ERR_NOMEM;
    }
    if (pthread_cond_init(&a->more, NULL) != 0) {
        pthread_mutex_destroy(&a->mu);
        lx__free(r->mem, a);
        return LX_ERR_NOMEM;
    }
    if (pthread_cond_init(&a->room, NULL) != 0) {
        pthread_cond_destroy(&a->more);
        pthread_mutex_destroy(&a->mu);
        lx__free(r->mem, a);
        return LX_ERR_NOMEM;
    }
    r->ra = a;
    if (dec_init(&a->dec, lx_mem_default()) != LX_OK) {
        ra_free(r);
        return LX_ERR_NOMEM;
    }
    a->dec.pool = a;
    return LX_OK;
}

int lx_capture_reader_set_readahead(struct lx_capture_reader *r,
                                    unsigned chunks)
{
    int rc;

    if (r == NULL) {
        return LX_ERR_INVAL;
    }
    if (chunks > RA_MAX) {
        return LX_ERR_RANGE;
    }
    if (chunks > 0 && sqlite3_threadsafe() == 0) {
        return LX_ERR_UNSUPPORTED;
    }
    if (chunks > 0 && r->ra == NULL && (rc = ra_new(r)) != LX_OK) {
        return rc;
    }
    /* What is queued stays; the new depth applies when the worker restarts. */
    ra_stop(r);
    r->ra_k = chunks;
    return LX_OK;
}

int lx__capture_reader_set_ra_mem(struct lx_capture_reader *r,
                                  const struct lx_mem *mem)
{
    struct ra *a = r != NULL ? r->ra : NULL;
    struct dec d;

    if (a == NULL || mem == NULL || a->ran) {
        return LX_ERR_STATE;
    }
    if (dec_init(&d, mem) != LX_OK) {
        dec_free(&d);
        return LX_ERR_NOMEM;
    }
    dec_free(&a->dec);
    a->dec = d;
    a->dec.pool = a;
    return LX_OK;
}
