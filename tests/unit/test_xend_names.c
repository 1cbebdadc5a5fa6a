/* The names and UUIDs xend takes for a domain (xend/domain_names.c): both
 * become parts of file paths, so nothing that could climb out of a folder
 * or hide in one gets through, and the refusal says what a name may be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xend.h"

static void test_names_xm_takes_are_taken(void **state)
{
	(void)state;
	static const char *const good[] = { "web", "Domain-0", "db_2.old", "a" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(domain_name_valid(good[i], NULL, 0));
	char longest[DOMAIN_NAME_MAX + 1];
	memset(longest, 'n', DOMAIN_NAME_MAX);
	longest[DOMAIN_NAME_MAX] = 0;
	assert_true(domain_name_valid(longest, NULL, 0));
}

static void test_names_that_would_escape_a_folder_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "..", ".hidden", "-rf", "a/b", "../../etc/x", "tab\there", "new\nline",
					   "sp ace" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(domain_name_valid(bad[i], NULL, 0));
	char too_long[DOMAIN_NAME_MAX + 2];
	memset(too_long, 'n', DOMAIN_NAME_MAX + 1);
	too_long[DOMAIN_NAME_MAX + 1] = 0;
	assert_false(domain_name_valid(too_long, NULL, 0));
	char err[256];
	assert_false(domain_name_valid("a/b", err, sizeof(err)));
	assert_string_equal(err, "'a/b' is not a domain name: 1 to 64 letters, digits, '_', '.' or '-', "
				 "not starting with '.' or '-'");
}

static void test_only_uuids_are_uuids(void **state)
{
	(void)state;
	assert_true(domain_uuid_valid("4f0e3e8a-9c1b-4d2e-8f3a-0123456789AB", NULL, 0));
	static const char *const bad[] = { "", "4f0e3e8a-9c1b-4d2e-8f3a-0123456789a",
					   "4f0e3e8a-9c1b-4d2e-8f3a-0123456789abc", "4f0e3e8a_9c1b-4d2e-8f3a-0123456789ab",
					   "../../../../etc/passwd-0000-0000-000000", "4f0e3e8a-9c1b-4d2e-8f3a-0123456789g/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(domain_uuid_valid(bad[i], NULL, 0));
	char err[256];
	assert_false(domain_uuid_valid("x/y", err, sizeof(err)));
	assert_string_equal(err, "uuid 'x/y' is not 8-4-4-4-12 hex digits");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_xm_takes_are_taken),
		cmocka_unit_test(test_names_that_would_escape_a_folder_are_refused),
		cmocka_unit_test(test_only_uuids_are_uuids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
