/* xend's rules for domains' memory: what the host has (MemAvailable) and
 * what a VMM holds (RssShmem), dom0-min-mem, and mem-set's and mem-max's
 * limits, each refusal naming its numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "memory.h"

#include "scratch_dir.h"

/* A /proc file of `text`; its path. */
static const char *proc_file(const char *text)
{
	const char *path = at("proc-file");
	write_file(path, text);
	return path;
}

static void test_memavailable_is_read_in_mib(void **state)
{
	(void)state;
	const char *meminfo = proc_file("MemTotal:        2014840 kB\nMemFree:          982672 kB\n"
					"MemAvailable:    1540096 kB\nBuffers:            2240 kB\n");
	assert_int_equal(memory_host_available_mb(meminfo), 1504);
}

static void test_no_memavailable_is_minus_one(void **state)
{
	(void)state;
	const char *meminfo = proc_file("MemTotal:        2014840 kB\nMemAvailableX:   1 kB\n");
	assert_int_equal(memory_host_available_mb(meminfo), -1);
	assert_int_equal(memory_host_available_mb("/nonexistent/meminfo"), -1);
}

static void test_a_vmms_guest_ram_is_its_rssshmem(void **state)
{
	(void)state;
	const char *status = proc_file("Name:\txenon-vmm\nVmRSS:\t  270000 kB\nRssAnon:\t    7856 kB\n"
				       "RssFile:\t    2000 kB\nRssShmem:\t  262144 kB\n");
	assert_int_equal(memory_resident_mb(status), 256);
	assert_int_equal(memory_resident_mb("/proc/0/status"), 0);
}

static void test_what_a_domain_may_still_take(void **state)
{
	(void)state;
	assert_int_equal(memory_promised_mb(256, 100), 156);
	assert_int_equal(memory_promised_mb(128, 200), 0); /* it touched more than its target */
}

static void test_dom0_min_mem_is_kept(void **state)
{
	(void)state;
	char err[512];
	/* 1000 available, 200 promised: 800 for domains, 256 kept. */
	assert_int_equal(memory_host_room("create domain a", 544, 1000, 200, 256, err, sizeof(err)), 0);
	assert_int_equal(memory_host_room("create domain a", 545, 1000, 200, 256, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create domain a: it needs 545 MiB"));
	assert_non_null(strstr(err, "800 MiB for domains"));
	assert_non_null(strstr(err, "MemAvailable 1000 MiB"));
	assert_non_null(strstr(err, "less 200 MiB"));
	assert_non_null(strstr(err, "keeps 256 MiB"));
	assert_non_null(strstr(err, "dom0-min-mem"));
	/* More promised than available: nothing is free. */
	assert_int_equal(memory_host_room("grow domain a", 1, 100, 300, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the host has 0 MiB for domains"));
	/* dom0-min-mem 0: whatever fits. */
	assert_int_equal(memory_host_room("grow domain a", 100, 100, 0, 0, err, sizeof(err)), 0);
}

static void test_a_target_lies_between_16_mib_and_the_maximum(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(memory_target_check("web", 128, 256, err, sizeof(err)), 0);
	assert_int_equal(memory_target_check("web", 256, 256, err, sizeof(err)), 0);
	assert_int_equal(memory_target_check("web", 300, 256, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "domain web: a memory target of 300 MiB is above its maximum of 256 MiB"));
	assert_non_null(strstr(err, "mem-max"));
	assert_int_equal(memory_target_check("web", 15, 256, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "15 MiB is below the least a domain may have (16 MiB)"));
}

static void test_a_maximum_is_not_below_the_target(void **state)
{
	(void)state;
	char err[512];
	assert_int_equal(memory_maxmem_check("web", 192, 128, err, sizeof(err)), 0);
	assert_int_equal(memory_maxmem_check("web", 128, 128, err, sizeof(err)), 0);
	assert_int_equal(memory_maxmem_check("web", 100, 128, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "domain web: a maximum of 100 MiB is below its memory target of 128 MiB"));
	assert_int_equal(memory_maxmem_check("web", DOMAIN_MEMORY_MAX_MB + 1ull, 128, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "above the most a domain may have"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memavailable_is_read_in_mib),
		cmocka_unit_test(test_no_memavailable_is_minus_one),
		cmocka_unit_test(test_a_vmms_guest_ram_is_its_rssshmem),
		cmocka_unit_test(test_what_a_domain_may_still_take),
		cmocka_unit_test(test_dom0_min_mem_is_kept),
		cmocka_unit_test(test_a_target_lies_between_16_mib_and_the_maximum),
		cmocka_unit_test(test_a_maximum_is_not_below_the_target),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
