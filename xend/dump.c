/* xm dump-core, and xend-config.sxp's enable-dump: a domain's core file.
 * xend names the file, makes it aside (mode 0600) and hands it to the VMM
 * as a descriptor, so the VMM never needs the host's folders; the VMM
 * writes the core (vmm/dump_core.h) and xend renames it into place, or
 * removes it: a failed dump leaves nothing behind. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xend.h"

/* Where Xen's xend put cores it named itself. */
#define DUMP_DIR "/var/xen/dump"
/* A dump writes the guest's whole memory: give it time. */
#define DUMP_TIMEOUT_MS (3600 * 1000)

/* Xen's name for a core: /var/xen/dump/2008-0131-1200.59-NAME.ID.core. */
static int default_path(const struct xdomain *d, char *buf, size_t len)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof(when), "%Y-%m%d-%H%M.%S", localtime_r(&now, &tm));
	if (make_folders(DUMP_DIR) < 0)
		return -1;
	int n = snprintf(buf, len, "%s/%s-%s.%u.core", DUMP_DIR, when, d->name, d->domid);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Asks the VMM to write the core into `file`. */
static int vmm_dump(struct xdomain *d, int file, bool live, char *err, size_t errlen)
{
	json_t *req = json_pack("{s:s, s:b}", "op", "dump-core", "live", live);
	json_t *rep = domain_vmm_call_passing(d, req, file, DUMP_TIMEOUT_MS, err, errlen);
	json_decref(req);
	json_decref(rep);
	return rep ? 0 : -1;
}

int dump_core(struct xdomain *d, const char *path, bool live, char *written, size_t wlen, char *err,
	      size_t errlen)
{
	char target[PATH_MAX], aside[PATH_MAX + 8], why[256];
	if (!path && default_path(d, target, sizeof(target)) < 0) {
		snprintf(err, errlen, "%s: %s", DUMP_DIR, strerror(errno));
		return -1;
	}
	if (path && snprintf(target, sizeof(target), "%s", path) >= (int)sizeof(target)) {
		snprintf(err, errlen, "the core file's name is too long");
		return -1;
	}
	struct stat st;
	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "Cannot dump core in a directory: %s", target);
		return -1;
	}
	snprintf(aside, sizeof(aside), "%s.XXXXXX", target);
	int file = mkstemp(aside); /* mode 0600: a guest's memory is its own */
	if (file < 0) {
		snprintf(err, errlen, "%s: %s", target, strerror(errno));
		return -1;
	}
	int r = vmm_dump(d, file, live, why, sizeof(why));
	if (r == 0 && rename(aside, target) < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		r = -1;
	}
	close(file);
	if (r < 0) {
		unlink(aside);
		snprintf(err, errlen, "%s: %s", target, why);
		return -1;
	}
	snprintf(written, wlen, "%s", target);
	return 0;
}

void dump_on_crash(struct xdomain *d)
{
	if (!xend.settings.enable_dump)
		return;
	char path[PATH_MAX], err[PATH_MAX + 256];
	if (dump_core(d, NULL, true, path, sizeof(path), err, sizeof(err)) < 0)
		log_err("domain %s (%u) crashed; its core dump failed: %s", d->name, d->domid, err);
	else
		log_info("domain %s (%u) crashed; its core is in %s (enable-dump)", d->name, d->domid, path);
}

void do_dump_core(int fd, struct xdomain *d, json_t *req)
{
	json_t *jpath = json_object_get(req, "path");
	const char *path = json_string_value(jpath);
	bool live = json_is_true(json_object_get(req, "live"));
	bool crash = json_is_true(json_object_get(req, "crash"));
	if (jpath && (!path || path[0] != '/')) {
		control_reply_error(fd, "dump-core wants the core file's absolute path");
		return;
	}
	char written[PATH_MAX], err[PATH_MAX + 256];
	log_info("domain %s (%u): core dump asked for%s%s", d->name, d->domid, live ? ", live" : "",
		 crash ? ", then destroy" : "");
	if (dump_core(d, path, live, written, sizeof(written), err, sizeof(err)) < 0) {
		log_err("domain %s (%u): core dump failed: %s", d->name, d->domid, err);
		control_reply_error(fd, "Failed to dump core: %s", err);
		return;
	}
	log_info("domain %s (%u): core dumped to %s", d->name, d->domid, written);
	if (crash)
		domain_destroy(d, err, sizeof(err)); /* d is gone from here */
	control_reply_ok(fd, json_pack("{s:s}", "path", written));
}
