/* The credit scheduler's weight and cap, made real by cgroup v2. Xen's
 * hypervisor shared the CPUs among domains by weight and held each to its
 * cap; here the host kernel's scheduler does, with one group per domain:
 *
 *   /sys/fs/cgroup/xenon           every domain; its cpuset.cpus leaves out
 *                                  the CPUs dom0-cpus keeps for the host
 *   /sys/fs/cgroup/xenon/DOMID     one domain's VMM, all its threads:
 *                                  cpu.weight (its weight), cpu.max (its cap)
 *
 * The groups belong to the domains, not to xend: a VMM outlives xend, and
 * so does its group, which a new xend finds by the domain's ID. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cpulist.h"
#include "log.h"
#include "util.h"
#include "xend.h"

#define CGROUP_MOUNT "/sys/fs/cgroup"
#define CGROUP_XENON CGROUP_MOUNT "/xenon"
/* cpu.max's period: a cap is that share of each 100 ms, as Xen's credit
 * scheduler accounted in 30 ms slices: short enough that a capped domain
 * never stalls for long. */
#define CPU_MAX_PERIOD_US 100000

/* Why weights and caps cannot be enforced; "" once sched_init found they can. */
static char unavailable[256] = "xend has not looked at cgroup v2 yet";

unsigned sched_cpu_weight(unsigned weight)
{
	/* Rounded to the nearest, within cgroup's 1..10000: weights past
	 * 25600 all count as 25600, and 1 to 3 alike (cpu.weight 1). */
	unsigned long w = ((unsigned long)weight * 100 + 128) / 256;
	return w < 1 ? 1 : w > 10000 ? 10000 : (unsigned)w;
}

void sched_cpu_max(unsigned cap, char out[SCHED_CPU_MAX_LEN])
{
	if (cap == 0)
		snprintf(out, SCHED_CPU_MAX_LEN, "max %u", CPU_MAX_PERIOD_US);
	else
		snprintf(out, SCHED_CPU_MAX_LEN, "%lu %u", (unsigned long)cap * (CPU_MAX_PERIOD_US / 100),
			 CPU_MAX_PERIOD_US);
}

int sched_cpus_after(const cpu_set_t *online, unsigned long keep, cpu_set_t *left)
{
	CPU_ZERO(left);
	/* The first kept are the lowest, as Xen's dom0 took CPU 0 upward. */
	for (unsigned cpu = 0; cpu < CPULIST_MAX; cpu++) {
		if (!CPU_ISSET(cpu, online))
			continue;
		if (keep > 0)
			keep--;
		else
			CPU_SET(cpu, left);
	}
	return CPU_COUNT(left);
}

/* Writes `text` to a cgroup file (one write, as the kernel takes them). */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int e = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n < 0 ? e : EIO;
		return -1;
	}
	return 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* Turns the controller on for the children of `dir`; 0, or -1 with errno. */
static int enable_controller(const char *dir, const char *controller)
{
	char path[PATH_MAX], now[256], want[32];
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
	if (read_first_line(path, now, sizeof(now)) && has_word(now, controller))
		return 0;
	snprintf(want, sizeof(want), "+%s", controller);
	return write_file(path, want);
}

/* dom0-cpus: the first N host CPUs are the host's; domains get the rest.
 * Logs what it did. */
static void keep_dom0_cpus(unsigned long dom0_cpus, bool have_cpuset)
{
	cpu_set_t online, left;
	char all[512], rest[512];
	if (!have_cpuset) {
		if (dom0_cpus > 0)
			log_warn("dom0-cpus %lu: cgroup v2 at %s lacks the cpuset controller; domains may run on every CPU",
				 dom0_cpus, CGROUP_MOUNT);
		return;
	}
	if (!cpulist_host_online(&online) || !cpulist_format(&online, all, sizeof(all))) {
		log_warn("dom0-cpus: cannot tell the online CPUs from /sys/devices/system/cpu/online");
		return;
	}
	int n = sched_cpus_after(&online, dom0_cpus, &left);
	if (dom0_cpus > 0 && n == 0)
		log_warn("dom0-cpus %lu: the host has only the CPUs %s; none kept for it", dom0_cpus, all);
	/* An empty cpuset.cpus is the parent's: every CPU (dom0-cpus 0). */
	bool confine = dom0_cpus > 0 && n > 0 && cpulist_format(&left, rest, sizeof(rest));
	if (write_file(CGROUP_XENON "/cpuset.cpus", confine ? rest : "\n") < 0) {
		log_warn("dom0-cpus: cannot write %s/cpuset.cpus: %s", CGROUP_XENON, strerror(errno));
		return;
	}
	if (confine)
		log_info("dom0-cpus %lu: domains run on the CPUs %s, the host keeps the rest of %s", dom0_cpus, rest,
			 all);
}

/* Why cgroup v2 cannot hold domains to weights and caps here, into
 * `unavailable`; "" if it can (the xenon group is then ready). */
static void check_cgroup(bool *have_cpuset)
{
	struct statfs fs;
	char controllers[256];
	*have_cpuset = false;
	if (statfs(CGROUP_MOUNT, &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(unavailable, sizeof(unavailable), "cgroup v2 is not mounted at %s", CGROUP_MOUNT);
		return;
	}
	if (!read_first_line(CGROUP_MOUNT "/cgroup.controllers", controllers, sizeof(controllers)) ||
	    !has_word(controllers, "cpu")) {
		snprintf(unavailable, sizeof(unavailable), "cgroup v2 at %s lacks the cpu controller", CGROUP_MOUNT);
		return;
	}
	*have_cpuset = has_word(controllers, "cpuset");
	const char *step = NULL;
	if (enable_controller(CGROUP_MOUNT, "cpu") < 0)
		step = "enabling cpu in " CGROUP_MOUNT "/cgroup.subtree_control";
	else if (*have_cpuset && enable_controller(CGROUP_MOUNT, "cpuset") < 0)
		step = "enabling cpuset in " CGROUP_MOUNT "/cgroup.subtree_control";
	else if (mkdir(CGROUP_XENON, 0755) < 0 && errno != EEXIST)
		step = "making " CGROUP_XENON;
	else if (enable_controller(CGROUP_XENON, "cpu") < 0)
		step = "enabling cpu in " CGROUP_XENON "/cgroup.subtree_control";
	else if (*have_cpuset && enable_controller(CGROUP_XENON, "cpuset") < 0)
		step = "enabling cpuset in " CGROUP_XENON "/cgroup.subtree_control";
	if (step) {
		snprintf(unavailable, sizeof(unavailable), "%s: %s", step, strerror(errno));
		return;
	}
	unavailable[0] = '\0';
}

bool sched_init(unsigned long dom0_cpus)
{
	bool have_cpuset;
	check_cgroup(&have_cpuset);
	if (unavailable[0]) {
		log_warn("%s: domains' CPU weights and caps cannot be enforced (xm sched-credit will say so)",
			 unavailable);
		if (dom0_cpus > 0)
			log_warn("dom0-cpus %lu cannot be honoured either", dom0_cpus);
		return false;
	}
	keep_dom0_cpus(dom0_cpus, have_cpuset);
	log_info("domains' CPU weights and caps: a cgroup v2 group each under %s", CGROUP_XENON);
	return true;
}

const char *sched_unavailable(void)
{
	return unavailable[0] ? unavailable : NULL;
}

static void group_path(uint32_t domid, const char *file, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%u%s%s", CGROUP_XENON, domid, file ? "/" : "", file ? file : "");
}

int sched_group_set(uint32_t domid, unsigned weight, unsigned cap, char *err, size_t errlen)
{
	char path[PATH_MAX], value[SCHED_CPU_MAX_LEN];
	snprintf(value, sizeof(value), "%u", sched_cpu_weight(weight));
	group_path(domid, "cpu.weight", path, sizeof(path));
	if (write_file(path, value) < 0) {
		snprintf(err, errlen, "writing %s to %s: %s", value, path, strerror(errno));
		return -1;
	}
	sched_cpu_max(cap, value);
	group_path(domid, "cpu.max", path, sizeof(path));
	if (write_file(path, value) < 0) {
		snprintf(err, errlen, "writing '%s' to %s: %s", value, path, strerror(errno));
		return -1;
	}
	return 0;
}

int sched_group_join(uint32_t domid, pid_t pid, unsigned weight, unsigned cap, char *err, size_t errlen)
{
	char path[PATH_MAX], text[24];
	group_path(domid, NULL, path, sizeof(path));
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "making the domain's cgroup %s: %s", path, strerror(errno));
		return -1;
	}
	/* The limits first: the VMM never runs in the group without them. */
	if (sched_group_set(domid, weight, cap, err, errlen) < 0)
		return -1;
	group_path(domid, "cgroup.procs", path, sizeof(path));
	snprintf(text, sizeof(text), "%d", (int)pid);
	/* ESRCH: the VMM has failed already; connecting to it will say why. */
	if (write_file(path, text) < 0 && errno != ESRCH) {
		snprintf(err, errlen, "moving the VMM (pid %d) into %s: %s", (int)pid, path, strerror(errno));
		return -1;
	}
	return 0;
}

void sched_group_remove(uint32_t domid)
{
	char path[PATH_MAX];
	if (unavailable[0])
		return;
	group_path(domid, NULL, path, sizeof(path));
	/* A VMM just killed may take a moment to leave its group. */
	for (int i = 0; i < 50; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY)
			break;
		usleep(20000);
	}
	log_warn("cannot remove the domain's cgroup %s: %s", path, strerror(errno));
}
