/* lib/control.c: messages of any size up to CONTROL_MAX_MSG arrive whole,
 * with the descriptors sent beside them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"

struct sent {
	int fd;
	json_t *msg;
	const int *fds;
	size_t nfds;
	int result;
};

/* A large message blocks its sender until it is read: send from a thread. */
static void *send_one(void *arg)
{
	struct sent *s = arg;
	s->result = control_send(s->fd, s->msg, s->fds, s->nfds);
	return NULL;
}

/* A list of `n` domains, each with some text, as xend's list reply. */
static json_t *domains(size_t n)
{
	json_t *list = json_array();
	char name[32];
	for (size_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "guest-%zu", i);
		json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "name", name, "domid", (json_int_t)i + 1,
						      "kernel", "/boot/vmlinuz-6.12.0-amd64-with-a-long-name"));
	}
	return json_pack("{s:b, s:o}", "ok", 1, "domains", list);
}

static void roundtrip(size_t n, bool with_fd)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	struct sent s = { .fd = sv[0], .msg = domains(n), .fds = pipefd, .nfds = with_fd ? 1 : 0 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, send_one, &s), 0);
	json_t *got = NULL;
	int fds[CONTROL_MAX_FDS];
	size_t nfds = 0;
	assert_int_equal(control_recv(sv[1], &got, fds, &nfds), 1);
	pthread_join(t, NULL);
	assert_int_equal(s.result, 0);
	assert_true(json_equal(got, s.msg));
	assert_int_equal(nfds, with_fd ? 1 : 0);
	if (with_fd) {
		/* The descriptor is the pipe's read end: what the write end says arrives. */
		assert_int_equal(write(pipefd[1], "x", 1), 1);
		char c = 0;
		assert_int_equal(read(fds[0], &c, 1), 1);
		assert_int_equal(c, 'x');
		close(fds[0]);
	}
	json_decref(got);
	json_decref(s.msg);
	close(pipefd[0]);
	close(pipefd[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_small_message(void **state) { roundtrip(3, true); }

/* About 1.3 MB: far past a socket's default buffer. */
static void test_list_of_many_domains(void **state) { roundtrip(15000, true); }

static void test_peer_gone(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[0]);
	json_t *got = NULL;
	size_t nfds = 7;
	assert_int_equal(control_recv(sv[1], &got, NULL, &nfds), 0);
	assert_null(got);
	assert_int_equal(nfds, 0);
	close(sv[1]);
}

static void test_not_json(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[0], "{not json", 9), 9);
	json_t *got = NULL;
	assert_int_equal(control_recv(sv[1], &got, NULL, NULL), -EPROTO);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_message),
		cmocka_unit_test(test_list_of_many_domains),
		cmocka_unit_test(test_peer_gone),
		cmocka_unit_test(test_not_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
