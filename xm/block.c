/* xm block-list and the vbd lines of xm list --long (block.h). */
#include "block.h"

#include "vbd.h"

static long long number(json_t *dev, const char *key)
{
	json_t *v = json_object_get(dev, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* Xen's xm: '%(idx)-3d    %(backend-id)-3d %(handle)-3d   %(state)-3d
 * %(event-channel)-3d %(ring-ref)-5d %(be-path)-30s  ' (wider numbers
 * widen their field, as Python's do). */
static void print_line(FILE *out, json_t *dev)
{
	const char *be = json_string_value(json_object_get(dev, "backend_path"));
	fprintf(out, "%-3lld    %-3lld %-3lld   %-3lld %-3lld %-5lld %-30s  \n", number(dev, "devid"),
		number(dev, "backend_id"), number(dev, "handle"), number(dev, "state"),
		number(dev, "event_channel"), number(dev, "ring_ref"), be ? be : "??");
}

/* The frontend's nodes, as Xen's xend listed them; what the guest has not
 * written yet is left out. */
static void print_sxp(FILE *out, json_t *dev)
{
	static const struct { const char *node, *key; } fields[] = {
		{ "backend-id", "backend_id" }, { "virtual-device", "devid" }, { "device-type", "device_type" },
		{ "state", "state" },           { "backend", "backend_path" }, { "ring-ref", "ring_ref" },
		{ "event-channel", "event_channel" }, { "protocol", "protocol" },
	};
	fprintf(out, "(%lld (", number(dev, "devid"));
	const char *sep = "";
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *v = json_object_get(dev, fields[i].key);
		if (json_is_string(v))
			fprintf(out, "%s(%s %s)", sep, fields[i].node, json_string_value(v));
		else if (json_is_integer(v) && json_integer_value(v) >= 0)
			fprintf(out, "%s(%s %lld)", sep, fields[i].node, (long long)json_integer_value(v));
		else
			continue;
		sep = " ";
	}
	fprintf(out, "))\n");
}

void xm_block_list_print(FILE *out, json_t *devices, bool longform)
{
	size_t i;
	json_t *dev;
	json_array_foreach(devices, i, dev) {
		if (longform) {
			print_sxp(out, dev);
			continue;
		}
		if (i == 0)
			fprintf(out, "Vdev  BE handle state evt-ch ring-ref BE-path\n");
		print_line(out, dev);
	}
}

static json_t *find_vbd(json_t *vbds, uint32_t devid)
{
	size_t i;
	json_t *v;
	json_array_foreach(vbds, i, v)
		if (json_integer_value(json_object_get(v, "devid")) == (json_int_t)devid)
			return v;
	return NULL;
}

void xm_vbd_sxp_print(FILE *out, const char *uname, json_t *vbds)
{
	static const char *const stats[] = { "rd_req", "wr_req", "rd_sect", "wr_sect",
					      "oo_req", "f_req",  "ds_req",  "errors" };
	struct vbd_spec s;
	char why[256];
	json_t *v = vbd_parse(uname, &s, why, sizeof(why)) == 0 ? find_vbd(vbds, s.number) : NULL;
	fprintf(out, "(device (vbd (uname '%s')", uname);
	if (v) {
		fprintf(out, " (dev %s)", s.vdev);
		for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
			json_t *n = json_object_get(v, stats[i]);
			if (json_is_integer(n))
				fprintf(out, " (%s %lld)", stats[i], (long long)json_integer_value(n));
		}
	}
	fprintf(out, "))");
	vbd_spec_free(&s); /* zeroed by vbd_parse if it failed */
}
