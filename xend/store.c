/* Each domain's XenStore tree, laid out as Xen's toolstack lays it out
 * (docs/misc/xenstore-paths): /local/domain/ID, owned by dom0 and readable
 * by the domain, with the nodes the guest writes (control/shutdown, the
 * feature flags, data, ...) its own; and /vm/UUID for the domain's
 * configuration. Written through Xen's own libxenstore. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "log.h"
#include "xend.h"

static struct xs_handle *xsh;

/* Starts xenstored, logging to xenstored.log beside xend's log. It detaches
 * once its sockets are ready, so the caller may connect at once. */
static int start_xenstored(char *err, size_t errlen)
{
	const char *prog = xend.xenstored_path;
	if (!prog) {
		snprintf(err, errlen, "xenstored is not running and cannot be found");
		return -1;
	}
	char log_path[PATH_MAX];
	snprintf(log_path, sizeof(log_path), "%s/xenstored.log", xend.log_dir);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execl(prog, prog, (char *)NULL);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "starting xenstored (%s) failed; see %s", prog, log_path);
		return -1;
	}
	log_info("started xenstored");
	return 0;
}

/* Whether the connection still reaches a xenstored: a restarted one left
 * ours closed. Reading the root is the cheapest request there is. */
static bool connection_alive(void)
{
	unsigned len;
	void *root = xs_read(xsh, XBT_NULL, "/", &len);
	free(root);
	return root != NULL;
}

int store_open(char *err, size_t errlen)
{
	err[0] = '\0';
	if (xsh && connection_alive())
		return 0;
	if (xsh) {
		log_warn("lost the connection to xenstored; connecting again");
		xs_close(xsh);
	}
	xsh = xs_open(XS_OPEN_SOCKETONLY);
	if (!xsh && start_xenstored(err, errlen) == 0)
		xsh = xs_open(XS_OPEN_SOCKETONLY);
	if (!xsh) {
		if (!*err)
			snprintf(err, errlen, "cannot reach xenstored: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool put(xs_transaction_t t, const char *path, const char *value,
		const struct xs_permissions *perms, unsigned nperms)
{
	if (value ? !xs_write(xsh, t, path, value, strlen(value)) : !xs_mkdir(xsh, t, path))
		return false;
	return !perms || xs_set_permissions(xsh, t, path, (struct xs_permissions *)perms, nperms);
}

static bool put_tree(xs_transaction_t t, const struct xdomain *d, uint64_t store_gfn, uint32_t store_port,
		     uint64_t console_gfn, uint32_t console_port)
{
	char home[64], vm[64], path[160], value[64];
	snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
	snprintf(vm, sizeof(vm), "/vm/%s", d->uuid);
	/* The domain reads its tree; it writes only what is its own. */
	const struct xs_permissions ro[] = { { 0, XS_PERM_NONE }, { d->domid, XS_PERM_READ } };
	const struct xs_permissions rw[] = { { d->domid, XS_PERM_NONE } };

	xs_rm(xsh, t, home);
	xs_rm(xsh, t, vm);
	if (!put(t, home, NULL, ro, 2) || !put(t, vm, NULL, ro, 2))
		return false;

#define AT(fmt, ...) (snprintf(path, sizeof(path), "%s/" fmt, home, ##__VA_ARGS__), path)
#define NUM(n) (snprintf(value, sizeof(value), "%llu", (unsigned long long)(n)), value)
	bool ok = put(t, AT("name"), d->name, NULL, 0) && put(t, AT("domid"), NUM(d->domid), NULL, 0) &&
		  put(t, AT("vm"), vm, NULL, 0) &&
		  put(t, AT("memory/target"), NUM(d->memory_mb * 1024), NULL, 0) &&
		  /* The memory the guest boots with, not maxmem: Linux's
		   * balloon in a PVH guest takes static-max less the pages it
		   * found at boot off every target it reads. */
		  put(t, AT("memory/static-max"), NUM(d->memory_mb * 1024), NULL, 0) &&
		  put(t, AT("store/port"), NUM(store_port), NULL, 0) &&
		  put(t, AT("store/ring-ref"), NUM(store_gfn), NULL, 0) &&
		  put(t, AT("console/port"), NUM(console_port), NULL, 0) &&
		  put(t, AT("console/ring-ref"), NUM(console_gfn), NULL, 0) &&
		  put(t, AT("console/type"), "xenconsoled", NULL, 0) &&
		  put(t, AT("console/tty"), d->tty, NULL, 0) && put(t, AT("device"), NULL, ro, 2) &&
		  put(t, AT("control"), NULL, ro, 2) && put(t, AT("control/shutdown"), "", rw, 1) &&
		  put(t, AT("control/sysrq"), "", rw, 1) && put(t, AT("data"), NULL, rw, 1) &&
		  put(t, AT("drivers"), NULL, rw, 1) && put(t, AT("feature"), NULL, rw, 1) &&
		  put(t, AT("attr"), NULL, rw, 1) && put(t, AT("error"), NULL, rw, 1);
	static const char *const features[] = { "feature-poweroff", "feature-reboot", "feature-suspend",
						"feature-sysrq", "feature-s3", "feature-s4" };
	for (size_t i = 0; ok && i < sizeof(features) / sizeof(features[0]); i++)
		ok = put(t, AT("control/%s", features[i]), "", rw, 1);
	for (unsigned i = 0; ok && i < d->vcpus; i++)
		ok = put(t, AT("cpu/%u/availability", i), i < d->online_vcpus ? "online" : "offline", NULL, 0);
#undef AT
#define AT(fmt, ...) (snprintf(path, sizeof(path), "%s/" fmt, vm, ##__VA_ARGS__), path)
	ok = ok && put(t, AT("uuid"), d->uuid, NULL, 0) && put(t, AT("name"), d->name, NULL, 0) &&
	     put(t, AT("memory"), NUM(d->memory_mb), NULL, 0) &&
	     put(t, AT("maxmem"), NUM(d->maxmem_mb), NULL, 0) && put(t, AT("vcpus"), NUM(d->vcpus), NULL, 0) &&
	     put(t, AT("start_time"), NUM(d->start_time), NULL, 0);
#undef AT
#undef NUM
	return ok;
}

/* Runs `fill` in one transaction, again while another commit got in first.
 * 0, or -1 with errno set. */
static int in_transaction(bool (*fill)(xs_transaction_t t, const void *arg), const void *arg)
{
	for (int attempt = 0; attempt < 10; attempt++) {
		xs_transaction_t t = xs_transaction_start(xsh);
		if (t == XBT_NULL)
			return -1;
		if (!fill(t, arg)) {
			int e = errno;
			xs_transaction_end(xsh, t, true);
			errno = e;
			return -1;
		}
		if (xs_transaction_end(xsh, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

struct domain_tree {
	const struct xdomain *d;
	uint64_t store_gfn, console_gfn;
	uint32_t store_port, console_port;
};

static bool fill_domain_tree(xs_transaction_t t, const void *arg)
{
	const struct domain_tree *tree = arg;
	return put_tree(t, tree->d, tree->store_gfn, tree->store_port, tree->console_gfn, tree->console_port);
}

int store_make_domain(const struct xdomain *d, uint64_t store_gfn, uint32_t store_port,
		      uint64_t console_gfn, uint32_t console_port, char *err, size_t errlen)
{
	if (store_open(err, errlen) < 0)
		return -1;
	const struct domain_tree tree = { d, store_gfn, console_gfn, store_port, console_port };
	if (in_transaction(fill_domain_tree, &tree) < 0) {
		snprintf(err, errlen, "writing domain %u's XenStore tree: %s", d->domid, strerror(errno));
		return -1;
	}
	return 0;
}

int store_introduce(const struct xdomain *d, uint64_t gfn, uint32_t port, char *err, size_t errlen)
{
	if (store_open(err, errlen) < 0)
		return -1;
	if (!xs_introduce_domain(xsh, d->domid, gfn, port)) {
		snprintf(err, errlen, "xenstored refused to introduce domain %u: %s", d->domid, strerror(errno));
		return -1;
	}
	return 0;
}

int store_write(const struct xdomain *d, const char *rel_path, const char *value)
{
	char err[128], path[160];
	if (store_open(err, sizeof(err)) < 0)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/%s", d->domid, rel_path);
	return xs_write(xsh, XBT_NULL, path, value, strlen(value)) ? 0 : -1;
}

struct node_list {
	const struct store_node *nodes;
	size_t n;
};

static bool fill_nodes(xs_transaction_t t, const void *arg)
{
	const struct node_list *l = arg;
	for (size_t i = 0; i < l->n; i++)
		if (!put(t, l->nodes[i].name, l->nodes[i].value, NULL, 0))
			return false;
	return true;
}

int store_write_paths(const struct store_node *nodes, size_t n)
{
	char err[128];
	if (store_open(err, sizeof(err)) < 0)
		return -1;
	const struct node_list l = { nodes, n };
	return in_transaction(fill_nodes, &l);
}

void store_forget_domain(const struct xdomain *d)
{
	char err[128], path[64];
	if (store_open(err, sizeof(err)) < 0) {
		log_warn("domain %u: %s", d->domid, err);
		return;
	}
	xs_release_domain(xsh, d->domid); /* fails harmlessly if never introduced */
	snprintf(path, sizeof(path), "/local/domain/%u", d->domid);
	xs_rm(xsh, XBT_NULL, path);
	snprintf(path, sizeof(path), "/vm/%s", d->uuid);
	xs_rm(xsh, XBT_NULL, path);
	/* Its devices' backends, which dom0 serves. */
	static const char *const classes[] = { "vbd", "vif" };
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", classes[i], d->domid);
		xs_rm(xsh, XBT_NULL, path);
	}
}

/* The permissions a folder's owner and reader make. */
static unsigned folder_perms(const struct store_folder *f, struct xs_permissions perms[2])
{
	perms[0] = (struct xs_permissions){ .id = f->owner, .perms = XS_PERM_NONE };
	perms[1] = (struct xs_permissions){ .id = f->reader, .perms = XS_PERM_READ };
	return f->reader == f->owner ? 1 : 2;
}

static bool fill_folder(xs_transaction_t t, const void *arg)
{
	const struct store_folder *f = arg;
	struct xs_permissions perms[2];
	unsigned nperms = folder_perms(f, perms);
	if (f->parent) {
		unsigned len;
		char *there = xs_read(xsh, t, f->parent, &len);
		free(there);
		if (!there && !put(t, f->parent, NULL, perms, nperms))
			return false;
	}
	xs_rm(xsh, t, f->path);
	if (!put(t, f->path, NULL, perms, nperms))
		return false;
	for (size_t i = 0; i < f->nnodes; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", f->path, f->nodes[i].name);
		if (!put(t, path, f->nodes[i].value, NULL, 0)) /* the folder's permissions, inherited */
			return false;
	}
	return true;
}

int store_put_folder(const struct store_folder *f, char *err, size_t errlen)
{
	if (store_open(err, errlen) < 0)
		return -1;
	if (in_transaction(fill_folder, f) < 0) {
		snprintf(err, errlen, "writing %s in XenStore: %s", f->path, strerror(errno));
		return -1;
	}
	return 0;
}

struct paths {
	const char *const *paths;
	size_t n;
};

static bool fill_removal(xs_transaction_t t, const void *arg)
{
	const struct paths *p = arg;
	for (size_t i = 0; i < p->n; i++)
		if (!xs_rm(xsh, t, p->paths[i]) && errno != ENOENT)
			return false;
	return true;
}

int store_remove(const char *const *paths, size_t n)
{
	char err[128];
	if (store_open(err, sizeof(err)) < 0)
		return -1;
	const struct paths p = { paths, n };
	return in_transaction(fill_removal, &p);
}

char *store_read(const char *path)
{
	char err[128];
	unsigned len;
	return store_open(err, sizeof(err)) < 0 ? NULL : xs_read(xsh, XBT_NULL, path, &len);
}

char **store_list(const char *path, unsigned *n)
{
	char err[128];
	*n = 0;
	return store_open(err, sizeof(err)) < 0 ? NULL : xs_directory(xsh, XBT_NULL, path, n);
}
