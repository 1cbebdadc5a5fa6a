/* xm info: the host, its Xen and its xend, one "key : value" line each, as
 * xend lists them (xend/info.c) and as Xen 3's xm printed them: the key
 * left-aligned in 23 columns. */
#include <stdio.h>

#include "xm.h"

void xm_info_print(FILE *out, json_t *pairs)
{
	size_t i;
	json_t *pair;
	json_array_foreach(pairs, i, pair) {
		const char *key = json_string_value(json_array_get(pair, 0));
		json_t *value = json_array_get(pair, 1);
		if (!key)
			continue;
		if (json_is_integer(value))
			fprintf(out, "%-23s: %lld\n", key, (long long)json_integer_value(value));
		else if (json_is_string(value))
			fprintf(out, "%-23s: %s\n", key, json_string_value(value));
		else
			fprintf(out, "%-23s: (none)\n", key);
	}
}

int cmd_info(int argc, char **argv)
{
	if (argc > 1)
		return xm_usage_error("'xm info' takes no arguments");
	json_t *reply = xend_call(json_pack("{s:s}", "op", "info"));
	if (!reply)
		return 1;
	xm_info_print(stdout, json_object_get(reply, "info"));
	json_decref(reply);
	return 0;
}
