/* Virtual block devices as xm configs name them: the entries of
 * `disk = [...]` and Xen's vbd numbers for the guest's device names
 * (docs/misc/vbd-interface.txt), shared by xm (which checks a config before
 * sending it), xend and the block backend. */
#ifndef XENON_VBD_H
#define XENON_VBD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a disk's data lives. */
enum vbd_kind {
	VBD_FILE,  /* file:PATH, tap:aio:PATH, or a bare PATH: a raw image */
	VBD_PHY,   /* phy:DEV: a block device (relative names are under /dev) */
	VBD_QCOW2, /* tap:qcow2:PATH, served through qemu-nbd */
	VBD_NBD,   /* nbd:HOST:PORT[/EXPORT], nbd:unix:SOCKET, or an nbd:// URI */
};

enum vbd_mode {
	VBD_READ,         /* r: read-only, shareable */
	VBD_WRITE,        /* w: exclusive */
	VBD_WRITE_SHARED, /* w!: writable even while others have it */
};

#define VBD_NAME_MAX 16

struct vbd_spec {
	enum vbd_kind kind;
	char *target;              /* the path, device or NBD address (malloc'd) */
	char vdev[VBD_NAME_MAX];   /* the guest's name for it, as given: xvda1, hdc, 51712 */
	uint32_t number;           /* Xen's vbd number for vdev */
	enum vbd_mode mode;
	bool cdrom;                /* "hdc:cdrom": removable read-only media */
};

/* Parses one entry of disk = [...] ("file:/srv/web.img,xvda1,w"). Returns
 * 0, or -1 with one line in ERR saying what is wrong with it. */
int vbd_parse(const char *entry, struct vbd_spec *out, char *err, size_t errlen);
void vbd_spec_free(struct vbd_spec *s);

/* Xen's vbd number for a guest device name: xvdX[N], hdX[N], sdX[N]
 * (X: a, b, ... z, aa, ...), dN[pM], or the number itself. 0, or -1 when the
 * name is none of those or out of Xen's ranges. */
int vbd_number(const char *vdev, uint32_t *out);

const char *vbd_mode_name(enum vbd_mode m); /* "r", "w", "w!" */
const char *vbd_kind_name(enum vbd_kind k); /* "file", "phy", "qcow2", "nbd" */

#endif
