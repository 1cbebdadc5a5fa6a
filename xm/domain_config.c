/* xm's domain options, read from a parsed config file. Each check names the
 * line of the assignment that gave the value, so that an administrator can
 * go straight to it. */
#include "domain_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "cpulist.h"
#include "credit.h"
#include "util.h"
#include "vbd.h"
#include "vif.h"

#define DEFAULT_MEMORY_MB 128

static const char *const event_names[] = {
	[XM_ON_DESTROY] = "destroy",
	[XM_ON_RESTART] = "restart",
	[XM_ON_PRESERVE] = "preserve",
	[XM_ON_RENAME_RESTART] = "rename-restart",
};

const char *xm_on_event_name(enum xm_on_event e)
{
	if ((size_t)e >= ARRAY_SIZE(event_names))
		return "?";
	return event_names[e];
}

struct loader {
	const char *path;
	const struct xmc_file *f;
	char *err;
	size_t errlen;
};

static int located_error(const struct loader *l, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "PATH:LINE: message", or "PATH: message" for LINE 0. Returns -1. */
static int located_error(const struct loader *l, unsigned line, const char *fmt, ...)
{
	if (!l->err || l->errlen == 0)
		return -1;
	int n = line ? snprintf(l->err, l->errlen, "%s:%u: ", l->path, line)
		     : snprintf(l->err, l->errlen, "%s: ", l->path);
	if (n < 0 || (size_t)n >= l->errlen)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int option_error(const struct loader *l, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "PATH:LINE: NAME = VALUE: why". Returns -1. */
static int option_error(const struct loader *l, const char *name, const char *fmt, ...)
{
	unsigned line;
	const struct xmc_value *v = xmc_get(l->f, name, &line);
	char shown[96] = "", why[256];
	if (v)
		xmc_repr(v, shown, sizeof(shown));
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (line == 0) /* only defines have no line */
		return located_error(l, 0, "%s = %s (on the command line): %s", name, shown, why);
	return located_error(l, line, "%s = %s: %s", name, shown, why);
}

/* NAME's value; NULL when unset or None, which xm takes for unset. */
static const struct xmc_value *get(const struct loader *l, const char *name)
{
	const struct xmc_value *v = xmc_get(l->f, name, NULL);
	return v && v->type != XMC_NONE ? v : NULL;
}

static int get_string(const struct loader *l, const char *name, const char **out)
{
	const struct xmc_value *v = get(l, name);
	*out = NULL;
	if (!v)
		return 0;
	if (v->type != XMC_STRING)
		return option_error(l, name, "must be a string, not %s", xmc_type_name(v->type));
	*out = v->str;
	return 0;
}

/* An integer, or a string of digits ("256"), as xm takes memory sizes. */
static bool as_count(const struct xmc_value *v, long long *out)
{
	if (v->type == XMC_INT) {
		*out = v->num;
		return true;
	}
	if (v->type != XMC_STRING || v->count == 0 || v->count > 18)
		return false;
	long long n = 0;
	for (const char *s = v->str; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (*s - '0');
	}
	*out = n;
	return true;
}

static int get_mib(const struct loader *l, const char *name, uint64_t dflt, uint64_t *out)
{
	const struct xmc_value *v = get(l, name);
	long long mib;
	*out = dflt;
	if (!v)
		return 0;
	if (!as_count(v, &mib))
		return option_error(l, name, "must be a number of MiB");
	if (mib < XM_MEMORY_MIN_MB || mib > XM_MEMORY_MAX_MB)
		return option_error(l, name, "must be from %d to %d MiB",
				    XM_MEMORY_MIN_MB, XM_MEMORY_MAX_MB);
	*out = (uint64_t)mib;
	return 0;
}

static int get_vcpu_count(const struct loader *l, const char *name, unsigned dflt, unsigned *out)
{
	const struct xmc_value *v = get(l, name);
	*out = dflt;
	if (!v)
		return 0;
	if (v->type != XMC_INT)
		return option_error(l, name, "must be a number of vCPUs");
	if (v->num < 1 || v->num > XM_VCPUS_MAX)
		return option_error(l, name, "must be from 1 to %d", XM_VCPUS_MAX);
	*out = (unsigned)v->num;
	return 0;
}

/* maxvcpus is what the domain has (each in its ACPI tables), vcpus how
 * many are online at boot; either alone gives both. */
static int get_vcpus(const struct loader *l, struct xm_domain_config *c)
{
	if (get_vcpu_count(l, "maxvcpus", 0, &c->maxvcpus) < 0 ||
	    get_vcpu_count(l, "vcpus", c->maxvcpus ? c->maxvcpus : 1, &c->vcpus) < 0)
		return -1;
	if (!c->maxvcpus)
		c->maxvcpus = c->vcpus;
	if (c->vcpus > c->maxvcpus)
		return option_error(l, "vcpus", "must be at most maxvcpus (%u)", c->maxvcpus);
	return 0;
}

/* cpu_weight and cpu_cap, in Xen's ranges (xend refused the others at
 * create). */
static int get_credit(const struct loader *l, struct xm_domain_config *c)
{
	const struct xmc_value *weight = get(l, "cpu_weight"), *cap = get(l, "cpu_cap");
	char why[160];
	c->cpu_weight = CREDIT_WEIGHT_DEFAULT;
	c->cpu_cap = CREDIT_CAP_DEFAULT;
	if (weight && weight->type != XMC_INT)
		return option_error(l, "cpu_weight", "must be a whole number");
	if (weight && !credit_weight_valid(weight->num, why, sizeof(why)))
		return option_error(l, "cpu_weight", "%s", why);
	if (cap && cap->type != XMC_INT)
		return option_error(l, "cpu_cap", "must be a whole number (percent of one CPU)");
	if (cap && !credit_cap_valid(cap->num, c->vcpus, why, sizeof(why)))
		return option_error(l, "cpu_cap", "%s", why);
	if (weight)
		c->cpu_weight = (unsigned)weight->num;
	if (cap)
		c->cpu_cap = (unsigned)cap->num;
	return 0;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > XM_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-") == len;
}

static int get_name(const struct loader *l, char **out)
{
	const char *name;
	if (get_string(l, "name", &name) < 0)
		return -1;
	if (!name)
		return located_error(l, 0, "no name given (name = \"myvm\")");
	if (!valid_name(name))
		return option_error(l, "name", "must be 1 to %d letters, digits, '_', '.' or '-', "
				    "not starting with '.' or '-' (names become file names)",
				    XM_NAME_MAX);
	*out = strdup(name);
	return *out ? 0 : located_error(l, 0, "out of memory");
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* The file NAME gives, absolute (from the current directory), checked to be
 * a regular file we can read: better said now than by the VMM later. */
static int get_file(const struct loader *l, const char *name, bool required, char **out)
{
	const char *given;
	unsigned line;
	*out = NULL;
	if (get_string(l, name, &given) < 0)
		return -1;
	if (required && !given)
		return located_error(l, 0, "no %s given (%s = \"/path/to/vmlinuz\")", name, name);
	if (!given || (!required && !*given))
		return 0;
	if (!*given)
		return option_error(l, name, "must be a path");
	xmc_get(l->f, name, &line);

	char *path;
	if (given[0] == '/') {
		path = strdup(given);
	} else {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return located_error(l, line, "%s %s: the current directory: %s", name,
					     given, strerror(errno));
		if (asprintf(&path, "%s/%s", cwd, given) < 0)
			path = NULL;
		free(cwd);
	}
	if (!path)
		return located_error(l, line, "out of memory");

	/* O_NONBLOCK: a FIFO must not hang us before we see what it is. */
	const char *why = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		why = strerror(errno);
	else if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	if (fd >= 0)
		close(fd);
	if (why) {
		char shown[96];
		if (printable(path)) {
			snprintf(shown, sizeof(shown), "%s", path);
		} else {
			struct xmc_value v = { .type = XMC_STRING, .str = path, .count = strlen(path) };
			xmc_repr(&v, shown, sizeof(shown));
		}
		located_error(l, line, "%s %s: %s", name, shown, why);
		free(path);
		return -1;
	}
	*out = path;
	return 0;
}

/* xm's rule: "root=ROOT EXTRA", where root = "root=/dev/x" counts once. */
static int build_cmdline(const struct loader *l, char **out)
{
	const char *root, *extra;
	*out = NULL;
	if (get_string(l, "root", &root) < 0 || get_string(l, "extra", &extra) < 0)
		return -1;
	if (root && strncmp(root, "root=", 5) == 0)
		root += 5;
	bool has_root = root && *root, has_extra = extra && *extra;
	int n = 0;
	if (has_root && has_extra)
		n = asprintf(out, "root=%s %s", root, extra);
	else if (has_root)
		n = asprintf(out, "root=%s", root);
	else if (has_extra)
		n = asprintf(out, "%s", extra);
	if (n < 0) {
		*out = NULL;
		return located_error(l, 0, "out of memory");
	}
	return 0;
}

static bool valid_uuid(const char *s)
{
	static const char form[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	for (size_t i = 0; i < sizeof(form) - 1; i++) {
		bool hex = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
			   (s[i] >= 'A' && s[i] <= 'F');
		if (form[i] == '-' ? s[i] != '-' : !hex)
			return false;
	}
	return s[sizeof(form) - 1] == '\0';
}

static int get_uuid(const struct loader *l, char **out)
{
	const char *uuid;
	*out = NULL;
	if (get_string(l, "uuid", &uuid) < 0)
		return -1;
	if (!uuid)
		return 0;
	if (!valid_uuid(uuid))
		return option_error(l, "uuid", "must be a UUID like "
				    "01234567-89ab-cdef-0123-456789abcdef");
	*out = strdup(uuid);
	return *out ? 0 : located_error(l, 0, "out of memory");
}

static int get_event(const struct loader *l, const char *name, enum xm_on_event dflt,
		     enum xm_on_event *out)
{
	const char *action;
	*out = dflt;
	if (get_string(l, name, &action) < 0)
		return -1;
	if (!action)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(event_names); i++) {
		if (strcmp(action, event_names[i]) == 0) {
			*out = (enum xm_on_event)i;
			return 0;
		}
	}
	return option_error(l, name, "must be destroy, restart, preserve or rename-restart");
}

static void free_strings(char **list, size_t n)
{
	for (size_t i = 0; i < n && list; i++)
		free(list[i]);
	free(list);
}

/* A string or a list of strings, copied as they are. */
static int get_strings(const struct loader *l, const char *name, char ***out, size_t *nout)
{
	const struct xmc_value *v = get(l, name);
	const struct xmc_value *items = v;
	size_t n = 1;
	*out = NULL;
	*nout = 0;
	if (!v)
		return 0;
	if (v->type == XMC_LIST) {
		items = v->items;
		n = v->count;
	} else if (v->type != XMC_STRING) {
		return option_error(l, name, "must be a string or a list of strings, not %s",
				    xmc_type_name(v->type));
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].type != XMC_STRING)
			return option_error(l, name, "item %zu of the list is %s; each must be "
					    "a string", i + 1, xmc_type_name(items[i].type));
	if (n == 0)
		return 0;

	char **list = calloc(n, sizeof(*list));
	if (!list)
		return located_error(l, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		list[i] = strdup(items[i].str);
		if (!list[i]) {
			free_strings(list, n);
			return located_error(l, 0, "out of memory");
		}
	}
	*out = list;
	*nout = n;
	return 0;
}

/* Each disk entry must parse, and no two may name the same device. */
static int check_disks(const struct loader *l, const struct xm_domain_config *c)
{
	uint32_t numbers[256];
	if (c->ndisk > sizeof(numbers) / sizeof(numbers[0]))
		return option_error(l, "disk", "has %zu entries; a domain takes at most %zu", c->ndisk,
				    sizeof(numbers) / sizeof(numbers[0]));
	for (size_t i = 0; i < c->ndisk; i++) {
		struct vbd_spec s;
		char why[512];
		if (vbd_parse(c->disk[i], &s, why, sizeof(why)) < 0)
			return option_error(l, "disk", "%s", why);
		numbers[i] = s.number;
		for (size_t k = 0; k < i; k++) {
			if (numbers[k] == s.number) {
				int r = option_error(l, "disk", "two entries name the same device (%s)", s.vdev);
				vbd_spec_free(&s);
				return r;
			}
		}
		vbd_spec_free(&s);
	}
	return 0;
}

/* Each vif entry must parse, and no two may share a MAC or a name. */
static int check_vifs(const struct loader *l, const struct xm_domain_config *c)
{
	struct vif_spec *specs = calloc(c->nvif ? c->nvif : 1, sizeof(*specs));
	if (!specs)
		return option_error(l, "vif", "out of memory");
	int r = 0;
	for (size_t i = 0; i < c->nvif && r == 0; i++) {
		char why[512];
		if (vif_parse(c->vif[i], &specs[i], why, sizeof(why)) < 0) {
			r = option_error(l, "vif", "%s", why);
			break;
		}
		for (size_t k = 0; k < i && r == 0; k++) {
			char mac[18];
			vif_format_mac(specs[i].mac, mac);
			if (specs[i].has_mac && specs[k].has_mac && memcmp(specs[i].mac, specs[k].mac, 6) == 0)
				r = option_error(l, "vif", "two entries have the MAC %s", mac);
			else if (specs[i].vifname[0] && strcmp(specs[i].vifname, specs[k].vifname) == 0)
				r = option_error(l, "vif", "two entries have the vifname %s", specs[i].vifname);
		}
	}
	for (size_t i = 0; i < c->nvif; i++)
		vif_spec_free(&specs[i]);
	free(specs);
	return r;
}

/* cpus = "0-3,^1" pins every vCPU; cpus = ["2", "3"] vCPU 0 to CPU 2 and
 * vCPU 1 to CPU 3, as in Xen 3's xmexample. */
static int get_cpus(const struct loader *l, struct xm_domain_config *c)
{
	const struct xmc_value *v = get(l, "cpus");
	if (get_strings(l, "cpus", &c->cpus, &c->ncpus) < 0)
		return -1;
	c->cpus_each = v && v->type == XMC_LIST;
	if (c->cpus_each && c->ncpus > c->maxvcpus)
		return option_error(l, "cpus", "has %zu entries, one per vCPU, and maxvcpus is %u", c->ncpus,
				    c->maxvcpus);
	for (size_t i = 0; i < c->ncpus; i++) {
		cpu_set_t set;
		char why[256];
		if (cpulist_parse(c->cpus[i], &set, why, sizeof(why)) < 0)
			return option_error(l, "cpus", "%s", why);
	}
	return 0;
}

static int load(const struct loader *l, struct xm_domain_config *c)
{
	if (get_name(l, &c->name) < 0 ||
	    get_mib(l, "memory", DEFAULT_MEMORY_MB, &c->memory_mb) < 0 ||
	    get_mib(l, "maxmem", c->memory_mb, &c->maxmem_mb) < 0)
		return -1;
	if (c->maxmem_mb < c->memory_mb)
		return option_error(l, "maxmem", "must be at least memory (%llu MiB)",
				    (unsigned long long)c->memory_mb);
	if (get_vcpus(l, c) < 0 || get_credit(l, c) < 0 ||
	    get_file(l, "kernel", true, &c->kernel) < 0 ||
	    get_file(l, "ramdisk", false, &c->ramdisk) < 0 ||
	    build_cmdline(l, &c->cmdline) < 0 ||
	    get_uuid(l, &c->uuid) < 0 ||
	    get_event(l, "on_poweroff", XM_ON_DESTROY, &c->on_poweroff) < 0 ||
	    get_event(l, "on_reboot", XM_ON_RESTART, &c->on_reboot) < 0 ||
	    get_event(l, "on_crash", XM_ON_RESTART, &c->on_crash) < 0 ||
	    get_strings(l, "disk", &c->disk, &c->ndisk) < 0 || check_disks(l, c) < 0 ||
	    get_strings(l, "vif", &c->vif, &c->nvif) < 0 || check_vifs(l, c) < 0 || get_cpus(l, c) < 0)
		return -1;
	return 0;
}

int xm_domain_config_load(const char *path, char *const *defines, size_t ndefines,
			  struct xm_domain_config *out, char *err, size_t errlen)
{
	*out = (struct xm_domain_config){ 0 };
	struct xmc_file *f = xmc_parse_file(path, defines, ndefines, err, errlen);
	if (!f)
		return -1;
	struct loader l = { .path = path, .f = f, .err = err, .errlen = errlen };
	int rc = load(&l, out);
	xmc_free(f);
	if (rc < 0)
		xm_domain_config_free(out);
	return rc;
}

void xm_domain_config_free(struct xm_domain_config *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->kernel);
	free(c->ramdisk);
	free(c->cmdline);
	free(c->uuid);
	free_strings(c->disk, c->ndisk);
	free_strings(c->vif, c->nvif);
	free_strings(c->cpus, c->ncpus);
	*c = (struct xm_domain_config){ 0 };
}

/* A config is a file: a folder of the same name (say, ./bench) is not it. */
static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

char *xm_config_find(const char *arg)
{
	if (!arg || !*arg) {
		errno = ENOENT;
		return NULL;
	}
	if (strchr(arg, '/') || is_file(arg))
		return strdup(arg);

	const char *dir = getenv("XENON_CONFIG_DIR");
	if (!dir || !*dir)
		dir = "/etc/xen";
	char *path;
	if (asprintf(&path, "%s/%s", dir, arg) < 0)
		return NULL;
	if (is_file(path))
		return path;
	free(path);
	errno = ENOENT;
	return NULL;
}
