/* xend: the host's domain manager. It keeps the table of domains, starts a
 * VMM (xenon-vmm) for each, writes each domain's XenStore tree and
 * introduces it to xenstored, carries out xm's requests (lib/control.h
 * protocol on $XENON_RUN_DIR/xend.sock) and what on_poweroff, on_reboot and
 * on_crash say when a domain ends. */
#ifndef XEND_XEND_H
#define XEND_XEND_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum on_event { ON_DESTROY, ON_RESTART, ON_PRESERVE, ON_RENAME_RESTART };

struct xdomain {
	uint32_t domid;
	char name[65];
	char uuid[37];
	json_t *config;        /* as xm sent it: name, memory, vcpus, kernel, ... */
	uint64_t memory_mb, maxmem_mb;
	unsigned vcpus;
	enum on_event on_poweroff, on_reboot, on_crash;
	pid_t pid;             /* the VMM */
	int watch_fd;          /* connection on which the VMM tells us it ended */
	char tty[64];
	char state[16];        /* "running", "paused", "shutdown" */
	char end_reason[16];   /* for a preserved domain */
	time_t start_time;
	unsigned restarts;     /* restarts in the current burst */
	time_t burst_start;
	struct xdomain *next;
};

struct xend {
	struct xdomain *domains;
	uint32_t next_domid;
	const char *vmm_path;
	const char *xenstored_path; /* NULL: not found; xend then needs a running one */
	const char *log_dir;
	const char *state_dir; /* /var/lib/xend: what survives xend */
};

extern struct xend xend;

/* domain.c */
struct xdomain *domain_find(const char *name_or_id);
/* Creates and starts a domain; NULL with the reason in `err`. */
struct xdomain *domain_create(json_t *config, bool paused, char *err, size_t errlen);
int domain_destroy(struct xdomain *d, char *err, size_t errlen);
int domain_shutdown(struct xdomain *d, const char *how, char *err, size_t errlen);
int domain_pause(struct xdomain *d, bool pause, char *err, size_t errlen);
/* The VMM's answer to "info", refreshed; NULL if it does not answer. */
json_t *domain_info(struct xdomain *d);
/* The VMM said the domain ended (or went away): apply on_* . */
void domain_ended(struct xdomain *d);
/* At start: takes back the domains an earlier xend left running. */
void domain_recover_all(void);

/* store.c: the domain's XenStore tree, through libxenstore */
/* Makes sure xend has a working connection to xenstored: it connects again
 * after xenstored restarted, and starts xenstored if none runs. */
int store_open(char *err, size_t errlen);
int store_make_domain(const struct xdomain *d, uint64_t store_gfn, uint32_t store_port,
		      uint64_t console_gfn, uint32_t console_port, char *err, size_t errlen);
int store_introduce(const struct xdomain *d, uint64_t gfn, uint32_t port, char *err, size_t errlen);
int store_write(const struct xdomain *d, const char *rel_path, const char *value);
void store_forget_domain(const struct xdomain *d);

/* requests.c */
void request_handle(int fd);


#endif
