/* xend's rules for domains' memory, on the numbers it is given (memory.h):
 * a target within what the domain may hold, a maximum not below its
 * target, and dom0-min-mem, the memory the host keeps for itself. */
#include "memory.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The number (kB) after `key` in a /proc file of "Key:   N kB" lines. */
static int64_t proc_kb(const char *path, const char *key)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[256];
	int64_t kb = -1;
	size_t len = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		if (strncmp(line, key, len) == 0 && line[len] == ':' && sscanf(line + len + 1, "%llu", &v) == 1) {
			kb = (int64_t)v;
			break;
		}
	}
	fclose(f);
	return kb;
}

int64_t memory_host_available_mb(const char *meminfo)
{
	int64_t kb = proc_kb(meminfo, "MemAvailable");
	return kb < 0 ? -1 : kb / 1024;
}

uint64_t memory_resident_mb(const char *status)
{
	int64_t kb = proc_kb(status, "RssShmem");
	return kb < 0 ? 0 : (uint64_t)kb / 1024;
}

uint64_t memory_promised_mb(uint64_t target_mb, uint64_t resident_mb)
{
	return target_mb > resident_mb ? target_mb - resident_mb : 0;
}

int memory_host_room(const char *what, uint64_t need_mb, uint64_t available_mb, uint64_t promised_mb,
		     uint64_t min_mb, char *err, size_t errlen)
{
	uint64_t free_mb = available_mb > promised_mb ? available_mb - promised_mb : 0;
	if (free_mb >= need_mb && free_mb - need_mb >= min_mb)
		return 0;
	snprintf(err, errlen,
		 "cannot %s: it needs %" PRIu64 " MiB, and the host has %" PRIu64 " MiB for domains (MemAvailable %" PRIu64
		 " MiB, less %" PRIu64 " MiB that running domains may still take up to their targets) of which it "
		 "keeps %" PRIu64 " MiB for itself (dom0-min-mem in xend-config.sxp)",
		 what, need_mb, free_mb, available_mb, promised_mb, min_mb);
	return -1;
}

int memory_target_check(const char *domain, uint64_t target_mb, uint64_t maxmem_mb, char *err, size_t errlen)
{
	if (target_mb < DOMAIN_MEMORY_MIN_MB) {
		snprintf(err, errlen, "domain %s: a memory target of %" PRIu64 " MiB is below the least a domain may have (%d MiB)",
			 domain, target_mb, DOMAIN_MEMORY_MIN_MB);
		return -1;
	}
	if (target_mb > maxmem_mb) {
		snprintf(err, errlen,
			 "domain %s: a memory target of %" PRIu64 " MiB is above its maximum of %" PRIu64
			 " MiB (xm mem-max raises the maximum)",
			 domain, target_mb, maxmem_mb);
		return -1;
	}
	return 0;
}

int memory_maxmem_check(const char *domain, uint64_t maxmem_mb, uint64_t target_mb, char *err, size_t errlen)
{
	if (maxmem_mb > DOMAIN_MEMORY_MAX_MB) {
		snprintf(err, errlen, "domain %s: a maximum of %" PRIu64 " MiB is above the most a domain may have (%d MiB)",
			 domain, maxmem_mb, DOMAIN_MEMORY_MAX_MB);
		return -1;
	}
	if (maxmem_mb < target_mb) {
		snprintf(err, errlen,
			 "domain %s: a maximum of %" PRIu64 " MiB is below its memory target of %" PRIu64
			 " MiB (xm mem-set lowers the target first)",
			 domain, maxmem_mb, target_mb);
		return -1;
	}
	return 0;
}
