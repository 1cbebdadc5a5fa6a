/* The console backend: the guest's Xen console ring (HVM_PARAM_CONSOLE_PFN
 * and _EVTCHN). Output goes to the domain's console (a PTY, or standard
 * output when run by hand) and its console log; input from the same place
 * reaches the guest's hvc0.
 * Output from before the ring is up (console_io, port 0xe9) joins the same
 * stream. */
#ifndef XENON_BACKENDS_CONSOLE_H
#define XENON_BACKENDS_CONSOLE_H

#include <stddef.h>

struct domain;

int console_setup(struct domain *d);
void console_teardown(struct domain *d);
/* Just before the domain runs: opens the console log (and the PTY, for a
 * domain whose console is one) and starts forwarding input to the guest. */
int console_start(struct domain *d);
/* The console PTY's path, or NULL when the console is standard I/O. */
const char *console_tty(struct domain *d);

#endif
