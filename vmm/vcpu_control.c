#include "vcpu_control.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/control.h"
#include "control.h"
#include "cpulist.h"
#include "domain.h"
#include "log.h"
#include "vcpu_state.h"

#define RFLAGS_IF (1ull << 9)

/* Each vCPU's pin: the control thread sets it, a vCPU's thread starting
 * applies it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	bool pinned;
	cpu_set_t pin;
} pins[MAX_VCPUS];

/* Whether the guest has the vCPU online; false if its thread did not say. */
static bool guest_online(struct vcpu *v, bool *online)
{
	struct vcpu_state s;
	if (vcpu_state_get(v, &s) < 0)
		return false;
	switch (s.mp_state.mp_state) {
	case KVM_MP_STATE_UNINITIALIZED:
	case KVM_MP_STATE_INIT_RECEIVED:
	case KVM_MP_STATE_SIPI_RECEIVED:
		*online = false; /* never started, or waiting to be started again */
		break;
	case KVM_MP_STATE_HALTED:
		/* Idle halts with interrupts on; only a CPU taken down halts
		 * for good with them off. */
		*online = (s.regs.rflags & RFLAGS_IF) != 0;
		break;
	default:
		*online = true;
	}
	return true;
}

void vcpu_control_thread_start(struct vcpu *v)
{
	char name[16];
	snprintf(name, sizeof(name), "vcpu %u", v->id);
	pthread_setname_np(pthread_self(), name);
	pthread_mutex_lock(&lock);
	if (pins[v->id].pinned && sched_setaffinity(atomic_load(&v->tid), sizeof(cpu_set_t), &pins[v->id].pin) < 0)
		log_warn("vCPU %u: cannot apply its CPU affinity: %s", v->id, strerror(errno));
	pthread_mutex_unlock(&lock);
}

/* The thread's state letter and the host CPU it last ran on, from
 * /proc/self/task/TID/stat; false if it cannot be read. */
static bool thread_stat(int tid, char *state, int *cpu)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	/* The fields from the third on follow the name, which may hold
	 * anything but ends at the last ')'. */
	const char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return false;
	*state = p[2];
	const char *field = p + 2; /* the third */
	for (int i = 3; i < 39 && field; i++) {
		field = strchr(field, ' ');
		if (field)
			field++;
	}
	return field && sscanf(field, "%d", cpu) == 1; /* the 39th: processor */
}

/* The thread's time on a CPU (ns), as the scheduler counts it. */
static uint64_t thread_cpu_ns(int tid)
{
	char path[64];
	unsigned long long ns = 0;
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	FILE *f = fopen(path, "re");
	if (f && fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	if (f)
		fclose(f);
	return ns;
}

/* Called with the lock held; `online` asked of the vCPU before, without
 * it (a vCPU thread starting takes the lock before it can answer). */
static json_t *describe(struct vcpu *v, bool online)
{
	struct domain *d = v->dom;
	int tid = atomic_load(&v->tid);
	char state = '?', affinity[1024] = "";
	int cpu = -1;
	uint64_t cpu_ns = 0;
	cpu_set_t set;
	if (tid) {
		thread_stat(tid, &state, &cpu);
		cpu_ns = thread_cpu_ns(tid);
	}
	/* A thread not yet running has the pin it will take, or this process's. */
	if (!tid && pins[v->id].pinned)
		set = pins[v->id].pin;
	else if (sched_getaffinity(tid, sizeof(set), &set) < 0)
		CPU_ZERO(&set);
	cpulist_format(&set, affinity, sizeof(affinity));
	bool running = state == 'R' && !atomic_load(&d->paused);
	bool blocked = (state == 'S' || state == 'D') && !atomic_load(&d->paused);
	return json_pack("{s:i, s:b, s:b, s:b, s:I, s:i, s:s}", "vcpu", (int)v->id, "online", online, "running",
			 online && running, "blocked", online && blocked, "cpu_ns", (json_int_t)cpu_ns, "cpu", cpu,
			 "affinity", affinity);
}

void vcpu_control_op_list(int fd, json_t *req)
{
	(void)req;
	if (!control_domain_running(fd))
		return;
	struct domain *d = control_domain();
	json_t *list = json_array();
	for (unsigned i = 0; i < d->nr_vcpus; i++) {
		bool online = true;
		if (!guest_online(&d->vcpus[i], &online))
			log_debug("vCPU %u did not say whether it is online; shown online", i);
		pthread_mutex_lock(&lock);
		json_array_append_new(list, describe(&d->vcpus[i], online));
		pthread_mutex_unlock(&lock);
	}
	control_reply_ok(fd, json_pack("{s:o}", "vcpus", list));
}

void vcpu_control_op_pin(int fd, json_t *req)
{
	if (!control_domain_running(fd))
		return;
	struct domain *d = control_domain();
	json_t *id = json_object_get(req, "vcpu");
	const char *cpus = json_string_value(json_object_get(req, "cpus"));
	if (!json_is_integer(id) || json_integer_value(id) < 0 || json_integer_value(id) >= d->nr_vcpus || !cpus) {
		control_reply_error(fd, "vcpu-pin wants vcpu (0 to %u) and cpus (a list such as \"0-1,3\", or \"all\")",
				    d->nr_vcpus - 1);
		return;
	}
	struct vcpu *v = &d->vcpus[json_integer_value(id)];
	cpu_set_t set;
	char err[256];
	bool all = strcmp(cpus, "all") == 0;
	if (all) {
		CPU_ZERO(&set);
		for (unsigned cpu = 0; cpu < CPULIST_MAX; cpu++)
			CPU_SET(cpu, &set);
	} else if (cpulist_parse(cpus, &set, err, sizeof(err)) < 0) {
		control_reply_error(fd, "%s", err);
		return;
	}
	pthread_mutex_lock(&lock);
	int tid = atomic_load(&v->tid);
	/* The kernel keeps what it can run the thread on: a list naming no
	 * CPU it has (or none in the domain's cpuset) is refused. */
	if (tid && sched_setaffinity(tid, sizeof(set), &set) < 0) {
		int e = errno;
		pthread_mutex_unlock(&lock);
		if (e == EINVAL)
			control_reply_error(fd, "none of the host's CPUs %s is available to this domain", cpus);
		else
			control_reply_error(fd, "vCPU %u cannot run on CPUs %s: %s", v->id, cpus, strerror(e));
		return;
	}
	pins[v->id].pinned = !all;
	pins[v->id].pin = set;
	pthread_mutex_unlock(&lock);
	log_info("vCPU %u: CPU affinity %s", v->id, cpus);
	control_reply_ok(fd, NULL);
}
