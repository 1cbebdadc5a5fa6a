/* The relocation server: another host's xend migrates a domain here
 * (relocation.h has the protocol). xend takes one migration at a time,
 * and answers xm once it is over. */
#include "relocation.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "save_stream.h"
#include "tls.h"
#include "xend.h"

/* How long the target waits for the stream to go on, and for "go": the
 * source may be suspending its guest in between (save_suspend's minute). */
#define STREAM_TIMEOUT_S 90
#define GO_TIMEOUT_MS (STREAM_TIMEOUT_S * 1000)

int relocation_read_line(int fd, char *line, size_t len, int timeout_ms, char *err, size_t errlen)
{
	size_t n = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			snprintf(err, errlen, "no answer in %d s", timeout_ms / 1000);
			return -1;
		}
		char c;
		ssize_t got = r < 0 ? -1 : recv(fd, &c, 1, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			snprintf(err, errlen, "%s", got == 0 ? "the connection closed" : strerror(errno));
			return -1;
		}
		if (c == '\n') {
			line[n] = '\0';
			return 0;
		}
		if (n + 1 >= len) {
			snprintf(err, errlen, "a line longer than %zu bytes", len);
			return -1;
		}
		line[n++] = c;
	}
}

int relocation_write_line(int fd, const char *fmt, ...)
{
	char buf[RELOCATION_LINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -1;
	if ((size_t)len > sizeof(buf) - 2)
		len = (int)sizeof(buf) - 2;
	buf[len++] = '\n';
	for (int off = 0; off < len;) {
		ssize_t n = send(fd, buf + off, (size_t)(len - off), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (int)n;
	}
	return 0;
}

int relocation_listen(bool tls)
{
	const struct xend_settings *s = &xend.settings;
	if (!(tls ? s->relocation_ssl_server : s->relocation_server))
		return -1;
	char port[16];
	snprintf(port, sizeof(port), "%llu", (unsigned long long)(tls ? s->relocation_ssl_port : s->relocation_port));
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE },
			*ai = NULL;
	int e = getaddrinfo(s->relocation_address[0] ? s->relocation_address : NULL, port, &hints, &ai);
	if (e) {
		log_err("relocation server: xend-relocation-address '%s': %s", s->relocation_address, gai_strerror(e));
		return -1;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0) {
		log_err("relocation server: cannot listen on %s port %s: %s",
			s->relocation_address[0] ? s->relocation_address : "every address", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	} else {
		log_info("relocation server%s listening on %s port %s", tls ? " (TLS)" : "",
			 s->relocation_address[0] ? s->relocation_address : "every address", port);
	}
	freeaddrinfo(ai);
	return fd;
}

/* Whether xend-relocation-hosts-allow lets the peer in; `who` says who it
 * is, by address and name. */
static bool host_allowed(const struct sockaddr *peer, socklen_t len, char *who, size_t wholen)
{
	char addr[INET6_ADDRSTRLEN] = "?", name[NI_MAXHOST] = "";
	getnameinfo(peer, len, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST);
	if (getnameinfo(peer, len, name, sizeof(name), NULL, 0, NI_NAMEREQD) != 0)
		name[0] = '\0';
	snprintf(who, wholen, "%s%s%s%s", addr, name[0] ? " (" : "", name, name[0] ? ")" : "");
	return hosts_allow_matches(xend.settings.relocation_hosts_allow, addr, name[0] ? name : NULL);
}

/* Reads the stream's header and xend's record, then has the domain built
 * from the rest, paused. NULL with `err`. */
static struct xdomain *receive(int conn, char *err, size_t errlen)
{
	struct save_reader r;
	if (save_read_header(&r, conn, err, errlen) < 0)
		return NULL;
	json_t *config = save_read_config(&r, err, errlen);
	if (!config)
		return NULL;
	struct xdomain *d = domain_migrate_in(config, conn, err, errlen);
	json_decref(config);
	return d;
}

/* Lets the domain run once the source has let it go; false with `err`. */
static bool commit(int conn, struct xdomain *d, char *err, size_t errlen)
{
	char line[64];
	if (relocation_write_line(conn, "ready") < 0) {
		snprintf(err, errlen, "telling the source it is ready: %s", strerror(errno));
		return false;
	}
	if (relocation_read_line(conn, line, sizeof(line), GO_TIMEOUT_MS, err, errlen) < 0)
		return false;
	if (strcmp(line, "go") != 0) {
		snprintf(err, errlen, "the source said '%s', not go", line);
		return false;
	}
	if (domain_pause(d, false, err, errlen) < 0)
		return false;
	return true;
}

void relocation_accept(int listen_fd, bool tls)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	int conn = accept4(listen_fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	char who[INET6_ADDRSTRLEN + NI_MAXHOST + 4], err[512];
	bool allowed = host_allowed((struct sockaddr *)&peer, len, who, sizeof(who));
	if (tls) {
		/* Refused or not, the source hears it through TLS. */
		struct timeval handshake = { .tv_sec = 10 };
		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &handshake, sizeof(handshake));
		conn = tls_server(conn, xend.settings.relocation_ssl_key_file, xend.settings.relocation_ssl_cert_file,
				  err, sizeof(err));
		if (conn < 0) {
			log_warn("relocation: a migration from %s: %s", who, err);
			return;
		}
	}
	if (!allowed) {
		log_warn("relocation: refused %s, which xend-relocation-hosts-allow does not name", who);
		relocation_write_line(conn, "refused: %s is not in the xend-relocation-hosts-allow of this host", who);
		close(conn);
		return;
	}
	/* The VMM reads the stream on a copy of this socket: a source that
	 * stops sending ends the wait there too. */
	struct timeval tv = { .tv_sec = STREAM_TIMEOUT_S };
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	log_info("relocation: a migration from %s%s", who, tls ? " (TLS)" : "");
	if (relocation_write_line(conn, "%s", RELOCATION_GREETING) < 0) {
		close(conn);
		return;
	}
	struct xdomain *d = receive(conn, err, sizeof(err));
	if (!d) {
		log_warn("relocation: the migration from %s failed: %s", who, err);
		relocation_write_line(conn, "failed: %s", err);
		close(conn);
		return;
	}
	if (!commit(conn, d, err, sizeof(err))) {
		log_warn("relocation: domain %s from %s is not let run: %s; destroying it", d->name, who, err);
		char ignored[64];
		domain_destroy(d, ignored, sizeof(ignored));
		relocation_write_line(conn, "failed: %s", err);
		close(conn);
		return;
	}
	relocation_write_line(conn, "running");
	close(conn);
	log_info("relocation: domain %s (%u) migrated in from %s and runs", d->name, d->domid, who);
	dmesg_domain(d, "migrated in from %s", who);
}
