/* Taking a frame from xend (gather.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "gather.h"
#include "host.h"

/* xend answers a list within its own timeouts; ours is a little longer. */
#define XEND_TIMEOUT_MS 15000

static json_t *xend_request(json_t *request, char *err, size_t errlen)
{
	int fd = control_connect(control_xend_path(), XEND_TIMEOUT_MS);
	if (fd < 0) {
		snprintf(err, errlen, "cannot reach xend at %s: %s. Is xend running?", control_xend_path(),
			 strerror(errno));
		json_decref(request);
		return NULL;
	}
	json_t *reply = control_call(fd, request, NULL, NULL, err, errlen);
	json_decref(request);
	close(fd);
	return reply;
}

static void add_vcpus(struct xt_domain *d)
{
	char err[256], domid[16];
	snprintf(domid, sizeof(domid), "%u", d->domid);
	json_t *reply = xend_request(json_pack("{s:s, s:s}", "op", "vcpu-list", "domain", domid), err, sizeof(err));
	xt_domain_vcpus(d, json_object_get(reply, "vcpus"));
	json_decref(reply);
}

int xt_gather(struct xt_frame *f, bool vcpus, char *err, size_t errlen)
{
	json_t *reply = xend_request(json_pack("{s:s}", "op", "list"), err, errlen);
	if (!reply)
		return -1;
	int r = xt_frame_from_list(f, json_object_get(reply, "domains"), err, errlen);
	json_decref(reply);
	if (r < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &f->taken); /* when the CPU times were read */
	f->wall = time(NULL);
	for (size_t i = 0; vcpus && i < f->n; i++)
		add_vcpus(&f->domains[i]);
	xt_host_read(&f->host);
	return 0;
}

int xt_frames_next(struct xt_frames *fs, bool vcpus, char *err, size_t errlen)
{
	struct xt_frame next;
	if (xt_gather(&next, vcpus, err, errlen) < 0)
		return -1;
	xt_frame_free(&fs->prev);
	fs->prev = fs->cur;
	fs->cur = next;
	xt_frame_cpu_pct(&fs->cur, fs->taken++ ? &fs->prev : NULL);
	return 0;
}

void xt_frames_free(struct xt_frames *fs)
{
	xt_frame_free(&fs->cur);
	xt_frame_free(&fs->prev);
}
