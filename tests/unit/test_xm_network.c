/* What xm prints of virtual network interfaces (xm/network.c):
 * network-list byte for byte as Xen 3.x's xm printed it (scripts parse it,
 * the books show it), its --long form, the vifs of xm list --long, and the
 * entry network-attach's words make. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "network.h"
#include "vif.h"

/* Two vifs as xend's network-list gives them: one netfront has connected,
 * one it has not touched yet. */
static const char *const two_vifs =
	"[{\"devid\": 0, \"backend_id\": 0, \"mac\": \"00:16:3e:5a:32:da\", \"handle\": 0, \"state\": 4,"
	"  \"event_channel\": 8, \"tx_ring_ref\": 522, \"rx_ring_ref\": 523,"
	"  \"backend_path\": \"/local/domain/0/backend/vif/1/0\", \"ifname\": \"vif1.0\", \"bridge\": \"xenbr0\","
	"  \"script\": \"/etc/xen/scripts/vif-bridge\", \"tx_packets\": 10, \"rx_bytes\": 640},"
	" {\"devid\": 1, \"backend_id\": 0, \"mac\": \"00:16:3e:01:02:03\", \"handle\": 1, \"state\": 1,"
	"  \"event_channel\": -1, \"tx_ring_ref\": -1, \"rx_ring_ref\": -1,"
	"  \"backend_path\": \"/local/domain/0/backend/vif/1/1\", \"ifname\": \"vif1.1\"}]";

static void test_network_list_is_xens_table(void **state)
{
	(void)state;
	json_t *devices = json(two_vifs);
	FILE *f = capture();
	xm_network_list_print(f, devices, false);
	fclose(f);
	assert_string_equal(output,
			    "Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path\n"
			    "0   0  00:16:3e:5a:32:da    0     4      8     522  /523     /local/domain/0/backend/vif/1/0  \n"
			    "1   0  00:16:3e:01:02:03    1     1      -1    -1   /-1      /local/domain/0/backend/vif/1/1  \n");
	json_decref(devices);
}

static void test_what_a_device_lacks(void **state)
{
	(void)state;
	/* Xen's defaults: handle 0, '??' for the MAC and the path; wide
	 * numbers widen their field. */
	json_t *devices = json("[{\"devid\": 12, \"backend_id\": 0, \"state\": 4, \"event_channel\": 1234,"
			       "  \"tx_ring_ref\": 123456, \"rx_ring_ref\": 7}]");
	FILE *f = capture();
	xm_network_list_print(f, devices, false);
	fclose(f);
	assert_string_equal(output, "Idx BE     MAC Addr.     handle state evt-ch tx-/rx-ring-ref BE-path\n"
				    "12  0  ??                   0     4      1234   123456/7       ??                              "
				    "\n");
	json_decref(devices);
}

static void test_no_vifs_print_nothing(void **state)
{
	(void)state;
	json_t *none = json("[]");
	FILE *f = capture();
	xm_network_list_print(f, none, false);
	xm_network_list_print(f, none, true);
	fclose(f);
	assert_string_equal(output, "");
	json_decref(none);
}

static void test_network_list_long_is_the_frontends_sxp(void **state)
{
	(void)state;
	json_t *devices = json(two_vifs);
	FILE *f = capture();
	xm_network_list_print(f, devices, true);
	fclose(f);
	assert_string_equal(output,
			    "(0 ((backend-id 0) (mac 00:16:3e:5a:32:da) (handle 0) (state 4) "
			    "(backend /local/domain/0/backend/vif/1/0) (tx-ring-ref 522) (rx-ring-ref 523) "
			    "(event-channel 8)))\n"
			    /* what the guest has not written is not there */
			    "(1 ((backend-id 0) (mac 00:16:3e:01:02:03) (handle 1) (state 1) "
			    "(backend /local/domain/0/backend/vif/1/1)))\n");
	json_decref(devices);
}

static void test_list_long_shows_each_vif(void **state)
{
	(void)state;
	static const char uuid[] = "3f2a1b4c-5d6e-4f70-8192-a3b4c5d6e7f8";
	json_t *vifs = json("[{\"devid\": 1, \"ifname\": \"vif4.1\", \"mac\": \"00:16:3e:11:22:33\", \"state\": 4,"
			    "  \"tx_packets\": 12, \"tx_bytes\": 1500, \"tx_drops\": 0, \"rx_packets\": 30,"
			    "  \"rx_bytes\": 4000, \"rx_drops\": 2}]");
	FILE *f = capture();
	xm_vif_sxp_print(f, "mac=00:16:3e:11:22:33, bridge=xenbr1, script=vif-route, ip=10.0.0.2 10.0.0.3, rate=10Mb/s",
			 1, 4, uuid, vifs);
	fputc('\n', f);
	/* No MAC in the entry, nothing from the VMM (a domain that has shut
	 * down): the MAC xend gives it, from the UUID. */
	xm_vif_sxp_print(f, "vifname=db0", 0, 4, uuid, NULL);
	fclose(f);
	uint8_t mac[6];
	char want_mac[18], want[1024];
	vif_default_mac(uuid, 0, mac);
	vif_format_mac(mac, want_mac);
	snprintf(want, sizeof(want),
		 "(device (vif (devid 1) (mac 00:16:3e:11:22:33) (bridge xenbr1) (script vif-route) (vifname vif4.1) "
		 "(ip '10.0.0.2 10.0.0.3') (rate 10Mb/s) (tx_packets 12) (tx_bytes 1500) (tx_drops 0) (rx_packets 30) "
		 "(rx_bytes 4000) (rx_drops 2)))\n"
		 "(device (vif (devid 0) (mac %s) (vifname db0)))",
		 want_mac);
	assert_string_equal(output, want);
	json_decref(vifs);
}

static void test_network_attach_words_make_one_entry(void **state)
{
	(void)state;
	char *words[] = { "mac=00:16:3e:01:02:03", "bridge=xenbr1", "rate=10Mb/s" };
	char entry[256], err[256] = "";
	assert_int_equal(xm_network_entry(words, 3, entry, sizeof(entry), err, sizeof(err)), 0);
	assert_string_equal(entry, "mac=00:16:3e:01:02:03, bridge=xenbr1, rate=10Mb/s");
	/* No options: a vif with every default. */
	assert_int_equal(xm_network_entry(words, 0, entry, sizeof(entry), err, sizeof(err)), 0);
	assert_string_equal(entry, "");
	/* Checked as a config's entries are. */
	char *bad[] = { "bridge=xenbr1", "colour=blue" };
	assert_int_equal(xm_network_entry(bad, 2, entry, sizeof(entry), err, sizeof(err)), -1);
	assert_string_equal(err, "vif entry 'bridge=xenbr1, colour=blue': 'colour' is not a vif option (mac, bridge, ip, "
				 "script, vifname, rate, model)");
	char *no_value[] = { "mac" };
	assert_int_equal(xm_network_entry(no_value, 1, entry, sizeof(entry), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'mac' wants a value"));
	char *rate[] = { "rate=fast" };
	assert_int_equal(xm_network_entry(rate, 1, entry, sizeof(entry), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "rate 'fast' is not a rate Xen takes"));
	char small[8];
	assert_int_equal(xm_network_entry(words, 3, small, sizeof(small), err, sizeof(err)), -1);
	assert_string_equal(err, "the vif's options are too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_network_list_is_xens_table),
		cmocka_unit_test(test_what_a_device_lacks),
		cmocka_unit_test(test_no_vifs_print_nothing),
		cmocka_unit_test(test_network_list_long_is_the_frontends_sxp),
		cmocka_unit_test(test_list_long_shows_each_vif),
		cmocka_unit_test(test_network_attach_words_make_one_entry),
	};
	return cmocka_run_group_tests(tests, NULL, capture_teardown);
}
