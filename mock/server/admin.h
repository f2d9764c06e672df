/*
 * admin.h - the admin API of one mock door, under LX_MOCK_ADMIN_PREFIX
 * (loopback peers only, see mock.h): health, reset, fault injection,
 * clock control and the state dump. The venue-specific parts (state dump,
 * listen-key expiry) come as callbacks, so the routes stay generic.
 */
#ifndef LOTUSX_MOCK_ADMIN_H
#define LOTUSX_MOCK_ADMIN_H

#include <stddef.h>

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

#endif
