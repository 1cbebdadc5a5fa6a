/* xm migrate [-l|--live] [-p|--port PORT] [--ssl] <Domain> <Host>: the
 * domain moves to <Host>'s xend (its relocation server: port 8002, or with
 * TLS 8003, unless told); xend/migrate.c does the work and logs what it
 * measured. Like Xen's, it prints nothing when the domain runs on the
 * other host. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

static bool parse_port(const char *text, long *port)
{
	char *end;
	errno = 0;
	*port = strtol(text, &end, 10);
	return *text && !*end && !errno && *port >= 1 && *port <= 65535;
}

int cmd_migrate(int argc, char **argv)
{
	bool live = false, ssl = false;
	long port = 0; /* xend's default */
	const char *args[2];
	int operands = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-l") == 0 || strcmp(a, "--live") == 0) {
			live = true;
		} else if (strcmp(a, "--ssl") == 0) {
			ssl = true;
		} else if (strcmp(a, "-p") == 0 || strcmp(a, "--port") == 0 || strncmp(a, "--port=", 7) == 0) {
			const char *value = strchr(a, '=') ? strchr(a, '=') + 1 : i + 1 < argc ? argv[++i] : "";
			if (!parse_port(value, &port))
				return xm_usage_error("--port wants a port from 1 to 65535, not '%s'", value);
		} else if (a[0] == '-') {
			return xm_usage_error("unknown option '%s'", a);
		} else if (operands < 2) {
			args[operands++] = a;
		} else {
			return xm_usage_error("Expects 2 arguments: <Domain> <Host>");
		}
	}
	if (operands != 2)
		return xm_usage_error("Expects 2 arguments: <Domain> <Host>");
	json_t *req = json_pack("{s:s, s:s, s:s, s:b}", "op", "migrate", "domain", args[0], "host", args[1], "live",
				live);
	if (port)
		json_object_set_new(req, "port", json_integer(port));
	if (ssl) /* else xend-relocation-ssl decides */
		json_object_set_new(req, "ssl", json_true());
	json_t *reply = xend_call(req);
	json_decref(reply);
	return reply ? 0 : 1;
}
