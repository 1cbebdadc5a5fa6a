/* A domain's config as "xm create" reads it: the options of an xm config
 * file (see config.h for the language), type-checked, with xm's defaults.
 * Options this layer does not know are left alone: configs carry many
 * that later parts of xm read from the xmc_file. */
#ifndef XENON_XM_DOMAIN_CONFIG_H
#define XENON_XM_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XM_NAME_MAX 64
#define XM_MEMORY_MIN_MB 16
#define XM_MEMORY_MAX_MB 1048576
#define XM_VCPUS_MAX 64

enum xm_on_event { XM_ON_DESTROY, XM_ON_RESTART, XM_ON_PRESERVE, XM_ON_RENAME_RESTART };

struct xm_domain_config {
	char *name;                 /* required; 1..64 of [A-Za-z0-9_.-] */
	uint64_t memory_mb;         /* default 128, 16..1048576 */
	uint64_t maxmem_mb;         /* default memory; at least memory */
	unsigned vcpus;             /* online at boot: default maxvcpus, or 1; 1..maxvcpus */
	unsigned maxvcpus;          /* the domain's (xm vcpu-set brings more up): default vcpus, 1..64 */
	char **cpus;                /* the host CPUs (lib/cpulist.h) of cpus = "0-3,^1", for */
	size_t ncpus;               /* every vCPU; or, cpus_each, of cpus = ["2", "3"], one */
	bool cpus_each;             /* per vCPU ("" for any); NULL and 0 if none */
	unsigned cpu_weight;        /* the credit scheduler's: default 256, 1..65535 */
	unsigned cpu_cap;           /* percent of one CPU: default 0 (none), 0..100*vcpus */
	char *kernel;               /* required; absolute, a readable file */
	char *ramdisk;              /* optional, likewise; NULL if none */
	char *cmdline;              /* "root=ROOT EXTRA", "root=ROOT", "EXTRA" or NULL */
	char *uuid;                 /* optional; 8-4-4-4-12 hex as given */
	enum xm_on_event on_poweroff, on_reboot, on_crash; /* destroy, restart, restart */
	char **disk;                /* the strings of disk = [...], unparsed */
	size_t ndisk;
	char **vif;                 /* the strings of vif = [...], unparsed */
	size_t nvif;
};

/* Reads the config at PATH with the command line's DEFINES ("vmid=3").
 * Returns 0, or -1 with one line in ERR naming PATH:LINE and the option,
 * OUT then left empty. */
int xm_domain_config_load(const char *path, char *const *defines, size_t ndefines,
			  struct xm_domain_config *out, char *err, size_t errlen);

/* Frees what OUT holds and empties it; safe on an empty one. */
void xm_domain_config_free(struct xm_domain_config *c);

/* "destroy", "restart", "preserve" or "rename-restart". */
const char *xm_on_event_name(enum xm_on_event e);

/* The config file that "xm create ARG" means: ARG itself if it has a '/'
 * or exists here, else ARG in $XENON_CONFIG_DIR (default /etc/xen) if it
 * exists there. A malloc'd path, or NULL (errno ENOENT). */
char *xm_config_find(const char *arg);

#endif
