/* What xend makes of a vif = [...] entry (xend/vif_config.c) before it
 * touches anything: the nodes of the vif's backend and frontend folders
 * that xen-netfront and the vif scripts read, the VMM's vif-attach request,
 * and the script's command and environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xend.h"

static const char uuid[] = "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8";

static void plan_ok(struct vif_plan *p, const char *entry, uint32_t domid, uint32_t devid, const char *vif_script)
{
	char err[512] = "";
	if (vif_plan_make(p, entry, domid, uuid, devid, "/etc/xen/scripts", vif_script, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", entry, err);
}

/* The value of node `name` among the folder's; NULL if it has none. */
static const char *node(const struct store_node *nodes, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].name, name) == 0)
			return nodes[i].value;
	return NULL;
}

static void test_backend_folder_of_a_full_entry(void **state)
{
	(void)state;
	struct vif_plan p;
	plan_ok(&p, "mac=00:16:3E:01:02:03, bridge=xenbr1, ip=10.0.0.11, vifname=web0, rate=10Mb/s, model=e1000", 7, 2,
		"vif-bridge");
	assert_string_equal(p.be, "/local/domain/0/backend/vif/7/2");
	assert_string_equal(p.fe, "/local/domain/7/device/vif/2");
	struct store_node nodes[VIF_BACKEND_NODES_MAX];
	size_t n = vif_backend_nodes(&p, nodes);
	assert_int_equal(n, 12);
	assert_string_equal(node(nodes, n, "frontend"), "/local/domain/7/device/vif/2");
	assert_string_equal(node(nodes, n, "frontend-id"), "7");
	assert_string_equal(node(nodes, n, "online"), "1");
	assert_string_equal(node(nodes, n, "state"), "1");
	assert_string_equal(node(nodes, n, "handle"), "2");
	assert_string_equal(node(nodes, n, "mac"), "00:16:3e:01:02:03");
	assert_string_equal(node(nodes, n, "script"), "/etc/xen/scripts/vif-bridge");
	assert_string_equal(node(nodes, n, "bridge"), "xenbr1");
	assert_string_equal(node(nodes, n, "ip"), "10.0.0.11");
	assert_string_equal(node(nodes, n, "vifname"), "web0");
	/* As the entry wrote it: the scripts and xm show the administrator's text. */
	assert_string_equal(node(nodes, n, "rate"), "10Mb/s");
	assert_string_equal(node(nodes, n, "model"), "e1000");
	vif_plan_free(&p);
}

static void test_defaults_are_left_to_the_scripts(void **state)
{
	(void)state;
	struct vif_plan p;
	plan_ok(&p, "", 3, 0, "vif-bridge");
	struct store_node nodes[VIF_BACKEND_NODES_MAX];
	size_t n = vif_backend_nodes(&p, nodes);
	assert_int_equal(n, 7);
	/* No bridge named: vif-bridge picks the host's (the first bridge). */
	assert_null(node(nodes, n, "bridge"));
	assert_null(node(nodes, n, "ip"));
	assert_null(node(nodes, n, "vifname"));
	assert_null(node(nodes, n, "rate"));
	assert_null(node(nodes, n, "model"));
	assert_string_equal(p.ifname, "vif3.0");
	vif_plan_free(&p);
}

static void test_default_mac_is_the_domains_own(void **state)
{
	(void)state;
	struct vif_plan a, b, again;
	plan_ok(&a, "bridge=xenbr0", 1, 0, "vif-bridge");
	plan_ok(&b, "bridge=xenbr0", 1, 1, "vif-bridge");
	/* The same UUID and devid under another domain ID (a restart): the same MAC. */
	plan_ok(&again, "", 9, 0, "vif-bridge");
	uint8_t mac[6];
	char want[18];
	vif_default_mac(uuid, 0, mac);
	vif_format_mac(mac, want);
	assert_string_equal(a.mac, want);
	assert_memory_equal(a.mac, "00:16:3e:", 9);
	assert_string_not_equal(a.mac, b.mac);
	assert_string_equal(again.mac, a.mac);
	vif_plan_free(&a);
	vif_plan_free(&b);
	vif_plan_free(&again);
}

static void test_frontend_folder(void **state)
{
	(void)state;
	struct vif_plan p;
	plan_ok(&p, "mac=00:16:3e:0a:0b:0c", 12, 1, "vif-bridge");
	struct store_node nodes[5];
	size_t n = vif_frontend_nodes(&p, nodes);
	assert_int_equal(n, 5);
	assert_string_equal(node(nodes, n, "backend"), "/local/domain/0/backend/vif/12/1");
	assert_string_equal(node(nodes, n, "backend-id"), "0");
	assert_string_equal(node(nodes, n, "state"), "1");
	assert_string_equal(node(nodes, n, "handle"), "1");
	assert_string_equal(node(nodes, n, "mac"), "00:16:3e:0a:0b:0c");
	vif_plan_free(&p);
}

static void test_vmm_request(void **state)
{
	(void)state;
	struct vif_plan p;
	plan_ok(&p, "mac=00:16:3e:0a:0b:0c, rate=1MB/s@20ms", 4, 3, "vif-bridge");
	json_t *req = vif_attach_request(&p);
	char *text = json_dumps(req, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"backend\":\"/local/domain/0/backend/vif/4/3\",\"devid\":3,"
				  "\"frontend\":\"/local/domain/4/device/vif/3\",\"ifname\":\"vif4.3\","
				  "\"mac\":\"00:16:3e:0a:0b:0c\",\"op\":\"vif-attach\",\"rate_bytes\":20000,"
				  "\"rate_interval_us\":20000}");
	free(text);
	json_decref(req);
	vif_plan_free(&p);
	/* No rate: no limit. */
	plan_ok(&p, "vifname=db-eth0", 4, 0, "vif-bridge");
	req = vif_attach_request(&p);
	assert_string_equal(json_string_value(json_object_get(req, "ifname")), "db-eth0");
	assert_int_equal(json_integer_value(json_object_get(req, "rate_bytes")), 0);
	json_decref(req);
	vif_plan_free(&p);
}

static void test_which_script_runs(void **state)
{
	(void)state;
	struct vif_plan p;
	/* xend-config.sxp's (vif-script 'vif-bridge bridge=xenbr1'). */
	plan_ok(&p, "", 1, 0, "vif-bridge bridge=xenbr1");
	assert_string_equal(p.script.path, "/etc/xen/scripts/vif-bridge");
	assert_int_equal(p.script.nargs, 1);
	assert_string_equal(p.script.args[0], "bridge=xenbr1");
	vif_plan_free(&p);
	/* The entry's script= wins, without the other script's arguments. */
	plan_ok(&p, "script=vif-route", 1, 0, "vif-bridge bridge=xenbr1");
	assert_string_equal(p.script.path, "/etc/xen/scripts/vif-route");
	assert_int_equal(p.script.nargs, 0);
	vif_plan_free(&p);
	/* A path is taken as it is. */
	plan_ok(&p, "script=/usr/local/sbin/my-vif", 1, 0, "vif-bridge");
	assert_string_equal(p.script.path, "/usr/local/sbin/my-vif");
	vif_plan_free(&p);
	/* (vif-script ''): no script, and no script node. */
	plan_ok(&p, "", 1, 0, "");
	assert_null(p.script.path);
	struct store_node nodes[VIF_BACKEND_NODES_MAX];
	size_t n = vif_backend_nodes(&p, nodes);
	assert_null(node(nodes, n, "script"));
	vif_plan_free(&p);
}

static void test_script_environment(void **state)
{
	(void)state;
	struct vif_plan p;
	plan_ok(&p, "bridge=xenbr0", 5, 1, "vif-bridge");
	struct vif_env env;
	vif_script_env(&p, "web", &env);
	assert_string_equal(env.list[0], "XENBUS_PATH=backend/vif/5/1");
	assert_string_equal(env.list[1], "vif=vif5.1");
	assert_string_equal(env.list[2], "script=/etc/xen/scripts/vif-bridge");
	assert_string_equal(env.list[3], "domain=web");
	assert_string_equal(env.list[4], "devid=1");
	assert_null(env.list[5]);
	vif_plan_free(&p);
}

static void test_bad_entries_name_the_vif(void **state)
{
	(void)state;
	struct vif_plan p;
	char err[512];
	assert_int_equal(vif_plan_make(&p, "mac=01:00:5e:00:00:01", 1, uuid, 2, "/s", "vif-bridge", err, sizeof(err)),
			 -1);
	assert_string_equal(err, "vif 2: vif entry 'mac=01:00:5e:00:00:01': mac '01:00:5e:00:00:01' is a multicast "
				 "address; a vif needs a unicast one");
	/* A default name Linux cannot take. */
	assert_int_equal(vif_plan_make(&p, "", 123456, uuid, 100000, "/s", "vif-bridge", err, sizeof(err)), -1);
	assert_string_equal(err, "vif 100000: its interface name vif123456.100000 is longer than Linux allows (15); "
				 "give it a vifname=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_folder_of_a_full_entry),
		cmocka_unit_test(test_defaults_are_left_to_the_scripts),
		cmocka_unit_test(test_default_mac_is_the_domains_own),
		cmocka_unit_test(test_frontend_folder),
		cmocka_unit_test(test_vmm_request),
		cmocka_unit_test(test_which_script_runs),
		cmocka_unit_test(test_script_environment),
		cmocka_unit_test(test_bad_entries_name_the_vif),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
