/* rate=: the credit scheme netback enforces a vif's rate with, on a clock
 * the test drives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "backends/rate_limit.h"

#define MTU_FRAME 1514

/* rate=10Mb/s: 62500 bytes every 50 ms. */
static void init_10mbit(struct rate_limit *r, uint64_t now)
{
	rate_limit_init(r, 62500, 50000, now);
}

static void test_no_limit_lets_everything_go(void **state)
{
	(void)state;
	struct rate_limit r;
	rate_limit_init(&r, 0, 0, 0);
	for (int i = 0; i < 100000; i++)
		assert_true(rate_limit_take(&r, 0, 65536));
}

static void test_an_interval_holds_its_credit_and_one_packet_more(void **state)
{
	(void)state;
	struct rate_limit r;
	init_10mbit(&r, 1000);
	int sent = 0;
	while (rate_limit_take(&r, 1000, MTU_FRAME))
		sent++;
	/* 41 fit; the 42nd overdraws the 426 bytes left. */
	assert_int_equal(sent, 62500 / MTU_FRAME + 1);
	assert_int_equal(rate_limit_retry_at(&r, 1000), 51000);
	assert_true(rate_limit_take(&r, 51000, MTU_FRAME));
}

/* Ten seconds of a sender of `len`-byte packets that tries again as soon
 * as it may: the bytes that went. */
static uint64_t ten_seconds_flat_out(size_t len)
{
	struct rate_limit r;
	init_10mbit(&r, 0);
	uint64_t now = 0, bytes = 0;
	while (now < 10000000) {
		if (rate_limit_take(&r, now, len))
			bytes += len;
		else
			now = rate_limit_retry_at(&r, now);
	}
	return bytes;
}

static void test_sending_flat_out_holds_the_rate(void **state)
{
	(void)state;
	/* 10 Mb/s for 10 s is 12.5 MB; within 1% (the first interval's
	 * credit, and one packet's overdraft). */
	assert_in_range(ten_seconds_flat_out(MTU_FRAME), 12500000 - 125000, 12500000 + 125000);
}

static void test_tso_packets_larger_than_an_interval_get_the_rate_too(void **state)
{
	(void)state;
	/* A 64 KiB segment and its headers, more than 50 ms of 10 Mb/s: still
	 * 12.5 MB in 10 s, give or take one packet. */
	assert_in_range(ten_seconds_flat_out(65226), 12500000 - 65226, 12500000 + 65226 + 62500);
	/* And packets that leave a little credit unused each time. */
	assert_in_range(ten_seconds_flat_out(40000), 12500000 - 40000, 12500000 + 40000 + 62500);
}

static void test_a_packet_larger_than_the_credit_still_goes(void **state)
{
	(void)state;
	struct rate_limit r;
	rate_limit_init(&r, 1000, 50000, 0);
	assert_true(rate_limit_take(&r, 0, 65536)); /* the credit was full */
	assert_false(rate_limit_take(&r, 0, 1));
	assert_int_equal(rate_limit_retry_at(&r, 0), 50000);
	/* The debt (64536) takes 65 intervals to pay back. */
	assert_false(rate_limit_take(&r, 64 * 50000, 1));
	assert_true(rate_limit_take(&r, 65 * 50000, 1));
}

static void test_idle_time_saves_up_no_more_than_128k(void **state)
{
	(void)state;
	struct rate_limit r;
	init_10mbit(&r, 0);
	assert_true(rate_limit_take(&r, 0, 62500));
	/* A minute later: Xen's burst of 128 KiB, and the packet that
	 * overdraws it. */
	uint64_t sent = 0;
	while (rate_limit_take(&r, 60000000, MTU_FRAME))
		sent += MTU_FRAME;
	assert_int_equal(sent, (131072 / MTU_FRAME + 1) * MTU_FRAME);
	/* A rate whose interval holds more than 128 KiB saves up one interval. */
	rate_limit_init(&r, 1000000, 50000, 0);
	assert_true(rate_limit_take(&r, 0, 1000000));
	assert_true(rate_limit_take(&r, 60000000, 1000000));
	assert_false(rate_limit_take(&r, 60000000, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit_lets_everything_go),
		cmocka_unit_test(test_an_interval_holds_its_credit_and_one_packet_more),
		cmocka_unit_test(test_sending_flat_out_holds_the_rate),
		cmocka_unit_test(test_tso_packets_larger_than_an_interval_get_the_rate_too),
		cmocka_unit_test(test_a_packet_larger_than_the_credit_still_goes),
		cmocka_unit_test(test_idle_time_saves_up_no_more_than_128k),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
