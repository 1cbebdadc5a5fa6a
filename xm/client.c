/* What xm's commands share (xm.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "xm.h"

int xm_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "Error: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nUsage: xm %s %s\n", xm_current->name, xm_current->usage);
	va_end(ap);
	return 1;
}

/* xend_call, for a reply that may bring a file: its descriptor in *file. */
static json_t *xend_call_file(json_t *request, int *file)
{
	int fd = control_connect(control_xend_path(), 300000);
	if (fd < 0) {
		if (!control_xend_unix_server())
			fprintf(stderr, "Error: Unable to connect to xend: %s says (xend-unix-server no), so xend "
				"does not listen for xm.\n", control_xend_config());
		else
			fprintf(stderr, "Error: Unable to connect to xend: %s. Is xend running?\n", strerror(errno));
		json_decref(request);
		return NULL;
	}
	char err[512];
	int fds[CONTROL_MAX_FDS];
	size_t nfds = 0;
	json_t *reply = control_call(fd, request, fds, &nfds, err, sizeof(err));
	close(fd);
	json_decref(request);
	if (!reply)
		fprintf(stderr, "Error: %s\n", err);
	for (size_t i = 0; reply && i < nfds; i++) {
		if (file && i == 0)
			*file = fds[0];
		else
			close(fds[i]);
	}
	if (reply && file && nfds == 0) {
		fprintf(stderr, "Error: xend sent no file with its reply\n");
		json_decref(reply);
		return NULL;
	}
	return reply;
}

json_t *xend_call(json_t *request)
{
	return xend_call_file(request, NULL);
}

/* Copies what `fd` holds to stdout; 0, or 1 after saying why. */
static int print_file(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "Error: reading what xend sent: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0)
			return fflush(stdout) == 0 ? 0 : 1;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 1; /* a closed pipe (xm log | head): nothing to say */
	}
}

int xm_print_reply_file(json_t *request)
{
	int file = -1;
	json_t *reply = xend_call_file(request, &file);
	if (!reply)
		return 1;
	json_decref(reply);
	int status = print_file(file);
	close(file);
	return status;
}

json_t *xm_list_domains(void)
{
	json_t *reply = xend_call(json_pack("{s:s}", "op", "list"));
	if (!reply)
		return NULL;
	json_t *domains = json_incref(json_object_get(reply, "domains"));
	json_decref(reply);
	return domains;
}

json_t *xm_find_domain(json_t *domains, const char *name_or_id)
{
	size_t i;
	json_t *d;
	char id[16];
	json_array_foreach(domains, i, d) {
		json_t *domid = json_object_get(d, "domid");
		snprintf(id, sizeof(id), "%lld", (long long)json_integer_value(domid));
		if ((json_is_integer(domid) && strcmp(id, name_or_id) == 0) ||
		    strcmp(json_string_value(json_object_get(d, "name")), name_or_id) == 0)
			return d;
	}
	return NULL;
}

static json_t *pick_domains(json_t *domains, char *const *names, size_t n)
{
	json_t *picked = json_array();
	if (n == 0) {
		json_array_extend(picked, domains);
		return picked;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *d = xm_find_domain(domains, names[i]);
		if (!d) {
			fprintf(stderr, "Error: Domain '%s' does not exist.\n", names[i]);
			json_decref(picked);
			return NULL;
		}
		json_array_append(picked, d);
	}
	return picked;
}

json_t *xm_flag_and_domains(int argc, char **argv, char flag, const char *long_name, bool *set)
{
	const struct option options[] = { { long_name, no_argument, NULL, flag }, { 0 } };
	const char short_options[] = { flag, '\0' };
	int c;
	*set = false;
	/* Options before or after the domains, as Xen's gnu_getopt took them. */
	while ((c = getopt_long(argc, argv, short_options, options, NULL)) != -1) {
		if (c != flag) {
			xm_usage_error("unknown option");
			return NULL;
		}
		*set = true;
	}
	json_t *domains = xm_list_domains();
	json_t *picked = domains ? pick_domains(domains, argv + optind, (size_t)(argc - optind)) : NULL;
	json_decref(domains);
	return picked;
}

int xm_simple_request(const char *op, const char *domain)
{
	json_t *reply = xend_call(json_pack("{s:s, s:s}", "op", op, "domain", domain));
	json_decref(reply);
	return reply ? 0 : 1;
}

int xm_one_domain(int argc, char **argv)
{
	if (argc != 2)
		return xm_usage_error(argc < 2 ? "no domain given" : "too many arguments");
	return 0;
}

int xm_operands_and_flag(int argc, char **argv, const char *const flag[2], bool *set, const char **out, int want)
{
	int n = 0;
	*set = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], flag[0]) == 0 || strcmp(argv[i], flag[1]) == 0)
			*set = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return xm_usage_error("unknown option %s", argv[i]);
		else if (n < want)
			out[n++] = argv[i];
		else
			return xm_usage_error("too many arguments");
	}
	if (n < want)
		return xm_usage_error(n == 0 ? "no domain given" : "no device given");
	return 0;
}

int xm_absolute_path(const char *name, char *out, size_t len)
{
	char cwd[PATH_MAX];
	int n = -1;
	if (name[0] == '/')
		n = snprintf(out, len, "%s", name);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(out, len, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, name);
	if (n < 0 || (size_t)n >= len) {
		fprintf(stderr, "Error: %s: the name is too long, or the current folder unknown\n", name);
		return -1;
	}
	return 0;
}
