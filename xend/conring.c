/* Xen's console ring, as a file (conring.h). */
#include "conring.h"

#include "fd_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The newest whole lines of the open file, CONRING_SIZE bytes at most. */
static char *tail(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	off_t from = st.st_size > CONRING_SIZE ? st.st_size - CONRING_SIZE : 0;
	size_t want = (size_t)(st.st_size - from);
	char *buf = malloc(want + 1);
	if (!buf)
		return NULL;
	ssize_t n = pread(fd, buf, want, from);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	size_t start = 0;
	if (from > 0) { /* cut into a line: begin after its end */
		char *nl = memchr(buf, '\n', (size_t)n);
		start = nl ? (size_t)(nl + 1 - buf) : (size_t)n;
	}
	memmove(buf, buf + start, (size_t)n - start);
	*len = (size_t)n - start;
	buf[*len] = '\0';
	return buf;
}

/* Keeps only the newest CONRING_SIZE bytes: written aside and renamed, so
 * a crash leaves one whole ring or the other. */
static int cut_back(const char *path, int fd)
{
	size_t len;
	char *text = tail(fd, &len);
	if (!text)
		return -1;
	char aside[4096];
	snprintf(aside, sizeof(aside), "%s.new", path);
	int out = open(aside, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = out < 0 || fd_write_all(out, text, len) < 0 ? -1 : 0;
	if (out >= 0 && close(out) < 0)
		r = -1;
	if (r == 0 && rename(aside, path) < 0)
		r = -1;
	if (r < 0) {
		int e = errno;
		unlink(aside);
		errno = e;
	}
	free(text);
	return r;
}

int conring_append(const char *path, const char *line)
{
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	size_t len = strlen(line);
	char *buf = malloc(len + 1);
	int r = -1;
	if (buf) {
		memcpy(buf, line, len);
		buf[len] = '\n';
		/* One write: the line is whole or absent. */
		r = fd_write_all(fd, buf, len + 1) < 0 ? -1 : 0;
		free(buf);
	}
	struct stat st;
	if (r == 0 && fstat(fd, &st) == 0 && st.st_size >= 2 * CONRING_SIZE)
		r = cut_back(path, fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

char *conring_read(const char *path, bool clear, size_t *len)
{
	int fd = open(path, (clear ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*len = 0;
		return calloc(1, 1);
	}
	if (fd < 0)
		return NULL;
	char *text = tail(fd, len);
	if (text && clear && ftruncate(fd, 0) < 0) {
		free(text);
		text = NULL;
	}
	int e = errno;
	close(fd);
	errno = e;
	return text;
}
