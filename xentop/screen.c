/* xentop's curses screen (screen.h). */
#include <ctype.h>
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gather.h"
#include "screen.h"

#define KEY_ESCAPE 27
#define PROMPT_MAX 16

struct screen {
	struct xt_view *view;
	double delay;
	bool prompting; /* D: reading a new delay */
	char typed[PROMPT_MAX];
	size_t ntyped;
	size_t shown; /* domains on the screen, which a page key moves by */
	attr_t on;    /* how the key line marks what is switched on */
};

bool xt_parse_delay(const char *text, double *out)
{
	char *end;
	double d = strtod(text, &end);
	if (end == text || *end || !isfinite(d) || d <= 0 || d > 86400)
		return false;
	*out = d;
	return true;
}

/* One line of the frame; the last line of the screen is the key line's. */
static bool draw_line(void *ctx, enum xt_line_kind kind, const char *text, size_t bold_at, size_t bold_len)
{
	struct screen *s = ctx;
	if (getcury(stdscr) >= LINES - 1)
		return false;
	attr_t base = kind == XT_LINE_HEADER ? A_REVERSE : A_NORMAL;
	attrset(base);
	addnstr(text, bold_len ? (int)bold_at : -1);
	if (bold_len) {
		attrset(base | A_BOLD);
		addnstr(text + bold_at, (int)bold_len);
		attrset(base);
		addstr(text + bold_at + bold_len);
	}
	attrset(A_NORMAL);
	if (getcurx(stdscr) != 0)
		addch('\n');
	if (kind == XT_LINE_DOMAIN)
		s->shown++;
	return true;
}

/* A key's name with its letter marked, and what it switches marked when on. */
static void key_label(const char *before, char key, const char *after, bool on, attr_t on_attr)
{
	attrset(on ? on_attr : A_NORMAL);
	addstr(before);
	attrset(A_REVERSE);
	addch((chtype)(unsigned char)key);
	attrset(on ? on_attr : A_NORMAL);
	addstr(after);
	attrset(A_NORMAL);
	addstr("  ");
}

static void key_line(const struct screen *s)
{
	move(LINES - 1, 0);
	clrtoeol();
	move(LINES - 1, 2);
	if (s->prompting) {
		printw("Delay(sec): %s", s->typed);
		return;
	}
	const struct xt_view *v = s->view;
	key_label("", 'D', "elay", false, s->on);
	key_label("", 'N', "etworks", v->networks, s->on);
	key_label("v", 'B', "ds", v->vbds, s->on);
	key_label("", 'V', "CPUs", v->vcpus, s->on);
	key_label("", 'R', "epeat header", v->repeat_header, s->on);
	key_label("", 'S', "ort order", false, s->on);
	key_label("", 'Q', "uit", false, s->on);
}

static void draw(struct screen *s, struct xt_frame *f)
{
	erase();
	move(0, 0);
	s->shown = 0;
	xt_render(f, s->view, draw_line, s);
	key_line(s);
	refresh();
}

static void prompt_key(struct screen *s, int ch)
{
	switch (ch) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		xt_parse_delay(s->typed, &s->delay); /* as Xen's: a bad delay changes nothing */
		s->prompting = false;
		return;
	case KEY_ESCAPE:
		s->prompting = false;
		return;
	case KEY_BACKSPACE:
	case 127:
	case '\b':
		if (s->ntyped)
			s->typed[--s->ntyped] = '\0';
		return;
	default:
		if (ch < 256 && isprint(ch) && s->ntyped + 1 < PROMPT_MAX) {
			s->typed[s->ntyped++] = (char)ch;
			s->typed[s->ntyped] = '\0';
		}
	}
}

/* Xen's keys, and the page keys. False: quit. */
static bool handle_key(struct screen *s, int ch)
{
	struct xt_view *v = s->view;
	size_t page = s->shown ? s->shown : 1;
	if (s->prompting) {
		prompt_key(s, ch);
		return true;
	}
	switch (ch < 256 ? toupper(ch) : ch) {
	case 'Q':
	case KEY_ESCAPE:
		return false;
	case 'D':
		s->prompting = true;
		s->typed[0] = '\0';
		s->ntyped = 0;
		break;
	case 'N':
		v->networks = !v->networks;
		break;
	case 'B':
		v->vbds = !v->vbds;
		break;
	case 'V':
		v->vcpus = !v->vcpus;
		break;
	case 'R':
		v->repeat_header = !v->repeat_header;
		break;
	case 'S':
		v->sort = xt_sort_next(v->sort);
		break;
	case KEY_DOWN:
		v->first++;
		break;
	case KEY_UP:
		v->first -= v->first > 0;
		break;
	case KEY_NPAGE:
		v->first += page;
		break;
	case KEY_PPAGE:
		v->first -= v->first < page ? v->first : page;
		break;
	case KEY_HOME:
		v->first = 0;
		break;
	case KEY_END:
		v->first = (size_t)-1; /* xt_render brings it to the last domain */
		break;
	}
	return true;
}

static double since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void start_curses(struct screen *s)
{
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25); /* Esc quits at once, not after ncurses' second */
	curs_set(0);
	s->on = A_BOLD;
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, -1, COLOR_YELLOW);
		s->on = COLOR_PAIR(1);
	}
}

int xt_screen_run(struct xt_view *v, double delay, unsigned iterations)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "xentop: the screen needs a terminal on standard input and output "
				"(xentop -b prints frames as text)\n");
		return 1;
	}
	SCREEN *term = newterm(NULL, stdout, stdin);
	if (!term) {
		fprintf(stderr, "xentop: cannot drive this terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	struct screen s = { .view = v, .delay = delay };
	start_curses(&s);
	struct xt_frames fs = { 0 };
	struct timespec last = { 0 };
	char err[512];
	int status = 0;
	for (bool more = true; more;) {
		if (fs.taken == 0 || since(&last) >= s.delay) {
			if (xt_frames_next(&fs, v->vcpus, err, sizeof(err)) < 0) {
				status = 1;
				break;
			}
			clock_gettime(CLOCK_MONOTONIC, &last);
			draw(&s, &fs.cur);
			if (iterations && fs.taken >= iterations)
				break;
		}
		double wait = s.delay - since(&last);
		timeout(wait > 0 ? (int)ceil(wait * 1000) : 0);
		int ch = getch();
		if (ch == ERR)
			continue;
		more = handle_key(&s, ch);
		draw(&s, &fs.cur);
	}
	endwin();
	delscreen(term);
	if (status)
		fprintf(stderr, "xentop: %s\n", err);
	xt_frames_free(&fs);
	return status;
}
