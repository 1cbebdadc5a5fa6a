/* What xm info prints of xend's pairs: Xen 3's "%-23s: value" lines, in
 * the order xend gives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "xm.h"

/* What info.c's command needs of the rest of xm, which this test lacks. */
const struct xm_command *xm_current;
int xm_usage_error(const char *fmt, ...) { return 1; }
json_t *xend_call(json_t *request) { json_decref(request); return NULL; }

static void lines_as_xen_printed_them(void **state)
{
	(void)state;
	json_t *pairs = json(
		"[[\"host\", \"xenhost\"], [\"nr_cpus\", 2], [\"virt_caps\", \"\"], "
		"[\"node_to_cpu\", \"node0:0\\n                         node1:1\"], [\"xen_changeset\", null]]");
	FILE *f = capture();
	xm_info_print(f, pairs);
	fclose(f);
	assert_string_equal(output, "host                   : xenhost\n"
				    "nr_cpus                : 2\n"
				    "virt_caps              : \n"
				    "node_to_cpu            : node0:0\n"
				    "                         node1:1\n"
				    "xen_changeset          : (none)\n");
	json_decref(pairs);
	free(output);
	output = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_as_xen_printed_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
