/* xend's rules for domains' memory (memory.c), apart from xend's state so
 * that tests/unit can test them. Sizes are MiB unless they say otherwise. */
#ifndef XEND_MEMORY_H
#define XEND_MEMORY_H

#include <stddef.h>
#include <stdint.h>

/* The least and most memory a domain may have. */
#define DOMAIN_MEMORY_MIN_MB 16
#define DOMAIN_MEMORY_MAX_MB (1 << 20)

/* The host's MemAvailable, from `meminfo` (/proc/meminfo); -1 if it cannot
 * be read. */
int64_t memory_host_available_mb(const char *meminfo);
/* What a VMM holds of its guest's RAM (RssShmem of `status`,
 * /proc/PID/status); 0 if it cannot be read. */
uint64_t memory_resident_mb(const char *status);
/* What a domain may still take from the host: its target, less what it
 * holds already. */
uint64_t memory_promised_mb(uint64_t target_mb, uint64_t resident_mb);

/* dom0-min-mem: whether `need_mb` more for domains leaves the host
 * `min_mb`, given its MemAvailable and what running domains may still take
 * (`promised_mb`). 0, or -1 with "cannot WHAT: ..." in `err`, naming every
 * number and the setting. */
int memory_host_room(const char *what, uint64_t need_mb, uint64_t available_mb, uint64_t promised_mb,
		     uint64_t min_mb, char *err, size_t errlen);
/* mem-set: a target from DOMAIN_MEMORY_MIN_MB up to the domain's maximum.
 * 0, or -1 with `err` set. */
int memory_target_check(const char *domain, uint64_t target_mb, uint64_t maxmem_mb, char *err, size_t errlen);
/* mem-max: a maximum not below the domain's target (Xen's xend kept
 * target <= maximum), nor above DOMAIN_MEMORY_MAX_MB. */
int memory_maxmem_check(const char *domain, uint64_t maxmem_mb, uint64_t target_mb, char *err, size_t errlen);

#endif
