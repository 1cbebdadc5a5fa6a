/* What xm vcpu-list prints, in Xen 3.x's format: a header, then a line per
 * vCPU of each domain. Takes xend's vcpu-list replies (xend/requests.c). */
#ifndef XENON_XM_VCPU_LIST_H
#define XENON_XM_VCPU_LIST_H

#include <jansson.h>
#include <sched.h>
#include <stdio.h>

void xm_vcpu_list_header(FILE *out);

/* The lines of one domain: `reply` is xend's {domid, name, vcpus: [...]};
 * `host` the host's online CPUs, so that an affinity covering them all
 * reads "any cpu", as Xen's xm said of a vCPU not pinned. */
void xm_vcpu_list_print(FILE *out, json_t *reply, const cpu_set_t *host);

#endif
