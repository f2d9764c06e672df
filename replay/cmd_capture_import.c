/*
 * cmd_capture_import.c - `lotusx capture import`: turns a line-per-message
 * recording into a capture file. The input becomes one client WebSocket
 * connection (conn id 1) of the given venue and URL: a connection-open
 * record, one inbound text frame per non-empty line, a connection-close
 * record. Formats:
 *   tardis  "<time> <payload>": time is RFC 3339 (tardis.dev raw files)
 *           or integer nanoseconds since the epoch (hftbacktest collector)
 *   lines   "<payload>": time from the integer JSON member --time-field
 *           (unit --time-unit), else a synthetic --step from --start
 * cryptofeed's NDJSON recordings are imported by cmd_capture_cryptofeed.c.
 *
 * It writes through the public writer API (lx_capture_writer_write_record)
 * and never changes payload bytes (redaction aside); a failed import
 * removes its half-written output.
 */
#include <string.h>

#include "cli/cli.h"
#include "lotusx/lx_ws.h"
#include "cmd_capture_int.h"

#define IMPORT_MAX_LINE ((size_t)64 << 20)
#define MS              ((int64_t)1000000)

enum import_fmt { FMT_TARDIS, FMT_LINES, FMT_CRYPTOFEED };

struct import_args {
    const char *in, *out, *venue, *url, *time_field;
    enum import_fmt fmt;
    int64_t unit_ns, start_ns, step_ns;
    const char *lines_opt; /* the last lines-only option given */
};

/* A growing line buffer over a FILE (getline is not ours to free). */
struct line_rd {
    FILE *f;
    char *buf;
    size_t cap, len;
    uint64_t lineno;
};

static void import_usage(FILE *f)
{
    fprintf(f,
            "usage: lotusx capture import IN -o OUT.lxcap --venue V --url U\n"
            "           [--format tardis|lines|cryptofeed] [--time-field F]\n"
            "           [--time-unit s|ms|us|ns] [--start T] [--step NS]\n"
            "\n"
            "Imports a line-per-message recording as one WebSocket "
            "connection to U\n"
            "(inbound text frames, one per non-empty line; the bytes after "
            "the time\n"
            "prefix and before '\\n' are the payload, exactly).\n"
            "  tardis      (default) \"<time> <payload>\"; time is RFC 3339 "
            "or integer\n"
            "              ns since the epoch (hftbacktest collector files)\n"
            "  lines       \"<payload>\"; time from the integer JSON member "
            "F (first\n"
            "              at any depth; unit --time-unit, default ms; a "
            "line without\n"
            "              it keeps the previous time), or without "
            "--time-field\n"
            "              --start T (default 0) plus --step NS per line "
            "(default 1 ms)\n"
            "  cryptofeed  cryptofeed NDJSON (header/http/connect/send/recv "
            "rows):\n"
            "              every connection and REST body, in ts order "
            "(--url unused)\n"
            "OUT must not exist; it is removed again if the import fails.\n");
}

/* Reads the next line without its '\n'; 1, 0 at EOF, -1 if too long. */
static int line_next(struct line_rd *lr)
{
    int c;

    lr->len = 0;
    while ((c = getc(lr->f)) != EOF && c != '\n') {
        if (lr->len + 1 >= lr->cap) {
            size_t ncap = lr->cap == 0 ? 4096 : lr->cap * 2;
            char *nb;
            if (ncap > IMPORT_MAX_LINE ||
                (nb = lx__realloc(NULL, lr->buf, ncap)) == NULL) {
                return -1;
            }
            lr->buf = nb;
            lr->cap = ncap;
        }
        lr->buf[lr->len++] = (char)c;
    }
    if (c == EOF && lr->len == 0) {
        return 0;
    }
    lr->lineno++;
    if (lr->buf != NULL) {
        lr->buf[lr->len] = '\0';
    }
    return 1;
}

/* Parses the value of an option that takes a time or an integer. */
static int import_opt(struct import_args *a, int argc, char **argv, int *i)
{
    const char *o = argv[*i], *v = lxc_optval("import", argc, argv, i);
    int rc = LX_OK;

    if (v == NULL) {
        return -1;
    }
    if (strncmp(o, "--time-", 7) == 0 || strcmp(o, "--start") == 0 ||
        strcmp(o, "--step") == 0) {
        a->lines_opt = o;
    }
    if (strcmp(o, "-o") == 0) {
        a->out = v;
    } else if (strcmp(o, "--venue") == 0) {
        a->venue = v;
    } else if (strcmp(o, "--url") == 0) {
        a->url = v;
    } else if (strcmp(o, "--time-field") == 0) {
        a->time_field = v;
    } else if (strcmp(o, "--format") == 0) {
        if (strcmp(v, "tardis") == 0) {
            a->fmt = FMT_TARDIS;
        } else if (strcmp(v, "lines") == 0) {
            a->fmt = FMT_LINES;
        } else if (strcmp(v, "cryptofeed") == 0) {
            a->fmt = FMT_CRYPTOFEED;
        } else {
            rc = LX_ERR_PARSE;
        }
    } else if (strcmp(o, "--time-unit") == 0) {
        a->unit_ns = strcmp(v, "s") == 0    ? 1000 * MS
                     : strcmp(v, "ms") == 0 ? MS
                     : strcmp(v, "us") == 0 ? 1000
                     : strcmp(v, "ns") == 0 ? 1
                                            : 0;
        rc = a->unit_ns == 0 ? LX_ERR_PARSE : LX_OK;
    } else if (strcmp(o, "--start") == 0) {
        rc = lxc_parse_time(v, &a->start_ns);
    } else {
        rc = lx__parse_i64(v, strlen(v), &a->step_ns);
        rc = rc == LX_OK && a->step_ns < 0 ? LX_ERR_RANGE : rc;
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture import: bad %s '%s'\n", o, v);
        return -1;
    }
    return 0;
}

static int import_parse(int argc, char **argv, struct import_args *a)
{
    static const char *const valued[] = {
        "-o",           "--venue",     "--url",   "--format",
        "--time-field", "--time-unit", "--start", "--step"};
    int i;
    size_t k;

    memset(a, 0, sizeof(*a));
    a->unit_ns = MS;
    a->step_ns = MS;
    for (i = 1; i < argc; i++) {
        for (k = 0; k < LX_ARRAY_LEN(valued); k++) {
            if (strcmp(argv[i], valued[k]) == 0) {
                break;
            }
        }
        if (k < LX_ARRAY_LEN(valued)) {
            if (import_opt(a, argc, argv, &i) != 0) {
                return -1;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lotusx capture import: unknown option '%s'\n",
                    argv[i]);
            return -1;
        } else if (a->in == NULL) {
            a->in = argv[i];
        } else {
            fprintf(stderr, "lotusx capture import: unexpected argument '%s'\n",
                    argv[i]);
            return -1;
        }
    }
    if (a->in == NULL || a->out == NULL || a->venue == NULL ||
        (a->url == NULL && a->fmt != FMT_CRYPTOFEED)) {
        fprintf(stderr, "lotusx capture import: IN, -o, --venue and --url "
                        "are required\n");
        return -1;
    }
    if (a->lines_opt != NULL && a->fmt != FMT_LINES) {
        fprintf(stderr,
                "lotusx capture import: %s applies to --format lines "
                "only\n",
                a->lines_opt);
        return -1;
    }
    return 0;
}

/*
 * Finds the integer value of the first JSON member named field, at any
 * depth, by text: '"field"' not preceded by a backslash (which would put
 * it inside a string), optional spaces, ':', optional spaces, an integer.
 */
static int find_int_field(const char *s, size_t n, const char *field,
                          int64_t *out)
{
    size_t fl = strlen(field), i, j, k;

    for (i = 0; i + fl + 2 < n; i++) {
        if (s[i] != '"' || (i > 0 && s[i - 1] == '\\') ||
            memcmp(s + i + 1, field, fl) != 0 || s[i + 1 + fl] != '"') {
            continue;
        }
        j = i + fl + 2;
        while (j < n && (s[j] == ' ' || s[j] == '\t')) {
            j++;
        }
        if (j >= n || s[j] != ':') {
            continue;
        }
        j++;
        while (j < n && (s[j] == ' ' || s[j] == '\t')) {
            j++;
        }
        k = j + (j < n && s[j] == '-');
        while (k < n && s[k] >= '0' && s[k] <= '9') {
            k++;
        }
        if (k > j && lx__parse_i64(s + j, k - j, out) == LX_OK) {
            return 0;
        }
    }
    return -1;
}

/* The time and payload of a tardis line. */
static int tardis_split(const char *s, size_t n, int64_t *ns, size_t *off)
{
    const char *sp = memchr(s, ' ', n);
    size_t used = 0;

    if (sp == NULL) {
        return -1;
    }
    if (s[0] >= '0' && s[0] <= '9' &&
        strspn(s, "0123456789") == (size_t)(sp - s)) {
        if (lx__parse_i64(s, (size_t)(sp - s), ns) != LX_OK) {
            return -1;
        }
    } else if (lxc_parse_rfc3339(s, (size_t)(sp - s), ns, &used) != LX_OK ||
               used != (size_t)(sp - s)) {
        return -1;
    }
    *off = (size_t)(sp - s) + 1;
    return 0;
}

struct import_state {
    const struct import_args *a;
    struct lx_capture_writer *w;
    uint64_t seq, frames;
    int64_t t, last_t;
    int opened;
};

/* Writes one record of connection 1 at time t. */
static int put(struct import_state *st, int kind, int dir, const void *data,
               size_t len, const char *text)
{
    struct lx_capture_record r;
    int rc;

    memset(&r, 0, sizeof(r));
    r.kind = kind;
    r.dir = dir;
    r.side = LX_TAP_CLIENT;
    r.conn_id = 1;
    r.seq = st->seq++;
    r.wall_ns = st->t;
    r.mono_ns = st->t;
    r.venue = st->a->venue;
    r.ws_opcode = LX_WS_TEXT;
    r.data = data;
    r.len = len;
    if (kind == LX_CAPTURE_CONN_OPEN) {
        r.url = text;
        r.transport = strncmp(text, "wss:", 4) == 0 ? "tls" : "tcp";
    } else if (kind == LX_CAPTURE_CONN_CLOSE) {
        r.reason = text;
    }
    rc = lx_capture_writer_write_record(st->w, &r);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture import: %s: cannot write: %s\n",
                st->a->out, lx_strerror(rc));
    }
    return rc;
}

/* The time and payload of one line, per format. */
static int line_time(struct import_state *st, const struct line_rd *lr,
                     size_t *off)
{
    const struct import_args *a = st->a;
    int64_t v;

    *off = 0;
    if (a->fmt == FMT_TARDIS) {
        return tardis_split(lr->buf, lr->len, &st->t, off);
    }
    if (a->time_field == NULL) {
        st->t = a->start_ns + (int64_t)st->frames * a->step_ns;
    } else if (find_int_field(lr->buf, lr->len, a->time_field, &v) == 0) {
        if (v > INT64_MAX / a->unit_ns || v < INT64_MIN / a->unit_ns) {
            return -1;
        }
        st->t = v * a->unit_ns;
    } else {
        st->t = st->opened ? st->last_t : a->start_ns;
    }
    return 0;
}

static int import_lines(struct import_state *st, struct line_rd *lr)
{
    size_t off;
    int rc;

    while ((rc = line_next(lr)) > 0) {
        if (lr->len == 0) {
            continue;
        }
        if (line_time(st, lr, &off) != 0) {
            fprintf(stderr, "lotusx capture import: %s:%llu: bad time %s\n",
                    st->a->in, (unsigned long long)lr->lineno,
                    st->a->fmt == FMT_TARDIS ? "prefix" : "field");
            return -1;
        }
        if (!st->opened &&
            put(st, LX_CAPTURE_CONN_OPEN, LX_TAP_OUT, NULL, 0, st->a->url)) {
            return -1;
        }
        st->opened = 1;
        if (put(st, LX_CAPTURE_WS_FRAME, LX_TAP_IN, lr->buf + off,
                lr->len - off, NULL) != LX_OK) {
            return -1;
        }
        st->frames++;
        st->last_t = st->t;
    }
    if (rc < 0) {
        fprintf(stderr, "lotusx capture import: %s:%llu: line too long\n",
                st->a->in, (unsigned long long)lr->lineno + 1);
        return -1;
    }
    if (!st->opened) {
        fprintf(stderr, "lotusx capture import: %s: no lines to import\n",
                st->a->in);
        return -1;
    }
    st->t = st->last_t;
    return put(st, LX_CAPTURE_CONN_CLOSE, LX_TAP_OUT, NULL, 0, "end of import")
               ? -1
               : 0;
}

int lxc_cmd_import(int argc, char **argv)
{
    struct import_args a;
    struct import_state st;
    struct line_rd lr;
    int rc, ec;

    if (argc >= 2 && lx_cli_is_help(argv[1])) {
        import_usage(stdout);
        return LXC_EXIT_OK;
    }
    if (import_parse(argc, argv, &a) != 0) {
        import_usage(stderr);
        return LXC_EXIT_USAGE;
    }
    memset(&lr, 0, sizeof(lr));
    if ((lr.f = fopen(a.in, "rb")) == NULL) {
        fprintf(stderr, "lotusx capture import: %s: cannot open\n", a.in);
        return LXC_EXIT_FAIL;
    }
    memset(&st, 0, sizeof(st));
    st.a = &a;
    st.w =
        lxc_open_writer("import", a.out, a.venue, "lotusx capture import", 0);
    if (st.w == NULL) {
        fclose(lr.f);
        return LXC_EXIT_FAIL;
    }
    if (a.fmt == FMT_CRYPTOFEED) {
        rc = lxc_import_cryptofeed(st.w, lr.f, a.in, a.venue);
    } else {
        rc = import_lines(&st, &lr);
    }
    fclose(lr.f);
    lx__free(NULL, lr.buf);
    ec = lxc_close_writer("import", a.out, st.w);
    if (rc != 0 || ec != LXC_EXIT_OK) {
        lxc_discard(a.out);
        return LXC_EXIT_FAIL;
    }
    return LXC_EXIT_OK;
}
