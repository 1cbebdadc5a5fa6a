/* Grant tables, version 1. The table's frames are ours (Xen frames in guest
 * memory's file); the guest maps each where it asks (XENMAPSPACE_grant_table,
 * usually in a hole above its RAM) and backends read the entries there. */
#ifndef XENON_VMM_ABI_GNTTAB_H
#define XENON_VMM_ABI_GNTTAB_H

#include <stdint.h>

#include "guest_memory.h"

#define GNTTAB_MAX_FRAMES XEN_FRAMES

struct domain;

struct gnttab {
	unsigned nr_frames; /* frames placed so far, from 0 up */
};

/* Places table frame `idx` at guest frame `gfn` (called with the domain lock). */
long gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gfn);

#endif
