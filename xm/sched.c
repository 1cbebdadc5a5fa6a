/* xm sched-credit: the credit scheduler's weight and cap of each domain,
 * shown or set, as Xen 3.2's xm did it (tools/python/xen/xm/main.py,
 * xm_sched_credit): without -w or -c, the table "Name ID Weight Cap" of
 * every domain, or of the one -d names (Xen 3.0 printed a dict for -d
 * alone; 3.2 and later, this table); with -w or -c, -d is required and
 * nothing is printed. xend holds the domain to them (xend/sched.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "xm.h"

/* A whole number option's value; false if it is not one. */
static bool parse_number(const char *text, long long *out)
{
	char *end;
	errno = 0;
	*out = strtoll(text, &end, 10);
	return *text && !*end && !errno;
}

static int show(const char *domain)
{
	json_t *req = json_pack("{s:s}", "op", "sched-credit");
	if (domain)
		json_object_set_new(req, "domain", json_string(domain));
	json_t *reply = xend_call(req);
	if (!reply)
		return 1;
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(reply, "domains"), i, d)
		printf("%-32s %5lld %6lld %4lld\n", json_string_value(json_object_get(d, "name")),
		       (long long)json_integer_value(json_object_get(d, "domid")),
		       (long long)json_integer_value(json_object_get(d, "weight")),
		       (long long)json_integer_value(json_object_get(d, "cap")));
	json_decref(reply);
	return 0;
}

int cmd_sched_credit(int argc, char **argv)
{
	static const struct option options[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "weight", required_argument, NULL, 'w' },
		{ "cap", required_argument, NULL, 'c' },
		{ 0 },
	};
	const char *domain = NULL;
	bool has_weight = false, has_cap = false;
	long long weight = 0, cap = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+d:w:c:", options, NULL)) != -1) {
		if (c == 'd')
			domain = optarg;
		else if (c == 'w' && parse_number(optarg, &weight))
			has_weight = true;
		else if (c == 'c' && parse_number(optarg, &cap))
			has_cap = true;
		else if (c == 'w' || c == 'c')
			return xm_usage_error("the %s must be a whole number, not '%s'", c == 'w' ? "weight" : "cap",
					      optarg);
		else
			return xm_usage_error("unknown option");
	}
	if (optind < argc)
		return xm_usage_error("unexpected argument '%s'", argv[optind]);
	if (!has_weight && !has_cap)
		return show(domain);
	if (!domain)
		return xm_usage_error("No domain given.");
	json_t *req = json_pack("{s:s, s:s}", "op", "sched-credit", "domain", domain);
	if (has_weight)
		json_object_set_new(req, "weight", json_integer(weight));
	if (has_cap)
		json_object_set_new(req, "cap", json_integer(cap));
	json_t *reply = xend_call(req);
	json_decref(reply);
	return reply ? 0 : 1;
}
