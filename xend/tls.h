/* TLS for migrations (xend-config.sxp's xend-relocation-ssl-server and
 * xend-relocation-ssl, xm migrate --ssl), with GnuTLS. Once the handshake
 * is done, a process of its own relays between the TLS session and one
 * end of a socket pair, whose other end is what these return: the
 * relocation protocol, and the VMM that writes or reads the stream, see a
 * plain socket, and everything on the wire is encrypted. The relay ends
 * when both directions have ended, or when the network side goes quiet
 * for TLS_IDLE_S. */
#ifndef XENON_XEND_TLS_H
#define XENON_XEND_TLS_H

#include <stddef.h>

#define TLS_IDLE_S 120

/* The source's side of `tcp` (which it takes): a TLS client of `host`.
 * The plain end, or -1 with `err`. */
int tls_client(int tcp, const char *host, char *err, size_t errlen);
/* The target's side, with the key and certificate files (PEM). */
int tls_server(int tcp, const char *key_file, const char *cert_file, char *err, size_t errlen);

#endif
