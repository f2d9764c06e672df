/*
 * idmap.c - see idmap.h.
 */
#include "mock/server/idmap.h"

#include "core/lx_internal.h"

int lx_mock_idmap_init(struct lx_mock_idmap *m, size_t cap)
{
    m->e = NULL;
    m->mask = 0;
    m->n = 0;
    if (cap < 2 || (cap & (cap - 1)) != 0) {
        return LX_ERR_INVAL;
    }
    m->e = lx__calloc(NULL, cap, sizeof(*m->e));
    if (m->e == NULL) {
        return LX_ERR_NOMEM;
    }
    m->mask = cap - 1;
    return LX_OK;
}

void lx_mock_idmap_free(struct lx_mock_idmap *m)
{
    lx__free(NULL, m->e);
    m->e = NULL;
    m->mask = 0;
    m->n = 0;
}

static size_t home(const struct lx_mock_idmap *m, uint64_t id)
{
    /* Fibonacci hashing: sequential ids spread over the table. */
    return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & m->mask;
}

/* id's entry, or the empty one that ends its probe run. */
static size_t slot_of(const struct lx_mock_idmap *m, uint64_t id)
{
    size_t i = home(m, id);

    while (m->e[i].id != 0 && m->e[i].id != id) {
        i = (i + 1) & m->mask;
    }
    return i;
}

int lx_mock_idmap_put(struct lx_mock_idmap *m, uint64_t id, uint32_t val)
{
    size_t i;

    if (id == 0 || m->e == NULL) {
        return LX_ERR_INVAL;
    }
    i = slot_of(m, id);
    if (m->e[i].id == 0) {
        if (m->n == m->mask) { /* one slot stays empty: probes end */
            return LX_ERR_TOOBIG;
        }
        m->e[i].id = id;
        m->n++;
    }
    m->e[i].val = val;
    return LX_OK;
}

int lx_mock_idmap_get(const struct lx_mock_idmap *m, uint64_t id, uint32_t *val)
{
    size_t i;

    if (id == 0 || m->e == NULL) {
        return 0;
    }
    i = slot_of(m, id);
    if (m->e[i].id == 0) {
        return 0;
    }
    *val = m->e[i].val;
    return 1;
}

void lx_mock_idmap_del(struct lx_mock_idmap *m, uint64_t id)
{
    size_t i, j;

    if (id == 0 || m->e == NULL) {
        return;
    }
    i = slot_of(m, id);
    if (m->e[i].id == 0) {
        return;
    }
    /*
     * Backward shift: walk the run after the hole at i; an entry at j
     * whose home is not cyclically in (i, j] may move into the hole, which
     * then moves to j. The run ends at an empty slot.
     */
    for (j = (i + 1) & m->mask; m->e[j].id != 0; j = (j + 1) & m->mask) {
        size_t h = home(m, m->e[j].id);
        int in = i < j ? (h > i && h <= j) : (h > i || h <= j);

        if (!in) {
            m->e[i] = m->e[j];
            i = j;
        }
    }
    m->e[i].id = 0;
    m->e[i].val = 0;
    m->n--;
}
