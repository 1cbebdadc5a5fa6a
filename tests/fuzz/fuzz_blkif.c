/* libFuzzer target for the block backend's ring (backends/blkif_ring.c):
 * everything a hostile guest controls there. The guest's side is the
 * shared ring page, whole (indexes, requests: operations, segment counts,
 * grant references, sector ranges, indirect descriptors), and the pages its
 * indirect requests point at; the backend takes what it finds, does the
 * I/O on a 1 MiB in-memory disk through io_uring, and answers.
 *
 * Input: up to one page for the ring (its first bytes are the shared ring's
 * header, req_prod first), then up to 32 pages for frames 100-131 (what the
 * grants below point at, indirect segment lists included). A last byte
 * beyond those, if any: bit 0 makes the disk read-only, bit 1 lets it
 * discard.
 *
 * The grant table is fixed: refs 1-32 grant frames 100-131 to dom0
 * writable, 33-40 frames 100-107 read-only, 41 a frame to another domain,
 * 42 a frame outside RAM, 43 the ring page itself; the rest are not
 * granted. After each input every request must have been answered and
 * every grant the backend pinned released; otherwise the target aborts.
 *
 * The ring code is included whole, so its static functions are driven as
 * its thread drives them, without the thread or KVM: the event channel
 * calls are stubbed (a notification goes nowhere). */
#include "../../backends/blkif_ring.c"

#include <sys/mman.h>

#include "fuzz_guest.h"

#define RING_FRAME 50
#define RING_REF 43
#define DISK_SIZE (1 << 20)

static int disk_fd = -1;

static void setup_once(void)
{
	guest_setup_once();
	if (disk_fd >= 0)
		return;
	disk_fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
	if (disk_fd < 0 || ftruncate(disk_fd, DISK_SIZE) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	guest_reset_grants();
	grant(RING_REF, GTF_permit_access, 0, RING_FRAME);
	uint8_t *ring_page = dom.mem.ram + RING_FRAME * PAGE_SIZE;
	uint8_t *pages = dom.mem.ram + DATA_FRAME * PAGE_SIZE;
	size_t ring_bytes = size < PAGE_SIZE ? size : PAGE_SIZE;
	memset(ring_page, 0, PAGE_SIZE);
	memcpy(ring_page, data, ring_bytes);
	size_t rest = size - ring_bytes, page_bytes = rest < DATA_PAGES * PAGE_SIZE ? rest : DATA_PAGES * PAGE_SIZE;
	memset(pages, 0, DATA_PAGES * PAGE_SIZE);
	memcpy(pages, data + ring_bytes, page_bytes);
	uint8_t options = rest > page_bytes ? data[ring_bytes + page_bytes] : 0;

	struct disk disk = { .kind = VBD_FILE, .mode = options & 1 ? VBD_READ : VBD_WRITE, .fd = disk_fd,
			     .buffered_fd = disk_fd, .size = DISK_SIZE, .sector_size = 512,
			     .physical_sector_size = 4096, .read_only = options & 1, .can_discard = options & 2,
			     .can_flush = true };
	struct vbd_stats stats = { 0 };
	struct blkif_ring r = { .dom = &dom, .disk = &disk, .stats = &stats };
	ring_thread_clear(&r.io, &dom);
	snprintf(r.name, sizeof(r.name), "fuzz");
	uint32_t ref = RING_REF;
	if (gnttab_map_ring(&dom.xen.gnttab, &dom.mem, 0, &ref, 1, &r.pages) != GNTST_okay)
		abort();
	BACK_RING_INIT(&r.ring, (blkif_sring_t *)r.pages.area, PAGE_SIZE);
	if (make_slots(&r) < 0 || io_uring_queue_init(r.nr_slots * 3 + 8, &r.uring, 0) < 0)
		abort();
	r.uring_ready = true;

	/* As serve() does, until nothing is under way and nothing more is taken. */
	take_requests(&r);
	while (r.in_flight) {
		if (io_uring_submit_and_wait(&r.uring, 1) < 0)
			abort();
		struct io_uring_cqe *cqe;
		unsigned head, seen = 0;
		io_uring_for_each_cqe(&r.uring, head, cqe)
		{
			handle_completion(&r, cqe);
			seen++;
		}
		io_uring_cq_advance(&r.uring, seen);
		take_requests(&r);
	}
	push_responses(&r);
	RING_IDX answered = r.ring.rsp_prod_pvt;
	if (answered != r.ring.req_cons) {
		fprintf(stderr, "fuzz_blkif: %u requests taken, %u answered\n", r.ring.req_cons, answered);
		abort();
	}
	release(&r);
	check_released();
	return 0;
}
