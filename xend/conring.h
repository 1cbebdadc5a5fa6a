/* Xen's console ring, which xm dmesg reads: the newest CONRING_SIZE bytes
 * of "(XEN) ..." lines. Xen kept it in the hypervisor's memory, so it
 * outlived xend and not the host. Ours is a file in the run folder
 * (/run/xenon/conring): a restarted xend keeps it, a rebooted host starts
 * it afresh. Only xend writes it, a line at a time; it is cut back to
 * CONRING_SIZE (written aside and renamed) once it has doubled. Apart from
 * xend's state, so that tests/unit can test it. */
#ifndef XEND_CONRING_H
#define XEND_CONRING_H

#include <stdbool.h>
#include <stddef.h>

#define CONRING_SIZE 65536

/* Appends `line` and a newline to the ring at `path` (made 0600 if
 * absent). 0, or -1 with errno set. */
int conring_append(const char *path, const char *line);

/* The ring's text from its first whole line within the newest CONRING_SIZE
 * bytes (malloc'd, NUL-terminated; "" when there is no ring), its length
 * in *len. With `clear`, the ring is emptied after (xm dmesg -c). NULL
 * with errno set if it cannot be read or emptied. */
char *conring_read(const char *path, bool clear, size_t *len);

#endif
