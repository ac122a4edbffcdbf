#include "common/errmsg.h"

#include <stdio.h>

#include "common/assert.h"

void chr_errmsg_vset(char *buf, size_t cap, const char *fmt, va_list ap)
{
    CHR_ASSERT(fmt != NULL);
    if (buf == NULL || cap == 0) {
        return;
    }
    buf[0] = '\0'; /* vsnprintf may write nothing on an encoding error */
    vsnprintf(buf, cap, fmt, ap);
}

void chr_errmsg_set(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    chr_errmsg_vset(buf, cap, fmt, ap);
    va_end(ap);
}
