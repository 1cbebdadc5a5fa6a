/* memory_op: where the guest places Xen's pages (shared_info, grant table
 * frames); the balloon's operations are reservation.c's. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/guest_access.h"
#include "abi/reservation.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"
#include "log.h"
#include "vcpu.h"

/* Places shared_info at `gfn` and makes each vCPU's default vcpu_info the
 * slot inside it: KVM writes the Xen pvclock only into a vcpu_info. */
static long place_shared_info(struct domain *d, uint64_t gfn)
{
	if (gfn >= (1ull << (52 - PAGE_SHIFT)) || !guest_phys(&d->mem, gfn << PAGE_SHIFT, PAGE_SIZE))
		return -EINVAL;
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_SHARED_INFO, .u.shared_info.gfn = gfn };
	if (ioctl(d->vm_fd, KVM_XEN_HVM_SET_ATTR, &a) < 0)
		return -errno;
	d->xen.shared_info_gfn = gfn;
	log_debug("shared_info placed at gfn 0x%llx", (unsigned long long)gfn);
	for (unsigned i = 0; i < d->nr_vcpus && i < XEN_LEGACY_MAX_VCPUS; i++) {
		struct vcpu *v = &d->vcpus[i];
		if (v->vcpu_info_explicit)
			continue;
		uint64_t gpa = (gfn << PAGE_SHIFT) + offsetof(struct shared_info, vcpu_info[i]);
		struct kvm_xen_vcpu_attr va = { .type = KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO, .u.gpa = gpa };
		long err = vcpu_set_xen_attr(v, &va);
		if (err)
			return err;
		v->vcpu_info_gpa = gpa;
	}
	return 0;
}

static long add_to_physmap(struct vcpu *v, uint64_t arg)
{
	struct xen_add_to_physmap xatp;
	struct domain *d = v->dom;

	if (copy_from_guest(v, arg, &xatp, sizeof(xatp)))
		return -EFAULT;
	if (!xen_is_self(d, xatp.domid))
		return -ESRCH;
	long r;
	pthread_mutex_lock(&d->lock);
	switch (xatp.space) {
	case XENMAPSPACE_shared_info:
		r = xatp.idx == 0 ? place_shared_info(d, xatp.gpfn) : -EINVAL;
		break;
	case XENMAPSPACE_grant_table:
		r = gnttab_place_frame(d, xatp.idx, xatp.gpfn);
		break;
	default:
		r = -ENOSYS; /* no other map space is offered */
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

long hypercall_memory_op(struct vcpu *v, const uint64_t *args)
{
	switch (args[0] & MEMOP_CMD_MASK) {
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation_op(v, args[0], args[1]);
	}
	switch (args[0]) {
	case XENMEM_add_to_physmap:
		return add_to_physmap(v, args[1]);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return reservation_query(v, (unsigned)args[0], args[1]);
	default:
		return HYPERCALL_UNKNOWN;
	}
}
