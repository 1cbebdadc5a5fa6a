/* xenstored's semantics, driven through its request handler: what a guest
 * connection may see and do, transactions and their conflicts, and watch
 * events (which fire on commit only, and for removals below a watch). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "xenstored/xenstored.h"

/* The event loop is main.c's; these connections never reach it. */
int loop_add(struct io_handler *h) { (void)h; return 0; }
void loop_remove(struct io_handler *h) { (void)h; }
void loop_want_output(struct io_handler *h, bool want) { (void)h; (void)want; }

static struct conn *dom0, *guest;
static int dom0_peer, guest_peer;

/* Watch events seen while waiting for replies, by path. */
static char events[64][128];
static unsigned nevents;

static struct conn *connect_client(int *peer)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	*peer = sv[1];
	return conn_new(CONN_SOCKET, sv[0], NULL);
}

static int setup(void **state)
{
	(void)state;
	memset(&xs, 0, sizeof(xs));
	xs.quota = (struct quota)QUOTA_DEFAULTS;
	nevents = 0;
	assert_int_equal(store_init(&xs.store, watch_fire, NULL), 0);
	dom0 = connect_client(&dom0_peer);
	dom0->privileged = true;
	guest = connect_client(&guest_peer);
	guest->domid = 5;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (struct conn *c = xs.conns; c; c = c->next)
		c->closing = true;
	conn_reap();
	close(dom0_peer);
	close(guest_peer);
	store_free(&xs.store);
	return 0;
}

/* Reads one message from a client's end; false when none is there. */
static bool read_message(int peer, struct xsd_sockmsg *hdr, char *payload, size_t len)
{
	if (read(peer, hdr, sizeof(*hdr)) != (ssize_t)sizeof(*hdr))
		return false;
	assert_true(hdr->len < len);
	assert_int_equal(read(peer, payload, hdr->len), (ssize_t)hdr->len);
	payload[hdr->len] = '\0';
	return true;
}

/* Collects what the daemon sent: events noted, the reply's type returned
 * (or 0 when no reply came) with its payload in `out`. */
static uint32_t collect(int peer, char *out, size_t outlen)
{
	struct xsd_sockmsg hdr;
	char payload[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t reply = 0;
	while (read_message(peer, &hdr, payload, sizeof(payload))) {
		if (hdr.type == XS_WATCH_EVENT) {
			if (nevents < 64)
				snprintf(events[nevents++], sizeof(events[0]), "%.127s", payload);
			continue;
		}
		reply = hdr.type;
		if (out)
			snprintf(out, outlen, "%.*s", (int)outlen - 1, payload);
	}
	return reply;
}

static int peer_of(struct conn *c)
{
	return c == dom0 ? dom0_peer : guest_peer;
}

/* Sends one request (NUL-separated args); returns the reply's type. */
static uint32_t request(struct conn *c, uint32_t type, uint32_t tx, const char *payload, size_t len,
			char *out, size_t outlen)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	memcpy(buf, payload, len);
	buf[len] = '\0';
	struct xsd_sockmsg hdr = { .type = type, .req_id = 77, .tx_id = tx, .len = (uint32_t)len };
	ops_handle(c, &hdr, buf);
	conn_flush(c);
	return collect(peer_of(c), out, outlen);
}

#define REQ(c, type, tx, lit, out) request(c, type, tx, lit, sizeof(lit) - 1, out, sizeof(out))

static void test_guest_sees_only_what_it_may(void **state)
{
	(void)state;
	char out[256];
	assert_int_equal(REQ(dom0, XS_MKDIR, 0, "/local/domain/5", out), XS_MKDIR);
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/secret\0x", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/secret\0n0", out), XS_SET_PERMS);
	/* dom0's nodes are dom0's: a guest can neither read nor write them. */
	assert_int_equal(REQ(guest, XS_READ, 0, "/secret", out), XS_ERROR);
	assert_string_equal(out, "EACCES");
	assert_int_equal(REQ(guest, XS_WRITE, 0, "/secret\0y", out), XS_ERROR);
	/* Given its home, it reads and writes there, relative paths included;
	 * what dom0 makes there afterwards inherits the home's permissions. */
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/local/domain/5\0n5", out), XS_SET_PERMS);
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/local/domain/5/name\0web", out), XS_WRITE);
	assert_int_equal(REQ(guest, XS_READ, 0, "name", out), XS_READ);
	assert_string_equal(out, "web");
	assert_int_equal(REQ(guest, XS_WRITE, 0, "data/x\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_GET_PERMS, 0, "/local/domain/5/data/x", out), XS_GET_PERMS);
	assert_string_equal(out, "n5"); /* what it makes, it owns */
	/* It may not give its nodes away, nor reach another domain's. */
	assert_int_equal(REQ(guest, XS_SET_PERMS, 0, "data/x\0n6", out), XS_ERROR);
	assert_string_equal(out, "EPERM");
	assert_int_equal(REQ(guest, XS_WRITE, 0, "/local/domain/6/x\0" "1", out), XS_ERROR);
	assert_string_equal(out, "EACCES");
	/* Only dom0 introduces domains. */
	assert_int_equal(REQ(guest, XS_INTRODUCE, 0, "9\0" "1\0" "1", out), XS_ERROR);
	assert_string_equal(out, "EACCES");
}

static void test_malformed_requests_are_refused(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(REQ(dom0, XS_READ, 0, "no/leading//slashes/", out), XS_ERROR);
	assert_string_equal(out, "EINVAL");
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/a b\0x", out), XS_ERROR);
	assert_int_equal(REQ(dom0, 999, 0, "", out), XS_ERROR);
	assert_int_equal(REQ(dom0, XS_READ, 42, "/local", out), XS_ERROR);
	assert_string_equal(out, "ENOENT"); /* no such transaction */
	assert_int_equal(REQ(dom0, XS_RM, 0, "/", out), XS_ERROR);
}

static unsigned events_for(const char *path)
{
	collect(dom0_peer, NULL, 0);
	unsigned n = 0;
	for (unsigned i = 0; i < nevents; i++)
		n += strcmp(events[i], path) == 0;
	return n;
}

static void test_transactions_conflict_by_generation(void **state)
{
	(void)state;
	char out[64], tx_text[16];
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/t/a\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_START, 0, "", tx_text), XS_TRANSACTION_START);
	uint32_t tx = (uint32_t)atoi(tx_text);
	assert_true(tx > 0);
	assert_int_equal(REQ(dom0, XS_READ, tx, "/t/a", out), XS_READ);
	assert_int_equal(REQ(dom0, XS_WRITE, tx, "/t/b\0" "2", out), XS_WRITE);
	/* Invisible outside until it commits. */
	assert_int_equal(REQ(guest, XS_READ, 0, "/t/b", out), XS_ERROR);
	/* Someone changes what it read: the commit must fail. */
	assert_int_equal(REQ(guest, XS_WRITE, 0, "/t/a\0" "x", out), XS_ERROR); /* guests may not */
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/t/a\0" "3", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_END, tx, "T", out), XS_ERROR);
	assert_string_equal(out, "EAGAIN");
	assert_int_equal(REQ(dom0, XS_READ, 0, "/t/b", out), XS_ERROR); /* nothing applied */

	/* Again, undisturbed: it commits, and watchers hear of it then. */
	char w[64];
	assert_int_equal(REQ(dom0, XS_WATCH, 0, "/t\0tok", w), XS_WATCH);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_START, 0, "", tx_text), XS_TRANSACTION_START);
	tx = (uint32_t)atoi(tx_text);
	assert_int_equal(REQ(dom0, XS_READ, tx, "/t/a", out), XS_READ);
	assert_int_equal(REQ(dom0, XS_WRITE, tx, "/t/b\0" "2", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/unrelated\0" "1", out), XS_WRITE);
	assert_int_equal(events_for("/t/b"), 0); /* not before the commit */
	assert_int_equal(REQ(dom0, XS_TRANSACTION_END, tx, "T", out), XS_TRANSACTION_END);
	assert_int_equal(events_for("/t/b"), 1);
	assert_int_equal(REQ(dom0, XS_READ, 0, "/t/b", out), XS_READ);
	assert_string_equal(out, "2");
}

static void test_creating_what_a_transaction_saw_absent_conflicts(void **state)
{
	(void)state;
	char out[64], tx_text[16];
	assert_int_equal(REQ(dom0, XS_TRANSACTION_START, 0, "", tx_text), XS_TRANSACTION_START);
	uint32_t tx = (uint32_t)atoi(tx_text);
	assert_int_equal(REQ(dom0, XS_READ, tx, "/new", out), XS_ERROR);
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/new\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_WRITE, tx, "/other\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_END, tx, "T", out), XS_ERROR);
	assert_string_equal(out, "EAGAIN");
}

static void test_removal_reaches_watches_below(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/r/a/b/c\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_WATCH, 0, "/r/a/b\0t1", out), XS_WATCH);
	assert_int_equal(REQ(dom0, XS_WATCH, 0, "/other\0t2", out), XS_WATCH);
	assert_int_equal(events_for("/r/a/b"), 1); /* a new watch fires once */
	assert_int_equal(REQ(dom0, XS_RM, 0, "/r", out), XS_RM);
	assert_int_equal(events_for("/r/a/b"), 2);
	assert_int_equal(events_for("/other"), 1);
	assert_int_equal(REQ(dom0, XS_READ, 0, "/r/a/b/c", out), XS_ERROR);
	assert_int_equal(REQ(dom0, XS_DIRECTORY, 0, "/", out), XS_DIRECTORY);
}

static void test_a_guest_is_bounded(void **state)
{
	(void)state;
	char out[64], path[64];
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/local/domain/5\0n5", out), XS_ERROR); /* not there yet */
	assert_int_equal(REQ(dom0, XS_MKDIR, 0, "/local/domain/5", out), XS_MKDIR);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/local/domain/5\0n5", out), XS_SET_PERMS);
	unsigned refused = 0;
	for (unsigned i = 0; i < xs.quota.watches + 5; i++) {
		int n = snprintf(path, sizeof(path), "w%u", i);
		char body[80];
		memcpy(body, path, (size_t)n + 1);
		memcpy(body + n + 1, "tok", 4);
		if (request(guest, XS_WATCH, 0, body, (size_t)n + 5, out, sizeof(out)) == XS_ERROR)
			refused++;
	}
	assert_int_equal(refused, 5);
	refused = 0;
	for (unsigned i = 0; i < xs.quota.entries + 5; i++) {
		int n = snprintf(path, sizeof(path), "n%u", i);
		if (request(guest, XS_MKDIR, 0, path, (size_t)n, out, sizeof(out)) == XS_ERROR)
			refused++;
	}
	assert_true(refused >= 5);
	assert_string_equal(out, "ENOSPC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_sees_only_what_it_may, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_requests_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions_conflict_by_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creating_what_a_transaction_saw_absent_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removal_reaches_watches_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_guest_is_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
