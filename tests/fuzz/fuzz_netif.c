/* libFuzzer target for the network backend's queue (backends/
 * netif_queue.c): everything a hostile guest controls there, and what the
 * host's network hands it. The guest's side is the TX and RX shared ring
 * pages, whole (indexes, requests: flags, sizes, offsets, grant references,
 * extra-info chains), and the pages its grants point at; the host's side
 * is the frames the TAP device gives (each with its virtio_net_hdr: any
 * offload claim, any length).
 *
 * Input: one page for the TX ring, one for the RX ring (their first bytes
 * are the shared rings' headers, req_prod first), then up to 32 pages for
 * frames 100-131 (what the grants point at), then an options byte (bit 0:
 * the frontend takes scatter-gather, bit 1: checksum offload and GSO,
 * bit 2: a rate limit that runs out), then frames for the TAP device, each
 * a little-endian 16-bit length and that many bytes. A short input leaves
 * the rest zero.
 *
 * The grant table is fuzz_guest.h's, with ref 43 granting the TX ring's
 * frame and 44 the RX ring's. After each input every request taken from
 * either ring must have been answered, every grant the backend pinned
 * released, and every packet written to the TAP device described to the
 * kernel consistently (a checksum's place and a GSO header within the
 * frame); otherwise the target aborts. */
#include "../../backends/netif_queue.c"

#include <sys/socket.h>

#include "fuzz_guest.h"

#define TX_RING_FRAME 50
#define RX_RING_FRAME 51
#define TX_RING_REF 43
#define RX_RING_REF 44
#define MAX_FRAMES 16

static int tap[2] = { -1, -1 }; /* [0] the backend's end, [1] the host's */

static void setup_once(void)
{
	guest_setup_once();
	if (tap[0] >= 0)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, tap) < 0)
		abort();
	int size = 4 << 20;
	setsockopt(tap[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(tap[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

/* Copies up to `len` bytes of the input into `to` (zero-filling the rest);
 * returns how many it took. */
static size_t take(const uint8_t **data, size_t *size, void *to, size_t len)
{
	size_t n = *size < len ? *size : len;
	memset(to, 0, len);
	memcpy(to, *data, n);
	*data += n;
	*size -= n;
	return n;
}

/* The frames the input holds, queued on the TAP device's host end. */
static void queue_frames(const uint8_t *data, size_t size)
{
	for (int i = 0; i < MAX_FRAMES && size >= 2; i++) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (send(tap[1], data, len, MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != ENOBUFS)
			abort();
		data += len;
		size -= len;
	}
}

/* What the backend wrote to the TAP device: each packet's virtio_net_hdr
 * must describe the frame behind it as the kernel demands. */
static void check_written(void)
{
	static uint8_t packet[RX_FRAME_MAX];
	ssize_t n;
	while ((n = recv(tap[1], packet, sizeof(packet), MSG_DONTWAIT)) >= 0) {
		struct virtio_net_hdr h;
		if ((size_t)n < sizeof(h) + ETH_HEADER)
			abort();
		memcpy(&h, packet, sizeof(h));
		size_t frame = (size_t)n - sizeof(h);
		if ((h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && (size_t)h.csum_start + h.csum_offset + 2 > frame) {
			fprintf(stderr, "fuzz_netif: checksum at %u+%u in a %zu-byte frame\n", h.csum_start,
				h.csum_offset, frame);
			abort();
		}
		if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE &&
		    (!(h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !h.gso_size || h.hdr_len > frame)) {
			fprintf(stderr, "fuzz_netif: GSO header (size %u, header %u) on a %zu-byte frame\n",
				h.gso_size, h.hdr_len, frame);
			abort();
		}
	}
}

static void check_answered(const char *ring, RING_IDX taken, RING_IDX answered)
{
	if (taken != answered) {
		fprintf(stderr, "fuzz_netif: %s: %u requests taken, %u answered\n", ring, taken, answered);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	guest_reset_grants();
	grant(TX_RING_REF, GTF_permit_access, 0, TX_RING_FRAME);
	grant(RX_RING_REF, GTF_permit_access, 0, RX_RING_FRAME);
	take(&data, &size, dom.mem.ram + TX_RING_FRAME * PAGE_SIZE, PAGE_SIZE);
	take(&data, &size, dom.mem.ram + RX_RING_FRAME * PAGE_SIZE, PAGE_SIZE);
	take(&data, &size, dom.mem.ram + DATA_FRAME * PAGE_SIZE, DATA_PAGES * PAGE_SIZE);
	uint8_t options = 0;
	take(&data, &size, &options, 1);
	queue_frames(data, size);

	struct vif_stats stats = { 0 };
	struct vif_rate rate = { .lock = PTHREAD_MUTEX_INITIALIZER };
	rate_limit_init(&rate.limit, 3000, 50000, 0);
	struct netif_queue q = {
		.dom = &dom, .stats = &stats, .rate = options & 4 ? &rate : NULL, .tap_fd = tap[0],
		.features = { .sg = options & 1, .csum = options & 2, .gso_tcpv4 = options & 2,
			      .gso_tcpv6 = options & 2 },
	};
	ring_thread_clear(&q.io, &dom);
	snprintf(q.name, sizeof(q.name), "fuzz");
	uint32_t tx_ref = TX_RING_REF, rx_ref = RX_RING_REF;
	if (gnttab_map_ring(&dom.xen.gnttab, &dom.mem, 0, &tx_ref, 1, &q.tx_pages) != GNTST_okay ||
	    gnttab_map_ring(&dom.xen.gnttab, &dom.mem, 0, &rx_ref, 1, &q.rx_pages) != GNTST_okay)
		abort();
	BACK_RING_INIT(&q.tx, (netif_tx_sring_t *)q.tx_pages.area, PAGE_SIZE);
	BACK_RING_INIT(&q.rx, (netif_rx_sring_t *)q.rx_pages.area, PAGE_SIZE);
	q.rx_frame = malloc(RX_FRAME_MAX);
	if (!q.rx_frame)
		abort();

	/* As serve() does, until neither way has work left. */
	for (int round = 0; round < 64; round++) {
		bool more = netif_queue_transmit(&q, 1000);
		more |= netif_queue_receive(&q);
		if (!more)
			break;
	}
	check_answered("TX", q.tx.req_cons, q.tx.rsp_prod_pvt);
	check_answered("RX", q.rx.req_cons, q.rx.rsp_prod_pvt);
	release(&q);
	check_released();
	check_written();
	/* Frames the backend did not take wait for the next input: drop them. */
	uint8_t sink[64];
	while (recv(tap[0], sink, sizeof(sink), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
	return 0;
}
