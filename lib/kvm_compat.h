/* KVM ABI constants newer than the <linux/kvm.h> of the build machine (Debian 12
 * ships 6.1 headers; the hosts we run on have 6.12 kernels). Values are the
 * kernel's; each is defined only where the installed header lacks it. */
#ifndef XENON_KVM_COMPAT_H
#define XENON_KVM_COMPAT_H

#include <linux/kvm.h>

#ifndef KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG
#define KVM_XEN_HVM_CONFIG_RUNSTATE_UPDATE_FLAG (1 << 6) /* Linux 6.2 */
#endif
#ifndef KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE
#define KVM_XEN_HVM_CONFIG_PVCLOCK_TSC_UNSTABLE (1 << 7) /* Linux 6.8 */
#endif
#ifndef KVM_XEN_HVM_CONFIG_SHARED_INFO_HVA
#define KVM_XEN_HVM_CONFIG_SHARED_INFO_HVA (1 << 8) /* Linux 6.9 */
#endif

#endif
