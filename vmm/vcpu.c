#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "boot/acpi.h"
#include "domain.h"
#include "log.h"
#include "vcpu_control.h"
#include "vcpu_state.h"
#include "xen_console.h"

/* Xen's debug port: what a guest writes to I/O port 0xe9 is console output
 * (Linux's HVM early console falls back to it). */
#define DEBUG_PORT 0xe9

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	size_t len = (size_t)run->io.size * run->io.count;

	if (run->io.direction == KVM_EXIT_IO_OUT) {
		switch (run->io.port) {
		case DEBUG_PORT:
			xen_console_early_write(v->dom, (const char *)data, len);
			xen_console_write((const char *)data, len); /* as Xen's console shows it */
			break;
		case ACPI_SLEEP_CONTROL_PORT:
			if ((data[0] & ACPI_SLEEP_ENABLE) && ACPI_SLEEP_TYPE(data[0]) == ACPI_S5_SLEEP_TYPE)
				domain_end(v->dom, END_POWEROFF);
			break;
		case ACPI_RESET_PORT:
			if (data[0] == ACPI_RESET_VALUE)
				domain_end(v->dom, END_REBOOT);
			break;
		}
		return; /* no other device: writes go nowhere */
	}
	/* Reads from no device see a floating bus, except the PIT's counters:
	 * there a constant 0xff keeps Linux's TSC calibration polling port 0x42
	 * 100,000 times (each read a trip to us); 0 ends it at once. */
	bool pit_counter = run->io.port >= 0x40 && run->io.port <= 0x42;
	memset(data, pit_counter ? 0 : 0xff, len);
}

static void handle_mmio(struct vcpu *v)
{
	if (!v->run->mmio.is_write)
		memset(v->run->mmio.data, 0xff, sizeof(v->run->mmio.data));
}

/* On a crash: where the vCPU was, for the log. */
void vcpu_log_registers(struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	log_warn("vCPU %u: rip 0x%llx rsp 0x%llx cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx cs 0x%x/%s",
		 v->id, (unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)s.cr0,
		 (unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer,
		 s.cs.selector, s.cs.l ? "64-bit" : s.cs.db ? "32-bit" : "16-bit");
}

/* Returns false when the vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct domain *d = v->dom;

	switch (run->exit_reason) {
	case KVM_EXIT_XEN:
		if (run->xen.type == KVM_EXIT_XEN_HCALL)
			xen_hypercall(v, &run->xen);
		return true;
	case KVM_EXIT_IO:
		handle_io(v);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		log_warn("vCPU %u: triple fault; the domain has crashed", v->id);
		vcpu_log_registers(v);
		domain_end(d, END_CRASH);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		domain_end(d, run->system_event.type == KVM_SYSTEM_EVENT_RESET ? END_REBOOT : END_POWEROFF);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		log_err("vCPU %u: KVM could not enter the guest (hardware reason 0x%llx); the domain has crashed",
			v->id, (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		domain_end(d, END_CRASH);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		log_err("vCPU %u: KVM internal error %u; the domain has crashed", v->id,
			run->internal.suberror);
		vcpu_log_registers(v);
		domain_end(d, END_CRASH);
		return false;
	default:
		log_err("vCPU %u: unexpected KVM exit %u; the domain has crashed", v->id, run->exit_reason);
		domain_end(d, END_CRASH);
		return false;
	}
}

int vcpu_set_xen_attr(struct vcpu *target, const struct kvm_xen_vcpu_attr *attr)
{
	if (!target->started || pthread_equal(pthread_self(), target->thread))
		return ioctl(target->fd, KVM_XEN_VCPU_SET_ATTR, attr) < 0 ? -errno : 0;

	pthread_mutex_lock(&target->queue_lock);
	int r = -EBUSY;
	if (target->nr_queued < VCPU_QUEUED_ATTRS) {
		target->queued[target->nr_queued] = *attr;
		__atomic_store_n(&target->nr_queued, target->nr_queued + 1, __ATOMIC_RELEASE);
		r = 0;
	}
	pthread_mutex_unlock(&target->queue_lock);
	if (r == 0)
		vcpu_kick(target);
	return r;
}

/* Runs before every KVM_RUN: the empty case must cost no lock. */
static void apply_queued_attrs(struct vcpu *v)
{
	if (!__atomic_load_n(&v->nr_queued, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&v->queue_lock);
	for (unsigned i = 0; i < v->nr_queued; i++)
		if (ioctl(v->fd, KVM_XEN_VCPU_SET_ATTR, &v->queued[i]) < 0)
			log_warn("vCPU %u: Xen attribute %u refused: %s", v->id, v->queued[i].type,
				 strerror(errno));
	__atomic_store_n(&v->nr_queued, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&v->queue_lock);
}

void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct domain *d = v->dom;
	sigset_t kick;

	vcpu_state_thread_begin(v, (int)gettid());
	vcpu_control_thread_start(v);
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	while (domain_wait_unpaused(v)) {
		apply_queued_attrs(v);
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				continue;
			}
			log_err("vCPU %u: KVM_RUN: %s; the domain has crashed", v->id, strerror(errno));
			domain_end(d, END_CRASH);
			break;
		}
		if (!handle_exit(v))
			break;
	}
	vcpu_state_thread_end(v);
	return NULL;
}
