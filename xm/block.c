/* xm block-list and the vbd lines of xm list --long (block.h). */
#include "block.h"

#include "control.h"
#include "device.h"
#include "vbd.h"

/* Xen's xm: '%(idx)-3d    %(backend-id)-3d %(handle)-3d   %(state)-3d
 * %(event-channel)-3d %(ring-ref)-5d %(be-path)-30s  ' (wider numbers
 * widen their field, as Python's do). */
static void print_line(FILE *out, json_t *dev)
{
	fprintf(out, "%-3lld    %-3lld %-3lld   %-3lld %-3lld %-5lld %-30s  \n", xm_dev_number(dev, "devid"),
		xm_dev_number(dev, "backend_id"), xm_dev_number(dev, "handle"), xm_dev_number(dev, "state"),
		xm_dev_number(dev, "event_channel"), xm_dev_number(dev, "ring_ref"),
		xm_dev_string(dev, "backend_path", "??"));
}

void xm_block_list_print(FILE *out, json_t *devices, bool longform)
{
	/* The frontend's nodes, as Xen's xend listed them. */
	static const struct xm_dev_field fields[] = {
		{ "backend-id", "backend_id" }, { "virtual-device", "devid" }, { "device-type", "device_type" },
		{ "state", "state" },           { "backend", "backend_path" }, { "ring-ref", "ring_ref" },
		{ "event-channel", "event_channel" }, { "protocol", "protocol" },
	};
	xm_dev_list_print(out, devices, longform, "Vdev  BE handle state evt-ch ring-ref BE-path", print_line, fields,
			  sizeof(fields) / sizeof(fields[0]));
}

void xm_vbd_sxp_print(FILE *out, const char *uname, json_t *vbds)
{
	static const char *const stats[] = { "rd_req", "wr_req", "rd_sect", "wr_sect",
					      "oo_req", "f_req",  "ds_req",  "errors", NULL };
	struct vbd_spec s;
	char why[256];
	json_t *v = vbd_parse(uname, &s, why, sizeof(why)) == 0 ? control_find_device(vbds, s.number) : NULL;
	fprintf(out, "(device (vbd (uname '%s')", uname);
	if (v) {
		fprintf(out, " (dev %s)", s.vdev);
		xm_dev_sxp_numbers(out, v, stats);
	}
	fprintf(out, "))");
	vbd_spec_free(&s); /* zeroed by vbd_parse if it failed */
}
