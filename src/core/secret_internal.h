/*
 * secret_internal.h - the library-internal view of struct lx_secret.
 *
 * Only code that must use a secret's bytes (request signing, the mock's
 * signature checks) includes this header. Whatever it does with the bytes,
 * they must not be copied into anything that is logged, returned in an
 * error, or left in memory unwiped.
 */
#ifndef LOTUSX_CORE_SECRET_INTERNAL_H
#define LOTUSX_CORE_SECRET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_secret.h"

/*
 * The secret's bytes and (if len is not NULL) their count; NULL and 0 for
 * a NULL secret. Borrowed: valid until lx_secret_free. The bytes are not
 * NUL-terminated.
 */
const uint8_t *lx__secret_data(const struct lx_secret *s, size_t *len);

/*
 * 1 if the secret's pages are mlock()ed, 0 if locking was refused (tests
 * use it to check the pages' flags; nothing else needs it).
 */
int lx__secret_locked(const struct lx_secret *s);

#endif
