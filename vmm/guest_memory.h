/* Guest RAM: one memfd (so xenstored, backends and migration can map it),
 * mapped once here. Every guest-physical access goes through guest_phys(),
 * which refuses anything not wholly inside RAM. */
#ifndef XENON_VMM_GUEST_MEMORY_H
#define XENON_VMM_GUEST_MEMORY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

/* Below 4 GiB RAM stops here; the rest of it lives from 4 GiB up. */
#define LOW_RAM_END 0xC0000000ull
#define HIGH_RAM_START 0x100000000ull

/* The legacy hole below 1 MiB is backed but reserved in the memory map. The
 * boot information lives there: Linux reads start_info, the memory map and
 * the command line through its direct map, which covers only low memory
 * that early in boot. */
#define LEGACY_HOLE_START 0xA0000ull
#define LEGACY_HOLE_END 0x100000ull
#define BOOT_ACPI_GPA 0xE0000ull       /* RSDP, XSDT, MADT, FADT, DSDT */
#define BOOT_START_INFO_GPA 0xF0000ull /* hvm_start_info, memory map, command line */

/* Pages of our own that the guest maps but does not own as RAM: the console
 * and XenStore rings. Reserved in the memory map. */
#define SPECIAL_BASE 0xFEFF0000ull
#define SPECIAL_PAGES 16
#define SPECIAL_PFN(n) ((SPECIAL_BASE >> PAGE_SHIFT) + (n))

enum special_page {
	SPECIAL_CONSOLE,    /* the console ring (HVM_PARAM_CONSOLE_PFN) */
	SPECIAL_XENSTORE,   /* the XenStore ring (HVM_PARAM_STORE_PFN) */
};

/* Frames of Xen's own (the grant table's) that the guest maps at a guest
 * frame of its choosing, each through a KVM memory slot of its own. */
#define XEN_FRAMES 32
#define XEN_FRAME_SLOT(i) (3 + (i))

struct guest_memory {
	int fd;
	uint8_t *ram;        /* all of RAM, low part first */
	uint64_t ram_size;
	uint8_t *special;    /* SPECIAL_PAGES pages at SPECIAL_BASE */
	uint8_t *xen_frames; /* XEN_FRAMES pages, mapped where the guest asks */
	uint64_t xen_frame_gfn[XEN_FRAMES]; /* where each is mapped; 0: nowhere */
	/* The balloon: which RAM frames the guest gave back (a bit each, by
	 * their place in the memfd), how many it holds, and the most it may
	 * hold (xm mem-max). Hypercalls arrive on any vCPU's thread. */
	pthread_mutex_t reservation_lock;
	uint64_t *given_back;
	uint64_t populated, max_pages;
	/* Live migration (vmm/precopy.c): while KVM logs the frames the guest
	 * writes, the frames this process writes through grants are marked
	 * here (a bit each, by their place in the memfd), since KVM sees
	 * none of those. */
	_Atomic bool logging_dirty;
	_Atomic uint64_t *written;
};

int guest_memory_create(struct guest_memory *m, uint64_t ram_size);
void guest_memory_destroy(struct guest_memory *m);
/* Registers the regions as KVM memory slots. */
int guest_memory_map(struct guest_memory *m, int vm_fd);

/* Maps Xen frame `index` at guest frame `gfn` (moving it if it was mapped
 * elsewhere). Returns 0, or -EINVAL when gfn is RAM or one of our pages. */
int guest_memory_map_xen_frame(struct guest_memory *m, int vm_fd, unsigned index, uint64_t gfn);

/* A host pointer to guest-physical [gpa, gpa+len), or NULL if any of it is
 * outside RAM and the special pages. */
void *guest_phys(const struct guest_memory *m, uint64_t gpa, uint64_t len);

/* The balloon (XENMEM_decrease_reservation, XENMEM_populate_physmap).
 * Frames go and come back in extents of 2^order frames, aligned; an extent
 * is taken whole or not at all. */
#define RESERVATION_MAX_ORDER 9 /* 2 MiB, as Xen lets an unprivileged domain */
/* The guest gives the extent at `gfn` back: its memory returns to the host
 * at once (punched out of the memfd). 0, or -EINVAL when a frame of it is
 * not RAM the guest holds now (then nothing changes). A frame given back
 * stays mapped: a guest that touches it again gets a zeroed page, which
 * the memfd's size still bounds. */
int guest_memory_give_back(struct guest_memory *m, uint64_t gfn, unsigned order);
/* The guest takes the extent at `gfn` back; frames it still holds count
 * nothing. 0, -EINVAL when a frame is not RAM, or -ENOMEM when it would
 * then hold more than its maximum (then nothing changes). */
int guest_memory_take_back(struct guest_memory *m, uint64_t gfn, unsigned order);
/* Frames the guest holds, and the most it may hold. */
void guest_memory_reservation(struct guest_memory *m, uint64_t *populated, uint64_t *max_pages);
/* xm mem-max. A maximum below what the guest holds lets it give frames
 * back but take none until it holds less, as Xen's allocator does. */
void guest_memory_set_max(struct guest_memory *m, uint64_t max_pages);

/* Live migration. KVM logs the frames the guest writes from now on (on),
 * or no longer (off); the frames this process writes are logged with them.
 * 0, or -1 with the error logged. */
int guest_memory_log_dirty(struct guest_memory *m, int vm_fd, bool on);
/* ORs into `bitmap` (a bit per RAM frame, by its place in the memfd) the
 * frames written since the last call, and starts the log afresh. Returns
 * how many bits it set that were clear, or -1 with the error logged. */
int64_t guest_memory_take_dirty(struct guest_memory *m, int vm_fd, uint64_t *bitmap);
/* This process wrote guest frame `gfn` (a backend's copy into a granted
 * page): logged while logging is on, if it is RAM. */
void guest_memory_mark_written(const struct guest_memory *m, uint64_t gfn);
/* Words in a bitmap of a bit per RAM frame. */
static inline uint64_t guest_memory_bitmap_words(const struct guest_memory *m)
{
	return ((m->ram_size >> PAGE_SHIFT) + 63) / 64;
}

static inline uint64_t guest_low_ram_end(const struct guest_memory *m)
{
	return m->ram_size < LOW_RAM_END ? m->ram_size : LOW_RAM_END;
}

#endif
