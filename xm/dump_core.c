/* xm dump-core [-L|--live] [-C|--crash] <Domain> [Filename]: the domain's
 * memory and vCPU registers to an ELF core (xend/dump.c writes it; without
 * a name, /var/xen/dump/TIME-NAME.ID.core). Unless live, the domain is
 * paused while its core is written; -C destroys it after. */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "xm.h"

int cmd_dump_core(int argc, char **argv)
{
	static const struct option options[] = { { "live", no_argument, NULL, 'L' },
						 { "crash", no_argument, NULL, 'C' }, { 0 } };
	bool live = false, crash = false;
	int c;
	/* Options anywhere among the operands, as Xen's gnu_getopt took them. */
	while ((c = getopt_long(argc, argv, "LC", options, NULL)) != -1) {
		if (c == 'L')
			live = true;
		else if (c == 'C')
			crash = true;
		else
			return xm_usage_error("unknown option");
	}
	int operands = argc - optind;
	if (operands < 1 || operands > 2)
		return xm_usage_error("Expects 1 or 2 argument(s)");
	const char *domain = argv[optind];
	json_t *req = json_pack("{s:s, s:s, s:b, s:b}", "op", "dump-core", "domain", domain, "live", live, "crash",
				crash);
	if (operands == 2) {
		char path[PATH_MAX];
		if (xm_absolute_path(argv[optind + 1], path, sizeof(path)) < 0) {
			json_decref(req);
			return 1;
		}
		json_object_set_new(req, "path", json_string(path));
	}
	printf("Dumping core of domain: %s ...\n", domain);
	json_t *reply = xend_call(req);
	if (!reply)
		return 1;
	if (crash)
		printf("Destroying domain: %s ...\n", domain);
	json_decref(reply);
	return 0;
}
