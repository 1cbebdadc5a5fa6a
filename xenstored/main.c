/* xenstored: the host's XenStore daemon.
 *
 *   xenstored [--no-fork] [--pid-file FILE] [--socket PATH] [--journal FILE]
 *             [quota options] [--verbose]
 *
 * Listens on PATH (default $XENSTORED_PATH, else /var/run/xenstored/socket)
 * and PATH_ro (read-only), as Xen's daemon does, so libxenstore and
 * xenstore-utils work unchanged. Keeps its journal in FILE (default
 * $XENSTORED_ROOTDIR/journal, else /var/lib/xenstored/journal). Without
 * --no-fork it detaches once the sockets are ready, so whoever started it
 * may connect at once.
 *
 * Each turn of the event loop: hear which connections are ready, handle a
 * few requests of each, write the journal, then send the replies. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "xenstored.h"

struct listener {
	struct io_handler io;
	bool readonly;
};

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

int loop_add(struct io_handler *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };
	return epoll_ctl(xs.epoll_fd, EPOLL_CTL_ADD, h->fd, &ev);
}

void loop_remove(struct io_handler *h)
{
	epoll_ctl(xs.epoll_fd, EPOLL_CTL_DEL, h->fd, NULL);
}

void loop_want_output(struct io_handler *h, bool want)
{
	if (h->want_output == want)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = h };
	if (epoll_ctl(xs.epoll_fd, EPOLL_CTL_MOD, h->fd, &ev) == 0)
		h->want_output = want;
}

/* Readable (requests) or writable (room for replies): the turn's service
 * and flush phases do the work. */
static void socket_ready(struct io_handler *h)
{
	struct conn *c = container_of(h, struct conn, io);
	c->wants_service = true;
}

static void listener_ready(struct io_handler *h)
{
	struct listener *l = container_of(h, struct listener, io);
	int fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct conn *c = conn_new(CONN_SOCKET, fd, socket_ready);
	if (!c) {
		close(fd);
		return;
	}
	/* The sockets are root's alone (mode 0600), so a client is dom0. */
	c->privileged = true;
	c->readonly = l->readonly;
	if (loop_add(&c->io) < 0)
		conn_close(c, "cannot watch the connection");
}

/* Makes the folder `path` lives in (one level, as Xen's daemon does). */
static int make_parent_dir(const char *path)
{
	char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int r = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			log_err("making %s: %s", dir, strerror(errno));
			r = -1;
		}
	}
	free(dir);
	return r;
}

static int listen_on(struct listener *l, const char *path, bool readonly)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path)) {
		log_err("socket path too long: %s", path);
		return -1;
	}
	strcpy(a.sun_path, path);
	if (make_parent_dir(path) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_err("socket: %s", strerror(errno));
		return -1;
	}
	/* Refuse to start beside a live daemon; take over a dead one's socket. */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		log_err("another xenstored is already listening on %s", path);
		close(fd);
		return -1;
	}
	unlink(path);
	mode_t old = umask(0077);
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(fd, 128) < 0) {
		log_err("listening on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	l->io = (struct io_handler){ .fd = fd, .ready = listener_ready };
	l->readonly = readonly;
	return loop_add(&l->io);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenstored [--no-fork] [--pid-file FILE] [--socket PATH] [--journal FILE]\n"
		"                 [--entry-nb N] [--entry-size BYTES] [--watch-nb N] [--transaction N]\n"
		"                 [--perm-nb N] [--path-max CHARS] [--quota WHAT=N]... [--verbose]\n"
		"quotas bind every domain but dom0; --quota takes transaction-nodes, outstanding,\n"
		"watch-events and memory (bytes); CONTROL quota (xenstore-control quota) shows them\n");
}

/* -Q WHAT=N */
static bool parse_named_quota(char *arg)
{
	char *eq = strchr(arg, '=');
	if (!eq)
		return false;
	*eq = '\0';
	bool ok = quota_set(arg, eq + 1);
	*eq = '='; /* the error message shows the whole argument */
	return ok;
}

/* One turn's work after the readiness callbacks. */
static void run_turn(void)
{
	for (struct conn *c = xs.conns; c; c = c->next)
		if (conn_runnable(c))
			conn_service(c, REQUESTS_PER_TURN);
	journal_write_or_die(); /* before any reply says "done" */
	for (struct conn *c = xs.conns; c; c = c->next)
		conn_flush(c);
	conn_reap();
}

static bool any_runnable(void)
{
	for (struct conn *c = xs.conns; c; c = c->next)
		if (conn_runnable(c))
			return true;
	return false;
}

/* Detaches; the parent exits once the child says the sockets are ready. */
static int daemonize(int *ready_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		char status = 1;
		if (read(p[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "no-fork", no_argument, NULL, 'N' },
		{ "pid-file", required_argument, NULL, 'F' },
		{ "socket", required_argument, NULL, 's' },
		{ "journal", required_argument, NULL, 'J' },
		{ "entry-nb", required_argument, NULL, 'E' },
		{ "entry-size", required_argument, NULL, 'S' },
		{ "watch-nb", required_argument, NULL, 'W' },
		{ "transaction", required_argument, NULL, 't' },
		{ "perm-nb", required_argument, NULL, 'A' },
		{ "path-max", required_argument, NULL, 'M' },
		{ "quota", required_argument, NULL, 'Q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *socket_path = getenv("XENSTORED_PATH");
	const char *pid_file = NULL, *journal_path = NULL;
	bool fork_off = true, ok = true;
	int c;

	log_set_prefix("xenstored", NULL);
	xs.quota = (struct quota)QUOTA_DEFAULTS;
	while ((c = getopt_long(argc, argv, "NF:s:J:E:S:W:t:A:M:Q:vh", options, NULL)) != -1) {
		switch (c) {
		case 'N': fork_off = false; break;
		case 'F': pid_file = optarg; break;
		case 's': socket_path = optarg; break;
		case 'J': journal_path = optarg; break;
		case 'E': ok = quota_set("entry-nb", optarg); break;
		case 'S': ok = quota_set("entry-size", optarg); break;
		case 'W': ok = quota_set("watch-nb", optarg); break;
		case 't': ok = quota_set("transaction", optarg); break;
		case 'A': ok = quota_set("perm-nb", optarg); break;
		case 'M': ok = quota_set("path-max", optarg); break;
		case 'Q': ok = parse_named_quota(optarg); break;
		case 'v': log_set_verbose(true); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "xenstored: bad value for -%c: %s\n", c, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!socket_path || !*socket_path)
		socket_path = "/var/run/xenstored/socket";
	char default_journal[4096];
	if (!journal_path) {
		const char *dir = getenv("XENSTORED_ROOTDIR");
		snprintf(default_journal, sizeof(default_journal), "%s/journal",
			 dir && *dir ? dir : "/var/lib/xenstored");
		journal_path = default_journal;
	}
	char ro_path[sizeof(((struct sockaddr_un *)0)->sun_path) + 4];
	snprintf(ro_path, sizeof(ro_path), "%s_ro", socket_path);

	int ready_fd = -1;
	if (fork_off && daemonize(&ready_fd) < 0) {
		log_err("cannot detach: %s", strerror(errno));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	xs.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (xs.epoll_fd < 0) {
		log_err("cannot start: %s", strerror(errno));
		return 1;
	}
	struct listener rw, ro;
	if (listen_on(&rw, socket_path, false) < 0 || listen_on(&ro, ro_path, true) < 0)
		return 1;
	/* After the sockets: a second daemon must fail before it touches the
	 * journal. */
	store_init_empty(&xs.store, watch_fire, NULL);
	char why[512];
	if (make_parent_dir(journal_path) < 0)
		return 1;
	if (journal_open(journal_path, why, sizeof(why)) < 0) {
		log_err("%s", why);
		return 1;
	}
	domain_restore_all();
	if (pid_file) {
		FILE *f = fopen(pid_file, "w");
		if (!f) {
			log_err("pid file %s: %s", pid_file, strerror(errno));
			return 1;
		}
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	log_debug("listening on %s and %s", socket_path, ro_path);
	if (ready_fd >= 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
		char ready = 0;
		if (write(ready_fd, &ready, 1) != 1)
			log_warn("cannot tell the parent we are ready");
		close(ready_fd);
	}

	while (!stopping) {
		struct epoll_event events[64];
		int n = epoll_wait(xs.epoll_fd, events, 64, any_runnable() ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct io_handler *h = events[i].data.ptr;
			h->ready(h);
		}
		run_turn();
	}
	journal_close();
	unlink(socket_path);
	unlink(ro_path);
	if (pid_file)
		unlink(pid_file);
	return 0;
}
