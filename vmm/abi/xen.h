/* The Xen guest ABI on KVM. KVM performs the hot parts itself (the hypercall
 * page, shared_info and vcpu_info updates, event delivery, Xen timers, in-
 * kernel event channel sends); every other hypercall exits to us and is
 * handled here, one file per hypercall family. */
#ifndef XENON_VMM_ABI_XEN_H
#define XENON_VMM_ABI_XEN_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/evtchn.h"
#include "abi/gnttab.h"
#include "abi/xen_public.h"

struct console;
struct xenstore_ring;
struct vbd;
struct domain;
struct vcpu;

#define NO_GFN UINT64_MAX
#define UNKNOWN_SEEN_MAX 64

struct unknown_hypercall {
	uint64_t nr, op;
};

struct xen {
	uint8_t uuid[16];               /* the domain handle (xm list -l: uuid) */
	uint64_t shared_info_gfn;       /* NO_GFN until the guest places it */
	uint64_t params[HVM_NR_PARAMS]; /* HVM params, read by get_param */
	struct evtchn_table evtchn;
	struct gnttab gnttab;
	struct unknown_hypercall unknown_seen[UNKNOWN_SEEN_MAX]; /* logged once each */
	unsigned unknown_seen_count;
	unsigned unknown_count;         /* unhandled hypercalls, all told */
	struct console *console;        /* backends/console.c */
	struct xenstore_ring *xenstore; /* backends/xenstore.c; NULL when the domain has no XenStore */
	struct vbd *vbds;               /* backends/blkback.c: the domain's disks */
	struct vif *vifs;               /* backends/netback.c: its network interfaces */
};

/* Turns on KVM's Xen support for the VM and sets the domain's Xen state. */
int xen_setup(struct domain *d);
/* Per vCPU: its Xen vCPU ID and default vcpu_info. */
int xen_vcpu_setup(struct vcpu *v);
void xen_teardown(struct domain *d);

/* Handles a hypercall that KVM passed up; sets its result in `exit`. */
void xen_hypercall(struct vcpu *v, struct kvm_xen_exit *exit);

/* Whether a domain ID in a hypercall names the calling domain itself. */
bool xen_is_self(const struct domain *d, uint32_t domid);

/* Guest console output from before the ring is up (console_io, port 0xe9). */
void xen_console_early_write(struct domain *d, const char *text, size_t len);

/* Hypercall families, each in its own file. `args` are the guest's six
 * argument registers; the return value is what the guest sees (0 or -errno
 * in Xen's numbering, which is Linux's). -ENOSYS is a deliberate "not
 * offered" (Linux then falls back); HYPERCALL_UNKNOWN is an operation we do
 * not know, which the guest sees as -ENOSYS and the log records once. */
#define HYPERCALL_UNKNOWN (-100000L)
long hypercall_xen_version(struct vcpu *v, const uint64_t *args);
long hypercall_memory_op(struct vcpu *v, const uint64_t *args);
long hypercall_hvm_op(struct vcpu *v, const uint64_t *args);
long hypercall_vcpu_op(struct vcpu *v, const uint64_t *args);
long hypercall_sched_op(struct vcpu *v, const uint64_t *args);
long hypercall_event_channel_op(struct vcpu *v, const uint64_t *args);
long hypercall_grant_table_op(struct vcpu *v, const uint64_t *args);
long hypercall_console_io(struct vcpu *v, const uint64_t *args);
long hypercall_vm_assist(struct vcpu *v, const uint64_t *args);

#endif
