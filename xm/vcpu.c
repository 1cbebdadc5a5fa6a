/* xm vcpu-set, vcpu-list and vcpu-pin: how many vCPUs a guest keeps online,
 * where each runs, and which host CPUs each may use. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpulist.h"
#include "vcpu_list.h"
#include "xm.h"

/* A whole decimal number (a sign allowed: xend says what is wrong with
 * a negative one, in Xen's words); false if `text` is none. */
static bool whole_number(const char *text, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (!*text || *end || errno)
		return false;
	*out = n;
	return true;
}

int cmd_vcpu_set(int argc, char **argv)
{
	long n;
	if (argc != 3)
		return xm_usage_error("'xm vcpu-set' requires 2 arguments.");
	if (!whole_number(argv[2], &n))
		return xm_usage_error("<vCPUs> is a number of vCPUs, not '%s'", argv[2]);
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:I}", "op", "vcpu-set", "domain", argv[1], "vcpus",
					    (json_int_t)n));
	json_decref(reply);
	return reply ? 0 : 1;
}

int cmd_vcpu_pin(int argc, char **argv)
{
	long vcpu;
	if (argc != 4)
		return xm_usage_error("'xm vcpu-pin' requires 3 arguments.");
	bool all_vcpus = strcmp(argv[2], "all") == 0;
	if (!all_vcpus && (!whole_number(argv[2], &vcpu) || vcpu < 0))
		return xm_usage_error("<VCPU> is a vCPU's number (xm vcpu-list shows them) or all, not '%s'", argv[2]);
	cpu_set_t set;
	char err[512];
	if (strcmp(argv[3], "all") != 0 && cpulist_parse(argv[3], &set, err, sizeof(err)) < 0)
		return xm_usage_error("%s", err);
	json_t *req = json_pack("{s:s, s:s, s:s}", "op", "vcpu-pin", "domain", argv[1], "cpus", argv[3]);
	json_object_set_new(req, "vcpu", all_vcpus ? json_string("all") : json_integer(vcpu));
	json_t *reply = xend_call(req);
	json_decref(reply);
	return reply ? 0 : 1;
}

/* The domains to list: those named, or every running one (a managed
 * domain that is not running has no vCPUs, and Xen's xm left it out). */
static json_t *domains_to_list(int argc, char **argv)
{
	json_t *names = json_array();
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			json_array_append_new(names, json_string(argv[i]));
		return names;
	}
	json_t *domains = xm_list_domains();
	if (!domains) {
		json_decref(names);
		return NULL;
	}
	size_t i;
	json_t *d;
	json_array_foreach(domains, i, d)
		if (json_is_integer(json_object_get(d, "domid")))
			json_array_append(names, json_object_get(d, "name"));
	json_decref(domains);
	return names;
}

int cmd_vcpu_list(int argc, char **argv)
{
	json_t *names = domains_to_list(argc, argv);
	if (!names)
		return 1;
	/* Every answer first, so that an error comes before any line. */
	json_t *replies = json_array();
	size_t i;
	json_t *name;
	int status = 0;
	json_array_foreach(names, i, name) {
		json_t *reply = xend_call(json_pack("{s:s, s:O}", "op", "vcpu-list", "domain", name));
		if (reply)
			json_array_append_new(replies, reply);
		else
			status = 1;
	}
	cpu_set_t host;
	if (!cpulist_host_online(&host)) {
		CPU_ZERO(&host);
		for (long cpu = 0; cpu < sysconf(_SC_NPROCESSORS_ONLN) && cpu < CPULIST_MAX; cpu++)
			CPU_SET(cpu, &host);
	}
	if (json_array_size(replies))
		xm_vcpu_list_header(stdout);
	json_t *reply;
	json_array_foreach(replies, i, reply)
		xm_vcpu_list_print(stdout, reply, &host);
	json_decref(replies);
	json_decref(names);
	return status;
}
