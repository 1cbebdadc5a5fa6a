/* Each vCPU as xm vcpu-list shows it, and the host CPUs its thread may run
 * on (xm vcpu-pin): the control socket's "vcpus" and "vcpu-pin".
 *
 * Whether the guest has a vCPU online is the guest's own business: Linux
 * takes a CPU down (Xen's cpu/N/availability = offline) by parking it in
 * HLT with interrupts off, and brings it back with INIT and SIPI, both of
 * which KVM carries out. So a vCPU is offline while KVM holds it before
 * its INIT/SIPI, or halted with interrupts off, as its own thread reads
 * (vcpu_state.h). */
#ifndef XENON_VMM_VCPU_CONTROL_H
#define XENON_VMM_VCPU_CONTROL_H

#include <jansson.h>

struct vcpu;

/* From the vCPU's own thread, once its thread ID is known: names the
 * thread "vcpu N" (for top -H, taskset and the tests), and applies a pin
 * asked for before the thread ran. */
void vcpu_control_thread_start(struct vcpu *v);
/* "vcpus" -> {vcpus: [{vcpu, online, running, blocked, cpu_ns, cpu,
 * affinity}]}; "vcpu-pin" {vcpu, cpus}. (vmm/control.h documents them.) */
void vcpu_control_op_list(int fd, json_t *req);
void vcpu_control_op_pin(int fd, json_t *req);

#endif
