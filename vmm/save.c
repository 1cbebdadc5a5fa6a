/* The domain into the save stream and back (save.h). */
#include "save.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/control.h"
#include "../lib/save_stream.h"
#include "domain.h"
#include "log.h"
#include "precopy.h"

/* The MSRs Linux relies on that KVM_GET_SREGS does not carry; those this
 * KVM does not know are skipped. */
static const uint32_t saved_msrs[] = {
	0x00000010, /* TSC */
	0x0000003b, /* TSC_ADJUST */
	0x00000048, /* SPEC_CTRL */
	0x00000174, 0x00000175, 0x00000176, /* SYSENTER_CS, _ESP, _EIP */
	0x000001a0, /* MISC_ENABLE */
	0x00000277, /* PAT */
	0x000006e0, /* TSC_DEADLINE */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SYSCALL_MASK */
	0xc0000102, /* KERNEL_GS_BASE */
	0xc0000103, /* TSC_AUX */
};
_Static_assert(sizeof(saved_msrs) / sizeof(saved_msrs[0]) <= SAVE_MAX_MSRS, "SAVE_MAX_MSRS too small");

/* ---- saving ---- */

/* An exit the vCPU's thread handled last is finished only by the next
 * KVM_RUN (a hypercall's result goes into RAX then, and RIP past it):
 * one that returns at once, before any guest instruction. */
static int finish_pending_exit(struct vcpu *v)
{
	v->run->immediate_exit = 1;
	int r = ioctl(v->fd, KVM_RUN, 0);
	int e = errno;
	v->run->immediate_exit = 0;
	if (r < 0 && e != EINTR)
		return -e;
	return 0;
}

static void read_msrs(struct vcpu *v, struct save_vcpu *s)
{
	for (size_t i = 0; i < sizeof(saved_msrs) / sizeof(saved_msrs[0]); i++) {
		struct {
			struct kvm_msrs head;
			struct kvm_msr_entry entry;
		} one = { .head.nmsrs = 1, .entry.index = saved_msrs[i] };
		if (ioctl(v->fd, KVM_GET_MSRS, &one) == 1)
			s->msrs[s->nr_msrs++] = one.entry;
	}
}

static int read_vcpu(struct vcpu *v, struct save_vcpu *s)
{
	*s = (struct save_vcpu){ .id = v->id };
	int e = finish_pending_exit(v);
	if (e)
		return e;
	if (ioctl(v->fd, KVM_GET_REGS, &s->regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s->sregs) < 0 ||
	    ioctl(v->fd, KVM_GET_XSAVE, &s->xsave) < 0 || ioctl(v->fd, KVM_GET_XCRS, &s->xcrs) < 0 ||
	    ioctl(v->fd, KVM_GET_LAPIC, &s->lapic) < 0 || ioctl(v->fd, KVM_GET_VCPU_EVENTS, &s->events) < 0 ||
	    ioctl(v->fd, KVM_GET_MP_STATE, &s->mp_state) < 0 || ioctl(v->fd, KVM_GET_DEBUGREGS, &s->debugregs) < 0)
		return -errno;
	read_msrs(v, s);
	return 0;
}

static int write_one(int out, uint32_t type, const void *body, size_t len)
{
	struct iovec iov = { (void *)body, len };
	return save_write_record(out, type, &iov, 1);
}

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE_SIZE];
	return memcmp(p, zero, PAGE_SIZE) == 0;
}

/* What a record of `len` bytes takes in the stream: its header, its body,
 * the padding to 8 bytes. */
static uint64_t record_bytes(uint64_t len)
{
	return sizeof(struct save_record_header) + ((len + 7) & ~7ull);
}

int save_write_frames(int out, const struct guest_memory *m, const uint64_t *only, struct save_tally *tally)
{
	uint64_t frames = m->ram_size >> PAGE_SHIFT;
	/* The pages are copied before their checksum is taken: in a pre-copy
	 * the guest goes on writing them. */
	uint64_t *index = malloc(SAVE_PAGES_PER_RECORD * sizeof(*index));
	uint8_t *pages = malloc(SAVE_PAGES_PER_RECORD * PAGE_SIZE);
	if (!index || !pages) {
		free(index);
		free(pages);
		return -ENOMEM;
	}
	uint64_t count = 0;
	int e = 0;
	for (uint64_t i = 0; i <= frames && !e; i++) {
		bool last = i == frames;
		const uint8_t *page = m->ram + (i << PAGE_SHIFT);
		if (!last && (only ? only[i / 64] >> (i % 64) & 1 : !page_is_zero(page))) {
			index[count] = i;
			memcpy(pages + count * PAGE_SIZE, page, PAGE_SIZE);
			count++;
		}
		if (count == SAVE_PAGES_PER_RECORD || (last && count)) {
			struct iovec iov[3] = { { &count, sizeof(count) },
						{ index, count * sizeof(*index) },
						{ pages, count * PAGE_SIZE } };
			e = save_write_record(out, SAVE_REC_PAGES, iov, 3);
			tally->pages += count;
			tally->bytes += record_bytes(sizeof(count) + count * (sizeof(*index) + PAGE_SIZE));
			count = 0;
		}
	}
	free(index);
	free(pages);
	return e;
}

static int write_balloon(int out, struct guest_memory *m, struct save_tally *tally)
{
	uint64_t counts[2];
	guest_memory_reservation(m, &counts[0], &counts[1]);
	uint64_t words = guest_memory_bitmap_words(m);
	struct iovec iov[2] = { { counts, sizeof(counts) }, { m->given_back, words * sizeof(uint64_t) } };
	pthread_mutex_lock(&m->reservation_lock);
	int e = save_write_record(out, SAVE_REC_BALLOON, iov, 2);
	pthread_mutex_unlock(&m->reservation_lock);
	tally->bytes += record_bytes(sizeof(counts) + words * sizeof(uint64_t));
	return e;
}

int save_write_domain(struct domain *d, int out, struct save_tally *tally, char *err, size_t errlen)
{
	struct kvm_clock_data clock = { 0 };
	if (ioctl(d->vm_fd, KVM_GET_CLOCK, &clock) < 0) {
		snprintf(err, errlen, "KVM_GET_CLOCK: %s", strerror(errno));
		return -1;
	}
	struct save_domain header = { .ram_bytes = d->mem.ram_size, .vcpus = d->nr_vcpus,
				      .suspend_vcpu = d->suspend_vcpu,
				      .store_port = (uint32_t)d->xen.params[HVM_PARAM_STORE_EVTCHN],
				      .console_port = (uint32_t)d->xen.params[HVM_PARAM_CONSOLE_EVTCHN],
				      .clock_ns = clock.clock };
	int e = write_one(out, SAVE_REC_DOMAIN, &header, sizeof(header));
	if (e) {
		snprintf(err, errlen, "writing the image: %s", strerror(-e));
		return -1;
	}
	tally->bytes += record_bytes(sizeof(header));
	return 0;
}

/* The suspended domain: its header (unless a live migration's pre-copy
 * sent it), vCPUs and balloon, then RAM: every page that is not zero, or
 * after a pre-copy, the pages written since it sent them. */
static int save_domain_to(struct domain *d, int out, bool precopied, struct save_tally *tally, char *err,
			  size_t errlen)
{
	if (!precopied && save_write_domain(d, out, tally, err, errlen) < 0)
		return -1;
	struct save_vcpu *s = malloc(sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int e = 0;
	for (unsigned i = 0; i < d->nr_vcpus && !e; i++) {
		e = read_vcpu(&d->vcpus[i], s);
		if (e) {
			snprintf(err, errlen, "reading vCPU %u's state: %s", i, strerror(-e));
			free(s);
			return -1;
		}
		if (i == d->suspend_vcpu)
			s->regs.rax = SUSPEND_RESUMED;
		e = write_one(out, SAVE_REC_VCPU, s, sizeof(*s));
		tally->bytes += record_bytes(sizeof(*s));
	}
	free(s);
	if (!e)
		e = write_balloon(out, &d->mem, tally);
	uint64_t *dirty = NULL;
	if (!e && precopied && !(dirty = precopy_last_round(d))) {
		snprintf(err, errlen, "the pre-copy's log of written pages is lost");
		return -1;
	}
	if (!e)
		e = save_write_frames(out, &d->mem, dirty, tally);
	free(dirty);
	if (e) {
		snprintf(err, errlen, "writing the image: %s", strerror(-e));
		return -1;
	}
	return 0;
}

/* Suspended, and every vCPU thread gone: nothing changes the state saved. */
static bool suspended(int fd)
{
	if (control_domain_suspended())
		return true;
	control_reply_error(fd, "domain %u has not suspended", control_domain()->cfg.domid);
	return false;
}

void control_save(int fd, json_t *req)
{
	int out = control_take_fd();
	if (out < 0) {
		control_reply_error(fd, "save wants the file to write beside the request");
		return;
	}
	if (!suspended(fd)) {
		close(out);
		return;
	}
	struct domain *d = control_domain();
	bool precopied = json_is_true(json_object_get(req, "precopied"));
	if (precopied && !precopy_active()) {
		close(out);
		control_reply_error(fd, "save after a pre-copy wants one under way");
		return;
	}
	char err[256];
	struct save_tally tally = { 0 };
	int r = save_domain_to(d, out, precopied, &tally, err, sizeof(err));
	close(out);
	if (r < 0) {
		log_warn("save: %s", err);
		control_reply_error(fd, "%s", err);
		return;
	}
	log_info("saved the domain (%llu MiB of RAM, %u vCPUs): %llu pages, %llu bytes%s",
		 (unsigned long long)(d->mem.ram_size >> 20), d->nr_vcpus, (unsigned long long)tally.pages,
		 (unsigned long long)tally.bytes, precopied ? " after the pre-copy" : "");
	control_reply_ok(fd, json_pack("{s:I, s:I}", "bytes", (json_int_t)tally.bytes, "pages",
				       (json_int_t)tally.pages));
}

void control_resume(int fd, json_t *req)
{
	(void)req;
	if (!suspended(fd))
		return;
	precopy_stop(control_domain()); /* a migration that failed after its pre-copy */
	control_server_resume();
	control_reply_ok(fd, NULL);
}

/* ---- restoring ---- */

int save_read_domain(int fd, struct save_domain *out)
{
	struct save_reader r = { .fd = fd };
	struct save_record rec;
	char err[256];
	if (save_read_record(&r, &rec, err, sizeof(err)) < 0) {
		log_err("restore: %s", err);
		return -1;
	}
	bool fits = rec.type == SAVE_REC_DOMAIN && rec.length == sizeof(*out);
	if (fits)
		memcpy(out, rec.body, sizeof(*out));
	free(rec.body);
	if (!fits) {
		log_err("restore: the image does not begin with the domain's record");
		return -1;
	}
	if (out->ram_bytes < (16ull << 20) || out->ram_bytes > (1ull << 40) || out->ram_bytes % (1ull << 20) ||
	    out->vcpus < 1 || out->vcpus > MAX_VCPUS || out->suspend_vcpu >= out->vcpus) {
		log_err("restore: the image's domain (%llu bytes of RAM, %u vCPUs, suspended on vCPU %u) cannot be",
			(unsigned long long)out->ram_bytes, out->vcpus, out->suspend_vcpu);
		return -1;
	}
	return 0;
}

static int load_domain(struct domain *d, const struct save_domain *h)
{
	if (h->ram_bytes != d->mem.ram_size || h->vcpus != d->nr_vcpus) {
		log_err("restore: the image is of %llu MiB and %u vCPUs; the domain has %llu MiB and %u",
			(unsigned long long)(h->ram_bytes >> 20), h->vcpus,
			(unsigned long long)(d->mem.ram_size >> 20), d->nr_vcpus);
		return -1;
	}
	d->restored_store_port = h->store_port;
	d->restored_console_port = h->console_port;
	struct kvm_clock_data clock = { .clock = h->clock_ns };
	if (ioctl(d->vm_fd, KVM_SET_CLOCK, &clock) < 0) {
		log_err("restore: KVM_SET_CLOCK: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int load_vcpu(struct domain *d, const struct save_record *rec, unsigned expected)
{
	const struct save_vcpu *s = rec->body;
	if (rec->length != sizeof(*s) || s->id != expected || s->nr_msrs > SAVE_MAX_MSRS) {
		log_err("restore: vCPU record %u is not one this VMM wrote", expected);
		return -1;
	}
	struct vcpu *v = &d->vcpus[s->id];
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entries[SAVE_MAX_MSRS];
	} msrs = { .head.nmsrs = s->nr_msrs };
	memcpy(msrs.entries, s->msrs, s->nr_msrs * sizeof(s->msrs[0]));
	struct kvm_mp_state mp_state = s->mp_state;
	const char *what = "sregs";
	if (ioctl(v->fd, KVM_SET_SREGS, &s->sregs) < 0)
		goto fail;
	what = "regs";
	if (ioctl(v->fd, KVM_SET_REGS, &s->regs) < 0)
		goto fail;
	what = "xsave";
	if (ioctl(v->fd, KVM_SET_XSAVE, &s->xsave) < 0)
		goto fail;
	what = "xcrs";
	/* None on a host without XSAVE, where KVM refuses to set any. */
	if (s->xcrs.nr_xcrs && ioctl(v->fd, KVM_SET_XCRS, &s->xcrs) < 0)
		goto fail;
	what = "MSRs";
	int set = ioctl(v->fd, KVM_SET_MSRS, &msrs);
	if (set < 0)
		goto fail;
	if ((uint32_t)set != s->nr_msrs) {
		log_err("restore: vCPU %u: KVM refused MSR 0x%x", s->id, s->msrs[set].index);
		return -1;
	}
	what = "mp_state";
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp_state) < 0)
		goto fail;
	what = "lapic";
	if (ioctl(v->fd, KVM_SET_LAPIC, &s->lapic) < 0)
		goto fail;
	what = "events";
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &s->events) < 0)
		goto fail;
	what = "debugregs";
	if (ioctl(v->fd, KVM_SET_DEBUGREGS, &s->debugregs) < 0)
		goto fail;
	return 0;
fail:
	log_err("restore: vCPU %u: setting its %s: %s", s->id, what, strerror(errno));
	return -1;
}

static int load_balloon(struct domain *d, const struct save_record *rec)
{
	struct guest_memory *m = &d->mem;
	uint64_t frames = m->ram_size >> PAGE_SHIFT, words = (frames + 63) / 64;
	if (rec->length != 2 * sizeof(uint64_t) + words * sizeof(uint64_t)) {
		log_err("restore: the balloon record does not fit %llu frames", (unsigned long long)frames);
		return -1;
	}
	const uint64_t *counts = rec->body;
	if (counts[0] > frames) {
		log_err("restore: the balloon holds %llu frames of %llu", (unsigned long long)counts[0],
			(unsigned long long)frames);
		return -1;
	}
	pthread_mutex_lock(&m->reservation_lock);
	m->populated = counts[0];
	m->max_pages = counts[1];
	memcpy(m->given_back, counts + 2, words * sizeof(uint64_t));
	pthread_mutex_unlock(&m->reservation_lock);
	return 0;
}

static int load_pages(struct domain *d, const struct save_record *rec)
{
	const uint8_t *body = rec->body;
	uint64_t count;
	if (rec->length < sizeof(count))
		goto bad;
	memcpy(&count, body, sizeof(count));
	if (count == 0 || count > SAVE_PAGES_PER_RECORD ||
	    rec->length != sizeof(count) + count * (sizeof(uint64_t) + PAGE_SIZE))
		goto bad;
	const uint64_t *index = (const uint64_t *)(body + sizeof(count));
	const uint8_t *pages = body + sizeof(count) + count * sizeof(uint64_t);
	uint64_t frames = d->mem.ram_size >> PAGE_SHIFT;
	for (uint64_t i = 0; i < count; i++) {
		if (index[i] >= frames) {
			log_err("restore: a page for RAM frame %llu, past the domain's %llu",
				(unsigned long long)index[i], (unsigned long long)frames);
			return -1;
		}
		memcpy(d->mem.ram + (index[i] << PAGE_SHIFT), pages + i * PAGE_SIZE, PAGE_SIZE);
	}
	return 0;
bad:
	log_err("restore: a pages record of %llu bytes does not hold what it counts", (unsigned long long)rec->length);
	return -1;
}

static int out_of_order(const struct save_reader *r, const struct save_record *rec)
{
	log_err("restore: record %u (type %u) is out of place: a second domain record, or a vCPU too many",
		r->records, rec->type);
	return -1;
}

int save_load(struct domain *d, int fd, const struct save_domain *header)
{
	struct save_reader r = { .fd = fd, .records = 1 };
	char err[256];
	unsigned vcpus = 0;
	if (load_domain(d, header) < 0)
		return -1;
	for (;;) {
		struct save_record rec;
		if (save_read_record(&r, &rec, err, sizeof(err)) < 0) {
			log_err("restore: %s", err);
			return -1;
		}
		int e = 0;
		bool end = false;
		switch (rec.type) {
		case SAVE_REC_DOMAIN:
			e = out_of_order(&r, &rec);
			break;
		case SAVE_REC_VCPU:
			e = vcpus >= d->nr_vcpus ? out_of_order(&r, &rec) : load_vcpu(d, &rec, vcpus);
			vcpus++;
			break;
		case SAVE_REC_BALLOON:
			e = load_balloon(d, &rec);
			break;
		case SAVE_REC_PAGES:
			e = load_pages(d, &rec);
			break;
		case SAVE_REC_END:
			end = true;
			break;
		default:
			log_err("restore: a record of type %u, which this VMM does not know", rec.type);
			e = -1;
		}
		free(rec.body);
		if (e < 0)
			return -1;
		if (end)
			break;
	}
	if (vcpus != d->nr_vcpus) {
		log_err("restore: the image has %u of the domain's %u vCPUs", vcpus, d->nr_vcpus);
		return -1;
	}
	return 0;
}

int save_check_ports(struct domain *d)
{
	uint32_t store = (uint32_t)d->xen.params[HVM_PARAM_STORE_EVTCHN];
	uint32_t console = (uint32_t)d->xen.params[HVM_PARAM_CONSOLE_EVTCHN];
	if (store == d->restored_store_port && console == d->restored_console_port)
		return 0;
	/* The guest's xenbus binds the XenStore port it read at boot again. */
	log_err("restore: the guest knows XenStore port %u and console port %u; this domain has %u and %u",
		d->restored_store_port, d->restored_console_port, store, console);
	return -1;
}
