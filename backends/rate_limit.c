#include "rate_limit.h"

void rate_limit_init(struct rate_limit *r, uint64_t bytes, uint32_t interval_us, uint64_t now_us)
{
	*r = (struct rate_limit){ .bytes = bytes, .interval_us = interval_us ? interval_us : 1,
				  .credit = (int64_t)bytes, .next_refill_us = now_us + interval_us };
}

/* What credit may grow to: as Xen's netback, 128 KiB (one jumbo packet)
 * or one interval's, whichever is more. A sender whose thread wakes late
 * keeps what it was owed up to that; an idle vif saves up no more. */
static int64_t depth(const struct rate_limit *r)
{
	return r->bytes > RATE_LIMIT_MIN_DEPTH ? (int64_t)r->bytes : RATE_LIMIT_MIN_DEPTH;
}

/* Adds a full interval's credit for every interval that has passed. */
static void refill(struct rate_limit *r, uint64_t now_us)
{
	if (now_us < r->next_refill_us)
		return;
	uint64_t intervals = (now_us - r->next_refill_us) / r->interval_us + 1;
	r->next_refill_us += intervals * r->interval_us;
	/* A debt is at most one packet: an interval or two pays it. */
	if (intervals >= 1u << 16) {
		r->credit = depth(r);
		return;
	}
	int64_t credit = r->credit + (int64_t)(intervals * r->bytes);
	r->credit = credit > depth(r) ? depth(r) : credit;
}

bool rate_limit_take(struct rate_limit *r, uint64_t now_us, size_t len)
{
	if (r->bytes == 0)
		return true;
	refill(r, now_us);
	/* Any packet may overdraw what is left: a large one waiting for the
	 * credit to cover it would throw away what was left each interval. */
	if (r->credit <= 0)
		return false;
	r->credit -= (int64_t)len;
	return true;
}

uint64_t rate_limit_retry_at(const struct rate_limit *r, uint64_t now_us)
{
	if (r->bytes == 0 || now_us >= r->next_refill_us)
		return now_us;
	return r->next_refill_us;
}
