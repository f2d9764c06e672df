/*
 * fuzz_capture.c - libFuzzer target for everything in a capture file that
 * comes from disk, and for the redactor, which scans untrusted bytes.
 *
 * An input starting with the SQLite header ("SQLite format 3\0") is a whole
 * capture file: it is opened from memory, iterated (all, then filtered and
 * seeked) and verified. Otherwise the first byte picks the mode:
 *   0: a chunk's decompressed bytes, decoded record by record;
 *   1: a chunk blob, decompressed (zstd, at most 1 MiB) then decoded;
 *   2: a byte range given to the redactor with every rule kind (the
 *      structural rules also without their fast path: the same result);
 *   3: as 0, then every record re-encoded and decoded again, which must
 *      give back the same record (the codec round-trips what it accepts);
 *   4: the rest given to the numeric transform's decoder: two bytes, the
 *      top bit the codec (set: 1, clear: 2) and the other 15 the content
 *      length (big-endian), then the transform;
 *   5: the rest split at LF bytes into record payloads of every kind,
 *      which the numeric transform (codec 1 and codec 2) must accept and
 *      give back exactly (it round-trips any byte string), and not fit in
 *      one byte less.
 * Modes 4 and 5 are first bytes 4 and 5 (& 7); other first bytes pick by
 * & 3 as before.
 * Any crash, sanitizer report or broken invariant (abort) is a finding;
 * errors are the expected outcome for most inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"
#include "replay/capture_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            abort();                                                           \
        }                                                                      \
    } while (0)

static void walk(struct lx_capture_reader *r)
{
    const struct lx_capture_record *rec;
    int rc, guard = 0;

    while ((rc = lx_capture_reader_next(r, &rec)) != 0 && guard++ < 100000) {
        if (rc == 1) {
            CHECK(rec->kind >= LX_CAPTURE_CONN_OPEN &&
                  rec->kind <= LX_CAPTURE_ANNOTATION);
            CHECK(rec->len == 0 || rec->data != NULL);
        } else if (rc != LX_ERR_CORRUPT) {
            break;
        }
    }
}

static void fuzz_file(const uint8_t *data, size_t size)
{
    struct lx_capture_reader *r = NULL;
    struct lx_capture_info info;
    struct lx_capture_error err;

    if (lx_capture_open_mem(&r, NULL, data, size, &err) != LX_OK) {
        CHECK(err.code < 0 && err.msg[0] != '\0');
        return;
    }
    lx_capture_reader_info(r, &info);
    walk(r);
    if (lx_capture_reader_add_stream(r, 1) == LX_OK &&
        lx_capture_reader_seek(r, info.first_wall_ns, info.last_wall_ns) ==
            LX_OK) {
        walk(r);
    }
    lx_capture_reader_clear_streams(r);
    lx_capture_reader_set_kinds(r, LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME));
    if (lx_capture_reader_rewind(r) == LX_OK) {
        walk(r);
    }
    (void)lx_capture_reader_verify(r, NULL);
    lx_capture_reader_free(r);
}

/* Re-encodes a decoded record; it must decode to the same fields. */
static void reencode(const struct lx_capture_record *x)
{
    struct lx__cap_bytes hdr[2 * 16];
    struct lx__cap_prev prev = {0, 0, 0, 0}, dprev = {0, 0, 0, 0};
    struct lx__cap_scratch s;
    struct lx_capture_record y;
    struct lx__cap_rec r;
    struct lx__cbuf b;
    char msg[96];
    size_t i;
    int n;

    if (x->nheaders > 16) {
        return;
    }
    memset(&r, 0, sizeof(r));
    r.kind = x->kind;
    r.dir = x->dir;
    r.gseq = x->gseq;
    r.seq = x->seq;
    r.wall_ns = x->wall_ns;
    r.mono_ns = x->mono_ns;
    r.s1.p = (const uint8_t *)(x->url      ? x->url
                               : x->reason ? x->reason
                               : x->method ? x->method
                               : x->tag    ? x->tag
                                           : "");
    r.s1.len = strlen((const char *)r.s1.p);
    r.s2.p = (const uint8_t *)(x->transport ? x->transport
                               : x->target  ? x->target
                                            : "");
    r.s2.len = strlen((const char *)r.s2.p);
    r.s3.p = (const uint8_t *)"";
    r.n1 = x->kind == LX_CAPTURE_WS_FRAME ? (uint64_t)x->ws_opcode
                                          : (uint64_t)x->http_version;
    r.n2 = (uint64_t)x->status;
    for (i = 0; i < x->nheaders; i++) {
        hdr[2 * i].p = (const uint8_t *)x->headers[i].name;
        hdr[2 * i].len = x->headers[i].name_len;
        hdr[2 * i + 1].p = (const uint8_t *)x->headers[i].value;
        hdr[2 * i + 1].len = x->headers[i].value_len;
    }
    r.nheaders = x->nheaders;
    r.headers = hdr;
    r.data.p = x->data;
    r.data.len = x->len;
    lx__cbuf_init(&b, NULL);
    lx__cap_scratch_init(&s, NULL);
    if (lx__cap_rec_encode(&b, &r, &prev) == LX_OK) {
        n = lx__cap_rec_decode(b.p, b.len, &dprev, &s, &y, msg, sizeof(msg));
        CHECK(n > 0 && (size_t)n == b.len);
        CHECK(y.kind == x->kind && y.gseq == x->gseq && y.seq == x->seq &&
              y.wall_ns == x->wall_ns && y.mono_ns == x->mono_ns &&
              y.len == x->len && y.nheaders == x->nheaders);
        CHECK(x->len == 0 || memcmp(y.data, x->data, x->len) == 0);
    }
    lx__cbuf_free(&b);
    lx__cap_scratch_free(&s);
}

static void fuzz_records(const uint8_t *p, size_t len, int again)
{
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__cap_scratch s;
    struct lx_capture_record rec;
    char msg[96];
    size_t pos = 0;

    memset(&rec, 0, sizeof(rec));
    lx__cap_scratch_init(&s, NULL);
    while (pos < len) {
        int n = lx__cap_rec_decode(p + pos, len - pos, &prev, &s, &rec, msg,
                                   sizeof(msg));

        if (n <= 0) {
            CHECK(n == LX_ERR_CORRUPT || n == LX_ERR_NOMEM);
            break;
        }
        CHECK((size_t)n <= len - pos);
        if (again) {
            struct lx_capture_record copy = rec;

            reencode(&copy);
        }
        pos += (size_t)n;
    }
    lx__cap_scratch_free(&s);
}

static void fuzz_chunk(const uint8_t *p, size_t len)
{
    unsigned long long n = ZSTD_getFrameContentSize(p, len);
    uint8_t *raw;
    size_t got;

    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN ||
        n > (1u << 20)) {
        return;
    }
    raw = lx__malloc(NULL, (size_t)n + 1);
    if (raw == NULL) {
        return;
    }
    got = ZSTD_decompress(raw, (size_t)n, p, len);
    if (!ZSTD_isError(got)) {
        fuzz_records(raw, got, 1);
    }
    lx__free(NULL, raw);
}

static void fuzz_xform_decode(const uint8_t *p, size_t len)
{
    size_t outlen = len >= 2 ? (size_t)(p[0] & 0x7f) << 8 | p[1] : 0;
    uint8_t *out;
    struct lx__xform x;
    char msg[96];
    int rc;

    if (len < 2) {
        return;
    }
    out = lx__malloc(NULL, outlen + LX__XFORM_SLACK);
    if (out == NULL) {
        return;
    }
    lx__xform_init(&x, NULL);
    x.codec = p[0] & 0x80 ? LX__CAP_CODEC_NUM : LX__CAP_CODEC_NUM2;
    rc = lx__xform_decode(&x, p + 2, len - 2, out, outlen, msg, sizeof(msg));
    CHECK(rc == LX_OK || rc == LX_ERR_CORRUPT || rc == LX_ERR_NOMEM);
    lx__xform_free(&x);
    lx__free(NULL, out);
}

static void fuzz_xform_roundtrip(const uint8_t *p, size_t len)
{
    static const int kinds[] = {
        LX_CAPTURE_WS_FRAME,      LX_CAPTURE_HTTP_REQUEST,
        LX_CAPTURE_HTTP_RESPONSE, LX_CAPTURE_ANNOTATION,
        LX_CAPTURE_CONN_OPEN,     LX_CAPTURE_CONN_CLOSE};
    struct lx__cap_bytes hdr[2] = {{p, len > 3 ? 3 : len}, {p, len}};
    struct lx__cap_prev prev = {0, 0, 0, 0};
    struct lx__cbuf b, t;
    struct lx__xform x;
    size_t pos = 0;
    uint64_t i = 0;
    uint8_t *back;
    char msg[96];
    int codec;

    lx__cbuf_init(&b, NULL);
    lx__cbuf_init(&t, NULL);
    lx__xform_init(&x, NULL);
    while (pos <= len && i < 4096) {
        const uint8_t *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - p) : len;
        struct lx__cap_rec r;

        memset(&r, 0, sizeof(r));
        r.kind = kinds[i % LX_ARRAY_LEN(kinds)];
        r.gseq = i * 3;
        r.seq = i;
        r.wall_ns = (int64_t)(i * 1000000000u) - (int64_t)end;
        r.mono_ns = r.wall_ns + (int64_t)(i & 1);
        r.n1 = r.kind == LX_CAPTURE_WS_FRAME ? (i / 6) % 16 : 11;
        r.n2 = 200;
        r.s1 = hdr[0];
        r.s2 = hdr[0];
        r.s3 = hdr[0];
        r.nheaders = r.kind == LX_CAPTURE_HTTP_REQUEST ? 1 : 0;
        r.headers = hdr;
        r.reset = i % 5 == 4;
        if (r.reset) {
            memset(&prev, 0, sizeof(prev));
        }
        r.data.p = p + pos;
        r.data.len = r.kind <= LX_CAPTURE_CONN_CLOSE ? 0 : end - pos;
        if (lx__cap_rec_encode(&b, &r, &prev) != LX_OK) {
            break;
        }
        pos = end + 1;
        i++;
    }
    for (codec = LX__CAP_CODEC_NUM; codec <= LX__CAP_CODEC_NUM2; codec++) {
        x.codec = codec;
        t.len = 0;
        if (b.len > 0 && lx__xform_encode(&x, b.p, b.len, &t) == LX_OK) {
            back = lx__malloc(NULL, b.len + LX__XFORM_SLACK);
            if (back != NULL) {
                CHECK(lx__xform_decode(&x, t.p, t.len, back, b.len, msg,
                                       sizeof(msg)) == LX_OK);
                CHECK(memcmp(back, b.p, b.len) == 0);
                /* One byte less room: an error, never a write past the
                 * room (the decoder writes words into the slack). */
                CHECK(lx__xform_decode(&x, t.p, t.len, back, b.len - 1, msg,
                                       sizeof(msg)) == LX_ERR_CORRUPT);
                lx__free(NULL, back);
            }
        } else {
            /* The writer's encoding is canonical: never declined. */
            CHECK(b.len == 0);
        }
    }
    lx__xform_free(&x);
    lx__cbuf_free(&t);
    lx__cbuf_free(&b);
}

/*
 * Every rule kind; the structural ones also against the full rules (no
 * fast path), which must give the same bytes and count: a second
 * redactor sees the same ranges in the same order, so what both learn
 * stays the same.
 */
static void fuzz_redact(const uint8_t *p, size_t len)
{
    static const unsigned flags[] = {
        LX__RD_EXACT | LX__RD_QUERY, LX__RD_EXACT | LX__RD_FORM,
        LX__RD_EXACT | LX__RD_JSON, LX__RD_QUERY | LX__RD_FORM | LX__RD_JSON,
        LX__RD_HEADER};
    struct lx__redactor *rd = NULL, *full = NULL;
    struct lx__cbuf arena, arena2;
    size_t i;

    if (lx__redactor_new(&rd, NULL, true) != LX_OK) {
        return;
    }
    if (lx__redactor_new(&full, NULL, true) != LX_OK) {
        lx__redactor_free(rd);
        return;
    }
    lx__cbuf_init(&arena, NULL);
    lx__cbuf_init(&arena2, NULL);
    for (i = 0; i < LX_ARRAY_LEN(flags); i++) {
        const uint8_t *out, *out2;
        size_t off, olen, off2, olen2;
        int rc, rc2;

        arena.len = 0;
        arena2.len = 0;
        rc = lx__redact(rd, flags[i], p, len, &arena, &out, &off, &olen);
        rc2 = lx__redact(full, flags[i] | LX__RD_FULL, p, len, &arena2, &out2,
                         &off2, &olen2);
        if (rc == LX_OK) {
            CHECK(out != NULL || off + olen <= arena.len);
        }
        if (rc != LX_OK || rc2 != LX_OK) {
            break; /* out of memory: the states may differ from here */
        }
        out = out != NULL ? out : arena.p + off;
        out2 = out2 != NULL ? out2 : arena2.p + off2;
        CHECK(olen == olen2 && (olen == 0 || memcmp(out, out2, olen) == 0));
        CHECK(lx__redactor_count(rd) == lx__redactor_count(full));
    }
    lx__cbuf_free(&arena);
    lx__cbuf_free(&arena2);
    lx__redactor_free(rd);
    lx__redactor_free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sqlite_magic[16] = "SQLite format 3";

    if (size >= 16 && memcmp(data, sqlite_magic, 16) == 0) {
        fuzz_file(data, size);
        return 0;
    }
    if (size == 0) {
        return 0;
    }
    if ((data[0] & 7) == 4) {
        fuzz_xform_decode(data + 1, size - 1);
        return 0;
    }
    if ((data[0] & 7) == 5) {
        fuzz_xform_roundtrip(data + 1, size - 1);
        return 0;
    }
    switch (data[0] & 3) {
    case 0:
        fuzz_records(data + 1, size - 1, 0);
        break;
    case 1:
        fuzz_chunk(data + 1, size - 1);
        break;
    case 2:
        fuzz_redact(data + 1, size - 1);
        break;
    default:
        fuzz_records(data + 1, size - 1, 1);
        break;
    }
    return 0;
}
