/* xenstored: one per host. Clients reach it through Unix sockets (dom0's
 * tools, libxenstore) and through each guest's shared ring (the guest's
 * xenbus). Both are connections; a request on either runs through the same
 * operations (ops.c) on the same tree (store.c). */
#ifndef XENSTORED_XENSTORED_H
#define XENSTORED_XENSTORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "store.h"

/* Bounds on what one connection may hold (guests are hostile). */
#define MAX_WATCHES_PER_CONN 128
#define MAX_TXNS_PER_CONN 16
#define MAX_OUT_PER_CONN 1024        /* queued replies and watch events */
#define MAX_NODES_PER_DOMAIN 1000

enum conn_kind { CONN_SOCKET, CONN_RING };

struct out_msg {
	struct out_msg *next;
	size_t len, done;
	char data[];
};

struct watch {
	char *path;     /* absolute, or a special '@' name */
	char *token;
	bool relative;  /* registered relative to the domain's home */
	struct watch *next;
};

struct domain;

/* Something the event loop waits on: `ready` runs when `fd` is readable. */
struct io_handler {
	int fd;
	void (*ready)(struct io_handler *h);
};

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct conn {
	enum conn_kind kind;
	struct io_handler io; /* the socket, or the ring's kick eventfd */
	uint32_t domid;       /* 0 for sockets: dom0's tools */
	bool privileged;
	bool readonly;        /* the read-only socket */
	struct domain *domain; /* rings: the domain whose ring it is */

	/* The request being read. */
	struct xsd_sockmsg hdr;
	size_t hdr_got;
	char body[XENSTORE_PAYLOAD_MAX + 1];
	size_t body_got;

	struct out_msg *out_head, *out_tail;
	unsigned out_count;

	struct watch *watches;
	unsigned nwatches;
	struct txn *txns;
	unsigned ntxns;
	uint32_t next_txn_id;

	bool closing;         /* gone or cut off: freed at the end of the loop turn */
	struct conn *next;
};

/* The daemon's state; one instance. */
struct xenstored {
	struct store store;
	struct conn *conns;
	struct domain *domains;
	int epoll_fd;
};

extern struct xenstored xs;

/* conn.c */
struct conn *conn_new(enum conn_kind kind, int fd, void (*ready)(struct io_handler *h));
/* Takes in `len` bytes of requests, running each as it completes. */
void conn_input(struct conn *c, const char *buf, size_t len);
void conn_queue(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
		size_t len);
/* Cuts a connection off (a protocol violation, or its peer went away). */
void conn_close(struct conn *c, const char *why);
/* Frees the connections marked closing. */
void conn_reap(void);
/* Moves queued output to the socket or ring. */
void conn_flush(struct conn *c);
/* Frees the first queued message, wholly sent. */
void conn_drop_sent(struct conn *c);

/* ops.c */
void ops_handle(struct conn *c, const struct xsd_sockmsg *hdr, char *body);
/* The domain's home: /local/domain/ID. */
void domain_home(uint32_t domid, char *buf, size_t len);

/* watch.c */
int watch_add(struct conn *c, const char *path, const char *token, bool relative);
int watch_remove(struct conn *c, const char *path, const char *token);
void watch_remove_all(struct conn *c);
/* The store's change callback: queues events for every matching watch. */
void watch_fire(void *opaque, const char *path, bool recursive);
void watch_fire_one(struct conn *c, struct watch *w, const char *path);

/* domain.c */
int domain_introduce(uint32_t domid, uint64_t gfn, uint32_t port, char *err, size_t errlen);
int domain_release(uint32_t domid);
bool domain_is_introduced(uint32_t domid);
/* A guest kicked its ring, or a connection of its needs flushing. */
void domain_ring_io(struct domain *d);
void domain_ring_flush(struct conn *c);
void domain_conn_gone(struct conn *c);

/* main.c */
int loop_add(struct io_handler *h);
void loop_remove(struct io_handler *h);

#endif
