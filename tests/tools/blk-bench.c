/* blk-bench: a disk's throughput as a guest's applications see it, the same
 * program run in a Xen guest (on xvda), in QEMU's guest (on vda) and on the
 * host (on the image itself), so the figures compare like with like.
 *
 *   blk-bench FILE SECONDS
 *
 * For SECONDS each, with O_DIRECT through io_uring: sequential reads and
 * writes of 1 MiB at queue depth 4, and random reads and writes of 4 KiB at
 * queue depth 16, over the whole of FILE (it is overwritten). One line per
 * pattern: "seq-read 1024k qd4: 123.4 MB/s 123 IOPS".
 *
 * Built statically, so it can be dropped into a guest's initramfs alone. */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct pattern {
	const char *name;
	bool write, random;
	size_t block;
	unsigned depth;
};

static const struct pattern patterns[] = {
	{ "seq-write", true, false, 1 << 20, 4 },
	{ "seq-read", false, false, 1 << 20, 4 },
	{ "rand-write", true, true, 4096, 16 },
	{ "rand-read", false, true, 4096, 16 },
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static uint64_t size_of(int fd)
{
	struct stat st;
	uint64_t size = 0;
	if (fstat(fd, &st) < 0)
		return 0;
	if (!S_ISBLK(st.st_mode))
		return (uint64_t)st.st_size;
	return ioctl(fd, BLKGETSIZE64, &size) == 0 ? size : 0;
}

/* Queues the next I/O of the pattern into buffer i. */
static void queue_next(struct io_uring *ring, int fd, const struct pattern *p, void *buf, unsigned i,
		       uint64_t blocks, uint64_t *next_block, uint64_t *state)
{
	struct io_uring_sqe *e = io_uring_get_sqe(ring);
	uint64_t block = p->random ? next_random(state) % blocks : (*next_block)++ % blocks;
	if (p->write)
		io_uring_prep_write(e, fd, buf, (unsigned)p->block, block * p->block);
	else
		io_uring_prep_read(e, fd, buf, (unsigned)p->block, block * p->block);
	io_uring_sqe_set_data64(e, i);
}

static int run(int fd, uint64_t size, const struct pattern *p, double seconds)
{
	struct io_uring ring;
	int err = io_uring_queue_init(p->depth, &ring, 0);
	if (err < 0) {
		fprintf(stderr, "blk-bench: io_uring: %s\n", strerror(-err));
		return -1;
	}
	uint64_t blocks = size / p->block, next_block = 0, state = 88172645463325252ull, done = 0;
	void *buf[16];
	for (unsigned i = 0; i < p->depth; i++) {
		if (posix_memalign(&buf[i], 4096, p->block))
			return -1;
		memset(buf[i], 0x5a + i, p->block);
	}
	double start = now(), end = start + seconds;
	unsigned in_flight = 0;
	bool failed = false;
	for (unsigned i = 0; i < p->depth; i++, in_flight++)
		queue_next(&ring, fd, p, buf[i], i, blocks, &next_block, &state);
	io_uring_submit(&ring);
	while (in_flight) {
		struct io_uring_cqe *cqe;
		if (io_uring_wait_cqe(&ring, &cqe) < 0)
			break;
		unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);
		if (cqe->res != (int)p->block) {
			if (!failed)
				fprintf(stderr, "blk-bench: %s: %s\n", p->name,
					cqe->res < 0 ? strerror(-cqe->res) : "short transfer");
			failed = true;
		}
		io_uring_cqe_seen(&ring, cqe);
		in_flight--;
		done++;
		if (failed || now() >= end)
			continue;
		queue_next(&ring, fd, p, buf[i], i, blocks, &next_block, &state);
		io_uring_submit(&ring);
		in_flight++;
	}
	double elapsed = now() - start;
	if (p->write)
		fdatasync(fd);
	io_uring_queue_exit(&ring);
	for (unsigned i = 0; i < p->depth; i++)
		free(buf[i]);
	if (failed)
		return -1;
	printf("%-10s %5zuk qd%-2u %8.1f MB/s %8.0f IOPS\n", p->name, p->block / 1024, p->depth,
	       (double)done * (double)p->block / elapsed / 1e6, (double)done / elapsed);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 || atof(argv[2]) <= 0) {
		fprintf(stderr, "usage: blk-bench FILE SECONDS (FILE is overwritten)\n");
		return 2;
	}
	int fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "blk-bench: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	uint64_t size = size_of(fd);
	if (size < (1 << 20)) {
		fprintf(stderr, "blk-bench: %s is smaller than 1 MiB\n", argv[1]);
		return 1;
	}
	int status = 0;
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (run(fd, size, &patterns[i], atof(argv[2])) < 0)
			status = 1;
	close(fd);
	return status;
}
