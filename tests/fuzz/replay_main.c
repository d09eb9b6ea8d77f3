/* replay_main.c: runs a fuzz target's LLVMFuzzerTestOneInput over every file
 * of the folders (or files) given, without libFuzzer: the sanitizer tree
 * builds each tests/fuzz/fuzz_<name>.c with it as replay_fuzz_<name> and
 * replays tests/fuzz/corpus/fuzz_<name>/ as a ctest (label sanitize).
 * A crash, leak or UB report stops it (ASan/UBSan); otherwise it prints the
 * count of inputs and exits 0, or 1 when a folder is missing or empty. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "replay: out of memory for %s\n", path);
        return -1;
    }
    /* libFuzzer hands over an exact-size copy: do the same, so that a read
     * past the end is caught. */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    long count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) != 0)
                return 1;
            count++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            fprintf(stderr, "replay: cannot open %s\n", argv[i]);
            return 1;
        }
        size_t n = 0, cap = 0;
        char **files = NULL;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            if (n == cap) {
                char **g = realloc(files, (cap = cap ? cap * 2 : 256) * sizeof *g);
                if (!g)
                    return 1;
                files = g;
            }
            size_t len = strlen(argv[i]) + strlen(e->d_name) + 2;
            files[n] = malloc(len);
            if (!files[n])
                return 1;
            snprintf(files[n++], len, "%s/%s", argv[i], e->d_name);
        }
        closedir(d);
        qsort(files, n, sizeof *files, cmp); /* the same order every run */
        for (size_t k = 0; k < n; k++) {
            if (run_file(files[k]) != 0)
                return 1;
            free(files[k]);
            count++;
        }
        free(files);
    }
    printf("replay: %ld input(s), no failure\n", count);
    return count > 0 ? 0 : 1;
}
