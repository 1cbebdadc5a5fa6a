/* The files `make install` puts in /etc/xen (etc/xen/ in the source tree):
 * xend-config.sxp as shipped gives xend's defaults, and every setting it
 * shows commented out is one xend accepts; xmexample1 and xmexample2 are
 * configs xm create accepts (with a kernel that exists here), and
 * xmexample2 makes a domain of its own for each vmid. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain_config.h"
#include "xend.h"

#include "scratch_dir.h"

/* The shipped file's text (malloc'd). */
static char *shipped(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/etc/xen/%s", SOURCE_ROOT, name);
	char *text = read_file(path);
	if (!text)
		fail_msg("%s is not there", path);
	return text;
}

/* Writes `text` and then `tail` to a file of the test's folder; its path. */
static const char *write_copy(const char *name, const char *text, const char *tail)
{
	char *whole;
	assert_true(asprintf(&whole, "%s%s", text, tail) >= 0);
	const char *path = at(name);
	write_file(path, whole);
	free(whole);
	return path;
}

static void assert_same_settings(const struct xend_settings *a, const struct xend_settings *b)
{
	assert_string_equal(a->network_script, b->network_script);
	assert_string_equal(a->vif_script, b->vif_script);
	assert_string_equal(a->logfile, b->logfile);
	assert_string_equal(a->loglevel, b->loglevel);
	assert_int_equal(a->unix_server, b->unix_server);
	assert_string_equal(a->unix_path, b->unix_path);
	assert_int_equal(a->dom0_min_mem_mb, b->dom0_min_mem_mb);
	assert_int_equal(a->dom0_cpus, b->dom0_cpus);
	assert_int_equal(a->enable_dump, b->enable_dump);
	assert_int_equal(a->relocation_server, b->relocation_server);
	assert_int_equal(a->relocation_port, b->relocation_port);
	assert_string_equal(a->relocation_address, b->relocation_address);
	assert_string_equal(a->relocation_hosts_allow, b->relocation_hosts_allow);
	assert_string_equal(a->vnc_listen, b->vnc_listen);
}

static void test_xend_config_as_shipped_gives_the_defaults(void **state)
{
	(void)state;
	char *text = shipped("xend-config.sxp");
	struct xend_settings none, file;
	char err[512] = "";
	assert_int_equal(xend_settings_load(at("absent.sxp"), &none, err, sizeof(err)), 0);
	if (xend_settings_load(write_copy("xend-config.sxp", text, ""), &file, err, sizeof(err)) < 0)
		fail_msg("the shipped xend-config.sxp: %s", err);
	assert_same_settings(&file, &none);
	xend_settings_free(&none);
	xend_settings_free(&file);
	free(text);
}

/* Each "#(key value)" line, uncommented, is a setting xend takes. */
static void test_xend_config_examples_are_valid(void **state)
{
	(void)state;
	char *text = shipped("xend-config.sxp");
	int examples = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "#(", 2) != 0)
			continue;
		struct xend_settings s;
		char err[512] = "";
		if (xend_settings_load(write_copy("one.sxp", line + 1, "\n"), &s, err, sizeof(err)) < 0)
			fail_msg("the shipped xend-config.sxp's example '%s': %s", line + 1, err);
		xend_settings_free(&s);
		examples++;
	}
	assert_true(examples >= 14); /* every key has one */
	free(text);
}

/* The example, with the line `extra` added, and its kernel and ramdisk
 * pointed at a file that exists here (this test), as an administrator's
 * copy would point at theirs. */
static int load_example(const char *name, const char *extra, char *const *defines, size_t n,
			struct xm_domain_config *c, char *err, size_t errlen)
{
	char *text = shipped(name), tail[PATH_MAX * 3], self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(len > 0);
	self[len] = '\0';
	snprintf(tail, sizeof(tail), "%s\nkernel = \"%s\"\nramdisk = \"%s\"\n", extra, self, self);
	int r = xm_domain_config_load(write_copy(name, text, tail), defines, n, c, err, errlen);
	free(text);
	return r;
}

static void test_xmexample1_is_a_config_xm_takes(void **state)
{
	(void)state;
	struct xm_domain_config c;
	char err[512] = "";
	if (load_example("xmexample1", "", NULL, 0, &c, err, sizeof(err)) < 0)
		fail_msg("xmexample1: %s", err);
	assert_string_equal(c.name, "ExampleDomain");
	assert_int_equal(c.memory_mb, 256);
	assert_int_equal(c.ndisk, 1);
	assert_int_equal(c.nvif, 1);
	assert_string_equal(c.cmdline, "root=/dev/xvda1 ro console=hvc0");
	xm_domain_config_free(&c);
}

/* Each one-line "#option = value" of xmexample1, uncommented, is a value xm
 * takes: the examples are there to be uncommented. */
static void test_xmexample1_commented_options_are_valid(void **state)
{
	(void)state;
	char *text = shipped("xmexample1");
	int examples = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		size_t name = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_");
		if (line[0] != '#' || name == 0 || !strstr(line, " = ") || (strchr(line, '[') && !strchr(line, ']')))
			continue;
		struct xm_domain_config c;
		char err[512] = "";
		if (load_example("xmexample1", line + 1, NULL, 0, &c, err, sizeof(err)) < 0)
			fail_msg("xmexample1's example '%s': %s", line + 1, err);
		xm_domain_config_free(&c);
		examples++;
	}
	assert_true(examples >= 8);
	free(text);
}

static void test_xmexample2_makes_a_domain_per_vmid(void **state)
{
	(void)state;
	struct xm_domain_config c;
	char err[512] = "", define[] = "vmid=7";
	char *defines[] = { define };
	if (load_example("xmexample2", "", defines, 1, &c, err, sizeof(err)) < 0)
		fail_msg("xmexample2 vmid=7: %s", err);
	assert_string_equal(c.name, "VM7");
	assert_int_equal(c.nvif, 1);
	assert_string_equal(c.vif[0], "mac=00:16:3e:00:00:07, bridge=xenbr0");
	assert_int_equal(c.ndisk, 2);
	assert_string_equal(c.disk[0], "phy:vg0/vm7-root,xvda1,w");
	xm_domain_config_free(&c);
	/* Without vmid, the line that needs it is named. */
	assert_int_equal(load_example("xmexample2", "", NULL, 0, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "xmexample2:"));
	assert_non_null(strstr(err, "vmid"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		scratch_unit_test(test_xend_config_as_shipped_gives_the_defaults),
		scratch_unit_test(test_xend_config_examples_are_valid),
		scratch_unit_test(test_xmexample1_is_a_config_xm_takes),
		scratch_unit_test(test_xmexample1_commented_options_are_valid),
		scratch_unit_test(test_xmexample2_makes_a_domain_per_vmid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
