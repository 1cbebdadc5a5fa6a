/* xend's relocation protocol: how a domain moves to another host's xend
 * (xm migrate). The source connects to the target's relocation server
 * (xend-relocation-server, -address and -port in xend-config.sxp); the
 * two exchange short lines of text around one save stream
 * (lib/save_stream.h), docs/save-format.md has it all:
 *
 *   target: "XenonRelocation 1"          or "refused: WHY", and it closes
 *   source: the save stream, to its END record
 *   target: "ready" (built, paused)      or "failed: WHY"
 *   source: "go" (its own copy stays suspended)
 *   target: "running"                    or "failed: WHY"
 *
 * Until the target says "running" the domain is the source's: any
 * failure before it resumes the domain there, and the target destroys
 * what it built. */
#ifndef XENON_XEND_RELOCATION_H
#define XENON_XEND_RELOCATION_H

#include <stdbool.h>
#include <stddef.h>

#define RELOCATION_GREETING "XenonRelocation 1"
/* Where xm migrate finds the target's servers unless told (Xen's). */
#define RELOCATION_PORT 8002
#define RELOCATION_SSL_PORT 8003

/* One line, without its newline; a line longer than `len` is an error.
 * 0, or -1 with `err` (the peer closed, or nothing came in `timeout_ms`). */
int relocation_read_line(int fd, char *line, size_t len, int timeout_ms, char *err, size_t errlen);
/* The longest line either side sends, its newline counted; longer ones
 * are cut short. */
#define RELOCATION_LINE_MAX 1024
/* A line (printf's format), cut to fit. 0, or -1 with errno. */
int relocation_write_line(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The relocation server's socket, as xend-config.sxp says (the TLS
 * one's with `tls`); -1 when it is off or cannot listen (logged). */
int relocation_listen(bool tls);
/* Takes in one migration on the connection `listen_fd` has waiting. */
void relocation_accept(int listen_fd, bool tls);

#endif
