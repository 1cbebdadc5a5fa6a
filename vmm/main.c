/* xenon-vmm: runs one domain. xend starts one per domain; it can also be run
 * by hand to boot a kernel as a Xen guest:
 *
 *   xenon-vmm --name demo --memory 256 --kernel vmlinuz --ramdisk initrd.img \
 *             --cmdline "console=hvc0"
 *
 * The guest's console is this process's standard input and output (or a PTY,
 * with --console-pty). The exit status says how the domain ended: 0
 * poweroff, 2 reboot, 3 crash or destroyed, 1 error.
 *
 * xend adds --control (the control socket of vmm/control.h; the domain
 * starts paused and, once ended, waits to be destroyed), --xenstore (the
 * guest gets a XenStore ring) and --console-pty; for xm restore,
 * --restore-fd (the save stream after xend's record, instead of a kernel;
 * the image says the domain's RAM and vCPUs); for xm migrate, --incoming
 * as well (the stream is a connection from the source host, and the domain
 * destroys itself if it is not let run in time). */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/blkback.h"
#include "backends/netback.h"
#include "backends/xenbus.h"
#include "backends/console.h"
#include "control.h"
#include "domain.h"
#include "log.h"
#include "save.h"

static struct domain dom;

/* SIGTERM and SIGINT destroy the domain (xm destroy), saying where it was. */
static void *signal_waiter(void *arg)
{
	sigset_t *set = arg;
	int sig;
	if (sigwait(set, &sig) == 0) {
		log_info("signal %d: destroying the domain", sig);
		domain_end(&dom, END_DESTROY);
		control_server_release();
	}
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xenon-vmm --kernel FILE [--ramdisk FILE] [--cmdline TEXT] [--name NAME]\n"
		"                 [--domid N] [--memory MB] [--vcpus N] [--console-log FILE] [--console-pty]\n"
		"                 [--xenstore] [--control] [--restore-fd FD [--incoming]] [--verbose]\n");
}

/* How long a domain migrated in (--incoming) waits paused for its
 * toolstack to let it run before it takes the migration for failed. */
#define INCOMING_COMMIT_SECONDS 60

static bool parse_number(const char *option, const char *text, uint64_t min, uint64_t max,
			 uint64_t *out)
{
	char *end;
	unsigned long long n = strtoull(text, &end, 10);
	if (!*text || *end || text[0] == '-' || n < min || n > max) {
		log_err("%s wants a number from %llu to %llu, not '%s'", option,
			(unsigned long long)min, (unsigned long long)max, text);
		return false;
	}
	*out = n;
	return true;
}

/* The split-driver backends' devices, then their XenStore connection. */
static void stop_backends(struct domain *d)
{
	netback_teardown(d);
	blkback_teardown(d);
	xenbus_stop();
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "domid", required_argument, NULL, 'd' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "ramdisk", required_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "console-log", required_argument, NULL, 'l' },
		{ "console-pty", no_argument, NULL, 'p' },
		{ "xenstore", no_argument, NULL, 's' },
		{ "control", no_argument, NULL, 'C' },
		{ "restore-fd", required_argument, NULL, 'R' },
		{ "incoming", no_argument, NULL, 'I' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct domain_config cfg = { .name = "domU", .domid = 1, .memory_mb = 256, .vcpus = 1, .restore_fd = -1 };
	uint64_t n;
	bool control = false, incoming = false;
	int c;

	log_set_prefix("xenon-vmm", NULL);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'n': cfg.name = optarg; break;
		case 'd':
			if (!parse_number("--domid", optarg, 1, 0x7fef, &n))
				return 1;
			cfg.domid = (uint32_t)n;
			break;
		case 'm':
			if (!parse_number("--memory", optarg, 16, 1 << 20, &n))
				return 1;
			cfg.memory_mb = n;
			break;
		case 'c':
			if (!parse_number("--vcpus", optarg, 1, MAX_VCPUS, &n))
				return 1;
			cfg.vcpus = (unsigned)n;
			break;
		case 'k': cfg.kernel = optarg; break;
		case 'r': cfg.ramdisk = optarg; break;
		case 'a': cfg.cmdline = optarg; break;
		case 'l': cfg.console_log = optarg; break;
		case 'p': cfg.console_pty = true; break;
		case 's': cfg.xenstore = true; break;
		case 'C': control = cfg.start_paused = true; break;
		case 'R':
			if (!parse_number("--restore-fd", optarg, 3, 1 << 20, &n))
				return 1;
			cfg.restore_fd = (int)n;
			break;
		case 'I': incoming = true; break;
		case 'v': log_set_verbose(true); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc || (!cfg.kernel && cfg.restore_fd < 0) || (incoming && (cfg.restore_fd < 0 || !control))) {
		usage(stderr);
		return 1;
	}
	log_set_prefix("xenon-vmm", cfg.name);
	/* A restored domain is the size its image says. */
	static struct save_domain restore;
	if (cfg.restore_fd >= 0) {
		if (save_read_domain(cfg.restore_fd, &restore) < 0)
			return 1;
		cfg.memory_mb = restore.ram_bytes >> 20;
		cfg.vcpus = restore.vcpus;
		cfg.restore = &restore;
	}

	/* A migration's connection that breaks, or a toolstack gone away, is
	 * an error to report, not the end of the domain. */
	signal(SIGPIPE, SIG_IGN);
	/* Block the ending signals in every thread; one thread waits for them. */
	static sigset_t ending;
	sigemptyset(&ending);
	sigaddset(&ending, SIGTERM);
	sigaddset(&ending, SIGINT);
	sigaddset(&ending, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ending, NULL);
	pthread_t waiter;
	pthread_create(&waiter, NULL, signal_waiter, &ending);
	pthread_detach(waiter);

	if (domain_create(&dom, &cfg) < 0) {
		if (cfg.restore_fd >= 0)
			close(cfg.restore_fd);
		return 1;
	}
	/* Before the control socket opens: xend never sees it otherwise. */
	if (incoming)
		control_server_hold_incoming(&dom);
	bool ready = true;
	if (cfg.restore_fd >= 0) {
		/* The socket opens first, so that xend sets up the vifs (their
		 * scripts take seconds) while the image loads: for a live
		 * migration, during the pre-copy rather than the stop. */
		ready = !control || control_server_start(&dom, true) == 0;
		ready = ready && save_load(&dom, cfg.restore_fd, cfg.restore) == 0;
		close(cfg.restore_fd);
	}
	ready = ready && console_start(&dom) == 0 && (cfg.restore_fd < 0 || save_check_ports(&dom) == 0) &&
		(!control || cfg.restore_fd >= 0 || control_server_start(&dom, false) == 0);
	if (cfg.restore_fd >= 0)
		control_server_restored(ready);
	if (!ready) {
		control_server_stop();
		stop_backends(&dom);
		domain_destroy(&dom);
		return 1;
	}
	if (incoming)
		control_server_await_commit(INCOMING_COMMIT_SECONDS);
	/* A domain that ended by itself waits for the toolstack; one destroyed
	 * from outside (xm destroy, a signal) is done. One that suspended may
	 * be told to go on. */
	enum domain_end end;
	do
		end = domain_run(&dom);
	while (control && end != END_DESTROY && control_server_wait_release(&dom, end));
	control_server_stop();
	stop_backends(&dom);
	if (end == END_DESTROY || end == END_CRASH) {
		domain_log_registers(&dom); /* where it was, for whoever looks into it */
		evtchn_log_state(&dom);
	}
	unsigned unknown = dom.xen.unknown_count;
	domain_destroy(&dom);
	if (unknown)
		log_info("%u hypercalls were not handled (each kind logged once above)", unknown);
	switch (end) {
	case END_POWEROFF: return 0;
	case END_REBOOT: return 2;
	default: return 3;
	}
}
