#include "abi/gnttab.h"

#include <errno.h>
#include <string.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"

long gnttab_place_frame(struct domain *d, uint64_t idx, uint64_t gfn)
{
	struct gnttab *g = &d->xen.gnttab;
	if (idx & XENMAPIDX_grant_table_status)
		return -EINVAL; /* status frames belong to version 2 */
	if (idx >= GNTTAB_MAX_FRAMES)
		return -EINVAL;
	long r = guest_memory_map_xen_frame(&d->mem, d->vm_fd, (unsigned)idx, gfn);
	if (r)
		return r;
	if (idx + 1 > g->nr_frames)
		g->nr_frames = (unsigned)idx + 1;
	return 0;
}

static long query_size(struct vcpu *v, uint64_t arg, uint64_t count)
{
	struct gnttab_query_size q;
	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, arg, &q, sizeof(q)))
		return -EFAULT;
	if (!xen_is_self(v->dom, q.dom)) {
		q.status = GNTST_bad_domain;
	} else {
		pthread_mutex_lock(&v->dom->lock);
		q.nr_frames = v->dom->xen.gnttab.nr_frames;
		pthread_mutex_unlock(&v->dom->lock);
		q.max_nr_frames = GNTTAB_MAX_FRAMES;
		q.status = GNTST_okay;
	}
	return copy_to_guest(v, arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static long get_version(struct vcpu *v, uint64_t arg, uint64_t count)
{
	struct gnttab_get_version g;
	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(v, arg, &g, sizeof(g)))
		return -EFAULT;
	if (!xen_is_self(v->dom, g.dom))
		return -ESRCH;
	g.version = 1;
	return copy_to_guest(v, arg, &g, sizeof(g)) ? -EFAULT : 0;
}

long hypercall_grant_table_op(struct vcpu *v, const uint64_t *args)
{
	switch (args[0]) {
	case GNTTABOP_query_size:
		return query_size(v, args[1], args[2]);
	case GNTTABOP_get_version:
		return get_version(v, args[1], args[2]);
	case GNTTABOP_set_version:
		return -ENOSYS; /* version 1 only: Linux stays with it */
	default:
		return HYPERCALL_UNKNOWN;
	}
}
