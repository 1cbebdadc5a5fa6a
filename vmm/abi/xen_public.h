/* Xen's public interface, as Debian's libxen-dev ships it (Xen 4.17). Its
 * headers expect the fixed-width types to be declared first. */
#ifndef XENON_VMM_ABI_XEN_PUBLIC_H
#define XENON_VMM_ABI_XEN_PUBLIC_H

#include <stdint.h>

/* The interface of Xen 4.14 and later (the newest these headers describe),
 * as a guest of today sees it, rather than the oldest. */
#define __XEN_INTERFACE_VERSION__ 0x00040e00

#include <xen/xen.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#endif
