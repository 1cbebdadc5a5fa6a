/* vcpu_op: where a vCPU's vcpu_info, runstate and time areas live; timers.
 * (KVM runs the single-shot timer itself once VIRQ_TIMER is bound.) */
#include <errno.h>
#include <sys/ioctl.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"
#include "vcpu.h"

static int set_vcpu_attr(struct vcpu *target, uint16_t type, uint64_t gpa)
{
	struct kvm_xen_vcpu_attr a = { .type = type, .u.gpa = gpa };
	return vcpu_set_xen_attr(target, &a);
}

static long register_vcpu_info(struct vcpu *v, struct vcpu *target, uint64_t arg)
{
	struct vcpu_register_vcpu_info r;
	if (copy_from_guest(v, arg, &r, sizeof(r)))
		return -EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return -EINVAL;
	uint64_t gpa = (r.mfn << PAGE_SHIFT) + r.offset;
	if (r.mfn >= (1ull << (64 - PAGE_SHIFT)) || !guest_phys(&v->dom->mem, gpa, sizeof(struct vcpu_info)))
		return -EINVAL;
	long err = set_vcpu_attr(target, KVM_XEN_VCPU_ATTR_TYPE_VCPU_INFO, gpa);
	if (err)
		return err;
	target->vcpu_info_gpa = gpa;
	target->vcpu_info_explicit = true;
	return 0;
}

/* The runstate and time areas are named by guest-virtual address; KVM wants
 * the physical one, which must hold the whole structure contiguously. */
static long register_area(struct vcpu *v, struct vcpu *target, uint64_t arg, uint16_t type,
			  size_t size)
{
	uint64_t gva, gpa, gpa_end;
	struct kvm_sregs sregs;
	if (copy_from_guest(v, arg, &gva, sizeof(gva)))
		return -EFAULT;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -EFAULT;
	const struct guest_memory *mem = &v->dom->mem;
	if (guest_translate(mem, sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer, gva, &gpa) ||
	    guest_translate(mem, sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer, gva + size - 1, &gpa_end) ||
	    gpa_end != gpa + size - 1 || !guest_phys(mem, gpa, size))
		return -EINVAL;
	return set_vcpu_attr(target, type, gpa);
}

long hypercall_vcpu_op(struct vcpu *v, const uint64_t *args)
{
	struct domain *d = v->dom;
	uint64_t cmd = args[0], id = args[1], arg = args[2];

	if (id >= d->nr_vcpus)
		return -ENOENT;
	struct vcpu *target = &d->vcpus[id];

	switch (cmd) {
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, target, arg);
	case VCPUOP_register_runstate_memory_area:
		return register_area(v, target, arg, KVM_XEN_VCPU_ATTR_TYPE_RUNSTATE_ADDR,
				     sizeof(struct vcpu_runstate_info));
	case VCPUOP_register_vcpu_time_memory_area:
		return register_area(v, target, arg, KVM_XEN_VCPU_ATTR_TYPE_VCPU_TIME_INFO,
				     sizeof(struct vcpu_time_info));
	case VCPUOP_is_up:
		return !atomic_load(&target->down);
	case VCPUOP_down:
		/* Linux downs and ups its other vCPUs on resume (xen_vcpu_restore);
		 * a vCPU that downs itself waits, its hypercall done, for an up. */
		vcpu_set_down(target, true);
		return 0;
	case VCPUOP_up:
		vcpu_set_down(target, false);
		return 0;
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
		return 0; /* no periodic tick: the guest is tickless */
	default:
		return HYPERCALL_UNKNOWN;
	}
}
