/* What xentop shows (xentop/frame.c, xentop/table.c), without a terminal:
 * Xen's header and rows byte for byte (batch mode prints them for
 * scripts), CPU(%) between two frames, the summary's counts, the lines of
 * -n, -x and -v, and the order S gives the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "frame.h"
#include "table.h"

static const char header[] = "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS "
			     "NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID";

/* xend's list, out of order on purpose: a guest with a vif and two disks,
 * a paused one, and Domain-0. */
static const char *list_at(double web_cpu, double dom0_cpu)
{
	static char text[2048];
	snprintf(text, sizeof(text),
		 "[{\"domid\": 7, \"name\": \"web\", \"memory\": 128, \"maxmem\": 256, \"vcpus\": 2,"
		 "  \"state\": \"-b----\", \"cpu_time\": %f,"
		 "  \"vifs\": [{\"devid\": 0, \"tx_bytes\": 204800, \"tx_packets\": 10, \"tx_drops\": 0,"
		 "             \"rx_bytes\": 4096, \"rx_packets\": 3, \"rx_drops\": 1}],"
		 "  \"vbds\": [{\"devid\": 51712, \"oo_req\": 1, \"rd_req\": 100, \"wr_req\": 50,"
		 "             \"rd_sect\": 800, \"wr_sect\": 400},"
		 "            {\"devid\": 51728, \"oo_req\": 2, \"rd_req\": 5, \"wr_req\": -1,"
		 "             \"rd_sect\": 40, \"wr_sect\": 0}]},"
		 " {\"domid\": 9, \"name\": \"Alpha\", \"memory\": 512, \"maxmem\": 512, \"vcpus\": 1,"
		 "  \"state\": \"--p---\", \"cpu_time\": 3.0, \"vifs\": [], \"vbds\": []},"
		 " {\"domid\": 0, \"name\": \"Domain-0\", \"memory\": 1024, \"maxmem\": 1024, \"vcpus\": 4,"
		 "  \"state\": \"r-----\", \"cpu_time\": %f}]",
		 web_cpu, dom0_cpu);
	return text;
}

static void frame_at(struct xt_frame *f, const char *list, time_t seconds)
{
	json_t *j = json(list);
	char err[256];
	assert_int_equal(xt_frame_from_list(f, j, err, sizeof(err)), 0);
	json_decref(j);
	f->taken = (struct timespec){ .tv_sec = 1000 + seconds };
	f->wall = 0;
	f->host = (struct xt_host){ .total_kb = 4194304, .free_kb = 1048576, .cpus = 4, .mhz = 2100 };
}

static const struct xt_domain *domain(const struct xt_frame *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->domains[i].name, name) == 0)
			return &f->domains[i];
	fail_msg("no domain %s", name);
	return NULL;
}

/* Every line xt_render gives, each ending in a newline, into `output`;
 * kinds[] and the sort column's text for the first few. */
struct lines {
	FILE *out;
	size_t n, max; /* max: 0 for no limit */
	enum xt_line_kind kinds[64];
	char bold[64][32];
};

static bool collect(void *ctx, enum xt_line_kind kind, const char *text, size_t bold_at, size_t bold_len)
{
	struct lines *l = ctx;
	if (l->max && l->n == l->max)
		return false;
	if (l->n < 64) {
		l->kinds[l->n] = kind;
		snprintf(l->bold[l->n], sizeof(l->bold[0]), "%.*s", (int)bold_len, text + bold_at);
	}
	l->n++;
	fprintf(l->out, "%s\n", text);
	return true;
}

static void render(struct xt_frame *f, struct xt_view *v, struct lines *l)
{
	l->out = capture();
	xt_render(f, v, collect, l);
	fclose(l->out);
}

static void test_batch_frames_are_xens_table(void **state)
{
	(void)state;
	struct xt_frame before, now;
	frame_at(&before, list_at(10.0, 100.0), 0);
	frame_at(&now, list_at(11.0, 102.5), 2);
	xt_frame_cpu_pct(&now, &before);
	struct xt_view v = { .sort = XT_SORT_DOMID, .xen_version = "4.17.0-xenon" };
	struct lines l = { 0 };
	render(&now, &v, &l);
	/* Domain-0 first, then by domain ID; CPU(%) is the CPU time gained over
	 * the 2 s between the frames (2.5 s and 1 s); NETTX is what the guest received
	 * (4 KiB), NETRX what it sent (200 KiB), as Xen counts them at the
	 * backend; a count the VMM has not written (-1) reads 0. */
	char want[2048];
	snprintf(want, sizeof(want),
		 "%s\n"
		 "  Domain-0 -----r        102  125.0    1048576   25.0    1048576      25.0     4    0        0        0    "
		 "0        0        0        0          0          0    0\n"
		 "       web --b---         11   50.0     131072    3.1     262144       6.2     2    1        4      200    "
		 "2        3      105       50        840        400    0\n"
		 "     Alpha ----p-          3    0.0     524288   12.5     524288      12.5     1    0        0        0    "
		 "0        0        0        0          0          0    0\n",
		 header);
	assert_string_equal(output, want);
	assert_int_equal(l.kinds[0], XT_LINE_HEADER);
	assert_int_equal(l.kinds[1], XT_LINE_DOMAIN);
	assert_string_equal(l.bold[1], ""); /* by domain ID: no column marked */
	xt_frame_free(&before);
	xt_frame_free(&now);
}

static void test_cpu_percent_over_the_interval(void **state)
{
	(void)state;
	struct xt_frame first, second, third;
	frame_at(&first, list_at(10.0, 100.0), 0);
	xt_frame_cpu_pct(&first, NULL);
	assert_true(domain(&first, "web")->cpu_pct == 0); /* no earlier frame */

	/* 3 s of CPU over 2 s of wall time: 150%, two vCPUs busy and a half. */
	frame_at(&second, list_at(13.0, 101.0), 2);
	xt_frame_cpu_pct(&second, &first);
	assert_float_equal(domain(&second, "web")->cpu_pct, 150.0, 1e-9);
	assert_float_equal(domain(&second, "Domain-0")->cpu_pct, 50.0, 1e-9);
	assert_float_equal(domain(&second, "Alpha")->cpu_pct, 0.0, 1e-9); /* paused: no CPU gained */

	/* A time that went back (a new domain under the same ID) is no
	 * negative percentage. */
	frame_at(&third, list_at(1.0, 101.5), 3);
	xt_frame_cpu_pct(&third, &second);
	assert_float_equal(domain(&third, "web")->cpu_pct, 0.0, 1e-9);
	assert_float_equal(domain(&third, "Domain-0")->cpu_pct, 50.0, 1e-9);

	/* A domain the earlier frame lacks (just created) shows 0. */
	struct xt_frame without;
	frame_at(&without, "[{\"domid\": 0, \"name\": \"Domain-0\", \"cpu_time\": 101.0}]", 2);
	xt_frame_cpu_pct(&third, &without);
	assert_float_equal(domain(&third, "web")->cpu_pct, 0.0, 1e-9);
	assert_float_equal(domain(&third, "Domain-0")->cpu_pct, 50.0, 1e-9);
	xt_frame_free(&first);
	xt_frame_free(&second);
	xt_frame_free(&third);
	xt_frame_free(&without);
}

/* xend lists managed domains that are not running (xm new) without an ID;
 * xentop shows the running ones and goes on. */
static void test_inactive_managed_domains_are_left_out(void **state)
{
	(void)state;
	json_t *j = json("[{\"domid\": 0, \"name\": \"Domain-0\", \"memory\": 1024, \"state\": \"r-----\"},"
			 " {\"name\": \"defined\", \"memory\": 256, \"state\": \"------\"},"
			 " {\"domid\": 3, \"name\": \"web\", \"memory\": 128, \"state\": \"-b----\"}]");
	struct xt_frame f;
	char err[256];
	assert_int_equal(xt_frame_from_list(&f, j, err, sizeof(err)), 0);
	json_decref(j);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.domains[0].name, "Domain-0");
	assert_string_equal(f.domains[1].name, "web");
	assert_int_equal(f.domains[1].domid, 3);
	xt_frame_free(&f);
}

static void test_summary_counts_each_state_once(void **state)
{
	(void)state;
	json_t *j = json("[{\"domid\": 0, \"name\": \"Domain-0\", \"memory\": 1024, \"state\": \"r-----\"},"
			 " {\"domid\": 1, \"name\": \"a\", \"memory\": 128, \"state\": \"-b----\"},"
			 " {\"domid\": 2, \"name\": \"b\", \"memory\": 128, \"state\": \"-b----\"},"
			 " {\"domid\": 3, \"name\": \"c\", \"memory\": 128, \"state\": \"--p---\"},"
			 " {\"domid\": 4, \"name\": \"d\", \"memory\": 128, \"state\": \"----c-\"},"
			 " {\"domid\": 5, \"name\": \"e\", \"memory\": 128, \"state\": \"---s--\"},"
			 " {\"domid\": 6, \"name\": \"f\", \"memory\": 128, \"state\": \"-----d\"}]");
	struct xt_frame f;
	char err[256];
	assert_int_equal(xt_frame_from_list(&f, j, err, sizeof(err)), 0);
	json_decref(j);
	f.host = (struct xt_host){ .total_kb = 4194304, .free_kb = 1048576, .cpus = 4, .mhz = 2100 };
	f.wall = 3600 * 13 + 60 * 4 + 5;
	setenv("TZ", "UTC", 1);
	struct xt_view v = { .sort = XT_SORT_DOMID, .summary = true, .xen_version = "4.17.0-xenon" };
	struct lines l = { .max = 4 };
	render(&f, &v, &l);
	assert_string_equal(output, "xentop - 13:04:05   Xen 4.17.0-xenon\n"
				    "7 domains: 1 running, 2 blocked, 1 paused, 1 crashed, 1 dying, 1 shutdown \n"
				    "Mem: 4194304k total, 3145728k used, 1048576k free    CPUs: 4 @ 2100MHz\n"
				    "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS "
				    "NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID\n");
	assert_int_equal(l.kinds[0], XT_LINE_SUMMARY);
	assert_int_equal(l.kinds[3], XT_LINE_HEADER);
	assert_int_equal(l.n, 4); /* the screen said it was full: nothing more */
	xt_frame_free(&f);
}

static void test_device_and_vcpu_lines(void **state)
{
	(void)state;
	struct xt_frame f;
	frame_at(&f, list_at(10.0, 100.0), 0);
	json_t *vcpus = json("[{\"vcpu\": 0, \"online\": true, \"cpu_ns\": 5500000000},"
			     " {\"vcpu\": 1, \"online\": true, \"cpu_ns\": 7000000000}]");
	assert_int_equal(xt_domain_vcpus((struct xt_domain *)domain(&f, "web"), vcpus), 0);
	json_decref(vcpus);
	struct xt_view v = { .sort = XT_SORT_DOMID, .networks = true, .vbds = true, .vcpus = true, .first = 1 };
	struct lines l = { .max = 6 };
	render(&f, &v, &l);
	/* Scrolled to web: its row, its vCPUs, its vif from the backend's side
	 * (RX is what the guest sent), each vbd with the major and minor its
	 * number stands for. */
	char want[2048];
	snprintf(want, sizeof(want),
		 "%s\n"
		 "       web --b---         10    0.0     131072    3.1     262144       6.2     2    1        4      200    "
		 "2        3      105       50        840        400    0\n"
		 "VCPUs(sec):   0:          5s  1:          7s\n"
		 "Net0 RX:   204800bytes       10pkts        0err        0drop  TX:     4096bytes        3pkts        0err"
		 "        1drop\n"
		 "VBD BlkBack 51712 [ca: 0]  OO:        1   RD:      100   WR:       50   RSECT:        800   WSECT:        "
		 "400\n"
		 "VBD BlkBack 51728 [ca:10]  OO:        2   RD:        5   WR:        0   RSECT:         40   WSECT:          "
		 "0\n",
		 header);
	assert_string_equal(output, want);
	assert_int_equal(l.kinds[2], XT_LINE_DETAIL);

	/* Scrolling past the end shows the last domain. */
	v = (struct xt_view){ .sort = XT_SORT_DOMID, .first = 40 };
	l = (struct lines){ 0 };
	render(&f, &v, &l);
	assert_int_equal(v.first, 2);
	assert_int_equal(l.n, 2);
	assert_non_null(strstr(output, "     Alpha ----p-"));
	xt_frame_free(&f);
}

static void test_online_vcpus_five_a_line(void **state)
{
	(void)state;
	json_t *j = json("[{\"domid\": 1, \"name\": \"big\", \"memory\": 128, \"vcpus\": 8, \"state\": \"r-----\"},"
			 " {\"domid\": 2, \"name\": \"old\", \"memory\": 128, \"vcpus\": 1, \"state\": \"r-----\"}]");
	struct xt_frame f;
	char err[256];
	assert_int_equal(xt_frame_from_list(&f, j, err, sizeof(err)), 0);
	json_decref(j);
	/* vcpu-list's answer for big: vCPU 2 is offline. */
	j = json("[{\"vcpu\": 0, \"online\": true, \"cpu_ns\": 1000000000},"
		 " {\"vcpu\": 1, \"online\": true, \"cpu_ns\": 2000000000},"
		 " {\"vcpu\": 2, \"online\": false, \"cpu_ns\": 900000000000},"
		 " {\"vcpu\": 3, \"online\": true, \"cpu_ns\": 3000000000},"
		 " {\"vcpu\": 4, \"online\": true, \"cpu_ns\": 4000000000},"
		 " {\"vcpu\": 5, \"online\": true, \"cpu_ns\": 5999999999},"
		 " {\"vcpu\": 6, \"online\": true, \"cpu_ns\": 6000000000},"
		 " {\"vcpu\": 7, \"online\": true, \"cpu_ns\": 70000000000}]");
	assert_int_equal(xt_domain_vcpus(&f.domains[0], j), 0);
	json_decref(j);
	struct xt_view v = { .sort = XT_SORT_DOMID, .vcpus = true, .repeat_header = true };
	struct lines l = { 0 };
	render(&f, &v, &l);
	/* A domain without vCPU times (a xend without vcpu-list) has no such
	 * line; -r repeats the header before each domain. */
	static const char want[] =
		"VCPUs(sec):   0:          1s  1:          2s  3:          3s  4:          4s  5:          5s\n"
		"          6:          6s  7:         70s\n";
	const char *vcpus = strstr(output, "VCPUs(sec):");
	assert_non_null(vcpus);
	assert_memory_equal(vcpus, want, strlen(want));
	assert_int_equal(l.n, 6);
	assert_int_equal(l.kinds[4], XT_LINE_HEADER);
	assert_int_equal(l.kinds[5], XT_LINE_DOMAIN);
	xt_frame_free(&f);
}

static void names_in_order(struct xt_frame *f, int sort, const char *want)
{
	char got[256] = "";
	xt_sort(f, sort);
	for (size_t i = 0; i < f->n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", f->domains[i].name);
	assert_string_equal(got, want);
}

static void test_sort_orders(void **state)
{
	(void)state;
	struct xt_frame before, f;
	frame_at(&before, list_at(10.0, 100.0), 0);
	frame_at(&f, list_at(13.0, 101.0), 2);
	xt_frame_cpu_pct(&f, &before);
	names_in_order(&f, XT_SORT_DOMID, "Domain-0 web Alpha");
	names_in_order(&f, XT_NAME, "Alpha Domain-0 web"); /* case aside */
	names_in_order(&f, XT_STATE, "web Alpha Domain-0"); /* Xen's: blocked, paused, running */
	names_in_order(&f, XT_CPU, "Domain-0 web Alpha");   /* the most first */
	names_in_order(&f, XT_CPU_PCT, "web Domain-0 Alpha");
	names_in_order(&f, XT_MEM, "Domain-0 Alpha web");
	names_in_order(&f, XT_NET_RX, "web Domain-0 Alpha"); /* ties by domain ID */
	names_in_order(&f, XT_VBD_RD, "web Domain-0 Alpha");
	names_in_order(&f, XT_SSID, "Domain-0 web Alpha");

	/* The sort column is the one marked in the header and the rows. */
	struct xt_view v = { .sort = XT_CPU_PCT };
	struct lines l = { 0 };
	render(&f, &v, &l);
	assert_string_equal(l.bold[0], "CPU(%)");
	assert_string_equal(l.bold[1], " 150.0");
	xt_frame_free(&before);
	xt_frame_free(&f);
}

static void test_s_cycles_every_column_and_back(void **state)
{
	(void)state;
	int sort = XT_SORT_DOMID;
	for (int i = 0; i < XT_NFIELDS; i++) {
		sort = xt_sort_next(sort);
		assert_int_equal(sort, i);
	}
	assert_int_equal(xt_sort_next(sort), XT_SORT_DOMID);
}

static void test_what_xend_must_give(void **state)
{
	(void)state;
	struct xt_frame f;
	char err[256];
	json_t *j = json("[{\"domid\": \"one\", \"name\": \"nameless\"}]");
	assert_int_equal(xt_frame_from_list(&f, j, err, sizeof(err)), -1);
	assert_string_equal(err, "xend listed a domain without a valid domain ID");
	json_decref(j);
	j = json("{\"domains\": 1}");
	assert_int_equal(xt_frame_from_list(&f, j, err, sizeof(err)), -1);
	json_decref(j);

	/* A name reaches a terminal: no escape sequence gets through; a state
	 * of other letters reads as none; absent numbers read 0. */
	j = json("[{\"domid\": 3, \"name\": \"evil\\u001b[2J\\n\", \"state\": \"rxq\", \"memory\": -5}]");
	assert_int_equal(xt_frame_from_list(&f, j, err, sizeof(err)), 0);
	json_decref(j);
	assert_string_equal(f.domains[0].name, "evil?[2J?");
	assert_string_equal(f.domains[0].state, "r-----");
	assert_true(f.domains[0].mem_kb == 0 && f.domains[0].nvifs == 0 && f.domains[0].nvbds == 0);
	char cell[64];
	xt_format_field(cell, sizeof(cell), XT_MEM_PCT, &f, &f.domains[0]); /* no host memory known */
	assert_string_equal(cell, "   0.0");
	xt_frame_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_frames_are_xens_table),
		cmocka_unit_test(test_cpu_percent_over_the_interval),
		cmocka_unit_test(test_summary_counts_each_state_once),
		cmocka_unit_test(test_inactive_managed_domains_are_left_out),
		cmocka_unit_test(test_device_and_vcpu_lines),
		cmocka_unit_test(test_online_vcpus_five_a_line),
		cmocka_unit_test(test_sort_orders),
		cmocka_unit_test(test_s_cycles_every_column_and_back),
		cmocka_unit_test(test_what_xend_must_give),
	};
	return cmocka_run_group_tests(tests, NULL, capture_teardown);
}
