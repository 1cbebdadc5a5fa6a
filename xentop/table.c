/* xentop's columns, rows and lines, as Xen's xentop prints them (table.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table.h"

static const struct {
	const char *header;
	int width;
} fields[XT_NFIELDS] = {
	[XT_NAME] = { "NAME", 10 },	       [XT_STATE] = { "STATE", 6 },	   [XT_CPU] = { "CPU(sec)", 10 },
	[XT_CPU_PCT] = { "CPU(%)", 6 },	       [XT_MEM] = { "MEM(k)", 10 },	   [XT_MEM_PCT] = { "MEM(%)", 6 },
	[XT_MAXMEM] = { "MAXMEM(k)", 10 },     [XT_MAX_PCT] = { "MAXMEM(%)", 9 }, [XT_VCPUS] = { "VCPUS", 5 },
	[XT_NETS] = { "NETS", 4 },	       [XT_NET_TX] = { "NETTX(k)", 8 },	   [XT_NET_RX] = { "NETRX(k)", 8 },
	[XT_VBDS] = { "VBDS", 4 },	       [XT_VBD_OO] = { "VBD_OO", 8 },	   [XT_VBD_RD] = { "VBD_RD", 8 },
	[XT_VBD_WR] = { "VBD_WR", 8 },	       [XT_VBD_RSECT] = { "VBD_RSECT", 10 }, [XT_VBD_WSECT] = { "VBD_WSECT", 10 },
	[XT_SSID] = { "SSID", 4 },
};

/* Xen's state letters in xentop's order (xm list has them as r b p s c d). */
static const char xentop_states[] = "dsbcpr";

static bool in_state(const struct xt_domain *d, char letter)
{
	return memchr(d->state, letter, 6) != NULL;
}

/* Xen counts a vif from its backend's interface in Domain-0, which sends
 * what the guest receives: NETTX is the guest's rx, NETRX its tx. */
static uint64_t backend_bytes(const struct xt_domain *d, bool tx)
{
	uint64_t total = 0;
	for (size_t i = 0; i < d->nvifs; i++)
		total += tx ? d->vifs[i].rx_bytes : d->vifs[i].tx_bytes;
	return total;
}

static const enum xt_vbd_count vbd_counts[XT_NFIELDS] = {
	[XT_VBD_OO] = XT_OO_REQ,      [XT_VBD_RD] = XT_RD_REQ,	     [XT_VBD_WR] = XT_WR_REQ,
	[XT_VBD_RSECT] = XT_RD_SECT, [XT_VBD_WSECT] = XT_WR_SECT,
};

/* The number a column of whole numbers shows, and sorts by. */
static uint64_t whole(enum xt_field field, const struct xt_domain *d)
{
	switch (field) {
	case XT_CPU:
		return (uint64_t)d->cpu_s;
	case XT_MEM:
	case XT_MEM_PCT:
		return d->mem_kb;
	case XT_MAXMEM:
	case XT_MAX_PCT:
		return d->maxmem_kb;
	case XT_VCPUS:
		return d->vcpus;
	case XT_NETS:
		return d->nvifs;
	case XT_NET_TX:
		return backend_bytes(d, true);
	case XT_NET_RX:
		return backend_bytes(d, false);
	case XT_VBDS:
		return d->nvbds;
	case XT_VBD_OO:
	case XT_VBD_RD:
	case XT_VBD_WR:
	case XT_VBD_RSECT:
	case XT_VBD_WSECT:
		return xt_vbd_total(d, vbd_counts[field]);
	default:
		return 0; /* SSID: no security labels here */
	}
}

static double percent(uint64_t kb, const struct xt_frame *f)
{
	return f->host.total_kb ? (double)kb / (double)f->host.total_kb * 100 : 0;
}

void xt_format_field(char *out, size_t len, enum xt_field field, const struct xt_frame *f, const struct xt_domain *d)
{
	int w = fields[field].width;
	char state[7];
	switch (field) {
	case XT_NAME:
		snprintf(out, len, "%*s", w, d->name);
		return;
	case XT_STATE:
		for (size_t i = 0; i < 6; i++)
			state[i] = in_state(d, xentop_states[i]) ? xentop_states[i] : '-';
		state[6] = '\0';
		snprintf(out, len, "%s", state);
		return;
	case XT_CPU_PCT:
		snprintf(out, len, "%*.1f", w, d->cpu_pct);
		return;
	case XT_MEM_PCT:
	case XT_MAX_PCT:
		snprintf(out, len, "%*.1f", w, percent(whole(field, d), f));
		return;
	case XT_NET_TX:
	case XT_NET_RX:
		snprintf(out, len, "%*llu", w, (unsigned long long)(whole(field, d) / 1024));
		return;
	default:
		snprintf(out, len, "%*llu", w, (unsigned long long)whole(field, d));
		return;
	}
}

/* ---- order ---- */

int xt_sort_next(int sort)
{
	return (sort + 1) % (XT_SORT_DOMID + 1);
}

static int compare_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static int compare_state(const struct xt_domain *a, const struct xt_domain *b)
{
	for (size_t i = 0; i < 6; i++) {
		bool in_a = in_state(a, xentop_states[i]), in_b = in_state(b, xentop_states[i]);
		if (in_a != in_b)
			return in_a ? -1 : 1;
	}
	return 0;
}

static int compare_field(int sort, const struct xt_domain *a, const struct xt_domain *b)
{
	switch (sort) {
	case XT_SORT_DOMID:
	case XT_SSID:
		return 0;
	case XT_NAME:
		return strcasecmp(a->name, b->name);
	case XT_STATE:
		return compare_state(a, b);
	case XT_CPU:
		return (a->cpu_s < b->cpu_s) - (a->cpu_s > b->cpu_s);
	case XT_CPU_PCT:
		return (a->cpu_pct < b->cpu_pct) - (a->cpu_pct > b->cpu_pct);
	default:
		return -compare_u64(whole((enum xt_field)sort, a), whole((enum xt_field)sort, b));
	}
}

static int compare_domains(const void *pa, const void *pb, void *psort)
{
	const struct xt_domain *a = pa, *b = pb;
	int c = compare_field(*(const int *)psort, a, b);
	return c ? c : compare_u64(a->domid, b->domid);
}

void xt_sort(struct xt_frame *f, int sort)
{
	qsort_r(f->domains, f->n, sizeof(*f->domains), compare_domains, &sort);
}

/* ---- lines ---- */

struct out {
	xt_line_fn *fn;
	void *ctx;
	bool full;
};

static bool emit(struct out *o, enum xt_line_kind kind, const char *text, size_t bold_at, size_t bold_len)
{
	if (!o->full && !o->fn(o->ctx, kind, text, bold_at, bold_len))
		o->full = true;
	return !o->full;
}

static void summary(struct out *o, const struct xt_frame *f, const char *xen_version)
{
	char line[256], when[16];
	struct tm tm;
	strftime(when, sizeof(when), "%H:%M:%S", localtime_r(&f->wall, &tm));
	snprintf(line, sizeof(line), "xentop - %s   Xen %s", when, xen_version);
	emit(o, XT_LINE_SUMMARY, line, 0, 0);

	/* Each domain counts once, in the first state of this order it is in. */
	static const char order[] = "rbpscd";
	unsigned n[6] = { 0 };
	for (size_t i = 0; i < f->n; i++)
		for (size_t s = 0; s < 6; s++)
			if (in_state(&f->domains[i], order[s])) {
				n[s]++;
				break;
			}
	snprintf(line, sizeof(line),
		 "%zu domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown ", f->n, n[0], n[1],
		 n[2], n[4], n[5], n[3]);
	emit(o, XT_LINE_SUMMARY, line, 0, 0);

	uint64_t used = f->host.total_kb > f->host.free_kb ? f->host.total_kb - f->host.free_kb : 0;
	snprintf(line, sizeof(line), "Mem: %lluk total, %lluk used, %lluk free    CPUs: %u @ %uMHz",
		 (unsigned long long)f->host.total_kb, (unsigned long long)used, (unsigned long long)f->host.free_kb,
		 f->host.cpus, f->host.mhz);
	emit(o, XT_LINE_SUMMARY, line, 0, 0);
}

/* A header or a domain's row: the columns, a space between, the sort
 * column marked. */
static void columns(struct out *o, const struct xt_frame *f, const struct xt_domain *d, int sort)
{
	char line[512] = "", cell[64];
	size_t bold_at = 0, bold_len = 0;
	for (int i = 0; i < XT_NFIELDS; i++) {
		if (d)
			xt_format_field(cell, sizeof(cell), (enum xt_field)i, f, d);
		else
			snprintf(cell, sizeof(cell), "%*s", fields[i].width, fields[i].header);
		size_t at = strlen(line) + (i > 0);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s", i > 0 ? " " : "", cell);
		if (i == sort && at < strlen(line)) {
			bold_at = at;
			bold_len = strlen(line) - at;
		}
	}
	emit(o, d ? XT_LINE_DOMAIN : XT_LINE_HEADER, line, bold_at, bold_len);
}

/* Xen's: the online vCPUs, five a line, each one's CPU time in seconds. */
static void vcpu_lines(struct out *o, const struct xt_domain *d)
{
	char line[256];
	for (size_t i = 0; i < d->nvcpu_times; i++) {
		if (i % 5 == 0)
			snprintf(line, sizeof(line), "%s", i == 0 ? "VCPUs(sec): " : "        ");
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %2u: %10llus", d->vcpu_times[i].id,
			 (unsigned long long)d->vcpu_times[i].cpu_s);
		if (i % 5 == 4 || i + 1 == d->nvcpu_times)
			emit(o, XT_LINE_DETAIL, line, 0, 0);
	}
}

/* A vif as Xen counts it, from the backend's side (see backend_bytes).
 * Errors are not counted here: 0, as a vif without any. */
static void vif_line(struct out *o, const struct xt_vif *v)
{
	char line[256];
	snprintf(line, sizeof(line),
		 "Net%u RX: %8llubytes %8llupkts %8lluerr %8lludrop  TX: %8llubytes %8llupkts %8lluerr %8lludrop",
		 v->devid, (unsigned long long)v->tx_bytes, (unsigned long long)v->tx_packets, 0ULL,
		 (unsigned long long)v->tx_drops, (unsigned long long)v->rx_bytes, (unsigned long long)v->rx_packets,
		 0ULL, (unsigned long long)v->rx_drops);
	emit(o, XT_LINE_DETAIL, line, 0, 0);
}

/* A vbd as Xen's: its number, then the major and minor it stands for. */
static void vbd_line(struct out *o, const struct xt_vbd *v)
{
	char line[256];
	const uint64_t *c = v->count;
	snprintf(line, sizeof(line),
		 "VBD BlkBack %4u [%2x:%2x]  OO: %8llu   RD: %8llu   WR: %8llu   RSECT: %10llu   WSECT: %10llu",
		 v->devid, v->devid >> 8, v->devid & 0xff, (unsigned long long)c[XT_OO_REQ],
		 (unsigned long long)c[XT_RD_REQ], (unsigned long long)c[XT_WR_REQ], (unsigned long long)c[XT_RD_SECT],
		 (unsigned long long)c[XT_WR_SECT]);
	emit(o, XT_LINE_DETAIL, line, 0, 0);
}

void xt_render(struct xt_frame *f, struct xt_view *v, xt_line_fn *line, void *ctx)
{
	struct out o = { .fn = line, .ctx = ctx };
	if (v->summary)
		summary(&o, f, v->xen_version);
	xt_sort(f, v->sort);
	if (v->first >= f->n)
		v->first = f->n ? f->n - 1 : 0;
	for (size_t i = v->first; i < f->n && !o.full; i++) {
		const struct xt_domain *d = &f->domains[i];
		if (i == v->first || v->repeat_header)
			columns(&o, f, NULL, v->sort);
		columns(&o, f, d, v->sort);
		if (v->vcpus)
			vcpu_lines(&o, d);
		for (size_t j = 0; v->networks && j < d->nvifs; j++)
			vif_line(&o, &d->vifs[j]);
		for (size_t j = 0; v->vbds && j < d->nvbds; j++)
			vbd_line(&o, &d->vbds[j]);
	}
}
