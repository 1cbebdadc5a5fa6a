/* libFuzzer target for xenstored: the wire protocol's framing and parsing
 * (conn.c), every operation (ops.c), the transaction engine (store.c) and
 * the watches (watch.c), driven as main.c's event loop drives them, without
 * the loop itself.
 *
 * Each input starts from a fresh daemon: the tree Xen starts with, plus
 * /local/domain/5 and /local/domain/6 owned by those domains, and four
 * clients, each on a socketpair:
 *   0: dom0 (privileged)           1: domain 5       2: domain 6
 *   3: dom0 on the read-only socket
 * Quotas are tighter than Xen's defaults (see tight_quota) so that a short
 * input reaches them; dom0 may still change them with CONTROL quota.
 *
 * The input is a sequence of chunks, each one turn of the event loop:
 *
 *   op:u8  len:u16 (little-endian)  bytes[len]   (len is cut to what is left)
 *
 *   op bits 0-1  the client (above)
 *   op bit 2     hand the bytes over with conn_take_input; otherwise the
 *                client writes them to its socket and the daemon reads them
 *                there, as in main.c (the client writes only into an empty
 *                socket, as much as always fits, and keeps the rest for
 *                later turns: a blocking writer, the same on any kernel)
 *   op bit 3     once those bytes are written, the client hangs up (shuts
 *                its end down for writing): the daemon reads EOF and closes
 *                the connection
 *   op bit 4     the client stops reading what it is sent, or starts again
 *                (a toggle; clients start reading): the daemon's socket
 *                buffer is small, so the output of a client that does not
 *                read queues up in the daemon, where the unread-replies
 *                throttle and the watch-event cut-off act
 *   op bit 5     no requests are handled this turn; the bytes wait
 *   op bits 6-7  unused
 *
 * The bytes are raw wire traffic: struct xsd_sockmsg headers (type, req_id,
 * tx_id, len; host byte order) and payloads, cut anywhere. A turn then
 * handles up to REQUESTS_PER_TURN requests of every runnable connection,
 * flushes their output, reads what each client received (a client that
 * reads lets the daemon flush until its queue is empty) and checks it (a
 * message longer than XENSTORE_PAYLOAD_MAX, an unknown type, a malformed
 * error or watch event is a crash; so is a request that gets no reply or
 * two, and a guest's transaction that grows past its quota), frees the connections the daemon cut off
 * (a later chunk for that client connects it again) and checks that the
 * watches are where the connections count them. At the end every client
 * reads again, a few more turns run without input, the tree is checked
 * (each node's parent lists it, each listed child exists, and what each
 * domain's nodes count for, the quotas' usage, matches the nodes
 * themselves), then everything is freed, so LeakSanitizer sees anything the
 * daemon forgot.
 *
 * INTRODUCE cannot reach a VMM (XENON_RUN_DIR points below /dev/null), so it
 * fails the same way every time; guests' rings are not exercised here.
 * tests/fuzz/make-corpus writes the seed corpus in this format;
 * FUZZ_XENSTORED_TRACE=1 prints what the clients receive. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "xenstored/xenstored.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- what main.c and lib/log.c would provide ---- */

/* The event loop is main.c's; these connections never reach it. */
int loop_add(struct io_handler *h) { (void)h; return 0; }
void loop_remove(struct io_handler *h) { (void)h; }
void loop_want_output(struct io_handler *h, bool want) { (void)h; (void)want; }

/* The daemon's log lines are formatted (so a bad format still shows up
 * under the sanitizers) but not printed: at thousands of inputs a second
 * they would bury the fuzzer's own output. Defining them here keeps
 * lib/log.c out of the link. */
static void log_discard(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void log_discard(const char *fmt, va_list ap)
{
	char line[1024];
	vsnprintf(line, sizeof(line), fmt, ap);
}

#define LOG_STUB(name)                       \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
		va_start(ap, fmt);           \
		log_discard(fmt, ap);        \
		va_end(ap);                  \
	}
LOG_STUB(log_err)
LOG_STUB(log_warn)
LOG_STUB(log_info)
LOG_STUB(log_debug)
void log_set_prefix(const char *program, const char *domain) { (void)program; (void)domain; }
void log_set_verbose(bool verbose) { (void)verbose; }

/* ---- each request ---- */

/* conn.c's calls of ops_handle come here (the link wraps it: tests/fuzz/
 * meson.build), so each request is checked on its own: it gets exactly one
 * reply (unless its connection was cut off meanwhile), and a guest's
 * transaction that is already over its transaction-nodes quota does not
 * grow (every path it touches costs the daemon memory until it ends). */
void __real_ops_handle(struct conn *c, const struct xsd_sockmsg *hdr, char *body);
void __wrap_ops_handle(struct conn *c, const struct xsd_sockmsg *hdr, char *body);

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

void __wrap_ops_handle(struct conn *c, const struct xsd_sockmsg *hdr, char *body)
{
	uint32_t type = hdr->type, tx_id = hdr->tx_id;
	unsigned replies = c->out_replies;
	struct txn *t = NULL;
	if (tx_id && type != XS_TRANSACTION_START && type != XS_TRANSACTION_END)
		for (t = c->txns; t && t->id != tx_id; t = t->next)
			;
	size_t before = t ? txn_size(t) : 0;
	bool over = t && !c->privileged && before > xs.quota.txn_nodes;
	__real_ops_handle(c, hdr, body);
	if (!c->closing && c->out_replies != replies + 1)
		fail("a request of type %u got %u replies", type, c->out_replies - replies);
	if (over && txn_size(t) > before)
		fail("domain %u's transaction %u, over its quota of %u paths with %zu, grew to %zu "
		     "(request type %u)",
		     c->domid, tx_id, xs.quota.txn_nodes, before, txn_size(t), type);
}

/* ---- the clients ---- */

enum {
	OP_CLIENT = 0x03,
	OP_TAKE_INPUT = 0x04,
	OP_HANG_UP = 0x08,
	OP_TOGGLE_READING = 0x10,
	OP_NO_SERVICE = 0x20,
};

#define NCLIENTS 4
/* Turns run after the input, so that bytes still waiting are handled. */
#define FINAL_TURNS 16

struct client {
	uint32_t domid;
	bool privileged, readonly;
	struct conn *conn; /* NULL: not connected (cut off, or hung up and freed) */
	int peer;          /* the client's end of the socketpair */
	bool hung_up;
	bool hang_up_after; /* once the outbox is written */
	bool not_reading;  /* leaves what it is sent unread */
	/* What the client has yet to write to its socket. */
	char *outbox;
	size_t outbox_len, outbox_cap;
	/* What the client has read of its replies and events, not yet a
	 * whole message. */
	char in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	size_t in_len;
};

static struct client clients[NCLIENTS] = {
	{ .domid = 0, .privileged = true },
	{ .domid = 5 },
	{ .domid = 6 },
	{ .domid = 0, .privileged = true, .readonly = true },
};

static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz_xenstored: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static void connect_client(struct client *cl)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		fail("socketpair: %s", strerror(errno));
	/* Fixed buffers, whatever the machine's defaults (the kernel doubles
	 * them): the client's holds what it sends; the daemon's is small, so
	 * a client that leaves its replies unread soon leaves them queued in
	 * the daemon, where the throttles act. */
	int client_size = 64 * 1024, daemon_size = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &daemon_size, sizeof(daemon_size));
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &client_size, sizeof(client_size));
	cl->conn = conn_new(CONN_SOCKET, sv[0], NULL);
	if (!cl->conn)
		fail("conn_new failed");
	cl->conn->domid = cl->domid;
	cl->conn->privileged = cl->privileged;
	cl->conn->readonly = cl->readonly;
	cl->peer = sv[1];
	cl->hung_up = false;
	cl->hang_up_after = false;
	cl->not_reading = false;
	cl->in_len = 0;
	cl->outbox_len = 0;
}

/* Forgets a connection the daemon is about to free (it closes its own end). */
static void detach_client(struct client *cl)
{
	close(cl->peer);
	cl->peer = -1;
	cl->conn = NULL;
	cl->in_len = 0;
	free(cl->outbox);
	cl->outbox = NULL;
	cl->outbox_len = cl->outbox_cap = 0;
}

static bool is_error_name(const char *s)
{
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (strcmp(s, xsd_errors[i].errstring) == 0)
			return true;
	return false;
}

/* FUZZ_XENSTORED_TRACE=1: print every message the clients receive (to
 * see what a reproducer does). */
static bool trace;

static void trace_message(unsigned who, const struct xsd_sockmsg *hdr, const char *payload)
{
	fprintf(stderr, "client %u <- type %u req %u tx %u len %u: ", who, hdr->type, hdr->req_id,
		hdr->tx_id, hdr->len);
	for (uint32_t i = 0; i < hdr->len && i < 200; i++) {
		unsigned char ch = (unsigned char)payload[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			fputc(ch, stderr);
		else
			fprintf(stderr, "\\%03o", ch);
	}
	fprintf(stderr, "%s\n", hdr->len > 200 ? "..." : "");
}

/* What a client receives must be well formed, whatever it sent. */
static void check_message(const struct client *cl, const struct xsd_sockmsg *hdr, const char *payload)
{
	unsigned who = (unsigned)(cl - clients);
	if (trace)
		trace_message(who, hdr, payload);
	if (hdr->type >= XS_TYPE_COUNT)
		fail("client %u got a message of unknown type %u", who, hdr->type);
	if (hdr->type == XS_ERROR) {
		if (hdr->len == 0 || payload[hdr->len - 1] != '\0' || strlen(payload) + 1 != hdr->len ||
		    !is_error_name(payload))
			fail("client %u got a malformed error (%u bytes)", who, hdr->len);
	}
	if (hdr->type == XS_WATCH_EVENT) {
		/* path NUL token NUL, nothing more */
		const char *nul = memchr(payload, '\0', hdr->len);
		size_t path_len = nul ? (size_t)(nul - payload) : hdr->len;
		const char *token = nul ? nul + 1 : NULL;
		size_t rest = nul ? hdr->len - path_len - 1 : 0;
		if (!nul || path_len == 0 || rest == 0 || strnlen(token, rest) != rest - 1 ||
		    hdr->req_id != 0 || hdr->tx_id != 0)
			fail("client %u got a malformed watch event (%u bytes)", who, hdr->len);
	}
}

/* Reads what the daemon sent the client, checking each message. */
static void client_read(struct client *cl)
{
	for (;;) {
		ssize_t n = read(cl->peer, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		cl->in_len += (size_t)n;
		size_t pos = 0;
		for (;;) {
			struct xsd_sockmsg hdr;
			if (cl->in_len - pos < sizeof(hdr))
				break;
			memcpy(&hdr, cl->in + pos, sizeof(hdr));
			if (hdr.len > XENSTORE_PAYLOAD_MAX)
				fail("client %u got a message of %u bytes (type %u)",
				     (unsigned)(cl - clients), hdr.len, hdr.type);
			if (cl->in_len - pos < sizeof(hdr) + hdr.len)
				break;
			char payload[XENSTORE_PAYLOAD_MAX + 1];
			memcpy(payload, cl->in + pos + sizeof(hdr), hdr.len);
			payload[hdr.len] = '\0';
			check_message(cl, &hdr, payload);
			pos += sizeof(hdr) + hdr.len;
		}
		memmove(cl->in, cl->in + pos, cl->in_len - pos);
		cl->in_len -= pos;
	}
}

/* At most this much is written at once, into an empty socket: far less
 * than its buffer holds, so a write never depends on the kernel's
 * accounting. */
#define PUSH_MAX (32 * 1024)

/* Writes what the outbox holds to the socket, if the daemon has read all
 * it was sent before; hangs up after it if asked to. */
static void client_push(struct client *cl)
{
	if (!cl->conn || cl->hung_up)
		return;
	if (cl->outbox_len) {
		int unread = 0;
		if (ioctl(cl->conn->io.fd, FIONREAD, &unread) < 0 || unread > 0)
			return;
		size_t len = cl->outbox_len < PUSH_MAX ? cl->outbox_len : PUSH_MAX;
		ssize_t n;
		do
			n = send(cl->peer, cl->outbox, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return;
		memmove(cl->outbox, cl->outbox + n, cl->outbox_len - (size_t)n);
		cl->outbox_len -= (size_t)n;
		/* What main.c's socket_ready does when the socket is readable. */
		cl->conn->wants_service = true;
	}
	if (!cl->outbox_len && cl->hang_up_after) {
		shutdown(cl->peer, SHUT_WR);
		cl->hung_up = true;
		cl->conn->wants_service = true;
	}
}

/* Hands the client's bytes to the daemon. */
static void client_send(struct client *cl, const uint8_t *bytes, size_t len, uint8_t op)
{
	if (len && (op & OP_TAKE_INPUT)) {
		/* Refused whole when the connection's buffer is full. */
		(void)conn_take_input(cl->conn, (const char *)bytes, len);
	} else if (len && !cl->hung_up && !cl->hang_up_after) {
		if (cl->outbox_len + len > cl->outbox_cap) {
			size_t cap = (cl->outbox_len + len) * 2;
			char *grown = realloc(cl->outbox, cap);
			if (!grown)
				fail("out of memory for the outbox");
			cl->outbox = grown;
			cl->outbox_cap = cap;
		}
		memcpy(cl->outbox + cl->outbox_len, bytes, len);
		cl->outbox_len += len;
	}
	if (op & OP_TOGGLE_READING)
		cl->not_reading = !cl->not_reading;
	if (op & OP_HANG_UP)
		cl->hang_up_after = true;
	client_push(cl);
}

/* ---- the checks of the tree ---- */

static void check_tree(void)
{
	const struct node_table *t = &xs.store.nodes;
	size_t count = 0;
	if (!store_get(&xs.store, NULL, "/"))
		fail("the root is gone");
	for (size_t i = 0; i < t->nslots; i++) {
		for (const struct node *n = t->slots[i]; n; n = n->hash_next) {
			count++;
			if (n->deleted)
				fail("%s: a deleted record in the tree", n->path);
			if (!path_is_valid(n->path) || n->path[0] != '/')
				fail("%s: not a valid path", n->path);
			if (n->nperms == 0 || !n->perms)
				fail("%s: no permissions", n->path);
			if (!n->value || n->value[n->len] != '\0')
				fail("%s: its value is not terminated", n->path);
			if (strcmp(n->path, "/") != 0) {
				char *parent_path = path_parent(n->path);
				const struct node *parent = store_get(&xs.store, NULL, parent_path);
				const char *name = path_basename(n->path);
				bool listed = false;
				for (uint32_t c = 0; parent && c < parent->nchildren; c++)
					listed |= strcmp(parent->children[c], name) == 0;
				if (!parent || !listed)
					fail("%s: %s", n->path,
					     parent ? "its parent does not list it" : "its parent is gone");
				free(parent_path);
			}
			for (uint32_t c = 0; c < n->nchildren; c++) {
				for (uint32_t d = 0; d < c; d++)
					if (strcmp(n->children[c], n->children[d]) == 0)
						fail("%s: child %s listed twice", n->path, n->children[c]);
				char child[XENSTORE_ABS_PATH_MAX + 128];
				snprintf(child, sizeof(child), "%s/%s", strcmp(n->path, "/") ? n->path : "",
					 n->children[c]);
				if (!store_get(&xs.store, NULL, child))
					fail("%s: its child %s does not exist", n->path, n->children[c]);
			}
		}
	}
	if (count != t->count)
		fail("the table counts %zu records and holds %zu", t->count, count);

	/* Usage: every domain's recorded count matches its nodes. */
	for (size_t i = 0; i < USAGE_SLOTS; i++) {
		for (const struct usage *u = xs.store.usage[i]; u; u = u->next) {
			uint32_t nodes = 0;
			uint64_t bytes = 0;
			for (size_t s = 0; s < t->nslots; s++)
				for (const struct node *n = t->slots[s]; n; n = n->hash_next)
					if (n->perms[0].domid == u->domid) {
						nodes++;
						bytes += node_bytes(n);
					}
			if (nodes != u->nodes || bytes != u->bytes)
				fail("domain %u's usage says %u nodes, %llu bytes; it owns %u, %llu",
				     u->domid, u->nodes, (unsigned long long)u->bytes, nodes,
				     (unsigned long long)bytes);
		}
	}
	for (size_t s = 0; s < t->nslots; s++)
		for (const struct node *n = t->slots[s]; n; n = n->hash_next)
			if (store_usage(&xs.store, n->perms[0].domid).nodes == 0)
				fail("%s: its owner %u has no usage", n->path, n->perms[0].domid);
}

/* Every watch in the index belongs to a connection, which counts it. */
static void check_watches(void)
{
	size_t indexed = 0, listed = 0;
	for (size_t i = 0; i < WATCH_SLOTS; i++)
		for (const struct watch *w = xs.watch_index[i]; w; w = w->hash_next)
			indexed++;
	for (const struct conn *c = xs.conns; c; c = c->next) {
		unsigned n = 0;
		for (const struct watch *w = c->watches; w; w = w->next, n++)
			if (w->conn != c)
				fail("a watch on %s names another connection", w->path);
		if (n != c->nwatches)
			fail("a connection counts %u watches and holds %u", c->nwatches, n);
		listed += n;
	}
	if (indexed != listed)
		fail("the watch index holds %zu watches, the connections %zu", indexed, listed);
}

/* ---- turns ---- */

static bool any_runnable(void)
{
	for (struct conn *c = xs.conns; c; c = c->next)
		if (conn_runnable(c))
			return true;
	return false;
}

/* One turn of main.c's run_turn: handle, flush, read, reap; then check. */
static void turn(bool service)
{
	for (struct client *cl = clients; cl < clients + NCLIENTS; cl++)
		client_push(cl);
	if (service)
		for (struct conn *c = xs.conns; c; c = c->next)
			if (conn_runnable(c))
				conn_service(c, REQUESTS_PER_TURN);
	for (struct conn *c = xs.conns; c; c = c->next)
		conn_flush(c);
	for (struct client *cl = clients; cl < clients + NCLIENTS; cl++) {
		if (!cl->conn || cl->not_reading)
			continue;
		/* Until the client has read all it was sent (or the daemon cut
		 * it off), as a client that keeps reading would. */
		client_read(cl);
		while (cl->conn->out_head && !cl->conn->closing) {
			conn_flush(cl->conn);
			client_read(cl);
		}
	}
	for (struct client *cl = clients; cl < clients + NCLIENTS; cl++)
		if (cl->conn && cl->conn->closing)
			detach_client(cl);
	conn_reap();
	check_watches();
}

/* Quotas a short input reaches. */
static struct quota tight_quota(void)
{
	struct quota q = QUOTA_DEFAULTS;
	q.entries = 24;
	q.entry_size = 256;
	q.watches = 4;
	q.transactions = 3;
	q.perms = 3;
	q.path_max = 128;
	q.txn_nodes = 16;
	q.outstanding = 6;
	q.watch_events = 24;
	q.memory = 4096;
	return q;
}

/* Sends one request from dom0 straight to ops_handle (setting up). */
static void setup_request(uint32_t type, const char *payload, size_t len)
{
	char body[XENSTORE_PAYLOAD_MAX + 1];
	memcpy(body, payload, len);
	body[len] = '\0';
	struct xsd_sockmsg hdr = { .type = type, .req_id = 1, .len = (uint32_t)len };
	ops_handle(clients[0].conn, &hdr, body);
}

#define SETUP(type, lit) setup_request(type, lit, sizeof(lit) - 1)

static void start(void)
{
	memset(&xs, 0, sizeof(xs));
	xs.epoll_fd = -1;
	xs.quota = tight_quota();
	if (store_init(&xs.store, watch_fire, NULL) < 0)
		fail("store_init failed");
	for (struct client *cl = clients; cl < clients + NCLIENTS; cl++)
		connect_client(cl);
	/* What xend makes for a domain: its home, owned by it. */
	SETUP(XS_MKDIR, "/local/domain/5");
	SETUP(XS_SET_PERMS, "/local/domain/5\0n5");
	SETUP(XS_MKDIR, "/local/domain/6");
	SETUP(XS_SET_PERMS, "/local/domain/6\0n6");
	turn(false); /* dom0 reads its replies */
}

static void finish(void)
{
	for (struct client *cl = clients; cl < clients + NCLIENTS; cl++)
		cl->not_reading = false;
	for (int i = 0; i < FINAL_TURNS; i++) {
		turn(true);
		if (!any_runnable())
			break;
	}
	check_tree(); /* once: it costs more than a turn */
	for (struct conn *c = xs.conns; c; c = c->next)
		conn_close(c, NULL);
	for (struct client *cl = clients; cl < clients + NCLIENTS; cl++)
		if (cl->conn)
			detach_client(cl);
	conn_reap();
	if (xs.domains)
		fail("a domain stayed introduced without a VMM");
	if (xs.conns)
		fail("connections outlived conn_reap");
	for (size_t i = 0; i < WATCH_SLOTS; i++)
		if (xs.watch_index[i])
			fail("a watch outlived its connection");
	store_free(&xs.store);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* No VMM can be reached: INTRODUCE fails at once, always alike. */
	setenv("XENON_RUN_DIR", "/dev/null/xenon-fuzz", 1);
	signal(SIGPIPE, SIG_IGN);
	const char *t = getenv("FUZZ_XENSTORED_TRACE");
	trace = t && *t && strcmp(t, "0") != 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	start();
	size_t pos = 0;
	while (pos < size) {
		uint8_t op = data[pos++];
		size_t len = 0;
		if (pos < size)
			len = data[pos++];
		if (pos < size)
			len |= (size_t)data[pos++] << 8;
		if (len > size - pos)
			len = size - pos;
		struct client *cl = &clients[op & OP_CLIENT];
		if (!cl->conn)
			connect_client(cl); /* cut off earlier: a new connection */
		client_send(cl, data + pos, len, op);
		pos += len;
		turn(!(op & OP_NO_SERVICE));
	}
	finish();
	return 0;
}
