/* xm console: the domain's console PTY on this terminal. Ctrl-] detaches,
 * as in Xen. The terminal is put in raw mode (the guest's tty does the
 * editing) and restored however we leave. */
#include "console.h"

#include "fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define DETACH_KEY 0x1d /* Ctrl-] */

static struct termios saved;
static bool restore_needed;

static void restore_terminal(void)
{
	if (restore_needed)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	restore_needed = false;
}

int console_attach(const char *tty)
{
	int pty = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty < 0) {
		fprintf(stderr, "Error: cannot open the console %s: %s\n", tty, strerror(errno));
		return 1;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios raw = saved;
		cfmakeraw(&raw);
		restore_needed = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		atexit(restore_terminal);
	}
	signal(SIGPIPE, SIG_IGN);
	bool input_open = true;
	char buf[4096];
	int status = 0;
	for (;;) {
		struct pollfd fds[2] = { { .fd = pty, .events = POLLIN },
					 { .fd = input_open ? STDIN_FILENO : -1, .events = POLLIN } };
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			status = 1;
			break;
		}
		if (fds[0].revents) {
			ssize_t n = read(pty, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break; /* the domain is gone: its PTY closed */
			if (fd_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (fds[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				input_open = false; /* keep showing output until the domain goes */
				continue;
			}
			char *detach = memchr(buf, DETACH_KEY, (size_t)n);
			size_t len = detach ? (size_t)(detach - buf) : (size_t)n;
			if (len && fd_write_all(pty, buf, len) < 0)
				break;
			if (detach)
				break;
		}
	}
	close(pty);
	restore_terminal();
	return status;
}
