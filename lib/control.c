#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *control_run_dir(void)
{
	const char *dir = getenv("XENON_RUN_DIR");
	return dir && *dir ? dir : "/run/xenon";
}

int control_vmm_path(uint32_t domid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/vmm/%u.sock", control_run_dir(), domid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int make_parent_dirs(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static int fill_address(struct sockaddr_un *a, const char *path)
{
	*a = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

int control_listen(const char *path)
{
	struct sockaddr_un a;
	if (fill_address(&a, path) < 0 || make_parent_dirs(path) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path); /* a socket left by a process that died */
	mode_t old = umask(0077);
	int r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(fd, 64) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int control_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un a;
	if (fill_address(&a, path) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (timeout_ms > 0) {
		struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A SOCK_SEQPACKET message must fit the sender's buffer whole (Linux
 * refuses one larger than it), and its default is about 200 KiB: a list of
 * many domains is more. Root (xend, the VMMs) may raise it past the
 * system's limit; others get what the limit allows. */
static void room_for(int fd, size_t len)
{
	int have = 0;
	socklen_t sl = sizeof(have);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &have, &sl) == 0 && (size_t)have > len + 4096)
		return;
	int want = (int)(len + 4096); /* the kernel doubles it for its own overhead */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

int control_send(int fd, const json_t *msg, const int *fds, size_t nfds)
{
	char *text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	size_t len = strlen(text);
	if (len > CONTROL_MAX_MSG || nfds > CONTROL_MAX_FDS) {
		free(text);
		return -EMSGSIZE;
	}
	room_for(fd, len);
	struct iovec iov = { .iov_base = text, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONTROL_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		memset(&control, 0, sizeof(control));
		m.msg_control = control.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	ssize_t n;
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	int err = n < 0 ? -errno : 0;
	free(text);
	return err;
}

/* The size of the next message (it stays queued), 0 when the peer has
 * gone, or -errno. Its descriptors are not taken: they come with it. */
static ssize_t next_size(int fd)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	do
		n = recvmsg(fd, &m, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

int control_recv(int fd, json_t **msg, int *fds, size_t *nfds)
{
	ssize_t size = next_size(fd);
	if (size <= 0) {
		if (nfds)
			*nfds = 0;
		return (int)size;
	}
	size_t cap = (size_t)size < CONTROL_MAX_MSG ? (size_t)size : CONTROL_MAX_MSG;
	char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	union {
		char buf[CMSG_SPACE(sizeof(int) * CONTROL_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			    .msg_controllen = sizeof(control.buf) };
	ssize_t n;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	size_t got = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); n >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < count; i++) {
			int passed;
			memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fds && got < CONTROL_MAX_FDS)
				fds[got++] = passed;
			else
				close(passed);
		}
	}
	if (nfds)
		*nfds = got;
	if (n <= 0) {
		int err = n < 0 ? -errno : 0;
		free(buf);
		return err;
	}
	buf[n] = '\0';
	json_error_t jerr;
	json_t *j = json_loadb(buf, (size_t)n, 0, &jerr);
	free(buf);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		for (size_t i = 0; i < got; i++)
			close(fds[i]);
		if (nfds)
			*nfds = 0;
		return -EPROTO;
	}
	*msg = j;
	return 1;
}

json_t *control_call(int fd, const json_t *request, int *fds, size_t *nfds, char *err, size_t errlen)
{
	return control_call_passing(fd, request, NULL, 0, fds, nfds, err, errlen);
}

json_t *control_call_passing(int fd, const json_t *request, const int *pass, size_t npass, int *fds, size_t *nfds,
			     char *err, size_t errlen)
{
	int r = control_send(fd, request, pass, npass);
	if (r < 0) {
		snprintf(err, errlen, "sending: %s", strerror(-r));
		return NULL;
	}
	json_t *reply = NULL;
	r = control_recv(fd, &reply, fds, nfds);
	if (r <= 0) {
		snprintf(err, errlen, "%s", r == 0 ? "no reply (the peer closed the connection)"
						    : r == -EAGAIN ? "no reply in time"
								   : strerror(-r));
		return NULL;
	}
	if (!json_is_true(json_object_get(reply, "ok"))) {
		const char *why = json_string_value(json_object_get(reply, "error"));
		snprintf(err, errlen, "%s", why ? why : "refused, with no reason given");
		if (nfds)
			for (size_t i = 0; i < *nfds; i++)
				close(fds[i]);
		json_decref(reply);
		return NULL;
	}
	return reply;
}

int control_reply_ok(int fd, json_t *extra)
{
	return control_reply_ok_fds(fd, extra, NULL, 0);
}

int control_reply_ok_fds(int fd, json_t *extra, const int *fds, size_t nfds)
{
	json_t *r = extra ? extra : json_object();
	json_object_set_new(r, "ok", json_true());
	int err = control_send(fd, r, fds, nfds);
	json_decref(r);
	return err;
}

int control_reply_error(int fd, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", text);
	int err = control_send(fd, r, NULL, 0);
	json_decref(r);
	return err;
}

json_t *control_find_device(json_t *list, uint32_t devid)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (json_integer_value(json_object_get(v, "devid")) == (json_int_t)devid)
			return v;
	return NULL;
}
