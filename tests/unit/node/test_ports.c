#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node/config.h"
#include "node/ports.h"
#include "tests/unit/node/suite.h"
#include "tests/unit/test.h"

static void tp_tmpdir(char dir[64])
{
    strcpy(dir, "/tmp/chroom-test-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        abort();
    }
}

/* The whole of dir/name into out (NUL-terminated); -1 when it cannot be opened. */
static long tp_read(const char *dir, const char *name, char *out, size_t cap)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t n = fread(out, 1, cap - 1, f);
    fclose(f);
    out[n] = '\0';
    return (long)n;
}

static void tp_rmdir(const char *dir)
{
    char path[256];
    const char *const names[] = {NODE_PORTS_FILE, NODE_PORTS_TMP_FILE};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
        rmdir(path);
    }
    rmdir(dir);
}

/* Proves the file says exactly "pid=", "api=" and, only when the node listens for peers,
 * "p2p=" lines, and that no temporary file is left beside it. */
void test_ports_write_format(void)
{
    char dir[64];
    char text[NODE_PORTS_BYTES_MAX];
    char err[256];
    tp_tmpdir(dir);
    CHECK_OK(node_ports_write(dir, 4242, 41234, 41235, err, sizeof(err)));
    CHECK(tp_read(dir, NODE_PORTS_FILE, text, sizeof(text)) > 0);
    CHECK(strcmp(text, "pid=4242\napi=41234\np2p=41235\n") == 0);
    CHECK(tp_read(dir, NODE_PORTS_TMP_FILE, text, sizeof(text)) == -1);
    CHECK_OK(node_ports_write(dir, 2147483647L, 65535, 0, err, sizeof(err)));
    CHECK(tp_read(dir, NODE_PORTS_FILE, text, sizeof(text)) > 0);
    CHECK(strcmp(text, "pid=2147483647\napi=65535\n") == 0);
    tp_rmdir(dir);
}

/* Proves a second write replaces the first whole, and remove takes the file and a
 * temporary one a killed node left, and is content when there is none. */
void test_ports_overwrite_and_remove(void)
{
    char dir[64];
    char text[NODE_PORTS_BYTES_MAX];
    char err[256];
    tp_tmpdir(dir);
    CHECK_OK(node_ports_remove(dir, err, sizeof(err)));
    CHECK_OK(node_ports_write(dir, 1, 1000, 2000, err, sizeof(err)));
    CHECK_OK(node_ports_write(dir, 2, 3000, 0, err, sizeof(err)));
    CHECK(tp_read(dir, NODE_PORTS_FILE, text, sizeof(text)) > 0);
    CHECK(strcmp(text, "pid=2\napi=3000\n") == 0);
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "%s/%s", dir, NODE_PORTS_TMP_FILE);
    FILE *f = fopen(tmp, "wb");
    CHECK(f != NULL && fputs("pid=", f) >= 0 && fclose(f) == 0);
    CHECK_OK(node_ports_remove(dir, err, sizeof(err)));
    CHECK(tp_read(dir, NODE_PORTS_FILE, text, sizeof(text)) == -1);
    CHECK(tp_read(dir, NODE_PORTS_TMP_FILE, text, sizeof(text)) == -1);
    CHECK_OK(node_ports_remove(dir, err, sizeof(err)));
    tp_rmdir(dir);
}

/* Proves the failures are errors that name the cause, never a crash or a partial file: a
 * missing directory, a data directory path over the config's limit, a "ports" that cannot
 * be removed or replaced (a directory). */
void test_ports_errors(void)
{
    char dir[64];
    char text[NODE_PORTS_BYTES_MAX];
    char err[256];
    tp_tmpdir(dir);
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/nowhere", dir);
    CHECK(node_ports_write(missing, 1, 1, 0, err, sizeof(err)) == CHR_ERR_IO);
    CHECK(strstr(err, "cannot create") != NULL && strstr(err, "nowhere") != NULL);
    static char longdir[NODE_CONFIG_PATH_MAX + 2];
    memset(longdir, 'a', sizeof(longdir) - 1);
    CHECK(node_ports_write(longdir, 1, 1, 0, err, sizeof(err)) == CHR_ERR_ARG);
    CHECK(node_ports_remove(longdir, err, sizeof(err)) == CHR_ERR_ARG);
    CHECK(strstr(err, "too long") != NULL);
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/%s", dir, NODE_PORTS_FILE);
    CHECK(mkdir(sub, 0700) == 0);
    CHECK(node_ports_write(dir, 1, 1, 0, err, sizeof(err)) == CHR_ERR_IO);
    CHECK(strstr(err, "cannot write") != NULL);
    CHECK(tp_read(dir, NODE_PORTS_TMP_FILE, text, sizeof(text)) == -1);
    CHECK(node_ports_remove(dir, err, sizeof(err)) == CHR_ERR_IO);
    CHECK(strstr(err, "cannot remove") != NULL);
    tp_rmdir(dir);
}
