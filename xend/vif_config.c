/* What one `vif = [...]` entry makes, worked out before anything is done
 * (vif.c does it): the guest's MAC, the host's interface name, the script,
 * and the nodes of the vif's two XenStore folders, as Xen's xend and its
 * vif scripts wrote them:
 *
 *   /local/domain/0/backend/vif/D/N   frontend, frontend-id, online, state,
 *                                     handle, mac, script, and those the
 *                                     entry gives: bridge, ip, vifname,
 *                                     rate, model
 *   /local/domain/D/device/vif/N      backend, backend-id, state, handle,
 *                                     mac; xen-netfront adds its rings
 *
 * Kept apart from vif.c, which needs xenstored and a VMM, so tests/unit
 * can check it alone. */
#include <stdio.h>
#include <string.h>

#include "xend.h"

int vif_plan_make(struct vif_plan *p, const char *entry, uint32_t domid, const char *uuid, uint32_t devid,
		  const char *scripts_dir, const char *vif_script, char *err, size_t errlen)
{
	*p = (struct vif_plan){ .domid = domid, .devid = devid };
	char why[512];
	if (vif_parse(entry, &p->spec, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "vif %u: %s", devid, why);
		return -1;
	}
	uint8_t mac[6];
	if (p->spec.has_mac)
		memcpy(mac, p->spec.mac, sizeof(mac));
	else
		vif_default_mac(uuid, devid, mac);
	vif_format_mac(mac, p->mac);
	if (p->spec.vifname[0]) {
		snprintf(p->ifname, sizeof(p->ifname), "%s", p->spec.vifname);
	} else if (snprintf(p->ifname, sizeof(p->ifname), "vif%u.%u", domid, devid) >= (int)sizeof(p->ifname)) {
		snprintf(err, errlen, "vif %u: its interface name vif%u.%u is longer than Linux allows (%d); give it "
			 "a vifname=", devid, domid, devid, IF_NAMESIZE - 1);
		vif_plan_free(p);
		return -1;
	}
	device_paths("vif", domid, devid, p->be, p->fe);
	snprintf(p->domid_text, sizeof(p->domid_text), "%u", domid);
	snprintf(p->devid_text, sizeof(p->devid_text), "%u", devid);
	const char *setting = p->spec.script ? p->spec.script : vif_script;
	if (hotplug_script_resolve(scripts_dir, setting, &p->script) < 0) {
		snprintf(err, errlen, "vif %u: out of memory", devid);
		vif_plan_free(p);
		return -1;
	}
	return 0;
}

void vif_plan_free(struct vif_plan *p)
{
	vif_spec_free(&p->spec);
	hotplug_script_free(&p->script);
}

size_t vif_backend_nodes(const struct vif_plan *p, struct store_node *nodes)
{
	size_t n = 0;
	nodes[n++] = (struct store_node){ "frontend", p->fe };
	nodes[n++] = (struct store_node){ "frontend-id", p->domid_text };
	nodes[n++] = (struct store_node){ "online", "1" };
	nodes[n++] = (struct store_node){ "state", "1" }; /* Initialising */
	nodes[n++] = (struct store_node){ "handle", p->devid_text };
	nodes[n++] = (struct store_node){ "mac", p->mac };
	if (p->script.path)
		nodes[n++] = (struct store_node){ "script", p->script.path };
	/* The scripts read these; what the entry leaves out is theirs to choose. */
	if (p->spec.bridge[0])
		nodes[n++] = (struct store_node){ "bridge", p->spec.bridge };
	if (p->spec.ip)
		nodes[n++] = (struct store_node){ "ip", p->spec.ip };
	if (p->spec.vifname[0])
		nodes[n++] = (struct store_node){ "vifname", p->spec.vifname };
	if (p->spec.rate[0])
		nodes[n++] = (struct store_node){ "rate", p->spec.rate };
	if (p->spec.model[0])
		nodes[n++] = (struct store_node){ "model", p->spec.model };
	return n;
}

size_t vif_frontend_nodes(const struct vif_plan *p, struct store_node *nodes)
{
	nodes[0] = (struct store_node){ "backend", p->be };
	nodes[1] = (struct store_node){ "backend-id", "0" };
	nodes[2] = (struct store_node){ "state", "1" };
	nodes[3] = (struct store_node){ "handle", p->devid_text };
	nodes[4] = (struct store_node){ "mac", p->mac };
	return 5;
}

json_t *vif_attach_request(const struct vif_plan *p)
{
	uint32_t interval = p->spec.rate_interval_us ? p->spec.rate_interval_us : VIF_RATE_INTERVAL_DEFAULT_US;
	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:s}", "op", "vif-attach", "devid",
			 (json_int_t)p->devid, "mac", p->mac, "ifname", p->ifname, "rate_bytes",
			 (json_int_t)p->spec.rate_bytes, "rate_interval_us", (json_int_t)interval, "backend", p->be,
			 "frontend", p->fe);
}

void vif_script_env(const struct vif_plan *p, const char *domain, struct vif_env *env)
{
	/* XENBUS_PATH is relative to dom0's home, as Xen's udev rule gave it. */
	snprintf(env->buf[0], sizeof(env->buf[0]), "XENBUS_PATH=backend/vif/%u/%u", p->domid, p->devid);
	snprintf(env->buf[1], sizeof(env->buf[1]), "vif=%s", p->ifname);
	snprintf(env->buf[2], sizeof(env->buf[2]), "script=%s", p->script.path ? p->script.path : "");
	snprintf(env->buf[3], sizeof(env->buf[3]), "domain=%s", domain);
	snprintf(env->buf[4], sizeof(env->buf[4]), "devid=%u", p->devid);
	for (int i = 0; i < 5; i++)
		env->list[i] = env->buf[i];
	env->list[5] = NULL;
}
