/* net-bench: TCP throughput and round-trip latency between two machines
 * (guests, or a guest and its host), for bench/netback.bench. Static, so a
 * guest's initramfs can carry it.
 *
 *   net-bench serve PORT               answers clients until killed
 *   net-bench stream HOST PORT SECS    sends for SECS seconds; prints the
 *                                      rate the server received at
 *   net-bench rr HOST PORT SECS        one byte each way, SECS seconds;
 *                                      prints round trips per second and
 *                                      the mean round trip
 *
 * A client's first byte says which it is: 's' (the server counts what
 * arrives until the client shuts its side, then answers with the count)
 * or 'r' (the server echoes each byte). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "net-bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* All of `len` bytes written (or read), or -1. */
static int transfer_all(int fd, void *buf, size_t len, bool writing)
{
	char *p = buf;
	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len) { return transfer_all(fd, (void *)buf, len, true); }
static int read_all(int fd, void *buf, size_t len) { return transfer_all(fd, buf, len, false); }

static void serve_one(int c)
{
	static char buf[CHUNK];
	char mode;
	if (read_all(c, &mode, 1) < 0)
		return;
	if (mode == 's') {
		uint64_t total = 0;
		ssize_t n;
		while ((n = read(c, buf, sizeof(buf))) > 0)
			total += (uint64_t)n;
		write_all(c, &total, sizeof(total));
	} else if (mode == 'r') {
		char b;
		while (read_all(c, &b, 1) == 0 && write_all(c, &b, 1) == 0)
			;
	}
}

static int serve(int port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 8) < 0)
		die("listening");
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fork() == 0) {
			serve_one(c);
			_exit(0);
		}
		close(c);
	}
}

/* HOST is an IPv4 address: a static binary has no resolver. */
static int connect_to(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "net-bench: %s is not an IPv4 address\n", host);
		exit(2);
	}
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connecting");
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return s;
}

static int stream(int s, double seconds)
{
	static char buf[CHUNK];
	memset(buf, 'x', sizeof(buf));
	double start = now();
	if (write_all(s, "s", 1) < 0)
		die("sending");
	while (now() - start < seconds)
		if (write_all(s, buf, sizeof(buf)) < 0)
			die("sending");
	shutdown(s, SHUT_WR);
	uint64_t received;
	if (read_all(s, &received, sizeof(received)) < 0)
		die("reading the server's count");
	double elapsed = now() - start;
	printf("stream: %.1f Mbit/s (%llu bytes in %.2f s)\n", (double)received * 8 / elapsed / 1e6,
	       (unsigned long long)received, elapsed);
	return 0;
}

static int round_trips(int s, double seconds)
{
	if (write_all(s, "r", 1) < 0)
		die("sending");
	unsigned long n = 0;
	double start = now();
	while (now() - start < seconds) {
		char b = 'x';
		if (write_all(s, &b, 1) < 0 || read_all(s, &b, 1) < 0)
			die("a round trip");
		n++;
	}
	double elapsed = now() - start;
	printf("rr: %.0f round trips/s, mean %.0f us\n", (double)n / elapsed, elapsed / (double)n * 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(atoi(argv[2]));
	if (argc == 5 && strcmp(argv[1], "stream") == 0)
		return stream(connect_to(argv[2], argv[3]), atof(argv[4]));
	if (argc == 5 && strcmp(argv[1], "rr") == 0)
		return round_trips(connect_to(argv[2], argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: net-bench serve PORT | stream HOST PORT SECONDS | rr HOST PORT SECONDS\n");
	return 2;
}
