/* xend: the host's domain manager. It keeps the table of domains, starts a
 * VMM (xenon-vmm) for each, writes each domain's XenStore tree and
 * introduces it to xenstored, carries out xm's requests (lib/control.h
 * protocol on $XENON_RUN_DIR/xend.sock) and what on_poweroff, on_reboot and
 * on_crash say when a domain ends. */
#ifndef XEND_XEND_H
#define XEND_XEND_H

#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "vbd.h"
#include "vif.h"

enum on_event { ON_DESTROY, ON_RESTART, ON_PRESERVE, ON_RENAME_RESTART };

struct xdomain {
	uint32_t domid;
	char name[65];
	char uuid[37];
	json_t *config;        /* as xm sent it: name, memory, vcpus, kernel, ... */
	uint64_t memory_mb, maxmem_mb;
	unsigned vcpus;        /* maxvcpus: what the VMM has (vcpu.c) */
	unsigned online_vcpus; /* what cpu/N/availability asks the guest to keep online */
	enum on_event on_poweroff, on_reboot, on_crash;
	pid_t pid;             /* the VMM */
	int watch_fd;          /* connection on which the VMM tells us it ended */
	int restore_fd;        /* while it is made by xm restore: the save stream */
	bool incoming;         /* made by a migration, paused until the source lets it go */
	bool left_suspended;   /* a migration the target did not confirm: xm unpause resumes it */
	char tty[64];
	char state[16];        /* "running", "paused", "shutdown" */
	char end_reason[16];   /* for a preserved domain */
	uint64_t cpu_ns;       /* the VMM's CPU time at its last answer: a VMM too
	                        * busy to answer does not show as having used none */
	time_t start_time;
	unsigned restarts;     /* restarts in the current burst */
	time_t burst_start;
	struct xdomain *next;
};

/* settings.c: what xend-config.sxp says; a key the file lacks has Xen's
 * default. */
struct xend_settings {
	char *network_script;  /* "network-bridge [ARGS]"; "" runs none */
	char *vif_script;      /* "vif-bridge [ARGS]"; "" runs none */
	char *logfile;         /* "": xend.log in the log folder */
	char *loglevel;        /* DEBUG, INFO, WARNING, ERROR or CRITICAL */
	bool unix_server;      /* xend-unix-server: xm's socket */
	char *unix_path;       /* xend-unix-path; "": $XENON_RUN_DIR/xend.sock */
	uint64_t dom0_min_mem_mb; /* the host keeps this much memory free of domains */
	uint64_t dom0_cpus;    /* CPUs kept for the host: domains run on the others; 0: none kept */
	bool enable_dump;      /* a crashed domain's core goes to /var/lib/xen/dump */
	bool relocation_server;
	uint64_t relocation_port;
	char *relocation_address;     /* "": every address */
	char *relocation_hosts_allow; /* regular expressions, space-separated; "": any host */
	bool relocation_ssl_server;   /* a TLS relocation server as well, on relocation_ssl_port */
	uint64_t relocation_ssl_port;
	char *relocation_ssl_key_file, *relocation_ssl_cert_file; /* its key and certificate (PEM) */
	bool relocation_ssl;          /* xm migrate uses TLS unless told otherwise */
	char *vnc_listen;
};

struct xend {
	struct xdomain *domains;
	uint32_t next_domid;
	const char *vmm_path;
	const char *xenstored_path; /* NULL: not found; xend then needs a running one */
	const char *log_dir;
	const char *state_dir; /* /var/lib/xend: what survives xend */
	const char *scripts_dir; /* /etc/xen/scripts: the hotplug scripts */
	char hotplug_log[PATH_MAX]; /* what they print: xen-hotplug.log in log_dir */
	struct xend_settings settings;
};

extern struct xend xend;

/* domain.c */
struct xdomain *domain_find(const char *name_or_id);
/* The domain of the lowest ID at or past `domid`, or NULL: to go through
 * them by ID, as xm lists them. */
struct xdomain *domain_from(uint32_t domid);
/* Creates and starts a domain; NULL with the reason in `err`. */
struct xdomain *domain_create(json_t *config, bool paused, char *err, size_t errlen);
/* The same from a save stream (save.c), `restore_fd` at the VMM's records;
 * the domain starts running. */
struct xdomain *domain_restore(json_t *config, int restore_fd, char *err, size_t errlen);
/* The same from a migration's connection (relocation.c): the domain is
 * left paused, and destroys itself unless it is unpaused in time. */
struct xdomain *domain_migrate_in(json_t *config, int stream_fd, char *err, size_t errlen);
int domain_destroy(struct xdomain *d, char *err, size_t errlen);
/* A domain that suspended goes on, told its suspend was cancelled. */
int domain_resume(struct xdomain *d, char *err, size_t errlen);
int domain_shutdown(struct xdomain *d, const char *how, char *err, size_t errlen);
int domain_pause(struct xdomain *d, bool pause, char *err, size_t errlen);
/* The VMM's answer to "info", refreshed; NULL if it does not answer. */
json_t *domain_info(struct xdomain *d);
/* One request to the domain's VMM (not consumed): its reply, or NULL with
 * the VMM's error (or why it did not answer) in `err`. */
json_t *domain_vmm_call(struct xdomain *d, const json_t *request, char *err, size_t errlen);
/* The same with a descriptor passed beside it (-1: none), waiting up to
 * `timeout_ms` for the reply: a request that writes the guest's memory. */
json_t *domain_vmm_call_passing(struct xdomain *d, const json_t *request, int pass_fd, int timeout_ms, char *err,
				size_t errlen);
/* Whether `config` would make a domain (as create checks it, its files
 * too); false with the reason in `err`. */
bool domain_config_check(json_t *config, char *err, size_t errlen);
/* A new random (version 4) UUID. */
void make_uuid(char out[37]);
/* Keeps the domain's record (its config as it stands) for a later xend. */
void domain_save_record(const struct xdomain *d);
/* The VMM said the domain ended (or went away): apply on_* . */
void domain_ended(struct xdomain *d);
/* The same, the VMM's event read already: it said `why`. */
void domain_end_applied(struct xdomain *d, const char *why);
/* At start: takes back the domains an earlier xend left running. */
void domain_recover_all(void);

/* store.c: the domain's XenStore tree, through libxenstore */
/* Makes sure xend has a working connection to xenstored: it connects again
 * after xenstored restarted, and starts xenstored if none runs. */
int store_open(char *err, size_t errlen);
int store_make_domain(const struct xdomain *d, uint64_t store_gfn, uint32_t store_port,
		      uint64_t console_gfn, uint32_t console_port, char *err, size_t errlen);
int store_introduce(const struct xdomain *d, uint64_t gfn, uint32_t port, char *err, size_t errlen);
int store_write(const struct xdomain *d, const char *rel_path, const char *value);
void store_forget_domain(const struct xdomain *d);

/* A device's folder (a vbd's backend or frontend), written in one go. */
struct store_node {
	const char *name;
	const char *value;
};
struct store_folder {
	const char *path;
	const char *parent;     /* made first, with the same permissions, if absent; or NULL */
	uint32_t owner, reader; /* reader == owner: the owner alone may see it */
	const struct store_node *nodes;
	size_t nnodes;
};
/* Writes the folder and its nodes in one transaction, replacing whatever
 * was at its path. 0, or -1 with `err` naming the path. */
int store_put_folder(const struct store_folder *f, char *err, size_t errlen);
/* Writes each node (`name` an absolute path) in one transaction; nodes
 * that exist keep their permissions. 0, or -1 with errno set. */
int store_write_paths(const struct store_node *nodes, size_t n);
/* Removes the paths in one transaction. 0, or -1 with errno set. */
int store_remove(const char *const *paths, size_t n);
/* A node's value (malloc'd), or NULL if it is absent. */
char *store_read(const char *path);
/* The names in a folder (one malloc'd block), or NULL if it is absent. */
char **store_list(const char *path, unsigned *n);

/* vbd.c: the domain's virtual block devices (Xen's vbd), one disk = [...]
 * entry each: XenStore's backend and frontend folders, the VMM's blkback. */
/* At create, before the unpause: attaches every disk of the config. */
int vbd_attach_all(struct xdomain *d, char *err, size_t errlen);
/* block-attach: attaches one disk to a running domain and keeps it in the
 * domain's config and record; its vbd number in *devid. */
int vbd_attach(struct xdomain *d, const char *entry, uint32_t *devid, char *err, size_t errlen);
/* block-detach: DEV is the guest's name (xvdb) or the number. Unless
 * forced, waits for the guest to let go. */
int vbd_detach(struct xdomain *d, const char *dev, bool force, char *err, size_t errlen);
/* A domain that stays, dead, beside its restarted self (rename-restart)
 * gives its disks up to it, as Xen's xend released its devices. */
void vbd_release_all(struct xdomain *d);
/* block-list: the domain's devices as its frontend folders and the VMM's
 * statistics show them. */
json_t *vbd_list(struct xdomain *d);

/* vbd_share.c: Xen's rule for sharing a disk between domains (its block
 * hotplug script's check_sharing), on disks already told apart. */
struct vbd_identity {
	bool block;            /* a block device: `dev` is its st_rdev */
	uint64_t dev, ino;     /* a file: st_dev and st_ino */
};
struct vbd_user {
	struct vbd_identity id;
	enum vbd_mode mode;
	uint32_t domid;
	const char *domain;    /* its name */
	char vdev[VBD_NAME_MAX]; /* the guest's name for the disk */
};
/* Whether `want` (a disk at `target`) may join `users`: "w" only a disk
 * nobody else has, "r" one nobody else has writable, "w!" any; and no
 * domain has the same disk writable twice. 0, or -1 with one line in `err`
 * naming both users and what to do. */
int vbd_share_check(const struct vbd_user *want, const char *target, const struct vbd_user *users, size_t n,
		    char *err, size_t errlen);

/* device.c: what the classes of device (vbd, vif) share: their folders,
 * the VMM's side of them, and letting go of one. */
#define DEVICE_PATH_MAX 96
/* A device's backend and frontend folders. */
static inline void device_paths(const char *cls, uint32_t domid, uint32_t devid, char be[DEVICE_PATH_MAX],
				char fe[DEVICE_PATH_MAX])
{
	snprintf(be, DEVICE_PATH_MAX, "/local/domain/0/backend/%s/%u/%u", cls, domid, devid);
	snprintf(fe, DEVICE_PATH_MAX, "/local/domain/%u/device/%s/%u", domid, cls, devid);
}
/* A node of a folder (malloc'd), or NULL if absent. */
char *device_read(const char *folder, const char *name);
/* A number the guest (or we) wrote; -1 if absent or not a number. */
json_int_t device_read_number(const char *folder, const char *name);
/* The first of NAMES (NULL-terminated) that is a number; -1 if none. */
json_int_t device_first_number(const char *folder, const char *const *names);
/* Sets `key` to the node's text, if it has one. */
void device_set_string(json_t *o, const char *key, const char *folder, const char *name);
/* block-list, network-list: the devices under /local/domain/D/device/CLS
 * by devid, each as `describe` gives it, with the entries of the VMM's
 * info under `vmm_key` (none for a domain that has shut down). */
json_t *device_list(struct xdomain *d, const char *cls, const char *vmm_key,
		    json_t *(*describe)(struct xdomain *d, uint32_t devid, json_t *vmm_list));
/* Copies the integers NAMES (NULL-terminated) of `from` into `to`. */
void device_copy_numbers(json_t *to, const json_t *from, const char *const *names);
/* Asks the VMM to forget the device ("CLS-detach"). */
int device_vmm_detach(struct xdomain *d, const char *cls, uint32_t devid, bool force, char *err, size_t errlen);
/* Takes the device from the guest: the VMM lets go, and unless forced (or
 * the domain has shut down) xend waits up to 10 s for the guest to close
 * its end. `label` names it in messages ("xvdb (51712)"), `command` is
 * xm's for it ("block-detach"). 0, or -1 with `err` set. */
int device_disconnect(struct xdomain *d, const char *cls, uint32_t devid, const char *label, const char *command,
		      bool force, char *err, size_t errlen);
/* Removes the backend and frontend folders (failures are logged). */
void device_remove(const char *be, const char *fe);

/* hotplug.c: the scripts of /etc/xen/scripts, as Xen's udev rules and
 * xend ran them. */
#define HOTPLUG_TIMEOUT_MS 30000
struct hotplug_script {
	char *path;            /* the script itself */
	char **args;           /* the setting's words after its name */
	size_t nargs;
};
/* A setting ("vif-bridge bridge=xenbr1", or a path): its first word names
 * the script, found in `scripts_dir` unless it has a '/'; the rest are its
 * arguments. 0; 1 for a setting of no words (no script); -1 if out of
 * memory. */
int hotplug_script_resolve(const char *scripts_dir, const char *setting, struct hotplug_script *s);
void hotplug_script_free(struct hotplug_script *s);
/* Runs `SCRIPT ACTION ARGS...` with `env` (NAME=VALUE strings, NULL-
 * terminated) added to xend's environment, its output appended to
 * `log_path`; killed (its process group) after `timeout_ms`. 0 if it
 * exited 0, or -1 with "SCRIPT ACTION failed: <its last line on stderr>"
 * in `err`. */
int hotplug_run(const struct hotplug_script *s, const char *action, char *const *env, const char *log_path,
		int timeout_ms, char *err, size_t errlen);

/* settings.c: /etc/xen/xend-config.sxp and /etc/xen/scripts */
/* Reads the settings; an absent file gives the defaults. 0, or -1 with
 * "PATH:LINE: why" in `err`. */
int xend_settings_load(const char *path, struct xend_settings *s, char *err, size_t errlen);
void xend_settings_free(struct xend_settings *s);
/* xend-relocation-hosts-allow: whether a peer of address `addr` and name
 * `name` (NULL if it has none) may migrate here. Each pattern is an
 * extended regular expression, case-insensitive and unanchored (^ and $
 * anchor it); none allows every host. */
bool hosts_allow_matches(const char *patterns, const char *addr, const char *name);
/* Makes a folder and those it is in (0755); 0, or -1 with errno set. */
int make_folders(const char *dir);
/* Writes `j` to `path` so that a crash or a power cut leaves the old file
 * or the new one whole, never an empty one: written to PATH.new, synced,
 * renamed over PATH, and PATH's folder synced so that the rename lasts too.
 * 0, or -1 with errno set and no PATH.new left. */
int json_save_durably(const json_t *j, const char *path);
/* Syncs the folder `path` is in, so that a rename into it lasts a power
 * cut. 0, or -1 with errno set. */
int sync_folder_of(const char *path);
/* Copies into `to` (made if absent) each regular file of `from` that `to`
 * lacks, keeping its mode; never replaces one. Logs each; the number
 * installed, or -1 with `err` set on the first failure. */
int scripts_install(const char *from, const char *to, char *err, size_t errlen);

/* vif_config.c: what one vif = [...] entry makes, before anything is done. */
struct vif_plan {
	uint32_t domid, devid;
	struct vif_spec spec;
	char mac[18];
	char ifname[IF_NAMESIZE];
	char be[DEVICE_PATH_MAX], fe[DEVICE_PATH_MAX];
	struct hotplug_script script; /* path NULL: none runs */
	char domid_text[12], devid_text[12]; /* as the folders hold them */
};
/* Parses the entry and settles its MAC (vif_default_mac when it names
 * none), interface name (vifname, or vifDOMID.DEVID), folders and script
 * (its script=, else `vif_script`). 0, or -1 with "vif N: why". */
int vif_plan_make(struct vif_plan *p, const char *entry, uint32_t domid, const char *uuid, uint32_t devid,
		  const char *scripts_dir, const char *vif_script, char *err, size_t errlen);
void vif_plan_free(struct vif_plan *p);
#define VIF_BACKEND_NODES_MAX 12
/* The backend folder's nodes (into `nodes`, VIF_BACKEND_NODES_MAX at most)
 * and the frontend's (5); their number. */
size_t vif_backend_nodes(const struct vif_plan *p, struct store_node *nodes);
size_t vif_frontend_nodes(const struct vif_plan *p, struct store_node *nodes);
/* The VMM's vif-attach request. */
json_t *vif_attach_request(const struct vif_plan *p);
/* The vif script's environment: XENBUS_PATH, vif, script, domain, devid. */
struct vif_env {
	char buf[5][PATH_MAX + 16];
	char *list[6];
};
void vif_script_env(const struct vif_plan *p, const char *domain, struct vif_env *env);

/* vif.c: the domain's virtual network interfaces (Xen's vif), one vif =
 * [...] entry each: backend and frontend folders, the VMM's TAP device, the
 * vif script. devids are 0, 1, ... in the order of the entries; the config
 * keeps each entry's in "vif_devids". */
/* At create, after the disks and before the unpause: attaches every vif
 * of the config (on a failure, those attached are released). Without
 * `frontends` the guest's half, each frontend folder, waits for
 * vif_write_frontends: a restored domain's vifs are made while its image
 * loads, before its XenStore home is (which would replace the folders). */
int vif_attach_all(struct xdomain *d, bool frontends, char *err, size_t errlen);
int vif_write_frontends(struct xdomain *d, char *err, size_t errlen);
/* network-attach: attaches one vif (the lowest free devid) and keeps it in
 * the domain's config and record; its devid in *devid. */
int vif_attach(struct xdomain *d, const char *entry, uint32_t *devid, char *err, size_t errlen);
/* network-detach: unless forced, waits for the guest to let go. */
int vif_detach(struct xdomain *d, uint32_t devid, bool force, char *err, size_t errlen);
/* At the domain's end (destroy, restart, rename-restart): each vif's
 * script runs `offline`, the VMM forgets it and its folders go. */
void vif_release_all(struct xdomain *d);
/* network-list: the domain's vifs as their folders and the VMM show them. */
json_t *vif_list(struct xdomain *d);

/* logging.c: xend's own log, as xend-config.sxp's logfile and loglevel
 * say, rotated as Xen's was: at 1 MiB, keeping xend.log.1 ... .5. */
#define XEND_LOG_MAX_BYTES (1 << 20)
#define XEND_LOG_BACKUPS 5
/* The log's path: `logfile` if absolute, else in `log_dir`; "" is xend.log
 * there. 0, or -1 (ENAMETOOLONG). */
int xend_log_path(const char *log_dir, const char *logfile, char *buf, size_t len);
/* Makes the log's folder and file, so that xend start can say why it
 * cannot before it leaves the terminal. 0, or -1 with `err` set. */
int xend_log_prepare(const char *path, char *err, size_t errlen);
/* The daemon logs there from now on (stderr too), at `loglevel` and above;
 * 0, or -1 with errno set. */
int xend_log_open(const char *path, const char *loglevel);

/* domain_names.c: the names and UUIDs xend takes for a domain, which name
 * files too. */
#define DOMAIN_NAME_MAX 64 /* struct xdomain's name, less its 0 */
/* 1 to 64 letters, digits, '_', '.' or '-', not starting with '.' or '-'.
 * false with why in `err` (if not NULL). */
bool domain_name_valid(const char *name, char *err, size_t errlen);
/* 8-4-4-4-12 hex digits. false with why in `err` (if not NULL). */
bool domain_uuid_valid(const char *uuid, char *err, size_t errlen);

/* managed.c: the domains xend manages (xm new, start, delete): definitions
 * kept in /var/lib/xend/domains/UUID/config.json, listed whether they run
 * or not; a domain runs as the xdomain of its UUID. */
/* At start, before the running domains are taken back. */
void managed_load_all(void);
/* The UUID of the definition of that name (or UUID), or NULL. */
const char *managed_uuid(const char *name_or_uuid);
/* Whether the domain of `uuid` may have `name`: no other domain, running
 * or managed, has it. false with Xen's "VM name 'NAME' already exists ..."
 * in `err`. */
bool managed_name_check(const char *name, const char *uuid, char *err, size_t errlen);
/* The definition of `uuid`, if there is one, takes `name` (kept at once).
 * 0, or -1 with `err` set and nothing changed. */
int managed_rename(const char *uuid, const char *name, char *err, size_t errlen);
/* list: appends the managed domains not running, by name, as list
 * describes domains but with no domid, state "------" and no CPU time. */
void managed_list_inactive(json_t *list);

/* sched.c: the credit scheduler's weight and cap through cgroup v2: one
 * group per domain (its ID) under /sys/fs/cgroup/xenon, which outlives xend. */
#define SCHED_CPU_MAX_LEN 32
/* cgroup's cpu.weight for Xen's weight: 256 is 100, ratios kept (1..10000). */
unsigned sched_cpu_weight(unsigned weight);
/* cgroup's cpu.max for Xen's cap (percent of one CPU; 0: none). */
void sched_cpu_max(unsigned cap, char out[SCHED_CPU_MAX_LEN]);
/* dom0-cpus: the CPUs of `online` past the first `keep`, into `left`; how
 * many. */
int sched_cpus_after(const cpu_set_t *online, unsigned long keep, cpu_set_t *left);
/* At start: makes the xenon group, enables the cpu and cpuset controllers
 * above it and applies dom0-cpus. False, said once in the log, where cgroup
 * v2 or its cpu controller is missing. */
bool sched_init(unsigned long dom0_cpus);
/* Why weights and caps cannot be enforced, or NULL if they can. */
const char *sched_unavailable(void);
/* Makes the domain's group, sets its weight and cap, and moves the VMM (all
 * its threads) into it. 0, or -1 with `err` set. */
int sched_group_join(uint32_t domid, pid_t pid, unsigned weight, unsigned cap, char *err, size_t errlen);
int sched_group_set(uint32_t domid, unsigned weight, unsigned cap, char *err, size_t errlen);
/* Once the VMM is gone. */
void sched_group_remove(uint32_t domid);

/* sched_credit.c: each domain's weight and cap (its config's cpu_weight and
 * cpu_cap, Xen's defaults when absent), and xm's sched-credit. */
unsigned sched_weight_of(const struct xdomain *d);
unsigned sched_cap_of(const struct xdomain *d);
/* After the VMM is spawned, before its vCPUs run: checks the config's
 * values and puts the VMM in its group. 0, or -1 with `err` set. */
int sched_domain_start(struct xdomain *d, char *err, size_t errlen);
/* A domain a new xend takes back: its group and values again (logged). */
void sched_domain_recover(struct xdomain *d);
/* sched-credit {domain?, weight?, cap?}. */
void do_sched_credit(int fd, struct xdomain *unused, json_t *req);

/* vcpu.c: how many vCPUs the guest keeps online, the host CPUs each runs
 * on, and xm's vcpu-set, vcpu-list and vcpu-pin. */
/* After the VMM answers, before the vCPUs run: pins them as the config's
 * cpus says. 0, or -1 with `err` set. */
int vcpu_domain_start(struct xdomain *d, char *err, size_t errlen);
/* vcpu-set {domain, vcpus}; vcpu-pin {domain, vcpu, cpus}; vcpu-list
 * {domain} (Domain-0 included, so it names its domain itself). */
void do_vcpu_set(int fd, struct xdomain *d, json_t *req);
void do_vcpu_pin(int fd, struct xdomain *d, json_t *req);
void do_vcpu_list(int fd, struct xdomain *unused, json_t *req);

/* requests.c: xm's requests, one handler each, in a table. A handler
 * replies on `fd` (control_reply_ok or _error); `d` is the domain the
 * request names, NULL for requests that name none. */
typedef void request_handler(int fd, struct xdomain *d, json_t *req);
void request_handle(int fd);

/* balloon.c: a running domain's memory, through its balloon driver. */
/* dom0-min-mem: 0 when the host can spare `need_mb` more for domains;
 * else -1 with "cannot WHAT: ..." in `err`, naming the numbers. */
int balloon_host_room(const char *what, uint64_t need_mb, char *err, size_t errlen);
/* What domains could still get (xm info's free_memory): MemAvailable, less
 * what running domains may still take and dom0-min-mem; 0 if unknown. */
uint64_t balloon_host_free_mb(void);
/* mem-set {domain, memory}: writes memory/target (KiB) for the guest's
 * balloon; mem-max {domain, memory}: the VMM's maximum. Both keep the
 * value in the domain's config and record. */
request_handler balloon_mem_set, balloon_mem_max;
/* The handlers kept in files of their own. */
request_handler do_new, do_start, do_delete; /* managed.c */
request_handler do_rename;                   /* rename.c */
request_handler do_save, do_restore;         /* save.c */
request_handler do_migrate;                  /* migrate.c */
/* Asks the guest to suspend and waits until it has. 0; -1 with `err`
 * when it did not in time and goes on; -2 when it ended instead (then `d`
 * may be gone). */
int save_suspend(struct xdomain *d, char *err, size_t errlen);
/* The stream's header and xend's record: the config, name and UUID. 0,
 * or -errno. */
int save_write_config(int fd, const struct xdomain *d);
/* That record, read back: the config. NULL with `err`. */
struct save_reader;
json_t *save_read_config(struct save_reader *r, char *err, size_t errlen);

/* info.c: xm info's [key, value] pairs, in Xen's order. */
json_t *xend_host_info(void);
/* The KVM probe's one-line answer, as xenon-probe gives it; its verdict. */
bool xend_kvm_answer(char *buf, size_t len);

/* dmesg.c: Xen's console ring (conring.h) under the run folder. */
/* Adds "(XEN) TEXT", after what guests wrote to Xen's console so far. */
void dmesg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "(XEN) Domain ID (NAME) TEXT". */
void dmesg_domain(const struct xdomain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* At start: the Xen our guests see, and the KVM probe's answer. */
void dmesg_banner(void);

/* dump.c: core files (vmm/dump_core.h), xm dump-core and enable-dump. */
/* Dumps the domain's core to `path` (absolute), or NULL for Xen's
 * /var/xen/dump/TIME-NAME.ID.core; unless `live`, its vCPUs are paused
 * meanwhile. The path written in `written`; -1 with "PATH: why" in `err`,
 * and no file left, on failure. */
int dump_core(struct xdomain *d, const char *path, bool live, char *written, size_t wlen, char *err,
	      size_t errlen);
/* A domain that crashed, before on_crash: its core, if enable-dump says so. */
void dump_on_crash(struct xdomain *d);

/* xm info, dmesg {clear}, log, sysrq {domain, key}, dump-core {domain,
 * path?, live, crash}. */
request_handler do_info, do_dmesg, do_log, do_sysrq, do_dump_core;


#endif
