#include "common/thread.h"

#include <pthread.h>
#include <string.h>

#include "common/assert.h"

void chr_thread_name(const char *name)
{
    CHR_ASSERT(strlen(name) <= CHR_THREAD_NAME_MAX);
    (void)pthread_setname_np(pthread_self(), name);
}
