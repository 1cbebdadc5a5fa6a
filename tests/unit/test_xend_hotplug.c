/* xend's settings and scripts (xend/settings.c, xend/hotplug.c):
 * xend-config.sxp's network-script and vif-script with their defaults and
 * errors, the scripts folder filled without replacing an administrator's
 * script, and scripts run as Xen ran them: arguments, environment, output
 * in xen-hotplug.log, the last line of stderr as the error, and a script
 * that hangs killed. Real scripts, in a folder of the test's own. */
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

#include "xend.h"

#include "scratch_dir.h"

/* Writes `text` to `path` with the permissions `mode`. */
static void write_file_mode(const char *path, const char *text, mode_t mode)
{
	write_file(path, text);
	assert_int_equal(chmod(path, mode), 0);
}

/* What the scripts run so far wrote to xen-hotplug.log (malloc'd). */
static char *hotplug_log(void)
{
	char *log = read_file(at("xen-hotplug.log"));
	assert_non_null(log);
	return log;
}

/* ---- xend-config.sxp ---- */

static void test_settings_default_without_a_file(void **state)
{
	(void)state;
	struct xend_settings s;
	char err[512] = "";
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), 0);
	assert_string_equal(s.network_script, "network-bridge");
	assert_string_equal(s.vif_script, "vif-bridge");
	xend_settings_free(&s);
	/* A file that says nothing of them: the same. */
	write_file(at("xend-config.sxp"), "# only comments\n(xend-relocation-server yes)\n");
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), 0);
	assert_string_equal(s.network_script, "network-bridge");
	assert_string_equal(s.vif_script, "vif-bridge");
	xend_settings_free(&s);
}

static void test_settings_as_written(void **state)
{
	(void)state;
	write_file(at("xend-config.sxp"),
		   "(network-script network-route)\n"
		   "(vif-script 'vif-bridge bridge=xenbr1')\n"
		   "(dom0-min-mem 196)   # not read yet: ignored\n");
	struct xend_settings s;
	char err[512] = "";
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), 0);
	assert_string_equal(s.network_script, "network-route");
	assert_string_equal(s.vif_script, "vif-bridge bridge=xenbr1");
	xend_settings_free(&s);
	/* '' turns the network script off. */
	write_file(at("xend-config.sxp"), "(network-script '')\n");
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), 0);
	assert_string_equal(s.network_script, "");
	xend_settings_free(&s);
}

static void test_settings_errors_name_file_and_line(void **state)
{
	(void)state;
	struct xend_settings s;
	char err[512] = "", want[512];
	write_file(at("xend-config.sxp"), "(network-script network-bridge)\n\n(vif-script vif-bridge\n");
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: a '(' is never closed", at("xend-config.sxp"));
	assert_string_equal(err, want);
	/* Two words unquoted: refused rather than half taken. */
	write_file(at("xend-config.sxp"), "# x\n(vif-script vif-bridge bridge=xenbr1)\n");
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: (vif-script ...) takes one value", at("xend-config.sxp"));
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "'vif-bridge bridge=xenbr1'"));
}

/* The relocation servers: Xen's keys and defaults; hosts-allow's patterns
 * are checked when the file is read. */
static void test_settings_relocation(void **state)
{
	(void)state;
	struct xend_settings s;
	char err[512] = "", want[512];
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), 0);
	assert_false(s.relocation_server);
	assert_false(s.relocation_ssl_server);
	assert_false(s.relocation_ssl);
	assert_int_equal(s.relocation_port, 8002);
	assert_int_equal(s.relocation_ssl_port, 8003);
	assert_string_equal(s.relocation_ssl_key_file, "/etc/xen/xmlrpc.key");
	assert_string_equal(s.relocation_ssl_cert_file, "/etc/xen/xmlrpc.crt");
	assert_string_equal(s.relocation_hosts_allow, "");
	xend_settings_free(&s);
	write_file(at("xend-config.sxp"), "(xend-relocation-ssl-server yes)\n(xend-relocation-ssl-port 9003)\n"
					  /* Xen's files double each backslash in a quoted string. */
					  "(xend-relocation-hosts-allow '^localhost$ ^192\\\\.168\\\\.1\\\\.[0-9]+$')\n");
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), 0);
	assert_true(s.relocation_ssl_server);
	assert_int_equal(s.relocation_ssl_port, 9003);
	assert_string_equal(s.relocation_hosts_allow, "^localhost$ ^192\\.168\\.1\\.[0-9]+$");
	xend_settings_free(&s);
	/* A pattern that is not a regular expression is refused at start,
	 * not found out when a host knocks. */
	write_file(at("xend-config.sxp"), "\n(xend-relocation-hosts-allow '^good$ (unclosed')\n");
	assert_int_equal(xend_settings_load(at("xend-config.sxp"), &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: (xend-relocation-hosts-allow ...) takes one value: regular expressions",
		 at("xend-config.sxp"));
	assert_memory_equal(err, want, strlen(want));
}

static void test_hosts_allow(void **state)
{
	(void)state;
	const char *allow = "^localhost$ ^192\\.168\\.1\\.[0-9]+$ \\.example\\.org$";
	assert_true(hosts_allow_matches("", "10.0.0.1", NULL)); /* none: every host */
	assert_true(hosts_allow_matches(allow, "192.168.1.20", NULL));
	assert_false(hosts_allow_matches(allow, "192.168.10.20", NULL));
	assert_false(hosts_allow_matches(allow, "10.0.0.1", NULL));
	/* By name as well as by address, whatever its case. */
	assert_true(hosts_allow_matches(allow, "10.0.0.1", "Node7.Example.ORG"));
	assert_true(hosts_allow_matches(allow, "127.0.0.1", "localhost"));
	assert_false(hosts_allow_matches(allow, "127.0.0.1", "localhost.localdomain"));
	assert_false(hosts_allow_matches(allow, "10.0.0.1", "example.org.evil.net"));
}

/* ---- the scripts folder ---- */

static void test_install_fills_only_whats_missing(void **state)
{
	(void)state;
	mkdir(at("hotplug"), 0755);
	write_file_mode(at("hotplug/vif-bridge"), "#!/bin/sh\necho shipped\n", 0755);
	write_file_mode(at("hotplug/network-bridge"), "#!/bin/sh\n", 0755);
	write_file_mode(at("hotplug/xen-network-common.sh"), "# sourced\n", 0644);
	mkdir(at("hotplug/subfolder"), 0755);
	/* The administrator's own vif-bridge is there already. */
	mkdir(at("etc"), 0755);
	mkdir(at("etc/scripts"), 0755);
	write_file_mode(at("etc/scripts/vif-bridge"), "#!/bin/sh\necho mine\n", 0700);
	char err[512] = "";
	assert_int_equal(scripts_install(at("hotplug"), at("etc/scripts"), err, sizeof(err)), 2);
	char *mine = read_file(at("etc/scripts/vif-bridge"));
	assert_string_equal(mine, "#!/bin/sh\necho mine\n");
	free(mine);
	struct stat st;
	assert_int_equal(stat(at("etc/scripts/network-bridge"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_int_equal(stat(at("etc/scripts/xen-network-common.sh"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(stat(at("etc/scripts/subfolder"), &st), -1);
	/* Twice: nothing more to do. */
	assert_int_equal(scripts_install(at("hotplug"), at("etc/scripts"), err, sizeof(err)), 0);
	/* Into a folder that does not exist yet. */
	assert_int_equal(scripts_install(at("hotplug"), at("new/scripts"), err, sizeof(err)), 3);
	assert_int_equal(scripts_install(at("nothing-here"), at("new/scripts"), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nothing-here"));
}

/* ---- running scripts ---- */

static int run(const char *setting, const char *action, char *const *env, int timeout_ms, char *err, size_t errlen)
{
	struct hotplug_script s;
	assert_int_equal(hotplug_script_resolve(scratch_dir, setting, &s), 0);
	int r = hotplug_run(&s, action, env, at("xen-hotplug.log"), timeout_ms, err, errlen);
	hotplug_script_free(&s);
	return r;
}

static void test_resolve(void **state)
{
	(void)state;
	struct hotplug_script s;
	assert_int_equal(hotplug_script_resolve("/etc/xen/scripts", "  vif-bridge   bridge=xenbr1\tnetdev=eth1 ", &s), 0);
	assert_string_equal(s.path, "/etc/xen/scripts/vif-bridge");
	assert_int_equal(s.nargs, 2);
	assert_string_equal(s.args[0], "bridge=xenbr1");
	assert_string_equal(s.args[1], "netdev=eth1");
	hotplug_script_free(&s);
	assert_int_equal(hotplug_script_resolve("/etc/xen/scripts", "/bin/true", &s), 0);
	assert_string_equal(s.path, "/bin/true");
	assert_int_equal(s.nargs, 0);
	hotplug_script_free(&s);
	assert_int_equal(hotplug_script_resolve("/etc/xen/scripts", " ", &s), 1);
	assert_null(s.path);
}

static void test_script_gets_its_arguments_and_environment(void **state)
{
	(void)state;
	write_file_mode(at("vif-test"),
			"#!/bin/sh\n"
			"echo \"args: $*\"\n"
			"echo \"env: $XENBUS_PATH $vif $domain $devid\"\n"
			"echo \"path: ${PATH:+set}\"\n"
			"ls /proc/self/fd | wc -l | sed 's/^/fds: /'\n",
			0755);
	char e0[] = "XENBUS_PATH=backend/vif/3/1", e1[] = "vif=vif3.1", e2[] = "domain=web", e3[] = "devid=1";
	char *env[] = { e0, e1, e2, e3, NULL };
	char err[512] = "";
	assert_int_equal(run("vif-test bridge=xenbr1", "online", env, 10000, err, sizeof(err)), 0);
	char *log = hotplug_log();
	/* What xend ran, then what the script printed. */
	assert_non_null(strstr(log, "/vif-test online bridge=xenbr1 (XENBUS_PATH=backend/vif/3/1 vif=vif3.1"));
	assert_non_null(strstr(log, "args: online bridge=xenbr1\n"));
	assert_non_null(strstr(log, "env: backend/vif/3/1 vif3.1 web 1\n"));
	/* xend's own environment too (the scripts need PATH). */
	assert_non_null(strstr(log, "path: set\n"));
	/* stdin, stdout, stderr, and ls's own look at the folder: none of
	 * xend's sockets. */
	assert_non_null(strstr(log, "fds: 4\n"));
	free(log);
}

static void test_failure_says_the_last_line(void **state)
{
	(void)state;
	write_file_mode(at("vif-fails"),
			"#!/bin/sh\n"
			"echo 'to stdout'\n"
			"echo 'first complaint' >&2\n"
			"echo 'Could not find bridge device xenbr9' >&2\n"
			"exit 1\n",
			0755);
	char err[512] = "", want[512];
	unlink(at("xen-hotplug.log"));
	assert_int_equal(run("vif-fails", "online", NULL, 10000, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s online failed: Could not find bridge device xenbr9", at("vif-fails"));
	assert_string_equal(err, want);
	char *log = hotplug_log();
	assert_non_null(strstr(log, "to stdout\n"));
	assert_non_null(strstr(log, "first complaint\nCould not find bridge device xenbr9\n"));
	free(log);
	/* Nothing on stderr: the exit status; no newline at its end: still a line. */
	write_file_mode(at("quiet"), "#!/bin/sh\nexit 3\n", 0755);
	assert_int_equal(run("quiet", "offline", NULL, 10000, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s offline failed: exit status 3", at("quiet"));
	assert_string_equal(err, want);
	write_file_mode(at("terse"), "#!/bin/sh\nprintf 'no bridge' >&2\nexit 1\n", 0755);
	assert_int_equal(run("terse", "online", NULL, 10000, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "online failed: no bridge"));
	/* The log has each line once, whole, and no blank ones. */
	log = hotplug_log();
	assert_non_null(strstr(log, "/terse online\nno bridge\n"));
	assert_null(strstr(log, "\n\n"));
	free(log);
}

static void test_missing_script(void **state)
{
	(void)state;
	char err[512] = "", want[512];
	assert_int_equal(run("vif-nowhere", "online", NULL, 10000, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s online failed: cannot run %s: No such file or directory", at("vif-nowhere"),
		 at("vif-nowhere"));
	assert_string_equal(err, want);
}

static void test_a_hanging_script_is_killed(void **state)
{
	(void)state;
	/* It and what it started: the child would keep the pipe open. */
	write_file_mode(at("vif-hangs"), "#!/bin/sh\necho started >&2\nsleep 60 &\necho $! > \"$0.child\"\nsleep 60\n",
			0755);
	char err[512] = "";
	assert_int_equal(run("vif-hangs", "online", NULL, 300, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vif-hangs online failed: it did not finish in 1 s and was killed"));
	char *child = read_file(at("vif-hangs.child"));
	pid_t pid = (pid_t)atoi(child);
	free(child);
	assert_true(pid > 0);
	/* Killed with its group; reaped by init (or gone) shortly after. */
	int alive = 1;
	for (int i = 0; i < 100 && alive; i++) {
		char stat_path[64], *st;
		snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)pid);
		st = read_file(stat_path);
		alive = st && !strstr(st, ") Z ");
		free(st);
		if (alive)
			usleep(10000);
	}
	assert_false(alive);
}

/* A script that exits at once but leaves a child holding stderr: its
 * status counts, without waiting for the child. */
static void test_a_script_that_leaves_a_daemon(void **state)
{
	(void)state;
	write_file_mode(at("network-daemon"), "#!/bin/sh\nsleep 5 &\necho ok\nexit 0\n", 0755);
	char err[512] = "";
	assert_int_equal(run("network-daemon", "start", NULL, 2000, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		scratch_unit_test(test_settings_default_without_a_file),
		scratch_unit_test(test_settings_as_written),
		scratch_unit_test(test_settings_errors_name_file_and_line),
		scratch_unit_test(test_settings_relocation),
		cmocka_unit_test(test_hosts_allow),
		scratch_unit_test(test_install_fills_only_whats_missing),
		cmocka_unit_test(test_resolve),
		scratch_unit_test(test_script_gets_its_arguments_and_environment),
		scratch_unit_test(test_failure_says_the_last_line),
		scratch_unit_test(test_missing_script),
		scratch_unit_test(test_a_hanging_script_is_killed),
		scratch_unit_test(test_a_script_that_leaves_a_daemon),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
