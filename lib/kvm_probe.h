/* Can this host's KVM run Xen guests? The probe gathers the facts (probe_host)
 * and judges them (probe_verdict) apart, so the judgement can be tested on any
 * machine. xm info will report the same answer. */
#ifndef XENON_KVM_PROBE_H
#define XENON_KVM_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvm_compat.h"

struct kvm_probe {
	const char *device;        /* normally /dev/kvm */
	int open_errno;            /* 0 when the device opened read-write */
	int api_version;           /* KVM_GET_API_VERSION, 12 on every sane kernel */
	const char *implementation; /* the module serving it: kvm_amd, kvm_intel, kvm_pvm; NULL if unknown */
	bool irqchip;              /* KVM_CAP_IRQCHIP */
	bool split_irqchip;        /* KVM_CAP_SPLIT_IRQCHIP */
	uint32_t xen_hvm_flags;    /* KVM_CHECK_EXTENSION(KVM_CAP_XEN_HVM) */
	bool vm_tried;             /* a VM was created and given a Xen config */
	const char *vm_step;       /* the step of that trial that failed, or NULL */
	int vm_errno;              /* its errno */
};

/* KVM_CAP_XEN_HVM flags our domains cannot do without. */
#define PROBE_REQUIRED_XEN_FLAGS                                                       \
	(KVM_XEN_HVM_CONFIG_HYPERCALL_MSR | KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL |       \
	 KVM_XEN_HVM_CONFIG_SHARED_INFO | KVM_XEN_HVM_CONFIG_RUNSTATE |                \
	 KVM_XEN_HVM_CONFIG_EVTCHN_2LEVEL | KVM_XEN_HVM_CONFIG_EVTCHN_SEND)

/* The name of KVM_CAP_XEN_HVM flag bit `bit`, without the common prefix, or
 * NULL for a bit this build does not know. */
const char *probe_xen_flag_name(unsigned bit);

/* Fills *p from the device at `device` and the modules in `sysfs_module_dir`
 * (normally "/sys/module"). Never fails: what could not be learnt is recorded. */
void probe_host(struct kvm_probe *p, const char *device, const char *sysfs_module_dir);

/* The answer: true when Xen guests can run. Otherwise writes into `why` the
 * first reason (one line) and into `advice` what to do instead. */
bool probe_verdict(const struct kvm_probe *p, char *why, size_t why_len, char *advice,
		   size_t advice_len);

/* The answer in one line, as xenon-probe and xm info give it: "yes, this
 * host's KVM can run Xen guests" or "no, ...: WHY". Returns the verdict. */
bool probe_answer(const struct kvm_probe *p, char *buf, size_t len);

/* Writes the facts and the answer for a person to read; returns the verdict. */
bool probe_report(FILE *out, const struct kvm_probe *p);

#endif
