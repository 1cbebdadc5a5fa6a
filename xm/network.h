/* What xm prints of a domain's virtual network interfaces: network-list as
 * Xen 3.x's xm printed it, and each vif's line in xm list --long. Takes
 * xend's replies (xend/requests.c: network-list's "devices", describe's
 * "vifs"). */
#ifndef XENON_XM_NETWORK_H
#define XENON_XM_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* xm network-list [--long]: a header and a line per vif, or one SXP per
 * vif; nothing at all for a domain without any, as Xen's xm. */
void xm_network_list_print(FILE *out, json_t *devices, bool longform);

/* The vif = [...] entry xm network-attach's words make ("mac=..., bridge=
 * ..."), checked as xm create checks a config's; 0, or -1 with `err` set
 * (an unknown option, say). */
int xm_network_entry(char *const *words, size_t n, char *entry, size_t len, char *err, size_t errlen);

/* "(device (vif (devid N) (mac ...) ...))" for one vif = [...] entry of
 * domain `domid` (UUID `uuid`), with the name and statistics the VMM gives
 * for it in `vifs` when it has them. */
void xm_vif_sxp_print(FILE *out, const char *entry, uint32_t devid, uint32_t domid, const char *uuid, json_t *vifs);

#endif
