/* xm: the administrator's command line, as in Xen 3.x. It reads config
 * files itself (config.c, domain_config.c) and asks xend for the rest over
 * $XENON_RUN_DIR/xend.sock (xend/requests.c lists the requests). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "block.h"
#include "console.h"
#include "control.h"
#include "domain_config.h"
#include "network.h"
#include "vbd.h"
#include "xm.h"

const struct xm_command *xm_current;

int xm_attach_console(const char *domain)
{
	json_t *reply = xend_call(json_pack("{s:s, s:s}", "op", "console", "domain", domain));
	if (!reply)
		return 1;
	const char *tty = json_string_value(json_object_get(reply, "tty"));
	int status = tty && *tty ? console_attach(tty) : (fprintf(stderr, "Error: domain %s has no console\n", domain), 1);
	json_decref(reply);
	return status;
}

/* ---- create ---- */

static json_t *config_to_json(const struct xm_domain_config *c)
{
	json_t *j = json_pack("{s:s, s:I, s:I, s:i, s:s, s:s, s:s, s:s}", "name", c->name, "memory",
			      (json_int_t)c->memory_mb, "maxmem", (json_int_t)c->maxmem_mb, "vcpus", (int)c->vcpus,
			      "kernel", c->kernel, "on_poweroff", xm_on_event_name(c->on_poweroff), "on_reboot",
			      xm_on_event_name(c->on_reboot), "on_crash", xm_on_event_name(c->on_crash));
	if (c->ramdisk)
		json_object_set_new(j, "ramdisk", json_string(c->ramdisk));
	if (c->cmdline)
		json_object_set_new(j, "cmdline", json_string(c->cmdline));
	if (c->uuid)
		json_object_set_new(j, "uuid", json_string(c->uuid));
	json_t *disk = json_array(), *vif = json_array();
	for (size_t i = 0; i < c->ndisk; i++)
		json_array_append_new(disk, json_string(c->disk[i]));
	for (size_t i = 0; i < c->nvif; i++)
		json_array_append_new(vif, json_string(c->vif[i]));
	json_object_set_new(j, "disk", disk);
	json_object_set_new(j, "vif", vif);
	json_object_set_new(j, "maxvcpus", json_integer(c->maxvcpus));
	if (c->ncpus && !c->cpus_each)
		json_object_set_new(j, "cpus", json_string(c->cpus[0]));
	if (c->cpus_each) {
		json_t *cpus = json_array();
		for (size_t i = 0; i < c->ncpus; i++)
			json_array_append_new(cpus, json_string(c->cpus[i]));
		json_object_set_new(j, "cpus", cpus);
	}
	json_object_set_new(j, "cpu_weight", json_integer(c->cpu_weight));
	json_object_set_new(j, "cpu_cap", json_integer(c->cpu_cap));
	return j;
}

json_t *xm_load_config(const char *file, char *const *defines, size_t ndefines)
{
	char *path = xm_config_find(file);
	if (!path) {
		fprintf(stderr, "Error: config file %s not found (nor in %s)\n", file,
			getenv("XENON_CONFIG_DIR") ? getenv("XENON_CONFIG_DIR") : "/etc/xen");
		return NULL;
	}
	struct xm_domain_config cfg;
	char err[512];
	int r = xm_domain_config_load(path, defines, ndefines, &cfg, err, sizeof(err));
	free(path);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", err);
		return NULL;
	}
	json_t *config = config_to_json(&cfg);
	xm_domain_config_free(&cfg);
	return config;
}

static int cmd_create(int argc, char **argv)
{
	bool console = false, paused = false;
	int c;
	while ((c = getopt(argc, argv, "+cp")) != -1) {
		if (c == 'c')
			console = true;
		else if (c == 'p')
			paused = true;
		else
			return xm_usage_error("unknown option");
	}
	if (optind >= argc)
		return xm_usage_error("no config file given");
	json_t *config = xm_load_config(argv[optind], argv + optind + 1, (size_t)(argc - optind - 1));
	if (!config)
		return 1;
	json_t *reply = xend_call(json_pack("{s:s, s:o, s:b}", "op", "create", "config", config, "paused", paused));
	if (!reply)
		return 1;
	char domid[16];
	snprintf(domid, sizeof(domid), "%lld", (long long)json_integer_value(json_object_get(reply, "domid")));
	printf("Started domain %s (id=%s)\n", json_string_value(json_object_get(reply, "name")), domid);
	fflush(stdout);
	json_decref(reply);
	return console ? xm_attach_console(domid) : 0;
}

/* ---- list ---- */

/* Xen's numeric domain status (XendConstants' DOM_STATE_*) from the state
 * letters: scripts read (status N) rather than the letters. */
static int sxp_status(const char *letters)
{
	if (!letters || strcmp(letters, "------") == 0)
		return 0; /* halted: a managed domain not running */
	if (strchr(letters, 'c'))
		return 5;
	if (strchr(letters, 's'))
		return 4;
	if (strchr(letters, 'p'))
		return 1;
	return 2;
}

static void sxp_int(const char *key, json_t *v)
{
	if (json_is_integer(v))
		printf("    (%s %lld)\n", key, (long long)json_integer_value(v));
}

static void sxp_text(const char *key, const char *v)
{
	printf("    (%s %s)\n", key, v ? v : "");
}

/* xm list --long: one domain as Xen 3's xend gave it (XendDomainInfo's
 * sxpr), in its order, devices last. */
static void print_sxp(json_t *d)
{
	json_t *config = json_object_get(d, "config");
	const char *state = json_string_value(json_object_get(d, "state"));
	printf("(domain\n");
	sxp_int("domid", json_object_get(d, "domid")); /* none for a managed domain not running */
	sxp_text("on_crash", json_string_value(json_object_get(d, "on_crash")));
	sxp_text("uuid", json_string_value(json_object_get(d, "uuid")));
	sxp_text("bootloader_args", "");
	json_t *maxvcpus = json_object_get(config, "maxvcpus"); /* 0 or absent: as many as vcpus */
	sxp_int("vcpus", json_integer_value(maxvcpus) > 0 ? maxvcpus : json_object_get(d, "vcpus"));
	sxp_text("name", json_string_value(json_object_get(d, "name")));
	sxp_text("on_poweroff", json_string_value(json_object_get(d, "on_poweroff")));
	sxp_text("on_reboot", json_string_value(json_object_get(d, "on_reboot")));
	sxp_text("bootloader", "");
	sxp_int("maxmem", json_object_get(d, "maxmem"));
	sxp_int("memory", json_object_get(d, "memory"));
	sxp_text("shadow_memory", "0");
	sxp_int("cpu_weight", json_object_get(d, "cpu_weight"));
	sxp_int("cpu_cap", json_object_get(d, "cpu_cap"));
	sxp_text("features", "");
	sxp_text("on_xend_start", "ignore");
	sxp_text("on_xend_stop", "ignore");
	if (json_is_integer(json_object_get(d, "start_time")))
		printf("    (start_time %lld.0)\n", (long long)json_integer_value(json_object_get(d, "start_time")));
	printf("    (cpu_time %.6f)\n", json_real_value(json_object_get(d, "cpu_time")));
	sxp_int("online_vcpus", json_object_get(d, "online_vcpus") ?: json_object_get(d, "vcpus"));
	if (config) {
		printf("    (image\n        (linux\n");
		const char *fields[][2] = { { "kernel", "kernel" }, { "ramdisk", "ramdisk" }, { "cmdline", "args" } };
		for (size_t i = 0; i < 3; i++) {
			const char *v = json_string_value(json_object_get(config, fields[i][0]));
			if (v)
				printf("            (%s '%s')\n", fields[i][1], v);
		}
		printf("        )\n    )\n");
	}
	printf("    (status %d)\n", sxp_status(state));
	sxp_text("state", state);
	const char *tty = json_string_value(json_object_get(d, "tty"));
	if (tty && *tty)
		sxp_text("console_tty", tty);
	size_t i;
	json_t *dev;
	json_array_foreach(json_object_get(config, "disk"), i, dev) {
		printf("    ");
		xm_vbd_sxp_print(stdout, json_string_value(dev), json_object_get(d, "vbds"));
		printf("\n");
	}
	/* Each vif's devid: as xend keeps them, else by its place. */
	json_t *devids = json_object_get(config, "vif_devids");
	json_array_foreach(json_object_get(config, "vif"), i, dev) {
		json_t *devid = json_array_get(devids, i);
		printf("    ");
		xm_vif_sxp_print(stdout, json_string_value(dev) ?: "",
				 json_is_integer(devid) ? (uint32_t)json_integer_value(devid) : (uint32_t)i,
				 (uint32_t)json_integer_value(json_object_get(d, "domid")),
				 json_string_value(json_object_get(d, "uuid")) ?: "", json_object_get(d, "vifs"));
		printf("\n");
	}
	printf(")\n");
}

static int cmd_list(int argc, char **argv)
{
	bool longform;
	json_t *shown = xm_flag_and_domains(argc, argv, 'l', "long", &longform);
	if (!shown)
		return 1;
	size_t i;
	json_t *d;
	if (!longform)
		printf("%-40s %5s %5s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
	json_array_foreach(shown, i, d) {
		if (longform) {
			print_sxp(d);
			continue;
		}
		/* A managed domain that is not running has no ID: Xen left it blank. */
		json_t *domid = json_object_get(d, "domid");
		char id[24] = "";
		if (json_is_integer(domid))
			snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(domid));
		printf("%-40s %5s %5lld %5lld %10s %9.1f\n", json_string_value(json_object_get(d, "name")), id,
		       (long long)json_integer_value(json_object_get(d, "memory")),
		       /* As Xen's xm: the vCPUs online, not the most it may have. */
		       (long long)json_integer_value(json_object_get(d, "online_vcpus") ?: json_object_get(d, "vcpus")),
		       json_string_value(json_object_get(d, "state")), json_real_value(json_object_get(d, "cpu_time")));
	}
	json_decref(shown);
	return 0;
}

/* ---- shutdown, reboot ---- */

/* Waits until none of `ids` is listed any more (or has shut down and stays,
 * preserved). */
static int wait_gone(json_t *ids)
{
	for (;;) {
		json_t *domains = xm_list_domains();
		if (!domains)
			return 1;
		bool any = false;
		size_t i;
		json_t *id;
		json_array_foreach(ids, i, id) {
			json_t *d = xm_find_domain(domains, json_string_value(id));
			const char *state = d ? json_string_value(json_object_get(d, "state")) : NULL;
			if (d && !strchr(state, 's') && !strchr(state, 'c'))
				any = true;
		}
		json_decref(domains);
		if (!any)
			return 0;
		usleep(200000);
	}
}

static int shutdown_or_reboot(int argc, char **argv, bool reboot)
{
	/* Xen's long forms too: /etc/default/xendomains passes "--halt --wait".
	 * -H (halt) is what shutdown does anyway: the guest powers off. */
	static const struct option options[] = {
		{ "wait", no_argument, NULL, 'w' }, { "all", no_argument, NULL, 'a' },
		{ "halt", no_argument, NULL, 'H' }, { 0 },
	};
	bool wait = false, all = false;
	int c;
	while ((c = getopt_long(argc, argv, reboot ? "+wa" : "+waH", options, NULL)) != -1) {
		if (c == 'w')
			wait = true;
		else if (c == 'a')
			all = true;
		else if (c != 'H' || reboot)
			return xm_usage_error("unknown option");
	}
	if (all == (optind < argc))
		return xm_usage_error(all ? "-a takes no domain" : "no domain given");
	json_t *targets = json_array();
	if (all) {
		json_t *domains = xm_list_domains();
		if (!domains)
			return 1;
		size_t i;
		json_t *d;
		json_array_foreach(domains, i, d)
			if (json_integer_value(json_object_get(d, "domid")) != 0)
				json_array_append_new(targets, json_string(json_string_value(json_object_get(d, "name"))));
		json_decref(domains);
	} else {
		json_array_append_new(targets, json_string(argv[optind]));
	}
	json_t *ids = json_array();
	size_t i;
	json_t *t;
	int status = 0;
	json_array_foreach(targets, i, t) {
		json_t *reply = xend_call(json_pack("{s:s, s:s, s:b}", "op", "shutdown", "domain",
						    json_string_value(t), "reboot", reboot));
		if (!reply) {
			status = 1;
			continue;
		}
		char id[16];
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(json_object_get(reply, "domid")));
		json_array_append_new(ids, json_string(id));
		json_decref(reply);
	}
	if (wait && json_array_size(ids))
		status |= wait_gone(ids);
	json_decref(ids);
	json_decref(targets);
	return status;
}

static int cmd_shutdown(int argc, char **argv) { return shutdown_or_reboot(argc, argv, false); }
static int cmd_reboot(int argc, char **argv) { return shutdown_or_reboot(argc, argv, true); }

static int cmd_destroy(int argc, char **argv) { return xm_one_domain(argc, argv) ?: xm_simple_request("destroy", argv[1]); }
static int cmd_pause(int argc, char **argv) { return xm_one_domain(argc, argv) ?: xm_simple_request("pause", argv[1]); }
static int cmd_unpause(int argc, char **argv) { return xm_one_domain(argc, argv) ?: xm_simple_request("unpause", argv[1]); }
static int cmd_console(int argc, char **argv) { return xm_one_domain(argc, argv) ?: xm_attach_console(argv[1]); }

static int print_field(int argc, char **argv, const char *field)
{
	if (xm_one_domain(argc, argv))
		return 1;
	json_t *domains = xm_list_domains();
	if (!domains)
		return 1;
	json_t *d = xm_find_domain(domains, argv[1]);
	if (d) {
		json_t *v = json_object_get(d, field);
		if (json_is_integer(v))
			printf("%lld\n", (long long)json_integer_value(v));
		else
			printf("%s\n", json_string_value(v) ?: "None"); /* no ID: a managed domain not running */
	} else {
		fprintf(stderr, "Error: Domain '%s' does not exist.\n", argv[1]);
	}
	json_decref(domains);
	return d ? 0 : 1;
}

static int cmd_domid(int argc, char **argv) { return print_field(argc, argv, "domid"); }
static int cmd_domname(int argc, char **argv) { return print_field(argc, argv, "name"); }

/* ---- block-attach, block-detach, block-list ---- */

static int cmd_block_attach(int argc, char **argv)
{
	if (argc != 5)
		return xm_usage_error("'xm block-attach' requires 4 arguments.");
	/* The entry a config's disk = [...] would hold, checked as xm create
	 * checks those. */
	char entry[1024];
	if (snprintf(entry, sizeof(entry), "%s,%s,%s", argv[2], argv[3], argv[4]) >= (int)sizeof(entry))
		return xm_usage_error("<BackDev> is too long");
	struct vbd_spec s;
	char err[512];
	if (vbd_parse(entry, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	vbd_spec_free(&s);
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:s}", "op", "block-attach", "domain", argv[1], "disk", entry));
	json_decref(reply);
	return reply ? 0 : 1;
}

static int cmd_block_detach(int argc, char **argv)
{
	static const char *const force_flag[2] = { "-f", "--force" };
	const char *args[2];
	bool force;
	if (xm_operands_and_flag(argc, argv, force_flag, &force, args, 2))
		return 1;
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:s, s:b}", "op", "block-detach", "domain", args[0], "dev",
					    args[1], "force", force));
	json_decref(reply);
	return reply ? 0 : 1;
}

/* block-list, network-list: <Domain> [-l|--long]; xend's `op` gives the devices. */
static int list_devices(int argc, char **argv, const char *op, void (*print)(FILE *, json_t *, bool))
{
	static const char *const long_flag[2] = { "-l", "--long" };
	const char *domain;
	bool longform;
	if (xm_operands_and_flag(argc, argv, long_flag, &longform, &domain, 1))
		return 1;
	json_t *reply = xend_call(json_pack("{s:s, s:s}", "op", op, "domain", domain));
	if (!reply)
		return 1;
	print(stdout, json_object_get(reply, "devices"), longform);
	json_decref(reply);
	return 0;
}

static int cmd_block_list(int argc, char **argv)
{
	return list_devices(argc, argv, "block-list", xm_block_list_print);
}

/* ---- network-attach, network-detach, network-list ---- */

static int cmd_network_attach(int argc, char **argv)
{
	if (argc < 2)
		return xm_usage_error("no domain given");
	char entry[1024], err[512];
	if (xm_network_entry(argv + 2, (size_t)(argc - 2), entry, sizeof(entry), err, sizeof(err)) < 0) {
		fprintf(stderr, "Error: %s\n", err);
		return 1;
	}
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:s}", "op", "network-attach", "domain", argv[1], "vif", entry));
	json_decref(reply);
	return reply ? 0 : 1;
}

static int cmd_network_detach(int argc, char **argv)
{
	static const char *const force_flag[2] = { "-f", "--force" };
	const char *args[2];
	bool force;
	if (xm_operands_and_flag(argc, argv, force_flag, &force, args, 2))
		return 1;
	char *end;
	errno = 0;
	unsigned long devid = strtoul(args[1], &end, 10);
	if (!*args[1] || *end || errno || devid > UINT32_MAX || args[1][0] == '-')
		return xm_usage_error("<DevId> is a vif's number (xm network-list shows them), not '%s'", args[1]);
	json_t *reply = xend_call(json_pack("{s:s, s:s, s:I, s:b}", "op", "network-detach", "domain", args[0], "devid",
					    (json_int_t)devid, "force", force));
	json_decref(reply);
	return reply ? 0 : 1;
}

static int cmd_network_list(int argc, char **argv)
{
	return list_devices(argc, argv, "network-list", xm_network_list_print);
}

static int cmd_help(int argc, char **argv);

static const struct xm_command commands[] = {
	{ "block-attach", cmd_block_attach, "<Domain> <BackDev> <FrontDev> <Mode>",
	  "Create a new virtual block device." },
	{ "block-detach", cmd_block_detach, "<Domain> <DevId> [-f|--force]",
	  "Destroy a domain's virtual block device." },
	{ "block-list", cmd_block_list, "<Domain> [--long]", "List virtual block devices for a domain." },
	{ "console", cmd_console, "<Domain>", "Attach to <Domain>'s console (Ctrl-] detaches)." },
	{ "create", cmd_create, "[-c] [-p] <ConfigFile> [var=value ...]", "Create a domain based on <ConfigFile>." },
	{ "delete", cmd_delete, "<DomainName>", "Remove a domain from Xend domain management." },
	{ "destroy", cmd_destroy, "<Domain>", "Terminate a domain immediately." },
	{ "dmesg", cmd_dmesg, "[-c|--clear]", "Read and/or clear Xend's message buffer." },
	{ "domid", cmd_domid, "<DomainName>", "Convert a domain name to domain id." },
	{ "domname", cmd_domname, "<DomainId>", "Convert a domain id to domain name." },
	{ "dump-core", cmd_dump_core, "[-L|--live] [-C|--crash] <Domain> [Filename]",
	  "Dump core for a specific domain." },
	{ "help", cmd_help, "[<Command>]", "Display this message, or help on one command." },
	{ "info", cmd_info, "", "Get information about Xen host." },
	{ "list", cmd_list, "[-l|--long] [Domain, ...]", "List information about all/some domains." },
	{ "log", cmd_log, "", "Print Xend log" },
	{ "mem-max", cmd_mem_max, "<Domain> <Mem>", "Set the maximum amount reservation for a domain." },
	{ "mem-set", cmd_mem_set, "<Domain> <Mem>", "Set the current memory usage for a domain." },
	{ "migrate", cmd_migrate, "<Domain> <Host> [-l|--live] [-p|--port PORT] [--ssl]",
	  "Migrate a domain to another machine (its xend's relocation server)." },
	{ "network-attach", cmd_network_attach,
	  "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] [ip=<ip>] [script=<script>] [backend=<BackDomain>] "
	  "[vifname=<name>] [rate=<rate>] [model=<model>]",
	  "Create a new virtual network device." },
	{ "network-detach", cmd_network_detach, "<Domain> <DevId> [-f|--force]",
	  "Destroy a domain's virtual network device." },
	{ "network-list", cmd_network_list, "<Domain> [--long]", "List virtual network interfaces for a domain." },
	{ "new", cmd_new, "<ConfigFile> [var=value ...]", "Adds a domain to Xend domain management." },
	{ "pause", cmd_pause, "<Domain>", "Pause execution of a domain." },
	{ "reboot", cmd_reboot, "[-w] [-a] <Domain>", "Reboot a domain." },
	{ "rename", cmd_rename, "<Domain> <NewDomainName>", "Rename a domain." },
	{ "restore", cmd_restore, "<CheckpointFile>", "Restore a domain from a saved state." },
	{ "save", cmd_save, "[-c|--checkpoint] <Domain> <CheckpointFile>",
	  "Save a domain state to restore later (-c: and leave it running)." },
	{ "sched-credit", cmd_sched_credit, "[-d <Domain> [-w <Weight>] [-c <Cap>]]",
	  "Get/set credit scheduler parameters." },
	{ "shutdown", cmd_shutdown, "[-w|--wait] [-a|--all] [-H|--halt] <Domain>",
	  "Shutdown a domain (-w: wait until it is gone; -a: all)." },
	{ "start", cmd_start, "[-p|--paused] [-c|--console_autoconnect] <DomainName>",
	  "Start a Xend managed domain." },
	{ "sysrq", cmd_sysrq, "<Domain> <letter>", "Send a sysrq to a domain." },
	{ "top", cmd_top, "", "Monitor a host and the domains in real time." },
	{ "unpause", cmd_unpause, "<Domain>", "Unpause a paused domain." },
	{ "uptime", cmd_uptime, "[-s|--short] [Domain, ...]", "Print uptime for all/some domains." },
	{ "vcpu-list", cmd_vcpu_list, "[Domain, ...]", "List the VCPUs for all/some domains." },
	{ "vcpu-pin", cmd_vcpu_pin, "<Domain> <VCPU|all> <CPUs|all>", "Set which CPUs a VCPU can use." },
	{ "vcpu-set", cmd_vcpu_set, "<Domain> <vCPUs>", "Set the number of active VCPUs for allowed for the domain." },
};

static const struct xm_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	const struct xm_command *c = argc > 1 ? find_command(argv[1]) : NULL;
	if (c) {
		printf("Usage: xm %s %s\n\n%s\n", c->name, c->usage, c->help);
		return 0;
	}
	printf("Usage: xm <subcommand> [args]\n\nControl, list, and manipulate Xen guest instances.\n\n");
	int width = 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if ((int)strlen(commands[i].name) > width)
			width = (int)strlen(commands[i].name);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf(" %-*s %s\n", width, commands[i].name, commands[i].help);
	printf("\n<Domain> can be the domain's name or its ID.\n");
	return argc > 1 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		xm_current = find_command("help");
		cmd_help(1, argv);
		return 1;
	}
	xm_current = find_command(argv[1]);
	if (!xm_current) {
		fprintf(stderr, "Error: Subcommand %s not found!\nUsage: xm <subcommand> [args]   (xm help lists them)\n",
			argv[1]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	optind = 1;
	return xm_current->run(argc - 1, argv + 1);
}
