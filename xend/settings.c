/* xend's settings and its scripts folder, as Xen kept them:
 *
 *   /etc/xen/xend-config.sxp   (key value) settings; xend reads
 *                              network-script and vif-script so far
 *   /etc/xen/scripts           the hotplug scripts, the administrator's to
 *                              edit: xend installs the ones it ships that
 *                              are missing, and never replaces one */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sxp.h"
#include "xend.h"

/* One (KEY VALUE) setting into *out (malloc'd): `fallback` when the file
 * has none. 0, or -1 with `err` naming the file and line. */
static int setting(const struct sxp *top, const char *path, const char *key, const char *fallback, char **out,
		   char *err, size_t errlen)
{
	const struct sxp *l = sxp_find(top, key);
	if (l && (l->n != 2 || !l->items[1].atom)) {
		snprintf(err, errlen,
			 "%s:%u: (%s ...) takes one value: a script and its arguments, quoted if there are several "
			 "('%s bridge=xenbr1')",
			 path, l->line, key, fallback);
		return -1;
	}
	*out = strdup(l ? l->items[1].atom : fallback);
	if (!*out)
		snprintf(err, errlen, "out of memory");
	return *out ? 0 : -1;
}

int xend_settings_load(const char *path, struct xend_settings *s, char *err, size_t errlen)
{
	*s = (struct xend_settings){ 0 };
	struct sxp top;
	if (sxp_load(path, &top, err, errlen) < 0)
		return -1;
	int r = setting(&top, path, "network-script", "network-bridge", &s->network_script, err, errlen);
	if (r == 0)
		r = setting(&top, path, "vif-script", "vif-bridge", &s->vif_script, err, errlen);
	sxp_free(&top);
	if (r < 0)
		xend_settings_free(s);
	return r;
}

void xend_settings_free(struct xend_settings *s)
{
	free(s->network_script);
	free(s->vif_script);
	*s = (struct xend_settings){ 0 };
}

int make_folders(const char *dir)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* Copies `from` to `to`, which must not exist, with the mode `mode`: written
 * aside and linked into place, so neither half a script nor a replaced one
 * is ever there. 0 (also when one appeared meanwhile), or -1 with errno. */
static int copy_new(const char *from, const char *to, const char *dir, const char *name, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.xend-new", dir, name) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = out < 0 ? -1 : 0;
	char buf[65536];
	ssize_t n;
	while (r == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 || write(out, buf, (size_t)n) != n)
			r = -1;
	}
	if (r == 0 && fchmod(out, mode) < 0)
		r = -1;
	int e = errno;
	close(in);
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -1, e = errno;
	if (r == 0 && link(tmp, to) < 0 && errno != EEXIST)
		r = -1, e = errno;
	if (out >= 0)
		unlink(tmp);
	errno = e;
	return r;
}

int scripts_install(const char *from, const char *to, char *err, size_t errlen)
{
	DIR *dh = opendir(from);
	if (!dh) {
		snprintf(err, errlen, "%s: %s", from, strerror(errno));
		return -1;
	}
	if (make_folders(to) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", to, strerror(errno));
		closedir(dh);
		return -1;
	}
	int installed = 0;
	struct dirent *e;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue; /* ., .., and what editors leave */
		char src[PATH_MAX], dst[PATH_MAX];
		struct stat st, there;
		if (snprintf(src, sizeof(src), "%s/%s", from, e->d_name) >= (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name) >= (int)sizeof(dst) || lstat(src, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (lstat(dst, &there) == 0 || errno != ENOENT)
			continue; /* the administrator's, whatever it is */
		if (copy_new(src, dst, to, e->d_name, st.st_mode & 0777) < 0) {
			snprintf(err, errlen, "installing %s: %s", dst, strerror(errno));
			closedir(dh);
			return -1;
		}
		log_info("installed %s", dst);
		installed++;
	}
	closedir(dh);
	return installed;
}
