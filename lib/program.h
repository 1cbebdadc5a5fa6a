/* Finding Xenon's own programs: an installed one lies beside the program
 * looking for it, a built one in its folder of the build tree
 * (build/main/xend/xend finds build/main/vmm/xenon-vmm). */
#ifndef XENON_PROGRAM_H
#define XENON_PROGRAM_H

#include <limits.h>
#include <stdbool.h>

/* The folder of the running program, into `dir`; false if it cannot be told. */
bool program_self_dir(char dir[PATH_MAX]);

/* The path of program `name`: $`env` if set, else beside us, else
 * ../`build_dir`/`name` from our folder. A malloc'd string the caller may
 * keep, or NULL if none is executable there. */
char *program_find(const char *name, const char *build_dir, const char *env);

#endif
