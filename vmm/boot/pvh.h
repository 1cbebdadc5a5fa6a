/* The PVH boot (Xen's docs/misc/pvh.pandoc): the kernel is entered in 32-bit
 * protected mode, paging off, with %ebx pointing at an hvm_start_info that
 * gives the command line, the ramdisk, the memory map and the ACPI RSDP. */
#ifndef XENON_VMM_BOOT_PVH_H
#define XENON_VMM_BOOT_PVH_H

#include <linux/kvm.h>
#include <stdint.h>

#include "guest_memory.h"

struct pvh_boot {
	const char *kernel;
	const char *ramdisk;  /* or NULL */
	const char *cmdline;  /* or NULL */
	unsigned vcpus;
};

/* Loads kernel and ramdisk, writes start_info and the ACPI tables; returns the
 * entry point in *entry. Errors are logged. */
int pvh_prepare(struct guest_memory *mem, const struct pvh_boot *boot, uint32_t *entry);

/* The boot vCPU's registers at the PVH entry. */
void pvh_boot_regs(uint32_t entry, struct kvm_regs *regs, struct kvm_sregs *sregs);

#endif
