/* xm top: Xen's xm ran xentop in its place, with no arguments of its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program.h"
#include "xm.h"

int cmd_top(int argc, char **argv)
{
	if (argc > 1)
		return xm_usage_error("too many arguments");
	char *xentop = program_find("xentop", "xentop", "XENON_XENTOP");
	if (!xentop) {
		fprintf(stderr, "Error: cannot find xentop beside xm ($XENON_XENTOP names it)\n");
		return 1;
	}
	char *const args[] = { "xentop", NULL };
	execv(xentop, args);
	fprintf(stderr, "Error: cannot run %s: %s\n", xentop, strerror(errno));
	free(xentop);
	return 1;
}
