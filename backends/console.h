/* The console backend: the guest's Xen console ring (HVM_PARAM_CONSOLE_PFN
 * and _EVTCHN). Output goes to the domain's console (standard output for now)
 * and its console log; input from standard input reaches the guest's hvc0.
 * Output from before the ring is up (console_io, port 0xe9) joins the same
 * stream. */
#ifndef XENON_BACKENDS_CONSOLE_H
#define XENON_BACKENDS_CONSOLE_H

#include <stddef.h>

struct domain;

int console_setup(struct domain *d);
void console_teardown(struct domain *d);
/* Just before the domain runs: opens the console log and starts forwarding
 * standard input to the guest. */
int console_start(struct domain *d);

#endif
