/* Domains and their rings. INTRODUCE names a domain, the guest frame of its
 * XenStore ring and its event channel, as in Xen. Here the ring lives in the
 * domain VMM's memory, so we ask the VMM (over its control socket) for the
 * page and for two eventfds: one the guest's sends on the port signal, one
 * that raises the port in the guest. KVM routes both, so a request and its
 * reply never pass through the VMM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xenstored.h"

struct domain {
	uint32_t domid;
	uint64_t gfn;
	uint32_t port;
	struct xenstore_domain_interface *ring;
	int kick_fd;     /* readable when the guest sent on its port */
	int notify_fd;   /* a write raises the port in the guest */
	struct conn *conn;
	struct domain *next;
};

static struct domain *find(uint32_t domid)
{
	for (struct domain *d = xs.domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

bool domain_is_introduced(uint32_t domid)
{
	return find(domid) != NULL;
}

static void notify_guest(struct domain *d)
{
	uint64_t one = 1;
	if (write(d->notify_fd, &one, sizeof(one)) < 0)
		log_warn("domain %u: cannot raise its XenStore port: %s", d->domid, strerror(errno));
}

/* A guest whose ring indexes are impossible is cut off, as Xen does: its
 * error field says why, and we stop reading. */
static void ring_broken(struct domain *d, uint32_t error, const char *why)
{
	d->ring->error = error;
	if (d->conn)
		conn_close(d->conn, why);
	notify_guest(d);
}

void domain_ring_flush(struct conn *c)
{
	struct domain *d = c->domain;
	struct xenstore_domain_interface *r = d->ring;
	bool wrote = false;
	while (c->out_head) {
		struct out_msg *m = c->out_head;
		XENSTORE_RING_IDX cons = __atomic_load_n(&r->rsp_cons, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX prod = r->rsp_prod;
		if (prod - cons > XENSTORE_RING_SIZE)
			return ring_broken(d, XENSTORE_ERROR_RINGIDX, "its reply ring indexes are corrupt");
		size_t room = XENSTORE_RING_SIZE - (prod - cons);
		if (room == 0)
			break;
		size_t n = m->len - m->done;
		if (n > room)
			n = room;
		for (size_t i = 0; i < n; i++)
			r->rsp[MASK_XENSTORE_IDX(prod + i)] = m->data[m->done + i];
		__atomic_store_n(&r->rsp_prod, prod + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
		wrote = true;
		m->done += n;
		if (m->done == m->len)
			conn_drop_sent(c);
	}
	if (wrote)
		notify_guest(d);
}

void domain_ring_io(struct domain *d)
{
	struct xenstore_domain_interface *r = d->ring;
	struct conn *c = d->conn;
	if (!c || c->closing)
		return;
	bool consumed = false;
	for (;;) {
		XENSTORE_RING_IDX prod = __atomic_load_n(&r->req_prod, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX cons = r->req_cons;
		if (prod - cons > XENSTORE_RING_SIZE)
			return ring_broken(d, XENSTORE_ERROR_RINGIDX, "its request ring indexes are corrupt");
		if (prod == cons)
			break;
		char buf[XENSTORE_RING_SIZE];
		size_t n = prod - cons;
		for (size_t i = 0; i < n; i++)
			buf[i] = r->req[MASK_XENSTORE_IDX(cons + i)];
		__atomic_store_n(&r->req_cons, prod, __ATOMIC_RELEASE);
		consumed = true;
		conn_input(c, buf, n);
		if (c->closing)
			return;
	}
	domain_ring_flush(c);
	if (consumed)
		notify_guest(d); /* the guest may wait for room in its request ring */
}

static void kick_ready(struct io_handler *h)
{
	struct conn *c = container_of(h, struct conn, io);
	uint64_t count;
	if (read(h->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("domain %u: reading its kick: %s", c->domid, strerror(errno));
	if (c->domain)
		domain_ring_io(c->domain);
}

/* Asks domain `domid`'s VMM for its XenStore ring page and eventfds. */
static int fetch_ring(struct domain *d, char *err, size_t errlen)
{
	char path[256];
	if (control_vmm_path(d->domid, path, sizeof(path)) < 0) {
		snprintf(err, errlen, "the run folder's path is too long");
		return -ENAMETOOLONG;
	}
	int fd = control_connect(path, 5000);
	if (fd < 0) {
		snprintf(err, errlen, "no VMM for domain %u at %s: %s", d->domid, path, strerror(errno));
		return -ENOENT;
	}
	json_t *req = json_pack("{s:s, s:I, s:i}", "op", "xenstore-ring", "gfn", (json_int_t)d->gfn,
				"port", (int)d->port);
	int fds[CONTROL_MAX_FDS];
	size_t nfds = 0;
	json_t *rep = control_call(fd, req, fds, &nfds, err, errlen);
	json_decref(req);
	close(fd);
	if (!rep)
		return -EINVAL;
	json_int_t offset = json_integer_value(json_object_get(rep, "offset"));
	json_decref(rep);
	if (nfds != 3 || offset < 0 || offset % 4096) {
		snprintf(err, errlen, "the VMM's reply is malformed (%zu descriptors)", nfds);
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return -EIO;
	}
	void *ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], (off_t)offset);
	close(fds[0]);
	if (ring == MAP_FAILED) {
		snprintf(err, errlen, "mapping the ring: %s", strerror(errno));
		close(fds[1]);
		close(fds[2]);
		return -EIO;
	}
	d->ring = ring;
	d->kick_fd = fds[1];
	d->notify_fd = fds[2];
	return 0;
}

static void domain_free(struct domain *d)
{
	if (d->conn) {
		d->conn->domain = NULL;
		conn_close(d->conn, NULL);
	}
	if (d->ring)
		munmap(d->ring, 4096);
	if (d->notify_fd >= 0)
		close(d->notify_fd);
	free(d);
}

int domain_introduce(uint32_t domid, uint64_t gfn, uint32_t port, char *err, size_t errlen)
{
	struct domain *old = find(domid);
	if (old) {
		if (old->gfn == gfn && old->port == port)
			return 0; /* Xen: introducing again is harmless */
		snprintf(err, errlen, "domain %u is already introduced with another ring", domid);
		return -EEXIST;
	}
	struct domain *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	*d = (struct domain){ .domid = domid, .gfn = gfn, .port = port, .kick_fd = -1, .notify_fd = -1 };
	int e = fetch_ring(d, err, errlen);
	if (e) {
		domain_free(d);
		return e;
	}
	d->conn = conn_new(CONN_RING, d->kick_fd, kick_ready);
	if (!d->conn || loop_add(&d->conn->io) < 0) {
		snprintf(err, errlen, "cannot watch its ring");
		if (d->conn)
			d->conn->closing = true;
		else
			close(d->kick_fd);
		domain_free(d);
		return -ENOMEM;
	}
	d->conn->domid = domid;
	d->conn->domain = d;
	d->next = xs.domains;
	xs.domains = d;
	log_info("domain %u introduced (ring at frame 0x%llx, port %u)", domid, (unsigned long long)gfn,
		 port);
	domain_ring_io(d); /* requests the guest made before we were there */
	return 0;
}

void domain_conn_gone(struct conn *c)
{
	loop_remove(&c->io);
	close(c->io.fd);
	if (c->domain)
		c->domain->conn = NULL;
}

int domain_release(uint32_t domid)
{
	for (struct domain **link = &xs.domains; *link; link = &(*link)->next) {
		struct domain *d = *link;
		if (d->domid != domid)
			continue;
		*link = d->next;
		log_info("domain %u released", domid);
		domain_free(d);
		return 0;
	}
	return -ENOENT;
}
