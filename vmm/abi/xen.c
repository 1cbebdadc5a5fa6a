#include "abi/xen.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "abi/version.h"
#include "backends/console.h"
#include "backends/xenstore.h"
#include "domain.h"
#include "kvm_compat.h"
#include "log.h"

int xen_setup(struct domain *d)
{
	struct xen *x = &d->xen;
	*x = (struct xen){ .shared_info_gfn = NO_GFN };

	struct kvm_xen_hvm_config config = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL | KVM_XEN_HVM_CONFIG_EVTCHN_SEND,
		.msr = XEN_HYPERCALL_MSR,
	};
	if (ioctl(d->vm_fd, KVM_XEN_HVM_CONFIG, &config) < 0) {
		log_err("KVM_XEN_HVM_CONFIG: %s: this host's KVM lacks Xen support (xenon-probe says "
			"why); run Xen guests inside the emulated host, tools/emuhost",
			strerror(errno));
		return -1;
	}
	/* Our guests are 64-bit: KVM must lay out shared_info and vcpu_info the
	 * 64-bit way from the start (it would otherwise latch the mode only when
	 * the hypercall page is asked for). */
	struct kvm_xen_hvm_attr long_mode = { .type = KVM_XEN_ATTR_TYPE_LONG_MODE, .u.long_mode = 1 };
	if (ioctl(d->vm_fd, KVM_XEN_HVM_SET_ATTR, &long_mode) < 0) {
		log_err("KVM_XEN_ATTR_TYPE_LONG_MODE: %s", strerror(errno));
		return -1;
	}
	struct kvm_xen_hvm_attr version = {
		.type = KVM_XEN_ATTR_TYPE_XEN_VERSION,
		.u.xen_version = XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR,
	};
	if (ioctl(d->vm_fd, KVM_XEN_HVM_SET_ATTR, &version) < 0) {
		log_err("KVM_XEN_ATTR_TYPE_XEN_VERSION: %s", strerror(errno));
		return -1;
	}
	if (console_setup(d) < 0)
		return -1;
	return d->cfg.xenstore ? xenstore_setup(d) : 0;
}

int xen_vcpu_setup(struct vcpu *v)
{
	struct kvm_xen_vcpu_attr id = { .type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID, .u.vcpu_id = v->id };
	if (ioctl(v->fd, KVM_XEN_VCPU_SET_ATTR, &id) < 0) {
		log_err("vCPU %u: KVM_XEN_VCPU_ATTR_TYPE_VCPU_ID: %s", v->id, strerror(errno));
		return -1;
	}
	return 0;
}

void xen_teardown(struct domain *d)
{
	xenstore_teardown(d);
	console_teardown(d);
}

bool xen_is_self(const struct domain *d, uint32_t domid)
{
	return domid == DOMID_SELF || domid == d->cfg.domid;
}

typedef long (*hypercall_fn)(struct vcpu *v, const uint64_t *args);

static const hypercall_fn hypercalls[] = {
	[__HYPERVISOR_memory_op] = hypercall_memory_op,
	[__HYPERVISOR_xen_version] = hypercall_xen_version,
	[__HYPERVISOR_console_io] = hypercall_console_io,
	[__HYPERVISOR_grant_table_op] = hypercall_grant_table_op,
	[__HYPERVISOR_vcpu_op] = hypercall_vcpu_op,
	[__HYPERVISOR_sched_op] = hypercall_sched_op,
	[__HYPERVISOR_event_channel_op] = hypercall_event_channel_op,
	[__HYPERVISOR_hvm_op] = hypercall_hvm_op,
	[__HYPERVISOR_vm_assist] = hypercall_vm_assist,
};

/* vm_assist: no assists are offered (Linux asks for the runstate update
 * flag and does without). */
long hypercall_vm_assist(struct vcpu *v, const uint64_t *args)
{
	return -ENOSYS;
}

/* Logs an unhandled hypercall (and sub-operation) the first time it is seen. */
static void log_unknown_once(struct domain *d, uint64_t nr, const uint64_t *args)
{
	struct xen *x = &d->xen;
	bool first = true;

	pthread_mutex_lock(&d->lock);
	x->unknown_count++;
	for (unsigned i = 0; i < x->unknown_seen_count; i++)
		if (x->unknown_seen[i].nr == nr && x->unknown_seen[i].op == args[0])
			first = false;
	if (first && x->unknown_seen_count < UNKNOWN_SEEN_MAX)
		x->unknown_seen[x->unknown_seen_count++] = (struct unknown_hypercall){ nr, args[0] };
	pthread_mutex_unlock(&d->lock);
	if (first)
		log_warn("unhandled hypercall %llu, operation %llu: the guest gets -ENOSYS",
			 (unsigned long long)nr, (unsigned long long)args[0]);
}

void xen_hypercall(struct vcpu *v, struct kvm_xen_exit *exit)
{
	uint64_t nr = exit->u.hcall.input;
	const uint64_t *args = (const uint64_t *)exit->u.hcall.params;
	long r;

	if (!exit->u.hcall.longmode) {
		/* 32-bit guests pass different structures; we offer 64-bit only. */
		r = -ENOSYS;
	} else if (exit->u.hcall.cpl != 0) {
		r = -EPERM; /* hypercalls from guest user space (privcmd) come later */
	} else if (nr < sizeof(hypercalls) / sizeof(hypercalls[0]) && hypercalls[nr]) {
		r = hypercalls[nr](v, args);
	} else {
		r = HYPERCALL_UNKNOWN;
	}
	if (r == HYPERCALL_UNKNOWN) {
		log_unknown_once(v->dom, nr, args);
		r = -ENOSYS;
	}
	log_debug("vCPU %u: hypercall %llu (0x%llx, 0x%llx, 0x%llx) = %ld", v->id, (unsigned long long)nr,
		  (unsigned long long)args[0], (unsigned long long)args[1], (unsigned long long)args[2], r);
	exit->u.hcall.result = (uint64_t)r;
}
