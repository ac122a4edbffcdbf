/* CHR_ASSERT: on in every build; reports file, line and expression, then aborts.
 * CHR_DEBUG_ASSERT: the same for expensive checks, compiled only with CHR_DEBUG (test
 * builds). Assert only our own invariants, never what a peer, client, file or config
 * controls. */
#ifndef CHR_ASSERT_H
#define CHR_ASSERT_H

_Noreturn void chr_assert_fail(const char *file, int line, const char *expr);

#define CHR_ASSERT(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            chr_assert_fail(__FILE__, __LINE__, #cond);                                            \
        }                                                                                          \
    } while (0)

#ifdef CHR_DEBUG
#define CHR_DEBUG_ASSERT(cond) CHR_ASSERT(cond)
#else
#define CHR_DEBUG_ASSERT(cond)                                                                     \
    do {                                                                                           \
    } while (0)
#endif

#endif
