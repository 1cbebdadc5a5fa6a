/* xentop: Xen's real-time monitor of a host and its domains. Every delay
 * it asks xend for its list of domains (with each one's vbds and vifs) and
 * shows a row per domain, as Xen's xentop: CPU time and CPU(%) over the
 * last interval, memory, vCPUs, network and disk counts. On a terminal it
 * is a curses screen driven by keys (screen.c); -b prints each frame to
 * standard output instead, for scripts, with no summary, as Xen's does. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "version.h" /* vmm/abi: the Xen the guests are told they run on */
#include "gather.h"
#include "screen.h"
#include "table.h"

#define STR(x) #x
#define XSTR(x) STR(x)
#define XEN_VERSION XSTR(XEN_VERSION_MAJOR) "." XSTR(XEN_VERSION_MINOR) XEN_EXTRAVERSION

static void usage(const char *program)
{
	printf("Usage: %s [OPTION]\n"
	       "Displays ongoing information about xen vm resources \n\n"
	       "-h, --help           display this help and exit\n"
	       "-V, --version        output version information and exit\n"
	       "-d, --delay=SECONDS  seconds between updates (default 3)\n"
	       "-n, --networks       output vif network data\n"
	       "-x, --vbds           output vbd block device data\n"
	       "-r, --repeat-header  repeat table header before each domain\n"
	       "-v, --vcpus          output vcpu data\n"
	       "-b, --batch          output in batch mode, no user input accepted\n"
	       "-i, --iterations     number of iterations before exiting\n"
	       "\n"
	       "Keys: D delay, N networks, B vbds, V vCPUs, R repeat header, S sort order\n"
	       "(the columns in turn, then back to domain ID), arrows and page keys scroll,\n"
	       "Q or Esc quits.\n",
	       program);
}

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static bool print_line(void *ctx, enum xt_line_kind kind, const char *text, size_t bold_at, size_t bold_len)
{
	puts(text);
	return true;
}

static void sleep_seconds(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };
	while (!stopping && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Batch mode: each frame's lines to standard output until `iterations`
 * frames (0: until a signal). */
static int batch(struct xt_view *v, double delay, unsigned iterations)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct xt_frames fs = { 0 };
	char err[512];
	int status = 0;
	while (!stopping) {
		if (xt_frames_next(&fs, v->vcpus, err, sizeof(err)) < 0) {
			fprintf(stderr, "xentop: %s\n", err);
			status = 1;
			break;
		}
		xt_render(&fs.cur, v, print_line, NULL);
		if (fflush(stdout) != 0) {
			status = 1; /* the reader has gone */
			break;
		}
		if (iterations && fs.taken >= iterations)
			break;
		sleep_seconds(delay);
	}
	xt_frames_free(&fs);
	return status;
}

static bool parse_iterations(const char *text, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(text, &end, 10);
	if (end == text || *end || errno || n == 0 || n > 1000000000 || text[0] == '-')
		return false;
	*out = (unsigned)n;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },	      { "version", no_argument, NULL, 'V' },
		{ "networks", no_argument, NULL, 'n' },	      { "vbds", no_argument, NULL, 'x' },
		{ "repeat-header", no_argument, NULL, 'r' }, { "vcpus", no_argument, NULL, 'v' },
		{ "delay", required_argument, NULL, 'd' },   { "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'i' }, { 0 },
	};
	struct xt_view view = { .sort = XT_SORT_DOMID, .summary = true, .xen_version = XEN_VERSION };
	double delay = 3;
	unsigned iterations = 0;
	bool batch_mode = false;
	int c;
	while ((c = getopt_long(argc, argv, "hVnxrvd:bi:", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(argv[0]);
			return 0;
		case 'V':
			printf("xentop 1.0 (Xenon, for Xen %s)\n", XEN_VERSION);
			return 0;
		case 'n':
			view.networks = true;
			break;
		case 'x':
			view.vbds = true;
			break;
		case 'r':
			view.repeat_header = true;
			break;
		case 'v':
			view.vcpus = true;
			break;
		case 'b':
			batch_mode = true;
			break;
		case 'd':
			if (!xt_parse_delay(optarg, &delay)) {
				fprintf(stderr, "xentop: -d wants seconds over 0 (at most a day), not '%s'\n", optarg);
				return 1;
			}
			break;
		case 'i':
			if (!parse_iterations(optarg, &iterations)) {
				fprintf(stderr, "xentop: -i wants a number of iterations (1 or more), not '%s'\n", optarg);
				return 1;
			}
			break;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xentop: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (!batch_mode)
		return xt_screen_run(&view, delay, iterations);
	view.summary = false;
	return batch(&view, delay, iterations);
}
