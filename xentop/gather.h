/* Taking a frame: xend's list of domains, with each one's vbds and vifs,
 * and the host's memory and CPUs, stamped with the time. */
#ifndef XENTOP_GATHER_H
#define XENTOP_GATHER_H

#include <stdbool.h>
#include <stddef.h>

#include "frame.h"

/* 0, or -1 with `err` saying why (xend not running, say). With `vcpus`
 * (-v), each domain's vCPUs too: a vcpu-list request per domain, whose
 * failure (a xend without it, a domain just gone) only leaves them out. */
int xt_gather(struct xt_frame *f, bool vcpus, char *err, size_t errlen);

/* The frames xentop keeps: the one shown and the one before it. */
struct xt_frames {
	struct xt_frame cur, prev;
	unsigned taken;
};

/* Takes the next frame, the current one becoming the previous, and works
 * out each domain's CPU(%) between them. 0, or -1 with `err` (the frames
 * kept as they were). */
int xt_frames_next(struct xt_frames *fs, bool vcpus, char *err, size_t errlen);
void xt_frames_free(struct xt_frames *fs);

#endif
