/* Whole writes to a descriptor: write(2) may take less than it is given
 * (a pipe, a socket, a signal), and every caller wants all of it. */
#ifndef XENON_LIB_FD_IO_H
#define XENON_LIB_FD_IO_H

#include <stddef.h>
#include <stdint.h>

/* Writes all `len` bytes, going on after EINTR. 0, or -errno (-EIO when
 * the descriptor takes nothing). */
int fd_write_all(int fd, const void *buf, size_t len);
/* The same at offset `at` of a file (pwrite(2)), its own offset untouched. */
int fd_pwrite_all(int fd, const void *buf, size_t len, uint64_t at);

#endif
