/* xm dmesg [-c|--clear]: Xen's console ring, as xend keeps it
 * (xend/dmesg.c); with -c, emptied once printed, as Xen's was. */
#include <getopt.h>
#include <stdbool.h>
#include <unistd.h>

#include "xm.h"

int cmd_dmesg(int argc, char **argv)
{
	static const struct option options[] = { { "clear", no_argument, NULL, 'c' }, { 0 } };
	bool clear = false;
	int c;
	while ((c = getopt_long(argc, argv, "c", options, NULL)) != -1) {
		if (c != 'c')
			return xm_usage_error("unknown option");
		clear = true;
	}
	if (optind < argc)
		return xm_usage_error("No parameter required");
	return xm_print_reply_file(json_pack("{s:s, s:b}", "op", "dmesg", "clear", clear));
}
