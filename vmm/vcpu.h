/* A vCPU's thread: KVM_RUN and what its exits ask of us. */
#ifndef XENON_VMM_VCPU_H
#define XENON_VMM_VCPU_H

struct vcpu;

void *vcpu_thread(void *vcpu);
struct kvm_xen_vcpu_attr;

/* Sets a Xen attribute of `target` (KVM_XEN_VCPU_SET_ATTR): at once when
 * called from target's own thread or before the vCPUs run, otherwise queued
 * for target's thread, which is kicked and applies it before it next enters
 * the guest. Returns 0 or -errno; a queued attribute that KVM refuses later
 * is logged. */
int vcpu_set_xen_attr(struct vcpu *target, const struct kvm_xen_vcpu_attr *attr);

/* Logs where the vCPU is: its instruction pointer, mode and page tables. */
void vcpu_log_registers(struct vcpu *v);

#endif
