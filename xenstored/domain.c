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
#include "journal.h"
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
	/* Restored from the journal: where the rest of a long request starts
	 * in the ring (the journal holds its first part). */
	bool partial_restored;
	uint32_t partial_index;
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

size_t domain_ring_take(struct conn *c)
{
	struct domain *d = c->domain;
	if (!d || !d->ring)
		return 0;
	struct xenstore_domain_interface *r = d->ring;
	XENSTORE_RING_IDX prod = __atomic_load_n(&r->req_prod, __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX cons = r->req_cons;
	if (prod - cons > XENSTORE_RING_SIZE || prod - cons < c->ring_taken) {
		ring_broken(d, XENSTORE_ERROR_RINGIDX, "its request ring indexes are corrupt");
		return 0;
	}
	XENSTORE_RING_IDX start = cons + c->ring_taken;
	size_t n = prod - start;
	if (n > sizeof(c->in) - c->in_len)
		n = sizeof(c->in) - c->in_len;
	for (size_t i = 0; i < n; i++)
		c->in[c->in_len + i] = r->req[MASK_XENSTORE_IDX(start + i)];
	c->in_len += n;
	c->ring_taken += (uint32_t)n;
	return n;
}

/* Gives the guest back `bytes` of its request ring. Linux's xenbus raises
 * the port for new requests only when we had caught up, so the ring is
 * looked at again. */
static void release_requests(struct conn *c, uint32_t bytes)
{
	struct xenstore_domain_interface *r = c->domain->ring;
	__atomic_store_n(&r->req_cons, r->req_cons + bytes, __ATOMIC_RELEASE);
	c->ring_taken -= bytes;
	c->wants_service = true;
}

/* The first part of a request (Linux sends the header, then the body; a
 * request may be longer than the ring) is released at once: the guest
 * raises the port for the rest only once we have caught up. That part is
 * journaled first, so a restarted xenstored still has it. Returns whether
 * bytes were released. */
static bool release_partial_request(struct conn *c)
{
	struct xenstore_domain_interface *r = c->domain->ring;
	struct xsd_sockmsg hdr;
	bool complete = false;
	if (c->in_len >= sizeof(hdr)) {
		memcpy(&hdr, c->in, sizeof(hdr));
		complete = c->in_len >= sizeof(hdr) + hdr.len;
	}
	/* Only the partial request's own bytes may be held: no earlier request
	 * still waits for its reply. */
	if (complete || c->ring_taken == 0 || c->ring_taken != c->in_len - c->in_released)
		return false;
	journal_partial(c->domid, r->req_cons + c->ring_taken, c->in, c->in_len);
	journal_write_or_die();
	c->in_released += c->ring_taken;
	release_requests(c, c->ring_taken);
	return true;
}

void domain_ring_flush(struct conn *c)
{
	struct domain *d = c->domain;
	if (!d || !d->ring)
		return;
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
		if (m->done < m->len)
			continue;
		/* Answered: only now may the guest reuse the request's bytes, so a
		 * request is never lost between reading and answering it. */
		if (m->consume)
			release_requests(c, m->consume);
		conn_drop_sent(c);
	}
	if (release_partial_request(c))
		wrote = true;
	if (wrote)
		notify_guest(d); /* replies to read, or room for requests */
}

static void kick_ready(struct io_handler *h)
{
	struct conn *c = container_of(h, struct conn, io);
	uint64_t count;
	if (read(h->fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("domain %u: reading its kick: %s", c->domid, strerror(errno));
	c->wants_service = true; /* new requests, or room for replies */
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

static void domain_unlink(struct domain *d)
{
	for (struct domain **link = &xs.domains; *link; link = &(*link)->next) {
		if (*link == d) {
			*link = d->next;
			return;
		}
	}
}

/* A domain's record and its connection, without its ring yet. */
static struct domain *domain_new(uint32_t domid, uint64_t gfn, uint32_t port)
{
	struct domain *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	*d = (struct domain){ .domid = domid, .gfn = gfn, .port = port, .kick_fd = -1, .notify_fd = -1 };
	d->conn = conn_new(CONN_RING, -1, kick_ready);
	if (!d->conn) {
		free(d);
		return NULL;
	}
	d->conn->domid = domid;
	d->conn->domain = d;
	d->next = xs.domains;
	xs.domains = d;
	return d;
}

/* Maps the domain's ring and listens for its kicks. */
static int domain_attach(struct domain *d, char *err, size_t errlen)
{
	int e = fetch_ring(d, err, errlen);
	if (e)
		return e;
	d->conn->io.fd = d->kick_fd;
	if (loop_add(&d->conn->io) < 0) {
		snprintf(err, errlen, "cannot watch its ring: %s", strerror(errno));
		return -ENOMEM;
	}
	d->conn->wants_service = true; /* requests the guest made before we were there */
	return 0;
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
	struct domain *d = domain_new(domid, gfn, port);
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int e = domain_attach(d, err, errlen);
	if (e) {
		domain_unlink(d);
		domain_free(d);
		return e;
	}
	journal_domain(domid, gfn, port, true);
	log_info("domain %u introduced (ring at frame 0x%llx, port %u)", domid, (unsigned long long)gfn,
		 port);
	return 0;
}

int domain_set_target(uint32_t domid, uint32_t target)
{
	struct domain *d = find(domid);
	if (!d || !d->conn)
		return -ENOENT;
	d->conn->target = target;
	journal_target(domid, target);
	return 0;
}

void domain_conn_gone(struct conn *c)
{
	if (c->io.fd >= 0) {
		loop_remove(&c->io);
		close(c->io.fd);
	}
	struct domain *d = c->domain;
	if (!d)
		return; /* released: the domain went first */
	/* Cut off while still introduced: the guest's ring says so, as Xen's
	 * does, and a restarted xenstored leaves it cut off. */
	d->conn = NULL;
	if (d->ring && !d->ring->error) {
		d->ring->error = XENSTORE_ERROR_COMM;
		notify_guest(d);
	}
}

int domain_release(uint32_t domid)
{
	struct domain *d = find(domid);
	if (!d)
		return -ENOENT;
	domain_unlink(d);
	journal_domain(domid, 0, 0, false);
	log_info("domain %u released", domid);
	domain_free(d);
	return 0;
}

struct conn *domain_restored(uint32_t domid, uint64_t gfn, uint32_t port)
{
	struct domain *old = find(domid);
	if (old) {
		domain_unlink(old);
		domain_free(old);
	}
	struct domain *d = domain_new(domid, gfn, port);
	return d ? d->conn : NULL;
}

struct conn *domain_conn(uint32_t domid)
{
	struct domain *d = find(domid);
	return d ? d->conn : NULL;
}

void domain_partial_restored(uint32_t domid, uint32_t index)
{
	struct domain *d = find(domid);
	if (d) {
		d->partial_restored = true;
		d->partial_index = index;
	}
}

void domain_restore_all(void)
{
	for (struct domain *d = xs.domains, *next; d; d = next) {
		next = d->next;
		char why[256];
		if (!d->conn || domain_attach(d, why, sizeof(why)) < 0) {
			log_warn("domain %u did not come back (%s): releasing it", d->domid,
				 d->conn ? why : "no connection");
			domain_release(d->domid);
			watch_fire(NULL, "@releaseDomain", false);
			continue;
		}
		struct conn *c = d->conn;
		if (d->ring->error) {
			log_warn("domain %u was cut off before the restart; it stays cut off", d->domid);
			conn_close(c, NULL);
			continue;
		}
		/* A long request's first part is still wanted only if the ring
		 * has not moved on since it was journaled. */
		if (d->partial_restored && d->ring->req_cons != d->partial_index) {
			c->in_len = 0;
			c->in_released = 0;
		}
		/* Events queued when xenstored died are lost: every watch fires
		 * once, as Xen's clients expect of a watch anyway. */
		for (struct watch *w = c->watches; w; w = w->next)
			watch_fire_one(c, w, w->path);
		log_info("domain %u restored (%u watches, %u transactions to retry)", d->domid, c->nwatches,
			 c->ntxns);
	}
}

void domain_journal_all(void)
{
	for (struct domain *d = xs.domains; d; d = d->next) {
		journal_domain(d->domid, d->gfn, d->port, true);
		struct conn *c = d->conn;
		if (!c)
			continue;
		if (c->target)
			journal_target(d->domid, c->target);
		for (struct watch *w = c->watches; w; w = w->next)
			journal_watch(d->domid, w->path, w->token, w->relative, true);
		for (struct txn *t = c->txns; t; t = t->next)
			journal_txn(d->domid, t->id, true);
		if (c->in_released)
			journal_partial(d->domid, d->ring ? d->ring->req_cons : d->partial_index, c->in,
					c->in_released);
	}
}
