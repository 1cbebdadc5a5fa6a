/* What xm prints of a domain's virtual block devices: block-list as Xen
 * 3.x's xm printed it, and each disk's line in xm list --long. Takes xend's
 * replies (xend/requests.c: block-list's "devices", describe's "vbds"). */
#ifndef XENON_XM_BLOCK_H
#define XENON_XM_BLOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* xm block-list [--long]: a header and a line per device, or one SXP per
 * device; nothing at all for a domain without any, as Xen's xm. */
void xm_block_list_print(FILE *out, json_t *devices, bool longform);

/* "(device (vbd (uname 'ENTRY') ...))" for one disk = [...] entry, with its
 * device name and statistics when `vbds` (the VMM's, by devid) has them. */
void xm_vbd_sxp_print(FILE *out, const char *uname, json_t *vbds);

#endif
