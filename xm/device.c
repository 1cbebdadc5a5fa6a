/* Printing xend's device lists (device.h). */
#include "device.h"

long long xm_dev_number(json_t *dev, const char *key)
{
	json_t *v = json_object_get(dev, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

const char *xm_dev_string(json_t *dev, const char *key, const char *fallback)
{
	const char *v = json_string_value(json_object_get(dev, key));
	return v ? v : fallback;
}

void xm_dev_sxp_print(FILE *out, json_t *dev, const struct xm_dev_field *fields, size_t n)
{
	fprintf(out, "(%lld (", xm_dev_number(dev, "devid"));
	const char *sep = "";
	for (size_t i = 0; i < n; i++) {
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

void xm_dev_sxp_numbers(FILE *out, json_t *from, const char *const *names)
{
	for (; *names; names++) {
		json_t *n = json_object_get(from, *names);
		if (json_is_integer(n))
			fprintf(out, " (%s %lld)", *names, (long long)json_integer_value(n));
	}
}

void xm_dev_list_print(FILE *out, json_t *devices, bool longform, const char *header,
		       void (*print_line)(FILE *out, json_t *dev), const struct xm_dev_field *fields, size_t n)
{
	size_t i;
	json_t *dev;
	json_array_foreach(devices, i, dev) {
		if (longform) {
			xm_dev_sxp_print(out, dev, fields, n);
			continue;
		}
		if (i == 0)
			fprintf(out, "%s\n", header);
		print_line(out, dev);
	}
}
