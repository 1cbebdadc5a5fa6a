/* The backend half of xenbus, for the backends in this VMM (blkback and
 * netback): our own connection to xenstored, through which a device
 * publishes its nodes and state in its backend folder and follows its
 * frontend's state, as Linux's xenbus backend does in a Xen dom0
 * (xen/io/xenbus.h has the states).
 *
 * One thread hears the watches and calls each device's handler. Handlers,
 * and whatever else holds xenbus_lock(), run one at a time. A lost
 * connection (xenstored restarted) is noticed within seconds, made again,
 * and every device's handler called once more with its frontend's state. */
#ifndef XENON_BACKENDS_XENBUS_H
#define XENON_BACKENDS_XENBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "abi/xen_public.h"
#include <xen/io/xenbus.h>

#define XENBUS_PATH_MAX 128

struct xenbus_device {
	char backend[XENBUS_PATH_MAX];  /* /local/domain/0/backend/vbd/DOMID/DEVID */
	char frontend[XENBUS_PATH_MAX]; /* /local/domain/DOMID/device/vbd/DEVID */
	enum xenbus_state state;        /* ours, as last written */
	/* The device's part in the handshake, which xenbus.c runs as Linux's
	 * backends do; each is called with xenbus_lock held. connect: the
	 * frontend has published its rings: serve them (0), or write why not
	 * (xenbus_error) and fail (-1). disconnect: stop serving them (also
	 * when never connected). forget: the device is closed and detached:
	 * release it (it is no longer followed). */
	int (*connect)(struct xenbus_device *dev);
	void (*disconnect)(struct xenbus_device *dev);
	void (*forget)(struct xenbus_device *dev);
	bool detaching;                 /* the toolstack wants it gone once the frontend lets go */
	unsigned token;
	struct xenbus_device *next;
};

/* Connects to xenstored and starts the thread, once. 0, or -1 (logged). */
int xenbus_open(void);
/* Starts following `dev`'s frontend; its handler is called once soon with
 * the frontend's present state. 0, or -1 (logged). */
int xenbus_add(struct xenbus_device *dev);
/* Stops following it: no handler call for it begins after this returns. */
void xenbus_remove(struct xenbus_device *dev);
/* Ends the thread and the connection (the VMM is ending). */
void xenbus_stop(void);

/* The toolstack detaches the device: with `force`, or when the frontend
 * never connected, it is closed and forgotten now; otherwise the frontend
 * is asked to let go (Closing) and the device is forgotten once it has
 * (Closed). Called with xenbus_lock held. */
void xenbus_detach(struct xenbus_device *dev, bool force);

/* Serialises with the handlers (recursive: a handler may take it again). */
void xenbus_lock(void);
void xenbus_unlock(void);

/* Writes backend/NODE; 0 or -1. */
int xenbus_printf(struct xenbus_device *dev, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Reads frontend/NODE: a malloc'd string, or NULL if there is none. */
char *xenbus_read_frontend(struct xenbus_device *dev, const char *node);
/* Reads frontend/NODE as a number; false if absent or not one. */
bool xenbus_read_frontend_uint(struct xenbus_device *dev, const char *node, unsigned long *out);
/* Writes our state to backend/state. */
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
/* Logs the error and writes it to backend/error, where the toolstack and
 * the frontend's admin can read it, as Linux's xenbus_dev_fatal does. */
void xenbus_error(struct xenbus_device *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *xenbus_state_name(enum xenbus_state state);

#endif
