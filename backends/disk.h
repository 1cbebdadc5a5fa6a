/* A virtual disk's backing store, as a disk = [...] entry names it, opened
 * for the block backend: raw images and block devices are read and written
 * by the backend's io_uring (O_DIRECT where the file takes it); qcow2 images
 * and network disks are reached over NBD (libnbd), a qcow2 served by
 * Debian's qemu-nbd, which libnbd starts for it. */
#ifndef XENON_BACKENDS_DISK_H
#define XENON_BACKENDS_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vbd.h"

struct nbd_handle;

struct disk {
	enum vbd_kind kind;
	enum vbd_mode mode;
	char *target;
	int fd;          /* file, phy: O_DIRECT when the file allows it */
	int buffered_fd; /* the same file without O_DIRECT, for I/O it refuses */
	bool direct;     /* whether fd has O_DIRECT */
	struct nbd_handle *nbd; /* qcow2, nbd */
	uint64_t size;           /* bytes */
	unsigned sector_size;    /* the smallest unit of I/O: 512, or 4096 */
	unsigned physical_sector_size;
	bool read_only;
	bool can_discard;
	bool can_flush;
};

/* Opens the backing for `mode`, taking a lock that keeps a second domain
 * from opening it writable meanwhile (mode w! takes none). 0, or -1 with
 * one line in ERR naming the disk and why; nothing is left open. */
int disk_open(struct disk *d, enum vbd_kind kind, const char *target, enum vbd_mode mode, char *err,
	      size_t errlen);
void disk_close(struct disk *d);

#endif
