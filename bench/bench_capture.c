/*
 * bench_capture.c - capture-file write and read throughput and size, on
 * real Binance WebSocket frames (the hftbacktest recordings in
 * ../shared/samples: depth diffs, trades and a REST depth snapshot),
 * against references measured in the same run:
 *   - the zstd library compressing and decompressing the same payload
 *     bytes in one shot at the same level;
 *   - the same messages as NDJSON ("<local ns> <frame>" per line, the
 *     tardis-style layout) through `gzip -6` and `zstd -19 --long`, when
 *     those tools are installed.
 * Throughput runs cycle the material (timestamps shifted per cycle) up to
 * LX_BENCH_MSGS messages (default 1000000); size comparisons use one pass
 * over the material, so nothing repeats. Writes, reads and sizes are
 * measured with the numeric transform (chunk codec 2, the default) and
 * without it (codec 0, the version 1 chunk content), at the writer's
 * default zstd level (1) and at level 3, in the same run.
 * The merged read is also measured with read-ahead (a worker thread
 * decompressing 4 chunks ahead): its rates per CPU second count both
 * threads, so its wall-clock rate is shown next to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_ws.h"
#include "replay/capture_int.h"
#include "bench_util.h"

#ifndef LX_SAMPLES_DIR
#define LX_SAMPLES_DIR "../shared/samples"
#endif

static const char *const sample_files[] = {
    LX_SAMPLES_DIR "/binance-spot/hftbacktest/btcusdt_20240808.first150s.txt",
    LX_SAMPLES_DIR "/binance-usdm/hftbacktest/btcusdt_20240718.txt",
};

struct msg {
    int64_t t; /* ns since the start of its file */
    uint64_t conn;
    const char *p;
    size_t len;
};

struct material {
    char *text[2];
    struct msg *v;
    size_t n;
    int64_t span;
    size_t bytes;
};

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = lx__malloc(NULL, (size_t)n + 1);
    if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
        lx__free(NULL, p);
        p = NULL;
    }
    fclose(f);
    if (p != NULL) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

static int cmp_msg(const void *a, const void *b)
{
    const struct msg *x = a, *y = b;

    return (x->t > y->t) - (x->t < y->t);
}

/* Parses "<ns> <json>" lines of one file into m->v. */
static int add_file(struct material *m, int idx, char *text, size_t len)
{
    char *line = text, *end = text + len;
    int64_t first = -1;

    while (line < end) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *sp = memchr(line, ' ', (size_t)((nl ? nl : end) - line));
        int64_t ts;

        if (nl == NULL) {
            nl = end;
        }
        if (sp != NULL &&
            lx__parse_i64(line, (size_t)(sp - line), &ts) == LX_OK) {
            struct msg *v = lx__realloc(NULL, m->v, (m->n + 1) * sizeof(*m->v));

            if (v == NULL) {
                return -1;
            }
            m->v = v;
            first = first < 0 ? ts : first;
            v[m->n].t = ts - first;
            v[m->n].conn = (uint64_t)idx + 1;
            v[m->n].p = sp + 1;
            v[m->n].len = (size_t)(nl - sp - 1);
            m->bytes += v[m->n].len;
            m->span = v[m->n].t > m->span ? v[m->n].t : m->span;
            m->n++;
        }
        line = nl + 1;
    }
    return 0;
}

static int load(struct material *m)
{
    size_t i, len;

    memset(m, 0, sizeof(*m));
    for (i = 0; i < 2; i++) {
        m->text[i] = read_text(sample_files[i], &len);
        if (m->text[i] == NULL || add_file(m, (int)i, m->text[i], len) != 0) {
            fprintf(stderr, "bench_capture: cannot read %s\n", sample_files[i]);
            return -1;
        }
    }
    /* One timeline: both files from a common start, merged by time. */
    qsort(m->v, m->n, sizeof(*m->v), cmp_msg);
    m->span += 1000000;
    return 0;
}

/* ---- capture write and read --------------------------------------------- */

struct run {
    uint64_t msgs;
    uint64_t payload;
    int64_t ns;
    int64_t cpu; /* process CPU time: robust when the machine is busy */
    uint64_t file;
};

static int64_t cpu_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int write_capture(const char *path, const struct material *m,
                         uint64_t total, int level, int bulk, size_t chunk,
                         size_t dict, bool xform, struct run *out)
{
    const int64_t base = 1723100000000000000LL;
    struct lx_capture_writer *w = NULL;
    struct lx_capture_wopts *o = NULL;
    struct lx_tap_event ev;
    uint64_t seq[3] = {0, 0, 0}, i;
    int64_t t0;
    int rc;

    unlink(path);
    lx_capture_wopts_new(&o, NULL);
    if (level != 0) { /* else the default */
        lx_capture_wopts_set_level(o, level);
    }
    lx_capture_wopts_set_venue(o, "binance");
    if (chunk != 0) { /* else the default */
        lx_capture_wopts_set_chunk_limits(o, chunk, 0);
    }
    lx_capture_wopts_set_dict(o, dict);
    lx__capture_wopts_set_xform(o, xform);
    if (bulk) {
        /* An import: no need to commit every second of stream time. */
        lx_capture_wopts_set_commit(o, INT64_MAX, 256u << 20);
    }
    t0 = bench_now_ns();
    out->cpu = cpu_now_ns();
    rc = lx_capture_writer_open(&w, NULL, path, o, NULL);
    lx_capture_wopts_free(o);
    memset(&ev, 0, sizeof(ev));
    for (i = 1; rc == LX_OK && i <= 2; i++) {
        ev.kind = LX_TAP_CONN_OPEN;
        ev.conn_id = i;
        ev.url = i == 1 ? "wss://stream.binance.com:9443/stream"
                        : "wss://fstream.binance.com/stream";
        ev.transport = "tls";
        ev.wall_ns = base;
        ev.seq = seq[i]++;
        rc = lx_capture_writer_write(w, &ev);
    }
    ev.kind = LX_TAP_WS_FRAME;
    ev.dir = LX_TAP_IN;
    ev.ws_opcode = LX_WS_TEXT;
    out->payload = 0;
    for (i = 0; rc == LX_OK && i < total; i++) {
        const struct msg *x = &m->v[i % m->n];

        ev.conn_id = x->conn;
        ev.seq = seq[x->conn]++;
        ev.mono_ns = (int64_t)(i / m->n) * m->span + x->t;
        ev.wall_ns = base + ev.mono_ns;
        ev.payload = (const uint8_t *)x->p;
        ev.len = x->len;
        out->payload += x->len;
        rc = lx_capture_writer_write(w, &ev);
    }
    rc = rc == LX_OK ? lx_capture_writer_close(w) : rc;
    out->ns = bench_now_ns() - t0;
    out->cpu = cpu_now_ns() - out->cpu;
    out->msgs = total;
    if (rc != LX_OK) {
        fprintf(stderr, "bench_capture: write: %s\n", lx_strerror(rc));
        return -1;
    }
    {
        FILE *f = fopen(path, "rb");

        fseek(f, 0, SEEK_END);
        out->file = (uint64_t)ftell(f);
        fclose(f);
    }
    return 0;
}

static int read_capture(const char *path, struct run *out, int verify,
                        unsigned ahead)
{
    struct lx_capture_reader *r = NULL;
    const struct lx_capture_record *rec;
    int64_t t0 = bench_now_ns(), c0 = cpu_now_ns();
    uint64_t sum = 0;
    int rc = lx_capture_open(&r, NULL, path, NULL);

    if (rc == LX_OK && ahead > 0) {
        rc = lx_capture_reader_set_readahead(r, ahead);
    }
    out->msgs = 0;
    out->payload = 0;
    while (rc == LX_OK && (rc = lx_capture_reader_next(r, &rec)) == 1) {
        out->msgs++;
        out->payload += rec->len;
        sum += rec->len > 0 ? rec->data[rec->len / 2] : 0;
        rc = LX_OK;
    }
    if (rc == 0 && verify) {
        rc = lx_capture_reader_verify(r, NULL);
    }
    out->ns = bench_now_ns() - t0;
    out->cpu = cpu_now_ns() - c0;
    lx_capture_reader_free(r);
    if (rc != 0) {
        fprintf(stderr, "bench_capture: read: %s\n", lx_strerror(rc));
        return -1;
    }
    return sum == 1 ? 1 : 0; /* keeps sum alive */
}

/* ---- references --------------------------------------------------------- */

/* Payloads concatenated (what the zstd one-shot reference compresses). */
static char *concat(const struct material *m, size_t *len)
{
    char *p = lx__malloc(NULL, m->bytes + 1);
    size_t i, off = 0;

    for (i = 0; p != NULL && i < m->n; i++) {
        memcpy(p + off, m->v[i].p, m->v[i].len);
        off += m->v[i].len;
    }
    *len = off;
    return p;
}

static int zstd_oneshot(const char *src, size_t len, int level, uint64_t repeat,
                        struct run *c, struct run *d)
{
    size_t bound = ZSTD_compressBound(len), z = 0, back = 0;
    char *dst = lx__malloc(NULL, bound), *out = lx__malloc(NULL, len + 1);
    uint64_t i;
    int64_t t0, c0;

    if (dst == NULL || out == NULL) {
        return -1;
    }
    t0 = bench_now_ns();
    c0 = cpu_now_ns();
    for (i = 0; i < repeat; i++) {
        z = ZSTD_compress(dst, bound, src, len, level);
    }
    c->ns = bench_now_ns() - t0;
    c->cpu = cpu_now_ns() - c0;
    t0 = bench_now_ns();
    c0 = cpu_now_ns();
    for (i = 0; i < repeat; i++) {
        back = ZSTD_decompress(out, len, dst, z);
    }
    d->ns = bench_now_ns() - t0;
    d->cpu = cpu_now_ns() - c0;
    c->payload = d->payload = (uint64_t)len * repeat;
    c->file = d->file = z;
    lx__free(NULL, dst);
    lx__free(NULL, out);
    return ZSTD_isError(z) || back != len ? -1 : 0;
}

/* Writes the NDJSON form ("<local ns> <frame>\n") and returns its size. */
static uint64_t write_ndjson(const char *path, const struct material *m)
{
    FILE *f = fopen(path, "wb");
    uint64_t n = 0;
    size_t i;

    if (f == NULL) {
        return 0;
    }
    for (i = 0; i < m->n; i++) {
        n += (uint64_t)fprintf(f, "%lld %.*s\n",
                               (long long)(1723100000000000000LL + m->v[i].t),
                               (int)m->v[i].len, m->v[i].p);
    }
    fclose(f);
    return n;
}

/* Size of `cmd` output, or 0 if the tool is missing or failed. */
static uint64_t tool_size(const char *cmd, int64_t *ns)
{
    char buf[64];
    FILE *p;
    int64_t t0 = bench_now_ns();
    uint64_t v = 0;

    p = popen(cmd, "r");
    if (p == NULL) {
        return 0;
    }
    if (fgets(buf, sizeof(buf), p) != NULL) {
        lx__parse_u64(buf, strcspn(buf, "\n "), &v);
    }
    if (pclose(p) != 0) {
        v = 0;
    }
    *ns = bench_now_ns() - t0;
    return v;
}

/* ---- output ------------------------------------------------------------- */

/* Rates are per CPU second of the process (wall seconds shown too). */
static void row(const char *name, const struct run *r)
{
    double s = (double)r->cpu / 1e9;

    printf("%-38s %8llu %8.1f %7.3f %7.3f %10.0f %8.1f\n", name,
           (unsigned long long)r->msgs, (double)r->payload / 1e6,
           (double)r->ns / 1e9, s, r->msgs > 0 ? (double)r->msgs / s : 0.0,
           (double)r->payload / 1e6 / s);
}

/* Wall-clock MB/s of two reads: without and with read-ahead. */
static void wall_row(const struct run *one, const struct run *ra)
{
    printf("read merged, wall MB/s: one thread %.1f, read-ahead %.1f "
           "(x%.2f)\n",
           (double)one->payload * 1e3 / (double)one->ns,
           (double)ra->payload * 1e3 / (double)ra->ns,
           (double)one->ns / (double)ra->ns);
}

static double mbps(const struct run *r)
{
    return (double)r->payload / (double)r->cpu;
}

static void size_row(const char *name, uint64_t size, uint64_t raw,
                     uint64_t capture)
{
    if (size == 0) {
        printf("%-36s %12s\n", name, "n/a");
        return;
    }
    printf("%-36s %12llu %8.2f %10.3f\n", name, (unsigned long long)size,
           (double)raw / (double)size, (double)capture / (double)size);
}

/* The capture files whose size is compared; [1] is without the transform. */
struct files {
    struct run def[2], l3, l19[2], big19, dict, small;
};

static void ratio(const char *name, uint64_t size, uint64_t gz, uint64_t zl)
{
    printf("  %-30s vs gzip -6 %5.2f   vs zstd -19 --long %5.2f\n", name,
           gz ? (double)size / (double)gz : 0.0,
           zl ? (double)size / (double)zl : 0.0);
}

static void sizes(const struct material *m, const char *dir,
                  const struct files *f, uint64_t z3, uint64_t z19)
{
    char nd[300], cmd[700];
    uint64_t ndlen, gz, zl, cap = f->def[0].file;
    int64_t ns;

    lx__snprintf(nd, sizeof(nd), "%s/bench_capture.ndjson", dir);
    ndlen = write_ndjson(nd, m);
    lx__snprintf(cmd, sizeof(cmd), "gzip -6 -c '%s' 2>/dev/null | wc -c", nd);
    gz = tool_size(cmd, &ns);
    lx__snprintf(cmd, sizeof(cmd),
                 "zstd -19 --long -q -c '%s' 2>/dev/null | wc -c", nd);
    zl = tool_size(cmd, &ns);
    unlink(nd);
    bench_header("Size, one pass over the material (nothing repeats)",
                 "what                                        bytes  raw/x  "
                 "capture/x");
    printf("%-36s %12llu\n", "payload bytes (frames only)",
           (unsigned long long)m->bytes);
    size_row("NDJSON, uncompressed", ndlen, m->bytes, cap);
    size_row("NDJSON | gzip -6", gz, m->bytes, cap);
    size_row("NDJSON | zstd -19 --long", zl, m->bytes, cap);
    size_row("payloads, zstd lib L3 one shot", z3, m->bytes, cap);
    size_row("payloads, zstd lib L19 one shot", z19, m->bytes, cap);
    size_row("capture file, level 1 (default)", cap, m->bytes, cap);
    size_row("capture file, level 1, no transform", f->def[1].file, m->bytes,
             cap);
    size_row("capture file, level 1, 64 KiB dict", f->dict.file, m->bytes, cap);
    size_row("capture file, level 3", f->l3.file, m->bytes, cap);
    size_row("capture file, level 19", f->l19[0].file, m->bytes, cap);
    size_row("capture file, level 19, no transform", f->l19[1].file, m->bytes,
             cap);
    size_row("capture file, level 1, 1 MiB chunks", f->small.file, m->bytes,
             cap);
    size_row("capture file, level 19, 8 MiB chunks", f->big19.file, m->bytes,
             cap);
    printf("capture file size relative to the references:\n");
    ratio("level 1 (default)", cap, gz, zl);
    ratio("level 1, no transform", f->def[1].file, gz, zl);
    ratio("level 3", f->l3.file, gz, zl);
    ratio("level 19", f->l19[0].file, gz, zl);
    ratio("level 19, no transform", f->l19[1].file, gz, zl);
    ratio("level 1, 1 MiB chunks", f->small.file, gz, zl);
    ratio("level 19, 8 MiB chunks", f->big19.file, gz, zl);
    printf("(goals of issue 4: <= 0.5 x gzip -6, <= 1.2 x zstd -19 --long)\n");
}

/* Appends material frame i to raw as an inbound text frame record. */
static int add_frame(struct lx__cbuf *raw, struct lx__cap_prev *prev,
                     const struct material *m, size_t i)
{
    struct lx__cap_rec r;

    memset(&r, 0, sizeof(r));
    r.kind = LX_CAPTURE_WS_FRAME;
    r.dir = 1;
    r.n1 = 1;
    r.gseq = i + 1;
    r.seq = i;
    r.wall_ns = 1723100000000000000LL + m->v[i].t;
    r.mono_ns = m->v[i].t;
    r.data.p = (const uint8_t *)m->v[i].p;
    r.data.len = m->v[i].len;
    return lx__cap_rec_encode(raw, &r, prev);
}

/*
 * Compresses the transform in t (parts as x lists them) as the writer does
 * (one frame at level lvl, a block ended after each part of 64 bytes or
 * more) and adds what each part cost to acc[part]: the frame's growth at
 * its flush (a part merged into the next block counts with that one).
 */
static size_t parts_frame(ZSTD_CCtx *cc, const struct lx__xform *x,
                          const struct lx__cbuf *t, int lvl, uint8_t *zb,
                          size_t cap, size_t *acc)
{
    ZSTD_outBuffer ob = {zb, cap, 0};
    ZSTD_inBuffer ib = {t->p, 0, 0};
    size_t j, end = t->len, last = 0;

    for (j = 0; j < x->nparts; j++) {
        end -= x->parts[j];
    }
    ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, lvl);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setPledgedSrcSize(cc, t->len);
    for (j = 0; j < x->nparts; j++) {
        ZSTD_EndDirective how = j + 1 == x->nparts ? ZSTD_e_end : ZSTD_e_flush;

        end += x->parts[j];
        if (how == ZSTD_e_flush && x->parts[j] < 64) {
            continue;
        }
        ib.size = end;
        while (ZSTD_compressStream2(cc, &ob, &ib, how) != 0) {
        }
        acc[j] += ob.pos - last;
        last = ob.pos;
    }
    return ob.pos;
}

/*
 * The row of part j of a codec k + 1 content: codec 1 a section; codec 2
 * a section, the wall time streams, or a kind of number stream.
 */
static size_t part_group(int k, size_t j)
{
    if (k == 0 || j < 4) {
        return j;
    }
    j -= 4;
    return j < LX__XFORM_NPL ? 4 : 5 + j % LX__XFORM_NPL;
}

/*
 * LX_BENCH_ONLY=parts: where the compressed bytes go. The material is cut
 * per connection into chunks of 4 MiB, the default (LX_BENCH_CHUNK bytes, 4
 * KiB..64 MiB) as the writer cuts them; each chunk is transformed with codec 1
 * and codec 2 and compressed at level 1 (the default) as the writer does, and
 * the bytes each part cost are summed over the chunks.
 */
static int only_parts(const struct material *m)
{
    static const char *const c1[7] = {"H", "W", "S", "K", "Z", "V", "R"};
    static const char *const c2[5 + LX__XFORM_NPL] = {"H",
                                                      "S",
                                                      "K",
                                                      "R",
                                                      "wall (W)",
                                                      "n: shape",
                                                      "n: mid 0",
                                                      "n: mid 1",
                                                      "n: mid 2",
                                                      "n: mid 3+",
                                                      "n: top, 1 byte",
                                                      "n: top, 2 bytes",
                                                      "n: top, 3 bytes",
                                                      "n: top, 4+ bytes"};
    static size_t acc[2][LX__XFORM_MAX_PARTS], raw_parts[2][5 + LX__XFORM_NPL];
    size_t tot[2] = {0, 0}, cap = ZSTD_compressBound(64u << 20), j, g;
    struct lx__cbuf raw, t;
    struct lx__xform x;
    struct lx__cap_prev prev;
    uint64_t conn;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    uint8_t *zb = lx__malloc(NULL, cap);
    size_t i = 0, nchunks = 0, chunk = 4u << 20;
    const char *env = getenv("LX_BENCH_CHUNK");
    uint64_t u;
    int k, rc = 0;

    if (env != NULL && lx__parse_u64(env, strlen(env), &u) == LX_OK &&
        u >= 4096 && u <= (64u << 20)) {
        chunk = (size_t)u;
    }
    lx__cbuf_init(&raw, NULL);
    lx__cbuf_init(&t, NULL);
    lx__xform_init(&x, NULL);
    for (conn = 1; conn <= 2 && zb != NULL && cc != NULL && rc == 0; conn++) {
        for (i = 0; i < m->n && rc == 0;) {
            raw.len = 0;
            memset(&prev, 0, sizeof(prev));
            for (; i < m->n && raw.len < chunk && rc == 0; i++) {
                if (m->v[i].conn == conn) {
                    rc = add_frame(&raw, &prev, m, i);
                }
            }
            if (raw.len == 0) {
                break;
            }
            nchunks++;
            for (k = 0; k < 2 && rc == 0; k++) {
                x.codec = k == 0 ? LX__CAP_CODEC_NUM : LX__CAP_CODEC_NUM2;
                t.len = 0;
                if (lx__xform_encode(&x, raw.p, raw.len, &t) != LX_OK) {
                    rc = 1;
                    break;
                }
                tot[k] += parts_frame(cc, &x, &t, 1, zb, cap, acc[k]);
                for (j = 0; j < x.nparts; j++) {
                    raw_parts[k][part_group(k, j)] += x.parts[j];
                }
            }
        }
    }
    printf("%zu chunks; level 1 frames: codec 1 %zu bytes, codec 2 %zu bytes "
           "(%.3f)\n",
           nchunks, tot[0], tot[1], (double)tot[1] / (double)tot[0]);
    for (k = 0; k < 2; k++) {
        size_t grp[5 + LX__XFORM_NPL];
        size_t ng = k == 0 ? 7 : 5 + LX__XFORM_NPL;

        memset(grp, 0, sizeof(grp));
        for (j = 0; j < LX__XFORM_MAX_PARTS; j++) {
            grp[part_group(k, j)] += acc[k][j];
        }
        for (g = 0; g < ng; g++) {
            printf("codec %d %-14s %9zu raw -> %8zu (%4.1f%%)\n", k + 1,
                   k == 0 ? c1[g] : c2[g], raw_parts[k][g], grp[g],
                   100.0 * (double)grp[g] / (double)tot[k]);
        }
    }
    lx__xform_free(&x);
    lx__cbuf_free(&raw);
    lx__cbuf_free(&t);
    lx__free(NULL, zb);
    ZSTD_freeCCtx(cc);
    return rc;
}

/*
 * LX_BENCH_ONLY=xform: the numeric transform alone, encoding and decoding
 * the first 1 MiB chunk of frames over and over (no SQLite, no zstd).
 */
static int only_xform(const struct material *m)
{
    struct lx__cbuf raw, t;
    struct lx__xform x;
    struct lx__cap_prev prev;
    uint8_t *back = NULL;
    char msg[96];
    size_t i;
    int64_t c0;
    int k, round, rc = 0, rounds = 3, enc_n = 100;
    const char *env = getenv("LX_BENCH_XREPS");
    const char *one = getenv("LX_BENCH_CODEC");
    int one_codec = one == NULL             ? 0
                    : strcmp(one, "1") == 0 ? LX__CAP_CODEC_NUM
                    : strcmp(one, "2") == 0 ? LX__CAP_CODEC_NUM2
                                            : 0;
    uint64_t reps;

    /* LX_BENCH_XREPS=n: one round of n encodes and 3n decodes per codec
     * (for callgrind), instead of three rounds of 100 and 300;
     * LX_BENCH_CODEC=1 or 2: that codec only. */
    if (env != NULL && lx__parse_u64(env, strlen(env), &reps) == LX_OK &&
        reps > 0 && reps <= 1000) {
        rounds = 1;
        enc_n = (int)reps;
    }
    lx__cbuf_init(&raw, NULL);
    lx__cbuf_init(&t, NULL);
    lx__xform_init(&x, NULL);
    memset(&prev, 0, sizeof(prev));
    for (i = 0; i < m->n && raw.len < (1u << 20) && rc == 0; i++) {
        rc = add_frame(&raw, &prev, m, i);
    }
    back = lx__malloc(NULL, raw.len + LX__XFORM_SLACK);
    /* Both codecs, three rounds, interleaved (the machine drifts). */
    for (round = 0; round < 2 * rounds && rc == 0 && back != NULL; round++) {
        int codec = round % 2 == 0 ? LX__CAP_CODEC_NUM : LX__CAP_CODEC_NUM2;

        if (one_codec != 0 && codec != one_codec) {
            continue;
        }
        double enc, dec;

        x.codec = codec;
        c0 = cpu_now_ns();
        for (k = 0; k < enc_n && rc == 0; k++) {
            t.len = 0;
            rc = lx__xform_encode(&x, raw.p, raw.len, &t);
        }
        enc = (double)raw.len * enc_n * 1e3 / (double)(cpu_now_ns() - c0);
        c0 = cpu_now_ns();
        for (k = 0; k < 3 * enc_n && rc == 0; k++) {
            rc = lx__xform_decode(&x, t.p, t.len, back, raw.len, msg,
                                  sizeof(msg));
        }
        dec = (double)raw.len * 3 * enc_n * 1e3 / (double)(cpu_now_ns() - c0);
        printf("codec %d: %zu records, %zu -> %zu bytes; encode %.1f MB/s, "
               "decode %.1f MB/s, %s\n",
               codec, i, raw.len, t.len, enc, dec,
               rc == 0 && memcmp(back, raw.p, raw.len) == 0 ? "same bytes"
                                                            : "MISMATCH");
    }
    lx__free(NULL, back);
    lx__xform_free(&x);
    lx__cbuf_free(&raw);
    lx__cbuf_free(&t);
    return rc != 0;
}

/*
 * LX_BENCH_ONLY=redact: the redaction of every frame (as the writer does
 * it: exact and JSON rules, default rules, nothing to redact in market
 * data), with the fast path and with the full rules only (LX__RD_FULL).
 */
static int only_redact(const struct material *m)
{
    struct lx__redactor *rd = NULL;
    struct lx__cbuf arena;
    size_t i, k, same = 0;
    int64_t c0, fast = 0, full = 0;

    if (lx__redactor_new(&rd, NULL, true) != LX_OK) {
        return 1;
    }
    lx__cbuf_init(&arena, NULL);
    for (k = 0; k < 20; k++) {
        unsigned flags = LX__RD_EXACT | LX__RD_JSON | (k & 1 ? LX__RD_FULL : 0);

        c0 = cpu_now_ns();
        for (i = 0; i < m->n; i++) {
            const uint8_t *out;
            size_t off, olen;

            arena.len = 0;
            lx__redact(rd, flags, (const uint8_t *)m->v[i].p, m->v[i].len,
                       &arena, &out, &off, &olen);
            same += out == (const uint8_t *)m->v[i].p;
        }
        *(k & 1 ? &full : &fast) += cpu_now_ns() - c0;
    }
    printf("redact: %zu frames x 10: fast path %.1f ns/frame, full rules "
           "%.1f ns/frame (%zu of %zu unchanged)\n",
           m->n, (double)fast / 10.0 / (double)m->n,
           (double)full / 10.0 / (double)m->n, same, 20 * m->n);
    lx__cbuf_free(&arena);
    lx__redactor_free(rd);
    return 0;
}

/*
 * LX_BENCH_ONLY=write|recorder|read|both: only the bulk (or recorder)
 * L3 write and the merged read (three times each), for profiling one path
 * with perf.
 */
static int only(const struct material *m, const char *what, uint64_t total,
                const char *path)
{
    struct run r;
    int i;

    bench_header("Throughput (rates per CPU second; one core but read-ahead)",
                 "case                                       msgs  MB pay.  "
                 "wall s   cpu s     msgs/s     MB/s");
    for (i = 0; i < 3; i++) {
        int rec = strcmp(what, "recorder") == 0;

        if ((i == 0 || strcmp(what, "read") != 0) &&
            write_capture(path, m, total, 0, !rec, 0, 0, true, &r) != 0) {
            return 1;
        }
        if (i == 0 || strcmp(what, "read") != 0) {
            row(rec ? "write L1, recorder (commit 1 s)"
                    : "write L1, bulk import",
                &r);
        }
        if (strcmp(what, "write") != 0) {
            struct run ra;

            if (read_capture(path, &r, 0, 0) < 0 ||
                read_capture(path, &ra, 0, 4) < 0) {
                return 1;
            }
            row("read, merged (next), L1 file", &r);
            row("read merged, L1 file, read-ahead", &ra);
            wall_row(&r, &ra);
        }
    }
    unlink(path);
    return 0;
}

int main(void)
{
    const char *env = getenv("LX_BENCH_MSGS"), *tmp = getenv("TMPDIR");
    struct material m;
    struct run w, wb, wbp, w3, rd, rda, rv, rdp, zc, zd, z1c, z1d, z19c, z19d;
    struct files f;
    uint64_t total = 1000000, reps;
    char dir[256], path[300];
    size_t cat_len;
    char *cat;

    if (env != NULL) {
        lx__parse_u64(env, strlen(env), &total);
    }
    lx__snprintf(dir, sizeof(dir), "%s", tmp != NULL ? tmp : "/tmp");
    lx__snprintf(path, sizeof(path), "%s/bench_capture_%d.lxcap", dir,
                 (int)getpid());
    if (load(&m) != 0) {
        /* The samples live outside the tree; without them there is no run. */
        printf("bench_capture: samples not found under %s; skipped\n",
               LX_SAMPLES_DIR);
        return 0;
    }
    printf("material: %zu real Binance frames, %.1f MB, %.1f bytes/frame\n",
           m.n, (double)m.bytes / 1e6, (double)m.bytes / (double)m.n);
    if (getenv("LX_BENCH_ONLY") != NULL &&
        strcmp(getenv("LX_BENCH_ONLY"), "xform") == 0) {
        return only_xform(&m);
    }
    if (getenv("LX_BENCH_ONLY") != NULL &&
        strcmp(getenv("LX_BENCH_ONLY"), "redact") == 0) {
        return only_redact(&m);
    }
    if (getenv("LX_BENCH_ONLY") != NULL &&
        strcmp(getenv("LX_BENCH_ONLY"), "parts") == 0) {
        return only_parts(&m);
    }
    if (getenv("LX_BENCH_ONLY") != NULL) {
        return only(&m, getenv("LX_BENCH_ONLY"), total, path);
    }
    cat = concat(&m, &cat_len);
    reps = (total + m.n - 1) / m.n;
    if (write_capture(path, &m, total, 3, 1, 0, 0, true, &w3) != 0 ||
        write_capture(path, &m, total, 0, 0, 0, 0, true, &w) != 0 ||
        write_capture(path, &m, total, 0, 1, 0, 0, false, &wbp) != 0 ||
        read_capture(path, &rdp, 0, 0) < 0 ||
        write_capture(path, &m, total, 0, 1, 0, 0, true, &wb) != 0 ||
        read_capture(path, &rd, 0, 0) < 0 ||
        read_capture(path, &rda, 0, 4) < 0 ||
        read_capture(path, &rv, 1, 0) < 0 ||
        zstd_oneshot(cat, cat_len, 3, reps, &zc, &zd) != 0 ||
        zstd_oneshot(cat, cat_len, 1, reps, &z1c, &z1d) != 0) {
        return 1;
    }
    /* The default level is 1: its reference is zstd at level 1. */
    zc.msgs = zd.msgs = z1c.msgs = z1d.msgs = reps * m.n;
    bench_header("Throughput (rates per CPU second; one core but read-ahead)",
                 "case                                       msgs  MB pay.  "
                 "wall s   cpu s     msgs/s     MB/s");
    row("write L1, recorder (commit 1 s)", &w);
    row("write L1, bulk import", &wb);
    row("write L1, bulk import, no transform", &wbp);
    row("ref: zstd lib L1 compress, one shot", &z1c);
    row("write L3, bulk import", &w3);
    row("ref: zstd lib L3 compress, one shot", &zc);
    row("read, merged (next), L1 file", &rd);
    row("read merged, L1 file, read-ahead", &rda);
    row("read + verify, L1 file", &rv);
    row("read, merged, L1 file, no transform", &rdp);
    row("ref: zstd lib decompress L1, one shot", &z1d);
    printf("MB/s vs reference: write L1 recorder %.2f, bulk %.2f, "
           "bulk without transform %.2f, L3 bulk %.2f (vs L3); read %.2f, "
           "without transform %.2f\n",
           mbps(&w) / mbps(&z1c), mbps(&wb) / mbps(&z1c),
           mbps(&wbp) / mbps(&z1c), mbps(&w3) / mbps(&zc),
           mbps(&rd) / mbps(&z1d), mbps(&rdp) / mbps(&z1d));
    wall_row(&rd, &rda);

    if (write_capture(path, &m, m.n, 0, 0, 0, 0, true, &f.def[0]) != 0 ||
        write_capture(path, &m, m.n, 0, 0, 0, 0, false, &f.def[1]) != 0 ||
        write_capture(path, &m, m.n, 3, 0, 0, 0, true, &f.l3) != 0 ||
        write_capture(path, &m, m.n, 19, 0, 0, 0, true, &f.l19[0]) != 0 ||
        write_capture(path, &m, m.n, 19, 0, 0, 0, false, &f.l19[1]) != 0 ||
        write_capture(path, &m, m.n, 19, 0, 8u << 20, 0, true, &f.big19) != 0 ||
        write_capture(path, &m, m.n, 0, 0, 1u << 20, 0, true, &f.small) != 0 ||
        write_capture(path, &m, m.n, 0, 0, 0, 64u << 10, true, &f.dict) != 0 ||
        zstd_oneshot(cat, cat_len, 19, 1, &z19c, &z19d) != 0 ||
        zstd_oneshot(cat, cat_len, 3, 1, &zc, &zd) != 0) {
        return 1;
    }
    unlink(path);
    sizes(&m, dir, &f, zc.file, z19c.file);
    lx__free(NULL, cat);
    lx__free(NULL, m.text[0]);
    lx__free(NULL, m.text[1]);
    lx__free(NULL, m.v);
    return 0;
}
