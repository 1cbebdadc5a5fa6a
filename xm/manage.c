/* The domains xend manages, as Xen 3.1's xm added them: `xm new` keeps a
 * domain's config in xend without starting it, `xm start` starts it (again
 * and again, the same domain: the same UUID), `xm delete` forgets one that
 * is not running. Between runs `xm list` shows it with no ID. As Xen's xm,
 * they say nothing when they succeed. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "xm.h"

int cmd_new(int argc, char **argv)
{
	if (argc < 2)
		return xm_usage_error("no config file given");
	if (argv[1][0] == '-')
		return xm_usage_error("unknown option %s", argv[1]);
	json_t *config = xm_load_config(argv[1], argv + 2, (size_t)(argc - 2));
	if (!config)
		return 1;
	json_t *reply = xend_call(json_pack("{s:s, s:o}", "op", "new", "config", config));
	json_decref(reply);
	return reply ? 0 : 1;
}

int cmd_start(int argc, char **argv)
{
	static const struct option options[] = {
		{ "paused", no_argument, NULL, 'p' },
		{ "console_autoconnect", no_argument, NULL, 'c' },
		{ 0 },
	};
	bool paused = false, console = false;
	int c;
	/* Options before or after the domain, as Xen's gnu_getopt took them. */
	while ((c = getopt_long(argc, argv, "pc", options, NULL)) != -1) {
		if (c == 'p')
			paused = true;
		else if (c == 'c')
			console = true;
		else
			return xm_usage_error("unknown option");
	}
	if (argc - optind != 1)
		return xm_usage_error(optind == argc ? "no domain given" : "too many arguments");
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:b}", "op", "start", "domain", argv[optind], "paused", paused));
	if (!reply)
		return 1;
	char domid[16];
	snprintf(domid, sizeof(domid), "%lld", (long long)json_integer_value(json_object_get(reply, "domid")));
	json_decref(reply);
	return console ? xm_attach_console(domid) : 0;
}

int cmd_delete(int argc, char **argv)
{
	return xm_one_domain(argc, argv) ?: xm_simple_request("delete", argv[1]);
}
