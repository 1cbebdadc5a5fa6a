/* What xm's commands share: the command table's entry, talking to xend,
 * finding a domain in its list, and their arguments. Each command is
 * `int cmd_NAME(int argc, char **argv)` (argv[0] is the command's name),
 * returns the exit status, and says what went wrong on stderr. */
#ifndef XM_XM_H
#define XM_XM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct xm_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *help;
};

/* The command being run (for usage errors). */
extern const struct xm_command *xm_current;

/* "Error: WHY" and the command's usage on stderr; returns 1. */
int xm_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One request to xend (consumed); the reply, or NULL after saying why on stderr. */
json_t *xend_call(json_t *request);
/* One request to xend (consumed) whose reply brings a file (dmesg, log:
 * too large for a message), printed on stdout. 0, or 1 after saying why. */
int xm_print_reply_file(json_t *request);
/* xend's list of domains (Domain-0 first), or NULL after saying why. */
json_t *xm_list_domains(void);
/* The domain of `domains` whose name or ID is `name_or_id`, or NULL. */
json_t *xm_find_domain(json_t *domains, const char *name_or_id);
/* [-F|--LONG_NAME] [Domain ...] (list, uptime): whether the flag is set,
 * and xend's domains that the operands name (by name or ID, in that order;
 * all without operands). NULL after saying why (a domain that does not
 * exist, an unknown option). */
json_t *xm_flag_and_domains(int argc, char **argv, char flag, const char *long_name, bool *set);
/* {"op": op, "domain": domain} to xend: 0, or 1 after saying why. */
int xm_simple_request(const char *op, const char *domain);
/* A command of one operand, the domain: 0, or a usage error. */
int xm_one_domain(int argc, char **argv);
/* Splits ARGS into `want` operands and the flag `flag` (short or long),
 * which may come anywhere, as Xen's xm took them; 0, or a usage error. */
int xm_operands_and_flag(int argc, char **argv, const char *const flag[2], bool *set, const char **out, int want);
/* The config `xm create FILE VAR=VALUE...` means, checked, as xend takes
 * it; NULL after saying why. */
json_t *xm_load_config(const char *file, char *const *defines, size_t ndefines);
/* A file's name made absolute against xm's folder (xend does not share
 * it). 0, or -1 after saying why. */
int xm_absolute_path(const char *name, char *out, size_t len);
/* Attaches to the domain's console (xm console); the exit status. */
int xm_attach_console(const char *domain);

/* The commands kept in files of their own (main.c's table lists all). */
/* info.c, dmesg.c, log.c, sysrq.c, dump_core.c */
int cmd_info(int argc, char **argv);
/* What xm info prints of xend's [key, value] pairs. */
void xm_info_print(FILE *out, json_t *pairs);
int cmd_dmesg(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_sysrq(int argc, char **argv);
int cmd_dump_core(int argc, char **argv);
/* memory.c */
int cmd_mem_set(int argc, char **argv);
int cmd_mem_max(int argc, char **argv);
/* sched.c */
int cmd_sched_credit(int argc, char **argv);
/* manage.c: the domains xend manages (Xen 3.1's lifecycle commands) */
int cmd_new(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_delete(int argc, char **argv);
/* save.c */
int cmd_save(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_restore(int argc, char **argv);
/* rename.c */
int cmd_rename(int argc, char **argv);
/* uptime.c */
int cmd_uptime(int argc, char **argv);
/* top.c */
int cmd_top(int argc, char **argv);
/* vcpu.c */
int cmd_vcpu_list(int argc, char **argv);
int cmd_vcpu_pin(int argc, char **argv);
int cmd_vcpu_set(int argc, char **argv);

#endif
