/* xen_version: what Xen this is, and what it offers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "abi/guest_access.h"
#include "abi/version.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"

/* What an HVM-container guest of Xen 4.17 is told it may rely on. */
static const uint32_t features_submap0 =
	1u << XENFEAT_writable_page_tables | 1u << XENFEAT_auto_translated_physmap |
	1u << XENFEAT_hvm_callback_vector | 1u << XENFEAT_hvm_safe_pvclock;

static long copy_string(struct vcpu *v, uint64_t gva, const char *s, size_t field_size)
{
	char buf[1024] = { 0 };
	if (field_size > sizeof(buf))
		return -EINVAL;
	strncpy(buf, s, field_size - 1);
	return copy_to_guest(v, gva, buf, field_size) ? -EFAULT : 0;
}

long hypercall_xen_version(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], arg = args[1];

	switch (cmd) {
	case XENVER_version:
		return XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR;
	case XENVER_extraversion:
		return copy_string(v, arg, XEN_EXTRAVERSION, sizeof(xen_extraversion_t));
	case XENVER_capabilities:
		return copy_string(v, arg, XEN_CAPABILITIES, sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string(v, arg, XEN_CHANGESET, sizeof(xen_changeset_info_t));
	case XENVER_commandline:
		return copy_string(v, arg, "", sizeof(xen_commandline_t));
	case XENVER_compile_info: {
		xen_compile_info_t info = { 0 };
		snprintf(info.compiler, sizeof(info.compiler), "%s", XEN_COMPILER);
		snprintf(info.compile_by, sizeof(info.compile_by), "%s", XEN_COMPILE_BY);
		snprintf(info.compile_domain, sizeof(info.compile_domain), "%s", XEN_COMPILE_DOMAIN);
		snprintf(info.compile_date, sizeof(info.compile_date), "%s", __DATE__);
		return copy_to_guest(v, arg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case XENVER_platform_parameters: {
		xen_platform_parameters_t p = { .virt_start = XEN_VIRT_START };
		return copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
	}
	case XENVER_get_features: {
		xen_feature_info_t fi;
		if (copy_from_guest(v, arg, &fi, sizeof(fi)))
			return -EFAULT;
		fi.submap = fi.submap_idx == 0 ? features_submap0 : 0;
		return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_guest_handle: {
		xen_domain_handle_t handle = { 0 };
		memcpy(handle, v->dom->xen.uuid, sizeof(handle));
		return copy_to_guest(v, arg, handle, sizeof(handle)) ? -EFAULT : 0;
	}
	default:
		return HYPERCALL_UNKNOWN;
	}
}
