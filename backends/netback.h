/* The network backend: a domain's virtual network interfaces (vifs),
 * served to Linux's unmodified xen-netfront as Xen's netback serves them.
 * xend asks for each (vmm/control.h: vif-attach, vif-detach); this file
 * makes its TAP device (tap.c), publishes what it offers in its backend
 * folder, follows the frontend through the xenbus states (xenbus.c) and,
 * once the frontend has granted its rings, serves each queue on a thread
 * of its own (netif_queue.c).
 *
 * Offered: scatter-gather, checksum offload (IPv4 and IPv6), TCP
 * segmentation offload both ways (IPv4 and IPv6), receive by copy (the
 * only way Linux has), and as many queues as the host has CPUs (up to 8),
 * one TAP queue each. A vif's rate= limits what its guest sends. */
#ifndef XENON_BACKENDS_NETBACK_H
#define XENON_BACKENDS_NETBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct domain;

struct netback_attach_request {
	uint32_t devid;
	const char *ifname;         /* the TAP device to make */
	const char *mac;            /* the guest's, for the log and info */
	uint64_t rate_bytes;        /* per rate_interval_us; 0: no limit */
	uint32_t rate_interval_us;
	const char *backend;        /* its XenStore folders */
	const char *frontend;
};

/* Makes the vif's TAP device and starts offering the vif. 0, or -1 with
 * one line in ERR (nothing is left behind). */
int netback_attach(struct domain *d, const struct netback_attach_request *req, char *err, size_t errlen);
/* See vmm/control.h's vif-detach. 0, or -1 with ERR. */
int netback_detach(struct domain *d, uint32_t devid, bool force, char *err, size_t errlen);

/* A snapshot of one vif, for info. */
struct netback_vif_info {
	uint32_t devid;
	const char *ifname, *mac;
	int state; /* ours, a xenbus state */
	unsigned queues;
	uint64_t tx_packets, tx_bytes, tx_drops, rx_packets, rx_bytes, rx_drops;
};
void netback_for_each(struct domain *d, void (*visit)(void *opaque, const struct netback_vif_info *vif),
		      void *opaque);

/* The VMM is ending: stops every queue and removes every TAP device. */
void netback_teardown(struct domain *d);

#endif
