/* S-expressions as Xen's configuration files write them (xend-config.sxp):
 *
 *   # a comment, to the end of the line
 *   (network-script network-bridge)
 *   (vif-script 'vif-bridge bridge=xenbr1')
 *   (xen-api-server ((unix none)))
 *
 * At the top level, only (key value ...) lists. A value is a bare word, a
 * '...' or "..." string (a backslash takes the next character as it is, or
 * \n, \t, \r) or a list of values. */
#ifndef XENON_SXP_H
#define XENON_SXP_H

#include <stddef.h>

struct sxp {
	char *atom;          /* a word or a string; NULL for a list */
	struct sxp *items;   /* a list's items */
	size_t n;
	unsigned line;       /* where it starts, from 1 */
};

/* Parses `len` bytes of text into `top`, a list of the top level's lists,
 * each of which starts with its key (an atom). 0, or -1 with the line at
 * fault in *line and why in `err`. */
int sxp_parse(const char *text, size_t len, struct sxp *top, unsigned *line, char *err, size_t errlen);

/* Reads and parses a file. 0; 1 if it does not exist (`top` is then an
 * empty list); -1 with "PATH:LINE: why" (or "PATH: why") in `err`. */
int sxp_load(const char *path, struct sxp *top, char *err, size_t errlen);

void sxp_free(struct sxp *s);

/* The last of the top level's lists whose key is `key` (a later setting
 * wins, as in Xen's file), or NULL. */
const struct sxp *sxp_find(const struct sxp *top, const char *key);

#endif
