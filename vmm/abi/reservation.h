/* The balloon's hypercalls: XENMEM_decrease_reservation gives frames back
 * to the host, XENMEM_populate_physmap takes them again (up to the
 * domain's maximum), XENMEM_current_reservation and _maximum_reservation
 * count them. Linux's balloon driver (drivers/xen/balloon.c) drives them
 * from memory/target in XenStore. */
#ifndef XENON_VMM_ABI_RESERVATION_H
#define XENON_VMM_ABI_RESERVATION_H

#include <stddef.h>
#include <stdint.h>

#include "abi/xen_public.h"
#include "guest_memory.h"

struct vcpu;

/* Xen keeps where a preempted operation stopped in the command's upper
 * bits; the guest may pass them too. */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1u << MEMOP_EXTENT_SHIFT) - 1)

/* Gives back (XENMEM_decrease_reservation) or takes back
 * (XENMEM_populate_physmap) the extents at `gfns`, in order, stopping at
 * the first that cannot be: how many were done. */
size_t reservation_apply(struct guest_memory *m, unsigned op, unsigned order, const xen_pfn_t *gfns, size_t n);

/* `cmd` is the memory_op command as the guest passed it (the operation in
 * its low bits, the extent to start from above), `arg` its
 * xen_memory_reservation. Returns the number of extents done, counting
 * from 0 as Xen does, or -errno. */
long reservation_op(struct vcpu *v, uint64_t cmd, uint64_t arg);
/* XENMEM_current_reservation, _maximum_reservation: `arg` holds a domid. */
long reservation_query(struct vcpu *v, unsigned op, uint64_t arg);

#endif
