/* xm network-attach's entry, network-list, and the vif lines of xm list
 * --long (network.h). */
#include "network.h"

#include <string.h>

#include "control.h"
#include "device.h"
#include "vif.h"

/* Xen's xm: '%(idx)-3d %(backend-id)-3d%(mac)-17s    %(handle)-3d
 * %(state)-3d    %(event-ch)-3d   %(tx-ring-ref)-5d/%(rx-ring-ref)-5d
 * %(be-path)-30s  ', with its defaults for what a device lacks (a handle
 * of 0, '??' for a MAC or path). */
static void print_line(FILE *out, json_t *dev)
{
	long long handle = xm_dev_number(dev, "handle");
	fprintf(out, "%-3lld %-3lld%-17s    %-3lld   %-3lld    %-3lld   %-5lld/%-5lld   %-30s  \n",
		xm_dev_number(dev, "devid"), xm_dev_number(dev, "backend_id"), xm_dev_string(dev, "mac", "??"),
		handle < 0 ? 0 : handle, xm_dev_number(dev, "state"), xm_dev_number(dev, "event_channel"),
		xm_dev_number(dev, "tx_ring_ref"), xm_dev_number(dev, "rx_ring_ref"),
		xm_dev_string(dev, "backend_path", "??"));
}

void xm_network_list_print(FILE *out, json_t *devices, bool longform)
{
	/* The frontend's nodes, as Xen's xend listed them. */
	static const struct xm_dev_field fields[] = {
		{ "backend-id", "backend_id" },   { "mac", "mac" },
		{ "handle", "handle" },           { "state", "state" },
		{ "backend", "backend_path" },    { "tx-ring-ref", "tx_ring_ref" },
		{ "rx-ring-ref", "rx_ring_ref" }, { "event-channel", "event_channel" },
	};
	xm_dev_list_print(out, devices, longform, "Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path",
			  print_line, fields, sizeof(fields) / sizeof(fields[0]));
}

int xm_network_entry(char *const *words, size_t n, char *entry, size_t len, char *err, size_t errlen)
{
	size_t used = 0;
	entry[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(entry + used, len - used, "%s%s", i ? ", " : "", words[i]);
		if (w < 0 || (size_t)w >= len - used) {
			snprintf(err, errlen, "the vif's options are too long");
			return -1;
		}
		used += (size_t)w;
	}
	struct vif_spec s;
	if (vif_parse(entry, &s, err, errlen) < 0)
		return -1;
	vif_spec_free(&s);
	return 0;
}

void xm_vif_sxp_print(FILE *out, const char *entry, uint32_t devid, uint32_t domid, const char *uuid, json_t *vifs)
{
	static const char *const stats[] = { "tx_packets", "tx_bytes", "tx_drops", "rx_packets",
					     "rx_bytes",   "rx_drops", NULL };
	struct vif_spec s;
	char why[256], mac[18], ifname[IF_NAMESIZE + 16];
	json_t *v = control_find_device(vifs, devid);
	bool parsed = vif_parse(entry, &s, why, sizeof(why)) == 0;
	/* The VMM's word first: it is what the guest has. */
	const char *vmm_mac = xm_dev_string(v, "mac", NULL), *vmm_ifname = xm_dev_string(v, "ifname", NULL);
	if (vmm_mac) {
		snprintf(mac, sizeof(mac), "%s", vmm_mac);
	} else {
		uint8_t bytes[6];
		if (parsed && s.has_mac)
			memcpy(bytes, s.mac, sizeof(bytes));
		else
			vif_default_mac(uuid, devid, bytes);
		vif_format_mac(bytes, mac);
	}
	if (vmm_ifname)
		snprintf(ifname, sizeof(ifname), "%s", vmm_ifname);
	else if (parsed && s.vifname[0])
		snprintf(ifname, sizeof(ifname), "%s", s.vifname);
	else
		snprintf(ifname, sizeof(ifname), "vif%u.%u", domid, devid);
	fprintf(out, "(device (vif (devid %u) (mac %s)", devid, mac);
	if (parsed && s.bridge[0])
		fprintf(out, " (bridge %s)", s.bridge);
	if (parsed && s.script)
		fprintf(out, " (script %s)", s.script);
	fprintf(out, " (vifname %s)", ifname);
	if (parsed && s.ip)
		fprintf(out, " (ip '%s')", s.ip);
	if (parsed && s.rate[0])
		fprintf(out, " (rate %s)", s.rate);
	xm_dev_sxp_numbers(out, v, stats);
	fprintf(out, "))");
	vif_spec_free(&s); /* zeroed by vif_parse if it failed */
}
