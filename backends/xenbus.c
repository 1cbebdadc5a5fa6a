#include "xenbus.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "log.h"

/* How often an idle connection is checked: libxenstore does not wake its
 * watchers when xenstored goes away. */
#define PROBE_INTERVAL_MS 2000

static struct {
	pthread_mutex_t lock;
	struct xs_handle *xsh;
	struct xenbus_device *devices;
	unsigned next_token;
	pthread_t thread;
	bool started;
	int stop_pipe[2];
} bus = { .lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP, .stop_pipe = { -1, -1 } };

void xenbus_lock(void) { pthread_mutex_lock(&bus.lock); }
void xenbus_unlock(void) { pthread_mutex_unlock(&bus.lock); }

const char *xenbus_state_name(enum xenbus_state state)
{
	static const char *const names[] = { "Unknown", "Initialising", "InitWait", "Initialised", "Connected",
					     "Closing", "Closed", "Reconfiguring", "Reconfigured" };
	return (unsigned)state < sizeof(names) / sizeof(names[0]) ? names[state] : "invalid";
}

static int watch(struct xenbus_device *dev)
{
	char path[XENBUS_PATH_MAX + 8], token[16];
	snprintf(path, sizeof(path), "%s/state", dev->frontend);
	snprintf(token, sizeof(token), "%u", dev->token);
	return bus.xsh && xs_watch(bus.xsh, path, token) ? 0 : -1;
}

static bool connect_store(void)
{
	bus.xsh = xs_open(XS_OPEN_SOCKETONLY);
	if (!bus.xsh)
		return false;
	xs_fileno(bus.xsh); /* makes the watch pipe, before any watch */
	for (struct xenbus_device *dev = bus.devices; dev; dev = dev->next)
		if (watch(dev) < 0)
			log_warn("%s: cannot watch its frontend: %s", dev->backend, strerror(errno));
	return true;
}

static bool connection_alive(void)
{
	unsigned len;
	void *root = xs_read(bus.xsh, XBT_NULL, "/", &len);
	free(root);
	return root != NULL;
}

static void reconnect(void)
{
	if (bus.xsh) {
		log_warn("lost the connection to xenstored; connecting again");
		xs_close(bus.xsh);
		bus.xsh = NULL;
	}
	if (connect_store())
		log_info("connected to xenstored again");
}

/* The backend's side of the handshake, as Linux's blkback and netback
 * follow their frontends. */
static void frontend_changed(struct xenbus_device *dev, enum xenbus_state state)
{
	switch (state) {
	case XenbusStateInitialising:
		/* A frontend starting again (a new driver, kexec): offer again. */
		if (dev->state == XenbusStateClosed && !dev->detaching)
			xenbus_switch_state(dev, XenbusStateInitWait);
		break;
	case XenbusStateInitialised:
	case XenbusStateConnected:
		if (dev->state == XenbusStateConnected || dev->state == XenbusStateClosing || dev->detaching)
			break;
		if (dev->connect(dev) == 0)
			xenbus_switch_state(dev, XenbusStateConnected);
		else
			xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosing:
		dev->disconnect(dev);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;
	case XenbusStateClosed:
		dev->disconnect(dev);
		xenbus_switch_state(dev, XenbusStateClosed);
		if (dev->detaching)
			dev->forget(dev);
		break;
	case XenbusStateUnknown:
		/* No frontend (yet, or any more): only one that was there goes. */
		if (dev->state == XenbusStateConnected || dev->state == XenbusStateClosing) {
			dev->disconnect(dev);
			xenbus_switch_state(dev, XenbusStateClosed);
		}
		if (dev->detaching && dev->state == XenbusStateClosed)
			dev->forget(dev);
		break;
	default:
		break;
	}
}

void xenbus_detach(struct xenbus_device *dev, bool force)
{
	dev->detaching = true;
	if (force || dev->state != XenbusStateConnected) {
		/* Forced, or never connected: nothing to wait for. */
		dev->disconnect(dev);
		xenbus_switch_state(dev, XenbusStateClosed);
		dev->forget(dev);
	} else {
		log_info("%s: asking the guest to let it go", dev->backend);
		xenbus_switch_state(dev, XenbusStateClosing);
	}
}

static void dispatch(const char *token_text)
{
	unsigned token = (unsigned)strtoul(token_text, NULL, 10);
	for (struct xenbus_device *dev = bus.devices; dev; dev = dev->next) {
		if (dev->token != token)
			continue;
		unsigned long state;
		if (!xenbus_read_frontend_uint(dev, "state", &state) || state > XenbusStateReconfigured)
			state = XenbusStateUnknown; /* gone, or nonsense: either way not there */
		frontend_changed(dev, (enum xenbus_state)state);
		return;
	}
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&bus.lock);
		int watch_fd = bus.xsh ? xs_fileno(bus.xsh) : -1;
		pthread_mutex_unlock(&bus.lock);
		struct pollfd fds[2] = { { .fd = bus.stop_pipe[0], .events = POLLIN },
					 { .fd = watch_fd, .events = POLLIN } };
		int n = poll(fds, 2, PROBE_INTERVAL_MS);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		pthread_mutex_lock(&bus.lock);
		if (!bus.xsh || (n == 0 && !connection_alive())) {
			reconnect();
		} else if (fds[1].revents) {
			char **event;
			while ((event = xs_check_watch(bus.xsh))) {
				dispatch(event[XS_WATCH_TOKEN]);
				free(event);
			}
		}
		pthread_mutex_unlock(&bus.lock);
	}
	return NULL;
}

static int start_thread(void)
{
	if (!bus.xsh && !connect_store()) {
		log_err("cannot reach xenstored: %s", strerror(errno));
		return -1;
	}
	if (pipe2(bus.stop_pipe, O_CLOEXEC) < 0) {
		log_err("xenbus: %s", strerror(errno));
		return -1;
	}
	int err = pthread_create(&bus.thread, NULL, serve, NULL);
	if (err) {
		log_err("xenbus thread: %s", strerror(err));
		return -1;
	}
	bus.started = true;
	return 0;
}

int xenbus_open(void)
{
	xenbus_lock();
	int r = bus.started ? 0 : start_thread();
	xenbus_unlock();
	return r;
}

int xenbus_add(struct xenbus_device *dev)
{
	xenbus_lock();
	int r = xenbus_open();
	if (r == 0) {
		dev->token = ++bus.next_token;
		dev->next = bus.devices;
		bus.devices = dev;
		r = watch(dev);
		if (r < 0) {
			log_err("%s: cannot watch its frontend: %s", dev->backend, strerror(errno));
			bus.devices = dev->next;
		}
	}
	xenbus_unlock();
	return r;
}

void xenbus_remove(struct xenbus_device *dev)
{
	xenbus_lock();
	for (struct xenbus_device **link = &bus.devices; *link; link = &(*link)->next) {
		if (*link == dev) {
			*link = dev->next;
			break;
		}
	}
	if (bus.xsh) {
		char path[XENBUS_PATH_MAX + 8], token[16];
		snprintf(path, sizeof(path), "%s/state", dev->frontend);
		snprintf(token, sizeof(token), "%u", dev->token);
		xs_unwatch(bus.xsh, path, token);
	}
	xenbus_unlock();
}

void xenbus_stop(void)
{
	if (bus.started) {
		if (write(bus.stop_pipe[1], "x", 1) < 0)
			log_warn("xenbus: %s", strerror(errno));
		pthread_join(bus.thread, NULL);
		bus.started = false;
	}
	for (int i = 0; i < 2; i++) {
		if (bus.stop_pipe[i] >= 0)
			close(bus.stop_pipe[i]);
		bus.stop_pipe[i] = -1;
	}
	if (bus.xsh)
		xs_close(bus.xsh);
	bus.xsh = NULL;
}

static int write_node(const char *dir, const char *node, const char *value)
{
	char path[XENBUS_PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, node);
	xenbus_lock();
	bool ok = bus.xsh && xs_write(bus.xsh, XBT_NULL, path, value, strlen(value));
	xenbus_unlock();
	return ok ? 0 : -1;
}

int xenbus_printf(struct xenbus_device *dev, const char *node, const char *fmt, ...)
{
	char value[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return write_node(dev->backend, node, value);
}

char *xenbus_read_frontend(struct xenbus_device *dev, const char *node)
{
	char path[XENBUS_PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dev->frontend, node);
	unsigned len;
	xenbus_lock();
	char *value = bus.xsh ? xs_read(bus.xsh, XBT_NULL, path, &len) : NULL;
	xenbus_unlock();
	return value;
}

bool xenbus_read_frontend_uint(struct xenbus_device *dev, const char *node, unsigned long *out)
{
	char *value = xenbus_read_frontend(dev, node), *end;
	if (!value)
		return false;
	errno = 0;
	*out = strtoul(value, &end, 10);
	bool ok = *value && !*end && !errno && value[0] != '-';
	free(value);
	return ok;
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	if (xenbus_printf(dev, "state", "%d", (int)state) < 0) {
		log_warn("%s: cannot set its state to %s: %s", dev->backend, xenbus_state_name(state), strerror(errno));
		return -1;
	}
	dev->state = state;
	return 0;
}

void xenbus_error(struct xenbus_device *dev, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_err("%s: %s", dev->backend, text);
	write_node(dev->backend, "error", text);
}
