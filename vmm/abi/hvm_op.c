/* hvm_op: HVM parameters (the event callback, the console and XenStore
 * rings) and the per-vCPU upcall vector. */
#include <errno.h>
#include <sys/ioctl.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"
#include "vcpu.h"

/* HVM_PARAM_CALLBACK_IRQ's value: the delivery type in bits 63:56. */
#define CALLBACK_TYPE_VECTOR 2

static long set_callback(struct domain *d, uint64_t value)
{
	uint8_t type = value >> 56, vector = value & 0xff;
	if (type != CALLBACK_TYPE_VECTOR || vector < 0x10)
		return -EINVAL; /* no emulated interrupt controller to take a GSI */
	struct kvm_xen_hvm_attr a = { .type = KVM_XEN_ATTR_TYPE_UPCALL_VECTOR, .u.vector = vector };
	if (ioctl(d->vm_fd, KVM_XEN_HVM_SET_ATTR, &a) < 0)
		return -errno;
	return 0;
}

static long param(struct vcpu *v, uint64_t arg, bool set)
{
	struct xen_hvm_param p;
	struct domain *d = v->dom;

	if (copy_from_guest(v, arg, &p, sizeof(p)))
		return -EFAULT;
	if (!xen_is_self(d, p.domid))
		return -ESRCH;
	if (p.index >= HVM_NR_PARAMS)
		return -EINVAL;
	if (!set) {
		p.value = d->xen.params[p.index];
		return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
	}
	switch (p.index) {
	case HVM_PARAM_CALLBACK_IRQ: {
		long r = set_callback(d, p.value);
		if (r == 0)
			d->xen.params[p.index] = p.value;
		return r;
	}
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_CONSOLE_EVTCHN:
		return -EPERM; /* ours to set, not the guest's */
	default:
		d->xen.params[p.index] = p.value;
		return 0;
	}
}

static long set_upcall_vector(struct vcpu *v, uint64_t arg)
{
	struct xen_hvm_evtchn_upcall_vector op;
	struct domain *d = v->dom;

	if (copy_from_guest(v, arg, &op, sizeof(op)))
		return -EFAULT;
	if (op.vcpu >= d->nr_vcpus || op.vector < 0x10)
		return -EINVAL;
	struct kvm_xen_vcpu_attr a = { .type = KVM_XEN_VCPU_ATTR_TYPE_UPCALL_VECTOR, .u.vector = op.vector };
	return vcpu_set_xen_attr(&d->vcpus[op.vcpu], &a);
}

long hypercall_hvm_op(struct vcpu *v, const uint64_t *args)
{
	switch (args[0]) {
	case HVMOP_set_param:
		return param(v, args[1], true);
	case HVMOP_get_param:
		return param(v, args[1], false);
	case HVMOP_set_evtchn_upcall_vector:
		return set_upcall_vector(v, args[1]);
	case HVMOP_pagetable_dying:
		return 0;
	default:
		return HYPERCALL_UNKNOWN;
	}
}
