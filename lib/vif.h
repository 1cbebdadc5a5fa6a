/* Virtual network interfaces as xm configs name them: the entries of
 * `vif = [...]` ("mac=00:16:3e:01:02:03, bridge=xenbr0, rate=10Mb/s"),
 * shared by xm (which checks a config before sending it), xend and the
 * network backend. */
#ifndef XENON_VIF_H
#define XENON_VIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Xen's credit period when a rate gives none ("rate=10Mb/s"). */
#define VIF_RATE_INTERVAL_DEFAULT_US 50000

struct vif_spec {
	uint8_t mac[6];
	bool has_mac;               /* else xend picks one (vif_default_mac) */
	char bridge[IF_NAMESIZE];   /* "" if not given: xend's default */
	char vifname[IF_NAMESIZE];  /* "" if not given: vifDOMID.DEVID */
	char *ip;                   /* ip=: the guest's addresses, as given; NULL if none */
	char *script;               /* script=: overrides xend's vif-script; NULL if none */
	uint64_t rate_bytes;        /* rate=: bytes per interval, 0 for no limit */
	uint32_t rate_interval_us;
	char rate[64];              /* rate= as written, "" if none */
	char model[32];             /* model=, type=: accepted, meaningless for a PV vif */
};

/* Parses one entry of vif = [...]; "" is a vif with every default. Returns
 * 0, or -1 with one line in ERR saying what is wrong with it. */
int vif_parse(const char *entry, struct vif_spec *out, char *err, size_t errlen);
void vif_spec_free(struct vif_spec *s);

/* "00:16:3e:01:02:03" -> 6 bytes; -1 if not six hex octets. */
int vif_parse_mac(const char *text, uint8_t mac[6]);
/* Xen's rate: NUMBER[K|M|G](B|b)/s[@NUMBER(s|ms|us)] (B bytes, b bits;
 * K, M, G in thousands). -1 if malformed or zero. */
int vif_parse_rate(const char *text, uint64_t *bytes_per_interval, uint32_t *interval_us);

/* The MAC a vif gets when its entry names none: Xen's prefix 00:16:3e and
 * three bytes from the domain's UUID and the vif's number, so the same
 * domain gets the same address every time it starts. */
void vif_default_mac(const char *uuid, unsigned devid, uint8_t mac[6]);
void vif_format_mac(const uint8_t mac[6], char out[18]);

#endif
