/* Finding Xenon's own programs (program.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program.h"

bool program_self_dir(char dir[PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", dir, PATH_MAX - 1);
	if (n <= 0)
		return false;
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*slash = '\0';
	return true;
}

/* DIR/SUB/NAME (SUB may be ""), if it is executable. */
static char *executable_at(const char *dir, const char *sub, const char *name)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s/%s%s%s", dir, sub, *sub ? "/" : "", name) >= (int)sizeof(path) ||
	    access(path, X_OK) != 0)
		return NULL;
	return strdup(path);
}

char *program_find(const char *name, const char *build_dir, const char *env)
{
	const char *override = getenv(env);
	if (override && *override)
		return strdup(override);
	char self[PATH_MAX];
	if (!program_self_dir(self))
		return NULL;
	char beside_build[PATH_MAX];
	snprintf(beside_build, sizeof(beside_build), "../%s", build_dir);
	char *found = executable_at(self, "", name);
	return found ? found : executable_at(self, beside_build, name);
}
