/*
 * idmap.h - a fixed-size map from nonzero 64-bit ids to 32-bit values
 * (order id -> record slot): open addressing with linear probing and
 * removal by backward shift, so no tombstones ever slow a lookup and the
 * table never needs rebuilding. The capacity is set once; the map holds
 * at most capacity - 1 ids. No allocation after init.
 */
#ifndef LOTUSX_MOCK_SERVER_IDMAP_H
#define LOTUSX_MOCK_SERVER_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct lx_mock_idmap_ent {
    uint64_t id; /* 0: empty */
    uint32_t val;
};

struct lx_mock_idmap {
    struct lx_mock_idmap_ent *e;
    size_t mask; /* capacity - 1 */
    size_t n;
};

/* cap: a power of two >= 2. LX_ERR_INVAL, LX_ERR_NOMEM. */
int lx_mock_idmap_init(struct lx_mock_idmap *m, size_t cap);
void lx_mock_idmap_free(struct lx_mock_idmap *m);

/* Sets id's value (adds or replaces). LX_ERR_INVAL for id 0, LX_ERR_TOOBIG
 * when adding to a map holding capacity - 1 ids. */
int lx_mock_idmap_put(struct lx_mock_idmap *m, uint64_t id, uint32_t val);

/* 1 with *val set when id is there, else 0. */
int lx_mock_idmap_get(const struct lx_mock_idmap *m, uint64_t id,
                      uint32_t *val);

/* Removes id (nothing when it is not there). */
void lx_mock_idmap_del(struct lx_mock_idmap *m, uint64_t id);

#endif
