/*
 * cmd_capture.c - `lotusx capture ACTION ...`: the dispatcher, and the
 * three actions that only look at a file. info prints the file's facts and
 * its streams, dump prints one line per record in recording order (bodies
 * and payloads shortened and escaped), verify checks every chunk and exits
 * 1 on damage. cat/export live in cmd_capture_cat.c, import in
 * cmd_capture_import.c, slice/merge in cmd_capture_edit.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "lotusx/lx_capture.h"
#include "cmd_capture_int.h"

static const char *const kind_names[] = {"?",    "open", "close", "request",
                                         "resp", "ws",   "note"};

static void usage(FILE *f)
{
    fprintf(f, "usage: lotusx capture info FILE\n"
               "       lotusx capture dump FILE [--limit N] [--full]\n"
               "       lotusx capture verify FILE\n"
               "       lotusx capture cat FILE [--stream ID] [--conn N] "
               "[--kind K] [--from T] [--to T]\n"
               "       lotusx capture export FILE [-o OUT]\n"
               "       lotusx capture import IN -o OUT --venue V --url U "
               "[--format F]\n"
               "       lotusx capture slice IN -o OUT [--from T] [--to T] "
               "[--stream ID]\n"
               "       lotusx capture merge A B... -o OUT\n"
               "\n"
               "Reads and converts capture files (*.lxcap). dump prints one "
               "line per\n"
               "record in recording order; bodies are cut at 120 bytes unless "
               "--full.\n"
               "`lotusx capture ACTION --help` describes each action.\n");
}

/* Prints len bytes with non-printable bytes as \xNN. */
static void print_escaped(const uint8_t *p, size_t len, size_t max)
{
    size_t i;

    for (i = 0; i < len && i < max; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
            putchar(p[i]);
        } else {
            printf("\\x%02x", p[i]);
        }
    }
    if (len > max) {
        printf("...(%zu bytes)", len);
    }
}

static void dump_record(const struct lx_capture_record *r, size_t max)
{
    printf("%llu %lld.%09lld %s%llu %-7s %s ", (unsigned long long)r->gseq,
           (long long)(r->wall_ns / 1000000000),
           (long long)(r->wall_ns % 1000000000), r->side ? "s" : "c",
           (unsigned long long)r->conn_id,
           kind_names[r->kind >= 1 && r->kind <= 6 ? r->kind : 0],
           r->dir ? "in " : "out");
    switch (r->kind) {
    case LX_CAPTURE_CONN_OPEN:
        printf("%s %s", r->transport, r->url);
        break;
    case LX_CAPTURE_CONN_CLOSE:
        printf("%s", r->reason != NULL ? r->reason : "");
        break;
    case LX_CAPTURE_HTTP_REQUEST:
        printf("%s %s ", r->method, r->target);
        print_escaped(r->data, r->len, max);
        break;
    case LX_CAPTURE_HTTP_RESPONSE:
        printf("%d ", r->status);
        print_escaped(r->data, r->len, max);
        break;
    case LX_CAPTURE_WS_FRAME:
        printf("op=%d ", r->ws_opcode);
        print_escaped(r->data, r->len, max);
        break;
    case LX_CAPTURE_ANNOTATION:
        printf("%s ", r->tag != NULL ? r->tag : "");
        print_escaped(r->data, r->len, max);
        break;
    default:
        break;
    }
    putchar('\n');
}

static int do_info(struct lx_capture_reader *rd)
{
    struct lx_capture_info in;
    struct lx_capture_stream st;
    size_t i;

    lx_capture_reader_info(rd, &in);
    printf("format      %d%s\n", in.format_version,
           in.finalized ? "" : " (not finalized: recording was cut off)");
    printf("creator     %s\nvenue       %s\n", in.creator, in.venue);
    for (i = 0; i < lx_capture_reader_meta_count(rd); i++) {
        const char *k, *v;
        if (lx_capture_reader_meta_at(rd, i, &k, &v) == LX_OK &&
            strncmp(k, "label.", 6) == 0) {
            printf("label       %s=%s\n", k + 6, v);
        }
    }
    printf("records     %llu in %llu chunks, %llu streams\n",
           (unsigned long long)in.records, (unsigned long long)in.chunks,
           (unsigned long long)in.streams);
    printf("bytes       %llu raw, %llu stored, %llu file\n",
           (unsigned long long)in.raw_bytes,
           (unsigned long long)in.stored_bytes,
           (unsigned long long)in.file_bytes);
    printf("time        %lld .. %lld (wall ns)\n", (long long)in.first_wall_ns,
           (long long)in.last_wall_ns);
    for (i = 0; i < lx_capture_reader_stream_count(rd); i++) {
        if (lx_capture_reader_stream_at(rd, i, &st) == LX_OK) {
            printf("stream %lld %s%llu %-4s %s records=%llu%s%s\n",
                   (long long)st.id, st.side ? "s" : "c",
                   (unsigned long long)st.conn_id, st.transport, st.url,
                   (unsigned long long)st.records,
                   st.close_reason != NULL ? " closed: " : "",
                   st.close_reason != NULL ? st.close_reason : "");
        }
    }
    return 0;
}

static int do_dump(struct lx_capture_reader *rd, int64_t limit, int full)
{
    const struct lx_capture_record *rec;
    int64_t n = 0;
    int rc, bad = 0;

    while (limit == 0 || n < limit) {
        rc = lx_capture_reader_next(rd, &rec);
        if (rc == 0) {
            break;
        }
        if (rc < 0) {
            fprintf(stderr, "lotusx capture: %s\n",
                    lx_capture_reader_error(rd)->msg);
            if (rc != LX_ERR_CORRUPT) {
                return 1;
            }
            bad = 1;
            continue;
        }
        dump_record(rec, full ? SIZE_MAX : 120);
        n++;
    }
    return bad;
}

static int do_verify(struct lx_capture_reader *rd, const char *path)
{
    uint64_t bad = 0;
    int rc = lx_capture_reader_verify(rd, &bad);

    if (rc == LX_OK) {
        printf("%s: ok\n", path);
        return 0;
    }
    fprintf(stderr, "%s: %llu bad chunk(s): %s\n", path,
            (unsigned long long)bad, lx_capture_reader_error(rd)->msg);
    return 1;
}

/* The actions with their own argument parsing. */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} actions[] = {
    {"cat", lxc_cmd_cat},       {"export", lxc_cmd_export},
    {"import", lxc_cmd_import}, {"slice", lxc_cmd_slice},
    {"merge", lxc_cmd_merge},
};

int lx_cli_capture(int argc, char **argv)
{
    struct lx_capture_reader *rd = NULL;
    struct lx_capture_error err;
    int64_t limit = 0;
    int full = 0, i, rc;
    const char *cmd, *path;

    if (argc >= 2 && lx_cli_is_help(argv[1])) {
        usage(stdout);
        return 0;
    }
    for (i = 0; argc >= 2 && i < (int)LX_ARRAY_LEN(actions); i++) {
        if (strcmp(argv[1], actions[i].name) == 0) {
            return actions[i].run(argc - 1, argv + 1);
        }
    }
    if (argc >= 2 && strcmp(argv[1], "info") != 0 &&
        strcmp(argv[1], "dump") != 0 && strcmp(argv[1], "verify") != 0) {
        fprintf(stderr, "lotusx capture: unknown action '%s'\n\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (argc >= 3 && lx_cli_is_help(argv[2])) {
        usage(stdout);
        return 0;
    }
    if (argc < 3) {
        usage(stderr);
        return 2;
    }
    cmd = argv[1];
    path = argv[2];
    for (i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--full") == 0) {
            full = 1;
        } else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc &&
                   lx__parse_i64(argv[i + 1], strlen(argv[i + 1]), &limit) ==
                       LX_OK &&
                   limit > 0) {
            i++;
        } else {
            fprintf(stderr, "lotusx capture: unexpected argument '%s'\n\n",
                    argv[i]);
            usage(stderr);
            return 2;
        }
    }
    memset(&err, 0, sizeof(err));
    rc = lx_capture_open(&rd, NULL, path, &err);
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx capture: %s: %s%s%s\n", path, lx_strerror(rc),
                err.msg[0] != '\0' ? ": " : "", err.msg);
        return 1;
    }
    if (strcmp(cmd, "info") == 0) {
        rc = do_info(rd);
    } else if (strcmp(cmd, "dump") == 0) {
        rc = do_dump(rd, limit, full);
    } else {
        rc = do_verify(rd, path);
    }
    lx_capture_reader_free(rd);
    return rc;
}
