/* Grant tables, version 1. The table's frames are ours (Xen frames in guest
 * memory's file); the guest maps each where it asks (XENMAPSPACE_grant_table,
 * usually in a hole above its RAM) and backends read the entries there.
 *
 * A backend in this process "maps" a grant by checking the entry and
 * pinning it: the entry's GTF_reading or GTF_writing bit, set as Xen sets
 * it, stops the guest from ending the grant while the backend uses the
 * page, which is simply where the guest's memory already lies. */
#ifndef XENON_VMM_ABI_GNTTAB_H
#define XENON_VMM_ABI_GNTTAB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "guest_memory.h"

#define GNTTAB_MAX_FRAMES XEN_FRAMES
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / 8) /* a v1 entry is 8 bytes */
#define GNTTAB_MAX_ENTRIES (GNTTAB_MAX_FRAMES * GNTTAB_ENTRIES_PER_FRAME)

struct domain;

struct gnttab {
	unsigned nr_frames; /* frames placed so far, from 0 up */
	/* How often backends have each entry mapped, for reading and for
	 * writing: its GTF_reading / GTF_writing bit stays while any does. */
	pthread_mutex_t pin_lock;
	uint16_t *read_pins, *write_pins; /* GNTTAB_MAX_ENTRIES each, made at first use */
};

/* Maps grant `ref` of the domain whose table and memory these are, for a
 * backend of domain `backend` (0: dom0). On success *page is the granted
 * frame in this process and 0 is returned; otherwise a GNTST_* status (<0):
 * no such entry, not granted to `backend`, read-only while `write` was
 * asked, or a frame that is not the guest's RAM. */
int gnttab_map_grant(struct gnttab *g, const struct guest_memory *m, uint16_t backend, uint32_t ref,
		     bool write, void **page);
/* Ends one mapping gnttab_map_grant made. */
void gnttab_unmap_grant(struct gnttab *g, const struct guest_memory *m, uint32_t ref, bool write);
void gnttab_destroy(struct gnttab *g);
/* Live migration's last round: the frames backends hold mapped for
 * writing (rings among them) count as written, whatever they do next. */
void gnttab_mark_pinned_written(struct gnttab *g, const struct guest_memory *m);

/* A shared ring of `n` granted pages (a multi-page blkif or netif ring),
 * mapped writable and contiguous in this process: each page is mapped
 * again from guest memory's file, in the order of `refs`. */
#define GNTTAB_RING_MAX_PAGES 16
struct gnttab_ring {
	void *area;     /* `pages` pages of address space */
	unsigned pages;
	unsigned pinned; /* how many of refs are mapped */
	uint32_t refs[GNTTAB_RING_MAX_PAGES];
};
/* 0, or a GNTST_* status (<0) with nothing left mapped. */
int gnttab_map_ring(struct gnttab *g, const struct guest_memory *m, uint16_t backend, const uint32_t *refs,
		    unsigned n, struct gnttab_ring *ring);
void gnttab_unmap_ring(struct gnttab *g, const struct guest_memory *m, struct gnttab_ring *ring);

/* Places table frame `idx` at guest frame `gfn` (called with the domain lock). */
long gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gfn);

#endif
