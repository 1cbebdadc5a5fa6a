/* The domains xend manages: Xen 3.1's lifecycle (xm new, start, delete).
 * Each is a definition, the config xm new sent with its UUID, kept in
 * /var/lib/xend/domains/UUID/config.json (Xen kept UUID/config.sxp there).
 * The domain runs as the xdomain of the same UUID, so whatever ends that
 * (on_poweroff = destroy, xm destroy, a crash) leaves the definition,
 * inactive, for xm start to make the same domain again. The records of
 * running domains (domain.c's UUID.json beside these folders) are apart:
 * a new xend takes a running managed domain back as any other. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "xend.h"

struct managed {
	char uuid[37];
	json_t *config;        /* its "name" is the domain's, its "uuid" the above */
	struct managed *next;
};

static struct managed *definitions;

static const char *name_of(const struct managed *m)
{
	return json_string_value(json_object_get(m->config, "name"));
}

static struct managed *find(const char *name_or_uuid)
{
	for (struct managed *m = definitions; m; m = m->next)
		if (strcmp(name_of(m), name_or_uuid) == 0 || strcmp(m->uuid, name_or_uuid) == 0)
			return m;
	return NULL;
}

static struct managed *find_uuid(const char *uuid)
{
	for (struct managed *m = definitions; m; m = m->next)
		if (strcmp(m->uuid, uuid) == 0)
			return m;
	return NULL;
}

/* The domain running as the definition, if it runs (or has shut down and
 * is kept, preserved). */
static struct xdomain *running(const struct managed *m)
{
	for (struct xdomain *d = xend.domains; d; d = d->next)
		if (strcmp(d->uuid, m->uuid) == 0)
			return d;
	return NULL;
}

static void definition_path(const char *uuid, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, "%s/domains/%s%s%s", xend.state_dir, uuid, file ? "/" : "", file ? file : "");
}

/* Durably: a crash or a power cut never leaves half a definition, nor an
 * empty one that would lose the domain. */
static int save(const char *uuid, json_t *config, char *err, size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX];
	definition_path(uuid, NULL, dir, sizeof(dir));
	definition_path(uuid, "config.json", path, sizeof(path));
	if (make_folders(dir) < 0 || json_save_durably(config, path) < 0) {
		snprintf(err, errlen, "cannot keep the domain's definition in %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static struct managed *add(const char *uuid, json_t *config)
{
	struct managed *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	snprintf(m->uuid, sizeof(m->uuid), "%.36s", uuid);
	m->config = config;
	m->next = definitions;
	definitions = m;
	return m;
}

static void forget(struct managed *m)
{
	char path[PATH_MAX];
	definition_path(m->uuid, "config.json", path, sizeof(path));
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("domain %s: cannot remove its definition %s: %s", name_of(m), path, strerror(errno));
	definition_path(m->uuid, NULL, path, sizeof(path));
	rmdir(path);
	for (struct managed **link = &definitions; *link; link = &(*link)->next) {
		if (*link == m) {
			*link = m->next;
			break;
		}
	}
	json_decref(m->config);
	free(m);
}

/* One definition from its folder; a malformed one is left there, said. */
static void load(const char *dir, const char *uuid)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s/config.json", dir, uuid) >= (int)sizeof(path))
		return;
	json_error_t jerr;
	json_t *config = json_load_file(path, 0, &jerr);
	const char *name = json_string_value(json_object_get(config, "name"));
	const char *own = json_string_value(json_object_get(config, "uuid"));
	if (!json_is_object(config) || !name || !*name || !own || strcmp(own, uuid) != 0 || find(name)) {
		log_warn("the managed domain's definition %s is %s; ignored", path,
			 !config ? jerr.text : name && find(name) ? "a second domain of its name" : "malformed");
		json_decref(config);
		return;
	}
	if (!add(uuid, config)) {
		log_err("%s: out of memory", path);
		json_decref(config);
		return;
	}
	log_debug("managed domain %s (%s) defined", name, uuid);
}

void managed_load_all(void)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/domains", xend.state_dir);
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	struct dirent *e;
	while ((e = readdir(dh)))
		if (domain_uuid_valid(e->d_name, NULL, 0)) /* UUID.json, a running domain's record, is not */
			load(dir, e->d_name);
	closedir(dh);
}

const char *managed_uuid(const char *name_or_uuid)
{
	struct managed *m = find(name_or_uuid);
	return m ? m->uuid : NULL;
}

bool managed_name_check(const char *name, const char *uuid, char *err, size_t errlen)
{
	if (strcmp(name, "Domain-0") == 0) {
		snprintf(err, errlen, "VM name '%s' already exists as domain 0", name);
		return false;
	}
	for (struct xdomain *d = xend.domains; d; d = d->next) {
		if (strcmp(d->name, name) == 0 && strcmp(d->uuid, uuid) != 0) {
			snprintf(err, errlen, "VM name '%s' already exists as domain %u", name, d->domid);
			return false;
		}
	}
	struct managed *m = find(name);
	if (m && strcmp(m->uuid, uuid) != 0) {
		snprintf(err, errlen, "VM name '%s' already exists (a domain xend manages: xm start %s starts it)", name,
			 name);
		return false;
	}
	return true;
}

int managed_rename(const char *uuid, const char *name, char *err, size_t errlen)
{
	struct managed *m = find_uuid(uuid);
	if (!m)
		return 0;
	json_t *config = json_deep_copy(m->config);
	if (!config) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_object_set_new(config, "name", json_string(name));
	if (save(uuid, config, err, errlen) < 0) {
		json_decref(config);
		return -1;
	}
	json_decref(m->config);
	m->config = config;
	return 0;
}

/* As list describes a domain, for one that is not running: Xen's xm list
 * showed it with no ID, state ------ and no CPU time. */
static json_t *describe_inactive(const struct managed *m)
{
	json_t *c = m->config;
	json_int_t memory = json_integer_value(json_object_get(c, "memory"));
	json_int_t maxmem = json_integer_value(json_object_get(c, "maxmem"));
	json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s, s:f, s:O}", "name", name_of(m), "uuid", m->uuid,
			      "memory", memory, "maxmem", maxmem > memory ? maxmem : memory, "vcpus",
			      json_integer_value(json_object_get(c, "vcpus")), "state", "------", "cpu_time", 0.0,
			      "config", c);
	static const char *const on[] = { "on_poweroff", "on_reboot", "on_crash" };
	for (size_t i = 0; j && i < sizeof(on) / sizeof(on[0]); i++)
		if (json_is_string(json_object_get(c, on[i])))
			json_object_set(j, on[i], json_object_get(c, on[i]));
	return j;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(name_of(*(struct managed *const *)a), name_of(*(struct managed *const *)b));
}

void managed_list_inactive(json_t *list)
{
	size_t n = 0;
	for (struct managed *m = definitions; m; m = m->next)
		n++;
	struct managed **inactive = calloc(n ? n : 1, sizeof(*inactive));
	if (!inactive)
		return;
	n = 0;
	for (struct managed *m = definitions; m; m = m->next)
		if (!running(m))
			inactive[n++] = m;
	qsort(inactive, n, sizeof(*inactive), by_name);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, describe_inactive(inactive[i]));
	free(inactive);
}

/* ---- xm's requests ---- */

void do_new(int fd, struct xdomain *unused, json_t *req)
{
	json_t *config = json_object_get(req, "config");
	char err[512];
	if (!json_is_object(config)) {
		control_reply_error(fd, "new needs a domain's config");
		return;
	}
	if (!domain_config_check(config, err, sizeof(err))) {
		control_reply_error(fd, "%s", err);
		return;
	}
	const char *name = json_string_value(json_object_get(config, "name"));
	const char *given = json_string_value(json_object_get(config, "uuid"));
	char uuid[37];
	if (given && !domain_uuid_valid(given, err, sizeof(err))) {
		control_reply_error(fd, "%s", err);
		return;
	}
	if (given)
		snprintf(uuid, sizeof(uuid), "%s", given);
	else
		make_uuid(uuid);
	if (!managed_name_check(name, uuid, err, sizeof(err))) {
		control_reply_error(fd, "%s", err);
		return;
	}
	json_t *copy = json_deep_copy(config);
	if (!copy || json_object_set_new(copy, "uuid", json_string(uuid)) < 0 || save(uuid, copy, err, sizeof(err)) < 0) {
		control_reply_error(fd, "%s", copy ? err : "out of memory");
		json_decref(copy);
		return;
	}
	/* The same UUID again (its config names it): the new config replaces
	 * the old, from the domain's next start, as Xen's xm new did. */
	struct managed *m = find_uuid(uuid);
	if (m) {
		json_decref(m->config);
		m->config = copy;
		log_info("managed domain %s (%s): its config replaced", name, uuid);
	} else if (!add(uuid, copy)) {
		json_decref(copy);
		control_reply_error(fd, "out of memory");
		return;
	} else {
		log_info("domain %s (%s) is now managed by xend", name, uuid);
	}
	control_reply_ok(fd, json_pack("{s:s, s:s}", "name", name, "uuid", uuid));
}

/* Refuses (replying) to act on a definition whose domain is there. */
static bool refuse_if_there(int fd, const char *what, struct xdomain *d)
{
	if (!d)
		return false;
	if (strcmp(d->state, "shutdown") == 0)
		control_reply_error(fd, "Domain '%s' has shut down but is kept as domain %u: xm destroy it first", d->name,
				    d->domid);
	else
		control_reply_error(fd, "Domain '%s' is %s (domain %u)", d->name, what, d->domid);
	return true;
}

void do_start(int fd, struct xdomain *unused, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "domain"));
	bool paused = json_is_true(json_object_get(req, "paused"));
	struct managed *m = name ? find(name) : NULL;
	if (refuse_if_there(fd, "already running", m ? running(m) : name ? domain_find(name) : NULL))
		return;
	if (!m) {
		control_reply_error(fd, "Domain '%s' does not exist.", name ? name : "");
		return;
	}
	char err[512] = "";
	struct xdomain *d = domain_create(m->config, paused, err, sizeof(err));
	if (!d)
		control_reply_error(fd, "%s", err[0] ? err : "the domain did not start");
	else
		control_reply_ok(fd, json_pack("{s:i, s:s}", "domid", (int)d->domid, "name", d->name));
}

void do_delete(int fd, struct xdomain *unused, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "domain"));
	struct managed *m = name ? find(name) : NULL;
	/* Xen's "Domain is not halted": a running one is shut down first. */
	if (refuse_if_there(fd, "not halted: it is running", m ? running(m) : name ? domain_find(name) : NULL))
		return;
	if (!m) {
		control_reply_error(fd, "Domain '%s' does not exist.", name ? name : "");
		return;
	}
	log_info("Domain %s (%s) deleted.", name_of(m), m->uuid);
	forget(m);
	control_reply_ok(fd, NULL);
}
