/* What the guest wrote to Xen's console, kept for xend (xen_console.h). */
#include "xen_console.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/control.h"
#include "control.h"

/* One domain per process: the state is the process's. */
static struct {
	pthread_mutex_t lock;          /* vCPU threads write, the control thread takes */
	char ring[XEN_CONSOLE_KEEP];   /* whole lines, each ending in '\n' */
	size_t start, used;
	char line[XEN_CONSOLE_LINE_MAX]; /* the line being written */
	size_t line_len;
} con = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Drops the oldest line (under the lock). */
static void drop_oldest(void)
{
	while (con.used) {
		char c = con.ring[con.start];
		con.start = (con.start + 1) % sizeof(con.ring);
		con.used--;
		if (c == '\n')
			return;
	}
}

/* The line being written, ended, into the ring (under the lock). */
static void end_line(void)
{
	size_t len = con.line_len + 1;
	while (con.used + len > sizeof(con.ring))
		drop_oldest();
	for (size_t i = 0; i < len; i++) {
		char c = i < con.line_len ? con.line[i] : '\n';
		con.ring[(con.start + con.used + i) % sizeof(con.ring)] = c;
	}
	con.used += len;
	con.line_len = 0;
}

void xen_console_write(const char *text, size_t len)
{
	pthread_mutex_lock(&con.lock);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			end_line();
			continue;
		}
		if (c == '\r' || c == '\0')
			continue; /* line ends as terminals want them; C strings' ends */
		con.line[con.line_len++] = (c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
		if (con.line_len == sizeof(con.line) - 1)
			end_line(); /* the rest follows on a line of its own */
	}
	pthread_mutex_unlock(&con.lock);
}

char *xen_console_take(void)
{
	pthread_mutex_lock(&con.lock);
	char *text = malloc(con.used + 1);
	if (text) {
		for (size_t i = 0; i < con.used; i++)
			text[i] = con.ring[(con.start + i) % sizeof(con.ring)];
		text[con.used] = '\0';
		con.start = con.used = 0;
	}
	pthread_mutex_unlock(&con.lock);
	return text;
}

void control_xen_console(int fd, json_t *req)
{
	char *text = xen_console_take();
	if (!text) {
		control_reply_error(fd, "out of memory");
		return;
	}
	control_reply_ok(fd, json_pack("{s:s}", "text", text));
	free(text);
}
