/* Watches: a client asks to hear of changes at or below a path; every
 * change (or, in a transaction, its commit) queues an event to each
 * matching watch, naming the path that changed and the watch's token. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored.h"

int watch_add(struct conn *c, const char *path, const char *token, bool relative)
{
	for (struct watch *w = c->watches; w; w = w->next)
		if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
			return -EEXIST;
	if (c->nwatches >= MAX_WATCHES_PER_CONN)
		return -E2BIG;
	struct watch *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path)) || !(w->token = strdup(token))) {
		if (w)
			free(w->path);
		free(w);
		return -ENOMEM;
	}
	w->relative = relative;
	w->next = c->watches;
	c->watches = w;
	c->nwatches++;
	return 0;
}

static void watch_free(struct watch *w)
{
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
	char buf[XENSTORE_ABS_PATH_MAX + 64 + XENSTORE_PAYLOAD_MAX];
	if (pl + tl > sizeof(buf) || pl + tl > XENSTORE_PAYLOAD_MAX)
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, w->token, tl);
	conn_queue(c, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
}

/* Whether `c` may hear that `path` changed: it must be able to read the
 * node, if the node is still there. */
static bool may_hear(struct conn *c, const char *path)
{
	if (c->privileged || path[0] == '@')
		return c->privileged;
	const struct node *n = store_get(&xs.store, NULL, path);
	return !n || (node_perm(n, c->domid, false) & PERM_READ);
}

void watch_fire(void *opaque, const char *path, bool recursive)
{
	(void)opaque;
	for (struct conn *c = xs.conns; c; c = c->next) {
		if (c->closing)
			continue;
		bool fired = false;
		for (struct watch *w = c->watches; w; w = w->next) {
			if (path[0] == '@' || w->path[0] == '@') {
				if (strcmp(path, w->path) == 0 && may_hear(c, path)) {
					watch_fire_one(c, w, path);
					fired = true;
				}
				continue;
			}
			if (path_is_at_or_below(path, w->path)) {
				if (may_hear(c, path)) {
					watch_fire_one(c, w, path);
					fired = true;
				}
			} else if (recursive && path_is_at_or_below(w->path, path)) {
				/* A removal reaches watches on the nodes it took away. */
				watch_fire_one(c, w, w->path);
				fired = true;
			}
		}
		if (fired)
			conn_flush(c);
	}
}
