/* The xm config parser and the domain options on top of it: what an
 * administrator's /etc/xen/NAME gives, and what they are told when it is
 * wrong. The tests run in a temporary directory holding the config files
 * and a kernel and ramdisk to point them at. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#include "config.h"
#include "domain_config.h"

#include "scratch_dir.h"

static char err[512];
static char old_cwd[PATH_MAX];

static int setup(void **state)
{
	if (!getcwd(old_cwd, sizeof(old_cwd)) || scratch_setup(state) < 0 || chdir(scratch_dir) < 0)
		return -1;
	write_file("vmlinuz", "kernel");
	write_file("initrd.img", "ramdisk");
	return mkdir("etc", 0755);
}

static int teardown(void **state)
{
	if (chdir(old_cwd) < 0)
		return -1;
	return scratch_teardown(state);
}

/* ---- Helpers for the parser ---- */

static struct xmc_file *parse_with(const char *text, char *const *defines, size_t n)
{
	return xmc_parse("vm.cfg", text, strlen(text), defines, n, err, sizeof(err));
}

static struct xmc_file *parse(const char *text)
{
	struct xmc_file *f = parse_with(text, NULL, 0);
	if (!f)
		fail_msg("refused: %s\n--- for ---\n%s", err, text);
	return f;
}

static void assert_refused_with(const char *text, char *const *defines, size_t n, const char *want)
{
	struct xmc_file *f = parse_with(text, defines, n);
	if (f) {
		xmc_free(f);
		fail_msg("parsed, but should say \"%s\":\n%s", want, text);
	}
	assert_string_equal(err, want);
}

static void assert_refused(const char *text, const char *want)
{
	assert_refused_with(text, NULL, 0, want);
}

static const struct xmc_value *get(const struct xmc_file *f, const char *name)
{
	const struct xmc_value *v = xmc_get(f, name, NULL);
	if (!v)
		fail_msg("%s is not set", name);
	return v;
}

static void assert_str_value(const struct xmc_value *v, const char *want)
{
	assert_int_equal(v->type, XMC_STRING);
	assert_string_equal(v->str, want);
	assert_int_equal(v->count, strlen(want));
}

static void assert_str(const struct xmc_file *f, const char *name, const char *want)
{
	assert_str_value(get(f, name), want);
}

static void assert_int(const struct xmc_file *f, const char *name, long long want)
{
	const struct xmc_value *v = get(f, name);
	assert_int_equal(v->type, XMC_INT);
	assert_int_equal(v->num, want);
}

/* "NAME = EXPR" alone, and EXPR's value as a string. */
static void assert_expr_str(const char *text, const char *want)
{
	struct xmc_file *f = parse(text);
	assert_str(f, "x", want);
	xmc_free(f);
}

/* ---- Literals ---- */

static void string_literals(void **state)
{
	struct xmc_file *f = parse(
		"a = 'single'\n"
		"b = \"double\"\n"
		"c = '''triple\n"
		"over 'lines'\n"
		"'''\n"
		"d = \"\"\"also \"triple\" \"\"\"\n"
		"e = 'it\\'s \\\"quoted\\\" \\\\ \\n\\t\\x41\\x7e'\n"
		"f = r'raw\\n\\d' + R\"\\x41\"\n"
		"g = 'adjacent ' \"literals \" '''join'''\n"
		"h = ''\n"
		"i = u'unicode prefix'\n"
		"j = 'unknown \\d escape kept'\n"
		"k = 'octal \\101\\7'\n"
		"l = 'continued \\\n"
		"here'\n"
		"m = '\xc3\xa9t\xc3\xa9'\n");
	assert_str(f, "a", "single");
	assert_str(f, "b", "double");
	assert_str(f, "c", "triple\nover 'lines'\n");
	assert_str(f, "d", "also \"triple\" ");
	assert_str(f, "e", "it's \"quoted\" \\ \n\tA~");
	assert_str(f, "f", "raw\\n\\d\\x41");
	assert_str(f, "g", "adjacent literals join");
	assert_str(f, "h", "");
	assert_str(f, "i", "unicode prefix");
	assert_str(f, "j", "unknown \\d escape kept");
	assert_str(f, "k", "octal A\a");
	assert_str(f, "l", "continued here");
	assert_str(f, "m", "\xc3\xa9t\xc3\xa9");
	xmc_free(f);
}

static void number_and_constant_literals(void **state)
{
	struct xmc_file *f = parse(
		"a = 256\n"
		"b = 0x1F\n"
		"c = -5\n"
		"d = 0o17\n"
		"e = 0b101\n"
		"f = 0\n"
		"g = - 0x10\n"
		"h = 9223372036854775807\n"
		"i = True\n"
		"j = False\n"
		"k = None\n"
		"l = +7\n");
	assert_int(f, "a", 256);
	assert_int(f, "b", 31);
	assert_int(f, "c", -5);
	assert_int(f, "d", 15);
	assert_int(f, "e", 5);
	assert_int(f, "f", 0);
	assert_int(f, "g", -16);
	assert_int(f, "h", LLONG_MAX);
	assert_int_equal(get(f, "i")->type, XMC_BOOL);
	assert_int_equal(get(f, "i")->num, 1);
	assert_int_equal(get(f, "j")->type, XMC_BOOL);
	assert_int_equal(get(f, "j")->num, 0);
	assert_int_equal(get(f, "k")->type, XMC_NONE);
	assert_int(f, "l", 7);
	xmc_free(f);
}

static void lists_and_tuples(void **state)
{
	struct xmc_file *f = parse(
		"empty = []\n"
		"unit = ()\n"
		"one = ('a',)\n"
		"grouped = (5)\n"
		"pair = (1, 'two')\n"
		"nested = [[1, [2]], (3,), []]\n"
		"mixed = [True, None, 'x', -1]\n");
	const struct xmc_value *v = get(f, "empty");
	assert_int_equal(v->type, XMC_LIST);
	assert_int_equal(v->count, 0);
	v = get(f, "unit");
	assert_int_equal(v->type, XMC_LIST);
	assert_int_equal(v->count, 0);
	v = get(f, "one");
	assert_int_equal(v->count, 1);
	assert_str_value(&v->items[0], "a");
	assert_int(f, "grouped", 5);
	v = get(f, "pair");
	assert_int_equal(v->count, 2);
	assert_int_equal(v->items[0].num, 1);
	assert_str_value(&v->items[1], "two");
	v = get(f, "nested");
	assert_int_equal(v->count, 3);
	assert_int_equal(v->items[0].type, XMC_LIST);
	assert_int_equal(v->items[0].items[1].items[0].num, 2);
	assert_int_equal(v->items[1].items[0].num, 3);
	assert_int_equal(v->items[2].count, 0);
	v = get(f, "mixed");
	assert_int_equal(v->count, 4);
	assert_int_equal(v->items[0].type, XMC_BOOL);
	assert_int_equal(v->items[1].type, XMC_NONE);
	assert_int_equal(v->items[3].num, -1);
	xmc_free(f);
}

/* ---- Lines and statements ---- */

static void lists_span_lines(void **state)
{
	struct xmc_file *f = parse(
		"# a comment\n"
		"\n"
		"disk = [ 'file:/srv/vm.img,xvda1,w',   # the root\n"
		"         # a comment inside\n"
		"\n"
		"         'phy:/dev/vg/data,xvdb,r', ]     # trailing comma\n"
		"vif = [\n"
		"  'mac=00:16:3e:00:00:01, bridge=xenbr0'\n"
		"]\n"
		"memory = 256\n");
	unsigned line;
	const struct xmc_value *v = xmc_get(f, "disk", &line);
	assert_non_null(v);
	assert_int_equal(line, 3);
	assert_int_equal(v->type, XMC_LIST);
	assert_int_equal(v->count, 2);
	assert_str_value(&v->items[0], "file:/srv/vm.img,xvda1,w");
	assert_str_value(&v->items[1], "phy:/dev/vg/data,xvdb,r");
	v = xmc_get(f, "vif", &line);
	assert_int_equal(line, 7);
	assert_int_equal(v->count, 1);
	xmc_get(f, "memory", &line);
	assert_int_equal(line, 10);
	xmc_free(f);
}

static void semicolons_backslashes_and_crlf(void **state)
{
	struct xmc_file *f = parse(
		"a = 1; b = 2;\n"
		"c = 'x' + \\\n"
		"    'y'\n"
		"d = 4\r\n"
		"e = [1,\r\n"
		"     2]\r\n"
		"   # an indented comment\n"
		"   \n"
		"f = '''two\r\nlines'''\n");
	assert_int(f, "a", 1);
	assert_int(f, "b", 2);
	assert_str(f, "c", "xy");
	assert_int(f, "d", 4);
	assert_int_equal(get(f, "e")->count, 2);
	assert_str(f, "f", "two\nlines");
	unsigned line;
	xmc_get(f, "f", &line);
	assert_int_equal(line, 9);
	xmc_free(f);
}

static void no_newline_at_end_and_empty_files(void **state)
{
	struct xmc_file *f = parse("memory = 64");
	assert_int(f, "memory", 64);
	xmc_free(f);
	f = parse("");
	assert_int_equal(xmc_count(f), 0);
	assert_null(xmc_get(f, "memory", NULL));
	xmc_free(f);
	f = parse("# only a comment");
	assert_int_equal(xmc_count(f), 0);
	xmc_free(f);
}

static void later_assignments_win_and_order_is_first_assignment(void **state)
{
	struct xmc_file *f = parse("b = 1\na = 2\nb = 3\nc = b\n");
	unsigned line;
	assert_int_equal(xmc_get(f, "b", &line)->num, 3);
	assert_int_equal(line, 3);
	assert_int(f, "c", 3);
	assert_int_equal(xmc_count(f), 3);
	const struct xmc_value *v;
	assert_string_equal(xmc_name_at(f, 0, &v, &line), "b");
	assert_int_equal(v->num, 3);
	assert_string_equal(xmc_name_at(f, 1, NULL, NULL), "a");
	assert_string_equal(xmc_name_at(f, 2, NULL, NULL), "c");
	assert_null(xmc_name_at(f, 3, NULL, NULL));
	xmc_free(f);
}

/* ---- Operators ---- */

static void plus_concatenates(void **state)
{
	struct xmc_file *f = parse(
		"extra = \"console=hvc0 \" + \"quiet\"\n"
		"n = 2 + 3 + -1\n"
		"l = ['a'] + ['b', 'c'] + []\n"
		"s = 'a' + 'b%d' % 3\n"
		"extra += ' loglevel=3'\n"
		"l += [1]\n"
		"t = True + 1\n");
	assert_str(f, "extra", "console=hvc0 quiet loglevel=3");
	assert_int(f, "n", 4);
	const struct xmc_value *l = get(f, "l");
	assert_int_equal(l->count, 4);
	assert_str_value(&l->items[2], "c");
	assert_int_equal(l->items[3].num, 1);
	assert_str(f, "s", "ab3");
	assert_int(f, "t", 2);
	xmc_free(f);
}

static void percent_formats(void **state)
{
	assert_expr_str("x = 'vm%d' % 7\n", "vm7");
	assert_expr_str("x = '%s-%s' % ('a', 2)\n", "a-2");
	assert_expr_str("x = 'mac=00:16:3e:00:00:%02x' % 10\n", "mac=00:16:3e:00:00:0a");
	assert_expr_str("x = '%X|%x|%i' % (255, -255, 12)\n", "FF|-ff|12");
	assert_expr_str("x = '[%5s|%-5s|%3d|%-3d|%05d]' % ('ab', 'ab', 7, 7, -42)\n",
			"[   ab|ab   |  7|7  |-0042]");
	assert_expr_str("x = '100%% %s %s %s' % (True, None, 'x')\n", "100% True None x");
	assert_expr_str("x = 'no args' % ()\n", "no args");
	assert_expr_str("x = '%d' % -9223372036854775807\n", "-9223372036854775807");
	assert_expr_str("x = '%s' % 12\n", "12");
	assert_expr_str("x = '%d' % True\n", "1");

	struct xmc_file *f = parse("x = 17 % 5\ny = -7 % 3\nz = 7 % -3\n");
	assert_int(f, "x", 2);
	assert_int(f, "y", 2);  /* Python's sign rule */
	assert_int(f, "z", -2);
	xmc_free(f);
}

/* ---- Defines ---- */

static void defines_feed_the_file(void **state)
{
	char *defs[] = { "vmid=3" };
	struct xmc_file *f = parse_with("name = \"vm%d\" % vmid\n", defs, 1);
	assert_non_null(f);
	assert_str(f, "name", "vm3");
	unsigned line = 99;
	assert_int_equal(xmc_get(f, "vmid", &line)->num, 3);
	assert_int_equal(line, 0);
	xmc_free(f);
}

static void defines_override_the_file(void **state)
{
	char *defs[] = { "memory=512", "name=foo", "neg=-4", "hex=0x10", "empty=", "eq=a=b" };
	struct xmc_file *f = parse_with(
		"memory = 256\n"
		"doubled = memory + memory\n"
		"name = 'from-file'\n"
		"label = name + '!'\n",
		defs, 6);
	assert_non_null(f);
	unsigned line = 99;
	assert_int_equal(xmc_get(f, "memory", &line)->num, 512);
	assert_int_equal(line, 0);
	/* The file saw its own value once it set one. */
	assert_int(f, "doubled", 512);
	assert_str(f, "name", "foo");
	assert_str(f, "label", "from-file!");
	assert_int(f, "neg", -4);
	assert_str(f, "hex", "0x10"); /* decimal only, like int() */
	assert_str(f, "empty", "");
	assert_str(f, "eq", "a=b");
	xmc_free(f);
}

static void bad_defines_are_named(void **state)
{
	char *no_eq[] = { "vmid" };
	char *empty[] = { "=3" };
	char *digit[] = { "9x=1" };
	char *dash[] = { "a-b=1" };
	char *keyword[] = { "import=1" };
	assert_refused_with("", no_eq, 1,
			    "vm.cfg: bad variable 'vmid' on the command line: expected NAME=VALUE");
	assert_refused_with("", empty, 1,
			    "vm.cfg: bad variable '=3' on the command line: expected NAME=VALUE");
	assert_refused_with("", digit, 1,
			    "vm.cfg: bad variable '9x=1' on the command line: expected NAME=VALUE");
	assert_refused_with("", dash, 1,
			    "vm.cfg: bad variable 'a-b=1' on the command line: expected NAME=VALUE");
	assert_refused_with("", keyword, 1,
			    "vm.cfg: bad variable 'import=1' on the command line: expected NAME=VALUE");
}

/* ---- Errors ---- */

static void syntax_errors_name_their_line(void **state)
{
	assert_refused("kernel = '/boot/vmlinuz'\nmemory 256\n",
		       "vm.cfg:2: expected '=' after 'memory'");
	assert_refused("a = 1\n\n\n\n\n\nname = 'vm%d' % vmid\n",
		       "vm.cfg:7: name 'vmid' is not defined");
	assert_refused("a = 1\nb = 2\nc = 3\nd = 'abc\n",
		       "vm.cfg:4: unterminated string");
	assert_refused("d = 'abc\\'\n", "vm.cfg:1: unterminated string");
	assert_refused("x = 1\nd = '''abc\n\n", "vm.cfg:2: unterminated triple-quoted string");
	assert_refused("x = 'abc\\", "vm.cfg:1: unterminated string");
	assert_refused("disk = [ 'a',\n  'b'\n", "vm.cfg:1: '[' is never closed");
	assert_refused("x = (1, [2,\n", "vm.cfg:1: '[' is never closed");
	assert_refused("x = 1]\n", "vm.cfg:1: unmatched ']'");
	assert_refused("x = [1,\n2)\n", "vm.cfg:2: ')' does not match '[' on line 1");
	assert_refused("x = [1 2]\n", "vm.cfg:1: expected ',' or ']', found a number");
	assert_refused("x = (1 2)\n", "vm.cfg:1: expected ',' or ')', found a number");
	assert_refused("x = [,]\n", "vm.cfg:1: expected a value, found ','");
	assert_refused("x =\n", "vm.cfg:1: expected a value, found end of line");
	assert_refused("x = ", "vm.cfg:1: expected a value, found end of file");
	assert_refused("x = 1 2\n", "vm.cfg:1: expected end of line after the value of 'x', found a number");
	assert_refused("  x = 1\n", "vm.cfg:1: unexpected indent (a statement starts in column 1)");
	assert_refused("x = 1;;\n", "vm.cfg:1: expected NAME = value, found ';'");
	assert_refused("'x' = 1\n", "vm.cfg:1: expected NAME = value, found a string");
	assert_refused("x = 1 \\ 2\n",
		       "vm.cfg:1: unexpected character after line continuation '\\'");
	assert_refused("x = 1 \\", "vm.cfg:1: unexpected end of file after '\\'");
}

static void unsupported_python_is_refused(void **state)
{
	assert_refused("import os\n",
		       "vm.cfg:1: 'import' is not supported: only NAME = value assignments");
	assert_refused("if x:\n  y = 1\n",
		       "vm.cfg:1: 'if' is not supported: only NAME = value assignments");
	assert_refused("True = 1\n", "vm.cfg:1: cannot assign to True");
	assert_refused("arch = os.uname()[4]\n", "vm.cfg:1: name 'os' is not defined");
	assert_refused("os = 1\narch = os.uname()\n",
		       "vm.cfg:2: expected end of line after the value of 'arch', found '.'");
	assert_refused("x = not 1\n", "vm.cfg:1: 'not' is not supported in a value");
	assert_refused("x = {'a': 1}\n", "vm.cfg:1: dictionaries are not supported");
	assert_refused("x = 1.5\n", "vm.cfg:1: floating-point numbers are not supported");
	assert_refused("x = 1e3\n", "vm.cfg:1: floating-point numbers are not supported");
	assert_refused("x = 010\n",
		       "vm.cfg:1: leading zeros are not allowed in numbers (0o10 for octal)");
	assert_refused("x = 0x\n", "vm.cfg:1: invalid number");
	assert_refused("x = 12ab\n", "vm.cfg:1: invalid number");
	assert_refused("x = 9223372036854775808\n",
		       "vm.cfg:1: integer too large (the limit is 9223372036854775807)");
	assert_refused("x = 2 * 3\n", "vm.cfg:1: operator '*' is not supported (only + and %)");
	assert_refused("x = 2 - 3\n", "vm.cfg:1: operator '-' is not supported (only + and %)");
	assert_refused("x = 'a' + 1\n", "vm.cfg:1: cannot add a string and an integer");
	assert_refused("x = [1] + 'a'\n", "vm.cfg:1: cannot add a list and a string");
	assert_refused("x = None + 1\n", "vm.cfg:1: cannot add None and an integer");
	assert_refused("x = 9223372036854775807 + 1\n", "vm.cfg:1: integer overflow in '+'");
	assert_refused("x = -'a'\n", "vm.cfg:1: '-' needs a number, not a string");
	assert_refused("x = [1] % 2\n", "vm.cfg:1: cannot use '%' on a list and an integer");
	assert_refused("x = 1 % 0\n", "vm.cfg:1: integer modulo by zero");
	assert_refused("x += 1\n", "vm.cfg:1: name 'x' is not defined");
	assert_refused("x = 'a\\x4'\n", "vm.cfg:1: invalid \\x escape (it takes two hex digits)");
	assert_refused("x = 'a\\x00'\n", "vm.cfg:1: NUL (\\0) in a string is not supported");
	assert_refused("x = 'a\\0'\n", "vm.cfg:1: NUL (\\0) in a string is not supported");
	assert_refused("x = '\\777'\n", "vm.cfg:1: octal escape out of range (above \\377)");
}

static void format_errors(void **state)
{
	assert_refused("x = '%f' % 1\n",
		       "vm.cfg:1: unsupported format character 'f' (only %s %d %i %x %X %%)");
	assert_refused("x = '%(a)s' % 1\n",
		       "vm.cfg:1: unsupported format character '(' (only %s %d %i %x %X %%)");
	assert_refused("x = '%.2s' % 1\n",
		       "vm.cfg:1: unsupported format character '.' (only %s %d %i %x %X %%)");
	assert_refused("x = '%s %s' % 'a'\n", "vm.cfg:1: not enough arguments for format string");
	assert_refused("x = '%s' % ('a', 'b')\n",
		       "vm.cfg:1: not all arguments converted during string formatting");
	assert_refused("x = 'none' % 5\n",
		       "vm.cfg:1: not all arguments converted during string formatting");
	assert_refused("x = '%d' % 'x'\n", "vm.cfg:1: %d needs a number, not a string");
	assert_refused("x = '%s' % ([1],)\n", "vm.cfg:1: %s of a list is not supported");
	assert_refused("x = 'abc%' % 1\n", "vm.cfg:1: incomplete format");
	assert_refused("x = '%5000s' % 1\n", "vm.cfg:1: format width above 4096");
}

/* ---- Limits and hostile input ---- */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t len = strlen(head) + strlen(unit) * n + strlen(tail) + 1;
	char *s = malloc(len);
	assert_non_null(s);
	strcpy(s, head);
	for (size_t i = 0; i < n; i++)
		strcat(s, unit);
	strcat(s, tail);
	return s;
}

static void deep_nesting_is_refused(void **state)
{
	/* 32 levels are fine; 33 are not. */
	char *open = repeat("x = ", "[", 32, "");
	char *text = repeat(open, "]", 32, "\n");
	struct xmc_file *f = parse(text);
	xmc_free(f);
	free(open);
	free(text);

	open = repeat("x = ", "[", 33, "");
	text = repeat(open, "]", 33, "\n");
	assert_refused(text, "vm.cfg:1: nested too deeply (the limit is 32 levels)");
	free(open);
	free(text);

	open = repeat("x = ", "(", 5000, "1");
	text = repeat(open, ")", 5000, "\n");
	assert_refused(text, "vm.cfg:1: nested too deeply (the limit is 32 levels)");
	free(open);
	free(text);

	text = repeat("x = ", "-", 100000, "1\n");
	assert_refused(text, "vm.cfg:1: nested too deeply (the limit is 32 levels)");
	free(text);

	text = repeat("x = ", "[", 100000, "");
	assert_refused(text, "vm.cfg:1: nested too deeply (the limit is 32 levels)");
	free(text);

	/* Through names: each line one level deeper. */
	text = repeat("x = []\n", "x = [x]\n", 40, "");
	assert_refused(text, "vm.cfg:33: nested too deeply (the limit is 32 levels)");
	free(text);
}

static void values_cannot_grow_without_bound(void **state)
{
	char *text = repeat("x = 'abcdefghijklmnopqrstuvwxyz0123456789'\n", "x = x + x\n", 64, "");
	struct xmc_file *f = parse_with(text, NULL, 0);
	assert_null(f);
	assert_non_null(strstr(err, ": values too large (more than 16 MiB built while parsing)"));
	free(text);

	text = repeat("x = [1, 2, 3, 4]\n", "x = [x, x, x, x]\n", 30, "");
	f = parse_with(text, NULL, 0);
	assert_null(f);
	assert_non_null(strstr(err, ": values too large (more than 16 MiB built while parsing)"));
	free(text);

	/* Widths: 4096 times "%4096s" would make 16 MiB. */
	text = repeat("x = '%4096s'\na = [1]\n", "x = x + x\na = a + a\n", 12, "y = x % a\n");
	f = parse_with(text, NULL, 0);
	assert_null(f);
	assert_non_null(strstr(err, ":27: values too large (more than 16 MiB built while parsing)"));
	free(text);
}

static void nul_and_garbage_bytes_are_refused(void **state)
{
	static const char with_nul[] = "x = 1\ny = 'a\0b'\n";
	struct xmc_file *f = xmc_parse("vm.cfg", with_nul, sizeof(with_nul) - 1, NULL, 0,
				       err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, "vm.cfg:2: NUL byte in the file (is it a text file?)");

	assert_refused("x = 1\n\x80\xff = 2\n", "vm.cfg:2: invalid character '\\x80'");
	assert_refused("x = @\n", "vm.cfg:1: invalid character '@'");
	assert_refused("x = 1\x01\n", "vm.cfg:1: invalid character '\\x01'");
	assert_refused("x = $y\n", "vm.cfg:1: invalid character '$'");
	/* Length, not the terminator, bounds the text. */
	f = xmc_parse("vm.cfg", "x = 'abc'", 7, NULL, 0, err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, "vm.cfg:1: unterminated string");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random bytes, random syntax and a real config with bytes flipped: never a
 * crash, a leak (ASan) or an error without its "PATH:" prefix. */
static void random_input_never_crashes(void **state)
{
	static const char syntax[] = "[](){}'\"\\#\n\r =+%-,;:.abcrux019_\t%sdx";
	static const char config[] =
		"kernel = \"/boot/vmlinuz-6.12\"\n"
		"memory = 256\n"
		"name = \"vm%d\" % vmid\n"
		"vif = [ 'mac=00:16:3e:00:00:%02x, bridge=xenbr0' % vmid ]\n"
		"disk = [ 'file:/srv/vm.img,xvda1,w',\n"
		"         'phy:/dev/vg/data,xvdb,r', ]\n"
		"extra = \"console=hvc0 \" + '''quiet''' + r'\\n'\n"
		"t = (1, (2, [3]), -0x4); t += [t]\n";
	char *defs[] = { "vmid=3" };
	char buf[512];

	for (int i = 0; i < 30000; i++) {
		size_t len;
		if (i % 3 == 0) {
			len = rng() % sizeof(buf);
			for (size_t j = 0; j < len; j++)
				buf[j] = (char)rng();
		} else if (i % 3 == 1) {
			len = rng() % sizeof(buf);
			for (size_t j = 0; j < len; j++)
				buf[j] = syntax[rng() % (sizeof(syntax) - 1)];
		} else {
			len = sizeof(config) - 1;
			memcpy(buf, config, len);
			for (int k = (int)(rng() % 4); k >= 0; k--)
				buf[rng() % len] = (char)(rng() % 4 ? syntax[rng() % (sizeof(syntax) - 1)]
							       : (char)rng());
		}
		struct xmc_file *f = xmc_parse("vm.cfg", buf, len, defs, 1, err, sizeof(err));
		if (f)
			xmc_free(f);
		else
			assert_true(strncmp(err, "vm.cfg:", 7) == 0);
	}
	/* The unmutated config parses. */
	struct xmc_file *f = xmc_parse("vm.cfg", config, sizeof(config) - 1, defs, 1, err,
				       sizeof(err));
	assert_non_null(f);
	assert_str(f, "name", "vm3");
	xmc_free(f);
}

static void file_size_is_capped(void **state)
{
	/* Exactly 1 MiB of comments is fine. */
	size_t len = XMC_MAX_FILE_SIZE;
	char *text = malloc(2 * len);
	assert_non_null(text);
	memset(text, '#', 2 * len);
	for (size_t i = 63; i < 2 * len; i += 64)
		text[i] = '\n';
	write_bytes("max.cfg", text, len);
	struct xmc_file *f = xmc_parse_file("max.cfg", NULL, 0, err, sizeof(err));
	assert_non_null(f);
	xmc_free(f);

	write_bytes("big.cfg", text, 2 * len);
	f = xmc_parse_file("big.cfg", NULL, 0, err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, "big.cfg: larger than 1 MiB, too large for a config file");
	f = xmc_parse("big.cfg", text, 2 * len, NULL, 0, err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, "big.cfg: larger than 1 MiB, too large for a config file");

	struct xm_domain_config c;
	assert_int_equal(xm_domain_config_load("big.cfg", NULL, 0, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "big.cfg: larger than 1 MiB, too large for a config file");
	free(text);
}

static void unreadable_files_say_why(void **state)
{
	struct xmc_file *f = xmc_parse_file("nope.cfg", NULL, 0, err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, "nope.cfg: No such file or directory");
	f = xmc_parse_file("etc", NULL, 0, err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, "etc: Is a directory");
	/* A small buffer is cut short, still terminated. */
	char small[8];
	f = xmc_parse_file("nope.cfg", NULL, 0, small, sizeof(small));
	assert_null(f);
	assert_string_equal(small, "nope.cf");
	assert_null(xmc_parse_file("nope.cfg", NULL, 0, NULL, 0));
}

static void repr_quotes_for_messages(void **state)
{
	char buf[128];
	struct xmc_value s = { .type = XMC_STRING, .str = "it's\n\x01", .count = 6 };
	xmc_repr(&s, buf, sizeof(buf));
	assert_string_equal(buf, "'it\\'s\\n\\x01'");
	struct xmc_value i = { .type = XMC_INT, .num = -3 };
	xmc_repr(&i, buf, sizeof(buf));
	assert_string_equal(buf, "-3");
	struct xmc_value n = { .type = XMC_NONE };
	xmc_repr(&n, buf, sizeof(buf));
	assert_string_equal(buf, "None");
	char longer[100];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[99] = '\0';
	struct xmc_value l = { .type = XMC_STRING, .str = longer, .count = 99 };
	xmc_repr(&l, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 1 + 60 + 4);
	xmc_repr(&l, buf, 5);
	assert_string_equal(buf, "'aaa");
}

/* ---- The domain layer ---- */

static int load_with(const char *text, char *const *defines, size_t n, struct xm_domain_config *c)
{
	write_file("vm.cfg", text);
	return xm_domain_config_load("vm.cfg", defines, n, c, err, sizeof(err));
}

static void load_ok(const char *text, struct xm_domain_config *c)
{
	if (load_with(text, NULL, 0, c) < 0)
		fail_msg("refused: %s\n--- for ---\n%s", err, text);
}

static void assert_load_error_with(const char *text, char *const *defines, size_t n,
				   const char *want)
{
	struct xm_domain_config c;
	if (load_with(text, defines, n, &c) == 0) {
		xm_domain_config_free(&c);
		fail_msg("loaded, but should say \"%s\":\n%s", want, text);
	}
	assert_string_equal(err, want);
	assert_null(c.name);
	assert_null(c.kernel);
}

static void assert_load_error(const char *text, const char *want)
{
	assert_load_error_with(text, NULL, 0, want);
}

/* FILE in the test's directory, as an absolute path. */
static char *here(const char *file)
{
	char cwd[PATH_MAX], *path;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_true(asprintf(&path, "%s/%s", cwd, file) > 0);
	return path;
}

static void domain_defaults(void **state)
{
	struct xm_domain_config c;
	load_ok("name = 'small'\nkernel = 'vmlinuz'\n", &c);
	assert_string_equal(c.name, "small");
	assert_int_equal(c.memory_mb, 128);
	assert_int_equal(c.maxmem_mb, 128);
	assert_int_equal(c.vcpus, 1);
	char *kernel = here("vmlinuz");
	assert_string_equal(c.kernel, kernel); /* absolute */
	free(kernel);
	assert_null(c.ramdisk);
	assert_null(c.cmdline);
	assert_null(c.uuid);
	assert_int_equal(c.on_poweroff, XM_ON_DESTROY);
	assert_int_equal(c.on_reboot, XM_ON_RESTART);
	assert_int_equal(c.on_crash, XM_ON_RESTART);
	assert_int_equal(c.ndisk, 0);
	assert_null(c.disk);
	assert_int_equal(c.nvif, 0);
	assert_null(c.vif);
	xm_domain_config_free(&c);
	xm_domain_config_free(&c); /* emptied: safe twice */
}

static void domain_full_example(void **state)
{
	char *kernel = here("vmlinuz"), *ramdisk = here("initrd.img");
	char *text;
	assert_true(asprintf(&text,
		"# comment\n"
		"kernel = \"%s\"\n"
		"ramdisk = '%s'\n"
		"memory = 256\n"
		"maxmem = '512'\n"
		"name = \"vm%%d\" %% vmid          # vmid given on the command line\n"
		"vcpus = 2\n"
		"uuid = '01234567-89ab-CDEF-0123-456789abcdef'\n"
		"vif = [ 'mac=00:16:3e:00:00:01, bridge=xenbr0' ]\n"
		"disk = [ 'file:/srv/vm.img,xvda1,w',\n"
		"         'phy:/dev/vg/data,xvdb,r', ]     # lists span lines\n"
		"root = \"/dev/xvda1 ro\"\n"
		"extra = \"console=hvc0 \" + \"quiet\"\n"
		"on_poweroff = 'destroy'\n"
		"on_reboot   = 'preserve'\n"
		"on_crash    = 'rename-restart'\n"
		"bootloader = 'pygrub'   # unknown: ignored\n"
		"vfb = [ 'vnc=1' ]\n", kernel, ramdisk) > 0);
	char *defs[] = { "vmid=3" };
	struct xm_domain_config c;
	if (load_with(text, defs, 1, &c) < 0)
		fail_msg("%s", err);
	assert_string_equal(c.name, "vm3");
	assert_string_equal(c.kernel, kernel);
	assert_string_equal(c.ramdisk, ramdisk);
	assert_int_equal(c.memory_mb, 256);
	assert_int_equal(c.maxmem_mb, 512);
	assert_int_equal(c.vcpus, 2);
	assert_string_equal(c.uuid, "01234567-89ab-CDEF-0123-456789abcdef");
	assert_string_equal(c.cmdline, "root=/dev/xvda1 ro console=hvc0 quiet");
	assert_int_equal(c.on_poweroff, XM_ON_DESTROY);
	assert_int_equal(c.on_reboot, XM_ON_PRESERVE);
	assert_int_equal(c.on_crash, XM_ON_RENAME_RESTART);
	assert_int_equal(c.nvif, 1);
	assert_string_equal(c.vif[0], "mac=00:16:3e:00:00:01, bridge=xenbr0");
	assert_int_equal(c.ndisk, 2);
	assert_string_equal(c.disk[0], "file:/srv/vm.img,xvda1,w");
	assert_string_equal(c.disk[1], "phy:/dev/vg/data,xvdb,r");
	assert_string_equal(xm_on_event_name(c.on_crash), "rename-restart");
	xm_domain_config_free(&c);
	free(text);
	free(kernel);
	free(ramdisk);
}

static void domain_cmdline_rule(void **state)
{
	struct xm_domain_config c;
	load_ok("name = 'a'\nkernel = 'vmlinuz'\nroot = '/dev/xvda1 ro'\nextra = 'quiet'\n", &c);
	assert_string_equal(c.cmdline, "root=/dev/xvda1 ro quiet");
	xm_domain_config_free(&c);

	load_ok("name = 'a'\nkernel = 'vmlinuz'\nextra = 'console=hvc0'\n", &c);
	assert_string_equal(c.cmdline, "console=hvc0");
	xm_domain_config_free(&c);

	load_ok("name = 'a'\nkernel = 'vmlinuz'\nroot = '/dev/xvda1'\n", &c);
	assert_string_equal(c.cmdline, "root=/dev/xvda1");
	xm_domain_config_free(&c);

	load_ok("name = 'a'\nkernel = 'vmlinuz'\nroot = 'root=/dev/xvda1'\nextra = ''\n", &c);
	assert_string_equal(c.cmdline, "root=/dev/xvda1");
	xm_domain_config_free(&c);

	load_ok("name = 'a'\nkernel = 'vmlinuz'\nroot = None\nextra = ''\n", &c);
	assert_null(c.cmdline);
	xm_domain_config_free(&c);
}

static void domain_single_strings_and_overrides(void **state)
{
	struct xm_domain_config c;
	char *defs[] = { "memory=1024", "name=override" };
	if (load_with("name = 'file'\nkernel = 'vmlinuz'\nmemory = 64\nvif = ''\n"
		      "disk = 'phy:/dev/sda,xvda,w'\nramdisk = ''\n", defs, 2, &c) < 0)
		fail_msg("%s", err);
	assert_string_equal(c.name, "override");
	assert_int_equal(c.memory_mb, 1024);
	assert_int_equal(c.maxmem_mb, 1024);
	assert_int_equal(c.nvif, 1);
	assert_string_equal(c.vif[0], "");
	assert_int_equal(c.ndisk, 1);
	assert_string_equal(c.disk[0], "phy:/dev/sda,xvda,w");
	assert_null(c.ramdisk);
	xm_domain_config_free(&c);
}

static void domain_errors(void **state)
{
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory = 'lots'\n",
			  "vm.cfg:3: memory = 'lots': must be a number of MiB");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory = 8\n",
			  "vm.cfg:3: memory = 8: must be from 16 to 1048576 MiB");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory = 1048577\n",
			  "vm.cfg:3: memory = 1048577: must be from 16 to 1048576 MiB");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory = -256\n",
			  "vm.cfg:3: memory = -256: must be from 16 to 1048576 MiB");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory = [256]\n",
			  "vm.cfg:3: memory = [...]: must be a number of MiB");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory = 256\nmaxmem = 128\n",
			  "vm.cfg:4: maxmem = 128: must be at least memory (256 MiB)");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvcpus = 0\n",
			  "vm.cfg:3: vcpus = 0: must be from 1 to 64");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvcpus = 65\n",
			  "vm.cfg:3: vcpus = 65: must be from 1 to 64");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvcpus = '2'\n",
			  "vm.cfg:3: vcpus = '2': must be a number of vCPUs");
	assert_load_error("name = 'a'\n",
			  "vm.cfg: no kernel given (kernel = \"/path/to/vmlinuz\")");
	assert_load_error("name = 'a'\nkernel = '/nope'\n",
			  "vm.cfg:2: kernel /nope: No such file or directory");
	assert_load_error("name = 'a'\nkernel = 5\n",
			  "vm.cfg:2: kernel = 5: must be a string, not an integer");
	assert_load_error("name = 'a'\nkernel = ''\n", "vm.cfg:2: kernel = '': must be a path");

	char *want, *etc = here("etc");
	assert_true(asprintf(&want, "vm.cfg:2: kernel %s: not a regular file", etc) > 0);
	assert_load_error("name = 'a'\nkernel = 'etc'\n", want);
	free(want);
	free(etc);
	char *missing = here("missing.img");
	assert_true(asprintf(&want, "vm.cfg:3: ramdisk %s: No such file or directory", missing) > 0);
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nramdisk = 'missing.img'\n", want);
	free(want);
	free(missing);

	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\n\n\n\n\n\n\non_crash = 'explode'\n",
			  "vm.cfg:9: on_crash = 'explode': must be destroy, restart, preserve or "
			  "rename-restart");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\non_reboot = 1\n",
			  "vm.cfg:3: on_reboot = 1: must be a string, not an integer");
	assert_load_error("kernel = 'vmlinuz'\n", "vm.cfg: no name given (name = \"myvm\")");
	static const char name_rule[] = ": must be 1 to 64 letters, digits, '_', '.' or '-', "
					"not starting with '.' or '-' (names become file names)";
	char *text = NULL;
	struct { const char *cfg, *shown; } bad_names[] = {
		{ "name = 'a b'\n", "'a b'" },
		{ "name = ''\n", "''" },
		{ "name = '../etc'\n", "'../etc'" },
		{ "name = '-rf'\n", "'-rf'" },
		{ "name = 'caf\xc3\xa9'\n", "'caf\\xc3\\xa9'" },
	};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		assert_true(asprintf(&want, "vm.cfg:1: name = %s%s", bad_names[i].shown, name_rule) > 0);
		assert_true(asprintf(&text, "%skernel = 'vmlinuz'\n", bad_names[i].cfg) > 0);
		assert_load_error(text, want);
		free(want);
		free(text);
	}
	text = repeat("name = '", "a", 65, "'\nkernel = 'vmlinuz'\n");
	assert_true(asprintf(&want, "vm.cfg:1: name = '%.60s'...%s",
			     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			     name_rule) > 0);
	assert_load_error(text, want);
	free(want);
	free(text);
	text = repeat("name = '", "a", 64, "'\nkernel = 'vmlinuz'\n");
	struct xm_domain_config c;
	load_ok(text, &c);
	xm_domain_config_free(&c);
	free(text);

	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nuuid = '0123'\n",
			  "vm.cfg:3: uuid = '0123': must be a UUID like "
			  "01234567-89ab-cdef-0123-456789abcdef");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\n"
			  "uuid = '01234567-89ab-cdef-0123-456789abcdefa'\n",
			  "vm.cfg:3: uuid = '01234567-89ab-cdef-0123-456789abcdefa': must be a UUID "
			  "like 01234567-89ab-cdef-0123-456789abcdef");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ndisk = 5\n",
			  "vm.cfg:3: disk = 5: must be a string or a list of strings, not an integer");
	/* Disk entries are checked when the config is read, naming the line. */
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ndisk = ['file:/srv/a.img,vda,w']\n",
			  "vm.cfg:3: disk = [...]: disk entry 'file:/srv/a.img,vda,w': "
			  "'vda' is not a device name Xen knows (xvda, xvdb1, hda, sdc, ...)");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\n"
			  "disk = ['file:/srv/a.img,xvda,w', 'phy:sdb,51712,r']\n",
			  "vm.cfg:3: disk = [...]: two entries name the same device (51712)");
	/* So are vif entries. */
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvif = ['bridge=xenbr0, rate=fast']\n",
			  "vm.cfg:3: vif = [...]: vif entry 'bridge=xenbr0, rate=fast': rate 'fast' is not a "
			  "rate Xen takes (10Mb/s, 1MB/s@20ms, ...)");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\n"
			  "vif = ['mac=00:16:3e:00:00:01', 'mac=00:16:3E:00:00:01,bridge=xenbr1']\n",
			  "vm.cfg:3: vif = [...]: two entries have the MAC 00:16:3e:00:00:01");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvif = ['vifname=web', 'vifname=web']\n",
			  "vm.cfg:3: vif = [...]: two entries have the vifname web");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvif = ['a',\n 5]\n",
			  "vm.cfg:3: vif = [...]: item 2 of the list is an integer; each must be a "
			  "string");
	/* Parse errors come through unchanged. */
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmemory 256\n",
			  "vm.cfg:3: expected '=' after 'memory'");
	assert_load_error_with("name = 'a'\nkernel = 'vmlinuz'\n", (char *[]){ "memory=lots" }, 1,
			       "vm.cfg: memory = 'lots' (on the command line): must be a number of MiB");
	struct xm_domain_config gone;
	assert_int_equal(xm_domain_config_load("gone.cfg", NULL, 0, &gone, err, sizeof(err)), -1);
	assert_string_equal(err, "gone.cfg: No such file or directory");
}

/* cpu_weight and cpu_cap, as Xen 3's xm took them: Xen's defaults, and
 * its ranges (a cap of 100 per vCPU at most). */
static void domain_credit_scheduler(void **state)
{
	struct xm_domain_config c;
	load_ok("name = 'a'\nkernel = 'vmlinuz'\n", &c);
	assert_int_equal(c.cpu_weight, 256);
	assert_int_equal(c.cpu_cap, 0);
	xm_domain_config_free(&c);
	load_ok("name = 'a'\nkernel = 'vmlinuz'\nvcpus = 2\ncpu_weight = 512\ncpu_cap = 200\n", &c);
	assert_int_equal(c.cpu_weight, 512);
	assert_int_equal(c.cpu_cap, 200);
	xm_domain_config_free(&c);
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpu_weight = 0\n",
			  "vm.cfg:3: cpu_weight = 0: Cpu weight out of range, valid values are within range "
			  "from 1 to 65535");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpu_weight = 65536\n",
			  "vm.cfg:3: cpu_weight = 65536: Cpu weight out of range, valid values are within range "
			  "from 1 to 65535");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpu_cap = 101\n",
			  "vm.cfg:3: cpu_cap = 101: Cpu cap out of range, valid range is from 0 to 100 for "
			  "specified number of vcpus");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpu_cap = -1\n",
			  "vm.cfg:3: cpu_cap = -1: Cpu cap out of range, valid range is from 0 to 100 for "
			  "specified number of vcpus");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpu_weight = '512'\n",
			  "vm.cfg:3: cpu_weight = '512': must be a whole number");
}

/* maxvcpus and vcpus: what the domain has and how many are online at
 * boot; cpus: the host CPUs of every vCPU, or of each. */
static void domain_vcpus_and_cpus(void **state)
{
	struct xm_domain_config c;
	load_ok("name = 'a'\nkernel = 'vmlinuz'\nmaxvcpus = 4\nvcpus = 2\n", &c);
	assert_int_equal(c.maxvcpus, 4);
	assert_int_equal(c.vcpus, 2);
	assert_int_equal(c.ncpus, 0);
	xm_domain_config_free(&c);
	load_ok("name = 'a'\nkernel = 'vmlinuz'\nmaxvcpus = 3\n", &c);
	assert_int_equal(c.maxvcpus, 3);
	assert_int_equal(c.vcpus, 3); /* all online, as Xen's xm */
	xm_domain_config_free(&c);
	load_ok("name = 'a'\nkernel = 'vmlinuz'\nvcpus = 2\ncpus = '0-3,^1'\n", &c);
	assert_int_equal(c.maxvcpus, 2);
	assert_int_equal(c.ncpus, 1);
	assert_false(c.cpus_each);
	assert_string_equal(c.cpus[0], "0-3,^1");
	xm_domain_config_free(&c);
	load_ok("name = 'a'\nkernel = 'vmlinuz'\nvcpus = 2\ncpus = ['2', '']\n", &c);
	assert_true(c.cpus_each);
	assert_int_equal(c.ncpus, 2);
	assert_string_equal(c.cpus[0], "2");
	assert_string_equal(c.cpus[1], "");
	xm_domain_config_free(&c);
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmaxvcpus = 2\nvcpus = 3\n",
			  "vm.cfg:4: vcpus = 3: must be at most maxvcpus (2)");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nmaxvcpus = 65\n",
			  "vm.cfg:3: maxvcpus = 65: must be from 1 to 64");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpus = '0-x'\n",
			  "vm.cfg:3: cpus = '0-x': '0-x' in the CPU list '0-x' is not a CPU (N), a range (N-M) or an "
			  "exclusion (^N) of CPUs 0 to 1023");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\nvcpus = 1\ncpus = ['0', '1']\n",
			  "vm.cfg:4: cpus = [...]: has 2 entries, one per vCPU, and maxvcpus is 1");
	assert_load_error("name = 'a'\nkernel = 'vmlinuz'\ncpus = 1\n",
			  "vm.cfg:3: cpus = 1: must be a string or a list of strings, not an integer");
}

static void finding_configs(void **state)
{
	write_file("local.cfg", "");
	write_file("etc/shared", "");
	char *etc = here("etc");
	assert_int_equal(setenv("XENON_CONFIG_DIR", etc, 1), 0);

	char *path = xm_config_find("local.cfg");
	assert_string_equal(path, "local.cfg");
	free(path);
	path = xm_config_find("./anything");
	assert_string_equal(path, "./anything"); /* a path is taken as given */
	free(path);
	path = xm_config_find("shared");
	char *want;
	assert_true(asprintf(&want, "%s/shared", etc) > 0);
	assert_string_equal(path, want);
	free(want);
	free(path);
	errno = 0;
	assert_null(xm_config_find("absent"));
	assert_int_equal(errno, ENOENT);
	assert_null(xm_config_find(""));
	/* A folder here named like the config does not hide /etc/xen's file. */
	write_file("etc/bench", "");
	assert_int_equal(mkdir("bench", 0755), 0);
	path = xm_config_find("bench");
	assert_true(asprintf(&want, "%s/bench", etc) > 0);
	assert_string_equal(path, want);
	free(want);
	free(path);
	rmdir("bench");

	unsetenv("XENON_CONFIG_DIR");
	assert_null(xm_config_find("shared")); /* not in /etc/xen */
	free(etc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(string_literals),
		cmocka_unit_test(number_and_constant_literals),
		cmocka_unit_test(lists_and_tuples),
		cmocka_unit_test(lists_span_lines),
		cmocka_unit_test(semicolons_backslashes_and_crlf),
		cmocka_unit_test(no_newline_at_end_and_empty_files),
		cmocka_unit_test(later_assignments_win_and_order_is_first_assignment),
		cmocka_unit_test(plus_concatenates),
		cmocka_unit_test(percent_formats),
		cmocka_unit_test(defines_feed_the_file),
		cmocka_unit_test(defines_override_the_file),
		cmocka_unit_test(bad_defines_are_named),
		cmocka_unit_test(syntax_errors_name_their_line),
		cmocka_unit_test(unsupported_python_is_refused),
		cmocka_unit_test(format_errors),
		cmocka_unit_test(deep_nesting_is_refused),
		cmocka_unit_test(values_cannot_grow_without_bound),
		cmocka_unit_test(nul_and_garbage_bytes_are_refused),
		cmocka_unit_test(random_input_never_crashes),
		cmocka_unit_test(file_size_is_capped),
		cmocka_unit_test(unreadable_files_say_why),
		cmocka_unit_test(repr_quotes_for_messages),
		cmocka_unit_test(domain_defaults),
		cmocka_unit_test(domain_full_example),
		cmocka_unit_test(domain_cmdline_rule),
		cmocka_unit_test(domain_single_strings_and_overrides),
		cmocka_unit_test(domain_errors),
		cmocka_unit_test(domain_credit_scheduler),
		cmocka_unit_test(domain_vcpus_and_cpus),
		cmocka_unit_test(finding_configs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
