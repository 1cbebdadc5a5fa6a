#include "xenstore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"

int xenstore_setup(struct domain *d)
{
	struct xenstore_ring *x = calloc(1, sizeof(*x));
	if (!x) {
		log_err("out of memory for the XenStore ring");
		return -1;
	}
	x->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	x->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->xen.xenstore = x;
	if (x->kick_fd < 0 || x->notify_fd < 0) {
		log_err("eventfds for the XenStore ring: %s", strerror(errno));
		return -1;
	}
	void *page = guest_phys(&d->mem, SPECIAL_BASE + SPECIAL_XENSTORE * PAGE_SIZE, PAGE_SIZE);
	if (!page) {
		log_err("the XenStore ring page is outside guest memory");
		return -1;
	}
	memset(page, 0, PAGE_SIZE);
	int port = evtchn_open_eventfd_backend(d, x->kick_fd, x->notify_fd);
	if (port < 0)
		return -1;
	x->port = (uint32_t)port;
	d->xen.params[HVM_PARAM_STORE_PFN] = SPECIAL_PFN(SPECIAL_XENSTORE);
	d->xen.params[HVM_PARAM_STORE_EVTCHN] = x->port;
	return 0;
}

void xenstore_teardown(struct domain *d)
{
	struct xenstore_ring *x = d->xen.xenstore;
	if (!x)
		return;
	if (x->kick_fd >= 0)
		close(x->kick_fd);
	if (x->notify_fd >= 0)
		close(x->notify_fd);
	free(x);
	d->xen.xenstore = NULL;
}

int xenstore_ring_handover(struct domain *d, uint64_t gfn, uint32_t port, int fds[3], uint64_t *offset)
{
	struct xenstore_ring *x = d->xen.xenstore;
	if (!x || gfn != SPECIAL_PFN(SPECIAL_XENSTORE) || port != x->port)
		return -1;
	fds[0] = d->mem.fd;
	fds[1] = x->kick_fd;
	fds[2] = x->notify_fd;
	*offset = d->mem.ram_size + SPECIAL_XENSTORE * PAGE_SIZE;
	return 0;
}
