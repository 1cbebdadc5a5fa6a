/* What every class of split device (vbd.c's disks, vif.c's network
 * interfaces) shares, as Xen lays them out in XenStore:
 *
 *   /local/domain/0/backend/CLS/D/N    dom0's: what the backend serves
 *   /local/domain/D/device/CLS/N       the guest's: where the backend is,
 *                                      and what its frontend wrote
 *
 * and how one is taken from a guest: the backend (in the VMM) closes, and
 * the guest is given a few seconds to close its end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xend.h"

#define DETACH_WAIT_MS 10000
#define DETACH_POLL_MS 100
#define XENBUS_STATE_CLOSED "6"

char *device_read(const char *folder, const char *name)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	return store_read(path);
}

json_int_t device_read_number(const char *folder, const char *name)
{
	char *v = device_read(folder, name), *end;
	errno = 0;
	long long n = v ? strtoll(v, &end, 10) : -1;
	if (v && (end == v || *end || errno || n < 0))
		n = -1;
	free(v);
	return (json_int_t)n;
}

json_int_t device_first_number(const char *folder, const char *const *names)
{
	for (; *names; names++) {
		json_int_t n = device_read_number(folder, *names);
		if (n >= 0)
			return n;
	}
	return -1;
}

void device_set_string(json_t *o, const char *key, const char *folder, const char *name)
{
	char *v = device_read(folder, name);
	if (v)
		json_object_set_new(o, key, json_string(v));
	free(v);
}

static int by_number(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

static uint32_t *device_ids(const struct xdomain *d, const char *cls, size_t *n)
{
	char folder[64];
	snprintf(folder, sizeof(folder), "/local/domain/%u/device/%s", d->domid, cls);
	unsigned count;
	char **names = store_list(folder, &count);
	uint32_t *ids = calloc(count ? count : 1, sizeof(*ids));
	*n = 0;
	for (unsigned i = 0; ids && i < count; i++) {
		char *end;
		unsigned long v = strtoul(names[i], &end, 10);
		if (*names[i] && !*end && v <= UINT32_MAX)
			ids[(*n)++] = (uint32_t)v;
	}
	free(names);
	if (ids)
		qsort(ids, *n, sizeof(*ids), by_number);
	return ids;
}

json_t *device_list(struct xdomain *d, const char *cls, const char *vmm_key,
		    json_t *(*describe)(struct xdomain *d, uint32_t devid, json_t *vmm_list))
{
	size_t count;
	uint32_t *devids = device_ids(d, cls, &count);
	json_t *info = strcmp(d->state, "shutdown") == 0 ? NULL : domain_info(d);
	json_t *vmm_list = json_object_get(info, vmm_key);
	json_t *devices = json_array();
	for (size_t i = 0; devids && i < count; i++)
		json_array_append_new(devices, describe(d, devids[i], vmm_list));
	json_decref(info);
	free(devids);
	return devices;
}

void device_copy_numbers(json_t *to, const json_t *from, const char *const *names)
{
	for (; from && *names; names++) {
		json_t *n = json_object_get(from, *names);
		if (json_is_integer(n))
			json_object_set(to, *names, n);
	}
}

int device_vmm_detach(struct xdomain *d, const char *cls, uint32_t devid, bool force, char *err, size_t errlen)
{
	char op[32];
	snprintf(op, sizeof(op), "%s-detach", cls);
	json_t *req = json_pack("{s:s, s:I, s:b}", "op", op, "devid", (json_int_t)devid, "force", force);
	json_t *rep = domain_vmm_call(d, req, err, errlen);
	json_decref(req);
	json_decref(rep);
	return rep ? 0 : -1;
}

/* The backend's state as XenStore has it; "" if absent. */
static void backend_state(const char *be, char *buf, size_t len)
{
	char *v = device_read(be, "state");
	snprintf(buf, len, "%s", v ? v : "");
	free(v);
}

/* Waits for the guest to close its end: the backend reaches Closed. xend
 * serves nothing meanwhile, which a detach's few seconds allow. */
static bool wait_closed(const char *be, char *state, size_t len)
{
	for (int waited = 0;; waited += DETACH_POLL_MS) {
		backend_state(be, state, len);
		if (strcmp(state, XENBUS_STATE_CLOSED) == 0)
			return true;
		if (waited >= DETACH_WAIT_MS)
			return false;
		usleep(DETACH_POLL_MS * 1000);
	}
}

int device_disconnect(struct xdomain *d, const char *cls, uint32_t devid, const char *label, const char *command,
		      bool force, char *err, size_t errlen)
{
	char be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX], state[16];
	device_paths(cls, d->domid, devid, be, fe);
	/* A guest that has shut down lets go of nothing: there is nobody to wait for. */
	force = force || strcmp(d->state, "shutdown") == 0;
	/* Closed already: the guest let go after an earlier detach gave up. */
	backend_state(be, state, sizeof(state));
	if (strcmp(state, XENBUS_STATE_CLOSED) == 0)
		return 0;
	if (device_vmm_detach(d, cls, devid, force, err, errlen) < 0) {
		if (!force)
			return -1;
		/* Forced: whatever the VMM thinks, the device goes. */
		log_warn("domain %s: detaching %s by force: %s", d->name, label, err);
	}
	if (!force && !wait_closed(be, state, sizeof(state))) {
		snprintf(err, errlen,
			 "Device %s of domain %s could not be disconnected: the guest has not released it "
			 "in %d s (state %s); xm %s -f forces it",
			 label, d->name, DETACH_WAIT_MS / 1000, state[0] ? state : "absent", command);
		return -1;
	}
	return 0;
}

void device_remove(const char *be, const char *fe)
{
	const char *const paths[] = { fe, be };
	if (store_remove(paths, 2) < 0)
		log_warn("removing %s and %s from XenStore: %s", fe, be, strerror(errno));
}
