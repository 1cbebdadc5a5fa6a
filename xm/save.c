/* xm save [-c] <Domain> <CheckpointFile> and xm restore <CheckpointFile>
 * (xend/save.c does the work). Without -c the saved domain is destroyed;
 * with it, it runs on. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "xm.h"

int cmd_save(int argc, char **argv)
{
	static const char *const checkpoint_flag[2] = { "-c", "--checkpoint" };
	bool checkpoint = false;
	const char *args[2];
	int operands = 0;
	for (int i = 1; i < argc; i++)
		operands += argv[i][0] != '-';
	if (operands != 2)
		return xm_usage_error("Expects 2 arguments: <Domain> <CheckpointFile>");
	int e = xm_operands_and_flag(argc, argv, checkpoint_flag, &checkpoint, args, 2);
	if (e)
		return e;
	char path[PATH_MAX];
	if (xm_absolute_path(args[1], path, sizeof(path)) < 0)
		return 1;
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:s, s:b}", "op", "save", "domain", args[0], "file", path,
					    "checkpoint", checkpoint));
	json_decref(reply);
	return reply ? 0 : 1;
}

int cmd_restore(int argc, char **argv)
{
	if (argc != 2)
		return xm_usage_error("Expects 1 argument");
	char path[PATH_MAX];
	if (xm_absolute_path(argv[1], path, sizeof(path)) < 0)
		return 1;
	json_t *reply = xend_call(json_pack("{s:s, s:s}", "op", "restore", "file", path));
	json_decref(reply);
	return reply ? 0 : 1;
}
