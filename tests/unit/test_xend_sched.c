/* What xend makes of the credit scheduler's weight and cap before it
 * touches a cgroup (xend/sched.c, lib/credit.c): Xen's ranges, cgroup v2's
 * cpu.weight and cpu.max for them, and the CPUs left to domains once
 * dom0-cpus has kept the host's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpulist.h"
#include "credit.h"
#include "xend.h"

static void test_weights_keep_their_ratios(void **state)
{
	(void)state;
	assert_int_equal(sched_cpu_weight(256), 100); /* Xen's default is cgroup's */
	assert_int_equal(sched_cpu_weight(512), 200);
	assert_int_equal(sched_cpu_weight(128), 50);
	assert_int_equal(sched_cpu_weight(1024), 400);
	assert_int_equal(sched_cpu_weight(25600), 10000);
	/* cgroup's range ends at 1..10000. */
	assert_int_equal(sched_cpu_weight(65535), 10000);
	assert_int_equal(sched_cpu_weight(1), 1);
	assert_int_equal(sched_cpu_weight(3), 1);
	assert_int_equal(sched_cpu_weight(4), 2);
}

static void test_caps_are_a_share_of_each_period(void **state)
{
	(void)state;
	char max[SCHED_CPU_MAX_LEN];
	sched_cpu_max(0, max);
	assert_string_equal(max, "max 100000");
	sched_cpu_max(50, max);
	assert_string_equal(max, "50000 100000");
	sched_cpu_max(100, max);
	assert_string_equal(max, "100000 100000");
	sched_cpu_max(200, max); /* two CPUs' worth */
	assert_string_equal(max, "200000 100000");
	sched_cpu_max(1, max);
	assert_string_equal(max, "1000 100000"); /* cgroup's least quota */
}

static void test_xens_ranges(void **state)
{
	(void)state;
	char why[160];
	assert_true(credit_weight_valid(1, why, sizeof(why)));
	assert_true(credit_weight_valid(65535, why, sizeof(why)));
	assert_false(credit_weight_valid(0, why, sizeof(why)));
	assert_string_equal(why, "Cpu weight out of range, valid values are within range from 1 to 65535");
	assert_false(credit_weight_valid(65536, why, sizeof(why)));
	assert_true(credit_cap_valid(0, 1, why, sizeof(why)));
	assert_true(credit_cap_valid(100, 1, why, sizeof(why)));
	assert_true(credit_cap_valid(400, 4, why, sizeof(why)));
	assert_false(credit_cap_valid(101, 1, why, sizeof(why)));
	assert_string_equal(why, "Cpu cap out of range, valid range is from 0 to 100 for specified number of vcpus");
	assert_false(credit_cap_valid(-1, 2, why, sizeof(why)));
	assert_string_equal(why, "Cpu cap out of range, valid range is from 0 to 200 for specified number of vcpus");
}

/* The CPUs left to domains when `online` ("0-3") keeps the first `keep`. */
static void assert_after(const char *online, unsigned long keep, int want_n, const char *want)
{
	cpu_set_t set, left;
	char err[160], out[64];
	assert_int_equal(cpulist_parse(online, &set, err, sizeof(err)), 0);
	int n = sched_cpus_after(&set, keep, &left);
	assert_true(cpulist_format(&left, out, sizeof(out)));
	if (n != want_n || strcmp(out, want) != 0)
		fail_msg("%s less the first %lu: got %d '%s', want %d '%s'", online, keep, n, out, want_n, want);
}

static void test_dom0_cpus_keeps_the_first(void **state)
{
	(void)state;
	assert_after("0-3", 0, 4, "0-3");
	assert_after("0-3", 1, 3, "1-3");
	assert_after("0-3", 3, 1, "3");
	assert_after("0-1", 1, 1, "1");
	assert_after("0-3", 4, 0, "");
	assert_after("0", 2, 0, ""); /* more kept than there are: none left */
	assert_after("0,2,4-7", 2, 4, "4-7");
	assert_after("0-1,4-7", 3, 3, "5-7");
	assert_after("0-1,4-7", 1, 5, "1,4-7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights_keep_their_ratios),
		cmocka_unit_test(test_caps_are_a_share_of_each_period),
		cmocka_unit_test(test_xens_ranges),
		cmocka_unit_test(test_dom0_cpus_keeps_the_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
