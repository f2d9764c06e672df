/*
 * lx_test_file.h - a whole file into memory, for the tests that read the
 * recordings and fixtures (include after lx_test.h). Header-only.
 */
#ifndef LOTUSX_TESTS_LX_TEST_FILE_H
#define LOTUSX_TESTS_LX_TEST_FILE_H

#include <stdio.h>

#include "core/lx_internal.h"

/* The file at path, NUL-terminated (free with lx__free), its size in *len;
 * NULL when it cannot be opened. */
static inline char *lx_test_read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = lx__malloc(NULL, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

#endif
