/* The probe's judgement and report, from facts we make up: what a user on a
 * host with each kind of KVM would be told. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvm_probe.h"

/* A 6.12 kernel's kvm_amd with every Xen feature, as in the emulated host. */
static struct kvm_probe capable_host(void)
{
	return (struct kvm_probe){
		.device = "/dev/kvm",
		.api_version = 12,
		.implementation = "kvm_amd",
		.irqchip = true,
		.split_irqchip = true,
		.xen_hvm_flags = 0x1ff,
		.vm_tried = true,
	};
}

struct verdict {
	bool ok;
	char why[256];
	char advice[256];
};

static struct verdict judge(const struct kvm_probe *p)
{
	struct verdict v;
	v.ok = probe_verdict(p, v.why, sizeof(v.why), v.advice, sizeof(v.advice));
	return v;
}

/* probe_report's text, in a buffer the caller frees. */
static char *report(const struct kvm_probe *p, bool *ok)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	*ok = probe_report(f, p);
	fclose(f);
	return text;
}

static void capable_host_says_yes(void **state)
{
	struct kvm_probe p = capable_host();
	struct verdict v = judge(&p);
	assert_true(v.ok);
	assert_string_equal(v.why, "");
}

static void missing_device_says_no_and_points_to_emuhost(void **state)
{
	struct kvm_probe p = { .device = "/dev/kvm", .open_errno = ENOENT };
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "/dev/kvm does not exist"));
	assert_non_null(strstr(v.advice, "tools/emuhost"));
}

static void permission_denied_says_so(void **state)
{
	struct kvm_probe p = { .device = "/dev/kvm", .open_errno = EACCES };
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "permission denied"));
	assert_non_null(strstr(v.advice, "root"));
}

static void pvm_says_no_even_with_xen_flags(void **state)
{
	struct kvm_probe p = capable_host();
	p.implementation = "kvm_pvm";
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "PVM"));
	assert_non_null(strstr(v.advice, "tools/emuhost"));
}

static void kernel_without_kvm_xen_names_the_config(void **state)
{
	struct kvm_probe p = capable_host();
	p.xen_hvm_flags = 0;
	p.vm_tried = false;
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "CONFIG_KVM_XEN"));
	assert_non_null(strstr(v.advice, "6.12"));
}

static void missing_required_flag_is_named(void **state)
{
	struct kvm_probe p = capable_host();
	p.xen_hvm_flags = 0x1ff & ~KVM_XEN_HVM_CONFIG_EVTCHN_SEND;
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "EVTCHN_SEND"));
}

static void optional_flags_are_not_required(void **state)
{
	struct kvm_probe p = capable_host();
	p.xen_hvm_flags = PROBE_REQUIRED_XEN_FLAGS; /* a 6.1 kernel's set */
	assert_true(judge(&p).ok);
}

static void failed_test_vm_names_the_step(void **state)
{
	struct kvm_probe p = capable_host();
	p.vm_step = "KVM_XEN_HVM_CONFIG";
	p.vm_errno = EINVAL;
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "KVM_XEN_HVM_CONFIG"));
	assert_non_null(strstr(v.why, strerror(EINVAL)));
}

static void no_split_irqchip_says_no(void **state)
{
	struct kvm_probe p = capable_host();
	p.split_irqchip = false;
	struct verdict v = judge(&p);
	assert_false(v.ok);
	assert_non_null(strstr(v.why, "split irqchip"));
}

static void report_names_every_flag(void **state)
{
	struct kvm_probe p = capable_host();
	bool ok;
	char *text = report(&p, &ok);
	assert_true(ok);
	for (unsigned bit = 0; probe_xen_flag_name(bit); bit++) {
		char line[64];
		snprintf(line, sizeof(line), "  %-22s yes", probe_xen_flag_name(bit));
		assert_non_null(strstr(text, line));
	}
	assert_non_null(strstr(text, "KVM_CAP_XEN_HVM:   0x1ff"));
	assert_non_null(strstr(text, "answer: yes"));
	free(text);
}

static void report_shows_absent_and_unknown_flags(void **state)
{
	struct kvm_probe p = capable_host();
	p.xen_hvm_flags = (0x1ff & ~KVM_XEN_HVM_CONFIG_RUNSTATE) | (1u << 12);
	bool ok;
	char *text = report(&p, &ok);
	assert_false(ok);
	assert_non_null(strstr(text, "  RUNSTATE               no   (required)"));
	assert_non_null(strstr(text, "  bit 12"));
	assert_non_null(strstr(text, "answer: no"));
	assert_non_null(strstr(text, "instead: "));
	free(text);
}

static void report_of_unopenable_device_stops_at_the_device(void **state)
{
	struct kvm_probe p = { .device = "/dev/kvm", .open_errno = ENOENT };
	bool ok;
	char *text = report(&p, &ok);
	assert_false(ok);
	assert_null(strstr(text, "KVM_CAP_XEN_HVM"));
	assert_non_null(strstr(text, "answer: no"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capable_host_says_yes),
		cmocka_unit_test(missing_device_says_no_and_points_to_emuhost),
		cmocka_unit_test(permission_denied_says_so),
		cmocka_unit_test(pvm_says_no_even_with_xen_flags),
		cmocka_unit_test(kernel_without_kvm_xen_names_the_config),
		cmocka_unit_test(missing_required_flag_is_named),
		cmocka_unit_test(optional_flags_are_not_required),
		cmocka_unit_test(failed_test_vm_names_the_step),
		cmocka_unit_test(no_split_irqchip_says_no),
		cmocka_unit_test(report_names_every_flag),
		cmocka_unit_test(report_shows_absent_and_unknown_flags),
		cmocka_unit_test(report_of_unopenable_device_stops_at_the_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
