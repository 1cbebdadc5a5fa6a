/* The XenStore tree. Every node is a record keyed by its absolute path: its
 * value, its permissions, the names of its children and the generation of
 * its last change. A change makes a new record (copy on write), so a
 * transaction can keep its own records beside the tree and, at commit, check
 * by generation that nothing it looked at changed meanwhile. */
#ifndef XENSTORED_STORE_H
#define XENSTORED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a permission entry grants: Xen's 'n', 'r', 'w' and 'b'. */
enum perm_kind { PERM_NONE = 0, PERM_READ = 1, PERM_WRITE = 2, PERM_BOTH = 3 };

struct perm {
	uint32_t domid;
	enum perm_kind kind;
};

struct node {
	char *path;
	char *value;             /* not NUL-terminated on the wire; we add one */
	uint32_t len;
	struct perm *perms;      /* perms[0]: the owner, and what others get */
	uint32_t nperms;
	char **children;         /* names, in the order they were made */
	uint32_t nchildren;
	uint64_t gen;            /* generation of its last change */
	bool deleted;            /* in a transaction: removed there */
	struct node *hash_next;
};

struct node_table {
	struct node **slots;
	size_t nslots;
	size_t count;
};

/* A change, for the watches. `recursive`: a removal,
 * which also fires watches on nodes below it. */
typedef void (*store_change_fn)(void *opaque, const char *path, bool recursive);
/* A record that reached the tree (`n`), or one that left it (`n` NULL): for
 * the journal. */
typedef void (*store_record_fn)(const char *path, const struct node *n);

/* What one domain's nodes hold: Xen counts a node against its owner. */
struct usage {
	uint32_t domid;
	uint32_t nodes;
	uint64_t bytes;
	struct usage *next;
};

#define USAGE_SLOTS 256

struct store {
	struct node_table nodes;
	uint64_t gen;            /* the last generation handed out */
	store_change_fn changed; /* called after each change outside transactions */
	void *opaque;
	store_record_fn recorded; /* may be NULL */
	struct usage *usage[USAGE_SLOTS];
};

/* What a transaction has seen: a path and the generation it had then (0: it
 * did not exist). */
struct txn_read {
	char *path;
	uint64_t gen;
};

struct txn_change {
	char *path;
	bool recursive;
};

struct txn {
	uint32_t id;
	uint32_t domid;              /* whose nodes it counts, for quotas */
	bool doomed;                 /* begun before xenstored restarted: commit fails */
	int64_t delta_nodes;         /* what committing would add to domid's usage */
	int64_t delta_bytes;
	struct node_table overlay;   /* records made or removed in the transaction */
	struct txn_read *reads;
	size_t nreads, reads_cap;
	struct txn_change *changes;
	size_t nchanges, changes_cap;
	struct txn *next;
};

int store_init(struct store *s, store_change_fn changed, void *opaque);
/* An empty store (no root), for a journal to fill with store_restore. */
void store_init_empty(struct store *s, store_change_fn changed, void *opaque);
void store_free(struct store *s);
/* Puts a record read back from the journal (taken over; not recorded again). */
int store_restore(struct store *s, struct node *n);
/* Drops a record, as the journal says (not recorded again). */
void store_forget(struct store *s, const char *path);
/* What `domid`'s nodes hold now. */
struct usage store_usage(const struct store *s, uint32_t domid);
/* The bytes a node counts for in its owner's memory quota. */
size_t node_bytes(const struct node *n);

/* The node at `path` as `t` sees it (t may be NULL), or NULL. */
const struct node *store_get(struct store *s, struct txn *t, const char *path);
/* Stores `n` (which the store takes over) at n->path. */
int store_put(struct store *s, struct txn *t, struct node *n);
/* Removes the node at `path` and everything below it; its parent must be
 * updated by the caller. */
int store_remove(struct store *s, struct txn *t, const char *path);
/* Says that `path` changed (a removal when `recursive`): the watches fire
 * now, or when `t` commits. */
int store_note_change(struct store *s, struct txn *t, const char *path, bool recursive);

/* A fresh copy of `n` (or an empty node at `path` when n is NULL). */
struct node *node_copy(const struct node *n, const char *path);
void node_free(struct node *n);
int node_set_value(struct node *n, const char *value, uint32_t len);
int node_add_child(struct node *n, const char *name);
void node_remove_child(struct node *n, const char *name);
int node_set_perms(struct node *n, const struct perm *perms, uint32_t nperms);

/* What `domid` may do with `n` (dom0 and the owner may do everything); a
 * domain with a `target` (SET_TARGET, 0 for none) acts for it too. */
enum perm_kind node_perm(const struct node *n, uint32_t domid, uint32_t target, bool privileged);

void txn_free(struct txn *t);
/* Commits `t` into the store: 0, or -EAGAIN when anything it saw changed
 * (or it is doomed). */
int txn_commit(struct store *s, struct txn *t);
/* Records in the transaction: what it made, changed or looked at. */
size_t txn_size(const struct txn *t);

/* The parent of an absolute path ("/" for "/a"), and the last component. */
char *path_parent(const char *path);
const char *path_basename(const char *path);
/* Whether `path` is `prefix` or lies below it. */
bool path_is_at_or_below(const char *path, const char *prefix);
/* A hash of a path, for tables keyed by path. */
size_t path_hash(const char *path);
/* Whether `path` is a valid absolute XenStore path, or a special '@' name. */
bool path_is_valid(const char *path);

#endif
