/* What a backend's fuzz target plays the guest with: the guest's memory
 * and grant table in a bare domain (no KVM, no vCPU), the calls into KVM
 * stubbed (a notification goes nowhere), and the check that the backend
 * let go of every grant it pinned. Included by each target after the
 * backend's own .c file. */
#ifndef XENON_TESTS_FUZZ_FUZZ_GUEST_H
#define XENON_TESTS_FUZZ_FUZZ_GUEST_H

#include <stdio.h>
#include <stdlib.h>

#include "abi/guest_access.h"

/* What the backends and gnttab.c call that needs KVM or a vCPU. */
int evtchn_notify_guest(struct domain *d, uint32_t port)
{
	(void)d;
	(void)port;
	return 0;
}

int evtchn_bind_backend_eventfd(struct domain *d, uint32_t port, int kick_fd)
{
	(void)d;
	(void)port;
	(void)kick_fd;
	return -1;
}

void evtchn_unbind_backend_eventfd(struct domain *d, uint32_t port)
{
	(void)d;
	(void)port;
}

int copy_from_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len)
{
	(void)v;
	(void)gva;
	(void)buf;
	(void)len;
	return -1;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *buf, size_t len)
{
	(void)v;
	(void)gva;
	(void)buf;
	(void)len;
	return -1;
}

bool xen_is_self(const struct domain *d, uint32_t domid)
{
	(void)d;
	(void)domid;
	return false;
}

/* Frames DATA_FRAME.. hold what the grants below point at. */
#define DATA_FRAME 100
#define DATA_PAGES 32

static struct domain dom;

/* The domain's memory (4 MiB) and one grant table frame, made once. */
static void guest_setup_once(void)
{
	static bool made;
	if (made)
		return;
	if (guest_memory_create(&dom.mem, 4 << 20) < 0)
		abort();
	pthread_mutex_init(&dom.xen.gnttab.pin_lock, NULL);
	dom.vm_fd = -1;
	made = true;
}

static void grant(uint32_t ref, uint16_t flags, uint16_t domid, uint32_t frame)
{
	grant_entry_v1_t *e = (grant_entry_v1_t *)dom.mem.xen_frames + ref;
	e->flags = flags;
	e->domid = domid;
	e->frame = frame;
}

/* The fixed grant table: refs 1-32 grant frames 100-131 to dom0
 * writable, 33-40 frames 100-107 read-only, 41 a frame to another domain,
 * 42 a frame outside RAM; the rest are not granted (a target adds its
 * rings). */
static void guest_reset_grants(void)
{
	memset(dom.mem.xen_frames, 0, PAGE_SIZE);
	dom.xen.gnttab.nr_frames = 1;
	for (uint32_t i = 0; i < DATA_PAGES; i++)
		grant(1 + i, GTF_permit_access, 0, DATA_FRAME + i);
	for (uint32_t i = 0; i < 8; i++)
		grant(33 + i, GTF_permit_access | GTF_readonly, 0, DATA_FRAME + i);
	grant(41, GTF_permit_access, 7, DATA_FRAME);
	grant(42, GTF_permit_access, 0, 0xfffff);
}

/* Every pin the backend took is gone, and so is every flag it set. */
static void check_released(void)
{
	struct gnttab *g = &dom.xen.gnttab;
	for (uint32_t ref = 0; ref < GNTTAB_ENTRIES_PER_FRAME; ref++) {
		grant_entry_v1_t *e = (grant_entry_v1_t *)dom.mem.xen_frames + ref;
		bool pinned = (g->read_pins && g->read_pins[ref]) || (g->write_pins && g->write_pins[ref]);
		if (pinned || (e->flags & (GTF_reading | GTF_writing))) {
			fprintf(stderr, "fuzz: grant %u still pinned (flags 0x%x)\n", ref, e->flags);
			abort();
		}
	}
}

#endif
