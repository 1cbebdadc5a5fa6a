/* Control sockets: how xm talks to xend, and xend and xenstored to each
 * domain's VMM. One JSON object per SOCK_SEQPACKET message (so a message
 * never arrives in pieces), with file descriptors passed beside it when a
 * peer hands over memory or an eventfd. Requests carry "op"; replies carry
 * "ok" (true, or false with "error": one line saying what went wrong).
 * Every socket lives under the run folder: /run/xenon, or $XENON_RUN_DIR. */
#ifndef XENON_CONTROL_H
#define XENON_CONTROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest message: a list of a couple of thousand domains. Linux puts
 * all but 68 KiB of a SOCK_SEQPACKET message in one kmalloc'd block, whose
 * limit is 4 MiB. */
#define CONTROL_MAX_MSG (3 << 20)
#define CONTROL_MAX_FDS 8

/* The run folder and the paths in it. Returned strings are static. */
const char *control_run_dir(void);
/* The control socket of the VMM running domain `domid`. */
int control_vmm_path(uint32_t domid, char *buf, size_t len);
/* xm's socket to xend: xend-config.sxp's (xend-unix-path ...), in
 * $XENON_CONFIG_DIR (default /etc/xen); "" (or no file) means xend.sock in
 * the run folder. xend listens there and xm connects there (xend_socket.c). */
const char *control_xend_path(void);
/* Whether xend-config.sxp lets xend listen there: (xend-unix-server no) says
 * it does not, and xm cannot reach it. */
bool control_xend_unix_server(void);
/* The xend-config.sxp both come from, for messages. */
const char *control_xend_config(void);

/* Creates the folder of `path` (mode 0700) and listens there (mode 0600:
 * root only). Returns the socket, or -1 with errno set. */
int control_listen(const char *path);
/* Connects to `path`; -1 with errno set. A timeout of `timeout_ms` applies
 * to every later send and receive on the socket (0: none). */
int control_connect(const char *path, int timeout_ms);

/* Sends `msg` (not consumed) and `nfds` descriptors. 0, or -errno. */
int control_send(int fd, const json_t *msg, const int *fds, size_t nfds);
/* Receives one message. Descriptors that came with it are stored in `fds`
 * (CONTROL_MAX_FDS at most; extra ones are closed) and counted in *nfds.
 * Returns 1 with *msg set, 0 when the peer has gone, or -errno (a message
 * that is not a JSON object is -EPROTO). */
int control_recv(int fd, json_t **msg, int *fds, size_t *nfds);

/* One request and its reply. Returns the reply (caller frees) or NULL with
 * the reason in `err`. */
json_t *control_call(int fd, const json_t *request, int *fds, size_t *nfds, char *err, size_t errlen);
/* The same, with the descriptors `pass` sent beside the request. */
json_t *control_call_passing(int fd, const json_t *request, const int *pass, size_t npass, int *fds, size_t *nfds,
			     char *err, size_t errlen);

/* The entry of a list of devices (a VMM's info "vbds", "vifs") whose
 * "devid" is `devid`; NULL if none is (or `list` is no array). */
json_t *control_find_device(json_t *list, uint32_t devid);

/* Replies. */
int control_reply_ok(int fd, json_t *extra); /* extra (consumed) may be NULL */
/* The same, with descriptors beside it (a file too large for a message). */
int control_reply_ok_fds(int fd, json_t *extra, const int *fds, size_t nfds);
int control_reply_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
