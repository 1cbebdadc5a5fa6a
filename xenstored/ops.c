/* The operations of Xen's wire protocol (docs/misc/xenstore.txt), one
 * function each, on the tree as the requesting connection may see it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"
#include "log.h"
#include "xenstored.h"

/* A request being handled: who asked, what, and in which transaction. */
struct request {
	struct conn *conn;
	const struct xsd_sockmsg *hdr;
	char *body;
	struct txn *txn; /* NULL outside transactions */
};

void domain_home(uint32_t domid, char *buf, size_t len)
{
	snprintf(buf, len, "/local/domain/%u", domid);
}

static void reply(struct request *r, const void *data, size_t len)
{
	conn_reply(r->conn, r->hdr->type, r->hdr->req_id, r->hdr->tx_id, data, len);
}

static void reply_string(struct request *r, const char *s)
{
	reply(r, s, strlen(s) + 1);
}

static void reply_error(struct request *r, int err)
{
	const char *name = "EINVAL";
	for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			name = xsd_errors[i].errstring;
	conn_reply(r->conn, XS_ERROR, r->hdr->req_id, r->hdr->tx_id, name, strlen(name) + 1);
}

/* Splits the body into `max` NUL-terminated strings; returns how many. The
 * body always ends in a guard NUL (conn.c), so the last one is terminated. */
static unsigned split_args(struct request *r, const char **args, unsigned max)
{
	unsigned n = 0;
	size_t len = r->hdr->len;
	for (size_t pos = 0; pos < len && n < max; n++) {
		args[n] = r->body + pos;
		pos += strlen(r->body + pos) + 1;
	}
	return n;
}

/* The request's path made absolute (a guest's relative paths are under its
 * home) and checked. 0, or -errno. */
static int canonical_path(struct request *r, const char *in, char *out, size_t len, bool *relative)
{
	if (relative)
		*relative = false;
	if (in[0] == '/' || in[0] == '@') {
		if (strlen(in) >= len || strlen(in) > XENSTORE_ABS_PATH_MAX)
			return -E2BIG;
		strcpy(out, in);
	} else {
		if (strlen(in) > XENSTORE_REL_PATH_MAX)
			return -E2BIG;
		char home[64];
		domain_home(r->conn->domid, home, sizeof(home));
		int n = snprintf(out, len, "%s/%s", home, in);
		if (n < 0 || (size_t)n >= len)
			return -E2BIG;
		if (relative)
			*relative = true;
	}
	if (!r->conn->privileged && out[0] == '/' && strlen(out) > xs.quota.path_max)
		return -E2BIG;
	return path_is_valid(out) ? 0 : -EINVAL;
}

static bool may(struct request *r, const struct node *n, enum perm_kind want)
{
	return (node_perm(n, r->conn->domid, r->conn->target, r->conn->privileged) & want) == want;
}

/* Looks a path up for reading: -ENOENT, -EACCES or 0 with *out set. */
static int lookup(struct request *r, const char *path, enum perm_kind want, const struct node **out)
{
	const struct node *n = store_get(&xs.store, r->txn, path);
	if (!n)
		return -ENOENT;
	if (!may(r, n, want))
		return -EACCES;
	*out = n;
	return 0;
}

/* Whether the requester may own `more_nodes` more nodes and `more_bytes`
 * more bytes of node data (its transaction's changes counted too). */
static bool within_quota(struct request *r, int64_t more_nodes, int64_t more_bytes)
{
	if (r->conn->privileged)
		return true;
	if (r->txn) {
		more_nodes += r->txn->delta_nodes;
		more_bytes += r->txn->delta_bytes;
	}
	struct usage u = store_usage(&xs.store, r->conn->domid);
	/* Only growth is refused: a domain over its quota may always shrink. */
	return (more_nodes <= 0 || (int64_t)u.nodes + more_nodes <= (int64_t)xs.quota.entries) &&
	       (more_bytes <= 0 || (int64_t)u.bytes + more_bytes <= (int64_t)xs.quota.memory);
}

/* Whether a change on this connection must survive a restart: a guest's
 * ring outlives xenstored, a socket client reconnects. */
static bool persisted(const struct conn *c)
{
	return c->kind == CONN_RING;
}

/* A transaction may touch only so many paths, so a guest cannot make one
 * that costs the daemon without bound. */
static bool txn_too_big(struct request *r)
{
	return r->txn && !r->conn->privileged && txn_size(r->txn) > xs.quota.txn_nodes;
}

/* Makes `path` and any missing ancestors, each inheriting its parent's
 * permissions; a guest owns what it makes. The nearest existing ancestor
 * must be writable. Returns 0 (already there, *made false) or -errno. */
static int create_path(struct request *r, const char *path, bool *made)
{
	*made = false;
	if (store_get(&xs.store, r->txn, path))
		return 0;
	char *parent_path = path_parent(path);
	if (!parent_path)
		return -ENOMEM;
	bool parent_made;
	int err = create_path(r, parent_path, &parent_made);
	const struct node *parent = err ? NULL : store_get(&xs.store, r->txn, parent_path);
	if (!err && !parent)
		err = -ENOENT;
	if (!err && !parent_made && !may(r, parent, PERM_WRITE))
		err = -EACCES;
	if (!err && (!within_quota(r, 1, (int64_t)strlen(path) * 2 + 16) || txn_too_big(r)))
		err = -ENOSPC;
	struct node *n = err ? NULL : node_copy(NULL, path);
	struct node *p = n ? node_copy(parent, parent_path) : NULL;
	if (!err && (!n || !p))
		err = -ENOMEM;
	if (!err) {
		node_set_perms(n, parent->perms, parent->nperms);
		if (!r->conn->privileged)
			n->perms[0].domid = r->conn->domid;
		err = node_add_child(p, path_basename(path));
	}
	if (!err) {
		err = store_put(&xs.store, r->txn, p);
		p = NULL;
	}
	if (!err) {
		err = store_put(&xs.store, r->txn, n);
		n = NULL;
		*made = true;
	}
	node_free(p);
	node_free(n);
	free(parent_path);
	return err;
}

static void do_read(struct request *r, const char *path)
{
	const struct node *n;
	int err = lookup(r, path, PERM_READ, &n);
	if (err)
		return reply_error(r, -err);
	reply(r, n->value, n->len);
}

static void do_write(struct request *r, const char *path, const char *value, size_t len)
{
	if (!r->conn->privileged && len > xs.quota.entry_size)
		return reply_error(r, ENOSPC);
	const struct node *old = store_get(&xs.store, r->txn, path);
	if (old && !may(r, old, PERM_WRITE))
		return reply_error(r, EACCES);
	if (!within_quota(r, 0, (int64_t)len - (old ? (int64_t)old->len : 0)))
		return reply_error(r, ENOSPC);
	bool made;
	int err = create_path(r, path, &made);
	if (err)
		return reply_error(r, -err);
	old = store_get(&xs.store, r->txn, path);
	struct node *n = node_copy(old, path);
	if (!n || node_set_value(n, value, (uint32_t)len) < 0) {
		node_free(n);
		return reply_error(r, ENOMEM);
	}
	err = store_put(&xs.store, r->txn, n);
	if (err)
		return reply_error(r, -err);
	store_note_change(&xs.store, r->txn, path, false);
	reply_string(r, "OK");
}

static void do_mkdir(struct request *r, const char *path)
{
	bool made;
	int err = create_path(r, path, &made);
	if (err)
		return reply_error(r, -err);
	if (made)
		store_note_change(&xs.store, r->txn, path, false);
	reply_string(r, "OK");
}

static void do_rm(struct request *r, const char *path)
{
	if (strcmp(path, "/") == 0 || path[0] == '@')
		return reply_error(r, EINVAL);
	const struct node *n = store_get(&xs.store, r->txn, path);
	char *parent_path = path_parent(path);
	if (!parent_path)
		return reply_error(r, ENOMEM);
	const struct node *parent = store_get(&xs.store, r->txn, parent_path);
	if (!n) {
		/* Xen's rule: removing what is not there is fine if its parent is. */
		free(parent_path);
		if (!parent)
			return reply_error(r, ENOENT);
		return reply_string(r, "OK");
	}
	if (!may(r, n, PERM_WRITE)) {
		free(parent_path);
		return reply_error(r, EACCES);
	}
	struct node *p = parent ? node_copy(parent, parent_path) : NULL;
	free(parent_path);
	if (!p)
		return reply_error(r, ENOMEM);
	node_remove_child(p, path_basename(path));
	int err = store_remove(&xs.store, r->txn, path);
	if (!err)
		err = store_put(&xs.store, r->txn, p);
	else
		node_free(p);
	if (err)
		return reply_error(r, -err);
	store_note_change(&xs.store, r->txn, path, true);
	reply_string(r, "OK");
}

static void do_directory(struct request *r, const char *path)
{
	const struct node *n;
	int err = lookup(r, path, PERM_READ, &n);
	if (err)
		return reply_error(r, -err);
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len = 0;
	for (uint32_t i = 0; i < n->nchildren; i++) {
		size_t l = strlen(n->children[i]) + 1;
		if (len + l > sizeof(buf))
			return reply_error(r, E2BIG); /* the client should use DIRECTORY_PART */
		memcpy(buf + len, n->children[i], l);
		len += l;
	}
	reply(r, buf, len);
}

/* DIRECTORY_PART path offset: the node's generation, then as many children
 * from `offset` (in bytes of the full list) as fit, then an empty string
 * when the list ends. */
static void do_directory_part(struct request *r, const char *path, const char *offset_text)
{
	const struct node *n;
	int err = lookup(r, path, PERM_READ, &n);
	if (err)
		return reply_error(r, -err);
	char *end;
	unsigned long offset = strtoul(offset_text, &end, 10);
	if (*end || !*offset_text)
		return reply_error(r, EINVAL);
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)n->gen) + 1;
	size_t pos = 0;
	uint32_t i = 0;
	for (; i < n->nchildren; i++) {
		size_t l = strlen(n->children[i]) + 1;
		if (pos + l > offset) {
			if (pos < offset)
				return reply_error(r, EINVAL); /* not at a name's start */
			if (len + l + 1 > sizeof(buf))
				break;
			memcpy(buf + len, n->children[i], l);
			len += l;
		}
		pos += l;
	}
	if (i == n->nchildren)
		buf[len++] = '\0';
	reply(r, buf, len);
}

static const char perm_letters[] = { 'n', 'r', 'w', 'b' };

static void do_get_perms(struct request *r, const char *path)
{
	const struct node *n;
	int err = lookup(r, path, PERM_READ, &n);
	if (err)
		return reply_error(r, -err);
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t len = 0;
	for (uint32_t i = 0; i < n->nperms; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%c%u", perm_letters[n->perms[i].kind],
				 n->perms[i].domid);
		if (w < 0 || (size_t)w + 1 > sizeof(buf) - len)
			return reply_error(r, E2BIG);
		len += (size_t)w + 1;
	}
	reply(r, buf, len);
}

static int parse_perm(const char *text, struct perm *p)
{
	const char *letter = memchr(perm_letters, text[0], sizeof(perm_letters));
	if (!text[0] || !letter)
		return -EINVAL;
	char *end;
	unsigned long id = strtoul(text + 1, &end, 10);
	if (!text[1] || *end || id > 0x7fff)
		return -EINVAL;
	*p = (struct perm){ .domid = (uint32_t)id, .kind = (enum perm_kind)(letter - perm_letters) };
	return 0;
}

static void do_set_perms(struct request *r, const char *path, const char **perm_texts, unsigned count)
{
	if (count == 0)
		return reply_error(r, EINVAL);
	if (!r->conn->privileged && count > xs.quota.perms)
		return reply_error(r, ENOSPC);
	struct perm perms[XENSTORE_PAYLOAD_MAX / 3];
	for (unsigned i = 0; i < count; i++)
		if (parse_perm(perm_texts[i], &perms[i]) < 0)
			return reply_error(r, EINVAL);
	const struct node *old = store_get(&xs.store, r->txn, path);
	if (!old)
		return reply_error(r, ENOENT);
	/* Only the owner (or dom0) sets permissions, and a guest may not give
	 * its node away. */
	if (!r->conn->privileged &&
	    (old->perms[0].domid != r->conn->domid || perms[0].domid != r->conn->domid))
		return reply_error(r, EPERM);
	struct node *n = node_copy(old, path);
	if (!n || node_set_perms(n, perms, count) < 0) {
		node_free(n);
		return reply_error(r, ENOMEM);
	}
	int err = store_put(&xs.store, r->txn, n);
	if (err)
		return reply_error(r, -err);
	store_note_change(&xs.store, r->txn, path, false);
	reply_string(r, "OK");
}

static void do_watch(struct request *r, const char *in_path, const char *token)
{
	char path[XENSTORE_ABS_PATH_MAX + 64];
	bool relative;
	int err = canonical_path(r, in_path, path, sizeof(path), &relative);
	if (err)
		return reply_error(r, -err);
	err = watch_add(r->conn, path, token, relative);
	if (err)
		return reply_error(r, -err);
	if (persisted(r->conn))
		journal_watch(r->conn->domid, path, token, relative, true);
	reply_string(r, "OK");
	/* Xen fires a new watch once at once, so the client reads the state. */
	watch_fire_one(r->conn, r->conn->watches, path);
}

static void do_unwatch(struct request *r, const char *in_path, const char *token)
{
	char path[XENSTORE_ABS_PATH_MAX + 64];
	int err = canonical_path(r, in_path, path, sizeof(path), NULL);
	if (!err)
		err = watch_remove(r->conn, path, token);
	if (err)
		return reply_error(r, -err);
	if (persisted(r->conn))
		journal_watch(r->conn->domid, path, token, false, false);
	reply_string(r, "OK");
}

static void do_transaction_start(struct request *r)
{
	if (r->hdr->tx_id)
		return reply_error(r, EBUSY); /* no nested transactions */
	if (!r->conn->privileged && r->conn->ntxns >= xs.quota.transactions)
		return reply_error(r, ENOSPC);
	struct txn *t = conn_txn_open(r->conn, r->conn->next_txn_id);
	if (!t)
		return reply_error(r, ENOMEM);
	if (persisted(r->conn))
		journal_txn(r->conn->domid, t->id, true);
	char id[16];
	snprintf(id, sizeof(id), "%u", t->id);
	reply_string(r, id);
}

static void do_transaction_end(struct request *r, const char *how)
{
	struct txn *t = r->txn;
	if (!t)
		return reply_error(r, ENOENT);
	bool commit = strcmp(how, "T") == 0;
	if (!commit && strcmp(how, "F") != 0)
		return reply_error(r, EINVAL);
	for (struct txn **link = &r->conn->txns; *link; link = &(*link)->next) {
		if (*link == t) {
			*link = t->next;
			break;
		}
	}
	r->conn->ntxns--;
	if (persisted(r->conn))
		journal_txn(r->conn->domid, t->id, false);
	int err = 0;
	if (commit)
		err = within_quota(r, 0, 0) ? txn_commit(&xs.store, t) : -ENOSPC;
	txn_free(t);
	if (err)
		return reply_error(r, -err);
	reply_string(r, "OK");
}

static bool parse_u64(const char *text, uint64_t *out)
{
	char *end;
	if (!*text)
		return false;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end || errno)
		return false;
	*out = v;
	return true;
}

static void do_introduce(struct request *r, const char **args, unsigned n)
{
	uint64_t domid, gfn, port;
	if (!r->conn->privileged)
		return reply_error(r, EACCES);
	if (n < 3 || !parse_u64(args[0], &domid) || !parse_u64(args[1], &gfn) ||
	    !parse_u64(args[2], &port) || domid == 0 || domid >= 0x7ff0 || port == 0)
		return reply_error(r, EINVAL);
	char why[256];
	int err = domain_introduce((uint32_t)domid, gfn, (uint32_t)port, why, sizeof(why));
	if (err) {
		log_warn("introducing domain %llu: %s", (unsigned long long)domid, why);
		return reply_error(r, -err);
	}
	reply_string(r, "OK");
	watch_fire(NULL, "@introduceDomain", false);
}

static void do_release(struct request *r, const char *domid_text)
{
	uint64_t domid;
	if (!r->conn->privileged)
		return reply_error(r, EACCES);
	if (!parse_u64(domid_text, &domid) || domid == 0 || domid >= 0x7ff0)
		return reply_error(r, EINVAL);
	if (domain_release((uint32_t)domid) < 0)
		return reply_error(r, ENOENT);
	reply_string(r, "OK");
	watch_fire(NULL, "@releaseDomain", false);
}

/* SET_TARGET domid target: domid (a stub domain, say) acts for target. */
static void do_set_target(struct request *r, const char **args, unsigned n)
{
	uint64_t domid, target;
	if (!r->conn->privileged)
		return reply_error(r, EACCES);
	if (n < 2 || !parse_u64(args[0], &domid) || !parse_u64(args[1], &target) || domid == 0 ||
	    domid >= 0x7ff0 || target >= 0x7ff0)
		return reply_error(r, EINVAL);
	if (domain_set_target((uint32_t)domid, (uint32_t)target) < 0)
		return reply_error(r, ENOENT);
	reply_string(r, "OK");
}

static void do_get_domain_path(struct request *r, const char *domid_text)
{
	uint64_t domid;
	if (!parse_u64(domid_text, &domid) || domid >= 0x7ff0)
		return reply_error(r, EINVAL);
	char home[64];
	domain_home((uint32_t)domid, home, sizeof(home));
	reply_string(r, home);
}

static void do_is_domain_introduced(struct request *r, const char *domid_text)
{
	uint64_t domid;
	if (!r->conn->privileged)
		return reply_error(r, EACCES);
	if (!parse_u64(domid_text, &domid))
		return reply_error(r, EINVAL);
	reply_string(r, domid == 0 || domain_is_introduced((uint32_t)domid) ? "T" : "F");
}

static void do_reset_watches(struct request *r)
{
	watch_remove_all(r->conn);
	if (persisted(r->conn))
		journal_watch(r->conn->domid, "", "", false, false);
	reply_string(r, "OK");
}

/* xenstore-control quota [NAME VALUE | DOMID]: the quotas, one changed, or
 * what a domain uses of them. */
static void control_quota(struct request *r, const char **args, unsigned n)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	if (n == 3) {
		if (!quota_set(args[1], args[2]))
			return reply_error(r, EINVAL);
		log_info("quota %s set to %s", args[1], args[2]);
		return reply_string(r, "OK");
	}
	if (n == 2) {
		uint64_t domid;
		if (!parse_u64(args[1], &domid) || domid >= 0x7ff0)
			return reply_error(r, EINVAL);
		struct usage u = store_usage(&xs.store, (uint32_t)domid);
		snprintf(buf, sizeof(buf), "nodes %u of %u\nmemory %llu of %u\n", u.nodes, xs.quota.entries,
			 (unsigned long long)u.bytes, xs.quota.memory);
		return reply_string(r, buf);
	}
	quota_describe(buf, sizeof(buf));
	reply_string(r, buf);
}

static void do_control(struct request *r, const char **args, unsigned n)
{
	if (!r->conn->privileged)
		return reply_error(r, EACCES);
	if (n >= 1 && strcmp(args[0], "print") == 0) {
		log_info("control print: %s", n >= 2 ? args[1] : "");
		return reply_string(r, "OK");
	}
	if (n >= 1 && strcmp(args[0], "quota") == 0)
		return control_quota(r, args, n);
	if (n >= 1 && strcmp(args[0], "help") == 0)
		return reply_string(r, "print STRING\nquota [NAME VALUE | DOMID]\nhelp\n");
	reply_error(r, EINVAL);
}

static bool writes(uint32_t type)
{
	return type == XS_WRITE || type == XS_MKDIR || type == XS_RM || type == XS_SET_PERMS;
}

static bool takes_path(uint32_t type)
{
	return type == XS_READ || type == XS_WRITE || type == XS_MKDIR || type == XS_RM ||
	       type == XS_DIRECTORY || type == XS_DIRECTORY_PART || type == XS_GET_PERMS ||
	       type == XS_SET_PERMS;
}

void ops_handle(struct conn *c, const struct xsd_sockmsg *hdr, char *body)
{
	struct request r = { .conn = c, .hdr = hdr, .body = body };
	const char *args[XENSTORE_PAYLOAD_MAX / 2 + 1];
	unsigned n = split_args(&r, args, sizeof(args) / sizeof(args[0]));

	if (hdr->tx_id && hdr->type != XS_TRANSACTION_START) {
		for (struct txn *t = c->txns; t; t = t->next)
			if (t->id == hdr->tx_id)
				r.txn = t;
		if (!r.txn)
			return reply_error(&r, ENOENT);
	}
	/* Every path a transaction touches (read, or refused) is kept until it
	 * ends: past its quota, a guest's transaction may only end. */
	if (hdr->type != XS_TRANSACTION_END && txn_too_big(&r))
		return reply_error(&r, ENOSPC);
	if (c->readonly && (writes(hdr->type) || hdr->type == XS_TRANSACTION_START))
		return reply_error(&r, EROFS);

	char path[XENSTORE_ABS_PATH_MAX + 64];
	if (takes_path(hdr->type)) {
		if (n < 1)
			return reply_error(&r, EINVAL);
		int err = canonical_path(&r, args[0], path, sizeof(path), NULL);
		if (!err && path[0] == '@')
			err = -EINVAL;
		if (err)
			return reply_error(&r, -err);
	}

	switch (hdr->type) {
	case XS_READ: return do_read(&r, path);
	case XS_WRITE: {
		/* The value is everything after the path's NUL, NULs and all. */
		size_t off = strlen(body) + 1;
		size_t len = hdr->len > off ? hdr->len - off : 0;
		return do_write(&r, path, body + (hdr->len > off ? off : hdr->len), len);
	}
	case XS_MKDIR: return do_mkdir(&r, path);
	case XS_RM: return do_rm(&r, path);
	case XS_DIRECTORY: return do_directory(&r, path);
	case XS_DIRECTORY_PART:
		return n < 2 ? reply_error(&r, EINVAL) : do_directory_part(&r, path, args[1]);
	case XS_GET_PERMS: return do_get_perms(&r, path);
	case XS_SET_PERMS: return do_set_perms(&r, path, args + 1, n - 1);
	case XS_WATCH: return n < 2 ? reply_error(&r, EINVAL) : do_watch(&r, args[0], args[1]);
	case XS_UNWATCH: return n < 2 ? reply_error(&r, EINVAL) : do_unwatch(&r, args[0], args[1]);
	case XS_TRANSACTION_START: return do_transaction_start(&r);
	case XS_TRANSACTION_END: return do_transaction_end(&r, n ? args[0] : "");
	case XS_INTRODUCE: return do_introduce(&r, args, n);
	case XS_RELEASE: return n < 1 ? reply_error(&r, EINVAL) : do_release(&r, args[0]);
	case XS_GET_DOMAIN_PATH:
		return n < 1 ? reply_error(&r, EINVAL) : do_get_domain_path(&r, args[0]);
	case XS_IS_DOMAIN_INTRODUCED:
		return n < 1 ? reply_error(&r, EINVAL) : do_is_domain_introduced(&r, args[0]);
	case XS_RESUME:
		return c->privileged ? reply_string(&r, "OK") : reply_error(&r, EACCES);
	case XS_SET_TARGET: return do_set_target(&r, args, n);
	case XS_RESET_WATCHES: return do_reset_watches(&r);
	case XS_CONTROL: return do_control(&r, args, n);
	default: return reply_error(&r, EINVAL);
	}
}
