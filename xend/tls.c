/* TLS for migrations (tls.h). */
#include "tls.h"

#include "fd_io.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define HANDSHAKE_TIMEOUT_MS 10000

static int send_all(gnutls_session_t s, const char *p, size_t len)
{
	while (len) {
		ssize_t n = gnutls_record_send(s, p, len);
		if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Plain bytes from `plain` go out encrypted on `tcp`, and what comes in
 * on `tcp` goes to `plain`, each way until it ends. */
static void relay(gnutls_session_t s, int tcp, int plain)
{
	static char buf[1 << 16];
	bool in_open = true, out_open = true;
	while (in_open || out_open) {
		struct pollfd p[2] = { { .fd = out_open ? plain : -1, .events = POLLIN },
				       { .fd = in_open ? tcp : -1, .events = POLLIN } };
		bool pending = in_open && gnutls_record_check_pending(s) > 0;
		int n = pending ? 0 : poll(p, 2, TLS_IDLE_S * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && !pending))
			return; /* the network went quiet: the plain end sees the connection close */
		if (pending || p[1].revents) {
			ssize_t got = gnutls_record_recv(s, buf, sizeof(buf));
			if (got == GNUTLS_E_INTERRUPTED || got == GNUTLS_E_AGAIN)
				continue;
			if (got <= 0 || fd_write_all(plain, buf, (size_t)got) < 0) {
				if (got < 0 && got != GNUTLS_E_PREMATURE_TERMINATION)
					return; /* broken, not ended: both ends see it close */
				shutdown(plain, SHUT_WR);
				in_open = false;
			}
		}
		if (p[0].revents) {
			ssize_t got = read(plain, buf, sizeof(buf));
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0) {
				gnutls_bye(s, GNUTLS_SHUT_WR);
				out_open = false;
			} else if (send_all(s, buf, (size_t)got) < 0) {
				return;
			}
		}
	}
}

/* The relay in a process of its own (a grandchild, so that nobody need
 * reap it); the plain end for xend, or -1 with errno. */
static int start_relay(gnutls_session_t s, int tcp)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return -1;
	pid_t child = fork();
	if (child < 0) {
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	if (child == 0) {
		if (fork() != 0)
			_exit(0);
		/* Nothing of xend's but the two ends of the relay. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != tcp && fd != pair[1])
				close(fd);
		signal(SIGPIPE, SIG_IGN);
		relay(s, tcp, pair[1]);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	close(pair[1]);
	return pair[0];
}

static int handshake(gnutls_session_t s, int tcp, const char *who, char *err, size_t errlen)
{
	gnutls_transport_set_int(s, tcp);
	gnutls_handshake_set_timeout(s, HANDSHAKE_TIMEOUT_MS);
	int r;
	do
		r = gnutls_handshake(s);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		snprintf(err, errlen, "TLS with %s: %s", who, gnutls_strerror(r));
		return -1;
	}
	return 0;
}

/* One side of a TLS session on `tcp` (which it takes): a client of
 * `host`, or a server with the key and certificate files. The plain end,
 * or -1 with `err`. */
static int wrap(int tcp, unsigned side, const char *host, const char *key_file, const char *cert_file, char *err,
		size_t errlen)
{
	const char *who = side == GNUTLS_CLIENT ? host : "the source";
	gnutls_certificate_credentials_t creds = NULL;
	gnutls_session_t s = NULL;
	int plain = -1, r = gnutls_certificate_allocate_credentials(&creds);
	if (r == 0 && side == GNUTLS_SERVER) {
		r = gnutls_certificate_set_x509_key_file(creds, cert_file, key_file, GNUTLS_X509_FMT_PEM);
		if (r < 0)
			snprintf(err, errlen, "TLS: the key %s and certificate %s: %s", key_file, cert_file,
				 gnutls_strerror(r));
	} else if (r < 0) {
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(r));
	}
	if (r == 0 && (r = gnutls_init(&s, side)) < 0)
		snprintf(err, errlen, "TLS: %s", gnutls_strerror(r));
	if (r == 0 && side == GNUTLS_CLIENT)
		gnutls_server_name_set(s, GNUTLS_NAME_DNS, host, strlen(host));
	if (r == 0 && (gnutls_set_default_priority(s) < 0 || gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, creds) < 0))
		snprintf(err, errlen, "TLS with %s: cannot set the session up", who);
	else if (r == 0 && handshake(s, tcp, who, err, errlen) == 0 && (plain = start_relay(s, tcp)) < 0)
		snprintf(err, errlen, "TLS with %s: %s", who, strerror(errno));
	if (s)
		gnutls_deinit(s); /* the relay has its own copy */
	if (creds)
		gnutls_certificate_free_credentials(creds);
	close(tcp);
	return plain;
}

int tls_client(int tcp, const char *host, char *err, size_t errlen)
{
	return wrap(tcp, GNUTLS_CLIENT, host, NULL, NULL, err, errlen);
}

int tls_server(int tcp, const char *key_file, const char *cert_file, char *err, size_t errlen)
{
	return wrap(tcp, GNUTLS_SERVER, NULL, key_file, cert_file, err, errlen);
}
