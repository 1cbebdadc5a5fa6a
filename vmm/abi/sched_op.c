/* sched_op: yield, block, shutdown. (KVM handles poll itself.) */
#include <errno.h>
#include <sched.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"
#include "log.h"
#include "save.h"

static const char *const shutdown_names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog",
					      "soft reset" };

long hypercall_sched_op(struct vcpu *v, const uint64_t *args)
{
	struct sched_shutdown shutdown;

	switch (args[0]) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
	case SCHEDOP_block:
		/* Event delivery wakes a halted vCPU; a block that returns at once
		 * is allowed (the guest checks for events and blocks again). */
		return 0;
	case SCHEDOP_shutdown:
		if (copy_from_guest(v, args[1], &shutdown, sizeof(shutdown)))
			return -EFAULT;
		if (shutdown.reason > SHUTDOWN_watchdog)
			return -EINVAL;
		log_info("the guest asked to %s", shutdown_names[shutdown.reason]);
		if (shutdown.reason == SHUTDOWN_suspend)
			v->dom->suspend_vcpu = v->id;
		domain_end(v->dom, (enum domain_end)shutdown.reason);
		/* A suspend returns here only if it goes on in this domain. */
		return shutdown.reason == SHUTDOWN_suspend ? SUSPEND_CANCELLED : 0;
	default:
		return HYPERCALL_UNKNOWN;
	}
}
