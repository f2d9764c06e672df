/*
 * cmd_capture_int.h - helpers shared by the `lotusx capture` subcommands
 * (replay/cmd_capture*.c): time parsing and formatting, JSON and base64
 * output, record selection, and opening readers and writers with a clear
 * message on failure. Nothing here is public API; the pure helpers (time,
 * escaping) are also linked into tests/unit/test_capture.
 */
#ifndef LOTUSX_CMD_CAPTURE_INT_H
#define LOTUSX_CMD_CAPTURE_INT_H

#include <stdio.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"

/* Exit codes of every subcommand (as lotusx.c documents). */
#define LXC_EXIT_OK    0
#define LXC_EXIT_FAIL  1
#define LXC_EXIT_USAGE 2

/*
 * Parses a time: a decimal integer of nanoseconds since the Unix epoch, or
 * RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('T' may be
 * 't' or ' '; up to 9 fraction digits). Returns LX_OK, LX_ERR_PARSE, or
 * LX_ERR_RANGE (outside what int64 nanoseconds can hold).
 */
int lxc_parse_time(const char *s, int64_t *ns);

/*
 * Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" at the start of s (n bytes), as
 * lxc_parse_time, and reports how many bytes it took in *used.
 */
int lxc_parse_rfc3339(const char *s, size_t n, int64_t *ns, size_t *used);

/* Formats ns as "2024-08-08T23:54:13.123456Z" (UTC, microseconds,
 * truncated toward the past). buf holds at least 40 bytes. */
void lxc_format_iso_us(int64_t ns, char *buf, size_t cap);

/* 1 if p[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points over U+10FFFF), else 0. */
int lxc_utf8_valid(const uint8_t *p, size_t n);

/*
 * Writes p[0..n) as a JSON string with its quotes. Valid UTF-8 round-trips
 * exactly through a JSON decoder; bytes of an invalid sequence are written
 * as \u00XX (their Latin-1 reading), which does not round-trip: callers
 * that need exact bytes check lxc_utf8_valid first and use base64.
 */
void lxc_json_str(FILE *f, const uint8_t *p, size_t n);

/* Writes the base64 (RFC 4648, padded) of p[0..n), with quotes. */
void lxc_json_b64(FILE *f, const uint8_t *p, size_t n);

/* Record kind names ("open", "close", "request", "response", "ws",
 * "note") and back. lxc_parse_kinds takes a comma list of names or
 * numbers and returns a mask of LX_CAPTURE_KIND_BIT, 0 on error. */
const char *lxc_kind_name(int kind);
unsigned lxc_parse_kinds(const char *s);

/* Which records a subcommand reads. */
#define LXC_MAX_SEL 64
struct lxc_select {
    int64_t from, to; /* wall ns, [from, to) */
    int64_t streams[LXC_MAX_SEL];
    size_t nstreams;
    uint64_t conns[LXC_MAX_SEL];
    size_t nconns;
    unsigned kinds; /* 0: all */
};

void lxc_select_init(struct lxc_select *s);

/*
 * Parses one selection option at argv[*i] (--from, --to, --stream, --conn,
 * --kind, each followed by its value). Returns 1 if taken (and advances
 * *i), 0 if argv[*i] is not a selection option, -1 after printing an error
 * about a bad or missing value.
 */
int lxc_select_arg(struct lxc_select *s, const char *cmd, int argc, char **argv,
                   int *i);

/*
 * Applies s to the reader (streams, conns mapped to their streams, kinds,
 * time range). Prints an error and returns -1 if a --stream or --conn
 * names no stream of the file.
 */
int lxc_select_apply(const struct lxc_select *s, struct lx_capture_reader *rd,
                     const char *cmd, const char *path);

/* Opens a capture for reading; prints "lotusx capture CMD: PATH: why" and
 * returns NULL on failure. */
struct lx_capture_reader *lxc_open_reader(const char *cmd, const char *path);

/*
 * Creates a capture for writing, tuned for batch tools (no periodic
 * commit), with venue and creator set (NULL: none). Prints an error and
 * returns NULL on failure (the file exists, cannot be created).
 */
struct lx_capture_writer *lxc_open_writer(const char *cmd, const char *path,
                                          const char *venue,
                                          const char *creator,
                                          int64_t created_ns);
/*
 * As lxc_open_writer, copying the meta labels ("label.*") of the nsrc
 * readers; for a label several have, the first reader's value wins.
 */
struct lx_capture_writer *
lxc_open_writer_labels(const char *cmd, const char *path, const char *venue,
                       const char *creator, int64_t created_ns,
                       struct lx_capture_reader *const *src, size_t nsrc);

/* Removes a half-written output capture (and its -wal, -shm), so a
 * failed tool leaves nothing that looks like a result. */
void lxc_discard(const char *path);

/* Closes w and reports an error the same way; returns an exit code. */
int lxc_close_writer(const char *cmd, const char *path,
                     struct lx_capture_writer *w);

/*
 * The next record, printing a corrupt chunk (which the reader then skips)
 * and remembering it in *bad. Returns 1, 0 at the end, -1 on a fatal
 * error (printed).
 */
int lxc_next(const char *cmd, struct lx_capture_reader *rd,
             const struct lx_capture_record **rec, int *bad);

/* The option value after argv[*i], or NULL after printing "CMD: OPT needs
 * a value". Advances *i. */
const char *lxc_optval(const char *cmd, int argc, char **argv, int *i);

/*
 * Imports a cryptofeed NDJSON recording from f into w (venue for every
 * connection); prints "lotusx capture import: PATH:LINE: why" and returns
 * -1 on bad input or a write error, 0 on success.
 */
int lxc_import_cryptofeed(struct lx_capture_writer *w, FILE *f,
                          const char *path, const char *venue);

/* Subcommands (argv[0] is the action name). */
int lxc_cmd_cat(int argc, char **argv);
int lxc_cmd_export(int argc, char **argv);
int lxc_cmd_import(int argc, char **argv);
int lxc_cmd_slice(int argc, char **argv);
int lxc_cmd_merge(int argc, char **argv);

#endif
