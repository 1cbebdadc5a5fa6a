#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <libnbd.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define NBD_DEFAULT_PORT "10809"

/* Xen's rule for sharing (its block hotplug script): w alone, r with other
 * readers, w! with anyone. An OFD lock on the file says so to every other
 * VMM; xend checks first and names the domain, this catches a race. */
static int lock_for_mode(int fd, enum vbd_mode mode)
{
	if (mode == VBD_WRITE_SHARED)
		return 0;
	struct flock lock = {
		.l_type = mode == VBD_WRITE ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = 0,
		.l_len = 1, /* qemu's own image locks lie at bytes 100 and up */
	};
	return fcntl(fd, F_OFD_SETLK, &lock);
}

static bool file_can_discard(int fd, uint64_t size)
{
	/* Punching past the end changes nothing and says whether the file
	 * system can punch at all. */
	return fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)size, 4096) == 0;
}

static bool device_can_discard(dev_t rdev)
{
	char path[96];
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/discard_max_bytes", major(rdev), minor(rdev));
	FILE *f = fopen(path, "r");
	unsigned long long max = 0;
	if (f) {
		if (fscanf(f, "%llu", &max) != 1)
			max = 0;
		fclose(f);
	}
	return max > 0;
}

static int open_local(struct disk *d, char *err, size_t errlen)
{
	int flags = (d->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	d->buffered_fd = open(d->target, flags);
	if (d->buffered_fd < 0) {
		snprintf(err, errlen, "disk %s: %s", d->target, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(d->buffered_fd, &st) < 0) {
		snprintf(err, errlen, "disk %s: %s", d->target, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "disk %s: %s", d->target,
			 S_ISDIR(st.st_mode) ? "is a folder" : "is neither an image file nor a block device");
		return -1;
	}
	if (d->kind == VBD_PHY && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "disk phy:%s is not a block device (use file: for an image)", d->target);
		return -1;
	}
	if (lock_for_mode(d->buffered_fd, d->mode) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			snprintf(err, errlen, "disk %s is in use by another domain%s", d->target,
				 d->mode == VBD_WRITE ? " (mode w needs it alone; r shares it read-only, w! forces sharing)"
						      : " in mode w");
		else
			snprintf(err, errlen, "disk %s: locking it: %s", d->target, strerror(errno));
		return -1;
	}
	/* O_DIRECT keeps guests' data out of the host's page cache; a file
	 * system without it still works through the buffered descriptor. */
	d->fd = open(d->target, flags | O_DIRECT);
	d->direct = d->fd >= 0;
	if (d->fd < 0)
		d->fd = dup(d->buffered_fd);
	if (d->fd < 0) {
		snprintf(err, errlen, "disk %s: %s", d->target, strerror(errno));
		return -1;
	}
	d->sector_size = 512;
	d->physical_sector_size = 512;
	d->can_flush = true;
	if (S_ISBLK(st.st_mode)) {
		int logical = 512, physical = 512;
		if (ioctl(d->buffered_fd, BLKGETSIZE64, &d->size) < 0) {
			snprintf(err, errlen, "disk %s: its size: %s", d->target, strerror(errno));
			return -1;
		}
		if (ioctl(d->buffered_fd, BLKSSZGET, &logical) == 0 && logical >= 512)
			d->sector_size = (unsigned)logical;
		if (ioctl(d->buffered_fd, BLKPBSZGET, &physical) == 0 && physical >= 512)
			d->physical_sector_size = (unsigned)physical;
		d->can_discard = !d->read_only && device_can_discard(st.st_rdev);
	} else {
		d->size = (uint64_t)st.st_size;
		d->physical_sector_size = st.st_blksize >= 512 && st.st_blksize <= 65536 ? (unsigned)st.st_blksize : 512;
		d->can_discard = !d->read_only && file_can_discard(d->buffered_fd, d->size);
	}
	return 0;
}

/* "HOST:PORT[/EXPORT]", "unix:SOCKET" or "//HOST..." (an nbd:// URI). */
static int connect_nbd(struct disk *d)
{
	const char *t = d->target;
	if (strncmp(t, "//", 2) == 0 || strncmp(t, "+unix", 5) == 0) {
		char uri[1024];
		snprintf(uri, sizeof(uri), "nbd:%s", t);
		return nbd_connect_uri(d->nbd, uri);
	}
	if (strncmp(t, "unix:", 5) == 0)
		return nbd_connect_unix(d->nbd, t + 5);
	char host[512], port[32] = NBD_DEFAULT_PORT;
	snprintf(host, sizeof(host), "%s", t);
	char *slash = strchr(host, '/');
	if (slash) {
		*slash = '\0';
		if (nbd_set_export_name(d->nbd, slash + 1) < 0)
			return -1;
	}
	char *colon = strrchr(host, ':');
	if (colon) {
		*colon = '\0';
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	return nbd_connect_tcp(d->nbd, host, port);
}

/* qemu-nbd, started by libnbd with the socket handed over (systemd's socket
 * activation): nobody else can reach it, and it ends when we hang up. */
static int serve_qcow2(struct disk *d)
{
	char *argv[12];
	int n = 0;
	argv[n++] = (char *)"qemu-nbd";
	argv[n++] = (char *)"--format=qcow2";
	argv[n++] = (char *)"--discard=unmap";
	if (d->read_only) {
		argv[n++] = (char *)"--read-only";
		argv[n++] = (char *)"--force-share"; /* other readers are welcome */
	}
	argv[n++] = d->target;
	argv[n] = NULL;
	return nbd_connect_systemd_socket_activation(d->nbd, argv);
}

static int open_nbd(struct disk *d, char *err, size_t errlen)
{
	if (d->kind == VBD_QCOW2 && d->mode == VBD_WRITE_SHARED) {
		snprintf(err, errlen, "disk %s: a qcow2 image cannot be shared writable (w!): two writers would "
			 "corrupt its tables", d->target);
		return -1;
	}
	if (d->kind == VBD_QCOW2 && access(d->target, d->read_only ? R_OK : R_OK | W_OK) < 0) {
		snprintf(err, errlen, "disk %s: %s", d->target, strerror(errno));
		return -1;
	}
	d->nbd = nbd_create();
	if (!d->nbd) {
		snprintf(err, errlen, "disk %s: %s", d->target, nbd_get_error());
		return -1;
	}
	int r = d->kind == VBD_QCOW2 ? serve_qcow2(d) : connect_nbd(d);
	if (r < 0) {
		snprintf(err, errlen, "disk %s%s: %s", d->kind == VBD_NBD ? "nbd:" : "", d->target, nbd_get_error());
		return -1;
	}
	int64_t size = nbd_get_size(d->nbd);
	if (size < 0) {
		snprintf(err, errlen, "disk %s: its size: %s", d->target, nbd_get_error());
		return -1;
	}
	if (!d->read_only && nbd_is_read_only(d->nbd) == 1) {
		snprintf(err, errlen, "disk nbd:%s: the server offers it read-only; attach it with mode r", d->target);
		return -1;
	}
	d->size = (uint64_t)size;
	d->sector_size = 512;
	d->physical_sector_size = 512;
	d->can_flush = nbd_can_flush(d->nbd) == 1;
	d->can_discard = !d->read_only && nbd_can_trim(d->nbd) == 1;
	return 0;
}

int disk_open(struct disk *d, enum vbd_kind kind, const char *target, enum vbd_mode mode, char *err,
	      size_t errlen)
{
	*d = (struct disk){ .kind = kind, .mode = mode, .fd = -1, .buffered_fd = -1,
			    .read_only = mode == VBD_READ };
	d->target = strdup(target);
	if (!d->target) {
		snprintf(err, errlen, "disk %s: out of memory", target);
		return -1;
	}
	int r = kind == VBD_FILE || kind == VBD_PHY ? open_local(d, err, errlen) : open_nbd(d, err, errlen);
	if (r == 0 && d->size < d->sector_size) {
		snprintf(err, errlen, "disk %s is empty", d->target);
		r = -1;
	}
	if (r < 0)
		disk_close(d);
	return r;
}

void disk_close(struct disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	if (d->buffered_fd >= 0)
		close(d->buffered_fd); /* and with it, the lock */
	if (d->nbd)
		nbd_close(d->nbd); /* a qemu-nbd of ours ends with it */
	free(d->target);
	*d = (struct disk){ .fd = -1, .buffered_fd = -1 };
}
