/* The balloon's hypercalls (reservation.h). */
#include "abi/reservation.h"

#include <errno.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "domain.h"
#include "log.h"

/* Extents read from the guest at a time: Linux's balloon passes a page's
 * worth (512) per call. */
#define EXTENT_BATCH 512

size_t reservation_apply(struct guest_memory *m, unsigned op, unsigned order, const xen_pfn_t *gfns, size_t n)
{
	size_t done = 0;
	while (done < n) {
		int r = op == XENMEM_decrease_reservation ? guest_memory_give_back(m, gfns[done], order)
							   : guest_memory_take_back(m, gfns[done], order);
		if (r < 0)
			break;
		done++;
	}
	return done;
}

/* The extents [start, nr) of the guest's list, a batch at a time: the
 * number done, counted from 0. */
static long apply_all(struct vcpu *v, unsigned op, const struct xen_memory_reservation *r, uint64_t start)
{
	struct guest_memory *m = &v->dom->mem;
	xen_pfn_t gfns[EXTENT_BATCH];
	uint64_t done = start;

	while (done < r->nr_extents) {
		size_t want = r->nr_extents - done < EXTENT_BATCH ? (size_t)(r->nr_extents - done) : EXTENT_BATCH;
		uint64_t at = (uint64_t)(uintptr_t)r->extent_start.p + done * sizeof(xen_pfn_t);
		/* A list the guest cannot show us ends the call there, as in
		 * Xen: what was done stays done. */
		if (copy_from_guest(v, at, gfns, want * sizeof(xen_pfn_t)))
			break;
		size_t n = reservation_apply(m, op, r->extent_order, gfns, want);
		done += n;
		if (n < want)
			break;
	}
	return (long)done;
}

long reservation_op(struct vcpu *v, uint64_t cmd, uint64_t arg)
{
	unsigned op = cmd & MEMOP_CMD_MASK;
	uint64_t start = cmd >> MEMOP_EXTENT_SHIFT;
	struct xen_memory_reservation r;

	/* A translated guest has no use for frames without a place in its
	 * physical map, which is all increase_reservation gives: Linux asks
	 * populate_physmap instead. */
	if (op == XENMEM_increase_reservation)
		return -ENOSYS;
	if (copy_from_guest(v, arg, &r, sizeof(r)))
		return -EFAULT;
	if (!xen_is_self(v->dom, r.domid))
		return -ESRCH;
	/* Xen answers a list it will not take with the extents done so far. */
	if (r.extent_order > RESERVATION_MAX_ORDER || start >= r.nr_extents ||
	    r.nr_extents > (UINT64_MAX >> MEMOP_EXTENT_SHIFT))
		return (long)start;
	long done = apply_all(v, op, &r, start);
	if (done >= 0 && (uint64_t)done < r.nr_extents)
		log_debug("memory_op %u: %ld of %llu extents of order %u done", op, done,
			  (unsigned long long)r.nr_extents, r.extent_order);
	return done;
}

long reservation_query(struct vcpu *v, unsigned op, uint64_t arg)
{
	domid_t domid;
	uint64_t populated, max_pages;

	if (copy_from_guest(v, arg, &domid, sizeof(domid)))
		return -EFAULT;
	if (!xen_is_self(v->dom, domid))
		return -ESRCH;
	guest_memory_reservation(&v->dom->mem, &populated, &max_pages);
	return (long)(op == XENMEM_current_reservation ? populated : max_pages);
}
