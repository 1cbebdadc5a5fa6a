#include "blkback.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blkif_ring.h"
#include "disk.h"
#include "domain.h"
#include "log.h"
#include "xenbus.h"
#include <xen/io/protocols.h>

#define BLKBACK_MAX_QUEUES 8
#define BLKBACK_MAX_RING_ORDER 4 /* 16 pages: GNTTAB_RING_MAX_PAGES */

struct vbd {
	struct xenbus_device xb; /* first: the handler gets this back */
	struct domain *dom;
	uint32_t devid;
	char vdev[VBD_NAME_MAX];
	bool cdrom;
	struct disk disk;
	unsigned max_queues;
	struct vbd_stats stats;
	unsigned nr_rings;
	struct blkif_ring rings[BLKBACK_MAX_QUEUES];
	struct vbd *next;
};

static struct vbd *find(struct domain *d, uint32_t devid)
{
	for (struct vbd *v = d->xen.vbds; v; v = v->next)
		if (v->devid == devid)
			return v;
	return NULL;
}

static void disconnect(struct xenbus_device *xb)
{
	struct vbd *v = (struct vbd *)xb;
	for (unsigned i = 0; i < v->nr_rings; i++)
		blkif_ring_stop(&v->rings[i]);
	if (v->nr_rings)
		log_info("vbd %s (%u): disconnected", v->vdev, v->devid);
	v->nr_rings = 0;
}

/* Forgets the device: its rings, its disk, its place in the list. */
static void forget(struct xenbus_device *xb)
{
	struct vbd *v = (struct vbd *)xb;
	disconnect(xb);
	xenbus_remove(&v->xb);
	for (struct vbd **link = &v->dom->xen.vbds; *link; link = &(*link)->next) {
		if (*link == v) {
			*link = v->next;
			break;
		}
	}
	log_info("vbd %s (%u): %s closed", v->vdev, v->devid, v->disk.target);
	disk_close(&v->disk);
	free(v);
}

/* Reads the frontend's ring grants for queue `q` (of `nr_queues`, rings of
 * 2^order pages) and its event channel, and starts serving that ring. */
static int connect_ring(struct vbd *v, unsigned q, unsigned nr_queues, unsigned order)
{
	char prefix[16] = "", node[48], name[48];
	if (nr_queues > 1)
		snprintf(prefix, sizeof(prefix), "queue-%u/", q);
	uint32_t refs[GNTTAB_RING_MAX_PAGES];
	unsigned long value;
	for (unsigned i = 0; i < 1u << order; i++) {
		if (order == 0)
			snprintf(node, sizeof(node), "%sring-ref", prefix);
		else
			snprintf(node, sizeof(node), "%sring-ref%u", prefix, i);
		if (!xenbus_read_frontend_uint(&v->xb, node, &value) || value > UINT32_MAX) {
			xenbus_error(&v->xb, "reading %s/%s: missing or not a grant reference", v->xb.frontend, node);
			return -1;
		}
		refs[i] = (uint32_t)value;
	}
	snprintf(node, sizeof(node), "%sevent-channel", prefix);
	if (!xenbus_read_frontend_uint(&v->xb, node, &value) || value > UINT32_MAX) {
		xenbus_error(&v->xb, "reading %s/%s: missing or not a port", v->xb.frontend, node);
		return -1;
	}
	if (nr_queues > 1)
		snprintf(name, sizeof(name), "vbd %s queue %u", v->vdev, q);
	else
		snprintf(name, sizeof(name), "vbd %s", v->vdev);
	char err[160];
	if (blkif_ring_start(&v->rings[q], v->dom, &v->disk, &v->stats, name, refs, 1u << order, (uint32_t)value,
			     err, sizeof(err)) < 0) {
		xenbus_error(&v->xb, "%s: %s", name, err);
		return -1;
	}
	v->nr_rings++;
	return 0;
}

/* The frontend has published its rings (Initialised, or Connected): take
 * them, as Linux's blkback connect_ring does. */
static int connect_rings(struct xenbus_device *xb)
{
	struct vbd *v = (struct vbd *)xb;
	char *protocol = xenbus_read_frontend(&v->xb, "protocol");
	bool native = !protocol || strcmp(protocol, XEN_IO_PROTO_ABI_NATIVE) == 0;
	if (!native) {
		xenbus_error(&v->xb, "the frontend speaks the %s ring protocol; only %s is served", protocol,
			     XEN_IO_PROTO_ABI_NATIVE);
		free(protocol);
		return -1;
	}
	free(protocol);
	unsigned long queues = 1, order = 0;
	if (xenbus_read_frontend_uint(&v->xb, "multi-queue-num-queues", &queues) &&
	    (queues == 0 || queues > v->max_queues)) {
		xenbus_error(&v->xb, "the frontend asks for %lu queues; at most %u are offered", queues, v->max_queues);
		return -1;
	}
	if (xenbus_read_frontend_uint(&v->xb, "ring-page-order", &order) && order > BLKBACK_MAX_RING_ORDER) {
		xenbus_error(&v->xb, "the frontend asks for rings of 2^%lu pages; at most 2^%u are offered", order,
			     BLKBACK_MAX_RING_ORDER);
		return -1;
	}
	for (unsigned q = 0; q < queues; q++) {
		if (connect_ring(v, q, (unsigned)queues, (unsigned)order) < 0) {
			disconnect(xb);
			return -1;
		}
	}
	log_info("vbd %s (%u): connected, %lu queue%s of %lu-page rings, %s", v->vdev, v->devid, queues,
		 queues == 1 ? "" : "s", 1ul << order, v->disk.target);
	return 0;
}

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > BLKBACK_MAX_QUEUES ? BLKBACK_MAX_QUEUES : (unsigned)n;
}

/* What the disk offers, in the backend folder, then InitWait: the frontend
 * reads it there before it makes its rings. */
static int publish(struct vbd *v)
{
	struct disk *k = &v->disk;
	struct xenbus_device *xb = &v->xb;
	unsigned info = (k->read_only ? VDISK_READONLY : 0) | (v->cdrom ? VDISK_CDROM | VDISK_REMOVABLE : 0);
	int r = xenbus_printf(xb, "feature-flush-cache", "%d", k->can_flush) |
		xenbus_printf(xb, "feature-barrier", "%d", k->can_flush && !k->nbd) |
		xenbus_printf(xb, "feature-discard", "%d", k->can_discard) |
		xenbus_printf(xb, "feature-max-indirect-segments", "%d", BLKIF_MAX_INDIRECT_SEGMENTS) |
		xenbus_printf(xb, "max-ring-page-order", "%d", BLKBACK_MAX_RING_ORDER) |
		xenbus_printf(xb, "multi-queue-max-queues", "%u", v->max_queues) |
		xenbus_printf(xb, "sectors", "%llu", (unsigned long long)(k->size / k->sector_size)) |
		xenbus_printf(xb, "info", "%u", info) | xenbus_printf(xb, "sector-size", "%u", k->sector_size) |
		xenbus_printf(xb, "physical-sector-size", "%u", k->physical_sector_size);
	if (k->can_discard)
		r |= xenbus_printf(xb, "discard-granularity", "%u", k->physical_sector_size) |
		     xenbus_printf(xb, "discard-alignment", "0");
	return r | xenbus_switch_state(xb, XenbusStateInitWait);
}

static bool path_fits(const char *path)
{
	return path && strlen(path) < XENBUS_PATH_MAX;
}

int blkback_attach(struct domain *d, const struct blkback_attach_request *req, uint64_t *sectors,
		   unsigned *sector_size, char *err, size_t errlen)
{
	if (!path_fits(req->backend) || !path_fits(req->frontend) || !req->vdev ||
	    strlen(req->vdev) >= VBD_NAME_MAX) {
		snprintf(err, errlen, "vbd %u: its XenStore paths or name are missing or too long", req->devid);
		return -1;
	}
	xenbus_lock();
	if (find(d, req->devid)) {
		xenbus_unlock();
		snprintf(err, errlen, "domain %u already has a disk %s (%u)", d->cfg.domid, req->vdev, req->devid);
		return -1;
	}
	struct vbd *v = calloc(1, sizeof(*v));
	if (!v) {
		xenbus_unlock();
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*v = (struct vbd){ .dom = d, .devid = req->devid, .cdrom = req->cdrom };
	snprintf(v->vdev, sizeof(v->vdev), "%s", req->vdev);
	snprintf(v->xb.backend, sizeof(v->xb.backend), "%s", req->backend);
	snprintf(v->xb.frontend, sizeof(v->xb.frontend), "%s", req->frontend);
	v->xb.connect = connect_rings;
	v->xb.disconnect = disconnect;
	v->xb.forget = forget;
	if (disk_open(&v->disk, req->kind, req->target, req->mode, err, errlen) < 0) {
		xenbus_unlock();
		free(v);
		return -1;
	}
	v->max_queues = v->disk.nbd ? 1 : host_cpus(); /* one NBD connection, one queue */
	if (xenbus_open() < 0 || publish(v) < 0 || xenbus_add(&v->xb) < 0) {
		snprintf(err, errlen, "vbd %s: cannot publish it in XenStore at %s: %s", v->vdev, v->xb.backend,
			 strerror(errno));
		disk_close(&v->disk);
		xenbus_unlock();
		free(v);
		return -1;
	}
	v->next = d->xen.vbds;
	d->xen.vbds = v;
	*sectors = v->disk.size / v->disk.sector_size;
	*sector_size = v->disk.sector_size;
	log_info("vbd %s (%u): %s:%s, mode %s, %llu MiB", v->vdev, v->devid, vbd_kind_name(req->kind), req->target,
		 vbd_mode_name(req->mode), (unsigned long long)(v->disk.size >> 20));
	xenbus_unlock();
	return 0;
}

int blkback_detach(struct domain *d, uint32_t devid, bool force, char *err, size_t errlen)
{
	xenbus_lock();
	struct vbd *v = find(d, devid);
	if (!v) {
		xenbus_unlock();
		snprintf(err, errlen, "domain %u has no disk %u", d->cfg.domid, devid);
		return -1;
	}
	xenbus_detach(&v->xb, force);
	xenbus_unlock();
	return 0;
}

void blkback_for_each(struct domain *d, void (*visit)(void *opaque, const struct blkback_vbd_info *vbd),
		      void *opaque)
{
	xenbus_lock();
	for (struct vbd *v = d->xen.vbds; v; v = v->next) {
		struct vbd_stats *s = &v->stats;
		struct blkback_vbd_info info = {
			.devid = v->devid, .vdev = v->vdev, .target = v->disk.target, .kind = v->disk.kind,
			.mode = v->disk.mode, .state = v->xb.state,
			.rd_req = s->rd_req, .wr_req = s->wr_req, .f_req = s->f_req, .ds_req = s->ds_req,
			.oo_req = s->oo_req, .rd_sect = s->rd_sect, .wr_sect = s->wr_sect, .errors = s->errors,
		};
		visit(opaque, &info);
	}
	xenbus_unlock();
}

void blkback_teardown(struct domain *d)
{
	xenbus_lock();
	while (d->xen.vbds)
		forget(&d->xen.vbds->xb);
	xenbus_unlock();
}
