/* xm save and xm restore: a domain into a file of Xenon's save stream
 * (lib/save_stream.h, docs/save-format.md) and back.
 *
 * Saving is Xen's: xend asks the guest to suspend (control/shutdown =
 * "suspend"), the guest's kernel quiesces its devices and calls
 * SCHEDOP_shutdown(suspend), the VMM tells us so on the watch connection.
 * xend writes the header and its own record (the domain's config, name
 * and UUID), the VMM appends RAM and the vCPUs (vmm/save.h), xend ends the
 * stream, syncs it and renames it into place; the domain is then destroyed
 * (or, with -c, told its suspend was cancelled and goes on). Any failure
 * after the suspend resumes the domain the same way and removes the file:
 * a save that fails never loses the domain.
 *
 * Restoring reads the whole file first, every record's checksum and the
 * END record, so a corrupt or truncated file is refused before anything
 * is built; then the domain is created from the saved config with the
 * VMM loading the image in place of booting a kernel. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "save_stream.h"
#include "xend.h"

/* How long a guest has to suspend: its frontends finish what is in
 * flight first. */
#define SUSPEND_TIMEOUT_MS (60 * 1000)
/* The VMM writes the whole of RAM. */
#define SAVE_TIMEOUT_MS (3600 * 1000)

/* Waits for the VMM to say the domain suspended. 1: it did; 0: not in
 * time; -1: it ended some other way (which has been dealt with: d may be
 * gone). */
static int wait_for_suspend(struct xdomain *d)
{
	struct pollfd p = { .fd = d->watch_fd, .events = POLLIN };
	int n;
	do
		n = poll(&p, 1, SUSPEND_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	json_t *event = NULL;
	if (control_recv(d->watch_fd, &event, NULL, NULL) <= 0) {
		domain_ended(d); /* finds the VMM gone */
		return -1;
	}
	const char *reason = json_string_value(json_object_get(event, "reason"));
	bool suspended = reason && strcmp(reason, "suspend") == 0;
	char why[16];
	snprintf(why, sizeof(why), "%s", reason ? reason : "crash");
	json_decref(event);
	if (suspended)
		return 1;
	domain_end_applied(d, why);
	return -1;
}

int save_write_config(int file, const struct xdomain *d)
{
	json_t *config = json_deep_copy(d->config);
	json_object_set_new(config, "uuid", json_string(d->uuid)); /* the same domain, restored */
	json_t *record = json_pack("{s:o, s:s, s:s}", "config", config, "name", d->name, "uuid", d->uuid);
	char *text = record ? json_dumps(record, JSON_COMPACT) : NULL;
	json_decref(record);
	if (!text)
		return -ENOMEM;
	struct iovec iov = { text, strlen(text) };
	int e = save_write_header(file);
	if (!e)
		e = save_write_record(file, SAVE_REC_CONFIG, &iov, 1);
	free(text);
	return e;
}

/* The VMM's part of the stream, into `file`. */
static int vmm_save(struct xdomain *d, int file, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s}", "op", "save");
	json_t *rep = domain_vmm_call_passing(d, req, file, SAVE_TIMEOUT_MS, err, errlen);
	json_decref(req);
	json_decref(rep);
	return rep ? 0 : -1;
}

static int finish_stream(int file, const char *aside, const char *target, char *err, size_t errlen)
{
	int e = save_write_record(file, SAVE_REC_END, NULL, 0);
	if (e || fsync(file) < 0) {
		snprintf(err, errlen, "%s", strerror(e ? -e : errno));
		return -1;
	}
	if (rename(aside, target) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	/* The domain is destroyed next: its image must outlast a power cut. */
	if (sync_folder_of(target) < 0) {
		snprintf(err, errlen, "syncing its folder: %s", strerror(errno));
		unlink(target);
		return -1;
	}
	return 0;
}

/* The suspended domain into the file `aside`, renamed to `target` once
 * whole. */
static int save_suspended(struct xdomain *d, int file, const char *aside, const char *target, char *err,
			  size_t errlen)
{
	int e = save_write_config(file, d);
	if (e) {
		snprintf(err, errlen, "%s", strerror(-e));
		return -1;
	}
	if (vmm_save(d, file, err, errlen) < 0)
		return -1;
	return finish_stream(file, aside, target, err, errlen);
}

int save_suspend(struct xdomain *d, char *err, size_t errlen)
{
	if (domain_shutdown(d, "suspend", NULL, 0) < 0) {
		snprintf(err, errlen, "cannot ask domain %s to suspend", d->name);
		return -1;
	}
	int suspended = wait_for_suspend(d);
	if (suspended > 0)
		return 0;
	if (suspended == 0) {
		store_write(d, "control/shutdown", "");
		log_warn("domain %s (%u) did not suspend", d->name, d->domid);
		snprintf(err, errlen, "domain %s did not suspend within %d s (its kernel needs Xen's PV drivers and xenbus)",
			 d->name, SUSPEND_TIMEOUT_MS / 1000);
		return -1;
	}
	snprintf(err, errlen, "the domain shut down instead of suspending");
	return -2;
}

void do_save(int fd, struct xdomain *d, json_t *req)
{
	const char *path = json_string_value(json_object_get(req, "file"));
	bool checkpoint = json_is_true(json_object_get(req, "checkpoint"));
	if (!path || path[0] != '/') {
		control_reply_error(fd, "save wants the file's absolute path");
		return;
	}
	if (strcmp(d->state, "running") != 0) {
		control_reply_error(fd, "Domain %s is %s: only a running domain can suspend to be saved", d->name,
				    d->state);
		return;
	}
	char aside[PATH_MAX];
	if (snprintf(aside, sizeof(aside), "%s.XXXXXX", path) >= (int)sizeof(aside)) {
		control_reply_error(fd, "the file's name is too long");
		return;
	}
	int file = mkstemp(aside); /* mode 0600: a guest's memory is its own */
	if (file < 0) {
		control_reply_error(fd, "Save failed: %s: %s", path, strerror(errno));
		return;
	}
	log_info("domain %s (%u): saving to %s%s; asking it to suspend", d->name, d->domid, path,
		 checkpoint ? " (checkpoint)" : "");
	char err[512];
	if (save_suspend(d, err, sizeof(err)) < 0) {
		close(file);
		unlink(aside);
		control_reply_error(fd, "Save failed: %s", err);
		return;
	}
	int r = save_suspended(d, file, aside, path, err, sizeof(err));
	close(file);
	if (r < 0) {
		unlink(aside);
		char why[256] = "";
		int resumed = domain_resume(d, why, sizeof(why));
		log_err("domain %s (%u): save to %s failed: %s; %s%s", d->name, d->domid, path, err,
			resumed == 0 ? "it runs on" : "resuming it failed too: ", why);
		control_reply_error(fd, "Save failed: %s: %s", path, err);
		return;
	}
	log_info("domain %s (%u) saved to %s", d->name, d->domid, path);
	dmesg_domain(d, "saved to %s", path);
	if (checkpoint) {
		if (domain_resume(d, err, sizeof(err)) < 0) {
			control_reply_error(fd, "saved to %s, but the domain did not resume: %s", path, err);
			return;
		}
		control_reply_ok(fd, NULL);
		return;
	}
	domain_destroy(d, err, sizeof(err));
	control_reply_ok(fd, NULL);
}

/* The saved config, from the stream's first record. NULL with `err`. */
json_t *save_read_config(struct save_reader *r, char *err, size_t errlen)
{
	struct save_record rec;
	if (save_read_record(r, &rec, err, errlen) < 0)
		return NULL;
	json_t *record = NULL;
	if (rec.type == SAVE_REC_CONFIG)
		record = json_loadb(rec.body, (size_t)rec.length, 0, NULL);
	free(rec.body);
	json_t *config = json_incref(json_object_get(record, "config"));
	json_decref(record);
	if (!json_is_object(config)) {
		json_decref(config);
		snprintf(err, errlen, "its first record is not a domain's config");
		return NULL;
	}
	return config;
}

void do_restore(int fd, struct xdomain *unused, json_t *req)
{
	(void)unused;
	const char *path = json_string_value(json_object_get(req, "file"));
	if (!path || path[0] != '/') {
		control_reply_error(fd, "restore wants the file's absolute path");
		return;
	}
	char err[512];
	int file = open(path, O_RDONLY | O_CLOEXEC);
	if (file < 0) {
		control_reply_error(fd, "Restore failed: %s: %s", path, strerror(errno));
		return;
	}
	json_t *config = NULL;
	struct save_reader r;
	if (save_check_stream(file, err, sizeof(err)) < 0 || lseek(file, 0, SEEK_SET) < 0 ||
	    save_read_header(&r, file, err, sizeof(err)) < 0 || !(config = save_read_config(&r, err, sizeof(err)))) {
		close(file);
		log_warn("restore from %s refused: %s", path, err);
		control_reply_error(fd, "Restore failed: %s: %s", path, err);
		return;
	}
	struct xdomain *d = domain_restore(config, file, err, sizeof(err));
	json_decref(config);
	close(file);
	if (!d) {
		control_reply_error(fd, "Restore failed: %s: %s", path, err);
		return;
	}
	log_info("domain %s (%u) restored from %s", d->name, d->domid, path);
	dmesg_domain(d, "restored from %s", path);
	control_reply_ok(fd, json_pack("{s:i, s:s}", "domid", (int)d->domid, "name", d->name));
}
