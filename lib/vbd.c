/* disk = [...] entries and vbd numbers (vbd.h). The numbering is Xen's
 * (docs/misc/vbd-interface.txt), so a guest names its disks as it would on
 * Xen:
 *
 *   202 << 8 | disk << 4 | partition    xvd, disks and partitions up to 15
 *   1 << 28 | disk << 8 | partition     xvd (and sd) beyond, partitions to 255
 *   8 << 8 | disk << 4 | partition      sd, disks and partitions up to 15
 *   3 << 8 | disk << 6 | partition      hda, hdb, partitions up to 63
 *   22 << 8 | (disk - 2) << 6 | part.   hdc, hdd */
#include "vbd.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXTENDED_DISKS (1u << 20)
#define EXTENDED_PARTITIONS 256

/* Letters a..z, aa.. as a disk index (bijective base 26); -1 if none. */
static long disk_index(const char **p)
{
	long index = 0;
	int letters = 0;
	while (**p >= 'a' && **p <= 'z') {
		if (++letters > 4)
			return -1;
		index = index * 26 + (**p - 'a' + 1);
		(*p)++;
	}
	return letters ? index - 1 : -1;
}

/* Decimal digits without a leading zero, or none (0); -1 if malformed. */
static long partition_number(const char *p)
{
	if (!*p)
		return 0;
	if (*p == '0' || strlen(p) > 3)
		return -1;
	long n = 0;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

static int xvd_number(long disk, long part, uint32_t *out)
{
	if (disk < 16 && part < 16) {
		*out = 202u << 8 | (uint32_t)disk << 4 | (uint32_t)part;
		return 0;
	}
	if (disk >= EXTENDED_DISKS || part >= EXTENDED_PARTITIONS)
		return -1;
	*out = 1u << 28 | (uint32_t)disk << 8 | (uint32_t)part;
	return 0;
}

int vbd_number(const char *vdev, uint32_t *out)
{
	const char *p = vdev;
	if (isdigit((unsigned char)*p)) { /* the number itself */
		char *end;
		errno = 0;
		unsigned long n = strtoul(vdev, &end, 10);
		if (*end || errno || n == 0 || n > UINT32_MAX)
			return -1;
		*out = (uint32_t)n;
		return 0;
	}
	if (p[0] == 'd' && isdigit((unsigned char)p[1])) { /* dNpM */
		char *end;
		long disk = strtol(p + 1, &end, 10), part = 0;
		if (*end == 'p') {
			if (!isdigit((unsigned char)end[1]))
				return -1;
			part = strtol(end + 1, &end, 10);
		}
		if (*end || disk < 0 || part < 0)
			return -1;
		return xvd_number(disk, part, out);
	}
	bool xvd = strncmp(p, "xvd", 3) == 0, sd = strncmp(p, "sd", 2) == 0, hd = strncmp(p, "hd", 2) == 0;
	if (!xvd && !sd && !hd)
		return -1;
	p += xvd ? 3 : 2;
	long disk = disk_index(&p), part = partition_number(p);
	if (disk < 0 || part < 0)
		return -1;
	if (xvd || (sd && (disk >= 16 || part >= 16)))
		return xvd_number(disk, part, out);
	if (sd) {
		*out = 8u << 8 | (uint32_t)disk << 4 | (uint32_t)part;
		return 0;
	}
	if (disk > 3 || part > 63)
		return -1;
	*out = (disk < 2 ? 3u : 22u) << 8 | (uint32_t)(disk % 2) << 6 | (uint32_t)part;
	return 0;
}

const char *vbd_mode_name(enum vbd_mode m)
{
	return m == VBD_READ ? "r" : m == VBD_WRITE ? "w" : "w!";
}

const char *vbd_kind_name(enum vbd_kind k)
{
	static const char *const names[] = { "file", "phy", "qcow2", "nbd" };
	return names[k];
}

void vbd_spec_free(struct vbd_spec *s)
{
	free(s->target);
	*s = (struct vbd_spec){ 0 };
}

/* Copies [start, end) without surrounding blanks into a new string. */
static char *trimmed(const char *start, const char *end)
{
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	return strndup(start, (size_t)(end - start));
}

static int parse_mode(const char *text, enum vbd_mode *out)
{
	if (strcmp(text, "r") == 0 || strcmp(text, "ro") == 0)
		*out = VBD_READ;
	else if (strcmp(text, "w") == 0 || strcmp(text, "rw") == 0)
		*out = VBD_WRITE;
	else if (strcmp(text, "w!") == 0)
		*out = VBD_WRITE_SHARED;
	else
		return -1;
	return 0;
}

/* The target part: "file:/srv/a.img" and its kind. */
static int parse_target(const char *spec, struct vbd_spec *out, char *err, size_t errlen)
{
	static const struct { const char *prefix; enum vbd_kind kind; } prefixes[] = {
		{ "file:", VBD_FILE },     { "tap:aio:", VBD_FILE },  { "tap2:aio:", VBD_FILE },
		{ "tap:qcow2:", VBD_QCOW2 }, { "tap2:qcow2:", VBD_QCOW2 }, { "phy:", VBD_PHY },
		{ "nbd:", VBD_NBD },
	};
	const char *rest = NULL;
	if (spec[0] == '/') {
		out->kind = VBD_FILE;
		rest = spec;
	}
	for (size_t i = 0; !rest && i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncmp(spec, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0) {
			out->kind = prefixes[i].kind;
			rest = spec + strlen(prefixes[i].prefix);
		}
	}
	if (!rest) {
		if (strncmp(spec, "tap:", 4) == 0 || strncmp(spec, "tap2:", 5) == 0)
			snprintf(err, errlen, "'%s': only tap:aio: (raw) and tap:qcow2: images are supported; "
				 "convert others with qemu-img", spec);
		else
			snprintf(err, errlen, "'%s': unknown kind of disk (file:, phy:, tap:aio:, tap:qcow2: or nbd:)",
				 spec);
		return -1;
	}
	if (!*rest) {
		snprintf(err, errlen, "'%s' names no %s", spec, out->kind == VBD_NBD ? "server" : "path");
		return -1;
	}
	if ((out->kind == VBD_FILE || out->kind == VBD_QCOW2) && rest[0] != '/') {
		snprintf(err, errlen, "'%s': an image's path must be absolute", spec);
		return -1;
	}
	if (out->kind == VBD_PHY && rest[0] != '/') {
		size_t len = strlen(rest) + 6;
		out->target = malloc(len);
		if (out->target)
			snprintf(out->target, len, "/dev/%s", rest);
	} else {
		out->target = strdup(rest);
	}
	if (!out->target) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int vbd_parse(const char *entry, struct vbd_spec *out, char *err, size_t errlen)
{
	*out = (struct vbd_spec){ 0 };
	/* TARGET,VDEV[:cdrom],MODE: the last two fields from the right, so a
	 * target (an NBD URI, say) may hold commas. */
	const char *mode_comma = strrchr(entry, ',');
	const char *vdev_comma = NULL;
	for (const char *p = entry; mode_comma && p < mode_comma; p++)
		if (*p == ',')
			vdev_comma = p;
	if (!vdev_comma) {
		snprintf(err, errlen, "disk entry '%s' is not TARGET,DEVICE,MODE (e.g. file:/srv/a.img,xvda,w)", entry);
		return -1;
	}
	char *target = trimmed(entry, vdev_comma), *vdev = trimmed(vdev_comma + 1, mode_comma);
	char *mode = trimmed(mode_comma + 1, entry + strlen(entry));
	int r = -1;
	if (!target || !vdev || !mode) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (parse_mode(mode, &out->mode) < 0) {
		snprintf(err, errlen, "disk entry '%s': mode '%s' is none of r, w and w!", entry, mode);
		goto out;
	}
	char *type = strchr(vdev, ':');
	if (type) {
		*type++ = '\0';
		if (strcmp(type, "cdrom") == 0)
			out->cdrom = true;
		else if (strcmp(type, "disk") != 0) {
			snprintf(err, errlen, "disk entry '%s': device type '%s' is neither cdrom nor disk", entry, type);
			goto out;
		}
	}
	if (strlen(vdev) >= sizeof(out->vdev) || vbd_number(vdev, &out->number) < 0) {
		snprintf(err, errlen, "disk entry '%s': '%s' is not a device name Xen knows (xvda, xvdb1, hda, sdc, ...)",
			 entry, vdev);
		goto out;
	}
	strcpy(out->vdev, vdev);
	if (out->cdrom && out->mode != VBD_READ) {
		snprintf(err, errlen, "disk entry '%s': a cdrom is read-only (mode r)", entry);
		goto out;
	}
	char why[256];
	if (parse_target(target, out, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "disk entry '%s': %s", entry, why);
		goto out;
	}
	r = 0;
out:
	if (r < 0)
		vbd_spec_free(out);
	free(target);
	free(vdev);
	free(mode);
	return r;
}
