/* Whether a disk may be shared, by Xen's rule (tools/hotplug's block
 * script, check_sharing): a disk written by one domain is seen by no other
 * unless both asked for it with "w!", as a cluster filesystem does. Kept
 * apart from vbd.c, which finds who holds what, so it can be tested alone. */
#include <stdio.h>

#include "xend.h"

static bool same_disk(const struct vbd_identity *a, const struct vbd_identity *b)
{
	return a->block == b->block && a->dev == b->dev && (a->block || a->ino == b->ino);
}

/* Xen's script reads "w!" as writable, as it is. */
static bool writable(enum vbd_mode m)
{
	return m != VBD_READ;
}

int vbd_share_check(const struct vbd_user *want, const char *target, const struct vbd_user *users, size_t n,
		    char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const struct vbd_user *u = &users[i];
		if (!same_disk(&want->id, &u->id))
			continue;
		if (u->domid == want->domid) {
			/* The guest would mount one filesystem twice: nothing
			 * but corruption comes of it, "w!" or not. */
			if (!writable(want->mode) || !writable(u->mode))
				continue;
			snprintf(err, errlen,
				 "Disk %s (%s) is already attached to domain %s (id %u) as %s in mode '%s'; "
				 "a domain may have a disk writable only once",
				 target, want->vdev, u->domain, u->domid, u->vdev, vbd_mode_name(u->mode));
			return -1;
		}
		if (want->mode == VBD_WRITE_SHARED || (want->mode == VBD_READ && !writable(u->mode)))
			continue;
		snprintf(err, errlen,
			 "Disk %s (%s) is already in use by domain %s (id %u) in mode '%s'; "
			 "use 'r' on both to share it read-only, or 'w!' to force sharing",
			 target, want->vdev, u->domain, u->domid, vbd_mode_name(u->mode));
		return -1;
	}
	return 0;
}
