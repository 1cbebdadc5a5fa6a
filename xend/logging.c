/* xend's own log, as Xen's xend kept it: the file xend-config.sxp's
 * (logfile ...) names (xend.log in the log folder when it names none), the
 * messages at (loglevel ...) and above, and the file rotated at 1 MiB into
 * xend.log.1 ... xend.log.5 (Xen's XendLogging: a RotatingFileHandler of
 * MAX_BYTES 1 << 20 and BACKUP_COUNT 5). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "xend.h"

int xend_log_path(const char *log_dir, const char *logfile, char *buf, size_t len)
{
	int n = !*logfile ? snprintf(buf, len, "%s/xend.log", log_dir)
		: *logfile == '/' ? snprintf(buf, len, "%s", logfile)
				  : snprintf(buf, len, "%s/%s", log_dir, logfile);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int xend_log_prepare(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	int fd = -1;
	if (make_folders(dirname(dir)) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the log %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int xend_log_open(const char *path, const char *loglevel)
{
	enum log_level level = LOG_LEVEL_DEBUG; /* Xen's default */
	log_level_from_name(loglevel, &level);  /* the settings checked it */
	log_set_level(level);
	return log_to_file(path, XEND_LOG_MAX_BYTES, XEND_LOG_BACKUPS);
}
