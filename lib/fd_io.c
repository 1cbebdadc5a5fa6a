#include "fd_io.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

/* At the descriptor's offset when `at` is negative, else at `at`. */
static int write_whole(int fd, const void *buf, size_t len, off_t at)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = at < 0 ? write(fd, p, len) : pwrite(fd, p, len, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		if (at >= 0)
			at += n;
	}
	return 0;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
	return write_whole(fd, buf, len, -1);
}

int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t at)
{
	return write_whole(fd, buf, len, (off_t)at);
}
