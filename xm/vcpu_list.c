#include "vcpu_list.h"

#include <string.h>

#include "cpulist.h"

void xm_vcpu_list_header(FILE *out)
{
	fprintf(out, "%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)", "CPU Affinity");
}

/* Xen's words for the host CPUs of `affinity` (CPUs the host lacks left
 * out): "any cpu" for all of them, "no cpus" for none, else the list. */
static void affinity_words(const char *affinity, const cpu_set_t *host, char *out, size_t len)
{
	cpu_set_t set, shown;
	char err[128];
	if (!affinity || cpulist_parse(affinity, &set, err, sizeof(err)) < 0) {
		snprintf(out, len, "?");
		return;
	}
	CPU_AND(&shown, &set, host);
	if (CPU_EQUAL(&shown, host))
		snprintf(out, len, "any cpu");
	else if (CPU_COUNT(&shown) == 0)
		snprintf(out, len, "no cpus");
	else if (!cpulist_format(&shown, out, len))
		snprintf(out, len, "?");
}

/* Xen's CPU and State columns: nothing for a vCPU on no CPU (a domain
 * that is not running), "-" and "--p" for one the guest has offline, else
 * the host CPU and r (running), b (blocked) or -. */
static void where_and_state(json_t *v, char cpu[24], char state[4])
{
	json_int_t on = json_integer_value(json_object_get(v, "cpu"));
	cpu[0] = state[0] = '\0';
	if (on < 0)
		return;
	if (!json_is_true(json_object_get(v, "online"))) {
		snprintf(cpu, 24, "-");
		snprintf(state, 4, "--p");
		return;
	}
	snprintf(cpu, 24, "%lld", (long long)on);
	state[0] = json_is_true(json_object_get(v, "running")) ? 'r' : '-';
	state[1] = json_is_true(json_object_get(v, "blocked")) ? 'b' : '-';
	state[2] = '-';
	state[3] = '\0';
}

void xm_vcpu_list_print(FILE *out, json_t *reply, const cpu_set_t *host)
{
	const char *name = json_string_value(json_object_get(reply, "name"));
	json_t *domid = json_object_get(reply, "domid");
	char id[24] = "";
	if (json_is_integer(domid))
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(domid));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(reply, "vcpus"), i, v) {
		char cpu[24], state[4], affinity[1024];
		where_and_state(v, cpu, state);
		affinity_words(json_string_value(json_object_get(v, "affinity")), host, affinity, sizeof(affinity));
		double seconds = (double)json_integer_value(json_object_get(v, "cpu_ns")) / 1e9;
		fprintf(out, "%-32s %5s %5lld %5s %5s  %8.1f %s\n", name ? name : "", id,
			(long long)json_integer_value(json_object_get(v, "vcpu")), cpu, state, seconds, affinity);
	}
}
