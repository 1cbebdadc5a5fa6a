/* xend-config.sxp's settings for xend's log and xm's socket: a loglevel
 * Xen's logging does not know stops xend naming file and line; logfile's
 * path; and xend-unix-path and xend-unix-server as both xend and xm read
 * them (lib/xend_socket.c), so that a moved socket is found by xm too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"
#include "xend.h"

#include "scratch_dir.h"

/* Writes the test's xend-config.sxp; its path. */
static const char *config_file(const char *text)
{
	const char *path = at("xend-config.sxp");
	write_file(path, text);
	return path;
}

static void test_loglevel_defaults_to_debug(void **state)
{
	(void)state;
	struct xend_settings s;
	char err[256];
	assert_int_equal(xend_settings_load(config_file("# nothing\n"), &s, err, sizeof(err)), 0);
	assert_string_equal(s.loglevel, "DEBUG");
	assert_string_equal(s.logfile, "");
	xend_settings_free(&s);
	assert_int_equal(xend_settings_load(config_file("(loglevel WARNING)\n(logfile /srv/x.log)\n"), &s, err,
					    sizeof(err)),
			 0);
	assert_string_equal(s.loglevel, "WARNING");
	assert_string_equal(s.logfile, "/srv/x.log");
	xend_settings_free(&s);
}

static void test_a_bad_loglevel_is_named_with_its_line(void **state)
{
	(void)state;
	struct xend_settings s;
	char err[512], want[512];
	const char *path = config_file("(logfile /var/log/xen/xend.log)\n\n(loglevel LOUD)\n");
	assert_int_equal(xend_settings_load(path, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: (loglevel ...) takes one value: DEBUG, INFO, WARNING, ERROR or CRITICAL",
		 path);
	assert_string_equal(err, want);
	assert_int_equal(xend_settings_load(config_file("(loglevel debug)\n"), &s, err, sizeof(err)), -1);
}

static void test_logfile_path(void **state)
{
	(void)state;
	char path[256];
	assert_int_equal(xend_log_path("/var/log/xen", "", path, sizeof(path)), 0);
	assert_string_equal(path, "/var/log/xen/xend.log");
	assert_int_equal(xend_log_path("/var/log/xen", "/srv/logs/xend.log", path, sizeof(path)), 0);
	assert_string_equal(path, "/srv/logs/xend.log");
	assert_int_equal(xend_log_path("/var/log/xen", "mine.log", path, sizeof(path)), 0);
	assert_string_equal(path, "/var/log/xen/mine.log");
	assert_int_equal(xend_log_path("/var/log/xen", "", path, 8), -1);
}

static void test_log_prepare_makes_its_folder(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(xend_log_prepare(at("a/b/xend.log"), err, sizeof(err)), 0);
	assert_int_equal(access(at("a/b/xend.log"), W_OK), 0);
	assert_int_equal(xend_log_prepare(at("a/b/xend.log/no"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open the log"));
}

/* xm's side: the same file gives the same socket (read once per process). */
static void test_xm_finds_the_socket_xend_config_names(void **state)
{
	(void)state;
	config_file("(xend-unix-server no)\n(xend-unix-path /srv/run/xend-socket)\n");
	setenv("XENON_CONFIG_DIR", scratch_dir, 1);
	assert_string_equal(control_xend_path(), "/srv/run/xend-socket");
	assert_false(control_xend_unix_server());
	assert_string_equal(control_xend_config(), at("xend-config.sxp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loglevel_defaults_to_debug),
		cmocka_unit_test(test_a_bad_loglevel_is_named_with_its_line),
		cmocka_unit_test(test_logfile_path),
		cmocka_unit_test(test_log_prepare_makes_its_folder),
		cmocka_unit_test(test_xm_finds_the_socket_xend_config_names),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
