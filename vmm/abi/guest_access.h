/* Copying to and from the addresses a guest passes in hypercalls. They are
 * guest-virtual: we walk the vCPU's page tables ourselves, checking every
 * level, and refuse anything that leaves the domain's memory. */
#ifndef XENON_VMM_ABI_GUEST_ACCESS_H
#define XENON_VMM_ABI_GUEST_ACCESS_H

#include <stddef.h>
#include <stdint.h>

struct vcpu;

/* 0, or -EFAULT when any byte of the range is not mapped to guest RAM. */
int copy_from_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *buf, size_t len);

/* Exposed for tests: translate through page tables in `mem` given the
 * vCPU's control registers. Returns 0 and sets *gpa, or -EFAULT. */
struct guest_memory;
int guest_translate(const struct guest_memory *mem, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		    uint64_t efer, uint64_t gva, uint64_t *gpa);

#endif
