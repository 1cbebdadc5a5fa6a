/* Event channels, Xen's 2-level ABI (64 x 64 ports). KVM sets the pending
 * bits and injects the upcall; we keep the port table: what each port is
 * bound to, and what a send on it means. IPIs and the timer VIRQ are handed
 * to KVM so they never leave the kernel. */
#ifndef XENON_VMM_ABI_EVTCHN_H
#define XENON_VMM_ABI_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "abi/xen_public.h"

#define EVTCHN_PORTS (64 * 64)
#define EVTCHN_MAX_VCPUS 64

struct domain;
struct vcpu;

/* A port whose other end is one of our backends (console, XenStore, ...):
 * `notify` runs when the guest sends on it. */
typedef void (*evtchn_notify_fn)(void *opaque);

struct evtchn {
	uint8_t state; /* EVTCHNSTAT_* */
	uint32_t vcpu; /* the vCPU it notifies */
	uint32_t virq;
	evtchn_notify_fn notify;
	void *opaque;
	bool kvm_send;  /* the guest's sends signal an eventfd inside KVM */
};

/* Ports raised from an eventfd (KVM_IRQFD) through a GSI routed to them. */
#define EVTCHN_MAX_IRQFDS 16

struct evtchn_table {
	struct evtchn ports[EVTCHN_PORTS];
	struct kvm_irq_routing_entry irqfd_routes[EVTCHN_MAX_IRQFDS];
	unsigned nr_irqfd_routes;
	uint32_t virq_port[EVTCHN_MAX_VCPUS][NR_VIRQS]; /* 0: not bound */
};

/* Opens a port from the guest to a backend of ours; returns it, or -1. */
int evtchn_open_backend(struct domain *d, evtchn_notify_fn notify, void *opaque);
/* Opens a port from the guest to a backend in another process: the guest's
 * sends on it signal `kick_fd`, and a write to `notify_fd` raises it in the
 * guest, both inside KVM (neither passes through this process). Returns the
 * port, or -1. */
int evtchn_open_eventfd_backend(struct domain *d, int kick_fd, int notify_fd);
/* Binds the guest's unbound `port` (the frontend's end, which it made with
 * EVTCHNOP_alloc_unbound for domain 0) to a backend in this process: the
 * guest's sends on it signal `kick_fd` inside KVM, never reaching a vCPU
 * thread. 0, or -1 (logged) if the port is not an unbound one. */
int evtchn_bind_backend_eventfd(struct domain *d, uint32_t port, int kick_fd);
/* Undoes it: the port is unbound again, as in Xen when the remote end
 * closes, so a frontend that reconnects may bind it anew. */
void evtchn_unbind_backend_eventfd(struct domain *d, uint32_t port);
/* Logs the ports in use and their pending and mask bits (a hung domain). */
void evtchn_log_state(struct domain *d);
/* Raises `port` in the guest, as the backend end of it. */
int evtchn_notify_guest(struct domain *d, uint32_t port);

#endif
