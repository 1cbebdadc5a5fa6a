/* What an Ethernet frame's headers say, as far as the network backend must
 * know to pass a guest's offloads on: where its transport header starts
 * and how long it is, so a checksum left to do ("csum_blank") or a TCP
 * segment to cut (GSO) can be described to the host's kernel. The frame is
 * the guest's: nothing in it is trusted. */
#ifndef XENON_BACKENDS_PACKET_H
#define XENON_BACKENDS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct packet_l4 {
	bool ipv6;
	bool fragment;          /* an IP fragment: its transport header is elsewhere */
	uint8_t protocol;       /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t l4_offset;     /* from the frame's start */
	uint16_t l4_length;     /* TCP's data offset in bytes, or UDP's 8 */
	uint16_t csum_offset;   /* the checksum field, from l4_offset */
};

/* Parses the frame's first `len` bytes (Ethernet, up to two VLAN tags, IPv4
 * or IPv6 and its extension headers). 0 for a TCP or UDP packet (not a
 * fragment) whose transport header, whole, lies within them; -1 for any
 * other frame (not IP, another protocol, truncated, nonsense). */
int packet_parse_l4(const uint8_t *frame, size_t len, struct packet_l4 *out);

#endif
