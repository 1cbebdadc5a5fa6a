/* The control socket's "dump-core" (control.h): the domain's RAM and its
 * vCPUs' registers into the file xend passed, through dump_core.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/control.h"
#include "control.h"
#include "dump_core.h"
#include "log.h"
#include "vcpu_state.h"

/* RAM as the guest sees it: below 3 GiB, and the rest from 4 GiB. */
static size_t ram_regions(const struct guest_memory *m, struct dump_core_region out[2])
{
	uint64_t low = guest_low_ram_end(m);
	size_t n = 0;
	out[n++] = (struct dump_core_region){ .gpa = 0, .size = low, .fd = m->fd, .offset = 0 };
	if (m->ram_size > low)
		out[n++] = (struct dump_core_region){ .gpa = HIGH_RAM_START, .size = m->ram_size - low,
						      .fd = m->fd, .offset = low };
	return n;
}

/* Each vCPU's registers, read on its own thread; -errno naming none. */
static int gather_vcpus(struct domain *d, struct dump_core_vcpu *out, unsigned *failed)
{
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		struct vcpu_state s;
		int err = vcpu_state_get(&d->vcpus[i], &s);
		if (err) {
			*failed = i;
			return err;
		}
		out[i] = (struct dump_core_vcpu){ .regs = s.regs, .sregs = s.sregs };
	}
	return 0;
}

/* The dump, with the domain held still unless `live`. */
static int dump(struct domain *d, int out, bool live, char *err, size_t errlen)
{
	bool pause = !live && !atomic_load(&d->paused) && atomic_load(&d->end) == END_NONE;
	struct dump_core_vcpu *vcpus = calloc(d->nr_vcpus ? d->nr_vcpus : 1, sizeof(*vcpus));
	if (!vcpus) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (pause)
		domain_pause(d);
	/* Each vCPU answers from outside KVM_RUN, so once all have, none of a
	 * paused domain is running: its memory stays still from here. */
	unsigned failed = 0;
	int e = gather_vcpus(d, vcpus, &failed);
	if (e) {
		snprintf(err, errlen, "reading vCPU %u's registers: %s", failed, strerror(-e));
	} else {
		struct dump_core_region regions[2];
		size_t n = ram_regions(&d->mem, regions);
		e = dump_core_write(out, regions, n, vcpus, d->nr_vcpus);
		if (e)
			snprintf(err, errlen, "writing the core: %s", strerror(-e));
	}
	if (pause)
		domain_unpause(d);
	free(vcpus);
	return e ? -1 : 0;
}

void control_dump_core(int fd, json_t *req)
{
	int out = control_take_fd();
	if (out < 0) {
		control_reply_error(fd, "dump-core wants the file to write beside the request");
		return;
	}
	struct stat st;
	if (fstat(out, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 0) {
		control_reply_error(fd, "dump-core wants an empty regular file");
		close(out);
		return;
	}
	struct domain *d = control_domain();
	bool live = json_is_true(json_object_get(req, "live"));
	char err[256];
	int r = dump(d, out, live, err, sizeof(err));
	if (r == 0 && fstat(out, &st) < 0) {
		snprintf(err, sizeof(err), "the written core: %s", strerror(errno));
		r = -1;
	}
	close(out);
	if (r < 0) {
		log_warn("dump-core: %s", err);
		control_reply_error(fd, "%s", err);
		return;
	}
	log_info("dumped the domain's core (%llu MiB of RAM, %u vCPUs%s)",
		 (unsigned long long)(d->mem.ram_size >> 20), d->nr_vcpus, live ? ", live" : "");
	control_reply_ok(fd, json_pack("{s:I}", "bytes", (json_int_t)st.st_size));
}
