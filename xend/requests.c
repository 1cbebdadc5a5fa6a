/* xm's requests, each one JSON message on xend's socket, answered by one
 * reply: docs/xend-protocol.md documents every request and reply, and must
 * change with them. Each op's handler is in the table at the end; those of
 * a file of their own are declared in xend.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "control.h"
#include "credit.h"
#include "log.h"
#include "xend.h"

static const char *const on_names[] = { "destroy", "restart", "preserve", "rename-restart" };

/* Xen's six state letters: running, blocked, paused, shutdown, crashed, dying. */
static void state_letters(struct xdomain *d, json_t *info, char out[7])
{
	memcpy(out, "------", 7);
	if (strcmp(d->state, "shutdown") == 0) {
		bool crashed = strcmp(d->end_reason, "crash") == 0 || strcmp(d->end_reason, "watchdog") == 0;
		out[crashed ? 4 : 3] = crashed ? 'c' : 's';
	} else if (strcmp(d->state, "paused") == 0) {
		out[2] = 'p';
	} else if (info && json_is_true(json_object_get(info, "vcpu_running"))) {
		out[0] = 'r';
	} else {
		out[1] = 'b';
	}
}

static json_t *describe(struct xdomain *d)
{
	json_t *info = strcmp(d->state, "shutdown") == 0 ? NULL : domain_info(d);
	char letters[7];
	state_letters(d, info, letters);
	double cpu = (double)d->cpu_ns / 1e9;
	json_t *j = json_pack("{s:i, s:s, s:s, s:I, s:I, s:i, s:s, s:f, s:I, s:s, s:s, s:s, s:s, s:O}",
			      "domid", (int)d->domid, "name", d->name, "uuid", d->uuid, "memory",
			      (json_int_t)d->memory_mb, "maxmem", (json_int_t)d->maxmem_mb, "vcpus",
			      (int)d->vcpus, "state", letters, "cpu_time", cpu, "start_time",
			      (json_int_t)d->start_time, "on_poweroff", on_names[d->on_poweroff], "on_reboot",
			      on_names[d->on_reboot], "on_crash", on_names[d->on_crash], "tty", d->tty,
			      "config", d->config);
	json_object_set_new(j, "online_vcpus", json_integer(d->online_vcpus));
	json_object_set_new(j, "cpu_weight", json_integer(sched_weight_of(d)));
	json_object_set_new(j, "cpu_cap", json_integer(sched_cap_of(d)));
	/* Each disk's and vif's statistics, for xm list --long and xentop. */
	static const char *const lists[] = { "vbds", "vifs" };
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		json_t *list = json_object_get(info, lists[i]);
		if (json_is_array(list))
			json_object_set(j, lists[i], list);
	}
	json_decref(info);
	return j;
}

/* Domain-0 is the host itself. */
static json_t *describe_dom0(void)
{
	struct sysinfo si;
	sysinfo(&si);
	long hz = sysconf(_SC_CLK_TCK);
	double cpu = 0;
	FILE *f = fopen("/proc/stat", "r");
	if (f) {
		unsigned long long user, nice, sys;
		if (fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys) == 3)
			cpu = (double)(user + nice + sys) / (double)(hz > 0 ? hz : 100);
		fclose(f);
	}
	json_int_t mem = (json_int_t)((unsigned long long)si.totalram * si.mem_unit >> 20);
	return json_pack("{s:i, s:s, s:s, s:I, s:I, s:i, s:s, s:f, s:i, s:i}", "domid", 0, "name", "Domain-0",
			 "uuid", "00000000-0000-0000-0000-000000000000", "memory", mem, "maxmem", mem, "vcpus",
			 (int)sysconf(_SC_NPROCESSORS_ONLN), "state", "r-----", "cpu_time", cpu, "cpu_weight",
			 CREDIT_WEIGHT_DEFAULT, "cpu_cap", CREDIT_CAP_DEFAULT);
}

static void do_list(int fd)
{
	json_t *all = json_array();
	json_array_append_new(all, describe_dom0());
	/* By domain ID, as xm list prints them. */
	for (struct xdomain *d = domain_from(1); d; d = domain_from(d->domid + 1))
		json_array_append_new(all, describe(d));
	managed_list_inactive(all); /* no ID: after those that run, by name */
	control_reply_ok(fd, json_pack("{s:o}", "domains", all));
}

static struct xdomain *target(int fd, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "domain"));
	struct xdomain *d = name ? domain_find(name) : NULL;
	if (!d && name && managed_uuid(name))
		control_reply_error(fd, "Domain '%s' is not running (xm start %s starts it).", name, name);
	else if (!d)
		control_reply_error(fd, "Domain '%s' does not exist.", name ? name : "");
	return d;
}

static void do_block_attach(int fd, struct xdomain *d, json_t *req)
{
	const char *disk = json_string_value(json_object_get(req, "disk"));
	char err[512];
	uint32_t devid;
	if (!disk)
		control_reply_error(fd, "block-attach needs a disk (\"disk\": \"file:/srv/a.img,xvdb,w\")");
	else if (vbd_attach(d, disk, &devid, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, json_pack("{s:I}", "devid", (json_int_t)devid));
}

static void do_block_detach(int fd, struct xdomain *d, json_t *req)
{
	const char *dev = json_string_value(json_object_get(req, "dev"));
	bool force = json_is_true(json_object_get(req, "force"));
	char err[512];
	if (!dev)
		control_reply_error(fd, "block-detach needs a device (\"dev\": \"xvdb\")");
	else if (vbd_detach(d, dev, force, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, NULL);
}

static void do_network_attach(int fd, struct xdomain *d, json_t *req)
{
	const char *vif = json_string_value(json_object_get(req, "vif"));
	char err[512];
	uint32_t devid;
	if (!vif)
		control_reply_error(fd, "network-attach needs a vif (\"vif\": \"bridge=xenbr0\")");
	else if (vif_attach(d, vif, &devid, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, json_pack("{s:I}", "devid", (json_int_t)devid));
}

static void do_network_detach(int fd, struct xdomain *d, json_t *req)
{
	json_t *devid = json_object_get(req, "devid");
	bool force = json_is_true(json_object_get(req, "force"));
	char err[512];
	if (!json_is_integer(devid) || json_integer_value(devid) < 0 || json_integer_value(devid) > UINT32_MAX)
		control_reply_error(fd, "network-detach needs a device number (\"devid\": 1)");
	else if (vif_detach(d, (uint32_t)json_integer_value(devid), force, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, NULL);
}

static void do_create(int fd, struct xdomain *unused, json_t *req)
{
	json_t *config = json_object_get(req, "config");
	bool paused = json_is_true(json_object_get(req, "paused"));
	char err[512] = "";
	struct xdomain *d = json_is_object(config) ? domain_create(config, paused, err, sizeof(err)) : NULL;
	if (d)
		control_reply_ok(fd, json_pack("{s:i, s:s}", "domid", (int)d->domid, "name", d->name));
	else
		control_reply_error(fd, "%s", err[0] ? err : "no config given");
}

static void do_list_request(int fd, struct xdomain *unused, json_t *req) { do_list(fd); }

static void do_shutdown(int fd, struct xdomain *d, json_t *req)
{
	bool reboot = json_is_true(json_object_get(req, "reboot"));
	char err[512];
	if (domain_shutdown(d, reboot ? "reboot" : "poweroff", err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, json_pack("{s:i}", "domid", (int)d->domid));
}

static void do_destroy(int fd, struct xdomain *d, json_t *req)
{
	char err[512];
	domain_destroy(d, err, sizeof(err));
	control_reply_ok(fd, NULL);
}

static void do_pause(int fd, struct xdomain *d, json_t *req)
{
	bool pause = strcmp(json_string_value(json_object_get(req, "op")), "pause") == 0;
	char err[512];
	if (domain_pause(d, pause, err, sizeof(err)) < 0)
		control_reply_error(fd, "%s", err);
	else
		control_reply_ok(fd, NULL);
}

static void do_console(int fd, struct xdomain *d, json_t *req)
{
	control_reply_ok(fd, json_pack("{s:i, s:s, s:s}", "domid", (int)d->domid, "name", d->name, "tty", d->tty));
}

static void do_describe(int fd, struct xdomain *d, json_t *req)
{
	control_reply_ok(fd, json_pack("{s:o}", "domain", describe(d)));
}

static void do_block_list(int fd, struct xdomain *d, json_t *req)
{
	control_reply_ok(fd, json_pack("{s:o}", "devices", vbd_list(d)));
}

static void do_network_list(int fd, struct xdomain *d, json_t *req)
{
	control_reply_ok(fd, json_pack("{s:o}", "devices", vif_list(d)));
}

/* Every request: its op, whether it names a domain ("domain": its name or
 * ID, which must exist), and its handler, which replies. */
static const struct request {
	const char *op;
	bool on_domain;
	request_handler *handle;
} requests[] = {
	{ "block-attach", true, do_block_attach },
	{ "block-detach", true, do_block_detach },
	{ "block-list", true, do_block_list },
	{ "console", true, do_console },
	{ "create", false, do_create },
	{ "delete", false, do_delete },
	{ "describe", true, do_describe },
	{ "destroy", true, do_destroy },
	{ "dmesg", false, do_dmesg },
	{ "dump-core", true, do_dump_core },
	{ "info", false, do_info },
	{ "list", false, do_list_request },
	{ "log", false, do_log },
	{ "mem-max", true, balloon_mem_max },
	{ "mem-set", true, balloon_mem_set },
	{ "migrate", true, do_migrate },
	{ "network-attach", true, do_network_attach },
	{ "network-detach", true, do_network_detach },
	{ "network-list", true, do_network_list },
	{ "new", false, do_new },
	{ "pause", true, do_pause },
	{ "rename", false, do_rename },
	{ "restore", false, do_restore },
	{ "save", true, do_save },
	{ "sched-credit", false, do_sched_credit },
	{ "shutdown", true, do_shutdown },
	{ "start", false, do_start },
	{ "sysrq", true, do_sysrq },
	{ "unpause", true, do_pause },
	{ "vcpu-list", false, do_vcpu_list },
	{ "vcpu-pin", true, do_vcpu_pin },
	{ "vcpu-set", true, do_vcpu_set },
};

void request_handle(int fd)
{
	json_t *req = NULL;
	if (control_recv(fd, &req, NULL, NULL) <= 0)
		return;
	const char *op = json_string_value(json_object_get(req, "op"));
	char *text = json_dumps(req, JSON_COMPACT);
	log_debug("request from xm: %s", text ? text : op ? op : "?");
	free(text);
	const struct request *r = NULL;
	for (size_t i = 0; op && i < sizeof(requests) / sizeof(requests[0]); i++)
		if (strcmp(requests[i].op, op) == 0)
			r = &requests[i];
	struct xdomain *d = NULL;
	if (!op)
		control_reply_error(fd, "a request without \"op\"");
	else if (!r)
		control_reply_error(fd, "unknown request '%s'", op);
	else if (!r->on_domain || (d = target(fd, req)))
		r->handle(fd, d, req);
	json_decref(req);
}
