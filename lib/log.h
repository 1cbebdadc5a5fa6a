/* One line per message on stderr, prefixed with the program and, once known,
 * the domain: "xenon-vmm[demo]: ...". Errors name what failed and where.
 *
 * A daemon may instead log to a file of its own, as Xen's xend did: each
 * line dated and levelled, the file rotated when it grows (log_to_file). */
#ifndef XENON_LOG_H
#define XENON_LOG_H

#include <stdbool.h>
#include <sys/types.h>

/* Python's logging levels, which xend-config.sxp's (loglevel ...) names. */
enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARNING, LOG_LEVEL_ERROR, LOG_LEVEL_CRITICAL };

void log_set_prefix(const char *program, const char *domain);
/* Messages below `level` are dropped. The default is INFO. */
void log_set_level(enum log_level level);
/* true: DEBUG; false: INFO. */
void log_set_verbose(bool verbose);
/* The level Xen calls `name` (DEBUG, INFO, WARNING, ERROR, CRITICAL), into
 * *level; false if it is none of them. */
bool log_level_from_name(const char *name, enum log_level *level);

/* From now on messages go to the file at `path` (appended to, made 0640 if
 * absent) in Xen's xend.log format, "[2007-06-01 12:00:00 1234] INFO (xend)
 * message", and so does stderr (the file is descriptor 2), so that what a
 * library prints is kept beside them. A line that would take the file to
 * `max_bytes` or beyond first rotates it (log_rotate with `backups`), as
 * Python's RotatingFileHandler did for Xen. 0, or -1 with errno set and
 * nothing changed. */
int log_to_file(const char *path, off_t max_bytes, unsigned backups);
/* Moves PATH.N-1 to PATH.N, ..., PATH.1 to PATH.2 and PATH to PATH.1,
 * keeping at most `backups` old files (the oldest is replaced); with no
 * backups, PATH is removed. Files that are absent are skipped. 0, or -1
 * with errno set. */
int log_rotate(const char *path, unsigned backups);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only at level DEBUG (log_set_verbose(true), or log_set_level). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
