#include "abi/gnttab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"

/* The entry for `ref` as the guest sees it, or NULL past the table's end. */
static grant_entry_v1_t *entry(const struct gnttab *g, const struct guest_memory *m, uint32_t ref)
{
	if (ref >= g->nr_frames * GNTTAB_ENTRIES_PER_FRAME)
		return NULL;
	return (grant_entry_v1_t *)m->xen_frames + ref;
}

static bool pins_ready(struct gnttab *g)
{
	if (!g->read_pins)
		g->read_pins = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint16_t));
	if (!g->write_pins)
		g->write_pins = calloc(GNTTAB_MAX_ENTRIES, sizeof(uint16_t));
	return g->read_pins && g->write_pins;
}

/* Sets `bit` in the entry's flags, unless the guest changed the entry
 * meanwhile: flags and domid are one 32-bit word, compared and swapped
 * whole, as Xen does, so a grant ended or given to another domain
 * between our check and our pin is never pinned. */
static int pin_entry(grant_entry_v1_t *e, uint16_t backend, bool write)
{
	uint32_t *word = (uint32_t *)e; /* flags in the low half, domid in the high */
	uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
	for (;;) {
		uint16_t flags = (uint16_t)old, domid = (uint16_t)(old >> 16);
		if ((flags & GTF_type_mask) != GTF_permit_access || domid != backend)
			return GNTST_general_error;
		if (write && (flags & GTF_readonly))
			return GNTST_permission_denied;
		uint32_t pinned = old | (write ? GTF_writing : GTF_reading);
		if (__atomic_compare_exchange_n(word, &old, pinned, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return GNTST_okay;
	}
}

int gnttab_map_grant(struct gnttab *g, const struct guest_memory *m, uint16_t backend, uint32_t ref,
		     bool write, void **page)
{
	*page = NULL;
	pthread_mutex_lock(&g->pin_lock);
	grant_entry_v1_t *e = entry(g, m, ref);
	int status = !e ? GNTST_bad_gntref : !pins_ready(g) ? GNTST_no_space : pin_entry(e, backend, write);
	if (status == GNTST_okay) {
		uint32_t frame = __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
		*page = guest_phys(m, (uint64_t)frame << PAGE_SHIFT, PAGE_SIZE);
		uint64_t ram_end = m->ram_size + SPECIAL_PAGES * PAGE_SIZE;
		/* Only the guest's RAM may be granted, not our pages in it. */
		if (*page && (uint8_t *)*page >= m->ram + m->ram_size && (uint8_t *)*page < m->ram + ram_end)
			*page = NULL;
		if (*page) {
			(write ? g->write_pins : g->read_pins)[ref]++;
		} else {
			status = GNTST_bad_page;
		}
	}
	if (status == GNTST_bad_page) {
		/* Unpin what this call pinned, unless others hold it too. */
		uint16_t bit = write ? GTF_writing : GTF_reading;
		if (!(write ? g->write_pins : g->read_pins)[ref])
			__atomic_fetch_and(&e->flags, (uint16_t)~bit, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g->pin_lock);
	return status;
}

void gnttab_unmap_grant(struct gnttab *g, const struct guest_memory *m, uint32_t ref, bool write)
{
	pthread_mutex_lock(&g->pin_lock);
	grant_entry_v1_t *e = entry(g, m, ref);
	uint16_t *pins = write ? g->write_pins : g->read_pins;
	if (e && write) /* the backend wrote it: live migration sends it again */
		guest_memory_mark_written(m, __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE));
	if (e && pins && pins[ref] && --pins[ref] == 0)
		__atomic_fetch_and(&e->flags, (uint16_t)~(write ? GTF_writing : GTF_reading), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g->pin_lock);
}

int gnttab_map_ring(struct gnttab *g, const struct guest_memory *m, uint16_t backend, const uint32_t *refs,
		    unsigned n, struct gnttab_ring *ring)
{
	*ring = (struct gnttab_ring){ 0 };
	if (n == 0 || n > GNTTAB_RING_MAX_PAGES)
		return GNTST_general_error;
	uint8_t *area = mmap(NULL, n * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return GNTST_no_space;
	ring->area = area;
	ring->pages = n;
	for (unsigned i = 0; i < n; i++) {
		void *page;
		int status = gnttab_map_grant(g, m, backend, refs[i], true, &page);
		if (status != GNTST_okay) {
			gnttab_unmap_ring(g, m, ring);
			return status;
		}
		ring->refs[ring->pinned++] = refs[i];
		/* RAM is guest memory's file from offset 0 on, mapped at m->ram. */
		off_t offset = (off_t)((uint8_t *)page - m->ram);
		if (mmap(area + i * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, m->fd,
			 offset) == MAP_FAILED) {
			gnttab_unmap_ring(g, m, ring);
			return GNTST_no_space;
		}
	}
	return GNTST_okay;
}

void gnttab_unmap_ring(struct gnttab *g, const struct guest_memory *m, struct gnttab_ring *ring)
{
	for (unsigned i = 0; i < ring->pinned; i++)
		gnttab_unmap_grant(g, m, ring->refs[i], true);
	if (ring->area)
		munmap(ring->area, ring->pages * PAGE_SIZE);
	*ring = (struct gnttab_ring){ 0 };
}

void gnttab_mark_pinned_written(struct gnttab *g, const struct guest_memory *m)
{
	pthread_mutex_lock(&g->pin_lock);
	for (uint32_t ref = 0; g->write_pins && ref < g->nr_frames * GNTTAB_ENTRIES_PER_FRAME; ref++) {
		grant_entry_v1_t *e = g->write_pins[ref] ? entry(g, m, ref) : NULL;
		if (e)
			guest_memory_mark_written(m, __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE));
	}
	pthread_mutex_unlock(&g->pin_lock);
}

void gnttab_destroy(struct gnttab *g)
{
	free(g->read_pins);
	free(g->write_pins);
	g->read_pins = g->write_pins = NULL;
}

long gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
	struct gnttab *g = &d->xen.gnttab;
	if (idx & XENMAPIDX_grant_table_status)
		return -EINVAL; /* status frames belong to version 2 */
	if (idx >= GNTTAB_MAX_FRAMES)
		return -EINVAL;
	long r = guest_memory_map_xen_frame(&d->mem, d->vm_fd, (unsigned)idx, gfn);
	if (r)
		return r;
	if (idx + 1 > g->nr_frames)
		g->nr_frames = (unsigned)idx + 1;
	return 0;
}

static long query_size(struct vcpu *v, uint64_t arg, uint64_t count)
{
	struct gnttab_query_size q;
	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, arg, &q, sizeof(q)))
		return -EFAULT;
	if (!xen_is_self(v->dom, q.dom)) {
		q.status = GNTST_bad_domain;
	} else {
		pthread_mutex_lock(&v->dom->lock);
		q.nr_frames = v->dom->xen.gnttab.nr_frames;
		pthread_mutex_unlock(&v->dom->lock);
		q.max_nr_frames = GNTTAB_MAX_FRAMES;
		q.status = GNTST_okay;
	}
	return copy_to_guest(v, arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static long get_version(struct vcpu *v, uint64_t arg, uint64_t count)
{
	struct gnttab_get_version g;
	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, arg, &g, sizeof(g)))
		return -EFAULT;
	if (!xen_is_self(v->dom, g.dom))
		return -ESRCH;
	g.version = 1;
	return copy_to_guest(v, arg, &g, sizeof(g)) ? -EFAULT : 0;
}

long hypercall_grant_table_op(struct vcpu *v, const uint64_t *args)
{
	switch (args[0]) {
	case GNTTABOP_query_size:
		return query_size(v, args[1], args[2]);
	case GNTTABOP_get_version:
		return get_version(v, args[1], args[2]);
	case GNTTABOP_set_version:
		return -ENOSYS; /* version 1 only: Linux stays with it */
	default:
		return HYPERCALL_UNKNOWN;
	}
}
