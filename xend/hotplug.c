/* Running the scripts of /etc/xen/scripts (network-bridge, vif-bridge, ...)
 * as Xen ran them: xend ran the network script at its start, and udev ran
 * a vif's script when its backend came and went, with XENBUS_PATH and the
 * vif's name in the environment. Here xend runs both itself, so a failure
 * is the attach's error and not a line lost in udev's log.
 *
 * What a script prints goes to xen-hotplug.log, as Xen's did; the last line
 * it writes on stderr is the error xm shows. Its own process group, so a
 * script that hangs is killed with whatever it started. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xend.h"

#define POLL_SLICE_MS 100
#define LINE_MAX_KEPT 512

static void free_words(char **words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

/* The setting's words, split at blanks (malloc'd). */
static int split_words(const char *text, char ***out, size_t *n)
{
	char **words = NULL;
	size_t count = 0;
	for (const char *p = text;;) {
		p += strspn(p, " \t\n");
		if (!*p)
			break;
		size_t len = strcspn(p, " \t\n");
		char **more = realloc(words, (count + 1) * sizeof(*words));
		char *word = strndup(p, len);
		if (!more || !word) {
			free(word);
			free_words(more ? more : words, count);
			return -1;
		}
		words = more;
		words[count++] = word;
		p += len;
	}
	*out = words;
	*n = count;
	return 0;
}

int hotplug_script_resolve(const char *scripts_dir, const char *setting, struct hotplug_script *s)
{
	*s = (struct hotplug_script){ 0 };
	char **words;
	size_t n;
	if (split_words(setting, &words, &n) < 0)
		return -1;
	if (n == 0) {
		free(words);
		return 1;
	}
	if (strchr(words[0], '/')) {
		s->path = words[0];
	} else if (asprintf(&s->path, "%s/%s", scripts_dir, words[0]) < 0) {
		s->path = NULL;
		free_words(words, n);
		return -1;
	} else {
		free(words[0]);
	}
	memmove(words, words + 1, (n - 1) * sizeof(*words));
	s->args = words;
	s->nargs = n - 1;
	return 0;
}

void hotplug_script_free(struct hotplug_script *s)
{
	free(s->path);
	free_words(s->args, s->nargs);
	*s = (struct hotplug_script){ 0 };
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: the script with the environment it is owed, its output to
 * the log and the pipe; nothing else of xend's (sockets, VMM connections). */
static void exec_script(const struct hotplug_script *s, const char *action, char *const *env, int log_fd,
			int err_fd)
{
	setpgid(0, 0);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	dup2(log_fd >= 0 ? log_fd : err_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	close_range(3, ~0U, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	for (char *const *e = env; e && *e; e++)
		putenv(*e);
	char **argv = calloc(s->nargs + 3, sizeof(*argv));
	if (argv) {
		argv[0] = s->path;
		argv[1] = (char *)action;
		memcpy(argv + 2, s->args, s->nargs * sizeof(*argv));
		execv(s->path, argv);
	}
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", s->path, strerror(errno));
	_exit(127);
}

/* What the script says on stderr: copied to the log, its last line kept. */
struct output {
	int log_fd;
	char line[LINE_MAX_KEPT];
	size_t len;
	char last[LINE_MAX_KEPT];
};

static void take_output(struct output *o, const char *buf, size_t n)
{
	if (o->log_fd >= 0 && write(o->log_fd, buf, n) < 0) {
		/* the log is a courtesy: the script's status is what counts */
	}
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			o->line[o->len] = '\0';
			if (o->len)
				memcpy(o->last, o->line, sizeof(o->last));
			o->len = 0;
		} else if (buf[i] != '\r' && o->len + 1 < sizeof(o->line)) {
			o->line[o->len++] = buf[i];
		}
	}
}

/* Reads what the pipe has; false once it is at its end. */
static bool drain(int fd, struct output *o)
{
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			take_output(o, buf, (size_t)n);
		else
			return n < 0 && (errno == EAGAIN || errno == EINTR);
	}
}

int hotplug_run(const struct hotplug_script *s, const char *action, char *const *env, const char *log_path,
		int timeout_ms, char *err, size_t errlen)
{
	struct output out = { .log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) };
	if (out.log_fd >= 0) {
		dprintf(out.log_fd, "xend: %s %s", s->path, action);
		for (size_t i = 0; i < s->nargs; i++)
			dprintf(out.log_fd, " %s", s->args[i]);
		for (char *const *e = env; e && *e; e++)
			dprintf(out.log_fd, "%s%s", e == env ? " (" : " ", *e);
		dprintf(out.log_fd, "%s\n", env && *env ? ")" : "");
	}
	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "%s %s: %s", s->path, action, strerror(errno));
		if (out.log_fd >= 0)
			close(out.log_fd);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0)
		exec_script(s, action, env, out.log_fd, pipe_fds[1]);
	close(pipe_fds[1]);
	if (pid < 0) {
		snprintf(err, errlen, "%s %s: fork: %s", s->path, action, strerror(errno));
		close(pipe_fds[0]);
		if (out.log_fd >= 0)
			close(out.log_fd);
		return -1;
	}
	setpgid(pid, pid); /* as the child does: whichever runs first */
	fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
	int64_t deadline = now_ms() + timeout_ms;
	bool open_pipe = true, timed_out = false;
	int status = 0;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r < 0 && errno != EINTR) {
			snprintf(err, errlen, "%s %s: waiting for it: %s", s->path, action, strerror(errno));
			kill(-pid, SIGKILL);
			close(pipe_fds[0]);
			if (out.log_fd >= 0)
				close(out.log_fd);
			return -1;
		}
		if (r == pid) {
			/* What it wrote before it exited; a child it left behind
			 * holding the pipe is not waited for. */
			if (open_pipe)
				drain(pipe_fds[0], &out);
			break;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		if (open_pipe) {
			struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };
			if (poll(&p, 1, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS) > 0)
				open_pipe = drain(pipe_fds[0], &out);
		} else {
			usleep(10000);
		}
	}
	close(pipe_fds[0]);
	if (out.log_fd >= 0) {
		if (out.len)
			dprintf(out.log_fd, "\n"); /* its last line had no newline */
		close(out.log_fd);
		out.log_fd = -1;
	}
	take_output(&out, "\n", 1);
	if (timed_out) {
		snprintf(err, errlen, "%s %s failed: it did not finish in %d s and was killed", s->path, action,
			 (timeout_ms + 999) / 1000);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char why[64];
	if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "killed by signal %d", WTERMSIG(status));
	else
		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(status));
	snprintf(err, errlen, "%s %s failed: %s", s->path, action, out.last[0] ? out.last : why);
	return -1;
}
