/* Where xm finds xend, as xend-config.sxp says: xend listens where the
 * file's (xend-unix-path ...) names, and xm must knock at the same door, so
 * both read it here (control.h). */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "sxp.h"

static struct {
	bool read;
	bool server;             /* (xend-unix-server yes|no) */
	char path[PATH_MAX];     /* (xend-unix-path ...), or the default */
	char config[PATH_MAX];   /* the file they came from */
} xend_socket;

/* The value of (KEY VALUE) when VALUE is one word or string; else NULL. */
static const char *atom_setting(const struct sxp *top, const char *key)
{
	const struct sxp *l = sxp_find(top, key);
	return l && l->n == 2 ? l->items[1].atom : NULL;
}

/* Read once: xend reads the file at its start, and a daemon's socket does
 * not move because someone edits the file while it runs. */
static void read_settings(void)
{
	if (xend_socket.read)
		return;
	xend_socket.read = true;
	xend_socket.server = true;
	const char *dir = getenv("XENON_CONFIG_DIR");
	snprintf(xend_socket.config, sizeof(xend_socket.config), "%s/xend-config.sxp", dir && *dir ? dir : "/etc/xen");
	snprintf(xend_socket.path, sizeof(xend_socket.path), "%s/xend.sock", control_run_dir());
	struct sxp top;
	char err[256];
	/* A malformed file leaves the defaults: xend refuses to start with one,
	 * and says why. */
	if (sxp_load(xend_socket.config, &top, err, sizeof(err)) < 0)
		return;
	const char *path = atom_setting(&top, "xend-unix-path");
	const char *server = atom_setting(&top, "xend-unix-server");
	if (path && *path)
		snprintf(xend_socket.path, sizeof(xend_socket.path), "%s", path);
	if (server && strcmp(server, "no") == 0)
		xend_socket.server = false;
	sxp_free(&top);
}

const char *control_xend_path(void)
{
	read_settings();
	return xend_socket.path;
}

bool control_xend_unix_server(void)
{
	read_settings();
	return xend_socket.server;
}

const char *control_xend_config(void)
{
	read_settings();
	return xend_socket.config;
}
