/* The parser for xm's domain config files (/etc/xen/NAME).
 *
 * Those files are Python that xm runs. We never run them: we read the safe
 * subset that real configs use and refuse the rest with a "PATH:LINE: what"
 * message.
 *
 * Statements: NAME = EXPR or NAME += EXPR, one per logical line, or several
 * separated by ';'. '#' starts a comment. A line continues while a (, [ or a
 * triple-quoted string is open, or after a trailing backslash. Statements
 * start in column 0, as Python wants.
 *
 * Expressions:
 *   strings    '..' ".." '''..''' """..""", with r (raw) or u prefixes;
 *              escapes \n \t \r \a \b \f \v \\ \' \" \xNN \OOO and
 *              backslash-newline; other escapes are kept as written (as in
 *              Python 2). Adjacent literals concatenate. NUL is refused.
 *   integers   decimal, 0x hex, 0o octal, 0b binary; leading - or +.
 *              Floats and integers beyond 64 bits are refused.
 *   True False None
 *   lists      [a, b,] and tuples (a, b) / (a,) / (), tuples as lists;
 *              items of any type.
 *   NAME       the value of an earlier assignment or a command-line define.
 *   a + b      two strings, two integers or two lists.
 *   a % b      string formatting: %s %d %i %x %X %%, with the flags - and 0
 *              and a width; a list on the right gives the arguments. On two
 *              integers, the remainder.
 *
 * Defines ("xm create vm.cfg vmid=3"): NAME=VALUE, an integer if VALUE is
 * one (decimal), otherwise a string. They are set before the file runs, so
 * the file sees them, and again after it, so they win over the file's own
 * assignments, as in xm.
 *
 * Limits, so that any input is safe: a file of at most 1 MiB, nesting at
 * most 32 deep, and at most 16 MiB of values built while parsing. */
#ifndef XENON_XM_CONFIG_H
#define XENON_XM_CONFIG_H

#include <stddef.h>

#define XMC_MAX_FILE_SIZE (1u << 20)
#define XMC_MAX_NESTING 32

enum xmc_type { XMC_NONE, XMC_BOOL, XMC_INT, XMC_STRING, XMC_LIST };

struct xmc_value {
	enum xmc_type type;
	long long num;              /* XMC_INT; XMC_BOOL: 0 or 1 */
	char *str;                  /* XMC_STRING, NUL-terminated */
	struct xmc_value *items;    /* XMC_LIST (NULL when empty) */
	size_t count;               /* XMC_LIST: items; XMC_STRING: strlen(str) */
};

/* The parsed file: every name in the order of its first assignment, each
 * with its value and the line that assigned it (0: the command line). */
struct xmc_file;

/* Parses TEXT (LEN bytes, no terminator needed). PATH only names the file
 * in messages. DEFINES are "NAME=VALUE" strings. On error returns NULL with
 * one line in ERR: "PATH:LINE: what", or "PATH: what". */
struct xmc_file *xmc_parse(const char *path, const char *text, size_t len,
			   char *const *defines, size_t ndefines,
			   char *err, size_t errlen);

/* Reads PATH and parses it; "PATH: No such file or directory" and the like
 * if it cannot be read. */
struct xmc_file *xmc_parse_file(const char *path,
				char *const *defines, size_t ndefines,
				char *err, size_t errlen);

/* NAME's value, or NULL if the file never sets it. LINE_OUT (if not NULL)
 * gets the line of the assignment that holds, 0 for the command line. */
const struct xmc_value *xmc_get(const struct xmc_file *f, const char *name,
				unsigned *line_out);

/* The names in order: I from 0 to xmc_count() - 1. */
size_t xmc_count(const struct xmc_file *f);
const char *xmc_name_at(const struct xmc_file *f, size_t i,
			const struct xmc_value **value_out,
			unsigned *line_out);

void xmc_free(struct xmc_file *f);

/* V as Python would print it in a message ('abc', 12, True, [...]),
 * unprintable bytes as \xNN, long strings cut short with "...". */
void xmc_repr(const struct xmc_value *v, char *buf, size_t len);

/* A name for V's type in messages: "a string", "an integer", ... */
const char *xmc_type_name(enum xmc_type type);

#endif
