/*
 * capture_int.h - the private pieces of the capture-file library shared by
 * the writer, the reader, the unit tests and the fuzz target: growable
 * buffers, the varint record codec (docs/capture-format.md section 5), the
 * redactor, and the SQL schema.
 */
#ifndef LOTUSX_REPLAY_CAPTURE_INT_H
#define LOTUSX_REPLAY_CAPTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lx_internal.h"
#include "lotusx/lx_capture.h"

/* The largest encoded record accepted, and the largest chunk decoded. */
#define LX__CAP_MAX_RECORD (256u << 20)
#define LX__CAP_MAX_CHUNK  (512u << 20)
/* At most this many header fields per HTTP record. */
#define LX__CAP_MAX_HEADERS 1024

/* ---- buffers ---------------------------------------------------------- */

struct lx__cbuf {
    const struct lx_mem *mem;
    uint8_t *p;
    size_t len;
    size_t cap;
};

void lx__cbuf_init(struct lx__cbuf *b, const struct lx_mem *mem);
void lx__cbuf_free(struct lx__cbuf *b);
/* Makes room for n more bytes. LX_ERR_NOMEM, LX_ERR_TOOBIG. */
int lx__cbuf_reserve(struct lx__cbuf *b, size_t n);
int lx__cbuf_put(struct lx__cbuf *b, const void *p, size_t n);

/* ---- varints (LEB128 and zigzag) --------------------------------------- */

/* Writes v at p (room for 10 bytes); returns the bytes written. */
size_t lx__cap_put_uvarint(uint8_t *p, uint64_t v);
/*
 * Reads a uvarint from p[0..len) into *v. Returns the bytes used, or 0 if
 * truncated, longer than 10 bytes or over 64 bits.
 */
size_t lx__cap_get_uvarint(const uint8_t *p, size_t len, uint64_t *v);

/* The bytes lx__cap_put_uvarint writes for v. */
static inline size_t lx__cap_uvarint_len(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint64_t lx__cap_zigzag(uint64_t d)
{
    return (d << 1) ^ (uint64_t)(-(int64_t)(d >> 63));
}

static inline uint64_t lx__cap_unzigzag(uint64_t z)
{
    return (z >> 1) ^ (uint64_t)(-(int64_t)(z & 1));
}

/* ---- records ---------------------------------------------------------- */

/* A string or byte range of a record being encoded. */
struct lx__cap_bytes {
    const uint8_t *p;
    size_t len;
};

/* A record to encode: what the writer has after redaction. */
struct lx__cap_rec {
    int kind;
    int dir;
    bool reset; /* deltas from 0, not from the previous record */
    uint64_t gseq;
    uint64_t seq;
    int64_t wall_ns;
    int64_t mono_ns;
    struct lx__cap_bytes s1, s2, s3; /* kind-specific strings, see .c */
    uint64_t n1;                     /* version / opcode */
    uint64_t n2;                     /* status */
    size_t nheaders;
    const struct lx__cap_bytes *headers; /* name, value, name, value... */
    struct lx__cap_bytes data;           /* body / payload / text */
};

/* The previous record's values, the base of the next one's deltas. */
struct lx__cap_prev {
    uint64_t gseq;
    uint64_t seq;
    uint64_t wall;
    uint64_t mono;
};

/* The encoded size of r (prefix included), given prev. */
size_t lx__cap_rec_size(const struct lx__cap_rec *r,
                        const struct lx__cap_prev *prev);
/* Appends r to b and advances prev. LX_ERR_NOMEM, LX_ERR_TOOBIG. */
int lx__cap_rec_encode(struct lx__cbuf *b, const struct lx__cap_rec *r,
                       struct lx__cap_prev *prev);

/*
 * Decodes the record at p[0..len) into out; strings are copied with a NUL
 * into scratch (reset first), headers too; data points into p. Returns the
 * bytes used (> 0), or LX_ERR_CORRUPT (msg, at least 64 bytes, says why)
 * or LX_ERR_NOMEM.
 */
struct lx__cap_scratch {
    struct lx__cbuf str;
    struct lx_capture_header *hdr;
    size_t hdr_cap;
    const struct lx_mem *mem;
};
void lx__cap_scratch_init(struct lx__cap_scratch *s, const struct lx_mem *mem);
void lx__cap_scratch_free(struct lx__cap_scratch *s);
int lx__cap_rec_decode(const uint8_t *p, size_t len, struct lx__cap_prev *prev,
                       struct lx__cap_scratch *s, struct lx_capture_record *out,
                       char *msg, size_t msgcap);

/* ---- chunk codecs (docs/capture-format.md section 5.4) ----------------- */

/* chunks.codec: how the frame content holds the records. */
#define LX__CAP_CODEC_PLAIN 0 /* the records themselves (version 1) */
#define LX__CAP_CODEC_NUM   1 /* the numeric transform, capture_xform.c */
#define LX__CAP_CODEC_NUM2  2 /* ... with numbers in streams per class */

/* Number classes of a codec 2 chunk, and the streams of each. */
#define LX__XFORM_NCLS 32
#define LX__XFORM_NPL  9
/* Most parts a transform's content has after its header (codec 2). */
#define LX__XFORM_MAX_PARTS (4 + (LX__XFORM_NCLS + 1) * LX__XFORM_NPL)

/* Scratch of the transform: its sections and number contexts. */
struct lx__xctx;
struct lx__xform {
    int codec; /* LX__CAP_CODEC_NUM or _NUM2 (the default) */
    /*
     * After an encode: the lengths of the parts of the content after its
     * header, in order (codec 1: the 7 sections; codec 2: H, S, K and R,
     * then the wall time and number streams as stored); a writer ends a
     * zstd block at part ends.
     */
    size_t nparts;
    size_t parts[LX__XFORM_MAX_PARTS];
    struct lx__cbuf sec[8];
    unsigned ncls;        /* classes assigned in the current chunk */
    struct lx__xctx *ctx; /* 64-byte aligned, in ctx_mem */
    void *ctx_mem;
    struct lx__cbuf skel; /* offset and length in S of each skeleton id */
    uint32_t *htab;  /* encoder: skeleton hash -> id + 1, then slots used */
    size_t nhtab;    /* encoder: slots of htab in use */
    uint32_t ep;     /* contexts of another epoch count as zero */
    size_t sk_start; /* encoder: where the current skeleton starts */
    const struct lx_mem *mem;
};

void lx__xform_init(struct lx__xform *x, const struct lx_mem *mem);
void lx__xform_free(struct lx__xform *x);
/*
 * Appends the transform of the chunk content in[0..n) to out. Returns
 * LX_OK, 1 if the content is not canonical record encoding (store it
 * plain), LX_ERR_NOMEM or LX_ERR_TOOBIG.
 */
int lx__xform_encode(struct lx__xform *x, const uint8_t *in, size_t n,
                     struct lx__cbuf *out);
/*
 * Rebuilds exactly outlen bytes of chunk content into out from the
 * transform in[0..n); out must have room for outlen + LX__XFORM_SLACK
 * bytes (the decoder writes a record before it knows the size of its
 * length prefix, and writes digits and text 8 bytes at a time): what it
 * leaves in out[outlen..outlen + LX__XFORM_SLACK) is unspecified. LX_OK,
 * LX_ERR_CORRUPT (msg says why) or LX_ERR_NOMEM.
 */
#define LX__XFORM_SLACK 64
int lx__xform_decode(struct lx__xform *x, const uint8_t *in, size_t n,
                     uint8_t *out, size_t outlen, char *msg, size_t msgcap);

/*
 * Writer option: whether chunks may use codec 1 (default yes). Private
 * until a caller outside the library needs it; the benchmark compares.
 */
int lx__capture_wopts_set_xform(struct lx_capture_wopts *o, bool on);

/*
 * Reader test hook: the allocator of the read-ahead worker (libc's by
 * default; it must be thread-safe: the caller's thread frees into it).
 * Only after lx_capture_reader_set_readahead and before the worker first
 * runs. LX_ERR_STATE otherwise.
 */
int lx__capture_reader_set_ra_mem(struct lx_capture_reader *r,
                                  const struct lx_mem *mem);

/* ---- redaction -------------------------------------------------------- */

struct lx__redactor;

int lx__redactor_new(struct lx__redactor **out, const struct lx_mem *mem,
                     bool defaults);
void lx__redactor_free(struct lx__redactor *rd);
int lx__redactor_add_header(struct lx__redactor *rd, const char *name);
int lx__redactor_add_field(struct lx__redactor *rd, const char *name,
                           bool learn);
int lx__redactor_add_secret(struct lx__redactor *rd, const struct lx_secret *s);
/* Copies the rules (not secrets or learned values) of src into dst. */
int lx__redactor_copy_rules(struct lx__redactor *dst,
                            const struct lx__redactor *src);
/* Values replaced so far. */
uint64_t lx__redactor_count(const struct lx__redactor *rd);

/* What to look for in a byte range. */
enum {
    LX__RD_EXACT = 1,   /* registered secrets and learned values */
    LX__RD_QUERY = 2,   /* name=value after '?' or '&' */
    LX__RD_FORM = 4,    /* name=value from the start, '&'-separated */
    LX__RD_JSON = 8,    /* "name": value */
    LX__RD_HEADER = 16, /* the whole range is the value of a secret header */
    /* Test hook: no fast path (the structural scans run even when a cheap
     * check proves they would find nothing). */
    LX__RD_FULL = 32
};

/*
 * Redacts in[0..len) according to flags. If nothing changed, *out = in and
 * *outlen = len; otherwise the result is appended to arena (which may move:
 * the caller resolves it as offset *off, returned with *out = NULL).
 * LX_ERR_NOMEM, LX_ERR_TOOBIG.
 */
int lx__redact(struct lx__redactor *rd, unsigned flags, const uint8_t *in,
               size_t len, struct lx__cbuf *arena, const uint8_t **out,
               size_t *off, size_t *outlen);

/* 1 if the header name is one whose value is always redacted. */
bool lx__redactor_header_secret(const struct lx__redactor *rd, const char *name,
                                size_t len);

/* ---- schema ----------------------------------------------------------- */

extern const char lx__cap_schema_sql[];

/* Maps an SQLite result code to an lx_err. */
int lx__cap_sqlite_err(int rc);

/* Fills err (may be NULL). */
void lx__cap_set_error(struct lx_capture_error *err, int code, int64_t chunk_id,
                       const char *fmt, ...) LX_PRINTF(4, 5);

#endif
