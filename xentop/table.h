/* What xentop shows of a frame, as text: Xen's columns, its summary, a
 * line per vif, vbd and vCPU, and the order of the rows. The curses screen
 * and batch mode print the same lines (xt_render). */
#ifndef XENTOP_TABLE_H
#define XENTOP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "frame.h"

/* Xen's columns, in its order. */
enum xt_field {
	XT_NAME,
	XT_STATE,
	XT_CPU,
	XT_CPU_PCT,
	XT_MEM,
	XT_MEM_PCT,
	XT_MAXMEM,
	XT_MAX_PCT,
	XT_VCPUS,
	XT_NETS,
	XT_NET_TX,
	XT_NET_RX,
	XT_VBDS,
	XT_VBD_OO,
	XT_VBD_RD,
	XT_VBD_WR,
	XT_VBD_RSECT,
	XT_VBD_WSECT,
	XT_SSID,
	XT_NFIELDS
};

/* The rows' order: a column, or by domain ID (the first order, which puts
 * Domain-0 first; S goes through the columns and back to it). */
#define XT_SORT_DOMID XT_NFIELDS
int xt_sort_next(int sort);
/* Sorts `f`'s domains: a name ascending (case aside), a state in Xen's
 * order, a number descending; ties by domain ID. */
void xt_sort(struct xt_frame *f, int sort);

/* Column `field` of `d`, padded to its width. */
void xt_format_field(char *out, size_t len, enum xt_field field, const struct xt_frame *f, const struct xt_domain *d);

/* What to show, as xentop's options and keys set it. */
struct xt_view {
	int sort;
	bool summary; /* not in batch mode, as in Xen */
	bool vcpus, networks, vbds, repeat_header;
	size_t first; /* the first domain shown: scrolling */
	const char *xen_version;
};

enum xt_line_kind { XT_LINE_SUMMARY, XT_LINE_HEADER, XT_LINE_DOMAIN, XT_LINE_DETAIL };

/* Takes one line (no newline); the sort column, where the line has one,
 * is text[bold_at .. bold_at + bold_len). False: no room for more. */
typedef bool xt_line_fn(void *ctx, enum xt_line_kind kind, const char *text, size_t bold_at, size_t bold_len);

/* Sorts `f` and gives each line of it, in order, to `line`. v->first is
 * brought within the domains. */
void xt_render(struct xt_frame *f, struct xt_view *v, xt_line_fn *line, void *ctx);

#endif
