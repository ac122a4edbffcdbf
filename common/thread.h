/* Names of the node's threads, as `top -H`, `ps -L`, perf and gdb show them. */
#ifndef CHR_THREAD_H
#define CHR_THREAD_H

/* At most 15 characters: the kernel keeps 16 bytes with the NUL. */
#define CHR_THREAD_NAME_MAX 15

/* Names the calling thread (asserts the length). A failure changes nothing else: the
 * thread keeps its process's name. */
void chr_thread_name(const char *name);

#endif
