/* A domain's core file (xm dump-core): ELF64, ET_CORE, as gdb and crash
 * read a physical dump of an x86-64 guest (QEMU's dump-guest-memory writes
 * the same kind): one PT_NOTE holding an NT_PRSTATUS per vCPU (its general
 * registers in Linux's struct elf_prstatus), then one PT_LOAD per region of
 * RAM, p_paddr its guest-physical address and p_vaddr 0. Memory the guest
 * never touched (holes in the memfd) and pages of zeros are left as holes
 * in the file, so a dump costs what the guest uses. */
#ifndef XENON_VMM_DUMP_CORE_H
#define XENON_VMM_DUMP_CORE_H

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

/* A stretch of guest-physical RAM and where its contents are: `size`
 * bytes of `fd` (the guest's memfd) from `offset`. Page-aligned. */
struct dump_core_region {
	uint64_t gpa;
	uint64_t size;
	int fd;
	uint64_t offset;
};

struct dump_core_vcpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

/* The file's size for these regions and vCPUs. */
uint64_t dump_core_size(const struct dump_core_region *regions, size_t nregions, size_t nvcpus);

/* Writes the core into `out`, an empty file opened for writing (it is
 * written with pwrite, and sized with ftruncate at the end). 0, or -errno
 * (-ENOSPC, -EIO, ...) with the file in an undefined state. */
int dump_core_write(int out, const struct dump_core_region *regions, size_t nregions,
		    const struct dump_core_vcpu *vcpus, size_t nvcpus);

#endif
