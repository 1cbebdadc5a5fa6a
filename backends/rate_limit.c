#include "rate_limit.h"

void rate_limit_init(struct rate_limit *r, uint64_t bytes, uint32_t interval_us, uint64_t now_us)
{
	*r = (struct rate_limit){ .bytes = bytes, .interval_us = interval_us ? interval_us : 1,
				  .credit = (int64_t)bytes, .next_refill_us = now_us + interval_us };
}

/* Adds a full interval's credit for every interval that has passed; an
 * idle vif's credit never grows past one interval's (no bursts saved up). */
static void refill(struct rate_limit *r, uint64_t now_us)
{
	if (now_us < r->next_refill_us)
		return;
	uint64_t intervals = (now_us - r->next_refill_us) / r->interval_us + 1;
	r->next_refill_us += intervals * r->interval_us;
	/* A debt is at most one packet: an interval or two pays it. */
	if (intervals >= 1u << 16) {
		r->credit = (int64_t)r->bytes;
		return;
	}
	int64_t credit = r->credit + (int64_t)(intervals * r->bytes);
	r->credit = credit > (int64_t)r->bytes ? (int64_t)r->bytes : credit;
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
