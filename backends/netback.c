#include "netback.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "log.h"
#include "netif_queue.h"
#include "tap.h"
#include "xenbus.h"

#define MAC_TEXT 18

struct vif {
	struct xenbus_device xb; /* first: the handshake's callbacks get this back */
	struct domain *dom;
	uint32_t devid;
	char mac[MAC_TEXT];
	struct tap tap;
	unsigned max_queues;
	struct vif_stats stats;
	struct vif_rate rate;
	bool rate_limited;
	unsigned nr_queues;
	struct netif_queue queues[TAP_MAX_QUEUES];
	struct vif *next;
};

static struct vif *find(struct domain *d, uint32_t devid)
{
	for (struct vif *v = d->xen.vifs; v; v = v->next)
		if (v->devid == devid)
			return v;
	return NULL;
}

static void disconnect(struct xenbus_device *xb)
{
	struct vif *v = (struct vif *)xb;
	for (unsigned i = 0; i < v->nr_queues; i++)
		netif_queue_stop(&v->queues[i]);
	if (v->nr_queues) {
		tap_set_carrier(&v->tap, false);
		log_info("vif %s: disconnected", v->tap.name);
	}
	v->nr_queues = 0;
	/* Queues a failed connect opened too; the first keeps the device. */
	tap_set_queues(&v->tap, 1);
}

static void free_vif(struct vif *v)
{
	pthread_mutex_destroy(&v->rate.lock);
	free(v);
}

/* Forgets the vif: its queues, its TAP device, its place in the list. */
static void forget(struct xenbus_device *xb)
{
	struct vif *v = (struct vif *)xb;
	disconnect(xb);
	xenbus_remove(&v->xb);
	for (struct vif **link = &v->dom->xen.vifs; *link; link = &(*link)->next) {
		if (*link == v) {
			*link = v->next;
			break;
		}
	}
	log_info("vif %s: removed", v->tap.name);
	tap_close(&v->tap);
	free_vif(v);
}

static bool frontend_flag(struct vif *v, const char *node)
{
	unsigned long value = 0;
	return xenbus_read_frontend_uint(&v->xb, node, &value) && value == 1;
}

/* Reads queue `q`'s ring grants and port ("queue-N/" under the frontend
 * when it asked for several queues) and starts serving it. */
static int connect_queue(struct vif *v, unsigned q, unsigned nr_queues, const struct netif_features *features)
{
	char prefix[16] = "", node[48], name[48];
	if (nr_queues > 1)
		snprintf(prefix, sizeof(prefix), "queue-%u/", q);
	static const char *const nodes[] = { "tx-ring-ref", "rx-ring-ref", "event-channel" };
	unsigned long values[3];
	for (int i = 0; i < 3; i++) {
		snprintf(node, sizeof(node), "%s%s", prefix, nodes[i]);
		if (!xenbus_read_frontend_uint(&v->xb, node, &values[i]) || values[i] > UINT32_MAX) {
			xenbus_error(&v->xb, "reading %s/%s: missing or not a number", v->xb.frontend, node);
			return -1;
		}
	}
	struct netif_queue_rings rings = { .tx_ref = (uint32_t)values[0], .rx_ref = (uint32_t)values[1],
					   .port = (uint32_t)values[2] };
	if (nr_queues > 1)
		snprintf(name, sizeof(name), "vif %s queue %u", v->tap.name, q);
	else
		snprintf(name, sizeof(name), "vif %s", v->tap.name);
	char err[160];
	if (netif_queue_start(&v->queues[q], v->dom, name, &rings, features, v->tap.fds[q], &v->stats,
			      v->rate_limited ? &v->rate : NULL, err, sizeof(err)) < 0) {
		xenbus_error(&v->xb, "%s: %s", name, err);
		return -1;
	}
	v->nr_queues++;
	return 0;
}

/* What the frontend takes, from its feature-* nodes, and the offloads
 * the TAP device may hand us for it accordingly. */
static unsigned read_features(struct vif *v, struct netif_features *f)
{
	f->sg = frontend_flag(v, "feature-sg");
	f->gso_tcpv4 = frontend_flag(v, "feature-gso-tcpv4");
	f->gso_tcpv6 = frontend_flag(v, "feature-gso-tcpv6");
	/* IPv4 checksums are left to the frontend unless it says no; IPv6's
	 * only if it says yes. The TAP device offers both or neither. */
	f->csum = !frontend_flag(v, "feature-no-csum-offload") && frontend_flag(v, "feature-ipv6-csum-offload");
	unsigned offloads = 0;
	if (f->csum) {
		offloads |= TUN_F_CSUM;
		if (f->sg && f->gso_tcpv4)
			offloads |= TUN_F_TSO4;
		if (f->sg && f->gso_tcpv6)
			offloads |= TUN_F_TSO6;
	}
	return offloads;
}

/* The frontend has published its rings: take them, as Linux's netback
 * connect does. */
static int connect_rings(struct xenbus_device *xb)
{
	struct vif *v = (struct vif *)xb;
	unsigned long copy = 0, queues = 1;
	if (!xenbus_read_frontend_uint(xb, "request-rx-copy", &copy) || copy != 1) {
		xenbus_error(xb, "the frontend does not ask for receive by copy (request-rx-copy), the only "
				 "receive path offered");
		return -1;
	}
	if (xenbus_read_frontend_uint(xb, "multi-queue-num-queues", &queues) &&
	    (queues == 0 || queues > v->max_queues)) {
		xenbus_error(xb, "the frontend asks for %lu queues; at most %u are offered", queues, v->max_queues);
		return -1;
	}
	struct netif_features features;
	unsigned offloads = read_features(v, &features);
	if (tap_set_queues(&v->tap, (unsigned)queues) < 0 || tap_set_offload(&v->tap, offloads) < 0) {
		xenbus_error(xb, "cannot set up %lu queues on %s: %s", queues, v->tap.name, strerror(errno));
		return -1;
	}
	for (unsigned q = 0; q < queues; q++) {
		if (connect_queue(v, q, (unsigned)queues, &features) < 0) {
			disconnect(xb);
			return -1;
		}
	}
	tap_set_carrier(&v->tap, true);
	log_info("vif %s: connected, %lu queue%s, guest %s%s%s%s", v->tap.name, queues, queues == 1 ? "" : "s",
		 v->mac, features.sg ? ", scatter-gather" : "", features.csum ? ", checksum offload" : "",
		 offloads & (TUN_F_TSO4 | TUN_F_TSO6) ? ", TSO" : "");
	return 0;
}

static unsigned host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > TAP_MAX_QUEUES ? TAP_MAX_QUEUES : (unsigned)n;
}

/* What the vif offers, in the backend folder, then InitWait: the frontend
 * reads it there before it makes its rings. */
static int publish(struct vif *v)
{
	struct xenbus_device *xb = &v->xb;
	int r = xenbus_printf(xb, "feature-sg", "1") | xenbus_printf(xb, "feature-gso-tcpv4", "1") |
		xenbus_printf(xb, "feature-gso-tcpv6", "1") | xenbus_printf(xb, "feature-ipv6-csum-offload", "1") |
		xenbus_printf(xb, "feature-rx-copy", "1") | xenbus_printf(xb, "feature-rx-flip", "0") |
		xenbus_printf(xb, "multi-queue-max-queues", "%u", v->max_queues);
	return r | xenbus_switch_state(xb, XenbusStateInitWait);
}

static bool path_fits(const char *path)
{
	return path && strlen(path) < XENBUS_PATH_MAX;
}

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000 + (uint64_t)t.tv_nsec / 1000;
}

static struct vif *make_vif(struct domain *d, const struct netback_attach_request *req)
{
	struct vif *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	*v = (struct vif){ .dom = d, .devid = req->devid, .max_queues = host_cpus() };
	snprintf(v->mac, sizeof(v->mac), "%s", req->mac ? req->mac : "");
	snprintf(v->xb.backend, sizeof(v->xb.backend), "%s", req->backend);
	snprintf(v->xb.frontend, sizeof(v->xb.frontend), "%s", req->frontend);
	v->xb.connect = connect_rings;
	v->xb.disconnect = disconnect;
	v->xb.forget = forget;
	pthread_mutex_init(&v->rate.lock, NULL);
	v->rate_limited = req->rate_bytes > 0;
	if (v->rate_limited)
		rate_limit_init(&v->rate.limit, req->rate_bytes, req->rate_interval_us, now_us());
	return v;
}

int netback_attach(struct domain *d, const struct netback_attach_request *req, char *err, size_t errlen)
{
	if (!path_fits(req->backend) || !path_fits(req->frontend) || !req->ifname) {
		snprintf(err, errlen, "vif %u: its XenStore paths or device name are missing or too long", req->devid);
		return -1;
	}
	if (req->rate_bytes && !req->rate_interval_us) {
		snprintf(err, errlen, "vif %u: a rate needs an interval", req->devid);
		return -1;
	}
	xenbus_lock();
	if (find(d, req->devid)) {
		xenbus_unlock();
		snprintf(err, errlen, "domain %u already has a vif %u", d->cfg.domid, req->devid);
		return -1;
	}
	struct vif *v = make_vif(d, req);
	if (!v) {
		xenbus_unlock();
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tap_open(&v->tap, req->ifname, err, errlen) < 0) {
		free_vif(v);
		xenbus_unlock();
		return -1;
	}
	if (xenbus_open() < 0 || publish(v) < 0 || xenbus_add(&v->xb) < 0) {
		snprintf(err, errlen, "vif %s: cannot publish it in XenStore at %s: %s", v->tap.name, v->xb.backend,
			 strerror(errno));
		tap_close(&v->tap);
		free_vif(v);
		xenbus_unlock();
		return -1;
	}
	v->next = d->xen.vifs;
	d->xen.vifs = v;
	if (v->rate_limited)
		log_info("vif %s (%u): guest %s, sends at most %llu bytes each %u us", v->tap.name, v->devid, v->mac,
			 (unsigned long long)req->rate_bytes, req->rate_interval_us);
	else
		log_info("vif %s (%u): guest %s", v->tap.name, v->devid, v->mac);
	xenbus_unlock();
	return 0;
}

int netback_detach(struct domain *d, uint32_t devid, bool force, char *err, size_t errlen)
{
	xenbus_lock();
	struct vif *v = find(d, devid);
	if (!v) {
		xenbus_unlock();
		snprintf(err, errlen, "domain %u has no vif %u", d->cfg.domid, devid);
		return -1;
	}
	xenbus_detach(&v->xb, force);
	xenbus_unlock();
	return 0;
}

void netback_for_each(struct domain *d, void (*visit)(void *opaque, const struct netback_vif_info *vif),
		      void *opaque)
{
	xenbus_lock();
	for (struct vif *v = d->xen.vifs; v; v = v->next) {
		struct vif_stats *s = &v->stats;
		struct netback_vif_info info = {
			.devid = v->devid, .ifname = v->tap.name, .mac = v->mac, .state = v->xb.state,
			.queues = v->nr_queues, .tx_packets = s->tx_packets, .tx_bytes = s->tx_bytes,
			.tx_drops = s->tx_drops, .rx_packets = s->rx_packets, .rx_bytes = s->rx_bytes,
			.rx_drops = s->rx_drops,
		};
		visit(opaque, &info);
	}
	xenbus_unlock();
}

void netback_teardown(struct domain *d)
{
	xenbus_lock();
	while (d->xen.vifs)
		forget(&d->xen.vifs->xb);
	xenbus_unlock();
}
