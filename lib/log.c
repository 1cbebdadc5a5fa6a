#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char prefix[128] = "xenon";
static enum log_level threshold = LOG_LEVEL_INFO;

static const char *const level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL" };
/* What a line on stderr says of its level. */
static const char *const level_tags[] = { "debug: ", "", "warning: ", "error: ", "critical: " };

/* The file log_to_file chose; path[0] is 0 while we log to plain stderr. The
 * lock keeps a rotation and the lines of several threads apart. */
static struct {
	char path[PATH_MAX];
	off_t max_bytes;
	unsigned backups;
	/* The file was rotated but could not be opened again: descriptor 2 is
	 * still the full file, now PATH.1. Rotating again would shift every
	 * backup out within a few lines, so until PATH opens, lines go on to
	 * the old file. */
	bool reopen_pending;
	pthread_mutex_t lock;
} file = { .lock = PTHREAD_MUTEX_INITIALIZER };

void log_set_prefix(const char *program, const char *domain)
{
	if (domain)
		snprintf(prefix, sizeof(prefix), "%s[%s]", program, domain);
	else
		snprintf(prefix, sizeof(prefix), "%s", program);
}

void log_set_level(enum log_level level)
{
	threshold = level;
}

void log_set_verbose(bool on)
{
	threshold = on ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO;
}

bool log_level_from_name(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			if (level)
				*level = (enum log_level)i;
			return true;
		}
	}
	return false;
}

/* "PATH.N" (PATH itself for N = 0) into `buf`; false if it does not fit. */
static bool numbered(char buf[PATH_MAX], const char *path, unsigned n)
{
	int len = n ? snprintf(buf, PATH_MAX, "%s.%u", path, n) : snprintf(buf, PATH_MAX, "%s", path);
	return len >= 0 && len < PATH_MAX;
}

int log_rotate(const char *path, unsigned backups)
{
	if (backups == 0)
		return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
	char from[PATH_MAX], to[PATH_MAX];
	/* Oldest first, so that no file is renamed onto one not yet moved on. */
	for (unsigned n = backups; n >= 1; n--) {
		if (!numbered(from, path, n - 1) || !numbered(to, path, n)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (rename(from, to) < 0 && errno != ENOENT)
			return -1;
	}
	return 0;
}

/* Opens the log at `path` as descriptor 2; 0, or -1 with errno set and
 * stderr as it was. */
static int open_as_stderr(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (fd == STDERR_FILENO) /* stderr was closed: the file took its place */
		return fcntl(fd, F_SETFD, 0) < 0 ? -1 : 0;
	int r = dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int log_to_file(const char *path, off_t max_bytes, unsigned backups)
{
	if (strlen(path) >= sizeof(file.path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	pthread_mutex_lock(&file.lock);
	int r = open_as_stderr(path);
	if (r == 0) {
		snprintf(file.path, sizeof(file.path), "%s", path);
		file.max_bytes = max_bytes;
		file.backups = backups;
		file.reopen_pending = false;
	}
	int e = errno;
	pthread_mutex_unlock(&file.lock);
	errno = e;
	return r;
}

/* With the lock held: rotates the file if `adding` bytes would take it to
 * its limit. A file that cannot be rotated, or not opened again after it
 * was (no descriptor, no space), is written on, so that no message and no
 * backup is lost for it. */
static void rotate_if_full(size_t adding)
{
	if (file.reopen_pending) {
		file.reopen_pending = open_as_stderr(file.path) < 0;
		return;
	}
	struct stat st;
	if (file.max_bytes <= 0 || fstat(STDERR_FILENO, &st) < 0 || st.st_size == 0 ||
	    st.st_size + (off_t)adding < file.max_bytes)
		return;
	if (log_rotate(file.path, file.backups) == 0)
		file.reopen_pending = open_as_stderr(file.path) < 0;
}

static void file_line(enum log_level level, const char *msg)
{
	char stamp[32], line[1280];
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	int n = snprintf(line, sizeof(line), "[%s %d] %s (%s) %s\n", stamp, (int)getpid(), level_names[level],
			 prefix, msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	pthread_mutex_lock(&file.lock);
	rotate_if_full((size_t)n);
	/* One write per line, so lines never interleave. */
	ssize_t written = write(STDERR_FILENO, line, (size_t)n);
	(void)written; /* nowhere left to say that the log failed */
	pthread_mutex_unlock(&file.lock);
}

static void log_line(enum log_level level, const char *fmt, va_list ap)
{
	if (level < threshold)
		return;
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (file.path[0])
		file_line(level, msg);
	else /* one write per line, so lines from several threads never interleave */
		fprintf(stderr, "%s: %s%s\n", prefix, level_tags[level], msg);
}

#define LOG_FN(name, level)                  \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
		va_start(ap, fmt);           \
		log_line(level, fmt, ap);    \
		va_end(ap);                  \
	}

LOG_FN(log_err, LOG_LEVEL_ERROR)
LOG_FN(log_warn, LOG_LEVEL_WARNING)
LOG_FN(log_info, LOG_LEVEL_INFO)
LOG_FN(log_debug, LOG_LEVEL_DEBUG)
