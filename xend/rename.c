/* xm rename: a domain takes a new name, running or not (one xend
 * manages). Everything that goes by the name follows it: XenStore's
 * /local/domain/ID/name and /vm/UUID/name, the domain's record and config
 * (so a restart keeps the new name), its definition if xend manages it.
 * The files named after the domain when it started stay as they are until
 * its next start: its VMM's log (xenon-vmm-NAME.log) and console log
 * (console/guest-NAME.log) are open under the old name, and the VMM keeps
 * the old name in its log lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "xend.h"

static int rename_in_store(const struct xdomain *d, const char *name, char *err, size_t errlen)
{
	char home[64], vm[64];
	snprintf(home, sizeof(home), "/local/domain/%u/name", d->domid);
	snprintf(vm, sizeof(vm), "/vm/%s/name", d->uuid);
	const struct store_node nodes[] = { { home, name }, { vm, name } };
	if (store_write_paths(nodes, 2) < 0) {
		snprintf(err, errlen, "renaming domain %u in XenStore: %s", d->domid, strerror(errno));
		return -1;
	}
	return 0;
}

void do_rename(int fd, struct xdomain *unused, json_t *req)
{
	const char *which = json_string_value(json_object_get(req, "domain"));
	const char *name = json_string_value(json_object_get(req, "name"));
	if (!which || !name) {
		control_reply_error(fd, "rename needs a domain and its new name");
		return;
	}
	char err[512];
	if (!domain_name_valid(name, err, sizeof(err))) {
		control_reply_error(fd, "%s", err);
		return;
	}
	struct xdomain *d = domain_find(which);
	const char *uuid = d ? d->uuid : managed_uuid(which);
	if (!uuid) {
		control_reply_error(fd, "Domain '%s' does not exist.", which);
		return;
	}
	char was[sizeof(d->name)];
	snprintf(was, sizeof(was), "%s", d ? d->name : which);
	if (!managed_name_check(name, uuid, err, sizeof(err)) || managed_rename(uuid, name, err, sizeof(err)) < 0) {
		control_reply_error(fd, "%s", err);
		return;
	}
	if (d && rename_in_store(d, name, err, sizeof(err)) < 0) {
		char ignored[256];
		managed_rename(uuid, was, ignored, sizeof(ignored)); /* as it was */
		control_reply_error(fd, "%s", err);
		return;
	}
	if (d) {
		snprintf(d->name, sizeof(d->name), "%s", name);
		json_object_set_new(d->config, "name", json_string(name));
		domain_save_record(d);
	}
	log_info("domain %s renamed %s", was, name);
	control_reply_ok(fd, NULL);
}
