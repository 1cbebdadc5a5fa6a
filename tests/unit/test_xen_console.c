/* What a guest writes to Xen's console (console_io, port 0xe9), as the VMM
 * keeps it for xm dmesg: whole lines, nothing that could move a terminal,
 * and no more than XEN_CONSOLE_KEEP bytes whatever the guest writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xen_console.h"

static void take_is(const char *want)
{
	char *got = xen_console_take();
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void write_str(const char *s)
{
	xen_console_write(s, strlen(s));
}

static void lines_come_whole_and_once(void **state)
{
	(void)state;
	write_str("Xen ");
	write_str("early\nsecond");
	take_is("Xen early\n"); /* "second" waits for its end */
	take_is("");
	for (const char *p = " line\n"; *p; p++)
		xen_console_write(p, 1); /* port 0xe9: a byte at a time */
	take_is("second line\n");
}

static void control_bytes_cannot_reach_a_terminal(void **state)
{
	(void)state;
	const char text[] = "a\x1b[2Jb\tc\r\x07\xff\x00z\n";
	xen_console_write(text, sizeof(text) - 1);
	take_is("a?[2Jb\tc??z\n"); /* \r and NUL dropped */
}

static void a_long_line_is_cut(void **state)
{
	(void)state;
	char line[3 * XEN_CONSOLE_LINE_MAX];
	memset(line, 'x', sizeof(line));
	xen_console_write(line, sizeof(line));
	write_str("\n");
	char *got = xen_console_take();
	assert_non_null(got);
	for (char *l = got, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		assert_non_null(nl);
		assert_true(nl - l < XEN_CONSOLE_LINE_MAX);
	}
	assert_int_equal(strspn(got, "x\n"), strlen(got)); /* nothing lost but line ends added */
	assert_int_equal(strlen(got) - (size_t)count_lines(got), 3 * XEN_CONSOLE_LINE_MAX);
	free(got);
}

/* A guest that writes without end holds XEN_CONSOLE_KEEP bytes, its newest
 * whole lines. */
static void the_newest_lines_are_kept(void **state)
{
	(void)state;
	char line[32];
	for (int i = 0; i < 10000; i++) {
		int n = snprintf(line, sizeof(line), "line %05d\n", i);
		xen_console_write(line, (size_t)n);
	}
	char *got = xen_console_take();
	assert_non_null(got);
	assert_true(strlen(got) <= XEN_CONSOLE_KEEP);
	assert_true(strlen(got) > XEN_CONSOLE_KEEP - 2 * sizeof(line));
	assert_memory_equal(got, "line ", 5); /* starts at a line's start */
	assert_non_null(strstr(got, "line 09999\n"));
	assert_null(strstr(got, "line 00000"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_come_whole_and_once),
		cmocka_unit_test(control_bytes_cannot_reach_a_terminal),
		cmocka_unit_test(a_long_line_is_cut),
		cmocka_unit_test(the_newest_lines_are_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
