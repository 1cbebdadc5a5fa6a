/* xm info: the host, its Xen and its xend, as Xen 3's xend answered
 * node.info(): [key, value] pairs in Xen's order (xm prints them as they
 * come), then our own: xenon_version and the KVM probe's answer. */
#include <stdio.h>

#include "../vmm/abi/version.h"
#include "control.h"
#include "host.h"
#include "kvm_probe.h"
#include "xend.h"

/* The xend-config.sxp format Xen 3.x's xend reported. */
#define XEND_CONFIG_FORMAT 4

static void add(json_t *list, const char *key, json_t *value)
{
	json_array_append_new(list, json_pack("[s, o]", key, value));
}

static void add_text(json_t *list, const char *key, const char *value)
{
	add(list, key, json_string(value));
}

static void add_number(json_t *list, const char *key, json_int_t value)
{
	add(list, key, json_integer(value));
}

/* What Xen's physinfo gave: the CPUs and memory. */
static void add_physinfo(json_t *list, const struct host_facts *f)
{
	char caps[HOST_HW_CAPS_WORDS * 9 + 1], node_memory[HOST_NODE_TEXT_MAX];
	host_hw_caps_text(f, caps, sizeof(caps));
	uint64_t free_mb = balloon_host_free_mb();
	host_node_memory_text(f, free_mb, node_memory, sizeof(node_memory));
	add_number(list, "nr_cpus", f->nr_cpus);
	add_number(list, "nr_nodes", f->nr_nodes);
	add_number(list, "cores_per_socket", f->cores_per_socket);
	add_number(list, "threads_per_core", f->threads_per_core);
	add_number(list, "cpu_mhz", f->cpu_mhz);
	add_text(list, "hw_caps", caps);
	add_text(list, "virt_caps", f->hvm ? "hvm" : "");
	add_number(list, "total_memory", (json_int_t)f->total_mb);
	add_number(list, "free_memory", (json_int_t)free_mb);
	add_text(list, "node_to_cpu", f->node_to_cpu);
	add_text(list, "node_to_memory", node_memory);
}

/* What Xen's xeninfo gave: the hypervisor our guests see (vmm/abi/version.h,
 * as XENVER_* tells them). */
static void add_xeninfo(json_t *list)
{
	char params[64];
	snprintf(params, sizeof(params), "virt_start=0x%llx", (unsigned long long)XEN_VIRT_START);
	add_number(list, "xen_major", XEN_VERSION_MAJOR);
	add_number(list, "xen_minor", XEN_VERSION_MINOR);
	add_text(list, "xen_extra", XEN_EXTRAVERSION);
	add_text(list, "xen_caps", XEN_CAPABILITIES);
	/* Guests' vCPUs are host threads, weighed by xend's credit scheduler
	 * (sched-credit) on Linux's. */
	add_text(list, "xen_scheduler", "credit");
	add_number(list, "xen_pagesize", 4096);
	add_text(list, "platform_params", params);
	add_text(list, "xen_changeset", XEN_CHANGESET);
	add_text(list, "cc_compiler", XEN_COMPILER);
	add_text(list, "cc_compile_by", XEN_COMPILE_BY);
	add_text(list, "cc_compile_domain", XEN_COMPILE_DOMAIN);
	add_text(list, "cc_compile_date", __DATE__ " " __TIME__);
}

json_t *xend_host_info(void)
{
	struct host_facts f;
	host_facts_read("", &f);
	json_t *list = json_array();
	add_text(list, "host", f.host);
	add_text(list, "release", f.release);
	add_text(list, "version", f.version);
	add_text(list, "machine", f.machine);
	add_physinfo(list, &f);
	add_xeninfo(list);
	add_number(list, "xend_config_format", XEND_CONFIG_FORMAT);
	add_text(list, "xenon_version", XENON_VERSION);
	char answer[512];
	xend_kvm_answer(answer, sizeof(answer));
	add_text(list, "kvm", answer);
	return list;
}

bool xend_kvm_answer(char *buf, size_t len)
{
	struct kvm_probe p;
	probe_host(&p, "/dev/kvm", "/sys/module");
	return probe_answer(&p, buf, len);
}

void do_info(int fd, struct xdomain *unused, json_t *req)
{
	control_reply_ok(fd, json_pack("{s:o}", "info", xend_host_info()));
}
