/* Watches: a client asks to hear of changes at or below a path; every
 * change (or, in a transaction, its commit) queues an event to each
 * matching watch, naming the path that changed and the watch's token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored.h"

static struct watch **index_slot(const char *path)
{
	return &xs.watch_index[path_hash(path) % WATCH_SLOTS];
}

static void index_remove(struct watch *w)
{
	for (struct watch **link = index_slot(w->path); *link; link = &(*link)->hash_next) {
		if (*link == w) {
			*link = w->hash_next;
			return;
		}
	}
}

int watch_add(struct conn *c, const char *path, const char *token, bool relative)
{
	for (struct watch *w = c->watches; w; w = w->next)
		if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
			return -EEXIST;
	if (!c->privileged && c->nwatches >= xs.quota.watches)
		return -E2BIG;
	struct watch *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
		if (w)
			free(w->path);
		free(w);
		return -ENOMEM;
	}
	w->relative = relative;
	w->conn = c;
	w->next = c->watches;
	c->watches = w;
	c->nwatches++;
	struct watch **slot = index_slot(path);
	w->hash_next = *slot;
	*slot = w;
	return 0;
}

static void watch_free(struct watch *w)
{
	index_remove(w);
	free(w->path);
	free(w->token);
	free(w);
}

int watch_remove(struct conn *c, const char *path, const char *token)
{
	for (struct watch **link = &c->watches; *link; link = &(*link)->next) {
		struct watch *w = *link;
		if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
			*link = w->next;
			watch_free(w);
			c->nwatches--;
			return 0;
		}
	}
	return -ENOENT;
}

void watch_remove_all(struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;
		c->watches = w->next;
		watch_free(w);
	}
	c->nwatches = 0;
}

/* Queues one event: the path as the client knows it (relative to its home
 * if it watched relatively), then the token. */
void watch_fire_one(struct conn *c, struct watch *w, const char *path)
{
	char home[64];
	domain_home(c->domid, home, sizeof(home));
	size_t hl = strlen(home);
	if (w->relative && strncmp(path, home, hl) == 0 && path[hl] == '/')
		path += hl + 1;
	size_t pl = strlen(path) + 1, tl = strlen(w->token) + 1;
	char buf[XENSTORE_PAYLOAD_MAX];
	if (pl + tl > sizeof(buf))
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, w->token, tl);
	conn_event(c, buf, pl + tl);
}

/* Whether `c` may hear that `path` changed: it must be able to read the
 * node or, once the node is removed, its nearest ancestor still there (a
 * guest hears of no removal it could not have seen). Only dom0 hears the
 * special watches. */
static bool may_hear(struct conn *c, const char *path)
{
	if (c->privileged || path[0] == '@')
		return c->privileged;
	const struct node *n = store_get(&xs.store, NULL, path);
	char *ancestor = NULL;
	while (!n) {
		char *up = path_parent(ancestor ? ancestor : path);
		free(ancestor);
		ancestor = up;
		if (!ancestor)
			return false;
		n = store_get(&xs.store, NULL, ancestor);
	}
	free(ancestor);
	return node_perm(n, c->domid, c->target, false) & PERM_READ;
}

/* Fires the watches registered exactly on `watched` for a change at `path`. */
static void fire_exact(const char *watched, const char *path)
{
	for (struct watch *w = *index_slot(watched), *next; w; w = next) {
		next = w->hash_next; /* a connection cut off for its backlog keeps its watches */
		if (strcmp(w->path, watched) == 0 && !w->conn->closing && may_hear(w->conn, path))
			watch_fire_one(w->conn, w, path);
	}
}

/* A change at `path` reaches the watches on it and on each of its
 * ancestors, found through the index, so a write costs the path's depth,
 * not the number of watches. A removal also reaches the watches below it:
 * those need a scan. */
void watch_fire(void *opaque, const char *path, bool recursive)
{
	(void)opaque;
	if (path[0] == '@') {
		fire_exact(path, path);
		return;
	}
	char prefix[XENSTORE_ABS_PATH_MAX + 64];
	size_t len = strlen(path);
	if (len >= sizeof(prefix))
		return;
	memcpy(prefix, path, len + 1);
	for (;;) {
		fire_exact(prefix, path);
		if (strcmp(prefix, "/") == 0)
			break;
		char *slash = strrchr(prefix, '/');
		if (slash == prefix)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (!recursive)
		return;
	for (size_t i = 0; i < WATCH_SLOTS; i++)
		for (struct watch *w = xs.watch_index[i]; w; w = w->hash_next)
			if (w->path[0] != '@' && strcmp(w->path, path) != 0 &&
			    path_is_at_or_below(w->path, path) && !w->conn->closing &&
			    may_hear(w->conn, w->path))
				watch_fire_one(w->conn, w, w->path);
}
