/*
 * capture_xform.c - the numeric transform of chunk content (chunk codec 1,
 * docs/capture-format.md section 5.4).
 *
 * The records of a chunk are split into sections that zstd compresses far
 * better than the records themselves: the record headers (with the wall
 * time delta stripped of its decimal trailing zeros, in a section of its
 * own), and the text payloads split into a skeleton (the text with every
 * number replaced by one marker byte) and the numbers (shape, trailing
 * zeros and value, each in its own section). A number's value is coded
 * against the previous number that followed the same six skeleton bytes
 * (the same JSON member: an update id, a time, the previous price level),
 * either as a delta or as itself, whichever the recent numbers of that
 * context favoured; encoder and decoder track that choice the same way.
 *
 * The decoder never trusts a length and never writes outside its output
 * buffer (outlen + LX__XFORM_SLACK bytes: it stores digits and text a word
 * at a time, so it may scribble in the slack);
 * the encoder declines (returns 1) content it cannot give back exactly
 * (records with non-shortest varints), which is then stored plain.
 */
#include <string.h>

#include "replay/capture_int.h"

/*
 * Sections, in codec 1's stored order; codec 2 stores H, S, K and R, then
 * the streams of the wall time deltas and of the numbers. While a codec 2
 * chunk is encoded, W holds each record's wall delta as 8 bytes and its t,
 * Z each number's t, V its x as 8 bytes and C its class.
 */
enum { SEC_H, SEC_W, SEC_S, SEC_K, SEC_Z, SEC_V, SEC_R, NSEC, SEC_C = NSEC };
#define NSEC_ALL (NSEC + 1)
/* The sections codec 2 stores, in order. */
static const unsigned order2[4] = {SEC_H, SEC_S, SEC_K, SEC_R};

/*
 * Codec 2: number classes and streams per class; the streams of the wall
 * time deltas come first, then those of number class c at (c + 1) * NPL.
 */
#define NCLS   LX__XFORM_NCLS
#define NPL    LX__XFORM_NPL
#define NSTR   ((NCLS + 1) * NPL)
#define NO_CLS 0xffu
/* Codec 2: a number's shape byte is t + SH_T * L; below SH_MAX. */
#define SH_T   20
#define SH_MAX (SH_T * 9)

/* Skeleton marker; shape codes below 0x10 are special. */
#define MARK       0x01
#define K_LITERAL  0x00 /* the marker stands for a literal 0x01 byte */
#define K_END      0x01 /* end of the record's payload */
#define K_LONG     0xff /* D and F follow as two bytes */
#define MAX_DIGITS 19
/* Output beyond outlen a record may use while its length is a guess. */
#define GUESS_ROOM 8

/* Context of a number: the 6 skeleton bytes before it and its F. */
#define CTX_BITS 12
#define CTX_N    (1u << CTX_BITS)
#define CTX_BACK 6

/* Skeletons the encoder remembers per chunk (hash slots: twice that). */
#define SK_MAX   8192
#define SK_SLOTS (2 * SK_MAX)

/* A skeleton of the chunk: where it is in S. */
struct skel {
    size_t off;
    size_t len;
};

struct lx__xctx {
    uint64_t v;    /* previous value in this context */
    uint64_t vs;   /* v without its decimal trailing zeros (encoder only) */
    int32_t score; /* > 0: raw values have been cheaper than deltas */
    uint32_t tz;   /* decimal trailing zeros of v (encoder only) */
    uint32_t ep;   /* the chunk (x->ep) it was last used in */
    uint32_t cls;  /* codec 2: its class in the chunk, NO_CLS before use */
};

static const uint64_t pow10[20] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull,
                                   1000000000000000000ull,
                                   10000000000000000000ull};

/* UINT64_MAX / 10^t: the largest x that x * 10^t does not overflow. */
static const uint64_t max_scaled[20] = {18446744073709551615ull,
                                        1844674407370955161ull,
                                        184467440737095516ull,
                                        18446744073709551ull,
                                        1844674407370955ull,
                                        184467440737095ull,
                                        18446744073709ull,
                                        1844674407370ull,
                                        184467440737ull,
                                        18446744073ull,
                                        1844674407ull,
                                        184467440ull,
                                        18446744ull,
                                        1844674ull,
                                        184467ull,
                                        18446ull,
                                        1844ull,
                                        184ull,
                                        18ull,
                                        1ull};

void lx__xform_init(struct lx__xform *x, const struct lx_mem *mem)
{
    size_t i;

    x->mem = mem;
    x->codec = LX__CAP_CODEC_NUM2;
    x->nparts = 0;
    x->ncls = 0;
    x->ctx = NULL;
    x->ctx_mem = NULL;
    x->htab = NULL;
    x->nhtab = 0;
    x->ep = 0;
    x->sk_start = 0;
    lx__cbuf_init(&x->skel, mem);
    for (i = 0; i < NSEC_ALL; i++) {
        lx__cbuf_init(&x->sec[i], mem);
    }
}

void lx__xform_free(struct lx__xform *x)
{
    size_t i;

    for (i = 0; i < NSEC_ALL; i++) {
        lx__cbuf_free(&x->sec[i]);
    }
    lx__free(x->mem, x->ctx_mem);
    x->ctx_mem = NULL;
    x->ctx = NULL;
    lx__free(x->mem, x->htab);
    x->htab = NULL;
    lx__cbuf_free(&x->skel);
}

/*
 * Starts a chunk: every context at {0, 0}. Rather than clearing the table
 * (which costs more than a short piece), the chunk gets a new epoch and a
 * context of an older one is cleared when first used (ctx_get).
 */
static int reset_ctx(struct lx__xform *x)
{
    if (x->ctx == NULL) {
        /* Aligned so that no context straddles two cache lines. */
        x->ctx_mem = lx__malloc(x->mem, CTX_N * sizeof(*x->ctx) + 64);
        if (x->ctx_mem == NULL) {
            return LX_ERR_NOMEM;
        }
        x->ctx = (struct lx__xctx *)(void *)((uint8_t *)x->ctx_mem +
                                             (64 - (uintptr_t)x->ctx_mem % 64));
        x->ep = 0;
    }
    if (++x->ep == 1) {
        memset(x->ctx, 0, CTX_N * sizeof(*x->ctx)); /* new, or wrapped */
    }
    x->skel.len = 0;
    x->ncls = 0;
    return LX_OK;
}

/* Context i of a chunk of epoch ep, cleared if an older chunk left it. */
static inline struct lx__xctx *ctx_get(struct lx__xctx *ctx, unsigned i,
                                       uint32_t ep)
{
    struct lx__xctx *c = &ctx[i];

    if (c->ep != ep) {
        c->v = 0;
        c->vs = 0;
        c->score = 0;
        c->tz = 0;
        c->ep = ep;
        c->cls = NO_CLS;
    }
    return c;
}

static size_t nskel(const struct lx__xform *x)
{
    return x->skel.len / sizeof(struct skel);
}

static const struct skel *skel_at(const struct lx__xform *x, size_t id)
{
    return (const struct skel *)(const void *)x->skel.p + id;
}

static int add_skel(struct lx__xform *x, size_t off, size_t len)
{
    struct skel k;

    k.off = off;
    k.len = len;
    return lx__cbuf_put(&x->skel, &k, sizeof(k));
}

static inline unsigned bitlen(uint64_t v)
{
    return v == 0 ? 0 : 64u - (unsigned)__builtin_clzll(v);
}

/*
 * The context of the marker at s[i], s the start of its skeleton: the 6
 * skeleton bytes before it as a little-endian integer (0 for bytes before
 * the skeleton), with f in the top byte, hashed to CTX_BITS bits.
 */
static inline unsigned ctx_of(const uint8_t *s, size_t i, unsigned f)
{
    uint64_t k = (uint64_t)f << 56;
    size_t j;

    if (i >= CTX_BACK) {
        const uint8_t *b = s + i - CTX_BACK;

        k |= (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
             (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40;
    } else {
        for (j = 0; j < i; j++) {
            k |= (uint64_t)s[j] << (8 * (CTX_BACK - i + j));
        }
    }
    return (unsigned)((k * 0x9E3779B97F4A7C15ull) >> (64 - CTX_BITS));
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XF_LE 1
#else
#define XF_LE 0
#endif

/* ctx_of for a marker i bytes into skeleton s (s[-1] etc. not read). */
static inline unsigned ctx_at(const uint8_t *s, size_t i, unsigned f)
{
#if XF_LE
    if (i >= 8) {
        uint64_t w;

        memcpy(&w, s + i - 8, 8);
        w = (w >> 16) | (uint64_t)f << 56;
        return (unsigned)((w * 0x9E3779B97F4A7C15ull) >> (64 - CTX_BITS));
    }
#endif
    return ctx_of(s, i, f);
}

/* v / 10^f (f < 20) by a constant per case, which compilers multiply. */
static inline uint64_t div_pow10(uint64_t v, unsigned f)
{
    switch (f) {
#define C(n)                                                                   \
    case n:                                                                    \
        return v / pow10[n]
        C(0);
        C(1);
        C(2);
        C(3);
        C(4);
        C(5);
        C(6);
        C(7);
        C(8);
        C(9);
        C(10);
        C(11);
        C(12);
        C(13);
        C(14);
        C(15);
        C(16);
        C(17);
        C(18);
#undef C
    default:
        return v / pow10[f];
    }
}

/*
 * Updates a context after coding v (delta d from the previous value):
 * the score follows which of the two forms would have been shorter.
 */
static inline void ctx_learn(struct lx__xctx *c, uint64_t v, uint64_t d)
{
    int32_t diff = (int32_t)bitlen(lx__cap_zigzag(d)) - (int32_t)bitlen(v);

    c->score += diff - c->score / 8;
    c->v = v;
}

/* ---- encoder ------------------------------------------------------------ */

/* Room for n more bytes in section i. */
#define ROOM(x, i, n)                                                          \
    do {                                                                       \
        if ((x)->sec[i].cap - (x)->sec[i].len < (n) &&                         \
            (rc = lx__cbuf_reserve(&(x)->sec[i], (n))) != LX_OK) {             \
            return rc;                                                         \
        }                                                                      \
    } while (0)

static void put_u8(struct lx__cbuf *b, unsigned v)
{
    b->p[b->len++] = (uint8_t)v;
}

static inline void put_uv(struct lx__cbuf *b, uint64_t v)
{
    uint8_t *q = b->p + b->len;

    if (v < 0x80) {
        *q = (uint8_t)v;
        b->len++;
        return;
    }
    while (v >= 0x80) {
        *q++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *q++ = (uint8_t)v;
    b->len = (size_t)(q - b->p);
}

/* Reads a varint that must be in its shortest form; 0 if it is not. */
static inline size_t get_canon(const uint8_t *p, size_t len, uint64_t *v)
{
    size_t n;

    if (len > 0 && p[0] < 0x80) {
        *v = p[0];
        return 1;
    }
    n = lx__cap_get_uvarint(p, len, v);

    return n != 0 && n == lx__cap_uvarint_len(*v) ? n : 0;
}

/* Skips a uvarint and a string of that length; 0 if malformed. */
static size_t skip_str(const uint8_t *p, size_t len)
{
    uint64_t n;
    size_t k = lx__cap_get_uvarint(p, len, &n);

    return k != 0 && n <= len - k ? k + (size_t)n : 0;
}

/*
 * The length of the part of a body (after the four deltas) that comes
 * before the payload text; len if the record has none or is malformed.
 */
static size_t prefix_len(int kind, const uint8_t *p, size_t len)
{
    size_t pos = 0, k, nstr = 0, i;
    uint64_t v;

    switch (kind) {
    case LX_CAPTURE_HTTP_REQUEST:
    case LX_CAPTURE_HTTP_RESPONSE:
        k = lx__cap_get_uvarint(p, len, &v);
        if (k == 0) {
            return len;
        }
        pos = k;
        if (kind == LX_CAPTURE_HTTP_RESPONSE) {
            k = lx__cap_get_uvarint(p + pos, len - pos, &v);
            if (k == 0) {
                return len;
            }
            pos += k;
        }
        nstr = kind == LX_CAPTURE_HTTP_REQUEST ? 2 : 1;
        for (i = 0; i < nstr; i++) {
            if ((k = skip_str(p + pos, len - pos)) == 0) {
                return len;
            }
            pos += k;
        }
        k = lx__cap_get_uvarint(p + pos, len - pos, &v);
        if (k == 0 || v > LX__CAP_MAX_HEADERS) {
            return len;
        }
        pos += k;
        for (i = 0; i < 2 * (size_t)v; i++) {
            if ((k = skip_str(p + pos, len - pos)) == 0) {
                return len;
            }
            pos += k;
        }
        return pos;
    case LX_CAPTURE_WS_FRAME:
        k = lx__cap_get_uvarint(p, len, &v);
        return k != 0 ? k : len;
    case LX_CAPTURE_ANNOTATION:
        k = skip_str(p, len);
        return k != 0 ? k : len;
    default:
        return len;
    }
}

/* A number being read: its value, without trailing zeros, and digits. */
struct num {
    uint64_t v, vs;
    unsigned tz, n;
};

static inline bool is_digit(uint8_t b)
{
    return (unsigned)(b - '0') < 10;
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/*
 * 0x80 in each byte of w that is strictly between m and n (m < n <= 128),
 * 0 in the others: exact for every byte (no carries between bytes).
 */
static inline uint64_t between(uint64_t w, unsigned m, unsigned n)
{
    uint64_t lo = w & (ONES * 127);

    return (ONES * (127 + n) - lo) & ~w & (lo + ONES * (127 - m)) & HIGHS;
}

/* The value of the first k (1..8) ASCII digits of w (little-endian). */
static inline uint64_t parse8(uint64_t w, unsigned k)
{
    /* Borrows of the bytes after the digits only go up, and are shifted
     * out; the shift puts zeros (leading zeros) in front. */
    uint64_t v = (w - ONES * '0') << (8 * (8 - k));

    v = v * 10 + (v >> 8);
    return ((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
            ((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >>
           32;
}

/*
 * Reads up to max digits at p[0..avail) into *v (v * 10^k + them);
 * returns how many.
 */
static inline unsigned digit_run(const uint8_t *p, size_t avail, unsigned max,
                                 uint64_t *v)
{
    unsigned n = 0;

    while (n < max) {
#if XF_LE
        if (avail - n >= 8) {
            uint64_t w, nd;
            unsigned k;

            memcpy(&w, p + n, 8);
            nd = ~between(w, '0' - 1, '9' + 1) & HIGHS;
            k = nd != 0 ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
            if (k > max - n) {
                k = max - n;
            }
            if (k == 0) {
                return n;
            }
            *v = *v * pow10[k] + parse8(w, k);
            n += k;
            if (k < 8) {
                return n;
            }
            continue;
        }
#endif
        if (n >= avail || !is_digit(p[n])) {
            return n;
        }
        *v = *v * 10 + (unsigned)(p[n] - '0');
        n++;
    }
    return n;
}

/*
 * Reads the number at p[*i] (a digit) into m: a maximal run of digits
 * (at most 19), then a point and the digits after it if a digit follows
 * and the total stays at most 19. *F gets the digits after the point.
 */
static inline void read_number(const uint8_t *p, size_t len, size_t *i,
                               struct num *m, unsigned *F)
{
    size_t st = *i, e;
    unsigned n, f = 0, tz = 0, suf;

    m->v = 0;
    n = digit_run(p + st, len - st, MAX_DIGITS, &m->v);
    e = st + n;
    if (e + 1 < len && p[e] == '.' && n < MAX_DIGITS && is_digit(p[e + 1])) {
        f = digit_run(p + e + 1, len - e - 1, MAX_DIGITS - n, &m->v);
        n += f;
        e += 1 + f;
    }
    m->n = n;
    *F = f;
    *i = e;
    /* Trailing zeros: the '0's (and the point) at the end of the text. */
    if (m->v == 0) {
        m->tz = 0;
        m->vs = 0;
        return;
    }
    suf = 8;
#if XF_LE
    if (e - st >= 8) {
        uint64_t w, other;

        memcpy(&w, p + e - 8, 8);
        other = ~between(w, '.' - 1, '0' + 1) & HIGHS;
        if (other != 0) {
            suf = 7 - ((63 - (unsigned)__builtin_clzll(other)) >> 3);
            tz = suf - (f > 0 && suf > f ? 1 : 0);
        }
    }
#endif
    if (suf == 8) {
        /* v != 0: a digit other than 0 ends the scan inside the number. */
        for (tz = 0; p[e - 1] == '0' || p[e - 1] == '.'; e--) {
            tz += p[e - 1] == '0';
        }
    }
    m->tz = tz;
    m->vs = div_pow10(m->v, tz);
}

#if XF_LE
/* 0x80 in each byte of w that is not an ASCII digit (exact per byte). */
static inline uint64_t nondigits(uint64_t w)
{
    uint64_t x = w ^ (ONES * '0');

    return (((x & ~HIGHS) + ONES * (128 - 10)) | x) & HIGHS;
}

/* 0x80 in each byte of w equal to MARK (exact per byte). */
static inline uint64_t marks(uint64_t w)
{
    uint64_t x = w ^ (ONES * MARK);

    return ~(((x & ~HIGHS) + ~HIGHS) | x) & HIGHS;
}

/* The value of the first k (0..8) ASCII digits of w. */
static inline uint64_t parse8z(uint64_t w, unsigned k)
{
    return k != 0 ? parse8(w, k) : 0;
}

/*
 * read_number for the common shapes, a word at a time: at most 15 digits
 * before the point and at most 8 after it, with 24 bytes readable at
 * p[*i] and 8 before the end of the number. Gives exactly what read_number
 * gives, or returns false (nothing changed) for read_number to do it.
 */
static inline bool read_number_fast(const uint8_t *p, size_t len, size_t *i,
                                    struct num *m, unsigned *F)
{
    size_t st = *i, e;
    uint64_t w, w2, nd, ip, fw = 0, v, other;
    unsigned n, f = 0, suf, tz;

    if (len - st < 24) {
        return false;
    }
    memcpy(&w, p + st, 8);
    nd = nondigits(w);
    if (nd != 0) {
        n = (unsigned)__builtin_ctzll(nd) >> 3;
        ip = parse8(w, n);
    } else {
        unsigned k;

        memcpy(&w2, p + st + 8, 8);
        nd = nondigits(w2);
        if (nd == 0) {
            return false;
        }
        k = (unsigned)__builtin_ctzll(nd) >> 3;
        ip = parse8(w, 8) * pow10[k] + parse8z(w2, k);
        n = 8 + k;
    }
    e = st + n; /* n <= 15: p[e + 1..e + 9) is readable */
    if (p[e] == '.' && is_digit(p[e + 1])) {
        memcpy(&fw, p + e + 1, 8);
        nd = nondigits(fw);
        if (nd != 0) {
            f = (unsigned)__builtin_ctzll(nd) >> 3;
        } else if (n + 8 <= MAX_DIGITS && !is_digit(p[e + 9])) {
            f = 8; /* n <= 11: p[e + 9] is readable */
        } else {
            return false;
        }
        if (n + f > MAX_DIGITS) {
            return false;
        }
        e += 1 + f;
    }
    *i = e;
    m->n = n + f;
    *F = f;
    /*
     * Trailing zeros: the '0's (and the point) at the end of the text, a
     * run of suf bytes; if it covers the whole number, the number is 0.
     */
    other = 0;
    if (e >= 8) {
        memcpy(&w, p + e - 8, 8);
        other = ~(between(w, '.' - 1, '0' + 1)) & HIGHS;
    }
    if (other != 0) {
        suf = 7 - ((63 - (unsigned)__builtin_clzll(other)) >> 3);
        if (suf >= e - st) {
            m->v = 0;
            m->vs = 0;
            m->tz = 0;
            return true;
        }
        tz = suf - (f > 0 && suf > f ? 1 : 0);
    } else {
        if (ip == 0 && parse8z(fw, f) == 0) {
            m->v = 0;
            m->vs = 0;
            m->tz = 0;
            return true;
        }
        /* v != 0: a digit other than 0 ends the run inside the number. */
        for (tz = 0; p[e - 1] == '0' || p[e - 1] == '.'; e--) {
            tz += p[e - 1] == '0';
        }
    }
    m->tz = tz;
    if (tz <= f) {
        /* The digits without the trailing zeros, then the zeros back. */
        v = ip * pow10[f - tz] + parse8z(fw, f - tz);
        m->vs = v;
        m->v = v * pow10[tz];
    } else {
        v = ip * pow10[f] + parse8z(fw, f);
        m->v = v;
        m->vs = div_pow10(v, tz);
    }
    return true;
}
#endif

/*
 * Write cursors of the K, Z and V sections while a text is encoded (kept
 * in locals: stores through a byte pointer into a struct lx__cbuf would
 * make the compiler reload every field after each byte).
 */
struct wcur {
    uint8_t *k, *z, *v, *c;
};

/*
 * Encodes one number token of D digits, F of them after a point, in
 * context ci (ctx_at of its marker); w has room for it.
 */
static inline void enc_number(struct lx__xctx *ctx, uint32_t ep, struct wcur *w,
                              unsigned ci, const struct num *m, unsigned D,
                              unsigned F, bool two, unsigned *ncls)
{
    struct lx__xctx *c;
    uint64_t v = m->v, vs = m->vs, d, out;
    unsigned tz = v == 0 ? 0 : m->tz, t;
    uint8_t *q;

    if (D < 16) {
        *w->k++ = (uint8_t)((D << 4) | F);
    } else {
        w->k[0] = K_LONG;
        w->k[1] = (uint8_t)D;
        w->k[2] = (uint8_t)F;
        w->k += 3;
    }
    c = ctx_get(ctx, ci, ep);
    d = v - c->v;
    if (c->score <= 0) {
        /*
         * A delta: both values are multiples of 10^t, t = min(tz), and
         * the delta over 10^t is a difference of two products (below
         * 10^18 when t > 0, so it fits). Then any further zeros.
         */
        int64_t sd = (int64_t)d;

        t = tz < c->tz ? tz : c->tz;
        if (t > 0) {
            sd = (int64_t)(vs * pow10[tz - t] - c->vs * pow10[c->tz - t]);
        }
        if (sd != 0) {
            while (sd % 10 == 0) {
                sd /= 10;
                t++;
            }
        } else {
            t = 0;
        }
        out = lx__cap_zigzag((uint64_t)sd);
    } else {
        t = tz;
        out = vs;
    }
    *w->z++ = (uint8_t)t;
    if (two) {
        /* Classes in order of first use; the late ones share the last. */
        if (c->cls == NO_CLS) {
            c->cls = *ncls < NCLS ? (*ncls)++ : NCLS - 1;
        }
        *w->c++ = (uint8_t)c->cls;
        memcpy(w->v, &out, 8);
        w->v += 8;
        ctx_learn(c, v, d);
        c->tz = tz;
        c->vs = vs;
        return;
    }
    q = w->v;
    while (out >= 0x80) {
        *q++ = (uint8_t)(out | 0x80);
        out >>= 7;
    }
    *q++ = (uint8_t)out;
    w->v = q;
    ctx_learn(c, v, d);
    c->tz = tz;
    c->vs = vs;
}

/* Room in K, Z and V for n more numbers (and at least one byte each). */
static int sec_room(struct lx__xform *x, size_t n)
{
    int rc;

    if ((rc = lx__cbuf_reserve(&x->sec[SEC_K], 3 * n + 1)) != LX_OK ||
        (rc = lx__cbuf_reserve(&x->sec[SEC_Z], n + 1)) != LX_OK ||
        (rc = lx__cbuf_reserve(&x->sec[SEC_C], n + 1)) != LX_OK ||
        (rc = lx__cbuf_reserve(&x->sec[SEC_V], 10 * n + 1)) != LX_OK) {
        return rc;
    }
    return LX_OK;
}

static void cur_get(struct lx__xform *x, struct wcur *w)
{
    w->k = x->sec[SEC_K].p + x->sec[SEC_K].len;
    w->z = x->sec[SEC_Z].p + x->sec[SEC_Z].len;
    w->v = x->sec[SEC_V].p + x->sec[SEC_V].len;
    w->c = x->sec[SEC_C].p + x->sec[SEC_C].len;
}

static void cur_put(struct lx__xform *x, const struct wcur *w)
{
    x->sec[SEC_K].len = (size_t)(w->k - x->sec[SEC_K].p);
    x->sec[SEC_Z].len = (size_t)(w->z - x->sec[SEC_Z].p);
    x->sec[SEC_V].len = (size_t)(w->v - x->sec[SEC_V].p);
    x->sec[SEC_C].len = (size_t)(w->c - x->sec[SEC_C].p);
}

/*
 * The section lengths from the cursors, and room for n more numbers; the
 * cursors move with the sections. Only once sec_room made the sections.
 */
static inline int enc_room(struct lx__xform *x, struct wcur *w, size_t n)
{
    const struct lx__cbuf *k = &x->sec[SEC_K], *z = &x->sec[SEC_Z],
                          *v = &x->sec[SEC_V], *c = &x->sec[SEC_C];
    int rc;

    cur_put(x, w);
    if (k->cap - k->len > 3 * n && z->cap - z->len > n && c->cap - c->len > n &&
        v->cap - v->len > 10 * n) {
        return LX_OK;
    }
    rc = sec_room(x, n);
    cur_get(x, w);
    return rc;
}

/* Numbers a text is given room for at a time (each takes one byte). */
#define ROOM_STEP (64u << 10)

/* Splits a payload text into skeleton and numbers. */
static int enc_text(struct lx__xform *x, const uint8_t *p, size_t len)
{
    struct lx__cbuf *s = &x->sec[SEC_S];
    struct lx__xctx *ctx = x->ctx;
    const uint32_t ep = x->ep;
    const bool two = x->codec == LX__CAP_CODEC_NUM2;
    unsigned ncls = x->ncls;
    const uint8_t *sk;
    uint8_t *sq;
    struct wcur w;
    size_t i = 0, room;
    int rc;

    /* Room for the skeleton and for 8-byte stores past its end. */
    ROOM(x, SEC_S, len + 1 + 8);
    x->sk_start = s->len;
    sk = s->p + s->len;
    sq = s->p + s->len;
    /* Every number and literal marker takes at least one byte of text. */
    room = len < ROOM_STEP ? len : ROOM_STEP;
    if ((rc = sec_room(x, room)) != LX_OK) {
        return rc;
    }
    cur_get(x, &w);
    while (i < len) {
        uint8_t b;
        struct num m;
        unsigned F;

#if XF_LE
        while (len - i >= 8) {
            uint64_t wd, hit;

            memcpy(&wd, p + i, 8);
            memcpy(sq, &wd, 8);
            hit = (nondigits(wd) ^ HIGHS) | marks(wd);
            if (hit != 0) {
                size_t k = (size_t)__builtin_ctzll(hit) >> 3;

                i += k;
                sq += k;
                break;
            }
            i += 8;
            sq += 8;
        }
        if (i >= len) {
            break;
        }
#endif
        if (room == 0) {
            room = len - i < ROOM_STEP ? len - i : ROOM_STEP;
            if ((rc = enc_room(x, &w, room)) != LX_OK) {
                return rc;
            }
        }
        room--;
        b = p[i];
        if (!is_digit(b)) {
            *sq++ = b;
            i++;
            if (b == MARK) {
                *w.k++ = K_LITERAL;
            }
            continue;
        }
#if XF_LE
        if (!read_number_fast(p, len, &i, &m, &F))
#endif
        {
            read_number(p, len, &i, &m, &F);
        }
        /* The context of the marker about to be written at sq. */
        enc_number(ctx, ep, &w, ctx_at(sk, (size_t)(sq - sk), F), &m, m.n, F,
                   two, &ncls);
        *sq++ = MARK;
    }
    *sq++ = MARK;
    s->len = (size_t)(sq - s->p);
    if ((rc = enc_room(x, &w, 1)) != LX_OK) {
        return rc;
    }
    *w.k++ = K_END;
    cur_put(x, &w);
    x->ncls = ncls;
    return LX_OK;
}

/*
 * A hash of p[0..n) (only ever compared with hashes of this function:
 * which skeleton matches does not depend on it). Two lanes, so that the
 * multiplications of a long skeleton do not wait on each other.
 */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n, g = 0xC2B2AE3D27D4EB4Full;
    size_t i = 0;

    for (; i + 16 <= n; i += 16) {
        uint64_t w, u;

        memcpy(&w, p + i, 8);
        memcpy(&u, p + i + 8, 8);
        h = (h ^ w) * 0x100000001b3ull;
        g = (g ^ u) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
        g ^= g >> 31;
    }
    h ^= g;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;

        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h ^ (h >> 32);
}

/*
 * The skeleton just written at S[sk_start..) : if the chunk had it
 * before, drops it and returns the earlier id + 1; else registers it as
 * the next id and returns 0.
 */
static int skel_ref(struct lx__xform *x, uint64_t *ref)
{
    struct lx__cbuf *s = &x->sec[SEC_S];
    size_t st = x->sk_start, n = s->len - st;
    uint64_t h = hash_bytes(s->p + st, n);
    size_t slot = (size_t)h & (SK_SLOTS - 1), probes;

    *ref = 0;
    for (probes = 0; probes < SK_SLOTS && x->htab[slot] != 0; probes++) {
        const struct skel *k = skel_at(x, x->htab[slot] - 1);

        if (k->len == n && memcmp(s->p + k->off, s->p + st, n) == 0) {
            *ref = x->htab[slot];
            s->len = st;
            return LX_OK;
        }
        slot = (slot + 1) & (SK_SLOTS - 1);
    }
    if (nskel(x) < SK_MAX && x->htab[slot] == 0) {
        x->htab[slot] = (uint32_t)nskel(x) + 1;
        x->htab[SK_SLOTS + x->nhtab++] = (uint32_t)slot;
    }
    return add_skel(x, st, n);
}

/* Strips the decimal trailing zeros of a signed delta. */
static uint64_t strip10(uint64_t zz, unsigned *t)
{
    int64_t d = (int64_t)lx__cap_unzigzag(zz);

    *t = 0;
    while (d != 0 && d % 10 == 0) {
        d /= 10;
        (*t)++;
    }
    return lx__cap_zigzag((uint64_t)d);
}

/* Encodes one record at p[0..len); returns its size or 0 (decline). */
static size_t enc_record(struct lx__xform *x, const uint8_t *p, size_t len,
                         int *rcp)
{
    uint64_t blen, dv[4];
    size_t k, pos, plen, body, i;
    unsigned t;
    int rc;

    *rcp = LX_OK;
    k = get_canon(p, len, &blen);
    if (k == 0 || blen > len - k || blen < 2 || blen > LX__CAP_MAX_RECORD) {
        return 0;
    }
    body = k;
    pos = body + 2;
    for (i = 0; i < 4; i++) {
        size_t n = get_canon(p + pos, body + (size_t)blen - pos, &dv[i]);

        if (n == 0) {
            return 0;
        }
        pos += n;
    }
    plen = prefix_len(p[body], p + pos, body + (size_t)blen - pos);
#define ROOM0(i, n)                                                            \
    do {                                                                       \
        if (x->sec[i].cap - x->sec[i].len < (n) &&                             \
            (rc = lx__cbuf_reserve(&x->sec[i], (n))) != LX_OK) {               \
            *rcp = rc;                                                         \
            return 0;                                                          \
        }                                                                      \
    } while (0)
    ROOM0(SEC_H, 2 + 3 * 10 + 1 + 10 + plen + 1 + 10);
    ROOM0(SEC_W, 10);
    put_u8(&x->sec[SEC_H], p[body]);
    put_u8(&x->sec[SEC_H], p[body + 1]);
    put_uv(&x->sec[SEC_H], dv[0]);
    put_uv(&x->sec[SEC_H], dv[1]);
    put_uv(&x->sec[SEC_H], dv[3]);
    if (x->codec == LX__CAP_CODEC_NUM2) {
        uint64_t wv = strip10(dv[2], &t);
        uint8_t *q = x->sec[SEC_W].p + x->sec[SEC_W].len;

        memcpy(q, &wv, 8);
        q[8] = (uint8_t)t;
        x->sec[SEC_W].len += 9;
    } else {
        put_uv(&x->sec[SEC_W], strip10(dv[2], &t));
        put_u8(&x->sec[SEC_H], t);
    }
    put_uv(&x->sec[SEC_H], plen);
    memcpy(x->sec[SEC_H].p + x->sec[SEC_H].len, p + pos, plen);
    x->sec[SEC_H].len += plen;
    pos += plen;
    i = body + (size_t)blen - pos; /* payload length */
    /* Text: HTTP bodies, notes, and text or continuation frames. */
    if (i == 0 || p[body] < LX_CAPTURE_HTTP_REQUEST ||
        p[body] > LX_CAPTURE_ANNOTATION ||
        (p[body] == LX_CAPTURE_WS_FRAME && p[pos - plen] > 1)) {
        put_u8(&x->sec[SEC_H], 0);
        put_uv(&x->sec[SEC_H], i);
        if (i > 0) {
            ROOM0(SEC_R, i);
            memcpy(x->sec[SEC_R].p + x->sec[SEC_R].len, p + pos, i);
            x->sec[SEC_R].len += i;
        }
    } else {
        uint64_t ref;

        put_u8(&x->sec[SEC_H], 1);
        rc = enc_text(x, p + pos, i);
        if (rc == LX_OK) {
            rc = skel_ref(x, &ref);
        }
        if (rc != LX_OK) {
            *rcp = rc;
            return 0;
        }
        put_uv(&x->sec[SEC_H], ref);
    }
#undef ROOM0
    return body + (size_t)blen;
}

/* The number of bytes of x without its leading zero bytes (0 for 0). */
static inline unsigned bytelen(uint64_t x)
{
    return (bitlen(x) + 7) / 8;
}

/*
 * The stream (in its class's 9) of byte j of a value of L bytes: the top
 * byte goes to 5..8 by length (4 and more share 8), the others to 1..4 by
 * position (3 and up share 4).
 */
static const uint8_t plane_tab[9][8] = {
    {0},
    {5},
    {1, 6},
    {1, 2, 7},
    {1, 2, 3, 8},
    {1, 2, 3, 4, 8},
    {1, 2, 3, 4, 4, 8},
    {1, 2, 3, 4, 4, 4, 8},
    {1, 2, 3, 4, 4, 4, 4, 8},
};

/*
 * The stream stored i-th of a chunk with nc classes (wall time included):
 * plane by plane, and in a plane class by class.
 */
static inline size_t stream_at(size_t i, size_t nc)
{
    return i % nc * NPL + i / nc;
}

/* Stream bytes of the values of each length, per (class, length). */
static void add_counts(size_t *cnt, const size_t *nlen)
{
    unsigned L, j;

    for (L = 0; L <= 8; L++) {
        cnt[0] += nlen[L];
        for (j = 0; j < L; j++) {
            cnt[plane_tab[L][j]] += nlen[L];
        }
    }
}

/* Writes a value v with t to the streams at q (advancing them). */
static inline void put_num(uint8_t **q, unsigned t, uint64_t v)
{
    unsigned L = bytelen(v), j;

    *q[0]++ = (uint8_t)(t + SH_T * L);
    /* The usual lengths without the table. */
    if (L == 1) {
        *q[5]++ = (uint8_t)v;
    } else if (L == 2) {
        *q[1]++ = (uint8_t)v;
        *q[6]++ = (uint8_t)(v >> 8);
    } else {
        for (j = 0; j < L; j++) {
            *q[plane_tab[L][j]]++ = (uint8_t)(v >> (8 * j));
        }
    }
}

/*
 * Codec 2's content: the header, H, S, K and R, then the streams of the
 * wall time deltas and of each number class (section 5.5), from what the
 * encoder left in W (value and t of each record) and in Z, V and C (t,
 * value and class of each number).
 */
static int assemble2(struct lx__xform *x, uint64_t nrec, struct lx__cbuf *out)
{
    const uint8_t *cz = x->sec[SEC_C].p, *tz = x->sec[SEC_Z].p;
    const uint8_t *vz = x->sec[SEC_V].p, *wz = x->sec[SEC_W].p;
    size_t nnum = x->sec[SEC_Z].len, nw = x->sec[SEC_W].len / 9;
    size_t cnt[NSTR], nlen[NCLS + 1][9], total = 0, i;
    unsigned nstr = (x->ncls + 1) * NPL;
    uint8_t *p, *q[NSTR];
    uint64_t v;
    int rc;

    memset(cnt, 0, sizeof(cnt));
    memset(nlen, 0, sizeof(nlen));
    for (i = 0; i < nw; i++) {
        memcpy(&v, wz + 9 * i, 8);
        nlen[0][bytelen(v)]++;
    }
    for (i = 0; i < nnum; i++) {
        memcpy(&v, vz + 8 * i, 8);
        nlen[cz[i] + 1][bytelen(v)]++;
    }
    for (i = 0; i <= x->ncls; i++) {
        add_counts(cnt + i * NPL, nlen[i]);
    }
    for (i = 0; i < 4; i++) {
        total += x->sec[order2[i]].len;
    }
    for (i = 0; i < nstr; i++) {
        total += cnt[i];
    }
    rc = lx__cbuf_reserve(out, 10 * (6 + nstr) + total);
    if (rc != LX_OK) {
        return rc;
    }
    p = out->p + out->len;
    p += lx__cap_put_uvarint(p, nrec);
    for (i = 0; i < 4; i++) {
        p += lx__cap_put_uvarint(p, x->sec[order2[i]].len);
    }
    p += lx__cap_put_uvarint(p, x->ncls);
    for (i = 0; i < nstr; i++) {
        p += lx__cap_put_uvarint(p, cnt[stream_at(i, x->ncls + 1)]);
    }
    x->nparts = 0;
    for (i = 0; i < 4; i++) {
        const struct lx__cbuf *b = &x->sec[order2[i]];

        if (b->len > 0) {
            memcpy(p, b->p, b->len);
        }
        p += b->len;
        x->parts[x->nparts++] = b->len;
    }
    for (i = 0; i < nstr; i++) {
        size_t si = stream_at(i, x->ncls + 1);

        q[si] = p;
        p += cnt[si];
        x->parts[x->nparts++] = cnt[si];
    }
    for (i = 0; i < nw; i++) {
        memcpy(&v, wz + 9 * i, 8);
        put_num(q, wz[9 * i + 8], v);
    }
    for (i = 0; i < nnum; i++) {
        memcpy(&v, vz + 8 * i, 8);
        put_num(q + ((size_t)cz[i] + 1) * NPL, tz[i], v);
    }
    out->len = (size_t)(p - out->p);
    return LX_OK;
}

int lx__xform_encode(struct lx__xform *x, const uint8_t *in, size_t n,
                     struct lx__cbuf *out)
{
    size_t pos = 0, i, total = 0;
    uint64_t nrec = 0;
    uint8_t *p;
    int rc = reset_ctx(x);

    if (rc != LX_OK) {
        return rc;
    }
    if (x->htab == NULL) {
        /* The table, then the list of its slots in use (up to SK_MAX). */
        x->htab = lx__malloc(x->mem, (SK_SLOTS + SK_MAX) * sizeof(*x->htab));
        if (x->htab == NULL) {
            return LX_ERR_NOMEM;
        }
        memset(x->htab, 0, SK_SLOTS * sizeof(*x->htab));
        x->nhtab = 0;
    }
    /* Clears what the previous chunk used, not the whole table. */
    for (i = 0; i < x->nhtab; i++) {
        x->htab[x->htab[SK_SLOTS + i]] = 0;
    }
    x->nhtab = 0;
    for (i = 0; i < NSEC_ALL; i++) {
        x->sec[i].len = 0;
    }
    while (pos < n) {
        size_t k = enc_record(x, in + pos, n - pos, &rc);

        if (k == 0) {
            return rc != LX_OK ? rc : 1;
        }
        pos += k;
        nrec++;
    }
    if (x->codec == LX__CAP_CODEC_NUM2) {
        return assemble2(x, nrec, out);
    }
    for (i = 0; i < NSEC; i++) {
        total += x->sec[i].len;
        x->parts[i] = x->sec[i].len;
    }
    x->nparts = NSEC;
    rc = lx__cbuf_reserve(out, 10 * (NSEC + 1) + total);
    if (rc != LX_OK) {
        return rc;
    }
    p = out->p + out->len;
    p += lx__cap_put_uvarint(p, nrec);
    for (i = 0; i < NSEC; i++) {
        p += lx__cap_put_uvarint(p, x->sec[i].len);
    }
    for (i = 0; i < NSEC; i++) {
        if (x->sec[i].len > 0) {
            memcpy(p, x->sec[i].p, x->sec[i].len);
        }
        p += x->sec[i].len;
    }
    out->len = (size_t)(p - out->p);
    return LX_OK;
}

/* ---- decoder ------------------------------------------------------------ */

struct sec {
    const uint8_t *p;
    size_t len;
    size_t pos;
};

/* A number stream of codec 2: the next byte and the end. */
struct nsec {
    const uint8_t *c, *e;
};

struct dec {
    struct sec s[NSEC];
    struct nsec ns[NSTR]; /* codec 2: the wall time and number streams */
    unsigned ncls;        /* codec 2: classes assigned so far */
    bool two;             /* codec 2 */
    struct lx__xform *x;
    bool nomem;
    uint8_t *out;
    uint8_t *oend; /* out + outlen + LX__XFORM_SLACK: scratch room */
    size_t cap;
    size_t pos;
    size_t guess; /* size of the previous body length varint */
    const char *err;
};

static inline unsigned rd_u8(struct dec *d, int i)
{
    struct sec *s = &d->s[i];

    if (s->pos >= s->len) {
        d->err = "section truncated";
        return 0;
    }
    return s->p[s->pos++];
}

static inline uint64_t rd_uv(struct dec *d, int i)
{
    struct sec *s = &d->s[i];
    uint64_t v = 0;
    size_t n;

    if (s->pos < s->len && s->p[s->pos] < 0x80) {
        return s->p[s->pos++];
    }
    n = lx__cap_get_uvarint(s->p + s->pos, s->len - s->pos, &v);

    if (n == 0) {
        d->err = "bad varint in section";
        return 0;
    }
    s->pos += n;
    return v;
}

/* Writes n digits of *v ending before e (low first); returns the start. */
static inline uint8_t *put_run(uint8_t *e, uint64_t *v, unsigned n)
{
    uint64_t x = *v;

    while (n >= 2) {
        unsigned r = (unsigned)(x % 100);

        x /= 100;
        e -= 2;
        e[0] = (uint8_t)lx__digit_pairs[2 * r];
        e[1] = (uint8_t)lx__digit_pairs[2 * r + 1];
        n -= 2;
    }
    if (n > 0) {
        *--e = (uint8_t)('0' + x % 10);
        x /= 10;
    }
    *v = x;
    return e;
}

/* Writes v as D digits, a point before the last F; out has room. */
static inline void put_digits(uint8_t *q, uint64_t v, unsigned D, unsigned F)
{
    uint8_t *e = q + D + (F > 0 ? 1 : 0);

    if (F > 0) {
        e = put_run(e, &v, F);
        *--e = '.';
    }
    put_run(e, &v, D - F);
}

/*
 * The 8 ASCII digits of x < 10^8, most significant first in memory
 * (little-endian): split into halves of 4, quarters of 2, then digits, all
 * lanes at once (x / 100 as (x * 10486) >> 20 and x / 10 as (x * 103) >>
 * 10, exact in the ranges used).
 */
static inline uint64_t swar8(uint32_t x)
{
    uint64_t y = (uint64_t)(x / 10000) | (uint64_t)(x % 10000) << 32;
    uint64_t q = ((y * 10486) >> 20) & 0x0000007F0000007Full;

    y = q | (y - q * 100) << 16;
    q = ((y * 103) >> 10) & 0x000F000F000F000Full;
    y = q | (y - q * 10) << 8;
    return y + 0x3030303030303030ull;
}

/* The 4 ASCII digits of x < 10^4, as swar8 does it. */
static inline uint32_t swar4(uint32_t x)
{
    uint32_t y = x / 100 | (x % 100) << 16;
    uint32_t q = ((y * 103) >> 10) & 0x000F000Fu;

    return (q | (y - q * 10) << 8) + 0x30303030u;
}

/*
 * Writes x < 10^n (1 <= n <= 19) as n digits at q, 8 at a time; may
 * write up to 8 bytes past them. Returns the end of the digits. Words
 * are stored as they are: little-endian hosts only (XF_LE).
 */
static inline __attribute__((always_inline)) uint8_t *
put_n(uint8_t *q, uint64_t x, unsigned n)
{
    uint64_t w;

    if (n <= 2) {
        q[0] = (uint8_t)lx__digit_pairs[2 * x + 2 - n];
        q[1] = (uint8_t)lx__digit_pairs[2 * x + 1];
        return q + n;
    }
    if (n <= 4) {
        uint32_t h = swar4((uint32_t)x) >> (8 * (4 - n));

        memcpy(q, &h, 4);
        return q + n;
    }
    if (n <= 8) {
        w = swar8((uint32_t)x) >> (8 * (8 - n));
        memcpy(q, &w, 8);
        return q + n;
    }
    if (n <= 16) {
        w = swar8((uint32_t)(x / 100000000u)) >> (8 * (16 - n));
        memcpy(q, &w, 8);
        q += n - 8;
        w = swar8((uint32_t)(x % 100000000u));
        memcpy(q, &w, 8);
        return q + 8;
    }
    w = swar8((uint32_t)(x / 10000000000000000ull)) >> (8 * (24 - n));
    memcpy(q, &w, 8);
    q += n - 16;
    x %= 10000000000000000ull;
    w = swar8((uint32_t)(x / 100000000u));
    memcpy(q, &w, 8);
    w = swar8((uint32_t)(x % 100000000u));
    memcpy(q + 8, &w, 8);
    return q + 16;
}

/*
 * put_digits with room for 48 bytes at q: the integer part and the
 * fraction each written a word at a time, without a loop.
 */
static inline __attribute__((always_inline)) void
put_digits_fast(uint8_t *q, uint64_t v, unsigned D, unsigned F)
{
    uint64_t ip;

    if (F == 0) {
        put_n(q, v, D);
        return;
    }
    ip = div_pow10(v, F);
    q = put_n(q, ip, D - F);
    *q = '.';
    put_n(q + 1, v - ip * pow10[F], F);
}

/* A uvarint at p[0..len) (lx__cap_get_uvarint, short ones inline). */
static inline size_t get_uv(const uint8_t *p, size_t len, uint64_t *v)
{
    uint64_t x = 0;
    size_t i;

    for (i = 0; i < len && i < 9; i++) {
        x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if (p[i] < 0x80) {
            *v = x;
            return i + 1;
        }
    }
    return lx__cap_get_uvarint(p, len, v);
}

/*
 * Codec 2: reads the t and x of a number from the 9 streams st of its
 * class: the shape byte, then x's bytes low first from the planes. False
 * (with *err) if a stream ends or the shape or top byte is not canonical.
 */
static inline bool rd_num2(struct nsec *st, unsigned *t, uint64_t *raw,
                           const char **err)
{
    unsigned sh, L, j;
    uint64_t x, b0, b1;

    if (st[0].c == st[0].e) {
        goto truncated;
    }
    sh = *st[0].c++;
    L = sh / SH_T;
    *t = sh - L * SH_T;
    /* The usual lengths first; the top byte must not be 0. */
    if (L == 1) {
        if (st[5].c == st[5].e) {
            goto truncated;
        }
        x = *st[5].c++;
        if (x == 0) {
            goto zero_top;
        }
    } else if (L == 2) {
        if (st[1].c == st[1].e || st[6].c == st[6].e) {
            goto truncated;
        }
        b0 = *st[1].c++;
        b1 = *st[6].c++;
        if (b1 == 0) {
            goto zero_top;
        }
        x = b0 | b1 << 8;
    } else if (L == 0) {
        x = 0;
    } else if (sh >= SH_MAX) {
        *err = "bad number shape";
        return false;
    } else {
        x = 0;
        for (j = 0; j < L; j++) {
            struct nsec *pl = st + plane_tab[L][j];

            if (pl->c == pl->e) {
                goto truncated;
            }
            x |= (uint64_t)*pl->c++ << (8 * j);
        }
        if (x >> (8 * (L - 1)) == 0) {
            goto zero_top;
        }
    }
    *raw = x;
    return true;
truncated:
    *err = "number stream truncated";
    return false;
zero_top:
    *err = "number with a zero top byte";
    return false;
}

/*
 * Rebuilds one payload text from the skeleton at s and the numbers: the
 * skeleton's bytes are copied 8 at a time up to its next marker, and each
 * number is decoded and written in place. Cursors are kept in locals
 * (stores through the byte pointer o would make the compiler reload
 * every field of d after each byte); one copy per codec (two).
 */
static inline __attribute__((always_inline)) void
dec_text_t(struct dec *d, struct lx__xctx *ctx, struct sec *s, const bool two)
{
    const uint8_t *base = s->p + s->pos, *sp = base, *se = s->p + s->len;
    uint8_t *o = d->out + d->pos, *oe = d->out + d->cap, *ophys = d->oend;
    struct sec *ks = &d->s[SEC_K], *zs = &d->s[SEC_Z], *vs = &d->s[SEC_V];
    const uint8_t *kp = ks->p + ks->pos, *const ke = ks->p + ks->len;
    const uint8_t *zp = zs->p + zs->pos, *const ze = zs->p + zs->len;
    const uint8_t *vp = vs->p + vs->pos, *const ve = vs->p + vs->len;
    struct nsec *const ns = d->ns;
    const uint32_t ep = d->x->ep;
    unsigned ncls = d->ncls;
    const char *err = NULL;

    for (;;) {
        unsigned code, D, F, t;
        uint64_t v, raw, dd;
        struct lx__xctx *c;
        size_t n;

#if XF_LE
        while (se - sp >= 8 && ophys - o >= 8) {
            uint64_t w, x, z;

            memcpy(&w, sp, 8);
            memcpy(o, &w, 8);
            x = w ^ 0x0101010101010101ull;
            z = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
            if (z != 0) {
                n = (size_t)__builtin_ctzll(z) >> 3;
                sp += n;
                o += n;
                break;
            }
            sp += 8;
            o += 8;
        }
#endif
        while (sp < se && *sp != MARK && o < ophys) {
            *o++ = *sp++;
        }
        if (o > oe || (sp < se && *sp != MARK)) {
            err = "content longer than its row";
            break;
        }
        if (sp == se) {
            err = "skeleton truncated";
            break;
        }
        n = (size_t)(sp - base); /* the marker's offset in the skeleton */
        sp++;
        if (kp == ke) {
            err = "section truncated";
            break;
        }
        code = *kp++;
        if (code == K_END) {
            break;
        }
        if (code == K_LITERAL) {
            if (o >= oe) {
                err = "content longer than its row";
                break;
            }
            *o++ = MARK;
            continue;
        }
        if (code == K_LONG) {
            if (ke - kp < 2) {
                err = "section truncated";
                break;
            }
            D = kp[0];
            F = kp[1];
            kp += 2;
        } else {
            D = code >> 4;
            F = code & 15;
        }
        if (D == 0 || D > MAX_DIGITS || F >= D) {
            err = "bad number shape";
            break;
        }
        c = ctx_get(ctx, ctx_at(base, n, F), ep);
        if (two) {
            if (c->cls == NO_CLS) {
                c->cls = ncls < NCLS ? ncls++ : NCLS - 1;
            }
            if (!rd_num2(ns + ((size_t)c->cls + 1) * NPL, &t, &raw, &err)) {
                break;
            }
        } else {
            if (zp == ze || vp == ve) {
                err = "section truncated";
                break;
            }
            t = *zp++;
            if (*vp < 0x80) {
                raw = *vp++;
            } else {
                size_t k = get_uv(vp, (size_t)(ve - vp), &raw);

                if (k == 0) {
                    err = "bad varint in section";
                    break;
                }
                vp += k;
            }
            if (t > MAX_DIGITS) {
                err = "bad number shape";
                break;
            }
        }
        if (c->score <= 0) {
            dd = lx__cap_unzigzag(raw) * pow10[t];
            v = c->v + dd;
        } else {
            if (raw > max_scaled[t]) {
                err = "number out of range";
                break;
            }
            v = raw * pow10[t];
            dd = v - c->v;
        }
        if (v >= pow10[D]) {
            err = "number wider than its shape";
            break;
        }
        if (D + 1 > (size_t)(oe - o)) {
            err = "content longer than its row";
            break;
        }
        ctx_learn(c, v, dd);
        if (XF_LE && ophys - o >= 48) {
            put_digits_fast(o, v, D, F);
        } else {
            put_digits(o, v, D, F);
        }
        o += D + (F > 0 ? 1 : 0);
    }
    ks->pos = (size_t)(kp - ks->p);
    zs->pos = (size_t)(zp - zs->p);
    vs->pos = (size_t)(vp - vs->p);
    d->ncls = ncls;
    if (err != NULL) {
        d->err = err;
    }
    d->pos = (size_t)(o - d->out);
    s->pos = (size_t)(sp - s->p);
}

static void dec_text1(struct dec *d, struct lx__xctx *ctx, struct sec *s)
{
    dec_text_t(d, ctx, s, false);
}

static void dec_text2(struct dec *d, struct lx__xctx *ctx, struct sec *s)
{
    dec_text_t(d, ctx, s, true);
}

static void dec_text(struct dec *d, struct lx__xctx *ctx, struct sec *s)
{
    if (d->two) {
        dec_text2(d, ctx, s);
    } else {
        dec_text1(d, ctx, s);
    }
}

/* A text payload: a new skeleton read from S, or one from before. */
static void dec_skel(struct dec *d, struct lx__xctx *ctx)
{
    uint64_t ref = rd_uv(d, SEC_H);
    struct sec *s = &d->s[SEC_S];

    if (d->err != NULL) {
        return;
    }
    if (ref == 0) {
        size_t st = s->pos;

        dec_text(d, ctx, s);
        if (d->err == NULL && add_skel(d->x, st, s->pos - st) != LX_OK) {
            d->err = "out of memory";
            d->nomem = true;
        }
    } else if (ref > nskel(d->x)) {
        d->err = "unknown skeleton";
    } else {
        const struct skel *k = skel_at(d->x, (size_t)ref - 1);
        struct sec v;

        v.p = s->p;
        v.len = k->off + k->len;
        v.pos = k->off;
        dec_text(d, ctx, &v);
        if (d->err == NULL && v.pos != v.len) {
            d->err = "skeleton ends early";
        }
    }
}

static void dec_record(struct dec *d, struct lx__xctx *ctx)
{
    unsigned kind = rd_u8(d, SEC_H), flags = rd_u8(d, SEC_H), t = 0, mode;
    uint64_t g = rd_uv(d, SEC_H), sq = rd_uv(d, SEC_H), m = rd_uv(d, SEC_H);
    uint64_t w = 0, plen, blen, hdr;
    size_t start = d->pos, guess, body, k;
    uint8_t tmp[64], *q = tmp;

    if (d->two) {
        if (d->err == NULL) {
            rd_num2(d->ns, &t, &w, &d->err);
        }
    } else {
        t = rd_u8(d, SEC_H);
        w = rd_uv(d, SEC_W);
    }
    plen = rd_uv(d, SEC_H);
    if (d->err != NULL) {
        return;
    }
    if (t > MAX_DIGITS) {
        d->err = "bad time scale";
        return;
    }
    w = lx__cap_zigzag(lx__cap_unzigzag(w) * pow10[t]);
    *q++ = (uint8_t)kind;
    *q++ = (uint8_t)flags;
    q += lx__cap_put_uvarint(q, g);
    q += lx__cap_put_uvarint(q, sq);
    q += lx__cap_put_uvarint(q, w);
    q += lx__cap_put_uvarint(q, m);
    hdr = (uint64_t)(q - tmp);
    if (plen > d->s[SEC_H].len - d->s[SEC_H].pos) {
        d->err = "section truncated";
        return;
    }
    /* The body length comes first but is known last: guess its size. */
    guess = d->guess;
    if (guess + hdr + plen > d->cap - d->pos) {
        guess = 1;
        if (guess + hdr + plen > d->cap - d->pos) {
            d->err = "content longer than its row";
            return;
        }
    }
    body = start + guess;
    memcpy(d->out + body, tmp, (size_t)hdr);
    memcpy(d->out + body + hdr, d->s[SEC_H].p + d->s[SEC_H].pos, (size_t)plen);
    d->s[SEC_H].pos += (size_t)plen;
    d->pos = body + (size_t)(hdr + plen);
    mode = rd_u8(d, SEC_H);
    if (mode == 0) {
        uint64_t n = rd_uv(d, SEC_H);
        struct sec *r = &d->s[SEC_R];

        if (d->err == NULL && n > r->len - r->pos) {
            d->err = "section truncated";
        } else if (d->err == NULL && n > d->cap - d->pos) {
            d->err = "content longer than its row";
        } else if (d->err == NULL) {
            memcpy(d->out + d->pos, r->p + r->pos, (size_t)n);
            r->pos += (size_t)n;
            d->pos += (size_t)n;
        }
    } else if (mode == 1) {
        dec_skel(d, ctx);
    } else if (d->err == NULL) {
        d->err = "bad payload mode";
    }
    if (d->err != NULL) {
        return;
    }
    blen = d->pos - body;
    if (blen > LX__CAP_MAX_RECORD) {
        d->err = "record too long";
        return;
    }
    k = lx__cap_uvarint_len(blen);
    d->guess = k;
    if (k != guess) {
        if (k > guess && k - guess > d->cap - d->pos) {
            d->err = "content longer than its row";
            return;
        }
        memmove(d->out + start + k, d->out + body, (size_t)blen);
        d->pos = start + k + (size_t)blen;
    }
    lx__cap_put_uvarint(d->out + start, blen);
}

int lx__xform_decode(struct lx__xform *x, const uint8_t *in, size_t n,
                     uint8_t *out, size_t outlen, char *msg, size_t msgcap)
{
    struct dec d;
    uint64_t nrec, len[NSEC] = {0}, nlen[NSTR], ncls = 0, i;
    size_t pos, k;
    int rc;

    memset(&d, 0, sizeof(d));
    d.two = x->codec == LX__CAP_CODEC_NUM2;
    if (x->codec != LX__CAP_CODEC_NUM && !d.two) {
        lx__snprintf(msg, msgcap, "not a transform codec");
        return LX_ERR_CORRUPT;
    }
    k = lx__cap_get_uvarint(in, n, &nrec);
    pos = k;
    for (i = 0; i < (d.two ? 4u : NSEC) && k != 0; i++) {
        k = lx__cap_get_uvarint(in + pos, n - pos, &len[d.two ? order2[i] : i]);
        pos += k;
    }
    if (d.two && k != 0) {
        k = lx__cap_get_uvarint(in + pos, n - pos, &ncls);
        pos += k;
        if (k != 0 && ncls > NCLS) {
            lx__snprintf(msg, msgcap, "too many number classes");
            return LX_ERR_CORRUPT;
        }
        for (i = 0; i < (ncls + 1) * NPL && k != 0; i++) {
            k = lx__cap_get_uvarint(in + pos, n - pos,
                                    &nlen[stream_at(i, ncls + 1)]);
            pos += k;
        }
    }
    if (k == 0) {
        lx__snprintf(msg, msgcap, "transform header truncated");
        return LX_ERR_CORRUPT;
    }
    /* Codec 2 has no W, Z, V: empty, at a real address (not NULL + 0). */
    for (i = 0; i < NSEC; i++) {
        d.s[i].p = in;
    }
    for (i = 0; i < (d.two ? 4u : NSEC); i++) {
        uint64_t si = d.two ? order2[i] : i;

        if (len[si] > n - pos) {
            lx__snprintf(msg, msgcap, "transform section past the end");
            return LX_ERR_CORRUPT;
        }
        d.s[si].p = in + pos;
        d.s[si].len = (size_t)len[si];
        pos += (size_t)len[si];
    }
    for (i = 0; i < (d.two ? ncls + 1 : 0) * NPL; i++) {
        size_t si = stream_at(i, ncls + 1);

        if (nlen[si] > n - pos) {
            lx__snprintf(msg, msgcap, "transform section past the end");
            return LX_ERR_CORRUPT;
        }
        d.ns[si].c = in + pos;
        d.ns[si].e = in + pos + nlen[si];
        pos += (size_t)nlen[si];
    }
    if (pos != n || nrec == 0 || nrec > outlen) {
        lx__snprintf(msg, msgcap, "transform sections do not fill the chunk");
        return LX_ERR_CORRUPT;
    }
    if ((rc = reset_ctx(x)) != LX_OK) {
        return rc;
    }
    d.x = x;
    d.out = out;
    d.cap = outlen + GUESS_ROOM; /* a body length guessed too long */
    d.oend = out + outlen + LX__XFORM_SLACK;
    d.guess = 2;
    for (i = 0; i < nrec && d.err == NULL; i++) {
        dec_record(&d, x->ctx);
    }
    if (d.err == NULL && d.pos != outlen) {
        d.err = "content shorter than its row";
    }
    for (i = 0; i < NSEC && d.err == NULL; i++) {
        if (d.s[i].pos != d.s[i].len) {
            d.err = "transform section not used up";
        }
    }
    for (i = 0; i < NSTR && d.err == NULL; i++) {
        if (d.ns[i].c != d.ns[i].e) {
            d.err = "number stream not used up";
        }
    }
    if (d.err != NULL) {
        lx__snprintf(msg, msgcap, "%s", d.err);
        return d.nomem ? LX_ERR_NOMEM : LX_ERR_CORRUPT;
    }
    return LX_OK;
}
