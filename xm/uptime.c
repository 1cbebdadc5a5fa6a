/* xm uptime [-s] [Domain ...]: how long each domain has been up, in Xen 3's
 * format (scripts read it). */
#include <stdio.h>
#include <string.h>

#include "uptime.h"
#include "xm.h"

/* How long the domain has run, in whole seconds (rounded, as Xen's xm). */
static long seconds_up(json_t *d, time_t now, double host_uptime)
{
	json_t *domid = json_object_get(d, "domid");
	if (!json_is_integer(domid)) /* inactive: it has not run since its start */
		return 0;
	double up = json_integer_value(domid) == 0
			    ? host_uptime
			    : difftime(now, (time_t)json_integer_value(json_object_get(d, "start_time")));
	return up > 0 ? (long)(up + 0.5) : 0;
}

static void print_one(FILE *out, json_t *d, bool short_form, time_t now, double host_uptime)
{
	json_t *domid = json_object_get(d, "domid");
	const char *name = json_string_value(json_object_get(d, "name"));
	char id[24] = "";
	if (json_is_integer(domid))
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(domid));
	long left = seconds_up(d, now, host_uptime);
	long days = left / 86400, hours = left % 86400 / 3600, minutes = left % 3600 / 60, seconds = left % 60;
	char up[64] = "";
	int n = 0;
	if (days > 0)
		n = snprintf(up, sizeof(up), "%ld day%s, ", days, days > 1 ? "s" : "");
	snprintf(up + n, sizeof(up) - (size_t)n, "%2ld:%02ld", hours, minutes);
	if (!short_form) {
		fprintf(out, "%-32s %5s %s:%02ld\n", name ? name : "", id, up, seconds);
		return;
	}
	char clock[16] = "";
	struct tm tm;
	if (localtime_r(&now, &tm))
		strftime(clock, sizeof(clock), " %H:%M:%S", &tm);
	fprintf(out, "%s up %s, %s (%s)\n", clock, up, name ? name : "", id);
}

void xm_uptime_print(FILE *out, json_t *domains, bool short_form, time_t now, double host_uptime)
{
	if (!short_form)
		fprintf(out, "%-33s %4s %s \n", "Name", "ID", "Uptime");
	size_t i;
	json_t *d;
	json_array_foreach(domains, i, d)
		print_one(out, d, short_form, now, host_uptime);
}

/* Domain-0's uptime: the host's, /proc/uptime's first figure (0 if it
 * cannot be read). */
static double host_uptime(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	return up;
}

int cmd_uptime(int argc, char **argv)
{
	bool short_form;
	json_t *shown = xm_flag_and_domains(argc, argv, 's', "short", &short_form);
	if (!shown)
		return 1;
	xm_uptime_print(stdout, shown, short_form, time(NULL), host_uptime());
	json_decref(shown);
	return 0;
}
