/* A domain's virtual network interfaces (Xen's vif), one `vif = [...]`
 * entry each. For each, in this order, as Xen's xend, udev and vif scripts
 * did it between them:
 *
 *   1. the backend folder (/local/domain/0/backend/vif/D/N, vif_config.c);
 *   2. the VMM's vif-attach: it makes the TAP device, down;
 *   3. the vif script, `SCRIPT online`: it brings the device up and wires
 *      it (a bridge, routes, NAT) and writes hotplug-status;
 *   4. the frontend folder (/local/domain/D/device/vif/N), where
 *      xen-netfront finds its backend.
 *
 * A failure undoes what was done. N, the devid, is 0, 1, ... in the order
 * of the entries at create; network-attach takes the lowest free one. The
 * config keeps the entries the domain has now ("vif") and each one's devid
 * ("vif_devids"), so a restart gets the same devids, and with the UUID
 * kept, the same MACs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "xend.h"

/* The config's vif entries and their devids, kept in step: a config
 * without devids (as xm sends it) numbers its entries 0, 1, ... */
static json_t *vif_entries(struct xdomain *d, json_t **devids)
{
	json_t *entries = json_object_get(d->config, "vif");
	if (!json_is_array(entries)) {
		entries = json_array();
		json_object_set_new(d->config, "vif", entries);
	}
	json_t *ids = json_object_get(d->config, "vif_devids");
	bool good = json_is_array(ids) && json_array_size(ids) == json_array_size(entries);
	for (size_t i = 0; good && i < json_array_size(ids); i++)
		good = json_integer_value(json_array_get(ids, i)) >= 0 &&
		       json_integer_value(json_array_get(ids, i)) <= UINT32_MAX;
	if (!good) {
		ids = json_array();
		for (size_t i = 0; i < json_array_size(entries); i++)
			json_array_append_new(ids, json_integer((json_int_t)i));
		json_object_set_new(d->config, "vif_devids", ids);
	}
	*devids = ids;
	return entries;
}

static uint32_t devid_at(json_t *devids, size_t i)
{
	return (uint32_t)json_integer_value(json_array_get(devids, i));
}

/* The index of vif `devid` among the entries; -1 if it has none. */
static long find_entry(struct xdomain *d, uint32_t devid)
{
	json_t *devids;
	vif_entries(d, &devids);
	for (size_t i = 0; i < json_array_size(devids); i++)
		if (devid_at(devids, i) == devid)
			return (long)i;
	return -1;
}

static uint32_t lowest_free_devid(struct xdomain *d)
{
	uint32_t devid = 0;
	while (find_entry(d, devid) >= 0)
		devid++;
	return devid;
}

static int make_plan(struct xdomain *d, const char *entry, uint32_t devid, struct vif_plan *p, char *err,
		     size_t errlen)
{
	return vif_plan_make(p, entry, d->domid, d->uuid, devid, xend.scripts_dir, xend.settings.vif_script, err,
			     errlen);
}

/* The plan of an entry the config has (xend checked it when it attached
 * it, so only a hand-edited record has one that fails); false if none. */
static bool entry_plan(struct xdomain *d, json_t *entry, uint32_t devid, struct vif_plan *p)
{
	char why[512];
	return json_is_string(entry) && make_plan(d, json_string_value(entry), devid, p, why, sizeof(why)) == 0;
}

/* Another vif of the domain with the same MAC: the guest would see two
 * interfaces it cannot tell apart. */
static int check_mac(struct xdomain *d, const struct vif_plan *p, char *err, size_t errlen)
{
	json_t *devids, *entry;
	size_t i;
	json_array_foreach(vif_entries(d, &devids), i, entry) {
		struct vif_plan other;
		if (!entry_plan(d, entry, devid_at(devids, i), &other))
			continue;
		bool same = strcmp(other.mac, p->mac) == 0;
		vif_plan_free(&other);
		if (same) {
			snprintf(err, errlen, "vif %u: mac %s is already vif %u's in domain %s", p->devid, p->mac,
				 devid_at(devids, i), d->name);
			return -1;
		}
	}
	return 0;
}

/* `SCRIPT ACTION ARGS` for the vif; 0, or -1 with "vif N: why". */
static int run_script(struct xdomain *d, const struct vif_plan *p, const char *action, char *err, size_t errlen)
{
	if (!p->script.path)
		return 0; /* (vif-script ''): the administrator wires vifs */
	struct vif_env env;
	vif_script_env(p, d->name, &env);
	char why[512];
	if (hotplug_run(&p->script, action, env.list, xend.hotplug_log, HOTPLUG_TIMEOUT_MS, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "vif %u: %s", p->devid, why);
		return -1;
	}
	return 0;
}

static int write_folder(const struct vif_plan *p, bool backend, char *err, size_t errlen)
{
	struct store_node nodes[VIF_BACKEND_NODES_MAX];
	char parent[64];
	snprintf(parent, sizeof(parent), "/local/domain/0/backend/vif/%u", p->domid);
	/* The backend is dom0's, readable by the guest; the frontend the
	 * guest's own (netfront writes its rings and state there). */
	const struct store_folder f = {
		.path = backend ? p->be : p->fe,
		.parent = backend ? parent : NULL,
		.owner = backend ? 0 : p->domid,
		.reader = p->domid,
		.nodes = nodes,
		.nnodes = backend ? vif_backend_nodes(p, nodes) : vif_frontend_nodes(p, nodes),
	};
	char why[256];
	if (store_put_folder(&f, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "vif %u: %s", p->devid, why);
		return -1;
	}
	return 0;
}

static int vmm_attach(struct xdomain *d, struct vif_plan *p, char *err, size_t errlen)
{
	json_t *req = vif_attach_request(p);
	char why[256];
	json_t *rep = domain_vmm_call(d, req, why, sizeof(why));
	json_decref(req);
	if (!rep) {
		snprintf(err, errlen, "vif %u: %s", p->devid, why);
		return -1;
	}
	/* The name the VMM gave the device is the one the script wires. */
	const char *ifname = json_string_value(json_object_get(rep, "ifname"));
	if (ifname && *ifname && strlen(ifname) < sizeof(p->ifname))
		snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	json_decref(rep);
	return 0;
}

/* The script's `offline`, the VMM's forgetting (unless `detached`) and the
 * folders: what an attached vif leaves; failures are logged. */
static void release(struct xdomain *d, const struct vif_plan *p, bool detached)
{
	char why[512];
	if (!detached && device_vmm_detach(d, "vif", p->devid, true, why, sizeof(why)) < 0)
		log_warn("domain %s: releasing vif %u: %s", d->name, p->devid, why);
	if (run_script(d, p, "offline", why, sizeof(why)) < 0)
		log_warn("domain %s: %s", d->name, why);
	device_remove(p->be, p->fe);
}

/* Attaches one vif as `devid` and adds its entry to the domain's config;
 * its frontend folder only with `frontend`. */
static int attach(struct xdomain *d, const char *entry, uint32_t devid, bool frontend, char *err, size_t errlen)
{
	struct vif_plan p;
	if (make_plan(d, entry, devid, &p, err, errlen) < 0)
		return -1;
	int r = -1;
	if (check_mac(d, &p, err, errlen) < 0 || write_folder(&p, true, err, errlen) < 0)
		goto out;
	if (vmm_attach(d, &p, err, errlen) < 0) {
		device_remove(p.be, p.fe);
		goto out;
	}
	if (run_script(d, &p, "online", err, errlen) < 0 || (frontend && write_folder(&p, false, err, errlen) < 0)) {
		/* offline too: a script that failed half way has done half its work. */
		release(d, &p, false);
		goto out;
	}
	json_t *devids;
	json_array_append_new(vif_entries(d, &devids), json_string(entry));
	json_array_append_new(devids, json_integer(devid));
	log_info("domain %s (%u): attached vif %u (%s, mac %s)", d->name, d->domid, devid, p.ifname, p.mac);
	r = 0;
out:
	vif_plan_free(&p);
	return r;
}

int vif_attach_all(struct xdomain *d, bool frontends, char *err, size_t errlen)
{
	/* Each vif rejoins the config as it is attached, so a failure
	 * leaves only those, which are released. */
	json_t *devids, *entries = vif_entries(d, &devids);
	json_t *wanted = json_incref(entries), *wanted_ids = json_incref(devids);
	json_object_set_new(d->config, "vif", json_array());
	json_object_set_new(d->config, "vif_devids", json_array());
	int r = 0;
	for (size_t i = 0; i < json_array_size(wanted) && r == 0; i++) {
		json_t *entry = json_array_get(wanted, i);
		uint32_t devid = devid_at(wanted_ids, i);
		if (!json_is_string(entry)) {
			snprintf(err, errlen, "vif %u: its entry is not a string", devid);
			r = -1;
		} else {
			r = attach(d, json_string_value(entry), devid, frontends, err, errlen);
		}
	}
	json_decref(wanted);
	json_decref(wanted_ids);
	if (r < 0)
		vif_release_all(d);
	return r;
}

int vif_write_frontends(struct xdomain *d, char *err, size_t errlen)
{
	json_t *devids, *entry;
	size_t i;
	json_array_foreach(vif_entries(d, &devids), i, entry) {
		struct vif_plan p;
		if (!entry_plan(d, entry, devid_at(devids, i), &p)) {
			snprintf(err, errlen, "vif %u: its entry no longer reads", devid_at(devids, i));
			return -1;
		}
		int r = write_folder(&p, false, err, errlen);
		vif_plan_free(&p);
		if (r < 0)
			return -1;
	}
	return 0;
}

int vif_attach(struct xdomain *d, const char *entry, uint32_t *devid, char *err, size_t errlen)
{
	if (strcmp(d->state, "shutdown") == 0) {
		snprintf(err, errlen, "Domain %s has shut down: no vif can be attached to it", d->name);
		return -1;
	}
	*devid = lowest_free_devid(d);
	if (attach(d, entry, *devid, true, err, errlen) < 0)
		return -1;
	domain_save_record(d);
	return 0;
}

int vif_detach(struct xdomain *d, uint32_t devid, bool force, char *err, size_t errlen)
{
	long index = find_entry(d, devid);
	if (index < 0) {
		snprintf(err, errlen, "Device %u (vif) is not attached to domain %s", devid, d->name);
		return -1;
	}
	json_t *devids, *entries = vif_entries(d, &devids);
	struct vif_plan p;
	if (make_plan(d, json_string_value(json_array_get(entries, (size_t)index)) ?: "", devid, &p, err, errlen) < 0)
		return -1;
	char label[32];
	snprintf(label, sizeof(label), "vif %u", devid);
	int r = device_disconnect(d, "vif", devid, label, "network-detach", force, err, errlen);
	if (r == 0) {
		release(d, &p, true);
		json_array_remove(entries, (size_t)index);
		json_array_remove(devids, (size_t)index);
		domain_save_record(d);
		log_info("domain %s (%u): detached vif %u%s", d->name, d->domid, devid, force ? " by force" : "");
	}
	vif_plan_free(&p);
	return r;
}

void vif_release_all(struct xdomain *d)
{
	json_t *devids, *entry;
	size_t i;
	json_array_foreach(vif_entries(d, &devids), i, entry) {
		struct vif_plan p;
		if (!entry_plan(d, entry, devid_at(devids, i), &p))
			continue;
		release(d, &p, false);
		vif_plan_free(&p);
	}
	json_object_set_new(d->config, "vif", json_array());
	json_object_set_new(d->config, "vif_devids", json_array());
}

/* ---- network-list ---- */

static json_t *describe_vif(struct xdomain *d, uint32_t devid, json_t *vmm_vifs)
{
	/* With several queues netfront writes its rings per queue (queue-0/...),
	 * and with split event channels one for each direction: xm shows the
	 * first queue's, and its transmit channel. */
	static const char *const event_channel[] = { "event-channel", "event-channel-tx", "queue-0/event-channel",
						     "queue-0/event-channel-tx", NULL };
	static const char *const tx_ring_ref[] = { "tx-ring-ref", "queue-0/tx-ring-ref", NULL };
	static const char *const rx_ring_ref[] = { "rx-ring-ref", "queue-0/rx-ring-ref", NULL };
	static const char *const stats[] = { "tx_packets", "tx_bytes", "tx_drops", "rx_packets",
					     "rx_bytes",   "rx_drops", NULL };
	static const char *const backend_strings[] = { "bridge", "ip", "script", "rate", "model" };
	char be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX];
	device_paths("vif", d->domid, devid, be, fe);
	json_t *dev = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "devid", (json_int_t)devid, "backend_id",
				device_read_number(fe, "backend-id"), "handle", device_read_number(fe, "handle"),
				"state", device_read_number(fe, "state"), "event_channel",
				device_first_number(fe, event_channel), "tx_ring_ref",
				device_first_number(fe, tx_ring_ref), "rx_ring_ref",
				device_first_number(fe, rx_ring_ref));
	device_set_string(dev, "mac", fe, "mac");
	char *backend = device_read(fe, "backend");
	if (backend) {
		json_object_set_new(dev, "backend_path", json_string(backend));
		for (size_t i = 0; i < sizeof(backend_strings) / sizeof(backend_strings[0]); i++)
			device_set_string(dev, backend_strings[i], backend, backend_strings[i]);
	}
	/* The host's name for it: the VMM's, else the one asked for. */
	json_t *vmm = control_find_device(vmm_vifs, devid);
	const char *ifname = json_string_value(json_object_get(vmm, "ifname"));
	char *vifname = backend ? device_read(backend, "vifname") : NULL;
	char fallback[IF_NAMESIZE + 16];
	snprintf(fallback, sizeof(fallback), "vif%u.%u", d->domid, devid);
	json_object_set_new(dev, "ifname", json_string(ifname ? ifname : vifname ? vifname : fallback));
	free(vifname);
	free(backend);
	device_copy_numbers(dev, vmm, stats);
	return dev;
}

json_t *vif_list(struct xdomain *d)
{
	return device_list(d, "vif", "vifs", describe_vif);
}
