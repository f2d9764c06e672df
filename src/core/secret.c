/*
 * secret.c - struct lx_secret (locked, wiped storage for credentials),
 * struct lx_creds (one venue's credential set) and loading credentials
 * from the environment and from .env files.
 *
 * Storage: each secret (and each .env file buffer, which holds secrets
 * while it is parsed) lives in whole pages of its own. The block comes from
 * the context's allocator via lx__malloc, over-allocated by one page less a
 * byte and aligned by hand to a page boundary, so the span [base, base +
 * whole pages) belongs to no other object. That matters because mlock,
 * munlock and madvise work on pages and do not nest: a munlock of a page
 * shared with another secret would unlock that secret too. mmap would give
 * the same guarantee but would bypass the context's allocator, so custom
 * allocators and the failmalloc tests would not see the memory. The cost is
 * up to two pages per secret, for a handful of secrets per process.
 * Locking can fail (RLIMIT_MEMLOCK); that is logged at debug level once
 * per process and is not an error. Freeing wipes the whole span with
 * OPENSSL_cleanse, then unlocks it and re-enables core dumps for it before
 * returning it to the allocator.
 *
 * What it does not do: it never logs or returns secret bytes (log lines
 * carry venue, field, source, variable or key names, line numbers and, for
 * API keys only, the fingerprint), it does not parse .env syntax (dotenv.c
 * does) and it does not sign anything (signing code reads the bytes through
 * secret_internal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/dotenv.h"
#include "core/lx_internal.h"
#include "core/secret_internal.h"
#include "lotusx/lx_secret.h"

#define SUBSYS "core"

/* The reasons below spell these limits out; keep them in step. */
_Static_assert(LX_DOTENV_MAX_SIZE == 1048576, "update the too-big reasons");
_Static_assert(LX_SECRET_MAX_LEN == 65536, "update the too-long reason");

/* ---- page-locked storage ------------------------------------------------ */

struct pages {
    void *raw;     /* what lx__malloc returned */
    uint8_t *base; /* first page boundary inside raw */
    size_t span;   /* whole pages from base, all ours */
    int locked;    /* mlock succeeded */
    int dontdump;  /* MADV_DONTDUMP succeeded */
};

static atomic_flag mlock_logged = ATOMIC_FLAG_INIT;

static size_t page_size(void)
{
    long n = sysconf(_SC_PAGESIZE);

    if (n <= 0 || (n & (n - 1)) != 0) {
        return 4096;
    }
    return (size_t)n;
}

static void pages_protect(struct lx_ctx *ctx, struct pages *pg)
{
    int e;

#ifdef MADV_DONTDUMP
    pg->dontdump = madvise(pg->base, pg->span, MADV_DONTDUMP) == 0;
#endif
    pg->locked = mlock(pg->base, pg->span) == 0;
    e = errno;
    if (!pg->locked && !atomic_flag_test_and_set(&mlock_logged)) {
        LX_LOGD(ctx, SUBSYS,
                "secret_mlock_failed errno=%d note=\"secrets stay usable but "
                "unlocked; raise RLIMIT_MEMLOCK to lock them\"",
                e);
    }
}

/* n must be at most a few MiB (callers cap it), so nothing overflows. */
static int pages_alloc(struct lx_ctx *ctx, size_t n, struct pages *pg)
{
    size_t page = page_size();
    uintptr_t a;

    memset(pg, 0, sizeof(*pg));
    pg->span = (n + page - 1) / page * page;
    pg->raw = lx__malloc(lx_ctx_mem(ctx), pg->span + page - 1);
    if (pg->raw == NULL) {
        return LX_ERR_NOMEM;
    }
    a = ((uintptr_t)pg->raw + page - 1) & ~(uintptr_t)(page - 1);
    pg->base = (uint8_t *)a;
    pages_protect(ctx, pg);
    return LX_OK;
}

/* pg may itself live inside the span, so work on a copy. */
static void pages_free(const struct lx_mem *mem, const struct pages *pg)
{
    struct pages p = *pg;

    OPENSSL_cleanse(p.base, p.span);
    if (p.locked) {
        munlock(p.base, p.span);
    }
#ifdef MADV_DODUMP
    if (p.dontdump) {
        madvise(p.base, p.span, MADV_DODUMP);
    }
#endif
    lx__free(mem, p.raw);
}

/* ---- lx_secret ---------------------------------------------------------- */

/* The struct sits at the start of its own locked span, bytes right after. */
struct lx_secret {
    const struct lx_mem *mem;
    struct pages pg;
    size_t len;
    uint8_t data[];
};

int lx_secret_new(struct lx_secret **out, struct lx_ctx *ctx, const void *bytes,
                  size_t len)
{
    struct lx_secret *s;
    struct pages pg;
    int rc;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (bytes == NULL || len == 0) {
        return LX_ERR_INVAL;
    }
    if (len > LX_SECRET_MAX_LEN) {
        return LX_ERR_TOOBIG;
    }
    rc = pages_alloc(ctx, sizeof(*s) + len, &pg);
    if (rc != LX_OK) {
        return rc;
    }
    s = (struct lx_secret *)(void *)pg.base;
    s->mem = lx_ctx_mem(ctx);
    s->pg = pg;
    s->len = len;
    memcpy(s->data, bytes, len);
    *out = s;
    return LX_OK;
}

void lx_secret_free(struct lx_secret *s)
{
    if (s != NULL) {
        pages_free(s->mem, &s->pg);
    }
}

size_t lx_secret_len(const struct lx_secret *s)
{
    return s != NULL ? s->len : 0;
}

const char *lx_secret_redacted(void)
{
    return "<redacted>";
}

int lx_secret_equal(const struct lx_secret *s, const void *bytes, size_t len)
{
    if (s == NULL || bytes == NULL || len != s->len) {
        return 0;
    }
    return CRYPTO_memcmp(s->data, bytes, len) == 0;
}

int lx_secret_fingerprint(const struct lx_secret *s, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int i, ok;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    out[0] = '\0';
    if (s == NULL) {
        return LX_ERR_INVAL;
    }
    ok = EVP_Digest(s->data, s->len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
         mdlen >= 8;
    for (i = 0; ok && i < 8; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[ok ? 16 : 0] = '\0';
    OPENSSL_cleanse(md, sizeof(md));
    return ok ? LX_OK : LX_ERR_INTERNAL;
}

const uint8_t *lx__secret_data(const struct lx_secret *s, size_t *len)
{
    if (len != NULL) {
        *len = s != NULL ? s->len : 0;
    }
    return s != NULL ? s->data : NULL;
}

int lx__secret_locked(const struct lx_secret *s)
{
    return s != NULL && s->pg.locked;
}

/* ---- lx_creds ----------------------------------------------------------- */

/*
 * The known venues and their variable prefixes: the name upper-cased with
 * '-' turned into '_', spelled out so a reviewer sees the exact names.
 */
static const struct venue {
    const char *name;
    const char *env;
} venues[] = {
    {"binance-spot", "LOTUSX_BINANCE_SPOT_"},
    {"binance-usdm", "LOTUSX_BINANCE_USDM_"},
    {"bybit", "LOTUSX_BYBIT_"},
    {"okx", "LOTUSX_OKX_"},
    {"hyperliquid", "LOTUSX_HYPERLIQUID_"},
    {"deribit", "LOTUSX_DERIBIT_"},
    {"gateio", "LOTUSX_GATEIO_"},
};

static const char *const field_names[LX_CRED_FIELD_COUNT] = {
    "api_key", "api_secret", "passphrase", "private_key"};
static const char *const field_env[LX_CRED_FIELD_COUNT] = {
    "API_KEY", "API_SECRET", "PASSPHRASE", "PRIVATE_KEY"};
static const char *const source_names[] = {"none", "dotenv", "env", "explicit"};

struct lx_creds {
    struct lx_ctx *ctx;
    const struct lx_mem *mem;
    const struct venue *venue;
    struct lx_secret *field[LX_CRED_FIELD_COUNT];
    int source[LX_CRED_FIELD_COUNT];
};

static int field_ok(int field)
{
    return field >= 0 && field < LX_CRED_FIELD_COUNT;
}

const char *lx_cred_field_name(int field)
{
    return field_ok(field) ? field_names[field] : "unknown";
}

int lx_creds_new(struct lx_creds **out, struct lx_ctx *ctx, const char *venue)
{
    struct lx_creds *c;
    size_t i;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (venue == NULL) {
        return LX_ERR_INVAL;
    }
    for (i = 0; i < LX_ARRAY_LEN(venues); i++) {
        if (strcmp(venue, venues[i].name) == 0) {
            break;
        }
    }
    if (i == LX_ARRAY_LEN(venues)) {
        return LX_ERR_NOTFOUND;
    }
    c = lx__calloc(lx_ctx_mem(ctx), 1, sizeof(*c));
    if (c == NULL) {
        return LX_ERR_NOMEM;
    }
    c->ctx = ctx;
    c->mem = lx_ctx_mem(ctx);
    c->venue = &venues[i];
    *out = c;
    return LX_OK;
}

void lx_creds_free(struct lx_creds *c)
{
    int f;

    if (c == NULL) {
        return;
    }
    for (f = 0; f < LX_CRED_FIELD_COUNT; f++) {
        lx_secret_free(c->field[f]);
    }
    lx__free(c->mem, c);
}

const char *lx_creds_venue(const struct lx_creds *c)
{
    return c != NULL ? c->venue->name : "";
}

/* Installs s as the field's value (taking ownership) and logs the change. */
static void field_replace(struct lx_creds *c, int f, struct lx_secret *s,
                          int src)
{
    char fp[17] = "";

    lx_secret_free(c->field[f]);
    c->field[f] = s;
    c->source[f] = src;
    /* Only API keys get a fingerprint: see lx_secret_fingerprint. */
    if (f == LX_CRED_API_KEY && lx__log_enabled(c->ctx, LX_LOG_DEBUG)) {
        (void)lx_secret_fingerprint(s, fp);
    }
    LX_LOGD(c->ctx, SUBSYS, "creds_field venue=%s field=%s source=%s%s%s",
            c->venue->name, field_names[f], source_names[src],
            fp[0] != '\0' ? " fp=" : "", fp);
}

int lx_creds_set(struct lx_creds *c, enum lx_cred_field field,
                 const void *bytes, size_t len)
{
    struct lx_secret *s = NULL;
    int rc;

    if (c == NULL || !field_ok((int)field)) {
        return LX_ERR_INVAL;
    }
    rc = lx_secret_new(&s, c->ctx, bytes, len);
    if (rc != LX_OK) {
        return rc;
    }
    field_replace(c, (int)field, s, LX_CRED_SRC_EXPLICIT);
    return LX_OK;
}

int lx_creds_has(const struct lx_creds *c, enum lx_cred_field field)
{
    return lx_creds_get(c, field) != NULL;
}

const struct lx_secret *lx_creds_get(const struct lx_creds *c,
                                     enum lx_cred_field field)
{
    if (c == NULL || !field_ok((int)field)) {
        return NULL;
    }
    return c->field[field];
}

int lx_creds_source(const struct lx_creds *c, enum lx_cred_field field)
{
    if (c == NULL || !field_ok((int)field)) {
        return LX_CRED_SRC_NONE;
    }
    return c->source[field];
}

int lx_creds_is_read_only(const struct lx_creds *c)
{
    return !lx_creds_has(c, LX_CRED_API_KEY) &&
           !lx_creds_has(c, LX_CRED_PRIVATE_KEY);
}

/* ---- staged loading ----------------------------------------------------- */

/*
 * A load collects its values here first and applies them only when the
 * whole source was read without error, so a failed load changes nothing.
 */
struct stage {
    struct lx_creds *c;
    int src;
    const char *file; /* the .env path, NULL for the environment */
    struct lx_secret *s[LX_CRED_FIELD_COUNT];
};

static void stage_init(struct stage *st, struct lx_creds *c, int src,
                       const char *file)
{
    memset(st, 0, sizeof(*st));
    st->c = c;
    st->src = src;
    st->file = file;
}

static void stage_clear(struct stage *st)
{
    int f;

    for (f = 0; f < LX_CRED_FIELD_COUNT; f++) {
        lx_secret_free(st->s[f]);
        st->s[f] = NULL;
    }
}

/* A later value for the same field replaces the earlier one. */
static int stage_put(struct stage *st, int f, const char *val, size_t n)
{
    struct lx_secret *s = NULL;
    int rc = lx_secret_new(&s, st->c->ctx, val, n);

    if (rc != LX_OK) {
        return rc;
    }
    lx_secret_free(st->s[f]);
    st->s[f] = s;
    return LX_OK;
}

/* Appends a field name to a comma-separated list (fits: 4 short names). */
static void list_add(char *list, size_t cap, const char *name)
{
    size_t n = strlen(list);

    (void)lx__snprintf(list + n, cap - n, "%s%s", n > 0 ? "," : "", name);
}

/* Applies the staged values where precedence allows, then logs a summary. */
static void stage_commit(struct stage *st)
{
    char got[64] = "", shadowed[64] = "";
    struct lx_creds *c = st->c;
    int f;

    for (f = 0; f < LX_CRED_FIELD_COUNT; f++) {
        if (st->s[f] == NULL) {
            continue;
        }
        if (c->source[f] > st->src) {
            list_add(shadowed, sizeof(shadowed), field_names[f]);
            lx_secret_free(st->s[f]);
        } else {
            list_add(got, sizeof(got), field_names[f]);
            field_replace(c, f, st->s[f], st->src);
        }
        st->s[f] = NULL;
    }
    LX_LOGI(c->ctx, SUBSYS,
            "creds_loaded venue=%s source=%s%s%s fields=%s shadowed=%s "
            "read_only=%d",
            c->venue->name, source_names[st->src],
            st->file != NULL ? " file=" : "", st->file != NULL ? st->file : "",
            got[0] != '\0' ? got : "none",
            shadowed[0] != '\0' ? shadowed : "none", lx_creds_is_read_only(c));
}

/* ---- environment -------------------------------------------------------- */

static int env_field(struct stage *st, int f)
{
    char name[64];
    const char *v;
    size_t n;

    if (lx__snprintf(name, sizeof(name), "%s%s", st->c->venue->env,
                     field_env[f]) < 0) {
        return LX_ERR_INTERNAL;
    }
    /* The value goes from the environment block straight into a secret. */
    v = getenv(name);
    if (v == NULL) {
        return LX_OK;
    }
    n = strnlen(v, (size_t)LX_SECRET_MAX_LEN + 1);
    if (n == 0) {
        LX_LOGD(st->c->ctx, SUBSYS, "creds_env_empty var=%s", name);
        return LX_OK;
    }
    if (n > LX_SECRET_MAX_LEN) {
        LX_LOGW(st->c->ctx, SUBSYS, "creds_env_too_long var=%s max=%d", name,
                LX_SECRET_MAX_LEN);
        return LX_ERR_TOOBIG;
    }
    return stage_put(st, f, v, n);
}

int lx_creds_load_env(struct lx_creds *c)
{
    struct stage st;
    int f, rc = LX_OK;

    if (c == NULL) {
        return LX_ERR_INVAL;
    }
    stage_init(&st, c, LX_CRED_SRC_ENV, NULL);
    for (f = 0; f < LX_CRED_FIELD_COUNT && rc == LX_OK; f++) {
        rc = env_field(&st, f);
    }
    if (rc == LX_OK) {
        stage_commit(&st);
    }
    stage_clear(&st);
    return rc;
}

/* ---- .env files --------------------------------------------------------- */

/*
 * Finds which venue and field a LOTUSX_<VENUE>_<FIELD> key names. Returns
 * 1 and sets *v and *f on a match, else 0.
 */
static int match_key(const char *key, size_t keylen, const struct venue **v,
                     int *f)
{
    size_t i, plen;
    int k;

    for (i = 0; i < LX_ARRAY_LEN(venues); i++) {
        plen = strlen(venues[i].env);
        if (keylen <= plen || memcmp(key, venues[i].env, plen) != 0) {
            continue;
        }
        for (k = 0; k < LX_CRED_FIELD_COUNT; k++) {
            if (keylen - plen == strlen(field_env[k]) &&
                memcmp(key + plen, field_env[k], keylen - plen) == 0) {
                *v = &venues[i];
                *f = k;
                return 1;
            }
        }
    }
    return 0;
}

/* Key names are logged (capped); values never are. */
static int dotenv_cb(unsigned line, const char *key, size_t keylen,
                     const char *val, size_t vallen, void *ud)
{
    struct stage *st = ud;
    const struct venue *v = NULL;
    int kl = keylen > 128 ? 128 : (int)keylen, f = 0;

    if (!match_key(key, keylen, &v, &f)) {
        if (keylen >= 7 && strncasecmp(key, "LOTUSX_", 7) == 0) {
            LX_LOGW(st->c->ctx, SUBSYS,
                    "dotenv_unknown_key file=%s line=%u key=%.*s "
                    "note=\"not a credential of any known venue; ignored\"",
                    st->file, line, kl, key);
        }
        return LX_OK;
    }
    if (v != st->c->venue) {
        return LX_OK;
    }
    if (vallen == 0) {
        LX_LOGD(st->c->ctx, SUBSYS,
                "dotenv_empty_value file=%s line=%u key=%.*s", st->file, line,
                kl, key);
        return LX_OK;
    }
    if (vallen > LX_SECRET_MAX_LEN) {
        return LX_ERR_TOOBIG;
    }
    return stage_put(st, f, val, vallen);
}

static void set_reason(struct lx_dotenv_error *err, const char *what,
                       const char *why)
{
    (void)lx__snprintf(err->reason, sizeof(err->reason), "%s%s%s", what,
                       why[0] != '\0' ? ": " : "", why);
}

static int file_error(struct lx_dotenv_error *err, const char *what, int e)
{
    char num[32];
    const char *why;

    switch (e) {
    case ENOENT:
        why = "no such file or directory";
        break;
    case EACCES:
    case EPERM:
        why = "permission denied";
        break;
    case EISDIR:
        why = "is a directory";
        break;
    case ENOTDIR:
        why = "a path component is not a directory";
        break;
    case ELOOP:
        why = "too many symbolic links";
        break;
    case ENAMETOOLONG:
        why = "path too long";
        break;
    default:
        (void)lx__snprintf(num, sizeof(num), "errno %d", e);
        why = num;
    }
    set_reason(err, what, why);
    return LX_ERR_FILE;
}

static int read_all(int fd, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = 0;

    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return -1;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    *len = n;
    return 0;
}

/*
 * Reads an open file into locked pages. A regular file gets a buffer one
 * byte larger than its size so growth during the read is noticed; other
 * files (pipes, /dev/stdin) get the cap plus one byte.
 */
static int read_fd(struct lx_creds *c, int fd, struct pages *pg, size_t *len,
                   struct lx_dotenv_error *err)
{
    struct stat st;
    size_t cap = (size_t)LX_DOTENV_MAX_SIZE + 1;
    int rc;

    if (fstat(fd, &st) != 0) {
        return file_error(err, "cannot stat", errno);
    }
    if (S_ISDIR(st.st_mode)) {
        return file_error(err, "cannot read", EISDIR);
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_size > LX_DOTENV_MAX_SIZE) {
            set_reason(err, "file larger than 1048576 bytes", "");
            return LX_ERR_TOOBIG;
        }
        cap = (size_t)st.st_size + 1;
    }
    rc = pages_alloc(c->ctx, cap, pg);
    if (rc != LX_OK) {
        set_reason(err, "out of memory", "");
        return rc;
    }
    if (read_all(fd, pg->base, cap, len) != 0) {
        rc = file_error(err, "cannot read", errno);
    } else if (*len == cap && !S_ISREG(st.st_mode)) {
        set_reason(err, "file larger than 1048576 bytes", "");
        rc = LX_ERR_TOOBIG;
    } else if (*len == cap) {
        set_reason(err, "file changed while being read", "");
        rc = LX_ERR_FILE;
    }
    if (rc != LX_OK) {
        pages_free(c->mem, pg);
    }
    return rc;
}

static int read_file(struct lx_creds *c, const char *path, struct pages *pg,
                     size_t *len, struct lx_dotenv_error *err)
{
    int fd, rc;

    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return file_error(err, "cannot open", errno);
    }
    rc = read_fd(c, fd, pg, len, err);
    close(fd);
    return rc;
}

/* Parses the buffer into a stage and applies it if the whole file is good. */
static int parse_buf(struct lx_creds *c, const char *path, const char *buf,
                     size_t len, struct lx_dotenv_error *err)
{
    const char *reason = NULL;
    struct stage st;
    int rc;

    stage_init(&st, c, LX_CRED_SRC_DOTENV, path);
    rc = lx__dotenv_parse(buf, len, dotenv_cb, &st, &err->line, &reason);
    if (rc == LX_OK) {
        stage_commit(&st);
    } else if (rc == LX_ERR_PARSE && reason != NULL) {
        set_reason(err, reason, "");
    } else if (rc == LX_ERR_TOOBIG) {
        set_reason(err, "value longer than 65536 bytes", "");
    } else if (rc == LX_ERR_NOMEM) {
        set_reason(err, "out of memory", "");
    } else {
        set_reason(err, lx_strerror(rc), "");
    }
    stage_clear(&st);
    return rc;
}

int lx_creds_load_dotenv(struct lx_creds *c, const char *path,
                         struct lx_dotenv_error *err)
{
    struct lx_dotenv_error local;
    struct pages pg = {NULL, NULL, 0, 0, 0};
    size_t len = 0;
    int rc;

    if (err == NULL) {
        err = &local;
    }
    memset(err, 0, sizeof(*err));
    if (path != NULL) {
        (void)lx__snprintf(err->file, sizeof(err->file), "%s", path);
    }
    if (c == NULL || path == NULL) {
        set_reason(err, "invalid argument", "");
        return LX_ERR_INVAL;
    }
    rc = read_file(c, path, &pg, &len, err);
    if (rc == LX_OK) {
        rc = parse_buf(c, path, (const char *)pg.base, len, err);
        pages_free(c->mem, &pg);
    }
    if (rc != LX_OK) {
        LX_LOGD(c->ctx, SUBSYS,
                "dotenv_error file=%s line=%u err=%s reason=\"%s\"", path,
                err->line, lx_err_name(rc), err->reason);
    }
    return rc;
}
