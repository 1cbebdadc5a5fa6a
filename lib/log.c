#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char prefix[128] = "xenon";
static bool verbose;

void log_set_prefix(const char *program, const char *domain)
{
	if (domain)
		snprintf(prefix, sizeof(prefix), "%s[%s]", program, domain);
	else
		snprintf(prefix, sizeof(prefix), "%s", program);
}

void log_set_verbose(bool on)
{
	verbose = on;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line, so lines from several threads never interleave. */
	fprintf(stderr, "%s: %s%s\n", prefix, level, line);
}

#define LOG_FN(name, level, enabled)                 \
	void name(const char *fmt, ...)              \
	{                                            \
		if (!(enabled))                      \
			return;                      \
		va_list ap;                          \
		va_start(ap, fmt);                   \
		log_line(level, fmt, ap);            \
		va_end(ap);                          \
	}

LOG_FN(log_err, "error: ", true)
LOG_FN(log_warn, "warning: ", true)
LOG_FN(log_info, "", true)
LOG_FN(log_debug, "debug: ", verbose)
