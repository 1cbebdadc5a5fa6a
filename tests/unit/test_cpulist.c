/* CPU lists (lib/cpulist.c): what xm vcpu-pin and a config's cpus = "..."
 * accept, as Xen's xm did, what they refuse, and how a set is written back
 * for xm vcpu-list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpulist.h"

static char err[256];

/* The list `text` parses, and is written back as `want`. */
static void assert_list(const char *text, const char *want)
{
	cpu_set_t set;
	char out[256];
	assert_int_equal(cpulist_parse(text, &set, err, sizeof(err)), 0);
	assert_true(cpulist_format(&set, out, sizeof(out)));
	assert_string_equal(out, want);
}

static void assert_refused(const char *text, const char *want)
{
	cpu_set_t set;
	assert_int_equal(cpulist_parse(text, &set, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void single_cpus_and_ranges(void **state)
{
	assert_list("0", "0");
	assert_list("1", "1");
	assert_list("0-3", "0-3");
	assert_list("5,0-2", "0-2,5");
	assert_list("3-3", "3");
	assert_list("0,1,2,4", "0-2,4");
	assert_list("2,2,1-2", "1-2"); /* repeats count once */
	assert_list("1023", "1023");
}

/* Xen's "^N" takes N out of what the items before it gave. */
static void exclusions_apply_left_to_right(void **state)
{
	assert_list("0-3,^1", "0,2-3");
	assert_list("0-3,5,^1", "0,2-3,5");
	assert_list("^1,0-3", "0-3"); /* nothing to take out yet */
	assert_list("0-1,^0,^1", "");
}

static void spaces_and_empty_lists(void **state)
{
	assert_list(" 0 , 2-3 ", "0,2-3");
	assert_list("", "");
	assert_list("   ", "");
}

static void malformed_items_are_named(void **state)
{
	assert_refused("a", "'a' in the CPU list 'a' is not a CPU (N), a range (N-M) or an exclusion (^N) "
			    "of CPUs 0 to 1023");
	assert_refused("0,,1", "'' in the CPU list '0,,1' is not a CPU (N), a range (N-M) or an exclusion (^N) "
			       "of CPUs 0 to 1023");
	assert_refused("3-1", "'3-1' in the CPU list '3-1' is not a CPU (N), a range (N-M) or an exclusion "
			      "(^N) of CPUs 0 to 1023");
	assert_refused("0-", "'0-' in the CPU list '0-' is not a CPU (N), a range (N-M) or an exclusion (^N) "
			     "of CPUs 0 to 1023");
	assert_refused("-1", "'-1' in the CPU list '-1' is not a CPU (N), a range (N-M) or an exclusion (^N) "
			     "of CPUs 0 to 1023");
	assert_refused("1024", "'1024' in the CPU list '1024' is not a CPU (N), a range (N-M) or an exclusion "
			       "(^N) of CPUs 0 to 1023");
	assert_refused("0,1 2", "'1 2' in the CPU list '0,1 2' is not a CPU (N), a range (N-M) or an exclusion "
				"(^N) of CPUs 0 to 1023");
	assert_refused("^1-2", "'^1-2' in the CPU list '^1-2' is not a CPU (N), a range (N-M) or an exclusion "
			       "(^N) of CPUs 0 to 1023");
	assert_refused("0,", "'' in the CPU list '0,' is not a CPU (N), a range (N-M) or an exclusion (^N) of "
			     "CPUs 0 to 1023");
	assert_refused("all", "'all' in the CPU list 'all' is not a CPU (N), a range (N-M) or an exclusion (^N) "
			      "of CPUs 0 to 1023");
}

static void formatting_that_does_not_fit_says_so(void **state)
{
	cpu_set_t set;
	char out[4];
	assert_int_equal(cpulist_parse("0-1,3,5", &set, err, sizeof(err)), 0);
	assert_false(cpulist_format(&set, out, sizeof(out)));
	assert_string_equal(out, "");
	assert_true(cpulist_format(&set, (char[8]){ 0 }, 8)); /* "0-1,3,5" and its NUL */
}

static void the_host_has_online_cpus(void **state)
{
	cpu_set_t set;
	assert_true(cpulist_host_online(&set));
	assert_int_equal(CPU_COUNT(&set), sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(single_cpus_and_ranges),
		cmocka_unit_test(exclusions_apply_left_to_right),
		cmocka_unit_test(spaces_and_empty_lists),
		cmocka_unit_test(malformed_items_are_named),
		cmocka_unit_test(formatting_that_does_not_fit_says_so),
		cmocka_unit_test(the_host_has_online_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
