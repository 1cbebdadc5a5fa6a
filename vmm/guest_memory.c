#include "guest_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/kvm.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

int guest_memory_create(struct guest_memory *m, uint64_t ram_size)
{
	uint64_t total = ram_size + (SPECIAL_PAGES + XEN_FRAMES) * PAGE_SIZE;

	*m = (struct guest_memory){ .fd = -1 };
	m->fd = memfd_create("xenon-guest-ram", MFD_CLOEXEC);
	if (m->fd < 0) {
		log_err("memfd_create for guest RAM: %s", strerror(errno));
		return -1;
	}
	if (ftruncate(m->fd, (off_t)total) < 0) {
		log_err("sizing guest RAM to %llu MiB: %s", (unsigned long long)(total >> 20),
			strerror(errno));
		goto fail;
	}
	void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, m->fd, 0);
	if (p == MAP_FAILED) {
		log_err("mapping guest RAM: %s", strerror(errno));
		goto fail;
	}
	m->ram = p;
	m->ram_size = ram_size;
	m->special = m->ram + ram_size;
	m->xen_frames = m->special + SPECIAL_PAGES * PAGE_SIZE;
	uint64_t frames = ram_size >> PAGE_SHIFT;
	/* calloc'd pages are only touched where the guest gives frames back. */
	m->given_back = calloc((frames + 63) / 64, sizeof(uint64_t));
	if (!m->given_back) {
		log_err("the balloon's map of %llu frames: out of memory", (unsigned long long)frames);
		munmap(p, total);
		m->ram = NULL;
		goto fail;
	}
	m->populated = m->max_pages = frames;
	pthread_mutex_init(&m->reservation_lock, NULL);
	return 0;
fail:
	close(m->fd);
	*m = (struct guest_memory){ .fd = -1 };
	return -1;
}

void guest_memory_destroy(struct guest_memory *m)
{
	if (m->ram)
		munmap(m->ram, m->ram_size + (SPECIAL_PAGES + XEN_FRAMES) * PAGE_SIZE);
	if (m->fd >= 0)
		close(m->fd);
	if (m->given_back)
		pthread_mutex_destroy(&m->reservation_lock);
	free(m->given_back);
	free(m->written);
	*m = (struct guest_memory){ .fd = -1 };
}

static int set_slot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		log_err("KVM_SET_USER_MEMORY_REGION slot %u at 0x%llx: %s", slot,
			(unsigned long long)gpa, strerror(errno));
		return -1;
	}
	return 0;
}

static int add_slot(int vm_fd, uint32_t slot, uint64_t gpa, uint64_t size, void *host)
{
	return set_slot(vm_fd, slot, gpa, size, host, 0);
}

/* RAM's slots: below 4 GiB, and from 4 GiB up when there is more. */
struct ram_slot {
	uint32_t slot;
	uint64_t gpa, size, first_frame; /* its first frame's place in the memfd */
};

static unsigned ram_slots(const struct guest_memory *m, struct ram_slot out[2])
{
	uint64_t low = guest_low_ram_end(m);
	out[0] = (struct ram_slot){ 0, 0, low, 0 };
	if (m->ram_size == low)
		return 1;
	out[1] = (struct ram_slot){ 1, HIGH_RAM_START, m->ram_size - low, low >> PAGE_SHIFT };
	return 2;
}

int guest_memory_map(struct guest_memory *m, int vm_fd)
{
	struct ram_slot slots[2];
	unsigned n = ram_slots(m, slots);
	for (unsigned i = 0; i < n; i++)
		if (add_slot(vm_fd, slots[i].slot, slots[i].gpa, slots[i].size,
			     m->ram + (slots[i].first_frame << PAGE_SHIFT)) < 0)
			return -1;
	return add_slot(vm_fd, 2, SPECIAL_BASE, SPECIAL_PAGES * PAGE_SIZE, m->special);
}

int guest_memory_log_dirty(struct guest_memory *m, int vm_fd, bool on)
{
	if (on && !m->written) {
		m->written = calloc(guest_memory_bitmap_words(m), sizeof(uint64_t));
		if (!m->written) {
			log_err("the map of written frames: out of memory");
			return -1;
		}
	}
	struct ram_slot slots[2];
	unsigned n = ram_slots(m, slots);
	for (unsigned i = 0; i < n; i++)
		if (set_slot(vm_fd, slots[i].slot, slots[i].gpa, slots[i].size, m->ram + (slots[i].first_frame << PAGE_SHIFT),
			     on ? KVM_MEM_LOG_DIRTY_PAGES : 0) < 0)
			return -1;
	atomic_store(&m->logging_dirty, on);
	return 0;
}

int64_t guest_memory_take_dirty(struct guest_memory *m, int vm_fd, uint64_t *bitmap)
{
	struct ram_slot slots[2];
	unsigned n = ram_slots(m, slots);
	int64_t fresh = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t frames = slots[i].size >> PAGE_SHIFT, words = (frames + 63) / 64;
		uint64_t *log = calloc(words, sizeof(uint64_t));
		if (!log) {
			log_err("the dirty log of %llu frames: out of memory", (unsigned long long)frames);
			return -1;
		}
		struct kvm_dirty_log get = { .slot = slots[i].slot, .dirty_bitmap = log };
		if (ioctl(vm_fd, KVM_GET_DIRTY_LOG, &get) < 0) {
			log_err("KVM_GET_DIRTY_LOG slot %u: %s", slots[i].slot, strerror(errno));
			free(log);
			return -1;
		}
		/* A slot starts at a frame that is a multiple of 64 (RAM below
		 * 4 GiB ends at 3 GiB, or at a whole MiB): its words are the
		 * bitmap's. */
		uint64_t first_word = slots[i].first_frame / 64;
		for (uint64_t w = 0; w < words; w++) {
			uint64_t written = log[w] | atomic_exchange(&m->written[first_word + w], 0);
			fresh += __builtin_popcountll(written & ~bitmap[first_word + w]);
			bitmap[first_word + w] |= written;
		}
		free(log);
	}
	return fresh;
}

void guest_memory_mark_written(const struct guest_memory *m, uint64_t gfn)
{
	if (!atomic_load(&m->logging_dirty) || !m->written)
		return; /* the usual case, on backends' paths: nothing more to do */
	const uint8_t *p = guest_phys(m, gfn << PAGE_SHIFT, PAGE_SIZE);
	if (!p || p >= m->ram + m->ram_size)
		return; /* not RAM */
	uint64_t at = (uint64_t)(p - m->ram) >> PAGE_SHIFT;
	atomic_fetch_or(&m->written[at / 64], 1ull << (at % 64));
}

int guest_memory_map_xen_frame(struct guest_memory *m, int vm_fd, unsigned index, uint64_t gfn)
{
	if (index >= XEN_FRAMES || gfn == 0 || gfn >= (1ull << (52 - PAGE_SHIFT)))
		return -EINVAL;
	if (guest_phys(m, gfn << PAGE_SHIFT, PAGE_SIZE))
		return -EINVAL; /* RAM or our own pages: a slot may not overlap them */
	for (unsigned i = 0; i < XEN_FRAMES; i++)
		if (i != index && m->xen_frame_gfn[i] == gfn)
			return -EINVAL;
	if (m->xen_frame_gfn[index]) {
		/* KVM moves a slot only by deleting it and making it anew. */
		struct kvm_userspace_memory_region gone = { .slot = XEN_FRAME_SLOT(index) };
		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &gone) < 0)
			return -errno;
		m->xen_frame_gfn[index] = 0;
	}
	if (add_slot(vm_fd, XEN_FRAME_SLOT(index), gfn << PAGE_SHIFT, PAGE_SIZE,
		     m->xen_frames + (uint64_t)index * PAGE_SIZE) < 0)
		return -EINVAL;
	m->xen_frame_gfn[index] = gfn;
	return 0;
}

void *guest_phys(const struct guest_memory *m, uint64_t gpa, uint64_t len)
{
	uint64_t low = guest_low_ram_end(m);

	if (len > m->ram_size + SPECIAL_PAGES * PAGE_SIZE || gpa + len < gpa)
		return NULL;
	if (gpa + len <= low)
		return m->ram + gpa;
	if (gpa >= HIGH_RAM_START && gpa - HIGH_RAM_START + len <= m->ram_size - low)
		return m->ram + low + (gpa - HIGH_RAM_START);
	if (gpa >= SPECIAL_BASE && gpa - SPECIAL_BASE + len <= SPECIAL_PAGES * PAGE_SIZE)
		return m->special + (gpa - SPECIAL_BASE);
	return NULL;
}

/* The extent's first frame's place in the memfd (in frames), or false when
 * any of its frames is not RAM. RAM is contiguous in the memfd on each side
 * of the hole below 4 GiB, which an aligned extent never straddles. */
static bool ram_extent(const struct guest_memory *m, uint64_t gfn, unsigned order, uint64_t *index)
{
	uint64_t n = 1ull << order;
	if (order > RESERVATION_MAX_ORDER || (gfn & (n - 1)) || gfn >= (1ull << (52 - PAGE_SHIFT)))
		return false;
	uint8_t *first = guest_phys(m, gfn << PAGE_SHIFT, n * PAGE_SIZE);
	if (!first || first < m->ram || first >= m->ram + m->ram_size)
		return false;
	*index = (uint64_t)(first - m->ram) >> PAGE_SHIFT;
	return true;
}

static bool frame_given_back(const struct guest_memory *m, uint64_t i)
{
	return m->given_back[i / 64] & (1ull << (i % 64));
}

static void mark_given_back(struct guest_memory *m, uint64_t i, bool given)
{
	if (given)
		m->given_back[i / 64] |= 1ull << (i % 64);
	else
		m->given_back[i / 64] &= ~(1ull << (i % 64));
}

int guest_memory_give_back(struct guest_memory *m, uint64_t gfn, unsigned order)
{
	uint64_t first, n = 1ull << order;
	if (!ram_extent(m, gfn, order, &first))
		return -EINVAL;
	pthread_mutex_lock(&m->reservation_lock);
	for (uint64_t i = first; i < first + n; i++) {
		if (frame_given_back(m, i)) {
			pthread_mutex_unlock(&m->reservation_lock);
			return -EINVAL;
		}
	}
	for (uint64_t i = first; i < first + n; i++)
		mark_given_back(m, i, true);
	m->populated -= n;
	/* The host's pages go now; KVM drops its mappings of them through
	 * its MMU notifier. */
	if (fallocate(m->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)(first << PAGE_SHIFT),
		      (off_t)(n << PAGE_SHIFT)) < 0)
		log_warn("giving guest frame 0x%llx back to the host: %s", (unsigned long long)gfn, strerror(errno));
	pthread_mutex_unlock(&m->reservation_lock);
	return 0;
}

int guest_memory_take_back(struct guest_memory *m, uint64_t gfn, unsigned order)
{
	uint64_t first, n = 1ull << order, absent = 0;
	if (!ram_extent(m, gfn, order, &first))
		return -EINVAL;
	pthread_mutex_lock(&m->reservation_lock);
	for (uint64_t i = first; i < first + n; i++)
		absent += frame_given_back(m, i);
	if (m->populated + absent > m->max_pages) {
		pthread_mutex_unlock(&m->reservation_lock);
		return -ENOMEM;
	}
	/* Nothing to do in the memfd: the hole fills with zeroed pages as
	 * the guest touches them, as Xen hands out scrubbed ones. */
	for (uint64_t i = first; i < first + n; i++)
		mark_given_back(m, i, false);
	m->populated += absent;
	pthread_mutex_unlock(&m->reservation_lock);
	return 0;
}

void guest_memory_reservation(struct guest_memory *m, uint64_t *populated, uint64_t *max_pages)
{
	pthread_mutex_lock(&m->reservation_lock);
	*populated = m->populated;
	*max_pages = m->max_pages;
	pthread_mutex_unlock(&m->reservation_lock);
}

void guest_memory_set_max(struct guest_memory *m, uint64_t max_pages)
{
	pthread_mutex_lock(&m->reservation_lock);
	m->max_pages = max_pages;
	pthread_mutex_unlock(&m->reservation_lock);
}
