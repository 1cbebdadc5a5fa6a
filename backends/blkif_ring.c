#include "blkif_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <libnbd.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "abi/evtchn.h"
#include "domain.h"
#include "log.h"

#define SECTOR_SHIFT 9
#define SECTORS_PER_PAGE (PAGE_SIZE >> SECTOR_SHIFT)
#define SEGMENTS_PER_INDIRECT_PAGE (PAGE_SIZE / sizeof(struct blkif_request_segment))

/* io_uring user_data for what is not a request's I/O. A request's is its
 * slot's address (never this small), with TRANSFER_BIT set on a read or
 * write, whose result is a length, unlike a flush's or a discard's. */
enum { EVENT_KICK = 1, EVENT_STOP, EVENT_NBD_READABLE, EVENT_NBD_WRITABLE, EVENT_LAST = 15 };
#define TRANSFER_BIT 1ull

/* One request under way. */
struct blkif_request_slot {
	struct blkif_ring *ring;
	uint64_t id;               /* the frontend's, echoed in the response */
	uint8_t operation;         /* BLKIF_OP_*; an indirect request's own */
	bool mapped_writable;      /* a read: we write the guest's pages */
	bool retried_buffered;     /* O_DIRECT refused it once; done without */
	bool flush_after;          /* (NBD) a flush follows the writes */
	int error;                 /* the first failure, -errno */
	unsigned pending;          /* I/O not completed yet */
	uint64_t sector;
	uint64_t nr_sectors;
	unsigned nr_segments;
	uint32_t *grefs;           /* nr_segments, mapped */
	struct iovec *iov;         /* where each segment lies in guest memory */
	struct blkif_request_slot *next;
};

/* ---- responses ---- */

static void respond(struct blkif_ring *r, uint64_t id, uint8_t operation, int16_t status)
{
	blkif_response_t *rsp = RING_GET_RESPONSE(&r->ring, r->ring.rsp_prod_pvt);
	rsp->id = id;
	rsp->operation = operation;
	rsp->status = status;
	r->ring.rsp_prod_pvt++;
	if (status != BLKIF_RSP_OKAY)
		r->stats->errors++;
}

static void push_responses(struct blkif_ring *r)
{
	int notify;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->ring, notify);
	if (notify)
		evtchn_notify_guest(r->dom, r->io.port);
}

static void unmap_segments(struct blkif_ring *r, struct blkif_request_slot *s)
{
	for (unsigned i = 0; i < s->nr_segments; i++)
		gnttab_unmap_grant(&r->dom->xen.gnttab, &r->dom->mem, s->grefs[i], s->mapped_writable);
	s->nr_segments = 0;
}

static void release_slot(struct blkif_ring *r, struct blkif_request_slot *s)
{
	unmap_segments(r, s);
	s->next = r->free_slots;
	r->free_slots = s;
	r->in_flight--;
}

static void count(struct blkif_ring *r, const struct blkif_request_slot *s)
{
	switch (s->operation) {
	case BLKIF_OP_READ:
		r->stats->rd_req++;
		r->stats->rd_sect += s->nr_sectors;
		break;
	case BLKIF_OP_WRITE:
		r->stats->wr_req++;
		r->stats->wr_sect += s->nr_sectors;
		break;
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		r->stats->f_req++;
		r->stats->wr_sect += s->nr_sectors;
		break;
	case BLKIF_OP_DISCARD:
		r->stats->ds_req++;
		break;
	}
}

static void finish(struct blkif_ring *r, struct blkif_request_slot *s)
{
	if (s->error && s->error != -EOPNOTSUPP)
		log_warn("%s: %s of %llu sectors at %llu failed: %s", r->name,
			 s->operation == BLKIF_OP_READ ? "read" : s->operation == BLKIF_OP_DISCARD ? "discard" : "write",
			 (unsigned long long)s->nr_sectors, (unsigned long long)s->sector, strerror(-s->error));
	count(r, s);
	int16_t status = !s->error ? BLKIF_RSP_OKAY : s->error == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
	respond(r, s->id, s->operation, status);
	release_slot(r, s);
}

/* ---- I/O on images and devices: io_uring ---- */

static struct io_uring_sqe *sqe(struct blkif_ring *r)
{
	struct io_uring_sqe *e = io_uring_get_sqe(&r->uring);
	if (!e) {
		io_uring_submit(&r->uring);
		e = io_uring_get_sqe(&r->uring);
	}
	return e; /* the ring has room for every slot's chain, so never NULL */
}

static void add_rw(struct blkif_ring *r, struct blkif_request_slot *s, int fd, unsigned flags)
{
	struct io_uring_sqe *e = sqe(r);
	off_t offset = (off_t)(s->sector << SECTOR_SHIFT);
	if (s->mapped_writable)
		io_uring_prep_readv(e, fd, s->iov, s->nr_segments, (uint64_t)offset);
	else
		io_uring_prep_writev(e, fd, s->iov, s->nr_segments, (uint64_t)offset);
	e->flags |= flags;
	io_uring_sqe_set_data64(e, (uintptr_t)s | TRANSFER_BIT);
	s->pending++;
}

static void add_fsync(struct blkif_ring *r, struct blkif_request_slot *s, int fd, unsigned flags)
{
	struct io_uring_sqe *e = sqe(r);
	io_uring_prep_fsync(e, fd, IORING_FSYNC_DATASYNC);
	e->flags |= flags;
	io_uring_sqe_set_data(e, s);
	s->pending++;
}

/* The chain of I/O for a request, on `fd` (O_DIRECT or not). */
static void submit_local(struct blkif_ring *r, struct blkif_request_slot *s, int fd)
{
	bool data = s->nr_segments > 0;
	switch (s->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		add_rw(r, s, fd, 0);
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
		/* Linux sends a write that must be durable this way too: the
		 * data, then the flush that makes it (and all before it) so. */
		if (data)
			add_rw(r, s, fd, IOSQE_IO_LINK);
		add_fsync(r, s, fd, 0);
		break;
	case BLKIF_OP_WRITE_BARRIER:
		/* Everything before it done and durable, then the write, durable. */
		add_fsync(r, s, fd, IOSQE_IO_DRAIN | (data ? IOSQE_IO_LINK : 0));
		if (data) {
			add_rw(r, s, fd, IOSQE_IO_LINK);
			add_fsync(r, s, fd, 0);
		}
		break;
	}
}

static void discard_local(struct blkif_ring *r, struct blkif_request_slot *s)
{
	uint64_t range[2] = { s->sector << SECTOR_SHIFT, s->nr_sectors << SECTOR_SHIFT };
	if (r->disk->kind == VBD_PHY) {
		/* Rare (mkfs, fstrim) and not offered by io_uring here: done at once. */
		if (ioctl(r->disk->buffered_fd, BLKDISCARD, range) < 0)
			s->error = -errno;
		finish(r, s);
		return;
	}
	struct io_uring_sqe *e = sqe(r);
	io_uring_prep_fallocate(e, r->disk->buffered_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)range[0], (off_t)range[1]);
	io_uring_sqe_set_data(e, s);
	s->pending++;
}

static void local_completed(struct blkif_ring *r, struct blkif_request_slot *s, bool transfer, int res)
{
	if (res < 0 && !s->error)
		s->error = res;
	else if (transfer && (uint64_t)res != s->nr_sectors << SECTOR_SHIFT && !s->error)
		s->error = -EIO; /* short: the file shrank under us, or the device failed midway */
	if (--s->pending)
		return;
	/* A file system that takes O_DIRECT may still refuse this buffer or
	 * offset: the buffered descriptor takes anything. */
	if (s->error == -EINVAL && !s->retried_buffered && r->disk->direct &&
	    s->operation != BLKIF_OP_DISCARD) {
		s->retried_buffered = true;
		s->error = 0;
		submit_local(r, s, r->disk->buffered_fd);
		return;
	}
	if (s->error == -ECANCELED)
		s->error = -EIO; /* a link after a failure: the failure is what counts */
	finish(r, s);
}

/* ---- I/O over NBD: libnbd, its socket polled through the same io_uring ---- */

static int nbd_completed(void *user_data, int *error)
{
	struct blkif_request_slot *s = user_data;
	if (*error && !s->error)
		s->error = -*error;
	if (--s->pending == 0) {
		/* libnbd may not be called from here: finished after it returns. */
		s->next = s->ring->finished;
		s->ring->finished = s;
	}
	return 1;
}

static void nbd_submit(struct blkif_ring *r, struct blkif_request_slot *s)
{
	struct nbd_handle *h = r->disk->nbd;
	uint64_t offset = s->sector << SECTOR_SHIFT;
	nbd_completion_callback done = { .callback = nbd_completed, .user_data = s };
	s->pending++; /* held until every command is issued */
	if (s->operation == BLKIF_OP_DISCARD) {
		s->pending++;
		if (nbd_aio_trim(h, s->nr_sectors << SECTOR_SHIFT, offset, done, 0) < 0) {
			s->pending--;
			s->error = -EIO;
		}
	} else if (s->nr_segments == 0) {
		s->pending++;
		if (nbd_aio_flush(h, done, 0) < 0) {
			s->pending--;
			s->error = -EIO;
		}
	} else {
		s->flush_after = s->operation == BLKIF_OP_FLUSH_DISKCACHE;
		for (unsigned i = 0; i < s->nr_segments && !s->error; i++) {
			s->pending++;
			int64_t cookie = s->mapped_writable
				? nbd_aio_pread(h, s->iov[i].iov_base, s->iov[i].iov_len, offset, done, 0)
				: nbd_aio_pwrite(h, s->iov[i].iov_base, s->iov[i].iov_len, offset, done, 0);
			if (cookie < 0) {
				s->pending--;
				s->error = -EIO;
			}
			offset += s->iov[i].iov_len;
		}
	}
	int zero = 0;
	nbd_completed(s, &zero);
	if (s->error)
		log_warn("%s: NBD: %s", r->name, nbd_get_error());
}

/* What NBD finished since we last looked; a FLUSH_DISKCACHE write's flush
 * is sent once its data is written. */
static void nbd_finish_completed(struct blkif_ring *r)
{
	while (r->finished) {
		struct blkif_request_slot *s = r->finished;
		r->finished = s->next;
		if (s->flush_after && !s->error) {
			s->flush_after = false;
			unsigned segments = s->nr_segments;
			s->nr_segments = 0; /* just the flush */
			nbd_submit(r, s);
			s->nr_segments = segments;
			continue;
		}
		finish(r, s);
	}
}

static void nbd_arm(struct blkif_ring *r)
{
	unsigned dir = nbd_aio_get_direction(r->disk->nbd);
	int fd = nbd_aio_get_fd(r->disk->nbd);
	if (fd < 0)
		return;
	if ((dir & LIBNBD_AIO_DIRECTION_READ) && !r->nbd_read_armed) {
		struct io_uring_sqe *e = sqe(r);
		io_uring_prep_poll_add(e, fd, POLLIN);
		io_uring_sqe_set_data64(e, EVENT_NBD_READABLE);
		r->nbd_read_armed = true;
	}
	if ((dir & LIBNBD_AIO_DIRECTION_WRITE) && !r->nbd_write_armed) {
		struct io_uring_sqe *e = sqe(r);
		io_uring_prep_poll_add(e, fd, POLLOUT);
		io_uring_sqe_set_data64(e, EVENT_NBD_WRITABLE);
		r->nbd_write_armed = true;
	}
}

/* ---- taking requests ---- */

static bool is_nbd(const struct blkif_ring *r) { return r->disk->nbd != NULL; }

static void submit(struct blkif_ring *r, struct blkif_request_slot *s)
{
	if (is_nbd(r))
		nbd_submit(r, s);
	else if (s->operation == BLKIF_OP_DISCARD)
		discard_local(r, s);
	else
		submit_local(r, s, r->disk->fd);
}

/* Maps the segments' grants and points the slot's iovecs at them. */
static int map_segments(struct blkif_ring *r, struct blkif_request_slot *s,
			const struct blkif_request_segment *segs, unsigned n)
{
	s->nr_sectors = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct blkif_request_segment *seg = &segs[i];
		if (seg->first_sect > seg->last_sect || seg->last_sect >= SECTORS_PER_PAGE)
			return -EINVAL;
		void *page;
		if (gnttab_map_grant(&r->dom->xen.gnttab, &r->dom->mem, 0, seg->gref, s->mapped_writable, &page) !=
		    GNTST_okay)
			return -EFAULT;
		s->grefs[s->nr_segments++] = seg->gref;
		unsigned sectors = seg->last_sect - seg->first_sect + 1u;
		s->iov[i].iov_base = (uint8_t *)page + ((size_t)seg->first_sect << SECTOR_SHIFT);
		s->iov[i].iov_len = (size_t)sectors << SECTOR_SHIFT;
		s->nr_sectors += sectors;
	}
	return 0;
}

/* An indirect request's segments, copied out of its indirect pages. */
static int read_indirect_segments(struct blkif_ring *r, const struct blkif_request_indirect *req,
				  struct blkif_request_segment *segs)
{
	unsigned n = req->nr_segments;
	unsigned pages = (n + SEGMENTS_PER_INDIRECT_PAGE - 1) / SEGMENTS_PER_INDIRECT_PAGE;
	for (unsigned p = 0; p < pages; p++) {
		void *page;
		if (gnttab_map_grant(&r->dom->xen.gnttab, &r->dom->mem, 0, req->indirect_grefs[p], false, &page) !=
		    GNTST_okay)
			return -EFAULT;
		unsigned here = n - p * SEGMENTS_PER_INDIRECT_PAGE;
		if (here > SEGMENTS_PER_INDIRECT_PAGE)
			here = SEGMENTS_PER_INDIRECT_PAGE;
		memcpy(&segs[p * SEGMENTS_PER_INDIRECT_PAGE], page, here * sizeof(*segs));
		gnttab_unmap_grant(&r->dom->xen.gnttab, &r->dom->mem, req->indirect_grefs[p], false);
	}
	return 0;
}

/* Checks one request and starts it; a bad one is answered with an error at
 * once. Returns the -errno it was refused with, or 0. */
static int start_request(struct blkif_ring *r, struct blkif_request_slot *s, const blkif_request_t *req)
{
	struct blkif_request_segment segs[BLKIF_MAX_INDIRECT_SEGMENTS];
	const struct blkif_request_segment *seg_list = req->seg;
	unsigned n = req->nr_segments;
	uint64_t disk_sectors = r->disk->size >> SECTOR_SHIFT;

	s->operation = req->operation;
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (n == 0 || n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return -EINVAL;
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return -EINVAL;
		if (!r->disk->can_flush || (req->operation == BLKIF_OP_WRITE_BARRIER && is_nbd(r)))
			return -EOPNOTSUPP;
		break;
	case BLKIF_OP_DISCARD: {
		const struct blkif_request_discard *d = (const void *)req;
		if (!r->disk->can_discard)
			return -EOPNOTSUPP;
		s->sector = d->sector_number;
		s->nr_sectors = d->nr_sectors;
		if (s->sector > disk_sectors || s->nr_sectors > disk_sectors - s->sector)
			return -EINVAL;
		return 0;
	}
	case BLKIF_OP_INDIRECT: {
		const struct blkif_request_indirect *ind = (const void *)req;
		s->operation = ind->indirect_op;
		n = ind->nr_segments;
		if ((ind->indirect_op != BLKIF_OP_READ && ind->indirect_op != BLKIF_OP_WRITE) || n == 0 ||
		    n > BLKIF_MAX_INDIRECT_SEGMENTS)
			return -EINVAL;
		int err = read_indirect_segments(r, ind, segs);
		if (err)
			return err;
		seg_list = segs;
		s->sector = ind->sector_number;
		goto checked;
	}
	default:
		s->operation = req->operation;
		return -EOPNOTSUPP;
	}
	s->sector = req->sector_number;
checked:
	if (s->operation != BLKIF_OP_READ && r->disk->read_only)
		return -EROFS;
	s->mapped_writable = s->operation == BLKIF_OP_READ;
	int err = map_segments(r, s, seg_list, n);
	if (err)
		return err;
	/* A flush without data says nothing of where; the rest must fit. */
	if (n && (s->sector > disk_sectors || s->nr_sectors > disk_sectors - s->sector))
		return -EINVAL;
	return 0;
}

static void take_request(struct blkif_ring *r, const blkif_request_t *req)
{
	struct blkif_request_slot *s = r->free_slots;
	r->free_slots = s->next;
	r->in_flight++;
	*s = (struct blkif_request_slot){ .ring = r, .id = req->id, .grefs = s->grefs, .iov = s->iov };
	int err = start_request(r, s, req);
	if (err) {
		static _Atomic unsigned warned;
		if (err != -EOPNOTSUPP && warned++ < 10)
			log_warn("%s: refused request %llu (operation %u): %s", r->name, (unsigned long long)req->id,
				 req->operation, strerror(-err));
		s->error = err;
		finish(r, s);
		return;
	}
	submit(r, s);
}

/* Takes what the frontend has put on the ring, as far as there are slots. */
static void take_requests(struct blkif_ring *r)
{
	while (!r->broken && !r->stopping) {
		RING_IDX prod = r->ring.sring->req_prod;
		xen_rmb(); /* the requests, not older copies of them */
		if (RING_REQUEST_PROD_OVERFLOW(&r->ring, prod)) {
			log_err("%s: the frontend's request index %u is impossible (responses at %u): ring halted",
				r->name, prod, r->ring.rsp_prod_pvt);
			r->broken = true;
			return;
		}
		while (r->ring.req_cons != prod && !RING_REQUEST_CONS_OVERFLOW(&r->ring, r->ring.req_cons)) {
			if (!r->free_slots) {
				r->stats->oo_req++;
				return; /* taken up again as requests complete */
			}
			blkif_request_t req;
			RING_COPY_REQUEST(&r->ring, r->ring.req_cons, &req);
			r->ring.req_cons++;
			take_request(r, &req);
		}
		int more;
		RING_FINAL_CHECK_FOR_REQUESTS(&r->ring, more);
		if (!more)
			return;
	}
}

/* ---- the thread ---- */

static void arm_read(struct blkif_ring *r, int fd, uint64_t *into, uint64_t event)
{
	struct io_uring_sqe *e = sqe(r);
	io_uring_prep_read(e, fd, into, sizeof(*into), 0);
	io_uring_sqe_set_data64(e, event);
}

static void handle_completion(struct blkif_ring *r, struct io_uring_cqe *cqe)
{
	uint64_t event = io_uring_cqe_get_data64(cqe);
	switch (event) {
	case EVENT_KICK:
		arm_read(r, r->io.kick_fd, &r->kick_count, EVENT_KICK);
		break;
	case EVENT_STOP:
		r->stopping = true;
		break;
	case EVENT_NBD_READABLE:
		r->nbd_read_armed = false;
		nbd_aio_notify_read(r->disk->nbd);
		break;
	case EVENT_NBD_WRITABLE:
		r->nbd_write_armed = false;
		nbd_aio_notify_write(r->disk->nbd);
		break;
	default:
		if (event > EVENT_LAST)
			local_completed(r, (struct blkif_request_slot *)(uintptr_t)(event & ~TRANSFER_BIT),
					event & TRANSFER_BIT, cqe->res);
		break;
	}
}

static void *serve(void *arg)
{
	struct blkif_ring *r = arg;
	arm_read(r, r->io.kick_fd, &r->kick_count, EVENT_KICK);
	arm_read(r, r->io.stop_fd, &r->stop_count, EVENT_STOP);
	/* Requests may have come before the port was ours to hear. */
	take_requests(r);
	while (!r->stopping || r->in_flight) {
		if (is_nbd(r)) {
			nbd_finish_completed(r);
			nbd_arm(r);
		}
		push_responses(r);
		int err = io_uring_submit_and_wait(&r->uring, 1);
		if (err < 0 && err != -EINTR) {
			log_err("%s: io_uring: %s", r->name, strerror(-err));
			break;
		}
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&r->uring, head, cqe)
		{
			handle_completion(r, cqe);
			seen++;
		}
		io_uring_cq_advance(&r->uring, seen);
		if (is_nbd(r))
			nbd_finish_completed(r);
		take_requests(r);
	}
	push_responses(r);
	return NULL;
}

static void free_slots(struct blkif_ring *r)
{
	for (unsigned i = 0; r->slots && i < r->nr_slots; i++) {
		free(r->slots[i].grefs);
		free(r->slots[i].iov);
	}
	free(r->slots);
	r->slots = r->free_slots = NULL;
}

static int make_slots(struct blkif_ring *r)
{
	r->nr_slots = RING_SIZE(&r->ring);
	r->slots = calloc(r->nr_slots, sizeof(*r->slots));
	if (!r->slots)
		return -1;
	for (unsigned i = 0; i < r->nr_slots; i++) {
		struct blkif_request_slot *s = &r->slots[i];
		s->grefs = calloc(BLKIF_MAX_INDIRECT_SEGMENTS, sizeof(*s->grefs));
		s->iov = calloc(BLKIF_MAX_INDIRECT_SEGMENTS, sizeof(*s->iov));
		if (!s->grefs || !s->iov)
			return -1;
		s->ring = r;
		s->next = r->free_slots;
		r->free_slots = s;
	}
	return 0;
}

/* The thread first: it uses the rest. */
static void release(struct blkif_ring *r)
{
	ring_thread_stop(&r->io, r->name);
	if (r->uring_ready)
		io_uring_queue_exit(&r->uring);
	r->uring_ready = false;
	gnttab_unmap_ring(&r->dom->xen.gnttab, &r->dom->mem, &r->pages);
	free_slots(r);
}

int blkif_ring_start(struct blkif_ring *r, struct domain *dom, struct disk *disk, struct vbd_stats *stats,
		     const char *name, const uint32_t *refs, unsigned n, uint32_t port, char *err, size_t errlen)
{
	*r = (struct blkif_ring){ .dom = dom, .disk = disk, .stats = stats };
	ring_thread_clear(&r->io, dom);
	snprintf(r->name, sizeof(r->name), "%s", name);
	int status = gnttab_map_ring(&dom->xen.gnttab, &dom->mem, 0, refs, n, &r->pages);
	if (status != GNTST_okay) {
		snprintf(err, errlen, "mapping its ring (%u pages, first grant %u): grant status %d", n, refs[0], status);
		return -1;
	}
	blkif_sring_t *sring = r->pages.area;
	BACK_RING_INIT(&r->ring, sring, n * PAGE_SIZE);
	if (make_slots(r) < 0) {
		snprintf(err, errlen, "out of memory for its requests");
		goto fail;
	}
	/* Room for every slot's longest chain (a barrier: three), the reads
	 * of both eventfds and NBD's two polls. */
	int e = io_uring_queue_init(r->nr_slots * 3 + 8, &r->uring, 0);
	if (e < 0) {
		snprintf(err, errlen, "its io_uring: %s", strerror(-e));
		goto fail;
	}
	r->uring_ready = true;
	if (ring_thread_bind(&r->io, port, err, errlen) < 0 || ring_thread_start(&r->io, serve, r, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	release(r);
	return -1;
}

void blkif_ring_stop(struct blkif_ring *r)
{
	release(r);
}
