/* xenon-probe: says whether this host's KVM can run Xen guests, and if not, why
 * and what to do instead. Exit status 0 for yes, 1 for no, 2 for bad usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "kvm_probe.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: xenon-probe [--device PATH]\n"
		     "Says whether this host's KVM can run Xen guests (exit 0) or not (exit 1).\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *device = "/dev/kvm";
	int c;

	while ((c = getopt_long(argc, argv, "d:h", options, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "xenon-probe: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	struct kvm_probe probe;
	probe_host(&probe, device, "/sys/module");
	return probe_report(stdout, &probe) ? 0 : 1;
}
