#include "cpuid.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/version.h"
#include "abi/xen_public.h"
#include "log.h"

#define MAX_ENTRIES 256
#define HYPERVISOR_LEAVES 0x40000000u
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

static struct kvm_cpuid2 *alloc_cpuid(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (c)
		c->nent = MAX_ENTRIES;
	return c;
}

static void add(struct kvm_cpuid2 *c, uint32_t function, uint32_t eax, uint32_t ebx, uint32_t ecx,
		uint32_t edx)
{
	if (c->nent >= MAX_ENTRIES)
		return;
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = function, .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
	};
}

static void add_xen_leaves(struct kvm_cpuid2 *c, unsigned vcpu_id, uint32_t domid)
{
	add(c, XEN_CPUID_LEAF(0), XEN_CPUID_LEAF(XEN_CPUID_MAX_NUM_LEAVES), XEN_CPUID_SIGNATURE_EBX,
	    XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX);
	add(c, XEN_CPUID_LEAF(1), XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR, 0, 0, 0);
	/* One hypercall page, asked for through this MSR. */
	add(c, XEN_CPUID_LEAF(2), 1, XEN_HYPERCALL_MSR, 0, 0);
	add(c, XEN_CPUID_LEAF(3), 0, 0, 0, 0);
	/* No per-vCPU upcall vector (XEN_HVM_CPUID_UPCALL_VECTOR): with the one
	 * callback vector, KVM checks evtchn_upcall_pending on every entry, so an
	 * event the guest unmasks itself is delivered; a per-vCPU vector is only
	 * raised when KVM sets an event, and such an unmask would be lost. */
	add(c, XEN_CPUID_LEAF(4), XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT,
	    vcpu_id, domid, 0);
	add(c, XEN_CPUID_LEAF(5), 0, 0, 0, 0);
}

int cpuid_setup(int kvm_fd, int vcpu_fd, unsigned vcpu_id, uint32_t domid)
{
	struct kvm_cpuid2 *host = alloc_cpuid(), *guest = alloc_cpuid();
	int r = -1;

	if (!host || !guest) {
		log_err("out of memory for CPUID");
		goto out;
	}
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, host) < 0) {
		log_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	guest->nent = 0;
	for (unsigned i = 0; i < host->nent; i++) {
		struct kvm_cpuid_entry2 e = host->entries[i];
		if ((e.function & 0xf0000000u) == HYPERVISOR_LEAVES)
			continue; /* KVM's own leaves */
		switch (e.function) {
		case 1:
			e.ecx |= CPUID_1_ECX_HYPERVISOR;
			e.ebx = (e.ebx & 0x00ffffffu) | vcpu_id << 24;
			break;
		case 0xb:
		case 0x1f:
			e.edx = vcpu_id; /* x2APIC ID */
			break;
		}
		guest->entries[guest->nent++] = e;
	}
	add_xen_leaves(guest, vcpu_id, domid);
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, guest) < 0) {
		log_err("KVM_SET_CPUID2 on vCPU %u: %s", vcpu_id, strerror(errno));
		goto out;
	}
	r = 0;
out:
	free(host);
	free(guest);
	return r;
}
