/*
 * lx_secret.h - secrets (API keys, secrets, passphrases, private keys) and
 * per-venue credential sets loaded from explicit values, the environment
 * or a .env file.
 *
 * A struct lx_secret holds bytes that must never reach a log line, an error
 * message or a core dump. It has no public accessor that returns its bytes:
 * callers can compare against it in constant time, ask its length, or get
 * a fingerprint; only the library's signing code reads the bytes. Its
 * storage is page-aligned, mlock()ed where the system allows, excluded from
 * core dumps where MADV_DONTDUMP exists, and wiped with OPENSSL_cleanse
 * before it is freed.
 *
 * A struct lx_creds is the credential set of one venue. Each field has a
 * source and the sources rank explicit > environment > .env file: a load
 * never replaces a field set from a higher-ranked source, whatever the
 * order of the calls. A set without api_key and private_key is read-only:
 * public market data only.
 *
 * Threads: none of these objects is thread-safe; use each from one thread
 * (the thread of the event loop that uses it). lx_creds_load_env calls
 * getenv(), which races with setenv() in other threads.
 */
#ifndef LOTUSX_LX_SECRET_H
#define LOTUSX_LX_SECRET_H

#include "lx_common.h"
#include "lx_mem.h"

/* The longest secret accepted, in bytes (a PEM RSA-4096 key is ~3.3 KiB). */
#define LX_SECRET_MAX_LEN 65536

/* The largest .env file lx_creds_load_dotenv reads, in bytes. */
#define LX_DOTENV_MAX_SIZE (1024 * 1024)

struct lx_secret;

/*
 * Creates a secret holding a copy of bytes[0..len). ctx gives the
 * allocator and the log sink (NULL: libc and the default sink) and must
 * outlive the secret. If the storage cannot be locked in memory the secret
 * still works; a debug line says so once per process.
 * Returns LX_OK; LX_ERR_INVAL (out or bytes NULL, or len 0);
 * LX_ERR_TOOBIG (len > LX_SECRET_MAX_LEN); LX_ERR_NOMEM. On error *out is
 * NULL. The caller owns the result and frees it with lx_secret_free. The
 * caller's copy of the bytes is not touched; wiping it is the caller's job.
 */
LX_EXTERN int lx_secret_new(struct lx_secret **out, struct lx_ctx *ctx,
                            const void *bytes, size_t len);

/* Wipes and frees the secret; NULL is allowed. */
LX_EXTERN void lx_secret_free(struct lx_secret *s);

/* The length in bytes; 0 for NULL. */
LX_EXTERN size_t lx_secret_len(const struct lx_secret *s);

/* The fixed text "<redacted>", to print wherever a secret would go. */
LX_EXTERN const char *lx_secret_redacted(void);

/*
 * Returns 1 if the secret holds exactly bytes[0..len), else 0 (also for a
 * NULL secret). The comparison of contents takes time independent of where
 * they differ (CRYPTO_memcmp); a length mismatch returns at once, so only
 * the length can leak through timing.
 */
LX_EXTERN int lx_secret_equal(const struct lx_secret *s, const void *bytes,
                              size_t len);

/*
 * Writes the first 8 bytes of SHA-256(secret) as 16 lower-case hex digits
 * and a NUL into out, so logs can tell keys apart without showing them.
 * The hash is one-way, but a short, guessable secret (a passphrase) can be
 * found by trying candidates against it: fingerprint API keys only, never
 * passphrases or private keys.
 * Returns LX_OK; LX_ERR_INVAL (s or out NULL); LX_ERR_INTERNAL (OpenSSL
 * failed; out is then "").
 */
LX_EXTERN int lx_secret_fingerprint(const struct lx_secret *s, char out[17]);

/* The fields of a credential set. */
enum lx_cred_field {
    LX_CRED_API_KEY = 0,
    LX_CRED_API_SECRET = 1,
    LX_CRED_PASSPHRASE = 2,
    LX_CRED_PRIVATE_KEY = 3
};
#define LX_CRED_FIELD_COUNT 4

/* Where a field's value came from, in rising order of precedence. */
enum lx_cred_source {
    LX_CRED_SRC_NONE = 0,
    LX_CRED_SRC_DOTENV = 1,
    LX_CRED_SRC_ENV = 2,
    LX_CRED_SRC_EXPLICIT = 3
};

/* "api_key", "api_secret", "passphrase", "private_key"; "unknown" else. */
LX_EXTERN const char *lx_cred_field_name(int field);

struct lx_creds;

/*
 * Creates an empty (read-only) credential set for venue, one of
 * "binance-spot", "binance-usdm", "bybit", "okx", "hyperliquid", "deribit",
 * "gateio". ctx gives the allocator and log sink (NULL: defaults) and must
 * outlive the set.
 * Returns LX_OK; LX_ERR_INVAL (out or venue NULL); LX_ERR_NOTFOUND (not a
 * known venue); LX_ERR_NOMEM. On error *out is NULL. The caller owns the
 * result and frees it with lx_creds_free.
 */
LX_EXTERN int lx_creds_new(struct lx_creds **out, struct lx_ctx *ctx,
                           const char *venue);

/* Wipes and frees every secret of the set, then the set; NULL allowed. */
LX_EXTERN void lx_creds_free(struct lx_creds *c);

/* The venue name given to lx_creds_new; "" for NULL. */
LX_EXTERN const char *lx_creds_venue(const struct lx_creds *c);

/*
 * Sets a field explicitly from bytes[0..len) (copied into a new secret;
 * the caller still owns and should wipe its copy). An explicit value wins
 * over the environment and .env files, even ones loaded later, and replaces
 * (wipes) any previous value of the field.
 * Returns LX_OK; LX_ERR_INVAL (c or bytes NULL, len 0, unknown field);
 * LX_ERR_TOOBIG (len > LX_SECRET_MAX_LEN); LX_ERR_NOMEM (the field is then
 * unchanged).
 */
LX_EXTERN int lx_creds_set(struct lx_creds *c, enum lx_cred_field field,
                           const void *bytes, size_t len);

/* 1 if the field holds a value, 0 otherwise (also for NULL or bad field). */
LX_EXTERN int lx_creds_has(const struct lx_creds *c, enum lx_cred_field field);

/*
 * The field's secret, or NULL if absent. Borrowed: valid until the field is
 * replaced (lx_creds_set or a load) or the set is freed.
 */
LX_EXTERN const struct lx_secret *lx_creds_get(const struct lx_creds *c,
                                               enum lx_cred_field field);

/* The field's source (enum lx_cred_source); NONE for NULL or bad field. */
LX_EXTERN int lx_creds_source(const struct lx_creds *c,
                              enum lx_cred_field field);

/* 1 when neither api_key nor private_key is set (public data only). */
LX_EXTERN int lx_creds_is_read_only(const struct lx_creds *c);

/*
 * Loads LOTUSX_<VENUE>_API_KEY, _API_SECRET, _PASSPHRASE and _PRIVATE_KEY
 * from the environment, where <VENUE> is the venue upper-cased with '-'
 * turned into '_' (LOTUSX_BINANCE_SPOT_API_KEY). Unset or empty variables
 * leave their field alone; fields set explicitly are not replaced. Values
 * are copied from getenv() straight into locked secrets. All or nothing:
 * on error the set is unchanged.
 * Returns LX_OK (also when nothing was found); LX_ERR_INVAL (c NULL);
 * LX_ERR_TOOBIG (a value longer than LX_SECRET_MAX_LEN); LX_ERR_NOMEM.
 */
LX_EXTERN int lx_creds_load_env(struct lx_creds *c);

/* Where and why a .env file was rejected. line is 0 for file-level errors. */
struct lx_dotenv_error {
    char file[256];
    unsigned line;
    char reason[128];
};

/*
 * Loads the venue's four LOTUSX_<VENUE>_* keys from the .env file at path
 * (grammar: docs in src/core/dotenv.h; KEY=VALUE lines, optional "export",
 * # comments, unquoted / 'single' / "double" values, CRLF accepted).
 * Other keys are ignored, since a .env file may serve other programs too,
 * except that a key starting with LOTUSX_ that names no field of any known
 * venue is logged as a warning (its name, never its value). Fields from the
 * environment or set explicitly are not replaced; a later .env load
 * replaces an earlier one's values. The file is parsed as a whole before
 * anything is applied: on any error the set is unchanged. The file buffer
 * is locked like a secret and wiped after parsing.
 * err (may be NULL) receives the path, the 1-based line of the first
 * malformed line and a reason that never quotes the file's contents; it is
 * cleared on success.
 * Returns LX_OK; LX_ERR_INVAL (c or path NULL); LX_ERR_FILE (cannot open or
 * read, or a directory; reason says which); LX_ERR_TOOBIG (file
 * larger than LX_DOTENV_MAX_SIZE, or a value longer than
 * LX_SECRET_MAX_LEN); LX_ERR_PARSE (malformed line); LX_ERR_NOMEM.
 * Blocks on the file read: call it at startup, not from a loop callback.
 */
LX_EXTERN int lx_creds_load_dotenv(struct lx_creds *c, const char *path,
                                   struct lx_dotenv_error *err);

#endif
