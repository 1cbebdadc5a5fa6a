/* Xen's console ring as xend keeps it (xend/conring.c): lines in order,
 * the newest CONRING_SIZE bytes from a line's start, -c empties it, and a
 * file that has doubled is cut back. */
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

#include "conring.h"

#include "scratch_dir.h"

static char path[256];

static int setup(void **state)
{
	if (scratch_setup(state) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s", at("conring"));
	return 0;
}

static char *read_ring(bool clear)
{
	size_t len;
	char *text = conring_read(path, clear, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void no_ring_yet_reads_empty(void **state)
{
	(void)state;
	char *text = read_ring(false);
	assert_string_equal(text, "");
	free(text);
}

static void lines_in_order_and_clear(void **state)
{
	(void)state;
	assert_int_equal(conring_append(path, "(XEN) Xen version 4.17.0-xenon"), 0);
	assert_int_equal(conring_append(path, "(XEN) Domain 1 (web) created"), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* guests' words: root's only */
	char *text = read_ring(true);
	assert_string_equal(text, "(XEN) Xen version 4.17.0-xenon\n(XEN) Domain 1 (web) created\n");
	free(text);
	text = read_ring(false);
	assert_string_equal(text, ""); /* -c emptied it */
	free(text);
	assert_int_equal(conring_append(path, "(XEN) after"), 0);
	text = read_ring(false);
	assert_string_equal(text, "(XEN) after\n");
	free(text);
}

/* However much is written, the ring reads as the newest whole lines of at
 * most CONRING_SIZE bytes, and the file never holds much more. */
static void the_ring_keeps_the_newest(void **state)
{
	(void)state;
	char line[64];
	for (int i = 0; i < 20000; i++) {
		snprintf(line, sizeof(line), "(XEN) line %06d of the ring", i);
		assert_int_equal(conring_append(path, line), 0);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size < 2 * CONRING_SIZE);
	}
	char *text = read_ring(false);
	assert_true(strlen(text) <= CONRING_SIZE);
	assert_true(strlen(text) > CONRING_SIZE - sizeof(line));
	assert_memory_equal(text, "(XEN) line ", 11);
	assert_non_null(strstr(text, "(XEN) line 019999 of the ring\n"));
	assert_null(strstr(text, "line 000000"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_ring_yet_reads_empty, setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(lines_in_order_and_clear, setup, scratch_teardown),
		cmocka_unit_test_setup_teardown(the_ring_keeps_the_newest, setup, scratch_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
