/* lib/sxp: xend-config.sxp as administrators write it (comments, quoted
 * values with spaces and escapes, nested lists), and the line a mistake is
 * on, which xend's refusal to start names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sxp.h"

#include "scratch_dir.h"

static void parse_ok(const char *text, struct sxp *top)
{
	char err[256] = "";
	unsigned line = 0;
	if (sxp_parse(text, strlen(text), top, &line, err, sizeof(err)) != 0)
		fail_msg("refused at line %u: %s", line, err);
}

/* The value of (KEY VALUE), which the test expects to be there. */
static const char *value(const struct sxp *top, const char *key)
{
	const struct sxp *l = sxp_find(top, key);
	assert_non_null(l);
	assert_int_equal(l->n, 2);
	assert_non_null(l->items[1].atom);
	return l->items[1].atom;
}

static void test_xens_own_file(void **state)
{
	(void)state;
	struct sxp top;
	parse_ok("# -*- sh -*-\n"
		 "#\n"
		 "# Xend configuration file.\n"
		 "(logfile /var/log/xen/xend.log)\n"
		 "#(network-script network-route)\n"
		 "(network-script network-bridge)   # the default\n"
		 "(vif-script 'vif-bridge bridge=xenbr1')\n"
		 "(dom0-min-mem 196)\n"
		 "(xend-relocation-hosts-allow '^localhost$ ^localhost\\\\.localdomain$')\n"
		 "(xen-api-server ((9363 pam '^localhost$') (unix none)))\n"
		 "(vncpasswd '')\n",
		 &top);
	assert_int_equal(top.n, 7);
	assert_string_equal(value(&top, "network-script"), "network-bridge");
	assert_int_equal(sxp_find(&top, "network-script")->line, 6);
	assert_string_equal(value(&top, "vif-script"), "vif-bridge bridge=xenbr1");
	assert_string_equal(value(&top, "dom0-min-mem"), "196");
	assert_string_equal(value(&top, "xend-relocation-hosts-allow"), "^localhost$ ^localhost\\.localdomain$");
	assert_string_equal(value(&top, "vncpasswd"), "");
	/* A commented-out setting is no setting. */
	assert_null(sxp_find(&top, "network-route"));
	const struct sxp *api = sxp_find(&top, "xen-api-server");
	assert_int_equal(api->n, 2);
	assert_null(api->items[1].atom);
	assert_int_equal(api->items[1].n, 2);
	assert_string_equal(api->items[1].items[0].items[2].atom, "^localhost$");
	assert_string_equal(api->items[1].items[1].items[1].atom, "none");
	sxp_free(&top);
}

static void test_strings_and_words(void **state)
{
	(void)state;
	struct sxp top;
	parse_ok("(a \"double 'quoted'\" 'single \"quoted\"' 'it\\'s' 'tab\\there' word#hash)\n"
		 "(b 'spans\ntwo lines')(c x)\n"
		 "(a last)",
		 &top);
	assert_int_equal(top.n, 4);
	const struct sxp *a = &top.items[0];
	assert_int_equal(a->n, 6);
	assert_string_equal(a->items[1].atom, "double 'quoted'");
	assert_string_equal(a->items[2].atom, "single \"quoted\"");
	assert_string_equal(a->items[3].atom, "it's");
	assert_string_equal(a->items[4].atom, "tab\there");
	/* '#' inside a word is part of it; only one that starts a token comments. */
	assert_string_equal(a->items[5].atom, "word#hash");
	assert_int_equal(a->items[5].line, 1);
	assert_string_equal(value(&top, "b"), "spans\ntwo lines");
	/* Lines count inside strings too. */
	assert_int_equal(sxp_find(&top, "c")->line, 3);
	/* A later setting wins. */
	assert_string_equal(value(&top, "a"), "last");
	assert_int_equal(sxp_find(&top, "a")->line, 4);
	sxp_free(&top);
}

static void test_empty_files(void **state)
{
	(void)state;
	struct sxp top;
	parse_ok("", &top);
	assert_int_equal(top.n, 0);
	assert_null(sxp_find(&top, "vif-script"));
	sxp_free(&top);
	parse_ok("# nothing but comments\n\n   # and blanks\n", &top);
	assert_int_equal(top.n, 0);
	sxp_free(&top);
}

static void refused(const char *text, unsigned want_line, const char *want)
{
	struct sxp top;
	char err[256] = "";
	unsigned line = 0;
	assert_int_equal(sxp_parse(text, strlen(text), &top, &line, err, sizeof(err)), -1);
	if (line != want_line || !strstr(err, want))
		fail_msg("'%s': got line %u '%s', wanted line %u '%s'", text, line, err, want_line, want);
	assert_int_equal(top.n, 0);
	assert_null(top.items);
}

static void test_mistakes_name_their_line(void **state)
{
	(void)state;
	/* The line where the unclosed thing opened, not the end of the file. */
	refused("(a b)\n(vif-script vif-bridge\n\n(c d)\n", 2, "'(' is never closed");
	refused("(a b)\n(vif-script 'vif-bridge)\n(c d)\n", 2, "string opened with ' is never closed");
	refused("(a \"x)\n", 1, "string opened with \" is never closed");
	refused("(a b))\n", 1, "')' that closes nothing");
	refused("(a b)\n\nvif-script vif-bridge\n", 3, "'vif-script' stands outside any (key value) list");
	refused("(a b)\n()\n", 2, "must start with its key");
	refused("# x\n((a b) c)\n", 2, "must start with its key");
	char nul[] = "(a b)\n(c \0)";
	struct sxp top;
	char err[256];
	unsigned line;
	assert_int_equal(sxp_parse(nul, sizeof(nul) - 1, &top, &line, err, sizeof(err)), -1);
	assert_int_equal(line, 2);
	assert_non_null(strstr(err, "NUL"));
}

static void test_deep_nesting_is_refused(void **state)
{
	(void)state;
	char text[1000];
	size_t n = 0;
	text[n++] = '(';
	text[n++] = 'k';
	for (int i = 0; i < 200; i++)
		text[n++] = '(';
	text[n] = '\0';
	refused(text, 1, "nest deeper");
}

static void test_load_names_the_file(void **state)
{
	(void)state;
	const char *path = at("xend-config.sxp");
	char err[512] = "";
	struct sxp top;
	/* No file: no settings, and no error. */
	assert_int_equal(sxp_load(path, &top, err, sizeof(err)), 1);
	assert_int_equal(top.n, 0);
	write_file(path, "(network-script network-bridge)\n(vif-script 'vif-bridge\n");
	assert_int_equal(sxp_load(path, &top, err, sizeof(err)), -1);
	char want[512];
	snprintf(want, sizeof(want), "%s:2: a string opened with ' is never closed", path);
	assert_string_equal(err, want);
	write_file(path, "(vif-script 'vif-bridge bridge=xenbr1')\n");
	assert_int_equal(sxp_load(path, &top, err, sizeof(err)), 0);
	assert_string_equal(value(&top, "vif-script"), "vif-bridge bridge=xenbr1");
	sxp_free(&top);
	/* A folder is no file. */
	assert_int_equal(sxp_load(scratch_dir, &top, err, sizeof(err)), -1);
	assert_non_null(strstr(err, scratch_dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xens_own_file),
		cmocka_unit_test(test_strings_and_words),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_mistakes_name_their_line),
		cmocka_unit_test(test_deep_nesting_is_refused),
		scratch_unit_test(test_load_names_the_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
