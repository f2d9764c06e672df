/*
 * lx_capture.h - capture files (*.lxcap): everything a wire tap saw,
 * recorded once and read back forever.
 *
 * A capture is one SQLite file. Records (connection open/close, HTTP
 * request/response, WebSocket frame, client annotation) are grouped per
 * stream (one connection of one side) into chunks; each chunk is one zstd
 * frame with a content checksum. The format is specified byte for byte in
 * docs/capture-format.md.
 *
 * Writing: lx_capture_writer_open creates the file (never overwrites one),
 * lx_capture_tap is an lx_tap_fn that records every event of a wire tap,
 * lx_capture_writer_close finalizes. Secrets are redacted before anything
 * reaches memory that goes to disk (headers, query and JSON fields, and the
 * exact bytes of every registered lx_secret). The library never reads the
 * clock: every time comes from the events or from the caller. Data is
 * committed at a bounded interval; a crash loses at most that interval.
 *
 * Reading: lx_capture_open opens read-only and validates the file;
 * lx_capture_reader_next walks the records of all streams merged in the
 * order the writer received them (its global sequence), optionally
 * filtered by stream, kind and wall-clock range, holding one decompressed
 * chunk per stream that overlaps the current position.
 *
 * Threads: a writer or a reader is used by one thread at a time. None of
 * these objects belongs to an event loop; writes block on disk I/O at each
 * commit (default once a second).
 */
#ifndef LOTUSX_LX_CAPTURE_H
#define LOTUSX_LX_CAPTURE_H

#include "lx_common.h"
#include "lx_mem.h"
#include "lx_tap.h"

struct lx_secret;

/* The format version this library writes and the newest it reads. */
#define LX_CAPTURE_FORMAT_VERSION 3

/* PRAGMA application_id of every capture file: "LXCP". */
#define LX_CAPTURE_APPLICATION_ID 0x4C584350

/* The fixed text that replaces every redacted value. */
#define LX_CAPTURE_REDACTED "<redacted>"

/* Record kinds. The numbers are part of the file format. */
enum lx_capture_kind {
    LX_CAPTURE_CONN_OPEN = 1,
    LX_CAPTURE_CONN_CLOSE = 2,
    LX_CAPTURE_HTTP_REQUEST = 3,
    LX_CAPTURE_HTTP_RESPONSE = 4,
    LX_CAPTURE_WS_FRAME = 5,
    LX_CAPTURE_ANNOTATION = 6
};

/* A bit per kind, for lx_capture_reader_set_kinds. */
#define LX_CAPTURE_KIND_BIT(k) (1u << (k))

/* ---- errors ---------------------------------------------------------------
 */

/*
 * Where and why a capture was rejected. chunk_id is the id of the bad chunk
 * (its row in the chunks table) or 0 when the problem is not in a chunk.
 * msg never holds record contents.
 */
struct lx_capture_error {
    int code;
    int64_t chunk_id;
    char msg[256];
};

/* ---- writer options -------------------------------------------------------
 */

struct lx_capture_wopts;

/*
 * Creates writer options with the defaults: zstd level 1 (with the numeric
 * transform, level 3 gives files no smaller), chunks of at most
 * 4 MiB raw (no record limit), a commit at least every 1 s (of record
 * mono time) or 4 MiB, no dictionary, the default redaction rules
 * (docs/capture-format.md section 6).
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM. Free with lx_capture_wopts_free.
 */
LX_EXTERN int lx_capture_wopts_new(struct lx_capture_wopts **out,
                                   struct lx_ctx *ctx);
LX_EXTERN void lx_capture_wopts_free(struct lx_capture_wopts *o);

/* The file's venue (meta "venue", also the default venue of streams). */
LX_EXTERN int lx_capture_wopts_set_venue(struct lx_capture_wopts *o,
                                         const char *venue);
/* The program that writes the file (meta "creator"). */
LX_EXTERN int lx_capture_wopts_set_creator(struct lx_capture_wopts *o,
                                           const char *creator);
/* The file's creation time (meta "created_wall_ns"); default 0. */
LX_EXTERN int lx_capture_wopts_set_created_ns(struct lx_capture_wopts *o,
                                              int64_t wall_ns);
/*
 * Adds a free-form label (meta "label.<key>"); key is 1..64 characters of
 * [A-Za-z0-9_.-]. A repeated key replaces the value. Errors: LX_ERR_INVAL,
 * LX_ERR_NOMEM.
 */
LX_EXTERN int lx_capture_wopts_add_label(struct lx_capture_wopts *o,
                                         const char *key, const char *value);
/* zstd level, 1..19 (LX_ERR_RANGE otherwise). */
LX_EXTERN int lx_capture_wopts_set_level(struct lx_capture_wopts *o, int level);
/*
 * A stream's chunk is closed when its raw (uncompressed) size reaches
 * max_bytes (4 KiB..64 MiB) or, if max_records is not 0, when it holds
 * max_records records. Errors: LX_ERR_RANGE.
 */
LX_EXTERN int lx_capture_wopts_set_chunk_limits(struct lx_capture_wopts *o,
                                                size_t max_bytes,
                                                size_t max_records);
/*
 * A stream's chunk is also closed when its records span span_ns (> 0) of
 * wall time (default 300 s), which bounds the work of a seek: a seek reads
 * the chunk rows of at most this span before the target. Errors:
 * LX_ERR_RANGE.
 */
LX_EXTERN int lx_capture_wopts_set_chunk_span(struct lx_capture_wopts *o,
                                              int64_t span_ns);
/*
 * The transaction is committed when a record or lx_capture_writer_tick
 * brings a mono time interval_ns (> 0) past the first uncommitted record,
 * or when max_bytes (> 0) of encoded records were added since the last
 * commit. This bounds what a crash can lose. Open chunks are not closed by
 * a commit: their new records are stored as a "piece" that the whole chunk
 * replaces when it closes (docs/capture-format.md 4.2). An import that
 * does not need crash safety can pass INT64_MAX and a large max_bytes and
 * write about 2x faster. Errors: LX_ERR_RANGE.
 */
LX_EXTERN int lx_capture_wopts_set_commit(struct lx_capture_wopts *o,
                                          int64_t interval_ns,
                                          size_t max_bytes);
/*
 * Trains a zstd dictionary of at most dict_size bytes (1 KiB..1 MiB) on the
 * records buffered at the first commit (on what the chunks compress: their
 * numeric transform, see docs/capture-format.md 3.4) and stores it in the
 * file; if zstd cannot train one from them the file is written without a
 * dictionary.
 * dict_size 0 turns training off (the default). Errors: LX_ERR_RANGE.
 */
LX_EXTERN int lx_capture_wopts_set_dict(struct lx_capture_wopts *o,
                                        size_t dict_size);
/* 0 drops the built-in redaction rules (tests only); 1 keeps them. */
LX_EXTERN int lx_capture_wopts_set_default_redaction(struct lx_capture_wopts *o,
                                                     int on);
/*
 * Redacts the value of every HTTP header named name (ASCII case ignored);
 * a trailing '*' makes it a prefix ("OK-ACCESS-*").
 */
LX_EXTERN int lx_capture_wopts_redact_header(struct lx_capture_wopts *o,
                                             const char *name);
/*
 * Redacts the value of the query or form parameter name (name=value in a
 * URL, a request-target or a form body) and of the JSON member name
 * (case-sensitive) in HTTP bodies and WebSocket frames. With learn set,
 * each value found (8 bytes or longer) is remembered by the writer and
 * redacted wherever it appears later (a listen key in a stream URL).
 */
LX_EXTERN int lx_capture_wopts_redact_field(struct lx_capture_wopts *o,
                                            const char *name, int learn);

/* ---- writer ---------------------------------------------------------------
 */

struct lx_capture_writer;

/*
 * Creates the capture file path (which must not exist: LX_ERR_EXISTS) and
 * writes its schema and meta. o NULL means the defaults; the options are
 * copied. ctx (NULL: libc allocator, default log) must outlive the writer.
 * Errors: LX_ERR_INVAL, LX_ERR_EXISTS, LX_ERR_FILE (cannot create; err
 * says why), LX_ERR_NOMEM. err may be NULL. *out is NULL on failure.
 */
LX_EXTERN int lx_capture_writer_open(struct lx_capture_writer **out,
                                     struct lx_ctx *ctx, const char *path,
                                     const struct lx_capture_wopts *o,
                                     struct lx_capture_error *err);

/*
 * Registers a secret: its exact bytes are replaced by LX_CAPTURE_REDACTED
 * wherever they appear in a record written after the call. Borrowed: the
 * secret must outlive the writer. Errors: LX_ERR_INVAL (NULL or empty),
 * LX_ERR_NOMEM.
 */
LX_EXTERN int lx_capture_writer_add_secret(struct lx_capture_writer *w,
                                           const struct lx_secret *s);

/*
 * Sets the venue recorded for streams that open after the call (default:
 * the file's venue, or ""). Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_capture_writer_set_venue(struct lx_capture_writer *w,
                                          const char *venue);

/*
 * Records one tap event. Streams are keyed by (side, conn_id); an event of
 * an unknown stream opens it. Events must come in the order they happened;
 * the writer numbers them (the global sequence, gseq) in call order.
 * Errors: LX_ERR_INVAL (bad event), LX_ERR_TOOBIG (a record over 256 MiB),
 * LX_ERR_NOMEM, LX_ERR_IO / LX_ERR_FILE (disk). A disk or memory error is
 * sticky: every later call returns it (lx_capture_writer_status).
 */
LX_EXTERN int lx_capture_writer_write(struct lx_capture_writer *w,
                                      const struct lx_tap_event *ev);

/*
 * lx_capture_writer_write as an lx_tap_fn: lx_net_set_tap(net,
 * lx_capture_tap, writer). Errors are kept in lx_capture_writer_status.
 */
LX_EXTERN void lx_capture_tap(void *ud, const struct lx_tap_event *ev);

/*
 * Adds an annotation (a client marker, e.g. tag "client_order_id" and the
 * id as text) to the stream (side, conn_id); conn_id 0 is the file-wide
 * annotation stream. Its seq is the seq of the stream's latest event (the
 * annotation follows it). Redacted like any record. Errors as for write.
 */
LX_EXTERN int lx_capture_writer_annotate(struct lx_capture_writer *w, int side,
                                         uint64_t conn_id, int64_t wall_ns,
                                         int64_t mono_ns, const char *tag,
                                         const void *text, size_t len);

struct lx_capture_record;

/*
 * Writes a record read from a capture (lx_capture_reader_next), for tools
 * that cut, merge or convert captures without rebuilding tap events. The
 * stream is (rec->side, rec->conn_id); a stream the writer has not seen
 * takes rec->venue (NULL: the writer's venue) and, from a CONN_OPEN, its
 * url and transport. Everything is kept but gseq and chunk_id, which the
 * writer assigns; records are redacted again (already redacted values stay
 * as they are). Errors as for lx_capture_writer_write.
 */
LX_EXTERN int
lx_capture_writer_write_record(struct lx_capture_writer *w,
                               const struct lx_capture_record *rec);

/*
 * Tells the writer the mono time now, so an idle recording still commits
 * on time (call it from a periodic timer). Errors as for write.
 */
LX_EXTERN int lx_capture_writer_tick(struct lx_capture_writer *w,
                                     int64_t mono_ns);

/* Closes every open chunk and commits now. Errors as for write. */
LX_EXTERN int lx_capture_writer_flush(struct lx_capture_writer *w);

/* LX_OK, or the sticky error that stopped the writer. */
LX_EXTERN int lx_capture_writer_status(const struct lx_capture_writer *w);

/* Running totals, for status lines. */
struct lx_capture_wstats {
    uint64_t records;      /* records accepted */
    uint64_t raw_bytes;    /* their encoded size before compression */
    uint64_t stored_bytes; /* compressed bytes of closed chunks */
    uint64_t chunks;       /* chunks closed */
    uint64_t commits;      /* transactions committed */
    uint64_t streams;      /* streams seen */
    uint64_t redactions;   /* values replaced by LX_CAPTURE_REDACTED */
};
LX_EXTERN void lx_capture_writer_stats(const struct lx_capture_writer *w,
                                       struct lx_capture_wstats *st);

/*
 * Finalizes and frees the writer: closes every chunk, writes the summary,
 * checkpoints the WAL and switches the file back to a rollback journal, so
 * the result is one self-contained file. Always frees w (NULL allowed:
 * LX_OK). Returns LX_OK or the first error (sticky or from finalizing);
 * then the uncommitted records are dropped, as in a crash, and everything
 * committed stays readable.
 */
LX_EXTERN int lx_capture_writer_close(struct lx_capture_writer *w);

/* ---- reader ---------------------------------------------------------------
 */

/* An HTTP header field of a record; name and value are NUL-terminated. */
struct lx_capture_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/*
 * One record. Strings are NUL-terminated (NULL when the kind has none);
 * everything is borrowed from the reader until the next call on it.
 */
struct lx_capture_record {
    int kind; /* enum lx_capture_kind */
    int dir;  /* enum lx_tap_dir */
    int side; /* enum lx_tap_side (from the stream) */
    int64_t stream_id;
    uint64_t conn_id; /* from the stream */
    uint64_t seq;     /* per-connection sequence from the tap */
    uint64_t gseq;    /* writer's global sequence: the merge order */
    int64_t wall_ns;
    int64_t mono_ns;
    int64_t chunk_id;
    const char *venue;     /* from the stream */
    const char *url;       /* CONN_OPEN */
    const char *transport; /* CONN_OPEN */
    const char *reason;    /* CONN_CLOSE; HTTP_RESPONSE reason phrase */
    const char *method;    /* HTTP_REQUEST */
    const char *target;    /* HTTP_REQUEST */
    int status;            /* HTTP_RESPONSE */
    int http_version;      /* HTTP_*: 11 for HTTP/1.1 */
    size_t nheaders;       /* HTTP_* */
    const struct lx_capture_header *headers;
    int ws_opcode;       /* WS_FRAME: enum lx_ws_opcode */
    const char *tag;     /* ANNOTATION */
    const uint8_t *data; /* HTTP body, WS payload, annotation text */
    size_t len;
};

/* A stream (one connection of one side). */
struct lx_capture_stream {
    int64_t id;
    int side;
    uint64_t conn_id;
    const char *venue;
    const char *url;          /* "" if the open was not seen */
    const char *transport;    /* "" if the open was not seen */
    const char *close_reason; /* NULL while open or if unseen */
    int64_t open_wall_ns;
    int64_t close_wall_ns; /* 0 if no close was recorded */
    uint64_t records;
    uint64_t chunks;
    uint64_t raw_bytes;
    uint64_t stored_bytes;
};

/* File-wide facts. */
struct lx_capture_info {
    int format_version;
    int finalized; /* 1 if closed cleanly (a summary exists) */
    int has_dict;
    const char *creator;
    const char *venue;
    int64_t created_wall_ns;
    uint64_t records;
    uint64_t chunks;
    uint64_t streams;
    int64_t first_wall_ns; /* smallest record wall time; 0 if no record */
    int64_t last_wall_ns;  /* largest */
    uint64_t raw_bytes;
    uint64_t stored_bytes;
    uint64_t file_bytes; /* the database file, WAL excluded */
};

struct lx_capture_reader;

/*
 * Opens path read-only and validates it (SQLite file, application_id,
 * version, schema). A file that was not closed cleanly opens too, with
 * everything committed before the crash. ctx as for the writer.
 * Errors: LX_ERR_INVAL; LX_ERR_FILE (missing or unreadable); LX_ERR_PARSE
 * (not a capture file); LX_ERR_VERSION (a newer format); LX_ERR_CORRUPT;
 * LX_ERR_NOMEM. err (may be NULL) says why. *out is NULL on failure.
 */
LX_EXTERN int lx_capture_open(struct lx_capture_reader **out,
                              struct lx_ctx *ctx, const char *path,
                              struct lx_capture_error *err);

/*
 * As lx_capture_open, over a copy of a whole file image in memory (for
 * fuzzing and for captures received over the network).
 */
LX_EXTERN int lx_capture_open_mem(struct lx_capture_reader **out,
                                  struct lx_ctx *ctx, const void *image,
                                  size_t len, struct lx_capture_error *err);

/* Frees the reader; NULL is allowed. */
LX_EXTERN void lx_capture_reader_free(struct lx_capture_reader *r);

/* File-wide facts; strings borrowed until the reader is freed. */
LX_EXTERN void lx_capture_reader_info(const struct lx_capture_reader *r,
                                      struct lx_capture_info *info);

/* A meta value ("creator", "label.x", ...) or NULL; borrowed. */
LX_EXTERN const char *lx_capture_reader_meta(const struct lx_capture_reader *r,
                                             const char *key);

/*
 * The meta entries ("creator", "venue", "label.x", ...): how many, and
 * the i-th key and value (borrowed until the reader is freed).
 * Errors: LX_ERR_RANGE, LX_ERR_INVAL.
 */
LX_EXTERN size_t
lx_capture_reader_meta_count(const struct lx_capture_reader *r);
LX_EXTERN int lx_capture_reader_meta_at(const struct lx_capture_reader *r,
                                        size_t i, const char **key,
                                        const char **value);

/* The number of streams, and the i-th (in id order). */
LX_EXTERN size_t
lx_capture_reader_stream_count(const struct lx_capture_reader *r);
/* Errors: LX_ERR_RANGE. Strings borrowed until the reader is freed. */
LX_EXTERN int lx_capture_reader_stream_at(const struct lx_capture_reader *r,
                                          size_t i,
                                          struct lx_capture_stream *out);

/*
 * Filters, each taking effect at the next lx_capture_reader_rewind (or
 * seek). Streams: lx_capture_reader_add_stream adds one to the set (empty
 * set = all streams); clear empties it. Kinds: a mask of
 * LX_CAPTURE_KIND_BIT (0 = all). Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_capture_reader_add_stream(struct lx_capture_reader *r,
                                           int64_t stream_id);
LX_EXTERN void lx_capture_reader_clear_streams(struct lx_capture_reader *r);
LX_EXTERN void lx_capture_reader_set_kinds(struct lx_capture_reader *r,
                                           unsigned mask);

/*
 * Restarts iteration over records with from_wall_ns <= wall_ns <
 * to_wall_ns (INT64_MIN / INT64_MAX for no bound), using the time index:
 * O(log n) in the number of chunks plus the chunks in range. A seek.
 * Errors: LX_ERR_INVAL (from > to), LX_ERR_CORRUPT, LX_ERR_NOMEM.
 */
LX_EXTERN int lx_capture_reader_seek(struct lx_capture_reader *r,
                                     int64_t from_wall_ns, int64_t to_wall_ns);

/* lx_capture_reader_seek over the whole time range. */
LX_EXTERN int lx_capture_reader_rewind(struct lx_capture_reader *r);

/*
 * The next record in global order: returns 1 and sets *rec, 0 at the end,
 * or a negative error. LX_ERR_CORRUPT names the bad chunk in
 * lx_capture_reader_error; that chunk is then skipped, so calling next
 * again continues with every intact chunk. Other errors: LX_ERR_NOMEM,
 * LX_ERR_IO. Iteration starts at the beginning after open.
 */
LX_EXTERN int lx_capture_reader_next(struct lx_capture_reader *r,
                                     const struct lx_capture_record **rec);

/*
 * Read-ahead: a worker thread reads and decompresses up to `chunks` chunks
 * (at most 64; 0 = off, the default) ahead of lx_capture_reader_next, on
 * another core, while the calling thread merges and decodes records (and
 * decompresses a queued chunk itself rather than wait). It changes
 * nothing the caller sees: the same records in the same order, the same
 * errors (code, chunk id, message) at the same points, the same skipping
 * of bad chunks; LX_ERR_NOMEM from the worker is returned where the chunk
 * would have been loaded, and the next call retries that chunk.
 *   - Any time, any file: open and open_mem readers alike (the worker uses
 *     the reader's SQLite connection while the calling thread does not).
 *     The worker starts at the next lx_capture_reader_next that needs a
 *     chunk; chunks already read ahead are still returned first after a
 *     change of depth or after turning it off.
 *   - seek, rewind and free stop the worker and drop the queue; verify
 *     stops it and keeps the queue (it restarts on the next call to next).
 *     Filters take effect at the next seek or rewind, as without it.
 *   - Memory: up to `chunks` chunks more, compressed and decompressed
 *     (each at most the writer's chunk size), and a second zstd context.
 *     The worker allocates with libc's allocator, not the context's
 *     struct lx_mem (which need not be thread-safe).
 *   - The reader is still used from one thread at a time; the worker is
 *     internal. Signals are blocked in the worker.
 * Errors: LX_ERR_INVAL (r NULL), LX_ERR_RANGE (chunks > 64),
 * LX_ERR_UNSUPPORTED (SQLite built without threads), LX_ERR_NOMEM. If the
 * thread cannot be created, the reader reads on the calling thread.
 */
LX_EXTERN int lx_capture_reader_set_readahead(struct lx_capture_reader *r,
                                              unsigned chunks);

/*
 * The second thread and decoder cost more than they save on small files
 * (a few chunks: about 10 ms and 600 page faults on a file of 4 MiB of
 * records); the tools turn read-ahead on from this many bytes of records
 * (lx_capture_info.raw_bytes: 16 chunks of 1 MiB, 4 of the default 4 MiB).
 */
#define LX_CAPTURE_READAHEAD_MIN_BYTES ((uint64_t)16 << 20)

/* The last error of the reader (code 0 when none). */
LX_EXTERN const struct lx_capture_error *
lx_capture_reader_error(const struct lx_capture_reader *r);

/*
 * Checks the whole file: SQLite's integrity check, then every chunk one
 * by one (zstd checksum, sizes, record count, every record, sequence and
 * time bounds against the chunk row). Returns LX_OK, or LX_ERR_CORRUPT
 * with *bad_chunks (may be NULL) the number of bad chunks and the reader's
 * error naming the first. Memory is bounded by one chunk.
 */
LX_EXTERN int lx_capture_reader_verify(struct lx_capture_reader *r,
                                       uint64_t *bad_chunks);

#endif
