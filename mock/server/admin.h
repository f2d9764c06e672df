/*
 * admin.h - the admin API of one mock door, under LX_MOCK_ADMIN_PREFIX
 * (loopback peers only, see mock.h): health, reset, fault injection,
 * clock control and the state dump. The venue-specific parts (state dump,
 * listen-key expiry; optionally mock-wide clock control, mark price,
 * balances, new accounts) come as callbacks, so the routes stay generic.
 */
#ifndef LOTUSX_MOCK_ADMIN_H
#define LOTUSX_MOCK_ADMIN_H

#include <stddef.h>
#include <stdint.h>

struct lx_mock_door;
struct lx_mock_sb;

struct lx_mock_admin_venue {
    const char *name; /* "binance" */
    /* Appends the state dump (at most levels per book side); LX_OK. */
    int (*state)(void *ud, size_t levels, struct lx_mock_sb *sb);
    /* Expires listen key key ("" = all); *n gets how many went. */
    int (*expire_listen)(void *ud, const char *key, size_t *n);
    void *ud;
};

struct lx_mock_admin;

/*
 * Registers the admin routes on d. venue is copied; its ud must outlive
 * the admin object, which must outlive the door's last request (free it
 * after the server, before or after the door). Errors: LX_ERR_NOMEM,
 * LX_ERR_EXISTS.
 */
int lx_mock_admin_new(struct lx_mock_admin **out, struct lx_mock_door *d,
                      const struct lx_mock_admin_venue *venue);
void lx_mock_admin_free(struct lx_mock_admin *a);

/*
 * Optional parts a venue adds after lx_mock_admin_new (NULL members are
 * left out). freeze / resume / advance replace the door's own clock
 * control, so that one request moves every door of the mock (advance:
 * LX_ERR_INVAL for a bad ms). set_mark adds POST mark (symbol, price),
 * set_balance POST balance (apiKey, asset, amount), add_account POST
 * accounts; each returns LX_OK or an error with *why naming the field
 * ("symbol: unknown"). set_mark_to, when given, serves POST mark instead
 * of set_mark for a venue that may round the price: it writes the price
 * it applied to applied (cap bytes), which the answer shows.
 */
struct lx_mock_admin_ext {
    void (*freeze)(void *ud);
    void (*resume)(void *ud);
    int (*advance)(void *ud, int64_t ms);
    int (*set_mark)(void *ud, const char *symbol, const char *price,
                    const char **why);
    int (*set_mark_to)(void *ud, const char *symbol, const char *price,
                       char *applied, size_t cap, const char **why);
    int (*set_balance)(void *ud, const char *api_key, const char *asset,
                       const char *amount, const char **why);
    /*
     * POST accounts: a new account that signs with secret (HMAC) or, when
     * ed25519_pem is set instead (secret NULL), with the Ed25519 key of
     * that public-key PEM. Both are the request's copies (wiped by the
     * admin after the call: keep your own); balances is NULL-terminated
     * asset, amount, ...; fees may be NULL (defaults).
     */
    int (*add_account)(void *ud, const char *api_key, const char *secret,
                       const char *ed25519_pem, const char *maker_fee,
                       const char *taker_fee, const char *const *balances,
                       const char **why);
    void *ud;
};

/* Copies ext and registers its routes. Errors: LX_ERR_NOMEM, LX_ERR_EXISTS. */
int lx_mock_admin_extend(struct lx_mock_admin *a,
                         const struct lx_mock_admin_ext *ext);

#endif
