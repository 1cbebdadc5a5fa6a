/* backends/packet.c: where a guest's frame has its transport header and
 * checksum, which the network backend tells the host's kernel when the
 * guest left the checksum or the segmentation to do. Frames are built
 * here byte by byte, as a guest would send them, and broken the ways a
 * hostile one might. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "backends/packet.h"

struct frame {
	uint8_t b[256];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet (with `vlan_tags` 802.1Q tags), then an IPv4 header of `ihl`
 * words carrying `proto`, then a transport header (TCP of `doff` words, or
 * UDP's 8 bytes). */
static struct frame ipv4(int vlan_tags, unsigned ihl, uint8_t proto, unsigned doff)
{
	struct frame f = { .len = 12 };
	memset(f.b, 0, sizeof(f.b));
	for (int i = 0; i < vlan_tags; i++) {
		put16(&f.b[f.len], 0x8100);
		put16(&f.b[f.len + 2], 42);
		f.len += 4;
	}
	put16(&f.b[f.len], 0x0800);
	f.len += 2;
	uint8_t *ip = &f.b[f.len];
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[9] = proto;
	f.len += ihl * 4;
	if (proto == IPPROTO_TCP) {
		f.b[f.len + 12] = (uint8_t)(doff << 4);
		f.len += doff * 4;
	} else {
		f.len += 8;
	}
	return f;
}

static void test_tcp_over_ipv4(void **state)
{
	(void)state;
	struct frame f = ipv4(0, 5, IPPROTO_TCP, 8); /* TCP with timestamps: 32 bytes */
	struct packet_l4 l4;
	assert_int_equal(packet_parse_l4(f.b, f.len, &l4), 0);
	assert_false(l4.ipv6);
	assert_int_equal(l4.protocol, IPPROTO_TCP);
	assert_int_equal(l4.l4_offset, 34);
	assert_int_equal(l4.l4_length, 32);
	assert_int_equal(l4.csum_offset, 16);
}

static void test_udp_behind_ip_options_and_two_vlan_tags(void **state)
{
	(void)state;
	struct frame f = ipv4(2, 7, IPPROTO_UDP, 0);
	struct packet_l4 l4;
	assert_int_equal(packet_parse_l4(f.b, f.len, &l4), 0);
	assert_int_equal(l4.l4_offset, 14 + 8 + 28);
	assert_int_equal(l4.l4_length, 8);
	assert_int_equal(l4.csum_offset, 6);
}

static void test_tcp_over_ipv6_through_extension_headers(void **state)
{
	(void)state;
	struct frame f = { .len = 54 };
	memset(f.b, 0, sizeof(f.b));
	put16(&f.b[12], 0x86dd);
	f.b[14] = 0x60;
	f.b[14 + 6] = IPPROTO_HOPOPTS;
	f.b[54] = IPPROTO_DSTOPTS; /* hop-by-hop: 8 bytes */
	f.b[55] = 0;
	f.b[62] = IPPROTO_TCP;     /* destination options: 16 bytes */
	f.b[63] = 1;
	f.b[78 + 12] = 5 << 4;
	f.len = 78 + 20;
	struct packet_l4 l4;
	assert_int_equal(packet_parse_l4(f.b, f.len, &l4), 0);
	assert_true(l4.ipv6);
	assert_int_equal(l4.l4_offset, 78);
	assert_int_equal(l4.l4_length, 20);
}

static void test_what_has_no_checksum_to_place_is_refused(void **state)
{
	(void)state;
	struct packet_l4 l4;
	struct frame icmp = ipv4(0, 5, IPPROTO_ICMP, 0);
	assert_int_equal(packet_parse_l4(icmp.b, icmp.len, &l4), -1);
	struct frame arp = ipv4(0, 5, IPPROTO_TCP, 5);
	put16(&arp.b[12], 0x0806);
	assert_int_equal(packet_parse_l4(arp.b, arp.len, &l4), -1);
	/* A fragment after the first: its bytes are not a TCP header. */
	struct frame frag = ipv4(0, 5, IPPROTO_TCP, 5);
	put16(&frag.b[14 + 6], 185);
	assert_int_equal(packet_parse_l4(frag.b, frag.len, &l4), -1);
}

static void test_lies_about_lengths_are_refused(void **state)
{
	(void)state;
	struct packet_l4 l4;
	struct frame f = ipv4(0, 5, IPPROTO_TCP, 5);
	/* Every truncation of a good frame. */
	for (size_t len = 0; len < f.len; len++)
		assert_int_equal(packet_parse_l4(f.b, len, &l4), -1);
	assert_int_equal(packet_parse_l4(f.b, f.len, &l4), 0);
	struct frame short_ihl = ipv4(0, 5, IPPROTO_TCP, 5);
	short_ihl.b[14] = 0x44; /* a header of 16 bytes */
	assert_int_equal(packet_parse_l4(short_ihl.b, short_ihl.len, &l4), -1);
	struct frame short_doff = ipv4(0, 5, IPPROTO_TCP, 5);
	short_doff.b[34 + 12] = 4 << 4;
	assert_int_equal(packet_parse_l4(short_doff.b, short_doff.len, &l4), -1);
	struct frame long_doff = ipv4(0, 5, IPPROTO_TCP, 5);
	long_doff.b[34 + 12] = 15 << 4; /* 60 bytes claimed, 20 there */
	assert_int_equal(packet_parse_l4(long_doff.b, long_doff.len, &l4), -1);
	struct frame wrong_version = ipv4(0, 5, IPPROTO_TCP, 5);
	wrong_version.b[14] = 0x65;
	assert_int_equal(packet_parse_l4(wrong_version.b, wrong_version.len, &l4), -1);
}

static void test_endless_ipv6_extension_headers_are_refused(void **state)
{
	(void)state;
	struct frame f = { .len = sizeof(f.b) };
	memset(f.b, 0, sizeof(f.b));
	put16(&f.b[12], 0x86dd);
	f.b[14] = 0x60;
	f.b[14 + 6] = IPPROTO_DSTOPTS;
	for (size_t at = 54; at + 8 <= sizeof(f.b); at += 8)
		f.b[at] = IPPROTO_DSTOPTS; /* each names another after it */
	struct packet_l4 l4;
	assert_int_equal(packet_parse_l4(f.b, f.len, &l4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_over_ipv4),
		cmocka_unit_test(test_udp_behind_ip_options_and_two_vlan_tags),
		cmocka_unit_test(test_tcp_over_ipv6_through_extension_headers),
		cmocka_unit_test(test_what_has_no_checksum_to_place_is_refused),
		cmocka_unit_test(test_lies_about_lengths_are_refused),
		cmocka_unit_test(test_endless_ipv6_extension_headers_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
