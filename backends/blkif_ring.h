/* One blkif ring of a virtual block device (xen/io/blkif.h), and the thread
 * that serves it: it takes the frontend's requests from the ring, checks
 * them (a guest is not to be trusted with an index, a length or a grant),
 * maps their grants, does the I/O asynchronously (io_uring for images and
 * devices, libnbd's async calls for NBD, both completing in one io_uring)
 * and puts each response on the ring once its I/O is done. A vbd has one
 * ring per queue the frontend asked for. */
#ifndef XENON_BACKENDS_BLKIF_RING_H
#define XENON_BACKENDS_BLKIF_RING_H

#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "xen_ring.h"
#include <xen/io/blkif.h>

#include "abi/gnttab.h"
#include "disk.h"
#include "ring_thread.h"

struct domain;

/* Indirect requests carry up to this many segments (1 MiB), as Linux's
 * blkback allows. */
#define BLKIF_MAX_INDIRECT_SEGMENTS 256

/* What xentop and xm list --long show, kept for all of a vbd's rings. */
struct vbd_stats {
	_Atomic uint64_t rd_req, wr_req, f_req, ds_req, oo_req;
	_Atomic uint64_t rd_sect, wr_sect, errors;
};

struct blkif_request_slot;

struct blkif_ring {
	struct domain *dom;
	struct disk *disk;
	struct vbd_stats *stats;
	char name[48];             /* "vbd 51712" or "vbd 51712 queue 1", for the log */
	struct ring_thread io;     /* its event channel and thread */
	struct gnttab_ring pages;
	blkif_back_ring_t ring;
	struct io_uring uring;
	bool uring_ready;
	struct blkif_request_slot *slots, *free_slots;
	struct blkif_request_slot *finished; /* NBD completions, handled after the call */
	unsigned nr_slots, in_flight;
	uint64_t kick_count;       /* where the eventfd's count is read into */
	uint64_t stop_count;
	bool nbd_read_armed, nbd_write_armed;
	bool stopping;
	bool broken;               /* the frontend corrupted the ring: nothing more is taken */
};

/* Serves the ring whose `n` pages the frontend granted as `refs`, with
 * events on the frontend's `port`. 0, or -1 with ERR saying why (nothing
 * is left mapped or bound). */
int blkif_ring_start(struct blkif_ring *r, struct domain *dom, struct disk *disk, struct vbd_stats *stats,
		     const char *name, const uint32_t *refs, unsigned n, uint32_t port, char *err, size_t errlen);
/* Stops taking requests, waits for those under way to complete and be
 * answered, then lets the ring, its grants and its port go. */
void blkif_ring_stop(struct blkif_ring *r);

#endif
