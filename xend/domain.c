/* Domains: starting a VMM, bringing the domain up (XenStore tree,
 * introduction, unpause), and what happens when it ends. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "memory.h"
#include "xend.h"

/* A domain that restarts this often this fast is in a loop: stop it. */
#define RESTART_BURST_MAX 5
#define RESTART_BURST_SECONDS 60

struct xend xend = { .next_domid = 1 };

static const char *const on_event_names[] = { "destroy", "restart", "preserve", "rename-restart" };

struct xdomain *domain_find(const char *name_or_id)
{
	char *end;
	unsigned long id = strtoul(name_or_id, &end, 10);
	bool numeric = *name_or_id && !*end;
	for (struct xdomain *d = xend.domains; d; d = d->next)
		if ((numeric && d->domid == id) || strcmp(d->name, name_or_id) == 0)
			return d;
	return NULL;
}

struct xdomain *domain_from(uint32_t domid)
{
	struct xdomain *best = NULL;
	for (struct xdomain *d = xend.domains; d; d = d->next)
		if (d->domid >= domid && (!best || d->domid < best->domid))
			best = d;
	return best;
}

/* xend's record of each domain, so that a new xend finds the domains an
 * old one left running (Xen kept /var/lib/xend/domains/UUID/config.sxp). */
static void record_path(const struct xdomain *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/domains/%s.json", xend.state_dir, d->uuid);
}

void domain_save_record(const struct xdomain *d)
{
	char path[512];
	record_path(d, path, sizeof(path));
	json_t *j = json_pack("{s:i, s:s, s:s, s:O, s:I, s:i, s:I, s:i}", "domid", (int)d->domid, "name", d->name,
			      "uuid", d->uuid, "config", d->config, "start_time", (json_int_t)d->start_time,
			      "restarts", (int)d->restarts, "burst_start", (json_int_t)d->burst_start, "pid",
			      (int)d->pid);
	/* Durably: a crash or a power cut never leaves half a record. */
	if (json_save_durably(j, path) < 0)
		log_warn("domain %s: cannot keep its record %s: %s", d->name, path, strerror(errno));
	json_decref(j);
}

static void domain_free(struct xdomain *d)
{
	char path[512];
	record_path(d, path, sizeof(path));
	unlink(path);
	for (struct xdomain **link = &xend.domains; *link; link = &(*link)->next) {
		if (*link == d) {
			*link = d->next;
			break;
		}
	}
	if (d->watch_fd >= 0)
		close(d->watch_fd);
	sched_group_remove(d->domid);
	json_decref(d->config);
	free(d);
}

static bool parse_on_event(json_t *config, const char *key, enum on_event fallback, enum on_event *out)
{
	const char *v = json_string_value(json_object_get(config, key));
	*out = fallback;
	if (!v)
		return true;
	for (size_t i = 0; i < sizeof(on_event_names) / sizeof(on_event_names[0]); i++) {
		if (strcmp(v, on_event_names[i]) == 0) {
			*out = (enum on_event)i;
			return true;
		}
	}
	return false;
}

void make_uuid(char out[37])
{
	uint8_t b[16];
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rand();
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4: random */
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
		 b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Reads the domain's settings from its config; false with `err` set. */
static bool take_config(struct xdomain *d, json_t *config, bool check_files, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(config, "name"));
	const char *kernel = json_string_value(json_object_get(config, "kernel"));
	const char *uuid = json_string_value(json_object_get(config, "uuid"));
	json_int_t memory = json_integer_value(json_object_get(config, "memory"));
	json_int_t maxmem = json_integer_value(json_object_get(config, "maxmem"));
	json_int_t vcpus = json_integer_value(json_object_get(config, "vcpus"));
	json_int_t maxvcpus = json_integer_value(json_object_get(config, "maxvcpus")) ?: vcpus;
	if (!name) {
		snprintf(err, errlen, "the domain needs a name");
		return false;
	}
	/* The name and the UUID name files: its record, its logs, its core dumps. */
	if (!domain_name_valid(name, err, errlen) || (uuid && !domain_uuid_valid(uuid, err, errlen)))
		return false;
	if (!kernel || (check_files && access(kernel, R_OK) < 0)) {
		snprintf(err, errlen, "kernel %s: %s", kernel ? kernel : "(none)",
			 kernel ? strerror(errno) : "no kernel given");
		return false;
	}
	if (memory < DOMAIN_MEMORY_MIN_MB || memory > DOMAIN_MEMORY_MAX_MB || vcpus < 1 || vcpus > maxvcpus ||
	    maxvcpus > 64) {
		snprintf(err, errlen, "memory %lld MiB or vcpus %lld (of maxvcpus %lld) out of range", (long long)memory,
			 (long long)vcpus, (long long)maxvcpus);
		return false;
	}
	if (!parse_on_event(config, "on_poweroff", ON_DESTROY, &d->on_poweroff) ||
	    !parse_on_event(config, "on_reboot", ON_RESTART, &d->on_reboot) ||
	    !parse_on_event(config, "on_crash", ON_RESTART, &d->on_crash)) {
		snprintf(err, errlen, "on_poweroff, on_reboot and on_crash take destroy, restart, preserve or rename-restart");
		return false;
	}
	snprintf(d->name, sizeof(d->name), "%s", name);
	if (uuid)
		snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
	else
		make_uuid(d->uuid);
	d->memory_mb = (uint64_t)memory;
	d->maxmem_mb = maxmem > memory ? (uint64_t)maxmem : (uint64_t)memory;
	d->vcpus = (unsigned)maxvcpus;
	d->online_vcpus = (unsigned)vcpus;
	return true;
}

bool domain_config_check(json_t *config, char *err, size_t errlen)
{
	struct xdomain scratch = { .watch_fd = -1, .restore_fd = -1 };
	return take_config(&scratch, config, true, err, errlen);
}

static void vmm_log_path(const struct xdomain *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/xenon-vmm-%s.log", xend.log_dir, d->name);
}

/* The last line the VMM logged: why it failed, for xm to show. */
static void vmm_last_error(const struct xdomain *d, char *err, size_t errlen)
{
	char path[512], buf[4096];
	vmm_log_path(d, path, sizeof(path));
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char last[sizeof(buf)] = "";
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			memcpy(last, buf, sizeof(last));
	}
	fclose(f);
	if (last[0])
		snprintf(err, errlen, "%.*s", (int)(errlen > 1 ? errlen - 1 : 0), last);
}

static int spawn_vmm(struct xdomain *d, char *err, size_t errlen)
{
	json_t *c = d->config;
	char domid[16], memory[32], vcpus[16], log_path[512], console_log[512];
	snprintf(domid, sizeof(domid), "%u", d->domid);
	snprintf(memory, sizeof(memory), "%llu", (unsigned long long)d->memory_mb);
	snprintf(vcpus, sizeof(vcpus), "%u", d->vcpus);
	vmm_log_path(d, log_path, sizeof(log_path));
	snprintf(console_log, sizeof(console_log), "%s/console/guest-%s.log", xend.log_dir, d->name);
	const char *argv[32];
	int n = 0;
	argv[n++] = xend.vmm_path;
	argv[n++] = "--control";
	argv[n++] = "--xenstore";
	argv[n++] = "--console-pty";
	argv[n++] = "--name", argv[n++] = d->name;
	argv[n++] = "--domid", argv[n++] = domid;
	argv[n++] = "--memory", argv[n++] = memory;
	argv[n++] = "--vcpus", argv[n++] = vcpus;
	argv[n++] = "--kernel", argv[n++] = json_string_value(json_object_get(c, "kernel"));
	argv[n++] = "--console-log", argv[n++] = console_log;
	const char *ramdisk = json_string_value(json_object_get(c, "ramdisk"));
	const char *cmdline = json_string_value(json_object_get(c, "cmdline"));
	if (ramdisk)
		argv[n++] = "--ramdisk", argv[n++] = ramdisk;
	if (cmdline)
		argv[n++] = "--cmdline", argv[n++] = cmdline;
	/* xm restore: the save stream, at the VMM's records, as its fd 3. */
	if (d->restore_fd >= 0)
		argv[n++] = "--restore-fd", argv[n++] = "3";
	if (d->incoming)
		argv[n++] = "--incoming";
	argv[n] = NULL;

	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (log_fd < 0) {
		snprintf(err, errlen, "VMM log %s: %s", log_path, strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(log_fd);
		return -1;
	}
	if (pid == 0) {
		/* The VMM outlives xend: its own session, no terminal. */
		setsid();
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, STDIN_FILENO);
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (d->restore_fd >= 0) {
			if (d->restore_fd != 3)
				dup2(d->restore_fd, 3); /* the copy keeps no close-on-exec */
			else
				fcntl(3, F_SETFD, 0);
		}
		execv(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "xend: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(log_fd);
	d->pid = pid;
	return 0;
}

/* Connects to the new VMM once its socket is up; -1 if it died first. */
static int connect_vmm(struct xdomain *d, char *err, size_t errlen)
{
	char path[256];
	control_vmm_path(d->domid, path, sizeof(path));
	/* Loading a large kernel can take seconds; a restore's VMM opens its
	 * socket once the stream's first record has come (and gives up on a
	 * stream that does not come). */
	for (int i = 0; d->restore_fd >= 0 || i < 600; i++) {
		int fd = control_connect(path, 10000);
		if (fd >= 0)
			return fd;
		int status;
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			snprintf(err, errlen, "the domain's VMM failed to start (see %s/xenon-vmm-%s.log)",
				 xend.log_dir, d->name);
			vmm_last_error(d, err, errlen);
			d->pid = 0;
			return -1;
		}
		usleep(50000);
	}
	snprintf(err, errlen, "the domain's VMM did not open %s in 30 s", path);
	return -1;
}

json_t *domain_vmm_call_passing(struct xdomain *d, const json_t *request, int pass_fd, int timeout_ms, char *err,
				size_t errlen)
{
	char path[256];
	control_vmm_path(d->domid, path, sizeof(path));
	int fd = control_connect(path, timeout_ms);
	if (fd < 0) {
		snprintf(err, errlen, "domain %u's VMM does not answer: %s", d->domid, strerror(errno));
		return NULL;
	}
	json_t *rep = control_call_passing(fd, request, &pass_fd, pass_fd >= 0 ? 1 : 0, NULL, NULL, err, errlen);
	close(fd);
	return rep;
}

json_t *domain_vmm_call(struct xdomain *d, const json_t *request, char *err, size_t errlen)
{
	return domain_vmm_call_passing(d, request, -1, 10000, err, errlen);
}

static json_t *vmm_call(struct xdomain *d, const char *op, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s}", "op", op);
	json_t *rep = domain_vmm_call(d, req, err, errlen);
	json_decref(req);
	return rep;
}

json_t *domain_info(struct xdomain *d)
{
	char err[256];
	json_t *info = vmm_call(d, "info", err, sizeof(err));
	if (!info) {
		log_warn("domain %s: no answer to info: %s", d->name, err);
		return NULL;
	}
	const char *state = json_string_value(json_object_get(info, "state"));
	if (state)
		snprintf(d->state, sizeof(d->state), "%s", state);
	json_t *cpu_ns = json_object_get(info, "cpu_ns");
	if (json_is_integer(cpu_ns) && (uint64_t)json_integer_value(cpu_ns) > d->cpu_ns)
		d->cpu_ns = (uint64_t)json_integer_value(cpu_ns);
	return info;
}

/* Kills the VMM if it will not go, and reaps it. */
static void stop_vmm(struct xdomain *d)
{
	char err[256];
	json_decref(vmm_call(d, "destroy", err, sizeof(err)));
	if (d->pid <= 0)
		return;
	for (int i = 0; i < 100; i++) {
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid || (errno == ECHILD && kill(d->pid, 0) < 0)) {
			d->pid = 0;
			return;
		}
		usleep(20000);
	}
	log_warn("domain %u: the VMM (pid %d) did not exit; killing it", d->domid, (int)d->pid);
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

/* A restored domain's VMM answers while it loads the image; this waits
 * until it has, as long as the VMM lives (the stream's own timeouts
 * bound the wait). */
static int await_restored(struct xdomain *d, char *err, size_t errlen)
{
	for (;;) {
		json_t *r = vmm_call(d, "restored", err, errlen);
		/* A VMM whose image did not load exits at once: its log says why. */
		for (int i = 0; !r && i < 20 && d->pid > 0; i++) {
			if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
				snprintf(err, errlen, "the domain's image did not load (see %s/xenon-vmm-%s.log)",
					 xend.log_dir, d->name);
				vmm_last_error(d, err, errlen);
				d->pid = 0;
			}
			usleep(50000);
		}
		if (!r)
			return -1;
		bool loaded = json_is_true(json_object_get(r, "loaded"));
		json_decref(r);
		if (loaded)
			return 0;
		usleep(50000);
	}
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

/* The domain's XenStore home, its disks and vifs, once its VMM has the
 * domain built (booted or restored). */
static int build(struct xdomain *d, bool vifs_made, char *err, size_t errlen)
{
	json_t *info = domain_info(d);
	if (!info) {
		snprintf(err, errlen, "domain %u's VMM does not answer", d->domid);
		return -1;
	}
	const char *tty = json_string_value(json_object_get(info, "tty"));
	snprintf(d->tty, sizeof(d->tty), "%s", tty ? tty : "");
	uint64_t store_gfn = (uint64_t)json_integer_value(json_object_get(info, "store_gfn"));
	uint32_t store_port = (uint32_t)json_integer_value(json_object_get(info, "store_port"));
	uint64_t console_gfn = (uint64_t)json_integer_value(json_object_get(info, "console_gfn"));
	uint32_t console_port = (uint32_t)json_integer_value(json_object_get(info, "console_port"));
	json_decref(info);
	if (vcpu_domain_start(d, err, errlen) < 0 ||
	    store_make_domain(d, store_gfn, store_port, console_gfn, console_port, err, errlen) < 0 ||
	    store_introduce(d, store_gfn, store_port, err, errlen) < 0 || vbd_attach_all(d, err, errlen) < 0)
		return -1;
	return vifs_made ? vif_write_frontends(d, err, errlen) : vif_attach_all(d, true, err, errlen);
}

static int bring_up(struct xdomain *d, bool paused, char *err, size_t errlen)
{
	if (spawn_vmm(d, err, errlen) < 0 || sched_domain_start(d, err, errlen) < 0)
		return -1;
	int fd = connect_vmm(d, err, errlen);
	if (fd < 0)
		return -1;
	json_t *req = json_pack("{s:s}", "op", "watch");
	json_t *rep = control_call(fd, req, NULL, NULL, err, errlen);
	json_decref(req);
	if (!rep) {
		close(fd);
		return -1;
	}
	json_decref(rep);
	d->watch_fd = fd;
	/* A restored domain's vifs are made while its image loads (their
	 * scripts take seconds): for a live migration, during the pre-copy
	 * rather than the guest's stop. Not its disks: until the stop, the
	 * source host may still write them. */
	bool restoring = d->restore_fd >= 0;
	if (restoring && vif_attach_all(d, false, err, errlen) < 0)
		return -1;
	if (restoring && await_restored(d, err, errlen) < 0) {
		vif_release_all(d);
		return -1;
	}
	struct timespec loaded;
	clock_gettime(CLOCK_MONOTONIC, &loaded);
	if (build(d, restoring, err, errlen) < 0) {
		if (restoring)
			vif_release_all(d); /* vif_attach_all releases its own */
		return -1;
	}
	if (!paused) {
		json_t *r = vmm_call(d, "unpause", err, errlen);
		if (!r) {
			vif_release_all(d); /* what the vif scripts did on the host */
			return -1;
		}
		json_decref(r);
	}
	snprintf(d->state, sizeof(d->state), "%s", paused ? "paused" : "running");
	domain_save_record(d);
	log_debug("domain %s: its XenStore home and devices took %.0f ms once its VMM had %s", d->name,
		  seconds_since(&loaded) * 1000, restoring ? "loaded its image" : "built it");
	log_info("domain %s (%u) started%s", d->name, d->domid, paused ? ", paused" : "");
	dmesg_domain(d, "created: %llu MiB, %u vCPUs", (unsigned long long)d->memory_mb, d->vcpus);
	return 0;
}

static struct xdomain *create(json_t *config, bool paused, int restore_fd, bool incoming, char *err,
			      size_t errlen)
{
	struct xdomain *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->watch_fd = -1;
	d->restore_fd = restore_fd;
	d->incoming = incoming;
	/* A restored domain does not boot its kernel again. */
	if (!take_config(d, config, restore_fd < 0, err, errlen)) {
		free(d);
		return NULL;
	}
	struct xdomain *same = domain_find(d->name);
	if (same) {
		snprintf(err, errlen, "Domain '%s' already exists with ID '%u'", d->name, same->domid);
		free(d);
		return NULL;
	}
	char what[128];
	snprintf(what, sizeof(what), "create domain %s", d->name);
	if (balloon_host_room(what, d->memory_mb, err, errlen) < 0) {
		free(d);
		return NULL;
	}
	if (!managed_name_check(d->name, d->uuid, err, errlen)) { /* a managed domain's, not running */
		free(d);
		return NULL;
	}
	/* Its own copy: its disks change with block-attach and block-detach,
	 * and a rename-restart's old domain keeps the config it had. */
	d->config = json_deep_copy(config);
	if (!d->config) {
		snprintf(err, errlen, "out of memory");
		free(d);
		return NULL;
	}
	d->domid = xend.next_domid++;
	d->start_time = time(NULL);
	d->burst_start = d->start_time;
	d->next = xend.domains;
	xend.domains = d;
	int up = bring_up(d, paused, err, errlen);
	d->restore_fd = -1; /* the caller's, and the VMM has read it */
	d->incoming = false;  /* a VMM it restarts with boots its kernel */
	if (up < 0) {
		/* Nothing of a domain that never ran stays: its VMM's log was
		 * only this error, which goes to xend's log and to xm. */
		log_warn("domain %s: %s", d->name, err);
		stop_vmm(d);
		store_forget_domain(d);
		char path[512];
		vmm_log_path(d, path, sizeof(path));
		unlink(path);
		domain_free(d);
		return NULL;
	}
	return d;
}

struct xdomain *domain_create(json_t *config, bool paused, char *err, size_t errlen)
{
	return create(config, paused, -1, false, err, errlen);
}

struct xdomain *domain_restore(json_t *config, int restore_fd, char *err, size_t errlen)
{
	return create(config, false, restore_fd, false, err, errlen);
}

struct xdomain *domain_migrate_in(json_t *config, int stream_fd, char *err, size_t errlen)
{
	return create(config, true, stream_fd, true, err, errlen);
}

int domain_destroy(struct xdomain *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	log_info("domain %s (%u) destroyed", d->name, d->domid);
	dmesg_domain(d, "destroyed");
	vif_release_all(d);
	stop_vmm(d);
	store_forget_domain(d);
	domain_free(d);
	return 0;
}

int domain_shutdown(struct xdomain *d, const char *how, char *err, size_t errlen)
{
	if (strcmp(d->state, "shutdown") == 0) {
		snprintf(err, errlen, "domain %s has already shut down", d->name);
		return -1;
	}
	/* The guest's xenbus watches control/shutdown and acts on it itself. */
	if (store_write(d, "control/shutdown", how) < 0) {
		snprintf(err, errlen, "cannot ask domain %s to %s: %s", d->name, how, strerror(errno));
		return -1;
	}
	log_info("domain %s (%u): asked to %s", d->name, d->domid, how);
	return 0;
}

int domain_resume(struct xdomain *d, char *err, size_t errlen)
{
	char why[256];
	json_t *r = vmm_call(d, "resume", why, sizeof(why));
	if (!r) {
		if (err)
			snprintf(err, errlen, "%s", why);
		return -1;
	}
	json_decref(r);
	snprintf(d->state, sizeof(d->state), "running");
	return 0;
}

int domain_pause(struct xdomain *d, bool pause, char *err, size_t errlen)
{
	if (!pause && d->left_suspended) {
		if (domain_resume(d, err, errlen) < 0)
			return -1;
		d->left_suspended = false;
		log_info("domain %s (%u): resumed here after a migration that was not confirmed", d->name, d->domid);
		return 0;
	}
	json_t *r = vmm_call(d, pause ? "pause" : "unpause", err, errlen);
	if (!r)
		return -1;
	json_decref(r);
	snprintf(d->state, sizeof(d->state), "%s", pause ? "paused" : "running");
	return 0;
}

/* on_reboot = restart (and friends): the same config as a new domain. */
static void restart(struct xdomain *old, bool keep_old)
{
	time_t now = time(NULL);
	unsigned restarts = old->restarts;
	time_t burst_start = old->burst_start;
	if (now - burst_start > RESTART_BURST_SECONDS) {
		restarts = 0;
		burst_start = now;
	}
	if (restarts >= RESTART_BURST_MAX) {
		log_err("domain %s restarted %u times in %ld s: not restarting it again (a restart loop)",
			old->name, restarts, (long)(now - burst_start));
		char err[64];
		if (!keep_old)
			domain_destroy(old, err, sizeof(err));
		return;
	}
	/* A copy: a rename-restart's old domain gives its devices up below.
	 * The same VM again, so the same UUID (and so the same default MACs
	 * for its vifs). */
	json_t *config = json_deep_copy(old->config);
	json_object_set_new(config, "uuid", json_string(old->uuid));
	char err[512];
	if (keep_old) {
		/* rename-restart: the old one stays, under a UUID of its own and
		 * a name after it (as Xen's xend did), its devices the new one's. */
		char path[512];
		record_path(old, path, sizeof(path));
		unlink(path);
		make_uuid(old->uuid);
		snprintf(old->name, sizeof(old->name), "Domain-%s", old->uuid);
		vbd_release_all(old);
		vif_release_all(old);
		domain_save_record(old);
	} else {
		domain_destroy(old, err, sizeof(err));
	}
	struct xdomain *d = domain_create(config, false, err, sizeof(err));
	json_decref(config);
	if (!d) {
		log_err("restarting the domain failed: %s", err);
		return;
	}
	d->restarts = restarts + 1;
	d->burst_start = burst_start;
}

static void apply_end(struct xdomain *d, const char *why);

void domain_ended(struct xdomain *d)
{
	json_t *event = NULL;
	const char *reason = "crash";
	if (d->watch_fd >= 0 && control_recv(d->watch_fd, &event, NULL, NULL) > 0) {
		const char *r = json_string_value(json_object_get(event, "reason"));
		if (r)
			reason = r;
	} else {
		log_warn("domain %s (%u): its VMM went away", d->name, d->domid);
	}
	char why[16];
	snprintf(why, sizeof(why), "%s", reason);
	json_decref(event);
	domain_end_applied(d, why);
}

void domain_end_applied(struct xdomain *d, const char *why)
{
	/* A suspend that no xm save is waiting for (one that gave up on the
	 * guest, say): the guest goes on, told its suspend was cancelled. */
	if (strcmp(why, "suspend") == 0 && domain_resume(d, NULL, 0) == 0) {
		log_info("domain %s (%u) suspended unasked; resumed", d->name, d->domid);
		return;
	}
	if (d->watch_fd >= 0)
		close(d->watch_fd);
	d->watch_fd = -1;
	/* enable-dump: before on_crash takes it away. Only here, as the crash
	 * happens: a preserved crash that a restarted xend finds again was
	 * dumped already (one that happened while xend was away goes undumped). */
	if (strcmp(why, "crash") == 0)
		dump_on_crash(d);
	apply_end(d, why);
}

/* What on_poweroff, on_reboot or on_crash say for a domain that ended. */
static void apply_end(struct xdomain *d, const char *why)
{
	enum on_event action = strcmp(why, "poweroff") == 0 ? d->on_poweroff
			       : strcmp(why, "reboot") == 0 ? d->on_reboot
			       : strcmp(why, "destroy") == 0 ? ON_DESTROY
							    : d->on_crash;
	log_info("domain %s (%u) has shut down: reason %s; on_%s says %s", d->name, d->domid, why,
		 strcmp(why, "poweroff") == 0 || strcmp(why, "reboot") == 0 ? why : "crash",
		 on_event_names[action]);
	dmesg_domain(d, "has shut down: reason %s", why);
	char err[64];
	switch (action) {
	case ON_DESTROY:
		domain_destroy(d, err, sizeof(err));
		break;
	case ON_RESTART:
		restart(d, false);
		break;
	case ON_RENAME_RESTART:
		snprintf(d->state, sizeof(d->state), "shutdown");
		snprintf(d->end_reason, sizeof(d->end_reason), "%s", why);
		restart(d, true);
		break;
	case ON_PRESERVE:
		snprintf(d->state, sizeof(d->state), "shutdown");
		snprintf(d->end_reason, sizeof(d->end_reason), "%s", why);
		break;
	}
}

/* Whether the process `d->pid` is still a VMM (and not a process that got
 * its PID since). */
static bool vmm_is(const struct xdomain *d)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)d->pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool is = fgets(comm, sizeof(comm), f) && strncmp(comm, "xenon-vmm", 9) == 0;
	fclose(f);
	return is;
}

/* Takes back one domain an earlier xend left: its VMM must still answer. */
static void recover(json_t *record)
{
	struct xdomain *d = calloc(1, sizeof(*d));
	json_t *config = json_object_get(record, "config");
	const char *name = json_string_value(json_object_get(record, "name"));
	const char *uuid = json_string_value(json_object_get(record, "uuid"));
	char err[512] = "no answer";
	if (!d || !json_is_object(config) || !name || !uuid || strlen(uuid) != 36 ||
	    !take_config(d, config, false, err, sizeof(err))) {
		log_warn("a domain record in %s/domains is malformed; ignored", xend.state_dir);
		free(d);
		return;
	}
	d->watch_fd = d->restore_fd = -1;
	d->config = json_incref(config);
	d->domid = (uint32_t)json_integer_value(json_object_get(record, "domid"));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
	d->start_time = (time_t)json_integer_value(json_object_get(record, "start_time"));
	d->restarts = (unsigned)json_integer_value(json_object_get(record, "restarts"));
	d->burst_start = (time_t)json_integer_value(json_object_get(record, "burst_start"));
	d->pid = (pid_t)json_integer_value(json_object_get(record, "pid"));
	d->next = xend.domains;
	xend.domains = d;
	if (d->domid >= xend.next_domid)
		xend.next_domid = d->domid + 1;

	char path[256];
	control_vmm_path(d->domid, path, sizeof(path));
	int fd = control_connect(path, 10000);
	json_t *req = json_pack("{s:s}", "op", "watch");
	json_t *rep = fd >= 0 ? control_call(fd, req, NULL, NULL, err, sizeof(err)) : NULL;
	json_decref(req);
	json_t *info = rep ? domain_info(d) : NULL;
	json_decref(rep);
	if (!info && d->pid > 0 && kill(d->pid, 0) == 0 && vmm_is(d)) {
		/* Alive but not answering (busy, or wedged): its tree and record
		 * stay, and xm destroy can still end it. */
		log_warn("domain %s (%u): its VMM (pid %d) lives but does not answer: %s", d->name, d->domid,
			 (int)d->pid, err);
		if (fd >= 0)
			close(fd);
		fd = -1;
		snprintf(d->state, sizeof(d->state), "running");
	} else if (!info) {
		log_warn("domain %s (%u) ended while xend was away; cleaning it up", d->name, d->domid);
		if (fd >= 0)
			close(fd);
		store_forget_domain(d);
		domain_free(d);
		return;
	}
	d->watch_fd = fd;
	if (json_is_true(json_object_get(info, "incoming"))) {
		/* Its source was never told it arrived, and runs it still. */
		json_decref(info);
		log_warn("domain %s (%u) was migrating in when xend went away; destroying it", d->name, d->domid);
		domain_destroy(d, NULL, 0);
		return;
	}
	sched_domain_recover(d);
	const char *tty = json_string_value(json_object_get(info, "tty"));
	snprintf(d->tty, sizeof(d->tty), "%s", tty ? tty : "");
	char reason[16];
	snprintf(reason, sizeof(reason), "%s", json_string_value(json_object_get(info, "reason")) ?: "crash");
	json_decref(info);
	log_info("domain %s (%u) found %s", d->name, d->domid, d->state);
	if (strcmp(d->state, "shutdown") == 0) {
		close(d->watch_fd);
		d->watch_fd = -1;
		apply_end(d, reason);
	}
}

void domain_recover_all(void)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/domains", xend.state_dir);
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	struct dirent *e;
	while ((e = readdir(dh))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		json_t *record = json_load_file(path, 0, NULL);
		if (record)
			recover(record);
		else
			log_warn("domain record %s is unreadable; ignored", path);
		json_decref(record);
	}
	closedir(dh);
}
