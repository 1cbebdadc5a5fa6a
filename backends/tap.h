/* The host's end of a vif: a TAP device (vifDOMID.DEVID), one descriptor
 * per queue, each packet prefixed with a virtio_net_hdr (IFF_VNET_HDR) so
 * checksum and segmentation offloads pass between the host's stack and the
 * guest's netfront without the work being done here. */
#ifndef XENON_BACKENDS_TAP_H
#define XENON_BACKENDS_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#define TAP_MAX_QUEUES 8

struct tap {
	char name[IF_NAMESIZE];
	int fds[TAP_MAX_QUEUES]; /* non-blocking; fds[0] keeps the device alive */
	unsigned nr_queues;
};

/* Makes the device `name` with one queue: down, no carrier, the address
 * fe:ff:ff:ff:ff:ff (Xen's for a backend's end, which a bridge never takes
 * as its own). It goes when tap_close closes the last descriptor. 0, or -1
 * with ERR (a name already in use on the host, say). */
int tap_open(struct tap *t, const char *name, char *err, size_t errlen);
/* Opens or closes queues until there are `n`. 0, or -1 (logged). */
int tap_set_queues(struct tap *t, unsigned n);
/* TUN_F_* offloads the guest can take (checksums left to do, TSO). */
int tap_set_offload(struct tap *t, unsigned offloads);
/* Carrier on while the guest is connected, so a bridge forwards to it. */
void tap_set_carrier(struct tap *t, bool on);
void tap_close(struct tap *t);

#endif
