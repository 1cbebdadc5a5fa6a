#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "abi/xen_public.h"
#include "domain.h"
#include "log.h"

struct console {
	struct domain *dom;
	struct xencons_interface *ring;
	uint32_t port;
	int out_fd;
	int in_fd;
	int pty_slave_fd; /* held open so the master never sees a hang-up */
	char tty[64];     /* the PTY's name, when the console is one */
	int log_fd;
	pthread_mutex_t lock; /* one writer at a time on the outputs and the ring */
	pthread_t input_thread;
	bool input_started;
	int stop_pipe[2];
	bool corrupt_logged;
};

static struct console *console_of(struct domain *d)
{
	return d->xen.console;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len && fd >= 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a closed terminal or a full PTY must not stop the guest */
		buf += n;
		len -= (size_t)n;
	}
}

static void emit(struct console *c, const char *buf, size_t len)
{
	write_all(c->out_fd, buf, len);
	write_all(c->log_fd, buf, len);
}

void xen_console_early_write(struct domain *d, const char *text, size_t len)
{
	struct console *c = console_of(d);
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	emit(c, text, len);
	pthread_mutex_unlock(&c->lock);
}

/* The guest wrote to its out ring (or consumed input): take what is there. */
static void console_notify(void *opaque)
{
	struct console *c = opaque;
	struct xencons_interface *r = c->ring;
	char buf[sizeof(r->out)];

	pthread_mutex_lock(&c->lock);
	XENCONS_RING_IDX cons = r->out_cons;
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX avail = prod - cons;
	if (avail > sizeof(r->out)) {
		/* A guest's indexes are not to be trusted: drop what it claims. */
		if (!c->corrupt_logged)
			log_warn("console ring indexes are corrupt (prod %u, cons %u); output dropped", prod, cons);
		c->corrupt_logged = true;
		avail = 0;
	}
	for (XENCONS_RING_IDX i = 0; i < avail; i++)
		buf[i] = r->out[MASK_XENCONS_IDX(cons + i, r->out)];
	__atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
	emit(c, buf, avail);
	pthread_mutex_unlock(&c->lock);
	evtchn_notify_guest(c->dom, c->port);
}

/* Puts what fits of `buf` into the guest's in ring; returns how much. */
static size_t push_input(struct console *c, const char *buf, size_t len)
{
	struct xencons_interface *r = c->ring;
	pthread_mutex_lock(&c->lock);
	XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = r->in_prod;
	XENCONS_RING_IDX used = prod - cons;
	size_t room = used > sizeof(r->in) ? 0 : sizeof(r->in) - used;
	size_t n = len < room ? len : room;
	for (size_t i = 0; i < n; i++)
		r->in[MASK_XENCONS_IDX(prod + i, r->in)] = buf[i];
	__atomic_store_n(&r->in_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->lock);
	if (n)
		evtchn_notify_guest(c->dom, c->port);
	return n;
}

static void *input_loop(void *arg)
{
	struct console *c = arg;
	char buf[256];
	for (;;) {
		struct pollfd fds[2] = { { .fd = c->in_fd, .events = POLLIN },
					 { .fd = c->stop_pipe[0], .events = POLLIN } };
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (!fds[0].revents)
			continue;
		ssize_t n = read(c->in_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* end of input: the guest keeps running */
		size_t done = 0;
		while (done < (size_t)n) {
			done += push_input(c, buf + done, (size_t)n - done);
			if (done < (size_t)n)
				usleep(10000); /* the guest has not read yet */
		}
	}
	return NULL;
}

int console_setup(struct domain *d)
{
	struct console *c = calloc(1, sizeof(*c));
	if (!c) {
		log_err("out of memory for the console");
		return -1;
	}
	c->dom = d;
	c->out_fd = STDOUT_FILENO;
	c->in_fd = STDIN_FILENO;
	c->pty_slave_fd = -1;
	c->log_fd = -1;
	c->stop_pipe[0] = c->stop_pipe[1] = -1;
	pthread_mutex_init(&c->lock, NULL);
	c->ring = guest_phys(&d->mem, SPECIAL_BASE + SPECIAL_CONSOLE * PAGE_SIZE, PAGE_SIZE);
	d->xen.console = c;
	if (!c->ring) {
		log_err("the console ring page is outside guest memory");
		return -1;
	}
	memset(c->ring, 0, PAGE_SIZE);
	int port = evtchn_open_backend(d, console_notify, c);
	if (port < 0) {
		log_err("no event channel left for the console");
		return -1;
	}
	c->port = (uint32_t)port;
	d->xen.params[HVM_PARAM_CONSOLE_PFN] = SPECIAL_PFN(SPECIAL_CONSOLE);
	d->xen.params[HVM_PARAM_CONSOLE_EVTCHN] = c->port;
	return 0;
}

/* A PTY for the console (xm console attaches to its slave). Output nobody
 * reads fills the PTY's buffer and is then dropped there (the log keeps it
 * all): a guest never waits for a reader. */
static int open_pty(struct console *c)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, c->tty, sizeof(c->tty)) != 0) {
		log_err("making the console's PTY: %s", strerror(errno));
		if (master >= 0)
			close(master);
		return -1;
	}
	int slave = open(c->tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	struct termios t;
	if (slave < 0 || tcgetattr(slave, &t) < 0) {
		log_err("opening the console's PTY %s: %s", c->tty, strerror(errno));
		close(master);
		if (slave >= 0)
			close(slave);
		return -1;
	}
	cfmakeraw(&t); /* the guest's own tty does echo and line editing */
	tcsetattr(slave, TCSANOW, &t);
	c->out_fd = c->in_fd = master;
	c->pty_slave_fd = slave;
	return 0;
}

const char *console_tty(struct domain *d)
{
	struct console *c = console_of(d);
	return c && c->tty[0] ? c->tty : NULL;
}

int console_start(struct domain *d)
{
	struct console *c = console_of(d);
	if (d->cfg.console_pty && open_pty(c) < 0)
		return -1;
	/* Opened only now, so a domain that could not be built leaves no log. */
	if (d->cfg.console_log) {
		c->log_fd = open(d->cfg.console_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (c->log_fd < 0) {
			log_err("console log %s: %s", d->cfg.console_log, strerror(errno));
			return -1;
		}
	}
	if (pipe2(c->stop_pipe, O_CLOEXEC) < 0) {
		log_err("console input: %s", strerror(errno));
		return -1;
	}
	int err = pthread_create(&c->input_thread, NULL, input_loop, c);
	if (err) {
		log_err("console input thread: %s", strerror(err));
		return -1;
	}
	c->input_started = true;
	return 0;
}

void console_teardown(struct domain *d)
{
	struct console *c = console_of(d);
	if (!c)
		return;
	if (c->input_started) {
		write_all(c->stop_pipe[1], "x", 1);
		pthread_join(c->input_thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (c->stop_pipe[i] >= 0)
			close(c->stop_pipe[i]);
	if (c->log_fd >= 0)
		close(c->log_fd);
	if (c->pty_slave_fd >= 0) {
		close(c->pty_slave_fd);
		close(c->out_fd);
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
	d->xen.console = NULL;
}
