/* Connections: reading requests from a byte stream (a socket or a ring),
 * handling them a few at a time, queueing replies and watch events, and
 * closing without leaving anything behind.
 *
 * A connection is throttled, never trusted: it gets REQUESTS_PER_TURN
 * requests per turn of the event loop, no more requests are read while it
 * leaves `outstanding` replies unread, and one that leaves `watch_events`
 * events unread is cut off, so no client makes the daemon grow or starves
 * the others. */
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

static void queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
		  size_t len, bool is_event)
{
	if (c->closing)
		return;
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
	m->is_event = is_event;
	m->consume = 0;
	if (!is_event) {
		m->consume = c->reply_consumes;
		c->reply_consumes = 0;
	}
	if (c->out_tail)
		c->out_tail->next = m;
	else
		c->out_head = m;
	c->out_tail = m;
	if (is_event)
		c->out_events++;
	else
		c->out_replies++;
}

void conn_reply(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
		size_t len)
{
	queue(c, type, req_id, tx_id, data, len, false);
}

void conn_event(struct conn *c, const void *data, size_t len)
{
	if (c->out_events >= xs.quota.watch_events) {
		conn_close(c, "too many watch events left unread");
		return;
	}
	queue(c, XS_WATCH_EVENT, 0, 0, data, len, true);
}

void conn_drop_sent(struct conn *c)
{
	struct out_msg *m = c->out_head;
	c->out_head = m->next;
	if (!c->out_head)
		c->out_tail = NULL;
	if (m->is_event)
		c->out_events--;
	else
		c->out_replies--;
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
			break;
		if (n <= 0) {
			conn_close(c, "write failed");
			return;
		}
		m->done += (size_t)n;
		if (m->done == m->len)
			conn_drop_sent(c);
	}
	/* Hear when the socket drains only while something waits for it. */
	loop_want_output(&c->io, c->out_head != NULL);
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

int conn_take_input(struct conn *c, const char *buf, size_t len)
{
	if (len > sizeof(c->in) - c->in_len)
		return -ENOSPC;
	memcpy(c->in + c->in_len, buf, len);
	c->in_len += len;
	c->wants_service = true;
	return 0;
}

/* Reads what the socket has; 0 when nothing came. */
static size_t fill_from_socket(struct conn *c)
{
	for (;;) {
		ssize_t n = read(c->io.fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			conn_close(c, n < 0 ? strerror(errno) : "client went away");
			return 0;
		}
		c->in_len += (size_t)n;
		return (size_t)n;
	}
}

bool conn_runnable(const struct conn *c)
{
	return c->wants_service && !c->closing && c->out_replies < xs.quota.outstanding;
}

/* Handles the request at the start of c->in, `total` bytes long. */
static void handle_first(struct conn *c, const struct xsd_sockmsg *hdr, size_t total)
{
	/* The body with a guard NUL, so strings never run past it. */
	static char body[XENSTORE_PAYLOAD_MAX + 1];
	memcpy(body, c->in + sizeof(*hdr), hdr->len);
	body[hdr->len] = '\0';
	memmove(c->in, c->in + total, c->in_len - total);
	c->in_len -= total;
	if (c->kind == CONN_RING) {
		c->reply_consumes = (uint32_t)total - c->in_released;
		c->in_released = 0;
	}
	ops_handle(c, hdr, body);
}

unsigned conn_service(struct conn *c, unsigned budget)
{
	unsigned handled = 0;
	while (handled < budget && conn_runnable(c)) {
		struct xsd_sockmsg hdr;
		if (c->in_len >= sizeof(hdr)) {
			memcpy(&hdr, c->in, sizeof(hdr));
			if (hdr.len > XENSTORE_PAYLOAD_MAX) {
				conn_close(c, "a message longer than XENSTORE_PAYLOAD_MAX");
				break;
			}
			size_t total = sizeof(hdr) + hdr.len;
			if (c->in_len >= total) {
				handle_first(c, &hdr, total);
				handled++;
				continue;
			}
		}
		size_t got = c->kind == CONN_RING ? domain_ring_take(c) : fill_from_socket(c);
		if (got == 0)
			c->wants_service = false;
	}
	return handled;
}

struct txn *conn_txn_open(struct conn *c, uint32_t id)
{
	struct txn *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->id = id;
	t->domid = c->domid;
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	/* IDs wrap: compare as serial numbers, so restoring them in any order
	 * leaves the next one past them all. */
	if ((int32_t)(id + 1 - c->next_txn_id) > 0)
		c->next_txn_id = id + 1;
	if (c->next_txn_id == 0)
		c->next_txn_id = 1; /* 0 means "no transaction" on the wire */
	return t;
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
	while (c->out_head)
		conn_drop_sent(c);
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
