/* What serves one shared ring of a backend, beside the ring itself: the
 * frontend's event channel, bound so that its sends signal an eventfd
 * inside KVM (they never reach a vCPU thread), an eventfd that asks the
 * ring's thread to end, and the thread. blkif_ring.c and netif_queue.c
 * each have one per ring (or queue). */
#ifndef XENON_BACKENDS_RING_THREAD_H
#define XENON_BACKENDS_RING_THREAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct domain;

struct ring_thread {
	struct domain *dom;
	uint32_t port;  /* the frontend's; 0 while not bound */
	int kick_fd;    /* KVM signals it when the frontend sends on `port` */
	int stop_fd;    /* readable once ring_thread_stop is called */
	pthread_t thread;
	bool started;
};

/* Nothing made yet: what ring_thread_stop may be called on. */
void ring_thread_clear(struct ring_thread *t, struct domain *dom);
/* Makes the eventfds and binds the frontend's unbound `port` to kick_fd.
 * 0, or -1 with ERR (nothing is left made). */
int ring_thread_bind(struct ring_thread *t, uint32_t port, char *err, size_t errlen);
/* Runs serve(arg) on the thread. 0, or -1 with ERR. */
int ring_thread_start(struct ring_thread *t, void *(*serve)(void *), void *arg, char *err, size_t errlen);
/* Asks the thread to end and waits for it (if it runs), then unbinds the
 * port and closes the eventfds. */
void ring_thread_stop(struct ring_thread *t, const char *name);

#endif
