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

#include "xenstored/journal.h"
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

static void test_a_guest_hears_of_no_removal_it_could_not_see(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/private/a/b\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/private\0n0", out), XS_SET_PERMS);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/private/a\0n0", out), XS_SET_PERMS);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/private/a/b\0n0", out), XS_SET_PERMS);
	assert_int_equal(REQ(guest, XS_WATCH, 0, "/private/a/b\0t", out), XS_WATCH);
	assert_int_equal(REQ(guest, XS_WATCH, 0, "/private/a\0t", out), XS_WATCH);
	nevents = 0;
	assert_int_equal(REQ(dom0, XS_RM, 0, "/private/a", out), XS_RM);
	conn_flush(guest);
	collect(guest_peer, NULL, 0);
	assert_int_equal(nevents, 0);
	/* Where it may read what is left, it hears of the removal. */
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/open/a/b\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(guest, XS_WATCH, 0, "/open/a/b\0t", out), XS_WATCH);
	nevents = 0;
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/open\0r0", out), XS_SET_PERMS);
	assert_int_equal(REQ(dom0, XS_RM, 0, "/open/a", out), XS_RM);
	conn_flush(guest);
	collect(guest_peer, NULL, 0);
	assert_int_equal(nevents, 1);
	assert_string_equal(events[0], "/open/a/b");
}

static void test_a_target_acts_for_its_domain(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/local/domain/6/x\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/local/domain/6/x\0n6", out), XS_SET_PERMS);
	assert_int_equal(REQ(guest, XS_READ, 0, "/local/domain/6/x", out), XS_ERROR);
	guest->target = 6; /* what SET_TARGET 5 6 does to domain 5's connection */
	assert_int_equal(REQ(guest, XS_READ, 0, "/local/domain/6/x", out), XS_READ);
	assert_int_equal(REQ(guest, XS_WRITE, 0, "/local/domain/6/x\0" "2", out), XS_WRITE);
	/* ... and only for it. */
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/local/domain/7/y\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/local/domain/7/y\0n7", out), XS_SET_PERMS);
	assert_int_equal(REQ(guest, XS_READ, 0, "/local/domain/7/y", out), XS_ERROR);
}

static void test_quotas_hold_inside_transactions(void **state)
{
	(void)state;
	char out[64], tx_text[16], path[32];
	xs.quota.entries = 10;
	assert_int_equal(REQ(dom0, XS_MKDIR, 0, "/local/domain/5", out), XS_MKDIR);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/local/domain/5\0n5", out), XS_SET_PERMS);
	assert_int_equal(REQ(guest, XS_TRANSACTION_START, 0, "", tx_text), XS_TRANSACTION_START);
	uint32_t tx = (uint32_t)atoi(tx_text);
	unsigned made = 0;
	for (unsigned i = 0; i < 20; i++) {
		int n = snprintf(path, sizeof(path), "n%u", i);
		if (request(guest, XS_MKDIR, tx, path, (size_t)n, out, sizeof(out)) == XS_MKDIR)
			made++;
	}
	assert_int_equal(made, 9); /* its home is the tenth */
	assert_string_equal(out, "ENOSPC");
	assert_int_equal(REQ(guest, XS_TRANSACTION_END, tx, "T", out), XS_TRANSACTION_END);
	assert_int_equal(store_usage(&xs.store, 5).nodes, 10);
	/* Removing gives the quota back. */
	assert_int_equal(REQ(guest, XS_RM, 0, "n0", out), XS_RM);
	assert_int_equal(REQ(guest, XS_MKDIR, 0, "again", out), XS_MKDIR);
	/* CONTROL quota (xenstore-control quota) shows a domain's usage, and
	 * sets a quota by name; a guest may do neither. */
	assert_int_equal(REQ(dom0, XS_CONTROL, 0, "quota\0" "5", out), XS_CONTROL);
	assert_memory_equal(out, "nodes 10 of 10\n", 15);
	assert_int_equal(REQ(dom0, XS_CONTROL, 0, "quota\0entry-nb\0" "20", out), XS_CONTROL);
	assert_int_equal(xs.quota.entries, 20);
	assert_int_equal(REQ(dom0, XS_CONTROL, 0, "quota\0entry-nb\0" "0", out), XS_ERROR);
	assert_int_equal(REQ(guest, XS_CONTROL, 0, "quota", out), XS_ERROR);
	assert_string_equal(out, "EACCES");
}

static void test_a_client_that_reads_no_replies_is_read_no_further(void **state)
{
	(void)state;
	xs.quota.outstanding = 5;
	char msgs[30 * (sizeof(struct xsd_sockmsg) + 7)];
	size_t len = 0;
	for (unsigned i = 0; i < 30; i++) {
		struct xsd_sockmsg hdr = { .type = XS_READ, .req_id = i, .len = 7 };
		memcpy(msgs + len, &hdr, sizeof(hdr));
		memcpy(msgs + len + sizeof(hdr), "/local", 7);
		len += sizeof(hdr) + 7;
	}
	assert_int_equal(conn_take_input(dom0, msgs, len), 0);
	/* However large its budget, it gets `outstanding` replies queued... */
	assert_int_equal(conn_service(dom0, 100), 5);
	assert_false(conn_runnable(dom0));
	/* ...and more once they are sent. */
	conn_flush(dom0);
	collect(dom0_peer, NULL, 0);
	assert_true(conn_runnable(dom0));
	assert_int_equal(conn_service(dom0, 3), 3);
}

static void test_the_journal_brings_the_tree_back(void **state)
{
	(void)state;
	char dir[] = "/tmp/xenstored-test.XXXXXX", path[64], out[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/journal", dir);
	char err[256];
	store_free(&xs.store);
	store_init_empty(&xs.store, watch_fire, NULL);
	assert_int_equal(journal_open(path, err, sizeof(err)), 0);
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/kept/a\0" "1", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_WRITE, 0, "/kept/b\0" "2", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_SET_PERMS, 0, "/kept/a\0n5\0r6", out), XS_SET_PERMS);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_START, 0, "", out), XS_TRANSACTION_START);
	uint32_t tx = (uint32_t)atoi(out);
	assert_int_equal(REQ(dom0, XS_RM, tx, "/kept/b", out), XS_RM);
	assert_int_equal(REQ(dom0, XS_WRITE, tx, "/kept/c\0" "3", out), XS_WRITE);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_END, tx, "T", out), XS_TRANSACTION_END);
	assert_int_equal(REQ(dom0, XS_TRANSACTION_START, 0, "", out), XS_TRANSACTION_START);
	tx = (uint32_t)atoi(out);
	assert_int_equal(REQ(dom0, XS_WRITE, tx, "/kept/never\0" "x", out), XS_WRITE); /* not committed */
	assert_int_equal(journal_write(), 0);
	journal_close();

	/* A new daemon: an empty store, the journal read back. */
	store_free(&xs.store);
	store_init_empty(&xs.store, watch_fire, NULL);
	assert_int_equal(journal_open(path, err, sizeof(err)), 0);
	assert_int_equal(REQ(dom0, XS_READ, 0, "/kept/a", out), XS_READ);
	assert_string_equal(out, "1");
	assert_int_equal(REQ(dom0, XS_GET_PERMS, 0, "/kept/a", out), XS_GET_PERMS);
	assert_string_equal(out, "n5"); /* the first of "n5\0r6" */
	assert_int_equal(REQ(dom0, XS_READ, 0, "/kept/b", out), XS_ERROR);
	assert_int_equal(REQ(dom0, XS_READ, 0, "/kept/c", out), XS_READ);
	assert_int_equal(REQ(dom0, XS_READ, 0, "/kept/never", out), XS_ERROR);
	assert_int_equal(REQ(dom0, XS_DIRECTORY, 0, "/kept", out), XS_DIRECTORY);
	assert_string_equal(out, "a"); /* then "c": the children list came back whole */
	assert_int_equal(store_usage(&xs.store, 5).nodes, 1);
	journal_close();
	unlink(path);
	rmdir(dir);
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
		cmocka_unit_test_setup_teardown(test_a_guest_hears_of_no_removal_it_could_not_see, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_target_acts_for_its_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotas_hold_inside_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_client_that_reads_no_replies_is_read_no_further, setup, teardown),
		cmocka_unit_test_setup_teardown(test_the_journal_brings_the_tree_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
