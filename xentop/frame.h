/* One frame of xentop: every domain as xend's list gives it, the host's
 * memory and CPUs, and when it was taken. Two frames in a row give each
 * domain's CPU(%) over the interval between them. */
#ifndef XENTOP_FRAME_H
#define XENTOP_FRAME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A vif's counts as the VMM keeps them, from the guest's side: tx is what
 * the guest sent. */
struct xt_vif {
	uint32_t devid;
	uint64_t tx_bytes, tx_packets, tx_drops;
	uint64_t rx_bytes, rx_packets, rx_drops;
};

/* A vbd's counts: requests that waited for a free slot (out of order: Xen's
 * OO), reads, writes, and the sectors read and written. */
enum xt_vbd_count { XT_OO_REQ, XT_RD_REQ, XT_WR_REQ, XT_RD_SECT, XT_WR_SECT, XT_VBD_NCOUNTS };

struct xt_vbd {
	uint32_t devid; /* Xen's vbd number (51712 is xvda) */
	uint64_t count[XT_VBD_NCOUNTS];
};

struct xt_vcpu {
	unsigned id;
	double cpu_s;
};

struct xt_domain {
	uint32_t domid;
	char *name;    /* unprintable bytes replaced by '?' */
	char state[7]; /* xm list's letters: r b p s c d, or '-' */
	double cpu_s;  /* CPU time so far */
	double cpu_pct; /* over the last interval; 0 without an earlier frame */
	uint64_t mem_kb, maxmem_kb;
	unsigned vcpus;
	size_t nvifs, nvbds;
	struct xt_vif *vifs;
	struct xt_vbd *vbds;
	size_t nvcpu_times; /* its online vCPUs, where asked for (-v) */
	struct xt_vcpu *vcpu_times;
};

struct xt_host {
	uint64_t total_kb, free_kb;
	unsigned cpus;
	unsigned mhz; /* 0: not known */
};

struct xt_frame {
	struct timespec taken; /* CLOCK_MONOTONIC: the interval between frames */
	time_t wall;           /* the time the header shows */
	struct xt_host host;
	size_t n;
	struct xt_domain *domains; /* in xend's order (by domain ID) until sorted */
};

/* Fills `f` (zeroed first) from xend's list: its "domains" array. The time
 * and host are the caller's. 0, or -1 with `err` saying what is wrong. */
int xt_frame_from_list(struct xt_frame *f, json_t *domains, char *err, size_t errlen);
void xt_frame_free(struct xt_frame *f);

/* `d`'s online vCPUs and their CPU time, from the "vcpus" of xend's
 * vcpu-list ([{vcpu, online, cpu_ns}, ...]). 0, or -1 out of memory. */
int xt_domain_vcpus(struct xt_domain *d, json_t *vcpus);

/* Each domain of `cur`'s CPU(%) since `prev` (NULL: none, 0%): the CPU
 * time it gained over the wall time between the frames, as a percentage of
 * one CPU. A domain not in `prev`, or whose time went back, shows 0. */
void xt_frame_cpu_pct(struct xt_frame *cur, const struct xt_frame *prev);

/* One count summed over a domain's vbds. */
uint64_t xt_vbd_total(const struct xt_domain *d, enum xt_vbd_count which);

#endif
