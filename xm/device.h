/* What xm's block-list and network-list share in printing xend's device
 * lists (xm/block.c, xm/network.c). */
#ifndef XENON_XM_DEVICE_H
#define XENON_XM_DEVICE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A device's number `key`; -1 if it has none. */
long long xm_dev_number(json_t *dev, const char *key);
/* A device's string `key`, or `fallback`. */
const char *xm_dev_string(json_t *dev, const char *key, const char *fallback);

/* One of a frontend's nodes, under the key xend's reply gives it. */
struct xm_dev_field {
	const char *node, *key;
};
/* "(DEVID ((node value) ...))" as Xen's xm --long printed a device's
 * frontend: what the guest has not written yet (absent, or -1) is left out. */
void xm_dev_sxp_print(FILE *out, json_t *dev, const struct xm_dev_field *fields, size_t n);

/* " (NAME N)" for each of NAMES (NULL-terminated) that `from` has as a
 * number: the statistics of xm list --long. */
void xm_dev_sxp_numbers(FILE *out, json_t *from, const char *const *names);

/* block-list and network-list: with `longform` each device as its SXP
 * (`fields`), else `header` and a line per device (`print_line`); nothing
 * at all for a domain without any, as Xen's xm. */
void xm_dev_list_print(FILE *out, json_t *devices, bool longform, const char *header,
		       void (*print_line)(FILE *out, json_t *dev), const struct xm_dev_field *fields, size_t n);

#endif
