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

/* What a domain may hold (guests are hostile). dom0 is bound by none. The
 * defaults and the option names are Xen's (xenstored --help). */
struct quota {
	unsigned entries;      /* -E --entry-nb: nodes a domain owns */
	unsigned entry_size;   /* -S --entry-size: bytes in one node's value */
	unsigned watches;      /* -W --watch-nb */
	unsigned transactions; /* -t --transaction: open at once */
	unsigned perms;        /* -A --perm-nb: entries in a node's permissions */
	unsigned path_max;     /* -M --path-max: characters in a path */
	unsigned txn_nodes;    /* -Q transaction-nodes: paths one transaction touches */
	unsigned outstanding;  /* -Q outstanding: replies unread before we stop reading */
	unsigned watch_events; /* -Q watch-events: events unread before we cut it off */
	unsigned memory;       /* -Q memory: bytes of node data a domain owns */
};

#define QUOTA_DEFAULTS                                                                     \
	{ .entries = 1000, .entry_size = 2048, .watches = 128, .transactions = 10, .perms = 5, \
	  .path_max = XENSTORE_REL_PATH_MAX, .txn_nodes = 1024, .outstanding = 20,           \
	  .watch_events = 1024, .memory = 2 * 1024 * 1024 }

/* Requests one connection may have handled in one turn of the event loop,
 * so a flood from one never starves the others. */
#define REQUESTS_PER_TURN 16

enum conn_kind { CONN_SOCKET, CONN_RING };

struct out_msg {
	struct out_msg *next;
	size_t len, done;
	bool is_event;
	uint32_t consume; /* rings: request bytes to release once this is sent */
	char data[];
};

struct watch {
	char *path;     /* absolute, or a special '@' name */
	char *token;
	bool relative;  /* registered relative to the domain's home */
	struct conn *conn;
	struct watch *next;      /* the connection's list */
	struct watch *hash_next; /* the daemon's index by path */
};

#define WATCH_SLOTS 1024

struct domain;

/* Something the event loop waits on: `ready` runs when `fd` is readable. */
struct io_handler {
	int fd;
	void (*ready)(struct io_handler *h);
	bool want_output; /* also woken when writable */
};

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

struct conn {
	enum conn_kind kind;
	struct io_handler io; /* the socket, or the ring's kick eventfd */
	uint32_t domid;       /* 0 for sockets: dom0's tools */
	uint32_t target;      /* the domain it acts for (SET_TARGET), or 0 */
	bool privileged;
	bool readonly;        /* the read-only socket */
	struct domain *domain; /* rings: the domain whose ring it is */

	/* Requests read and not yet handled. A ring's bytes stay in the ring
	 * until their reply is sent (ring_taken counts those copied here), so
	 * a restarted xenstored finds unanswered requests where it left them;
	 * a request longer than the ring is released early, once journaled
	 * (in_released counts those bytes). */
	char in[2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)];
	size_t in_len;
	uint32_t ring_taken;
	uint32_t in_released;
	uint32_t reply_consumes; /* ring bytes the request being handled took */
	bool wants_service;   /* may have requests to handle */

	struct out_msg *out_head, *out_tail;
	unsigned out_replies, out_events;

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
	struct quota quota;
	struct conn *conns;
	struct domain *domains;
	struct watch *watch_index[WATCH_SLOTS];
	int epoll_fd;
};

extern struct xenstored xs;

/* conn.c */
struct conn *conn_new(enum conn_kind kind, int fd, void (*ready)(struct io_handler *h));
/* Handles up to `budget` of the connection's requests (reading more from
 * its socket or ring as needed); returns how many. Stops early while the
 * client leaves too many replies unread. */
unsigned conn_service(struct conn *c, unsigned budget);
/* Whether the connection has requests it may handle now. */
bool conn_runnable(const struct conn *c);
/* Takes bytes of requests from a socket client. */
int conn_take_input(struct conn *c, const char *buf, size_t len);
/* Queues a reply to the request being handled, or a watch event. */
void conn_reply(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *data,
		size_t len);
void conn_event(struct conn *c, const void *data, size_t len);
/* Opens transaction `id` on the connection. */
struct txn *conn_txn_open(struct conn *c, uint32_t id);
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
/* SET_TARGET: `domid` acts for `target` from now on. -ENOENT if domid is
 * not introduced. */
int domain_set_target(uint32_t domid, uint32_t target);
/* Copies request bytes from the guest's ring into its connection. */
size_t domain_ring_take(struct conn *c);
/* Writes queued output to the guest's ring, releasing answered requests. */
void domain_ring_flush(struct conn *c);
/* Releases the bytes of a long request (journaled) so the guest can send
 * the rest. */
void domain_ring_release_partial(struct conn *c);
void domain_conn_gone(struct conn *c);
/* Reading the journal back: a domain introduced, its connection (NULL if
 * none), and where the rest of its long request starts in its ring. */
struct conn *domain_restored(uint32_t domid, uint64_t gfn, uint32_t port);
struct conn *domain_conn(uint32_t domid);
void domain_partial_restored(uint32_t domid, uint32_t index);
/* After the journal is read: maps each domain's ring again (releasing the
 * domains whose VMM is gone) and fires every restored watch once. */
void domain_restore_all(void);
/* Records every domain and its connection's state, for a snapshot. */
void domain_journal_all(void);

/* quota.c */
/* The quota called `name` (as -Q and xenstore-control name them), or NULL. */
unsigned *quota_by_name(const char *name);
/* Sets a quota from its text (a count of at least 1); false if either is
 * not valid. */
bool quota_set(const char *name, const char *value);
/* One line per quota: name, value, what it bounds. Returns the length. */
size_t quota_describe(char *buf, size_t len);

/* main.c */
int loop_add(struct io_handler *h);
void loop_remove(struct io_handler *h);
/* Whether `h` should also wake the loop when its descriptor is writable. */
void loop_want_output(struct io_handler *h, bool want);

#endif
