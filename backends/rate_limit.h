/* The credit scheme Xen's netback enforces a vif's rate= with: every
 * `interval_us` the vif's credit grows by `bytes` (up to the larger of
 * `bytes` and 128 KiB: an idle vif saves up no more), and a packet goes out
 * only while some credit is
 * left. The packet that overdraws it leaves a debt the next refills pay
 * back, so a sender of large (TSO) packets gets its rate as exactly as one
 * of small ones. */
#ifndef XENON_BACKENDS_RATE_LIMIT_H
#define XENON_BACKENDS_RATE_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RATE_LIMIT_MIN_DEPTH (128 * 1024)

struct rate_limit {
	uint64_t bytes;       /* credit per interval; 0: no limit */
	uint64_t interval_us;
	int64_t credit;       /* what is left now; below 0 after a large packet */
	uint64_t next_refill_us;
};

void rate_limit_init(struct rate_limit *r, uint64_t bytes, uint32_t interval_us, uint64_t now_us);
/* Whether a packet of `len` bytes may go at `now_us`; if it may, its bytes
 * are taken from the credit. */
bool rate_limit_take(struct rate_limit *r, uint64_t now_us, size_t len);
/* When a packet refused at `now_us` may be tried again. */
uint64_t rate_limit_retry_at(const struct rate_limit *r, uint64_t now_us);

#endif
