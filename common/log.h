/* Logging to stderr, one line per event: time, level, message. Thread-safe (one fprintf
 * per line). Never log secrets: keys, API keys, passphrases. */
#ifndef CHR_LOG_H
#define CHR_LOG_H

typedef enum chr_log_level {
    CHR_LOG_ERROR = 0,
    CHR_LOG_WARN = 1,
    CHR_LOG_INFO = 2,
    CHR_LOG_DEBUG = 3,
} chr_log_level;

void chr_log_set_level(chr_log_level level);
/* Parses "error", "warn", "info", "debug"; returns -1 for anything else. */
int chr_log_level_parse(const char *s);
void chr_log(chr_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define CHR_LOG_E(...) chr_log(CHR_LOG_ERROR, __VA_ARGS__)
#define CHR_LOG_W(...) chr_log(CHR_LOG_WARN, __VA_ARGS__)
#define CHR_LOG_I(...) chr_log(CHR_LOG_INFO, __VA_ARGS__)
#define CHR_LOG_D(...) chr_log(CHR_LOG_DEBUG, __VA_ARGS__)

#endif
