#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/acpi.h"
#include "boot/pvh.h"
#include "cpuid.h"
#include "log.h"
#include "vcpu.h"
#include "vcpu_state.h"

/* Every vCPU has its MADT entry and its row of VIRQ ports. */
_Static_assert(MAX_VCPUS <= ACPI_MAX_VCPUS && MAX_VCPUS <= EVTCHN_MAX_VCPUS,
	       "MAX_VCPUS exceeds what the ACPI tables or event channels hold");

/* The signal that kicks a vCPU thread out of KVM_RUN. */
#define KICK_SIGNAL SIGUSR1

static void kick_handler(int sig)
{
	(void)sig; /* interrupting KVM_RUN is all it is for */
}

static int create_vm(struct domain *d)
{
	d->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (d->kvm_fd < 0) {
		log_err("/dev/kvm: %s (see xenon-probe: this host may not run Xen guests)",
			strerror(errno));
		return -1;
	}
	d->vm_fd = ioctl(d->kvm_fd, KVM_CREATE_VM, 0);
	if (d->vm_fd < 0) {
		log_err("KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	int run_size = ioctl(d->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0) {
		log_err("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	d->run_size = (size_t)run_size;
	/* The local APICs in the kernel; a PVH platform has no PIC or IOAPIC. */
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 0 } };
	if (ioctl(d->vm_fd, KVM_ENABLE_CAP, &split) < 0) {
		log_err("KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP): %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int create_vcpu(struct domain *d, unsigned id)
{
	struct vcpu *v = &d->vcpus[id];
	*v = (struct vcpu){ .dom = d, .id = id, .fd = -1 };
	pthread_mutex_init(&v->queue_lock, NULL);
	v->fd = ioctl(d->vm_fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0) {
		log_err("KVM_CREATE_VCPU %u: %s", id, strerror(errno));
		return -1;
	}
	d->nr_vcpus = id + 1; /* from here on domain_destroy closes it */
	v->run = mmap(NULL, d->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		log_err("mapping vCPU %u's run area: %s", id, strerror(errno));
		return -1;
	}
	/* CPUID first: a vCPU given its registers before its CPUID cannot run. */
	if (cpuid_setup(d->kvm_fd, v->fd, id, d->cfg.domid) < 0)
		return -1;
	return xen_vcpu_setup(v);
}

static int set_boot_registers(struct vcpu *v, uint32_t entry)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		log_err("KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	pvh_boot_regs(entry, &regs, &sregs);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(v->fd, KVM_SET_REGS, &regs) < 0) {
		log_err("setting the boot vCPU's registers: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int domain_create(struct domain *d, const struct domain_config *cfg)
{
	*d = (struct domain){ .cfg = *cfg, .kvm_fd = -1, .vm_fd = -1, .mem = { .fd = -1 } };
	atomic_store(&d->end, END_NONE);
	atomic_store(&d->paused, cfg->start_paused);
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->xen.gnttab.pin_lock, NULL);
	pthread_cond_init(&d->ended_cond, NULL);
	pthread_cond_init(&d->pause_cond, NULL);

	if (cfg->vcpus < 1 || cfg->vcpus > MAX_VCPUS) {
		log_err("vcpus = %u: must be between 1 and %d", cfg->vcpus, MAX_VCPUS);
		return -1;
	}
	struct sigaction sa = { .sa_handler = kick_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);

	if (create_vm(d) < 0 || guest_memory_create(&d->mem, cfg->memory_mb << 20) < 0 ||
	    guest_memory_map(&d->mem, d->vm_fd) < 0 || xen_setup(d) < 0)
		goto fail;
	for (unsigned i = 0; i < cfg->vcpus; i++)
		if (create_vcpu(d, i) < 0)
			goto fail;

	if (cfg->restore_fd >= 0)
		return 0; /* save_load fills it */
	struct pvh_boot boot = { .kernel = cfg->kernel, .ramdisk = cfg->ramdisk,
				 .cmdline = cfg->cmdline, .vcpus = cfg->vcpus };
	uint32_t entry;
	if (pvh_prepare(&d->mem, &boot, &entry) < 0 || set_boot_registers(&d->vcpus[0], entry) < 0)
		goto fail;
	log_debug("%llu MiB, %u vCPUs, PVH entry at 0x%x", (unsigned long long)cfg->memory_mb, cfg->vcpus,
		  entry);
	return 0;
fail:
	domain_destroy(d);
	return -1;
}

void domain_end(struct domain *d, enum domain_end why)
{
	int none = END_NONE;
	if (!atomic_compare_exchange_strong(&d->end, &none, (int)why))
		return;
	pthread_mutex_lock(&d->lock);
	pthread_cond_broadcast(&d->ended_cond);
	pthread_cond_broadcast(&d->pause_cond);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		vcpu_kick(&d->vcpus[i]);
}

void domain_pause(struct domain *d)
{
	atomic_store(&d->paused, true);
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		vcpu_kick(&d->vcpus[i]);
}

bool domain_vcpu_running(struct domain *d)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		int tid = atomic_load(&d->vcpus[i].tid);
		if (!tid)
			continue;
		char path[64], stat[256];
		snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, stat, sizeof(stat) - 1);
		close(fd);
		if (n <= 0)
			continue;
		stat[n] = '\0';
		const char *end = strrchr(stat, ')'); /* the state follows the name */
		if (end && end[1] == ' ' && end[2] == 'R')
			return true;
	}
	return false;
}

void domain_unpause(struct domain *d)
{
	pthread_mutex_lock(&d->lock);
	atomic_store(&d->paused, false);
	pthread_cond_broadcast(&d->pause_cond);
	pthread_mutex_unlock(&d->lock);
}

bool domain_wait_unpaused(struct vcpu *v)
{
	struct domain *d = v->dom;
	for (;;) {
		vcpu_state_serve(v);
		if (!atomic_load(&d->paused) && !atomic_load(&v->down))
			return atomic_load(&d->end) == END_NONE;
		pthread_mutex_lock(&d->lock);
		while ((atomic_load(&d->paused) || atomic_load(&v->down)) && atomic_load(&d->end) == END_NONE &&
		       !vcpu_state_requested(v))
			pthread_cond_wait(&d->pause_cond, &d->lock);
		pthread_mutex_unlock(&d->lock);
		if (!vcpu_state_requested(v))
			return atomic_load(&d->end) == END_NONE;
	}
}

void vcpu_set_down(struct vcpu *v, bool down)
{
	struct domain *d = v->dom;
	pthread_mutex_lock(&d->lock);
	atomic_store(&v->down, down);
	pthread_cond_broadcast(&d->pause_cond);
	pthread_mutex_unlock(&d->lock);
	if (down)
		vcpu_kick(v);
}

void domain_log_registers(struct domain *d)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		vcpu_log_registers(&d->vcpus[i]);
}

void vcpu_kick(struct vcpu *v)
{
	if (v->run)
		v->run->immediate_exit = 1;
	if (v->started)
		pthread_kill(v->thread, KICK_SIGNAL);
}

enum domain_end domain_run(struct domain *d)
{
	atomic_store(&d->end, END_NONE);
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];
		int err = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (err) {
			log_err("starting vCPU %u's thread: %s", i, strerror(err));
			domain_end(d, END_CRASH);
			break;
		}
		v->started = true;
	}
	pthread_mutex_lock(&d->lock);
	while (atomic_load(&d->end) == END_NONE)
		pthread_cond_wait(&d->ended_cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		if (d->vcpus[i].started) {
			vcpu_kick(&d->vcpus[i]);
			pthread_join(d->vcpus[i].thread, NULL);
			d->vcpus[i].started = false;
		}
	}
	return (enum domain_end)atomic_load(&d->end);
}

void domain_destroy(struct domain *d)
{
	xen_teardown(d);
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];
		if (v->run)
			munmap(v->run, d->run_size);
		if (v->fd >= 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
	d->nr_vcpus = 0;
	gnttab_destroy(&d->xen.gnttab);
	guest_memory_destroy(&d->mem);
	if (d->vm_fd >= 0)
		close(d->vm_fd);
	if (d->kvm_fd >= 0)
		close(d->kvm_fd);
	d->vm_fd = d->kvm_fd = -1;
}
