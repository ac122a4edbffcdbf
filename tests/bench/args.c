#include "tests/bench/args.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/enc.h"

const char *bench_arg(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], name) == 0) {
            return argv[i + 1];
        }
    }
    return NULL;
}

int bench_args_ok(const char *tool, int argc, char **argv, const char *const *known,
                  const char *const *required)
{
    if (argc % 2 != 0) {
        fprintf(stderr, "%s: %s needs a value\n", tool, argv[argc - 1]);
        return 0;
    }
    for (int i = 0; i < argc; i += 2) {
        int found = 0;
        for (size_t k = 0; known[k] != NULL && !found; k++) {
            found = strcmp(argv[i], known[k]) == 0;
        }
        for (int j = 0; j < i && found; j += 2) {
            found = strcmp(argv[j], argv[i]) != 0;
        }
        if (!found) {
            fprintf(stderr, "%s: unknown or repeated option %s\n", tool, argv[i]);
            return 0;
        }
    }
    for (size_t k = 0; required[k] != NULL; k++) {
        if (bench_arg(argc, argv, required[k]) == NULL) {
            fprintf(stderr, "%s: %s is required\n", tool, required[k]);
            return 0;
        }
    }
    return 1;
}

int bench_arg_u64(const char *tool, int argc, char **argv, const char *name, uint64_t def,
                  uint64_t min, uint64_t max, uint64_t *out)
{
    const char *s = bench_arg(argc, argv, name);
    *out = def;
    if (s == NULL) {
        return 1;
    }
    if (chr_u64_parse(out, s, strlen(s)) != CHR_OK || *out < min || *out > max) {
        fprintf(stderr, "%s: %s: a whole number from %" PRIu64 " to %" PRIu64 "\n", tool, name, min,
                max);
        return 0;
    }
    return 1;
}

unsigned bench_cores(unsigned max)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) {
        return 1;
    }
    return n > (long)max ? max : (unsigned)n;
}
