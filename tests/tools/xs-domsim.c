/* xs-domsim: many simulated domains against one xenstored, on a plain
 * machine (no KVM). Each domain is what xenstored sees of a guest: a VMM
 * control socket that hands over a XenStore ring page (a memfd) and two
 * eventfds, introduced by dom0 through libxenstore; behind the ring, a thread
 * speaks the guest's side of the protocol as Linux's xenbus does (a header
 * and its body written apart, the port raised only as Linux raises it).
 *
 *   xs-domsim [--domains N] [--hostile M] [--ops K] [--first-domid D]
 *             [--xenstored-pid PID]
 *
 * The well-behaved domains write, read back and list nodes in their homes,
 * and run transactions, measuring each request's latency: first alone, then
 * while the hostile ones attack: one floods requests and never reads a
 * reply, one takes nodes, watches and transactions until refused, one sends
 * a message longer than the protocol allows, one watches a busy path and
 * never reads the events. It prints what happened as NAME=VALUE lines for
 * tests/host/xenstored-domains.t and bench/xenstored.bench. Needs
 * XENSTORED_PATH (dom0's socket) and XENON_RUN_DIR (where the VMM sockets
 * go) set like the xenstored under test. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>
#include <xenstore.h>

#include "control.h"

enum role { GOOD, FLOODER, HOG, GARBAGE, DEAF_WATCHER, NROLES };
static const char *const role_names[] = { "good", "flooder", "hog", "garbage", "deaf-watcher" };

struct sim_domain {
	uint32_t domid;
	enum role role;
	int listen_fd, mem_fd, kick_fd, notify_fd;
	struct xenstore_domain_interface *ring;
	uint32_t next_req_id;
	pthread_t thread;
	/* results */
	unsigned ops_ok, ops_failed;
	uint64_t *latencies_ns;
	size_t nlatencies, latencies_cap;
	unsigned nodes_made, watches_made, txns_made;
	bool oversized_refused, cut_off;
};

static struct sim_domain *domains;
static unsigned ndomains, nops = 200;
static atomic_bool attack; /* the hostile ones act while this is set */
static atomic_bool stopping;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "xs-domsim: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- the VMM side: handing the ring over ---- */

static void *serve_vmm_sockets(void *arg)
{
	(void)arg;
	struct pollfd *fds = calloc(ndomains, sizeof(*fds));
	if (!fds)
		die("calloc");
	for (unsigned i = 0; i < ndomains; i++)
		fds[i] = (struct pollfd){ .fd = domains[i].listen_fd, .events = POLLIN };
	while (!atomic_load(&stopping)) {
		if (poll(fds, ndomains, 200) <= 0)
			continue;
		for (unsigned i = 0; i < ndomains; i++) {
			if (!(fds[i].revents & POLLIN))
				continue;
			int fd = accept4(fds[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			json_t *req = NULL;
			if (control_recv(fd, &req, NULL, NULL) == 1) {
				struct sim_domain *d = &domains[i];
				int handed[3] = { d->mem_fd, d->kick_fd, d->notify_fd };
				json_t *rep = json_pack("{s:b, s:i}", "ok", 1, "offset", 0);
				control_send(fd, rep, handed, 3);
				json_decref(rep);
			}
			json_decref(req);
			close(fd);
		}
	}
	free(fds);
	return NULL;
}

static void make_domain(struct sim_domain *d, uint32_t domid, enum role role)
{
	*d = (struct sim_domain){ .domid = domid, .role = role, .next_req_id = 1 };
	char path[256];
	if (control_vmm_path(domid, path, sizeof(path)) < 0)
		die("the run folder's path is too long");
	unlink(path);
	d->listen_fd = control_listen(path);
	d->mem_fd = memfd_create("xs-domsim-ring", MFD_CLOEXEC);
	d->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->listen_fd < 0 || d->mem_fd < 0 || d->kick_fd < 0 || d->notify_fd < 0 ||
	    ftruncate(d->mem_fd, 4096) < 0)
		die("making a simulated domain");
	d->ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, d->mem_fd, 0);
	if (d->ring == MAP_FAILED)
		die("mmap");
	/* Two phases of rounds of up to 3 requests, a tenth of them with a
	 * transaction of up to 5 tries of 3. */
	d->latencies_cap = 2 * 5 * (size_t)nops + 16;
	d->latencies_ns = calloc(d->latencies_cap, sizeof(uint64_t));
	if (!d->latencies_ns)
		die("calloc");
}

/* ---- the guest side of the ring ---- */

static void kick(struct sim_domain *d)
{
	uint64_t one = 1;
	if (write(d->kick_fd, &one, sizeof(one)) < 0)
		die("kicking xenstored");
}

/* Waits until xenstored raises our port, or `timeout_ms` passes. */
static bool wait_notify(struct sim_domain *d, int timeout_ms)
{
	struct pollfd p = { .fd = d->notify_fd, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) <= 0)
		return false;
	uint64_t count;
	if (read(d->notify_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		die("reading our port");
	return true;
}

/* Writes bytes into the request ring, waiting for room. */
static bool ring_write(struct sim_domain *d, const void *data, size_t len, int timeout_ms)
{
	struct xenstore_domain_interface *r = d->ring;
	const char *p = data;
	while (len) {
		XENSTORE_RING_IDX cons = __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX prod = r->req_prod;
		size_t room = XENSTORE_RING_SIZE - (prod - cons);
		if (room == 0) {
			if (!wait_notify(d, timeout_ms))
				return false;
			continue;
		}
		size_t n = len < room ? len : room;
		for (size_t i = 0; i < n; i++)
			r->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
		__atomic_store_n(&r->req_prod, prod + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
		/* As Linux's xenbus: raise the port only if xenstored had caught up. */
		if ((int32_t)(prod - __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE)) <= 0)
			kick(d);
		p += n;
		len -= n;
	}
	return true;
}

static bool ring_read(struct sim_domain *d, void *data, size_t len, int timeout_ms)
{
	struct xenstore_domain_interface *r = d->ring;
	char *p = data;
	while (len) {
		XENSTORE_RING_IDX prod = __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX cons = r->rsp_cons;
		size_t avail = prod - cons;
		if (avail == 0) {
			if (!wait_notify(d, timeout_ms))
				return false;
			continue;
		}
		size_t n = len < avail ? len : avail;
		for (size_t i = 0; i < n; i++)
			p[i] = r->rsp[MASK_XENSTORE_IDX(cons + i)];
		__atomic_store_n(&r->rsp_cons, cons + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
		/* As Linux's xenbus: only a ring that was full is worth a kick. */
		if (avail >= XENSTORE_RING_SIZE)
			kick(d);
		p += n;
		len -= n;
	}
	return true;
}

static bool send_request(struct sim_domain *d, uint32_t type, uint32_t tx, const void *body, size_t len)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = d->next_req_id++, .tx_id = tx, .len = (uint32_t)len };
	return ring_write(d, &hdr, sizeof(hdr), 2000) && ring_write(d, body, len, 2000);
}

/* Reads the reply (skipping watch events) into `out`; its type, or 0 when
 * none came in time. */
static uint32_t read_reply(struct sim_domain *d, char *out, size_t outlen)
{
	for (;;) {
		struct xsd_sockmsg hdr;
		char body[XENSTORE_PAYLOAD_MAX + 1];
		if (!ring_read(d, &hdr, sizeof(hdr), 5000) || hdr.len > XENSTORE_PAYLOAD_MAX ||
		    !ring_read(d, body, hdr.len, 5000))
			return 0;
		body[hdr.len] = '\0';
		if (hdr.type == XS_WATCH_EVENT)
			continue;
		if (out)
			snprintf(out, outlen, "%s", body);
		return hdr.type;
	}
}

/* One request and its reply, timed. */
static uint32_t call(struct sim_domain *d, uint32_t type, uint32_t tx, const void *body, size_t len, char *out,
		     size_t outlen)
{
	uint64_t start = now_ns();
	if (!send_request(d, type, tx, body, len))
		return 0;
	uint32_t got = read_reply(d, out, outlen);
	if (got && d->role == GOOD && d->nlatencies < d->latencies_cap)
		d->latencies_ns[d->nlatencies++] = now_ns() - start;
	return got;
}

/* Two strings, NUL-separated, as the wire wants them; returns the length. */
static size_t args2(char *buf, size_t len, const char *a, const char *b)
{
	size_t la = strlen(a) + 1, lb = strlen(b);
	if (la + lb > len)
		return 0;
	memcpy(buf, a, la);
	memcpy(buf + la, b, lb);
	return la + lb;
}

static void good_round(struct sim_domain *d, unsigned round)
{
	char body[256], path[64], value[64], out[XENSTORE_PAYLOAD_MAX + 1];
	snprintf(path, sizeof(path), "data/k%u", round % 50);
	snprintf(value, sizeof(value), "value-%u-%u", d->domid, round);
	size_t len = args2(body, sizeof(body), path, value);
	bool ok = call(d, XS_WRITE, 0, body, len, out, sizeof(out)) == XS_WRITE;
	ok = ok && call(d, XS_READ, 0, path, strlen(path) + 1, out, sizeof(out)) == XS_READ &&
	     strcmp(out, value) == 0;
	ok = ok && call(d, XS_DIRECTORY, 0, "data", 5, out, sizeof(out)) == XS_DIRECTORY;
	if (round % 10 == 0) {
		/* A transaction: start, write, commit (retrying on EAGAIN). */
		bool done = false;
		for (int attempt = 0; ok && !done && attempt < 5; attempt++) {
			ok = call(d, XS_TRANSACTION_START, 0, "", 1, out, sizeof(out)) == XS_TRANSACTION_START;
			uint32_t tx = (uint32_t)strtoul(out, NULL, 10);
			len = args2(body, sizeof(body), "data/txn", value);
			ok = ok && call(d, XS_WRITE, tx, body, len, out, sizeof(out)) == XS_WRITE;
			uint32_t type = ok ? call(d, XS_TRANSACTION_END, tx, "T", 2, out, sizeof(out)) : 0;
			done = type == XS_TRANSACTION_END;
			ok = done || (type == XS_ERROR && strcmp(out, "EAGAIN") == 0);
		}
		ok = ok && done;
	}
	if (ok)
		d->ops_ok++;
	else
		d->ops_failed++;
}

/* Takes nodes, watches and transactions until xenstored refuses each. */
static void hog(struct sim_domain *d)
{
	char body[4096], path[64], out[XENSTORE_PAYLOAD_MAX + 1];
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(path, sizeof(path), "hog/n%u", i);
		if (call(d, XS_MKDIR, 0, path, strlen(path) + 1, out, sizeof(out)) != XS_MKDIR)
			break;
		d->nodes_made++;
	}
	for (unsigned i = 0; i < 100000; i++) {
		snprintf(path, sizeof(path), "w%u", i);
		size_t len = args2(body, sizeof(body), path, "tok");
		if (call(d, XS_WATCH, 0, body, len, out, sizeof(out)) != XS_WATCH)
			break;
		d->watches_made++;
	}
	for (unsigned i = 0; i < 100000; i++) {
		if (call(d, XS_TRANSACTION_START, 0, "", 1, out, sizeof(out)) != XS_TRANSACTION_START)
			break;
		d->txns_made++;
	}
	/* A value beyond the entry size. */
	memcpy(body, "big", 4);
	memset(body + 4, 'x', sizeof(body) - 4);
	d->oversized_refused = call(d, XS_WRITE, 0, body, sizeof(body), out, sizeof(out)) == XS_ERROR;
}

static void *domain_thread(void *arg)
{
	struct sim_domain *d = arg;
	switch (d->role) {
	case GOOD:
		for (unsigned i = 0; i < nops; i++)
			good_round(d, i);
		break;
	case FLOODER: {
		while (!atomic_load(&attack) && !atomic_load(&stopping))
			usleep(1000);
		/* Requests as fast as the ring takes them; replies never read. */
		while (!atomic_load(&stopping))
			if (!send_request(d, XS_READ, 0, "data", 5))
				usleep(1000);
		break;
	}
	case HOG:
		while (!atomic_load(&attack) && !atomic_load(&stopping))
			usleep(1000);
		hog(d);
		break;
	case GARBAGE: {
		while (!atomic_load(&attack) && !atomic_load(&stopping))
			usleep(1000);
		struct xsd_sockmsg hdr = { .type = XS_WRITE, .req_id = 1, .len = 0x7fffffff };
		ring_write(d, &hdr, sizeof(hdr), 2000);
		/* Cut off: the ring's error field says so, as in Xen. */
		for (int i = 0; i < 50 && !d->ring->error; i++)
			wait_notify(d, 100);
		d->cut_off = d->ring->error != 0;
		break;
	}
	case DEAF_WATCHER: {
		char body[64], out[64];
		size_t len = args2(body, sizeof(body), "/local/domain/0/busy", "tok");
		call(d, XS_WATCH, 0, body, len, out, sizeof(out));
		/* From now on it reads nothing; dom0 makes the path busy. */
		while (!atomic_load(&stopping))
			usleep(10000);
		d->cut_off = d->ring->error != 0;
		break;
	}
	default:
		break;
	}
	return NULL;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Latency percentiles (µs) of the good domains' requests from index `from`
 * of each one's samples on. */
static void report_latency(const char *phase, size_t *from)
{
	size_t total = 0;
	for (unsigned i = 0; i < ndomains; i++)
		if (domains[i].role == GOOD)
			total += domains[i].nlatencies - from[i];
	uint64_t *all = calloc(total ? total : 1, sizeof(uint64_t));
	if (!all)
		die("calloc");
	size_t n = 0;
	for (unsigned i = 0; i < ndomains; i++) {
		if (domains[i].role != GOOD)
			continue;
		for (size_t k = from[i]; k < domains[i].nlatencies; k++)
			all[n++] = domains[i].latencies_ns[k];
		from[i] = domains[i].nlatencies;
	}
	qsort(all, n, sizeof(uint64_t), compare_u64);
	printf("%s_requests=%zu\n", phase, n);
	if (n) {
		printf("%s_p50_us=%llu\n", phase, (unsigned long long)(all[n / 2] / 1000));
		printf("%s_p99_us=%llu\n", phase, (unsigned long long)(all[n * 99 / 100] / 1000));
		printf("%s_max_us=%llu\n", phase, (unsigned long long)(all[n - 1] / 1000));
	}
	free(all);
}

static long rss_kb(int pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Runs one phase: every good domain's rounds, hostile ones acting or not. */
static double run_phase(bool hostile)
{
	atomic_store(&attack, hostile);
	uint64_t start = now_ns();
	for (unsigned i = 0; i < ndomains; i++)
		if (domains[i].role == GOOD || hostile)
			if (pthread_create(&domains[i].thread, NULL, domain_thread, &domains[i]) != 0)
				die("pthread_create");
	for (unsigned i = 0; i < ndomains; i++)
		if (domains[i].role == GOOD)
			pthread_join(domains[i].thread, NULL);
	return (double)(now_ns() - start) / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "domains", required_argument, NULL, 'n' }, { "hostile", required_argument, NULL, 'm' },
		{ "ops", required_argument, NULL, 'o' },     { "first-domid", required_argument, NULL, 'f' },
		{ "xenstored-pid", required_argument, NULL, 'p' }, { 0 },
	};
	unsigned hostile = 4, first = 100;
	int xenstored_pid = 0, c;
	ndomains = 20;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'n': ndomains = (unsigned)atoi(optarg); break;
		case 'm': hostile = (unsigned)atoi(optarg); break;
		case 'o': nops = (unsigned)atoi(optarg); break;
		case 'f': first = (unsigned)atoi(optarg); break;
		case 'p': xenstored_pid = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: xs-domsim [--domains N] [--hostile M] [--ops K] [--first-domid D] "
					"[--xenstored-pid PID]\n");
			return 2;
		}
	}
	if (ndomains == 0 || hostile >= ndomains || nops == 0) {
		fprintf(stderr, "xs-domsim: need more domains than hostile ones, and some ops\n");
		return 2;
	}
	domains = calloc(ndomains, sizeof(*domains));
	if (!domains)
		die("calloc");
	for (unsigned i = 0; i < ndomains; i++) {
		/* The hostile ones are spread among the good, one role after another. */
		enum role role = GOOD;
		if (i % (ndomains / hostile) == 0 && i / (ndomains / hostile) < hostile)
			role = (enum role)(1 + (i / (ndomains / hostile)) % (NROLES - 1));
		make_domain(&domains[i], first + i, role);
	}
	pthread_t server;
	if (pthread_create(&server, NULL, serve_vmm_sockets, NULL) != 0)
		die("pthread_create");

	struct xs_handle *xsh = xs_open(XS_OPEN_SOCKETONLY);
	if (!xsh)
		die("connecting to xenstored");
	for (unsigned i = 0; i < ndomains; i++) {
		char home[64];
		snprintf(home, sizeof(home), "/local/domain/%u", domains[i].domid);
		struct xs_permissions perms = { .id = domains[i].domid, .perms = XS_PERM_NONE };
		if (!xs_mkdir(xsh, XBT_NULL, home) || !xs_set_permissions(xsh, XBT_NULL, home, &perms, 1) ||
		    !xs_introduce_domain(xsh, domains[i].domid, 1, 1))
			die("introducing a simulated domain");
	}
	long rss_start = xenstored_pid ? rss_kb(xenstored_pid) : -1;
	size_t *from = calloc(ndomains, sizeof(size_t));
	if (!from)
		die("calloc");

	double alone_s = run_phase(false);
	report_latency("alone", from);
	for (unsigned i = 0; i < ndomains; i++)
		domains[i].ops_ok = domains[i].ops_failed = 0;

	/* Under attack: dom0 keeps the deaf watcher's path busy meanwhile. */
	atomic_store(&attack, true);
	for (unsigned i = 0; i < ndomains; i++)
		if (domains[i].role != GOOD)
			if (pthread_create(&domains[i].thread, NULL, domain_thread, &domains[i]) != 0)
				die("pthread_create");
	for (unsigned i = 0; i < 3000; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/local/domain/0/busy/n%u", i);
		xs_write(xsh, XBT_NULL, path, "1", 1);
	}
	double attack_s = run_phase(false); /* the good ones again; the hostile ones run on */
	report_latency("attack", from);
	long rss_end = xenstored_pid ? rss_kb(xenstored_pid) : -1;
	atomic_store(&stopping, true);
	for (unsigned i = 0; i < ndomains; i++)
		if (domains[i].role != GOOD)
			pthread_join(domains[i].thread, NULL);

	unsigned good = 0, good_ok = 0, good_failed = 0;
	for (unsigned i = 0; i < ndomains; i++) {
		struct sim_domain *d = &domains[i];
		if (d->role == GOOD) {
			good++;
			good_ok += d->ops_ok;
			good_failed += d->ops_failed;
			continue;
		}
		printf("%s_domid=%u\n", role_names[d->role], d->domid);
		if (d->role == HOG) {
			printf("hog_nodes=%u\nhog_watches=%u\nhog_transactions=%u\nhog_oversized_refused=%d\n",
			       d->nodes_made, d->watches_made, d->txns_made, d->oversized_refused);
		} else {
			printf("%s_cut_off=%d\n", role_names[d->role], d->cut_off);
		}
	}
	printf("domains=%u\ngood_domains=%u\ngood_rounds_ok=%u\ngood_rounds_failed=%u\n", ndomains, good,
	       good_ok, good_failed);
	printf("alone_seconds=%.2f\nattack_seconds=%.2f\n", alone_s, attack_s);
	printf("xenstored_rss_kb_start=%ld\nxenstored_rss_kb_end=%ld\n", rss_start, rss_end);
	for (unsigned i = 0; i < ndomains; i++)
		xs_release_domain(xsh, domains[i].domid);
	xs_close(xsh);
	pthread_join(server, NULL);
	return 0;
}
