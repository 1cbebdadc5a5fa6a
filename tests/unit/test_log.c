/* lib/log's file mode, as Xen's xend kept its log: levels below the one set
 * are dropped, lines carry Xen's format, and the file rotates as Python's
 * RotatingFileHandler rotated it (PATH -> PATH.1 -> ... -> PATH.N, the
 * oldest dropped) before a line would take it to its limit. Real files in
 * a folder of the test's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#include "scratch_dir.h"

static int saved_stderr = -1;

static int setup(void **state)
{
	saved_stderr = dup(STDERR_FILENO); /* log_to_file takes descriptor 2 */
	return saved_stderr >= 0 ? scratch_setup(state) : -1;
}

static int teardown(void **state)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	return scratch_teardown(state);
}

static void assert_file(const char *path, const char *want)
{
	char *got = read_file(path);
	if (!want) {
		if (got)
			fail_msg("%s exists, holding '%s'", path, got);
		return;
	}
	if (!got)
		fail_msg("%s does not exist", path);
	assert_string_equal(got, want);
	free(got);
}

static void test_levels_have_xens_names(void **state)
{
	(void)state;
	enum log_level l;
	static const char *const names[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };
	for (int i = 0; i < 5; i++) {
		assert_true(log_level_from_name(names[i], &l));
		assert_int_equal(l, i);
	}
	assert_false(log_level_from_name("debug", &l));
	assert_false(log_level_from_name("WARN", &l));
	assert_false(log_level_from_name("", &l));
}

static void test_rotation_shifts_each_file_up_one(void **state)
{
	(void)state;
	char log[256];
	snprintf(log, sizeof(log), "%s", at("a.log")); /* at() reuses its buffers */
	char name[64];
	write_file(log, "now\n");
	for (int i = 1; i <= 3; i++) {
		snprintf(name, sizeof(name), "a.log.%d", i);
		char text[16];
		snprintf(text, sizeof(text), "old %d\n", i);
		write_file(at(name), text);
	}
	assert_int_equal(log_rotate(log, 5), 0);
	assert_file(log, NULL);
	assert_file(at("a.log.1"), "now\n");
	assert_file(at("a.log.2"), "old 1\n");
	assert_file(at("a.log.3"), "old 2\n");
	assert_file(at("a.log.4"), "old 3\n");
	assert_file(at("a.log.5"), NULL);
}

static void test_rotation_keeps_only_the_backups_asked_for(void **state)
{
	(void)state;
	char log[256];
	snprintf(log, sizeof(log), "%s", at("b.log")); /* at() reuses its buffers */
	/* Six rotations of a file of five backups: the first file is gone. */
	for (int i = 1; i <= 6; i++) {
		char text[16];
		snprintf(text, sizeof(text), "gen %d\n", i);
		write_file(log, text);
		assert_int_equal(log_rotate(log, 5), 0);
	}
	assert_file(at("b.log.1"), "gen 6\n");
	assert_file(at("b.log.5"), "gen 2\n");
	assert_file(at("b.log.6"), NULL);
}

static void test_rotation_without_backups_starts_afresh(void **state)
{
	(void)state;
	char log[256];
	snprintf(log, sizeof(log), "%s", at("c.log")); /* at() reuses its buffers */
	write_file(log, "gone\n");
	assert_int_equal(log_rotate(log, 0), 0);
	assert_file(log, NULL);
	assert_file(at("c.log.1"), NULL);
	assert_int_equal(log_rotate(at("never.log"), 3), 0); /* nothing to move: nothing fails */
}

/* The lines of a file, counted. */
static int lines_in(const char *path)
{
	char *text = read_file(path);
	int n = 0;
	for (char *p = text; p && *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

static void test_file_mode_levels_format_and_rotation(void **state)
{
	(void)state;
	char log[256];
	snprintf(log, sizeof(log), "%s", at("xend.log")); /* at() reuses its buffers */
	log_set_prefix("xend", NULL);
	log_set_level(LOG_LEVEL_WARNING);
	/* 400 bytes at most: a few lines, then a rotation. */
	assert_int_equal(log_to_file(log, 400, 2), 0);
	log_info("dropped: below WARNING");
	log_debug("dropped too");
	log_warn("kept %d", 1);
	char *text = read_file(log);
	assert_non_null(text);
	/* [YYYY-MM-DD HH:MM:SS PID] LEVEL (xend) message */
	char want[64];
	snprintf(want, sizeof(want), " %d] WARNING (xend) kept 1\n", (int)getpid());
	assert_int_equal(text[0], '[');
	assert_int_equal(strlen(text), 20 + strlen(want));
	assert_string_equal(text + 20, want);
	free(text);

	/* What a library writes on stderr lands in the log too. */
	fprintf(stderr, "a library's own line\n");
	assert_int_equal(lines_in(log), 2);

	/* Lines until one would take the file to 400 bytes: it goes to a new
	 * file, the old one is xend.log.1 with every line before it. */
	struct stat st;
	int i;
	for (i = 2; i < 20 && stat(at("xend.log.1"), &st) != 0; i++)
		log_err("line %d of the first file", i);
	assert_true(i < 20);
	assert_int_equal(lines_in(log), 1);
	text = read_file(log);
	snprintf(want, sizeof(want), "ERROR (xend) line %d of the first file\n", i - 1);
	assert_non_null(strstr(text, want));
	assert_true(st.st_size < 400 && st.st_size + (off_t)strlen(text) >= 400);
	free(text);
	assert_int_equal(lines_in(at("xend.log.1")), 2 + (i - 3)); /* kept 1, the library's, 2 .. i-2 */
	fprintf(stderr, "stderr follows the rotation\n");
	assert_int_equal(lines_in(log), 2);

	/* Rotations on: two backups, the oldest dropped. */
	for (int j = 0; j < 20; j++)
		log_err("more and more lines, %d", j);
	assert_int_equal(stat(at("xend.log.2"), &st), 0);
	assert_int_not_equal(stat(at("xend.log.3"), &st), 0);
	assert_int_equal(stat(log, &st), 0);
	assert_true(st.st_size < 400);
	text = read_file(log);
	assert_non_null(strstr(text, "more and more lines, 19\n"));
	free(text);
}

/* Every open fails with EMFILE from here on, root or not: the limit is
 * the lowest free descriptor. The limit as it was, into *saved. */
static void no_more_descriptors(struct rlimit *saved)
{
	int lowest = fcntl(STDIN_FILENO, F_DUPFD, 0);
	assert_true(lowest >= 0);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, saved), 0);
	struct rlimit tight = { .rlim_cur = (rlim_t)lowest, .rlim_max = saved->rlim_max };
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
}

static void test_a_log_that_cannot_be_reopened_keeps_its_backups(void **state)
{
	(void)state;
	char log[256];
	snprintf(log, sizeof(log), "%s", at("d.log")); /* at() reuses its buffers */
	char full[300];
	memset(full, 'x', sizeof(full) - 2);
	full[sizeof(full) - 2] = '\n';
	full[sizeof(full) - 1] = 0;
	write_file(log, full);
	write_file(at("d.log.1"), "second\n");
	write_file(at("d.log.2"), "first\n");
	assert_int_equal(log_to_file(log, 300, 2), 0);

	/* The first line rotates the full file; the new one cannot be opened. */
	struct rlimit saved;
	no_more_descriptors(&saved);
	for (int i = 0; i < 10; i++)
		log_err("while no file opens, %d", i);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);

	/* One rotation, not ten: the newest backup still there, and every line
	 * of the failure in the file that was full. */
	assert_file(at("d.log.2"), "second\n");
	assert_int_equal(lines_in(at("d.log.1")), 1 + 10);
	char *text = read_file(at("d.log.1"));
	assert_non_null(strstr(text, "while no file opens, 9\n"));
	free(text);

	/* Descriptors again: the next line opens the log afresh. */
	log_err("descriptors again");
	assert_int_equal(lines_in(log), 1);
	text = read_file(log);
	assert_non_null(strstr(text, "descriptors again\n"));
	free(text);
	assert_int_equal(lines_in(at("d.log.1")), 1 + 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_have_xens_names),
		cmocka_unit_test(test_rotation_shifts_each_file_up_one),
		cmocka_unit_test(test_rotation_keeps_only_the_backups_asked_for),
		cmocka_unit_test(test_rotation_without_backups_starts_afresh),
		/* Last: from here on, stderr is the log. */
		cmocka_unit_test(test_file_mode_levels_format_and_rotation),
		cmocka_unit_test(test_a_log_that_cannot_be_reopened_keeps_its_backups),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
