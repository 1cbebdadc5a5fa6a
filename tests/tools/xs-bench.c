/* xs-bench: XenStore throughput with N concurrent clients, each its own
 * libxenstore connection (as dom0's tools connect), for bench/xenstored.bench.
 *
 *   xs-bench read|write|transaction|watch CLIENTS SECONDS
 *
 * read: each client reads its own node; write: writes it; transaction:
 * start, read, write, commit (retried on EAGAIN); watch: CLIENTS watchers
 * on one path and one writer, counting the events delivered. Prints
 * "OPS_PER_SECOND" (for watch: events delivered per second). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

enum mode { READ, WRITE, TRANSACTION, WATCH };

struct client {
	enum mode mode;
	unsigned index;
	unsigned long ops;
	pthread_t thread;
};

static atomic_bool running;

static struct xs_handle *open_handle(void)
{
	struct xs_handle *h = xs_open(XS_OPEN_SOCKETONLY);
	if (!h) {
		fprintf(stderr, "xs-bench: cannot reach xenstored: %s\n", strerror(errno));
		exit(1);
	}
	return h;
}

static void *client_thread(void *arg)
{
	struct client *c = arg;
	struct xs_handle *h = open_handle();
	char path[64];
	snprintf(path, sizeof(path), "/bench/c%u", c->index);
	if (c->mode == WATCH) {
		xs_watch(h, "/bench/watched", "t");
		unsigned n;
		free(xs_read_watch(h, &n)); /* the first event comes at once */
		int fd = xs_fileno(h);
		while (atomic_load(&running)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			if (poll(&p, 1, 100) <= 0)
				continue;
			char **ev = xs_check_watch(h);
			while (ev) {
				free(ev);
				c->ops++;
				ev = xs_check_watch(h);
			}
		}
		xs_close(h);
		return NULL;
	}
	xs_write(h, XBT_NULL, path, "0", 1);
	while (atomic_load(&running)) {
		unsigned len;
		if (c->mode == READ) {
			free(xs_read(h, XBT_NULL, path, &len));
		} else if (c->mode == WRITE) {
			xs_write(h, XBT_NULL, path, "value", 5);
		} else {
			for (;;) {
				xs_transaction_t t = xs_transaction_start(h);
				free(xs_read(h, t, path, &len));
				xs_write(h, t, path, "value", 5);
				if (xs_transaction_end(h, t, false) || errno != EAGAIN)
					break;
			}
		}
		c->ops++;
	}
	xs_close(h);
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *const modes[] = { "read", "write", "transaction", "watch" };
	if (argc != 4) {
		fprintf(stderr, "usage: xs-bench read|write|transaction|watch CLIENTS SECONDS\n");
		return 2;
	}
	int mode = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(argv[1], modes[i]) == 0)
			mode = i;
	unsigned nclients = (unsigned)atoi(argv[2]);
	double seconds = atof(argv[3]);
	if (mode < 0 || nclients == 0 || seconds <= 0) {
		fprintf(stderr, "xs-bench: bad arguments\n");
		return 2;
	}
	struct client *clients = calloc(nclients, sizeof(*clients));
	if (!clients)
		return 1;
	atomic_store(&running, true);
	for (unsigned i = 0; i < nclients; i++) {
		clients[i] = (struct client){ .mode = (enum mode)mode, .index = i };
		pthread_create(&clients[i].thread, NULL, client_thread, &clients[i]);
	}
	struct timespec start, end;
	unsigned long writes = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (mode == WATCH) {
		/* One writer; every write reaches every watcher. */
		struct xs_handle *h = open_handle();
		usleep(200000); /* the watchers register */
		clock_gettime(CLOCK_MONOTONIC, &start);
		do {
			xs_write(h, XBT_NULL, "/bench/watched", "x", 1);
			writes++;
			clock_gettime(CLOCK_MONOTONIC, &end);
		} while ((double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9 < seconds);
		usleep(300000); /* the last events arrive */
		xs_close(h);
	} else {
		usleep((useconds_t)(seconds * 1e6));
	}
	atomic_store(&running, false);
	clock_gettime(CLOCK_MONOTONIC, &end);
	unsigned long total = 0;
	for (unsigned i = 0; i < nclients; i++) {
		pthread_join(clients[i].thread, NULL);
		total += clients[i].ops;
	}
	double elapsed = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	if (mode == WATCH)
		elapsed -= 0.3;
	printf("%.0f\n", (double)total / elapsed);
	free(clients);
	return 0;
}
