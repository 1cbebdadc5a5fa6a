#include "ring_thread.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "abi/evtchn.h"
#include "log.h"

void ring_thread_clear(struct ring_thread *t, struct domain *dom)
{
	*t = (struct ring_thread){ .dom = dom, .kick_fd = -1, .stop_fd = -1 };
}

static void release(struct ring_thread *t)
{
	if (t->port)
		evtchn_unbind_backend_eventfd(t->dom, t->port);
	if (t->kick_fd >= 0)
		close(t->kick_fd);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	ring_thread_clear(t, t->dom);
}

int ring_thread_bind(struct ring_thread *t, uint32_t port, char *err, size_t errlen)
{
	t->kick_fd = eventfd(0, EFD_CLOEXEC);
	t->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (t->kick_fd < 0 || t->stop_fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		release(t);
		return -1;
	}
	if (evtchn_bind_backend_eventfd(t->dom, port, t->kick_fd) < 0) {
		snprintf(err, errlen, "binding its event channel %u: not an unbound port of the guest's", port);
		release(t);
		return -1;
	}
	t->port = port;
	return 0;
}

int ring_thread_start(struct ring_thread *t, void *(*serve)(void *), void *arg, char *err, size_t errlen)
{
	int e = pthread_create(&t->thread, NULL, serve, arg);
	if (e) {
		snprintf(err, errlen, "its thread: %s", strerror(e));
		return -1;
	}
	t->started = true;
	return 0;
}

void ring_thread_stop(struct ring_thread *t, const char *name)
{
	if (t->started) {
		uint64_t one = 1;
		if (write(t->stop_fd, &one, sizeof(one)) < 0)
			log_warn("%s: asking its thread to stop: %s", name, strerror(errno));
		pthread_join(t->thread, NULL);
	}
	release(t);
}
