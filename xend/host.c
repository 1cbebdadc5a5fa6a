/* The host's facts for xm info (host.h). */
#include "host.h"

#include <cpuid.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "util.h"

#define CPU_DIR "/sys/devices/system/cpu"
#define NODE_DIR "/sys/devices/system/node"

/* The first line of ROOT/PATH, without its newline; false if unreadable. */
static bool read_line(const char *root, const char *path, char *buf, size_t len)
{
	char full[512];
	snprintf(full, sizeof(full), "%s%s", root, path);
	return read_first_line(full, buf, len);
}

static long read_number(const char *root, const char *path, long fallback)
{
	char buf[64], *end;
	if (!read_line(root, path, buf, sizeof(buf)))
		return fallback;
	long n = strtol(buf, &end, 10);
	return end == buf ? fallback : n;
}

/* The numbers N of the entries PREFIXN in ROOT/DIR, ascending; their count
 * (the array is malloc'd, NULL when none). */
static size_t numbered_entries(const char *root, const char *dir, const char *prefix, unsigned **out)
{
	char full[512];
	snprintf(full, sizeof(full), "%s%s", root, dir);
	*out = NULL;
	DIR *d = opendir(full);
	if (!d)
		return 0;
	size_t n = 0, cap = 0, plen = strlen(prefix);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *num = e->d_name + plen;
		if (strncmp(e->d_name, prefix, plen) != 0 || !isdigit((unsigned char)*num) ||
		    strspn(num, "0123456789") != strlen(num))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			unsigned *grown = realloc(*out, cap * sizeof(**out));
			if (!grown)
				break;
			*out = grown;
		}
		(*out)[n++] = (unsigned)strtoul(num, NULL, 10);
	}
	closedir(d);
	for (size_t i = 1; i < n; i++) /* few entries: insertion sort */
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			unsigned t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return n;
}

/* CPU `cpu` is online: cpu0 often has no "online" file, and is. */
static bool cpu_online(const char *root, unsigned cpu)
{
	char path[128];
	snprintf(path, sizeof(path), CPU_DIR "/cpu%u/online", cpu);
	return read_number(root, path, 1) == 1;
}

struct core {
	long package, core;
};

/* Sockets, cores and threads from each online CPU's topology. */
static void read_topology(const char *root, struct host_facts *f)
{
	unsigned *cpus;
	size_t n = numbered_entries(root, CPU_DIR, "cpu", &cpus);
	struct core *cores = calloc(n ? n : 1, sizeof(*cores));
	size_t ncores = 0, npackages = 0, online = 0;
	for (size_t i = 0; cores && i < n; i++) {
		if (!cpu_online(root, cpus[i]))
			continue;
		online++;
		char path[160];
		snprintf(path, sizeof(path), CPU_DIR "/cpu%u/topology/physical_package_id", cpus[i]);
		struct core c = { .package = read_number(root, path, 0) };
		snprintf(path, sizeof(path), CPU_DIR "/cpu%u/topology/core_id", cpus[i]);
		c.core = read_number(root, path, (long)cpus[i]); /* unknown: a core of its own */
		bool seen_core = false, seen_package = false;
		for (size_t j = 0; j < ncores; j++) {
			seen_core |= cores[j].package == c.package && cores[j].core == c.core;
			seen_package |= cores[j].package == c.package;
		}
		if (!seen_core)
			cores[ncores++] = c;
		if (!seen_package)
			npackages++;
	}
	free(cores);
	free(cpus);
	f->nr_cpus = (unsigned)online;
	if (!online || !ncores || !npackages) {
		f->threads_per_core = 1;
		f->cores_per_socket = f->nr_cpus;
		return;
	}
	f->threads_per_core = (unsigned)(online / ncores);
	f->cores_per_socket = (unsigned)(ncores / npackages);
}

/* "cpu MHz" and whether "flags" name VMX or SVM, from /proc/cpuinfo's
 * first CPU. */
static void read_cpuinfo(const char *root, struct host_facts *f)
{
	char path[512], line[4096];
	snprintf(path, sizeof(path), "%s/proc/cpuinfo", root);
	FILE *in = fopen(path, "re");
	if (!in)
		return;
	bool mhz = false, flags = false;
	while ((!mhz || !flags) && fgets(line, sizeof(line), in)) {
		const char *colon = strchr(line, ':');
		if (!colon)
			continue;
		if (!mhz && strncmp(line, "cpu MHz", 7) == 0) {
			f->cpu_mhz = (unsigned)strtod(colon + 1, NULL);
			mhz = true;
		} else if (!flags && strncmp(line, "flags", 5) == 0) {
			f->hvm = strstr(colon, " vmx") || strstr(colon, " svm");
			flags = true;
		}
	}
	fclose(in);
}

/* A "Key: N kB" line's N of a meminfo file, in MiB; -1 if absent. The
 * per-node files begin each line with "Node N ". */
static long meminfo_mb(const char *root, const char *path, const char *key)
{
	char full[512], line[256];
	snprintf(full, sizeof(full), "%s%s", root, path);
	FILE *in = fopen(full, "re");
	if (!in)
		return -1;
	long mb = -1;
	while (mb < 0 && fgets(line, sizeof(line), in)) {
		const char *at = strstr(line, key);
		unsigned long long kb;
		if (at && at[strlen(key)] == ':' && sscanf(at + strlen(key) + 1, "%llu", &kb) == 1)
			mb = (long)(kb / 1024);
	}
	fclose(in);
	return mb;
}

/* Appends "nodeN:TEXT" to `out`, on a line of its own after the first. */
static void add_node(char *out, size_t len, unsigned node, const char *text)
{
	size_t used = strlen(out);
	snprintf(out + used, len - used, "%s%*snode%u:%s", used ? "\n" : "", used ? HOST_NODE_INDENT : 0, "",
		 node, text);
}

static void read_nodes(const char *root, struct host_facts *f)
{
	unsigned *nodes;
	size_t n = numbered_entries(root, NODE_DIR, "node", &nodes);
	char path[160], text[HOST_NODE_TEXT_MAX];
	for (size_t i = 0; i < n && i < HOST_NODES_MAX; i++) {
		snprintf(path, sizeof(path), NODE_DIR "/node%u/cpulist", nodes[i]);
		if (!read_line(root, path, text, sizeof(text)) || !*text)
			snprintf(text, sizeof(text), "no cpus"); /* Xen's words for a node without */
		add_node(f->node_to_cpu, sizeof(f->node_to_cpu), nodes[i], text);
		snprintf(path, sizeof(path), NODE_DIR "/node%u/meminfo", nodes[i]);
		long mb = meminfo_mb(root, path, "MemFree");
		f->node_id[i] = nodes[i];
		f->node_memfree_mb[i] = mb < 0 ? 0 : (uint64_t)mb;
		f->nr_nodes++;
	}
	free(nodes);
	if (f->nr_nodes)
		return;
	/* No NUMA in this kernel: one node of everything. */
	f->nr_nodes = 1;
	if (!read_line(root, CPU_DIR "/online", text, sizeof(text)))
		snprintf(text, sizeof(text), "0");
	add_node(f->node_to_cpu, sizeof(f->node_to_cpu), 0, text);
	long mb = meminfo_mb(root, "/proc/meminfo", "MemFree");
	f->node_memfree_mb[0] = mb < 0 ? 0 : (uint64_t)mb;
}

void host_node_memory_text(const struct host_facts *f, uint64_t free_mb, char *out, size_t len)
{
	uint64_t all = 0, given = 0;
	for (unsigned i = 0; i < f->nr_nodes; i++)
		all += f->node_memfree_mb[i];
	out[0] = '\0';
	for (unsigned i = 0; i < f->nr_nodes; i++) {
		/* The last node takes what rounding left, so the sum is exact. */
		uint64_t share = i + 1 == f->nr_nodes ? free_mb - given
				 : all ? (uint64_t)((unsigned __int128)free_mb * f->node_memfree_mb[i] / all)
				       : free_mb / f->nr_nodes;
		given += share;
		char text[32];
		snprintf(text, sizeof(text), "%llu", (unsigned long long)share);
		add_node(out, len, f->node_id[i], text);
	}
}

/* Xen's x86 capability words, in its order: CPUID 1 EDX, 0x80000001 EDX,
 * (Transmeta's), (Linux-defined), CPUID 1 ECX, (VIA's), 0x80000001 ECX,
 * CPUID 7 EBX. The words of other vendors and Linux's own stay 0. */
static void read_hw_caps(uint32_t caps[HOST_HW_CAPS_WORDS])
{
	unsigned a, b, c, d;
	memset(caps, 0, HOST_HW_CAPS_WORDS * sizeof(caps[0]));
	if (__get_cpuid(1, &a, &b, &c, &d)) {
		caps[0] = d;
		caps[4] = c;
	}
	if (__get_cpuid(0x80000001, &a, &b, &c, &d)) {
		caps[1] = d;
		caps[6] = c;
	}
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		caps[7] = b;
	}
}

void host_facts_read(const char *root, struct host_facts *f)
{
	memset(f, 0, sizeof(*f));
	struct utsname u;
	if (uname(&u) == 0) {
		snprintf(f->host, sizeof(f->host), "%s", u.nodename);
		snprintf(f->release, sizeof(f->release), "%s", u.release);
		snprintf(f->version, sizeof(f->version), "%s", u.version);
		snprintf(f->machine, sizeof(f->machine), "%s", u.machine);
	}
	read_topology(root, f);
	read_cpuinfo(root, f);
	read_nodes(root, f);
	read_hw_caps(f->hw_caps);
	long total = meminfo_mb(root, "/proc/meminfo", "MemTotal");
	f->total_mb = total < 0 ? 0 : (uint64_t)total;
}

void host_hw_caps_text(const struct host_facts *f, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < HOST_HW_CAPS_WORDS && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%08x", i ? ":" : "", f->hw_caps[i]);
}
