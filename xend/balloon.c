/* A running domain's memory, through its own balloon driver: xm mem-set
 * writes memory/target, which Linux's xen-balloon watches, and the guest
 * gives frames back to its VMM or takes them again; xm mem-max sets the
 * most its VMM lets it take. dom0-min-mem holds both creating and growing
 * domains to what the host can spare. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "memory.h"
#include "xend.h"

/* What the running domains may still take from the host, up to their
 * targets: their guests have not touched all of it yet. */
static uint64_t promised_mb(void)
{
	uint64_t sum = 0;
	for (struct xdomain *d = xend.domains; d; d = d->next) {
		if (strcmp(d->state, "shutdown") == 0 || d->pid <= 0)
			continue;
		char status[64];
		snprintf(status, sizeof(status), "/proc/%d/status", (int)d->pid);
		sum += memory_promised_mb(d->memory_mb, memory_resident_mb(status));
	}
	return sum;
}

int balloon_host_room(const char *what, uint64_t need_mb, char *err, size_t errlen)
{
	int64_t available = memory_host_available_mb("/proc/meminfo");
	if (available < 0) {
		log_warn("cannot read MemAvailable in /proc/meminfo: dom0-min-mem is not checked");
		return 0;
	}
	return memory_host_room(what, need_mb, (uint64_t)available, promised_mb(), xend.settings.dom0_min_mem_mb, err,
				errlen);
}

uint64_t balloon_host_free_mb(void)
{
	int64_t available = memory_host_available_mb("/proc/meminfo");
	uint64_t promised = promised_mb(), min = xend.settings.dom0_min_mem_mb;
	if (available < 0 || (uint64_t)available < promised + min)
		return 0;
	return (uint64_t)available - promised - min;
}

/* The domain's memory as it stands is its config's from now on: a new
 * xend, or a restart, finds it there (Xen's xend kept it in the domain's
 * config too). */
static void remember(struct xdomain *d)
{
	json_object_set_new(d->config, "memory", json_integer((json_int_t)d->memory_mb));
	json_object_set_new(d->config, "maxmem", json_integer((json_int_t)d->maxmem_mb));
	domain_save_record(d);
}

/* The request's "memory" (MiB), or false after replying why not. */
static bool requested_mb(int fd, json_t *req, const char *op, uint64_t *mb)
{
	json_t *m = json_object_get(req, "memory");
	if (!json_is_integer(m) || json_integer_value(m) < 0) {
		control_reply_error(fd, "%s needs the memory in MiB (\"memory\": 128)", op);
		return false;
	}
	*mb = (uint64_t)json_integer_value(m);
	return true;
}

static bool running(int fd, struct xdomain *d)
{
	if (strcmp(d->state, "shutdown") != 0)
		return true;
	control_reply_error(fd, "domain %s has shut down", d->name);
	return false;
}

void balloon_mem_set(int fd, struct xdomain *d, json_t *req)
{
	uint64_t target;
	char err[512], what[160], kib[32];
	if (!requested_mb(fd, req, "mem-set", &target) || !running(fd, d))
		return;
	if (memory_target_check(d->name, target, d->maxmem_mb, err, sizeof(err)) < 0) {
		control_reply_error(fd, "%s", err);
		return;
	}
	/* The guest's RAM is what it booted with: its balloon can give pages
	 * back and take them again, never add more (as a Xen 3 guest without
	 * memory hotplug). A target above would be recorded but never met. */
	json_t *info = domain_info(d);
	uint64_t booted = (uint64_t)json_integer_value(json_object_get(info, "memory_mb"));
	json_decref(info);
	if (booted && target > booted) {
		control_reply_error(fd,
				    "domain %s booted with %" PRIu64 " MiB and cannot grow past it (its balloon gives "
				    "memory back and takes it again); memory = %" PRIu64 " in its config and a restart "
				    "give it more",
				    d->name, booted, target);
		return;
	}
	snprintf(what, sizeof(what), "grow domain %s from %" PRIu64 " to %" PRIu64 " MiB", d->name, d->memory_mb,
		 target);
	if (target > d->memory_mb && balloon_host_room(what, target - d->memory_mb, err, sizeof(err)) < 0) {
		control_reply_error(fd, "%s", err);
		return;
	}
	snprintf(kib, sizeof(kib), "%" PRIu64, target * 1024);
	if (store_write(d, "memory/target", kib) < 0) {
		control_reply_error(fd, "cannot set domain %s's memory/target: %s", d->name, strerror(errno));
		return;
	}
	log_info("domain %s (%u): memory target %" PRIu64 " MiB (was %" PRIu64 ")", d->name, d->domid, target,
		 d->memory_mb);
	d->memory_mb = target;
	remember(d);
	control_reply_ok(fd, json_pack("{s:I}", "memory", (json_int_t)target));
}

void balloon_mem_max(int fd, struct xdomain *d, json_t *req)
{
	uint64_t maxmem;
	char err[512];
	if (!requested_mb(fd, req, "mem-max", &maxmem) || !running(fd, d))
		return;
	if (memory_maxmem_check(d->name, maxmem, d->memory_mb, err, sizeof(err)) < 0) {
		control_reply_error(fd, "%s", err);
		return;
	}
	json_t *call = json_pack("{s:s, s:I}", "op", "set-maxmem", "mb", (json_int_t)maxmem);
	json_t *rep = domain_vmm_call(d, call, err, sizeof(err));
	json_decref(call);
	if (!rep) {
		control_reply_error(fd, "domain %s: %s", d->name, err);
		return;
	}
	json_decref(rep);
	log_info("domain %s (%u): maximum memory %" PRIu64 " MiB (was %" PRIu64 ")", d->name, d->domid, maxmem,
		 d->maxmem_mb);
	d->maxmem_mb = maxmem;
	remember(d);
	control_reply_ok(fd, json_pack("{s:I}", "maxmem", (json_int_t)maxmem));
}
