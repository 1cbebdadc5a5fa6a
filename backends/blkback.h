/* The block backend: a domain's virtual block devices (vbds), served to
 * Linux's unmodified xen-blkfront as Xen's blkback serves them. xend asks
 * for each disk (vmm/control.h: vbd-attach, vbd-detach); this file opens
 * its backing (disk.c), publishes what the disk offers in its backend
 * folder, follows the frontend through the xenbus states (xenbus.c) and,
 * once the frontend has granted its rings, serves each ring on a thread of
 * its own (blkif_ring.c).
 *
 * Offered: read, write, flush (the data is durable on the host before the
 * response), write barriers (images and devices), discard (holes punched
 * in images; devices and NBD servers that can), indirect requests of up to
 * 256 segments, rings of up to 16 pages and one ring per queue, as many
 * queues as the host has CPUs (up to 8; one for NBD). */
#ifndef XENON_BACKENDS_BLKBACK_H
#define XENON_BACKENDS_BLKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vbd.h"

struct domain;

struct blkback_attach_request {
	uint32_t devid;         /* Xen's vbd number (lib/vbd.h) */
	const char *vdev;       /* the guest's name for it, for the log */
	enum vbd_kind kind;
	const char *target;
	enum vbd_mode mode;
	bool cdrom;
	const char *backend;    /* its XenStore folders */
	const char *frontend;
};

/* Opens the disk and starts serving it. 0 with its size, or -1 with one
 * line in ERR (nothing is left open). */
int blkback_attach(struct domain *d, const struct blkback_attach_request *req, uint64_t *sectors,
		   unsigned *sector_size, char *err, size_t errlen);
/* See vmm/control.h's vbd-detach. 0, or -1 with ERR. */
int blkback_detach(struct domain *d, uint32_t devid, bool force, char *err, size_t errlen);

/* A snapshot of one vbd, for info. */
struct blkback_vbd_info {
	uint32_t devid;
	const char *vdev, *target;
	enum vbd_kind kind;
	enum vbd_mode mode;
	int state; /* ours, a xenbus state */
	uint64_t rd_req, wr_req, f_req, ds_req, oo_req, rd_sect, wr_sect, errors;
};
void blkback_for_each(struct domain *d, void (*visit)(void *opaque, const struct blkback_vbd_info *vbd),
		      void *opaque);

/* The VMM is ending: stops every ring and closes every disk (xenbus_stop
 * then ends the connection to xenstored). */
void blkback_teardown(struct domain *d);

#endif
