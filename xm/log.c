/* xm log: xend's log file, wherever xend-config.sxp's logfile puts it;
 * xend opens it and hands it over (xend/log_request.c). */
#include "xm.h"

int cmd_log(int argc, char **argv)
{
	if (argc > 1)
		return xm_usage_error("'xm log' takes no arguments");
	return xm_print_reply_file(json_pack("{s:s}", "op", "log"));
}
