/*
 * replay_driver.c - runs a libFuzzer target over its seed corpus without
 * libFuzzer, so gcc builds replay every corpus file in make check. It
 * allocates through lx__malloc(NULL, ...) like the rest of the tree.
 *
 * With no arguments it replays LX_FUZZ_CORPUS (a directory, set per target
 * by the build); arguments name files or directories to replay instead.
 * Output is TAP: one test point per file. A crash or sanitizer report in
 * the target fails the whole binary, which the TAP driver reports.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/lx_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE  (4u << 20)
#define REPLAY_MAX_FILES 4096

static int read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    if (f == NULL) {
        return -1;
    }
    buf = lx__malloc(NULL, REPLAY_MAX_FILE);
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, REPLAY_MAX_FILE, f);
    fclose(f);
    *out = buf;
    *len = n;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects regular files (sorted, for stable TAP numbering). */
static size_t collect(const char *path, char **files, size_t n)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    size_t start = n;

    if (stat(path, &st) != 0) {
        return n;
    }
    if (!S_ISDIR(st.st_mode)) {
        files[n++] = lx__strdup(NULL, path);
        return n;
    }
    d = opendir(path);
    if (d == NULL) {
        return n;
    }
    while ((e = readdir(d)) != NULL && n < REPLAY_MAX_FILES) {
        char full[4096];

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            files[n++] = lx__strdup(NULL, full);
        }
    }
    closedir(d);
    qsort(files + start, n - start, sizeof(*files), cmp_str);
    return n;
}

int main(int argc, char **argv)
{
    static char *files[REPLAY_MAX_FILES];
    size_t n = 0, i;
    int a;

#ifdef LX_FUZZ_CORPUS
    if (argc < 2) {
        n = collect(LX_FUZZ_CORPUS, files, n);
    }
#endif
    for (a = 1; a < argc; a++) {
        n = collect(argv[a], files, n);
    }
    if (n == 0) {
        /* An empty corpus means a broken build, not a passing test. */
        printf("1..1\nnot ok 1 - no corpus files found\n");
        return 1;
    }
    printf("1..%zu\n", n);
    for (i = 0; i < n; i++) {
        uint8_t *buf;
        size_t len;

        if (read_file(files[i], &buf, &len) != 0) {
            printf("not ok %zu - %s: %s\n", i + 1, files[i], strerror(errno));
            lx__free(NULL, files[i]);
            continue;
        }
        fflush(stdout);
        LLVMFuzzerTestOneInput(buf, len);
        printf("ok %zu - %s (%zu bytes)\n", i + 1, files[i], len);
        lx__free(NULL, buf);
        lx__free(NULL, files[i]);
    }
    return 0;
}
