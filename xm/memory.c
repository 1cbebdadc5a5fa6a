/* xm mem-set and mem-max: a running domain's memory target, which its own
 * balloon driver follows, and the most it may hold. Sizes are MiB, or carry
 * a unit as Xen's xm took them (128, 128m, 1g, 131072k). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "xm.h"

/* `text` in MiB; false if it is not a size. */
static bool parse_mib(const char *text, uint64_t *mib)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (end == text || text[0] == '-' || errno)
		return false;
	int shift; /* from the unit to MiB: KiB are 2^-10 MiB */
	if (!*end || strcasecmp(end, "m") == 0)
		shift = 0;
	else if (strcasecmp(end, "k") == 0)
		shift = -10;
	else if (strcasecmp(end, "g") == 0)
		shift = 10;
	else if (strcasecmp(end, "t") == 0)
		shift = 20;
	else
		return false;
	if (shift > 0 && n > ((uint64_t)INT64_MAX >> shift))
		return false;
	*mib = shift >= 0 ? (uint64_t)n << shift : (uint64_t)n >> -shift;
	return true;
}

static int memory_request(int argc, char **argv, const char *op)
{
	if (argc != 3)
		return xm_usage_error("'xm %s' requires 2 arguments.", op);
	uint64_t mib;
	if (!parse_mib(argv[2], &mib))
		return xm_usage_error("<Mem> is a size in MiB (128, or with a unit: 128m, 1g), not '%s'", argv[2]);
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:I}", "op", op, "domain", argv[1], "memory", (json_int_t)mib));
	json_decref(reply);
	return reply ? 0 : 1;
}

int cmd_mem_set(int argc, char **argv) { return memory_request(argc, argv, "mem-set"); }
int cmd_mem_max(int argc, char **argv) { return memory_request(argc, argv, "mem-max"); }
