#include "netif_queue.h"

#include <errno.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "abi/evtchn.h"
#include "domain.h"
#include "log.h"
#include "packet.h"

#define ETH_HEADER 14
#define VNET_HDR sizeof(struct virtio_net_hdr)
/* The frame's first bytes, copied: every header the offloads are read
 * from (Ethernet, VLAN tags, IPv6 and its options, TCP's) fits. */
#define TX_HEADER_COPY 256
/* The largest frame the TAP device hands us (a 64 KiB TSO segment and its
 * headers), and room to spare. */
#define RX_FRAME_MAX (VNET_HDR + 65536 + 1024)
/* Packets each way before the thread looks at the other way again. */
#define BATCH 64

static void warn_limited(struct netif_queue *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn_limited(struct netif_queue *q, const char *fmt, ...)
{
	static _Atomic unsigned warned;
	if (warned++ >= 20)
		return;
	char text[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_warn("%s: %s", q->name, text);
}

static void notify_if_asked(struct netif_queue *q, int notify)
{
	if (notify)
		evtchn_notify_guest(q->dom, q->io.port);
}

/* ---- TX: what the guest sends ---- */

/* One packet's slots, as copied out of the ring. */
struct tx_packet {
	netif_tx_request_t first;
	netif_extra_info_t gso;         /* type NONE unless the packet has one */
	unsigned nr_extras;
	unsigned nr_frags;              /* data slots after the first */
	netif_tx_request_t frags[NETIF_TX_MAX_SLOTS - 1];
	unsigned slots;                 /* all it took on the ring */
	bool malformed;
};

static void tx_respond(struct netif_queue *q, uint16_t id, int16_t status)
{
	netif_tx_response_t *rsp = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);
	rsp->id = id;
	rsp->status = status;
	q->tx.rsp_prod_pvt++;
}

/* Copies the packet starting at the ring's req_cons out of the ring, up to
 * `prod`. False if it does not end before `prod` (the frontend has not put
 * all of it there yet). Nothing is consumed. */
static bool tx_gather(struct netif_queue *q, RING_IDX prod, struct tx_packet *p)
{
	RING_IDX at = q->tx.req_cons;
	*p = (struct tx_packet){ 0 };
	if (at == prod)
		return false;
	RING_COPY_REQUEST(&q->tx, at++, &p->first);
	bool more_extras = p->first.flags & NETTXF_extra_info;
	while (more_extras) {
		if (at == prod)
			return false;
		netif_tx_request_t slot;
		RING_COPY_REQUEST(&q->tx, at++, &slot);
		netif_extra_info_t extra;
		memcpy(&extra, &slot, sizeof(extra));
		more_extras = extra.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		if (++p->nr_extras >= XEN_NETIF_EXTRA_TYPE_MAX || extra.type == XEN_NETIF_EXTRA_TYPE_NONE ||
		    extra.type >= XEN_NETIF_EXTRA_TYPE_MAX)
			p->malformed = true;
		else if (extra.type == XEN_NETIF_EXTRA_TYPE_GSO)
			p->gso = extra;
		/* MCAST_ADD/DEL and HASH: multicast control is not offered, and
		 * the queue a packet came on is its hash. */
	}
	bool more = p->first.flags & NETTXF_more_data;
	while (more) {
		if (at == prod)
			return false;
		if (at - q->tx.req_cons >= RING_SIZE(&q->tx)) {
			p->malformed = true; /* a chain as long as the ring: it never ends */
			break;
		}
		netif_tx_request_t slot;
		RING_COPY_REQUEST(&q->tx, at++, &slot);
		more = slot.flags & NETTXF_more_data;
		if (p->nr_frags < NETIF_TX_MAX_SLOTS - 1)
			p->frags[p->nr_frags++] = slot;
		else
			p->malformed = true;
	}
	p->slots = at - q->tx.req_cons;
	return true;
}

/* Answers every slot of the packet, in ring order: the first, its extras
 * (RSP_NULL: nothing to answer), its data slots. A dropped packet's slots
 * beyond those kept are answered from the ring as they are now. */
static void tx_answer(struct netif_queue *q, const struct tx_packet *p, int16_t status)
{
	RING_IDX at = q->tx.req_cons;
	tx_respond(q, p->first.id, status);
	for (unsigned i = 0; i < p->nr_extras; i++)
		tx_respond(q, 0, NETIF_RSP_NULL);
	for (unsigned i = 0; i < p->nr_frags; i++)
		tx_respond(q, p->frags[i].id, status);
	unsigned answered = 1 + p->nr_extras + p->nr_frags;
	for (unsigned i = answered; i < p->slots; i++) {
		netif_tx_request_t slot;
		RING_COPY_REQUEST(&q->tx, at + i, &slot);
		tx_respond(q, slot.id, status);
	}
	q->tx.req_cons += p->slots;
}

/* The packet's data as (page, offset, length) pieces; its grants pinned. */
struct tx_mapping {
	struct iovec piece[NETIF_TX_MAX_SLOTS];
	uint32_t ref[NETIF_TX_MAX_SLOTS];
	unsigned n;
};

static void tx_unmap(struct netif_queue *q, struct tx_mapping *m)
{
	for (unsigned i = 0; i < m->n; i++)
		gnttab_unmap_grant(&q->dom->xen.gnttab, &q->dom->mem, m->ref[i], false);
	m->n = 0;
}

static int tx_map_slot(struct netif_queue *q, struct tx_mapping *m, const netif_tx_request_t *slot, size_t len)
{
	if (slot->offset + len > PAGE_SIZE)
		return -1;
	void *page;
	if (gnttab_map_grant(&q->dom->xen.gnttab, &q->dom->mem, 0, slot->gref, false, &page) != GNTST_okay)
		return -1;
	m->ref[m->n] = slot->gref;
	m->piece[m->n].iov_base = (uint8_t *)page + slot->offset;
	m->piece[m->n].iov_len = len;
	m->n++;
	return 0;
}

/* Maps every data slot; the first holds what the others do not. */
static int tx_map(struct netif_queue *q, const struct tx_packet *p, struct tx_mapping *m)
{
	size_t in_frags = 0;
	for (unsigned i = 0; i < p->nr_frags; i++)
		in_frags += p->frags[i].size;
	if (in_frags > p->first.size || p->first.size < ETH_HEADER)
		return -1;
	if (tx_map_slot(q, m, &p->first, p->first.size - in_frags) < 0)
		return -1;
	for (unsigned i = 0; i < p->nr_frags; i++)
		if (tx_map_slot(q, m, &p->frags[i], p->frags[i].size) < 0)
			return -1;
	return 0;
}

/* Copies the frame's first `len` bytes out of its pieces. */
static void tx_copy_head(const struct tx_mapping *m, uint8_t *out, size_t len)
{
	for (unsigned i = 0; i < m->n && len; i++) {
		size_t n = m->piece[i].iov_len < len ? m->piece[i].iov_len : len;
		memcpy(out, m->piece[i].iov_base, n);
		out += n;
		len -= n;
	}
}

/* The virtio_net_hdr telling the host's kernel what the guest left to do:
 * a checksum (its place found in our copy of the headers), a TCP segment
 * to cut. -1 for offloads that cannot be described. */
static int tx_offloads(const struct tx_packet *p, const uint8_t *head, size_t head_len, struct virtio_net_hdr *h)
{
	*h = (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	bool gso = p->gso.type == XEN_NETIF_EXTRA_TYPE_GSO;
	if (!(p->first.flags & NETTXF_csum_blank)) {
		if (gso)
			return -1; /* netfront always leaves a GSO packet's checksum to do */
		if (p->first.flags & NETTXF_data_validated)
			h->flags = VIRTIO_NET_HDR_F_DATA_VALID;
		return 0;
	}
	struct packet_l4 l4;
	if (packet_parse_l4(head, head_len, &l4) < 0)
		return -1;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = l4.l4_offset;
	h->csum_offset = l4.csum_offset;
	h->hdr_len = (uint16_t)(l4.l4_offset + l4.l4_length);
	if (!gso)
		return 0;
	bool v4 = p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4, v6 = p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6;
	if (l4.protocol != IPPROTO_TCP || !p->gso.u.gso.size || (!v4 && !v6) || v6 != l4.ipv6)
		return -1;
	h->gso_type = v4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	h->gso_size = p->gso.u.gso.size;
	return 0;
}

/* Writes the packet to the TAP device: 0, or -1 when it was dropped. */
static int tx_send(struct netif_queue *q, const struct tx_packet *p)
{
	struct tx_mapping m = { .n = 0 };
	int r = -1;
	if (p->malformed || tx_map(q, p, &m) < 0) {
		warn_limited(q, "dropped a malformed packet (%u slots, %u bytes)", p->slots, p->first.size);
		goto out;
	}
	uint8_t head[TX_HEADER_COPY];
	size_t head_len = p->first.size < sizeof(head) ? p->first.size : sizeof(head);
	tx_copy_head(&m, head, head_len);
	struct virtio_net_hdr vnet;
	if (tx_offloads(p, head, head_len, &vnet) < 0) {
		warn_limited(q, "dropped a packet whose offloads cannot be described (flags %#x, gso type %u)",
			     p->first.flags, p->gso.u.gso.type);
		goto out;
	}
	/* The header and our copy of the frame's head, then the rest from
	 * the guest's pages. */
	struct iovec iov[NETIF_TX_MAX_SLOTS + 2] = { { &vnet, sizeof(vnet) }, { head, head_len } };
	unsigned n = 2;
	size_t skip = head_len;
	for (unsigned i = 0; i < m.n; i++) {
		struct iovec piece = m.piece[i];
		size_t drop = skip < piece.iov_len ? skip : piece.iov_len;
		skip -= drop;
		if (piece.iov_len == drop)
			continue;
		iov[n++] = (struct iovec){ (uint8_t *)piece.iov_base + drop, piece.iov_len - drop };
	}
	ssize_t written = writev(q->tap_fd, iov, (int)n);
	if (written != (ssize_t)(sizeof(vnet) + p->first.size)) {
		if (written < 0 && errno != EAGAIN && errno != EIO) /* EIO: the device is down */
			warn_limited(q, "writing a packet to the TAP device: %s", strerror(errno));
		goto out;
	}
	r = 0;
out:
	tx_unmap(q, &m);
	return r;
}

static bool tx_rate_allows(struct netif_queue *q, size_t len, uint64_t now_us)
{
	if (!q->rate)
		return true;
	pthread_mutex_lock(&q->rate->lock);
	bool ok = rate_limit_take(&q->rate->limit, now_us, len);
	if (!ok)
		q->tx_retry_at_us = rate_limit_retry_at(&q->rate->limit, now_us);
	pthread_mutex_unlock(&q->rate->lock);
	return ok;
}

bool netif_queue_transmit(struct netif_queue *q, uint64_t now_us)
{
	unsigned done = 0;
	bool left = false;
	q->tx_retry_at_us = 0;
	while (!q->broken && done < BATCH) {
		RING_IDX prod = q->tx.sring->req_prod;
		xen_rmb(); /* the requests, not older copies of them */
		if (RING_REQUEST_PROD_OVERFLOW(&q->tx, prod)) {
			log_err("%s: the frontend's TX request index %u is impossible (responses at %u): ring halted",
				q->name, prod, q->tx.rsp_prod_pvt);
			q->broken = true;
			break;
		}
		struct tx_packet p;
		if (!tx_gather(q, prod, &p)) {
			if (q->tx.req_cons != prod) {
				/* Part of a packet: hear of the rest. */
				q->tx.sring->req_event = prod + 1;
				xen_mb();
				if (q->tx.sring->req_prod != prod)
					continue;
				break;
			}
			int more;
			RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
			if (!more)
				break;
			continue;
		}
		if (!p.malformed && !tx_rate_allows(q, p.first.size, now_us))
			break; /* taken up again at tx_retry_at_us */
		bool sent = tx_send(q, &p) == 0;
		tx_answer(q, &p, sent ? NETIF_RSP_OKAY : NETIF_RSP_ERROR);
		if (sent) {
			q->stats->tx_packets++;
			q->stats->tx_bytes += p.first.size;
		} else {
			q->stats->tx_drops++;
		}
		if (++done == BATCH)
			left = true;
	}
	int notify;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
	notify_if_asked(q, notify);
	return left;
}

/* ---- RX: what the guest receives ---- */

static void rx_respond(struct netif_queue *q, uint16_t id, uint16_t flags, int16_t status)
{
	netif_rx_response_t *rsp = RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt);
	rsp->id = id;
	rsp->offset = 0;
	rsp->flags = flags;
	rsp->status = status;
	q->rx.rsp_prod_pvt++;
}

static netif_rx_request_t rx_take_request(struct netif_queue *q)
{
	netif_rx_request_t req;
	RING_COPY_REQUEST(&q->rx, q->rx.req_cons, &req);
	q->rx.req_cons++;
	return req;
}

/* Copies `len` bytes into the page the next request granted; the length
 * written, or NETIF_RSP_ERROR for a grant we may not write. */
static int16_t rx_fill(struct netif_queue *q, const netif_rx_request_t *req, const uint8_t *data, size_t len)
{
	void *page;
	if (gnttab_map_grant(&q->dom->xen.gnttab, &q->dom->mem, 0, req->gref, true, &page) != GNTST_okay)
		return NETIF_RSP_ERROR;
	memcpy(page, data, len);
	gnttab_unmap_grant(&q->dom->xen.gnttab, &q->dom->mem, req->gref, true);
	return (int16_t)len;
}

/* What the frame needs of the frontend: its data slots, and the GSO extra
 * that follows the first. 0 for a frame the frontend cannot take. */
static unsigned rx_slots_needed(const struct netif_queue *q, const struct virtio_net_hdr *h, size_t data_len,
				netif_extra_info_t *gso)
{
	*gso = (netif_extra_info_t){ .type = XEN_NETIF_EXTRA_TYPE_NONE };
	unsigned data_slots = (unsigned)((data_len + PAGE_SIZE - 1) / PAGE_SIZE);
	if (data_slots > (q->features.sg ? NETIF_RX_MAX_SLOTS : 1u))
		return 0;
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return data_slots;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		gso->type = XEN_NETIF_EXTRA_TYPE_GSO;
		gso->u.gso.type = h->gso_type == VIRTIO_NET_HDR_GSO_TCPV4 ? XEN_NETIF_GSO_TYPE_TCPV4
									   : XEN_NETIF_GSO_TYPE_TCPV6;
		gso->u.gso.size = h->gso_size;
		return h->gso_size ? data_slots + 1 : 0;
	default:
		return 0; /* not offered to the TAP device: never handed to us */
	}
}

/* Requests the frontend has posted and we have not taken; -1 if its index
 * is impossible. */
static long rx_requests_posted(struct netif_queue *q)
{
	RING_IDX prod = q->rx.sring->req_prod;
	xen_rmb();
	if (RING_REQUEST_PROD_OVERFLOW(&q->rx, prod) || prod - q->rx.req_cons > RING_SIZE(&q->rx)) {
		log_err("%s: the frontend's RX request index %u is impossible (taken up to %u): ring halted", q->name,
			prod, q->rx.req_cons);
		q->broken = true;
		return -1;
	}
	return (long)(prod - q->rx.req_cons);
}

/* Whether the frontend has posted `needed` pages; if not, asks to hear when
 * it posts more. */
static bool rx_room_for(struct netif_queue *q, unsigned needed)
{
	long posted = rx_requests_posted(q);
	if (posted < 0)
		return false;
	if (posted >= (long)needed)
		return true;
	q->rx.sring->req_event = q->rx.req_cons + needed;
	xen_mb();
	posted = rx_requests_posted(q);
	return posted >= (long)needed;
}

/* Puts the frame in q->rx_frame on the ring, over `slots` posted pages. */
static void rx_deliver(struct netif_queue *q, unsigned slots, const netif_extra_info_t *gso)
{
	const struct virtio_net_hdr *h = (const void *)q->rx_frame;
	const uint8_t *data = q->rx_frame + VNET_HDR;
	size_t left = q->rx_len - VNET_HDR;
	uint16_t csum = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM ? NETRXF_csum_blank | NETRXF_data_validated
			: h->flags & VIRTIO_NET_HDR_F_DATA_VALID ? NETRXF_data_validated
								 : 0;
	bool has_gso = gso->type == XEN_NETIF_EXTRA_TYPE_GSO;
	unsigned data_slots = slots - has_gso;
	bool failed = false;
	for (unsigned i = 0; i < data_slots; i++) {
		netif_rx_request_t req = rx_take_request(q);
		size_t n = left < PAGE_SIZE ? left : PAGE_SIZE;
		int16_t status = rx_fill(q, &req, data, n);
		failed |= status < 0;
		data += n;
		left -= n;
		uint16_t flags = (i + 1 < data_slots ? NETRXF_more_data : 0) | (i == 0 ? csum : 0) |
				 (i == 0 && has_gso ? NETRXF_extra_info : 0);
		rx_respond(q, req.id, flags, status);
		if (i == 0 && has_gso) {
			/* The extra follows the first slot; it takes a request,
			 * and that response's place. */
			rx_take_request(q);
			netif_extra_info_t *extra = (void *)RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt);
			*extra = *gso;
			q->rx.rsp_prod_pvt++;
		}
	}
	if (failed) {
		/* The frontend drops the whole packet at the error. */
		warn_limited(q, "a receive buffer's grant is not writable by us: packet lost");
		q->stats->rx_drops++;
		return;
	}
	q->stats->rx_packets++;
	q->stats->rx_bytes += q->rx_len - VNET_HDR;
}

bool netif_queue_receive(struct netif_queue *q)
{
	unsigned done = 0;
	while (!q->broken && done < BATCH) {
		if (!q->rx_len) {
			ssize_t n = read(q->tap_fd, q->rx_frame, RX_FRAME_MAX);
			if (n < 0) {
				if (errno != EAGAIN && errno != EINTR)
					warn_limited(q, "reading the TAP device: %s", strerror(errno));
				break;
			}
			if ((size_t)n < VNET_HDR + ETH_HEADER)
				continue;
			q->rx_len = (size_t)n;
		}
		netif_extra_info_t gso;
		unsigned slots = rx_slots_needed(q, (const void *)q->rx_frame, q->rx_len - VNET_HDR, &gso);
		if (!slots) {
			q->stats->rx_drops++;
			q->rx_len = 0;
			continue;
		}
		if (!rx_room_for(q, slots))
			break; /* kept until the frontend posts more */
		rx_deliver(q, slots, &gso);
		q->rx_len = 0;
		done++;
	}
	int notify;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
	notify_if_asked(q, notify);
	return done == BATCH;
}

/* ---- the thread ---- */

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static void drain(int fd)
{
	uint64_t count;
	if (read(fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_warn("reading an eventfd: %s", strerror(errno));
}

static void *serve(void *arg)
{
	struct netif_queue *q = arg;
	while (!q->stopping) {
		uint64_t now = now_us();
		bool more = netif_queue_transmit(q, now);
		more |= netif_queue_receive(q);
		/* The TAP device is heard only while a frame can go somewhere. */
		struct pollfd fds[3] = {
			{ .fd = q->io.kick_fd, .events = POLLIN },
			{ .fd = q->io.stop_fd, .events = POLLIN },
			{ .fd = q->rx_len || q->broken ? -1 : q->tap_fd, .events = POLLIN },
		};
		struct timespec wait = { 0 }, *timeout = more ? &wait : NULL;
		if (!more && q->tx_retry_at_us) {
			uint64_t us = q->tx_retry_at_us > now ? q->tx_retry_at_us - now : 0;
			wait = (struct timespec){ .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };
			timeout = &wait;
		}
		if (ppoll(fds, 3, timeout, NULL) < 0 && errno != EINTR) {
			log_err("%s: %s", q->name, strerror(errno));
			break;
		}
		if (fds[0].revents)
			drain(q->io.kick_fd);
		if (fds[1].revents)
			q->stopping = true;
	}
	return NULL;
}

/* The thread first: it uses the rest. */
static void release(struct netif_queue *q)
{
	ring_thread_stop(&q->io, q->name);
	gnttab_unmap_ring(&q->dom->xen.gnttab, &q->dom->mem, &q->tx_pages);
	gnttab_unmap_ring(&q->dom->xen.gnttab, &q->dom->mem, &q->rx_pages);
	free(q->rx_frame);
	q->rx_frame = NULL;
}

int netif_queue_start(struct netif_queue *q, struct domain *dom, const char *name,
		      const struct netif_queue_rings *rings, const struct netif_features *features, int tap_fd,
		      struct vif_stats *stats, struct vif_rate *rate, char *err, size_t errlen)
{
	*q = (struct netif_queue){ .dom = dom, .stats = stats, .rate = rate, .features = *features,
				   .tap_fd = tap_fd };
	ring_thread_clear(&q->io, dom);
	snprintf(q->name, sizeof(q->name), "%s", name);
	int status = gnttab_map_ring(&dom->xen.gnttab, &dom->mem, 0, &rings->tx_ref, 1, &q->tx_pages);
	if (status != GNTST_okay) {
		snprintf(err, errlen, "mapping its TX ring (grant %u): grant status %d", rings->tx_ref, status);
		return -1;
	}
	status = gnttab_map_ring(&dom->xen.gnttab, &dom->mem, 0, &rings->rx_ref, 1, &q->rx_pages);
	if (status != GNTST_okay) {
		snprintf(err, errlen, "mapping its RX ring (grant %u): grant status %d", rings->rx_ref, status);
		goto fail;
	}
	BACK_RING_INIT(&q->tx, (netif_tx_sring_t *)q->tx_pages.area, PAGE_SIZE);
	BACK_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rx_pages.area, PAGE_SIZE);
	q->rx_frame = malloc(RX_FRAME_MAX);
	if (!q->rx_frame) {
		snprintf(err, errlen, "out of memory for its receive buffer");
		goto fail;
	}
	if (ring_thread_bind(&q->io, rings->port, err, errlen) < 0 || ring_thread_start(&q->io, serve, q, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	release(q);
	return -1;
}

void netif_queue_stop(struct netif_queue *q)
{
	release(q);
}
