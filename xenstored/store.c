#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- paths ---- */

bool path_is_at_or_below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strcmp(prefix, "/") == 0)
		return path[0] == '/';
	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *path_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

const char *path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Xen's rule: absolute, components of [A-Za-z0-9-/_@], no empty component,
 * no trailing slash (except "/" itself). */
bool path_is_valid(const char *path)
{
	if (path[0] == '@')
		return strcmp(path, "@introduceDomain") == 0 || strcmp(path, "@releaseDomain") == 0;
	if (path[0] != '/')
		return false;
	if (strcmp(path, "/") == 0)
		return true;
	for (const char *p = path; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '-' || c == '/' || c == '_' || c == '@';
		if (!ok)
			return false;
		if (c == '/' && (p[1] == '/' || p[1] == '\0'))
			return false;
	}
	return true;
}

/* ---- nodes ---- */

void node_free(struct node *n)
{
	if (!n)
		return;
	for (uint32_t i = 0; i < n->nchildren; i++)
		free(n->children[i]);
	free(n->children);
	free(n->perms);
	free(n->value);
	free(n->path);
	free(n);
}

struct node *node_copy(const struct node *from, const char *path)
{
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->path = strdup(path);
	n->value = calloc(1, 1);
	if (!n->path || !n->value)
		goto fail;
	if (!from) {
		n->perms = calloc(1, sizeof(*n->perms));
		if (!n->perms)
			goto fail;
		n->nperms = 1; /* dom0 owns it; nobody else may see it */
		return n;
	}
	if (node_set_value(n, from->value, from->len) < 0 ||
	    node_set_perms(n, from->perms, from->nperms) < 0)
		goto fail;
	n->gen = from->gen;
	if (from->nchildren) {
		n->children = calloc(from->nchildren, sizeof(char *));
		if (!n->children)
			goto fail;
		for (uint32_t i = 0; i < from->nchildren; i++) {
			n->children[i] = strdup(from->children[i]);
			if (!n->children[i])
				goto fail;
			n->nchildren = i + 1;
		}
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

int node_set_value(struct node *n, const char *value, uint32_t len)
{
	char *v = malloc((size_t)len + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v, value, len);
	v[len] = '\0';
	free(n->value);
	n->value = v;
	n->len = len;
	return 0;
}

int node_set_perms(struct node *n, const struct perm *perms, uint32_t nperms)
{
	struct perm *p = calloc(nperms, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p, perms, nperms * sizeof(*p));
	free(n->perms);
	n->perms = p;
	n->nperms = nperms;
	return 0;
}

int node_add_child(struct node *n, const char *name)
{
	for (uint32_t i = 0; i < n->nchildren; i++)
		if (strcmp(n->children[i], name) == 0)
			return 0;
	char **c = realloc(n->children, (n->nchildren + 1) * sizeof(char *));
	if (!c)
		return -ENOMEM;
	n->children = c;
	c[n->nchildren] = strdup(name);
	if (!c[n->nchildren])
		return -ENOMEM;
	n->nchildren++;
	return 0;
}

void node_remove_child(struct node *n, const char *name)
{
	for (uint32_t i = 0; i < n->nchildren; i++) {
		if (strcmp(n->children[i], name) != 0)
			continue;
		free(n->children[i]);
		memmove(&n->children[i], &n->children[i + 1], (n->nchildren - i - 1) * sizeof(char *));
		n->nchildren--;
		return;
	}
}

enum perm_kind node_perm(const struct node *n, uint32_t domid, uint32_t target, bool privileged)
{
	uint32_t owner = n->perms[0].domid;
	if (privileged || owner == domid || (target && owner == target))
		return PERM_BOTH;
	/* A domain's own entry, and its target's (SET_TARGET), both count. */
	bool listed = false;
	enum perm_kind kind = PERM_NONE;
	for (uint32_t i = 1; i < n->nperms; i++) {
		if (n->perms[i].domid == domid || (target && n->perms[i].domid == target)) {
			kind |= n->perms[i].kind;
			listed = true;
		}
	}
	return listed ? kind : n->perms[0].kind;
}

/* ---- the hash table of records ---- */

size_t path_hash(const char *path)
{
	size_t h = 14695981039346656037ull; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

static int table_init(struct node_table *t, size_t nslots)
{
	t->slots = calloc(nslots, sizeof(*t->slots));
	t->nslots = t->slots ? nslots : 0;
	t->count = 0;
	return t->slots ? 0 : -ENOMEM;
}

static struct node **table_find(struct node_table *t, const char *path)
{
	if (!t->nslots)
		return NULL;
	struct node **link = &t->slots[path_hash(path) % t->nslots];
	while (*link && strcmp((*link)->path, path) != 0)
		link = &(*link)->hash_next;
	return link;
}

static struct node *table_get(struct node_table *t, const char *path)
{
	struct node **link = table_find(t, path);
	return link ? *link : NULL;
}

static void table_grow(struct node_table *t)
{
	struct node_table bigger;
	if (table_init(&bigger, t->nslots * 2) < 0)
		return; /* a fuller table is slower, not wrong */
	for (size_t i = 0; i < t->nslots; i++) {
		for (struct node *n = t->slots[i], *next; n; n = next) {
			next = n->hash_next;
			struct node **slot = &bigger.slots[path_hash(n->path) % bigger.nslots];
			n->hash_next = *slot;
			*slot = n;
		}
	}
	bigger.count = t->count;
	free(t->slots);
	*t = bigger;
}

/* Puts `n` in place of any record at its path (freed). */
static int table_put(struct node_table *t, struct node *n)
{
	if (!t->nslots && table_init(t, 64) < 0)
		return -ENOMEM;
	struct node **link = table_find(t, n->path);
	if (*link) {
		n->hash_next = (*link)->hash_next;
		node_free(*link);
		*link = n;
		return 0;
	}
	n->hash_next = NULL;
	*link = n;
	if (++t->count > t->nslots)
		table_grow(t);
	return 0;
}

static void table_delete(struct node_table *t, const char *path)
{
	struct node **link = table_find(t, path);
	if (!link || !*link)
		return;
	struct node *n = *link;
	*link = n->hash_next;
	node_free(n);
	t->count--;
}

static void table_free(struct node_table *t)
{
	for (size_t i = 0; i < t->nslots; i++) {
		for (struct node *n = t->slots[i], *next; n; n = next) {
			next = n->hash_next;
			node_free(n);
		}
	}
	free(t->slots);
	*t = (struct node_table){ 0 };
}

/* ---- the store ---- */

size_t node_bytes(const struct node *n)
{
	size_t bytes = strlen(n->path) + 1 + n->len + n->nperms * sizeof(struct perm);
	for (uint32_t i = 0; i < n->nchildren; i++)
		bytes += strlen(n->children[i]) + 1;
	return bytes;
}

static struct usage *usage_of(struct store *s, uint32_t domid, bool create)
{
	struct usage **link = &s->usage[domid % USAGE_SLOTS];
	for (; *link; link = &(*link)->next)
		if ((*link)->domid == domid)
			return *link;
	if (!create)
		return NULL;
	*link = calloc(1, sizeof(**link));
	if (*link)
		(*link)->domid = domid;
	return *link;
}

struct usage store_usage(const struct store *s, uint32_t domid)
{
	for (const struct usage *u = s->usage[domid % USAGE_SLOTS]; u; u = u->next)
		if (u->domid == domid)
			return *u;
	return (struct usage){ .domid = domid };
}

/* Counts `n` for (sign 1) or against (sign -1) its owner. */
static void account(struct store *s, const struct node *n, int sign)
{
	struct usage *u = usage_of(s, n->perms[0].domid, sign > 0);
	if (!u)
		return; /* counting less than there is only makes quotas kinder */
	u->nodes += (uint32_t)sign;
	u->bytes += (uint64_t)((int64_t)sign * (int64_t)node_bytes(n));
}

/* The tree's records change only here, so usage and the journal follow. */
static int global_put(struct store *s, struct node *n, bool record)
{
	struct node *old = table_get(&s->nodes, n->path);
	if (old)
		account(s, old, -1);
	account(s, n, 1);
	int err = table_put(&s->nodes, n);
	if (!err && record && s->recorded)
		s->recorded(n->path, n);
	return err;
}

static void global_delete(struct store *s, const char *path, bool record)
{
	struct node *old = table_get(&s->nodes, path);
	if (!old)
		return;
	account(s, old, -1);
	if (record && s->recorded)
		s->recorded(path, NULL);
	table_delete(&s->nodes, path);
}

void store_init_empty(struct store *s, store_change_fn changed, void *opaque)
{
	*s = (struct store){ .changed = changed, .opaque = opaque };
	table_init(&s->nodes, 1024); /* a failure leaves 0 slots: table_put retries */
}

int store_init(struct store *s, store_change_fn changed, void *opaque)
{
	store_init_empty(s, changed, opaque);
	if (!s->nodes.nslots)
		return -ENOMEM;
	/* The tree Xen starts with: dom0's, readable by all (each domain's
	 * home gets its own permissions from the toolstack). */
	static const struct { const char *path, *child1, *child2; } roots[] = {
		{ "/", "local", "tool" }, { "/local", "domain", NULL },
		{ "/local/domain", NULL, NULL }, { "/tool", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct node *n = node_copy(NULL, roots[i].path);
		if (!n)
			return -ENOMEM;
		n->perms[0].kind = PERM_READ;
		n->gen = ++s->gen;
		if ((roots[i].child1 && node_add_child(n, roots[i].child1) < 0) ||
		    (roots[i].child2 && node_add_child(n, roots[i].child2) < 0)) {
			node_free(n);
			return -ENOMEM;
		}
		global_put(s, n, true);
	}
	return 0;
}

int store_restore(struct store *s, struct node *n)
{
	if (n->gen > s->gen)
		s->gen = n->gen;
	return global_put(s, n, false);
}

void store_forget(struct store *s, const char *path)
{
	global_delete(s, path, false);
}

void store_free(struct store *s)
{
	table_free(&s->nodes);
	for (size_t i = 0; i < USAGE_SLOTS; i++) {
		while (s->usage[i]) {
			struct usage *u = s->usage[i];
			s->usage[i] = u->next;
			free(u);
		}
	}
}

static int txn_note_read(struct txn *t, const char *path, const struct node *global)
{
	for (size_t i = 0; i < t->nreads; i++)
		if (strcmp(t->reads[i].path, path) == 0)
			return 0;
	if (t->nreads == t->reads_cap) {
		size_t cap = t->reads_cap ? t->reads_cap * 2 : 16;
		struct txn_read *r = realloc(t->reads, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		t->reads = r;
		t->reads_cap = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	t->reads[t->nreads++] = (struct txn_read){ .path = copy, .gen = global ? global->gen : 0 };
	return 0;
}

static int txn_note_change(struct txn *t, const char *path, bool recursive)
{
	if (t->nchanges == t->changes_cap) {
		size_t cap = t->changes_cap ? t->changes_cap * 2 : 16;
		struct txn_change *c = realloc(t->changes, cap * sizeof(*c));
		if (!c)
			return -ENOMEM;
		t->changes = c;
		t->changes_cap = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	t->changes[t->nchanges++] = (struct txn_change){ .path = copy, .recursive = recursive };
	return 0;
}

const struct node *store_get(struct store *s, struct txn *t, const char *path)
{
	struct node *global = table_get(&s->nodes, path);
	if (!t)
		return global;
	struct node *mine = table_get(&t->overlay, path);
	if (mine)
		return mine->deleted ? NULL : mine;
	txn_note_read(t, path, global); /* a failure here only costs a retry */
	return global;
}

/* What committing `t` would add to (sign 1) or take from (-1) its domain's
 * usage, for `n` as the transaction sees it. */
static void txn_account(struct txn *t, const struct node *n, int sign)
{
	if (!n || n->deleted || n->perms[0].domid != t->domid)
		return;
	t->delta_nodes += sign;
	t->delta_bytes += sign * (int64_t)node_bytes(n);
}

/* The record `t` sees at `path`, tombstones included, without noting a read. */
static const struct node *txn_visible(struct store *s, struct txn *t, const char *path)
{
	const struct node *mine = table_get(&t->overlay, path);
	return mine ? mine : table_get(&s->nodes, path);
}

int store_put(struct store *s, struct txn *t, struct node *n)
{
	if (!t) {
		n->gen = ++s->gen;
		return global_put(s, n, true);
	}
	if (!table_get(&t->overlay, n->path))
		txn_note_read(t, n->path, table_get(&s->nodes, n->path));
	txn_account(t, txn_visible(s, t, n->path), -1);
	txn_account(t, n, 1);
	n->deleted = false;
	return table_put(&t->overlay, n);
}

/* Removes `path` and its subtree, as `t` sees it. */
static int remove_subtree(struct store *s, struct txn *t, const char *path)
{
	const struct node *n = store_get(s, t, path);
	if (!n)
		return 0;
	/* Copy the names first: removing a child can free n in the overlay. */
	uint32_t count = n->nchildren;
	char **names = calloc(count ? count : 1, sizeof(char *));
	if (!names)
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		names[i] = strdup(n->children[i]);
	for (uint32_t i = 0; i < count; i++) {
		if (!names[i])
			continue;
		size_t len = strlen(path) + strlen(names[i]) + 2;
		char *child = malloc(len);
		if (child) {
			snprintf(child, len, "%s/%s", strcmp(path, "/") ? path : "", names[i]);
			remove_subtree(s, t, child);
			free(child);
		}
		free(names[i]);
	}
	free(names);
	if (!t) {
		global_delete(s, path, true);
		return 0;
	}
	struct node *tomb = node_copy(NULL, path);
	if (!tomb)
		return -ENOMEM;
	if (!table_get(&t->overlay, path))
		txn_note_read(t, path, table_get(&s->nodes, path));
	txn_account(t, txn_visible(s, t, path), -1);
	tomb->deleted = true;
	return table_put(&t->overlay, tomb);
}

int store_remove(struct store *s, struct txn *t, const char *path)
{
	return remove_subtree(s, t, path);
}

int store_note_change(struct store *s, struct txn *t, const char *path, bool recursive)
{
	if (t)
		return txn_note_change(t, path, recursive);
	if (s->changed)
		s->changed(s->opaque, path, recursive);
	return 0;
}

void txn_free(struct txn *t)
{
	if (!t)
		return;
	table_free(&t->overlay);
	for (size_t i = 0; i < t->nreads; i++)
		free(t->reads[i].path);
	free(t->reads);
	for (size_t i = 0; i < t->nchanges; i++)
		free(t->changes[i].path);
	free(t->changes);
	free(t);
}

size_t txn_size(const struct txn *t)
{
	return t->nreads; /* every path it made, changed or looked at is noted read */
}

int txn_commit(struct store *s, struct txn *t)
{
	if (t->doomed)
		return -EAGAIN;
	for (size_t i = 0; i < t->nreads; i++) {
		struct node *now = table_get(&s->nodes, t->reads[i].path);
		if ((now ? now->gen : 0) != t->reads[i].gen)
			return -EAGAIN;
	}
	uint64_t gen = ++s->gen;
	for (size_t i = 0; i < t->overlay.nslots; i++) {
		struct node *n = t->overlay.slots[i];
		while (n) {
			struct node *next = n->hash_next;
			if (n->deleted) {
				global_delete(s, n->path, true);
				node_free(n);
			} else {
				n->gen = gen;
				global_put(s, n, true);
			}
			n = next;
		}
		t->overlay.slots[i] = NULL;
	}
	t->overlay.count = 0;
	if (s->changed)
		for (size_t i = 0; i < t->nchanges; i++)
			s->changed(s->opaque, t->changes[i].path, t->changes[i].recursive);
	return 0;
}
