/* The domains xend manages (xend/managed.c) and xm rename (xend/rename.c),
 * request by request as xm sends them: xm new keeps a definition on disk
 * and lists it with no ID; a running domain of its UUID hides it and keeps
 * it from xm start and xm delete; when that domain goes the definition is
 * listed again; xm delete forgets it; a new xend reads the definitions
 * back; names are never shared; rename follows the name everywhere. The
 * rest of xend (starting VMMs, XenStore) is stubbed here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"
#include "xend.h"

#include "scratch_dir.h"

struct xend xend;

/* ---- the rest of xend, stubbed ---- */

static int uuids_made;
void make_uuid(char out[37])
{
	snprintf(out, 37, "00000000-0000-4000-8000-%012d", ++uuids_made);
}

bool domain_config_check(json_t *config, char *err, size_t errlen)
{
	if (json_integer_value(json_object_get(config, "memory")) < 16) {
		snprintf(err, errlen, "memory %lld MiB or vcpus out of range",
			 (long long)json_integer_value(json_object_get(config, "memory")));
		return false;
	}
	return true;
}

struct xdomain *domain_find(const char *name_or_id)
{
	for (struct xdomain *d = xend.domains; d; d = d->next)
		if (strcmp(d->name, name_or_id) == 0 || (unsigned)atoi(name_or_id) == d->domid)
			return d;
	return NULL;
}

/* A domain as domain_create makes one: its name and UUID from the config. */
static struct xdomain *add_domain(json_t *config, uint32_t domid)
{
	struct xdomain *d = calloc(1, sizeof(*d));
	d->domid = domid;
	d->watch_fd = -1;
	snprintf(d->name, sizeof(d->name), "%s", json_string_value(json_object_get(config, "name")));
	const char *uuid = json_string_value(json_object_get(config, "uuid"));
	if (uuid)
		snprintf(d->uuid, sizeof(d->uuid), "%s", uuid);
	else
		make_uuid(d->uuid);
	snprintf(d->state, sizeof(d->state), "running");
	d->config = json_deep_copy(config);
	d->next = xend.domains;
	xend.domains = d;
	return d;
}

static void remove_domain(struct xdomain *d)
{
	for (struct xdomain **link = &xend.domains; *link; link = &(*link)->next) {
		if (*link == d) {
			*link = d->next;
			break;
		}
	}
	json_decref(d->config);
	free(d);
}

static bool started_paused;
struct xdomain *domain_create(json_t *config, bool paused, char *err, size_t errlen)
{
	started_paused = paused;
	return add_domain(config, 7);
}

static int records_saved;
void domain_save_record(const struct xdomain *d)
{
	records_saved++;
}

static char store_paths[2][128], store_values[2][128];
int store_write_paths(const struct store_node *nodes, size_t n)
{
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		snprintf(store_paths[i], sizeof(store_paths[i]), "%s", nodes[i].name);
		snprintf(store_values[i], sizeof(store_values[i]), "%s", nodes[i].value);
	}
	return 0;
}

/* ---- requests, as xm sends them ---- */

/* xend's state folder is the test's own. */
static int setup(void **state)
{
	xend.state_dir = scratch_dir;
	return scratch_setup(state);
}

static int teardown(void **state)
{
	while (xend.domains)
		remove_domain(xend.domains);
	return scratch_teardown(state);
}

/* Hands `request` (consumed) to `handler`; its reply. */
static json_t *ask(request_handler *handler, json_t *request)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	handler(sv[0], NULL, request);
	json_t *reply = NULL;
	assert_int_equal(control_recv(sv[1], &reply, NULL, NULL), 1);
	close(sv[0]);
	close(sv[1]);
	json_decref(request);
	return reply;
}

/* The reply's error ("" if it succeeded), kept until the next call. */
static const char *error_of(request_handler *handler, json_t *request)
{
	static char text[512];
	json_t *reply = ask(handler, request);
	const char *e = json_string_value(json_object_get(reply, "error"));
	snprintf(text, sizeof(text), "%s", json_is_true(json_object_get(reply, "ok")) ? "" : e ? e : "?");
	json_decref(reply);
	return text;
}

static json_t *config_named(const char *name)
{
	return json_pack("{s:s, s:i, s:i, s:i, s:s, s:s}", "name", name, "memory", 256, "maxmem", 512, "vcpus", 2,
			 "kernel", "/boot/vmlinuz", "on_poweroff", "destroy");
}

static json_t *new_request(json_t *config)
{
	return json_pack("{s:s, s:o}", "op", "new", "config", config);
}

static json_t *named(const char *op, const char *domain)
{
	return json_pack("{s:s, s:s}", "op", op, "domain", domain);
}

/* The managed domains not running, as list shows them. */
static json_t *inactive(void)
{
	json_t *list = json_array();
	managed_list_inactive(list);
	return list;
}

static json_t *inactive_named(const char *name)
{
	json_t *list = inactive();
	size_t i;
	json_t *d, *found = NULL;
	json_array_foreach(list, i, d)
		if (strcmp(json_string_value(json_object_get(d, "name")), name) == 0)
			found = json_incref(d);
	json_decref(list);
	return found;
}

/* The UUID xend gave the inactive domain `name`. */
static void inactive_uuid(const char *name, char uuid[37])
{
	json_t *d = inactive_named(name);
	assert_non_null(d);
	snprintf(uuid, 37, "%s", json_string_value(json_object_get(d, "uuid")));
	json_decref(d);
}

static bool has_inactive(const char *name)
{
	json_t *d = inactive_named(name);
	json_decref(d);
	return d != NULL;
}

static char *definition_text(const char *uuid)
{
	char name[128];
	snprintf(name, sizeof(name), "domains/%s/config.json", uuid);
	return read_file(at(name));
}

/* A definition written by hand, as it would lie on the disk. */
static void write_definition(const char *uuid, const char *text)
{
	char name[128];
	snprintf(name, sizeof(name), "domains/%s", uuid);
	assert_int_equal(mkdir(at(name), 0755), 0);
	snprintf(name, sizeof(name), "domains/%s/config.json", uuid);
	write_file(at(name), text);
}

static void test_new_keeps_and_lists_a_domain_not_started(void **state)
{
	(void)state;
	json_t *reply = ask(do_new, new_request(config_named("web")));
	assert_true(json_is_true(json_object_get(reply, "ok")));
	const char *uuid = json_string_value(json_object_get(reply, "uuid"));
	assert_non_null(uuid);
	assert_null(xend.domains); /* not started */

	char *text = definition_text(uuid);
	assert_non_null(text);
	json_t *kept = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(kept, "name")), "web");
	assert_string_equal(json_string_value(json_object_get(kept, "uuid")), uuid);
	json_decref(kept);
	free(text);

	json_t *d = inactive_named("web");
	assert_non_null(d);
	assert_null(json_object_get(d, "domid"));
	assert_string_equal(json_string_value(json_object_get(d, "state")), "------");
	assert_int_equal(json_integer_value(json_object_get(d, "memory")), 256);
	assert_int_equal(json_integer_value(json_object_get(d, "maxmem")), 512);
	assert_int_equal(json_integer_value(json_object_get(d, "vcpus")), 2);
	assert_true(json_real_value(json_object_get(d, "cpu_time")) == 0.0);
	assert_string_equal(json_string_value(json_object_get(d, "uuid")), uuid);
	assert_string_equal(json_string_value(json_object_get(d, "on_poweroff")), "destroy");
	json_decref(d);
	json_decref(reply);
}

static void test_new_checks_the_config_and_the_name(void **state)
{
	(void)state;
	json_t *bad = config_named("small");
	json_object_set_new(bad, "memory", json_integer(4));
	assert_string_equal(error_of(do_new, new_request(bad)), "memory 4 MiB or vcpus out of range");
	assert_string_equal(error_of(do_new, new_request(config_named("web"))),
			    "VM name 'web' already exists (a domain xend manages: xm start web starts it)");
	json_t *running = config_named("db");
	add_domain(running, 5);
	json_decref(running);
	assert_string_equal(error_of(do_new, new_request(config_named("db"))), "VM name 'db' already exists as domain 5");
	assert_string_equal(error_of(do_new, new_request(config_named("Domain-0"))),
			    "VM name 'Domain-0' already exists as domain 0");
	json_t *odd = config_named("odd");
	json_object_set_new(odd, "uuid", json_string("../../../../etc/passwd-0000-0000-000000"));
	assert_string_equal(error_of(do_new, new_request(odd)),
			    "uuid '../../../../etc/passwd-0000-0000-000000' is not 8-4-4-4-12 hex digits");
	assert_false(has_inactive("small"));
	assert_false(has_inactive("odd"));
	remove_domain(domain_find("db"));
}

static void test_new_with_the_same_uuid_replaces_the_config(void **state)
{
	(void)state;
	char uuid[37];
	inactive_uuid("web", uuid);
	json_t *again = config_named("web");
	json_object_set_new(again, "uuid", json_string(uuid));
	json_object_set_new(again, "memory", json_integer(384));
	assert_string_equal(error_of(do_new, new_request(again)), "");
	json_t *web = inactive_named("web");
	assert_int_equal(json_integer_value(json_object_get(web, "memory")), 384);
	json_decref(web);
	json_t *all = inactive();
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);

	/* Replaced in place, nothing left aside; and a replacement that cannot
	 * be written (a folder where it would go aside) leaves the old whole. */
	char aside[128];
	snprintf(aside, sizeof(aside), "domains/%s/config.json.new", uuid);
	struct stat st;
	assert_int_not_equal(stat(at(aside), &st), 0);
	assert_int_equal(mkdir(at(aside), 0755), 0);
	json_t *blocked = config_named("web");
	json_object_set_new(blocked, "uuid", json_string(uuid));
	json_object_set_new(blocked, "memory", json_integer(512));
	assert_non_null(strstr(error_of(do_new, new_request(blocked)), "cannot keep the domain's definition in "));
	assert_int_equal(rmdir(at(aside)), 0);
	char *text = definition_text(uuid);
	json_t *kept = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(kept, "memory")), 384);
	json_decref(kept);
	free(text);
}

static void test_start_runs_it_and_its_end_lists_it_again(void **state)
{
	(void)state;
	char uuid[37];
	inactive_uuid("web", uuid);

	json_t *reply = ask(do_start, json_pack("{s:s, s:s, s:b}", "op", "start", "domain", "web", "paused", 1));
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_int_equal(json_integer_value(json_object_get(reply, "domid")), 7);
	json_decref(reply);
	assert_true(started_paused);
	struct xdomain *d = domain_find("web");
	assert_non_null(d);
	assert_string_equal(d->uuid, uuid); /* the same domain, each time */
	assert_false(has_inactive("web"));

	assert_string_equal(error_of(do_start, named("start", "web")), "Domain 'web' is already running (domain 7)");
	assert_string_equal(error_of(do_delete, named("delete", "web")),
			    "Domain 'web' is not halted: it is running (domain 7)");
	snprintf(d->state, sizeof(d->state), "shutdown"); /* preserved */
	assert_string_equal(error_of(do_delete, named("delete", "web")),
			    "Domain 'web' has shut down but is kept as domain 7: xm destroy it first");

	remove_domain(d); /* it ended: destroyed, or on_poweroff = destroy */
	json_t *back = inactive_named("web");
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "uuid")), uuid);
	json_decref(back);
}

static void test_domains_not_managed_cannot_be_started_or_deleted(void **state)
{
	(void)state;
	assert_string_equal(error_of(do_start, named("start", "nosuch")), "Domain 'nosuch' does not exist.");
	assert_string_equal(error_of(do_delete, named("delete", "nosuch")), "Domain 'nosuch' does not exist.");
	json_t *config = config_named("made");
	add_domain(config, 9);
	json_decref(config);
	assert_string_equal(error_of(do_start, named("start", "made")), "Domain 'made' is already running (domain 9)");
	assert_string_equal(error_of(do_delete, named("delete", "made")),
			    "Domain 'made' is not halted: it is running (domain 9)");
	/* xm create of a name a managed domain has: refused, as Xen did. */
	char err[256];
	assert_false(managed_name_check("web", "00000000-0000-4000-8000-999999999999", err, sizeof(err)));
	remove_domain(domain_find("made"));
}

static void test_a_new_xend_reads_the_definitions_back(void **state)
{
	(void)state;
	/* One written by hand, and one that is not a definition at all. */
	write_definition("11111111-2222-4333-8444-555555555555",
			 "{\"name\": \"mail\", \"uuid\": \"11111111-2222-4333-8444-555555555555\","
			 " \"memory\": 64, \"vcpus\": 1}");
	write_definition("11111111-2222-4333-8444-666666666666", "{\"name\": \"broken\"");

	managed_load_all();
	json_t *mail = inactive_named("mail");
	assert_non_null(mail);
	assert_int_equal(json_integer_value(json_object_get(mail, "memory")), 64);
	json_decref(mail);
	assert_false(has_inactive("broken"));
	assert_true(has_inactive("web")); /* read once, not twice */
	json_t *all = inactive();
	assert_int_equal(json_array_size(all), 2);
	/* By name. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "name")), "mail");
	json_decref(all);
}

static void test_rename_of_a_domain_not_running(void **state)
{
	(void)state;
	assert_string_equal(error_of(do_rename, json_pack("{s:s, s:s, s:s}", "op", "rename", "domain", "mail", "name",
							  "web")),
			    "VM name 'web' already exists (a domain xend manages: xm start web starts it)");
	assert_string_equal(error_of(do_rename, json_pack("{s:s, s:s, s:s}", "op", "rename", "domain", "mail", "name",
							  "a/b")),
			    "'a/b' is not a domain name: 1 to 64 letters, digits, '_', '.' or '-', not starting with '.' or '-'");
	assert_string_equal(error_of(do_rename, json_pack("{s:s, s:s, s:s}", "op", "rename", "domain", "nosuch",
							  "name", "x")),
			    "Domain 'nosuch' does not exist.");
	assert_string_equal(error_of(do_rename, json_pack("{s:s, s:s, s:s}", "op", "rename", "domain", "mail", "name",
							  "post")),
			    "");
	assert_false(has_inactive("mail"));
	assert_true(has_inactive("post"));
	char *text = definition_text("11111111-2222-4333-8444-555555555555");
	assert_non_null(strstr(text, "\"post\""));
	free(text);
}

static void test_rename_of_a_running_domain_follows_the_name(void **state)
{
	(void)state;
	assert_string_equal(error_of(do_start, named("start", "post")), "");
	struct xdomain *d = domain_find("post");
	assert_non_null(d);
	int saved = records_saved;
	assert_string_equal(error_of(do_rename, json_pack("{s:s, s:s, s:s}", "op", "rename", "domain", "7", "name",
							  "letters")),
			    "");
	assert_string_equal(d->name, "letters");
	assert_string_equal(json_string_value(json_object_get(d->config, "name")), "letters");
	assert_int_equal(records_saved, saved + 1);
	assert_string_equal(store_paths[0], "/local/domain/7/name");
	assert_string_equal(store_paths[1], "/vm/11111111-2222-4333-8444-555555555555/name");
	assert_string_equal(store_values[0], "letters");
	assert_string_equal(store_values[1], "letters");
	char *text = definition_text("11111111-2222-4333-8444-555555555555");
	assert_non_null(strstr(text, "\"letters\""));
	free(text);
	remove_domain(d);
	assert_true(has_inactive("letters"));
}

static void test_delete_forgets_it(void **state)
{
	(void)state;
	char uuid[37];
	inactive_uuid("web", uuid);
	assert_string_equal(error_of(do_delete, named("delete", "web")), "");
	assert_false(has_inactive("web"));
	assert_null(definition_text(uuid));
	char name[128];
	struct stat st;
	snprintf(name, sizeof(name), "domains/%s", uuid);
	assert_int_not_equal(stat(at(name), &st), 0);
	/* Its name is free again. */
	assert_string_equal(error_of(do_new, new_request(config_named("web"))), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_keeps_and_lists_a_domain_not_started),
		cmocka_unit_test(test_new_checks_the_config_and_the_name),
		cmocka_unit_test(test_new_with_the_same_uuid_replaces_the_config),
		cmocka_unit_test(test_start_runs_it_and_its_end_lists_it_again),
		cmocka_unit_test(test_domains_not_managed_cannot_be_started_or_deleted),
		cmocka_unit_test(test_a_new_xend_reads_the_definitions_back),
		cmocka_unit_test(test_rename_of_a_domain_not_running),
		cmocka_unit_test(test_rename_of_a_running_domain_follows_the_name),
		cmocka_unit_test(test_delete_forgets_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
