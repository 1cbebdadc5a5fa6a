/* One queue of a vif (xen/io/netif.h): the frontend's TX and RX rings, the
 * event channel they share, one descriptor of the vif's TAP device, and the
 * thread that moves packets between them.
 *
 * TX (the guest sends): each packet's requests are copied out of the ring
 * and checked, its grants pinned, and the frame written to the TAP device
 * straight from the guest's pages, its first bytes (the headers the offload
 * description was read from) from our own copy, so what the host's kernel
 * is told matches what it gets. RX (the guest receives): a frame read from
 * the TAP device is copied into as many of the frontend's posted pages as
 * it needs, with a GSO extra when the kernel handed us a TCP segment to
 * cut. */
#ifndef XENON_BACKENDS_NETIF_QUEUE_H
#define XENON_BACKENDS_NETIF_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "xen_ring.h"
#include <xen/io/netif.h>

#include "abi/gnttab.h"
#include "rate_limit.h"
#include "ring_thread.h"

struct domain;

/* A vif's counters, for all its queues, from the guest's side. */
struct vif_stats {
	_Atomic uint64_t tx_packets, tx_bytes, tx_drops;
	_Atomic uint64_t rx_packets, rx_bytes, rx_drops;
};

/* The vif's rate= (what the guest may send), shared by its queues. */
struct vif_rate {
	pthread_mutex_t lock;
	struct rate_limit limit;
};

/* What the frontend said it takes (its feature-* nodes). */
struct netif_features {
	bool sg;        /* packets over several slots */
	bool gso_tcpv4;
	bool gso_tcpv6;
	bool csum;      /* packets whose checksum is left to do (not feature-no-csum-offload) */
};

/* The most slots one packet may take on the TX ring (Linux's netback lets
 * as many through before it calls a frontend broken), and its data on the
 * RX ring (what netfront accepts). */
#define NETIF_TX_MAX_SLOTS 20
#define NETIF_RX_MAX_SLOTS XEN_NETIF_NR_SLOTS_MIN

struct netif_queue {
	struct domain *dom;
	struct vif_stats *stats;
	struct vif_rate *rate;
	struct netif_features features;
	char name[48];            /* "vif3.0" or "vif3.0 queue 1", for the log */
	struct ring_thread io;    /* the event channel both rings share, the thread */
	int tap_fd;               /* the vif's, not ours to close */
	struct gnttab_ring tx_pages, rx_pages;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	uint64_t tx_retry_at_us;  /* rate-limited until then; 0 when not */
	uint8_t *rx_frame;        /* a frame read from the TAP device, not yet delivered */
	size_t rx_len;            /* its length (with its virtio_net_hdr); 0 when none */
	bool broken;              /* the frontend corrupted a ring: nothing more is taken */
	bool stopping;
};

struct netif_queue_rings {
	uint32_t tx_ref, rx_ref; /* one page each */
	uint32_t port;
};

/* Serves the queue. 0, or -1 with ERR (nothing is left mapped or bound). */
int netif_queue_start(struct netif_queue *q, struct domain *dom, const char *name,
		      const struct netif_queue_rings *rings, const struct netif_features *features, int tap_fd,
		      struct vif_stats *stats, struct vif_rate *rate, char *err, size_t errlen);
/* Stops the thread, then lets the rings, their grants and the port go. */
void netif_queue_stop(struct netif_queue *q);

/* What the thread does each time it wakes, apart from the thread (the
 * fuzz target drives them): takes what the guest sent, and delivers what
 * the TAP device has for it. Each returns whether work is left for now. */
bool netif_queue_transmit(struct netif_queue *q, uint64_t now_us);
bool netif_queue_receive(struct netif_queue *q);

#endif
