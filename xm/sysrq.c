/* xm sysrq <Domain> <letter>: a magic SysRq key for the guest's kernel,
 * through XenStore (xend/sysrq.c). */
#include <string.h>

#include "xm.h"

int cmd_sysrq(int argc, char **argv)
{
	if (argc != 3)
		return xm_usage_error("'xm sysrq' requires 2 arguments.");
	if (strlen(argv[2]) != 1)
		return xm_usage_error("<letter> is one SysRq key (h: help), not '%s'", argv[2]);
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:s}", "op", "sysrq", "domain", argv[1], "key", argv[2]));
	json_decref(reply);
	return reply ? 0 : 1;
}
