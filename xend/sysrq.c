/* xm sysrq: a magic SysRq key for the guest, as Xen's xend sent it: into
 * the domain's control/sysrq, which the guest owns (store.c) and Linux's
 * xenbus watches (drivers/xen/manage.c). Linux clears it and runs the key
 * if its kernel.sysrq mask allows it, as for a key at its keyboard:
 * Debian's default lets h (help) and s (sync) through, not c (crash). */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "xend.h"

/* A key Linux's handler may know: printable, no space (Xen's xend took any
 * single character; control bytes in XenStore help nobody). */
static bool sysrq_key_ok(const char *key)
{
	return key && strlen(key) == 1 && key[0] > ' ' && key[0] < 0x7f;
}

void do_sysrq(int fd, struct xdomain *d, json_t *req)
{
	const char *key = json_string_value(json_object_get(req, "key"));
	if (!sysrq_key_ok(key)) {
		control_reply_error(fd, "a SysRq key is one printable character (h for help), not '%s'",
				    key ? key : "");
		return;
	}
	if (strcmp(d->state, "shutdown") == 0) {
		control_reply_error(fd, "Domain '%s' is not started", d->name);
		return;
	}
	if (store_write(d, "control/sysrq", key) < 0) {
		control_reply_error(fd, "cannot send SysRq %s to domain %s: %s", key, d->name, strerror(errno));
		return;
	}
	log_info("domain %s (%u): SysRq %s", d->name, d->domid, key);
	control_reply_ok(fd, NULL);
}
