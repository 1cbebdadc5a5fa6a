/* What xm vcpu-list prints (xm/vcpu_list.c), byte for byte as Xen 3.x's xm
 * printed it: the columns scripts cut, "--p" for a vCPU the guest has
 * offline, "any cpu" for one not pinned. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "vcpu_list.h"

/* Asserts what vcpu-list prints for the domain `reply` describes, on a
 * host of CPUs 0 and 1. */
static void assert_listed(const char *reply, const char *want)
{
	cpu_set_t host;
	CPU_ZERO(&host);
	CPU_SET(0, &host);
	CPU_SET(1, &host);
	json_t *domain = json(reply);
	FILE *f = capture();
	xm_vcpu_list_print(f, domain, &host);
	fclose(f);
	json_decref(domain);
	assert_string_equal(output, want);
}

static void test_header_is_xens(void **state)
{
	FILE *f = capture();
	xm_vcpu_list_header(f);
	fclose(f);
	assert_string_equal(output, "Name                                ID  VCPU   CPU State   Time(s) CPU Affinity\n");
}

static void test_online_offline_and_pinned(void **state)
{
	assert_listed("{\"domid\": 1, \"name\": \"demo\", \"vcpus\": ["
		      " {\"vcpu\": 0, \"online\": true, \"running\": false, \"blocked\": true,"
		      "  \"cpu_ns\": 5200000000, \"cpu\": 0, \"affinity\": \"0-1\"},"
		      " {\"vcpu\": 1, \"online\": true, \"running\": true, \"blocked\": false,"
		      "  \"cpu_ns\": 1149999999, \"cpu\": 1, \"affinity\": \"1\"},"
		      " {\"vcpu\": 2, \"online\": false, \"running\": false, \"blocked\": false,"
		      "  \"cpu_ns\": 300000000, \"cpu\": 1, \"affinity\": \"0-3\"}]}",
		      "demo                                 1     0     0   -b-       5.2 any cpu\n"
		      "demo                                 1     1     1   r--       1.1 1\n"
		      "demo                                 1     2     -   --p       0.3 any cpu\n");
}

/* A domain that has shut down has its vCPUs on no CPU: Xen left CPU and
 * State blank. CPUs the host lacks are not shown; none left is "no cpus". */
static void test_no_cpu_and_cpus_the_host_lacks(void **state)
{
	assert_listed("{\"domid\": 7, \"name\": \"gone\", \"vcpus\": ["
		      " {\"vcpu\": 0, \"online\": false, \"cpu_ns\": 0, \"cpu\": -1, \"affinity\": \"1,5\"},"
		      " {\"vcpu\": 1, \"online\": false, \"cpu_ns\": 0, \"cpu\": -1, \"affinity\": \"4-7\"}]}",
		      "gone                                 7     0                   0.0 1\n"
		      "gone                                 7     1                   0.0 no cpus\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_is_xens),
		cmocka_unit_test(test_online_offline_and_pinned),
		cmocka_unit_test(test_no_cpu_and_cpus_the_host_lacks),
	};
	return cmocka_run_group_tests(tests, NULL, capture_teardown);
}
