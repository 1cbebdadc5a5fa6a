/* One frame of xentop, from xend's list (frame.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* A count from xend: absent, negative or not a number reads as 0. */
static uint64_t count(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

/* A time from xend; one no clock could reach (over 30,000 years) reads as 0. */
static double seconds(json_t *v)
{
	double s = json_number_value(v);
	return s > 0 && s < 1e12 ? s : 0;
}

/* A name goes to a terminal: nothing in it may move the cursor. */
static char *printable(const char *s)
{
	char *out = strdup(s ? s : "");
	for (char *p = out; p && *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	return out;
}

static void parse_state(struct xt_domain *d, const char *letters)
{
	memcpy(d->state, "------", sizeof(d->state));
	for (size_t i = 0; letters && letters[i] && i < 6; i++)
		if (strchr("rbpscd", letters[i]))
			d->state[i] = letters[i];
}

static int parse_vifs(struct xt_domain *d, json_t *list)
{
	if (!json_is_array(list))
		return 0;
	d->vifs = calloc(json_array_size(list) + 1, sizeof(*d->vifs));
	if (!d->vifs)
		return -1;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		d->vifs[d->nvifs++] = (struct xt_vif){
			.devid = (uint32_t)count(v, "devid"),
			.tx_bytes = count(v, "tx_bytes"),
			.tx_packets = count(v, "tx_packets"),
			.tx_drops = count(v, "tx_drops"),
			.rx_bytes = count(v, "rx_bytes"),
			.rx_packets = count(v, "rx_packets"),
			.rx_drops = count(v, "rx_drops"),
		};
	}
	return 0;
}

static int parse_vbds(struct xt_domain *d, json_t *list)
{
	if (!json_is_array(list))
		return 0;
	d->vbds = calloc(json_array_size(list) + 1, sizeof(*d->vbds));
	if (!d->vbds)
		return -1;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		d->vbds[d->nvbds++] = (struct xt_vbd){
			.devid = (uint32_t)count(v, "devid"),
			.count = { [XT_OO_REQ] = count(v, "oo_req"), [XT_RD_REQ] = count(v, "rd_req"),
				   [XT_WR_REQ] = count(v, "wr_req"), [XT_RD_SECT] = count(v, "rd_sect"),
				   [XT_WR_SECT] = count(v, "wr_sect") },
		};
	}
	return 0;
}

static int parse_domain(struct xt_domain *d, json_t *j, char *err, size_t errlen)
{
	json_t *domid = json_object_get(j, "domid");
	if (!json_is_object(j) || !json_is_integer(domid) || json_integer_value(domid) < 0 ||
	    json_integer_value(domid) > UINT32_MAX) {
		snprintf(err, errlen, "xend listed a domain without a valid domain ID");
		return -1;
	}
	d->domid = (uint32_t)json_integer_value(domid);
	d->name = printable(json_string_value(json_object_get(j, "name")));
	parse_state(d, json_string_value(json_object_get(j, "state")));
	d->cpu_s = seconds(json_object_get(j, "cpu_time"));
	d->mem_kb = count(j, "memory") * 1024;
	d->maxmem_kb = count(j, "maxmem") * 1024;
	d->vcpus = (unsigned)count(j, "vcpus");
	if (!d->name || parse_vifs(d, json_object_get(j, "vifs")) < 0 || parse_vbds(d, json_object_get(j, "vbds")) < 0) {
		snprintf(err, errlen, "out of memory reading domain %u", d->domid);
		return -1;
	}
	return 0;
}

int xt_frame_from_list(struct xt_frame *f, json_t *domains, char *err, size_t errlen)
{
	*f = (struct xt_frame){ 0 };
	if (!json_is_array(domains)) {
		snprintf(err, errlen, "xend's list has no domains");
		return -1;
	}
	f->domains = calloc(json_array_size(domains) + 1, sizeof(*f->domains));
	if (!f->domains) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t i;
	json_t *j;
	json_array_foreach(domains, i, j) {
		/* A managed domain that is not running (xm new) has no ID and
		 * nothing to monitor: Xen's xentop showed only running ones. */
		if (json_is_object(j) && !json_object_get(j, "domid"))
			continue;
		if (parse_domain(&f->domains[f->n++], j, err, errlen) < 0) {
			xt_frame_free(f);
			return -1;
		}
	}
	return 0;
}

void xt_frame_free(struct xt_frame *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->domains[i].name);
		free(f->domains[i].vifs);
		free(f->domains[i].vbds);
		free(f->domains[i].vcpu_times);
	}
	free(f->domains);
	*f = (struct xt_frame){ 0 };
}

int xt_domain_vcpus(struct xt_domain *d, json_t *vcpus)
{
	free(d->vcpu_times);
	d->vcpu_times = NULL;
	d->nvcpu_times = 0;
	if (!json_is_array(vcpus))
		return 0;
	d->vcpu_times = calloc(json_array_size(vcpus) + 1, sizeof(*d->vcpu_times));
	if (!d->vcpu_times)
		return -1;
	size_t i;
	json_t *v;
	json_array_foreach(vcpus, i, v) {
		if (!json_is_true(json_object_get(v, "online")))
			continue;
		d->vcpu_times[d->nvcpu_times++] = (struct xt_vcpu){
			.id = (unsigned)count(v, "vcpu"),
			.cpu_s = (double)count(v, "cpu_ns") / 1e9,
		};
	}
	return 0;
}

static const struct xt_domain *find(const struct xt_frame *f, uint32_t domid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->domains[i].domid == domid)
			return &f->domains[i];
	return NULL;
}

void xt_frame_cpu_pct(struct xt_frame *cur, const struct xt_frame *prev)
{
	double wall = prev ? (double)(cur->taken.tv_sec - prev->taken.tv_sec) +
				     (double)(cur->taken.tv_nsec - prev->taken.tv_nsec) / 1e9
			   : 0;
	for (size_t i = 0; i < cur->n; i++) {
		struct xt_domain *d = &cur->domains[i];
		const struct xt_domain *before = prev ? find(prev, d->domid) : NULL;
		d->cpu_pct = 0;
		if (before && wall > 0 && d->cpu_s >= before->cpu_s)
			d->cpu_pct = (d->cpu_s - before->cpu_s) / wall * 100;
	}
}

uint64_t xt_vbd_total(const struct xt_domain *d, enum xt_vbd_count which)
{
	uint64_t total = 0;
	for (size_t i = 0; i < d->nvbds; i++)
		total += d->vbds[i].count[which];
	return total;
}
