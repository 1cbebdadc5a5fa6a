/* A domain's vCPUs: how many the guest keeps online, which host CPUs each
 * may run on, and xm's vcpu-set, vcpu-list and vcpu-pin.
 *
 * As in Xen, the VMM has `maxvcpus` vCPUs (each in the guest's MADT) and
 * xend asks the guest to keep the first `vcpus` online through XenStore:
 * /local/domain/ID/cpu/N/availability, "online" or "offline", which Linux's
 * xenbus cpu_hotplug watches (it takes a CPU down, or makes it present
 * again for its udev to bring up). The config keeps what xm set, so that
 * the record and a restarted domain have it: "vcpus" (online), "maxvcpus",
 * and "cpus", the host CPUs (lib/cpulist.h) for every vCPU, or a list of
 * them, one per vCPU ("" for any). */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "cpulist.h"
#include "log.h"
#include "xend.h"

#define CPULIST_TEXT_MAX 1024

/* What the config says vCPU `vcpu` runs on; NULL or "" for any CPU. */
static const char *pin_of(const struct xdomain *d, unsigned vcpu)
{
	json_t *cpus = json_object_get(d->config, "cpus");
	if (json_is_array(cpus))
		return json_string_value(json_array_get(cpus, vcpu));
	return json_string_value(cpus);
}

static int vmm_pin(struct xdomain *d, unsigned vcpu, const char *cpus, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s, s:i, s:s}", "op", "vcpu-pin", "vcpu", (int)vcpu, "cpus", cpus);
	json_t *rep = domain_vmm_call(d, req, err, errlen);
	json_decref(req);
	json_decref(rep);
	return rep ? 0 : -1;
}

int vcpu_domain_start(struct xdomain *d, char *err, size_t errlen)
{
	for (unsigned v = 0; v < d->vcpus; v++) {
		const char *pin = pin_of(d, v);
		char why[256];
		if (pin && *pin && vmm_pin(d, v, pin, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "cpus = \"%s\": vCPU %u: %s", pin, v, why);
			return -1;
		}
	}
	return 0;
}

/* Asks the guest to have the first `online` vCPUs online and the rest
 * offline, writing only the nodes that change. */
static int write_availability(struct xdomain *d, unsigned online)
{
	for (unsigned v = 0; v < d->vcpus; v++) {
		char node[32], path[96];
		const char *want = v < online ? "online" : "offline";
		snprintf(node, sizeof(node), "cpu/%u/availability", v);
		snprintf(path, sizeof(path), "/local/domain/%u/%s", d->domid, node);
		char *now = store_read(path);
		bool same = now && strcmp(now, want) == 0;
		free(now);
		if (!same && store_write(d, node, want) < 0)
			return -1;
	}
	return 0;
}

void do_vcpu_set(int fd, struct xdomain *d, json_t *req)
{
	json_t *n = json_object_get(req, "vcpus");
	if (!json_is_integer(n)) {
		control_reply_error(fd, "vcpu-set needs a number of vCPUs (\"vcpus\": 2)");
		return;
	}
	json_int_t want = json_integer_value(n);
	/* Xen's words. */
	if (want <= 0) {
		control_reply_error(fd, "Zero or less VCPUs is invalid");
		return;
	}
	if (want > d->vcpus) {
		control_reply_error(fd, "Cannot set vcpus greater than max vcpus on running domain");
		return;
	}
	if (strcmp(d->state, "shutdown") != 0 && write_availability(d, (unsigned)want) < 0) {
		control_reply_error(fd, "cannot write domain %u's cpu/N/availability in XenStore", d->domid);
		return;
	}
	d->online_vcpus = (unsigned)want;
	json_object_set_new(d->config, "vcpus", json_integer(want));
	domain_save_record(d);
	log_info("Set VCPU count on domain %s to %lld", d->name, (long long)want);
	control_reply_ok(fd, NULL);
}

/* The host's online CPUs as a list, "" if unknown. */
static void host_cpus(char out[CPULIST_TEXT_MAX])
{
	cpu_set_t online;
	out[0] = '\0';
	if (cpulist_host_online(&online))
		cpulist_format(&online, out, CPULIST_TEXT_MAX);
}

/* A vCPU of a domain that is not running: what the config pins it to. */
static json_t *dead_vcpu(const struct xdomain *d, unsigned v)
{
	const char *pin = pin_of(d, v);
	char any[CPULIST_TEXT_MAX];
	host_cpus(any);
	return json_pack("{s:i, s:b, s:b, s:b, s:I, s:i, s:s}", "vcpu", (int)v, "online", 0, "running", 0,
			 "blocked", 0, "cpu_ns", (json_int_t)0, "cpu", -1, "affinity", pin && *pin ? pin : any);
}

/* Domain-0's vCPUs are the host's CPUs: each with its busy time from
 * /proc/stat, the one answering now running, the rest blocked. */
static json_t *host_vcpus(void)
{
	json_t *list = json_array();
	char line[512], any[CPULIST_TEXT_MAX];
	host_cpus(any);
	long hz = sysconf(_SC_CLK_TCK);
	int here = sched_getcpu();
	FILE *f = fopen("/proc/stat", "re");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned cpu;
		unsigned long long user, nice, sys, idle, iowait, irq, softirq;
		if (sscanf(line, "cpu%u %llu %llu %llu %llu %llu %llu %llu", &cpu, &user, &nice, &sys, &idle, &iowait,
			   &irq, &softirq) != 8)
			continue;
		json_int_t ns = (json_int_t)((user + nice + sys + irq + softirq) * (1000000000ull / (hz > 0 ? hz : 100)));
		json_array_append_new(list, json_pack("{s:i, s:b, s:b, s:b, s:I, s:i, s:s}", "vcpu", (int)cpu,
						      "online", 1, "running", (int)cpu == here, "blocked",
						      (int)cpu != here, "cpu_ns", ns, "cpu", (int)cpu, "affinity", any));
	}
	if (f)
		fclose(f);
	return list;
}

/* On no domain of xend's (Domain-0 is none): the domain comes from
 * "domain" here. */
void do_vcpu_list(int fd, struct xdomain *unused, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "domain"));
	if (name && (strcmp(name, "0") == 0 || strcmp(name, "Domain-0") == 0)) {
		control_reply_ok(fd, json_pack("{s:i, s:s, s:o}", "domid", 0, "name", "Domain-0", "vcpus", host_vcpus()));
		return;
	}
	struct xdomain *d = name ? domain_find(name) : NULL;
	if (!d) {
		control_reply_error(fd, "Domain '%s' does not exist.", name ? name : "");
		return;
	}
	json_t *vcpus;
	if (strcmp(d->state, "shutdown") == 0) {
		vcpus = json_array();
		for (unsigned v = 0; v < d->vcpus; v++)
			json_array_append_new(vcpus, dead_vcpu(d, v));
	} else {
		char err[256];
		json_t *req_vmm = json_pack("{s:s}", "op", "vcpus");
		json_t *rep = domain_vmm_call(d, req_vmm, err, sizeof(err));
		json_decref(req_vmm);
		if (!rep) {
			control_reply_error(fd, "%s", err);
			return;
		}
		vcpus = json_incref(json_object_get(rep, "vcpus"));
		json_decref(rep);
	}
	control_reply_ok(fd, json_pack("{s:i, s:s, s:o}", "domid", (int)d->domid, "name", d->name, "vcpus", vcpus));
}

/* The config's "cpus" as one list per vCPU, so that one can change. */
static json_t *pins_per_vcpu(struct xdomain *d)
{
	json_t *cpus = json_object_get(d->config, "cpus");
	if (json_is_array(cpus) && json_array_size(cpus) == d->vcpus)
		return cpus;
	json_t *each = json_array();
	for (unsigned v = 0; v < d->vcpus; v++) {
		const char *pin = pin_of(d, v);
		json_array_append_new(each, json_string(pin ? pin : ""));
	}
	json_object_set_new(d->config, "cpus", each);
	return each;
}

/* "all" (-1), or a vCPU's number; -2 if neither. */
static long which_vcpu(json_t *vcpu)
{
	const char *text = json_string_value(vcpu);
	if (text && strcmp(text, "all") == 0)
		return -1;
	if (!json_is_integer(vcpu) || json_integer_value(vcpu) < 0 || json_integer_value(vcpu) > 0xffff)
		return -2;
	return (long)json_integer_value(vcpu);
}

void do_vcpu_pin(int fd, struct xdomain *d, json_t *req)
{
	json_t *vcpu = json_object_get(req, "vcpu");
	const char *cpus = json_string_value(json_object_get(req, "cpus"));
	long which = which_vcpu(vcpu);
	if (!cpus || which == -2) {
		control_reply_error(fd, "vcpu-pin needs a vCPU (\"vcpu\": 1 or \"all\") and CPUs (\"cpus\": \"0-1\" "
				    "or \"all\")");
		return;
	}
	if (which >= (long)d->vcpus) {
		control_reply_error(fd, "Cannot pin vcpu: %ld to cpu: %s - the domain has vCPUs 0 to %u", which, cpus,
				    d->vcpus - 1);
		return;
	}
	char label[24] = "all";
	if (which >= 0)
		snprintf(label, sizeof(label), "%ld", which);
	/* As the list the VMM and the record keep: "" for any CPU. */
	char list[CPULIST_TEXT_MAX] = "", why[256];
	cpu_set_t set;
	bool all = strcmp(cpus, "all") == 0;
	if (!all && cpulist_parse(cpus, &set, why, sizeof(why)) < 0) {
		control_reply_error(fd, "%s", why);
		return;
	}
	if (!all && (!cpulist_format(&set, list, sizeof(list)) || !list[0])) {
		control_reply_error(fd, "Cannot pin vcpu: %s to cpu: %s - that names no CPU", label, cpus);
		return;
	}
	unsigned first = which < 0 ? 0 : (unsigned)which, last = which < 0 ? d->vcpus - 1 : (unsigned)which;
	bool running = strcmp(d->state, "shutdown") != 0;
	json_t *pins = pins_per_vcpu(d);
	for (unsigned v = first; v <= last; v++) {
		if (running && vmm_pin(d, v, all ? "all" : list, why, sizeof(why)) < 0) {
			domain_save_record(d); /* the vCPUs pinned before this one */
			control_reply_error(fd, "Cannot pin vcpu: %u to cpu: %s - %s", v, cpus, why);
			return;
		}
		json_array_set_new(pins, v, json_string(list));
	}
	domain_save_record(d);
	control_reply_ok(fd, NULL);
}
