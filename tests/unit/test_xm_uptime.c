/* xm uptime's output (xm/uptime.c) byte for byte as Xen 3's xm printed it:
 * the table (Name, ID, Uptime as [D day[s], ]HH:MM:SS) and -s's uptime(1)
 * lines; Domain-0's uptime is the host's, a managed domain that is not
 * running has no ID and no uptime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "uptime.h"
#include "xm.h"

/* uptime.c's command asks xend through these; the tests call its printing. */
json_t *xm_flag_and_domains(int argc, char **argv, char flag, const char *long_name, bool *set) { return NULL; }

/* 2023-11-14 22:13:20 UTC */
#define NOW 1700000000

static const char *const domains =
	"[{\"domid\": 0, \"name\": \"Domain-0\"},"
	" {\"domid\": 3, \"name\": \"web\", \"start_time\": 1699996277},"      /* 1:02:03 ago */
	" {\"domid\": 12, \"name\": \"db\", \"start_time\": 1699740559},"      /* 3 days, 0:04:01 */
	" {\"domid\": 4, \"name\": \"new\", \"start_time\": 1700000000},"      /* this second */
	" {\"name\": \"idle\", \"uuid\": \"x\"}]";                           /* not running */

static void test_table_is_xens(void **state)
{
	(void)state;
	json_t *list = json(domains);
	FILE *f = capture();
	xm_uptime_print(f, list, false, NOW, 93784.4); /* the host: 1 day, 2:03:04 */
	fclose(f);
	assert_string_equal(output, "Name                                ID Uptime \n"
				    "Domain-0                             0 1 day,  2:03:04\n"
				    "web                                  3  1:02:03\n"
				    "db                                  12 3 days,  0:04:01\n"
				    "new                                  4  0:00:00\n"
				    "idle                                    0:00:00\n");
	json_decref(list);
}

static void test_short_form_is_uptimes(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	json_t *list = json(domains);
	FILE *f = capture();
	xm_uptime_print(f, list, true, NOW, 59.5);
	fclose(f);
	assert_string_equal(output, " 22:13:20 up  0:01, Domain-0 (0)\n"
				    " 22:13:20 up  1:02, web (3)\n"
				    " 22:13:20 up 3 days,  0:04, db (12)\n"
				    " 22:13:20 up  0:00, new (4)\n"
				    " 22:13:20 up  0:00, idle ()\n");
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_xens),
		cmocka_unit_test(test_short_form_is_uptimes),
	};
	return cmocka_run_group_tests(tests, NULL, capture_teardown);
}
