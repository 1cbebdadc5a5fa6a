#include "control.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/control.h"
#include "backends/blkback.h"
#include "backends/netback.h"
#include "backends/console.h"
#include "backends/xenstore.h"
#include "log.h"
#include "precopy.h"
#include "save.h"
#include "vcpu_control.h"

#define MAX_CLIENTS 16

struct client {
	int fd;
	bool watching;
};

static struct {
	struct domain *dom;
	char path[256];
	int listen_fd;
	int wake_fd;               /* the domain ended, or the server must stop */
	pthread_t thread;
	bool started;
	struct client clients[MAX_CLIENTS];
	unsigned nclients;
	pthread_mutex_t lock;
	pthread_cond_t released_cond;
	bool released;             /* destroy asked for: the process may end */
	bool resume;               /* ... or, after a suspend, the domain goes on */
	bool stopping;
	bool incoming;             /* migrated in, not yet unpaused (await_commit) */
	pthread_cond_t commit_cond;
	bool restoring;            /* its image still loads (control_server_restored) */
	bool restore_failed;
	_Atomic int ended;         /* enum domain_end, END_NONE while it runs */
} server = { .listen_fd = -1, .wake_fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER,
	     .released_cond = PTHREAD_COND_INITIALIZER, .commit_cond = PTHREAD_COND_INITIALIZER, .ended = END_NONE };

const char *domain_end_name(enum domain_end why)
{
	switch (why) {
	case END_POWEROFF: return "poweroff";
	case END_REBOOT: return "reboot";
	case END_SUSPEND: return "suspend";
	case END_CRASH: return "crash";
	case END_WATCHDOG: return "watchdog";
	case END_DESTROY: return "destroy";
	default: return "none";
	}
}

static json_int_t cpu_time_ns(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return ((json_int_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((json_int_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static void describe_vbd(void *opaque, const struct blkback_vbd_info *v)
{
	json_array_append_new(
		opaque, json_pack("{s:i, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "devid",
				  (int)v->devid, "vdev", v->vdev, "kind", vbd_kind_name(v->kind), "target", v->target,
				  "mode", vbd_mode_name(v->mode), "state", v->state, "rd_req", (json_int_t)v->rd_req,
				  "wr_req", (json_int_t)v->wr_req, "f_req", (json_int_t)v->f_req, "ds_req",
				  (json_int_t)v->ds_req, "oo_req", (json_int_t)v->oo_req, "rd_sect",
				  (json_int_t)v->rd_sect, "wr_sect", (json_int_t)v->wr_sect, "errors",
				  (json_int_t)v->errors));
}

static void describe_vif(void *opaque, const struct netback_vif_info *v)
{
	json_array_append_new(
		opaque, json_pack("{s:i, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "devid", (int)v->devid,
				  "ifname", v->ifname, "mac", v->mac, "state", v->state, "queues", (int)v->queues,
				  "tx_packets", (json_int_t)v->tx_packets, "tx_bytes", (json_int_t)v->tx_bytes,
				  "tx_drops", (json_int_t)v->tx_drops, "rx_packets", (json_int_t)v->rx_packets,
				  "rx_bytes", (json_int_t)v->rx_bytes, "rx_drops", (json_int_t)v->rx_drops));
}

static void reply_info(int fd)
{
	struct domain *d = server.dom;
	int ended = atomic_load(&server.ended);
	const char *state = ended != END_NONE ? "shutdown" : atomic_load(&d->paused) ? "paused" : "running";
	json_t *r = json_pack("{s:i, s:s, s:s, s:I, s:i, s:I, s:i}", "domid", (int)d->cfg.domid, "name",
			      d->cfg.name, "state", state, "memory_mb", (json_int_t)d->cfg.memory_mb,
			      "vcpus", (int)d->cfg.vcpus, "cpu_ns", cpu_time_ns(), "pid", (int)getpid());
	if (ended != END_NONE)
		json_object_set_new(r, "reason", json_string(domain_end_name((enum domain_end)ended)));
	const char *tty = console_tty(d);
	if (tty)
		json_object_set_new(r, "tty", json_string(tty));
	static const struct { const char *name; int param; } params[] = {
		{ "store_gfn", HVM_PARAM_STORE_PFN }, { "store_port", HVM_PARAM_STORE_EVTCHN },
		{ "console_gfn", HVM_PARAM_CONSOLE_PFN }, { "console_port", HVM_PARAM_CONSOLE_EVTCHN },
	};
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		json_object_set_new(r, params[i].name, json_integer((json_int_t)d->xen.params[params[i].param]));
	json_object_set_new(r, "vcpu_running", json_boolean(domain_vcpu_running(d)));
	pthread_mutex_lock(&server.lock);
	json_object_set_new(r, "incoming", json_boolean(server.incoming));
	pthread_mutex_unlock(&server.lock);
	uint64_t populated, max_pages;
	guest_memory_reservation(&d->mem, &populated, &max_pages);
	json_object_set_new(r, "populated", json_integer((json_int_t)populated));
	json_object_set_new(r, "max", json_integer((json_int_t)max_pages));
	json_object_set_new(r, "memory_kb", json_integer((json_int_t)(populated << (PAGE_SHIFT - 10))));
	json_object_set_new(r, "maxmem_kb", json_integer((json_int_t)(max_pages << (PAGE_SHIFT - 10))));
	json_t *vbds = json_array();
	blkback_for_each(d, describe_vbd, vbds);
	json_object_set_new(r, "vbds", vbds);
	json_t *vifs = json_array();
	netback_for_each(d, describe_vif, vifs);
	json_object_set_new(r, "vifs", vifs);
	control_reply_ok(fd, r);
}

static bool parse_kind(const char *name, enum vbd_kind *out)
{
	static const enum vbd_kind kinds[] = { VBD_FILE, VBD_PHY, VBD_QCOW2, VBD_NBD };
	for (size_t i = 0; name && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(name, vbd_kind_name(kinds[i])) == 0) {
			*out = kinds[i];
			return true;
		}
	}
	return false;
}

static bool parse_mode(const char *name, enum vbd_mode *out)
{
	static const enum vbd_mode modes[] = { VBD_READ, VBD_WRITE, VBD_WRITE_SHARED };
	for (size_t i = 0; name && i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(name, vbd_mode_name(modes[i])) == 0) {
			*out = modes[i];
			return true;
		}
	}
	return false;
}

static void vbd_attach(int fd, json_t *req)
{
	struct blkback_attach_request a = {
		.devid = (uint32_t)json_integer_value(json_object_get(req, "devid")),
		.vdev = json_string_value(json_object_get(req, "vdev")),
		.target = json_string_value(json_object_get(req, "target")),
		.cdrom = json_is_true(json_object_get(req, "cdrom")),
		.backend = json_string_value(json_object_get(req, "backend")),
		.frontend = json_string_value(json_object_get(req, "frontend")),
	};
	const char *kind = json_string_value(json_object_get(req, "kind"));
	const char *mode = json_string_value(json_object_get(req, "mode"));
	if (!a.devid || !a.target || !parse_kind(kind, &a.kind) || !parse_mode(mode, &a.mode)) {
		control_reply_error(fd, "vbd-attach wants devid, vdev, kind (file, phy, qcow2, nbd), target, "
				    "mode (r, w, w!), backend and frontend");
		return;
	}
	char err[512];
	uint64_t sectors;
	unsigned sector_size;
	if (blkback_attach(server.dom, &a, &sectors, &sector_size, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, json_pack("{s:I, s:i}", "sectors", (json_int_t)sectors, "sector_size",
					       (int)sector_size));
}

static void vbd_detach(int fd, json_t *req)
{
	char err[256];
	uint32_t devid = (uint32_t)json_integer_value(json_object_get(req, "devid"));
	bool force = json_is_true(json_object_get(req, "force"));
	if (blkback_detach(server.dom, devid, force, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, NULL);
}

static void vif_attach(int fd, json_t *req)
{
	json_t *devid = json_object_get(req, "devid");
	struct netback_attach_request a = {
		.devid = (uint32_t)json_integer_value(devid),
		.ifname = json_string_value(json_object_get(req, "ifname")),
		.mac = json_string_value(json_object_get(req, "mac")),
		.rate_bytes = (uint64_t)json_integer_value(json_object_get(req, "rate_bytes")),
		.rate_interval_us = (uint32_t)json_integer_value(json_object_get(req, "rate_interval_us")),
		.backend = json_string_value(json_object_get(req, "backend")),
		.frontend = json_string_value(json_object_get(req, "frontend")),
	};
	if (!json_is_integer(devid) || json_integer_value(devid) < 0 || !a.ifname || !a.backend || !a.frontend) {
		control_reply_error(fd, "vif-attach wants devid, ifname, backend and frontend (mac, rate_bytes and "
				    "rate_interval_us if any)");
		return;
	}
	char err[512];
	if (netback_attach(server.dom, &a, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, json_pack("{s:s}", "ifname", a.ifname));
}

static void vif_detach(int fd, json_t *req)
{
	char err[256];
	uint32_t devid = (uint32_t)json_integer_value(json_object_get(req, "devid"));
	bool force = json_is_true(json_object_get(req, "force"));
	if (netback_detach(server.dom, devid, force, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, NULL);
}

static void reply_xenstore_ring(int fd, json_t *req)
{
	int fds[3];
	uint64_t offset;
	json_int_t gfn = json_integer_value(json_object_get(req, "gfn"));
	json_int_t port = json_integer_value(json_object_get(req, "port"));
	if (xenstore_ring_handover(server.dom, (uint64_t)gfn, (uint32_t)port, fds, &offset) < 0) {
		control_reply_error(fd, "domain %u has no XenStore ring at frame 0x%llx, port %lld",
				    server.dom->cfg.domid, (unsigned long long)gfn, (long long)port);
		return;
	}
	json_t *r = json_pack("{s:b, s:I}", "ok", 1, "offset", (json_int_t)offset);
	control_send(fd, r, fds, 3);
	json_decref(r);
}

void control_server_release(void)
{
	pthread_mutex_lock(&server.lock);
	server.released = true;
	pthread_cond_broadcast(&server.released_cond);
	pthread_mutex_unlock(&server.lock);
}

struct domain *control_domain(void) { return server.dom; }

bool control_domain_running(int fd)
{
	if (atomic_load(&server.ended) == END_NONE)
		return true;
	control_reply_error(fd, "domain %u has shut down", server.dom->cfg.domid);
	return false;
}

void control_server_resume(void)
{
	pthread_mutex_lock(&server.lock);
	server.resume = true;
	pthread_cond_broadcast(&server.released_cond);
	pthread_mutex_unlock(&server.lock);
}

bool control_domain_suspended(void)
{
	return atomic_load(&server.ended) == END_SUSPEND;
}

static void op_info(int fd, json_t *req) { reply_info(fd); }

static void op_pause(int fd, json_t *req)
{
	if (!control_domain_running(fd))
		return;
	if (strcmp(json_string_value(json_object_get(req, "op")), "pause") == 0) {
		domain_pause(server.dom);
	} else {
		pthread_mutex_lock(&server.lock);
		server.incoming = false;
		pthread_cond_broadcast(&server.commit_cond);
		pthread_mutex_unlock(&server.lock);
		domain_unpause(server.dom);
	}
	control_reply_ok(fd, NULL);
}

static void *commit_timer(void *arg)
{
	unsigned seconds = (unsigned)(uintptr_t)arg;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&server.lock);
	while (server.incoming && pthread_cond_timedwait(&server.commit_cond, &server.lock, &until) == 0)
		;
	bool abandoned = server.incoming;
	pthread_mutex_unlock(&server.lock);
	if (abandoned) {
		log_err("migrated in, but not let run within %u s: the migration failed; destroying the domain", seconds);
		domain_end(server.dom, END_DESTROY);
		control_server_release();
	}
	return NULL;
}

void control_server_hold_incoming(struct domain *d)
{
	pthread_mutex_lock(&server.lock);
	server.dom = d;
	server.incoming = true;
	pthread_mutex_unlock(&server.lock);
}

void control_server_await_commit(unsigned seconds)
{
	pthread_t timer;
	if (pthread_create(&timer, NULL, commit_timer, (void *)(uintptr_t)seconds) == 0)
		pthread_detach(timer);
}

void control_server_restored(bool ok)
{
	pthread_mutex_lock(&server.lock);
	server.restoring = false;
	server.restore_failed = !ok;
	pthread_mutex_unlock(&server.lock);
}

static void op_restored(int fd, json_t *req)
{
	pthread_mutex_lock(&server.lock);
	bool loaded = !server.restoring, failed = server.restore_failed;
	pthread_mutex_unlock(&server.lock);
	if (failed)
		control_reply_error(fd, "the domain's image did not load (see the VMM's log)");
	else
		control_reply_ok(fd, json_pack("{s:b}", "loaded", loaded));
}

static void op_destroy(int fd, json_t *req)
{
	domain_end(server.dom, END_DESTROY);
	control_reply_ok(fd, NULL);
	control_server_release();
}

/* xm mem-max: the most memory the guest may take back through its balloon. */
static void op_set_maxmem(int fd, json_t *req)
{
	json_t *mb = json_object_get(req, "mb");
	if (!json_is_integer(mb) || json_integer_value(mb) < 1 || json_integer_value(mb) > (1 << 30)) {
		control_reply_error(fd, "set-maxmem wants mb, a whole number of MiB from 1");
		return;
	}
	uint64_t pages = (uint64_t)json_integer_value(mb) << (20 - PAGE_SHIFT);
	guest_memory_set_max(&server.dom->mem, pages);
	log_info("maximum memory set to %lld MiB", (long long)json_integer_value(mb));
	control_reply_ok(fd, json_pack("{s:I}", "max", (json_int_t)pages));
}

/* Every request but "watch" (which marks the connection): its op, its
 * handler, which replies, and whether it may come while a restored
 * domain's image still loads (the rest would find no domain yet). */
static const struct {
	const char *op;
	control_handler *handle;
	bool while_restoring;
} ops[] = {
	{ "destroy", op_destroy, true },
	{ "dump-core", control_dump_core, false },
	{ "info", op_info, true },
	{ "pause", op_pause, false },
	{ "precopy", control_precopy, false },
	{ "precopy-cancel", control_precopy_cancel, false },
	{ "restored", op_restored, true },
	{ "resume", control_resume, false },
	{ "save", control_save, false },
	{ "set-maxmem", op_set_maxmem, false },
	{ "unpause", op_pause, false },
	{ "vbd-attach", vbd_attach, false },
	{ "vbd-detach", vbd_detach, false },
	{ "vif-attach", vif_attach, true },
	{ "vcpu-pin", vcpu_control_op_pin, false },
	{ "vcpus", vcpu_control_op_list, false },
	{ "vif-detach", vif_detach, true },
	{ "xen-console", control_xen_console, false },
	{ "xenstore-ring", reply_xenstore_ring, false },
};

/* The descriptors that came with the request being handled. */
static struct {
	int fds[CONTROL_MAX_FDS];
	size_t n;
} passed;

int control_take_fd(void)
{
	for (size_t i = 0; i < passed.n; i++) {
		int fd = passed.fds[i];
		if (fd >= 0) {
			passed.fds[i] = -1;
			return fd;
		}
	}
	return -1;
}

/* Closes what the handler did not take. */
static void close_passed(void)
{
	for (size_t i = 0; i < passed.n; i++)
		if (passed.fds[i] >= 0)
			close(passed.fds[i]);
	passed.n = 0;
}

static bool still_restoring(void)
{
	pthread_mutex_lock(&server.lock);
	bool restoring = server.restoring;
	pthread_mutex_unlock(&server.lock);
	return restoring;
}

/* Handles one request; returns false when the client must be dropped. */
static bool handle(struct client *c)
{
	json_t *req = NULL;
	int r = control_recv(c->fd, &req, passed.fds, &passed.n);
	if (r <= 0) {
		close_passed();
		return false;
	}
	const char *op = json_string_value(json_object_get(req, "op"));
	size_t i = 0;
	while (op && i < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[i].op, op) != 0)
		i++;
	if (!op) {
		control_reply_error(c->fd, "a request without \"op\"");
	} else if (strcmp(op, "watch") == 0) {
		c->watching = true;
		control_reply_ok(c->fd, NULL);
	} else if (i < sizeof(ops) / sizeof(ops[0]) && !ops[i].while_restoring && still_restoring()) {
		control_reply_error(c->fd, "domain %u is still being restored: '%s' must wait", server.dom->cfg.domid, op);
	} else if (i < sizeof(ops) / sizeof(ops[0])) {
		ops[i].handle(c->fd, req);
	} else {
		control_reply_error(c->fd, "unknown request '%s'", op);
	}
	close_passed();
	json_decref(req);
	return true;
}

static void tell_watchers(void)
{
	int ended = atomic_load(&server.ended);
	json_t *e = json_pack("{s:s, s:s}", "event", "ended", "reason",
			      domain_end_name((enum domain_end)ended));
	for (unsigned i = 0; i < server.nclients; i++)
		if (server.clients[i].watching)
			control_send(server.clients[i].fd, e, NULL, 0);
	json_decref(e);
}

static void drop_client(unsigned i)
{
	close(server.clients[i].fd);
	server.clients[i] = server.clients[--server.nclients];
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd fds[MAX_CLIENTS + 2];
		fds[0] = (struct pollfd){ .fd = server.listen_fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = server.wake_fd, .events = POLLIN };
		for (unsigned i = 0; i < server.nclients; i++)
			fds[i + 2] = (struct pollfd){ .fd = server.clients[i].fd, .events = POLLIN };
		if (poll(fds, server.nclients + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("control socket: poll: %s", strerror(errno));
			return NULL;
		}
		if (fds[1].revents) {
			uint64_t n;
			if (read(server.wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
				log_warn("control socket: %s", strerror(errno));
			if (server.stopping)
				break;
			tell_watchers();
		}
		/* Clients from the back, so dropping one moves only those seen. */
		for (unsigned i = server.nclients; i-- > 0;)
			if (fds[i + 2].revents && !handle(&server.clients[i]))
				drop_client(i);
		if (fds[0].revents & POLLIN) {
			int fd = accept4(server.listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0 && server.nclients < MAX_CLIENTS)
				server.clients[server.nclients++] = (struct client){ .fd = fd };
			else if (fd >= 0)
				close(fd); /* too many at once: one of them is misbehaving */
		}
	}
	while (server.nclients)
		drop_client(server.nclients - 1);
	return NULL;
}

int control_server_start(struct domain *d, bool restoring)
{
	server.dom = d;
	server.restoring = restoring;
	if (control_vmm_path(d->cfg.domid, server.path, sizeof(server.path)) < 0) {
		log_err("the run folder's path is too long");
		return -1;
	}
	/* Another VMM for this domain ID would be a toolstack bug: refuse. */
	int probe = control_connect(server.path, 1000);
	if (probe >= 0) {
		close(probe);
		log_err("domain %u already has a VMM (%s answers)", d->cfg.domid, server.path);
		return -1;
	}
	server.listen_fd = control_listen(server.path);
	server.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (server.listen_fd < 0 || server.wake_fd < 0) {
		log_err("control socket %s: %s", server.path, strerror(errno));
		return -1;
	}
	int err = pthread_create(&server.thread, NULL, serve, NULL);
	if (err) {
		log_err("control socket thread: %s", strerror(err));
		return -1;
	}
	server.started = true;
	return 0;
}

static void wake(void)
{
	uint64_t one = 1;
	if (write(server.wake_fd, &one, sizeof(one)) < 0)
		log_warn("control socket: %s", strerror(errno));
}

bool control_server_wait_release(struct domain *d, enum domain_end why)
{
	atomic_store(&server.ended, why);
	log_info("domain %u ended (%s); waiting for the toolstack to %s it", d->cfg.domid,
		 domain_end_name(why), why == END_SUSPEND ? "save or resume" : "destroy");
	wake();
	pthread_mutex_lock(&server.lock);
	while (!server.released && !server.resume)
		pthread_cond_wait(&server.released_cond, &server.lock);
	bool resume = server.resume && !server.released;
	server.resume = false;
	if (resume)
		atomic_store(&server.ended, END_NONE);
	pthread_mutex_unlock(&server.lock);
	return resume;
}

void control_server_stop(void)
{
	if (server.started) {
		server.stopping = true;
		wake();
		pthread_join(server.thread, NULL);
		server.started = false;
	}
	if (server.listen_fd >= 0) {
		close(server.listen_fd);
		unlink(server.path);
	}
	if (server.wake_fd >= 0)
		close(server.wake_fd);
	server.listen_fd = server.wake_fd = -1;
}
