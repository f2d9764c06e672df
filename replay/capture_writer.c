/*
 * capture_writer.c - writes capture files: turns tap events into records,
 * redacts them, buffers them per stream, compresses each full chunk into
 * one zstd frame, and commits at a bounded interval so a crash loses at
 * most that interval (docs/capture-format.md).
 *
 * It never reads the clock: chunk and commit timing use the mono times of
 * the records and of lx_capture_writer_tick. It does not know about venues
 * beyond the name it is told.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zdict.h>
#include <zstd.h>

#include "lotusx/lx_http.h"
#include "lotusx/lx_ws.h"
#include "replay/capture_int.h"

/* ---- options ------------------------------------------------------------ */

struct label {
    char *key;
    char *value;
};

struct lx_capture_wopts {
    const struct lx_mem *mem;
    char *venue;
    char *creator;
    int64_t created_ns;
    struct label *labels;
    size_t nlabels;
    int level;
    size_t chunk_bytes;
    size_t chunk_records;
    int64_t chunk_span_ns;
    int64_t commit_ns;
    size_t commit_bytes;
    size_t dict_size;
    bool defaults;
    bool xform;                 /* chunk codec 1 where it pays (default on) */
    struct lx__redactor *rules; /* the caller's extra rules only */
};

int lx_capture_wopts_new(struct lx_capture_wopts **out, struct lx_ctx *ctx)
{
    const struct lx_mem *mem = lx_ctx_mem(ctx);
    struct lx_capture_wopts *o;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    o = lx__calloc(mem, 1, sizeof(*o));
    if (o == NULL) {
        return LX_ERR_NOMEM;
    }
    o->mem = mem;
    o->level = 1;
    o->chunk_bytes = 4u << 20;
    o->chunk_span_ns = 300 * (int64_t)1000000000;
    o->commit_ns = 1000000000;
    o->commit_bytes = 4u << 20;
    o->defaults = true;
    o->xform = true;
    rc = lx__redactor_new(&o->rules, mem, false);
    if (rc != LX_OK) {
        lx__free(mem, o);
        return rc;
    }
    *out = o;
    return LX_OK;
}

void lx_capture_wopts_free(struct lx_capture_wopts *o)
{
    size_t i;

    if (o == NULL) {
        return;
    }
    for (i = 0; i < o->nlabels; i++) {
        lx__free(o->mem, o->labels[i].key);
        lx__free(o->mem, o->labels[i].value);
    }
    lx__free(o->mem, o->labels);
    lx__free(o->mem, o->venue);
    lx__free(o->mem, o->creator);
    lx__redactor_free(o->rules);
    lx__free(o->mem, o);
}

static int set_str(const struct lx_mem *mem, char **dst, const char *s)
{
    char *copy;

    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    copy = lx__strdup(mem, s);
    if (copy == NULL) {
        return LX_ERR_NOMEM;
    }
    lx__free(mem, *dst);
    *dst = copy;
    return LX_OK;
}

int lx_capture_wopts_set_venue(struct lx_capture_wopts *o, const char *venue)
{
    return o == NULL ? LX_ERR_INVAL : set_str(o->mem, &o->venue, venue);
}

int lx_capture_wopts_set_creator(struct lx_capture_wopts *o,
                                 const char *creator)
{
    return o == NULL ? LX_ERR_INVAL : set_str(o->mem, &o->creator, creator);
}

int lx_capture_wopts_set_created_ns(struct lx_capture_wopts *o, int64_t wall_ns)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    o->created_ns = wall_ns;
    return LX_OK;
}

static bool label_key_ok(const char *k)
{
    size_t n = 0;

    for (; k[n] != '\0'; n++) {
        char c = k[n];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return n >= 1 && n <= 64;
}

int lx_capture_wopts_add_label(struct lx_capture_wopts *o, const char *key,
                               const char *value)
{
    struct label *v;
    size_t i;

    if (o == NULL || key == NULL || value == NULL || !label_key_ok(key)) {
        return LX_ERR_INVAL;
    }
    for (i = 0; i < o->nlabels; i++) {
        if (strcmp(o->labels[i].key, key) == 0) {
            return set_str(o->mem, &o->labels[i].value, value);
        }
    }
    v = lx__realloc(o->mem, o->labels, (o->nlabels + 1) * sizeof(*v));
    if (v == NULL) {
        return LX_ERR_NOMEM;
    }
    o->labels = v;
    v[o->nlabels].key = lx__strdup(o->mem, key);
    v[o->nlabels].value = lx__strdup(o->mem, value);
    if (v[o->nlabels].key == NULL || v[o->nlabels].value == NULL) {
        lx__free(o->mem, v[o->nlabels].key);
        lx__free(o->mem, v[o->nlabels].value);
        return LX_ERR_NOMEM;
    }
    o->nlabels++;
    return LX_OK;
}

int lx_capture_wopts_set_level(struct lx_capture_wopts *o, int level)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    if (level < 1 || level > 19) {
        return LX_ERR_RANGE;
    }
    o->level = level;
    return LX_OK;
}

int lx_capture_wopts_set_chunk_limits(struct lx_capture_wopts *o,
                                      size_t max_bytes, size_t max_records)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    if (max_bytes < 4096 || max_bytes > (64u << 20)) {
        return LX_ERR_RANGE;
    }
    o->chunk_bytes = max_bytes;
    o->chunk_records = max_records;
    return LX_OK;
}

int lx_capture_wopts_set_chunk_span(struct lx_capture_wopts *o, int64_t span_ns)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    if (span_ns <= 0) {
        return LX_ERR_RANGE;
    }
    o->chunk_span_ns = span_ns;
    return LX_OK;
}

int lx_capture_wopts_set_commit(struct lx_capture_wopts *o, int64_t interval_ns,
                                size_t max_bytes)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    if (interval_ns <= 0 || max_bytes == 0) {
        return LX_ERR_RANGE;
    }
    o->commit_ns = interval_ns;
    o->commit_bytes = max_bytes;
    return LX_OK;
}

int lx_capture_wopts_set_dict(struct lx_capture_wopts *o, size_t dict_size)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    if (dict_size != 0 && (dict_size < 1024 || dict_size > (1u << 20))) {
        return LX_ERR_RANGE;
    }
    o->dict_size = dict_size;
    return LX_OK;
}

int lx_capture_wopts_set_default_redaction(struct lx_capture_wopts *o, int on)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    o->defaults = on != 0;
    return LX_OK;
}

int lx_capture_wopts_redact_header(struct lx_capture_wopts *o, const char *name)
{
    return o == NULL ? LX_ERR_INVAL : lx__redactor_add_header(o->rules, name);
}

int lx_capture_wopts_redact_field(struct lx_capture_wopts *o, const char *name,
                                  int learn)
{
    return o == NULL ? LX_ERR_INVAL
                     : lx__redactor_add_field(o->rules, name, learn != 0);
}

int lx__capture_wopts_set_xform(struct lx_capture_wopts *o, bool on)
{
    if (o == NULL) {
        return LX_ERR_INVAL;
    }
    o->xform = on;
    return LX_OK;
}

/* ---- writer state ------------------------------------------------------- */

/* What a chunk row says about its records. */
struct cstats {
    uint64_t nrec;
    uint64_t first_gseq, first_seq, last_gseq, last_seq;
    int64_t min_wall, max_wall, min_mono, max_mono;
    unsigned kinds;
};

/* A committed piece of an open chunk: its row and stored size. */
struct piece {
    int64_t row;
    size_t zlen;
};

/*
 * One stream (side, conn_id) and its open chunk. The records since the
 * last commit form a piece, buf[piece_off..len), whose first record is
 * encoded with a base reset so it can be compressed and stored alone.
 */
struct stream {
    int64_t id;
    int side;
    uint64_t conn_id;
    uint64_t last_seq; /* seq of the latest tap event */
    struct lx__cbuf buf;
    struct lx__cap_prev prev;
    struct cstats chunk;
    struct cstats piece;
    size_t piece_off;
    bool reset_next;
    struct piece *pieces;
    size_t npieces;
    size_t cappieces;
};

/* A redacted field: either the original bytes or an offset in the arena. */
struct fld {
    const uint8_t *p;
    size_t off;
    size_t len;
};

struct lx_capture_writer {
    struct lx_ctx *ctx;
    const struct lx_mem *mem;
    sqlite3 *db;
    sqlite3_stmt *ins_chunk;
    sqlite3_stmt *ins_stream;
    sqlite3_stmt *upd_close;
    sqlite3_stmt *del_chunk;
    ZSTD_CCtx *cctx;
    ZSTD_CCtx *pctx; /* pieces: fast, since they are usually replaced */
    ZSTD_CDict *cdict;
    int64_t dict_row;
    struct lx__redactor *rd;
    char *venue;
    const char *venue_next; /* write_record: the copied stream's venue */
    int level;
    bool xform;
    size_t chunk_bytes, chunk_records, commit_bytes, dict_size;
    int64_t chunk_span_ns;
    int64_t commit_ns;
    bool dict_done;
    bool in_txn;
    bool have_mark;
    int64_t mark_mono; /* mono time of the first uncommitted record */
    size_t since_commit;
    uint64_t gseq;
    struct stream **tab; /* open addressing, linear probing */
    size_t tabcap;
    size_t nlive;
    struct lx__cbuf arena;
    struct lx__cbuf zbuf;
    struct lx__cbuf xbuf; /* the transformed content of a chunk */
    struct lx__xform xf;
    struct fld *flds;
    struct lx__cap_bytes *hbytes;
    size_t fldcap;
    int status;
    struct lx_capture_wstats st;
};

static int fail(struct lx_capture_writer *w, int rc)
{
    if (rc != LX_OK && w->status == LX_OK) {
        w->status = rc;
    }
    return rc;
}

static int sql_fail(struct lx_capture_writer *w, int src)
{
    int rc = lx__cap_sqlite_err(src);

    LX_LOGE(w->ctx, "rec", "capture write failed: %s", sqlite3_errmsg(w->db));
    return fail(w, rc == LX_OK ? LX_ERR_FILE : rc);
}

static int exec(struct lx_capture_writer *w, const char *sql)
{
    int rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? LX_OK : sql_fail(w, rc);
}

static int begin(struct lx_capture_writer *w)
{
    int rc;

    if (w->in_txn) {
        return LX_OK;
    }
    rc = exec(w, "BEGIN");
    w->in_txn = rc == LX_OK;
    return rc;
}

/* ---- stream table ------------------------------------------------------- */

static size_t slot_of(uint64_t conn_id, int side, size_t cap)
{
    uint64_t h = (conn_id * 0x9E3779B97F4A7C15ull) ^ (uint64_t)side;

    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static struct stream *find_stream(struct lx_capture_writer *w, int side,
                                  uint64_t conn_id)
{
    size_t i;

    if (w->tabcap == 0) {
        return NULL;
    }
    for (i = slot_of(conn_id, side, w->tabcap); w->tab[i] != NULL;
         i = (i + 1) & (w->tabcap - 1)) {
        if (w->tab[i]->conn_id == conn_id && w->tab[i]->side == side) {
            return w->tab[i];
        }
    }
    return NULL;
}

static void put_slot(struct stream **tab, size_t cap, struct stream *s)
{
    size_t i = slot_of(s->conn_id, s->side, cap);

    while (tab[i] != NULL) {
        i = (i + 1) & (cap - 1);
    }
    tab[i] = s;
}

static int grow_table(struct lx_capture_writer *w)
{
    size_t cap = w->tabcap != 0 ? w->tabcap * 2 : 64, i;
    struct stream **tab = lx__calloc(w->mem, cap, sizeof(*tab));

    if (tab == NULL) {
        return LX_ERR_NOMEM;
    }
    for (i = 0; i < w->tabcap; i++) {
        if (w->tab[i] != NULL) {
            put_slot(tab, cap, w->tab[i]);
        }
    }
    lx__free(w->mem, w->tab);
    w->tab = tab;
    w->tabcap = cap;
    return LX_OK;
}

/* Removes s from the table, shifting its probe chain back. */
static void remove_stream(struct lx_capture_writer *w, struct stream *s)
{
    size_t i = slot_of(s->conn_id, s->side, w->tabcap), j;

    while (w->tab[i] != s) {
        i = (i + 1) & (w->tabcap - 1);
    }
    w->tab[i] = NULL;
    for (j = (i + 1) & (w->tabcap - 1); w->tab[j] != NULL;
         j = (j + 1) & (w->tabcap - 1)) {
        struct stream *m = w->tab[j];

        w->tab[j] = NULL;
        put_slot(w->tab, w->tabcap, m);
    }
    w->nlive--;
}

static void free_stream(struct lx_capture_writer *w, struct stream *s)
{
    lx__cbuf_free(&s->buf);
    lx__free(w->mem, s->pieces);
    lx__free(w->mem, s);
}

static int bind_text(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
    return sqlite3_bind_text(st, i, n > 0 ? (const char *)p : "", (int)n,
                             SQLITE_TRANSIENT);
}

static struct lx__cap_bytes resolve(const struct lx_capture_writer *w,
                                    struct fld f);

/* Creates the stream and its row; url/transport come from a CONN_OPEN. */
static int new_stream(struct lx_capture_writer *w,
                      const struct lx_tap_event *ev, struct fld url,
                      struct stream **out)
{
    struct stream *s;
    const char *tr = ev->kind == LX_TAP_CONN_OPEN && ev->transport != NULL
                         ? ev->transport
                         : "";
    const uint8_t *u = resolve(w, url).p;
    int rc;

    if (2 * (w->nlive + 1) > w->tabcap && (rc = grow_table(w)) != LX_OK) {
        return rc;
    }
    s = lx__calloc(w->mem, 1, sizeof(*s));
    if (s == NULL) {
        return LX_ERR_NOMEM;
    }
    lx__cbuf_init(&s->buf, w->mem);
    s->side = ev->side;
    s->conn_id = ev->conn_id;
    sqlite3_reset(w->ins_stream);
    sqlite3_bind_int(w->ins_stream, 1, ev->side);
    sqlite3_bind_int64(w->ins_stream, 2, (sqlite3_int64)ev->conn_id);
    sqlite3_bind_text(w->ins_stream, 3,
                      w->venue_next != NULL ? w->venue_next : w->venue, -1,
                      SQLITE_STATIC);
    bind_text(w->ins_stream, 4, u, url.len);
    sqlite3_bind_text(w->ins_stream, 5, tr, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(w->ins_stream, 6, ev->wall_ns);
    sqlite3_bind_int64(w->ins_stream, 7, ev->mono_ns);
    rc = sqlite3_step(w->ins_stream);
    if (rc != SQLITE_DONE) {
        free_stream(w, s);
        return sql_fail(w, rc);
    }
    s->id = sqlite3_last_insert_rowid(w->db);
    put_slot(w->tab, w->tabcap, s);
    w->nlive++;
    w->st.streams++;
    *out = s;
    return LX_OK;
}

/* ---- dictionary and chunks ---------------------------------------------- */

/* Stores the trained dictionary and makes the compressor use it. */
static int store_dict(struct lx_capture_writer *w, const void *dict, size_t len)
{
    sqlite3_stmt *st = NULL;
    int rc;

    w->cdict = ZSTD_createCDict(dict, len, w->level);
    if (w->cdict == NULL) {
        return LX_ERR_NOMEM;
    }
    rc = sqlite3_prepare_v2(w->db,
                            "INSERT INTO dicts(zstd_dict_id, data) "
                            "VALUES (?1, ?2)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, ZDICT_getDictID(dict, len));
        sqlite3_bind_blob(st, 2, dict, (int)len, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        return sql_fail(w, rc);
    }
    w->dict_row = sqlite3_last_insert_rowid(w->db);
    ZSTD_CCtx_refCDict(w->cctx, w->cdict);
    return LX_OK;
}

/* Dictionary samples are cut at most this long. */
#define DICT_SAMPLE 4096

/* Appends p[0..n) to all as samples of at most DICT_SAMPLE bytes. */
static int add_samples(struct lx__cbuf *all, struct lx__cbuf *sizes,
                       const uint8_t *p, size_t n)
{
    int rc = n > 0 ? lx__cbuf_put(all, p, n) : LX_OK;

    while (rc == LX_OK && n > 0) {
        size_t k = n < DICT_SAMPLE ? n : DICT_SAMPLE;

        rc = lx__cbuf_put(sizes, &k, sizeof(k));
        n -= k;
    }
    return rc;
}

/*
 * Adds the samples of one stream's buffered records: what its chunks will
 * compress, i.e. the sections of their numeric transform (each cut into
 * samples of its own) when the transform is on and takes them, else the
 * records themselves, one sample each.
 */
static int stream_samples(struct lx_capture_writer *w, const struct stream *s,
                          struct lx__cbuf *all, struct lx__cbuf *sizes)
{
    size_t i, pos = 0;
    int rc = 1;

    if (w->xform && s->buf.len > 0) {
        w->xbuf.len = 0;
        rc = lx__xform_encode(&w->xf, s->buf.p, s->buf.len, &w->xbuf);
        if (rc < 0) {
            return rc;
        }
    }
    if (rc == LX_OK) {
        /* The parts after the header, as they are compressed. */
        const uint8_t *q = w->xbuf.p + w->xbuf.len;

        for (i = 0; i < w->xf.nparts; i++) {
            q -= w->xf.parts[i];
        }
        for (i = 0; rc == LX_OK && i < w->xf.nparts; i++) {
            rc = add_samples(all, sizes, q, w->xf.parts[i]);
            q += w->xf.parts[i];
        }
    }
    if (rc <= LX_OK) {
        return rc;
    }
    rc = lx__cbuf_put(all, s->buf.p, s->buf.len);
    while (rc == LX_OK && pos < s->buf.len) {
        uint64_t blen;
        size_t k = lx__cap_get_uvarint(s->buf.p + pos, s->buf.len - pos, &blen);

        if (k == 0 || blen > s->buf.len - pos - k) {
            break;
        }
        k += (size_t)blen;
        rc = lx__cbuf_put(sizes, &k, sizeof(k));
        pos += k;
    }
    return rc;
}

/*
 * Trains a dictionary on every record buffered now (on their transform
 * when chunks use it: a dictionary of records would not match what is
 * compressed); a failure to train (too few samples) just means no
 * dictionary.
 */
static int train_dict(struct lx_capture_writer *w)
{
    struct lx__cbuf all, sizes;
    uint8_t *dict = NULL;
    size_t dlen, i;
    int rc = LX_OK;

    w->dict_done = true;
    lx__cbuf_init(&all, w->mem);
    lx__cbuf_init(&sizes, w->mem);
    for (i = 0; i < w->tabcap && rc == LX_OK; i++) {
        if (w->tab[i] != NULL) {
            rc = stream_samples(w, w->tab[i], &all, &sizes);
        }
    }
    dict = lx__malloc(w->mem, w->dict_size);
    if (rc != LX_OK || dict == NULL) {
        rc = rc != LX_OK ? rc : LX_ERR_NOMEM;
        goto out;
    }
    dlen = ZDICT_trainFromBuffer(dict, w->dict_size, all.p,
                                 (const size_t *)(const void *)sizes.p,
                                 (unsigned)(sizes.len / sizeof(size_t)));
    if (ZDICT_isError(dlen)) {
        LX_LOGI(w->ctx, "rec", "no capture dictionary: %s",
                ZDICT_getErrorName(dlen));
        goto out;
    }
    rc = store_dict(w, dict, dlen);
out:
    lx__free(w->mem, dict);
    lx__cbuf_free(&sizes);
    lx__cbuf_free(&all);
    return rc == LX_ERR_TOOBIG ? LX_ERR_NOMEM : rc;
}

static void reset_chunk(struct stream *s)
{
    s->buf.len = 0;
    memset(&s->prev, 0, sizeof(s->prev));
    memset(&s->chunk, 0, sizeof(s->chunk));
    memset(&s->piece, 0, sizeof(s->piece));
    s->piece_off = 0;
    s->reset_next = false;
    s->npieces = 0;
}

static void bind_chunk(struct lx_capture_writer *w, int64_t stream_id,
                       const struct cstats *c, size_t raw, size_t zlen,
                       int codec)
{
    sqlite3_stmt *st = w->ins_chunk;

    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, stream_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)c->first_gseq);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)c->last_gseq);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)c->first_seq);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)c->last_seq);
    sqlite3_bind_int64(st, 6, c->min_wall);
    sqlite3_bind_int64(st, 7, c->max_wall);
    sqlite3_bind_int64(st, 8, c->min_mono);
    sqlite3_bind_int64(st, 9, c->max_mono);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)c->nrec);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)raw);
    sqlite3_bind_int64(st, 12, c->kinds);
    sqlite3_bind_int64(st, 13, w->cdict != NULL ? w->dict_row : 0);
    sqlite3_bind_blob(st, 14, w->zbuf.p, (int)zlen, SQLITE_STATIC);
    sqlite3_bind_int(st, 15, codec);
}

/* Parts shorter than this share a zstd block with the next part. */
#define MIN_BLOCK_PART 64

/*
 * Compresses a transformed content as one frame that ends a block at the
 * end of each of its parts (sections, number streams) but tiny ones, so
 * every part gets entropy tables of its own.
 */
static size_t compress_sections(struct lx_capture_writer *w, ZSTD_CCtx *cc,
                                size_t bound)
{
    ZSTD_outBuffer ob = {w->zbuf.p, bound, 0};
    ZSTD_inBuffer ib = {w->xbuf.p, 0, 0};
    size_t i, r = 0, end = w->xbuf.len, np = w->xf.nparts;

    for (i = 0; i < np; i++) {
        end -= w->xf.parts[i];
    }
    ZSTD_CCtx_reset(cc, ZSTD_reset_session_only);
    r = ZSTD_CCtx_setPledgedSrcSize(cc, w->xbuf.len);
    for (i = 0; i < np && !ZSTD_isError(r); i++) {
        ZSTD_EndDirective how = i + 1 == np ? ZSTD_e_end : ZSTD_e_flush;

        end += w->xf.parts[i];
        if (how == ZSTD_e_flush && w->xf.parts[i] < MIN_BLOCK_PART) {
            continue;
        }
        ib.size = end;
        do {
            r = ZSTD_compressStream2(cc, &ob, &ib, how);
        } while (r != 0 && !ZSTD_isError(r) && ob.pos < ob.size);
        if (r != 0 && !ZSTD_isError(r)) {
            return (size_t)-1; /* output full: cannot happen with bound */
        }
    }
    return ZSTD_isError(r) ? r : ob.pos;
}

/*
 * Compresses p[0..n) as one frame, through the numeric transform unless
 * it is off or declines the content, and inserts it as a chunk row.
 */
static int insert_chunk(struct lx_capture_writer *w, const struct stream *s,
                        const struct cstats *c, const uint8_t *p, size_t n,
                        bool piece, size_t *zlen)
{
    const uint8_t *src = p;
    size_t bound, slen = n;
    int rc, codec = LX__CAP_CODEC_PLAIN;

    if (w->dict_size > 0 && !w->dict_done && (rc = train_dict(w)) != LX_OK) {
        return fail(w, rc);
    }
    if (w->xform) {
        w->xbuf.len = 0;
        rc = lx__xform_encode(&w->xf, p, n, &w->xbuf);
        if (rc < 0) {
            return fail(w, rc);
        }
        if (rc == LX_OK) {
            codec = w->xf.codec;
            src = w->xbuf.p;
            slen = w->xbuf.len;
        }
    }
    bound = ZSTD_compressBound(slen);
    w->zbuf.len = 0;
    if ((rc = lx__cbuf_reserve(&w->zbuf, bound)) != LX_OK ||
        (rc = begin(w)) != LX_OK) {
        return fail(w, rc);
    }
    if (codec != LX__CAP_CODEC_PLAIN) {
        *zlen = compress_sections(
            w, piece && w->cdict == NULL ? w->pctx : w->cctx, bound);
    } else {
        *zlen = ZSTD_compress2(piece && w->cdict == NULL ? w->pctx : w->cctx,
                               w->zbuf.p, bound, src, slen);
    }
    if (ZSTD_isError(*zlen)) {
        LX_LOGE(w->ctx, "rec", "zstd: %s", ZSTD_getErrorName(*zlen));
        return fail(w, LX_ERR_INTERNAL);
    }
    bind_chunk(w, s->id, c, n, *zlen, codec);
    rc = sqlite3_step(w->ins_chunk);
    sqlite3_reset(w->ins_chunk);
    if (rc != SQLITE_DONE) {
        return sql_fail(w, rc);
    }
    w->st.chunks++;
    w->st.stored_bytes += *zlen;
    return LX_OK;
}

/*
 * Stores the records added since the last commit as a piece, so a commit
 * makes them durable without closing the chunk (compressing every open
 * chunk at every commit would cost as much as the recording itself).
 */
static int flush_piece(struct lx_capture_writer *w, struct stream *s)
{
    size_t zlen = 0;
    int rc;

    if (s->piece.nrec == 0) {
        return LX_OK;
    }
    if (s->npieces == s->cappieces) {
        size_t cap = s->cappieces != 0 ? s->cappieces * 2 : 8;
        struct piece *v = lx__realloc(w->mem, s->pieces, cap * sizeof(*v));

        if (v == NULL) {
            return fail(w, LX_ERR_NOMEM);
        }
        s->pieces = v;
        s->cappieces = cap;
    }
    rc = insert_chunk(w, s, &s->piece, s->buf.p + s->piece_off,
                      s->buf.len - s->piece_off, true, &zlen);
    if (rc != LX_OK) {
        return rc;
    }
    s->pieces[s->npieces].row = sqlite3_last_insert_rowid(w->db);
    s->pieces[s->npieces].zlen = zlen;
    s->npieces++;
    s->piece_off = s->buf.len;
    memset(&s->piece, 0, sizeof(s->piece));
    s->reset_next = true;
    return LX_OK;
}

/*
 * Closes the open chunk: one row for the whole chunk replaces its pieces
 * in the same transaction (a single piece that is the whole chunk stays).
 */
static int close_chunk(struct lx_capture_writer *w, struct stream *s)
{
    size_t zlen, i;
    int rc = LX_OK;

    if (s->chunk.nrec == 0 || (s->npieces == 1 && s->piece.nrec == 0)) {
        reset_chunk(s);
        return LX_OK;
    }
    for (i = 0; i < s->npieces && rc == LX_OK; i++) {
        sqlite3_reset(w->del_chunk);
        sqlite3_bind_int64(w->del_chunk, 1, s->pieces[i].row);
        rc = sqlite3_step(w->del_chunk);
        sqlite3_reset(w->del_chunk);
        rc = rc == SQLITE_DONE ? LX_OK : sql_fail(w, rc);
        w->st.chunks--;
        w->st.stored_bytes -= s->pieces[i].zlen;
    }
    if (rc == LX_OK) {
        rc = insert_chunk(w, s, &s->chunk, s->buf.p, s->buf.len, false, &zlen);
    }
    if (rc == LX_OK) {
        reset_chunk(s);
    }
    return rc;
}

static int flush_all(struct lx_capture_writer *w)
{
    size_t i;
    int rc = LX_OK;

    for (i = 0; i < w->tabcap && rc == LX_OK; i++) {
        if (w->tab[i] != NULL) {
            rc = flush_piece(w, w->tab[i]);
        }
    }
    return rc;
}

static int commit(struct lx_capture_writer *w)
{
    int rc = flush_all(w);

    if (rc == LX_OK && w->in_txn) {
        rc = exec(w, "COMMIT");
        w->in_txn = false;
        w->st.commits++;
    }
    w->have_mark = false;
    w->since_commit = 0;
    return rc;
}

/* ---- records ------------------------------------------------------------ */

static int grow_flds(struct lx_capture_writer *w, size_t n)
{
    struct fld *f;
    struct lx__cap_bytes *h;

    if (n <= w->fldcap) {
        return LX_OK;
    }
    f = lx__realloc(w->mem, w->flds, n * sizeof(*f));
    if (f == NULL) {
        return LX_ERR_NOMEM;
    }
    w->flds = f;
    h = lx__realloc(w->mem, w->hbytes, n * sizeof(*h));
    if (h == NULL) {
        return LX_ERR_NOMEM;
    }
    w->hbytes = h;
    w->fldcap = n;
    return LX_OK;
}

static int red(struct lx_capture_writer *w, unsigned flags, const void *p,
               size_t len, struct fld *out)
{
    const uint8_t *o;
    int rc =
        lx__redact(w->rd, flags, p, len, &w->arena, &o, &out->off, &out->len);

    out->p = o;
    return rc;
}

static struct lx__cap_bytes resolve(const struct lx_capture_writer *w,
                                    struct fld f)
{
    struct lx__cap_bytes b;

    b.len = f.len;
    if (f.p != NULL) {
        b.p = f.p;
    } else if (w->arena.p != NULL) {
        b.p = w->arena.p + f.off;
    } else {
        b.p = (const uint8_t *)"";
    }
    return b;
}

static unsigned body_flags(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len &&
           (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) {
        i++;
    }
    if (i < len && (p[i] == '{' || p[i] == '[')) {
        return LX__RD_EXACT | LX__RD_JSON;
    }
    return LX__RD_EXACT | LX__RD_FORM;
}

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

/* Redacts an HTTP message into flds[0..]: start line, headers, body. */
static int http_fields(struct lx_capture_writer *w, const struct lx_http_msg *m,
                       struct lx__cap_rec *r, struct fld *f3)
{
    size_t i, n = lx_http_msg_header_count(m), blen = 0;
    const char *body = lx_http_msg_body(m, &blen);
    int rc = grow_flds(w, 2 * n + 1);

    for (i = 0; i < n && rc == LX_OK; i++) {
        const char *name, *value;
        size_t nl, vl;
        unsigned vflags = LX__RD_EXACT;

        lx_http_msg_header_at(m, i, &name, &nl, &value, &vl);
        if (lx__redactor_header_secret(w->rd, name, nl)) {
            vflags = LX__RD_HEADER;
        }
        rc = red(w, LX__RD_EXACT, name, nl, &w->flds[2 * i]);
        if (rc == LX_OK) {
            rc = red(w, vflags, value, vl, &w->flds[2 * i + 1]);
        }
    }
    if (rc == LX_OK) {
        rc = red(w, body_flags((const uint8_t *)body, blen), body, blen, f3);
    }
    r->nheaders = n;
    r->headers = w->hbytes;
    return rc;
}

static int event_fields(struct lx_capture_writer *w,
                        const struct lx_tap_event *ev, struct lx__cap_rec *r,
                        struct fld *f)
{
    const char *s;
    int rc = LX_OK;

    switch (ev->kind) {
    case LX_TAP_CONN_OPEN:
        r->kind = LX_CAPTURE_CONN_OPEN;
        s = nz(ev->url);
        rc = red(w, LX__RD_EXACT | LX__RD_QUERY, s, strlen(s), &f[0]);
        break;
    case LX_TAP_CONN_CLOSE:
        r->kind = LX_CAPTURE_CONN_CLOSE;
        s = nz(ev->reason);
        rc = red(w, LX__RD_EXACT, s, strlen(s), &f[0]);
        break;
    case LX_TAP_HTTP:
        if (ev->http == NULL) {
            return LX_ERR_INVAL;
        }
        r->n1 = (uint64_t)lx_http_msg_version(ev->http);
        if (lx_http_msg_is_request(ev->http)) {
            r->kind = LX_CAPTURE_HTTP_REQUEST;
            s = nz(lx_http_msg_method(ev->http));
            f[0].p = (const uint8_t *)s;
            f[0].len = strlen(s);
            s = nz(lx_http_msg_target(ev->http));
            rc = red(w, LX__RD_EXACT | LX__RD_QUERY, s, strlen(s), &f[1]);
        } else {
            r->kind = LX_CAPTURE_HTTP_RESPONSE;
            r->n2 = (uint64_t)lx_http_msg_status(ev->http);
            s = nz(lx_http_msg_reason(ev->http));
            rc = red(w, LX__RD_EXACT, s, strlen(s), &f[0]);
        }
        if (rc == LX_OK) {
            rc = http_fields(w, ev->http, r, &f[3]);
        }
        break;
    case LX_TAP_WS_FRAME:
        if (ev->payload == NULL && ev->len > 0) {
            return LX_ERR_INVAL;
        }
        r->kind = LX_CAPTURE_WS_FRAME;
        r->n1 = (uint64_t)ev->ws_opcode & 15;
        rc = red(w,
                 ev->ws_opcode == LX_WS_TEXT || ev->ws_opcode == LX_WS_CONT
                     ? LX__RD_EXACT | LX__RD_JSON
                     : LX__RD_EXACT,
                 ev->payload, ev->len, &f[3]);
        break;
    default:
        return LX_ERR_INVAL;
    }
    return rc;
}

static void add_stats(struct cstats *c, const struct lx__cap_rec *r)
{
    if (c->nrec == 0) {
        c->first_gseq = r->gseq;
        c->first_seq = r->seq;
        c->min_wall = c->max_wall = r->wall_ns;
        c->min_mono = c->max_mono = r->mono_ns;
    }
    c->last_gseq = r->gseq;
    c->last_seq = r->seq;
    c->min_wall = r->wall_ns < c->min_wall ? r->wall_ns : c->min_wall;
    c->max_wall = r->wall_ns > c->max_wall ? r->wall_ns : c->max_wall;
    c->min_mono = r->mono_ns < c->min_mono ? r->mono_ns : c->min_mono;
    c->max_mono = r->mono_ns > c->max_mono ? r->mono_ns : c->max_mono;
    c->kinds |= LX_CAPTURE_KIND_BIT(r->kind);
    c->nrec++;
}

/* 1 if adding a record at wall would make c span span_ns or more. */
static bool too_wide(const struct cstats *c, int64_t wall, int64_t span_ns)
{
    int64_t lo = wall < c->min_wall ? wall : c->min_wall;
    int64_t hi = wall > c->max_wall ? wall : c->max_wall;

    return (uint64_t)hi - (uint64_t)lo >= (uint64_t)span_ns;
}

/* Encodes r into s's chunk, then closes the chunk or commits when due. */
static int append(struct lx_capture_writer *w, struct stream *s,
                  struct lx__cap_rec *r)
{
    size_t before;
    int rc;

    /* A record that would stretch the chunk past the span starts a new one. */
    if (s->chunk.nrec > 0 &&
        too_wide(&s->chunk, r->wall_ns, w->chunk_span_ns) &&
        (rc = close_chunk(w, s)) != LX_OK) {
        return rc;
    }
    before = s->buf.len;
    r->gseq = ++w->gseq;
    r->reset = s->reset_next;
    if (r->reset) {
        memset(&s->prev, 0, sizeof(s->prev));
    }
    rc = lx__cap_rec_encode(&s->buf, r, &s->prev);
    if (rc != LX_OK) {
        return fail(w, rc);
    }
    s->reset_next = false;
    add_stats(&s->chunk, r);
    add_stats(&s->piece, r);
    w->st.records++;
    w->st.raw_bytes += s->buf.len - before;
    w->since_commit += s->buf.len - before;
    if (!w->have_mark) {
        w->have_mark = true;
        w->mark_mono = r->mono_ns;
    }
    if (s->buf.len >= w->chunk_bytes ||
        (w->chunk_records != 0 && s->chunk.nrec >= w->chunk_records)) {
        rc = close_chunk(w, s);
    }
    if (rc == LX_OK && (w->since_commit >= w->commit_bytes ||
                        r->mono_ns - w->mark_mono >= w->commit_ns)) {
        rc = commit(w);
    }
    return rc;
}

static void fill_rec(struct lx_capture_writer *w, struct lx__cap_rec *r,
                     const struct fld *f)
{
    size_t i;

    r->s1 = resolve(w, f[0]);
    r->s2 = resolve(w, f[1]);
    r->s3 = resolve(w, f[2]);
    r->data = resolve(w, f[3]);
    for (i = 0; i < 2 * r->nheaders; i++) {
        w->hbytes[i] = resolve(w, w->flds[i]);
    }
}

static int close_stream(struct lx_capture_writer *w, struct stream *s,
                        const struct lx_tap_event *ev, struct fld reason)
{
    struct lx__cap_bytes b = resolve(w, reason);
    int rc = close_chunk(w, s);

    if (rc != LX_OK) {
        return rc;
    }
    sqlite3_reset(w->upd_close);
    sqlite3_bind_int64(w->upd_close, 1, ev->wall_ns);
    sqlite3_bind_int64(w->upd_close, 2, ev->mono_ns);
    bind_text(w->upd_close, 3, b.p, b.len);
    sqlite3_bind_int64(w->upd_close, 4, s->id);
    rc = sqlite3_step(w->upd_close);
    sqlite3_reset(w->upd_close);
    if (rc != SQLITE_DONE) {
        return sql_fail(w, rc);
    }
    remove_stream(w, s);
    free_stream(w, s);
    return LX_OK;
}

int lx_capture_writer_write(struct lx_capture_writer *w,
                            const struct lx_tap_event *ev)
{
    struct lx__cap_rec r;
    struct fld f[4];
    struct stream *s;
    int rc;

    if (w == NULL || ev == NULL) {
        return LX_ERR_INVAL;
    }
    if (w->status != LX_OK) {
        return w->status;
    }
    memset(&r, 0, sizeof(r));
    memset(f, 0, sizeof(f));
    w->arena.len = 0;
    rc = event_fields(w, ev, &r, f);
    if (rc == LX_ERR_INVAL) {
        return rc;
    }
    if (rc != LX_OK) {
        return fail(w, rc);
    }
    s = find_stream(w, ev->side, ev->conn_id);
    if (s == NULL && (rc = begin(w)) == LX_OK) {
        struct fld none = {(const uint8_t *)"", 0, 0};

        rc =
            new_stream(w, ev, r.kind == LX_CAPTURE_CONN_OPEN ? f[0] : none, &s);
    }
    if (rc != LX_OK) {
        return fail(w, rc);
    }
    if (r.kind == LX_CAPTURE_CONN_OPEN) {
        f[1].p = (const uint8_t *)nz(ev->transport);
        f[1].len = strlen((const char *)f[1].p);
        f[2].p = (const uint8_t *)w->venue;
        f[2].len = strlen(w->venue);
    }
    r.dir = ev->dir;
    r.seq = ev->seq;
    r.wall_ns = ev->wall_ns;
    r.mono_ns = ev->mono_ns;
    fill_rec(w, &r, f);
    s->last_seq = ev->seq;
    rc = append(w, s, &r);
    if (rc == LX_OK && r.kind == LX_CAPTURE_CONN_CLOSE) {
        rc = close_stream(w, s, ev, f[0]);
    }
    return rc == LX_OK ? LX_OK : fail(w, rc);
}

void lx_capture_tap(void *ud, const struct lx_tap_event *ev)
{
    (void)lx_capture_writer_write(ud, ev);
}

int lx_capture_writer_annotate(struct lx_capture_writer *w, int side,
                               uint64_t conn_id, int64_t wall_ns,
                               int64_t mono_ns, const char *tag,
                               const void *text, size_t len)
{
    struct lx_tap_event ev;
    struct lx__cap_rec r;
    struct fld f[4];
    struct stream *s;
    int rc;

    if (w == NULL || tag == NULL || (text == NULL && len > 0) ||
        (side != LX_TAP_CLIENT && side != LX_TAP_SERVER)) {
        return LX_ERR_INVAL;
    }
    if (w->status != LX_OK) {
        return w->status;
    }
    memset(&ev, 0, sizeof(ev));
    memset(&r, 0, sizeof(r));
    memset(f, 0, sizeof(f));
    ev.side = side;
    ev.conn_id = conn_id;
    ev.wall_ns = wall_ns;
    ev.mono_ns = mono_ns;
    w->arena.len = 0;
    rc = red(w, LX__RD_EXACT, tag, strlen(tag), &f[0]);
    if (rc == LX_OK) {
        rc = red(w, LX__RD_EXACT, text, len, &f[3]);
    }
    s = find_stream(w, side, conn_id);
    if (rc == LX_OK && s == NULL && (rc = begin(w)) == LX_OK) {
        rc = new_stream(w, &ev, f[1], &s);
    }
    if (rc != LX_OK) {
        return fail(w, rc);
    }
    r.kind = LX_CAPTURE_ANNOTATION;
    r.dir = LX_TAP_OUT;
    r.seq = s->last_seq;
    r.wall_ns = wall_ns;
    r.mono_ns = mono_ns;
    fill_rec(w, &r, f);
    return append(w, s, &r);
}

int lx_capture_writer_tick(struct lx_capture_writer *w, int64_t mono_ns)
{
    if (w == NULL) {
        return LX_ERR_INVAL;
    }
    if (w->status != LX_OK) {
        return w->status;
    }
    if (w->have_mark && mono_ns - w->mark_mono >= w->commit_ns) {
        return commit(w);
    }
    return LX_OK;
}

int lx_capture_writer_flush(struct lx_capture_writer *w)
{
    if (w == NULL) {
        return LX_ERR_INVAL;
    }
    if (w->status != LX_OK) {
        return w->status;
    }
    return commit(w);
}

int lx_capture_writer_status(const struct lx_capture_writer *w)
{
    return w == NULL ? LX_ERR_INVAL : w->status;
}

void lx_capture_writer_stats(const struct lx_capture_writer *w,
                             struct lx_capture_wstats *st)
{
    if (w == NULL || st == NULL) {
        return;
    }
    *st = w->st;
    st->redactions = lx__redactor_count(w->rd);
}

int lx_capture_writer_set_venue(struct lx_capture_writer *w, const char *venue)
{
    return w == NULL ? LX_ERR_INVAL : set_str(w->mem, &w->venue, venue);
}

int lx_capture_writer_add_secret(struct lx_capture_writer *w,
                                 const struct lx_secret *s)
{
    return w == NULL ? LX_ERR_INVAL : lx__redactor_add_secret(w->rd, s);
}

/* ---- open and close ----------------------------------------------------- */

static int put_meta(struct lx_capture_writer *w, sqlite3_stmt *st,
                    const char *key, const char *text, int64_t num)
{
    int rc;

    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (text != NULL) {
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_int64(st, 2, num);
    }
    rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? LX_OK : sql_fail(w, rc);
}

static int write_meta(struct lx_capture_writer *w,
                      const struct lx_capture_wopts *o)
{
    sqlite3_stmt *st = NULL;
    char key[80];
    size_t i;
    int rc = sqlite3_prepare_v2(
        w->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)", -1,
        &st, NULL);

    if (rc != SQLITE_OK) {
        return sql_fail(w, rc);
    }
    rc = put_meta(w, st, "format_version", NULL, LX_CAPTURE_FORMAT_VERSION);
    if (rc == LX_OK) {
        rc = put_meta(w, st, "creator",
                      o->creator != NULL ? o->creator
                                         : "liblotusx " LX_VERSION_STRING,
                      0);
    }
    if (rc == LX_OK) {
        rc = put_meta(w, st, "library_version", lx_version(), 0);
    }
    if (rc == LX_OK) {
        rc = put_meta(w, st, "created_wall_ns", NULL, o->created_ns);
    }
    if (rc == LX_OK) {
        rc = put_meta(w, st, "venue", nz(o->venue), 0);
    }
    for (i = 0; rc == LX_OK && i < o->nlabels; i++) {
        lx__snprintf(key, sizeof(key), "label.%s", o->labels[i].key);
        rc = put_meta(w, st, key, o->labels[i].value, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

static int prepare(struct lx_capture_writer *w)
{
    static const char ins_chunk[] =
        "INSERT INTO chunks(stream_id, first_gseq, last_gseq, first_seq,"
        " last_seq, min_wall_ns, max_wall_ns, min_mono_ns, max_mono_ns,"
        " nrecords, raw_size, kinds, dict_id, data, codec) VALUES (?1, ?2,"
        " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
    static const char ins_stream[] =
        "INSERT INTO streams(side, conn_id, venue, url, transport,"
        " open_wall_ns, open_mono_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    static const char upd_close[] =
        "UPDATE streams SET close_wall_ns = ?1, close_mono_ns = ?2,"
        " close_reason = ?3 WHERE id = ?4";
    int rc = sqlite3_prepare_v2(w->db, ins_chunk, -1, &w->ins_chunk, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(w->db, ins_stream, -1, &w->ins_stream, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(w->db, upd_close, -1, &w->upd_close, NULL);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_prepare_v2(w->db, "DELETE FROM chunks WHERE id = ?1", -1,
                                &w->del_chunk, NULL);
    }
    return rc == SQLITE_OK ? LX_OK : sql_fail(w, rc);
}

/* Creates the file exclusively so an existing capture is never clobbered. */
static int create_file(const char *path, struct lx_capture_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

    if (fd < 0) {
        int e = errno;

        lx__cap_set_error(err, e == EEXIST ? LX_ERR_EXISTS : LX_ERR_FILE, 0,
                          "cannot create %s: %s", path, strerror(e));
        return e == EEXIST ? LX_ERR_EXISTS : LX_ERR_FILE;
    }
    close(fd);
    return LX_OK;
}

static int setup_db(struct lx_capture_writer *w, const char *path,
                    const struct lx_capture_wopts *o)
{
    char pragmas[256];
    int rc = sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE, NULL);

    if (rc != SQLITE_OK) {
        return sql_fail(w, rc);
    }
    lx__snprintf(pragmas, sizeof(pragmas),
                 "PRAGMA page_size = 1024; PRAGMA auto_vacuum = INCREMENTAL;"
                 " PRAGMA application_id = %d; PRAGMA user_version = %d;"
                 " PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                 LX_CAPTURE_APPLICATION_ID, LX_CAPTURE_FORMAT_VERSION);
    rc = exec(w, pragmas);
    if (rc == LX_OK) {
        rc = exec(w, "BEGIN");
    }
    if (rc == LX_OK) {
        rc = exec(w, lx__cap_schema_sql);
    }
    if (rc == LX_OK) {
        rc = write_meta(w, o);
    }
    if (rc == LX_OK) {
        rc = exec(w, "COMMIT");
    }
    if (rc == LX_OK) {
        rc = prepare(w);
    }
    return rc;
}

static int setup(struct lx_capture_writer *w, const struct lx_capture_wopts *o)
{
    int rc;

    w->level = o->level;
    w->chunk_bytes = o->chunk_bytes;
    w->chunk_records = o->chunk_records;
    w->chunk_span_ns = o->chunk_span_ns;
    w->commit_ns = o->commit_ns;
    w->commit_bytes = o->commit_bytes;
    w->dict_size = o->dict_size;
    w->xform = o->xform;
    lx__cbuf_init(&w->arena, w->mem);
    lx__cbuf_init(&w->zbuf, w->mem);
    lx__cbuf_init(&w->xbuf, w->mem);
    lx__xform_init(&w->xf, w->mem);
    w->venue = lx__strdup(w->mem, nz(o->venue));
    if (w->venue == NULL) {
        return LX_ERR_NOMEM;
    }
    rc = lx__redactor_new(&w->rd, w->mem, o->defaults);
    if (rc == LX_OK) {
        rc = lx__redactor_copy_rules(w->rd, o->rules);
    }
    if (rc != LX_OK) {
        return rc;
    }
    w->cctx = ZSTD_createCCtx();
    w->pctx = ZSTD_createCCtx();
    if (w->cctx == NULL || w->pctx == NULL) {
        return LX_ERR_NOMEM;
    }
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(w->pctx, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(w->pctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(w->pctx, ZSTD_c_contentSizeFlag, 1);
    return LX_OK;
}

static void release(struct lx_capture_writer *w)
{
    size_t i;

    for (i = 0; i < w->tabcap; i++) {
        if (w->tab[i] != NULL) {
            free_stream(w, w->tab[i]);
        }
    }
    lx__free(w->mem, w->tab);
    sqlite3_finalize(w->ins_chunk);
    sqlite3_finalize(w->ins_stream);
    sqlite3_finalize(w->upd_close);
    sqlite3_finalize(w->del_chunk);
    sqlite3_close(w->db);
    ZSTD_freeCCtx(w->cctx);
    ZSTD_freeCCtx(w->pctx);
    ZSTD_freeCDict(w->cdict);
    lx__redactor_free(w->rd);
    lx__free(w->mem, w->venue);
    lx__cbuf_free(&w->arena);
    lx__cbuf_free(&w->zbuf);
    lx__cbuf_free(&w->xbuf);
    lx__xform_free(&w->xf);
    lx__free(w->mem, w->flds);
    lx__free(w->mem, w->hbytes);
    lx__free(w->mem, w);
}

int lx_capture_writer_open(struct lx_capture_writer **out, struct lx_ctx *ctx,
                           const char *path, const struct lx_capture_wopts *o,
                           struct lx_capture_error *err)
{
    struct lx_capture_wopts *def = NULL;
    struct lx_capture_writer *w;
    int rc;

    lx__cap_set_error(err, LX_OK, 0, "%s", "");
    if (out == NULL || path == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (o == NULL) {
        rc = lx_capture_wopts_new(&def, ctx);
        if (rc != LX_OK) {
            return rc;
        }
        o = def;
    }
    w = lx__calloc(lx_ctx_mem(ctx), 1, sizeof(*w));
    rc = w == NULL ? LX_ERR_NOMEM : LX_OK;
    if (rc == LX_OK) {
        w->ctx = ctx;
        w->mem = lx_ctx_mem(ctx);
        rc = setup(w, o);
    }
    if (rc == LX_OK && (rc = create_file(path, err)) == LX_OK) {
        rc = setup_db(w, path, o);
        if (rc != LX_OK) {
            lx__cap_set_error(err, rc, 0, "cannot initialize %s: %s", path,
                              sqlite3_errmsg(w->db));
            sqlite3_close(w->db);
            w->db = NULL;
            unlink(path);
        }
    }
    lx_capture_wopts_free(def);
    if (rc != LX_OK) {
        if (w != NULL) {
            release(w);
        }
        return rc;
    }
    *out = w;
    return LX_OK;
}

static int finalize(struct lx_capture_writer *w)
{
    static const char summary[] =
        "INSERT OR REPLACE INTO summary SELECT 1, coalesce(sum(nrecords), 0),"
        " count(*), (SELECT count(*) FROM streams),"
        " coalesce(min(min_wall_ns), 0), coalesce(max(max_wall_ns), 0),"
        " coalesce(sum(raw_size), 0), coalesce(sum(length(data)), 0),"
        " coalesce(max(max_wall_ns - min_wall_ns), 0),"
        " (SELECT coalesce(group_concat(venue, ','), '') FROM"
        " (SELECT DISTINCT venue FROM streams WHERE venue != ''"
        " ORDER BY venue)) FROM chunks";
    size_t i;
    int rc = LX_OK;

    /* Whole chunks replace the pieces of every open chunk. */
    for (i = 0; i < w->tabcap && rc == LX_OK; i++) {
        if (w->tab[i] != NULL) {
            rc = close_chunk(w, w->tab[i]);
        }
    }
    rc = rc == LX_OK ? commit(w) : rc;

    if (rc == LX_OK) {
        rc = begin(w);
    }
    if (rc == LX_OK) {
        rc = exec(w, summary);
    }
    if (rc == LX_OK) {
        rc = exec(w, "COMMIT");
        w->in_txn = false;
    }
    if (rc == LX_OK) {
        /* Pages of replaced pieces go back, so the file holds no slack. */
        rc = exec(w,
                  "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);"
                  " PRAGMA journal_mode = DELETE;");
    }
    return rc;
}

int lx_capture_writer_close(struct lx_capture_writer *w)
{
    int rc;

    if (w == NULL) {
        return LX_OK;
    }
    rc = w->status;
    if (rc == LX_OK) {
        rc = finalize(w);
    }
    if (rc != LX_OK && w->in_txn) {
        /*
         * A failed step may have left the transaction half done (pieces
         * deleted, their whole chunk not written): drop it, as a crash
         * would. Everything committed before stays.
         */
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(w->ins_chunk);
    sqlite3_finalize(w->ins_stream);
    sqlite3_finalize(w->upd_close);
    sqlite3_finalize(w->del_chunk);
    w->ins_chunk = w->ins_stream = w->upd_close = w->del_chunk = NULL;
    if (sqlite3_close(w->db) != SQLITE_OK && rc == LX_OK) {
        rc = LX_ERR_FILE;
    }
    w->db = NULL;
    release(w);
    return rc;
}

/* ---- copying records ---------------------------------------------------- */

/* Redacts a record's HTTP headers and body into flds and f[3]. */
static int rec_http(struct lx_capture_writer *w,
                    const struct lx_capture_record *x, struct lx__cap_rec *r,
                    struct fld *f)
{
    size_t i;
    int rc;

    if (x->nheaders > LX__CAP_MAX_HEADERS || (x->nheaders && !x->headers)) {
        return LX_ERR_INVAL;
    }
    rc = grow_flds(w, 2 * x->nheaders + 1);
    for (i = 0; i < x->nheaders && rc == LX_OK; i++) {
        const struct lx_capture_header *h = &x->headers[i];
        unsigned vflags =
            lx__redactor_header_secret(w->rd, h->name, h->name_len)
                ? LX__RD_HEADER
                : LX__RD_EXACT;

        rc = red(w, LX__RD_EXACT, h->name, h->name_len, &w->flds[2 * i]);
        if (rc == LX_OK) {
            rc = red(w, vflags, h->value, h->value_len, &w->flds[2 * i + 1]);
        }
    }
    if (rc == LX_OK) {
        rc = red(w, body_flags(x->data, x->len), x->data, x->len, &f[3]);
    }
    r->nheaders = x->nheaders;
    r->headers = w->hbytes;
    r->n1 = (uint64_t)x->http_version;
    return rc;
}

static int rec_fields(struct lx_capture_writer *w,
                      const struct lx_capture_record *x, struct lx__cap_rec *r,
                      struct fld *f)
{
    const char *s1 = nz(x->url), *s2 = nz(x->transport);
    int rc;

    switch (x->kind) {
    case LX_CAPTURE_CONN_OPEN:
        f[1].p = (const uint8_t *)s2;
        f[1].len = strlen(s2);
        return red(w, LX__RD_EXACT | LX__RD_QUERY, s1, strlen(s1), &f[0]);
    case LX_CAPTURE_CONN_CLOSE:
        s1 = nz(x->reason);
        return red(w, LX__RD_EXACT, s1, strlen(s1), &f[0]);
    case LX_CAPTURE_HTTP_REQUEST:
        f[0].p = (const uint8_t *)nz(x->method);
        f[0].len = strlen(nz(x->method));
        s1 = nz(x->target);
        rc = red(w, LX__RD_EXACT | LX__RD_QUERY, s1, strlen(s1), &f[1]);
        return rc == LX_OK ? rec_http(w, x, r, f) : rc;
    case LX_CAPTURE_HTTP_RESPONSE:
        if (x->status < 0 || x->status > 999) {
            return LX_ERR_INVAL;
        }
        r->n2 = (uint64_t)x->status;
        s1 = nz(x->reason);
        rc = red(w, LX__RD_EXACT, s1, strlen(s1), &f[0]);
        return rc == LX_OK ? rec_http(w, x, r, f) : rc;
    case LX_CAPTURE_WS_FRAME:
        r->n1 = (uint64_t)x->ws_opcode & 15;
        return red(w,
                   x->ws_opcode == LX_WS_TEXT || x->ws_opcode == LX_WS_CONT
                       ? LX__RD_EXACT | LX__RD_JSON
                       : LX__RD_EXACT,
                   x->data, x->len, &f[3]);
    default:
        s1 = nz(x->tag);
        rc = red(w, LX__RD_EXACT, s1, strlen(s1), &f[0]);
        return rc == LX_OK ? red(w, LX__RD_EXACT, x->data, x->len, &f[3]) : rc;
    }
}

int lx_capture_writer_write_record(struct lx_capture_writer *w,
                                   const struct lx_capture_record *x)
{
    struct lx_tap_event ev;
    struct lx__cap_rec r;
    struct fld f[4];
    struct stream *s;
    int rc;

    if (w == NULL || x == NULL || x->kind < LX_CAPTURE_CONN_OPEN ||
        x->kind > LX_CAPTURE_ANNOTATION || (x->data == NULL && x->len > 0) ||
        (x->side != LX_TAP_CLIENT && x->side != LX_TAP_SERVER)) {
        return LX_ERR_INVAL;
    }
    if (w->status != LX_OK) {
        return w->status;
    }
    memset(&r, 0, sizeof(r));
    memset(f, 0, sizeof(f));
    memset(&ev, 0, sizeof(ev));
    w->arena.len = 0;
    rc = rec_fields(w, x, &r, f);
    if (rc == LX_ERR_INVAL) {
        return rc;
    }
    ev.kind = x->kind == LX_CAPTURE_CONN_OPEN ? LX_TAP_CONN_OPEN : 0;
    ev.transport = x->transport;
    ev.side = x->side;
    ev.conn_id = x->conn_id;
    ev.wall_ns = x->wall_ns;
    ev.mono_ns = x->mono_ns;
    s = rc == LX_OK ? find_stream(w, x->side, x->conn_id) : NULL;
    if (rc == LX_OK && s == NULL && (rc = begin(w)) == LX_OK) {
        struct fld none = {(const uint8_t *)"", 0, 0};

        w->venue_next = x->venue;
        rc = new_stream(w, &ev, x->kind == LX_CAPTURE_CONN_OPEN ? f[0] : none,
                        &s);
        w->venue_next = NULL;
    }
    if (rc != LX_OK) {
        return fail(w, rc);
    }
    if (x->kind == LX_CAPTURE_CONN_OPEN) {
        f[2].p = (const uint8_t *)nz(x->venue);
        f[2].len = strlen(nz(x->venue));
    }
    r.kind = x->kind;
    r.dir = x->dir;
    r.seq = x->seq;
    r.wall_ns = x->wall_ns;
    r.mono_ns = x->mono_ns;
    fill_rec(w, &r, f);
    if (x->kind != LX_CAPTURE_ANNOTATION) {
        s->last_seq = x->seq;
    }
    rc = append(w, s, &r);
    if (rc == LX_OK && x->kind == LX_CAPTURE_CONN_CLOSE) {
        rc = close_stream(w, s, &ev, f[0]);
    }
    return rc == LX_OK ? LX_OK : fail(w, rc);
}
