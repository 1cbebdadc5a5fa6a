#include "abi/evtchn.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "abi/guest_access.h"
#include "abi/xen_public.h"
#include "domain.h"
#include "log.h"
#include "vcpu.h"

static struct evtchn *port_of(struct domain *d, uint32_t port)
{
	/* Port 0 is never valid: Xen reserves it. */
	if (port == 0 || port >= EVTCHN_PORTS)
		return NULL;
	return &d->xen.evtchn.ports[port];
}

static struct shared_info *shared_info(struct domain *d)
{
	if (d->xen.shared_info_gfn == NO_GFN)
		return NULL;
	return guest_phys(&d->mem, d->xen.shared_info_gfn << PAGE_SHIFT, sizeof(struct shared_info));
}

static void clear_bit64(uint64_t *words, uint32_t bit)
{
	__atomic_fetch_and(&words[bit / 64], ~(1ull << (bit % 64)), __ATOMIC_SEQ_CST);
}

/* A free port, cleared of any pending state from an earlier life; or 0. */
static uint32_t alloc_port(struct domain *d, uint8_t state, uint32_t vcpu)
{
	struct shared_info *s = shared_info(d);
	for (uint32_t port = 1; port < EVTCHN_PORTS; port++) {
		struct evtchn *e = &d->xen.evtchn.ports[port];
		if (e->state != EVTCHNSTAT_closed)
			continue;
		*e = (struct evtchn){ .state = state, .vcpu = vcpu };
		if (s)
			clear_bit64((uint64_t *)s->evtchn_pending, port);
		return port;
	}
	return 0;
}

static int kvm_route_ipi(struct domain *d, uint32_t port, uint32_t vcpu, bool remove)
{
	struct kvm_xen_hvm_attr a = {
		.type = KVM_XEN_ATTR_TYPE_EVTCHN,
		.u.evtchn = {
			.send_port = port,
			.type = EVTCHNSTAT_ipi,
			.flags = remove ? KVM_XEN_EVTCHN_DEASSIGN : 0,
			.deliver.port = { .port = port, .vcpu = vcpu,
					  .priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL },
		},
	};
	return ioctl(d->vm_fd, KVM_XEN_HVM_SET_ATTR, &a) < 0 ? -errno : 0;
}

static int kvm_set_timer_port(struct vcpu *v, uint32_t port)
{
	struct kvm_xen_vcpu_attr a = {
		.type = KVM_XEN_VCPU_ATTR_TYPE_TIMER,
		.u.timer = { .port = port, .priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL },
	};
	return vcpu_set_xen_attr(v, &a);
}

int evtchn_open_backend(struct domain *d, evtchn_notify_fn notify, void *opaque)
{
	pthread_mutex_lock(&d->lock);
	uint32_t port = alloc_port(d, EVTCHNSTAT_interdomain, 0);
	if (port) {
		d->xen.evtchn.ports[port].notify = notify;
		d->xen.evtchn.ports[port].opaque = opaque;
	}
	pthread_mutex_unlock(&d->lock);
	return port ? (int)port : -1;
}

static int kvm_route_send_to_eventfd(struct domain *d, uint32_t port, int fd, bool remove)
{
	struct kvm_xen_hvm_attr a = {
		.type = KVM_XEN_ATTR_TYPE_EVTCHN,
		.u.evtchn = {
			.send_port = port,
			.type = EVTCHNSTAT_interdomain,
			.flags = remove ? KVM_XEN_EVTCHN_DEASSIGN : 0,
			.deliver.eventfd = { .port = 0, .fd = fd },
		},
	};
	return ioctl(d->vm_fd, KVM_XEN_HVM_SET_ATTR, &a) < 0 ? -errno : 0;
}

/* Gives `port` a GSI of its own and raises it from `fd` (KVM_IRQFD). */
static int kvm_irqfd_to_port(struct domain *d, uint32_t port, int fd)
{
	struct evtchn_table *t = &d->xen.evtchn;
	if (t->nr_irqfd_routes >= EVTCHN_MAX_IRQFDS)
		return -ENOSPC;
	uint32_t gsi = t->nr_irqfd_routes;
	t->irqfd_routes[gsi] = (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_XEN_EVTCHN,
		.u.xen_evtchn = { .port = port, .vcpu = 0,
				  .priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL },
	};
	/* KVM takes the whole routing table at once. */
	struct {
		struct kvm_irq_routing table;
		struct kvm_irq_routing_entry entries[EVTCHN_MAX_IRQFDS];
	} routing = { .table = { .nr = gsi + 1 } };
	memcpy(routing.entries, t->irqfd_routes, (gsi + 1) * sizeof(routing.entries[0]));
	if (ioctl(d->vm_fd, KVM_SET_GSI_ROUTING, &routing) < 0)
		return -errno;
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = gsi };
	if (ioctl(d->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return -errno;
	t->nr_irqfd_routes++;
	return 0;
}

int evtchn_open_eventfd_backend(struct domain *d, int kick_fd, int notify_fd)
{
	pthread_mutex_lock(&d->lock);
	uint32_t port = alloc_port(d, EVTCHNSTAT_interdomain, 0);
	int err = port ? kvm_route_send_to_eventfd(d, port, kick_fd, false) : -ENOSPC;
	if (!err) {
		err = kvm_irqfd_to_port(d, port, notify_fd);
		if (err)
			kvm_route_send_to_eventfd(d, port, kick_fd, true);
	}
	if (err) {
		log_err("routing event channel %u to eventfds: %s", port, strerror(-err));
		if (port)
			d->xen.evtchn.ports[port].state = EVTCHNSTAT_closed;
		pthread_mutex_unlock(&d->lock);
		return -1;
	}
	d->xen.evtchn.ports[port].kvm_send = true;
	pthread_mutex_unlock(&d->lock);
	return (int)port;
}

int evtchn_bind_backend_eventfd(struct domain *d, uint32_t port, int kick_fd)
{
	pthread_mutex_lock(&d->lock);
	struct evtchn *e = port_of(d, port);
	int err = !e || e->state != EVTCHNSTAT_unbound ? -EINVAL : kvm_route_send_to_eventfd(d, port, kick_fd, false);
	if (!err) {
		e->state = EVTCHNSTAT_interdomain;
		e->kvm_send = true;
	}
	pthread_mutex_unlock(&d->lock);
	if (err)
		log_err("binding the guest's event channel %u: %s", port,
			err == -EINVAL ? "it is not an unbound port" : strerror(-err));
	return err ? -1 : 0;
}

void evtchn_unbind_backend_eventfd(struct domain *d, uint32_t port)
{
	pthread_mutex_lock(&d->lock);
	struct evtchn *e = port_of(d, port);
	/* The guest may have closed it meanwhile, and even reused the number. */
	if (e && e->state == EVTCHNSTAT_interdomain && e->kvm_send && !e->notify) {
		kvm_route_send_to_eventfd(d, port, -1, true);
		e->state = EVTCHNSTAT_unbound;
		e->kvm_send = false;
	}
	pthread_mutex_unlock(&d->lock);
}

void evtchn_log_state(struct domain *d)
{
	struct shared_info *s = shared_info(d);
	for (uint32_t port = 1; port < EVTCHN_PORTS; port++) {
		struct evtchn *e = &d->xen.evtchn.ports[port];
		if (e->state == EVTCHNSTAT_closed)
			continue;
		uint64_t bit = 1ull << (port % 64);
		log_info("port %u: state %u vcpu %u virq %u pending %d masked %d", port, e->state, e->vcpu,
			 e->virq, s ? !!(((uint64_t *)s->evtchn_pending)[port / 64] & bit) : -1,
			 s ? !!(((uint64_t *)s->evtchn_mask)[port / 64] & bit) : -1);
	}
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu *v = &d->vcpus[i];
		struct vcpu_info *vi = v->vcpu_info_gpa ? guest_phys(&d->mem, v->vcpu_info_gpa, sizeof(*vi)) : NULL;
		if (vi)
			log_info("vCPU %u: vcpu_info at 0x%llx: upcall pending %u mask %u, selector 0x%llx", i,
				 (unsigned long long)v->vcpu_info_gpa, vi->evtchn_upcall_pending,
				 vi->evtchn_upcall_mask, (unsigned long long)vi->evtchn_pending_sel);
	}
}

int evtchn_notify_guest(struct domain *d, uint32_t port)
{
	struct kvm_irq_routing_xen_evtchn e = {
		.port = port,
		.vcpu = d->xen.evtchn.ports[port].vcpu,
		.priority = KVM_IRQ_ROUTING_XEN_EVTCHN_PRIO_2LEVEL,
	};
	if (ioctl(d->vm_fd, KVM_XEN_HVM_EVTCHN_SEND, &e) < 0)
		return -errno;
	return 0;
}

/* EVTCHNOP_unmask, as Xen does it: clear the mask; if the port is pending,
 * set its word in the notified vCPU's selector and mark an upcall pending,
 * which KVM delivers on that vCPU's next entry (kicked, if it is not the
 * caller). A guest unmasks this way when the port is already pending. */
static long unmask(struct vcpu *caller, uint32_t port)
{
	struct domain *d = caller->dom;
	struct shared_info *s = shared_info(d);
	struct evtchn *e = port_of(d, port);
	if (!e)
		return -EINVAL;
	if (!s || e->vcpu >= d->nr_vcpus)
		return 0;
	uint64_t *mask = &((uint64_t *)s->evtchn_mask)[port / 64];
	uint64_t *pending = &((uint64_t *)s->evtchn_pending)[port / 64];
	uint64_t bit = 1ull << (port % 64);
	uint64_t was_masked = __atomic_fetch_and(mask, ~bit, __ATOMIC_SEQ_CST) & bit;
	uint64_t is_pending = __atomic_load_n(pending, __ATOMIC_SEQ_CST) & bit;
	if (!was_masked || !is_pending)
		return 0;
	struct vcpu *target = &d->vcpus[e->vcpu];
	struct vcpu_info *vi = target->vcpu_info_gpa ?
		guest_phys(&d->mem, target->vcpu_info_gpa, sizeof(*vi)) : NULL;
	if (!vi)
		return 0;
	uint64_t word = 1ull << (port / 64);
	if (__atomic_fetch_or(&vi->evtchn_pending_sel, word, __ATOMIC_SEQ_CST) & word)
		return 0; /* the guest will find it with the rest of its word */
	__atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	if (target != caller)
		vcpu_kick(target);
	return 0;
}

static long bind_virq(struct vcpu *v, struct evtchn_bind_virq *op)
{
	struct domain *d = v->dom;
	if (op->virq >= NR_VIRQS || op->vcpu >= d->nr_vcpus)
		return -EINVAL;
	if (d->xen.evtchn.virq_port[op->vcpu][op->virq])
		return -EEXIST;
	uint32_t port = alloc_port(d, EVTCHNSTAT_virq, op->vcpu);
	if (!port)
		return -ENOSPC;
	d->xen.evtchn.ports[port].virq = op->virq;
	if (op->virq == VIRQ_TIMER) {
		int err = kvm_set_timer_port(&d->vcpus[op->vcpu], port);
		if (err) {
			d->xen.evtchn.ports[port].state = EVTCHNSTAT_closed;
			return err;
		}
	}
	d->xen.evtchn.virq_port[op->vcpu][op->virq] = port;
	op->port = port;
	return 0;
}

static long bind_ipi(struct vcpu *v, struct evtchn_bind_ipi *op)
{
	struct domain *d = v->dom;
	if (op->vcpu >= d->nr_vcpus)
		return -EINVAL;
	uint32_t port = alloc_port(d, EVTCHNSTAT_ipi, op->vcpu);
	if (!port)
		return -ENOSPC;
	int err = kvm_route_ipi(d, port, op->vcpu, false);
	if (err) {
		d->xen.evtchn.ports[port].state = EVTCHNSTAT_closed;
		return err;
	}
	op->port = port;
	return 0;
}

static long close_port(struct vcpu *v, uint32_t port)
{
	struct domain *d = v->dom;
	struct evtchn *e = port_of(d, port);
	if (!e || e->state == EVTCHNSTAT_closed)
		return -EINVAL;
	if (e->state == EVTCHNSTAT_virq) {
		d->xen.evtchn.virq_port[e->vcpu][e->virq] = 0;
		if (e->virq == VIRQ_TIMER)
			kvm_set_timer_port(&d->vcpus[e->vcpu], 0);
	} else if (e->state == EVTCHNSTAT_ipi) {
		kvm_route_ipi(d, port, e->vcpu, true);
	} else if (e->kvm_send) {
		kvm_route_send_to_eventfd(d, port, -1, true); /* the backend hears no more */
	}
	*e = (struct evtchn){ .state = EVTCHNSTAT_closed };
	return 0;
}

/* Runs without the domain lock: a backend's notify may block on output. */
static long send(struct vcpu *v, uint32_t port)
{
	struct domain *d = v->dom;
	pthread_mutex_lock(&d->lock);
	struct evtchn *e = port_of(d, port);
	struct evtchn copy = e ? *e : (struct evtchn){ .state = EVTCHNSTAT_closed };
	pthread_mutex_unlock(&d->lock);
	if (!e)
		return -EINVAL;
	switch (copy.state) {
	case EVTCHNSTAT_interdomain:
		if (copy.notify)
			copy.notify(copy.opaque);
		return 0;
	case EVTCHNSTAT_ipi:
		/* KVM delivers IPIs itself; one reaching us is delivered here. */
		return evtchn_notify_guest(d, port);
	case EVTCHNSTAT_unbound:
		return 0;
	default:
		return -EINVAL;
	}
}

static long status(struct vcpu *v, struct evtchn_status *op)
{
	struct evtchn *e = port_of(v->dom, op->port);
	if (!xen_is_self(v->dom, op->dom))
		return -ESRCH;
	if (!e)
		return -EINVAL;
	op->status = e->state;
	op->vcpu = e->vcpu;
	memset(&op->u, 0, sizeof(op->u));
	if (e->state == EVTCHNSTAT_virq)
		op->u.virq = e->virq;
	else if (e->state == EVTCHNSTAT_interdomain)
		op->u.interdomain.dom = 0; /* our backends stand in for domain 0 */
	return 0;
}

static long bind_vcpu(struct vcpu *v, struct evtchn_bind_vcpu *op)
{
	struct domain *d = v->dom;
	struct evtchn *e = port_of(d, op->port);
	if (!e || op->vcpu >= d->nr_vcpus)
		return -EINVAL;
	if (e->state == EVTCHNSTAT_virq || e->state == EVTCHNSTAT_ipi)
		return -EINVAL; /* Xen binds these to their vCPU for good */
	if (e->state == EVTCHNSTAT_closed)
		return -EINVAL;
	e->vcpu = op->vcpu;
	return 0;
}

static long alloc_unbound(struct vcpu *v, struct evtchn_alloc_unbound *op)
{
	struct domain *d = v->dom;
	if (!xen_is_self(d, op->dom))
		return -EPERM;
	uint32_t port = alloc_port(d, EVTCHNSTAT_unbound, 0);
	if (!port)
		return -ENOSPC;
	op->port = port;
	return 0;
}

/* The argument structures by operation, and their sizes. */
union evtchn_args {
	struct evtchn_bind_virq bind_virq;
	struct evtchn_bind_ipi bind_ipi;
	struct evtchn_close close;
	struct evtchn_send send;
	struct evtchn_status status;
	struct evtchn_unmask unmask;
	struct evtchn_bind_vcpu bind_vcpu;
	struct evtchn_alloc_unbound alloc_unbound;
};

static size_t args_size(uint64_t cmd)
{
	switch (cmd) {
	case EVTCHNOP_bind_virq: return sizeof(struct evtchn_bind_virq);
	case EVTCHNOP_bind_ipi: return sizeof(struct evtchn_bind_ipi);
	case EVTCHNOP_close: return sizeof(struct evtchn_close);
	case EVTCHNOP_send: return sizeof(struct evtchn_send);
	case EVTCHNOP_status: return sizeof(struct evtchn_status);
	case EVTCHNOP_unmask: return sizeof(struct evtchn_unmask);
	case EVTCHNOP_bind_vcpu: return sizeof(struct evtchn_bind_vcpu);
	case EVTCHNOP_alloc_unbound: return sizeof(struct evtchn_alloc_unbound);
	default: return 0;
	}
}

long hypercall_event_channel_op(struct vcpu *v, const uint64_t *args)
{
	struct domain *d = v->dom;
	uint64_t cmd = args[0];
	size_t size = args_size(cmd);
	union evtchn_args op;
	long r;

	/* FIFO event channels (init_control, expand_array, set_priority) are not
	 * offered: Linux falls back to the 2-level ABI. */
	if (cmd == EVTCHNOP_init_control || cmd == EVTCHNOP_expand_array || cmd == EVTCHNOP_set_priority)
		return -ENOSYS;
	if (!size)
		return HYPERCALL_UNKNOWN;
	if (copy_from_guest(v, args[1], &op, size) < 0)
		return -EFAULT;
	if (cmd == EVTCHNOP_send)
		return send(v, op.send.port);

	pthread_mutex_lock(&d->lock);
	switch (cmd) {
	case EVTCHNOP_bind_virq: r = bind_virq(v, &op.bind_virq); break;
	case EVTCHNOP_bind_ipi: r = bind_ipi(v, &op.bind_ipi); break;
	case EVTCHNOP_close: r = close_port(v, op.close.port); break;
	case EVTCHNOP_status: r = status(v, &op.status); break;
	case EVTCHNOP_bind_vcpu: r = bind_vcpu(v, &op.bind_vcpu); break;
	case EVTCHNOP_alloc_unbound: r = alloc_unbound(v, &op.alloc_unbound); break;
	case EVTCHNOP_unmask: r = unmask(v, op.unmask.port); break;
	default: r = HYPERCALL_UNKNOWN; break;
	}
	pthread_mutex_unlock(&d->lock);

	if (r == 0 && copy_to_guest(v, args[1], &op, size) < 0)
		return -EFAULT;
	return r;
}
