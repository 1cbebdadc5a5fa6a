/* xm migrate: a domain to another host's xend (relocation.h has the
 * protocol, vmm/precopy.h the live pre-copy).
 *
 * Without --live (Xen's warm migration) the guest suspends, as for xm
 * save, and its image goes to the target. With --live its RAM goes first
 * while it runs, round after round, and it is suspended only for what it
 * wrote during the last round. Either way the domain is the source's
 * until the target says it runs there: a target that refuses, fails or
 * goes away leaves the domain running here (its suspend cancelled), and
 * the target destroys whatever it built. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "relocation.h"
#include "save_stream.h"
#include "tls.h"
#include "xend.h"

#define CONNECT_TIMEOUT_MS 10000
/* A target that takes no more of the stream for this long is gone. */
#define SEND_TIMEOUT_S 60
/* The target builds the domain: its disks, its vifs' hotplug scripts. */
#define READY_TIMEOUT_MS (300 * 1000)
#define RUNNING_TIMEOUT_MS (60 * 1000)
#define VMM_STREAM_TIMEOUT_MS (3600 * 1000)

/* How a migration went. */
enum outcome {
	MIGRATED = 0,
	STAYED = -1,  /* the domain runs here (again) */
	ENDED = -2,   /* it shut down instead of suspending: it may be gone */
	UNKNOWN = -3, /* the target did not say whether it runs it */
};

struct migration {
	struct xdomain *d;
	const char *host;
	bool live;
	int conn;
	/* When each step of the stop began: where a downtime goes. */
	double start, suspended, copying, handed_over, let_go;
	json_int_t rounds, pages, bytes;
};

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A connection to HOST:PORT within CONNECT_TIMEOUT_MS; -1 with `err`. */
static int connect_to(const char *host, unsigned port, char *err, size_t errlen)
{
	char service[16];
	snprintf(service, sizeof(service), "%u", port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int e = getaddrinfo(host, service, &hints, &ai);
	if (e) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(e));
		return -1;
	}
	int fd = -1;
	snprintf(err, errlen, "%s port %u: no address", host, port);
	for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		int r = connect(fd, a->ai_addr, a->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int soerr = ETIMEDOUT;
			socklen_t len = sizeof(soerr);
			if (poll(&p, 1, CONNECT_TIMEOUT_MS) == 1)
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
			errno = soerr;
			r = soerr ? -1 : 0;
		}
		if (r < 0) {
			snprintf(err, errlen, "cannot reach %s port %u: %s", host, port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return -1;
	/* Blocking again, for the VMM's writes; one that the target stops
	 * taking fails in SEND_TIMEOUT_S. */
	int flags = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &flags, sizeof(flags));
	struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/* Why the stream failed: the target's own word if it left one (a
 * refusal of the domain), else `err` as it is. */
static void target_says(struct migration *m, char *err, size_t errlen)
{
	char line[RELOCATION_LINE_MAX], why[128];
	if (relocation_read_line(m->conn, line, sizeof(line), 5000, why, sizeof(why)) == 0 &&
	    strncmp(line, "failed: ", 8) == 0)
		snprintf(err, errlen, "%s: %s", m->host, line + 8);
}

static void resume_here(struct xdomain *d)
{
	char why[256] = "";
	if (domain_resume(d, why, sizeof(why)) < 0)
		log_err("domain %s (%u): resuming it failed too: %s", d->name, d->domid, why);
}

/* The VMM writes to the connection: "precopy" or "save". NULL with `err`. */
static json_t *vmm_stream(struct migration *m, json_t *req, char *err, size_t errlen)
{
	json_t *rep = domain_vmm_call_passing(m->d, req, m->conn, VMM_STREAM_TIMEOUT_MS, err, errlen);
	json_decref(req);
	return rep;
}

static void count(struct migration *m, json_t *rep)
{
	m->pages += json_integer_value(json_object_get(rep, "pages"));
	m->bytes += json_integer_value(json_object_get(rep, "bytes"));
	m->rounds += json_integer_value(json_object_get(rep, "rounds"));
	json_decref(rep);
}

/* Everything up to the stream's END, the domain suspended here at the
 * end of it: MIGRATED so far, STAYED or ENDED with `err`. */
static enum outcome send_domain(struct migration *m, char *err, size_t errlen)
{
	struct xdomain *d = m->d;
	char line[RELOCATION_LINE_MAX];
	if (relocation_read_line(m->conn, line, sizeof(line), CONNECT_TIMEOUT_MS, err, errlen) < 0) {
		snprintf(line, sizeof(line), "%s", err);
		snprintf(err, errlen, "%s did not greet us: %s", m->host, line);
		return STAYED;
	}
	if (strcmp(line, RELOCATION_GREETING) != 0) {
		snprintf(err, errlen, "%s %s", m->host,
			 strncmp(line, "refused: ", 9) == 0 ? line : "does not speak Xenon's relocation protocol");
		return STAYED;
	}
	int e = save_write_config(m->conn, d);
	if (e) {
		snprintf(err, errlen, "sending to %s: %s", m->host, strerror(-e));
		target_says(m, err, errlen);
		return STAYED;
	}
	if (m->live) {
		json_t *rep = vmm_stream(m, json_pack("{s:s}", "op", "precopy"), err, errlen);
		if (!rep) {
			target_says(m, err, errlen);
			return STAYED;
		}
		count(m, rep);
	}
	m->suspended = now();
	int s = save_suspend(d, err, errlen);
	if (s == -2)
		return ENDED;
	m->copying = now();
	if (s < 0) {
		if (m->live) {
			json_t *req = json_pack("{s:s}", "op", "precopy-cancel");
			json_decref(domain_vmm_call(d, req, line, sizeof(line)));
			json_decref(req);
		}
		return STAYED;
	}
	json_t *rep = vmm_stream(m, json_pack("{s:s, s:b}", "op", "save", "precopied", m->live), err, errlen);
	if (rep) {
		count(m, rep);
		e = save_write_record(m->conn, SAVE_REC_END, NULL, 0);
		m->handed_over = now();
		if (!e)
			return MIGRATED;
		snprintf(err, errlen, "sending to %s: %s", m->host, strerror(-e));
	}
	target_says(m, err, errlen);
	resume_here(d);
	return STAYED;
}

/* The target built it: it runs there once we let it go. MIGRATED: it runs
 * there; STAYED: it does not, and runs here again; UNKNOWN (`err`). */
static enum outcome hand_over(struct migration *m, char *err, size_t errlen)
{
	char line[RELOCATION_LINE_MAX];
	bool ready = relocation_read_line(m->conn, line, sizeof(line), READY_TIMEOUT_MS, err, errlen) == 0;
	if (ready && strcmp(line, "ready") != 0) {
		snprintf(err, errlen, "%s: %s", m->host, strncmp(line, "failed: ", 8) == 0 ? line + 8 : line);
		ready = false;
	}
	if (ready && relocation_write_line(m->conn, "go") < 0) {
		snprintf(err, errlen, "%s: %s", m->host, strerror(errno));
		ready = false;
	}
	if (!ready) {
		resume_here(m->d);
		return STAYED;
	}
	m->let_go = now();
	if (relocation_read_line(m->conn, line, sizeof(line), RUNNING_TIMEOUT_MS, err, errlen) < 0)
		return UNKNOWN;
	if (strcmp(line, "running") == 0)
		return MIGRATED;
	snprintf(err, errlen, "%s: %s", m->host, strncmp(line, "failed: ", 8) == 0 ? line + 8 : line);
	resume_here(m->d);
	return STAYED;
}

void do_migrate(int fd, struct xdomain *d, json_t *req)
{
	const char *host = json_string_value(json_object_get(req, "host"));
	bool live = json_is_true(json_object_get(req, "live"));
	json_t *ssl = json_object_get(req, "ssl");
	bool tls = json_is_boolean(ssl) ? json_is_true(ssl) : xend.settings.relocation_ssl;
	json_t *given = json_object_get(req, "port");
	json_int_t port = given ? json_integer_value(given) : tls ? RELOCATION_SSL_PORT : RELOCATION_PORT;
	if (!host || !host[0] || port < 1 || port > 65535) {
		control_reply_error(fd, "migrate wants a host and a port from 1 to 65535");
		return;
	}
	if (strcmp(d->state, "running") != 0) {
		control_reply_error(fd, "Domain %s is %s: only a running domain can migrate", d->name, d->state);
		return;
	}
	char err[3 * RELOCATION_LINE_MAX] = "", name[sizeof(d->name)];
	snprintf(name, sizeof(name), "%s", d->name);
	struct migration m = { .d = d, .host = host, .live = live, .start = now() };
	log_info("domain %s (%u): migrating to %s port %lld%s%s", d->name, d->domid, host, (long long)port,
		 live ? " (live)" : "", tls ? " over TLS" : "");
	m.conn = connect_to(host, (unsigned)port, err, sizeof(err));
	if (m.conn >= 0 && tls && (m.conn = tls_client(m.conn, host, err, sizeof(err))) >= 0) {
		struct timeval tv = { .tv_sec = SEND_TIMEOUT_S };
		setsockopt(m.conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	enum outcome r = m.conn < 0 ? STAYED : send_domain(&m, err, sizeof(err));
	if (r == MIGRATED)
		r = hand_over(&m, err, sizeof(err));
	if (m.conn >= 0)
		close(m.conn);
	if (r == UNKNOWN) {
		log_err("domain %s (%u): %s did not say whether it runs the domain: %s; it stays suspended here",
			d->name, d->domid, host, err);
		d->left_suspended = true;
		control_reply_error(fd, "Migration to %s may have failed: %s did not confirm that %s runs there (%s). "
				    "It stays suspended here: if it does not run on %s, xm unpause %s here resumes "
				    "it; if it does, xm destroy %s here.", host, host, name, err, host, name, name);
		return;
	}
	if (r != MIGRATED) {
		log_warn("domain %s: migration to %s failed: %s%s", name, host, err,
			 r == STAYED ? "; it runs on here" : "");
		control_reply_error(fd, "Migration failed: %s%s", err, r == STAYED ? " (the domain runs on here)" : "");
		return;
	}
	double end = now();
	log_info("domain %s (%u) migrated to %s%s: %.2f s in all, %lld rounds, %lld pages, %lld bytes, "
		 "suspended for %.0f ms", d->name, d->domid, host, live ? " live" : "", end - m.start,
		 (long long)m.rounds, (long long)m.pages, (long long)m.bytes, (end - m.suspended) * 1000);
	log_debug("domain %s: of the %.0f ms suspended, the guest took %.0f ms to suspend, the last copy %.0f ms, "
		  "the target %.0f ms to be ready and %.0f ms to run it", d->name, (end - m.suspended) * 1000,
		  (m.copying - m.suspended) * 1000, (m.handed_over - m.copying) * 1000,
		  (m.let_go - m.handed_over) * 1000, (end - m.let_go) * 1000);
	dmesg_domain(d, "migrated to %s", host);
	json_t *stats = json_pack("{s:f, s:I, s:I, s:I, s:f}", "seconds", end - m.start, "rounds", m.rounds, "pages",
				  m.pages, "bytes", m.bytes, "suspended_ms", (end - m.suspended) * 1000);
	char ignored[64];
	domain_destroy(d, ignored, sizeof(ignored));
	control_reply_ok(fd, stats);
}
