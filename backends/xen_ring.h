/* Xen's shared-ring macros (xen/io/ring.h) for backends in this process:
 * they want the memory barriers a kernel would give them. The frontend is
 * another CPU writing the same memory, so these are real fences. */
#ifndef XENON_BACKENDS_XEN_RING_H
#define XENON_BACKENDS_XEN_RING_H

#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include "abi/xen_public.h"
#include <xen/io/ring.h>

#endif
