/* xm info's host facts (xend/host.c), read from a made-up /proc and /sys:
 * CPUs, sockets, cores and threads, NUMA nodes as Xen printed them, the
 * CPU's speed and virtualization, and memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host.h"

#include "scratch_dir.h"

/* Writes PATH under the made-up root, the test's folder (its folders made). */
static void put(const char *path, const char *text)
{
	char full[512];
	snprintf(full, sizeof(full), "%s", at(path));
	for (char *p = full + strlen(scratch_dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	write_file(full, text);
}

/* CPU `n` in package `pkg`, core `core`; online unless `off`. */
static void cpu(unsigned n, int pkg, int core, bool off)
{
	char path[128], text[16];
	snprintf(path, sizeof(path), "sys/devices/system/cpu/cpu%u/topology/physical_package_id", n);
	snprintf(text, sizeof(text), "%d\n", pkg);
	put(path, text);
	snprintf(path, sizeof(path), "sys/devices/system/cpu/cpu%u/topology/core_id", n);
	snprintf(text, sizeof(text), "%d\n", core);
	put(path, text);
	if (n > 0 || off) { /* cpu0 has no "online" file on most hosts */
		snprintf(path, sizeof(path), "sys/devices/system/cpu/cpu%u/online", n);
		put(path, off ? "0\n" : "1\n");
	}
}

static int setup(void **state)
{
	if (scratch_setup(state) < 0)
		return -1;
	put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu MHz\t\t: 2596.123\n"
			    "flags\t\t: fpu vme de pse tsc msr svm lahf_lm\n\nprocessor\t: 1\ncpu MHz\t\t: 1.0\n");
	put("proc/meminfo", "MemTotal:        4194304 kB\nMemFree:         1048576 kB\nMemAvailable:    3145728 kB\n");
	put("sys/devices/system/cpu/online", "0-3\n");
	put("sys/devices/system/cpu/possible", "0-7\n"); /* not a CPU folder */
	return 0;
}

static void two_threads_per_core_on_two_nodes(void **state)
{
	(void)state;
	cpu(0, 0, 0, false);
	cpu(1, 0, 0, false);
	cpu(2, 0, 1, false);
	cpu(3, 0, 1, false);
	put("sys/devices/system/node/node0/cpulist", "0-1\n");
	put("sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 2097152 kB\nNode 0 MemFree:  524288 kB\n");
	put("sys/devices/system/node/node1/cpulist", "2-3\n");
	put("sys/devices/system/node/node1/meminfo", "Node 1 MemTotal: 2097152 kB\nNode 1 MemFree:  262144 kB\n");
	put("sys/devices/system/node/possible", "0-1\n");
	struct host_facts f;
	host_facts_read(scratch_dir, &f);
	assert_int_equal(f.nr_cpus, 4);
	assert_int_equal(f.nr_nodes, 2);
	assert_int_equal(f.cores_per_socket, 2);
	assert_int_equal(f.threads_per_core, 2);
	assert_int_equal(f.cpu_mhz, 2596);
	assert_true(f.hvm);
	assert_int_equal(f.total_mb, 4096);
	/* The second node under the first's value, as xm info lines it up. */
	assert_string_equal(f.node_to_cpu, "node0:0-1\n                         node1:2-3");
	/* What domains could get, shared out by each node's MemFree (2:1). */
	char text[HOST_NODE_TEXT_MAX];
	host_node_memory_text(&f, 900, text, sizeof(text));
	assert_string_equal(text, "node0:600\n                         node1:300");
	host_node_memory_text(&f, 1000, text, sizeof(text));
	assert_string_equal(text, "node0:666\n                         node1:334"); /* the sum is exact */
}

static void no_numa_is_one_node_of_all(void **state)
{
	(void)state;
	cpu(0, 0, 0, false);
	cpu(1, 0, 1, false);
	cpu(2, 1, 0, false);
	cpu(3, 1, 1, false);
	struct host_facts f;
	host_facts_read(scratch_dir, &f);
	assert_int_equal(f.nr_cpus, 4);
	assert_int_equal(f.nr_nodes, 1);
	assert_int_equal(f.cores_per_socket, 2);
	assert_int_equal(f.threads_per_core, 1);
	assert_string_equal(f.node_to_cpu, "node0:0-3");
	char text[HOST_NODE_TEXT_MAX];
	host_node_memory_text(&f, 700, text, sizeof(text));
	assert_string_equal(text, "node0:700");
}

static void offline_cpus_do_not_count(void **state)
{
	(void)state;
	cpu(0, 0, 0, false);
	cpu(1, 0, 1, false);
	cpu(2, 0, 2, true);
	cpu(3, 0, 3, true);
	put("proc/cpuinfo", "flags\t\t: fpu vme\n"); /* no speed, no VMX or SVM */
	struct host_facts f;
	host_facts_read(scratch_dir, &f);
	assert_int_equal(f.nr_cpus, 2);
	assert_int_equal(f.cores_per_socket, 2);
	assert_int_equal(f.threads_per_core, 1);
	assert_int_equal(f.cpu_mhz, 0);
	assert_false(f.hvm);
}

static void hw_caps_is_eight_hex_words(void **state)
{
	(void)state;
	struct host_facts f;
	host_facts_read(scratch_dir, &f);
	char text[HOST_HW_CAPS_WORDS * 9 + 1];
	host_hw_caps_text(&f, text, sizeof(text));
	assert_int_equal(strlen(text), HOST_HW_CAPS_WORDS * 9 - 1);
	for (size_t i = 0; text[i]; i++)
		assert_true(i % 9 == 8 ? text[i] == ':' : strchr("0123456789abcdef", text[i]) != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(two_threads_per_core_on_two_nodes, setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(no_numa_is_one_node_of_all, setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(offline_cpus_do_not_count, setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(hw_caps_is_eight_hex_words, setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
