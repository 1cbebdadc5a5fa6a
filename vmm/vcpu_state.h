/* A vCPU's registers as another thread asks for them (xm dump-core). The
 * vCPU's own thread reads them: an ioctl from another thread on a vCPU in
 * KVM_RUN waits until the vCPU leaves it, which a halted vCPU may never do,
 * and a vCPU between two exits is in the middle of changing them. */
#ifndef XENON_VMM_VCPU_STATE_H
#define XENON_VMM_VCPU_STATE_H

#include <linux/kvm.h>
#include <stdbool.h>

struct vcpu;

struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_mp_state mp_state; /* halted, waiting for INIT/SIPI, ... (xm vcpu-list's online) */
};

/* How long a vCPU's thread has to answer before vcpu_state_get gives up. A
 * kicked thread answers in milliseconds; the control thread asks each vCPU
 * in turn and xend waits 10 s for the whole reply, so a vCPU that does not
 * answer must not take more than a share of that. */
#define VCPU_STATE_TIMEOUT_S 2

/* vCPU `v`'s registers. While its thread runs, that thread is kicked out of
 * KVM_RUN (or woken in the pause wait) and answers; before it starts or
 * after it has ended, they are read here. One caller at a time per vCPU.
 * 0, or -errno (-ETIMEDOUT: its thread did not answer). */
int vcpu_state_get(struct vcpu *v, struct vcpu_state *out);

/* For the vCPU's own thread, outside KVM_RUN. */
/* Whether another thread waits for this vCPU's registers (no lock taken:
 * the pause wait tests it). */
bool vcpu_state_requested(struct vcpu *v);
/* Answers a waiting request, if any. */
void vcpu_state_serve(struct vcpu *v);
/* The thread begins (its ID is published here, so that a reader that found
 * no thread finishes before the thread can enter KVM_RUN) and ends (what
 * waits is answered; later requests read the registers directly). */
void vcpu_state_thread_begin(struct vcpu *v, int tid);
void vcpu_state_thread_end(struct vcpu *v);

#endif
