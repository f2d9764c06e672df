/*
 * cmd_capture_cat.c - `lotusx capture cat` (every selected record as one
 * NDJSON object per line, exact bytes) and `lotusx capture export`
 * (tardis-style text: "<ISO 8601 receive time, µs> <frame payload>" per
 * inbound WebSocket text frame). Both read in the capture's global order.
 *
 * Neither changes the capture; neither parses the payloads.
 */
#include <string.h>

#include "cli/cli.h"
#include "lotusx/lx_ws.h"
#include "cmd_capture_int.h"

static void cat_usage(FILE *f)
{
    fprintf(f,
            "usage: lotusx capture cat FILE [--stream ID]... [--conn N]... "
            "[--kind K]\n"
            "                          [--from T] [--to T] [--base64]\n"
            "\n"
            "Prints the records of FILE as NDJSON, one object per line, in "
            "recording\n"
            "order. Payloads (HTTP bodies, WebSocket payloads, annotation "
            "text) are in\n"
            "\"payload\" as a JSON string with the exact bytes when they are "
            "UTF-8 text,\n"
            "else (binary frames, invalid UTF-8, or --base64) in "
            "\"payload_b64\".\n"
            "  --stream ID   only this stream (see `capture info`); "
            "repeatable\n"
            "  --conn N      only the streams of connection id N; "
            "repeatable\n"
            "  --kind K      comma list: open,close,request,response,ws,note\n"
            "  --from T      records with wall time >= T; --to T: < T\n"
            "T is nanoseconds since the epoch or RFC 3339 "
            "(2024-08-08T23:54:13.5Z).\n");
}

static void export_usage(FILE *f)
{
    fprintf(f,
            "usage: lotusx capture export FILE [-o OUT] [--stream ID]... "
            "[--conn N]...\n"
            "                             [--from T] [--to T] [--all-sides]\n"
            "\n"
            "Writes the inbound WebSocket text frames of FILE in tardis "
            "style, one\n"
            "line per frame: the frame's wall receive time in ISO 8601 UTC "
            "with\n"
            "microseconds, one space, the exact payload bytes, '\\n'. Only "
            "client-side\n"
            "streams (a recording's own connections) unless --all-sides. "
            "Binary and\n"
            "control frames are skipped; a text frame holding a newline "
            "cannot be a\n"
            "line: it is skipped with a warning and the exit status is 1. "
            "OUT must\n"
            "not exist (default: standard output).\n");
}

static void json_i64(FILE *f, const char *key, int64_t v)
{
    fprintf(f, ",\"%s\":%lld", key, (long long)v);
}

static void json_key_str(FILE *f, const char *key, const char *s)
{
    fprintf(f, ",\"%s\":", key);
    lxc_json_str(f, (const uint8_t *)s, strlen(s));
}

static void cat_headers(FILE *f, const struct lx_capture_record *r)
{
    size_t i;

    fputs(",\"headers\":[", f);
    for (i = 0; i < r->nheaders; i++) {
        const struct lx_capture_header *h = &r->headers[i];
        fputs(i == 0 ? "[" : ",[", f);
        lxc_json_str(f, (const uint8_t *)h->name, h->name_len);
        putc(',', f);
        lxc_json_str(f, (const uint8_t *)h->value, h->value_len);
        putc(']', f);
    }
    putc(']', f);
}

/* The fields that only some kinds have. */
static void cat_kind_fields(FILE *f, const struct lx_capture_record *r)
{
    switch (r->kind) {
    case LX_CAPTURE_CONN_OPEN:
        json_key_str(f, "url", r->url != NULL ? r->url : "");
        json_key_str(f, "transport", r->transport != NULL ? r->transport : "");
        break;
    case LX_CAPTURE_CONN_CLOSE:
        json_key_str(f, "reason", r->reason != NULL ? r->reason : "");
        break;
    case LX_CAPTURE_HTTP_REQUEST:
        json_key_str(f, "method", r->method != NULL ? r->method : "");
        json_key_str(f, "target", r->target != NULL ? r->target : "");
        json_i64(f, "http_version", r->http_version);
        cat_headers(f, r);
        break;
    case LX_CAPTURE_HTTP_RESPONSE:
        json_i64(f, "status", r->status);
        json_key_str(f, "reason", r->reason != NULL ? r->reason : "");
        json_i64(f, "http_version", r->http_version);
        cat_headers(f, r);
        break;
    case LX_CAPTURE_WS_FRAME:
        json_i64(f, "opcode", r->ws_opcode);
        break;
    case LX_CAPTURE_ANNOTATION:
        json_key_str(f, "tag", r->tag != NULL ? r->tag : "");
        break;
    default:
        break;
    }
}

static void cat_record(FILE *f, const struct lx_capture_record *r, int b64)
{
    int binary = r->kind == LX_CAPTURE_WS_FRAME && r->ws_opcode != LX_WS_TEXT &&
                 r->ws_opcode != LX_WS_CONT;

    fprintf(f, "{\"gseq\":%llu", (unsigned long long)r->gseq);
    json_i64(f, "wall_ns", r->wall_ns);
    json_i64(f, "mono_ns", r->mono_ns);
    json_i64(f, "stream", r->stream_id);
    fprintf(f, ",\"side\":\"%s\",\"conn\":%llu,\"seq\":%llu",
            r->side ? "server" : "client", (unsigned long long)r->conn_id,
            (unsigned long long)r->seq);
    fprintf(f, ",\"kind\":\"%s\",\"dir\":\"%s\"", lxc_kind_name(r->kind),
            r->dir ? "in" : "out");
    if (r->venue != NULL && r->venue[0] != '\0') {
        json_key_str(f, "venue", r->venue);
    }
    cat_kind_fields(f, r);
    if (r->kind >= LX_CAPTURE_HTTP_REQUEST) {
        if (b64 || binary || !lxc_utf8_valid(r->data, r->len)) {
            fputs(",\"payload_b64\":", f);
            lxc_json_b64(f, r->data, r->len);
        } else {
            fputs(",\"payload\":", f);
            lxc_json_str(f, r->data, r->len);
        }
    }
    fputs("}\n", f);
}

/* Parses FILE and the options common to cat and export. */
struct cat_args {
    const char *path, *out;
    struct lxc_select sel;
    int b64, all_sides;
};

static int cat_parse(const char *cmd, int argc, char **argv, struct cat_args *a,
                     int is_export)
{
    int i, rc;

    memset(a, 0, sizeof(*a));
    lxc_select_init(&a->sel);
    for (i = 1; i < argc; i++) {
        rc = lxc_select_arg(&a->sel, cmd, argc, argv, &i);
        if (rc < 0) {
            return -1;
        }
        if (rc > 0) {
            continue;
        }
        if (!is_export && strcmp(argv[i], "--base64") == 0) {
            a->b64 = 1;
        } else if (is_export && strcmp(argv[i], "--all-sides") == 0) {
            a->all_sides = 1;
        } else if (is_export && strcmp(argv[i], "-o") == 0) {
            if ((a->out = lxc_optval(cmd, argc, argv, &i)) == NULL) {
                return -1;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "lotusx capture %s: unknown option '%s'\n", cmd,
                    argv[i]);
            return -1;
        } else if (a->path == NULL) {
            a->path = argv[i];
        } else {
            fprintf(stderr, "lotusx capture %s: unexpected argument '%s'\n",
                    cmd, argv[i]);
            return -1;
        }
    }
    if (a->path == NULL) {
        fprintf(stderr, "lotusx capture %s: no FILE given\n", cmd);
        return -1;
    }
    return 0;
}

/* Opens the reader with the selection applied. */
static struct lx_capture_reader *cat_open(const char *cmd,
                                          const struct cat_args *a)
{
    struct lx_capture_reader *rd = lxc_open_reader(cmd, a->path);

    /* Decompress on another core while this one formats (same output),
     * unless the file is small. */
    if (rd != NULL) {
        struct lx_capture_info ci;

        lx_capture_reader_info(rd, &ci);
        if (ci.raw_bytes >= LX_CAPTURE_READAHEAD_MIN_BYTES) {
            (void)lx_capture_reader_set_readahead(rd, 4);
        }
    }
    if (rd != NULL && lxc_select_apply(&a->sel, rd, cmd, a->path) != 0) {
        lx_capture_reader_free(rd);
        return NULL;
    }
    return rd;
}

static int finish_output(const char *cmd, FILE *f, const char *name)
{
    if (fflush(f) != 0 || ferror(f)) {
        fprintf(stderr, "lotusx capture %s: %s: write error\n", cmd, name);
        return LXC_EXIT_FAIL;
    }
    return LXC_EXIT_OK;
}

int lxc_cmd_cat(int argc, char **argv)
{
    const struct lx_capture_record *rec;
    struct lx_capture_reader *rd;
    struct cat_args a;
    int rc, bad = 0;

    if (argc >= 2 && lx_cli_is_help(argv[1])) {
        cat_usage(stdout);
        return LXC_EXIT_OK;
    }
    if (cat_parse("cat", argc, argv, &a, 0) != 0) {
        cat_usage(stderr);
        return LXC_EXIT_USAGE;
    }
    if ((rd = cat_open("cat", &a)) == NULL) {
        return LXC_EXIT_FAIL;
    }
    while ((rc = lxc_next("cat", rd, &rec, &bad)) > 0) {
        cat_record(stdout, rec, a.b64);
    }
    lx_capture_reader_free(rd);
    if (finish_output("cat", stdout, "standard output") != LXC_EXIT_OK) {
        return LXC_EXIT_FAIL;
    }
    return rc < 0 || bad ? LXC_EXIT_FAIL : LXC_EXIT_OK;
}

/* 1 if the record is an exported line (see export_usage). */
static int export_wanted(const struct lx_capture_record *r, int all_sides)
{
    return r->kind == LX_CAPTURE_WS_FRAME && r->dir == LX_TAP_IN &&
           r->ws_opcode == LX_WS_TEXT &&
           (all_sides || r->side == LX_TAP_CLIENT);
}

static int export_run(struct lx_capture_reader *rd, FILE *f, int all_sides,
                      uint64_t *skipped, int *bad)
{
    const struct lx_capture_record *rec;
    char ts[48];
    int rc;

    while ((rc = lxc_next("export", rd, &rec, bad)) > 0) {
        if (!export_wanted(rec, all_sides)) {
            continue;
        }
        if (memchr(rec->data, '\n', rec->len) != NULL) {
            (*skipped)++;
            continue;
        }
        lxc_format_iso_us(rec->wall_ns, ts, sizeof(ts));
        fputs(ts, f);
        putc(' ', f);
        fwrite(rec->data, 1, rec->len, f);
        putc('\n', f);
    }
    return rc;
}

int lxc_cmd_export(int argc, char **argv)
{
    struct lx_capture_reader *rd;
    struct cat_args a;
    uint64_t skipped = 0;
    FILE *f = stdout;
    int rc, bad = 0, ec;

    if (argc >= 2 && lx_cli_is_help(argv[1])) {
        export_usage(stdout);
        return LXC_EXIT_OK;
    }
    if (cat_parse("export", argc, argv, &a, 1) != 0) {
        export_usage(stderr);
        return LXC_EXIT_USAGE;
    }
    if ((rd = cat_open("export", &a)) == NULL) {
        return LXC_EXIT_FAIL;
    }
    /* "x": never replace an existing file (C11 exclusive mode). */
    if (a.out != NULL && (f = fopen(a.out, "wx")) == NULL) {
        fprintf(stderr, "lotusx capture export: %s: cannot create (exists?)\n",
                a.out);
        lx_capture_reader_free(rd);
        return LXC_EXIT_FAIL;
    }
    rc = export_run(rd, f, a.all_sides, &skipped, &bad);
    lx_capture_reader_free(rd);
    ec = finish_output("export", f, a.out != NULL ? a.out : "standard output");
    if (f != stdout && fclose(f) != 0) {
        ec = LXC_EXIT_FAIL;
    }
    if (skipped > 0) {
        fprintf(stderr,
                "lotusx capture export: %llu text frame(s) hold a newline "
                "and were skipped\n",
                (unsigned long long)skipped);
    }
    return rc < 0 || bad || skipped > 0 ? LXC_EXIT_FAIL : ec;
}
