/* The quotas by name: for -Q on the command line and for
 * `xenstore-control quota`, which reads and sets them at run time. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored.h"

static const struct {
	const char *name;
	size_t offset;
	const char *what;
} quotas[] = {
	{ "entry-nb", offsetof(struct quota, entries), "nodes a domain owns" },
	{ "entry-size", offsetof(struct quota, entry_size), "bytes in one node's value" },
	{ "watch-nb", offsetof(struct quota, watches), "watches a domain holds" },
	{ "transaction", offsetof(struct quota, transactions), "transactions a domain has open" },
	{ "perm-nb", offsetof(struct quota, perms), "entries in a node's permissions" },
	{ "path-max", offsetof(struct quota, path_max), "characters in a path" },
	{ "transaction-nodes", offsetof(struct quota, txn_nodes), "paths one transaction touches" },
	{ "outstanding", offsetof(struct quota, outstanding), "replies unread before requests wait" },
	{ "watch-events", offsetof(struct quota, watch_events), "events unread before a cut-off" },
	{ "memory", offsetof(struct quota, memory), "bytes of node data a domain owns" },
};

unsigned *quota_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++)
		if (strcmp(name, quotas[i].name) == 0)
			return (unsigned *)((char *)&xs.quota + quotas[i].offset);
	return NULL;
}

bool quota_set(const char *name, const char *value)
{
	unsigned *q = quota_by_name(name);
	char *end;
	errno = 0;
	unsigned long v = strtoul(value, &end, 10);
	if (!q || !*value || *end || errno || v == 0 || v > 0x7fffffff)
		return false;
	*q = (unsigned)v;
	return true;
}

size_t quota_describe(char *buf, size_t len)
{
	size_t used = 0;
	for (size_t i = 0; i < sizeof(quotas) / sizeof(quotas[0]); i++) {
		unsigned value = *(unsigned *)((char *)&xs.quota + quotas[i].offset);
		int n = snprintf(buf + used, len - used, "%-18s %10u  %s\n", quotas[i].name, value,
				 quotas[i].what);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	return used;
}
