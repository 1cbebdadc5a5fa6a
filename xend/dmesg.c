/* xm dmesg: Xen's console ring (conring.h), as the hypervisor's console
 * would have shown it: a banner when xend starts (the Xen our guests see,
 * and whether this KVM can run them), each domain's creation and end, and
 * what guests write to Xen's console (console_io, port 0xe9), which each
 * VMM keeps until xend takes it ("xen-console"). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../vmm/abi/version.h"
#include "conring.h"
#include "control.h"
#include "log.h"
#include "xend.h"

#define LINE_MAX_LEN 512

static const char *ring_path(void)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/conring", control_run_dir());
	return path;
}

static void append(const char *line)
{
	static bool warned;
	if (conring_append(ring_path(), line) < 0 && !warned) {
		log_warn("Xen's console ring %s: %s; xm dmesg will miss lines", ring_path(), strerror(errno));
		warned = true;
	}
}

/* What domain `d`'s guest wrote to Xen's console since last time, a
 * "(XEN) (dN) " line each. */
static void take_guest_lines(struct xdomain *d)
{
	char err[256], line[LINE_MAX_LEN];
	json_t *req = json_pack("{s:s}", "op", "xen-console");
	json_t *rep = domain_vmm_call(d, req, err, sizeof(err));
	json_decref(req);
	const char *text = json_string_value(json_object_get(rep, "text"));
	for (const char *p = text; p && *p;) {
		size_t len = strcspn(p, "\n");
		snprintf(line, sizeof(line), "(XEN) (d%u) %.*s", d->domid, (int)len, p);
		append(line);
		p += len + (p[len] == '\n');
	}
	json_decref(rep);
}

/* Every guest's lines come in before xend adds one of its own, and before
 * the ring is read, so the ring keeps the order things happened in. */
static void take_all_guest_lines(void)
{
	for (struct xdomain *d = xend.domains; d; d = d->next)
		if (d->pid > 0)
			take_guest_lines(d);
}

static void vprint(const char *fmt, va_list ap)
{
	char text[LINE_MAX_LEN - 8], line[LINE_MAX_LEN];
	vsnprintf(text, sizeof(text), fmt, ap);
	take_all_guest_lines();
	snprintf(line, sizeof(line), "(XEN) %s", text);
	append(line);
}

void dmesg_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

void dmesg_domain(const struct xdomain *d, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dmesg_printf("Domain %u (%s) %s", d->domid, d->name, what);
}

void dmesg_banner(void)
{
	struct utsname u;
	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	char answer[512];
	xend_kvm_answer(answer, sizeof(answer));
	dmesg_printf("Xen version %d.%d%s (xenon %s) (%s) on Linux %s %s, through KVM", XEN_VERSION_MAJOR,
		     XEN_VERSION_MINOR, XEN_EXTRAVERSION, XENON_VERSION, XEN_COMPILER, u.release, u.machine);
	dmesg_printf("KVM: %s", answer);
	dmesg_printf("xend started (pid %d)", (int)getpid());
}

/* The ring goes to xm as a file: it may not fit in one message. */
static int as_file(const char *text, size_t len)
{
	int fd = memfd_create("xen-dmesg", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		done += (size_t)n;
	}
	return lseek(fd, 0, SEEK_SET) < 0 ? (close(fd), -1) : fd;
}

void do_dmesg(int fd, struct xdomain *unused, json_t *req)
{
	bool clear = json_is_true(json_object_get(req, "clear"));
	take_all_guest_lines();
	size_t len;
	char *text = conring_read(ring_path(), clear, &len);
	if (!text) {
		control_reply_error(fd, "Xen's console ring %s: %s", ring_path(), strerror(errno));
		return;
	}
	int file = as_file(text, len);
	free(text);
	if (file < 0) {
		control_reply_error(fd, "Xen's console ring: %s", strerror(errno));
		return;
	}
	control_reply_ok_fds(fd, json_pack("{s:I}", "bytes", (json_int_t)len), &file, 1);
	close(file);
}
