/* The host's memory and CPUs (host.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

/* The number after "KEY:" in a /proc file of such lines, or 0. */
static double proc_value(const char *path, const char *key)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	char line[256];
	double value = 0;
	size_t n = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		const char *colon = strchr(line, ':');
		if (!colon || strncmp(line, key, n) != 0 || strspn(line + n, " \t") != (size_t)(colon - line - n))
			continue;
		if (sscanf(colon + 1, "%lf", &value) != 1)
			value = 0;
		break;
	}
	fclose(f);
	return value > 0 ? value : 0;
}

void xt_host_read(struct xt_host *h)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*h = (struct xt_host){
		.total_kb = (uint64_t)proc_value("/proc/meminfo", "MemTotal"),
		.free_kb = (uint64_t)proc_value("/proc/meminfo", "MemAvailable"),
		.cpus = cpus > 0 ? (unsigned)cpus : 0,
		.mhz = (unsigned)proc_value("/proc/cpuinfo", "cpu MHz"),
	};
}
