/* One line per message on stderr, prefixed with the program and, once known,
 * the domain: "xenon-vmm[demo]: ...". Errors name what failed and where. */
#ifndef XENON_LOG_H
#define XENON_LOG_H

#include <stdbool.h>

void log_set_prefix(const char *program, const char *domain);
void log_set_verbose(bool verbose);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with log_set_verbose(true). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
