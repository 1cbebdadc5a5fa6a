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
 * new xend takes back the domains an old one left running.
 *
 * `xend start` reads /etc/xen/xend-config.sxp ($XENON_CONFIG_DIR for
 * another folder; none gives the defaults, a malformed one stops it), then
 * the daemon installs the hotplug scripts missing from /etc/xen/scripts
 * ($XENON_SCRIPT_DIR; by default `scripts` in the config folder) from
 * PREFIX/share/xenon/hotplug when installed, else the source tree's hotplug/
 * ($XENON_HOTPLUG_DIR names another folder) and runs the network script
 * (`network-bridge start`), whose output, as every script's, goes to
 * xen-hotplug.log beside xend.log. */
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
#include "program.h"
#include "relocation.h"
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

/* An environment variable's value, or `fallback` if it is unset or empty. */
static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && *v ? v : fallback;
}

/* The scripts xend ships: an installed xend (PREFIX/sbin/xend) finds the
 * pristine copies `make install` keeps in PREFIX/share/xenon/hotplug; a
 * built one (build/main/xend/xend), the source tree's hotplug/ three
 * folders up. */
static void install_scripts(void)
{
	static const char *const beside[] = { "../share/xenon/hotplug", "../../../hotplug" };
	const char *from = getenv("XENON_HOTPLUG_DIR");
	char self[PATH_MAX], path[PATH_MAX + 32];
	struct stat st;
	for (size_t i = 0; (!from || !*from) && i < 2 && program_self_dir(self); i++) {
		snprintf(path, sizeof(path), "%s/%s", self, beside[i]);
		from = stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? path : NULL;
	}
	if (!from) {
		log_warn("no hotplug scripts to install in %s (neither ../share/xenon/hotplug nor the source "
			 "tree's hotplug/ is beside xend; $XENON_HOTPLUG_DIR names a folder)",
			 xend.scripts_dir);
		return;
	}
	char err[512];
	if (scripts_install(from, xend.scripts_dir, err, sizeof(err)) < 0)
		log_err("installing the hotplug scripts: %s", err);
}

/* (network-script ...) start: sets up the host's network for the vifs (a
 * bridge, say). A failure is logged; domains without vifs still run. */
static void start_network(void)
{
	struct hotplug_script script;
	int r = hotplug_script_resolve(xend.scripts_dir, xend.settings.network_script, &script);
	if (r != 0) {
		if (r < 0)
			log_err("the network script: out of memory");
		return;
	}
	char err[512];
	if (hotplug_run(&script, "start", NULL, xend.hotplug_log, HOTPLUG_TIMEOUT_MS, err, sizeof(err)) < 0)
		log_err("%s (see %s)", err, xend.hotplug_log);
	else
		log_info("ran %s start", script.path);
	hotplug_script_free(&script);
}

/* xm's socket, and the relocation servers' (plain and TLS; -1 if off). */
static void serve(int listen_fd, const int relocation_fd[2])
{
	while (!stopping) {
		enum { LISTENERS = 3 }; /* xm's, then the two relocation servers' */
		struct pollfd fds[LISTENERS + 1024];
		struct xdomain *watched[1024];
		nfds_t n = LISTENERS;
		fds[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = relocation_fd[0], .events = POLLIN };
		fds[2] = (struct pollfd){ .fd = relocation_fd[1], .events = POLLIN };
		for (struct xdomain *d = xend.domains; d && n < LISTENERS + 1024; d = d->next) {
			if (d->watch_fd < 0)
				continue;
			watched[n - LISTENERS] = d;
			fds[n++] = (struct pollfd){ .fd = d->watch_fd, .events = POLLIN };
		}
		if (poll(fds, n, -1) < 0) {
			if (errno != EINTR)
				log_err("poll: %s", strerror(errno));
			continue;
		}
		for (nfds_t i = LISTENERS; i < n; i++)
			if (fds[i].revents)
				domain_ended(watched[i - LISTENERS]); /* may free it: the list is rebuilt next turn */
		for (int tls = 0; tls < 2; tls++)
			if (fds[1 + tls].revents & POLLIN)
				relocation_accept(relocation_fd[tls], tls);
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
	xend.log_dir = env_or("XENON_LOG_DIR", "/var/log/xen");
	xend.state_dir = env_or("XENON_STATE_DIR", "/var/lib/xend");
	const char *config_dir = env_or("XENON_CONFIG_DIR", "/etc/xen");
	static char config_path[PATH_MAX], scripts_dir[PATH_MAX];
	snprintf(config_path, sizeof(config_path), "%s/xend-config.sxp", config_dir);
	snprintf(scripts_dir, sizeof(scripts_dir), "%s/scripts", config_dir);
	xend.scripts_dir = env_or("XENON_SCRIPT_DIR", scripts_dir);
	snprintf(xend.hotplug_log, sizeof(xend.hotplug_log), "%s/xen-hotplug.log", xend.log_dir);
	char err[512];
	if (xend_settings_load(config_path, &xend.settings, err, sizeof(err)) < 0) {
		fprintf(stderr, "xend: %s\n", err);
		return 1;
	}
	xend.vmm_path = program_find("xenon-vmm", "vmm", "XENON_VMM");
	if (!xend.vmm_path) {
		fprintf(stderr, "xend: cannot find xenon-vmm beside xend\n");
		return 1;
	}
	xend.xenstored_path = program_find("xenstored", "xenstored", "XENON_XENSTORED");
	char console_dir[PATH_MAX], log_path[PATH_MAX], records_dir[PATH_MAX];
	snprintf(console_dir, sizeof(console_dir), "%s/console", xend.log_dir);
	if (xend_log_path(xend.log_dir, xend.settings.logfile, log_path, sizeof(log_path)) < 0 ||
	    xend_log_prepare(log_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "xend: %s\n", errno == ENAMETOOLONG ? "the log's path is too long" : err);
		return 1;
	}
	snprintf(records_dir, sizeof(records_dir), "%s/domains", xend.state_dir);
	if (make_folders(console_dir) < 0 || make_folders(control_run_dir()) < 0 || make_folders(records_dir) < 0) {
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
	int devnull = open("/dev/null", O_RDWR);
	dup2(devnull, STDIN_FILENO);
	dup2(devnull, STDOUT_FILENO);
	log_set_prefix("xend", NULL);
	if (xend_log_open(log_path, xend.settings.loglevel) < 0)
		dup2(devnull, STDERR_FILENO); /* the starter says to see a log that could not be had */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	dmesg_banner();

	if (store_open(err, sizeof(err)) < 0) {
		log_err("%s", err);
		_exit(1);
	}
	install_scripts();
	start_network();
	sched_init(xend.settings.dom0_cpus);
	managed_load_all();
	domain_recover_all();
	int listen_fd = -1;
	if (!xend.settings.unix_server)
		log_warn("(xend-unix-server no) in %s: xm cannot reach this xend", config_path);
	else if ((listen_fd = control_listen(control_xend_path())) < 0) {
		log_err("listening on %s: %s", control_xend_path(), strerror(errno));
		_exit(1);
	}
	int relocation_fd[2] = { relocation_listen(false), relocation_listen(true) };
	FILE *f = fopen(pid_file(), "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	log_info("started (pid %d)%s%s", (int)getpid(), listen_fd >= 0 ? ", listening on " : "",
		 listen_fd >= 0 ? control_xend_path() : "");
	char ok = 0;
	if (write(ready[1], &ok, 1) != 1)
		log_warn("cannot tell the starter we are up");
	close(ready[1]);
	serve(listen_fd, relocation_fd);
	log_info("stopping; domains keep running");
	for (int tls = 0; tls < 2; tls++)
		if (relocation_fd[tls] >= 0)
			close(relocation_fd[tls]);
	if (listen_fd >= 0) {
		close(listen_fd);
		unlink(control_xend_path());
	}
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
