/* xm log: xend's own log file, as Xen's xend handed it to xm (node.log()).
 * It goes to xm as an open descriptor: a log of a megabyte does not fit in
 * a message, and xm need not know where xend-config.sxp put it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "xend.h"

void do_log(int fd, struct xdomain *unused, json_t *req)
{
	char path[PATH_MAX];
	if (xend_log_path(xend.log_dir, xend.settings.logfile, path, sizeof(path)) < 0) {
		control_reply_error(fd, "xend's log: its path is too long");
		return;
	}
	int log = open(path, O_RDONLY | O_CLOEXEC);
	if (log < 0) {
		control_reply_error(fd, "xend's log %s: %s", path, strerror(errno));
		return;
	}
	control_reply_ok_fds(fd, json_pack("{s:s}", "path", path), &log, 1);
	close(log);
}
