/* The host's memory and CPUs, for xentop's summary. Domain-0 is the host,
 * so xentop reads them where it runs, beside xend. */
#ifndef XENTOP_HOST_H
#define XENTOP_HOST_H

#include "frame.h"

/* Total memory and what is still available to new domains
 * (/proc/meminfo's MemTotal and MemAvailable), the CPUs online and the
 * first one's clock (/proc/cpuinfo; 0 where it gives none). */
void xt_host_read(struct xt_host *h);

#endif
