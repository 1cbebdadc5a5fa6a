/* The xm config parser: a lexer and a recursive-descent evaluator for the
 * subset of Python described in config.h. Values are built as the text is
 * read; nothing is ever executed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* All the memory values may take while one file is parsed, temporaries and
 * copies included. It bounds the work too: "s = s + s" on every line would
 * otherwise double forever. Real configs build a few KiB. */
#define MAX_VALUE_BYTES (16u << 20)
/* "%4096s" is already more than any config needs. */
#define MAX_FORMAT_WIDTH 4096
/* How much of a string a message quotes. */
#define REPR_MAX_CHARS 60

/* ---- The parsed file ---- */

struct entry {
	char *name;
	struct xmc_value value;
	unsigned line;
};

struct xmc_file {
	struct entry *entries;  /* in order of first assignment */
	size_t count, cap;
	/* Open-addressing index on names: entry index + 1, 0 when empty.
	 * A power of two, kept at least twice count, so a probe ends. */
	size_t *slots;
	size_t nslots;
};

static size_t hash_name(const char *name, size_t len)
{
	size_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

/* NAME is LEN bytes, not terminated: it usually points into the text. */
static struct entry *find_entry(const struct xmc_file *f, const char *name, size_t len)
{
	if (f->nslots == 0)
		return NULL;
	size_t mask = f->nslots - 1;
	for (size_t i = hash_name(name, len) & mask; f->slots[i]; i = (i + 1) & mask) {
		struct entry *e = &f->entries[f->slots[i] - 1];
		if (strncmp(e->name, name, len) == 0 && e->name[len] == '\0')
			return e;
	}
	return NULL;
}

static void index_entry(struct xmc_file *f, size_t idx)
{
	size_t mask = f->nslots - 1;
	const char *name = f->entries[idx].name;
	size_t i = hash_name(name, strlen(name)) & mask;
	while (f->slots[i])
		i = (i + 1) & mask;
	f->slots[i] = idx + 1;
}

static bool grow_index(struct xmc_file *f)
{
	size_t n = f->nslots ? f->nslots * 2 : 64;
	size_t *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return false;
	free(f->slots);
	f->slots = slots;
	f->nslots = n;
	for (size_t i = 0; i < f->count; i++)
		index_entry(f, i);
	return true;
}

/* A new entry for NAME (not yet in F) holding None; NULL if out of memory. */
static struct entry *add_entry(struct xmc_file *f, const char *name, size_t len)
{
	if ((f->count + 1) * 2 > f->nslots && !grow_index(f))
		return NULL;
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct entry *entries = realloc(f->entries, cap * sizeof(*entries));
		if (!entries)
			return NULL;
		f->entries = entries;
		f->cap = cap;
	}
	char *copy = strndup(name, len);
	if (!copy)
		return NULL;
	f->entries[f->count] = (struct entry){ .name = copy };
	index_entry(f, f->count);
	return &f->entries[f->count++];
}

/* ---- Values ---- */

static void value_clear(struct xmc_value *v)
{
	if (v->type == XMC_STRING)
		free(v->str);
	if (v->type == XMC_LIST) {
		for (size_t i = 0; i < v->count; i++)
			value_clear(&v->items[i]);
		free(v->items);
	}
	*v = (struct xmc_value){ .type = XMC_NONE };
}

/* Lists nest: [] is 1 deep. No value deeper than XMC_MAX_NESTING is ever
 * built, so this recursion (and value_clear's) stays shallow. */
static unsigned value_depth(const struct xmc_value *v)
{
	if (v->type != XMC_LIST)
		return 0;
	unsigned deepest = 0;
	for (size_t i = 0; i < v->count; i++) {
		unsigned d = value_depth(&v->items[i]);
		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

static bool is_number(const struct xmc_value *v)
{
	return v->type == XMC_INT || v->type == XMC_BOOL; /* as in Python */
}

const char *xmc_type_name(enum xmc_type type)
{
	switch (type) {
	case XMC_NONE: return "None";
	case XMC_BOOL: return "a boolean";
	case XMC_INT: return "an integer";
	case XMC_STRING: return "a string";
	case XMC_LIST: return "a list";
	}
	return "?";
}

/* ---- Growing byte buffers ---- */

struct buf {
	char *data;
	size_t len, cap; /* cap counts the terminator's byte */
};

static bool buf_reserve(struct buf *b, size_t more)
{
	if (more > SIZE_MAX / 4 - b->len)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 32;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *data = realloc(b->data, cap);
	if (!data)
		return false;
	b->data = data;
	b->cap = cap;
	return true;
}

static bool buf_add(struct buf *b, const char *s, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

static bool buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

static bool buf_fill(struct buf *b, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!buf_addc(b, c))
			return false;
	return true;
}

/* ---- Quoting for messages ---- */

/* Appends to BUF (LEN bytes, kept terminated) as much of S as fits. */
static void put(char *buf, size_t len, size_t *at, const char *s)
{
	while (*s && *at + 1 < len)
		buf[(*at)++] = *s++;
	buf[*at] = '\0';
}

/* S (N bytes) in single quotes, Python style, unprintable bytes as \xNN. */
static void repr_string(const char *s, size_t n, char *buf, size_t len)
{
	size_t at = 0;
	if (len == 0)
		return;
	buf[0] = '\0';
	put(buf, len, &at, "'");
	for (size_t i = 0; i < n && i < REPR_MAX_CHARS; i++) {
		unsigned char c = (unsigned char)s[i];
		char one[8];
		if (c == '\\' || c == '\'')
			snprintf(one, sizeof(one), "\\%c", c);
		else if (c == '\n')
			snprintf(one, sizeof(one), "\\n");
		else if (c == '\t')
			snprintf(one, sizeof(one), "\\t");
		else if (c < 0x20 || c >= 0x7f)
			snprintf(one, sizeof(one), "\\x%02x", c);
		else
			snprintf(one, sizeof(one), "%c", c);
		put(buf, len, &at, one);
	}
	put(buf, len, &at, n > REPR_MAX_CHARS ? "'..." : "'");
}

void xmc_repr(const struct xmc_value *v, char *buf, size_t len)
{
	if (len == 0)
		return;
	switch (v->type) {
	case XMC_NONE:
		snprintf(buf, len, "None");
		return;
	case XMC_BOOL:
		snprintf(buf, len, "%s", v->num ? "True" : "False");
		return;
	case XMC_INT:
		snprintf(buf, len, "%lld", v->num);
		return;
	case XMC_STRING:
		repr_string(v->str, v->count, buf, len);
		return;
	case XMC_LIST:
		snprintf(buf, len, "%s", v->count ? "[...]" : "[]");
		return;
	}
	buf[0] = '\0';
}

/* ---- The parser's state and its one error ---- */

enum tok_kind { TOK_EOF, TOK_NEWLINE, TOK_NAME, TOK_INT, TOK_STRING, TOK_OP, TOK_PLUS_EQ };

struct token {
	enum tok_kind kind;
	unsigned line;
	char op;              /* TOK_OP */
	const char *name;     /* TOK_NAME: into the text, not terminated */
	size_t name_len;
	long long num;        /* TOK_INT */
	char *str;            /* TOK_STRING: decoded; owned until taken */
	size_t str_len;
};

struct parser {
	const char *path;
	const char *text;
	size_t len, pos;
	unsigned line;
	/* At the start of a logical line, where indentation is an error. */
	bool line_start;
	/* The logical line has tokens, so its end is a NEWLINE token. */
	bool line_has_tokens;
	/* The open brackets, for Python's line joining and for messages.
	 * The parser refuses nesting first; two spare for its lookahead. */
	struct { char ch; unsigned line; } brackets[XMC_MAX_NESTING + 2];
	unsigned nbrackets;
	unsigned nesting;       /* the parser's recursion */
	size_t value_bytes;     /* charged against MAX_VALUE_BYTES */
	struct token tok;       /* the current token: one of lookahead */
	struct xmc_file *f;
	char *err;
	size_t errlen;
	bool failed;
};

static void set_error(char *err, size_t errlen, const char *path, unsigned line,
		      const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

static void set_error(char *err, size_t errlen, const char *path, unsigned line,
		      const char *fmt, va_list ap)
{
	if (!err || errlen == 0)
		return;
	int n = line ? snprintf(err, errlen, "%s:%u: ", path, line)
		     : snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* Records the error (the first one wins: it is the cause) and returns
 * false, so that callers can "return fail(...)". LINE 0: no line. */
static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	if (p->failed)
		return false;
	p->failed = true;
	va_list ap;
	va_start(ap, fmt);
	set_error(p->err, p->errlen, p->path, line, fmt, ap);
	va_end(ap);
	return false;
}

static bool out_of_memory(struct parser *p, unsigned line)
{
	return fail(p, line, "out of memory");
}

/* Every byte a value takes is charged here before it is allocated. */
static bool charge(struct parser *p, size_t bytes, unsigned line)
{
	if (bytes > MAX_VALUE_BYTES - p->value_bytes)
		return fail(p, line, "values too large (more than %u MiB built while parsing)",
			    MAX_VALUE_BYTES >> 20);
	p->value_bytes += bytes;
	return true;
}

/* ---- The lexer ---- */

static int peek(const struct parser *p, size_t ahead)
{
	if (ahead >= p->len - p->pos)
		return -1;
	return (unsigned char)p->text[p->pos + ahead];
}

/* The length of the line break AHEAD bytes on: "\n" or "\r\n", else 0. */
static size_t newline_at(const struct parser *p, size_t ahead)
{
	if (peek(p, ahead) == '\n')
		return 1;
	if (peek(p, ahead) == '\r' && peek(p, ahead + 1) == '\n')
		return 2;
	return 0;
}

static bool is_name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(int c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* C quoted for a message: '@' or '\x01'. */
static const char *repr_char(int c, char *buf, size_t len)
{
	char ch = (char)c;
	repr_string(&ch, 1, buf, len);
	return buf;
}

static void skip_blanks(struct parser *p)
{
	for (;;) {
		int c = peek(p, 0);
		if (c == ' ' || c == '\t' || c == '\f' || (c == '\r' && !newline_at(p, 0)))
			p->pos++;
		else
			return;
	}
}

static bool lex_number(struct parser *p, struct token *t)
{
	unsigned base = 10;
	bool leading_zero = peek(p, 0) == '0';
	int prefix = peek(p, 1);
	if (leading_zero && (prefix == 'x' || prefix == 'X'))
		base = 16;
	else if (leading_zero && (prefix == 'o' || prefix == 'O'))
		base = 8;
	else if (leading_zero && (prefix == 'b' || prefix == 'B'))
		base = 2;
	if (base != 10)
		p->pos += 2;

	unsigned long long v = 0;
	size_t ndigits = 0;
	for (;;) {
		int d = digit_value(peek(p, 0));
		if (d < 0 || (unsigned)d >= base)
			break;
		if (v > ((unsigned long long)LLONG_MAX - (unsigned)d) / base)
			return fail(p, p->line, "integer too large (the limit is %lld)", LLONG_MAX);
		v = v * base + (unsigned)d;
		ndigits++;
		p->pos++;
	}
	int c = peek(p, 0);
	if (base == 10 && (c == '.' || c == 'e' || c == 'E'))
		return fail(p, p->line, "floating-point numbers are not supported");
	if (ndigits == 0 || is_name_char(c))
		return fail(p, p->line, "invalid number");
	/* Python 2 read 010 as octal, Python 3 refuses it: refuse it too. */
	if (base == 10 && leading_zero && v != 0)
		return fail(p, p->line, "leading zeros are not allowed in numbers (0o10 for octal)");
	t->kind = TOK_INT;
	t->num = (long long)v;
	return true;
}

/* One backslash escape in a string literal, the cursor on the backslash,
 * which is not the text's last byte. */
static bool lex_escape(struct parser *p, struct buf *b, bool raw)
{
	int c = peek(p, 1);
	size_t nl = newline_at(p, 1);

	/* In a raw string the backslash stays, and only keeps the next
	 * character (a quote, say) from ending the string. */
	if (raw) {
		p->pos++;
		if (nl) {
			p->pos += nl;
			p->line++;
			return buf_add(b, "\\\n", 2) || out_of_memory(p, p->line);
		}
		p->pos++;
		return (buf_addc(b, '\\') && buf_addc(b, (char)c)) || out_of_memory(p, p->line);
	}
	if (nl) { /* backslash-newline: the string goes on, without the newline */
		p->pos += 1 + nl;
		p->line++;
		return true;
	}
	p->pos += 2;

	int byte;
	switch (c) {
	case 'n': byte = '\n'; break;
	case 't': byte = '\t'; break;
	case 'r': byte = '\r'; break;
	case 'a': byte = '\a'; break;
	case 'b': byte = '\b'; break;
	case 'f': byte = '\f'; break;
	case 'v': byte = '\v'; break;
	case '\\': case '\'': case '"': byte = c; break;
	case 'x': {
		int hi = digit_value(peek(p, 0)), lo = digit_value(peek(p, 1));
		if (hi < 0 || lo < 0)
			return fail(p, p->line, "invalid \\x escape (it takes two hex digits)");
		p->pos += 2;
		byte = hi * 16 + lo;
		break;
	}
	case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		byte = c - '0';
		for (int i = 0; i < 2 && peek(p, 0) >= '0' && peek(p, 0) <= '7'; i++) {
			byte = byte * 8 + (peek(p, 0) - '0');
			p->pos++;
		}
		if (byte > 0377)
			return fail(p, p->line, "octal escape out of range (above \\377)");
		break;
	default:
		/* Unknown escapes are kept as written, as Python does. */
		return (buf_addc(b, '\\') && buf_addc(b, (char)c)) || out_of_memory(p, p->line);
	}
	if (byte == 0)
		return fail(p, p->line, "NUL (\\0) in a string is not supported");
	return buf_addc(b, (char)byte) || out_of_memory(p, p->line);
}

/* A string literal; the cursor on its opening quote. */
static bool lex_string(struct parser *p, struct token *t, bool raw)
{
	int quote = peek(p, 0);
	unsigned first_line = p->line;
	bool triple = peek(p, 1) == quote && peek(p, 2) == quote;
	struct buf b = { 0 };

	p->pos += triple ? 3 : 1;
	for (;;) {
		int c = peek(p, 0);
		size_t nl = newline_at(p, 0);
		if (c < 0 || (nl && !triple) || (c == '\\' && peek(p, 1) < 0))
			goto unterminated;
		if (c == quote && (!triple || (peek(p, 1) == quote && peek(p, 2) == quote))) {
			p->pos += triple ? 3 : 1;
			break;
		}
		bool ok;
		if (nl) {
			p->pos += nl;
			p->line++;
			ok = buf_addc(&b, '\n') || out_of_memory(p, p->line);
		} else if (c == '\\') {
			ok = lex_escape(p, &b, raw);
		} else {
			p->pos++;
			ok = buf_addc(&b, (char)c) || out_of_memory(p, p->line);
		}
		if (!ok) {
			free(b.data);
			return false;
		}
	}
	if (!b.data && !buf_reserve(&b, 0))
		return out_of_memory(p, first_line);
	b.data[b.len] = '\0';
	t->kind = TOK_STRING;
	t->line = first_line;
	t->str = b.data;
	t->str_len = b.len;
	return true;

unterminated:
	free(b.data);
	return fail(p, first_line, triple ? "unterminated triple-quoted string"
					  : "unterminated string");
}

static bool open_bracket(struct parser *p, char c)
{
	if (p->nbrackets == ARRAY_SIZE(p->brackets))
		return fail(p, p->line, "nested too deeply (the limit is %d levels)", XMC_MAX_NESTING);
	p->brackets[p->nbrackets].ch = c;
	p->brackets[p->nbrackets].line = p->line;
	p->nbrackets++;
	return true;
}

static bool close_bracket(struct parser *p, char c)
{
	static const char pairs[] = "()[]{}";
	if (p->nbrackets == 0)
		return fail(p, p->line, "unmatched '%c'", c);
	char opener = p->brackets[p->nbrackets - 1].ch;
	if (strchr(pairs, opener)[1] != c)
		return fail(p, p->line, "'%c' does not match '%c' on line %u", c, opener,
			    p->brackets[p->nbrackets - 1].line);
	p->nbrackets--;
	return true;
}

static bool lex_token(struct parser *p, struct token *t)
{
	int c = peek(p, 0);

	if (is_name_start(c)) {
		size_t start = p->pos;
		while (is_name_char(peek(p, 0)))
			p->pos++;
		int after = peek(p, 0);
		bool prefix = p->pos - start == 1 && strchr("rRuU", c);
		if (prefix && (after == '\'' || after == '"'))
			return lex_string(p, t, c == 'r' || c == 'R');
		t->kind = TOK_NAME;
		t->name = p->text + start;
		t->name_len = p->pos - start;
		return true;
	}
	if (c >= '0' && c <= '9')
		return lex_number(p, t);
	if (c == '\'' || c == '"')
		return lex_string(p, t, false);
	if (c == '+' && peek(p, 1) == '=') {
		p->pos += 2;
		t->kind = TOK_PLUS_EQ;
		return true;
	}
	if (c > 0 && strchr("=+-%()[]{},;.:*/", c)) {
		p->pos++;
		t->kind = TOK_OP;
		t->op = (char)c;
		if (strchr("([{", c))
			return open_bracket(p, (char)c);
		if (strchr(")]}", c))
			return close_bracket(p, (char)c);
		return true;
	}
	char shown[16];
	return fail(p, p->line, "invalid character %s", repr_char(c, shown, sizeof(shown)));
}

/* Moves to the next token, as Python's tokenizer would: line breaks inside
 * brackets and after a backslash join lines, blank and comment lines give
 * nothing, and each logical line with tokens ends in TOK_NEWLINE. */
static bool next(struct parser *p)
{
	struct token *t = &p->tok;
	free(t->str);
	*t = (struct token){ .kind = TOK_EOF };

	for (;;) {
		if (p->line_start) {
			size_t start = p->pos;
			skip_blanks(p);
			p->line_start = false;
			int c = peek(p, 0);
			if (p->pos > start && c >= 0 && c != '#' && !newline_at(p, 0))
				return fail(p, p->line, "unexpected indent (a statement starts in column 1)");
		}
		skip_blanks(p);
		int c = peek(p, 0);
		size_t nl = newline_at(p, 0);
		if (c < 0) {
			if (p->nbrackets)
				return fail(p, p->brackets[p->nbrackets - 1].line, "'%c' is never closed",
					    p->brackets[p->nbrackets - 1].ch);
			t->line = p->line;
			return true;
		}
		if (c == '#') {
			while (peek(p, 0) >= 0 && !newline_at(p, 0))
				p->pos++;
			continue;
		}
		if (nl) {
			p->pos += nl;
			p->line++;
			if (p->nbrackets)
				continue;
			p->line_start = true;
			if (!p->line_has_tokens)
				continue;
			p->line_has_tokens = false;
			t->kind = TOK_NEWLINE;
			t->line = p->line - 1;
			return true;
		}
		if (c == '\\') {
			size_t joined = newline_at(p, 1);
			if (!joined)
				return fail(p, p->line, peek(p, 1) < 0
					    ? "unexpected end of file after '\\'"
					    : "unexpected character after line continuation '\\'");
			p->pos += 1 + joined;
			p->line++;
			continue;
		}
		p->line_has_tokens = true;
		t->line = p->line;
		return lex_token(p, t);
	}
}

/* ---- The parser: each parse_* leaves its value in OUT, or on failure
 * leaves OUT holding nothing to free. ---- */

static const char *const keywords[] = {
	"and", "as", "assert", "async", "await", "break", "class", "continue",
	"def", "del", "elif", "else", "except", "exec", "finally", "for", "from",
	"global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
	"pass", "print", "raise", "return", "try", "while", "with", "yield",
	"True", "False", "None",
};

static bool name_is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(name, word, len) == 0;
}

static bool is_keyword(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(keywords); i++)
		if (name_is(name, len, keywords[i]))
			return true;
	return false;
}

static bool is_op(const struct parser *p, char op)
{
	return p->tok.kind == TOK_OP && p->tok.op == op;
}

static const char *describe(const struct token *t, char *buf, size_t len)
{
	switch (t->kind) {
	case TOK_EOF: return "end of file";
	case TOK_NEWLINE: return "end of line";
	case TOK_INT: return "a number";
	case TOK_STRING: return "a string";
	case TOK_PLUS_EQ: return "'+='";
	case TOK_NAME:
		snprintf(buf, len, "name '%.*s'", (int)(t->name_len > 64 ? 64 : t->name_len), t->name);
		return buf;
	case TOK_OP:
		snprintf(buf, len, "'%c'", t->op);
		return buf;
	}
	return "?";
}

static bool enter(struct parser *p, unsigned line)
{
	if (++p->nesting > XMC_MAX_NESTING)
		return fail(p, line, "nested too deeply (the limit is %d levels)", XMC_MAX_NESTING);
	return true;
}

static bool value_copy(struct parser *p, const struct xmc_value *src, struct xmc_value *dst,
		       unsigned line)
{
	*dst = (struct xmc_value){ .type = XMC_NONE };
	if (src->type == XMC_STRING) {
		if (!charge(p, src->count + 1, line))
			return false;
		char *s = malloc(src->count + 1);
		if (!s)
			return out_of_memory(p, line);
		memcpy(s, src->str, src->count + 1);
		*dst = (struct xmc_value){ .type = XMC_STRING, .str = s, .count = src->count };
		return true;
	}
	if (src->type != XMC_LIST || src->count == 0) {
		*dst = *src; /* nothing owned */
		return true;
	}
	if (!charge(p, src->count * sizeof(*src->items), line))
		return false;
	/* Zeroed items are None, so a copy that fails halfway clears. */
	struct xmc_value *items = calloc(src->count, sizeof(*items));
	if (!items)
		return out_of_memory(p, line);
	*dst = (struct xmc_value){ .type = XMC_LIST, .items = items, .count = src->count };
	for (size_t i = 0; i < src->count; i++) {
		if (!value_copy(p, &src->items[i], &items[i], line)) {
			value_clear(dst);
			return false;
		}
	}
	return true;
}

/* A list being built: items with room to grow. */
struct builder {
	struct xmc_value *items;
	size_t count, cap;
};

/* Takes ITEM (clears it), also on failure. */
static bool builder_add(struct parser *p, struct builder *lb, struct xmc_value *item, unsigned line)
{
	bool ok = true;
	if (value_depth(item) >= XMC_MAX_NESTING)
		ok = fail(p, line, "nested too deeply (the limit is %d levels)", XMC_MAX_NESTING);
	if (ok && lb->count == lb->cap) {
		size_t cap = lb->cap ? lb->cap * 2 : 4;
		struct xmc_value *items = NULL;
		ok = charge(p, cap * sizeof(*items), line);
		if (ok)
			items = realloc(lb->items, cap * sizeof(*items));
		if (ok && !items)
			ok = out_of_memory(p, line);
		if (ok) {
			lb->items = items;
			lb->cap = cap;
		}
	}
	if (!ok) {
		value_clear(item);
		return false;
	}
	lb->items[lb->count++] = *item;
	*item = (struct xmc_value){ .type = XMC_NONE };
	return true;
}

static void builder_clear(struct builder *lb)
{
	for (size_t i = 0; i < lb->count; i++)
		value_clear(&lb->items[i]);
	free(lb->items);
	*lb = (struct builder){ 0 };
}

static void builder_finish(struct builder *lb, struct xmc_value *out)
{
	*out = (struct xmc_value){ .type = XMC_LIST, .items = lb->items, .count = lb->count };
	*lb = (struct builder){ 0 };
}

/* A += B, or A = A + B: strings, lists or integers. Takes B; on failure
 * clears A too. */
static bool add_values(struct parser *p, struct xmc_value *a, struct xmc_value *b, unsigned line)
{
	bool ok;
	if (is_number(a) && is_number(b)) {
		long long sum;
		ok = !__builtin_add_overflow(a->num, b->num, &sum) ||
		     fail(p, line, "integer overflow in '+'");
		if (ok) {
			a->type = XMC_INT;
			a->num = sum;
		}
	} else if (a->type == XMC_STRING && b->type == XMC_STRING) {
		size_t len = a->count + b->count;
		char *s = NULL;
		ok = charge(p, len + 1, line);
		if (ok && !(s = realloc(a->str, len + 1)))
			ok = out_of_memory(p, line);
		if (ok) {
			memcpy(s + a->count, b->str, b->count + 1);
			a->str = s;
			a->count = len;
		}
	} else if (a->type == XMC_LIST && b->type == XMC_LIST) {
		size_t count = a->count + b->count;
		struct xmc_value *items = NULL;
		ok = charge(p, count * sizeof(*items), line);
		/* Nothing to add keeps A as it is (and memcpy from NULL away). */
		if (ok && b->count && !(items = realloc(a->items, count * sizeof(*items))))
			ok = out_of_memory(p, line);
		if (ok && b->count) {
			memcpy(items + a->count, b->items, b->count * sizeof(*items));
			a->items = items;
			a->count = count;
			b->count = 0; /* its items moved: free only its array */
		}
	} else {
		ok = fail(p, line, "cannot add %s and %s", xmc_type_name(a->type),
			  xmc_type_name(b->type));
	}
	value_clear(b);
	if (!ok)
		value_clear(a);
	return ok;
}

/* NUMBER in BASE ('d' or 'x'/'X'), padded to WIDTH. */
static bool format_number(struct buf *b, long long number, char conv, unsigned width,
			  bool left, bool zero)
{
	/* The magnitude as unsigned, so that LLONG_MIN has one. */
	unsigned long long mag = number < 0 ? 0ULL - (unsigned long long)number
					    : (unsigned long long)number;
	char digits[32];
	if (conv == 'x')
		snprintf(digits, sizeof(digits), "%llx", mag);
	else if (conv == 'X')
		snprintf(digits, sizeof(digits), "%llX", mag);
	else
		snprintf(digits, sizeof(digits), "%llu", mag);
	size_t len = strlen(digits) + (number < 0);
	size_t pad = width > len ? width - len : 0;

	if (!left && !zero && !buf_fill(b, ' ', pad))
		return false;
	if (number < 0 && !buf_addc(b, '-'))
		return false;
	if (!left && zero && !buf_fill(b, '0', pad))
		return false;
	if (!buf_add(b, digits, strlen(digits)))
		return false;
	return !left || buf_fill(b, ' ', pad);
}

static bool format_text(struct buf *b, const char *s, unsigned width, bool left)
{
	size_t len = strlen(s);
	size_t pad = width > len ? width - len : 0;
	if (!left && !buf_fill(b, ' ', pad))
		return false;
	if (!buf_add(b, s, len))
		return false;
	return !left || buf_fill(b, ' ', pad);
}

/* One %-conversion of ARG into B. */
static bool format_one(struct parser *p, struct buf *b, char conv, const struct xmc_value *arg,
		       unsigned width, bool left, bool zero, unsigned line)
{
	bool ok;
	if (conv == 's') {
		char num[32];
		switch (arg->type) {
		case XMC_STRING: ok = format_text(b, arg->str, width, left); break;
		case XMC_INT:
			snprintf(num, sizeof(num), "%lld", arg->num);
			ok = format_text(b, num, width, left);
			break;
		case XMC_BOOL: ok = format_text(b, arg->num ? "True" : "False", width, left); break;
		case XMC_NONE: ok = format_text(b, "None", width, left); break;
		case XMC_LIST:
		default:
			return fail(p, line, "%%s of a list is not supported");
		}
	} else {
		if (!is_number(arg))
			return fail(p, line, "%%%c needs a number, not %s", conv, xmc_type_name(arg->type));
		ok = format_number(b, arg->num, conv == 'i' ? 'd' : conv, width, left, zero);
	}
	return ok || out_of_memory(p, line);
}

/* FMT % ARGS, into B. A list on the right holds the arguments. */
static bool format_into(struct parser *p, struct buf *b, const struct xmc_value *fmt,
			const struct xmc_value *rhs, unsigned line)
{
	const struct xmc_value *args = rhs;
	size_t nargs = 1, used = 0;
	if (rhs->type == XMC_LIST) {
		args = rhs->items;
		nargs = rhs->count;
	}
	const char *s = fmt->str, *end = fmt->str + fmt->count;

	while (s < end) {
		/* Checked as it grows: widths could make it huge. */
		if (b->len > MAX_VALUE_BYTES - p->value_bytes)
			return charge(p, b->len, line);
		const char *pct = memchr(s, '%', (size_t)(end - s));
		if (!buf_add(b, s, (size_t)((pct ? pct : end) - s)))
			return out_of_memory(p, line);
		if (!pct)
			break;
		s = pct + 1;
		if (s < end && *s == '%') {
			s++;
			if (!buf_addc(b, '%'))
				return out_of_memory(p, line);
			continue;
		}
		bool left = false, zero = false;
		for (; s < end && (*s == '-' || *s == '0'); s++) {
			if (*s == '-')
				left = true;
			else
				zero = true;
		}
		unsigned width = 0;
		for (; s < end && *s >= '0' && *s <= '9'; s++) {
			width = width * 10 + (unsigned)(*s - '0');
			if (width > MAX_FORMAT_WIDTH)
				return fail(p, line, "format width above %d", MAX_FORMAT_WIDTH);
		}
		if (s == end)
			return fail(p, line, "incomplete format");
		char conv = *s++;
		if (conv == '\0' || !strchr("sdixX", conv)) {
			char shown[16];
			return fail(p, line, "unsupported format character %s (only %%s %%d %%i %%x %%X %%%%)",
				    repr_char((unsigned char)conv, shown, sizeof(shown)));
		}
		if (used == nargs)
			return fail(p, line, "not enough arguments for format string");
		if (!format_one(p, b, conv, &args[used++], width, left, zero, line))
			return false;
	}
	if (used < nargs)
		return fail(p, line, "not all arguments converted during string formatting");
	return true;
}

/* A = A % B: string formatting, or on integers the remainder. Takes B; on
 * failure clears A too. */
static bool modulo_values(struct parser *p, struct xmc_value *a, struct xmc_value *b, unsigned line)
{
	bool ok;
	if (a->type == XMC_STRING) {
		struct buf out = { 0 };
		ok = format_into(p, &out, a, b, line) && charge(p, out.len + 1, line);
		if (ok && !out.data && !buf_reserve(&out, 0))
			ok = out_of_memory(p, line);
		if (ok) {
			out.data[out.len] = '\0';
			free(a->str);
			a->str = out.data;
			a->count = out.len;
		} else {
			free(out.data);
		}
	} else if (is_number(a) && is_number(b)) {
		/* Python's %: the remainder takes the divisor's sign. */
		long long d = b->num, r = 0;
		ok = d != 0 || fail(p, line, "integer modulo by zero");
		if (ok && d != -1) { /* LLONG_MIN % -1 overflows in C */
			r = a->num % d;
			if (r != 0 && (r < 0) != (d < 0))
				r += d;
		}
		a->type = XMC_INT;
		a->num = r;
	} else {
		ok = fail(p, line, "cannot use '%%' on %s and %s", xmc_type_name(a->type),
			  xmc_type_name(b->type));
	}
	value_clear(b);
	if (!ok)
		value_clear(a);
	return ok;
}

static bool parse_expr(struct parser *p, struct xmc_value *out);

/* The items up to CLOSER, the cursor past the opening bracket. FIRST, if
 * not NULL, is an item already read, the cursor on the ',' after it. */
static bool parse_items(struct parser *p, char closer, struct xmc_value *first,
			struct xmc_value *out, unsigned line)
{
	struct builder lb = { 0 };
	char shown[96];

	if (first && (!builder_add(p, &lb, first, line) || !next(p)))
		goto fail;
	while (!is_op(p, closer)) {
		struct xmc_value item;
		unsigned item_line = p->tok.line;
		if (!parse_expr(p, &item) || !builder_add(p, &lb, &item, item_line))
			goto fail;
		if (is_op(p, closer))
			break;
		if (!is_op(p, ',')) {
			fail(p, p->tok.line, "expected ',' or '%c', found %s", closer,
			     describe(&p->tok, shown, sizeof(shown)));
			goto fail;
		}
		if (!next(p))
			goto fail;
	}
	if (!next(p))
		goto fail;
	builder_finish(&lb, out);
	return true;
fail:
	builder_clear(&lb);
	return false;
}

/* After '(': (), (a), (a,), (a, b). */
static bool parse_parens(struct parser *p, struct xmc_value *out, unsigned line)
{
	char shown[96];
	if (is_op(p, ')')) {
		*out = (struct xmc_value){ .type = XMC_LIST };
		return next(p);
	}
	struct xmc_value first;
	if (!parse_expr(p, &first))
		return false;
	if (is_op(p, ',')) /* a tuple */
		return parse_items(p, ')', &first, out, line);
	if (!is_op(p, ')')) {
		value_clear(&first);
		return fail(p, p->tok.line, "expected ',' or ')', found %s",
			    describe(&p->tok, shown, sizeof(shown)));
	}
	if (!next(p)) {
		value_clear(&first);
		return false;
	}
	*out = first;
	return true;
}

/* Adjacent string literals, joined as Python does at compile time. */
static bool parse_strings(struct parser *p, struct xmc_value *out)
{
	unsigned line = p->tok.line;
	struct buf b = { .data = p->tok.str, .len = p->tok.str_len, .cap = p->tok.str_len + 1 };
	p->tok.str = NULL;

	bool ok = next(p);
	while (ok && p->tok.kind == TOK_STRING) {
		ok = buf_add(&b, p->tok.str, p->tok.str_len) || out_of_memory(p, line);
		ok = ok && next(p);
	}
	ok = ok && charge(p, b.len + 1, line);
	if (!ok) {
		free(b.data);
		return false;
	}
	*out = (struct xmc_value){ .type = XMC_STRING, .str = b.data, .count = b.len };
	return true;
}

static bool parse_atom(struct parser *p, struct xmc_value *out)
{
	struct token *t = &p->tok;
	unsigned line = t->line;
	char shown[96];

	*out = (struct xmc_value){ .type = XMC_NONE };
	if (t->kind == TOK_STRING)
		return parse_strings(p, out);
	if (t->kind == TOK_INT) {
		long long num = t->num;
		if (!next(p))
			return false;
		*out = (struct xmc_value){ .type = XMC_INT, .num = num };
		return true;
	}
	if (t->kind == TOK_NAME) {
		const char *name = t->name;
		size_t len = t->name_len;
		if (!next(p))
			return false;
		if (name_is(name, len, "True") || name_is(name, len, "False")) {
			*out = (struct xmc_value){ .type = XMC_BOOL, .num = name_is(name, len, "True") };
			return true;
		}
		if (name_is(name, len, "None"))
			return true;
		if (is_keyword(name, len))
			return fail(p, line, "'%.*s' is not supported in a value", (int)len, name);
		const struct entry *e = find_entry(p->f, name, len);
		if (!e)
			return fail(p, line, "name '%.*s' is not defined", (int)(len > 64 ? 64 : len), name);
		return value_copy(p, &e->value, out, line);
	}
	if (is_op(p, '(') || is_op(p, '[')) {
		char opener = t->op;
		if (!enter(p, line) || !next(p))
			return false;
		bool ok = opener == '(' ? parse_parens(p, out, line)
					: parse_items(p, ']', NULL, out, line);
		p->nesting--;
		return ok;
	}
	if (is_op(p, '{'))
		return fail(p, line, "dictionaries are not supported");
	return fail(p, line, "expected a value, found %s", describe(t, shown, sizeof(shown)));
}

static bool parse_unary(struct parser *p, struct xmc_value *out)
{
	if (!is_op(p, '-') && !is_op(p, '+'))
		return parse_atom(p, out);

	char op = p->tok.op;
	unsigned line = p->tok.line;
	*out = (struct xmc_value){ .type = XMC_NONE };
	if (!enter(p, line) || !next(p) || !parse_unary(p, out))
		return false;
	p->nesting--;
	if (!is_number(out)) {
		enum xmc_type type = out->type;
		value_clear(out);
		return fail(p, line, "'%c' needs a number, not %s", op, xmc_type_name(type));
	}
	out->type = XMC_INT;
	if (op == '-') {
		if (out->num == LLONG_MIN)
			return fail(p, line, "integer overflow in '-'");
		out->num = -out->num;
	}
	return true;
}

/* unary ('%' unary)*: '%' binds tighter than '+', as in Python. */
static bool parse_term(struct parser *p, struct xmc_value *out)
{
	if (!parse_unary(p, out))
		return false;
	while (is_op(p, '%')) {
		unsigned line = p->tok.line;
		struct xmc_value rhs;
		if (!next(p) || !parse_unary(p, &rhs)) {
			value_clear(out);
			return false;
		}
		if (!modulo_values(p, out, &rhs, line))
			return false;
	}
	return true;
}

static bool parse_expr(struct parser *p, struct xmc_value *out)
{
	if (!parse_term(p, out))
		return false;
	while (is_op(p, '+')) {
		unsigned line = p->tok.line;
		struct xmc_value rhs;
		if (!next(p) || !parse_term(p, &rhs)) {
			value_clear(out);
			return false;
		}
		if (!add_values(p, out, &rhs, line))
			return false;
	}
	if (is_op(p, '-') || is_op(p, '*') || is_op(p, '/')) {
		value_clear(out);
		return fail(p, p->tok.line, "operator '%c' is not supported (only + and %%)", p->tok.op);
	}
	return true;
}

static bool assign(struct parser *p, const char *name, size_t len, struct xmc_value *v,
		   unsigned line)
{
	struct entry *e = find_entry(p->f, name, len);
	if (!e && !(e = add_entry(p->f, name, len))) {
		value_clear(v);
		return out_of_memory(p, line);
	}
	value_clear(&e->value);
	e->value = *v;
	e->line = line;
	*v = (struct xmc_value){ .type = XMC_NONE };
	return true;
}

/* NAME = EXPR or NAME += EXPR, and what ends it. */
static bool parse_statement(struct parser *p)
{
	struct token *t = &p->tok;
	unsigned line = t->line;
	char shown[96];

	if (t->kind != TOK_NAME)
		return fail(p, line, "expected NAME = value, found %s", describe(t, shown, sizeof(shown)));
	const char *name = t->name;
	size_t len = t->name_len;
	int shown_len = (int)(len > 64 ? 64 : len);
	if (is_keyword(name, len)) {
		if (name_is(name, len, "True") || name_is(name, len, "False") || name_is(name, len, "None"))
			return fail(p, line, "cannot assign to %.*s", shown_len, name);
		return fail(p, line, "'%.*s' is not supported: only NAME = value assignments",
			    shown_len, name);
	}
	if (!next(p))
		return false;
	bool append = t->kind == TOK_PLUS_EQ;
	if (!append && !is_op(p, '='))
		return fail(p, line, "expected '=' after '%.*s'", shown_len, name);
	if (!next(p))
		return false;

	struct xmc_value v;
	if (!parse_expr(p, &v))
		return false;
	if (append) {
		const struct entry *e = find_entry(p->f, name, len);
		struct xmc_value sum;
		if (!e) {
			value_clear(&v);
			return fail(p, line, "name '%.*s' is not defined", shown_len, name);
		}
		if (!value_copy(p, &e->value, &sum, line)) {
			value_clear(&v);
			return false;
		}
		if (!add_values(p, &sum, &v, line))
			return false;
		v = sum;
	}

	bool ok = true;
	if (is_op(p, ';'))
		ok = next(p) && (t->kind != TOK_NEWLINE || next(p));
	else if (t->kind == TOK_NEWLINE)
		ok = next(p);
	else if (t->kind != TOK_EOF)
		ok = fail(p, t->line, "expected end of line after the value of '%.*s', found %s",
			  shown_len, name, describe(t, shown, sizeof(shown)));
	/* NAME points into the text, still valid whatever the cursor did. */
	if (!ok) {
		value_clear(&v);
		return false;
	}
	return assign(p, name, len, &v, line);
}

/* ---- Defines from the command line ---- */

/* TEXT as a whole is [+-]digits, and fits. */
static bool read_decimal(const char *text, long long *out)
{
	const char *digits = text + (*text == '-' || *text == '+');
	if (*digits < '0' || *digits > '9')
		return false;
	char *end;
	errno = 0;
	*out = strtoll(text, &end, 10);
	return *end == '\0' && errno == 0;
}

/* "NAME=VALUE": VALUE an integer if it reads as a decimal one, else a
 * string. Assigned with line 0. */
static bool apply_define(struct parser *p, const char *def)
{
	const char *eq = strchr(def, '=');
	size_t len = eq ? (size_t)(eq - def) : 0;
	bool good = len > 0 && is_name_start((unsigned char)def[0]) && !is_keyword(def, len);
	for (size_t i = 1; good && i < len; i++)
		good = is_name_char((unsigned char)def[i]);
	if (!good) {
		char shown[96];
		repr_string(def, strlen(def), shown, sizeof(shown));
		return fail(p, 0, "bad variable %s on the command line: expected NAME=VALUE", shown);
	}

	const char *text = eq + 1;
	struct xmc_value v = { .type = XMC_INT };
	if (!read_decimal(text, &v.num)) {
		size_t n = strlen(text);
		if (!charge(p, n + 1, 0))
			return false;
		v = (struct xmc_value){ .type = XMC_STRING, .str = strdup(text), .count = n };
		if (!v.str)
			return out_of_memory(p, 0);
	}
	return assign(p, def, len, &v, 0);
}

static bool apply_defines(struct parser *p, char *const *defines, size_t ndefines)
{
	for (size_t i = 0; i < ndefines; i++)
		if (!apply_define(p, defines[i]))
			return false;
	return true;
}

static bool parse_statements(struct parser *p)
{
	if (!next(p))
		return false;
	while (p->tok.kind != TOK_EOF) {
		if (p->tok.kind == TOK_NEWLINE) {
			if (!next(p))
				return false;
			continue;
		}
		if (!parse_statement(p))
			return false;
	}
	return true;
}

static unsigned line_of(const char *text, const char *at)
{
	unsigned line = 1;
	for (const char *s = text; s < at; s++)
		line += *s == '\n';
	return line;
}

struct xmc_file *xmc_parse(const char *path, const char *text, size_t len,
			   char *const *defines, size_t ndefines,
			   char *err, size_t errlen)
{
	struct parser p = {
		.path = path ? path : "<config>",
		.text = text ? text : "",
		.len = text ? len : 0,
		.line = 1,
		.line_start = true,
		.err = err,
		.errlen = errlen,
	};
	if (err && errlen)
		err[0] = '\0';
	if (p.len > XMC_MAX_FILE_SIZE) {
		fail(&p, 0, "larger than %u MiB, too large for a config file", XMC_MAX_FILE_SIZE >> 20);
		return NULL;
	}
	const char *nul = memchr(p.text, '\0', p.len);
	if (nul) {
		fail(&p, line_of(p.text, nul), "NUL byte in the file (is it a text file?)");
		return NULL;
	}
	p.f = calloc(1, sizeof(*p.f));
	if (!p.f) {
		out_of_memory(&p, 0);
		return NULL;
	}
	/* Before the file so it can use them, after it so that they win. */
	bool ok = apply_defines(&p, defines, ndefines) && parse_statements(&p) &&
		  apply_defines(&p, defines, ndefines);
	free(p.tok.str);
	if (!ok) {
		xmc_free(p.f);
		return NULL;
	}
	return p.f;
}

struct xmc_file *xmc_parse_file(const char *path, char *const *defines, size_t ndefines,
				char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, err ? errlen : 0, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* One byte past the limit is enough for xmc_parse to refuse it. */
	size_t limit = XMC_MAX_FILE_SIZE + 1, len = 0;
	char *text = malloc(limit);
	if (!text) {
		close(fd);
		snprintf(err, err ? errlen : 0, "%s: out of memory", path);
		return NULL;
	}
	while (len < limit) {
		ssize_t n = read(fd, text + len, limit - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, err ? errlen : 0, "%s: %s", path, strerror(errno));
			free(text);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	struct xmc_file *f = xmc_parse(path, text, len, defines, ndefines, err, errlen);
	free(text);
	return f;
}

const struct xmc_value *xmc_get(const struct xmc_file *f, const char *name, unsigned *line_out)
{
	const struct entry *e = f && name ? find_entry(f, name, strlen(name)) : NULL;
	if (line_out)
		*line_out = e ? e->line : 0;
	return e ? &e->value : NULL;
}

size_t xmc_count(const struct xmc_file *f)
{
	return f ? f->count : 0;
}

const char *xmc_name_at(const struct xmc_file *f, size_t i, const struct xmc_value **value_out,
			unsigned *line_out)
{
	if (!f || i >= f->count)
		return NULL;
	if (value_out)
		*value_out = &f->entries[i].value;
	if (line_out)
		*line_out = f->entries[i].line;
	return f->entries[i].name;
}

void xmc_free(struct xmc_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->entries[i].name);
		value_clear(&f->entries[i].value);
	}
	free(f->entries);
	free(f->slots);
	free(f);
}
