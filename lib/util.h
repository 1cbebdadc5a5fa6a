/* Small helpers every part of Xenon uses. */
#ifndef XENON_UTIL_H
#define XENON_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A small file's first line (a /proc or /sys value), without its newline;
 * false if it cannot be read. */
static inline bool read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

#endif
