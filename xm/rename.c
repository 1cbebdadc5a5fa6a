/* xm rename: a domain, running or one xend manages, takes a new name. */
#include "xm.h"

int cmd_rename(int argc, char **argv)
{
	if (argc != 3)
		return xm_usage_error("'xm rename' requires 2 arguments.");
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:s}", "op", "rename", "domain", argv[1], "name", argv[2]));
	json_decref(reply);
	return reply ? 0 : 1;
}
