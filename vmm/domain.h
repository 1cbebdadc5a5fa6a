/* A domain: one KVM VM, its RAM, its vCPU threads and its Xen state. One
 * process runs one domain; this is its single owner. */
#ifndef XENON_VMM_DOMAIN_H
#define XENON_VMM_DOMAIN_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "abi/xen.h"
#include "guest_memory.h"

#define MAX_VCPUS 64

struct domain;
struct save_domain;

#define VCPU_QUEUED_ATTRS 8

struct vcpu {
	struct domain *dom;
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	_Atomic int tid; /* its thread's ID, once it runs */
	bool started;
	/* Xen attributes set by another vCPU, applied by this vCPU's thread
	 * before it next enters the guest: an ioctl on a vCPU in KVM_RUN
	 * would wait until it leaves, which a halted vCPU may never do. */
	pthread_mutex_t queue_lock;
	struct kvm_xen_vcpu_attr queued[VCPU_QUEUED_ATTRS];
	unsigned nr_queued;
	uint64_t vcpu_info_gpa; /* where its vcpu_info lives; 0 until known */
	bool vcpu_info_explicit; /* placed by VCPUOP_register_vcpu_info */
	/* vcpu_state.c: a reader waiting for its registers, and whether its
	 * thread has ended (both under queue_lock). */
	struct vcpu_state_request *state_request;
	bool thread_ended;
	_Atomic bool down; /* VCPUOP_down: kept out of the guest until VCPUOP_up */
};

/* Why a domain stopped running (Xen's SHUTDOWN_* reasons, and ours). */
enum domain_end {
	END_NONE = -1,
	END_POWEROFF = 0, /* SHUTDOWN_poweroff */
	END_REBOOT = 1,   /* SHUTDOWN_reboot */
	END_SUSPEND = 2,  /* SHUTDOWN_suspend */
	END_CRASH = 3,    /* SHUTDOWN_crash, or a triple fault, or a KVM failure */
	END_WATCHDOG = 4, /* SHUTDOWN_watchdog */
	END_DESTROY = 100 /* ended from outside */
};

struct domain_config {
	const char *name;
	uint32_t domid;
	uint64_t memory_mb;
	unsigned vcpus;
	const char *kernel;
	const char *ramdisk;
	const char *cmdline;
	const char *console_log; /* the guest's console output is appended here */
	bool console_pty;        /* the console is a PTY (else standard I/O) */
	bool xenstore;           /* the guest gets a XenStore ring */
	bool start_paused;       /* the vCPUs wait for domain_unpause */
	int restore_fd;          /* >= 0: the domain is loaded from this save stream (vmm/save.h), not booted */
	const struct save_domain *restore; /* ... whose first record, already read, this is */
};

struct domain {
	struct domain_config cfg;
	int kvm_fd;
	int vm_fd;
	size_t run_size;
	struct guest_memory mem;
	unsigned nr_vcpus;
	struct vcpu vcpus[MAX_VCPUS];
	struct xen xen;

	pthread_mutex_t lock; /* guards xen state shared between vCPUs */
	pthread_cond_t ended_cond;
	_Atomic int end;      /* enum domain_end */
	_Atomic bool paused;  /* the vCPUs wait in pause_cond, out of the guest */
	pthread_cond_t pause_cond;

	unsigned suspend_vcpu; /* the vCPU that made SCHEDOP_shutdown(SHUTDOWN_suspend) */
	/* The ports the guest of a restored domain knows (vmm/save.h). */
	uint32_t restored_store_port, restored_console_port;
};

/* Builds the VM and loads the guest's kernel (a restored domain's image is
 * save_load's to load); nothing runs yet. On failure everything made so
 * far is undone and the error logged. */
int domain_create(struct domain *d, const struct domain_config *cfg);
/* Starts the vCPU threads and waits until the domain ends; returns why.
 * Called again after END_SUSPEND, the domain goes on where it stopped. */
enum domain_end domain_run(struct domain *d);
void domain_destroy(struct domain *d);

/* Ends the domain for `why` (first caller wins) and stops every vCPU. */
void domain_end(struct domain *d, enum domain_end why);
/* Logs every vCPU's registers (a domain that hung or crashed); only once
 * domain_run has returned, when no vCPU is in KVM_RUN. */
void domain_log_registers(struct domain *d);
/* Stops every vCPU outside the guest (xm pause), or lets them go on. */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
/* VCPUOP_down and VCPUOP_up: one vCPU kept out of the guest, or let go. */
void vcpu_set_down(struct vcpu *v, bool down);

/* Called by a vCPU thread before it enters the guest: waits while the
 * domain (or the vCPU, VCPUOP_down) is paused, answering requests for its registers meanwhile
 * (vcpu_state.h). Returns false when the domain has ended. */
bool domain_wait_unpaused(struct vcpu *v);

/* Whether any vCPU is on a host CPU now (xm list's 'r' against 'b'). */
bool domain_vcpu_running(struct domain *d);

/* Makes vCPU `v` leave KVM_RUN soon, so it notices new state. */
void vcpu_kick(struct vcpu *v);

#endif
