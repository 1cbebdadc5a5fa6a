/* A vCPU's registers, read on its own thread for whoever asks (vcpu_state.h).
 *
 * Locks: the request is posted and answered under the vCPU's queue_lock;
 * the reader takes the domain's lock only after letting go of queue_lock,
 * because hypercall handlers holding the domain's lock queue attributes
 * under queue_lock (vcpu_set_xen_attr): the other order could deadlock. */
#include "vcpu_state.h"

#include <errno.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>

#include "domain.h"

struct vcpu_state_request {
	struct vcpu_state *out;
	int err;
	bool done;
	pthread_cond_t answered; /* signalled under queue_lock */
};

static int read_state(struct vcpu *v, struct vcpu_state *out)
{
	if (ioctl(v->fd, KVM_GET_REGS, &out->regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &out->sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &out->mp_state) < 0)
		return -errno;
	return 0;
}

bool vcpu_state_requested(struct vcpu *v)
{
	return __atomic_load_n(&v->state_request, __ATOMIC_ACQUIRE) != NULL;
}

/* Under queue_lock. */
static void answer(struct vcpu *v)
{
	struct vcpu_state_request *r = v->state_request;
	if (!r)
		return;
	r->err = read_state(v, r->out);
	r->done = true;
	__atomic_store_n(&v->state_request, NULL, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&r->answered);
}

void vcpu_state_serve(struct vcpu *v)
{
	if (!vcpu_state_requested(v))
		return; /* before every KVM_RUN: the usual case takes no lock */
	pthread_mutex_lock(&v->queue_lock);
	answer(v);
	pthread_mutex_unlock(&v->queue_lock);
}

void vcpu_state_thread_begin(struct vcpu *v, int tid)
{
	pthread_mutex_lock(&v->queue_lock);
	atomic_store(&v->tid, tid);
	v->thread_ended = false; /* a domain that resumed after a suspend */
	pthread_mutex_unlock(&v->queue_lock);
}

void vcpu_state_thread_end(struct vcpu *v)
{
	pthread_mutex_lock(&v->queue_lock);
	answer(v);
	v->thread_ended = true;
	pthread_mutex_unlock(&v->queue_lock);
}

/* Gets the thread out of KVM_RUN, or out of the pause wait. */
static void wake(struct vcpu *v)
{
	struct domain *d = v->dom;
	vcpu_kick(v);
	pthread_mutex_lock(&d->lock);
	pthread_cond_broadcast(&d->pause_cond);
	pthread_mutex_unlock(&d->lock);
}

int vcpu_state_get(struct vcpu *v, struct vcpu_state *out)
{
	pthread_mutex_lock(&v->queue_lock);
	if (!atomic_load(&v->tid) || v->thread_ended) {
		/* No thread can enter KVM_RUN while we hold queue_lock. */
		int err = read_state(v, out);
		pthread_mutex_unlock(&v->queue_lock);
		return err;
	}
	if (v->state_request) {
		pthread_mutex_unlock(&v->queue_lock);
		return -EBUSY;
	}
	struct vcpu_state_request req = { .out = out };
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&req.answered, &attr);
	pthread_condattr_destroy(&attr);
	__atomic_store_n(&v->state_request, &req, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&v->queue_lock);

	wake(v);

	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += VCPU_STATE_TIMEOUT_S;
	pthread_mutex_lock(&v->queue_lock);
	int rc = 0;
	while (!req.done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&req.answered, &v->queue_lock, &deadline);
	if (!req.done) {
		__atomic_store_n(&v->state_request, NULL, __ATOMIC_RELEASE);
		req.err = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&v->queue_lock);
	pthread_cond_destroy(&req.answered);
	return req.err;
}
