/* vif = [...] entries (vif.h), with Xen's keys: mac, bridge, ip, script,
 * vifname, rate, model, type, and backend (the host: 0 or Domain-0), uuid
 * and accel, which are accepted and have no use here. */
#include "vif.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vif_parse_mac(const char *text, uint8_t mac[6])
{
	unsigned v[6];
	char tail;
	if (strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)text[i * 3]) || !isxdigit((unsigned char)text[i * 3 + 1]) ||
		    (i < 5 && text[i * 3 + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

void vif_format_mac(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* Reads decimal digits; false if there are none or too many. */
static bool read_number(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t n = 0;
	while (isdigit((unsigned char)*s)) {
		if (n > UINT64_MAX / 10 - 9)
			return false;
		n = n * 10 + (uint64_t)(*s++ - '0');
	}
	if (s == *p)
		return false;
	*p = s;
	*out = n;
	return true;
}

int vif_parse_rate(const char *text, uint64_t *bytes_per_interval, uint32_t *interval_us)
{
	const char *p = text;
	uint64_t n, scale = 1, interval = VIF_RATE_INTERVAL_DEFAULT_US;
	if (!read_number(&p, &n) || n == 0)
		return -1;
	switch (*p) {
	case 'K': scale = 1000; p++; break;
	case 'M': scale = 1000000; p++; break;
	case 'G': scale = 1000000000; p++; break;
	}
	bool bits = *p == 'b';
	if ((*p != 'B' && *p != 'b') || strncmp(p + 1, "/s", 2) != 0)
		return -1;
	p += 3;
	if (*p == '@') {
		p++;
		uint64_t per_unit = 1000000;
		if (!read_number(&p, &interval) || interval == 0)
			return -1;
		if (strcmp(p, "ms") == 0)
			per_unit = 1000;
		else if (strcmp(p, "us") == 0)
			per_unit = 1;
		else if (strcmp(p, "s") != 0)
			return -1;
		if (interval > UINT32_MAX / per_unit)
			return -1;
		interval *= per_unit;
		p += strlen(p);
	}
	if (*p || n > UINT64_MAX / scale)
		return -1;
	/* Bytes per second, then per interval: Xen's netback takes credit
	 * (bytes) and its period. */
	uint64_t per_second = n * scale / (bits ? 8 : 1);
	uint64_t per_interval = (uint64_t)((double)per_second * (double)interval / 1e6);
	if (per_interval == 0)
		return -1;
	*bytes_per_interval = per_interval;
	*interval_us = (uint32_t)interval;
	return 0;
}

void vif_default_mac(const char *uuid, unsigned devid, uint8_t mac[6])
{
	/* FNV-1a over the UUID's text and the vif's number. */
	uint32_t h = 2166136261u;
	for (const char *p = uuid; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (int i = 0; i < 4; i++)
		h = (h ^ (uint8_t)(devid >> (8 * i))) * 16777619u;
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = (uint8_t)(h >> 16) & 0x7f; /* as Xen's xend chose them */
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* An interface name the kernel takes: 1-15 characters, no '/', ':' or blank. */
static bool interface_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= IF_NAMESIZE || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return false;
	return true;
}

/* Copies [start, end) without surrounding blanks into buf. */
static void trimmed(const char *start, const char *end, char *buf, size_t len)
{
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

static int set_option(struct vif_spec *s, const char *key, const char *value, char *err, size_t errlen)
{
	if (strcmp(key, "mac") == 0) {
		if (vif_parse_mac(value, s->mac) < 0) {
			snprintf(err, errlen, "mac '%.64s' is not six hex octets (00:16:3e:01:02:03)", value);
			return -1;
		}
		if (s->mac[0] & 1) {
			snprintf(err, errlen, "mac '%.64s' is a multicast address; a vif needs a unicast one", value);
			return -1;
		}
		s->has_mac = true;
	} else if (strcmp(key, "bridge") == 0 || strcmp(key, "vifname") == 0) {
		if (!interface_name(value)) {
			snprintf(err, errlen, "%s '%.64s' is not an interface name (1 to %d characters, no '/', ':' or blank)",
				 key, value, IF_NAMESIZE - 1);
			return -1;
		}
		snprintf(key[0] == 'b' ? s->bridge : s->vifname, IF_NAMESIZE, "%.15s", value);
	} else if (strcmp(key, "ip") == 0 || strcmp(key, "script") == 0) {
		char **field = key[0] == 'i' ? &s->ip : &s->script;
		free(*field);
		*field = strdup(value);
		if (!*field) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	} else if (strcmp(key, "rate") == 0) {
		if (vif_parse_rate(value, &s->rate_bytes, &s->rate_interval_us) < 0) {
			snprintf(err, errlen, "rate '%.64s' is not a rate Xen takes (10Mb/s, 1MB/s@20ms, ...)", value);
			return -1;
		}
		snprintf(s->rate, sizeof(s->rate), "%.63s", value);
	} else if (strcmp(key, "model") == 0 || strcmp(key, "type") == 0) {
		snprintf(s->model, sizeof(s->model), "%.31s", value);
	} else if (strcmp(key, "backend") == 0) {
		if (strcmp(value, "0") != 0 && strcmp(value, "Domain-0") != 0) {
			snprintf(err, errlen, "backend '%.64s': only the host (0, Domain-0) serves vifs here", value);
			return -1;
		}
	} else if (strcmp(key, "uuid") != 0 && strcmp(key, "accel") != 0) {
		snprintf(err, errlen, "'%.64s' is not a vif option (mac, bridge, ip, script, vifname, rate, model)", key);
		return -1;
	}
	return 0;
}

int vif_parse(const char *entry, struct vif_spec *out, char *err, size_t errlen)
{
	*out = (struct vif_spec){ 0 };
	char why[256];
	for (const char *p = entry; *p;) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		char key[32], value[512];
		trimmed(p, eq ? eq : end, key, sizeof(key));
		if (eq)
			trimmed(eq + 1, end, value, sizeof(value));
		p = comma ? comma + 1 : end;
		if (!eq && !key[0])
			continue; /* "" or a stray comma */
		if (!eq || !value[0]) {
			snprintf(err, errlen, "vif entry '%s': '%s' wants a value (%s=...)", entry, key, key);
			goto fail;
		}
		if (set_option(out, key, value, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "vif entry '%s': %s", entry, why);
			goto fail;
		}
	}
	return 0;
fail:
	vif_spec_free(out);
	return -1;
}

void vif_spec_free(struct vif_spec *s)
{
	free(s->ip);
	free(s->script);
	*s = (struct vif_spec){ 0 };
}
