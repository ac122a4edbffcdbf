#include "common/assert.h"

#include <stdio.h>
#include <stdlib.h>

void chr_assert_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, "chroom: assertion failed at %s:%d: %s\n", file, line, expr);
    fflush(stderr);
    abort();
}
