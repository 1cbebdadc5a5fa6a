/* xend: the host's domain manager.
 *
 *   xend start     start the daemon (and xenstored, if it is not running)
 *   xend stop      stop it; running domains go on running
 *   xend restart
 *   xend status    exit 0 if it runs, 3 if not
 *
 * It listens on $XENON_RUN_DIR/xend.sock (default /run/xenon), logs to
 * /var/log/xen/xend.log ($XENON_LOG_DIR for another folder) and keeps a
 * record of each domain in /var/lib/xend/domains ($XENON_STATE_DIR), so a
 * new xend takes back the domains an old one left running. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xend.h"

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static const char *pid_file(void)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/xend.pid", control_run_dir());
	return path;
}

static pid_t running_pid(void)
{
	FILE *f = fopen(pid_file(), "r");
	if (!f)
		return 0;
	int pid = 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 && kill(pid, 0) == 0 ? pid : 0;
}

/* Our programs live beside us (installed) or in their build folders. */
static const char *find_program(const char *name, const char *build_dir, const char *env)
{
	const char *override = getenv(env);
	if (override && *override)
		return override;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	static char found[2][PATH_MAX];
	static int slot;
	char *out = found[slot++ % 2];
	if (snprintf(out, PATH_MAX, "%s/%s", self, name) < PATH_MAX && access(out, X_OK) == 0)
		return out;
	if (snprintf(out, PATH_MAX, "%s/../%s/%s", self, build_dir, name) >= PATH_MAX)
		return NULL;
	return access(out, X_OK) == 0 ? out : NULL;
}

static int mkdirs(const char *dir)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static void serve(int listen_fd)
{
	while (!stopping) {
		struct pollfd fds[1 + 1024];
		struct xdomain *watched[1024];
		nfds_t n = 1;
		fds[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (struct xdomain *d = xend.domains; d && n < 1024; d = d->next) {
			if (d->watch_fd < 0)
				continue;
			watched[n - 1] = d;
			fds[n++] = (struct pollfd){ .fd = d->watch_fd, .events = POLLIN };
		}
		if (poll(fds, n, -1) < 0) {
			if (errno != EINTR)
				log_err("poll: %s", strerror(errno));
			continue;
		}
		for (nfds_t i = 1; i < n; i++)
			if (fds[i].revents)
				domain_ended(watched[i - 1]); /* may free it: the list is rebuilt next turn */
		if (fds[0].revents & POLLIN) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			struct timeval tv = { .tv_sec = 10 };
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			request_handle(fd);
			close(fd);
		}
	}
}

static int start(void)
{
	if (running_pid()) {
		fprintf(stderr, "xend is already running (pid %d)\n", (int)running_pid());
		return 0;
	}
	xend.log_dir = getenv("XENON_LOG_DIR") && *getenv("XENON_LOG_DIR") ? getenv("XENON_LOG_DIR") : "/var/log/xen";
	xend.state_dir = getenv("XENON_STATE_DIR") && *getenv("XENON_STATE_DIR") ? getenv("XENON_STATE_DIR") : "/var/lib/xend";
	xend.vmm_path = find_program("xenon-vmm", "vmm", "XENON_VMM");
	if (!xend.vmm_path) {
		fprintf(stderr, "xend: cannot find xenon-vmm beside xend\n");
		return 1;
	}
	xend.xenstored_path = find_program("xenstored", "xenstored", "XENON_XENSTORED");
	char console_dir[PATH_MAX], log_path[PATH_MAX], records_dir[PATH_MAX];
	snprintf(console_dir, sizeof(console_dir), "%s/console", xend.log_dir);
	snprintf(log_path, sizeof(log_path), "%s/xend.log", xend.log_dir);
	snprintf(records_dir, sizeof(records_dir), "%s/domains", xend.state_dir);
	if (mkdirs(console_dir) < 0 || mkdirs(control_run_dir()) < 0 || mkdirs(records_dir) < 0) {
		fprintf(stderr, "xend: cannot make %s, %s or %s: %s\n", console_dir, control_run_dir(), records_dir,
			strerror(errno));
		return 1;
	}
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		close(ready[1]);
		char status = 1;
		if (read(ready[0], &status, 1) != 1)
			status = 1;
		if (status)
			fprintf(stderr, "xend: failed to start (see %s)\n", log_path);
		return status;
	}
	close(ready[0]);
	setsid();
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	int devnull = open("/dev/null", O_RDWR);
	dup2(devnull, STDIN_FILENO);
	dup2(log_fd >= 0 ? log_fd : devnull, STDOUT_FILENO);
	dup2(log_fd >= 0 ? log_fd : devnull, STDERR_FILENO);
	log_set_prefix("xend", NULL);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	char err[256];
	if (store_open(err, sizeof(err)) < 0) {
		log_err("%s", err);
		_exit(1);
	}
	domain_recover_all();
	int listen_fd = control_listen(control_xend_path());
	if (listen_fd < 0) {
		log_err("listening on %s: %s", control_xend_path(), strerror(errno));
		_exit(1);
	}
	FILE *f = fopen(pid_file(), "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	log_info("started (pid %d), listening on %s", (int)getpid(), control_xend_path());
	char ok = 0;
	if (write(ready[1], &ok, 1) != 1)
		log_warn("cannot tell the starter we are up");
	close(ready[1]);
	serve(listen_fd);
	log_info("stopping; domains keep running");
	close(listen_fd);
	unlink(control_xend_path());
	unlink(pid_file());
	_exit(0);
}

static int stop(void)
{
	pid_t pid = running_pid();
	if (!pid) {
		fprintf(stderr, "xend is not running\n");
		return 0;
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		usleep(50000);
	if (kill(pid, 0) == 0) {
		fprintf(stderr, "xend (pid %d) did not stop\n", (int)pid);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	log_set_prefix("xend", NULL);
	const char *cmd = argc == 2 ? argv[1] : "";
	if (strcmp(cmd, "start") == 0)
		return start();
	if (strcmp(cmd, "stop") == 0)
		return stop();
	if (strcmp(cmd, "restart") == 0)
		return stop() ? 1 : start();
	if (strcmp(cmd, "status") == 0) {
		pid_t pid = running_pid();
		printf(pid ? "xend is running (pid %d)\n" : "xend is not running\n", (int)pid);
		return pid ? 0 : 3;
	}
	fprintf(stderr, "usage: xend start|stop|restart|status\n");
	return 2;
}
