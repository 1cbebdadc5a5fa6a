/* Reading S-expressions (sxp.h): a recursive descent over the text, each
 * node remembering its line so that errors and settings can name it. */
#include "sxp.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than any configuration nests; a file beyond it is refused rather
 * than allowed to exhaust the stack. */
#define MAX_DEPTH 64
/* A configuration file is small; this keeps a mistaken path (a disk image)
 * from being read whole. */
#define MAX_FILE (1 << 20)

struct reader {
	const char *p, *end;
	unsigned line;
	unsigned err_line;
	char *err;
	size_t errlen;
};

static int fail(struct reader *r, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct reader *r, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	r->err_line = line;
	return -1;
}

/* Steps over blanks and comments; false at the end of the text. */
static bool skip_space(struct reader *r)
{
	while (r->p < r->end) {
		if (*r->p == '\n') {
			r->line++;
			r->p++;
		} else if (isspace((unsigned char)*r->p)) {
			r->p++;
		} else if (*r->p == '#') {
			while (r->p < r->end && *r->p != '\n')
				r->p++;
		} else {
			return true;
		}
	}
	return false;
}

static int append(struct sxp *list, struct sxp *item)
{
	if ((list->n & (list->n - 1)) == 0) { /* 0, 1, 2, 4, ...: full */
		struct sxp *more = realloc(list->items, (list->n ? list->n * 2 : 1) * sizeof(*more));
		if (!more)
			return -1;
		list->items = more;
	}
	list->items[list->n++] = *item;
	return 0;
}

static int read_string(struct reader *r, struct sxp *out)
{
	char quote = *r->p++;
	unsigned start = r->line;
	size_t cap = 16, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return fail(r, start, "out of memory");
	for (;;) {
		if (r->p >= r->end) {
			free(buf);
			return fail(r, start, "a string opened with %c is never closed", quote);
		}
		char c = *r->p++;
		if (c == quote)
			break;
		if (c == '\n')
			r->line++;
		if (c == '\\' && r->p < r->end) {
			c = *r->p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
			else if (c == '\n')
				r->line++;
		}
		if (c == '\0') {
			free(buf);
			return fail(r, r->line, "a NUL byte in a string");
		}
		if (len + 1 >= cap) {
			char *more = realloc(buf, cap *= 2);
			if (!more) {
				free(buf);
				return fail(r, start, "out of memory");
			}
			buf = more;
		}
		buf[len++] = c;
	}
	buf[len] = '\0';
	*out = (struct sxp){ .atom = buf, .line = start };
	return 0;
}

static int read_word(struct reader *r, struct sxp *out)
{
	const char *start = r->p;
	while (r->p < r->end && !isspace((unsigned char)*r->p) && *r->p != '(' && *r->p != ')' && *r->p != '\0')
		r->p++;
	if (r->p < r->end && *r->p == '\0')
		return fail(r, r->line, "a NUL byte");
	*out = (struct sxp){ .atom = strndup(start, (size_t)(r->p - start)), .line = r->line };
	return out->atom ? 0 : fail(r, r->line, "out of memory");
}

static int read_value(struct reader *r, struct sxp *out, int depth);

/* The items of a list whose '(' has been read, up to its ')'. */
static int read_list(struct reader *r, struct sxp *out, unsigned start, int depth)
{
	*out = (struct sxp){ .line = start };
	if (depth > MAX_DEPTH)
		return fail(r, start, "lists nest deeper than %d", MAX_DEPTH);
	for (;;) {
		if (!skip_space(r))
			return fail(r, start, "a '(' is never closed");
		if (*r->p == ')') {
			r->p++;
			return 0;
		}
		struct sxp item;
		if (read_value(r, &item, depth + 1) < 0)
			return -1;
		if (append(out, &item) < 0) {
			sxp_free(&item);
			return fail(r, start, "out of memory");
		}
	}
}

static int read_value(struct reader *r, struct sxp *out, int depth)
{
	switch (*r->p) {
	case '(': {
		unsigned start = r->line;
		r->p++;
		if (read_list(r, out, start, depth) < 0) {
			sxp_free(out);
			return -1;
		}
		return 0;
	}
	case ')':
		return fail(r, r->line, "a ')' that closes nothing");
	case '\'':
	case '"':
		return read_string(r, out);
	default:
		return read_word(r, out);
	}
}

int sxp_parse(const char *text, size_t len, struct sxp *top, unsigned *line, char *err, size_t errlen)
{
	struct reader r = { .p = text, .end = text + len, .line = 1, .err = err, .errlen = errlen };
	*top = (struct sxp){ .line = 1 };
	while (skip_space(&r)) {
		struct sxp item;
		if (read_value(&r, &item, 1) < 0)
			goto fail;
		if (item.atom) {
			fail(&r, item.line, "'%.40s' stands outside any (key value) list", item.atom);
			sxp_free(&item);
			goto fail;
		}
		if (item.n == 0 || !item.items[0].atom) {
			fail(&r, item.line, "a list at the top level must start with its key: (key value ...)");
			sxp_free(&item);
			goto fail;
		}
		if (append(top, &item) < 0) {
			sxp_free(&item);
			fail(&r, r.line, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	*line = r.err_line;
	sxp_free(top);
	return -1;
}

int sxp_load(const char *path, struct sxp *top, char *err, size_t errlen)
{
	*top = (struct sxp){ .line = 1 };
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = malloc(MAX_FILE + 1);
	size_t len = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
	bool failed = !text || ferror(f);
	int e = errno;
	fclose(f);
	if (failed || len > MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path,
			 !text ? "out of memory" : failed ? strerror(e) : "larger than a configuration file can be (1 MiB)");
		free(text);
		return -1;
	}
	unsigned line;
	char why[256];
	int r = sxp_parse(text, len, top, &line, why, sizeof(why));
	free(text);
	if (r < 0)
		snprintf(err, errlen, "%s:%u: %s", path, line, why);
	return r;
}

void sxp_free(struct sxp *s)
{
	free(s->atom);
	for (size_t i = 0; i < s->n; i++)
		sxp_free(&s->items[i]);
	free(s->items);
	*s = (struct sxp){ 0 };
}

const struct sxp *sxp_find(const struct sxp *top, const char *key)
{
	const struct sxp *found = NULL;
	for (size_t i = 0; i < top->n; i++) {
		const struct sxp *l = &top->items[i];
		if (l->n && l->items[0].atom && strcmp(l->items[0].atom, key) == 0)
			found = l;
	}
	return found;
}
