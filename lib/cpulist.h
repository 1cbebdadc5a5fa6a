/* Lists of host CPUs as Xen's tools and Linux write them: "0-3,5". Xen's
 * xm also took "^N" for "but not N" ("0-3,^1" is 0, 2 and 3), applied left
 * to right. xm vcpu-pin, a config's cpus = "...", xend and the VMM read
 * them here, so that all of them agree on what a list means. */
#ifndef XENON_CPULIST_H
#define XENON_CPULIST_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/* The highest CPU number a list may name, plus one. */
#define CPULIST_MAX CPU_SETSIZE

/* Parses `text` into `set` (emptied first). Items are N, N-M (N <= M) and
 * ^N, separated by commas, with spaces allowed around each. An empty text
 * is an empty set. 0, or -1 with one line in `err` naming the item. */
int cpulist_parse(const char *text, cpu_set_t *set, char *err, size_t errlen);

/* Writes `set` as the shortest list ("0-1,3"), "" when empty. False (and
 * `out` emptied) if `out` is too small. */
bool cpulist_format(const cpu_set_t *set, char *out, size_t len);

/* The host's online CPUs (/sys/devices/system/cpu/online); false if that
 * cannot be read or parsed. */
bool cpulist_host_online(cpu_set_t *set);

#endif
