/* vif = [...] entries as the books write them: Xen's keys, its rate
 * syntax, and the MAC a vif gets when its entry names none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vif.h"

static void parse_ok(const char *entry, struct vif_spec *s)
{
	char err[256] = "";
	if (vif_parse(entry, s, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", entry, err);
}

static void parse_refused(const char *entry, const char *why)
{
	struct vif_spec s;
	char err[256] = "";
	assert_int_equal(vif_parse(entry, &s, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("'%s': error '%s' does not say '%s'", entry, err, why);
	if (!strstr(err, entry))
		fail_msg("'%s': error '%s' does not quote the entry", entry, err);
}

static void test_the_books_entries(void **state)
{
	(void)state;
	struct vif_spec s;
	char mac[18];
	parse_ok("mac=00:16:3e:0a:0B:0c, bridge=xenbr1, ip=10.0.0.11", &s);
	assert_true(s.has_mac);
	vif_format_mac(s.mac, mac);
	assert_string_equal(mac, "00:16:3e:0a:0b:0c");
	assert_string_equal(s.bridge, "xenbr1");
	assert_string_equal(s.ip, "10.0.0.11");
	assert_null(s.script);
	assert_int_equal(s.rate_bytes, 0);
	vif_spec_free(&s);

	parse_ok("vifname=web0,script=vif-route,model=e1000,type=netfront,backend=0,rate=10Mb/s", &s);
	assert_false(s.has_mac);
	assert_string_equal(s.vifname, "web0");
	assert_string_equal(s.script, "vif-route");
	assert_string_equal(s.model, "netfront");
	/* 10 Mb/s is 1.25 MB/s: 62500 bytes every 50 ms. */
	assert_int_equal(s.rate_bytes, 62500);
	assert_int_equal(s.rate_interval_us, 50000);
	assert_string_equal(s.rate, "10Mb/s"); /* as written, for xend's backend folder */
	vif_spec_free(&s);

	parse_ok("", &s); /* vif = [ '' ]: one vif, every default */
	assert_false(s.has_mac);
	assert_string_equal(s.bridge, "");
	vif_spec_free(&s);
}

static void test_rates(void **state)
{
	(void)state;
	uint64_t bytes;
	uint32_t us;
	assert_int_equal(vif_parse_rate("1MB/s@20ms", &bytes, &us), 0);
	assert_int_equal(bytes, 20000);
	assert_int_equal(us, 20000);
	assert_int_equal(vif_parse_rate("100Kb/s@1s", &bytes, &us), 0);
	assert_int_equal(bytes, 12500);
	assert_int_equal(us, 1000000);
	assert_int_equal(vif_parse_rate("1GB/s@500us", &bytes, &us), 0);
	assert_int_equal(bytes, 500000);
	assert_int_equal(us, 500);
	const char *bad[] = { "10", "10Mb", "10Xb/s", "0Mb/s", "Mb/s", "10Mb/s@", "10Mb/s@0ms", "10Mb/s@5h",
			      "10Mb/s trailing", "-1Mb/s", "1b/s@1us" /* less than a byte per interval */ };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vif_parse_rate(bad[i], &bytes, &us) != -1)
			fail_msg("rate '%s' accepted", bad[i]);
}

static void test_errors_say_what_is_wrong(void **state)
{
	(void)state;
	parse_refused("mac=00:16:3e:0a:0b", "not six hex octets");
	parse_refused("mac=00:16:3e:0a:0b:0g", "not six hex octets");
	parse_refused("mac=01:00:5e:00:00:01", "multicast");
	parse_refused("bridge=a-very-long-bridge-name", "not an interface name");
	parse_refused("vifname=eth/0", "not an interface name");
	parse_refused("rate=fast", "not a rate");
	parse_refused("colour=blue", "not a vif option");
	parse_refused("bridge", "wants a value");
	parse_refused("backend=3", "only the host");
}

static void test_default_macs_are_stable_and_xens(void **state)
{
	(void)state;
	uint8_t a[6], b[6], c[6], d[6];
	vif_default_mac("8a1f0c4e-2b7d-4f6a-9c3e-5d2b1a0f9e8d", 0, a);
	vif_default_mac("8a1f0c4e-2b7d-4f6a-9c3e-5d2b1a0f9e8d", 0, b);
	vif_default_mac("8a1f0c4e-2b7d-4f6a-9c3e-5d2b1a0f9e8d", 1, c);
	vif_default_mac("0d2e6c1b-7a3f-4e9d-8b5c-1f2a3b4c5d6e", 0, d);
	assert_memory_equal(a, b, 6);
	assert_memory_not_equal(a, c, 6);
	assert_memory_not_equal(a, d, 6);
	assert_int_equal(a[0], 0x00);
	assert_int_equal(a[1], 0x16);
	assert_int_equal(a[2], 0x3e);
	assert_int_equal(a[3] & 0x80, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_books_entries),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_errors_say_what_is_wrong),
		cmocka_unit_test(test_default_macs_are_stable_and_xens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
