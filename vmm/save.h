/* Saving a suspended domain into Xenon's save stream, and building one
 * from it (lib/save_stream.h; docs/save-format.md has the records).
 *
 * Xen's way for a guest with PV drivers: xend asks the guest to suspend
 * (control/shutdown = "suspend"); its kernel quiesces its devices and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend), which ends domain_run with
 * END_SUSPEND. What is saved then is RAM and each vCPU's KVM state; the Xen
 * state (shared_info, vcpu_info, event channels, grant tables, timers) the
 * guest sets up again itself when its suspend hypercall returns 0 in the
 * new domain, its frontends reconnecting to new backends. Returning 1
 * instead tells it the suspend was cancelled (xm save -c, or a save that
 * failed): it goes on with everything it had. */
#ifndef XENON_VMM_SAVE_H
#define XENON_VMM_SAVE_H

#include <linux/kvm.h>
#include <stdint.h>

#include "control.h"

struct domain;

/* What SCHEDOP_shutdown(SHUTDOWN_suspend) returns where it was made. */
#define SUSPEND_CANCELLED 1
/* ... and in the domain restored from the image. */
#define SUSPEND_RESUMED 0

struct save_domain {
	uint64_t ram_bytes;
	uint32_t vcpus;
	uint32_t suspend_vcpu; /* whose suspend hypercall returns SUSPEND_RESUMED */
	uint32_t store_port, console_port;
	uint64_t clock_ns;     /* KVM's clock: Xen's system time */
};

#define SAVE_MAX_MSRS 24

struct save_vcpu {
	uint32_t id, nr_msrs;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp_state;
	struct kvm_debugregs debugregs;
	struct kvm_msr_entry msrs[SAVE_MAX_MSRS];
};

/* Control requests (control.h): "save", the suspended domain into the
 * descriptor passed (with "precopied": true, after a live migration's
 * pre-copy, vmm/precopy.h: only what it did not send); "resume", a
 * suspended domain goes on (cancelled). */
control_handler control_save;
control_handler control_resume;

/* What a save or a pre-copy round wrote. */
struct save_tally {
	uint64_t pages, bytes;
};
/* The domain's record: its RAM, vCPUs, ports and clock. 0, or -1 with
 * `err`. */
int save_write_domain(struct domain *d, int out, struct save_tally *tally, char *err, size_t errlen);
/* RAM into PAGES records: the frames set in `only` (a bit per RAM frame,
 * by its place in the memfd), or with `only` NULL every page that is not
 * zero. 0, or -errno. */
struct guest_memory;
int save_write_frames(int out, const struct guest_memory *m, const uint64_t *only, struct save_tally *tally);

/* The image's first record, read from `fd` (after xend's record): the
 * domain to build, its RAM and vCPUs. 0, or -1 with the error logged. */
int save_read_domain(int fd, struct save_domain *out);
/* Loads the rest of the image into a domain that domain_create built from
 * `header` with nothing loaded: the clock, the vCPUs, the balloon, RAM.
 * 0, or -1 with the error logged. The ports the guest knows are compared
 * with the domain's by save_check_ports once its console and XenStore
 * rings have theirs. */
int save_load(struct domain *d, int fd, const struct save_domain *header);
int save_check_ports(struct domain *d);

#endif
