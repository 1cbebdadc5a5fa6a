/* The host as xm info describes it: what Xen's physinfo told xend, read
 * here from Linux (uname, /proc and /sys), apart from xend's state so that
 * tests/unit can give it a made-up /proc and /sys. */
#ifndef XEND_HOST_H
#define XEND_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Xen's hw_caps: eight words of CPUID feature bits. */
#define HOST_HW_CAPS_WORDS 8
/* Xen printed each node after the first on a line of its own, under the
 * first's value: 25 spaces, past "node_to_cpu            : ". */
#define HOST_NODE_INDENT 25
#define HOST_NODE_TEXT_MAX 4096

/* Nodes beyond these are left out of node_to_memory. */
#define HOST_NODES_MAX 64

struct host_facts {
	char host[65], release[65], version[65], machine[65];
	unsigned nr_cpus, nr_nodes, cores_per_socket, threads_per_core;
	unsigned cpu_mhz;
	uint32_t hw_caps[HOST_HW_CAPS_WORDS];
	bool hvm;                  /* the CPU has VMX or SVM */
	uint64_t total_mb;         /* MemTotal */
	char node_to_cpu[HOST_NODE_TEXT_MAX]; /* "node0:0-3", one line a node */
	unsigned node_id[HOST_NODES_MAX];
	uint64_t node_memfree_mb[HOST_NODES_MAX]; /* each node's MemFree */
};

/* Reads the facts from the host, with /proc and /sys under `root` ("" for
 * the host itself). Never fails: what cannot be read is 0 or "", and a host
 * without NUMA nodes in /sys is one node of every CPU. */
void host_facts_read(const char *root, struct host_facts *f);

/* node_to_memory: what domains could still get (`free_mb`, free_memory's
 * figure) shared out among the nodes by their MemFree, so that the nodes
 * add up to free_memory as they did under Xen: "node0:1024", one line a
 * node. */
void host_node_memory_text(const struct host_facts *f, uint64_t free_mb, char *out, size_t len);

/* hw_caps as Xen printed it: the words in hex, colon-separated. */
void host_hw_caps_text(const struct host_facts *f, char *buf, size_t len);

#endif
