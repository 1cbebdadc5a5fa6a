/* The Xen we present to guests. */
#ifndef XENON_VMM_ABI_VERSION_H
#define XENON_VMM_ABI_VERSION_H

#define XEN_VERSION_MAJOR 4
#define XEN_VERSION_MINOR 17
#define XEN_EXTRAVERSION ".0-xenon"
/* What guests may run here (XENVER_capabilities; xm info's xen_caps). Xen
 * lists one entry per kind of guest it can build: xen-3.0-* are PV guests
 * and hvm-3.0-* HVM ones, by their mode. We build only PVH domains, which
 * Xen counts as HVM, and only 64-bit ones: shared_info is laid out the
 * 64-bit way from the start (KVM_XEN_ATTR_TYPE_LONG_MODE, ARCHITECTURE's
 * first measurement), which a 32-bit kernel would misread. */
#define XEN_CAPABILITIES "hvm-3.0-x86_64"
/* The rest of what XENVER_* and xm info tell of this Xen's build. */
#define XEN_CHANGESET "xenon"
#ifdef __clang__
#define XEN_COMPILER "clang version " __clang_version__
#else
#define XEN_COMPILER "gcc version " __VERSION__
#endif
#define XEN_COMPILE_BY "xenon"
#define XEN_COMPILE_DOMAIN "xenon"
/* Where Xen's own mappings begin in a 64-bit guest's address space
 * (XENVER_platform_parameters; xm info's platform_params). */
#define XEN_VIRT_START 0xffff800000000000ull
/* The MSR a guest writes to have its hypercall page filled (CPUID leaf 2). */
#define XEN_HYPERCALL_MSR 0x40000000u

#endif
