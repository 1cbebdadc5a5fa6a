#include "kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

static const char *const xen_flag_names[] = {
	[0] = "HYPERCALL_MSR",
	[1] = "INTERCEPT_HCALL",
	[2] = "SHARED_INFO",
	[3] = "RUNSTATE",
	[4] = "EVTCHN_2LEVEL",
	[5] = "EVTCHN_SEND",
	[6] = "RUNSTATE_UPDATE_FLAG",
	[7] = "PVCLOCK_TSC_UNSTABLE",
	[8] = "SHARED_INFO_HVA",
};

/* The MSR through which a Xen guest asks for its hypercall page. */
#define XEN_HYPERCALL_PAGE_MSR 0x40000000u

const char *probe_xen_flag_name(unsigned bit)
{
	if (bit >= ARRAY_SIZE(xen_flag_names))
		return NULL;
	return xen_flag_names[bit];
}

/* Which module serves /dev/kvm: the first of the known ones that is loaded. */
static const char *kvm_implementation(const char *sysfs_module_dir)
{
	static const char *const known[] = { "kvm_amd", "kvm_intel", "kvm_pvm" };
	char path[512];

	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		snprintf(path, sizeof(path), "%s/%s", sysfs_module_dir, known[i]);
		if (access(path, F_OK) == 0)
			return known[i];
	}
	return NULL;
}

/* Creates a VM the way a domain's VMM will (split irqchip, then the Xen
 * hypercall config) and throws it away: proof that the ABI is usable, not
 * merely advertised. */
static void try_xen_vm(struct kvm_probe *p, int kvm)
{
	p->vm_tried = true;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		p->vm_step = "KVM_CREATE_VM";
		p->vm_errno = errno;
		return;
	}
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP, .args = { 24 } };
	struct kvm_xen_hvm_config xen = {
		.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL,
		.msr = XEN_HYPERCALL_PAGE_MSR,
	};
	if (ioctl(vm, KVM_ENABLE_CAP, &split) < 0) {
		p->vm_step = "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)";
		p->vm_errno = errno;
	} else if (ioctl(vm, KVM_XEN_HVM_CONFIG, &xen) < 0) {
		p->vm_step = "KVM_XEN_HVM_CONFIG";
		p->vm_errno = errno;
	}
	close(vm);
}

void probe_host(struct kvm_probe *p, const char *device, const char *sysfs_module_dir)
{
	*p = (struct kvm_probe){ .device = device };
	p->implementation = kvm_implementation(sysfs_module_dir);

	int kvm = open(device, O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		p->open_errno = errno;
		return;
	}
	p->api_version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (p->api_version == KVM_API_VERSION) {
		p->irqchip = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) > 0;
		p->split_irqchip = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP) > 0;
		int flags = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);
		p->xen_hvm_flags = flags > 0 ? (uint32_t)flags : 0;
		if ((p->xen_hvm_flags & PROBE_REQUIRED_XEN_FLAGS) == PROBE_REQUIRED_XEN_FLAGS &&
		    p->split_irqchip)
			try_xen_vm(p, kvm);
	}
	close(kvm);
}

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char emuhost_advice[] =
	"run Xen guests inside the emulated host: tools/emuhost run -- CMD";

bool probe_verdict(const struct kvm_probe *p, char *why, size_t why_len, char *advice,
		   size_t advice_len)
{
	say(advice, advice_len, "%s", emuhost_advice);

	if (p->open_errno == ENOENT) {
		say(why, why_len, "%s does not exist: KVM is not loaded, or the CPU has no hardware virtualization",
		    p->device);
		say(advice, advice_len, "modprobe kvm_intel or kvm_amd (with virtualization enabled in the firmware), or %s",
		    emuhost_advice);
		return false;
	}
	if (p->open_errno == EACCES || p->open_errno == EPERM) {
		say(why, why_len, "%s: permission denied", p->device);
		say(advice, advice_len, "run as root, or as a member of the group that owns %s", p->device);
		return false;
	}
	if (p->open_errno != 0) {
		say(why, why_len, "cannot open %s: %s", p->device, strerror(p->open_errno));
		return false;
	}
	if (p->api_version != KVM_API_VERSION) {
		say(why, why_len, "%s speaks KVM API version %d, not %d", p->device, p->api_version,
		    KVM_API_VERSION);
		return false;
	}
	if (p->implementation && strcmp(p->implementation, "kvm_pvm") == 0) {
		say(why, why_len,
		    "KVM here is PVM (kvm_pvm), a software hypervisor that runs only PVM-enabled guest kernels, without Xen support");
		return false;
	}
	if (p->xen_hvm_flags == 0) {
		say(why, why_len, "this kernel's KVM has no Xen support (KVM_CAP_XEN_HVM is 0: built without CONFIG_KVM_XEN)");
		say(advice, advice_len, "boot a kernel with CONFIG_KVM_XEN=y (Debian 12's 6.12 kernel from bookworm-security has it), or %s",
		    emuhost_advice);
		return false;
	}
	uint32_t missing = PROBE_REQUIRED_XEN_FLAGS & ~p->xen_hvm_flags;
	if (missing) {
		unsigned bit = (unsigned)__builtin_ctz(missing);
		say(why, why_len, "this kernel's KVM lacks the Xen feature %s (KVM_CAP_XEN_HVM is 0x%x)",
		    probe_xen_flag_name(bit), p->xen_hvm_flags);
		say(advice, advice_len, "boot a newer kernel (6.12 has every feature), or %s", emuhost_advice);
		return false;
	}
	if (!p->irqchip || !p->split_irqchip) {
		say(why, why_len, "this KVM has no %s irqchip", p->irqchip ? "split" : "in-kernel");
		return false;
	}
	if (p->vm_step) {
		say(why, why_len, "a test VM failed at %s: %s", p->vm_step, strerror(p->vm_errno));
		return false;
	}
	if (!p->vm_tried) {
		say(why, why_len, "no test VM was created");
		return false;
	}
	say(why, why_len, "%s", "");
	say(advice, advice_len, "%s", "");
	return true;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

bool probe_answer(const struct kvm_probe *p, char *buf, size_t len)
{
	char why[256], advice[256];
	bool ok = probe_verdict(p, why, sizeof(why), advice, sizeof(advice));
	if (ok)
		say(buf, len, "yes, this host's KVM can run Xen guests");
	else
		say(buf, len, "no, this host's KVM cannot run Xen guests: %s", why);
	return ok;
}

bool probe_report(FILE *out, const struct kvm_probe *p)
{
	char why[256], advice[256], answer[512];
	bool ok = probe_verdict(p, why, sizeof(why), advice, sizeof(advice));
	probe_answer(p, answer, sizeof(answer));

	fprintf(out, "KVM device:        %s (%s)\n", p->device,
		p->open_errno ? strerror(p->open_errno) : "opened");
	fprintf(out, "KVM module:        %s\n", p->implementation ? p->implementation : "unknown");
	if (p->open_errno == 0) {
		fprintf(out, "KVM API version:   %d\n", p->api_version);
		fprintf(out, "in-kernel irqchip: %s (split irqchip: %s)\n", yes_no(p->irqchip),
			yes_no(p->split_irqchip));
		fprintf(out, "KVM_CAP_XEN_HVM:   0x%x\n", p->xen_hvm_flags);
		for (unsigned bit = 0; bit < 32; bit++) {
			const char *name = probe_xen_flag_name(bit);
			bool set = p->xen_hvm_flags & (1u << bit);
			if (!name && !set)
				continue;
			bool required = PROBE_REQUIRED_XEN_FLAGS & (1u << bit);
			if (name && required)
				fprintf(out, "  %-22s %-3s  (required)\n", name, yes_no(set));
			else if (name)
				fprintf(out, "  %-22s %s\n", name, yes_no(set));
			else
				fprintf(out, "  bit %-18u yes  (unknown to this build)\n", bit);
		}
		if (p->vm_tried)
			fprintf(out, "test Xen VM:       %s%s\n", p->vm_step ? "failed at " : "created",
				p->vm_step ? p->vm_step : "");
	}
	fprintf(out, "answer: %s\n", answer);
	if (!ok)
		fprintf(out, "instead: %s\n", advice);
	return ok;
}
