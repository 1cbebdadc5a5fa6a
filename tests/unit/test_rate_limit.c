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

static void test_an_interval_holds_its_credit_and_no_more(void **state)
{
	(void)state;
	struct rate_limit r;
	init_10mbit(&r, 1000);
	int sent = 0;
	while (rate_limit_take(&r, 1000, MTU_FRAME))
		sent++;
	assert_int_equal(sent, 62500 / MTU_FRAME);
	assert_int_equal(rate_limit_retry_at(&r, 1000), 51000);
	assert_true(rate_limit_take(&r, 51000, MTU_FRAME));
}

static void test_sending_flat_out_holds_the_rate(void **state)
{
	(void)state;
	struct rate_limit r;
	init_10mbit(&r, 0);
	/* Ten seconds of a sender that tries again as soon as it may. */
	uint64_t now = 0, bytes = 0;
	while (now < 10000000) {
		if (rate_limit_take(&r, now, MTU_FRAME))
			bytes += MTU_FRAME;
		else
			now = rate_limit_retry_at(&r, now);
	}
	/* 10 Mb/s for 10 s is 12.5 MB; within 1% (the first interval's credit). */
	assert_in_range(bytes, 12500000 - 125000, 12500000 + 125000);
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

static void test_idle_time_saves_up_no_burst(void **state)
{
	(void)state;
	struct rate_limit r;
	init_10mbit(&r, 0);
	assert_true(rate_limit_take(&r, 0, 62500));
	assert_true(rate_limit_take(&r, 60000000, 62500)); /* a minute later: one interval's worth */
	assert_false(rate_limit_take(&r, 60000000, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limit_lets_everything_go),
		cmocka_unit_test(test_an_interval_holds_its_credit_and_no_more),
		cmocka_unit_test(test_sending_flat_out_holds_the_rate),
		cmocka_unit_test(test_a_packet_larger_than_the_credit_still_goes),
		cmocka_unit_test(test_idle_time_saves_up_no_burst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
