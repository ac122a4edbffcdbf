/* The bench tools' command lines (tests/bench/loadgen.c, statebuild.c): "--name value"
 * pairs after a command, each known option at most once. Errors go to stderr, prefixed
 * with the tool's name. */
#ifndef CHR_BENCH_ARGS_H
#define CHR_BENCH_ARGS_H

#include <stdint.h>

/* The value given for option `name`, or NULL. */
const char *bench_arg(int argc, char **argv, const char *name);
/* True when every argument is a known option with a value, none given twice, and every
 * option in `required` is there (both lists end with NULL). */
int bench_args_ok(const char *tool, int argc, char **argv, const char *const *known,
                  const char *const *required);
/* Reads option `name` as a whole number in [min, max]; def when it is absent. */
int bench_arg_u64(const char *tool, int argc, char **argv, const char *name, uint64_t def,
                  uint64_t min, uint64_t max, uint64_t *out);
/* The online cores, from 1 to max. */
unsigned bench_cores(unsigned max);

#endif
