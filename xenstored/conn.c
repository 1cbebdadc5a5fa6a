/* Connections: reading requests from a byte stream (a socket or a ring),
 * queueing replies and watch events, and closing without leaving anything
 * behind. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xenstored.h"

struct xenstored xs;

struct conn *conn_new(enum conn_kind kind, int fd, void (*ready)(struct io_handler *h))
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->kind = kind;
	c->io = (struct io_handler){ .fd = fd, .ready = ready };
	c->next_txn_id = 1;
	c->next = xs.conns;
	xs.conns = c;
	return c;
}

void conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
		size_t len)
{
	if (c->closing)
		return;
	if (c->out_count >= MAX_OUT_PER_CONN) {
		/* A client that never reads its replies is cut off, so it cannot
		 * make the daemon grow without bound. */
		conn_close(c, "too much unread output");
		return;
	}
	struct out_msg *m = malloc(sizeof(*m) + sizeof(struct xsd_sockmsg) + len);
	if (!m) {
		conn_close(c, "out of memory for a reply");
		return;
	}
	struct xsd_sockmsg hdr = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = (uint32_t)len };
	memcpy(m->data, &hdr, sizeof(hdr));
	if (len)
		memcpy(m->data + sizeof(hdr), data, len);
	m->len = sizeof(hdr) + len;
	m->done = 0;
	m->next = NULL;
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	c->out_count++;
}

void conn_drop_sent(struct conn *c)
{
	struct out_msg *m = c->out_head;
	c->out_head = m->next;
	if (!c->out_head)
		c->out_tail = NULL;
	c->out_count--;
	free(m);
}

static void flush_socket(struct conn *c)
{
	while (c->out_head) {
		struct out_msg *m = c->out_head;
		ssize_t n = write(c->io.fd, m->data + m->done, m->len - m->done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_close(c, "write failed");
			return;
		}
		m->done += (size_t)n;
		if (m->done == m->len)
			conn_drop_sent(c);
	}
}

void conn_flush(struct conn *c)
{
	if (c->closing)
		return;
	if (c->kind == CONN_SOCKET)
		flush_socket(c);
	else
		domain_ring_flush(c);
}

void conn_input(struct conn *c, const char *buf, size_t len)
{
	while (len && !c->closing) {
		if (c->hdr_got < sizeof(c->hdr)) {
			size_t want = sizeof(c->hdr) - c->hdr_got;
			size_t n = len < want ? len : want;
			memcpy((char *)&c->hdr + c->hdr_got, buf, n);
			c->hdr_got += n;
			buf += n;
			len -= n;
			if (c->hdr_got < sizeof(c->hdr))
				return;
			if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
				conn_close(c, "a message longer than XENSTORE_PAYLOAD_MAX");
				return;
			}
			c->body_got = 0;
		}
		size_t want = c->hdr.len - c->body_got;
		size_t n = len < want ? len : want;
		memcpy(c->body + c->body_got, buf, n);
		c->body_got += n;
		buf += n;
		len -= n;
		if (c->body_got < c->hdr.len)
			return;
		c->body[c->hdr.len] = '\0'; /* a guard: strings never run past it */
		struct xsd_sockmsg hdr = c->hdr;
		c->hdr_got = 0;
		ops_handle(c, &hdr, c->body);
	}
}

void conn_close(struct conn *c, const char *why)
{
	if (c->closing)
		return;
	if (why) {
		if (c->kind == CONN_RING)
			log_warn("domain %u: cutting its connection off: %s", c->domid, why);
		else
			log_debug("client connection closed: %s", why);
	}
	c->closing = true;
}

static void conn_free(struct conn *c)
{
	watch_remove_all(c);
	while (c->txns) {
		struct txn *t = c->txns;
		c->txns = t->next;
		txn_free(t);
	}
	while (c->out_head) {
		struct out_msg *m = c->out_head;
		c->out_head = m->next;
		free(m);
	}
	if (c->kind == CONN_SOCKET) {
		loop_remove(&c->io);
		close(c->io.fd);
	} else {
		domain_conn_gone(c);
	}
	free(c);
}

void conn_reap(void)
{
	struct conn **link = &xs.conns;
	while (*link) {
		struct conn *c = *link;
		if (!c->closing) {
			link = &c->next;
			continue;
		}
		*link = c->next;
		conn_free(c);
	}
}
