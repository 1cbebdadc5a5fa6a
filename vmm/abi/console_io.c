/* console_io: the guest's console before its ring is up. Writes go to the
 * domain's console log, and to Xen's console (xm dmesg) as under Xen;
 * there is nothing to read. */
#include <errno.h>

#include "abi/guest_access.h"
#include "abi/xen.h"
#include "abi/xen_public.h"
#include "domain.h"
#include "xen_console.h"

#define CONSOLE_IO_MAX 4096 /* bytes taken from one call */

long hypercall_console_io(struct vcpu *v, const uint64_t *args)
{
	uint64_t cmd = args[0], count = args[1], buffer = args[2];
	char text[CONSOLE_IO_MAX];

	switch (cmd) {
	case CONSOLEIO_write:
		if (count > sizeof(text))
			count = sizeof(text);
		if (copy_from_guest(v, buffer, text, count))
			return -EFAULT;
		xen_console_early_write(v->dom, text, count);
		xen_console_write(text, count); /* Xen's console: xm dmesg */
		return 0;
	case CONSOLEIO_read:
		return 0;
	default:
		return HYPERCALL_UNKNOWN;
	}
}
