#include "abi/guest_access.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "domain.h"

#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define PTE_PRESENT 1ull
#define PTE_LARGE (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull

int guest_translate(const struct guest_memory *mem, uint64_t cr0, uint64_t cr3, uint64_t cr4,
		    uint64_t efer, uint64_t gva, uint64_t *gpa)
{
	if (!(cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	/* Guests make hypercalls in long mode; 32-bit paging is not walked. */
	if (!(efer & EFER_LMA) || !(cr4 & CR4_PAE))
		return -EFAULT;
	int levels = (cr4 & CR4_LA57) ? 5 : 4;
	uint64_t table = cr3 & PTE_ADDR;
	for (int level = levels; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t *entry = guest_phys(mem, table + ((gva >> shift) & 511) * 8, 8);
		if (!entry)
			return -EFAULT;
		uint64_t pte = __atomic_load_n(entry, __ATOMIC_RELAXED);
		if (!(pte & PTE_PRESENT))
			return -EFAULT;
		/* 1 GiB and 2 MiB pages end the walk early. */
		if (level <= 3 && level > 1 && (pte & PTE_LARGE)) {
			uint64_t size = 1ull << shift;
			*gpa = ((pte & PTE_ADDR) & ~(size - 1)) | (gva & (size - 1));
			return 0;
		}
		table = pte & PTE_ADDR;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

/* Copies between buf and [gva, gva+len), a page at a time. */
static int walk_range(struct vcpu *v, uint64_t gva, size_t len, void *buf, bool to_guest)
{
	struct kvm_sregs sregs;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return -EFAULT;
	uint8_t *p = buf;
	while (len) {
		size_t chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		uint64_t gpa;
		if (guest_translate(&v->dom->mem, sregs.cr0, sregs.cr3, sregs.cr4, sregs.efer, gva, &gpa) < 0)
			return -EFAULT;
		uint8_t *host = guest_phys(&v->dom->mem, gpa, chunk);
		if (!host)
			return -EFAULT;
		if (to_guest) {
			memcpy(host, p, chunk);
			/* KVM logs only what the guest writes: a hypercall's result
			 * must reach a live migration's target too. */
			guest_memory_mark_written(&v->dom->mem, gpa >> PAGE_SHIFT);
		} else
			memcpy(p, host, chunk);
		p += chunk;
		gva += chunk;
		len -= chunk;
	}
	return 0;
}

int copy_from_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len)
{
	return walk_range(v, gva, len, buf, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *buf, size_t len)
{
	return walk_range(v, gva, len, (void *)buf, true);
}
