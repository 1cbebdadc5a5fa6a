/* A domain's virtual block devices (Xen's vbd), one `disk = [...]` entry
 * each, as Xen's xend and its block hotplug script set them up:
 *
 *   /local/domain/0/backend/vbd/D/N    dom0's, readable by D: what to serve
 *                                      (params, mode, type, ...); the VMM's
 *                                      blkback adds its own nodes and state
 *   /local/domain/D/device/vbd/N       D's own: where the backend is; the
 *                                      guest's blkfront writes its ring-ref,
 *                                      event-channel and state there
 *
 * N is Xen's vbd number for the guest's device name (lib/vbd.h). The
 * domain's config keeps the entries of the disks it has now ("disk"), so a
 * restarted xend and an on_reboot restart find the same set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xend.h"

/* The config's disk entries, which it gets if it has none. */
static json_t *disk_entries(struct xdomain *d)
{
	json_t *disks = json_object_get(d->config, "disk");
	if (!json_is_array(disks)) {
		disks = json_array();
		json_object_set_new(d->config, "disk", disks);
	}
	return disks;
}

/* One of the config's disk entries, parsed; false for one that does not
 * parse (xm checked them all, so only a hand-edited record has one). */
static bool entry_spec(json_t *entry, struct vbd_spec *s)
{
	char why[256];
	return json_is_string(entry) && vbd_parse(json_string_value(entry), s, why, sizeof(why)) == 0;
}

/* The index in the domain's disk entries of the one that is vbd `devid`;
 * -1 if none is. */
static long find_entry(struct xdomain *d, uint32_t devid)
{
	size_t i;
	json_t *entry;
	json_array_foreach(disk_entries(d), i, entry) {
		struct vbd_spec s;
		if (!entry_spec(entry, &s))
			continue;
		bool found = s.number == devid;
		vbd_spec_free(&s);
		if (found)
			return (long)i;
	}
	return -1;
}

/* What tells this disk from others: the device a block device is, the
 * inode a file is. False for what has no local backing (NBD) or cannot
 * be looked at. */
static bool disk_identity(const struct vbd_spec *s, struct vbd_identity *id)
{
	struct stat st;
	if (s->kind == VBD_NBD || stat(s->target, &st) < 0)
		return false;
	if (S_ISBLK(st.st_mode))
		*id = (struct vbd_identity){ .block = true, .dev = st.st_rdev };
	else
		*id = (struct vbd_identity){ .dev = st.st_dev, .ino = st.st_ino };
	return true;
}

/* The disk must be there, of its kind, and open to us in its mode. */
static int check_target(const struct vbd_spec *s, char *err, size_t errlen)
{
	if (s->kind == VBD_NBD)
		return 0; /* a server elsewhere: the VMM says if it answers */
	struct stat st;
	int mode = s->mode == VBD_READ ? R_OK : R_OK | W_OK;
	if (stat(s->target, &st) < 0 || access(s->target, mode) < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "Disk %s (%s) does not exist", s->target, s->vdev);
		else
			snprintf(err, errlen, "Disk %s (%s): %s", s->target, s->vdev, strerror(errno));
		return -1;
	}
	if (s->kind == VBD_PHY && !S_ISBLK(st.st_mode)) {
		snprintf(err, errlen, "Disk %s (%s) is not a block device (phy: takes one; file: an image)", s->target,
			 s->vdev);
		return -1;
	}
	if (s->kind != VBD_PHY && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "Disk %s (%s) is a directory, not an image", s->target, s->vdev);
		return -1;
	}
	return 0;
}

/* Every disk with local backing of every domain, for the sharing check;
 * a preserved domain keeps its disks, as on Xen. The caller frees *out; -1
 * if out of memory. */
static int disk_users(struct vbd_user **out, size_t *n)
{
	struct vbd_user *users = NULL;
	size_t count = 0, cap = 0;
	for (struct xdomain *d = xend.domains; d; d = d->next) {
		size_t i;
		json_t *entry;
		json_array_foreach(disk_entries(d), i, entry) {
			struct vbd_spec s;
			if (!entry_spec(entry, &s))
				continue;
			struct vbd_user u = { .mode = s.mode, .domid = d->domid, .domain = d->name };
			snprintf(u.vdev, sizeof(u.vdev), "%s", s.vdev);
			bool known = disk_identity(&s, &u.id);
			vbd_spec_free(&s);
			if (!known)
				continue;
			if (count == cap) {
				cap = cap ? cap * 2 : 16;
				struct vbd_user *more = realloc(users, cap * sizeof(*users));
				if (!more) {
					free(users);
					return -1;
				}
				users = more;
			}
			users[count++] = u;
		}
	}
	*out = users;
	*n = count;
	return 0;
}

static int check_sharing(const struct xdomain *d, const struct vbd_spec *s, char *err, size_t errlen)
{
	struct vbd_user want = { .mode = s->mode, .domid = d->domid, .domain = d->name };
	snprintf(want.vdev, sizeof(want.vdev), "%s", s->vdev);
	if (!disk_identity(s, &want.id))
		return 0;
	size_t n;
	struct vbd_user *users;
	if (disk_users(&users, &n) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int r = vbd_share_check(&want, s->target, users, n, err, errlen);
	free(users);
	return r;
}

static int write_backend(const struct xdomain *d, const struct vbd_spec *s, const char *be, const char *fe,
			 char *err, size_t errlen)
{
	char parent[96], domid[16];
	snprintf(parent, sizeof(parent), "/local/domain/0/backend/vbd/%u", d->domid);
	snprintf(domid, sizeof(domid), "%u", d->domid);
	const char *device_type = s->cdrom ? "cdrom" : "disk";
	const struct store_node nodes[] = {
		{ "frontend", fe },
		{ "frontend-id", domid },
		{ "online", "1" },
		{ "removable", s->cdrom ? "1" : "0" },
		{ "bootable", "1" },
		{ "state", "1" }, /* Initialising */
		{ "dev", s->vdev },
		{ "type", vbd_kind_name(s->kind) },
		{ "mode", s->mode == VBD_READ ? "r" : "w" },
		{ "params", s->target },
		{ "device-type", device_type },
	};
	const struct store_folder f = { .path = be, .parent = parent, .owner = 0, .reader = d->domid,
					.nodes = nodes, .nnodes = sizeof(nodes) / sizeof(nodes[0]) };
	return store_put_folder(&f, err, errlen);
}

static int write_frontend(const struct xdomain *d, const struct vbd_spec *s, const char *be, const char *fe,
			  char *err, size_t errlen)
{
	char number[16];
	snprintf(number, sizeof(number), "%u", s->number);
	const struct store_node nodes[] = {
		{ "backend", be },
		{ "backend-id", "0" },
		{ "state", "1" },
		{ "virtual-device", number },
		/* Always "disk": Linux's blkfront in an HVM or PVH guest ignores
		 * a "cdrom", expecting the emulated IDE one Xen's QEMU gives such
		 * guests, which we have not. A cdrom still reaches the guest as
		 * removable, read-only media (the backend's info says so). */
		{ "device-type", "disk" },
	};
	/* The guest's own: it writes its ring-ref, event-channel and state. */
	const struct store_folder f = { .path = fe, .owner = d->domid, .reader = d->domid, .nodes = nodes,
					.nnodes = sizeof(nodes) / sizeof(nodes[0]) };
	return store_put_folder(&f, err, errlen);
}

static int vmm_attach(struct xdomain *d, const struct vbd_spec *s, const char *be, const char *fe, char *err,
		      size_t errlen)
{
	json_t *req = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "op", "vbd-attach", "devid",
				(json_int_t)s->number, "vdev", s->vdev, "kind", vbd_kind_name(s->kind), "target",
				s->target, "mode", vbd_mode_name(s->mode), "cdrom", s->cdrom, "backend", be,
				"frontend", fe);
	json_t *rep = domain_vmm_call(d, req, err, errlen);
	json_decref(req);
	json_decref(rep);
	return rep ? 0 : -1;
}

/* Attaches one disk and adds its entry to the domain's config. */
static int attach(struct xdomain *d, const char *entry, uint32_t *devid, char *err, size_t errlen)
{
	struct vbd_spec s;
	if (vbd_parse(entry, &s, err, errlen) < 0)
		return -1;
	char be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX];
	device_paths("vbd", d->domid, s.number, be, fe);
	int r = -1;
	if (find_entry(d, s.number) >= 0) {
		snprintf(err, errlen, "Device %s (%u) is already attached to domain %s", s.vdev, s.number, d->name);
		goto out;
	}
	if (check_target(&s, err, errlen) < 0 || check_sharing(d, &s, err, errlen) < 0 ||
	    write_backend(d, &s, be, fe, err, errlen) < 0)
		goto out;
	if (vmm_attach(d, &s, be, fe, err, errlen) < 0) {
		device_remove(be, fe);
		goto out;
	}
	if (write_frontend(d, &s, be, fe, err, errlen) < 0) {
		char why[256];
		if (device_vmm_detach(d, "vbd", s.number, true, why, sizeof(why)) < 0)
			log_warn("domain %s: the VMM kept vbd %u: %s", d->name, s.number, why);
		device_remove(be, fe);
		goto out;
	}
	json_array_append_new(disk_entries(d), json_string(entry));
	log_info("domain %s (%u): attached %s as %s (vbd %u), mode %s", d->name, d->domid, s.target, s.vdev,
		 s.number, vbd_mode_name(s.mode));
	if (devid)
		*devid = s.number;
	r = 0;
out:
	vbd_spec_free(&s);
	return r;
}

int vbd_attach_all(struct xdomain *d, char *err, size_t errlen)
{
	/* Each disk rejoins the config as it is attached, so each is checked
	 * against those before it, and a failure leaves only those. */
	json_t *wanted = json_incref(disk_entries(d));
	json_object_set_new(d->config, "disk", json_array());
	size_t i;
	json_t *entry;
	int r = 0;
	json_array_foreach(wanted, i, entry) {
		if (!json_is_string(entry)) {
			snprintf(err, errlen, "disk entry %zu is not a string", i + 1);
			r = -1;
		} else {
			r = attach(d, json_string_value(entry), NULL, err, errlen);
		}
		if (r < 0)
			break;
	}
	json_decref(wanted);
	return r;
}

int vbd_attach(struct xdomain *d, const char *entry, uint32_t *devid, char *err, size_t errlen)
{
	if (strcmp(d->state, "shutdown") == 0) {
		snprintf(err, errlen, "Domain %s has shut down: no disk can be attached to it", d->name);
		return -1;
	}
	if (attach(d, entry, devid, err, errlen) < 0)
		return -1;
	domain_save_record(d);
	return 0;
}

int vbd_detach(struct xdomain *d, const char *dev, bool force, char *err, size_t errlen)
{
	uint32_t devid;
	long index = vbd_number(dev, &devid) == 0 ? find_entry(d, devid) : -1;
	if (index < 0) {
		snprintf(err, errlen, "Device %s is not attached to domain %s", dev, d->name);
		return -1;
	}
	json_t *disks = disk_entries(d);
	struct vbd_spec s;
	if (vbd_parse(json_string_value(json_array_get(disks, (size_t)index)), &s, err, errlen) < 0)
		return -1;
	char be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX], label[VBD_NAME_MAX + 16];
	device_paths("vbd", d->domid, devid, be, fe);
	snprintf(label, sizeof(label), "%s (%u)", s.vdev, devid);
	int r = device_disconnect(d, "vbd", devid, label, "block-detach", force, err, errlen);
	if (r == 0) {
		device_remove(be, fe);
		json_array_remove(disks, (size_t)index);
		domain_save_record(d);
		log_info("domain %s (%u): detached %s (vbd %u)%s", d->name, d->domid, s.vdev, devid,
			 force ? " by force" : "");
	}
	vbd_spec_free(&s);
	return r;
}

void vbd_release_all(struct xdomain *d)
{
	size_t i;
	json_t *entry;
	json_array_foreach(disk_entries(d), i, entry) {
		struct vbd_spec s;
		char err[256], be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX];
		if (!entry_spec(entry, &s))
			continue;
		if (device_vmm_detach(d, "vbd", s.number, true, err, sizeof(err)) < 0)
			log_warn("domain %s: releasing %s (%u): %s", d->name, s.vdev, s.number, err);
		device_paths("vbd", d->domid, s.number, be, fe);
		device_remove(be, fe);
		vbd_spec_free(&s);
	}
	json_object_set_new(d->config, "disk", json_array());
}

/* ---- block-list ---- */

static json_t *describe_device(struct xdomain *d, uint32_t devid, json_t *vmm_vbds)
{
	/* A frontend with several queues or ring pages names its ring-ref and
	 * event-channel per queue (queue-0/...) and per page (ring-ref0): xm
	 * shows the first, as a single-ring frontend's. */
	static const char *const event_channel[] = { "event-channel", "queue-0/event-channel", NULL };
	static const char *const ring_ref[] = { "ring-ref", "ring-ref0", "queue-0/ring-ref", "queue-0/ring-ref0", NULL };
	static const char *const stat_names[] = { "rd_req",  "wr_req",  "oo_req", "f_req", "ds_req",
						  "rd_sect", "wr_sect", "errors", NULL };
	char be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX];
	device_paths("vbd", d->domid, devid, be, fe);
	char *backend = device_read(fe, "backend");
	/* Xen's vbd frontends have no handle (its vifs do), so xm printed 0. */
	json_int_t handle = device_read_number(fe, "handle");
	json_t *dev = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "devid", (json_int_t)devid, "backend_id",
				device_read_number(fe, "backend-id"), "handle", handle < 0 ? 0 : handle, "state",
				device_read_number(fe, "state"), "event_channel",
				device_first_number(fe, event_channel), "ring_ref", device_first_number(fe, ring_ref));
	device_set_string(dev, "protocol", fe, "protocol");
	if (backend) {
		device_set_string(dev, "device_type", backend, "device-type");
		json_object_set_new(dev, "backend_path", json_string(backend));
		device_set_string(dev, "vdev", backend, "dev");
		device_set_string(dev, "mode", backend, "mode");
		device_set_string(dev, "params", backend, "params");
	}
	free(backend);
	device_copy_numbers(dev, control_find_device(vmm_vbds, devid), stat_names);
	return dev;
}

json_t *vbd_list(struct xdomain *d)
{
	return device_list(d, "vbd", "vbds", describe_device);
}
