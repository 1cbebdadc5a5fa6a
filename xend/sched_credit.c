/* Each domain's credit scheduler parameters, as Xen's xend kept them: the
 * weight and cap live in the domain's config (cpu_weight, cpu_cap), so its
 * record keeps them for a new xend and a restart (on_reboot=restart) gives
 * them to the new VMM; sched.c makes the host's scheduler honour them.
 *
 *   sched-credit {}                       -> {domains: [{name, domid,
 *                                            weight, cap}]}, Domain-0 first
 *   sched-credit {domain}                 -> the same, that domain alone
 *   sched-credit {domain, weight?, cap?}  sets what is given */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "credit.h"
#include "log.h"
#include "xend.h"

static unsigned config_value(const struct xdomain *d, const char *key, unsigned fallback)
{
	json_t *v = json_object_get(d->config, key);
	return json_is_integer(v) ? (unsigned)json_integer_value(v) : fallback;
}

unsigned sched_weight_of(const struct xdomain *d)
{
	return config_value(d, "cpu_weight", CREDIT_WEIGHT_DEFAULT);
}

unsigned sched_cap_of(const struct xdomain *d)
{
	return config_value(d, "cpu_cap", CREDIT_CAP_DEFAULT);
}

/* The config's cpu_weight and cpu_cap, if given, in Xen's ranges. */
static int check_config(const struct xdomain *d, char *err, size_t errlen)
{
	json_t *weight = json_object_get(d->config, "cpu_weight"), *cap = json_object_get(d->config, "cpu_cap");
	if ((weight && !json_is_integer(weight)) || (cap && !json_is_integer(cap))) {
		snprintf(err, errlen, "cpu_weight and cpu_cap must be whole numbers");
		return -1;
	}
	if ((weight && !credit_weight_valid(json_integer_value(weight), err, errlen)) ||
	    (cap && !credit_cap_valid(json_integer_value(cap), d->vcpus, err, errlen)))
		return -1;
	return 0;
}

int sched_domain_start(struct xdomain *d, char *err, size_t errlen)
{
	if (check_config(d, err, errlen) < 0)
		return -1;
	unsigned weight = sched_weight_of(d), cap = sched_cap_of(d);
	if (sched_unavailable()) {
		/* Xen's defaults are what an unmanaged process gets anyway. */
		if (weight == CREDIT_WEIGHT_DEFAULT && cap == CREDIT_CAP_DEFAULT)
			return 0;
		snprintf(err, errlen, "cpu_weight %u and cpu_cap %u cannot be enforced: %s", weight, cap,
			 sched_unavailable());
		return -1;
	}
	return sched_group_join(d->domid, d->pid, weight, cap, err, errlen);
}

void sched_domain_recover(struct xdomain *d)
{
	char err[512];
	if (sched_unavailable() || d->pid <= 0)
		return;
	/* Its group is there already unless cgroup v2 came after it did. */
	if (sched_group_join(d->domid, d->pid, sched_weight_of(d), sched_cap_of(d), err, sizeof(err)) < 0)
		log_warn("domain %s (%u): %s", d->name, d->domid, err);
}

static json_t *entry(const char *name, uint32_t domid, unsigned weight, unsigned cap)
{
	return json_pack("{s:s, s:I, s:I, s:I}", "name", name, "domid", (json_int_t)domid, "weight",
			 (json_int_t)weight, "cap", (json_int_t)cap);
}

static bool is_dom0(const char *name)
{
	return strcmp(name, "0") == 0 || strcmp(name, "Domain-0") == 0;
}

/* Every domain by ID, Domain-0 (the host, which xend does not schedule:
 * Xen's defaults) first. */
static json_t *list_all(void)
{
	json_t *all = json_array();
	json_array_append_new(all, entry("Domain-0", 0, CREDIT_WEIGHT_DEFAULT, CREDIT_CAP_DEFAULT));
	for (struct xdomain *d = domain_from(1); d; d = domain_from(d->domid + 1))
		json_array_append_new(all, entry(d->name, d->domid, sched_weight_of(d), sched_cap_of(d)));
	return all;
}

/* What a sched-credit request asks to set. */
struct wanted {
	bool weight_given, cap_given;
	json_int_t weight, cap;
};

/* False (after replying) if a value given is not a number. */
static bool read_wanted(int fd, json_t *req, struct wanted *w)
{
	json_t *weight = json_object_get(req, "weight"), *cap = json_object_get(req, "cap");
	if ((weight && !json_is_integer(weight)) || (cap && !json_is_integer(cap))) {
		control_reply_error(fd, "sched-credit's weight and cap must be whole numbers");
		return false;
	}
	*w = (struct wanted){ .weight_given = weight, .cap_given = cap, .weight = json_integer_value(weight),
			      .cap = json_integer_value(cap) };
	return true;
}

/* Sets what is given; the domain's group first, so a value the host
 * refuses is never kept. */
static void set(int fd, struct xdomain *d, const struct wanted *want)
{
	char err[512];
	if ((want->weight_given && !credit_weight_valid(want->weight, err, sizeof(err))) ||
	    (want->cap_given && !credit_cap_valid(want->cap, d->vcpus, err, sizeof(err)))) {
		control_reply_error(fd, "%s", err);
		return;
	}
	unsigned weight = want->weight_given ? (unsigned)want->weight : sched_weight_of(d);
	unsigned cap = want->cap_given ? (unsigned)want->cap : sched_cap_of(d);
	/* A domain that has shut down has no VMM to hold to them: they wait
	 * in its config for its restart, as Xen kept them. */
	if (strcmp(d->state, "shutdown") != 0 && sched_group_set(d->domid, weight, cap, err, sizeof(err)) < 0) {
		control_reply_error(fd, "domain %s: %s", d->name, err);
		return;
	}
	json_object_set_new(d->config, "cpu_weight", json_integer(weight));
	json_object_set_new(d->config, "cpu_cap", json_integer(cap));
	domain_save_record(d);
	log_info("domain %s (%u): weight %u, cap %u", d->name, d->domid, weight, cap);
	control_reply_ok(fd, NULL);
}

void do_sched_credit(int fd, struct xdomain *unused, json_t *req)
{
	const char *name = json_string_value(json_object_get(req, "domain"));
	struct wanted want;
	if (!read_wanted(fd, req, &want))
		return;
	bool setting = want.weight_given || want.cap_given;
	if (setting && !name) {
		control_reply_error(fd, "No domain given.");
		return;
	}
	/* What the host cannot enforce is never shown as if it were. */
	if (sched_unavailable()) {
		control_reply_error(fd, "CPU weights and caps cannot be enforced on this host: %s",
				    sched_unavailable());
		return;
	}
	if (name && is_dom0(name)) {
		if (setting)
			control_reply_error(fd, "Domain-0 is the host itself: its share of the CPUs is the host's own");
		else
			control_reply_ok(fd, json_pack("{s:[o]}", "domains",
						       entry("Domain-0", 0, CREDIT_WEIGHT_DEFAULT, CREDIT_CAP_DEFAULT)));
		return;
	}
	struct xdomain *d = name ? domain_find(name) : NULL;
	if (name && !d) {
		control_reply_error(fd, "Domain '%s' does not exist.", name);
		return;
	}
	if (setting)
		set(fd, d, &want);
	else if (d)
		control_reply_ok(fd, json_pack("{s:[o]}", "domains",
					       entry(d->name, d->domid, sched_weight_of(d), sched_cap_of(d))));
	else
		control_reply_ok(fd, json_pack("{s:o}", "domains", list_all()));
}
