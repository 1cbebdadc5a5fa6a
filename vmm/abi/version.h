/* The Xen we present to guests. */
#ifndef XENON_VMM_ABI_VERSION_H
#define XENON_VMM_ABI_VERSION_H

#define XEN_VERSION_MAJOR 4
#define XEN_VERSION_MINOR 17
#define XEN_EXTRAVERSION ".0-xenon"
/* The MSR a guest writes to have its hypercall page filled (CPUID leaf 2). */
#define XEN_HYPERCALL_MSR 0x40000000u

#endif
