/* Xen's own console, as far as this domain feeds it. What a guest writes
 * through HYPERVISOR_console_io or to Xen's debug port 0xe9 goes, under
 * Xen, to the hypervisor's console, which `xm dmesg` shows. The VMM keeps
 * the newest of those lines until xend takes them (the control socket's
 * "xen-console"); xend adds them to its copy of that console.
 *
 * The guest is hostile: lines are cut at XEN_CONSOLE_LINE_MAX bytes, every
 * byte that is not printable ASCII (or a tab) becomes '?', so nothing it
 * writes can move an administrator's terminal, and it can hold no more
 * than XEN_CONSOLE_KEEP bytes of our memory. */
#ifndef XENON_VMM_XEN_CONSOLE_H
#define XENON_VMM_XEN_CONSOLE_H

#include <stddef.h>

#define XEN_CONSOLE_KEEP 16384
#define XEN_CONSOLE_LINE_MAX 256

/* What the guest wrote; any number of bytes, lines in any pieces. */
void xen_console_write(const char *text, size_t len);

/* The whole lines kept, each ending in '\n', oldest first, as one string
 * (malloc'd; "" when none), and forgets them. NULL if out of memory. */
char *xen_console_take(void);

#endif
