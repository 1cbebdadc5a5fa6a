/* The guest's end of XenStore: its ring page (HVM_PARAM_STORE_PFN) and event
 * channel (HVM_PARAM_STORE_EVTCHN). xenstored serves the ring from its own
 * process: it asks for the page and two eventfds over the control socket
 * (vmm/control.c), and KVM carries the notifications both ways. */
#ifndef XENON_BACKENDS_XENSTORE_H
#define XENON_BACKENDS_XENSTORE_H

#include <stdint.h>

struct domain;

struct xenstore_ring {
	uint32_t port;
	int kick_fd;    /* signalled by KVM when the guest sends on the port */
	int notify_fd;  /* xenstored writes it to raise the port in the guest */
};

int xenstore_setup(struct domain *d);
void xenstore_teardown(struct domain *d);

/* What xenstored needs to map the ring: the guest memory's fd and the
 * ring's offset in it, and the two eventfds (not duplicated: the caller
 * sends them and keeps nothing). -1 if this domain has no XenStore ring. */
int xenstore_ring_handover(struct domain *d, uint64_t gfn, uint32_t port, int fds[3], uint64_t *offset);

#endif
