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

/* The extents [start, nr) of the guest's list, EXTENT_BATCH at most: the
 * number done, counted from 0. Xen preempts a longer list and carries on
 * through a continuation; we stop after one batch (as many as Linux's
 * balloon ever sends in one call) and answer how many were done, so that
 * a guest cannot hold its vCPU inside one hypercall, out of reach of a
 * pause or a dump, with a list of millions. */
static long apply_batch(struct vcpu *v, unsigned op, const struct xen_memory_reservation *r, uint64_t start)
{
	xen_pfn_t gfns[EXTENT_BATCH];
	size_t want = r->nr_extents - start < EXTENT_BATCH ? (size_t)(r->nr_extents - start) : EXTENT_BATCH;
	uint64_t at = (uint64_t)(uintptr_t)r->extent_start.p + start * sizeof(xen_pfn_t);
	/* A list the guest cannot show us ends the call there, as in Xen:
	 * what was done stays done. */
	if (copy_from_guest(v, at, gfns, want * sizeof(xen_pfn_t)))
		return (long)start;
	return (long)(start + reservation_apply(&v->dom->mem, op, r->extent_order, gfns, want));
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
	long done = apply_batch(v, op, &r, start);
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
