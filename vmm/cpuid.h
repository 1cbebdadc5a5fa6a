/* What a vCPU's CPUID says: the host's features as KVM supports them, with
 * Xen's leaves at 0x40000000 in place of KVM's (a Xen guest must not see KVM),
 * the hypervisor bit, and this vCPU's APIC ID. */
#ifndef XENON_VMM_CPUID_H
#define XENON_VMM_CPUID_H

#include <stdint.h>

/* Sets vCPU `vcpu_fd`'s CPUID. Must run before KVM_SET_SREGS. */
int cpuid_setup(int kvm_fd, int vcpu_fd, unsigned vcpu_id, uint32_t domid);

#endif
