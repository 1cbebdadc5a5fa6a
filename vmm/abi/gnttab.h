/* Grant tables, version 1. An HVM-container guest places each frame of its
 * table in its own RAM (XENMAPSPACE_grant_table); backends read the entries
 * there. */
#ifndef XENON_VMM_ABI_GNTTAB_H
#define XENON_VMM_ABI_GNTTAB_H

#include <stdint.h>

#define GNTTAB_MAX_FRAMES 32

struct domain;

struct gnttab {
	uint64_t frame_gfn[GNTTAB_MAX_FRAMES]; /* 0: not placed */
	unsigned nr_frames;                   /* frames placed so far, from 0 up */
};

/* Places table frame `idx` at guest frame `gfn` (called with the domain lock). */
long gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gfn);

#endif
