/* Replays fuzz inputs through a target's LLVMFuzzerTestOneInput without libFuzzer, so that
 * `make test` runs the checked-in corpora under gcc's ASan+UBSan. Arguments are files or
 * directories (read one level deep). Prints one PASS line per corpus directory. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_FILE_MAX (1u << 20)

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("FAIL %s: cannot open\n", path);
        return 1;
    }
    uint8_t *buf = malloc(REPLAY_FILE_MAX);
    if (buf == NULL) {
        fclose(f);
        return 1;
    }
    size_t n = fread(buf, 1, REPLAY_FILE_MAX, f);
    fclose(f);
    /* A copy of exactly n bytes, so ASan catches a read one past the end. */
    uint8_t *exact = malloc(n > 0 ? n : 1);
    if (exact == NULL) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            printf("FAIL %s: no such corpus\n", argv[i]);
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed += replay_file(argv[i]);
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            failed++;
            continue;
        }
        size_t count = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
            failed += replay_file(path);
            count++;
        }
        closedir(d);
        if (count == 0) {
            printf("FAIL %s: empty corpus\n", argv[i]);
            failed++;
        } else {
            printf("PASS %s (%zu inputs)\n", argv[i], count);
        }
    }
    return failed == 0 ? 0 : 1;
}
