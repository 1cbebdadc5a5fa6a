#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* One descriptor on the device: the first makes it (IFF_TUN_EXCL: never
 * one that already exists), the others attach further queues. */
static int open_queue(const char *name, bool create)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE };
	if (create)
		ifr.ifr_flags |= IFF_TUN_EXCL;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	int hdr_size = sizeof(struct virtio_net_hdr);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int set_address(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memset(ifr.ifr_hwaddr.sa_data, 0xff, 6);
	ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
	int r = ioctl(s, SIOCSIFHWADDR, &ifr);
	int e = errno;
	close(s);
	errno = e;
	return r;
}

int tap_open(struct tap *t, const char *name, char *err, size_t errlen)
{
	*t = (struct tap){ .nr_queues = 0 };
	for (unsigned i = 0; i < TAP_MAX_QUEUES; i++)
		t->fds[i] = -1;
	if (!name[0] || strlen(name) >= sizeof(t->name)) {
		snprintf(err, errlen, "'%s' cannot name a network device (1 to %zu characters)", name,
			 sizeof(t->name) - 1);
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->fds[0] = open_queue(name, true);
	if (t->fds[0] < 0) {
		if (errno == EBUSY || errno == EEXIST)
			snprintf(err, errlen, "the host already has a network device named %s", name);
		else if (errno == ENOENT || errno == ENODEV)
			snprintf(err, errlen, "making the TAP device %s: this host has no /dev/net/tun (modprobe tun)",
				 name);
		else
			snprintf(err, errlen, "making the TAP device %s: %s", name, strerror(errno));
		return -1;
	}
	t->nr_queues = 1;
	if (set_address(name) < 0) {
		snprintf(err, errlen, "setting the address of %s: %s", name, strerror(errno));
		tap_close(t);
		return -1;
	}
	tap_set_carrier(t, false);
	return 0;
}

int tap_set_queues(struct tap *t, unsigned n)
{
	if (n < 1 || n > TAP_MAX_QUEUES)
		return -1;
	while (t->nr_queues > n) {
		close(t->fds[--t->nr_queues]);
		t->fds[t->nr_queues] = -1;
	}
	while (t->nr_queues < n) {
		int fd = open_queue(t->name, false);
		if (fd < 0) {
			log_err("%s: opening its queue %u: %s", t->name, t->nr_queues, strerror(errno));
			return -1;
		}
		t->fds[t->nr_queues++] = fd;
	}
	return 0;
}

int tap_set_offload(struct tap *t, unsigned offloads)
{
	/* The setting is the device's: one descriptor sets it for all. */
	if (ioctl(t->fds[0], TUNSETOFFLOAD, offloads) < 0) {
		log_err("%s: setting its offloads to %#x: %s", t->name, offloads, strerror(errno));
		return -1;
	}
	return 0;
}

void tap_set_carrier(struct tap *t, bool on)
{
	int carrier = on;
	if (t->nr_queues && ioctl(t->fds[0], TUNSETCARRIER, &carrier) < 0)
		log_warn("%s: setting its carrier %s: %s", t->name, on ? "on" : "off", strerror(errno));
}

void tap_close(struct tap *t)
{
	for (unsigned i = 0; i < TAP_MAX_QUEUES; i++) {
		if (t->fds[i] >= 0)
			close(t->fds[i]);
		t->fds[i] = -1;
	}
	t->nr_queues = 0;
}
