/* Live migration's pre-copy (precopy.h). */
#include "precopy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/control.h"
#include "domain.h"
#include "log.h"
#include "save.h"

/* Rounds end once what is left the stop-and-copy sends in a moment (1 MiB),
 * after so many rounds that the guest plainly writes faster than the link
 * carries, or, from the third round on, once a round leaves more than 90%
 * of what the one before it did: the dirty set has stopped shrinking. */
#define PRECOPY_DONE_PAGES 256
#define PRECOPY_MAX_ROUNDS 30

static struct {
	bool active;
	uint64_t *left; /* frames written since they were last sent */
} precopy;

bool precopy_active(void)
{
	return precopy.active;
}

void precopy_stop(struct domain *d)
{
	if (!precopy.active)
		return;
	guest_memory_log_dirty(&d->mem, d->vm_fd, false);
	free(precopy.left);
	precopy.left = NULL;
	precopy.active = false;
}

static int precopy_start(struct domain *d)
{
	precopy_stop(d); /* one whose migration went away without a word */
	precopy.left = calloc(guest_memory_bitmap_words(&d->mem), sizeof(uint64_t));
	if (!precopy.left) {
		log_err("pre-copy: the map of written frames: out of memory");
		return -1;
	}
	precopy.active = true;
	if (guest_memory_log_dirty(&d->mem, d->vm_fd, true) < 0) {
		precopy_stop(d);
		return -1;
	}
	return 0;
}

/* Round after round while the guest runs; returns the rounds made, or -1
 * with `err`. `*left` is how many frames the stop-and-copy must send. */
static int send_rounds(struct domain *d, int out, struct save_tally *tally, int64_t *left, char *err,
		       size_t errlen)
{
	size_t bytes = guest_memory_bitmap_words(&d->mem) * sizeof(uint64_t);
	int e = save_write_frames(out, &d->mem, NULL, tally); /* round 1: every page not zero */
	int rounds = 1;
	int64_t before = INT64_MAX;
	while (!e) {
		memset(precopy.left, 0, bytes);
		*left = guest_memory_take_dirty(&d->mem, d->vm_fd, precopy.left);
		if (*left < 0) {
			snprintf(err, errlen, "reading the dirty log failed");
			return -1;
		}
		log_debug("pre-copy: %lld pages written during round %d", (long long)*left, rounds);
		if (*left <= PRECOPY_DONE_PAGES || rounds >= PRECOPY_MAX_ROUNDS || (rounds >= 3 && *left * 10 > before * 9))
			return rounds;
		e = save_write_frames(out, &d->mem, precopy.left, tally);
		before = *left;
		rounds++;
	}
	snprintf(err, errlen, "sending round %d: %s", rounds, strerror(-e));
	return -1;
}

void control_precopy(int fd, json_t *req)
{
	(void)req;
	int out = control_take_fd();
	if (out < 0) {
		control_reply_error(fd, "precopy wants the stream beside the request");
		return;
	}
	struct domain *d = control_domain();
	if (!control_domain_running(fd)) {
		close(out);
		return;
	}
	if (precopy_start(d) < 0) {
		close(out);
		control_reply_error(fd, "pre-copy: KVM cannot log the pages the guest writes (see the VMM's log)");
		return;
	}
	struct save_tally tally = { 0 };
	char err[256];
	int64_t left = 0;
	int rounds = save_write_domain(d, out, &tally, err, sizeof(err)) < 0
			     ? -1
			     : send_rounds(d, out, &tally, &left, err, sizeof(err));
	close(out);
	if (rounds < 0) {
		precopy_stop(d);
		log_warn("pre-copy: %s", err);
		control_reply_error(fd, "pre-copy: %s", err);
		return;
	}
	log_info("pre-copy: %d rounds, %llu pages, %llu bytes; %lld pages left for the stop-and-copy", rounds,
		 (unsigned long long)tally.pages, (unsigned long long)tally.bytes, (long long)left);
	control_reply_ok(fd, json_pack("{s:i, s:I, s:I, s:I}", "rounds", rounds, "pages", (json_int_t)tally.pages,
				       "bytes", (json_int_t)tally.bytes, "left", (json_int_t)left));
}

void control_precopy_cancel(int fd, json_t *req)
{
	(void)req;
	precopy_stop(control_domain());
	control_reply_ok(fd, NULL);
}

uint64_t *precopy_last_round(struct domain *d)
{
	if (!precopy.active)
		return NULL;
	gnttab_mark_pinned_written(&d->xen.gnttab, &d->mem);
	uint64_t *frames = precopy.left;
	int64_t more = guest_memory_take_dirty(&d->mem, d->vm_fd, frames);
	precopy.left = NULL;
	precopy_stop(d);
	if (more < 0) {
		free(frames);
		return NULL;
	}
	return frames;
}
