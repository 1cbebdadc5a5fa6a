#include "packet.h"

#include <netinet/in.h>

#define ETH_HEADER 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define IPV6_HEADER 40
#define MAX_IPV6_EXTENSIONS 8

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Where the IPv4 header at `l3` ends, and what it carries. */
static int parse_ipv4(const uint8_t *f, size_t len, size_t l3, struct packet_l4 *out)
{
	if (l3 + 20 > len || f[l3] >> 4 != 4)
		return -1;
	size_t ihl = (size_t)(f[l3] & 0xf) * 4;
	if (ihl < 20)
		return -1;
	out->protocol = f[l3 + 9];
	out->fragment = (be16(&f[l3 + 6]) & 0x3fff) != 0; /* more fragments, or an offset */
	out->l4_offset = (uint16_t)(l3 + ihl);
	return 0;
}

/* The same for IPv6, through its extension headers. */
static int parse_ipv6(const uint8_t *f, size_t len, size_t l3, struct packet_l4 *out)
{
	if (l3 + IPV6_HEADER > len || f[l3] >> 4 != 6)
		return -1;
	out->ipv6 = true;
	uint8_t next = f[l3 + 6];
	size_t at = l3 + IPV6_HEADER;
	for (int i = 0; i < MAX_IPV6_EXTENSIONS; i++) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (at + 8 > len)
				return -1;
			next = f[at];
			at += ((size_t)f[at + 1] + 1) * 8;
			continue;
		case IPPROTO_AH:
			if (at + 8 > len)
				return -1;
			next = f[at];
			at += ((size_t)f[at + 1] + 2) * 4;
			continue;
		case IPPROTO_FRAGMENT:
			if (at + 8 > len)
				return -1;
			out->fragment = true;
			next = f[at];
			at += 8;
			continue;
		default:
			break;
		}
		break;
	}
	if (at > UINT16_MAX)
		return -1;
	out->protocol = next;
	out->l4_offset = (uint16_t)at;
	return 0;
}

int packet_parse_l4(const uint8_t *f, size_t len, struct packet_l4 *out)
{
	*out = (struct packet_l4){ 0 };
	if (len < ETH_HEADER)
		return -1;
	size_t l3 = ETH_HEADER;
	uint16_t type = be16(&f[12]);
	for (int tags = 0; tags < 2 && (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); tags++) {
		if (l3 + 4 > len)
			return -1;
		type = be16(&f[l3 + 2]);
		l3 += 4;
	}
	int r = type == ETHERTYPE_IPV4 ? parse_ipv4(f, len, l3, out)
		: type == ETHERTYPE_IPV6 ? parse_ipv6(f, len, l3, out)
		: -1;
	if (r < 0 || out->fragment)
		return -1;
	size_t l4 = out->l4_offset;
	switch (out->protocol) {
	case IPPROTO_TCP:
		if (l4 + 20 > len)
			return -1;
		out->l4_length = (uint16_t)((f[l4 + 12] >> 4) * 4);
		out->csum_offset = 16;
		if (out->l4_length < 20)
			return -1;
		break;
	case IPPROTO_UDP:
		out->l4_length = 8;
		out->csum_offset = 6;
		break;
	default:
		return -1;
	}
	return l4 + out->l4_length <= len ? 0 : -1;
}
