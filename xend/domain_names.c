/* What xend takes as a domain's name and UUID. Both name files (the
 * domain's record and definition, its VMM's and console's logs, its core
 * dumps), so a name with '/' or a leading '.', or a UUID that is not one,
 * could write anywhere: every way in (create, new, rename, a definition
 * on disk) checks with these. */
#include <stdio.h>
#include <string.h>

#include "xend.h"

/* As xm's configs take a name (xm/domain_config.c). */
bool domain_name_valid(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);
	if (len >= 1 && len <= DOMAIN_NAME_MAX && name[0] != '.' && name[0] != '-' &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == len)
		return true;
	if (err)
		snprintf(err, errlen,
			 "'%s' is not a domain name: 1 to %d letters, digits, '_', '.' or '-', not starting with '.' or '-'",
			 name, DOMAIN_NAME_MAX);
	return false;
}

bool domain_uuid_valid(const char *uuid, char *err, size_t errlen)
{
	bool valid = strlen(uuid) == 36;
	for (int i = 0; valid && i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		valid = dash ? uuid[i] == '-' : strchr("0123456789abcdefABCDEF", uuid[i]) != NULL;
	}
	if (!valid && err)
		snprintf(err, errlen, "uuid '%s' is not 8-4-4-4-12 hex digits", uuid);
	return valid;
}
